"""The candidates: built-up grid cells, what each exclusion class removes, and the land shares (room)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.site_settings import SiteSettings
from woonzorg_geo.core.validate import ensure_crs
from woonzorg_geo.network.raster import Grid
from woonzorg_geo.sites.land import (
    ROOM_COLUMNS,
    area_of,
    class_shares,
    covered_parts,
    footprints_meanwhile,
    layer_polygons,
    room_shares,
)

log = logging.getLogger(__name__)


def site_osm_layers(settings: SiteSettings) -> tuple[str, ...]:
    """The OSM tile layers the candidate cells need (besides transportation, poi, housenumber)."""
    layers = {"landuse", "building"}
    for cls in settings.uitsluiten:
        layers |= {layer for layer, _, _ in cls.polygon_layers.values()}
    return tuple(sorted(layers))


def land_shares(
    candidates: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame] | None, *, settings: SiteSettings
) -> pd.DataFrame:
    """Per candidate: the share of each excluded land class, of them together, and the room to build.

    Returns a frame indexed like ``candidates`` with ``aandeel_<klasse>`` and ``aandeel_uitgesloten``
    (0–1; NaN where a needed layer is absent; :func:`class_shares`), ``woonterrein_pct`` (share of
    the candidate on ``settings.woonterrein_landuse``), ``bebouwing_pct`` (share of that residential
    land covered by buildings) and ``ruimte_pct`` (residential land free of buildings and of the
    excluded classes, such as parks, grass and water inside a residential polygon, as a share of the
    candidate; :func:`room_shares`).
    """
    layers = dict(layers or {})
    geoms = candidates.geometry.to_numpy()
    shares, excluded = class_shares(geoms, layers, settings=settings)
    room = room_shares(geoms, excluded, layers, settings=settings)
    return pd.DataFrame({**shares, **room}, index=candidates.index)


def business_park_buurten(
    buurten: gpd.GeoDataFrame, landuse: gpd.GeoDataFrame | None, *, settings: SiteSettings
) -> pd.Series:
    """Why each buurt counts as a bedrijventerrein ('' where it does not): its name or its landuse share."""
    reason = pd.Series("", index=buurten.index, dtype=object)
    if settings.bedrijventerrein_naam and "naam" in buurten:
        hit = buurten["naam"].fillna("").str.contains(settings.bedrijventerrein_naam, case=False, regex=True)
        reason[hit.to_numpy()] = "naam"
    if landuse is not None and settings.bedrijventerrein_landuse:
        polys = layer_polygons({"landuse": landuse}, "landuse", "class", settings.bedrijventerrein_landuse)
        geoms = shapely.make_valid(buurten.geometry.to_numpy())
        share = area_of(covered_parts(geoms, polys)) / shapely.area(geoms)
        by_share = (share >= settings.bedrijventerrein_aandeel) & (reason == "").to_numpy()
        # pandas takes a list for a boolean-mask assignment; pandas-stubs do not
        reason[by_share] = [f"{fmt.percent(100 * s, 0)} bedrijventerrein" for s in share[by_share]]  # type: ignore[call-overload]
    return reason


def shops_of(pois: gpd.GeoDataFrame | None, *, settings: SiteSettings) -> gpd.GeoDataFrame | None:
    """The shops among the points of interest (``settings.winkel_poi_klassen``, or a raw OSM ``shop`` tag)."""
    if pois is None or pois.empty:
        return None
    is_shop = pd.Series(False, index=pois.index)
    if "class" in pois:
        is_shop |= pois["class"].isin(settings.winkel_poi_klassen)
    if "shop" in pois:  # raw OSM tags
        is_shop |= pois["shop"].notna()
    return pois.loc[is_shop] if is_shop.any() else None


def shopping_core_buurten(
    buurten: gpd.GeoDataFrame, pois: gpd.GeoDataFrame | None, *, settings: SiteSettings
) -> pd.Series:
    """Why each buurt counts as the shopping core ('' where it does not): its shops per hectare."""
    reason = pd.Series("", index=buurten.index, dtype=object)
    shops = shops_of(pois, settings=settings)
    if shops is None or settings.winkelkern_winkels_per_ha <= 0:
        return reason
    pts = shapely.get_coordinates(shops.geometry.representative_point().to_numpy())
    geoms = buurten.geometry.to_numpy()
    _, bi = shapely.STRtree(geoms).query(shapely.points(pts), predicate="within")
    density = np.bincount(bi, minlength=len(buurten)) / (shapely.area(geoms) / 1e4)
    hit = density >= settings.winkelkern_winkels_per_ha
    # pandas takes a list for a boolean-mask assignment; pandas-stubs do not
    reason[hit] = [f"{fmt.number(d, 1)} winkels/ha" for d in density[hit]]  # type: ignore[call-overload]
    return reason


def shop_counts(centres: np.ndarray, pois: gpd.GeoDataFrame | None, *, settings: SiteSettings) -> np.ndarray:
    """Number of shops within ``settings.winkelgebied_straal_m`` of each centre (x, y)."""
    shops = shops_of(pois, settings=settings)
    if shops is None:
        return np.zeros(len(centres), dtype=int)
    tree = cKDTree(shapely.get_coordinates(shops.geometry.representative_point().to_numpy()))
    return np.asarray(tree.query_ball_point(centres, r=settings.winkelgebied_straal_m, return_length=True))


def _points_of(
    voorzieningen: pd.DataFrame | None,
    categories: tuple[str, ...],
    pois: gpd.GeoDataFrame | None = None,
    subclasses: tuple[str, ...] = (),
) -> np.ndarray:
    """The (x, y) of the voorzieningen of ``categories`` and the POIs of ``subclasses`` (empty when none)."""
    parts = [np.empty((0, 2))]
    if voorzieningen is not None and len(voorzieningen) and categories and "categorie" in voorzieningen:
        sel = voorzieningen.loc[voorzieningen["categorie"].isin(categories)]
        if len(sel):
            parts.append(shapely.get_coordinates(gpd.GeoSeries(sel.geometry).representative_point().to_numpy()))
    if pois is not None and len(pois) and subclasses:
        mask = pd.Series(False, index=pois.index)
        for col in ("subclass", "amenity"):  # OpenMapTiles subclass, or the raw OSM tag
            if col in pois:
                mask |= pois[col].isin(subclasses)
        if mask.any():
            parts.append(shapely.get_coordinates(pois.loc[mask].geometry.representative_point().to_numpy()))
    return np.concatenate(parts)


def _near(centres: np.ndarray, points: np.ndarray, radius: float) -> np.ndarray:
    """How many ``points`` lie within ``radius`` of each centre."""
    if not len(points) or not len(centres):
        return np.zeros(len(centres), dtype=int)
    return np.asarray(cKDTree(points).query_ball_point(centres, r=radius, return_length=True), dtype=int)


def place_exclusions(
    centres: np.ndarray,
    *,
    settings: SiteSettings,
    pois: gpd.GeoDataFrame | None = None,
    voorzieningen: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per centre (x, y): is it a shopping centre, next to a school, on an existing care location?

    Returns ``winkels_centrum`` (shops within ``winkelcentrum_straal_m``), ``supermarkten_centrum``,
    ``scholen_nabij``, ``zorglocaties_nabij`` and the label of the first rule that holds in
    ``reden`` ('' for none): ``winkelcentrum`` (at least ``winkelcentrum_min_winkels`` shops and a
    supermarket), ``school`` or ``zorglocatie``.
    """
    shops = shops_of(pois, settings=settings)
    shop_xy = (
        np.empty((0, 2)) if shops is None else shapely.get_coordinates(shops.geometry.representative_point().to_numpy())
    )
    out = pd.DataFrame(
        {
            "winkels_centrum": _near(centres, shop_xy, settings.winkelcentrum_straal_m),
            "supermarkten_centrum": _near(
                centres, _points_of(voorzieningen, settings.winkelcentrum_supermarkt), settings.winkelcentrum_straal_m
            ),
            "scholen_nabij": _near(
                centres,
                _points_of(voorzieningen, settings.school_categorieen, pois, settings.school_poi_subklassen),
                settings.school_straal_m,
            ),
            "zorglocaties_nabij": _near(
                centres, _points_of(voorzieningen, settings.zorglocatie_categorieen), settings.zorglocatie_straal_m
            ),
        }
    )
    reason = np.full(len(out), "", dtype=object)
    centre = (out["winkels_centrum"] >= settings.winkelcentrum_min_winkels) & (out["supermarkten_centrum"] > 0)
    reason[centre.to_numpy()] = "winkelcentrum"
    reason[(out["scholen_nabij"] > 0).to_numpy() & (reason == "")] = "school"
    reason[(out["zorglocaties_nabij"] > 0).to_numpy() & (reason == "")] = "zorglocatie"
    out["reden"] = reason
    return out


