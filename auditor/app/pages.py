"""Rendering the app's pages: Jinja templates under templates/app/ (installed in
auditor.templates), autoescaped, with the report's own cards inside (auditor.app.seams), and the
app's static files, read once from the package (a fixed list: no path from a URL reaches the
disk)."""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from . import seams


def _read(name: str) -> str:
    return resources.files("auditor.templates").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_read), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.globals["card"] = seams.render_card
    env.filters["thousands"] = lambda n: f"{int(n):,}"
    env.filters["home"] = home_path
    return env


def home_path(path: str) -> str:
    """A path as a person reads it: ~/footprint-auditor rather than /home/jordan/footprint-auditor."""
    from pathlib import Path
    try:
        rel = Path(path).relative_to(Path.home())
    except ValueError:
        return str(path)
    return "~" if str(rel) == "." else f"~/{rel}"


def render(name: str, **context: Any) -> str:
    return environment().get_template(f"app/{name}").render(**context)


STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
                ".svg": "image/svg+xml"}


@lru_cache(maxsize=None)
def static_files() -> dict[str, tuple[bytes, str]]:
    """name -> (bytes, content type): the app's own files, and the report's stylesheet and script
    (the cards' look, and the search and filters over them)."""
    out: dict[str, tuple[bytes, str]] = {}
    for name in ("app.css", "app.js"):
        out[name] = (_read(f"app/{name}").encode("utf-8"), STATIC_TYPES["." + name.rsplit(".", 1)[1]])
    out["report.css"] = (seams.styles().encode("utf-8"), STATIC_TYPES[".css"])
    out["report.js"] = (seams.script().encode("utf-8"), STATIC_TYPES[".js"])
    return out
