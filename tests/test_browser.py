"""The report in a real browser: Debian's Chromium (/usr/bin/chromium, installed by `./setup.sh test`)
driven headless by Playwright. Opens report.html from file:// and checks:

- nothing but the file itself is fetched, and the console stays clean;
- at 360x740 (phone), 800x1000 (small laptop), 1400x900 (desktop) and 700x450 (the desktop at
  200 % zoom): no sideways scroll (the page's scrollWidth is not above the viewport), no two summary
  boxes, downloads or cards overlapping, and the most urgent post starts within the first screen;
- search and filters change what is shown, every count on the page, and the address; a reload
  keeps them; "nothing matches" shows when nothing does; without script every card shows;
- the keyboard reaches the search box with a visible focus ring; print hides the controls.

FA_SCREENSHOTS=docs writes docs/report-360.png, docs/report-800.png and docs/report-1400.png
(the sample exports' report, first screen) when the sample-exports test runs:
    FA_SCREENSHOTS=docs .venv/bin/python -m pytest tests/test_browser.py
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from auditor import report

from test_report_data import fake_rules, make_result, with_baseline  # noqa: F401  (fixture)
from test_report_html import remote_assets

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"
FILTERS = ("platform", "category", "year", "status")
SCREENS = {"phone": (360, 740), "laptop": (800, 1000), "desktop": (1400, 900), "zoom200": (700, 450)}

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


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory):
    """The report of the sample exports (the invented registrant), scanned once for this module."""
    zips = sorted(SAMPLES.glob("*.zip"))
    if not zips or not (SAMPLES / "auditor.toml").exists():
        pytest.skip("sample_exports/ has no archives yet")
    paths = [str(z) for z in zips]
    if (SAMPLES / "camera-roll").is_dir():
        paths.append(str(SAMPLES / "camera-roll"))
    out = tmp_path_factory.mktemp("browser") / "report"
    env = {**os.environ, "AUDITOR_NOW": "2026-11-21T09:00:00Z"}
    r = subprocess.run([sys.executable, "-m", "auditor", "scan", *paths, "--config", str(SAMPLES / "auditor.toml"),
                        "--out", str(out), "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True,
                       timeout=900)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert doc["findings"], "the sample exports should raise findings"
    assert remote_assets((out / "report.html").read_text(encoding="utf-8")) == []
    return out / "report.html", doc


@pytest.fixture
def fixture_report(tmp_path, fake_rules):
    out = tmp_path / "out"
    doc = report.write_all(with_baseline(make_result()), out)
    return out / "report.html", doc


class Watch:
    """A page with every request and console message recorded."""

    def __init__(self, browser, size, **kw):
        self.requests: list[str] = []
        self.console: list[str] = []
        self.page = browser.new_page(viewport={"width": size[0], "height": size[1]}, **kw)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    def open(self, path: Path, query: str = ""):
        self.page.goto(path.as_uri() + query)
        self.page.wait_for_load_state("load")
        return self.page

    def clean(self) -> None:
        assert [u for u in self.requests if not u.startswith(("file://", "data:"))] == []
        assert self.console == []


# -- layout at the three widths ------------------------------------------------------------------
OVERLAPS = """sel => {
  const boxes = Array.from(document.querySelectorAll(sel)).filter(e => e.offsetParent !== null)
    .map(e => e.getBoundingClientRect());
  const out = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    const a = boxes[i], b = boxes[j];
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5)
      out.push([i, j]);
  }
  return [boxes.length, out];
}"""

WIDE = """() => Array.from(document.querySelectorAll('body *'))
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def check_layout(page, size, first_screen: bool = True) -> dict:
    width, height = size
    got = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert got[0] <= got[1] == width, (size, got, page.evaluate(WIDE))
    figures = {"scrollWidth": got[0]}
    for sel in (".boxes .box", ".downloads > li", "article.card", ".card-head > *", ".filter-grid > label"):
        n, bad = page.evaluate(OVERLAPS, sel)
        assert bad == [], (size, sel, bad)
        figures[sel] = n
    assert figures[".boxes .box"] >= 3 and figures["article.card"] >= 1
    figures["page_height"] = page.evaluate("document.documentElement.scrollHeight")
    if not first_screen:
        return figures
    top = page.evaluate("document.querySelector('article.card').getBoundingClientRect().top")
    assert 0 < top < height, (size, top)            # the most urgent post starts on the first screen
    figures["first_card_top"] = top
    # its text and the reason start within the first screen too on the phone and the desktop
    if size in (SCREENS["phone"], SCREENS["desktop"]):
        why = page.evaluate("document.querySelector('article.card .why').getBoundingClientRect().top")
        assert why < height, (size, why)
    return figures


