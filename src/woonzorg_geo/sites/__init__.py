"""Candidate search areas (zoekgebieden) for geclusterd wonen, scored and explained.

The search (:func:`find_sites`, :class:`SiteResult`) takes the candidates from
:mod:`~woonzorg_geo.sites.candidates` (built-up cells, exclusions, land shares; the overlays of
the land in :mod:`~woonzorg_geo.sites.land`), scores them in
:mod:`~woonzorg_geo.sites.scoring` (criteria, total, explanation) and ranks them in
:mod:`~woonzorg_geo.sites.ranking` (the search areas, sensitivity of the top).
"""

from __future__ import annotations

from woonzorg_geo.sites.candidates import (
    built_up_cells,
    business_park_buurten,
    candidate_cells,
    exclusion_counts,
    exclusion_reasons,
    format_counts,
    land_shares,
    place_exclusions,
    shop_counts,
    shopping_core_buurten,
    shops_of,
    site_osm_layers,
)
from woonzorg_geo.sites.land import covered_parts, disjoint_cover, dissolve_overlaps, polygon_parts
from woonzorg_geo.sites.ranking import grow_regions, rank_search_areas, site_sensitivity, stability
from woonzorg_geo.sites.scoring import (
    DISTANCE_CRITERIA,
    FOCUS_SCORE,
    VEERKRACHT_SCORE,
    care_note,
    curve_score,
    explain,
    score_candidates,
    weighted_total,
)
from woonzorg_geo.sites.search import SiteResult, find_sites, site_addresses

__all__ = [
    "DISTANCE_CRITERIA",
    "FOCUS_SCORE",
    "VEERKRACHT_SCORE",
    "SiteResult",
    "built_up_cells",
    "business_park_buurten",
    "candidate_cells",
    "care_note",
    "covered_parts",
    "curve_score",
    "disjoint_cover",
    "dissolve_overlaps",
    "exclusion_counts",
    "exclusion_reasons",
    "explain",
    "find_sites",
    "format_counts",
    "grow_regions",
    "land_shares",
    "place_exclusions",
    "polygon_parts",
    "rank_search_areas",
    "score_candidates",
    "shop_counts",
    "shopping_core_buurten",
    "shops_of",
    "site_addresses",
    "site_osm_layers",
    "site_sensitivity",
    "stability",
    "weighted_total",
]
