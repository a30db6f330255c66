"""`auditor app --add-to-menu`: an entry in the desktop's applications menu (the freedesktop.org
desktop entry that GNOME, KDE, Xfce and the rest read), so that a person who never opens a
terminal starts the app like any other program. It runs this same installation of the tool."""
from __future__ import annotations

import os
import sys
from pathlib import Path

NAME = "footprint-auditor.desktop"


def menu_folder() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "applications"


def _quote(arg: str) -> str:
    """One argument of a desktop entry's Exec line (the specification's quoting rules)."""
    if arg and not any(c in arg for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return arg
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'


def entry() -> str:
    exec_line = " ".join(_quote(a) for a in (sys.executable, "-m", "auditor", "app")).replace("%", "%%")
    return ("[Desktop Entry]\n"
            "Type=Application\n"
            "Version=1.0\n"
            "Name=Footprint Auditor\n"
            "GenericName=Social media check\n"
            "Comment=Find your old posts that could worry your regulator, on this computer only\n"
            f"Exec={exec_line}\n"
            "Terminal=false\n"
            "Categories=Utility;\n"
            "StartupNotify=false\n")


def add_to_menu() -> Path:
    folder = menu_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / NAME
    tmp = path.with_suffix(".tmp")
    tmp.write_text(entry(), encoding="utf-8")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path
