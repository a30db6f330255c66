"""The importer interface. Each platform module exposes:

    PLATFORM: str                      platform name (see auditor.model.PLATFORMS)
    LOOKS_FOR: str                     what detect() looks for, for the "not recognised" message
    detect(archive) -> list[Detection] zero or more exports found in the archive (a parent folder
                                       may hold several)
    read(archive, detection, ctx) -> Iterator[Post | Problem]

A bad file or record becomes a Problem and the rest is read; read() should not raise, and the
pipeline turns anything it does raise into a Problem too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol

from auditor.archive import Archive
from auditor.model import Post, Problem


@dataclass(frozen=True)
class Detection:
    platform: str
    layout: str            # e.g. "tweets.js (2022+)", "your_facebook_activity (2024+)"
    root: str              # folder prefix of the export inside the archive ("" or "some/dir/")
    marker: str = ""       # the member that identified it


@dataclass
class ImportContext:
    include_messages: bool = False
    # find a member in any archive of this scan (several zips of one export): returns (archive, member)
    locate: Callable[[str], tuple[Archive, str] | None] = lambda member: None
    profile: Any = None
    # what the importer learned about the owner (handles, names) to tell the analysers
    owner: dict[str, Any] = field(default_factory=dict)


class Importer(Protocol):
    PLATFORM: str
    LOOKS_FOR: str

    def detect(self, archive: Archive) -> list[Detection]: ...

    def read(self, archive: Archive, detection: Detection, ctx: ImportContext) -> Iterator[Post | Problem]: ...
