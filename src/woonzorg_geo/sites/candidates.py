"""The candidates: built-up grid cells, what each exclusion class removes, and the land shares (room)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.site_settings import SiteSettings
from woonzorg_geo.core.validate import ensure_crs
from woonzorg_geo.network.raster import Grid

log = logging.getLogger(__name__)


def site_osm_layers(settings: SiteSettings) -> tuple[str, ...]:
    """The OSM tile layers the candidate cells need (besides transportation, poi, housenumber)."""
    layers = {"landuse", "building"}
    for cls in settings.uitsluiten:
        layers |= {layer for layer, _, _ in cls.polygon_layers.values()}
    return tuple(sorted(layers))


def polygon_parts(geoms: np.ndarray | gpd.GeoSeries) -> np.ndarray:
    """Valid single polygons of ``geoms`` (vector tiles hold self-intersecting rings).

    Only the invalid ones are repaired (Assen: 133 of 55,000 buildings); ``make_valid`` returns a
    valid geometry as it is, so the result is the same, at half the cost.
    """
    g = np.array(geoms, dtype=object)
    bad = ~shapely.is_valid(g)
    g[bad] = shapely.make_valid(g[bad])
    parts = shapely.get_parts(g)
    polygons: np.ndarray = parts[shapely.get_type_id(parts) == 3]
    return polygons


def overlapping_pairs(areas: np.ndarray, polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (area, polygon) index pairs that intersect, ordered by area, then polygon.

    ``None`` and empty areas take part in no pair.
    """
    areas = np.asarray(areas, dtype=object)
    if not len(polygons) or not len(areas):
        return np.empty(0, dtype=np.intp), np.empty(0, dtype=np.intp)
    valid = np.array([a is not None and not a.is_empty for a in areas])
    # numpy takes None as an object scalar here; its stubs do not list None as array-like
    ai, pi = shapely.STRtree(polygons).query(
        np.where(valid, areas, None),  # type: ignore[call-overload]
        predicate="intersects",
    )
    order = np.lexsort((pi, ai))
    return ai[order], pi[order]


def union_per_area(n: int, ai: np.ndarray, pieces: np.ndarray) -> np.ndarray:
    """Per area ``0..n-1``, the union of its ``pieces`` (``ai`` sorted; a lone piece as it is; None where none)."""
    out = np.full(n, None, dtype=object)
    if not len(ai):
        return out
    starts = np.flatnonzero(np.r_[True, ai[1:] != ai[:-1]])
    ends = np.r_[starts[1:], len(ai)]
    lone = ends - starts == 1
    out[ai[starts[lone]]] = pieces[starts[lone]]
    for s, e in zip(starts[~lone], ends[~lone], strict=True):
        out[ai[s]] = shapely.union_all(pieces[s:e])
    return out


def union_of_columns(columns: list[np.ndarray], n: int) -> np.ndarray:
    """Per row ``0..n-1``, the union of the geometries the ``columns`` hold there (None where none).

    A row with one geometry keeps it as it is, so a cell that only one class covers gets that
    class's own union.
    """
    out = np.full(n, None, dtype=object)
    if not columns:
        return out
    table = np.stack(columns, axis=1)
    present = ~shapely.is_missing(table)
    count = present.sum(axis=1)
    lone = count == 1
    out[lone] = table[lone, present[lone].argmax(axis=1)]
    for row in np.flatnonzero(count > 1):
        out[row] = shapely.union_all(table[row, present[row]])
    return out


