"""What every print figure shares: size and resolution, the figure context, the title and the source line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from woonzorg_geo.core import provenance
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from matplotlib.figure import Figure

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
