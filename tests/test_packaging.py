"""A plain (non-editable) install ships everything: the repository's top-level `importers/` and
`templates/` inside the package (auditor.importers, auditor.templates, nothing generic at the top
of site-packages), the standards and model data, and runs a scan from the installed package, not
from the work tree."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_installed_package_scans(tmp_path):
    site = tmp_path / "site"
    # build from a clean copy: a stale build/ folder in the work tree would be packaged as it is
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__",
                                                             ".pytest_cache", ".hypothesis", "report", "out"))
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                        "--target", str(site), str(src)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    for rel in ("auditor/cli.py", "auditor/importers/twitter.py", "auditor/templates/report.html.j2",
                "auditor/standards/hcpc-2024.toml", "auditor/analysers/data/text_common.toml",
                "auditor/analysers/text/engine.py"):
        assert (site / rel).is_file(), f"{rel} not installed"
    top = {p.name for p in site.iterdir() if not p.name.endswith((".dist-info", ".egg-info"))}
    assert top <= {"auditor", "bin", "__pycache__"}, f"generic top-level names installed: {sorted(top)}"
    assert "Package would be ignored" not in r.stderr, r.stderr
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
