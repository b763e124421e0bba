from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from woonzorg_geo.sources.geocode import (
    OfflineGeocoder,
    geocode_table,
    match_rate,
    normalise_housenumber,
    parse_address,
)
from woonzorg_geo.sources.osm import OSMData

RD = "EPSG:28992"


@pytest.fixture()
def osm() -> OSMData:
    lines = gpd.GeoDataFrame(
        {"name": ["Dorpsstraat", "Kerkweg", "Dorpsstraat"], "class": "minor", "subclass": None},
        geometry=[
            LineString([(0, 0), (200, 0)]),
            LineString([(0, 100), (200, 100)]),
            LineString([(5000, 0), (5200, 0)]),
        ],  # same name, another village
        crs=RD,
    )
    addresses = gpd.GeoDataFrame(
        {"housenumber": ["1", "2A", "1", "7", "1"], "street": None, "postcode": None},
        geometry=[Point(10, 15), Point(30, -15), Point(10, 85), Point(100, 400), Point(5010, 15)],
        crs=RD,
    )
    pois = gpd.GeoDataFrame({"class": [], "subclass": [], "name": []}, geometry=[], crs=RD)
    return OSMData(lines=lines, pois=pois, addresses=addresses, source="test")


@pytest.fixture()
def pc4() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"plaats": ["Dorp", "Ander"]},
        index=pd.Index(["9401", "9499"], name="pc4"),
        geometry=[Point(100, 50), Point(5100, 0)],
        crs=RD,
    )


def test_parse_and_normalise():
    p = parse_address("Brunelstraat 2 A", "9404 KD")
    assert (p.street, p.number, p.suffix, p.pc4) == ("Brunelstraat", "2", "A", "9404")
    assert parse_address("Van der Duyn van Maasdamweg 120-3").number == "120"
    assert parse_address("Postbus") is None
    assert normalise_housenumber("2-a") == normalise_housenumber("2 A") == "2a"


def test_number_on_named_street_not_on_neighbour(osm, pc4):
    g = OfflineGeocoder(osm, pc4=pc4)
    r = g.geocode_one("Dorpsstraat 1", "9401 AB")
    assert r["geocode_precisie"] == "adres"
    assert r["geometry"].equals(Point(10, 15))  # not the '1' at the Kerkweg (10, 85)
    r = g.geocode_one("Kerkweg 1", "9401 AB")
    assert r["geometry"].equals(Point(10, 85))
    r = g.geocode_one("Dorpsstraat 2 A", "9401 AB")
    assert r["geometry"].equals(Point(30, -15))
    # the postcode picks the right village for a street name that occurs twice
    r = g.geocode_one("Dorpsstraat 1", "9499 ZZ")
    assert r["geometry"].equals(Point(5010, 15))


def test_fallbacks_are_marked(osm, pc4):
    g = OfflineGeocoder(osm, pc4=pc4)
    street = g.geocode_one("Dorpsstraat 99", "9401 AB")
    assert street["geocode_precisie"] == "straat" and street["geocode_methode"] == "osm_straat"
    assert street["geometry"].distance(LineString([(0, 0), (200, 0)])) < 1e-6
    # number 7 exists but 300 m from the street: not accepted
    far = g.geocode_one("Kerkweg 7", "9401 AB")
    assert far["geocode_precisie"] == "straat"
    centroid = g.geocode_one("Onbekendelaan 3", "9401 AB")
    assert centroid["geocode_precisie"] == "pc4" and centroid["geometry"].equals(Point(100, 50))
    none = g.geocode_one("Onbekendelaan 3", "1234 AB")
    assert none["geocode_precisie"] == "niet_gevonden" and none["geometry"] is None


def test_table_keeps_every_row_and_index(osm, pc4):
    g = OfflineGeocoder(osm, pc4=pc4)
    table = pd.DataFrame(
        {
            "naam": ["a", "b", "c"],
            "adres": ["Dorpsstraat 1", "Nergens 1", "Kerkweg 1"],
            "postcode": ["9401 AA", "1000 AA", "9401 AA"],
        },
        index=[10, 20, 30],
    )
    out = geocode_table(table, geocode=g.geocode_one)
    assert list(out.index) == [10, 20, 30]
    assert out.loc[20, "geocode_precisie"] == "niet_gevonden"
    assert out.loc[20, "naam"] == "b"
    assert match_rate(out) == pytest.approx(2 / 3)


@pytest.mark.realdata
def test_real_gp_list_geocoded_to_address(assen_inputs):
    # every practice of the list is geocoded; those in Assen or within the network margin are kept
    gp = assen_inputs.huisartsen
    shape = assen_inputs.gemeente.union_all()
    inside = gp.loc[gp["in_gemeente"]]
    assert len(inside) == 18 and (inside["stad"] == "Assen").all()
    assert gp.loc[~gp["in_gemeente"]].distance(shape).between(0.0, 2000.0).all()  # the margin (netwerk.margin_m)
    n = int((inside["geocode_precisie"] == "adres").sum())
    assert n >= 15, inside[["adres", "geocode_precisie"]]
    assert inside.loc[inside["geocode_precisie"] == "adres"].within(shape).all()
    # practices in one building land on one point
    thorbecke = gp.loc[gp["adres"] == "Thorbeckelaan 199"]
    assert thorbecke.geometry.nunique() == 1 and len(thorbecke) == 3
