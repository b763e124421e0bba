"""A user's own lists of voorzieningen (``--voorzieningen FILE``, ``--voorzieningen-vervang FILE``).

A list is a CSV (``;``, ``,`` or tab separated, UTF-8 with or without BOM, decimal comma allowed)
or a GeoPackage with the columns ``naam`` and ``categorie`` and per row either ``adres``
(``'Straat 12'``, geocoded offline with the OSM addresses; optional ``postcode``) or ``lon`` and
``lat`` (WGS84; a GeoPackage: its point geometry). Optional columns: ``label`` (the Dutch name of a
category the package does not know), ``modus`` (``toevoegen`` or ``vervangen``, per row; default
from the option that named the file) and ``datum`` (the date of the list; default the file's
modification date).

``toevoegen`` adds the rows to the category; ``vervangen`` first removes every voorziening of the
row's category that came from another source (OSM, GTFS, the GP list, ...), so the list is the
category. Every row gets ``bron`` = the file name and ``bron_datum``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import DataFileError, MissingDataError
from woonzorg_geo.core.records import OwnListRecord
from woonzorg_geo.sources.tables import read_csv_checked

log = logging.getLogger(__name__)

#: The values of the ``modus`` column and what each option gives.
MODES = ("toevoegen", "vervangen")
#: The key in ``samenvatting.json`` recording the lists an analysis was made with.
RECORD_KEY = "eigen_voorzieningen"
#: Geocoder precisions accepted for a row with an address: to the address or at least the street.
_PLACED = ("adres", "straat")

FIX_COLUMNS = (
    "geef een kopregel met naam;categorie;adres (of naam;categorie;lon;lat), zie examples/voorzieningen_voorbeeld.csv"
)


@dataclass(frozen=True)
class OwnList:
    """One list as read and checked (not yet placed)."""

    path: Path
    rows: pd.DataFrame  # columns naam, categorie, label, modus, datum, adres, postcode, lon, lat, regel
    sha256: str
    geometry: gpd.GeoSeries | None = None  # a GeoPackage's own points (EPSG:28992)

    @property
    def record(self) -> OwnListRecord:
        """What an output folder records of this list."""
        return {"bestand": self.path.name, "sha256": self.sha256}


def read_own_list(path: str | Path, *, mode: str) -> OwnList:
    """Read and check one list; nothing is geocoded yet.

    Raises
    ------
    MissingDataError
        When the file does not exist.
    DataFileError
        On a missing column, an empty name or category, an unknown ``modus``, a row with neither
        an address nor coordinates or with coordinates that are not numbers; naming the file, the
        line (``regel``, as a spreadsheet counts: header = 1) and the field.
    """
    p = Path(path)
    if not p.is_file():
        raise MissingDataError(
            p,
            "geef met --voorzieningen een bestaand CSV- of GeoPackage-bestand op (zie "
            "examples/voorzieningen_voorbeeld.csv)",
            problem="eigen lijst met voorzieningen bestaat niet",
        )
    geometry: gpd.GeoSeries | None = None
    if p.suffix.lower() == ".gpkg":
        try:
            gdf = gpd.read_file(p)
        except Exception as exc:  # any reader error: a damaged file
            raise DataFileError(
                p, f"GeoPackage niet leesbaar ({type(exc).__name__})", fix="lever een geldige GeoPackage aan"
            ) from exc
        if gdf.crs is None:
            raise DataFileError(p, "de laag heeft geen coördinatenstelsel", fix="sla de laag op met EPSG:28992 of 4326")
        geometry = gdf.geometry.to_crs(RD_NEW).reset_index(drop=True)
        table = pd.DataFrame(gdf.drop(columns=gdf.geometry.name)).reset_index(drop=True).astype(object)
        table = table.where(table.notna(), "").astype(str)
    else:
        table = read_csv_checked(p, what="eigen lijst met voorzieningen")
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in ("naam", "categorie") if c not in table.columns]
    has_xy = {"lon", "lat"} <= set(table.columns)
    if not missing and "adres" not in table.columns and not has_xy and geometry is None:
        missing = ["adres (of lon en lat)"]
    if missing:
        raise DataFileError(
            p,
            f"kolom {', '.join(missing)} ontbreekt (gevonden: {', '.join(table.columns) or 'geen'})",
            field=", ".join(missing),
            fix=FIX_COLUMNS,
        )
    if table.empty:
        raise DataFileError(p, "de lijst heeft geen rijen (alleen een kopregel)", fix="vul de voorzieningen in")
    n = len(table)
    rows = pd.DataFrame(
        {
            c: table[c].astype(str).str.strip() if c in table else pd.Series([""] * n)
            for c in ("naam", "categorie", "label", "modus", "datum", "adres", "postcode", "lon", "lat")
        }
    )
    rows["categorie"] = rows["categorie"].str.lower()
    rows["modus"] = rows["modus"].str.lower().replace("", mode)
    rows["regel"] = np.arange(n) + 2
    for i, row in rows.iterrows():
        where = f"regel {row['regel']}"
        if not row["categorie"] or not row["categorie"].replace("_", "").isalnum():
            raise DataFileError(
                p,
                f"{where}: categorie {row['categorie']!r} is leeg of bevat tekens anders dan letters, cijfers en _",
                field="categorie",
                fix="geef een categorie als apotheek, tandarts of ontmoetingsplek",
            )
        if row["modus"] not in MODES:
            raise DataFileError(
                p,
                f"{where}: onbekende modus {row['modus']!r}",
                field="modus",
                fix="schrijf 'toevoegen' of 'vervangen', of laat de kolom leeg",
            )
        if row["datum"]:
            try:
                _dt.date.fromisoformat(row["datum"])
            except ValueError as exc:
                raise DataFileError(
                    p, f"{where}: datum {row['datum']!r} is geen datum", field="datum", fix="schrijf 2026-03-01"
                ) from exc
        if geometry is not None:
            g = geometry.iloc[int(i)]  # type: ignore[call-overload]
            if g is None or g.is_empty or g.geom_type != "Point":
                raise DataFileError(p, f"{where}: geen puntlocatie", field="geometry", fix="geef elke rij een punt")
            continue
        if row["lon"] or row["lat"]:
            try:
                lon, lat = fmt.parse_number(row["lon"]), fmt.parse_number(row["lat"])
            except ValueError as exc:
                raise DataFileError(
                    p,
                    f"{where}: lon/lat {row['lon']!r}, {row['lat']!r} zijn geen getallen",
                    field="lon, lat",
                    fix="schrijf graden WGS84, bijv. lon 6,5627 en lat 52,9930",
                ) from exc
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise DataFileError(
                    p, f"{where}: lon/lat {lon}, {lat} buiten bereik", field="lon, lat", fix="verwissel lon en lat niet"
                )
        elif not row["adres"]:
            raise DataFileError(
                p,
                f"{where}: geen adres en geen lon/lat",
                field="adres",
                fix="vul 'Straat huisnummer' in de kolom adres in, of lon en lat",
            )
        if not row["naam"]:
            raise DataFileError(p, f"{where}: naam is leeg", field="naam", fix="geef elke voorziening een naam")
    digest = hashlib.sha256(p.read_bytes()).hexdigest()
    return OwnList(p, rows, digest, geometry)


def read_own_lists(add: Sequence[str] | None, replace: Sequence[str] | None) -> list[OwnList]:
    """Every list of ``--voorzieningen`` (mode ``toevoegen``) and ``--voorzieningen-vervang``."""
    lists = [read_own_list(f, mode="toevoegen") for f in add or []]
    lists += [read_own_list(f, mode="vervangen") for f in replace or []]
    return lists


def lists_record(lists: Sequence[OwnList]) -> list[OwnListRecord]:
    """The record an ``analyse`` output folder keeps of the lists (sorted, so the order does not count)."""
    return sorted((ol.record for ol in lists), key=lambda r: (r["sha256"], r["bestand"]))


def read_record(out_dir: str | Path) -> list[OwnListRecord] | None:
    """The lists the analysis in ``out_dir`` was made with: ``[]`` when its ``samenvatting.json``
    records none (or is not there), ``None`` when it cannot be read."""
    target = Path(out_dir) / "samenvatting.json"
    if not target.is_file():
        return []
    try:
        doc = json.loads(target.read_text(encoding="utf-8"))
        return [{"bestand": str(r["bestand"]), "sha256": str(r["sha256"])} for r in doc.get(RECORD_KEY, [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _place(
    ol: OwnList,
    *,
    geocoder: Callable[[str, str | None], Mapping[str, object]],
    area: shapely.Geometry,
    margin_m: float,
    gemeente: str,
    outside: str = "weigeren",
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The point (EPSG:28992), precision and in-area flag of every row, refusing rows that cannot be
    placed, and rows outside the area unless ``outside`` is ``'overslaan'`` (``regio``: a list for
    several gemeenten)."""
    rows = ol.rows
    points = np.empty(len(rows), dtype=object)
    precision: list[str] = []
    inside = np.ones(len(rows), dtype=bool)
    zone = area.buffer(margin_m) if margin_m > 0 else area
    to_rd = None
    for k, (i, row) in enumerate(rows.iterrows()):
        where = f"regel {row['regel']}"
        if ol.geometry is not None:
            pt = ol.geometry.iloc[int(i)]  # type: ignore[call-overload]
            prec = "punt"
        elif row["lon"] or row["lat"]:
            if to_rd is None:
                from pyproj import Transformer

                to_rd = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
            x, y = to_rd.transform(fmt.parse_number(row["lon"]), fmt.parse_number(row["lat"]))
            pt, prec = shapely.Point(x, y), "punt"
        else:
            res = geocoder(row["adres"], row["postcode"] or None)
            prec = str(res.get("geocode_precisie", ""))
            pt = res.get("geometry")
            if prec not in _PLACED or pt is None:
                raise DataFileError(
                    ol.path,
                    f"{where}: adres {row['adres']!r} niet gevonden in de OSM-adressen (alleen "
                    f"{prec or 'niets'} gevonden)",
                    field="adres",
                    fix="schrijf 'Straat huisnummer' zoals op de kaart (zonder plaatsnaam), of geef lon en lat",
                )
        if not shapely.intersects(pt, zone):
            inside[k] = False
            if outside == "overslaan":
                points[k] = pt
                precision.append(prec)
                continue
            raise DataFileError(
                ol.path,
                f"{where}: {row['naam']!r} ligt buiten de gemeente {gemeente} (en meer dan {fmt.metres(margin_m)} ervandaan)",
                field="lon, lat" if prec == "punt" else "adres",
                fix="controleer de locatie (lon en lat niet verwisseld?), of laat de rij weg voor deze gemeente",
            )
        points[k] = pt
        precision.append(prec)
    return points, precision, inside


