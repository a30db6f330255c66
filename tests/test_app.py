"""The local web app (auditor/app/) through Starlette's TestClient: every route, every refusal
(no token, wrong token, foreign Host, cross-site POST, missing CSRF token, path traversal), the
profile form against auditor.config, the downloads list and folder browser, a scan in the
background with progress and cancel, decisions saved at once to the baseline, and a second check
of a newer download that confirms a deletion and shows what is new.

Scans here run the real pipeline (archives, importers, citations, baseline, report) with one cheap
analyser injected, so they take a second; tests/test_app_browser.py runs the full analysers.
"""
from __future__ import annotations

import json
import re
import stat
import threading
import time
import zipfile
from pathlib import Path

import pytest

from auditor import config as config_mod
from auditor.app import seams
from auditor.app.security import Secrets
from auditor.app.server import create_app, new_first
from auditor.app.workspace import Workspace
from auditor.model import Finding

starlette_testclient = pytest.importorskip("starlette.testclient")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"
TWITTER = SAMPLES / "twitter-2026-11-01-3f9a1c.zip"
PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
WORDS = ("shite", "night shift", "shift", "patient", "clown")


# -- helpers shared with tests/test_app_browser.py ------------------------------------------------
def tweets_of(zip_path: Path) -> list[dict]:
    with zipfile.ZipFile(zip_path) as zf:
        text = zf.read("data/tweets.js").decode("utf-8")
    return json.loads(text[text.index("["):])


def newer_download(src: Path, dest: Path, remove: str, copy: str, new_id: str, new_text: str | None = None) -> Path:
    """A second X download made from `src`: tweet `remove` gone, a new tweet `new_id` added (a copy of
    tweet `copy`, a month after the download, optionally with other words). Every other member as is."""
    with zipfile.ZipFile(src) as zf:
        members = {i.filename: zf.read(i.filename) for i in zf.infolist() if not i.is_dir()}
    raw = members["data/tweets.js"].decode("utf-8")
    prefix, items = raw[:raw.index("[")], json.loads(raw[raw.index("["):])
    kept = [t for t in items if t["tweet"]["id_str"] != remove]
    assert len(kept) == len(items) - 1, f"tweet {remove} not in {src.name}"
    base = next(t for t in items if t["tweet"]["id_str"] == copy)
    added = json.loads(json.dumps(base))
    tw = added["tweet"]
    tw["id"] = tw["id_str"] = new_id
    tw["created_at"] = "Mon Nov 16 20:15:00 +0000 2026"
    if new_text is not None:
        tw["full_text"] = new_text
        tw["display_text_range"] = ["0", str(len(new_text))]
    tw.get("edit_info", {}).get("initial", {})["editTweetIds"] = [new_id]
    members["data/tweets.js"] = (prefix + json.dumps([added] + kept, indent=2)).encode("utf-8")
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in members.items():
            out.writestr(zipfile.ZipInfo(name, date_time=(2026, 12, 1, 9, 0, 0)), data)
    return dest


class WordCheck:
    """A cheap analyser for these tests: flags posts holding one of WORDS (rule OFF001)."""
    name = "test-words"

    def analyse(self, posts, ctx):
        for i, p in enumerate(posts):
            ctx.progress(i + 1)
            low = (p.text or "").lower()
            for w in WORDS:
                if w in low:
                    yield Finding("OFF001", p.ref, w, f"The post says '{w}'.", 0.9)
                    break


class SlowCheck:
    """An analyser that takes a long time and reports progress: for cancel."""
    name = "test-slow"

    def __init__(self, step: float = 0.3):
        self.started = threading.Event()
        self.step = step

    def analyse(self, posts, ctx):
        self.started.set()
        for i in range(1000):
            ctx.progress(min(i, len(posts)))
            time.sleep(self.step)          # a long step: the cancel lands in the middle of one
        return iter(())


@pytest.fixture
def home(tmp_path, monkeypatch):
    h = tmp_path / "home"
    h.mkdir()
    monkeypatch.setenv("HOME", str(h))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(h / ".config"))
    return h


