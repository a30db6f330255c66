"""Meta's HTML exports (Facebook, Instagram), read with lxml: pages, blocks and what a block holds.

A page of a Meta "Download your information" HTML export lists one record per block. Two
generations of markup, seen in real downloads (tests/fixtures/html-skeletons, SOURCES.md there):

  2019-2021  <div class="pam _3-95 _2pi0 _2lej uiBoxWhite noborder">   block
               <div class="_3-96 _2pio _2lek _2lel">header</div>      optional ("X updated his status.")
               <div class="_3-96 _2let">body</div>
               <div class="_3-94 _2lem">date</div>                     sometimes inside an <a>
  2022+      <div class="_a6-g"> (Instagram: "pam _3-95 _2ph- _a6-g uiBoxWhite noborder")
               <div class="_2ph_ _a6-h _a6-i">header</div>             optional
               <div class="_2ph_ _a6-p">body</div>                     optional (a header-only block)
               <div class="_3-94 _a6-o"><a><div class="_a72d">date</div></a></div>

Blocks are the outermost elements with those class tokens; when a page has neither, the children
of its role="main" element that end in a date are taken instead. Inside a block, the header,
body and date are found by class and, failing that, by position (the date is the last part that
reads as a date; the header a text-only part before the body).

Inside the body, text is sorted by structure, never by its words (every label is localised):
- the post's own words: text at most two levels below a `_2pin` part (or outside any `_2pin`);
- attached content (a shared link's title, a shared memory): text deeper inside a `_2pin`;
- media: <img>/<video> with a file path, each with its group (the largest element around it that
  holds no other media): `_3-95` text there is the photo's description, other text its album label,
  tables there its metadata (upload IP, latitude/longitude, device, date taken ...);
- key/value tables elsewhere in the body (check-ins, comments written as tables);
- "Label: value" pairs written as a <span> ending in a colon and the text after it (Group: ...);
- a place: a line ending in "(lat, lon)" (after any label: Place:, Lieu :, Lugar:, Ort:, 地點 ...),
  with the next "Label: ..." line as its address;
- edit stamps and other date lines: a line made only of a short label and a date with a time
  ("Updated ...", "Mis à jour : ...", "Actualizado ...", "已在 … 更新"), or of a date alone; only
  whole lines of their own element (or the last line of it) count, so text that merely ends with
  a date stays text.

Hostile input: the page is parsed by libxml2's HTML parser (recovering from any markup, no
network, no entity expansion beyond HTML's own), capped in size by the caller; every walk over
the tree is iterative, so deep nesting cannot exhaust the stack.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from lxml import etree

from ._dates import parse_date, parse_time, stamp

MAX_HTML_BYTES = 256 * 1024 * 1024

BLOCK_TAGS = frozenset("address article aside blockquote div dl dt dd footer form h1 h2 h3 h4 h5 h6 header "
                       "li main nav ol p pre section table tbody thead tfoot tr td th ul caption figure "
                       "figcaption hr".split())
SKIP_TAGS = frozenset(("script", "style", "head", "title", "template", "noscript", "iframe", "object"))
MEDIA_EXT = frozenset("jpg jpeg png webp heic heif bmp gif mp4 mov m4v webm 3gp avi".split())

BLOCK_CLASSES = ("_a6-g",)                       # 2022+ (Facebook and Instagram)
OLD_BLOCK_CLASSES = ({"pam", "uiBoxWhite"},)     # 2019-2021
HEADER_CLASSES = frozenset(("_a6-h", "_2lel", "_2pio", "_2lek"))
BODY_CLASSES = frozenset(("_a6-p", "_2let"))
DATE_CLASSES = frozenset(("_a6-o", "_2lem", "_3-94"))
PIN = "_2pin"
DESC = "_3-95"

_COORDS_AT_END = re.compile(
    r"\(\s*(?P<lat>[-−]?\d{1,3}(?:[.,]\d+)?)\s*[,;]\s*(?P<lon>[-−]?\d{1,3}(?:[.,]\d+)?)\s*\)\s*$")
_LABEL = re.compile(r"^(?P<label>[^\d():：]{1,40}?)\s*[:：]\s*(?P<value>.*)$", re.S)
_URLISH = re.compile(r"^(?:https?://|www\.)\S+$", re.I)


class HtmlError(ValueError):
    """The bytes could not be parsed as HTML at all (empty, or not text)."""


def classes(el) -> frozenset[str]:
    c = el.get("class") if isinstance(el.tag, str) else None
    return frozenset(c.split()) if c else frozenset()


def parse(data: bytes | str) -> etree._Element:
    """The page's root element. Bytes are decoded as UTF-8 (bad bytes replaced), NULs dropped."""
    if isinstance(data, bytes):
        if len(data) > MAX_HTML_BYTES:
            raise HtmlError(f"page larger than {MAX_HTML_BYTES >> 20} MiB")
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        text = data.decode("utf-8", errors="replace")
    else:
        text = data
    text = text.replace("\x00", "")
    if not text.strip():
        raise HtmlError("empty page")
    parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True,
                        recover=True, collect_ids=False, default_doctype=False)
    try:
        root = etree.fromstring(text.encode("utf-8", errors="replace"), parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise HtmlError(str(exc)) from exc
    if root is None:
        raise HtmlError("no markup found")
    return root


def all_text(el) -> str:
    """Every text node below an element (no line breaks added; comments and processing
    instructions are not text)."""
    return "".join(t for t in el.itertext() if isinstance(t, str))


_SPACES = re.compile(r"[ \t\n\r\f\v\u00a0\u202f\u200b]+")


def norm_space(s: str) -> str:
    return _SPACES.sub(" ", s).strip()


def text_of(el, skip=SKIP_TAGS) -> str:
    """Visible text: <br> and block ends become line breaks; runs of spaces one space."""
    return "\n".join(ln.text for ln in walk_lines(el, skip=skip))


def page_title(root) -> str:
    t = root.find(".//title")
    return norm_space(all_text(t)) if t is not None else ""


def base_href(root) -> str:
    b = root.find(".//base")
    return str(b.get("href") or "") if b is not None else ""


# -- lines -----------------------------------------------------------------------------------------
@dataclass
class Line:
    text: str
    owner: object                       # the element whose text started the line
    container: object                   # its nearest block-level element
    anchors: list = field(default_factory=list)    # (href, anchor text) of the <a> in the line
    label: str = ""                     # "Group:" when the line starts with a <span> ending in a colon
    whole: bool = False                 # the only line of its container
    last: bool = False                  # the last line of its container


def walk_lines(root, skip=SKIP_TAGS, skip_el=lambda el: False) -> list[Line]:
    """The lines of text below `root`, in document order (iterative: deep trees are fine)."""
    lines: list[Line] = []
    buf: list[str] = []
    cur: dict = {}
    block_stack = [root]
    skipping = 0
    anchor_stack: list = []

    has_text = [False]

    def flush() -> None:
        if buf:
            if has_text[0]:
                text = norm_space("".join(buf))
                if text:
                    lines.append(Line(text, cur.get("owner"), cur.get("container"), cur.get("anchors", []),
                                      cur.get("label", "")))
            buf.clear()
            has_text[0] = False
        if cur:
            cur.clear()

    def add(text: str | None, owner) -> None:
        if not text:
            return
        if not has_text[0]:
            if text.isspace():
                buf.append(text)
                return
            cur["owner"] = owner
            cur["container"] = block_stack[-1]
            has_text[0] = True
        buf.append(text)
        for a in anchor_stack:
            a[1].append(text)

    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if skipping:
                skipping += 1
                continue
            if el is not root and (tag in SKIP_TAGS or tag in skip or not tag or skip_el(el)):
                if tag in BLOCK_TAGS:
                    flush()
                skipping = 1
                continue
            if tag in BLOCK_TAGS or tag == "br":
                flush()
            if tag in BLOCK_TAGS:
                block_stack.append(el)
            if tag == "span" and not has_text[0]:
                t = norm_space(all_text(el))
                if 0 < len(t) <= 41 and t[-1] in ":：":
                    cur["label"] = t
            if tag == "a":
                rec = (str(el.get("href") or ""), [])
                anchor_stack.append(rec)
                cur.setdefault("anchors", []).append(rec)
            add(el.text, el)
        else:
            if skipping:
                skipping -= 1
                if skipping == 0 and el is not root:
                    if tag in BLOCK_TAGS:
                        flush()
                    add(el.tail, el.getparent())
                continue
            if tag == "a" and anchor_stack:
                anchor_stack.pop()
            if tag in BLOCK_TAGS:
                flush()
                if len(block_stack) > 1:
                    block_stack.pop()
            if el is not root:
                add(el.tail, el.getparent())
    flush()
    # (href, text) of each anchor; whole/last per container
    by_container: dict[int, list[Line]] = {}
    for ln in lines:
        ln.anchors = [(h, norm_space("".join(t))) for h, t in ln.anchors]
        by_container.setdefault(id(ln.container), []).append(ln)
    for group in by_container.values():
        group[-1].last = True
        if len(group) == 1:
            group[0].whole = True
    return lines


# -- blocks --------------------------------------------------------------------------------------
@dataclass
class Block:
    index: int
    el: object
    header: str
    body: list                          # the body elements (usually one)
    date_text: str
    datetime_attr: str = ""             # a <time datetime="..."> in the date part, if any


def _outermost(els: list) -> list:
    ids = {id(e) for e in els}
    out = []
    for e in els:
        if not any(id(a) in ids for a in e.iterancestors()):
            out.append(e)
    return out


def _has_class(cls: str) -> str:
    """An XPath test for a class token (never a substring of another class)."""
    return f'//*[contains(concat(" ", normalize-space(@class), " "), " {cls} ")]'


def find_blocks(root) -> list[Block]:
    """The record blocks of an export page, in document order."""
    els = root.xpath(" | ".join(_has_class(c) for c in BLOCK_CLASSES))
    if not els:
        els = root.xpath(" | ".join("//*[" + " and ".join(_has_class(c)[4:-1] for c in sorted(group)) + "]"
                                    for group in OLD_BLOCK_CLASSES))
    if not els:
        # structure only: children of the main region that end in a date
        for main in root.iter():
            if isinstance(main.tag, str) and main.get("role") == "main":
                for child in main:
                    if isinstance(child.tag, str) and len(child) and _is_date_part(child[-1]):
                        els.append(child)
    return [_split(i, e) for i, e in enumerate(_outermost(els))]


def _is_date_part(el) -> bool:
    if not isinstance(el.tag, str):
        return False
    if classes(el) & DATE_CLASSES:
        return True
    t = norm_space(all_text(el))
    return bool(t) and len(t) <= 80 and parse_time(t) is not None


def _inline_only(el) -> bool:
    for d in el.iter():
        if d is el or not isinstance(d.tag, str):
            continue
        if d.tag in BLOCK_TAGS or d.tag in ("img", "video", "table"):
            return False
    return True


def _split(i: int, el) -> Block:
    parts = [c for c in el if isinstance(c.tag, str) and c.tag not in SKIP_TAGS]
    date_el = next((c for c in reversed(parts) if classes(c) & DATE_CLASSES), None)
    if date_el is None and parts and _is_date_part(parts[-1]) and len(parts) > 1:
        date_el = parts[-1]
    rest = [c for c in parts if c is not date_el]
    header_el = next((c for c in rest if classes(c) & HEADER_CLASSES or c.tag in ("h1", "h2", "h3", "h4", "h5", "h6")),
                     None)
    if header_el is None and len(rest) >= 2 and not classes(rest[0]) & BODY_CLASSES and _inline_only(rest[0]):
        header_el = rest[0]
    body = [c for c in rest if c is not header_el]
    date_text, dt_attr = "", ""
    if date_el is not None:
        date_text = norm_space(all_text(date_el))
        t = date_el.find(".//time")
        if t is not None and t.get("datetime"):
            dt_attr = str(t.get("datetime"))
    header = "\n".join(ln.text for ln in walk_lines(header_el)) if header_el is not None else ""
    return Block(i, el, header, body, date_text, dt_attr)


def block_time(block: Block, zone: timezone) -> datetime | None:
    if block.datetime_attr:
        try:
            dt = datetime.fromisoformat(block.datetime_attr.replace("Z", "+00:00"))
            return dt.astimezone(timezone.utc) if dt.tzinfo else dt.replace(tzinfo=zone).astimezone(timezone.utc)
        except ValueError:
            pass
    m = parse_date(block.date_text, zone) if block.date_text else None
    return m.when if m is not None and m.has_time else None


# -- tables ----------------------------------------------------------------------------------------
def table_rows(table) -> list[tuple[str, str]]:
    """(label, value) of each row of a key/value table: two cells, or one cell holding the label
    (as its own text, or as its first child) and the value (the rest)."""
    out = []
    for tr in table.iter("tr"):
        cells = [c for c in tr if isinstance(c.tag, str) and c.tag in ("td", "th")]
        if len(cells) >= 2:
            out.append((text_of(cells[0]).replace("\n", " "), text_of(cells[1])))
        elif len(cells) == 1:
            cell = cells[0]
            own = norm_space(cell.text or "")
            kids = [c for c in cell if isinstance(c.tag, str)]
            if own:
                value = "\n".join(t for t in (text_of(c) for c in kids) if t)
                tails = " ".join(norm_space(c.tail or "") for c in kids if norm_space(c.tail or ""))
                out.append((own, "\n".join(x for x in (value, tails) if x)))
            elif kids:
                label = text_of(kids[0]).replace("\n", " ")
                value = "\n".join(t for t in (text_of(c) for c in kids[1:]) if t)
                out.append((label, value) if value or len(kids) > 1 else ("", label))
    return [(norm_space(a), b.strip()) for a, b in out if a.strip() or b.strip()]


# -- what a block holds ------------------------------------------------------------------------------
@dataclass
class MediaRef:
    src: str
    video: bool = False
    desc: list = field(default_factory=list)         # `_3-95` text in its group
    labels: list = field(default_factory=list)       # other text in its group (the album name)
    rows: list = field(default_factory=list)         # (label, value) of tables in its group or after it


@dataclass
class Content:
    own: list = field(default_factory=list)          # the user's own lines
    attached: list = field(default_factory=list)     # attached content (shared link titles, memories)
    media: list = field(default_factory=list)        # MediaRef
    links: list = field(default_factory=list)        # http(s) links, in order
    stamps: list = field(default_factory=list)       # (label, datetime)
    dates: list = field(default_factory=list)        # date-only lines (datetime)
    pairs: list = field(default_factory=list)        # ("Group:", value) label/value lines
    rows: list = field(default_factory=list)         # (label, value) rows of tables not about media
    place: tuple | None = None                       # (name, lat, lon) from a "... (lat, lon)" line
    address: str = ""

    @property
    def empty(self) -> bool:
        return not (self.own or self.attached or self.media or self.links or self.pairs or self.rows
                    or self.place)


def media_src(el) -> tuple[str, bool] | None:
    """(path, is_video) for an element that references a file of the export; None otherwise."""
    tag = el.tag
    if tag in ("img", "video", "source"):
        src = str(el.get("src") or "").strip()
        video = tag != "img"
    elif tag == "a":
        src = str(el.get("href") or "").strip()
        video = False
        tail = src.split("?", 1)[0].rsplit("/", 1)[-1]
        if ("." not in tail or tail.rsplit(".", 1)[-1].lower() not in MEDIA_EXT) and \
                not src.startswith(("media/", "photos/", "videos/")):
            return None                                   # Instagram links its files by folder
        if any(isinstance(d.tag, str) and d.tag in ("img", "video") for d in el.iter()):
            return None                                   # the <img> inside is the reference
    else:
        return None
    if not src or re.match(r"^(?:[a-z][a-z0-9+.-]*:|//)", src, re.I):
        return None
    return src, video


def read_block(block: Block, zone: timezone = timezone.utc) -> Content:
    out = Content()
    for body in block.body:
        _read_body(body, out, zone)
    return out


def _read_body(body, out: Content, zone: timezone) -> None:
    # lxml hands out a new proxy object for a node whose last proxy was freed, so identities (id())
    # are only stable while a reference is held: keep every element of the body alive here
    alive = [el for el in body.iter() if isinstance(el.tag, str)]
    media_els = []
    seen: dict[str, MediaRef] = {}
    for el in alive:
        if not isinstance(el.tag, str):
            continue
        got = media_src(el)
        if got is None:
            continue
        key = got[0].split("?", 1)[0]
        if key in seen:
            continue
        ref = MediaRef(got[0], got[1])
        seen[key] = ref
        media_els.append((el, ref))
        out.media.append(ref)
    count: dict[int, int] = {}
    pins: set[int] = set()
    for el in alive:
        if _is_pin(el):
            pins.add(id(el))
            for a in el.iterancestors():
                pins.add(id(a))
                if a is body:
                    break
    for el, _ in media_els:
        for a in el.iterancestors():
            if a is body:
                break
            count[id(a)] = count.get(id(a), 0) + 1
    group_of: dict[int, MediaRef] = {}
    group_el: dict[int, object] = {}                # id(MediaRef) -> its group element
    for el, ref in media_els:
        g = el
        p = el.getparent()
        while p is not None and p is not body and count.get(id(p), 0) == 1 and id(p) not in pins:
            g = p
            p = p.getparent()
        group_el[id(ref)] = g
        for d in g.iter():
            group_of[id(d)] = ref
    # tables: in a media group -> that media's metadata; otherwise rows of the block (or of the
    # media before them, for metadata-looking rows). Tables that lay out media are walked as text.
    order = {id(e): i for i, e in enumerate(alive)}
    media_pos = [(order[id(el)], ref) for el, ref in media_els]       # in document order
    media_order = [pos for pos, _ in media_pos]
    layout_tables: set[int] = set()
    for t in body.iter("table"):
        if any(media_src(d) for d in t.iter() if isinstance(d.tag, str)):
            layout_tables.add(id(t))
            continue
        if any(id(a) in group_of for a in (t,)):
            group_of[id(t)].rows.extend(table_rows(t))
            continue
        rows = table_rows(t)
        k = bisect.bisect_left(media_order, order[id(t)])
        if k and not any(_COORDS_AT_END.search(v) and v.lstrip().startswith("(") for _, v in rows):
            media_pos[k - 1][1].rows.extend(rows)  # a table after a photo is about the photo
        else:
            out.rows.extend(rows)                 # check-in places, comments written as tables

    def skip_el(el) -> bool:
        return (el.tag == "table" and id(el) not in layout_tables) or el.tag == "video"

    lines = walk_lines(body, skip_el=skip_el)
    place_line = False
    for ln in lines:
        ref = group_of.get(id(ln.owner))
        if ref is not None:
            if _in_class(ln.owner, DESC, stop=group_el[id(ref)]):
                ref.desc.append(ln.text)
            elif parse_time(ln.text, zone) is None:
                ref.labels.append(ln.text)
            place_line = False
            continue
        pl = _place(ln)
        if pl is not None:
            out.place = pl
            place_line = True
            continue
        if place_line and _LABEL.match(ln.text) and not out.address:
            out.address = _LABEL.match(ln.text).group("value").strip()
            place_line = False
            continue
        place_line = False
        if ln.whole or ln.last:
            st = stamp(ln.text, zone)
            if st is not None:
                out.stamps.append(st)
                continue
            dt = parse_time(ln.text, zone)
            if dt is not None:
                out.dates.append(dt)
                continue
        if ln.label and ln.text.startswith(ln.label):
            out.pairs.append((ln.label.rstrip(" :："), ln.text[len(ln.label):].strip()))
            continue
        links = [(h, t) for h, t in ln.anchors if re.match(r"^https?://", h, re.I)]
        for h, _ in links:
            if h not in out.links:
                out.links.append(h)
        if links and norm_space(" ".join(t for _, t in ln.anchors)) == ln.text:
            # a line that is only a link: its text is the address again, or the link's title
            if all(_URLISH.match(t) or t == h for h, t in links):
                continue
            out.attached.append(ln.text)
            continue
        (out.own if _own(ln.owner, body) else out.attached).append(ln.text)


def _in_class(el, cls: str, stop) -> bool:
    node = el
    while node is not None:
        if cls in classes(node):
            return True
        if node is stop:
            return False
        node = node.getparent()
    return False


def _is_pin(el) -> bool:
    """A `_2pin` part of a body (the table cells that carry the class too are not parts)."""
    return PIN in classes(el) and el.tag not in ("td", "th", "tr", "table")


def _own(el, body) -> bool:
    """The user's own words: not inside a `_2pin`, or at most two elements below one (an
    attachment's words sit three to six levels down: a shared memory, a link's title)."""
    depth = 0
    node = el
    while node is not None and node is not body:
        if _is_pin(node):
            return depth <= 2
        depth += 1
        node = node.getparent()
    return True


def _place(ln: Line) -> tuple | None:
    m = _COORDS_AT_END.search(ln.text)
    if not m:
        return None
    try:
        lat = float(m.group("lat").replace(",", ".").replace("−", "-"))
        lon = float(m.group("lon").replace(",", ".").replace("−", "-"))
    except ValueError:
        return None
    from auditor.model import valid_position
    if not valid_position(lat, lon):
        return None
    head = ln.text[:m.start()].strip()
    lab = _LABEL.match(head)
    name = lab.group("value").strip() if lab else head
    anchor = next((t for h, t in ln.anchors if t and not _URLISH.match(t)), "")
    name = anchor or name
    return (name or None, lat, lon)


def outside_blocks_text(root, blocks: list[Block]) -> list[Line]:
    """Lines of the page that are not in any block (page header, album description)."""
    ids = {id(b.el) for b in blocks}
    body = root.find(".//body")
    return walk_lines(body if body is not None else root, skip_el=lambda el: id(el) in ids)
