"""Address lists (the GP list, the IGJ register, chain stores): geocoded offline and checked.

One offline geocoder (:func:`offline_geocoder`: OSM streets and house numbers, PC4 centroids as last
resort, see :mod:`.sources.geocode`) places every list; :func:`placed_in_places` tells for any list
how many of the rows in the gemeente's places were found there, the check the GP list
(:func:`check_geocoded_list`) and the IGJ register (:func:`.sources.independent_lists.geocode_register`) share.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.sources import geocode
from woonzorg_geo.sources.osm import OSMData
from woonzorg_geo.sources.tables import read_csv_checked

log = logging.getLogger(__name__)


def offline_geocoder(osm: OSMData, *, pc4_path: Path | None) -> Callable[[str, str | None], dict[str, object]]:
    """The offline geocode function: OSM streets and house numbers, PC4 centroids as last resort."""
    pc4 = geocode.read_pc4_centroids(pc4_path) if pc4_path is not None and pc4_path.exists() else None
    return geocode.OfflineGeocoder(osm, pc4=pc4).geocode_one


def place_keys(naam: str, *areas: gpd.GeoDataFrame) -> set[str]:
    """Comparison keys of the gemeente's name and of the names of its wijken and buurten.

    A name of two places (``'Anreep/Schieven'``) gives both; keys as
    :func:`.sources.geocode.normalise_street` makes them (case, accents and punctuation ignored).
    """
    names = [naam]
    for frame in areas:
        if "naam" in frame:
            names += [str(n) for n in frame["naam"].dropna()]
    return {geocode.normalise_street(part) for n in names for part in re.split(r"\s*/\s*", n) if part.strip()} - {""}


#: A Dutch postcode: four digits (the first not 0) and two letters, with or without a space.
DUTCH_POSTCODE = re.compile(r"^\s*[1-9]\d{3}\s?[A-Za-z]{2}\s*$")


def placed_in_places(
    geocoded: gpd.GeoDataFrame,
    *,
    place_column: str,
    places: Collection[str],
    area: shapely.Geometry | None,
    margin_m: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Which rows of a geocoded list name a place of the gemeente, and which were found there.

    Parameters
    ----------
    geocoded
        A list as :func:`.sources.geocode.geocode_table` returns it.
    place_column
        The list's column with the place (``Plaats``).
    places
        Keys of the gemeente's places (:func:`place_keys`).
    area, margin_m
        A row is found when geocoded to the address or street, inside ``area`` or within
        ``margin_m`` of it (anywhere without ``area``).

    Returns
    -------
    tuple of numpy.ndarray
        Two boolean arrays: the rows whose place is one of ``places``; the rows that were found.
    """
    keys = geocoded[place_column].fillna("").astype(str).map(geocode.normalise_street)
    expected = keys.isin(set(places)).to_numpy(dtype=bool)
    geoms = geocoded.geometry.to_numpy()
    found = geocoded["geocode_precisie"].isin(["adres", "straat"]).to_numpy(dtype=bool).copy()
    found &= ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if area is not None:
        found &= shapely.intersects(geoms, area.buffer(margin_m) if margin_m > 0 else area)
    return expected, found


def check_address_list(table: pd.DataFrame, settings: Settings, *, path: Path) -> None:
    """The GP list as read, before geocoding: rows, and addresses and postcodes filled in.

    Raises
    ------
    DataFileError
        For a list without rows, or (``[plausibiliteit] lijst_max_aandeel_leeg``) with too many
        empty addresses or empty or malformed postcodes; naming the file, the column and a row.
    """
    d, pl = settings.data, settings.plausibiliteit
    if table.empty:
        raise DataFileError(
            path,
            "de huisartsenlijst heeft geen rijen (alleen een kopregel)",
            fix='lever de lijst met praktijken aan, of zet [data] huisartsen = "" om zonder lijst te rekenen',
        )
    checks = (
        (d.huisartsen_adres, "een leeg adres", lambda v: bool(v.strip()), "vul 'Straat huisnummer' in"),
        (
            d.huisartsen_postcode,
            "een lege of ongeldige postcode",
            lambda v: bool(DUTCH_POSTCODE.match(v)),
            "schrijf postcodes als '9401 AB'",
        ),
    )
    for col, what, ok, fix in checks:
        if col not in table:
            continue
        values = table[col].fillna("").astype(str)
        bad = ~values.map(ok).to_numpy(dtype=bool)
        if bad.mean() > pl.lijst_max_aandeel_leeg:
            first = int(np.flatnonzero(bad)[0])
            raise DataFileError(
                path,
                f"{int(bad.sum())} van de {len(table)} rijen van de huisartsenlijst hebben {what} (toegestaan: "
                f"{fmt.percent(100 * pl.lijst_max_aandeel_leeg, 0)}; plausibiliteit.lijst_max_aandeel_leeg), bijv. regel {first + 2}: "
                f"{values.iloc[first]!r}",
                field=col,
                fix=f"{fix}; controleer of de kolommen goed staan (is het bestand beschadigd of verschoven?)",
            )


