"""`auditor app --no-browser` as a person (or the independent check) runs it: a real uvicorn server in
a subprocess. The first line on stdout is the address; it listens on 127.0.0.1 only; requests
without the token, with a foreign Host header, or cross-site are refused with no data; the Stop
button and Ctrl-C both end it cleanly; --port uses that port, or says why it cannot."""
from __future__ import annotations

import http.client
import os
import re
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=([A-Za-z0-9_-]{40,})")


def start(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "auditor", "app", "--no-browser", *args], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], 120)
    if not ready:
        proc.kill()
        raise AssertionError("auditor app printed nothing in 120 s")
    first = proc.stdout.readline().strip()
    return proc, first


def request(port: int, method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None,
            host: str | None = None) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host if host is not None else f"127.0.0.1:{port}")
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    data = body.encode("utf-8") if body is not None else None
    if data is not None:
        conn.putheader("Content-Length", str(len(data)))
    conn.endheaders(data)
    resp = conn.getresponse()
    resp.body = resp.read()                  # type: ignore[attr-defined]
    conn.close()
    return resp


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait(10)


def test_app_serves_refuses_and_stops(tmp_path):
    proc, first = start(tmp_path)
    try:
        m = URL.fullmatch(first)
        assert m, f"first line is not the address: {first!r}"
        port, token = int(m.group(1)), m.group(2)
        # listening on the loopback address only
        outward = _outward_address()
        if outward:
            with pytest.raises(OSError):
                socket.create_connection((outward, port), timeout=2).close()
        # without the token: 403, no data
        r = request(port, "GET", "/")
        assert r.status == 403 and b"footprint-auditor" not in r.body and b"csrf" not in r.body
        assert request(port, "GET", "/?token=wrong").status == 403
        assert request(port, "GET", "/static/app.css").status == 403
        # a foreign Host header (DNS rebinding), even with the token
        r = request(port, "GET", urlsplit(first).path + "?" + urlsplit(first).query, host="evil.example")
        assert 400 <= r.status < 500 and r.getheader("set-cookie") is None
        r = request(port, "GET", "/", host=f"evil.example:{port}")
        assert 400 <= r.status < 500
        # with the token: a cookie, and the page
        r = request(port, "GET", f"/?token={token}")
        assert r.status == 303 and r.getheader("location") == "/"
        cookie = r.getheader("set-cookie").split(";")[0]
        assert "HttpOnly" in r.getheader("set-cookie") and "SameSite=Strict" in r.getheader("set-cookie")
        r = request(port, "GET", "/", {"Cookie": cookie})
        assert r.status == 200 and b"Nothing leaves this computer" in r.body
        assert "default-src 'none'" in r.getheader("content-security-policy")
        assert r.getheader("server") is None
        csrf = re.search(rb'name="csrf-token" content="([^"]+)"', r.body).group(1).decode()
        form = {"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}
        # a cross-site POST, even with the cookie and the token (a browser would not send the cookie)
        r = request(port, "POST", "/stop", {**form, "Origin": "https://evil.example"}, f"token={csrf}")
        assert r.status == 403 and proc.poll() is None
        r = request(port, "POST", "/stop", form, f"token={csrf}")               # no Origin, no Referer
        assert r.status == 403 and proc.poll() is None
        r = request(port, "POST", "/stop", {**form, "Origin": f"http://127.0.0.1:{port}"}, "token=wrong")
        assert r.status == 403 and proc.poll() is None
        # the Stop button
        r = request(port, "POST", "/stop", {**form, "Origin": f"http://127.0.0.1:{port}"}, f"token={csrf}")
        assert r.status == 200 and b"The app has stopped" in r.body
        assert proc.wait(30) == 0
        err = proc.stderr.read()
        assert "has stopped" in err and token not in err and "Traceback" not in err
    finally:
        stop(proc)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_stops_cleanly(tmp_path, sig):
    proc, first = start(tmp_path)
    try:
        port = int(URL.fullmatch(first).group(1))
        assert request(port, "GET", "/").status == 403
        proc.send_signal(sig)
        assert proc.wait(30) == 0
        err = proc.stderr.read()
        assert "has stopped" in err and "Traceback" not in err
    finally:
        stop(proc)


def test_port_option(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free = s.getsockname()[1]
    proc, first = start(tmp_path, "--port", str(free))
    try:
        assert first.startswith(f"http://127.0.0.1:{free}/?token=")
        busy = subprocess.run([sys.executable, "-m", "auditor", "app", "--no-browser", "--port", str(free)],
                              cwd=tmp_path, env={**os.environ, "HOME": str(tmp_path / "home")},
                              capture_output=True, text=True, timeout=120)
        assert busy.returncode == 2 and f"port {free} is in use" in busy.stderr and busy.stdout == ""
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
        stop(proc)


def _outward_address() -> str | None:
    """An address of this machine that is not loopback (None when it has none)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))            # TEST-NET-1: no packet is sent for UDP connect
            addr = s.getsockname()[0]
        except OSError:
            addr = ""
    return None if not addr or addr.startswith("127.") else addr


def test_unusable_folder_is_said_in_words(tmp_path):
    r = subprocess.run([sys.executable, "-m", "auditor", "app", "--no-browser", "--folder",
                        str(tmp_path / "no" / "such" / "place")], cwd=tmp_path, capture_output=True, text=True,
                       env={**os.environ, "HOME": str(tmp_path)}, timeout=120)
    assert r.returncode == 2 and r.stdout == ""
    assert "does not exist" in r.stderr and "Traceback" not in r.stderr
