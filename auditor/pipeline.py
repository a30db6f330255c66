"""The one place that wires archives -> importers -> analysers -> results.

    open inputs    a zip, a folder, or a folder of downloads (every export inside it, and a list
                   of what was ignored); a zip inside a zip is opened one level down. A bad whole
                   input is an ArchiveError: one clear message, exit 2
    detect         each input must hold at least one recognised export
    import         importers yield Posts, Problems and Coverage (what each file should hold
                   against what was read); exceptions become Problems
    assess         what could not be read becomes a Gap (which file, what went wrong, what to
                   do): a result with a gap is incomplete and never an all-clear
    analyse        analysers yield Findings and Problems; exceptions become Problems (and a Gap)
    cite           each finding gets the clauses in force on the post's date, and today's
"""
from __future__ import annotations

import os
import posixpath
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable, Iterable, Sequence

from . import rules, standards
from .archive import Archive, ArchiveError, ArchiveRefused, Limits, DEFAULT_LIMITS
from .config import Config, ConfigError, Profile
from .model import Finding, Gap, Ignored, Post, Problem, Standard, Urgency, urgency
from .plugins import (AnalysisContext, Coverage, Detection, ImportContext, all_importers,
                      default_analysers)

Progress = Callable[[str, int, int], None]   # stage, done, total

# the skip reason importers give for records that are damaged: these are not read, so they are gaps
UNREADABLE = "not readable"