@pytest.mark.parametrize("screen", list(SCREENS))
def test_sample_report_layout(browser, sample_report, screen):
    html, doc = sample_report
    w = Watch(browser, SCREENS[screen])
    page = w.open(html)
    check_layout(page, SCREENS[screen])
    # the first card is the most urgent finding's post
    first = page.locator("article.card").first
    assert first.get_attribute("data-level") == "act"
    top_finding = doc["findings"][0]
    assert top_finding["id"] in first.get_attribute("data-ids").split()
    # with the filters open, nothing overlaps or scrolls sideways either
    page.click("#fa-filter-box > summary")
    check_layout(page, SCREENS[screen], first_screen=False)
    w.clean()
    target = os.environ.get("FA_SCREENSHOTS")
    if target and screen != "zoom200":
        page.click("#fa-filter-box > summary")
        shot = Path(target) if Path(target).is_absolute() else ROOT / target
        small_png(page.screenshot(), shot / f"report-{SCREENS[screen][0]}.png")
    page.close()


def test_fixture_report_layout(browser, fixture_report):
    html, _ = fixture_report
    for size in SCREENS.values():
        w = Watch(browser, size)
        check_layout(w.open(html), size)
        w.clean()
        w.page.close()


# -- search, filters, counts, the address ---------------------------------------------------------
def visible(page) -> int:
    return page.locator("article.card:visible").count()


def section_counts(page) -> dict[str, str]:
    return dict(page.evaluate("""() => Array.from(document.querySelectorAll('section.level'))
        .map(s => [s.id, s.querySelector('.count').textContent])"""))


def summary_counts(page) -> dict[str, int]:
    return {f"{dim}:{key}": int(n) for dim, key, n in page.evaluate("""() =>
        Array.from(document.querySelectorAll('[data-dim][data-key]')).filter(r => !r.hidden)
        .map(r => [r.dataset.dim, r.dataset.key, r.querySelector('.n').textContent])""")}


