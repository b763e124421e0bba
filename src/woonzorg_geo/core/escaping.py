"""Escaping of user-supplied text for the place it is written to: HTML, JavaScript, CSV, XML, figures.

Names in lists and registers, addresses, names of voorzieningen and areas from data files, labels
from a settings file and gemeente names all end up in the outputs. Each output context needs its
own escaping, and the one function for it lives here:

- :func:`html_text`: text in HTML (element content, quoted attribute values), and text the browser
  assigns to ``innerHTML`` (Leaflet layer names and attribution, the fields and aliases of Folium's
  ``GeoJsonTooltip`` and ``GeoJsonPopup``); :func:`html_attribute` is the same, named for attributes;
- :func:`html_in_js`: text in HTML that Folium places inside a JavaScript template literal
  (``folium.Tooltip`` and the ``tooltip=`` string of a marker, the user text in a ``folium.Popup``);
- :func:`js_string`: a whole JavaScript string literal, safe inside an HTML ``<script>``;
- :func:`js_template`: HTML the package built, as the body of a JavaScript template literal;
- :func:`csv_cell` and :func:`csv_frame`: a CSV cell (a whole table) a planner opens in a
  spreadsheet: text beginning with ``=``, ``+``, ``-``, ``@``, tab or CR gets a ``'`` in front, so it
  is never read as a formula (numbers stay numbers), and a CR inside it cannot split the row;
- :func:`xml_text`: text and attribute values in an XML file (the QGIS project);
- :func:`plain_figure_text`: matplotlib figures made inside it show every text as typed.

Why Folium needs more than HTML escaping: ``folium.Tooltip`` writes its text unchanged between
backticks, and ``folium.Popup`` wraps its HTML in ``$(`…`)`` escaping only backticks. Text there is
JavaScript source first and HTML second: ``${…}`` runs as code when the page loads, a backtick or a
backslash ends or breaks the literal (and with it every marker after it), and ``</script>`` ends
the script element. :func:`html_in_js` writes the backtick, ``$`` and the backslash as HTML
character references, so the literal stays closed and the browser still shows them as typed.
"""

from __future__ import annotations

import html
import json
import re
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "CSV_TRIGGERS",
    "csv_cell",
    "csv_frame",
    "html_attribute",
    "html_in_js",
    "html_text",
    "js_string",
    "js_template",
    "plain_figure_text",
    "xml_text",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection").
CSV_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# A plain number as text ("-2", "+3,5", "-1.5e3"): a spreadsheet reads it as that number, not a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")

# Characters XML 1.0 does not allow at all (C0 controls other than tab, newline and carriage
# return, lone surrogates, U+FFFE and U+FFFF).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# Characters that are code inside a JavaScript template literal, as HTML character references.
_JS_IN_HTML = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;"})


def _str(value: object) -> str:
    return "" if value is None else str(value)


