"""Many gemeenten in one run: one Dask task per gemeente, a shared tile cache, regional tables.

``woonzorg-geo regio`` runs the driver of ``analyse`` (:mod:`.run.driver`) for every gemeente of a province
(or a list), each as a task with its own network (which reaches ``netwerk.margin_m`` beyond the
border), on a ``dask.distributed`` cluster: a local one by default, or any existing scheduler
(``--scheduler tcp://HOST:PORT``; its workers need this package and the same data paths). The
vector tiles are decoded once per run into a cache keyed by tile position and content hash, which
every task reads. A gemeente that fails is reported with its reason; the others still finish.

The regional tables hold, per gemeente and per wijk, the address counts, CBS inhabitants and
dwellings, the shares within the norm and the median distances, per profile; and per gemeente
the check of the address points against the CBS woningvoorraad (:func:`flag_ratios`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo import RD_NEW
from woonzorg_geo.areas.unknown import mark_unknown
from woonzorg_geo.core.config import RegioSettings, Settings
from woonzorg_geo.core.errors import SourceUnavailableError, WoonzorgError
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.outputs.writing import writer_prefix

log = logging.getLogger(__name__)

#: Figures of a gemeente or wijk taken into the regional tables (per profile suffix).
FIGURE_RE = re.compile(r"^(pct_.+|med_afstand_.+|gem_afstand_.+|n_onbereikbaar.*)$")
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
    #: the user's own lists of voorzieningen (:class:`.sources.eigen.OwnList`), applied per gemeente
    eigen_lijsten: tuple[Any, ...] = ()


@dataclass
class RegioResult:
    """Everything a regio run produced, before it is written."""

    naam: str
    gemeenten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    tasks: list[dict[str, Any]]
    tiles: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    cluster: dict[str, Any] = field(default_factory=dict)

    @property
    def failures(self) -> dict[str, str]:
        """``{code: reason}`` of every gemeente that failed."""
        return {t["code"]: t["reden"] for t in self.tasks if t["status"] != "ok"}


# ----------------------------------------------------------------------------- one gemeente


class _TaskLog(logging.Handler):
    """Collects the package's warnings of the current thread (a task) and its writer threads, to report them."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # the task's own thread, or the threads it writes its files on (see writing.run_parallel)
        if record.thread == self.thread or str(record.threadName).startswith(writer_prefix(self.thread)):
            self.lines.append(record.getMessage())


