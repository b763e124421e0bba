"""Composite indices per wijk: draaglast, draagkracht, balans and the reasons."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from woonzorg_geo.areas.overlays.scaling import scale_indicator
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.overlay_settings import OverlayIndicator, OverlaySettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexResult:
    """An index per area with the scaled scores it was made of."""

    value: pd.Series  # NaN where too little data
    z: pd.DataFrame  # one column per indicator (scaled, direction applied)
    used_weight_share: pd.Series
    missing: pd.Series  # text: which indicators were missing
    #: The number of indicators with a value per area, and of the index in all.
    n_present: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))
    n_total: int = 0


def index_scores(table: pd.DataFrame, indicators: Sequence[OverlayIndicator], *, scaling: str = "z") -> pd.DataFrame:
    """The scaled scores of ``indicators`` (one column each, direction applied; NaN where missing).

    An indicator whose column is absent is NaN everywhere. The weights play no part, so the
    sensitivity analysis scales once and varies only the weights (:func:`index_values`).
    """
    z = pd.DataFrame(index=table.index)
    for ind in indicators:
        if ind.kolom not in table:
            log.debug("indicator %s ontbreekt in de tabel: telt als ontbrekend", ind.kolom)
            z[ind.kolom] = np.nan
        else:
            z[ind.kolom] = ind.richting * scale_indicator(table[ind.kolom], ind, scaling)
    return z


def index_values(
    z: pd.DataFrame,
    indicators: Sequence[OverlayIndicator],
    *,
    min_weight_share: float,
    min_coverage: float = 0.0,
) -> tuple[pd.Series, pd.Series, pd.DataFrame, pd.Series, int]:
    """The weighted mean of the scores ``z`` (from :func:`index_scores`) with the weights of ``indicators``.

    Returns the index (NaN where the rules of :func:`composite_index` leave it out), the share of
    the weight present, which scores are present, their number per area and the number of
    indicators.
    """
    w = pd.Series({ind.kolom: ind.gewicht for ind in indicators}, dtype=float)
    present = z.notna()
    wsum = present.mul(w, axis=1).sum(axis=1)
    share = wsum / w.sum() if w.sum() > 0 else wsum * 0
    value = z.fillna(0.0).mul(w, axis=1).sum(axis=1) / wsum.replace(0, np.nan)
    n_present = present.sum(axis=1).astype(int)
    n_total = len(w)
    value = value.where(share >= min_weight_share)
    if n_total:
        # a small tolerance so that 3 of 4 passes a rule of 0.75 despite floating point
        value = value.where(n_present / n_total >= min_coverage - 1e-9)
    return value, share, present, n_present, n_total


def composite_index(
    table: pd.DataFrame,
    indicators: Sequence[OverlayIndicator],
    *,
    min_weight_share: float,
    scaling: str = "z",
    min_coverage: float = 0.0,
) -> IndexResult:
    """Weighted mean of scaled indicators; missing values are left out, never zero.

    The weights of the indicators present are renormalised per area; an area where the present
    indicators carry less than ``min_weight_share`` of the total weight, or where fewer than
    ``min_coverage`` of the indicators (counted, not weighed) have a value, gets NaN. An indicator
    whose column is absent counts as missing everywhere (see :func:`absent_indicators`, which
    :func:`build_overlays` reports once). ``scaling``: one of
    :data:`~woonzorg_geo.areas.overlays.scaling.SCALINGS` (see that module for the choice).
    """
    z = index_scores(table, indicators, scaling=scaling)
    value, share, present, n_present, n_total = index_values(
        z, indicators, min_weight_share=min_weight_share, min_coverage=min_coverage
    )
    labels = {ind.kolom: ind.label or ind.kolom for ind in indicators}
    missing = present.apply(lambda row: ", ".join(labels[c] for c, ok in row.items() if not ok), axis=1)
    return IndexResult(value=value, z=z, used_weight_share=share, missing=missing, n_present=n_present, n_total=n_total)


def balance(draaglast: pd.Series, draagkracht: pd.Series, settings: OverlaySettings) -> pd.DataFrame:
    """``draaglast``, ``draagkracht``, ``balans`` (the difference) and ``balans_klasse`` per wijk."""
    out = pd.DataFrame(index=draaglast.index)
    out["draaglast"] = draaglast
    out["draagkracht"] = draagkracht
    out["balans"] = out["draagkracht"] - out["draaglast"]
    out["balans_klasse"] = balance_label(out["balans"], settings)
    return out


def balance_label(balans: pd.Series, settings: OverlaySettings) -> pd.Series:
    """The 5-class Dutch label of balans; missing stays 'onbekend'."""
    bins = [-np.inf, *settings.balans_grenzen, np.inf]
    labels = pd.cut(balans, bins=bins, labels=list(settings.balans_labels))
    return labels.astype(object).where(balans.notna(), "onbekend")


def wijk_indices(wijken: pd.DataFrame, settings: OverlaySettings, *, scaling: str | None = None) -> pd.DataFrame:
    """Draaglast, draagkracht, balans and its label per wijk, with the reasons as text.

    ``scaling``: the scaling of the indicators, default ``settings.schaling``. A wijk with fewer
    than ``settings.min_dekking`` of an index's indicators gets no value for it and its balans is
    ``onbekend`` (coverage rule, issue 25); ``draaglast_n_indicatoren`` and
    ``draagkracht_n_indicatoren`` hold the number of indicators behind each value and
    ``indicatoren_dekking`` says it in words (shown in the map popups).
    """
    how = scaling or settings.schaling
    load, cap = (
        composite_index(
            wijken, inds, min_weight_share=settings.min_gewicht_aandeel, scaling=how, min_coverage=settings.min_dekking
        )
        for inds in (settings.draaglast, settings.draagkracht)
    )
    out = balance(load.value, cap.value, settings)
    out["draaglast_ontbrekend"] = load.missing
    out["draagkracht_ontbrekend"] = cap.missing
    out["draaglast_n_indicatoren"] = load.n_present
    out["draagkracht_n_indicatoren"] = cap.n_present
    out["indicatoren_dekking"] = [
        f"draaglast {fmt.number(load.n_present[c])} van {fmt.number(load.n_total)}, "
        f"draagkracht {fmt.number(cap.n_present[c])} van {fmt.number(cap.n_total)} indicatoren"
        for c in wijken.index
    ]
    out["overlay_toelichting"] = [_index_reason(load, cap, code, settings) for code in wijken.index]
    return out


def _drivers(res: IndexResult, inds: Sequence[OverlayIndicator], code: str, *, top: int = 2) -> str:
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
        short = [
            f"{kind} {fmt.number(res.n_present[code])} van {fmt.number(res.n_total)}"
            for kind, res in (("draaglast", load), ("draagkracht", cap))
            if np.isnan(res.value.loc[code])
        ]
        return (
            f"onbekend: te weinig gegevens ({', '.join(short)} indicatoren met een waarde; "
            f"nodig is minstens {fmt.percent(100 * s.min_dekking, 0)} van de indicatoren)"
        )
    return (
        f"draaglast {fmt.signed(load.value.loc[code])}, vooral door {_drivers(load, s.draaglast, code)}; "
        f"draagkracht {fmt.signed(cap.value.loc[code])}, vooral door {_drivers(cap, s.draagkracht, code)}"
    )


def absent_indicators(table: pd.DataFrame, settings: OverlaySettings) -> list[OverlayIndicator]:
    """The indicators of draaglast and draagkracht whose column is not in ``table``."""
    return [ind for ind in (*settings.draaglast, *settings.draagkracht) if ind.kolom not in table]
