"""Aggregation of address-level accessibility to CBS buurten and wijken."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import AreaMismatchError
from .validate import ensure_crs
from .vocabulary import COMBINATIONS, norm_column

log = logging.getLogger(__name__)


def _categories(adressen: pd.DataFrame, categories: Sequence[str] | None, suffix: str) -> list[str]:
    """The categories to report: those given, else every category with a distance column."""
    if categories is not None:
        return list(categories)
    found = []
    for col in adressen.columns:
        if col.startswith("afstand_") and col.endswith(f"_m{suffix}"):
            cat = col[len("afstand_") : len(col) - len(f"_m{suffix}")]
            if cat:
                found.append(cat)
    return found


def assign_areas(
    points: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    wijken: gpd.GeoDataFrame,
    *,
    owners: pd.Series | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The buurt and wijk of every point: exactly one of each.

    The buurt is the one the point lies in; a point inside no buurt (the generalised boundaries
    differ from the gemeente's own by up to ~100 m) goes to the nearest one, and is counted. The
    wijk is always the buurt's wijk (``wijkcode`` of ``buurten``), so the two never disagree;
    ``wijken`` is only checked to know every such wijk. A buurt without geometry gets no point.

    ``owners`` (index like ``points``, a buurt code or None) names the buurt of a point in no buurt
    before the nearest is looked for: the sliver buurt at its gap (see :func:`.areas.gap_owners`).

    Returns
    -------
    DataFrame, dict
        Columns ``buurtcode``, ``wijkcode``, ``buiten_buurt`` (True if in no buurtvlak) indexed like
        ``points``; and counts for the run summary: ``buiten_buurt`` (in no buurtvlak),
        ``naar_snipper`` (of those, given to their owner) and ``naar_dichtstbij`` (to the nearest).

    Raises
    ------
    AreaMismatchError
        When a buurt's wijk is not among ``wijken`` (areas of different indelingen).
    """
    points = ensure_crs(points, name="points")
    buurten = ensure_crs(buurten, name="buurten")
    wijken = ensure_crs(wijken, name="wijken")
    pts = gpd.GeoDataFrame(geometry=points.geometry.to_numpy(), index=np.arange(len(points)), crs=points.crs)
    shapes = gpd.GeoDataFrame(geometry=buurten.geometry.to_numpy(), index=np.arange(len(buurten)), crs=buurten.crs)
    inside = gpd.sjoin(pts, shapes, how="left", predicate="within")
    inside = inside[~inside.index.duplicated(keep="first")]
    pos = inside["index_right"].reindex(pts.index).to_numpy(dtype=float, copy=True)
    missing = np.isnan(pos)
    owned = np.zeros(len(pts), dtype=bool)
    if owners is not None and missing.any():
        where = pd.Series(np.arange(len(buurten)), index=buurten.index)
        given = owners.reindex(points.index).to_numpy(dtype=object)
        owned = missing & pd.notna(given) & np.isin(given.astype(str), buurten.index.astype(str))
        pos[owned] = where.reindex(given[owned]).to_numpy(dtype=float)
    nearest = missing & ~owned
    if nearest.any():
        g = shapes.geometry.to_numpy()
        located = shapes.loc[~(shapely.is_missing(g) | shapely.is_empty(g))]
        near = gpd.sjoin_nearest(pts.loc[nearest], located, how="left")
        near = near[~near.index.duplicated(keep="first")]
        pos[nearest] = near["index_right"].reindex(pts.index[nearest]).to_numpy(dtype=float)
    pos_i = pos.astype(np.int64)
    code = buurten.index.to_numpy(dtype=object)[pos_i]
    wijk = buurten["wijkcode"].to_numpy(dtype=object)[pos_i]
    unknown = sorted(set(wijk) - set(wijken.index))
    if unknown:
        raise AreaMismatchError(
            f"buurten horen bij wijken die niet bij de wijken staan: {', '.join(map(str, unknown[:5]))}; "
            "gebruik buurten en wijken van dezelfde indeling (jaar)"
        )
    frame = pd.DataFrame({"buurtcode": code, "wijkcode": wijk, "buiten_buurt": missing}, index=points.index)
    stats = {
        "buiten_buurt": int(missing.sum()),
        "naar_snipper": int(owned.sum()),
        "naar_dichtstbij": int(nearest.sum()),
    }
    if owned.any():
        log.info("%d adressen lagen in geen buurt en zijn aan de snipperbuurt bij hun gat toegekend", owned.sum())
    if nearest.any():
        log.info("%d adressen lagen in geen buurt en zijn aan de dichtstbijzijnde toegekend", nearest.sum())
    return frame, stats


