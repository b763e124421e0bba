"""Where the initiative lies, and the existing initiatives from a register and OSM."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from .. import RD_NEW, WGS84
from ..errors import GeocodeError
from .model import split_adres
from .numbers import _num, _present
from .settings import PRECISION_TEXT, Geocode, ToetsError, ToetsSettings, ZorgType

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Locating the site and the register
# --------------------------------------------------------------------------------------------


def offline_geocoder(analysis: Any) -> Geocode:
    """The offline geocoder of an analysis: OSM streets and house numbers, plus PC4 centroids."""
    from ..datasets import offline_geocoder as build

    paths = getattr(analysis.inputs, "paths", {}) or {}
    p = paths.get("pc4")
    return build(analysis.inputs.osm, pc4_path=Path(p) if p is not None else None)


def _locate(
    analysis: Any, *, adres: str | None, punt: tuple[float, float] | None,
    geocode: Callable[[], Geocode], precisies: Sequence[str],
) -> tuple[shapely.Point, dict[str, Any]]:
    """The site as an RD point and a description; raises on bad input or a location outside."""
    gemeente = analysis.inputs.gemeente.to_crs(RD_NEW)
    naam = str(gemeente["naam"].iloc[0]) if "naam" in gemeente else "de gemeente"
    shape = gemeente.union_all()
    if (adres is None) == (punt is None):
        raise ToetsError("geef óf een adres (--adres \"Straat 1, Plaats\") óf een punt (--punt LON,LAT) op")
    to_rd = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
    to_ll = Transformer.from_crs(RD_NEW, WGS84, always_xy=True)
    info: dict[str, Any]
    if punt is not None:
        try:
            lon, lat = (float(punt[0]), float(punt[1]))
        except (TypeError, ValueError, IndexError):
            raise ToetsError(f"punt {punt!r} is geen paar getallen (lengtegraad, breedtegraad)") from None
        if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ToetsError(f"punt ({lon}, {lat}) is geen geldige WGS84-coördinaat (lengtegraad, breedtegraad)")
        x, y = to_rd.transform(lon, lat)
        point = shapely.Point(x, y)
        info = {"invoer": f"{lon:.6f}, {lat:.6f}", "label": f"punt {lon:.5f}, {lat:.5f}",
                "geocode_methode": "punt", "geocode_precisie": "punt",
                "precisie_tekst": PRECISION_TEXT["punt"], "geocode_afstand_m": None}
        if not shape.contains(point):
            hint = ""
            sx, sy = to_rd.transform(lat, lon)
            if -90 <= lon <= 90 and shape.contains(shapely.Point(sx, sy)):
                hint = (" Lengte- en breedtegraad lijken verwisseld: geef eerst de lengtegraad (LON), "
                        "dan de breedtegraad (LAT).")
            raise ToetsError(f"het punt ({lon:.5f}, {lat:.5f}) ligt buiten de gemeente {naam}; "
                             f"de toets is alleen voor locaties binnen de gemeente.{hint}")
    else:
        text = str(adres).strip()
        street, postcode, plaats = split_adres(text)
        if not street:
            raise ToetsError("leeg adres; geef 'Straat huisnummer, Plaats' op")
        hit = dict(geocode()(street, postcode))
        prec = str(hit.get("geocode_precisie", "niet_gevonden"))
        geom = hit.get("geometry")
        if prec not in precisies or geom is None or shapely.is_empty(geom):
            found = {"pc4": "alleen het postcodegebied is gevonden; dat is te grof voor de toets",
                     "niet_gevonden": "de straat of het huisnummer is niet gevonden"}.get(
                prec, f"alleen gevonden met nauwkeurigheid '{prec}'")
            raise GeocodeError(
                f"adres {text!r} niet gevonden: {found} (geaccepteerd: {', '.join(precisies)}). "
                "Controleer de schrijfwijze (straatnaam voluit, huisnummer) of geef de locatie op "
                "met --punt LON,LAT."
            )
        point = shapely.Point(shapely.get_coordinates(geom)[0])  # type: ignore[arg-type]
        info = {"invoer": text, "straat_huisnummer": street, "postcode": postcode, "plaats": plaats,
                "label": str(hit.get("geocode_label") or street) + (f", {plaats}" if plaats else ""),
                "geocode_methode": hit.get("geocode_methode"), "geocode_precisie": prec,
                "precisie_tekst": PRECISION_TEXT.get(prec, prec),
                "geocode_afstand_m": _num(hit.get("geocode_afstand_m"))}
        if plaats and plaats.strip().lower() != naam.lower():
            info["opmerking_plaats"] = (f"plaats '{plaats}' is niet de gemeentenaam; de offline geocoder "
                                        "zoekt op straat en huisnummer binnen het kaartgebied")
        if not shape.contains(point):
            raise ToetsError(f"adres {text!r} is gevonden ({info['label']}), maar ligt buiten de gemeente "
                             f"{naam}; de toets is alleen voor locaties binnen de gemeente.")
    lon, lat = to_ll.transform(point.x, point.y)
    info.update({"x_rd": round(point.x, 2), "y_rd": round(point.y, 2), "lon": round(lon, 6),
                 "lat": round(lat, 6), "gemeente": naam})
    return point, info


def _norm_type(value: object, types: Mapping[str, ZorgType]) -> str | None:
    """The type key of a register value (key or label, any case/spaces); None when unknown."""
    if not _present(value):
        return None
    text = re.sub(r"[\s\-/]+", "_", str(value).strip().lower())
    for key, t in types.items():
        if text == key or text == re.sub(r"[\s\-/]+", "_", t.label.lower()):
            return key
    return None


def read_register(
    path: str | Path, *, settings: ToetsSettings, geocode: Geocode
) -> tuple[gpd.GeoDataFrame, list[dict[str, Any]], list[str]]:
    """Read and geocode the planner's register of existing care initiatives.

    Parameters
    ----------
    path
        CSV with (by default) the columns ``naam``, ``adres``, ``postcode`` (optional) and ``type``.
    settings
        Toets settings (column names, accepted precisions, known types).
    geocode
        ``(address, postcode) -> dict`` such as :meth:`.OfflineGeocoder.geocode_one`.

    Returns
    -------
    GeoDataFrame, list, list
        The placed rows (EPSG:28992; ``naam``, ``adres``, ``type``, ``type_invoer``, ``bron``,
        ``geocode_precisie``, ``regel``), the rows that could not be placed (with ``reden``), and
        messages (unknown types).
    """
    from ..sources.geocode import geocode_table
    from ..sources.tables import read_csv_checked

    r = settings.register
    table = read_csv_checked(path, what="register van zorginitiatieven", columns=[r.kolom_adres, r.kolom_type])
    table = table.reset_index(drop=True)
    table.index = pd.RangeIndex(2, len(table) + 2, name="regel")  # line number in the file
    names = table[r.kolom_naam] if r.kolom_naam in table else table[r.kolom_adres]
    addr = table[r.kolom_adres].astype(str).str.strip()
    split = addr.map(split_adres)
    postcodes = []
    for i in table.index:
        pc = str(table.at[i, r.kolom_postcode]).strip() if r.kolom_postcode in table else ""
        postcodes.append(pc or split[i][1])
    work = pd.DataFrame({"_adres": split.map(lambda t: t[0]), "_postcode": postcodes}, index=table.index)
    gdf = geocode_table(work, geocode=geocode, address_col="_adres", postcode_col="_postcode", source=str(path))
    messages: list[str] = []
    placed_rows: list[dict[str, Any]] = []
    missing: list[dict[str, Any]] = []
    for i in table.index:
        naam = str(names.at[i]).strip() or str(addr.at[i])
        raw_type = table.at[i, r.kolom_type]
        key = _norm_type(raw_type, settings.types)
        if key is None:
            messages.append(f"register regel {i}: type {str(raw_type)!r} onbekend; telt alleen mee bij 'elk type' "
                            f"(bekende typen: {', '.join(settings.types)})")
        prec = str(gdf.at[i, "geocode_precisie"])
        geom = gdf.geometry.at[i]
        row = {"regel": int(i), "naam": naam, "adres": str(addr.at[i]), "type": key or "",
               "type_invoer": str(raw_type), "geocode_precisie": prec}
        if not addr.at[i]:
            missing.append({**row, "reden": "geen adres ingevuld"})
        elif prec not in r.precisies or geom is None or shapely.is_empty(geom):
            reason = {"pc4": "alleen het postcodegebied gevonden (te grof)",
                      "niet_gevonden": "adres niet gevonden"}.get(prec, f"nauwkeurigheid {prec} te grof")
            missing.append({**row, "reden": reason})
        else:
            placed_rows.append({**row, "bron": "register", "geometry": geom})
    if missing:
        log.warning("register %s: %d rij(en) niet geplaatst", path, len(missing))
    cols = ["regel", "naam", "adres", "type", "type_invoer", "geocode_precisie", "bron"]
    frame = pd.DataFrame(placed_rows, columns=[*cols, "geometry"])
    placed = gpd.GeoDataFrame(frame[cols], geometry=gpd.GeoSeries(list(frame["geometry"]), crs=RD_NEW,
                                                                 index=frame.index))
    return placed, missing, messages


def _initiatives(
    analysis: Any, register: gpd.GeoDataFrame | None, settings: ToetsSettings
) -> gpd.GeoDataFrame:
    """Register rows plus OSM care locations (category ``woonzorg``), merged where they coincide."""
    vz = analysis.inputs.voorzieningen
    osm = vz.loc[vz["categorie"] == "woonzorg"] if len(vz) else vz
    osm_rows = gpd.GeoDataFrame(
        {"regel": None, "naam": osm["naam"].fillna("(naamloos)").astype(str).to_numpy() if len(osm) else [],
         "adres": "", "type": settings.register.osm_type, "type_invoer": "OSM: woonzorglocatie",
         "geocode_precisie": "punt", "bron": "osm"},
        geometry=osm.geometry.to_numpy() if len(osm) else [], crs=RD_NEW,
    )
    if register is None or register.empty:
        out = osm_rows
    else:
        reg = register.copy()
        keep = np.ones(len(osm_rows), dtype=bool)
        if len(osm_rows):
            for j, geom in enumerate(osm_rows.geometry):
                d = reg.distance(geom)
                if len(d) and d.min() <= settings.register.samenvoegen_m:
                    k = d.idxmin()
                    reg.at[k, "bron"] = "register;osm"
                    keep[j] = False
        out = pd.concat([reg, osm_rows.loc[keep]], ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs=RD_NEW)
    out["type_label"] = [settings.types[t].label if t in settings.types else "type onbekend" for t in out["type"]]
    return out