@dataclass
class ArchiveSummary:
    """One export read by one importer (an archive can hold several)."""
    path: str
    platform: str
    layout: str
    root: str = ""
    posts: int = 0
    media: int = 0
    problems: int = 0
    coverage: list[Coverage] = field(default_factory=list)   # one per file the importer read
    failed: bool = False                                      # the importer stopped with an error

    def coverage_block(self) -> dict:
        """findings.json `archives[i].coverage` (additive within v1): totals by what the files
        hold, skipped records by reason, and the per-file list. `expected` is the platform's own
        count where it gives one, otherwise the records found in the file."""
        expected: Counter[str] = Counter()
        read: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        files = []
        for c in self.coverage:
            skip = {str(k): int(v) for k, v in c.skipped.items() if v}
            expected[c.what] += c.expected if c.expected is not None else c.read + sum(skip.values())
            read[c.what] += c.read
            skipped.update(skip)
            files.append({"member": c.member, "what": c.what, "read": c.read, "expected": c.expected,
                          "skipped": skip})
        return {"expected": dict(expected), "read": dict(read), "skipped": dict(skipped), "files": files}


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
    # what could not be read (shown first; the result is then incomplete, never an all-clear)
    gaps: list[Gap] = field(default_factory=list)
    # warnings a person must see (no profile given, ...), in plain words
    notices: list[str] = field(default_factory=list)
    # what was given (or found in a folder given) but not read, and why
    ignored: list[Ignored] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Everything recognised was read: no gap. False means: never show an all-clear."""
        return not self.gaps

    def post(self, ref: str) -> Post | None:
        return self._by_ref().get(ref)

    def _by_ref(self) -> dict[str, Post]:
        if not hasattr(self, "_index"):
            self._index = {p.ref: p for p in self.posts}
        return self._index


# -- inputs ------------------------------------------------------------------------------------
class Inputs(list):
    """The archives to read (a list of Archive, so older callers can use it as one), with the
    plan (archive, importer, detection), what was ignored, and what could not be opened."""

    def __init__(self) -> None:
        super().__init__()
        self.plan: list[tuple[Archive, object, Detection]] = []
        self.ignored: list[Ignored] = []
        self.problems: list[Problem] = []
        self.gaps: list[Gap] = []
        self._opened: list[Archive] = []

    def close(self) -> None:
        for a in self._opened:
            a.close()


def _detect(archive: Archive, fallback: bool) -> list[tuple[object, Detection]]:
    found = []
    for imp in all_importers():
        if bool(getattr(imp, "FALLBACK", False)) != fallback:
            continue
        try:
            dets = list(imp.detect(archive))
        except Exception as exc:  # a detector bug must not stop the other platforms
            archive.problems.append(Problem(archive.path, "", f"{getattr(imp, 'PLATFORM', imp.__name__)} "
                                            f"detection failed: {exc!r}"))
            continue
        found += [(imp, det) for det in dets]
    return found


def _not_recognised(archive: Archive) -> str:
    if archive.single_file:
        return (f"{archive.path}: not a zip archive or a folder, and not a download file this tool reads on its "
                "own (such as Bluesky's repo.car or TikTok's user_data_tiktok.json). Give the zip file of your "
                "download, or the folder you unpacked it into.")
    looked = "; ".join(imp.LOOKS_FOR for imp in all_importers())
    return f"{archive.path}: no platform export recognised. Looked for {looked}."


def detect(archive: Archive) -> list[tuple[object, Detection]]:
    """(importer module, detection) pairs for one archive, fallbacks (a plain folder of photos)
    only when no platform export is there; ArchiveError when nothing is recognised."""
    found = _detect(archive, False) or _detect(archive, True)
    if not found:
        if archive.empty:
            raise ArchiveError(_empty_message(archive))
        raise ArchiveError(_not_recognised(archive))
    return found


def _empty_message(archive: Archive) -> str:
    if archive.kind == "zip":
        return (f"{archive.path}: the zip file is empty (it holds no files). The download may not have "
                "finished: download your archive again.")
    return (f"{archive.path}: the folder is empty. Give the .zip file you downloaded, or the folder you "
            "unpacked it into.")


def _hidden(name: str) -> bool:
    return name.startswith(".") or name in ("__MACOSX", "Thumbs.db", "desktop.ini")


def _image_exts() -> tuple[str, ...]:
    return tuple(e for imp in all_importers() if getattr(imp, "FALLBACK", False)
                 for e in getattr(imp, "IMAGE_EXTS", ()))


class _Opener:
    """Turns the paths given into the archives to read (see open_inputs)."""

    def __init__(self, inputs: Inputs, limits: Limits):
        self.inputs = inputs
        self.limits = limits

    def keep(self, archive: Archive, found: list[tuple[object, Detection]]) -> None:
        self.inputs.append(archive)
        self.inputs.plan += [(archive, imp, det) for imp, det in found]
        if archive.encrypted:
            self.inputs.gaps.append(Gap(archive.path, "", f"{archive.encrypted} file(s) in this zip are "
                                        "password-protected and could not be read.",
                                        "Download your archive again without a password."))

    @staticmethod
    def is_collection(archive: Archive, found: list[tuple[object, Detection]], nested: list[str]) -> bool:
        """A folder or zip that holds downloads rather than being one: it is not an export itself,
        and holds zips, or exports in two places, or an export and photos beside it. (One export in
        a parent folder is still read as one archive.)"""
        if any(d.root == "" for _, d in found):
            return False
        if any(not _hidden(posixpath.basename(m)) for m in nested):
            return True
        if len({d.root.split("/", 1)[0] for _, d in found}) >= 2:
            return True
        if found:
            exts = tuple(e.lower() for e in _image_exts())
            roots = [d.root for _, d in found]
            return bool(exts) and any(m.lower().endswith(exts) and not any(m.startswith(r) for r in roots)
                                      and not any(_hidden(part) for part in m.split("/"))
                                      for m in archive.members())
        return False

    def take(self, archive: Archive, top: bool) -> bool:
        """Read what `archive` holds: its exports, else its photos, and the zips inside it. A
        folder or zip of downloads given on the command line is read part by part (collection).
        True when anything in it will be read."""
        found = _detect(archive, False)
        nested = archive.nested_archives()
        if top and self.is_collection(archive, found, nested):
            return self.collection(archive)
        if not found:
            found = _detect(archive, True)
        if found:
            self.keep(archive, found)
        else:
            self.inputs.problems += archive.problems
        got_nested = self.nested(archive, nested)
        return bool(found) or got_nested

    def nested(self, archive: Archive, members: list[str]) -> bool:
        got = False
        for m in members:
            if _hidden(posixpath.basename(m)) or m.startswith("__MACOSX/"):
                continue
            try:
                child = archive.open_nested(m)
            except ArchiveRefused:
                raise                               # a bomb refuses the whole input, as a given zip does
            except ArchiveError as exc:
                where = f"{archive.path.rstrip('/')}/{m}"
                self.inputs.problems.append(Problem(archive.path, m, f"this zip could not be opened: {exc}"))
                self.inputs.gaps.append(Gap(where, "", _strip_label(str(exc), where),
                                            _nested_advice(str(exc), archive, m)))
                continue
            self.inputs._opened.append(child)
            if self.take(child, top=False):
                got = True
            else:
                self.inputs.ignored.append(Ignored(child.path, "a zip file that holds no data download "
                                                   "or photos we recognise"))
                child.close()
        return got

    def collection(self, folder: Archive) -> bool:
        """A folder (or zip) holding downloads (a Downloads folder, sample_exports/): every export
        zip and folder in it, photos in its sub-folders and beside the zips, and a list of the rest."""
        children: dict[str, list[str]] = {}
        loose: list[str] = []
        for m in folder.members():
            head, sep, _ = m.partition("/")
            if sep:
                children.setdefault(head, []).append(m)
            elif not _hidden(m):
                loose.append(m)
        got = False
        for name in sorted(children):
            if _hidden(name):
                continue
            view = folder.view(name + "/", _child_label(folder, name))
            if self.take(view, top=False):
                got = True
            else:
                self.inputs.ignored.append(Ignored(view.path, "a folder with no data download or photos in it"))
        zips = [m for m in loose if m.lower().endswith(".zip")]
        if self.nested(folder, zips):
            got = True
        rest = [m for m in loose if m not in zips]
        images = tuple(e.lower() for e in _image_exts())
        photos = [m for m in rest if m.lower().endswith(images)] if images else []
        if photos:
            view = folder.view("", folder.path, only=photos)
            found = _detect(view, True)
            if found:
                self.keep(view, found)
                got = True
                rest = [m for m in rest if m not in photos]
        for m in rest:
            self.inputs.ignored.append(Ignored(_child_label(folder, m), "not a data download or a photo"))
        self.inputs.problems += [p for p in folder.problems if "/" not in p.member]
        return got


def _child_label(archive: Archive, name: str) -> str:
    """How a part of an archive is named to the user: a path for a folder, zip/name for a zip."""
    if archive.kind == "folder":
        return os.path.join(archive.path, name)
    return f"{archive.path.rstrip('/')}/{name}"


def _strip_label(message: str, label: str) -> str:
    return message[len(label) + 2:] if message.startswith(label + ": ") else message


def _nested_advice(message: str, archive: Archive, member: str) -> str:
    if "too large" in message or "inside a zip inside a zip" in message:
        return (f"Unzip {posixpath.basename(archive.path)} and give {posixpath.basename(member)} to the "
                "scan directly.")
    return f"Download {posixpath.basename(member)} again and give it to the scan directly."


def open_inputs(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> Inputs:
    """Open every path given: a zip, an export folder, or a folder of downloads (each export zip and
    folder inside it, and photos; the rest is listed in `ignored`). A zip inside a zip is opened one
    level down. Zips hold an open file only while being read. ArchiveError when a path holds
    nothing that can be read (one message that says what was expected)."""
    inputs = Inputs()
    opener = _Opener(inputs, limits)
    try:
        for p in paths:
            arc = Archive.open(p, limits)
            inputs._opened.append(arc)
            before = len(inputs.gaps)
            if opener.take(arc, top=True):
                continue
            own_gaps = inputs.gaps[before:]
            if own_gaps:                            # e.g. the only zip inside was too large to open
                raise ArchiveError(f"{own_gaps[0].archive}: {own_gaps[0].message} {own_gaps[0].advice}")
            if arc.empty:
                raise ArchiveError(_empty_message(arc))
            ignored_zips = [i for i in inputs.ignored if i.path.startswith(arc.path.rstrip("/") + "/")
                            and i.path.lower().endswith(".zip")]
            if ignored_zips and len(ignored_zips) == len([m for m in arc.members()
                                                          if not _hidden(posixpath.basename(m))]):
                names = ", ".join(posixpath.basename(i.path) for i in ignored_zips[:3])
                more = f" and {len(ignored_zips) - 3} more" if len(ignored_zips) > 3 else ""
                what = "folder" if arc.kind == "folder" else "zip"
                raise ArchiveError(f"{arc.path}: this {what} holds {len(ignored_zips)} zip file(s) ({names}{more}), "
                                   "but none of them is a data download from X, Facebook or Instagram, "
                                   "or holds photos.")
            raise ArchiveError(_not_recognised(arc))
    except BaseException:
        inputs.close()
        raise
    return inputs


def open_archives(paths: Sequence[str], limits: Limits = DEFAULT_LIMITS) -> Inputs:
    """The archives to read from `paths` (see open_inputs); a list of Archive."""
    return open_inputs(paths, limits)


def locator(archives: Iterable[Archive]) -> Callable[[str], tuple[Archive, str] | None]:
    archives = list(archives)

    def locate(member: str) -> tuple[Archive, str] | None:
        for a in archives:
            if member in a:
                return a, member
            hits = a.find(member)
            if hits:
                return a, hits[0]
        return None
    return locate


# -- import --------------------------------------------------------------------------------------
def import_posts(archives: Sequence[Archive], config: Config, progress: Progress | None = None
                 ) -> tuple[list[ArchiveSummary], list[Post], list[Problem], dict]:
    """Run the importers. `archives` is what open_inputs returned (or any list of archives, each
    then detected here). Each summary holds the importer's Coverage, one per file read."""
    summaries: list[ArchiveSummary] = []
    posts: dict[str, Post] = {}
    problems: list[Problem] = []
    ctx = ImportContext(include_messages=config.settings.include_messages, locate=locator(archives),
                        profile=config.profile)
    if isinstance(archives, Inputs):
        plan = list(archives.plan)
        problems += archives.problems
    else:
        plan = [(a, imp, det) for a in archives for imp, det in detect(a)]
    for a in {id(a): a for a, _, _ in plan}.values():
        problems.extend(a.problems)
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
                elif isinstance(item, Coverage):
                    summary.coverage.append(item)
        except Exception as exc:  # an importer bug must not lose the other archives
            if os.environ.get("AUDITOR_DEBUG"):
                raise
            summary.problems += 1
            summary.failed = True
            problems.append(Problem(archive.path, det.root or "", f"importer failed: {exc!r}"))
        finally:
            archive.release()          # the next archive may be read first: give the file back
        if progress:
            progress("reading archives", i + 1, len(plan))
    return summaries, list(posts.values()), problems, ctx.owner


