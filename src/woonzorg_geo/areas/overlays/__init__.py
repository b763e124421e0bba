"""Overlays per wijk and buurt: draaglast, draagkracht, balans, focus and veerkracht, with reasons.

Modules: :mod:`.tables` (reading the report's tables and a planner's), :mod:`.index` (the
composite indices per wijk), :mod:`.buurten` (focus and veerkracht per buurt), :mod:`.sensitivity`
and :mod:`.build` (:func:`build_overlays`, the whole step).
"""

from __future__ import annotations

from woonzorg_geo.areas.overlays.build import build_overlays
from woonzorg_geo.areas.overlays.buurten import BuurtClasses, buurt_classes
from woonzorg_geo.areas.overlays.index import (
    IndexResult,
    absent_indicators,
    balance_label,
    composite_index,
    wijk_indices,
)
from woonzorg_geo.areas.overlays.scaling import SCALINGS, floored_z, rank_scores, scale_indicator, zscores
from woonzorg_geo.areas.overlays.sensitivity import sensitivity
from woonzorg_geo.areas.overlays.tables import (
    KNOWN_SIGNALS,
    NEGATIVE_SIGNALS,
    PACKAGE_DATA_DIR,
    WMO_COLUMNS,
    join_indicators,
    read_indicator_table,
    read_signals,
    read_wijk_facts,
    read_wijkcijfers,
    resolve_data_path,
)

__all__ = [
    "KNOWN_SIGNALS",
    "NEGATIVE_SIGNALS",
    "PACKAGE_DATA_DIR",
    "SCALINGS",
    "WMO_COLUMNS",
    "BuurtClasses",
    "IndexResult",
    "absent_indicators",
    "balance_label",
    "build_overlays",
    "buurt_classes",
    "composite_index",
    "floored_z",
    "join_indicators",
    "rank_scores",
    "read_indicator_table",
    "read_signals",
    "read_wijk_facts",
    "read_wijkcijfers",
    "resolve_data_path",
    "scale_indicator",
    "sensitivity",
    "wijk_indices",
    "zscores",
]
