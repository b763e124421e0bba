"""The decoded-tile cache: a tile is decoded once, the cache gives what decoding gives, and loading runs no code."""

from __future__ import annotations

import logging
import os
import pickle
import threading

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from woonzorg_geo.sources import osm_tiles, tile_cache
from woonzorg_geo.sources.osm_tiles import TileId, fill_tile_cache, list_tiles, read_tiles
from woonzorg_geo.sources.tile_checks import check_coverage

mvt = pytest.importorskip("mapbox_vector_tile")

TILE = TileId(14, 8490, 5337)


def _write_tile(root, tile: TileId, layers: list[dict]) -> None:
    path = root / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mvt.encode(layers, default_options={"quantize_bounds": tile.bounds_3857(), "extents": 4096}))


def _layers(tile: TileId, name: str) -> list[dict]:
    x0, y0, x1, _ = tile.bounds_3857()
    w = x1 - x0
    street = LineString([(x0 + 0.2 * w, y0 + 0.5 * w), (x0 + 0.8 * w, y0 + 0.5 * w)])
    return [
        {"name": "transportation", "features": [{"geometry": street.wkt, "properties": {"class": "minor"}}]},
        {
            "name": "transportation_name",
            "features": [{"geometry": street.wkt, "properties": {"class": "minor", "name:latin": name}}],
        },
        {
            "name": "poi",
            "features": [
                {
                    "geometry": Point(x0 + 0.25 * w, y0 + 0.25 * w).wkt,
                    "properties": {"class": "shop", "subclass": "supermarket"},
                }
            ],
        },
        {
            "name": "housenumber",
            "features": [{"geometry": Point(x0 + 0.3 * w, y0 + 0.55 * w).wkt, "properties": {"housenumber": "7"}}],
        },
    ]


@pytest.fixture()
def tiles(tmp_path):
    root = tmp_path / "tiles"
    right = TileId(14, TILE.x + 1, TILE.y)
    _write_tile(root, TILE, _layers(TILE, "Links"))
    # byte-identical content one tile to the right: the same bytes mean other places there
    (root / "14" / str(right.x)).mkdir()
    (root / "14" / str(right.x) / f"{right.y}.pbf").write_bytes(
        (root / "14" / str(TILE.x) / f"{TILE.y}.pbf").read_bytes()
    )
    (root / "14" / str(TILE.x + 2)).mkdir()
    (root / "14" / str(TILE.x + 2) / f"{TILE.y}.pbf").write_bytes(b"")  # empty tile
    return root


def _count_decodes(monkeypatch) -> list[str]:
    calls: list[str] = []
    real = osm_tiles.decode_tile

    def counting(path, tile, layers):
        calls.append(str(tile))
        return real(path, tile, layers)

    monkeypatch.setattr(osm_tiles, "decode_tile", counting)
    return calls


def test_cached_read_equals_direct_read_and_decodes_each_tile_once(tiles, tmp_path, monkeypatch):
    direct = read_tiles(tiles, use_cache=False)
    calls = _count_decodes(monkeypatch)
    cache = tmp_path / "cache"
    counts = fill_tile_cache(list_tiles(tiles), cache)
    assert counts == {"gedecodeerd": 2, "uit_cache": 0, "leeg": 1}
    assert sorted(calls) == sorted([str(TILE), f"14/{TILE.x + 1}/{TILE.y}"])
    # three more runs (say, three gemeenten that share these tiles): nothing decoded again
    for _ in range(3):
        cached = read_tiles(tiles, cache_dir=cache)
        for layer in direct:
            pd.testing.assert_frame_equal(cached[layer], direct[layer])
    assert len(calls) == 2
    assert fill_tile_cache(list_tiles(tiles), cache) == {"gedecodeerd": 0, "uit_cache": 2, "leeg": 1}


