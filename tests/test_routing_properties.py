"""Property-based tests of the routing kernel on random small graphs (hypothesis).

The reference is written here from scratch, sharing no code with the package: exact nearest
segment by brute force, the segments split at the projected points, and a plain heap Dijkstra.
"""

from __future__ import annotations

import heapq
import itertools
import math
import os
import tempfile
from collections import defaultdict

import geopandas as gpd
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from shapely.geometry import LineString, Point

from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.network.accessibility import Accessibility, compute_accessibility
from woonzorg_geo.network.graph import build_network, profile_graph

# hypothesis keeps its example database and caches in a folder; never in the user's checkout
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="woonzorg-hypothesis-"))
RD = "EPSG:28992"
S = load_settings()
STEP_FREE = next(p.name for p in S.profielen.values() if p.avoid_steps)
ALL_EDGES = next(p.name for p in S.profielen.values() if not p.avoid_steps)
TIE = 1e-6


@st.composite
def graphs(draw: st.DrawFn) -> dict:
    """A connected graph on a 10 m grid (nodes far apart: no seam healing), random points."""
    n = draw(st.integers(3, 10))
    cells = draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=n, max_size=n, unique=True))
    nodes = [(10.0 * x, 10.0 * y) for x, y in cells]
    edges = set()
    for i in range(1, n):  # a random spanning tree keeps it connected
        j = draw(st.integers(0, i - 1))
        edges.add((min(i, j), max(i, j)))
    for _ in range(draw(st.integers(0, n))):
        i, j = draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))
        if i != j:
            edges.add((min(i, j), max(i, j)))
    edges = sorted(edges)
    steps = draw(st.lists(st.booleans(), min_size=len(edges), max_size=len(edges)))
    # points on a 0.1 m grid: exact ties (a point on a node, two at one spot) happen, denormal noise not
    coord = st.integers(-500, 6500).map(lambda v: v / 10.0)
    origins = draw(st.lists(st.tuples(coord, coord), min_size=1, max_size=8))
    dests = draw(st.lists(st.tuples(coord, coord), min_size=1, max_size=4))
    return {"nodes": nodes, "edges": edges, "steps": steps, "origins": origins, "dests": dests}


def _largest_part(g: dict, usable: list[bool]) -> list[bool]:
    """Usable edges restricted to the connected part with the greatest length (union-find)."""
    parent = list(range(len(g["nodes"])))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for (i, j), ok in zip(g["edges"], usable, strict=True):
        if ok:
            parent[find(i)] = find(j)
    length: dict[int, float] = defaultdict(float)
    for (i, j), ok in zip(g["edges"], usable, strict=True):
        if ok:
            length[find(i)] += math.dist(g["nodes"][i], g["nodes"][j])
    if not length:
        return [False] * len(usable)
    ranked = sorted(length.values(), reverse=True)
    assume(len(ranked) == 1 or ranked[0] - ranked[1] > TIE)  # two equally long parts: ambiguous
    best = max(length, key=length.__getitem__)
    return [ok and find(i) == best for (i, _), ok in zip(g["edges"], usable, strict=True)]


