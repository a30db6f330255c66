"""Continue the shipped MPNet teacher on new written files, with a replay sample of the older ones, and make a
candidate folder that keeps the shipped teacher's calibration and thresholds (MODEL_CARD rules E and E2).

    O=benchmarks/training/out; R=$O/run-E2
    .venv-train/bin/python benchmarks/training/from_onnx.py both --model-dir auditor/analysers/data/concern_teacher \
        --out $O/rebuilt/teacher.pt --per-source 200 --only-a --threads 2
    .venv-train/bin/python benchmarks/training/continue_teacher.py prepare --run $R --init $O/rebuilt/teacher.pt \
        --new writer_an.jsonl,writer_ao.jsonl,writer_ap.jsonl,writer_aq.jsonl --replay 200 --epochs 1.0
    nice -n 5 .venv-train/bin/python benchmarks/training/train_concern_model.py train --run $R --threads 2
    nice -n 5 .venv-train/bin/python benchmarks/training/train_concern_model.py export --run $R --threads 2
    .venv-train/bin/python benchmarks/training/continue_teacher.py bundle --run $R --out <candidate folder> \
        [--rule "MODEL_CARD rule F"] [--threshold discriminatory=0.23]

(rule E: --replay 80 --epochs 1.5; rule E2, above: 354 steps, about 18 min on 2 cores.) `prepare` runs
train_concern_model.py prepare with the shipped teacher's scheme and public extras, every training row of the
--new files, --replay training rows of each other writer file (never the screening files writer_al/am, which
prepare keeps unseen) and small public samples. `bundle` writes the candidate: the shipped small model and its
cascade settings, and the run's int8 teacher (weights split under 95 MB a file, as shipped) with the shipped
teacher's calibration and thresholds unchanged, so that only the network differs. Then screen it (rule Z:
evaluate_concern_model.py --no-speed --model auditor/analysers/data --model <candidate> --posts
benchmarks/training/data/writer_al.jsonl, and writer_am.jsonl) before any validation run.

Rule L2 (MODEL_CARD; the name "rule S" was already taken): the new network is also taught to keep what the shipped
teacher says. `prepare --distil-shipped A` makes the run distil from the shipped teacher's graph (its 10 logits
and aux, the union head included), and `shipped-logits --run R` reads that graph's logits for every training row
(each row's token ids alone, as the product scores a window) into the run's teacher cache (teacher.npz), so
`train` never loads a torch teacher: loss = A x the distillation term + (1 - A) x the label loss.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402
import unsigned_int8 as u8  # noqa: E402
import train_concern_model as tcm  # noqa: E402   (torch and onnx only inside the stages that need them)
from auditor.analysers.text import model as cm  # noqa: E402

SHIPPED = ROOT / "auditor" / "analysers" / "data"
# the shipped teacher's table (MODEL_CARD, "The next teacher: a checked start"), in small samples
PUBLIC_SAMPLES = ("olid=800", "davidson:hate=150", "davidson:offensive=150", "davidson:neither=300", "ghc=1500",
                  "covidrumor=200", "healthmisinfo=100")
PUBLIC_EXTRA = ("ghc", "covidrumor", "healthmisinfo")
DIS_OFFENSIVE_UNKNOWN = tuple(f"writer_{x}.jsonl" for x in "abcdefgh")


def replay_samples(data_dir: Path, new: list[str], n: int) -> list[str]:
    """`--sample` specs: n training rows of every writer file that is neither new nor a screening file."""
    missing = [f for f in new if not (data_dir / f).is_file()]
    if missing:
        raise SystemExit(f"--new: no such writer file in {data_dir}: {', '.join(missing)}")
    return [f"written:{p.name}={n}" for p in sorted(data_dir.glob("writer_*.jsonl"))
            if p.name not in new and p.name not in tcm.SCREEN_WRITERS]


def prepare_args(a: argparse.Namespace) -> list[str]:
    new = [f.strip() for f in a.new.split(",") if f.strip()]
    args = [str(HERE / "train_concern_model.py"), "prepare", "--run", a.run, "--encoder", "mpnet", "--init", a.init,
            "--max-length", "96", "--scheme", "aux-ind", "--epochs", str(a.epochs), "--lr", str(a.lr),
            "--head-lr", str(a.head_lr), "--mirrors", a.mirrors, "--shared", a.shared, "--data-dir", a.data_dir]
    for f in DIS_OFFENSIVE_UNKNOWN:
        args += ["--dis-offensive-unknown", f]
    for p in PUBLIC_EXTRA:
        args += ["--public", p]
    for s in (*PUBLIC_SAMPLES, *replay_samples(Path(a.data_dir), new, a.replay)):
        args += ["--sample", s]
    if getattr(a, "distil_shipped", None) is not None:
        if not 0 < a.distil_shipped < 1:
            raise SystemExit(f"--distil-shipped {a.distil_shipped}: the distillation share must lie between 0 and 1")
        args += ["--teacher", str(shipped_graph()), "--alpha", str(a.distil_shipped), "--distil", "kl"]
    return args


def shipped_graph(shipped: Path = SHIPPED) -> Path:
    """The shipped teacher's ONNX file (the graph the product runs, union head included)."""
    small = json.loads((shipped / cm.META_FILE).read_text(encoding="utf-8"))
    teacher_dir = (small.get("cascade") or {}).get("teacher")
    if not teacher_dir:
        raise SystemExit(f"{shipped}: the shipped model is not a cascade; there is no teacher to distil from")
    return (shipped / teacher_dir / cm.MODEL_FILE).resolve()


