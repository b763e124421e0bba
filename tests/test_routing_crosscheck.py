"""An independent check of the walking distances of every category on the real Assen data.

The package decodes the vector tiles with GDAL, nodes the lines itself, projects every address and
voorziening onto its nearest segment (splitting it there) and runs scipy's Dijkstra. The reference
below shares none of that code. It reads the published GeoJSON extract of the transportation layer
(decoded by another tool, WGS84 with 7 decimals; SOURCE.md), keeps the walkable classes of the
settings, puts a networkx node at every vertex (equal coordinates are one node), links the line
ends that meet across a tile edge (SOURCE.md: they agree within 1 m) by an edge of their length,
snaps every point to its nearest NODE with a straight leg, and runs networkx's Dijkstra.

Why the two may differ, and by how much (per address o, nearest voorziening x):
let q be a point's projection on the nearest segment (the package) and n its nearest node (the
reference), D the network distance. Walking o→n→q instead of o→q costs
``c = |on| + D(n, q) − |oq|`` more; o→q→n instead of o→n costs ``c' = |oq| + D(q, n) − |on|``
more. Put the one route in the place of the other at both ends and the triangle inequality gives

    d_ref − d_pkg ≤ c(o) + c(x)  + ε     (x: the package's nearest voorziening)
    d_pkg − d_ref ≤ c'(o) + c'(x') + ε   (x': the reference's nearest voorziening)

When n is an end of q's segment, D(n, q) = |nq|; otherwise D comes from a short Dijkstra from n.
ε covers what is not snapping: the package merges seam ends that the reference links by an
edge of their length (a difference of at most the largest seam gap), and the two round vertices
differently (the extract to 1e-7 degree, ≤ 0.6 cm; the package to ``node_precision_m``), errors of
random sign of about a centimetre per vertex: ``ROUNDING_M`` for a walk of some hundreds of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.spatial import cKDTree

from woonzorg_geo.core.vocabulary import default_vocabulary

COMPOSITES = default_vocabulary().composites

pytestmark = pytest.mark.realdata

EXTRACT = "osm_openmaptiles_drenthe_2021/assen_osm2021_transportation.geojson"
SAMPLE = 2000
SEED = 20240601
#: lines the package reads: those that intersect the gemeente buffered by this (datasets.load_offline)
AREA_BUFFER_M = 2000.0
#: seam ends lie on their tile's edge; the extract has 7 decimals (1e-7 degree)
ON_EDGE_DEG = 2e-7
SEAM_GAP_M = 1.0  # SOURCE.md: ends on either side of a tile edge agree within 1 m
#: vertices are rounded differently (≤ 1.3 cm each, random in sign): a few dm over a long walk
#: (measured: ≤ 0.10 m on walks up to 5.7 km)
ROUNDING_M = 0.25
#: D(n, q) is searched this far; a point whose nearest node is further round has no useful bound
OFFSET_SEARCH_M = 250.0
MAX_UNCHECKED_SHARE = 0.05
#: the band must be narrow enough to notice this error (either way) in this share of the addresses
NOTICE_ERROR_M, NOTICE_SHARE = 20.0, 0.15


@dataclass
class Reference:
    """The reference graph: the largest connected part of the extract's walkable lines."""

    graph: nx.Graph
    xy: np.ndarray  # node coordinates (EPSG:28992), indexed by node id
    seg_u: np.ndarray  # segments of the largest part (node ids)
    seg_v: np.ndarray
    seg_tree: shapely.STRtree
    nodes: np.ndarray  # node ids of the largest part
    node_tree: cKDTree
    seam_gaps: np.ndarray  # lengths of the seam links (m)
    all_seg_tree: shapely.STRtree  # segments of every part, islands included
    uncovered: shapely.Geometry  # where the package reads tiles that the extract does not cover (RD)


def _tile_bounds(tiles: np.ndarray) -> np.ndarray:
    """lon0, lat0, lon1, lat1 of XYZ tiles given as 'z/x/y' strings."""
    z, x, y = np.array([t.split("/") for t in tiles], dtype=float).T
    n = 2.0**z

    def lat(row: np.ndarray) -> np.ndarray:
        return np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * row / n))))

    return np.column_stack([x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y)])


