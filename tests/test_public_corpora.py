"""Further public corpora for the concern model (benchmarks/training/concern_data.py): the HateXplain
converter (training split only, majority labels, the label mapping), reading a mirror at a fixed commit,
the near-copy check for a public corpus's rows (ftp_overlap.py) and the HateCheck figures
(hatecheck.py). Every row here is invented; no third-party text is in the repository."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/training"))

import concern_data as cd  # noqa: E402


def _ann(*labels_targets):
    return [{"label": lab, "annotator_id": i, "target": tg} for i, (lab, tg) in enumerate(labels_targets)]


def _post(tokens, *anns):
    return {"post_tokens": tokens.split(), "annotators": _ann(*anns), "rationales": []}


DATASET = {
    "1_gab": _post("<user> invented group insult here", ("hatespeech", ["Women"]), ("hatespeech", ["Women"]),
                   ("offensive", ["Women", "Other"])),
    "2_gab": _post("invented rude words at nobody", ("offensive", ["None"]), ("offensive", ["None"]),
                   ("normal", ["None"])),
    "3_twitter": _post("an invented ordinary post <url>", ("normal", ["None"]), ("normal", []),
                       ("normal", ["None"])),
    "4_twitter": _post("invented post nobody agreed on", ("normal", []), ("offensive", []),
                       ("hatespeech", ["African"])),
    "5_gab": _post("invented hate at no named group", ("hatespeech", ["Other"]), ("hatespeech", ["None"]),
                   ("hatespeech", ["Other"])),
    "6_gab": _post("invented validation post", ("hatespeech", ["Islam"]), ("hatespeech", ["Islam"]),
                   ("normal", [])),
    "7_gab": _post("invented test post", ("normal", []), ("normal", []), ("normal", [])),
}
DIVISIONS = {"train": ["1_gab", "2_gab", "3_twitter", "4_twitter", "5_gab", "99_missing"],
             "val": ["6_gab"], "test": ["7_gab"]}


def test_hatexplain_rows_training_split_and_majority_only():
    rows, counts = cd.hatexplain_rows(DATASET, DIVISIONS)
    got = {rid: (text, lab, tg) for rid, text, lab, tg in rows}
    assert set(got) == {"hatexplain:1_gab", "hatexplain:2_gab", "hatexplain:3_twitter", "hatexplain:5_gab"}
    assert got["hatexplain:1_gab"] == ("@USER invented group insult here", "hatespeech", "Women")
    assert got["hatexplain:2_gab"][1:] == ("offensive", "None")
    assert got["hatexplain:3_twitter"] == ("an invented ordinary post URL", "normal", "None")
    assert got["hatexplain:5_gab"][1:] == ("hatespeech", "Other")
    assert counts["no_majority"] == 1 and counts["missing"] == 1
    assert counts["hatespeech"] == 2 and counts["offensive"] == 1 and counts["normal"] == 1
    # val and test posts are never read, even when the dataset holds them
    assert not any("6_gab" in r[0] or "7_gab" in r[0] for r in rows)


@pytest.mark.parametrize("scheme", ["aux", "aux-ind"])
def test_hatexplain_label_mapping(scheme):
    off, dis, aux = cd.L["offensive"], cd.L["discriminatory"], cd.A
    y, m = cd.public_labels("hatexplain", "hatespeech", "Women", scheme)
    assert (y[dis], m[dis]) == (1, 1) and m[off] == 0 and (y[aux], m[aux]) == (1, 1)
    y, m = cd.public_labels("hatexplain", "hatespeech", "Economic,Other", scheme)   # no protected group
    assert m[dis] == 0 and m[off] == 0 and (y[aux], m[aux]) == (1, 1)
    y, m = cd.public_labels("hatexplain", "offensive", "None", scheme)               # not hate: ours unknown
    assert m[off] == 0 and m[dis] == 0 and (y[aux], m[aux]) == (1, 1)
    y, m = cd.public_labels("hatexplain", "normal", "None", scheme)
    assert (y[off], m[off], y[dis], m[dis], y[aux], m[aux]) == (0, 1, 0, 1, 0, 1)
    for lab in cd.PUBLIC_NEGATIVE:                       # as for OLID and Davidson
        assert (y[cd.L[lab]], m[cd.L[lab]]) == (0, 1)
    for lab in ("grievance", "misinformation", "conduct"):
        assert m[cd.L[lab]] == 0
    # the same mapping as Davidson's classes
    for hx, dv in (("normal", "neither"), ("offensive", "offensive"), ("hatespeech", "hate")):
        yh, mh = cd.public_labels("hatexplain", hx, "African", scheme)
        yd, md = cd.public_labels("davidson", dv, "", scheme)
        assert np.array_equal(yh, yd) and np.array_equal(mh, md)
    with pytest.raises(ValueError):
        cd.public_labels("hatexplain", "toxic", "", scheme)


def _git(*args, cwd):
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _mirror(tmp_path, files: dict[str, str]) -> tuple[Path, str]:
    """A bare mirror of an invented repository owner/name, laid out as the fetch tool lays mirrors out."""
    work = tmp_path / "work"
    work.mkdir()
    _git("init", "-q", cwd=work)
    for path, text in files.items():
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_text(text, encoding="utf-8")
    _git("add", "-A", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "data", cwd=work)
    commit = _git("rev-parse", "HEAD", cwd=work)
    mirrors = tmp_path / "mirrors"
    mirrors.mkdir()
    _git("clone", "-q", "--bare", str(work), str(mirrors / "owner+name" / "repo"), cwd=tmp_path)
    return mirrors, commit


def _shared(tmp_path) -> Path:
    shared = tmp_path / "shared"
    (shared / "corpora/offensive/olid").mkdir(parents=True)
    (shared / "corpora/offensive/davidson").mkdir(parents=True)
    (shared / "corpora/offensive/olid/olid-training-v1.0.tsv").write_text(
        "id\ttweet\tsubtask_a\tsubtask_b\tsubtask_c\n1\tan invented tweet\tNOT\tNULL\tNULL\n", encoding="utf-8")
    (shared / "corpora/offensive/davidson/labeled_data.dev.csv").write_text(
        ",count,hate_speech,offensive_language,neither,class,tweet\n0,3,0,0,3,2,another invented tweet\n",
        encoding="utf-8")
    return shared


def test_build_reads_the_mirror_at_its_commit_and_leaves_out_excluded_rows(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {"Data/dataset.json": json.dumps(DATASET),
                                         "Data/post_id_divisions.json": json.dumps(DIVISIONS)})
    monkeypatch.setattr(cd, "HATEXPLAIN", f"owner/name@{commit}")
    data = tmp_path / "data"
    data.mkdir()
    (data / "excluded_ids.txt").write_text("# near copies\nhatexplain:2_gab\n", encoding="utf-8")
    shared = _shared(tmp_path)
    t, info = cd.build(shared, data_dir=data, scheme="aux-ind", public_extra=("hatexplain",),
                       mirrors=mirrors)
    hx = [i for i, s in enumerate(t.source) if s == "hatexplain"]
    assert sorted(t.rowid[i] for i in hx) == ["hatexplain:1_gab", "hatexplain:3_twitter", "hatexplain:5_gab"]
    assert info["hatexplain"]["excluded"] == 1
    i = t.rowid.index("hatexplain:1_gab")
    assert t.orig[i] == "hatespeech" and t.detail[i] == "Women" and t.y[i][cd.L["discriminatory"]] == 1
    # without the opt-in the table is what it was
    t0, info0 = cd.build(shared, data_dir=data, scheme="aux-ind")
    assert "hatexplain" not in t0.source and "hatexplain" not in info0
    with pytest.raises(ValueError):
        cd.build(shared, data_dir=data, public_extra=("dynahate",))


def test_a_file_the_snapshot_lacks_is_a_clear_error(tmp_path):
    mirrors, commit = _mirror(tmp_path, {"Data/post_id_divisions.json": "{}"})
    with pytest.raises(cd.MirrorMissing, match="4 MiB"):
        cd.mirror_read(mirrors, f"owner/name@{commit}", "Data/dataset.json")
    with pytest.raises(cd.MirrorMissing, match="no mirror"):
        cd.mirror_read(mirrors, f"other/repo@{commit}", "x")
    assert cd.mirror_read(mirrors, f"owner/name@{commit}", "Data/post_id_divisions.json") == b"{}"


def test_check_public_before_a_run_is_prepared(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {"Data/post_id_divisions.json": "{}"})
    monkeypatch.setattr(cd, "HATEXPLAIN", f"owner/name@{commit}")
    with pytest.raises(cd.MirrorMissing, match="Data/dataset.json"):
        cd.check_public("hatexplain", mirrors)
    with pytest.raises(ValueError):
        cd.check_public("dynahate", mirrors)


# ---- Gab Hate Corpus (issue 13): every row below is invented -------------------------------------------------
GHC_TRAIN = ("text\thd\tcv\tvo\n"
             "an invented post that demeans a group\t1\t0\t0\n"
             "\"an invented call to hurt \"\"them\"\"\"\t0\t1\t1\n"
             "invented rude words at nobody\t0\t0\t1\n"
             "an invented   ordinary post about a religion\t0\t0\t0\n"
             "   \t0\t0\t0\n"
             + "x" * 601 + "\t0\t0\t0\n"
             "An invented ordinary post about a religion\t0\t0\t0\n")
GHC_TEST = "text\thd\tcv\tvo\nan invented test post\t1\t0\t0\n"


def test_ghc_rows_labels_and_what_is_left_out():
    rows, counts = cd.ghc_rows(GHC_TRAIN.encode())
    assert rows == [("ghc:1", "an invented post that demeans a group", "hate", "hd"),
                    ("ghc:2", 'an invented call to hurt "them"', "hate", "cv,vo"),
                    ("ghc:3", "invented rude words at nobody", "vulgar", "vo"),
                    ("ghc:4", "an invented ordinary post about a religion", "none", "")]
    assert counts == {"read": 7, "empty": 1, "too_long": 1, "duplicate": 1, "hate": 2, "vulgar": 1, "none": 1}
    with pytest.raises(ValueError, match="measuring only"):     # the official test file is never training data
        cd.ghc_rows(GHC_TEST.encode(), "test")
    with pytest.raises(ValueError, match="header"):
        cd.ghc_rows(b"id\ttweet\tlabel\n1\tx\tNOT\n")


@pytest.mark.parametrize("scheme", ["aux", "aux-ind"])
def test_ghc_label_mapping(scheme):
    off, dis, aux = cd.L["offensive"], cd.L["discriminatory"], cd.A
    y, m = cd.public_labels("ghc", "none", "", scheme)
    assert (y[off], m[off], y[dis], m[dis], y[aux], m[aux]) == (0, 1, 0, 1, 0, 1)
    yd, md = cd.public_labels("davidson", "neither", "", scheme)            # as Davidson 'neither'
    assert np.array_equal(y, yd) and np.array_equal(m, md)
    for lab in ("hate", "vulgar"):      # targets may be ideology or party: discriminatory unknown
        y, m = cd.public_labels("ghc", lab, "hd", scheme)
        assert m[off] == 0 and m[dis] == 0 and (y[aux], m[aux]) == (1, 1)
        for other in cd.PUBLIC_NEGATIVE:
            assert (y[cd.L[other]], m[cd.L[other]]) == (0, 1)
        for other in ("grievance", "misinformation", "conduct"):
            assert m[cd.L[other]] == 0
    y, m = cd.public_labels("ghc", "hate", "hd", "single")
    assert (y[off], m[off]) == (1, 1) and m[aux] == 0
    with pytest.raises(ValueError):
        cd.public_labels("ghc", "hatespeech", "", scheme)


def _built_with(tmp_path, name: str, mirrors: Path, excluded: str):
    """cd.build on an invented shared folder (tmp_path/shared) and a data folder (tmp_path/data) whose
    excluded_ids.txt is `excluded`, with one opt-in corpus (its mirror checked first)."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "excluded_ids.txt").write_text(excluded, encoding="utf-8")
    cd.check_public(name, mirrors)
    return cd.build(_shared(tmp_path), data_dir=data, public_extra=(name,), mirrors=mirrors)

