"""reader_agreement.py: blind readers against a labelled set (invented posts)."""
import json
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "training"))
import reader_agreement as ra


def test_kappa_perfect_chance_and_opposite():
    a = np.array([True, True, False, False])
    assert ra.kappa(a, a) == pytest.approx(1.0)
    assert ra.kappa(a, ~a) == pytest.approx(-1.0)
    assert ra.kappa(a, np.array([True, False, True, False])) == pytest.approx(0.0)


def test_figures_recall_precision_clean():
    truth = [{"offensive"}, {"offensive", "grievance"}, set(), set()]
    flags = [{"offensive"}, {"grievance"}, {"conduct"}, set()]
    f = ra.figures(flags, truth)
    assert f["per"]["offensive"][:2] == (1.0, 0.5)
    assert f["per"]["grievance"][:2] == (1.0, 1.0)
    assert np.isnan(f["per"]["conduct"][1]) and f["per"]["conduct"][0] == 0.0
    assert f["post_recall"] == 1.0
    assert (f["clean_flagged"], f["clean"]) == (1, 2)
    assert f["mean_recall"] == pytest.approx(0.75)      # offensive 0.5, grievance 1.0


def _write(path: Path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_main_readers_only(tmp_path, capsys):
    ftp = tmp_path / "shared" / "corpora" / "ftp"
    ftp.mkdir(parents=True)
    _write(ftp / "part-a.jsonl", [{"id": "a1", "text": "x", "categories": ["conduct"]},
                                 {"id": "a2", "text": "y", "categories": []}])
    _write(ftp / "part-b.jsonl", [{"id": "b1", "text": "z", "categories": ["misinformation"]}])
    r1, r2 = tmp_path / "r1.jsonl", tmp_path / "r2.jsonl"
    _write(r1, [{"id": "a1", "categories": ["conduct"]}, {"id": "a2", "categories": []},
                {"id": "b1", "categories": []}])
    _write(r2, [{"id": "a1", "categories": ["conduct", "workplace"]}, {"id": "a2", "categories": ["offensive"]}])
    ra.main(["--shared", str(tmp_path / "shared"), "--reader", f"r1={r1}", "--reader", f"r2={r2}", "--no-model"])
    out = capsys.readouterr().out
    assert "reader r1: 3 posts, 1 clean" in out
    assert "r1 against r2: 2 posts both read" in out
    assert "any concern      agree 0.500" in out


def test_refuses_unknown_category_and_id(tmp_path):
    bad = tmp_path / "bad.jsonl"
    _write(bad, [{"id": "a1", "categories": ["rude"]}])
    with pytest.raises(SystemExit, match="unknown categories"):
        ra.read_labels([bad])
    twice = tmp_path / "twice.jsonl"
    _write(twice, [{"id": "a1", "categories": []}, {"id": "a1", "categories": []}])
    with pytest.raises(SystemExit, match="labelled twice"):
        ra.read_labels([twice])


def test_clear_cases_split_the_models_recall(capsys):
    ids = ["p1", "p2", "p3", "p4"]
    truth = [{"conduct"}, {"conduct"}, set(), set()]
    A = {"p1": {"conduct"}, "p2": set(), "p3": set(), "p4": {"offensive"}}
    B = {"p1": {"conduct"}, "p2": {"conduct"}, "p3": set(), "p4": set()}
    model = {"p1": {"conduct"}, "p2": set(), "p3": {"offensive"}, "p4": set()}
    ra.clear(ids, truth, A, B, model)
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("conduct"))
    assert row.split()[1:] == ["1", "1.000", "1", "0.000"]
    assert "neither reader flags: 1 of 2; the model flags 1 of them, and 0 of the other 1" in out


def test_set_replaces_the_validation_set(tmp_path, capsys):
    own = tmp_path / "sample.jsonl"
    _write(own, [{"id": "w1", "text": "x", "categories": ["boundaries"]}, {"id": "w2", "text": "y", "categories": []}])
    r = tmp_path / "r.jsonl"
    _write(r, [{"id": "w1", "categories": ["boundaries"]}, {"id": "w2", "categories": ["conduct"]}])
    ra.main(["--set", str(own), "--reader", f"r={r}", "--no-model", "--shared", str(tmp_path / "nowhere")])
    out = capsys.readouterr().out
    assert "reader r: 2 posts, 1 clean" in out and "clean flagged              1 (1.000)" in out
    with pytest.raises(SystemExit, match="labelled posts not found"):
        ra.main(["--reader", f"r={r}", "--no-model", "--shared", str(tmp_path / "nowhere")])


def test_evaluate_section_two_on_other_labelled_posts(tmp_path, capsys):
    """evaluate_concern_model --posts: section 2's figures on a writer file instead of ftp (rule Z)."""
    import evaluate_concern_model as ev
    posts = tmp_path / "writer_zz.jsonl"
    _write(posts, [{"id": "z1", "text": "drunk on shift", "categories": ["conduct"]},
                   {"id": "z2", "text": "a walk", "categories": []},
                   {"id": "z3", "text": "a jog", "categories": []}])

    class Stub:
        def predict(self, texts):
            return np.array([[1.0 if t in ("drunk on shift", "a jog") else 0.0] * len(ev.LABELS) for t in texts])

        def flags(self, probs):
            return probs > 0.5
    ev.ftp(Stub(), tmp_path / "no-shared", [posts])
    out = capsys.readouterr().out
    assert "== 2. writer_zz.jsonl (n=3, 2 clean;" in out
    assert "recall 1.000 of 1 concerning;  clean flagged 0.500 (1 of 2)" in out
