"""PDOK online clients: CBS Wijken en Buurten (OGC API Features) and the Locatieserver geocoder.

Both services are public and need no key.

* **CBS Wijken en Buurten** — ``https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1``, served
  by PDOK's OGC API implementation (gokoala). ``/collections/{buurten|wijken|gemeenten}/items``
  answers a GeoJSON ``FeatureCollection`` with ``numberReturned``, ``timeStamp`` and ``links``;
  paging is cursor based: as long as there is more, ``links`` holds ``rel="next"`` whose ``href``
  is the complete URL of the next page (``...&cursor=<opaque>&limit=...``). There is no
  ``numberMatched``. Property filters are plain query parameters (``gemeentecode=GM0106``).
  We ask ``crs=http://www.opengis.net/def/crs/EPSG/0/28992`` (OGC API Features part 2, which
  PDOK supports): CBS publishes the areas in RD New, so no reprojection happens anywhere. The
  ``Content-Crs`` response header tells which CRS the coordinates are in; a server that ignores the
  parameter (no header) answers in the default CRS84, recognised by the coordinate range and then
  reprojected here.
* **Locatieserver v3.1** — ``https://api.pdok.nl/bzk/locatieserver/search/v3_1/free``, an Apache
  Solr search: ``{"response": {"numFound", "start", "maxScore", "numFoundExact",
  "docs": [{"type", "weergavenaam", "centroide_rd": "POINT(x y)", "centroide_ll": "POINT(lon lat)",
  "score", ...}]}}``; ``fl`` chooses the returned fields, ``fq=type:adres`` filters on object type.

The base URLs can be overridden per call or with the environment variables
``WOONZORG_PDOK_CBS_URL`` (may contain ``{year}``) and ``WOONZORG_PDOK_LOCATIESERVER_URL``.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd
import requests
import shapely

from woonzorg_geo import RD_NEW, WGS84, __version__
from woonzorg_geo.core.config import OnlineSettings
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.sources import http_client
from woonzorg_geo.sources.cbs import cbs_missing_to_nan

log = logging.getLogger(__name__)

#: Default base URL of CBS Wijken en Buurten (OGC API Features); ``{year}`` is filled in.
PDOK_CBS_URL = "https://api.pdok.nl/cbs/wijken-en-buurten-{year}/ogc/v1"
#: Default base URL of PDOK Locatieserver v3.1 (``/free`` is appended).
PDOK_LOCATIESERVER_URL = "https://api.pdok.nl/bzk/locatieserver/search/v3_1"
#: Environment variables that replace the defaults when no ``base_url`` is given.
ENV_CBS_URL = "WOONZORG_PDOK_CBS_URL"
ENV_LOCATIESERVER_URL = "WOONZORG_PDOK_LOCATIESERVER_URL"

#: OGC URI of RD New, asked for with ``crs=``.
CRS_RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
#: Fields asked from the Locatieserver.
LOCATIESERVER_FIELDS = (
    "id",
    "type",
    "weergavenaam",
    "score",
    "centroide_rd",
    "centroide_ll",
    "straatnaam",
    "huisnummer",
    "huisletter",
    "huisnummertoevoeging",
    "postcode",
    "woonplaatsnaam",
    "gemeentecode",
    "gemeentenaam",
)

_LEVELS: dict[str, tuple[str, str, str]] = {
    # level: (collection, code property, name property)
    "buurt": ("buurten", "buurtcode", "buurtnaam"),
    "wijk": ("wijken", "wijkcode", "wijknaam"),
    "gemeente": ("gemeenten", "gemeentecode", "gemeentenaam"),
}
_LEVEL_ALIASES = {"buurten": "buurt", "wijken": "wijk", "gemeenten": "gemeente"}
_GM_RE = re.compile(r"^(?:GM)?(\d{1,4})$", re.IGNORECASE)
_POINT_RE = re.compile(
    r"^\s*POINT\s*\(\s*(?P<x>[-+]?[\d.]+(?:[eE][-+]?\d+)?)\s+"
    r"(?P<y>[-+]?[\d.]+(?:[eE][-+]?\d+)?)\s*\)\s*$",
    re.IGNORECASE,
)
_USER_AGENT = f"woonzorg_geo/{__version__} (+https://www.pdok.nl)"
MAX_PAGES = 10_000
STATUS_PAGE = "https://www.pdok.nl/storingen"


def normalise_gemeentecode(code: str | int) -> str:
    """Return a CBS gemeentecode as ``GM`` plus four digits (``106``, ``'0106'`` → ``'GM0106'``).

    Raises
    ------
    ValueError
        When ``code`` is not a gemeentecode.
    """
    m = _GM_RE.match(str(code).strip())
    if not m:
        raise ValueError(
            f"ongeldige gemeentecode {code!r}; geef de CBS-code als 'GM' plus vier cijfers, "
            "bijvoorbeeld 'GM0106' (Assen)"
        )
    return f"GM{int(m[1]):04d}"


def _cbs_base_url(base_url: str | None, year: int) -> str:
    url = base_url or os.environ.get(ENV_CBS_URL) or PDOK_CBS_URL
    return url.replace("{year}", str(int(year))).rstrip("/")


def _locatieserver_base_url(base_url: str | None) -> str:
    url = base_url or os.environ.get(ENV_LOCATIESERVER_URL) or PDOK_LOCATIESERVER_URL
    url = url.rstrip("/")
    return url.removesuffix("/free")


def get_json(
    session: requests.Session,
    url: str,
    *,
    params: Mapping[str, Any] | None,
    online: OnlineSettings,
    service: http_client.Service,
) -> tuple[Any, requests.Response]:
    """GET ``url`` and decode JSON; network/HTTP errors become :class:`SourceUnavailableError`."""
    response = http_client.get(session, url, params=params, online=online, service=service)
    try:
        return response.json(), response
    except ValueError as exc:
        raise DataFileError(
            response.url,
            f"{service.name} gaf geen geldige JSON terug ({exc})",
            fix=f"controleer of het adres van de dienst ({service.url_variable}) naar de juiste dienst wijst",
        ) from exc


def pdok_session(session: requests.Session | None, online: OnlineSettings) -> tuple[requests.Session, bool]:
    """``session``, or a new one for PDOK (bounded retries, PDOK's user agent); True when it is new (close it)."""
    if session is not None:
        return session, False
    new = http_client.open_session(online)
    new.headers["User-Agent"] = _USER_AGENT
    return new, True


# --------------------------------------------------------------------------- CBS areas


def _response_crs(response: requests.Response, features: list[dict[str, Any]]) -> str:
    """CRS of the coordinates: ``Content-Crs`` header, else recognised from the coordinate range."""
    header = response.headers.get("Content-Crs", "").strip().strip("<>")
    if header:
        if header.rstrip("/").endswith("/28992"):
            return RD_NEW
        if header.endswith("/CRS84"):
            return WGS84  # lon, lat as in RFC 7946
        raise DataFileError(
            response.url,
            f"onverwacht coördinatenstelsel in Content-Crs: {header}",
            fix=f"vraag crs={CRS_RD_URI} of laat de parameter weg (CRS84)",
        )
    for feat in features:
        geom = feat.get("geometry")
        if geom:
            x0, _, _, _ = shapely.geometry.shape(geom).bounds
            return RD_NEW if abs(x0) > 180 else WGS84
    return WGS84


def fetch_cbs_areas(
    level: str,
    *,
    gemeentecode: str | int,
    year: int = 2024,
    base_url: str | None = None,
    session: requests.Session | None = None,
    online: OnlineSettings | None = None,
    page_size: int = 1000,
) -> gpd.GeoDataFrame:
    """Download the buurten, wijken or the gemeente of one gemeente from PDOK.

    Parameters
    ----------
    level
        ``"buurt"``, ``"wijk"`` or ``"gemeente"`` (plural forms are accepted too).
    gemeentecode
        CBS gemeentecode, e.g. ``"GM0106"`` (``"0106"`` and ``106`` are accepted).
    year
        Edition of the Wijk- en Buurtkaart; fills ``{year}`` in the base URL.
    base_url
        Landing page of the OGC API, e.g. ``https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1``.
        Default: ``$WOONZORG_PDOK_CBS_URL`` or :data:`PDOK_CBS_URL`; ``{year}`` is filled in.
    session
        A :class:`requests.Session` to reuse (proxies, retries); a new one is made otherwise, which
        asks again on HTTP 429/5xx as ``online`` says.
    online
        Time-out and retries (``[online]`` of the settings; default :class:`OnlineSettings`).
    page_size
        Features per page (``limit``; PDOK allows at most 1000). Every ``next`` link is followed.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area in EPSG:28992, indexed by the CBS code (index name ``code``), with
        ``naam``, ``gemeentecode``, ``wijkcode`` (buurten only) and every other property under its
        PDOK name. CBS's secret/missing values (≤ -99,990,000, '.') are NaN.

    Raises
    ------
    SourceUnavailableError
        PDOK cannot be reached, does not answer within ``online.timeout_s``, or answers with an
        HTTP error (429/5xx: after ``online.pogingen`` attempts).
    DataFileError
        The answer is not a feature collection, lacks the code property, or the gemeentecode
        matched nothing.
    """
    key = _LEVEL_ALIASES.get(str(level).lower(), str(level).lower())
    if key not in _LEVELS:
        raise ValueError(f"onbekend niveau {level!r}; kies 'buurt', 'wijk' of 'gemeente'")
    if page_size < 1:
        raise ValueError(f"page_size moet ≥ 1 zijn, kreeg {page_size}")
    collection, code_prop, name_prop = _LEVELS[key]
    gm = normalise_gemeentecode(gemeentecode)
    url = f"{_cbs_base_url(base_url, year)}/collections/{collection}/items"
    params: dict[str, Any] | None = {
        "f": "json",
        "gemeentecode": gm,
        "limit": int(page_size),
        "crs": CRS_RD_URI,
    }
    what = f"PDOK CBS Wijken en Buurten {year}"
    service = http_client.Service(what, ENV_CBS_URL, STATUS_PAGE)
    online = online or OnlineSettings()

    http, owned = pdok_session(session, online)
    frames: list[gpd.GeoDataFrame] = []
    seen_urls: set[str] = set()
    pages = 0
    next_url: str | None = url
    try:
        while next_url is not None:
            payload, response = get_json(http, next_url, params=params, online=online, service=service)
            pages += 1
            seen_urls.add(response.url)
            if not isinstance(payload, dict) or payload.get("type") != "FeatureCollection":
                raise DataFileError(
                    response.url,
                    f"{what} gaf geen GeoJSON FeatureCollection terug",
                    fix="controleer de base_url (landingspagina van de OGC API) en het jaar",
                )
            features = payload.get("features") or []
            returned = payload.get("numberReturned")
            if returned is not None and returned != len(features):
                log.warning(
                    "%s: numberReturned=%s maar %d features op pagina %d",
                    response.url,
                    returned,
                    len(features),
                    pages,
                )
            if features:
                crs = _response_crs(response, features)
                gdf = gpd.GeoDataFrame.from_features(features, crs=crs)
                frames.append(gdf.to_crs(RD_NEW) if crs != RD_NEW else gdf)
            next_url = None
            for link in payload.get("links") or []:
                if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
                    next_url = str(link["href"])
                    break
            if next_url is not None and (next_url in seen_urls or pages >= MAX_PAGES):
                raise DataFileError(
                    response.url,
                    f"{what} blijft naar dezelfde pagina verwijzen (rel=next); paginering loopt vast",
                    fix="probeer het later opnieuw of meld het bij PDOK",
                )
            params = None  # the next link is a complete URL with all parameters
    finally:
        if owned:
            http.close()

    log.info("%s: %d pagina('s) opgehaald voor %s %s", what, pages, gm, collection)
    if not frames or sum(len(f) for f in frames) == 0:
        raise DataFileError(
            url,
            f"gemeentecode {gm} leverde geen {collection} op in {what}",
            field="gemeentecode",
            fix="controleer de gemeentecode (GM plus vier cijfers) en of de gemeente in dat jaar "
            "bestond (herindelingen veranderen codes)",
        )
    gdf = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=RD_NEW)
    if code_prop not in gdf.columns:
        raise DataFileError(
            url,
            f"eigenschap {code_prop} ontbreekt in het antwoord",
            field=code_prop,
            fix="controleer of base_url naar CBS Wijken en Buurten wijst",
        )
    dupes = gdf[code_prop].duplicated()
    if dupes.any():
        log.warning("%s: %d dubbele %s weggelaten", url, int(dupes.sum()), code_prop)
        gdf = gdf.loc[~dupes]

    gdf = gdf.rename(columns={name_prop: "naam"})
    gdf["code"] = gdf[code_prop].astype(str)
    if key != "gemeente":
        gdf = gdf.drop(columns=[code_prop])
    for col in ("naam", "gemeentecode") + (("wijkcode",) if key == "buurt" else ()):
        if col not in gdf.columns:
            gdf[col] = None
    first = ["naam", "gemeentecode"] + (["wijkcode"] if key == "buurt" else [])
    geom = gdf.geometry.name
    rest = [c for c in gdf.columns if c not in (*first, "code", geom)]
    gdf = cbs_missing_to_nan(gdf, rest)
    gdf = gdf[["code", *first, *rest, geom]].set_index("code")
    return gpd.GeoDataFrame(gdf, geometry=geom, crs=RD_NEW)


