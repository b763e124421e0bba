"""Candidate search areas (zoekgebieden) for geclusterd wonen, scored and explained."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from .accessibility import compute_accessibility
from .aggregate import assign_areas
from .config import Criterion, SiteSettings
from .errors import SettingsError
from .raster import Grid
from .validate import ensure_crs

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


def candidate_cells(
    gemeente: gpd.GeoDataFrame,
    addresses: gpd.GeoDataFrame,
    *,
    settings: SiteSettings,
    landuse: gpd.GeoDataFrame | None = None,
    water: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """The built-up cells of the gemeente, without industrial/business land and water.

    Returns cells (square polygons, EPSG:28992) with ``adressen_cel`` and ``adressen_nabij``
    (within 500 m of the centre).
    """
    shape = ensure_crs(gemeente, name="gemeente").union_all()
    grid = Grid.covering(shape.bounds, settings.cel_m)
    centres = grid.centres()
    inside = shapely.contains_xy(shape, centres[:, 0], centres[:, 1])
    centres = centres[inside]
    axy = shapely.get_coordinates(ensure_crs(addresses, name="addresses").geometry.to_numpy())
    tree = cKDTree(axy)
    near = tree.query_ball_point(centres, r=settings.bebouwd_straal_m, return_length=True)
    built = near >= settings.bebouwd_min_adressen
    centres = centres[built]
    half = settings.cel_m / 2
    cells = gpd.GeoDataFrame(
        {
            "adressen_cel": tree.query_ball_point(centres, r=half * np.sqrt(2), return_length=True),
            "adressen_nabij": tree.query_ball_point(centres, r=500.0, return_length=True),
        },
        geometry=shapely.box(centres[:, 0] - half, centres[:, 1] - half, centres[:, 0] + half, centres[:, 1] + half),
        crs=gemeente.crs,
    )
    # exact count in the cell (the radius query above over-counts at the corners)
    in_cell = gpd.sjoin(gpd.GeoDataFrame(geometry=addresses.geometry.to_numpy(), crs=addresses.crs),
                        cells[["geometry"]], predicate="within")
    cells["adressen_cel"] = in_cell.groupby("index_right").size().reindex(cells.index).fillna(0).astype(int)
    excluded = np.zeros(len(cells), dtype=bool)
    pts = shapely.points(centres)
    if landuse is not None and len(landuse) and settings.uitsluiten_landuse:
        bad = landuse.loc[landuse["class"].isin(settings.uitsluiten_landuse)]
        if len(bad):
            hit, _ = shapely.STRtree(bad.geometry.to_numpy()).query(pts, predicate="within")
            excluded[np.unique(hit)] = True
    elif settings.uitsluiten_landuse:
        log.warning("geen landgebruikslaag: bedrijventerreinen worden niet uitgesloten")
    if water is not None and len(water):
        hit, _ = shapely.STRtree(water.geometry.to_numpy()).query(pts, predicate="within")
        excluded[np.unique(hit)] = True
    cells = cells.loc[~excluded].reset_index(drop=True)
    cells.index.name = "cel_id"
    log.info("%d kandidaatcellen van %.0f m (%d uitgesloten)", len(cells), settings.cel_m, int(excluded.sum()))
    return cells


@dataclass
class SiteResult:
    """Scored cells (or parcels) and the ranked zoekgebieden."""

    cells: gpd.GeoDataFrame
    zoekgebieden: gpd.GeoDataFrame


def score_candidates(
    candidates: gpd.GeoDataFrame,
    *,
    analysis: object,
    settings: SiteSettings,
    facts: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Every criterion's value and score, the total and the missing criteria, per candidate.

    ``analysis`` is a :class:`woonzorg_geo.pipeline.Analysis`; the distances are walked at
    ``settings.profiel`` over its network.
    """
    a = analysis
    if settings.profiel not in a.graphs:  # type: ignore[attr-defined]
        raise SettingsError(f"locaties.profiel {settings.profiel!r} is niet berekend; draai analyse met dit profiel")
    pg = a.graphs[settings.profiel]  # type: ignore[attr-defined]
    inputs = a.inputs  # type: ignore[attr-defined]
    crits = {c.name: c for c in settings.criteria}
    points = gpd.GeoDataFrame(geometry=candidates.geometry.representative_point(), crs=candidates.crs,
                              index=candidates.index)
    cats = ["ov_halte", "treinstation", "supermarkt", "huisarts", "apotheek", "ontmoetingsplek",
            *settings.zorg_categorieen]
    acc = compute_accessibility(
        pg, points, inputs.voorzieningen, categories=list(dict.fromkeys(cats)), radii_m=(),
        max_snap_m=settings.max_snap_m,
        composites={"ov": ("ov_halte", "treinstation"), "zorg": tuple(settings.zorg_categorieen)},
    )
    out = candidates.copy()
    values: dict[str, np.ndarray | pd.Series] = {}
    for name in (c for c in DISTANCE_CRITERIA if c in acc.categories):
        values[name] = acc.categories[name].origin_dist
    out["snap_m"] = acc.origin_snap.dist
    areas, _ = assign_areas(points, inputs.buurten, inputs.wijken)
    out["buurtcode"], out["wijkcode"] = areas["buurtcode"].to_numpy(), areas["wijkcode"].to_numpy()
    b = a.buurten  # type: ignore[attr-defined]
    w = a.wijken  # type: ignore[attr-defined]
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
        pct = facts.loc[(facts["niveau"] == "wijk") & (facts["indicator"] == "pct_65plus")]
        pct = pd.to_numeric(pct.set_index("code")["waarde"], errors="coerce")
        values["ouderen_aandeel"] = out["wijkcode"].map(pct).to_numpy(dtype=float)
    if "adressen_nabij" in out:
        values["adressen_nabij"] = out["adressen_nabij"].to_numpy(dtype=float)
    if "adressen_cel" in out:
        values["ruimte"] = out["adressen_cel"].to_numpy(dtype=float)
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
        return f"{value:,.0f} m ({value / speed / 60:.0f} min)".replace(",", ".")
    if name == "balans":
        return f"{value:+.2f}".replace(".", ",")
    if name == "focus_veerkracht":
        return f"{value:.2f}".replace(".", ",")
    if name == "ouderen_aandeel":
        return f"{value:.0f}%"
    return f"{value:,.0f}".replace(",", ".")


