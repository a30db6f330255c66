"""Add a per-token output to an exported concern model, by graph surgery: the same weights, the same
`logits`, one more output the explanations read.

    nice -n 10 .venv-train/bin/python benchmarks/training/add_token_output.py \
        --model-dir auditor/analysers/data [--out DIR] \
        --texts benchmarks/training/data/writer_*.jsonl ../shared/corpora/offensive/olid/olid-training-v1.0.tsv

Why: the head of train_concern_model.py's Net is linear over the mean-pooled last hidden states
(pooled = mean over unmasked tokens of h_t; logits = head(pooled)), so a label's logit is
b_j + (1/n) * sum_t (w_j . h_t): each token's contextual state contributes an additive share. The
graph already computes every h_t; this script exposes w_j . h_t as

    token_logits  (batch, seq, n_labels) float32: h_t @ W[:, label columns], no bias

where W is the head's weight as the graph itself uses it (fp32; fp16-stored weights cast back; the
dynamic int8 model's per-channel int8 weight dequantised). The int8 model quantises the pooled vector
before its head, so mean_t(token_logits) + b matches `logits` only to a few hundredths; the script
prints that gap (the explanation ranks words with it, the verdict never reads it).

Works on any model train_concern_model.py exports (fp32, fp16-stored weights, dynamic int8): it finds
the head from the `logits` output backwards (Slice -> Gemm, or Add(bias) <- MatMul or <- the int8
chain Mul(Cast(MatMulInteger), scales)) and the hidden states from the mean pooling (Div <-
ReduceSum <- Mul(h, mask)). Nothing is re-exported from torch and nothing is re-quantised: only one
initializer, one MatMul node and one graph output are added.

Checks, before anything is written over: every text given (--texts: .jsonl with a "text" field, or
.tsv with the text in the second column, as OLID's training file) is scored by the product's own code
(ConcernModel: one text per call, windows as shipped) with the original model and with the new one,
the new one fetching both outputs as the runtime does; the `logits` must be BIT-IDENTICAL for every
text, else nothing is written (exit 1). Then concern_model.onnx is replaced and concern_model.json's
sha256 rewritten (nothing else in it changes). Training texts only: validation sets
(../shared/corpora/ftp, ../shared/corpora/ner) are refused. Needs the training environment (onnx).
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from auditor.analysers.text import model as cm  # noqa: E402

OUTPUT = "token_logits"
VALIDATION = ("corpora/ftp", "corpora/ner")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


class Graph:
    """Look-ups over an onnx GraphProto: producer of a value, initializers and constants as arrays."""

    def __init__(self, model):
        from onnx import numpy_helper
        self.m = model
        self.g = model.graph
        self.producer = {o: n for n in self.g.node for o in n.output}
        self.inits = {i.name: i for i in self.g.initializer}
        self._np = numpy_helper

    def const(self, name: str) -> np.ndarray | None:
        """The value of an initializer or a Constant node's output (through Casts), else None."""
        if name in self.inits:
            return self._np.to_array(self.inits[name])
        n = self.producer.get(name)
        if n is None:
            return None
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    return self._np.to_array(a.t)
            return None
        if n.op_type == "Cast":
            v = self.const(n.input[0])
            return None if v is None else v.astype(np.float32)
        return None

    def op(self, name: str) -> str | None:
        n = self.producer.get(name)
        return n.op_type if n is not None else None


