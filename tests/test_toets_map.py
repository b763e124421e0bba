"""The toets report's map, residents per home, each criterion counted once, and typo-tolerant addresses.

On the small synthetic gemeente of ``toets_world`` (site A in Groenbuurt, a point in Roodbuurt whose
wijk has a high draaglast), plus one real check on Assen.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from toets_world import RD, SITE_A, X0, Y0, ToetsWorld, make_world

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import GeocodeError, SettingsError
from woonzorg_geo.outputs.toets_report import toets_html, toets_json
from woonzorg_geo.toets import load_toets_settings, run_toets
from woonzorg_geo.toets.check import prepare_toets
from woonzorg_geo.toets.streets import street_names, suggest_streets

TO_LL = Transformer.from_crs(RD, "EPSG:4326", always_xy=True)
SITE_B = (X0 + 1450.0, Y0 + 1510.0)  # Noordstraat 115, Roodbuurt (wijk Roodwijk: draaglast high)


@pytest.fixture(scope="module")
def world() -> ToetsWorld:
    return make_world()


@pytest.fixture(scope="module")
def at_a(world):
    return run_toets(world, punt=TO_LL.transform(*SITE_A), zorgtype="geclusterd_wonen", omvang=24)


@pytest.fixture(scope="module")
def at_b(world):
    return run_toets(world, punt=TO_LL.transform(*SITE_B), zorgtype="beschermd_wonen", omvang=6)


def _reached(result) -> dict[str, dict]:
    return {r["categorie"]: r for r in result.bereikbaarheid if r["afstand_m"] is not None}


# ------------------------------------------------------------------------------------------
# The map
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["at_a", "at_b"])
def test_one_route_per_reached_category_from_the_site_to_the_voorziening(world, which, request):
    res = request.getfixturevalue(which)
    kaart = res.kaart
    assert kaart is not None
    site = shapely.Point(res.locatie["x_rd"], res.locatie["y_rd"])
    assert kaart.site.distance(site) < 0.01
    reached = _reached(res)
    assert reached and {r.categorie for r in kaart.routes} == set(reached)
    vz = world.inputs.voorzieningen
    for route in kaart.routes:
        row = reached[route.categorie]
        assert route.vz_id == row["dichtstbij_id"] and route.naam == row["dichtstbij"]
        start, end = shapely.Point(route.line.coords[0]), shapely.Point(route.line.coords[-1])
        assert start.distance(kaart.site) < 1e-6
        assert end.distance(vz.geometry.loc[route.vz_id]) < 1e-6
        # the line's length is the reported network distance (rounded to 0,1 m in the report)
        assert route.line.length == pytest.approx(row["afstand_m"], abs=0.06)
        assert route.binnen_norm == row["binnen_norm"]


def test_a_route_beyond_the_norm_is_drawn_to_its_end(at_b):
    far = [r for r in at_b.kaart.routes if not r.binnen_norm]
    assert far, "site B lies beyond the norm from the shops of Groenbuurt"
    for r in far:
        assert r.afstand_m > at_b.kaart.norm_m and r.line.length == pytest.approx(r.afstand_m, abs=0.06)


def test_the_area_of_the_norm_walk_is_the_network_within_the_norm(world, at_a):
    kaart = at_a.kaart
    norm = kaart.norm_m
    coords = shapely.get_coordinates(kaart.bereik)
    assert len(coords) > 10
    # network distance >= straight distance: nothing of the area lies further than the norm as the crow flies
    straight = np.hypot(coords[:, 0] - kaart.site.x, coords[:, 1] - kaart.site.y)
    assert straight.max() <= norm + 1e-6
    # ... and it reaches far along the straight street the site lies on (Zuidstraat, y = 500)
    on_street = coords[np.abs(coords[:, 1] - (Y0 + 500.0)) < 1e-6]
    assert on_street[:, 0].max() - kaart.site.x > norm - 100
    # voorzieningen within the norm lie in its hull, the one far away does not
    vz = world.inputs.voorzieningen
    assert kaart.gebied is not None
    for vid, row in vz.iterrows():
        inside = kaart.gebied.buffer(25).contains(row.geometry)
        assert inside == (vid != "vz6"), vid


def test_the_html_map_and_the_geojson(at_a, tmp_path):
    before = set(tmp_path.iterdir())
    page, text = toets_html(at_a), toets_json(at_a)
    assert set(tmp_path.iterdir()) == before  # the builders write nothing
    svg = re.search(r"<svg class='toetskaart'.*?</svg>", page, re.DOTALL)
    assert svg is not None
    routes = re.findall(r"class='route' data-categorie='([a-z_]+)'", svg.group(0))
    assert sorted(routes) == sorted(r.categorie for r in at_a.kaart.routes)
    assert "class='locatie'" in svg.group(0) and "class='schaalbalk'" in svg.group(0)
    assert re.search(r">\d+ m</text></g>", svg.group(0))  # the scale bar in metres
    legend = page[page.index("class='kaartlegenda'") :]
    assert "Legenda" in legend and "beoogde locatie" in legend and "Gegevens:" in legend
    for r in at_a.kaart.routes:
        assert r.naam in legend
    assert "http" not in page and "<script" not in page
    doc = json.loads(text)
    fc = doc["kaart"]
    assert fc["type"] == "FeatureCollection"
    kinds = [f["properties"]["soort"] for f in fc["features"]]
    assert kinds.count("locatie") == 1 and kinds.count("route") == len(at_a.kaart.routes)
    site = next(f for f in fc["features"] if f["properties"]["soort"] == "locatie")
    assert site["geometry"]["coordinates"] == pytest.approx([at_a.locatie["lon"], at_a.locatie["lat"]], abs=2e-6)
    by_cat = {r["categorie"]: r for r in doc["bereikbaarheid"]}
    for f in fc["features"]:
        if f["properties"]["soort"] == "route":
            first = f["geometry"]["coordinates"][0]
            assert first == pytest.approx(site["geometry"]["coordinates"], abs=2e-6)
            assert f["properties"]["afstand_m"] == by_cat[f["properties"]["categorie"]]["afstand_m"]


def test_a_list_without_reports_draws_no_maps(world):
    assert prepare_toets(world, many=True).kaart is False
    assert prepare_toets(world).kaart is True


# ------------------------------------------------------------------------------------------
# Residents of geclusterd wonen
# ------------------------------------------------------------------------------------------


def _inhabitants_row(result, level="buurt"):
    return next(w for w in result.wat_als if w["gebied"] == level and w["indicator"] == "inwoners")


def test_residents_per_home_come_from_the_setting_with_its_source(world, at_a, tmp_path):
    zt = load_toets_settings().care_type("geclusterd_wonen")
    assert zt.omvang_eenheid == "woningen" and zt.bewoners_per_eenheid > 1 and "CBS" in zt.bewoners_per_eenheid_bron
    row = _inhabitants_row(at_a)
    assert row["na"] - row["nu"] == pytest.approx(24 * zt.bewoners_per_eenheid, abs=0.01)
    assert zt.bewoners_per_eenheid_bron in row["toelichting"] and "gerekend als 24 bewoners" not in row["toelichting"]
    doc = json.loads(toets_json(at_a))
    assert doc["bewoners"]["aantal"] == pytest.approx(24 * zt.bewoners_per_eenheid)
    assert doc["bewoners"]["bron"] == zt.bewoners_per_eenheid_bron
    page = toets_html(at_a)
    expected = f"≈ {fmt.number(24 * zt.bewoners_per_eenheid, 0)} bewoners"
    assert expected in page.split("Samenvatting")[0]  # in the facts at the top
    assert zt.bewoners_per_eenheid_bron in page.split("<h2>Bronnen</h2>")[1]
    # a type counted in residents adds exactly its omvang
    bw = run_toets(world, punt=TO_LL.transform(*SITE_A), zorgtype="beschermd_wonen", omvang=6)
    row = _inhabitants_row(bw)
    assert row["na"] - row["nu"] == pytest.approx(6, abs=0.01)
    # the setting is the one used: another figure gives other residents
    own = tmp_path / "kader.toml"
    own.write_text(
        '[types.geclusterd_wonen]\nbewoners_per_eenheid = 2.0\nbewoners_per_eenheid_bron = "eigen telling"\n',
        encoding="utf-8",
    )
    res = run_toets(
        world,
        punt=TO_LL.transform(*SITE_A),
        zorgtype="geclusterd_wonen",
        omvang=24,
        settings=load_toets_settings(own),
    )
    row = _inhabitants_row(res)
    assert row["na"] - row["nu"] == pytest.approx(48, abs=0.01) and "eigen telling" in row["toelichting"]
    own.write_text("[types.ouderenzorg]\nbewoners_per_eenheid = 2.0\n", encoding="utf-8")  # no source
    with pytest.raises(SettingsError, match="bewoners_per_eenheid"):
        load_toets_settings(own)


# ------------------------------------------------------------------------------------------
# Each criterion counted once in a part
# ------------------------------------------------------------------------------------------


def test_draaglast_is_counted_once_through_the_balans(world, at_b):
    deel = at_b.part(2)
    crit = {c.code: c for c in deel.criteria}
    # Roodwijk: balans 'sterk onder druk' and draaglast +1,2 sd are both rood by their thresholds ...
    assert crit["balans_wijk"].oordeel == "rood" and crit["draaglast_wijk"].oordeel == "rood"
    # ... but the one signal counts once: through the balans
    assert crit["balans_wijk"].telt_mee and not crit["draaglast_wijk"].telt_mee
    assert not crit["draagkracht_wijk"].telt_mee
    counted_red = [c.code for c in deel.criteria if c.telt_mee and c.oordeel == "rood"]
    assert counted_red.count("draaglast_wijk") == 0 and "balans_wijk" in counted_red
    line = at_b.samenvatting.split("Deel 2", 1)[1].split("\n")[0]
    assert crit["balans_wijk"].naam in line and crit["draaglast_wijk"].naam not in line
    page = toets_html(at_b)
    why = re.search(r"Deel 2: Gemeente.*?</tr>", page, re.DOTALL)
    assert why is not None and crit["balans_wijk"].naam in why.group(0)
    assert crit["draaglast_wijk"].naam not in why.group(0)
    assert "(via balans)" in page
    doc = json.loads(toets_json(at_b))
    flags = {c["code"]: c["telt_mee"] for d in doc["delen"] for c in d["criteria"]}
    assert flags["draaglast_wijk"] is False and flags["balans_wijk"] is True


def test_without_a_balans_draaglast_counts_itself(world):
    wijken = world.wijken.copy()
    wijken["balans_klasse"] = None
    w = dataclasses.replace(world, wijken=wijken)
    res = run_toets(w, punt=TO_LL.transform(*SITE_B), zorgtype="beschermd_wonen", omvang=6)
    crit = {c.code: c for c in res.part(2).criteria}
    assert crit["balans_wijk"].oordeel == "onbekend"
    assert crit["draaglast_wijk"].telt_mee and crit["draaglast_wijk"].oordeel == "rood"
    assert res.part(2).oordeel == "rood"


# ------------------------------------------------------------------------------------------
# Typo-tolerant address
# ------------------------------------------------------------------------------------------


def test_a_misspelt_street_is_used_and_reported_as_such(world):
    exact = run_toets(world, adres="Zuidstraat 5", zorgtype="geclusterd_wonen", omvang=12)
    typo = run_toets(world, adres="Zuidstrat 5", zorgtype="geclusterd_wonen", omvang=12)
    assert (typo.locatie["x_rd"], typo.locatie["y_rd"]) == (exact.locatie["x_rd"], exact.locatie["y_rd"])
    assert typo.locatie["straat_gezocht"] == "Zuidstrat" and typo.locatie["straat_gebruikt"] == "Zuidstraat"
    assert "straat_gebruikt" not in exact.locatie
    warning = typo.locatie["waarschuwing"]
    assert "Zuidstrat" in warning and "Zuidstraat" in warning and warning in typo.meldingen
    assert "gecorrigeerd" in typo.locatie["precisie_tekst"]
    assert "Zuidstraat" in toets_html(typo)
    # a house number not found: the precision warning stays beside the correction
    street_only = run_toets(world, adres="Zuidstrat 999", zorgtype="geclusterd_wonen", omvang=12)
    assert street_only.locatie["geocode_precisie"] == "straat"
    assert "Zuidstraat" in street_only.locatie["waarschuwing"]
    assert "niet op adresniveau" in street_only.locatie["waarschuwing"]


def test_an_unclear_street_gets_suggestions_not_a_guess(world):
    with pytest.raises(
        GeocodeError,
        match=r"Bedoelde u 'Zuidstraat 5' of 'Noordstraat 5'\?|Bedoelde u 'Noordstraat 5' of 'Zuidstraat 5'\?",
    ):
        run_toets(world, adres="straat 5", zorgtype="geclusterd_wonen", omvang=12)
    # streets outside the gemeente are not suggested (Buitenweg lies outside Testgem)
    assert "Buitenweg" not in street_names(world.inputs, world.inputs.gemeente.geometry.iloc[0])
    with pytest.raises(GeocodeError) as err:
        run_toets(world, adres="Buitenwg 500", zorgtype="geclusterd_wonen", omvang=12)
    assert "Bedoelde u" not in str(err.value)


def test_suggest_streets_ranks_the_closest_first():
    names = ["Zuidstraat", "Noordstraat", "Stationsstraat"]
    hits = suggest_streets("Nordstraat", names)
    assert hits[0][0] == "Noordstraat" and hits[0][1] > hits[-1][1]
    assert suggest_streets("", names) == []


# ------------------------------------------------------------------------------------------
# Assen
# ------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_assen_oost_report_with_map_and_a_typo(assen_analysis):
    a = assen_analysis
    res = run_toets(a, adres="Lonerstraat 10, Assen", zorgtype="geclusterd_wonen", omvang=24)
    assert res.locatie["wijknaam"] == "Assen-Oost"
    reached = _reached(res)
    assert len(reached) >= 4 and {r.categorie for r in res.kaart.routes} == set(reached)
    vz = a.inputs.voorzieningen
    for r in res.kaart.routes:
        assert r.line.length == pytest.approx(reached[r.categorie]["afstand_m"], abs=0.06)
        assert shapely.Point(r.line.coords[-1]).distance(vz.geometry.loc[r.vz_id]) < 1e-6
    page = toets_html(res)
    assert "OpenStreetMap (aug. 2021)" in page[page.index("class='kaartlegenda'") :]
    typo = run_toets(a, adres="Lonerstrat 10, Assen", zorgtype="geclusterd_wonen", omvang=24)
    assert typo.locatie["straat_gebruikt"] == "Lonerstraat"
    assert (typo.locatie["x_rd"], typo.locatie["y_rd"]) == (res.locatie["x_rd"], res.locatie["y_rd"])
    with pytest.raises(GeocodeError, match="Bedoelde u .*Bremstraat 3"):
        run_toets(a, adres="Bremstr 3, Assen", zorgtype="geclusterd_wonen", omvang=24)


def test_a_site_too_far_from_the_network_gets_a_map_without_routes():
    from woonzorg_geo.core.settings_loader import load_settings

    s = load_settings()
    w = make_world(dataclasses.replace(s, bereikbaarheid=dataclasses.replace(s.bereikbaarheid, max_snap_m=5.0)))
    res = run_toets(w, punt=TO_LL.transform(X0 + 450.0, Y0 + 560.0), zorgtype="geclusterd_wonen", omvang=12)
    assert all(r["afstand_m"] is None for r in res.bereikbaarheid)
    assert res.kaart is not None and res.kaart.routes == () and res.kaart.bereik.is_empty
    page = toets_html(res)
    assert "class='locatie'" in page and "class='route'" not in page and "Geen looproutes" in page
    kinds = [f["properties"]["soort"] for f in json.loads(toets_json(res))["kaart"]["features"]]
    assert kinds == ["locatie"]


def test_other_voorzieningen_on_the_map_are_of_the_toets_categories(world, at_a):
    cats = {r["categorie"] for r in at_a.bereikbaarheid}
    parts = {p for c in cats for p in world.vocab.composites.get(c, (c,))}
    assert all(cat in parts for _, cat, _, _ in at_a.kaart.overige)
    on_route = {r.vz_id for r in at_a.kaart.routes}
    assert not on_route & {vid for vid, _, _, _ in at_a.kaart.overige}
