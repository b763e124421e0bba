from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, Point

from woonzorg_geo.core.errors import DataFileError, MissingDataError
from woonzorg_geo.sources.osm import from_geojson_extracts, from_tiles
from woonzorg_geo.sources.osm_tiles import TileId, lonlat_to_tile, read_tiles

mvt = pytest.importorskip("mapbox_vector_tile")

TILE = TileId(14, 8490, 5337)


def _write_tile(root, tile: TileId, layers: list[dict]) -> None:
    path = root / str(tile.z) / str(tile.x) / f"{tile.y}.pbf"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = mvt.encode(layers, default_options={"quantize_bounds": tile.bounds_3857(), "extents": 4096})
    path.write_bytes(data)


@pytest.fixture()
def tile_dir(tmp_path):
    x0, y0, x1, _y1 = TILE.bounds_3857()
    w = x1 - x0
    street = LineString([(x0 + 0.2 * w, y0 + 0.5 * w), (x0 + 0.8 * w, y0 + 0.5 * w)])
    path = LineString([(x0 + 0.5 * w, y0 + 0.5 * w), (x0 + 0.5 * w, y0 + 0.9 * w)])
    layers = [
        {
            "name": "transportation",
            "features": [
                {"geometry": street.wkt, "properties": {"class": "minor"}},
                {"geometry": path.wkt, "properties": {"class": "path"}},
            ],
        },
        {
            "name": "transportation_name",
            "features": [
                {
                    "geometry": street.wkt,
                    "properties": {"class": "minor", "name:latin": "Teststraat", "subclass": "residential"},
                },
            ],
        },
        {
            "name": "poi",
            "features": [
                {
                    "geometry": Point(x0 + 0.25 * w, y0 + 0.25 * w).wkt,
                    "properties": {"class": "grocery", "subclass": "supermarket", "name:latin": "Winkel"},
                },
            ],
        },
        {
            "name": "housenumber",
            "features": [
                {"geometry": Point(x0 + 0.3 * w, y0 + 0.55 * w).wkt, "properties": {"housenumber": "12a"}},
            ],
        },
    ]
    _write_tile(tmp_path, TILE, layers)
    return tmp_path, street


def test_decodes_to_rd_new_with_names_joined(tile_dir):
    root, street = tile_dir
    layers = read_tiles(root, layers=["transportation", "poi", "housenumber"])
    lines = layers["transportation"]
    assert lines.crs.to_epsg() == 28992
    assert len(lines) == 2
    named = lines.loc[lines["name"].notna()]
    assert list(named["name"]) == ["Teststraat"]
    assert list(named["subclass"]) == ["residential"]
    assert lines.loc[lines["class"] == "path", "name"].isna().all()
    expected = gpd.GeoSeries([street], crs="EPSG:3857").to_crs(28992).iloc[0]
    got = named.geometry.iloc[0]
    # one tile unit is ~0.6 m at this latitude/zoom: the decoded line lies on the encoded one
    assert got.hausdorff_distance(expected) < 0.6
    assert abs(got.length - expected.length) < 1.0
    poi = layers["poi"].iloc[0]
    assert (poi["subclass"], poi["name"]) == ("supermarket", "Winkel")
    assert layers["housenumber"]["housenumber"].tolist() == ["12a"]
    assert layers["housenumber"]["tile"].tolist() == ["14/8490/5337"]


def test_bbox_filter_and_tile_index():
    assert lonlat_to_tile(6.5708, 52.9925, 14) == (8491, 5337)  # Assen station


def test_corrupt_tile_names_the_file(tmp_path):
    p = tmp_path / "14" / "8490" / "5337.pbf"
    p.parent.mkdir(parents=True)
    p.write_bytes(b"dit is geen vector tile")
    with pytest.raises(DataFileError, match="5337.pbf"):
        read_tiles(tmp_path)


def test_missing_tile_dir(tmp_path):
    with pytest.raises(MissingDataError, match="x/y.pbf"):
        read_tiles(tmp_path / "leeg")


def test_unknown_layer(tile_dir):
    with pytest.raises(ValueError, match="onbekende laag"):
        read_tiles(tile_dir[0], layers=["wegen"])


@pytest.mark.realdata
def test_real_tiles_match_the_geojson_extracts(raw_dir):
    """The decoder reproduces the published extracts: same counts, same names, same places."""
    folder = raw_dir / "osm_openmaptiles_drenthe_2021"
    tiles = from_tiles(folder / "tiles")
    extracts = from_geojson_extracts(folder)
    assert len(tiles.lines) == len(extracts.lines) == 17916
    assert len(tiles.addresses) == len(extracts.addresses) == 48190
    assert abs(len(tiles.pois) - len(extracts.pois)) <= 2
    assert tiles.lines["name"].notna().sum() == pytest.approx(extracts.lines["name"].notna().sum(), rel=0.01)
    n_cycle = (extracts.lines["subclass"] == "cycleway").sum()
    assert (tiles.lines["subclass"] == "cycleway").sum() == pytest.approx(n_cycle, rel=0.01)
    # the y axis is right: the station POI lies where SOURCE.md says (6.5708, 52.9925)
    station = gpd.GeoSeries([Point(6.5708, 52.9925)], crs=4326).to_crs(28992).iloc[0]
    bus = tiles.pois.loc[tiles.pois["subclass"] == "bus_station"]
    assert bus.distance(station).min() < 150
    # tile seams: some line ends lie on a tile edge and have a partner within 1 m
    import shapely

    parts = shapely.get_parts(tiles.lines.geometry.to_numpy())
    ends = np.array([c for g in parts for c in (g.coords[0], g.coords[-1])])
    from scipy.spatial import cKDTree

    d, _ = cKDTree(ends).query(ends, k=2)
    assert ((d[:, 1] > 0) & (d[:, 1] < 1.0)).sum() > 100


