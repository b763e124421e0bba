"""Writing a run's files: the GeoPackage through Arrow, and the independent writers side by side.

Each table is written once from the frames the run holds: the GeoPackage layers, the CSVs and the
store (:mod:`woonzorg_geo.run.store`) all take the same frames. The GeoPackage is one SQLite file, so
its layers are written one after the other; the store, the GeoTIFFs and the reports go to other
files and are written side by side (:func:`run_beside`).

Threads did not pay: measured on the 2-core machine of the benchmarks (Assen, warm tile cache,
idle, 2 × 2 runs, 5 Dec 2026), tables only took 6.1 s on one thread and 6.0 s on three, all outputs
11.5 s and 11.3 s, for 50 MB more peak memory: most of the writing holds the GIL (pandas, the
wijkprofielen, openpyxl, GDAL's feature loop). A forked child does not share the GIL: the CSVs,
the workbook, the wijkprofielen and the GeoTIFFs are written there while this process writes the
GeoPackage and the store (see ``README.md``, Benchmarks, for the times).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import geopandas as gpd

log = logging.getLogger(__name__)


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


def run_beside(beside: Sequence[Callable[[], object]], here: Sequence[Callable[[], object]]) -> None:
    """Run the writers ``beside`` in a forked child while this process runs those ``here``; wait for both.

    The writers hold the GIL, so threads do not overlap them (see above); a child process does,
    on the second core (:class:`woonzorg_geo.core.beside.Beside`). Where no child can be started
    (no ``fork``, or threads running: a regio worker) or the child fails, ``beside`` runs here
    after ``here``, and raises its own error: the same files either way. Each group runs its
    writers one after the other; a failure in ``here`` stops the child before it is raised.
    """
    from woonzorg_geo.core.beside import Beside

    def child() -> None:
        for job in beside:
            job()

    started = Beside.start(child, name="schrijven") if beside else None
    try:
        for job in here:
            job()
    except BaseException:
        if started is not None:
            started.cancel()
        raise
    if started is not None:
        started.result()
