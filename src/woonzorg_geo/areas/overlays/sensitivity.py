"""How the wijk ranking and classes move when the weights or the scaling change."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from woonzorg_geo.areas.overlays.index import balance, index_scores, index_values
from woonzorg_geo.core.overlay_settings import OverlayIndicator, OverlaySettings

#: The columns of :func:`sensitivity`'s table (also of an empty one).
COLUMNS = (
    "index",
    "indicator",
    "factor",
    "max_rangverschuiving",
    "wijken_verschoven",
    "klassen_veranderd",
    "klassewijzigingen",
)


def _compare(base: pd.DataFrame, alt: pd.DataFrame, names: pd.Series) -> dict[str, object]:
    """Rank shifts and class changes of ``alt`` against ``base`` (both from :func:`.index.balance`)."""
    rank0 = base["balans"].rank(ascending=True, method="min")
    rank1 = alt["balans"].rank(ascending=True, method="min")
    diff = (rank1 - rank0).abs().dropna()
    changed = base.index[base["balans_klasse"] != alt["balans_klasse"]]
    return {
        "max_rangverschuiving": int(diff.max()) if len(diff) else 0,
        "wijken_verschoven": int((diff > 0).sum()),
        "klassen_veranderd": len(changed),
        "klassewijzigingen": "; ".join(
            f"{names.get(c, c)!s}: {base.at[c, 'balans_klasse']!s} → {alt.at[c, 'balans_klasse']!s}" for c in changed
        ),
    }


def _values(scores: pd.DataFrame, indicators: tuple[OverlayIndicator, ...], settings: OverlaySettings) -> pd.Series:
    """One index from its scaled scores (:func:`.index.index_scores`) and the weights of ``indicators``.

    As :func:`.index.wijk_indices` computes it, without the reasons and texts: the variants differ
    from the base in their weights only, and :func:`_compare` reads only the balans and its class.
    """
    return index_values(
        scores, indicators, min_weight_share=settings.min_gewicht_aandeel, min_coverage=settings.min_dekking
    )[0]


def sensitivity(wijken: pd.DataFrame, settings: OverlaySettings) -> pd.DataFrame:
    """How the wijk ranking by balans and the balans classes move under other weights and scalings.

    One row per variant: each weight times ``1 ± settings.gevoeligheid`` (``index`` draaglast or
    draagkracht, ``indicator`` its column, ``factor``), and each of
    ``settings.schaling_alternatieven`` instead of ``settings.schaling`` (``index`` ``schaling``,
    ``indicator`` the scaling's name, ``factor`` NaN). Columns: the largest rank change of any wijk,
    the number of wijken whose rank changed, the number whose balans class changed and those changes
    as text (``Centrum: onder druk → sterk onder druk``).

    Where no wijk has a balans (a gemeente without indicators) there is nothing to vary: the table
    is empty.
    """
    kinds = ("draaglast", "draagkracht")
    base_inds: dict[str, tuple[OverlayIndicator, ...]] = {kind: tuple(getattr(settings, kind)) for kind in kinds}
    # the scores depend on the scaling, never on the weights: scaled once per scaling
    scores = {kind: index_scores(wijken, base_inds[kind], scaling=settings.schaling) for kind in kinds}
    values = {kind: _values(scores[kind], base_inds[kind], settings) for kind in kinds}
    base = balance(values["draaglast"], values["draagkracht"], settings)
    if not base["balans"].notna().any():
        return pd.DataFrame(columns=list(COLUMNS))
    names = wijken["naam"] if "naam" in wijken else pd.Series(wijken.index, index=wijken.index)
    rows: list[dict[str, object]] = []
    for kind in kinds:
        inds = base_inds[kind]
        for i, ind in enumerate(inds):
            for factor in (1 - settings.gevoeligheid, 1 + settings.gevoeligheid):
                changed = list(inds)
                changed[i] = replace(ind, gewicht=ind.gewicht * factor)
                # only this index changes; the other keeps its base values
                varied = {**values, kind: _values(scores[kind], tuple(changed), settings)}
                alt = balance(varied["draaglast"], varied["draagkracht"], settings)
                rows.append(
                    {"index": kind, "indicator": ind.kolom, "factor": round(factor, 3), **_compare(base, alt, names)}
                )
    for method in settings.schaling_alternatieven:
        if method == settings.schaling:
            continue
        other = {
            kind: _values(index_scores(wijken, base_inds[kind], scaling=method), base_inds[kind], settings)
            for kind in kinds
        }
        alt = balance(other["draaglast"], other["draagkracht"], settings)
        rows.append({"index": "schaling", "indicator": method, "factor": np.nan, **_compare(base, alt, names)})
    return pd.DataFrame(rows, columns=list(COLUMNS))
