"""Review decisions kept between scans, in a baseline file that holds hashes, never content.

A registrant goes through the findings once (`auditor review`, or `auditor mark` from scripts),
and the decisions are kept here by finding id. The next `auditor scan --baseline FILE`:

    finding present, no decision yet              -> "new"
    finding present, decided "to-delete"          -> "still-there" (the post is still in this archive)
    finding present, accepted / false-positive / skipped -> that decision carries over
    entry's post gone, its platform read this run -> "deleted" (confirmed gone)
    entry's platform not read this run            -> left alone (a Twitter-only re-check keeps
                                                     Facebook decisions as they were)
    post still there but the finding is not       -> reported as stale (post edited, or a rule
                                                     changed); the entry is kept, marked stale

The file (schema `footprint-auditor/baseline/v1`) stores per finding: id, rule, post ref,
platform, post kind, whether it is about an image, status, the user's decision and note, dates
(first seen, last seen, decided, gone since) and a salted hash of the evidence. It never stores
post text, evidence or media file names. Post refs are platform ids (`twitter:<id>`) or hashes.

The evidence hash is salted per file, so equal evidence in two people's baselines does not hash
alike; with the file in hand, short evidence (a place name, coordinates) can still be confirmed by
guessing, as it can from the finding id itself. The file is therefore written readable by the
owner only (0600), atomically.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import __version__, rules
from .files import write_private
from .model import ATTENTION, STATUSES, normalise_evidence

SCHEMA = "footprint-auditor/baseline/v1"
DECISIONS = ("to-delete", "accepted", "false-positive", "skipped")   # what a user can choose
ALIASES = {"delete": "to-delete", "keep": "accepted", "fp": "false-positive", "skip": "skipped",
           "false_positive": "false-positive", "to_delete": "to-delete"}
MAX_NOTE = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


class BaselineError(Exception):
    """The baseline file cannot be used; the message says why and what was expected (exit 2)."""


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def clean_note(note: str) -> str:
    """A user's note: one line, no control characters, at most MAX_NOTE characters."""
    note = _CONTROL.sub(" ", (note or "").replace("\n", " ").replace("\r", " "))
    return " ".join(note.split())[:MAX_NOTE]


def normalise_status(status: str) -> str:
    s = (status or "").strip().lower()
    return ALIASES.get(s, s)


@dataclass
class Entry:
    id: str
    rule: str
    post_ref: str
    platform: str
    kind: str = ""                 # post kind (post, reply, message ...), to leave messages alone
    media: bool = False            # the finding is about an image of the post
    evidence_hash: str = ""
    status: str = "new"
    decision: str | None = None    # the user's last decision (DECISIONS) or None
    note: str = ""
    first_seen: str = ""
    last_seen: str = ""
    decided: str | None = None
    gone_since: str | None = None
    stale: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "post_ref": self.post_ref, "platform": self.platform,
                "kind": self.kind, "media": self.media, "evidence_hash": self.evidence_hash,
                "status": self.status, "decision": self.decision, "note": self.note,
                "first_seen": self.first_seen, "last_seen": self.last_seen, "decided": self.decided,
                "gone_since": self.gone_since, "stale": self.stale}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any], where: str) -> "Entry":
        def text(key: str, default: str | None = "") -> Any:
            v = d.get(key, default)
            if v is not None and not isinstance(v, str):
                raise BaselineError(f"{where}: {key} should be text, got {v!r}")
            return v
        eid = text("id")
        if not re.fullmatch(r"[0-9a-f]{16}", eid or ""):
            raise BaselineError(f"{where}: id should be 16 hex digits, got {eid!r}")
        status = text("status", "new")
        if status not in STATUSES:
            raise BaselineError(f"{where}: status {status!r} is not one of {', '.join(STATUSES)}")
        decision = text("decision", None)
        if decision is not None and decision not in DECISIONS:
            raise BaselineError(f"{where}: decision {decision!r} is not one of {', '.join(DECISIONS)}")
        return cls(id=eid, rule=text("rule"), post_ref=text("post_ref"), platform=text("platform"),
                   kind=text("kind"), media=bool(d.get("media", False)),
                   evidence_hash=text("evidence_hash"), status=status, decision=decision,
                   note=clean_note(text("note") or ""), first_seen=text("first_seen"),
                   last_seen=text("last_seen"), decided=text("decided", None),
                   gone_since=text("gone_since", None), stale=bool(d.get("stale", False)))


