"""The `auditor` command: a thin click group that parses, calls the pipeline, report and
baseline, and maps errors to exit codes (0 nothing to review, 1 findings to review, 2 bad input)."""
from __future__ import annotations

import os
import sys
from typing import NoReturn
from pathlib import Path

import click

from . import __version__, offline

offline.configure()

from . import config as config_mod  # noqa: E402
from . import baseline as baseline_mod  # noqa: E402
from . import report, rules  # noqa: E402
from .archive import ArchiveError  # noqa: E402
from .config import ConfigError  # noqa: E402
from .model import ATTENTION  # noqa: E402

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2


def fail(message: str) -> NoReturn:
    click.echo(f"auditor: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def unexpected(exc: BaseException, doing: str) -> NoReturn:
    """A bug or an exhausted machine: one clear line, no traceback (AUDITOR_DEBUG=1 shows it).
    The archive is never written to."""
    if os.environ.get("AUDITOR_DEBUG"):
        raise exc
    if isinstance(exc, MemoryError):
        fail(f"ran out of memory while {doing}. Close other programs, or scan the archives one at a time.")
    fail(f"unexpected error while {doing} ({type(exc).__name__}: {exc}). This is a bug in Footprint "
         "Auditor: run again with AUDITOR_DEBUG=1 to see the details.")


class ProgressBar:
    """A one-line bar on stderr; silent with --quiet or when stderr is not a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        frac = done / total if total else 1.0
        bar = "#" * int(frac * width)
        sys.stderr.write(f"\r{stage:<18} [{bar:<{width}}] {done}/{total}")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def main() -> None:
    """Footprint Auditor: find past posts in your social media archives that could engage your
    regulator's standards. Everything runs on this computer; nothing is sent anywhere."""


def fixed_now():
    """AUDITOR_NOW=2026-11-21T00:00:00Z fixes the clock (golden tests, reproducible reports)."""
    import os
    from datetime import datetime, timezone
    value = os.environ.get("AUDITOR_NOW")
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)
    except ValueError:
        fail(f"AUDITOR_NOW={value!r}: expected an ISO date-time such as 2026-11-21T00:00:00Z")


def _load_config(path: str | None):
    try:
        return config_mod.load(path)
    except ConfigError as exc:
        fail(str(exc))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for report.html, findings.json, findings.csv and audit-record.txt "
                   "(created if missing).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Your profile (auditor.toml, see `auditor init`).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@click.option("--force", is_flag=True, help="Overwrite an existing report in --out.")
@click.option("--include-messages", is_flag=True, default=None,
              help="Also read direct messages (private, but in the archive).")
@click.option("--redact/--no-redact", "redact", default=None,
              help="Mask other people's personal data (names found, e-mails, phone and NHS numbers, "
                   "postcodes, @mentions) and leave out images in all outputs, for sharing with a "
                   "supervisor or union rep. Default: [scan] redact in the profile (off).")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False),
              help="Decisions file from earlier reviews (created if missing, updated after the scan): "
                   "decisions carry over, only what needs attention is counted, deleted posts are confirmed.")
def scan(paths: tuple[str, ...], out: str, config_path: str | None, quiet: bool, force: bool,
         include_messages: bool | None, baseline_path: str | None = None,
         redact: bool | None = None) -> None:
    """Scan one or more archives (zip files or folders) and write the report to --out.

    PATHS are data-download archives from X/Twitter, Facebook or Instagram (zip or unpacked
    folder; several parts of one export may be given together), or a folder of photos."""
    from dataclasses import replace

    from .pipeline import scan as run_scan

    cfg = _load_config(config_path)
    if include_messages is not None:
        cfg = replace(cfg, settings=replace(cfg.settings, include_messages=include_messages))
    out_dir = Path(out)
    for p in paths:
        try:
            if out_dir.resolve().is_relative_to(Path(p).resolve()) and Path(p).is_dir():
                fail(f"--out {out} is inside the archive folder {p}; choose a folder outside it "
                     "(the archive is never written to).")
        except OSError:
            pass
    existing = [n for n in report.OUTPUTS if (out_dir / n).exists()]
    if existing and not force:
        fail(f"{out_dir / existing[0]} already exists; use --force to overwrite it, or choose another --out.")
    base = _open_baseline(baseline_path, paths) if baseline_path else None
    bar = ProgressBar(enabled=not quiet and sys.stderr.isatty())
    try:
        result = run_scan(list(paths), cfg, progress=bar, now=fixed_now())
    except (ArchiveError, ConfigError) as exc:
        fail(str(exc))
    except Exception as exc:  # MemoryError too
        unexpected(exc, "scanning")
    if base is not None:
        try:
            result = baseline_mod.apply(result, base)
        except Exception as exc:
            unexpected(exc, "comparing with the baseline")
    try:
        doc = report.write_all(result, out_dir, redact=redact)
    except OSError as exc:
        fail(f"cannot write the report to {out_dir}: {exc}")
    except Exception as exc:
        unexpected(exc, "writing the report")
    if base is not None:
        _save_baseline(base, baseline_path)
    attention = [f for f in doc["findings"] if f["status"] in ATTENTION]
    if not quiet and base is not None:
        for line in baseline_mod.summary_lines(result.baseline_summary or {}, baseline_path):
            click.echo(line, err=True)
    if not quiet:
        posts = len({f["post_ref"] for f in attention})
        click.echo(f"Read {len(doc['posts'])} posts from {len(doc['archives'])} export(s); "
                   f"{len(attention)} finding(s) on {posts} post(s) to review; "
                   f"{len(doc['problems'])} problem(s).", err=True)
        click.echo(f"Report: {(out_dir / 'report.html').resolve()}")
        click.echo("The report holds private content: it is readable by your user account only.", err=True)
    sys.exit(EXIT_FINDINGS if attention else EXIT_CLEAN)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Your profile.")
