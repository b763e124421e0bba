"""PDOK BAG WFS client: the verblijfsobjecten (addresses and homes) of an area.

The BAG WFS 2.0 (``https://service.pdok.nl/lv/bag/wfs/v2_0``, MapServer) answers ``GetFeature``
with ``outputFormat=application/json`` in RD New; paging uses ``startIndex`` and ``count``. The base
URL can be overridden per call or with ``WOONZORG_PDOK_BAG_URL``. Sessions, JSON decoding and the
Dutch failure messages are shared with the other PDOK clients (:mod:`.sources.pdok`).
"""

from __future__ import annotations

import logging
import math
import os
from typing import Any

import geopandas as gpd
import pandas as pd
import requests

from woonzorg_geo import RD_NEW
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import OnlineSettings
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.sources import http_client
from woonzorg_geo.sources.pdok import MAX_PAGES, STATUS_PAGE, get_json, pdok_session

log = logging.getLogger(__name__)


#: Default base URL of the PDOK BAG WFS (WFS 2.0.0, MapServer).
PDOK_BAG_WFS_URL = "https://service.pdok.nl/lv/bag/wfs/v2_0"
#: Environment variable that replaces :data:`PDOK_BAG_WFS_URL` when no ``base_url`` is given.
ENV_BAG_URL = "WOONZORG_PDOK_BAG_URL"
#: The feature type of the addressable objects with their (main) address.
BAG_TYPENAME = "bag:verblijfsobject"
#: The BAG gebruiksdoel (IMBAG domain value) that makes a verblijfsobject a home.
BAG_WOONFUNCTIE = "woonfunctie"
#: BAG statuses (IMBAG "Status verblijfsobject") of an object that exists and is used: a home in the
#: making ("gevormd"), out of use, withdrawn or never built is no home a resident walks from.
BAG_IN_USE = frozenset(
    {"verblijfsobject in gebruik", "verblijfsobject in gebruik (niet ingemeten)", "verbouwing verblijfsobject"}
)


def _bag_base_url(base_url: str | None) -> str:
    return (base_url or os.environ.get(ENV_BAG_URL) or PDOK_BAG_WFS_URL).rstrip("/")


