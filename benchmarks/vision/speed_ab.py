"""Speed of two or more copies of the photo-content model, interleaved in one process: each round
runs every model once over the same dev pictures (network alone, then analyse()), and the best of
the rounds is kept per model, in CPU time (the machine is shared: wall time swings with the load).

    nice -n 10 .venv/bin/python benchmarks/vision/speed_ab.py --models DIR_A DIR_B [--n 60 --rounds 3]

DIR: a folder with the four vision_* files (as bench_vision.py --model); "shipped" means the
package's own. Prints figures only.
"""
from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--images", default=str(HERE / "images"))
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    from PIL import Image
    from auditor.analysers.vision import VisionModel, to_tensor
    rows = [r for r in csv.DictReader(open(HERE / "manifest.csv", encoding="utf-8")) if r["split"] == "dev"]
    decoded = []
    for r in rows[: args.n]:
        with Image.open(Path(args.images) / r["file"]) as im:
            decoded.append(im.convert("RGB"))
    models = {m: VisionModel(folder=None if m == "shipped" else Path(m), threads=1) for m in args.models}
    first = next(iter(models.values()))
    tensors = [to_tensor(first.features(im)[2]) for im in decoded]
    best = {(m, part): (float("inf"), float("inf")) for m in models for part in ("network", "analyse")}
    for _ in range(args.rounds):
        for m, model in models.items():
            for part, fn, items in (("network", lambda x, s=model.session: s.run(None, {"image": x}), tensors),
                                    ("analyse", model.analyse, decoded)):
                w, c = time.perf_counter(), time.process_time()
                for it in items:
                    fn(it)
                w, c = time.perf_counter() - w, time.process_time() - c
                bw, bc = best[m, part]
                best[m, part] = (min(bw, w), min(bc, c))
    n = len(decoded)
    base = args.models[0]
    for m in models:
        net_c, an_c = best[m, "network"][1], best[m, "analyse"][1]
        print(f"{m}: network alone CPU {1000 * net_c / n:.2f} ms/image (wall {1000 * best[m, 'network'][0] / n:.2f}), "
              f"analyse() CPU {1000 * an_c / n:.2f} ms/image (wall {1000 * best[m, 'analyse'][0] / n:.2f}); "
              f"network CPU ratio {base} / this: {best[base, 'network'][1] / net_c:.2f}, "
              f"analyse() {best[base, 'analyse'][1] / an_c:.2f}")


if __name__ == "__main__":
    main()