def query(page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def expected_cards(doc: dict, **sel) -> set[str]:
    """Post refs a filter should show, worked out from findings.json (not from the page)."""
    posts = {p["ref"]: p for p in doc["posts"]}
    out = set()
    for f in doc["findings"]:
        p = posts.get(f["post_ref"], {})
        if "platform" in sel and p.get("platform") != sel["platform"]:
            continue
        if "year" in sel and (p.get("created_at") or "unknown")[:4] != sel["year"]:
            continue
        out.add(f["post_ref"])
    return out


def test_search_filters_counts_address_and_reload(browser, fixture_report):
    html, doc = fixture_report
    w = Watch(browser, SCREENS["laptop"])
    page = w.open(html)
    total = len({f["post_ref"] for f in doc["findings"]})
    assert page.locator("#fa-tools").is_visible() and visible(page) == total == 5
    assert section_counts(page) == {"act": "(3)", "check": "(1)", "decided": "(1)"}
    before = summary_counts(page)
    assert before["platform:twitter"] == 2 and before["level:act"] == 3

    # a filter: the cards, the section counts, the summary counts and the address follow
    page.click("#fa-filter-box > summary")
    page.select_option("#fa-filters select[name=platform]", "twitter")
    assert visible(page) == len(expected_cards(doc, platform="twitter")) == 2
    assert section_counts(page) == {"act": "(2 of 3)", "check": "(0 of 1)", "decided": "(0 of 1)"}
    after = summary_counts(page)
    assert after["platform:twitter"] == 2 and "platform:facebook" not in after and after["level:act"] == 2
    assert page.locator("#fa-shown").inner_text() == "Showing 2 of 5 posts"
    assert query(page) == {"platform": ["twitter"]}
    assert page.locator("section#check .none-here").is_visible()

    # search on top: words in a post
    page.fill("#fa-q", "rota joke")
    assert visible(page) == 1 and query(page) == {"platform": ["twitter"], "q": ["rota joke"]}
    assert page.locator("article.card:visible").first.get_attribute("data-ids").count(" ") == 1

    # a reload keeps both
    page.reload()
    page.wait_for_load_state("load")
    assert page.input_value("#fa-q") == "rota joke"
    assert page.input_value("#fa-filters select[name=platform]") == "twitter"
    assert visible(page) == 1 and page.locator("#fa-shown").inner_text() == "Showing 1 of 5 posts"
    assert page.locator("#fa-filter-box").get_attribute("open") is not None

    # nothing matches: one line says so, with a way back
    page.fill("#fa-q", "zebra crossing marmalade")
    assert visible(page) == 0 and page.locator("#fa-nomatch").is_visible()
    assert "Nothing matches your search and filters" in page.locator("#fa-nomatch").inner_text()
    page.click("#fa-nomatch button")
    assert visible(page) == total and not page.locator("#fa-nomatch").is_visible()
    assert query(page) == {} and page.input_value("#fa-q") == ""
    assert summary_counts(page) == before

    # each filter's rarest value shows exactly the cards that carry it
    for key in FILTERS:
        values = page.locator(f"#fa-filters select[name={key}] option").evaluate_all(
            "els => els.map(e => e.value).filter(v => v !== 'all')")
        assert values, key
        for value in values:
            page.select_option(f"#fa-filters select[name={key}]", value)
            want = page.evaluate("""([k, v]) => Array.from(document.querySelectorAll('article.card'))
                .filter(c => (c.dataset[k] || '').split(' ').includes(v)).length""", [key, value])
            assert visible(page) == want >= 1, (key, value)
            assert query(page) == {key: [value]}
        page.select_option(f"#fa-filters select[name={key}]", "all")
    assert visible(page) == total

    # "since your last check" links filter in place
    page.click("a[data-fa-status=new-since-last]")
    assert visible(page) == 1 and query(page) == {"status": ["new-since-last"]}
    w.clean()

    # an address with filters opens filtered
    p2 = Watch(browser, SCREENS["phone"])
    pg = p2.open(html, "?category=location&q=work")
    assert visible(pg) == 1 and pg.locator("#fa-shown").inner_text() == "Showing 1 of 5 posts"
    p2.clean()
    p2.page.close()
    page.close()


def test_keyboard_print_and_no_script(browser, fixture_report):
    html, doc = fixture_report
    w = Watch(browser, SCREENS["desktop"])
    page = w.open(html)
    for _ in range(12):                          # the search box is among the first things Tab reaches
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "fa-q":
            break
    assert page.evaluate("document.activeElement.id") == "fa-q"
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring not in ("none", ""), ring
    page.keyboard.type("idiots")
    assert visible(page) == 1
    page.emulate_media(media="print")
    assert not page.locator("#fa-tools").is_visible()
    page.emulate_media(media="screen")
    w.clean()
    page.close()

    ctx = browser.new_context(java_script_enabled=False)
    p2 = ctx.new_page()
    p2.goto(html.as_uri() + "?platform=twitter")
    assert not p2.locator("#fa-tools").is_visible()
    assert p2.locator("article.card:visible").count() == len({f["post_ref"] for f in doc["findings"]})
    ctx.close()


def small_png(png: bytes, dest: Path) -> None:
    """Reduce a screenshot to a 64-colour palette: a small file to commit."""
    from PIL import Image
    with Image.open(io.BytesIO(png)) as im:
        im = im.convert("RGB")
        buf = io.BytesIO()
        im.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(buf, "PNG", optimize=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buf.getvalue())
