"""Dates as Meta's HTML exports print them, in every UI language we have seen or can foresee.

The exports carry no time zone and localise everything: "Oct 23, 2014, 11:20 PM" (English),
"feb 10, 2024 9:30:47pm" (Spanish: Spanish month, English order), "2 mars 2019 09:15" (French),
"1 月 23, 2012 11:19:29 下午" (Traditional Chinese), "2023年8月29日 02:33" (Instagram, Chinese),
"06.12.2012 14:45", "2012-12-06 14:45:14". The reader here is token based: it finds a clock time
(with its am/pm marker in any of the forms below, before or after it), a year, a day and a month
(a word from the table, a number in a numeric date, or the number before 月/월), and reports what is
left over. The left-over words are what tell a date line ("Oct 23, 2014, 11:20 PM": nothing
left), an edit stamp ("Updated Oct 23 ...", "Mis à jour : ...", "Actualizado ...", "已在 … 更新":
a short label left) and ordinary text (a sentence left) apart, without a list of those labels.

Month names (full and abbreviated): English, French, German, Spanish, Dutch, Italian, Portuguese,
Welsh, Danish/Norwegian/Swedish, Polish, Turkish; numbers with 月 / 월 (Chinese, Japanese, Korean).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_MONTH_WORDS = {
    1: "january jan janvier janv januar jän jänner enero ene januari gennaio gen janeiro ionawr ion "
       "januar styczeń stycznia sty ocak oca",
    2: "february feb février févr fevrier fevr februar febrero februari febbraio fevereiro fev chwefror "
       "chwef chw luty lutego lut şubat şub subat sub",
    3: "march mar mars märz mär marz marzo maart mrt março marco mawrth maw marts marzec marca mart",
    4: "april apr avril avr abril abr aprile ebrill ebr kwiecień kwietnia kwi nisan nis",
    5: "may mai mayo mei maggio mag maio maj maja mayıs mayis",
    6: "june jun juin juni junio giugno giu junho mehefin meh czerwiec czerwca cze haziran haz",
    7: "july jul juillet juil juli julio luglio lug julho gorffennaf gorff gor lipiec lipca lip temmuz tem",
    8: "august aug août aout augustus agosto ago awst augusti sierpień sierpnia sie ağustos agustos ağu agu",
    9: "september sep sept septembre septiembre setiembre settembre set setembro medi med "
       "wrzesień września wrz eylül eylul eyl",
    10: "october oct octobre oktober okt octubre ottobre ott outubro out hydref hyd "
        "październik października paź paz ekim eki",
    11: "november nov novembre noviembre novembro tachwedd tach tac listopad listopada lis kasım kasim kas",
    12: "december dec décembre decembre déc dezember dez diciembre dic dicembre dezembro rhagfyr rhag rha "
        "desember grudzień grudnia gru aralık aralik ara",
}
MONTHS: dict[str, int] = {w: m for m, words in _MONTH_WORDS.items() for w in words.split()}

# words that sit around dates without meaning anything to us (connectors, weekdays, "at", "o'clock")
_FILLER = set("""
de del à a las la le el les at on the um am om op o alle al às kl klo h uhr den der il ym
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
lundi mardi mercredi jeudi vendredi samedi dimanche
montag dienstag mittwoch donnerstag freitag samstag sonntag
lunes martes miércoles miercoles jueves viernes sábado sabado domingo
maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
lunedì martedì mercoledì giovedì venerdì sabato lunedi martedi mercoledi giovedi venerdi
segunda-feira terça-feira quarta-feira quinta-feira sexta-feira
dydd llun mawrth mercher iau gwener sadwrn sul
星期一 星期二 星期三 星期四 星期五 星期六 星期日 星期天 週一 週二 週三 週四 週五 週六 週日
""".split())

_AM = ("am", "a.m.", "a. m.", "a.m", "vorm.", "上午", "午前", "오전")
_PM = ("pm", "p.m.", "p. m.", "p.m", "nachm.", "下午", "午後", "오후")
_LATIN_MARK = "|".join(re.escape(x) for x in sorted((x for x in _AM + _PM if x.isascii() or "." in x),
                                                      key=len, reverse=True))
_CJK_MARK = "上午|下午|午前|午後|오전|오후"
_MARK = rf"(?:(?:{_LATIN_MARK})(?![a-z])|{_CJK_MARK})"

_TIME = re.compile(
    rf"(?P<pre>{_CJK_MARK})?\s*(?<![\d:.])(?P<h>\d{{1,2}})\s*[:h時시]\s*(?P<m>\d{{2}})(?:\s*[:分]\s*(?P<s>\d{{2}}))?"
    rf"(?![\d:])(?:\s*[分秒])?\s*(?P<post>{_MARK})?", re.I)
_ZONE = re.compile(r"\b(?:UTC|GMT)\s*(?P<sign>[+-−])\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?", re.I)
_ISO = re.compile(r"(?<!\d)(?P<y>\d{4})[-/.:](?P<mo>\d{1,2})[-/.:](?P<d>\d{1,2})(?!\d)")
_NUMERIC = re.compile(r"(?<!\d)(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-](?P<y>\d{4})(?!\d)")
_CJK_YMD = re.compile(r"(?P<y>\d{4})\s*[年년]\s*(?P<mo>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]?")
_CJK_MDY = re.compile(r"(?<!\d)(?P<mo>\d{1,2})\s*[月월]\s*(?P<d>\d{1,2})\s*[日일]?\s*[,，]?\s*(?P<y>\d{4})(?!\d)")
_WORD = re.compile(r"[^\W\d_][^\W\d_'’.-]*\.?|\d+(?:er|e|º|ª|\.)?", re.U)
_YEAR = re.compile(r"^\d{4}$")
_DIGIT = re.compile(r"\d")
_DAY = re.compile(r"^(\d{1,2})(?:er|e|º|ª|\.)?$")


@dataclass(frozen=True)
class DateMatch:
    when: datetime          # UTC
    has_time: bool
    leftover: str           # the words of the text that are not part of the date (fillers dropped)
    words_around: int = 0   # how many words the text has besides the date (fillers counted)
    punctuated: bool = False  # the text has sentence punctuation (! ? quotes, brackets ...)


def _norm(text: str) -> str:
    s = unicodedata.normalize("NFKC", str(text or ""))
    return " ".join(s.replace("\u202f", " ").replace("\u00a0", " ").split())


def _blank(s: str, start: int, end: int) -> str:
    return s[:start] + " " * (end - start) + s[end:]


def parse_date(text: str, zone: timezone = timezone.utc, max_len: int = 80) -> DateMatch | None:
    """The date in `text` (read in `zone` unless the text names a UTC offset), with the words left
    over; None when the text holds no complete date (day, month and year)."""
    if not text or len(text) > 4 * max_len or not _DIGIT.search(text):
        return None                                      # every date has digits: the common fast path
    s = _norm(text)
    if not s or len(s) > max_len:
        return None
    low = s.casefold()
    tz = zone
    mz = _ZONE.search(low)
    if mz:
        sign = -1 if mz.group("sign") in "-−" else 1
        try:
            tz = timezone(sign * timedelta(hours=int(mz.group("h")), minutes=int(mz.group("m") or 0)))
        except ValueError:
            return None
        low = _blank(low, mz.start(), mz.end())
    hour = minute = second = 0
    has_time = False
    mt = None
    for cand in _TIME.finditer(low):
        mt = cand
        break
    if mt:
        hour, minute, second = int(mt.group("h")), int(mt.group("m")), int(mt.group("s") or 0)
        marker = (mt.group("pre") or mt.group("post") or "").casefold()
        if marker:
            if not 1 <= hour <= 12:
                return None
            hour = hour % 12 + (12 if marker in _PM else 0)
        if hour > 23 or minute > 59 or second > 59:
            return None
        has_time = True
        low = _blank(low, mt.start(), mt.end())
    year = month = day = None
    for rx, kind in ((_CJK_YMD, "ymd"), (_CJK_MDY, "mdy"), (_ISO, "ymd"), (_NUMERIC, "num")):
        m = rx.search(low)
        if not m:
            continue
        if kind == "num":
            a, b = int(m.group("a")), int(m.group("b"))
            day, month = (b, a) if b > 12 >= a else (a, b)      # day first unless it cannot be
        else:
            month, day = int(m.group("mo")), int(m.group("d"))
        year = int(m.group("y"))
        low = _blank(low, m.start(), m.end())
        break
    rest = []
    if year is None:
        months, years, days = [], [], []
        for w in _WORD.finditer(low):
            tok = w.group(0)
            bare = tok.rstrip(".")
            if bare in MONTHS:
                months.append(MONTHS[bare])
            elif _YEAR.match(tok):
                years.append(int(tok))
            elif _DAY.match(tok):
                days.append(int(_DAY.match(tok).group(1)))
            else:
                rest.append(tok)
        if len(months) != 1 or len(years) != 1 or len(days) != 1:
            return None
        year, month, day = years[0], months[0], days[0]
    else:
        rest = [w.group(0) for w in _WORD.finditer(low)]
        if any(t[:1].isdigit() for t in rest):
            return None                                  # numbers left over: not one date
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        return None
    if not 1900 <= year <= 2200:
        return None
    words = [t for t in rest if t.rstrip(".:,") not in _FILLER]
    return DateMatch(local.astimezone(timezone.utc), has_time, " ".join(words).strip(" ,:;-–—"),
                     len(rest), bool(_SENTENCE.search(s)))


def parse_time(text: str, zone: timezone = timezone.utc) -> datetime | None:
    """A line that is a date and nothing else (a few filler words allowed), in UTC; else None."""
    m = parse_date(text, zone)
    if m is None or not m.has_time:
        return None
    return m.when if not _too_wordy(m.leftover, 0) else None


def _too_wordy(leftover: str, max_words: int) -> bool:
    words = [w for w in re.split(r"[\s:：,]+", leftover) if w]
    return len(words) > max_words


_SENTENCE = re.compile(r"[!?¿¡;\"“”«»()\[\]{}@#|]")


def stamp(text: str, zone: timezone = timezone.utc) -> tuple[str, datetime] | None:
    """(label, when) when the line is a label and a date with a time and nothing else: "Updated
    Oct 23, 2014, 11:20 PM", "Mis à jour : 12 janv. 2023 14:05", "已在 2015年1月5日 下午3:11 更新".
    The line has at most five words besides the date ("Date de mise à jour :"), none a number, and
    no sentence punctuation: a line of text that happens to hold a date is not a stamp."""
    m = parse_date(text, zone)
    if m is None or not m.has_time:
        return None
    label = m.leftover
    if not label or m.words_around > 5 or len(label) > 48 or m.punctuated or any(ch.isdigit() for ch in label):
        return None
    return label.rstrip(" :："), m.when
