"""Surface layers: the walking areas within the norm and the accessibility surfaces (GeoTIFF)."""

from __future__ import annotations

import base64
import logging
import math
import struct
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from woonzorg_geo import RD_NEW, WEB_MERCATOR, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import DataFileError, MissingDataError
from woonzorg_geo.core.escaping import html_text
from woonzorg_geo.core.palette import Classes, rgb
from woonzorg_geo.core.vocabulary import default_vocabulary
from woonzorg_geo.outputs.maps.base import add_legend, remember_layer
from woonzorg_geo.outputs.maps.captions import destination
from woonzorg_geo.outputs.maps.geometry import feature_collection, require_columns, to_metric, to_wgs84
from woonzorg_geo.outputs.maps.style import DISTANCE_CLASSES, category, ordered_categories

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    import folium

    from woonzorg_geo.network.raster import Grid

log = logging.getLogger(__name__)


def add_service_areas(
    m: folium.Map,
    areas: gpd.GeoDataFrame,
    *,
    categories: Sequence[str] | None = None,
    show: bool | Iterable[str] = False,
    radius_m: float | None = None,
    simplify_m: float = 5.0,
    opacity: float = 0.3,
    legend_subtitles: Mapping[str, str] | None = None,
) -> folium.Map:
    """Add walking areas (within the norm of a voorziening), merged into one layer per category.

    ``areas`` is the ``servicegebieden`` layer (``categorie``, optional ``straal_m``), in any
    CRS; pass one profile's rows. Layer names read ``Loopgebied <straal> m: Huisarts``. With
    ``legend_subtitles`` (category → for whom and from which data, see :mod:`.captions`) each
    layer carries a legend while it is on: ``Binnen 800 m lopen naar de dichtstbijzijnde huisarts``.
    """
    import folium

    require_columns(areas, ["categorie"], "add_service_areas: servicegebieden")
    metric = to_metric(areas, "add_service_areas: servicegebieden")
    if radius_m is None and "straal_m" in metric and metric["straal_m"].notna().any():
        radius_m = float(metric["straal_m"].dropna().iloc[0])
    radius_txt = f"{fmt.number(radius_m)} m" if radius_m else "norm"
    cats = ordered_categories(metric["categorie"].dropna().astype(str)) if categories is None else list(categories)
    for cat in cats:
        sub = metric[metric["categorie"] == cat]
        if sub.empty:
            continue
        sym = category(cat)
        shape = shapely.union_all(shapely.make_valid(sub.geometry.values)).simplify(simplify_m)
        geo = to_wgs84(gpd.GeoDataFrame(geometry=[shape], crs=RD_NEW), "servicegebied")
        if geo.empty:
            continue
        tip = f"Binnen {radius_txt} lopen van een {default_vocabulary().noun(cat)}"
        legend_title = f"Binnen {radius_txt} lopen naar {destination(default_vocabulary(), cat)}"
        data = feature_collection(geo.geometry.values, [{"tip": html_text(tip)}])
        style = {"color": sym.colour, "weight": 1, "fillColor": sym.colour, "fillOpacity": opacity}
        on = show if isinstance(show, bool) else cat in set(show)
        layer = folium.GeoJson(
            data,
            name=html_text(f"Loopgebied {radius_txt}: {sym.label}"),
            show=on,
            style_function=lambda f, s=style: s,
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        )
        layer.add_to(m)
        remember_layer(m, layer)
        if legend_subtitles is not None:
            swatch = f"rgba({','.join(str(v) for v in rgb(sym.colour))},{opacity})"
            add_legend(
                m,
                legend_title,
                [(swatch, f"{sym.label}: loopgebied")],
                layers=[layer],
                subtitle=legend_subtitles.get(cat, ""),
            )
    return m


@dataclass
class SurfaceImage:
    """A classified surface warped to Web Mercator: RGBA pixels and their exact lat/lon bounds."""

    rgba: np.ndarray  # (rows, cols, 4) uint8, row 0 = north
    bounds: list[list[float]]  # [[south, west], [north, east]]
    transform: Any  # affine.Affine in EPSG:3857
    values: np.ndarray = field(repr=False)  # the warped distances (NaN = no data)


@dataclass(frozen=True)
class SurfaceBand:
    """A surface held in memory: the distances (float32, NaN = no data) on their grid.

    What a ``bereikbaarheid_<categorie>_<profiel>.tif`` holds, before it is written: a map drawn
    while the run writes its files (see :func:`.outputs.maps.build.render_maps`) reads this instead.
    """

    array: np.ndarray
    grid: Grid


