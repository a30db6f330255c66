"""The plugin contracts: importers and analysers, and how they are found.

Importers (one module per platform; a new platform is one new file):

    PLATFORM: str                      platform name (see auditor.model.PLATFORMS)
    LOOKS_FOR: str                     what detect() looks for, for the "not recognised" message
    PRIORITY: int = 50                 detection order, lowest first (a fallback such as a plain
                                       folder of photos sets a high number and FALLBACK = True)
    FALLBACK: bool = False             only used when no other importer recognised the archive
    detect(archive) -> list[Detection] zero or more exports found in the archive (a parent folder
                                       may hold several)
    read(archive, detection, ctx) -> Iterator[Post | Problem | Coverage]

A bad file or record becomes a Problem and the rest is read; read() should not raise, and the
pipeline turns anything it does raise into a Problem too. An importer yields a Coverage for each
file it reads records from: what the file should hold (from the platform's manifest or its own
record count) against what was read, so that a partial read is never shown as an all-clear.

Importers are found through the entry-point group ``footprint_auditor.importers``: an entry names
either one importer module or a package, in which case every module inside it that defines
PLATFORM and detect() is an importer. The built-in ones are declared in pyproject.toml; the core
never imports them by name.

Analysers (one module per concern, anywhere under ``auditor.analysers``):

    ANALYSERS: list of classes, each with   name: str
                                            analyse(posts, ctx) -> Iterator[Finding | Problem]
    RULES: list[Rule]                       the rules the module emits, declared beside its check
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from types import ModuleType
from typing import Any, Callable, Iterator, Mapping, Protocol, Sequence

from .archive import Archive
from .config import Config
from .model import Finding, Post, Problem

IMPORTER_GROUP = "footprint_auditor.importers"
ANALYSER_PACKAGE = "auditor.analysers"


# -- importers ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Detection:
    platform: str
    layout: str            # e.g. "tweets.js (2022+)", "your_facebook_activity (2024+)"
    root: str              # folder prefix of the export inside the archive ("" or "some/dir/")
    marker: str = ""       # the member that identified it


@dataclass(frozen=True)
class Coverage:
    """One file of an export: what it should hold against what was read.

    `expected` comes from the platform's own manifest or record count where one exists (None when
    the export does not say). `skipped` counts records not turned into posts, by reason ("not
    readable", "empty", "messages not included" ...); a record that became a Problem counts here too.
    """
    member: str
    what: str                                  # "posts", "comments", "likes", "photos" ...
    read: int
    expected: int | None = None
    skipped: Mapping[str, int] = field(default_factory=dict)


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

    def read(self, archive: Archive, detection: Detection, ctx: ImportContext
             ) -> Iterator[Post | Problem | Coverage]: ...


class NoImporters(RuntimeError):
    """No importer is installed: the package metadata is missing (run from a copy never installed)."""


def _is_importer(mod: ModuleType) -> bool:
    return isinstance(getattr(mod, "PLATFORM", None), str) and callable(getattr(mod, "detect", None)) \
        and callable(getattr(mod, "read", None))


def _modules_in(pkg: ModuleType) -> list[ModuleType]:
    out = []
    for info in pkgutil.iter_modules(pkg.__path__, pkg.__name__ + "."):
        if info.name.rsplit(".", 1)[-1].startswith("_"):
            continue
        out.append(importlib.import_module(info.name))
    return out


@lru_cache(maxsize=1)
def _importers() -> tuple[ModuleType, ...]:
    found: dict[str, ModuleType] = {}
    for ep in metadata.entry_points(group=IMPORTER_GROUP):
        mod = importlib.import_module(ep.value.split(":")[0])
        candidates = _modules_in(mod) if hasattr(mod, "__path__") else [mod]
        for m in candidates:
            if _is_importer(m):
                found.setdefault(m.__name__, m)
    if not found:
        raise NoImporters("No platform importers are installed. Install the tool with "
                          "`pip install .` (or run ./setup.sh) from the project folder.")
    return tuple(sorted(found.values(), key=lambda m: (getattr(m, "PRIORITY", 50), m.PLATFORM, m.__name__)))


def all_importers() -> list[ModuleType]:
    """Every installed importer, in detection order (most specific first, fallbacks last)."""
    return list(_importers())


# -- analysers ---------------------------------------------------------------------------------
@dataclass
class AnalysisContext:
    config: Config
    archives: dict[str, Archive] = field(default_factory=dict)   # Media.archive -> Archive
    owner: dict[str, Any] = field(default_factory=dict)          # handles/names learned by importers
    progress: Callable[[int], None] = lambda n: None
    cache: dict[str, Any] = field(default_factory=dict)          # shared lazily-built engines
    not_run: list[tuple[str, str]] = field(default_factory=list)  # checks that could not run: (message, advice)

    def check_not_run(self, message: str, advice: str) -> None:
        """A check that could not run at all (its model refused to load, say): the scan's result is then not
        complete, and the report says so first, in these plain words (a Gap), never an all-clear."""
        if (message, advice) not in self.not_run:
            self.not_run.append((message, advice))

    def read_media(self, archive: str, path: str, max_size: int = 64 * 1024 * 1024) -> bytes:
        return self.archives[archive].read(path, max_size)

    def shared(self, key: str, build: Callable[[], Any]) -> Any:
        """Build an engine once per scan and share it between analysers."""
        if key not in self.cache:
            self.cache[key] = build()
        return self.cache[key]


@dataclass(frozen=True)
class TextUnit:
    """A piece of text to analyse for a post: its own text, or text read from one of its images
    (origin "ocr", with media_path set). Text analysers take batches of these, so that image
    analysers can send OCR text through the same checks."""
    post: Post
    text: str
    origin: str = "post"          # post | ocr | caption
    media_path: str | None = None


class Analyser(Protocol):
    name: str

    def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]: ...


@lru_cache(maxsize=1)
def analyser_modules() -> tuple[ModuleType, ...]:
    """Every module under auditor.analysers (subpackages included), imported once, in name order."""
    pkg = importlib.import_module(ANALYSER_PACKAGE)
    mods = []
    for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
        leaf = info.name.rsplit(".", 1)[-1]
        if leaf.startswith("_") or leaf == "data":
            continue
        mods.append(importlib.import_module(info.name))
    return tuple(sorted(mods, key=lambda m: m.__name__))


def default_analysers() -> list[Analyser]:
    """One instance of every analyser class declared in an ANALYSERS list, ordered by the class's
    ORDER (default 50; analysers that feed others run first) and then by name."""
    classes = [cls for mod in analyser_modules() for cls in getattr(mod, "ANALYSERS", [])]
    classes.sort(key=lambda c: (getattr(c, "ORDER", 50), getattr(c, "name", c.__name__)))
    return [cls() for cls in classes]
