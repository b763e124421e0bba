"""Map styling: voorzieningen categories, colour classes, Dutch number formatting."""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .. import formatting as fmt
from ..config import AccessibilitySettings
from ..vocabulary import CategoryStyle, Vocabulary, default_vocabulary

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    pass


log = logging.getLogger(__name__)

RD = "EPSG:28992"
WGS84 = "EPSG:4326"
WEB_MERCATOR = "EPSG:3857"
ATTRIBUTION = "© OpenStreetMap contributors | Bron: CBS / PDOK"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
PDOK_BRT_TILES = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)
OFFLINE_ENV = "WOONZORG_OFFLINE"
MAX_MAP_BYTES = 10_000_000
DECIMALS = 6

#: Road classes (OpenMapTiles ``klasse``) drawn as context on every map.
MAIN_ROADS: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary", "tertiary")
#: Extra road classes drawn on the zoomed-in wijk maps.
LOCAL_ROADS: tuple[str, ...] = ("minor", "pedestrian", "service")
_ROAD_STYLE: dict[str, tuple[str, float]] = {
    "motorway": ("#7f7f7f", 4.0),
    "trunk": ("#7f7f7f", 3.5),
    "primary": ("#8c8c8c", 3.0),
    "secondary": ("#999999", 2.5),
    "tertiary": ("#a6a6a6", 2.0),
    "minor": ("#bdbdbd", 1.2),
    "pedestrian": ("#c9c9c9", 1.0),
    "service": ("#cfcfcf", 0.8),
}
# --------------------------------------------------------------------------------------------
# Categories, labels and formatting: from the vocabulary (woonzorg_geo.vocabulary, .formatting)
# --------------------------------------------------------------------------------------------

#: How a category is shown (label, colour, letter); see :class:`woonzorg_geo.vocabulary.CategoryStyle`.
Category = CategoryStyle

_SOURCES: dict[str, str] = {
    "osm": "OpenStreetMap",
    "gtfs": "OVapi GTFS",
    "chb": "DOVA Centraal Haltebestand",
    "huisartsenlijst": "huisartsenlijst (ZorgKaart Nederland)",
    "cbs": "CBS",
    "pdok": "PDOK",
}


def category(name: str, vocabulary: Vocabulary | None = None) -> Category:
    """The symbol of a category; unknown categories get a grey symbol with their first letter."""
    return (vocabulary or default_vocabulary()).style(name)


def _ordered(cats: Iterable[str], vocabulary: Vocabulary | None = None) -> list[str]:
    return (vocabulary or default_vocabulary()).ordered(cats)


def nl_number(value: Any, decimals: int = 0, *, unit: str = "") -> str:
    """A number in Dutch notation (``37.375``, ``64,8``), or ``onbekend`` when missing
    (see :func:`woonzorg_geo.formatting.number`)."""
    return fmt.number(value, decimals, unit=unit)


def format_field(column: str, value: Any, vocabulary: Vocabulary | None = None) -> str:
    """A column value formatted for a popup or panel: percentages, metres, minutes, counts, text."""
    return (vocabulary or default_vocabulary()).format(column, value)


def _strip_suffix(column: str, vocabulary: Vocabulary | None = None) -> str:
    """``pct_ov_800m_senior`` → ``pct_ov_800m``: the column without a profile suffix."""
    return (vocabulary or default_vocabulary()).split_profile(column)[0]


def field_label(column: str, vocabulary: Vocabulary | None = None) -> str:
    """The Dutch label of an area column (a profile other than the main one is noted)."""
    return (vocabulary or default_vocabulary()).field_label(column)


def _fmt_bound(x: float) -> str:
    return nl_number(x, 0 if float(x).is_integer() else 1)


@dataclass(frozen=True)
class Classes:
    """Class breaks with one colour and one Dutch label per class, plus missing values.

    A value ``v`` falls in class ``i`` when ``breaks[i] < v <= breaks[i + 1]`` (the first class
    also takes ``breaks[0]`` and anything below it; the last class anything above).
    """

    breaks: tuple[float, ...]
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    missing_colour: str = "#9e9e9e"
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
        missing_colour: str = "#9e9e9e",
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
        return cls(tuple(float(b) for b in breaks), tuple(colours), tuple(labels),
                   missing_colour, missing_label)

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


_GREEN_TO_RED = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027")
#: Walking time in minutes; missing = no route.
TIME_CLASSES = Classes.from_breaks((0, 5, 10, 15, 20, math.inf), _GREEN_TO_RED, unit="min",
                                   missing_label="onbereikbaar")


def distance_classes(norm_m: float) -> Classes:
    """Walking distance in metres (surfaces): steps of half the norm, the norm itself a class break."""
    half = norm_m / 2
    return Classes.from_breaks((0, half, norm_m, 3 * half, 4 * half, math.inf), _GREEN_TO_RED, unit="m")


#: Walking distance classes for the default norm (``[bereikbaarheid] norm_m``).
DISTANCE_CLASSES = distance_classes(AccessibilitySettings().norm_m)
#: Share of addresses (%), low = red.
PCT_CLASSES = Classes.from_breaks((0, 20, 40, 60, 80, 100), tuple(reversed(_GREEN_TO_RED)), unit="%",
                                  missing_label="geen adressen")