# --------------------------------------------------------------------------- Locatieserver


def _parse_point(text: Any, *, field: str, url: str) -> tuple[float, float]:
    m = _POINT_RE.match(str(text)) if text is not None else None
    try:
        if m:
            return float(m["x"]), float(m["y"])
    except ValueError:
        pass
    raise DataFileError(
        url,
        f"veld {field} is geen WKT-punt: {text!r}",
        field=field,
        fix="controleer of de URL naar PDOK Locatieserver v3.1 wijst",
    )


def geocode_locatieserver(
    query: str,
    *,
    base_url: str | None = None,
    session: requests.Session | None = None,
    online: OnlineSettings | None = None,
    min_score: float | None = None,
    types: tuple[str, ...] = ("adres",),
) -> dict[str, Any] | None:
    """Geocode one free-text address with PDOK Locatieserver (``/free``).

    Parameters
    ----------
    query
        Free text, e.g. ``"Brink 1, Assen"`` or ``"9401 HW 1"``.
    base_url
        Locatieserver base, e.g. ``https://api.pdok.nl/bzk/locatieserver/search/v3_1``. Default:
        ``$WOONZORG_PDOK_LOCATIESERVER_URL`` or :data:`PDOK_LOCATIESERVER_URL`.
    session
        A :class:`requests.Session` to reuse; a new one is made otherwise, which asks again on
        HTTP 429/5xx as ``online`` says.
    online
        Time-out and retries (``[online]`` of the settings; default :class:`OnlineSettings`).
    min_score
        Solr score below which the best hit counts as not found (scores are relative: compare
        only within one version of the service).
    types
        Locatieserver object types to accept (``fq=type:...``); default only ``adres``. Add
        e.g. ``"postcode"`` or ``"weg"`` for a coarser fallback.

    Returns
    -------
    dict or None
        ``x``, ``y`` (EPSG:28992, from ``centroide_rd``), ``lon``, ``lat`` (when given),
        ``label`` (``weergavenaam``), ``type``, ``score``, ``method="pdok_locatieserver"``,
        ``precision`` (``"adres"`` for addresses, else the type such as ``"postcode"``), ``id``,
        ``straatnaam``, ``huisnummer``, ``postcode``, ``woonplaatsnaam``, ``gemeentecode``,
        ``gemeentenaam``; ``None`` when nothing
        (good enough) was found.

    Raises
    ------
    SourceUnavailableError
        The Locatieserver cannot be reached, does not answer within ``online.timeout_s``, or
        answers with an HTTP error (429/5xx: after ``online.pogingen`` attempts).
    DataFileError
        The answer does not have the Locatieserver structure.
    """
    text = str(query or "").strip()
    if not text:
        raise ValueError("lege zoekvraag; geef een adres, bijvoorbeeld 'Brink 1, Assen'")
    if not types:
        raise ValueError("types mag niet leeg zijn; gebruik bijvoorbeeld ('adres',)")
    url = f"{_locatieserver_base_url(base_url)}/free"
    fq = f"type:{types[0]}" if len(types) == 1 else "type:(" + " OR ".join(types) + ")"
    params = {"q": text, "fq": fq, "rows": 1, "fl": ",".join(LOCATIESERVER_FIELDS)}

    online = online or OnlineSettings()
    service = http_client.Service("PDOK Locatieserver", ENV_LOCATIESERVER_URL, STATUS_PAGE)
    http, owned = pdok_session(session, online)
    try:
        payload, response = get_json(http, url, params=params, online=online, service=service)
    finally:
        if owned:
            http.close()
    body = payload.get("response") if isinstance(payload, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("docs"), list):
        raise DataFileError(
            response.url,
            "antwoord heeft geen response.docs (geen Locatieserver v3.1-antwoord)",
            fix="controleer de base_url",
        )
    docs = body["docs"]
    if not docs:
        log.debug("Locatieserver: niets gevonden voor %r", text)
        return None
    doc = docs[0]
    score = doc.get("score")
    score = float(score) if score is not None else math.nan
    if min_score is not None and not score >= min_score:
        log.debug("Locatieserver: beste hit voor %r heeft score %.3f < %.3f", text, score, min_score)
        return None
    if doc.get("centroide_rd") is not None:
        x, y = _parse_point(doc["centroide_rd"], field="centroide_rd", url=response.url)
        lonlat = (
            _parse_point(doc["centroide_ll"], field="centroide_ll", url=response.url)
            if doc.get("centroide_ll") is not None
            else (math.nan, math.nan)
        )
    elif doc.get("centroide_ll") is not None:
        lonlat = _parse_point(doc["centroide_ll"], field="centroide_ll", url=response.url)
        rd = gpd.GeoSeries([shapely.Point(lonlat)], crs=WGS84).to_crs(RD_NEW).iloc[0]
        x, y = rd.x, rd.y
    else:
        raise DataFileError(
            response.url,
            "hit zonder centroide_rd en centroide_ll",
            field="centroide_rd",
            fix="vraag de velden aan met fl=centroide_rd,centroide_ll",
        )
    obj_type = str(doc.get("type") or "")
    return {
        "x": x,
        "y": y,
        "lon": lonlat[0],
        "lat": lonlat[1],
        "label": doc.get("weergavenaam"),
        "type": obj_type,
        "score": score,
        "method": "pdok_locatieserver",
        "precision": "adres" if obj_type == "adres" else obj_type,
        "id": doc.get("id"),
        "straatnaam": doc.get("straatnaam"),
        "huisnummer": doc.get("huisnummer"),
        "postcode": doc.get("postcode"),
        "woonplaatsnaam": doc.get("woonplaatsnaam"),
        "gemeentecode": doc.get("gemeentecode"),
        "gemeentenaam": doc.get("gemeentenaam"),
    }
