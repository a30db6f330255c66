"""No network, ever: full scans with every socket connection and name lookup made to fail, both
in this process (the default analysers, real models where installed) and as the installed
`auditor` command in a fresh interpreter whose sockets are blocked before anything is imported.
The scans must pass AND make no attempt at all (a library that tries and swallows the failure
would still be a leak on a machine with networking)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_exports"


def sample_inputs() -> list[str]:
    """Every archive in sample_exports/: the zips and the photo folders (not the scripts/config)."""
    if not SAMPLES.is_dir():
        pytest.skip("sample_exports/ not present")
    items = sorted(str(p) for p in SAMPLES.iterdir()
                   if p.suffix.lower() == ".zip" or (p.is_dir() and not p.name.startswith((".", "_"))))
    if not items:
        pytest.skip("sample_exports/ holds no archives yet")
    return items


def sample_config() -> list[str]:
    cfg = SAMPLES / "auditor.toml"
    return ["--config", str(cfg)] if cfg.is_file() else []


def test_full_scan_of_sample_exports_with_network_blocked(no_network, tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["scan", *sample_inputs(), *sample_config(), "--out", str(out), "--quiet"])
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert r.exit_code in (0, 1), r.output
    doc = json.loads((out / "findings.json").read_text())
    assert doc["posts"], "the sample scan read no posts"
    assert not any("network disabled" in p["message"] for p in doc["problems"]), doc["problems"]
    assert no_network == [], f"{len(no_network)} connection attempt(s): {no_network[:3]}"


def test_built_twitter_archive_with_network_blocked(no_network, make_archive, tmp_path):
    tweets = ('window.YTD.tweets.part0 = [{"tweet": {"id_str": "5", "created_at": '
              '"Mon Mar 02 08:00:00 +0000 2020", "full_text": "Email me at sam.k@example.org about '
              'the clinic rota, https://t.co/abc", "entities": {"urls": [{"url": "https://t.co/abc", '
              '"expanded_url": "https://example.org/rota", "indices": ["62", "85"]}]}}}]')
    path = make_archive({"data/tweets.js": tweets})
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["scan", str(path), "--out", str(out), "--quiet"])
    assert r.exit_code in (0, 1), r.output
    assert json.loads((out / "findings.json").read_text())["posts"][0]["ref"] == "twitter:5"
    assert no_network == []


# Installed in a fresh interpreter before anything else: every connect, name lookup and UDP send
# fails and is logged to a file the test reads.
BLOCKER = textwrap.dedent('''
    import os, socket
    _log = os.environ["FA_NET_LOG"]
    def _refuse(*args, **kwargs):
        with open(_log, "a") as fh:
            fh.write(repr(args[1:] if args else kwargs)[:200] + "\\n")
        raise OSError(101, "network blocked by test")
    for _name in ("connect", "connect_ex", "sendto", "sendmsg"):
        setattr(socket.socket, _name, _refuse)
    socket.getaddrinfo = _refuse
    socket.gethostbyname = _refuse
    socket.gethostbyname_ex = _refuse
    socket.create_connection = _refuse
''')


def test_cli_subprocess_with_sockets_blocked_from_startup(tmp_path):
    inputs = sample_inputs()
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    log = tmp_path / "net.log"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]), FA_NET_LOG=str(log),
               HOME=str(tmp_path / "home"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("AUDITOR_DEBUG", None)
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "auditor", "scan", *inputs, *sample_config(),
                           "--out", str(out), "--quiet"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert (out / "findings.json").exists()
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"network attempts:\n{attempts}"
    # nothing written to the home folder or a cache (models, suffix lists ...)
    assert not (tmp_path / "home").exists() and not (tmp_path / "cache").exists()
