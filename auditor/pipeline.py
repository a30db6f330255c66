"""The one place that wires archives -> importers -> analysers -> results.

    open archives  (a bad whole input is an ArchiveError: one clear message, exit 2)
    detect         (each archive must hold at least one recognised export)
    import         (importers yield Posts and Problems; exceptions become Problems)
    analyse        (analysers yield Findings and Problems; exceptions become Problems)
    cite           (each finding gets the clauses in force on the post's date, and today's)
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable, Sequence

from . import rules, standards
from .archive import Archive, ArchiveError, Limits, DEFAULT_LIMITS
from .config import Config, ConfigError
from .model import Finding, Post, Problem, Standard, Urgency, urgency
from .plugins import (AnalysisContext, Detection, ImportContext, all_importers,
                      default_analysers)

Progress = Callable[[str, int, int], None]   # stage, done, total


@dataclass
class ArchiveSummary:
    path: str
    platform: str
    layout: str
    root: str = ""
    posts: int = 0
    media: int = 0
    problems: int = 0


@dataclass
class ScanResult:
    generated_at: datetime
    config: Config
    archives: list[ArchiveSummary]
    posts: list[Post]
    findings: list[Finding]
    problems: list[Problem]
    citations: dict[str, list[Standard]] = field(default_factory=dict)   # finding id -> clauses
    statuses: dict[str, str] = field(default_factory=dict)               # finding id -> status
    timings: dict[str, float] = field(default_factory=dict)
    # set by baseline.apply (scan --baseline): counts, "still_there" ids, "deleted" and "stale"
    # entries (posts gone / findings gone), platforms left alone, warnings; None without a baseline
    baseline_summary: dict | None = None
    # (archive, member) -> {"data_uri", "width", "height"} | None: small thumbnails of flagged images,
    # made in memory by the images analyser (never the full image copied out)
    thumbnails: dict = field(default_factory=dict)

    def post(self, ref: str) -> Post | None:
        return self._by_ref().get(ref)

    def _by_ref(self) -> dict[str, Post]:
        if not hasattr(self, "_index"):
            self._index = {p.ref: p for p in self.posts}
        return self._index


def open_archives(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> list[Archive]:
    archives = []
    try:
        for p in paths:
            archives.append(Archive.open(p, limits))
    except ArchiveError:
        for a in archives:
            a.close()
        raise
    return archives


def detect(archive: Archive) -> list[tuple[object, Detection]]:
    """(importer module, detection) pairs for one archive; ArchiveError when nothing is recognised."""
    found = []
    for imp in all_importers():
        if getattr(imp, "FALLBACK", False) and found:
            continue
        try:
            dets = list(imp.detect(archive))
        except Exception as exc:  # a detector bug must not stop the other platforms
            archive.problems.append(Problem(archive.path, "", f"{getattr(imp, 'PLATFORM', imp.__name__)} "
                                            f"detection failed: {exc!r}"))
            continue
        for det in dets:
            found.append((imp, det))
    if not found:
        looked = "; ".join(imp.LOOKS_FOR for imp in all_importers())
        nested = archive.nested_archives()
        hint = (f" It holds {len(nested)} zip file(s) inside ({nested[0]} ...): give those zips directly."
                if nested else "")
        raise ArchiveError(f"{archive.path}: no platform export recognised. Looked for {looked}.{hint}")
    return found


def locator(archives: list[Archive]) -> Callable[[str], tuple[Archive, str] | None]:
    def locate(member: str) -> tuple[Archive, str] | None:
        for a in archives:
            if member in a:
                return a, member
            hits = a.find(member)
            if hits:
                return a, hits[0]
        return None
    return locate


def import_posts(archives: list[Archive], config: Config, progress: Progress | None = None
                 ) -> tuple[list[ArchiveSummary], list[Post], list[Problem], dict]:
    summaries: list[ArchiveSummary] = []
    posts: dict[str, Post] = {}
    problems: list[Problem] = []
    ctx = ImportContext(include_messages=config.settings.include_messages, locate=locator(archives),
                        profile=config.profile)
    plan = [(a, imp, det) for a in archives for imp, det in detect(a)]
    for a in archives:
        problems.extend(a.problems)
        for nested in a.nested_archives():
            problems.append(Problem(a.path, nested, "a zip inside the archive was not opened: unzip it "
                                    "and give it to the scan directly"))
    for i, (archive, imp, det) in enumerate(plan):
        summary = ArchiveSummary(archive.path, det.platform, det.layout, det.root)
        summaries.append(summary)
        try:
            for item in imp.read(archive, det, ctx):
                if isinstance(item, Problem):
                    summary.problems += 1
                    problems.append(item)
                elif isinstance(item, Post):
                    summary.posts += 1
                    summary.media += len(item.media)
                    posts.setdefault(item.ref, item)      # several parts or downloads: keep the first
        except Exception as exc:  # an importer bug must not lose the other archives
            summary.problems += 1
            problems.append(Problem(archive.path, det.root or "", f"importer failed: {exc!r}"))
        if progress:
            progress("reading archives", i + 1, len(plan))
    return summaries, list(posts.values()), problems, ctx.owner


def analyse(posts: list[Post], ctx: AnalysisContext, analysers: Sequence | None = None
            ) -> tuple[list[Finding], list[Problem]]:
    findings: dict[str, Finding] = {}
    problems: list[Problem] = []
    known = {r.id for r in rules.all_rules()}
    for an in (default_analysers() if analysers is None else analysers):
        try:
            for item in an.analyse(posts, ctx):
                if isinstance(item, Problem):
                    problems.append(item)
                elif isinstance(item, Finding):
                    if item.rule not in known:
                        problems.append(Problem("", "", f"analyser {an.name}: unknown rule {item.rule}"))
                        continue
                    old = findings.get(item.id)
                    if old is None or item.confidence > old.confidence:
                        findings[item.id] = item
        except ConfigError:
            raise          # e.g. the language model is not installed: the user must act, exit 2
        except Exception as exc:
            problems.append(Problem("", "", f"analyser {an.name} failed: {exc!r}"))
    return list(findings.values()), problems


def finding_urgency(f: Finding) -> Urgency:
    rule = rules.get(f.rule)
    return urgency(f.severity or rule.severity, f.confidence, f.action or rule.action)


def sort_findings(findings: list[Finding], posts: dict[str, Post]) -> list[Finding]:
    """Most urgent first (model.urgency), then the newest post."""
    def key(f: Finding):
        p = posts.get(f.post_ref)
        when = p.created_at.timestamp() if p and p.created_at else 0
        return (-finding_urgency(f).score, -when, f.post_ref, f.rule, f.id)
    return sorted(findings, key=key)


def scan(paths: Sequence[str], config: Config, *, analysers: Sequence | None = None,
         progress: Progress | None = None, now: datetime | None = None,
         limits: Limits = DEFAULT_LIMITS) -> ScanResult:
    t0 = time.perf_counter()
    now = now or datetime.now(timezone.utc)
    archives = open_archives(paths, limits)
    try:
        summaries, posts, problems, owner = import_posts(archives, config, progress)
        t1 = time.perf_counter()
        ctx = AnalysisContext(config=config, archives={a.path: a for a in archives}, owner=owner,
                              progress=(lambda n: progress("analysing", n, len(posts))) if progress else
                              (lambda n: None))
        findings, aproblems = analyse(posts, ctx, analysers)
        problems += aproblems
    finally:
        for a in archives:
            a.close()
    t2 = time.perf_counter()
    by_ref = {p.ref: p for p in posts}
    findings = sort_findings(findings, by_ref)
    today: date = now.date()
    citations = {}
    for f in findings:
        rule = rules.get(f.rule)
        post = by_ref.get(f.post_ref)
        citations[f.id] = standards.cite(config.profile.regulator, f.rule, rule.category,
                                         post.created_at if post else None, today)
    posts.sort(key=lambda p: (p.created_at or datetime.min.replace(tzinfo=timezone.utc), p.ref))
    result = ScanResult(now, config, summaries, posts, findings, problems, citations,
                        {f.id: "new" for f in findings},
                        {"import_s": t1 - t0, "analyse_s": t2 - t1, "total_s": time.perf_counter() - t0})
    result.thumbnails = dict(ctx.cache.get("thumbnails", {}))
    return result
