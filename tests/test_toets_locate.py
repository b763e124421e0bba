"""Tests of where the toets places an initiative: the place of the address, points outside, Locatieserver."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import Point
from standins import LocatieserverStandIn
from toets_world import RD, SITE_A, X0, Y0, ToetsWorld, make_world, register_csv

from woonzorg_geo.sources import pdok
from woonzorg_geo.sources.geocode import locatieserver_geocoder
from woonzorg_geo.toets import ToetsError, load_toets_settings, read_register, run_toets
from woonzorg_geo.toets.locate import locate_site, offline_geocoder
from woonzorg_geo.toets.places import municipality_places

TO_LL = Transformer.from_crs(RD, "EPSG:4326", always_xy=True)


@pytest.fixture(scope="module")
def world() -> ToetsWorld:
    return make_world()


@pytest.fixture(scope="module")
def places(world):
    """The synthetic gemeente's places, plus one OSM village outside it (as the tiles would give)."""
    pl = municipality_places(world.inputs)
    around = gpd.GeoDataFrame(
        {"name": ["Buitendorp"], "class": ["village"]}, geometry=[Point(X0 + 3100, Y0 + 1000)], crs=RD
    )
    return dataclasses.replace(pl, around=around)


def _locate(world, places, adres=None, punt=None, settings=None, geocode=None):
    s = settings or load_toets_settings()
    return locate_site(
        world.inputs, adres=adres, punt=punt, geocode=geocode or offline_geocoder(world), settings=s, places=places
    )


def test_places_of_the_gemeente(world, places):
    names = places.names()
    assert names[0] == "Testgem"
    assert {"Groenwijk", "Roodwijk", "Groenbuurt", "Middenbuurt", "Roodbuurt"} <= set(names)
    assert places.knows("groenbuurt") and places.knows("TESTGEM") and not places.knows("Buitendorp")
    assert places.area_of(Point(*SITE_A)) == "buurt Groenbuurt, wijk Groenwijk"
    assert places.nearby(Point(X0 + 3100, Y0 + 1000 + 2500)) == "2,5 km van Buitendorp"


def test_address_in_a_place_of_the_gemeente_is_accepted(world, places):
    for plaats in ("Testgem", "testgem", "Groenbuurt", "Groenwijk"):
        point, info = _locate(world, places, adres=f"Zuidstraat 5, {plaats}")
        assert point.distance(Point(*SITE_A)) < 1.0 and info["plaats"] == plaats
        assert "opmerking_plaats" not in info
    _, info = _locate(world, places, adres="Zuidstraat 5")
    assert "geen plaats opgegeven" in info["opmerking_plaats"]


def test_place_outside_the_gemeente_is_an_error_naming_it_and_where_the_street_was_found(world, places):
    with pytest.raises(ToetsError) as exc:
        _locate(world, places, adres="Zuidstraat 5, Groningen")
    msg = str(exc.value)
    assert "plaats 'Groningen'" in msg and "niet in de gemeente Testgem" in msg
    assert "gevonden als Zuidstraat 5 (buurt Groenbuurt, wijk Groenwijk)" in msg
    assert "Testgem, " in msg and "--punt" in msg  # the places of the gemeente and the fix
    # also when the street is not found at all
    with pytest.raises(ToetsError, match="plaats 'Groningen'"):
        _locate(world, places, adres="Nergensweg 1, Groningen")


def test_address_found_away_from_its_place_is_an_error(world, places):
    s = load_toets_settings()
    tight = dataclasses.replace(s, locatie=dataclasses.replace(s.locatie, plaats_marge_m=100.0))
    # Zuidstraat 5 lies in Groenbuurt, 550 m from Roodbuurt
    with pytest.raises(ToetsError, match=r"0,6 km van Roodbuurt.*plaats_marge_m"):
        _locate(world, places, adres="Zuidstraat 5, Roodbuurt", settings=tight)
    point, _ = _locate(world, places, adres="Zuidstraat 5, Roodbuurt", settings=s)  # within 1,5 km
    assert point.distance(Point(*SITE_A)) < 1.0


def test_address_or_point_outside_names_the_nearest_place(world, places):
    with pytest.raises(ToetsError) as exc:
        _locate(world, places, adres="Buitenweg 500")
    assert "buiten de gemeente Testgem" in str(exc.value) and "km van Buitendorp" in str(exc.value)
    lon, lat = TO_LL.transform(X0 + 3050, Y0 + 1200)
    with pytest.raises(ToetsError) as exc2:
        _locate(world, places, punt=(lon, lat))
    msg = str(exc2.value)
    assert "ligt buiten de gemeente Testgem, 0,2 km van Buitendorp" in msg and "--punt" in msg
    assert "." not in msg.split("punt (")[1].split(")")[0]  # coordinates with decimal commas


