"""The held-out split of the concern model's training table (benchmarks/training/concern_data.py): version 2
keeps every stratum's split to itself, so a new corpus moves no other row; version 1 (every run prepared
before it) is kept as it was, to reproduce those runs. Invented rows only."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks/training"))

import concern_data as cd  # noqa: E402


def table(rows) -> cd.Table:
    t = cd.Table()
    for source, orig, label, n in rows:
        for i in range(n):
            y = np.zeros(len(cd.OUTPUTS), dtype=np.float32)
            if label:
                y[cd.LABELS.index(label)] = 1
            t.add(f"{source} {orig} {label} invented post number {i}", y, np.ones_like(y), source, orig,
                  f"{source}:{orig}:{label}:{i}")
    return t


OLD = [("written", "writer_x.jsonl", "offensive", 60), ("written", "writer_x.jsonl", "", 80),
       ("olid", "OFF", "", 50), ("olid", "NOT", "", 70)]
NEW = [("aaa", "hate", "", 40), ("aaa", "none", "", 90)]        # sorts before every old stratum


def sides(rows, version):
    t = table(rows)
    return dict(zip(t.rowid, cd.holdout(t, 0.15, seed=13, version=version)))


def test_version_2_a_new_corpus_moves_no_other_row():
    before, after = sides(OLD, 2), sides(NEW + OLD, 2)
    assert all(after[r] == h for r, h in before.items())


def test_version_1_is_unchanged_and_a_new_corpus_can_move_rows():
    before, after = sides(OLD, 1), sides(NEW + OLD, 1)
    assert sum(after[r] != h for r, h in before.items()) > 0       # the trap version 2 closes
    # version 1 as it was: one count through the sorted strata, one random stream
    import random
    t = table(OLD)
    rng, c, rank = random.Random(13), 0, {}
    for _key, idx in sorted(cd._strata(t).items()):
        idx = list(idx)
        rng.shuffle(idx)
        for i in idx:
            rank[i], c = c, c + 1
    want = [np.floor((rank[i] + 1) * 0.15) > np.floor(rank[i] * 0.15) for i in range(len(t.texts))]
    assert list(cd.holdout(t, 0.15, seed=13, version=1)) == want


@pytest.mark.parametrize("version", cd.SPLIT_VERSIONS)
def test_each_stratum_is_held_out_in_proportion(version):
    t = table(OLD + NEW)
    held = cd.holdout(t, 0.15, seed=13, version=version)
    for key, idx in cd._strata(t).items():
        share = held[idx].mean()
        assert abs(share - 0.15) <= 1.0 / len(idx) + 1e-9, (key, share)
    assert list(held) == list(cd.holdout(t, 0.15, seed=13, version=version))   # deterministic


def test_an_unknown_version_is_refused():
    with pytest.raises(ValueError, match="split version"):
        cd.holdout(table(OLD), 0.15, version=3)
