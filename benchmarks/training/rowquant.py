"""Per-row (per-token) activation quantisation for a dynamic-int8 concern_model.onnx, by graph surgery.

Why: onnxruntime.quantization.quantize_dynamic writes DynamicQuantizeLinear nodes that compute ONE scale
and zero point over the whole activation tensor, i.e. over the whole batch, so a text's logits depend on
the other texts in its batch (the reason the runtime scores one text per session call). This script
rewrites every DynamicQuantizeLinear -> MatMulInteger chain so that each row of the activation (the last
axis: one token's vector) gets its own scale and zero point:

    x_min = min(ReduceMin(x, -1), 0)      x_max = max(ReduceMax(x, -1), 0)       (per row, keepdims)
    scale = max((x_max - x_min) / 255, FLT_MIN)   zp = round(-x_min / scale)     (0..255 by construction)
    x_q   = uint8(clip(round(x / scale) + zp, 0, 255))

(the quantisation is one per-axis QuantizeLinear on the (rows, K) view of x). The zero point is folded
into the integer product: onnxruntime's CPU MatMulInteger accepts only a scalar a_zero_point, so r extra
columns holding each row's zp are appended to x_q and r int8 rows E with sum_j E[j, n] = -colsum_n(W_q)
(each entry within +-127; r = ceil(max |colsum| / 127) rounded up to 4, 8-60 here, so K grows 2-15 %) are
appended to the weights: x_q W_q + zp * sum_j E = (x_q - zp) W_q, exact in int32. The product and the
weight scale run in onnxruntime's MatMulIntegerToFloat (com.microsoft, a_scale 1), then one Mul by the
row's scale. The int8 weights, their scales and zero points are the shipped ones (no re-export, no
re-quantisation; the weights gain only the E rows). Variants (flags of `rewrite`): --symmetric (per-row
scale max|x|/127 and a FIXED zero point 128, the scalar one the kernel takes: no E rows, 7 bits for a
one-signed row, fewer passes) and --plain (standard ONNX ops only, the int32 correction zp * colsum
subtracted after MatMulInteger; slowest).

Nothing else in the MiniLM graph mixes rows (checked op by op): LayerNormalization is over the last axis
(per token); the attention MatMuls are batched per text and Softmax is per query row, with padded keys at
mask value float32-min (exp underflows to exactly 0); the two ReduceSum of the mean pooling (masked
states, mask count) are per text; Gather/GatherElements/Where/Expand are index and mask plumbing. Only
the float kernels' summation order can differ with the batch shape (the ~1e-6 of figure (a)).

Usage (the train venv has onnx; the product .venv lacks it but is enough for `measure`):
  .venv-train/bin/python benchmarks/training/rowquant.py rewrite [--src DIR] --out DIR
      DIR: a model folder (concern_model.onnx/.json, concern_tokenizer.json); writes the three files to
      --out with the json's sha256 updated and an "activation_quantisation" note.
  nice -n 10 .venv/bin/python benchmarks/training/rowquant.py measure --rowq DIR [--fp32 FILE] [...]
      figures on TRAINING texts only (writer_*.jsonl and OLID's training set, as concern_data reads them):
      (a) batch invariance, (b) closeness to the shipped and fp32 models, (c) CPU per text.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "auditor" / "analysers" / "data"
FP32 = Path("/work/wt/text-model-4/benchmarks/training/out/run-s4b/onnx-fp32/concern_model.onnx")
FLT_MIN = float(np.finfo(np.float32).tiny)


# ---- the rewrite --------------------------------------------------------------------------------------
def rewrite(model, plain: bool = False, symmetric: bool = False):
    """The model (onnx.ModelProto) with every DynamicQuantizeLinear feeding MatMulInteger made per row;
    returns (new model, number of DynamicQuantizeLinear nodes rewritten, number of MatMulInteger chains).

    Default: per row x_min, x_max, scale, zp as in the module notes; x_q by per-axis QuantizeLinear on the
    (rows, K) view, with the zero-point columns appended (zero_rows); each chain MatMulInteger -> Cast ->
    Mul(Mul(x_scale, w_scale)) becomes MatMulIntegerToFloat(x_q, [W_q; E], a_scale 1, w_scale) (com.microsoft)
    times the row's scale. A weight with a nonzero zero point of its own falls back to subtracting
    zp_row * colsum(W_q - W_zp) * w_scale in float after the product.
    `plain`: standard ONNX ops at the model's own opset: the row quantisation in elementwise ops,
    MatMulInteger without a_zero_point, minus zp_row * colsum in int32 (exact), the graph's own Cast and
    rescale (whose Mul(x_scale, w_scale) then broadcasts rows x columns). Slower (more nodes).
    `symmetric` (not with plain): per-row scale max|x| / 127 and a FIXED zero point 128 (x_q = uint8(round(x /
    scale) + 128)), the scalar a_zero_point that the integer kernel takes natively, so there is no zero-point
    term: y = F * scale_row. Not the asymmetric formula (7 bits for a one-signed row), fewer passes.
    A DynamicQuantizeLinear whose outputs feed anything else is refused."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    g = model.graph
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)
    new_opset = opset
    if opset < 13:
        raise ValueError(f"opset {opset}: per-axis QuantizeLinear needs 13 or later")
    init = {t.name: t for t in g.initializer}
    consumers: dict[str, list] = {}
    producer = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
        for o in n.output:
            producer[o] = n
    outputs = {o.name for o in g.output}

    new_inits = []

    def const(name, arr):
        new_inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    zero_f = const("rowq/zero_f", np.array(0.0, np.float32))
    q255 = const("rowq/q255", np.array(255.0, np.float32))
    fmin = const("rowq/flt_min", np.array(FLT_MIN, np.float32))
    one_f = None if plain else const("rowq/one_f", np.array(1.0, np.float32))
    q127 = const("rowq/q127", np.array(127.0, np.float32)) if symmetric else None
    zp128 = const("rowq/zp128", np.array(128, np.uint8)) if symmetric else None
    axes_in = const("rowq/axes", np.array([-1], np.int64)) if new_opset >= 18 else None

    m1 = const("rowq/minus1", np.array([-1], np.int64))

    def quantize_rows(p, x, xs, zp_u8, xq, k, pad=0):
        """x (..., k) -> x_q (..., k + pad), uint8, with one scale and zero point per row (xs, zp_u8: (..., 1)):
        per-axis QuantizeLinear on the (rows, k) view (no copy), back to x's shape; then `pad` columns that
        hold the row's zero point (what 0.0 quantises to) are appended (see zero_rows)."""
        nodes = [
            helper.make_node("Shape", [x], [p + "xshape"], name=p + "XShape"),
            helper.make_node("Reshape", [x, const(p + "rows_k", np.array([-1, k], np.int64))], [p + "x2"], name=p + "X2"),
            helper.make_node("Reshape", [xs, m1], [p + "s1"], name=p + "S1"),
            helper.make_node("Reshape", [zp_u8, m1], [p + "z1"], name=p + "Z1"),
        ]
        if not pad:
            return nodes + [
                helper.make_node("QuantizeLinear", [p + "x2", p + "s1", p + "z1"], [p + "q2"], name=p + "Quantize",
                                 axis=0),
                helper.make_node("Reshape", [p + "q2", p + "xshape"], [xq], name=p + "Q3"),
            ]
        return nodes + [
            helper.make_node("QuantizeLinear", [p + "x2", p + "s1", p + "z1"], [p + "q2"], name=p + "Quantize", axis=0),
            helper.make_node("Reshape", [zp_u8, const(p + "col", np.array([-1, 1], np.int64))], [p + "zcol"],
                             name=p + "ZCol"),
            helper.make_node("Expand", [p + "zcol", const(p + "zw", np.array([1, pad], np.int64))], [p + "zcols"],
                             name=p + "ZCols"),
            helper.make_node("Concat", [p + "q2", p + "zcols"], [p + "q2p"], name=p + "QPad", axis=1),
            helper.make_node("Slice", [p + "xshape", const(p + "s0", np.array([0], np.int64)), m1], [p + "lead"],
                             name=p + "Lead"),
            helper.make_node("Concat", [p + "lead", const(p + "kp", np.array([k + pad], np.int64))], [p + "qshape"],
                             name=p + "QShape", axis=0),
            helper.make_node("Reshape", [p + "q2p", p + "qshape"], [xq], name=p + "Q3"),
        ]

    def zero_rows(w: np.ndarray) -> int:
        """How many int8 rows E (each entry within +-127) it takes for sum_j E[j, n] = -colsum_n (a multiple
        of 4): appended to the weights, against activation columns that hold the row's zero point, they
        subtract zp_row * colsum inside the integer product (exact in int32)."""
        r = int(np.ceil(np.abs(w.sum(axis=-2)).max() / 127)) if w.size else 0
        return -(-r // 4) * 4

    def zero_rows_of(w: np.ndarray, r: int) -> np.ndarray:
        rem = -w.sum(axis=-2).astype(np.int64)
        out = np.zeros((r, w.shape[-1]), np.int8)
        for j in range(r):
            e = np.clip(rem, -127, 127)
            out[j] = e
            rem -= e
        assert not rem.any()
        return out

    def weight(n):
        b = n.input[1]
        bz = n.input[3] if len(n.input) > 3 and n.input[3] else None
        if b not in init or (bz and bz not in init):
            raise ValueError(f"{n.name}: the weight or its zero point is not an initializer")
        w = numpy_helper.to_array(init[b]).astype(np.int32)
        if bz:
            w = w - numpy_helper.to_array(init[bz]).astype(np.int32)   # per column (or scalar)
        return b, bz, w

    # plan: which nodes go, which chains are replaced
    dqls = {}
    drop = set()                       # ids of nodes replaced by a chain's new nodes
    chains = {}                        # id(MatMulInteger) -> (cast node, mul node, scale-mul node)
    for n in g.node:
        if n.op_type != "DynamicQuantizeLinear":
            continue
        xq, xs, xz = n.output
        mmis = consumers.get(xq, [])
        bad = [c.op_type for c in mmis + consumers.get(xz, []) if c.op_type != "MatMulInteger"]
        bad += [c.op_type for c in consumers.get(xs, []) if c.op_type != "Mul"]
        if bad or outputs & {xq, xs, xz}:
            raise ValueError(f"{n.name}: outputs feed {sorted(set(bad)) or 'graph outputs'}, not only "
                             "MatMulInteger and the scale Mul")
        dqls[id(n)] = n
        if plain:
            continue
        for m in mmis:
            cast = consumers.get(m.output[0], [])
            mul = consumers.get(cast[0].output[0], []) if len(cast) == 1 and cast[0].op_type == "Cast" else []
            sm = [producer.get(i) for i in mul[0].input] if len(mul) == 1 and mul[0].op_type == "Mul" else []
            sm = [p for p in sm if p is not None and p.op_type == "Mul" and xs in p.input]
            if not sm or len(consumers.get(sm[0].output[0], [])) != 1:
                raise ValueError(f"{m.name}: not the MatMulInteger -> Cast -> Mul(x_scale * w_scale) chain")
            ws = [i for i in sm[0].input if i != xs][0]
            if ws not in init:
                raise ValueError(f"{m.name}: the weight scale is not an initializer")
            chains[id(m)] = (cast[0], mul[0], sm[0], ws)
            drop.update({id(cast[0]), id(mul[0]), id(sm[0])})

    nodes = []
    n_dql = n_mmi = 0
    zp_of: dict[str, str] = {}       # DQL zero point output -> per-row zero point (int32 plain, float fast)
    scale_of: dict[str, str] = {}    # DQL zero point output -> per-row scale
    pad_of: dict[str, int] = {}      # DQL zero point output -> zero-point columns appended (fast asymmetric)
    for n in g.node:
        if id(n) in drop:
            continue
        if id(n) in dqls:
            xq, xs, xz = n.output
            x = n.input[0]
            p = f"rowq/{n_dql}/"
            red = dict(keepdims=1) if new_opset >= 18 else dict(keepdims=1, axes=[-1])
            rin = [x, axes_in] if new_opset >= 18 else [x]
            if symmetric and not plain:
                k = weight(consumers[xq][0])[2].shape[-2]
                nodes += [
                    helper.make_node("ReduceMin", rin, [p + "rmin"], name=p + "ReduceMin", **red),
                    helper.make_node("ReduceMax", rin, [p + "rmax"], name=p + "ReduceMax", **red),
                    helper.make_node("Neg", [p + "rmin"], [p + "nmin"], name=p + "NegMin"),
                    helper.make_node("Max", [p + "rmax", p + "nmin"], [p + "amax"], name=p + "AbsMax"),
                    helper.make_node("Div", [p + "amax", q127], [p + "scale0"], name=p + "Scale0"),
                    helper.make_node("Max", [p + "scale0", fmin], [xs], name=p + "Scale"),
                    helper.make_node("Shape", [xs], [p + "shape"], name=p + "Shape"),
                    helper.make_node("ConstantOfShape", [p + "shape"], [p + "zp_u8"], name=p + "Zp128",
                                     value=numpy_helper.from_array(np.array([128], np.uint8))),
                ] + quantize_rows(p, x, xs, p + "zp_u8", xq, int(k))
                zp_of[xz] = ""
                scale_of[xz] = xs
                n_dql += 1
                continue
            nodes += [
                helper.make_node("ReduceMin", rin, [p + "rmin"], name=p + "ReduceMin", **red),
                helper.make_node("ReduceMax", rin, [p + "rmax"], name=p + "ReduceMax", **red),
                helper.make_node("Min", [p + "rmin", zero_f], [p + "xmin"], name=p + "Min"),
                helper.make_node("Max", [p + "rmax", zero_f], [p + "xmax"], name=p + "Max"),
                helper.make_node("Sub", [p + "xmax", p + "xmin"], [p + "range"], name=p + "Range"),
                helper.make_node("Div", [p + "range", q255], [p + "scale0"], name=p + "Scale0"),
                helper.make_node("Max", [p + "scale0", fmin], [xs], name=p + "Scale"),
                helper.make_node("Div", [p + "xmin", xs], [p + "zpneg"], name=p + "ZpDiv"),
                helper.make_node("Round", [p + "zpneg"], [p + "zpr"], name=p + "ZpRound"),
                helper.make_node("Neg", [p + "zpr"], [p + "zpf"], name=p + "ZpNeg"),
            ]
            if plain:
                nodes += [
                    helper.make_node("Div", [x, xs], [p + "xd"], name=p + "XDiv"),
                    helper.make_node("Round", [p + "xd"], [p + "xr"], name=p + "XRound"),
                    helper.make_node("Add", [p + "xr", p + "zpf"], [p + "xz"], name=p + "XAddZp"),
                    helper.make_node("Clip", [p + "xz", zero_f, q255], [p + "xc"], name=p + "XClip"),
                    helper.make_node("Cast", [p + "xc"], [xq], name=p + "XCast", to=TensorProto.UINT8),
                    helper.make_node("Cast", [p + "zpf"], [p + "zp_i32"], name=p + "ZpCast", to=TensorProto.INT32),
                ]
                zp_of[xz] = p + "zp_i32"
            else:
                ws_ = [weight(c) for c in consumers[xq]]
                k = ws_[0][2].shape[-2]                               # the row length (K of the weights)
                # the zero point folded into the product (zero_rows) unless a weight has its own zero point
                pad = 0 if any(bz and numpy_helper.to_array(init[bz]).any() for _, bz, _ in ws_) \
                    else max(zero_rows(w) for _, _, w in ws_)
                nodes += [
                    helper.make_node("Cast", [p + "zpf"], [p + "zp_u8"], name=p + "ZpCast", to=TensorProto.UINT8),
                ] + quantize_rows(p, x, xs, p + "zp_u8", xq, int(k), pad)
                zp_of[xz] = p + "zpf"
                pad_of[xz] = pad
            scale_of[xz] = xs
            n_dql += 1
            continue
        if n.op_type == "MatMulInteger" and len(n.input) > 2 and n.input[2] in zp_of:
            a, xz = n.input[0], n.input[2]
            b, bz, w = weight(n)
            p = f"rowq/mm{n_mmi}/"
            colsum = w.sum(axis=-2)                                      # (N,): sum over K
            if plain:
                new = helper.make_node("MatMulInteger", [a, b], [p + "raw"], name=n.name)
                if bz:
                    new.input.extend(["", bz])
                nodes += [
                    new,
                    helper.make_node("Mul", [zp_of[xz], const(p + "colsum", colsum.astype(np.int32))],
                                     [p + "corr"], name=p + "Corr"),
                    helper.make_node("Sub", [p + "raw", p + "corr"], [n.output[0]], name=p + "Sub"),
                ]
            else:
                cast, mul, sm, ws = chains[id(n)]
                wsv = numpy_helper.to_array(init[ws]).astype(np.float32)
                if symmetric:
                    ins = [a, b, one_f, ws, zp128] + ([bz] if bz else [])
                    nodes += [
                        helper.make_node("MatMulIntegerToFloat", ins, [p + "f"], name=n.name, domain="com.microsoft"),
                        helper.make_node("Mul", [p + "f", scale_of[xz]], [mul.output[0]], name=p + "Rescale"),
                    ]
                    n_mmi += 1
                    continue
                pad = pad_of.get(xz, 0)
                if pad:
                    waug = np.concatenate([numpy_helper.to_array(init[b]), zero_rows_of(w, pad)], axis=0)
                    nodes += [
                        helper.make_node("MatMulIntegerToFloat", [a, const(p + "w_zp", waug), one_f, ws],
                                         [p + "f"], name=n.name, domain="com.microsoft"),
                        helper.make_node("Mul", [p + "f", scale_of[xz]], [mul.output[0]], name=p + "Rescale"),
                    ]
                    n_mmi += 1
                    continue
                ins = [a, b, one_f, ws] + (["", bz] if bz else [])
                nodes += [
                    helper.make_node("MatMulIntegerToFloat", ins, [p + "f"], name=n.name, domain="com.microsoft"),
                    helper.make_node("Mul", [zp_of[xz], const(p + "cw", (colsum * wsv).astype(np.float32))],
                                     [p + "corr"], name=p + "Corr"),
                    helper.make_node("Sub", [p + "f", p + "corr"], [p + "d"], name=p + "Sub"),
                    helper.make_node("Mul", [p + "d", scale_of[xz]], [mul.output[0]], name=p + "Rescale"),
                ]
            n_mmi += 1
            continue
        nodes.append(n)

    out = onnx.ModelProto()
    out.CopyFrom(model)
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    out.graph.initializer.extend(new_inits)
    used = {i for n in out.graph.node for i in n.input} | {o.name for o in out.graph.output}
    kept = [t for t in out.graph.initializer if t.name in used]       # weights replaced by their padded copy
    del out.graph.initializer[:]
    out.graph.initializer.extend(kept)
    # tensor shapes: those of the original graph (inferred there: all standard ops) for every tensor that
    # keeps its meaning; onnx cannot infer through com.microsoft ops, and onnxruntime's fusions (skip layer
    # norm, bias + gelu) look for 3-D shapes
    changed = set()
    for n in dqls.values():
        changed.update(n.output)
        for c in consumers.get(n.output[1], []):          # Mul(x_scale, w_scale): now rows x columns
            changed.update(c.output)
    for cast, _mul, _sm, _ in chains.values():
        changed.add(cast.output[0])
    inferred = onnx.shape_inference.infer_shapes(model).graph.value_info
    del out.graph.value_info[:]
    out.graph.value_info.extend(v for v in inferred if v.name not in changed)
    if new_opset != opset:
        for o in out.opset_import:
            if o.domain in ("", "ai.onnx"):
                o.version = new_opset
        out.ir_version = max(out.ir_version, 10)
    if not plain and not any(o.domain == "com.microsoft" for o in out.opset_import):
        out.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.checker.check_model(out)
    return out, n_dql, n_mmi


def cmd_rewrite(args) -> int:
    import onnx
    sys.path.insert(0, str(ROOT))
    from auditor.analysers.text.model import META_FILE, MODEL_FILE, TOKENIZER_FILE, sha256_file
    src, dst = Path(args.src), Path(args.out)
    if dst.resolve() == src.resolve() or dst.resolve() == SHIPPED.resolve():
        print("refusing to write over the source or the shipped model folder", file=sys.stderr)
        return 2
    dst.mkdir(parents=True, exist_ok=True)
    model = onnx.load(str(src / MODEL_FILE))
    if args.plain and args.symmetric:
        print("--symmetric is a form of the fast rewrite, not of --plain", file=sys.stderr)
        return 2
    new, n_dql, n_mmi = rewrite(model, plain=args.plain, symmetric=args.symmetric)
    onnx.save(new, str(dst / MODEL_FILE))
    shutil.copyfile(src / TOKENIZER_FILE, dst / TOKENIZER_FILE)
    meta = json.loads((src / META_FILE).read_text(encoding="utf-8"))
    meta["sha256"][MODEL_FILE] = sha256_file(dst / MODEL_FILE)
    meta["activation_quantisation"] = (f"per row (benchmarks/training/rowquant.py: {n_dql} DynamicQuantizeLinear, "
                                       f"{n_mmi} MatMulInteger rewritten{', plain ONNX ops' if args.plain else ''}{', symmetric (zero point 128)' if args.symmetric else ''}; weights unchanged)")
    (dst / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import unsigned_int8               # weights stored unsigned, and this file's own self-check
    unsigned_int8.convert_bundle(dst)
    print(f"rewrote {n_dql} DynamicQuantizeLinear and {n_mmi} MatMulInteger -> {dst / MODEL_FILE} "
          f"({(dst / MODEL_FILE).stat().st_size / 1e6:.1f} MB, sha256 {meta['sha256'][MODEL_FILE][:12]})")
    return 0


# ---- measurement ----------------------------------------------------------------------------------------
def shuffled_training(seed: int = 7) -> tuple[list[str], list[str], random.Random]:
    """TRAINING texts only, each list shuffled by one seeded generator (returned, to go on with):
    writer_*.jsonl (as concern_data.read_written) and OLID's training set (as concern_data.load_olid).
    Never the validation corpora, never OLID's test set."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import concern_data as cd
    recs, _ = cd.read_written()
    written = [r["text"] for r in recs]
    olid = [t for _, t, _ in cd.load_olid(cd.default_shared())]
    rng = random.Random(seed)
    rng.shuffle(written)
    rng.shuffle(olid)
    return written, olid, rng


def training_texts(n_written: int, n_olid: int, seed: int = 7) -> list[str]:
    """A seeded sample of training texts (shuffled_training), written posts and OLID mixed."""
    written, olid, rng = shuffled_training(seed)
    texts = written[:n_written] + olid[:n_olid]
    rng.shuffle(texts)
    return texts


def model_folder_for(onnx_file: Path, like: Path, dst: Path) -> Path:
    """A model folder for an ONNX file: `like`'s json (sha256 updated) and tokenizer, the file linked."""
    from auditor.analysers.text.model import META_FILE, MODEL_FILE, TOKENIZER_FILE, sha256_file
    dst.mkdir(parents=True, exist_ok=True)
    target = dst / MODEL_FILE
    if target.exists() or target.is_symlink():
        target.unlink()
    os.symlink(onnx_file.resolve(), target)
    shutil.copyfile(like / TOKENIZER_FILE, dst / TOKENIZER_FILE)
    meta = json.loads((like / META_FILE).read_text(encoding="utf-8"))
    meta["sha256"][MODEL_FILE] = sha256_file(onnx_file)
    meta.pop("self_check", None)       # `like`'s answers, not this file's
    (dst / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return dst


def occlusion_sets(texts: list[str], n: int) -> list[list[str]]:
    """n texts with at least 12 weighable words, each with its occlusion variants as model.py builds them
    (one word removed each, at most SALIENT_MAX_WORDS, the longest)."""
    from auditor.analysers.text.model import SALIENT_MAX_WORDS, _candidates, _occlude
    out = []
    for t in texts:
        groups = _candidates(t, ())
        if len(groups) < SALIENT_MAX_WORDS:
            continue
        keys = list(groups)
        keep = set(sorted(keys, key=lambda x: (-len(x), groups[x][0][0]))[:SALIENT_MAX_WORDS])
        out.append([t] + [_occlude(t, groups[x]) for x in keys if x in keep])
        if len(out) >= n:
            break
    return out


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def cmd_measure(args) -> int:
    sys.path.insert(0, str(ROOT))
    from auditor.analysers.text.model import ConcernModel
    work = Path(args.work)
    shipped_dir = Path(args.shipped)
    rowqs = [(Path(d).name, Path(d)) for d in args.rowq]
    print(f"load at start: {load()}", flush=True)
    texts = training_texts(args.written, args.olid)
    print(f"{len(texts)} training texts ({args.written} written, {args.olid} OLID training), seed 7; "
          f"row-quantised folders: {', '.join(n for n, _ in rowqs)}", flush=True)

    def cm(d, b):
        m = ConcernModel(d, threads=1, batch_size=b)
        m.MEMO = 0                     # the encoder timed and compared, not the product's memo of repeated texts
        return m

    shipped = cm(shipped_dir, 1)

    def flags(z):                      # shipped calibration and thresholds
        return shipped.flags(shipped.calibrate(z))

    if "a" in args.parts or "b" in args.parts:
        t0 = time.time()
        z_ship = shipped.logits(texts)
        z_r1 = {n: cm(d, 1).logits(texts) for n, d in rowqs}
        print(f"(scored shipped and row-quantised at batch 1 in {time.time() - t0:.0f} s; load {load()})", flush=True)
    if "a" in args.parts:
        print("\n(a) batch invariance: batch B (length-sorted rows, as ConcernModel batches them) vs batch 1", flush=True)
        for n, d in rowqs:
            f1 = flags(z_r1[n])
            for b in (8, 16, 32):
                z = cm(d, b).logits(texts)
                dd = np.abs(z - z_r1[n])
                flips = int((flags(z) != f1).any(axis=1).sum())
                big = int((dd.max(axis=1) > 1e-4).sum())
                print(f"  {n:20s} batch {b:2d}: max |dlogit| {dd.max():.2e}, mean {dd.mean():.2e}, "
                      f"texts with any |dlogit| > 1e-4: {big}, texts with a flag flipped {flips}", flush=True)
        if args.shipped_batch:
            for b in (8, 16, 32):
                z = cm(shipped_dir, b).logits(texts)
                dd = np.abs(z - z_ship)
                flips = int((flags(z) != flags(z_ship)).any(axis=1).sum())
                print(f"  {'shipped (per tensor)':20s} batch {b:2d}: max |dlogit| {dd.max():.3f}, mean {dd.mean():.4f}, "
                      f"texts with a flag flipped {flips} ({flips / len(texts):.2%})", flush=True)
    if "b" in args.parts:
        print("\n(b) closeness at batch 1 (shipped thresholds and calibration)", flush=True)
        pairs = [(f"{n} vs shipped", z_r1[n], z_ship) for n, _ in rowqs]
        if args.fp32 and Path(args.fp32).is_file():
            fdir = model_folder_for(Path(args.fp32), shipped_dir, work / "fp32")
            z_fp = cm(fdir, 1).logits(texts)
            pairs += [(f"{n} vs fp32", z_r1[n], z_fp) for n, _ in rowqs] + [("shipped vs fp32", z_ship, z_fp)]
        for name, za, zb in pairs:
            d = np.abs(za - zb)
            fa, fb = flags(za), flags(zb)
            ch = int((fa != fb).any(axis=1).sum())
            lab = (fa != fb).sum(axis=0)
            print(f"  {name:30s}: mean |dlogit| {d.mean():.4f}, max {d.max():.3f}, 99th pct {np.percentile(d, 99):.3f}; "
                  f"texts with any flag changed {ch} ({ch / len(texts):.2%}); flags {int(fa.sum())} vs {int(fb.sum())}; "
                  f"per label {lab.tolist()}", flush=True)
    if "c" in args.parts:
        tt = texts[:args.speed_texts]
        occ = occlusion_sets(texts, args.occlusion)
        nocc = sum(len(x) for x in occ)
        print(f"\n(c) CPU per text, {len(tt)} texts, one process, one onnxruntime thread, best of {args.reps}, "
              f"interleaved; occlusion: {len(occ)} texts x {nocc / max(1, len(occ)):.1f} rows (text + variants)",
              flush=True)
        configs = [("shipped b1", shipped_dir, 1), ("shipped b8 (varies)", shipped_dir, 8)]
        for n, d in rowqs:
            configs += [(f"{n} b{b}", d, b) for b in (1, 8, 16, 32)]
        models = {name: cm(d, b) for name, d, b in configs}
        for m in models.values():
            m.logits(tt[:64])                      # load and warm up
        occ_cfg = [("occl shipped 1/call", "shipped b1")]
        for n, _ in rowqs:
            occ_cfg += [(f"occl {n} 1/call", f"{n} b1"), (f"occl {n} 1 batch", f"{n} b16")]
        best = {k: (1e9, 1e9) for k in [c[0] for c in configs] + [c[0] for c in occ_cfg]}
        for rep in range(args.reps):
            for name, _, _ in configs:
                w0, c0 = time.perf_counter(), time.process_time()
                models[name].logits(tt)
                w, c = time.perf_counter() - w0, time.process_time() - c0
                best[name] = (min(best[name][0], c), min(best[name][1], w))
            for name, mname in occ_cfg:
                m = models[mname]
                w0, c0 = time.perf_counter(), time.process_time()
                for x in occ:
                    m.logits(x)                   # b1: one row per call; b16: the text and its variants at once
                w, c = time.perf_counter() - w0, time.process_time() - c0
                best[name] = (min(best[name][0], c), min(best[name][1], w))
            print(f"  rep {rep + 1} done, load {load()}", flush=True)
        base = best["shipped b1"][0] / len(tt)
        for name, _, _ in configs:
            c, w = best[name]
            print(f"  {name:26s}: CPU {1e3 * c / len(tt):.2f} ms/text (wall {1e3 * w / len(tt):.2f}); "
                  f"{base / (c / len(tt)):.2f}x shipped b1", flush=True)
        obase = best["occl shipped 1/call"][0] / nocc
        for name, _ in occ_cfg:
            c, w = best[name]
            print(f"  {name:26s}: CPU {1e3 * c / nocc:.2f} ms/row (wall {1e3 * w / nocc:.2f}); "
                  f"{obase / (c / nocc):.2f}x shipped one row per call", flush=True)
        for n, _ in rowqs:     # the occlusion batch's rows vs the same rows alone
            m1, m16 = models[f"{n} b1"], models[f"{n} b16"]
            d = max(float(np.abs(m16.logits(x) - m1.logits(x)).max()) for x in occ)
            print(f"  {n}: occlusion rows, max |dlogit| one batch vs one row per call: {d:.2e}", flush=True)
    print(f"\nload at end: {load()}", flush=True)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("rewrite", help="write a per-row quantised copy of a model folder")
    r.add_argument("--src", default=str(SHIPPED))
    r.add_argument("--out", required=True)
    r.add_argument("--plain", action="store_true", help="standard ONNX ops only, the model's own opset (slower)")
    r.add_argument("--symmetric", action="store_true", help="per-row scale with a fixed zero point 128 (fewer passes)")
    m = sub.add_parser("measure", help="figures (a)-(c) on training texts")
    m.add_argument("--rowq", required=True, nargs="+", help="rewritten model folder(s)")
    m.add_argument("--shipped", default=str(SHIPPED))
    m.add_argument("--fp32", default=str(FP32), help="an fp32 concern_model.onnx (read only)")
    m.add_argument("--work", default=str(ROOT / "benchmarks/training/out/rowquant-work"))
    m.add_argument("--parts", default="abc")
    m.add_argument("--written", type=int, default=3000)
    m.add_argument("--olid", type=int, default=3000)
    m.add_argument("--speed-texts", type=int, default=2000)
    m.add_argument("--occlusion", type=int, default=100)
    m.add_argument("--reps", type=int, default=3)
    m.add_argument("--shipped-batch", action="store_true", help="also the shipped model at batch 16, for scale")
    args = ap.parse_args(argv)
    return cmd_rewrite(args) if args.cmd == "rewrite" else cmd_measure(args)


if __name__ == "__main__":
    sys.exit(main())
