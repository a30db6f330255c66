"""Keep validation images out of training, and training images out of dev.

    .venv/bin/python benchmarks/vision/collect.py --make-manifest   # manifest and images
    .venv/bin/python benchmarks/vision/dedup.py                     # writes excluded.csv
    .venv/bin/python benchmarks/vision/collect.py --make-manifest   # the manifest again, without them

Three tests, any one of which drops a manifest picture (every transform of it):
1. byte-identical: the sha256 of the source file equals that of a validation file;
2. near-identical pixels: the 64-bit difference hash (9 x 8 grey thumbnail, left-right steps) is
   within HAMMING bits of a validation image's (resized, recompressed or recoloured copies);
3. near-identical content: cosine similarity of the network's 1,280 features above COSINE
   (crops, borders, watermarks).

Validation images are every image under ../shared/corpora/images_text plus the files its
labels.dev.csv names elsewhere in ../shared/corpora. They are only read here to be kept out.

The same feature test also drops dev pictures that are near-copies of a training picture (the
IdenProf test split was scraped like its train split, so the same photo can be in both).
Rendered images are never compared (they are drawn here).
"""
from __future__ import annotations

import csv
import hashlib
import io
import sys
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
import collect  # noqa: E402
import train_heads  # noqa: E402

SHARED = ROOT.parent / "shared" / "corpora"
if not SHARED.exists():
    SHARED = Path("/work/shared/corpora")
HAMMING = 6
COSINE = 0.98
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".heic", ".bmp", ".gif", ".webp")


def dhash(im) -> int:
    from PIL import Image
    g = np.asarray(im.convert("L").resize((9, 8), Image.Resampling.BILINEAR), dtype=np.int16)
    bits = (g[:, 1:] > g[:, :-1]).flatten()
    return int("".join("1" if b else "0" for b in bits), 2)


def validation_files() -> list[Path]:
    base = SHARED / "images_text"
    files = {p for p in base.rglob("*") if p.suffix.lower() in IMAGE_EXT}
    labels = base / "labels.dev.csv"
    if labels.exists():
        for r in csv.DictReader(open(labels, encoding="utf-8")):
            p = (base / r["file"]).resolve()
            if p.is_file():
                files.add(p)
    return sorted(files)


def main() -> None:
    from PIL import Image
    try:
        from pi_heif import register_heif_opener
        register_heif_opener()
    except ImportError:
        pass
    import onnxruntime as ort
    from auditor.analysers.vision import prepare, to_tensor
    mirrors, cache = Path("/work/.mirror"), HERE / ".cache"
    rows = train_heads.read_manifest()
    # features of the fp32 export for both sides (the manifest's cache is of the same network)
    if not train_heads.FP32.is_file():
        sys.exit(f"{train_heads.FP32} is missing: run export.py (needs torch) first")
    sess = ort.InferenceSession(str(train_heads.FP32), providers=["CPUExecutionProvider"])
    val = []
    for p in validation_files():
        data = p.read_bytes()
        with Image.open(io.BytesIO(data)) as im:
            rgb = im.convert("RGB")
        feats = sess.run(None, {"image": to_tensor(prepare(rgb))})[0][0]
        val.append((p, hashlib.sha256(data).hexdigest(), dhash(rgb), feats))
    print(f"{len(val)} validation images")
    vsha = {s for _, s, _, _ in val}
    vhash = np.array([h for _, _, h, _ in val], dtype=np.uint64)
    vfeat = np.stack([f for *_, f in val]).astype(np.float32)
    vfeat /= np.linalg.norm(vfeat, axis=1, keepdims=True)

    feats = train_heads.extract(rows, HERE / "images", train_heads.FP32)["feats"]
    feats /= np.linalg.norm(feats, axis=1, keepdims=True) + 1e-9
    # pictures dropped by earlier runs are no longer in the manifest (collect.py leaves them out), so
    # they are kept from the file as they are; this run adds what it finds among the rest
    out: dict[tuple[str, str], str] = {}
    if collect.EXCLUDED.exists():
        with open(collect.EXCLUDED, encoding="utf-8") as fh:
            out = {(r["source"], r["path"]): r["reason"] for r in csv.DictReader(fh)}
    before = len(out)
    seen: set[tuple[str, str]] = set()
    for i, r in enumerate(rows):
        key = (r["source"], r["path"])
        if r["source"].startswith("render:") or key in seen:
            continue
        seen.add(key)
        if r["source"].startswith("github:"):
            data = collect.git_read(mirrors, r["source"], r["path"])
        else:
            with collect.wheel(cache, r["source"]) as zf:
                data = zf.read(r["path"])
        if hashlib.sha256(data).hexdigest() in vsha:
            out[key] = "byte-identical to a validation image"
            continue
        try:
            with Image.open(io.BytesIO(data)) as im:
                h = dhash(im.convert("RGB"))
            dist = min(bin(int(h) ^ int(v)).count("1") for v in vhash)
        except Exception:                              # DICOM and other non-picture sources
            dist = 64
        cos = float((vfeat @ feats[i]).max())
        if dist <= HAMMING:
            out[key] = f"difference hash within {dist} bits of a validation image"
        elif cos > COSINE:
            out[key] = f"feature cosine {cos:.3f} with a validation image"
    # dev pictures that are near-copies of a training picture
    train = np.array([r["split"] == "train" for r in rows])
    tf = feats[train]
    for i, r in enumerate(rows):
        key = (r["source"], r["path"])
        if r["split"] != "dev" or r["source"].startswith("render:") or key in out:
            continue
        best = 0.0
        for s in range(0, len(tf), 4096):
            best = max(best, float((tf[s:s + 4096] @ feats[i]).max()))
        if best > COSINE:
            out[key] = f"dev picture with feature cosine {best:.3f} to a training picture"
    by = Counter((k[0].split("@")[0], "dev copy of a training picture" if v.startswith("dev") else "validation copy")
                 for k, v in out.items())
    with open(collect.EXCLUDED, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, ["source", "path", "reason"])
        w.writeheader()
        for (src, path), why in sorted(out.items()):
            w.writerow({"source": src, "path": path, "reason": why})
    print(f"wrote {collect.EXCLUDED.name}: {len(out)} pictures dropped ({len(out) - before} new in this run)")
    for (src, kind), n in sorted(by.items()):
        print(f"  {src}: {n} ({kind})")


if __name__ == "__main__":
    main()
