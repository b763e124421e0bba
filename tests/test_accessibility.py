from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.network.accessibility import REASON_FAR, REASON_NONE, compute_accessibility, to_frame
from woonzorg_geo.network.graph import build_network, profile_graph

RD = "EPSG:28992"
S = load_settings()


def _net(lines, subclasses=None):
    gdf = gpd.GeoDataFrame(
        {"class": "minor", "subclass": subclasses or [None] * len(lines), "name": None}, geometry=lines, crs=RD
    )
    return build_network(gdf, settings=S.netwerk)


def _pts(xy, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(p) for p in xy], crs=RD)


def _vz(xy, cats, ids=None):
    return _pts(xy, categorie=cats).set_index(pd.Index(ids or [f"v{i}" for i in range(len(xy))], name="vz_id"))


def _acc(net, origins, vz, cats=("supermarkt",), profile="standaard", **kw):
    return compute_accessibility(profile_graph(net, S.profile(profile)), origins, vz, categories=list(cats), **kw)


def test_hand_computed_distances_with_snap_legs():
    net = _net([LineString([(0, 0), (1000, 0)])])  # one long segment, no vertices between
    vz = _vz([(600, 10)], ["supermarkt"])
    origins = _pts([(100, 5), (900, 0), (600, -3)])
    acc = _acc(net, origins, vz)
    d = acc.categories["supermarkt"].origin_dist
    # same edge as the destination: straight along it, not round via the ends
    assert d == pytest.approx([5 + 500 + 10, 300 + 10, 3 + 10])
    assert list(acc.categories["supermarkt"].origin_nearest) == ["v0", "v0", "v0"]


def test_ties_pick_one_of_the_tied():
    net = _net([LineString([(0, 0), (1000, 0)])])
    vz = _vz([(300, 0), (700, 0)], ["supermarkt", "supermarkt"], ids=["links", "rechts"])
    acc = _acc(net, _pts([(500, 0)]), vz)
    res = acc.categories["supermarkt"]
    assert res.origin_dist[0] == pytest.approx(200.0)
    assert res.origin_nearest[0] in ("links", "rechts")


def test_dead_end_and_junction_routes():
    # main street 0..400 along x; a dead-end spur up from (200,0) to (200,300)
    net = _net([LineString([(0, 0), (200, 0), (400, 0)]), LineString([(200, 0), (200, 300)])])
    vz = _vz([(0, 0), (400, 5)], ["apotheek", "apotheek"])
    origins = _pts([(200, 300), (210, 150)])
    acc = _acc(net, origins, vz, cats=("apotheek",))
    res = acc.categories["apotheek"]
    assert res.origin_dist[0] == pytest.approx(300 + 200)  # tie between both: 500 vs 505
    assert res.origin_nearest[0] == "v0"
    assert res.origin_dist[1] == pytest.approx(10 + 150 + 200)


def test_counts_within_radii():
    net = _net([LineString([(0, 0), (2000, 0)])])
    vz = _vz([(100, 0), (350, 0), (700, 0), (1500, 0)], ["school"] * 4)
    acc = _acc(net, _pts([(0, 0)]), vz, cats=("school",), radii_m=(400.0, 800.0))
    res = acc.categories["school"]
    assert res.counts[400.0][0] == 2 and res.counts[800.0][0] == 3


def test_unreachable_is_missing_with_a_reason():
    # a main part and a far island; an origin 600 m from any path is 'too far'
    net = _net([LineString([(0, 0), (1000, 0)]), LineString([(5000, 0), (5010, 0)])])
    vz = _vz([(500, 0)], ["huisarts"])
    origins = _pts([(100, 0), (5005, 0), (300, 600)])
    acc = _acc(net, origins, vz, cats=("huisarts", "apotheek"), max_snap_m=500.0)
    frame = to_frame(acc, origins, speed_m_s=1.0, norm_m=800)
    # the island origin is snapped to the main part (5005 -> 1000): 4005 m away
    assert acc.origin_snap.dist[1] == pytest.approx(4005.0)
    assert np.isnan(frame.loc[1, "afstand_huisarts_m"]) and frame.loc[1, "reden_huisarts"] == REASON_FAR
    assert np.isnan(frame.loc[2, "afstand_huisarts_m"]) and frame.loc[2, "reden_huisarts"] == REASON_FAR
    assert frame.loc[0, "afstand_huisarts_m"] == pytest.approx(400.0)
    assert pd.isna(frame.loc[0, "reden_huisarts"])
    assert frame["afstand_apotheek_m"].isna().all()  # no pharmacy at all
    assert (frame.loc[[0], "reden_apotheek"] == REASON_NONE).all()
    assert frame.loc[0, "tijd_huisarts_min"] == pytest.approx(400 / 60)


