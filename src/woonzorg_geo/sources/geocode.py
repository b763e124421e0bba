"""Geocoding address tables: offline from OSM streets and house numbers, online with PDOK Locatieserver.

Every result says how it was matched (``geocode_methode``) and how precise it is
(``geocode_precisie``: ``adres`` > ``straat`` > ``pc4``). Rows that cannot be placed keep an empty
geometry and precision ``niet_gevonden``; they are listed, never dropped or invented.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.validate import require_file
from woonzorg_geo.sources.osm import OSMData

log = logging.getLogger(__name__)

PRECISION_ORDER = ("adres", "straat", "pc4", "niet_gevonden")
_ADDRESS_RE = re.compile(r"^\s*(?P<street>.*?\D)\s*(?P<number>\d+)\s*[-/ ]?\s*(?P<suffix>[A-Za-z0-9]{0,4})\s*$")
_POSTCODE_RE = re.compile(r"^\s*(\d{4})\s*([A-Za-z]{2})?\s*$")


def normalise_street(name: str) -> str:
    """Street name key: lower case, accents and punctuation removed, spaces folded."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9 ]", " ", text.lower())
    return re.sub(r"\s+", " ", text).strip()


def normalise_housenumber(number: str) -> str:
    """House number key: ``'2 A'``, ``'2-a'`` and ``'2A'`` all become ``'2a'``."""
    return re.sub(r"[^0-9a-z]", "", str(number).lower())


@dataclass(frozen=True)
class ParsedAddress:
    """An address split into its parts."""

    street: str
    number: str
    suffix: str
    pc4: str | None

    @property
    def housenumber_key(self) -> str:
        return normalise_housenumber(self.number + self.suffix)


def parse_address(address: str, postcode: str | None = None) -> ParsedAddress | None:
    """Split ``'Brunelstraat 2 A'`` into street, number and suffix; ``None`` if it has no number.

    A place after a comma (``'Brunelstraat 2 A, Assen'``) is left out: the offline geocoder
    matches streets and numbers only (the caller checks the place).
    """
    m = _ADDRESS_RE.match(str(address).split(",")[0])
    if not m:
        return None
    pc4 = None
    if postcode:
        pm = _POSTCODE_RE.match(str(postcode))
        pc4 = pm.group(1) if pm else None
    return ParsedAddress(m["street"].strip(), m["number"], m["suffix"] or "", pc4)


def read_pc4_centroids(path: str | Path) -> gpd.GeoDataFrame:
    """Read PC4 centroids (JSON ``{"9401": {"city": ..., "c": [lat, lon]}}``) into EPSG:28992."""
    path = require_file(path, what="PC4-middelpunten (JSON)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        rows = [(k, v.get("city"), float(v["c"][0]), float(v["c"][1])) for k, v in doc.items()]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise DataFileError(
            path, f"onverwachte opbouw ({exc})", field="c", fix='verwacht {"9401": {"city": .., "c": [lat, lon]}}'
        ) from exc
    df = pd.DataFrame(rows, columns=["pc4", "plaats", "lat", "lon"]).set_index("pc4")
    return gpd.GeoDataFrame(df[["plaats"]], geometry=gpd.points_from_xy(df["lon"], df["lat"]), crs=WGS84).to_crs(RD_NEW)


