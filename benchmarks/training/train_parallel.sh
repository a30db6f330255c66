#!/usr/bin/env bash
# Train the concern classifier with two single-thread processes at a time: bottom-layer features and
# the gate, then folds 1 and 2, then fold 3 and the final model, then assembly (on a shared 2-core machine
# two 1-thread jobs go faster than one 2-thread job), on a snapshot of the written data taken now so
# that every stage sees the same rows. Same result as `train_concern_model.py --stage all`.
#   nohup nice -n 10 benchmarks/training/train_parallel.sh [extra train_concern_model.py args] > log 2>&1 &
# The files shipped on 26 Nov 2026 came from these stages, except that time ran out before fold 3 and the
# model on all rows: they were assembled with `--stage assemble --partial-oof --ship-fold 0` (fold 1's
# model, thresholds from folds 1-2); see auditor/analysers/data/MODEL_CARD.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${TRAIN_PYTHON:-.venv-train/bin/python}
T=benchmarks/training/train_concern_model.py
SNAP=benchmarks/training/out/snapshot-$(date +%Y%m%d-%H%M%S)
mkdir -p "$SNAP"
cp benchmarks/training/data/writer_*.jsonl "$SNAP"/
# drop a last line still being written
for f in "$SNAP"/writer_*.jsonl; do
    python3 - "$f" <<'PY'
import json, sys
p = sys.argv[1]
lines = open(p, encoding="utf-8").read().split("\n")
keep = []
for line in lines:
    if not line.strip():
        continue
    try:
        json.loads(line)
        keep.append(line)
    except ValueError:
        pass
open(p, "w", encoding="utf-8").write("\n".join(keep) + "\n")
PY
done
wc -l "$SNAP"/writer_*.jsonl
export OMP_NUM_THREADS=1
A=(--data-dir "$SNAP" --threads 1 "$@")
$PY $T "${A[@]}" --stage features > "$SNAP/features.log" 2>&1 &
pf=$!
$PY $T "${A[@]}" --stage gate > "$SNAP/gate.log" 2>&1 &
pg=$!
wait $pf $pg
$PY $T "${A[@]}" --stage fold --fold 0 > "$SNAP/fold0.log" 2>&1 &
p0=$!
$PY $T "${A[@]}" --stage fold --fold 1 > "$SNAP/fold1.log" 2>&1 &
p1=$!
wait $p0 $p1
$PY $T "${A[@]}" --stage fold --fold 2 > "$SNAP/fold2.log" 2>&1 &
p2=$!
$PY $T "${A[@]}" --stage final > "$SNAP/final.log" 2>&1 &
p3=$!
wait $p2 $p3
$PY $T "${A[@]}" --stage assemble
