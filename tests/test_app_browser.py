"""The app end to end in a real browser: `auditor app --no-browser` in a subprocess (the full
pipeline, no injected analysers), driven by Playwright with Debian's Chromium.

A person chooses the sample downloads (in the folder list and by typing paths), fills in the
profile, starts the check and watches the progress bar, decides three posts (one with a note),
downloads the checklist, then checks a newer X download made here with one post removed and one
added: the new post comes first, labelled new; the removed one is confirmed deleted, with the note.
Every page is checked for sideways scrolling at 360, 390, 800 and 1400 px, and the browser may talk
to nothing but the app's own address.

FA_APP_SCREENSHOTS=docs also saves screenshots of the start page, the progress, the findings, a
decision and the start page after the second check, at 360, 800 and 1400 px, into that folder
(docs/app-*.png are made this way).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import select
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from auditor.app import seams

from test_app import TWITTER, newer_download, tweets_of

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"
WIDTHS = {360: 740, 390: 844, 800: 1000, 1400: 900}
SHOT_WIDTHS = (360, 800, 1400)
REMOVED = "500000000006000018"          # the post the person decides to delete, gone from the newer download
COPIED = "500000000005000015"           # the newer download adds a copy of this one, under a new id
NEW_ID = "500000000099000099"
GREENS = "500000000015000045"           # "In my greens ready for nights": the person says it is not a problem

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} not installed (Debian package chromium; ./setup.sh test installs it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="the playwright package is not installed (pip install -e '.[test]')")


def small_png(png: bytes, dest: Path) -> None:
    """A 64-colour palette PNG: a small file to commit."""
    from PIL import Image
    with Image.open(io.BytesIO(png)) as im:
        buf = io.BytesIO()
        im.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(buf, "PNG", optimize=True)
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(buf.getvalue())


class Shots:
    def __init__(self):
        target = os.environ.get("FA_APP_SCREENSHOTS")
        self.dir = (Path(target) if Path(target).is_absolute() else ROOT / target) if target else None

    def take(self, page, name: str, locator: str | None = None) -> None:
        """The page (or scrolled to `locator`) at each width, as it fits the screen."""
        if self.dir is None:
            return
        for w in SHOT_WIDTHS:
            page.set_viewport_size({"width": w, "height": WIDTHS[w]})
            if locator:
                page.locator(locator).first.scroll_into_view_if_needed()
            else:
                page.evaluate("window.scrollTo(0, 0)")
            small_png(page.screenshot(), self.dir / f"app-{name}-{w}.png")
        page.set_viewport_size({"width": 1400, "height": 900})


def no_sideways_scroll(page, what: str) -> None:
    # measure what a person sees: a page is painted only once its stylesheets have loaded, but a script can
    # read the layout before then (an unstyled profile form once measured 41 px too wide at 360 px)
    page.wait_for_load_state("load")
    assert page.evaluate("Array.from(document.styleSheets).every(s => { try { return s.cssRules.length > 0 } "
                         "catch (e) { return false } })"), f"{what}: a stylesheet did not load"
    for w, h in WIDTHS.items():
        page.set_viewport_size({"width": w, "height": h})
        extra = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        wide = page.evaluate("""() => Array.from(document.querySelectorAll('body *'))
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5).slice(0, 5)
            .map(e => e.tagName.toLowerCase() + '.' + e.className + ' '
                      + Math.round(e.getBoundingClientRect().right))""")
        assert extra <= 0, f"{what} scrolls sideways by {extra} px at {w} px: {wide}"
    page.set_viewport_size({"width": 1400, "height": 900})


@pytest.fixture
def app_server(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "auditor", "app", "--no-browser"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 120)
    assert ready, "auditor app printed nothing"
    url = proc.stdout.readline().strip()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", url), url
    yield proc, url, home
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def decide(page, anchor: str, button: str, note: str | None = None) -> None:
    card = page.locator(f"article#{anchor}")
    form = card.locator("form.decide")
    if note is not None:
        form.locator("input[name=note]").fill(note)
    form.get_by_role("button", name=button, exact=True).click()
    sync_api.expect(form.locator(".saved-here")).to_contain_text("Saved")


def wait_for_findings(page) -> None:
    page.wait_for_url(re.compile(r"/findings$"), timeout=900_000)
    sync_api.expect(page.locator("h1")).to_have_text("Your posts")


def test_app_end_to_end(app_server, tmp_path):
    proc, url, home = app_server
    base = url.split("/?", 1)[0]
    host = urlsplit(base).netloc
    shots = Shots()
    zips = sorted(SAMPLES.glob("*.zip"))
    assert TWITTER in zips
    others = [z for z in zips if z != TWITTER]
    first_tweets = {t["tweet"]["id_str"]: t["tweet"]["full_text"] for t in tweets_of(TWITTER)}

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        requests: list[str] = []
        problems: list[str] = []
        ctx.on("request", lambda r: requests.append(r.url))
        page = ctx.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(str(e)))

        # the first screen: what it is, and that nothing leaves the computer
        page.goto(url)
        assert page.url == base + "/"                       # the token left the address bar
        page.set_viewport_size({"width": 360, "height": 740})
        privacy = page.get_by_text("Nothing leaves this computer.").first
        box = privacy.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 740, "the privacy line is below the first screen"
        page.set_viewport_size({"width": 1400, "height": 900})
        no_sideways_scroll(page, "the start page")
        shots.take(page, "start")
        # every control is reached with the keyboard, with a visible focus ring
        page.evaluate("document.activeElement && document.activeElement.blur()")
        for _ in range(20):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent.trim()") == "Choose your downloads":
                break
        else:
            raise AssertionError("the keyboard did not reach 'Choose your downloads'")
        ring = page.evaluate("(() => { const s = getComputedStyle(document.activeElement); "
                             "return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()")
        assert ring[0] != "none" and ring[1] >= 2, ring

        # choose the downloads: two in the folder list, the X download and the photos by typing
        page.get_by_role("link", name="Downloads", exact=True).click()
        page.goto(f"{base}/downloads?dir={quote(str(SAMPLES))}")
        for z in others:
            page.get_by_role("button", name=f"Choose {z.name}").click()
            sync_api.expect(page.locator("ul.chosen")).to_contain_text(z.name)
        page.fill("#paths", f"{TWITTER}\n{SAMPLES / 'camera-roll'}")
        page.locator("form.paths-form button").click()
        sync_api.expect(page.locator("#chosen")).to_have_text("Chosen (4)")
        no_sideways_scroll(page, "the downloads page")

        # the profile, as in sample_exports/auditor.toml
        page.get_by_role("link", name="Profile", exact=True).click()
        page.fill("#full_name", "Jordan Ashby")
        page.fill("#aliases", "Jord\nJordan A")
        page.fill("#handles", "@jordan_ashby_para\njordan.ashby.runs")
        page.fill("#profession", "paramedic")
        page.select_option("#regulator", "HCPC")
        page.fill("#employer", "Northvale Ambulance Service NHS Trust")
        page.fill("#employer_aliases", "Northvale Ambulance\nNVAS\nNorthvale")
        page.locator("input[name=wp_name]").first.fill("Millbrook Ambulance Station")
        page.locator("input[name=wp_position]").first.fill("53.8008, -1.5491")
        page.locator("input[name=wp_radius]").first.fill("200")
        page.locator("input[name=home_position]").fill("53.8265, -1.594")
        page.locator("input[name=home_radius]").fill("250")
        page.get_by_role("button", name="Save your profile").click()
        sync_api.expect(page.locator(".saved")).to_contain_text("Your profile is saved")
        no_sideways_scroll(page, "the profile page")
        # nothing in a field's box may widen the form past a phone's width (a wider fallback font once did)
        page.evaluate("""() => { for (const e of document.querySelectorAll('.profile-form input, .profile-form select'))
            e.style.width = '30rem'; }""")
        no_sideways_scroll(page, "the profile page with wide fields")
        toml = (home / "footprint-auditor" / "auditor.toml").read_text()
        assert 'full_name = "Jordan Ashby"' in toml and "lat = 53.8008" in toml

        # the check, with its progress bar
        page.get_by_role("link", name="Start", exact=True).click()
        page.get_by_role("button", name="Start the check").click()
        page.wait_for_url(re.compile(r"/scan$"))
        sync_api.expect(page.locator("#progress progress")).to_be_visible()
        sync_api.expect(page.locator("#stage")).not_to_be_empty()
        if page.url.endswith("/scan"):
            shots.take(page, "progress")
            no_sideways_scroll(page, "the progress page")
        wait_for_findings(page)

        # the findings: the three questions first
        cards = page.locator("article.card")
        assert cards.count() >= 5
        sync_api.expect(page.locator("#headline")).to_contain_text("post")
        no_sideways_scroll(page, "the findings page")
        shots.take(page, "findings")
        anchors = cards.evaluate_all("els => els.map(e => e.id)")
        removed = seams.anchor(f"twitter:{REMOVED}")
        not_problem = seams.anchor(f"twitter:{GREENS}")
        assert removed in anchors and not_problem in anchors
        keep = next(a for a in anchors if a not in (removed, not_problem))
        decide(page, removed, "Delete", "Deleting this today")
        decide(page, keep, "Keep")
        decide(page, not_problem, "Not a problem", "My own uniform, no badge shown")
        sync_api.expect(page.locator(f"#{removed} .card-head .status")).to_have_text("You chose to delete it")
        shots.take(page, "decision", f"#{not_problem}")
        # saved at once: in the decisions file, and after a reload
        saved = json.loads((home / "footprint-auditor" / "auditor-baseline.json").read_text())
        decided = {e["decision"]: e for e in saved["entries"] if e["decision"]}
        assert set(decided) == {"to-delete", "accepted", "false-positive"}
        assert decided["to-delete"]["note"] == "Deleting this today"
        page.reload()
        sync_api.expect(page.locator(f"#{removed} .card-head .status")).to_have_text("You chose to delete it")
        sync_api.expect(page.locator(f"#{not_problem} input[name=note]")).to_have_value("My own uniform, no badge shown")

        # the checklist, as a download
        with page.expect_download() as dl:
            page.get_by_role("link", name="Download the checklist").click()
        rows = list(csv.DictReader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
        assert any("delete" in r["status"].lower() for r in rows)      # to-delete, or in words

        # a newer download: the post marked to delete is gone, one new post
        newer = newer_download(TWITTER, tmp_path / "twitter-2026-12-01-9c8b7a.zip", remove=REMOVED, copy=COPIED,
                               new_id=NEW_ID)
        page.get_by_role("link", name="Downloads", exact=True).click()
        page.get_by_role("button", name=f"Remove {TWITTER}").click()
        page.fill("#paths", str(newer))
        page.locator("form.paths-form button").click()
        sync_api.expect(page.locator("ul.chosen")).to_contain_text(newer.name)
        page.get_by_role("button", name="Start the check").first.click()
        wait_for_findings(page)

        # what changed comes first: new, then confirmed deleted (with the note)
        changes = page.locator("section.changes-box")
        sync_api.expect(changes).to_contain_text("1 new since your last check")
        sync_api.expect(changes).to_contain_text("1 confirmed deleted")
        gone = changes.locator("li.gone-item")
        sync_api.expect(gone).to_have_count(1)
        sync_api.expect(gone).to_contain_text("Deleted")
        sync_api.expect(gone).to_contain_text(first_tweets[REMOVED][:30])
        sync_api.expect(gone).to_contain_text("Deleting this today")
        first_section = page.locator("section.level").first
        sync_api.expect(first_section.locator("h2")).to_contain_text("New since your last check")
        new_card = first_section.locator(f"article#{seams.anchor('twitter:' + NEW_ID)}")
        sync_api.expect(new_card).to_be_visible()
        sync_api.expect(new_card.locator(".card-head .status")).to_have_text("New since your last check")
        assert page.locator(f"article#{removed}").count() == 0
        # earlier decisions carried over; the posts never decided are told apart from the new one
        sync_api.expect(page.locator(f"article#{keep} .card-head .status")).to_have_text("You chose to keep it")
        assert page.locator(".card-head .status", has_text="Not decided yet").count() >= 1
        no_sideways_scroll(page, "the findings page after the second check")
        page.get_by_role("link", name="Start", exact=True).click()
        sync_api.expect(page.locator("section.changes-box")).to_contain_text("1 confirmed deleted")
        # what to do first is the new post
        sync_api.expect(page.locator("article.card").first).to_have_id(seams.anchor("twitter:" + NEW_ID))
        no_sideways_scroll(page, "the start page after a check")
        shots.take(page, "again")

        # only the app was ever asked for anything
        outside = [u for u in requests if not u.startswith("data:") and urlsplit(u).netloc != host]
        assert outside == []
        assert problems == []

        # Stop the app
        page.get_by_role("button", name="Stop the app").click()
        sync_api.expect(page.locator("h1")).to_have_text("The app has stopped")
        browser.close()
    assert proc.wait(30) == 0
