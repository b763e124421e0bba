from __future__ import annotations

import json
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from woonzorg_geo.core.errors import DataFileError, MissingDataError, NoCrsError
from woonzorg_geo.sources import cbs


def _buurten(tmp_path, *, codes=("BU01060000", "BU01060001"), inwoners=(100, -99999999), crs=4326):
    geoms = [box(6.55, 52.99, 6.56, 53.0), box(6.56, 52.99, 6.57, 53.0)]
    gdf = gpd.GeoDataFrame(
        {"statcode": list(codes), "statnaam": ["A", "B"], "inwoners": list(inwoners)},
        geometry=geoms[: len(codes)],
        crs=crs,
    )
    path = tmp_path / "buurten.gpkg"
    gdf.to_file(path)
    return path


def test_codes_index_missing_values_and_wijkcode(tmp_path):
    b = cbs.read_areas(_buurten(tmp_path), level="buurt")
    assert b.index.name == "code"
    assert list(b.index) == ["BU01060000", "BU01060001"]
    assert list(b["wijkcode"]) == ["WK010600", "WK010600"]
    assert b.loc["BU01060000", "inwoners"] == 100
    assert np.isnan(b.loc["BU01060001", "inwoners"])  # CBS secret value, not a number
    assert b.crs.to_epsg() == 28992


def test_missing_sentinels_and_dots():
    df = pd.DataFrame({"a": [1, -99999997, 3], "b": ["5", ".", "7"], "c": ["x1", "y", "z"]})
    out = cbs.cbs_missing_to_nan(df)
    assert out["a"].isna().tolist() == [False, True, False]
    assert out["b"].tolist()[0] == 5 and np.isnan(out["b"].tolist()[1])
    assert out["c"].tolist() == ["x1", "y", "z"]
    assert df["a"].tolist() == [1, -99999997, 3]  # input untouched


def test_bad_code_and_filter(tmp_path):
    with pytest.raises(DataFileError, match="ongeldige buurtcode") as exc:
        cbs.read_areas(_buurten(tmp_path, codes=("BU0106", "BU01060001")), level="buurt")
    assert exc.value.field == "statcode"
    with pytest.raises(DataFileError, match="GM0999"):
        cbs.read_areas(_buurten(tmp_path), level="buurt", gemeentecode="GM0999")


def test_missing_column_names_field_and_alternatives(tmp_path):
    with pytest.raises(DataFileError, match="buurtcode") as exc:
        cbs.read_areas(_buurten(tmp_path), level="buurt", code_field="buurtcode")
    assert "statcode" in str(exc.value)  # tells which columns exist


def test_no_crs_and_empty_layer(tmp_path):
    p = tmp_path / "zonder.geojson"
    p.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"statcode": "WK010600", "statnaam": "C"},
                        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
                    }
                ],
            }
        )
    )
    gdf = gpd.read_file(p)
    gdf = gdf.set_crs(None, allow_override=True)
    q = tmp_path / "zonder.gpkg"
    gdf.to_file(q)
    with pytest.raises(NoCrsError, match="zonder.gpkg"):
        cbs.read_areas(q, level="wijk")
    empty = tmp_path / "leeg.gpkg"
    gpd.GeoDataFrame({"statcode": [], "statnaam": []}, geometry=[], crs=4326).to_file(empty)
    with pytest.raises(DataFileError, match="leeg"):
        cbs.read_areas(empty, level="wijk")


def test_invalid_geometry_repaired_with_count(tmp_path, caplog):
    bowtie = Polygon([(6.55, 52.99), (6.56, 53.0), (6.56, 52.99), (6.55, 53.0)])
    p = tmp_path / "w.gpkg"
    gpd.GeoDataFrame({"statcode": ["WK010600"], "statnaam": ["C"]}, geometry=[bowtie], crs=4326).to_file(p)
    with caplog.at_level(logging.WARNING):
        w = cbs.read_areas(p, level="wijk")
    assert w.geometry.is_valid.all()
    assert "1 ongeldige geometrie" in caplog.text


def test_missing_file(tmp_path):
    with pytest.raises(MissingDataError, match="nergens.geojson"):
        cbs.read_areas(tmp_path / "nergens.geojson", level="buurt")


def test_boundary_from_bare_geometry(tmp_path):
    p = tmp_path / "grens.json"
    p.write_text(json.dumps(box(6.5, 52.9, 6.6, 53.0).__geo_interface__))
    g = cbs.read_boundary(p)
    assert g.crs.to_epsg() == 28992 and len(g) == 1
    p.write_text('{"type": "Point", "coordinates": [6.5, 52.9]}')
    with pytest.raises(DataFileError, match="Point"):
        cbs.read_boundary(p)


@pytest.mark.realdata
def test_real_assen_areas(raw_dir):
    b = cbs.read_areas(
        raw_dir / "cbs_cartomap_2024_buurten/assen_buurten_2024_gegeneraliseerd_rd.geojson",
        level="buurt",
        gemeentecode="GM0106",
    )
    w = cbs.read_areas(raw_dir / "cbs_cartomap_2024/assen_wijken_2024_gegeneraliseerd.geojson", level="wijk")
    assert len(b) == 109 and len(w) == 10
    assert set(b["wijkcode"]) == set(w.index)
    assert w.loc["WK010607", "naam"] == "Marsdijk"
    k = cbs.read_kerncijfers(
        raw_dir / "cbs_kerncijfers_2024_wikigen/stripped_filtered_data_2024.json", codes=["GM0106", *w.index]
    )
    assert k.loc["GM0106", "AantalInwoners_5"] == 69701
    assert k.loc[w.index, "AantalInwoners_5"].sum() == pytest.approx(69701, abs=25)  # CBS rounds wijken to 5
