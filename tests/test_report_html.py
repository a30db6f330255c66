"""report.html: self-contained (no remote assets), every finding shows its clause, untrusted text is
escaped, filters degrade to the full list without script; outputs are owner-only; --redact.

Assets versus links: an *asset* is anything the browser fetches by itself when the page opens
(src, srcset, poster, <object data>, <link href>, SVG <image>/<use> href, CSS url() and @import,
<meta http-equiv=refresh>). Every asset must be inline (a data: URI or a #fragment). A *link* is
an <a href> the user chooses to click: permalinks to the user's own posts and the regulator's
standards pages are links, allowed to be https. tests/test_browser.py also records every request
Chromium makes while opening the page.
"""
from __future__ import annotations

import json
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner

from auditor import report
from auditor.cli import main
from auditor.model import Finding, Post

from test_report_data import fake_rules, make_result  # noqa: F401  (fixture)

ASSET_ATTRS = {"src", "srcset", "poster", "data", "background", "lowsrc", "dynsrc", "xlink:href"}
ASSET_HREF_TAGS = {"link", "image", "use", "feimage", "script", "base"}


class Assets(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.assets: list[tuple[str, str, str]] = []     # (tag, attr, value)
        self.links: list[tuple[str, dict]] = []
        self.styles: list[str] = []
        self.scripts = 0
        self.tags: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        for k, v in attrs:
            if k in ASSET_ATTRS or (k == "href" and tag in ASSET_HREF_TAGS):
                self.assets.append((tag, k, v or ""))
            if k == "style":
                self.styles.append(v or "")
        if tag == "a" and "href" in a:
            self.links.append((a["href"], a))
        if tag == "meta" and (a.get("http-equiv") or "").lower() == "refresh":
            self.assets.append((tag, "content", a.get("content") or ""))
        if tag == "style":
            self._in_style = True
        if tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)


def parse(html: str) -> Assets:
    p = Assets()
    p.feed(html)
    return p


def remote_assets(html: str) -> list[str]:
    p = parse(html)
    bad = [f"<{t} {k}={v!r}>" for t, k, v in p.assets if not (v.startswith("data:") or v.startswith("#"))]
    for css in p.styles:
        bad += [f"css url({u})" for u in re.findall(r"url\(\s*['\"]?([^'\")]+)", css) if not u.startswith("data:")]
        bad += [f"css {m}" for m in re.findall(r"@import[^;]*", css)]
    return bad


def html_of(result, **kw) -> str:
    return report.to_html(report.view_model(result, **kw))


def test_no_remote_assets(fake_rules):
    html = html_of(make_result())
    assert remote_assets(html) == []
    p = parse(html)
    assert any(v.startswith("data:image/png;base64,") for t, k, v in p.assets if t == "img")   # the thumbnail
    # permalinks are links (https allowed), opened only on click and without a referrer
    hrefs = [h for h, _ in p.links]
    assert "https://x.com/alexparamedic/status/1001" in hrefs
    for h, a in p.links:
        assert h.startswith("#") or (h.startswith("https://") and "noreferrer" in a.get("rel", "")), h
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert p.scripts == 1                       # the one inline filter script, no src
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_the_detector_catches_remote_assets():
    """The check above must be able to fail."""
    assert remote_assets('<img src="https://cdn.example/x.png">') == ["<img src='https://cdn.example/x.png'>"]
    assert remote_assets('<link rel="stylesheet" href="//fonts.example/css">')
    assert remote_assets('<style>body{background:url(http://e.example/b.png)}</style>')
    assert remote_assets('<style>@import "https://e.example/a.css";</style>')
    assert remote_assets('<div style="background-image:url(\'https://e.example/a\')"></div>')
    assert remote_assets('<svg><image href="https://e.example/i.png"/></svg>')
    assert remote_assets('<script src="https://e.example/a.js"></script>')
    assert remote_assets('<a href="https://x.com/a/status/1">post</a>') == []
    assert remote_assets('<img src="data:image/png;base64,AAAA">') == []


def finding_blocks(html: str) -> dict[str, str]:
    """finding id -> its part of the card's details."""
    out = {}
    for chunk in html.split('<div class="finding" data-finding="')[1:]:
        fid, rest = chunk.split('"', 1)
        out[fid] = rest.split("</details>", 1)[0].split('<div class="finding"', 1)[0]
    return out


