"""Install the tool the way a user would, into fresh environments, and scan with networking cut off.

    .venv/bin/python benchmarks/fresh_install.py [--no-pipx] [--keep]

1. `pip install .` into a new virtual environment (no editable install, no setup.sh);
2. `pipx install .` (pipx itself is installed into a throw-away environment first), unless --no-pipx;
3. for each: `auditor inspect` must report the language model installed, then `auditor scan` of
   sample_exports/ runs with networking cut off (a new network namespace with `unshare -rn` where the
   kernel allows it, otherwise a socket guard loaded by sitecustomize) and must write the report.

Prints the install time, the installed size, the scan's exit code and time, and whether anything
generic landed at the top of site-packages. Packages come from PyPI (pip's cache makes a second run
quick). Takes a few minutes; run it with `nice -n 10`.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_ANYWHERE = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "__pycache__", ".pytest_cache",
                                       ".hypothesis")
GUARD = '''import socket
def _refuse(*a, **k):
    raise OSError("network disabled by fresh_install.py")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.getaddrinfo = _refuse
socket.create_connection = _refuse
'''


def ignore(folder: str, names: list[str]) -> set[str]:
    skip = set(SKIP_ANYWHERE(folder, names))
    if Path(folder).resolve() == ROOT:
        skip |= {n for n in names if n in ("report", "out")}
    return skip


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def offline_prefix() -> tuple[list[str], str]:
    if shutil.which("unshare") and run(["unshare", "-rn", "true"]).returncode == 0:
        return ["unshare", "-rn"], "network namespace (unshare -rn)"
    return [], "socket guard (sitecustomize)"


def size_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def check(label: str, auditor: Path, site: Path | None, work: Path) -> dict:
    prefix, how = offline_prefix()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    if not prefix:
        guard = work / f"guard-{label}"
        guard.mkdir()
        (guard / "sitecustomize.py").write_text(GUARD)
        env["PYTHONPATH"] = str(guard)
    r = run(prefix + [str(auditor), "inspect", str(ROOT / "sample_exports" / "camera-roll")], env=env, cwd=work)
    model = next((line for line in r.stdout.splitlines() if line.startswith("Language model")), r.stderr.strip())
    samples = sorted(str(p) for p in (ROOT / "sample_exports").glob("*.zip")) + [str(ROOT / "sample_exports" /
                                                                                   "camera-roll")]
    out = work / f"report-{label}"
    t0 = time.perf_counter()
    r = run(prefix + [str(auditor), "scan", *samples, "--config", str(ROOT / "sample_exports" / "auditor.toml"),
                      "--out", str(out), "--quiet"], env=env, cwd=work)
    took = time.perf_counter() - t0
    got = {"label": label, "offline": how, "model": model, "scan_exit": r.returncode, "scan_s": round(took, 1)}
    if (out / "findings.json").exists():
        doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        got.update(posts=len(doc["posts"]), findings=len(doc["findings"]),
                   report=(out / "report.html").exists())
    else:
        got["error"] = (r.stderr or r.stdout).strip()[-400:]
    if site is not None:       # what this project put at the top of site-packages (from its RECORD)
        record = next(site.glob("footprint_auditor-*.dist-info")) / "RECORD"
        got["site_top"] = sorted({line.split("/", 1)[0] for line in record.read_text().splitlines()
                                  if line and not line.startswith(("..", "footprint_auditor-"))})
    return got


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-pipx", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fa-fresh-"))
    src = work / "src"
    shutil.copytree(ROOT, src, ignore=ignore)
    results = []
    try:
        venv = work / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        t0 = time.perf_counter()
        r = run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(src)])
        took = time.perf_counter() - t0
        if r.returncode:
            print("pip install . failed:", r.stderr[-2000:])
            return 1
        site = next((venv / "lib").glob("python3*/site-packages"))
        warnings = [line for line in r.stderr.splitlines() if "warning" in line.lower()
                    and "Location" not in line]
        print(f"pip install . : {took:.0f} s, {size_mb(venv):.0f} MB, warnings: {warnings or 'none'}")
        results.append(check("pip", venv / "bin" / "auditor", site, work))
        if not a.no_pipx:
            tools = work / "pipx-tool"
            run([sys.executable, "-m", "venv", str(tools)])
            r = run([str(tools / "bin" / "python"), "-m", "pip", "install", "-q", "pipx"])
            if r.returncode:
                print("could not install pipx:", r.stderr[-500:])
            else:
                env = {**os.environ, "PIPX_HOME": str(work / "pipx-home"), "PIPX_BIN_DIR": str(work / "pipx-bin")}
                t0 = time.perf_counter()
                r = run([str(tools / "bin" / "pipx"), "install", str(src)], env=env)
                took = time.perf_counter() - t0
                print(f"pipx install . : {took:.0f} s, exit {r.returncode}"
                      + (f": {r.stderr.strip()[-600:]}" if r.returncode else ""))
                if r.returncode == 0:
                    pvenv = work / "pipx-home" / "venvs" / "footprint-auditor"
                    psite = next((pvenv / "lib").glob("python3*/site-packages"))
                    results.append(check("pipx", work / "pipx-bin" / "auditor", psite, work))
        for got in results:
            print(json.dumps(got))
        ok = all(g.get("scan_exit") in (0, 1) and g.get("report") and "installed" in g.get("model", "")
                 and "MISSING" not in g.get("model", "") for g in results)
        generic = [n for g in results for n in g.get("site_top", []) if n != "auditor"]
        print("RESULT:", "ok" if ok and not generic else f"FAILED (generic top-level names: {generic})")
        return 0 if ok and not generic else 1
    finally:
        if a.keep:
            print("kept", work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