def inspect(paths: tuple[str, ...], config_path: str | None) -> None:
    """Show what each archive holds: platform and layout, counts, problems, and whether the
    language model and OCR are available. Runs no analysers."""
    from .pipeline import import_posts, open_archives

    cfg = _load_config(config_path)
    try:
        archives = open_archives(list(paths))
        summaries, posts, problems, _ = import_posts(archives, cfg)
    except ArchiveError as exc:
        fail(str(exc))
    except Exception as exc:
        unexpected(exc, "reading the archives")
    for s in summaries:
        root = f" (in {s.root})" if s.root else ""
        click.echo(f"{s.path}: {s.platform}, layout {s.layout}{root}: {s.posts} posts, {s.media} media, "
                   f"{s.problems} problems")
    kinds: dict[str, int] = {}
    for p in posts:
        kinds[f"{p.platform} {p.kind}"] = kinds.get(f"{p.platform} {p.kind}", 0) + 1
    for k, n in sorted(kinds.items()):
        click.echo(f"  {k}: {n}")
    dated = [p.created_at for p in posts if p.created_at]
    if dated:
        click.echo(f"Dates: {min(dated):%Y-%m-%d} to {max(dated):%Y-%m-%d}")
    for pr in problems[:50]:
        click.echo(f"problem: {pr.archive} {pr.member}: {pr.message}")
    if len(problems) > 50:
        click.echo(f"... and {len(problems) - 50} more problems")
    model = cfg.settings.nlp_model
    click.echo(f"Language model {model}: "
               + ("installed" if offline.model_available(model) else f"MISSING; install: {offline.MODEL_INSTALL}"))
    click.echo("OCR (tesseract): " + ("available" if offline.ocr_available() else
                                      "MISSING; install: apt-get install tesseract-ocr (text in photos is skipped)"))