def test_build_with_ghc_reads_the_training_file_only(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {cd.GHC_TRAIN_FILE: GHC_TRAIN, cd.GHC_TEST_FILE: GHC_TEST})
    monkeypatch.setattr(cd, "GHC", f"owner/name@{commit}")
    monkeypatch.setattr(cd, "ABUSE_FILES", {"ghc": (f"owner/name@{commit}", (cd.GHC_TRAIN_FILE,))})
    t, info = _built_with(tmp_path, "ghc", mirrors, "# near copies\nghc:3\n")
    g = [i for i, s in enumerate(t.source) if s == "ghc"]
    assert sorted(t.rowid[i] for i in g) == ["ghc:1", "ghc:2", "ghc:4"]
    assert info["ghc"]["excluded"] == 1 and "an invented test post" not in t.texts
    i = t.rowid.index("ghc:4")
    assert t.orig[i] == "none" and t.y[i][cd.L["discriminatory"]] == 0 and t.mask[i][cd.L["discriminatory"]] == 1
    assert [rid for rid, _ in cd.public_texts("ghc", mirrors)] == ["ghc:1", "ghc:2", "ghc:3", "ghc:4"]
    # without --public ghc the table is what it was
    t0, info0 = cd.build(tmp_path / "shared", data_dir=tmp_path / "data")
    keep = [i for i, s in enumerate(t.source) if s != "ghc"]
    assert "ghc" not in info0 and t0.texts == [t.texts[i] for i in keep] and t0.rowid == [t.rowid[i] for i in keep]
    assert all(np.array_equal(a, t.y[i]) and np.array_equal(b, t.mask[i]) for a, b, i in zip(t0.y, t0.mask, keep))


