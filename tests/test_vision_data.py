"""The photo-content model's training data: the manifest keeps dev apart from training, records a
licence for every picture, never names a repository reserved for the independent check, and holds
the hard negatives a camera roll is full of (pages, screenshots light and dark, photos of paper,
whiteboards, charts) on both sides."""
from __future__ import annotations

import csv
import importlib.util
from collections import Counter
from pathlib import Path

import pytest

VISION = Path(__file__).resolve().parent.parent / "benchmarks" / "vision"


def _rows() -> list[dict]:
    with open(VISION / "manifest.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _module(name: str):
    spec = importlib.util.spec_from_file_location(f"_vision_{name}", VISION / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def test_every_row_has_a_licence_a_split_and_a_unique_file():
    rows = _rows()
    assert all(r["licence"].strip() for r in rows)
    assert {r["split"] for r in rows} == {"train", "dev"}
    files = [r["file"] for r in rows]
    assert len(files) == len(set(files))


def test_no_reserved_repository_is_used():
    import sys
    sys.path.insert(0, str(VISION))
    reserved = _module("collect").RESERVED
    used = {r["source"].split(":", 1)[1].split("@", 1)[0] for r in _rows() if r["source"].startswith("github:")}
    assert not used & reserved


def test_drawn_negatives_of_every_kind_on_both_sides_with_different_seeds():
    rows = [r for r in _rows() if r["source"].startswith("render:") and r["label"] == "negative"]
    kinds = Counter((r["kind"], r["split"]) for r in rows)
    for kind in ("page", "screenshot", "dark-mode", "paper-photo", "whiteboard", "chart", "graphic"):
        assert kinds[(kind, "train")] >= 50, kind
        assert kinds[(kind, "dev")] >= 15, kind
    train = {r["path"] for r in rows if r["split"] == "train"}
    dev = {r["path"] for r in rows if r["split"] == "dev"}
    assert not train & dev


def test_dev_renders_use_typefaces_never_used_for_training():
    mod = _module("render_negatives")
    assert not set(mod.TRAIN_FACES) & set(mod.DEV_FACES)
    for v in ("train", "dev"):
        assert not set(mod.MONO[v]) & set(mod.MONO["dev" if v == "train" else "train"])
    assert mod.variant(mod.DEV_SEED) == "dev" and mod.variant(mod.DEV_SEED - 1) == "train"


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").exists(),
                    reason="the DejaVu typefaces the drawings use are not installed")
def test_renderers_are_deterministic():
    mod = _module("render_negatives")
    for name, fn in mod.RENDERERS.items():
        if name in ("render:paper", "render:board"):
            continue                                   # slow (large photos); drawn by the same helpers
        a, b = fn(3), fn(3)
        assert a.tobytes() == b.tobytes(), name
        assert a.size[0] > 100 and a.size[1] > 100
