"""User text of a toets and a list of initiatives reaches every page escaped (issue 22 §5).

A name from the list or the register holding ``<script>`` or ``<img onerror>`` must reach the toets
report, the overview page of ``toets --lijst`` and its map as text, never as markup. No browser
here: the pages are searched for the raw markup and for the name in its escaped form.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from toets_world import ToetsWorld, make_world, register_csv

from woonzorg_geo.outputs.maps.layers import render
from woonzorg_geo.outputs.maps.toets_list import list_map
from woonzorg_geo.outputs.toets_lijst import list_page
from woonzorg_geo.outputs.toets_report import toets_html, toets_json
from woonzorg_geo.toets import load_toets_settings, run_toets
from woonzorg_geo.toets.batch import check_list
from woonzorg_geo.toets.list_file import read_initiatives

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE = (SCRIPT, IMG)


@pytest.fixture(scope="module")
def world() -> ToetsWorld:
    return make_world()


def _assert_escaped(page: str, name: str) -> None:
    """``name`` is not in ``page`` as markup, and is there as escaped text."""
    assert name not in page
    escaped = html.escape(name, quote=True)
    # in a map the text sits, escaped, inside JSON that escapes '<', '>' and '&' once more
    in_json = json.dumps(escaped)[1:-1].replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    assert escaped in page or in_json in page, f"{name!r} not found escaped"


def test_register_names_escaped_in_the_toets_report(world, tmp_path):
    register = register_csv(
        tmp_path,
        [(SCRIPT, "Zuidstraat 7", "", "beschermd_wonen"), (IMG, "Zuidstraat 3", "", "beschermd_wonen")],
    )
    res = run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=10, register=register)
    assert sorted(i["naam"] for i in res.initiatieven) == sorted(HOSTILE)  # both near the site, as typed
    page = toets_html(res)
    for name in HOSTILE:
        _assert_escaped(page, name)
    assert "<script" not in page.lower() and "<img src=x" not in page
    data = json.loads(toets_json(res))
    assert sorted(i["naam"] for i in data["initiatieven_in_de_buurt"]) == sorted(HOSTILE)  # JSON keeps the text


@pytest.fixture(scope="module")
def lijst(world, module_tmp):
    folder = module_tmp("lijst")
    path = folder / "lijst.csv"
    path.write_text(
        "naam;adres;type;omvang\n"
        f"{SCRIPT};Zuidstraat 5;beschermd_wonen;8\n"
        f"{IMG};Noordstraat 115;ouderenzorg;20\n"
        f"{IMG} weg;Nergensstraat 99;ggz;6\n",
        encoding="utf-8",
    )
    settings = load_toets_settings()
    return check_list(world, read_initiatives(path, settings=settings), settings=settings)


def test_list_names_escaped_in_the_overview_page(lijst):
    assert {u.ini.naam for u in lijst.getoetst} == set(HOSTILE)
    assert [r["naam"] for r in lijst.niet_getoetst] == [f"{IMG} weg"]
    page = list_page(lijst, titel="Toetsen")
    for name in (*HOSTILE, f"{IMG} weg"):
        _assert_escaped(page, name)
    assert not re.search(r"<script>alert|<img src=x", page)


def test_list_names_escaped_on_the_map(lijst, world):
    page = render(list_map(lijst, world, offline=True))
    for name in HOSTILE:
        _assert_escaped(page, name)
    assert "alert(1)</script>" not in page and "<img src=x" not in page
