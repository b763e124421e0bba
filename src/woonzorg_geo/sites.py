"""Candidate search areas (zoekgebieden) for geclusterd wonen, scored and explained."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from . import formatting as fmt
from .accessibility import compute_accessibility
from .aggregate import assign_areas
from .config import Criterion, SiteSettings
from .errors import SettingsError
from .raster import Grid
from .validate import ensure_crs

if TYPE_CHECKING:
    from .pipeline import Analysis

log = logging.getLogger(__name__)

DISTANCE_CRITERIA = ("ov", "supermarkt", "huisarts", "apotheek", "ontmoetingsplek", "zorg")
FOCUS_SCORE = {"hoog": 0.0, "midden": 0.5, "laag": 1.0}
VEERKRACHT_SCORE = {"laag": 0.0, "midden": 0.5, "hoog": 1.0}


def curve_score(values: np.ndarray | pd.Series, criterion: Criterion) -> np.ndarray:
    """Score 0–1 by linear interpolation between the criterion's points; NaN stays NaN."""
    xs = np.array([p[0] for p in criterion.punten])
    ys = np.array([p[1] for p in criterion.punten])
    v = np.asarray(values, dtype=float)
    return np.where(np.isnan(v), np.nan, np.interp(v, xs, ys))


def weighted_total(scores: pd.DataFrame, weights: dict[str, float]) -> tuple[pd.Series, pd.Series]:
    """Weighted mean of the available scores per row and the text of the missing criteria."""
    w = pd.Series(weights, dtype=float).reindex(scores.columns).fillna(0.0)
    present = scores.notna()
    wsum = present.mul(w, axis=1).sum(axis=1)
    total = scores.fillna(0.0).mul(w, axis=1).sum(axis=1) / wsum.replace(0.0, np.nan)
    missing = present.apply(lambda r: ", ".join(c for c, ok in r.items() if not ok), axis=1)
    return total, missing


def site_osm_layers(settings: SiteSettings) -> tuple[str, ...]:
    """The OSM tile layers the candidate cells need (besides transportation, poi, housenumber)."""
    layers = {"landuse", "building"}
    for cls in settings.uitsluiten:
        layers |= {layer for layer, _, _ in cls.polygon_layers.values()}
    return tuple(sorted(layers))


def polygon_parts(geoms: np.ndarray | gpd.GeoSeries) -> np.ndarray:
    """Valid single polygons of ``geoms`` (vector tiles hold self-intersecting rings)."""
    g = shapely.make_valid(np.asarray(geoms, dtype=object))
    parts = shapely.get_parts(g)
    polygons: np.ndarray = parts[shapely.get_type_id(parts) == 3]
    return polygons


