"""The walking network: walkable OSM lines noded into a graph of straight segments in EPSG:28992.

Every consecutive vertex pair of a walkable line becomes an edge, so every edge is a straight
segment and projecting a point onto the network is exact vector arithmetic. Lines meet where they
share a vertex; the ends of lines split at tile seams (< 1 m apart) are joined.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix

from woonzorg_geo import RD_NEW
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import NetworkSettings, Profile
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.validate import ensure_crs

if TYPE_CHECKING:
    from scipy.spatial import cKDTree

log = logging.getLogger(__name__)

_T = TypeVar("_T")
#: Entries :meth:`WalkNetwork.memo` keeps per network.
MEMO_MAX = 8


@dataclass(frozen=True)
class WalkNetwork:
    """A walking graph of straight segments.

    Attributes
    ----------
    xy
        Node coordinates (n × 2, EPSG:28992 metres).
    u, v
        Edge end nodes (m,), with ``u < v``; parallel duplicates removed.
    length
        Edge length in metres (m,).
    steps
        True for edges on steps (m,).
    line_class, line_name
        OpenMapTiles class and street name of the line each edge came from (m,).
    seams_joined
        Number of dangling line ends joined across tile seams.
    """

    xy: np.ndarray
    u: np.ndarray
    v: np.ndarray
    length: np.ndarray
    steps: np.ndarray
    line_class: np.ndarray
    line_name: np.ndarray
    crs: str = RD_NEW
    seams_joined: int = 0
    stats: dict[str, float] = field(default_factory=dict)
    #: the sample trees of :attr:`ProfileGraph.sample_tree`, by spacing and snap edges: built once
    #: for all profiles (their snap edges are the same), ~10 MB each for a gemeente
    _sample_trees: dict[tuple[float, bytes], tuple[cKDTree, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    #: what :meth:`memo` keeps (at most :data:`MEMO_MAX` entries, the oldest dropped first)
    _memo: dict[tuple[object, ...], object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def memo(self, key: tuple[object, ...], make: Callable[[], _T]) -> _T:
        """``make()``, computed once per ``key`` for this network and then shared.

        For what every profile of the network would otherwise compute again: the snap of a point
        set onto the snap edges (:func:`.network.accessibility.shared_snap`), the whole network's
        islands. The key must name everything the value depends on besides the network itself.
        """
        if key not in self._memo:
            if len(self._memo) >= MEMO_MAX:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = make()
        return cast("_T", self._memo[key])

    @property
    def n_nodes(self) -> int:
        return len(self.xy)

    @property
    def n_edges(self) -> int:
        return len(self.u)

    def edges_gdf(self, *, mask: np.ndarray | None = None) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame of two-point lines (EPSG:28992)."""
        idx = np.arange(self.n_edges) if mask is None else np.flatnonzero(mask)
        coords = np.stack([self.xy[self.u[idx]], self.xy[self.v[idx]]], axis=1)
        return gpd.GeoDataFrame(
            {
                "u": self.u[idx],
                "v": self.v[idx],
                "lengte_m": self.length[idx],
                "klasse": self.line_class[idx],
                "naam": self.line_name[idx],
                "trap": self.steps[idx],
            },
            index=pd.Index(idx, name="edge_id"),
            geometry=shapely.linestrings(coords),
            crs=self.crs,
        )


def walkable_mask(lines: gpd.GeoDataFrame, settings: NetworkSettings) -> pd.Series:
    """Which lines are walkable.

    ``class`` or ``subclass`` in ``settings.walk_classes``, and not closed to walkers: where the
    source carries OSM ``foot``/``access`` tags (PBF, XML, Overpass; the vector tiles do not),
    ``foot`` in ``settings.foot_excluded`` or ``access`` in ``settings.access_excluded`` without a
    ``foot`` value in ``settings.foot_allowed`` excludes the line.
    """
    classes = set(settings.walk_classes)
    mask = lines["class"].isin(classes)
    if "subclass" in lines:
        mask |= lines["subclass"].isin(classes)
    foot = lines["foot"].astype("string").str.strip().str.lower() if "foot" in lines else None
    if foot is not None:
        mask &= ~foot.isin(settings.foot_excluded).fillna(False).astype(bool)
    if "access" in lines:
        access = lines["access"].astype("string").str.strip().str.lower()
        closed = access.isin(settings.access_excluded).fillna(False).astype(bool)
        if foot is not None:
            closed &= ~foot.isin(settings.foot_allowed).fillna(False).astype(bool)
        mask &= ~closed
    return pd.Series(mask, index=lines.index, dtype=bool)