def make_client(folder: Path, analysers=None, stop=lambda: None):
    keys = Secrets(port=PORT)
    ws = Workspace(folder)
    app = create_app(ws, keys, stop=stop, analysers=analysers if analysers is not None else [WordCheck()])
    client = starlette_testclient.TestClient(app, base_url=ORIGIN)
    return client, keys, ws


@pytest.fixture
def app(home):
    client, keys, ws = make_client(home / "footprint-auditor")
    r = client.get(f"/?token={keys.token}", follow_redirects=False)
    assert r.status_code == 303
    client.keys, client.ws = keys, ws          # type: ignore[attr-defined]
    return client


def post(client, url: str, data: dict | None = None, headers: dict | None = None, **kw):
    body = {"token": client.keys.csrf, **(data or {})}
    return client.post(url, data=body, headers={"origin": ORIGIN, **(headers or {})}, follow_redirects=False, **kw)


def wait_done(client, timeout: float = 60) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        s = client.get("/scan/status").json()
        if s["state"] != "running":
            return s
        time.sleep(0.05)
    raise AssertionError("the scan did not finish")


def scan(client, paths: list[Path]) -> dict:
    client.ws.set_downloads([str(p) for p in paths])
    r = post(client, "/scan/start")
    assert r.status_code == 303 and r.headers["location"] == "/scan"
    s = wait_done(client)
    assert s["state"] == "done", s
    return s


def card_ids(html: str) -> list[list[str]]:
    return [v.split() for v in re.findall(r'name="ids" value="([0-9a-f ]+)"', html)]


# -- refusals -------------------------------------------------------------------------------------
def test_no_token_gets_403_and_no_data(home):
    client, keys, ws = make_client(home / "fa")
    ws.set_downloads([str(TWITTER)])
    for url in ("/", "/downloads", "/profile", "/findings", "/scan/status", "/checklist.csv", "/report",
                "/static/app.css", "/static/app.js", "/nope"):
        r = client.get(url)
        assert r.status_code == 403, url
        assert str(ws.folder) not in r.text and "twitter" not in r.text and keys.csrf not in r.text
        assert "set-cookie" not in r.headers
    r = client.post("/stop", data={"token": keys.csrf}, headers={"origin": ORIGIN})
    assert r.status_code == 403


def test_wrong_token_gets_403(home):
    client, keys, _ = make_client(home / "fa")
    for token in ("", "x", keys.token[:-1], keys.token + "x", keys.csrf, keys.session):
        r = client.get(f"/?token={token}", follow_redirects=False)
        assert r.status_code == 403, token
        assert "set-cookie" not in r.headers
    # the right token twice in one address is not accepted either
    assert client.get(f"/?token={keys.token}&token={keys.token}", follow_redirects=False).status_code == 403
    # a cookie with the wrong value
    client.cookies.set(keys.cookie, "forged")
    assert client.get("/").status_code == 403


def test_token_is_swapped_for_a_strict_httponly_cookie(home):
    client, keys, _ = make_client(home / "fa")
    r = client.get(f"/?token={keys.token}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"      # the token leaves the address bar
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"fa_session_{PORT}={keys.session};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert keys.token not in cookie
    r = client.get("/")
    assert r.status_code == 200 and "Nothing leaves this computer" in r.text
    # the start address with a wrong token is refused even with the cookie
    assert client.get("/?token=wrong", follow_redirects=False).status_code == 403


@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1", f"127.0.0.1:{PORT + 1}",
                                  f"localhost:{PORT + 1}", f"127.0.0.2:{PORT}", f"[::1]:{PORT}", "", "0.0.0.0"])
def test_foreign_host_is_refused(app, host):
    for url in ("/", f"/?token={app.keys.token}", "/static/app.css"):
        r = app.get(url, headers={"host": host}, follow_redirects=False)
        assert 400 <= r.status_code < 500, (host, url)
        assert "Nothing leaves" not in r.text and "set-cookie" not in r.headers
    r = app.post("/stop", data={"token": app.keys.csrf}, headers={"host": host, "origin": ORIGIN})
    assert 400 <= r.status_code < 500


