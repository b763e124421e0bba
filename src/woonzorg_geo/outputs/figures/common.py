"""What every print figure shares: size and resolution, the figure context, the title and the source line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely

from woonzorg_geo import RD_NEW
from woonzorg_geo.core import provenance
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.palette import MAIN_ROADS
from woonzorg_geo.core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.path import Path

    from woonzorg_geo.outputs.maps.data import MapData

#: Formats ``--formaat`` accepts.
FORMATS = ("png", "pdf", "svg")
#: Resolution of every figure.
DPI = 300
CM = 1 / 2.54
#: Width of every figure: an A4 text column.
WIDTH_CM = 16.0
#: The font of every text in the figures.
FONT = "DejaVu Sans"
#: The road classes of the wijk maps (zoomed in: the minor roads too); the gemeente's maps show the main roads.
WIJK_ROADS: tuple[str, ...] = (*MAIN_ROADS, "minor")


class LineLayer:
    """The lines of a frame's geometries (a polygon's rings, a line's parts) as matplotlib paths.

    Built once, vectorised, and drawn on every map that shows the frame: the paths are shared by
    the maps' collections, not made again per map or panel.

    Parameters
    ----------
    frame
        The areas or lines; its row order is the drawing order.
    """

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        self.frame = frame
        self._paths, self._rows = _line_paths(frame.geometry.values)

    def paths(self, rows: Sequence[bool] | np.ndarray | None = None) -> list[Path]:
        """The paths of every row, or of the rows where the mask ``rows`` is true, in the frame's order."""
        if rows is None:
            return list(self._paths)
        return list(self._paths[np.asarray(rows, bool)[self._rows]])


def _line_paths(geoms: Any) -> tuple[np.ndarray, np.ndarray]:
    """The paths of the lines of ``geoms`` (polygons: their rings) and the row each comes from."""
    from matplotlib.path import Path as MplPath

    geoms = np.asarray(geoms, dtype=object)
    rows = np.flatnonzero(~shapely.is_missing(geoms) & ~shapely.is_empty(geoms))
    geoms = geoms[rows]
    polygons = np.isin(shapely.get_type_id(geoms), (3, 6))  # Polygon, MultiPolygon: their boundary
    if polygons.any():
        geoms = geoms.copy()
        geoms[polygons] = shapely.boundary(geoms[polygons])
    parts, index = shapely.get_parts(geoms, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), (1, 2))  # LineString, LinearRing
    parts, rows = parts[keep], rows[index[keep]]
    xy, owner = shapely.get_coordinates(parts, return_index=True)
    counts = np.bincount(owner, minlength=len(parts))
    paths = np.empty(int((counts > 0).sum()), dtype=object)
    paths[:] = [MplPath(seg) for seg in np.split(xy, np.cumsum(counts)[:-1]) if len(seg)]
    return paths, rows[counts > 0]


@dataclass(frozen=True)
class FigureContext:
    """What every figure needs besides its data: the map data, the settings, the source line.

    The gemeente's extent and the lines of the roads, wijken and buurten are made once, on first
    use, and shared by every figure.
    """

    data: MapData
    settings: Settings
    gemeente: str
    source: str

    @property
    def vocab(self) -> Vocabulary:
        return self.data.vocab

    @cached_property
    def extent(self) -> tuple[float, float, float, float]:
        """Where the gemeente's maps open (:meth:`MapData.view`), in RD New."""
        return view_extent(self.data.view())

    @cached_property
    def roads(self) -> LineLayer:
        """The roads of the network layer that a figure draws (:data:`WIJK_ROADS`)."""
        network = self.data.network
        return LineLayer(network[network["klasse"].isin(WIJK_ROADS)])

    @cached_property
    def wijk_lines(self) -> LineLayer:
        """The wijken's outlines."""
        return LineLayer(self.data.wijken)

    @cached_property
    def buurt_lines(self) -> LineLayer:
        """The buurten's outlines."""
        return LineLayer(self.data.buurten)


def view_extent(view: Any) -> tuple[float, float, float, float]:
    """The extent (minx, miny, maxx, maxy) in RD New of a frame, or ``view`` itself when it is a 4-tuple."""
    bounds = view.to_crs(RD_NEW).total_bounds if isinstance(view, (gpd.GeoDataFrame, gpd.GeoSeries)) else view
    x0, y0, x1, y1 = (float(v) for v in bounds)
    return x0, y0, x1, y1


def new_figure(height_cm: float) -> Figure:
    """An empty white figure of the standard width (:data:`WIDTH_CM`) and ``height_cm`` high, at :data:`DPI`."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_CM * CM, height_cm * CM), dpi=DPI)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    return fig


def draw_title(fig: Figure, title: str, subtitle: str = "") -> None:
    """Write the title (bold) and an optional subtitle (wrapped) at the top left of ``fig``."""
    fig.text(
        0.02,
        1 - 0.25 / (fig.get_figheight() / CM),
        title,
        ha="left",
        va="top",
        fontsize=11,
        fontweight="bold",
        family=FONT,
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
            family=FONT,
        )


def draw_source(fig: Figure, text: str) -> None:
    """Write the source line ``text`` (small, wrapped) at the bottom left of ``fig``."""
    import textwrap

    fig.text(
        0.02,
        0.012,
        "\n".join(textwrap.wrap(text, 150)),
        ha="left",
        va="bottom",
        fontsize=5.2,
        color="#555555",
        family=FONT,
        linespacing=1.25,
    )


def source_line(ctx: FigureContext, extra: str = "") -> str:
    """The source line of a figure: the analysis and its date, ``extra``, the data's sources, the licences."""
    made = provenance.made_text(ctx.data.manifest)
    parts = [f"Bron: woonzorg_geo{f', analyse van {made}' if made else ''}"]
    if extra:
        parts.append(extra)
    line = ctx.source
    if line:
        parts.append(line)
    parts.append("© OpenStreetMap contributors (ODbL); CBS / PDOK (CC BY 4.0)")
    return ". ".join(p.rstrip(".") for p in parts) + "."
