"""Geometry helpers of the maps: CRS checks, reprojection for drawing, GeoJSON, map extents.

All metric work (simplifying, clipping) happens in EPSG:28992; geometries are reprojected to
EPSG:4326 only to be drawn, with coordinates rounded to :data:`.style.DECIMALS` decimals.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core.errors import DataFileError, NoCrsError
from woonzorg_geo.outputs.maps.style import DECIMALS

T = TypeVar("T")


def check_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    """Raise :class:`~woonzorg_geo.core.errors.NoCrsError` when ``frame`` has no CRS (``what`` names it)."""
    if frame.crs is None:
        raise NoCrsError(f"{what}: geen coördinatenstelsel (CRS); zet het met .set_crs('{RD_NEW}')")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise :class:`~woonzorg_geo.core.errors.DataFileError` naming the ``columns`` missing from ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFileError(
            what,
            "kolom ontbreekt",
            field=", ".join(missing),
            fix="gebruik de uitvoer van `woonzorg-geo analyse` of geef de juiste kolomnaam op",
        )


def to_metric(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """The frame in EPSG:28992 (for simplifying and clipping in metres)."""
    check_crs(frame, what)
    return frame if frame.crs.equals(RD_NEW) else frame.to_crs(RD_NEW)


def _round(geoms: Any) -> np.ndarray:
    arr = np.asarray(geoms, dtype=object)
    rounded: np.ndarray = shapely.transform(arr, lambda xy: np.round(xy, DECIMALS))
    return rounded


#: Within :func:`shared_drawing`: per (source CRS, simplification), ``id(geometry)`` → (the
#: geometry, kept so its id is not reused; its drawn form); and per key of :func:`shared_value`,
#: ``id(owner)`` → (owner, value).
_SHARED: ContextVar[dict[tuple[Any, ...], dict[int, tuple[Any, Any]]] | None] = ContextVar(
    "woonzorg_maps_shared_drawing", default=None
)


@contextmanager
def shared_drawing() -> Iterator[None]:
    """Within this block :func:`to_wgs84` reprojects (and simplifies) each geometry once.

    A map set draws the same areas on many maps (the wijken on every wijk map, each buurt on the
    gemeente's, its wijk's and the overlay map): the frames differ, the geometry objects in them
    are the same, so the drawn form of each polygon and line is kept, by object, until the block
    ends (points are reprojected each time: quick, and many). The result is the same as without
    it. Nested blocks share the outer one's store.
    """
    if _SHARED.get() is not None:
        yield
        return
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def shared_value(key: tuple[Any, ...], owner: object, make: Callable[[], T]) -> T:
    """``make()``, made once per ``key`` and ``owner`` (an object it is made from) within
    :func:`shared_drawing`; outside it, made every time."""
    cache = _SHARED.get()
    if cache is None:
        return make()
    store = cache.setdefault(("value", *key), {})
    if id(owner) not in store:
        store[id(owner)] = (owner, make())
    value: T = store[id(owner)][1]
    return value


@functools.lru_cache(maxsize=8)
def _crs(name: str) -> Any:
    from pyproj import CRS

    return CRS.from_user_input(name)


@functools.lru_cache(maxsize=16)
def _transformer(source: Any, target: Any) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


def _reproject(geoms: np.ndarray, source: Any, target: Any, *, decimals: int | None = None) -> np.ndarray:
    """``geoms`` from CRS ``source`` to ``target``: the transformation geopandas' ``to_crs`` makes,
    point by point, without building a GeoSeries around it; with ``decimals`` the new coordinates
    are rounded in the same pass (as :func:`_round` would)."""
    if source.is_exact_same(target) or shapely.has_z(geoms).any():
        if not source.is_exact_same(target):
            geoms = np.asarray(gpd.GeoSeries(geoms, crs=source).to_crs(target).values, dtype=object)
        return geoms if decimals is None else _round(geoms)
    xy = shapely.get_coordinates(geoms)
    x, y = _transformer(source, target).transform(xy[:, 0], xy[:, 1])
    new = np.array([x, y]).T
    moved: np.ndarray = shapely.set_coordinates(geoms.copy(), new if decimals is None else np.round(new, decimals))
    return moved


def _drawn(geoms: np.ndarray, crs: Any, simplify_m: float) -> np.ndarray:
    """``geoms`` (in ``crs``) simplified by ``simplify_m`` metres in EPSG:28992, then in EPSG:4326, rounded."""
    if simplify_m > 0:
        if not crs.equals(RD_NEW):
            geoms, crs = _reproject(geoms, crs, _crs(RD_NEW)), _crs(RD_NEW)
        geoms = shapely.simplify(geoms, simplify_m, preserve_topology=True)
    return _reproject(geoms, crs, _crs(WGS84), decimals=DECIMALS)


def drawn_geometries(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str, *, simplify_m: float = 0.0) -> np.ndarray:
    """The geometries of ``frame`` as drawn: simplified by ``simplify_m`` metres in EPSG:28992, in
    EPSG:4326, coordinates rounded to :data:`.style.DECIMALS` decimals; one per row (missing and
    empty ones stay missing or empty).

    Within :func:`shared_drawing` a geometry drawn before is not reprojected again.
    """
    check_crs(frame, what)
    geoms = np.asarray(frame.geometry.values, dtype=object)
    cache = _SHARED.get()
    # points (homes, voorzieningen) are reprojected in a moment and are many: not kept
    if cache is None or not len(geoms) or (shapely.get_type_id(geoms) == shapely.GeometryType.POINT).all():
        return _drawn(geoms, frame.crs, simplify_m)
    store = cache.setdefault((frame.crs.srs, float(simplify_m)), {})
    keys = [id(g) for g in geoms]
    missing = [i for i, k in enumerate(keys) if k not in store]
    if missing:
        for i, g in zip(missing, _drawn(geoms[missing], frame.crs, simplify_m)):
            store[keys[i]] = (geoms[i], g)
    drawn = np.empty(len(keys), dtype=object)
    drawn[:] = [store[k][1] for k in keys]
    return drawn


def drawable(geoms: np.ndarray) -> np.ndarray:
    """Mask of the geometries that are neither missing nor empty."""
    mask: np.ndarray = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    return mask


def to_wgs84(frame: gpd.GeoDataFrame, what: str, *, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """Reprojected to EPSG:4326 (simplified in metres first), coordinates rounded, empties dropped
    (see :func:`drawn_geometries`)."""
    drawn = drawn_geometries(frame, what, simplify_m=simplify_m)
    ok = drawable(drawn)
    out = frame.set_crs(WGS84, allow_override=True) if ok.all() else frame[ok].set_crs(WGS84, allow_override=True)
    out[frame.geometry.name] = gpd.GeoSeries(drawn[ok], index=out.index, crs=WGS84)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if pd.isna(value):
        return None
    return str(value)


def geojson_geometry(geom: Any) -> dict[str, Any]:
    """The GeoJSON geometry of a shapely geometry, as :func:`shapely.geometry.mapping` gives it
    (lists where it gives tuples: the same JSON), with all coordinates taken out at once."""
    kind = geom.geom_type
    if geom.is_empty or kind in ("Point", "GeometryCollection", "LinearRing"):
        return dict(shapely.geometry.mapping(geom))
    _, coords, offsets = shapely.to_ragged_array([geom], include_z=bool(shapely.has_z(geom)))
    nested: list[Any] = coords.tolist()
    for bounds in offsets:  # coordinates into lines or rings, rings into polygons, … into the one geometry
        ends = bounds.tolist()
        nested = [nested[a:b] for a, b in itertools.pairwise(ends)]
    return {"type": kind, "coordinates": nested[0]}


def feature_collection(geoms: Sequence[Any] | np.ndarray, props: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of ``geoms`` (shapely or GeoJSON dicts) with ``props`` as properties.

    Property values become JSON values (NaN and missing as ``null``); text is put in as given, so
    text that a popup or tooltip shows as HTML must be escaped by the caller.
    """
    feats = []
    for i, (geom, prop) in enumerate(zip(geoms, props)):
        feats.append(
            {
                "type": "Feature",
                "id": i,
                "properties": {k: _json_value(v) for k, v in prop.items()},
                "geometry": geom if isinstance(geom, dict) else geojson_geometry(geom),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def bounds_wgs84(bounds: Any, crs: str | None) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees from a frame, a geometry or a 4-tuple."""
    if isinstance(bounds, (gpd.GeoDataFrame, gpd.GeoSeries)):
        check_crs(bounds, "kaartgrenzen")
        b = bounds.to_crs(WGS84).total_bounds
    elif isinstance(bounds, shapely.Geometry):
        b = gpd.GeoSeries([bounds], crs=crs or RD_NEW).to_crs(WGS84).total_bounds
    else:
        b = np.asarray(list(bounds), dtype=float)
        if b.shape != (4,):
            raise ValueError(f"kaartgrenzen: verwacht (minx, miny, maxx, maxy), kreeg {bounds!r}")
        if crs and not gpd.GeoSeries([], crs=crs).crs.equals(WGS84):
            box = shapely.box(*b)
            b = gpd.GeoSeries([box], crs=crs).to_crs(WGS84).total_bounds
    w, s, e, n = (float(v) for v in b)
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise ValueError("kaartgrenzen: leeg gebied (geen geometrie)")
    return w, s, e, n


def built_up_bounds(
    points: gpd.GeoDataFrame | gpd.GeoSeries, *, quantile: float = 0.02, pad_m: float = 150.0
) -> tuple[float, float, float, float]:
    """The extent of the built-up area in EPSG:28992: the address points with ``quantile`` cut off
    at each side in x and y (outlying farms and hamlets), plus ``pad_m``.

    Parameters
    ----------
    points
        Address points (any CRS).
    quantile
        Share cut off at each side (``[kaarten] bebouwd_kwantiel``); 0 keeps every point.
    pad_m
        Margin around the trimmed extent, in metres.

    Raises
    ------
    ValueError
        When there are no points.
    """
    check_crs(points, "bebouwd gebied: adressen")
    geoms = gpd.GeoSeries(points.geometry).to_crs(RD_NEW)
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    if geoms.empty:
        raise ValueError("bebouwd gebied: geen adressen")
    values = np.asarray(geoms.values, dtype=object)
    points = bool((shapely.get_type_id(values) == shapely.GeometryType.POINT).all())
    xy = shapely.get_coordinates(values if points else shapely.centroid(values))  # a point is its own centroid
    q = min(max(float(quantile), 0.0), 0.49)
    x0, x1 = np.quantile(xy[:, 0], [q, 1 - q])
    y0, y1 = np.quantile(xy[:, 1], [q, 1 - q])
    return float(x0 - pad_m), float(y0 - pad_m), float(x1 + pad_m), float(y1 + pad_m)
