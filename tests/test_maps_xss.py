"""Names from data and settings reach the maps, the wijkprofielen and the watals map escaped.

Every name that ends up in a map (a voorziening's ``naam``, wijk and buurt names, the label of a
category and of a profile from the settings) gets a ``<script>`` and an ``<img onerror>`` payload;
the HTML must show them as text (escaped) and never hold them as markup. The fast unit-level check;
``tests/test_xss.py`` runs every command end to end.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pytest
from test_maps import make_output
from toets_world import make_world

from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.outputs import maps
from woonzorg_geo.outputs.maps.whatif import whatif_map
from woonzorg_geo.outputs.report import wijkprofiel_html
from woonzorg_geo.whatif.engine import Changes, what_if

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
PAYLOAD = f"{SCRIPT}{IMG}"
#: The payload as HTML text (escaped once), as it must appear.
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
#: Markup a payload could turn into: none of it may be in a page (the pages have no <img> of their own).
RAW = re.compile(r"<script>alert|<img src=x|<img\b", re.IGNORECASE)


def _decoded(text: str) -> str:
    """The page with JSON's and JavaScript's ``\\uXXXX`` escapes decoded: what the browser gets as text
    (a ``\\u003cscript`` in a string that becomes ``innerHTML`` is a ``<script>`` there)."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), text)


def _assert_escaped(html: str, where: str, *, at_least: int = 1) -> None:
    text = _decoded(html)
    raw = RAW.findall(text)
    assert not raw, f"{where}: unescaped markup from data {raw[:3]}"
    # escaped the same either way Python's html module or Jinja2's autoescape writes quotes
    found = text.count(ESCAPED)
    assert found >= at_least, f"{where}: the escaped name occurs {found} times, expected at least {at_least}"


def _hostile_settings():
    """The package settings with the payload in the label of the composite ``ov`` and of every profile."""
    s = load_settings()
    acc = s.bereikbaarheid
    comps = tuple(dataclasses.replace(c, label=f"{c.label or c.name} {PAYLOAD}") for c in acc.samengesteld)
    assert any(c.name == "ov" for c in comps)
    profiles = {n: dataclasses.replace(p, label=f"{p.label} {PAYLOAD}") for n, p in s.profielen.items()}
    return dataclasses.replace(s, bereikbaarheid=dataclasses.replace(acc, samengesteld=comps), profielen=profiles)


@pytest.fixture(scope="module")
def hostile_out(tmp_path_factory) -> Path:
    """The synthetic analyse output of test_maps with the payload in every wijk, buurt and voorziening name."""
    out = make_output(tmp_path_factory.mktemp("xss"))
    gpkg = out / "woonzorg.gpkg"
    for layer in ("wijken", "buurten", "voorzieningen"):
        frame = gpd.read_file(gpkg, layer=layer)
        frame["naam"] = frame["naam"].fillna("") + f" {PAYLOAD}"
        frame.to_file(gpkg, layer=layer, driver="GPKG")
    return out


def test_names_on_the_maps_are_escaped(hostile_out, tmp_path):
    settings = _hostile_settings()
    vocab = Vocabulary.from_settings(settings)
    written = maps.write_maps(
        hostile_out, tmp_path / "kaarten", gemeente=f"Proefdorp {PAYLOAD}", offline=True, vocabulary=vocab
    )
    pages = [p for p in written if p.suffix == ".html"]
    assert len(pages) >= 3  # the gemeente and its two wijken
    for page in pages:
        html = page.read_text(encoding="utf-8")
        # wijk and buurt names (labels, tooltips, popups), voorzieningen (popups, tooltips), title
        _assert_escaped(html, page.name, at_least=3)
    gemeente = _decoded(next(p for p in pages if "bereikbaarheid" in p.name).read_text(encoding="utf-8"))
    # the labels of a category and of the main profile from the settings reach the legends and panels
    ov = next(c for c in settings.bereikbaarheid.samengesteld if c.name == "ov")
    main = settings.profielen[vocab.main_profile]
    for label in (ov.label, main.label):
        assert label.replace(PAYLOAD, ESCAPED) in gemeente
    assert "Proefdorp &lt;script&gt;" in gemeente


