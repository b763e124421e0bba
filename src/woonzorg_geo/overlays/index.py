"""Composite indices per wijk: draaglast, draagkracht, balans and the reasons."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import formatting as fmt
from ..config import Indicator, OverlaySettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexResult:
    """An index per area with the z-scores it was made of."""

    value: pd.Series  # NaN where too little data
    z: pd.DataFrame  # one column per indicator (direction applied)
    used_weight_share: pd.Series
    missing: pd.Series  # text: which indicators were missing


def zscores(values: pd.Series) -> pd.Series:
    """Standardise within the gemeente (mean 0, population standard deviation 1); NaN stays NaN."""
    v = values.astype(float)
    sd = v.std(ddof=0)
    if not np.isfinite(sd) or sd == 0:
        return pd.Series(np.where(v.notna(), 0.0, np.nan), index=v.index)
    return (v - v.mean()) / sd


def composite_index(table: pd.DataFrame, indicators: Sequence[Indicator], *, min_weight_share: float) -> IndexResult:
    """Weighted mean of standardised indicators; missing values are left out, never zero.

    The weights of the indicators present are renormalised per area; an area where the present
    indicators carry less than ``min_weight_share`` of the total weight gets NaN. An indicator
    whose column is absent counts as missing everywhere (see :func:`absent_indicators`, which
    :func:`build_overlays` reports once).
    """
    z = pd.DataFrame(index=table.index)
    weights = {}
    for ind in indicators:
        if ind.kolom not in table:
            log.debug("indicator %s ontbreekt in de tabel: telt als ontbrekend", ind.kolom)
            z[ind.kolom] = np.nan
        else:
            z[ind.kolom] = ind.richting * zscores(table[ind.kolom])
        weights[ind.kolom] = ind.gewicht
    w = pd.Series(weights, dtype=float)
    present = z.notna()
    wsum = present.mul(w, axis=1).sum(axis=1)
    share = wsum / w.sum() if w.sum() > 0 else wsum * 0
    value = z.fillna(0.0).mul(w, axis=1).sum(axis=1) / wsum.replace(0, np.nan)
    value = value.where(share >= min_weight_share)
    labels = {ind.kolom: ind.label or ind.kolom for ind in indicators}
    missing = present.apply(lambda row: ", ".join(labels[c] for c, ok in row.items() if not ok), axis=1)
    return IndexResult(value=value, z=z, used_weight_share=share, missing=missing)


def balance_label(balans: pd.Series, settings: OverlaySettings) -> pd.Series:
    """The 5-class Dutch label of balans; missing stays 'onbekend'."""
    bins = [-np.inf, *settings.balans_grenzen, np.inf]
    labels = pd.cut(balans, bins=bins, labels=list(settings.balans_labels))
    return labels.astype(object).where(balans.notna(), "onbekend")


def wijk_indices(wijken: pd.DataFrame, settings: OverlaySettings) -> pd.DataFrame:
    """Draaglast, draagkracht, balans and its label per wijk, with the reasons as text."""
    load = composite_index(wijken, settings.draaglast, min_weight_share=settings.min_gewicht_aandeel)
    cap = composite_index(wijken, settings.draagkracht, min_weight_share=settings.min_gewicht_aandeel)
    out = pd.DataFrame(index=wijken.index)
    out["draaglast"] = load.value
    out["draagkracht"] = cap.value
    out["balans"] = out["draagkracht"] - out["draaglast"]
    out["balans_klasse"] = balance_label(out["balans"], settings)
    out["draaglast_ontbrekend"] = load.missing
    out["draagkracht_ontbrekend"] = cap.missing
    out["overlay_toelichting"] = [_index_reason(load, cap, code, settings) for code in wijken.index]
    return out


def _drivers(res: IndexResult, inds: Sequence[Indicator], code: str, *, top: int = 2) -> str:
    """The indicators that pull an index most in the direction of its value, with their z-scores.

    Each indicator's pull is its weighted share of the index (weight × z with the direction
    applied); for a positive index the largest positive pulls are named, for a negative one the
    largest negative pulls (what drags it down). The z-score shown is the indicator's own (before
    the direction), so ``ervaren gezondheid goed (−0,8)`` reads as "below average".
    """
    value = res.value.loc[code]
    row = res.z.loc[code].dropna()
    weights = {i.kolom: i.gewicht for i in inds}
    pull = row * pd.Series(weights).reindex(row.index).fillna(0.0)
    sign = 1.0 if value >= 0 else -1.0
    pull = (pull * sign)[lambda x: x > 0].sort_values(ascending=False).head(top)
    if pull.empty:
        return "geen enkele indicator wijkt duidelijk af"
    info = {i.kolom: (i.label or i.kolom, i.richting) for i in inds}
    return ", ".join(f"{info[k][0]} ({fmt.signed(row[k] * info[k][1], 1)})" for k in pull.index)


def _index_reason(load: IndexResult, cap: IndexResult, code: str, s: OverlaySettings) -> str:
    if np.isnan(load.value.loc[code]) or np.isnan(cap.value.loc[code]):
        return "onvoldoende gegevens voor de balans"
    return (
        f"draaglast {fmt.signed(load.value.loc[code])}, vooral door {_drivers(load, s.draaglast, code)}; "
        f"draagkracht {fmt.signed(cap.value.loc[code])}, vooral door {_drivers(cap, s.draagkracht, code)}"
    )


def absent_indicators(table: pd.DataFrame, settings: OverlaySettings) -> list[Indicator]:
    """The indicators of draaglast and draagkracht whose column is not in ``table``."""
    return [ind for ind in (*settings.draaglast, *settings.draagkracht) if ind.kolom not in table]
