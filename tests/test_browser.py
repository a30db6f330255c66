"""The report in a real browser: Debian's Chromium (/usr/bin/chromium, installed by `./setup.sh test`)
driven headless by Playwright. Opens report.html from file://, checks that nothing but the file
itself is fetched, that the filters change what is shown (and "Show all" brings everything back),
that every finding shows its clause, that without script the full list shows, that the print
stylesheet hides the controls, and saves a screenshot.

FA_SCREENSHOT=path also writes the sample-exports screenshot there (docs/report-screenshot.png is
made with: FA_SCREENSHOT=docs/report-screenshot.png .venv/bin/python -m pytest tests/test_browser.py).
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auditor import report

from test_report_data import fake_rules, make_result  # noqa: F401  (fixture)
from test_report_html import remote_assets

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"
FILTERS = ("platform", "category", "severity", "year", "status")

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (Debian package chromium; ./setup.sh test installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def expected_posts(doc: dict) -> dict[str, dict]:
    """Per flagged post: its platform and year, and the values of its findings (from findings.json)."""
    posts = {p["ref"]: p for p in doc["posts"]}
    out: dict[str, dict] = {}
    for f in doc["findings"]:
        p = posts.get(f["post_ref"], {})
        e = out.setdefault(f["post_ref"], {"platform": p.get("platform"),
                                           "year": p["created_at"][:4] if p.get("created_at") else "unknown",
                                           "findings": []})
        e["findings"].append(f)
    return out


def count_matching(exp: dict[str, dict], sel: dict[str, str]) -> int:
    n = 0
    for e in exp.values():
        if sel.get("platform", "all") not in ("all", e["platform"]):
            continue
        if sel.get("year", "all") not in ("all", e["year"]):
            continue

        def ok(f: dict) -> bool:
            st = sel.get("status", "all")
            return (sel.get("category", "all") in ("all", f["category"])
                    and sel.get("severity", "all") in ("all", f["severity"])
                    and (st == "all" or st == f["status"] or (st == "attention" and f["status"] in report.ATTENTION)))
        n += any(ok(f) for f in e["findings"])
    return n


def visible_posts(page) -> int:
    return page.locator("article.post:visible").count()


def check_report(browser, html_path: Path, doc: dict, shot: Path) -> dict:
    """All the browser checks on one report; returns figures for the caller's own checks."""
    requests: list[str] = []
    console: list[str] = []
    page = browser.new_page(viewport={"width": 1100, "height": 1500})
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.goto(html_path.as_uri())
    page.wait_for_load_state("load")

    exp = expected_posts(doc)
    total = len(exp)
    # offline: the page fetched nothing but itself (thumbnails are data: URIs)
    assert [u for u in requests if not u.startswith(("file://", "data:"))] == []
    assert console == []                           # no CSP violations or script errors
    # the script ran: filters shown, counter filled
    assert page.locator("#filters").is_visible()
    assert visible_posts(page) == total
    assert page.locator("#shown").inner_text() == f"Showing {total} of {total} post(s)"

    # every finding shows its clause (edition then and, where different, now)
    findings = page.locator(".finding")
    assert findings.count() == len(doc["findings"])
    by_id = {f["id"]: f for f in doc["findings"]}
    for i in range(findings.count()):
        el = findings.nth(i)
        assert el.is_visible()
        f = by_id[el.get_attribute("data-finding")]
        clause_text = el.locator(".clause").inner_text()
        if f["standards"]:
            for s in f["standards"]:
                assert f"{s['regulator']} {s['edition']}" in clause_text
                cl = el.locator(f'.cl[data-clause="{s["regulator"]} {s["edition"]} {s["clause"]}"]')
                assert cl.is_visible() and cl.inner_text().startswith(f"clause {s['clause']}")
        else:
            assert "No clause" in clause_text

    # each filter: choose the value that shows fewest posts; the page shows exactly those
    changed = 0
    for key in FILTERS:
        values = [v for v in page.locator(f"#filters select[name={key}] option").evaluate_all(
            "els => els.map(e => e.value)") if v != "all"]
        if not values:
            continue
        value = min(values, key=lambda v: count_matching(exp, {key: v}))
        want = count_matching(exp, {key: value})
        page.select_option(f"#filters select[name={key}]", value)
        assert visible_posts(page) == want, (key, value)
        assert page.locator("#shown").inner_text() == f"Showing {want} of {total} post(s)"
        if want < total:
            changed += 1
        # hidden findings inside a shown post belong to other values
        for el in page.locator("article.post:visible .finding:visible").all():
            if key in ("category", "severity"):
                assert el.get_attribute(f"data-{key}") == value
        page.click("#filters button[type=reset]")
        sync_api.expect(page.locator("article.post:visible")).to_have_count(total)   # reset runs after a tick
    if total > 1:
        assert changed >= 1, "no filter changed what is shown"
    # two filters together
    if total:
        first = next(iter(exp.values()))
        sel = {"platform": first["platform"], "severity": first["findings"][0]["severity"]}
        for k, v in sel.items():
            page.select_option(f"#filters select[name={k}]", v)
        assert visible_posts(page) == count_matching(exp, sel) >= 1
        page.click("#filters button[type=reset]")
        sync_api.expect(page.locator("article.post:visible")).to_have_count(total)

    page.evaluate("document.getElementById('timeline').scrollIntoView()")
    page.screenshot(path=str(shot))          # the timeline, the filters and the first posts
    # the print stylesheet hides the controls
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    page.emulate_media(media="screen")
    page.close()

    # without script: no controls, the full list
    ctx = browser.new_context(java_script_enabled=False)
    p2 = ctx.new_page()
    p2.goto(html_path.as_uri())
    assert not p2.locator("#filters").is_visible()
    assert p2.locator("article.post:visible").count() == total
    assert p2.locator(".finding:visible").count() == len(doc["findings"])
    ctx.close()
    return {"total": total, "changed": changed, "requests": requests}