class OfflineGeocoder:
    """Match addresses to OSM address points along the named street.

    Parameters
    ----------
    osm
        OSM data with named ``lines`` and ``addresses`` (``housenumber``; ``street`` where known).
    pc4
        PC4 centroids (optional): narrows the street search to the right place and is the marked
        last resort.
    max_street_distance_m
        An address point must lie this close to the named street (building centroids stand back
        from the road axis).
    pc4_radius_m
        Streets are searched within this distance of the PC4 centroid.
    """

    def __init__(
        self,
        osm: OSMData,
        *,
        pc4: gpd.GeoDataFrame | None = None,
        max_street_distance_m: float = 75.0,
        pc4_radius_m: float = 4000.0,
    ) -> None:
        self.max_street_distance_m = max_street_distance_m
        self.pc4_radius_m = pc4_radius_m
        lines = osm.lines.loc[osm.lines["name"].notna(), ["name", "geometry"]]
        self._streets: dict[str, np.ndarray] = {}
        keys = _normalised(lines["name"].to_numpy(), normalise_street)
        self._line_geoms = lines.geometry.to_numpy()
        if len(keys):
            order = np.argsort(keys, kind="stable")
            uniq, starts = np.unique(keys[order], return_index=True)
            for key, chunk in zip(uniq, np.split(order, starts[1:]), strict=True):
                self._streets[key] = chunk  # ascending line positions, as np.flatnonzero(keys == key)
        addr = osm.addresses
        self._addr_geoms = addr.geometry.to_numpy()
        hn = _normalised(addr["housenumber"].astype(str).to_numpy(), normalise_housenumber)
        self._numbers: dict[str, np.ndarray] = {}
        order = np.argsort(hn, kind="stable")
        uniq, starts = np.unique(hn[order], return_index=True)
        for key, chunk in zip(uniq, np.split(order, starts[1:]), strict=True):
            self._numbers[key] = chunk
        street_col = addr["street"] if "street" in addr else pd.Series(index=addr.index, dtype=object)
        self._addr_street = _normalised(street_col.fillna("").astype(str).to_numpy(), normalise_street)
        self._pc4 = pc4

    def _pc4_point(self, pc4: str | None) -> shapely.Point | None:
        if pc4 is None or self._pc4 is None or pc4 not in self._pc4.index:
            return None
        return self._pc4.geometry.loc[pc4]

    def geocode_one(self, address: str, postcode: str | None = None) -> dict[str, object]:
        """Geocode one address; returns geometry (or None), method, precision, label, distance."""
        parsed = parse_address(address, postcode)
        centre = self._pc4_point(parsed.pc4 if parsed else None)
        if parsed is not None:
            lines_idx = self._streets.get(normalise_street(parsed.street), np.array([], dtype=int))
            street_geoms = self._line_geoms[lines_idx]
            if centre is not None and len(street_geoms):
                near = shapely.distance(street_geoms, centre) <= self.pc4_radius_m
                street_geoms = street_geoms[near]
            if len(street_geoms):
                street = shapely.union_all(street_geoms)
                cand = self._numbers.get(parsed.housenumber_key, np.array([], dtype=int))
                if len(cand):
                    pts = self._addr_geoms[cand]
                    dist = shapely.distance(pts, street)
                    # an address point tagged with this street wins outright
                    tagged = self._addr_street[cand] == normalise_street(parsed.street)
                    dist = np.where(tagged, 0.0, dist)
                    best = int(np.argmin(dist))
                    if dist[best] <= self.max_street_distance_m:
                        return {
                            "geometry": pts[best],
                            "geocode_methode": "osm_straat_huisnummer",
                            "geocode_precisie": "adres",
                            "geocode_afstand_m": float(dist[best]),
                            "geocode_label": f"{parsed.street} {parsed.number}{parsed.suffix}",
                        }
                anchor = centre if centre is not None else street.centroid
                _, on_street = shapely.ops.nearest_points(anchor, street)
                return {
                    "geometry": on_street,
                    "geocode_methode": "osm_straat",
                    "geocode_precisie": "straat",
                    "geocode_afstand_m": np.nan,
                    "geocode_label": f"{parsed.street} (huisnummer niet gevonden)",
                }
        if centre is not None:
            return {
                "geometry": centre,
                "geocode_methode": "pc4_middelpunt",
                "geocode_precisie": "pc4",
                "geocode_afstand_m": np.nan,
                "geocode_label": f"postcode {parsed.pc4 if parsed else postcode} (middelpunt)",
            }
        return {
            "geometry": None,
            "geocode_methode": "geen",
            "geocode_precisie": "niet_gevonden",
            "geocode_afstand_m": np.nan,
            "geocode_label": "",
        }


