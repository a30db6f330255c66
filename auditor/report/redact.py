"""Redaction (`--redact`, `[scan] redact = true`): other people's personal data masked in every
output, for sharing a copy with a supervisor or union rep.

What is masked comes from the analysers, not from patterns of our own: every personal-data or
confidentiality finding marks where the details are (its spans, one per element found: a name, an
age, an address, a phone number), and the report masks those stretches of the post. The words
masked there are then masked wherever else they appear (other posts, explanations, evidence, the
routes to a post, problem messages), so a name found once is hidden everywhere.

Fallback, for findings that carry no usable span (older analysers, or a finding whose single span
does not point at its evidence): the identifying parts of the finding's evidence ("night shift;
Mrs Patterson; 78 year old" -> "Mrs Patterson", "78 year old") are searched in the post's text.
Work context and conditions ("night shift", "dementia") are kept so the reader can see why the post
was flagged; so are spans whose label says they are such context.

Positions are masked too: place lat/lon become null in findings.json, and the coordinates the
location checks write into their explanations are replaced by "[position]" (a repeated place can
be a service user's home). The user's own names and handles (from the profile) are never masked.

Best effort: a name no check flagged stays visible, so the report asks the user to read the copy
before sharing it. Finding ids stay those of the unmasked findings, so review labels still match.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

from .. import rules
from .highlight import span_labels

REDACTED_CATEGORIES = ("personal-data", "confidentiality")
# what a masked stretch shows, by rule (personal data) or by the span's own label
RULE_LABELS = {"PII001": "[phone]", "PII002": "[email]", "PII003": "[address]", "PII004": "[number]",
               "PII005": "[date of birth]", "PII007": "[number plate]"}
SPAN_LABELS = {"name": "[name]", "person": "[name]", "age": "[age]", "place": "[place]", "address": "[address]",
               "phone": "[phone]", "email": "[email]", "e-mail": "[email]", "nhs": "[number]",
               "number": "[number]", "date of birth": "[date of birth]", "contact": "[contact]",
               "id-number": "[number]"}
# context a reader needs to see why the post was flagged (model.SPAN_KINDS: work words, the health
# detail, a group named, a date); anything else a personal-data or confidentiality finding marks is masked
KEEP_LABELS = {"work context", "context", "work", "condition", "situation", "health", "group", "date", "time"}
_NAME_WORD = r"[A-Z][a-z]+(?:['-][A-Za-z]+)*"
_TITLED = re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+{_NAME_WORD}(?:\s+{_NAME_WORD})?")
_CAPWORD = re.compile(r"\b[A-Z][\w'-]+")
_COORDS = re.compile(r"(?<![\d.])-?\d{1,3}\.\d{3,}\s*,\s*-?\d{1,3}\.\d{3,}(?![\d.])")


def identifying_parts(evidence: str) -> set[str]:
    """From a personal-data or confidentiality finding's evidence ("night shift; Mrs Patterson;
    78 year old; Harewood Street"), the parts that identify someone: titled names, two or more
    capitalised words, anything with a digit. Work context and conditions alone ("night shift",
    "dementia") are kept. The fallback for findings without spans."""
    out: set[str] = set()
    ev = (evidence or "").strip()
    parts = [p.strip() for p in re.split(r";|\|", ev)] if re.search(r"[;|]", ev) else [ev]
    for part in parts:
        if len(part) < 2:
            continue
        if (_TITLED.search(part) or len(_CAPWORD.findall(part)) >= 2 or re.search(r"\d", part)
                or len(parts) == 1 and _CAPWORD.match(part)):
            out.add(part)
    return out


def _category(rule_id: str) -> str | None:
    try:
        return rules.get(rule_id).category
    except KeyError:
        return None


def _words_pattern(term: str) -> str:
    return r"\s+".join(re.escape(w) for w in term.split())


class Redactor:
    """Masks third parties' personal data found by the analysers (see the module's doc).

    Redactor(result)                        from a ScanResult: its findings and post texts
    Redactor(findings=..., texts=..., own_names=..., terms=...)   the same from parts (tests, the app)
    """

    def __init__(self, result: Any = None, *, findings: Iterable[Any] = (), texts: dict[str, str] | None = None,
                 own_names: Iterable[str] = (), terms: Iterable[str] = ()):
        own = {n.casefold().lstrip("@") for n in own_names if n}
        found = list(findings)
        texts = dict(texts or {})
        if result is not None:
            own |= set(result.config.profile.own_names())
            found += list(result.findings)
            texts.update({p.ref: p.text for p in result.posts})
        self.own = own
        self.by_post: dict[str, list[tuple[int, int, str]]] = {}
        self.fallbacks = 0                                   # findings masked by their evidence
        masked_words: set[str] = {t for t in terms if t}
        for f in found:
            if _category(f.rule) not in REDACTED_CATEGORIES:
                continue
            text = texts.get(f.post_ref, "")
            default = RULE_LABELS.get(f.rule, "[name]" if _category(f.rule) == "confidentiality" else "[redacted]")
            spans = []
            if getattr(f, "media_path", None) is None and text:
                spans = [(s, e, lab) for s, e, lab in span_labels(f) if e <= len(text)]
                if len(spans) == 1 and not self._points_at_evidence(text, spans[0], f.evidence):
                    spans = []
            kept = []
            for s, e, lab in spans:
                if lab.casefold() in KEEP_LABELS:
                    continue
                piece = text[s:e]
                if self._own(piece):
                    continue
                kind = lab.casefold()
                label = RULE_LABELS.get(f.rule) if kind in ("contact", "id-number") else None
                kept.append((s, e, label or SPAN_LABELS.get(kind, default)))
                masked_words.add(piece.strip())
            if kept:
                self.by_post.setdefault(f.post_ref, []).extend(kept)
                continue
            if spans:           # every span was context or the user's own name: nothing to hide
                continue
            self.fallbacks += 1
            parts = identifying_parts(f.evidence) if _category(f.rule) == "confidentiality" else \
                {(f.evidence or "").strip()}
            masked_words |= {p for p in parts if len(p) >= 2 and not self._own(p)}
        self.terms = sorted((t for t in masked_words if t and not self._own(t)), key=len, reverse=True)
        self._terms_re = (re.compile("|".join(_words_pattern(t) for t in self.terms), re.IGNORECASE)
                          if self.terms else None)

    @staticmethod
    def _points_at_evidence(text: str, span: tuple[int, int, str], evidence: str) -> bool:
        piece = text[span[0]:span[1]].casefold()
        ev = (evidence or "").casefold()
        return not ev or ev in piece or piece in ev or any(
            p.strip() and (p.strip() in piece or piece in p.strip()) for p in re.split(r"[;|]", ev))

    def _own(self, piece: str) -> bool:
        return piece.strip().casefold().lstrip("@") in self.own

    def ranges(self, text: str, ref: str | None = None) -> list[tuple[int, int, str]]:
        """(start, end, label) of every stretch to mask in `text` (the post `ref`'s own text when
        given: its findings' spans count too), merged, in order."""
        if not text:
            return []
        spans: list[tuple[int, int, str]] = []
        if ref is not None:
            spans += [(s, e, lab) for s, e, lab in self.by_post.get(ref, []) if e <= len(text)]
        spans += [(m.start(), m.end(), "[position]") for m in _COORDS.finditer(text)]
        if self._terms_re is not None:
            spans += [(m.start(), m.end(), "[redacted]") for m in self._terms_re.finditer(text)]
        spans.sort(key=lambda s: (s[0], -s[1]))
        merged: list[tuple[int, int, str]] = []
        for s, e, label in spans:
            if merged and s < merged[-1][1]:
                ps, pe, pl = merged[-1]
                merged[-1] = (ps, max(pe, e), pl)
            else:
                merged.append((s, e, label))
        return merged

    def mask(self, text: str | None, ref: str | None = None) -> str | None:
        if not text:
            return text
        out, pos = [], 0
        for s, e, label in self.ranges(text, ref):
            out += [text[pos:s], label]
            pos = e
        out.append(text[pos:])
        return "".join(out)

    def doc(self, doc: dict) -> dict:
        """A copy of a findings.json document with text values masked (same keys, same ids)."""
        d = json.loads(json.dumps(doc))
        for p in d["posts"]:
            p["text"] = self.mask(p["text"], p.get("ref"))
            for place in [p["place"], *(m["place"] for m in p["media"])]:
                if place:                     # positions can show where a service user lives
                    place["lat"] = place["lon"] = None
                    place["name"] = self.mask(place["name"])
        for f in d["findings"]:
            f["evidence"] = "[redacted]" if f["category"] in REDACTED_CATEGORIES else self.mask(f["evidence"])
            f["explanation"] = self.mask(f["explanation"])
            if f.get("note"):
                f["note"] = self.mask(f["note"])
        for pr in d["problems"]:
            pr["message"] = self.mask(pr["message"])
        return d