def check_geocoded_list(
    geocoded: gpd.GeoDataFrame,
    settings: Settings,
    *,
    path: Path,
    places: Collection[str],
    area: shapely.Geometry | None,
    margin_m: float,
) -> None:
    """Most rows of the GP list whose place lies in the gemeente must be found to the street.

    ``places`` holds the keys (see :func:`place_keys`) of the gemeente's places; a row counts when
    its ``data.huisartsen_plaats`` is one of them, and is found when it was geocoded to the
    address or street, inside ``area`` or ``margin_m`` around it (anywhere without ``area``).

    Raises
    ------
    DataFileError
        When at least ``lijst_min_rijen_plaats`` rows count and fewer than
        ``lijst_min_aandeel_geplaatst`` of them are found.
    """
    d, pl = settings.data, settings.plausibiliteit
    if d.huisartsen_plaats not in geocoded:
        return
    expected, found = placed_in_places(
        geocoded, place_column=d.huisartsen_plaats, places=places, area=area, margin_m=margin_m
    )
    n, k = int(expected.sum()), int((expected & found).sum())
    if n < pl.lijst_min_rijen_plaats:
        return
    if k < pl.lijst_min_aandeel_geplaatst * n:
        plaatsen = sorted(set(geocoded[d.huisartsen_plaats].astype(str).to_numpy()[expected]))
        raise DataFileError(
            path,
            f"van de {n} praktijken in {', '.join(plaatsen[:5])} (kolom {d.huisartsen_plaats}) zijn er maar {k} "
            f"op adres of straat in of bij de gemeente {settings.gemeente.naam} gevonden (nodig: "
            f"{fmt.percent(100 * pl.lijst_min_aandeel_geplaatst, 0)}; plausibiliteit.lijst_min_aandeel_geplaatst)",
            field=f"{d.huisartsen_adres}, {d.huisartsen_postcode}",
            fix="controleer de adressen ('Straat huisnummer') en postcodes ('9401 AB') in de lijst: is het bestand "
            "beschadigd, of zijn de kolommen verschoven?",
        )


def geocode_huisartsen(
    settings: Settings,
    path: Path,
    *,
    geocoder: Callable[[str, str | None], dict[str, object]],
    area: shapely.Geometry | None = None,
    margin_m: float = 0.0,
    places: Collection[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read the GP address list, geocode it with ``geocoder`` and keep the practices near the gemeente.

    With ``area`` (EPSG:28992), every practice of the list is geocoded and those inside ``area``
    or within ``margin_m`` of it are kept: a gemeente's practices lie in many places (kernen), and
    a home near the border may use the practice across it. Column ``in_gemeente`` says which lie
    inside. Without ``area`` (the online path, where every row is a request), only the rows whose
    place (``huisartsen_plaats``) is the gemeente's name are geocoded.

    The list is checked as read (:func:`check_address_list`) and as geocoded
    (:func:`check_geocoded_list`, with the keys of the gemeente's ``places``; default its name).
    """
    d = settings.data
    table = read_csv_checked(path, what="huisartsenlijst", columns=[d.huisartsen_adres, d.huisartsen_naam])
    check_address_list(table, settings, path=path)
    if area is None and d.huisartsen_plaats and d.huisartsen_plaats in table:
        table = table.loc[table[d.huisartsen_plaats].str.strip().str.lower() == settings.gemeente.naam.lower()]
    out = geocode.geocode_table(
        table,
        geocode=geocoder,
        address_col=d.huisartsen_adres,
        postcode_col=d.huisartsen_postcode if d.huisartsen_postcode in table else None,
        source=str(path),
    )
    check_geocoded_list(
        out,
        settings,
        path=path,
        places=places if places is not None else place_keys(settings.gemeente.naam),
        area=area,
        margin_m=margin_m,
    )
    if area is not None:
        geoms = out.geometry.to_numpy()
        placed = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        near = placed & shapely.intersects(geoms, area.buffer(margin_m) if margin_m > 0 else area)
        log.info(
            "huisartsenlijst: %d van de %d praktijken liggen in de gemeente of binnen %s ervan (%d niet te plaatsen)",
            int(near.sum()),
            len(out),
            fmt.metres(margin_m),
            int((~placed).sum()),
        )
        out = out.loc[near].copy()
        out["in_gemeente"] = shapely.intersects(out.geometry.to_numpy(), area)
    return out.rename(columns={d.huisartsen_naam: "naam"}) if d.huisartsen_naam != "naam" else out