def test_localhost_host_is_allowed(app):
    r = app.get("/", headers={"host": f"localhost:{PORT}"})
    assert r.status_code == 200


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"},
    {"origin": "http://127.0.0.1:9999"},
    {"origin": "null"},
    {"origin": ""},
    {"referer": "https://evil.example/page"},
    {"referer": f"http://127.0.0.1:{PORT}.evil.example/"},
    {},                                                   # neither Origin nor Referer
])
def test_cross_site_post_is_refused(app, headers, tmp_path):
    before = app.ws.downloads()
    h = {"content-type": "application/x-www-form-urlencoded", **headers}
    body = f"token={app.keys.csrf}&paths={TWITTER}"
    if "origin" not in headers:
        h["origin"] = None          # httpx sends no Origin unless told
    r = app.post("/downloads/add", content=body, headers={k: v for k, v in h.items() if v is not None},
                 follow_redirects=False)
    assert r.status_code == 403
    assert app.ws.downloads() == before


def test_post_needs_the_csrf_token(app):
    for data in ({}, {"token": ""}, {"token": "wrong"}, {"token": app.keys.token}, {"token": app.keys.session}):
        r = app.post("/downloads/add", data={"paths": str(TWITTER), **data}, headers={"origin": ORIGIN},
                     follow_redirects=False)
        assert r.status_code == 403, data
    assert app.ws.downloads() == []
    # as a header (what the page's script sends)
    r = app.post("/downloads/add", data={"paths": str(TWITTER)},
                 headers={"origin": ORIGIN, "x-csrf-token": app.keys.csrf}, follow_redirects=False)
    assert r.status_code == 303 and app.ws.downloads() == [str(TWITTER)]


def test_post_with_referer_of_the_app_is_accepted(app):
    r = app.post("/downloads/add", data={"token": app.keys.csrf, "paths": str(TWITTER)},
                 headers={"referer": f"{ORIGIN}/downloads"}, follow_redirects=False)
    assert r.status_code == 303


def test_only_small_urlencoded_forms(app):
    h = {"origin": ORIGIN, "x-csrf-token": app.keys.csrf}
    r = app.post("/downloads/add", json={"token": app.keys.csrf, "paths": str(TWITTER)}, headers=h)
    assert r.status_code == 415
    r = app.post("/downloads/add", files={"paths": ("a.txt", b"x")}, data={"token": app.keys.csrf}, headers=h)
    assert r.status_code == 415
    # without the header, a token inside JSON or multipart is not read at all
    r = app.post("/downloads/add", json={"token": app.keys.csrf, "paths": str(TWITTER)}, headers={"origin": ORIGIN})
    assert r.status_code == 403
    assert app.ws.downloads() == []
    r = app.post("/downloads/add", data={"token": app.keys.csrf, "paths": "x" * 300_000}, headers={"origin": ORIGIN})
    assert r.status_code == 413


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_other_methods_and_no_cors(app, method):
    r = app.request(method, "/", headers={"origin": "https://evil.example",
                                          "access-control-request-method": "POST"})
    assert r.status_code == 405
    assert not any(k.lower().startswith("access-control") for k in r.headers)


def test_security_headers_on_every_answer(app):
    for url in ("/", "/downloads", "/profile", "/static/app.css", "/nope", "/scan/status"):
        r = app.get(url)
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "http:" not in csp and "https:" not in csp and "*" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store" or url.startswith("/static/")
        assert not any(k.lower().startswith("access-control") for k in r.headers)


@pytest.mark.parametrize("url", [
    "/static/../auditor.toml", "/static/%2e%2e/auditor.toml", "/static/..%2fauditor.toml",
    "/static/..%2f..%2f..%2fetc%2fpasswd", "/static/app.css/../../auditor.toml", "/static//etc/passwd",
    "/static/%2fetc%2fpasswd", "/static/report.html.j2", "/static/app", "/report/../auditor.toml",
    "/report/..%2fauditor.toml", "/auditor.toml", "/auditor-baseline.json", "/report/findings.json",
    "/..%2fauditor.toml", "/%2e%2e/%2e%2e/etc/passwd", "/findings.csv", "/downloads.json",
])
def test_path_traversal_finds_nothing(app, url):
    app.ws.save_config_text('[profile]\nfull_name = "Secret Name"\n')
    r = app.get(url)
    assert r.status_code == 404, url
    assert "Secret Name" not in r.text and "root:" not in r.text


