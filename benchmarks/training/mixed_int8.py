"""Which of the encoder's MatMuls lose most when quantised to int8 (training data only; prints figures).

    .venv-train/bin/python benchmarks/training/mixed_int8.py --run RUN [--rows 4000] [--groups ...]
        [--table RUN2]

The shipped network is onnxruntime's dynamic int8 of the run's fp32 export (every weight MatMul). This
builds the int8 file again with one GROUP of MatMuls left in fp32 at a time (the attention's query/key/
value projections, its output projection, the feed-forward input or output projection, each over all six
layers, or one layer's feed-forward output, `ffn_out.3`), scores held-out rows of the run through the
product's code (its windows, one window per call, as `score` does) and prints, per variant: the mean
average precision over the ten labels (held-out rows whose label is known; compare_heldout's measure),
the mean |logit difference| from fp32, the share of rows whose logits moved by more than 0.5 on some
label, CPU milliseconds per text (process time while scoring; a ratio within one run only) and the file
size. Variants are written to RUN/mixed-int8/ (not in git). The rows are a seeded sample of the held-out
part (--table: another run whose held-out rows are the same, e.g. run-s10 for run-s9).

The variant folders record no self-check, on purpose: they are trials, signed int8 as onnxruntime writes it,
whose answers differ between CPUs with and without VNNI, so answers recorded here would be this CPU's. A
variant chosen to ship goes through unsigned_int8.py (`convert_bundle`: converted, then its self-check
recorded); tests/test_same_answers_everywhere.py refuses a shipped folder without one.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

import compare_heldout as ch  # noqa: E402
import concern_data as cd  # noqa: E402
import train_concern_model as tcm  # noqa: E402

GROUPS = {
    "qkv": lambda n: "/attention/self/" in n and any(f"/{x}/" in n for x in ("query", "key", "value")),
    "attn_out": lambda n: "/attention/output/dense/" in n,
    "ffn_in": lambda n: "/intermediate/dense/" in n,
    "ffn_out": lambda n: "/output/dense/" in n and "/attention/" not in n,
}


def matmuls(fp32: Path) -> list[str]:
    import onnx
    return [n.name for n in onnx.load(str(fp32), load_external_data=False).graph.node if n.op_type == "MatMul"]


def select(names: list[str], group: str) -> list[str]:
    """A group name, or GROUP.LAYER for one layer of it (ffn_out.3)."""
    base, _, layer = group.partition(".")
    if base not in GROUPS:
        raise SystemExit(f"unknown group {group!r}: expected one of {', '.join(GROUPS)} (optionally .LAYER)")
    out = [n for n in names if GROUPS[base](n) and (not layer or f"/layer.{layer}/" in n)]
    if not out:
        raise SystemExit(f"group {group!r} matches no MatMul of the fp32 export")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--run", required=True, type=Path)
    ap.add_argument("--table", type=Path, default=None, help="the run whose table gives the labels (default --run)")
    ap.add_argument("--rows", type=int, default=4000)
    ap.add_argument("--groups", nargs="+", default=["none", "qkv", "attn_out", "ffn_in", "ffn_out", "all"],
                    help="'none' = every MatMul int8 (the shipped kind), 'all' = fp32 export itself")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--calib", type=int, default=400, help="training-part texts whose activations set smooth:ALPHA")
    a = ap.parse_args()
    run = tcm.Run(a.run)
    table = tcm.Run(a.table or a.run)
    fp32 = run.onnx("fp32")
    if not fp32.is_file():
        raise SystemExit(f"{fp32}: not found (run the export stage first)")
    held = np.flatnonzero(table.split())
    if (held != np.flatnonzero(run.split())).any():
        raise SystemExit("--table's held-out rows are not --run's")
    th = table.heldout()
    pick = np.array(sorted(random.Random(13).sample(range(len(held)), min(a.rows, len(held)))))
    texts = [th.texts[i] for i in pick]
    y, mask = th.arrays()
    y, known = y[pick, :len(cd.LABELS)] == 1, mask[pick, :len(cd.LABELS)] == 1
    names = matmuls(fp32)
    work = run.dir / "mixed-int8"
    results = {}
    ref = None
    for g in ["all"] + [x for x in a.groups if x != "all"]:
        folder = work / g
        if g == "all":
            folder = fp32.parent
        else:
            if g.startswith("smooth:"):
                rep = tcm.smoothed_int8(tcm.load_net(run.final), run, float(g.split(":")[1]), a.calib,
                                        folder / fp32.name)["factor_ranges"]
                print(f"{g}: factors " + ", ".join(f"{k} {v[0]}-{v[1]}" for k, v in rep.items()
                                                     if k.endswith(".0") or k.endswith(".5")), flush=True)
            else:
                keep = [] if g == "none" else select(names, g)
                tcm.int8_dynamic(fp32, folder / fp32.name, exclude=keep or None)
            meta = json.loads((fp32.parent / tcm.cm.META_FILE).read_text(encoding="utf-8"))
            tcm.write_bundle(folder, folder / fp32.name, meta, tcm.run_encoder(run.settings))
        m = tcm.concern_model(folder, a.threads, tcm.run_encoder(run.settings))
        m._load()
        c0 = time.process_time()
        z = tcm.both_logits(m, texts)[:, :len(cd.LABELS)]
        cpu = (time.process_time() - c0) / len(texts) * 1000
        if ref is None:
            ref = z
        per = ch.label_scores(z, y, known)
        d = np.abs(z - ref)
        results[g] = {"mean_ap": round(float(np.nanmean([p[0] for p in per])), 4),
                      "ap": {lab: round(p[0], 4) for lab, p in zip(cd.LABELS, per)},
                      "mean_abs_dlogit_vs_fp32": round(float(d.mean()), 4),
                      "rows_moved_over_0.5": round(float((d.max(1) > 0.5).mean()), 4),
                      "cpu_ms_per_text": round(cpu, 2),
                      "size_mb": round((folder / fp32.name).stat().st_size / 1e6, 1),
                      "fp32_matmuls": len(names) if g == "all" else (0 if g == "none" or g.startswith("smooth:")
                                                                       else len(select(names, g)))}
        r = results[g]
        print(f"{g:10s} mean AP {r['mean_ap']:.4f}  |dlogit| {r['mean_abs_dlogit_vs_fp32']:.4f}  moved>0.5 "
              f"{r['rows_moved_over_0.5']:.3f}  CPU {r['cpu_ms_per_text']:.2f} ms/text  {r['size_mb']} MB  "
              f"({r['fp32_matmuls']} MatMuls fp32)", flush=True)
    (work / "results.json").parent.mkdir(parents=True, exist_ok=True)
    (work / "results.json").write_text(json.dumps({"rows": len(texts), "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
