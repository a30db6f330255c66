"""Train the concern model's cheap gate: one linear model per concern over hashed word 1-2-grams and
character 2-4-grams (`auditor.analysers.text.model.gate_features`), and for each concern the score below
which a text is cleared without running the encoder.

    /work/wt/<name>/.venv/bin/python benchmarks/training/train_gate.py [--shared ../shared] [--c 2.0]

Training data only (concern_data.build, label scheme "aux"): our written posts
(benchmarks/training/data/writer_*.jsonl), the OLID training set and Davidson et al., as concern_data reads
them. ../shared/corpora/ftp and OLID's official test set are never read. By default (--target labels) the
gate is picked against the labels, not against the encoder's outputs, so it does not depend on the
encoder's exact weights; --target encoder (below) learns the encoder's verdicts instead.

Labels for the gate: ours where known (concern_data's masks; an unknown label leaves the row out of that
concern's model and threshold); a public row that is offensive in no sense (OLID NOT, Davidson neither)
is clean for every concern (see gate_targets). Public offensive rows are not positives for the gate's
'offensive' (ours is abuse aimed at people; --widen-offensive makes them so, and the gate then clears
almost nothing).

Split: concern_data.holdout (stratified by source and label pattern, equal texts on one side), 20 % held
out. The models are fitted on the other 80 %. On the held-out part, each concern's `clear_below` is the
highest score that keeps at least 99.5 % of that concern's held-out positives at or above it; a text goes
to the encoder when any concern's score reaches its `clear_below`. The figures (held-out recall per
concern, share of held-out clean rows cleared) are written to concern_gate.json with the thresholds.

Writes auditor/analysers/data/concern_gate.npz (coef float16 (2 * n_features, 10), intercept (10,)) and
concern_gate.json (settings, thresholds, sha256 of the npz, sources, figures). Deterministic: fixed split
seed; liblinear is deterministic for a given input.

--target encoder (issue 13 item 6, third attempt): the gate learns the SHIPPED ENCODER's verdicts, not the
labels. The shipped model runs over the same training texts exactly as the product runs it (links blanked
and cut as engine.signals does, one text per call, calibrated, shipped thresholds; cached in
benchmarks/training/out/gate3/encoder.npz, never committed); a text's target per concern is "the encoder
flags it, or its calibrated logit is within --margins below the threshold". Same 20 % held-out split;
the clear_below are chosen on it so that >= 99.5 % of the held-out texts the encoder flags (any concern)
are still sent to the encoder (--thresholds shared: one per-label recall r for every label, the lowest r
on a grid that meets it; greedy: measured worse, kept as an option). The grid candidate (margin, C or
hidden) that clears most held-out texts is written. Features:
  --features ngrams     the hashed n-grams above, logistic regression per concern (.venv is enough);
  --features embedding  the shipped encoder's own word-embedding table (concern_model.onnx's int8
                        initializer, PCA to 128 columns, int8, 3.9 MB), mean and max over the text's tokens
                        and log(1 + tokens), one hidden layer (sklearn MLPClassifier), numpy at run time;
                        needs the `onnx` package: run it with .venv-train/bin/python.
                        --any-label: one output, "the encoder flags something", one threshold.

    .venv-train/bin/python benchmarks/training/train_gate.py --target encoder --features embedding \
        --margins 0 0.5 --hidden 256 [--out DIR]

Result (27 Nov 2026, MODEL_CARD.md "Cheap gates"): held-out cleared 13.0 % of all training texts, 24.1 %
of those the encoder does not flag; on validation the scan's CPU fell 1.015x (its rule asked 1.3x), so no
gate ships.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402

from auditor.analysers.text import model as cm  # noqa: E402

DATA = ROOT / "auditor/analysers/data"
N_FEATURES = 1 << 17
RECALL = 0.995
HOLDOUT = 0.20
SPLIT_SEED = 7


ENCODER_RULE = (f"a text goes to the encoder when any concern's gate score is at or above its clear_below; the "
                f"clear_below keep >= {RECALL:.1%} of the held-out training texts that the shipped encoder flags "
                f"(any concern) going to the encoder")


def encoder_target(margin) -> str:
    return ("encoder: the shipped concern model's own verdicts (calibrated probability at or above its shipped "
            f"threshold, or within {margin} logit below it) over the training texts, not the labels")


def gate_cpu_ms(score, sample: list[str]) -> float:
    """CPU milliseconds per text of `score(sample)` (features and scores, as the runtime computes them), best of 3."""
    best = []
    for _ in range(3):
        c0 = time.process_time()
        score(sample)
        best.append((time.process_time() - c0) / len(sample) * 1000)
    return round(min(best), 3)


def write_encoder_gate(out: Path, npz: Path, meta: dict, fig: dict, model_meta: dict, info, results, rows: int,
                       t0: float, model: str, script: str, extra_source: str | None = None, **settings) -> None:
    """Complete an encoder-target gate's settings (training record, figures, date, script), write
    concern_gate.json beside its npz and print the figures."""
    sources = ["benchmarks/training/data/writer_*.jsonl (written for this project, MIT)",
               "OLID v1.0 training set (CC BY 4.0)", "Davidson et al. 2017 (MIT)"]
    meta["training"] = {"target": encoder_target(fig["margin"]),
                        "encoder_sha256": model_meta["sha256"][cm.MODEL_FILE],
                        "sources": sources + ([extra_source] if extra_source else []),
                        "never_read": ["../shared/corpora (validation)", "OLID official test set"],
                        "holdout": HOLDOUT, "split_seed": SPLIT_SEED, **settings, "margin_logit": fig["margin"],
                        "model": model, "rows": rows, "info": info, "grid": [r[1] for r in results]}
    meta.update(figures=fig, trained=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), script=script)
    (out / "concern_gate.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(fig, indent=1))
    print(f"wrote {npz} ({npz.stat().st_size / 1e6:.1f} MB) and concern_gate.json in {time.time() - t0:.0f}s")


def gate_targets(table, public_clean: bool = True, widen_offensive: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(Y, M) over the ten labels: concern_data's labels and masks (with `widen_offensive`, any public
    offensive row counts as 'offensive' too: the gate then clears almost nothing, as OLID's OFF and NOT
    overlap too much for a linear model at 99.5 % recall). With `public_clean`, a public row that is not offensive in any sense (OLID NOT,
    Davidson neither) counts as clean for every concern, also those concern_data leaves unknown there
    (grievance, misinformation, conduct): without them those three concerns' models only ever see
    care-work posts, and an ordinary tweet scores near their prior (none was cleared)."""
    y, m = table.arrays()
    Y, M = y[:, :len(cd.LABELS)].copy(), m[:, :len(cd.LABELS)].copy()
    off = cd.L["offensive"]
    if widen_offensive:
        public_off = (m[:, cd.A] > 0) & (y[:, cd.A] > 0)
        Y[public_off, off] = 1
        M[public_off, off] = 1
    if public_clean:
        src = np.array(table.source)
        plain = (src != "written") & (m[:, cd.A] > 0) & (y[:, cd.A] == 0)
        M[plain] = 1
        Y[plain] = 0
    return Y, M


