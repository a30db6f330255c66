"""The concern model's written training data (benchmarks/training/data/): every line well-formed, the
same schema in every file, labels from the model's list, ids unique, and the excluded ids real; and how
train_concern_model.py prepares a run from such files (--unseen-writers: whole writers kept out of training
and of the held-out part), on invented files and a fake OLID/Davidson, without torch."""
import json
import sys
from pathlib import Path

import pytest

from auditor.analysers.text.model import LABELS

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks/training/data"
FIELDS = {"id", "text", "categories", "platform", "kind", "year", "voice", "severity", "note"}
KINDS = {"post", "reply", "comment", "caption", "repost", "like", "bio", "message"}
FILES = sorted(DATA.glob("writer_*.jsonl"))


def records(path):
    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n"), f"{path.name}: last line has no newline (truncated?)"
    return [json.loads(line) for line in raw.splitlines() if line.strip()]


def test_files_are_there():
    names = {p.name for p in FILES}     # writer_a..z, then two-letter files (writer_aa sorts after writer_a)
    assert {f"writer_{c}.jsonl" for c in "abcdefghijklmnopqrstuvwxyz"} <= names
    assert {f"writer_a{c}.jsonl" for c in "abcdefghi"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_line_follows_the_schema(path):
    for r in records(path):
        assert set(r) == FIELDS, (path.name, r.get("id"))
        assert isinstance(r["text"], str) and r["text"].strip(), r["id"]
        assert set(r["categories"]) <= set(LABELS), r["id"]
        assert r["kind"] in KINDS, r["id"]
        assert r["severity"] in {"high", "medium", "low", "none"}, r["id"]
        assert (r["severity"] == "none") == (r["categories"] == []), r["id"]


def test_ids_unique_and_exclusions_name_real_posts():
    ids = [r["id"] for p in FILES for r in records(p)]
    assert len(ids) == len(set(ids))
    excluded = [x.strip() for x in (DATA / "excluded_ids.txt").read_text(encoding="utf-8").splitlines()
                if x.strip() and not x.startswith("#")]
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import concern_data as cd
    public = tuple(f"{name}:" for name in cd.PUBLIC_EXTRA)    # a public corpus's near copies (ftp_overlap --public)
    assert excluded and {x for x in excluded if not x.startswith(public)} <= set(ids)


def test_reader_leaves_out_excluded_and_duplicate_posts():
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import concern_data as cd
    recs, problems = cd.read_written(DATA)
    assert problems == []
    got = {r["id"] for r in recs}
    assert not got & cd.excluded_ids(DATA)
    texts = [" ".join(r["text"].lower().split()) for r in recs]
    assert len(texts) == len(set(texts))


def test_check_written_passes_the_files_and_catches_bad_lines(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import check_written
    assert check_written.check(FILES) == []
    good = {"id": "z-0001", "text": "Invented post about a lovely walk", "categories": [], "platform": "twitter",
            "kind": "post", "year": 2020, "voice": "nurse, Leeds, 30", "severity": "none", "note": "clean"}
    bad = [dict(good, id="z-0002", text="z", categories=["rude"]), dict(good, id="z-0001", text="another text"),
           dict(good, id="z-0003", text="x", severity="high"), dict(good, id="z-0004", text="y", kind="tweet")]
    path = tmp_path / "writer_z.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in [good, *bad]) + "{not json\n", encoding="utf-8")
    problems = check_written.check([path])
    assert len(problems) == 5, problems
    assert any("categories" in p for p in problems) and any("also at" in p for p in problems)
    assert any("severity" in p for p in problems) and any("kind" in p for p in problems)
    assert any("not JSON" in p for p in problems)


def test_older_files_discriminatory_only_posts_leave_offensive_unknown(tmp_path):
    """prepare --dis-offensive-unknown: in the named files a post labelled discriminatory but not
    offensive trains no verdict on "offensive"; every other label and every other file is unchanged."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import concern_data as cd
    base = {"platform": "twitter", "kind": "post", "year": 2020, "voice": "nurse, Leeds, 30", "note": "n"}
    rows = {"writer_y.jsonl": [("y-1", "invented slur post one", ["discriminatory"]),
                               ("y-2", "invented insult one", ["offensive"]),
                               ("y-3", "invented clean one", [])],
            "writer_z.jsonl": [("z-1", "invented slur post two", ["discriminatory"])]}
    for name, recs in rows.items():
        (tmp_path / name).write_text("".join(
            json.dumps(dict(base, id=i, text=t, categories=c, severity="high" if c else "none")) + "\n"
            for i, t, c in recs), encoding="utf-8")
    off, dis = cd.L["offensive"], cd.L["discriminatory"]
    t, _ = cd.build(tmp_path, data_dir=tmp_path, written_only=True, dis_offensive_unknown=("writer_y.jsonl",))
    mask = dict(zip(t.rowid, t.mask))
    assert mask["y-1"][off] == 0 and mask["y-1"][dis] == 1
    assert mask["y-2"][off] == 1 and mask["y-3"][off] == 1 and mask["z-1"][off] == 1
    t0, _ = cd.build(tmp_path, data_dir=tmp_path, written_only=True)
    assert all(m[off] == 1 for m in t0.mask)
    # a name that is no writer file (misspelt, or several joined by commas) is refused, not ignored
    with pytest.raises(ValueError, match="not writer files"):
        cd.build(tmp_path, data_dir=tmp_path, written_only=True, dis_offensive_unknown=("writer_y.jsonl,writer_z.jsonl",))


def test_ordinary_weights_give_each_group_its_share():
    """The stage-5 threshold rule's stand-in for a real archive: written ordinary posts 1/2, OLID NOT 1/3,
    Davidson 'neither' 1/6 (renormalised over the groups present); other rows weigh nothing."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import numpy as np
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import concern_data as cd
    t = cd.Table()
    clean, conc = np.zeros(len(cd.OUTPUTS), dtype=np.float32), np.zeros(len(cd.OUTPUTS), dtype=np.float32)
    conc[cd.L["grievance"]] = 1
    ones = np.ones(len(cd.OUTPUTS), dtype=np.float32)
    for i in range(4):
        t.add(f"ordinary {i}", clean, ones, "written", cd.ORDINARY_FILES[0], f"o-{i}")
    t.add("a complaint", conc, ones, "written", cd.ORDINARY_FILES[0], "o-9")   # not clean: not ordinary
    t.add("clean, other file", clean, ones, "written", "writer_zz.jsonl", "z-1")
    for i in range(2):
        t.add(f"tweet {i}", clean, ones, "olid", "NOT", f"olid:{i}")
    t.add("insult", clean, ones, "olid", "OFF", "olid:9")
    t.add("neither", clean, ones, "davidson", "neither", "davidson:1")
    w = cd.ordinary_weights(t)
    assert np.allclose(w, [1 / 8] * 4 + [0, 0] + [1 / 6] * 2 + [0] + [1 / 6])
    t2 = t.subset([0, 1, 6])                     # no Davidson rows: written 3/5, OLID 2/5
    assert np.allclose(cd.ordinary_weights(t2), [0.3, 0.3, 0.4])


def test_budget_threshold_stops_at_the_recall_guard():
    """A threshold rises for the ordinary-post budget, but never costs more recall than the guard."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import numpy as np
    import train_concern_model as tcm
    p = np.array([0.9, 0.8, 0.6, 0.5, 0.45, 0.4, 0.7, 0.55, 0.3, 0.1])
    pos = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], dtype=bool)
    ow = np.array([0, 0, 0, 0, 0, 0, 0.25, 0.25, 0.25, 0.25])
    assert tcm.budget_threshold(p, ow, pos, 0.35, budget=0.30, guard=0.5) == 0.56     # 0.7 still flagged
    assert tcm.budget_threshold(p, ow, pos, 0.35, budget=0.30, guard=0.2) == 0.45     # recall 1.0 -> 0.83
    assert tcm.budget_threshold(p, ow, pos, 0.35, budget=0.60, guard=0.0) == 0.35     # budget met already


def test_match_recall_lowers_a_threshold_only_where_recall_falls_short():
    """assemble --match-recall: a label whose held-out recall is below the reference model's gets the
    highest threshold that reaches it; a label already at or above keeps its threshold; rows whose label
    is unknown, and rows outside the matched set, do not count."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import numpy as np
    import train_concern_model as tcm
    n, k = 6, len(LABELS)
    p = np.full((n, k), 0.9)
    y = np.zeros((n, k))
    mask = np.ones((n, k))
    y[:4, 0] = 1                                   # label 0: four positives scored 0.9, 0.6, 0.35, 0.2
    p[:4, 0] = [0.9, 0.6, 0.35, 0.2]
    y[:4, 1] = 1                                   # label 1: every positive already flagged
    y[4, 0], mask[4, 0] = 1, 0                     # a positive whose label is unknown: ignored
    p[4, 0] = 0.01
    written = np.array([1, 1, 1, 1, 1, 0], dtype=bool)
    y[5, 2], p[5, 2] = 1, 0.05                     # label 2: its one positive is outside the matched rows
    ref = np.zeros((n, k), dtype=bool)
    ref[:3, 0] = True                              # the reference catches 3 of the 4 label-0 positives
    ref[:4, 1] = True
    ref[5, 2] = True
    thr = np.full(k, 0.5)
    out, info = tcm.match_recall(p, y, mask, written, ref, thr)
    assert out[0] == 0.35 and info[LABELS[0]]["recall"] == 0.75
    assert out[1] == 0.5 and out[2] == 0.5         # at the reference already / nothing to match
    assert (out <= thr).all() and thr[0] == 0.5    # never raised; the caller's array is left alone
    assert LABELS[2] not in info
    out, info = tcm.match_recall(p, y, mask, written, ref, thr, exact=True)
    assert out[0] == 0.35                          # lowered as before
    assert out[1] == 0.9 and info[LABELS[1]]["recall"] == 1.0   # raised as far as every positive stays caught


def test_guard_hate_lowers_only_the_offensive_threshold_and_only_as_far_as_needed():
    """assemble --guard-hate: when the hate rows caught (offensive or discriminatory) fall more than DROP
    below the reference's share, the offensive threshold goes down to the highest grid value that restores
    it; within DROP, or for other labels, nothing moves; never raised."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import numpy as np
    import train_concern_model as tcm
    off, dis = tcm.cd.L["offensive"], tcm.cd.L["discriminatory"]
    k = len(LABELS)
    p = np.zeros((6, k))
    p[:5, off] = [0.9, 0.5, 0.36, 0.33, 0.1]        # five hate rows by their offensive probability
    p[4, dis] = 0.8                                 # the last caught as discriminatory
    hate = np.array([1, 1, 1, 1, 1, 0], dtype=bool)
    p[5, off] = 0.37                                # not a hate row: never counted
    thr = np.full(k, 0.4)
    out, info = tcm.guard_hate(p, hate, ref_caught=1.0, thr=thr, drop=0.2)   # caught 3 of 5 = 0.6 < 0.8
    assert out[off] == 0.36 and info["before"] == 0.6 and info["after"] == 0.8
    assert (np.delete(out, off) == 0.4).all() and thr[off] == 0.4         # nothing else moves; input kept
    out, info = tcm.guard_hate(p, hate, ref_caught=0.8, thr=thr, drop=0.2)   # 0.6 >= 0.6: within DROP
    assert out[off] == 0.4 and info["after"] == 0.6
    out, _ = tcm.guard_hate(p, hate, ref_caught=1.0, thr=thr, drop=0.0)      # all five: the last row is
    assert out[off] == 0.33                                                 # caught as discriminatory already


def test_guard_hate_cheaper_moves_the_threshold_that_flags_fewer_ordinary_rows():
    """assemble --guard-hate-on cheaper: the offensive and the discriminatory threshold are each tried alone;
    the one whose move flags the smaller weight of ordinary rows not flagged before is lowered (a tie: the
    offensive one); without ordinary weights the offensive one moves, as before."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import numpy as np
    import train_concern_model as tcm
    off, dis = tcm.cd.L["offensive"], tcm.cd.L["discriminatory"]
    k = len(LABELS)
    p = np.zeros((6, k))
    p[:2, off] = [0.9, 0.2]                 # two hate rows: the second needs offensive 0.2 ...
    p[1, dis] = 0.3                          # ... or discriminatory 0.3
    p[2:5, off] = 0.25                       # three ordinary rows an offensive threshold of 0.2 would flag
    p[5, dis] = 0.35                         # one ordinary row a discriminatory threshold of 0.3 would flag
    hate = np.array([1, 1, 0, 0, 0, 0], dtype=bool)
    ordinary = np.array([0, 0, 0.25, 0.25, 0.25, 0.25])
    thr = np.full(k, 0.4)
    out, info = tcm.guard_hate(p, hate, ref_caught=1.0, thr=thr, drop=0.0, ordinary=ordinary)
    assert out[dis] == 0.3 and out[off] == 0.4 and info["after"] == 1.0
    assert info["ordinary_added"] == 0.25 and info["tried"] == {"offensive": 0.75, "discriminatory": 0.25}
    out, info = tcm.guard_hate(p, hate, ref_caught=1.0, thr=thr, drop=0.0)            # offensive only
    assert out[off] == 0.2 and out[dis] == 0.4 and "ordinary_added" not in info
    p[5, dis] = 0.0                          # now neither move flags an ordinary row the other would not ...
    p[2:5, off] = 0.0
    out, info = tcm.guard_hate(p, hate, ref_caught=1.0, thr=thr, drop=0.0, ordinary=ordinary)
    assert out[off] == 0.2 and out[dis] == 0.4                                       # ... a tie: offensive


def test_teacher_cache_is_reused_for_the_same_table_and_fills_only_missing_rows(tmp_path):
    """teacher_cache: a copied teacher.npz serves a run on the same table (row ids equal), and only the
    rows it lacks are left to compute; another teacher, or another table, makes it unused."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import numpy as np
    import train_concern_model as tcm
    k = len(tcm.cd.OUTPUTS)
    logits = np.full((4, k), np.nan, dtype=np.float32)
    logits[[0, 1]] = 1.5                                  # the earlier run trained on rows 0 and 1
    path = tmp_path / "teacher.npz"
    np.savez_compressed(path, logits=logits, teacher="T.pt", rowid=np.array(["a", "b", "c", "d"]))
    out, need = tcm.teacher_cache(path, "T.pt", ["a", "b", "c", "d"], np.array([0, 2]))
    assert need.tolist() == [2] and out[0, 0] == 1.5 and np.isnan(out[2]).all()
    out, need = tcm.teacher_cache(path, "T.pt", ["a", "b", "c", "d"], np.array([0, 1]))
    assert need.tolist() == []                            # everything cached: nothing to compute
    for teacher, rowid in (("other.pt", ["a", "b", "c", "d"]), ("T.pt", ["a", "b", "x", "d"])):
        out, need = tcm.teacher_cache(path, teacher, rowid, np.array([0, 1]))
        assert need.tolist() == [0, 1] and np.isnan(out).all()
    out, need = tcm.teacher_cache(tmp_path / "none.npz", "T.pt", ["a"], np.array([0]))
    assert need.tolist() == [0]


def test_average_is_the_weighted_mean_of_two_models(tmp_path):
    """train_concern_model average: (1 - mix) x A + mix x B weight by weight, into a prepared run folder,
    refused for models of different shapes and for a run that has a model already."""
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import argparse
    import json as js
    import train_concern_model as tcm
    a_pt, b_pt, odd_pt = tmp_path / "a.pt", tmp_path / "b.pt", tmp_path / "odd.pt"
    torch.save({"model": {"w": torch.zeros(2, 3), "n": torch.tensor([7])}}, a_pt)
    torch.save({"model": {"w": torch.ones(2, 3) * 4, "n": torch.tensor([7])}}, b_pt)
    torch.save({"model": {"w": torch.ones(3, 2), "n": torch.tensor([7])}}, odd_pt)
    run = tmp_path / "run"
    run.mkdir()
    (run / "settings.json").write_text(js.dumps({"max_length": 96}), encoding="utf-8")
    args = argparse.Namespace(run=str(run), weights=str(a_pt), with_=str(b_pt), mix=0.25)
    tcm.average(args)
    got = torch.load(run / "model.pt", weights_only=False)["model"]
    assert torch.allclose(got["w"], torch.ones(2, 3)) and got["n"].tolist() == [7]
    assert js.loads((run / "settings.json").read_text())["average"]["mix"] == 0.25
    with pytest.raises(SystemExit, match="exists already"):
        tcm.average(args)
    (run / "model.pt").unlink()
    with pytest.raises(SystemExit, match="same shape"):
        tcm.average(argparse.Namespace(run=str(run), weights=str(a_pt), with_=str(odd_pt), mix=0.5))


def test_compare_heldout_scores_each_label_on_its_known_rows_only():
    """compare_heldout.py: average precision and ROC AUC per label over the rows whose label is known; a
    label with no positive (or no negative) there gives NaN, never a figure."""
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import numpy as np
    import compare_heldout as ch
    n, k = 6, len(LABELS)
    z = np.zeros((n, k))
    y = np.zeros((n, k), dtype=bool)
    known = np.ones((n, k), dtype=bool)
    y[:2, 0], z[:, 0] = True, [3, 2, 1, 0, -1, -2]       # label 0: both positives ranked first
    y[:2, 1], z[:, 1] = True, [-2, 2, 3, 0, -1, 1]       # label 1: one positive ranked last
    known[0, 1] = False                                  # ... but that row's label is unknown
    y[:, 2] = False                                      # label 2: no positive at all
    out = ch.label_scores(z, y, known)
    assert out[0][:2] == (1.0, 1.0) and out[0][2] == 2
    assert out[1][2] == 1 and out[1][0] == pytest.approx(0.5)     # the known positive ranks second of five
    assert all(np.isnan(v) for v in out[2][:2])


# ---- prepare --unseen-writers: whole writers kept out of training and of the held-out part ---------------
WRITERS = ("writer_a.jsonl", "writer_b.jsonl", "writer_p.jsonl", "writer_s.jsonl")
UNSEEN = "writer_p.jsonl,writer_s.jsonl"


def _corpus(tmp_path, extra=None):
    """Invented writer files (24 posts each, three label patterns) and a tiny OLID and Davidson beside them
    in a fake shared folder; `extra`: {file or "olid": [text, ...]} added posts."""
    extra = extra or {}
    base = {"platform": "twitter", "kind": "post", "year": 2020, "voice": "nurse, Leeds, 30", "note": "n"}
    data = tmp_path / "data"
    data.mkdir()
    for name in WRITERS:
        stem = name.removesuffix(".jsonl")
        posts = [(f"{stem} invented post number {i}", [["offensive"], ["grievance"], []][i % 3]) for i in range(24)]
        posts += [(text, []) for text in extra.get(name, [])]
        (data / name).write_text("".join(
            json.dumps(dict(base, id=f"{stem}-{i}", text=x, categories=c, severity="medium" if c else "none")) + "\n"
            for i, (x, c) in enumerate(posts)), encoding="utf-8")
    olid = tmp_path / "shared/corpora/offensive/olid/olid-training-v1.0.tsv"
    olid.parent.mkdir(parents=True)
    tweets = [f"invented tweet {i}" for i in range(20)] + extra.get("olid", [])
    olid.write_text("id\ttweet\tsubtask_a\tsubtask_b\tsubtask_c\n" + "".join(
        f"{i}\t{x}\t{'OFF' if i % 2 else 'NOT'}\tNULL\tNULL\n" for i, x in enumerate(tweets)), encoding="utf-8")
    dav = tmp_path / "shared/corpora/offensive/davidson/labeled_data.dev.csv"
    dav.parent.mkdir(parents=True)
    dav.write_text(",count,hate_speech,offensive_language,neither,class,tweet\n" + "".join(
        f"{i},3,0,0,3,{i % 3},invented davidson tweet {i}\n" for i in range(15)), encoding="utf-8")


def _prepare(tmp_path, name, *opts):
    """train_concern_model.py prepare on the _corpus files, as the command line gives it; the run folder."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import train_concern_model as tcm
    a = tcm.parser().parse_args(["prepare", "--run", str(tmp_path / name), "--data-dir", str(tmp_path / "data"),
                                 "--shared", str(tmp_path / "shared"), *opts])
    tcm.prepare(a)
    return tcm.Run(tmp_path / name)


@pytest.fixture
def no_tokenizer(monkeypatch):
    """prepare caches token ids: a stand-in tokenizer, so that the tests need neither torch nor MiniLM."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import types

    import train_concern_model as tcm
    monkeypatch.setattr(tcm, "tokenizer", lambda enc, n: types.SimpleNamespace(ids=lambda texts: [[1, 2]] * len(texts)))


def test_a_run_without_unseen_writers_keeps_the_split_it_had(tmp_path, no_tokenizer):
    """Without --unseen-writers: split.npz, settings and data summary as before; the held-out part is
    concern_data.holdout's; nothing is unseen; every kept row of the training part is trained on."""
    import numpy as np

    import concern_data as cd
    _corpus(tmp_path)
    run = _prepare(tmp_path, "run")
    t, _ = run.table()
    with np.load(run.dir / "split.npz") as z:
        assert set(z.files) == {"heldout", "keep"}
    held = run.split()
    assert list(held) == list(cd.holdout(t, 0.15, seed=13, version=2)) and held.any()
    assert "unseen_writers" not in run.settings
    assert "unseen" not in json.loads((run.dir / "data_summary.json").read_text(encoding="utf-8"))
    assert not run.unseen_mask().any() and run.unseen().texts == []
    assert list(run.training_rows()) == list(np.flatnonzero(~held))


def test_unseen_writers_rows_are_neither_held_out_nor_trained_on(tmp_path, no_tokenizer):
    """prepare --unseen-writers: the unseen rows are exactly the named files' rows; none is held out or
    trained on (nor with --on all, which trains on the held-out part); every other row keeps the side a
    run without the option gives it."""
    import numpy as np

    import concern_data as cd
    _corpus(tmp_path)
    run = _prepare(tmp_path, "run", "--unseen-writers", UNSEEN)
    t, _ = run.table()
    unseen, held = run.unseen_mask(), run.split()
    named = np.array([s == "written" and o in ("writer_p.jsonl", "writer_s.jsonl")
                      for s, o in zip(t.source, t.orig)])
    assert named.sum() == 48 and list(unseen) == list(named)
    assert not (held & unseen).any()
    assert list(held) == list(cd.holdout(t, 0.15, seed=13, version=2) & ~unseen)
    assert held[[o == "writer_a.jsonl" for o in t.orig]].any()       # the other writers are still held out in part
    rows = run.training_rows()
    assert not unseen[rows].any() and not held[rows].any()
    assert sorted(rows) == list(np.flatnonzero(~held & ~unseen))
    assert sorted(run.unseen().rowid) == sorted(r for r, u in zip(t.rowid, unseen) if u)
    assert run.settings["unseen_writers"] == ["writer_p.jsonl", "writer_s.jsonl"]
    summary = json.loads((run.dir / "data_summary.json").read_text(encoding="utf-8"))
    assert summary["unseen"] == {"writers": ["writer_p.jsonl", "writer_s.jsonl"], "rows": 48, "copies_elsewhere": 0}
    assert summary["training_rows"]["written"] == len(rows) - sum(s != "written" for s in np.array(t.source)[rows])
    every = _prepare(tmp_path, "run-all", "--unseen-writers", UNSEEN, "--on", "all")
    assert sorted(every.training_rows()) == list(np.flatnonzero(~every.unseen_mask()))


def test_a_copy_of_an_unseen_post_elsewhere_is_unseen_too(tmp_path, no_tokenizer):
    """A row of another writer file or of a public corpus whose text equals an unseen writer's post (after
    concern_data.split_key) is marked unseen as well: never trained on, never held out."""
    import numpy as np
    post = "invented post about the night shift"
    _corpus(tmp_path, {"writer_p.jsonl": [post], "writer_a.jsonl": ["Invented: post about the night-shift!!"],
                       "olid": ["@USER invented post about the night shift"]})
    run = _prepare(tmp_path, "run", "--unseen-writers", UNSEEN)
    t, _ = run.table()
    copies = [i for i, (s, o) in enumerate(zip(t.source, t.orig))
              if "night" in t.texts[i] and not (s == "written" and o == "writer_p.jsonl")]
    assert len(copies) == 2
    unseen = run.unseen_mask()
    assert unseen[copies].all() and not run.split()[copies].any()
    assert not set(copies) & set(run.training_rows())
    assert json.loads((run.dir / "data_summary.json").read_text(encoding="utf-8"))["unseen"]["copies_elsewhere"] == 2
    assert not np.isin(run.training_rows(), np.flatnonzero(unseen)).any()


def test_holdout_like_keeps_the_unseen_writers_and_refuses_another_list(tmp_path, no_tokenizer):
    """A later stage (--holdout-like RUN) takes RUN's unseen writers over, or accepts the same list; a
    different one (or naming writers RUN trained on) is refused before anything is written, as is a name
    that is not a writer file."""
    _corpus(tmp_path)
    first = _prepare(tmp_path, "first", "--unseen-writers", UNSEEN)
    later = _prepare(tmp_path, "later", "--holdout-like", str(first.dir))
    assert later.settings["unseen_writers"] == first.settings["unseen_writers"]
    assert list(later.unseen_mask()) == list(first.unseen_mask()) and list(later.split()) == list(first.split())
    same = _prepare(tmp_path, "same", "--holdout-like", str(first.dir), "--unseen-writers",
                    "writer_s.jsonl,writer_p.jsonl")
    assert list(same.unseen_mask()) == list(first.unseen_mask())
    with pytest.raises(SystemExit, match="keeps them"):
        _prepare(tmp_path, "other", "--holdout-like", str(first.dir), "--unseen-writers", "writer_s.jsonl")
    assert not (tmp_path / "other").exists()
    plain = _prepare(tmp_path, "plain")
    with pytest.raises(SystemExit, match=r"has unseen writers \(none\)"):
        _prepare(tmp_path, "late", "--holdout-like", str(plain.dir), "--unseen-writers", "writer_p.jsonl")
    with pytest.raises(SystemExit, match="expected writer file names such as writer_p.jsonl"):
        _prepare(tmp_path, "typo", "--unseen-writers", "writer_p")


def test_evaluate_reads_the_unseen_writers_of_a_run(tmp_path, no_tokenizer, capsys):
    """evaluate_concern_model.py --heldout RUN: a section on RUN's unseen writers' posts (section 1b's
    written-post figures, per file) for a run that has them, nothing for one that has not."""
    import types

    import numpy as np

    import evaluate_concern_model as ev
    _corpus(tmp_path)
    run = _prepare(tmp_path, "run", "--unseen-writers", UNSEEN)
    plain = _prepare(tmp_path, "plain")
    model = types.SimpleNamespace(predict=lambda texts: np.array([[0.9 * x.endswith("number 0")] * len(LABELS)
                                                                  for x in texts]), flags=lambda p: p >= 0.5)
    capsys.readouterr()
    ev.unseen(model, plain.dir)
    assert capsys.readouterr().out == ""
    ev.unseen(model, run.dir)
    out = capsys.readouterr().out
    assert "Unseen writers of run (writer_p.jsonl, writer_s.jsonl; n=48;" in out
    assert "our written posts (n=48, 16 clean)" in out
    assert ("per file: writer_p clean flagged 0.000 of 8, concerning caught 0.062 of 16;  writer_s clean flagged "
            "0.000 of 8, concerning caught 0.062 of 16") in out
    assert "writer_a" not in out


def test_guard_group_hate_lowers_only_the_discriminatory_threshold_to_the_reference_share():
    """assemble --guard-group-hate: when fewer of HateXplain's validation group-hate posts are flagged
    discriminatory than the reference's share minus DROP, the discriminatory threshold goes down to the highest
    grid value that restores it; never raised; when no grid value does, the lowest is used and the note says
    it was not reached."""
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import numpy as np
    import train_concern_model as tcm
    dis = tcm.cd.L["discriminatory"]
    k = len(LABELS)
    p = np.array([0.9, 0.5, 0.31, 0.22, 0.0])     # five posts' discriminatory probabilities
    thr = np.full(k, 0.4)
    out, info = tcm.guard_group_hate(p, ref_share=0.8, thr=thr, drop=0.0)      # 2 of 5 = 0.4 < 0.8
    assert out[dis] == 0.22 and info["before"] == 0.4 and info["after"] == 0.8 and info["reached"]
    assert (np.delete(out, dis) == 0.4).all() and thr[dis] == 0.4           # nothing else moves; input kept
    out, info = tcm.guard_group_hate(p, ref_share=0.6, thr=thr, drop=0.0)      # 0.6 needs 0.31
    assert out[dis] == 0.31 and info["after"] == 0.6
    out, info = tcm.guard_group_hate(p, ref_share=0.6, thr=thr, drop=0.2)      # 0.4 >= 0.4: within DROP
    assert out[dis] == 0.4 and "reached" not in info
    out, info = tcm.guard_group_hate(p, ref_share=1.0, thr=thr, drop=0.0)      # the 0.0 post: no grid value
    assert out[dis] == 0.02 and info["reached"] is False and info["after"] == 0.8
    out, info = tcm.guard_group_hate(np.array([]), ref_share=1.0, thr=thr, drop=0.0)
    assert out[dis] == 0.4 and info == {"rows": 0}


def test_cascade_sends_on_the_cheap_models_ratio_and_keeps_only_the_teachers_flags_there():
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import cascade
    import numpy as np
    probs = np.array([[0.10, 0.02], [0.30, 0.01], [0.05, 0.60]])
    th = np.array([0.5, 0.4])
    r = cascade.send_ratio(probs, th)
    assert np.allclose(r, [0.2, 0.6, 1.5])
    teacher = np.array([[True, False], [False, True], [False, False]])
    got = cascade.cascade_flags(r >= 0.3, teacher)
    assert got.tolist() == [[False, False], [False, True], [False, False]]


def test_split_weights_keeps_the_model_and_every_file_under_the_limit(tmp_path):
    """A model's weights moved into files beside the graph, none over the limit, read back by
    onnxruntime with the same output (needs the training extra's onnx)."""
    onnx = pytest.importorskip("onnx")
    import numpy as np
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import train_concern_model as tcm
    rng = np.random.default_rng(3)
    ws = [rng.standard_normal((512, 512)).astype(np.float32) for _ in range(3)]     # 1 MB each
    nodes, prev = [], "x"
    for k in range(3):
        nodes.append(helper.make_node("MatMul", [prev, f"w{k}"], [f"h{k}"]))
        prev = f"h{k}"
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 512])],
                              [helper.make_tensor_value_info(prev, TensorProto.FLOAT, [1, 512])],
                              [numpy_helper.from_array(w, f"w{k}") for k, w in enumerate(ws)])
    path = tmp_path / "m.onnx"
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    x = rng.standard_normal((1, 512)).astype(np.float32)
    before = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    names = tcm.split_weights(path, 2.2)
    assert names == ["m.weights-1.bin", "m.weights-2.bin"]
    assert all((tmp_path / n).stat().st_size <= 2.2e6 for n in names)
    assert path.stat().st_size < 100_000
    after = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    assert np.array_equal(before, after)
    with pytest.raises(SystemExit, match="larger than"):
        tcm.split_weights(_one_weight_model(tmp_path, ws[0]), 0.5)