def built_up_cells(
    gemeente: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame, *, settings: SiteSettings
) -> gpd.GeoDataFrame:
    """Cells of ``settings.cel_m`` over the built-up part of the gemeente (enough addresses nearby).

    Returns square polygons (EPSG:28992) with ``adressen_cel`` and ``adressen_nabij`` (within 500 m
    of the centre).
    """
    shape = ensure_crs(gemeente, name="gemeente").union_all()
    grid = Grid.covering(shape.bounds, settings.cel_m)
    centres = grid.centres()
    inside = shapely.contains_xy(shape, centres[:, 0], centres[:, 1])
    centres = centres[inside]
    axy = shapely.get_coordinates(ensure_crs(addresses, name="addresses").geometry.to_numpy())
    tree = cKDTree(axy)
    near = tree.query_ball_point(centres, r=settings.bebouwd_straal_m, return_length=True)
    centres = centres[near >= settings.bebouwd_min_adressen]
    half = settings.cel_m / 2
    cells = gpd.GeoDataFrame(
        {"adressen_nabij": tree.query_ball_point(centres, r=500.0, return_length=True)},
        geometry=shapely.box(centres[:, 0] - half, centres[:, 1] - half, centres[:, 0] + half, centres[:, 1] + half),
        crs=gemeente.crs,
    )
    in_cell = gpd.sjoin(
        gpd.GeoDataFrame(geometry=addresses.geometry.to_numpy(), crs=addresses.crs),
        cells[["geometry"]],
        predicate="within",
    )
    right = in_cell.columns[-1]  # the joined frame's index name, whatever it is called
    cells.insert(0, "adressen_cel", in_cell.groupby(right).size().reindex(cells.index).fillna(0).astype(int))
    cells.index.name = "cel_id"
    return cells


