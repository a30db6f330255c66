"""A check running in the background: the pipeline's own `scan`, in a thread, with its progress
(stage, counts, time left) kept for the page to poll, and a cancel that stops it cleanly.

Cancel sets a flag; the pipeline's next progress report raises `Cancelled` (a BaseException, so
no importer or analyser mistakes it for a bad record), the pipeline closes the archives on its way
out, and nothing is written: the decisions and the last report stay as they were. The page says
"stopped" at once; the thread finishes its current step in the background.

When the scan ends, `finish` does what `auditor scan --baseline FILE --out DIR` does: carries the
decisions over (baseline.apply), writes the four report files and saves the decisions file.
"""
from __future__ import annotations

import json
import secrets
import threading
import time
from typing import Any

from .. import baseline as baseline_mod
from .. import pipeline
from ..archive import ArchiveError
from ..config import Config, ConfigError
from . import seams
from .workspace import Workspace

STAGES = {"reading archives": "Reading your downloads", "analysing": "Checking your posts",
          "starting": "Opening your downloads", "saving": "Saving the results"}


class Cancelled(BaseException):
    """Raised from the progress callback to stop a scan the person cancelled."""


def time_left(seconds: float | None) -> str:
    if seconds is None:
        return "Working out how long this will take."
    if seconds < 45:
        return "Less than a minute left."
    minutes = round(seconds / 60)
    return "About a minute left." if minutes <= 1 else f"About {minutes} minutes left."


class ScanJob:
    def __init__(self, workspace: Workspace, paths: list[str], config: Config, now: Any = None,
                 analysers: Any = None):
        self.analysers = analysers        # None: the pipeline's own (tests pass cheap ones)
        self.id = secrets.token_hex(8)
        self.workspace = workspace
        self.paths = list(paths)
        self.config = config
        self.now = now
        self.state = "running"             # running | done | failed | cancelled
        self.message = ""
        self.stage = "starting"
        self.done = 0
        self.total = 0
        self.started = time.monotonic()
        self.stage_started = self.started
        self.finished_at: float | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name="auditor-app-scan", daemon=True)

    # -- control ----------------------------------------------------------------------------------
    def start(self) -> "ScanJob":
        self.thread.start()
        return self

    def cancel(self) -> None:
        with self._lock:
            if self.state == "running":
                self._cancel.set()
                self.state = "cancelled"
                self.message = "You stopped the check. Nothing was saved; your earlier results are as they were."

    @property
    def running(self) -> bool:
        """The thread is still working (also after a cancel, until it reaches its next step)."""
        return self.thread.is_alive()

    # -- progress ---------------------------------------------------------------------------------
    def progress(self, stage: str, done: int, total: int) -> None:
        if self._cancel.is_set():
            raise Cancelled()
        with self._lock:
            if stage != self.stage:
                self.stage, self.done, self.stage_started = stage, 0, time.monotonic()
            self.done = max(self.done, min(done, total) if total else done)   # never backwards
            self.total = total

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            now = time.monotonic()
            left = None
            if self.state == "running" and self.total and 0 < self.done < self.total:
                spent = now - self.stage_started
                left = spent / self.done * (self.total - self.done)
            percent = int(100 * self.done / self.total) if self.total else 0
            return {
                "id": self.id, "state": self.state, "message": self.message,
                "stage": self.stage, "stage_label": STAGES.get(self.stage, self.stage.capitalize()),
                "done": self.done, "total": self.total, "percent": percent,
                "left": time_left(left) if self.state == "running" else "",
                "elapsed": int((self.finished_at or now) - self.started),
            }

    # -- the work ---------------------------------------------------------------------------------
    def _end(self, state: str, message: str = "") -> None:
        with self._lock:
            if self.state == "running":
                self.state, self.message = state, message
            self.finished_at = time.monotonic()

    def _run(self) -> None:
        try:
            result = pipeline.scan(self.paths, self.config, analysers=self.analysers,
                                   progress=self.progress, now=self.now)
        except Cancelled:
            self._end("cancelled")
            return
        except (ArchiveError, ConfigError) as exc:
            self._end("failed", str(exc))
            return
        except MemoryError:
            self._end("failed", "The computer ran out of memory. Close other programs, or check your "
                                "downloads one at a time.")
            return
        except Exception as exc:  # a bug: one clear sentence, never a traceback page
            self._end("failed", f"Something went wrong while checking ({type(exc).__name__}: {exc}). "
                                "This is a bug in Footprint Auditor. Your downloads were not changed.")
            return
        if self._cancel.is_set():
            self._end("cancelled")
            return
        with self._lock:
            self.stage, self.done, self.total = "saving", 0, 0
        try:
            finish(self.workspace, result)
        except baseline_mod.BaselineError as exc:
            self._end("failed", f"Your decisions file could not be read: {exc}")
            return
        except OSError as exc:
            self._end("failed", f"The results could not be saved in {self.workspace.folder}: "
                                f"{exc.strerror or exc}.")
            return
        except Exception as exc:  # a bug, as above
            self._end("failed", f"Something went wrong while saving the results ({type(exc).__name__}: "
                                f"{exc}). This is a bug in Footprint Auditor.")
            return
        self._end("done")