def shipped_logits(run: Path, threads: int = 2, score=None) -> int:
    """Write the run's teacher cache (teacher.npz, as train_concern_model.teacher_cache reads it) from the graph
    named by its settings' `teacher`: the 10 logits and aux for every training row, each row's cached token ids
    run alone (batch 1, as the product scores). Rows not trained on stay NaN. `score(ids) -> (11,)` replaces the
    graph (tests). Returns the number of rows scored."""
    import numpy as np
    r = tcm.Run(run)
    s = r.settings
    if not s.get("teacher"):
        raise SystemExit(f"{run}: prepared without a teacher (continue_teacher.py prepare --distil-shipped A)")
    graph = Path(s["teacher"])
    if score is None:
        if graph.suffix != ".onnx":
            raise SystemExit(f"{run}: its teacher {graph} is not an ONNX graph; train_concern_model.py scores a .pt itself")
        model = cm.ConcernModel(graph.parent, threads=threads)
        model.ready()                                    # the checksums and the graph's own self-check
        session = model._session

        def score(ids):
            x = np.asarray([ids], dtype=np.int64)
            z, aux = session.run(["logits", "aux"], {"input_ids": x, "attention_mask": np.ones_like(x)})
            return np.concatenate([z[0], aux[0]]).astype(np.float32)
    rowid = [str(x) for x in r.table()[0].rowid]
    ids = r.tokens()
    rows = r.training_rows()
    out = np.full((len(rowid), len(cd.OUTPUTS)), np.nan, dtype=np.float32)
    for k, i in enumerate(rows):
        out[i] = score(ids[i])
        if k % 2000 == 0:
            tcm.log(f"shipped teacher logits: {k} of {len(rows)} training rows")
    tcm.save_teacher_cache(r.dir / "teacher.npz", out, s["teacher"], tcm.run_encoder(s), rowid)
    tcm.log(f"shipped teacher logits for {len(rows)} rows cached in {r.dir / 'teacher.npz'}")
    return len(rows)


def parse_thresholds(specs: list[str]) -> dict[str, float]:
    """`--threshold label=value` (repeatable) -> {label: value}."""
    out = {}
    for spec in specs:
        label, sep, value = spec.partition("=")
        try:
            out[label.strip()] = float(value)
        except ValueError:
            raise SystemExit(f"--threshold {spec!r}: expected label=value, e.g. discriminatory=0.23") from None
        if not sep or not 0 < out[label.strip()] < 1:
            raise SystemExit(f"--threshold {spec!r}: expected label=value with 0 < value < 1")
    return out


