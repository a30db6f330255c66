"""The teacher's top layers trained on, as a branch beside the shipped teacher (MODEL_CARD rule R; issue 13).

Refitting only the teacher's output layer has saturated (a pilot: 1,227 more written posts did not move it):
what the frozen encoder does not separate, a head on top cannot. Continuing the whole teacher moved its
encoder and lost posts it had found (rules F, J, L). This trains a copy of the teacher's last two transformer
layers and its output layer on the teacher's own hidden states (the output of layer 10 of 12, exactly as the
shipped int8 graph computes it, one window a call as the product runs), and adds the copy to the graph as a
branch beside the shipped teacher: the lower ten layers are computed once for both. As in rule Q, a label is
flagged when the shipped teacher flags it, or when the branch's probability (shipped calibration) reaches the
branch's own threshold: nothing the shipped teacher flags is lost. The cost: two more transformer layers a
window sent to the teacher (about a sixth of a teacher pass).

  features  the shipped graph's layer-10 output for every window of the training table (head_refit.py's
            texts: every written post, a seeded sample of the public rows), with the shipped logits
  fit       the branch trained in folds grouped by writer file over the posts the shipped teacher never
            trained on (out-of-fold probabilities), each label's branch threshold from them (rule Q's:
            the lowest adding at most K clean unseen posts the shipped teacher does not flag for the label,
            never below the threshold matching the shipped teacher's clean count), then trained on everything
  bundle    a candidate folder: the shipped bundle with the branch (int8, as the teacher) written into the
            teacher's graph, shifted per label so that its threshold falls on the shipped one, the head's
            output the larger of the two

    P=".venv-train/bin/python benchmarks/training/top_branch.py"
    $P features --out RUN
    $P fit --out RUN --trained-run E3RUN --init E3PT --union 3
    $P bundle --out RUN --to CANDIDATE --rule "MODEL_CARD rule R"

E3RUN: as in head_refit.py (the shipped teacher's last continuation's table, rebuilt; its training rows are
not unseen). E3PT: the teacher rebuilt in torch (`from_onnx.py build --model-dir <the teacher before Q',
commit 7839c7a>/concern_teacher --out E3PT`): the branch starts from its layers 10 and 11 and its output layer.
Training data only: ../shared/corpora/ftp/ is never read here, nor any measuring split.
"""
from __future__ import annotations

import argparse
import json
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
import head_refit as hr                                      # noqa: E402
import unsigned_int8 as u8                                   # noqa: E402
from auditor.analysers.text import model as cm               # noqa: E402
from head_refit import text_max                              # noqa: E402  (per text, the largest window)

HIDDEN = "/encoder/encoder/layer.9/output/LayerNorm/LayerNormalization_output_0"    # layer 10's input
POSITION_BIAS = "/encoder/encoder/Expand_output_0"          # MPNet's relative position bias, shared by the layers
SHIPPED_HEAD = hr.SUMMED + "_shipped"                       # E3's own head, beside rule Q''s branch
FIRST = 10                                                  # the first layer the branch copies (of 0 ... 11)
SCREENS = hr.SCREENS + ",writer_az.jsonl,writer_ba.jsonl,writer_bb.jsonl,writer_bc.jsonl"
PREFIX = "/top/"


def log(*a) -> None:
    print(time.strftime("%H:%M:%S"), *a, flush=True)


# ---- features ---------------------------------------------------------------------------------------
def hidden_states(texts: list[str], tdir: Path, threads: int) -> dict:
    """Every window of the texts, one a call as the product scores: layer 10's input (tokens x 768, float16, the
    windows one after another), each window's token count, the text it belongs to, its ids, the shipped
    logits and E3's own head's outputs."""
    t = cm.ConcernModel(tdir)
    sess = hr.feature_session(tdir, threads, (HIDDEN, SHIPPED_HEAD))
    rows, owner = t.rows([cm.normalise(x) for x in texts])
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    H = np.zeros((int(lengths.sum()), 768), dtype=np.float16)
    logits = np.zeros((len(rows), len(cm.LABELS)), dtype=np.float32)
    e3 = np.zeros((len(rows), len(cd.OUTPUTS)), dtype=np.float32)
    t0 = time.time()
    for k, (idx, ids, mask) in enumerate(t.calls(rows, 1)):
        h, logits[idx], e3[idx] = sess.run([HIDDEN, "logits", SHIPPED_HEAD], {"input_ids": ids, "attention_mask": mask})
        j = idx[0]
        H[start[j]:start[j] + lengths[j]] = h[0]
        if k and k % 5000 == 0:
            log(f"  {k} of {len(rows)} windows, {time.time() - t0:.0f}s")
    ids = np.concatenate([np.asarray(r, dtype=np.int32) for r in rows])
    return {"H": H, "lengths": lengths, "start": start, "owner": owner, "logits": logits, "e3": e3, "ids": ids}