def build_reference(raw_dir, gemeente: gpd.GeoDataFrame, walk_classes) -> Reference:
    lines = gpd.read_file(raw_dir / EXTRACT, columns=["class", "tile"])
    lines = lines.loc[lines["class"].isin(list(walk_classes))]
    area = gemeente.to_crs(28992).union_all().buffer(AREA_BUFFER_M)
    lines = lines.iloc[np.sort(lines.to_crs(28992).sindex.query(area, predicate="intersects"))]
    parts, part_of = shapely.get_parts(lines.geometry.to_numpy(), return_index=True)
    lonlat, vertex_of = shapely.get_coordinates(parts, return_index=True)
    keys, node = np.unique(np.round(lonlat * 1e7).astype(np.int64), axis=0, return_inverse=True)
    node = node.ravel()
    xy = gpd.GeoSeries(gpd.points_from_xy(keys[:, 0] / 1e7, keys[:, 1] / 1e7), crs=4326).to_crs(28992)
    xy = xy.get_coordinates().to_numpy()
    same = vertex_of[1:] == vertex_of[:-1]
    a, b = node[:-1][same], node[1:][same]
    # seams: a line end on an edge of its own tile, within SEAM_GAP_M of one from another tile
    ends = np.flatnonzero(np.r_[True, ~same] | np.r_[~same, True])
    tile = lines["tile"].to_numpy(dtype=str)[part_of[vertex_of[ends]]]
    bounds = _tile_bounds(tile)
    lon, lat = lonlat[ends].T
    on_edge = (
        (np.abs(lon - bounds[:, 0]) < ON_EDGE_DEG)
        | (np.abs(lon - bounds[:, 2]) < ON_EDGE_DEG)
        | (np.abs(lat - bounds[:, 1]) < ON_EDGE_DEG)
        | (np.abs(lat - bounds[:, 3]) < ON_EDGE_DEG)
    )
    seam_node, seam_tile = node[ends[on_edge]], tile[on_edge]
    pairs = cKDTree(xy[seam_node]).query_pairs(SEAM_GAP_M, output_type="ndarray")
    pairs = pairs[
        (seam_tile[pairs[:, 0]] != seam_tile[pairs[:, 1]]) & (seam_node[pairs[:, 0]] != seam_node[pairs[:, 1]])
    ]
    a = np.r_[a, seam_node[pairs[:, 0]]]
    b = np.r_[b, seam_node[pairs[:, 1]]]
    keep = a != b
    a, b = a[keep], b[keep]
    length = np.hypot(*(xy[a] - xy[b]).T)  # parallel lines between two nodes have the same length
    graph = nx.Graph()
    graph.add_weighted_edges_from(zip(a.tolist(), b.tolist(), length.tolist(), strict=True))
    every = shapely.STRtree(shapely.linestrings(np.stack([xy[a], xy[b]], axis=1)))
    graph = graph.subgraph(max(nx.connected_components(graph), key=len)).copy()
    seg = np.array(list(graph.edges()), dtype=np.int64)
    nodes = np.fromiter(graph.nodes, dtype=np.int64)
    # the extract covers the 130 tiles around Assen; the package reads the province's tiles, which
    # also cover the network margin south of the gemeente (e.g. tile 14/8489/5342)
    have = set(np.unique(lines["tile"].to_numpy(dtype=str)))
    x0, y0, x1, y1 = gpd.GeoSeries([area], crs=28992).to_crs(4326).total_bounds
    z = 14
    xs = range(int((x0 + 180) / 360 * 2**z), int((x1 + 180) / 360 * 2**z) + 1)
    row = [int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z) for lat in (y1, y0)]
    missing = [f"{z}/{x}/{y}" for x in xs for y in range(row[0], row[1] + 1) if f"{z}/{x}/{y}" not in have]
    boxes = [shapely.box(*b) for b in _tile_bounds(np.array(missing))] if missing else []
    uncovered = (
        gpd.GeoSeries(boxes, crs=4326).to_crs(28992).union_all().intersection(area)
        if boxes
        else shapely.GeometryCollection()
    )
    return Reference(
        graph=graph,
        xy=xy,
        seg_u=seg[:, 0],
        seg_v=seg[:, 1],
        seg_tree=shapely.STRtree(shapely.linestrings(np.stack([xy[seg[:, 0]], xy[seg[:, 1]]], axis=1))),
        nodes=nodes,
        node_tree=cKDTree(xy[nodes]),
        seam_gaps=np.hypot(*(xy[seam_node[pairs[:, 0]]] - xy[seam_node[pairs[:, 1]]]).T),
        all_seg_tree=every,
        uncovered=uncovered,
    )


@dataclass
class NodeSnap:
    node: np.ndarray  # nearest node of the reference graph
    leg: np.ndarray  # |pn|
    extra_via_node: np.ndarray  # c  = |pn| + D(n, q) - |pq| (inf where not found)
    extra_via_edge: np.ndarray  # c' = |pq| + D(q, n) - |pn|


