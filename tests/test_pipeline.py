from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from woonzorg_geo.run.pipeline import write_outputs

pytestmark = pytest.mark.realdata

CATS = [
    "ov_halte",
    "treinstation",
    "supermarkt",
    "huisarts",
    "apotheek",
    "tandarts",
    "ziekenhuis",
    "school",
    "ontmoetingsplek",
    "ov",
]


def test_analyse_writes_every_output(assen_output, assen_inputs, settings):
    out = assen_output
    layers = set(gpd.list_layers(out / "woonzorg.gpkg")["name"])
    assert {"adressen", "buurten", "wijken", "voorzieningen", "netwerk", "servicegebieden"} <= layers
    adr = gpd.read_file(out / "woonzorg.gpkg", layer="adressen")
    inside = assen_inputs.osm.addresses.within(assen_inputs.gemeente.union_all()).sum()
    assert len(adr) == inside  # every address in the gemeente
    for cat in CATS:
        assert f"afstand_{cat}_m" in adr and f"afstand_{cat}_m_senior" in adr
        assert adr[f"afstand_{cat}_m"].notna().mean() > 0.99
    assert adr.crs.to_epsg() == 28992
    assert adr["buurtcode"].notna().all() and adr["wijkcode"].notna().all()
    for name in settings.profielen:
        assert (out / f"bereikbaarheid_supermarkt_{name}.tif").exists()  # content: test_surfaces_*
    wijken = pd.read_csv(out / "wijken.csv", index_col="code")
    assert len(wijken) == 10 and wijken["n_adressen"].sum() == len(adr)
    assert wijken["inwoners_cbs"].sum() == pytest.approx(69700, abs=25)
    buurten = pd.read_csv(out / "buurten.csv", index_col="code")
    assert len(buurten) == 109
    summary = json.loads((out / "samenvatting.json").read_text(encoding="utf-8"))
    share = summary["profielen"]["standaard"]["gemeente"]["pct_ov_en_supermarkt_800m"]
    assert 30 < share < 95
    sa = gpd.read_file(out / "woonzorg.gpkg", layer="servicegebieden")
    assert set(sa["categorie"]) >= {"supermarkt", "huisarts", "ov"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_report_findings_are_recognisable(assen_analysis):
    """The report: Assen-West and Pittelo residents go further for care than the rest."""
    w = assen_analysis.wijken.set_index("naam")
    far = w.loc[["Assen-West", "Pittelo"], "med_afstand_huisarts_m"]
    town = w.drop(index=["Assen-West", "Pittelo", "Buitengebied"])["med_afstand_huisarts_m"]
    assert far.min() > town.max()


def test_senior_is_slower_in_minutes(assen_analysis):
    adr = assen_analysis.adressen
    ok = adr["tijd_huisarts_min"].notna() & adr["tijd_huisarts_min_senior"].notna()
    assert (adr.loc[ok, "tijd_huisarts_min_senior"] > adr.loc[ok, "tijd_huisarts_min"]).mean() > 0.99


def test_failed_write_keeps_previous_output(assen_analysis, tmp_path, monkeypatch):
    out = tmp_path / "output"
    out.mkdir()
    (out / "woonzorg.gpkg").write_text("vorige run")
    from woonzorg_geo.run import pipeline

    def boom(*args, **kwargs):
        raise OSError("schijf vol")

    monkeypatch.setattr(pipeline, "write_geotiff", boom)
    with pytest.raises(OSError, match="schijf vol"):
        write_outputs(assen_analysis, out)
    assert [p.name for p in out.iterdir()] == ["woonzorg.gpkg"]
    assert (out / "woonzorg.gpkg").read_text() == "vorige run"


def test_unreachable_addresses_have_reasons(assen_analysis):
    adr = assen_analysis.adressen
    missing = adr["afstand_huisarts_m"].isna()
    assert (adr.loc[missing, "reden_huisarts"].notna()).all()
    assert not np.isinf(adr["afstand_huisarts_m"].dropna()).any()


def test_surfaces_are_rd_grids_of_the_settings(assen_output, assen_analysis, settings):
    """Every written surface: EPSG:28992, the cell size of the settings, distances ≥ 0, NaN nodata,
    filled exactly where a cell centre inside the gemeente lies within raster.max_snap_m of a path.

    Catches: a surface in the wrong CRS or cell size, negative or sentinel values, cells filled far
    from the network or outside the gemeente, or left empty beside a path.
    """
    import rasterio
    import shapely
    from rasterio.transform import xy as cell_xy

    cell, max_snap = settings.raster.cell_m, settings.raster.max_snap_m
    shape = assen_analysis.inputs.gemeente.union_all()
    cats = list(assen_analysis.access[assen_analysis.main_profile].categories)
    for name, pg in assen_analysis.graphs.items():
        # cells are placed on the nearest segment of the whole network's largest part (the same for
        # every profile); a cell whose segment this profile may not use (steps) stays empty
        snap_edges = assen_analysis.network.edges_gdf(mask=pg.snap_mask)
        edges = shapely.STRtree(snap_edges.geometry.to_numpy())
        usable = pg.edge_mask[snap_edges.index.to_numpy()]
        to_path = None
        for cat in cats:
            with rasterio.open(assen_output / f"bereikbaarheid_{cat}_{name}.tif") as src:
                assert src.crs.to_epsg() == 28992, (cat, name)
                assert src.res == (cell, cell), (cat, name)
                assert src.transform.c % cell == 0 and src.transform.f % cell == 0  # aligned grid
                assert np.isnan(src.nodata)
                arr = src.read(1)
                if to_path is None:  # the same grid for every category of a profile
                    rows, cols = np.indices(arr.shape)
                    x, y = (np.asarray(v) for v in cell_xy(src.transform, rows.ravel(), cols.ravel()))
                    (which, nearest), dist = edges.query_nearest(
                        shapely.points(x, y), return_distance=True, all_matches=False
                    )
                    to_path = np.full(len(x), np.inf)
                    to_path[which] = dist
                    on_usable = np.zeros(len(x), dtype=bool)
                    on_usable[which] = usable[nearest]
                    inside = shapely.contains_xy(shape, x, y)
            filled = np.isfinite(arr.ravel())
            assert filled.any() and (arr.ravel()[filled] >= 0).all(), (cat, name)
            assert not (filled & ~inside).any(), (cat, name)
            assert not (filled & (to_path > max_snap + 0.01)).any(), (cat, name)
            assert filled[inside & (to_path < max_snap - 0.01) & on_usable].all(), (cat, name)
            assert on_usable[filled].mean() > 0.999, (cat, name)  # blocked cells only at a segment's end


def test_surfaces_agree_with_the_addresses(assen_output, assen_analysis):
    """The surface's value at an address against the address's own walking distance.

    The cell centre c and the address a are at most half a cell diagonal apart. Where both are
    projected onto the same segment (at q_c and q_a), walking from one to the other's route differs
    by at most |q_c q_a| + | |c q_c| - |a q_a| |: that is the bound, for every such address.
    Catches: rows flipped or shifted by a cell (a wrong transform), the wrong category or profile
    in a file, values scaled (minutes instead of metres) or cut off.
    """
    import rasterio
    from rasterio.transform import rowcol
    from rasterio.transform import xy as cell_xy

    from woonzorg_geo.network.accessibility import snap_to_edges

    adr = assen_analysis.adressen
    axy = adr.get_coordinates().to_numpy()
    vz = assen_analysis.inputs.voorzieningen
    for name, pg in assen_analysis.graphs.items():
        suffix = assen_analysis.suffix(name)
        for cat in ("supermarkt", "huisarts", "ov"):
            with rasterio.open(assen_output / f"bereikbaarheid_{cat}_{name}.tif") as src:
                arr, transform = src.read(1), src.transform
            rows, cols = (np.asarray(v) for v in rowcol(transform, axy[:, 0], axy[:, 1]))
            value = arr[rows, cols].astype(float)
            cxy = np.column_stack([np.asarray(v) for v in cell_xy(transform, rows, cols)])
            sa, sc = snap_to_edges(pg, axy), snap_to_edges(pg, cxy)
            d = adr[f"afstand_{cat}_m{suffix}"].to_numpy(dtype=float)
            both = np.isfinite(value) & np.isfinite(d)
            assert both.mean() > 0.99, (cat, name)
            same = both & (sa.edge == sc.edge)
            assert same.sum() > 0.5 * both.sum()  # else the bound tests too few
            bound = np.hypot(*(sa.xy - sc.xy).T) + np.abs(sa.dist - sc.dist) + 0.01  # float32: < 1 cm
            err = np.abs(value - d)
            assert (err[same] <= bound[same]).all(), (cat, name, np.sort(err[same] - bound[same])[-5:])
        # at a supermarket: a short walk, never less than as the crow flies to the nearest one
        # the surface covers the gemeente; supermarkets beyond the border (network margin) lie outside it
        shop = vz.loc[vz["categorie"] == "supermarkt"]
        sm = shop.loc[shop.within(assen_analysis.inputs.gemeente.union_all())].get_coordinates().to_numpy()
        assert len(sm) >= 20
        with rasterio.open(assen_output / f"bereikbaarheid_supermarkt_{name}.tif") as src:
            arr, transform = src.read(1), src.transform
        rows, cols = (np.asarray(v) for v in rowcol(transform, sm[:, 0], sm[:, 1]))
        at = arr[rows, cols].astype(float)
        cxy = np.column_stack([np.asarray(v) for v in cell_xy(transform, rows, cols)])
        crow = np.hypot(*(cxy[:, None, :] - sm[None, :, :]).transpose(2, 0, 1)).min(axis=1)
        ok = np.isfinite(at)
        # a cell is empty only where its segment is one this profile may not use (the Citadel deck
        # in Assen's centre is reached by steps only in OSM 2021)
        on_blocked = ~pg.edge_mask[snap_to_edges(pg, cxy).edge]
        assert (on_blocked[~ok]).all() and ok.mean() > 0.8
        assert (at[ok] >= crow[ok] - 0.01).all()
        assert np.median(at[ok]) < 50, at


def _schema_problems(doc: object, schema: type, where: str) -> list[str]:
    """Keys of ``doc`` missing from or unknown to the TypedDict ``schema``, nested TypedDicts included."""
    from typing import get_args, get_origin, get_type_hints, is_typeddict

    if not isinstance(doc, dict):
        return [f"{where}: no object"]
    hints = get_type_hints(schema)
    problems = [f"{where}.{k}: missing" for k in schema.__required_keys__ if k not in doc]
    problems += [f"{where}.{k}: not in {schema.__name__}" for k in doc if k not in hints]
    for key, value in doc.items():
        hint = hints.get(key)
        while get_origin(hint) is not None and get_origin(hint).__name__ in ("NotRequired", "Required"):
            hint = get_args(hint)[0]
        if is_typeddict(hint):
            problems += _schema_problems(value, hint, f"{where}.{key}")
        elif get_origin(hint) is dict and is_typeddict(get_args(hint)[1]):  # profielen: name → profile
            for name, sub in value.items():
                problems += _schema_problems(sub, get_args(hint)[1], f"{where}.{key}[{name}]")
    return problems


def test_the_written_summary_follows_its_schema(assen_output):
    """samenvatting.json has every key RunSummary requires and none it does not name, at every level."""
    from woonzorg_geo.areas.summary import RunSummary
    from woonzorg_geo.sources.own_lists import RECORD_KEY

    summary = json.loads((assen_output / "samenvatting.json").read_text(encoding="utf-8"))
    assert _schema_problems(summary, RunSummary, "samenvatting") == []
    assert "oppervlak" in summary["profielen"]["standaard"]  # the part the writer adds is named too
    assert RECORD_KEY in RunSummary.__annotations__  # the driver writes the own lists under this key
    broken = {**summary, "extra": 1, "profielen": {"standaard": {"label": "x"}}}
    problems = _schema_problems(broken, RunSummary, "s")
    assert "s.extra: not in RunSummary" in problems and "s.profielen[standaard].eilanden: missing" in problems
