"""The words a person sees: one place for every label in the report, the CSV and the app.

Plain English, "you" and "your post"; one word per idea (delete / review / keep / not a problem);
no scores, library names, layout codes or rule ids (those go in the folded details).
"""
from __future__ import annotations

import re
from datetime import datetime

PLATFORM = {"twitter": "X (Twitter)", "facebook": "Facebook", "instagram": "Instagram", "threads": "Threads",
            "photos": "Photos on your computer", "linkedin": "LinkedIn", "tiktok": "TikTok",
            "mastodon": "Mastodon", "bluesky": "Bluesky", "reddit": "Reddit"}
SHORT_PLATFORM = {"twitter": "X", "photos": "your photos"}
KIND = {"post": "post", "reply": "reply", "repost": "repost", "quote": "quote post", "comment": "comment",
        "story": "story", "photo": "photo", "check-in": "check-in", "like": "like", "message": "message",
        "bio": "profile bio"}
CATEGORY = {
    "confidentiality": "Could identify a patient or service user",
    "personal-data": "Someone else's personal details",
    "offensive": "Offensive or abusive language",
    "discriminatory": "Discriminatory language",
    "grievance": "Complaints or insults about work",
    "location": "Shows where you were",
    "workplace": "Shows your workplace or uniform",
    "misinformation": "Health claims against public advice",
    "boundaries": "Boundaries with patients or service users",
    "conduct": "Drink, drugs or sick leave",
    "promotion": "Claims that may mislead",
}
# urgency levels (auditor.model.urgency) and the section for findings already decided
LEVEL = {"act": "Deal with these first", "check": "Look at these when you can",
         "decided": "Already decided"}
LEVEL_INTRO = {
    "act": "The most serious, and the checks are sure enough to put them first. Each says what to do and how.",
    "check": "These may be fine in context. Read each one and decide: delete it, change it, or keep it.",
    "decided": "You made a decision about these in an earlier check, or the post is already gone.",
}
BADGE = {"act": "Act first", "check": "Look at", "decided": "Decided"}
ICON = {"act": "!", "check": "?", "decided": "\u2713"}
# review statuses (auditor.model.STATUSES); "new" splits into new since last time / not decided yet
STATUS = {
    "new-since-last": "New since your last check",
    "undecided": "Not decided yet",
    "to-delete": "You chose to delete it",
    "still-there": "Still there: you chose to delete it",
    "accepted": "You chose to keep it",
    "false-positive": "You said it is not a problem",
    "skipped": "Skipped for now",
    "deleted": "Deleted",
}
STATUS_ORDER = tuple(STATUS)
DECISION = {"to-delete": "Delete", "accepted": "Keep", "false-positive": "Not a problem", "skipped": "Later"}


def platform(p: str) -> str:
    return PLATFORM.get(p, (p or "unknown").capitalize())


def short_platform(p: str) -> str:
    return SHORT_PLATFORM.get(p, platform(p))


def kind(k: str) -> str:
    return KIND.get(k, k or "post")


def category(c: str) -> str:
    return CATEGORY.get(c, (c or "").replace("-", " ").capitalize())


def status(s: str) -> str:
    return STATUS.get(s, s.replace("-", " "))


def sure(confidence: float) -> str:
    """How sure the checks are, in words (never a number in the default view)."""
    if confidence >= 0.85:
        return "We are very sure about this."
    if confidence >= 0.6:
        return "We are fairly sure about this."
    return "We are not sure about this: read it and judge for yourself."


