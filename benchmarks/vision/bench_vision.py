"""Measure the photo-content model: per-class precision and recall on the held-apart dev split of
manifest.csv at the shipped thresholds, a measure-only run on the validation images in
../shared/corpora/images_text (never used for training or tuning), and speed.

    .venv/bin/python benchmarks/vision/collect.py      # once, to rebuild benchmarks/vision/images
    nice -n 10 .venv/bin/python benchmarks/vision/bench_vision.py [--speed 100] [--preprocessing-before REV]

--preprocessing-before REV: the dev split also through the vision.py of git revision REV (its
preprocessing, the same shipped heads), in the same run, and the two compared class by class.

Prints figures only; nothing here asserts a target.
"""
from __future__ import annotations

import argparse
import csv
import io
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
SHARED = ROOT.parent / "shared" / "corpora" / "images_text"
if not SHARED.exists():
    SHARED = Path("/work/shared/corpora/images_text")


def prf(pred: list[bool], gold: list[bool]) -> tuple[float, float, int, int, int]:
    tp = sum(p and g for p, g in zip(pred, gold))
    fp = sum(p and not g for p, g in zip(pred, gold))
    fn = sum(g and not p for p, g in zip(pred, gold))
    prec = tp / (tp + fp) if tp + fp else float("nan")
    rec = tp / (tp + fn) if tp + fn else float("nan")
    return prec, rec, tp, fp, fn


SOURCE_NAMES = {"x-ray-bone-fracture-detection-app": "bone X-rays (Roboflow)",
                "ai-pneumonia-detection": "chest X-rays (Kermany)",
                "2022-qupath-cell-detection": "Ki67 slide (OpenSlide)",
                "BCCD_Dataset": "blood films (BCCD)",
                "mopadi": "H&E tissue tiles (TCGA liver)",
                "ultrasound-automated-algorithm": "leg muscle ultrasound (TimTrack)",
                "BMI702_project": "breast ultrasound (BUSI)",
                "FETAL-ABNORMALITY": "fetal brain ultrasound (Roboflow)",
                "projectspring2024": "skin lesions (PAD-UFES-20)", "Iguana_PIDS": "skin lesions (PAD-UFES-20)",
                "Project_data_science_queen_snakes": "skin lesions (PAD-UFES-20)"}


def source_name(row: dict) -> str:
    """A short name for a manifest row's source, for the per-kind breakdown."""
    repo = row["source"].split("@")[0].split("/")[-1]
    return SOURCE_NAMES.get(repo, repo)


def fifth_round(added: list, conf103) -> None:
    """Figures on the fifth round's dev rows: clinical recall per look and kind (screen, print,
    periapical films, skin photographs), uniform recall on film prints, false alarms on film prints
    and on photos on a screen or on paper."""
    if not added:
        return
    print(f"fifth data round, {len(added)} dev images (looks of looks.py, skin photographs):")

    def look(r):
        return r["transform"].split(":", 1)[0] or "skin photo"
    clin = [(r, x) for r, x in added if r["label"] == "clinical"]
    for lk in sorted({look(r) for r, _ in clin}):
        sub = [(r, x) for r, x in clin if look(r) == lk]
        by_kind = {}
        for r, x in sub:
            n, k = by_kind.get(r["kind"], (0, 0))
            by_kind[r["kind"]] = (n + 1, k + x.flagged("clinical"))
        print(f"  clinical recall, {lk:11}: {sum(x.flagged('clinical') for _, x in sub)}/{len(sub)} "
              f"(after the page guard {sum(conf103(x) for _, x in sub)}); "
              + ", ".join(f"{k} {c}/{n}" for k, (n, c) in sorted(by_kind.items()))
              + f"; kind named right {sum(x.clinical_kind == r['kind'] for r, x in sub)}/{len(sub)}")
    uni = [x for r, x in added if r["label"] == "uniform"]
    if uni:
        print(f"  uniform recall, film prints of people at work: {sum(x.flagged('uniform') for x in uni)}/{len(uni)}")
    neg = [(r, x) for r, x in added if r["label"] == "negative"]
    for lk in sorted({look(r) for r, _ in neg}):
        for who in ("photos", "farmers"):
            sub = [x for r, x in neg if look(r) == lk and (r["kind"] == "farmer") == (who == "farmers")]
            if sub:
                print(f"  false alarms, {lk:6} {who:7} {len(sub):4d} images: clinical "
                      f"{sum(x.flagged('clinical') for x in sub):3d}; after the guard {sum(conf103(x) for x in sub):3d}; "
                      f"uniform {sum(x.flagged('uniform') for x in sub):3d}")
    film = [x for r, x in neg if look(r) == "film"]
    print(f"  new-rows rule: clinical + uniform false alarms on film prints "
          f"{sum(x.flagged('clinical') for x in film)} + {sum(x.flagged('uniform') for x in film)} of {len(film)}; "
          f"clinical recall on screen + print + periapical "
          f"{sum(x.flagged('clinical') for r, x in clin if look(r) in ('screen', 'print', 'periapical'))}/"
          f"{sum(1 for r, _ in clin if look(r) in ('screen', 'print', 'periapical'))}")