def aggregate(
    adressen: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    key: str,
    norm_m: float,
    suffixes: Sequence[str] = ("",),
    categories: Sequence[str] | None = None,
    inhabitants: pd.Series | None = None,
    dwellings: pd.Series | None = None,
) -> gpd.GeoDataFrame:
    """Per area: number of addresses, shares within the norm, mean and median distances.

    Parameters
    ----------
    adressen
        Address-level accessibility with a ``key`` column (``buurtcode`` or ``wijkcode``).
    areas
        Buurten or wijken indexed by CBS code; returned with the figures added (a copy).
    key
        The column of ``adressen`` that holds the area code.
    norm_m
        The walking norm (``[bereikbaarheid] norm_m``); column names carry it.
    suffixes
        Column suffix per profile (see :meth:`.vocabulary.Vocabulary.suffix`).
    categories
        Categories whose share within the norm and mean/median distance are reported (the
        settings' ``kerncategorieen``); default: every category with a distance column.
    inhabitants, dwellings
        CBS figures by code, added beside the address counts where present.

    Returns
    -------
    GeoDataFrame
        ``areas`` with ``n_adressen``, ``pct_<cat>_<norm>m``, ``pct_ov_en_supermarkt_<norm>m``,
        ``pct_drie_a_<norm>m``, ``gem_afstand_<cat>_m``, ``med_afstand_<cat>_m`` and
        ``n_onbereikbaar`` per profile suffix. Areas without addresses get NaN shares.
    """
    groups = adressen.groupby(key)
    out = areas.copy()
    out["n_adressen"] = groups.size().reindex(out.index).fillna(0).astype(int)
    if "buiten_buurt" in adressen:  # addresses in no buurtvlak, given to this area (see assign_areas)
        out["n_buiten_buurtvlak"] = adressen["buiten_buurt"].groupby(adressen[key]).sum().reindex(out.index).fillna(0)
        out["n_buiten_buurtvlak"] = out["n_buiten_buurtvlak"].astype(int)
    if inhabitants is not None:
        out["inwoners_cbs"] = inhabitants.reindex(out.index)
    if dwellings is not None:
        out["woningen_cbs"] = dwellings.reindex(out.index)
    for sfx in suffixes:
        cols: dict[str, pd.Series] = {}
        cats = _categories(adressen, categories, sfx)
        for cat in cats:
            col = f"afstand_{cat}_m{sfx}"
            if col in adressen:
                within = adressen[col].fillna(np.inf) <= norm_m
                cols[f"pct_{norm_column(cat, norm_m)}{sfx}"] = 100 * within.groupby(adressen[key]).mean()
        for name in COMBINATIONS:
            combo = norm_column(name, norm_m)
            col = f"{combo}{sfx}"
            if col in adressen:
                cols[f"pct_{combo}{sfx}"] = 100 * adressen[col].astype(float).groupby(adressen[key]).mean()
        for cat in cats:
            col = f"afstand_{cat}_m{sfx}"
            if col in adressen:
                g = adressen[col].groupby(adressen[key])
                cols[f"gem_afstand_{cat}_m{sfx}"] = g.mean()
                cols[f"med_afstand_{cat}_m{sfx}"] = g.median()
        dist_cols = [c for c in adressen.columns if c.startswith("afstand_") and c.endswith(f"_m{sfx}")]
        if dist_cols:
            cols[f"n_onbereikbaar{sfx}"] = adressen[dist_cols].isna().any(axis=1).groupby(adressen[key]).sum()
        for name, series in cols.items():
            out[name] = series.reindex(out.index)
    return out


def overall(
    adressen: pd.DataFrame, *, norm_m: float, suffix: str = "", categories: Sequence[str] | None = None
) -> dict[str, float]:
    """Gemeente-wide shares within the norm (percent) and median distances (m) of one profile.

    Keys carry no profile suffix (``pct_drie_a_800m``, ``med_afstand_huisarts_m``); ``categories``
    as in :func:`aggregate`.
    """
    res: dict[str, float] = {"n_adressen": float(len(adressen))}
    for cat in _categories(adressen, categories, suffix):
        col = f"afstand_{cat}_m{suffix}"
        if col in adressen:
            res[f"pct_{norm_column(cat, norm_m)}"] = float(100 * (adressen[col].fillna(np.inf) <= norm_m).mean())
            res[f"med_afstand_{cat}_m"] = float(adressen[col].median())
    for name in COMBINATIONS:
        combo = norm_column(name, norm_m)
        if f"{combo}{suffix}" in adressen:
            res[f"pct_{combo}"] = float(100 * adressen[f"{combo}{suffix}"].mean())
    return res