@contextlib.contextmanager
def _captured_warnings() -> Iterator[list[str]]:
    handler = _TaskLog()
    logger = logging.getLogger("woonzorg_geo")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Only errors of the package are logged inside the block."""
    logger = logging.getLogger("woonzorg_geo")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, WoonzorgError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


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


def _cbs_figures(kern: pd.DataFrame) -> tuple[pd.Series | None, pd.Series | None]:
    inh = kern["AantalInwoners_5"] if "AantalInwoners_5" in kern else kern.get("aantalInwoners")
    dw = kern["Woningvoorraad_35"] if "Woningvoorraad_35" in kern else kern.get("woningvoorraad")
    return inh, dw


def regional_rows(a: Any) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The gemeente's row and its wijken's rows for the regional tables.

    Parameters
    ----------
    a
        An :class:`.areas.analysis.Analysis`.

    Returns
    -------
    GeoDataFrame, GeoDataFrame
        One row (index: gemeentecode) and one row per wijk (index: wijkcode, with
        ``gemeentecode``, ``gemeente``), each with ``naam``, ``n_adressen``, ``inwoners_cbs``,
        ``woningen_cbs`` and every share and distance per profile; EPSG:28992.
    """
    from woonzorg_geo.areas.aggregation import aggregate, cbs_weighted

    s = a.settings
    code = s.gemeente.code
    suffixes = [a.suffix(p) for p in a.access]
    inh, dw = _cbs_figures(a.inputs.kerncijfers)
    adr = a.adressen.assign(gemeentecode=code)
    area = a.inputs.gemeente[["naam", a.inputs.gemeente.geometry.name]]
    g = aggregate(
        adr, area, key="gemeentecode", norm_m=s.bereikbaarheid.norm_m, suffixes=suffixes, inhabitants=inh, dwellings=dw
    )
    if "woningen_cbs" not in g:
        g["woningen_cbs"] = np.nan
    g["adressen_per_woning"] = g["n_adressen"] / g["woningen_cbs"]
    # the headline per woning weighted to the CBS dwellings of each wijk (issue 19 §2)
    for sfx in suffixes:
        for key, value in cbs_weighted(a.wijken, suffix=sfx).items():
            g[f"{key}{sfx}"] = value
    g["wijken_buiten_band"] = ", ".join(
        f"{w['naam'] or w['wijkcode']} ({w['oorzaak']})"
        for w in a.summary.get("woningen", {}).get("wijken_buiten_band", [])
    )
    gp = a.summary.get("huisartsenlijst", {})
    g["huisartsen"] = gp.get("in_gemeente", np.nan)
    g["pct_huisartsen_op_adres"] = gp.get("pct_op_adres", np.nan)
    g["begrensd_door"] = s.data.gemeente_vorm
    g["zonder_voorzieningen"] = ", ".join(a.summary.get("categorieen_zonder_voorzieningen", []))
    g = mark_unknown(g, a.summary.get("onbekend", {}), composites=a.vocab.composites)
    g["onbekend"] = "; ".join(f"{k}: {v}" for k, v in a.summary.get("onbekend", {}).items())
    g["buurten"] = len(a.buurten)
    g["wijken"] = len(a.wijken)
    vol = []  # completeness of OSM per category against its independent list (issue 19 §3)
    for rec in a.summary.get("volledigheid", []):
        cat = rec["categorie"]
        for col, key in (("lijst", "n_lijst"), ("osm_gevonden", "n_osm_gevonden"), ("aandeel_osm", "aandeel_osm")):
            g[f"volledigheid_{cat}_{col}"] = np.nan if rec.get(key) is None else rec[key]
            vol.append(f"volledigheid_{cat}_{col}")
    head = [
        "naam",
        "n_adressen",
        "n_woningen",
        "inwoners_cbs",
        "woningen_cbs",
        "adressen_per_woning",
        "woningen_per_cbs",
        "wijken_buiten_band",
        "huisartsen",
        "pct_huisartsen_op_adres",
        "buurten",
        "wijken",
        "begrensd_door",
        "zonder_voorzieningen",
        "onbekend",
        *vol,
    ]
    figures = [c for c in g.columns if FIGURE_RE.match(c) and c not in head]
    g = g[[c for c in head if c in g] + figures + [g.geometry.name]]
    g.index.name = "code"
    w = a.wijken.copy()
    w["gemeentecode"] = code
    w["gemeente"] = s.gemeente.naam
    for col in ("inwoners_cbs", "woningen_cbs"):
        if col not in w:
            w[col] = np.nan
    wfig = [c for c in w.columns if FIGURE_RE.match(c)]
    homes = [c for c in ("n_woningen", "woningen_per_cbs", "woningen_oorzaak") if c in w]
    w = w[
        [
            "naam",
            "gemeentecode",
            "gemeente",
            "n_adressen",
            *homes,
            "inwoners_cbs",
            "woningen_cbs",
            *wfig,
            w.geometry.name,
        ]
    ]
    w.index.name = "code"
    return gpd.GeoDataFrame(g, crs=area.crs).to_crs(RD_NEW), gpd.GeoDataFrame(w, crs=a.wijken.crs).to_crs(RD_NEW)


def gemeente_task(settings: Settings, options: TaskOptions) -> dict[str, Any]:
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
    out: dict[str, Any] = {
        "code": code,
        "naam": naam,
        "status": "fout",
        "reden": "",
        "map": folder,
        "worker": f"{os.uname().nodename}:{os.getpid()}",
    }
    t_start, cpu_start = time.perf_counter(), time.thread_time()
    with _captured_warnings() as warnings, _RssSampler() as rss:
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
                own_lists=options.eigen_lijsten,
                outside="overslaan",
            )
            a, timings = run.analysis, run.timings
            g, w = regional_rows(a)
            out.update(
                status="ok",
                gemeente=g,
                wijken=w,
                adressen=len(a.adressen),
                knopen=int(a.network.n_nodes),
                segmenten=int(a.network.n_edges),
                tijden_s=timings,
            )
        except Exception as exc:
            out["reden"] = _reason(exc)
            log.debug("gemeente %s mislukt", code, exc_info=True)
    out["waarschuwingen"] = list(warnings)
    out["tijd_s"] = round(time.perf_counter() - t_start, 3)
    out["cpu_s"] = round(time.thread_time() - cpu_start, 3)
    out["piek_geheugen_mb"] = round(rss.peak / 2**20, 1)
    return out


def fill_cache_task(tiles: list[tuple[Any, Path]], cache_dir: str) -> dict[str, Any]:
    """Decode a chunk of tiles into the shared cache (see :func:`.osm_tiles.fill_tile_cache`)."""
    from woonzorg_geo.sources.datasets import run_tile_layers
    from woonzorg_geo.sources.osm_tiles import fill_tile_cache

    t0, c0 = time.perf_counter(), time.thread_time()
    counts = fill_tile_cache(tiles, cache_dir, layers=run_tile_layers())  # every layer the gemeenten read
    return {**counts, "tijd_s": time.perf_counter() - t0, "cpu_s": time.thread_time() - c0}


