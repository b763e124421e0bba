"""The land under the candidates: tile polygons repaired, each area cut with them, the shares measured.

Every area is measured on its own (an area's figures do not depend on the other areas), so the
areas are split into slices measured side by side on :data:`THREADS` threads: GEOS releases the
GIL while it cuts and unites. The figures are the same on any number of threads, bit for bit:
each slice gets the same pairs in the same order as the whole would (``tests/test_sites.py``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import pairwise

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from woonzorg_geo.core.site_settings import SiteSettings

log = logging.getLogger(__name__)

#: Threads measuring slices of the areas side by side (1: all at once, on the calling thread).
THREADS = 2
#: Fewer areas than this are measured in one slice (threads would cost more than they save).
MIN_SLICE = 200
#: The columns of :func:`room_shares`.
ROOM_COLUMNS = ("woonterrein_pct", "bebouwing_pct", "ruimte_pct")
#: The key of the excluded land among the slices' arrays (not a column).
_EXCLUDED = " uitgesloten land"


def polygon_parts(geoms: np.ndarray | gpd.GeoSeries) -> np.ndarray:
    """Valid single polygons of ``geoms`` (vector tiles hold self-intersecting rings).

    Only the invalid ones are repaired (Assen: 133 of 55,000 buildings); ``make_valid`` returns a
    valid geometry as it is, so the result is the same, at half the cost.
    """
    g = np.array(geoms, dtype=object)
    bad = ~shapely.is_valid(g)
    g[bad] = shapely.make_valid(g[bad])
    # a polygon is its own single part: only the others are taken apart (get_parts copies every one)
    other = shapely.get_type_id(g) != 3
    if not other.any():
        return g
    parts, of = shapely.get_parts(g[other], return_index=True)
    at = np.concatenate([np.flatnonzero(~other), np.flatnonzero(other)[of]])
    order = np.argsort(at, kind="stable")  # in the order of get_parts(g): a geometry's parts in theirs
    flat = np.concatenate([g[~other], parts])[order]
    polygons: np.ndarray = flat[shapely.get_type_id(flat) == 3]
    return polygons


def overlapping_pairs(areas: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (area, polygon) index pairs that intersect, ordered by area, then polygon.

    ``None`` and empty areas take part in no pair.
    """
    areas = np.asarray(areas, dtype=object)
    if not len(polygons) or not len(areas):
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    valid = np.array([a is not None and not a.is_empty for a in areas])
    # numpy takes None as an object scalar here; its stubs do not list None as array-like
    ai, pi = shapely.STRtree(polygons).query(
        np.where(valid, areas, None),  # type: ignore[call-overload]
        predicate="intersects",
    )
    order = np.lexsort((pi, ai))
    return ai[order], pi[order]


