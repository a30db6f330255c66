"""A cascade, simulated on a training run's held-out rows (training data only; prints figures, not a test).

    .venv/bin/python benchmarks/training/cascade.py --run RUN --cheap DIR --teacher DIR [--variant fp32]
        [--send 0.1,0.2,0.3,0.5,0.7,1.0] [--either LABEL,LABEL] [--texts FILE.jsonl ...]

The cheap model (a MiniLM bundle, e.g. the shipped one) reads every text. A text goes on to the teacher
(a bundle of RUN's model, e.g. the MPNet teacher assembled at the shipped model's recall) when, for some
label, the cheap model's probability reaches SEND x that label's threshold; the teacher's flags are then
final, and a text not sent is clear (--either: on those labels the cheap model's own flags are kept
too, as model.Cascade's `either` does). For each SEND: the share of rows sent (all, per source, and among the
ordinary rows: OLID NOT, Davidson neither, our written clean posts), the teacher's flags lost by not
sending, and the cascade's written clean flagged, concerning caught and weighted ordinary flagged beside
each model alone. The teacher's scores are read from RUN's `heldout-VARIANT.npz` (written by
`train_concern_model.py score`), the cheap model's computed here (cached beside RUN as
`cascade-cheap-<name>.npy`, keyed by the bundle's sha256). --texts: JSONL files with a "text" field
(e.g. posts kept for measuring only); prints the share of them the cheap model would send: the cost of
the cascade on such posts is 1 + share x the teacher's CPU per text in cheap-model units.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

import concern_data as cd  # noqa: E402
from auditor.analysers.text import model as cm  # noqa: E402


def send_ratio(probs: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per text, the largest probability / threshold over the labels (>= 1: the cheap model flags it)."""
    return (np.asarray(probs) / np.asarray(thresholds)).max(1)


def cascade_flags(send: np.ndarray, teacher_flags: np.ndarray, cheap_flags: np.ndarray | None = None,
                  either: Sequence[int] = ()) -> np.ndarray:
    """The teacher's flags where the text was sent, none elsewhere; on the `either` label columns, the
    cheap model's flags as well."""
    out = teacher_flags & send[:, None]
    if len(either):
        out[:, either] |= cheap_flags[:, either]
    return out


def open_model(spec: str | None):
    """A model folder, or `cascade:CHEAP_DIR,TEACHER_DIR,SEND[,LABEL+LABEL]` (the last: `either` labels)."""
    if spec and spec.startswith("cascade:"):
        cheap, teacher, send, *either = spec[len("cascade:"):].split(",")
        labels = either[0].split("+") if either else []
        return cm.Cascade(cm.ConcernModel(Path(cheap)), cm.ConcernModel(Path(teacher)), float(send), labels)
    return cm.open_model(Path(spec)) if spec else cm.load_default()


def figures(fl: np.ndarray, t: cd.Table) -> str:
    y, _ = t.arrays()
    w = np.array(t.source) == "written"
    clean = w & ~y[:, :len(cd.LABELS)].any(1)
    f = fl.any(1)
    from evaluate_concern_model import macro_f1       # here: evaluate_concern_model imports this module
    of = cd.ordinary_figures(fl, t)
    src, orig = np.array(t.source), np.array(t.orig)
    o, d = src == "olid", src == "davidson"
    off = fl[:, 2] | fl[:, 3]          # rule (g): OLID OFF / Davidson hate read as offensive or discriminatory
    olid = macro_f1(orig[o] == "OFF", off[o]) if o.any() else float("nan")
    hate = off[d & (orig == "hate")].mean() if (d & (orig == "hate")).any() else float("nan")
    return (f"written clean flagged {f[clean].mean():.3f}, concerning caught {f[w & ~clean].mean():.3f}, "
            f"ordinary weighted {of.get('ordinary_flagged_any_weighted', float('nan')):.4f}, "
            f"OLID macro-F1 {olid:.3f}, Davidson hate {hate:.3f}")


