"""Many gemeenten in one run: one Dask task per gemeente, a shared tile cache, regional tables.

``woonzorg-geo regio`` runs the whole chain of :mod:`.pipeline` for every gemeente of a province
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

from . import RD_NEW
from .config import RegioSettings, Settings
from .errors import SourceUnavailableError, WoonzorgError
from .pages import slug

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
    """Collects the package's warnings of the current thread (a task), to report them with it."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
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
        An :class:`.pipeline.Analysis`.

    Returns
    -------
    GeoDataFrame, GeoDataFrame
        One row (index: gemeentecode) and one row per wijk (index: wijkcode, with
        ``gemeentecode``, ``gemeente``), each with ``naam``, ``n_adressen``, ``inwoners_cbs``,
        ``woningen_cbs`` and every share and distance per profile; EPSG:28992.
    """
    from .aggregation import aggregate

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
    gp = a.summary.get("huisartsenlijst", {})
    g["huisartsen"] = gp.get("in_gemeente", np.nan)
    g["pct_huisartsen_op_adres"] = gp.get("pct_op_adres", np.nan)
    g["begrensd_door"] = s.data.gemeente_vorm
    g["zonder_voorzieningen"] = ", ".join(a.summary.get("categorieen_zonder_voorzieningen", []))
    g["buurten"] = len(a.buurten)
    g["wijken"] = len(a.wijken)
    head = [
        "naam",
        "n_adressen",
        "inwoners_cbs",
        "woningen_cbs",
        "adressen_per_woning",
        "huisartsen",
        "pct_huisartsen_op_adres",
        "buurten",
        "wijken",
        "begrensd_door",
        "zonder_voorzieningen",
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
    w = w[["naam", "gemeentecode", "gemeente", "n_adressen", "inwoners_cbs", "woningen_cbs", *wfig, w.geometry.name]]
    w.index.name = "code"
    return gpd.GeoDataFrame(g, crs=area.crs).to_crs(RD_NEW), gpd.GeoDataFrame(w, crs=a.wijken.crs).to_crs(RD_NEW)


def gemeente_task(settings: Settings, options: TaskOptions) -> dict[str, Any]:
    """Run one gemeente: load its inputs (tiles from the cache), analyse, write its own folder.

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
    from .datasets import load_offline
    from .pipeline import analyse, write_outputs

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
            inputs = load_offline(
                settings,
                raw_dir=Path(options.raw_dir),
                tile_cache=Path(options.tile_cache) if options.tile_cache else None,
            )
            a = analyse(settings, inputs=inputs, profiles=list(options.profiles) if options.profiles else None)
            target = Path(options.out_dir) / folder
            t0 = time.perf_counter()
            write_outputs(a, target, rasters=options.rasters, surfaces=options.rasters)
            timings = dict(a.summary["tijden_s"])
            timings["schrijven"] = round(time.perf_counter() - t0, 3)
            if options.maps:
                from .maps import write_maps
                from .palette import balance_classes

                t0 = time.perf_counter()
                o = settings.overlays
                write_maps(
                    target,
                    target / "maps",
                    gemeente=naam,
                    offline=options.offline,
                    balance=balance_classes(o.balans_grenzen, o.balans_labels),
                )
                timings["kaarten"] = round(time.perf_counter() - t0, 3)
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
    from .sources.osm_tiles import fill_tile_cache

    t0, c0 = time.perf_counter(), time.thread_time()
    counts = fill_tile_cache(tiles, cache_dir)
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


def connect(scheduler: str | None = None, *, workers: int = 0, timeout: str = "15s") -> tuple[Any, Any]:
    """A Dask client: to ``scheduler`` (``tcp://HOST:PORT``), else to a new local cluster.

    The local cluster has ``workers`` processes (0: one per processor core) of one thread each.
    Returns ``(client, cluster)``; ``cluster`` is ``None`` for an existing scheduler.

    Raises
    ------
    SourceUnavailableError
        When the scheduler cannot be reached.
    """
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return Client(scheduler, timeout=timeout), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise SourceUnavailableError(
                f"--scheduler {scheduler}: geen Dask-scheduler bereikbaar ({exc}). Oplossing: start er een "
                "(dask scheduler) en geef het adres als tcp://HOST:PORT, of laat --scheduler weg voor een lokaal cluster"
            ) from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=logging.ERROR
    )
    return Client(cluster), cluster


