"""woonzorg_geo.core.escaping: one function per output context, each checked by reading its output back the way
the context does (an HTML parser, JSON, JavaScript's escapes, a CSV reader, an XML parser, matplotlib).

The browser itself runs these functions' output in tests/test_bad_input_hostile.py.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from woonzorg_geo.core import escaping as esc
from woonzorg_geo.core.files import write_csv

HOSTILE = [
    "${document.title=String.fromCharCode(88,83,83)}",
    "<img src=x onerror=\"document.title='XSS'\">",
    "</script><script>document.title='XSS'</script>",
    "`",
    "${'x'}",
    '"><svg onload="document.title=\'XSS\'">',
    "\\\\`+(document.title='XSS')+`",
    "<!--<script>",
    "Zorg 't \"Hofje\" & Co's",
    "regel een\nregel twee\r\n\u2028\u2029",
    "",
]

# any text, including lone surrogates' neighbours and control characters
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


class _Collect(HTMLParser):
    """What an HTML parser sees: the tags opened, the text and the attribute values."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.attrs: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(v for _, v in attrs)

    def handle_data(self, data):
        self.text.append(data)


def _parse(markup: str) -> _Collect:
    p = _Collect()
    p.feed(markup)
    p.close()
    return p


# ------------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_is_text_and_attribute(text):
    for quote in ('"', "'"):
        page = f"<p title={quote}{esc.html_attribute(text)}{quote}>{esc.html_text(text)}</p>"
        seen = _parse(page)
        assert seen.tags == ["p"], page  # no element of the text's own
        assert seen.attrs == [text]
        assert "".join(seen.text) == text


@given(TEXT)
def test_html_text_round_trip(text):
    out = esc.html_text(text)
    assert not set("<>\"'") & set(out)
    assert html.unescape(out) == text


def test_html_text_none_is_empty():
    assert esc.html_text(None) == "" and esc.html_text(12) == "12"


@pytest.mark.parametrize("text", HOSTILE)
def test_html_in_js_is_inert_in_a_template_literal(text):
    out = esc.html_in_js(text)
    # nothing that ends a template literal, starts a ${...} substitution, escapes, or opens a tag
    assert not set("`$\\<>\"'") & set(out), out
    assert html.unescape(out) == text


@given(TEXT)
def test_html_in_js_round_trip(text):
    assert html.unescape(esc.html_in_js(text)) == text


# ------------------------------------------------------------------------------------------------
# JavaScript
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE)
def test_js_string(text):
    out = esc.js_string(text)
    assert out.startswith('"') and out.endswith('"')
    assert not re.search(r"[<>&\u2028\u2029]", out), out  # cannot end or comment out a <script>
    assert out.isascii()
    assert json.loads(out) == text  # a JSON string is a JavaScript string literal with the same value


@given(TEXT)
def test_js_string_round_trip(text):
    assert json.loads(esc.js_string(text)) == text


def _cook_template(body: str) -> str:
    """The value of a JavaScript template literal `body` (the escapes js_template writes, as JS reads them)."""
    out, i = [], 0
    while i < len(body):
        c = body[i]
        assert c != "`", f"unescaped backtick ends the literal: {body!r}"
        assert not body.startswith("${", i), f"unescaped substitution: {body!r}"
        if c == "\\":
            out.append(body[i + 1])  # \\ \` \$ \/ \! : the character itself
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


@pytest.mark.parametrize("text", HOSTILE)
def test_js_template(text):
    out = esc.js_template(text)
    assert "</" not in out and "<!--" not in out
    assert _cook_template(out) == text


@given(TEXT)
def test_js_template_round_trip(text):
    assert _cook_template(esc.js_template(text)) == text


def test_folium_tooltip_and_popup_stay_closed():
    """Folium's own templates: the literal around the text is still closed after the text."""
    import folium

    m = folium.Map(location=[53.0, 6.56], zoom_start=13, tiles=None)
    for k, text in enumerate(HOSTILE):
        folium.CircleMarker(
            [53.0 + k / 1000, 6.56],
            tooltip=esc.html_in_js(text),
            popup=folium.Popup(f"<b>{esc.html_in_js(text)}</b>", max_width=300),
        ).add_to(m)
    page = m.get_root().render()
    for body in re.findall(r"bindTooltip\(\s*`(.*?)`,", page, flags=re.DOTALL):
        assert "${" not in body and "\\" not in body and "</script" not in body
    # one tooltip per marker was found between its two backticks, so none ended early
    assert len(re.findall(r"bindTooltip\(\s*`(.*?)`,\s*\{", page, flags=re.DOTALL)) == len(HOSTILE)
    assert page.count("<script") == page.count("</script>")