def apply_own_lists(
    vz: gpd.GeoDataFrame,
    lists: Sequence[OwnList],
    *,
    geocoder: Callable[[str, str | None], Mapping[str, object]],
    area: shapely.Geometry,
    margin_m: float,
    gemeente: str,
    labels: Mapping[str, str],
    outside: str = "weigeren",
) -> gpd.GeoDataFrame:
    """``vz`` with the rows of every list added, after removing the categories a list replaces.

    Parameters
    ----------
    vz
        The standard voorzieningen (EPSG:28992, index ``vz_id``).
    lists
        The lists as read (:func:`read_own_lists`).
    geocoder
        The offline geocoder (:func:`.sources.address_lists.offline_geocoder`).
    area, margin_m, gemeente
        The gemeente (EPSG:28992): every row must lie in it or within ``margin_m``; its name.
    outside
        ``'weigeren'``: a row outside the gemeente is refused; ``'overslaan'``: left out (a list
        for several gemeenten, ``regio``).
    labels
        The label of each known category; an unknown category takes the row's ``label`` (default:
        the category name with a capital).

    Raises
    ------
    DataFileError
        For a row that does not geocode or lies outside the gemeente (file, regel, field, fix).
    """
    if not lists:
        return vz
    parts: list[gpd.GeoDataFrame] = []
    replaced: set[str] = set()
    for ol in lists:
        points, precision, inside = _place(
            ol, geocoder=geocoder, area=area, margin_m=margin_m, gemeente=gemeente, outside=outside
        )
        rows = ol.rows
        mtime = _dt.date.fromtimestamp(ol.path.stat().st_mtime).isoformat()
        label = [
            r["label"] or labels.get(r["categorie"], r["categorie"].replace("_", " ").capitalize())
            for _, r in rows.iterrows()
        ]
        frame = gpd.GeoDataFrame(
            {
                "categorie": rows["categorie"].to_numpy(),
                "label": label,
                "naam": rows["naam"].to_numpy(),
                "bron": ol.path.name,
                "precisie": precision,
                "bron_datum": rows["datum"].replace("", mtime).to_numpy(),
            },
            geometry=list(points),
            crs=RD_NEW,
        )
        if not inside.all():
            log.info(
                "%s: %d rijen liggen buiten %s en worden hier overgeslagen",
                ol.path.name,
                int((~inside).sum()),
                gemeente,
            )
        parts.append(frame.loc[inside])
        replaced |= set(rows.loc[rows["modus"] == "vervangen", "categorie"])
    own_sources = {ol.path.name for ol in lists}
    keep = vz.loc[~vz["categorie"].isin(replaced) | vz["bron"].isin(own_sources)]
    if replaced:
        log.info(
            "eigen lijsten vervangen de categorieën %s (%d voorzieningen uit andere bronnen weggelaten)",
            ", ".join(sorted(replaced)),
            len(vz) - len(keep),
        )
    own = pd.concat(parts, ignore_index=True)
    start = len(vz)
    own.index = pd.Index([f"vz{start + i:05d}" for i in range(len(own))], name=vz.index.name or "vz_id")
    while own.index.isin(vz.index).any():  # ids stay unique whatever the standard ids are
        start += len(own)
        own.index = pd.Index([f"vz{start + i:05d}" for i in range(len(own))], name=own.index.name)
    log.info("eigen lijsten: %s", own["categorie"].value_counts().to_dict())
    out = pd.concat([keep, own])
    return gpd.GeoDataFrame(out, geometry="geometry", crs=RD_NEW)


