"""Map styling: voorzieningen categories, colour classes, Dutch number formatting."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import AccessibilitySettings
from woonzorg_geo.core.palette import GREEN_TO_RED, ROAD_STYLE, distance_classes
from woonzorg_geo.core.provenance import ATTRIBUTION  # noqa: F401 - re-exported
from woonzorg_geo.core.vocabulary import CategoryStyle, Vocabulary, default_vocabulary

log = logging.getLogger(__name__)

RD = "EPSG:28992"
WGS84 = "EPSG:4326"
WEB_MERCATOR = "EPSG:3857"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
PDOK_BRT_TILES = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
OFFLINE_ENV = "WOONZORG_OFFLINE"
MAX_MAP_BYTES = 10_000_000
DECIMALS = 6

#: Road classes and their style: from the one palette (:mod:`woonzorg_geo.core.palette`).
_ROAD_STYLE = ROAD_STYLE
# --------------------------------------------------------------------------------------------
# Categories, labels and formatting: from the vocabulary (woonzorg_geo.core.vocabulary, .formatting)
# --------------------------------------------------------------------------------------------

#: How a category is shown (label, colour, letter); see :class:`woonzorg_geo.core.vocabulary.CategoryStyle`.
Category = CategoryStyle

_SOURCES: dict[str, str] = {
    "osm": "OpenStreetMap",
    "gtfs": "OVapi GTFS",
    "chb": "DOVA Centraal Haltebestand",
    "huisartsenlijst": "huisartsenlijst (ZorgKaart Nederland)",
    "igj": "IGJ-apothekersregister",
    "cbs": "CBS",
    "pdok": "PDOK",
}
#: Readable names of the voorzieningen's sources (the ``bron`` column), for popups and legends.
SOURCE_NAMES: dict[str, str] = _SOURCES
#: The same sources as a legend names them (``OSM aug. 2021``): short, the popups give the long name.
SOURCE_SHORT: dict[str, str] = {
    "osm": "OSM",
    "gtfs": "OVapi",
    "chb": "DOVA",
    "huisartsenlijst": "ZorgKaart",
    "igj": "IGJ",
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
    (see :func:`woonzorg_geo.core.formatting.number`)."""
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


#: Classes and the class limits of every map: from the one palette (:mod:`woonzorg_geo.core.palette`).
_GREEN_TO_RED = GREEN_TO_RED
#: Walking distance classes for the default norm (``[bereikbaarheid] norm_m``).
DISTANCE_CLASSES = distance_classes(AccessibilitySettings().norm_m)
