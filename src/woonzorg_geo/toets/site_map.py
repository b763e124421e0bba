"""The map of a toets, computed: the site, the area of the norm walk, and the walking routes.

Everything comes from the run's routing graph (:class:`.network.accessibility.RoutingGraph`) and the same
distances the toets reports (:func:`.network.accessibility.via_nearer_end`): one
:func:`.network.paths.routes_from` search from the two end nodes of the site's edge, with
predecessors, gives

- the **area of the norm walk**: every piece of the network within the norm (an edge whose ends
  are both within reach is drawn whole, otherwise the part walkable from each end), and its
  concave hull;
- per category of the toets, the **route** to the nearest voorziening the toets names: the site,
  its projection on the network, the network path, the voorziening. Its length is the distance
  the report shows (the network is made of straight segments).

:func:`site_map` computes a :class:`SiteMap` (EPSG:28992); :func:`site_map_geojson` gives the
same as a GeoJSON FeatureCollection in EPSG:4326 (RFC 7946). Drawing is in :mod:`woonzorg_geo.outputs.toets_svg`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import Transformer

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.network.accessibility import PointAccess, RoutingGraph
from woonzorg_geo.network.paths import routes_from

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

#: The network within the norm is simplified to this tolerance in the GeoJSON (metres; the routes are exact).
GEOJSON_SIMPLIFY_M = 1.0
#: Map classes of the network drawn as main roads (OpenMapTiles ``transportation`` classes).
MAIN_ROADS = ("motorway", "trunk", "primary", "secondary", "tertiary")


@dataclass(frozen=True)
class Route:
    """The walking route from the site to the nearest voorziening of one category.

    The Dutch field names are the GeoJSON properties of a ``route`` feature (:func:`site_map_geojson`).
    """

    categorie: str
    label: str  # Dutch label of the category
    vz_id: str
    naam: str
    afstand_m: float  # the network distance the report shows
    binnen_norm: bool
    line: shapely.LineString  # site → network → voorziening (EPSG:28992)
    bestemming: shapely.Point


@dataclass(frozen=True)
class SiteMap:
    """What the map of a toets shows, in EPSG:28992 (metres)."""

    site: shapely.Point
    snap: shapely.Point | None  # the site's projection on the network (None: too far from it)
    norm_m: float
    profiel_label: str
    bereik: shapely.MultiLineString  # the network within the norm walk
    gebied: shapely.Geometry | None  # its concave hull (None when nothing is within reach)
    routes: tuple[Route, ...]
    overige: tuple[tuple[str, str, str, shapely.Point], ...]  # other voorzieningen within the norm (id, cat, naam)
    wegen: shapely.MultiLineString  # the network in the map frame (background)
    hoofdwegen: shapely.MultiLineString  # its main roads
    buurten: tuple[tuple[str, shapely.Geometry], ...]  # buurt names and outlines in the frame
    frame: tuple[float, float, float, float]  # xmin, ymin, xmax, ymax
    bronnen: str  # 'Gegevens: OpenStreetMap (aug. 2021), …' for the legend

    def route(self, categorie: str) -> Route | None:
        """The route of a category, or None when none was reached."""
        return next((r for r in self.routes if r.categorie == categorie), None)


#: per routing graph (by id, the graph kept so the id stays its own): node coordinates and edges
_GRAPH_CACHE: dict[int, tuple[RoutingGraph, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}


def node_xy(routing: RoutingGraph) -> np.ndarray:
    """Coordinates of every node of the routing graph: network nodes, voorzieningen, split points."""
    return _graph(routing)[1]


def _graph(routing: RoutingGraph) -> tuple[RoutingGraph, np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Node coordinates and the walkable edges (a, b, length; not the voorzieningen' legs), made once."""
    hit = _GRAPH_CACHE.get(id(routing))
    if hit is not None and hit[0] is routing:
        return hit
    import scipy.sparse

    net = routing.pg.net
    xy = np.full((routing.n_nodes, 2), np.nan)
    xy[: net.n_nodes] = net.xy
    xy[routing.dest_node] = routing.dest_xy
    for e, (ts, chain) in routing.splits.items():
        a, b = net.xy[net.u[e]], net.xy[net.v[e]]
        xy[chain[1:-1]] = a + (b - a) * ts[1:-1, None]
    upper = scipy.sparse.triu(routing.matrix, k=1).tocoo()
    dest = np.zeros(routing.n_nodes, dtype=bool)
    dest[routing.dest_node] = True
    keep = ~dest[upper.row] & ~dest[upper.col]
    edges = (upper.row[keep].astype(np.int64), upper.col[keep].astype(np.int64), upper.data[keep])
    if len(_GRAPH_CACHE) >= 4:
        _GRAPH_CACHE.clear()
    _GRAPH_CACHE[id(routing)] = (routing, xy, edges)
    return routing, xy, edges