# ----------------------------------------------------------------------------- the check


def flag_ratios(ratio: pd.Series, settings: RegioSettings) -> pd.DataFrame:
    """Flag gemeenten whose address points per CBS dwelling are far from the other gemeenten's.

    Each gemeente is compared with the median of the *others* (so an outlier does not shift its
    own yardstick), in robust standard deviations (1.4826 × the median absolute deviation of
    the others): flagged when more than ``settings.ratio_max_z`` away and at least
    ``settings.ratio_min_afwijking`` in absolute terms.

    Returns
    -------
    DataFrame
        Indexed like ``ratio``: ``ratio_mediaan_anderen``, ``ratio_z``, ``ratio_afwijkend``
        (True/False, missing when there is too little to compare) and ``ratio_toelichting``
        (Dutch text).
    """
    rows = {}
    for code, value in ratio.items():
        others = ratio.drop(index=code).dropna()
        row: dict[str, Any] = {"ratio_mediaan_anderen": np.nan, "ratio_z": np.nan, "ratio_afwijkend": pd.NA}
        if not np.isfinite(value):
            row["ratio_toelichting"] = "geen CBS-woningvoorraad: niet te vergelijken"
        elif len(others) < settings.ratio_min_gemeenten:
            row["ratio_toelichting"] = (
                f"te weinig andere gemeenten om mee te vergelijken ({len(others)}, "
                f"minstens {settings.ratio_min_gemeenten})"
            )
        else:
            med = float(others.median())
            sd = 1.4826 * float((others - med).abs().median())
            dev = float(value) - med
            z = dev / sd if sd > 0 else (math.copysign(math.inf, dev) if dev else 0.0)
            flagged = abs(z) > settings.ratio_max_z and abs(dev) >= settings.ratio_min_afwijking
            row.update(ratio_mediaan_anderen=med, ratio_z=z, ratio_afwijkend=bool(flagged))
            txt = f"{value:.3f} adressen per woning tegen {med:.3f} bij de andere gemeenten ({z:+.1f} sd)"
            row["ratio_toelichting"] = (
                "AFWIJKEND: " + txt + "; controleer de adrespunten en de buurten van deze gemeente" if flagged else txt
            ).replace(".", ",")
        rows[code] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["ratio_afwijkend"] = out["ratio_afwijkend"].astype("boolean")
    return out.reindex(ratio.index)


# ----------------------------------------------------------------------------- the run


#: ``[scheme://]HOST:PORT`` of a scheduler; HOST a name, an IPv4 address or an IPv6 one in brackets.
SCHEDULER_RE = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):(?P<port>\d+)$"
)
_SCHEDULER_FIX = (
    "Oplossing: geef het adres van de scheduler als tcp://HOST:PORT, bijv. tcp://127.0.0.1:8786 (dask scheduler "
    "meldt het als 'Scheduler at:'), of laat --scheduler weg voor een lokaal cluster"
)


def check_scheduler_address(address: str) -> str:
    """The scheduler address ``address`` as ``tcp://HOST:PORT`` (``tls://`` kept), or a refusal.

    Only the form is checked (nothing is contacted): a scheme Dask's TCP connections speak
    (``tcp``, ``tls``; none means ``tcp``), a host and a port from 1 to 65535.

    Raises
    ------
    WoonzorgError
        Naming the option, what is wrong and the fix.
    """
    m = SCHEDULER_RE.match(address.strip())
    if m is None:
        problem = "leeg" if not address.strip() else "niet van de vorm tcp://HOST:PORT"
    elif (m["scheme"] or "tcp").lower() not in ("tcp", "tls"):
        problem = f"het protocol {m['scheme']}:// is geen Dask-verbinding (wel tcp:// of tls://)"
    elif not 1 <= int(m["port"]) <= 65535:
        problem = f"poort {m['port']} ligt niet tussen 1 en 65535"
    else:
        return f"{(m['scheme'] or 'tcp').lower()}://{m['host']}:{int(m['port'])}"
    raise WoonzorgError(f"--scheduler {address!r}: {problem}. {_SCHEDULER_FIX}")


async def _identity(address: str, timeout: float) -> dict[str, Any]:
    """The identity of whatever Dask process listens at ``address``, all within ``timeout`` (+ 0,5) s."""
    import asyncio

    from distributed.comm.core import connect as dask_connect

    async def ask() -> Any:
        # distributed's connect() retries the TCP connection for ``timeout`` s, but then waits for
        # the handshake without a bound (dask/distributed#8071): the wait_for around all of it bounds
        # that; its half second more lets a closed port end as connect()'s own OSError
        comm = await dask_connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    reply = await asyncio.wait_for(ask(), timeout + 0.5)
    if not isinstance(reply, dict):
        raise TypeError(f"antwoord {type(reply).__name__}")
    return reply


