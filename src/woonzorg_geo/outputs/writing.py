"""Writing a run's files: the GeoPackage through Arrow, and the independent writers side by side where it pays.

Each table is written once from the frames the run holds: the GeoPackage layers, the CSVs and the
store (:mod:`woonzorg_geo.run.store`) all take the same frames. The GeoPackage is one SQLite file, so
its layers are written one after the other; the store, the GeoTIFFs and the reports go to other
files and can be written on threads (:func:`run_parallel`).

Whether threads pay was measured on the 2-core machine of the benchmarks (Assen, warm tile cache,
idle, 2 × 2 runs, 5 Dec 2026): tables only 6.1 s on one thread, 6.0 s on three, all outputs 11.5 s
and 11.3 s, but the peak memory 525 → 582 MB and 603 → 656 MB (the writers' Arrow copies of the
same frames at once). Most of the writing holds the GIL (pandas, the wijkprofielen, GDAL's
feature loop), so :data:`WRITE_THREADS` is 1: the writers run one after the other, and a machine
with fast cores to spare may raise it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd

log = logging.getLogger(__name__)

#: Threads for the independent writers (1: one after the other; see the measurement above).
WRITE_THREADS = 1


def write_gpkg_layers(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Write ``layers`` into the GeoPackage ``path``, each through Arrow (several times faster).

    A frame Arrow cannot take as it is (an object column of mixed types: the conversion fails
    before anything is written) is written the classic way, feature by feature; the GeoPackage is
    the same either way (same fields, types and values).
    """
    import pyarrow
    import pyogrio

    for name, frame in layers.items():
        try:
            frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio", use_arrow=True)
        except (pyarrow.ArrowException, TypeError) as exc:  # the conversion; GDAL's errors pass
            if path.exists() and name in set(pyogrio.list_layers(path)[:, 0]):
                raise  # failed while writing, not while converting: a real error
            log.debug("laag %s niet via Arrow te schrijven (%s); per object", name, exc)
            frame.to_file(path, layer=name, driver="GPKG", engine="pyogrio")


def writer_prefix(parent: int) -> str:
    """The name prefix of the writer threads started by thread ``parent`` (see :func:`run_parallel`)."""
    return f"schrijven-{parent}-"


def run_parallel(jobs: Sequence[Callable[[], Any]], *, threads: int | None = None) -> list[Any]:
    """Run independent writers on ``threads`` threads (default :data:`WRITE_THREADS`); wait for all, then raise the first error.

    Waiting for every job before raising keeps the all-or-nothing staging of the outputs sound:
    no writer is still busy in the staging folder when it is removed.
    """
    threads = WRITE_THREADS if threads is None else threads
    if len(jobs) <= 1 or threads <= 1:
        return [job() for job in jobs]
    # named after the calling thread, so a task's log handler (regio) counts their warnings as its own
    prefix = writer_prefix(threading.get_ident())
    with ThreadPoolExecutor(max_workers=min(threads, len(jobs)), thread_name_prefix=prefix) as pool:
        futures = [pool.submit(job) for job in jobs]
        errors = [f.exception() for f in futures]
    for exc in errors:
        if exc is not None:
            raise exc
    return [f.result() for f in futures]