def build_network(lines: gpd.GeoDataFrame, *, settings: NetworkSettings) -> WalkNetwork:
    """Build the walking graph from OSM lines.

    Parameters
    ----------
    lines
        Lines with ``class`` (and optionally ``subclass``, ``name``) in a projected CRS.
    settings
        Walkable classes, seam tolerance and node precision.

    Returns
    -------
    WalkNetwork
        The graph; every edge a straight segment with its length in metres.
    """
    lines = ensure_crs(lines, name="lines")
    walk = lines.loc[walkable_mask(lines, settings)]
    if walk.empty:
        raise DataFileError(
            "<OSM-lijnen>",
            "geen beloopbare lijnen gevonden",
            field="class",
            fix=f"controleer netwerk.walk_classes ({', '.join(settings.walk_classes)})",
        )
    geoms = walk.geometry.to_numpy()
    parts, part_of = shapely.get_parts(geoms, return_index=True)
    keep = shapely.get_type_id(parts) == 1  # LineString
    parts, part_of = parts[keep], part_of[keep]
    coords, vert_of = shapely.get_coordinates(parts, return_index=True)
    # nodes: vertices equal after rounding to the node precision
    key = np.round(coords / settings.node_precision_m).astype(np.int64)
    uniq, node_of_vertex = np.unique(key, axis=0, return_inverse=True)
    node_of_vertex = node_of_vertex.ravel()
    xy = uniq.astype(float) * settings.node_precision_m
    # edges: consecutive vertices of the same part
    same = vert_of[1:] == vert_of[:-1]
    a = node_of_vertex[:-1][same]
    b = node_of_vertex[1:][same]
    line_idx = part_of[vert_of[:-1][same]]
    # join dangling ends within the seam tolerance (tile seams)
    xy, a, b, joined = _heal_seams(xy, a, b, settings.seam_tolerance_m)
    cls = walk["class"].to_numpy(dtype=object)[line_idx]
    sub = (walk["subclass"].to_numpy(dtype=object) if "subclass" in walk else np.full(len(walk), None))[line_idx]
    name = (walk["name"].to_numpy(dtype=object) if "name" in walk else np.full(len(walk), None))[line_idx]
    steps = (sub == "steps") | (cls == "steps")
    u = np.minimum(a, b)
    v = np.maximum(a, b)
    length = np.hypot(*(xy[u] - xy[v]).T)
    ok = u != v
    u, v, length, steps, cls, name = u[ok], v[ok], length[ok], steps[ok], cls[ok], name[ok]
    # parallel duplicates: keep the shortest (a non-steps edge wins a tie)
    order = np.lexsort((steps, length, v, u))
    u, v, length, steps, cls, name = (x[order] for x in (u, v, length, steps, cls, name))
    first = np.ones(len(u), dtype=bool)
    first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    u, v, length, steps, cls, name = (x[first] for x in (u, v, length, steps, cls, name))
    # drop nodes no edge uses (after seam merging)
    used = np.zeros(len(xy), dtype=bool)
    used[u] = used[v] = True
    remap = np.cumsum(used) - 1
    xy, u, v = xy[used], remap[u], remap[v]
    net = WalkNetwork(
        xy=xy,
        u=u,
        v=v,
        length=length,
        steps=steps,
        line_class=cls,
        line_name=name,
        crs=str(walk.crs),
        seams_joined=joined,
    )
    log.info(
        "netwerk: %s knopen, %s segmenten, %s, %d naden gedicht",
        fmt.number(net.n_nodes),
        fmt.number(net.n_edges),
        fmt.number(length.sum() / 1000, unit=" km"),
        joined,
    )
    return net