# ------------------------------------------------------------------------------------------------
# CSV
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\n=1+1"),  # and the CR as LF (see below)
        ("Hof\r=1+1", "Hof\n=1+1"),
        ("Hof\r\nB", "Hof\nB"),
        ("-", "'-"),
        ("-2", "-2"),  # a number written as text stays a number
        ("+3,5", "+3,5"),
        ("-1.5e3", "-1.5e3"),
        ("Brink 1, Assen", "Brink 1, Assen"),
        ("a=b", "a=b"),  # only the first character counts
        ("", ""),
        (-2.5, -2.5),
        (-3, -3),
        (None, None),
    ],
)
def test_csv_cell(value, expected):
    assert esc.csv_cell(value) == expected


def test_csv_frame_only_text_cells():
    frame = pd.DataFrame(
        {
            "naam": ["=1+1", "Hof", None, "-2"],
            "getal": [-1.5, 2.0, np.nan, -4.0],
            "geheel": [-1, 2, 3, -4],
            "soort": pd.Categorical(["@x", "b", "@x", "c"]),
            "tekst": pd.array(["+a", "b", None, "c"], dtype="string"),
        },
        index=pd.Index(["-x", "b", "c", "d"], name="code"),
    )
    before = frame.copy()
    out = esc.csv_frame(frame)
    pd.testing.assert_frame_equal(frame, before)  # the input is not changed
    assert out["naam"].tolist()[:2] == ["'=1+1", "Hof"] and out["naam"].iloc[3] == "-2"
    assert out["naam"].isna().tolist() == [False, False, True, False]
    for col in ("getal", "geheel"):  # numbers untouched, negative ones included
        assert out[col].dtype == frame[col].dtype
        np.testing.assert_array_equal(out[col].to_numpy(), frame[col].to_numpy())
    assert list(out["soort"]) == ["'@x", "b", "'@x", "c"]
    assert list(out["tekst"].astype(object).where(out["tekst"].notna(), None)) == ["'+a", "b", None, "c"]
    assert list(out.index) == ["'-x", "b", "c", "d"] and out.index.name == "code"


def test_csv_frame_multiindex():
    frame = pd.DataFrame({"v": [1, 2]}, index=pd.MultiIndex.from_tuples([("=a", 1), ("b", 2)], names=["k", "n"]))
    out = esc.csv_frame(frame)
    assert list(out.index) == [("'=a", 1), ("b", 2)] and list(out.index.names) == ["k", "n"]


def test_write_csv_a_carriage_return_does_not_split_the_row(tmp_path):
    """Python's CSV writer leaves a cell with a lone CR unquoted; a spreadsheet then starts a new row
    there, and the rest of the cell, ``=1+1``, is a formula in its first column."""
    frame = pd.DataFrame({"naam": ["Hof\r=1+1", "\r@x", "Hof\nB"], "n": [1, 2, 3]})
    plain = frame.to_csv(index=False)  # without csv_frame: a line (a row, to a spreadsheet) that is a formula
    assert "=1+1,1" in plain.splitlines()
    path = write_csv(tmp_path / "t.csv", frame, index=False)
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["naam", "n"], ["Hof\n=1+1", "1"], ["'\n@x", "2"], ["Hof\nB", "3"]]


def test_write_csv_neutralises_and_keeps_numbers(tmp_path):
    frame = pd.DataFrame({"naam": ['=HYPERLINK("http://x")', "@SUM(A1)", "Hof"], "waarde": [-2.5, 3.0, -1.0]})
    path = write_csv(tmp_path / "t.csv", frame, index=False)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[1:] == [['\'=HYPERLINK("http://x")', "-2.5"], ["'@SUM(A1)", "3.0"], ["Hof", "-1.0"]]
    back = pd.read_csv(path)
    assert back["waarde"].dtype == float and back["waarde"].tolist() == [-2.5, 3.0, -1.0]


# ------------------------------------------------------------------------------------------------
# XML and figures
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [*HOSTILE, "a\x0b\x00b\x1f\ufffe"])
def test_xml_text(text):
    doc = f'<qgis title="{esc.xml_text(text)}"><t>{esc.xml_text(text)}</t></qgis>'
    root = ET.fromstring(doc)
    clean = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", "", text)
    # XML turns tab/newline/CR in attribute values into spaces and CR LF into LF in text
    assert root.get("title") == re.sub("[\t\n\r]", " ", clean.replace("\r\n", "\n"))
    assert (root.find("t").text or "") == clean.replace("\r\n", "\n").replace("\r", "\n")


def test_plain_figure_text():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def draw() -> None:
        fig, ax = plt.subplots()
        try:
            ax.set_title("$\\frac$ wijk")
            fig.savefig(io.BytesIO(), format="png")
        finally:
            plt.close(fig)

    with pytest.raises(ValueError):  # without it, matplotlib reads the name as (broken) mathematics
        draw()
    with esc.plain_figure_text():
        draw()