def _encoder_worker(args):
    """One process: the shipped model (one thread), its calibrated probabilities for `texts`, each
    scored alone as the product scores it."""
    texts, = args
    model = cm.ConcernModel(threads=1)
    return model.predict(texts)


def encoder_probs(texts: list[str], cache: Path, procs: int = 2) -> np.ndarray:
    """The shipped encoder's calibrated probabilities (n, 10) for `texts` (already as the engine hands
    them to the model: links blanked, cut), cached in `cache` under the sha256 of the texts and of the
    shipped model file (so a different model or table recomputes)."""
    import hashlib
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass") + b"\0")
    meta = json.loads((DATA / cm.META_FILE).read_text(encoding="utf-8"))
    key = f"{h.hexdigest()[:16]}-{meta['sha256'][cm.MODEL_FILE][:16]}"
    if cache.is_file():
        with np.load(cache) as z:
            if str(z["key"]) == key:
                return z["probs"]
    t0 = time.time()
    parts = [texts[i::procs] for i in range(procs)]
    if procs > 1:
        from multiprocessing import get_context
        with get_context("spawn").Pool(procs) as pool:
            outs = pool.map(_encoder_worker, [(p,) for p in parts])
    else:
        outs = [_encoder_worker((parts[0],))]
    probs = np.zeros((len(texts), len(cd.LABELS)), dtype=np.float32)
    for i, o in enumerate(outs):
        probs[i::procs] = o
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, key=np.array(key), probs=probs)
    print(f"encoder over {len(texts)} training texts in {time.time() - t0:.0f}s ({procs} processes), cached in {cache}")
    return probs


