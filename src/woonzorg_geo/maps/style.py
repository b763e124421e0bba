"""Map styling: voorzieningen categories, colour classes, Dutch number formatting."""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

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
# Categories, classes and formatting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """How one category of voorziening is shown: Dutch label, colour and letter symbol."""

    label: str
    colour: str
    letter: str


CATEGORIES: dict[str, Category] = {
    "ov": Category("OV-halte of station", "#1f78b4", "OV"),
    "ov_halte": Category("OV-halte", "#1f78b4", "B"),
    "treinstation": Category("Treinstation", "#0b2e59", "T"),
    "supermarkt": Category("Supermarkt", "#2e8b2e", "S"),
    "huisarts": Category("Huisarts", "#d62728", "H"),
    "apotheek": Category("Apotheek", "#7b3fa0", "A"),
    "tandarts": Category("Tandarts", "#e6780b", "D"),
    "ziekenhuis": Category("Ziekenhuis", "#8b1a1a", "Z"),
    "school": Category("School", "#c2185b", "Sc"),
    "ontmoetingsplek": Category("Ontmoetingsplek", "#00897b", "M"),
    "woonzorg": Category("Woonzorglocatie", "#5d4037", "W"),
    "kinderopvang": Category("Kinderopvang", "#f06292", "K"),
}
#: The order categories are listed in (key categories first); others follow alphabetically.
CATEGORY_ORDER: tuple[str, ...] = (
    "huisarts", "supermarkt", "apotheek", "ov", "ov_halte", "treinstation", "tandarts",
    "ziekenhuis", "school", "ontmoetingsplek", "woonzorg", "kinderopvang",
)

_SOURCES: dict[str, str] = {
    "osm": "OpenStreetMap",
    "gtfs": "OVapi GTFS",
    "chb": "DOVA Centraal Haltebestand",
    "huisartsenlijst": "huisartsenlijst (ZorgKaart Nederland)",
    "cbs": "CBS",
    "pdok": "PDOK",
}

#: Dutch labels of the area columns written by ``analyse`` (suffix such as ``_senior`` stripped).
FIELD_LABELS: dict[str, str] = {
    "naam": "Naam",
    "code": "Code",
    "n_adressen": "Adressen",
    "inwoners_cbs": "Inwoners (CBS)",
    "woningen_cbs": "Woningen (CBS)",
    "pct_ov_en_supermarkt_800m": "OV-halte én supermarkt ≤ 800 m",
    "pct_drie_a_800m": "Supermarkt, apotheek én huisarts ≤ 800 m",
    "pct_ov_800m": "OV-halte of station ≤ 800 m",
    "pct_supermarkt_800m": "Supermarkt ≤ 800 m",
    "pct_huisarts_800m": "Huisarts ≤ 800 m",
    "pct_apotheek_800m": "Apotheek ≤ 800 m",
    "med_afstand_huisarts_m": "Mediane loopafstand huisarts",
    "med_afstand_supermarkt_m": "Mediane loopafstand supermarkt",
    "med_afstand_apotheek_m": "Mediane loopafstand apotheek",
    "med_afstand_ov_m": "Mediane loopafstand OV",
    "n_onbereikbaar": "Adressen zonder route",
}


def category(name: str) -> Category:
    """The symbol of a category; unknown categories get a grey symbol with their first letter."""
    if name in CATEGORIES:
        return CATEGORIES[name]
    label = str(name).replace("_", " ").strip().capitalize() or "?"
    return Category(label, "#616161", label[:1].upper())


def _ordered(cats: Iterable[str]) -> list[str]:
    cats = list(dict.fromkeys(cats))
    known = [c for c in CATEGORY_ORDER if c in cats]
    return known + sorted(c for c in cats if c not in CATEGORY_ORDER)


def nl_number(value: Any, decimals: int = 0, *, unit: str = "") -> str:
    """A number in Dutch notation (``37.375``, ``64,8``), or ``–`` when missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    text = f"{x:,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"{text}{unit}"


def format_field(column: str, value: Any) -> str:
    """A column value formatted for a popup or panel: percentages, metres, minutes, counts, text."""
    if isinstance(value, str):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–" if value is None else str(value)
    base = _strip_suffix(column)
    if base.startswith("pct_"):
        return nl_number(x, 1, unit="%")
    if base.endswith("_m"):
        return nl_number(x, 0, unit=" m")
    if base.endswith("_min"):
        return nl_number(x, 1, unit=" min")
    return nl_number(x, 0 if math.isfinite(x) and x.is_integer() else 1)


def _strip_suffix(column: str) -> str:
    """``pct_ov_800m_senior`` → ``pct_ov_800m``: the column without a profile suffix."""
    m = re.fullmatch(r"(.*(?:_m|_min|m))_([a-z]+)", column)
    return m.group(1) if m and not column.endswith(("_m", "_min")) else column


def field_label(column: str) -> str:
    """The Dutch label of an area column (a profile suffix such as ``_senior`` is noted)."""
    if column in FIELD_LABELS:
        return FIELD_LABELS[column]
    base = _strip_suffix(column)
    if base in FIELD_LABELS:
        return f"{FIELD_LABELS[base]} ({column[len(base) + 1:]})"
    return column


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
    missing_label: str = "geen gegevens"

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
        missing_label: str = "geen gegevens",
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
#: Walking distance in metres (surfaces); the 800 m norm is a class break.
DISTANCE_CLASSES = Classes.from_breaks((0, 400, 800, 1200, 1600, math.inf), _GREEN_TO_RED, unit="m",
                                       missing_label="geen gegevens")
#: Share of addresses (%), low = red.
PCT_CLASSES = Classes.from_breaks((0, 20, 40, 60, 80, 100), tuple(reversed(_GREEN_TO_RED)), unit="%",
                                  missing_label="geen adressen")


