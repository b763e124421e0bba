"""One gemeente from its inputs to its maps: the driver of ``analyse`` and of every ``regio`` task.

The chain of the package runs sources → network → accessibility → aggregation → overlays →
outputs → maps; :func:`run_gemeente` runs all of it for one gemeente with one set of settings,
so that ``woonzorg-geo analyse`` and each gemeente of ``woonzorg-geo regio`` give the same
tables, the same summary and the same maps (labels, ``[kaarten]``, balans classes of the run's
settings) for the same settings. What differs between the two commands are options of the
driver: where the output and the maps go and who owns them, the shared tile cache of a regio run,
the extra indicator tables of ``analyse``, progress bars. What regio adds around a task (its
warnings collected per gemeente, a failure reported instead of raised, the worker's memory) stays
in :func:`woonzorg_geo.run.regio.gemeente_task`, around one call of this driver.

This module sits at the end of the one-way flow (it imports the pipeline and the maps); nothing
in the package below it imports it.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from woonzorg_geo.areas.analysis import Analysis
from woonzorg_geo.areas.summary import RunSummary, record_own_lists
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.io import Owner
from woonzorg_geo.core.records import Manifest
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.outputs.manifest import run_manifest
from woonzorg_geo.sources.own_lists import OwnList, lists_record, with_own_lists

log = logging.getLogger(__name__)


@dataclass
class GemeenteRun:
    """What :func:`run_gemeente` did for one gemeente."""

    #: the analysis, in memory (its ``summary`` as written, without the writing time)
    analysis: Analysis
    #: the output folder and the files written there
    out_dir: Path
    files: list[Path] = field(default_factory=list)
    #: the maps folder and the maps written (empty without maps)
    maps_dir: Path | None = None
    map_files: list[Path] = field(default_factory=list)
    #: wall-clock seconds per step: the analysis's own (``tijden_s``), ``schrijven`` and ``kaarten``
    #: (from the maps' start to their publication: it spans ``schrijven`` when they are drawn beside it)
    timings: dict[str, float] = field(default_factory=dict)


def run_gemeente(
    settings: Settings,
    out_dir: str | Path,
    *,
    maps_dir: str | Path | None = None,
    maps_owner: Owner | None = None,
    offline: bool | None = None,
    raw_dir: Path | None = None,
    online: bool | None = None,
    tile_cache: Path | None = None,
    profiles: Sequence[str] | None = None,
    extra_tables: Sequence[tuple[str, pd.DataFrame]] = (),
    rasters: bool = True,
    surfaces: bool | None = None,
    progress: bool = False,
    own_lists: Sequence[OwnList] = (),
    outside: str = "weigeren",
    csv_nl: bool = False,
    maps_beside: bool = False,
) -> GemeenteRun:
    """Load, analyse and write one gemeente, and draw its maps, all with ``settings``.

    Parameters
    ----------
    settings
        The run's settings, for the gemeente to analyse (see :func:`.sources.catalogue.resolve_gemeente`).
        The maps take their vocabulary (labels), ``[kaarten]`` and balans classes from the same
        settings as the analysis.
    out_dir
        The output folder (``analyse --out``; in a regio run the gemeente's own folder). Written
        all or nothing (see :func:`.run.pipeline.write_outputs`); its owner is ``analyse`` for the
        gemeente.
    maps_dir
        Where the maps go; ``None`` writes none.
    maps_owner
        Who ``maps_dir`` belongs to (default: ``kaarten`` for the gemeente).
    offline
        Maps without background tiles (``True``), with them (``False``), or detected (``None``).
    raw_dir, online
        Where the inputs come from (see :func:`.sources.inputs.load_inputs`; ``online=None`` goes
        online only when no raw data folder is found).
    tile_cache
        A folder of decoded vector tiles shared with other runs (regio); offline only.
    profiles
        The walking profiles, main profile first (default: all of the settings).
    extra_tables
        Further indicator tables for the overlays (``analyse --indicatoren``).
    rasters, surfaces
        ``rasters=False`` leaves out the GeoTIFFs; ``surfaces=False`` also leaves out the distance
        surfaces (the ``servicegebieden`` layer and the surface figures of the summary). By default
        (``None``) the surfaces are computed only when something shows them: the GeoTIFFs or the maps
        (their walking areas), so ``analyse --geen-kaarten --geen-rasters`` computes none.
    progress
        Progress bars while loading.
    own_lists, outside
        The user's own voorzieningen lists (``--voorzieningen``), applied to the loaded inputs, and
        what to do with a row outside the gemeente: refuse (``"weigeren"``, ``analyse``) or skip it
        (``"overslaan"``, each gemeente of ``regio``); see :func:`.sources.own_lists.with_own_lists`.
    csv_nl
        Also write each CSV's Dutch-Excel variant ``*_nl.csv`` (see :mod:`.outputs.workbook`).
    maps_beside
        Draw the maps in a forked child process while this one writes the files (``analyse``: the
        two halves of the run on two cores; see :mod:`.core.beside`). Either way the maps are
        drawn from the analysis in memory (:func:`.outputs.maps.map_data_from_analysis`), the same
        maps ``woonzorg-geo kaarten`` draws from the written folder, and they are published only
        after the output: a run that fails leaves both folders as they were. ``regio`` leaves it
        off: its gemeenten already keep both cores busy.

    Returns
    -------
    GemeenteRun

    Raises
    ------
    WoonzorgError
        Whatever a step refuses (missing or damaged inputs, a collapsed category against the
        previous run in ``out_dir``, an output folder that cannot be written); nothing of this run
        is left in ``out_dir`` or ``maps_dir`` then.
    """
    # looked up at call time (not bound at import), so a stand-in set on these modules is used
    from woonzorg_geo.areas import analysis
    from woonzorg_geo.run import pipeline
    from woonzorg_geo.sources import inputs as sources_inputs
    from woonzorg_geo.sources.datasets import check_against_previous_run

    out_dir = Path(out_dir)
    g = settings.gemeente
    inputs = sources_inputs.load_inputs(
        settings, raw_dir=raw_dir, online=online, progress=progress, tile_cache=tile_cache
    )
    inputs = with_own_lists(inputs, own_lists, settings, outside=outside)
    check_against_previous_run(out_dir, inputs, settings)  # before any work: a collapsed category stops here
    log.info("netwerk bouwen en bereikbaarheid berekenen")
    a = analysis.analyse(settings, inputs=inputs, profiles=profiles, extra_tables=extra_tables)
    # toets, watals and locaties compare their lists with it (see woonzorg_geo.sources.own_lists.RECORD_KEY)
    record_own_lists(a.summary, lists_record(own_lists))
    timings = dict(a.summary["tijden_s"])
    log.info("uitvoer schrijven naar %s", out_dir)
    if surfaces is None:  # compute only what is asked: the surfaces feed the GeoTIFFs and the maps
        surfaces = rasters or maps_dir is not None
    manifest = run_manifest(a)  # one manifest and one summary for the output and its maps
    summary = pipeline.output_summary(a, surfaces=surfaces)
    write = functools.partial(
        pipeline.write_outputs,
        a,
        out_dir,
        rasters=rasters,
        surfaces=surfaces,
        csv_nl=csv_nl,
        manifest=manifest,
        summary=summary,
    )
    if maps_dir is None:
        t0 = time.perf_counter()
        files = write()
        timings["schrijven"] = round(time.perf_counter() - t0, 3)
        return GemeenteRun(a, out_dir, files, timings=timings)
    maps_dir = Path(maps_dir)
    run = GemeenteRun(a, out_dir, [], maps_dir=maps_dir, timings=timings)
    run.files, run.map_files = _write_with_maps(
        a,
        write,
        out_dir=out_dir,
        maps_dir=maps_dir,
        timings=timings,
        manifest=manifest,
        summary=summary,
        owner=maps_owner or Owner("kaarten", g.code, g.naam),
        offline=offline,
        surfaces=surfaces,
        rasters=rasters,
        beside=maps_beside,
    )
    return run


class _OutputFailed(BaseException):
    """The output's own error, carried through the maps' staging folder (which is then removed)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def _write_with_maps(
    a: Analysis,
    write: Callable[[], list[Path]],
    *,
    out_dir: Path,
    maps_dir: Path,
    timings: dict[str, float],
    manifest: Manifest,
    summary: RunSummary,
    owner: Owner,
    offline: bool | None,
    surfaces: bool,
    rasters: bool,
    beside: bool,
) -> tuple[list[Path], list[Path]]:
    """Write the output (``write``) and draw the maps of ``a`` into ``maps_dir``, maps beside the writing or after it.

    The maps folder is checked and locked first, and its new set is published only after the
    output: a failure in either leaves both folders as they were.
    """
    from woonzorg_geo.core.beside import Beside
    from woonzorg_geo.core.palette import balance_classes
    from woonzorg_geo.outputs.maps import map_data_from_analysis, map_folder, render_maps

    s = a.settings
    t0 = time.perf_counter()
    try:
        with map_folder(maps_dir, out_dir=out_dir, gemeente=s.gemeente.naam, owner=owner) as tmp:
            data = map_data_from_analysis(
                a,
                out_dir,
                summary=summary,
                manifest=manifest,
                vocabulary=a.vocab,
                map_settings=s.kaarten,
                surfaces=surfaces,
                rasters=rasters,
            )
            o = s.overlays
            balance = balance_classes(o.balans_grenzen, o.balans_labels)

            def draw() -> list[str]:
                return render_maps(data, tmp, gemeente=s.gemeente.naam, offline=offline, balance=balance)

            job = Beside.start(draw, name="kaarten") if beside else None
            t_write = time.perf_counter()
            try:
                files = write()
            except BaseException as exc:
                if job is not None:
                    job.cancel()
                # past the maps' staging unchanged (it would take a failed write for one of its own)
                raise _OutputFailed(exc) from exc
            timings["schrijven"] = round(time.perf_counter() - t_write, 3)
            if job is None:
                log.info("kaarten schrijven naar %s", maps_dir)
            names = job.result() if job is not None else draw()
    except _OutputFailed as failed:
        raise failed.error from failed.error.__cause__
    timings["kaarten"] = round(time.perf_counter() - t0, 3)
    log.info("%d kaarten geschreven in %s", len(names), maps_dir)
    return files, [maps_dir / n for n in names]


def write_gemeente_maps(
    settings: Settings,
    out_dir: str | Path,
    maps_dir: str | Path,
    *,
    vocabulary: Vocabulary | None = None,
    profile: str | None = None,
    offline: bool | None = None,
    owner: Owner | None = None,
) -> list[Path]:
    """The maps of the analysis in ``out_dir``, drawn with ``settings`` (``kaarten``).

    :func:`run_gemeente` (``analyse``, ``regio``) draws the same set with the same function
    (:func:`.outputs.maps.render_maps`) from the analysis in memory, and ``kaarten`` from the
    folder it wrote, so the maps carry the labels (``vocabulary``, default: that of ``settings``),
    the ``[kaarten]`` settings and the balans classes of the same settings whichever command draws
    them (``tests/test_driver.py`` and ``tests/test_kill.py`` compare the pages).

    Parameters
    ----------
    settings
        The settings of the analysis (its gemeente names the maps).
    out_dir, maps_dir
        The analysis's output folder and where the maps go (see :func:`.outputs.maps.write_maps`).
    vocabulary
        The run's vocabulary (default: :meth:`.Vocabulary.from_settings`; the norm and profiles
        come from the output).
    profile, offline, owner
        As for :func:`.outputs.maps.write_maps`.

    Returns
    -------
    list[Path]
        The maps written.
    """
    from woonzorg_geo.core.palette import balance_classes
    from woonzorg_geo.outputs.maps import write_maps  # looked up at call time, like the loaders above

    o = settings.overlays
    return write_maps(
        out_dir,
        maps_dir,
        gemeente=settings.gemeente.naam,
        offline=offline,
        balance=balance_classes(o.balans_grenzen, o.balans_labels),
        profile=profile,
        vocabulary=vocabulary or Vocabulary.from_settings(settings),
        map_settings=settings.kaarten,
        owner=owner,
    )
