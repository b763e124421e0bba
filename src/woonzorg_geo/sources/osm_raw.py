"""Raw OpenStreetMap (tags) into :class:`~.osm.OSMData`: PBF/XML files with pyosmium, or Overpass.

Both readers turn OSM objects into the same three frames (``schema="osm"``):

* ``lines`` — every way with a ``highway`` tag, as a LineString (closed areas as their outline),
  with the OpenMapTiles ``class``/``subclass`` from :func:`highway_to_omt`, ``name``, ``brunnel``,
  ``oneway`` (1, -1 or 0), ``service``, the raw ``highway``, ``access`` and ``foot`` tags,
  ``osm_type`` and ``osm_id``.
* ``pois`` — nodes, ways and multipolygon relations with a tag the category rules use
  (``data/voorzieningen.toml``: ``amenity``, ``shop``, ``healthcare``, ``public_transport``,
  ``social_facility`` with any value; ``highway`` and ``railway`` only with the values named there,
  e.g. ``highway=bus_stop``, ``railway=station``, because those keys mostly tag lines). Ways and
  relations become their centroid. ``class`` is the first matching key in rule order,
  ``subclass`` its value; one column per rule key holds the raw tag value.
* ``addresses`` — objects with ``addr:housenumber`` (centroids), with ``housenumber``,
  ``street`` (``addr:street``) and ``postcode`` (``addr:postcode``).

All geometries are in EPSG:28992.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import socket
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import geopandas as gpd
import pandas as pd
import requests
import shapely
from shapely.geometry.base import BaseGeometry

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core.config import OnlineSettings
from woonzorg_geo.core.errors import DataFileError, SettingsError, SourceUnavailableError
from woonzorg_geo.core.settings_loader import load_category_rules
from woonzorg_geo.core.validate import require_file
from woonzorg_geo.sources import http_client
from woonzorg_geo.sources.osm import ADDRESS_COLUMNS, LINE_COLUMNS, POI_COLUMNS, OSMData

log = logging.getLogger(__name__)

#: ``schema`` of the :class:`OSMData` these readers return.
RAW_SCHEMA = "osm"
#: Environment variable with the Overpass API base URL (``.../api``); default: OSMnx's.
ENV_OVERPASS_URL = "WOONZORG_OVERPASS_URL"
#: Extra raw-tag columns of the lines frame.
LINE_EXTRA_COLUMNS = ("highway", "access", "foot", "osm_type", "osm_id")
#: Keys that mostly tag lines: as POI keys they only count with the values the rules name.
LINE_KEYS = frozenset({"highway", "railway"})

_MAJOR = ("motorway", "trunk", "primary", "secondary", "tertiary")
_MINOR = frozenset({"residential", "unclassified", "living_street", "road"})
_PATHS = frozenset({"footway", "path", "cycleway", "bridleway", "steps", "corridor"})
_OWN_CLASS = frozenset({"service", "track", "pedestrian", "elevator", "platform", "raceway", "busway"})
#: OpenMapTiles keeps only these ``service`` values (class.sql ``service_value``).
_SERVICE_VALUES = frozenset({"spur", "yard", "siding", "crossover", "driveway", "alley", "parking_aisle"})
_ONEWAY_FORWARD = frozenset({"yes", "true", "1"})
_ONEWAY_BACKWARD = frozenset({"-1", "reverse"})


def highway_to_omt(highway: str | None) -> tuple[str | None, str | None]:
    """Map an OSM ``highway`` value to the OpenMapTiles transportation ``(class, subclass)``.

    Follows the OpenMapTiles ``highway_class`` function (``layers/transportation/class.sql``):
    ``motorway``…``tertiary`` and their ``*_link`` keep their class; ``residential``,
    ``unclassified``, ``living_street`` and ``road`` are ``minor`` (subclass: the value, as the
    tilemaker tiles of this project have it); ``service`` and ``track`` keep their own class;
    ``footway``, ``path``, ``cycleway``, ``bridleway``, ``steps`` and ``corridor`` are ``path`` with
    the value as subclass. ``pedestrian``, ``elevator`` and ``platform`` get a class of their own,
    as in the offline tiles (upstream OpenMapTiles files pedestrian under ``path``); ``raceway`` and
    ``busway`` too. Anything else gives ``(None, None)``.

    Cycleways follow the OpenMapTiles spec (``path``/``cycleway``); the offline 2021 tiles put them
    under ``track``/``cycleway``, so the network step accepts both.
    """
    if not highway:
        return None, None
    value = str(highway).strip()
    base = value.removesuffix("_link")
    if base in _MAJOR:
        return base, None
    if value in _MINOR:
        return "minor", value
    if value in _PATHS:
        return "path", value
    if value in _OWN_CLASS:
        return value, None
    return None, None


def poi_tag_rules(rules: Mapping[str, Any] | None = None) -> dict[str, frozenset[str] | None]:
    """OSM keys that make an object a POI, in rule order, with the accepted values.

    Parameters
    ----------
    rules
        Category rules as read by :func:`~woonzorg_geo.core.settings_loader.load_category_rules`; default the
        package's ``voorzieningen.toml``.

    Returns
    -------
    dict
        ``key -> None`` (any value) or ``key -> frozenset of values`` (keys in :data:`LINE_KEYS`).
    """
    rules = load_category_rules() if rules is None else rules
    found: dict[str, set[str] | None] = {}
    for name, spec in (rules.get("categorie") or {}).items():
        for entry in spec.get("osm_tags", []) or []:
            key, sep, value = str(entry).partition("=")
            key, value = key.strip(), value.strip()
            if not sep or not key or not value:
                raise SettingsError(
                    f"categorie.{name}.osm_tags: {entry!r} is geen 'sleutel=waarde'; "
                    "schrijf bijvoorbeeld 'amenity=pharmacy' of 'shop=*'"
                )
            if key in LINE_KEYS and value != "*":
                current = found.setdefault(key, set())
                if current is not None:
                    current.add(value)
            else:
                found[key] = None
    return {k: (frozenset(v) if v is not None else None) for k, v in found.items()}


class _Element(NamedTuple):
    """One OSM object with its tags and a WGS84 geometry."""

    osm_type: str
    osm_id: int
    tags: dict[str, str]
    geometry: BaseGeometry


def _poi_match(tags: Mapping[str, str], poi_rules: Mapping[str, frozenset[str] | None]) -> tuple[str, str] | None:
    for key, allowed in poi_rules.items():
        value = tags.get(key)
        if value and (allowed is None or value in allowed):
            return key, value
    return None


def _brunnel(tags: Mapping[str, str]) -> str | None:
    for key in ("bridge", "tunnel", "ford"):
        value = tags.get(key)
        if value and value != "no":
            return key
    return None


def _oneway(tags: Mapping[str, str]) -> int:
    value = str(tags.get("oneway", "")).lower()
    if value in _ONEWAY_FORWARD:
        return 1
    if value in _ONEWAY_BACKWARD:
        return -1
    if not value and tags.get("junction") in ("roundabout", "circular"):
        return 1
    return 0


def _as_line(geom: BaseGeometry) -> BaseGeometry | None:
    if geom.geom_type == "LineString":
        return geom
    if geom.geom_type == "Polygon":
        return shapely.LineString(geom.exterior.coords)
    return None


def _frame(records: list[dict[str, Any]], columns: tuple[str, ...]) -> gpd.GeoDataFrame:
    if not records:
        data = {c: pd.Series([], dtype=object) for c in columns}
        return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=WGS84), crs=WGS84)
    gdf = gpd.GeoDataFrame(records, geometry="geometry", crs=WGS84)
    return gdf[[*columns, "geometry"]]


def _to_osmdata(
    elements: Iterable[_Element],
    *,
    source: str,
    poi_rules: Mapping[str, frozenset[str] | None],
    bbox_lonlat: tuple[float, float, float, float] | None = None,
) -> OSMData:
    """Turn OSM objects into the lines/pois/addresses frames (shared by every raw reader)."""
    lines: list[dict[str, Any]] = []
    pois: list[dict[str, Any]] = []
    addresses: list[dict[str, Any]] = []
    poi_keys = tuple(poi_rules)
    for el in elements:
        tags = el.tags
        if el.osm_type == "way" and "highway" in tags:
            line = _as_line(el.geometry)
            if line is not None:
                cls, sub = highway_to_omt(tags["highway"])
                service = tags.get("service")
                lines.append(
                    {
                        "class": cls,
                        "subclass": sub,
                        "name": tags.get("name"),
                        "brunnel": _brunnel(tags),
                        "oneway": _oneway(tags),
                        "service": service if service in _SERVICE_VALUES else None,
                        "highway": tags["highway"],
                        "access": tags.get("access"),
                        "foot": tags.get("foot"),
                        "osm_type": el.osm_type,
                        "osm_id": el.osm_id,
                        "geometry": line,
                    }
                )
        match = _poi_match(tags, poi_rules)
        if match is not None:
            rec: dict[str, Any] = {
                "class": match[0],
                "subclass": match[1],
                "name": tags.get("name"),
            }
            rec.update({k: tags.get(k) for k in poi_keys})
            rec.update(osm_type=el.osm_type, osm_id=el.osm_id, geometry=el.geometry)
            pois.append(rec)
        if tags.get("addr:housenumber"):
            addresses.append(
                {
                    "housenumber": tags["addr:housenumber"],
                    "street": tags.get("addr:street"),
                    "postcode": tags.get("addr:postcode"),
                    "osm_type": el.osm_type,
                    "osm_id": el.osm_id,
                    "geometry": el.geometry,
                }
            )

    frames = {
        "lines": _frame(lines, (*LINE_COLUMNS, *LINE_EXTRA_COLUMNS)),
        "pois": _frame(
            pois,
            (*POI_COLUMNS, *[k for k in poi_keys if k not in POI_COLUMNS], "osm_type", "osm_id"),
        ),
        "addresses": _frame(addresses, (*ADDRESS_COLUMNS, "osm_type", "osm_id")),
    }
    area = shapely.box(*bbox_lonlat) if bbox_lonlat is not None else None
    for name, gdf in frames.items():
        if area is not None and len(gdf):
            gdf = gdf.loc[gdf.intersects(area)]
        gdf = gdf.to_crs(RD_NEW)
        if name != "lines" and len(gdf):
            gdf = gdf.set_geometry(gdf.geometry.centroid)
        if len(gdf):
            gdf = gdf.sort_values(["osm_type", "osm_id"], kind="stable")
        if name == "lines":
            gdf["oneway"] = gdf["oneway"].astype("int64")
        frames[name] = gdf.reset_index(drop=True)
    log.info(
        "%s: %d lijnen, %d voorzieningen, %d adressen",
        source,
        len(frames["lines"]),
        len(frames["pois"]),
        len(frames["addresses"]),
    )
    return OSMData(
        lines=frames["lines"],
        pois=frames["pois"],
        addresses=frames["addresses"],
        source=source,
        schema=RAW_SCHEMA,
    )


# --------------------------------------------------------------------------- files (pyosmium)


def _iter_file(path: Path, wanted_keys: tuple[str, ...]) -> Iterable[_Element]:
    """Yield the OSM objects of a PBF/XML file that any frame may need."""
    import osmium
    from osmium.osm import Area, Node, Way

    wkb = osmium.geom.WKBFactory()
    processor = osmium.FileProcessor(str(path)).with_locations().with_areas(osmium.filter.KeyFilter(*wanted_keys))
    skipped = 0
    geom: BaseGeometry
    for obj in processor:
        if isinstance(obj, Area):
            if obj.from_way():
                continue  # closed ways come as ways
            tags = {t.k: t.v for t in obj.tags}
            if not any(k in tags for k in wanted_keys):
                continue
            try:
                geom = shapely.from_wkb(bytes.fromhex(wkb.create_multipolygon(obj)))
            except RuntimeError:
                skipped += 1
                continue
            yield _Element("relation", int(obj.orig_id()), tags, geom)
        elif isinstance(obj, Node):
            if not len(obj.tags) or not obj.location.valid():
                continue
            tags = {t.k: t.v for t in obj.tags}
            if any(k in tags for k in wanted_keys):
                yield _Element("node", int(obj.id), tags, shapely.Point(obj.location.lon, obj.location.lat))
        elif isinstance(obj, Way):
            if not len(obj.tags):
                continue
            tags = {t.k: t.v for t in obj.tags}
            if not any(k in tags for k in wanted_keys):
                continue
            coords = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
            if len(coords) < 2 or len(coords) < len(obj.nodes):
                skipped += 1
                continue
            geom = shapely.LineString(coords)
            if "highway" not in tags and len(coords) >= 4 and coords[0] == coords[-1]:
                geom = shapely.Polygon(coords)
            yield _Element("way", int(obj.id), tags, geom)
    if skipped:
        log.warning(
            "%s: %d wegen/relaties overgeslagen (knopen of leden ontbreken in het uittreksel)",
            path,
            skipped,
        )


def read_osm_file(
    path: str | Path,
    *,
    bbox_lonlat: tuple[float, float, float, float] | None = None,
    category_rules: Mapping[str, Any] | None = None,
) -> OSMData:
    """Read an OSM extract (``.osm.pbf`` or ``.osm`` XML, also ``.bz2``/``.gz``) with pyosmium.

    Parameters
    ----------
    path
        The OSM file; the format follows from the file name.
    bbox_lonlat
        ``(min_lon, min_lat, max_lon, max_lat)``: keep only features that intersect it.
    category_rules
        Category rules that decide which tags make a POI (default: the package's).

    Returns
    -------
    OSMData
        ``schema="osm"``; see the module docstring for the columns.

    Raises
    ------
    MissingDataError
        The file does not exist.
    DataFileError
        The file is not a readable OSM file.
    """
    path = require_file(path, what="het OSM-bestand (.osm.pbf of .osm)")
    if path.is_dir():
        raise DataFileError(path, "is een map, geen OSM-bestand", fix="geef het pad van een .osm.pbf-bestand")
    poi_rules = poi_tag_rules(category_rules)
    wanted = tuple(dict.fromkeys(("highway", *poi_rules, "addr:housenumber")))
    try:
        elements = list(_iter_file(path, wanted))
    except RuntimeError as exc:  # libosmium reports every read/parse problem as RuntimeError
        raise DataFileError(
            path,
            f"kan het OSM-bestand niet lezen ({exc})",
            fix="lever een geldig .osm.pbf- of .osm-bestand (bijv. een Geofabrik-uittreksel, "
            "of maak er een met 'osmium extract')",
        ) from exc
    return _to_osmdata(elements, source=f"OSM-bestand {path}", poi_rules=poi_rules, bbox_lonlat=bbox_lonlat)


# --------------------------------------------------------------------------- Overpass (OSMnx)


def overpass_tags(poi_rules: Mapping[str, frozenset[str] | None]) -> dict[str, bool | str | list[str]]:
    """OSMnx ``tags`` for one Overpass query that returns lines, POIs and addresses together."""
    tags: dict[str, bool | str | list[str]] = {"highway": True}
    for key, allowed in poi_rules.items():
        if key == "highway":
            continue  # all highways are asked already
        tags[key] = True if allowed is None else sorted(allowed)
    tags["addr:housenumber"] = True
    return tags


def _elements_from_features(gdf: gpd.GeoDataFrame) -> list[_Element]:
    """OSMnx features (index ``(element, id)``, one column per tag) as :class:`_Element`."""
    gdf = gdf.to_crs(WGS84) if gdf.crs is not None and gdf.crs != WGS84 else gdf
    geom_col = gdf.geometry.name
    tag_cols = [c for c in gdf.columns if c != geom_col]
    out: list[_Element] = []
    for (element, osm_id), geom, values in zip(
        gdf.index, gdf.geometry, gdf[tag_cols].itertuples(index=False, name=None), strict=True
    ):
        if geom is None or geom.is_empty:
            continue
        tags = {k: v for k, v in zip(tag_cols, values, strict=True) if isinstance(v, str) and v != ""}
        out.append(_Element(str(element), int(osm_id), tags, geom))
    return out


def _polygon_wgs84(polygon: Any) -> BaseGeometry:
    if hasattr(polygon, "to_crs"):
        if polygon.crs is None:
            raise ValueError("het gebied heeft geen CRS; zet er een met .set_crs(...)")
        polygon = polygon.to_crs(WGS84).union_all()
    if not isinstance(polygon, (shapely.Polygon, shapely.MultiPolygon)):
        raise TypeError(f"verwacht een (Multi)Polygon in EPSG:4326 of een GeoDataFrame, kreeg {type(polygon).__name__}")
    minx, miny, maxx, maxy = polygon.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValueError(
            "het gebied ligt niet in lengte/breedtegraden; geef het in EPSG:4326 of als GeoDataFrame met CRS"
        )
    return polygon


def read_overpass(
    polygon_wgs84: Any,
    *,
    overpass_url: str | None = None,
    online: OnlineSettings | None = None,
    category_rules: Mapping[str, Any] | None = None,
) -> OSMData:
    """Download the OSM objects inside a polygon from the Overpass API (via OSMnx).

    One Overpass query (per OSMnx sub-polygon) asks ``highway=*``, the POI tags of the category
    rules and ``addr:housenumber=*`` together; the answer is split as in :func:`read_osm_file`.
    During the call OSMnx uses ``overpass_url``, no cache, no rate-limit pause (no status request),
    no DNS-over-HTTPS look-up, ``online.timeout_s`` (rounded up to whole seconds) as the HTTP
    time-out and as Overpass's ``[timeout:]``, and a response hook that asks again on HTTP 429/5xx
    at most ``online.pogingen`` times in all (OSMnx 2.1 itself would wait 55 s after a 429/504 and
    ask again without limit; the hook answers every failure with an error first, see
    :mod:`.http_client`). OSMnx's previous settings (and the DNS hook it installs) are restored afterwards.

    Parameters
    ----------
    polygon_wgs84
        A shapely (Multi)Polygon in EPSG:4326, or a GeoDataFrame/GeoSeries in any CRS.
    overpass_url
        Overpass API base, e.g. ``https://overpass-api.de/api`` (a trailing ``/interpreter`` is
        removed). Default: ``$WOONZORG_OVERPASS_URL``, else OSMnx's default.
    online
        Time-out and retries (``[online]`` of the settings; default :class:`OnlineSettings`).
    category_rules
        Category rules that decide which tags make a POI (default: the package's).

    Returns
    -------
    OSMData
        ``schema="osm"``, as :func:`read_osm_file`.

    Raises
    ------
    SourceUnavailableError
        Overpass cannot be reached, does not answer within the time-out, or answers with an HTTP
        error (429/5xx: after ``online.pogingen`` attempts).
    DataFileError
        Overpass answered, but without any OSM object in the area.
    """
    import osmnx as ox
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    # Overpass's [timeout:] must be a whole number of seconds; the HTTP time-out is the same
    online = online or OnlineSettings()
    online = dataclasses.replace(online, timeout_s=float(max(1, math.ceil(online.timeout_s))))
    polygon = _polygon_wgs84(polygon_wgs84)
    poi_rules = poi_tag_rules(category_rules)
    tags = overpass_tags(poi_rules)
    url = (overpass_url or os.environ.get(ENV_OVERPASS_URL) or ox.settings.overpass_url).rstrip("/")
    url = url.removesuffix("/interpreter")
    service = http_client.Service("OpenStreetMap Overpass", ENV_OVERPASS_URL)
    endpoint = f"{url}/interpreter"

    names = (
        "overpass_url",
        "use_cache",
        "overpass_rate_limit",
        "requests_timeout",
        "requests_kwargs",
        "doh_url_template",
    )
    saved = {name: getattr(ox.settings, name) for name in names}
    saved_getaddrinfo = socket.getaddrinfo
    try:
        ox.settings.overpass_url = url
        ox.settings.use_cache = False
        ox.settings.overpass_rate_limit = False
        ox.settings.doh_url_template = None
        ox.settings.requests_timeout = int(online.timeout_s)
        ox.settings.requests_kwargs = {
            **saved["requests_kwargs"],
            "hooks": {"response": [http_client.bounded_retry_hook(online, service)]},
        }
        log.info("Overpass: OSM-objecten ophalen van %s", url)
        gdf = ox.features_from_polygon(polygon, tags)
    except InsufficientResponseError as exc:
        raise DataFileError(
            endpoint,
            f"Overpass gaf geen OSM-objecten voor dit gebied ({exc})",
            fix="controleer of het gebied in EPSG:4326 (lengte, breedte) ligt en OSM-data bevat, "
            "of probeer een andere Overpass-server (WOONZORG_OVERPASS_URL)",
        ) from exc
    except ResponseStatusCodeError as exc:  # pragma: no cover - the hook answers every failure first
        raise SourceUnavailableError(
            f"{service.name} ({endpoint}) gaf een foutmelding. Oplossing: probeer het later opnieuw, of "
            f"kies een andere server met {ENV_OVERPASS_URL}; {http_client.OFFLINE_FIX}"
        ) from exc
    except requests.RequestException as exc:
        raise SourceUnavailableError(http_client.failure_message(service, endpoint, online, error=exc)) from exc
    finally:
        for name, value in saved.items():
            setattr(ox.settings, name, value)
        socket.getaddrinfo = saved_getaddrinfo
    return _to_osmdata(_elements_from_features(gdf), source=f"Overpass API {url}", poi_rules=poi_rules)