def test_ghc_missing_from_the_mirror_is_a_clear_error(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {cd.GHC_TEST_FILE: GHC_TEST})
    monkeypatch.setattr(cd, "GHC", f"owner/name@{commit}")
    monkeypatch.setattr(cd, "ABUSE_FILES", {"ghc": (f"owner/name@{commit}", (cd.GHC_TRAIN_FILE,))})
    with pytest.raises(cd.MirrorMissing, match="ghc_train.tsv"):
        cd.check_public("ghc", mirrors)
    with pytest.raises(cd.MirrorMissing, match="4 MiB"):
        cd.build(_shared(tmp_path), data_dir=tmp_path, public_extra=("ghc",), mirrors=mirrors)
    with pytest.raises(cd.MirrorMissing, match="no mirror"):
        cd.check_public("ghc", tmp_path / "nowhere")


def test_near_copies_of_a_public_corpus_are_found(tmp_path):
    import ftp_overlap
    shared = tmp_path / "shared"
    (shared / "corpora/ftp").mkdir(parents=True)
    (shared / "corpora/ftp/invented.jsonl").write_text(
        json.dumps({"text": "an invented validation post about the rota on ward nine today"}) + "\n",
        encoding="utf-8")
    items = [("hatexplain:1", "An invented validation post about the rota, on ward nine today!"),
             ("hatexplain:2", "something else entirely that shares nothing with it")]
    found = ftp_overlap.hits_in(shared, items)
    assert [f[0] for f in found] == ["hatexplain:1"]