def write_npz(path: Path, **arrays: np.ndarray) -> None:
    """np.savez_compressed with fixed member dates, so the same weights give the same file (and sha256)."""
    import io
    import zipfile
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, buf.getvalue())


def gate_scores(X, coef16: np.ndarray, intercept: np.ndarray) -> np.ndarray:
    """As the runtime computes them (ConcernModel.gate_scores): float32 weights, float32 probabilities."""
    z = np.asarray(X @ coef16.astype(np.float32)) + intercept.astype(np.float32)
    return (1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))).astype(np.float32)


def clear_below(scores: np.ndarray, recall: float = RECALL) -> float:
    """The highest threshold t with share(scores >= t) >= recall."""
    s = np.sort(scores.astype(np.float32))
    k = int(np.floor((1.0 - recall) * len(s)))      # this many positives may fall below
    return float(s[k])


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p.astype(np.float64), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def encoder_gate_targets(probs: np.ndarray, thresholds: np.ndarray, margin: float) -> np.ndarray:
    """(n, 10) 0/1: the encoder flags the text for the label, or its calibrated probability is within
    `margin` (logit units) below the label's shipped threshold."""
    return (_logit(probs) >= _logit(thresholds) - margin).astype(np.float32)


def joint_clear_below(scores: np.ndarray, flags: np.ndarray, keep: float = RECALL):
    """Per-label clear_below from one per-label recall r (each label's threshold keeps a share r of the
    texts the encoder flags for that label), r the lowest on a grid for which at least `keep` of the texts
    the encoder flags for any label are still sent (some label's score at or above its clear_below).
    Returns (thresholds (10,), r, sent (n,))."""
    anyf = flags.any(axis=1)
    best = None
    for r in np.round(np.arange(0.90, 1.00001, 0.0025), 4):
        th = np.array([clear_below(scores[flags[:, j], j], r) if flags[:, j].any() else 2.0
                       for j in range(flags.shape[1])], dtype=np.float32)
        sent = (scores >= th).any(axis=1)
        if sent[anyf].mean() >= keep:
            best = (th, float(r), sent)
            break
    if best is None:        # r = 1: every flagged text's own label keeps it
        th = np.array([float(scores[flags[:, j], j].min()) if flags[:, j].any() else 2.0
                       for j in range(flags.shape[1])], dtype=np.float32)
        best = (th, 1.0, (scores >= th).any(axis=1))
    return best


