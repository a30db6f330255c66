"""`auditor review` in a real (pseudo-)terminal: single key presses, a typed note, Ctrl-C."""
from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_review_loop import DOC

pty = pytest.importorskip("pty")
termios = pytest.importorskip("termios")
REPO = Path(__file__).resolve().parent.parent


class Terminal:
    def __init__(self, *args: str):
        self.master, slave = pty.openpty()
        env = dict(os.environ, PYTHONPATH=str(REPO), TERM="xterm", COLUMNS="100", LC_ALL="C.UTF-8")
        self.proc = subprocess.Popen([sys.executable, "-m", "auditor", *args], stdin=slave, stdout=slave,
                                     stderr=slave, cwd=REPO, env=env, close_fds=True, start_new_session=True)
        os.close(slave)
        self.buf = b""

    def expect(self, text: str, timeout: float = 30.0) -> str:
        end = time.monotonic() + timeout
        want = text.encode()
        while want not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {text!r}; screen so far:\n{self.screen}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"terminal closed waiting for {text!r}; screen:\n{self.screen}")
                self.buf += chunk
        at = self.buf.index(want) + len(want)
        seen, self.buf = self.buf[:at], self.buf[at:]
        self.log = getattr(self, "log", b"") + seen
        return seen.decode("utf-8", "replace")

    @property
    def screen(self) -> str:
        return (getattr(self, "log", b"") + self.buf).decode("utf-8", "replace")

    def press(self, keys: str, raw: bool = True, timeout: float = 30.0) -> None:
        """Type `keys`; for a single key press, first wait until the program has put the terminal
        in raw mode (a key typed before that is flushed by the switch, as on a real terminal)."""
        end = time.monotonic() + timeout
        while raw and termios.tcgetattr(self.master)[3] & termios.ICANON:
            if time.monotonic() > end:
                raise AssertionError(f"the terminal never went into raw mode; screen:\n{self.screen}")
            time.sleep(0.01)
        os.write(self.master, keys.encode())

    def wait(self, timeout: float = 30.0) -> int:
        try:
            rc = self.proc.wait(timeout)
        finally:
            os.close(self.master)
        return rc

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def report(tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "findings.json").write_text(json.dumps(DOC))
    return out


def test_review_in_a_terminal_with_single_keys_and_a_note(tmp_path, report):
    base = tmp_path / "decisions.json"
    t = Terminal("review", str(report), "--baseline", str(base))
    try:
        first = t.expect("[q]uit")
        assert "1/3" in first and "Patient in bay 4" in first and "HCPC 2016 7.1" in first
        assert "\x1b[2J" not in first                      # the post's escape codes are shown, not run
        t.press("d")                                       # no Enter: one key is one answer
        t.expect("(saved)")
        assert json.loads(base.read_text())["entries"][0]["decision"] == "to-delete"   # saved already
        t.expect("[q]uit")
        t.press("n")
        t.expect("Note (one line, Enter to save): ")
        t.press("seen by my practice educator\r", raw=False)
        t.expect("note saved")
        t.expect("[q]uit")
        t.press("k")
        t.expect("3/3")
        t.expect("[q]uit")
        t.press("b")
        t.expect("back one")
        t.expect("(currently: accepted)")
        t.expect("[q]uit")
        t.press("f")
        t.expect("false-positive (saved)")
        t.expect("3/3")
        t.expect("[q]uit")
        t.press("q")
        t.expect("Reviewed 2 of 3")
        assert t.wait() == 0
    finally:
        t.kill()
    entries = {e["id"]: e for e in json.loads(base.read_text())["entries"]}
    assert entries["00000000000000a1"]["decision"] == "to-delete"
    assert entries["00000000000000b2"]["decision"] == "false-positive"
    assert entries["00000000000000b2"]["note"] == "seen by my practice educator"
    assert entries["00000000000000c3"]["decision"] is None


def test_ctrl_c_in_a_terminal_keeps_what_was_answered(tmp_path, report):
    base = tmp_path / "decisions.json"
    t = Terminal("review", str(report), "--baseline", str(base))
    try:
        t.expect("[q]uit")
        t.press("s")
        t.expect("2/3")
        t.expect("[q]uit")
        t.press("\x03")
        t.expect("Reviewed 1 of 3")
        assert t.wait() == 0
    finally:
        t.kill()
    assert json.loads(base.read_text())["entries"][0]["decision"] == "skipped"
