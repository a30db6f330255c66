"""The post's text as pieces to show: the words that raised a finding highlighted, and (in a
redacted copy) other people's personal data replaced by a label.

    highlight_ranges(text, findings) -> [(start, end)] where the triggering words are
    segments(text, marks, masks)     -> [{"text", "mark", "redacted"}], linear in the text's length
    cut(segments, n)                 -> the first n characters of those pieces (for a short card)
"""
from __future__ import annotations

import re
from typing import Any, Iterable


def spans_of(finding: Any) -> list[tuple[int, int]]:
    """Every (start, end) a finding carries: `spans` (one per element found) when the analyser gives
    them, else its single `span`. Items may be (start, end), (start, end, label) or objects with
    start and end attributes."""
    out: list[tuple[int, int]] = []
    many = getattr(finding, "spans", None)
    items = list(many) if many else ([finding.span] if getattr(finding, "span", None) else [])
    for item in items:
        s = e = None
        if isinstance(item, (tuple, list)) and len(item) >= 2:
            s, e = item[0], item[1]
        elif hasattr(item, "start") and hasattr(item, "end"):
            s, e = item.start, item.end
        if isinstance(s, int) and isinstance(e, int) and 0 <= s < e:
            out.append((s, e))
    return out


def span_labels(finding: Any) -> list[tuple[int, int, str]]:
    """(start, end, label) for each span; the label is "" where the analyser gave none."""
    out = []
    many = getattr(finding, "spans", None)
    items = list(many) if many else ([finding.span] if getattr(finding, "span", None) else [])
    for item in items:
        if isinstance(item, (tuple, list)) and len(item) >= 2:
            label = str(item[2]) if len(item) >= 3 and item[2] is not None else ""
            s, e = item[0], item[1]
        elif hasattr(item, "start") and hasattr(item, "end"):
            s, e, label = item.start, item.end, str(getattr(item, "label", "") or "")
        else:
            continue
        if isinstance(s, int) and isinstance(e, int) and 0 <= s < e:
            out.append((s, e, label))
    return out


def _evidence_pattern(evidence: str) -> re.Pattern | None:
    words = (evidence or "").split()
    if not words or len(evidence.strip()) < 2:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def highlight_ranges(text: str, findings: Iterable[Any]) -> list[tuple[int, int]]:
    """Where the triggering words are in the post text: the finding's spans when they point at its
    evidence (or the finding carries several, one per element), otherwise every occurrence of the
    evidence. Findings about an image (media_path) point into text read from the image, so only
    their evidence is searched."""
    out: list[tuple[int, int]] = []
    for f in findings:
        evidence = getattr(f, "evidence", "") or ""
        spans = spans_of(f) if getattr(f, "media_path", None) is None else []
        spans = [(s, e) for s, e in spans if e <= len(text)]
        if len(spans) > 1:
            out += spans
            continue
        if spans:
            s, e = spans[0]
            piece = text[s:e].casefold()
            ev = evidence.casefold()
            if not ev or ev in piece or piece in ev:
                out.append((s, e))
                continue
        pat = _evidence_pattern(evidence)
        hits = [(m.start(), m.end()) for m in pat.finditer(text)][:20] if pat is not None else []
        if not hits:   # evidence listing several cues: "Home visit; Karen Whitfield; today", "clown, again"
            for part in re.split(r"[;,:|]\s*", evidence):
                pp = _evidence_pattern(part.strip()) if len(part.strip()) >= 3 else None
                if pp is not None:
                    hits += [(m.start(), m.end()) for m in pp.finditer(text)][:5]
        out += hits
    return sorted(out)


def segments(text: str, marks: list[tuple[int, int]], masks: list[tuple[int, int, str]]) -> list[dict]:
    """Split text into pieces {text, mark, redacted}: highlighted stretches and masked stretches
    (a masked stretch shows its label instead of the words). Linear in the text's length: runs are
    found by a regular expression over a highlight map, never character by character."""
    if not text:
        return []
    n = len(text)
    hl = bytearray(b"0") * n
    for s, e in marks:
        s, e = max(0, s), min(n, e)
        if s < e:
            hl[s:e] = b"1" * (e - s)
    flags = hl.decode("ascii")
    out: list[dict] = []

    def plain(a: int, b: int) -> None:
        for run in re.finditer(r"0+|1+", flags[a:b]):
            piece, mark = text[a + run.start():a + run.end()], run.group(0)[0] == "1"
            if out and out[-1]["mark"] == mark and not out[-1]["redacted"]:
                out[-1]["text"] += piece
            else:
                out.append({"text": piece, "mark": mark, "redacted": False})
    i = 0
    for s, e, label in sorted(masks):
        if s < i or s >= n:
            continue
        plain(i, s)
        out.append({"text": label, "mark": "1" in flags[s:e], "redacted": True})
        i = max(e, s + 1)
    plain(i, n)
    return out


def cut(pieces: list[dict], limit: int) -> tuple[list[dict], bool]:
    """The pieces up to `limit` characters (cut at a word where it can be), and whether any text
    was left out. A masked label is never cut in half."""
    out: list[dict] = []
    used = 0
    for p in pieces:
        room = limit - used
        if room <= 0:
            return out, True
        if len(p["text"]) <= room or p["redacted"]:
            out.append(p)
            used += len(p["text"])
            continue
        piece = p["text"][:room]
        space = piece.rfind(" ")
        if space > room * 0.6:
            piece = piece[:space]
        out.append({**p, "text": piece.rstrip() + "\u2026"})
        return out, True
    return out, False


def excerpt(text: str, n: int = 140) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "\u2026"