def _path(pred: np.ndarray, start: int, target: int) -> list[int]:
    """Nodes from ``start`` to ``target`` along the predecessors of a search from ``start``."""
    out = [target]
    node = target
    while node != start:
        node = int(pred[node])
        if node < 0:
            return []
        out.append(node)
    return out[::-1]


def _reach_pieces(routing: RoutingGraph, reach: np.ndarray, norm_m: float) -> np.ndarray:
    """The parts of every edge within ``norm_m`` of the site (``reach``: distance per node), as (n, 2, 2).

    An edge whose ends leave room enough to meet is whole; otherwise each end reached gives the part
    walkable from it.
    """
    _, xy, (a, b, w) = _graph(routing)
    keep = (reach[a] <= norm_m) | (reach[b] <= norm_m)
    a, b, w = a[keep], b[keep], w[keep]
    with np.errstate(invalid="ignore"):
        room_a = np.where(np.isfinite(reach[a]), np.clip(norm_m - reach[a], 0.0, None), 0.0)
        room_b = np.where(np.isfinite(reach[b]), np.clip(norm_m - reach[b], 0.0, None), 0.0)
    pa, pb = xy[a], xy[b]
    safe = np.where(w > 0, w, 1.0)[:, None]
    whole = room_a + room_b >= w
    part_a = ~whole & (room_a > 0)
    part_b = ~whole & (room_b > 0)
    ends_a = pa + (pb - pa) * (np.minimum(room_a, w)[:, None] / safe)
    ends_b = pb + (pa - pb) * (np.minimum(room_b, w)[:, None] / safe)
    return np.concatenate(
        [
            np.stack([pa[whole], pb[whole]], axis=1),
            np.stack([pa[part_a], ends_a[part_a]], axis=1),
            np.stack([pb[part_b], ends_b[part_b]], axis=1),
        ]
    )


def _frame(geoms: Sequence[shapely.Geometry], margin_m: float, aspect: float) -> tuple[float, float, float, float]:
    """The bounds of ``geoms`` plus a margin, widened to the width/height ``aspect`` of the picture."""
    xmin, ymin, xmax, ymax = shapely.total_bounds(np.array([g for g in geoms if g is not None and not g.is_empty]))
    xmin, ymin, xmax, ymax = xmin - margin_m, ymin - margin_m, xmax + margin_m, ymax + margin_m
    w, h = xmax - xmin, ymax - ymin
    if w / h < aspect:
        extra = (h * aspect - w) / 2
        xmin, xmax = xmin - extra, xmax + extra
    else:
        extra = (w / aspect - h) / 2
        ymin, ymax = ymin - extra, ymax + extra
    return float(xmin), float(ymin), float(xmax), float(ymax)


def _lines_in(xy: np.ndarray, u: np.ndarray, v: np.ndarray, frame: tuple[float, float, float, float]) -> np.ndarray:
    """Which segments u–v have an end inside ``frame``."""
    xmin, ymin, xmax, ymax = frame

    def inside(p: np.ndarray) -> np.ndarray:
        return (p[:, 0] >= xmin) & (p[:, 0] <= xmax) & (p[:, 1] >= ymin) & (p[:, 1] <= ymax)

    return np.asarray(inside(xy[u]) | inside(xy[v]), dtype=bool)


def _multiline(segments: np.ndarray) -> shapely.MultiLineString:
    """Segments (n, 2, 2) as one MultiLineString (vectorised)."""
    if not len(segments):
        return shapely.MultiLineString()
    out: shapely.MultiLineString = shapely.multilinestrings(shapely.linestrings(segments))
    return out


def data_sources_line(analysis: Analysis) -> str:
    """``'Gegevens: OpenStreetMap (aug. 2021), …'`` for the datasets of the analysis, with their dates."""
    from woonzorg_geo.core.provenance import sources_line
    from woonzorg_geo.sources.datasets import CATALOGUE

    paths = getattr(analysis.inputs, "paths", {}) or {}
    data = {k: {"bron": m["bron"], "datum": m.get("datum")} for k, m in CATALOGUE.items() if k in paths}
    line = sources_line({"gegevens": data})
    if line:
        return line
    return f"Gegevens: {getattr(analysis.inputs.osm, 'source', 'OpenStreetMap')}"


