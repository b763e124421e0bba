"""Independent lists of voorzieningen: the IGJ pharmacy register, dispensing GPs, chain stores, and
the completeness of OpenStreetMap measured against them (issue 19 §3)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.records import CompletenessRecord
from woonzorg_geo.sources import geocode
from woonzorg_geo.sources.address_lists import DUTCH_POSTCODE, placed_in_places
from woonzorg_geo.sources.tables import read_csv_checked
from woonzorg_geo.sources.voorzieningen import name_contains

log = logging.getLogger(__name__)

#: IGJ register columns (semicolon CSV as IGJ publishes it).
IGJ_NAAM, IGJ_ADRES, IGJ_POSTCODE, IGJ_PLAATS = "Officiëlenaam", "Adresbezoek", "Postcode", "Plaats"
#: How a chain store's name is recognised in OSM (lower case, whole name or its start).
CHAIN_NAMES = {"Albert Heijn": ("albert heijn", "ah ", "ah"), "ALDI Nord": ("aldi",)}
#: An OSM supermarket of the chain within this distance of the chain's own location is the same store
#: (the ALDI rows are geocoded addresses; street-level geocodes lie up to a few hundred metres off).
CHAIN_MATCH_M = 300.0

_ARTICLE = {"IGJ-register": "het"}
_MONTHS = ("jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")


def dutch_date(datum: str) -> str:
    """``'2021-08'`` as ``'aug. 2021'``; anything else unchanged."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", datum.strip())
    return f"{_MONTHS[int(m.group(2)) - 1]} {m.group(1)}" if m and 1 <= int(m.group(2)) <= 12 else datum


def read_register(path: Path, settings: Settings) -> pd.DataFrame:
    """The IGJ register as read and checked, without the excluded (non walk-in) pharmacies.

    Raises
    ------
    DataFileError
        For a register without rows or with too many empty addresses or malformed postcodes
        (``[plausibiliteit] lijst_max_aandeel_leeg``), naming the file, the column and the fix.
    """
    table = read_csv_checked(path, what="apothekersregister", columns=[IGJ_NAAM, IGJ_ADRES, IGJ_POSTCODE])
    fix_cols = "controleer of het bestand het IGJ-register is (kolommen Officiëlenaam;Adresbezoek;Postcode;Plaats)"
    if table.empty:
        raise DataFileError(
            path,
            "het apothekersregister heeft geen rijen (alleen een kopregel)",
            field="data.apotheken",
            fix='lever het register aan, of zet [data] apotheken = "" om zonder register te rekenen',
        )
    limit = settings.plausibiliteit.lijst_max_aandeel_leeg
    for col, what, ok in (
        (IGJ_ADRES, "een leeg adres", lambda v: bool(v.strip())),
        (IGJ_POSTCODE, "een lege of ongeldige postcode", lambda v: bool(DUTCH_POSTCODE.match(v))),
    ):
        values = table[col].fillna("").astype(str)
        bad = ~values.map(ok).to_numpy(dtype=bool)
        if bad.mean() > limit:
            first = int(np.flatnonzero(bad)[0])
            raise DataFileError(
                path,
                f"{int(bad.sum())} van de {len(table)} rijen van het apothekersregister hebben {what} (toegestaan: "
                f"{fmt.percent(100 * limit, 0)}; plausibiliteit.lijst_max_aandeel_leeg), bijv. regel {first + 2}: {values.iloc[first]!r}",
                field=col,
                fix=f"{fix_cols}; is het bestand beschadigd of verschoven?",
            )
    out = table.loc[~name_contains(table[IGJ_NAAM], settings.data.apotheken_uitsluiten)].copy()
    out[IGJ_ADRES] = out[IGJ_ADRES].fillna("").astype(str).str.strip()
    return out


