"""The `auditor` command: a thin click group that parses, calls the pipeline, report and
baseline, and maps errors to exit codes (0 nothing to review, 1 findings to review, 2 bad input)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, offline

offline.configure()

from . import config as config_mod  # noqa: E402
from . import report, rules  # noqa: E402
from .archive import ArchiveError  # noqa: E402
from .config import ConfigError  # noqa: E402

EXIT_CLEAN, EXIT_FINDINGS, EXIT_BAD_INPUT = 0, 1, 2
ATTENTION = ("new", "still-there", "to-delete")   # statuses that count for the exit code


def fail(message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
    click.echo(f"auditor: {message}", err=True)
    sys.exit(EXIT_BAD_INPUT)


class ProgressBar:
    """A one-line bar on stderr; silent with --quiet or when stderr is not a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        width = 30
        frac = done / total if total else 1.0
        bar = "#" * int(frac * width)
        sys.stderr.write(f"\r{stage:<18} [{bar:<{width}}] {done}/{total}")
        if stage != self.stage and self.stage:
            pass
        self.stage = stage
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def main() -> None:
    """Footprint Auditor: find past posts in your social media archives that could engage your
    regulator's standards. Everything runs on this computer; nothing is sent anywhere."""


def _load_config(path: str | None):
    try:
        return config_mod.load(path)
    except ConfigError as exc:
        fail(str(exc))


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out", required=True, type=click.Path(file_okay=False),
              help="Folder for report.html, findings.json and findings.csv (created if missing).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Your profile (auditor.toml, see `auditor init`).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
@click.option("--force", is_flag=True, help="Overwrite an existing report in --out.")
@click.option("--include-messages", is_flag=True, default=None,
              help="Also read direct messages (private, but in the archive).")
def scan(paths: tuple[str, ...], out: str, config_path: str | None, quiet: bool, force: bool,
         include_messages: bool | None) -> None:
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
    bar = ProgressBar(enabled=not quiet and sys.stderr.isatty())
    try:
        result = run_scan(list(paths), cfg, progress=bar)
    except ArchiveError as exc:
        fail(str(exc))
    try:
        doc = report.write_all(result, out_dir)
    except OSError as exc:
        fail(f"cannot write the report to {out_dir}: {exc}")
    attention = [f for f in doc["findings"] if f["status"] in ATTENTION]
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
        suggestions = owner
    text = config_mod.render_template(
        full_name=str(suggestions.get("full_name", "")),
        aliases=list(dict.fromkeys(suggestions.get("aliases", []))),
        handles=list(dict.fromkeys(suggestions.get("handles", []))),
        employer=str(suggestions.get("employer", "")))
    report.write_private(path.resolve(), text) if path.parent.exists() else fail(f"{path.parent}: no such folder")
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


if __name__ == "__main__":
    main()
