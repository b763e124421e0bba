"""Unknown is not zero (issue 19 §4): an absent or incomplete category gives `onbekend`, not 0 %."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from toets_world import RD, X0, Y0, _addresses, _areas, _lines, _voorzieningen

from woonzorg_geo.areas.analysis import analyse
from woonzorg_geo.areas.unknown import find_unknown, mark_unknown, mark_unknown_summary, unknown_columns, unknown_names
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.palette import PCT_CLASSES
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.run.pipeline import summary_text, write_outputs
from woonzorg_geo.sources.datasets import Inputs
from woonzorg_geo.sources.osm import OSMData


def _inputs(voorzieningen: gpd.GeoDataFrame, completeness: pd.DataFrame | None = None) -> Inputs:
    buurten, wijken = _areas()
    buurten = buurten[["naam", "wijkcode", "geometry"]]
    wijken = wijken[["naam", "geometry"]]
    gemeente = gpd.GeoDataFrame(
        {"naam": ["Testgem"]},
        geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000)],
        crs=RD,
        index=pd.Index(["GM9999"], name="code"),
    )
    lines = _lines()
    osm = OSMData(
        lines=lines,
        pois=gpd.GeoDataFrame(columns=["class", "subclass", "name", "geometry"], geometry="geometry", crs=RD),
        addresses=_addresses(),
        source="synthetisch",
    )
    inputs = Inputs(
        gemeente,
        buurten,
        wijken,
        pd.DataFrame({"AantalInwoners_5": [3000.0]}, index=pd.Index(["GM9999"], name="code")),
        osm,
        None,
        None,
        None,
        voorzieningen=voorzieningen,
    )
    if completeness is not None:
        object.__setattr__(inputs, "volledigheid", completeness)
    return inputs


@pytest.fixture(scope="module")
def without_apotheek():
    """The synthetic gemeente with its one apotheek taken out: apotheek is absent."""
    S = load_settings()
    vz = _voorzieningen()
    a = analyse(S, inputs=_inputs(vz.loc[vz["categorie"] != "apotheek"]), profiles=["standaard"])
    b = analyse(S, inputs=_inputs(vz), profiles=["standaard"])
    return a, b


def test_absent_category_is_onbekend_in_frames_and_summary(without_apotheek):
    a, b = without_apotheek
    # with the apotheek present its share and drie_a are numbers (and the Zuidstraat has them within 800 m)
    assert b.wijken["pct_apotheek_800m"].notna().all()
    assert b.wijken["pct_drie_a_800m"].max() > 0
    for frame in (a.buurten, a.wijken):
        assert frame["pct_apotheek_800m"].isna().all()
        assert frame["pct_drie_a_800m"].isna().all()
        assert frame["med_afstand_apotheek_m"].isna().all()
        # the other categories and the combination without apotheek keep their figures
        assert frame["pct_supermarkt_800m"].notna().any()
        assert frame["pct_ov_en_supermarkt_800m"].notna().any()
    pd.testing.assert_series_equal(a.wijken["pct_supermarkt_800m"], b.wijken["pct_supermarkt_800m"])
    s = a.summary
    assert set(s["onbekend"]) == {"apotheek"}
    assert "geen enkele apotheek" in s["onbekend"]["apotheek"]
    assert "2 km" in s["onbekend"]["apotheek"]
    g = s["profielen"]["standaard"]["gemeente"]
    assert g["pct_apotheek_800m"] is None and g["pct_drie_a_800m"] is None
    assert g["pct_supermarkt_800m"] == pytest.approx(
        b.summary["profielen"]["standaard"]["gemeente"]["pct_supermarkt_800m"]
    )
    assert b.summary["onbekend"] == {}
    text = summary_text(s, wijken=a.wijken.drop(columns="geometry"), vocabulary=a.vocab)
    assert "Onbekend: apotheek" in text
    drie_a_line = next(line for line in text.splitlines() if "apotheek én huisarts" in line and "van de " in line)
    assert "onbekend" in drie_a_line and "0,0" not in drie_a_line, drie_a_line
    # the per-address figure of the same combination is unknown too
    assert "pct_drie_a_800m_alle_adressen" in g and g["pct_drie_a_800m_alle_adressen"] is None
    assert g.get("pct_drie_a_800m_cbs_gewogen") is None  # absent here: the fixture has no CBS dwellings


def test_absent_category_written_empty_in_csv_and_null_in_json(without_apotheek, tmp_path):
    a, _ = without_apotheek
    write_outputs(a, tmp_path / "uit", rasters=False, surfaces=False, store=False)
    wijken = pd.read_csv(tmp_path / "uit" / "wijken.csv", dtype=str, keep_default_na=False)
    assert (wijken["pct_apotheek_800m"] == "").all()
    assert (wijken["pct_drie_a_800m"] == "").all()
    assert (wijken["pct_supermarkt_800m"] != "").all()
    summary = json.loads((tmp_path / "uit" / "samenvatting.json").read_text(encoding="utf-8"))
    assert summary["profielen"]["standaard"]["gemeente"]["pct_drie_a_800m"] is None
    assert "apotheek" in summary["onbekend"]
    assert "Onbekend: apotheek" in (tmp_path / "uit" / "samenvatting.txt").read_text(encoding="utf-8")


def test_map_classes_call_nan_onbekend():
    i = PCT_CLASSES.index(np.array([np.nan, 0.0]))
    assert PCT_CLASSES.label(int(i[0])) == "onbekend"
    assert PCT_CLASSES.label(int(i[1])) != "onbekend"  # 0 % stays a class of its own: the data knows
    assert fmt.percent(np.nan) == "onbekend"


def _vz(counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame({"categorie": [c for c, n in counts.items() for _ in range(n)]})


def test_find_unknown_incomplete_from_completeness_table():
    table = pd.DataFrame(
        {
            "categorie": ["apotheek", "supermarkt", "huisarts"],
            "lijst": ["IGJ-register", "AH/ALDI 2021", "huisartsenlijst"],
            "n_lijst": [9, 10, 20],
            "n_osm_gevonden": [2, 9, 5],
            "aandeel_osm": [2 / 9, 0.9, 0.25],
        }
    )
    # apotheek: 2 of 9 and the data holds 3 (< 9): incomplete; supermarkt 0.9: known;
    # huisarts 0.25 but the data holds 20 (the list merged in): known
    out = find_unknown(
        _vz({"apotheek": 3, "supermarkt": 12, "huisarts": 20}),
        ["huisarts", "supermarkt", "apotheek", "tandarts"],
        margin_m=2000,
        completeness=table,
        min_aandeel=0.5,
    )
    assert list(out) == ["apotheek", "tandarts"]
    assert "2 van de 9" in out["apotheek"] and "IGJ-register" in out["apotheek"]
    assert "geen enkele tandarts" in out["tandarts"]
    # a lower threshold keeps apotheek known
    assert "apotheek" not in find_unknown(
        _vz({"apotheek": 3, "tandarts": 1}),
        ["apotheek", "tandarts"],
        margin_m=2000,
        completeness=table,
        min_aandeel=0.2,
    )
    # a table without the needed columns is ignored, not an error
    assert find_unknown(_vz({"apotheek": 1}), ["apotheek"], margin_m=2000, completeness=pd.DataFrame({"x": [1]})) == {}


def test_unknown_names_composites_and_combinations():
    comps = {"ov": ("ov_halte", "treinstation")}
    assert unknown_names({"treinstation"}, composites=comps) == {"treinstation"}  # ov still has its halts
    assert unknown_names({"ov_halte", "treinstation"}, composites=comps) >= {"ov", "ov_en_supermarkt"}
    assert unknown_names({"supermarkt"}) == {"supermarkt", "ov_en_supermarkt", "drie_a"}
    cols = [
        "pct_ov_800m",
        "pct_ov_halte_800m",
        "pct_ov_en_supermarkt_800m_senior",
        "pct_drie_a_800m_alle_adressen",
        "med_afstand_ov_m",
        "n_adressen",
    ]
    assert unknown_columns(cols, {"ov", "ov_en_supermarkt"}) == [
        "pct_ov_800m",
        "pct_ov_en_supermarkt_800m_senior",
        "med_afstand_ov_m",
    ]
    assert unknown_columns(cols, {"drie_a"}) == ["pct_drie_a_800m_alle_adressen"]


def test_mark_unknown_leaves_input_and_zero_alone():
    frame = pd.DataFrame({"pct_apotheek_800m": [0.0, 50.0], "pct_supermarkt_800m": [0.0, 10.0]})
    out = mark_unknown(frame, {"apotheek": "reden"})
    assert out["pct_apotheek_800m"].isna().all()
    assert (out["pct_supermarkt_800m"] == [0.0, 10.0]).all()  # 0 % of a known category stays 0 %
    assert frame["pct_apotheek_800m"].notna().all()  # the input is not changed
    assert mark_unknown(frame, {}) is frame
    summary = {"profielen": {"p": {"gemeente": {"pct_apotheek_800m": 0.0, "pct_supermarkt_800m": 0.0}}}}
    mark_unknown_summary(summary, {"apotheek": "reden"})
    assert summary["profielen"]["p"]["gemeente"] == {"pct_apotheek_800m": None, "pct_supermarkt_800m": 0.0}
    assert summary["onbekend"] == {"apotheek": "reden"}


@pytest.mark.realdata
def test_assen_without_apotheken_is_onbekend_not_zero(assen_inputs, settings):
    """Assen with every apotheek taken out of the data: onbekend everywhere, the rest unchanged."""
    import dataclasses

    vz = assen_inputs.voorzieningen
    assert (vz["categorie"] == "apotheek").sum() > 0  # the real data has them: the test can fail
    inputs = dataclasses.replace(assen_inputs, voorzieningen=vz.loc[vz["categorie"] != "apotheek"])
    a = analyse(settings, inputs=inputs, profiles=["standaard"])
    assert list(a.summary["onbekend"]) == ["apotheek"]
    for frame in (a.buurten, a.wijken):
        assert frame["pct_apotheek_800m"].isna().all()
        assert frame["pct_drie_a_800m"].isna().all()
        assert frame["pct_ov_en_supermarkt_800m"].notna().sum() > 0.9 * len(frame)
    g = a.summary["profielen"]["standaard"]["gemeente"]
    assert g["pct_drie_a_800m"] is None
    # Assen's headline OV + supermarkt share within 800 m (64,8 % of addresses) is untouched
    assert 60 < g["pct_ov_en_supermarkt_800m"] < 70