def _run_async(coro: Any) -> Any:
    import asyncio

    return asyncio.run(coro)


def verify_scheduler(address: str, *, timeout: float = 15.0) -> dict[str, Any]:
    """Check within ``timeout`` seconds that a Dask scheduler answers at ``address``.

    The Dask handshake and the scheduler's ``identity`` are asked with a bound, so a port where
    something else listens (a web server, a Dask dashboard) is refused instead of waited on for ever.

    Returns
    -------
    dict
        The scheduler's identity (``type``, ``address``, ``n_workers``, ...).

    Raises
    ------
    SourceUnavailableError
        Nothing reachable at ``address``, something that is not a Dask scheduler, or a Dask worker.
    """
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm.core import CommClosedError

    t = f"{timeout:g}"
    where = f"--scheduler {address}"
    not_dask = (
        "Oplossing: geef het adres van de Dask-scheduler zelf (dask scheduler meldt het als 'Scheduler at: "
        "tcp://HOST:PORT', standaard poort 8786), niet dat van het dashboard (8787) of een andere dienst"
    )
    # asyncio.run in a thread of its own: callers may already run an event loop (Jupyter)
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            ident: dict[str, Any] = pool.submit(_run_async, _identity(address, timeout)).result()
        except TimeoutError:  # before OSError, its base class: connected, but no Dask answer
            raise SourceUnavailableError(
                f"{where}: daar luistert iets, maar geen Dask-scheduler: geen antwoord op de Dask-handdruk binnen {t} s "
                f"([regio] verbinden_s). {not_dask}"
            ) from None
        except CommClosedError as exc:
            raise SourceUnavailableError(
                f"{where}: daar luistert iets dat de Dask-verbinding meteen verbreekt ({exc}); geen Dask-scheduler. "
                f"{not_dask}"
            ) from None
        except OSError as exc:
            raise SourceUnavailableError(
                f"{where}: geen Dask-scheduler bereikbaar binnen {t} s ({exc}). Oplossing: start er een (dask "
                "scheduler) en geef het adres als tcp://HOST:PORT, of laat --scheduler weg voor een lokaal cluster"
            ) from None
        except Exception as exc:  # noqa: BLE001 - any garbage in reply to the handshake
            raise SourceUnavailableError(
                f"{where}: het antwoord is geen Dask-handdruk ({type(exc).__name__}); geen Dask-scheduler. {not_dask}"
            ) from None
    kind = ident.get("type")
    if kind in ("Worker", "Nanny"):
        raise SourceUnavailableError(
            f"{where}: dat is een Dask-{kind.lower()}, geen scheduler. Oplossing: geef het adres van de scheduler"
            + (f" ({ident['scheduler']})" if ident.get("scheduler") else "")
        )
    if kind != "Scheduler":
        raise SourceUnavailableError(f"{where}: dat is geen Dask-scheduler (antwoord van type {kind!r}). {not_dask}")
    return ident


def connect(
    scheduler: str | None = None, *, workers: int = 0, timeout: float | str = 15.0, herstarts: int = 1
) -> tuple[Any, Any]:
    """A Dask client: to ``scheduler`` (``tcp://HOST:PORT``), else to a new local cluster.

    An existing scheduler is first checked to be one, within ``timeout`` (see
    :func:`verify_scheduler`). The local cluster has ``workers`` processes (0: one per processor
    core) of one thread each, and its scheduler starts a task whose worker was lost at most
    ``herstarts`` times again (its ``allowed_failures``; then the task fails with
    ``KilledWorker``). Returns ``(client, cluster)``; ``cluster`` is ``None`` for an existing
    scheduler.

    Raises
    ------
    SourceUnavailableError
        When no Dask scheduler answers at ``scheduler`` within ``timeout``.
    """
    from dask.utils import parse_timedelta
    from distributed import Client, LocalCluster

    seconds = float(parse_timedelta(timeout, default="seconds") or 0.0)
    if scheduler:
        address = check_scheduler_address(scheduler)
        ident = verify_scheduler(address, timeout=seconds)
        if not ident.get("n_workers", 1):
            log.warning("de scheduler %s heeft (nog) geen workers; de taken wachten daarop", address)
        try:
            return Client(address, timeout=seconds), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise SourceUnavailableError(
                f"--scheduler {scheduler}: geen Dask-scheduler bereikbaar ({exc}). Oplossing: start er een "
                "(dask scheduler) en geef het adres als tcp://HOST:PORT, of laat --scheduler weg voor een lokaal cluster"
            ) from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
        scheduler_kwargs={"allowed_failures": herstarts},
    )
    return Client(cluster), cluster