@dataclass(frozen=True)
class Facts:
    """What the baseline needs to know about one finding (from a ScanResult or findings.json)."""
    id: str
    rule: str
    post_ref: str
    platform: str
    kind: str
    media: bool
    evidence: str


@dataclass
class Baseline:
    salt: str = field(default_factory=lambda: secrets.token_hex(16))
    created_at: str = ""
    updated_at: str = ""
    entries: dict[str, Entry] = field(default_factory=dict)
    scans: list[dict[str, Any]] = field(default_factory=list)   # date and platforms of each scan

    # -- file ---------------------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike) -> "Baseline":
        p = Path(path)
        try:
            raw = p.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise BaselineError(f"{p}: no such baseline file. Create one with `auditor scan ... "
                                f"--baseline {p}` or `auditor review REPORT --baseline {p}`.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{p}: cannot read the baseline file ({exc}).") from None
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise BaselineError(f"{p}: not a baseline file: expected JSON with schema {SCHEMA} "
                                f"({exc}).") from None
        return cls.from_json(doc, str(p))

    @classmethod
    def from_json(cls, doc: Any, where: str = "baseline") -> "Baseline":
        if not isinstance(doc, dict) or not isinstance(doc.get("schema"), str):
            raise BaselineError(f"{where}: not a baseline file: expected a JSON object with "
                                f'"schema": "{SCHEMA}".')
        if doc["schema"] != SCHEMA:
            raise BaselineError(f"{where}: schema {doc['schema']!r} is not supported; expected {SCHEMA} "
                                f"(written by a different version of this tool?).")
        salt = doc.get("salt")
        if not isinstance(salt, str) or not re.fullmatch(r"[0-9a-f]{16,64}", salt):
            raise BaselineError(f"{where}: salt should be hex digits, got {salt!r}")
        entries = doc.get("entries", [])
        if not isinstance(entries, list):
            raise BaselineError(f"{where}: entries should be a list")
        b = cls(salt=salt, created_at=str(doc.get("created_at", "")), updated_at=str(doc.get("updated_at", "")),
                scans=[s for s in doc.get("scans", []) if isinstance(s, dict)])
        for i, e in enumerate(entries):
            if not isinstance(e, dict):
                raise BaselineError(f"{where}: entry {i} is not an object")
            entry = Entry.from_dict(e, f"{where}: entry {i}")
            b.entries[entry.id] = entry
        return b

    def to_json(self) -> dict[str, Any]:
        return {"schema": SCHEMA, "tool": {"name": "footprint-auditor", "version": __version__},
                "created_at": self.created_at, "updated_at": self.updated_at, "salt": self.salt,
                "scans": self.scans[-50:],
                "entries": [self.entries[k].as_dict() for k in sorted(self.entries)]}

    def save(self, path: str | os.PathLike) -> None:
        """Atomic (temporary file in the same folder, then rename), readable by the owner only."""
        p = Path(path)
        text = json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n"
        write_private(p.resolve(), text)

    # -- entries ------------------------------------------------------------------------------
    def evidence_hash(self, evidence: str) -> str:
        mac = hmac.new(bytes.fromhex(self.salt), normalise_evidence(evidence).encode("utf-8"), hashlib.sha256)
        return mac.hexdigest()[:32]

    def record(self, facts: Facts, seen: str) -> Entry:
        """The entry for a finding seen at `seen` (created as "new" if missing)."""
        e = self.entries.get(facts.id)
        if e is None:
            e = Entry(id=facts.id, rule=facts.rule, post_ref=facts.post_ref, platform=facts.platform,
                      kind=facts.kind, media=facts.media, evidence_hash=self.evidence_hash(facts.evidence),
                      first_seen=seen, last_seen=seen)
            self.entries[e.id] = e
        return e

    def find(self, id_or_prefix: str) -> Entry:
        key = (id_or_prefix or "").strip().lower()
        if key in self.entries:
            return self.entries[key]
        if len(key) < 6 or not re.fullmatch(r"[0-9a-f]+", key):
            raise BaselineError(f"{id_or_prefix!r}: not a finding id in the baseline (expected the 16 hex "
                                "digits shown in the report, or at least the first 6).")
        hits = [e for k, e in self.entries.items() if k.startswith(key)]
        if not hits:
            raise BaselineError(f"{id_or_prefix}: no finding with this id in the baseline. Run "
                                "`auditor scan ... --baseline FILE` first so it knows the findings.")
        if len(hits) > 1:
            raise BaselineError(f"{id_or_prefix}: matches {len(hits)} findings; give more digits.")
        return hits[0]

    def mark(self, id_or_prefix: str, status: str, note: str | None = None,
             now: datetime | None = None) -> Entry:
        """Record the user's decision. `status` is one of DECISIONS (or aliases), or "new" to undo."""
        status = normalise_status(status)
        if status not in DECISIONS + ("new",):
            raise BaselineError(f"{status!r}: not a decision; expected one of "
                                f"{', '.join(DECISIONS + ('new',))} (also: delete, keep, fp, skip).")
        e = self.find(id_or_prefix)
        e.decision = None if status == "new" else status
        e.decided = iso(now or datetime.now(timezone.utc)) if e.decision else None
        if e.status != "deleted":          # a post confirmed gone stays "deleted"
            e.status = status
        if note is not None:
            e.note = clean_note(note)
        self.updated_at = e.decided or iso(now or datetime.now(timezone.utc))
        return e


