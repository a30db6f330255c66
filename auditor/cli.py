"""The `auditor` command: a thin click group that parses, calls the pipeline, report and
baseline, and maps errors to exit codes:

    0    everything was read and nothing needs your attention
    1    findings to review
    2    bad input or configuration (nothing was scanned)
    3    something could not be read: the result is incomplete (this wins over 1; never an all-clear)
    130  interrupted (Ctrl-C); nothing half-written is left behind
"""
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

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT, EXIT_INCOMPLETE, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

EXIT_CODES_HELP = """\b
Exit codes:
  0    everything was read and nothing needs your attention
  1    there are findings to review
  2    an input or the configuration is bad (nothing was scanned)
  3    something could not be read, so the result is incomplete
       (this wins over 1: it is never an all-clear)
  130  stopped with Ctrl-C (nothing half-written is left)"""


class Interrupted(click.ClickException):
    exit_code = EXIT_INTERRUPTED

    def show(self, file=None) -> None:
        click.echo(f"auditor: {self.message}", err=True)


class AuditorGroup(click.Group):
    """Ctrl-C in any command exits 130 with one line (click's default is "Aborted!" and 1, which
    the README gives to "findings to review")."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise Interrupted("stopped (Ctrl-C).") from None


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


@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]},
             epilog=EXIT_CODES_HELP)
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


def _can_write_in(folder: Path) -> str | None:
    """None when a file can be made in `folder`, else why not. A real try (a hidden empty file,
    removed at once): permissions alone do not tell for read-only file systems or for root."""
    import tempfile
    if not os.access(folder, os.W_OK | os.X_OK):
        return "read-only for you"
    try:
        fd, probe = tempfile.mkstemp(prefix=".auditor-write-test-", dir=folder)
    except OSError as exc:
        return exc.strerror or str(exc)
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass
    return None


def _writable_folder(path: Path, what: str) -> None:
    """Fail now (exit 2), before any scanning, when `path` (a folder to write into, created if
    missing) cannot be written: it is a file, or the nearest existing folder is read-only."""
    if path.exists() and not path.is_dir():
        fail(f"{what} {path}: is a file, not a folder. Choose a folder for the report.")
    probe = path
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if not probe.is_dir():
        fail(f"{what} {path}: {probe} is a file, so the folder cannot be made there. Choose another place.")
    why = _can_write_in(probe)
    if why:
        where = f" ({why})" if probe == path else f" ({probe}: {why})"
        fail(f"{what} {path}: cannot write there{where}. Choose a folder you can write to, for example "
             f"--out {Path.home() / 'footprint-report'}.")


def _writable_file(path: Path, what: str) -> None:
    if path.exists():
        if path.is_dir():
            return                      # the caller's own check explains this one
        if not os.access(path, os.W_OK):
            fail(f"{what} {path}: the file is read-only; it could not be updated after the scan.")
    elif path.parent.is_dir() and (why := _can_write_in(path.parent)):
        fail(f"{what} {path}: cannot write in {path.parent} ({why}). Choose another place.")


def _remove_partial(out_dir: Path, before: dict[str, tuple[int, int] | None], created_dir: bool) -> None:
    """After an interruption or a failure while writing: when this run wrote any output, remove
    them all (a report from this run beside files of an earlier one is worse than none; --force
    agreed to replace them), leftover temporary files, and the folder if this run made it."""
    from . import report
    if _stamp(out_dir) != before:
        for name in report.OUTPUTS:
            try:
                (out_dir / name).unlink()
            except OSError:
                pass
    for name in report.OUTPUTS:
        for tmp in out_dir.glob(f".{name}.*"):
            try:
                tmp.unlink()
            except OSError:
                pass
    if created_dir:
        try:
            out_dir.rmdir()
        except OSError:
            pass


def _stamp(out_dir: Path) -> dict[str, tuple[int, int] | None]:
    from . import report
    out = {}
    for name in report.OUTPUTS:
        try:
            st = (out_dir / name).stat()
            out[name] = (st.st_ino, st.st_mtime_ns)
        except OSError:
            out[name] = None
    return out


def _say_gaps(gaps) -> None:
    """What could not be read, each with what to do: always first, and never skipped by --quiet."""
    if not gaps:
        return
    click.echo("NOT COMPLETE: some of what you gave could not be read, so this check is not complete. "
               "Do not rely on it until you have fixed this:", err=True)
    for g in gaps:
        where = os.path.basename(g.archive.rstrip("/")) if g.archive else ""
        click.echo(f"  - {where + ': ' if where else ''}{g.message}", err=True)
        click.echo(f"    What to do: {g.advice}", err=True)


def _say_ignored(ignored, limit: int = 10) -> None:
    if not ignored:
        return
    click.echo(f"Not read ({len(ignored)}):", err=True)
    for i in ignored[:limit]:
        click.echo(f"  - {i.path}: {i.reason}", err=True)
    if len(ignored) > limit:
        click.echo(f"  ... and {len(ignored) - limit} more (listed in the report)", err=True)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for report.html, findings.json, findings.csv and audit-record.txt "
                   "(created if missing).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Your profile (auditor.toml, see `auditor init`).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary (what could not be read "
                                                  "is still said).")
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
    folder; several parts of one export may be given together), a folder of photos, or a folder
    that holds downloads (such as your Downloads folder): every export in it is read, and what is
    not read is listed."""
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
    _writable_folder(out_dir, "--out")
    base = _open_baseline(baseline_path, paths) if baseline_path else None
    if baseline_path:
        _writable_file(Path(baseline_path), "--baseline")
    bar = ProgressBar(enabled=not quiet and sys.stderr.isatty())
    try:
        result = run_scan(list(paths), cfg, progress=bar, now=fixed_now())
    except (ArchiveError, ConfigError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        raise Interrupted("stopped (Ctrl-C) before the report was written. Nothing was written.") from None
    except Exception as exc:
        unexpected(exc, "scanning")
    if base is not None:
        try:
            result = baseline_mod.apply(result, base)
        except Exception as exc:
            unexpected(exc, "comparing with the baseline")
    created_dir = not out_dir.exists()
    before = _stamp(out_dir)
    try:
        doc = report.write_all(result, out_dir, redact=redact)
        if base is not None:
            _save_baseline(base, baseline_path)
    except KeyboardInterrupt:
        _remove_partial(out_dir, before, created_dir)
        raise Interrupted(f"stopped (Ctrl-C) while writing the report; the unfinished report in {out_dir} "
                          "was removed. Run the scan again.") from None
    except OSError as exc:
        _remove_partial(out_dir, before, created_dir)
        fail(f"cannot write the report to {out_dir}: {exc.strerror or exc}")
    except Exception as exc:
        _remove_partial(out_dir, before, created_dir)
        unexpected(exc, "writing the report")
    attention = [f for f in doc["findings"] if f["status"] in ATTENTION]
    _say_gaps(result.gaps)
    if not quiet:
        for note in result.notices:
            click.echo(f"Note: {note}", err=True)
        _say_ignored(result.ignored)
    if not quiet and base is not None:
        for line in baseline_mod.summary_lines(result.baseline_summary or {}, baseline_path):
            click.echo(line, err=True)
    if not quiet:
        posts = len({f["post_ref"] for f in attention})
        click.echo(f"Read {len(doc['posts'])} posts from {len(doc['archives'])} export(s); "
                   f"{len(attention)} finding(s) on {posts} post(s) to review; "
                   f"{len(doc['problems'])} problem(s).", err=True)
        if not result.complete:
            click.echo("The check is NOT complete: see what could not be read, above." if attention else
                       f"No findings in the {len(doc['posts'])} posts that could be read, but the check is "
                       "NOT complete: see what could not be read, above.", err=True)
        elif not attention:
            from .report.view import MISS_LINE
            click.echo(f"Nothing needs your attention in the {len(doc['posts'])} posts checked. {MISS_LINE}",
                       err=True)
        click.echo(f"Report: {(out_dir / 'report.html').resolve()}")
        click.echo("The report holds private content: it is readable by your user account only.", err=True)
    if not result.complete:
        sys.exit(EXIT_INCOMPLETE)
    sys.exit(EXIT_FINDINGS if attention else EXIT_CLEAN)


@main.command(epilog=EXIT_CODES_HELP)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Your profile.")
def inspect(paths: tuple[str, ...], config_path: str | None) -> None:
    """Show what each archive holds: platform and layout, what each file should hold against what
    was read, what could not be read, and whether the language model and OCR are available. Runs
    no analysers. Exits 3 when something could not be read."""
    from .pipeline import assess, import_posts, open_inputs

    cfg = _load_config(config_path)
    try:
        inputs = open_inputs(list(paths))
        try:
            summaries, posts, problems, _ = import_posts(inputs, cfg)
        finally:
            inputs.close()
        gaps, notices = assess(summaries, problems)
        gaps = inputs.gaps + gaps
    except ArchiveError as exc:
        fail(str(exc))
    except Exception as exc:
        unexpected(exc, "reading the archives")
    _say_gaps(gaps)
    for s in summaries:
        root = f" (in {s.root})" if s.root else ""
        click.echo(f"{s.path}: {s.platform}, layout {s.layout}{root}: {s.posts} posts, {s.media} media, "
                   f"{s.problems} problems")
        for c in s.coverage:
            expected = f" of {c.expected}" if c.expected is not None else ""
            skipped = "".join(f"; {n} {reason}" for reason, n in c.skipped.items() if n)
            click.echo(f"  {c.member}: {c.read}{expected} {c.what} read{skipped}")
    for note in notices:
        click.echo(f"Note: {note}")
    _say_ignored(inputs.ignored, limit=50)
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
    sys.exit(EXIT_INCOMPLETE if gaps else EXIT_CLEAN)


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def _choose_regulator(given: str | None, suggestions: dict) -> tuple[str, str, str]:
    """(regulator, profession, a note for the file) for `init`: the one given, else the one the
    profession in the download points to, else asked for (in a terminal), else a placeholder the
    scan refuses until it is filled in."""
    if given:
        try:
            return config_mod.normalise_regulator(given, "--regulator"), "", ""
        except ConfigError as exc:
            fail(str(exc))
    texts = [str(suggestions.get(k, "")) for k in ("job_title", "bio", "workplaces_text", "employer")]
    code, words = config_mod.infer_regulator(*texts)
    if code:
        note = (f"Chosen from your download, which says \"{words}\"; change it if that is wrong."
                if words else "Chosen from your download; change it if that is wrong.")
        return code, words, note
    if _interactive():
        click.echo("Which regulator are you registered with? " + config_mod.regulator_choices())
        while True:
            answer = click.prompt("Regulator", default="", show_default=False).strip()
            try:
                return config_mod.normalise_regulator(answer, "regulator"), "", ""
            except ConfigError as exc:
                click.echo(str(exc))
    return (config_mod.PLACEHOLDER_REGULATOR, "",
            "FILL THIS IN: the scan will not run until it names your regulator.")


@main.command()
@click.option("--out", "out", default="auditor.toml", show_default=True, type=click.Path(dir_okay=False),
              help="Where to write the profile.")
@click.option("--from-archive", "archives", multiple=True, type=click.Path(),
              help="Suggest values from an archive's profile data (name, handle, work history), "
                   "including your regulator from your profession.")
@click.option("--regulator", default=None,
              help="Your regulator: HCPC, NMC, GMC, GPhC, GDC or SWE (Social Work England). Without it, "
                   "it is worked out from the profession in your download, or asked.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(out: str, archives: tuple[str, ...], regulator: str | None, force: bool) -> None:
    """Write a commented auditor.toml profile to fill in: your names and handles, employer,
    workplaces (latitude/longitude/radius), home area, regulator and profession."""
    path = Path(out)
    if path.exists() and not force:
        fail(f"{path} already exists; use --force to overwrite it.")
    if path.is_dir():
        fail(f"{path} is a folder; give a file name such as {path / 'auditor.toml'}.")
    parent = path.resolve().parent
    if not parent.is_dir():
        fail(f"{path.parent}: no such folder")
    why = _can_write_in(parent) or ("the file is read-only" if path.exists() and not os.access(path, os.W_OK)
                                    else None)
    if why:
        fail(f"cannot write {path} ({why}). Choose another place with --out, for example "
             f"--out {Path.home() / 'auditor.toml'}.")
    suggestions: dict = {}
    if archives:
        from .pipeline import import_posts, open_inputs
        try:
            arcs = open_inputs(list(archives))
            try:
                _, _, _, owner = import_posts(arcs, config_mod.Config())
            finally:
                arcs.close()
        except ArchiveError as exc:
            fail(str(exc))
        except Exception as exc:
            unexpected(exc, "reading the archives")
        suggestions = owner
    reg, profession, note = _choose_regulator(regulator, suggestions)
    text = config_mod.render_template(
        full_name=str(suggestions.get("full_name", "")),
        aliases=list(dict.fromkeys(suggestions.get("aliases", []))),
        handles=list(dict.fromkeys(suggestions.get("handles", []))),
        employer=str(suggestions.get("employer", "")), regulator=reg, profession=profession,
        regulator_note=note)
    found = [(label, str(suggestions.get(key, "")).replace("\n", " ")) for key, label in
             (("city", "current city"), ("workplaces_text", "work history"), ("bio", "bio"))
             if suggestions.get(key)]
    if found:   # hints to fill in workplaces and home area: coordinates are never guessed
        text += "\n# Found in your archive (use them to fill in workplaces and home above):\n" + "".join(
            f"#   {label}: {value}\n" for label, value in found)
    try:
        report.write_private(path.resolve(), text)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}. Choose another place with --out.")
    click.echo(f"Wrote {path}. Fill it in, then: auditor scan ARCHIVE... --config {path} --out report")
    if reg == config_mod.PLACEHOLDER_REGULATOR:
        click.echo(f"Your regulator could not be worked out from your download: write it in {path} "
                   f"(regulator = ...), or run again with --regulator. Choices: {config_mod.regulator_choices()}.",
                   err=True)
    elif note:
        click.echo(f"Regulator: {reg} ({config_mod.REGULATORS[reg]}). {note}", err=True)


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


@main.command("app")
@click.option("--no-browser", is_flag=True,
              help="Do not open a browser; print the address (the first line on stdout) and serve until Ctrl-C.")
@click.option("--port", type=click.IntRange(1024, 65535), default=None,
              help="Listen on this port of 127.0.0.1 (default: a free one).")
@click.option("--folder", type=click.Path(file_okay=False), default=None,
              help="Where to keep your profile, decisions and reports (default: the folder chosen last "
                   "time, else footprint-auditor in your home folder).")
@click.option("--add-to-menu", is_flag=True,
              help="Add Footprint Auditor to your desktop's applications menu, then exit.")
def app_cmd(no_browser: bool, port: int | None, folder: str | None, add_to_menu: bool = False) -> None:
    """Open the app in your browser: choose your downloads, fill in your profile, check, and decide
    about each post. It runs on this computer only (127.0.0.1) and stops with its Stop button or
    Ctrl-C."""
    from .app import StartError, run
    if add_to_menu:
        from .app.launcher import add_to_menu as add
        try:
            path = add()
        except OSError as exc:
            fail(f"could not add the app to the menu: {exc}")
        click.echo(f"Added Footprint Auditor to your applications menu ({path}).")
        return
    try:
        run(open_browser=not no_browser, port=port, folder=folder)
    except StartError as exc:
        fail(str(exc))


if __name__ == "__main__":
    main()