def union_per_area(n: int, ai: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """Per area ``0..n-1``, the union of its ``pieces`` (``ai`` sorted; a lone piece as it is; None where none)."""
    out = np.full(n, None, dtype=object)
    if not len(ai):
        return out
    starts = np.flatnonzero(np.r_[True, ai[1:] != ai[:-1]])
    ends = np.r_[starts[1:], len(ai)]
    lone = ends - starts == 1
    out[ai[starts[lone]]] = pieces[starts[lone]]
    for s, e in zip(starts[~lone], ends[~lone], strict=True):
        out[ai[s]] = shapely.union_all(pieces[s:e])
    return out


def union_of_columns(columns: list[np.ndarray], n: int) -> np.ndarray:
    """Per row ``0..n-1``, the union of the geometries the ``columns`` hold there (None where none).

    A row with one geometry keeps it as it is, so a cell that only one class covers gets that
    class's own union.
    """
    out = np.full(n, None, dtype=object)
    if not columns:
        return out
    table = np.stack(columns, axis=1)
    present = ~shapely.is_missing(table)
    count = present.sum(axis=1)
    lone = count == 1
    out[lone] = table[lone, present[lone].argmax(axis=1)]
    for row in np.flatnonzero(count > 1):
        out[row] = shapely.union_all(table[row, present[row]])
    return out


def covered_parts(areas: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Per area, the part of it that ``polygons`` cover (their union clipped to it; None where none)."""
    areas = np.asarray(areas, dtype=object)
    ai, pi = overlapping_pairs(areas, polygons)
    return union_per_area(len(areas), ai, shapely.intersection(areas[ai], polygons[pi]))


def area_of(geoms: np.ndarray) -> np.ndarray:
    """The area of each geometry, 0 for None."""
    return np.array([0.0 if g is None else g.area for g in geoms])


def dissolve_overlaps(polygons: np.ndarray) -> np.ndarray:
    """The polygons with every group of overlapping ones merged into one (touching ones stay apart).

    Vector-tile buildings hold a few building parts on top of their outline (Assen: 31 of
    51,000); merging only those is much faster than a union of all. Pairs that only touch
    (neighbours sharing a wall: most pairs) are told apart by the exact predicate first, so the
    overlay that measures the shared area runs on the few others.
    """
    polygons = np.asarray(polygons, dtype=object)
    if len(polygons) < 2:
        return polygons
    i, j = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    keep = ~shapely.touches(polygons[i], polygons[j])
    i, j = i[keep], j[keep]
    over = shapely.area(shapely.intersection(polygons[i], polygons[j])) > 0
    i, j = i[over], j[over]
    if not len(i):
        return polygons
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(polygons), len(polygons)))
    _, label = connected_components(graph, directed=False)
    sizes = np.bincount(label)
    single = sizes[label] == 1
    merged = [shapely.union_all(polygons[label == g]) for g in np.flatnonzero(sizes > 1)]
    return np.concatenate([polygons[single], polygon_parts(np.array(merged, dtype=object))])


def disjoint_cover(areas: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Per area, the area that ``polygons`` cover, for polygons that do not overlap each other.

    The pieces are summed without a union (which :func:`covered_parts` makes and which is slow for
    tens of thousands of buildings); see :func:`dissolve_overlaps`. A polygon wholly inside an
    area (most buildings in their cell) counts with its own area, without an overlay; the sum can
    differ from summing the overlays in the last bits (about 1e-12 m² per cell).
    """
    areas = np.asarray(areas, dtype=object)
    out = np.zeros(len(areas))
    if not len(polygons) or not len(areas):
        return out
    valid = np.array([a is not None and not a.is_empty for a in areas])
    # numpy takes None as an object scalar here; its stubs do not list None as array-like
    query = np.where(valid, areas, None)  # type: ignore[call-overload]
    tree = shapely.STRtree(polygons)
    ai, pi = tree.query(query, predicate="intersects")
    if not len(ai):
        return out
    wi, wp = tree.query(query, predicate="contains_properly")
    inside = np.isin(ai.astype(np.int64) * len(polygons) + pi, wi.astype(np.int64) * len(polygons) + wp)
    piece = np.empty(len(ai))
    piece[inside] = shapely.area(polygons[pi[inside]])
    cut = ~inside
    piece[cut] = shapely.area(shapely.intersection(areas[ai[cut]], polygons[pi[cut]]))
    out += np.bincount(ai, weights=piece, minlength=len(areas))
    return out


def layer_polygons(
    layers: Mapping[str, gpd.GeoDataFrame], layer: str, column: str, values: tuple[str, ...]
) -> np.ndarray:
    """The valid single polygons of ``layer`` whose ``column`` is one of ``values`` (empty where none)."""
    frame = layers[layer]
    if column not in frame or frame.empty:
        return np.empty(0, dtype=object)
    return polygon_parts(frame.geometry.to_numpy()[frame[column].isin(values).to_numpy()])


def in_slices(
    measure: Callable[[slice], dict[str, np.ndarray]], n: int, *, threads: int | None = None
) -> dict[str, np.ndarray]:
    """``measure`` of the areas ``0..n-1`` in slices on ``threads`` threads (default :data:`THREADS`), joined.

    ``measure`` takes a slice of the areas and returns arrays with one value per area of it; each
    area must be measured on its own, so that the joined arrays are those of one slice of all.
    """
    threads = THREADS if threads is None else threads
    k = max(1, min(threads, n // MIN_SLICE))
    if k == 1:
        return measure(slice(0, n))
    bounds = np.linspace(0, n, k + 1).astype(int)
    slices = [slice(int(a), int(b)) for a, b in pairwise(bounds)]
    with ThreadPoolExecutor(max_workers=k, thread_name_prefix="landaandelen") as pool:
        parts = list(pool.map(measure, slices))
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}


def class_shares(
    geoms: np.ndarray, layers: Mapping[str, gpd.GeoDataFrame], *, settings: SiteSettings
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per area: the share of each excluded land class and of them together, and that land itself.

    Returns the columns ``aandeel_<klasse>`` (NaN where a needed layer is absent) and
    ``aandeel_uitgesloten`` (0–1), and per area the excluded land within it (None where none), which
    :func:`room_shares` takes. Every area is measured on its own (see :func:`in_slices`).
    """
    missing: dict[str, list[str]] = {}
    every: list[np.ndarray] = []
    has_layers: list[bool] = []
    for cls in settings.uitsluiten:
        rules = cls.polygon_layers
        absent = [layer for layer, _, _ in rules.values() if layer not in layers]
        for layer in absent:
            missing.setdefault(layer, []).append(cls.name)
        present = [layer_polygons(layers, layer, col, vals) for layer, col, vals in rules.values() if layer in layers]
        every.append(np.concatenate(present) if present else np.empty(0, dtype=object))
        has_layers.append(bool(present))
    for layer, names in missing.items():
        log.warning("OSM-laag %r ontbreekt: klasse(n) %s niet uitgesloten", layer, ", ".join(names))
    allp = np.concatenate(every) if every else np.empty(0, dtype=object)
    bounds = np.cumsum([0, *(len(p) for p in every)])

    def measure(part: slice) -> dict[str, np.ndarray]:
        areas = geoms[part]
        total_area = shapely.area(areas)
        out: dict[str, np.ndarray] = {}
        # each cell is cut with each polygon once; a class's share is the union of its own pieces
        ai, pi = overlapping_pairs(areas, allp)
        pieces = shapely.intersection(areas[ai], allp[pi])
        per_class = []
        for cls, lo, hi, present_ in zip(settings.uitsluiten, bounds[:-1], bounds[1:], has_layers, strict=True):
            mine = (pi >= lo) & (pi < hi)
            per_class.append(union_per_area(len(areas), ai[mine], pieces[mine]))
            out[f"aandeel_{cls.name}"] = (
                area_of(per_class[-1]) / total_area if present_ else np.full(len(areas), np.nan)
            )
        excluded = union_of_columns(per_class, len(areas))
        out["aandeel_uitgesloten"] = area_of(excluded) / total_area
        out[_EXCLUDED] = excluded
        return out

    shares = in_slices(measure, len(geoms))
    excluded = shares.pop(_EXCLUDED)
    return shares, excluded


def building_footprints(layers: Mapping[str, gpd.GeoDataFrame]) -> np.ndarray:
    """The buildings as :func:`room_shares` measures them: repaired, overlapping parts dissolved (empty without)."""
    if "building" not in layers:
        return np.empty(0, dtype=object)
    return dissolve_overlaps(polygon_parts(layers["building"].geometry.to_numpy()))


def footprints_meanwhile(layers: Mapping[str, gpd.GeoDataFrame]) -> Future[np.ndarray]:
    """:func:`building_footprints` made on a thread of its own while the caller goes on (GEOS work, no GIL)."""
    done: Future[np.ndarray] = Future()

    def make() -> None:
        try:
            done.set_result(building_footprints(layers))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, raised where it waits
            done.set_exception(exc)

    threading.Thread(target=make, name="gebouwen", daemon=True).start()
    return done


def room_shares(
    geoms: np.ndarray,
    excluded: np.ndarray,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    settings: SiteSettings,
    buildings: Future[np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Per area: the residential land, the buildings on it and the room left (see ``land_shares``).

    ``excluded`` is the excluded land per area (:func:`class_shares`). Every area is measured on its
    own (see :func:`in_slices`); the buildings are repaired and their overlaps dissolved once, for
    all (:func:`building_footprints`, or ``buildings`` when they are being made already).
    """
    if not ("landuse" in layers and "building" in layers and settings.woonterrein_landuse):
        log.warning("OSM-lagen landuse en building nodig voor het criterium ruimte: ruimte onbekend")
        return {name: np.full(len(geoms), np.nan) for name in ROOM_COLUMNS}
    if not len(geoms):
        return {name: np.empty(0) for name in ROOM_COLUMNS}
    residential = layer_polygons(layers, "landuse", "class", settings.woonterrein_landuse)
    footprints = building_footprints(layers) if buildings is None else buildings.result()

    def measure(part: slice) -> dict[str, np.ndarray]:
        areas = geoms[part]
        total_area = shapely.area(areas)
        woon = covered_parts(areas, residential)
        woon_area = area_of(woon)
        built = disjoint_cover(woon, footprints)
        # taken = built + excluded land (green, water, ...) - the buildings standing on that land
        # the excluded land of the residential part: the cell's excluded land (above) cut once
        cut = excluded[part]
        both = np.array([w is not None and e is not None for w, e in zip(woon, cut, strict=True)], dtype=bool)
        woon_excl = np.full(len(woon), None, dtype=object)
        woon_excl[both] = shapely.intersection(woon[both], cut[both])
        taken = built + area_of(woon_excl) - disjoint_cover(woon_excl, footprints)
        return {
            "woonterrein_pct": 100 * woon_area / total_area,
            "bebouwing_pct": np.where(woon_area > 0, 100 * built / np.where(woon_area > 0, woon_area, 1), np.nan),
            "ruimte_pct": np.clip(100 * (woon_area - taken) / total_area, 0.0, 100.0),
        }

    return in_slices(measure, len(geoms))