def test_hatecheck_figures_per_functionality():
    import hatecheck
    raw = ("functionality,case_id,test_case,label_gold,target_ident\n"
           "derog_neg_emote_h,1,invented hateful one,hateful,women\n"
           "derog_neg_emote_h,2,invented hateful two,hateful,women\n"
           "counter_quote_nh,3,invented counter one,non-hateful,women\n"
           "ident_neutral_nh,4,invented neutral one,non-hateful,women\n").encode()
    cases = hatecheck.read_cases(raw)
    flags = np.zeros((4, len(cd.LABELS)), dtype=bool)
    dis, off = cd.L["discriminatory"], cd.L["offensive"]
    flags[0, dis] = flags[1, off] = flags[2, dis] = True
    per = hatecheck.per_functionality(cases, flags)
    assert per["derog_neg_emote_h"] == {"gold": "hateful", "n": 2, "discriminatory": 0.5, "offensive": 0.5,
                                        "either": 1.0}
    assert per["counter_quote_nh"]["discriminatory"] == 1.0 and per["ident_neutral_nh"]["either"] == 0.0
    s = hatecheck.summary(cases, flags)
    assert s["hateful cases"] == (0.5, 2) and s["non-hateful cases"] == (0.5, 2)
    assert s["  counter-speech and quoting"] == (1.0, 1)
    assert s["  neutral or positive group mentions"] == (0.0, 1)
    with pytest.raises(ValueError):
        hatecheck.read_cases(b"functionality,case_id,test_case,label_gold\nx,1,t,maybe\n")


# ---- health-misinformation corpora (covidrumor, healthmisinfo); every row invented ----------------------
RUMOR_CSV = ("\ufeffNo.,label,content,source,sentiment,reply numbers,retweet numbers,likes numbers\n"
             "1,F,Invented claim: drinking hot lemon water cures the virus,111,3,0,0,0\n"
             "2,T,Invented statistic: the health board reported 12 new cases today,222,1,0,0,0\n"
             "3,U,Invented unverified remark about masks,333,2,0,0,0\n"
             "4,F,Invented false story about a football transfer,444,2,0,0,0\n"
             "5,T,Invented true remark about the stock market,555,2,0,0,0\n"
             f"6,F,\"{'Invented long vaccine article. ' * 30}\",666,2,0,0,0\n"
             "7,F,Invented claim: drinking hot lemon water cures the virus,777,3,0,0,0\n")
REDDIT_CSV = ("idx,text\n"
              "0,Invented post: the vaccine changes your DNA\n"
              "1,Invented post about a court case on taxes\n"
              "2,Invented post: garlic cures the flu\n")


def test_misinfo_rows_mapping_and_what_is_left_out():
    rows, counts = cd.covidrumor_rows(RUMOR_CSV.encode())
    got = {rid: (text, lab) for rid, text, lab, _ in rows}
    assert got == {"covidrumor:1": ("Invented claim: drinking hot lemon water cures the virus", "false"),
                   "covidrumor:2": ("Invented statistic: the health board reported 12 new cases today", "true"),
                   "covidrumor:5": ("Invented true remark about the stock market", "true")}
    assert counts == {"read": 7, "unverified": 1, "false": 1, "true": 2, "false_not_health": 1, "too_long": 1,
                      "duplicate": 1}
    rows, counts = cd.healthmisinfo_rows(REDDIT_CSV.encode())
    assert [(r[0], r[2]) for r in rows] == [("healthmisinfo:0", "false"), ("healthmisinfo:2", "false")]
    assert counts["false_not_health"] == 1