def _uses(value: Any) -> list[str]:
    """The gebruiksdoelen of one object: the WFS gives a comma-separated text, JSON clients a list."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    items = value if isinstance(value, list | tuple) else str(value).split(",")
    return [str(v).strip().lower() for v in items if str(v).strip()]


def bag_is_home(gebruiksdoel: Any, status: Any) -> tuple[bool, str | None]:
    """Whether a BAG verblijfsobject is a home, and why not.

    A home has ``woonfunctie`` among its gebruiksdoelen (a shop with a flat above is one object with
    both: it is a home) and a status in :data:`BAG_IN_USE`.

    Returns
    -------
    tuple
        ``(True, None)`` or ``(False, reason)`` with the reason in Dutch.
    """
    uses = _uses(gebruiksdoel)
    state = str(status or "").strip()
    if BAG_WOONFUNCTIE not in uses:
        what = ", ".join(uses) if uses else "geen"
        return False, f"BAG-gebruiksdoel zonder woonfunctie ({what})"
    if state.lower() not in BAG_IN_USE:
        return False, f"BAG-status: {state or 'onbekend'}"
    return True, None


def fetch_bag_addresses(
    bounds: tuple[float, float, float, float],
    *,
    base_url: str | None = None,
    session: requests.Session | None = None,
    online: OnlineSettings | None = None,
    page_size: int = 1000,
) -> gpd.GeoDataFrame:
    """Download the BAG verblijfsobjecten within ``bounds`` (EPSG:28992) from the PDOK BAG WFS.

    The request is a WFS 2.0.0 ``GetFeature`` for ``bag:verblijfsobject`` with
    ``outputFormat=application/json``, ``srsName=EPSG:28992`` and a ``bbox`` in RD New; paging uses
    ``count`` and ``startIndex`` until a page holds fewer than ``count`` features (or
    ``numberMatched`` is reached, when the server gives it). Each feature is a GeoJSON point with
    the properties ``identificatie``, ``openbare_ruimte``, ``huisnummer``, ``huisletter``,
    ``toevoeging``, ``postcode``, ``woonplaats``, ``gebruiksdoel`` (comma-separated) and ``status``.

    Parameters
    ----------
    bounds
        ``(minx, miny, maxx, maxy)`` in EPSG:28992, e.g. the gemeente with its margin.
    base_url
        The WFS endpoint. Default: ``$WOONZORG_PDOK_BAG_URL`` or :data:`PDOK_BAG_WFS_URL`.
    session, online
        As for :func:`fetch_cbs_areas`.
    page_size
        Features per page (``count``; PDOK serves at most 1000 per request).

    Returns
    -------
    geopandas.GeoDataFrame
        One point per verblijfsobject in EPSG:28992, indexed by ``bag_id`` (its identificatie), with
        ``housenumber`` (number, letter and addition as one text), ``street``, ``postcode``,
        ``woonplaats``, ``gebruiksdoel``, ``status``, ``woning`` (bool, see :func:`bag_is_home`)
        and ``woning_reden`` (why not a home; None for a home).

    Raises
    ------
    SourceUnavailableError
        The WFS cannot be reached, does not answer in time or answers with an HTTP error.
    DataFileError
        The answer is no GeoJSON feature collection (an XML exception report, a truncated
        answer), a feature lacks its point or its ``gebruiksdoel``/``status``, or the area holds
        no verblijfsobject at all.
    """
    if page_size < 1:
        raise ValueError(f"page_size moet ≥ 1 zijn, kreeg {page_size}")
    minx, miny, maxx, maxy = (float(b) for b in bounds)
    if not (minx < maxx and miny < maxy):
        raise ValueError(f"ongeldig gebied {bounds!r}; geef (minx, miny, maxx, maxy) in EPSG:28992")
    url = _bag_base_url(base_url)
    what = "PDOK BAG WFS"
    service = http_client.Service(what, ENV_BAG_URL, STATUS_PAGE)
    online = online or OnlineSettings()
    fix = f"controleer of het adres van de dienst ({ENV_BAG_URL}) naar de BAG WFS v2_0 wijst, of probeer het later"
    http, owned = pdok_session(session, online)
    rows: list[dict[str, Any]] = []
    start = 0
    pages = 0
    try:
        while True:
            params = {
                "service": "WFS",
                "version": "2.0.0",
                "request": "GetFeature",
                "typeNames": BAG_TYPENAME,
                "outputFormat": "application/json",
                "srsName": RD_NEW,
                "bbox": f"{minx},{miny},{maxx},{maxy},urn:ogc:def:crs:EPSG::28992",
                "count": int(page_size),
                "startIndex": start,
            }
            payload, response = get_json(http, url, params=params, online=online, service=service)
            pages += 1
            if not isinstance(payload, dict) or payload.get("type") != "FeatureCollection":
                raise DataFileError(response.url, f"{what} gaf geen GeoJSON FeatureCollection terug", fix=fix)
            features = payload.get("features")
            if not isinstance(features, list):
                raise DataFileError(response.url, f"{what}: het antwoord heeft geen lijst 'features'", fix=fix)
            for feat in features:
                rows.append(_bag_row(feat, url=response.url, fix=fix))
            matched = payload.get("numberMatched")
            start += len(features)
            done = len(features) < page_size or (isinstance(matched, int) and start >= matched)
            if done or not features:
                break
            if pages >= MAX_PAGES:
                raise DataFileError(response.url, f"{what}: meer dan {MAX_PAGES} pagina's", fix=fix)
    finally:
        if owned:
            http.close()
    log.info("%s: %d verblijfsobjecten in %d pagina('s)", what, len(rows), pages)
    if not rows:
        raise DataFileError(
            url,
            f"{what} gaf geen enkel verblijfsobject binnen x {fmt.number(minx)} … {fmt.number(maxx)}, "
            f"y {fmt.number(miny)} … {fmt.number(maxy)} (EPSG:28992)",
            field="bbox",
            fix="controleer de gemeentecode en het adres van de dienst; " + fix,
        )
    frame = pd.DataFrame(rows).drop_duplicates("bag_id").set_index("bag_id")
    geom = gpd.points_from_xy(frame.pop("x"), frame.pop("y"), crs=RD_NEW)
    return gpd.GeoDataFrame(frame, geometry=geom, crs=RD_NEW)


def _bag_row(feat: Any, *, url: str, fix: str) -> dict[str, Any]:
    """One verblijfsobject feature as a row; a feature without its point or fields is refused."""
    props = feat.get("properties") if isinstance(feat, dict) else None
    geom = feat.get("geometry") if isinstance(feat, dict) else None
    if not isinstance(props, dict):
        raise DataFileError(url, "PDOK BAG WFS: een feature zonder properties", fix=fix)
    ident = props.get("identificatie") or (feat.get("id") if isinstance(feat, dict) else None)
    coords = geom.get("coordinates") if isinstance(geom, dict) and geom.get("type") == "Point" else None
    try:
        x, y = float(coords[0]), float(coords[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        raise DataFileError(
            url, f"PDOK BAG WFS: verblijfsobject {ident} heeft geen puntgeometrie", field="geometry", fix=fix
        ) from None
    if abs(x) <= 180:  # degrees: the server ignored srsName
        raise DataFileError(
            url, "PDOK BAG WFS antwoordde niet in EPSG:28992 (srsName genegeerd)", field="srsName", fix=fix
        )
    for key in ("gebruiksdoel", "status"):
        if key not in props:
            raise DataFileError(url, f"PDOK BAG WFS: eigenschap {key} ontbreekt", field=key, fix=fix)
    woning, reden = bag_is_home(props.get("gebruiksdoel"), props.get("status"))
    number = "".join(str(props.get(k) or "") for k in ("huisnummer", "huisletter") if props.get(k) not in (None, ""))
    extra = props.get("toevoeging")
    if extra not in (None, ""):
        number += f"-{extra}"
    return {
        "bag_id": str(ident),
        "housenumber": number or None,
        "street": props.get("openbare_ruimte") or props.get("openbareruimtenaam"),
        "postcode": props.get("postcode"),
        "woonplaats": props.get("woonplaats"),
        "gebruiksdoel": ",".join(_uses(props.get("gebruiksdoel"))),
        "status": props.get("status"),
        "woning": woning,
        "woning_reden": reden,
        "x": x,
        "y": y,
    }