def surface_image(
    source: str | Path | SurfaceBand, *, classes: Classes = DISTANCE_CLASSES, max_pixels: int = 4_000_000
) -> SurfaceImage:
    """Read a surface GeoTIFF (or take a :class:`SurfaceBand`), warp it to EPSG:3857 (nearest cell) and colour it by ``classes``.

    Leaflet draws in Web Mercator, so an image in EPSG:3857 stretched over the lat/lon of its
    corners lands exactly on its cells. Empty cells (and rows/columns of them at the edges) are
    transparent / cropped. A band and the GeoTIFF written from it give the same image.
    """
    import rasterio
    from affine import Affine
    from pyproj import Transformer
    from rasterio.crs import CRS
    from rasterio.transform import array_bounds
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    if isinstance(source, SurfaceBand):
        g = source.grid
        arr = np.asarray(source.array, dtype=np.float32)  # as write_geotiff stores it
        src_crs, src_transform = CRS.from_user_input(g.crs), g.transform
        src_width, src_height = g.width, g.height
        src_bounds = tuple(array_bounds(g.height, g.width, src_transform))  # west, south, east, north
    else:
        path = Path(source)
        if not path.is_file():
            raise MissingDataError(path, "draai eerst `woonzorg-geo analyse` (schrijft de bereikbaarheid_*.tif)")
        with rasterio.open(path) as src:
            if src.crs is None:
                raise DataFileError(
                    path,
                    "GeoTIFF zonder coördinatenstelsel",
                    field="crs",
                    fix="schrijf het raster opnieuw met een CRS (EPSG:28992)",
                )
            arr = src.read(1).astype(np.float32)
            if src.nodata is not None and not np.isnan(src.nodata):
                arr[arr == src.nodata] = np.nan
            src_crs, src_transform = src.crs, src.transform
            src_width, src_height, src_bounds = src.width, src.height, tuple(src.bounds)
    transform, width, height = calculate_default_transform(src_crs, WEB_MERCATOR, src_width, src_height, *src_bounds)
    if width * height > max_pixels:
        res = abs(transform.a) * math.sqrt(width * height / max_pixels)
        transform, width, height = calculate_default_transform(
            src_crs, WEB_MERCATOR, src_width, src_height, *src_bounds, resolution=res
        )
    dst = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        arr,
        dst,
        src_transform=src_transform,
        src_crs=src_crs,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        src_nodata=np.nan,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    ok = np.isfinite(dst)
    if ok.any():  # crop empty edges
        rows, cols = np.flatnonzero(ok.any(axis=1)), np.flatnonzero(ok.any(axis=0))
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        dst = dst[r0:r1, c0:c1]
        transform = transform @ Affine.translation(c0, r0)
    h, w = dst.shape
    idx = classes.index(dst).reshape(h, w)
    palette = np.array([rgb(c) + (255,) for c in classes.colours] + [(0, 0, 0, 0)], dtype=np.uint8)
    rgba = palette[np.where(idx < 0, len(classes.colours), idx)]
    left, top = transform.c, transform.f
    right, bottom = left + w * transform.a, top + h * transform.e
    to_ll = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True)
    west, south = to_ll.transform(left, bottom)
    east, north = to_ll.transform(right, top)
    return SurfaceImage(rgba, [[south, west], [north, east]], transform, dst)


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack("!I", len(data)) + tag + data + struct.pack("!I", zlib.crc32(tag + data) & 0xFFFFFFFF)


def png_bytes(rgba: np.ndarray) -> bytes:
    """A PNG of an RGBA image (``(rows, cols, 4)`` uint8, row 0 at the top).

    A classified surface has a handful of colours: it is written as an indexed PNG (a palette with
    its transparency): the same pixels as an RGBA PNG, smaller and in half the time; an image of
    more than 256 colours as RGBA (as :func:`branca.utilities.write_png`).
    """
    from branca.utilities import write_png

    pixels = np.ascontiguousarray(rgba, dtype=np.uint8)
    height, width = pixels.shape[:2]
    colours, index = np.unique(pixels.reshape(-1, 4).view(np.uint32).ravel(), return_inverse=True)
    if len(colours) > 256 or not len(colours):
        return bytes(write_png(pixels))
    palette = colours.view(np.uint8).reshape(-1, 4)
    rows = index.astype(np.uint8).reshape(height, width)
    raw = np.hstack([np.zeros((height, 1), np.uint8), rows]).tobytes()  # filter byte 0 before each row
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", struct.pack("!2I5B", width, height, 8, 3, 0, 0, 0)),
            _png_chunk(b"PLTE", palette[:, :3].tobytes()),
            _png_chunk(b"tRNS", palette[:, 3].tobytes()),
            _png_chunk(b"IDAT", zlib.compress(raw, 6)),  # level 9 takes ten times as long for 15 % less
            _png_chunk(b"IEND", b""),
        ]
    )


def add_surface(
    m: folium.Map,
    source: str | Path | SurfaceBand,
    *,
    label: str,
    classes: Classes = DISTANCE_CLASSES,
    legend_title: str | None = None,
    show: bool = False,
    opacity: float = 0.6,
    legend: bool = True,
    legend_subtitle: str = "",
) -> folium.Map:
    """Add an accessibility surface (GeoTIFF, metres) as a coloured image overlay with a legend.

    Parameters
    ----------
    m
        The map.
    source
        A ``bereikbaarheid_<categorie>_<profiel>.tif`` (any CRS; NaN = no data), or the same
        surface in memory (:class:`SurfaceBand`).
    label
        Dutch layer name (e.g. ``Loopafstand (vlak): Huisarts``).
    classes
        Distance classes (default: :data:`.style.DISTANCE_CLASSES`, steps of half the norm).
    legend_title
        Legend title (default: ``label``); the legend shows while the layer is on.
    show
        Whether the layer is on when the map opens.
    legend_subtitle
        For whom and from which data (see :mod:`.captions`).
    """
    import folium

    img = surface_image(source, classes=classes)
    url = "data:image/png;base64," + base64.b64encode(png_bytes(img.rgba)).decode("ascii")
    layer = folium.raster_layers.ImageOverlay(
        url,
        bounds=img.bounds,
        name=html_text(label),
        show=show,
        opacity=opacity,
        pixelated=True,
        interactive=False,
    )
    layer.add_to(m)
    remember_layer(m, layer)
    if legend:
        add_legend(m, legend_title or label, classes.items(missing=False), layers=[layer], subtitle=legend_subtitle)
    return m