def action(action: str, category: str = "", kind: str = "", platform: str = "", level: str = "check") -> str:
    """The one thing to do, as a short instruction."""
    if platform == "photos":
        if category == "location" or action == "edit":
            return "Remove the location from the photo file"
        if action == "delete":
            return "Delete it wherever you posted it"
    if action == "delete":
        if kind == "like":
            return "Unlike it"
        if kind == "repost":
            return "Undo the repost"
        noun = kind if kind in ("comment", "reply", "story", "photo", "message") else "post"
        return f"Delete this {noun}"
    if action == "edit":
        if category == "location":
            return "Remove the location"
        return "Edit the post"
    if action == "restrict":
        return "Limit who can see it"
    if level == "act":
        return "Look at it now and decide"
    return "Read it again and decide"


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def day(dt: datetime | None) -> str:
    """2 Mar 2015"""
    return f"{dt.day} {dt:%b %Y}" if dt else "date unknown"


def day_iso(iso: str | None) -> str:
    try:
        return day(datetime.strptime((iso or "")[:10], "%Y-%m-%d"))
    except ValueError:
        return "date unknown"


# -- explanations in plain words ---------------------------------------------------------------
# The analysers' explanations say what triggered a finding; some carry technical words (scores,
# library names, file-format terms). The card shows a cleaned sentence; the full text stays in the
# folded details.
_TECH_PAREN = re.compile(r"\s*\((?:[^()]*\b(?:score|presidio|spacy|model|confidence|exif|xmp|regex)\b[^()]*)\)",
                         re.IGNORECASE)
_TECH_CLAUSE = re.compile(r"\s*(?:score|model score|presidio score)\s+\d(?:\.\d+)?;?", re.IGNORECASE)
_REPLACE = [
    (re.compile(r"the photo file's EXIF metadata holds the GPS position where it was taken", re.I),
     "the photo file itself records where it was taken"),
    (re.compile(r"\bEXIF metadata\b", re.I), "hidden data in the file"),
    (re.compile(r"\bEXIF\b"), "hidden data in the file"),
    (re.compile(r"\bGPS position\b", re.I), "exact position"),
    (re.compile(r"\bGPS\b"), "location"),
    (re.compile(r"Reads like offensive posts the model was trained on", re.I),
     "Reads like offensive posts we have seen before"),
]


def plain(explanation: str) -> str:
    """An analyser's explanation without scores, library names or file-format jargon."""
    text = _TECH_PAREN.sub("", explanation or "")
    text = _TECH_CLAUSE.sub("", text)
    for pattern, repl in _REPLACE:
        text = pattern.sub(repl, text)
    text = re.sub(r"\(\s*;?\s*", "(", text)
    text = re.sub(r"\s+([.,;:])", r"\1", text)
    return re.sub(r"\s{2,}", " ", text).strip()


def technical(text: str) -> bool:
    """Whether a text still carries words the default view must not show (used by tests)."""
    return bool(re.search(r"\b(?:presidio|spacy|score \d|exif|layout|CONF\d|PII\d|OFF\d)\b", text or "", re.I))


_PREFIXES = ("Text read from the image: ", "In the caption: ", "You liked this post (someone else's words): ",
             "You reposted this (someone else's words): ", "You shared this (someone else's words): ")


def _top_level_colon(text: str) -> int:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == ":" and depth == 0 and text[i + 1:i + 2] == " ":
            return i
    return -1


def one_line(text: str, limit: int = 150) -> str:
    """A plain explanation cut to one line for the card. A long sentence that lists what it found
    after a colon ("Details that together could identify a service user: name ...; age ...") keeps
    the part before the colon (the post's text shows the words highlighted); any other long one is
    cut at a word. The full sentence is in the card's details."""
    text = (text or "").strip()
    if len(text) <= limit:
        return text
    prefix = next((p for p in _PREFIXES if text.startswith(p)), "")
    rest = text[len(prefix):]
    i = _top_level_colon(rest)
    if i >= 12:
        head, tail = rest[:i], rest[i + 2:]
        if (tail.count(";") >= 1 or tail.count("'") >= 4) and len(prefix + head) < limit:
            return prefix + head.rstrip(".") + "."
    cut = (prefix + rest)[:limit].rsplit(" ", 1)[0].rstrip(",;:(")
    return cut + "\u2026"