def explain(row: pd.Series, crits: tuple[Criterion, ...], *, rank: int, speed: float) -> str:
    """A Dutch sentence explaining a candidate's rank: its strongest and weakest criteria."""
    parts = []
    scored = [(c, row.get(f"score_{c.name}"), row.get(f"waarde_{c.name}")) for c in crits]
    scored = [(c, s, v) for c, s, v in scored if s is not None and not np.isnan(s)]
    strong = sorted(scored, key=lambda t: -(t[1] * t[0].gewicht))[:3]
    weak = sorted(scored, key=lambda t: t[1])[:1]
    parts.append(", ".join(f"{c.label} {_fmt_value(c.name, v, speed)}" for c, s, v in strong if s >= 0.5))
    text = f"Rang {rank} (score {row['score']:.2f}".replace(".", ",")
    text += f", {row['buurt']} in {row['wijk']})" if isinstance(row.get("buurt"), str) else ")"
    text += ": sterk door " + parts[0] if parts[0] else ": geen sterke punten"
    if weak and weak[0][1] < 0.6:
        c, s, v = weak[0]
        text += f"; zwakste punt: {c.label} {_fmt_value(c.name, v, speed)}"
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
        return [where[(i + di, j + dj)] for di in (-1, 0, 1) for dj in (-1, 0, 1)
                if (di or dj) and (i + di, j + dj) in where]

    regions: list[list[int]] = []
    for seed in order:
        if used[seed] or blocked[seed]:
            continue
        members = [seed]
        used[seed] = True
        frontier = set(neighbours(seed))
        while len(members) < max_cells:
            cand = [k for k in frontier
                    if ok[k] and not used[k] and not blocked[k] and score[k] >= score[seed] - delta]
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
    cells: gpd.GeoDataFrame, *, settings: SiteSettings, speed_m_s: float, top: int | None = None
) -> gpd.GeoDataFrame:
    """Merge the best touching cells into zoekgebieden (see :func:`grow_regions`) and rank them."""
    regions = grow_regions(cells, cell_m=settings.cel_m, delta=settings.zoekgebied_delta,
                           max_cells=settings.zoekgebied_max_cellen, limit=top)
    if not regions:
        return gpd.GeoDataFrame(columns=["rang", "score", "geometry"], geometry="geometry", crs=cells.crs)
    rows = []
    for members in regions:
        group = cells.iloc[members]
        top_cell = group.iloc[0]
        rows.append({
            **{k: top_cell[k] for k in top_cell.index if k.startswith(("waarde_", "score_"))},
            "score": float(group["score"].max()),
            "gem_score": float(group["score"].mean()),
            "n_cellen": int(len(group)),
            "buurt": top_cell.get("buurt"), "wijk": top_cell.get("wijk"),
            "buurtcode": top_cell.get("buurtcode"), "wijkcode": top_cell.get("wijkcode"),
            "focus": top_cell.get("focus"), "veerkracht": top_cell.get("veerkracht"),
            "ontbrekend": top_cell.get("ontbrekend", ""), "beste_cel": int(cells.index[members[0]]),
            "geometry": shapely.union_all(group.geometry.buffer(0.01, join_style="mitre").to_numpy())
            .buffer(-0.01, join_style="mitre"),
        })
    zg = gpd.GeoDataFrame(rows, geometry="geometry", crs=cells.crs)
    zg.insert(0, "rang", np.arange(1, len(zg) + 1))
    zg["oppervlak_ha"] = zg.area / 1e4
    zg["toelichting"] = [explain(r, settings.criteria, rank=int(r["rang"]), speed=speed_m_s) for _, r in zg.iterrows()]
    zg.index = pd.Index([f"zg{r:03d}" for r in zg["rang"]], name="zoekgebied")
    return zg