def bundle(run: Path, out: Path, shipped: Path = SHIPPED, split_mb: float = 95, rule: str = "",
           thresholds: dict[str, float] | None = None, self_check: bool = True) -> None:
    """The candidate folder: the shipped small model (its cascade settings included) and, in its teacher
    subfolder, the run's int8 teacher with the shipped teacher's concern_model.json (calibration,
    thresholds, special tokens) but for its training record and the files' sha256. `thresholds` moves
    named labels' thresholds (rules E3 and F: a training-side proxy's choice); the record says which.
    `self_check`: record the new network's own answers (unsigned_int8.convert_bundle; needs onnx, the training
    environment); the shipped teacher's are never carried over."""
    graph = run / "onnx-int8dyn" / cm.MODEL_FILE        # train_concern_model.Run.onnx("int8dyn")
    if not graph.is_file():
        raise SystemExit(f"{graph}: not found; run `train_concern_model.py export --run {run}` first")
    small = json.loads((shipped / cm.META_FILE).read_text(encoding="utf-8"))
    teacher_dir = (small.get("cascade") or {}).get("teacher")
    if not teacher_dir:
        raise SystemExit(f"{shipped}: the shipped model is not a cascade; there is no teacher to replace")
    meta = json.loads((shipped / teacher_dir / cm.META_FILE).read_text(encoding="utf-8"))
    unknown = [label for label in (thresholds or {}) if label not in meta["thresholds"]]
    if unknown:
        raise SystemExit(f"--threshold {', '.join(unknown)}: not a label of the teacher ({', '.join(meta['thresholds'])})")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for f in (cm.META_FILE, cm.MODEL_FILE, cm.TOKENIZER_FILE):
        shutil.copyfile(shipped / f, out / f)
    dest = out / teacher_dir
    dest.mkdir()
    shutil.copyfile(graph, dest / cm.MODEL_FILE)
    parts = []
    if split_mb:                                   # onnx: the training environment
        parts = tcm.split_weights(dest / cm.MODEL_FILE, split_mb)
    shutil.copyfile(shipped / teacher_dir / cm.TOKENIZER_FILE, dest / cm.TOKENIZER_FILE)
    meta.pop("figures_heldout", None)
    moved = [f"{label} {meta['thresholds'][label]} -> {value}" for label, value in (thresholds or {}).items()]
    meta["thresholds"].update(thresholds or {})
    summary = json.loads((run / "data_summary.json").read_text(encoding="utf-8"))
    settings = json.loads((run / "settings.json").read_text(encoding="utf-8"))
    record = ("trained on from the shipped teacher (rebuilt by from_onnx.py); calibration and thresholds are the "
              "shipped teacher's, " + (f"but {', '.join(moved)}" if moved else "unchanged"))
    meta["training"] = {"settings": settings, "rule": f"{rule}: {record}" if rule else record,
                        "training_rows": summary.get("training_rows"), "sampled": summary.get("sampled"),
                        "table_sha256_16": summary.get("table_sha256_16")}
    meta["sha256"] = {n: cm.sha256_file(dest / n) for n in (cm.MODEL_FILE, cm.TOKENIZER_FILE, *parts)}
    meta.pop("self_check", None)       # the shipped teacher's answers, not this network's
    (dest / cm.META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if self_check:
        u8.convert_bundle(dest)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("stage", choices=("prepare", "shipped-logits", "bundle"))
    ap.add_argument("--run", required=True)
    ap.add_argument("--init", help="prepare: the rebuilt shipped teacher (from_onnx.py --out)")
    ap.add_argument("--new", default="", help="prepare: the new writer files, comma-separated (every row)")
    ap.add_argument("--replay", type=int, default=200, help="prepare: training rows of each older writer file")
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--head-lr", type=float, default=3e-4)
    ap.add_argument("--distil-shipped", type=float, default=None, metavar="A",
                    help="prepare: also distil from the shipped teacher's graph, A the distillation share (rule L2); "
                         "then run the shipped-logits stage before train")
    ap.add_argument("--threads", type=int, default=2, help="shipped-logits: onnxruntime threads")
    ap.add_argument("--mirrors", default=str(cd.MIRRORS))
    ap.add_argument("--shared", default=str(cd.default_shared()))
    ap.add_argument("--data-dir", default=str(cd.DATA_DIR))
    ap.add_argument("--out", help="bundle: the candidate folder (replaced)")
    ap.add_argument("--rule", default="", help="bundle: the MODEL_CARD rule the candidate is built under")
    ap.add_argument("--threshold", action="append", default=[],
                    help="bundle: label=value, a teacher threshold moved from the shipped one (repeatable)")
    ap.add_argument("--dry", action="store_true", help="prepare: print the command, run nothing")
    a = ap.parse_args(argv)
    if a.stage == "prepare":
        if not a.init or not a.new:
            ap.error("prepare needs --init and --new")
        cmd = [sys.executable, *prepare_args(a)]
        print(" ".join(cmd))
        if not a.dry:
            sys.exit(subprocess.call(cmd))
    elif a.stage == "shipped-logits":
        shipped_logits(Path(a.run), a.threads)
    else:
        if not a.out:
            ap.error("bundle needs --out")
        bundle(Path(a.run), Path(a.out), rule=a.rule, thresholds=parse_thresholds(a.threshold))
        print(f"written {a.out}")


if __name__ == "__main__":
    main()
