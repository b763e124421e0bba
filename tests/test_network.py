from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, MultiLineString

from woonzorg_geo.core.errors import DataFileError, NoCrsError
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.network.graph import build_network, find_islands, profile_graph

RD = "EPSG:28992"
S = load_settings()


def _lines(geoms, classes=None, subclasses=None, names=None):
    n = len(geoms)
    return gpd.GeoDataFrame(
        {"class": classes or ["minor"] * n, "subclass": subclasses or [None] * n, "name": names or [None] * n},
        geometry=geoms,
        crs=RD,
    )


def test_nodes_at_shared_vertices_and_lengths():
    # a T: the stem shares the vertex (100, 0) of the bar
    lines = _lines([LineString([(0, 0), (100, 0), (200, 0)]), LineString([(100, 0), (100, 50)])])
    net = build_network(lines, settings=S.netwerk)
    assert net.n_nodes == 4 and net.n_edges == 3
    assert net.length.sum() == pytest.approx(250.0)
    degree = np.bincount(np.r_[net.u, net.v])
    assert sorted(degree) == [1, 1, 1, 3]


def test_crossing_without_shared_vertex_is_not_a_junction():
    # a bridge over a road: no shared vertex, no junction
    lines = _lines([LineString([(0, 0), (200, 0)]), LineString([(100, -50), (100, 50)])])
    net = build_network(lines, settings=S.netwerk)
    assert find_islands(net).n == 2


def test_tile_seams_healed_within_tolerance_only():
    near = _lines([LineString([(0, 0), (100, 0)]), LineString([(100.6, 0.3), (200, 0)])])
    net = build_network(near, settings=S.netwerk)
    assert net.seams_joined == 1 and find_islands(net).n == 1
    far = _lines([LineString([(0, 0), (100, 0)]), LineString([(101.5, 0), (200, 0)])])
    net = build_network(far, settings=S.netwerk)
    assert net.seams_joined == 0 and find_islands(net).n == 2


def test_walkable_classes_steps_and_multilines():
    lines = _lines(
        [
            LineString([(0, 0), (10, 0)]),
            LineString([(10, 0), (20, 0)]),
            LineString([(20, 0), (30, 0)]),
            MultiLineString([[(30, 0), (40, 0)], [(40, 0), (50, 0)]]),
        ],
        classes=["minor", "motorway", "path", "path"],
        subclasses=[None, None, "steps", "footway"],
    )
    net = build_network(lines, settings=S.netwerk)
    assert net.length.sum() == pytest.approx(40.0)  # the motorway is not walkable
    assert net.steps.sum() == 1
    senior = profile_graph(net, S.profile("senior"))
    standaard = profile_graph(net, S.profile("standaard"))
    assert standaard.edge_mask.sum() == 3
    # without the steps, the 10 m piece at the start is cut off; the largest part is 20 m beyond
    assert senior.edge_mask.sum() == 2 and not senior.edge_mask[net.steps].any()


def test_parallel_duplicates_keep_the_shortest():
    lines = _lines([LineString([(0, 0), (100, 0)]), LineString([(0, 0), (100, 0)])], classes=["minor", "path"])
    net = build_network(lines, settings=S.netwerk)
    assert net.n_edges == 1


def test_islands_sorted_by_length():
    lines = _lines(
        [LineString([(0, 0), (500, 0)]), LineString([(0, 100), (50, 100)]), LineString([(0, 200), (20, 200)])]
    )
    isl = find_islands(build_network(lines, settings=S.netwerk))
    assert isl.n == 3
    assert isl.sizes["lengte_m"].tolist() == pytest.approx([500.0, 50.0, 20.0])


def test_errors():
    with pytest.raises(DataFileError, match="beloopbare"):
        build_network(_lines([LineString([(0, 0), (1, 0)])], classes=["motorway"]), settings=S.netwerk)
    no_crs = _lines([LineString([(0, 0), (1, 0)])]).set_crs(None, allow_override=True)
    with pytest.raises(NoCrsError):
        build_network(no_crs, settings=S.netwerk)


def test_input_not_mutated():
    lines = _lines([LineString([(0, 0), (100, 0)])])
    before = lines.copy()
    build_network(lines, settings=S.netwerk)
    assert lines.equals(before)


@pytest.mark.realdata
def test_real_network_is_mostly_one_part(assen_inputs):
    net = build_network(assen_inputs.osm.lines, settings=S.netwerk)
    pg = profile_graph(net, S.profile("standaard"))
    share = pg.islands.sizes["lengte_m"].iloc[0] / pg.islands.sizes["lengte_m"].sum()
    assert share > 0.98  # SOURCE.md: 99.3 % of the length in one component
    assert net.steps.sum() > 50
    assert 1000 < net.length.sum() / 1000 < 2500


def test_foot_no_and_private_access_are_not_walkable():
    """Lines read from PBF/XML/Overpass carry foot/access: closed ways must not be routed over."""
    geoms = [LineString([(i * 10, 0), (i * 10 + 10, 0)]) for i in range(6)]
    lines = _lines(geoms).assign(
        foot=[None, "no", None, "yes", "designated", " No "],
        access=[None, None, "private", "private", "no", None],
    )
    net = build_network(lines, settings=S.netwerk)
    # kept: plain, foot=yes over access=private, foot=designated over access=no
    kept = sorted(net.xy[np.r_[net.u, net.v]][:, 0].round().astype(int).tolist())
    assert net.n_edges == 3
    assert set(kept) == {0, 10, 30, 40, 50}