def test_same_bytes_at_another_place_are_another_entry(tiles, tmp_path):
    """MVT coordinates are tile-relative: the key holds the position, not only the content hash."""
    layers = read_tiles(tiles, cache_dir=tmp_path / "cache")
    streets = layers["transportation"]
    assert len(streets) == 2
    assert set(streets["tile"]) == {str(TILE), f"14/{TILE.x + 1}/{TILE.y}"}
    a, b = streets.geometry
    assert a.distance(b) > 500  # ~1,470 m apart, one tile width


def test_a_changed_tile_is_decoded_again(tiles, tmp_path):
    cache = tmp_path / "cache"
    read_tiles(tiles, cache_dir=cache)
    _write_tile(tiles, TILE, _layers(TILE, "Nieuwe naam"))
    names = read_tiles(tiles, cache_dir=cache)["transportation"]["name"]
    assert "Nieuwe naam" in set(names) and "Links" in set(names)


def test_a_broken_cache_entry_is_decoded_again_with_a_warning(tiles, tmp_path, caplog, monkeypatch):
    cache = tmp_path / "cache"
    first = read_tiles(tiles, cache_dir=cache)
    entries = sorted(cache.glob("*-transportation-*.arrow"))
    assert len(entries) == 2
    entries[0].write_bytes(b"")  # a killed writer (the real writer renames only complete files)
    entries[1].write_bytes(entries[1].read_bytes()[:-40])  # cut off: no Arrow footer
    with caplog.at_level(logging.WARNING, logger="woonzorg_geo.sources.osm_tiles"):
        again = read_tiles(tiles, cache_dir=cache)
    pd.testing.assert_frame_equal(again["transportation"], first["transportation"])
    damaged = [r.getMessage() for r in caplog.records if "beschadigd" in r.getMessage()]
    assert len(damaged) == 2 and all("opnieuw gedecodeerd" in m for m in damaged)
    # the entries were replaced: a third read decodes nothing and warns about nothing
    caplog.clear()
    calls = _count_decodes(monkeypatch)
    read_tiles(tiles, cache_dir=cache)
    assert calls == [] and not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_an_entry_of_another_tile_or_layer_is_not_used(tiles, tmp_path, monkeypatch):
    """An entry copied over another (a foreign or mixed-up cache) is caught by its marker, not trusted."""
    cache = tmp_path / "cache"
    first = read_tiles(tiles, cache_dir=cache)
    poi = next(iter(cache.glob(f"14-{TILE.x}-{TILE.y}-*-poi-*.arrow")))
    streets = next(iter(cache.glob(f"14-{TILE.x}-{TILE.y}-*-transportation-*.arrow")))
    streets.write_bytes(poi.read_bytes())
    calls = _count_decodes(monkeypatch)
    again = read_tiles(tiles, cache_dir=cache)
    assert calls == [str(TILE)]
    pd.testing.assert_frame_equal(again["transportation"], first["transportation"])


def test_cache_entries_are_arrow_and_loading_never_unpickles(tiles, tmp_path, monkeypatch):
    """A shared cache folder must not be able to run code on load: entries are Arrow IPC files, and a
    pickle planted under an entry's name is refused (decoded again), never loaded."""
    cache = tmp_path / "cache"
    first = read_tiles(tiles, cache_dir=cache)
    entries = sorted(cache.iterdir())
    assert entries and all(e.suffix == ".arrow" for e in entries)
    for entry in entries:
        data = entry.read_bytes()
        assert data[:6] == b"ARROW1"  # the Arrow IPC file magic, not a pickle (b"\x80")

    def refuse(*args, **kwargs):
        raise AssertionError("the tile cache must never unpickle")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "Unpickler", refuse)
    planted = entries[0]
    planted.write_bytes(pickle.dumps({"a planted": "pickle"}))
    again = read_tiles(tiles, cache_dir=cache)
    for layer in first:
        pd.testing.assert_frame_equal(again[layer], first[layer])
    assert planted.read_bytes()[:6] == b"ARROW1"  # replaced by a fresh entry