# -- applying a baseline to a scan ---------------------------------------------------------------
def facts_from_result(result: Any) -> list[Facts]:
    by_ref = {p.ref: p for p in result.posts}
    out = []
    for f in result.findings:
        p = by_ref.get(f.post_ref)
        out.append(Facts(f.id, f.rule, f.post_ref, p.platform if p else f.post_ref.split(":", 1)[0],
                         p.kind if p else "", f.media_path is not None, f.evidence))
    return out


def facts_from_doc(doc: Mapping[str, Any]) -> list[Facts]:
    """From a findings.json document (schema footprint-auditor/findings/v1)."""
    posts = {p.get("ref"): p for p in doc.get("posts", []) if isinstance(p, dict)}
    out = []
    for f in doc.get("findings", []):
        p = posts.get(f.get("post_ref"), {})
        out.append(Facts(str(f["id"]), str(f["rule"]), str(f["post_ref"]),
                         str(p.get("platform") or str(f["post_ref"]).split(":", 1)[0]),
                         str(p.get("kind") or ""), f.get("media_path") is not None, str(f.get("evidence", ""))))
    return out


def _status_for(entry: Entry) -> str:
    if entry.decision is None:
        return "new"
    if entry.decision == "to-delete":
        return "still-there"
    return entry.decision


def _gone(e: Entry, stamp: str) -> dict[str, Any]:
    """Mark an entry's post as deleted; the summary row (no content: ids, rule, decision, dates)."""
    newly = e.status != "deleted"
    if newly:
        e.gone_since = stamp
    e.status = "deleted"
    e.stale = False
    return {"id": e.id, "rule": e.rule, "post_ref": e.post_ref, "platform": e.platform, "kind": e.kind,
            "decision": e.decision, "note": e.note, "gone_since": e.gone_since, "newly": newly}


