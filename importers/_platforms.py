"""Helpers shared by the TikTok, LinkedIn, Reddit, Mastodon and Bluesky importers.

Not an importer (the leading underscore keeps it out of discovery). What is here:

- ``Tally``: counts per file for the Coverage each importer yields (read, skipped by reason).
- ``iter_csv``: a platform CSV streamed in chunks through pandas, with LinkedIn's backslash-escaped
  quotes, its "Notes:" preamble, a size cap, and a Problem (file and record number) for every row that
  does not fit the header, never a silent skip.
- ``load_json``: a JSON member read with a size cap and a nesting guard; damage becomes a Problem.
- ``html_to_text``: Mastodon's HTML post bodies as plain text (paragraphs and <br> as line breaks,
  entities unescaped, invisible link parts dropped).
- ``parse_time``: the timestamp shapes these platforms write, as UTC.
- ``add_owner``: what an importer learned about the owner, for ``auditor init --from-archive``.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser
from typing import Any, Iterator

from auditor.archive import Archive
from auditor.model import Problem, utc
from auditor.plugins import Coverage

MiB = 1 << 20
CSV_LIMIT = 2 << 30              # the largest CSV streamed (a million-row file is far below this)
CSV_CHUNK_ROWS = 20_000          # rows per pandas chunk: memory stays flat whatever the file's length
JSON_LIMIT = 512 * MiB           # the largest JSON file read whole (TikTok, Mastodon outbox)
MAX_DEPTH = 200                  # deeper nesting than this is damage, not data
MAX_CELL = 1 * MiB               # one text cell larger than this is cut (and said so)


# -- coverage ----------------------------------------------------------------------------------
@dataclass
class Tally:
    """What one file held against what became posts."""
    member: str
    what: str
    read: int = 0
    expected: int | None = None
    skipped: Counter = field(default_factory=Counter)

    def skip(self, reason: str, n: int = 1) -> None:
        if n:
            self.skipped[reason] += n

    def coverage(self) -> Coverage:
        return Coverage(self.member, self.what, self.read, self.expected, dict(self.skipped))


# -- members ---------------------------------------------------------------------------------
def find_ci(archive: Archive, root: str, names: tuple[str, ...]) -> str | None:
    """The first member directly under `root` whose file name matches one of `names` (case and
    space/underscore insensitive: LinkedIn writes both `Rich Media.csv` and `Rich_Media.csv`)."""
    want = [_norm_name(n) for n in names]
    found: dict[str, str] = {}
    for m in archive.iter_files(root):
        rest = m[len(root):]
        if "/" in rest:
            continue
        key = _norm_name(rest)
        if key in want:
            found.setdefault(key, m)
    for w in want:
        if w in found:
            return found[w]
    return None


def _norm_name(name: str) -> str:
    return re.sub(r"[\s_]+", "_", name.strip().lower())


# -- JSON ----------------------------------------------------------------------------------------
_DEPTH_SCAN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


def _too_deep(raw: str, limit: int = MAX_DEPTH) -> bool:
    depth = 0
    for m in _DEPTH_SCAN.finditer(raw):
        tok = m.group()
        if tok in "[{":
            depth += 1
            if depth > limit:
                return True
        elif tok in "]}":
            depth -= 1
    return False


def load_json(archive: Archive, member: str, problems: list[Problem], limit: int = JSON_LIMIT) -> Any:
    """The parsed JSON of a member, or None with a Problem (too big, damaged, too deep)."""
    try:
        raw = archive.read_text(member, max_size=limit)
    except Exception as exc:  # damaged member, over the cap: a Problem
        problems.append(Problem(archive.path, member, f"could not be read: {exc}"))
        return None
    if not raw.strip():
        problems.append(Problem(archive.path, member, "the file is empty"))
        return None
    if _too_deep(raw):
        problems.append(Problem(archive.path, member, f"nested more than {MAX_DEPTH} levels deep: damaged "
                                "or not a platform export; skipped"))
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:
        problems.append(Problem(archive.path, member, f"not valid JSON ({exc}); the file was skipped"))
        return None


# -- CSV -----------------------------------------------------------------------------------------
def _header_fields(line: str) -> list[str]:
    try:
        row = next(csv.reader([line]))
    except (csv.Error, StopIteration):
        return []
    return [c.strip().lstrip("\ufeff").strip() for c in row]


class CsvFile:
    """One CSV member streamed in chunks; header checked before any row is read.

    ``rows()`` yields (record number from 1, {column: text}); a row whose field count does not fit
    the header is a Problem naming the line. ``count`` is the number of data rows seen (good and bad).
    """

    def __init__(self, archive: Archive, member: str, problems: list[Problem], *,
                 escapechar: str | None = "\\", chunk_rows: int | None = None):
        self.archive, self.member, self.problems = archive, member, problems
        self.escapechar = escapechar
        self.chunk_rows = chunk_rows or CSV_CHUNK_ROWS
        self.header: list[str] = []
        self.count = 0
        self.bad = 0
        self.failed = False
        self._fh: Any = None
        self._text: io.TextIOWrapper | None = None
        self._preamble = 0

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(self.archive.path, where, message))

    def open(self) -> bool:
        """Open the member and read up to and including the header. False (with a Problem) when it
        cannot be read or has no header."""
        try:
            size = self.archive.size(self.member)
            if size > CSV_LIMIT:
                self.problem(self.member, f"{size / MiB:,.0f} MiB, over the {CSV_LIMIT / MiB:,.0f} MiB limit "
                             "for one CSV file; skipped")
                return False
            self._fh = self.archive.open_member(self.member)
            self._text = io.TextIOWrapper(self._fh, encoding="utf-8-sig", errors="replace", newline="")
            line = self._text.readline(64 * 1024)
            # LinkedIn: some files start with free-text "Notes:" lines and a blank line before the header
            if line.lstrip("\ufeff").startswith("Notes:"):
                for _ in range(200):
                    self._preamble += 1
                    line = self._text.readline(64 * 1024)
                    if not line or not line.strip():
                        break
                self._preamble += 1
                line = self._text.readline(64 * 1024)
            self.header = _header_fields(line.rstrip("\r\n"))
        except Exception as exc:  # damaged member: a Problem
            self.problem(self.member, f"could not be read: {exc}")
            self.close()
            return False
        if not any(self.header):
            self.problem(self.member, "no header row (the file is empty or damaged); skipped")
            self.close()
            return False
        return True

    def has(self, *columns: str) -> bool:
        low = {h.lower() for h in self.header}
        return all(c.lower() in low for c in columns)

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        import pandas as pd  # loaded only when a CSV is read

        if self._text is None:
            return
        names = [h or f"column {i + 1}" for i, h in enumerate(self.header)]
        seen: set[str] = set()
        for i, n in enumerate(names):          # duplicate column names would make pandas rename them
            if n in seen:
                names[i] = f"{n} ({i + 1})"
            seen.add(names[i])
        first_line = self._preamble + 2          # the file's line number of the first data row
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                reader = pd.read_csv(
                    self._text, header=None, names=names, dtype=str, keep_default_na=False, na_filter=False,
                    escapechar=self.escapechar, doublequote=True, quotechar='"', engine="c",
                    on_bad_lines="warn", skip_blank_lines=True, chunksize=self.chunk_rows,
                    index_col=False)
                with reader:
                    for chunk in reader:
                        for w in caught:
                            self._bad_line(str(w.message), first_line)
                        caught.clear()
                        for rec in chunk.itertuples(index=False, name=None):
                            self.count += 1
                            yield self.count, {h: _cell(v) for h, v in zip(self.header, rec)}
                for w in caught:
                    self._bad_line(str(w.message), first_line)
        except Exception as exc:  # pandas' tokenizer error, decoding, I/O: a Problem
            self.failed = True
            msg = str(exc).splitlines()[0][:300] if str(exc) else repr(exc)
            self.problem(self.member, f"could not be read past record {self.count}: {msg}; "
                         "the rest of the file is skipped")
        finally:
            self.close()

    def _bad_line(self, message: str, first_line: int) -> None:
        self.bad += 1
        self.count += 1
        m = re.search(r"line (\d+)", message)
        where = f"{self.member}#line{int(m.group(1)) + first_line - 1}" if m else self.member
        detail = re.sub(r"^Skipping line \d+: ", "", message.strip()).rstrip(".")
        self.problem(where, f"a row does not fit the header ({detail}); skipped")

    def close(self) -> None:
        for h in (self._text, self._fh):
            try:
                if h is not None:
                    h.close()
            except Exception:
                pass
        self._text = self._fh = None


def _cell(v: Any) -> str:
    if not isinstance(v, str):
        return "" if v is None else str(v)
    return v if len(v) <= MAX_CELL else v[:MAX_CELL]


def col(row: dict[str, str], *names: str) -> str:
    """A row's value for the first of `names` present (case-insensitive), stripped."""
    for n in names:
        if n in row:
            return (row[n] or "").strip()
    low = {k.lower(): v for k, v in row.items()}
    for n in names:
        if n.lower() in low:
            return (low[n.lower()] or "").strip()
    return ""


