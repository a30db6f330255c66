"""Rebuild the shipped model's (stage 4b's) run folder from git history, so that a later stage can keep
its held-out part (`train_concern_model.py prepare --holdout-like RUN`) on a machine that never had the
run folders (benchmarks/training/out/ is not in git).

    .venv-train/bin/python benchmarks/training/replay_split.py --out /work/wt/shared/s4b

The held-out split is deterministic (concern_data.holdout, seed 13) but chained: stage 1-2 split
writer_a-f and the public rows; stage 3 kept that and split writer_g/h's new rows; stage 4a kept stage
3's; stage 4b kept 4a's and split writer_i/j/l's. The split is stratified by label pattern and later
stages edited older files (stage 6 relabelled 38 posts), so each stage's `prepare` is replayed here,
with train_concern_model.py's own prepare, on the data folder AS IT WAS at that stage (written files
taken from the commits below) with the settings recorded in concern_model.json at the time and the
commands in MODEL_CARD.md. Each stage's data summary is checked against what was recorded
(table_sha256_16, row and held-out counts per source, positives and known per output, samples); a
difference stops the replay. `--verify` then scores the rebuilt held-out part with the shipped ONNX
through the product's code and refits calibration, thresholds and the cross-fitted held-out figures as
`assemble` does: the shipped ones come back only if the held-out part is the same rows.

Writes OUT/run-s4b (settings.json, data/, split.npz, tokens.npz, data_summary.json, rebuilt.json) and
the earlier stages' folders under OUT/chain/. ../shared/corpora/ftp is never read.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

DATA = "benchmarks/training/data"
META = "auditor/analysers/data/concern_model.json"
W = [f"writer_{c}.jsonl" for c in "abcdefghijl"]
DIS = [f"writer_{c}.jsonl" for c in "abcdefgh"]


def _samples(n_written: int, files: str, olid: int, hate: int | None, off: int, neither: int) -> list[str]:
    out = [f"--sample=written:writer_{c}.jsonl={n_written}" for c in files] if n_written else []
    out += [f"--sample=olid={olid}"] + ([f"--sample=davidson:hate={hate}"] if hate else [])
    return out + [f"--sample=davidson:offensive={off}", f"--sample=davidson:neither={neither}"]


# name, data commit, written files, previous run, prepare arguments, commit whose concern_model.json
# recorded this stage (None: stage 4a, never shipped; its figures are in MODEL_CARD.md)
STAGES = [
    ("run-ind", "2489c2f", W[:6], None,
     ["--scheme", "aux-ind", "--epochs", "0.2", "--lr", "2e-5", "--head-lr", "2e-4",
      "--init", "benchmarks/training/out/run-main/model.pt"], "2489c2f"),
    ("run-s3b", "8952a15", W[:8], "run-ind",
     ["--scheme", "aux-ind", "--epochs", "1.75", "--lr", "3e-5", "--head-lr", "3e-4",
      "--init", "benchmarks/training/out/run-ind/model.pt", *_samples(650, "abcdef", 1000, 600, 300, 700)],
     "3b9f459"),
    ("run-s4a", "80fb96a", W[:8], "run-s3b",
     ["--scheme", "aux-ind", "--epochs", "1", "--lr", "3e-5", "--head-lr", "3e-4",
      "--init", "benchmarks/training/out/run-s3b/model.pt", *(f"--dis-offensive-unknown={f}" for f in DIS),
      *_samples(0, "", 3000, None, 1000, 2000)], None),
    ("run-s4b", "80fb96a", W, "run-s4a",
     ["--scheme", "aux-ind", "--epochs", "1.5", "--lr", "3e-5", "--head-lr", "3e-4",
      "--init", "benchmarks/training/out/run-s4a/model.pt", *(f"--dis-offensive-unknown={f}" for f in DIS),
      *_samples(800, "abcdefgh", 2000, 600, 600, 1200)], "511a89e"),
]
# what MODEL_CARD.md records of stage 4a (not shipped, so no concern_model.json of its own)
S4A = {"rows": {"davidson": 7907, "olid": 13240, "written": 12531},
       "heldout": {"davidson": 1190, "olid": 1982, "written": 1879}, "training_total": 17506}
CHECKED = ("table_sha256_16", "rows", "heldout", "davidson", "written_files", "training_rows", "sampled",
           "positives", "known")


def log(*a):
    print(time.strftime("%H:%M:%S"), *a, flush=True)


def git(*args: str) -> bytes:
    return subprocess.check_output(["git", "-C", str(ROOT), *args])


def extract(commit: str, files: list[str], dst: Path) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for f in [*files, "excluded_ids.txt"]:
        (dst / f).write_bytes(git("show", f"{commit}:{DATA}/{f}"))


def recorded(commit: str | None) -> dict | None:
    return None if commit is None else json.loads(git("show", f"{commit}:{META}"))["training"]


def compare(name: str, got: dict, rec: dict | None) -> list[str]:
    """The recorded figures this stage's rebuilt data summary does not reproduce."""
    bad = []
    if rec is None:                       # stage 4a
        tr = sum(got["training_rows"].values())
        for k in ("rows", "heldout"):
            if got[k] != S4A[k]:
                bad.append(f"{k}: rebuilt {got[k]}, recorded {S4A[k]}")
        if tr != S4A["training_total"]:
            bad.append(f"training rows: rebuilt {tr}, recorded {S4A['training_total']}")
        return bad
    for k in CHECKED:
        if k in rec and got.get(k) != rec[k]:
            bad.append(f"{k}: rebuilt {got.get(k)}, recorded {rec[k]}")
    return bad


