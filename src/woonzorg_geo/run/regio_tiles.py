"""Before the gemeenten of ``regio`` run: the tiles they need, decoded once into the shared cache, and their sizes.

:func:`needed_tiles` lists every tile of the run once and estimates each gemeente's work (to hand
the largest out first); :func:`fill_cache_task` decodes a share of the tiles into the tile cache on a
worker, so the gemeente tasks read them from there (see :mod:`woonzorg_geo.run.regio`).
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.errors import WoonzorgError

log = logging.getLogger(__name__)

#: The loggers that reading a gemeente's areas logs to (quiet while the run lists its tiles; not the
#: cluster's, which starts meanwhile).
_AREA_LOGGERS = ("woonzorg_geo.sources", "woonzorg_geo.core")


@contextlib.contextmanager
def _quiet(names: Sequence[str] = _AREA_LOGGERS) -> Iterator[None]:
    """Only errors are logged inside the block, by the package's loggers ``names`` (and those below them)."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def needed_tiles(
    gemeenten: Sequence[Settings], *, raw_dir: Path
) -> tuple[dict[tuple[str, int, int], tuple[Any, Path]], dict[str, float]]:
    """The tiles the run needs, and each gemeente's expected work, to hand the largest out first.

    Returns
    -------
    dict, dict
        Every tile once (keyed by its folder and position: ``(tile, path)``), and per gemeentecode
        its size: the CBS dwellings (``Woningvoorraad``, which the task's time follows), or where
        the kerncijfers lack the gemeente its number of tiles times the run's median of dwellings
        per tile. A gemeente whose areas cannot be read is left out of both (its task reports why).
    """
    from woonzorg_geo.sources.cbs import read_kerncijfers
    from woonzorg_geo.sources.datasets import resolve_paths, tile_bbox
    from woonzorg_geo.sources.osm_tiles import list_tiles

    needed: dict[tuple[str, int, int], tuple[Any, Path]] = {}
    n_tiles: dict[str, int] = {}
    by_file: dict[Path, list[str]] = {}
    for s in gemeenten:  # the tasks warn about these files themselves: quiet here
        try:
            with _quiet():
                paths = resolve_paths(s, raw_dir=raw_dir)
                tiles = list_tiles(paths["osm_tiles"], bbox_lonlat=tile_bbox(_outline(s, paths), s))
        except (WoonzorgError, KeyError) as exc:
            log.info("gemeente %s: gebieden niet te lezen (%s); de taak meldt de fout", s.gemeente.code, exc)
            continue
        n_tiles[s.gemeente.code] = len(tiles)
        if "kerncijfers" in paths:
            by_file.setdefault(paths["kerncijfers"], []).append(s.gemeente.code)
        for tile, path in tiles:
            needed[(str(path.parents[2]), tile.x, tile.y)] = (tile, path)
    dwellings: dict[str, float] = {}
    for path, codes in by_file.items():
        try:
            with _quiet():
                kern = read_kerncijfers(path, codes=codes)
        except (WoonzorgError, OSError) as exc:  # the tasks report a damaged file; here only the order suffers
            log.info("kerncijfers niet te lezen voor de volgorde van de taken (%s)", exc)
            continue
        column = next((c for c in ("Woningvoorraad_35", "woningvoorraad") if c in kern), None)
        if column is not None:
            values = pd.to_numeric(kern[column], errors="coerce")
            dwellings.update({str(k): float(v) for k, v in values.items() if pd.notna(v) and v > 0})
    per_tile = [dwellings[c] / n for c, n in n_tiles.items() if c in dwellings and n]
    factor = float(pd.Series(per_tile).median()) if per_tile else 1.0
    size = {c: dwellings.get(c, n * factor) for c, n in n_tiles.items()}
    return needed, size


def _outline(settings: Settings, paths: dict[str, Path]) -> gpd.GeoDataFrame:
    """The gemeente's shape as far as its tiles go: what :func:`.datasets.load_areas` makes of it, less the work.

    Its gemeentegrens, or with ``data.gemeente_vorm = "buurten"`` the union of its buurten (the holes
    that ``load_areas`` fills lie inside, so the box around the shape and its margin is the same);
    the wijken and the check of the two against each other are the task's.
    """
    from woonzorg_geo.sources.cbs import read_areas, read_boundary

    code = settings.gemeente.code
    for key in ("gemeentegrens", "buurten"):
        if key not in paths:
            raise KeyError(key)
    if settings.data.gemeente_vorm == "buurten":
        shape = read_areas(paths["buurten"], level="buurt", gemeentecode=code)
    else:
        shape = read_boundary(paths["gemeentegrens"], code=code)
    return gpd.GeoDataFrame(geometry=[shape.union_all()], crs=shape.crs)


def fill_cache_task(tiles: list[tuple[Any, Path]], cache_dir: str) -> dict[str, float]:
    """Decode a chunk of tiles into the shared cache (see :func:`.osm_tiles.fill_tile_cache`)."""
    from woonzorg_geo.sources.datasets import run_tile_layers
    from woonzorg_geo.sources.osm_tiles import fill_tile_cache

    t0, c0 = time.perf_counter(), time.thread_time()
    counts = fill_tile_cache(tiles, cache_dir, layers=run_tile_layers())  # every layer the gemeenten read
    return {**counts, "tijd_s": time.perf_counter() - t0, "cpu_s": time.thread_time() - c0}


def chunks(items: list[Any], n: int) -> list[list[Any]]:
    """``items`` dealt round into ``n`` lists (fewer when there are fewer items)."""
    n = max(1, min(n, len(items)))
    return [items[i::n] for i in range(n)]
