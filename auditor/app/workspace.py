"""Where the app keeps a person's things: one folder they choose (default: `footprint-auditor` in
their home folder), readable by their user account only:

    auditor.toml             the profile (the same file `auditor scan --config` reads)
    auditor-baseline.json    the decisions (the same file `auditor scan --baseline` reads)
    report/                  the latest check: report.html, findings.json, findings.csv,
                             audit-record.txt (the same files `auditor scan --out` writes)
    downloads.json           the downloads the person chose (paths only; nothing is copied)

The choice of folder itself is remembered in ~/.config/footprint-auditor/folder (owner-only), so
the next start opens the same folder. Nothing here reads or writes anything else on the disk.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import baseline as baseline_mod
from .. import config as config_mod
from ..config import Config, ConfigError
from . import seams

CONFIG_NAME = "auditor.toml"
BASELINE_NAME = "auditor-baseline.json"
REPORT_DIR = "report"
DOWNLOADS_NAME = "downloads.json"
MAX_DOWNLOADS = 50


def default_folder() -> Path:
    return Path.home() / "footprint-auditor"


def pointer_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "footprint-auditor" / "folder"


def remembered_folder() -> Path | None:
    try:
        text = pointer_file().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    p = Path(text)
    return p if text and p.is_absolute() else None


def remember_folder(folder: Path) -> None:
    p = pointer_file()
    try:
        seams.private_dir(p.parent)
        seams.write_private(p, str(folder) + "\n")
    except OSError:
        pass      # remembering is a convenience: the app works without it


class FolderError(Exception):
    """The folder cannot hold the app's files; the message says why, in words."""


def prepare_folder(folder: str | Path) -> Path:
    """The folder as an absolute path, created (owner-only) when missing."""
    raw = str(folder).strip()
    if not raw:
        raise FolderError("Type the folder where your profile, decisions and reports should be kept.")
    p = Path(os.path.expanduser(raw))
    if not p.is_absolute():
        p = Path.home() / p
    p = Path(os.path.normpath(p))
    if p.exists() and not p.is_dir():
        raise FolderError(f"{p} is a file, not a folder. Choose a folder.")
    if not p.exists():
        if not p.parent.is_dir():
            raise FolderError(f"The folder {p.parent} does not exist, so {p.name} cannot be made in it.")
        try:
            seams.private_dir(p)
        except OSError as exc:
            raise FolderError(f"Could not make the folder {p}: {exc.strerror or exc}.") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise FolderError(f"You cannot save files in {p}. Choose a folder of your own.")
    return p


@dataclass
class Paths:
    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / CONFIG_NAME

    @property
    def baseline(self) -> Path:
        return self.folder / BASELINE_NAME

    @property
    def report(self) -> Path:
        return self.folder / REPORT_DIR

    @property
    def downloads(self) -> Path:
        return self.folder / DOWNLOADS_NAME


class Workspace:
    """The person's folder, their profile, their chosen downloads, their decisions and the latest
    check. One lock guards the decisions file and the latest result: a decision and the end of a
    scan never write the baseline at the same time."""

    def __init__(self, folder: str | Path):
        self.lock = threading.RLock()
        self.result: Any = None              # the latest ScanResult (with the baseline applied)
        self.changes: dict | None = None     # what changed since the last check (see scans.finish)
        self.outputs_stale = False           # decisions made since the report files were written
        self.version = 0                     # bumps on every change the pages show
        self.paths = Paths(prepare_folder(folder))

    @property
    def folder(self) -> Path:
        return self.paths.folder

    def move_to(self, folder: str | Path) -> None:
        p = prepare_folder(folder)
        with self.lock:
            self.paths = Paths(p)
            self.result, self.changes, self.outputs_stale = None, None, False
            self.version += 1

    # -- profile ----------------------------------------------------------------------------------
    def load_config(self) -> Config:
        """The profile, or an empty one when the file is not there yet (ConfigError when it is
        there but wrong)."""
        if not self.paths.config.exists():
            return Config()
        return config_mod.load(self.paths.config)

    def config_problem(self) -> str | None:
        try:
            self.load_config()
        except ConfigError as exc:
            return str(exc)
        return None

    def save_config_text(self, text: str) -> None:
        seams.write_private(self.paths.config, text)

    # -- downloads --------------------------------------------------------------------------------
    def downloads(self) -> list[str]:
        try:
            data = json.loads(self.paths.downloads.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        items = data.get("downloads") if isinstance(data, dict) else None
        if not isinstance(items, list):
            return []
        return [x for x in items if isinstance(x, str) and Path(x).is_absolute()][:MAX_DOWNLOADS]

    def set_downloads(self, paths: list[str]) -> None:
        unique = list(dict.fromkeys(paths))[:MAX_DOWNLOADS]
        seams.write_private(self.paths.downloads, json.dumps({"downloads": unique}, indent=1) + "\n")
        self.version += 1

    # -- decisions --------------------------------------------------------------------------------
    def load_baseline(self) -> baseline_mod.Baseline:
        if not self.paths.baseline.exists():
            return baseline_mod.Baseline()
        return baseline_mod.Baseline.load(self.paths.baseline)

    def earlier_checks(self) -> list[dict]:
        try:
            return self.load_baseline().scans
        except baseline_mod.BaselineError:
            return []

    def decide(self, ids: list[str], decision: str, note: str | None) -> list[baseline_mod.Entry]:
        """Record one decision (and note) for the given findings of the latest check, and save the
        decisions file at once. The latest result's statuses follow, so the page shows it."""
        with self.lock:
            result = self.result
            if result is None:
                raise baseline_mod.BaselineError("There is no check to decide about yet.")
            known = {f.id for f in result.findings}
            unknown = [i for i in ids if i not in known]
            if unknown or not ids:
                raise baseline_mod.BaselineError("That post is not in your latest check. Reload the page.")
            base = self.load_baseline()
            entries = []
            for x in baseline_mod.facts_from_result(result):    # a finding not yet in the file
                if x.id in ids and x.id not in base.entries:
                    base.record(x, baseline_mod.iso(result.generated_at))
            for fid in ids:
                entries.append(base.mark(fid, decision, note))
            base.save(self.paths.baseline)
            self.result = seams.refresh(result, base)
            self.outputs_stale = True
            self.version += 1
            return entries

    def write_outputs(self) -> Path:
        """Rewrite the report files from the latest result when decisions changed since."""
        with self.lock:
            if self.result is not None and (self.outputs_stale or not (self.paths.report / "report.html").exists()):
                seams.write_report(self.result, self.paths.report)
                self.outputs_stale = False
            return self.paths.report
