"""OSM from OpenMapTiles vector tiles (Mapbox Vector Tile, z/x/y.pbf), decoded with GDAL's MVT driver."""

from __future__ import annotations

import functools
import logging
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from woonzorg_geo import RD_NEW, WEB_MERCATOR
from woonzorg_geo.core.errors import DataFileError, MissingDataError
from woonzorg_geo.core.progress import progress_bar
from woonzorg_geo.sources.tile_cache import (
    DECODER_VERSION,
    DamagedEntry,
    default_cache_dir,
    entry_path,
    read_entry,
    tile_digest,
    write_entry,
)

log = logging.getLogger(__name__)

#: Half the width of the Web Mercator world (m): tile ``(x, y)`` at zoom ``z`` spans ``2 * HALF_WORLD / 2**z``.
HALF_WORLD = 20037508.342789244
_TILE_RE = re.compile(r"(\d+)[/\\](\d+)[/\\](\d+)\.pbf$")

#: Layers read by default and the columns kept from each.
LAYER_COLUMNS: dict[str, tuple[str, ...]] = {
    "transportation": ("class", "brunnel", "oneway", "service", "ramp"),
    "transportation_name": ("class", "subclass", "name:latin", "network", "ref"),
    "poi": ("class", "subclass", "name:latin", "rank"),
    "housenumber": ("housenumber",),
    "building": (),
    "landuse": ("class",),
    "landcover": ("class", "subclass"),
    "park": ("class",),
    "water": ("class",),
    "place": ("class", "name:latin"),
}


@dataclass(frozen=True)
class TileId:
    """One XYZ tile."""

    z: int
    x: int
    y: int

    def bounds_3857(self) -> tuple[float, float, float, float]:
        """Bounds of the tile in EPSG:3857 metres (xmin, ymin, xmax, ymax)."""
        size = 2 * HALF_WORLD / 2**self.z
        return (
            -HALF_WORLD + self.x * size,
            HALF_WORLD - (self.y + 1) * size,
            -HALF_WORLD + (self.x + 1) * size,
            HALF_WORLD - self.y * size,
        )

    def __str__(self) -> str:
        return f"{self.z}/{self.x}/{self.y}"


def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """XYZ tile indices that contain a WGS84 point."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return x, y


def list_tiles(
    tile_dir: str | Path, *, zoom: int = 14, bbox_lonlat: tuple[float, float, float, float] | None = None
) -> list[tuple[TileId, Path]]:
    """List the tiles in ``tile_dir/{zoom}/{x}/{y}.pbf``, optionally only those touching a bbox."""
    tile_dir = Path(tile_dir)
    if not (tile_dir / str(zoom)).is_dir():
        raise MissingDataError(tile_dir / str(zoom), f"verwacht vector tiles als {tile_dir}/{zoom}/x/y.pbf")
    tiles = []
    for path in sorted((tile_dir / str(zoom)).glob("*/*.pbf")):
        m = _TILE_RE.search(path.as_posix())
        if m:
            tiles.append((TileId(int(m[1]), int(m[2]), int(m[3])), path))
    if bbox_lonlat is not None:
        x0, y1 = lonlat_to_tile(bbox_lonlat[0], bbox_lonlat[1], zoom)
        x1, y0 = lonlat_to_tile(bbox_lonlat[2], bbox_lonlat[3], zoom)
        tiles = [(t, p) for t, p in tiles if x0 <= t.x <= x1 and y0 <= t.y <= y1]
    if not tiles:
        raise DataFileError(tile_dir, "geen vector tiles gevonden (in het gebied)", fix="controleer de map")
    return tiles


def _lines_only(geoms: np.ndarray) -> np.ndarray:
    """Reduce geometries to (Multi)LineStrings; single-part multis become plain lines; the rest ``None``.

    Vectorised: the line parts of the multi-lines and collections are gathered with their index
    and rebuilt with :func:`shapely.multilinestrings`, in their order.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = np.full(len(geoms), None, dtype=object)
    types = shapely.get_type_id(geoms)
    plain = (types == 1) & ~shapely.is_empty(geoms)
    out[plain] = geoms[plain]
    multi = np.flatnonzero(np.isin(types, (5, 7)))  # multi-lines and collections: part by part
    if len(multi):
        parts, owner = shapely.get_parts(geoms[multi], return_index=True)
        keep = (shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)
        parts, owner = parts[keep], owner[keep]
        counts = np.bincount(owner, minlength=len(multi))
        single = counts == 1
        first = np.searchsorted(owner, np.arange(len(multi)))
        out[multi[single]] = parts[first[single]]
        several = counts > 1
        if several.any():
            sel = several[owner]
            dense = np.cumsum(several) - 1  # the owners with several parts, numbered 0..k-1
            out[multi[several]] = shapely.multilinestrings(parts[sel], indices=dense[owner[sel]])
    return out


