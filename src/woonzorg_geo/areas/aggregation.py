"""Aggregation of address-level accessibility to CBS buurten and wijken."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core.errors import AreaMismatchError
from woonzorg_geo.core.validate import ensure_crs
from woonzorg_geo.core.vocabulary import COMBINATIONS, norm_column

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
    before the nearest is looked for: the sliver buurt at its gap (see :func:`.sources.outlines.gap_owners`).

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
        owned = missing & pd.notna(given)
        # only the few points in no buurt are looked up (a string isin over every address is slow)
        owned[owned] = np.isin(given[owned].astype(str), buurten.index.astype(str))
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
        Column suffix per profile (see :meth:`.core.vocabulary.Vocabulary.suffix`).
    categories
        Categories whose share within the norm and mean/median distance are reported (the
        settings' ``kerncategorieen``); default: every category with a distance column.
    inhabitants, dwellings
        CBS figures by code, added beside the address counts where present.

    Returns
    -------
    GeoDataFrame
        ``areas`` with ``n_adressen``, ``n_woningen`` (address points with ``woning``; all when
        ``adressen`` has no such column), ``woningen_cbs`` and ``woningen_per_cbs`` (with
        ``dwellings``), the shares per woning ``pct_<cat>_<norm>m``, ``pct_ov_en_supermarkt_<norm>m``,
        ``pct_drie_a_<norm>m``, ``gem_afstand_<cat>_m``, ``med_afstand_<cat>_m`` and
        ``n_onbereikbaar`` per profile suffix, and the shares over every address point as
        ``pct_*_alle_adressen``. Areas without homes get NaN shares.
    """
    out = areas.copy()
    homes = _homes(adressen, norm_m=norm_m, key=key)
    out["n_adressen"] = adressen.groupby(key).size().reindex(out.index).fillna(0).astype(int)
    out["n_woningen"] = homes.groupby(key).size().reindex(out.index).fillna(0).astype(int)
    if "buiten_buurt" in adressen:  # addresses in no buurtvlak, given to this area (see assign_areas)
        out["n_buiten_buurtvlak"] = adressen["buiten_buurt"].groupby(adressen[key]).sum().reindex(out.index).fillna(0)
        out["n_buiten_buurtvlak"] = out["n_buiten_buurtvlak"].astype(int)
    if inhabitants is not None:
        out["inwoners_cbs"] = inhabitants.reindex(out.index)
    if dwellings is not None:
        out["woningen_cbs"] = dwellings.reindex(out.index)
        cbs = pd.to_numeric(out["woningen_cbs"], errors="coerce")
        out["woningen_per_cbs"] = (out["n_woningen"] / cbs.where(cbs > 0)).astype(float)
    for sfx in suffixes:
        cols: dict[str, pd.Series] = {}
        cats = _categories(adressen, categories, sfx)
        # headline shares and distances per woning; the shares over all address points beside them
        cols.update(_area_figures(homes, key=key, norm_m=norm_m, sfx=sfx, cats=cats, tail=None))
        if "woning" in adressen:
            cols.update(_area_figures(adressen, key=key, norm_m=norm_m, sfx=sfx, cats=cats, tail=ALL_ADDRESSES))
        dist_cols = [c for c in adressen.columns if c.startswith("afstand_") and c.endswith(f"_m{sfx}")]
        if dist_cols:
            cols[f"n_onbereikbaar{sfx}"] = adressen[dist_cols].isna().any(axis=1).groupby(adressen[key]).sum()
        for name, series in cols.items():
            out[name] = series.reindex(out.index)
    return out


#: Suffix of the shares over every address point (the headline ``pct_*`` is per woning).
ALL_ADDRESSES = "_alle_adressen"
#: Suffix of the gemeente's headline weighted to the CBS dwellings per wijk.
CBS_WEIGHTED = "_cbs_gewogen"


def _homes(adressen: pd.DataFrame, *, norm_m: float, key: str | None = None) -> pd.DataFrame:
    """The address points that are homes (all when there is no ``woning`` column).

    Only the columns the figures read are copied (``key``, the distances and the combinations
    within ``norm_m``), not every column of the addresses.
    """
    if "woning" not in adressen:
        return adressen
    combos = tuple(norm_column(name, norm_m) for name in COMBINATIONS)
    cols = [c for c in adressen.columns if c == key or c.startswith(("afstand_", *combos))]
    return pd.DataFrame(adressen.loc[adressen["woning"].fillna(False).astype(bool), cols])


