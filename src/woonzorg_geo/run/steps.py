"""The steps of the chain as plain functions for a notebook: GeoDataFrames in, GeoDataFrames out.

Each function wraps one step of the command line's chain (sources → network → accessibility →
aggregation → overlays → sites / toets → maps) without writing anything; inputs are never
changed and the index of the input is kept. ``import woonzorg_geo as wzg`` exposes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.validate import ensure_crs
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.network.accessibility import compute_accessibility, to_frame
from woonzorg_geo.network.graph import WalkNetwork, build_network, profile_graph

if TYPE_CHECKING:
    import folium

    from woonzorg_geo.sources.datasets import Inputs


def load_inputs(settings: Settings, *, raw_dir: str | Path | None = None, online: bool | None = None) -> Inputs:
    """Every input of a run for the gemeente of ``settings``: areas, OSM, voorzieningen (EPSG:28992).

    Offline from the raw data folder (``raw_dir``, ``WOONZORG_DATA`` or ``../shared/geodata/raw``);
    from PDOK and OpenStreetMap with ``online=True`` or when no data folder exists at all.
    """
    from woonzorg_geo.sources.inputs import load_inputs as _load

    return _load(settings, raw_dir=Path(raw_dir) if raw_dir else None, online=online)


def addresses_in(inputs: Inputs, *, settings: Settings | None = None) -> gpd.GeoDataFrame:
    """The address points of the gemeente (index kept), as :func:`analyse` selects them.

    Those inside the gemeente, and those its gemeente and wijk polygons both hold near its buurten
    (see :func:`.sources.outlines.select_addresses`), with ``[plausibiliteit]`` of ``settings`` (default: the
    package's defaults).
    """
    from woonzorg_geo.core.config import PlausibilitySettings
    from woonzorg_geo.sources.outlines import select_addresses

    shape = inputs.gemeente.union_all()
    chosen, _ = select_addresses(
        inputs.osm.addresses,
        shape,
        inputs.buurten,
        inputs.outlines,
        settings=settings.plausibiliteit if settings else PlausibilitySettings(),
    )
    return chosen


def walking_network(lines: gpd.GeoDataFrame, *, settings: Settings) -> WalkNetwork:
    """The walking graph of straight segments (EPSG:28992) from OSM lines (see :mod:`.network.graph`)."""
    return build_network(lines, settings=settings.netwerk)


def nearest_distances(
    network: WalkNetwork,
    origins: gpd.GeoDataFrame,
    voorzieningen: gpd.GeoDataFrame,
    *,
    settings: Settings,
    profile: str | None = None,
    categories: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Walking distance (m) and time (min) from every origin to the nearest voorziening per category.

    Parameters
    ----------
    network
        From :func:`walking_network`.
    origins
        Points, e.g. :func:`addresses_in`; the result is indexed like them.
    voorzieningen
        Points with a ``categorie`` column (``inputs.voorzieningen``).
    settings
        The norm, the snap distance and the profiles.
    profile
        A profile of the settings (default: the first, the main one).
    categories
        Default: every category of the settings; composites (``ov``) follow their parts.

    Returns
    -------
    DataFrame
        ``afstand_<cat>_m``, ``tijd_<cat>_min``, ``dichtstbij_<cat>``, ``reden_<cat>`` and the norm
        flags (see :func:`.network.accessibility.to_frame`), one row per origin.
    """
    origins = ensure_crs(origins, name="origins")
    vocab = Vocabulary.from_settings(settings)
    prof = settings.profile(profile or vocab.main_profile)
    cats = list(categories or settings.bereikbaarheid.categories)
    acc = compute_accessibility(
        profile_graph(network, prof),
        origins,
        voorzieningen,
        categories=cats,
        radii_m=settings.bereikbaarheid.count_radii_m,
        max_snap_m=settings.bereikbaarheid.max_snap_m,
        composites=vocab.composites,
    )
    return to_frame(acc, origins, speed_m_s=prof.speed_m_s, norm_m=settings.bereikbaarheid.norm_m)


def share_within(distances: pd.Series, areas: pd.Series, *, norm_m: float) -> pd.Series:
    """Per area code, the percentage of points whose distance is within ``norm_m`` (missing counts as not)."""
    within = distances.fillna(float("inf")) <= norm_m
    return 100.0 * within.groupby(areas).mean()


def area_map(
    areas: gpd.GeoDataFrame,
    *,
    column: str,
    label: str,
    title: str = "Bereikbaarheid te voet",
    offline: bool | None = None,
) -> folium.Map:
    """A Leaflet map of ``areas`` coloured by a percentage ``column`` in the package's classes."""
    from woonzorg_geo.outputs.maps import add_choropleth, add_layer_control, new_map

    m = new_map(areas, offline=offline, title=title)
    add_choropleth(m, areas, column=column, label=label)
    return add_layer_control(m)