@pytest.mark.parametrize("source", ["covidrumor", "healthmisinfo"])
def test_misinfo_label_mapping(source):
    mis = cd.L["misinformation"]
    for scheme in cd.SCHEMES:
        y1, m1 = cd.public_labels(source, "false", "", scheme)
        y0, m0 = cd.public_labels(source, "true", "", scheme)
        assert (y1[mis], m1[mis]) == (1, 1) and (y0[mis], m0[mis]) == (0, 1)
        for y, m in ((y1, m1), (y0, m0)):
            for lab in ("confidentiality", "personal-data", "boundaries", "workplace"):
                assert (y[cd.L[lab]], m[cd.L[lab]]) == (0, 1)
            for lab in ("promotion", "offensive", "discriminatory", "grievance", "conduct"):
                assert m[cd.L[lab]] == 0
            assert m[cd.A] == 0
    with pytest.raises(ValueError):
        cd.public_labels(source, "unverified", "", "aux")


def test_build_with_and_without_the_misinfo_corpora(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {"Data/twitter/Twitter.csv": RUMOR_CSV,
                                         "Data/Health_Misinformation_reddit_Dataset.csv": REDDIT_CSV})
    monkeypatch.setattr(cd, "MISINFO_FILES", {
        "covidrumor": (f"owner/name@{commit}", ("Data/twitter/Twitter.csv",)),
        "healthmisinfo": (f"owner/name@{commit}", ("Data/Health_Misinformation_reddit_Dataset.csv",))})
    data = tmp_path / "data"
    data.mkdir()
    (data / "excluded_ids.txt").write_text("# near copies\ncovidrumor:5\n", encoding="utf-8")
    shared = _shared(tmp_path)
    t0, info0 = cd.build(shared, data_dir=data, scheme="aux-ind")
    t, info = cd.build(shared, data_dir=data, scheme="aux-ind", public_extra=("covidrumor", "healthmisinfo"),
                       mirrors=mirrors)
    # without the opt-in the table is exactly what it was; with it, the same rows come first
    assert "covidrumor" not in t0.source and "healthmisinfo" not in t0.source
    assert "covidrumor" not in info0 and "healthmisinfo" not in info0
    n = len(t0.texts)
    for f in ("texts", "source", "orig", "rowid", "detail"):
        assert getattr(t, f)[:n] == getattr(t0, f)
    assert all(np.array_equal(a, b) for a, b in zip(t.y[:n] + t.mask[:n], t0.y + t0.mask))
    assert t.rowid[n:] == ["covidrumor:1", "covidrumor:2", "healthmisinfo:0", "healthmisinfo:2"]
    assert info["covidrumor"]["excluded"] == 1
    i = t.rowid.index("covidrumor:2")
    assert t.orig[i] == "true" and t.y[i][cd.L["misinformation"]] == 0 and t.mask[i][cd.L["misinformation"]] == 1
    # only the named corpus is read
    t1, info1 = cd.build(shared, data_dir=data, public_extra=("healthmisinfo",), mirrors=mirrors)
    assert "covidrumor" not in t1.source and info1["healthmisinfo"]["false"] == 2


def test_misinfo_mirror_lacking_the_file(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {"README.md": "invented"})
    monkeypatch.setattr(cd, "MISINFO_FILES", {
        "covidrumor": (f"owner/name@{commit}", ("Data/twitter/Twitter.csv",)),
        "healthmisinfo": (f"other/repo@{commit}", ("Data/x.csv",))})
    with pytest.raises(cd.MirrorMissing, match="Twitter.csv"):
        cd.check_public("covidrumor", mirrors)
    with pytest.raises(cd.MirrorMissing, match="4 MiB"):
        cd.load_misinfo("covidrumor", mirrors)
    with pytest.raises(cd.MirrorMissing, match="no mirror"):
        cd.check_public("healthmisinfo", mirrors)


def test_public_texts_for_the_overlap_check(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {"Data/twitter/Twitter.csv": RUMOR_CSV})
    monkeypatch.setattr(cd, "MISINFO_FILES", {"covidrumor": (f"owner/name@{commit}", ("Data/twitter/Twitter.csv",))})
    assert [rid for rid, _ in cd.public_texts("covidrumor", mirrors)] == ["covidrumor:1", "covidrumor:2",
                                                                          "covidrumor:5"]
    with pytest.raises(ValueError):
        cd.public_texts("dynahate", mirrors)