def covered_parts(areas: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Per area, the part of it that ``polygons`` cover (their union clipped to it; None where none)."""
    areas = np.asarray(areas, dtype=object)
    out = np.full(len(areas), None, dtype=object)
    if not len(polygons) or not len(areas):
        return out
    valid = np.array([a is not None and not a.is_empty for a in areas])
    # numpy takes None as an object scalar here; its stubs do not list None as array-like
    ai, pi = shapely.STRtree(polygons).query(
        np.where(valid, areas, None),  # type: ignore[call-overload]
        predicate="intersects",
    )
    if not len(ai):
        return out
    order = np.argsort(ai, kind="stable")
    ai, pi = ai[order], pi[order]
    pieces = shapely.intersection(areas[ai], polygons[pi])
    starts = np.flatnonzero(np.r_[True, ai[1:] != ai[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(ai)], strict=True):
        out[ai[s]] = pieces[s] if e - s == 1 else shapely.union_all(pieces[s:e])
    return out


def _area(geoms: np.ndarray) -> np.ndarray:
    return np.array([0.0 if g is None else g.area for g in geoms])


def dissolve_overlaps(polygons: np.ndarray) -> np.ndarray:
    """The polygons with every group of overlapping ones merged into one (touching ones stay apart).

    Vector-tile buildings hold a few building parts on top of their outline (Assen: 31 of
    51,000); merging only those is much faster than a union of all.
    """
    polygons = np.asarray(polygons, dtype=object)
    if len(polygons) < 2:
        return polygons
    i, j = shapely.STRtree(polygons).query(polygons, predicate="intersects")
    keep = i < j
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
    tens of thousands of buildings); see :func:`dissolve_overlaps`.
    """
    areas = np.asarray(areas, dtype=object)
    out = np.zeros(len(areas))
    if not len(polygons) or not len(areas):
        return out
    valid = np.array([a is not None and not a.is_empty for a in areas])
    # numpy takes None as an object scalar here; its stubs do not list None as array-like
    ai, pi = shapely.STRtree(polygons).query(
        np.where(valid, areas, None),  # type: ignore[call-overload]
        predicate="intersects",
    )
    if len(ai):
        out += np.bincount(
            ai, weights=shapely.area(shapely.intersection(areas[ai], polygons[pi])), minlength=len(areas)
        )
    return out


def _layer_polygons(
    layers: Mapping[str, gpd.GeoDataFrame], layer: str, column: str, values: tuple[str, ...]
) -> np.ndarray:
    frame = layers[layer]
    if column not in frame or frame.empty:
        return np.empty(0, dtype=object)
    return polygon_parts(frame.geometry.to_numpy()[frame[column].isin(values).to_numpy()])


def land_shares(
    candidates: gpd.GeoDataFrame, layers: Mapping[str, gpd.GeoDataFrame] | None, *, settings: SiteSettings
) -> pd.DataFrame:
    """Per candidate: the share of each excluded land class, of them together, and the room to build.

    Returns a frame indexed like ``candidates`` with ``aandeel_<klasse>`` and ``aandeel_uitgesloten``
    (0–1; NaN where a needed layer is absent), ``woonterrein_pct`` (share of the candidate on
    ``settings.woonterrein_landuse``), ``bebouwing_pct`` (share of that residential land covered by
    buildings) and ``ruimte_pct`` (residential land free of buildings and of the excluded classes,
    such as parks, grass and water inside a residential polygon, as a share of the candidate).
    """
    layers = dict(layers or {})
    geoms = candidates.geometry.to_numpy()
    total_area = shapely.area(geoms)
    out = pd.DataFrame(index=candidates.index)
    missing: dict[str, list[str]] = {}
    every: list[np.ndarray] = []
    for cls in settings.uitsluiten:
        rules = cls.polygon_layers
        absent = [layer for layer, _, _ in rules.values() if layer not in layers]
        for layer in absent:
            missing.setdefault(layer, []).append(cls.name)
        present = [_layer_polygons(layers, layer, col, vals) for layer, col, vals in rules.values() if layer in layers]
        polys = np.concatenate(present) if present else np.empty(0, dtype=object)
        every.append(polys)
        share = _area(covered_parts(geoms, polys)) / total_area
        out[f"aandeel_{cls.name}"] = share if present else np.nan
    for layer, names in missing.items():
        log.warning("OSM-laag %r ontbreekt: klasse(n) %s niet uitgesloten", layer, ", ".join(names))
    allp = np.concatenate(every) if every else np.empty(0, dtype=object)
    out["aandeel_uitgesloten"] = _area(covered_parts(geoms, allp)) / total_area
    if "landuse" in layers and "building" in layers and settings.woonterrein_landuse:
        woon = covered_parts(geoms, _layer_polygons(layers, "landuse", "class", settings.woonterrein_landuse))
        woon_area = _area(woon)
        buildings = dissolve_overlaps(polygon_parts(layers["building"].geometry.to_numpy()))
        built = disjoint_cover(woon, buildings)
        # taken = built + excluded land (green, water, ...) - the buildings standing on that land
        woon_excl = covered_parts(woon, allp)
        taken = built + _area(woon_excl) - disjoint_cover(woon_excl, buildings)
        out["woonterrein_pct"] = 100 * woon_area / total_area
        out["bebouwing_pct"] = np.where(woon_area > 0, 100 * built / np.where(woon_area > 0, woon_area, 1), np.nan)
        out["ruimte_pct"] = np.clip(100 * (woon_area - taken) / total_area, 0.0, 100.0)
    else:
        log.warning("OSM-lagen landuse en building nodig voor het criterium ruimte: ruimte onbekend")
        out["woonterrein_pct"] = out["bebouwing_pct"] = out["ruimte_pct"] = np.nan
    return out


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
) -> gpd.GeoDataFrame:
    """The built-up cells of the gemeente, each with why it is excluded ('' for a candidate).

    A cell is excluded, in this order, when its centre lies in a buurt that is a bedrijventerrein
    (:func:`business_park_buurten`) or the shopping core (:func:`shopping_core_buurten`); when
    ``settings.uitsluiten_aandeel`` of it is excluded land (:func:`land_shares`; counted under the
    first class covering that share alone, else the largest); when a line of an excluded class
    crosses it; when its centre lies in a shopping area (:func:`shop_counts`). Column
    ``uitgesloten`` holds the Dutch label of the reason, ``uitgesloten_buurt`` the buurt and why.

    Parameters
    ----------
    layers
        OpenMapTiles polygon layers by name (``landuse``, ``landcover``, ``park``, ``water``,
        ``building``); an absent layer excludes nothing and is logged.
    buurten
        CBS buurten with ``naam``, for the bedrijventerrein and shopping-core rules.
    pois, lines
        OSM points of interest (shops) and transportation lines (``class``).
    """
    cells = built_up_cells(gemeente, addresses, settings=settings)
    cells = exclusion_reasons(cells, settings=settings, layers=layers, buurten=buurten, pois=pois, lines=lines)
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
) -> gpd.GeoDataFrame:
    """A copy of ``candidates`` with the land shares (:func:`land_shares`), ``winkels_nabij``, and
    why each one is excluded (``uitgesloten``, '' for none; ``uitgesloten_buurt``), as in
    :func:`candidate_cells`. The rules look at each candidate's representative point and area."""
    layers = dict(layers or {})
    shares = land_shares(candidates, layers, settings=settings)
    cells = pd.concat([candidates, shares], axis=1)
    reason = np.full(len(cells), "", dtype=object)
    centres = shapely.get_coordinates(cells.geometry.representative_point().to_numpy())
    cells["uitgesloten_buurt"] = ""
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
            cells.iloc[ci, cells.columns.get_loc("uitgesloten_buurt")] = [text[b] for b in bi]
            log.info("%s: %s", label, "; ".join(text))
    elif settings.bedrijventerrein_naam or settings.winkelkern_winkels_per_ha:
        log.warning("geen buurten: bedrijventerreinen en winkelkern per buurt worden niet uitgesloten")
    excluded_land = (shares["aandeel_uitgesloten"] >= settings.uitsluiten_aandeel).to_numpy()
    if settings.uitsluiten:
        per = shares[[f"aandeel_{c.name}" for c in settings.uitsluiten]].fillna(0.0).to_numpy()
        alone = per >= settings.uitsluiten_aandeel
        pick = np.where(alone.any(axis=1), alone.argmax(axis=1), per.argmax(axis=1))
        labels = np.array([c.label for c in settings.uitsluiten], dtype=object)
        take = excluded_land & (reason == "")
        reason[take] = labels[pick[take]]
        if lines is not None and len(lines) and "class" in lines:
            tree = shapely.STRtree(cells.geometry.to_numpy())
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
    cells["uitgesloten"] = reason
    return cells


