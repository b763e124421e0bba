"""woonzorg_geo: walking accessibility and housing-and-care planning for Dutch gemeenten.

``import woonzorg_geo as wzg`` gives the steps of the chain as documented functions, GeoDataFrames
in and out (the command line ``woonzorg-geo`` runs the same steps and writes the results):

- settings and inputs: :func:`load_settings`, :func:`load_inputs`, :func:`addresses_in`;
- network and accessibility: :func:`walking_network`, :func:`nearest_distances`,
  :func:`compute_accessibility`;
- areas: :func:`assign_areas`, :func:`aggregate`, :func:`share_within`;
- the whole chain in memory: :func:`analyse` (an :class:`Analysis`), :func:`write_outputs`;
  one gemeente from its inputs to its maps, as ``analyse`` and ``regio`` run it: :func:`run_gemeente`;
- overlays, sites, toets: :func:`build_overlays`, :func:`find_sites`, :func:`run_toets`;
- maps: :func:`area_map`, :func:`write_maps`.

The heavy modules load on first use, so ``import woonzorg_geo`` and the command line stay quick.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

__version__ = "0.1.0"
RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"
WEB_MERCATOR = "EPSG:3857"  # the tiles of Leaflet and the PNG overlays

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: public name -> module that defines it (loaded on first use)
_API = {
    "load_settings": "core.settings_loader",
    "Settings": "core.config",
    "load_inputs": "run.steps",
    "addresses_in": "run.steps",
    "walking_network": "run.steps",
    "nearest_distances": "run.steps",
    "share_within": "run.steps",
    "area_map": "run.steps",
    "compute_accessibility": "network.accessibility",
    "profile_graph": "network.graph",
    "assign_areas": "areas.aggregation",
    "aggregate": "areas.aggregation",
    "analyse": "areas.analysis",
    "Analysis": "areas.analysis",
    "write_outputs": "run.pipeline",
    "run_gemeente": "run.driver",
    "build_overlays": "areas.overlays",
    "find_sites": "sites",
    "run_toets": "toets",
    "load_analysis": "run.store",
    "what_if": "whatif.engine",
    "Changes": "whatif.engine",
    "write_maps": "outputs.maps",
    "Vocabulary": "core.vocabulary",
}

__all__ = [  # noqa: RUF022 - the constants first, then the steps of the chain in their order
    "RD_NEW",
    "WGS84",
    "__version__",
    "load_settings",
    "Settings",
    "load_inputs",
    "addresses_in",
    "walking_network",
    "profile_graph",
    "nearest_distances",
    "compute_accessibility",
    "assign_areas",
    "aggregate",
    "share_within",
    "analyse",
    "Analysis",
    "write_outputs",
    "run_gemeente",
    "build_overlays",
    "find_sites",
    "run_toets",
    "load_analysis",
    "what_if",
    "Changes",
    "area_map",
    "write_maps",
    "Vocabulary",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'woonzorg_geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
