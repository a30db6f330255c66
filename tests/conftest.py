"""Shared test helpers. Fixture archives are built at test time from plain files, as a zip and
as a folder, so every importer test can run on both forms."""
from __future__ import annotations

import os
import socket
import zipfile
from pathlib import Path
from typing import Callable, Mapping

import pytest

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

# Property-based tests draw the same cases on every run, so CI is reproducible; explore new cases
# locally with HYPOTHESIS_PROFILE=explore (benchmarks/fuzz_long.py runs the long fuzz).
from hypothesis import settings as _hyp_settings

_hyp_settings.register_profile("ci", derandomize=True, database=None)
_hyp_settings.register_profile("explore", derandomize=False)
_hyp_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

Members = Mapping[str, "bytes | str"]


def write_folder(root: Path, members: Members) -> Path:
    for name, data in members.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return root


def write_zip(path: Path, members: Members) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zi = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(zi, data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.fixture(params=["zip", "folder"])
def make_archive(request, tmp_path) -> Callable[[Members], Path]:
    """make_archive(members) -> path of a zip or a folder (the test runs once for each form)."""
    counter = iter(range(10_000))

    def make(members: Members, name: str = "export") -> Path:
        n = next(counter)
        if request.param == "zip":
            return write_zip(tmp_path / f"{name}{n}.zip", members)
        return write_folder(tmp_path / f"{name}{n}", members)
    make.form = request.param  # type: ignore[attr-defined]
    return make


@pytest.fixture
def no_network(monkeypatch):
    """Every socket connection and name lookup fails (and is counted)."""
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    return attempts


SHARED = Path(__file__).resolve().parent.parent.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A path in ../shared, or skip the test when it is absent (the project must pass without it)."""
    p = SHARED.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"{p} not present")
    return p


def load_training_script(name: str):
    """A script of benchmarks/training as a module (its folder on sys.path, as when it runs), registered under
    its own name, so that a script importing another gets the same module object as the test."""
    import importlib.util
    import sys
    folder = Path(__file__).resolve().parents[1] / "benchmarks" / "training"
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    mod = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
