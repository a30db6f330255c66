"""Refit the teacher's output layer on the teacher's own features (MODEL_CARD rules O, P and Q; issue 13).

The teacher's last layer is one linear map from its mean-pooled encoder output (768 numbers a window) to
the ten labels and AUX. Continuing the whole network on new posts moved the encoder and lost posts it had
found (rules F, J, L); this keeps the encoder byte for byte and refits only that map, on every written
post (the files the teacher never read included) and a sample of the public rows of its training table,
starting from the shipped map and pulled towards it. The run time is unchanged: the same network, the
same number of weights.

  features  the teacher's pooled output for the training table (concern_data.build with the shipped
            teacher's own settings: written posts with their masks, a seeded sample of public rows)
  fit       cross-validation grouped by writer file over the posts the shipped teacher never trained
            on (out-of-fold logits), per-label thresholds at which each label flags as many clean
            unseen posts as the shipped head does, then the head fitted on everything
  bundle    a candidate folder: the shipped bundle with the new head written into the teacher's graph
            (int8 per output channel, as shipped), its thresholds and training record

    .venv-train/bin/python benchmarks/training/head_refit.py features --out RUN
    .venv-train/bin/python benchmarks/training/head_refit.py fit --out RUN --trained-run E3RUN
    .venv-train/bin/python benchmarks/training/head_refit.py bundle --out RUN --to CANDIDATE

E3RUN: the shipped teacher's last continuation rebuilt (`continue_teacher.py prepare` with E2's arguments
over a data folder without writer_ar ... ay; its table's sha256/16 is c7fec2615cec4959, as recorded in
concern_teacher/concern_model.json); its training rows are left out of the unseen posts. Only its settings.json
and split.npz are read, and `prepare` writes them before it looks for get_mpnet.py's folder, so `--init` may
name any existing file. The candidates of rules O, O2, O3 and O3' (MODEL_CARD; none shipped) came from these
three commands with the defaults below, but: O `features --batch 32`; O2 O's head, `bundle --cap-shipped`; O3
`bundle --cap-shipped`; O3' also `--threshold discriminatory=0.15`. Rule P's candidate: O3's features, `fit --hidden 128
--lr 0.001` (a two-layer correction beside the linear map, written into the graph as float32 nodes summed
with the int8 linear head), `bundle --cap-shipped`. Rule Q: P's fit with `--union K`, `bundle --union`: the shipped
head kept byte for byte and P's head beside it as a float32 branch (a label flagged when either flags it; the
branch's thresholds the lowest adding at most K clean unseen posts per label, never below P's matched ones).
Q' (shipped 29 Nov 2026) is that with `--threshold discriminatory=off`. Since Q' shipped, `features` and `bundle`
must read the teacher as it was before (auditor/analysers/data at commit 7839c7a, e.g. `git archive 7839c7a
auditor/analysers/data | tar -x -C DIR`, then `features --bundle DIR/auditor/analysers/data`): a graph that
already holds a refitted head is refused. Rebuilt that way, Q''s graph is the shipped file byte for byte.
Rules LQ, LQ2, LQ3 and LQ4 (not shipped): the same three steps on a continued network (`features --bundle <rule
L2's candidate>`, rule L's for LQ3, rule L's with writer_bd in its continuation for LQ4; `fit --trained-run
E3RUN,LRUN --union 3` or `5`; `bundle --union`); their proxy
fallback would have raised the teacher's own discriminatory threshold with `bundle --teacher-threshold
discriminatory=VALUE`. Rule LQ3R rebuilt LQ3 with `features --data-dir <the data folder without writer_bd>`
(written after LQ3), which gave LQ3's graph byte for byte.
Training data only: ../shared/corpora/ftp/ is never read here, nor any measuring split.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(ROOT), str(HERE)]

import concern_data as cd                                    # noqa: E402
import either_choice as ec                                   # noqa: E402
import unsigned_int8 as u8                                   # noqa: E402
from auditor.analysers.text import model as cm               # noqa: E402

SHIPPED = ROOT / "auditor/analysers/data"
POOLED = "/Div_output_0"            # the teacher graph's mean-pooled encoder output, the head's input
HEAD = "head.weight_Transposed"     # the head's int8 weights (768 x 11), per-channel scale, zero point
SUMMED = "/head/Gemm_output_0"      # the head's output (the linear map plus its bias), sliced into logits and AUX
PUBLIC = "olid=4000,davidson=3000,ghc=3000,covidrumor=all,healthmisinfo=all"
SCREENS = "writer_al.jsonl,writer_am.jsonl"
UNSEEN = ",".join(f"writer_{s}.jsonl" for s in
                  "t u v w x y z aa ab ac ad ae af ag ah ai aj ak ar as at au av aw ax ay".split())


def teacher_dir(bundle: Path) -> Path:
    spec = json.loads((bundle / cm.META_FILE).read_text(encoding="utf-8")).get("cascade") or {}
    if "teacher" not in spec:
        raise SystemExit(f"{bundle}: expected a cascade bundle (its {cm.META_FILE} names a teacher)")
    return bundle / str(spec["teacher"])


def parse_public(spec: str) -> dict[str, int | None]:
    out: dict[str, int | None] = {}
    for part in filter(None, spec.split(",")):
        name, _, n = part.partition("=")
        if not n or not (n == "all" or n.isdigit()):
            raise SystemExit(f"--public {part!r}: expected SOURCE=COUNT or SOURCE=all, e.g. olid=4000")
        out[name] = None if n == "all" else int(n)
    return out


# ---- features ---------------------------------------------------------------------------------------
def feature_session(tdir: Path, threads: int, names: tuple[str, ...] = (POOLED,)):
    """An onnxruntime session on a copy of the teacher's graph that also outputs these inner tensors (default:
    the pooled features the head reads)."""
    import onnx
    import onnxruntime as ort
    m = onnx.load(str(tdir / cm.MODEL_FILE))          # external weights read from beside the graph
    made = {o for n in m.graph.node for o in n.output}
    for name in names:
        if name not in made:
            raise SystemExit(f"{tdir / cm.MODEL_FILE}: expected a node output {name!r}; this graph was exported "
                             f"differently")
        m.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.inter_op_num_threads, opts.log_severity_level = threads, 1, 3
    return ort.InferenceSession(m.SerializeToString(), sess_options=opts, providers=["CPUExecutionProvider"])


def pooled(texts: list[str], tdir: Path, threads: int, with_logits: bool = False, batch: int = 1):
    """(features per window (rows, 768) float32, the text each window belongs to), windows as the
    runtime reads them (model.ConcernModel._windows); with_logits: also the graph's own logits per window
    (rows, 10), from the same batches (the head's input is quantised per batch, so a text's logits
    depend a little on the texts beside it). `batch` 1, as the product scores (rule O3): a text's features
    are then the ones the product's teacher reads."""
    t = cm.ConcernModel(tdir)
    sess = feature_session(tdir, threads)
    rows, owner = t.rows([cm.normalise(x) for x in texts])
    feats = np.zeros((len(rows), 768), dtype=np.float32)
    logits = np.zeros((len(rows), len(cm.LABELS)), dtype=np.float32)
    t0 = time.time()
    for k, (idx, ids, mask) in enumerate(t.calls(rows, batch)):
        feats[idx], logits[idx] = sess.run([POOLED, "logits"], {"input_ids": ids, "attention_mask": mask})
        if k and (k * batch) % 6400 < batch:
            print(f"  {k * batch} of {len(rows)} windows, {time.time() - t0:.0f}s", flush=True)
    return (feats, owner, logits) if with_logits else (feats, owner)


