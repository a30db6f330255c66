"""Helpers shared by the Meta importers (Facebook, Instagram, Threads).

Meta's JSON exports write UTF-8 bytes as \\u00XX escapes ("mojibake"): "café" arrives as
"cafÃ©". Repair: encode the string as Latin-1 (giving back the original bytes) and decode
as UTF-8; where that round trip fails the string was not mojibake and is kept as it is.
"""
from __future__ import annotations

import re as _re
from dataclasses import dataclass as _dataclass, field as _field
from datetime import datetime as _datetime, timezone as _timezone
from html.parser import HTMLParser as _HTMLParser
from typing import Any


def fix_mojibake(s: str) -> str:
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def fix_all(value: Any) -> Any:
    """Repair every string in a parsed JSON value (keys too)."""
    if isinstance(value, str):
        return fix_mojibake(value)
    if isinstance(value, list):
        return [fix_all(v) for v in value]
    if isinstance(value, dict):
        return {fix_mojibake(k) if isinstance(k, str) else k: fix_all(v) for k, v in value.items()}
    return value


# -- Meta HTML exports (shared by the Facebook and Instagram importers) ------------------------
# Facebook's "Download your information" defaults to HTML, and Instagram offers it too. The
# files are proper UTF-8 (no mojibake). Markup (2023+, see shared/reference/archive-formats.md
# section 12): one card per record, class token `_a6-g`; its title `_a6-h`; its body `_a6-p`;
# its date `_a6-o` (the text sits in a nested `_a72d` in Facebook's files); key/value tables with
# label cells `_a6_q`. 2019-2021 markup used `_2lel` / `_2let` / `_2lem` for the same three parts.
# Class names are matched as tokens, never as whole attributes, and every lookup has a structural
# fallback (first heading; the last text that reads as a date) because Meta renames classes.

_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_BLOCK = frozenset("address article aside blockquote div dl dt dd footer form h1 h2 h3 h4 h5 h6 "
                   "header li main nav ol p pre section table tbody thead tfoot tr ul".split())
_SKIP = frozenset(("script", "style", "head", "title", "template", "noscript"))


@_dataclass(eq=False)
class HtmlNode:
    """A parsed element: tag, attributes, children (nodes and text strings), parent."""
    tag: str
    attrs: dict = _field(default_factory=dict)
    children: list = _field(default_factory=list)
    parent: "HtmlNode | None" = None

    @property
    def classes(self) -> set[str]:
        return set(str(self.attrs.get("class") or "").split())

    def iter(self):
        """This node and every element below it, in document order."""
        stack = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed([c for c in node.children if isinstance(c, HtmlNode)]))

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list["HtmlNode"]:
        return [n for n in self.iter() if n is not self and (tag is None or n.tag == tag)
                and (cls is None or cls in n.classes)]

    def find(self, tag: str | None = None, cls: str | None = None) -> "HtmlNode | None":
        return next((n for n in self.iter() if n is not self and (tag is None or n.tag == tag)
                     and (cls is None or cls in n.classes)), None)

    def text(self, skip: "set[str] | frozenset[str]" = frozenset()) -> str:
        """The visible text: <br> and block ends become line breaks, runs of spaces one space."""
        parts: list[str] = []

        def walk(node: HtmlNode) -> None:
            for c in node.children:
                if isinstance(c, str):
                    parts.append(c)
                elif c.tag == "br":
                    parts.append("\n")
                elif c.tag not in skip and c.tag not in _SKIP:
                    walk(c)
                    if c.tag in _BLOCK:
                        parts.append("\n")
        walk(self)
        lines = (_re.sub(r"[ \t\r\f\v\u00a0]+", " ", ln).strip() for ln in "".join(parts).split("\n"))
        return "\n".join(ln for ln in lines if ln)