def snap_to_nodes(ref: Reference, xy: np.ndarray) -> NodeSnap:
    """Nearest node of every point, and how far that is from the projection on the nearest segment."""
    leg, k = ref.node_tree.query(xy)
    node = ref.nodes[k]
    (which, seg), dq = ref.seg_tree.query_nearest(shapely.points(xy), return_distance=True, all_matches=False)
    seg_of = np.empty(len(xy), dtype=np.int64)
    seg_of[which] = seg
    to_q = np.empty(len(xy))
    to_q[which] = dq
    u, v = ref.seg_u[seg_of], ref.seg_v[seg_of]
    pa, pb = ref.xy[u], ref.xy[v]
    ab = pb - pa
    t = np.clip(np.einsum("ij,ij->i", xy - pa, ab) / np.einsum("ij,ij->i", ab, ab), 0.0, 1.0)
    q = pa + ab * t[:, None]
    qa, qb = np.hypot(*(q - pa).T), np.hypot(*(q - pb).T)
    dqn = np.where(node == u, qa, np.where(node == v, qb, np.nan))
    for i in np.flatnonzero(np.isnan(dqn)):
        near = nx.single_source_dijkstra_path_length(ref.graph, int(node[i]), cutoff=OFFSET_SEARCH_M)
        dqn[i] = min(qa[i] + near.get(int(u[i]), math.inf), qb[i] + near.get(int(v[i]), math.inf))
    return NodeSnap(node=node, leg=leg, extra_via_node=leg + dqn - to_q, extra_via_edge=to_q + dqn - leg)


def reference_distances(ref: Reference, origins: NodeSnap, dest: NodeSnap, dest_ids: np.ndarray):
    """Distance from every origin to the nearest destination, and which one (networkx Dijkstra).

    One Dijkstra from a super-source joined to each destination's nearest node by its leg; the
    destination is found by walking the predecessors back to the super-source.
    """
    source = "bron"
    legs = pd.DataFrame({"node": dest.node, "leg": dest.leg, "id": dest_ids}).sort_values("leg")
    first = legs.drop_duplicates("node")  # the nearest of the destinations sharing a node
    ref.graph.add_weighted_edges_from(
        (source, int(n), float(d)) for n, d in zip(first["node"], first["leg"], strict=True)
    )
    try:
        pred, dist = nx.dijkstra_predecessor_and_distance(ref.graph, source)
    finally:
        ref.graph.remove_node(source)
    dest_at = dict(zip(first["node"].tolist(), first["id"], strict=True))
    d = np.full(len(origins.node), np.nan)
    nearest = np.full(len(origins.node), None, dtype=object)
    for i, n in enumerate(origins.node.tolist()):
        if n not in dist:
            continue
        d[i] = origins.leg[i] + dist[n]
        while pred[n][0] != source:
            n = pred[n][0]
        nearest[i] = dest_at[n]
    return d, nearest


@pytest.fixture(scope="module")
def crosscheck(raw_dir, assen_inputs, assen_analysis, settings):
    ref = build_reference(raw_dir, assen_inputs.gemeente, settings.netwerk.walk_classes)
    # the reference walks every walkable line: compare with a profile that may do so too
    profile = next(p for p in assen_analysis.access if not settings.profile(p).avoid_steps)
    suffix = assen_analysis.suffix(profile)
    adr = assen_analysis.adressen
    sample = adr.iloc[np.sort(np.random.default_rng(SEED).choice(len(adr), SAMPLE, replace=False))]
    vz = assen_inputs.voorzieningen
    vz = vz.loc[vz["categorie"].isin(settings.bereikbaarheid.categories)]
    origins = snap_to_nodes(ref, sample.get_coordinates().to_numpy())
    dest = snap_to_nodes(ref, vz.get_coordinates().to_numpy())
    # voorzieningen nearer to an island than to the largest part (3 in Assen: Albert Heijn Rondgang,
    # two schools): both here and in the package they are reached via the largest part; named in
    # the failure message, since snapping them onto the island would make them unreachable
    pts = vz.geometry.to_numpy()
    to_all = ref.all_seg_tree.query_nearest(pts, return_distance=True, all_matches=False)[1]
    to_main = ref.seg_tree.query_nearest(pts, return_distance=True, all_matches=False)[1]
    by_island = set(vz.index[to_all < to_main - 0.01])
    return ref, sample, suffix, vz, origins, dest, by_island