def feature_table(a, tdir: Path):
    """The texts features are read for: every written post of the training table built with the teacher's own
    settings, and a seeded sample of its public rows (--public). Returns (texts, labels, masks, sources, writer
    files, the teacher's settings)."""
    if not any(Path(a.data_dir).glob("writer_*.jsonl")):
        raise SystemExit(f"--data-dir {a.data_dir}: expected a folder of written posts (writer_*.jsonl), found none")
    meta = json.loads((tdir / cm.META_FILE).read_text(encoding="utf-8"))
    s = meta["training"]["settings"]
    table, info = cd.build(Path(a.shared), davidson_offensive=s["davidson_offensive"], seed=s["seed"],
                           scheme=s["scheme"], dis_offensive_unknown=tuple(s.get("dis_offensive_unknown") or ()),
                           public_extra=tuple(s.get("public_extra") or ()), mirrors=Path(a.mirrors),
                           data_dir=Path(a.data_dir))
    y, mask = table.arrays()
    src = np.array(table.source)
    rng = random.Random(a.seed)
    keep = [i for i in range(len(src)) if src[i] == "written"]
    for name, n in parse_public(a.public).items():
        ix = [i for i in range(len(src)) if src[i] == name]
        if not ix:
            raise SystemExit(f"--public {name}: no such rows in the training table (sources: {sorted(set(src))})")
        rng.shuffle(ix)
        keep += ix[:n] if n is not None else ix
    keep.sort()
    texts = [table.texts[i] for i in keep]
    print(f"{len(texts)} texts ({sum(src[i] == 'written' for i in keep)} written)", flush=True)
    return texts, y[keep], mask[keep], src[keep], np.array(table.orig)[keep], s


def teacher_settings(s: dict) -> dict:
    return {k: s.get(k) for k in ("davidson_offensive", "seed", "scheme", "dis_offensive_unknown", "public_extra")}


