"""Homes, not address points (issue 19 §2): the woning rules, shares per woning, the per-wijk band."""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from woonzorg_geo import RD_NEW
from woonzorg_geo.areas.aggregation import aggregate, cbs_weighted, overall
from woonzorg_geo.core.config import HomeSettings
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.sources.homes import (
    REASON_CAMPSITE,
    REASON_LANDUSE,
    REASON_POI,
    likely_cause,
    mark_homes,
    reconcile_wijken,
    wijk_causes,
)

RULES = HomeSettings(
    landgebruik_geen_woning=("industrial", "commercial", "retail", "military"),
    camping_klassen=("campsite",),
    camping_straal_m=150.0,
    poi_klassen_geen_woning=("shop", "school"),
    poi_afstand_m=3.0,
)


def _world() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """A village (residential landuse) at x 0-1000, an industrial estate at x 2000-3000, a holiday park at 5000."""
    landuse = gpd.GeoDataFrame(
        {"class": ["residential", "industrial", "military"]},
        geometry=[box(0, 0, 1000, 1000), box(2000, 0, 3000, 1000), box(7000, 0, 7500, 500)],
        crs=RD_NEW,
    )
    pois = gpd.GeoDataFrame(
        {"class": ["campsite", "campsite", "shop", "cafe_not_listed"], "subclass": ["camp_site"] * 2 + ["x", "y"]},
        geometry=[Point(5000, 500), Point(900, 500), Point(100.5, 100), Point(300, 300)],
        crs=RD_NEW,
    )
    addresses = gpd.GeoDataFrame(
        {"housenumber": [str(i) for i in range(8)]},
        geometry=[
            Point(500, 500),  # 0 ordinary home in the village
            Point(2500, 500),  # 1 in the industrial estate
            Point(5050, 480),  # 2 on the holiday park (no residential landuse)
            Point(950, 500),  # 3 in the village, near a campsite point: residential landuse keeps it a home
            Point(100, 100),  # 4 the shop's own address point
            Point(300, 300),  # 5 same point as a POI of a class not listed: a home
            Point(7200, 200),  # 6 military
            Point(9000, 9000),  # 7 in no landuse at all, far from everything
        ],
        crs=RD_NEW,
    )
    return addresses, landuse, pois


def test_rules_mark_homes_with_reasons():
    addresses, landuse, pois = _world()
    out = mark_homes(addresses, landuse=landuse, pois=pois, settings=RULES)
    assert out["woning"].tolist() == [True, False, False, True, False, True, False, True]
    assert out["woning_reden"].tolist() == [
        "",
        REASON_LANDUSE["industrial"],
        REASON_CAMPSITE,
        "",
        REASON_POI,
        "",
        REASON_LANDUSE["military"],
        "",
    ]
    assert "woning" not in addresses  # the input is not modified


def test_a_rule_switched_off_in_the_settings_marks_nothing():
    addresses, landuse, pois = _world()
    off = dataclasses.replace(RULES, landgebruik_geen_woning=("commercial",), camping_straal_m=0.0)
    out = mark_homes(addresses, landuse=landuse, pois=pois, settings=off)
    assert out.loc[[1, 2, 6], "woning"].tolist() == [True, True, True]
    assert not out.loc[4, "woning"]  # the POI rule is still on


def test_a_woning_column_from_bag_is_kept_as_it_is():
    addresses, landuse, pois = _world()
    addresses["woning"] = [False, True, True, True, True, True, True, True]  # BAG says otherwise
    out = mark_homes(addresses, landuse=landuse, pois=pois, settings=RULES)
    assert out["woning"].tolist() == addresses["woning"].tolist()
    assert out.loc[0, "woning_reden"] != "" and out.loc[1, "woning_reden"] == ""


def test_without_layers_every_address_is_a_home():
    addresses, _, _ = _world()
    out = mark_homes(addresses, landuse=None, pois=None, settings=RULES)
    assert out["woning"].all()


def _adressen() -> pd.DataFrame:
    # wijk A: 4 homes (2 within the norm) and 2 business addresses (both within the norm)
    # wijk B: 2 homes, none within the norm
    return pd.DataFrame(
        {
            "wijkcode": ["A"] * 6 + ["B"] * 2,
            "woning": [True, True, True, True, False, False, True, True],
            "afstand_supermarkt_m": [100.0, 200.0, 900.0, 1000.0, 50.0, 60.0, 2000.0, 3000.0],
        }
    )


def _wijken() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"naam": ["Wijk A", "Wijk B"]}, geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], index=["A", "B"], crs=RD_NEW
    )