def greedy_clear_below(scores: np.ndarray, flags: np.ndarray, keep: float = RECALL, levels: int = 400):
    """Per-label clear_below chosen together: start where every text the encoder flags for a label is
    sent by that label's score (each threshold at the lowest such score), then repeatedly raise the one
    label's threshold to its next level (quantiles of its scores) that clears the most texts the encoder
    does not flag per flagged text it lets through, while at least `keep` of the flagged texts (any label)
    are still sent. Returns (thresholds (10,), moves, sent (n,))."""
    n, k = scores.shape
    anyf = flags.any(axis=1)
    allowed = int(np.floor((1.0 - keep) * anyf.sum()))
    th = np.array([float(scores[flags[:, j], j].min()) if flags[:, j].any() else 1.0 for j in range(k)],
                  dtype=np.float32)
    grids = [np.unique(np.quantile(scores[:, j], np.linspace(0, 1, levels)).astype(np.float32)) for j in range(k)]
    grids = [np.append(g[g > th[j]], np.float32(1.01)) for j, g in enumerate(grids)]
    pos = [0] * k
    above = scores >= th                      # (n, k)
    count = above.sum(axis=1)                 # labels sending each text
    moves = 0
    while True:
        best = None
        missed = int((count[anyf] == 0).sum())
        for j in range(k):
            if pos[j] >= len(grids[j]):
                continue
            nt = grids[j][pos[j]]
            drop = above[:, j] & (scores[:, j] < nt)          # texts whose label-j vote goes
            newly = drop & (count == 1)                       # ... and which nothing else sends
            d_miss = int((newly & anyf).sum())
            d_clear = int((newly & ~anyf).sum())
            if missed + d_miss > allowed:
                continue
            gain = (d_clear + 1e-3) / (d_miss + 0.5)
            if best is None or gain > best[0]:
                best = (gain, j, nt, drop)
        if best is None:
            break
        _, j, nt, drop = best
        th[j] = nt
        above[drop, j] = False
        count[drop] -= 1
        pos[j] += 1
        moves += 1
    return th, moves, count > 0


SOURCE_GROUPS = ("written clean", "written concerning", "olid NOT", "olid OFF", "davidson neither",
                 "davidson offensive", "davidson hate")


def source_groups(table, Y) -> dict[str, np.ndarray]:
    src, orig = np.array(table.source), np.array(table.orig)
    wclean = (src == "written") & (Y[:, :len(cd.LABELS)].sum(axis=1) == 0)
    return {"written clean": wclean, "written concerning": (src == "written") & ~wclean,
            "olid NOT": (src == "olid") & (orig == "NOT"), "olid OFF": (src == "olid") & (orig == "OFF"),
            "davidson neither": (src == "davidson") & (orig == "neither"),
            "davidson offensive": (src == "davidson") & (orig == "offensive"),
            "davidson hate": (src == "davidson") & (orig == "hate")}


EMB_DIMS = 128            # the static token table's width after PCA (int8: 30522 x 128 = 3.9 MB)