def _area_figures(
    adressen: pd.DataFrame, *, key: str, norm_m: float, sfx: str, cats: Sequence[str], tail: str | None
) -> dict[str, pd.Series]:
    """Shares within the norm per area code, and mean/median distances when ``tail`` is None.

    ``tail`` goes between a share's name and the profile suffix (``pct_drie_a_800m_alle_adressen``).
    """
    t = tail or ""
    cols: dict[str, pd.Series] = {}
    by = adressen[key]
    for cat in cats:
        col = f"afstand_{cat}_m{sfx}"
        if col in adressen:
            within = adressen[col].fillna(np.inf) <= norm_m
            cols[f"pct_{norm_column(cat, norm_m)}{t}{sfx}"] = 100 * within.groupby(by).mean()
    for name in COMBINATIONS:
        combo = norm_column(name, norm_m)
        col = f"{combo}{sfx}"
        if col in adressen:
            cols[f"pct_{combo}{t}{sfx}"] = 100 * adressen[col].astype(float).groupby(by).mean()
    if tail is None:
        for cat in cats:
            col = f"afstand_{cat}_m{sfx}"
            if col in adressen:
                g = adressen[col].groupby(by)
                cols[f"gem_afstand_{cat}_m{sfx}"] = g.mean()
                cols[f"med_afstand_{cat}_m{sfx}"] = g.median()
    return cols


def cbs_weighted(wijken: pd.DataFrame, *, suffix: str = "") -> dict[str, float]:
    """The gemeente's ``pct_*`` shares as the mean of the wijk shares weighted by ``woningen_cbs``.

    Shows how much the homes that OSM misses (or counts extra) could move the headline. Keys are
    ``pct_<name>_cbs_gewogen`` without the profile suffix; wijken without a share or CBS count are
    left out.
    """
    if "woningen_cbs" not in wijken:
        return {}
    weight = pd.to_numeric(wijken["woningen_cbs"], errors="coerce")
    res: dict[str, float] = {}
    for col in wijken.columns:
        if not col.startswith("pct_") or ALL_ADDRESSES in col or not col.endswith(f"m{suffix}"):
            continue
        base = col[: len(col) - len(suffix)] if suffix else col
        if not base.endswith("m"):
            continue
        val = pd.to_numeric(wijken[col], errors="coerce")
        ok = val.notna() & weight.notna() & (weight > 0)
        if ok.any():
            res[f"{base}{CBS_WEIGHTED}"] = float((val[ok] * weight[ok]).sum() / weight[ok].sum())
    return res


def overall(
    adressen: pd.DataFrame, *, norm_m: float, suffix: str = "", categories: Sequence[str] | None = None
) -> dict[str, float]:
    """Gemeente-wide shares within the norm (percent) and median distances (m) of one profile.

    Keys carry no profile suffix (``pct_drie_a_800m``, ``med_afstand_huisarts_m``); ``categories``
    as in :func:`aggregate`.
    """
    res: dict[str, float] = {"n_adressen": float(len(adressen))}
    homes = _homes(adressen, norm_m=norm_m)
    res["n_woningen"] = float(len(homes))
    frames = [(homes, "")]
    if "woning" in adressen:
        frames.append((adressen, ALL_ADDRESSES))
    for frame, tail in frames:
        for cat in _categories(adressen, categories, suffix):
            col = f"afstand_{cat}_m{suffix}"
            if col in frame:
                res[f"pct_{norm_column(cat, norm_m)}{tail}"] = float(100 * (frame[col].fillna(np.inf) <= norm_m).mean())
                if not tail:
                    res[f"med_afstand_{cat}_m"] = float(frame[col].median())
        for name in COMBINATIONS:
            combo = norm_column(name, norm_m)
            if f"{combo}{suffix}" in frame:
                res[f"pct_{combo}{tail}"] = float(100 * frame[f"{combo}{suffix}"].astype(float).mean())
    return res