def _one_weight_model(tmp_path, w):
    """A one-weight model whose weight (1 MB) is larger than a 0.5 MB limit."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 512])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 512])],
                              [numpy_helper.from_array(w, "w")])
    p = tmp_path / "one.onnx"
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(p))
    return p



def test_twin_pairs_neighbouring_posts_of_one_file():
    import numpy as np
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import concern_data as cd
    t = cd.Table()
    lab = np.zeros(len(cd.OUTPUTS), dtype=np.float32)
    conduct = lab.copy()
    conduct[cd.L["conduct"]] = 1
    m = np.ones(len(cd.OUTPUTS), dtype=np.float32)
    rows = [("on call tonight and the pub does cheap cocktails, phone on loud", conduct, "writer_x.jsonl"),
            ("off call tonight and the pub does cheap cocktails, phone on silent", lab, "writer_x.jsonl"),
            ("a lovely walk on the beach", lab, "writer_x.jsonl"),                 # clean beside clean
            ("off call tonight and the pub does cheap cocktails, phone on silent", lab, "writer_y.jsonl"),
            ("on call tonight and the pub does cheap cocktails, phone on loud", conduct, "writer_z.jsonl")]
    for i, (text, y, f) in enumerate(rows):
        t.add(text, y, m, "written", f, f"r{i}")
    t.add("on call tonight and the pub does cheap cocktails", lab, m, "olid", "NOT", "olid:1")
    pairs = cd.twin_pairs(t)
    assert pairs.tolist() == [[0, 1]]           # other files and public rows are never twins
    assert cd.twin_pairs(t, min_jaccard=0.99).shape == (0, 2)


def test_twin_loss_asks_the_concerning_twin_to_score_higher():
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import concern_data as cd
    import train_concern_model as tcm
    y = torch.zeros(4, len(cd.OUTPUTS))
    y[2, cd.L["conduct"]] = 1
    z = torch.zeros(2, len(cd.LABELS), requires_grad=True)
    loss = tcm.twin_loss(z, [2, 3], [(2, 3)], y)
    assert float(loss) == pytest.approx(float(torch.nn.functional.softplus(torch.tensor(0.0))))
    loss.backward()
    j = cd.L["conduct"]
    assert z.grad[0, j] < 0 < z.grad[1, j]                  # descent raises the concern, lowers the twin
    assert float(z.grad[:, [k for k in range(len(cd.LABELS)) if k != j]].abs().sum()) == 0


def test_twin_order_counts_pairs_where_the_concern_scores_higher(capsys):
    import numpy as np
    sys.path.insert(0, str(ROOT / "benchmarks/training"))
    import compare_heldout as ch
    import concern_data as cd
    t = cd.Table()
    m = np.ones(len(cd.OUTPUTS), dtype=np.float32)
    y0 = np.zeros(len(cd.OUTPUTS), dtype=np.float32)
    y1 = y0.copy()
    y1[cd.L["conduct"]] = 1
    for i, (text, y) in enumerate([("pints on call tonight at the Crown", y1), ("pints off call tonight at the Crown", y0),
                                   ("drunk on shift at the Crown again", y1), ("sober on shift at the Crown again", y0)]):
        t.add(text, y, m, "written", "writer_x.jsonl", f"r{i}")
    y, _ = t.arrays()
    z_good = np.zeros((4, len(cd.LABELS)))
    z_good[[0, 2], cd.L["conduct"]] = 2.0
    z_half = z_good.copy()
    z_half[3, cd.L["conduct"]] = 3.0
    ch.twin_order(["good", "half"], [z_good, z_half], t, y[:, :len(cd.LABELS)] == 1)
    out = capsys.readouterr().out
    assert "2 pairs, 2 (pair, label)" in out
    assert "good  1.000" in out and "half  0.500 -0.500" in out


def test_screening_writers_are_unseen_unless_asked(tmp_path, no_tokenizer):
    """The screening files (rule Z: writer_al, writer_am) are unseen in every run without being named;
    --train-on-screen trains on them."""
    _corpus(tmp_path)
    base = {"platform": "twitter", "kind": "post", "year": 2021, "voice": "nurse, Leeds, 30", "note": "n"}
    (tmp_path / "data" / "writer_al.jsonl").write_text("".join(
        json.dumps(dict(base, id=f"al-{i}", text=f"screening post {i}", categories=["conduct"] if i % 2 else [],
                        severity="medium" if i % 2 else "none")) + "\n" for i in range(6)), encoding="utf-8")
    run = _prepare(tmp_path, "run")
    t, _ = run.table()
    al = [o == "writer_al.jsonl" for o in t.orig]
    assert run.settings["unseen_writers"] == ["writer_al.jsonl"] and list(run.unseen_mask()) == al
    assert not set(run.training_rows()) & {i for i, x in enumerate(al) if x}
    named = _prepare(tmp_path, "named", "--unseen-writers", "writer_p.jsonl")
    assert named.settings["unseen_writers"] == ["writer_al.jsonl", "writer_p.jsonl"]
    trained = _prepare(tmp_path, "trained", "--train-on-screen")
    assert "unseen_writers" not in trained.settings and not trained.unseen_mask().any()
