"""Which address points are homes (woningen), from what the OpenMapTiles layers say about their spot.

OSM's Dutch address points come from the BAG import and so include every verblijfsobject:
factories, offices, shops and holiday homes as well as homes. The vector tiles do not carry the
BAG gebruiksdoel; these rules use what they do carry (``[woningen]`` in the settings):

* ``landuse`` (OpenMapTiles classes ``industrial``, ``commercial``, ``retail``, ``military``, from
  OSM ``landuse=*``): an address inside such an area is a business or military site;
* ``poi`` class ``campsite`` (OSM ``tourism=camp_site``/``caravan_site``; the tiles hold the site
  as one point): an address near it and not inside ``residential`` landuse is on a holiday park or
  camp site;
* ``poi`` of a non-residential class (shop, school, fuel, …) at the same point as the address:
  that address is the voorziening itself.

The ``building`` layer of these tiles carries no use or type (only heights), so it cannot tell a
home from a shed; it is not used. ``landcover`` carries no built use either (grass, wood,
farmland). Addresses that already have a ``woning`` column (BAG via ``--online``) keep it.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo.core.config import HomeSettings

log = logging.getLogger(__name__)

#: Layers the rules read (decoded with the other layers of the run, once).
HOME_LAYERS = ("landuse",)

REASON_LANDUSE = {
    "industrial": "bedrijventerrein",
    "commercial": "kantoren/bedrijven",
    "retail": "winkelgebied",
    "military": "militair terrein",
}
REASON_CAMPSITE = "vakantiepark of camping"
REASON_POI = "zelfde punt als voorziening"


def mark_homes(
    addresses: gpd.GeoDataFrame,
    *,
    landuse: gpd.GeoDataFrame | None,
    pois: gpd.GeoDataFrame | None,
    settings: HomeSettings,
) -> gpd.GeoDataFrame:
    """``addresses`` with ``woning`` (bool) and ``woning_reden`` (empty where a home).

    A ``woning`` column already present is kept as it is (``woning_reden`` added if absent).
    All frames must be in the same projected CRS (metres).
    """
    out = addresses.copy()
    if "woning" in out.columns:
        out["woning"] = out["woning"].fillna(False).astype(bool)
        if "woning_reden" not in out.columns:
            out["woning_reden"] = np.where(out["woning"], "", "geen woonfunctie (BAG)")
        return out
    n = len(out)
    reason = np.full(n, "", dtype=object)
    if n == 0:
        out["woning"] = np.zeros(0, dtype=bool)
        out["woning_reden"] = reason
        return out
    geoms = out.geometry.to_numpy()
    residential = np.zeros(n, dtype=bool)
    if landuse is not None and not landuse.empty and "class" in landuse:
        lu = landuse.loc[landuse.geometry.notna() & landuse.geometry.is_valid]
        cls = lu["class"].astype(str).to_numpy()
        pts_i, lu_i = lu.sindex.query(geoms, predicate="within")
        for code, label in REASON_LANDUSE.items():
            if code not in settings.landgebruik_geen_woning:
                continue
            hit = np.unique(pts_i[cls[lu_i] == code])
            hit = hit[reason[hit] == ""]
            reason[hit] = label
        residential[np.unique(pts_i[cls[lu_i] == "residential"])] = True
    if pois is not None and not pois.empty and "class" in pois:
        pcls = pois["class"].astype(str)
        camp = pois.loc[pcls.isin(settings.camping_klassen)]
        if not camp.empty and settings.camping_straal_m > 0:
            pts_i, _ = camp.sindex.query(geoms, predicate="dwithin", distance=settings.camping_straal_m)
            hit = np.unique(pts_i)
            hit = hit[(reason[hit] == "") & ~residential[hit]]
            reason[hit] = REASON_CAMPSITE
        other = pois.loc[pcls.isin(settings.poi_klassen_geen_woning)]
        if not other.empty and settings.poi_afstand_m > 0:
            pts_i, _ = other.sindex.query(geoms, predicate="dwithin", distance=settings.poi_afstand_m)
            hit = np.unique(pts_i)
            hit = hit[reason[hit] == ""]
            reason[hit] = REASON_POI
    out["woning"] = reason == ""
    out["woning_reden"] = reason
    counts = pd.Series(reason[reason != ""]).value_counts()
    if len(counts):
        log.info(
            "%d van de %d adrespunten zijn geen woning (%s)",
            int(counts.sum()),
            n,
            ", ".join(f"{k}: {v}" for k, v in counts.items()),
        )
    return out


def likely_cause(ratio: float, *, band: tuple[float, float]) -> str:
    """The likely cause (Dutch) of a wijk's homes per CBS dwelling outside ``band``; '' inside it.

    Below the band: homes built after the OSM date (Aug 2021), or, far below (< 0.5), a buurt
    polygon that misses its addresses; above it: businesses or holiday homes the rules did not
    recognise (a wijk of bedrijventerreinen has few CBS dwellings, so every missed one counts).
    """
    lo, hi = band
    if not np.isfinite(ratio):
        return "geen CBS-woningen of geen adressen"
    if lo <= ratio <= hi:
        return ""
    if ratio < lo:
        if ratio < 0.5:
            return "ontbrekend buurtvlak of nieuwbouw na de OSM-datum (aug. 2021)"
        return "nieuwbouw na de OSM-datum (aug. 2021)"
    return "bedrijven of recreatiewoningen die niet als zodanig herkend zijn"


#: Share of a wijk's address points that lay in no buurt polygon above which a missing or defective
#: buurt polygon is named as the cause of a wijk above the band (its addresses were given to it).
OUTSIDE_SHARE = 0.1


def wijk_causes(wijken: pd.DataFrame, *, band: tuple[float, float], addresses: pd.DataFrame | None = None) -> pd.Series:
    """Per wijk the likely cause of ``woningen_per_cbs`` outside ``band`` ('' inside; column ``woningen_oorzaak``).

    With ``addresses`` (columns ``wijkcode``, ``buiten_buurt``), a wijk above the band that took
    more than :data:`OUTSIDE_SHARE` of its address points from outside every buurt polygon gets
    "ontbrekend buurtvlak" as its cause.
    """
    if "woningen_per_cbs" not in wijken:
        return pd.Series("", index=wijken.index, dtype=object)
    ratio = pd.to_numeric(wijken["woningen_per_cbs"], errors="coerce").astype(float)
    causes = pd.Series([likely_cause(float(r), band=band) for r in ratio], index=wijken.index, dtype=object)
    if addresses is not None and {"wijkcode", "buiten_buurt"} <= set(addresses.columns):
        outside = addresses["buiten_buurt"].astype(float).groupby(addresses["wijkcode"]).mean().reindex(wijken.index)
        odd = (ratio > band[1]) & (outside > OUTSIDE_SHARE)
        causes[odd] = "ontbrekend buurtvlak (adressen uit geen buurtvlak hier toegekend)"
    return causes


def reconcile_wijken(
    wijken: pd.DataFrame, *, band: tuple[float, float], names: pd.Series | None = None
) -> list[dict[str, object]]:
    """The wijken whose ``woningen_per_cbs`` lies outside ``band``, each with its likely cause."""
    if "woningen_per_cbs" not in wijken:
        return []
    flagged: list[dict[str, object]] = []
    for code, row in wijken.iterrows():
        ratio = float(row["woningen_per_cbs"]) if pd.notna(row["woningen_per_cbs"]) else float("nan")
        cause = likely_cause(ratio, band=band)
        given = row.get("woningen_oorzaak")
        if cause and isinstance(given, str) and given:
            cause = given
        if not cause:
            continue
        naam = str(names.get(code, "")) if names is not None else ""
        flagged.append(
            {
                "wijkcode": str(code),
                "naam": naam,
                "n_adressen": int(row.get("n_adressen", 0)),
                "n_woningen": int(row.get("n_woningen", 0)),
                "woningen_cbs": None if pd.isna(row.get("woningen_cbs")) else float(row["woningen_cbs"]),
                "woningen_per_cbs": None if not np.isfinite(ratio) else round(ratio, 3),
                "oorzaak": cause,
            }
        )
    return flagged
