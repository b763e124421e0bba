"""Where the initiative lies, and the existing initiatives from a register and OSM."""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import GeocodeError, ToetsError
from woonzorg_geo.toets.model import split_address
from woonzorg_geo.toets.places import Places, municipality_places, place_key
from woonzorg_geo.toets.records import RegisterRow, SiteInfo, UnplacedRow
from woonzorg_geo.toets.settings import PRECISE, PRECISION_TEXT, CareType, Geocode, ToetsSettings
from woonzorg_geo.toets.streets import StreetMatch, street_match, street_names, with_street
from woonzorg_geo.toets.values import as_float, is_present

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Locating the site and the register
# --------------------------------------------------------------------------------------------


def offline_geocoder(inputs: Any) -> Geocode:
    """The offline geocoder of a run's inputs: OSM streets and house numbers, plus PC4 centroids.

    ``inputs`` may also be an analysis (its ``inputs`` are used).
    """
    from woonzorg_geo.sources.address_lists import offline_geocoder as build

    inputs = getattr(inputs, "inputs", inputs)
    paths = getattr(inputs, "paths", {}) or {}
    p = paths.get("pc4")
    return build(inputs.osm, pc4_path=Path(p) if p is not None else None)


@functools.lru_cache(maxsize=4)
def _transformer(source: str, target: str) -> Transformer:
    """A lon/lat-ordered transformer, built once (building one costs 20 ms)."""
    return Transformer.from_crs(source, target, always_xy=True)


def _digits(code: object) -> str:
    return re.sub(r"\D", "", str(code or ""))


#: What the messages of :func:`locate_site` say: why the location must lie in the gemeente, and
#: the option that gives a location as a point (the toets's wording; ``watals`` has its own).
TOETS_SCOPE = "de toets is alleen voor locaties binnen de gemeente"
TOETS_POINT_OPTION = "--punt LON,LAT"


def _fix_hint(naam: str, point_option: str = TOETS_POINT_OPTION) -> str:
    return f'Geef een adres in de gemeente {naam} op ("Straat huisnummer, Plaats"), of de locatie met {point_option}.'


