from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from woonzorg_geo.core.settings_loader import load_category_rules
from woonzorg_geo.sources.osm import OSMData
from woonzorg_geo.sources.voorzieningen import build_voorzieningen, categorise_pois, count_inside, parse_rules

RD = "EPSG:28992"
RULES = parse_rules(load_category_rules())


def _osm(pois: gpd.GeoDataFrame, schema: str = "openmaptiles") -> OSMData:
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=RD)
    return OSMData(lines=empty, pois=pois, addresses=empty, source="test", schema=schema)


def test_categorise_both_schemas():
    omt = gpd.GeoDataFrame(
        {
            "class": ["grocery", "pharmacy", "cafe"],
            "subclass": ["supermarket", "pharmacy", "cafe"],
            "name": ["a", "b", "c"],
        },
        geometry=[Point(0, 0)] * 3,
        crs=RD,
    )
    assert categorise_pois(omt, RULES, schema="openmaptiles").tolist()[:2] == ["supermarkt", "apotheek"]
    assert pd.isna(categorise_pois(omt, RULES, schema="openmaptiles").iloc[2])
    raw = gpd.GeoDataFrame(
        {
            "class": None,
            "subclass": None,
            "name": ["h", "s"],
            "highway": ["bus_stop", None],
            "healthcare": [None, "general_practitioner"],
        },
        geometry=[Point(0, 0)] * 2,
        crs=RD,
    )
    assert categorise_pois(raw, RULES, schema="osm").tolist() == ["ov_halte", "huisarts"]


def test_merge_across_sources_only():
    pois = gpd.GeoDataFrame(
        {"class": "doctors", "subclass": "doctors", "name": ["Praktijk OSM"]}, geometry=[Point(100, 100)], crs=RD
    )
    gps = gpd.GeoDataFrame(
        {"naam": ["P1", "P2", "Ver weg"], "geocode_precisie": "adres"},
        geometry=[Point(110, 100), Point(110, 100), Point(900, 100)],
        crs=RD,
    )
    vz = build_voorzieningen(_osm(pois), rules=RULES, huisartsen=gps)
    assert len(vz) == 3  # the OSM point merges with one practice; P1 and P2 (one source) stay two
    merged = vz.loc[vz["bron"].str.contains(";")]
    assert len(merged) == 1
    assert set(merged["bron"].iloc[0].split(";")) == {"osm", "huisartsenlijst"}
    assert (vz["naam"] == "Ver weg").sum() == 1
    assert vz.index.name == "vz_id"


def test_unplaced_rows_are_left_out_and_input_untouched():
    gps = gpd.GeoDataFrame(
        {"naam": ["A", "B"], "geocode_precisie": ["adres", "niet_gevonden"]}, geometry=[Point(0, 0), None], crs=RD
    )
    before = gps.copy()
    empty = gpd.GeoDataFrame({"class": [], "subclass": [], "name": []}, geometry=[], crs=RD)
    vz = build_voorzieningen(_osm(empty), rules=RULES, huisartsen=gps)
    assert len(vz) == 1
    pd.testing.assert_frame_equal(gps, before)


@pytest.mark.realdata
def test_real_counts_inside_assen(assen_inputs):
    counts = count_inside(assen_inputs.voorzieningen, assen_inputs.gemeente)
    assert 19 <= counts["supermarkt"] <= 23
    assert counts["apotheek"] >= 9  # the 9 IGJ pharmacies, 7 of them merged with OSM points
    assert counts["treinstation"] == 1
    assert counts["ov_halte"] >= 150
    assert counts["huisarts"] >= 15
    assert set(assen_inputs.voorzieningen.columns) >= {"categorie", "naam", "bron", "geometry"}


def test_named_places_join_their_category_once():
    pois = gpd.GeoDataFrame(
        {
            "class": [None, "theatre", "cinema", "parking", "cafe"],
            "subclass": [None, "theatre", "cinema", "parking", "cafe"],
            "name": ["Wijkcentrum de Componist", "De Nieuwe Kolk", "De Nieuwe Kolk", "De Nieuwe Kolk", "Het Café"],
        },
        geometry=[Point(0, 0), Point(500, 0), Point(510, 0), Point(540, 0), Point(900, 0)],
        crs=RD,
    )
    assert categorise_pois(pois, RULES, schema="openmaptiles").tolist()[:4] == ["ontmoetingsplek"] * 4
    vz = build_voorzieningen(_osm(pois), rules=RULES)
    assert sorted(vz["naam"]) == ["De Nieuwe Kolk", "Wijkcentrum de Componist"]
