"""The independent check of `auditor app`, as issue 15 describes it, from a plain install:

    1. `pip install` of this repository into a fresh virtual environment (not editable, no extras)
    2. `auditor app --no-browser` from that environment: the first line on stdout is the address
    3. Chromium loads the address at 390 px wide: no sideways scroll, no request to anything but
       the app's own address
    4. refusals (4xx and no data): a request without the token, with a foreign Host header, and a
       cross-site POST
    5. Ctrl-C stops it cleanly

Run with the project's environment (it has Playwright): `.venv/bin/python benchmarks/app_install_check.py`
(`--pinned` installs with constraints.txt; `--keep DIR` reuses or keeps the environment in DIR).
Prints what it measured and exits 1 if any check failed.
"""
from __future__ import annotations

import argparse
import http.client
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def get(port: int, method: str, path: str, host: str, headers: dict[str, str] | None = None,
        body: str | None = None) -> tuple[int, bytes, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest(method, path, skip_host=True)
    conn.putheader("Host", host)
    data = body.encode() if body is not None else None
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    if data is not None:
        conn.putheader("Content-Length", str(len(data)))
    conn.endheaders(data)
    r = conn.getresponse()
    out = (r.status, r.read(), {k.lower(): v for k, v in r.getheaders()})
    conn.close()
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pinned", action="store_true", help="install with -c constraints.txt")
    ap.add_argument("--keep", help="a folder for the virtual environment (kept afterwards)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fa-app-check-"))
    venv = Path(args.keep) if args.keep else work / "venv"
    results: list[tuple[str, bool, str]] = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        results.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}{': ' + detail if detail else ''}", flush=True)

    t0 = time.perf_counter()
    if not (venv / "bin" / "auditor").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        cmd = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(ROOT)]
        if args.pinned:
            cmd[5:5] = ["-c", str(ROOT / "constraints.txt")]
        subprocess.run(cmd, check=True)
    install_s = time.perf_counter() - t0
    print(f"install: {install_s:.1f} s into {venv}", flush=True)

    home = work / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"))
    t1 = time.perf_counter()
    proc = subprocess.Popen([str(venv / "bin" / "auditor"), "app", "--no-browser"], cwd=work, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 180)
        first = proc.stdout.readline().strip() if ready else ""
        start_s = time.perf_counter() - t1
        m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]{40,})", first)
        check("first stdout line is the address", bool(m), f"{first[:40]}... after {start_s:.1f} s")
        if not m:
            print(proc.stderr.read() if proc.poll() is not None else "", file=sys.stderr)
            return 1
        port = int(m.group(1))
        host = f"127.0.0.1:{port}"

        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            check("browser", False, "playwright is not installed in this interpreter")
        else:
            with sync_playwright() as pw:
                b = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
                page = b.new_page(viewport={"width": 390, "height": 844})
                seen: list[str] = []
                page.on("request", lambda r: seen.append(r.url))
                page.goto(first)
                extra = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                check("no sideways scroll at 390 px", extra <= 0, f"scrollWidth - innerWidth = {extra} px")
                check("the page says nothing leaves the computer",
                      page.get_by_text("Nothing leaves this computer").first.is_visible())
                outside = [u for u in seen if not u.startswith("data:") and urlsplit(u).netloc != host]
                check("no request beyond the app", not outside, f"{len(seen)} requests, {len(outside)} elsewhere")
                b.close()

        status, body, _ = get(port, "GET", "/", host)
        check("no token: refused, no data", 400 <= status < 500 and b"footprint-auditor" not in body
              and b"csrf" not in body, f"HTTP {status}, {len(body)} bytes")
        status, body, _ = get(port, "GET", "/?token=wrong", host)
        check("wrong token: refused", 400 <= status < 500, f"HTTP {status}")
        status, body, hdrs = get(port, "GET", urlsplit(first).path + "?" + urlsplit(first).query, "evil.example")
        check("foreign Host header: refused, no cookie", 400 <= status < 500 and "set-cookie" not in hdrs,
              f"HTTP {status}, {len(body)} bytes")
        status, _, hdrs = get(port, "GET", f"/?token={m.group(2)}", host)
        cookie = hdrs.get("set-cookie", "").split(";")[0]
        status2, page_html, _ = get(port, "GET", "/", host, {"Cookie": cookie})
        csrf = re.search(rb'name="csrf-token" content="([^"]+)"', page_html)
        form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                "Origin": "https://evil.example"}
        status, body, _ = get(port, "POST", "/stop", host, form, f"token={csrf.group(1).decode() if csrf else ''}")
        check("cross-site POST (even with cookie and token): refused", 400 <= status < 500 and proc.poll() is None,
              f"HTTP {status}")
        status, body, _ = get(port, "POST", "/downloads/add", host,
                              {"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"},
                              "paths=/etc")
        check("cross-site POST without cookie: refused", 400 <= status < 500, f"HTTP {status}")

        proc.send_signal(signal.SIGINT)
        code = proc.wait(30)
        check("Ctrl-C stops it cleanly", code == 0, f"exit code {code}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    failed = [r for r in results if not r[1]]
    print(f"{len(results) - len(failed)} of {len(results)} checks passed; install {install_s:.1f} s, "
          f"start {start_s:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
