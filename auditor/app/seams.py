"""The app's few touch points with the rest of the tool, in one place: the report (its view model,
its cards, its files), the baseline's refresh after a decision, the owner-only writer and the
profile file. The app calls the same code as the command line here; nothing below re-implements a
scan, a report or a baseline.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from markupsafe import Markup

from .. import baseline as baseline_mod
from .. import config as config_mod
from .. import files, report
from ..report import words

write_private = files.write_private
private_dir = files.private_dir


def write_report(result: Any, out: Path) -> dict:
    """report.html, findings.json, findings.csv and audit-record.txt, as `auditor scan --out`."""
    return report.write_all(result, Path(out))


def refresh(result: Any, base: Any) -> Any:
    """The latest result with the baseline's current decisions and notes (after a decision in the
    app), without recording a scan."""
    return baseline_mod.refresh(result, base)


# -- the report's view model and cards ------------------------------------------------------------
def decision_choices() -> list[tuple[str, str]]:
    return list(words.DECISION.items())


def status_label(status: str) -> str:
    return words.status("undecided" if status == "new" else status)


def platform_label(platform: str) -> str:
    return words.platform(platform)


def view(result: Any) -> dict:
    """The report's view model for the latest check (headline, privacy, sections of cards,
    coverage ...; auditor/report/view.py describes it)."""
    return report.view_model(result)


def render_card(card: dict, decide: dict | None) -> Markup:
    return report.render_card(card, decide)


def render_findings(view: dict, sections: list[dict], decide: dict) -> Markup:
    """The report's search and filters and the sections of cards, each with a decision form."""
    return report.render_findings({**view, "sections": sections}, decide)


def styles() -> str:
    """The report's stylesheet, served to the app's pages as /static/report.css."""
    return str(report.styles())


def script() -> str:
    """The report's script (search and filters over the cards), served as /static/report.js."""
    return str(report.script())


def first_seen(result: Any, before: set[str], had_checks: bool) -> set[str]:
    """Findings seen for the first time in this check, when there were earlier checks (what
    baseline.apply reports as first_seen_ids; used only where it does not)."""
    if not had_checks:
        return set()
    return {f.id for f in result.findings if f.id not in before}


def anchor(ref: str) -> str:
    """A card's id in the page (the report's own rule: post- and 12 hex digits of the ref's hash)."""
    return "post-" + hashlib.sha256(ref.encode("utf-8")).hexdigest()[:12]


# -- the profile file -----------------------------------------------------------------------------
def profile_text(cfg: config_mod.Config) -> str:
    """auditor.toml for `cfg` (config.dump: the commented layout `auditor init` writes, read back
    before it is returned, so what is saved is exactly what the form said, or nothing is saved)."""
    return config_mod.dump(cfg)

