"""A stored analysis is the analysis (issue 20 §3): what locaties, toets, watals and the maps read is the same
from ``output/opslag`` as from a fresh run, and an analysis loaded in part says what it lacks."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from badinput import linked_copy

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def stored(assen_output, settings, raw_dir):
    """The session's ``analyse`` output read back from its store, whole."""
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.sources.datasets import resolve_paths

    return load_analysis(assen_output, settings, paths=resolve_paths(settings, raw_dir=raw_dir))


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns as objects with ``None`` for every missing value (Parquet keeps None and NaN as one null)."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def _same_frame(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Equal cell by cell, the geometry included (exactly, as WKB); a missing value is missing (None or NaN)."""
    assert list(got.columns) == list(want.columns)
    geo = [c for c in want.columns if isinstance(want[c].dtype, gpd.array.GeometryDtype)]
    for col in geo:
        assert got[col].to_wkb().tolist() == want[col].to_wkb().tolist(), col
        assert got[col].crs == want[col].crs
    got, want = _plain(got.drop(columns=geo)), _plain(want.drop(columns=geo))
    for col in [c for c in want.columns if got[c].dtype != want[c].dtype]:  # e.g. floats and None in objects
        got[col], want[col] = (f[col].astype(object).where(f[col].notna(), None) for f in (got, want))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_the_maps_inputs_are_the_runs(stored, assen_analysis):
    """Voorzieningen (with their bron columns), bus stops, stations, GPs, OSM, adressen, buurten, wijken, network."""
    a, b = stored, assen_analysis
    assert a.missing == {}
    ia, ib = a.inputs, b.inputs
    assert "bron" in ib.voorzieningen
    for key in ("voorzieningen", "gemeente", "buurten", "wijken", "gtfs_stops", "stations", "huisartsen"):
        want = getattr(ib, key)
        assert want is not None and len(want), key
        _same_frame(getattr(ia, key), want)
    for key in ("lines", "pois", "addresses"):
        _same_frame(getattr(ia.osm, key), getattr(ib.osm, key))
    assert len(ia.osm.lines) > ia.osm.lines["name"].notna().sum()  # every line, not only the named streets
    assert ia.osm.source == ib.osm.source and ia.osm.extra.keys() == ib.osm.extra.keys()
    pd.testing.assert_frame_equal(ia.kerncijfers, ib.kerncijfers, check_dtype=False)
    for key in ("adressen", "buurten", "wijken"):
        _same_frame(getattr(a, key), getattr(b, key))
    _same_frame(a.network.edges_gdf(), b.network.edges_gdf())  # line class and name included
    assert b.network.edges_gdf()["klasse"].notna().any()
    pd.testing.assert_frame_equal(a.overlay_report["gevoeligheid"], b.overlay_report["gevoeligheid"])
    assert {k: v for k, v in a.overlay_report.items() if k != "gevoeligheid"} == {
        k: v for k, v in b.overlay_report.items() if k != "gevoeligheid"
    }


def test_find_sites_from_the_store_equals_a_fresh_analysis(assen_output, settings, raw_dir):
    """The whole ranked table, the cells and the excluded counts, with the candidate search's OSM layers read
    from the run's tiles (``locaties`` fresh: load_offline with those layers, then analyse)."""
    from woonzorg_geo.areas.analysis import analyse
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.sites import find_sites, site_osm_layers
    from woonzorg_geo.sources.datasets import load_offline, resolve_paths

    layers = site_osm_layers(settings.locaties)
    fresh = analyse(settings, inputs=load_offline(settings, raw_dir=raw_dir, extra_osm_layers=layers))
    got = load_analysis(assen_output, settings, paths=resolve_paths(settings, raw_dir=raw_dir), osm_layers=layers)
    assert set(layers) <= set(got.inputs.osm.extra)
    for name in layers:
        _same_frame(got.inputs.osm.extra[name], fresh.inputs.osm.extra[name])
    want = find_sites(fresh, settings=settings.locaties, top=20)
    have = find_sites(got, settings=settings.locaties, top=20)
    assert int(want.excluded.sum()) > 1000  # the land layers exclude (the issue: 189 without them)
    pd.testing.assert_series_equal(have.excluded, want.excluded)
    _same_frame(have.cells, want.cells)
    _same_frame(have.search_areas, want.search_areas)
    assert have.summary_lines() == want.summary_lines()


@pytest.mark.parametrize(
    "punt",
    [(6.557805, 52.991983), (6.5627, 52.9930), (6.5480, 52.9930)],
    ids=["rang4-centrum", "station", "west"],
)
def test_a_toets_on_a_point_is_the_same_from_the_store(assen_output, assen_analysis, settings, punt):
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.toets import run_toets

    # as cmd_toets loads it: one profile, no addresses
    got = load_analysis(assen_output, settings, paths=None, profiles=[settings.locaties.profiel], addresses=False)
    kw = {"punt": punt, "zorgtype": "geclusterd_wonen", "omvang": 24}
    fresh, again = run_toets(assen_analysis, **kw).to_dict(), run_toets(got, **kw).to_dict()
    fresh.pop("gemaakt_op"), again.pop("gemaakt_op")
    assert again == fresh