def replay(out: Path, python: str, shared: str | None) -> dict:
    chain = out / "chain"
    report = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, commit, files, prev, args, meta_commit in STAGES:
            run = out / name if name == "run-s4b" else chain / name
            if (run / "settings.json").exists():
                raise SystemExit(f"{run} exists already: remove it (or choose another --out) to replay")
            data = Path(tmp) / f"data-{name}"
            extract(commit, files, data)
            cmd = [python, str(HERE / "train_concern_model.py"), "prepare", "--run", str(run), "--data-dir",
                   str(data), *args]
            if prev:
                cmd += ["--holdout-like", str(chain / prev)]
            if shared:
                cmd += ["--shared", shared]
            log(f"{name}: data as of {commit} ({len(files)} written files); prepare")
            subprocess.run(cmd, check=True, cwd=ROOT)
            got = json.loads((run / "data_summary.json").read_text(encoding="utf-8"))
            bad = compare(name, got, recorded(meta_commit))
            report[name] = {"data_commit": commit, "recorded_in": meta_commit or "MODEL_CARD.md (stage 4a)",
                            "table_sha256_16": got["table_sha256_16"], "heldout": got["heldout"],
                            "heldout_total": sum(got["heldout"].values()), "differences": bad}
            log(f"{name}: table {got['table_sha256_16']}, held out {got['heldout']} "
                f"({sum(got['heldout'].values())}); " + ("matches the record" if not bad else "DIFFERS: " + "; ".join(bad)))
            if bad:
                raise SystemExit(f"{name} does not reproduce the recorded stage; stopped")
    return report


def verify(run_dir: Path, threads: int) -> dict:
    """Score the rebuilt held-out part with the shipped model (product code, one window per call, as
    `score` did) and refit Platt calibration and thresholds with assemble's own function: they equal the
    shipped concern_model.json's only if the rows (and their labels) are the same."""
    import train_concern_model as tcm
    from auditor.analysers.text import model as cm
    run = tcm.Run(run_dir)
    t, _ = run.table()
    y, mask = t.arrays()
    held = np.flatnonzero(run.split())
    m = cm.ConcernModel(tcm.OUT_DATA, threads=threads)
    t0 = time.time()
    z = tcm.both_logits(m, [t.texts[i] for i in held])
    log(f"scored {len(held)} held-out rows with the shipped model in {(time.time() - t0) / 60:.1f} min")
    np.savez_compressed(run_dir / "heldout-int8dyn.npz", idx=held, logits=z)
    cal, thr = tcm.fit_cal_thr(z, y[held], mask[held], np.array(t.source)[held], 0.5, 1.0)
    meta = json.loads((tcm.OUT_DATA / cm.META_FILE).read_text(encoding="utf-8"))
    labels = list(meta["labels"])
    d_thr = {lab: round(float(thr[j]), 3) - meta["thresholds"][lab] for j, lab in enumerate(labels)}
    d_cal = {lab: max(abs(round(float(cal[j, 0]), 5) - meta["calibration"][lab]["a"]),
                      abs(round(float(cal[j, 1]), 5) - meta["calibration"][lab]["b"])) for j, lab in enumerate(labels)}
    th = t.subset(held)          # the cross-fitted held-out figures recorded beside them (two stratified halves)
    probs, flags = tcm.crossfit(z, y[held], mask[held], th, 0.5, 1.0, run.settings["seed"])
    fig = tcm.figures(probs, flags, th, y[held], mask[held])
    rec = {k: v for k, v in meta["figures_heldout"].items() if k not in ("rows", "method")}
    res = {"rows": len(held), "thresholds_equal": all(abs(v) < 1e-9 for v in d_thr.values()),
           "max_calibration_difference": max(d_cal.values()),
           "threshold_differences": {k: v for k, v in d_thr.items() if abs(v) > 1e-9},
           "crossfit_figures_recorded": len(rec),
           "crossfit_figures_differing": sorted(k for k in rec if fig.get(k) != rec[k])}
    log("refit on the rebuilt held-out part vs the shipped calibration and thresholds: " + json.dumps(res))
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True, help="folder for run-s4b/ and chain/ (the earlier stages)")
    ap.add_argument("--python", default=sys.executable, help="the training environment's python")
    ap.add_argument("--shared", default=None, help="../shared (default: train_concern_model.py's)")
    ap.add_argument("--verify", action="store_true", help="also refit the shipped calibration (see above)")
    ap.add_argument("--verify-only", action="store_true", help="only the check, on an existing OUT/run-s4b")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    out = Path(a.out).resolve()
    report = {} if a.verify_only else replay(out, a.python, a.shared)
    if a.verify or a.verify_only:
        report["verify"] = verify(out / "run-s4b", a.threads)
    if report:
        path = out / "run-s4b" / "rebuilt.json"
        old = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        old.update(report, note="rebuilt by benchmarks/training/replay_split.py from git history (the original "
                                "run folder was lost with its machine); see MODEL_CARD.md")
        path.write_text(json.dumps(old, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