def test_folder_list_shows_folders_and_zips_only(app, home):
    d = home / "Downloads"
    (d / "unpacked").mkdir(parents=True)
    (d / ".hidden").mkdir()
    (d / "twitter.zip").write_bytes(b"PK")
    (d / "secret.txt").write_text("the content of a private file")
    (d / "photo.jpg").write_bytes(b"\xff\xd8")
    r = app.get("/downloads", params={"dir": str(d)})
    assert r.status_code == 200
    assert "unpacked" in r.text and "twitter.zip" in r.text
    assert "secret.txt" not in r.text and "photo.jpg" not in r.text and ".hidden" not in r.text
    assert "the content of a private file" not in r.text
    # a file, a missing folder or a relative path: back to the home folder, said in words
    for bad in (str(d / "secret.txt"), str(d / "missing"), "relative/path", "../../etc"):
        r = app.get("/downloads", params={"dir": bad})
        assert r.status_code == 200 and "the content of a private file" not in r.text
    r = app.get("/downloads", params={"dir": str(d / "secret.txt")})
    assert "is not a folder you can open here" in r.text


# -- downloads ------------------------------------------------------------------------------------
def test_add_and_remove_downloads(app, home, tmp_path):
    folder = tmp_path / "unpacked-export"
    folder.mkdir()
    text = f"  '{TWITTER}'  \n\nfile://{folder}\n"
    r = post(app, "/downloads/add", {"paths": text})
    assert r.status_code == 303
    assert app.ws.downloads() == [str(TWITTER), str(folder)]
    saved = app.ws.paths.downloads
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    page = app.get("/downloads").text
    assert "Chosen (2)" in page and str(TWITTER) in page
    # chosen again: not twice
    post(app, "/downloads/add", {"path": str(TWITTER), "dir": str(SAMPLES)})
    assert app.ws.downloads() == [str(TWITTER), str(folder)]
    r = post(app, "/downloads/remove", {"path": str(folder)})
    assert r.status_code == 303 and app.ws.downloads() == [str(TWITTER)]


@pytest.mark.parametrize("typed, words", [
    ("relative/twitter.zip", "write the whole path"),
    ("/no/such/file.zip", "there is nothing there"),
    (str(SAMPLES / "generate.py"), "not a zip file or a folder"),
    ("", "Type or paste the path"),
])
def test_bad_downloads_are_explained(app, typed, words):
    r = post(app, "/downloads/add", {"paths": typed})
    assert r.status_code == 400
    assert words in r.text
    assert app.ws.downloads() == []


def test_the_apps_own_folder_cannot_be_inside_a_download(app, home):
    r = post(app, "/downloads/add", {"paths": str(home)})
    assert r.status_code == 400 and "keeps your files inside this folder" in r.text


# -- profile --------------------------------------------------------------------------------------
PROFILE = {"full_name": "Jordan Ashby", "aliases": "Jord\nJordan A", "handles": "@jordan_ashby_para, jordan.ashby.runs",
           "profession": "paramedic", "regulator": "HCPC", "employer": "Northvale Ambulance Service NHS Trust",
           "employer_aliases": "Northvale Ambulance\nNVAS",
           "wp_name": ["Millbrook Ambulance Station", "", ""], "wp_position": ["53.8008, -1.5491", "", ""],
           "wp_radius": ["200", "", ""], "home_name": "home", "home_position": "53.8265 -1.594",
           "home_radius": "250", "ocr": "off", "include_messages": "yes"}