def apply(result: Any, baseline: Baseline, now: datetime | None = None) -> Any:
    """Carry the baseline's decisions over to a scan. Updates `baseline` in place (last seen, status,
    gone since, stale) and returns a copy of `result` with `statuses` and `baseline_summary` set.

    A platform counts as read in this run when at least one of its posts was read; entries of
    other platforms are left alone, and so are direct-message entries when messages were not read.
    """
    now = now or result.generated_at or datetime.now(timezone.utc)
    stamp = iso(now)
    facts = facts_from_result(result)
    present = {x.id for x in facts}
    all_posts = {p.ref for p in result.posts}
    live_posts = {p.ref for p in result.posts if not getattr(p, "deleted", False)}
    read: dict[str, int] = {a.platform: 0 for a in result.archives}
    for p in result.posts:            # by the posts' platform: an Instagram export holds Threads posts
        read[p.platform] = read.get(p.platform, 0) + 1
    platforms = sorted(p for p, n in read.items() if n > 0)
    empty = sorted(p for p, n in read.items() if n == 0)
    with_problems = sorted({a.platform for a in result.archives if a.problems})
    messages_read = bool(getattr(getattr(result.config, "settings", None), "include_messages", False))
    known_rules = {r.id for r in rules.all_rules()}
    # "new since last time" needs a last time: an earlier scan or review in this baseline
    had_history = bool(baseline.scans or baseline.entries)

    statuses: dict[str, str] = {}
    new_ids, carried, still_there, deleted = [], [], [], []
    for x in facts:
        existed = x.id in baseline.entries
        e = baseline.record(x, stamp)
        e.last_seen = stamp
        e.stale = False
        if x.post_ref not in live_posts and x.post_ref in all_posts:
            # the export lists the post as deleted by the user (e.g. X's deleted-tweets.js)
            deleted.append(_gone(e, stamp))
            statuses[x.id] = "deleted"
            (carried if existed else new_ids).append(x.id)
            continue
        e.gone_since = None
        e.status = _status_for(e)
        statuses[x.id] = e.status
        (carried if existed else new_ids).append(x.id)
        if e.status == "still-there":
            still_there.append(x.id)

    stale, left_alone = [], 0
    for e in baseline.entries.values():
        if e.id in present:
            continue
        if e.platform not in platforms or (e.kind == "message" and not messages_read):
            left_alone += 1
            continue
        if e.post_ref not in live_posts:
            deleted.append(_gone(e, stamp))
        else:
            e.stale = True
            reason = ("rule retired or renamed" if e.rule not in known_rules else
                      "the post is still there but no longer triggers this finding (edited, or the rule "
                      "changed)")
            stale.append({"id": e.id, "rule": e.rule, "post_ref": e.post_ref, "platform": e.platform,
                          "status": e.status, "decision": e.decision, "reason": reason})

    warnings = []
    for p in empty:
        warnings.append(f"no {p} posts were read, so {p} decisions were left as they were")
    for p in with_problems:
        if p in platforms:
            warnings.append(f"some {p} files could not be read (see problems): a post listed as deleted "
                            "may be in one of them")
    if not messages_read and any(e.kind == "message" for e in baseline.entries.values()):
        warnings.append("messages were not read in this run, so message decisions were left as they were")

    baseline.scans.append({"at": stamp, "platforms": platforms, "findings": len(facts)})
    baseline.created_at = baseline.created_at or stamp
    baseline.updated_at = stamp
    counts: dict[str, int] = {}
    for s in statuses.values():
        counts[s] = counts.get(s, 0) + 1
    summary = {
        "schema": SCHEMA,
        "platforms_scanned": platforms,
        "platforms_left_alone": sorted({e.platform for e in baseline.entries.values()} - set(platforms)),
        "counts": counts,
        "attention": sum(n for s, n in counts.items() if s in ATTENTION),
        "new": len(new_ids),
        # first seen in this scan, with earlier checks in the baseline (empty on a first check): the
        # report and the review show these apart from findings seen before but not decided yet
        "first_seen_ids": sorted(new_ids) if had_history else [],
        # the user's notes on this scan's findings, for the report, the CSV and findings.json
        "notes": {x.id: baseline.entries[x.id].note for x in facts if baseline.entries[x.id].note},
        "carried_over": len(carried),
        "still_there": still_there,
        "deleted": sorted(deleted, key=lambda d: (not d["newly"], d["platform"], d["post_ref"], d["id"])),
        "stale": sorted(stale, key=lambda d: (d["platform"], d["post_ref"], d["id"])),
        "left_alone": left_alone,
        "warnings": warnings,
    }
    return replace(result, statuses=statuses, baseline_summary=summary)


