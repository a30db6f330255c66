"""Analysers: one module per concern, behind one interface.

    class SomeAnalyser:
        name = "locations"
        def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]

Each Finding names its rule, post, evidence and a one-sentence explanation. Heavy models are
loaded lazily through the context, once per scan, and can be replaced by cheap fakes in tests.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Protocol, Sequence

from ..archive import Archive
from ..config import Config
from ..model import Finding, Post, Problem


@dataclass
class AnalysisContext:
    config: Config
    archives: dict[str, Archive] = field(default_factory=dict)   # Media.archive -> Archive
    owner: dict[str, Any] = field(default_factory=dict)          # handles/names learned by importers
    progress: Callable[[int], None] = lambda n: None
    cache: dict[str, Any] = field(default_factory=dict)          # shared lazily-built engines

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
    analysers can send OCR text through the same checks (see text.analyse_units)."""
    post: Post
    text: str
    origin: str = "post"          # post | ocr | caption
    media_path: str | None = None


class Analyser(Protocol):
    name: str

    def analyse(self, posts: Sequence[Post], ctx: AnalysisContext) -> Iterator[Finding | Problem]: ...


# module names under auditor/analysers/, each exposing ANALYSERS: list of analyser classes
MODULES = ("locations", "text", "images")


def default_analysers() -> list[Analyser]:
    out: list[Analyser] = []
    for name in MODULES:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            continue
        out.extend(cls() for cls in getattr(mod, "ANALYSERS", []))
    return out