def test_profile_round_trip_through_config(app):
    r = post(app, "/profile", PROFILE)
    assert r.status_code == 303 and r.headers["location"] == "/profile?saved=1"
    path = app.ws.paths.config
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    cfg = config_mod.load(path)                    # the file the command line reads
    p = cfg.profile
    assert p.full_name == "Jordan Ashby" and p.aliases == ("Jord", "Jordan A")
    assert p.handles == ("@jordan_ashby_para", "jordan.ashby.runs")
    assert p.employer_aliases == ("Northvale Ambulance", "NVAS") and p.regulator == "HCPC"
    assert [(w.name, w.lat, w.lon, w.radius_m) for w in p.workplaces] == [
        ("Millbrook Ambulance Station", 53.8008, -1.5491, 200.0)]
    assert (p.home.name, p.home.lat, p.home.lon, p.home.radius_m) == ("home", 53.8265, -1.594, 250.0)
    assert cfg.settings.ocr == "off" and cfg.settings.include_messages is True and cfg.settings.redact is False
    page = app.get("/profile?saved=1").text
    assert "Your profile is saved" in page and 'value="53.8008, -1.5491"' in page and "Jordan Ashby" in page
    # the start page knows the profile is there
    assert "Your profile is filled in" in app.get("/").text


@pytest.mark.parametrize("change, words", [
    ({"wp_position": ["north of the river", "", ""]}, "should be two numbers"),
    ({"wp_position": ["", "", ""]}, "Give the position of Millbrook Ambulance Station"),
    ({"wp_position": ["123.4, 5", "", ""]}, "is not on the map"),
    ({"wp_radius": ["far", "", ""]}, "should be a number of metres"),
    ({"home_position": "somewhere"}, "your home area should be two numbers"),
    ({"regulator": "RCN"}, "Choose your regulator"),
])
def test_profile_mistakes_are_shown_in_words(app, change, words):
    post(app, "/profile", PROFILE)
    before = app.ws.paths.config.read_text()
    r = post(app, "/profile", {**PROFILE, **change})
    assert r.status_code == 400
    assert "Your profile was not saved" in r.text and words in r.text
    assert "Jordan Ashby" in r.text                       # what was typed is kept
    assert app.ws.paths.config.read_text() == before        # and the file is unchanged


def test_a_broken_profile_file_is_explained(app):
    app.ws.save_config_text("[profile\nfull_name = ")
    r = app.get("/profile")
    assert r.status_code == 200 and "Your profile file has a mistake" in r.text
    assert "Your profile has a mistake" in app.get("/").text
    app.ws.set_downloads([str(TWITTER)])
    r = post(app, "/scan/start")
    assert r.status_code == 400 and "Your profile has a mistake" in r.text


def test_profile_text_is_what_config_reads():
    cfg = config_mod.parse({"profile": {"full_name": 'A "quoted" name\\', "handles": ["@a"], "regulator": "NMC",
                                        "home": {"name": "h", "lat": 51.5, "lon": -0.1, "radius_m": 120}},
                            "scan": {"redact": True, "ocr": "all"}})
    back = config_mod.parse(__import__("tomllib").loads(seams.profile_text(cfg)))
    assert back.profile == cfg.profile and back.settings.redact and back.settings.ocr == "all"


# -- the folder -----------------------------------------------------------------------------------
def test_files_are_kept_in_a_folder_of_ones_own(app, home, tmp_path):
    assert stat.S_IMODE(app.ws.folder.stat().st_mode) == 0o700
    assert "~/footprint-auditor" in app.get("/").text          # where, in words a person reads
    other = tmp_path / "elsewhere"
    r = post(app, "/folder", {"folder": str(other)})
    assert r.status_code == 303 and app.ws.folder == other and other.is_dir()
    assert stat.S_IMODE(other.stat().st_mode) == 0o700
    assert (home / ".config" / "footprint-auditor" / "folder").read_text().strip() == str(other)
    r = post(app, "/folder", {"folder": str(SAMPLES / "generate.py")})
    assert r.status_code == 400 and "is a file, not a folder" in r.text


