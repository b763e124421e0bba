"""Shared pieces of the HTML pages (wijkprofielen, toets): style sheet, Jinja2 templates.

Every page is rendered from a Jinja2 template shipped with the package (``templates/*.html``).
The templates extend ``page.html``, which holds what every page shares: the page header
(doctype, ``lang="nl"``, title, the inlined style sheet :data:`CSS`, the heading) and the source
line under the heading (block ``source_line``). Autoescaping is on: text from data and settings
is escaped; only pieces the package builds itself (an SVG map, a style sheet) are marked safe.
Numbers are formatted by :mod:`woonzorg_geo.core.formatting`, available in the templates as filters
(``{{ n | number }}``, ``{{ p | percent }}``, ``metres``, ``minutes``, ``signed``, ``text``).

The HTML pieces of the interactive maps (legends, panels, popups, symbols, labels) are the macros of
``templates/map_pieces.html``, rendered with the same environment through :func:`map_piece`. Text
that Folium puts inside a JavaScript template literal is escaped there with the ``in_js`` filter
(:func:`woonzorg_geo.core.escaping.html_in_js`).
"""

from __future__ import annotations

import functools
from typing import Any

import jinja2
from markupsafe import Markup

from woonzorg_geo.core import escaping as esc
from woonzorg_geo.core import formatting as fmt

__all__ = ["CSS", "MAP_PIECES", "environment", "map_piece", "render"]

#: The template whose macros are the HTML pieces of the interactive maps.
MAP_PIECES = "map_pieces.html"

#: The style sheet of every page (inlined: the pages have no external files).
CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:2em auto;max-width:60em;color:#222;line-height:1.4}
h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;width:100%}td,th{border-bottom:1px solid #e4e4e4;padding:.25em .5em;
text-align:left;vertical-align:top}td.num{text-align:right;white-space:nowrap}td.src{color:#666;font-size:.85em}
.legend span{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;vertical-align:middle;border:1px solid #999}
.klasse{font-weight:bold;padding:.1em .4em;border-radius:.3em;background:#eee}.note{color:#555;font-size:.9em}
"""


def _in_js(value: object) -> Markup:
    """Plain text for HTML inside a JavaScript template literal (Folium's popups), escaped for both."""
    return Markup(esc.html_in_js(value))


def _finalize(value: object) -> object:
    """``None`` renders as nothing (not ``'None'``), as an empty cell."""
    return "" if value is None else value


@functools.cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the package's page templates (autoescaping on, Dutch number filters).

    Undefined names raise (:class:`jinja2.StrictUndefined`), so a misspelt field fails loudly
    instead of leaving a hole in a page.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("woonzorg_geo.outputs", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters.update(
        number=fmt.number,
        percent=fmt.percent,
        metres=fmt.metres,
        minutes=fmt.minutes,
        signed=fmt.signed,
        text=fmt.text,
        in_js=_in_js,
    )
    env.globals["css"] = CSS
    return env


def render(template: str, /, **context: Any) -> str:
    """Render one of the package's page templates (``templates/<template>``) with ``context``.

    Parameters
    ----------
    template
        File name of the template, e.g. ``"wijkprofiel.html"``.
    **context
        The template's variables; ``css`` (the page's style sheet) defaults to :data:`CSS`.

    Returns
    -------
    str
        The page as HTML text.
    """
    return environment().get_template(template).render(**context)


def map_piece(name: str, /, *args: Any, **kwargs: Any) -> Markup:
    """Render the macro ``name`` of :data:`MAP_PIECES` (a legend, panel, popup, symbol or label).

    Parameters
    ----------
    name
        The macro, e.g. ``"legend"`` or ``"panel"``.
    *args, **kwargs
        The macro's arguments: plain text (escaped by the template) and numbers.

    Returns
    -------
    markupsafe.Markup
        The piece as HTML on one line, safe to insert as HTML (every text in it escaped).
    """
    macro = getattr(environment().get_template(MAP_PIECES).module, name)
    return Markup(macro(*args, **kwargs))
