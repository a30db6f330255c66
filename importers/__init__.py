"""Platform importers: one module per platform, registered here in detection order."""
from __future__ import annotations

import importlib
from types import ModuleType

# module names under importers/, most specific first ("photos" accepts any folder of images,
# so it goes last and only applies when nothing else matched)
MODULES = ("twitter", "facebook", "instagram", "photos")


def all_importers() -> list[ModuleType]:
    mods = []
    for name in MODULES:
        try:
            mods.append(importlib.import_module(f"importers.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"importers.{name}":
                raise
    return mods
