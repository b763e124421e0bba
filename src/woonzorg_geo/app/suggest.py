"""Address suggestions as the planner types (``GET /api/adressen?zoek=``), tolerant of typos.

The street is matched with rapidfuzz's ``WRatio`` on the normalised names of the run's named OSM
lines (as the offline geocoder normalises them, :func:`.sources.geocode.normalise_street`); its
house numbers are those of the OSM address points near it (as the offline geocoder places an
address), and a number typed after the street keeps those that start with it. The suggestions are
``"Straat 12, <gemeente>"``, the form ``toets --adres`` reads, with their place (lon/lat).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo import WGS84
from woonzorg_geo.app.responses import AddressSuggestion
from woonzorg_geo.sources.geocode import normalise_street

#: Streets whose name scores at least this (0-100, rapidfuzz ``WRatio``) are suggested.
MIN_SCORE = 80.0
_NUMBER = re.compile(r"^(?P<street>.*?)\s*(?P<number>\d+\s*[a-zA-Z]?(?:[-\s]?\w+)?)?\s*$")


@dataclass(frozen=True)
class AddressIndex:
    """Named streets (OSM lines) and the address points with a house number near them."""

    keys: list[str]  # unique normalised street names
    names: dict[str, str]  # normalised → as written
    lines: gpd.GeoDataFrame  # named lines with their ``sleutel`` (EPSG:28992)
    points: gpd.GeoDataFrame  # address points with ``housenumber`` (EPSG:28992)
    place: str
    within_m: float

    @classmethod
    def build(cls, osm: Any, *, place: str, within_m: float = 75.0) -> AddressIndex:
        """From the run's OSM data: ``lines`` with a ``name``, ``addresses`` with a ``housenumber``.

        ``within_m``: an address point belongs to a street within this distance (as the offline
        geocoder's ``max_street_distance_m``).
        """
        lines = osm.lines.loc[osm.lines["name"].notna(), ["name", "geometry"]] if "name" in osm.lines else None
        addr = osm.addresses
        if lines is None or lines.empty or "housenumber" not in addr:
            empty = gpd.GeoDataFrame(geometry=[], crs=osm.lines.crs)
            return cls([], {}, empty, empty, place, within_m)
        lines = lines.assign(sleutel=[normalise_street(n) for n in lines["name"]])
        names = dict(zip(lines["sleutel"], lines["name"].astype(str), strict=True))
        points = addr.loc[addr["housenumber"].notna(), ["housenumber", "geometry"]]
        return cls(sorted(k for k in names if k), names, lines, points, place, within_m)

    def _numbers(self, key: str) -> pd.DataFrame:
        """House numbers within ``within_m`` of the street ``key``, one per number, with lon/lat."""
        street = self.lines.loc[self.lines["sleutel"] == key].geometry.union_all()
        near = self.points.iloc[self.points.sindex.query(street, predicate="dwithin", distance=self.within_m)]
        near = near.drop_duplicates("housenumber")
        ll = near.geometry.to_crs(WGS84)
        return pd.DataFrame(
            {
                "huisnummer": near["housenumber"].astype(str).to_numpy(),
                "lon": np.round(ll.x.to_numpy(), 6),
                "lat": np.round(ll.y.to_numpy(), 6),
            }
        )

    def suggest(self, text: str, *, limit: int) -> list[AddressSuggestion]:
        """Up to ``limit`` addresses for what was typed: best street first, then by house number."""
        from rapidfuzz import fuzz, process

        m = _NUMBER.match(text.split(",")[0].strip())
        street = normalise_street(m.group("street") if m else text)
        number = (m.group("number") or "").replace(" ", "").lower() if m else ""
        if len(street) < 2 or not self.keys:
            return []
        hits = process.extract(street, self.keys, scorer=fuzz.WRatio, limit=5, score_cutoff=MIN_SCORE)
        prefix = [k for k in self.keys if k.startswith(street)][:5]
        chosen = list(dict.fromkeys([*prefix, *(h[0] for h in sorted(hits, key=lambda h: -h[1]))]))[:5]
        out: list[AddressSuggestion] = []
        for key in chosen:
            rows = self._numbers(key)
            if number:
                rows = rows.loc[rows["huisnummer"].str.replace(" ", "").str.lower().str.startswith(number)]
            order = pd.to_numeric(rows["huisnummer"].str.extract(r"^(\d+)")[0], errors="coerce")
            rows = rows.assign(_n=order).sort_values(["_n", "huisnummer"]).head(limit - len(out))
            name = self.names[key]
            out.extend(
                {"adres": f"{name} {nr}, {self.place}", "lon": float(lon), "lat": float(lat)}
                for nr, lon, lat in zip(
                    rows["huisnummer"].tolist(), rows["lon"].tolist(), rows["lat"].tolist(), strict=True
                )
            )
            if len(out) >= limit:
                break
        return out