def test_an_analysis_loaded_in_part_says_so_and_is_not_written(assen_output, settings, tmp_path):
    from woonzorg_geo.core.errors import AnalysisIncomplete
    from woonzorg_geo.run.pipeline import write_outputs
    from woonzorg_geo.run.store import load_analysis

    part = load_analysis(assen_output, settings, paths=None, addresses=["buurtcode", "wijkcode"])
    assert "buurtcode, wijkcode" in part.missing["adressen"]
    none = load_analysis(assen_output, settings, paths=None, addresses=False)
    assert "adressen" in none.missing and none.adressen.empty
    none.require("inputs.voorzieningen", purpose="een toets")  # not lacking: no error
    with pytest.raises(AnalysisIncomplete, match="adressen") as err:
        write_outputs(part, tmp_path / "uit")
    assert "Oplossing" in str(err.value)
    assert not (tmp_path / "uit").exists()


def test_an_older_store_is_computed_again_with_the_reason(assen_output, settings, tmp_path):
    import json

    from woonzorg_geo.run.store_format import StoreDamaged, StoreMismatch, check_store, index_digest

    out = tmp_path / "uit"
    linked_copy(assen_output / "opslag", out / "opslag", own=["opslag.json"])
    path = out / "opslag" / "opslag.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    index["formaat"] = 2
    index["controle"] = index_digest(index)
    path.write_text(json.dumps(index), encoding="utf-8")
    with pytest.raises(StoreMismatch, match="oudere versie") as err:
        check_store(out, settings, paths=None)
    assert not isinstance(err.value, StoreDamaged) and "opslagformaat 2" in str(err.value)


def test_the_stored_network_keeps_each_line_class_and_name():
    from woonzorg_geo.run.store_format import coded, decoded

    values = np.array(["path", None, "minor", "path", float("nan")], dtype=object)
    z = coded("k", values)
    assert z["k_codes"].dtype == np.int32
    assert list(decoded(z, "k", len(values))) == ["path", None, "minor", "path", None]
    empty = coded("k", np.full(3, None, dtype=object))
    assert list(decoded(empty, "k", 3)) == [None, None, None]


def test_find_sites_without_the_land_layers_is_the_same_too(stored, assen_analysis, settings):
    """The issue's case, ``find_sites(load_analysis(out))``: the store has the layers the run read, and the candidates, exclusions (shops from the points of interest, lines by class) and ranks agree."""
    from woonzorg_geo.sites import find_sites

    # the run reads the landuse layer (for the homes, issue 19 §2) and the store keeps it: the same layers
    assert set(stored.inputs.osm.extra) == set(assen_analysis.inputs.osm.extra)
    want = find_sites(assen_analysis, settings=settings.locaties, top=10)
    have = find_sites(stored, settings=settings.locaties, top=10)
    pd.testing.assert_series_equal(have.excluded, want.excluded)
    _same_frame(have.cells, want.cells)
    _same_frame(have.search_areas, want.search_areas)


def test_a_record_field_of_frames_and_geometries_is_stored_generically(monkeypatch):
    """A further Inputs field such as the gemeente's outlines (frames, geometries, JSON) survives the store."""
    import dataclasses
    import json

    from shapely.geometry import box

    from woonzorg_geo.run import store
    from woonzorg_geo.run.store_format import record_parts
    from woonzorg_geo.run.store_save import input_fields

    @dataclasses.dataclass
    class Record:
        grens: object
        wijken: gpd.GeoDataFrame
        naam: str | None = None

    Record.__module__, Record.__qualname__ = "woonzorg_geo.run.store", "_TestRecord"
    monkeypatch.setattr(store, "_TestRecord", Record, raising=False)

    @dataclasses.dataclass
    class Holder:
        outlines: Record | None

    wijken = gpd.GeoDataFrame({"naam": ["A"]}, geometry=[box(0, 0, 1, 1)], crs="EPSG:28992")
    fields = input_fields(Holder(Record(box(0, 0, 2, 2), wijken, "x")))
    stored = json.loads(json.dumps(fields["outlines"]))
    assert isinstance(fields["outlines__wijken"], pd.DataFrame)
    back = store.rebuild_record(stored, {"wijken": fields["outlines__wijken"]})
    assert back.grens.equals(box(0, 0, 2, 2)) and back.naam == "x" and back.wijken is fields["outlines__wijken"]
    assert record_parts({"invoer_outlines__wijken": {}, "wijken": {}}, "outlines") == {
        "wijken": "invoer_outlines__wijken"
    }
