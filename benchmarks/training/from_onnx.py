"""A train_concern_model.py `model.pt` rebuilt from the SHIPPED concern_model.onnx (dynamic int8), so that
later stages can start from the shipped weights (`prepare --init`, `--teacher`) on a machine that never
had stage 4b's run folder.

    P=".venv-train/bin/python benchmarks/training/from_onnx.py"
    nice -n 10 $P build --out /work/wt/shared/s4b/model.pt
    nice -n 10 $P measure --weights /work/wt/shared/s4b/model.pt --per-source 1000
    $P both --model-dir auditor/analysers/data/concern_teacher --out <dir>/model.pt --per-source 200 --only-a
        (the shipped MPNet teacher, so that a session can train on from it instead of from the pre-trained
        encoder: its weights files beside the graph are read with it; get_mpnet.py's folder is needed)

build: every quantised initialiser is dequantised ((q - zero point) x scale; per channel along the
MatMul's output columns, per tensor for the embeddings), float initialisers (layer norms, biases) are
copied, and each ONNX weight is mapped to the torch module's parameter name: named initialisers keep
torch's names; a MatMulInteger's weight (torch.onnx.export names it onnx::MatMul_N, the head
head.weight_Transposed) is the transpose of the Linear named by its node (`/encoder/encoder/layer.0/
attention/self/query/MatMul_quant` -> encoder.encoder.layer.0.attention.self.query.weight). Two tensors
are not in the ONNX file: the word-embedding matrix is there only as uint8 per tensor, but training kept
it frozen, so the pre-trained all-MiniLM-L6-v2 matrix is used when quantising it with the shipped scale
and zero point gives back the shipped bytes exactly (else the dequantised matrix); the BERT pooler, which
the network never calls, keeps its pre-trained values. Every other parameter must come from the file.
What is lost for good is the int8 rounding of the trained weights (half a step per weight); `measure`
says how much that matters.

measure, on TRAINING texts only (written posts, OLID training set, Davidson; never ../shared/corpora/ftp
or ner): (a) the rebuilt model in torch fp32 against the shipped ONNX, both reading each text as the
product does (ConcernModel's windows, the maximum over a text's windows; the shipped file one window per
call, as the product runs it); (b) the rebuilt model exported again through train_concern_model.py's own
export (export_onnx, then int8_dynamic) against the shipped file, both through ConcernModel; each as max
and mean |logit difference| and the share of texts whose flag set differs at the shipped calibration
and thresholds.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

SHIPPED_DIR = ROOT / "auditor/analysers/data"


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ---- dequantising (onnx only) -----------------------------------------------------------------------
def _inits(model, keep=None) -> dict:
    from onnx import numpy_helper
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer if keep is None or keep(i.name)}


def dequantised(model, only=None) -> tuple[dict[str, np.ndarray], dict[str, dict]]:
    """(float tensors, how each was stored) of a dynamically quantised ONNX model. A quantised tensor X is
    stored as X_quantized, X_scale and X_zero_point (onnxruntime.quantization's names) and comes back as
    X = (q - zero point) x scale: a per-channel scale of a MatMulInteger weight (in, out) runs along its
    output columns (axis 1); a DequantizeLinear's `axis` attribute says where its scale runs. Float
    initialisers come back unchanged; integer ones (shapes, axes) are left out. `only`: the tensors wanted,
    by their float names (e.g. the head's), so that no other initialiser is read (a graph loaded without
    its external weight files)."""
    from onnx import helper
    suffixes = ("", "_quantized", "_scale", "_zero_point")
    inits = _inits(model, None if only is None else
                   (lambda n: any(n == b + x for b in only for x in suffixes)))
    axis_of: dict[str, int] = {}
    for n in model.graph.node:
        if n.op_type == "MatMulInteger" and len(n.input) > 1:
            axis_of[n.input[1]] = 1
        elif n.op_type == "DequantizeLinear":
            ax = [helper.get_attribute_value(a) for a in n.attribute if a.name == "axis"]
            axis_of[n.input[0]] = ax[0] if ax else 1
    out, how = {}, {}
    for name, q in inits.items():
        if not name.endswith("_quantized"):
            continue
        base = name[:-len("_quantized")]
        scale = inits[base + "_scale"].astype(np.float32)
        zp = inits.get(base + "_zero_point", np.zeros_like(scale, dtype=np.int32))
        if scale.size == 1:
            x = ((q.astype(np.int32) - int(zp.reshape(-1)[0])) * scale.reshape(())).astype(np.float32)
            kind = "per tensor"
        else:
            axis = axis_of.get(name, 1)
            shape = [1] * q.ndim
            shape[axis] = scale.size
            if q.shape[axis] != scale.size:
                raise ValueError(f"{name}: {scale.size} scales for axis {axis} of shape {q.shape}")
            x = ((q.astype(np.int32) - zp.astype(np.int32).reshape(shape)) * scale.reshape(shape)).astype(np.float32)
            kind = f"per channel (axis {axis})"
        out[base] = x
        how[base] = {"stored": f"{q.dtype} {kind}", "shape": list(q.shape),
                     "half_step_max": float(np.abs(scale).max()) / 2}
    for name, a in inits.items():
        if a.dtype == np.float32 and not name.endswith(("_scale", "_quantized")) and name not in out:
            out[name] = a
            how[name] = {"stored": "float32", "shape": list(a.shape)}
    return out, how


def requantise_per_tensor_uint8(x: np.ndarray, scale: np.ndarray, zp: np.ndarray) -> np.ndarray:
    """x stored as uint8 with this scale and zero point (round half to even, as onnxruntime does)."""
    return np.clip(np.rint(x / scale.reshape(())) + int(zp.reshape(-1)[0]), 0, 255).astype(np.uint8)


def module_of(node_name: str) -> str:
    """The torch module a MatMul node of torch.onnx.export belongs to: '/encoder/encoder/layer.0/attention/
    self/query/MatMul_quant' -> 'encoder.encoder.layer.0.attention.self.query', '/head/Gemm_MatMul_quant'
    -> 'head'."""
    parts = [p for p in node_name.split("/") if p]
    if len(parts) < 2:
        raise ValueError(f"cannot tell the module of node {node_name!r}")
    return ".".join(parts[:-1])


def torch_state_from_onnx(model, names: dict[str, tuple]) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Map a (quantised or float) export of a torch module back to its parameters. `names`: the module's
    state-dict names -> shapes. Returns (name -> array, name -> where it came from); names the file does
    not hold are left out (the caller decides what to do with them)."""
    floats, _ = dequantised(model)
    state, src = {}, {}
    for name, a in floats.items():                 # parameters exported under their own names
        if name in names:
            state[name], src[name] = a, name
    for n in model.graph.node:                     # MatMul weights: the transpose of the Linear's weight
        if n.op_type not in ("MatMulInteger", "MatMul", "Gemm") or len(n.input) < 2:
            continue
        w = n.input[1][:-len("_quantized")] if n.input[1].endswith("_quantized") else n.input[1]
        if w not in floats or w in names:
            continue
        target = module_of(n.name) + ".weight"
        if target not in names:
            raise ValueError(f"node {n.name}: no parameter {target} in the torch module")
        a = floats[w]
        transposed = n.op_type != "Gemm" or not any(att.name == "transB" and att.i for att in n.attribute)
        a = a.T if transposed else a
        if tuple(a.shape) != tuple(names[target]):
            raise ValueError(f"{target}: shape {a.shape} from {w}, the module has {names[target]}")
        if target in state:
            raise ValueError(f"{target} found twice ({src[target]}, {w})")
        state[target], src[target] = np.ascontiguousarray(a), w + (" transposed" if transposed else "")
    for k, a in state.items():
        if tuple(a.shape) != tuple(names[k]):
            raise ValueError(f"{k}: shape {a.shape} in the file, {names[k]} in the module")
    return state, src


# ---- build (torch) --------------------------------------------------------------------------------
def build(onnx_path: Path, out: Path, word_embeddings: str = "auto", encoder: str = "minilm") -> dict:
    """Write model.pt (train_concern_model.py's format: {"model": state dict, ...}) from an ONNX export of
    its network (`encoder`: "minilm", the shipped small model, or "mpnet", the shipped teacher, whose
    weights sit in files beside the graph: onnx.load reads them from the graph's folder); returns a report."""
    import onnx
    import torch

    import train_concern_model as tcm
    model = onnx.load(str(onnx_path))
    inits = _inits(model)
    net = tcm.make_net(encoder=encoder)        # the pre-trained encoder, a fresh head: every tensor replaced below
    ref = {k: v.detach().cpu().numpy() for k, v in net.state_dict().items()}
    state, src = torch_state_from_onnx(model, {k: v.shape for k, v in ref.items()})
    report = {"onnx": str(onnx_path), "encoder": encoder, "from_file": len(state)}
    we = "encoder.embeddings.word_embeddings.weight"
    if word_embeddings != "dequantised" and we + "_quantized" in inits:
        q = requantise_per_tensor_uint8(ref[we], inits[we + "_scale"], inits[we + "_zero_point"])
        differ = int((q != inits[we + "_quantized"]).sum())
        report["word_embeddings_pretrained_requantised_bytes_differing"] = differ
        report["word_embeddings_max_abs_pretrained_minus_dequantised"] = float(np.abs(ref[we] - state[we]).max())
        if differ == 0 or word_embeddings == "pretrained":
            state[we], src[we] = ref[we], we + f" replaced by the pre-trained {encoder} matrix (frozen in training)"
    missing = sorted(set(ref) - set(state))
    allowed = {k for k in missing if k.startswith("encoder.pooler.")}
    if set(missing) - allowed:
        raise SystemExit(f"not in {onnx_path}: {sorted(set(missing) - allowed)}")
    for k in allowed:
        state[k], src[k] = ref[k], "pre-trained (the pooler is never called)"
    used = {s.split(" ")[0] for s in src.values()}
    floats, how = dequantised(model)
    unused = sorted(k for k in floats if k not in used and floats[k].size > 1)
    if unused:
        raise SystemExit(f"ONNX tensors not mapped to a parameter: {unused}")
    sd = {k: torch.tensor(state[k], dtype=v.dtype) for k, v in net.state_dict().items()}
    net.load_state_dict(sd)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({"model": net.state_dict(), "step": None, "loss": None, "n_steps": None,
                "rebuilt_from": {"onnx": str(onnx_path), "sha256": file_sha(onnx_path),
                                 "note": "dequantised by benchmarks/training/from_onnx.py"}}, out)
    kinds: dict[str, int] = {}
    for s in src.values():
        key = how.get(s.split(" ")[0], {}).get("stored", s)
        key = "pre-trained" if "pre-trained" in s else key
        kinds[key] = kinds.get(key, 0) + 1
    report.update(parameters=len(sd), sources=kinds, out=str(out))
    return report


def file_sha(p: Path) -> str:
    from auditor.analysers.text.model import sha256_file
    return sha256_file(p)


# ---- measure ----------------------------------------------------------------------------------------
def training_texts(per_source: int, seed: int = 7, mix: str = "three") -> tuple[list[str], list[str]]:
    """per_source texts each of our written posts, the OLID training set and Davidson (training data
    only), seeded; (texts, source of each). mix "rowquant": rowquant.training_texts(per_source,
    per_source), the written and OLID texts on which rowquant.py measured the shipped file against its
    own fp32 parent (3.3 % of texts flagged differently at 1,500 + 1,500)."""
    import concern_data as cd
    import rowquant
    if mix == "rowquant":
        texts = rowquant.training_texts(per_source, per_source, seed)
        written = {r["text"] for r in cd.read_written()[0]}
        return texts, ["written" if t in written else "olid" for t in texts]
    written, olid, rng = rowquant.shuffled_training(seed)
    dav = [t for _, t, _ in cd.load_davidson(cd.default_shared())]
    rng.shuffle(dav)
    texts = written[:per_source] + olid[:per_source] + dav[:per_source]
    src = ["written"] * len(written[:per_source]) + ["olid"] * len(olid[:per_source]) + \
        ["davidson"] * len(dav[:per_source])
    return texts, src


def torch_logits(net, cmodel, texts: list[str], batch: int = 32) -> np.ndarray:
    """(n, 10) logits of a torch net, each text read in ConcernModel's windows (max over windows)."""
    import torch

    import train_concern_model as tcm
    from auditor.analysers.text.model import normalise
    cmodel._load()
    encs = cmodel._tokenizer.encode_batch([normalise(t) for t in texts], add_special_tokens=False)
    rows = [(i, w) for i, e in enumerate(encs) for w in cmodel._windows(e.ids)]
    rows.sort(key=lambda r: len(r[1]))
    out = np.full((len(texts), 10), -np.inf, dtype=np.float32)
    with torch.no_grad():
        for b in range(0, len(rows), batch):
            part = rows[b:b + batch]
            inp, att = tcm.pad([w for _, w in part], cmodel._pad)
            z = net(inp, att)[0].numpy()
            for (i, _), zi in zip(part, z):
                out[i] = np.maximum(out[i], zi)
    return out


def compare(name: str, za: np.ndarray, zb: np.ndarray, flags, src: list[str]) -> dict:
    d = np.abs(za - zb)
    fa, fb = flags(za), flags(zb)
    ch = (fa != fb).any(axis=1)
    srcs = np.array(src)
    res = {"max_abs_logit_diff": round(float(d.max()), 4), "mean_abs_logit_diff": round(float(d.mean()), 5),
           "texts_flags_differ": int(ch.sum()), "share_texts_flags_differ": round(float(ch.mean()), 4),
           "per_source_share": {s: round(float(ch[srcs == s].mean()), 4) for s in sorted(set(src))},
           "flags": [int(fa.sum()), int(fb.sum())], "per_label_flag_changes": (fa != fb).sum(axis=0).tolist()}
    log(f"{name}: max |dlogit| {res['max_abs_logit_diff']}, mean {res['mean_abs_logit_diff']}; texts whose flag "
        f"set differs {res['texts_flags_differ']} of {len(src)} ({res['share_texts_flags_differ']:.2%}) "
        f"{res['per_source_share']}; flags {res['flags'][0]} vs {res['flags'][1]}")
    return res


def measure(weights: Path, per_source: int, threads: int, work: Path | None, mix: str = "three",
            model_dir: Path = SHIPPED_DIR, only_a: bool = False) -> dict:
    import onnx
    import torch

    import rowquant
    import train_concern_model as tcm
    from auditor.analysers.text.model import ConcernModel
    torch.set_num_threads(threads)
    log(f"load average {os.getloadavg()}")
    texts, src = training_texts(per_source, mix=mix)
    log(f"{len(texts)} training texts ({mix}): {per_source} each of "
        f"{'written, OLID training' if mix == 'rowquant' else 'written, OLID training, Davidson'} (seed 7)")
    shipped = ConcernModel(model_dir, threads=threads)
    shipped.MEMO = 0

    def flags(z):
        return shipped.flags(shipped.calibrate(z))

    t0 = time.time()
    z_ship = shipped.logits(texts)
    log(f"shipped ONNX (one window per call) in {time.time() - t0:.0f} s")
    net = tcm.load_net(weights)
    t0 = time.time()
    z_torch = torch_logits(net, shipped, texts)
    log(f"rebuilt model, torch fp32, in {time.time() - t0:.0f} s")
    report = {"texts": len(texts), "per_source": per_source, "mix": mix, "load_start": os.getloadavg()[0]}
    report["a_torch_fp32_vs_shipped"] = compare("(a) rebuilt torch fp32 vs shipped int8", z_torch, z_ship, flags, src)
    if only_a:
        return report
    with tempfile.TemporaryDirectory() as tmp:
        wd = Path(work) if work else Path(tmp)
        fp32, int8 = wd / "fp32" / "concern_model.onnx", wd / "int8dyn" / "concern_model.onnx"
        tcm.export_onnx(net, fp32)             # train_concern_model.py's own export path (checked against torch)
        tcm.int8_dynamic(fp32, int8)
        folder = rowquant.model_folder_for(int8, model_dir, wd / "int8dyn-folder")
        z_re = ConcernModel(folder, threads=threads).logits(texts)
        report["b_reexported_int8_vs_shipped"] = compare("(b) re-exported int8dyn vs shipped int8", z_re, z_ship,
                                                         flags, src)
        report["b_weights"] = same_quantised(onnx.load(str(int8)), onnx.load(str(model_dir / "concern_model.onnx")))
        log(f"(b) quantised weights, re-exported vs shipped: {json.dumps(report['b_weights'])}")
        folder32 = rowquant.model_folder_for(fp32, model_dir, wd / "fp32-folder")
        z_fp = ConcernModel(folder32, threads=threads).logits(texts)
        report["c_reexported_fp32_onnx_vs_torch"] = compare("(c) re-exported fp32 ONNX vs torch fp32", z_fp, z_torch,
                                                            flags, src)
    report["load_end"] = os.getloadavg()[0]
    return report


def same_quantised(a, b) -> dict:
    """Quantised weights of two int8 files matched by their (torch) parameter: how many integers differ
    and the largest relative scale difference."""
    def by_param(m):
        inits = _inits(m)
        out = {}
        for n in m.graph.node:
            if n.op_type == "MatMulInteger" and n.input[1].endswith("_quantized"):
                base = n.input[1][:-len("_quantized")]
                out[module_of(n.name)] = (inits[n.input[1]], inits[base + "_scale"])
        for k, v in inits.items():
            if k.endswith("_quantized") and not k.startswith("onnx::") and "_Transposed" not in k:
                base = k[:-len("_quantized")]
                out[base] = (v, inits[base + "_scale"])
        return out
    pa, pb = by_param(a), by_param(b)
    common = sorted(set(pa) & set(pb))
    differ = sum(int((pa[k][0] != pb[k][0]).sum()) for k in common)
    total = sum(int(pa[k][0].size) for k in common)
    rel = max(float(np.abs(pa[k][1] - pb[k][1]).max() / np.abs(pb[k][1]).max()) for k in common)
    return {"tensors": len(common), "only_in_one": sorted(set(pa) ^ set(pb)), "integers_differing": differ,
            "integers": total, "max_rel_scale_diff": rel}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=("build", "measure", "both"))
    ap.add_argument("--model-dir", default=str(SHIPPED_DIR),
                    help="the shipped folder rebuilt and measured against (the teacher: its concern_teacher)")
    ap.add_argument("--onnx", default=None, help="build: the ONNX file (default: the folder's concern_model.onnx)")
    ap.add_argument("--encoder", choices=("minilm", "mpnet"), default=None,
                    help="default: the folder's concern_model.json encoder_family, else minilm")
    ap.add_argument("--only-a", action="store_true", help="measure: only (a), no re-export")
    ap.add_argument("--out", default=None, help="build: where model.pt goes")
    ap.add_argument("--weights", default=None, help="measure: the rebuilt model.pt (default: --out)")
    ap.add_argument("--word-embeddings", choices=("auto", "pretrained", "dequantised"), default="auto")
    ap.add_argument("--per-source", type=int, default=1000, help="measure: texts per training source")
    ap.add_argument("--mix", choices=("three", "rowquant"), default="three",
                    help="measure: written/OLID/Davidson, or rowquant.py's written/OLID texts")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--work", default=None, help="measure: keep the re-exported files here")
    ap.add_argument("--report", default=None, help="write the figures as JSON here")
    a = ap.parse_args()
    random.seed(0)
    model_dir = Path(a.model_dir)
    meta = json.loads((model_dir / "concern_model.json").read_text(encoding="utf-8"))
    encoder = a.encoder or meta.get("encoder_family", "minilm")
    report = {}
    if a.cmd in ("build", "both"):
        if not a.out:
            raise SystemExit("build needs --out")
        report["build"] = build(Path(a.onnx or model_dir / "concern_model.onnx"), Path(a.out), a.word_embeddings,
                                encoder)
        log("built: " + json.dumps(report["build"]))
    if a.cmd in ("measure", "both"):
        report["measure"] = measure(Path(a.weights or a.out), a.per_source, a.threads, a.work, a.mix, model_dir,
                                    a.only_a)
    if a.report:
        Path(a.report).write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