# -- scanning, deciding, checking again -----------------------------------------------------------
def test_scan_decide_and_check_again(app, tmp_path):
    assert app.get("/findings").status_code == 200           # "no check yet"
    scan(app, [TWITTER])
    result = app.ws.result
    assert result is not None and result.findings
    report_dir = app.ws.paths.report
    for name in ("report.html", "findings.json", "findings.csv", "audit-record.txt"):
        assert stat.S_IMODE((report_dir / name).stat().st_mode) == 0o600
    base_file = app.ws.paths.baseline
    assert stat.S_IMODE(base_file.stat().st_mode) == 0o600
    page = app.get("/findings").text
    cards = card_ids(page)
    assert len(cards) == len({f.post_ref for f in result.findings})
    start = app.get("/").text
    assert "What to do first" in start and 'class="decide"' in start
    assert "Not decided yet" in page and "New since your last check" not in page   # a first check
    # the app's page says what the check can miss, in the report's words
    from auditor.report.view import measured_line
    assert 'id="limits"' in page and "So read through your older posts yourself too." in page
    assert measured_line() in page

    # three decisions, each saved to the decisions file at once
    by_ref = {f.id: f.post_ref for f in result.findings}
    first, second, third = cards[0], cards[1], cards[2]
    r = post(app, "/decide", {"ids": " ".join(first), "decision": "to-delete", "note": "Deleting this today"},
             headers={"accept": "application/json"})
    assert r.status_code == 200 and r.json()["ok"] and r.json()["status"] == "to-delete"
    saved = json.loads(base_file.read_text())
    entry = next(e for e in saved["entries"] if e["id"] == first[0])
    assert entry["decision"] == "to-delete" and entry["note"] == "Deleting this today"
    r = post(app, "/decide", {"ids": " ".join(second), "decision": "accepted", "note": ""},
             headers={"referer": f"{ORIGIN}/findings"})
    assert r.status_code == 303 and r.headers["location"].startswith("/findings#post-")
    r = post(app, "/decide", {"ids": " ".join(third), "decision": "false-positive", "note": "It's about football"})
    assert r.status_code == 303
    fourth = cards[3]                                   # marked to delete, but still in the newer download
    post(app, "/decide", {"ids": " ".join(fourth), "decision": "to-delete"})
    saved = {e["id"]: e for e in json.loads(base_file.read_text())["entries"]}
    assert saved[second[0]]["decision"] == "accepted"
    assert saved[third[0]]["decision"] == "false-positive" and saved[third[0]]["note"] == "It's about football"
    assert stat.S_IMODE(base_file.stat().st_mode) == 0o600
    page = app.get("/findings").text
    assert "You chose to delete it" in page and "You chose to keep it" in page
    assert "You said it is not a problem" in page
    # the checklist follows the decisions
    r = app.get("/checklist.csv")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    assert re.search(r"to-delete|You chose to delete it", r.text)          # the status key, or its words
    assert re.search(r"false-positive|You said it is not a problem", r.text)
    r = app.get("/report")
    assert r.status_code == 200 and "sandbox" in r.headers["content-security-policy"]
    assert "<script" in r.text

    # a newer download: the post marked to delete is gone, a new one is there
    gone_ref = by_ref[first[0]]
    gone_id = gone_ref.split(":", 1)[1]
    keep_id = by_ref[second[0]].split(":", 1)[1]
    newer = newer_download(TWITTER, tmp_path / "twitter-2026-12-01-aa11bb.zip", remove=gone_id, copy=keep_id,
                           new_id="500000000099000099", new_text="Another night shift, another clown in charge")
    scan(app, [newer])
    r2 = app.ws.result
    assert "twitter:500000000099000099" in {f.post_ref for f in r2.findings}
    assert gone_ref not in {f.post_ref for f in r2.findings}
    page = app.get("/findings").text
    assert "Since your last check" in page
    assert re.search(r"<strong>1</strong> new since your last check", page)
    assert re.search(r"<strong>1</strong> confirmed deleted", page)
    assert re.search(r"<strong>1</strong> still there, though you chose to delete it", page)
    still = page[page.index(f'id="{seams.anchor(by_ref[fourth[0]])}"'):]
    assert "Still there" in still[:still.index("</article>")]
    new_card = seams.anchor("twitter:500000000099000099")
    sections = re.findall(r'<section class="level (\w+)"', page)
    assert sections[0] == "new"                                     # what is new comes first
    at = page.index('<section class="level new"')
    first_section = page[at:page.index("</section>", at)]
    assert new_card in first_section and "New since your last check" in first_section
    gone_box = page[page.index('class="gone"'):]
    assert "Deleted" in gone_box and "Deleting this today" in gone_box     # the note, beside it
    assert "Not decided yet" in page                                 # old, undecided: told apart from new
    assert "You chose to keep it" in page                            # earlier decisions carried over
    start = app.get("/").text
    assert "Since your last check" in start and "confirmed deleted" in start
    saved = {e["id"]: e for e in json.loads(base_file.read_text())["entries"]}
    assert saved[first[0]]["status"] == "deleted"


