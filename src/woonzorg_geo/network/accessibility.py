"""Walking accessibility: network distance from every origin to the nearest voorziening per category.

Destinations are inserted into the network as nodes (their snap leg an edge of its own), origins
are placed on the segment they project onto, and one multi-source Dijkstra pass per category
(:func:`.network.paths.nearest_source`) gives every node its distance to the nearest
voorziening and which one it is. Counts within radii come from limited single-source passes
(:func:`counts_within`). Unreachable means missing (NaN) plus a reason, never a sentinel number.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix

from woonzorg_geo.core.validate import ensure_crs
from woonzorg_geo.core.vocabulary import COMBINATIONS, default_vocabulary, norm_column
from woonzorg_geo.network.graph import ProfileGraph, samples_within
from woonzorg_geo.network.paths import distances_from, nearest_source

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

log = logging.getLogger(__name__)

REASON_FAR = "te ver van het looppad-netwerk"
REASON_NONE = "geen voorziening van deze categorie bereikbaar"
REASON_BLOCKED = "ligt aan een pad dat dit profiel niet of alleen via trappen bereikt"


@dataclass(frozen=True)
class Snap:
    """Points projected onto network edges."""

    edge: np.ndarray  # edge id (into WalkNetwork arrays)
    t: np.ndarray  # position along the edge from u (0) to v (1)
    dist: np.ndarray  # straight distance from the point to the network (m)
    xy: np.ndarray  # the projected points


def _point_segment(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance from points to segments a-b (row-wise) and the position t along each."""
    ab = b - a
    denom = np.einsum("ij,ij->i", ab, ab)
    safe = np.where(denom > 0, denom, 1.0)
    t = np.clip(np.einsum("ij,ij->i", points - a, ab) / safe, 0.0, 1.0)
    t = np.where(denom > 0, t, 0.0)
    proj = a + ab * t[:, None]
    return np.hypot(*(points - proj).T), t


def snap_to_edges(pg: ProfileGraph, points: np.ndarray, *, chunk: int = 4096) -> Snap:
    """Project points (n × 2) onto the nearest snap edge (the same for every profile).

    Exact, via sample points every ``s`` metres along the edges: if the nearest sample lies at
    ``d``, the nearest edge lies within ``d`` and has a sample within ``d + s/2``; the edges of
    those samples are the candidates, and the exact point-segment distance picks among them
    (lowest edge id on a tie). ``chunk`` points are looked up at a time (each point's own
    result: it only bounds the memory of the candidate lists).
    """
    net = pg.net
    n = len(points)
    if n == 0:
        return Snap(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros((0, 2)))
    edge = np.empty(n, dtype=np.int64)
    for start in range(0, n, chunk):
        edge[start : start + chunk] = _nearest_edges(pg, points[start : start + chunk])
    a = net.xy[net.u[edge]]
    b = net.xy[net.v[edge]]
    dist, t = _point_segment(points, a, b)
    proj = a + (b - a) * t[:, None]
    return Snap(edge=edge, t=t, dist=dist, xy=proj)


def shared_snap(pg: ProfileGraph, points: np.ndarray) -> Snap:
    """:func:`snap_to_edges`, computed once per point set and set of snap edges and shared.

    The profiles of one network place points on the same snap edges (see
    :class:`.network.graph.ProfileGraph`), so the addresses and voorzieningen are snapped once for
    all of them; a profile graph with other snap edges gets a snap of its own. The arrays are
    shared: read them, never write to them.
    """
    points = np.ascontiguousarray(points, dtype=float)
    key = (
        "snap",
        pg.sample_spacing_m,
        np.packbits(pg.snap_mask).tobytes(),
        points.shape,
        hashlib.blake2b(points.tobytes(), digest_size=20).digest(),
    )
    return pg.net.memo(key, lambda: snap_to_edges(pg, points))