def cmd_features(a) -> None:
    tdir = teacher_dir(Path(a.bundle))
    texts, y, mask, src, orig, s = feature_table(a, tdir)
    feats, owner = pooled(texts, tdir, a.threads, batch=a.batch)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / "features.npz", F=feats.astype(np.float16), owner=owner, y=y, mask=mask, source=src, orig=orig)
    (out / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    (out / "settings.json").write_text(json.dumps({"bundle": str(a.bundle), "public": a.public, "seed": a.seed, "batch": a.batch,
                                                   "teacher_settings": teacher_settings(s)}, indent=1))
    print(f"features of {len(texts)} texts ({len(owner)} windows) in {out}")


def need(out: Path, names: tuple[str, ...], step: str) -> None:
    missing = [n for n in names if not (out / n).is_file()]
    if missing:
        raise SystemExit(f"--out {out}: expected {', '.join(missing)} from the `{step}` step; run it first")


# ---- fit ----------------------------------------------------------------------------------------------
def shipped_head(tdir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The shipped head as floats: (768 x 11 weights, 11 biases)."""
    import onnx
    from from_onnx import dequantised
    m = onnx.load(str(tdir / cm.MODEL_FILE), load_external_data=False)     # the head is stored in the graph
    w, _ = dequantised(m, only=(HEAD, "head.bias"))
    return w[HEAD], w["head.bias"].astype(np.float32)


def head_logits(head: dict, F: np.ndarray) -> np.ndarray:
    """The head's logits for pooled windows: the linear map, plus rule P's two-layer correction (768 -> hidden,
    exact GELU, hidden -> outputs) when the head has one."""
    out = F @ head["W"] + head["b"]
    if "W1" in head:
        import torch
        h = torch.nn.functional.gelu(torch.tensor(F @ head["W1"] + head["b1"])).numpy()
        out = out + h @ head["W2"] + head["b2"]
    return out.astype(np.float32)


def text_logits(W: np.ndarray | dict, b: np.ndarray | None, F: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Per text, the largest logit over its windows (as ConcernModel._logits); W a head dict (b None) or the
    linear map's weights."""
    head = W if isinstance(W, dict) else {"W": W, "b": b}
    return text_max(head_logits(head, F), owner, n)


def text_max(window_logits: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Per text, the largest logit over its windows (-30 for a text with none)."""
    out = np.full((n, window_logits.shape[1]), -30.0, dtype=np.float32)
    np.maximum.at(out, owner, window_logits)
    return out


def fit_head(X, T, M, w, W0, b0, lam: float, steps: int, lr: float, seed: int, hidden: int = 0,
             decay: float = 0.01, dropout: float = 0.1):
    """Masked, weighted binary cross-entropy from the shipped head, with lam x the squared distance to it.
    hidden 0: the linear map alone (Adam), returned as (W, b). hidden > 0 (rule P): beside it a two-layer
    correction whose last layer starts at zero (AdamW: weight decay `decay` on the correction only, `dropout`
    on its input while fitting), returned as a head dict."""
    import torch
    torch.manual_seed(seed)
    X, T, M = torch.tensor(X), torch.tensor(T), torch.tensor(M)
    w = torch.tensor(w)[:, None]
    W = torch.tensor(W0.copy(), requires_grad=True)
    b = torch.tensor(b0.copy(), requires_grad=True)
    Wr, br = torch.tensor(W0), torch.tensor(b0)
    if hidden:
        l1, l2 = torch.nn.Linear(X.shape[1], hidden), torch.nn.Linear(hidden, W0.shape[1])
        torch.nn.init.zeros_(l2.weight)
        torch.nn.init.zeros_(l2.bias)
        extra = list(l1.parameters()) + list(l2.parameters())
        opt = torch.optim.AdamW([{"params": [W, b], "weight_decay": 0.0}, {"params": extra, "weight_decay": decay}],
                                lr=lr)
    else:
        opt = torch.optim.Adam([W, b], lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        z = X @ W + b
        if hidden:
            xd = torch.nn.functional.dropout(X, dropout, True) if dropout else X
            z = z + l2(torch.nn.functional.gelu(l1(xd)))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, T, reduction="none") * M * w
        loss = loss.sum() / (M * w).sum() + lam * (((W - Wr) ** 2).sum() + ((b - br) ** 2).sum())
        loss.backward()
        opt.step()
    if not hidden:
        return W.detach().numpy(), b.detach().numpy()
    return {"W": W.detach().numpy(), "b": b.detach().numpy(), "W1": l1.weight.detach().numpy().T.copy(),
            "b1": l1.bias.detach().numpy(), "W2": l2.weight.detach().numpy().T.copy(), "b2": l2.bias.detach().numpy()}


def as_head(fitted) -> dict:
    return fitted if isinstance(fitted, dict) else {"W": fitted[0], "b": fitted[1]}


def matched_thresholds(p_old, p_new, y, th_old) -> np.ndarray:
    """Per label: the threshold at which the new probabilities flag as many clean posts for the label as
    the old ones did at the shipped threshold."""
    clean = ~y.any(1)
    th = th_old.copy()
    for j in range(p_old.shape[1]):
        c = int((p_old[clean, j] >= th_old[j]).sum())
        s = np.sort(p_new[clean, j])[::-1]
        th[j] = float(s[c]) + 1e-6 if c < len(s) else 0.0
    return np.clip(th, 0.02, 0.98)


def union_thresholds(p_old, p_new, y, th_old, floor, extra: int) -> np.ndarray:
    """Rule Q: per label, the threshold of the new head's branch in a union with the old head (a label is
    flagged when either flags it): the lowest at which the branch flags at most `extra` clean posts the old head
    does not flag for the label, and never below `floor` (the matched threshold); 1 (off) where that would be above
    0.98."""
    clean = ~y.any(1)
    th = np.array(floor, dtype=float).copy()
    for j in range(p_old.shape[1]):
        s = np.sort(p_new[clean & (p_old[:, j] < th_old[j]), j])[::-1]
        th[j] = max(float(floor[j]), float(s[extra]) + 1e-6 if extra < len(s) else 0.0)
    th = np.maximum(th, 0.02)
    return np.where(th > 0.98, 1.0, th)        # 1: the branch is off for the label (no usable threshold)


def fit_inputs(a, out: Path, files: tuple[str, ...]):
    """What a `fit` step reads from a `features` run folder, with the rows sorted out: each text's first window,
    which rows may be fitted on (not the screens), which are unseen (--unseen-files, less the rows --trained-run
    trained on), their weights, and the shipped teacher's calibration (`prob`) and thresholds (`th_old`)."""
    import types
    need(out, files, "features")
    z = np.load(out / "features.npz")
    texts = json.loads((out / "texts.json").read_text(encoding="utf-8"))
    tdir = teacher_dir(Path(json.loads((out / "settings.json").read_text())["bundle"]))
    meta = json.loads((tdir / cm.META_FILE).read_text(encoding="utf-8"))
    labels = list(cm.LABELS)
    A = np.array([meta["calibration"][lab]["a"] for lab in labels])
    B = np.array([meta["calibration"][lab]["b"] for lab in labels])
    owner, n = z["owner"], len(texts)
    first = np.full(n, -1)
    first[owner[::-1]] = np.arange(len(owner))[::-1]           # each text's first window
    y, mask, src, orig = z["y"], z["mask"], z["source"], z["orig"]
    written = src == "written"
    screens = set(filter(None, a.screens.split(",")))
    unseen_files = set(filter(None, a.unseen_files.split(",")))
    from recall_choice import trained_texts
    trained: dict[str, set[str]] = {}
    for run in filter(None, (a.trained_run or "").split(",")):      # every run whose training the encoder carries
        for f, seen in trained_texts(Path(run)).items():
            trained.setdefault(f, set()).update(seen)
    if not a.trained_run:
        print("warning: no --trained-run: rows a continuation trained on count as unseen", flush=True)
    unseen = np.array([bool(written[i] and orig[i] in unseen_files and orig[i] not in screens
                            and texts[i] not in trained.get(orig[i], ())) for i in range(n)])
    return types.SimpleNamespace(
        z=z, tdir=tdir, labels=labels, owner=owner, n=n, first=first, y=y, mask=mask, orig=orig,
        written=written, screens=screens, usable=~(written & np.isin(orig, sorted(screens))), unseen=unseen,
        weight=np.where(written, a.written_weight, 1.0).astype(np.float32),
        th_old=np.array([meta["thresholds"][lab] for lab in labels]),
        prob=lambda lg: 1 / (1 + np.exp(-(lg[:, :len(labels)] * A + B))))


def cmd_fit(a) -> None:
    import torch
    torch.set_num_threads(a.threads)
    out = Path(a.out)
    t = fit_inputs(a, out, ("features.npz", "texts.json", "settings.json"))
    z, tdir, labels, owner, n, first = t.z, t.tdir, t.labels, t.owner, t.n, t.first
    y, mask, orig, written, screens = t.y, t.mask, t.orig, t.written, t.screens
    usable, unseen, weight, th_old, prob = t.usable, t.unseen, t.weight, t.th_old, t.prob
    F = z["F"].astype(np.float32)
    W0, b0 = shipped_head(tdir)
    L_old = text_logits(W0, b0, F, owner, n)

    files = sorted(set(orig[unseen]))
    perm = list(np.random.default_rng(a.seed).permutation(files))
    groups = [set(perm[k::a.folds]) for k in range(a.folds)]
    rng = np.random.default_rng(a.seed + 1)
    public = np.flatnonzero(~written)
    held = set(rng.choice(public, size=len(public) // 5, replace=False).tolist())    # public rows for checking
    pub_train = np.array([i for i in public if i not in held], dtype=int)
    oof = L_old.copy()
    for k, g in enumerate(groups):
        tr = np.concatenate([np.flatnonzero(written & usable & ~np.isin(orig, sorted(g))), pub_train])
        head = as_head(fit_head(F[first[tr]], y[tr], mask[tr], weight[tr], W0, b0, a.lam, a.steps, a.lr, a.seed,
                                a.hidden))
        f = np.flatnonzero(unseen & np.isin(orig, sorted(g)))
        oof[f] = text_logits(head, None, F, owner, n)[f]
        print(f"fold {k + 1} of {a.folds}: {len(f)} unseen posts of {len(g)} files", flush=True)
    Y = y[:, :len(labels)] == 1
    th = matched_thresholds(prob(L_old[unseen]), prob(oof[unseen]), Y[unseen], th_old)

    def figures(lg, thr):
        f, yy = prob(lg[unseen]) >= thr, Y[unseen]
        return {"own": int((f & yy).sum()), **ec.figures(f, yy)}
    cv = {"unseen_posts": int(unseen.sum()), "files": files, "shipped": figures(L_old, th_old),
          "refit_out_of_fold": figures(oof, th)}
    if a.union is not None:       # rule Q: the new head as a branch beside the shipped one
        p_old, p_new = prob(L_old[unseen]), prob(oof[unseen])
        uth = union_thresholds(p_old, p_new, Y[unseen], th_old, th, a.union)
        f, yy = (p_old >= th_old) | (p_new >= uth), Y[unseen]
        cv["union_out_of_fold"] = {"extra": a.union, "own": int((f & yy).sum()), **ec.figures(f, yy)}
    print(json.dumps({k: cv[k] for k in cv if k not in ("unseen_posts", "files")}, indent=1), flush=True)
    tr = np.flatnonzero(usable)
    head = as_head(fit_head(F[first[tr]], y[tr], mask[tr], weight[tr], W0, b0, a.lam, a.steps, a.lr, a.seed, a.hidden))
    np.savez(out / "head.npz", **head)
    record = {"lam": a.lam, "steps": a.steps, "lr": a.lr, "seed": a.seed, "folds": a.folds, "hidden": a.hidden,
              "written_weight": a.written_weight, "screens": sorted(screens), "trained_run": a.trained_run,
              "rows": int(len(tr)), "written_rows": int((written & usable).sum()),
              "thresholds": {lab: round(float(t), 3) for lab, t in zip(labels, th)}, "cv": cv}
    if a.union is not None:
        record["union_thresholds"] = {lab: float(np.ceil(t * 1000) / 1000) for lab, t in zip(labels, uth)}
    (out / "fit.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    print(f"head fitted on {len(tr)} rows; thresholds {record['thresholds']}; {out / 'fit.json'}")


# ---- bundle -------------------------------------------------------------------------------------------
def cmd_bundle(a) -> None:
    import onnx
    out, to = Path(a.out), Path(a.to)
    need(out, ("texts.json", "settings.json"), "features")
    need(out, ("head.npz", "fit.json"), "fit")
    settings = json.loads((out / "settings.json").read_text())
    src_bundle = Path(settings["bundle"])
    if to.exists():
        raise SystemExit(f"--to {to}: already exists (a candidate folder is written once)")
    fit = json.loads((out / "fit.json").read_text())
    if a.union and "union_thresholds" not in fit:          # checked before the candidate folder is made
        raise SystemExit("bundle --union: fit.json has no union thresholds; expected `fit --union K` first")
    shutil.copytree(src_bundle, to)
    tdir = teacher_dir(to)
    head = {k: v.astype(np.float32) for k, v in np.load(out / "head.npz").items()}
    path = tdir / cm.MODEL_FILE
    m = onnx.load(str(path), load_external_data=False)           # the encoder's weight files are untouched
    meta_path = tdir / cm.META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if a.union:
        m, head, th = union_bundle(a, m, head, fit, meta)
    else:
        write_head(m, head, path)
        if "W1" in head:
            add_correction(m, head)
        th = dict(fit["thresholds"])
    onnx.save(m, str(path))
    if a.cap_shipped and not a.union:   # rule O2: a refit for recall never raises a label's bar above the shipped one
        shipped = json.loads((teacher_dir(src_bundle) / cm.META_FILE).read_text(encoding="utf-8"))["thresholds"]
        th = {lab: min(float(t), float(shipped[lab])) for lab, t in th.items()}
    if not a.union:                # with --union, --threshold sets the branch's thresholds instead
        th = teacher_thresholds(th, a.threshold, "--threshold")
    th = teacher_thresholds(th, a.teacher_threshold)
    meta["thresholds"] = th
    meta["sha256"][cm.MODEL_FILE] = cm.sha256_file(path)
    meta["training"]["head_refit"] = {k: v for k, v in fit.items() if k != "cv"} | {
        "cv": fit["cv"], "public": settings["public"], "cap_shipped": a.cap_shipped, "threshold": a.threshold,
        "teacher_threshold": a.teacher_threshold, "thresholds_bundled": th}
    meta["training"]["rule"] = meta["training"].get("rule", "") + "; " + (a.rule or "rule O") + (
        ": the shipped output layer kept, and a refitted one beside it as a branch (a label flagged when either "
        "flags it; branch thresholds on unseen training posts, head_refit.py)" if a.union else
        ": output layer refitted on the teacher's own features (head_refit.py), thresholds matched per label "
        "on unseen training posts" + (", never above the shipped ones" if a.cap_shipped else ""))
    meta_path.write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    u8.convert_bundle(tdir)            # the head changed: its own self-check, not the shipped teacher's
    # the graph's head against the float head fitted (with --union: the larger of the shipped head and the
    # shifted branch), on the same windows in the same batches
    texts = json.loads((out / "texts.json").read_text(encoding="utf-8"))[::97][:400]
    feats, _owner, got = pooled(texts, tdir, 2, with_logits=True)
    want = head_logits(head, feats)
    if a.union:                   # the shipped head (float) beside the shifted branch
        W0, b0 = shipped_head(teacher_dir(src_bundle))
        want = np.maximum(feats @ W0 + b0, want + head["shift"])
    diff = np.abs(got - want[:, :len(cm.LABELS)])
    print(f"bundle {to}: int8 head against the float head on {len(feats)} windows, |logit difference| max "
          f"{float(diff.max()):.4f}, mean {float(diff.mean()):.4f}")


def write_head(m, head: dict, path: Path) -> None:
    """Rules O and P: the refitted linear map written over the shipped one, int8 per output channel as shipped."""
    from onnx import numpy_helper
    W, b = head["W"], head["b"]
    scale = np.maximum(np.abs(W).max(0), 1e-12) / 127.0          # symmetric int8 per output channel
    q = np.clip(np.round(W / scale), -127, 127).astype(np.int8)
    new = {f"{HEAD}_quantized": q, f"{HEAD}_scale": scale.astype(np.float32), "head.bias": b}
    for init in m.graph.initializer:
        if init.name in new:
            value = new.pop(init.name)
            if init.data_type == 2 and value.dtype == np.int8:      # stored unsigned (unsigned_int8.py): + 128
                value = (value.astype(np.int16) + 128).astype(np.uint8)
            init.CopyFrom(numpy_helper.from_array(value, init.name))
    if new:
        raise SystemExit(f"{path}: the head's tensors {sorted(new)} are not in the graph")


def branch_shift(meta: dict, branch: dict[str, float | None], n_out: int) -> np.ndarray:
    """Rule Q: per output, what is added to the branch's logit so that it crosses the shipped threshold (in
    logit space, through the shipped calibration) exactly where its own probability crosses its branch
    threshold. A label whose branch is off, and AUX, get -10000: the shipped head always wins there."""
    shift = np.full(n_out, -1e4, dtype=np.float32)
    for j, lab in enumerate(cm.LABELS):
        t = branch.get(lab)
        if t is None or t >= 1.0:               # off
            continue
        slope = float(meta["calibration"][lab]["a"])     # probability = sigmoid(slope x logit + intercept)
        if slope <= 0:
            raise SystemExit(f"{lab}: calibration slope {slope}; expected a positive one")
        shipped = float(meta["thresholds"][lab])
        shift[j] = (np.log(shipped / (1 - shipped)) - np.log(t / (1 - t))) / slope
    return shift


def union_bundle(a, m, head: dict, fit: dict, meta: dict):
    """Rule Q: the shipped head kept as it is; the refitted head (linear map and correction, float32) as a
    branch beside it, shifted per label; the graph's head output the larger of the two. A label is flagged when
    the shipped head flags it or the branch's probability reaches its branch threshold; the bundle keeps the
    shipped thresholds and calibration."""
    if "union_thresholds" not in fit:
        raise SystemExit("bundle --union: fit.json has no union thresholds; expected `fit --union K` first")
    branch = branch_thresholds(fit["union_thresholds"], a.threshold)
    head = dict(head, shift=branch_shift(meta, branch, head["W"].shape[1]))
    add_union(m, head)
    meta["training"]["union_branch_thresholds"] = branch
    return m, head, dict(meta["thresholds"])


def branch_thresholds(fitted: dict[str, float], specs: list[str]) -> dict[str, float | None]:
    """A union branch's thresholds per label: the fitted ones, with `--threshold LABEL=VALUE` (a number between 0
    and 1) or `LABEL=off` (None: no branch for the label) applied."""
    branch: dict[str, float | None] = dict(fitted)
    for spec in specs:
        lab, _, v = spec.partition("=")
        if lab not in branch:
            raise SystemExit(f"--threshold {spec!r}: expected LABEL=VALUE or LABEL=off with one of {', '.join(branch)}")
        try:
            branch[lab] = None if v == "off" else float(v)
        except ValueError:
            branch[lab] = -1.0
        if branch[lab] is not None and not 0 < branch[lab] < 1:
            raise SystemExit(f"--threshold {spec!r}: expected a number between 0 and 1, or off")
    return branch


def teacher_thresholds(th: dict[str, float], specs: list[str], option: str = "--teacher-threshold") -> dict[str, float]:
    """`LABEL=VALUE` specs set the teacher's own threshold of a label in the bundle (`--threshold` without
    --union; rule LQ2': `--teacher-threshold`). In a union graph it moves both heads together: the branch is
    shifted so that it crosses the teacher's threshold where its own probability reaches its branch threshold,
    so a higher teacher threshold asks more of both."""
    th = dict(th)
    for spec in specs:
        lab, _, v = spec.partition("=")
        try:
            value = float(v)
        except ValueError:
            value = -1.0
        if lab not in th or not 0 < value < 1:
            raise SystemExit(f"{option} {spec!r}: expected LABEL=VALUE, a number between 0 and 1, with one "
                             f"of {', '.join(th)}")
        th[lab] = value
    return th


def add_union(m, head: dict) -> None:
    """Rule Q: the branch as float32 nodes from the pooled output (the linear map, rule P's correction when the
    head has one, the shift), and the head's output the elementwise larger of the shipped head's and the
    branch's."""
    g, at = m.graph, head_sum_at(m.graph)
    shipped, c = SUMMED + "_shipped", "/branch/"
    g.node[at].output[0] = shipped
    consts = {"branch.w": head["W"], "branch.b": head["b"], "branch.shift": head["shift"]}
    nodes = [("MatMul", [POOLED, "branch.w"], c + "lin0"), ("Add", [c + "lin0", "branch.b"], c + "lin")]
    last = c + "lin"
    if "W1" in head:
        more, extra = correction_nodes(head, "branch", c, last, c + "full")
        consts |= more
        nodes += extra
        last = c + "full"
    nodes += [("Add", [last, "branch.shift"], c + "shifted"), ("Max", [shipped, c + "shifted"], SUMMED)]
    insert_nodes(g, at, consts, nodes, c)


def add_correction(m, head: dict) -> None:
    """Rule P: the two-layer correction as float32 nodes from the pooled output, added to the linear head's
    output before the logits and AUX are sliced from it."""
    g, at = m.graph, head_sum_at(m.graph)
    lin = SUMMED + "_linear"
    g.node[at].output[0] = lin
    consts, nodes = correction_nodes(head, "correction", "/correction/", lin, SUMMED)
    insert_nodes(g, at, consts, nodes, "/correction/")


def head_sum_at(g) -> int:
    """The index of the node writing the head's sum (the linear map plus its bias) in the teacher's graph; a
    graph that already holds a refitted head (rule P's correction, rule Q's branch) is refused."""
    done = sorted({nd.name.split("/")[1] for nd in g.node if nd.name.startswith(("/branch/", "/correction/"))})
    if done:
        raise SystemExit(f"the teacher's graph already holds a refitted head ({', '.join(done)}): bundle onto the "
                         "teacher the features were read from (their settings.json names it; for rules O-Q, "
                         "auditor/analysers/data as of commit 7839c7a)")
    at = [i for i, nd in enumerate(g.node) if list(nd.output) == [SUMMED]]
    if len(at) != 1:
        raise SystemExit(f"expected one node writing {SUMMED} (the head's sum) in the teacher's graph, found {len(at)}")
    return at[0]


def correction_nodes(head: dict, name: str, c: str, added_to: str, out: str) -> tuple[dict, list]:
    """Rule P's correction from the pooled output (768 -> hidden, exact GELU: x/2 (1 + erf(x / sqrt 2)),
    hidden -> outputs), added to `added_to` and written to `out`: its constants (named `name`.w1 ...) and
    nodes (outputs named under `c`)."""
    consts = {f"{name}.w1": head["W1"], f"{name}.b1": head["b1"], f"{name}.w2": head["W2"], f"{name}.b2": head["b2"],
              f"{name}.root2": np.array(np.sqrt(2.0)), f"{name}.one": np.array(1.0), f"{name}.half": np.array(0.5)}
    nodes = [("MatMul", [POOLED, f"{name}.w1"], c + "h0"), ("Add", [c + "h0", f"{name}.b1"], c + "h1"),
             ("Div", [c + "h1", f"{name}.root2"], c + "h2"), ("Erf", [c + "h2"], c + "h3"),
             ("Add", [c + "h3", f"{name}.one"], c + "h4"), ("Mul", [c + "h1", c + "h4"], c + "h5"),
             ("Mul", [c + "h5", f"{name}.half"], c + "h6"), ("MatMul", [c + "h6", f"{name}.w2"], c + "h7"),
             ("Add", [c + "h7", f"{name}.b2"], c + "h8"), ("Add", [added_to, c + "h8"], out)]
    return consts, nodes


def insert_nodes(g, at: int, consts: dict, nodes: list, c: str) -> None:
    """The constants (float32) and nodes written into the graph just after node `at`, named under `c`."""
    from onnx import helper, numpy_helper
    g.initializer.extend(numpy_helper.from_array(np.asarray(v, dtype=np.float32), k) for k, v in consts.items())
    for k, (op, ins, out) in enumerate(nodes):
        g.node.insert(at + 1 + k, helper.make_node(op, ins, [out], name=f"{c}node{k}"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("features")
    f.add_argument("--out", required=True)
    f.add_argument("--bundle", default=str(SHIPPED), help="the shipped bundle whose teacher is refitted")
    f.add_argument("--public", default=PUBLIC, help=f"public rows sampled per source (default {PUBLIC})")
    f.add_argument("--seed", type=int, default=7)
    f.add_argument("--shared", default=str(cd.default_shared()))
    f.add_argument("--mirrors", default=str(cd.MIRRORS))
    f.add_argument("--data-dir", default=str(cd.DATA_DIR),
                   help="the folder of written posts (default: the repository's); a copy without files written after "
                        "a candidate's rule rebuilds its features as they were")
    f.add_argument("--threads", type=int, default=2)
    f.add_argument("--batch", type=int, default=1,
                   help="windows per call; 1 (default) as the product scores (rule O used 32: features the product "
                        "never sees, since the int8 graph scales activations per call)")
    g = sub.add_parser("fit")
    g.add_argument("--out", required=True)
    g.add_argument("--trained-run", default=None,
                   help="E3RUN (see above): its training rows are not unseen; several runs comma-separated (a network "
                        "continued from E3: E3's run and the continuation's)")
    g.add_argument("--unseen-files", default=UNSEEN, help="writer files the teacher's first training never read")
    g.add_argument("--screens", default=SCREENS, help="writer files left out of the fit entirely (the screens)")
    g.add_argument("--lam", type=float, default=1e-5)
    g.add_argument("--steps", type=int, default=300)
    g.add_argument("--lr", type=float, default=2e-3, help="default 0.002 (rule O); rule P: 0.001")
    g.add_argument("--hidden", type=int, default=0,
                   help="rule P: a two-layer correction of this width beside the linear map (0: none, rule O)")
    g.add_argument("--union", type=int, default=None, metavar="K",
                   help="rule Q: also the branch thresholds of a union with the shipped head, each label's branch "
                        "adding at most K clean unseen posts")
    g.add_argument("--written-weight", type=float, default=3.0)
    g.add_argument("--folds", type=int, default=5)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--threads", type=int, default=2)
    b = sub.add_parser("bundle")
    b.add_argument("--out", required=True)
    b.add_argument("--to", required=True)
    b.add_argument("--cap-shipped", action="store_true",
                   help="rule O2: each label's threshold the lower of the matched one and the shipped one")
    b.add_argument("--threshold", action="append", default=[], metavar="LABEL=VALUE",
                   help="set one label's threshold (rule O2': the discriminatory threshold the proxy asks for); with "
                        "--union, the branch's threshold of that label (LABEL=off: no branch for it)")
    b.add_argument("--union", action="store_true",
                   help="rule Q: keep the shipped head and add the refitted one as a branch beside it (needs fit --union)")
    b.add_argument("--teacher-threshold", action="append", default=[], metavar="LABEL=VALUE",
                   help="rule LQ2': the teacher's own threshold of a label (with --union: both heads together)")
    b.add_argument("--rule", default="", help="the MODEL_CARD rule the candidate is built under")
    a = ap.parse_args()
    {"features": cmd_features, "fit": cmd_fit, "bundle": cmd_bundle}[a.cmd](a)


if __name__ == "__main__":
    main()