def site_map(
    analysis: Analysis,
    *,
    point: shapely.Point,
    pa: PointAccess,
    profile: str,
    norm_m: float,
    profile_label: str,
    rows: Sequence[Mapping[str, Any]],
    margin_m: float = 150.0,
    aspect: float = 1.4,
    concave_ratio: float = 0.3,
) -> SiteMap:
    """The map of a toets at ``point``.

    Parameters
    ----------
    analysis
        The run (its accessibility for ``profile``, voorzieningen, buurten, inputs).
    point, pa
        The site (EPSG:28992) and its :class:`.network.accessibility.PointAccess` (as the toets computed it).
    profile, norm_m, profile_label
        The walking profile, the norm and the profile's Dutch label.
    rows
        The toets's accessibility rows (``categorie``, ``label``, ``afstand_m``, ``dichtstbij_id``,
        ``dichtstbij``, ``binnen_norm``): one route per row with a nearest voorziening.
    margin_m, aspect, concave_ratio
        Margin around what is drawn, width/height of the picture, and the ratio of
        :func:`shapely.concave_hull` for the area of the norm walk (toets settings ``[kaart]``).
    """
    acc = analysis.access[profile]
    routing = acc.routing
    _, xy, _ = _graph(routing)
    vz = analysis.inputs.voorzieningen
    far = bool(pa.far[0])
    routes: list[Route] = []
    pieces = np.zeros((0, 2, 2))
    snap_pt: shapely.Point | None = None
    others: list[tuple[str, str, str, shapely.Point]] = []
    if not far:
        left, right = int(pa.left[0]), int(pa.right[0])
        d_left, d_right, snap_m = float(pa.d_left[0]), float(pa.d_right[0]), float(pa.snap.dist[0])
        snap_xy = pa.snap.xy[0]
        snap_pt = shapely.Point(snap_xy)
        wanted = [float(r["afstand_m"]) for r in rows if r.get("afstand_m") is not None]
        limit = max([norm_m, *wanted]) + 1.0
        dist, pred = routes_from(routing.matrix, [left, right], limit=limit)
        reach = snap_m + np.minimum(d_left + dist[0], d_right + dist[1])
        own = [  # the site's own edge: from its projection towards both end nodes, as far as the norm goes
            (snap_xy, snap_xy + (xy[end] - snap_xy) * min(1.0, (norm_m - snap_m) / along))
            for end, along in ((left, d_left), (right, d_right))
            if np.isfinite(along) and along > 0 and snap_m < norm_m
        ]
        pieces = np.concatenate([_reach_pieces(routing, reach, norm_m), np.array(own).reshape(-1, 2, 2)])
        index = {str(k): i for i, k in enumerate(acc.dest_ids)}
        for r in rows:
            vid = r.get("dichtstbij_id")
            if vid is None or r.get("afstand_m") is None or str(vid) not in index:
                continue
            target = int(routing.dest_node[index[str(vid)]])
            via_l, via_r = d_left + dist[0, target], d_right + dist[1, target]
            row, start = (0, left) if via_l <= via_r else (1, right)
            nodes = _path(pred[row], start, target)
            if not nodes:
                continue
            coords = [(point.x, point.y), tuple(snap_xy), *map(tuple, xy[nodes])]
            routes.append(
                Route(
                    categorie=str(r["categorie"]),
                    label=str(r["label"]),
                    vz_id=str(vid),
                    naam=str(r.get("dichtstbij") or vid),
                    afstand_m=float(r["afstand_m"]),
                    binnen_norm=bool(r.get("binnen_norm")),
                    line=shapely.LineString(coords),
                    bestemming=shapely.Point(xy[target]),
                )
            )
        # the other voorzieningen of the toets's categories within the norm, for orientation
        on_route = {r.vz_id for r in routes}
        composites = analysis.vocab.composites
        shown = {p for r in rows for p in composites.get(str(r["categorie"]), (str(r["categorie"]),))}
        d_dest = snap_m + np.minimum(d_left + dist[0, routing.dest_node], d_right + dist[1, routing.dest_node])
        for k in np.flatnonzero(d_dest <= norm_m):
            vid = str(acc.dest_ids[k])
            if vid in on_route or str(acc.dest_cat[k]) not in shown:
                continue
            name = str(vz.at[acc.dest_ids[k], "naam"]) if "naam" in vz and acc.dest_ids[k] in vz.index else ""
            others.append((vid, str(acc.dest_cat[k]), "" if name == "nan" else name, shapely.Point(routing.dest_xy[k])))
    bereik = _multiline(pieces)
    gebied = None
    if len(pieces):
        gebied = shapely.concave_hull(bereik, ratio=concave_ratio)
    frame = _frame([point, bereik, *(r.line for r in routes)], margin_m, aspect)
    net = routing.pg.net
    inside = _lines_in(net.xy, net.u, net.v, frame)
    main = np.isin(net.line_class, MAIN_ROADS) & inside
    buurten = analysis.buurten
    box = shapely.box(*frame)
    names: list[tuple[str, shapely.Geometry]] = []
    if len(buurten):
        hits = buurten.sindex.query(box, predicate="intersects")
        for pos in hits:
            name = buurten["naam"].iloc[pos] if "naam" in buurten else ""
            names.append(("" if not isinstance(name, str) else name, buurten.geometry.iloc[pos]))
    return SiteMap(
        site=point,
        snap=snap_pt,
        norm_m=float(norm_m),
        profiel_label=profile_label,
        bereik=bereik,
        gebied=gebied,
        routes=tuple(routes),
        overige=tuple(others),
        wegen=_multiline(np.stack([net.xy[net.u[inside & ~main]], net.xy[net.v[inside & ~main]]], axis=1)),
        hoofdwegen=_multiline(np.stack([net.xy[net.u[main]], net.xy[net.v[main]]], axis=1)),
        buurten=tuple(names),
        frame=frame,
        bronnen=data_sources_line(analysis),
    )