def _nearest_edges(pg: ProfileGraph, points: np.ndarray) -> np.ndarray:
    """The nearest snap edge of each point (see :func:`snap_to_edges`)."""
    net = pg.net
    n = len(points)
    tree, sample_edge = pg.sample_tree
    owner, flat = samples_within(tree, points, pg.sample_spacing_m / 2 + 1e-6)
    cand = sample_edge[flat]
    # unique (point, edge) pairs
    key = np.unique(owner * (net.n_edges + 1) + cand)
    owner, cand = key // (net.n_edges + 1), key % (net.n_edges + 1)
    d, _ = _point_segment(points[owner], net.xy[net.u[cand]], net.xy[net.v[cand]])
    order = np.lexsort((cand, d, owner))
    first = np.ones(len(order), dtype=bool)
    first[1:] = owner[order][1:] != owner[order][:-1]
    sel = order[first]
    edge = np.empty(n, dtype=np.int64)
    edge[owner[sel]] = cand[sel]
    return edge


def via_nearer_end(
    snap_m: np.ndarray | float,
    d_left: np.ndarray | float,
    d_right: np.ndarray | float,
    to_left: np.ndarray,
    to_right: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Network distance of points placed on an edge: the snap leg plus the cheaper way along the edge.

    The one place that knows how a point on an edge reaches the graph: via its left node
    (``d_left`` along the edge, then ``to_left`` onwards) or its right node, whichever is shorter.
    Used for addresses, raster cells, the counts within radii and the toets.

    Parameters
    ----------
    snap_m
        Straight leg from each point to its projection on the edge.
    d_left, d_right
        Distance along the edge from the projection to its left and right node (inf where the
        profile may not use the edge; see :meth:`RoutingGraph.place`).
    to_left, to_right
        Network distance onwards from the left and right node (broadcast against the others).

    Returns
    -------
    distance, via_left
        The distance (inf where neither way exists), and whether the left node was used.
    """
    via_l = np.add(d_left, to_left)
    via_r = np.add(d_right, to_right)
    via_left = via_l <= via_r
    return np.add(snap_m, np.where(via_left, via_l, via_r)), via_left


def from_nodes(
    snap_m: np.ndarray,
    place: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    far: np.ndarray,
    node_dist: np.ndarray,
    node_source: np.ndarray,
    dest_ids: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Distance and nearest voorziening of placed points, from the per-node results of one category.

    ``place`` is ``(left, right, d_left, d_right)`` of :meth:`RoutingGraph.place`; ``node_source``
    indexes ``dest_ids``. Unreachable points (no way, or ``far`` from the network) get NaN and None.
    Used for the addresses of a run, for a toets site and for the what-if.
    """
    left, right, d_left, d_right = place
    od, use_left = via_nearer_end(snap_m, d_left, d_right, node_dist[left], node_dist[right])
    src = np.where(use_left, node_source[left], node_source[right])
    bad = ~np.isfinite(od) | far
    ids = np.full(len(od), None, dtype=object)
    ok = ~bad & (src >= 0)
    ids[ok] = dest_ids[src[ok]]
    return np.where(bad, np.nan, od), ids


@dataclass
class RoutingGraph:
    """A profile graph with the destinations inserted as nodes."""

    pg: ProfileGraph
    matrix: csr_matrix
    n_nodes: int
    dest_node: np.ndarray  # node id of each destination point (its P node)
    dest_xy: np.ndarray  # the destination points
    dest_snap: Snap
    # per split edge: the t values and node chain [u, q1, ..., v]
    splits: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def place(self, snap: Snap) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For snapped origins: the two nodes around each and the distances along the edge to them."""
        net = self.pg.net
        length = net.length[snap.edge]
        blocked = ~self.pg.edge_mask[snap.edge]
        left = net.u[snap.edge].copy()
        right = net.v[snap.edge].copy()
        d_left = snap.t * length
        d_right = (1.0 - snap.t) * length
        if self.splits:
            split_edges = np.fromiter(self.splits.keys(), dtype=np.int64)
            hit = np.flatnonzero(np.isin(snap.edge, split_edges))
            for i in hit:
                ts, chain = self.splits[int(snap.edge[i])]
                k = int(np.searchsorted(ts, snap.t[i], side="right")) - 1
                k = min(max(k, 0), len(ts) - 2)
                left[i], right[i] = chain[k], chain[k + 1]
                d_left[i] = (snap.t[i] - ts[k]) * length[i]
                d_right[i] = (ts[k + 1] - snap.t[i]) * length[i]
        # on an edge the profile may not use, only a point exactly at an end node is reachable
        d_left = np.where(blocked & (d_left > 0), np.inf, d_left)
        d_right = np.where(blocked & (d_right > 0), np.inf, d_right)
        return left, right, d_left, d_right


def build_routing_graph(pg: ProfileGraph, dest_xy: np.ndarray, *, max_snap_m: float = np.inf) -> RoutingGraph:
    """Insert destination points into the profile graph.

    Each destination gets a node of its own (P), joined by an edge of its snap length to its
    projection (Q) on the nearest snap edge (the same for every profile), which is split there.
    The parts of a split edge are usable only when the profile may use the edge, so a
    destination on steps is reached by a senior only through the ends of the steps it may use
    (that is: not at all unless it lies at an end). A destination further than ``max_snap_m``
    from the network gets no leg and is unreachable.
    """
    net = pg.net
    snap = (
        shared_snap(pg, dest_xy) if len(dest_xy) else Snap(np.zeros(0, int), np.zeros(0), np.zeros(0), np.zeros((0, 2)))
    )
    n = net.n_nodes
    mask = pg.edge_mask.copy()
    new_u: list[int] = []
    new_v: list[int] = []
    new_w: list[float] = []
    dest_node = np.arange(n, n + len(dest_xy))
    next_id = n + len(dest_xy)
    splits: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for e in np.unique(snap.edge):
        which = np.flatnonzero(snap.edge == e)
        ts = snap.t[which]
        order = np.argsort(ts, kind="stable")
        uniq_t, inv = np.unique(ts[order], return_inverse=True)
        chain = [int(net.u[e])]
        t_chain = [0.0]
        node_at_t = {}
        for tv in uniq_t:
            if tv <= 0.0:
                node_at_t[tv] = int(net.u[e])
            elif tv >= 1.0:
                node_at_t[tv] = int(net.v[e])
            else:
                node_at_t[tv] = next_id
                chain.append(next_id)
                t_chain.append(float(tv))
                next_id += 1
        chain.append(int(net.v[e]))
        t_chain.append(1.0)
        length = float(net.length[e])
        if len(chain) > 2:
            if mask[e]:
                mask[e] = False
                for k in range(len(chain) - 1):
                    new_u.append(chain[k])
                    new_v.append(chain[k + 1])
                    new_w.append((t_chain[k + 1] - t_chain[k]) * length)
            splits[int(e)] = (np.array(t_chain), np.array(chain))
        for j, w in zip(which[order], inv, strict=True):
            if not snap.dist[j] <= max_snap_m:
                continue
            new_u.append(int(dest_node[j]))
            new_v.append(node_at_t[uniq_t[w]])
            new_w.append(float(snap.dist[j]))
    u = np.r_[net.u[mask], np.array(new_u, dtype=np.int64)]
    v = np.r_[net.v[mask], np.array(new_v, dtype=np.int64)]
    w = np.r_[net.length[mask], np.array(new_w, dtype=float)]
    matrix = csr_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(next_id, next_id))
    return RoutingGraph(
        pg=pg, matrix=matrix, n_nodes=next_id, dest_node=dest_node, dest_xy=dest_xy, dest_snap=snap, splits=splits
    )


@dataclass
class CategoryResult:
    """Distances for one category on one profile."""

    node_dist: np.ndarray  # per routing-graph node: distance to the nearest voorziening (inf if none)
    node_source: np.ndarray  # per node: index (into the destinations) of the nearest, -1 if none
    origin_dist: np.ndarray  # per origin (NaN if unreachable)
    origin_nearest: np.ndarray  # per origin: destination id (object), None if unreachable
    counts: dict[float, np.ndarray]  # radius -> number within radius per origin


@dataclass
class Accessibility:
    """Accessibility of every origin on one profile."""

    profile: str
    routing: RoutingGraph
    origin_snap: Snap
    origin_far: np.ndarray
    origin_blocked: np.ndarray  # placed on an edge this profile may not use (e.g. steps)
    categories: dict[str, CategoryResult]
    dest_ids: np.ndarray
    dest_cat: np.ndarray


def nearer_of(distances: Sequence[np.ndarray], nearest: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """A composite category (``ov`` = ``ov_halte`` or ``treinstation``): the nearer of its parts.

    The one place that combines the parts of a composite (see
    :attr:`.core.vocabulary.Vocabulary.composites`): per node or per address, the smallest
    distance of the parts and the nearest voorziening that goes with it; on a tie the part
    listed first. A missing distance (NaN) counts as unreachable; where every part is
    unreachable the first part's values are kept.

    Parameters
    ----------
    distances
        Per part, the distances (all of one length).
    nearest
        Per part, what goes with each distance (a voorziening's id or index).

    Returns
    -------
    distance, nearest
        The composite's distances and nearest voorzieningen.
    """
    stack = np.vstack(distances)
    best = np.argmin(np.where(np.isnan(stack), np.inf, stack), axis=0)
    cols = np.arange(stack.shape[1])
    return stack[best, cols], np.vstack(nearest)[best, cols]


def compute_accessibility(
    pg: ProfileGraph,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    categories: Sequence[str],
    radii_m: Sequence[float] = (),
    max_snap_m: float = 500.0,
    composites: Mapping[str, Sequence[str]] | None = None,
) -> Accessibility:
    """Network distance from every origin to the nearest destination of each category.

    Parameters
    ----------
    pg
        The profile graph (see :func:`.network.graph.profile_graph`).
    origins
        Points (EPSG:28992), e.g. address points.
    destinations
        Voorzieningen with a ``categorie`` column; the index identifies them.
    categories
        Categories to compute; composites (``ov``) are added when their parts are listed.
    radii_m
        Count the voorzieningen within these network distances.
    max_snap_m
        Origins further than this from the network are unreachable.
    composites
        Composite categories (name → parts); default: ``[bereikbaarheid.samengesteld]`` of the
        package settings (see :class:`.core.vocabulary.Vocabulary`).
    """
    origins = ensure_crs(origins, name="origins")
    destinations = ensure_crs(destinations, name="destinations")
    dest = destinations.loc[destinations["categorie"].isin(categories)]
    dest_xy = shapely.get_coordinates(dest.geometry.to_numpy())
    routing = build_routing_graph(pg, dest_xy, max_snap_m=max_snap_m)
    origin_xy = shapely.get_coordinates(origins.geometry.to_numpy())
    osnap = shared_snap(pg, origin_xy)
    left, right, d_left, d_right = routing.place(osnap)
    far = osnap.dist > max_snap_m
    blocked = ~far & ~np.isfinite(np.minimum(d_left, d_right))
    dest_ids = dest.index.to_numpy()
    dest_cat = dest["categorie"].to_numpy()
    origin_tree = None
    if radii_m and len(dest_xy):  # straight-line candidates for the counts (network >= straight)
        from scipy.spatial import cKDTree  # imported here: the store's readers do not need it

        origin_tree = cKDTree(origin_xy)

    def origin_side(dist: np.ndarray, src_dest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return from_nodes(osnap.dist, (left, right, d_left, d_right), far, dist, src_dest, dest_ids)

    results: dict[str, CategoryResult] = {}
    for cat in categories:
        idx = np.flatnonzero(dest_cat == cat)
        if len(idx) == 0:
            dist = np.full(routing.n_nodes, np.inf)
            src_dest = np.full(routing.n_nodes, -1, dtype=np.int64)
        else:
            dist, pos = nearest_source(routing.matrix, routing.dest_node[idx])
            src_dest = np.where(pos >= 0, idx[np.maximum(pos, 0)], -1)
        od, nearest_ids = origin_side(dist, src_dest)
        counts = counts_within(routing, idx, (left, right, d_left, d_right), osnap.dist, radii_m, origins=origin_tree)
        for r in counts:
            counts[r][far] = 0
        results[cat] = CategoryResult(dist, src_dest, od, nearest_ids, counts)
    # composites (OV = bus stop or station): the nearer of the parts; counts add up (disjoint sets)
    if composites is None:
        composites = default_vocabulary().composites
    for comp, parts in composites.items():
        if not all(p in results for p in parts):
            continue
        dist, src_dest = nearer_of([results[p].node_dist for p in parts], [results[p].node_source for p in parts])
        od, nearest_ids = origin_side(dist, src_dest)
        counts = {r: np.sum([results[p].counts[r] for p in parts], axis=0) for r in radii_m}
        results[comp] = CategoryResult(dist, src_dest, od, nearest_ids, counts)
    if blocked.any():
        log.info(
            "profiel %s: %d adressen liggen aan een pad dat dit profiel niet mag gebruiken",
            pg.profile.name,
            int(blocked.sum()),
        )
    return Accessibility(
        profile=pg.profile.name,
        routing=routing,
        origin_snap=osnap,
        origin_far=far,
        origin_blocked=blocked,
        categories=results,
        dest_ids=dest_ids,
        dest_cat=dest_cat,
    )


def counts_within(
    routing: RoutingGraph,
    dest_idx: np.ndarray,
    place: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    snap_m: np.ndarray,
    radii: Sequence[float],
    *,
    origins: cKDTree | None,
    chunk: int = 16,
) -> dict[float, np.ndarray]:
    """Per origin, the number of destinations within each network distance in ``radii``.

    Parameters
    ----------
    routing
        The routing graph with the destinations inserted.
    dest_idx
        The destinations to count (positions in ``routing.dest_node``).
    place, snap_m
        The origins: :meth:`RoutingGraph.place` of their snap and their snap legs (metres).
    radii
        The network distances (metres); a destination exactly at a radius counts.
    origins
        A KD-tree of the origins' own points (the points that were snapped), to leave out the
        origins further than the largest radius as the crow flies from a destination (never
        within it on the network). None when there are no radii or destinations.
    chunk
        Destinations searched at once: one limited search from each, ``chunk`` × nodes distances
        in memory at a time.

    Returns
    -------
    dict
        Radius → count per origin (int32). Far origins (beyond the snap limit) are counted like
        any other here; the caller sets their counts to zero.
    """
    left, right, d_left, d_right = place
    counts = {r: np.zeros(len(left), dtype=np.int32) for r in radii}
    max_r = max(radii, default=0.0)
    if max_r <= 0 or len(dest_idx) == 0 or origins is None:
        return counts
    from scipy.spatial import cKDTree

    # a hair beyond the radius: the straight distance of the tree may round the other way
    reach = max_r * (1 + 1e-9) + 1e-6
    for start in range(0, len(dest_idx), chunk):
        rows = dest_idx[start : start + chunk]
        pairs = cKDTree(routing.dest_xy[rows]).sparse_distance_matrix(origins, reach, output_type="ndarray")
        if not len(pairs):
            continue
        row_of, o = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
        del pairs
        d = distances_from(routing.matrix, routing.dest_node[rows], limit=max_r)
        od, _ = via_nearer_end(snap_m[o], d_left[o], d_right[o], d[row_of, left[o]], d[row_of, right[o]])
        del d
        for r in radii:
            counts[r] += np.bincount(o[od <= r], minlength=len(left)).astype(np.int32)
    return counts


def to_frame(
    acc: Accessibility,
    origins: gpd.GeoDataFrame,
    *,
    speed_m_s: float,
    norm_m: float,
    suffix: str = "",
) -> pd.DataFrame:
    """The accessibility of every origin as columns (index of ``origins`` kept).

    Columns per category: ``afstand_<cat>_m``, ``tijd_<cat>_min``, ``dichtstbij_<cat>``,
    ``n_<cat>_<r>m``, ``reden_<cat>`` (why missing); plus ``snap_m`` and, per combination of
    :data:`.core.vocabulary.COMBINATIONS` whose categories were computed, ``<name>_<norm>m`` (True when
    every one lies within the norm: ``ov_en_supermarkt_800m``, ``drie_a_800m``). ``suffix`` is
    appended to every column (for a profile other than the main one, see
    :meth:`.core.vocabulary.Vocabulary.suffix`).
    """
    cols: dict[str, object] = {"snap_m": acc.origin_snap.dist}
    for cat, res in acc.categories.items():
        cols[f"afstand_{cat}_m"] = res.origin_dist
        cols[f"tijd_{cat}_min"] = res.origin_dist / speed_m_s / 60.0
        cols[f"dichtstbij_{cat}"] = res.origin_nearest
        for r, c in res.counts.items():
            cols[norm_column(f"n_{cat}", r)] = c
        reason = np.full(len(origins), None, dtype=object)
        reason[np.isnan(res.origin_dist)] = REASON_NONE
        reason[acc.origin_blocked] = REASON_BLOCKED
        reason[acc.origin_far] = REASON_FAR
        cols[f"reden_{cat}"] = reason

    def within(cat: str) -> np.ndarray:
        d = acc.categories[cat].origin_dist if cat in acc.categories else np.full(len(origins), np.nan)
        return np.asarray(np.nan_to_num(d, nan=np.inf) <= norm_m, dtype=bool)

    for name, parts in COMBINATIONS.items():
        if all(c in acc.categories for c in parts):
            cols[norm_column(name, norm_m)] = np.logical_and.reduce([within(c) for c in parts])
    # the arrays of ``acc`` as they are (no consolidated copy: the run keeps them for the store anyway)
    frame = pd.DataFrame(cols, index=origins.index, copy=False)
    if suffix:
        frame = frame.add_suffix(suffix)
    return frame


def snap_nearest(pg: ProfileGraph, points: np.ndarray) -> Snap:
    """:func:`snap_to_edges` for a few points, without building the sample tree.

    Measures every snap edge exactly and takes the nearest (the lowest edge id on a tie), which is
    what :func:`snap_to_edges` returns; worth it for a handful of points (a toets site, a new
    voorziening) on a network loaded from the store, where the tree is not built yet.
    """
    if "sample_tree" in pg.__dict__ or len(points) > 64:
        return snap_to_edges(pg, points)
    net = pg.net
    ids = pg.snap_ids
    n = len(points)
    edge = np.empty(n, dtype=np.int64)
    a_all, b_all = net.xy[net.u[ids]], net.xy[net.v[ids]]
    for i in range(n):
        d, _ = _point_segment(np.broadcast_to(points[i], a_all.shape), a_all, b_all)
        edge[i] = ids[int(np.argmin(d))]
    a = net.xy[net.u[edge]]
    b = net.xy[net.v[edge]]
    dist, t = _point_segment(points, a, b)
    return Snap(edge=edge, t=t, dist=dist, xy=a + (b - a) * t[:, None])


@dataclass(frozen=True)
class PointAccess:
    """The accessibility of a few points (not addresses of the run) on one profile."""

    snap: Snap
    far: np.ndarray  # further than max_snap_m from the network
    left: np.ndarray
    right: np.ndarray
    d_left: np.ndarray
    d_right: np.ndarray
    distance: dict[str, np.ndarray]  # per category: network distance (NaN when unreachable)
    nearest: dict[str, np.ndarray]  # per category: id of the nearest voorziening (None when unreachable)


def access_at(acc: Accessibility, points: np.ndarray, *, max_snap_m: float) -> PointAccess:
    """Distances from points to the nearest voorziening of every category, from a computed run.

    Reuses the per-node distances of ``acc`` (one Dijkstra pass per category, already done), so a
    point costs a snap and a lookup; identical to running :func:`compute_accessibility` for the
    points with the same voorzieningen.
    """
    routing = acc.routing
    snap = snap_nearest(routing.pg, np.asarray(points, dtype=float).reshape(-1, 2))
    place = routing.place(snap)
    left, right, d_left, d_right = place
    far = snap.dist > max_snap_m
    distance: dict[str, np.ndarray] = {}
    nearest: dict[str, np.ndarray] = {}
    for cat, res in acc.categories.items():
        distance[cat], nearest[cat] = from_nodes(snap.dist, place, far, res.node_dist, res.node_source, acc.dest_ids)
    return PointAccess(snap, far, left, right, d_left, d_right, distance, nearest)