def _single_parts(geoms: np.ndarray) -> np.ndarray:
    """Single-part MultiX become their one part (GDAL promotes some layers to Multi)."""
    geoms = np.asarray(geoms, dtype=object).copy()
    multi = np.isin(shapely.get_type_id(geoms), (4, 5, 6)) & (shapely.get_num_geometries(geoms) == 1)
    if multi.any():
        geoms[multi] = shapely.get_geometry(geoms[multi], 0)
    return geoms


def _tile_layers(path: Path) -> set[str]:
    import pyogrio  # here, not at the top: GDAL costs 40 MB that the toets and watals do not need

    try:
        return {name for name, _ in pyogrio.list_layers(path)}
    except Exception as exc:
        raise DataFileError(
            path, f"vector tile is onleesbaar ({exc})", fix="vervang de tile door een geldig MVT-bestand"
        ) from exc


def _read_layer(
    path: Path, layer: str, layers: set[str] | None = None
) -> tuple[dict[str, np.ndarray], np.ndarray] | None:
    """The fields (name -> array, as pyogrio reads them) and the WKB geometries (EPSG:3857) of one layer of a tile.

    Read with pyogrio's raw reader and kept as arrays: a frame per layer and tile costs more than
    the decoding.
    """
    if layers is None:
        layers = _tile_layers(path)
    if layer not in layers:
        return None
    import pyogrio

    try:
        # METADATA_FILE='' : read every field present in the tile, not only those in metadata.json
        meta, _, wkb, field_data = pyogrio.raw.read(path, layer=layer, METADATA_FILE="", CLIP="YES")
    except Exception as exc:
        raise DataFileError(path, f"laag {layer} is onleesbaar ({exc})", field=layer) from exc
    fields = dict(zip(meta["fields"].tolist(), field_data, strict=True))
    return fields, np.asarray(wkb, dtype=object)


def _rd_wkb(geoms: np.ndarray) -> pa.Array:
    """Geometries in EPSG:3857 as WKB in EPSG:28992 (projected once, when the tile is decoded)."""
    projected = gpd.array.from_shapely(geoms, crs=WEB_MERCATOR).to_crs(RD_NEW)
    return pa.array(shapely.to_wkb(np.asarray(projected)), pa.binary())


def _column(values: np.ndarray | None, n: int) -> pa.Array:
    """An Arrow column from a pyogrio field (text: ``None`` is null; numbers: NaN stays NaN) or all-null."""
    if values is None:
        return pa.nulls(n)
    if values.dtype == object:
        return pa.array(values, from_pandas=True)
    return pa.array(values)


def _table(columns: dict[str, pa.Array], tile: TileId, *, tile_before_geometry: bool) -> pa.Table:
    n = len(columns["geometry"])
    tile_col = pa.array(np.full(n, str(tile), dtype=object), pa.string())
    geometry = columns.pop("geometry")
    ordered = {**columns, "tile": tile_col, "geometry": geometry}
    if not tile_before_geometry:
        ordered = {**columns, "geometry": geometry, "tile": tile_col}
    return pa.table(ordered)