def candidate_cells(
    gemeente: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    *,
    settings: SiteSettings,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    buurten: gpd.GeoDataFrame | None = None,
    pois: gpd.GeoDataFrame | None = None,
    lines: gpd.GeoDataFrame | None = None,
    voorzieningen: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The built-up cells of the gemeente, each with why it is excluded ('' for a candidate).

    A cell is excluded, in this order, when its centre lies in a buurt that is a bedrijventerrein
    (:func:`business_park_buurten`) or the shopping core (:func:`shopping_core_buurten`); when
    ``settings.uitsluiten_aandeel`` of it is excluded land (:func:`land_shares`; counted under the
    first class covering that share alone, else the largest); when a line of an excluded class
    crosses it; when its centre lies in a shopping area (:func:`shop_counts`); when it is a shopping
    centre, next to a school or on an existing care location (:func:`place_exclusions`). Column
    ``uitgesloten`` holds the Dutch label of the reason, ``uitgesloten_buurt`` the buurt and why.
    Only what is used is measured (``every_share=False`` of :func:`exclusion_reasons`): a cell in
    such a buurt has no land shares, an excluded cell no room (NaN).

    Parameters
    ----------
    layers
        OpenMapTiles polygon layers by name (``landuse``, ``landcover``, ``park``, ``water``,
        ``building``); an absent layer excludes nothing and is logged.
    buurten
        CBS buurten with ``naam``, for the bedrijventerrein and shopping-core rules.
    pois, lines
        OSM points of interest (shops) and transportation lines (``class``).
    voorzieningen
        The analysis' voorzieningen (``categorie``): supermarkets, schools, care locations.
    """
    cells = built_up_cells(gemeente, addresses, settings=settings)
    cells = exclusion_reasons(
        cells,
        settings=settings,
        layers=layers,
        buurten=buurten,
        pois=pois,
        lines=lines,
        voorzieningen=voorzieningen,
        every_share=False,
    )
    counts = exclusion_counts(cells)
    n_out = int(counts.sum())
    log.info(
        "%d bebouwde cellen van %s; %d kandidaat, %d uitgesloten: %s",
        len(cells),
        fmt.metres(settings.cel_m),
        len(cells) - n_out,
        n_out,
        format_counts(counts),
    )
    return cells


def exclusion_reasons(
    candidates: gpd.GeoDataFrame,
    *,
    settings: SiteSettings,
    layers: Mapping[str, gpd.GeoDataFrame] | None = None,
    buurten: gpd.GeoDataFrame | None = None,
    pois: gpd.GeoDataFrame | None = None,
    lines: gpd.GeoDataFrame | None = None,
    voorzieningen: pd.DataFrame | None = None,
    every_share: bool = True,
) -> gpd.GeoDataFrame:
    """A copy of ``candidates`` with the land shares (:func:`land_shares`), ``winkels_nabij``, and
    why each one is excluded (``uitgesloten``, '' for none; ``uitgesloten_buurt``), as in
    :func:`candidate_cells`. The rules look at each candidate's representative point and area.

    With ``every_share=False`` only what the rules and the scores use is measured: the class shares
    of the candidates no buurt rule excludes, the room (:data:`ROOM_COLUMNS`) of those no rule
    excludes; the others hold NaN there. The figures that are measured are those of ``True``.
    """
    layers = dict(layers or {})
    # the buildings for the room, made meanwhile on a thread of their own (nothing before needs them)
    buildings = footprints_meanwhile(layers) if "building" in layers else None
    reason = np.full(len(candidates), "", dtype=object)
    in_buurt = np.full(len(candidates), "", dtype=object)
    centres = shapely.get_coordinates(candidates.geometry.representative_point().to_numpy())
    if buurten is not None and len(buurten):
        rules = (
            ("bedrijventerrein (buurt)", business_park_buurten(buurten, layers.get("landuse"), settings=settings)),
            ("winkelkern (buurt)", shopping_core_buurten(buurten, pois, settings=settings)),
        )
        names = buurten["naam"] if "naam" in buurten else pd.Series(buurten.index, index=buurten.index)
        names = names.astype(str)
        for label, why in rules:
            flagged = buurten.loc[why != ""]
            if not len(flagged):
                continue
            tree = shapely.STRtree(flagged.geometry.to_numpy())
            ci, bi = tree.query(shapely.points(centres), predicate="within")
            free = reason[ci] == ""
            ci, bi = ci[free], bi[free]
            reason[ci] = label
            text = [f"{names.loc[c]} ({why.loc[c]})" for c in flagged.index]
            in_buurt[ci] = [text[b] for b in bi]
            log.info("%s: %s", label, "; ".join(text))
    elif settings.bedrijventerrein_naam or settings.winkelkern_winkels_per_ha:
        log.warning("geen buurten: bedrijventerreinen en winkelkern per buurt worden niet uitgesloten")
    # the land shares of what a buurt rule leaves (all with every_share); NaN for the rest
    geoms = candidates.geometry.to_numpy()
    todo = np.ones(len(candidates), dtype=bool) if every_share else reason == ""
    part, part_excluded = class_shares(geoms[todo], layers, settings=settings)
    shares = pd.DataFrame(index=candidates.index)
    for name, values in part.items():
        shares[name] = np.full(len(candidates), np.nan)
        shares.loc[todo, name] = values
    for name in ROOM_COLUMNS:
        shares[name] = np.full(len(candidates), np.nan)
    excluded = np.full(len(candidates), None, dtype=object)
    excluded[todo] = part_excluded
    cells = pd.concat([candidates, shares], axis=1)
    cells["uitgesloten_buurt"] = in_buurt
    excluded_land = (shares["aandeel_uitgesloten"] >= settings.uitsluiten_aandeel).to_numpy()
    if settings.uitsluiten:
        per = shares[[f"aandeel_{c.name}" for c in settings.uitsluiten]].fillna(0.0).to_numpy()
        alone = per >= settings.uitsluiten_aandeel
        pick = np.where(alone.any(axis=1), alone.argmax(axis=1), per.argmax(axis=1))
        labels = np.array([c.label for c in settings.uitsluiten], dtype=object)
        take = excluded_land & (reason == "")
        reason[take] = labels[pick[take]]
        if lines is not None and len(lines) and "class" in lines:
            tree = shapely.STRtree(geoms)
            for cls in (c for c in settings.uitsluiten if c.lijnen):
                sel = lines.loc[lines["class"].isin(cls.lijnen)]
                if sel.empty:
                    continue
                _, ci = tree.query(sel.geometry.to_numpy(), predicate="intersects")
                crossed = np.zeros(len(cells), dtype=bool)
                crossed[np.unique(ci)] = True
                reason[crossed & (reason == "")] = cls.label
    cells["winkels_nabij"] = shop_counts(centres, pois, settings=settings)
    shopping = (cells["winkels_nabij"] >= settings.winkelgebied_min_winkels).to_numpy()
    reason[shopping & (reason == "")] = "winkelgebied"
    place = place_exclusions(centres, settings=settings, pois=pois, voorzieningen=voorzieningen)
    for col in ("winkels_centrum", "supermarkten_centrum", "scholen_nabij", "zorglocaties_nabij"):
        cells[col] = place[col].to_numpy()
    place_why = place["reden"].to_numpy()
    take = (place_why != "") & (reason == "")
    reason[take] = place_why[take]
    cells["uitgesloten"] = reason
    # the room of the cells that stay (of all with every_share): nothing above depends on it
    todo = np.ones(len(cells), dtype=bool) if every_share else reason == ""
    room = room_shares(geoms[todo], excluded[todo], layers, settings=settings, buildings=buildings)
    for name, values in room.items():
        cells.loc[todo, name] = values
    return cells


def exclusion_counts(cells: pd.DataFrame) -> pd.Series:
    """Excluded cells per reason (from :func:`candidate_cells`), most first."""
    reason = cells["uitgesloten"]
    return reason.loc[reason != ""].value_counts()


def format_counts(counts: pd.Series) -> str:
    """'bos 87, grasveld 40' (Dutch), or 'geen'."""
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "geen"