def test_names_on_the_wijkprofiel_are_escaped():
    world = make_world()
    wijken, buurten = world.wijken.copy(), world.buurten.copy()
    buurten["naam"] = buurten["naam"] + f" {PAYLOAD}"
    wijken["naam"] = wijken["naam"] + f" {PAYLOAD}"
    buurten["focus_redenen"] = PAYLOAD
    vz = world.inputs.voorzieningen.copy()
    vz["naam"] = vz["naam"] + f" {PAYLOAD}"
    code = str(wijken.index[0])
    html = wijkprofiel_html(code, wijken.loc[code], buurten.loc[buurten["wijkcode"] == code], vz, _hostile_settings())
    # the wijk (title, heading), its buurten (map titles, table), the voorzieningen (map, list)
    _assert_escaped(html, "wijkprofiel", at_least=5)


def test_names_on_the_watals_map_are_escaped():
    world = make_world(_hostile_settings())
    world.buurten["naam"] = world.buurten["naam"] + f" {PAYLOAD}"
    world.wijken["naam"] = world.wijken["naam"] + f" {PAYLOAD}"
    vz = world.inputs.voorzieningen
    vz["naam"] = vz["naam"] + f" {PAYLOAD}"
    # an Analysis-like object: the world and its addresses with their buurt and wijk
    addresses = world.inputs.osm.addresses
    areas = gpd.sjoin(addresses[["geometry"]], world.buurten.reset_index()[["code", "wijkcode", "geometry"]])
    analysis = SimpleNamespace(
        **{f.name: getattr(world, f.name) for f in dataclasses.fields(world)},
        vocab=world.vocab,
        adressen=addresses.assign(
            buurtcode=areas["code"].reindex(addresses.index), wijkcode=areas["wijkcode"].reindex(addresses.index)
        ),
    )
    closed = str(vz.index[vz["categorie"] == "supermarkt"][0])
    w = what_if(analysis, Changes(weg=(closed,)))  # type: ignore[arg-type]
    html = maps.render(whatif_map(w, analysis, offline=True))  # type: ignore[arg-type]
    # the closed voorziening (title, popup, tooltip), the others (popups, tooltips), wijk/buurt names
    _assert_escaped(html, "watals_kaart", at_least=5)


#: Names with Jinja2 syntax: a map shows them as text; they are never run as a template while the
#: page is rendered (branca used to compile every rendered piece of a map once more as a template).
JINJA_NAMES = ("{{ 7*7 }}", "{% if true %}ja{% endif %}", "{# weg #}")


def test_template_syntax_in_names_is_kept_as_text(tmp_path):
    out = make_output(tmp_path / "uit")
    gpkg = out / "woonzorg.gpkg"
    for i, layer in enumerate(("wijken", "buurten", "voorzieningen")):
        frame = gpd.read_file(gpkg, layer=layer)
        frame["naam"] = frame["naam"].fillna("") + f" {JINJA_NAMES[i]}"
        frame.to_file(gpkg, layer=layer, driver="GPKG")
    written = maps.write_maps(out, tmp_path / "kaarten", gemeente="Proefdorp", offline=True)
    gemeente = next(p for p in written if "bereikbaarheid" in p.name).read_text(encoding="utf-8")
    for name in JINJA_NAMES:  # wijk labels, buurt popups and tooltips, voorzieningen popups
        assert name in gemeente, f"{name!r} is not on the gemeente map as it is"
    wijk = next(p for p in written if p.name.startswith("wijk_")).read_text(encoding="utf-8")
    assert JINJA_NAMES[0] in wijk and JINJA_NAMES[1] in wijk
