"""Loading every input of a run from the online services: PDOK (CBS, Locatieserver) and OSM (Overpass)."""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import pandas as pd
import requests

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.errors import MissingDataError
from woonzorg_geo.core.raw_data import find_raw_dir
from woonzorg_geo.core.settings_loader import load_category_rules
from woonzorg_geo.sources import gtfs
from woonzorg_geo.sources.address_lists import geocode_huisartsen
from woonzorg_geo.sources.datasets import Inputs, check_point_sources, resolve_paths, with_voorzieningen
from woonzorg_geo.sources.geocode import locatieserver_geocoder
from woonzorg_geo.sources.osm import clip

log = logging.getLogger(__name__)


def load_online(
    settings: Settings,
    *,
    raw_dir: Path | None = None,
    categories_path: str | Path | None = None,
    year: int = 2024,
    progress: bool = False,
) -> Inputs:
    """Load the gemeente's inputs from PDOK and OSM.

    CBS gemeente, wijken and buurten (with their kerncijfers) come from the PDOK OGC API "CBS
    wijken en buurten"; streets, paths and POIs from Overpass (via OSMnx); the addresses are the BAG
    verblijfsobjecten from the PDOK BAG WFS, each with ``woning`` (woonfunctie, in use). Local GTFS
    stops, CHB stations and a GP list are used too when the settings point at files that exist
    (relative to ``raw_dir``, else the folder :func:`.core.raw_data.find_raw_dir` finds);
    the GP list is then geocoded with PDOK Locatieserver. Service URLs can be set with the
    environment variables ``WOONZORG_PDOK_CBS_URL``, ``WOONZORG_PDOK_LOCATIESERVER_URL``,
    ``WOONZORG_PDOK_BAG_URL`` and
    ``WOONZORG_OVERPASS_URL``. Every call waits and retries as ``settings.online`` says.

    Raises
    ------
    SourceUnavailableError
        A service cannot be reached, does not answer in time or answers with an error; the
        message names the service, its address and what to do.
    """
    from woonzorg_geo.sources import http_client

    with http_client.open_session(settings.online) as session:
        return _load_online(settings, session=session, raw_dir=raw_dir, categories_path=categories_path, year=year)


def _load_online(
    settings: Settings,
    *,
    session: requests.Session,
    raw_dir: Path | None,
    categories_path: str | Path | None,
    year: int,
) -> Inputs:
    from woonzorg_geo.sources.bag import fetch_bag_addresses
    from woonzorg_geo.sources.cbs import wijken_from_buurten
    from woonzorg_geo.sources.osm_raw import read_overpass
    from woonzorg_geo.sources.pdok import fetch_cbs_areas

    online = settings.online
    timings: dict[str, float] = {}
    code = settings.gemeente.code
    t0 = time.perf_counter()
    log.info("CBS-gebieden van PDOK laden voor %s", code)
    gemeente = fetch_cbs_areas("gemeente", gemeentecode=code, year=year, session=session, online=online)
    wijken = fetch_cbs_areas("wijk", gemeentecode=code, year=year, session=session, online=online)
    buurten = fetch_cbs_areas("buurt", gemeentecode=code, year=year, session=session, online=online)
    wijken = wijken_from_buurten(buurten, wijken)
    kern = pd.concat([frame.drop(columns=frame.geometry.name) for frame in (gemeente, wijken, buurten)])
    timings["cbs"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    log.info("OpenStreetMap via Overpass laden")
    area = gemeente.to_crs(RD_NEW).union_all().buffer(settings.netwerk.margin_m)
    import geopandas as gpd

    area_wgs = gpd.GeoSeries([area], crs=RD_NEW).to_crs(WGS84).iloc[0]
    rules_doc = load_category_rules(categories_path)
    osm = read_overpass(area_wgs, category_rules=rules_doc, online=online)
    osm = clip(osm, gemeente, buffer_m=settings.netwerk.margin_m)
    timings["osm"] = time.perf_counter() - t0

    # Homes from the BAG: every verblijfsobject with its gebruiksdoel, `woning` True for a home in use
    # (downstream uses that column as it is); the OSM address points are not used online.
    t0 = time.perf_counter()
    log.info("BAG-verblijfsobjecten van PDOK laden")
    bag = fetch_bag_addresses(area.bounds, session=session, online=online)
    bag = bag.loc[bag.within(area)]
    osm = dataclasses.replace(osm, addresses=bag, source=f"{osm.source}; adressen: BAG (PDOK)")
    timings["bag"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    try:
        paths = resolve_paths(settings, raw_dir=raw_dir or find_raw_dir(settings))
    except MissingDataError:
        paths = {}
    stops = gtfs.read_gtfs_stops(paths["gtfs_stops"]) if paths.get("gtfs_stops", Path("-")).exists() else None
    stations = (
        gtfs.read_chb_stations(paths["treinstations"]) if paths.get("treinstations", Path("-")).exists() else None
    )
    check_point_sources(
        settings, area, [("gtfs_stops", "de bushaltes", stops), ("treinstations", "de treinstations", stations)], paths
    )
    gps = None
    if paths.get("huisartsen", Path("-")).exists():
        gps = geocode_huisartsen(
            settings, paths["huisartsen"], geocoder=locatieserver_geocoder(session=session, online=online)
        )
    parts = Inputs(
        gemeente,
        buurten,
        wijken,
        kern,
        osm,
        stops,
        stations,
        gps,
        voorzieningen=osm.pois.iloc[:0],
        paths=paths,
        timings=timings,
    )
    return with_voorzieningen(parts, settings, rules_doc=rules_doc, categories_path=categories_path, started=t0)
