"""What every print figure shares: size and resolution, the figure context, the title and the source line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from woonzorg_geo.core import provenance
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from woonzorg_geo.outputs.maps.build import MapData

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
