"""Checks where data enters: CRS, empty layers, columns, invalid geometries."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import DataFileError, MissingDataError, NoCrsError

log = logging.getLogger(__name__)


def require_file(path: str | Path, *, what: str) -> Path:
    """Return ``path`` if it exists, else raise :class:`MissingDataError` saying what it is."""
    path = Path(path)
    if not path.exists():
        raise MissingDataError(path, f"lever {what} aan op deze plek, of geef een ander pad op")
    return path


def read_vector(
    path: str | Path,
    *,
    what: str,
    layer: str | None = None,
    columns: Iterable[str] = (),
    to_crs: str | None = RD_NEW,
    keep_empty: bool = False,
) -> gpd.GeoDataFrame:
    """Read a vector file with checks and clear errors.

    Parameters
    ----------
    path
        GeoJSON, GeoPackage or any format GDAL reads.
    what
        Dutch description of the dataset, used in messages.
    layer
        Layer name for multi-layer files.
    columns
        Columns that must be present.
    to_crs
        Reproject to this CRS (``None`` keeps the file's CRS).
    keep_empty
        Keep features without geometry (as empty geometries) instead of dropping them, and warn
        neither about those nor about repaired ones: the caller knows whose they are and warns
        (the repaired rows are listed in ``attrs["repaired_rows"]``).
    """
    path = require_file(path, what=what)
    try:
        import pyogrio  # here: the toets and the store do not read vector files

        gdf = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # GDAL raises many types
        raise DataFileError(
            path, f"kan {what} niet lezen ({exc})", fix="controleer of het een geldig GeoJSON/GPKG is"
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataFileError(
            path,
            f"{what}: het bestand heeft geen geometrie (een tabel zonder kaartvormen, zoals een CSV)",
            fix="lever een GeoPackage of GeoJSON met geometrie aan, bijv. geëxporteerd uit QGIS",
        )
    return check_layer(gdf, path=path, what=what, columns=columns, to_crs=to_crs, keep_empty=keep_empty)


def check_layer(
    gdf: gpd.GeoDataFrame,
    *,
    path: str | Path,
    what: str,
    columns: Iterable[str] = (),
    to_crs: str | None = RD_NEW,
    keep_empty: bool = False,
) -> gpd.GeoDataFrame:
    """Validate a layer that has just been read; returns a repaired copy in ``to_crs``."""
    if gdf.crs is None:
        raise NoCrsError(
            f"{path}: laag {what} heeft geen coördinatenstelsel (CRS). Oplossing: sla het bestand "
            "op met een CRS, bijvoorbeeld EPSG:28992 of EPSG:4326"
        )
    if len(gdf) == 0:
        raise DataFileError(path, f"laag {what} is leeg", fix="controleer het bestand of het filter")
    missing = [c for c in columns if c not in gdf.columns]
    if missing:
        raise DataFileError(
            path,
            f"kolom(men) ontbreken in {what}",
            field=", ".join(missing),
            fix=f"voeg de kolom(men) toe; aanwezig zijn: {', '.join(map(str, gdf.columns))}",
        )
    if gdf.crs.is_geographic:
        x0, y0, x1, y1 = gdf.total_bounds
        if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
            raise NoCrsError(
                f"{path}: laag {what} zegt lengte/breedte (WGS84) te bevatten, maar de coördinaten "
                f"({fmt.number(x0)}; {fmt.number(y0)} … {fmt.number(x1)}; {fmt.number(y1)}) zijn meters, waarschijnlijk RD (EPSG:28992). "
                "Oplossing: zet het CRS in het bestand, bijv. een GeoJSON-lid "
                '"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}}'
            )
    gdf = repair_geometries(gdf, path=path, what=what, keep_empty=keep_empty)
    if to_crs is not None and gdf.crs != to_crs:
        gdf = gdf.to_crs(to_crs)
    return gdf


def repair_geometries(
    gdf: gpd.GeoDataFrame, *, path: str | Path, what: str, keep_empty: bool = False
) -> gpd.GeoDataFrame:
    """Repair invalid geometries with ``make_valid``, warn with their count; drop empty ones (or, with
    ``keep_empty``, keep them as empty geometries and leave the warnings to the caller, with the
    repaired rows in ``attrs["repaired_rows"]``)."""
    geoms = gdf.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    invalid = ~missing & ~shapely.is_valid(geoms)
    out = gdf
    if invalid.any():
        if not keep_empty:
            log.warning("%s: %d ongeldige geometrieën in %s gerepareerd (make_valid)", path, int(invalid.sum()), what)
        out = gdf.copy()
        fixed = geoms.copy()
        fixed[invalid] = shapely.make_valid(geoms[invalid])
        out[out.geometry.name] = fixed
    if keep_empty:  # the caller reports the repaired and the empty rows, e.g. only those of its own gemeente
        out.attrs["repaired_rows"] = list(gdf.index[invalid])
    if missing.any() and keep_empty:
        out = out.copy() if out is gdf else out
        fixed = out.geometry.to_numpy().copy()
        fixed[missing] = shapely.Polygon()
        out[out.geometry.name] = fixed
    elif missing.any():
        log.warning("%s: %d lege geometrieën in %s overgeslagen", path, int(missing.sum()), what)
        out = out.loc[~missing]
    return out


def ensure_crs(gdf: gpd.GeoDataFrame, *, name: str, crs: str = RD_NEW) -> gpd.GeoDataFrame:
    """Raise if ``gdf`` has no CRS; return it in ``crs`` (a copy when reprojected)."""
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise TypeError(f"{name!r} moet een GeoDataFrame zijn, kreeg {type(gdf).__name__}")
    if gdf.crs is None:
        raise NoCrsError(f"{name}: geen CRS; zet er een met .set_crs(...)")
    return gdf if gdf.crs == crs else gdf.to_crs(crs)


def check_points_near(
    points: gpd.GeoDataFrame,
    area: shapely.Geometry,
    *,
    path: str | Path,
    what: str,
    max_km: float,
    max_share: float,
) -> int:
    """Check that a point source lies around the study area.

    A source may cover more than the gemeente (a region's bus stops), but points thousands of
    kilometres away are broken data (latitude and longitude swapped, another CRS) that would
    silently drop voorzieningen from the answer.

    Parameters
    ----------
    points
        The source's points (any CRS; compared in EPSG:28992).
    area
        The study area in EPSG:28992.
    path, what
        The file and a Dutch description, for the message.
    max_km
        Points further than this from ``area`` are far.
    max_share
        More than this share of far points is an error; fewer are logged as a warning.

    Returns
    -------
    int
        The number of far points.

    Raises
    ------
    DataFileError
        When the share of far points is above ``max_share``.
    """
    if points is None or points.empty:
        return 0
    pts = points.geometry.to_crs(RD_NEW) if points.crs is not None else points.geometry
    near = shapely.from_wkb(shapely.to_wkb(area))  # a prepared copy: the caller's area stays as it is
    shapely.prepare(near)
    far = ~shapely.dwithin(near, pts.to_numpy(), max_km * 1000.0)  # empty or broken geometry counts as far
    n_far = int(far.sum())
    if n_far and n_far / len(points) > max_share:
        d = pts.distance(area).to_numpy() / 1000.0
        raise DataFileError(
            path,
            f"{n_far} van de {len(points)} punten van {what} liggen meer dan {fmt.compact(max_km, unit=' km')} van "
            f"de gemeente (mediaan {fmt.number(np.nanmedian(d), unit=' km')})",
            fix="controleer de coördinaten (zijn lengte- en breedtegraad verwisseld?) en het CRS",
        )
    if n_far:
        log.warning(
            "%s: %d van de %d punten van %s liggen meer dan %g km van de gemeente (buiten het "
            "studiegebied, ze tellen niet mee)",
            path,
            n_far,
            len(points),
            what,
            max_km,
        )
    return n_far


def read_polygons(path: str | Path, *, what: str, option: str) -> gpd.GeoDataFrame:
    """Read a planner's polygon layer (``--kavels``) with every check before any work; in EPSG:28992.

    Refused with a message naming ``option``, the file and the fix: a missing path, a folder, a
    file GDAL cannot read, a table without geometry (a CSV), a layer without CRS or without rows,
    and geometries that are not polygons (points or lines have no area to score).

    Raises
    ------
    MissingDataError, DataFileError, NoCrsError
    """
    path = require_file(path, what=what)
    if path.is_dir():
        raise DataFileError(
            path,
            f"{option} wijst naar een map, niet naar een bestand",
            fix=f"geef het bestand met de {what} op, bijv. {option} kavels.gpkg",
        )
    gdf = read_vector(path, what=f"{what} ({option})", to_crs=None)
    return check_polygons(gdf, path=path, what=what, option=option)


def check_polygons(gdf: gpd.GeoDataFrame, *, path: str | Path, what: str, option: str) -> gpd.GeoDataFrame:
    """``gdf`` in EPSG:28992 when every geometry is a (multi)polygon; else a :class:`DataFileError`."""
    kinds = sorted({str(t) for t in gdf.geom_type.dropna().unique()} - {"Polygon", "MultiPolygon"})
    if kinds:
        raise DataFileError(
            path,
            f"{option}: de {what} moeten vlakken zijn, maar het bestand bevat {', '.join(kinds)}",
            field="geometry",
            fix="lever de kavels als vlakken (Polygon of MultiPolygon), bijv. een export van de percelen uit QGIS",
        )
    return gdf if gdf.crs == RD_NEW else gdf.to_crs(RD_NEW)


def check_polygons_in_area(
    gdf: gpd.GeoDataFrame, area: gpd.GeoDataFrame, *, path: str | Path, what: str, option: str, naam: str
) -> None:
    """Refuse a polygon layer none of whose features lies in ``area`` (the gemeente); warn for some outside.

    Raises
    ------
    DataFileError
        When no feature intersects ``area``: another place, or coordinates in another CRS.
    """
    region = area.to_crs(RD_NEW).union_all()
    inside = shapely.intersects(gdf.to_crs(RD_NEW).geometry.to_numpy(), region)
    if not inside.any():
        x0, y0, x1, y1 = gdf.to_crs(WGS84).total_bounds
        raise DataFileError(
            path,
            f"{option}: geen van de {len(gdf)} {what} ligt in de gemeente {naam} (ze liggen bij lengte "
            f"{fmt.number(x0, 3)} … {fmt.number(x1, 3)}, breedte {fmt.number(y0, 3)} … {fmt.number(y1, 3)})",
            fix=f"lever {what} binnen de gemeente {naam} aan, en controleer het coördinatenstelsel (CRS) van het "
            "bestand",
        )
    if not inside.all():
        log.warning(
            "%s: %d van de %d %s liggen buiten de gemeente %s", path, int((~inside).sum()), len(gdf), what, naam
        )
