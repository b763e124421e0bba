"""Print-ready figures for the woonzorgvisie: static maps and charts at 300 dpi (matplotlib).

:func:`write_figures` reads an ``analyse`` output folder and writes, in the same classes and
colours as the Folium maps (:mod:`woonzorg_geo.core.palette`):

- ``gemeente_<norm>.png``: the buurten by share of homes with OV and a supermarket within the norm;
- ``wijk_<naam>_looptijd.png``: per wijk, the homes by walking time to huisarts, supermarkt and OV;
- ``draagkracht_draaglast.png`` and ``balans.png``: draaglast, draagkracht and balans per wijk;
- ``focus_veerkracht.png``: focus and veerkracht per buurt;
- ``zoekgebieden.png``: the zoekgebieden for geclusterd wonen (after ``woonzorg-geo locaties``);
- ``indicator_<kolom>.png``: one bar chart per indicator comparing the wijken, with the gemeente's
  value (or the mean of the wijken for indicators without a gemeente figure).

Every map has a title, legend, scale bar, north arrow and a source line with the data's dates;
every chart a title, axis labels and a source line. Sizes fit an A4 text column (16 cm wide), so a
planner pastes them into a document without editing. Metric work in EPSG:28992 throughout.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd

from woonzorg_geo.core import provenance
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.escaping import plain_figure_text
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.core.io import Owner, derived_owner, staged_dir
from woonzorg_geo.core.palette import balance_classes
from woonzorg_geo.core.vocabulary import REPORT_NORM, Vocabulary

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from woonzorg_geo.outputs.figures.cartography import north_arrow, scale_bar
from woonzorg_geo.outputs.figures.charts import Indicator, indicator_chart, indicators
from woonzorg_geo.outputs.figures.common import CM, DPI, FORMATS, WIDTH_CM, FigureContext
from woonzorg_geo.outputs.figures.map_figures import (
    balance_figure,
    focus_figure,
    gemeente_figure,
    overlay_figure,
    site_figure,
    wijk_figure,
)

__all__ = [
    "CM",
    "DPI",
    "FORMATS",
    "WIDTH_CM",
    "FigureContext",
    "Indicator",
    "balance_figure",
    "focus_figure",
    "gemeente_figure",
    "indicator_chart",
    "indicators",
    "north_arrow",
    "overlay_figure",
    "scale_bar",
    "site_figure",
    "wijk_figure",
    "write_figures",
]

log = logging.getLogger(__name__)


def _save(fig: Figure, folder: Path, stem: str, fmt_: str) -> Path:
    path = folder / f"{stem}.{fmt_}"
    for ax in fig.axes:
        if ax.get_aspect() == 1.0:  # a map: no axis titles (GeoPandas sets them from the CRS)
            ax.set_xlabel("")
            ax.set_ylabel("")
    meta: dict[str, Any] = {
        "png": {"Software": "woonzorg_geo (matplotlib)"},
        "pdf": {"Creator": "woonzorg_geo (matplotlib)"},
        "svg": {"Creator": "woonzorg_geo (matplotlib)"},
    }[fmt_]
    # zlib level 3 instead of PIL's 6: the same pixels, a third less time, about the same size
    extra: dict[str, Any] = {"pil_kwargs": {"compress_level": 3}} if fmt_ == "png" else {}
    fig.savefig(path, dpi=DPI, format=fmt_, facecolor="white", metadata=meta, **extra)
    # no fig.clear(): it clears every axes first (their ticks made anew), a twentieth of the time; the
    # figure is not registered with pyplot and goes with its last reference
    return path


#: Fewer figures than this are drawn in one process (a second one does not pay for itself).
PARALLEL_FROM = 8


def _render(jobs: list[tuple[str, Any]], k: int, folder: Path, fmt_: str) -> str:
    stem, make = jobs[k]
    with plain_figure_text():  # a name with "$" shown as typed, not as maths
        fig = make()
    name = _save(fig, folder, stem, fmt_).name
    log.debug("figuur %s", stem)
    return name


def _second_process(jobs: list[tuple[str, Any]]) -> bool:
    """Whether a second (forked) process draws half of the figures: two free cores, Linux, enough figures."""
    import multiprocessing
    import sys

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    fork = sys.platform == "linux" and "fork" in multiprocessing.get_all_start_methods()
    return fork and cores >= 2 and len(jobs) >= PARALLEL_FROM


def _render_all(jobs: list[tuple[str, Any]], folder: Path, fmt_: str, ctx: FigureContext) -> list[str]:
    """Draw and write every figure of ``jobs`` into ``folder``; the file names in the order of ``jobs``.

    With two cores a forked process draws too: both take the next figure from a shared counter
    until none is left (the parent starts with the first, so an error there is the parent's own).
    The figures are the same as drawn in one process: each is drawn by one process, from the same
    data. An error in either process stops both; the parent raises it.
    """
    if not _second_process(jobs):
        return [_render(jobs, k, folder, fmt_) for k in range(len(jobs))]
    import multiprocessing

    for shared in ("extent", "roads", "wijk_lines", "buurt_lines"):  # made once, before the fork
        getattr(ctx, shared)
    mp = multiprocessing.get_context("fork")
    counter = mp.Value("i", 1)

    def take() -> int:
        with counter.get_lock():
            k = int(counter.value)
            counter.value = k + 1
        return k

    def loop() -> dict[int, str]:
        done = {}
        while (k := take()) < len(jobs):
            done[k] = _render(jobs, k, folder, fmt_)
        return done

    receive, send = mp.Pipe(duplex=False)

    def child() -> None:
        try:
            result: tuple[str, Any] = ("ok", loop())
        except Exception as exc:  # noqa: BLE001 - any error of a figure: sent to the parent, which raises it
            result = ("fout", exc)
        try:
            send.send(result)
        except Exception:  # noqa: BLE001 - an error that does not pickle: its text instead
            send.send(("fout", RuntimeError(f"{type(result[1]).__name__}: {result[1]}")))

    proc = mp.Process(target=child, name="figuren-2", daemon=True)
    proc.start()
    send.close()
    try:
        names = {0: _render(jobs, 0, folder, fmt_)}
        message = None
        while message is None and (k := take()) < len(jobs):
            names[k] = _render(jobs, k, folder, fmt_)
            if receive.poll():  # the other process is done, or failed: then stop here too
                message = receive.recv()
        try:
            kind, value = message or receive.recv()
        except EOFError:
            proc.join()
            raise RuntimeError(f"het tweede figurenproces stopte onverwacht (exitcode {proc.exitcode})") from None
        if kind != "ok":
            raise value
        names.update(value)
    finally:
        if proc.is_alive() and proc.exitcode is None:
            proc.terminate()
        proc.join()
        receive.close()
    return [names[k] for k in range(len(jobs))]


def write_figures(
    out_dir: str | Path,
    fig_dir: str | Path | None = None,
    *,
    settings: Settings,
    format: str = "png",
    profile: str | None = None,
    owner: Owner | None = None,
) -> list[Path]:
    """Write every print figure of an ``analyse`` output folder; all or nothing.

    Parameters
    ----------
    out_dir
        The folder ``woonzorg-geo analyse`` wrote (``woonzorg.gpkg``, ``samenvatting.json``,
        ``manifest.json``); with ``kandidaatlocaties`` in the GeoPackage (``woonzorg-geo locaties``)
        the zoekgebieden figure is added.
    fig_dir
        Where the figures go (default ``out_dir/figuren``); the previous set there is replaced.
    settings
        The run's settings: vocabulary, ``[kaarten]``, the balans classes and the overlay indicators.
    format
        ``png``, ``pdf`` or ``svg`` (300 dpi; in PDF and SVG the home points are embedded as an image).
    profile
        The walking profile shown (default: the run's main profile).
    owner
        Who ``fig_dir`` belongs to: ``figuren`` for the gemeente of ``out_dir``'s analysis unless
        given; another command's folder is refused (see :func:`woonzorg_geo.core.io.check_owner`).

    Returns
    -------
    list[Path]
        The files written.

    Raises
    ------
    WoonzorgError
        On an unknown format; :class:`~woonzorg_geo.core.errors.MissingDataError` /
        :class:`~woonzorg_geo.core.errors.DataFileError` when the output folder is incomplete.
    """
    import pyogrio

    from woonzorg_geo.outputs.maps.data import load_map_data

    if format not in FORMATS:
        raise WoonzorgError(f"--formaat {format!r}: kies uit {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    fig_dir = Path(fig_dir) if fig_dir is not None else out_dir / "figuren"
    vocab = Vocabulary.from_settings(settings)
    data = load_map_data(out_dir, profile=profile, vocabulary=vocab, map_settings=settings.kaarten)
    gemeente = str(data.summary.get("gemeente", {}).get("naam") or settings.gemeente.naam)
    ctx = FigureContext(data, settings, gemeente, provenance.sources_line(data.manifest))
    gpkg = out_dir / "woonzorg.gpkg"
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    jobs: list[tuple[str, Any]] = [(f"gemeente_{slug(REPORT_NORM)}_{vocab.norm}m", lambda: gemeente_figure(ctx))]
    for code, naam in zip(data.wijken["code"], data.wijken["naam"]):
        jobs.append((f"wijk_{slug(str(naam))}_looptijd", lambda c=code: wijk_figure(ctx, c)))
    if {"draaglast", "draagkracht"} <= set(data.wijken.columns):
        jobs.append(("draagkracht_draaglast", lambda: overlay_figure(ctx)))
    if "balans" in data.wijken.columns:
        o = settings.overlays
        jobs.append(("balans", lambda: balance_figure(ctx, balance_classes(o.balans_grenzen, o.balans_labels))))
    if {"focus", "veerkracht"} <= set(data.buurten.columns):
        jobs.append(("focus_veerkracht", lambda: focus_figure(ctx)))
    if "kandidaatlocaties" in layers:
        zg = gpd.read_file(gpkg, layer="kandidaatlocaties")
        if len(zg) and {"rang", "score"} <= set(zg.columns):
            jobs.append(("zoekgebieden", lambda: site_figure(ctx, zg)))
    for ind in indicators(ctx):
        jobs.append((f"indicator_{slug(ind.column).replace('-', '_')}", lambda i=ind: indicator_chart(ctx, i)))
    with staged_dir(
        fig_dir,
        owner=owner or derived_owner("figuren", out_dir, naam=gemeente),
        replace_set=True,
        manifest={"bron": str(out_dir), "gemeente": gemeente, "formaat": format, "dpi": DPI},
    ) as tmp:
        names = _render_all(jobs, tmp, format, ctx)
    paths = [fig_dir / n for n in names]
    log.info("%d figuren geschreven in %s", len(paths), fig_dir)
    return paths