def head_of(gr: Graph) -> tuple[np.ndarray, str, np.ndarray]:
    """(W (hidden, n_labels) float32, the name of the hidden states h (batch, seq, hidden), the head's
    bias (n_labels,)) for the head that produces `logits`."""
    name = "logits"
    cols = None
    node = gr.producer[name]
    if node.op_type == "Slice":
        starts, ends = gr.const(node.input[1]), gr.const(node.input[2])
        axes = gr.const(node.input[3]) if len(node.input) > 3 and node.input[3] else np.array([0])
        steps = gr.const(node.input[4]) if len(node.input) > 4 and node.input[4] else np.array([1])
        if starts is None or ends is None or int(axes[0]) not in (1, -1) or int(steps[0]) != 1:
            raise SystemExit("the logits Slice is not a plain column slice")
        cols = slice(int(starts[0]), int(ends[0]))
        name = node.input[0]
        node = gr.producer[name]
    pooled, W, bias = None, None, None
    if node.op_type == "Gemm":                       # fp32 / fp16-stored: Gemm(pooled, B, C)
        attrs = {a.name: a for a in node.attribute}
        if "transA" in attrs and attrs["transA"].i:
            raise SystemExit("the head's Gemm has transA set")
        B = gr.const(node.input[1])
        if B is None:
            raise SystemExit("the head's weight is not a constant")
        W = B.T if ("transB" in attrs and attrs["transB"].i) else B
        bias = gr.const(node.input[2]) if len(node.input) > 2 and node.input[2] else np.zeros(W.shape[1])
        pooled = node.input[0]
    elif node.op_type == "Add":                      # Add(y, bias) or Add(bias, y)
        y = next(i for i in node.input if gr.const(i) is None)
        bias = next(gr.const(i) for i in node.input if gr.const(i) is not None)
        prod = gr.producer[y]
        if prod.op_type == "MatMul":
            W, pooled = gr.const(prod.input[1]), prod.input[0]
        elif prod.op_type == "Mul":                  # int8: Mul(Cast(MatMulInteger(...)), a_scale * b_scale)
            cast = next(gr.producer[i] for i in prod.input if gr.op(i) == "Cast")
            mmi = gr.producer[cast.input[0]]
            if mmi.op_type != "MatMulInteger":
                raise SystemExit(f"unexpected int8 head: {mmi.op_type}")
            q = gr.const(mmi.input[1]).astype(np.float32)
            zp = gr.const(mmi.input[3]).astype(np.float32) if len(mmi.input) > 3 and mmi.input[3] else 0.0
            scales = next(gr.producer[i] for i in prod.input if gr.op(i) == "Mul")
            b_scale = next(gr.const(i) for i in scales.input if gr.const(i) is not None)
            W = (q - zp) * b_scale.astype(np.float32)          # per output column (or one scalar)
            dql = gr.producer[mmi.input[0]]
            if dql.op_type != "DynamicQuantizeLinear":
                raise SystemExit(f"unexpected int8 head input: {dql.op_type}")
            pooled = dql.input[0]
        else:
            raise SystemExit(f"unexpected head: Add <- {prod.op_type}")
    else:
        raise SystemExit(f"unexpected head: {node.op_type}")
    if W is None or pooled is None:
        raise SystemExit("the head's weight was not found")
    # the mean pooling: Div(ReduceSum(Mul(h, mask)), count)
    div = gr.producer[pooled]
    if div.op_type != "Div":
        raise SystemExit(f"the head's input is not a mean (Div), but {div.op_type}")
    rs = gr.producer[div.input[0]]
    if rs.op_type != "ReduceSum":
        raise SystemExit(f"the pooling is not a ReduceSum, but {rs.op_type}")
    mul = gr.producer[rs.input[0]]
    if mul.op_type != "Mul":
        raise SystemExit(f"the pooling does not mask by a Mul, but {mul.op_type}")
    mask_ops = ("Cast", "Unsqueeze", "Expand")
    hs = [i for i in mul.input if gr.op(i) not in mask_ops]
    if len(hs) != 1:
        raise SystemExit("the hidden states feeding the pooling were not found")
    W, bias = np.asarray(W, dtype=np.float32), np.asarray(bias, dtype=np.float32).reshape(-1)
    if cols is not None:
        W, bias = W[:, cols], bias[cols]
    return np.ascontiguousarray(W), hs[0], bias