def _heal_seams(
    xy: np.ndarray, a: np.ndarray, b: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Merge dangling nodes (degree 1) that lie within ``tolerance`` of each other."""
    from scipy.spatial import cKDTree  # imported here: the store's readers do not need it

    if tolerance <= 0 or len(a) == 0:
        return xy, a, b, 0
    degree = np.bincount(np.concatenate([a, b]), minlength=len(xy))
    dangling = np.flatnonzero(degree == 1)
    if len(dangling) < 2:
        return xy, a, b, 0
    pairs = cKDTree(xy[dangling]).query_pairs(tolerance, output_type="ndarray")
    if len(pairs) == 0:
        return xy, a, b, 0
    n = len(xy)
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(pairs)), (dangling[pairs[:, 0]], dangling[pairs[:, 1]])), shape=(n, n))
    _, label = connected_components(g, directed=False)
    # representative of each group: its smallest node id
    rep = np.full(label.max() + 1, n, dtype=np.int64)
    np.minimum.at(rep, label, np.arange(n))
    target = rep[label]
    return xy, target[a], target[b], int((target != np.arange(n)).sum())


@dataclass(frozen=True)
class Islands:
    """Connected parts of a network."""

    label: np.ndarray  # component of each node
    sizes: pd.DataFrame  # per component: knopen, lengte_m, sorted largest first
    largest: int

    @property
    def n(self) -> int:
        return len(self.sizes)


def find_islands(net: WalkNetwork, *, edge_mask: np.ndarray | None = None) -> Islands:
    """Connected components of the network (optionally of a subset of the edges)."""
    mask = np.ones(net.n_edges, dtype=bool) if edge_mask is None else edge_mask
    n = net.n_nodes
    from scipy.sparse.csgraph import connected_components  # here: the store's readers do not need it

    g = coo_matrix((np.ones(mask.sum()), (net.u[mask], net.v[mask])), shape=(n, n))
    _, label = connected_components(g, directed=False)
    used = np.zeros(n, dtype=bool)
    used[net.u[mask]] = used[net.v[mask]] = True
    nodes = np.bincount(label[used], minlength=label.max() + 1)
    length = np.bincount(label[net.u[mask]], weights=net.length[mask], minlength=label.max() + 1)
    sizes = pd.DataFrame({"knopen": nodes, "lengte_m": length})
    sizes = sizes.loc[sizes["knopen"] > 0].sort_values("lengte_m", ascending=False)
    sizes.index.name = "eiland"
    largest = int(sizes.index[0]) if len(sizes) else -1  # -1: no edge at all
    return Islands(label=label, sizes=sizes, largest=largest)


@dataclass(frozen=True)
class ProfileGraph:
    """The part of the network one profile routes on.

    Points (addresses, voorzieningen, cells) are placed on the *snap* edges: the largest
    connected part of the whole network, the same for every profile, so that a profile that may
    use fewer edges never gets a different, shorter straight leg. The profile routes on its
    *usable* edges: those it may use (no steps for seniors) within its own largest connected
    part, a subset of the snap edges. A point placed on an edge the profile may not use is
    unreachable for that profile.
    """

    net: WalkNetwork
    profile: Profile
    edge_mask: np.ndarray  # edges usable by the profile and in its largest component
    islands: Islands
    snap_mask: np.ndarray  # edges points are placed on: the whole network's largest component

    @cached_property
    def snap_ids(self) -> np.ndarray:
        """Ids of the edges points are placed on."""
        return np.flatnonzero(self.snap_mask)

    #: spacing of the sample points used to find the nearest edge (m)
    sample_spacing_m: float = 10.0

    @cached_property
    def sample_tree(self) -> tuple[cKDTree, np.ndarray]:
        """A KD-tree over points every :attr:`sample_spacing_m` along the snap edges.

        Returns the tree and the edge id of each sample point. Shared by the profiles of one
        network (the snap edges are the same for each).
        """
        key = (self.sample_spacing_m, np.packbits(self.snap_mask).tobytes())
        cache = self.net._sample_trees
        if key not in cache:
            cache[key] = self._build_sample_tree()
        return cache[key]

    def _build_sample_tree(self) -> tuple[cKDTree, np.ndarray]:
        from scipy.spatial import cKDTree

        ids = self.snap_ids
        length = self.net.length[ids]
        per_edge = np.ceil(length / self.sample_spacing_m).astype(np.int64) + 1
        edge_of = np.repeat(ids, per_edge)
        starts = np.cumsum(per_edge) - per_edge
        k = np.arange(per_edge.sum()) - np.repeat(starts, per_edge)
        t = k / np.repeat(per_edge - 1, per_edge)
        del k, starts
        a = self.net.xy[self.net.u[edge_of]]
        pts = self.net.xy[self.net.v[edge_of]]
        pts -= a  # in place: a + (b - a) * t without three more arrays of samples
        pts *= t[:, None]
        pts += a
        return cKDTree(pts), edge_of


def profile_graph(net: WalkNetwork, profile: Profile) -> ProfileGraph:
    """Restrict the network to what ``profile`` may use (no steps for seniors), largest part only.

    The snap edges (where points are placed) are the largest part of the whole network, whatever
    the profile; the usable edges are a subset of them.
    """
    whole = net.memo(("islands",), lambda: find_islands(net))  # the same for every profile
    snap_mask = whole.label[net.u] == whole.largest
    usable = ~net.steps if profile.avoid_steps else np.ones(net.n_edges, dtype=bool)
    islands = find_islands(net, edge_mask=usable)
    in_largest = islands.label[net.u] == islands.largest
    mask = usable & in_largest & snap_mask
    if islands.n == 0:
        log.warning("profiel %s: geen enkel segment bruikbaar; alles is onbereikbaar", profile.name)
    else:
        log.info(
            "profiel %s: %d eilanden; grootste %s van de lengte",
            profile.name,
            islands.n,
            fmt.percent(100 * islands.sizes["lengte_m"].iloc[0] / islands.sizes["lengte_m"].sum()),
        )
    return ProfileGraph(net=net, profile=profile, edge_mask=mask, islands=islands, snap_mask=snap_mask)


#: neighbours asked per point at once by :func:`samples_within`; points with more fall back
_K_SAMPLES = 16


def samples_within(tree: cKDTree, points: np.ndarray, margin: float) -> tuple[np.ndarray, np.ndarray]:
    """All (point, sample) pairs with the sample within ``margin`` of the point's nearest sample.

    That is, within ``r = d0 + margin`` where ``d0`` is the distance to the nearest sample. A
    fixed-k query answers most points as arrays (its first column gives ``d0``); the few whose
    k-th neighbour still lies inside ``r`` are asked again with ``query_ball_point``. The bound
    is widened by a hair so no sample ``query_ball_point`` would return is lost; the extra
    candidates can only be farther than the nearest edge, so the snap is unchanged.

    Parameters
    ----------
    tree
        The samples' tree (:attr:`ProfileGraph.sample_tree`).
    points
        ``(n, 2)`` query points.
    margin
        How far beyond its nearest sample a point's candidates may lie.

    Returns
    -------
    owner, sample
        The point and the sample of each pair.
    """
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    dist, idx = tree.query(points, k=min(_K_SAMPLES, tree.n), workers=-1)
    dist, idx = dist.reshape(n, -1), idx.reshape(n, -1)
    bound = (dist[:, 0] + margin) * (1 + 1e-9) + 1e-9
    found = dist <= bound[:, None]
    full = found[:, -1].copy()
    found[full] = False
    owner = np.nonzero(found)[0]
    flat = idx[found]
    if full.any():
        rows = np.nonzero(full)[0]
        lists = tree.query_ball_point(points[rows], r=bound[rows])
        lens = np.fromiter(map(len, lists), dtype=np.int64, count=len(rows))
        extra = np.fromiter(itertools.chain.from_iterable(lists), dtype=np.int64, count=int(lens.sum()))
        owner = np.concatenate([owner, np.repeat(rows, lens)])
        flat = np.concatenate([flat, extra])
    return owner, flat.astype(np.int64, copy=False)