def test_shares_are_per_woning_and_over_all_addresses_beside_them():
    dw = pd.Series({"A": 4.0, "B": 10.0})
    out = aggregate(_adressen(), _wijken(), key="wijkcode", norm_m=800, categories=["supermarkt"], dwellings=dw)
    assert out["n_adressen"].tolist() == [6, 2]
    assert out["n_woningen"].tolist() == [4, 2]
    assert out["pct_supermarkt_800m"].tolist() == pytest.approx([50.0, 0.0])
    assert out["pct_supermarkt_800m_alle_adressen"].tolist() == pytest.approx([100 * 4 / 6, 0.0])
    assert out["woningen_per_cbs"].tolist() == pytest.approx([1.0, 0.2])
    o = overall(_adressen(), norm_m=800, categories=["supermarkt"])
    assert o["n_woningen"] == 6 and o["n_adressen"] == 8
    assert o["pct_supermarkt_800m"] == pytest.approx(100 * 2 / 6)
    assert o["pct_supermarkt_800m_alle_adressen"] == pytest.approx(100 * 4 / 8)
    # weighted to CBS: wijk A 50 % with 4 CBS homes, wijk B 0 % with 10
    assert cbs_weighted(out)["pct_supermarkt_800m_cbs_gewogen"] == pytest.approx(50 * 4 / 14)


def test_without_a_woning_column_every_address_counts():
    ad = _adressen().drop(columns="woning")
    out = aggregate(ad, _wijken(), key="wijkcode", norm_m=800, categories=["supermarkt"])
    assert out["n_woningen"].tolist() == out["n_adressen"].tolist()
    assert "pct_supermarkt_800m_alle_adressen" not in out


def test_band_flags_a_wijk_with_its_likely_cause():
    band = (0.85, 1.25)
    assert likely_cause(1.0, band=band) == ""
    assert "nieuwbouw" in likely_cause(0.77, band=band)
    assert "buurtvlak" in likely_cause(0.3, band=band)
    assert "bedrijven of recreatiewoningen" in likely_cause(3.0, band=band)
    dw = pd.Series({"A": 4.0, "B": 10.0})
    out = aggregate(_adressen(), _wijken(), key="wijkcode", norm_m=800, categories=["supermarkt"], dwellings=dw)
    flagged = reconcile_wijken(out, band=band, names=out["naam"])
    assert [(f["wijkcode"], f["naam"], f["n_woningen"]) for f in flagged] == [("B", "Wijk B", 2)]
    assert wijk_causes(out, band=band).tolist()[0] == ""
    # a wijk above the band that took its addresses from outside every buurt polygon: ontbrekend buurtvlak
    out.loc["A", "woningen_per_cbs"] = 2.0
    ad = _adressen().assign(buiten_buurt=[True, True, False, False, False, False, False, False])
    causes = wijk_causes(out, band=band, addresses=ad)
    assert "buurtvlak" in causes["A"] and "nieuwbouw" in causes["B"]
    assert "bedrijven" in wijk_causes(out, band=band, addresses=ad.assign(buiten_buurt=False))["A"]


def test_settings_carry_the_rules_and_the_band():
    s = load_settings()
    assert s.woningen.band_per_cbs == (0.85, 1.25)
    assert "industrial" in s.woningen.landgebruik_geen_woning
    assert s.woningen.camping_klassen == ("campsite",)


# ---- the real data: one analyse run of Emmen ------------------------------------------------------

#: On the worker that runs `analyse --gemeente Emmen` for test_regio too (conftest.py)
SHARED_RUN = pytest.mark.xdist_group("analyse_emmen")


@pytest.fixture(scope="module")
def emmen(emmen_output, settings):
    """The analysis of Emmen (profile standaard) as `analyse --gemeente Emmen` kept it in its store."""
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.sources.catalogue import load_catalogue, settings_for

    s = settings_for(settings, load_catalogue().find("Emmen"))
    return load_analysis(emmen_output / "output", s, paths=None, profiles=["standaard"])


@pytest.mark.realdata
@SHARED_RUN
def test_emmen_industrial_wijk_has_few_homes(emmen):
    w = emmen.wijken.loc["WK011453"]
    assert w["n_adressen"] > 1000
    assert w["n_woningen"] < 0.25 * w["n_adressen"]
    reasons = emmen.adressen.loc[emmen.adressen["wijkcode"] == "WK011453", "woning_reden"]
    assert (reasons == REASON_LANDUSE["industrial"]).sum() > 500
    assert w["woningen_cbs"] == 15


@pytest.mark.realdata
@SHARED_RUN
def test_emmen_every_wijk_has_its_ratio_and_the_summary_flags_outliers(emmen):
    w = emmen.wijken
    assert w["woningen_per_cbs"].notna().all()
    assert np.allclose(w["woningen_per_cbs"], w["n_woningen"] / w["woningen_cbs"])
    h = emmen.summary["woningen"]
    assert h["n_woningen"] < h["n_adressen"]
    flagged = {f["wijkcode"]: f["oorzaak"] for f in h["wijken_buiten_band"]}
    assert "WK011453" in flagged and "bedrijven" in flagged["WK011453"]
    assert "nieuwbouw" in flagged["WK011449"]  # Delftlanden, built after Aug 2021
    o = emmen.summary["profielen"][emmen.main_profile]["gemeente"]
    assert {"pct_ov_en_supermarkt_800m", "pct_ov_en_supermarkt_800m_alle_adressen"} <= set(o)
    assert "pct_ov_en_supermarkt_800m_cbs_gewogen" in o
