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


def _render(jobs: list[tuple[str, Any]], k: int, folder: Path, fmt_: str) -> str:
    stem, make = jobs[k]
    with plain_figure_text():  # a name with "$" shown as typed, not as maths
        fig = make()
    name = _save(fig, folder, stem, fmt_).name
    log.debug("figuur %s", stem)
    return name


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
        names = [_render(jobs, k, tmp, format) for k in range(len(jobs))]
    paths = [fig_dir / n for n in names]
    log.info("%d figuren geschreven in %s", len(paths), fig_dir)
    return paths