def _name_lookup(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each of ``wanted``, the index of the last equal item of ``keys`` (``-1``: none); vectorised."""
    index = pd.Index(keys)
    last = ~index.duplicated(keep="last")
    positions = np.flatnonzero(last)
    found = pd.Index(keys[last]).get_indexer(wanted)
    return np.where(found >= 0, positions[np.maximum(found, 0)], -1)


def _transportation(path: Path, tile: TileId, layers: set[str] | None = None) -> pa.Table | None:
    """Transportation lines of one tile with names joined from transportation_name."""
    read = _read_layer(path, "transportation", layers)
    if read is None or len(read[1]) == 0:
        return None
    fields, wkb = read
    geoms = _lines_only(shapely.from_wkb(wkb))
    keep = pd.notna(geoms)
    geoms = geoms[keep]
    n = len(geoms)
    line_wkb = shapely.to_wkb(geoms)
    cols: dict[str, pa.Array] = {
        col: _column(fields[col][keep] if col in fields else None, n) for col in LAYER_COLUMNS["transportation"]
    }
    joined = {dst: np.full(n, None, dtype=object) for dst in ("subclass", "name", "network")}
    read = _read_layer(path, "transportation_name", layers)
    if read is not None and len(read[1]):
        names, name_wkb = read
        key = shapely.to_wkb(_single_parts(shapely.from_wkb(name_wkb)))
        idx = _name_lookup(np.asarray(key, dtype=object), np.asarray(line_wkb, dtype=object))
        hit = idx >= 0
        for src, dst in (("subclass", "subclass"), ("name:latin", "name"), ("network", "network")):
            if src in names:
                joined[dst][hit] = np.asarray(names[src], dtype=object)[idx[hit]]
    for dst, values in joined.items():
        cols[dst] = _column(values, n)
    cols["geometry"] = _rd_wkb(geoms)
    return _table(cols, tile, tile_before_geometry=True)


def _points(path: Path, tile: TileId, layer: str, layers: set[str] | None = None) -> pa.Table | None:
    read = _read_layer(path, layer, layers)
    if read is None or len(read[1]) == 0:
        return None
    fields, wkb = read
    cols = {
        ("name" if c == "name:latin" else c): _column(fields[c], len(wkb))
        for c in LAYER_COLUMNS.get(layer, ())
        if c in fields
    }
    cols["geometry"] = _rd_wkb(_single_parts(shapely.from_wkb(wkb)))
    return _table(cols, tile, tile_before_geometry=False)


def decode_tile(path: Path, tile: TileId, layers: Iterable[str]) -> dict[str, pa.Table | None]:
    """Decode the ``layers`` of one tile into Arrow tables (WKB geometry in EPSG:28992); a missing layer is ``None``.

    The fields are kept as arrays and the geometries built with shapely's array functions; the
    frames are made once per layer for all tiles (see :func:`read_tiles`).
    """
    present = _tile_layers(path)
    return {
        layer: _transportation(path, tile, present)
        if layer == "transportation"
        else _points(path, tile, layer, present)
        for layer in layers
    }


#: Version of the decoded-tile cache (see :mod:`.tile_cache`); entries of another version are unused.
CACHE_VERSION = DECODER_VERSION


def _decode_cached(
    path: Path, tile: TileId, layers: tuple[str, ...], cache_dir: Path, *, load: bool = True
) -> tuple[dict[str, pa.Table | None], bool]:
    """The decoded layers of a tile from ``cache_dir``, decoding (and storing) what is not there.

    Returns the layers (with ``load=False`` only those decoded now) and whether anything had to
    be decoded. A damaged entry is decoded again, with a warning, and replaced.
    """
    digest = tile_digest(path)
    name = str(tile)
    targets = {
        layer: entry_path(cache_dir, z=tile.z, x=tile.x, y=tile.y, digest=digest, layer=layer) for layer in layers
    }
    out: dict[str, pa.Table | None] = {}
    todo = []
    for layer, target in targets.items():
        if not load:
            if not target.exists():
                todo.append(layer)
            continue
        try:
            out[layer] = read_entry(target, tile=name, layer=layer)
        except FileNotFoundError:
            todo.append(layer)
        except DamagedEntry as exc:
            log.warning("tegelcache: %s is beschadigd (%s); de tile wordt opnieuw gedecodeerd", target, exc)
            todo.append(layer)
    if todo:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for layer, table in decode_tile(path, tile, todo).items():
            out[layer] = table
            write_entry(targets[layer], table, tile=name, layer=layer)
    return out, bool(todo)


def fill_tile_cache(
    tiles: Iterable[tuple[TileId, Path]],
    cache_dir: str | Path,
    *,
    layers: Iterable[str] = ("transportation", "poi", "housenumber"),
) -> dict[str, int]:
    """Decode every tile of ``tiles`` into ``cache_dir`` that is not there yet.

    Returns the number of tiles ``gedecodeerd`` (decoded now), ``uit_cache`` (already there) and
    ``leeg`` (0-byte files). Several processes may fill one cache at once.
    """
    cache_dir = Path(cache_dir)
    layers = tuple(layers)
    counts = {"gedecodeerd": 0, "uit_cache": 0, "leeg": 0}
    for tile, path in tiles:
        if path.stat().st_size == 0:
            counts["leeg"] += 1
            continue
        _, fresh = _decode_cached(path, tile, layers, cache_dir, load=False)
        counts["gedecodeerd" if fresh else "uit_cache"] += 1
    return counts


#: Below this many tiles to decode, :func:`read_tiles` decodes them in its own process (a child's
#: start and the second read from the cache cost more than half of their decoding).
BESIDE_MIN_TILES = 24


def missing_tiles(
    tiles: Iterable[tuple[TileId, Path]], cache_dir: Path, *, layers: tuple[str, ...]
) -> list[tuple[TileId, Path]]:
    """The tiles of ``tiles`` (not empty) of which some layer is not in ``cache_dir`` yet."""
    out = []
    for tile, path in tiles:
        if path.stat().st_size == 0:
            continue
        digest = tile_digest(path)
        if not all(
            entry_path(cache_dir, z=tile.z, x=tile.x, y=tile.y, digest=digest, layer=layer).exists() for layer in layers
        ):
            out.append((tile, path))
    return out


def fill_beside(
    tiles: Sequence[tuple[TileId, Path]], cache_dir: Path, *, layers: tuple[str, ...], processes: int | None = None
) -> int:
    """Decode ``tiles`` into ``cache_dir`` on ``processes`` cores (default: all): forked children and this process.

    Each child fills the cache with its share (:func:`fill_tile_cache`) while this process does
    its own; a child that cannot start or fails leaves its share to this process (see
    :class:`woonzorg_geo.core.beside.Beside`), so the cache ends up the same either way. Returns
    the number of tiles decoded.
    """
    from woonzorg_geo.core.beside import Beside

    n = max(1, min(processes or os.cpu_count() or 1, len(tiles)))
    shares = [list(tiles[i::n]) for i in range(n)]
    jobs = [
        Beside.start(functools.partial(fill_tile_cache, share, cache_dir, layers=layers), name="tiles decoderen")
        for share in shares[1:]
    ]
    try:
        counts = [fill_tile_cache(shares[0], cache_dir, layers=layers)]
        counts += [job.result() for job in jobs]  # a failed child's share is decoded here, raising its error
    except BaseException:
        for job in jobs:  # no child left decoding after an error (a finished one is left alone)
            job.cancel()
        raise
    return sum(c["gedecodeerd"] for c in counts)


def _frame(tables: list[pa.Table]) -> gpd.GeoDataFrame:
    """One GeoDataFrame (EPSG:28992) from the per-tile tables of a layer: built once, geometry from WKB at once."""
    if not tables:
        return gpd.GeoDataFrame({"tile": []}, geometry=[], crs=RD_NEW)
    table = pa.concat_tables(tables, promote_options="permissive")
    geometry = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
    frame = table.drop_columns(["geometry"]).to_pandas()
    for col in frame.columns:  # text as pyogrio gives it: objects, None where missing
        if isinstance(frame[col].dtype, pd.StringDtype) or frame[col].dtype == object:
            values = frame[col].to_numpy(dtype=object, na_value=None)
            frame[col] = pd.Series(values, index=frame.index, dtype=object)
    frame.insert(table.column_names.index("geometry"), "geometry", gpd.array.from_shapely(geometry, crs=RD_NEW))
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=RD_NEW)


def _usable_cache(cache_dir: str | Path | None) -> Path | None:
    """``cache_dir`` (or the default, :func:`.tile_cache.default_cache_dir`) when it can be written; else None."""
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    if folder is None:
        return None
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("tegelcache %s is niet te maken (%s): de tiles worden zonder cache gedecodeerd", folder, exc)
        return None
    return folder


def read_tiles(
    tile_dir: str | Path,
    *,
    layers: Iterable[str] = ("transportation", "poi", "housenumber"),
    zoom: int = 14,
    bbox_lonlat: tuple[float, float, float, float] | None = None,
    progress: bool = False,
    cache_dir: str | Path | None = None,
    use_cache: bool = True,
) -> dict[str, gpd.GeoDataFrame]:
    """Decode OpenMapTiles vector tiles into GeoDataFrames in EPSG:28992.

    Every feature is clipped to its own tile, so the tile buffer makes no duplicates; lines that
    cross a tile edge come back as two parts (the network step heals the seams).

    Parameters
    ----------
    tile_dir
        Folder holding ``{zoom}/{x}/{y}.pbf``.
    layers
        Layers to read: ``transportation`` (with names and subclasses joined from
        ``transportation_name``), ``poi``, ``housenumber``, ``building``, ``landuse``, ``landcover``, ``park``,
        ``water``, ``place``.
    zoom
        Zoom level to read.
    bbox_lonlat
        Only tiles that touch this (lon_min, lat_min, lon_max, lat_max).
    progress
        Show a progress bar.
    cache_dir
        The folder of decoded tiles (see :mod:`.tile_cache`; default
        :func:`.tile_cache.default_cache_dir`): each tile is decoded once and read from there by
        every later run, command or process, keyed by its position, content hash and the decoder
        version. The result is the same as without the cache.
    use_cache
        ``False`` decodes every tile and leaves the cache alone.

    Returns
    -------
    dict of str to GeoDataFrame
        One frame per layer, each with a ``tile`` column.
    """
    layers = tuple(layers)
    unknown = set(layers) - set(LAYER_COLUMNS)
    if unknown:
        raise ValueError(f"onbekende laag/lagen {sorted(unknown)}; kies uit {sorted(LAYER_COLUMNS)}")
    tiles = list_tiles(tile_dir, zoom=zoom, bbox_lonlat=bbox_lonlat)
    cache = _usable_cache(cache_dir) if use_cache else None
    parts: dict[str, list[pa.Table]] = {layer: [] for layer in layers}
    decoded = 0
    if cache is not None:  # a cold cache: its tiles decoded on every core first, then all read from it
        todo = missing_tiles(tiles, cache, layers=layers)
        if len(todo) >= BESIDE_MIN_TILES:
            decoded = fill_beside(todo, cache, layers=layers)
    for tile, path in progress_bar(tiles, show=progress, desc="Vector tiles lezen", unit="tile"):
        if path.stat().st_size == 0:
            continue  # an empty tile: nothing of the tile set lies there
        if cache is None:
            tables = decode_tile(path, tile, layers)
            decoded += 1
        else:
            tables, fresh = _decode_cached(path, tile, layers, cache)
            decoded += fresh
        for layer in layers:
            table = tables[layer]
            if table is not None:
                parts[layer].append(table)
    result = {layer: _frame(tables) for layer, tables in parts.items()}
    log.info(
        "%d tiles gelezen uit %s (%d gedecodeerd, de rest uit de cache %s): %s",
        len(tiles),
        tile_dir,
        decoded,
        cache,
        ", ".join(f"{k} {len(v)}" for k, v in result.items()),
    )
    return result