# HateXplain's training split as a CSV export (--public hxtrain): invented rows; labels 0 hatespeech,
# 1 normal, 2 offensive; targets the union of the three annotators'.
HX_CSV = ("text,majority_label,severity,labels,annotator_ids,targets\n"
          "<user> an invented insult aimed at a group,0,High,\"0, 0, 2\",\"1, 2, 3\",\"Women, Other\"\n"
          "invented rude words at nobody,2,High,\"2, 2, 1\",\"1, 2, 3\",None\n"
          "invented rude words about a group,2,High,\"2, 2, 1\",\"1, 2, 3\",\"None, Islam\"\n"
          "an invented kind post about a group <url>,1,Low,\"1, 1, 1\",\"1, 2, 3\",Jewish\n"
          "an invented ordinary post,1,Low,\"1, 1, 2\",\"1, 2, 3\",None\n"
          "an invented post one annotator called hate,1,Low,\"1, 1, 0\",\"1, 2, 3\",African\n"
          "invented hate at no named group,0,High,\"0, 0, 0\",\"1, 2, 3\",Other\n"
          "invented post nobody agreed on,0,High,\"0, 1, 2\",\"1, 2, 3\",None\n"
          + "x" * 601 + ",1,Low,\"1, 1, 1\",\"1, 2, 3\",None\n"
          "An invented ordinary post,1,Low,\"1, 1, 1\",\"1, 2, 3\",None\n")


HX_IDS = [f"{n}_gab" for n in range(101, 111)]
HX_DIVISIONS = json.dumps({"train": HX_IDS, "val": ["1_gab"], "test": ["2_gab"]})


def test_hxtrain_rows_classes_and_what_is_left_out():
    rows, counts = cd.hxtrain_rows(HX_CSV.encode())
    assert rows == [("hxtrain:row1", "@USER an invented insult aimed at a group", "group-hate", "Other,Women"),
                    ("hxtrain:row2", "invented rude words at nobody", "abuse", "None"),
                    ("hxtrain:row3", "invented rude words about a group", "group-offensive", "Islam,None"),
                    ("hxtrain:row4", "an invented kind post about a group URL", "group-clean", "Jewish"),
                    ("hxtrain:row5", "an invented ordinary post", "clean", "None")]
    rows, _ = cd.hxtrain_rows(HX_CSV.encode(), "train", HX_IDS)        # official ids, in the division's order
    assert [r[0] for r in rows] == [f"hxtrain:{i}" for i in HX_IDS[:5]]
    with pytest.raises(ValueError, match="not the training split"):
        cd.hxtrain_rows(HX_CSV.encode(), "train", HX_IDS[:9])
    assert counts == {"read": 10, "empty": 0, "too_long": 1, "duplicate": 1, "no_majority": 1, "hate_no_group": 1,
                      "unsure": 1, "group-hate": 1, "abuse": 1, "group-offensive": 1, "group-clean": 1, "clean": 1}
    with pytest.raises(ValueError, match="measuring only"):     # val and test splits are never training data
        cd.hxtrain_rows(HX_CSV.encode(), "test")
    with pytest.raises(ValueError, match="header"):
        cd.hxtrain_rows(b"id,tweet,label\n1,x,NOT\n")


# the posts all three annotators called hate ("group-hate-all", stage 12) apart from the 2-of-3 rest: invented rows
HX_ALL_CSV = ("text,majority_label,severity,labels,annotator_ids,targets\n"
              "invented hate all three saw at a group,0,High,\"0, 0, 0\",\"1, 2, 3\",\"None, Women\"\n"
              "invented hate two of three saw at a group,0,High,\"0, 2, 0\",\"1, 2, 3\",African\n"
              "invented hate two of three saw with a normal vote,0,High,\"1, 0, 0\",\"1, 2, 3\",Islam\n"
              "invented hate all three saw at nobody named,0,High,\"0, 0, 0\",\"1, 2, 3\",\"None, Other\"\n"
              "invented offence all three saw at a group,2,High,\"2, 2, 2\",\"1, 2, 3\",Jewish\n"
              "Invented hate ALL three saw at a group,0,High,\"0, 0, 0\",\"1, 2, 3\",Women\n")


def test_hxtrain_all_three_annotators_is_its_own_class():
    rows, counts = cd.hxtrain_rows(HX_ALL_CSV.encode())
    assert [(r[0], r[2], r[3]) for r in rows] == [("hxtrain:row1", "group-hate-all", "None,Women"),
                                                  ("hxtrain:row2", "group-hate", "African"),
                                                  ("hxtrain:row3", "group-hate", "Islam"),
                                                  ("hxtrain:row5", "group-offensive", "Jewish")]
    # disjoint: every hatespeech post with a group is in exactly one of the two; the repeat is counted once
    assert counts == {"read": 6, "empty": 0, "too_long": 0, "duplicate": 1, "no_majority": 0, "hate_no_group": 1,
                      "unsure": 0, "group-hate-all": 1, "group-hate": 2, "group-offensive": 1}
    rows, counts = cd.hxtrain_rows(HX_CSV.encode())           # no post there has three hate votes and a group
    assert "group-hate-all" not in counts and counts["group-hate"] == 1
    assert cd.HXTRAIN_LABELS[:2] == ("group-hate-all", "group-hate")


