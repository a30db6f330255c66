"""The cascade choices of rules X, S, T, K and U2 (benchmarks/training/either_choice.py, send_choice.py,
threshold_choice.py, co_choice.py, recall_choice.py) simulate the shipped cascade from cached scores: the simulation must flag exactly what
model.Cascade flags for the same small-model and teacher scores, whatever the send shares (one or per
label), the `either` labels and the teacher's thresholds. Invented scores, no model file read."""
import sys
from pathlib import Path

import numpy as np
import pytest

from auditor.analysers.text import model as cm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks/training"))
ec = pytest.importorskip("either_choice")
sc = pytest.importorskip("send_choice")
co = pytest.importorskip("co_choice")


class Fake:
    def __init__(self, probs: np.ndarray, thresholds: np.ndarray):
        self.probs, self.thresholds, self.labels, self.meta = probs, thresholds.astype(np.float32), cm.LABELS, {}
        self.data_dir, self.rows_run = Path("."), 0

    def predict(self, texts):
        return self.probs[[int(t) for t in texts]]


@pytest.mark.parametrize("seed", range(4))
def test_the_simulation_flags_what_the_cascade_flags(seed):
    rng = np.random.default_rng(seed)
    n, k = 400, len(cm.LABELS)
    cheap_thr = rng.uniform(0.2, 0.8, k).astype(np.float32)
    teacher_thr = rng.uniform(0.1, 0.9, k).astype(np.float32)
    cheap_p = rng.uniform(0, 1, (n, k)).astype(np.float32) ** 3        # mostly low, as on real posts
    teacher_p = rng.uniform(0, 1, (n, k)).astype(np.float32)
    texts = [str(i) for i in range(n)]
    either = ["workplace", "personal-data"] if seed % 2 else ["conduct"]
    send = {lab: float(v) for lab, v in zip(cm.LABELS, rng.uniform(0.2, 1.0, k).round(2))} if seed > 1 else 0.3
    c = cm.Cascade(Fake(cheap_p, cheap_thr), Fake(teacher_p, teacher_thr), send=send, either=either)
    want = c.flags(c.predict(texts))
    share = cheap_p / cheap_thr
    shares = np.array([send[lab] for lab in cm.LABELS], dtype=np.float32) if isinstance(send, dict) else send
    sent = (share >= shares).any(1)
    cached = np.where(sent[:, None], teacher_p, np.nan)      # the teacher is read only for the posts sent
    got = ec.simulate(share, cached, teacher_thr, shares, set(either))
    assert want.any() and not want.all()
    assert np.array_equal(got, want)
    # an unsent post is never flagged, even where the teacher's score is known
    assert np.array_equal(ec.simulate(share, teacher_p, teacher_thr, shares, set(either)), want)
    assert np.array_equal(sc.flags(share, cached, teacher_thr, np.broadcast_to(shares, (k,)),
                                   [cm.LABELS.index(lab) for lab in either]), want)
    # rule K reads the cascade's probabilities rebuilt from the same cache: they are Cascade.predict's
    rebuilt = ec.cascade_probs(share, cached, teacher_thr, shares, set(either))
    assert np.allclose(rebuilt, c.predict(texts))
    assert np.array_equal(co.flag_rows(rebuilt, teacher_thr), want)


def test_co_thresholds_add_labels_only_where_they_pay_and_never_flag_another_post():
    th = np.array([0.5, 0.5], dtype=np.float32)
    # rows: flagged for label 0 (p 0.9) with label 1 at 0.45 / 0.35 / 0.35 / 0.2; one row flagged for nothing
    probs = np.array([[0.9, 0.45], [0.9, 0.35], [0.9, 0.35], [0.9, 0.2], [0.1, 0.45]], dtype=np.float32)
    Y = np.array([[1, 1], [1, 1], [1, 0], [1, 0], [0, 1]], dtype=bool)
    got, added = co.choose(probs, Y, th)
    # 0.45 adds one right label (score 1); 0.35 adds two right, one wrong (2 - 2 = 0); lower costs more
    assert got[1] == pytest.approx(0.45) and added[1] == (1, 0)
    assert got[0] == pytest.approx(0.5) and added[0] == (0, 0)       # nothing to add: no co-threshold
    f = co.flag_rows(probs, th, got)
    assert f[0].tolist() == [True, True] and not f[4].any()        # the unflagged row stays unflagged
    assert (f.any(1) == co.flag_rows(probs, th).any(1)).all()