def test_decode_results_equal_with_and_without_cache_and_the_cache_can_be_turned_off(tiles, tmp_path, monkeypatch):
    cache = tmp_path / "eigen"
    monkeypatch.setenv(tile_cache.CACHE_ENV, str(cache))
    assert tile_cache.default_cache_dir() == cache
    uncached = read_tiles(tiles, use_cache=False)
    assert not cache.exists()
    cold = read_tiles(tiles)  # the default: the folder of the environment variable
    warm = read_tiles(tiles)
    assert any(cache.iterdir())
    for layer in uncached:
        pd.testing.assert_frame_equal(cold[layer], uncached[layer])
        pd.testing.assert_frame_equal(warm[layer], uncached[layer])
    assert uncached["transportation"].crs.to_epsg() == 28992
    monkeypatch.setenv(tile_cache.CACHE_ENV, "uit")
    assert tile_cache.default_cache_dir() is None
    calls = _count_decodes(monkeypatch)
    read_tiles(tiles)
    assert len(calls) == 2  # decoded again: the cache is off


def test_default_cache_is_the_users_cache_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(tile_cache.CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if tile_cache.sys.platform != "win32":
        assert tile_cache.default_cache_dir() == tmp_path / "xdg" / "woonzorg_geo" / "tegels"


def test_a_sliver_into_a_missing_tile_is_a_margin_tile_not_an_error(tmp_path):
    """Meppel's generalised buurten reach 109 m² into a tile outside the Drenthe tile set."""
    root = tmp_path / "tiles"
    _write_tile(root, TILE, _layers(TILE, "Links"))
    x0, y0, x1, y1 = TILE.bounds_3857()
    inside = gpd.GeoSeries([box(x0 + 100, y0 + 100, x1 - 100, y1 - 100)], crs=3857).to_crs(28992).iloc[0]
    sliver = gpd.GeoSeries([box(x0 + 100, y0 + 100, x1 + 10, y1 - 100)], crs=3857).to_crs(28992).iloc[0]
    deep = gpd.GeoSeries([box(x0 + 100, y0 + 100, x1 + 200, y1 - 100)], crs=3857).to_crs(28992).iloc[0]
    right = f"14/{TILE.x + 1}/{TILE.y}.pbf"
    assert check_coverage(root, inside, crs="EPSG:28992", margin_m=0.0, tolerance_m=25.0) == []
    assert right in check_coverage(root, sliver, crs="EPSG:28992", margin_m=0.0, tolerance_m=25.0)
    with pytest.raises(Exception, match=right):
        check_coverage(root, sliver, crs="EPSG:28992", margin_m=0.0)  # without tolerance: an error
    with pytest.raises(Exception, match=right):
        check_coverage(root, deep, crs="EPSG:28992", margin_m=0.0, tolerance_m=25.0)


def test_a_cold_cache_is_filled_on_every_core_and_read_as_decoding_gives(tmp_path, monkeypatch):
    """read_tiles decodes a cold cache's tiles in forked children and itself (osm_tiles.fill_beside)."""
    root = tmp_path / "tiles"
    many = [TileId(14, TILE.x + i % 4, TILE.y + i // 4) for i in range(12)]
    for i, tile in enumerate(many):
        _write_tile(root, tile, _layers(tile, f"Straat {i}"))
    direct = read_tiles(root, use_cache=False)
    log = tmp_path / "decodes.txt"
    real = osm_tiles.decode_tile

    def recording(path, tile, layers):  # inherited by the forked children
        with log.open("a") as f:
            f.write(f"{os.getpid()} {tile}\n")
        return real(path, tile, layers)

    monkeypatch.setattr(osm_tiles, "decode_tile", recording)
    monkeypatch.setattr(osm_tiles, "BESIDE_MIN_TILES", 4)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    alone = threading.active_count() == 1
    cached = read_tiles(root, cache_dir=tmp_path / "cache")
    for layer in direct:
        pd.testing.assert_frame_equal(cached[layer], direct[layer])
    rows = [line.split() for line in log.read_text().splitlines()]
    assert sorted(t for _, t in rows) == sorted(str(t) for t in many)  # each tile decoded once
    pids = {int(p) for p, _ in rows}
    if alone:  # two children and this process, a share each
        assert len(pids) == 3 and os.getpid() in pids
    else:  # threads run here: no fork, all decoded in this process
        assert pids == {os.getpid()}
    # the next read finds everything in the cache
    log.unlink()
    again = read_tiles(root, cache_dir=tmp_path / "cache")
    pd.testing.assert_frame_equal(again["transportation"], direct["transportation"])
    assert not log.exists()


def test_a_tile_that_fails_in_a_child_fails_the_read_with_its_own_error(tmp_path, monkeypatch):
    import multiprocessing

    root = tmp_path / "tiles"
    many = [TileId(14, TILE.x + i % 4, TILE.y + i // 4) for i in range(12)]
    for i, tile in enumerate(many):
        _write_tile(root, tile, _layers(tile, f"Straat {i}"))
    bad = str(many[-1])  # in the last share: a child's, where a child is forked
    real = osm_tiles.decode_tile

    def failing(path, tile, layers):
        if str(tile) == bad:
            raise ValueError(f"tile {tile} is beschadigd")
        return real(path, tile, layers)

    monkeypatch.setattr(osm_tiles, "decode_tile", failing)
    monkeypatch.setattr(osm_tiles, "BESIDE_MIN_TILES", 4)
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    with pytest.raises(ValueError, match=f"tile {bad} is beschadigd"):
        read_tiles(root, cache_dir=tmp_path / "cache")
    assert multiprocessing.active_children() == []  # no child left decoding


@pytest.mark.realdata
@pytest.mark.parametrize("beside_from", [10**6, 2], ids=["in dit proces", "op alle kernen"])
def test_real_tiles_through_the_cache_equal_direct_decoding(raw_dir, tmp_path, monkeypatch, beside_from):
    monkeypatch.setattr(osm_tiles, "BESIDE_MIN_TILES", beside_from)
    folder = raw_dir / "osm_openmaptiles_drenthe_2021_provincie" / "tiles"
    bbox = (6.55, 52.98, 6.60, 53.01)  # Assen's centre: a dozen tiles
    direct = read_tiles(folder, bbox_lonlat=bbox, use_cache=False)
    cached = read_tiles(folder, bbox_lonlat=bbox, cache_dir=tmp_path / "cache")
    again = read_tiles(folder, bbox_lonlat=bbox, cache_dir=tmp_path / "cache")
    for layer in direct:
        assert len(direct[layer]) > 0
        pd.testing.assert_frame_equal(cached[layer], direct[layer])
        pd.testing.assert_frame_equal(again[layer], direct[layer])


def test_vectorised_line_reduction_equals_the_part_by_part_rule():
    """``_lines_only`` builds the multi-lines with shapely's array functions; the rule is the per-feature one."""
    import numpy as np
    import shapely
    from shapely.geometry import GeometryCollection, MultiLineString, MultiPoint, Polygon

    a, b, c = LineString([(0, 0), (1, 0)]), LineString([(2, 0), (3, 1)]), LineString([(5, 5), (6, 6)])
    geoms = np.array(
        [
            a,
            MultiLineString([a, b]),
            MultiLineString([c]),
            GeometryCollection([Point(0, 0), b]),
            GeometryCollection([a, Point(1, 1), c]),
            GeometryCollection([Point(0, 0)]),
            Polygon([(0, 0), (1, 0), (1, 1)]),
            MultiPoint([(0, 0), (1, 1)]),
            LineString(),
            MultiLineString([b, a, c]),
        ],
        dtype=object,
    )

    def reference(g):
        if g.geom_type == "LineString":
            return None if g.is_empty else g
        if g.geom_type not in ("MultiLineString", "GeometryCollection"):
            return None
        parts = [p for p in shapely.get_parts(g) if p.geom_type == "LineString" and not p.is_empty]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else MultiLineString(parts)

    got = osm_tiles._lines_only(geoms)
    want = [reference(g) for g in geoms]
    assert [None if g is None else g.wkt for g in got] == [None if g is None else g.wkt for g in want]
    assert got[1].geom_type == "MultiLineString" and got[2].geom_type == "LineString" and got[6] is None