def find_sites(
    analysis: object,
    *,
    settings: SiteSettings,
    parcels: gpd.GeoDataFrame | None = None,
    facts: pd.DataFrame | None = None,
    top: int | None = 20,
) -> SiteResult:
    """Score candidates (grid cells over the built-up area, or the planner's parcels) and rank them.

    With ``parcels`` every parcel is its own candidate and nothing is merged.
    """
    a = analysis
    inputs = a.inputs  # type: ignore[attr-defined]
    speed = a.settings.profile(settings.profiel).speed_m_s  # type: ignore[attr-defined]
    if parcels is not None:
        cand = ensure_crs(parcels, name="kavels").copy()
        axy = shapely.get_coordinates(inputs.osm.addresses.geometry.to_numpy())
        tree = cKDTree(axy)
        rp = shapely.get_coordinates(cand.geometry.representative_point().to_numpy())
        cand["adressen_nabij"] = tree.query_ball_point(rp, r=500.0, return_length=True)
        cells = score_candidates(cand, analysis=a, settings=settings, facts=facts)
        ranked = cells.loc[cells["score"].notna()].sort_values("score", ascending=False).copy()
        ranked.insert(0, "rang", np.arange(1, len(ranked) + 1))
        ranked["toelichting"] = [explain(r, settings.criteria, rank=int(r["rang"]), speed=speed)
                                 for _, r in ranked.iterrows()]
        return SiteResult(cells=cells, zoekgebieden=ranked.head(top) if top else ranked)
    extra = inputs.osm.extra
    cand = candidate_cells(inputs.gemeente, inputs.osm.addresses.loc[inputs.osm.addresses.within(
        inputs.gemeente.union_all())], settings=settings, landuse=extra.get("landuse"), water=extra.get("water"))
    cells = score_candidates(cand, analysis=a, settings=settings, facts=facts)
    return SiteResult(cells=cells, zoekgebieden=zoekgebieden(cells, settings=settings, speed_m_s=speed, top=top))