def exclusion_counts(cells: pd.DataFrame) -> pd.Series:
    """Excluded cells per reason (from :func:`candidate_cells`), most first."""
    reason = cells["uitgesloten"]
    return reason.loc[reason != ""].value_counts()


def format_counts(counts: pd.Series) -> str:
    """'bos 87, grasveld 40' (Dutch), or 'geen'."""
    return ", ".join(f"{k} {v}" for k, v in counts.items()) or "geen"


@dataclass
class SiteResult:
    """Scored candidates, the ranked zoekgebieden, what was excluded and how stable the ranking is.

    Attributes
    ----------
    cells
        The scored candidates (cells, or the planner's parcels).
    zoekgebieden
        The ranked zoekgebieden (or parcels) with their explanation.
    uitgesloten
        Excluded built-up cells per reason; for parcels, those that the grid would exclude.
    gevoeligheid
        One row per variant of the weights (see :func:`site_sensitivity`).
    stabiliteit
        The stability figures of the top (see :func:`stability`).
    opmerkingen
        Notes on the criteria (e.g. which care locations the data holds).
    kavels
        The candidates are the planner's parcels, not grid cells.
    """

    cells: gpd.GeoDataFrame
    zoekgebieden: gpd.GeoDataFrame
    uitgesloten: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))
    gevoeligheid: pd.DataFrame = field(default_factory=pd.DataFrame)
    stabiliteit: dict[str, object] = field(default_factory=dict)
    opmerkingen: list[str] = field(default_factory=list)
    kavels: bool = False

    def summary_lines(self) -> list[str]:
        """The exclusions, the stability of the top and the notes as Dutch sentences."""
        lines = []
        if len(self.uitgesloten):
            n = int(self.uitgesloten.sum())
            what = (
                "Kavels op grond die het raster zou uitsluiten (wel beoordeeld)"
                if self.kavels
                else "Uitgesloten bebouwde cellen"
            )
            lines.append(f"{what}: {n} ({format_counts(self.uitgesloten)}).")
        if self.stabiliteit:
            lines.append(str(self.stabiliteit["tekst"]))
        return lines + list(self.opmerkingen)