def _earlier_posts(workspace: Workspace) -> dict[str, dict]:
    """The posts of the previous check's findings.json (to show what a deleted post said)."""
    try:
        doc = json.loads((workspace.paths.report / "findings.json").read_text(encoding="utf-8"))
        return {p["ref"]: p for p in doc.get("posts", []) if isinstance(p, dict) and "ref" in p}
    except (OSError, ValueError, TypeError):
        return {}


def finish(workspace: Workspace, result: Any) -> Any:
    """What `auditor scan --baseline` does after the pipeline: decisions carried over, the report
    written, the decisions file saved. Returns the result, now the workspace's latest."""
    with workspace.lock:
        base = workspace.load_baseline()
        before, had_checks = set(base.entries), bool(base.scans)
        earlier = _earlier_posts(workspace)
        result = baseline_mod.apply(result, base)
        summary = result.baseline_summary
        summary.setdefault("first_seen_ids", sorted(seams.first_seen(result, before, had_checks)))
        summary.setdefault("notes", {e.id: e.note for e in base.entries.values() if e.note})
        seams.write_report(result, workspace.paths.report)
        base.save(workspace.paths.baseline)
        workspace.result = result
        workspace.changes = changes(summary, earlier, had_checks)
        workspace.outputs_stale = False
        workspace.version += 1
        return result


def changes(summary: dict, earlier: dict[str, dict], had_checks: bool) -> dict | None:
    """The posts confirmed deleted in this check (with what they said, from the last report),
    and the counts of new and still-there findings. None on a first check."""
    if not had_checks:
        return None
    gone = []
    seen: set[str] = set()
    for d in summary.get("deleted", []):
        ref = d.get("post_ref", "")
        if ref in seen or not d.get("newly"):     # confirmed in an earlier check already
            continue
            continue
        seen.add(ref)
        post = earlier.get(ref, {})
        text = " ".join(str(post.get("text") or "").split())
        gone.append({"ref": ref, "platform": d.get("platform", ""), "newly": bool(d.get("newly")),
                     "platform_label": seams.platform_label(d.get("platform", "")),
                     "text": text[:200] + ("\u2026" if len(text) > 200 else ""),
                     "date": str(post.get("created_at") or "")[:10], "note": d.get("note", ""),
                     "decision": d.get("decision"), "gone_since": str(d.get("gone_since") or "")[:10]})
    gone.sort(key=lambda g: (not g["newly"], g["platform"], g["ref"]))
    counts = summary.get("counts", {})
    return {"deleted": gone, "newly_deleted": sum(1 for g in gone if g["newly"]),
            "new": len(summary.get("first_seen_ids") or []), "still_there": counts.get("still-there", 0),
            "warnings": list(summary.get("warnings", []))}