def test_every_finding_shows_its_clause(fake_rules):
    res = make_result()
    html = html_of(res)
    blocks = finding_blocks(html)
    assert len(blocks) == len(res.findings) == 6
    for f in report.build(res)["findings"]:
        block = blocks[f["id"]]
        for s in f["standards"]:              # the edition in force then, and the current one
            clause = f'{s["regulator"]} {s["edition"]} {s["clause"]}'
            assert f'data-clause="{clause}">{s["title"]} (standard {s["clause"]})' in block
            assert f">{s['regulator']} {s['edition']}</a>" in block
    assert html.count("we could not confirm this standard's number") == 2
    assert "In force then and now:" in html          # the 2024 post
    assert "In force when you posted:" in html and "In force today:" in html


def test_first_the_headline_then_the_most_urgent_post(fake_rules):
    html = html_of(make_result())
    order = [html.index(x) for x in ('id="headline"', 'id="fa-tools"', 'id="act"', 'id="check"', 'id="decided"',
                                     'id="read"', 'id="unread"', 'id="summary"', 'id="timeline"', 'id="rules"',
                                     'id="record"')]
    assert order == sorted(order)
    head = html[html.index('id="headline"'):html.index('id="fa-tools"')]
    assert "could not read everything" in head and "Nothing left this computer" in head
    first = html.index("<article")
    assert html.index('id="act"') < first < html.index('id="check"')
    assert 'id="post-' in html[first:first + 400] and "Act first" in html[first:first + 1200]
    assert "<svg" in html and html.count('class="act"') >= 1
    assert "<mark>Mrs Jane Doe</mark>" in html
    assert "could not parse: Expecting value" in html
    assert "This report holds private content" in html and "@media print" in html