# -- text ----------------------------------------------------------------------------------------
class _Text(HTMLParser):
    BLOCK = {"p", "div", "li", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        cls = dict(attrs).get("class") or ""
        if tag == "br":
            self.parts.append("\n")
        elif tag == "span" and "invisible" in cls.split():
            self.hidden += 1
        elif self.hidden and tag == "span":
            self.hidden += 1
        if tag in ("script", "style"):
            self.hidden += 1

    def handle_startendtag(self, tag, attrs):
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.hidden and tag in ("span", "script", "style"):
            self.hidden -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment (Mastodon's `content`): <p> as paragraphs, <br> as line breaks,
    entities unescaped, the invisible parts of shortened links left out. Never raises."""
    if not value:
        return ""
    if "<" not in value:
        return html.unescape(value).strip()
    p = _Text()
    try:
        p.feed(value)
        p.close()
    except Exception:  # malformed markup: fall back to stripping tags
        return html.unescape(re.sub(r"<[^>]*>", " ", value)).strip()
    text = "".join(p.parts)
    text = re.sub(r"[ \t\r\f\v]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def clean_text(value: Any) -> str:
    """A text field as a string with entities unescaped (TikTok and Reddit write some as HTML)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    if "&" in value:
        value = html.unescape(value)
    return value.replace("\x00", "").strip()


# -- time ----------------------------------------------------------------------------------------
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S",
            "%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d")


def parse_time(value: Any) -> datetime | None:
    """UTC datetime from ISO 8601 (with Z or an offset; Bluesky, Mastodon), "2024-12-15 19:03:14"
    (TikTok, LinkedIn: no zone given, read as UTC), "2023-01-15 12:34:56 UTC" (Reddit), or Unix
    seconds. None when it is none of these or out of range."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            v = float(value)
            if v > 1e11:                 # milliseconds
                v /= 1000
            return datetime.fromtimestamp(v, timezone.utc)
        except (ValueError, OverflowError, OSError):
            return None
    if not isinstance(value, str):
        return None
    s = value.strip()
    if not s or len(s) > 64:
        return None
    if s.isdigit():
        return parse_time(int(s))
    iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
    if iso.endswith(" UTC"):
        iso = iso[:-4]
    try:
        dt = datetime.fromisoformat(iso)
    except ValueError:
        dt = None
    if dt is None:
        for fmt in _FORMATS:
            try:
                dt = datetime.strptime(s, fmt)
                break
            except ValueError:
                continue
    if dt is None:
        return None
    try:
        return utc(dt)
    except (OverflowError, ValueError):
        return None


# -- owner -------------------------------------------------------------------------------------
def add_owner(owner: dict[str, Any], *, name: str = "", handle: str = "", alias: str = "",
              **fields: str) -> None:
    """Record what the archive says about its owner without overwriting what an earlier archive
    said (the first platform read names the person; later names become aliases)."""
    name, handle, alias = (name or "").strip(), (handle or "").strip(), (alias or "").strip()
    if handle:
        handles = owner.setdefault("handles", [])
        if handle not in handles:
            handles.append(handle)
    for n in (name, alias):
        if not n:
            continue
        if not owner.get("full_name"):
            owner["full_name"] = n
        elif owner["full_name"] != n:
            aliases = owner.setdefault("aliases", [])
            if n not in aliases:
                aliases.append(n)
    for key, value in fields.items():
        value = (value or "").strip()
        if value and not owner.get(key):
            owner[key] = value


# -- a JSON array inside an object, streamed -----------------------------------------------------
class StreamedArray:
    """The records of one array in a big JSON object (``"orderedItems": [ ... ]`` of a Mastodon
    outbox), decoded one at a time from the member's stream so the whole file is never held.

    Iterating yields (index, record); a record that does not parse ends the stream with a Problem
    naming the record (JSON gives no safe place to resume). ``prefix`` holds the object's text before
    the array (small: it carries counts such as ``totalItems``); ``count`` the records seen.
    """

    CHUNK = 1 << 20
    MAX_PREFIX = 1 << 20
    MAX_RECORD = 64 << 20

    def __init__(self, archive: Archive, member: str, key: str, problems: list[Problem],
                 limit: int = CSV_LIMIT):
        self.archive, self.member, self.key, self.problems, self.limit = archive, member, key, problems, limit
        self.prefix = ""
        self.count = 0
        self.complete = False
        self.found = False

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        import codecs

        try:
            size = self.archive.size(self.member)
            if size > self.limit:
                self.problems.append(Problem(self.archive.path, self.member, f"{size / MiB:,.0f} MiB, over the "
                                             f"{self.limit / MiB:,.0f} MiB limit for one file; skipped"))
                return
            fh = self.archive.open_member(self.member)
        except Exception as exc:
            self.problems.append(Problem(self.archive.path, self.member, f"could not be read: {exc}"))
            return
        dec = codecs.getincrementaldecoder("utf-8")(errors="replace")
        jdec = json.JSONDecoder()
        opener = re.compile(r'"' + re.escape(self.key) + r'"\s*:\s*\[')
        buf, pos, eof = "", 0, False
        try:
            with fh:
                def more() -> bool:
                    nonlocal buf, pos, eof
                    data = fh.read(self.CHUNK)
                    if not data:
                        eof = True
                        buf = buf[pos:] + dec.decode(b"", final=True)
                    else:
                        buf = buf[pos:] + dec.decode(data)
                    pos = 0
                    return bool(data)

                first = True
                while True:                               # each "<key>": [ ... ] at the top level
                    while True:                           # the text before the array
                        m = opener.search(buf, pos)
                        if m or eof or len(buf) - pos > self.MAX_PREFIX:
                            break
                        keep = max(pos, len(buf) - 64)    # the key may straddle two chunks
                        pos = keep
                        more()
                    if not m:
                        if first:
                            self.prefix = buf[:4096]
                        return
                    if first:
                        self.found = True
                        self.prefix = buf[pos: m.start()].lstrip("\ufeff")
                    first = False
                    self.complete = False
                    pos = m.end()
                    expect = True
                    in_array = 0
                    while True:
                        while True:                       # skip white space
                            while pos < len(buf) and buf[pos] in " \t\r\n":
                                pos += 1
                            if pos < len(buf) or not more():
                                break
                        if pos >= len(buf):
                            self.problems.append(Problem(self.archive.path, self.member, "the file ends before the "
                                                         f"end of \"{self.key}\" (truncated download?); "
                                                         f"{self.count} records were read"))
                            return
                        ch = buf[pos]
                        if ch == "]" and (not expect or in_array == 0):
                            self.complete = True
                            pos += 1
                            break                         # a real outbox may hold the key twice ("[]" first)
                        if not expect:
                            if ch != ",":
                                raise ValueError(f"expected , or ] after record {self.count - 1}")
                            pos += 1
                            expect = True
                            continue
                        try:
                            rec, end = jdec.raw_decode(buf, pos)
                            if end >= len(buf) and not eof:
                                raise json.JSONDecodeError("value may continue", buf, end)
                        except json.JSONDecodeError as exc:
                            if not eof and len(buf) - pos < self.MAX_RECORD:
                                more()
                                continue
                            raise ValueError(f"record {self.count} is not valid JSON ({exc.msg})") from None
                        except RecursionError:
                            raise ValueError(f"record {self.count} is nested too deeply") from None
                        yield self.count, rec
                        self.count += 1
                        in_array += 1
                        pos = end
                        expect = False
        except Exception as exc:  # damage: the rest of the file cannot be trusted
            self.problems.append(Problem(self.archive.path, f"{self.member}#{self.count}",
                                         f"{str(exc)[:300]}; the rest of the file could not be read "
                                         f"({self.count} records were read)"))