def _chunks(items: list[Any], n: int) -> list[list[Any]]:
    n = max(1, min(n, len(items)))
    return [items[i::n] for i in range(n)]


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
) -> RegioResult:
    """Run every gemeente of ``gemeenten`` as a Dask task and collect the regional tables.

    Parameters
    ----------
    gemeenten
        The settings of each gemeente (see :func:`.catalogue.resolve_gemeente`).
    naam
        Name of the region (the province), for titles and the map's file name.
    raw_dir
        The raw data folder (workers of an existing cluster must see the same path).
    out_dir
        The output folder; each gemeente writes its own subfolder there.
    scheduler
        Address of an existing Dask scheduler; ``None`` starts a local cluster of ``workers``.
    tile_cache
        Folder of decoded tiles (default ``out_dir/.tegelcache``); kept between runs.
    profiles, maps, rasters, offline
        As for ``analyse``; ``rasters=False`` also leaves out the distance surfaces.
    progress
        Progress bars (tiles decoded, gemeenten done).
    settings
        The ratio check (default: the package's ``[regio]``).
    """
    from tqdm import tqdm

    from .datasets import load_areas, resolve_paths, tile_bbox
    from .sources.osm_tiles import list_tiles

    t_run = time.perf_counter()
    settings = settings or gemeenten[0].regio
    tile_cache = tile_cache or out_dir / DEFAULT_CACHE
    options = TaskOptions(
        raw_dir=str(raw_dir),
        out_dir=str(out_dir),
        tile_cache=str(tile_cache),
        profiles=tuple(profiles) if profiles else None,
        maps=maps,
        rasters=rasters,
        offline=offline,
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

    client, cluster = connect(scheduler, workers=workers)
    try:
        info = client.scheduler_info()
        n_workers = max(1, len(info.get("workers", {})))
        cluster_info = {"scheduler": scheduler or "lokaal", "workers": n_workers}
        # 1. every tile decoded once, spread over the workers
        t0 = time.perf_counter()
        tile_list = sorted(needed.values(), key=lambda tp: (tp[0].x, tp[0].y))
        chunks = _chunks(tile_list, 4 * n_workers)
        futures = client.map(fill_cache_task, chunks, cache_dir=str(tile_cache), pure=False)
        counts = {"gedecodeerd": 0, "uit_cache": 0, "leeg": 0}
        task_s = task_cpu = 0.0
        from distributed import as_completed

        with tqdm(total=len(tile_list), desc="Tiles decoderen", unit="tile", disable=not progress) as bar:
            for fut in as_completed(futures):
                res = fut.result()
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
            "cache": str(tile_cache),
        }
        log.info(
            "tiles: %d nodig, %d gedecodeerd, %d uit de cache, %d leeg (%.1f s)",
            len(tile_list),
            counts["gedecodeerd"],
            counts["uit_cache"],
            counts["leeg"],
            timings["tiles_decoderen"],
        )

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
            for fut in as_completed(futures):
                s = owner[fut.key]
                try:
                    res = fut.result()
                except Exception as exc:  # noqa: BLE001 - a worker that died: report, go on
                    res = {
                        "code": s.gemeente.code,
                        "naam": s.gemeente.naam,
                        "status": "fout",
                        "reden": f"de taak is afgebroken ({_reason(exc)})",
                        "map": slug(s.gemeente.naam),
                        "waarschuwingen": [],
                    }
                for line in res.get("waarschuwingen", []):
                    log.warning("%s: %s", res["naam"], line)
                if res["status"] != "ok":
                    log.error("gemeente %s (%s) mislukt: %s", res["naam"], res["code"], res["reden"])
                results.append(res)
                bar.set_postfix_str(res["naam"])
                bar.update(1)
        timings["gemeenten"] = time.perf_counter() - t0
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

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
    result: RegioResult, out_dir: Path, *, norm_m: float, maps: bool = True, offline: bool | None = None
) -> list[Path]:
    """Write ``regio.gpkg`` (layers ``gemeenten``, ``wijken``), ``regio.csv``, ``regio.json`` and the map.

    All or nothing, like every output of the package (see :func:`.io.staged_dir`); the
    gemeenten's own folders are written by their tasks.
    """
    import json

    from . import __version__
    from .io import json_default_or_text, staged_dir

    manifest = {
        "programma": f"woonzorg_geo {__version__}",
        "regio": result.naam,
        "gemeenten": [t["code"] for t in result.tasks],
    }
    with staged_dir(out_dir, replace_set=True, manifest=manifest) as tmp:
        if len(result.gemeenten):
            gem = result.gemeenten.copy()
            gem["ratio_afwijkend"] = gem["ratio_afwijkend"].astype(object)
            gem.to_file(tmp / "regio.gpkg", layer="gemeenten", driver="GPKG")
            result.wijken.to_file(tmp / "regio.gpkg", layer="wijken", driver="GPKG")
        regio_table(result).to_csv(tmp / "regio.csv", encoding="utf-8")
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
            from .maps.layers import save_map
            from .maps.regio import regio_map

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
    from .maps.style import nl_number

    n = int(norm_m)
    lines = [f"Bereikbaarheid te voet — {result.naam} ({len(result.tasks)} gemeenten)", ""]
    head = (
        f"{'gemeente':<16} {'adressen':>9} {'per woning':>10} {'OV+super':>9} {'drie A':>7} "
        f"{'huisarts':>9}   (aandelen: ≤ {n} m; huisarts: mediane loopafstand)"
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
        lines.append(
            f"{t['naam']:<16} {nl_number(r['n_adressen']):>9} {nl_number(r['adressen_per_woning'], 3):>10}"
            f"{flag} {nl_number(r[f'pct_ov_en_supermarkt_{n}m{suffix}'], 1, unit='%'):>9} "
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