def _reference_graph(g: dict, *, usable: list[bool]) -> dict[str, list[tuple[str, float]]]:
    """The graph with every point inserted, from scratch: adjacency of named nodes.

    Points are placed on the nearest segment of the whole (connected) graph; a profile routes on
    the ``usable`` segments of its largest connected part. Origin ``i`` is node ``o<i>``,
    destination ``j`` is ``d<j>``.
    """
    usable = _largest_part(g, usable)
    nodes = [np.array(p) for p in g["nodes"]]
    segs = [(nodes[i], nodes[j]) for i, j in g["edges"]]

    def project(p: np.ndarray) -> tuple[int, float, float]:
        best: list[tuple[float, int, float]] = []
        for k, (a, b) in enumerate(segs):
            ab = b - a
            t = float(np.clip(np.dot(p - a, ab) / np.dot(ab, ab), 0.0, 1.0))
            best.append((float(np.linalg.norm(p - (a + t * ab))), k, t))
        best.sort()
        d, k, t = best[0]
        for d2, k2, t2 in best[1:]:
            # a tie with another segment is ambiguous input unless both place the point on the same
            # node (overlapping segments that share no vertex there give different routes)
            a, b = segs[k]
            a2, b2 = segs[k2]
            if d2 - d < TIE:
                assume(t in (0.0, 1.0) and t2 in (0.0, 1.0))
                assume(np.linalg.norm((a + t * (b - a)) - (a2 + t2 * (b2 - a2))) < TIE)
        return k, t, d

    pts: dict[int, list[tuple[float, str]]] = defaultdict(list)
    legs: dict[str, tuple[float, int, float]] = {}
    for kind, points in (("o", g["origins"]), ("d", g["dests"])):
        for idx, p in enumerate(points):
            k, t, d = project(np.array(p))
            legs[f"{kind}{idx}"] = (d, k, t)
            pts[k].append((t, f"{kind}{idx}"))
    adj: dict[str, list[tuple[str, float]]] = defaultdict(list)

    def link(u: str, v: str, w: float) -> None:
        adj[u].append((v, w))
        adj[v].append((u, w))

    for k, (i, j) in enumerate(g["edges"]):
        length = float(np.linalg.norm(nodes[j] - nodes[i]))
        chain = [(0.0, f"n{i}")] + sorted((t, f"p{name}") for t, name in pts[k]) + [(1.0, f"n{j}")]
        if usable[k]:
            for (t1, a), (t2, b) in itertools.pairwise(chain):
                link(a, b, (t2 - t1) * length)
        else:  # a point exactly at an end node is joined to that node; points at one spot to each other
            for t, name in chain[1:-1]:
                if t <= 0.0:
                    link(name, f"n{i}", 0.0)
                elif t >= 1.0:
                    link(name, f"n{j}", 0.0)
            for (t1, a), (t2, b) in itertools.pairwise(chain[1:-1]):
                if t1 == t2:
                    link(a, b, 0.0)
    for name, (d, _, _) in legs.items():
        link(name, f"p{name}", d)
    return adj


def _plain_dijkstra(adj: dict[str, list[tuple[str, float]]], sources: list[str]) -> dict[str, float]:
    """Distance from the nearest of ``sources`` to every node reached (a plain heap Dijkstra, no limit)."""
    dist: dict[str, float] = {}
    heap = [(0.0, s) for s in sources]
    heapq.heapify(heap)
    while heap:
        d, u = heapq.heappop(heap)
        if u in dist:
            continue
        dist[u] = d
        for v, w in adj[u]:
            if v not in dist:
                heapq.heappush(heap, (d + w, v))
    return dist


def _reference(g: dict, *, usable: list[bool]) -> np.ndarray:
    """Network distance from every origin to the nearest destination, from scratch."""
    dist = _plain_dijkstra(_reference_graph(g, usable=usable), [f"d{i}" for i in range(len(g["dests"]))])
    return np.array([dist.get(f"o{i}", math.inf) for i in range(len(g["origins"]))])


def _reference_pairs(g: dict, *, usable: list[bool]) -> np.ndarray:
    """All-pairs network distances, origins × destinations (inf where unreachable), from scratch."""
    adj = _reference_graph(g, usable=usable)
    out = np.full((len(g["origins"]), len(g["dests"])), math.inf)
    for j in range(len(g["dests"])):
        dist = _plain_dijkstra(adj, [f"d{j}"])
        out[:, j] = [dist.get(f"o{i}", math.inf) for i in range(len(g["origins"]))]
    return out


def _package_access(g: dict, profile: str, *, radii_m: tuple[float, ...] = ()) -> Accessibility:
    lines = [LineString([g["nodes"][i], g["nodes"][j]]) for i, j in g["edges"]]
    gdf = gpd.GeoDataFrame(
        {"class": "minor", "subclass": ["steps" if s else None for s in g["steps"]], "name": None},
        geometry=lines,
        crs=RD,
    )
    net = build_network(gdf, settings=S.netwerk)
    origins = gpd.GeoDataFrame(geometry=[Point(p) for p in g["origins"]], crs=RD)
    vz = gpd.GeoDataFrame(
        {"categorie": "supermarkt"},
        geometry=[Point(p) for p in g["dests"]],
        crs=RD,
        index=pd.RangeIndex(len(g["dests"])),
    )
    return compute_accessibility(
        profile_graph(net, S.profile(profile)),
        origins,
        vz,
        categories=["supermarkt"],
        radii_m=radii_m,
        max_snap_m=10_000.0,
    )