def _tile_box_rd(tile: TileId, shrink: float = 0.25):
    """A box in EPSG:28992 well inside ``tile``."""
    from shapely.geometry import box

    x0, y0, x1, y1 = tile.bounds_3857()
    w = (x1 - x0) * shrink
    b = gpd.GeoSeries([box(x0 + w, y0 + w, x1 - w, y1 - w)], crs="EPSG:3857").to_crs("EPSG:28992")
    return b.iloc[0]


def test_empty_tile_is_read_as_empty_not_as_corrupt(tile_dir):
    root, _ = tile_dir
    empty = root / "14" / str(TILE.x + 1) / f"{TILE.y}.pbf"
    empty.parent.mkdir(parents=True)
    empty.write_bytes(b"")
    layers = read_tiles(root)
    assert len(layers["transportation"]) == 2  # the one real tile, nothing from the empty one
    assert set(layers["transportation"]["tile"]) == {str(TILE)}


def test_coverage_names_a_missing_tile_inside_and_returns_those_in_the_margin(tile_dir):
    from woonzorg_geo.sources.tile_checks import check_coverage

    root, _ = tile_dir
    area = _tile_box_rd(TILE)
    # the area lies inside the one tile (a z14 tile is ~1,470 m wide here, the area ~370 m from its
    # edges); a margin of 600 m reaches the eight neighbours and no further
    margin = check_coverage(root, area, crs="EPSG:28992", margin_m=600.0)
    assert len(margin) == 8 and f"14/{TILE.x + 1}/{TILE.y}.pbf" in margin
    # an empty (0-byte) neighbour counts as present
    (root / "14" / str(TILE.x + 1)).mkdir()
    (root / "14" / str(TILE.x + 1) / f"{TILE.y}.pbf").write_bytes(b"")
    assert len(check_coverage(root, area, crs="EPSG:28992", margin_m=600.0)) == 7
    # an area that reaches into a tile that is not there: an error naming it
    right = TileId(14, TILE.x + 2, TILE.y)
    with pytest.raises(DataFileError, match=f"14/{right.x}/{right.y}.pbf"):
        check_coverage(root, area.union(_tile_box_rd(right)).convex_hull, crs="EPSG:28992", margin_m=0.0)


def test_coverage_refuses_an_empty_or_damaged_tile_inside_the_area(tile_dir):
    """An empty tile is legitimate only where the tile set holds nothing (outside the land)."""
    from woonzorg_geo.sources.tile_checks import check_coverage

    root, _ = tile_dir
    area = _tile_box_rd(TILE)
    path = root / "14" / str(TILE.x) / f"{TILE.y}.pbf"
    whole = path.read_bytes()
    for damaged, problem in ((b"", "leeg (0 bytes)"), (whole[:-3], "afgekapt"), (b"\x00" * 40, "beschadigd")):
        path.write_bytes(damaged)
        with pytest.raises(DataFileError, match=rf"14/{TILE.x}/{TILE.y}\.pbf.*{re.escape(problem)}"):
            check_coverage(root, area, crs="EPSG:28992", margin_m=0.0)
    path.write_bytes(whole)
    assert len(check_coverage(root, area, crs="EPSG:28992", margin_m=600.0)) == 8


@pytest.mark.realdata
def test_a_deleted_tile_inside_assen_stops_the_run(raw_dir, tmp_path, settings):
    """Deleting a tile in town lost a fifth of the addresses with exit 0; now it is an error."""
    import dataclasses

    from woonzorg_geo.sources.datasets import load_offline

    src = raw_dir / settings.data.osm_tiles
    gone = TileId(14, *lonlat_to_tile(6.5630, 52.9960, 14))  # Assen centre
    for p in (src / "14").glob("*/*.pbf"):
        if p.parent.name == str(gone.x) and p.stem == str(gone.y):
            continue
        dst = tmp_path / "tiles" / "14" / p.parent.name / p.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.symlink_to(p)
    data = dataclasses.replace(settings.data, osm_tiles=str(tmp_path / "tiles"))
    with pytest.raises(DataFileError, match=f"14/{gone.x}/{gone.y}.pbf"):
        load_offline(dataclasses.replace(settings, data=data), raw_dir=raw_dir)
