"""The inputs of a run: the data catalogue, loading every source for one gemeente, and the inventory."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.errors import DataFileError, MissingDataError
from woonzorg_geo.core.raw_data import find_raw_dir
from woonzorg_geo.core.settings_checks import validate_settings
from woonzorg_geo.core.settings_loader import load_category_rules
from woonzorg_geo.core.validate import check_points_near
from woonzorg_geo.sources import cbs, gtfs, independent_lists
from woonzorg_geo.sources.address_lists import check_address_list, geocode_huisartsen, offline_geocoder, place_keys
from woonzorg_geo.sources.homes import HOME_LAYERS
from woonzorg_geo.sources.osm import OSMData, clip, from_tiles, named_places
from woonzorg_geo.sources.outlines import Outlines, load_outlines
from woonzorg_geo.sources.tables import read_csv_checked
from woonzorg_geo.sources.tile_checks import check_coverage
from woonzorg_geo.sources.voorzieningen import build_voorzieningen, parse_rules

log = logging.getLogger(__name__)

#: What is known about each offline dataset: Dutch description, source, date and licence.
CATALOGUE: dict[str, dict[str, str]] = {
    "gemeentegrens": {
        "omschrijving": "Gemeentegrens",
        "bron": "PDOK Bestuurlijke Gebieden (Kadaster)",
        "datum": "2026-02",
        "licentie": "CC0",
    },
    "buurten": {
        "omschrijving": "CBS-buurten (gegeneraliseerd, 1 m-raster)",
        "bron": "CBS / PDOK gebiedsindelingen via cartomap",
        "datum": "2024",
        "licentie": "CC BY 4.0",
    },
    "wijken": {
        "omschrijving": "CBS-wijken (namen; de vorm volgt uit de buurten)",
        "bron": "CBS / PDOK gebiedsindelingen via cartomap",
        "datum": "2024",
        "licentie": "CC BY 4.0",
    },
    "kerncijfers": {
        "omschrijving": "CBS Kerncijfers wijken en buurten",
        "bron": "CBS StatLine 85984NED",
        "datum": "2024",
        "licentie": "CC BY 4.0",
    },
    "osm_tiles": {
        "omschrijving": "OpenStreetMap (vector tiles, OpenMapTiles)",
        "bron": "© OpenStreetMap contributors via tilemaker",
        "datum": "2021-08",
        "licentie": "ODbL 1.0",
    },
    "gtfs_stops": {
        "omschrijving": "Bushaltes (GTFS stops.txt)",
        "bron": "OVapi GTFS",
        "datum": "2015-07",
        "licentie": "open data (NDOV)",
    },
    "treinstations": {
        "omschrijving": "Treinstations (CHB)",
        "bron": "DOVA Centraal Haltebestand",
        "datum": "2026-02",
        "licentie": "open data",
    },
    "huisartsen": {
        "omschrijving": "Huisartsenpraktijken (adressen)",
        "bron": "ZorgKaart Nederland (scrape)",
        "datum": "2026-03",
        "licentie": "geen; alleen voor analyse",
    },
    "apotheken": {
        "omschrijving": "Openbare apotheken (IGJ-register van gevestigde apothekers, adressen)",
        "bron": "IGJ via github.com/mvbloois/aporeg",
        "datum": "2026-01",
        "licentie": "geen vermeld; openbaar overheidsregister",
    },
    "supermarkten_ketens": {
        "omschrijving": "Albert Heijn- en ALDI-winkels (alleen ter controle van OSM)",
        "bron": "All The Places via ModelEarth/places-data",
        "datum": "2021-12",
        "licentie": "geen vermeld (All The Places: CC0, niet geverifieerd)",
    },
    "pc4": {
        "omschrijving": "PC4-middelpunten",
        "bron": "Postcodetabel (drikusroor)",
        "datum": "ca. 2016",
        "licentie": "MIT (herkomst onbekend)",
    },
}


#: Datasets a run cannot do without: the settings must name them.
REQUIRED_DATASETS = ("gemeentegrens", "buurten", "wijken", "osm_tiles")
#: Datasets read only when their file is there (the PC4 centroids: the offline geocoder's last
#: resort). Every other dataset the settings name must exist, else the run stops: a bus-stop file
#: that is quietly skipped would give a plausible "0 % near OV".
OPTIONAL_FILES = frozenset({"pc4"})


@dataclass
class Inputs:
    """All inputs of one run, in EPSG:28992; the store keeps the fields by name (``invoer_<field>``), so the
    Dutch names (``apotheken``, ``supermarkten_ketens``, ``volledigheid``) are ``opslag.json``'s and stay."""

    gemeente: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    kerncijfers: pd.DataFrame
    osm: OSMData
    gtfs_stops: gpd.GeoDataFrame | None
    stations: gpd.GeoDataFrame | None
    huisartsen: gpd.GeoDataFrame | None
    voorzieningen: gpd.GeoDataFrame
    paths: dict[str, Path] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    #: named OSM places (every class), when read already (the store keeps them); else read from the tiles
    osm_places: gpd.GeoDataFrame | None = None
    #: the gemeente's outlines besides its buurten (see :mod:`.sources.outlines`); None: only the gemeente shape
    outlines: Outlines | None = None
    #: the geocoded IGJ pharmacies near the gemeente ([data] apotheken), when configured
    apotheken: gpd.GeoDataFrame | None = None
    #: the AH/ALDI chain stores inside the gemeente ([data] supermarkten_ketens), when configured
    supermarkten_ketens: gpd.GeoDataFrame | None = None
    #: completeness of OSM against the independent lists (:func:`.sources.independent_lists.completeness`)
    volledigheid: pd.DataFrame | None = None


