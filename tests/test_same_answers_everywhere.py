"""The shipped int8 models must give the same answers on every computer (found 29 Nov 2026: on an x86 CPU
without VNNI, onnxruntime's signed-int8 kernels saturate, and the MPNet teacher scored "you absolute idiot"
offensive -5.6 against 0.3 where it was measured; the scan would have missed almost every concern there).

The shipped files store their int8 weights unsigned (benchmarks/training/unsigned_int8.py), and each model
records a self-check that is compared when it loads: a computer that answers differently refuses the model
loudly instead of scanning with it."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

from auditor.analysers import vision
from auditor.analysers.text import model as cm

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "auditor" / "analysers" / "data"
sys.path.insert(0, str(ROOT / "benchmarks" / "training"))


@pytest.mark.parametrize("folder", [DATA, DATA / "concern_teacher"], ids=["small model", "teacher"])
def test_each_shipped_concern_model_records_a_self_check_and_passes_it_here(folder):
    m = cm.ConcernModel(folder)
    check = m.meta["self_check"]
    assert len(check["texts"]) >= 4 and np.asarray(check["logits"]).shape == (len(check["texts"]), len(cm.LABELS))
    got = m.logits(check["texts"])                     # loading ran the check; this compares once more
    assert np.abs(got - np.asarray(check["logits"])).max() <= check["tolerance"]


def test_the_teacher_reads_a_clear_insult_as_offensive_on_this_computer():
    teacher = cm.ConcernModel(DATA / "concern_teacher")
    p = teacher.predict(["you absolute idiot"])[0]
    j = cm.LABELS.index("offensive")
    assert p[j] >= teacher.thresholds[j]


def test_the_shipped_cascade_flags_clear_concerns():
    model = cm.open_model()
    texts = ["you absolute idiot", "Vaccines cause autism and the NHS is hiding it, do your own research"]
    p = model.predict(texts)
    th = np.asarray(model.thresholds)
    assert p[0, cm.LABELS.index("offensive")] >= th[cm.LABELS.index("offensive")]
    assert p[1, cm.LABELS.index("misinformation")] >= th[cm.LABELS.index("misinformation")]


def test_a_model_that_answers_differently_here_is_refused_plainly(tmp_path):
    folder = tmp_path / "teacher"
    shutil.copytree(DATA / "concern_teacher", folder)
    meta = json.loads((folder / cm.META_FILE).read_text(encoding="utf-8"))
    meta["self_check"]["logits"][0][2] += 3.0           # as a saturating CPU would answer
    (folder / cm.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    model = cm.ConcernModel(folder)
    with pytest.raises(cm.ConcernModelMismatch, match="different answers on this computer"):
        model.logits(["hello"])
    with pytest.raises(cm.ConcernModelMismatch):        # and it stays refused: never a silent scan
        model.logits(["hello"])


def refused_small_model(tmp_path) -> cm.ConcernModel:
    folder = tmp_path / "small"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("concern_teacher", "vision*", "*.toml"))
    meta = json.loads((folder / cm.META_FILE).read_text(encoding="utf-8"))
    meta.pop("cascade", None)
    meta["self_check"]["logits"][1][0] -= 2.0
    (folder / cm.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    return cm.ConcernModel(folder)


def test_a_refused_model_scored_directly_stops_loudly_rather_than_report_nothing(tmp_path):
    from auditor.analysers.text.engine import ConcernModelMissing, predict
    with pytest.raises(ConcernModelMissing, match="Rather than tell you that nothing was found"):
        predict(refused_small_model(tmp_path), ["a post"])


def test_a_scan_with_a_refused_model_runs_the_word_lists_and_says_it_is_not_complete(tmp_path):
    """Loaded before any text is read: the refusal is a Gap (not complete, in plain words) and a Problem with the
    technical message, and the word lists and patterns still run (the model has no verdict on any text)."""
    from datetime import datetime, timezone

    from auditor.analysers.text import engine
    from auditor.config import Config
    from auditor.model import Finding, Post, Problem, SourceRef
    from auditor.plugins import AnalysisContext
    ctx = AnalysisContext(config=Config())
    ctx.cache[engine.CONCERN_KEY] = refused_small_model(tmp_path)
    when = datetime(2024, 2, 1, tzinfo=timezone.utc)
    posts = [Post(ref=f"x:{i}", platform="twitter", kind="post", created_at=when, text=t,
                  source=SourceRef("a.zip", "data/tweets.js", i))
             for i, t in enumerate(["you absolute idiot, f***ing useless", "Lovely walk today"])]
    out = list(engine.TextAnalyser().analyse(posts, ctx))
    problems = [o for o in out if isinstance(o, Problem)]
    assert len(problems) == 1 and "the text model was not used" in problems[0].message
    assert [m for m, _ in ctx.not_run] == [engine.REFUSED_GAP[0]]
    assert "word lists alone" in engine.REFUSED_GAP[0] and "may be missing" in engine.REFUSED_GAP[0]
    found = [o for o in out if isinstance(o, Finding)]
    assert [f.post_ref for f in found] == ["x:0"]                   # the word lists ran (the swearing), no more
    assert isinstance(engine.checked_model(ctx)[0], engine.NoVerdict)


def test_the_photo_model_records_a_self_check_and_passes_it_here():
    model = vision.VisionModel(DATA)
    assert len(model.meta["self_check"]["features"]) == 1280


def test_a_photo_model_that_answers_differently_here_is_refused_plainly(tmp_path):
    for p in DATA.glob("vision*"):
        shutil.copy(p, tmp_path / p.name)
    meta = json.loads((tmp_path / "vision_heads.json").read_text(encoding="utf-8"))
    meta["self_check"]["features"][7] += 2.5
    (tmp_path / "vision_heads.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(vision.VisionModelMismatch, match="different answers on this computer"):
        vision.VisionModel(tmp_path)


def test_a_damaged_photo_self_check_is_named_plainly(tmp_path):
    for p in DATA.glob("vision*"):
        shutil.copy(p, tmp_path / p.name)
    meta = json.loads((tmp_path / "vision_heads.json").read_text(encoding="utf-8"))
    meta["self_check"] = {"tolerance": 0.5}                       # the features lost
    (tmp_path / "vision_heads.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(vision.VisionModelMissing, match="self-check is damaged"):
        vision.VisionModel(tmp_path)


def test_the_self_check_picture_is_the_same_numbers_every_time():
    a, b = vision.self_check_tensor(), vision.self_check_tensor()
    assert a.shape == (1, 3, 224, 224) and a.dtype == np.float32 and np.array_equal(a, b)
    assert -1.0 <= a.min() < -0.5 and 0.5 < a.max() <= 1.0


# ---- the conversion (onnx is in the training environment) -------------------------------------------
def _matmul_integer_graph(W: np.ndarray, zp: np.ndarray):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper
    nodes = [helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
             helper.make_node("MatMulInteger", ["xq", "w", "xz", "wz"], ["acc"]),
             helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
             helper.make_node("Mul", ["xs", "ws"], ["s"]),
             helper.make_node("Mul", ["accf", "s"], ["y"])]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, W.shape[0]])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, W.shape[1]])],
                              [numpy_helper.from_array(W, "w"), numpy_helper.from_array(zp, "wz"),
                               numpy_helper.from_array(np.full(W.shape[1], 0.01, dtype=np.float32), "ws")])
    return onnx.helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_weights_stored_unsigned_give_exactly_the_same_answers(tmp_path):
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort
    import unsigned_int8 as u8
    rng = np.random.default_rng(3)
    W = rng.integers(-127, 128, size=(64, 8)).astype(np.int8)
    zp = np.zeros(8, dtype=np.int8)
    path = tmp_path / "m.onnx"
    onnx.save(_matmul_integer_graph(W, zp), str(path))
    x = rng.normal(size=(5, 64)).astype(np.float32) * 3
    # the exact answer in integers: DynamicQuantizeLinear's uint8 activations times the signed weights (a
    # saturating CPU gets the signed file wrong even unfused, so onnxruntime cannot be the reference)
    scale = (max(0.0, float(x.max())) - min(0.0, float(x.min()))) / 255
    zero = int(np.clip(np.round(-min(0.0, float(x.min())) / scale), 0, 255))
    xq = np.clip(np.round(x / np.float32(scale)) + zero, 0, 255).astype(np.int64)
    exact = ((xq - zero) @ W.astype(np.int64)).astype(np.float32) * np.float32(scale) * np.float32(0.01)
    assert u8.to_unsigned(path) == 2                      # the weights and their zero points
    after = ort.InferenceSession(str(path)).run(None, {"x": x})[0]
    assert np.allclose(after, exact, rtol=1e-4, atol=1e-3)
    inits = {t.name: t.data_type for t in onnx.load(str(path)).graph.initializer}
    assert inits["w"] == inits["wz"] == u8.UINT8
    assert u8.to_unsigned(path) == 0                      # nothing signed left: the file is not touched again


def test_static_int8_weights_stored_unsigned_give_exactly_the_same_answers(tmp_path):
    """QLinearMatMul (staticq.py's default format) multiplies the same unsigned-by-signed pairs: converted too."""
    onnx = pytest.importorskip("onnx")
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper
    import unsigned_int8 as u8
    rng = np.random.default_rng(5)
    W = rng.integers(-127, 128, size=(64, 8)).astype(np.int8)
    consts = {"as": np.float32(1.0), "az": np.uint8(0), "w": W, "ws": np.float32(1.0), "wz": np.int8(0),
              "ys": np.float32(500.0), "yz": np.uint8(128)}
    graph = helper.make_graph(
        [helper.make_node("QLinearMatMul", ["a", "as", "az", "w", "ws", "wz", "ys", "yz"], ["y"])], "g",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [None, 64])],
        [helper.make_tensor_value_info("y", TensorProto.UINT8, [None, 8])],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in consts.items()])
    path = tmp_path / "q.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), str(path))
    a = rng.integers(200, 256, size=(6, 64)).astype(np.uint8)     # large activations: where saturation bites
    exact = np.clip(np.round((a.astype(np.int64) @ W.astype(np.int64)) / 500.0) + 128, 0, 255)
    assert u8.to_unsigned(path) == 2
    got = ort.InferenceSession(str(path)).run(None, {"a": a})[0]
    assert np.array_equal(got.astype(np.int64), exact.astype(np.int64))