def all_rows_rule(results_all: list, classes) -> None:
    """Figures of the round-8 rule on ALL dev rows together (old rows and the looks and skin photographs):
    per-class precision and recall, and clinical + uniform false alarms on every black-and-white photo
    (grey copies and film prints together), pages, charts and photos of ordinary pictures on a screen or
    on paper (negatives with the look `screen` or `print`)."""
    print(f"all dev rows together ({len(results_all)} images: old rows and the fifth to seventh rounds' rows):")
    for cls in classes:
        gold = [r["label"] == cls for r, _ in results_all]
        if not any(gold):
            continue
        p, rc, tp, fp, fn = prf([x.flagged(cls) for _, x in results_all], gold)
        print(f"  {cls:10} precision {p:.4f} recall {rc:.4f} (tp {tp}, fp {fp}, fn {fn})")
    neg = [(r, x) for r, x in results_all if r["label"] == "negative"]
    look = [r["transform"].split(":", 1)[0] for r, _ in neg]
    parts = [("b/w: grey copies", [x for (r, x), lk in zip(neg, look) if lk == "grey"]),
             ("b/w: film prints", [x for (r, x), lk in zip(neg, look) if lk == "film"]),
             ("pages", [x for r, x in neg if r["kind"] == "page"]),
             ("charts", [x for r, x in neg if r["kind"] == "chart"]),
             ("pictures on a screen or paper", [x for (r, x), lk in zip(neg, look) if lk in ("screen", "print")])]
    tot_c = tot_u = tot_n = 0
    for name, sub in parts:
        c, u = sum(x.flagged("clinical") for x in sub), sum(x.flagged("uniform") for x in sub)
        kinds = {}
        for x in sub:
            if x.flagged("clinical"):
                kinds[x.clinical_kind] = kinds.get(x.clinical_kind, 0) + 1
        print(f"    {name:30} {len(sub):4d} images: clinical {c:3d} {dict(sorted(kinds.items())) or ''}; uniform {u:3d}")
        tot_c, tot_u, tot_n = tot_c + c, tot_u + u, tot_n + len(sub)
    print(f"  round-8 rule (b): clinical + uniform false alarms on b/w photos (grey + film), pages, charts and "
          f"pictures on a screen or paper: {tot_c} + {tot_u} = {tot_c + tot_u} of {tot_n} pictures")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", default=str(HERE / "images"))
    ap.add_argument("--speed", type=int, default=100, help="images for the speed figures")
    ap.add_argument("--model", help="a folder holding the four vision_* files to measure instead of the "
                                    "shipped ones (e.g. a copy of the heads before retraining)")
    ap.add_argument("--preprocessing-before", metavar="REV",
                    help="also run the dev split through the vision.py of this git revision (the same heads) "
                         "and compare: a change of preprocessing measured in one run")
    args = ap.parse_args()
    from PIL import Image
    try:
        from pi_heif import register_heif_opener
        register_heif_opener()
    except ImportError:
        pass
    from auditor.analysers.vision import CLASSES, VisionModel
    from train_heads import is_added
    model = VisionModel(folder=Path(args.model) if args.model else None, threads=1)
    every = [r for r in csv.DictReader(open(HERE / "manifest.csv", encoding="utf-8")) if r["split"] == "dev"]
    images = Path(args.images)
    results_all = []
    for r in every:
        with Image.open(images / r["file"]) as im:
            results_all.append((r, model.analyse(im.convert("RGB"))))
    # the dev rows of the fifth data round (looks of looks.py, skin photographs) are measured apart
    # below, so the figures above them stay comparable with earlier runs
    results = [(r, res) for r, res in results_all if not is_added(r)]
    added = [(r, res) for r, res in results_all if is_added(r)]
    rows = [r for r, _ in results]
    print(f"dev split: {len(rows)} images (held apart by source or source subset; never trained on), "
          f"and {len(added)} of the fifth data round (below)")
    if args.preprocessing_before:
        compare_preprocessing(args.preprocessing_before, model, rows, images, results)
    print(f"{'class':10} {'thresh':>6} {'prec':>6} {'recall':>6} {'tp':>4} {'fp':>4} {'fn':>4}  positives")
    for cls in CLASSES:
        gold = [r["label"] == cls for r, _ in results]
        pred = [res.flagged(cls) for _, res in results]
        p, rc, tp, fp, fn = prf(pred, gold)
        print(f"{cls:10} {model.thresholds.get(cls, float('nan')):6.2f} {p:6.2f} {rc:6.2f} {tp:4d} {fp:4d} {fn:4d}  "
              f"{sum(gold)}")
    # clinical recall by kind, and false alarms on black-and-white photos
    kinds = sorted({r["kind"] for r, _ in results if r["label"] == "clinical"})
    for k in kinds:
        sub = [res for r, res in results if r["label"] == "clinical" and r["kind"] == k]
        print(f"  clinical recall, {k:10}: {sum(x.flagged('clinical') for x in sub)}/{len(sub)}; "
              f"sub-kind right: {sum(x.clinical_kind == k for x in sub)}/{len(sub)}")
        # and by source within the kind (chest X-rays apart from bone X-rays, H&E tissue apart from
        # Ki67 slides and blood films ...)
        srcs = sorted({source_name(r) for r in rows if r["label"] == "clinical" and r["kind"] == k})
        if len(srcs) > 1:
            for s in srcs:
                part = [res for r, res in results if r["label"] == "clinical" and r["kind"] == k
                        and source_name(r) == s]
                print(f"      {s:38} {sum(x.flagged('clinical') for x in part)}/{len(part)}")
    # uniform recall by profession (IdenProf's test split), in colour and in black and white
    for k in sorted({r["kind"] for r, _ in results if r["label"] == "uniform"}):
        col = [res for r, res in results if r["label"] == "uniform" and r["kind"] == k and r["transform"] != "grey"]
        bw = [res for r, res in results if r["label"] == "uniform" and r["kind"] == k and r["transform"] == "grey"]
        print(f"  uniform recall, {k:11}: {sum(x.flagged('uniform') for x in col)}/{len(col)} in colour, "
              f"{sum(x.flagged('uniform') for x in bw)}/{len(bw)} in black and white")
    grey = [(r, res) for r, res in results if r["label"] == "negative" and r["transform"] == "grey"]
    colour = [(r, res) for r, res in results if r["label"] == "negative" and r["transform"] != "grey"]
    for cls in ("clinical", "uniform"):
        print(f"  {cls} false alarms on black-and-white photos: {sum(x.flagged(cls) for _, x in grey)}/{len(grey)}; "
              f"on colour photos: {sum(x.flagged(cls) for _, x in colour)}/{len(colour)}")
    # false alarms per kind of hard negative: pages of text, screenshots (light, dark), photos of
    # paper, whiteboards, charts, graphics; then ordinary photos in colour and black and white. "clinical" is
    # the head at its threshold; "CONF103" is what judge() makes of it with no other cue (the
    # page guard drops X-ray and CT/MRI verdicts on mostly white pictures)
    from auditor.analysers.image_content import DARK_KINDS, PAGE_SHARE

    def conf103(res):
        return res.flagged("clinical") and not (res.clinical_kind in DARK_KINDS and res.page >= PAGE_SHARE)
    drawn = ("page", "screenshot", "dark-mode", "paper-photo", "whiteboard", "chart", "graphic")
    groups = [(k, [res for r, res in results if r["label"] == "negative" and r["kind"] == k]) for k in drawn]
    groups.append(("photo colour", [x for _, x in colour if _["kind"] not in drawn]))
    groups.append(("photo b/w", [x for _, x in grey]))
    print("  false alarms per kind of negative (clinical head / after the page guard / uniform / any class):")
    for k, sub in groups:
        if not sub:
            continue
        kinds_seen = {}
        for x in sub:
            if x.flagged("clinical"):
                kinds_seen[x.clinical_kind] = kinds_seen.get(x.clinical_kind, 0) + 1
        anyc = sum(any(x.flagged(c) for c in CLASSES) for x in sub)
        print(f"    {k:13} {len(sub):4d} images: clinical {sum(x.flagged('clinical') for x in sub):3d} "
              f"{dict(sorted(kinds_seen.items())) or ''}; after the guard {sum(conf103(x) for x in sub):3d}; "
              f"uniform {sum(x.flagged('uniform') for x in sub):3d}; any {anyc:3d}")
    pos = [res for r, res in results if r["label"] == "clinical"]
    print(f"  clinical recall after the page guard: {sum(conf103(x) for x in pos)}/{len(pos)} "
          f"(head alone {sum(x.flagged('clinical') for x in pos)}/{len(pos)})")
    people = [(r, res) for r, res in results if r["label"] == "negative" and r["kind"] == "farmer"]
    print(f"  uniform false alarms on photos of farmers at work (everyday clothes): "
          f"{sum(x.flagged('uniform') for _, x in people)}/{len(people)}")
    by_src: dict[str, list[int]] = {}
    for r, res in results:
        if r["label"] != "uniform":
            key = r["source"].split("@")[0].split("/")[-1] + "/" + r["label"]
            by_src.setdefault(key, [0, 0])
            by_src[key][0] += 1
            by_src[key][1] += res.flagged("uniform")
    print("  uniform false alarms by source: " + ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in sorted(by_src.items())))
    bw_rule = [x for r, x in results if r["label"] == "negative" and (r["transform"] == "grey" or
                                                                       r["kind"] in ("page", "chart"))]
    print(f"  rule: clinical + uniform false alarms on black-and-white photos, pages and charts: "
          f"{sum(x.flagged('clinical') for x in bw_rule)} + {sum(x.flagged('uniform') for x in bw_rule)} "
          f"of {len(bw_rule)} pictures")
    fifth_round(added, conf103)
    all_rows_rule(results_all, CLASSES)
    print(f"  nudity network run on {sum(x.nudity_checked for _, x in results)}/{len(results)} dev images "
          f"(gate); flagged {sum(x.flagged('nudity') for _, x in results)}")

    # the nudity network on every dev image (none is nude): false alarms and its own speed
    t = time.perf_counter()
    scores = []
    for r, _res in results:
        with Image.open(images / r["file"]) as im:
            scores.append((r, model.nudity_score(im.convert("RGB"))))
    t = time.perf_counter() - t
    thr = model.thresholds["nudity"]
    by = {}
    for r, v in scores:
        key = r["label"] if r["label"] != "clinical" else "clinical/" + r["kind"]
        n, k = by.get(key, (0, 0))
        by[key] = (n + 1, k + (v >= thr))
    print(f"  nudity network on all {len(scores)} dev images (none nude; gate ignored): over {thr:.2f} on "
          + ", ".join(f"{k} {c}/{n}" for k, (n, c) in sorted(by.items()))
          + f"; {len(scores) / t:.1f} images/s")

    # validation (measure only): IdenProf test images with helper-judged workwear labels
    labels = SHARED / "labels.dev.csv"
    if labels.exists():
        vrows = [r for r in csv.DictReader(open(labels, encoding="utf-8"))
                 if r["workwear_or_uniform"] in ("0", "1") and (SHARED / r["file"]).exists()]
        gold, pred, clin, clin_guard, missed, false, clin_names = [], [], 0, 0, [], [], []
        for r in vrows:
            with Image.open(SHARED / r["file"]) as im:
                res = model.analyse(im.convert("RGB"))
            gold.append(r["workwear_or_uniform"] == "1")
            pred.append(res.flagged("uniform"))
            clin += res.flagged("clinical")
            if res.flagged("clinical"):
                clin_names.append(f"{Path(r['file']).name} ({res.clinical_kind}, {res.probs['clinical']:.2f})")
            clin_guard += conf103(res)
            if gold[-1] != pred[-1]:
                (missed if gold[-1] else false).append(f"{Path(r['file']).name} ({res.probs['uniform']:.2f})")
        p, rc, tp, fp, fn = prf(pred, gold)
        print(f"validation (shared/corpora/images_text, {len(vrows)} images, measure only): uniform precision "
              f"{p:.2f} recall {rc:.2f} (tp {tp}, fp {fp}, fn {fn}); clinical flagged on {clin} (none are clinical; "
              f"{clin_guard} after the page guard)")
        print(f"  uniform missed: {', '.join(missed) or 'none'}; false alarms: {', '.join(false) or 'none'}; "
              f"clinical flagged: {', '.join(clin_names) or 'none'}")
    else:
        print("validation: shared/corpora/images_text not present, skipped")

    # speed: the network and heads on one thread; and with JPEG decoding
    sample = [images / r["file"] for r in rows[: args.speed]]
    decoded = []
    jpegs = []
    for p in sample:
        with Image.open(p) as im:
            rgb = im.convert("RGB")
        decoded.append(rgb)
        buf = io.BytesIO()
        rgb.save(buf, "JPEG", quality=90)
        jpegs.append(buf.getvalue())
    tensors = [model.features(im)[2] for im in decoded]
    from auditor.analysers.vision import to_tensor
    tensors = [to_tensor(s) for s in tensors]
    # best of three rounds, wall and CPU time (the machine is shared: CPU time per photo is the
    # figure to compare between two models; wall figures swing with the load)
    def timed(fn, items) -> tuple[float, float]:
        best_w = best_c = float("inf")
        for _ in range(3):
            w, c = time.perf_counter(), time.process_time()
            for it in items:
                fn(it)
            best_w = min(best_w, time.perf_counter() - w)
            best_c = min(best_c, time.process_time() - c)
        return best_w, best_c

    def from_jpeg(data: bytes) -> None:
        with Image.open(io.BytesIO(data)) as im:
            im.draft("RGB", (448, 448))
            model.analyse(im.convert("RGB"))
    n = len(sample)
    net_w, net_c = timed(lambda x: model.session.run(None, {"image": x}), tensors)
    an_w, an_c = timed(model.analyse, decoded)
    jp_w, jp_c = timed(from_jpeg, jpegs)
    print(f"speed, one thread, {n} images, best of 3: network alone {n / net_w:.1f} images/s, CPU "
          f"{1000 * net_c / n:.2f} ms/image; analyse() {n / an_w:.1f} images/s, CPU {1000 * an_c / n:.2f} ms/image "
          f"(decoded input; nudity gate included); with JPEG decoding (draft mode) {n / jp_w:.1f} images/s, "
          f"CPU {1000 * jp_c / n:.2f} ms/image")


