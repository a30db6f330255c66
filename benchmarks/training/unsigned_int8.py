"""Make a dynamic-int8 ONNX file give the same answers on every x86 CPU: its signed int8 weights stored as
unsigned (issue 13; found 29 Nov 2026 on an AMD EPYC with AVX2 and no VNNI).

onnxruntime's dynamic quantisation feeds MatMulInteger unsigned 8-bit activations and, by default, signed
8-bit weights. On x86 CPUs without VNNI (AVX2 only: many laptops and desktops) onnxruntime multiplies such
pairs with an instruction that adds two products into a 16-bit integer and saturates, so large activations
against large weights are silently clipped (onnxruntime's `reduce_range` option exists for this). The shipped
MPNet teacher gave near-constant logits there: "you absolute idiot" offensive -5.56 against 0.46 in float
(torch, the same weights): on such a computer the scan would miss almost everything the teacher decides.

The photo model (static QDQ int8, whose convolutions onnxruntime fuses into int8 kernels) was hit the same way:
its features differed from the same graph run unfused by up to 2.3 (of about 3). The cure changes no number the
model computes: a signed weight w with zero point z is stored as the unsigned
byte w + 128 with zero point z + 128 (the byte with its top bit flipped), so (w + 128) - (z + 128) = w - z,
exactly. onnxruntime multiplies unsigned-by-unsigned pairs with 16-bit products summed into 32 bits, which
cannot saturate. Weights kept in files beside the graph are rewritten in place at the same offsets.

    .venv-train/bin/python benchmarks/training/unsigned_int8.py PATH [...]

PATH: an ONNX file, or a concern-model folder (its concern_model.onnx is converted, and its concern_model.json
gets its self-check and checksums written again), or with --vision a folder's photo model (vision_heads.json's
network, checksums and self-check). Each is rewritten in place. The shipped files were converted with:

    .venv-train/bin/python benchmarks/training/unsigned_int8.py auditor/analysers/data/concern_teacher \
        auditor/analysers/data
    .venv-train/bin/python benchmarks/training/unsigned_int8.py --vision auditor/analysers/data
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

INT8, UINT8 = 3, 2          # onnx.TensorProto data types


# (op, the input positions holding weights and their zero points): dynamic int8 (MatMulInteger, the concern
# models), static QDQ int8 (DequantizeLinear of a weight, fused by onnxruntime into QLinearConv: the photo model)
# and static QOperator int8 (QLinearMatMul, QLinearConv: staticq.py's default format)
WEIGHT_INPUTS = {"MatMulInteger": (1, 3), "DequantizeLinear": (0, 2), "QLinearMatMul": (3, 5), "QLinearConv": (3, 5)}


def signed_weights(graph) -> dict[str, object]:
    """The int8 initialisers read as weights or weight zero points (WEIGHT_INPUTS), by name; for
    DequantizeLinear only where the value dequantised is an int8 initialiser (a weight, not an activation). An
    initialiser some other node also reads is refused (flipping it would change that node's answer)."""
    inits = {t.name: t for t in graph.initializer}
    wanted = {}
    for nd in graph.node:
        spots = WEIGHT_INPUTS.get(nd.op_type)
        if not spots or nd.input[spots[0]] not in inits or inits[nd.input[spots[0]]].data_type != INT8:
            continue
        for k in spots:
            if k < len(nd.input) and nd.input[k] in inits and inits[nd.input[k]].data_type == INT8:
                wanted[nd.input[k]] = inits[nd.input[k]]
    for nd in graph.node:
        for k, name in enumerate(nd.input):
            if name in wanted and k not in WEIGHT_INPUTS.get(nd.op_type, ()):
                raise SystemExit(f"{name}: read by {nd.op_type} {nd.name!r} as well; not converted")
    return wanted


def flip(data: bytes) -> bytes:
    """int8 two's complement -> uint8 + 128: the top bit of each byte flipped."""
    import numpy as np
    return (np.frombuffer(data, dtype=np.uint8) ^ 0x80).astype(np.uint8).tobytes()


def to_unsigned(path: Path) -> int:
    """Rewrite the ONNX file at `path` (and the weights files beside it that it names) in place; returns how
    many tensors were converted (0: nothing signed was left, the file is not touched)."""
    import numpy as np
    import onnx
    from onnx import numpy_helper
    try:
        m = onnx.load(str(path), load_external_data=False)
    except Exception as exc:                       # not an ONNX file (a protobuf that does not parse)
        raise SystemExit(f"{path}: expected an ONNX model file ({type(exc).__name__}: {exc})") from exc
    wanted = signed_weights(m.graph)
    if not wanted:
        return 0
    for t in wanted.values():
        if t.data_location == onnx.TensorProto.EXTERNAL:
            info = {e.key: e.value for e in t.external_data}
            where = path.parent / info["location"]
            offset, length = int(info.get("offset", 0)), int(info["length"])
            with open(where, "r+b") as fh:
                fh.seek(offset)
                data = fh.read(length)
                if len(data) != length:
                    raise SystemExit(f"{where}: {t.name} should be {length} bytes at {offset}; the file is short")
                fh.seek(offset)
                fh.write(flip(data))
            t.data_type = UINT8
        elif t.raw_data:
            t.raw_data = flip(t.raw_data)
            t.data_type = UINT8
        else:                                      # int8 values kept in int32_data
            arr = numpy_helper.to_array(t).astype(np.int16) + 128
            t.CopyFrom(numpy_helper.from_array(arr.astype(np.uint8), t.name))
    onnx.save(m, str(path))
    return len(wanted)


# Invented texts the runtime scores when it loads a model and compares with the logits recorded here
# (auditor.analysers.text.model.ConcernModel._self_check): a clear insult, a patient made identifiable, health
# misinformation, a grievance about a colleague, an ordinary post.
SELF_CHECK_TEXTS = ("you absolute idiot",
                    "Bed 6 tonight: Mr Harold Pike, 81, in with a fall and early dementia, wife visits at 2",
                    "Vaccines cause autism and the NHS is hiding it, do your own research",
                    "the new band 7 on our ward is a lazy cow who never lifts a finger",
                    "Lovely sunny walk with the dog before my shift")


def record_self_check(folder: Path) -> None:
    """The folder's model scores SELF_CHECK_TEXTS here, and its settings record the logits (with its checksums
    written again): a computer that answers differently refuses the model instead of scanning with it. Run it
    on a computer whose answers are right (for int8 files: converted by to_unsigned, or with VNNI)."""
    import json
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from auditor.analysers.text import model as cm
    meta_path = folder / cm.META_FILE
    if not meta_path.is_file():
        raise SystemExit(f"{folder}: expected a concern-model folder with {cm.META_FILE}")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta.pop("self_check", None)
    meta["sha256"] = {name: cm.sha256_file(folder / name) for name in meta["sha256"]}
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    z = cm.ConcernModel(folder).logits(list(SELF_CHECK_TEXTS))
    meta["self_check"] = {"texts": list(SELF_CHECK_TEXTS), "logits": [[round(float(v), 4) for v in row] for row in z],
                          "tolerance": cm.SELF_CHECK_TOLERANCE}
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def convert_bundle(folder: Path) -> int:
    """A concern-model folder: its graph converted, its self-check recorded and its checksums written again."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from auditor.analysers.text import model as cm
    if not (folder / cm.META_FILE).is_file():
        raise SystemExit(f"{folder}: expected a concern-model folder with {cm.META_FILE}")
    n = to_unsigned(folder / cm.MODEL_FILE)
    record_self_check(folder)
    return n


def convert_vision(folder: Path) -> int:
    """The photo model in `folder` (vision_heads.json names its network): converted, its checksums written again,
    and the features of vision.self_check_tensor() recorded as its self-check."""
    import json
    import numpy as np
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from auditor.analysers import vision
    from auditor.files import sha256_file
    meta_path = folder / "vision_heads.json"
    if not meta_path.is_file():
        raise SystemExit(f"{folder}: expected the photo model's vision_heads.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    n = to_unsigned(folder / meta["network"])
    meta.pop("self_check", None)
    meta["files"] = {name: sha256_file(folder / name) for name in meta["files"]}
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    feats = vision.VisionModel(folder).session.run(None, {"image": vision.self_check_tensor()})[0]
    meta["self_check"] = {"features": [round(float(v), 4) for v in np.asarray(feats).ravel()],
                          "tolerance": vision.SELF_CHECK_TOLERANCE}
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--vision", action="store_true",
                    help="each folder's photo model (vision_heads.json) instead of its concern model")
    a = ap.parse_args()
    for f in a.paths:
        if f.is_dir() and a.vision:
            print(f"{f}: photo model, {convert_vision(f)} weight tensors stored unsigned; self-check recorded")
        elif f.is_dir():
            print(f"{f}: {convert_bundle(f)} weight tensors stored unsigned; checksums written again")
        elif f.is_file():
            print(f"{f}: {to_unsigned(f)} weight tensors stored unsigned")
        else:
            sys.exit(f"{f}: expected an ONNX file or a concern-model folder")


if __name__ == "__main__":
    main()