def test_register_row_whose_place_contradicts_where_it_was_found_is_not_placed(world, places, tmp_path):
    path = register_csv(
        tmp_path,
        [
            ("Goed", "Zuidstraat 7, Testgem", "", "ggz"),
            ("Fout", "Zuidstraat 9, Groningen", "", "ggz"),
        ],
    )
    placed, missing, _ = read_register(
        path, settings=load_toets_settings(), geocode=offline_geocoder(world), places=places
    )
    assert list(placed["naam"]) == ["Goed"]
    assert [m["naam"] for m in missing] == ["Fout"] and "Groningen" in missing[0]["reden"]


# ----------------------------------------------------------------------------- PDOK Locatieserver


def _doc(i: int, label: str, x: float, y: float, woonplaats: str, gemeente: str, code: str) -> dict:
    lon, lat = TO_LL.transform(x, y)
    return {
        "id": f"adr-{i}",
        "type": "adres",
        "weergavenaam": label,
        "score": 10.0 - i,
        "centroide_rd": f"POINT({x} {y})",
        "centroide_ll": f"POINT({lon} {lat})",
        "straatnaam": label.split(" ")[0],
        "woonplaatsnaam": woonplaats,
        "gemeentenaam": gemeente,
        "gemeentecode": code,
    }


@pytest.fixture
def ls_url(local_network, monkeypatch):
    monkeypatch.delenv(pdok.ENV_LOCATIESERVER_URL, raising=False)
    docs = [
        _doc(1, "Zuidstraat 5, 9999AA Testgem", *SITE_A, "Testgem", "Testgem", "9999"),
        _doc(2, "Zuidstraat 5, 9999AB Testdorp", SITE_A[0] + 100, SITE_A[1], "Testdorp", "Testgem", "9999"),
        # in another gemeente, although its point lies inside the synthetic one: the code decides
        _doc(3, "Stationsstraat 44, 9711AA Groningen", *SITE_A, "Groningen", "Groningen", "0014"),
    ]
    with LocatieserverStandIn(docs) as server:
        yield f"{server.url}/bzk/locatieserver/search/v3_1", server


def test_locatieserver_hit_in_another_gemeente_is_an_error(world, places, ls_url):
    base, server = ls_url
    coder = locatieserver_geocoder(base_url=base)
    with pytest.raises(ToetsError) as exc:
        _locate(world, places, adres="Stationsstraat 44, Groningen", geocode=coder)
    assert "gevonden in Groningen (gemeente Groningen), niet in de gemeente Testgem" in str(exc.value)
    assert server.requests[-1].param("q") == "Stationsstraat 44, Groningen"  # the place is asked for


def test_locatieserver_hit_in_the_gemeente_and_its_woonplaats(world, places, ls_url):
    base, _server = ls_url
    coder = locatieserver_geocoder(base_url=base)
    point, info = _locate(world, places, adres="Zuidstraat 5, Testgem", geocode=coder)
    assert info["geocode_methode"] == "pdok_locatieserver" and point.distance(Point(*SITE_A)) < 0.01
    # a woonplaats our data does not know, confirmed by the Locatieserver inside the gemeente
    point2, _ = _locate(world, places, adres="Zuidstraat 5, Testdorp", geocode=coder)
    assert point2.distance(Point(SITE_A[0] + 100, SITE_A[1])) < 0.01
    res = run_toets(world, adres="Zuidstraat 5, Testdorp", zorgtype="ggz", omvang=5, geocoder=coder, places=places)
    assert res.locatie["buurtcode"] == "BU99990101" and res.locatie["geocode_methode"] == "pdok_locatieserver"


# ----------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_places_of_assen(assen_inputs):
    pl = municipality_places(assen_inputs, osm_classes=load_toets_settings().locatie.plaats_klassen)
    assert pl.gemeente == "Assen" and pl.names()[0] == "Assen"
    for village in (
        "Loon",
        "Rhee",
        "Ter Aard",
        "Zeijerveld",
        "Zeijerveen",
        "Ubbena",
        "Witten",
        "Anreep",
        "Schieven",
        "Kloosterveen",
    ):
        assert pl.knows(village), village
    for outside in ("Groningen", "Smilde", "Rolde", "Zeijen", "Tynaarlo", "Vries"):
        assert not pl.knows(outside), outside
    # the village names of the OSM tiles outside the gemeente serve to say where a point lies
    assert pl.around is not None and "Rolde" in set(pl.around["name"])


def test_offline_address_parsing_leaves_the_place_to_the_toets():
    from woonzorg_geo.sources.geocode import ParsedAddress, parse_address

    assert parse_address("Brink 2 A, Assen") == ParsedAddress("Brink", "2", "A", None)
    assert parse_address("Brink 2 A, 9401 HS Assen", "9401 HS") == ParsedAddress("Brink", "2", "A", "9401")