def cmd_features(a) -> None:
    tdir = hr.teacher_dir(Path(a.bundle))
    texts, y, mask, src, orig, s = hr.feature_table(a, tdir)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    f = hidden_states(texts, tdir, a.threads)
    np.save(out / "hidden.npy", f.pop("H"))
    np.savez(out / "features.npz", **f, y=y, mask=mask, source=src, orig=orig)
    (out / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    (out / "settings.json").write_text(json.dumps({"bundle": str(a.bundle), "public": a.public, "seed": a.seed,
                                                   "teacher_settings": hr.teacher_settings(s)}, indent=1))
    log(f"features of {len(texts)} texts ({len(f['owner'])} windows, {int(f['lengths'].sum())} tokens) in {out}")


# ---- the branch ---------------------------------------------------------------------------------------
def make_branch(init: Path | None, n_layers: int = 2):
    """Torch: the teacher's layers FIRST ... FIRST + n_layers - 1 and its output layer, from `init` (a
    from_onnx.py model.pt) when given. forward(hidden, attention_mask, position_bias) -> (windows, 11) logits:
    the layers, the mean over the window's tokens, the output layer."""
    import torch
    from torch import nn
    from transformers import MPNetConfig
    from transformers.models.mpnet.modeling_mpnet import MPNetLayer
    import train_concern_model as tcm
    config = MPNetConfig.from_pretrained(str(tcm.encoder_dir("mpnet")))

    class Branch(nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = nn.ModuleList([MPNetLayer(config) for _ in range(n_layers)])
            self.drop = nn.Dropout(0.1)
            self.head = nn.Linear(config.hidden_size, len(cd.OUTPUTS))

        def forward(self, hidden, attention_mask, position_bias):
            m = attention_mask.to(hidden.dtype)
            add = (1.0 - m)[:, None, None, :] * -1e9
            for layer in self.layer:
                hidden = layer(hidden, add, position_bias)[0]
            pooled = (hidden * m[:, :, None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1.0)
            return self.head(self.drop(pooled))

    net = Branch()
    rel = nn.Embedding(config.relative_attention_num_buckets, config.num_attention_heads)
    if init is not None:
        if not init.is_file():
            raise SystemExit(f"--init {init}: no such file; expected the teacher rebuilt in torch (from_onnx.py build "
                             f"--model-dir <teacher> --out FILE)")
        state = torch.load(str(init), map_location="cpu", weights_only=True)
        state = state.get("model", state)
        mine = {}
        for k, v in state.items():
            for i in range(n_layers):
                p = f"encoder.encoder.layer.{FIRST + i}."
                if k.startswith(p):
                    mine[f"layer.{i}." + k[len(p):]] = v
            if k.startswith("head."):
                mine[k] = v
        missing = set(net.state_dict()) - set(mine)
        if missing:
            raise SystemExit(f"--init {init}: expected the teacher's layers {FIRST}+ and head; missing {sorted(missing)[:4]}")
        net.load_state_dict(mine)
        key = "encoder.encoder.relative_attention_bias.weight"
        if key not in state:
            raise SystemExit(f"--init {init}: expected {key}")
        rel.weight.data.copy_(state[key])
    return net, rel


def position_bias(rel, length: int, batch: int):
    """MPNet's relative position bias for windows of `length` tokens (as MPNetEncoder.compute_position_bias)."""
    import torch
    from transformers.models.mpnet.modeling_mpnet import MPNetEncoder
    pos = torch.arange(length)
    bucket = MPNetEncoder.relative_position_bucket(pos[None, :] - pos[:, None], num_buckets=rel.num_embeddings)
    return rel(bucket).permute(2, 0, 1).unsqueeze(0).expand(batch, -1, -1, -1)


class Windows:
    """Padded batches of stored windows."""

    def __init__(self, H: np.ndarray, start: np.ndarray, lengths: np.ndarray, rel):
        self.H, self.start, self.lengths, self.rel = H, start, lengths, rel
        self._bias: dict[int, object] = {}

    def batch(self, rows):
        import torch
        width = int(self.lengths[rows].max())
        h = np.zeros((len(rows), width, 768), dtype=np.float32)
        m = np.zeros((len(rows), width), dtype=np.int64)
        for r, j in enumerate(rows):
            n = int(self.lengths[j])
            h[r, :n] = self.H[self.start[j]:self.start[j] + n]
            m[r, :n] = 1
        if width not in self._bias:
            with torch.no_grad():
                self._bias[width] = position_bias(self.rel, width, 1)
        return torch.tensor(h), torch.tensor(m), self._bias[width].expand(len(rows), -1, -1, -1)


def length_batches(lengths: np.ndarray, rows: np.ndarray, size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Batches of similar length (little padding), in random order."""
    rows = rows[np.argsort(lengths[rows] + rng.random(len(rows)), kind="stable")]
    out = [rows[i:i + size] for i in range(0, len(rows), size)]
    return [out[i] for i in rng.permutation(len(out))]


def branch_logits(net, win: Windows, rows: np.ndarray, batch: int = 64) -> np.ndarray:
    import torch
    net.eval()
    out = np.zeros((len(rows), len(cd.OUTPUTS)), dtype=np.float32)
    order = np.argsort(win.lengths[rows], kind="stable")
    with torch.no_grad():
        for b in range(0, len(order), batch):
            k = order[b:b + batch]
            out[k] = net(*win.batch(rows[k])).numpy()
    return out


def train_branch(a, win: Windows, rows: np.ndarray, y, mask, weight, tag: str):
    """The branch from the teacher's weights, trained on these windows (each text's first; y, mask and weight
    row for row with them)."""
    import torch
    torch.manual_seed(a.seed)
    net, _ = make_branch(Path(a.init), a.layers)
    opt = torch.optim.AdamW([{"params": net.layer.parameters(), "lr": a.lr},
                             {"params": net.head.parameters(), "lr": a.head_lr}], weight_decay=0.01)
    rng = np.random.default_rng(a.seed)
    pos, lengths = np.arange(len(rows)), win.lengths[rows]          # batches of positions into rows (and y, mask)
    batches = [b for _ in range(int(np.ceil(a.epochs))) for b in length_batches(lengths, pos, a.batch, rng)]
    batches = batches[:int(round(a.epochs * np.ceil(len(rows) / a.batch)))]
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, len(batches) // 10))
                                              * max(0.0, 1 - s / len(batches)))
    T, M, W = torch.tensor(y, dtype=torch.float32), torch.tensor(mask, dtype=torch.float32), torch.tensor(weight)
    t0 = time.time()
    net.train()
    for s, b in enumerate(batches):
        z = net(*win.batch(rows[b]))
        bt, bm, bw = T[b], M[b], W[b][:, None]
        loss = (torch.nn.functional.binary_cross_entropy_with_logits(z, bt, reduction="none") * bm * bw).sum() \
            / (bm * bw).sum().clamp(min=1.0)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        if s % 100 == 0:
            log(f"  {tag}: step {s} of {len(batches)}, loss {float(loss.detach()):.4f}, {time.time() - t0:.0f}s")
    net.eval()
    return net


def cmd_fit(a) -> None:
    import torch
    torch.set_num_threads(a.threads)
    out = Path(a.out)
    t = hr.fit_inputs(a, out, ("hidden.npy", "features.npz", "texts.json", "settings.json"))
    z, labels, owner, n, first = t.z, t.labels, t.owner, t.n, t.first
    y, mask, orig, written, screens = t.y, t.mask, t.orig, t.written, t.screens
    usable, unseen, weight, th_old, prob = t.usable, t.unseen, t.weight, t.th_old, t.prob
    _, rel = make_branch(Path(a.init), a.layers)
    win = Windows(np.load(out / "hidden.npy", mmap_mode="r"), z["start"], z["lengths"], rel)
    L_old = text_max(z["logits"], owner, n)

    # the torch branch at its start against the graph's own head on the same windows (E3's, int8)
    check = first[np.arange(0, n, max(1, n // 300))]
    start_logits = branch_logits(make_branch(Path(a.init), a.layers)[0], win, check)
    d = np.abs(start_logits - z["e3"][check])
    log(f"branch at its start against the graph's E3 head on {len(check)} windows: |logit difference| max "
        f"{d.max():.3f}, mean {d.mean():.4f}")

    files = sorted(set(orig[unseen]))
    perm = list(np.random.default_rng(a.seed).permutation(files))
    groups = [set(perm[k::a.folds]) for k in range(a.folds)]
    oof = L_old.copy()
    all_windows = np.arange(len(owner))
    for k, g in enumerate(groups):
        tr = np.flatnonzero(written & usable & ~np.isin(orig, sorted(g))) if a.written_only else \
            np.flatnonzero(usable & ~(written & np.isin(orig, sorted(g))))
        net = train_branch(a, win, first[tr], y[tr], mask[tr], weight[tr], f"fold {k + 1}")
        f = np.flatnonzero(unseen & np.isin(orig, sorted(g)))
        wins = all_windows[np.isin(owner, f)]
        lg = np.full((n, len(cd.OUTPUTS)), -30.0, dtype=np.float32)
        np.maximum.at(lg, owner[wins], branch_logits(net, win, wins))
        oof[f] = lg[f, :len(labels)]
        log(f"fold {k + 1} of {a.folds}: {len(f)} unseen posts of {len(g)} files")
    Y = y[:, :len(labels)] == 1
    p_old, p_new = prob(L_old[unseen]), prob(oof[unseen])
    th = hr.matched_thresholds(p_old, p_new, Y[unseen], th_old)
    uth = hr.union_thresholds(p_old, p_new, Y[unseen], th_old, th, a.union)

    def figures(f):
        yy = Y[unseen]
        return {"own": int((f & yy).sum()), **ec.figures(f, yy)}
    cv = {"unseen_posts": int(unseen.sum()), "files": files, "shipped": figures(p_old >= th_old),
          "branch_out_of_fold": figures(p_new >= th),
          "union_out_of_fold": {"extra": a.union, **figures((p_old >= th_old) | (p_new >= uth))}}
    print(json.dumps({k: cv[k] for k in cv if k not in ("unseen_posts", "files")}, indent=1), flush=True)
    tr = np.flatnonzero(written & usable) if a.written_only else np.flatnonzero(usable)
    net = train_branch(a, win, first[tr], y[tr], mask[tr], weight[tr], "all")
    torch.save(net.state_dict(), out / "branch.pt")
    record = {k: getattr(a, k) for k in ("layers", "epochs", "lr", "head_lr", "batch", "seed", "folds", "written_weight",
                                         "written_only", "trained_run", "init")}
    record |= {"screens": sorted(screens), "rows": int(len(tr)), "written_rows": int((written & usable).sum()),
               "matched_thresholds": {lab: round(float(t), 3) for lab, t in zip(labels, th)},
               "union_thresholds": {lab: float(np.ceil(t * 1000) / 1000) for lab, t in zip(labels, uth)}, "cv": cv}
    (out / "fit.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    log(f"branch trained on {len(tr)} rows; union thresholds {record['union_thresholds']}; {out / 'fit.json'}")


# ---- bundle -------------------------------------------------------------------------------------------
def export_branch(net, path: Path, n_layers: int) -> None:
    """The branch as ONNX (inputs: layer 10's input, the attention mask, the position bias; output the 11
    logits), then onnxruntime's dynamic int8 per channel as the teacher, with the first copied layer's
    feed-forward output left in float32 as the teacher's layer 10 is."""
    import torch
    fp32 = path.with_suffix(".fp32.onnx")
    h = torch.zeros((2, 7, 768))
    m = torch.ones((2, 7), dtype=torch.long)
    m[1, 5:] = 0
    with torch.no_grad():
        pb = torch.zeros((2, 12, 7, 7))
        torch.onnx.export(net, (h, m, pb), str(fp32), input_names=["hidden", "attention_mask", "position_bias"],
                          output_names=["z"], opset_version=17, dynamo=False,
                          dynamic_axes={"hidden": {0: "b", 1: "s"}, "attention_mask": {0: "b", 1: "s"},
                                        "position_bias": {0: "b", 2: "s", 3: "s"}, "z": {0: "b"}})
    import onnx
    import train_concern_model as tcm
    keep = [nd.name for nd in onnx.load(str(fp32)).graph.node
            if nd.op_type == "MatMul" and nd.name.startswith("/layer.0/output/dense/")]
    tcm.int8_dynamic(fp32, path, keep)             # weights stored unsigned, as every shipped int8 file
    fp32.unlink()


def merge_branch(m, branch, shift: np.ndarray) -> None:
    """Rule R: the branch's nodes and weights written into the teacher's graph (its names under PREFIX, its inputs
    the teacher's layer-10 input, attention mask and position bias), shifted per label, and the head's output the
    elementwise larger of the shipped output and the branch's."""
    from onnx import helper, numpy_helper
    g = m.graph
    if any(nd.name.startswith(PREFIX) for nd in g.node):
        raise SystemExit(f"the teacher's graph already holds a top-layer branch ({PREFIX}); bundle onto the shipped one")
    at = [i for i, nd in enumerate(g.node) if list(nd.output) == [hr.SUMMED]]
    if len(at) != 1:
        raise SystemExit(f"expected one node writing {hr.SUMMED} in the teacher's graph, found {len(at)}")
    at = at[0]
    outer = {"hidden": HIDDEN, "attention_mask": "attention_mask", "position_bias": POSITION_BIAS}
    bg = branch.graph
    own = {i.name for i in bg.initializer} | {o for nd in bg.node for o in nd.output}
    rename = lambda x: outer.get(x, PREFIX + x if x in own else x)    # noqa: E731
    shipped = hr.SUMMED + "_before_top"
    g.node[at].output[0] = shipped
    for init in bg.initializer:
        t = numpy_helper.to_array(init)
        g.initializer.append(numpy_helper.from_array(t, PREFIX + init.name))
    new = []
    for nd in bg.node:
        c = helper.make_node(nd.op_type, [rename(x) if x else "" for x in nd.input], [rename(x) for x in nd.output],
                             name=PREFIX + (nd.name or nd.output[0]), domain=nd.domain or None)
        c.attribute.extend(nd.attribute)
        new.append(c)
    g.initializer.append(numpy_helper.from_array(shift.astype(np.float32), PREFIX + "shift"))
    new += [helper.make_node("Add", [PREFIX + "z", PREFIX + "shift"], [PREFIX + "shifted"], name=PREFIX + "shift_add"),
            helper.make_node("Max", [shipped, PREFIX + "shifted"], [hr.SUMMED], name=PREFIX + "max")]
    for k, nd in enumerate(new):
        g.node.insert(at + 1 + k, nd)
    have = {(o.domain, o.version) for o in m.opset_import}
    for o in branch.opset_import:
        if o.domain not in {d for d, _ in have}:
            m.opset_import.append(o)


def cmd_bundle(a) -> None:
    out, to = Path(a.out), Path(a.to)
    hr.need(out, ("features.npz", "texts.json", "settings.json"), "features")
    hr.need(out, ("branch.pt", "fit.json"), "fit")
    if to.exists():
        raise SystemExit(f"--to {to}: already exists (a candidate folder is written once)")
    import onnx
    import torch
    fit = json.loads((out / "fit.json").read_text())
    src_bundle = Path(json.loads((out / "settings.json").read_text())["bundle"])
    meta = json.loads((hr.teacher_dir(src_bundle) / cm.META_FILE).read_text(encoding="utf-8"))
    branch_th = hr.branch_thresholds(fit["union_thresholds"], a.threshold)
    shift = hr.branch_shift(meta, branch_th, len(cd.OUTPUTS))
    net, rel = make_branch(None, fit["layers"])
    net.load_state_dict(torch.load(str(out / "branch.pt"), map_location="cpu", weights_only=True))
    net.eval()
    work = out / "branch_int8.onnx"
    export_branch(net, work, fit["layers"])
    shutil.copytree(src_bundle, to)
    tdir = hr.teacher_dir(to)
    path = tdir / cm.MODEL_FILE
    m = onnx.load(str(path), load_external_data=False)
    merge_branch(m, onnx.load(str(work)), shift)
    onnx.save(m, str(path))
    meta["sha256"][cm.MODEL_FILE] = cm.sha256_file(path)
    meta["training"]["top_branch"] = {k: v for k, v in fit.items()} | {"branch_thresholds": branch_th,
                                                                      "threshold": a.threshold}
    meta["training"]["rule"] = meta["training"].get("rule", "") + "; " + (a.rule or "rule R") + (
        ": the teacher's last two layers and output layer trained on as a branch beside the shipped teacher (a label "
        "flagged when either flags it; branch thresholds on unseen training posts, top_branch.py)")
    (tdir / cm.META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    u8.convert_bundle(tdir)            # the graph changed: its own self-check, not the shipped teacher's
    # the candidate graph against the torch branch and the shipped graph on the same windows, one a call
    texts = json.loads((out / "texts.json").read_text(encoding="utf-8"))[::97][:300]
    f = hidden_states(texts, tdir, 2)
    _, rel = make_branch(Path(fit["init"]), fit["layers"])
    win = Windows(f["H"], f["start"], f["lengths"], rel)
    want = branch_logits(net, win, np.arange(len(f["owner"])))[:, :len(cm.LABELS)] + shift[:len(cm.LABELS)]
    old = hidden_states(texts, hr.teacher_dir(src_bundle), 2)["logits"]
    want = np.maximum(old, want)
    d = np.abs(f["logits"] - want)
    log(f"bundle {to}: the graph against the shipped graph and the float branch on {len(want)} windows, |logit "
        f"difference| max {d.max():.4f}, mean {d.mean():.4f}; windows where the branch decides "
        f"{int((f['logits'] > old + 1e-6).any(1).sum())}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("features")
    f.add_argument("--out", required=True)
    f.add_argument("--bundle", default=str(hr.SHIPPED), help="the shipped bundle (its teacher holds rule Q''s branch)")
    f.add_argument("--public", default=hr.PUBLIC, help=f"public rows sampled per source (default {hr.PUBLIC})")
    f.add_argument("--seed", type=int, default=7)
    f.add_argument("--shared", default=str(cd.default_shared()))
    f.add_argument("--mirrors", default=str(cd.MIRRORS))
    f.add_argument("--threads", type=int, default=2)
    g = sub.add_parser("fit")
    g.add_argument("--out", required=True)
    g.add_argument("--trained-run", required=True, help="E3RUN (see above): its training rows are not unseen")
    g.add_argument("--init", required=True, help="E3PT (see above): the teacher rebuilt in torch")
    g.add_argument("--unseen-files", default=hr.UNSEEN, help="writer files the teacher's first training never read")
    g.add_argument("--screens", default=SCREENS, help=f"writer files never trained on (default {SCREENS})")
    g.add_argument("--union", type=int, default=3, metavar="K", help="clean unseen posts a label's branch may add")
    g.add_argument("--layers", type=int, default=2, help="the teacher's top layers copied (default 2: layers 10, 11)")
    g.add_argument("--epochs", type=float, default=1.0)
    g.add_argument("--lr", type=float, default=3e-5)
    g.add_argument("--head-lr", type=float, default=3e-4)
    g.add_argument("--batch", type=int, default=32)
    g.add_argument("--written-weight", type=float, default=3.0)
    g.add_argument("--written-only", action="store_true", help="train on the written posts alone")
    for flag, default in (("--folds", 2), ("--seed", 1), ("--threads", 2)):
        g.add_argument(flag, type=int, default=default)
    b = sub.add_parser("bundle")
    b.add_argument("--out", required=True)
    b.add_argument("--to", required=True)
    b.add_argument("--rule", default="", help="the MODEL_CARD rule the candidate is built under")
    b.add_argument("--threshold", action="append", default=[], metavar="LABEL=VALUE",
                   help="a label's branch threshold (LABEL=off: no branch for it)")
    a = ap.parse_args()
    steps = {"features": cmd_features, "fit": cmd_fit, "bundle": cmd_bundle}
    steps[a.cmd](a)


if __name__ == "__main__":
    main()