def locate_site(
    inputs: Any,
    *,
    adres: str | None,
    punt: tuple[float, float] | None,
    geocode: Geocode,
    settings: ToetsSettings,
    places: Places | None = None,
    scope: str = TOETS_SCOPE,
    point_option: str = TOETS_POINT_OPTION,
) -> tuple[shapely.Point, SiteInfo]:
    """The site as an RD point and a description; raises on bad input or a location outside.

    Parameters
    ----------
    inputs
        The inputs of a run (``gemeente``, ``wijken``, ``buurten``, ``paths``), or an analysis.
    adres, punt
        Exactly one: ``'Straat huisnummer, Plaats'`` (optionally a postcode after the comma),
        or ``(lon, lat)`` in WGS84.
    geocode
        ``(address, postcode) -> dict`` (offline or PDOK Locatieserver); called with
        ``'Straat huisnummer, Plaats'``.
    settings
        Toets settings (accepted precisions, place margin and classes).
    places
        The places of the gemeente; default :func:`.municipality_places` of ``inputs``.
    scope, point_option
        Why the location must lie in the gemeente, and the option that gives a point, as the
        messages say them (default: the toets's; ``watals`` passes its own).

    Raises
    ------
    ToetsError
        No or two locations; a point or address outside the gemeente; a place that is not in the
        gemeente, or an address found away from the place it names.
    GeocodeError
        The address was not found precisely enough.
    """
    inputs = getattr(inputs, "inputs", inputs)
    if (adres is None) == (punt is None):
        raise ToetsError('geef óf een adres (--adres "Straat 1, Plaats") óf een punt (--punt LON,LAT) op')
    pl = places or municipality_places(inputs, osm_classes=settings.locatie.plaats_klassen)
    naam, shape = pl.gemeente, pl.shape
    to_rd = _transformer(WGS84, RD_NEW)
    to_ll = _transformer(RD_NEW, WGS84)
    info: SiteInfo
    if punt is not None:
        try:
            lon, lat = (float(punt[0]), float(punt[1]))
        except (TypeError, ValueError, IndexError):
            raise ToetsError(f"punt {punt!r} is geen paar getallen (lengtegraad, breedtegraad)") from None
        if not (np.isfinite(lon) and np.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
            raise ToetsError(
                f"punt ({fmt.compact(lon, 2)}; {fmt.compact(lat, 2)}) is geen geldige WGS84-coördinaat (lengtegraad, breedtegraad)"
            )
        x, y = to_rd.transform(lon, lat)
        point = shapely.Point(x, y)
        info = {
            "invoer": f"punt lengtegraad {fmt.number(lon, 6)}, breedtegraad {fmt.number(lat, 6)}",
            "label": f"punt {fmt.number(lon, 5)}; {fmt.number(lat, 5)}",
            "geocode_methode": "punt",
            "geocode_precisie": "punt",
            "precisie_tekst": PRECISION_TEXT["punt"],
            "geocode_afstand_m": None,
        }
        if not shape.contains(point):
            hint = ""
            sx, sy = to_rd.transform(lat, lon)
            if -90 <= lon <= 90 and shape.contains(shapely.Point(sx, sy)):
                hint = (
                    " Lengte- en breedtegraad lijken verwisseld: geef eerst de lengtegraad (LON), "
                    "dan de breedtegraad (LAT)."
                )
            near = pl.nearby(point)
            raise ToetsError(
                f"het punt ({fmt.number(lon, 5)}; {fmt.number(lat, 5)}) ligt buiten de gemeente {naam}"
                + (f", {near}" if near else "")
                + f"; {scope}.{hint} {_fix_hint(naam, point_option)}"
            )
    else:
        text = str(adres).strip()
        street, postcode, plaats = split_address(text)
        if not street:
            raise ToetsError("leeg adres; geef 'Straat huisnummer, Plaats' op")
        hit = dict(geocode(street + (f", {plaats}" if plaats else ""), postcode))
        prec = str(hit.get("geocode_precisie", "niet_gevonden"))
        geom = hit.get("geometry")
        found_ok = prec in settings.locatie.precisies and geom is not None and not shapely.is_empty(geom)
        fuzzy = None
        if not found_ok:  # a misspelt street? use a clearly meant name (and say so), or suggest names
            fuzzy, hit = _fuzzy_street(
                inputs, pl, text, street, plaats, postcode, geocode, settings, hit, point_option=point_option
            )
            prec = str(hit.get("geocode_precisie", "niet_gevonden"))
            geom = hit.get("geometry")
            found_ok = prec in settings.locatie.precisies and geom is not None and not shapely.is_empty(geom)
        point = shapely.Point(shapely.get_coordinates(geom)[0]) if found_ok else None
        label = str(hit.get("geocode_label") or street)
        _check_place(
            text, plaats, point, label, hit, pl, settings.locatie.plaats_marge_m, scope=scope, point_option=point_option
        )
        if point is None:
            found = {
                "pc4": "alleen het postcodegebied is gevonden; dat is te grof voor de toets",
                "niet_gevonden": "de straat of het huisnummer is niet gevonden",
            }.get(prec, f"alleen gevonden met nauwkeurigheid '{prec}'")
            raise GeocodeError(
                f"adres {text!r} niet gevonden: {found} (geaccepteerd: {', '.join(settings.locatie.precisies)}). "
                "Controleer de schrijfwijze (straatnaam voluit, huisnummer) of geef de locatie op "
                f"met {point_option}."
            )
        info = {
            "invoer": text,
            "straat_huisnummer": street if fuzzy is None else with_street(street, str(fuzzy.straat)),
            "postcode": postcode,
            "plaats": plaats,
            "label": label + (f", {plaats}" if plaats else ""),
            "geocode_methode": hit.get("geocode_methode"),
            "geocode_precisie": prec,
            "precisie_tekst": PRECISION_TEXT.get(prec, prec),
            "geocode_afstand_m": as_float(hit.get("geocode_afstand_m")),
        }
        if fuzzy is not None:
            info["straat_gezocht"] = fuzzy.gezocht
            info["straat_gebruikt"] = fuzzy.straat
            info["straat_gelijkenis"] = fuzzy.score
            info["precisie_tekst"] = (
                f"{info['precisie_tekst']}; straatnaam gecorrigeerd: '{fuzzy.gezocht}' bestaat niet, "
                f"gerekend met '{fuzzy.straat}' (gelijkenis {fmt.number(fuzzy.score, 0)}%)"
            )
        if not plaats:
            info["opmerking_plaats"] = (
                "geen plaats opgegeven: het adres is gezocht op straat en huisnummer; "
                "controleer de gevonden buurt en wijk"
            )
    lon, lat = to_ll.transform(point.x, point.y)
    info["waarschuwing"] = precision_warning(info)
    if info.get("straat_gebruikt"):
        fix = (
            f"Let op: de straat '{info['straat_gezocht']}' bestaat niet in de adressen; de toets is gedaan voor "
            f"'{info['straat_gebruikt']}' (gelijkenis {fmt.number(info['straat_gelijkenis'], 0)}%). Klopt dat niet, "
            "geef dan het adres opnieuw."
        )
        info["waarschuwing"] = fix + (f" {info['waarschuwing']}" if info["waarschuwing"] else "")
    info.update(
        {
            "x_rd": round(point.x, 2),
            "y_rd": round(point.y, 2),
            "lon": round(lon, 6),
            "lat": round(lat, 6),
            "gemeente": naam,
        }
    )
    return point, info


def _fuzzy_street(
    inputs: Any,
    pl: Places,
    text: str,
    street: str,
    plaats: str | None,
    postcode: str | None,
    geocode: Geocode,
    settings: ToetsSettings,
    hit: dict[str, Any],
    point_option: str = TOETS_POINT_OPTION,
) -> tuple[StreetMatch | None, dict[str, Any]]:
    """For an address not found: geocode it with the clearly meant street name, or suggest names.

    Returns the match used (None: the street exists or has no close name) and the hit.

    Raises
    ------
    GeocodeError
        The street does not exist and several names are alike: "Bedoelde u ...?".
    """
    loc = settings.locatie
    names = street_names(inputs, pl.shape)
    m = street_match(
        street, names, accept=loc.straat_gelijk_min, lead=loc.straat_voorsprong, suggest=loc.straat_suggestie_min
    )
    if m is None or m.exact or not m.suggesties:
        return None, hit
    if m.straat is not None:
        again = dict(geocode(with_street(street, m.straat) + (f", {plaats}" if plaats else ""), postcode))
        if again.get("geometry") is not None:
            return m, again
    options = [f"'{with_street(street, n)}'" for n, _ in m.suggesties]
    joined = options[0] if len(options) == 1 else ", ".join(options[:-1]) + " of " + options[-1]
    raise GeocodeError(
        f"adres {text!r} niet gevonden: de straat '{m.gezocht}' staat niet in de adressen van de gemeente "
        f"{pl.gemeente}. Bedoelde u {joined}? Geef het adres opnieuw met de juiste straatnaam, of de "
        f"locatie met {point_option}."
    )


def precision_warning(loc: Mapping[str, Any]) -> str | None:
    """The warning a verdict carries when its site was placed less precisely than an address or point.

    ``loc`` is the location description of :func:`locate_site`; ``None`` at address or point precision.
    """
    prec = str(loc.get("geocode_precisie") or "niet_gevonden")
    if prec in PRECISE:
        return None
    return (
        f"Let op: de locatie is niet op adresniveau gevonden maar op niveau '{prec}' "
        "(zie de nauwkeurigheid); het oordeel geldt voor dat punt en kan voor het bedoelde adres "
        "anders uitvallen. Geef het huisnummer zoals het in de adressen staat, of de locatie met --punt LON,LAT."
    )


def _check_place(
    text: str,
    plaats: str | None,
    point: shapely.Point | None,
    label: str,
    hit: Mapping[str, object],
    pl: Places,
    margin_m: float,
    *,
    scope: str = TOETS_SCOPE,
    point_option: str = TOETS_POINT_OPTION,
) -> None:
    """Refuse an address whose place, or whose hit, lies outside the gemeente or away from its place."""
    naam = pl.gemeente
    where_found = ""
    if point is not None:
        inside = pl.shape.contains(point)
        near = pl.area_of(point) if inside else pl.nearby(point)
        where_found = f"gevonden als {label}" + (f" ({near})" if near else "")
    woonplaats = str(hit.get("geocode_woonplaats") or "").strip()
    hit_gemeente = str(hit.get("geocode_gemeente") or "").strip()
    hit_code = _digits(hit.get("geocode_gemeentecode"))
    if point is not None and hit_code and hit_code != _digits(pl.gemeentecode):
        found = woonplaats or label
        raise ToetsError(
            f"adres {text!r} is gevonden in {found}"
            + (f" (gemeente {hit_gemeente})" if hit_gemeente else "")
            + f", niet in de gemeente {naam}; {scope}. {_fix_hint(naam, point_option)}"
        )
    if point is not None and not pl.shape.contains(point):
        raise ToetsError(
            f"adres {text!r} is {where_found}"
            + (f" in {woonplaats}" if woonplaats else "")
            + f", buiten de gemeente {naam}; {scope}. {_fix_hint(naam, point_option)}"
        )
    if not plaats or pl.is_municipality(plaats):
        return
    if woonplaats and place_key(woonplaats) == place_key(plaats):
        return  # the online geocoder confirms the place, and the hit lies in the gemeente
    if not pl.knows(plaats):
        found = (
            f" Het adres is wel {where_found} in de gemeente {naam}, maar dat is niet de opgegeven plaats."
            if point is not None
            else ""
        )
        names = pl.names()
        more = f" en {len(names) - 12} andere (wijken, buurten)" if len(names) > 12 else ""
        raise ToetsError(
            f"plaats {plaats!r} (adres {text!r}) ligt niet in de gemeente {naam}.{found} Plaatsen in de gemeente: "
            f"{', '.join(names[:12])}{more}. {_fix_hint(naam, point_option)}"
        )
    dist = pl.distance_to(plaats, point) if point is not None else None
    if dist is not None and dist > margin_m:
        raise ToetsError(
            f"adres {text!r} is {where_found}, {fmt.number(dist / 1000.0, 1)} km van {plaats} (toegestaan: "
            f"{fmt.number(margin_m / 1000.0, 1)} km, locatie.plaats_marge_m): de straat is niet bij {plaats} gevonden, "
            f"alleen een straat met dezelfde naam elders. Controleer straat en plaats, of geef de locatie met "
            f"{point_option}."
        )


def type_key(value: object, types: Mapping[str, CareType]) -> str | None:
    """The type key of a value as a register or list gives it; None when unknown.

    Parameters
    ----------
    value
        A key or label of ``[types]`` in any case, with spaces, ``-`` or ``/`` for ``_``.
    types
        The types of the toets settings.

    Returns
    -------
    str or None
    """
    if not is_present(value):
        return None
    text = re.sub(r"[\s\-/]+", "_", str(value).strip().lower())
    for key, t in types.items():
        if text == key or text == re.sub(r"[\s\-/]+", "_", t.label.lower()):
            return key
    return None


def read_register(
    path: str | Path, *, settings: ToetsSettings, geocode: Geocode, places: Places | None = None
) -> tuple[gpd.GeoDataFrame, list[UnplacedRow], list[str]]:
    """Read and geocode the planner's register of existing care initiatives.

    Parameters
    ----------
    path
        CSV with (by default) the columns ``naam``, ``adres``, ``postcode`` (optional) and ``type``.
    settings
        Toets settings (column names, accepted precisions, known types).
    geocode
        ``(address, postcode) -> dict`` such as :meth:`.OfflineGeocoder.geocode_one`.
    places
        The places of the gemeente: a row whose place contradicts where it was found is not
        placed (for example a place outside the gemeente found on a street inside it).

    Returns
    -------
    GeoDataFrame, list, list
        The placed rows (EPSG:28992; ``naam``, ``adres``, ``type``, ``type_invoer``, ``bron``,
        ``geocode_precisie``, ``regel``), the rows that could not be placed (with ``reden``), and
        messages (unknown types).
    """
    from woonzorg_geo.sources.geocode import geocode_table
    from woonzorg_geo.sources.tables import read_csv_checked

    r = settings.register
    table = read_csv_checked(path, what="register van zorginitiatieven", columns=[r.kolom_adres, r.kolom_type])
    table = table.reset_index(drop=True)
    table.index = pd.RangeIndex(2, len(table) + 2, name="regel")  # line number in the file
    cols = ["regel", "naam", "adres", "type", "type_invoer", "geocode_precisie", "bron"]
    if table.empty:
        log.warning("register %s: geen rijen", path)
        return gpd.GeoDataFrame(columns=cols, geometry=gpd.GeoSeries([], crs=RD_NEW)), [], []
    names = table[r.kolom_naam] if r.kolom_naam in table else table[r.kolom_adres]
    addr = table[r.kolom_adres].astype(str).str.strip()
    split = addr.map(split_address)
    postcodes = []
    for i in table.index:
        pc = str(table.at[i, r.kolom_postcode]).strip() if r.kolom_postcode in table else ""
        postcodes.append(pc or split[i][1])
    work = pd.DataFrame(
        {"_adres": split.map(lambda t: t[0] + (f", {t[2]}" if t[2] else "")), "_postcode": postcodes}, index=table.index
    )
    gdf = geocode_table(work, geocode=geocode, address_col="_adres", postcode_col="_postcode", source=str(path))
    messages: list[str] = []
    placed_rows: list[dict[str, Any]] = []
    missing: list[UnplacedRow] = []
    for i in table.index:
        naam = str(names.at[i]).strip() or str(addr.at[i])
        raw_type = table.at[i, r.kolom_type]
        key = type_key(raw_type, settings.types)
        if key is None:
            messages.append(
                f"register regel {i}: type {str(raw_type)!r} onbekend; telt alleen mee bij 'elk type' "
                f"(bekende typen: {', '.join(settings.types)})"
            )
        prec = str(gdf.at[i, "geocode_precisie"])
        geom = gdf.geometry.at[i]
        row: RegisterRow = {
            "regel": int(i),
            "naam": naam,
            "adres": str(addr.at[i]),
            "type": key or "",
            "type_invoer": str(raw_type),
            "geocode_precisie": prec,
        }
        if not addr.at[i]:
            missing.append({**row, "reden": "geen adres ingevuld"})
        elif prec not in r.precisies or geom is None or shapely.is_empty(geom):
            reason = {
                "pc4": "alleen het postcodegebied gevonden (te grof)",
                "niet_gevonden": "adres niet gevonden",
            }.get(prec, f"nauwkeurigheid {prec} te grof")
            missing.append({**row, "reden": reason})
        else:
            conflict = (
                None
                if places is None
                else _register_place_problem(split[i][2], geom, gdf.loc[i], places, settings.locatie.plaats_marge_m)
            )
            if conflict:
                missing.append({**row, "reden": conflict})
            else:
                placed_rows.append({**row, "bron": "register", "geometry": geom})
    if missing:
        log.warning("register %s: %d rij(en) niet geplaatst", path, len(missing))
    frame = pd.DataFrame(placed_rows, columns=[*cols, "geometry"])
    placed = gpd.GeoDataFrame(
        frame[cols], geometry=gpd.GeoSeries(list(frame["geometry"]), crs=RD_NEW, index=frame.index)
    )
    return placed, missing, messages


def _register_place_problem(
    plaats: str | None, geom: shapely.Geometry, hit: Mapping[str, object], pl: Places, margin_m: float
) -> str | None:
    """Why a register row's place contradicts where it was found; None when it does not."""
    if not plaats:
        return None
    woonplaats = str(hit.get("geocode_woonplaats") or "").strip()
    if woonplaats:
        if place_key(woonplaats) != place_key(plaats):
            return f"gevonden in {woonplaats}, niet in {plaats}"
        return None
    inside = pl.shape.contains(geom)
    if pl.is_municipality(plaats):
        return None if inside else f"gevonden buiten de gemeente {pl.gemeente}, terwijl de plaats {plaats} is"
    if not pl.knows(plaats):
        # a place outside the gemeente: the offline geocoder must not have put it on a street inside
        return (
            (
                f"plaats {plaats} ligt niet in de gemeente {pl.gemeente}, maar het adres is op een straat in de "
                "gemeente gevonden (zelfde straatnaam)"
            )
            if inside
            else None
        )
    dist = pl.distance_to(plaats, geom)
    if dist is not None and dist > margin_m:
        return f"gevonden {fmt.number(dist / 1000.0, 1)} km van {plaats} (zelfde straatnaam elders)"
    return None


def initiatives_frame(
    analysis: Analysis, register: gpd.GeoDataFrame | None, settings: ToetsSettings
) -> gpd.GeoDataFrame:
    """The existing initiatives: register rows plus OSM care locations, merged where they coincide.

    Parameters
    ----------
    analysis
        The run (its voorzieningen of category ``register.osm_categorie`` are OSM's care locations).
    register
        The register's placed rows (:func:`read_register`), or None.
    settings
        The toets settings.

    Returns
    -------
    geopandas.GeoDataFrame
        Every initiative (EPSG:28992) with ``naam``, ``adres``, ``type``, ``type_label``, ``bron``.
    """
    vz = analysis.inputs.voorzieningen
    osm = vz.loc[vz["categorie"] == settings.register.osm_categorie] if len(vz) else vz
    osm_rows = gpd.GeoDataFrame(
        {
            "regel": None,
            "naam": osm["naam"].fillna("(naamloos)").astype(str).to_numpy() if len(osm) else [],
            "adres": "",
            "type": settings.register.osm_type,
            "type_invoer": "OSM: woonzorglocatie",
            "geocode_precisie": "punt",
            "bron": "osm",
        },
        geometry=osm.geometry.to_numpy() if len(osm) else [],
        crs=RD_NEW,
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