def geocode_register(
    path: Path,
    settings: Settings,
    *,
    geocoder: Callable[[str, str | None], dict[str, object]],
    area: shapely.Geometry,
    margin_m: float,
    places: Collection[str],
) -> gpd.GeoDataFrame:
    """The IGJ pharmacies in or within ``margin_m`` of ``area``, geocoded (column ``naam``).

    Raises
    ------
    DataFileError
        When at least ``lijst_min_rijen_plaats`` rows name a place of the gemeente (``places``, keys
        as :func:`.sources.address_lists.place_keys` gives) and fewer than ``lijst_min_aandeel_geplaatst`` of
        them are found to the address or street in or near the gemeente.
    """
    table = read_register(path, settings)
    out = geocode.geocode_table(
        table, geocode=geocoder, address_col=IGJ_ADRES, postcode_col=IGJ_POSTCODE, source=str(path)
    )
    geoms = out.geometry.to_numpy()
    placed = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    near = placed & shapely.intersects(geoms, area.buffer(margin_m) if margin_m > 0 else area)
    pl = settings.plausibiliteit
    if IGJ_PLAATS in out:
        exp, found = placed_in_places(out, place_column=IGJ_PLAATS, places=places, area=area, margin_m=margin_m)
        n, k = int(exp.sum()), int((exp & found).sum())
        if n >= pl.lijst_min_rijen_plaats and k < pl.lijst_min_aandeel_geplaatst * n:
            raise DataFileError(
                path,
                f"van de {n} apotheken in de plaatsen van {settings.gemeente.naam} (kolom {IGJ_PLAATS}) zijn er maar "
                f"{k} op adres of straat gevonden (nodig: {fmt.percent(100 * pl.lijst_min_aandeel_geplaatst, 0)}; "
                "plausibiliteit.lijst_min_aandeel_geplaatst)",
                field=f"{IGJ_ADRES}, {IGJ_POSTCODE}",
                fix="controleer de adressen ('Straat huisnummer') en postcodes ('9401 AB') in het register: is het "
                "bestand beschadigd, of zijn de kolommen verschoven?",
            )
    out = out.loc[near].rename(columns={IGJ_NAAM: "naam"})
    log.info("apothekersregister: %d apotheken in of bij de gemeente", len(out))
    return gpd.GeoDataFrame(out, geometry="geometry", crs=RD_NEW)


def dispensing_gps(huisartsen: gpd.GeoDataFrame | None, settings: Settings) -> gpd.GeoDataFrame | None:
    """The apotheekhoudende huisartsen of the geocoded GP list (by name), or ``None`` when switched off."""
    if huisartsen is None or not settings.data.apotheekhoudende_huisartsen or "naam" not in huisartsen:
        return None
    hit = name_contains(huisartsen["naam"], settings.data.apotheekhoudend_naam)
    return huisartsen.loc[hit.to_numpy(dtype=bool)]


def read_chain_stores(
    path: Path,
    *,
    geocoder: Callable[[str, str | None], dict[str, object]],
    area: shapely.Geometry,
) -> gpd.GeoDataFrame:
    """The chain stores (All The Places CSV) inside ``area``: coordinates where given, else geocoded.

    Returns ``brand``, ``naam`` and point geometry (EPSG:28992); duplicate rows (one store, two pages) once.
    """
    table = read_csv_checked(path, what="supermarktketens", columns=["brand", "addr:full", "addr:postcode"])
    if table.empty:
        raise DataFileError(
            path,
            "de lijst met supermarktketens heeft geen rijen",
            field="data.supermarkten_ketens",
            fix='lever de lijst aan, of zet [data] supermarkten_ketens = "" om zonder controle te rekenen',
        )
    table = table.drop_duplicates(subset=["brand", "addr:full", "addr:postcode"])
    for col in ("geometry_lon", "geometry_lat"):
        if col not in table:
            table[col] = pd.NA
    lon = pd.to_numeric(table["geometry_lon"], errors="coerce")
    lat = pd.to_numeric(table["geometry_lat"], errors="coerce")
    has_xy = (lon.notna() & lat.notna()).to_numpy(dtype=bool)
    pts = gpd.GeoSeries(gpd.points_from_xy(lon.fillna(0), lat.fillna(0)), crs=WGS84).to_crs(RD_NEW).to_numpy()
    geoms = np.array([p if ok else None for p, ok in zip(pts, has_xy, strict=True)], dtype=object)
    if (~has_xy).any():
        coded = geocode.geocode_table(
            table.loc[~has_xy],
            geocode=geocoder,
            address_col="addr:full",
            postcode_col="addr:postcode",
            source=str(path),
        )
        good = coded["geocode_precisie"].isin(["adres", "straat"]).to_numpy(dtype=bool)
        geoms[~has_xy] = np.where(good, coded.geometry.to_numpy(), None)
    out = gpd.GeoDataFrame(
        {"brand": table["brand"].to_numpy(), "naam": table.get("name", table["brand"]).to_numpy()},
        geometry=list(geoms),
        crs=RD_NEW,
    )
    out = out.loc[out.geometry.notna()]
    return out.loc[out.intersects(area)]


def _has(bron: pd.Series, flag: str) -> np.ndarray:
    return bron.fillna("").astype(str).str.split(";").map(lambda parts: flag in parts).to_numpy(dtype=bool)