@pytest.mark.parametrize("scheme", ["aux", "aux-ind"])
def test_hxtrain_label_mapping(scheme):
    off, dis, aux = cd.L["offensive"], cd.L["discriminatory"], cd.A
    got = {c: cd.public_labels("hxtrain", c, "", scheme) for c in cd.HXTRAIN_LABELS}
    y, m = got["group-hate"]
    assert (m[off], y[dis], m[dis], y[aux], m[aux]) == (0, 1, 1, 1, 1)
    assert all(np.array_equal(a, b) for a, b in zip(got["group-hate-all"], got["group-hate"]))   # a subset's rows
    y, m = got["group-offensive"]
    assert (m[off], m[dis], y[aux], m[aux]) == (0, 0, 1, 1)
    y, m = got["abuse"]
    assert (m[off], y[dis], m[dis], y[aux], m[aux]) == (0, 0, 1, 1, 1)
    yd, md = cd.public_labels("davidson", "neither", "", scheme)
    for c in ("group-clean", "clean"):                     # as Davidson 'neither'
        assert np.array_equal(got[c][0], yd) and np.array_equal(got[c][1], md)
    for y, m in got.values():
        for other in cd.PUBLIC_NEGATIVE:
            assert (y[cd.L[other]], m[cd.L[other]]) == (0, 1)
        for other in ("grievance", "misinformation", "conduct"):
            assert m[cd.L[other]] == 0
    with pytest.raises(ValueError):
        cd.public_labels("hxtrain", "hatespeech", "", scheme)


def test_build_with_hxtrain_and_without(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {cd.HX_TRAIN_FILE: HX_CSV, "Data/post_id_divisions.json": HX_DIVISIONS,
                                         cd.HX_TEST_FILES[1]: '{"id": "7_gab", "post_tokens": ["x"]}\n'})
    monkeypatch.setattr(cd, "HX_TRAIN", f"owner/name@{commit}")
    monkeypatch.setattr(cd, "HATEXPLAIN", f"owner/name@{commit}")
    monkeypatch.setattr(cd, "ABUSE_FILES", {**cd.ABUSE_FILES, "hxtrain": (f"owner/name@{commit}", (cd.HX_TRAIN_FILE,))})
    t, info = _built_with(tmp_path, "hxtrain", mirrors, "hxtrain:102_gab\n")
    x = [i for i, s in enumerate(t.source) if s == "hxtrain"]
    assert [t.rowid[i] for i in x] == ["hxtrain:101_gab", "hxtrain:103_gab", "hxtrain:104_gab", "hxtrain:105_gab"]
    assert info["hxtrain"]["excluded"] == 1
    i = t.rowid.index("hxtrain:101_gab")
    assert t.orig[i] == "group-hate" and t.y[i][cd.L["discriminatory"]] == 1
    assert [rid for rid, _ in cd.public_texts("hxtrain", mirrors)] == [f"hxtrain:{i}" for i in HX_IDS[:5]]
    t0, info0 = cd.build(tmp_path / "shared", data_dir=tmp_path / "data")   # without --public hxtrain: unchanged
    keep = [i for i, s in enumerate(t.source) if s != "hxtrain"]
    assert "hxtrain" not in info0 and t0.texts == [t.texts[i] for i in keep] and t0.rowid == [t.rowid[i] for i in keep]
    assert all(np.array_equal(a, t.y[i]) and np.array_equal(b, t.mask[i]) for a, b, i in zip(t0.y, t0.mask, keep))


def test_hxtrain_missing_from_the_mirror_is_a_clear_error(tmp_path, monkeypatch):
    mirrors, commit = _mirror(tmp_path, {cd.HX_TEST_FILES[0]: "{}\n"})
    monkeypatch.setattr(cd, "HX_TRAIN", f"owner/name@{commit}")
    monkeypatch.setattr(cd, "HATEXPLAIN", f"owner/name@{commit}")
    monkeypatch.setattr(cd, "ABUSE_FILES", {**cd.ABUSE_FILES, "hxtrain": (f"owner/name@{commit}", (cd.HX_TRAIN_FILE,))})
    with pytest.raises(cd.MirrorMissing, match="training_data.csv"):
        cd.check_public("hxtrain", mirrors)
    with pytest.raises(cd.MirrorMissing, match="4 MiB"):
        cd.build(_shared(tmp_path), data_dir=tmp_path, public_extra=("hxtrain",), mirrors=mirrors)
    (tmp_path / "b").mkdir()
    mirrors, commit = _mirror(tmp_path / "b", {cd.HX_TRAIN_FILE: HX_CSV})    # the division file is needed too
    monkeypatch.setattr(cd, "HX_TRAIN", f"owner/name@{commit}")
    monkeypatch.setattr(cd, "HATEXPLAIN", f"owner/name@{commit}")
    monkeypatch.setattr(cd, "ABUSE_FILES", {**cd.ABUSE_FILES, "hxtrain": (f"owner/name@{commit}", (cd.HX_TRAIN_FILE,))})
    with pytest.raises(cd.MirrorMissing, match="post_id_divisions"):
        cd.check_public("hxtrain", mirrors)