def vision_of(rev: str):
    """auditor/analysers/vision.py as it was at git revision `rev`, loaded as its own module (it reads
    the shipped heads of this tree: only its code, i.e. its preprocessing, differs)."""
    import importlib.util
    import subprocess
    import tempfile
    src = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:auditor/analysers/vision.py"],
                         capture_output=True, check=True, text=True).stdout
    path = Path(tempfile.mkdtemp(prefix="vision_before_")) / "vision_before.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("vision_before", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["vision_before"] = mod
    spec.loader.exec_module(mod)
    return mod


def compare_preprocessing(rev: str, model, rows: list[dict], images: Path, results: list) -> None:
    """The dev split through REV's vision.py and through this tree's, same heads, one run: per
    class precision and recall, clinical and uniform false alarms on black-and-white photos, pages
    and charts, nudity scores where the gate ran, and how many inputs differed at all."""
    from PIL import Image
    from auditor.analysers import vision
    old = vision_of(rev)
    before = old.VisionModel(folder=vision.data_dir(), threads=1)
    if before.meta["files"] != model.meta["files"]:
        print("  (the two models read different files: this compares more than preprocessing)")
    olds, differ = [], 0
    for r in rows:
        with Image.open(images / r["file"]) as im:
            rgb = im.convert("RGB")
        olds.append(before.analyse(rgb))
        a, b = np.asarray(old.prepare(rgb), dtype=np.int16), np.asarray(vision.prepare(rgb), dtype=np.int16)
        differ += not np.array_equal(a, b)
    print(f"\n== preprocessing: {rev} against this tree, the same heads, dev split ({len(rows)} images; the "
          f"224 px input differs on {differ}) ==")
    new = [res for _r, res in results]
    print(f"{'class':10} {'prec before':>11} {'after':>6} {'recall before':>13} {'after':>6}")
    for cls in vision.CLASSES:
        gold = [r["label"] == cls for r in rows]
        pb, rb, *_ = prf([x.flagged(cls) for x in olds], gold)
        pa, ra, *_ = prf([x.flagged(cls) for x in new], gold)
        print(f"{cls:10} {pb:11.3f} {pa:6.3f} {rb:13.3f} {ra:6.3f}")
    hard = [i for i, r in enumerate(rows) if r["label"] == "negative"
            and (r["transform"] == "grey" or r["kind"] in ("page", "chart"))]
    for name, res in (("before", olds), ("after", new)):
        fa = sum(res[i].flagged("clinical") + res[i].flagged("uniform") for i in hard)
        print(f"  clinical + uniform false alarms on black-and-white photos, pages and charts ({len(hard)}), "
              f"{name}: {fa}")
    scored = [(o.probs["nudity"], n.probs["nudity"]) for o, n in zip(olds, new) if o.nudity_checked and n.nudity_checked]
    thr = model.thresholds.get("nudity", 1.01)
    if scored:
        d = np.abs(np.array([a - b for a, b in scored]))
        print(f"  nudity network (gate ran both times on {len(scored)}): |score change| mean {d.mean():.4f}, max "
              f"{d.max():.4f}; over {thr:.2f}: before {sum(a >= thr for a, _ in scored)}, after "
              f"{sum(b >= thr for _, b in scored)}")
    gated = sum(o.nudity_checked != n.nudity_checked for o, n in zip(olds, new))
    print(f"  nudity gate decided differently on {gated} images")
    flips = sum(o.flagged(c) != n.flagged(c) for o, n in zip(olds, new) for c in vision.CLASSES)
    diffs = np.array([abs(o.probs[c] - n.probs[c]) for o, n in zip(olds, new) for c in vision.CLASSES if c != "nudity"])
    print(f"  head scores: |change| mean {diffs.mean():.4f}, max {diffs.max():.4f}; decisions flipped: {flips}\n")


if __name__ == "__main__":
    main()
