"""`auditor review`: walk the findings that still need a decision, one at a time, and keep the
answers in the baseline (saved after every answer, so quitting or a crash loses nothing).

The loop is plain Python over three callables (read a key, write text, read a line for a note),
so tests drive it without a terminal; the click command only supplies the terminal versions.

Keys: d delete, k keep (accepted), f false positive, s skip, n note, b back, q quit.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .baseline import Baseline, BaselineError, clean_note, seed_from_doc
from .report.routes import steps

FINDINGS_SCHEMA = "footprint-auditor/findings/v1"
KEYS = {"d": "to-delete", "k": "accepted", "f": "false-positive", "s": "skipped"}
HELP = "[d]elete  [k]eep  [f]alse positive  [s]kip  [n]ote  [b]ack  [q]uit"
MAX_TEXT = 1200
# C0/C1 controls (escape sequences could drive the terminal), bidi overrides; newline and tab kept
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: Any) -> str:
    """Untrusted archive text made harmless for a terminal: control characters shown as \\xNN."""
    return _UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", str(text if text is not None else ""))


def load_findings(path: str | Path) -> dict[str, Any]:
    """A findings.json document, given the file or the report folder that holds it."""
    p = Path(path)
    if p.is_dir():
        p = p / "findings.json"
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(f"{p}: not found. Expected the findings.json written by `auditor scan "
                            "--out DIR` (give DIR or DIR/findings.json).") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"{p}: not a findings.json file written by `auditor scan` ({exc}).") from None
    if not isinstance(doc, dict) or doc.get("schema") != FINDINGS_SCHEMA:
        raise BaselineError(f"{p}: expected a findings.json with schema {FINDINGS_SCHEMA}.")
    if not isinstance(doc.get("findings"), list) or not isinstance(doc.get("posts", []), list):
        raise BaselineError(f"{p}: findings.json without a findings list.")
    return doc


@dataclass(frozen=True)
class Item:
    id: str
    finding: Mapping[str, Any]
    post: Mapping[str, Any]


def items_to_review(doc: Mapping[str, Any], baseline: Baseline,
                    statuses: Sequence[str] = ("new",)) -> list[Item]:
    """The document's findings whose status in the baseline is one of `statuses`; findings the
    baseline does not know yet are added to it as "new". Those first seen in this check (new since
    the last one) come first, then the rest in report order (most urgent first)."""
    seed_from_doc(baseline, doc)
    posts = {p.get("ref"): p for p in doc.get("posts", []) if isinstance(p, dict)}
    out = []
    for f in doc["findings"]:
        if f.get("status") == "deleted":          # the export lists the post as deleted already
            continue
        e = baseline.entries.get(str(f.get("id")))
        if e is not None and e.status in statuses:
            out.append(Item(e.id, f, posts.get(f.get("post_ref"), {"ref": f.get("post_ref")})))
    return sorted(out, key=lambda it: not it.finding.get("new_since_last", False))     # a stable sort


def render(item: Item, position: int, total: int, decided: str | None = None, note: str = "") -> str:
    f, p = item.finding, item.post
    lines = [f"--- {position}/{total}  finding {item.id} " + "-" * 20]
    if f.get("new_since_last"):
        lines.append("New since your last check")
    head = " \u00b7 ".join(x for x in (safe(p.get("created_at") or "date unknown"), safe(p.get("platform", "")),
                                        safe(p.get("kind", ""))) if x)
    lines.append(head)
    text = str(p.get("text") or "")
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "\u2026"
    lines.append("")
    lines.extend("  " + line for line in safe(text or "(no text)").splitlines() or [""])
    if f.get("media_path"):
        lines.append(f"  [image: {safe(f['media_path'])}]")
    lines.append("")
    lines.append(f"{safe(f.get('severity', ''))} {safe(f.get('rule', ''))} {safe(f.get('name', ''))}: "
                 f"{safe(f.get('explanation', ''))}")
    for s in f.get("standards") or []:
        lines.append(f"  {safe(s.get('regulator'))} {safe(s.get('edition'))} {safe(s.get('clause'))}: "
                     f"{safe(s.get('title'))}")
    if f.get("action"):
        lines.append(f"What to do: {safe(f['action'])}")
        lines.append("Steps: " + safe(steps(str(p.get("platform", "")), str(f.get("action")), str(p.get("kind", "")),
                                            str(f.get("category", "")))))
    where = p.get("url") or p.get("how_to_find")
    if where:
        lines.append(f"Find it: {safe(where)}")
    if decided:
        lines.append(f"(currently: {decided})")
    if note:
        lines.append(f"Your note: {safe(note)}")
    lines.append(HELP)
    return "\n".join(lines) + "\n"


class Review:
    """The review state: a list of items, a position, and the baseline it writes decisions to."""

    def __init__(self, items: Sequence[Item], baseline: Baseline, save: Callable[[], None],
                 now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        self.items = list(items)
        self.baseline = baseline
        self.save = save
        self.now = now
        self.pos = 0
        self.quit = False
        self.answered: dict[str, str] = {}

    @property
    def done(self) -> bool:
        return self.quit or self.pos >= len(self.items)

    def current(self) -> Item | None:
        return None if self.done else self.items[self.pos]

    def decide(self, status: str) -> str:
        item = self.items[self.pos]
        self.baseline.mark(item.id, status, now=self.now())
        self.save()
        self.answered[item.id] = status
        self.pos += 1
        return f"{item.id}: {status} (saved)"

    def note(self, text: str) -> str:
        item = self.items[self.pos]
        e = self.baseline.entries[item.id]
        e.note = clean_note(text)
        self.save()
        return f"{item.id}: note saved"

    def back(self) -> str:
        if self.pos == 0:
            return "already at the first finding"
        self.pos -= 1
        return "back one"

    def key(self, key: str) -> str:
        """Apply one key; returns a short message for the user. Unknown keys change nothing."""
        k = (key or "").strip().lower()[:1]
        if k == "q":
            self.quit = True
            return "quit: your answers so far are saved"
        if k == "b":
            return self.back()
        if k in KEYS:
            return self.decide(KEYS[k])
        return f"unknown key {safe(key)!r}: {HELP}"


def run(review: Review, read_key: Callable[[], str], write: Callable[[str], None],
        read_line: Callable[[str], str]) -> dict[str, int]:
    """Drive a Review until done or quit; returns the counts of the answers given."""
    total = len(review.items)
    if not total:
        write("Nothing to review: every finding already has a decision.\n")
        return {}
    while not review.done:
        item = review.current()
        assert item is not None
        entry = review.baseline.entries[item.id]
        write(render(item, review.pos + 1, total, entry.decision, entry.note))
        try:
            key = read_key()
        except (EOFError, KeyboardInterrupt):
            key = "q"
        if (key or "").strip().lower()[:1] == "n":
            try:
                text = read_line("Note (one line, Enter to save): ")
            except (EOFError, KeyboardInterrupt):
                text = ""
            write(review.note(text) + "\n" if text.strip() else "no note saved\n")
            continue
        write(review.key(key) + "\n")
    counts: dict[str, int] = {}
    for s in review.answered.values():
        counts[s] = counts.get(s, 0) + 1
    left = sum(1 for it in review.items if it.id not in review.answered)
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no answers"
    write(f"Reviewed {len(review.answered)} of {total}: {summary}; {left} left for next time.\n")
    return counts
