"""OSM data for one area, whatever the source: vector tiles, GeoJSON extracts, PBF/XML or Overpass."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from woonzorg_geo import RD_NEW
from woonzorg_geo.core.validate import read_vector

log = logging.getLogger(__name__)

#: Columns of :attr:`OSMData.lines`, in OpenMapTiles terms whatever the source.
LINE_COLUMNS = ("class", "subclass", "name", "brunnel", "oneway", "service")
#: Columns every :attr:`OSMData.pois` frame has; raw-OSM frames add one column per OSM key.
POI_COLUMNS = ("class", "subclass", "name")
#: Columns of :attr:`OSMData.addresses`; ``street`` and ``postcode`` may be all missing.
ADDRESS_COLUMNS = ("housenumber", "street", "postcode")


@dataclass(frozen=True)
class OSMData:
    """The OSM layers the package uses, all in EPSG:28992.

    Attributes
    ----------
    lines
        Transport lines with ``class``, ``subclass`` (OpenMapTiles schema: ``class`` path/minor/…,
        ``subclass`` footway/cycleway/steps/residential/…), ``name``, ``brunnel``, ``oneway``,
        ``service``.
    pois
        Points of interest with ``class``, ``subclass``, ``name``; frames from raw OSM also carry one
        column per OSM key (``amenity``, ``shop``, ``healthcare``, …) for the category rules.
    addresses
        Address points with ``housenumber`` and, where the source has them, ``street`` and ``postcode``.
    source
        Human-readable description of where the data came from.
    schema
        ``"openmaptiles"`` or ``"osm"`` (raw tags).
    extra
        Optional further layers (``building``, ``landuse``, ``water``).
    """

    lines: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    addresses: gpd.GeoDataFrame
    source: str
    schema: str = "openmaptiles"
    extra: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)


def _with_columns(gdf: gpd.GeoDataFrame, columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    gdf = gdf.copy()
    for col in columns:
        if col not in gdf.columns:
            gdf[col] = None
    return gdf


def from_tiles(
    tile_dir: str | Path,
    *,
    bbox_lonlat: tuple[float, float, float, float] | None = None,
    extra_layers: tuple[str, ...] = (),
    progress: bool = False,
    cache_dir: str | Path | None = None,
) -> OSMData:
    """Read OSM from OpenMapTiles vector tiles (see :func:`.osm_tiles.read_tiles`)."""
    from woonzorg_geo.sources.osm_tiles import read_tiles

    layers = read_tiles(
        tile_dir,
        layers=("transportation", "poi", "housenumber", *extra_layers),
        bbox_lonlat=bbox_lonlat,
        progress=progress,
        cache_dir=cache_dir,
    )
    return OSMData(
        lines=_with_columns(layers.pop("transportation"), LINE_COLUMNS),
        pois=_with_columns(layers.pop("poi"), POI_COLUMNS),
        addresses=_with_columns(layers.pop("housenumber"), ADDRESS_COLUMNS),
        source=f"OpenMapTiles vector tiles {tile_dir}",
        extra=layers,
    )


def from_geojson_extracts(folder: str | Path, *, prefix: str = "assen_osm2021") -> OSMData:
    """Read the GeoJSON extracts (``{prefix}_transportation/poi/housenumber.geojson``)."""
    folder = Path(folder)
    lines = read_vector(
        folder / f"{prefix}_transportation.geojson", what="OSM-wegen (transportation)", columns=["class"]
    )
    pois = read_vector(folder / f"{prefix}_poi.geojson", what="OSM-voorzieningen (poi)")
    addresses = read_vector(folder / f"{prefix}_housenumber.geojson", what="OSM-adrespunten", columns=["housenumber"])
    return OSMData(
        lines=_with_columns(lines, LINE_COLUMNS),
        pois=_with_columns(pois, POI_COLUMNS),
        addresses=_with_columns(addresses, ADDRESS_COLUMNS),
        source=f"OpenMapTiles GeoJSON extracts {folder}",
    )


def clip(data: OSMData, area: gpd.GeoDataFrame, *, buffer_m: float = 0.0) -> OSMData:
    """Keep the features that intersect ``area`` (buffered by ``buffer_m``)."""
    shape = area.to_crs(RD_NEW).union_all()
    if buffer_m:
        shape = shape.buffer(buffer_m)

    def _clip(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if gdf.empty:
            return gdf
        idx = gdf.sindex.query(shape, predicate="intersects")
        return gdf.iloc[sorted(idx)]

    return OSMData(
        lines=_clip(data.lines),
        pois=_clip(data.pois),
        addresses=_clip(data.addresses),
        source=data.source,
        schema=data.schema,
        extra={k: _clip(v) for k, v in data.extra.items()},
    )


def named_places(places: gpd.GeoDataFrame, classes: Sequence[str] = ()) -> gpd.GeoDataFrame:
    """The named places of an OpenMapTiles ``place`` layer (of ``classes``; empty: every class), in EPSG:28992."""
    if places.empty or "name" not in places:
        return gpd.GeoDataFrame({"name": [], "class": []}, geometry=[], crs=RD_NEW)
    keep = places["name"].notna() & (places["name"].astype(str).str.strip() != "")
    if classes and "class" in places:
        keep &= places["class"].isin(list(classes))
    out = places.loc[keep, ["name", "class", "geometry"]].copy()
    out["name"] = out["name"].astype(str).str.strip()
    return gpd.GeoDataFrame(out.drop_duplicates(subset=["name", "class"]), geometry="geometry", crs=RD_NEW)


def read_osm_places(tile_dir: Path, classes: Sequence[str]) -> gpd.GeoDataFrame:
    """Named OSM places (OpenMapTiles ``place`` layer) of all the tiles, in EPSG:28992 (through the tile cache).

    A run keeps the places of its own tiles (:attr:`.sources.datasets.Inputs.osm_places`, read with the
    other layers); this reads them when no run is at hand (``toets`` without a store).
    """
    from woonzorg_geo.sources.osm_tiles import read_tiles

    return named_places(read_tiles(tile_dir, layers=("place",))["place"], classes)