def test_a_rebuilt_bundle_gets_its_own_self_check(tmp_path):
    """A candidate folder copies the shipped settings, self-check included; bundle tools (head_refit,
    top_branch, continue_teacher, staticq, rowquant) record the new file's own answers with convert_bundle,
    so a candidate is not refused for the shipped file's answers, and nothing signed is left in it."""
    pytest.importorskip("onnx")
    import unsigned_int8 as u8
    folder = tmp_path / "m"
    folder.mkdir()
    for name in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
        shutil.copyfile(DATA / name, folder / name)
    meta = json.loads((folder / cm.META_FILE).read_text(encoding="utf-8"))
    want = meta["self_check"]["logits"]
    meta["self_check"]["logits"] = [[v + 3.0 for v in row] for row in want]       # another file's answers
    (folder / cm.META_FILE).write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(cm.ConcernModelMismatch):
        cm.ConcernModel(folder).ready()
    assert u8.convert_bundle(folder) == 0                 # nothing signed in it
    got = json.loads((folder / cm.META_FILE).read_text(encoding="utf-8"))["self_check"]["logits"]
    assert np.allclose(got, want, atol=1e-3)
    cm.ConcernModel(folder).ready()


def test_a_weight_another_node_also_reads_is_refused(tmp_path):
    pytest.importorskip("onnx")
    from onnx import helper
    import unsigned_int8 as u8
    m = _matmul_integer_graph(np.ones((4, 2), dtype=np.int8), np.zeros(2, dtype=np.int8))
    m.graph.node.append(helper.make_node("Identity", ["w"], ["w_again"]))
    with pytest.raises(SystemExit, match="read by Identity"):
        u8.signed_weights(m.graph)


def test_the_shipped_graphs_hold_no_signed_int8_weights():
    onnx = pytest.importorskip("onnx")
    import unsigned_int8 as u8
    for path in (DATA / cm.MODEL_FILE, DATA / "concern_teacher" / cm.MODEL_FILE, DATA / "vision_lite0_int8.onnx"):
        assert not u8.signed_weights(onnx.load(str(path), load_external_data=False).graph), path


def test_the_conversion_names_what_it_expected_on_bad_input(tmp_path):
    pytest.importorskip("onnx")
    import unsigned_int8 as u8
    bad = tmp_path / "notes.onnx"
    bad.write_text("not a model", encoding="utf-8")
    with pytest.raises(SystemExit, match="expected an ONNX model file"):
        u8.to_unsigned(bad)
    assert bad.read_text(encoding="utf-8") == "not a model"          # left as it was
    with pytest.raises(SystemExit, match="expected a concern-model folder"):
        u8.convert_bundle(tmp_path)