def test_senior_avoids_steps():
    # a short route over steps and a long detour
    lines = [
        LineString([(0, 0), (100, 0)]),
        LineString([(100, 0), (200, 0)]),
        LineString([(0, 0), (0, 100), (200, 100), (200, 0)]),
    ]
    net = _net(lines, subclasses=[None, "steps", None])
    vz = _vz([(200, 0)], ["supermarkt"])
    origins = _pts([(0, 0)])
    std = _acc(net, origins, vz).categories["supermarkt"].origin_dist[0]
    sen = _acc(net, origins, vz, profile="senior").categories["supermarkt"].origin_dist[0]
    assert std == pytest.approx(200.0)
    assert sen == pytest.approx(400.0)


def test_composite_ov_and_norm_flags():
    net = _net([LineString([(0, 0), (3000, 0)])])
    vz = _vz(
        [(500, 0), (2000, 0), (700, 0), (900, 0), (100, 0)],
        ["ov_halte", "treinstation", "supermarkt", "apotheek", "huisarts"],
    )
    origins = _pts([(0, 0), (1900, 0)])
    cats = ("ov_halte", "treinstation", "supermarkt", "apotheek", "huisarts")
    acc = _acc(net, origins, vz, cats=cats)
    frame = to_frame(acc, origins, speed_m_s=1.0, norm_m=800)
    assert frame["afstand_ov_m"].tolist() == pytest.approx([500.0, 100.0])
    assert frame["dichtstbij_ov"].tolist() == ["v0", "v1"]
    assert frame["ov_en_supermarkt_800m"].tolist() == [True, False]
    assert frame["drie_a_800m"].tolist() == [False, False]  # apotheek at 900 m


def test_index_kept_and_inputs_untouched():
    net = _net([LineString([(0, 0), (100, 0)])])
    origins = _pts([(10, 0), (90, 0)]).set_index(pd.Index(["a", "b"]))
    vz = _vz([(50, 0)], ["supermarkt"])
    before = origins.copy(), vz.copy()
    acc = _acc(net, origins, vz)
    frame = to_frame(acc, origins, speed_m_s=1.0, norm_m=800)
    assert list(frame.index) == ["a", "b"]
    pd.testing.assert_frame_equal(origins, before[0])
    pd.testing.assert_frame_equal(vz, before[1])


@pytest.fixture(scope="module")
def assen_access(assen_inputs):
    net = build_network(assen_inputs.osm.lines, settings=S.netwerk)
    pg = profile_graph(net, S.profile("standaard"))
    addr = assen_inputs.osm.addresses
    origins = addr.loc[addr.within(assen_inputs.gemeente.union_all())]
    acc = compute_accessibility(pg, origins, assen_inputs.voorzieningen, categories=S.bereikbaarheid.categories)
    return acc, origins


@pytest.mark.realdata
def test_network_distance_at_least_straight_line(assen_access, assen_inputs):
    from scipy.spatial import cKDTree

    acc, origins = assen_access
    xy = np.column_stack([origins.geometry.x, origins.geometry.y])
    vz = assen_inputs.voorzieningen
    for cat, res in acc.categories.items():
        parts = ("ov_halte", "treinstation") if cat == "ov" else (cat,)
        dest = vz.loc[vz["categorie"].isin(parts)]
        dxy = np.column_stack([dest.geometry.x, dest.geometry.y])
        straight, _ = cKDTree(dxy).query(xy)
        ok = np.isfinite(res.origin_dist)
        assert ok.mean() > 0.99, cat
        assert (res.origin_dist[ok] >= straight[ok] - 1e-6).all(), cat


def test_bounded_distances_equal_scipy_within_the_limit():
    """The toets' search for the voorzieningen within the norm equals scipy's limited Dijkstra."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from woonzorg_geo.network.paths import bounded_distances

    rng = np.random.default_rng(3)
    n = 400
    u = rng.integers(0, n, 1600)
    v = rng.integers(0, n, 1600)
    w = rng.uniform(1.0, 120.0, 1600)
    keep = u != v
    m = csr_matrix((np.r_[w[keep], w[keep]], (np.r_[u[keep], v[keep]], np.r_[v[keep], u[keep]])), shape=(n, n))
    for source in range(0, n, 37):
        for limit in (50.0, 200.0, 800.0):
            ref = dijkstra(m, directed=False, indices=source, limit=limit)
            got = bounded_distances(m, source, limit=limit)
            assert set(got) == set(np.flatnonzero(np.isfinite(ref)))
            assert all(got[k] == ref[k] for k in got)


def test_the_searches_of_network_paths_agree():
    """nearest_source is the minimum over distances_from; routes_from's predecessors walk back the distance."""
    from scipy.sparse import csr_matrix

    from woonzorg_geo.network.paths import distances_from, nearest_source, routes_from

    rng = np.random.default_rng(5)
    n = 300
    u, v = rng.integers(0, n, 1000), rng.integers(0, n, 1000)
    w = rng.uniform(1.0, 80.0, 1000)
    keep = u != v
    m = csr_matrix((np.r_[w[keep], w[keep]], (np.r_[u[keep], v[keep]], np.r_[v[keep], u[keep]])), shape=(n, n))
    sources = np.array([7, 150, 299])
    each = distances_from(m, sources)
    dist, which = nearest_source(m, sources)
    np.testing.assert_array_equal(dist, each.min(axis=0))
    reached = np.isfinite(dist)
    assert (which[reached] >= 0).all() and (which[~reached] == -1).all()
    np.testing.assert_array_equal(each[which[reached], np.flatnonzero(reached)], dist[reached])
    limited = distances_from(m, sources, limit=60.0)
    assert np.isinf(limited[each > 60.0]).all() and (limited[each <= 60.0] == each[each <= 60.0]).all()
    d, pred = routes_from(m, sources[:1])
    np.testing.assert_array_equal(d, each[:1])
    for target in np.flatnonzero(np.isfinite(d[0]))[:40]:
        length, node = 0.0, int(target)
        while node != sources[0]:
            prev = int(pred[0, node])
            length += m[prev, node]
            node = prev
        assert length == pytest.approx(d[0, target], abs=1e-9)