def default_view_text(html: str) -> str:
    """What a person reads without opening anything: no <details> bodies, no script or style, no
    attributes."""
    html = re.sub(r"<script>.*?</script>|<style>.*?</style>", " ", html, flags=re.S)
    html = re.sub(r"<details[^>]*>\s*<summary>(.*?)</summary>.*?</details>", r" \1 ", html, flags=re.S)
    html = re.sub(r"<select.*?</select>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_no_scores_library_names_layouts_or_rule_ids_in_the_default_view(fake_rules):
    res = make_result()
    f = Finding("TPD001", "twitter:1003", "x@example.org",
                "Contains an e-mail address: 'x@example.org' (Presidio score 1.00).", 0.9)
    res.findings.append(f)
    res.citations[f.id] = []
    res.statuses[f.id] = "new"
    html = html_of(res)
    text = default_view_text(html)
    for word in ("Presidio", "score", "confidence", "EXIF", "tweets.js", "your_facebook_activity",
                 "TCNF001", "TPD001", "unverified", "Suggested action"):
        assert word not in text, word
    assert "Presidio score 1.00" in html and "tweets.js (2022+)" in html     # still there, folded away
    assert "How to fix it:" in text and "Steps:" in text and "Open your post on X" in text


def test_statuses_notes_and_what_changed_are_shown(fake_rules):
    from test_report_data import with_baseline
    html = html_of(with_baseline(make_result()))
    text = default_view_text(html)
    assert "Your note: ask my mentor" in text and "Your note: gone?" in text
    assert "New since your last check" in text and "Not decided yet" in text
    assert "Still there: you chose to delete it" in text and "You chose to keep it" in text
    assert 'data-fa-status="new-since-last">1 new</a>' in html
    assert "Since your last check:" in text


def test_untrusted_text_is_escaped(fake_rules):
    res = make_result()
    evil = '<script>alert(1)</script><img src="https://tracker.example/p.gif"> "quoted"'
    p0 = res.posts[0]
    res.posts[0] = Post(p0.ref, p0.platform, p0.kind, p0.created_at, evil, url='https://x.com/a"onmouseover="x',
                        source=p0.source)
    html = html_of(res)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert remote_assets(html) == []
    assert parse(html).scripts == 1
    assert 'onmouseover="x' not in html


def test_redacted_html(fake_rules):
    html = html_of(make_result(), options=report.Options(redact=True))
    for secret in ("Jane Doe", "jane.doe@example.com", "53.8"):
        assert secret not in html, secret
    assert "@alexparamedic" in html                                # the user's own handle stays
    assert "Redacted copy" in html and '<span class="redacted">[name]</span>' in html
    assert "data:image/png" not in html                            # images left out
    assert "1 image(s) left out of this redacted copy" in html


def test_write_all_owner_only(tmp_path, fake_rules):
    out = tmp_path / "new" / "out"
    doc = report.write_all(make_result(), out)
    assert sorted(x.name for x in out.iterdir()) == sorted(report.OUTPUTS)
    for name in report.OUTPUTS:
        mode = stat.S_IMODE((out / name).stat().st_mode)
        assert mode == 0o600, (name, oct(mode))
    assert stat.S_IMODE(out.stat().st_mode) & 0o077 == 0
    assert json.loads((out / "findings.json").read_text(encoding="utf-8")) == doc
    assert (out / "audit-record.txt").read_text(encoding="utf-8").startswith("Footprint Auditor: record")
    # rewriting keeps owner-only permissions and leaves no temporary files
    report.write_all(make_result(), out)
    assert sorted(x.name for x in out.iterdir()) == sorted(report.OUTPUTS)


def test_write_all_redacts_from_settings(tmp_path, fake_rules):
    from dataclasses import replace
    res = make_result()
    res.config = replace(res.config, settings=replace(res.config.settings, redact=True))
    doc = report.write_all(res, tmp_path / "out")
    for name in report.OUTPUTS:
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert "Jane Doe" not in text and "jane.doe@" not in text, name
    assert doc["findings"][0]["evidence"] == "[redacted]"
    assert "redacted: yes" in (tmp_path / "out" / "audit-record.txt").read_text(encoding="utf-8")
    report.write_all(res, tmp_path / "plain", redact=False)        # the flag overrides the setting
    assert "Jane Doe" in (tmp_path / "plain" / "findings.json").read_text(encoding="utf-8")


def _tweet_folder(root: Path, text: str) -> Path:
    tweets = ('window.YTD.tweets.part0 = [{"tweet": {"id_str": "101", "created_at": '
              '"Sat Jun 06 13:02:35 +0000 2020", "full_text": ' + json.dumps(text) + ', "entities": {}, '
              '"coordinates": {"type": "Point", "coordinates": ["-1.55", "53.80"]}}}]')
    (root / "data").mkdir(parents=True)
    (root / "data" / "tweets.js").write_text(tweets, encoding="utf-8")
    return root


def test_cli_redact_flag(tmp_path):
    arc = _tweet_folder(tmp_path / "arc", "Ring Pat on 07700 900777 or pat@example.org")
    r = CliRunner().invoke(main, ["scan", str(arc), "--out", str(tmp_path / "out"), "--quiet", "--redact"],
                           catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    for name in report.OUTPUTS:
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert "900777" not in text and "pat@example.org" not in text, name
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["posts"][0]["text"] == "Ring Pat on [phone] or [email]"
    assert remote_assets((tmp_path / "out" / "report.html").read_text(encoding="utf-8")) == []
    assert (tmp_path / "arc" / "data" / "tweets.js").read_text(encoding="utf-8").count("900777") == 1


def test_cli_redact_from_profile(tmp_path):
    arc = _tweet_folder(tmp_path / "arc", "Ring Pat on 07700 900888")
    cfg = tmp_path / "auditor.toml"
    cfg.write_text("[scan]\nredact = true\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(arc), "--out", str(tmp_path / "o1"), "--quiet", "--config", str(cfg)],
                           catch_exceptions=False)
    assert r.exit_code in (0, 1), r.output
    assert "900888" not in (tmp_path / "o1" / "findings.json").read_text(encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(arc), "--out", str(tmp_path / "o2"), "--quiet", "--config", str(cfg),
                                  "--no-redact"], catch_exceptions=False)
    assert "900888" in (tmp_path / "o2" / "findings.json").read_text(encoding="utf-8")
    cfg.write_text("[scan]\nredact = \"yes\"\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(arc), "--out", str(tmp_path / "o3"), "--config", str(cfg)])
    assert r.exit_code == 2 and "scan.redact: expected true or false" in r.output


def test_empty_scan_renders(tmp_path):
    from datetime import datetime, timezone
    from auditor.config import Config
    from auditor.pipeline import ScanResult
    res = ScanResult(datetime(2026, 1, 1, tzinfo=timezone.utc), Config(), [], [], [], [])
    html = html_of(res)
    assert "Nothing needs your attention. We checked 0 posts" in default_view_text(html)
    # an empty result is never read as a promise: the headline and a section say what the check can miss
    assert "The check can miss things" in default_view_text(html)
    assert 'id="limits"' in html and "not all of them" in html
    assert "No dated posts to draw." in html
    assert "<article" not in html
    assert remote_assets(html) == []
    assert report.to_csv(report.view_model(res)).count("\n") == 1


def test_lone_surrogates_and_nul_are_written(tmp_path, fake_rules):
    res = make_result()
    p0 = res.posts[0]
    res.posts[0] = Post(p0.ref, p0.platform, p0.kind, p0.created_at, "bad \ud800 text \x00 here " + T_KEEP,
                        source=p0.source)
    report.write_all(res, tmp_path / "out")
    doc = json.loads((tmp_path / "out" / "findings.json").read_text(encoding="utf-8"))
    assert doc["posts"][0]["text"].startswith("bad \ufffd text \x00 here")
    assert "bad \ufffd text" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "bad \ufffd text" in (tmp_path / "out" / "findings.csv").read_text(encoding="utf-8")


T_KEEP = "Mrs Jane Doe"


def test_the_app_renders_the_same_cards(fake_rules):
    v = report.view_model(make_result())
    block = str(report.render_findings(v))
    assert block.count("<article") == 5 and 'id="fa-tools"' in block and "<html" not in block
    card = str(report.render_card(v["cards"][0]))
    assert card.startswith("<article") and card in html_of(make_result())
    with_form = str(report.render_card(v["cards"][0], decide={"action": "/decide", "token": "t0k"}))
    assert '<form class="decide" method="post" action="/decide">' in with_form
    assert 'name="ids" value="db58e498bed86485"' in with_form and 'value="t0k"' in with_form
    assert [b for b in re.findall(r'value="([\w-]+)">(?:Delete|Keep|Not a problem|Later)<', with_form)] == [
        "to-delete", "accepted", "false-positive", "skipped"]
    assert '<form class="decide"' not in html_of(make_result())         # the static report has no form
    assert "</script" not in str(report.script()).lower() and ".card" in str(report.styles())


def _luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_colours_meet_wcag_aa():
    css = str(report.styles())
    var = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", css))
    pairs = [("ink", "#ffffff"), ("ink", var["soft"]), ("muted", "#ffffff"), ("muted", var["soft"]),
             ("link", "#ffffff"), ("link", var["soft"]), ("act", "#ffffff"), ("check", var["check-bg"]),
             ("ok", var["ok-bg"]), ("ink", var["mark"]), ("act", "#ffffff")]
    for fg, bg in pairs:
        ratio = contrast(var[fg], bg)
        assert ratio >= 4.5, (fg, bg, round(ratio, 2))
    assert contrast("#ffffff", var["act"]) >= 4.5 and contrast("#ffffff", var["link"]) >= 4.5
    assert contrast("#ffffff", "#383d48") >= 4.5                          # masked text
    assert contrast("#000000", "#000001") < 1.1                           # the check can fail


def test_limits_say_how_the_check_did_on_posts_written_elsewhere(tmp_path):
    """The shipped figures were measured on the shipped model files; the sentence is in plain words."""
    import shutil
    from datetime import datetime, timezone
    from importlib import resources

    from auditor.analysers.text import model as cm
    from auditor.config import Config
    from auditor.pipeline import ScanResult
    from auditor.report.view import _in_words, measured_line
    figures = cm.validation_figures()
    assert figures is not None, "concern_figures.json was not measured on the shipped model files"
    line = measured_line()
    assert line.startswith(f"In a test on {figures['concerning'] + figures['clean']} posts written by people")
    assert "about" in line and "0." not in line and "%" not in line
    res = ScanResult(datetime(2026, 1, 1, tzinfo=timezone.utc), Config(), [], [], [], [])
    assert line in html_of(res)
    assert (_in_words(0.821), _in_words(0.158), _in_words(0.95), _in_words(1.0)) == (
        "about 8 in 10", "about 1 in 6", "about 9 in 10", "all")
    assert measured_line({"concerning": 10, "found": 9, "clean": 5, "clean_flagged": 0}).endswith(
        "It flagged none of the harmless posts that only looked like one.")
    # another model's files: the figures are not shown for it
    data = Path(str(resources.files("auditor.analysers") / "data"))
    other = tmp_path / "data"
    (other / "concern_teacher").mkdir(parents=True)
    for name in (cm.FIGURES_FILE, cm.META_FILE, "concern_teacher/" + cm.META_FILE):
        shutil.copy(data / name, other / name)
    assert cm.validation_figures(other) == figures
    with open(other / cm.META_FILE, "a", encoding="utf-8") as f:
        f.write(" ")
    assert cm.validation_figures(other) is None
    (other / cm.FIGURES_FILE).write_text("{not json", encoding="utf-8")
    assert cm.validation_figures(other) is None
