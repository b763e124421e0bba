"""Issue 25 §4: vergrijzing from CBS online (PDOK Wijken en Buurten) where a run has it, tested
against the PDOK stand-in; the report's three 65+ shares otherwise."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from standins import PdokFeaturesStandIn

from woonzorg_geo.areas.overlays import build_overlays
from woonzorg_geo.areas.overlays.build import CBS_ONLINE
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.sources import pdok

S = load_settings().overlays
TO_WGS84 = Transformer.from_crs("EPSG:28992", "OGC:CRS84", always_xy=True)
#: CBS's 65+ share per wijk as the stand-in serves it (made up; one wijk secret, as CBS does).
CBS_65 = {"WK010600": 31.0, "WK010601": 24.0, "WK010602": 27.0, "WK010607": 12.0, "WK010699": -99999997}


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch, local_network: None) -> None:
    monkeypatch.delenv(pdok.ENV_CBS_URL, raising=False)


def _feature(i: int, code: str, pct: float) -> dict:
    poly = shapely.box(233000 + 500 * i, 557000, 233400 + 500 * i, 557400)
    ring = [list(TO_WGS84.transform(x, y)) for x, y in poly.exterior.coords]
    return {
        "id": i + 1,
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "wijkcode": code,
            "wijknaam": f"Wijk {code[-2:]}",
            "gemeentecode": "GM0106",
            S.draaglast[0].cbs_kolom: pct,
        },
    }


def test_vergrijzing_from_cbs_online_before_the_reports_three_values():
    ind = next(i for i in S.draaglast if i.kolom == "pct_65plus")
    assert ind.cbs_kolom == "percentagePersonen65JaarEnOuder" == S.draaglast[0].cbs_kolom
    features = [_feature(i, code, pct) for i, (code, pct) in enumerate(CBS_65.items())]
    with PdokFeaturesStandIn({"wijken": features}) as server:
        wijken = pdok.fetch_cbs_areas(
            "wijk", gemeentecode="GM0106", base_url=f"{server.url}/cbs/wijken-en-buurten-2024/ogc/v1"
        )
        assert server.requests_to("/collections/wijken/items")
    buurten = gpd.GeoDataFrame(
        {"naam": ["X"], "wijkcode": ["WK010600"]},
        index=pd.Index(["BU01060000"], name="code"),
        geometry=[shapely.box(233000, 557000, 233100, 557100)],
        crs="EPSG:28992",
    )
    w, _, rep = build_overlays(wijken, buurten, S)
    # CBS first for every wijk it gives (31, not the report's 33 for Centrum) ...
    assert w.loc["WK010600", "pct_65plus"] == 31.0 and w.loc["WK010607", "pct_65plus"] == 12.0
    # ... a wijk CBS keeps secret has no value (neither report nor CBS), never zero
    assert np.isnan(w.loc["WK010699", "pct_65plus"])
    where = {r["kolom"]: r["herkomst"] for r in rep["herkomst"]}
    assert where["pct_65plus"] == CBS_ONLINE
    assert where["pct_mantelzorg"] == S.herkomst_rapport
    # the wijk younger than the national share now lowers the load: CBS covers the young wijken too
    z = (w["pct_65plus"] - ind.referentie) / max(w["pct_65plus"].std(ddof=0), ind.vloer)
    assert z["WK010607"] < 0 < z["WK010600"]


def test_without_cbs_the_report_values_stay():
    wijken = gpd.GeoDataFrame(
        {"naam": ["Centrum", "Lariks"]},
        index=pd.Index(["WK010600", "WK010601"], name="code"),
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs="EPSG:28992",
    )
    buurten = gpd.GeoDataFrame(
        {"naam": ["X"], "wijkcode": ["WK010600"]},
        index=pd.Index(["BU01060000"], name="code"),
        geometry=[shapely.box(0, 0, 1, 1)],
        crs="EPSG:28992",
    )
    w, _, rep = build_overlays(wijken, buurten, S)
    assert w["pct_65plus"].tolist() == [33.0, 26.0]  # assen_feiten_overig.csv
    assert {r["kolom"]: r["herkomst"] for r in rep["herkomst"]}["pct_65plus"] == S.herkomst_rapport