def test_snap_shared_by_profiles_only_where_their_snap_edges_agree():
    """The addresses are snapped once for the profiles of a network (same snap edges); a profile
    graph with fewer snap edges snaps onto its own edges, and the shared snap is what
    snap_to_edges gives.

    Catches: a snap cached per network only (a profile with fewer edges would place points on edges
    it does not have), or a cache keyed on the point count rather than the points.
    """
    from dataclasses import replace

    from woonzorg_geo.network.accessibility import shared_snap, snap_to_edges

    # a street along y=0 and a parallel one along y=40, joined at x=0: both in the largest part
    net = _net([LineString([(0, 0), (500, 0)]), LineString([(0, 0), (0, 40)]), LineString([(0, 40), (500, 40)])])
    pts = np.array([[100.0, 30.0], [300.0, 12.0], [450.0, 25.0]])
    std, sen = profile_graph(net, S.profile("standaard")), profile_graph(net, S.profile("senior"))
    a = shared_snap(std, pts)
    assert shared_snap(sen, pts.copy()) is a  # same snap edges, same points: computed once
    own = snap_to_edges(std, pts)
    for field_ in ("edge", "t", "dist", "xy"):
        assert np.array_equal(getattr(a, field_), getattr(own, field_))
    assert list(net.line_class[a.edge]) and a.dist == pytest.approx([10.0, 12.0, 15.0])
    # fewer snap edges (the street along y=40 left out): its own snap, onto y=0
    upper = np.isclose(net.xy[net.u][:, 1], 40) & np.isclose(net.xy[net.v][:, 1], 40)
    fewer = replace(std, snap_mask=std.snap_mask & ~upper, edge_mask=std.edge_mask & ~upper)
    b = shared_snap(fewer, pts)
    assert b is not a
    assert b.dist == pytest.approx([30.0, 12.0, 25.0])
    assert np.array_equal(b.edge, snap_to_edges(fewer, pts).edge)
    # other points (same count) are snapped anew
    other = shared_snap(std, pts + [0.0, 1.0])
    assert other is not a and other.dist == pytest.approx([9.0, 13.0, 14.0])


def test_snap_is_the_nearest_edge_also_where_many_samples_crowd():
    """snap_to_edges finds the nearest snap edge, checked by brute force over every edge, on a grid
    with a 40-spoke star whose centre has far more samples nearby than one fixed-k query returns.

    Catches: candidates cut off at the k nearest samples (no fallback for crowded points), or a
    bound narrower than the search radius.
    """
    from woonzorg_geo.network.accessibility import snap_to_edges

    rng = np.random.default_rng(7)
    lines = [LineString([(0, y), (400, y)]) for y in range(0, 401, 50)]
    lines += [LineString([(x, 0), (x, 400)]) for x in range(0, 401, 80)]
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    lines += [LineString([(200, 200), (200 + 30 * np.cos(a), 200 + 30 * np.sin(a))]) for a in angles]
    net = _net(lines)
    pg = profile_graph(net, S.profile("standaard"))
    pts = np.vstack([rng.uniform(-20, 420, (400, 2)), 200 + rng.normal(0, 4, (100, 2))])
    snap = snap_to_edges(pg, pts)
    edges = np.nonzero(pg.snap_mask)[0]
    a, b = net.xy[net.u[edges]], net.xy[net.v[edges]]
    ab = b - a
    t = np.clip(((pts[:, None, :] - a) * ab).sum(-1) / (ab * ab).sum(-1), 0, 1)
    brute = np.linalg.norm(pts[:, None, :] - (a + t[..., None] * ab), axis=-1).min(axis=1)
    assert np.allclose(snap.dist, brute, atol=1e-9)
    assert pg.snap_mask[snap.edge].all()