def _normalised(values: np.ndarray, normalise: Callable[[str], str]) -> np.ndarray:
    """``normalise`` applied to every value, computed once per distinct value (names repeat a lot)."""
    if not len(values):
        return np.array([], dtype=object)
    uniq, inverse = np.unique(values.astype(str), return_inverse=True)
    return np.array([normalise(str(v)) for v in uniq], dtype=object)[inverse.ravel()]


def geocode_table(
    table: pd.DataFrame,
    *,
    geocode: Callable[[str, str | None], Mapping[str, object]],
    address_col: str = "adres",
    postcode_col: str | None = "postcode",
    source: str = "<tabel>",
) -> gpd.GeoDataFrame:
    """Geocode every row of an address table; the index and all columns are kept.

    Parameters
    ----------
    table
        Rows with an address column (``'Straat 12 A'``) and optionally a postcode.
    geocode
        A function ``(address, postcode) -> dict`` such as :meth:`OfflineGeocoder.geocode_one`.

    Returns
    -------
    GeoDataFrame
        EPSG:28992, one row per input row (unmatched rows with an empty geometry), plus the
        ``geocode_*`` columns.
    """
    if address_col not in table.columns:
        raise DataFileError(
            source,
            "adreskolom ontbreekt",
            field=address_col,
            fix=f"geef de kolom met 'straat huisnummer' op; gevonden: {', '.join(table.columns)}",
        )
    results = [
        geocode(str(row[address_col]), None if postcode_col is None else row.get(postcode_col))
        for _, row in table.iterrows()
    ]
    res = pd.DataFrame(results, index=table.index)
    gdf = gpd.GeoDataFrame(table.join(res.drop(columns="geometry")), geometry=list(res["geometry"]), crs=RD_NEW)
    counts = gdf["geocode_precisie"].value_counts()
    log.info("geocodering %s: %s", source, ", ".join(f"{k} {v}" for k, v in counts.items()))
    return gdf


def match_rate(geocoded: gpd.GeoDataFrame, *, precision: str = "adres") -> float:
    """Share of rows geocoded at ``precision`` or better."""
    ok = geocoded["geocode_precisie"].isin(PRECISION_ORDER[: PRECISION_ORDER.index(precision) + 1])
    return float(ok.mean()) if len(geocoded) else 0.0


def locatieserver_geocoder(**kwargs: Any) -> Callable[[str, str | None], dict[str, object]]:
    """A geocode function for :func:`geocode_table` that asks PDOK Locatieserver.

    Besides the usual keys, a hit carries ``geocode_woonplaats``, ``geocode_gemeente`` and
    ``geocode_gemeentecode`` as the Locatieserver gives them, so callers can check the place.
    """
    from woonzorg_geo.sources.pdok import geocode_locatieserver

    def _geocode(address: str, postcode: str | None) -> dict[str, object]:
        query = f"{address} {postcode or ''}".strip()
        hit = geocode_locatieserver(query, **kwargs)
        if hit is None:
            return {
                "geometry": None,
                "geocode_methode": "pdok_locatieserver",
                "geocode_precisie": "niet_gevonden",
                "geocode_afstand_m": np.nan,
                "geocode_label": "",
            }
        precision = hit["precision"] if hit["precision"] in PRECISION_ORDER else "straat"
        return {
            "geometry": shapely.Point(hit["x"], hit["y"]),
            "geocode_methode": "pdok_locatieserver",
            "geocode_precisie": precision,
            "geocode_afstand_m": np.nan,
            "geocode_label": hit["label"],
            "geocode_woonplaats": hit.get("woonplaatsnaam"),
            "geocode_gemeente": hit.get("gemeentenaam"),
            "geocode_gemeentecode": hit.get("gemeentecode"),
        }

    return _geocode