def resolve_paths(settings: Settings, *, raw_dir: Path | None = None) -> dict[str, Path]:
    """The path of every catalogued dataset (relative entries are taken from ``raw_dir``)."""
    base = raw_dir or find_raw_dir(settings)
    paths = {}
    for key in CATALOGUE:
        value = getattr(settings.data, key)
        if value:
            p = Path(value).expanduser()
            paths[key] = p if p.is_absolute() else base / p
    return paths


def missing_files(paths: dict[str, Path]) -> dict[str, Path]:
    """The named datasets whose file or folder does not exist (optional ones left out)."""
    return {k: p for k, p in paths.items() if k not in OPTIONAL_FILES and not p.exists()}


def require_files(paths: dict[str, Path], *, raw_dir: Path) -> None:
    """The raw data folder and every named dataset must exist; one error lists all that are missing.

    Raises
    ------
    MissingDataError
        Naming the raw data folder and each missing dataset with its path.
    """
    if not raw_dir.is_dir():
        raise MissingDataError(
            raw_dir,
            "geef met --data een bestaande map met ruwe gegevens, of laad van internet met --online",
            problem="map met ruwe gegevens bestaat niet",
        )
    missing = missing_files(paths)
    if not missing:
        return

    def shown(p: Path) -> str:
        return str(p.relative_to(raw_dir)) if p.is_relative_to(raw_dir) else str(p)

    listed = "; ".join(f"{key} ({shown(p)})" for key, p in missing.items())
    raise MissingDataError(
        raw_dir,
        problem=f"{len(missing)} nodige gegevensbestand(en) ontbreken in deze map: {listed}",
        fix="zet de ontbrekende bestanden in deze map, wijs met --data naar de map met de ruwe gegevens, of "
        "laad alles van internet (PDOK en OpenStreetMap) met --online",
    )


def _bbox_lonlat(area: gpd.GeoDataFrame, *, margin_m: float) -> tuple[float, float, float, float]:
    box = area.to_crs(RD_NEW).union_all().buffer(margin_m).envelope
    x0, y0, x1, y1 = gpd.GeoSeries([box], crs=RD_NEW).to_crs(WGS84).total_bounds
    return (float(x0), float(y0), float(x1), float(y1))


def check_areas_overlap(
    gemeente: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame, *, paths: dict[str, Path], min_share: float = 0.5
) -> None:
    """The gemeentegrens and the buurten must describe the same place.

    Both come from different files; one shifted, in another CRS or of another gemeente would put
    the addresses in no buurt or no addresses in the gemeente. Generalised buurten cover their
    gemeente for ~97 % (Assen 2024), so half is a safe floor.

    Raises
    ------
    DataFileError
        Naming both files, when less than ``min_share`` of the gemeente is covered by its buurten.
    """
    g = gemeente.to_crs(RD_NEW).union_all()
    b = buurten.to_crs(RD_NEW).union_all()
    share = g.intersection(b).area / g.area if g.area > 0 else 0.0
    if share < min_share:
        raise DataFileError(
            paths.get("gemeentegrens", "<gemeentegrens>"),
            f"de gemeentegrens en de buurten ({paths.get('buurten', '<buurten>')}) overlappen maar voor "
            f"{fmt.percent(100 * share, 0)} van de gemeente",
            field="geometry",
            fix="controleer of beide bestanden bij deze gemeente horen en het CRS klopt (verschoven?)",
        )