def test_a_decision_can_be_undone(app):
    scan(app, [TWITTER])
    fid = app.ws.result.findings[0].id
    post(app, "/decide", {"ids": fid, "decision": "accepted", "note": "fine"})
    r = post(app, "/decide", {"ids": fid, "decision": "new"}, headers={"accept": "application/json"})
    assert r.json()["ok"] and r.json()["status_label"] == "Not decided yet"
    entry = next(e for e in json.loads(app.ws.paths.baseline.read_text())["entries"] if e["id"] == fid)
    assert entry["decision"] is None and entry["note"] == "fine"


def test_decide_refuses_unknown_ids_and_decisions(app):
    scan(app, [TWITTER])
    fid = app.ws.result.findings[0].id
    r = post(app, "/decide", {"ids": "0123456789abcdef", "decision": "to-delete"},
             headers={"accept": "application/json"})
    assert r.status_code == 400 and not r.json()["ok"]
    r = post(app, "/decide", {"ids": fid, "decision": "burn"})
    assert r.status_code == 400
    r = post(app, "/decide", {"ids": "", "decision": "accepted"})
    assert r.status_code == 400
    entries = json.loads(app.ws.paths.baseline.read_text())["entries"]
    assert all(e["decision"] is None for e in entries)


def test_decide_before_any_check(app):
    r = post(app, "/decide", {"ids": "0123456789abcdef", "decision": "accepted"})
    assert r.status_code == 400


def test_scan_problems_are_said_in_words(app, tmp_path):
    not_export = tmp_path / "holiday.zip"
    with zipfile.ZipFile(not_export, "w") as zf:
        zf.writestr("notes.txt", "nothing here")
    app.ws.set_downloads([str(not_export)])
    post(app, "/scan/start")
    s = wait_done(app)
    assert s["state"] == "failed" and "no platform export recognised" in s["message"]
    page = app.get("/scan").text
    assert "The check could not finish" in page and "no platform export recognised" in page
    assert not app.ws.paths.baseline.exists()
    # nothing chosen
    app.ws.set_downloads([])
    r = post(app, "/scan/start")
    assert r.status_code == 400 and "Choose your downloads first" in r.text
    # a download that went away since it was chosen
    app.ws.set_downloads([str(tmp_path / "moved.zip")])
    r = post(app, "/scan/start")
    assert r.status_code == 400 and "there is nothing there" in r.text


def test_cancel_stops_the_scan_and_saves_nothing(home):
    slow = SlowCheck()
    client, keys, ws = make_client(home / "fa", analysers=[slow])
    client.get(f"/?token={keys.token}")
    client.keys, client.ws = keys, ws
    ws.set_downloads([str(TWITTER)])
    post(client, "/scan/start")
    assert slow.started.wait(30)
    end = time.monotonic() + 30
    while (s := client.get("/scan/status").json())["stage_label"] != "Checking your posts" and time.monotonic() < end:
        time.sleep(0.02)
    assert s["state"] == "running" and s["stage_label"] == "Checking your posts" and s["total"] > 0
    page = client.get("/scan").text
    assert "<progress" in page and "Cancel the check" in page
    r = post(client, "/scan/cancel", headers={"accept": "application/json"})
    assert r.json()["state"] == "cancelled"
    assert "Nothing was saved" in r.json()["message"]
    job = client.app.state.job
    assert job.running                                         # still in its step: a new check waits
    r = post(client, "/scan/start")
    assert r.status_code == 409 and "still stopping" in r.text
    job.thread.join(10)
    assert not job.thread.is_alive()                           # the pipeline stopped at its next step
    assert ws.result is None and not ws.paths.baseline.exists() and not ws.paths.report.exists()
    assert client.get("/scan/status").json()["state"] == "cancelled"


