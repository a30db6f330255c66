"""Finding ids must stay the same between two downloads of the same account (other zip names
and paths, files in another order, refreshed Meta mojibake) and between runs and tool versions:
the baseline keeps decisions by id, so a changed id loses a decision."""
from __future__ import annotations

import json
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from auditor.model import Finding, Span, finding_id, stable_ref
from conftest import write_folder, write_zip
from test_baseline_helpers import TWEETS, ids, run_scan, twitter_members

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_exports"


def test_same_input_same_ids(make_archive):
    arc = make_archive(twitter_members())
    first, second = run_scan([arc]), run_scan([arc])
    assert ids(first) == ids(second)
    assert len(ids(first)) == len(first.findings) >= 9


def test_zip_names_paths_and_forms_do_not_change_ids(tmp_path):
    members = twitter_members()
    (tmp_path / "downloads" / "2025").mkdir(parents=True)
    a = write_zip(tmp_path / "twitter-2025-01-01-aaaa.zip", members)
    b = write_zip(tmp_path / "downloads" / "2025" / "twitter-2026-11-01-bbbb.zip", members)
    c = write_folder(tmp_path / "unpacked copy", members)
    got = [ids(run_scan([p])) for p in (a, b, c)]
    assert got[0] == got[1] == got[2]


def test_reordered_and_split_files_do_not_change_ids(tmp_path):
    a = write_zip(tmp_path / "a.zip", twitter_members(TWEETS, parts=1))
    b = write_zip(tmp_path / "b.zip", twitter_members(list(reversed(TWEETS)), parts=3))
    # the same members written into the zip in reverse order
    members = twitter_members(TWEETS)
    c = write_zip(tmp_path / "c.zip", dict(reversed(list(members.items()))))
    assert ids(run_scan([a])) == ids(run_scan([b])) == ids(run_scan([c]))


def test_scores_offsets_explanations_and_analyser_order_do_not_change_ids(tmp_path):
    arc = write_zip(tmp_path / "x.zip", twitter_members())
    runs = [run_scan([arc], seed=s) for s in range(4)]      # odd seeds also reverse analyser order
    assert all(ids(r) == ids(runs[0]) for r in runs)
    spans = {tuple(sorted((f.id, f.span, f.confidence, f.explanation) for f in r.findings)) for r in runs}
    assert len(spans) == 4                                   # ... while everything else did change


@settings(max_examples=60, deadline=None)
@given(rule=st.sampled_from(["GEO001", "OFF002", "CONF001"]), ref=st.from_regex(r"twitter:[0-9]{1,19}", fullmatch=True),
       evidence=st.text(min_size=1, max_size=40), media=st.none() | st.just("data/tweets_media/1-a.jpg"),
       conf=st.floats(0, 1), a=st.integers(0, 500), n=st.integers(0, 50), why=st.text(max_size=60),
       sev=st.sampled_from([None, "high", "low"]))
def test_id_ignores_everything_but_rule_post_evidence_and_image(rule, ref, evidence, media, conf, a, n, why, sev):
    base = Finding(rule, ref, evidence, "x", media_path=media)
    other = Finding(rule, ref, "  " + evidence.upper() + " ", why, confidence=conf, media_path=media,
                    spans=(Span(a, a + n),), severity=sev)
    if evidence.upper().casefold() == evidence.casefold():    # upper() can change some letters' folding
        assert base.id == other.id
    assert base.id == finding_id(rule, ref, evidence, media)
    assert Finding(rule, ref + "1", evidence, "x", media_path=media).id != base.id
    assert Finding(rule, ref, evidence, "x", media_path=None if media else "m.jpg").id != base.id


def test_tool_version_does_not_enter_ids(tmp_path, monkeypatch):
    import auditor
    arc = write_zip(tmp_path / "x.zip", twitter_members())
    before = ids(run_scan([arc]))
    monkeypatch.setattr(auditor, "__version__", "99.0.0")
    assert ids(run_scan([arc])) == before


# -- Meta: no post ids, refs are hashes of the normalised UTC time and text ----------------------
def mojibake(s: str) -> str:
    return s.encode("utf-8").decode("latin-1")


def test_stable_ref_same_for_refreshed_mojibake_and_timezones():
    from auditor.importers.meta import fix_mojibake
    text = "Caf\u00e9 r\u00e9sum\u00e9 \u2013 \U0001f691 night shift"
    when = datetime(2024, 3, 1, 21, 30, tzinfo=timezone.utc)
    as_bst = when.astimezone(timezone(timedelta(hours=1)))
    a = stable_ref("facebook", when, fix_mojibake(mojibake(text)))
    b = stable_ref("facebook", as_bst, text.replace(" ", "  "))
    assert a == b == stable_ref("facebook", when, text)
    assert stable_ref("facebook", when, text + "!") != a


