"""The shared page pieces: slugs, the template environment, escaping and the Dutch number filters."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from woonzorg_geo.core import formatting
from woonzorg_geo.outputs import pages


def test_slug():
    assert formatting.slug("Assen-Oost") == "assen-oost"
    assert formatting.slug("Súdwest Fryslân") == "sudwest-fryslan"
    assert formatting.slug("!!!") == "onbekend"
    assert len(formatting.slug("a" * 200)) == 80


def test_page_frame_escapes_and_shares_the_header():
    env = pages.environment()
    page = env.from_string(
        '{% extends "page.html" %}{% block source_line %}bron: {{ bron }}{% endblock %}'
        "{% block content %}<p>{{ tekst }}|{{ leeg }}|{{ n | number(1) }}|{{ p | percent }}</p>\n{% endblock %}"
    ).render(title="Wijk <A> & B", bron="<script>", tekst="x < y", leeg=None, n=1234.56, p=64.78)
    assert page.startswith('<!DOCTYPE html>\n<html lang="nl">')
    assert "<title>Wijk &lt;A&gt; &amp; B</title>" in page and "<h1>Wijk &lt;A&gt; &amp; B</h1>" in page
    assert pages.CSS in page  # the style sheet is inlined, not escaped
    assert '<p class="note">bron: &lt;script&gt;</p>' in page
    assert "<p>x &lt; y||1.234,6|64,8%</p>" in page  # None renders as nothing; Dutch numbers
    assert page.endswith("</body></html>\n")


def test_undefined_names_fail():
    with pytest.raises(UndefinedError):
        pages.environment().from_string("{{ nergens }}").render()