def completeness(
    voorzieningen: gpd.GeoDataFrame,
    *,
    gemeente: gpd.GeoDataFrame,
    chain_stores: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """How much of each independent list OpenStreetMap holds, inside the gemeente.

    Per category with a list (apotheek: IGJ register; huisarts: GP list; supermarkt: the AH/ALDI
    chain stores, compared with OSM supermarkets of those chains only): ``n_lijst`` voorzieningen of
    the list, ``n_osm_gevonden`` of them OSM also has (merged with an OSM point, or for the chains
    an OSM supermarket of the chain within :data:`CHAIN_MATCH_M`), ``aandeel_osm`` = their ratio
    (NaN without list rows), ``n_osm`` OSM's own count (of the chains, for supermarkt) and a Dutch
    sentence ``tekst``.
    """
    shape = gemeente.to_crs(RD_NEW).union_all()
    inside = voorzieningen.loc[voorzieningen.within(shape)] if not voorzieningen.empty else voorzieningen
    rows = []
    for cat, flag, lijst, plural in (
        ("apotheek", "igj", "IGJ-register", "apotheken"),
        ("huisarts", "huisartsenlijst", "huisartsenlijst", "huisartsenpraktijken"),
    ):
        sub = inside.loc[inside["categorie"] == cat] if not inside.empty else inside
        in_list = _has(sub["bron"], flag) if len(sub) else np.zeros(0, dtype=bool)
        in_osm = _has(sub["bron"], "osm") if len(sub) else np.zeros(0, dtype=bool)
        rows.append(
            _row(
                cat,
                lijst,
                plural,
                n_lijst=int(in_list.sum()),
                found=int((in_list & in_osm).sum()),
                n_osm=int(in_osm.sum()),
            )
        )
    if chain_stores is not None:
        sup = inside.loc[(inside["categorie"] == "supermarkt")] if not inside.empty else inside
        sup = sup.loc[_has(sup["bron"], "osm")] if len(sup) else sup
        names = sup["naam"].fillna("").astype(str).str.strip().str.lower() if len(sup) else pd.Series(dtype=str)
        stores = chain_stores.loc[chain_stores.intersects(shape)]
        n_osm = found = 0
        for brand, starts in CHAIN_NAMES.items():
            mine = names.map(lambda n, s=starts: any(n == x.strip() or n.startswith(x) for x in s)).to_numpy(dtype=bool)
            osm_chain = sup.loc[mine] if len(sup) else sup
            n_osm += len(osm_chain)
            for geom in stores.loc[stores["brand"] == brand].geometry:
                if len(osm_chain) and float(osm_chain.distance(geom).min()) <= CHAIN_MATCH_M:
                    found += 1
        rows.append(
            _row(
                "supermarkt",
                "AH/ALDI-lijst (All The Places, dec. 2021)",
                "AH- en ALDI-supermarkten",
                n_lijst=len(stores),
                found=found,
                n_osm=n_osm,
            )
        )
    return pd.DataFrame(
        rows, columns=["categorie", "lijst", "n_lijst", "n_osm_gevonden", "n_osm", "aandeel_osm", "tekst"]
    )


def _row(cat: str, lijst: str, plural: str, *, n_lijst: int, found: int, n_osm: int) -> dict[str, object]:
    share = found / n_lijst if n_lijst else float("nan")
    tekst = (
        f"OpenStreetMap heeft {found} van de {n_lijst} {plural} uit {_ARTICLE.get(lijst, 'de')} {lijst}"
        if n_lijst
        else f"{_ARTICLE.get(lijst, 'de')} {lijst} heeft geen {plural} in de gemeente (OpenStreetMap: {n_osm})"
    )
    return {
        "categorie": cat,
        "lijst": lijst,
        "n_lijst": n_lijst,
        "n_osm_gevonden": found,
        "n_osm": n_osm,
        "aandeel_osm": share,
        "tekst": tekst,
    }


def completeness_records(table: pd.DataFrame | None) -> list[CompletenessRecord]:
    """The completeness table as JSON-ready rows (a missing share is ``None``); ``[]`` without a table."""
    if table is None or table.empty:
        return []
    rows: list[CompletenessRecord] = []
    for rec in table.to_dict(orient="records"):
        share = rec.get("aandeel_osm")
        rec["aandeel_osm"] = None if share is None or pd.isna(share) else round(float(share), 3)
        rows.append(cast("CompletenessRecord", {str(k): v for k, v in rec.items()}))  # the columns of _row
    return rows


def completeness_text(records: Sequence[CompletenessRecord]) -> str:
    """One Dutch line: how much of each independent list OSM holds; ``''`` without rows."""
    if not records:
        return ""
    return "Volledigheid van OpenStreetMap: " + "; ".join(str(r["tekst"]) for r in records) + "."