def refresh(result: Any, baseline: Baseline) -> Any:
    """A copy of `result` with the baseline's current decisions and notes (after `mark`, or a
    decision made in the app), without recording a scan: statuses follow the entries, notes are
    updated, and what `apply` found (first seen, deleted, stale) is kept. The baseline is not
    changed."""
    summary = dict(getattr(result, "baseline_summary", None) or {})
    statuses = dict(result.statuses)
    notes: dict[str, str] = {}
    for f in result.findings:
        e = baseline.entries.get(f.id)
        if e is None:
            continue
        if statuses.get(f.id) != "deleted" and e.status in STATUSES:
            statuses[f.id] = e.status           # "to-delete" right after a mark, until a scan says more
        if e.note:
            notes[f.id] = e.note
    summary["notes"] = notes
    counts: dict[str, int] = {}
    for s in statuses.values():
        counts[s] = counts.get(s, 0) + 1
    summary["counts"] = counts
    summary["attention"] = sum(n for s, n in counts.items() if s in ATTENTION)
    return replace(result, statuses=statuses, baseline_summary=summary)


def seed_from_doc(baseline: Baseline, doc: Mapping[str, Any]) -> list[Facts]:
    """Add the findings of a findings.json document to the baseline (as "new" where unknown);
    no deletion or stale checks (those need a scan). Returns the facts in document order."""
    seen = str(doc.get("generated_at") or iso(datetime.now(timezone.utc)))
    facts = facts_from_doc(doc)
    for x in facts:
        baseline.record(x, seen)
    if not baseline.created_at:
        baseline.created_at = seen
    return facts


def attention(statuses: Iterable[str]) -> int:
    return sum(1 for s in statuses if s in ATTENTION)


__all__ = ["SCHEMA", "STATUSES", "DECISIONS", "ATTENTION", "Baseline", "BaselineError", "Entry", "Facts",
           "apply", "refresh", "facts_from_doc", "facts_from_result", "seed_from_doc", "clean_note", "iso"]


def summary_lines(summary: Mapping[str, Any], path: str | None = None) -> list[str]:
    """A few lines for the terminal after `scan --baseline`."""
    if not summary:
        return []
    c = summary.get("counts", {})
    deleted = summary.get("deleted", [])
    newly = [d for d in deleted if d.get("newly")]
    lines = [f"Baseline{' ' + str(path) if path else ''}: {summary.get('new', 0)} first seen this time, "
             f"{c.get('new', 0)} without a decision, "
             f"{c.get('still-there', 0)} still there (marked to delete), {len(newly)} newly confirmed "
             f"deleted ({len(deleted)} in all), {c.get('accepted', 0)} accepted, {c.get('false-positive', 0)} "
             f"false positive, {c.get('skipped', 0)} skipped, {len(summary.get('stale', []))} stale."]
    for d in newly:
        lines.append(f"  deleted: {d['post_ref']} ({d['rule']}, finding {d['id']})")
    stale = summary.get("stale", [])
    for d in stale[:10]:
        lines.append(f"  stale: {d['post_ref']} ({d['rule']}, finding {d['id']}): {d['reason']}")
    if len(stale) > 10:
        lines.append(f"  ... and {len(stale) - 10} more stale entries")
    if summary.get("platforms_left_alone"):
        lines.append(f"  left alone (not in this scan): {', '.join(summary['platforms_left_alone'])}")
    for w in summary.get("warnings", []):
        lines.append(f"  note: {w}")
    return lines
