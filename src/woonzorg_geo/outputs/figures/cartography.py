"""Building blocks of the print maps: map axes, scale bar, north arrow, legend, areas, lines, labels, symbols."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.palette import (
    AREA_EDGE,
    AREA_OPACITY,
    FEW_ADDRESSES_OPACITY,
    MAIN_ROADS,
    OTHER_ROAD,
    POINT_EDGE,
    ROAD_STYLE,
    WIJK_OUTLINE,
    Classes,
)
from woonzorg_geo.core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


from woonzorg_geo.outputs.figures.common import FONT, FigureContext, LineLayer, source_line


def map_axes(fig: Figure, rect: tuple[float, float, float, float], extent: Sequence[float]) -> Axes:
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
    ax.text(bx, by + h * 1.4, "0", fontsize=5.5, ha="center", va="bottom", zorder=22, family=FONT)
    ax.text(bx + length, by + h * 1.4, label, fontsize=5.5, ha="center", va="bottom", zorder=22, family=FONT)


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
        family=FONT,
        zorder=22,
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.0, "mutation_scale": 9},
        bbox={"boxstyle": "circle,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
    )


def draw_legend(
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


def category_legend_items(vocab: Vocabulary, cats: Iterable[str]) -> list[tuple[str, str]]:
    """The legend items (colour, label) of the categories ``cats``, from the vocabulary."""
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


def fill_areas(
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


def _stroke(
    ax: Axes,
    paths: Sequence[Any],
    colour: str,
    *,
    linewidth: float,
    alpha: float = 1.0,
    linestyle: Any = "-",
    zorder: float = 3,
) -> None:
    """Lines (and polygon boundaries) in one collection; ``paths`` from a :class:`.common.LineLayer`."""
    from matplotlib.collections import PathCollection

    if paths:
        ax.add_collection(
            PathCollection(
                paths,
                facecolors="none",
                edgecolors=colour,
                linewidths=linewidth,
                alpha=alpha,
                linestyles=linestyle,
                zorder=zorder,
                capstyle="round",
            ),
            autolim=False,
        )


def _layer(frame: gpd.GeoDataFrame | LineLayer) -> LineLayer:
    return frame if isinstance(frame, LineLayer) else LineLayer(frame)


def draw_roads(
    ax: Axes,
    netwerk: gpd.GeoDataFrame | LineLayer,
    classes: Sequence[str] = MAIN_ROADS,
    *,
    rows: np.ndarray | None = None,
) -> None:
    """Draw the roads of ``classes`` from the OSM network ``netwerk`` (thin grey context lines).

    ``netwerk`` is the network layer or its :class:`.common.LineLayer` (the same paths on every
    map); ``rows`` (a mask of its rows) draws only those, e.g. the roads in a wijk's view.
    """
    layer = _layer(netwerk)
    if layer.frame.empty:
        return
    klasse = layer.frame["klasse"].to_numpy()
    for cls in sorted(classes, key=lambda c: ROAD_STYLE.get(c, ("", 1.0))[1]):
        sel = klasse == cls
        if rows is not None:
            sel &= rows
        if not sel.any():
            continue
        colour, width = ROAD_STYLE.get(cls, (OTHER_ROAD, 1.0))
        _stroke(ax, layer.paths(sel), colour, linewidth=width * 0.35, alpha=0.9, zorder=3)


def draw_areas(
    ax: Axes,
    areas: gpd.GeoDataFrame | LineLayer,
    values: Any,
    classes: Classes,
    *,
    few: np.ndarray | None = None,
    zorder: int = 2,
) -> None:
    """Areas filled by class; ``few`` (mask) in the lighter tone. ``areas``: a frame or its :class:`.common.LineLayer`."""
    layer = _layer(areas)
    frame = layer.frame
    if frame.empty:
        return
    idx = classes.index(values)
    colours = np.array([classes.colour(int(i)) for i in idx], dtype=object)
    few = np.zeros(len(frame), bool) if few is None else np.asarray(few, bool)
    for mask, alpha in ((~few, AREA_OPACITY), (few, FEW_ADDRESSES_OPACITY)):
        if mask.any():
            fill_areas(ax, frame.geometry.values[mask], list(colours[mask]), alpha=alpha, zorder=zorder)
    _stroke(ax, layer.paths(), AREA_EDGE, linewidth=0.3, zorder=zorder + 0.5)


def draw_outline(
    ax: Axes,
    areas: gpd.GeoDataFrame | LineLayer,
    *,
    colour: str = WIJK_OUTLINE,
    width: float = 0.9,
    dashed: bool = False,
    zorder: int = 5,
    rows: np.ndarray | None = None,
) -> None:
    """Draw the outlines of ``areas`` (a frame or its :class:`.common.LineLayer`; ``rows``: a mask of
    the rows drawn), solid or dashed, without fill."""
    layer = _layer(areas)
    if layer.frame.empty:
        return
    _stroke(ax, layer.paths(rows), colour, linewidth=width, linestyle=(0, (3, 2)) if dashed else "-", zorder=zorder)


def draw_labels(
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
    assert isinstance(canvas, FigureCanvasAgg)  # every figure is made by new_figure, on an Agg canvas
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
            family=FONT,
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


def draw_symbols(
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
                    family=FONT,
                    clip_on=True,
                )


def in_extent(frame: gpd.GeoDataFrame, extent: Sequence[float], margin: float = 0.0) -> gpd.GeoDataFrame:
    """The rows of ``frame`` inside ``extent`` (minx, miny, maxx, maxy, in metres) widened by ``margin``."""
    return frame[extent_mask(frame, extent, margin)]


def extent_mask(frame: gpd.GeoDataFrame, extent: Sequence[float], margin: float = 0.0) -> np.ndarray:
    """Which rows of ``frame`` intersect ``extent`` (minx, miny, maxx, maxy, in metres) widened by ``margin``."""
    x0, y0, x1, y1 = extent
    box = shapely.box(x0 - margin, y0 - margin, x1 + margin, y1 + margin)
    return np.asarray(frame.intersects(box).to_numpy(), bool)


def few_mask(frame: pd.DataFrame, min_count: int) -> np.ndarray:
    """Which areas have fewer than ``min_count`` addresses (drawn in a lighter tone); all False when 0."""
    if min_count <= 0 or "n_adressen" not in frame.columns:
        return np.zeros(len(frame), bool)
    return (pd.to_numeric(frame["n_adressen"], errors="coerce") < min_count).to_numpy()


def map_source_line(ctx: FigureContext, extra: str = "") -> str:
    """The source line of a map figure: :func:`.common.source_line` with the map projection."""
    return source_line(ctx, (extra + ". " if extra else "") + "Kaart in RD New (EPSG:28992)")
