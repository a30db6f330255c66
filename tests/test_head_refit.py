"""benchmarks/training/head_refit.py (MODEL_CARD rule O): the parts that decide a candidate's thresholds and
read its windows run without the training venv; the fit needs torch and the bundle onnx (skipped here when
they are absent, as in the product .venv)."""
from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import load_training_script

hr = load_training_script("head_refit")


def test_matched_thresholds_flag_as_many_clean_posts_per_label_as_the_old_head():
    rng = np.random.default_rng(3)
    y = np.zeros((400, 2), dtype=bool)
    y[:100, 0] = True
    y[100:150, 1] = True
    p_old = rng.random((400, 2))
    p_new = np.clip(p_old * 0.6 + rng.random((400, 2)) * 0.1, 0, 1)     # another scale: thresholds must move
    th_old = np.array([0.7, 0.5])
    th = hr.matched_thresholds(p_old, p_new, y, th_old)
    clean = ~y.any(1)
    for j in range(2):
        assert (p_new[clean, j] >= th[j]).sum() == (p_old[clean, j] >= th_old[j]).sum()
    assert not np.allclose(th, th_old)


def test_matched_thresholds_stay_inside_the_usable_range():
    y = np.zeros((10, 1), dtype=bool)
    th = hr.matched_thresholds(np.zeros((10, 1)), np.zeros((10, 1)), y, np.array([0.5]))
    assert th[0] == pytest.approx(0.02)          # no clean post flagged before: never a threshold of 0
    th = hr.matched_thresholds(np.ones((10, 1)), np.ones((10, 1)), y, np.array([0.5]))
    assert th[0] == pytest.approx(0.02)          # every clean post flagged before: flags all, above the floor


def test_text_logits_take_the_largest_window_per_text_as_the_runtime_does():
    W = np.eye(3, 2, dtype=np.float32)
    b = np.zeros(2, dtype=np.float32)
    F = np.array([[1, 0, 0], [0, 5, 0], [2, -1, 0], [0, 0, 9]], dtype=np.float32)
    owner = np.array([0, 0, 1, 2])               # text 0 has two windows
    got = hr.text_logits(W, b, F, owner, 3)
    assert got.tolist() == [[1, 5], [2, -1], [0, 0]]


@pytest.mark.parametrize("spec", ["olid", "olid=", "olid=many", "davidson=-3"])
def test_a_bad_public_sample_names_what_was_expected(spec):
    with pytest.raises(SystemExit, match="expected SOURCE=COUNT or SOURCE=all"):
        hr.parse_public(spec)


def test_public_sample_counts_and_all():
    assert hr.parse_public("olid=4000,covidrumor=all") == {"olid": 4000, "covidrumor": None}


def test_a_bundle_without_a_teacher_is_refused_plainly(tmp_path):
    (tmp_path / "concern_model.json").write_text(json.dumps({"labels": []}), encoding="utf-8")
    with pytest.raises(SystemExit, match="expected a cascade bundle"):
        hr.teacher_dir(tmp_path)


def test_the_shipped_bundle_names_its_teacher():
    assert hr.teacher_dir(hr.SHIPPED).name == "concern_teacher"


def test_fit_head_moves_from_the_shipped_head_only_where_the_labels_ask():
    pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4)).astype(np.float32)
    T = (X[:, :1] > 0).astype(np.float32).repeat(2, 1)
    M = np.ones_like(T)
    M[:, 1] = 0                                    # label 1 unknown everywhere: out of the loss
    W0 = np.zeros((4, 2), dtype=np.float32)
    b0 = np.zeros(2, dtype=np.float32)
    W, b = hr.fit_head(X, T, M, np.ones(200, dtype=np.float32), W0, b0, lam=0.0, steps=50, lr=0.05, seed=1)
    assert W[0, 0] > 0.5                           # learnt the known label
    assert np.allclose(W[:, 1], 0) and b[1] == 0   # the unknown one stays as shipped
    Wl, _ = hr.fit_head(X, T, M, np.ones(200, dtype=np.float32), W0, b0, lam=10.0, steps=50, lr=0.05, seed=1)
    assert abs(Wl[0, 0]) < abs(W[0, 0])            # the pull to the shipped head holds it back


def test_a_step_run_out_of_order_names_the_step_it_needs(tmp_path):
    with pytest.raises(SystemExit, match="expected features.npz, texts.json, settings.json from the `features` step"):
        hr.need(tmp_path, ("features.npz", "texts.json", "settings.json"), "features")
    (tmp_path / "texts.json").write_text("[]", encoding="utf-8")
    with pytest.raises(SystemExit, match="expected head.npz from the `fit` step"):
        hr.need(tmp_path, ("head.npz", "texts.json"), "fit")
