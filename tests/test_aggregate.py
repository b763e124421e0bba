from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from woonzorg_geo.areas.aggregation import aggregate, assign_areas, overall

RD = "EPSG:28992"


@pytest.fixture()
def areas():
    buurten = gpd.GeoDataFrame(
        {"naam": ["West", "Oost"], "wijkcode": ["WK010600", "WK010601"]},
        index=pd.Index(["BU01060000", "BU01060100"], name="code"),
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        crs=RD,
    )
    wijken = gpd.GeoDataFrame(
        {"naam": ["Centrum", "Lariks"]},
        index=pd.Index(["WK010600", "WK010601"], name="code"),
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        crs=RD,
    )
    return buurten, wijken


def test_assign_inside_and_nearest(areas):
    buurten, wijken = areas
    pts = gpd.GeoDataFrame(geometry=[Point(50, 50), Point(150, 50), Point(230, 50)], crs=RD, index=pd.Index([7, 8, 9]))
    frame, stats = assign_areas(pts, buurten, wijken)
    assert frame["buurtcode"].tolist() == ["BU01060000", "BU01060100", "BU01060100"]
    assert frame["wijkcode"].tolist() == ["WK010600", "WK010601", "WK010601"]
    assert frame["buiten_buurt"].tolist() == [False, False, True]
    assert stats["buiten_buurt"] == 1
    assert list(frame.index) == [7, 8, 9]


def test_shares_means_medians_and_missing(areas):
    buurten, _ = areas
    adr = pd.DataFrame(
        {
            "buurtcode": ["BU01060000"] * 4 + ["BU01060100"] * 2,
            "afstand_ov_m": [100, 300, 900, np.nan, 50, 60],
            "afstand_supermarkt_m": [700, 900, 100, 100, 50, 60],
            "afstand_huisarts_m": [100, 200, 300, 400, 1000, 1200],
            "ov_en_supermarkt_800m": [True, False, False, False, True, True],
        }
    )
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
    adr = pd.DataFrame(
        {
            "buurtcode": ["B", "B"],
            "afstand_ov_m": [100.0, 900.0],
            "afstand_ov_m_senior": [100.0, 1200.0],
            "ov_en_supermarkt_800m": [True, False],
            "ov_en_supermarkt_800m_senior": [False, False],
        }
    )
    areas = gpd.GeoDataFrame({"naam": ["b"]}, index=pd.Index(["B"], name="code"), geometry=[box(0, 0, 1, 1)], crs=RD)
    out = aggregate(adr, areas, key="buurtcode", norm_m=800, suffixes=("", "_senior"))
    assert out.loc["B", "pct_ov_en_supermarkt_800m"] == 50.0
    assert out.loc["B", "pct_ov_en_supermarkt_800m_senior"] == 0.0
    assert out.loc["B", "med_afstand_ov_m_senior"] == pytest.approx(650.0)
    assert overall(adr, norm_m=800)["pct_ov_800m"] == 50.0
    assert overall(adr, norm_m=800, suffix="_senior")["pct_ov_en_supermarkt_800m"] == 0.0


def test_wijk_follows_the_buurt_not_the_wijk_polygon(areas):
    """A point inside buurt 'Oost' but inside the (coarse) polygon of the other wijk gets Oost's wijk."""
    buurten, wijken = areas
    coarse = wijken.copy()
    coarse.loc["WK010600", "geometry"] = box(0, 0, 150, 100)  # overlaps Oost by 50 m
    frame, _ = assign_areas(gpd.GeoDataFrame(geometry=[Point(120, 50)], crs=RD), buurten, coarse)
    assert frame.loc[0, "wijkcode"] == "WK010601"


def test_buurten_of_another_indeling_are_refused(areas):
    from woonzorg_geo.core.errors import AreaMismatchError

    buurten, wijken = areas
    with pytest.raises(AreaMismatchError, match="WK010601"):
        assign_areas(gpd.GeoDataFrame(geometry=[Point(150, 50)], crs=RD), buurten, wijken.iloc[:1])