def small_png(src: Path, dest: Path, height: int = 1400) -> None:
    """Crop to the top of the page and reduce to a 64-colour palette: a small file to commit."""
    from PIL import Image
    with Image.open(src) as im:
        im = im.convert("RGB").crop((0, 0, im.width, min(im.height, height)))
        im = im.resize((im.width * 3 // 4, im.height * 3 // 4), Image.LANCZOS)
        buf = io.BytesIO()
        im.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(buf, "PNG", optimize=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buf.getvalue())


def test_fixture_report_in_browser(browser, tmp_path, fake_rules):
    out = tmp_path / "out"
    doc = report.write_all(make_result(), out)
    got = check_report(browser, out / "report.html", doc, tmp_path / "fixture.png")
    assert got["total"] == 5 and got["changed"] == len(FILTERS)
    assert (tmp_path / "fixture.png").stat().st_size > 10_000


def test_sample_exports_report_in_browser(browser, tmp_path):
    zips = sorted(SAMPLES.glob("*.zip"))
    if not zips or not (SAMPLES / "auditor.toml").exists():
        pytest.skip("sample_exports/ has no archives yet")
    paths = [str(z) for z in zips]
    if (SAMPLES / "camera-roll").is_dir():
        paths.append(str(SAMPLES / "camera-roll"))
    out = tmp_path / "report"
    env = {**os.environ, "AUDITOR_NOW": "2026-11-21T09:00:00Z"}
    r = subprocess.run([sys.executable, "-m", "auditor", "scan", *paths, "--config", str(SAMPLES / "auditor.toml"),
                        "--out", str(out), "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["findings"], "the sample exports should raise findings"
    assert remote_assets((out / "report.html").read_text(encoding="utf-8")) == []
    shot = tmp_path / "report-screenshot.png"
    got = check_report(browser, out / "report.html", doc, shot)
    assert got["changed"] >= 2
    target = os.environ.get("FA_SCREENSHOT")
    if target:
        small_png(shot, Path(target) if Path(target).is_absolute() else ROOT / target)