def _rezip(src: Path, dst: Path, rename_top: str | None = None, reverse: bool = False,
           utf8: bool = False) -> Path:
    """Another download of the same export: another top folder name, members in another order,
    JSON written as plain UTF-8 instead of Meta's mojibake escapes."""
    from auditor.importers.meta import fix_all
    with zipfile.ZipFile(src) as zin:
        items = [(i.filename, zin.read(i)) for i in zin.infolist() if not i.is_dir()]
    if reverse:
        items.reverse()
    tops = {n.split("/", 1)[0] for n, _ in items}
    if len(tops) != 1 or not all("/" in n for n, _ in items):
        rename_top = None                        # the export sits at the top of the zip
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in items:
            if rename_top and "/" in name:
                name = rename_top + "/" + name.split("/", 1)[1]
            if utf8 and name.endswith(".json"):
                data = json.dumps(fix_all(json.loads(data)), ensure_ascii=False, indent=2).encode("utf-8")
            zout.writestr(name, data)
    return dst


def _sample(name_start: str) -> Path:
    hits = sorted(SAMPLES.glob(f"{name_start}*.zip"))
    if not hits:
        pytest.skip(f"no {name_start} sample export in {SAMPLES}")
    return hits[0]


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_meta_second_download_keeps_post_refs_and_text_finding_ids(tmp_path, platform):
    pytest.importorskip(f"auditor.importers.{platform}")
    src = _sample(platform)
    other = _rezip(src, tmp_path / f"{platform}-jordan-2027-02-02-Qq11.zip",
                   rename_top=f"{platform}-jordan-2027-02-02-Qq11", reverse=True, utf8=True)
    a, b = run_scan([src]), run_scan([other])
    assert a.posts and {p.ref for p in a.posts} == {p.ref for p in b.posts}
    text_ids = lambda r: {f.id for f in r.findings if f.media_path is None}  # noqa: E731
    assert text_ids(a) and text_ids(a) == text_ids(b)


def test_image_finding_ids_survive_a_differently_named_top_folder(tmp_path):
    a = write_zip(tmp_path / "a.zip", twitter_members(root="twitter-2025-01-01-aaaa/"))
    b = write_zip(tmp_path / "b.zip", twitter_members(root="twitter-2026-11-01-bbbb/"))
    ra, rb = run_scan([a]), run_scan([b])
    assert [f for f in ra.findings if f.media_path]
    assert ids(ra) == ids(rb)


def test_facebook_image_finding_ids_survive_a_second_download(tmp_path):
    pytest.importorskip("auditor.importers.facebook")
    src = _sample("facebook")
    other = _rezip(src, tmp_path / "facebook-jordan-2027-02-02-Qq11.zip",
                   rename_top="facebook-jordan-2027-02-02-Qq11", reverse=True, utf8=True)
    media = lambda r: {f.id for f in r.findings if f.media_path}  # noqa: E731
    a = run_scan([src])
    assert media(a) and media(a) == media(run_scan([other]))


def test_text_finding_ids_survive_a_differently_named_top_folder(tmp_path):
    a = write_zip(tmp_path / "a.zip", twitter_members(root="twitter-2025-01-01-aaaa/"))
    b = write_zip(tmp_path / "b.zip", twitter_members(root="twitter-2026-11-01-bbbb/"))
    text = lambda r: {f.id for f in r.findings if f.media_path is None}  # noqa: E731
    assert len(text(run_scan([a]))) >= 7 and text(run_scan([a])) == text(run_scan([b]))




@pytest.mark.slow
@pytest.mark.model
def test_real_analysers_give_the_same_ids_on_a_second_download_of_every_sample(tmp_path):
    """All sample exports, default analysers, user profile: a second download (new zip names, new
    top folder, members reversed, Meta JSON as plain UTF-8) keeps every id except image findings
    inside a renamed top folder (the known gap above)."""
    from auditor import config as config_mod
    from auditor.pipeline import scan
    zips = sorted(SAMPLES.glob("*.zip"))
    if len(zips) < 3 or not (SAMPLES / "auditor.toml").exists():
        pytest.skip("sample exports not generated")
    cfg = config_mod.load(str(SAMPLES / "auditor.toml"))
    again = []
    for z in zips:
        name = z.name.replace("2026-11-01", "2027-02-14")
        again.append(_rezip(z, tmp_path / name, rename_top=Path(name).stem, reverse=True, utf8=True))
    a, b = scan([str(z) for z in zips], cfg), scan([str(z) for z in again], cfg)
    assert len(a.findings) >= 20
    moved_top = {z.stem for z in zips if all(n.startswith(z.stem + "/") for n in zipfile.ZipFile(z).namelist())}
    keep = lambda r: {f.id for f in r.findings  # noqa: E731
                      if not (f.media_path and f.media_path.split("/", 1)[0] in moved_top | {
                          Path(n).stem for n in (x.name for x in again)})}
    assert len(keep(a)) >= len(a.findings) - 3 and keep(a) == keep(b)
    assert {p.ref for p in a.posts} == {p.ref for p in b.posts}
