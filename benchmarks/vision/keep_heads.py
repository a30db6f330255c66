"""Carry some binary heads over from an earlier vision_heads file into a newer one, unchanged.

The binary heads share one standardisation of the 1,280 features (`mean`, `scale` in
vision_heads.npz), fitted on every training row. When a data round adds rows for one head (round 9:
clinical ultrasound, drawn ECGs, screen and print copies), the shared standardisation moves and so do
the heads that got no new data (round 9: weapon false alarms on dev 11 -> 15). A head is linear in the
standardised features, so it can be rewritten exactly for another standardisation:

    w . (x - m0) / s0 + b  =  (w * s1 / s0) . (x - m1) / s1  +  b + w . (m1 - m0) / s0

This script takes heads H from OLD, rewrites them for NEW's standardisation, and writes NEW with those
heads (weights, Platt calibration, threshold, training report) in place of its own; everything else of
NEW is kept. It checks on a feature cache that every carried head's calibrated probabilities equal
OLD's (and every other head's equal NEW's) before writing.

    .venv/bin/python benchmarks/vision/keep_heads.py --old OLD_DIR --new NEW_DIR --heads weapon,alcohol --out DIR \
        [--features benchmarks/vision/.cache/features_int8.npz]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from train_heads import save_npz, sha256  # noqa: E402

HEADS_FILE, META_FILE = "vision_heads.npz", "vision_heads.json"


def load(folder: Path) -> tuple[dict[str, np.ndarray], dict]:
    with np.load(folder / HEADS_FILE, allow_pickle=False) as z:
        arrays = {k: z[k].astype(np.float64) for k in z.files}
    return arrays, json.loads((folder / META_FILE).read_text(encoding="utf-8"))


def carry(old: dict[str, np.ndarray], new: dict[str, np.ndarray], cols: list[int]) -> dict[str, np.ndarray]:
    """NEW's arrays with the binary head columns `cols` taken from OLD, rewritten for NEW's mean/scale."""
    out = {k: v.copy() for k, v in new.items()}
    for j in cols:
        w0 = old["W"][:, j]
        out["W"][:, j] = w0 * new["scale"] / old["scale"]
        out["b"][j] = old["b"][j] + float(w0 @ ((new["mean"] - old["mean"]) / old["scale"]))
        out["platt_a"][j], out["platt_b"][j] = old["platt_a"][j], old["platt_b"][j]
    return out


def probabilities(a: dict[str, np.ndarray], feats: np.ndarray) -> np.ndarray:
    """The runtime's calibrated probabilities of the binary heads (auditor/analysers/vision.py)."""
    z = (feats - a["mean"]) / a["scale"]
    raw = z @ a["W"] + a["b"]
    return 1.0 / (1.0 + np.exp(-(a["platt_a"] * raw + a["platt_b"])))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True, help="folder with the earlier vision_heads.{npz,json}")
    ap.add_argument("--new", required=True, help="folder with the newer vision_heads.{npz,json}")
    ap.add_argument("--heads", required=True, help="comma-separated binary heads to carry over from --old")
    ap.add_argument("--out", required=True, help="folder to write the combined vision_heads.{npz,json}")
    ap.add_argument("--features", default=str(HERE / ".cache" / "features_int8.npz"),
                    help="feature cache used to check the result")
    ap.add_argument("--old-origin", default="", help="where --old comes from (e.g. a git commit), recorded")
    args = ap.parse_args()
    old_dir, new_dir, out_dir = Path(args.old), Path(args.new), Path(args.out)
    old, old_meta = load(old_dir)
    new, new_meta = load(new_dir)
    order = list(new_meta["heads_order"])
    if list(old_meta["heads_order"]) != order:
        raise SystemExit(f"the two files order their heads differently: {old_meta['heads_order']} and {order}")
    if old_meta["files"]["vision_lite0_int8.onnx"] != new_meta["files"]["vision_lite0_int8.onnx"]:
        raise SystemExit("the two files were trained on different networks' features")
    heads = [h.strip() for h in args.heads.split(",") if h.strip()]
    unknown = [h for h in heads if h not in order]
    if unknown:
        raise SystemExit(f"unknown heads {unknown}; the binary heads are {order}")
    cols = [order.index(h) for h in heads]
    out = carry(old, new, cols)

    with np.load(args.features, allow_pickle=False) as z:
        feats = z["feats"].astype(np.float64)
    p_old, p_new, p_out = (probabilities(a, feats) for a in (old, new, out))
    worst = 0.0
    for j, h in enumerate(order):
        ref = p_old if j in cols else p_new
        d = float(np.abs(p_out[:, j] - ref[:, j]).max())
        worst = max(worst, d)
        print(f"{h}: from {'OLD' if j in cols else 'NEW'}, max |probability difference| {d:.2e} "
              f"over {len(feats):,} cached pictures")
    if worst > 1e-6:
        raise SystemExit("the carried heads do not reproduce their probabilities: nothing written")

    out_dir.mkdir(parents=True, exist_ok=True)
    npz = out_dir / HEADS_FILE
    save_npz(npz, {k: v.astype(np.float32) for k, v in out.items()})
    meta = json.loads(json.dumps(new_meta))
    for h in heads:
        meta["thresholds"][h] = old_meta["thresholds"][h]
        meta["training"]["report"][h] = old_meta["training"]["report"][h]
    meta["training"]["carried_over"] = {
        "heads": heads, "from_sha256": sha256(old_dir / HEADS_FILE), "from": args.old_origin,
        "why": "the shared feature standardisation moved with rows added for other heads; these heads "
               "are kept exactly as they were (rewritten for the new standardisation)"}
    meta["files"][HEADS_FILE] = sha256(npz)
    (out_dir / META_FILE).write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    # the float32 file must still reproduce the probabilities
    with np.load(npz, allow_pickle=False) as z:
        back = {k: z[k].astype(np.float64) for k in z.files}
    ref = np.where(np.isin(np.arange(len(order)), cols), p_old, p_new)
    p32 = probabilities(back, feats)
    t = np.array([meta["thresholds"][h] for h in order])
    flips = int(((p32 >= t) != (ref >= t)).sum())
    print(f"written {npz} (sha256 {meta['files'][HEADS_FILE]}); after float32 storage max |difference| "
          f"{float(np.abs(p32 - ref).max()):.2e}, decisions that differ from the heads' own files: {flips}")


if __name__ == "__main__":
    main()