def test_the_greedy_threshold_search_takes_the_cheapest_recall_first_and_stops_at_the_limit():
    # label 0: each 0.01 lower gains one right flag and one clean post; label 1: gains one right flag free
    # until 0.45, then nothing; at most two more clean posts allowed
    def measure(th):
        own = round((0.50 - th[0]) * 100) + min(5, round((0.50 - th[1]) * 100))
        clean = round((0.50 - th[0]) * 100)
        return own, clean, None
    logged = []
    th, own, clean = ec.lower_greedy(np.array([0.5, 0.5]), measure, lambda o, c, _: c <= 2, log=logged.append)
    assert th.tolist() == pytest.approx([0.48, 0.45]) and (own, clean) == (7, 2)
    assert logged[0].startswith(f"step 1: {cm.LABELS[1]} -> 0.49")     # the free label goes first
    assert len(logged) == 7


def test_recall_choice_reads_whole_writer_files_with_their_categories(tmp_path, monkeypatch):
    rc = pytest.importorskip("recall_choice")
    (tmp_path / "writer_zz.jsonl").write_text(
        '{"id": "zz-1", "text": "a", "categories": ["conduct", "workplace"]}\n\n'
        '{"id": "zz-2", "text": "b", "categories": []}\n', encoding="utf-8")
    monkeypatch.setattr(ec, "DATA", tmp_path)
    texts, Y = rc.written_posts(None, [], ["zz"])
    assert texts == ["a", "b"]
    assert Y[0].tolist() == [lab in ("conduct", "workplace") for lab in cm.LABELS] and not Y[1].any()
    # rule M: the posts a run trained on and the ids listed as excluded are left out
    (tmp_path / "writer_zz.jsonl").write_text(
        "".join(f'{{"id": "zz-{i}", "text": "{t}", "categories": []}}\n' for i, t in enumerate("abcd")),
        encoding="utf-8")
    (tmp_path / "excluded_ids.txt").write_text("# too close to a validation post\nzz-3\n", encoding="utf-8")
    monkeypatch.setattr(rc, "trained_texts", lambda run: {"writer_zz.jsonl": {"b"}, "writer_yy.jsonl": {"c"}})
    texts, Y = rc.written_posts(None, [], ["zz"], skip_trained=tmp_path / "run")
    assert texts == ["a", "c"] and Y.shape == (2, len(cm.LABELS))
    monkeypatch.undo()
    with pytest.raises(SystemExit, match="expected a training run folder"):
        rc.trained_texts(tmp_path / "no-such-run")


def test_matched_thresholds_are_the_highest_that_reach_the_reference_recall():
    rc = pytest.importorskip("recall_choice")
    k = len(cm.LABELS)
    rng = np.random.default_rng(7)
    probs = rng.uniform(0, 1, (300, k)).astype(np.float32)
    Y = rng.uniform(0, 1, (300, k)) < 0.3
    ref = probs >= 0.6                       # the reference flags every label at 0.6
    th0 = np.full(k, 0.9)

    def flags_at(th):
        return probs >= th
    th = rc.matched(flags_at, ref, Y, th0)
    for j in range(k):
        want = ref[Y[:, j], j].mean()
        assert (probs[Y[:, j], j] >= np.float32(th[j])).mean() >= want
        # 0.01 higher misses it (or th is the grid's top); never below the reference's own 0.6
        assert th[j] >= 0.6 - 1e-9
        assert th[j] >= 0.99 - 1e-9 or (probs[Y[:, j], j] >= np.float32(th[j] + 0.01)).mean() < want
