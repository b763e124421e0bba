"""Checks of a vector tile set before it is decoded: which tiles an area needs, and whether they are whole.

A missing tile under the gemeente or a truncated one is an error naming it (see
:func:`check_coverage`, :func:`check_tile_bytes`); decoding is :mod:`.osm_tiles`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from woonzorg_geo import WEB_MERCATOR
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.sources.osm_tiles import HALF_WORLD, list_tiles


def tiles_touching(area: shapely.Geometry, *, crs: str, zoom: int = 14) -> set[tuple[int, int]]:
    """The (x, y) of every tile at ``zoom`` that intersects ``area`` (given in ``crs``)."""
    if area.is_empty:
        return set()
    merc = gpd.GeoSeries([area], crs=crs).to_crs(WEB_MERCATOR).iloc[0]
    size = 2 * HALF_WORLD / 2**zoom
    x0, y0, x1, y1 = merc.bounds
    xs = np.arange(int((x0 + HALF_WORLD) // size), int((x1 + HALF_WORLD) // size) + 1)
    ys = np.arange(int((HALF_WORLD - y1) // size), int((HALF_WORLD - y0) // size) + 1)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    boxes = shapely.box(
        -HALF_WORLD + gx * size, HALF_WORLD - (gy + 1) * size, -HALF_WORLD + (gx + 1) * size, HALF_WORLD - gy * size
    )
    hit = shapely.intersects(boxes, merc)
    return set(zip(gx[hit].tolist(), gy[hit].tolist(), strict=True))


def check_coverage(
    tile_dir: str | Path,
    area: shapely.Geometry,
    *,
    crs: str,
    margin_m: float,
    zoom: int = 14,
    tolerance_m: float = 0.0,
) -> list[str]:
    """Check that the tiles cover ``area`` (and its margin) and that none of them is damaged.

    A tile file of 0 bytes is an empty tile (the tile set holds nothing there), not a missing
    one; but only outside the land area: a tile set clipped to a province leaves its grid's tiles
    beyond the province polygon empty (six in Drenthe, none touching a gemeente). A missing or
    empty tile that touches ``area`` itself would silently drop streets, addresses and
    voorzieningen from the answer, so it is an error; a missing tile that touches only the
    margin (``margin_m`` around ``area``, where the network reaches across the border) is
    returned, for the caller to warn about. So is a missing (or empty) tile that ``area`` reaches
    into by less than ``tolerance_m`` (a sliver of a generalised boundary across the edge of a
    tile set). Every non-empty tile of the area and its margin must be a whole Mapbox Vector
    Tile (see :func:`check_tile_bytes`): a truncated or overwritten tile is an error naming it,
    before any tile is decoded.

    Raises
    ------
    DataFileError
        Naming every missing or empty tile inside ``area``, or the first damaged tile.
    """
    tiles = list_tiles(tile_dir, zoom=zoom)
    sizes = {(t.x, t.y): p.stat().st_size for t, p in tiles}
    core = area.buffer(-tolerance_m) if tolerance_m > 0 else area
    touched = tiles_touching(core, crs=crs, zoom=zoom)
    inside = touched - sizes.keys()
    if inside:
        names = ", ".join(f"{zoom}/{x}/{y}.pbf" for x, y in sorted(inside))
        raise DataFileError(
            tile_dir,
            f"{len(inside)} vector tile(s) binnen het gebied ontbreken: {names}",
            fix="vul de tiles aan of kies een andere tegelmap (alleen buiten het land mag een tile een leeg "
            "bestand van 0 bytes zijn)",
        )
    empty = sorted(xy for xy in touched if sizes[xy] == 0)
    if empty:
        names = ", ".join(f"{zoom}/{x}/{y}.pbf" for x, y in empty)
        first = Path(tile_dir) / str(zoom) / str(empty[0][0]) / f"{empty[0][1]}.pbf"
        raise DataFileError(
            first if len(empty) == 1 else tile_dir,
            f"{len(empty)} vector tile(s) binnen het gebied zijn leeg (0 bytes): {names}; een lege tile hoort "
            "alleen buiten het land te liggen, waar de tegelset niets heeft",
            fix="zet de tile(s) opnieuw uit de bron in de tegelmap (zie SOURCE.md van de tegelset) of kies een "
            "andere tegelmap",
        )
    around = tiles_touching(area.buffer(margin_m), crs=crs, zoom=zoom)
    for t, path in tiles:
        if (t.x, t.y) in around and sizes[(t.x, t.y)] > 0:
            check_tile_bytes(path)
    return [f"{zoom}/{x}/{y}.pbf" for x, y in sorted(around - sizes.keys())]


class _Damaged(ValueError):
    """A protocol-buffer message that is cut off or is no protocol-buffer message."""


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data):
            raise _Damaged(f"afgekapt getal bij byte {pos}")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise _Damaged(f"ongeldig getal bij byte {pos}")


def _fields(data: bytes, start: int, end: int) -> Iterable[tuple[int, int, int, int]]:
    """The fields of one protocol-buffer message: (number, wire type, start of value, end of value)."""
    pos = start
    while pos < end:
        key, pos = _varint(data, pos)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Damaged(f"veldnummer 0 bij byte {pos}")
        if wire == 0:
            _, after = _varint(data, pos)
        elif wire == 1:
            after = pos + 8
        elif wire == 2:
            length, pos = _varint(data, pos)
            after = pos + length
        elif wire == 5:
            after = pos + 4
        else:
            raise _Damaged(f"onbekend veldtype {wire} bij byte {pos}")
        if after > end:
            raise _Damaged(f"veld {number} loopt {after - end} byte(s) voorbij het einde (afgekapt?)")
        yield number, wire, pos, after
        pos = after


def check_tile_bytes(path: Path) -> None:
    """Check that ``path`` holds a whole Mapbox Vector Tile (gzip-compressed or not), without decoding it.

    The framing of the tile and of each layer is walked (a protocol-buffer message whose fields
    must end exactly at its end); each layer must have a name. A truncated file, random bytes or
    text fail; it takes about a millisecond per tile. A tile cut exactly at the end of a layer
    remains a valid (smaller) tile and is not noticed.

    Raises
    ------
    DataFileError
        Naming the tile and what is wrong with it.
    """
    data = path.read_bytes()
    size = len(data)
    try:
        if data[:2] == b"\x1f\x8b":
            import gzip
            import zlib

            try:
                data = gzip.decompress(data)
            except (OSError, EOFError, zlib.error) as exc:
                raise _Damaged(f"beschadigde gzip-compressie ({exc})") from None
        layers = 0
        for number, wire, start, end in _fields(data, 0, len(data)):
            if number != 3:
                continue  # MVT: a tile holds layers (field 3); other fields are extensions
            if wire != 2:
                raise _Damaged("laag is geen bericht")
            named = any(n == 1 and w == 2 for n, w, _, _ in _fields(data, start, end))
            if not named:
                raise _Damaged(f"laag {layers + 1} zonder naam")
            layers += 1
        if not layers:
            raise _Damaged("geen enkele laag")
    except _Damaged as exc:
        raise DataFileError(
            path,
            f"vector tile is beschadigd: {exc} ({size} bytes)",
            fix="zet de tile opnieuw uit de bron in de tegelmap (zie SOURCE.md van de tegelset); een tile zonder "
            "inhoud buiten het land is een leeg bestand van 0 bytes",
        ) from None
