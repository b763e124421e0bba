"""Accessibility surfaces (GeoTIFF, 25 m cells) and service areas polygonised from them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from woonzorg_geo import RD_NEW
from woonzorg_geo.network.accessibility import Accessibility, shared_snap, via_nearer_end

if TYPE_CHECKING:
    from affine import Affine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Grid:
    """A north-up grid in EPSG:28992."""

    x0: float  # left edge
    y1: float  # top edge
    cell: float
    width: int
    height: int
    crs: str = RD_NEW

    @classmethod
    def covering(cls, bounds: tuple[float, float, float, float], cell: float) -> Grid:
        """A grid aligned to whole multiples of ``cell`` that covers ``bounds``."""
        x0 = float(np.floor(bounds[0] / cell) * cell)
        y0 = float(np.floor(bounds[1] / cell) * cell)
        x1 = float(np.ceil(bounds[2] / cell) * cell)
        y1 = float(np.ceil(bounds[3] / cell) * cell)
        return cls(x0, y1, float(cell), round((x1 - x0) / cell), round((y1 - y0) / cell))

    @property
    def transform(self) -> Affine:
        from rasterio.transform import from_origin

        transform: Affine = from_origin(self.x0, self.y1, self.cell, self.cell)
        return transform

    def centres(self) -> np.ndarray:
        """Cell centres, row by row from the top (height*width × 2)."""
        xs = self.x0 + (np.arange(self.width) + 0.5) * self.cell
        ys = self.y1 - (np.arange(self.height) + 0.5) * self.cell
        gx, gy = np.meshgrid(xs, ys)
        return np.column_stack([gx.ravel(), gy.ravel()])


@dataclass
class Surfaces:
    """Per category: distance and nearest-voorziening index per cell (NaN / -1 where empty)."""

    grid: Grid
    distance: dict[str, np.ndarray]
    nearest: dict[str, np.ndarray]
    profile: str


def compute_surfaces(acc: Accessibility, area: gpd.GeoDataFrame, *, cell_m: float, max_snap_m: float) -> Surfaces:
    """Walking distance from every cell centre inside ``area`` to each category.

    A cell centre is placed on the network like an address; cells outside the area, further than
    ``max_snap_m`` from the network or on an edge the profile may not use stay empty. The cells
    are snapped once for the profiles that share their snap edges (:func:`shared_snap`).
    """
    shape = area.to_crs(acc.routing.pg.net.crs).union_all()
    grid = Grid.covering(shape.bounds, cell_m)
    centres = grid.centres()
    inside = shapely.contains_xy(shape, centres[:, 0], centres[:, 1])
    idx = np.flatnonzero(inside)
    snap = shared_snap(acc.routing.pg, centres[idx])
    left, right, d_left, d_right = acc.routing.place(snap)
    near = snap.dist <= max_snap_m
    distance: dict[str, np.ndarray] = {}
    nearest: dict[str, np.ndarray] = {}
    for cat, res in acc.categories.items():
        d, via_left = via_nearer_end(snap.dist, d_left, d_right, res.node_dist[left], res.node_dist[right])
        src = np.where(via_left, res.node_source[left], res.node_source[right])
        ok = near & np.isfinite(d)
        full = np.full(grid.width * grid.height, np.nan, dtype=np.float32)
        full[idx[ok]] = d[ok]
        distance[cat] = full.reshape(grid.height, grid.width)
        src_full = np.full(grid.width * grid.height, -1, dtype=np.int32)
        src_full[idx[ok]] = src[ok]
        nearest[cat] = src_full.reshape(grid.height, grid.width)
    return Surfaces(grid=grid, distance=distance, nearest=nearest, profile=acc.profile)


def write_geotiff(path: str | Path, array: np.ndarray, grid: Grid, *, description: str) -> Path:
    """Write one float32 band (NaN = no data) as a compressed GeoTIFF in EPSG:28992."""
    import rasterio

    path = Path(path)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=grid.width,
        height=grid.height,
        count=1,
        dtype="float32",
        crs=grid.crs,
        transform=grid.transform,
        nodata=np.nan,
        compress="deflate",
        predictor=3,
        tiled=True,
        blockxsize=256,
        blockysize=256,
    ) as dst:
        dst.write(array.astype(np.float32), 1)
        dst.set_band_description(1, description)
        dst.update_tags(eenheid="meter", beschrijving=description)
    return path


def service_areas(surfaces: Surfaces, acc: Accessibility, *, radius_m: float) -> gpd.GeoDataFrame:
    """Per voorziening, the cells within ``radius_m`` walking for which it is the nearest.

    The union per category is the category's walking area (everything within ``radius_m`` of
    some voorziening of that category); each polygon is one voorziening's share of it.
    """
    from rasterio.features import shapes

    rows = []
    for cat, dist in surfaces.distance.items():
        src = surfaces.nearest[cat].copy()
        src[~(np.nan_to_num(dist, nan=np.inf) <= radius_m)] = -1
        if (src < 0).all():
            continue
        for geom, value in shapes(src, mask=src >= 0, transform=surfaces.grid.transform):
            rows.append({"categorie": cat, "_src": int(value), "geometry": shapely.geometry.shape(geom)})
    if not rows:
        return gpd.GeoDataFrame({"categorie": [], "vz_id": [], "straal_m": []}, geometry=[], crs=surfaces.grid.crs)
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=surfaces.grid.crs)
    frame = frame.dissolve(by=["categorie", "_src"], as_index=False)
    frame["vz_id"] = acc.dest_ids[frame["_src"].to_numpy()]
    frame["straal_m"] = radius_m
    frame["profiel"] = surfaces.profile
    frame["oppervlak_ha"] = frame.area / 1e4
    return frame.drop(columns="_src")[["categorie", "vz_id", "profiel", "straal_m", "oppervlak_ha", "geometry"]]


def summarise_surface(array: np.ndarray, *, norm_m: float) -> dict[str, float]:
    """Share of the filled cells within the norm and their median distance."""
    vals = array[np.isfinite(array)]
    if not len(vals):
        return {"cellen": 0, "pct_binnen_norm": float("nan"), "mediaan_m": float("nan")}
    return {
        "cellen": len(vals),
        "pct_binnen_norm": float(100 * (vals <= norm_m).mean()),
        "mediaan_m": float(np.median(vals)),
    }