def test_wijken_are_drawn_from_their_buurten(areas):
    from woonzorg_geo.sources.cbs import wijken_from_buurten

    buurten, wijken = areas
    extra = gpd.GeoDataFrame(
        {"naam": ["Noord"], "wijkcode": ["WK010601"]},
        index=pd.Index(["BU01060101"], name="code"),
        geometry=[box(100, 100, 200, 200)],
        crs=RD,
    )
    b = pd.concat([buurten, extra])
    coarse = wijken.copy()
    coarse["geometry"] = [box(0, 0, 120, 100), box(120, -20, 220, 100)]
    lonely = gpd.GeoDataFrame(
        {"naam": ["Buiten"]}, index=pd.Index(["WK010699"], name="code"), geometry=[box(500, 500, 600, 600)], crs=RD
    )
    out = wijken_from_buurten(b, pd.concat([coarse, lonely]))
    assert (
        out.loc["WK010600", "geometry"].equals(box(0, 0, 100, 100).normalize())
        or out.loc["WK010600", "geometry"].symmetric_difference(box(0, 0, 100, 100)).area < 1e-9
    )
    assert out.loc["WK010601", "geometry"].area == pytest.approx(2 * 100 * 100)
    assert out.loc["WK010601", "naam"] == "Lariks"  # names from the wijk file
    assert out.loc["WK010699", "geometry"].area == pytest.approx(100 * 100)  # no buurten: its own polygon
    assert coarse.loc["WK010600", "geometry"].area == pytest.approx(120 * 100)  # input untouched


@pytest.mark.realdata
def test_assen_uses_the_2024_indeling_and_one_area_per_address(assen_analysis):
    """Every address in exactly one buurt and its wijk; the wijk outline holds its own homes."""
    a = assen_analysis
    adr, buurten, wijken = a.adressen, a.buurten, a.wijken
    assert len(buurten) == 109 and len(wijken) == 10
    # codes of the 2024 indeling (new in 2024: Vanboeijen, Kloosterakker; Dijkveld moved to wijk 99)
    assert {"BU01060311", "BU01060817", "BU01069918"} <= set(buurten.index)
    assert "BU01060814" not in buurten.index  # Recreatiepark Zeijerveen, gone in 2024
    assert adr["buurtcode"].notna().all() and adr["wijkcode"].notna().all()
    assert (adr["wijkcode"] == "WK" + adr["buurtcode"].str[2:8]).all()
    hits = gpd.sjoin(adr[["geometry"]], buurten[["geometry"]], predicate="within")
    per_address = hits.groupby(level=0).size().reindex(adr.index, fill_value=0)
    assert per_address.max() == 1  # the buurten do not overlap
    outside = per_address == 0
    assert (outside == adr["buiten_buurt"]).all()
    assert outside.sum() == a.summary["adressen_buiten_buurt_toegekend"]
    assert outside.mean() < 0.002
    # the homes a wijk map draws lie in its outline; the few outside every buurt (the generalised
    # buurten and the full-precision gemeentegrens differ, up to ~190 m at the edge) lie near it
    geom = wijken.geometry.reindex(adr["wijkcode"]).to_numpy()
    d = gpd.GeoSeries(geom, crs=adr.crs).distance(adr.geometry.reset_index(drop=True), align=False)
    assert (d.to_numpy()[~outside.to_numpy()] == 0).all()
    assert d.max() < 250
    assert wijken["n_adressen"].sum() == len(adr) == buurten["n_adressen"].sum()


@pytest.mark.realdata
def test_report_buurt_signals_match_the_2024_buurten(assen_analysis):
    from woonzorg_geo.areas.overlays import resolve_data_path
    from woonzorg_geo.sources.tables import read_csv_checked

    a = assen_analysis
    path = resolve_data_path(a.settings.overlays.buurtsignalen)  # the table shipped as package data
    sig = read_csv_checked(path, what="buurtsignalen", columns=["buurtcode"])
    codes = set(sig["buurtcode"])
    assert codes <= set(a.buurten.index)
    names = sig.drop_duplicates("buurtcode").set_index("buurtcode")["buurtnaam"]
    same = [
        n.replace("uu", "u").lower() == a.buurten.loc[c, "naam"].replace("uu", "u").lower() for c, n in names.items()
    ]
    assert all(same)


@pytest.mark.realdata
def test_huisartsen_lie_in_the_wijk_the_report_names(assen_analysis):
    """The Thorbeckelaan practices lie in Noorderpark (2024), not in Lariks as the 2020 buurten had it."""
    a = assen_analysis
    vz = a.inputs.voorzieningen
    gp = vz.loc[vz["categorie"] == "huisarts"]
    j = gpd.sjoin(gp[["geometry"]], a.wijken[["naam", "geometry"]], predicate="within")
    assert "Lariks" not in set(j["naam"])
    assert (j["naam"] == "Noorderpark").sum() >= 3