def _chunks(items: list[Any], n: int) -> list[list[Any]]:
    n = max(1, min(n, len(items)))
    return [items[i::n] for i in range(n)]


class NotFinishedError(WoonzorgError, TimeoutError):
    """A task of a run that did not finish within the run's bounds (see :func:`bounded_results`).

    ``workers_gone``: the bound reached was a cluster without workers (so no worker still runs it).
    """

    def __init__(self, message: str, *, workers_gone: bool = False) -> None:
        super().__init__(message)
        self.workers_gone = workers_gone


def _n_workers(client: Any) -> int:
    """The number of workers the scheduler has now (0 when it cannot be asked)."""
    try:
        return int(client.scheduler_info(n_workers=0).get("n_workers", 0))
    except (OSError, TimeoutError, RuntimeError):  # the scheduler gone, the client closed
        return 0


def bounded_results(
    client: Any, futures: Sequence[Any], *, settings: RegioSettings, poll_s: float = 1.0
) -> Iterator[tuple[Any, Any, BaseException | None]]:
    """Yield ``(future, result, error)`` for every future as it ends, each wait bounded.

    A future ends with its result (``error`` None), or with the error it raised: a task whose
    worker was lost more often than the scheduler allows (``allowed_failures``, see
    :func:`connect`) ends with distributed's ``KilledWorker``. The wait for the next one is bounded
    twice: when the cluster has had no worker for ``settings.zonder_workers_s`` seconds, or no
    future has ended for ``settings.stilstand_s`` seconds, every future still waiting is
    cancelled and ends with a :class:`NotFinishedError` saying which bound was reached.
    """
    from concurrent.futures import CancelledError

    from distributed import wait

    pending = list(futures)
    last = time.monotonic()
    no_workers_since: float | None = None
    while pending:
        with contextlib.suppress(TimeoutError, CancelledError):
            wait(pending, timeout=poll_s, return_when="FIRST_COMPLETED")
        now = time.monotonic()
        done = [f for f in pending if f.done()]
        if done:
            last, no_workers_since = now, None
            pending = [f for f in pending if not f.done()]
            for fut in done:
                try:
                    yield fut, fut.result(), None
                except Exception as exc:  # noqa: BLE001 - the task's error, KilledWorker or a cancellation
                    yield fut, None, exc
            continue
        reason, gone = None, False
        if _n_workers(client):
            no_workers_since = None
        else:
            no_workers_since = now if no_workers_since is None else no_workers_since
            if now - no_workers_since >= settings.zonder_workers_s:
                gone = True
                reason = (
                    f"niet afgerond: het Dask-cluster heeft al {settings.zonder_workers_s:g} s geen workers "
                    "(gestopt of verloren; [regio] zonder_workers_s). Oplossing: start workers (dask worker "
                    "ADRES-VAN-DE-SCHEDULER) of laat --scheduler weg, en draai opnieuw"
                )
        if reason is None and now - last >= settings.stilstand_s:
            reason = (
                f"niet afgerond: in {settings.stilstand_s:g} s kwam geen enkele taak klaar ([regio] stilstand_s). "
                "Oplossing: kijk op het dashboard van de scheduler of een worker vastloopt, of verhoog "
                "stilstand_s als een gemeente zo lang duurt"
            )
        if reason is not None:
            with contextlib.suppress(OSError, TimeoutError, RuntimeError):
                client.cancel(pending)
            for fut in pending:
                yield fut, None, NotFinishedError(reason, workers_gone=gone)
            return


