"""Wall time of one training step of MiniLM against MPNet (all-mpnet-base-v2), measured in one process on
the same batches, the two steps taken in turn so that the machine's load weighs on both alike.

    nice -n 10 .venv-train/bin/python benchmarks/training/step_time.py --run benchmarks/training/out/RUN --steps 12

A step as train_concern_model.py takes it: forward, the masked loss, backward, gradient clipping, AdamW
(the batches: the run's training rows in its length-grouped order, --batch rows each, the run's
max_length). Also the teacher's forward pass alone (batches of 64, no gradient: the cost of caching its
logits for distillation). Prints per-step medians, the ratio and an estimate for one epoch over --rows
training rows (default 34,318: stage 10's training part). Throw-away weights; nothing is written.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from pathlib import Path

import numpy as np

import train_concern_model as tcm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", required=True, help="a prepared run folder (its table and split)")
    ap.add_argument("--steps", type=int, default=12, help="timed steps per encoder (after one untimed)")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rows", type=int, default=34318, help="training rows of the epoch estimated")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    run = tcm.Run(Path(a.run))
    s = run.settings
    t, _ = run.table()
    y, mask = t.arrays()
    rows = np.flatnonzero(run.training_part())
    toks = {e: tcm.tokenizer(e, s["max_length"]) for e in ("minilm", "mpnet")}
    lengths = np.array([len(x) for x in toks["minilm"].ids([t.texts[r] for r in rows])])
    plan = tcm.batches(lengths, a.batch, random.Random(1))[:a.steps + 1]
    nets, opts = {}, {}
    for e in ("minilm", "mpnet"):
        nets[e] = tcm.make_net(encoder=e).train()
        opts[e] = torch.optim.AdamW([p for p in nets[e].parameters() if p.requires_grad], lr=1e-5)
    yt, mt = torch.tensor(y), torch.tensor(mask)
    times = {e: [] for e in nets}
    n_tok = []
    for k, b in enumerate(plan):
        src = [int(rows[j]) for j in b]
        n_tok.append(int(lengths[b].mean()))
        for e, net in nets.items():
            inp, att = tcm.pad(toks[e].ids([t.texts[r] for r in src]), toks[e].pad_id)
            t0 = time.perf_counter()
            z10, zaux = net(inp, att)
            z = torch.cat([z10, zaux], 1)
            st = torch.tensor(src)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(z, yt[st], reduction="none")
            loss = (loss * mt[st]).sum() / mt[st].sum().clamp(min=1.0)
            opts[e].zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opts[e].step()
            if k:                                         # the first step of each warms up
                times[e].append(time.perf_counter() - t0)
    fwd = []
    net = nets["mpnet"].eval()
    with torch.no_grad():
        for b in tcm.batches(lengths, 64, random.Random(2))[:4]:
            inp, att = tcm.pad(toks["mpnet"].ids([t.texts[int(rows[j])] for j in b]), toks["mpnet"].pad_id)
            t0 = time.perf_counter()
            net(inp, att)
            fwd.append((time.perf_counter() - t0) / len(b))
    steps_epoch = -(-a.rows // a.batch)
    med = {e: statistics.median(v) for e, v in times.items()}
    print(f"{a.steps} steps of {a.batch} each (mean tokens per row {statistics.mean(n_tok[1:]):.0f}, max_length "
          f"{s['max_length']}), {a.threads} threads, load average at end {os.getloadavg()}")
    for e, v in times.items():
        print(f"  {e:6s} step median {med[e]:.2f} s, mean {statistics.mean(v):.2f} s, min {min(v):.2f} s; "
              f"one epoch of {a.rows} rows ({steps_epoch} steps): {steps_epoch * statistics.mean(v) / 3600:.1f} h")
    pair = [b / a_ for a_, b in zip(times["minilm"], times["mpnet"])]
    print(f"  MPNet / MiniLM per step: {med['mpnet'] / med['minilm']:.1f}x (medians); the same batch's two steps: "
          f"median {statistics.median(pair):.1f}x, range {min(pair):.1f}-{max(pair):.1f}x")
    print(f"  MPNet forward only (no gradient, batches of 64): {1000 * statistics.mean(fwd):.0f} ms per row; "
          f"teacher logits for {a.rows} rows: {a.rows * statistics.mean(fwd) / 60:.0f} min")


if __name__ == "__main__":
    main()
