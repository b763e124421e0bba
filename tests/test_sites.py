from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from woonzorg_geo.config import Criterion, load_settings
from woonzorg_geo.errors import SettingsError
from woonzorg_geo.sites import candidate_cells, curve_score, weighted_total, zoekgebieden

RD = "EPSG:28992"
S = load_settings()


def test_curve_is_piecewise_linear_and_flat_beyond_the_ends():
    c = Criterion("ov", punten=((400.0, 1.0), (800.0, 0.6), (1200.0, 0.0)))
    got = curve_score(np.array([0, 400, 600, 800, 1000, 5000, np.nan]), c)
    assert got[:6].tolist() == pytest.approx([1.0, 1.0, 0.8, 0.6, 0.3, 0.0])
    assert np.isnan(got[6])


def test_weighted_total_leaves_missing_out():
    scores = pd.DataFrame({"a": [1.0, 0.0, np.nan], "b": [0.0, 0.0, 0.5]})
    total, missing = weighted_total(scores, {"a": 3.0, "b": 1.0})
    assert total.tolist() == pytest.approx([0.75, 0.0, 0.5])
    assert missing.tolist() == ["", "", "a"]


def test_bad_curves_are_refused(tmp_path):
    for text, match in [
        ('[locaties.criteria.ov]\npunten = [[800.0, 0.6], [400.0, 1.0]]\n', "oplopende"),
        ('[locaties.criteria.ov]\npunten = [[400.0, 1.5], [800.0, 0.0]]\n', "tussen 0 en 1"),
        ('[locaties.criteria.ov]\npunten = "ver"\n', "waarde, score"),
        ('[locaties]\nzoekgebied_max_cellen = 0\n', "zoekgebied_max_cellen"),
    ]:
        f = tmp_path / "s.toml"
        f.write_text(text, encoding="utf-8")
        with pytest.raises(SettingsError, match=match):
            load_settings(f)


def test_weights_from_settings_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[locaties.criteria.ruimte]\ngewicht = 5.0\n", encoding="utf-8")
    s = load_settings(f)
    crit = {c.name: c for c in s.locaties.criteria}
    assert crit["ruimte"].gewicht == 5.0 and crit["ov"].gewicht == 2.0  # the rest kept


def test_candidate_cells_built_up_without_industry_and_water():
    gemeente = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=RD)
    # homes in the west half only; one industrial block and a lake inside the west half
    rng = np.random.default_rng(1)
    xy = rng.uniform([0, 0], [500, 1000], size=(800, 2))
    addresses = gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs=RD)
    landuse = gpd.GeoDataFrame({"class": ["industrial", "residential"]},
                               geometry=[box(0, 0, 200, 200), box(0, 200, 500, 1000)], crs=RD)
    water = gpd.GeoDataFrame({"class": ["lake"]}, geometry=[box(300, 800, 500, 1000)], crs=RD)
    cells = candidate_cells(gemeente, addresses, settings=S.locaties, landuse=landuse, water=water)
    cx = cells.geometry.centroid
    assert (cx.x < 700).all()  # no cells far from homes
    assert not ((cx.x < 200) & (cx.y < 200)).any()  # industrial area excluded
    assert not ((cx.x > 300) & (cx.x < 500) & (cx.y > 800)).any()  # lake excluded
    assert cells["adressen_cel"].sum() <= 800 and cells["adressen_cel"].max() > 0
    assert np.allclose(cells.area, 1e4)


def _scored_cells():
    # a 4 × 1 row of cells at x = 0..400 and one lone cell far away
    boxes = [box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100), box(300, 0, 400, 100),
             box(900, 900, 1000, 1000)]
    return gpd.GeoDataFrame({
        "score": [0.90, 0.88, 0.60, 0.85, 0.95], "buurt": ["A", "A", "A", "A", "B"], "wijk": "W",
        "buurtcode": "BU01060000", "wijkcode": "WK010600", "focus": "laag", "veerkracht": "hoog",
        "ontbrekend": "", "waarde_ov": [100.0, 200.0, 900.0, 250.0, 300.0], "score_ov": [1.0, 1.0, 0.4, 1.0, 1.0],
    }, geometry=boxes, crs=RD)


def test_regions_grow_from_the_best_cell_within_delta():
    s = replace(S.locaties, zoekgebied_delta=0.05, zoekgebied_max_cellen=9,
                criteria=(Criterion("ov", label="OV", punten=((400.0, 1.0), (1200.0, 0.0))),))
    zg = zoekgebieden(_scored_cells(), settings=s, speed_m_s=0.76)
    # lone 0.95 cell first; then 0.90 + its neighbour 0.88 (0.60 is > 0.05 below); the 0.60 cell is
    # blocked (it touches the second area) and the 0.85 cell is its own area
    assert zg["rang"].tolist() == [1, 2, 3]
    assert zg["n_cellen"].tolist() == [1, 2, 1]
    assert zg["score"].tolist() == pytest.approx([0.95, 0.90, 0.85])
    assert zg.geometry.iloc[1].area == pytest.approx(2e4, rel=1e-6)
    assert zg["toelichting"].iloc[0].startswith("Rang 1 (score 0,95, B in W)")
    assert "OV 300 m (7 min)" in zg["toelichting"].iloc[0]
    capped = zoekgebieden(_scored_cells(), settings=replace(s, zoekgebied_max_cellen=1), speed_m_s=0.76)
    assert capped["n_cellen"].max() == 1
    wide = zoekgebieden(_scored_cells(), settings=replace(s, zoekgebied_delta=0.5), speed_m_s=0.76)
    assert wide["n_cellen"].tolist() == [1, 4]
    assert len(zoekgebieden(_scored_cells(), settings=s, speed_m_s=0.76, top=2)) == 2


@pytest.fixture(scope="session")
def locaties_output(raw_dir, tmp_path_factory):
    from woonzorg_geo.cli import main

    root = tmp_path_factory.mktemp("locaties")
    code = main(["--stil", "--data", str(raw_dir), "locaties", "--top", "20", "--out", str(root / "output"),
                 "--kaarten", str(root / "maps"), "--offline"])
    assert code == 0
    return root


@pytest.mark.realdata
def test_locaties_for_assen(locaties_output):
    out = locaties_output / "output"
    zg = gpd.read_file(out / "woonzorg.gpkg", layer="kandidaatlocaties")
    assert len(zg) == 20 and zg["rang"].tolist() == list(range(1, 21))
    assert zg["score"].is_monotonic_decreasing
    assert zg["toelichting"].str.startswith("Rang ").all()
    cells = gpd.read_file(out / "woonzorg.gpkg", layer="kandidaatcellen")
    # every zoekgebied lies on built-up, walkable cells; industrial land is out
    assert cells["toegankelijk"].mean() > 0.95
    csv = pd.read_csv(out / "kandidaatlocaties.csv")
    assert len(csv) == 20 and {"lon", "lat", "toelichting"} <= set(csv.columns)
    assert csv["lon"].between(6.4, 6.7).all() and csv["lat"].between(52.9, 53.1).all()
    for c in ("ov", "supermarkt", "huisarts", "apotheek", "balans", "focus_veerkracht", "ruimte"):
        assert zg[f"score_{c}"].between(0, 1).all(), c