def test_progress_words():
    from auditor.app.scans import time_left
    assert time_left(None).startswith("Working out")
    assert time_left(10) == "Less than a minute left."
    assert time_left(70) == "About a minute left."
    assert time_left(600) == "About 10 minutes left."


def test_new_first_moves_new_cards_to_the_top():
    a, b, c = {"new_since_last": False}, {"new_since_last": True}, {"new_since_last": True}
    sections = [{"key": "act", "cards": [a, b], "count": 2}, {"key": "check", "cards": [c], "count": 1}]
    out = new_first(sections)
    assert [s["key"] for s in out] == ["new", "act", "check"]
    assert out[0]["cards"] == [b, c] and out[1]["cards"] == [a] and out[2]["count"] == 0
    assert new_first([{"key": "act", "cards": [a], "count": 1}])[0]["key"] == "act"


# -- pages ----------------------------------------------------------------------------------------
REMOTE = re.compile(r"""(?:src|href|action)\s*=\s*["'](?:https?:)?//""", re.I)


def test_pages_load_nothing_remote(app):
    scan(app, [TWITTER])
    for url in ("/", "/downloads", "/profile", "/findings", "/scan"):
        html = app.get(url).text
        for m in re.finditer(r"<(script|link|img|iframe|form)\b[^>]*>", html, re.I):
            tag = m.group(0)
            assert not REMOTE.search(tag), (url, tag)
        assert "<style" not in html and " style=" not in html and "onclick" not in html   # the CSP allows neither


def test_static_files_are_a_fixed_list(app):
    r = app.get("/static/app.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    r = app.get("/static/app.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"]
    assert "http://" not in r.text and "https://" not in r.text


def test_stop_button(home):
    stopped = threading.Event()
    client, keys, ws = make_client(home / "fa", stop=stopped.set)
    client.get(f"/?token={keys.token}")
    r = client.post("/stop", data={"token": keys.csrf}, headers={"origin": ORIGIN})
    assert r.status_code == 200 and "The app has stopped" in r.text
    assert stopped.is_set()
    # not by a GET, nor without the token
    stopped.clear()
    assert client.get("/stop").status_code in (404, 405)
    assert client.post("/stop", data={}, headers={"origin": ORIGIN}).status_code == 403
    assert not stopped.is_set()


def test_first_line_is_the_address():
    keys = Secrets(port=43210)
    assert re.fullmatch(r"http://127\.0\.0\.1:43210/\?token=[A-Za-z0-9_-]{40,}", keys.url())
    assert keys.token != Secrets(port=43210).token


def test_bind_is_loopback_only():
    from auditor.app.server import StartError, bind
    s = bind(None)
    try:
        host, port = s.getsockname()
        assert host == "127.0.0.1" and port > 0
        with pytest.raises(StartError, match="in use"):
            bind(port)
    finally:
        s.close()


def test_add_to_menu(home, monkeypatch):
    from click.testing import CliRunner

    from auditor.cli import main
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    r = CliRunner().invoke(main, ["app", "--add-to-menu"])
    assert r.exit_code == 0, r.output
    entry = (home / "data" / "applications" / "footprint-auditor.desktop").read_text()
    assert entry.startswith("[Desktop Entry]\n") and "Name=Footprint Auditor" in entry
    exec_line = next(line for line in entry.splitlines() if line.startswith("Exec="))
    assert exec_line.endswith(" -m auditor app") and "--no-browser" not in exec_line
    assert "Terminal=false" in entry