def _categories():
    from woonzorg_geo.core.settings_loader import load_settings

    cats = list(load_settings().bereikbaarheid.categories)
    return cats + [c for c, parts in COMPOSITES.items() if set(parts) <= set(cats)]


@pytest.mark.parametrize("cat", _categories())
def test_distances_agree_with_an_independent_networkx_graph(crosscheck, cat):
    """The package's afstand_<cat>_m against the reference, within the snapping bound.

    Catches, e.g.: a forgotten or doubled snap leg, an address measured along the wrong part of
    its segment or to the wrong end, a destination not split into its segment, a lost connection
    (seams, rounding of nodes), a wrong nearest voorziening: each moves d_pkg out of the band.
    """
    ref, sample, suffix, vz, origins, dest, by_island = crosscheck
    parts = COMPOSITES.get(cat, (cat,))
    mask = vz["categorie"].isin(parts).to_numpy()
    ids = vz.index.to_numpy()[mask]
    sub = NodeSnap(*(arr[mask] for arr in (dest.node, dest.leg, dest.extra_via_node, dest.extra_via_edge)))
    d_ref, x_ref = reference_distances(ref, origins, sub, ids)
    via_node = pd.Series(dest.extra_via_node, index=vz.index)
    via_edge = pd.Series(dest.extra_via_edge, index=vz.index)
    d_pkg = sample[f"afstand_{cat}_m{suffix}"].to_numpy(dtype=float)
    x_pkg = sample[f"dichtstbij_{cat}{suffix}"].to_numpy()
    eps = (ref.seam_gaps.max() if len(ref.seam_gaps) else 0.0) + ROUNDING_M
    up = origins.extra_via_node + via_node.reindex(x_pkg).to_numpy(dtype=float) + eps  # d_ref - d_pkg
    down = origins.extra_via_edge + via_edge.reindex(x_ref).to_numpy(dtype=float) + eps  # d_pkg - d_ref
    missing = np.isnan(d_pkg)
    island = np.isin(x_ref, list(by_island))
    # only the package has lines where the extract has no tile: its route to x_pkg may pass there
    # only if |o gap| + |gap x_pkg| <= d_pkg (the triangle inequality); no bound for those
    if ref.uncovered.is_empty:
        by_gap = np.zeros(SAMPLE, dtype=bool)
    else:
        to_gap = sample.distance(ref.uncovered).to_numpy()
        vz_gap = vz.distance(ref.uncovered).reindex(x_pkg).to_numpy(dtype=float)
        by_gap = to_gap + vz_gap <= d_pkg + eps
    checked = ~missing & np.isfinite(up) & np.isfinite(down) & np.isfinite(d_ref) & ~by_gap
    diff = d_pkg - d_ref
    bad = checked & ((-diff > up) | (diff > down))
    n_checked = int(checked.sum())
    # would an error of NOTICE_ERROR_M on every address show, too long and too short? (else this
    # test could not fail)
    noticed = (
        int((checked & (diff + NOTICE_ERROR_M > down)).sum()),
        int((checked & (NOTICE_ERROR_M - diff > up)).sum()),
    )
    report = (
        f"{cat}: {SAMPLE} addresses, {int(missing.sum())} without distance, "
        f"{int((~missing & ~checked).sum())} without a usable bound ({int(by_gap.sum())} of them could route "
        f"outside the extract), {n_checked} checked, "
        f"{int(bad.sum())} outside the bound; |d_pkg - d_ref| p50/p90/p99/max = "
        f"{np.percentile(np.abs(diff[checked]), [50, 90, 99, 100]).round(1).tolist()} m; "
        f"bound p50/p90 = {np.percentile(np.maximum(up, down)[checked], [50, 90]).round(1).tolist()} m; "
        f"eps = {eps:.2f} m; {NOTICE_ERROR_M:.0f} m too long/short would show {noticed[0]}/{noticed[1]} times"
    )
    print(report)
    assert missing.mean() < 0.01, report
    assert n_checked >= (1 - MAX_UNCHECKED_SHARE) * SAMPLE, report
    assert min(noticed) >= NOTICE_SHARE * n_checked, report
    worst = pd.DataFrame(
        {"d_pkg": d_pkg, "d_ref": d_ref, "up": up, "down": down, "x_ref": x_ref, "x_ref_by_island": island},
        index=sample.index,
    )[bad]
    # (almost) all: a tie between two equally near segments can put q elsewhere than the package did
    assert bad.sum() <= 0.001 * n_checked, f"{report}\n{worst.head(10)}"
