"""Every voorziening has a name or, failing that, its address (issue 24 §7)."""

from __future__ import annotations

from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from woonzorg_geo.sources.voorzieningen import ADDRESS_NAME_M, CategoryRule, merge_duplicates, name_by_address

RD = "EPSG:28992"
X0, Y0 = 232_000.0, 556_000.0


def _vz(names, points, bron="osm") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "categorie": "huisarts",
            "label": "Huisarts",
            "naam": names,
            "bron": bron,
            "precisie": "punt",
            "bron_datum": "",
        },
        geometry=[Point(p) for p in points],
        crs=RD,
    )


def _osm() -> SimpleNamespace:
    lines = gpd.GeoDataFrame(
        {"name": ["Torenlaan", None]},
        geometry=[LineString([(X0 - 100, Y0), (X0 + 100, Y0)]), LineString([(X0, Y0 - 100), (X0, Y0 + 100)])],
        crs=RD,
    )
    addresses = gpd.GeoDataFrame(
        {"housenumber": ["16", "18"]}, geometry=[Point(X0 + 5, Y0 + 10), Point(X0 + 30, Y0 + 10)], crs=RD
    )
    return SimpleNamespace(lines=lines, addresses=addresses)


def test_unnamed_voorziening_is_named_by_its_address():
    vz = _vz(
        ["Praktijk De Linde", None, np.nan, "  "],
        [(X0 + 50, Y0 + 5), (X0 + 6, Y0 + 12), (X0 + 60, Y0 - 25), (X0 + 5000, Y0)],
    )
    named = name_by_address(vz, _osm())
    assert list(named["naam"]) == [
        "Praktijk De Linde",  # a name stays
        "Huisarts, Torenlaan 16",  # the nearest house number, on the nearest named street
        "Huisarts, bij Torenlaan",  # no house number within reach: the street
        "Huisarts (naam en adres onbekend)",  # nothing near
    ]
    assert vz["naam"].isna().sum() == 2  # the input is not changed


def test_reach_follows_the_setting():
    vz = _vz([None], [(X0 + 5, Y0 + 10 + ADDRESS_NAME_M + 5)])  # the address point is just out of reach
    assert name_by_address(vz, _osm())["naam"].iloc[0] == "Huisarts (naam en adres onbekend)"
    assert name_by_address(vz, _osm(), max_m=ADDRESS_NAME_M + 40)["naam"].iloc[0] == "Huisarts, Torenlaan 16"


def test_merge_takes_the_list_name_when_osm_has_none():
    """An OSM point without a name (NaN, as read from the tiles) merged with the GP list's practice
    takes the list's name."""
    osm = _vz([np.nan], [(X0, Y0)], bron="osm")
    lijst = _vz(["Huisartsenpraktijk Kleuvenstee"], [(X0 + 3, Y0)], bron="huisartsenlijst")
    merged = merge_duplicates(
        gpd.GeoDataFrame(pd.concat([osm, lijst], ignore_index=True), crs=RD),
        {"huisarts": CategoryRule(name="huisarts", label="Huisarts")},
    )
    assert len(merged) == 1
    assert (
        merged["naam"].iloc[0] == "Huisartsenpraktijk Kleuvenstee" and merged["bron"].iloc[0] == "osm;huisartsenlijst"
    )