def labels_of(rules: Mapping[str, Any]) -> dict[str, str]:
    """Category name -> label from the category rules."""
    return {name: str(getattr(rule, "label", name)) for name, rule in rules.items()}


def with_own_lists(inputs: Any, lists: Sequence[OwnList], settings: Any, *, outside: str = "weigeren") -> Any:
    """``inputs`` (:class:`.sources.datasets.Inputs`) with its voorzieningen extended or replaced by ``lists``.

    Addresses are geocoded offline with the run's own OSM data (and the PC4 centroids when they
    are at hand): the way the GP list is placed. Every row must lie in the gemeente or within
    ``[netwerk] margin_m`` of it.
    """
    if not lists:
        return inputs
    import dataclasses

    from woonzorg_geo.core.settings_loader import load_category_rules
    from woonzorg_geo.sources.address_lists import offline_geocoder
    from woonzorg_geo.sources.voorzieningen import parse_rules

    rules = parse_rules(load_category_rules(None), source="standaard")
    vz = apply_own_lists(
        inputs.voorzieningen,
        lists,
        geocoder=offline_geocoder(inputs.osm, pc4_path=inputs.paths.get("pc4")),
        area=inputs.gemeente.to_crs(RD_NEW).union_all(),
        margin_m=settings.netwerk.margin_m,
        gemeente=settings.gemeente.naam,
        labels=labels_of(rules),
        outside=outside,
    )
    return dataclasses.replace(inputs, voorzieningen=vz)
