from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from woonzorg_geo.aggregate import aggregate, assign_areas, overall

RD = "EPSG:28992"


@pytest.fixture()
def areas():
    buurten = gpd.GeoDataFrame(
        {"naam": ["West", "Oost"], "wijkcode": ["WK010600", "WK010601"]},
        index=pd.Index(["BU01060000", "BU01060100"], name="code"),
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=RD,
    )
    wijken = gpd.GeoDataFrame(
        {"naam": ["Centrum", "Lariks"]}, index=pd.Index(["WK010600", "WK010601"], name="code"),
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=RD,
    )
    return buurten, wijken


def test_assign_inside_and_nearest(areas):
    buurten, wijken = areas
    pts = gpd.GeoDataFrame(geometry=[Point(50, 50), Point(150, 50), Point(230, 50)], crs=RD,
                           index=pd.Index([7, 8, 9]))
    frame, stats = assign_areas(pts, buurten, wijken)
    assert frame["buurtcode"].tolist() == ["BU01060000", "BU01060100", "BU01060100"]
    assert frame["wijkcode"].tolist() == ["WK010600", "WK010601", "WK010601"]
    assert frame["buiten_buurt"].tolist() == [False, False, True]
    assert stats["buiten_buurt"] == 1
    assert list(frame.index) == [7, 8, 9]


def test_shares_means_medians_and_missing(areas):
    buurten, _ = areas
    adr = pd.DataFrame({
        "buurtcode": ["BU01060000"] * 4 + ["BU01060100"] * 2,
        "afstand_ov_m": [100, 300, 900, np.nan, 50, 60],
        "afstand_supermarkt_m": [700, 900, 100, 100, 50, 60],
        "afstand_huisarts_m": [100, 200, 300, 400, 1000, 1200],
        "ov_en_supermarkt_800m": [True, False, False, False, True, True],
    })
    out = aggregate(adr, buurten, key="buurtcode", norm_m=800, inhabitants=pd.Series({"BU01060000": 120}))
    w = out.loc["BU01060000"]
    assert w["n_adressen"] == 4
    assert w["pct_ov_800m"] == pytest.approx(50.0)  # missing counts as not within
    assert w["pct_supermarkt_800m"] == pytest.approx(75.0)
    assert w["pct_ov_en_supermarkt_800m"] == pytest.approx(25.0)
    assert w["gem_afstand_huisarts_m"] == pytest.approx(250.0)
    assert w["med_afstand_huisarts_m"] == pytest.approx(250.0)
    assert w["gem_afstand_ov_m"] == pytest.approx(1300 / 3)  # missing is left out, not zero
    assert w["n_onbereikbaar"] == 1
    assert w["inwoners_cbs"] == 120 and np.isnan(out.loc["BU01060100", "inwoners_cbs"])
    assert out.loc["BU01060100", "pct_ov_en_supermarkt_800m"] == pytest.approx(100.0)
    assert isinstance(out, gpd.GeoDataFrame) and "pct_ov_800m" not in buurten  # input untouched


def test_area_without_addresses_has_missing_shares(areas):
    buurten, _ = areas
    adr = pd.DataFrame({"buurtcode": ["BU01060000"], "afstand_ov_m": [100.0]})
    out = aggregate(adr, buurten, key="buurtcode", norm_m=800)
    assert out.loc["BU01060100", "n_adressen"] == 0
    assert np.isnan(out.loc["BU01060100", "pct_ov_800m"])


def test_profile_suffixes_and_overall():
    adr = pd.DataFrame({
        "buurtcode": ["B", "B"], "afstand_ov_m": [100.0, 900.0], "afstand_ov_m_senior": [100.0, 1200.0],
        "ov_en_supermarkt_800m": [True, False], "ov_en_supermarkt_800m_senior": [False, False],
    })
    areas = gpd.GeoDataFrame({"naam": ["b"]}, index=pd.Index(["B"], name="code"), geometry=[box(0, 0, 1, 1)],
                             crs=RD)
    out = aggregate(adr, areas, key="buurtcode", norm_m=800, suffixes=("", "_senior"))
    assert out.loc["B", "pct_ov_en_supermarkt_800m"] == 50.0
    assert out.loc["B", "pct_ov_en_supermarkt_800m_senior"] == 0.0
    assert out.loc["B", "med_afstand_ov_m_senior"] == pytest.approx(650.0)
    assert overall(adr, norm_m=800)["pct_ov_800m"] == 50.0
    assert overall(adr, norm_m=800, suffix="_senior")["pct_ov_en_supermarkt_800m"] == 0.0
