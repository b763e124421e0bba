"""Map styling: tile sources, voorzieningen categories and sources, colour classes, column labels.

Numbers are formatted by :mod:`woonzorg_geo.core.formatting`; CRS constants are the package's
(:data:`woonzorg_geo.RD_NEW`, :data:`woonzorg_geo.WGS84`, :data:`woonzorg_geo.WEB_MERCATOR`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any

from woonzorg_geo.core.config import AccessibilitySettings
from woonzorg_geo.core.palette import distance_classes
from woonzorg_geo.core.vocabulary import CategoryStyle, Vocabulary, default_vocabulary

log = logging.getLogger(__name__)

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
PDOK_BRT_TILES = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
OFFLINE_ENV = "WOONZORG_OFFLINE"
MAX_MAP_BYTES = 10_000_000
DECIMALS = 6

# --------------------------------------------------------------------------------------------
# Categories, labels and formatting: from the vocabulary (woonzorg_geo.core.vocabulary, .formatting)
# --------------------------------------------------------------------------------------------

#: How a category is shown (label, colour, letter); see :class:`woonzorg_geo.core.vocabulary.CategoryStyle`.
Category = CategoryStyle

#: Readable names of the voorzieningen's sources (the ``bron`` column), for popups and legends.
SOURCE_NAMES: dict[str, str] = {
    "osm": "OpenStreetMap",
    "gtfs": "OVapi GTFS",
    "chb": "DOVA Centraal Haltebestand",
    "huisartsenlijst": "huisartsenlijst (ZorgKaart Nederland)",
    "igj": "IGJ-apothekersregister",
    "cbs": "CBS",
    "pdok": "PDOK",
}
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


def ordered_categories(cats: Iterable[str], vocabulary: Vocabulary | None = None) -> list[str]:
    """``cats`` in display order (see :meth:`woonzorg_geo.core.vocabulary.Vocabulary.ordered`)."""
    return (vocabulary or default_vocabulary()).ordered(cats)


def format_field(column: str, value: Any, vocabulary: Vocabulary | None = None) -> str:
    """A column value formatted for a popup or panel: percentages, metres, minutes, counts, text."""
    return (vocabulary or default_vocabulary()).format(column, value)


def field_label(column: str, vocabulary: Vocabulary | None = None) -> str:
    """The Dutch label of an area column (a profile other than the main one is noted)."""
    return (vocabulary or default_vocabulary()).field_label(column)


#: Walking distance classes for the default norm (``[bereikbaarheid] norm_m``).
DISTANCE_CLASSES = distance_classes(AccessibilitySettings().norm_m)


def source_text(value: Any, dates: Any = None) -> str:
    """Readable sources of a voorziening (``'osm;igj'``), each with its date where ``dates`` gives it
    (``'aug. 2021;jan. 2026'``, one per source)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "onbekend"
    parts = [p.strip() for p in str(value).split(";") if p.strip()]
    when = [] if dates is None or (isinstance(dates, float) and math.isnan(dates)) else str(dates).split(";")
    names = [SOURCE_NAMES.get(p.lower(), p) for p in parts]
    if len(when) == len(names):
        names = [f"{n} ({d.strip()})" if d.strip() else n for n, d in zip(names, when, strict=True)]
    return " + ".join(names) or "onbekend"
