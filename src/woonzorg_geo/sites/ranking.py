"""Ranking: the best touching cells grown into zoekgebieden, and how stable the top is when the weights change."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.site_settings import SiteSettings
from woonzorg_geo.sites.scoring import explain

log = logging.getLogger(__name__)


def grow_regions(
    cells: gpd.GeoDataFrame, *, cell_m: float, delta: float, max_cells: int, limit: int | None
) -> list[list[int]]:
    """Greedy region growing over scored grid cells (positions from their centres).

    The best unused cell seeds a region; touching cells (8-neighbourhood) with a score at most
    ``delta`` below the seed's join, best first, up to ``max_cells``. Cells touching a finished
    region neither seed nor join another one. Returns the member positions (into ``cells``) per region, best first.
    """
    return grow_from_scores(
        cells["score"].to_numpy(dtype=float),
        shapely.get_coordinates(cells.geometry.centroid.to_numpy()),
        cell_m=cell_m,
        delta=delta,
        max_cells=max_cells,
        limit=limit,
    )


def grow_from_scores(
    score: np.ndarray, centres: np.ndarray, *, cell_m: float, delta: float, max_cells: int, limit: int | None
) -> list[list[int]]:
    """:func:`grow_regions` from the cells' scores (NaN: not a candidate) and centres (x, y).

    The sensitivity grows the regions again for every variant of the weights: the centres are
    taken once.
    """
    ok = ~np.isnan(score)
    # plain ints: the lookups below are Python's (a numpy row per lookup is several times slower)
    ij: list[list[int]] = np.floor(centres / cell_m).astype(np.int64).tolist()
    where = {(i, j): k for k, (i, j) in enumerate(ij)}
    order = [k for k in np.argsort(-np.nan_to_num(score, nan=-1.0), kind="stable") if ok[k]]
    used = np.zeros(len(score), dtype=bool)
    blocked = np.zeros(len(score), dtype=bool)

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


#: ``(x, y) in EPSG:28992 -> {part number: verdict}``: the toets of the reference initiative at a point
Judge = Callable[[float, float], Mapping[int, str]]
PARTS = (1, 2, 3, 4)


def judge_regions(
    regions: list[list[int]], centres: np.ndarray, *, judge: Judge, rule: str, top: int | None
) -> tuple[list[list[int]], list[dict[int, str]], pd.Series, list[list[int]]]:
    """Check the regions best first with ``judge`` and apply ``rule`` until ``top`` are kept.

    ``rule`` ``"uitsluiten"``: a region where a part is rood is left out; ``"lager"``: it comes
    after every region without rood. Only the regions needed are judged (the top plus its
    replacements). Returns the kept regions, their verdicts, the left-out count per part
    (``deel 1`` … ``deel 4``; a region rood on two parts counts in both) and the left-out regions.
    """
    good: list[tuple[list[int], dict[int, str]]] = []
    bad: list[tuple[list[int], dict[int, str]]] = []
    counts = dict.fromkeys(PARTS, 0)
    for members in regions:
        if top and len(good) >= top:
            break
        x, y = centres[members[0]]
        verdict = dict(judge(float(x), float(y)))
        rood = [p for p in PARTS if verdict.get(p) == "rood"]
        if rood:
            bad.append((members, verdict))
            for p in rood:
                counts[p] += 1
        else:
            good.append((members, verdict))
    if rule == "lager":
        kept = good + bad
        out: list[tuple[list[int], dict[int, str]]] = kept[:top] if top else kept
        left: list[list[int]] = []
    else:
        out = good
        left = [m for m, _ in bad]
    series = pd.Series({f"deel {p}": n for p, n in counts.items()}, dtype=int)
    return [m for m, _ in out], [v for _, v in out], series, left


def rank_search_areas(
    cells: gpd.GeoDataFrame,
    *,
    settings: SiteSettings,
    speed_m_s: float,
    top: int | None = None,
    notes: Mapping[str, str] | None = None,
    judge: Judge | None = None,
) -> gpd.GeoDataFrame:
    """Merge the best touching cells into zoekgebieden (see :func:`grow_regions`) and rank them.

    With ``judge`` (see :data:`Judge`), every zoekgebied gets the toets verdict of the reference
    initiative per part (``toets_deel1`` … ``toets_deel4``, at its best cell) and
    ``settings.toets_regel`` is applied (:func:`judge_regions`); the left-out counts per part are in
    ``attrs["toets_weggelaten"]``, the cell positions of the left-out zoekgebieden in
    ``attrs["toets_weggelaten_cellen"]``.
    """
    judged = judge is not None and settings.toets_regel != "uit"
    regions = grow_regions(
        cells,
        cell_m=settings.cel_m,
        delta=settings.zoekgebied_delta,
        max_cells=settings.zoekgebied_max_cellen,
        limit=None if judged else top,
    )
    verdicts: list[dict[int, str]] = []
    left_out = pd.Series(dtype=int)
    left_cells: list[list[int]] = []
    if judged and judge is not None:
        centres = shapely.get_coordinates(cells.geometry.centroid.to_numpy())
        t0 = time.perf_counter()
        n_regions = len(regions)
        calls = []
        inner = judge

        def counted(x: float, y: float) -> Mapping[int, str]:
            calls.append(1)
            return inner(x, y)

        regions, verdicts, left_out, left_cells = judge_regions(
            regions, centres, judge=counted, rule=settings.toets_regel, top=top
        )
        log.info(
            "toets van het referentie-initiatief bij %d van %d zoekgebieden: %s",
            len(calls),
            n_regions,
            fmt.number(time.perf_counter() - t0, 1, unit=" s"),
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
    best = cells.geometry.iloc[[m[0] for m in regions]].centroid.to_crs(4326)
    zg["punt_lon"] = np.round(best.x.to_numpy(), 6)
    zg["punt_lat"] = np.round(best.y.to_numpy(), 6)
    text = [explain(r, settings.criteria, rank=int(r["rang"]), speed=speed_m_s, notes=notes) for _, r in zg.iterrows()]
    if verdicts:
        for p in PARTS:
            zg[f"toets_deel{p}"] = [v.get(p, "onbekend") for v in verdicts]
        ref = f"{settings.referentie_type.replace('_', ' ')}, {settings.referentie_omvang} woningen"
        for i, v in enumerate(verdicts):
            parts = ", ".join(f"deel {p} {v.get(p, 'onbekend')}" for p in PARTS)
            rood = [str(p) for p in PARTS if v.get(p) == "rood"]
            text[i] += f" Toets ({ref}, bij het beste punt): {parts}."
            if rood:
                text[i] += f" Lager gerangschikt: de toets geeft rood op deel {' en '.join(rood)}."
    zg["toelichting"] = text
    zg.index = pd.Index([f"zg{r:03d}" for r in zg["rang"]], name="zoekgebied")
    zg.attrs["toets_weggelaten"] = left_out
    zg.attrs["toets_weggelaten_cellen"] = left_cells
    zg.attrs["toets_weggelaten_namen"] = [
        f"{cells.iloc[m[0]].get('buurt')} ({cells.iloc[m[0]].get('wijk')})" for m in left_cells
    ]
    return zg


def _top_groups(
    centres: np.ndarray, score: pd.Series, *, settings: SiteSettings, top: int, grid: bool
) -> list[list[int]]:
    """The positions of the top ``top`` zoekgebieden (grid cells, ``centres`` their centroids) or
    candidates (parcels) for ``score``."""
    if grid:
        return grow_from_scores(
            score.to_numpy(dtype=float),
            centres,
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

    centres = shapely.get_coordinates(cands.geometry.centroid.to_numpy()) if grid else np.empty((0, 2))
    base = _top_groups(centres, total(weights), settings=settings, top=n, grid=grid)
    base_sets = [set(g) for g in base]
    buurt = cands["buurt"].to_numpy(dtype=object) if "buurt" in cands else np.full(len(cands), None)
    rows, kept_rows = [], []
    g = settings.gevoeligheid
    for name, crit in crits.items():
        if crit.gewicht <= 0:
            continue
        for variant, factor in (
            (f"gewicht -{fmt.percent(100 * g, 0)}", 1 - g),
            (f"gewicht +{fmt.percent(100 * g, 0)}", 1 + g),
            ("weggelaten", 0.0),
        ):
            groups = _top_groups(
                centres, total({**weights, name: crit.gewicht * factor}), settings=settings, top=n, grid=grid
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
    pct = fmt.number(100 * settings.gevoeligheid)
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