@main.command()
@click.option("--out", "out", default="auditor.toml", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the profile.")
@click.option("--from-archive", "archives", multiple=True, type=click.Path(),
              help="Suggest values from an archive's profile data (name, handle, work history).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(out: str, archives: tuple[str, ...], force: bool) -> None:
    """Write a commented auditor.toml profile to fill in: your names and handles, employer,
    workplaces (latitude/longitude/radius), home area, regulator and profession."""
    path = Path(out)
    if path.exists() and not force:
        fail(f"{path} already exists; use --force to overwrite it.")
    suggestions: dict = {}
    if archives:
        from .pipeline import import_posts, open_archives
        try:
            arcs = open_archives(list(archives))
            _, _, _, owner = import_posts(arcs, config_mod.Config())
        except ArchiveError as exc:
            fail(str(exc))
        except Exception as exc:
            unexpected(exc, "reading the archives")
        suggestions = owner
    text = config_mod.render_template(
        full_name=str(suggestions.get("full_name", "")),
        aliases=list(dict.fromkeys(suggestions.get("aliases", []))),
        handles=list(dict.fromkeys(suggestions.get("handles", []))),
        employer=str(suggestions.get("employer", "")))
    found = [(label, str(suggestions.get(key, "")).replace("\n", " ")) for key, label in
             (("city", "current city"), ("workplaces_text", "work history"), ("bio", "bio"))
             if suggestions.get(key)]
    if found:   # hints to fill in workplaces and home area: coordinates are never guessed
        text += "\n# Found in your archive (use them to fill in workplaces and home above):\n" + "".join(
            f"#   {label}: {value}\n" for label, value in found)
    if not path.resolve().parent.is_dir():
        fail(f"{path.parent}: no such folder")
    report.write_private(path.resolve(), text)
    click.echo(f"Wrote {path}. Fill it in, then: auditor scan ARCHIVE... --config {path} --out report")


@main.command("rules")
@click.option("--markdown", is_flag=True, help="Print the catalogue as Markdown (docs/rules.md).")
def rules_cmd(markdown: bool) -> None:
    """List the rule catalogue: ID, name, category, severity and what each rule flags."""
    if markdown:
        click.echo(rules.as_markdown(), nl=False)
        return
    for r in rules.all_rules():
        click.echo(f"{r.id}  {r.name:<34} {r.category:<16} {r.severity:<7} {r.summary}")


# -- periodic checks: baseline, review, mark (see auditor/baseline.py and auditor/review.py) -------
def _open_baseline(path: str, archives: tuple[str, ...] = ()) -> "baseline_mod.Baseline":
    """Load the baseline, or a new one when the file does not exist yet (exit 2 when unusable)."""
    p = Path(path)
    for a in archives:
        try:
            if Path(a).is_dir() and p.resolve().is_relative_to(Path(a).resolve()):
                fail(f"--baseline {path} is inside the archive folder {a}; keep it outside "
                     "(the archive is never written to).")
        except OSError:
            pass
    if not p.parent.is_dir():
        fail(f"--baseline {path}: the folder {p.parent} does not exist.")
    if p.is_dir():
        fail(f"--baseline {path} is a folder; expected a file name such as {p / 'auditor-baseline.json'}.")
    if not p.exists():
        return baseline_mod.Baseline()
    try:
        return baseline_mod.Baseline.load(p)
    except baseline_mod.BaselineError as exc:
        fail(str(exc))


def _save_baseline(base: "baseline_mod.Baseline", path: str) -> None:
    try:
        base.save(path)
    except OSError as exc:
        fail(f"cannot write the baseline {path}: {exc}")


@main.command()
@click.argument("report_path", metavar="REPORT", type=click.Path())
@click.option("--baseline", "baseline_path", required=True, type=click.Path(dir_okay=False),
              help="Decisions file (created if missing); saved after every answer.")
@click.option("--all", "include_skipped", is_flag=True,
              help="Also go through findings skipped earlier and those marked to delete that are still there.")
def review(report_path: str, baseline_path: str, include_skipped: bool) -> None:
    """Go through the findings that need a decision, one at a time, in the terminal.

    REPORT is the --out folder of `auditor scan` (or its findings.json). For each finding it shows
    the post, the reason and the clause; keys: d delete, k keep (accepted), f false positive,
    s skip, n note, b back, q quit. Every answer is saved at once to --baseline."""
    from . import review as review_mod

    base = _open_baseline(baseline_path)
    try:
        doc = review_mod.load_findings(report_path)
    except baseline_mod.BaselineError as exc:
        fail(str(exc))
    statuses = ("new", "skipped", "still-there", "to-delete") if include_skipped else ("new",)
    items = review_mod.items_to_review(doc, base, statuses)
    _save_baseline(base, baseline_path)
    session = review_mod.Review(items, base, lambda: _save_baseline(base, baseline_path))
    tty = sys.stdin.isatty()

    def read_key() -> str:
        if tty:
            return click.getchar()
        line = sys.stdin.readline()
        if not line:
            raise EOFError
        return line.strip()[:1] or " "

    def read_line(prompt: str) -> str:
        click.echo(prompt, nl=False)
        line = sys.stdin.readline()
        if not line and not tty:
            raise EOFError
        return line

    review_mod.run(session, read_key, lambda text: click.echo(text, nl=False), read_line)
    click.echo(f"Decisions saved in {baseline_path}. Next time: auditor scan ARCHIVE... --baseline "
               f"{baseline_path} --out DIR")


@main.command()
@click.argument("finding_id", metavar="ID")
@click.argument("status", metavar="STATUS")
@click.option("--baseline", "baseline_path", required=True, type=click.Path(dir_okay=False, exists=False),
              help="Decisions file written by `auditor scan --baseline` or `auditor review`.")
@click.option("--note", default=None, help="A short note kept with the decision (your own words).")
def mark(finding_id: str, status: str, baseline_path: str, note: str | None) -> None:
    """Record a decision for one finding, for scripts: STATUS is to-delete (delete), accepted
    (keep), false-positive (fp), skipped (skip), or new to undo. ID is the finding id from the
    report (or its first 6+ digits)."""
    if not Path(baseline_path).is_file():
        fail(f"{baseline_path}: no such baseline file. Create it with `auditor scan ARCHIVE... --baseline "
             f"{baseline_path} --out DIR` first.")
    base = _open_baseline(baseline_path)
    try:
        entry = base.mark(finding_id, status, note)
    except baseline_mod.BaselineError as exc:
        fail(str(exc))
    _save_baseline(base, baseline_path)
    click.echo(f"{entry.id} {entry.rule} {entry.post_ref}: {entry.decision or 'new'}"
               + (" (post already deleted)" if entry.status == "deleted" else ""))


if __name__ == "__main__":
    main()