# -- completeness --------------------------------------------------------------------------------
PLATFORM_NAMES = {"twitter": "X", "facebook": "Facebook", "instagram": "Instagram", "threads": "Threads",
                  "photos": "photo", "linkedin": "LinkedIn", "tiktok": "TikTok", "mastodon": "Mastodon",
                  "bluesky": "Bluesky", "reddit": "Reddit"}
DOWNLOAD_ROUTE = {
    "twitter": "On X: Settings and privacy > Your account > Download an archive of your data.",
    "facebook": "On Facebook: Accounts Centre > Your information and permissions > Download your information.",
    "instagram": "On Instagram: Accounts Centre > Your information and permissions > Download your information.",
    "threads": "On Instagram: Accounts Centre > Your information and permissions > Download your information.",
}


def _download_again(platform: str) -> str:
    if platform == "photos":
        return "Copy the photos again from your phone or cloud storage and scan the new copy."
    name = PLATFORM_NAMES.get(platform, platform)
    route = DOWNLOAD_ROUTE.get(platform, "")
    return f"Download your {name} archive again and scan the new download." + (f" {route}" if route else "")


def _parts_advice(platform: str) -> str:
    return ("Give every part of your download to the scan together (all the zip files from the same "
            "download), or " + _download_again(platform)[0].lower() + _download_again(platform)[1:])


