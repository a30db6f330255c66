"""Helpers shared by the Meta importers (Facebook, Instagram, Threads).

Meta's JSON exports write UTF-8 bytes as \\u00XX escapes ("mojibake"): "café" arrives as
"cafÃ©". Repair: encode the string as Latin-1 (giving back the original bytes) and decode
as UTF-8; where that round trip fails the string was not mojibake and is kept as it is.
"""
from __future__ import annotations

from typing import Any


def fix_mojibake(s: str) -> str:
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def fix_all(value: Any) -> Any:
    """Repair every string in a parsed JSON value (keys too)."""
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [fix_all(v) for v in value]
    if isinstance(value, dict):
        return {fix_mojibake(k) if isinstance(k, str) else k: fix_all(v) for k, v in value.items()}
    return value