def label_figures(fl: np.ndarray, t: cd.Table) -> str:
    """Per label, precision and recall on the written rows of `t`."""
    y, _ = t.arrays()
    w = np.array(t.source) == "written"
    out = []
    for j, lab in enumerate(cd.LABELS):
        truth, f = y[w, j] == 1, fl[w, j]
        out.append(f"{lab} P {(f & truth).sum() / max(1, f.sum()):.2f} R {(f & truth).sum() / max(1, truth.sum()):.2f}")
    return ", ".join(out)


def rule_g_figures(fl: np.ndarray, t: cd.Table) -> tuple[float, float]:
    """(OLID macro-F1, Davidson hate share) with offensive or discriminatory read as OFF / hate."""
    from evaluate_concern_model import macro_f1
    src, orig = np.array(t.source), np.array(t.orig)
    o, h = src == "olid", (src == "davidson") & (orig == "hate")
    off = fl[:, 2] | fl[:, 3]
    return macro_f1(orig[o] == "OFF", off[o]), float(off[h].mean())


def fit_guards(tp: np.ndarray, thr: np.ndarray, send: np.ndarray, t: cd.Table, ref: tuple[float, float],
               olid_drop: float, hate_drop: float, grid: np.ndarray, cheap_flags: np.ndarray | None = None,
               either: Sequence[int] = ()) -> tuple[np.ndarray, dict]:
    """The teacher's offensive threshold lowered, if need be, to the highest grid value at which the
    cascade's held-out OLID macro-F1 and Davidson hate share (rule (g)) are at most `olid_drop` and
    `hate_drop` below the reference's `ref`; the lowest grid value when none is enough (noted)."""
    thr = thr.copy()
    off = cd.L["offensive"]

    def ok(th):
        olid, hate = rule_g_figures(cascade_flags(send, tp >= th, cheap_flags, either), t)
        return olid >= ref[0] - olid_drop - 1e-9 and hate >= ref[1] - hate_drop - 1e-9, olid, hate

    good, olid, hate = ok(thr)
    note = {"reference": [round(ref[0], 4), round(ref[1], 4)], "before": [round(olid, 4), round(hate, 4)],
            "offensive_before": round(float(thr[off]), 3)}
    if not good:
        lower = sorted((float(g) for g in grid if g < thr[off]), reverse=True)
        for g in lower:
            thr[off] = g
            good, olid, hate = ok(thr)
            if good:
                break
        note["reached"] = bool(good)
    note.update(after=[round(olid, 4), round(hate, 4)], offensive=round(float(thr[off]), 3))
    return thr, note


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--run", required=True)
    ap.add_argument("--cheap", required=True, help="the model that reads every text (a bundle folder)")
    ap.add_argument("--teacher", required=True, help="a bundle of RUN's model at its thresholds")
    ap.add_argument("--variant", default="fp32", help="which heldout-VARIANT.npz of RUN holds the teacher's logits")
    ap.add_argument("--send", default="0.1,0.2,0.3,0.5,0.7,1.0")
    ap.add_argument("--texts", action="append", default=[])
    ap.add_argument("--either", default="", help="labels (comma-separated) on which the cheap model's flags are kept too")
    ap.add_argument("--write", default=None, metavar="DIR",
                    help="with a single --send: copy the teacher's bundle to DIR with the cascade's thresholds "
                         "(fit_guards: rule (g) kept against the cheap model on these rows) and its SEND recorded")
    ap.add_argument("--olid-drop", type=float, default=0.02)
    ap.add_argument("--hate-drop", type=float, default=0.03)
    a = ap.parse_args()
    import train_concern_model as tcm        # the run's table as training built it (no torch needed)
    run = tcm.Run(Path(a.run))
    t = run.heldout()
    npz = run.dir / f"heldout-{a.variant}.npz"
    if not npz.is_file():
        raise SystemExit(f"{npz} is missing: run `train_concern_model.py score --run {run.dir} --variants {a.variant}`")
    z = np.load(npz)
    if len(z["logits"]) != len(t.texts):
        raise SystemExit(f"{npz} holds {len(z['logits'])} rows, the run's held-out part {len(t.texts)}")
    teacher = cm.ConcernModel(Path(a.teacher))
    tf = teacher.flags(teacher.calibrate(z["logits"][:, :len(cd.LABELS)]))
    cheap = cm.ConcernModel(Path(a.cheap))
    cache = run.dir / f"cascade-cheap-{cheap.expected_sha256[:12]}.npy"
    if cache.is_file():
        cp = np.load(cache)
    else:
        cp = cheap.predict(t.texts)
        np.save(cache, cp)
    ratio = send_ratio(cp, cheap.thresholds)
    either = [cd.L[lab] for lab in a.either.split(",") if lab]
    cf = cheap.flags(cp)
    src, orig = np.array(t.source), np.array(t.orig)
    y, _ = t.arrays()
    clean = (src == "written") & ~y[:, :len(cd.LABELS)].any(1)
    ordinary = {"OLID NOT": (src == "olid") & (orig == "NOT"), "Davidson neither": (src == "davidson") & (orig == "neither"),
                "written clean": clean}
    print(f"== held-out rows of {run.dir.name} (n={len(t.texts)}); teacher {Path(a.teacher).name} ({a.variant}), "
          f"cheap {Path(a.cheap).name} ==")
    print(f"cheap alone:   {figures(cheap.flags(cp), t)}")
    print(f"teacher alone: {figures(tf, t)}")
    extra = []
    for p in a.texts:
        texts = [json.loads(line)["text"] for line in open(p, encoding="utf-8") if line.strip()]
        extra.append((Path(p).name, send_ratio(cheap.predict(texts), cheap.thresholds)))
    for f in (float(x) for x in a.send.split(",")):
        send = ratio >= f
        lost = int((tf.any(1) & ~send).sum())
        print(f"\nSEND {f}: sent {send.mean():.3f} of all rows; " +
              ", ".join(f"{k} {send[g].mean():.3f}" for k, g in ordinary.items() if g.any()) +
              "".join(f", {name} {(r >= f).mean():.3f}" for name, r in extra))
        print(f"  teacher-flagged rows not sent: {lost} of {int(tf.any(1).sum())}")
        print(f"  cascade: {figures(cascade_flags(send, tf), t)}")
        if either:
            print(f"  cascade, either on {a.either}: {figures(cascade_flags(send, tf, cf, either), t)}")
            for name, fl in (("cheap alone", cf), ("cascade", cascade_flags(send, tf)),
                             ("cascade either", cascade_flags(send, tf, cf, either))):
                print(f"    written per label, {name}: {label_figures(fl, t)}")
    if a.write:
        import shutil
        sends = [float(x) for x in a.send.split(",")]
        if len(sends) != 1:
            raise SystemExit("--write needs a single --send")
        send = ratio >= sends[0]
        tp = teacher.calibrate(z["logits"][:, :len(cd.LABELS)])
        thr, note = fit_guards(tp, teacher.thresholds, send, t, rule_g_figures(cf, t),
                               a.olid_drop, a.hate_drop, tcm.THRESHOLD_GRID, cf, either)
        print(f"\nfit_guards: {json.dumps(note)}")
        print(f"  cascade at the written thresholds: {figures(cascade_flags(send, tp >= thr, cf, either), t)}")
        out = Path(a.write)
        out.mkdir(parents=True, exist_ok=True)
        for f in Path(a.teacher).iterdir():
            if f.name != cm.META_FILE:
                shutil.copyfile(f, out / f.name)
        meta = dict(teacher.meta)
        meta["thresholds"] = {lab: round(float(v), 3) for lab, v in zip(cd.LABELS, thr)}
        meta["cascade_fit"] = {"send": sends[0], "cheap": str(Path(a.cheap).resolve()),
                           "cheap_sha256": cheap.expected_sha256, "fit_guards": note,
                           "olid_drop": a.olid_drop, "hate_drop": a.hate_drop, "run": str(run.dir),
                               "either": [lab for lab in a.either.split(",") if lab]}
        (out / cm.META_FILE).write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"written to {out}")


if __name__ == "__main__":
    main()