def care_note(voorzieningen: pd.DataFrame, categories: tuple[str, ...]) -> str | None:
    """Say which care categories the data lacks, or None when every one has a location."""
    if not categories:
        return None
    counts = voorzieningen["categorie"].value_counts().reindex(list(categories)).fillna(0).astype(int)
    if (counts > 0).all():
        return None
    found = ", ".join(str(c) for c, n in counts.items() if n > 0)
    lacking = ", ".join(str(c) for c, n in counts.items() if n == 0)
    if not found:
        return f"geen {lacking} in de gegevens"
    return f"alleen {found} in de gegevens, geen {lacking}"


def score_candidates(
    candidates: gpd.GeoDataFrame,
    *,
    analysis: Analysis,
    settings: SiteSettings,
    facts: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Every criterion's value and score, the total and the missing criteria, per candidate.

    ``analysis`` is a :class:`woonzorg_geo.pipeline.Analysis`; the distances are walked at
    ``settings.profiel`` over its network. The room criterion ``ruimte`` takes ``ruimte_pct``
    (residential land without buildings, see :func:`land_shares`) where the candidates carry it.
    """
    a = analysis
    if settings.profiel not in a.graphs:
        raise SettingsError(f"locaties.profiel {settings.profiel!r} is niet berekend; draai analyse met dit profiel")
    pg = a.graphs[settings.profiel]
    inputs = a.inputs
    crits = {c.name: c for c in settings.criteria}
    points = gpd.GeoDataFrame(
        geometry=candidates.geometry.representative_point(), crs=candidates.crs, index=candidates.index
    )
    # the distance criteria are categories or composites of the run's vocabulary (ov = bus stop or
    # station), plus 'zorg' = the care categories of [locaties]
    composites = {**a.vocab.composites, "zorg": tuple(settings.zorg_categorieen)}
    cats = [p for c in DISTANCE_CRITERIA if c in crits for p in composites.get(c, (c,))]
    acc = compute_accessibility(
        pg,
        points,
        inputs.voorzieningen,
        categories=list(dict.fromkeys(cats)),
        radii_m=(),
        max_snap_m=settings.max_snap_m,
        composites=composites,
    )
    out = candidates.copy()
    values: dict[str, np.ndarray | pd.Series] = {}
    for name in (c for c in DISTANCE_CRITERIA if c in acc.categories):
        values[name] = acc.categories[name].origin_dist
    out["snap_m"] = acc.origin_snap.dist
    areas, _ = assign_areas(points, inputs.buurten, inputs.wijken)
    out["buurtcode"], out["wijkcode"] = areas["buurtcode"].to_numpy(), areas["wijkcode"].to_numpy()
    b = a.buurten
    w = a.wijken
    out["buurt"] = out["buurtcode"].map(b["naam"])
    out["wijk"] = out["wijkcode"].map(w["naam"])
    if "balans" in w:
        values["balans"] = out["wijkcode"].map(w["balans"]).to_numpy(dtype=float)
    if "focus" in b:
        f = out["buurtcode"].map(b["focus"]).map(FOCUS_SCORE)
        v = out["buurtcode"].map(b["veerkracht"]).map(VEERKRACHT_SCORE)
        values["focus_veerkracht"] = ((f + v) / 2).to_numpy(dtype=float)
        out["focus"] = out["buurtcode"].map(b["focus"])
        out["veerkracht"] = out["buurtcode"].map(b["veerkracht"])
    if facts is not None and len(facts):
        pct_rows = facts.loc[(facts["niveau"] == "wijk") & (facts["indicator"] == "pct_65plus")]
        pct = pd.to_numeric(pct_rows.set_index("code")["waarde"], errors="coerce")
        values["ouderen_aandeel"] = out["wijkcode"].map(pct).to_numpy(dtype=float)
    if "adressen_nabij" in out:
        values["adressen_nabij"] = out["adressen_nabij"].to_numpy(dtype=float)
    if "ruimte_pct" in out:
        values["ruimte"] = out["ruimte_pct"].to_numpy(dtype=float)
    scores = pd.DataFrame(index=out.index)
    for name, crit in crits.items():
        val = np.asarray(values.get(name, np.full(len(out), np.nan)), dtype=float)
        out[f"waarde_{name}"] = val
        scores[name] = curve_score(val, crit)
        out[f"score_{name}"] = scores[name].to_numpy()
    total, missing = weighted_total(scores, {n: c.gewicht for n, c in crits.items()})
    far = acc.origin_snap.dist > settings.max_snap_m
    out["score"] = total.where(~far)
    out["ontbrekend"] = missing
    out["toegankelijk"] = ~far
    return out


def _fmt_value(name: str, value: float, speed: float) -> str:
    if np.isnan(value):
        return "onbekend"
    if name in DISTANCE_CRITERIA:
        return f"{fmt.metres(value)} ({fmt.number(value / speed / 60)} min)"
    if name == "balans":
        return fmt.signed(value)
    if name == "focus_veerkracht":
        return fmt.number(value, 2)
    if name in ("ouderen_aandeel", "ruimte"):
        return fmt.percent(value, 0)
    return fmt.number(value)


def explain(
    row: pd.Series,
    crits: tuple[Criterion, ...],
    *,
    rank: int,
    speed: float,
    notes: Mapping[str, str] | None = None,
) -> str:
    """A Dutch sentence explaining a candidate's rank: its strongest and weakest criteria.

    A criterion named in ``notes`` measures less than its label says (e.g. care: only the hospital
    is in the data): it is never called a strong or the weakest point; its value follows with the note.
    """
    notes = dict(notes or {})
    parts = []
    # (criterion, score, value as the row holds it) for the criteria with a score
    row_scores = [(c, row.get(f"score_{c.name}"), row.get(f"waarde_{c.name}")) for c in crits]
    scored: list[tuple[Criterion, float, Any]] = [
        (c, s, v) for c, s, v in row_scores if s is not None and not np.isnan(s)
    ]
    judged = [(c, s, v) for c, s, v in scored if c.name not in notes]
    strong = sorted(judged, key=lambda t: -(t[1] * t[0].gewicht))[:3]
    weak = sorted(judged, key=lambda t: t[1])[:1]
    parts.append(", ".join(f"{c.label} {_fmt_value(c.name, v, speed)}" for c, s, v in strong if s >= 0.5))
    text = f"Rang {rank} (score {fmt.number(row['score'], 2)}"
    text += f", {row['buurt']} in {row['wijk']})" if isinstance(row.get("buurt"), str) else ")"
    text += ": sterk door " + parts[0] if parts[0] else ": geen sterke punten"
    if weak and weak[0][1] < 0.6:
        c, s, v = weak[0]
        text += f"; zwakste punt: {c.label} {_fmt_value(c.name, v, speed)}"
    for c, s, v in scored:
        if c.name in notes:
            text += f"; {c.label}: {_fmt_value(c.name, v, speed)}, {notes[c.name]}"
    if isinstance(row.get("focus"), str):
        text += f"; focus {row['focus']}, veerkracht {row['veerkracht']}"
    if row.get("ontbrekend"):
        labels = {c.name: c.label for c in crits}
        missing = ", ".join(labels.get(m.strip(), m.strip()) for m in str(row["ontbrekend"]).split(","))
        text += f" (niet meegewogen, onbekend: {missing})"
    return text + "."


def grow_regions(
    cells: gpd.GeoDataFrame, *, cell_m: float, delta: float, max_cells: int, limit: int | None
) -> list[list[int]]:
    """Greedy region growing over scored grid cells (positions from their centres).

    The best unused cell seeds a region; touching cells (8-neighbourhood) with a score at most
    ``delta`` below the seed's join, best first, up to ``max_cells``. Cells touching a finished
    region neither seed nor join another one. Returns the member positions (into ``cells``) per region, best first.
    """
    ok = cells["score"].notna().to_numpy()
    cxy = shapely.get_coordinates(cells.geometry.centroid.to_numpy())
    ij = np.floor(cxy / cell_m).astype(np.int64)
    where = {(int(i), int(j)): k for k, (i, j) in enumerate(ij)}
    score = cells["score"].to_numpy(dtype=float)
    order = [k for k in np.argsort(-np.nan_to_num(score, nan=-1.0), kind="stable") if ok[k]]
    used = np.zeros(len(cells), dtype=bool)
    blocked = np.zeros(len(cells), dtype=bool)

    def neighbours(k: int) -> list[int]:
        i, j = ij[k]
        return [
            where[(i + di, j + dj)]
            for di in (-1, 0, 1)
            for dj in (-1, 0, 1)
            if (di or dj) and (i + di, j + dj) in where
        ]

    regions: list[list[int]] = []
    for seed in order:
        if used[seed] or blocked[seed]:
            continue
        members = [seed]
        used[seed] = True
        frontier = set(neighbours(seed))
        while len(members) < max_cells:
            cand = [k for k in frontier if ok[k] and not used[k] and not blocked[k] and score[k] >= score[seed] - delta]
            if not cand:
                break
            best = max(cand, key=lambda k: score[k])
            members.append(best)
            used[best] = True
            frontier |= set(neighbours(best))
        for k in members:
            for n in neighbours(k):
                blocked[n] = True
        regions.append(members)
        if limit and len(regions) >= limit:
            break
    return regions


def zoekgebieden(
    cells: gpd.GeoDataFrame,
    *,
    settings: SiteSettings,
    speed_m_s: float,
    top: int | None = None,
    notes: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Merge the best touching cells into zoekgebieden (see :func:`grow_regions`) and rank them."""
    regions = grow_regions(
        cells,
        cell_m=settings.cel_m,
        delta=settings.zoekgebied_delta,
        max_cells=settings.zoekgebied_max_cellen,
        limit=top,
    )
    if not regions:
        return gpd.GeoDataFrame(columns=["rang", "score", "geometry"], geometry="geometry", crs=cells.crs)
    rows = []
    for members in regions:
        group = cells.iloc[members]
        top_cell = group.iloc[0]
        rows.append(
            {
                **{k: top_cell[k] for k in top_cell.index if k.startswith(("waarde_", "score_"))},
                "score": float(group["score"].max()),
                "gem_score": float(group["score"].mean()),
                "n_cellen": len(group),
                "buurt": top_cell.get("buurt"),
                "wijk": top_cell.get("wijk"),
                "buurtcode": top_cell.get("buurtcode"),
                "wijkcode": top_cell.get("wijkcode"),
                "focus": top_cell.get("focus"),
                "veerkracht": top_cell.get("veerkracht"),
                "ontbrekend": top_cell.get("ontbrekend", ""),
                "beste_cel": int(cells.index[members[0]]),
                "cellen": " ".join(str(c) for c in cells.index[members]),
                "geometry": shapely.union_all(group.geometry.buffer(0.01, join_style="mitre").to_numpy()).buffer(
                    -0.01, join_style="mitre"
                ),
            }
        )
    zg = gpd.GeoDataFrame(rows, geometry="geometry", crs=cells.crs)
    zg.insert(0, "rang", np.arange(1, len(zg) + 1))
    zg["oppervlak_ha"] = zg.area / 1e4
    zg["toelichting"] = [
        explain(r, settings.criteria, rank=int(r["rang"]), speed=speed_m_s, notes=notes) for _, r in zg.iterrows()
    ]
    zg.index = pd.Index([f"zg{r:03d}" for r in zg["rang"]], name="zoekgebied")
    return zg


def _top_groups(
    cands: gpd.GeoDataFrame, score: pd.Series, *, settings: SiteSettings, top: int, grid: bool
) -> list[list[int]]:
    """The positions of the top ``top`` zoekgebieden (grid cells) or candidates (parcels) for ``score``."""
    if grid:
        frame = gpd.GeoDataFrame({"score": score.to_numpy()}, geometry=cands.geometry.to_numpy(), crs=cands.crs)
        return grow_regions(
            frame,
            cell_m=settings.cel_m,
            delta=settings.zoekgebied_delta,
            max_cells=settings.zoekgebied_max_cellen,
            limit=top,
        )
    s = score.to_numpy(dtype=float)
    order = [k for k in np.argsort(-np.nan_to_num(s, nan=-np.inf), kind="stable") if not np.isnan(s[k])]
    return [[k] for k in order[:top]]


def site_sensitivity(
    cands: gpd.GeoDataFrame, *, settings: SiteSettings, grid: bool = True
) -> tuple[pd.DataFrame, np.ndarray]:
    """How the top ``settings.gevoeligheid_top`` moves when each weight changes or a criterion goes.

    Every criterion with a weight gets three variants: weight × (1 − g), weight × (1 + g) and left
    out (weight 0), with g = ``settings.gevoeligheid``; the total is recomputed from the scores
    and the zoekgebieden are grown again. A zoekgebied of the base top stays when a zoekgebied of the
    variant's top shares a cell with it.

    Returns
    -------
    variants
        One row per variant: ``criterium``, ``label``, ``variant``, ``factor``, ``top``,
        ``behouden`` (how many of the base top stay), ``uit_top`` (ranks that drop out),
        ``nieuw_in_top`` (the buurt of the zoekgebieden that come in).
    kept
        Boolean array (variants × base top): which base zoekgebied stays in which variant.
    """
    n = settings.gevoeligheid_top
    crits = {c.name: c for c in settings.criteria}
    scores = pd.DataFrame({name: cands[f"score_{name}"].to_numpy(dtype=float) for name in crits}, index=cands.index)
    reachable = (
        cands["toegankelijk"].to_numpy(dtype=bool) if "toegankelijk" in cands else np.ones(len(cands), dtype=bool)
    )
    weights = {name: c.gewicht for name, c in crits.items()}

    values = scores.to_numpy()
    present = ~np.isnan(values)
    filled = np.nan_to_num(values)

    def total(w: dict[str, float]) -> pd.Series:  # as weighted_total, without the text of the missing ones
        wv = np.array([w[c] for c in scores.columns])
        wsum = present @ wv
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(wsum > 0, (filled @ wv) / wsum, np.nan)
        return pd.Series(np.where(reachable, t, np.nan), index=scores.index)

    base = _top_groups(cands, total(weights), settings=settings, top=n, grid=grid)
    base_sets = [set(g) for g in base]
    buurt = cands["buurt"].to_numpy(dtype=object) if "buurt" in cands else np.full(len(cands), None)
    rows, kept_rows = [], []
    g = settings.gevoeligheid
    for name, crit in crits.items():
        if crit.gewicht <= 0:
            continue
        for variant, factor in (
            (f"gewicht -{100 * g:.0f}%", 1 - g),
            (f"gewicht +{100 * g:.0f}%", 1 + g),
            ("weggelaten", 0.0),
        ):
            groups = _top_groups(
                cands, total({**weights, name: crit.gewicht * factor}), settings=settings, top=n, grid=grid
            )
            sets = [set(x) for x in groups]
            kept = np.array([any(b & s for s in sets) for b in base_sets], dtype=bool)
            new = [x for x, s in zip(groups, sets, strict=True) if not any(s & b for b in base_sets)]
            rows.append(
                {
                    "criterium": name,
                    "label": crit.label,
                    "variant": variant,
                    "factor": round(factor, 3),
                    "top": len(base),
                    "behouden": int(kept.sum()),
                    "uit_top": "; ".join(str(i + 1) for i in np.flatnonzero(~kept)),
                    "nieuw_in_top": "; ".join(str(buurt[x[0]]) for x in new),
                }
            )
            kept_rows.append(kept)
    kept_arr = np.array(kept_rows, dtype=bool).reshape(len(kept_rows), len(base))
    return pd.DataFrame(rows), kept_arr


def stability(variants: pd.DataFrame, kept: np.ndarray, *, settings: SiteSettings) -> dict[str, object]:
    """The stability figures of the top and a Dutch sentence stating them."""
    if not len(variants):
        return {}
    n_top = int(variants["top"].iloc[0])
    always = int(kept.all(axis=0).sum())
    # idxmin gives a label, which .loc takes; pandas-stubs type it Hashable, which .loc does not list
    worst = variants.loc[variants["behouden"].idxmin()]  # type: ignore[call-overload]
    mean = float(variants["behouden"].mean())
    pct = f"{100 * settings.gevoeligheid:.0f}"
    text = (
        f"Gevoeligheid van de rangorde (elk gewicht ±{pct}%, elk criterium eenmaal weggelaten; "
        f"{len(variants)} varianten): {always} van de top {n_top} blijven in alle {len(variants)} varianten "
        f"in de top {n_top}; gemiddeld blijven er {fmt.number(mean, 1)}"
        + f"; het minst ({int(worst['behouden'])}) bij {worst['label']} {worst['variant']}."
    )
    return {
        "top": n_top,
        "varianten": len(variants),
        "altijd_in_top": always,
        "gemiddeld_behouden": round(mean, 2),
        "minst_behouden": int(worst["behouden"]),
        "minst_behouden_variant": f"{worst['criterium']} {worst['variant']}",
        "in_top_per_zoekgebied": kept.sum(axis=0).tolist(),
        "tekst": text,
    }


def find_sites(
    analysis: Analysis,
    *,
    settings: SiteSettings,
    parcels: gpd.GeoDataFrame | None = None,
    facts: pd.DataFrame | None = None,
    top: int | None = 20,
) -> SiteResult:
    """Score candidates (grid cells over the built-up area, or the planner's parcels) and rank them.

    With ``parcels`` every parcel is its own candidate: nothing is dropped or merged; the room
    criterion is measured on the parcel, and a parcel on land the grid would exclude says so.
    """
    a = analysis
    inputs = a.inputs
    speed = a.settings.profile(settings.profiel).speed_m_s
    extra = inputs.osm.extra
    care = care_note(inputs.voorzieningen, settings.zorg_categorieen)
    notes = {"zorg": care} if care and any(c.name == "zorg" for c in settings.criteria) else {}
    opmerkingen = []
    if care:
        label = next((c.label for c in settings.criteria if c.name == "zorg"), "zorg")
        opmerkingen.append(
            f"Criterium '{label}': {care}; het wordt meegewogen maar niet als sterk of zwakste punt genoemd."
        )
        log.warning("zorgcriterium: %s", care)
    counts = pd.Series(dtype=int)
    if parcels is not None:
        cand = ensure_crs(parcels, name="kavels").copy()
        axy = shapely.get_coordinates(inputs.osm.addresses.geometry.to_numpy())
        tree = cKDTree(axy)
        rp = shapely.get_coordinates(cand.geometry.representative_point().to_numpy())
        cand["adressen_nabij"] = tree.query_ball_point(rp, r=500.0, return_length=True)
        # the planner chose the parcels: nothing is dropped, but what the grid would exclude is said
        cand = exclusion_reasons(
            cand, settings=settings, layers=extra, buurten=inputs.buurten, pois=inputs.osm.pois, lines=inputs.osm.lines
        )
        cells = score_candidates(cand, analysis=a, settings=settings, facts=facts)
        ranked = cells.loc[cells["score"].notna()].sort_values("score", ascending=False).copy()
        ranked.insert(0, "rang", np.arange(1, len(ranked) + 1))
        ranked["toelichting"] = [
            explain(r, settings.criteria, rank=int(r["rang"]), speed=speed, notes=notes)
            + (
                f" Let op: {r['uitgesloten']}"
                + (f": {r['uitgesloten_buurt']}" if r["uitgesloten_buurt"] else "")
                + "; in het raster zou deze plek zijn uitgesloten."
                if r["uitgesloten"]
                else ""
            )
            for _, r in ranked.iterrows()
        ]
        counts = exclusion_counts(cells)
        zg = ranked.head(top) if top else ranked
        grid = False
    else:
        inside = inputs.osm.addresses.loc[inputs.osm.addresses.within(inputs.gemeente.union_all())]
        allcells = candidate_cells(
            inputs.gemeente,
            inside,
            settings=settings,
            layers=extra,
            buurten=inputs.buurten,
            pois=inputs.osm.pois,
            lines=inputs.osm.lines,
        )
        counts = exclusion_counts(allcells)
        cand = allcells.loc[allcells["uitgesloten"] == ""].drop(columns=["uitgesloten", "uitgesloten_buurt"])
        cells = score_candidates(cand, analysis=a, settings=settings, facts=facts)
        zg = zoekgebieden(cells, settings=settings, speed_m_s=speed, top=top, notes=notes)
        grid = True
    variants, kept = site_sensitivity(cells, settings=settings, grid=grid)
    stab = stability(variants, kept, settings=settings)
    if stab:
        n = min(kept.shape[1], len(zg))
        zg = zg.copy()
        zg["in_top_varianten"] = np.r_[kept.sum(axis=0)[:n], np.full(len(zg) - n, np.nan)]
        text = zg["toelichting"].to_numpy(dtype=object)
        for i in range(n):
            text[i] += (
                f" In de top {kept.shape[1]} bij {int(zg['in_top_varianten'].iloc[i])} van de "
                f"{len(variants)} gewichtsvarianten."
            )
        zg["toelichting"] = text
        log.info("%s", stab["tekst"])
    result = SiteResult(
        cells=cells,
        zoekgebieden=zg,
        uitgesloten=counts,
        gevoeligheid=variants,
        stabiliteit=stab,
        opmerkingen=opmerkingen,
        kavels=not grid,
    )
    return result
