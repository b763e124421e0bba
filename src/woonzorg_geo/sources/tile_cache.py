"""The on-disk cache of decoded vector tiles: Arrow IPC files, never pickle.

Every command that reads OpenMapTiles vector tiles (``analyse``, ``locaties``, ``figuren``,
``toets`` without a store, ``regio``) decodes a tile once; later runs and other processes read the
decoded layer from here. An entry is one layer of one tile: an Arrow IPC file (Feather v2) with the
layer's fields, its geometry as WKB (projected to EPSG:28992) and the tile's ``z/x/y``, named by the tile's
position, the SHA-256 of its bytes, the layer and :data:`DECODER_VERSION`. Loading an entry parses
Arrow buffers only: unlike pickle, a file planted in a shared cache folder cannot run code. A
damaged or foreign entry is decoded again (with a warning) and replaced.

Where the cache lives (:func:`default_cache_dir`): the folder in the environment variable
``WOONZORG_TEGELCACHE`` (``uit`` turns the cache off), else the user's cache folder
(``$XDG_CACHE_HOME/woonzorg_geo/tegels``, ``~/.cache/woonzorg_geo/tegels``; on Windows
``%LOCALAPPDATA%\\woonzorg_geo\\tegels``). ``regio --tegelcache`` names another folder. The cache
may be deleted at any time; it only saves time.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

import pyarrow as pa
from pyarrow import ipc

from woonzorg_geo import RD_NEW

log = logging.getLogger(__name__)

#: Version of the decoder and of the entry format; bump it when decoding changes, so old entries are unused.
DECODER_VERSION = 3
#: The environment variable naming the cache folder (``uit``: no cache).
CACHE_ENV = "WOONZORG_TEGELCACHE"
#: Values of :data:`CACHE_ENV` that turn the cache off.
CACHE_OFF = frozenset({"uit", "off", "0", "geen", "none"})
#: Key in an entry's schema metadata: the decoder version and the tile it was decoded from.
_META_KEY = b"woonzorg_geo"


def default_cache_dir() -> Path | None:
    """The tile cache folder when none is named: :data:`CACHE_ENV`, else the user's cache folder.

    Returns ``None`` when :data:`CACHE_ENV` is one of :data:`CACHE_OFF` (decode every run).
    """
    named = os.environ.get(CACHE_ENV)
    if named is not None and named.strip():
        return None if named.strip().lower() in CACHE_OFF else Path(named).expanduser()
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    elif os.environ.get("XDG_CACHE_HOME"):
        base = Path(os.environ["XDG_CACHE_HOME"])
    else:
        base = Path.home() / ".cache"
    return base / "woonzorg_geo" / "tegels"


def tile_digest(path: Path) -> str:
    """The SHA-256 of a tile file's bytes (hex)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def entry_path(cache_dir: Path, *, z: int, x: int, y: int, digest: str, layer: str) -> Path:
    """Where one decoded layer of one tile is cached.

    MVT coordinates are relative to the tile, so two byte-identical tiles at different positions
    decode to different geometries: the position is part of the key, with the content hash.
    """
    return cache_dir / f"{z}-{x}-{y}-{digest[:32]}-{layer}-v{DECODER_VERSION}.arrow"


@functools.cache
def _geo_metadata() -> bytes:
    """GeoParquet-style ``geo`` metadata for the WKB column (EPSG:28992), so other tools read an entry."""
    from pyproj import CRS

    doc = {
        "version": "1.0.0",
        "primary_column": "geometry",
        "columns": {"geometry": {"encoding": "WKB", "geometry_types": [], "crs": CRS(RD_NEW).to_json_dict()}},
    }
    return json.dumps(doc).encode()


def _marker(tile: str, layer: str, *, absent: bool) -> bytes:
    return json.dumps({"versie": DECODER_VERSION, "tile": tile, "laag": layer, "afwezig": absent}).encode()


def write_entry(target: Path, table: pa.Table | None, *, tile: str, layer: str) -> None:
    """Store one decoded layer (``None``: the tile lacks it) atomically: a temporary file, then renamed.

    Processes sharing the cache never read half an entry.
    """
    absent = table is None
    if table is None:
        table = pa.table({"geometry": pa.array([], pa.binary()), "tile": pa.array([], pa.string())})
    meta = {**(table.schema.metadata or {}), _META_KEY: _marker(tile, layer, absent=absent), b"geo": _geo_metadata()}
    table = table.replace_schema_metadata(meta)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".arrow", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh, ipc.new_file(fh, table.schema) as writer:
            writer.write_table(table)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DamagedEntry(ValueError):
    """A cache entry that is not a whole Arrow file of this decoder version for this tile and layer."""


def read_entry(target: Path, *, tile: str, layer: str) -> pa.Table | None:
    """One cached layer: the table, or ``None`` when the tile lacks the layer.

    Raises
    ------
    FileNotFoundError
        No entry yet.
    DamagedEntry
        The file is cut off, no Arrow IPC file, or written for another version, tile or layer.
    """
    with target.open("rb") as fh:
        data = fh.read()
    try:
        table = ipc.open_file(pa.py_buffer(data)).read_all()
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise DamagedEntry(f"geen leesbaar Arrow-bestand ({exc})") from None
    meta = table.schema.metadata or {}
    try:
        marker = json.loads(meta[_META_KEY])
    except (KeyError, ValueError):
        raise DamagedEntry("geen kenmerk van woonzorg_geo") from None
    if marker.get("versie") != DECODER_VERSION or marker.get("tile") != tile or marker.get("laag") != layer:
        raise DamagedEntry(f"kenmerk {marker} hoort niet bij tile {tile}, laag {layer}")
    if "geometry" not in table.column_names or "tile" not in table.column_names:
        raise DamagedEntry("kolom geometry of tile ontbreekt")
    if marker.get("afwezig"):
        return None
    return table.replace_schema_metadata(None)