def test_hatexplain_read_two_ways_is_refused_in_one_build(tmp_path):
    """--public hatexplain and --public hxtrain are HateXplain's one training split read from two copies:
    a build naming both would hold every post twice, so it is refused before anything is read."""
    import concern_data as cd
    with pytest.raises(ValueError, match="same posts"):
        cd.build(tmp_path, public_extra=("hatexplain", "hxtrain"), mirrors=tmp_path)


# HateXplain's validation/test export (one JSON object per line), invented posts: measuring rows, never training
def _hxm(pid, tokens, labels, targets):
    return json.dumps({"id": pid, "annotators": {"label": labels, "annotator_id": [1, 2, 3], "target": targets},
                       "rationales": [], "post_tokens": tokens.split()})


HX_MEASURE = "\n".join([
    _hxm("v1", "<user> invented calm contempt for a group", [0, 0, 2], [["Women"], ["Women"], ["None"]]),
    _hxm("v2", "invented hate with one annotator naming a group", [0, 0, 0], [["Women"], ["None"], ["Other"]]),
    _hxm("v3", "invented kind words about a group <url>", [1, 1, 1], [["Islam"], ["Islam"], ["None"]]),
    _hxm("v4", "invented words about a group one annotator called hate", [1, 1, 0], [["Jewish"], ["Jewish"], ["Jewish"]]),
    _hxm("v5", "invented rude words at a group", [2, 2, 1], [["African"], ["African"], ["None"]]),
    _hxm("v6", "invented words nobody agreed on", [0, 1, 2], [["None"], ["None"], ["None"]]),
    _hxm("v7", "an invented ordinary post", [1, 1, 1], [["None"], ["None"], ["None"]]),
    _hxm("v8", "", [1, 1, 1], [["None"], ["None"], ["None"]]),
]) + "\n"


def test_hx_measure_rows_classes_by_majority_and_two_annotators_naming_a_group():
    rows, counts = cd.hx_measure_rows(HX_MEASURE.encode())
    assert rows == [("v1", "@USER invented calm contempt for a group", "group-hate"),
                    ("v2", "invented hate with one annotator naming a group", "hate"),
                    ("v3", "invented kind words about a group URL", "group-normal"),
                    ("v5", "invented rude words at a group", "group-offensive"),
                    ("v7", "an invented ordinary post", "normal")]
    assert counts == {"read": 8, "no_majority": 1, "unsure": 1, "empty": 1, "group-hate": 1, "hate": 1,
                      "group-normal": 1, "group-offensive": 1, "normal": 1}
    with pytest.raises(ValueError, match="measuring split"):
        cd.load_hx_measure("train")


def test_public_proxy_ghc_test_classes_and_shares():
    import public_proxy as pp
    raw = ("text\thd\tcv\tvo\ninvented   contempt\t1\t0\t1\ninvented threat\t0\t1\t0\ninvented swearing\t0\t0\t1\n"
           "invented ordinary post\t0\t0\t0\n\t0\t0\t0\n" + "x" * (cd.PUBLIC_MAX_CHARS + 1) + "\t1\t0\t0\n").encode()
    rows = pp.ghc_test_rows(raw)
    assert rows == [("invented contempt", "ghc-hate"), ("invented threat", "ghc-hate"),
                    ("invented swearing", "ghc-vulgar"), ("invented ordinary post", "ghc-none")]
    with pytest.raises(ValueError, match="header"):
        pp.ghc_test_rows(b"id\ttweet\n1\tx\n")
    flags = np.zeros((4, len(cd.LABELS)), dtype=bool)
    flags[0, cd.L["discriminatory"]] = flags[1, cd.L["offensive"]] = flags[3, cd.L["conduct"]] = True
    out = pp.shares(np.array([c for _, c in rows]), flags)
    assert out == {"ghc-hate": (2, 0.5, 1.0, 1.0), "ghc-none": (1, 0.0, 0.0, 1.0), "ghc-vulgar": (1, 0.0, 0.0, 0.0)}
