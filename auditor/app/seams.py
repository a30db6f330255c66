"""The app's few touch points with the rest of the tool, in one place: the report (its view model,
its cards, its files), the baseline's refresh after a decision, the owner-only writer and the
profile file. The app calls the same code as the command line here; nothing below re-implements a
scan, a report or a baseline.
"""
from __future__ import annotations

import hashlib
import tomllib
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
    """auditor.toml for `cfg`, in the commented layout `auditor init` writes (config.render_template),
    with the home area and scan options filled in, then read back with config.py: what is saved is
    exactly what the form said, or nothing is saved."""
    dump = getattr(config_mod, "dump", None)
    if callable(dump):
        text = dump(cfg)
    else:
        p, s = cfg.profile, cfg.settings
        text = config_mod.render_template(
            full_name=p.full_name, aliases=list(p.aliases), handles=list(p.handles), employer=p.employer,
            employer_aliases=list(p.employer_aliases), regulator=p.regulator, profession=p.profession,
            workplaces=list(p.workplaces))
        if p.home is not None and p.home.lat is not None and p.home.lon is not None:
            home = (f'[profile.home]\nname = "{_esc(p.home.name)}"\nlat = {p.home.lat!r}\nlon = {p.home.lon!r}\n'
                    f'radius_m = {p.home.radius_m:g}\n')
            text = text.replace("\n[scan]\n", "\n" + home + "\n[scan]\n", 1)
        text = (text.replace("include_messages = false", f"include_messages = {_bool(s.include_messages)}", 1)
                .replace('ocr = "auto"', f'ocr = "{s.ocr}"', 1)
                .replace("redact = false", f"redact = {_bool(s.redact)}", 1))
    back = config_mod.parse(tomllib.loads(text))
    keys = ("include_messages", "ocr", "redact")
    if back.profile != cfg.profile or any(getattr(back.settings, k) != getattr(cfg.settings, k) for k in keys):
        raise config_mod.ConfigError("the profile could not be written as given; nothing was saved")
    return text


def _esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _bool(b: bool) -> str:
    return "true" if b else "false"