class _TreeBuilder(_HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = HtmlNode("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = HtmlNode(tag, {k: (v if v is not None else "") for k, v in attrs}, [], self.stack[-1])
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        node = HtmlNode(tag, {k: (v if v is not None else "") for k, v in attrs}, [], self.stack[-1])
        self.stack[-1].children.append(node)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):        # close up to the matching open tag
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return                                      # a stray end tag is ignored

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> HtmlNode:
    """Parse an HTML document into a small tree (standard library parser, never raises on
    malformed markup: unclosed tags are closed at the end, stray end tags ignored)."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def html_base(root: HtmlNode) -> str:
    """The document's <base href> ("" when absent)."""
    base = root.find("base")
    return str(base.attrs.get("href", "")) if base is not None else ""


@_dataclass
class HtmlCard:
    """One record of a Meta HTML export page."""
    node: HtmlNode
    title: str
    body: HtmlNode | None
    date_text: str


def _first(node: HtmlNode, classes: tuple[str, ...]) -> HtmlNode | None:
    for n in node.iter():
        if n is not node and n.classes & set(classes):
            return n
    return None


DATE_CLASSES = ("_a72d", "_a6-o", "_2lem", "_3-94")
TITLE_CLASSES = ("_a6-h", "_2lel", "_2lek")
BODY_CLASSES = ("_a6-p", "_2let")


def html_cards(root: HtmlNode) -> list[HtmlCard]:
    """The records of a Meta HTML export page, in document order."""
    nodes = [n for n in root.iter() if n.classes & {"_a6-g"}]
    if not nodes:                                            # 2019-2021 markup
        nodes = [n for n in root.iter() if {"pam", "uiBoxWhite"} <= n.classes]
    cards = []
    for node in nodes:
        title_node = _first(node, TITLE_CLASSES) or node.find("h2") or node.find("h3")
        body = _first(node, BODY_CLASSES)
        date_node = next((_first(node, (c,)) for c in DATE_CLASSES if _first(node, (c,)) is not None), None)
        date_text = date_node.text() if date_node is not None else ""
        if not date_text or parse_meta_time(date_text) is None:
            # fallback: the last line of the card that reads as a date
            for line in reversed(node.text().split("\n")):
                if parse_meta_time(line) is not None:
                    date_text = line
                    break
        cards.append(HtmlCard(node, title_node.text() if title_node is not None else "", body, date_text))
    return cards


def html_table_rows(node: HtmlNode) -> list[tuple[str, str, HtmlNode]]:
    """(label, value, row) for each row of the key/value tables below `node` (label cells `_a6_q`
    or the first cell of a two-cell row)."""
    rows = []
    for tr in node.find_all("tr"):
        cells = [c for c in tr.children if isinstance(c, HtmlNode) and c.tag in ("td", "th")]
        if len(cells) >= 2:
            rows.append((cells[0].text(), cells[1].text(), tr))
        elif len(cells) == 1:
            # 2023+ pages put label and value in one cell: <td><div class="_a6_q">label</div>value</td>
            lab = _first(cells[0], ("_a6_q",))
            if lab is not None:
                full = cells[0].text()
                label = lab.text()
                rows.append((label, full[len(label):].strip() if full.startswith(label) else full, tr))
    return rows


# -- timestamps -------------------------------------------------------------------------------
# Month names as Meta's HTML exports localise them (the first letters are enough): English,
# Welsh, French, German, Spanish, Italian, Dutch, Portuguese, Danish/Norwegian/Swedish, Polish.
_MONTHS = {
    1: ("jan", "ion", "janv", "ene", "gen", "sty"),
    2: ("feb", "chw", "fév", "fev", "febr", "lut"),
    3: ("mar", "maw", "mär", "mrt", "mär"),
    4: ("apr", "ebr", "avr", "abr", "kwi"),
    5: ("may", "mai", "mag", "mei", "maj", "mayo"),
    6: ("jun", "meh", "juin", "giu", "cze"),
    7: ("jul", "gor", "juil", "lug", "lip"),
    8: ("aug", "aws", "aoû", "aou", "ago", "sie"),
    9: ("sep", "med", "set", "wrz"),
    10: ("oct", "hyd", "okt", "ott", "out", "paź", "paz"),
    11: ("nov", "tac", "lis"),
    12: ("dec", "rha", "déc", "dez", "dic", "gru"),
}
_MONTH_BY_STEM = {stem: m for m, stems in _MONTHS.items() for stem in stems}
_TIME = _re.compile(r"(?<!\d)(\d{1,2})\s*[:h]\s*(\d{2})(?:\s*:\s*(\d{2}))?(?!\d)\s*"
                    r"(a\.?\s?m\.?|p\.?\s?m\.?)?", _re.I)


def _month(word: str) -> int | None:
    w = word.casefold().strip(".")
    for n in (4, 3):                     # "juin"/"juil" need four letters; the rest three
        if len(w) >= n and w[:n] in _MONTH_BY_STEM:
            return _MONTH_BY_STEM[w[:n]]
    return None


def parse_meta_time(text: str, zone=_timezone.utc) -> _datetime | None:
    """A date as Meta's HTML exports print it ("Aug 09, 2026 9:49 am", "Dec 06, 2012 2:45:14pm",
    "6 déc. 2012 14:45", "06.12.2012 14:45", "2012-12-06 14:45:14"), read in `zone` (the files
    carry no zone; the callers say which they assume) and returned in UTC. None when it is not a date."""
    s = " ".join(str(text or "").split())
    if not s or len(s) > 60:
        return None
    mt = _TIME.search(s)
    if not mt:
        return None
    hour, minute, second = int(mt.group(1)), int(mt.group(2)), int(mt.group(3) or 0)
    ampm = (mt.group(4) or "").replace(".", "").replace(" ", "").casefold()
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    rest = (s[:mt.start()] + " " + s[mt.end():]).strip()
    year = month = day = None
    iso = _re.search(r"(\d{4})-(\d{1,2})-(\d{1,2})", rest)
    num = _re.search(r"(?<!\d)(\d{1,2})[./](\d{1,2})[./](\d{4})(?!\d)", rest)
    if iso:
        year, month, day = int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
    elif num:                              # day first (UK and most European locales)
        day, month, year = int(num.group(1)), int(num.group(2)), int(num.group(3))
    else:
        words = _re.findall(r"[^\W\d_]+\.?", rest)
        months = [m for m in (_month(w) for w in words) if m]
        years = _re.findall(r"(?<!\d)(\d{4})(?!\d)", rest)
        days = _re.findall(r"(?<!\d)(\d{1,2})(?!\d)", rest)
        if len(months) != 1 or len(years) != 1 or len(days) != 1:
            return None
        year, month, day = int(years[0]), months[0], int(days[0])
    try:
        local = _datetime(year, month, day, hour, minute, second, tzinfo=zone)
    except ValueError:
        return None
    return local.astimezone(_timezone.utc)


def from_unix(value: Any) -> _datetime | None:
    """A Meta JSON timestamp (Unix seconds; milliseconds when it is too big) in UTC, or None for
    missing, zero, negative (Meta writes year-0 garbage such as -62169958800) or unreadable values."""
    try:
        ts = float(value)
    except (TypeError, ValueError):
        return None
    if ts > 1e11:
        ts /= 1000.0
    if ts <= 0:
        return None
    try:
        return _datetime.fromtimestamp(ts, _timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


_COORDS = _re.compile(r"^\s*\(?\s*(-?\d{1,3}(?:[.,]\d+)?)\s*[,;]\s*(-?\d{1,3}(?:[.,]\d+)?)\s*\)?\s*$")


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """"(38.5758 , -121.4804)" (Meta's check-in string) -> (lat, lon); None when not coordinates."""
    mt = _COORDS.match(str(text or ""))
    if not mt:
        return None
    try:
        lat, lon = float(mt.group(1).replace(",", ".")), float(mt.group(2).replace(",", "."))
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon
