"""Print-ready figures for the woonzorgvisie: static maps and charts at 300 dpi (matplotlib).

:func:`write_figures` reads an ``analyse`` output folder and writes, in the same classes and
colours as the Folium maps (:mod:`woonzorg_geo.palette`):

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
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import formatting as fmt
from . import provenance
from .config import Settings
from .errors import WoonzorgError
from .io import staged_dir
from .pages import slug
from .palette import (
    AREA_EDGE,
    AREA_OPACITY,
    BUURT_OUTLINE,
    CAPACITY_CLASSES,
    FEW_ADDRESSES_OPACITY,
    FOCUS_CLASSES,
    FOCUS_ORDER,
    LOAD_CLASSES,
    MAIN_ROADS,
    OTHER_ROAD,
    PCT_CLASSES,
    POINT_EDGE,
    RANK_COLOUR,
    ROAD_STYLE,
    SCORE_CLASSES,
    TIME_CLASSES,
    VEERKRACHT_CLASSES,
    VEERKRACHT_ORDER,
    WIJK_OUTLINE,
    Classes,
    balance_classes,
    few_addresses_label,
)
from .vocabulary import REPORT_NORM, Vocabulary

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .maps.build import MapData

log = logging.getLogger(__name__)

#: Formats ``--formaat`` accepts.
FORMATS = ("png", "pdf", "svg")
#: Resolution of every figure.
DPI = 300
CM = 1 / 2.54
#: Width of every figure: an A4 text column.
WIDTH_CM = 16.0
RD = "EPSG:28992"
#: Categories whose voorzieningen are drawn on the walking-time panels of a wijk (as symbols).
_FONT = "DejaVu Sans"


@dataclass(frozen=True)
class FigureContext:
    """What every figure needs besides its data: the map data, the settings, the source line."""

    data: MapData
    settings: Settings
    gemeente: str
    source: str

    @property
    def vocab(self) -> Vocabulary:
        return self.data.vocab


# --------------------------------------------------------------------------------------------
# Building blocks: figure, map axes, legend, scale bar, north arrow, source line
# --------------------------------------------------------------------------------------------


def _new_figure(height_cm: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_CM * CM, height_cm * CM), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    return fig


def _title(fig: Figure, title: str, subtitle: str = "") -> None:
    fig.text(
        0.02,
        1 - 0.25 / (fig.get_figheight() / CM),
        title,
        ha="left",
        va="top",
        fontsize=11,
        fontweight="bold",
        family=_FONT,
    )
    if subtitle:
        import textwrap

        fig.text(
            0.02,
            1 - 0.85 / (fig.get_figheight() / CM),
            "\n".join(textwrap.wrap(subtitle, 115)),
            ha="left",
            va="top",
            fontsize=7.5,
            color="#333333",
            family=_FONT,
        )


def _source(fig: Figure, text: str) -> None:
    import textwrap

    fig.text(
        0.02,
        0.012,
        "\n".join(textwrap.wrap(text, 150)),
        ha="left",
        va="bottom",
        fontsize=5.2,
        color="#555555",
        family=_FONT,
        linespacing=1.25,
    )


def _map_axes(fig: Figure, rect: tuple[float, float, float, float], extent: Sequence[float]) -> Axes:
    """Axes in metres (RD New), equal scale in x and y, the extent widened to fill the axes box."""
    ax = fig.add_axes(rect)
    x0, y0, x1, y1 = extent
    box_w, box_h = rect[2] * fig.get_figwidth(), rect[3] * fig.get_figheight()
    dx, dy = x1 - x0, y1 - y0
    if dx / dy < box_w / box_h:  # widen to the box's proportions (equal scale in x and y)
        grow = (dy * box_w / box_h - dx) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (dx * box_h / box_w - dy) / 2
        y0, y1 = y0 - grow, y1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fbfbf8")
    for sp in ax.spines.values():
        sp.set_edgecolor("#888888")
        sp.set_linewidth(0.6)
    return ax


def _nice_length(width_m: float) -> float:
    """A round scale-bar length of about a fifth of the map width."""
    target = width_m / 5
    for step in (50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000):
        if step >= target * 0.7:
            return float(step)
    return 10000.0


def scale_bar(ax: Axes) -> None:
    """A scale bar (two black-and-white halves, length in m or km) in the lower left of a map."""
    from matplotlib.patches import Rectangle

    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    h = (y1 - y0) * 0.012
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.045
    ax.add_patch(
        Rectangle(
            (bx - (x1 - x0) * 0.015, by - h * 1.5),
            length + (x1 - x0) * 0.03,
            h * 5.2,
            facecolor="white",
            edgecolor="none",
            alpha=0.8,
            zorder=20,
        )
    )
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 2, by),
                length / 2,
                h,
                facecolor="black" if i == 0 else "white",
                edgecolor="black",
                linewidth=0.5,
                zorder=21,
            )
        )
    label = fmt.number(length / 1000, 1 if length % 1000 else 0, unit=" km") if length >= 1000 else f"{int(length)} m"
    ax.text(bx, by + h * 1.4, "0", fontsize=5.5, ha="center", va="bottom", zorder=22, family=_FONT)
    ax.text(bx + length, by + h * 1.4, label, fontsize=5.5, ha="center", va="bottom", zorder=22, family=_FONT)


def north_arrow(ax: Axes) -> None:
    """A north arrow in the upper right of a map (RD New's grid north; in the Netherlands within 2° of true north)."""
    ax.annotate(
        "N",
        xy=(0.955, 0.965),
        xytext=(0.955, 0.885),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=7,
        fontweight="bold",
        family=_FONT,
        zorder=22,
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.0, "mutation_scale": 9},
        bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )


def _legend(
    ax_or_fig: Any,
    title: str,
    items: Sequence[tuple[str, str]],
    *,
    loc: str = "upper left",
    anchor: tuple[float, float] | None = None,
    marker: str = "box",
    alpha: float = AREA_OPACITY,
    ncol: int = 1,
    few: tuple[str, str] | None = None,
    fontsize: float = 6.5,
    wrap: int = 0,
) -> Any:
    """A legend of (colour, label) items: boxes (areas) or circles (homes); ``few`` adds the lighter tone."""
    import textwrap

    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    items = [(c, "\n".join(textwrap.wrap(label, wrap)) if wrap else label) for c, label in items]
    if few is not None and wrap:
        few = (few[0], "\n".join(textwrap.wrap(few[1], wrap)))
    title = "\n".join(textwrap.wrap(title, wrap)) if wrap else title
    handles: list[Artist] = []
    for colour, label in items:
        if marker == "circle":
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markersize=4.5,
                    markerfacecolor=colour,
                    markeredgecolor=POINT_EDGE,
                    markeredgewidth=0.3,
                    label=label,
                )
            )
        else:
            handles.append(Patch(facecolor=colour, edgecolor=AREA_EDGE, linewidth=0.4, alpha=alpha, label=label))
    if few is not None:
        handles.append(
            Patch(facecolor=few[0], edgecolor=AREA_EDGE, linewidth=0.4, alpha=FEW_ADDRESSES_OPACITY, label=few[1])
        )
    kw: dict[str, Any] = {
        "loc": loc,
        "title": title,
        "fontsize": fontsize,
        "title_fontsize": fontsize + 0.5,
        "frameon": False,
        "ncol": ncol,
        "alignment": "left",
        "handlelength": 1.4,
        "handleheight": 1.0,
        "borderaxespad": 0.0,
        "labelspacing": 0.35,
    }
    if anchor is not None:
        kw["bbox_to_anchor"] = anchor
    leg = ax_or_fig.legend(handles=handles, **kw)
    leg.get_title().set_fontweight("bold")
    return leg


def _category_legend_items(vocab: Vocabulary, cats: Iterable[str]) -> list[tuple[str, str]]:
    return [(vocab.colour(c), vocab.label(c)) for c in cats]


def _polygon_path(geom: Any) -> Any:
    """A matplotlib path of a (multi)polygon, holes included."""
    from matplotlib.path import Path as MplPath

    parts = []
    for poly in shapely.get_parts(geom):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in (poly.exterior, *poly.interiors):
            xy = np.asarray(ring.coords)[:, :2]
            codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            codes[0], codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            parts.append(MplPath(xy, codes))
    return MplPath.make_compound_path(*parts) if parts else None


def _fill(
    ax: Axes,
    geoms: Sequence[Any],
    colours: Sequence[str] | str,
    *,
    alpha: float = 1.0,
    edgecolor: str = "none",
    linewidth: float = 0.0,
    zorder: float = 2,
) -> None:
    """Polygons filled in one collection (one draw, not one per polygon)."""
    from matplotlib.collections import PathCollection

    paths, cols = [], []
    colour_list = [colours] * len(geoms) if isinstance(colours, str) else list(colours)
    for g, c in zip(geoms, colour_list):
        p = _polygon_path(g)
        if p is not None:
            paths.append(p)
            cols.append(c)
    if paths:
        ax.add_collection(
            PathCollection(
                paths, facecolors=cols, edgecolors=edgecolor, linewidths=linewidth, alpha=alpha, zorder=zorder
            ),
            autolim=False,
        )


def _lines(
    ax: Axes,
    geoms: Sequence[Any],
    colour: str,
    *,
    linewidth: float,
    alpha: float = 1.0,
    linestyle: Any = "-",
    zorder: float = 3,
) -> None:
    """Lines (and polygon boundaries) in one collection."""
    from matplotlib.collections import LineCollection

    segs = []
    for g in geoms:
        if g is None or g.is_empty:
            continue
        if g.geom_type in ("Polygon", "MultiPolygon"):
            g = g.boundary
        for part in shapely.get_parts(g):
            if part.geom_type == "LinearRing" or part.geom_type == "LineString":
                segs.append(np.asarray(part.coords)[:, :2])
    if segs:
        ax.add_collection(
            LineCollection(
                segs,
                colors=colour,
                linewidths=linewidth,
                alpha=alpha,
                linestyles=linestyle,
                zorder=zorder,
                capstyle="round",
            ),
            autolim=False,
        )


def _draw_roads(ax: Axes, netwerk: gpd.GeoDataFrame, classes: Sequence[str] = MAIN_ROADS) -> None:
    if netwerk is None or netwerk.empty:
        return
    for cls in sorted(classes, key=lambda c: ROAD_STYLE.get(c, ("", 1.0))[1]):
        sub = netwerk[netwerk["klasse"] == cls]
        if sub.empty:
            continue
        colour, width = ROAD_STYLE.get(cls, (OTHER_ROAD, 1.0))
        _lines(ax, sub.geometry.values, colour, linewidth=width * 0.35, alpha=0.9, zorder=3)


def _draw_areas(
    ax: Axes, areas: gpd.GeoDataFrame, values: Any, classes: Classes, *, few: np.ndarray | None = None, zorder: int = 2
) -> None:
    """Areas filled by class; ``few`` (mask) in the lighter tone."""
    if areas.empty:
        return
    idx = classes.index(values)
    colours = np.array([classes.colour(int(i)) for i in idx], dtype=object)
    few = np.zeros(len(areas), bool) if few is None else np.asarray(few, bool)
    for mask, alpha in ((~few, AREA_OPACITY), (few, FEW_ADDRESSES_OPACITY)):
        if mask.any():
            _fill(ax, areas.geometry.values[mask], list(colours[mask]), alpha=alpha, zorder=zorder)
    _lines(ax, areas.geometry.values, AREA_EDGE, linewidth=0.3, zorder=zorder + 0.5)


def _outline(
    ax: Axes,
    areas: gpd.GeoDataFrame,
    *,
    colour: str = WIJK_OUTLINE,
    width: float = 0.9,
    dashed: bool = False,
    zorder: int = 5,
) -> None:
    if areas.empty:
        return
    _lines(ax, areas.geometry.values, colour, linewidth=width, linestyle=(0, (3, 2)) if dashed else "-", zorder=zorder)


def _labels(
    ax: Axes,
    areas: gpd.GeoDataFrame,
    *,
    column: str = "naam",
    size: float = 6.5,
    weight: str = "bold",
    priority: str = "n_adressen",
) -> None:
    """Area names at a point inside each area; names that would overlap others or leave the map are left out
    (the larger areas by addresses first)."""
    import matplotlib.patheffects as pe
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if areas.empty:
        return
    order = areas.sort_values(priority, ascending=False) if priority in areas.columns else areas
    ax.apply_aspect()
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    canvas = ax.figure.canvas
    assert isinstance(canvas, FigureCanvasAgg)  # every figure is made by _new_figure, on an Agg canvas
    renderer = canvas.get_renderer()  # type: ignore[no-untyped-call]  # backend_agg is not annotated
    placed: list[Any] = []
    axbox = ax.get_window_extent(renderer)
    view = shapely.box(x0, y0, x1, y1)
    for _, row in order.iterrows():
        part = row.geometry.intersection(view)
        if part.is_empty or part.area < 0.02 * view.area / max(len(order), 1):
            continue
        pt = part.representative_point()
        t = ax.text(
            pt.x,
            pt.y,
            str(row[column]),
            fontsize=size,
            fontweight=weight,
            ha="center",
            va="center",
            family=_FONT,
            color="#1a1a1a",
            zorder=15,
            path_effects=[pe.withStroke(linewidth=1.6, foreground="white")],
        )
        box = t.get_window_extent(renderer).expanded(1.05, 1.1)
        if (
            any(box.overlaps(p) for p in placed)
            or not axbox.contains(box.x0, box.y0)
            or not axbox.contains(box.x1, box.y1)
        ):
            t.remove()
            continue
        placed.append(box)


def _symbols(
    ax: Axes, vz: gpd.GeoDataFrame, cats: Sequence[str], vocab: Vocabulary, *, size: float = 16, letters: bool = True
) -> None:
    """Voorzieningen as coloured circles with their letter, as on the Folium maps."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    for cat in cats:
        sub = vz[vz["categorie"] == cat]
        sub = sub[(sub.geometry.x > x0) & (sub.geometry.x < x1) & (sub.geometry.y > y0) & (sub.geometry.y < y1)]
        if sub.empty:
            continue
        st = vocab.style(cat)
        ax.scatter(sub.geometry.x, sub.geometry.y, s=size, c=st.colour, edgecolors="white", linewidths=0.7, zorder=12)
        if letters:
            for x, y in zip(sub.geometry.x, sub.geometry.y):
                ax.text(
                    x,
                    y,
                    st.letter,
                    fontsize=3.0 if len(st.letter) > 1 else 4.0,
                    color="white",
                    fontweight="bold",
                    ha="center",
                    va="center",
                    zorder=13,
                    family=_FONT,
                    clip_on=True,
                )


def _in_extent(frame: gpd.GeoDataFrame, extent: Sequence[float], margin: float = 0.0) -> gpd.GeoDataFrame:
    x0, y0, x1, y1 = extent
    box = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    return frame[frame.intersects(box)]


def _extent(view: Any) -> tuple[float, float, float, float]:
    bounds = view.to_crs(RD).total_bounds if isinstance(view, (gpd.GeoDataFrame, gpd.GeoSeries)) else view
    x0, y0, x1, y1 = (float(v) for v in bounds)
    return x0, y0, x1, y1


def _few_mask(frame: pd.DataFrame, min_count: int) -> np.ndarray:
    if min_count <= 0 or "n_adressen" not in frame.columns:
        return np.zeros(len(frame), bool)
    return (pd.to_numeric(frame["n_adressen"], errors="coerce") < min_count).to_numpy()


def _source_line(ctx: FigureContext, extra: str = "") -> str:
    made = provenance.made_text(ctx.data.manifest)
    parts = [f"Bron: woonzorg_geo{f', analyse van {made}' if made else ''}"]
    if extra:
        parts.append(extra)
    line = ctx.source
    if line:
        parts.append(line)
    parts.append("© OpenStreetMap contributors (ODbL); CBS / PDOK (CC BY 4.0)")
    return ". ".join(p.rstrip(".") for p in parts) + "."


def _map_source(ctx: FigureContext, extra: str = "") -> str:
    return _source_line(ctx, (extra + ". " if extra else "") + "Kaart in RD New (EPSG:28992)")


# --------------------------------------------------------------------------------------------
# The figures
# --------------------------------------------------------------------------------------------


def gemeente_figure(ctx: FigureContext) -> Figure:
    """The buurten by share of homes with OV and a supermarket within the norm, on the built-up area."""
    data, vocab = ctx.data, ctx.vocab
    col = data.col(vocab.pct(REPORT_NORM))
    extent = _extent(data.view())
    fig = _new_figure(15.5)
    _title(
        fig,
        f"Gemeente {ctx.gemeente}: {vocab.share_label(REPORT_NORM)}",
        f"Aandeel van de adressen per buurt, te voet over het OSM-netwerk, profiel {vocab.profile_label(data.profile)}",
    )
    ax = _map_axes(fig, (0.02, 0.09, 0.66, 0.79), extent)
    few = _few_mask(data.buurten, data.kaarten.min_adressen)
    _draw_areas(ax, data.buurten, data.buurten[col], PCT_CLASSES, few=few)
    _draw_roads(ax, data.netwerk)
    _outline(ax, data.wijken)
    shown = [c for c in ("supermarkt", "treinstation") if (data.voorzieningen["categorie"] == c).any()]
    _symbols(ax, _in_extent(data.voorzieningen, extent), shown, vocab, size=10, letters=False)
    _labels(ax, data.wijken)
    scale_bar(ax)
    north_arrow(ax)
    gem = data.summary.get("profielen", {}).get(data.profile, {}).get("gemeente", {})
    items = PCT_CLASSES.items()
    _legend(
        fig,
        f"% adressen met {vocab.share_label(REPORT_NORM)}",
        items,
        anchor=(0.70, 0.88),
        wrap=26,
        few=(PCT_CLASSES.colours[0], few_addresses_label(data.kaarten.min_adressen)) if few.any() else None,
    )
    _legend(fig, "Voorzieningen", _category_legend_items(vocab, shown), anchor=(0.70, 0.46), marker="circle")
    lines = []
    if gem.get("n_adressen") is not None:
        lines.append(f"Adressen: {fmt.number(gem['n_adressen'])}")
    key = vocab.pct(REPORT_NORM)
    if key in gem:
        lines.append(f"Gemeente: {fmt.percent(gem[key])}")
    fig.text(0.70, 0.30, "\n".join(lines), fontsize=6.5, va="top", family=_FONT)
    q = fmt.percent(100 * data.kaarten.bebouwd_kwantiel, 0)
    _source(
        fig,
        _map_source(ctx, f"Het kader toont het bebouwde gebied (de adressen zonder de buitenste {q} aan elke kant)"),
    )
    return fig


def wijk_figure(ctx: FigureContext, code: str) -> Figure:
    """One wijk: its homes by walking time to huisarts, supermarkt and OV (three panels)."""
    data, vocab = ctx.data, ctx.vocab
    wijk = data.wijken[data.wijken["code"] == code]
    if wijk.empty:
        raise WoonzorgError(f"wijk {code!r} bestaat niet in de laag wijken")
    naam = str(wijk.iloc[0]["naam"])
    cats = data.home_categories
    extent = _extent(data.view(wijk))
    dx, dy = extent[2] - extent[0], extent[3] - extent[1]
    n = max(len(cats), 1)
    panel_w = (WIDTH_CM - 1.0) / n
    panel_h = min(max(panel_w * dy / dx, 4.5), 9.0)
    foot = 3.3  # legends and source line, cm
    height = panel_h + foot + 1.9
    fig = _new_figure(height)
    _title(
        fig,
        f"Wijk {naam}: looptijd te voet vanaf de woning",
        f"Gemeente {ctx.gemeente}, profiel {vocab.profile_label(data.profile)}; elke stip is een adres",
    )
    homes = data.adressen[data.adressen["wijkcode"] == code]
    buurten = data.buurten[data.buurten["wijkcode"] == code]
    vz = _in_extent(data.voorzieningen, extent, 200)
    norm_min = vocab.norm_m / _speed_m_min(ctx)
    for i, cat in enumerate(cats):
        ax = _map_axes(
            fig, ((0.5 + i * panel_w) / WIDTH_CM, foot / height, (panel_w - 0.15) / WIDTH_CM, panel_h / height), extent
        )
        _draw_roads(ax, _in_extent(data.netwerk, extent), classes=(*MAIN_ROADS, "minor"))
        _outline(ax, buurten, colour=BUURT_OUTLINE, width=0.4, dashed=True, zorder=4)
        _outline(ax, data.wijken, width=0.9)
        col = data.col(f"tijd_{cat}_min")
        idx = TIME_CLASSES.index(homes[col])
        for k in [-1, *range(len(TIME_CLASSES.colours) - 1, -1, -1)]:
            sel = idx == k
            if sel.any():
                pts = homes[sel]
                ax.scatter(
                    pts.geometry.x,
                    pts.geometry.y,
                    s=1.1,
                    c=TIME_CLASSES.colour(k),
                    linewidths=0,
                    zorder=8,
                    rasterized=True,
                )
        members = [c for c in (vocab.composites.get(cat) or (cat,))]
        _symbols(ax, vz, members, vocab, size=30)
        title = vocab.label(cat)
        if len(homes):
            within = int((pd.to_numeric(homes[col], errors="coerce") <= norm_min).sum())
            title += f": {fmt.percent(100 * within / len(homes), 0)} ≤ {fmt.number(norm_min, 0)} min"
        ax.set_title(title, fontsize=7, fontweight="bold", family=_FONT, loc="left", pad=3)
        if i == 0:
            scale_bar(ax)
        if i == n - 1:
            north_arrow(ax)
    _legend(
        fig,
        "Looptijd te voet",
        TIME_CLASSES.items(),
        loc="upper left",
        anchor=(0.03, (foot - 0.3) / height),
        marker="circle",
        ncol=6,
    )
    sym = [m for c in cats for m in (vocab.composites.get(c) or (c,)) if (vz["categorie"] == m).any()]
    if sym:
        _legend(
            fig,
            "Voorzieningen",
            _category_legend_items(vocab, dict.fromkeys(sym)),
            loc="upper left",
            anchor=(0.03, (foot - 1.45) / height),
            marker="circle",
            ncol=6,
        )
    _source(fig, _map_source(ctx, f"{code}; buurtgrenzen gestreept; looptijd over het OSM-netwerk"))
    return fig


def _speed_m_min(ctx: FigureContext) -> float:
    return ctx.settings.profile(ctx.data.profile).speed_m_s * 60


def overlay_figure(ctx: FigureContext) -> Figure:
    """Draaglast and draagkracht per wijk (two panels)."""
    data = ctx.data
    extent = _extent(data.view())
    fig = _new_figure(11.0)
    _title(
        fig,
        f"Gemeente {ctx.gemeente}: draaglast en draagkracht per wijk",
        "z-scores: 0 is het gemiddelde van de wijken, ±1 één standaardafwijking erboven of eronder",
    )
    for i, (column, classes, title) in enumerate(
        (("draaglast", LOAD_CLASSES, "Draaglast"), ("draagkracht", CAPACITY_CLASSES, "Draagkracht"))
    ):
        ax = _map_axes(fig, (0.02 + i * 0.49, 0.26, 0.47, 0.60), extent)
        _draw_areas(ax, data.wijken, data.wijken[column], classes)
        _draw_roads(ax, data.netwerk)
        _outline(ax, data.wijken)
        _labels(ax, data.wijken, size=5.5)
        ax.set_title(title, fontsize=8, fontweight="bold", loc="left", family=_FONT, pad=3)
        scale_bar(ax)
        north_arrow(ax)
        _legend(
            fig,
            f"{title} (z-score)",
            classes.items(),
            loc="upper left",
            anchor=(0.03 + i * 0.49, 0.235),
            ncol=2,
            fontsize=5.8,
        )
    _source(fig, _map_source(ctx, "Indicatoren, gewichten en bronnen: [overlays] van de instellingen"))
    return fig


def balance_figure(ctx: FigureContext, balance: Classes) -> Figure:
    """Balans = draagkracht − draaglast per wijk, in the settings' classes."""
    data = ctx.data
    extent = _extent(data.view())
    fig = _new_figure(14.0)
    _title(
        fig,
        f"Gemeente {ctx.gemeente}: balans draagkracht − draaglast per wijk",
        "Negatief: meer last dan draagkracht; klassen uit [overlays] balans_grenzen",
    )
    ax = _map_axes(fig, (0.02, 0.09, 0.66, 0.79), extent)
    _draw_areas(ax, data.wijken, data.wijken["balans"], balance)
    _draw_roads(ax, data.netwerk)
    _outline(ax, data.wijken)
    _labels(ax, data.wijken)
    scale_bar(ax)
    north_arrow(ax)
    _legend(fig, "Balans", balance.items(), anchor=(0.70, 0.88), wrap=26)
    _source(fig, _map_source(ctx))
    return fig


def focus_figure(ctx: FigureContext) -> Figure:
    """Focus and veerkracht per buurt (two panels)."""
    data = ctx.data
    extent = _extent(data.view())
    fig = _new_figure(11.0)
    _title(
        fig,
        f"Gemeente {ctx.gemeente}: focus en veerkracht per buurt",
        "Uit de buurtsignalen van het rapport en de wijkindices; relatief binnen de gemeente",
    )
    few = _few_mask(data.buurten, data.kaarten.min_adressen)
    for i, (column, order, classes, title) in enumerate(
        (
            ("focus", FOCUS_ORDER, FOCUS_CLASSES, "Focus"),
            ("veerkracht", VEERKRACHT_ORDER, VEERKRACHT_CLASSES, "Veerkracht"),
        )
    ):
        ax = _map_axes(fig, (0.02 + i * 0.49, 0.26, 0.47, 0.60), extent)
        _draw_areas(ax, data.buurten, data.buurten[column].map(order), classes, few=few)
        _draw_roads(ax, data.netwerk)
        _outline(ax, data.wijken)
        _labels(ax, data.wijken, size=5.5)
        ax.set_title(title, fontsize=8, fontweight="bold", loc="left", family=_FONT, pad=3)
        scale_bar(ax)
        north_arrow(ax)
        _legend(
            fig,
            title,
            classes.items(),
            loc="upper left",
            anchor=(0.03 + i * 0.49, 0.235),
            ncol=2,
            fontsize=5.8,
            few=(classes.colours[-1], few_addresses_label(data.kaarten.min_adressen)) if few.any() else None,
        )
    _source(fig, _map_source(ctx))
    return fig


def site_figure(ctx: FigureContext, zoekgebieden: gpd.GeoDataFrame) -> Figure:
    """The zoekgebieden for geclusterd wonen, numbered by rank, coloured by score."""
    import textwrap

    data, vocab = ctx.data, ctx.vocab
    zg = zoekgebieden.to_crs(RD)
    extent = _extent(data.view())
    fig = _new_figure(15.5)
    _title(
        fig,
        f"Gemeente {ctx.gemeente}: zoekgebieden voor geclusterd wonen",
        f"Rang en score (0–1) uit bereikbaarheid te voet (profiel {vocab.profile_label(ctx.settings.locaties.profiel)}), "
        "balans, focus/veerkracht, vraag en ruimte",
    )
    ax = _map_axes(fig, (0.02, 0.09, 0.66, 0.79), extent)
    _draw_roads(ax, data.netwerk)
    _outline(ax, data.wijken)
    _labels(ax, data.wijken, size=6, weight="normal")
    idx = SCORE_CLASSES.index(zg["score"])
    _fill(
        ax,
        zg.geometry.values,
        [SCORE_CLASSES.colour(int(i)) for i in idx],
        edgecolor=RANK_COLOUR,
        linewidth=0.6,
        alpha=0.9,
        zorder=9,
    )
    cats = [
        c
        for c in ("supermarkt", "huisarts", "apotheek", "ontmoetingsplek")
        if (data.voorzieningen["categorie"] == c).any()
    ]
    _symbols(ax, _in_extent(data.voorzieningen, extent), cats, vocab, size=7, letters=False)
    for _, row in zg.iterrows():
        pt = row.geometry.representative_point()
        ax.text(
            pt.x,
            pt.y,
            str(int(row["rang"])),
            fontsize=5,
            color="white",
            fontweight="bold",
            ha="center",
            va="center",
            zorder=14,
            family=_FONT,
            bbox={"boxstyle": "circle,pad=0.2", "fc": RANK_COLOUR, "ec": "white", "lw": 0.5},
        )
    scale_bar(ax)
    north_arrow(ax)
    _legend(fig, "Score zoekgebied", SCORE_CLASSES.items(missing=False), anchor=(0.70, 0.88), alpha=0.9)
    _legend(fig, "Voorzieningen", _category_legend_items(vocab, cats), anchor=(0.70, 0.60), marker="circle")
    top = [
        f"{int(r['rang'])}. {fmt.text(r.get('buurt'), missing='')} ({fmt.text(r.get('wijk'))}): "
        f"{fmt.number(r['score'], 2)}"
        for _, r in zg.sort_values("rang").head(10).iterrows()
    ]
    fig.text(
        0.70,
        0.40,
        "Top 10\n" + "\n".join(textwrap.shorten(t, 44, placeholder="…") for t in top),
        fontsize=5.5,
        va="top",
        family=_FONT,
        linespacing=1.35,
    )
    _source(fig, _map_source(ctx, "Toelichting per zoekgebied: kandidaatlocaties.txt"))
    return fig


@dataclass(frozen=True)
class Indicator:
    """One indicator of the wijken for a bar chart."""

    column: str
    label: str
    source: str
    reference: float | None
    reference_label: str
    classes: Classes | None = None
    external: bool = False  # a figure of another source (the report's tables), not computed from the data


def indicators(ctx: FigureContext) -> list[Indicator]:
    """The indicators charted per wijk: the shares within the norm (with the gemeente's value), the
    overlay indices and every overlay indicator of the settings (with the mean of the wijken)."""
    data, vocab = ctx.data, ctx.vocab
    w = data.wijken
    gem = data.summary.get("profielen", {}).get(data.profile, {}).get("gemeente", {})
    acc_src = f"bereikbaarheid te voet, profiel {vocab.profile_label(data.profile)}"
    out: list[Indicator] = []
    for name in (*vocab.combinations, *vocab.key_categories):
        key = vocab.pct(name)
        col = data.col(key)
        if col in w.columns:
            ref = gem.get(key)
            out.append(
                Indicator(
                    col,
                    f"% adressen met {vocab.share_label(name)}",
                    acc_src,
                    None if ref is None else float(ref),
                    "gemeente",
                    PCT_CLASSES,
                )
            )
    for col, label, classes in (
        ("draaglast", "Draaglast (z-score)", LOAD_CLASSES),
        ("draagkracht", "Draagkracht (z-score)", CAPACITY_CLASSES),
        ("balans", "Balans draagkracht − draaglast", None),
    ):
        if col in w.columns and pd.to_numeric(w[col], errors="coerce").notna().any():
            out.append(
                Indicator(
                    col,
                    label,
                    "overlays van woonzorg_geo ([overlays] van de instellingen)",
                    0.0,
                    "gemiddelde van de wijken",
                    classes,
                )
            )
    ov = vocab.resolve_overlays(ctx.settings.overlays)
    seen = {i.column for i in out}
    for ind in (*ov.draaglast, *ov.draagkracht):
        if ind.kolom in seen or ind.kolom not in w.columns:
            continue
        values = pd.to_numeric(w[ind.kolom], errors="coerce")
        if values.notna().sum() < 2:
            continue
        seen.add(ind.kolom)
        out.append(
            Indicator(
                ind.kolom,
                _capital(ind.label or ind.kolom),
                ind.bron or "instellingen [overlays]",
                float(values.mean()),
                "gemiddelde van de wijken (ongewogen)",
                external=True,
            )
        )
    return out


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _value_text(vocab: Vocabulary, column: str, value: float, decimals: int = 1) -> str:
    base, _ = vocab.split_profile(column)
    if base.startswith("pct_"):
        return fmt.percent(value, 0)
    if base in ("draaglast", "draagkracht", "balans"):
        return fmt.signed(value)
    return fmt.number(value, decimals)


def indicator_chart(ctx: FigureContext, ind: Indicator) -> Figure:
    """A bar chart comparing the wijken on one indicator, with the gemeente's value as a line."""
    from matplotlib.ticker import FuncFormatter

    vocab = ctx.vocab
    w = ctx.data.wijken[["naam", ind.column]].copy()
    w["v"] = pd.to_numeric(w[ind.column], errors="coerce")
    w = w.sort_values("v", ascending=True, na_position="first")
    n = len(w)
    height = 3.3 + 0.42 * n
    fig = _new_figure(height)
    _title(fig, ind.label, f"Per wijk, gemeente {ctx.gemeente}")
    ax = fig.add_axes((0.22, 1.75 / height, 0.70, (height - 3.3) / height))
    y = np.arange(n)
    vals = w["v"].to_numpy(dtype=float)
    if ind.classes is not None:
        colours = [ind.classes.colour(int(i)) for i in ind.classes.index(vals)]
    else:
        colours = ["#4a7fb0" if not math.isnan(v) else "#cccccc" for v in vals]
    ax.barh(y, np.nan_to_num(vals), color=colours, edgecolor=AREA_EDGE, linewidth=0.3, height=0.65, zorder=3)
    ax.set_yticks(y, [str(t) for t in w["naam"]], fontsize=6.5, family=_FONT)
    finite = vals[np.isfinite(vals)]
    dec = 0 if len(finite) and np.allclose(finite, np.round(finite)) else 1
    lo = min(0.0, float(finite.min()) if len(finite) else 0.0)
    hi = max(0.0, float(finite.max()) if len(finite) else 1.0)
    if ind.reference is not None:
        lo, hi = min(lo, ind.reference), max(hi, ind.reference)
    if vocab.split_profile(ind.column)[0].startswith("pct_"):
        lo, hi = 0.0, max(hi, 100.0)
    span = (hi - lo) or 1.0
    ax.set_xlim(lo - 0.02 * span if lo < 0 else lo, hi + 0.14 * span)
    for yi, v in zip(y.tolist(), vals):
        if math.isnan(v):
            ax.text(0, yi, f" {fmt.MISSING}", va="center", ha="left", fontsize=5.8, color="#555555", family=_FONT)
            continue
        ax.text(
            v + (0.01 * span if v >= 0 else -0.01 * span),
            yi,
            _value_text(vocab, ind.column, v, dec),
            va="center",
            ha="left" if v >= 0 else "right",
            fontsize=5.8,
            family=_FONT,
            zorder=4,
        )
    if ind.reference is not None and math.isfinite(ind.reference):
        ax.axvline(ind.reference, color="#222222", linestyle=(0, (4, 2)), linewidth=0.8, zorder=5)
        ax.text(
            ind.reference,
            n - 0.35,
            f" {ind.reference_label}: {_value_text(vocab, ind.column, ind.reference, 1)}",
            fontsize=5.8,
            va="bottom",
            ha="left",
            family=_FONT,
            zorder=6,
            bbox={"fc": "white", "ec": "none", "alpha": 0.85, "pad": 0.5},
        )
    ax.set_ylim(-0.6, n + 0.3)
    ax.axvline(0, color="#888888", linewidth=0.5, zorder=2)
    ax.grid(axis="x", color="#e3e3e3", linewidth=0.4, zorder=0)
    ax.tick_params(axis="x", labelsize=6)
    base = vocab.split_profile(ind.column)[0]
    unit = (
        "% van de adressen"
        if base.startswith("pct_") and ind.classes is PCT_CLASSES
        else "z-score"
        if base in ("draaglast", "draagkracht", "balans")
        else ""
    )
    if unit:
        ax.set_xlabel(unit, fontsize=6, family=_FONT, color="#333333")
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: fmt.number(x, 0 if float(x).is_integer() else 1)))
    for sp in ("top", "right"):
        ax.spines[sp].set_visible(False)
    if ind.external:
        made = provenance.made_text(ctx.data.manifest)
        _source(
            fig,
            f"Bron: {ind.source}. Grafiek: woonzorg_geo{f', analyse van {made}' if made else ''}; "
            "het gemiddelde is dat van de wijkcijfers, niet gewogen naar inwoners.",
        )
    else:
        _source(fig, _source_line(ctx, f"Indicator: {ind.source}"))
    return fig


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


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
    fig.savefig(path, dpi=DPI, format=fmt_, facecolor="white", metadata=meta)
    fig.clear()
    return path


def write_figures(
    out_dir: str | Path,
    fig_dir: str | Path | None = None,
    *,
    settings: Settings,
    format: str = "png",
    profile: str | None = None,
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

    Returns
    -------
    list[Path]
        The files written.

    Raises
    ------
    WoonzorgError
        On an unknown format; :class:`~woonzorg_geo.errors.MissingDataError` /
        :class:`~woonzorg_geo.errors.DataFileError` when the output folder is incomplete.
    """
    import pyogrio

    from .maps.build import load_map_data

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
        fig_dir, replace_set=True, manifest={"bron": str(out_dir), "gemeente": gemeente, "formaat": format, "dpi": DPI}
    ) as tmp:
        names = []
        for stem, make in jobs:
            fig = make()
            names.append(_save(fig, tmp, stem, format).name)
            log.debug("figuur %s", stem)
    paths = [fig_dir / n for n in names]
    log.info("%d figuren geschreven in %s", len(paths), fig_dir)
    return paths
