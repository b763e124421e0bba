"""The one palette and the one set of class limits of every output.

The Folium maps (:mod:`woonzorg_geo.outputs.maps`), the print figures (:mod:`woonzorg_geo.outputs.figures`), the
QGIS styles in ``woonzorg.gpkg`` (:mod:`woonzorg_geo.outputs.qgisproject`) and the HTML pages
(:mod:`woonzorg_geo.outputs.report`) all take their colours and classes from here, so a supermarket, a
walking time of 10–15 minutes or a buurt with 40–60 % of its homes near OV and a supermarket look the
same wherever a planner meets them.

What is here: one colour and letter per voorzieningen category; the colour ramps; the classes of
walking time, walking distance, shares, z-scores of draaglast and draagkracht, balans (class limits
from the settings), focus, veerkracht and the site score; how areas with few addresses are toned
down; outline and road styles.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from woonzorg_geo.core import formatting as fmt

# --------------------------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------------------------

#: Colour and letter symbol per voorzieningen category, for every map, figure, style and report.
CATEGORY_SYMBOLS: dict[str, tuple[str, str]] = {
    "ov": ("#1f78b4", "OV"),
    "ov_halte": ("#1f78b4", "B"),
    "treinstation": ("#0b2e59", "T"),
    "supermarkt": ("#2e8b2e", "S"),
    "huisarts": ("#d62728", "H"),
    "apotheek": ("#7b3fa0", "A"),
    "tandarts": ("#e6780b", "D"),
    "ziekenhuis": ("#8b1a1a", "Z"),
    "school": ("#c2185b", "Sc"),
    "ontmoetingsplek": ("#00897b", "M"),
    "woonzorg": ("#5d4037", "W"),
    "kinderopvang": ("#f06292", "K"),
}
#: Colour of a category the palette does not know.
UNKNOWN_COLOUR = "#616161"

# --------------------------------------------------------------------------------------------
# Ramps, outlines, roads
# --------------------------------------------------------------------------------------------

#: Good to bad (ColorBrewer RdYlGn, 5 classes, reversed): short walks, high shares, high capacity.
GREEN_TO_RED: tuple[str, ...] = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
RED_TO_GREEN: tuple[str, ...] = tuple(reversed(GREEN_TO_RED))
#: What-if maps (watals): a home that gains access within the norm, and one that loses it.
GAIN_COLOUR = GREEN_TO_RED[0]
LOSS_COLOUR = GREEN_TO_RED[-1]
#: Fill of a missing value (no addresses, no route, no data).
MISSING_COLOUR = "#9e9e9e"
#: Area outlines: areas filled by a value, wijk borders, buurt borders.
AREA_EDGE = "#555555"
WIJK_OUTLINE = "#333333"
BUURT_OUTLINE = "#666666"
#: Opacity of an area fill on a map over a background (Leaflet, QGIS) and on paper (figures).
AREA_OPACITY = 0.65
#: An area with fewer addresses than ``[kaarten] min_adressen`` is drawn in a lighter tone: its
#: share rests on few homes and its (often large, rural) surface should not dominate the picture.
FEW_ADDRESSES_OPACITY = 0.2
#: Background of maps without tiles.
BACKGROUND = "#f4f3ef"
#: Outline of points (homes) and of the zoekgebieden, and the rank labels of the zoekgebieden.
POINT_EDGE = "#333333"
RANK_COLOUR = "#08306b"
#: Roads of a class without a style of its own, and footpaths (QGIS shows the whole walking network).
OTHER_ROAD = "#b0b0b0"
PATH_COLOUR = "#d9d9d9"

#: Road classes (OpenMapTiles ``klasse``) drawn as context: colour and line width in pixels.
ROAD_STYLE: dict[str, tuple[str, float]] = {
    "motorway": ("#7f7f7f", 4.0),
    "trunk": ("#7f7f7f", 3.5),
    "primary": ("#8c8c8c", 3.0),
    "secondary": ("#999999", 2.5),
    "tertiary": ("#a6a6a6", 2.0),
    "minor": ("#bdbdbd", 1.2),
    "pedestrian": ("#c9c9c9", 1.0),
    "service": ("#cfcfcf", 0.8),
}
#: Road classes drawn on every map and figure.
MAIN_ROADS: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary", "tertiary")
#: Extra road classes drawn on the zoomed-in wijk maps.
LOCAL_ROADS: tuple[str, ...] = ("minor", "pedestrian", "service")


def few_addresses_label(min_count: int) -> str:
    """Legend text of the lighter tone: ``'lichte tint: minder dan 50 adressen'``."""
    return f"lichte tint: minder dan {fmt.number(min_count)} adressen"


def rgb(colour: str) -> tuple[int, int, int]:
    """``'#1a9850'`` (or ``'#abc'``) → ``(26, 152, 80)``."""
    c = colour.lstrip("#")
    if len(c) == 3:
        c = "".join(ch * 2 for ch in c)
    if len(c) != 6:
        raise ValueError(f"geen kleur in de vorm #rrggbb: {colour!r}")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


# --------------------------------------------------------------------------------------------
# Classes
# --------------------------------------------------------------------------------------------


def _fmt_bound(x: float) -> str:
    return fmt.number(x, 0 if float(x).is_integer() else 1)


@dataclass(frozen=True)
class Classes:
    """Class breaks with one colour and one Dutch label per class, plus missing values.

    A value ``v`` falls in class ``i`` when ``breaks[i] < v <= breaks[i + 1]`` (the first class
    also takes ``breaks[0]`` and anything below it; the last class anything above).
    """

    breaks: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    missing_colour: str = MISSING_COLOUR
    missing_label: str = fmt.MISSING

    def __post_init__(self) -> None:
        n = len(self.breaks) - 1
        if n < 1 or len(self.colours) != n or len(self.labels) != n:
            raise ValueError(
                f"Classes: {len(self.breaks)} grenzen vragen {n} kleuren en labels, "
                f"kreeg {len(self.colours)} en {len(self.labels)}"
            )
        if any(b >= c for b, c in zip(self.breaks, self.breaks[1:])):
            raise ValueError(f"Classes: grenzen moeten oplopen: {self.breaks}")

    @classmethod
    def from_breaks(
        cls,
        breaks: Sequence[float],
        colours: Sequence[str],
        *,
        unit: str = "",
        missing_colour: str = MISSING_COLOUR,
        missing_label: str = fmt.MISSING,
    ) -> Classes:
        """Classes with labels made from the breaks (``0–5 min``, ``meer dan 20 min``)."""
        sep = "" if unit == "%" else " "
        suffix = f"{sep}{unit}" if unit else ""
        labels = []
        for lo, hi in itertools.pairwise(breaks):
            if math.isinf(hi):
                labels.append(f"meer dan {_fmt_bound(lo)}{suffix}")
            else:
                labels.append(f"{_fmt_bound(lo)}–{_fmt_bound(hi)}{suffix}")
        return cls(tuple(float(b) for b in breaks), tuple(colours), tuple(labels), missing_colour, missing_label)

    def index(self, values: Any) -> np.ndarray:
        """Class index per value; ``-1`` where the value is missing (NaN)."""
        v = np.asarray(pd.to_numeric(pd.Series(np.ravel(values)), errors="coerce"), dtype=float)
        idx = np.searchsorted(np.asarray(self.breaks[1:-1], dtype=float), v, side="left")
        idx = idx.astype(int)
        idx[np.isnan(v)] = -1
        return idx

    def colour(self, i: int) -> str:
        """Colour of class ``i`` (``-1``: missing)."""
        return self.missing_colour if i < 0 else self.colours[i]

    def label(self, i: int) -> str:
        """Label of class ``i`` (``-1``: missing)."""
        return self.missing_label if i < 0 else self.labels[i]

    def items(self, *, missing: bool = True) -> list[tuple[str, str]]:
        """(colour, label) pairs for a legend."""
        out = list(zip(self.colours, self.labels))
        if missing:
            out.append((self.missing_colour, self.missing_label))
        return out

    def bounds(self, i: int) -> tuple[float | None, float | None]:
        """(lower, upper) of class ``i`` as used by :meth:`index`: ``lower < v <= upper``; ``None``
        where the class is open (the first class has no lower bound, the last no upper bound)."""
        lo = None if i == 0 else self.breaks[i]
        hi = None if i == len(self.colours) - 1 else self.breaks[i + 1]
        return lo, hi


#: Walking time in minutes; missing = no route.
TIME_CLASSES = Classes.from_breaks((0, 5, 10, 15, 20, math.inf), GREEN_TO_RED, unit="min", missing_label="onbereikbaar")


def distance_classes(norm_m: float) -> Classes:
    """Walking distance in metres (surfaces): steps of half the norm, the norm itself a class break."""
    half = norm_m / 2
    return Classes.from_breaks((0, half, norm_m, 3 * half, 4 * half, math.inf), GREEN_TO_RED, unit="m")


#: Share of addresses (%), low = red.
PCT_CLASSES = Classes.from_breaks((0, 20, 40, 60, 80, 100), RED_TO_GREEN, unit="%", missing_label="onbekend")

#: z-scores of draaglast (high = red) and draagkracht (high = green).
Z_BREAKS = (-math.inf, -1.0, -0.33, 0.33, 1.0, math.inf)
Z_LABELS = (
    "ver onder gemiddeld (< −1)",
    "onder gemiddeld",
    "rond gemiddeld",
    "boven gemiddeld",
    "ver boven gemiddeld (> 1)",
)
LOAD_CLASSES = Classes(Z_BREAKS, GREEN_TO_RED, Z_LABELS)
CAPACITY_CLASSES = Classes(Z_BREAKS, RED_TO_GREEN, Z_LABELS)
#: Focus and veerkracht per buurt are classes by name; the maps code them 0, 1, 2.
FOCUS_ORDER: dict[str, int] = {"laag": 0, "midden": 1, "hoog": 2}
FOCUS_CLASSES = Classes(
    (-0.5, 0.5, 1.5, 2.5), ("#fef0d9", "#fc8d59", "#d7301f"), ("focus laag", "focus midden", "focus hoog")
)
VEERKRACHT_ORDER: dict[str, int] = {"laag": 0, "midden": 1, "hoog": 2}
VEERKRACHT_CLASSES = Classes(
    (-0.5, 0.5, 1.5, 2.5),
    ("#d7301f", "#fee08b", "#1a9850"),
    ("veerkracht laag", "veerkracht midden", "veerkracht hoog"),
)
#: Score of a candidate site (0–1).
SCORE_CLASSES = Classes(
    (0.0, 0.4, 0.55, 0.7, 0.85, 1.0),
    RED_TO_GREEN,
    ("< 0,40", "0,40–0,55", "0,55–0,70", "0,70–0,85", "≥ 0,85"),
    missing_label="niet beoordeeld",
)


def balance_classes(limits: Sequence[float], labels: Sequence[str]) -> Classes:
    """Classes of balans from the settings' class limits and Dutch labels (``[overlays]``)."""
    return Classes((-math.inf, *limits, math.inf), RED_TO_GREEN, tuple(labels), missing_label=fmt.MISSING)


def name_colours(classes: Classes, order: Mapping[str, int]) -> dict[str, str]:
    """Colour per class name for classes coded by ``order`` (``{'hoog': '#d7301f', ...}``)."""
    return {name: classes.colour(i) for name, i in order.items()}


#: Focus colour per class name, as the wijkprofielen show it.
FOCUS_COLOURS: dict[str, str] = name_colours(FOCUS_CLASSES, FOCUS_ORDER)
