"""Many gemeenten in one run: one Dask task per gemeente, a shared tile cache, regional tables.

``woonzorg-geo regio`` runs the driver of ``analyse`` (:mod:`.run.driver`) for every gemeente of a province
(or a list), each as a task with its own network (which reaches ``netwerk.margin_m`` beyond the
border), on a ``dask.distributed`` cluster: a local one by default, or any existing scheduler
(``--scheduler tcp://HOST:PORT``; its workers need this package and the same data paths). The
vector tiles are decoded once per run into a cache keyed by tile position and content hash, which
every task reads. A gemeente that fails is reported with its reason; the others still finish.

The cluster starts while this process lists the tiles (:mod:`woonzorg_geo.run.regio_tiles`), and
its workers import what the tasks run meanwhile; the gemeenten are handed out largest first (by
their CBS dwellings), so both workers stay busy to the end; the region's workbook and map are
made on the then idle workers while this process writes the rest, before the cluster closes.

The parts around the tasks live beside this module: the Dask client and the bounded waits in
:mod:`woonzorg_geo.run.cluster`; the tiles and sizes of the gemeenten in
:mod:`woonzorg_geo.run.regio_tiles`; each gemeente's rows of the regional tables (per gemeente and per
wijk the address counts, CBS inhabitants and dwellings, the shares within the norm and the median
distances, per profile) in :mod:`woonzorg_geo.run.regional`; the check of the address points
against the CBS woningvoorraad in :mod:`woonzorg_geo.run.regio_ratios`; the writing of the
regional files in :mod:`woonzorg_geo.run.regio_output`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import geopandas as gpd
import pandas as pd

from woonzorg_geo import RD_NEW
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import RegioSettings, Settings
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.run.cluster import (
    ClusterJobs,
    NotFinishedError,
    bounded_results,
    captured_warnings,
    connect,
    failure_reason,
    task_failure,
)
from woonzorg_geo.run.regio_ratios import flag_ratios
from woonzorg_geo.run.regio_tiles import chunks, fill_cache_task, needed_tiles
from woonzorg_geo.run.regional import ClusterInfo, GemeenteResult, RegioResult, TilesInfo, regional_row, regional_rows

log = logging.getLogger(__name__)

#: Where the tile cache goes inside the output folder when no other folder is given.
DEFAULT_CACHE = ".tegelcache"


@dataclass(frozen=True)
class TaskOptions:
    """What every gemeente task needs besides its settings (plain values: tasks travel to workers)."""

    raw_dir: str
    out_dir: str
    tile_cache: str | None = None
    profiles: tuple[str, ...] | None = None
    maps: bool = True
    rasters: bool = True
    offline: bool | None = None
    #: the user's own lists of voorzieningen (:class:`.sources.own_lists.OwnList`), applied per gemeente
    own_lists: tuple[Any, ...] = ()


# ----------------------------------------------------------------------------- one gemeente


class _RssSampler:
    """The peak resident memory of this process while a task runs (sampled every ``interval`` s)."""

    def __init__(self, interval: float = 0.05) -> None:
        import psutil

        self._proc = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.peak = self._proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def gemeente_task(settings: Settings, options: TaskOptions) -> GemeenteResult:
    """Run one gemeente: load its inputs (tiles from the cache), analyse, write its own folder.

    The work is :func:`.run.driver.run_gemeente`, the driver of ``analyse``, with the gemeente's
    settings (so its maps carry the labels and ``[kaarten]`` of the run's settings file); this task
    adds what a regio run needs around it: the gemeente's warnings collected, a failure reported
    instead of raised, the time and memory it took, and its rows for the regional tables (from the
    same analysis).

    Never raises: a failure comes back as ``status = "fout"`` with its reason, so one gemeente
    cannot stop the others (and package errors need not travel between processes).

    Returns
    -------
    dict
        ``code``, ``naam``, ``status`` (``ok``/``fout``), ``reden``, ``map`` (the folder, relative
        to the output folder), ``gemeente`` and ``wijken`` (regional rows, see
        :func:`regional_rows`), ``adressen``, ``knopen``, ``tijden_s`` (per step, wall clock),
        ``tijd_s`` and ``cpu_s`` (the task's wall and processor time),
        ``waarschuwingen``, ``worker`` and ``piek_geheugen_mb`` (the worker process's peak resident
        memory during the task).
    """
    from woonzorg_geo.run.driver import run_gemeente

    code, naam = settings.gemeente.code, settings.gemeente.naam
    folder = slug(naam)
    out: GemeenteResult = {
        "code": code,
        "naam": naam,
        "status": "fout",
        "reden": "",
        "map": folder,
        "worker": f"{os.uname().nodename}:{os.getpid()}",
    }
    t_start, cpu_start = time.perf_counter(), time.thread_time()
    with captured_warnings() as warnings, _RssSampler() as rss:
        try:
            # the driver of `analyse`, with this run's settings: the same outputs and maps
            target = Path(options.out_dir) / folder
            run = run_gemeente(
                settings,
                target,
                maps_dir=target / "maps" if options.maps else None,
                offline=options.offline,
                raw_dir=Path(options.raw_dir),
                online=False,
                tile_cache=Path(options.tile_cache) if options.tile_cache else None,
                profiles=options.profiles,
                rasters=options.rasters,
                surfaces=options.rasters,
                own_lists=options.own_lists,
                outside="overslaan",
            )
            a, timings = run.analysis, run.timings
            g, w = regional_rows(a)
            out.update(
                {
                    "status": "ok",
                    "gemeente": g,
                    "wijken": w,
                    "adressen": len(a.adressen),
                    "knopen": int(a.network.n_nodes),
                    "segmenten": int(a.network.n_edges),
                    "tijden_s": timings,
                }
            )
        except Exception as exc:
            out["reden"] = failure_reason(exc)
            log.debug("gemeente %s mislukt", code, exc_info=True)
    out["waarschuwingen"] = list(warnings)
    out["tijd_s"] = round(time.perf_counter() - t_start, 3)
    out["cpu_s"] = round(time.thread_time() - cpu_start, 3)
    out["piek_geheugen_mb"] = round(rss.peak / 2**20, 1)
    return out


def warm_task() -> None:
    """Import what a gemeente task runs, on a worker that has just started (while this process reads the areas)."""
    import woonzorg_geo.run.driver
    import woonzorg_geo.sources.osm_tiles  # noqa: F401


def _start_cluster(scheduler: str | None, *, workers: int, settings: RegioSettings) -> tuple[Any, Any, list[Any]]:
    """:func:`.cluster.connect`, then every worker there warmed up (:func:`warm_task`, not waited for)."""
    client, cluster = connect(scheduler, workers=workers, timeout=settings.verbinden_s, herstarts=settings.herstarts)
    try:
        addresses = list(client.scheduler_info().get("workers", {}))
        warm = [
            client.submit(
                warm_task, key=f"warm-{i}-{time.time_ns()}", workers=[a], allow_other_workers=True, pure=False
            )
            for i, a in enumerate(addresses)
        ]
    except Exception:  # only a head start: the run goes on without it
        log.debug("workers niet voorverwarmd", exc_info=True)
        warm = []
    return client, cluster, warm


# ----------------------------------------------------------------------------- the check


def _lost_task(s: Settings, reason: str, *, worker_gone: bool) -> GemeenteResult:
    """The result of a gemeente whose task ended without one; ``worker_gone``: no worker still runs it."""
    return {
        "code": s.gemeente.code,
        "naam": s.gemeente.naam,
        "status": "fout",
        "reden": reason,
        "map": slug(s.gemeente.naam),
        "waarschuwingen": [],
        "niet_afgerond": True,
        "_worker_weg": worker_gone,
    }


def _process_gone(pid: int) -> bool:
    """True when process ``pid`` has ended: not there, or a zombie (killed, not yet reaped by its parent)."""
    import psutil

    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:
        return False


def _clean_after_lost_task(folder: Path) -> None:
    """Remove what a task whose worker died left in ``folder`` and ``folder/maps``: staging folders, the lock.

    Only what belongs to a process that has ended (the worker's, named in the staging folder's name
    and in the lock); the earlier output is kept, and a folder the task made is removed if empty.
    """
    import shutil

    from woonzorg_geo.core.io import STAGING_PREFIX
    from woonzorg_geo.core.lock import remove_released_lock

    for target in (folder / "maps", folder):
        if not target.is_dir():
            continue
        for staging in target.glob(f"{STAGING_PREFIX}*"):
            pid = staging.name[len(STAGING_PREFIX) :].split("-", 1)[0]
            if staging.is_dir() and pid.isdigit() and _process_gone(int(pid)):
                shutil.rmtree(staging, ignore_errors=True)
                log.info("tijdelijke map van een verloren worker opgeruimd: %s", staging)
        with contextlib.suppress(OSError):
            remove_released_lock(target)  # the lost worker's; a held lock is left alone
        with contextlib.suppress(OSError):
            target.rmdir()  # only when empty: the folder the task made and never filled


def _close_when_started(starting: Future[tuple[Any, Any, list[Any]]]) -> None:
    """Close the client and cluster that ``starting`` (a :func:`_start_cluster` in a thread) gives, once there."""
    try:
        client, cluster, _ = starting.result()
    except Exception:  # noqa: BLE001 - it did not start: nothing to close
        return
    client.close()
    if cluster is not None:
        cluster.close()


def _run_tasks(
    client: Any,
    gemeenten: Sequence[Settings],
    *,
    needed: dict[tuple[str, int, int], tuple[Any, Path]],
    size: dict[str, float],
    options: TaskOptions,
    settings: RegioSettings,
    cluster_info: ClusterInfo,
    herstarts: int | None,
    progress: bool,
    timings: dict[str, float],
) -> tuple[list[GemeenteResult], TilesInfo, ClusterInfo]:
    """Decode the tiles, then run every gemeente, on ``client``'s cluster; every wait bounded."""
    from distributed import KilledWorker

    from woonzorg_geo.core.progress import progress_bar

    info = client.scheduler_info()
    n_workers = max(1, len(info.get("workers", {})))
    cluster_info = ClusterInfo(**cluster_info, workers=n_workers)
    tile_cache = options.tile_cache or ""
    # 1. every tile decoded once, spread over the workers; a chunk that fails is decoded by the
    # gemeenten's tasks themselves (they decode what the cache lacks)
    t0 = time.perf_counter()
    tile_list = sorted(needed.values(), key=lambda tp: (tp[0].x, tp[0].y))
    parts = chunks(tile_list, 4 * n_workers)
    futures = client.map(fill_cache_task, parts, cache_dir=tile_cache, pure=False)
    counts = {"gedecodeerd": 0, "uit_cache": 0, "leeg": 0}
    task_s = task_cpu = 0.0
    stopped: str | None = None
    with progress_bar(total=len(tile_list), desc="Tiles decoderen", unit="tile", show=progress) as bar:
        for _, res, exc in bounded_results(client, futures, settings=settings):
            if exc is not None:
                if isinstance(exc, NotFinishedError):
                    stopped = str(exc)
                else:
                    log.warning("tiles decoderen: %s; de gemeenten decoderen die tiles zelf", failure_reason(exc))
                continue
            for k in counts:
                counts[k] += res[k]
            task_s += res["tijd_s"]
            task_cpu += res["cpu_s"]
            bar.update(res["gedecodeerd"] + res["uit_cache"] + res["leeg"])
    timings["tiles_decoderen"] = time.perf_counter() - t0
    tiles_info: TilesInfo = {
        "nodig": len(tile_list),
        "gedecodeerd": counts["gedecodeerd"],
        "uit_cache": counts["uit_cache"],
        "leeg": counts["leeg"],
        "tijd_s": round(timings["tiles_decoderen"], 3),
        "taaktijd_s": round(task_s, 3),
        "cpu_s": round(task_cpu, 3),
        "cache": tile_cache,
    }
    log.info(
        "tiles: %d nodig, %d gedecodeerd, %d uit de cache, %d leeg (%s)",
        len(tile_list),
        counts["gedecodeerd"],
        counts["uit_cache"],
        counts["leeg"],
        fmt.number(timings["tiles_decoderen"], 1, unit=" s"),
    )
    if stopped is not None:  # the cluster cannot run the gemeenten either
        lost = [_lost_task(s, stopped, worker_gone=False) for s in gemeenten]
        for res in lost:
            log.error("gemeente %s (%s) mislukt: %s", res["naam"], res["code"], res["reden"])
        timings["gemeenten"] = 0.0
        return lost, tiles_info, cluster_info

    # 2. one task per gemeente, the largest first (longest processing time first: both workers stay
    # busy to the end, and the last tasks to start are small ones); one whose areas could not be
    # read (no size) fails at once, so it goes first. Submitted in that order too: an idle worker
    # takes a task as it comes, before the priorities of those submitted later count
    t0 = time.perf_counter()
    first = sorted(gemeenten, key=lambda s: (s.gemeente.code in size, -size.get(s.gemeente.code, 0.0)))
    futures = [
        client.submit(
            gemeente_task,
            s,
            options,
            key=f"gemeente-{s.gemeente.code}-{time.time_ns()}",
            pure=False,
            priority=len(first) - i,
        )
        for i, s in enumerate(first)
    ]
    owner = {f.key: s for f, s in zip(futures, first, strict=True)}
    results: list[GemeenteResult] = []
    with progress_bar(total=len(futures), desc="Gemeenten", unit="gemeente", show=progress) as bar:
        for fut, res, exc in bounded_results(client, futures, settings=settings):
            if exc is not None:  # a worker that died, a bound reached: report, go on
                gone = isinstance(exc, KilledWorker) or (isinstance(exc, NotFinishedError) and exc.workers_gone)
                res = _lost_task(owner[fut.key], task_failure(exc, herstarts=herstarts), worker_gone=gone)
            for line in res.get("waarschuwingen", []):
                log.warning("%s: %s", res["naam"], line)
            if res["status"] != "ok":
                log.error("gemeente %s (%s) mislukt: %s", res["naam"], res["code"], res["reden"])
            results.append(res)
            bar.set_postfix_str(res["naam"])
            bar.update(1)
    timings["gemeenten"] = time.perf_counter() - t0
    return results, tiles_info, cluster_info


def run_regio(
    gemeenten: Sequence[Settings],
    *,
    naam: str,
    raw_dir: Path,
    out_dir: Path,
    scheduler: str | None = None,
    workers: int = 0,
    tile_cache: Path | None = None,
    profiles: Sequence[str] | None = None,
    maps: bool = True,
    rasters: bool = True,
    offline: bool | None = None,
    progress: bool = False,
    settings: RegioSettings | None = None,
    own_lists: Sequence[Any] = (),
    write: Callable[[RegioResult, Callable[..., Callable[[], Any]] | None], list[Path]] | None = None,
) -> RegioResult:
    """Run every gemeente of ``gemeenten`` as a Dask task and collect the regional tables.

    Parameters
    ----------
    gemeenten
        The settings of each gemeente (see :func:`.sources.catalogue.resolve_gemeente`).
    naam
        Name of the region (the province), for titles and the map's file name.
    raw_dir
        The raw data folder (workers of an existing cluster must see the same path).
    out_dir
        The output folder; each gemeente writes its own subfolder there.
    scheduler
        Address of an existing Dask scheduler; ``None`` starts a local cluster of ``workers``.
    tile_cache
        Folder of decoded tiles shared by the workers and kept between runs and commands (default: the
        user's tile cache, :func:`.tile_cache.default_cache_dir`; ``out_dir/.tegelcache`` when that is
        turned off, as the workers need one).
    profiles, maps, rasters, offline
        As for ``analyse``; ``rasters=False`` also leaves out the distance surfaces.
    progress
        Progress bars (tiles decoded, gemeenten done).
    settings
        The ratio check and the bounds of every wait (default: the package's ``[regio]``).
    own_lists
        The user's own lists of voorzieningen (``--voorzieningen``): each gemeente takes the rows
        in it or within ``[netwerk] margin_m`` of it.
    write
        Writes the regional files when at least one gemeente finished, before the cluster closes:
        called with the result and a function that starts a job on the cluster (see
        :class:`ClusterJobs`; ``None`` when a task did not finish: the cluster may be short of a
        worker); what it returns is the result's ``files``.

    A gemeente whose worker is lost, or that does not finish within the bounds of ``settings``
    (see :func:`bounded_results`), is reported as failed with its reason (``niet_afgerond``); what
    its task left in its folder (staging folder, lock) is removed.
    """
    import dask

    from woonzorg_geo.sources.tile_cache import default_cache_dir

    t_run = time.perf_counter()
    settings = settings or gemeenten[0].regio
    tile_cache = tile_cache or default_cache_dir() or out_dir / DEFAULT_CACHE
    options = TaskOptions(
        raw_dir=str(raw_dir),
        out_dir=str(out_dir),
        tile_cache=str(tile_cache),
        profiles=tuple(profiles) if profiles else None,
        maps=maps,
        rasters=rasters,
        offline=offline,
        own_lists=tuple(own_lists),
    )
    timings: dict[str, float] = {}

    # every connection the client opens (to the scheduler, during the run) gives up after verbinden_s
    with dask.config.set({"distributed.comm.timeouts.connect": f"{settings.verbinden_s}s"}):
        # the cluster starts (its worker processes spawn and import) while this process reads the areas
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="regio-cluster") as pool:
            starting = pool.submit(_start_cluster, scheduler, workers=workers, settings=settings)
            try:
                needed, size = needed_tiles(gemeenten, raw_dir=raw_dir)
            except BaseException:  # Ctrl-C while reading: the cluster that was starting is closed too
                _close_when_started(starting)
                raise
            timings["voorbereiden"] = time.perf_counter() - t0
            # warm: held until the run ends (a future no one holds is released, its task dropped)
            client, cluster, warm = starting.result()
        timings["cluster_starten"] = time.perf_counter() - t0
        lost: list[str] = []
        try:
            results, tiles_info, cluster_info = _run_tasks(
                client,
                gemeenten,
                needed=needed,
                size=size,
                options=options,
                settings=settings,
                cluster_info={"scheduler": scheduler or "lokaal"},
                herstarts=None if scheduler else settings.herstarts,
                progress=progress,
                timings=timings,
            )
            # the folders of tasks whose worker is gone, cleaned up once the cluster is closed (below)
            lost = [
                res["map"]
                for res in results
                if res.pop("_worker_weg", False) or (res.get("niet_afgerond") and not scheduler)
            ]
            result = _regio_result(results, gemeenten, naam=naam, settings=settings)
            result.tiles, result.cluster = tiles_info, cluster_info
            timings["totaal"] = time.perf_counter() - t_run
            result.timings = {k: round(v, 3) for k, v in timings.items()}
            if write is not None and any(t["status"] == "ok" for t in result.tasks):
                # written while the cluster is up: its idle workers take part of the writing; not
                # when a task did not finish (its worker may be lost, or still busy with it)
                healthy = not any(t.get("niet_afgerond") for t in result.tasks)
                result.files = write(result, ClusterJobs(client, settings).start if healthy else None)
        finally:
            del warm
            client.close()
            if cluster is not None:
                cluster.close()
            # a task whose worker died left its staging folder and lock in the gemeente's folder; on a
            # local cluster every worker has ended by now (closed above), on an existing one only those
            # lost (KilledWorker, no workers at all): a worker that hangs may still write
            for folder in lost:
                _clean_after_lost_task(out_dir / folder)
    return result


def _regio_result(
    results: list[GemeenteResult], gemeenten: Sequence[Settings], *, naam: str, settings: RegioSettings
) -> RegioResult:
    """The regional tables of the tasks' ``results``, in the order of ``gemeenten``."""
    order = {s.gemeente.code: i for i, s in enumerate(gemeenten)}
    results.sort(key=lambda r: order.get(r["code"], len(order)))
    ok = [r for r in results if r["status"] == "ok"]
    if ok:
        gem = pd.concat([r["gemeente"] for r in ok])
        wijken = pd.concat([r["wijken"] for r in ok])
    else:
        gem = gpd.GeoDataFrame({"naam": []}, geometry=[], crs=RD_NEW)
        wijken = gpd.GeoDataFrame({"naam": []}, geometry=[], crs=RD_NEW)
    if len(gem):
        gem = gem.join(flag_ratios(gem["adressen_per_woning"].astype(float), settings))
    return RegioResult(
        name=naam,
        gemeenten=gpd.GeoDataFrame(gem, crs=RD_NEW),
        wijken=gpd.GeoDataFrame(wijken, crs=RD_NEW),
        tasks=[regional_row(r) for r in results],
    )


# ----------------------------------------------------------------------------- writing