def add_output(src: Path, dst: Path) -> tuple[tuple[int, int], np.ndarray]:
    """Write src with the `token_logits` output to dst; ((hidden, n_labels), the head's bias)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    m = onnx.load(str(src))
    if any(o.name == OUTPUT for o in m.graph.output):
        raise SystemExit(f"{src} already has an output {OUTPUT!r}")
    gr = Graph(m)
    W, h, bias = head_of(gr)
    if W.shape[1] != len(cm.LABELS):
        raise SystemExit(f"the head has {W.shape[1]} label columns, expected {len(cm.LABELS)}")
    wname = "token_logits_head_weight"
    m.graph.initializer.append(numpy_helper.from_array(W, wname))
    m.graph.node.append(helper.make_node("MatMul", [h, wname], [OUTPUT], name="token_logits_MatMul"))
    m.graph.output.append(helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", "seq", W.shape[1]]))
    onnx.checker.check_model(m)
    onnx.save(m, str(dst))
    return W.shape, bias


def read_texts(paths: list[str]) -> list[str]:
    out = []
    for p in paths:
        if any(v in str(Path(p).resolve()).replace("\\", "/") for v in VALIDATION):
            raise SystemExit(f"{p} is validation data: give training texts only")
        with open(p, encoding="utf-8") as fh:
            if p.endswith(".jsonl"):
                out += [json.loads(line)["text"] for line in fh if line.strip()]
            elif p.endswith(".tsv"):
                rows = [line.rstrip("\n").split("\t") for line in fh][1:]
                out += [r[1] for r in rows if len(r) > 1]
            else:
                raise SystemExit(f"{p}: .jsonl or .tsv only")
    return out


def check(old_dir: Path, new_dir: Path, texts: list[str], threads: int, bias: np.ndarray) -> bool:
    """The product's code on every text: old logits (fetching `logits` only) against new logits
    (fetching both outputs, as the runtime does), bit for bit; and how far mean(token_logits) + bias is
    from the logits (for the record)."""
    old = cm.ConcernModel(old_dir, threads=threads)
    new = cm.ConcernModel(new_dir, threads=threads)
    t0 = time.perf_counter()
    a = old.logits(texts)
    b, shares = new.logits_and_shares(texts)
    same = a.tobytes() == b.tobytes()
    rows = np.flatnonzero((a != b).any(axis=1))
    log(f"{len(texts)} texts ({new.rows_run} encoder rows each way, {time.perf_counter() - t0:.0f}s): logits "
        f"bit-identical {'YES' if same else 'NO'} ({len(rows)} texts differ; max |diff| "
        f"{float(np.abs(a - b).max()) if len(texts) else 0.0:.3g})")
    gaps = [float(np.abs(s.logits[0] - s.tokens[0].mean(axis=0) - bias).max())
            for s in shares if s is not None and len(s.logits) == 1]
    if gaps:
        log(f"single-window texts: |logits - (bias + sum of token shares)| median {np.median(gaps):.4f}, "
            f"95th percentile {np.percentile(gaps, 95):.4f}, max {np.max(gaps):.4f} (int8 head input)")
    return same


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model-dir", required=True, help="concern_model.onnx, concern_model.json, concern_tokenizer.json")
    ap.add_argument("--out", default=None, help="write here (default: over --model-dir, after the check)")
    ap.add_argument("--texts", nargs="+", required=True, help="training texts: .jsonl (text) or .tsv (OLID)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    src = Path(a.model_dir)
    out = Path(a.out) if a.out else src
    texts = read_texts(a.texts)
    log(f"{len(texts)} training texts from {len(a.texts)} files")
    with tempfile.TemporaryDirectory(prefix="token-output-") as tmp:
        new = Path(tmp)
        shape, bias = add_output(src / cm.MODEL_FILE, new / cm.MODEL_FILE)
        shutil.copyfile(src / cm.TOKENIZER_FILE, new / cm.TOKENIZER_FILE)
        raw = (src / cm.META_FILE).read_text(encoding="utf-8")
        meta = json.loads(raw)
        old_sha, new_sha = meta["sha256"][cm.MODEL_FILE], cm.sha256_file(new / cm.MODEL_FILE)
        if raw.count(old_sha) != 1:
            raise SystemExit(f"{src / cm.META_FILE}: the model's sha256 is not written exactly once")
        (new / cm.META_FILE).write_text(raw.replace(old_sha, new_sha), encoding="utf-8")   # nothing else moves
        meta["sha256"][cm.MODEL_FILE] = new_sha
        log(f"added {OUTPUT} (head weight {shape[0]}x{shape[1]}); {src / cm.MODEL_FILE} "
            f"{(src / cm.MODEL_FILE).stat().st_size / 1e6:.2f} MB -> {(new / cm.MODEL_FILE).stat().st_size / 1e6:.2f} MB")
        if not check(src, new, texts, a.threads, bias):
            raise SystemExit("the logits moved: nothing written")
        out.mkdir(parents=True, exist_ok=True)
        if out.resolve() != src.resolve():
            shutil.copyfile(src / cm.TOKENIZER_FILE, out / cm.TOKENIZER_FILE)
        shutil.copyfile(new / cm.MODEL_FILE, out / cm.MODEL_FILE)
        shutil.copyfile(new / cm.META_FILE, out / cm.META_FILE)
    log(f"wrote {out / cm.MODEL_FILE} (sha256 {old_sha[:12]}... -> {meta['sha256'][cm.MODEL_FILE][:12]}...) and "
        f"{out / cm.META_FILE}")


if __name__ == "__main__":
    main()
