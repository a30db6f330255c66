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


def test_a_hidden_correction_starts_as_the_linear_head_and_learns_what_it_cannot():
    pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 2)).astype(np.float32)
    T = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.float32)[:, None]     # XOR: no linear map separates it
    M = np.ones_like(T)
    W0, b0 = np.zeros((2, 1), dtype=np.float32), np.zeros(1, dtype=np.float32)
    start = hr.fit_head(X, T, M, np.ones(400, dtype=np.float32), W0, b0, 0.0, 0, 0.01, 1, hidden=16)
    assert np.allclose(hr.head_logits(start, X), 0)            # zero steps: the shipped head exactly
    lin = hr.as_head(hr.fit_head(X, T, M, np.ones(400, dtype=np.float32), W0, b0, 0.0, 300, 0.05, 1))
    mlp = hr.fit_head(X, T, M, np.ones(400, dtype=np.float32), W0, b0, 0.0, 300, 0.05, 1, hidden=16, dropout=0.0)
    acc = lambda h: float(((hr.head_logits(h, X)[:, 0] > 0) == (T[:, 0] > 0)).mean())    # noqa: E731
    assert acc(lin) < 0.7 < 0.9 < acc(mlp)


def toy_teacher(W: np.ndarray, b: np.ndarray):
    """The teacher's layout in small: pooled output (6 numbers) -> linear head -> its sum, read as the logits."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Identity", ["x"], [hr.POOLED]),
             helper.make_node("MatMul", [hr.POOLED, "w"], ["mm"]),
             helper.make_node("Add", ["mm", "bias"], [hr.SUMMED]),
             helper.make_node("Identity", [hr.SUMMED], ["logits"])]
    graph = helper.make_graph(nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 6])],
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, W.shape[1]])],
                              [numpy_helper.from_array(W, "w"), numpy_helper.from_array(b, "bias")])
    return onnx.helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_the_correction_written_into_a_graph_gives_the_fitted_head_logits():
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort
    rng = np.random.default_rng(2)
    head = {"W": rng.normal(size=(6, 3)), "b": rng.normal(size=3), "W1": rng.normal(size=(6, 4)),
            "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 3)), "b2": rng.normal(size=3)}
    head = {k: v.astype(np.float32) for k, v in head.items()}
    m = toy_teacher(head["W"], head["b"])
    hr.add_correction(m, head)
    onnx.checker.check_model(m)
    F = rng.normal(size=(5, 6)).astype(np.float32)
    got = ort.InferenceSession(m.SerializeToString()).run(None, {"x": F})[0]
    assert np.allclose(got, hr.head_logits(head, F), atol=1e-5)
    assert not np.allclose(got, F @ head["W"] + head["b"], atol=1e-2)       # the correction is there


def test_a_graph_without_the_head_sum_is_refused_plainly():
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "t",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 2])])
    with pytest.raises(SystemExit, match="expected one node writing"):
        hr.add_correction(onnx.helper.make_model(graph), {"W1": np.zeros((2, 2))})


def test_union_branch_adds_at_most_k_clean_posts_per_label_and_stays_above_its_floor():
    rng = np.random.default_rng(5)
    y = np.zeros((500, 2), dtype=bool)
    y[:150, 0] = True
    y[150:200, 1] = True
    p_old, p_new = rng.random((500, 2)), rng.random((500, 2))
    th_old, floor = np.array([0.8, 0.6]), np.array([0.3, 0.9])
    clean = ~y.any(1)
    for k in (0, 3, 10):
        th = hr.union_thresholds(p_old, p_new, y, th_old, floor, k)
        for j in range(2):
            added = clean & (p_old[:, j] < th_old[j]) & (p_new[:, j] >= th[j])
            assert added.sum() <= k
            assert th[j] >= floor[j]
    assert hr.union_thresholds(p_old, p_new, y, th_old, floor, 40)[1] == pytest.approx(0.9)    # the floor holds
    assert hr.union_thresholds(p_old, p_new, y, th_old, np.array([0.3, 0.99]), 0)[1] == 1.0   # above 0.98: off
    assert hr.union_thresholds(p_old, p_new, y, th_old, floor, 10)[0] < hr.union_thresholds(
        p_old, p_new, y, th_old, floor, 0)[0]                  # a larger budget, a lower branch threshold


def test_branch_shift_puts_the_branch_threshold_on_the_shipped_one():
    meta = {"calibration": {lab: {"a": 0.7 + 0.1 * j, "b": -0.4 + 0.05 * j} for j, lab in enumerate(hr.cm.LABELS)},
            "thresholds": {lab: 0.3 + 0.02 * j for j, lab in enumerate(hr.cm.LABELS)}}
    branch = {lab: 0.6 for lab in hr.cm.LABELS} | {"discriminatory": None, "grievance": 1.0}
    shift = hr.branch_shift(meta, branch, len(hr.cm.LABELS) + 1)
    for j, lab in enumerate(hr.cm.LABELS):
        a, b = meta["calibration"][lab]["a"], meta["calibration"][lab]["b"]
        if branch[lab] in (None, 1.0):
            assert shift[j] == -1e4
            continue
        z = (np.log(0.6 / 0.4) - b) / a            # the branch logit whose own probability is its threshold
        assert 1 / (1 + np.exp(-(a * (z + shift[j]) + b))) == pytest.approx(meta["thresholds"][lab])
    assert shift[-1] == -1e4                        # AUX: always the shipped head's


def test_the_union_written_into_a_graph_is_the_larger_of_shipped_head_and_shifted_branch():
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort
    rng = np.random.default_rng(4)
    W0, b0 = rng.normal(size=(6, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)
    head = {"W": rng.normal(size=(6, 3)), "b": rng.normal(size=3), "W1": rng.normal(size=(6, 4)),
            "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 3)), "b2": rng.normal(size=3),
            "shift": np.array([0.5, -1e4, -2.0])}
    head = {k: v.astype(np.float32) for k, v in head.items()}
    m = toy_teacher(W0, b0)
    hr.add_union(m, head)
    onnx.checker.check_model(m)
    F = rng.normal(size=(50, 6)).astype(np.float32)
    got = ort.InferenceSession(m.SerializeToString()).run(None, {"x": F})[0]
    shipped, branch = F @ W0 + b0, hr.head_logits(head, F) + head["shift"]
    assert np.allclose(got, np.maximum(shipped, branch), atol=1e-5)
    assert np.allclose(got[:, 1], shipped[:, 1])                 # a branch that is off never wins
    assert (got >= shipped - 1e-6).all() and (got[:, 0] > shipped[:, 0] + 1e-3).any()   # never lower, sometimes higher


def test_a_union_bundle_without_union_thresholds_is_refused_plainly():
    import types
    with pytest.raises(SystemExit, match="expected `fit --union K` first"):
        hr.union_bundle(types.SimpleNamespace(threshold=[]), None, {}, {"thresholds": {}}, {})


def test_a_graph_that_already_holds_a_refitted_head_is_refused_plainly():
    pytest.importorskip("onnx")
    rng = np.random.default_rng(6)
    head = {k: rng.normal(size=shape).astype(np.float32) for k, shape in
            (("W", (6, 3)), ("b", (3,)), ("W1", (6, 4)), ("b1", (4,)), ("W2", (4, 3)), ("b2", (3,)))}
    m = toy_teacher(head["W"], head["b"])
    hr.add_union(m, head | {"shift": np.zeros(3, dtype=np.float32)})
    with pytest.raises(SystemExit, match="already holds a refitted head"):
        hr.add_union(m, head | {"shift": np.zeros(3, dtype=np.float32)})
    with pytest.raises(SystemExit, match="already holds a refitted head"):
        hr.add_correction(m, head)


@pytest.mark.parametrize("spec", ["grievance=1.5", "grievance=0", "grievance=high"])
def test_a_branch_threshold_out_of_range_is_refused_plainly(spec):
    import types
    fit = {"union_thresholds": {lab: 0.5 for lab in hr.cm.LABELS}}
    with pytest.raises(SystemExit, match="expected a number between 0 and 1, or off"):
        hr.union_bundle(types.SimpleNamespace(threshold=[spec]), None, {"W": np.zeros((2, 11))}, fit, {})


def test_a_teacher_threshold_moves_only_the_label_named():
    th = {lab: 0.5 for lab in hr.cm.LABELS}
    got = hr.teacher_thresholds(th, ["discriminatory=0.27"])
    assert got["discriminatory"] == 0.27 and th["discriminatory"] == 0.5
    assert {k: v for k, v in got.items() if k != "discriminatory"} == {k: v for k, v in th.items() if k != "discriminatory"}


@pytest.mark.parametrize("spec", ["discriminatory=1", "discriminatory=off", "hate=0.3", "discriminatory"])
def test_a_teacher_threshold_out_of_range_or_unknown_is_refused_plainly(spec):
    with pytest.raises(SystemExit, match="expected LABEL=VALUE, a number between 0 and 1"):
        hr.teacher_thresholds({lab: 0.5 for lab in hr.cm.LABELS}, [spec])


def test_fit_inputs_sort_the_rows_into_fitted_unseen_and_screens(tmp_path):
    import json
    import types
    texts = ["a", "b", "c", "d", "e"]
    orig = np.array(["writer_a.jsonl", "writer_t.jsonl", "writer_t.jsonl", "writer_al.jsonl", ""])
    src = np.array(["written", "written", "written", "written", "olid"])
    y = np.zeros((5, 11), dtype=np.float32)
    np.savez(tmp_path / "features.npz", owner=np.array([0, 1, 1, 2, 3, 4]), y=y, mask=np.ones_like(y), source=src,
             orig=orig)
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    (tmp_path / "settings.json").write_text(json.dumps({"bundle": str(hr.SHIPPED)}), encoding="utf-8")
    a = types.SimpleNamespace(screens="writer_al.jsonl", unseen_files="writer_t.jsonl", trained_run=None,
                              written_weight=3.0)
    t = hr.fit_inputs(a, tmp_path, ("features.npz", "texts.json", "settings.json"))
    assert t.first.tolist() == [0, 1, 3, 4, 5]                   # each text's first window
    assert t.unseen.tolist() == [False, True, True, False, False]
    assert t.usable.tolist() == [True, True, True, False, True]  # the screen file is never fitted on
    assert t.weight.tolist() == [3.0, 3.0, 3.0, 3.0, 1.0]
    p = t.prob(np.zeros((1, 11), dtype=np.float32))
    assert p.shape == (1, 10) and 0 < p.min() and p.max() < 1


def test_rows_any_of_several_trained_runs_read_are_not_unseen(tmp_path, monkeypatch):
    import json
    import types
    import recall_choice
    texts = ["a", "b", "c"]
    y = np.zeros((3, 11), dtype=np.float32)
    np.savez(tmp_path / "features.npz", owner=np.array([0, 1, 2]), y=y, mask=np.ones_like(y),
             source=np.array(["written"] * 3), orig=np.array(["writer_t.jsonl"] * 3))
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    (tmp_path / "settings.json").write_text(json.dumps({"bundle": str(hr.SHIPPED)}), encoding="utf-8")
    seen = {"E3": {"writer_t.jsonl": {"a"}}, "L2": {"writer_t.jsonl": {"b"}, "writer_ar.jsonl": {"x"}}}
    monkeypatch.setattr(recall_choice, "trained_texts", lambda run: seen[run.name])
    a = types.SimpleNamespace(screens="writer_al.jsonl", unseen_files="writer_t.jsonl", trained_run="E3,L2",
                              written_weight=3.0)
    assert hr.fit_inputs(a, tmp_path, ("features.npz", "texts.json", "settings.json")).unseen.tolist() == \
        [False, False, True]
    a.trained_run = "L2"
    assert hr.fit_inputs(a, tmp_path, ("features.npz", "texts.json", "settings.json")).unseen.tolist() == \
        [True, False, True]


def test_features_read_the_written_posts_of_the_folder_named(tmp_path, monkeypatch):
    """`features --data-dir` (rule LQ3R: a candidate's features rebuilt over the folder as its rule read it)
    reaches the training table; without it, the repository's folder."""
    import types
    asked = []

    class Stop(Exception):
        pass

    def build(shared, **kw):
        asked.append(kw["data_dir"])
        raise Stop

    monkeypatch.setattr(hr.cd, "build", build)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "writer_a.jsonl").write_text("", encoding="utf-8")
    a = types.SimpleNamespace(shared=str(tmp_path), mirrors=str(tmp_path), data_dir=str(tmp_path / "old"),
                              seed=7, public="olid=1")
    with pytest.raises(Stop):
        hr.feature_table(a, hr.teacher_dir(hr.SHIPPED))
    a.data_dir = str(hr.cd.DATA_DIR)
    with pytest.raises(Stop):
        hr.feature_table(a, hr.teacher_dir(hr.SHIPPED))
    assert asked == [tmp_path / "old", hr.cd.DATA_DIR]


def test_features_over_a_folder_without_written_posts_are_refused_plainly(tmp_path):
    import types
    a = types.SimpleNamespace(shared=str(tmp_path), mirrors=str(tmp_path), data_dir=str(tmp_path / "missing"),
                              seed=7, public="olid=1")
    with pytest.raises(SystemExit, match="expected a folder of written posts"):
        hr.feature_table(a, hr.teacher_dir(hr.SHIPPED))