def html_text(value: object) -> str:
    """``value`` as text in HTML: ``&``, ``<``, ``>``, ``"`` and ``'`` as character references.

    Safe as element content, in a quoted attribute value and wherever the browser assigns the text
    to ``innerHTML``. ``None`` gives an empty string.

    >>> html_text('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(_str(value), quote=True)


def html_attribute(value: object) -> str:
    """``value`` for a quoted HTML attribute (``"…"`` or ``'…'``); the same as :func:`html_text`.

    >>> html_attribute("\\" onmouseover='x'")
    '&quot; onmouseover=&#x27;x&#x27;'
    """
    return html_text(value)


def html_in_js(value: object) -> str:
    """``value`` as text in HTML that Folium puts inside a JavaScript template literal.

    For ``folium.Tooltip`` (and the ``tooltip=`` string of a marker) and for the user text inside the
    HTML of a ``folium.Popup``: :func:`html_text`, and the backtick, ``$`` and backslash as HTML
    character references, so the text can neither end the literal nor run as ``${…}`` code, and
    shows as typed.

    >>> html_in_js("${document.title='x'}`")
    '&#36;{document.title=&#x27;x&#x27;}&#96;'
    """
    return html_text(value).translate(_JS_IN_HTML)


def js_string(value: object) -> str:
    """``value`` as a JavaScript string literal, quotes included, safe inside ``<script>``.

    JSON with every non-ASCII character (U+2028 and U+2029 too) and ``<``, ``>``, ``&`` written as
    ``\\uXXXX`` escapes, so neither ``</script>`` nor ``<!--`` can appear in the script.

    >>> js_string("</script>")
    '"\\\\u003c/script\\\\u003e"'
    """
    return (
        json.dumps(_str(value), ensure_ascii=True)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def js_template(text: str) -> str:
    """``text`` (HTML the package built) as the body of a JavaScript template literal.

    The backslash, backtick and ``${`` are escaped, and ``</`` is written ``<\\/`` so the text can
    never close the surrounding ``<script>`` element. User text inside ``text`` must already be
    escaped for HTML (:func:`html_text`).

    >>> js_template("<b>`${x}`</b>")
    '<b>\\\\`\\\\${x}\\\\`<\\\\/b>'
    """
    return (
        text.replace("\\", "\\\\")
        .replace("`", "\\`")
        .replace("${", "\\${")
        .replace("</", "<\\/")
        .replace("<!--", "<\\!--")
    )


def csv_cell(value: Any) -> Any:
    """A cell for a CSV file: text that a spreadsheet would read as a formula gets a ``'`` in front.

    Only text is changed, and only when it begins with one of :data:`CSV_TRIGGERS`; numbers (and text
    that is just a number, such as ``"-2"`` or ``"+3,5"``) stay as they are. A carriage return inside
    a text is written as a line feed: Python's CSV writer quotes a cell with a line feed, but not one
    with a lone carriage return, which a spreadsheet reads as the end of the row (and the rest of the
    cell as the first cell of a new one: ``"Hof\r=1+1"`` would be a formula).

    >>> [csv_cell(v) for v in ("=1+1", "-2+3", "@SUM(A1)", "\\tx", "-2", -2.5, "Brink 1", "Hof\\r=1")]
    ["'=1+1", "'-2+3", "'@SUM(A1)", "'\\tx", '-2', -2.5, 'Brink 1', 'Hof\\n=1']
    """
    if not isinstance(value, str):
        return value
    text = value
    if text.startswith(CSV_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        text = "'" + text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with :func:`csv_cell` applied to every text cell, in its columns and index.

    Numeric columns are not touched (a negative number stays a number). Column names are left as
    they are: they come from the program and the settings, not from the data.
    """
    import pandas as pd

    out = frame.copy()
    for i in range(out.shape[1]):
        column = out.iloc[:, i]
        if _may_hold_text(column.dtype):
            out.isetitem(i, column.map(csv_cell).to_numpy())
    index = out.index
    if isinstance(index, pd.MultiIndex):
        if any(_may_hold_text(level.dtype) for level in index.levels):
            out.index = pd.MultiIndex.from_tuples([tuple(csv_cell(v) for v in key) for key in index], names=index.names)
    elif _may_hold_text(index.dtype):
        out.index = index.map(csv_cell)
    return out


def _may_hold_text(dtype: Any) -> bool:
    """Whether a column of this dtype can hold text (object, string or categorical)."""
    import pandas as pd

    return dtype.kind in "OSU" or isinstance(dtype, (pd.StringDtype, pd.CategoricalDtype))


def xml_text(value: object) -> str:
    """``value`` as XML character data or a quoted attribute value (XML 1.0).

    As :func:`html_text`, and characters XML does not allow (most control characters) are dropped,
    so a stray ``\\x0b`` in a name cannot make the whole file unreadable.

    >>> xml_text("a\\x0b<b>")
    'a&lt;b&gt;'
    """
    return html_text(_XML_ILLEGAL.sub("", _str(value)))


def plain_figure_text() -> AbstractContextManager[Any]:
    """A context in which matplotlib shows every text of the figures made in it literally.

    Without it a name holding two ``$`` is typeset as mathematics, and one such as ``$\\frac$``
    stops the figure with an error. (Texts keep the setting they were made with.)
    """
    import matplotlib

    return matplotlib.rc_context({"text.parse_math": False})
