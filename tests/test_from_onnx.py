"""benchmarks/training/from_onnx.py: weights back from a dynamic-int8 ONNX file, on the tiny concern model in
tests/fixtures/tiny_concern (quantised here with train_concern_model.py's own int8_dynamic, as the shipped
file was). Dequantised weights must be within half a quantisation step of the float ones, and quantising
them again must give back the same integers, scales and outputs (the round trip). With torch, the same on
a tiny torch module exported by torch.onnx.export: every parameter found under its torch name. Needs onnx
(and torch for the last test): the training venv has them, the product .venv does not (then skipped)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import load_training_script

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxruntime.quantization")

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/fixtures/tiny_concern/tiny.onnx"


_load = load_training_script


def _inits(path):
    from onnx import numpy_helper
    return {i.name: numpy_helper.to_array(i) for i in onnx.load(str(path)).graph.initializer}


def _run(path, ids, mask):
    s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.concatenate(s.run(["logits", "aux"], {"input_ids": ids, "attention_mask": mask}), 1)


def _inputs():
    rng = np.random.default_rng(2)
    ids = rng.integers(0, 200, (4, 9)).astype(np.int64)
    mask = np.ones_like(ids)
    mask[1, 5:] = 0
    mask[3, 2:] = 0
    return ids, mask


def _original(floats: dict, name: str, ref: dict) -> np.ndarray:
    """The float tensor a dequantised one stands for (onnxruntime stores a Gemm's weight transposed)."""
    if name in ref:
        return ref[name]
    assert name.endswith("_Transposed"), name
    return ref[name[:-len("_Transposed")]].T


def test_dequantised_within_half_a_step_and_the_round_trip_is_exact(tmp_path):
    fo, tcm = _load("from_onnx"), _load("train_concern_model")
    from onnx import numpy_helper
    q1, tiny = tmp_path / "q1.onnx", tmp_path / "tiny.onnx"
    shutil.copyfile(TINY, tiny)             # the quantiser writes a shape-inferred copy beside its input
    tcm.int8_dynamic(tiny, q1)
    floats, how = fo.dequantised(onnx.load(str(q1)))
    ref = _inits(TINY)
    quantised = [k for k, h in how.items() if h["stored"] != "float32"]
    assert {"emb", "mix"} <= set(quantised) and any(k.startswith("head.weight") for k in quantised)
    for k in quantised:
        err = np.abs(floats[k] - _original(floats, k, ref)).max()
        assert err <= how[k]["half_step_max"] * 1.0001 + 1e-7, (k, err, how[k])
    assert np.array_equal(floats["head.bias"], ref["head.bias"])        # float tensors copied as they are
    # the float model again, with the dequantised weights in place of the originals, quantised again
    m = onnx.load(str(TINY))
    for init in m.graph.initializer:
        for k in quantised:
            if k == init.name or k == init.name + "_Transposed":
                new = floats[k] if k == init.name else floats[k].T
                init.CopyFrom(numpy_helper.from_array(np.ascontiguousarray(new), init.name))
    f2, q2 = tmp_path / "f2.onnx", tmp_path / "q2.onnx"
    onnx.save(m, str(f2))
    tcm.int8_dynamic(f2, q2)
    a, b = _inits(q1), _inits(q2)
    assert set(a) == set(b)
    for k in a:
        assert np.array_equal(a[k], b[k]), k                              # same integers, scales, zero points
    ids, mask = _inputs()
    np.testing.assert_array_equal(_run(q1, ids, mask), _run(q2, ids, mask))


def test_module_names():
    fo = _load("from_onnx")
    assert fo.module_of("/encoder/encoder/layer.0/attention/self/query/MatMul_quant") == \
        "encoder.encoder.layer.0.attention.self.query"
    assert fo.module_of("/head/Gemm_MatMul_quant") == "head"
    with pytest.raises(ValueError):
        fo.module_of("MatMul_quant")


def test_torch_parameters_come_back_under_their_names(tmp_path):
    torch = pytest.importorskip("torch")
    fo, tcm = _load("from_onnx"), _load("train_concern_model")
    from torch import nn

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = nn.Linear(8, 12)
            self.out = nn.Linear(12, 8)

        def forward(self, h):
            return h + self.out(torch.tanh(self.dense(h)))

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.word_embeddings = nn.Embedding(200, 8)
            self.norm = nn.LayerNorm(8)
            self.layer = nn.ModuleList([Layer(), Layer()])

        def forward(self, input_ids):
            h = self.norm(self.word_embeddings(input_ids))
            for layer in self.layer:
                h = layer(h)
            return h

    class Tiny(nn.Module):           # named like the concern network: encoder..., head
        def __init__(self):
            super().__init__()
            self.encoder = Encoder()
            self.head = nn.Linear(8, 11)

        def forward(self, input_ids, attention_mask):
            h = self.encoder(input_ids)
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            z = self.head((h * m).sum(1) / m.sum(1).clamp(min=1.0))
            return z[:, :10], z[:, 10:]

    torch.manual_seed(0)
    net = Tiny().eval()
    ids, mask = _inputs()

    def export_int8(module, name):
        """module -> float ONNX (as train_concern_model exports) -> dynamic int8; both paths."""
        fp, q = tmp_path / f"{name}.onnx", tmp_path / f"{name}-int8.onnx"
        with torch.no_grad():
            torch.onnx.export(module, (torch.tensor(ids), torch.tensor(mask)), str(fp),
                              input_names=["input_ids", "attention_mask"], output_names=["logits", "aux"],
                              opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"}})
        tcm.int8_dynamic(fp, q)
        return fp, q

    fp, q = export_int8(net, "fp")
    ref = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    for path in (fp, q):
        state, src = fo.torch_state_from_onnx(onnx.load(str(path)), {k: v.shape for k, v in ref.items()})
        assert set(state) == set(ref), (path.name, set(ref) - set(state))
        _, how = fo.dequantised(onnx.load(str(path)))
        for k in ref:
            tol = how.get(src[k].split(" ")[0], {}).get("half_step_max", 0.0)
            assert np.abs(state[k] - ref[k]).max() <= tol * 1.0001 + 1e-7, (path.name, k, src[k])
    # the rebuilt module exported and quantised again: the same integers and the same outputs
    state, _ = fo.torch_state_from_onnx(onnx.load(str(q)), {k: v.shape for k, v in ref.items()})
    net2 = Tiny().eval()
    net2.load_state_dict({k: torch.tensor(v) for k, v in state.items()})
    _, q2 = export_int8(net2, "fp2")
    same = fo.same_quantised(onnx.load(str(q2)), onnx.load(str(q)))
    assert same["integers_differing"] == 0 and not same["only_in_one"] and same["tensors"] == 6
    np.testing.assert_allclose(_run(q2, ids, mask), _run(q, ids, mask), atol=1e-6)
    # a bundle whose weights sit in a file beside the graph (the shipped teacher's layout) comes back the same
    ext = tmp_path / "external"
    ext.mkdir()
    m = onnx.load(str(q))
    onnx.save_model(m, str(ext / "concern_model.onnx"), save_as_external_data=True, all_tensors_to_one_file=True,
                    location="concern_model.weights-1.bin", size_threshold=0)
    assert (ext / "concern_model.weights-1.bin").stat().st_size > 0
    state_ext, _ = fo.torch_state_from_onnx(onnx.load(str(ext / "concern_model.onnx")),
                                            {k: v.shape for k, v in ref.items()})
    assert set(state_ext) == set(state) and all(np.array_equal(state_ext[k], state[k]) for k in state)
