"""Regulators' standards: one TOML data file per regulator and edition, in this folder.

Each file gives the edition's dates in force, its clauses (short paraphrases in our own words,
`verified = false` where the clause number is recalled, not confirmed) and which clauses each rule
and category engages. `cite()` picks the edition in force on the post's date and the current one.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources

from ..model import Standard


@dataclass(frozen=True)
class Edition:
    regulator: str
    edition: str
    title: str
    link: str
    in_force_from: date
    in_force_until: date | None
    clauses: dict[str, dict] = field(hash=False)
    rules: dict[str, list[str]] = field(hash=False)
    categories: dict[str, list[str]] = field(hash=False)
    file: str = ""
    predecessor: str = ""          # regulator whose standards applied before this one existed
    dates_verified: bool = True    # False where the dates in force are recalled, not confirmed

    def clauses_for(self, rule_id: str, category: str) -> list[Standard]:
        numbers = self.rules.get(rule_id) or self.categories.get(category) or []
        out = []
        for n in numbers:
            c = self.clauses.get(n, {})
            out.append(Standard(self.regulator, self.edition, n, c.get("title", ""),
                                c.get("link", self.link), bool(c.get("verified", True))))
        return out


def _as_date(v: object) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


@lru_cache(maxsize=1)
def editions() -> tuple[Edition, ...]:
    out = []
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        out.append(Edition(
            regulator=data["regulator"], edition=str(data["edition"]), title=data["title"],
            link=data.get("link", ""), in_force_from=_as_date(data["in_force_from"]),
            in_force_until=_as_date(data.get("in_force_until")),
            clauses=data.get("clauses", {}), rules=data.get("rules", {}),
            categories=data.get("categories", {}), file=entry.name,
            predecessor=str(data.get("predecessor", "")), dates_verified=bool(data.get("dates_verified", True))))
    return tuple(out)


def regulators() -> list[str]:
    return sorted({e.regulator for e in editions()})


def editions_of(regulator: str) -> list[Edition]:
    eds = [e for e in editions() if e.regulator.lower() == regulator.lower()]
    return sorted(eds, key=lambda e: e.in_force_from)


def in_force(regulator: str, on: date | None) -> Edition | None:
    """The edition in force on a date; before the first edition, the first; None if unknown."""
    eds = editions_of(regulator)
    if not eds:
        return None
    if on is None:
        return eds[-1]
    for e in eds:
        if e.in_force_from <= on and (e.in_force_until is None or on <= e.in_force_until):
            return e
    return eds[0] if on < eds[0].in_force_from else eds[-1]


def cite(regulator: str, rule_id: str, category: str, when: datetime | None,
         today: date | None = None) -> list[Standard]:
    """Clauses of the edition in force on the post's date, then the current edition's equivalent
    (when it is a different edition)."""
    on = when.date() if when else None
    then = in_force(regulator, on)
    first = editions_of(regulator)[:1]
    if on is not None and first and on < first[0].in_force_from and first[0].predecessor:
        # e.g. social workers in England were HCPC registrants until SWE took over on 2 Dec 2019
        then = in_force(first[0].predecessor, on) or then
    now = in_force(regulator, today or date.today())
    out: list[Standard] = []
    if then is not None:
        out += then.clauses_for(rule_id, category)
    if now is not None and now is not then:
        out += now.clauses_for(rule_id, category)
    return out


def check() -> list[str]:
    """Data errors in the shipped files (used by the tests): every mapped clause must exist, every
    category must be mapped, editions of one regulator must not overlap."""
    from ..model import CATEGORIES
    errors = []
    for e in editions():
        for where, table in (("categories", e.categories), ("rules", e.rules)):
            for key, numbers in table.items():
                if not numbers:
                    errors.append(f"{e.file}: {where}.{key} maps to no clause")
                for n in numbers:
                    if n not in e.clauses:
                        errors.append(f"{e.file}: {where}.{key} names clause {n!r}, which is not in [clauses]")
                    elif not str(e.clauses[n].get("title", "")).strip():
                        errors.append(f"{e.file}: clause {n!r} has no title")
        for c in CATEGORIES:
            if c not in e.categories:
                errors.append(f"{e.file}: category {c} is not mapped")
        if e.predecessor and not editions_of(e.predecessor):
            errors.append(f"{e.file}: predecessor {e.predecessor} has no standards files")
    for reg in regulators():
        eds = editions_of(reg)
        for a, b in zip(eds, eds[1:]):
            if a.in_force_until is None or a.in_force_until >= b.in_force_from:
                errors.append(f"{reg}: {a.file} and {b.file} overlap or leave no end date")
    return errors