def check_point_sources(
    settings: Settings,
    area: object,
    sources: list[tuple[str, str, gpd.GeoDataFrame | None]],
    paths: dict[str, Path],
) -> None:
    """Plausibility of every point source: most of it must lie around the gemeente.

    ``sources`` holds ``(catalogue key, Dutch description, points)``; see
    :func:`.core.validate.check_points_near` and ``[plausibiliteit]`` in the settings.
    """
    pl = settings.plausibiliteit
    for key, what, points in sources:
        if points is not None:
            check_points_near(
                points,
                area,
                path=paths.get(key, key),
                what=what,
                max_km=pl.max_afstand_km,
                max_share=pl.max_aandeel_ver,
            )


def load_areas(
    settings: Settings, *, paths: dict[str, Path] | None = None, raw_dir: Path | None = None
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The gemeente, its buurten and its wijken (EPSG:28992), from the files in the settings.

    The gemeente is its gemeentegrens, or with ``data.gemeente_vorm = "buurten"`` the union of
    its buurten (the gemeentegrens is then only compared with them, see :func:`check_areas_overlap`).
    """
    paths = paths if paths is not None else resolve_paths(settings, raw_dir=raw_dir)
    for key in ("gemeentegrens", "buurten", "wijken"):
        if key not in paths:
            raise DataFileError(settings.source, f"geen bestand ingesteld voor {key}", field=f"data.{key}")
    code = settings.gemeente.code
    gemeente = cbs.read_boundary(paths["gemeentegrens"], code=code)
    buurten = cbs.read_areas(paths["buurten"], level="buurt", gemeentecode=code)
    wijken = cbs.wijken_from_buurten(buurten, cbs.read_areas(paths["wijken"], level="wijk", gemeentecode=code))
    check_areas_overlap(gemeente, buurten, paths=paths)
    if settings.data.gemeente_vorm == "buurten":
        log.info(
            "gemeente %s begrensd door de vereniging van haar %d buurten (%s); de gemeentegrens (%s) "
            "diende als controle",
            code,
            len(buurten),
            paths["buurten"],
            paths["gemeentegrens"],
        )
        shape = _fill_slivers(buurten.union_all(), max_m2=settings.plausibiliteit.gat_vullen_m2)
        gemeente = gpd.GeoDataFrame(geometry=[shape], crs=buurten.crs)
    else:
        gemeente = gpd.GeoDataFrame(geometry=[gemeente.union_all()], crs=gemeente.crs)
    gemeente.index = pd.Index([code], name="code")
    gemeente["naam"] = settings.gemeente.naam
    return gemeente, buurten, wijken


def _fill_slivers(shape: shapely.Geometry, *, max_m2: float) -> shapely.Geometry:
    """``shape`` without holes smaller than ``max_m2``: gaps between generalised buurten, not enclaves."""
    polys = []
    filled = 0
    for poly in shapely.get_parts(shape):
        if poly.geom_type != "Polygon":
            continue
        keep = [r for r in poly.interiors if shapely.Polygon(r).area >= max_m2]
        filled += len(poly.interiors) - len(keep)
        polys.append(shapely.Polygon(poly.exterior, keep))
    if not filled:
        return shape
    log.info("%d gat(en) kleiner dan %s tussen de buurten gevuld", filled, fmt.number(max_m2, unit=" m²"))
    return polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys)


def tile_bbox(gemeente: gpd.GeoDataFrame, settings: Settings) -> tuple[float, float, float, float]:
    """The lon/lat box of the tiles a run of this gemeente reads (the gemeente plus the network margin)."""
    return _bbox_lonlat(gemeente, margin_m=settings.netwerk.margin_m)


def run_tile_layers(extra_osm_layers: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The vector-tile layers a run decodes, in one pass: the base layers, ``extra_osm_layers``, the home rules'
    layers and the places (``regio`` fills the shared tile cache with the same layers first)."""
    return tuple(dict.fromkeys(("transportation", "poi", "housenumber", *extra_osm_layers, *HOME_LAYERS, "place")))


def load_offline(
    settings: Settings,
    *,
    raw_dir: Path | None = None,
    categories_path: str | Path | None = None,
    extra_osm_layers: tuple[str, ...] = (),
    progress: bool = False,
    tile_cache: Path | None = None,
) -> Inputs:
    """Load every input of a run from the local files named in the settings.

    Optional sources (GTFS, CHB, GP list, PC4) that are not configured are skipped; required ones
    (gemeentegrens, buurten, wijken, OSM tiles) must be configured. Every configured file must exist
    (except the PC4 centroids): one error lists all that are missing, before anything is read.

    The gemeente is delimited by ``data.gemeente_vorm``: its gemeentegrens, or the union of its
    buurten (when the only gemeentegrens at hand is coarser than the buurten; the gemeentegrens
    is then compared with the buurten as a check). ``tile_cache`` is a folder of decoded vector
    tiles shared by several runs (see :func:`.osm_tiles.read_tiles`).
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    base = raw_dir or find_raw_dir(settings)
    paths = resolve_paths(settings, raw_dir=base)
    for key in REQUIRED_DATASETS:
        if key not in paths:
            raise DataFileError(settings.source, f"geen bestand ingesteld voor {key}", field=f"data.{key}")
    require_files(paths, raw_dir=base)
    gemeente, buurten, wijken = load_areas(settings, paths=paths)
    code = settings.gemeente.code
    kern = pd.DataFrame()
    if "kerncijfers" in paths:
        kern = cbs.read_kerncijfers(paths["kerncijfers"], codes=[code, *wijken.index, *buurten.index])
    if "apotheken" in paths:  # a damaged register stops the run here too
        independent_lists.read_register(paths["apotheken"], settings)
    if "huisartsen" in paths:  # a damaged GP list stops the run here, before the tiles are read
        d = settings.data
        table = read_csv_checked(
            paths["huisartsen"], what="huisartsenlijst", columns=[d.huisartsen_adres, d.huisartsen_naam]
        )
        check_address_list(table, settings, path=paths["huisartsen"])
    timings["cbs"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    margin = settings.netwerk.margin_m
    shape = gemeente.to_crs(RD_NEW).union_all()
    missing = check_coverage(
        paths["osm_tiles"], shape, crs=RD_NEW, margin_m=margin, tolerance_m=settings.plausibiliteit.tegel_rand_m
    )
    if missing:
        log.warning(
            "%d vector tile(s) in de rand van %s rond de gemeente ontbreken (%s%s): het netwerk "
            "reikt daar niet over de grens",
            len(missing),
            fmt.metres(margin),
            ", ".join(missing[:5]),
            " …" if len(missing) > 5 else "",
        )
    osm = from_tiles(
        paths["osm_tiles"],
        bbox_lonlat=_bbox_lonlat(gemeente, margin_m=margin),
        # the home rules' layers and the places (for the toets' place check, kept in the store) are
        # decoded with the rest, in the one pass over the tiles (sources/homes.py, toets/places.py)
        extra_layers=run_tile_layers(extra_osm_layers)[3:],
        progress=progress,
        cache_dir=tile_cache,
    )
    osm_places = named_places(osm.extra["place"])
    if "place" not in extra_osm_layers:
        osm = dataclasses.replace(osm, extra={k: v for k, v in osm.extra.items() if k != "place"})
    osm = clip(osm, gemeente, buffer_m=margin)
    timings["osm"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    stops = gtfs.read_gtfs_stops(paths["gtfs_stops"]) if "gtfs_stops" in paths else None
    stations = gtfs.read_chb_stations(paths["treinstations"]) if "treinstations" in paths else None
    check_point_sources(
        settings, shape, [("gtfs_stops", "de bushaltes", stops), ("treinstations", "de treinstations", stations)], paths
    )
    gps = None
    lists = any(k in paths for k in ("huisartsen", "apotheken", "supermarkten_ketens"))
    geocoder = offline_geocoder(osm, pc4_path=paths.get("pc4")) if lists else None  # one for every list
    if "huisartsen" in paths and geocoder is not None:
        gps = geocode_huisartsen(
            settings,
            paths["huisartsen"],
            geocoder=geocoder,
            area=shape,
            margin_m=margin,
            places=place_keys(settings.gemeente.naam, wijken, buurten),
        )
    places = place_keys(settings.gemeente.naam, wijken, buurten)
    apotheken, ketens = _independent_lists(settings, paths, shape=shape, places=places, geocoder=geocoder)
    parts = Inputs(
        gemeente,
        buurten,
        wijken,
        kern,
        osm,
        stops,
        stations,
        gps,
        voorzieningen=osm.pois.iloc[:0],
        paths=paths,
        timings=timings,
        osm_places=osm_places,
        outlines=load_outlines(settings, paths, raw_dir=base),
        apotheken=apotheken,
        supermarkten_ketens=ketens,
    )
    return with_voorzieningen(
        parts, settings, rules_doc=load_category_rules(categories_path), categories_path=categories_path, started=t0
    )


def _independent_lists(
    settings: Settings,
    paths: dict[str, Path],
    *,
    shape: shapely.Geometry,
    places: Collection[str],
    geocoder: Callable[[str, str | None], dict[str, object]] | None,
) -> tuple[gpd.GeoDataFrame | None, gpd.GeoDataFrame | None]:
    """The geocoded IGJ pharmacies near the gemeente and the chain stores inside it (each ``None`` when not
    configured), placed by the run's offline ``geocoder``."""
    if geocoder is None or ("apotheken" not in paths and "supermarkten_ketens" not in paths):
        return None, None
    apotheken = ketens = None
    if "apotheken" in paths:
        apotheken = independent_lists.geocode_register(
            paths["apotheken"],
            settings,
            geocoder=geocoder,
            area=shape,
            margin_m=settings.netwerk.margin_m,
            places=places,
        )
    if "supermarkten_ketens" in paths:
        ketens = independent_lists.read_chain_stores(paths["supermarkten_ketens"], geocoder=geocoder, area=shape)
    return apotheken, ketens


def source_dates() -> dict[str, str]:
    """The date of each voorzieningen source (``bron`` flag), in Dutch ('aug. 2021'), from :data:`CATALOGUE`."""
    keys = {
        "osm": "osm_tiles",
        "gtfs": "gtfs_stops",
        "chb": "treinstations",
        "huisartsenlijst": "huisartsen",
        "igj": "apotheken",
    }
    return {flag: independent_lists.dutch_date(CATALOGUE[key]["datum"]) for flag, key in keys.items()}


def with_voorzieningen(
    inputs: Inputs,
    settings: Settings,
    *,
    rules_doc: dict[str, Any],
    categories_path: str | Path | None,
    started: float,
) -> Inputs:
    """``inputs`` with the voorzieningen built from its OSM, stops, stations and GP list (the last step of
    :func:`load_offline` and :func:`.sources.online.load_online`); the settings' categories are checked
    against the category rules first, and the lists against OSM (:func:`check_lists_against_osm`)."""
    rules = parse_rules(rules_doc, source=str(categories_path or "standaard"))
    validate_settings(settings, known_categories=rules)
    vz = build_voorzieningen(
        inputs.osm,
        rules=rules,
        gtfs_stops=inputs.gtfs_stops,
        stations=inputs.stations,
        huisartsen=inputs.huisartsen,
        area=inputs.gemeente,
        apotheken=inputs.apotheken,
        apotheekhoudend=independent_lists.dispensing_gps(inputs.huisartsen, settings),
        bron_datum=source_dates(),
    )
    supplied = {
        flag: key
        for flag, key, frame in (
            ("gtfs", "gtfs_stops", inputs.gtfs_stops),
            ("chb", "treinstations", inputs.stations),
            ("huisartsenlijst", "huisartsen", inputs.huisartsen),
            ("igj", "apotheken", inputs.apotheken),
        )
        if frame is not None
    }
    check_lists_against_osm(
        vz, rules, gemeente=inputs.gemeente, supplied=supplied, paths=inputs.paths, settings=settings
    )
    inputs.timings["voorzieningen"] = time.perf_counter() - started
    table = independent_lists.completeness(vz, gemeente=inputs.gemeente, chain_stores=inputs.supermarkten_ketens)
    return dataclasses.replace(inputs, voorzieningen=vz, volledigheid=table)


def check_lists_against_osm(
    voorzieningen: gpd.GeoDataFrame,
    rules: dict[str, Any],
    *,
    gemeente: gpd.GeoDataFrame,
    supplied: dict[str, str],
    paths: dict[str, Path],
    settings: Settings,
) -> None:
    """A category fed by a list must hold, inside the gemeente, a fair share of what OSM maps there.

    Two independent sources of one category (the GP list and the OSM doctors; GTFS stops and OSM
    stops) disagree a lot only when one is broken: a list of another region, or one whose rows no
    longer geocode. ``supplied`` maps the rule flag of each list given (``huisartsenlijst``,
    ``gtfs``, ``chb``) to its catalogue key.

    Raises
    ------
    DataFileError
        Naming the list, when OSM maps at least ``[plausibiliteit] lijst_min_osm`` voorzieningen of
        the category in the gemeente and the list gives fewer than ``lijst_min_deel_van_osm`` of that.
    """
    pl = settings.plausibiliteit
    if voorzieningen.empty or not supplied:
        return
    shape = gemeente.to_crs(RD_NEW).union_all()
    inside = voorzieningen.loc[voorzieningen.within(shape)]
    sources = inside["bron"].fillna("").astype(str).str.split(";")
    for name, rule in rules.items():
        for flag, key in supplied.items():
            if not getattr(rule, flag, False):
                continue
            in_cat = (inside["categorie"] == name).to_numpy()
            osm_n = int(sum(1 for b, c in zip(sources, in_cat, strict=True) if c and "osm" in b))
            list_n = int(sum(1 for b, c in zip(sources, in_cat, strict=True) if c and flag in b))
            if osm_n >= pl.lijst_min_osm and list_n < pl.lijst_min_deel_van_osm * osm_n:
                raise DataFileError(
                    paths.get(key, key),
                    f"de lijst geeft {list_n} {rule.label.lower()}(s) in de gemeente {settings.gemeente.naam}, "
                    f"OpenStreetMap alleen al {osm_n} (nodig: minstens {fmt.percent(100 * pl.lijst_min_deel_van_osm, 0)} daarvan; "
                    "plausibiliteit.lijst_min_deel_van_osm)",
                    fix="controleer of de lijst bij deze gemeente hoort en niet beschadigd is (adressen, postcodes, "
                    "coördinaten); zonder lijst rekenen kan door hem in [data] leeg te laten",
                )


def check_against_previous_run(out_dir: str | Path, inputs: Inputs, settings: Settings) -> None:
    """The voorzieningen per category must not collapse against the previous run in ``out_dir``.

    The previous run is the ``samenvatting.json`` that ``analyse`` wrote in ``out_dir``, when it
    is of the same gemeente; without one (or an unreadable one) there is nothing to compare. A
    category that had at least ``[plausibiliteit] min_aantal_vorige_run`` voorzieningen and lost
    more than ``max_daling_vorige_run`` of them points at a damaged input: the run stops before
    any work, naming the input files of that category.

    Raises
    ------
    DataFileError
        Naming the category's input files, the counts and the previous summary.
    """
    pl = settings.plausibiliteit
    previous_path = Path(out_dir) / "samenvatting.json"
    try:
        previous = json.loads(previous_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return
    if not isinstance(previous, dict):
        return
    gem = previous.get("gemeente")
    before = previous.get("voorzieningen")
    if not isinstance(gem, dict) or gem.get("code") != settings.gemeente.code or not isinstance(before, dict):
        return
    now = inputs.voorzieningen["categorie"].value_counts().to_dict() if len(inputs.voorzieningen) else {}
    rules = parse_rules(load_category_rules(None))
    for cat, old in sorted(before.items()):
        if not isinstance(old, int) or isinstance(old, bool) or old < pl.min_aantal_vorige_run:
            continue
        new = int(now.get(cat, 0))
        if new >= (1.0 - pl.max_daling_vorige_run) * old:
            continue
        rule = rules.get(cat)
        lists = (("gtfs", "gtfs_stops"), ("chb", "treinstations"), ("huisartsenlijst", "huisartsen"))
        keys = [k for flag, k in lists if rule is not None and getattr(rule, flag)]
        if rule is None or rule.omt_subclass or rule.osm_tags or rule.namen:
            keys.append("osm_tiles")
        files = [str(inputs.paths[k]) for k in keys if k in inputs.paths] or ["de invoer"]
        raise DataFileError(
            files[0],
            f"categorie {cat}: nu {new} voorzieningen, in de vorige run in {previous_path} {old} (meer dan "
            f"{fmt.percent(100 * pl.max_daling_vorige_run, 0)} minder; plausibiliteit.max_daling_vorige_run); bron(nen): "
            f"{', '.join(files)}",
            fix="controleer die bestanden (beschadigd, leeggemaakt of van een andere gemeente?); klopt de daling, "
            "schrijf dan naar een nieuwe map met --out (of zet plausibiliteit.max_daling_vorige_run = 1)",
        )