BUG_ADVICE = ("This is a fault in Footprint Auditor, not in your archive. Run the scan again with "
              "AUDITOR_DEBUG=1 and report what it shows.")


_PARENS = re.compile(r"\s*\((?:[^()]|\([^()]*\))*\)")


def _detail(message: str, member: str) -> str:
    """An importer's file-level Problem message, plain for the headline: without a repeated file
    name, technical details in brackets (the report's problem list keeps them), or a "download
    again" that the advice already gives."""
    message = message.strip()
    if message.startswith(member + ":"):
        message = message[len(member) + 1:].strip()
    message = _PARENS.sub("", message)
    message = re.sub(r"\s*download (?:your|the) archive again\.?$", "", message, flags=re.IGNORECASE)
    return message.strip().rstrip(".;:")


def _record_member(member: str) -> str:
    return member.split("#", 1)[0]


def assess(summaries: Sequence[ArchiveSummary], problems: Sequence[Problem]) -> tuple[list[Gap], list[str]]:
    """What could not be read, as Gaps, and notices. An export that read nothing, a file that
    failed or was cut short, a file holding fewer records than its platform says (beyond those
    skipped for a reason), damaged records (skipped as "not readable") and an importer that
    stopped are gaps."""
    gaps: list[Gap] = []
    notices: list[str] = []
    for s in summaries:
        plat = s.platform
        covered = {c.member for c in s.coverage}
        file_problems: dict[str, str] = {}
        for pr in problems:
            if pr.archive == s.path and pr.member and pr.member in covered:
                file_problems.setdefault(pr.member, _detail(pr.message, pr.member))
        own: list[Gap] = []
        for c in s.coverage:
            skipped = sum(int(v) for v in c.skipped.values())
            lost = (c.expected - c.read - skipped) if c.expected is not None else 0
            unreadable = int(c.skipped.get(UNREADABLE, 0))
            detail = file_problems.get(c.member)
            if detail and c.expected is not None and c.read >= c.expected:
                detail = None          # e.g. a damaged month of a 2012-2019 X archive, filled in from tweets.csv
            if not (lost > 0 or unreadable or detail):
                continue
            label = c.member or "this folder"
            if c.expected is not None and lost > 0:
                msg = f"We read {c.read} of the {c.expected} {c.what} in {label}"
            elif detail:
                msg = f"{label} could not be read in full ({c.read} {c.what} read)"
            else:
                msg = f"{unreadable} of the {c.what} in {label} could not be read (they are damaged)"
            msg += f": {detail}." if detail else "."
            parts = detail and ("not in the archive" in detail or "not in this archive" in detail)
            own.append(Gap(s.path, c.member, msg, _parts_advice(plat) if parts else _download_again(plat)))
        if s.failed:
            own.append(Gap(s.path, s.root, f"Reading your {PLATFORM_NAMES.get(plat, plat)} archive stopped "
                           "part-way, so some of it was not checked.", BUG_ADVICE))
        if s.posts == 0 and not own and not sum(c.read for c in s.coverage):
            says_empty = s.coverage and all(c.expected == 0 for c in s.coverage)
            name = PLATFORM_NAMES.get(plat, plat)
            other_part = any(o is not s and o.platform == plat and o.posts for o in summaries)
            if says_empty:
                notices.append(f"Your {name} archive ({os.path.basename(s.path.rstrip('/'))}) says it holds "
                               "no posts, so there was nothing in it to check.")
            elif not other_part:      # e.g. the media-only part of a split download, given alone
                own.append(Gap(s.path, s.root, f"We read nothing from this {name} archive, though it looks "
                               f"like one ({s.layout}).", _parts_advice(plat)))
        gaps += own
    return gaps, notices


