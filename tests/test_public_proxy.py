"""benchmarks/training/public_proxy.py --sweep (MODEL_CARD rules E3 and F): a teacher-only label's threshold
raised in steps of 0.01 over probabilities already scored, counting HateXplain's harmless group posts flagged
and the share of its group hate still flagged. Invented scores; no model, no corpus."""
from __future__ import annotations

import numpy as np
import pytest
from conftest import load_training_script


@pytest.fixture(scope="module")
def pp():
    return load_training_script("public_proxy")


class Fake:
    labels = ("offensive", "discriminatory", "workplace")
    thresholds = np.array([0.5, 0.27, 0.6], dtype=np.float32)   # float32, as the product keeps them
    either = [2]


def test_sweep_counts_harmless_and_group_hate_from_the_models_threshold_up(pp):
    cls = np.array(["normal", "group-normal", "group-hate", "group-hate", "ghc-none", "offensive"])
    probs = np.zeros((6, 3), dtype=np.float32)
    probs[:, 1] = [0.28, 0.29, 0.275, 0.9, 0.95, 0.95]      # a GHC row and an offensive row never count
    rows = pp.sweep(Fake(), probs, cls, "discriminatory", to=0.30)
    assert [t for t, _, _ in rows] == [0.27, 0.28, 0.29, 0.30]
    assert [(n, h) for _, n, h in rows] == [(2, 1.0), (2, 0.5), (1, 0.5), (0, 0.5)]


def test_sweep_refuses_a_label_the_cascade_keeps_the_small_models_flag_on(pp):
    with pytest.raises(SystemExit, match="small model's flag"):
        pp.sweep(Fake(), np.zeros((1, 3)), np.array(["normal"]), "workplace")
