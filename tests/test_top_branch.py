"""benchmarks/training/top_branch.py (MODEL_CARD rule R): the parts that decide what is trained, measured and
written into the teacher's graph. The graph and torch parts run where onnx / torch are installed (the training
environment) and are skipped elsewhere."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks" / "training"))
import top_branch as tb


def test_length_batches_cover_every_row_once_with_similar_lengths():
    rng = np.random.default_rng(1)
    lengths = rng.integers(3, 97, size=1000)
    rows = np.arange(0, 1000, 2)
    batches = tb.length_batches(lengths, rows, 32, np.random.default_rng(2))
    got = np.concatenate(batches)
    assert sorted(got.tolist()) == rows.tolist()
    assert all(len(b) <= 32 for b in batches)
    spread = np.mean([np.ptp(lengths[b]) for b in batches])
    assert spread < 0.1 * np.ptp(lengths[rows])           # sorted by length: little padding
    order = [int(lengths[b].min()) for b in batches]
    assert order != sorted(order)                          # but the batches come in random order


def test_text_max_takes_the_largest_window_per_text():
    w = np.array([[0.1, -2.0], [0.5, -3.0], [-1.0, 4.0]], dtype=np.float32)
    got = tb.text_max(w, np.array([0, 0, 2]), 3)
    assert got.tolist() == [[0.5, -2.0], [-30.0, -30.0], [-1.0, 4.0]]


def test_the_screens_are_never_trained_on_by_default():
    screens = set(tb.SCREENS.split(","))
    assert {"writer_al.jsonl", "writer_am.jsonl", "writer_az.jsonl", "writer_ba.jsonl", "writer_bb.jsonl",
            "writer_bc.jsonl"} <= screens
    assert not screens & set(tb.hr.UNSEEN.split(","))


def toy_teacher(W: np.ndarray, b: np.ndarray):
    """The teacher's layout in small: layer 10's input (tokens x 4), the position bias and the attention mask
    feed nothing here; the pooled hidden state goes through a linear head to the head's sum, read as logits."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Identity", ["x"], [tb.HIDDEN]),
             helper.make_node("Identity", ["pb"], [tb.POSITION_BIAS]),
             helper.make_node("ReduceMean", [tb.HIDDEN], ["pooled"], axes=[1], keepdims=0),
             helper.make_node("MatMul", ["pooled", "w"], ["mm"]),
             helper.make_node("Add", ["mm", "bias"], [tb.hr.SUMMED]),
             helper.make_node("Identity", [tb.hr.SUMMED], ["logits"])]
    graph = helper.make_graph(
        nodes, "t", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, None, 4]),
                     helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [None, None]),
                     helper.make_tensor_value_info("pb", TensorProto.FLOAT, [None, 1, None, None])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, W.shape[1]])],
        [numpy_helper.from_array(W, "w"), numpy_helper.from_array(b, "bias")])
    return onnx.helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def toy_branch(V: np.ndarray):
    """A branch with the exported branch's inputs and output: the masked mean of (hidden + the position bias's
    first entry) through its own head `V`, and an internal node named as one of the teacher's is (so renaming is
    tested)."""
    pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("Cast", ["attention_mask"], ["m"], to=TensorProto.FLOAT),
             helper.make_node("Unsqueeze", ["m", "ax"], ["m3"]),
             helper.make_node("Mul", ["hidden", "m3"], ["mm"]),
             helper.make_node("ReduceSum", ["mm", "one"], ["s"], keepdims=0),
             helper.make_node("ReduceSum", ["m", "one"], ["n"], keepdims=1),
             helper.make_node("Div", ["s", "n"], ["pooled"]),
             helper.make_node("ReduceMean", ["position_bias"], ["pbm"], keepdims=0),
             helper.make_node("Add", ["pooled", "pbm"], ["p2"]),
             helper.make_node("MatMul", ["p2", "w"], ["z"])]             # "w" and "pooled" clash with the teacher
    graph = helper.make_graph(
        nodes, "b", [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, [None, None, 4]),
                     helper.make_tensor_value_info("attention_mask", TensorProto.INT64, [None, None]),
                     helper.make_tensor_value_info("position_bias", TensorProto.FLOAT, [None, 1, None, None])],
        [helper.make_tensor_value_info("z", TensorProto.FLOAT, [None, V.shape[1]])],
        [numpy_helper.from_array(V, "w"), numpy_helper.from_array(np.array([2], dtype=np.int64), "ax"),
         numpy_helper.from_array(np.array([1], dtype=np.int64), "one")])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_the_branch_merged_into_a_graph_is_the_larger_of_shipped_output_and_shifted_branch():
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=3).astype(np.float32)
    V = rng.normal(size=(4, 3)).astype(np.float32)
    shift = np.array([0.7, -1e4, -0.5], dtype=np.float32)
    m = toy_teacher(W, b)
    tb.merge_branch(m, toy_branch(V), shift)
    onnx.checker.check_model(m)
    x = rng.normal(size=(6, 5, 4)).astype(np.float32)
    pb = rng.normal(size=(1, 1, 5, 5)).astype(np.float32).repeat(6, 0)
    mask = np.ones((6, 5), dtype=np.int64)
    got = ort.InferenceSession(m.SerializeToString()).run(None, {"x": x, "attention_mask": mask, "pb": pb})[0]
    shipped = x.mean(1) @ W + b
    branch = (x.mean(1) + pb.mean((1, 2, 3))[:, None]) @ V + shift
    assert np.allclose(got, np.maximum(shipped, branch), atol=1e-5)
    assert np.allclose(got[:, 1], shipped[:, 1])                             # a branch that is off never wins
    assert (got >= shipped - 1e-6).all() and (got[:, 0] > shipped[:, 0] + 1e-3).any()
    with pytest.raises(SystemExit, match="already holds a top-layer branch"):
        tb.merge_branch(m, toy_branch(V), shift)


def test_a_teacher_whose_head_sum_is_elsewhere_is_refused_plainly():
    W = np.zeros((4, 3), dtype=np.float32)
    m = toy_teacher(W, np.zeros(3, dtype=np.float32))
    for nd in m.graph.node:                      # a graph exported differently: no node writes the head's sum
        nd.output[:] = [o.replace(tb.hr.SUMMED, "/other/sum") for o in nd.output]
    with pytest.raises(SystemExit, match="expected one node writing"):
        tb.merge_branch(m, toy_branch(W), np.zeros(3, dtype=np.float32))


def test_position_bias_is_mpnets_own():
    torch = pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from transformers.models.mpnet.modeling_mpnet import MPNetEncoder
    rel = torch.nn.Embedding(32, 12)
    enc = MPNetEncoder.__new__(MPNetEncoder)
    torch.nn.Module.__init__(enc)
    enc.relative_attention_bias = rel
    with torch.no_grad():
        want = enc.compute_position_bias(torch.zeros(3, 40, 8))
        got = tb.position_bias(rel, 40, 3)
    assert torch.equal(got, want)


def test_a_step_run_out_of_order_names_the_step_it_needs(tmp_path):
    import types
    a = types.SimpleNamespace(out=str(tmp_path), to=str(tmp_path / "cand"), threshold=[], rule="")
    with pytest.raises(SystemExit, match="from the `features` step"):
        tb.cmd_bundle(a)
    for name in ("features.npz", "texts.json", "settings.json"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    with pytest.raises(SystemExit, match="expected branch.pt, fit.json from the `fit` step"):
        tb.cmd_bundle(a)