def encoder_token_table(dims: int = EMB_DIMS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The shipped encoder's own word-embedding table (its int8 initializer, dequantised), reduced by PCA
    to `dims` and stored int8 with one scale per column. Returns (table int8 (vocab, dims), scale (dims,)
    float32, the PCA (384, dims) for the record). Needs the `onnx` package (training venv)."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(str(DATA / cm.MODEL_FILE))
    init = {i.name: i for i in m.graph.initializer}
    base = "encoder.embeddings.word_embeddings.weight"
    q = numpy_helper.to_array(init[base + "_quantized"]).astype(np.float32)
    sc = float(numpy_helper.to_array(init[base + "_scale"]))
    zp = float(numpy_helper.to_array(init[base + "_zero_point"]))
    E = (q - zp) * sc
    mu = E.mean(axis=0)
    _, _, vt = np.linalg.svd(E - mu, full_matrices=False)
    P = vt[:dims].T.astype(np.float32)                       # (384, dims)
    R = (E - mu) @ P
    scale = (np.abs(R).max(axis=0) / 127.0).astype(np.float32)
    table = np.clip(np.round(R / scale), -127, 127).astype(np.int8)
    return table, scale, P


def embed_features(ids_list: list[list[int]], table: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """As the runtime (model.embed_gate_features): mean and max of the tokens' table rows, and log(1 + tokens)."""
    return cm.embed_gate_features(ids_list, table, scale)


def choose_clear_below(a, scores, flags):
    if getattr(a, "any_label", False):     # one score for every label: one threshold
        t = clear_below(scores[flags.any(axis=1), 0], RECALL)
        sent = scores[:, 0] >= t
        return np.full(scores.shape[1], t, dtype=np.float32), "one threshold", sent
    if a.thresholds == "greedy":
        return greedy_clear_below(scores, flags, RECALL)
    return joint_clear_below(scores, flags, RECALL)


def main_encoder(a) -> None:
    """--target encoder: the gate learns the shipped encoder's own verdicts (see the module notes)."""
    from sklearn.linear_model import LogisticRegression
    from auditor.analysers.text import engine
    t0 = time.time()
    table, info = cd.build(Path(a.shared), scheme="aux")
    y_lab, _ = table.arrays()
    engine_texts = [engine.mask_links(t[:engine.MAX_CHARS]) for t in table.texts]   # as the engine hands them on
    probs = encoder_probs(engine_texts, Path(a.cache), procs=a.procs)
    model_meta = json.loads((DATA / cm.META_FILE).read_text(encoding="utf-8"))
    thr = np.array([model_meta["thresholds"][lab] for lab in cd.LABELS], dtype=np.float32)
    flags = probs >= thr
    held = cd.holdout(table, frac=HOLDOUT, seed=SPLIT_SEED)
    texts = [cm.normalise(t).lower() for t in engine_texts]
    tr, te = np.flatnonzero(~held), np.flatnonzero(held)
    groups = source_groups(table, y_lab)
    if a.features == "embedding":
        return main_embedding(a, table, info, engine_texts, probs, thr, flags, tr, te, groups, model_meta, t0)
    X = cm.gate_features(texts, N_FEATURES)
    print(f"rows {len(texts)}; training {len(tr)}, held out {len(te)}; encoder flags any label on "
          f"{flags.any(1).mean():.3f} (" + ", ".join(f"{k} {flags[g].any(1).mean():.3f}" for k, g in groups.items()) + ")")
    results = []
    for margin in a.margins:
        for c in a.cs:
            T = encoder_gate_targets(probs, thr, margin)
            coef = np.zeros((X.shape[1], len(cd.LABELS)), dtype=np.float32)
            intercept = np.zeros(len(cd.LABELS), dtype=np.float32)
            for j in range(len(cd.LABELS)):
                clf = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=1000)
                clf.fit(X[tr], T[tr, j])
                coef[:, j] = clf.coef_[0]
                intercept[j] = clf.intercept_[0]
            coef16 = coef.astype(np.float16)
            scores = gate_scores(X[te], coef16, intercept)
            th, r, sent = choose_clear_below(a, scores, flags[te])
            cleared = {k: round(float((~sent[g[te]]).mean()), 4) for k, g in groups.items() if g[te].any()}
            fig = {"margin": margin, "C": c, "threshold_search": r,
                   "encoder_flagged_sent": round(float(sent[flags[te].any(1)].mean()), 4),
                   "held_out_cleared": round(float((~sent).mean()), 4),
                   "held_out_unflagged_cleared": round(float((~sent[~flags[te].any(1)]).mean()), 4),
                   "cleared_by_source": cleared}
            print(json.dumps(fig))
            results.append((fig["held_out_cleared"], fig, coef16, intercept, th))
    _, fig, coef16, intercept, th = max(results, key=lambda x: x[0])
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    npz = out / cm.GATE_FILE
    write_npz(npz, coef=coef16, intercept=intercept)
    # cost of the gate per text, as the runtime computes it (features and scores), best of 3
    fig["gate_cpu_ms_per_text"] = gate_cpu_ms(
        lambda sample: gate_scores(cm.gate_features([cm.normalise(t).lower() for t in sample], N_FEATURES),
                                   coef16, intercept),
        [engine_texts[i] for i in te[:4000]])
    meta = {
        "labels": list(cd.LABELS),
        "n_features": N_FEATURES,
        "features": "hashed word 1-2-grams and character 2-4-grams (within words) of the normalised, "
                    "lower-cased text, l2-normalised each (auditor.analysers.text.model.gate_features)",
        "clear_below": {lab: float(th[j]) for j, lab in enumerate(cd.LABELS)},
        "rule": ENCODER_RULE,
        "sha256": {cm.GATE_FILE: cm.sha256_file(npz)},
    }
    write_encoder_gate(out, npz, meta, fig, model_meta, info, results, len(texts), t0,
                       "logistic regression per concern (liblinear, class_weight balanced), coef stored float16",
                       "benchmarks/training/train_gate.py --target encoder", C=fig["C"])


def main_embedding(a, table, info, engine_texts, probs, thr, flags, tr, te, groups, model_meta, t0) -> None:
    """--target encoder --features embedding: a small MLP over the mean and max of the shipped encoder's
    own (PCA-reduced, int8) token embeddings; numpy only at run time."""
    from sklearn.neural_network import MLPClassifier
    emb, esc, _P = encoder_token_table()
    tok = cm.load_tokenizer(DATA)
    ids = [e.ids for e in tok.encode_batch([cm.normalise(t) for t in engine_texts], add_special_tokens=False)]
    F = embed_features(ids, emb, esc)
    mu, sd = F[tr].mean(axis=0), F[tr].std(axis=0) + 1e-6
    Z = (F - mu) / sd
    results = []
    for margin in a.margins:
        for hidden in a.hidden:
            T = encoder_gate_targets(probs, thr, margin)
            if a.any_label:
                T = T.max(axis=1, keepdims=True)
            clf = MLPClassifier(hidden_layer_sizes=(hidden,), alpha=a.alpha, batch_size=256, max_iter=60,
                                early_stopping=True, validation_fraction=0.1, n_iter_no_change=6, random_state=0)
            clf.fit(Z[tr], T[tr].astype(int) if not a.any_label else T[tr, 0].astype(int))
            W1 = (clf.coefs_[0] / sd[:, None]).astype(np.float32)          # standardisation folded in
            b1 = (clf.intercepts_[0] - (mu / sd) @ clf.coefs_[0]).astype(np.float32)
            W2, b2 = clf.coefs_[1].astype(np.float32), clf.intercepts_[1].astype(np.float32)
            if a.any_label:        # one score ("the encoder flags something"), the same in every label's column
                W2, b2 = np.repeat(W2, len(cd.LABELS), axis=1), np.repeat(b2, len(cd.LABELS))
            scores = cm.mlp_scores(F[te], W1, b1, W2, b2)
            th, r, sent = choose_clear_below(a, scores, flags[te])
            cleared = {k: round(float((~sent[g[te]]).mean()), 4) for k, g in groups.items() if g[te].any()}
            fig = {"margin": margin, "hidden": hidden, "alpha": a.alpha, "epochs": int(clf.n_iter_),
                   "threshold_search": r,
                   "encoder_flagged_sent": round(float(sent[flags[te].any(1)].mean()), 4),
                   "held_out_cleared": round(float((~sent).mean()), 4),
                   "held_out_unflagged_cleared": round(float((~sent[~flags[te].any(1)]).mean()), 4),
                   "cleared_by_source": cleared}
            print(json.dumps(fig), flush=True)
            results.append((fig["held_out_cleared"], fig, (W1, b1, W2, b2), th))
    _, fig, (W1, b1, W2, b2), th = max(results, key=lambda x: x[0])
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    npz = out / cm.GATE_FILE
    write_npz(npz, table=emb, table_scale=esc, w1=W1.astype(np.float16), b1=b1, w2=W2.astype(np.float16), b2=b2)
    # thresholds from the stored (float16) weights, as the runtime scores
    W1r, W2r = W1.astype(np.float16).astype(np.float32), W2.astype(np.float16).astype(np.float32)
    scores = cm.mlp_scores(F[te], W1r, b1, W2r, b2)
    th, r, sent = choose_clear_below(a, scores, flags[te])
    fig.update(threshold_search=r, encoder_flagged_sent=round(float(sent[flags[te].any(1)].mean()), 4),
               held_out_cleared=round(float((~sent).mean()), 4),
               cleared_by_source={k: round(float((~sent[g[te]]).mean()), 4) for k, g in groups.items() if g[te].any()})
    def score(sample):
        ii = [e.ids for e in tok.encode_batch([cm.normalise(t) for t in sample], add_special_tokens=False)]
        return cm.mlp_scores(cm.embed_gate_features(ii, emb, esc), W1r, b1, W2r, b2)
    fig["gate_cpu_ms_per_text"] = gate_cpu_ms(score, [engine_texts[i] for i in te[:4000]])
    meta = {
        "labels": list(cd.LABELS),
        "kind": "embedding",
        "features": f"the shipped encoder's own word-embedding table (int8 in concern_model.onnx, dequantised, "
                    f"PCA to {EMB_DIMS} columns, stored int8 with a scale per column): mean and max over the text's "
                    f"tokens (the shipped tokenizer, normalised text), and log(1 + tokens); "
                    f"one hidden layer (ReLU) and a sigmoid per concern (auditor.analysers.text.model)",
        "clear_below": {lab: float(th[j]) for j, lab in enumerate(cd.LABELS)},
        "rule": ENCODER_RULE,
        "sha256": {cm.GATE_FILE: cm.sha256_file(npz)},
    }
    write_encoder_gate(out, npz, meta, fig, model_meta, info, results, len(engine_texts), t0,
                       "sklearn MLPClassifier (one hidden layer, adam, early stopping), weights stored float16",
                       "benchmarks/training/train_gate.py --target encoder --features embedding "
                       "(training venv: needs onnx)",
                       extra_source="the token table: derived from concern_model.onnx (all-MiniLM-L6-v2, Apache-2.0, "
                                    "fine-tuned here)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--c", type=float, default=2.0, help="inverse L2 strength of each logistic regression")
    ap.add_argument("--out", default=str(DATA))
    ap.add_argument("--widen-offensive", action="store_true",
                    help="count every public offensive row (OLID OFF, Davidson hate and offensive) as 'offensive' "
                         "for the gate (it then clears almost nothing: 1.8 %% of held-out clean public rows)")
    ap.add_argument("--unknown-public", action="store_true",
                    help="leave grievance, misinformation and conduct unknown on clean public rows (as concern_data)")
    ap.add_argument("--target", choices=("labels", "encoder"), default="labels",
                    help="labels: the training labels (the first gate); encoder: the shipped encoder's verdicts")
    ap.add_argument("--margins", type=float, nargs="+", default=[0.0, 1.0],
                    help="encoder: logit margins below the threshold that also count as positive (grid)")
    ap.add_argument("--cs", type=float, nargs="+", default=[2.0], help="encoder: C values (grid)")
    ap.add_argument("--cache", default=str(HERE / "out/gate3/encoder.npz"),
                    help="encoder: cache of the encoder's probabilities over the training texts")
    ap.add_argument("--features", choices=("ngrams", "embedding"), default="ngrams",
                    help="encoder: hashed n-grams (linear) or the encoder's own token embeddings (small MLP)")
    ap.add_argument("--any-label", action="store_true",
                    help="embedding: one output, 'the encoder flags some label (or nearly)', one threshold")
    ap.add_argument("--thresholds", choices=("shared", "greedy"), default="shared",
                    help="encoder: clear_below from one shared per-label recall, or chosen together (greedy)")
    ap.add_argument("--hidden", type=int, nargs="+", default=[256], help="embedding: hidden units (grid)")
    ap.add_argument("--alpha", type=float, default=1e-4, help="embedding: L2 penalty of the MLP")
    ap.add_argument("--procs", type=int, default=2, help="encoder: processes scoring the training texts")
    a = ap.parse_args()
    if a.target == "encoder":
        return main_encoder(a)
    from sklearn.linear_model import LogisticRegression
    t0 = time.time()
    table, info = cd.build(Path(a.shared), scheme="aux")
    Y, M = gate_targets(table, public_clean=not a.unknown_public, widen_offensive=a.widen_offensive)
    held = cd.holdout(table, frac=HOLDOUT, seed=SPLIT_SEED)
    texts = [cm.normalise(t).lower() for t in table.texts]
    X = cm.gate_features(texts, N_FEATURES)
    tr, te = np.flatnonzero(~held), np.flatnonzero(held)
    print(f"rows {len(texts)} ({info}); training {len(tr)}, held out {len(te)}")
    coef = np.zeros((X.shape[1], len(cd.LABELS)), dtype=np.float32)
    intercept = np.zeros(len(cd.LABELS), dtype=np.float32)
    for j, lab in enumerate(cd.LABELS):
        rows = tr[M[tr, j] > 0]
        clf = LogisticRegression(C=a.c, solver="liblinear", class_weight="balanced", max_iter=1000)
        clf.fit(X[rows], Y[rows, j])
        coef[:, j] = clf.coef_[0]
        intercept[j] = clf.intercept_[0]
        print(f"  {lab}: {len(rows)} rows, {int(Y[rows, j].sum())} positive")
    coef16 = coef.astype(np.float16)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    npz = out / cm.GATE_FILE
    write_npz(npz, coef=coef16, intercept=intercept)
    # thresholds from the shipped (float16) weights, scored the way the runtime scores
    scores = gate_scores(X[te], coef16, intercept)
    thresholds, figures = {}, {}
    for j, lab in enumerate(cd.LABELS):
        pos = (M[te, j] > 0) & (Y[te, j] > 0)
        t = clear_below(scores[pos, j])
        thresholds[lab] = t
        figures[lab] = {"held_out_positives": int(pos.sum()),
                        "held_out_recall": round(float((scores[pos, j] >= t).mean()), 4)}
    th = np.array([thresholds[lab] for lab in cd.LABELS], dtype=np.float32)
    sent = (scores >= th).any(axis=1)
    clean = (M[te] > 0).sum(axis=1) == len(cd.LABELS)
    clean &= Y[te].sum(axis=1) == 0
    src = np.array(table.source)[te]
    any_pos = (Y[te] * M[te]).sum(axis=1) > 0
    cleared = {"held_out_clean_written_rows": round(float((~sent[clean & (src == "written")]).mean()), 4),
               "held_out_olid_not_and_davidson_neither": round(float((~sent[(src != "written") & ~any_pos
                                                                              & (M[te, cd.L['offensive']] > 0)]).mean()), 4),
               "held_out_rows_with_any_concern_sent": round(float(sent[any_pos].mean()), 4),
               "held_out_rows": int(len(te))}
    meta = {
        "labels": list(cd.LABELS),
        "n_features": N_FEATURES,
        "features": "hashed word 1-2-grams and character 2-4-grams (within words) of the normalised, "
                    "lower-cased text, l2-normalised each (auditor.analysers.text.model.gate_features)",
        "clear_below": thresholds,
        "rule": f"a text goes to the encoder when any concern's gate score is at or above its clear_below; "
                f"clear_below keeps >= {RECALL:.1%} of that concern's held-out positives (training data)",
        "sha256": {cm.GATE_FILE: cm.sha256_file(npz)},
        "training": {"sources": ["benchmarks/training/data/writer_*.jsonl (written for this project, MIT)",
                                 "OLID v1.0 training set (CC BY 4.0)", "Davidson et al. 2017 (MIT)"],
                     "never_read": ["../shared/corpora/ftp (validation)", "OLID official test set"],
                     "label_scheme": "concern_data 'aux'; gate 'offensive' = "
                                     + ("ours or any public offensive row" if a.widen_offensive
                                        else "concern_data's (abuse aimed at people; unknown on public offensive rows)")
                                     + ("" if a.unknown_public else "; public rows offensive in no sense (OLID NOT, "
                                        "Davidson neither) clean for every concern"),
                     "holdout": HOLDOUT, "split_seed": SPLIT_SEED, "C": a.c, "model":
                     "logistic regression per concern (liblinear, class_weight balanced), coef stored float16",
                     "rows": len(texts), "info": info},
        "figures": {"per_label": figures, "cleared": cleared},
        "trained": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "script": "benchmarks/training/train_gate.py",
    }
    (out / "concern_gate.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(meta["figures"], indent=1))
    print(f"wrote {npz} ({npz.stat().st_size / 1e6:.1f} MB) and concern_gate.json in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