def profile_notices(config: Config) -> list[str]:
    """Warnings about the profile a person must see: none given (the HCPC's standards are then
    used), and what reading it noted (e.g. no regulator named)."""
    out = list(getattr(config, "notes", ()))
    if config.profile == Profile():
        out.insert(0, "You gave no profile, so the scan cannot tell your own name from other people's, "
                   "does not know where you work, and uses the HCPC's standards. Write one with "
                   "`auditor init` and scan again with --config auditor.toml.")
    return out


# -- analysis ------------------------------------------------------------------------------------
def analyse(posts: list[Post], ctx: AnalysisContext, analysers: Sequence | None = None,
            failed: list[str] | None = None) -> tuple[list[Finding], list[Problem]]:
    """Run the analysers; the names of those that stopped with an error go to `failed`."""
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
            if os.environ.get("AUDITOR_DEBUG"):
                raise
            problems.append(Problem("", "", f"analyser {an.name} failed: {exc!r}"))
            if failed is not None:
                failed.append(str(getattr(an, "name", type(an).__name__)))
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
    inputs = open_inputs(paths, limits)
    failed: list[str] = []
    try:
        summaries, posts, problems, owner = import_posts(inputs, config, progress)
        gaps, notices = assess(summaries, problems)
        gaps = inputs.gaps + gaps
        t1 = time.perf_counter()
        ctx = AnalysisContext(config=config, archives={a.path: a for a in inputs}, owner=owner,
                              progress=(lambda n: progress("analysing", n, len(posts))) if progress else
                              (lambda n: None))
        findings, aproblems = analyse(posts, ctx, analysers, failed)
        problems += aproblems
        notices += [n for n in ctx.cache.get("media.notes", ()) if n not in notices]   # e.g. the photo pool broke
        gaps += [Gap("", "", msg, advice) for msg, advice in ctx.not_run]     # a check that could not run
    finally:
        inputs.close()
    if failed:
        gaps.append(Gap("", "", "Some checks stopped with an error (" + ", ".join(failed) + "), so your "
                        "posts were not fully checked.", BUG_ADVICE))
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
                        {"import_s": t1 - t0, "analyse_s": t2 - t1, "total_s": time.perf_counter() - t0},
                        gaps=gaps, notices=profile_notices(config) + notices, ignored=list(inputs.ignored))
    result.thumbnails = dict(ctx.cache.get("thumbnails", {}))
    return result