def _package(g: dict, profile: str) -> np.ndarray:
    acc = _package_access(g, profile)
    return np.nan_to_num(acc.categories["supermarkt"].origin_dist, nan=math.inf)


#: more examples for a thorough run: WOONZORG_HYPOTHESIS_EXAMPLES=2000 python -m pytest tests/test_routing_properties.py
EXAMPLES = int(os.environ.get("WOONZORG_HYPOTHESIS_EXAMPLES", "60"))
PROPS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow],
)


@PROPS
@given(graphs())
def test_distances_equal_a_plain_dijkstra(g):
    got = _package(g, ALL_EDGES)
    want = _reference(g, usable=[True] * len(g["edges"]))
    np.testing.assert_allclose(got, want, atol=1e-6)


@PROPS
@given(graphs())
def test_network_distance_at_least_straight_line(g):
    got = _package(g, ALL_EDGES)
    dests = np.array(g["dests"])
    for o, d in zip(g["origins"], got, strict=True):
        straight = np.hypot(*(dests - np.array(o)).T).min()
        assert d >= straight - 1e-6


@PROPS
@given(graphs())
def test_removing_edges_never_shortens_a_route(g):
    """The step-free profile may use a subset of the edges: never shorter, and equal to the reference."""
    full = _package(g, ALL_EDGES)
    fewer = _package(g, STEP_FREE)
    both = np.isfinite(full) & np.isfinite(fewer)
    assert (fewer[both] >= full[both] - 1e-6).all()
    assert not (np.isfinite(fewer) & ~np.isfinite(full)).any()
    np.testing.assert_allclose(fewer, _reference(g, usable=[not s for s in g["steps"]]), atol=1e-6)


@PROPS
@given(graphs(), st.lists(st.integers(1, 900), min_size=1, max_size=3, unique=True), st.booleans())
def test_counts_within_radii_equal_brute_force(g, radii, step_free):
    """The counts within radii equal a count over all-pairs network distances (no straight-line shortcut)."""
    profile = STEP_FREE if step_free else ALL_EDGES
    usable = [not s for s in g["steps"]] if step_free else [True] * len(g["edges"])
    pairs = _reference_pairs(g, usable=usable)
    radii_m = tuple(float(r) for r in radii)
    # a distance within a hair of a radius is rounding, not a property
    assume(not any(np.isclose(pairs, r, rtol=0, atol=1e-6).any() for r in radii_m))
    counts = _package_access(g, profile, radii_m=radii_m).categories["supermarkt"].counts
    assert set(counts) == set(radii_m)
    for r in radii_m:
        want = (pairs <= r).sum(axis=1)
        np.testing.assert_array_equal(counts[r], want, err_msg=f"radius {r}")


@PROPS
@given(graphs(), st.integers(1, 900))
def test_counts_grow_with_the_radius_up_to_every_reachable_destination(g, r):
    """A larger radius never counts fewer; one beyond every distance counts every reachable destination."""
    pairs = _reference_pairs(g, usable=[True] * len(g["edges"]))
    finite = pairs[np.isfinite(pairs)]
    big = float(finite.max()) + 1.0 if len(finite) else 1.0
    assume(big <= 5000)
    counts = _package_access(g, ALL_EDGES, radii_m=(float(r), float(r) + 100.0, big)).categories["supermarkt"].counts
    assert (counts[float(r)] <= counts[float(r) + 100.0]).all()
    assert (counts[float(r) + 100.0] <= counts[big]).all()
    np.testing.assert_array_equal(counts[big], np.isfinite(pairs).sum(axis=1))