@functools.lru_cache(maxsize=1)
def _to_wgs84() -> Transformer:
    """RD New → WGS84 (lon, lat), built once (building one costs 20 ms)."""
    return Transformer.from_crs(RD_NEW, WGS84, always_xy=True)


def site_map_geojson(kaart: SiteMap) -> dict[str, Any]:
    """The map as a GeoJSON FeatureCollection in EPSG:4326 (RFC 7946), coordinates to 6 decimals.

    Features, by ``properties.soort``: ``locatie`` (the site), ``loopgebied`` (the concave hull
    of the network within the norm), ``looppaden_binnen_norm`` (those network pieces, merged into
    lines and simplified to :data:`GEOJSON_SIMPLIFY_M`), ``route``
    (one per category with a nearest voorziening: ``categorie``, ``label``, ``vz_id``, ``naam``,
    ``afstand_m``, ``binnen_norm``) and ``voorziening`` (its end point, same properties).
    """
    to_ll = _to_wgs84()

    def ll(geom: shapely.Geometry) -> dict[str, Any]:
        g = shapely.transform(geom, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1])))
        g = shapely.set_precision(g, 1e-6)
        out: dict[str, Any] = shapely.geometry.mapping(g)
        return out

    def feature(geom: shapely.Geometry, props: dict[str, Any]) -> dict[str, Any]:
        return {"type": "Feature", "geometry": ll(geom), "properties": props}

    feats = [feature(kaart.site, {"soort": "locatie", "naam": "beoogde locatie"})]
    if kaart.gebied is not None and not kaart.gebied.is_empty:
        feats.append(feature(kaart.gebied, {"soort": "loopgebied", "norm_m": kaart.norm_m}))
    if not kaart.bereik.is_empty:  # merged into longer lines: the same paths, fewer coordinates
        merged = shapely.simplify(shapely.line_merge(kaart.bereik), GEOJSON_SIMPLIFY_M, preserve_topology=False)
        feats.append(feature(merged, {"soort": "looppaden_binnen_norm", "norm_m": kaart.norm_m}))
    for r in kaart.routes:
        props = {
            "categorie": r.categorie,
            "label": r.label,
            "vz_id": r.vz_id,
            "naam": r.naam,
            "afstand_m": round(r.afstand_m, 1),
            "binnen_norm": r.binnen_norm,
        }
        feats.append(feature(r.line, {"soort": "route", **props}))
        feats.append(feature(r.bestemming, {"soort": "voorziening", **props}))
    return {
        "type": "FeatureCollection",
        "crs_toelichting": f"{WGS84} (lengtegraad, breedtegraad), RFC 7946",
        "profiel": kaart.profiel_label,
        "norm_m": kaart.norm_m,
        "bronnen": kaart.bronnen,
        "features": feats,
    }