def covered_parts(areas: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Per area, the part of it that ``polygons`` cover (their union clipped to it; None where none)."""
    areas = np.asarray(areas, dtype=object)
    ai, pi = overlapping_pairs(areas, polygons)
    return union_per_area(len(areas), ai, shapely.intersection(areas[ai], polygons[pi]))


def _area(geoms: np.ndarray) -> np.ndarray:
    return np.array([0.0 if g is None else g.area for g in geoms])


def dissolve_overlaps(polygons: np.ndarray) -> np.ndarray:
    """The polygons with every group of overlapping ones merged into one (touching ones stay apart).

    Vector-tile buildings hold a few building parts on top of their outline (Assen: 31 of
    51,000); merging only those is much faster than a union of all. Pairs that only touch
    (neighbours sharing a wall: most pairs) are told apart by the exact predicate first, so the
    overlay that measures the shared area runs on the few others.
    """
    polygons = np.asarray(polygons, dtype=object)
    if len(polygons) < 2:
        return polygons
    i, j = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    keep = ~shapely.touches(polygons[i], polygons[j])
    i, j = i[keep], j[keep]
    over = shapely.area(shapely.intersection(polygons[i], polygons[j])) > 0
    i, j = i[over], j[over]
    if not len(i):
        return polygons
    graph = coo_matrix((np.ones(len(i)), (i, j)), shape=(len(polygons), len(polygons)))
    _, label = connected_components(graph, directed=False)
    sizes = np.bincount(label)
    single = sizes[label] == 1
    merged = [shapely.union_all(polygons[label == g]) for g in np.flatnonzero(sizes > 1)]
    return np.concatenate([polygons[single], polygon_parts(np.array(merged, dtype=object))])


def disjoint_cover(areas: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Per area, the area that ``polygons`` cover, for polygons that do not overlap each other.

    The pieces are summed without a union (which :func:`covered_parts` makes and which is slow for
    tens of thousands of buildings); see :func:`dissolve_overlaps`. A polygon wholly inside an
    area (most buildings in their cell) counts with its own area, without an overlay; the sum can
    differ from summing the overlays in the last bits (about 1e-12 m² per cell).
    """
    areas = np.asarray(areas, dtype=object)
    out = np.zeros(len(areas))
    if not len(polygons) or not len(areas):
        return out
    valid = np.array([a is not None and not a.is_empty for a in areas])
    # numpy takes None as an object scalar here; its stubs do not list None as array-like
    query = np.where(valid, areas, None)  # type: ignore[call-overload]
    tree = shapely.STRtree(polygons)
    ai, pi = tree.query(query, predicate="intersects")
    if not len(ai):
        return out
    wi, wp = tree.query(query, predicate="contains_properly")
    inside = np.isin(ai.astype(np.int64) * len(polygons) + pi, wi.astype(np.int64) * len(polygons) + wp)
    piece = np.empty(len(ai))
    piece[inside] = shapely.area(polygons[pi[inside]])
    cut = ~inside
    piece[cut] = shapely.area(shapely.intersection(areas[ai[cut]], polygons[pi[cut]]))
    out += np.bincount(ai, weights=piece, minlength=len(areas))
    return out


def _layer_polygons(
    layers: Mapping[str, gpd.GeoDataFrame], layer: str, column: str, values: tuple[str, ...]
) -> np.ndarray:
    frame = layers[layer]
    if column not in frame or frame.empty:
        return np.empty(0, dtype=object)
    return polygon_parts(frame.geometry.to_numpy()[frame[column].isin(values).to_numpy()])


def class_shares(
    geoms: np.ndarray, layers: Mapping[str, gpd.GeoDataFrame], *, settings: SiteSettings
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Per area: the share of each excluded land class and of them together, and that land itself.

    Returns the columns ``aandeel_<klasse>`` (NaN where a needed layer is absent) and
    ``aandeel_uitgesloten`` (0–1), and per area the excluded land within it (None where none), which
    :func:`room_shares` takes. Every area is computed on its own: a subset of ``geoms`` gets the same
    figures as in the whole.
    """
    total_area = shapely.area(geoms)
    out: dict[str, np.ndarray] = {}
    missing: dict[str, list[str]] = {}
    every: list[np.ndarray] = []
    has_layers: list[bool] = []
    for cls in settings.uitsluiten:
        rules = cls.polygon_layers
        absent = [layer for layer, _, _ in rules.values() if layer not in layers]
        for layer in absent:
            missing.setdefault(layer, []).append(cls.name)
        present = [_layer_polygons(layers, layer, col, vals) for layer, col, vals in rules.values() if layer in layers]
        every.append(np.concatenate(present) if present else np.empty(0, dtype=object))
        has_layers.append(bool(present))
    for layer, names in missing.items():
        log.warning("OSM-laag %r ontbreekt: klasse(n) %s niet uitgesloten", layer, ", ".join(names))
    allp = np.concatenate(every) if every else np.empty(0, dtype=object)
    # each cell is cut with each polygon once; a class's share is the union of its own pieces
    ai, pi = overlapping_pairs(geoms, allp)
    pieces = shapely.intersection(geoms[ai], allp[pi])
    bounds = np.cumsum([0, *(len(p) for p in every)])
    per_class = []
    for cls, lo, hi, present_ in zip(settings.uitsluiten, bounds[:-1], bounds[1:], has_layers, strict=True):
        mine = (pi >= lo) & (pi < hi)
        per_class.append(union_per_area(len(geoms), ai[mine], pieces[mine]))
        out[f"aandeel_{cls.name}"] = _area(per_class[-1]) / total_area if present_ else np.full(len(geoms), np.nan)
    excluded = union_of_columns(per_class, len(geoms))
    out["aandeel_uitgesloten"] = _area(excluded) / total_area
    return out, excluded


#: The columns of :func:`room_shares`.
ROOM_COLUMNS = ("woonterrein_pct", "bebouwing_pct", "ruimte_pct")


def room_shares(
    geoms: np.ndarray, excluded: np.ndarray, layers: Mapping[str, gpd.GeoDataFrame], *, settings: SiteSettings
) -> dict[str, np.ndarray]:
    """Per area: the residential land, the buildings on it and the room left (see :func:`land_shares`).

    ``excluded`` is the excluded land per area (:func:`class_shares`). Every area is computed on its
    own: a subset of ``geoms`` (with its ``excluded``) gets the same figures as in the whole.
    """
    if not ("landuse" in layers and "building" in layers and settings.woonterrein_landuse):
        log.warning("OSM-lagen landuse en building nodig voor het criterium ruimte: ruimte onbekend")
        return {name: np.full(len(geoms), np.nan) for name in ROOM_COLUMNS}
    if not len(geoms):
        return {name: np.empty(0) for name in ROOM_COLUMNS}
    total_area = shapely.area(geoms)
    woon = covered_parts(geoms, _layer_polygons(layers, "landuse", "class", settings.woonterrein_landuse))
    woon_area = _area(woon)
    buildings = dissolve_overlaps(polygon_parts(layers["building"].geometry.to_numpy()))
    built = disjoint_cover(woon, buildings)
    # taken = built + excluded land (green, water, ...) - the buildings standing on that land
    # the excluded land of the residential part: the cell's excluded land (above) cut once
    both = np.array([w is not None and e is not None for w, e in zip(woon, excluded, strict=True)], dtype=bool)
    woon_excl = np.full(len(woon), None, dtype=object)
    woon_excl[both] = shapely.intersection(woon[both], excluded[both])
    taken = built + _area(woon_excl) - disjoint_cover(woon_excl, buildings)
    return {
        "woonterrein_pct": 100 * woon_area / total_area,
        "bebouwing_pct": np.where(woon_area > 0, 100 * built / np.where(woon_area > 0, woon_area, 1), np.nan),
        "ruimte_pct": np.clip(100 * (woon_area - taken) / total_area, 0.0, 100.0),
    }


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
        polys = _layer_polygons({"landuse": landuse}, "landuse", "class", settings.bedrijventerrein_landuse)
        geoms = shapely.make_valid(buurten.geometry.to_numpy())
        share = _area(covered_parts(geoms, polys)) / shapely.area(geoms)
        by_share = (share >= settings.bedrijventerrein_aandeel) & (reason == "").to_numpy()
        # pandas takes a list for a boolean-mask assignment; pandas-stubs do not
        reason[by_share] = [f"{100 * s:.0f}% bedrijventerrein" for s in share[by_share]]  # type: ignore[call-overload]
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
        "%d bebouwde cellen van %.0f m; %d kandidaat, %d uitgesloten: %s",
        len(cells),
        settings.cel_m,
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
    room = room_shares(geoms[todo], excluded[todo], layers, settings=settings)
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
