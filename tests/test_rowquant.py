"""benchmarks/training/rowquant.py: per-row activation quantisation by graph surgery, on a tiny invented
model made here (two MatMuls, dynamic int8 per channel by onnxruntime.quantization, as the shipped concern
model). After the rewrite a row's output must not depend on the other rows of its batch and must stay close
to the float model. Needs onnx (the training venv has it; the product .venv does not: then skipped)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import load_training_script

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
quantization = pytest.importorskip("onnxruntime.quantization")

ROOT = Path(__file__).resolve().parents[1]
K, H, N = 16, 24, 8


def _rowquant():
    return load_training_script("rowquant")


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """(float model path, dynamic-int8 model path): x (batch, seq, K) -> MatMul + bias -> Relu -> MatMul."""
    from onnx import TensorProto, helper, numpy_helper
    rng = np.random.default_rng(3)
    w1 = (rng.standard_normal((K, H)) * 0.4).astype(np.float32)
    b1 = (rng.standard_normal(H) * 0.1).astype(np.float32)
    w2 = (rng.standard_normal((H, N)) * 0.3).astype(np.float32)
    w2[:, 0] += 0.5                          # a column with a large sum: several zero-point rows
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h0"]), helper.make_node("Add", ["h0", "b1"], ["h1"]),
             helper.make_node("Relu", ["h1"], ["h"]), helper.make_node("MatMul", ["h", "w2"], ["y"])]
    graph = helper.make_graph(
        nodes, "tiny", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", "seq", N])],
        [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"), numpy_helper.from_array(w2, "w2")])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    d = tmp_path_factory.mktemp("rowquant")
    fp, q = d / "float.onnx", d / "int8.onnx"
    onnx.save(model, str(fp))
    quantization.quantize_dynamic(str(fp), str(q), per_channel=True, weight_type=quantization.QuantType.QInt8)
    ops = {n.op_type for n in onnx.load(str(q)).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops
    return fp, q


def _session(model):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    data = model.SerializeToString() if hasattr(model, "SerializeToString") else str(model)
    return ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])


def _batch():
    """Three texts' rows of very different magnitude (per-tensor quantisation mixes them), padded rows too."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 5, K)).astype(np.float32)
    x[1] *= 40.0
    x[2, :, :] = np.abs(x[2]) * 0.05 + 0.01            # one-signed small rows
    x[0, 3:] = 0.0                                       # all-zero rows (scale guard)
    return x


@pytest.mark.parametrize("form", ["asymmetric", "symmetric", "plain"])
def test_rows_do_not_mix_and_stay_close_to_float(models, form):
    rq = _rowquant()
    fp, q = models
    new, n_dql, n_mmi = rq.rewrite(onnx.load(str(q)), plain=form == "plain", symmetric=form == "symmetric")
    assert (n_dql, n_mmi) == (2, 2)
    assert "DynamicQuantizeLinear" not in {n.op_type for n in new.graph.node}
    s_new, s_old, s_fp = _session(new), _session(q), _session(fp)
    x = _batch()
    together = s_new.run(None, {"x": x})[0]
    ref = s_fp.run(None, {"x": x})[0]
    for i in range(len(x)):
        alone = s_new.run(None, {"x": x[i:i + 1]})[0][0]
        np.testing.assert_allclose(together[i], alone, rtol=1e-5, atol=1e-5 * max(1.0, float(np.abs(alone).max())))
        for t in range(x.shape[1]):                      # and each row alone in its own text
            row = s_new.run(None, {"x": x[i:i + 1, t:t + 1]})[0][0, 0]
            np.testing.assert_allclose(together[i, t], row, rtol=1e-5, atol=1e-5 * max(1.0, float(np.abs(row).max())))
        # close to float, relative to each text's own scale
        err = np.abs(together[i] - ref[i]).max() / np.abs(ref[i]).max()
        assert err < 0.05, (form, i, err)
    # the per-tensor model does mix: the small text's output moves when batched with the large one
    old_alone = s_old.run(None, {"x": x[2:3]})[0][0]
    old_together = s_old.run(None, {"x": x})[0][2]
    new_err = np.abs(together[2] - ref[2]).max()
    assert np.abs(old_together - old_alone).max() > 5 * max(new_err, 1e-6)


def test_zero_point_rows_are_exact():
    """The int8 rows appended to a weight sum to minus its column sums, each entry within +-127."""
    from onnx import TensorProto, helper, numpy_helper
    rq = _rowquant()
    rng = np.random.default_rng(5)
    w = rng.integers(-127, 128, (40, 6)).astype(np.int8)
    w[:, 2] = 120                                        # column sum 4800: 38 rows
    # build the smallest model the rewrite accepts and read the padded weight back
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 40])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 6])
    nodes = [helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
             helper.make_node("MatMulInteger", ["xq", "w", "xz", "wz"], ["acc"]),
             helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["xs", "ws"], ["sc"]),
             helper.make_node("Mul", ["accf", "sc"], ["y"])]
    inits = [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.zeros(6, np.int8), "wz"),
             numpy_helper.from_array(np.full(6, 0.01, np.float32), "ws")]
    model = helper.make_model(helper.make_graph(nodes, "g", [x], [y], inits),
                              opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    new, _, _ = rq.rewrite(model)
    padded = [numpy_helper.to_array(t) for t in new.graph.initializer if t.name.endswith("w_zp")]
    assert len(padded) == 1
    wp = padded[0].astype(np.int64)
    assert wp.shape[0] % 4 == 0 and wp.shape[0] - 40 >= 38
    np.testing.assert_array_equal(wp[:40], w)
    np.testing.assert_array_equal(wp[40:].sum(axis=0), -w.astype(np.int64).sum(axis=0))
    xv = np.random.default_rng(1).standard_normal((7, 40)).astype(np.float32) * 3 + 1
    got = _session(new).run(None, {"x": xv})[0]
    ref = xv @ (w.astype(np.float32) * 0.01)
    assert np.abs(got - ref).max() / np.abs(ref).max() < 0.02


def test_refuses_a_scale_it_cannot_follow():
    from onnx import TensorProto, helper
    rq = _rowquant()
    nodes = [helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["y"])]
    model = helper.make_model(helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 4])]), opset_imports=[helper.make_opsetid("", 17)])
    with pytest.raises(ValueError):
        rq.rewrite(model)
