"""report.html: one self-contained page (inline styles and script, thumbnails as data: URIs, a
Content-Security-Policy meta tag that stops the browser fetching anything). Links to the user's own
posts and to the standards are allowed: they are followed only when clicked.

The app renders the same cards inside its own pages:

    environment()                     the Jinja environment over auditor.templates (the app's own
                                      templates under templates/app/ load through it too)
    render_findings(view, decide=None)  the search and filters, the sections and their cards (Markup)
    render_card(card, decide=None)    one card (Markup)
    styles(), script()                the CSS and JavaScript the cards need, to inline in a page

`decide`, when given, adds a decision form to each card: {"action": URL to post to, "token": value
of a hidden "token" field, "choices": [(status, label)] (default: delete, keep, not a problem,
later)}; the form posts ids (the card's finding ids, space-separated), decision and note.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from . import words
from .audit import when


def _read(name: str) -> str:
    return resources.files("auditor.templates").joinpath(name).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_read), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["when"] = when
    return env


@lru_cache(maxsize=1)
def styles() -> Markup:
    return Markup(_read("report.css"))


@lru_cache(maxsize=1)
def script() -> Markup:
    text = _read("report.js")
    if "</script" in text.lower():            # never close the inline script early
        raise ValueError("report.js must not contain </script>")
    return Markup(text)


def _decide(decide: dict | None) -> dict | None:
    if not decide:
        return None
    return {"token": "", "choices": list(words.DECISION.items()), **decide}


def render_findings(view: dict[str, Any], decide: dict | None = None) -> Markup:
    tpl = environment().get_template("report_findings.html.j2")
    return Markup(tpl.render(**view, decide=_decide(decide)))


def render_card(card: dict[str, Any], decide: dict | None = None) -> Markup:
    module = environment().get_template("report_card.html.j2").module
    return Markup(module.card(card, _decide(decide)))


def to_html(view: dict[str, Any]) -> str:
    return environment().get_template("report.html.j2").render(**view, decide=None, styles=styles(),
                                                               script=script())