def _task_failure(exc: BaseException, *, herstarts: int | None) -> str:
    """The reason, in Dutch, why a gemeente's task ended without its result."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    if isinstance(exc, NotFinishedError):
        return str(exc)
    if isinstance(exc, KilledWorker):
        return (
            "niet afgerond: de worker ging tijdens de taak verloren (gestopt, of beëindigd bij zijn geheugengrens), "
            + (
                f"ook na {herstarts} herstart(s) ([regio] herstarts)"
                if herstarts is not None
                else "ook na de herstarts die de scheduler toestaat (distributed.scheduler.allowed-failures)"
            )
            + ". Oplossing: geef de workers meer geheugen (dask worker --memory-limit) of draai de gemeente apart "
            "met analyse --gemeente"
        )
    if isinstance(exc, CancelledError):
        return (
            f"niet afgerond: de taak is afgebroken ({exc}); de verbinding met de scheduler is mogelijk verbroken. "
            "Oplossing: draai opnieuw"
        )
    return f"de taak is afgebroken ({_reason(exc)})"


def _lost_task(s: Settings, reason: str, *, worker_gone: bool) -> dict[str, Any]:
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


def _run_tasks(
    client: Any,
    gemeenten: Sequence[Settings],
    *,
    needed: dict[tuple[str, int, int], tuple[Any, Path]],
    size: dict[str, int],
    options: TaskOptions,
    settings: RegioSettings,
    cluster_info: dict[str, Any],
    herstarts: int | None,
    progress: bool,
    timings: dict[str, float],
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    """Decode the tiles, then run every gemeente, on ``client``'s cluster; every wait bounded."""
    from distributed import KilledWorker
    from tqdm import tqdm

    info = client.scheduler_info()
    n_workers = max(1, len(info.get("workers", {})))
    cluster_info = {**cluster_info, "workers": n_workers}
    tile_cache = options.tile_cache or ""
    # 1. every tile decoded once, spread over the workers; a chunk that fails is decoded by the
    # gemeenten's tasks themselves (they decode what the cache lacks)
    t0 = time.perf_counter()
    tile_list = sorted(needed.values(), key=lambda tp: (tp[0].x, tp[0].y))
    chunks = _chunks(tile_list, 4 * n_workers)
    futures = client.map(fill_cache_task, chunks, cache_dir=tile_cache, pure=False)
    counts = {"gedecodeerd": 0, "uit_cache": 0, "leeg": 0}
    task_s = task_cpu = 0.0
    stopped: str | None = None
    with tqdm(total=len(tile_list), desc="Tiles decoderen", unit="tile", disable=not progress) as bar:
        for _, res, exc in bounded_results(client, futures, settings=settings):
            if exc is not None:
                if isinstance(exc, NotFinishedError):
                    stopped = str(exc)
                else:
                    log.warning("tiles decoderen: %s; de gemeenten decoderen die tiles zelf", _reason(exc))
                continue
            for k in counts:
                counts[k] += res[k]
            task_s += res["tijd_s"]
            task_cpu += res["cpu_s"]
            bar.update(res["gedecodeerd"] + res["uit_cache"] + res["leeg"])
    timings["tiles_decoderen"] = time.perf_counter() - t0
    tiles_info = {
        "nodig": len(tile_list),
        **counts,
        "tijd_s": round(timings["tiles_decoderen"], 3),
        "taaktijd_s": round(task_s, 3),
        "cpu_s": round(task_cpu, 3),
        "cache": tile_cache,
    }
    log.info(
        "tiles: %d nodig, %d gedecodeerd, %d uit de cache, %d leeg (%.1f s)",
        len(tile_list),
        counts["gedecodeerd"],
        counts["uit_cache"],
        counts["leeg"],
        timings["tiles_decoderen"],
    )
    if stopped is not None:  # the cluster cannot run the gemeenten either
        results = [_lost_task(s, stopped, worker_gone=False) for s in gemeenten]
        for res in results:
            log.error("gemeente %s (%s) mislukt: %s", res["naam"], res["code"], res["reden"])
        timings["gemeenten"] = 0.0
        return results, tiles_info, cluster_info

    # 2. one task per gemeente, the largest first (shorter tail)
    t0 = time.perf_counter()
    futures = [
        client.submit(
            gemeente_task,
            s,
            options,
            key=f"gemeente-{s.gemeente.code}-{time.time_ns()}",
            pure=False,
            priority=size.get(s.gemeente.code, 0),
        )
        for s in gemeenten
    ]
    owner = {f.key: s for f, s in zip(futures, gemeenten, strict=True)}
    results = []
    with tqdm(total=len(futures), desc="Gemeenten", unit="gemeente", disable=not progress) as bar:
        for fut, res, exc in bounded_results(client, futures, settings=settings):
            if exc is not None:  # a worker that died, a bound reached: report, go on
                gone = isinstance(exc, KilledWorker) or (isinstance(exc, NotFinishedError) and exc.workers_gone)
                res = _lost_task(owner[fut.key], _task_failure(exc, herstarts=herstarts), worker_gone=gone)
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

    A gemeente whose worker is lost, or that does not finish within the bounds of ``settings``
    (see :func:`bounded_results`), is reported as failed with its reason (``niet_afgerond``); what
    its task left in its folder (staging folder, lock) is removed.
    """
    import dask

    from woonzorg_geo.sources.datasets import load_areas, resolve_paths, tile_bbox
    from woonzorg_geo.sources.osm_tiles import list_tiles
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
        eigen_lijsten=tuple(own_lists),
    )
    timings: dict[str, float] = {}

    # which tiles the run needs (a gemeente whose areas cannot be read fails later, in its task)
    t0 = time.perf_counter()
    needed: dict[tuple[str, int, int], tuple[Any, Path]] = {}
    size: dict[str, int] = {}
    for s in gemeenten:  # the tasks warn about these files themselves: quiet here
        try:
            with _quiet():
                paths = resolve_paths(s, raw_dir=raw_dir)
                gemeente, _, _ = load_areas(s, paths=paths)
                tiles = list_tiles(paths["osm_tiles"], bbox_lonlat=tile_bbox(gemeente, s))
        except (WoonzorgError, KeyError) as exc:
            log.info("gemeente %s: gebieden niet te lezen (%s); de taak meldt de fout", s.gemeente.code, exc)
            continue
        size[s.gemeente.code] = len(tiles)
        for tile, path in tiles:
            needed[(str(path.parents[2]), tile.x, tile.y)] = (tile, path)
    timings["voorbereiden"] = time.perf_counter() - t0

    # every connection the client opens (to the scheduler, during the run) gives up after verbinden_s
    with dask.config.set({"distributed.comm.timeouts.connect": f"{settings.verbinden_s}s"}):
        client, cluster = connect(
            scheduler, workers=workers, timeout=settings.verbinden_s, herstarts=settings.herstarts
        )
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
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    # a task whose worker died left its staging folder and lock in the gemeente's folder; on a
    # local cluster every worker has ended by now (closed above), on an existing one only those
    # lost (KilledWorker, no workers at all): a worker that hangs may still write
    for res in results:
        if res.pop("_worker_weg", False) or (res.get("niet_afgerond") and not scheduler):
            _clean_after_lost_task(out_dir / res["map"])

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
    tasks = [{k: v for k, v in r.items() if k not in ("gemeente", "wijken")} for r in results]
    timings["totaal"] = time.perf_counter() - t_run
    return RegioResult(
        naam=naam,
        gemeenten=gpd.GeoDataFrame(gem, crs=RD_NEW),
        wijken=gpd.GeoDataFrame(wijken, crs=RD_NEW),
        tasks=tasks,
        tiles=tiles_info,
        timings={k: round(v, 3) for k, v in timings.items()},
        cluster=cluster_info,
    )


# ----------------------------------------------------------------------------- writing


def regio_table(result: RegioResult) -> pd.DataFrame:
    """``regio.csv``: one row per gemeente asked for, failed ones with their reason."""
    status = pd.DataFrame(
        [
            {
                "code": t["code"],
                "naam": t["naam"],
                "status": t["status"],
                "reden": t.get("reden", ""),
                "map": t.get("map", ""),
            }
            for t in result.tasks
        ]
    ).set_index("code")
    figures = result.gemeenten.drop(columns=[result.gemeenten.geometry.name, "naam"], errors="ignore")
    return status.join(figures)


def write_regio(
    result: RegioResult,
    out_dir: Path,
    *,
    norm_m: float,
    maps: bool = True,
    offline: bool | None = None,
    csv_nl: bool = False,
) -> list[Path]:
    """Write ``regio.gpkg`` (layers ``gemeenten``, ``wijken``), ``regio.csv``, ``regio.json``, the map and
    ``overzicht.xlsx`` (with ``csv_nl`` also ``regio_nl.csv``, see :mod:`woonzorg_geo.outputs.workbook`).

    All or nothing, like every output of the package (see :func:`.core.io.staged_dir`); the
    gemeenten's own folders are written by their tasks.
    """
    import json

    from woonzorg_geo import __version__
    from woonzorg_geo.core.files import json_default_or_text, write_csv
    from woonzorg_geo.core.io import Owner, staged_dir

    manifest = {
        "programma": f"woonzorg_geo {__version__}",
        "regio": result.naam,
        "gemeenten": [t["code"] for t in result.tasks],
    }
    owner = Owner("regio", None, result.naam)
    with staged_dir(out_dir, owner=owner, replace_set=True, manifest=manifest) as tmp:
        if len(result.gemeenten):
            gem = result.gemeenten.copy()
            gem["ratio_afwijkend"] = gem["ratio_afwijkend"].astype(object)
            gem.to_file(tmp / "regio.gpkg", layer="gemeenten", driver="GPKG")
            result.wijken.to_file(tmp / "regio.gpkg", layer="wijken", driver="GPKG")
        write_csv(tmp / "regio.csv", regio_table(result), encoding="utf-8")
        from woonzorg_geo.outputs.workbook import write_exports
        from woonzorg_geo.outputs.workbook.sheets import regio_sheets

        write_exports(
            tmp,
            regio_sheets(tmp, wijken=result.wijken, tasks=result.tasks, out_dir=out_dir, norm_m=norm_m),
            csv_nl=csv_nl,
        )
        doc = {
            "regio": result.naam,
            "cluster": result.cluster,
            "tiles": result.tiles,
            "tijden_s": result.timings,
            "gemeenten": result.tasks,
            "mislukt": result.failures,
        }
        (tmp / "regio.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False, default=json_default_or_text), encoding="utf-8"
        )
        if maps and len(result.gemeenten):
            from woonzorg_geo.outputs.maps.layers import save_map
            from woonzorg_geo.outputs.maps.regio import regio_map

            links = {
                t["code"]: f"../{t['map']}/maps/{slug(t['naam'])}_bereikbaarheid.html"
                for t in result.tasks
                if t["status"] == "ok"
            }
            m = regio_map(
                result.gemeenten, result.wijken, naam=result.naam, norm_m=norm_m, links=links, offline=offline
            )
            save_map(m, tmp / "maps" / f"{slug(result.naam)}_bereikbaarheid.html")
        files = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    return [out_dir / f for f in files]


def regio_text(result: RegioResult, *, norm_m: float, suffix: str = "") -> str:
    """The regional summary as Dutch text: one line per gemeente, failures with their reason."""
    from woonzorg_geo.outputs.maps.style import nl_number

    n = int(norm_m)
    lines = [f"Bereikbaarheid te voet — {result.naam} ({len(result.tasks)} gemeenten)", ""]
    head = (
        f"{'gemeente':<16} {'adressen':>9} {'per woning':>10} {'woningen':>9} {'per CBS':>8} {'OV+super':>9} "
        f"{'alle adr.':>9} {'CBS-gew.':>9} {'drie A':>7} {'huisarts':>9}   (aandelen per woning: ≤ {n} m; "
        "alle adr.: over alle adrespunten; CBS-gew.: gewogen naar CBS-woningen per wijk; huisarts: mediane loopafstand)"
    )
    lines += [head, "-" * len(head)]
    g = result.gemeenten
    for t in result.tasks:
        if t["status"] != "ok":
            lines.append(f"{t['naam']:<16} MISLUKT: {t['reden']}")
            continue
        r = g.loc[t["code"]]
        v = r.get("ratio_afwijkend", pd.NA)
        flag = " (!)" if pd.notna(v) and bool(v) else ""
        ov = f"pct_ov_en_supermarkt_{n}m"
        lines.append(
            f"{t['naam']:<16} {nl_number(r['n_adressen']):>9} {nl_number(r['adressen_per_woning'], 3):>10}"
            f"{flag} {nl_number(r.get('n_woningen')):>9} {nl_number(r.get('woningen_per_cbs'), 3):>8} "
            f"{nl_number(r[f'{ov}{suffix}'], 1, unit='%'):>9} "
            f"{nl_number(r.get(f'{ov}_alle_adressen{suffix}'), 1, unit='%'):>9} "
            f"{nl_number(r.get(f'{ov}_cbs_gewogen{suffix}'), 1, unit='%'):>9} "
            f"{nl_number(r[f'pct_drie_a_{n}m{suffix}'], 1, unit='%'):>7} "
            f"{nl_number(r[f'med_afstand_huisarts_m{suffix}'], 0, unit=' m'):>9}"
        )
    flagged = g.index[g["ratio_afwijkend"].fillna(False).astype(bool)] if "ratio_afwijkend" in g else []
    if "zonder_voorzieningen" in g:
        for code, text in g["zonder_voorzieningen"].items():
            if text:
                drie_a = [c for c in ("supermarkt", "apotheek", "huisarts") if c in text.split(", ")]
                lines.append(
                    f"Let op: {g.loc[code, 'naam']} heeft in de gegevens geen {text} in of bij de gemeente; "
                    "afstanden daarheen ontbreken"
                    + (", en het aandeel met de drie A's is daardoor 0 %" if drie_a else "")
                    + "."
                )
    if "wijken_buiten_band" in g:
        for code, text in g["wijken_buiten_band"].items():
            if isinstance(text, str) and text:
                lines.append(f"Wijken van {g.loc[code, 'naam']} met woningen per CBS-woning buiten de band: {text}.")
    lines += [
        "",
        "Adrespunten per CBS-woning (woningvoorraad 2024): "
        + (
            "geen gemeente wijkt af."
            if not len(flagged)
            else "afwijkend: " + "; ".join(g.loc[c, "ratio_toelichting"] for c in flagged)
        ),
    ]
    lines.append(
        f"Tiles: {result.tiles.get('nodig', 0)} nodig, {result.tiles.get('gedecodeerd', 0)} gedecodeerd, "
        f"{result.tiles.get('uit_cache', 0)} uit de cache. Tijden (s): "
        + ", ".join(f"{k} {nl_number(v, 1)}" for k, v in result.timings.items())
    )
    lines.append("Bronnen: © OpenStreetMap contributors (ODbL); CBS / PDOK (CC BY 4.0).")
    return "\n".join(lines) + "\n"
