"""How the wijk ranking and classes move when the weights or the scaling change."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from ..config import OverlaySettings
from .index import wijk_indices


def sensitivity(wijken: pd.DataFrame, settings: OverlaySettings) -> pd.DataFrame:
    """How the wijk ranking by balans moves when each weight changes by ±``settings.gevoeligheid``.

    Returns one row per (index, indicator, direction): the largest rank change of any wijk and the
    number of wijken whose rank changed.
    """
    base = wijk_indices(wijken, settings)["balans"].rank(ascending=True, method="min")
    rows = []
    for kind in ("draaglast", "draagkracht"):
        inds = getattr(settings, kind)
        for i, ind in enumerate(inds):
            for factor in (1 - settings.gevoeligheid, 1 + settings.gevoeligheid):
                changed = list(inds)
                changed[i] = replace(ind, gewicht=ind.gewicht * factor)
                varied = (
                    replace(settings, draaglast=tuple(changed))
                    if kind == "draaglast"
                    else replace(settings, draagkracht=tuple(changed))
                )
                alt = wijk_indices(wijken, varied)["balans"]
                rank = alt.rank(ascending=True, method="min")
                diff = (rank - base).abs().dropna()
                rows.append(
                    {
                        "index": kind,
                        "indicator": ind.kolom,
                        "factor": round(factor, 3),
                        "max_rangverschuiving": int(diff.max()) if len(diff) else 0,
                        "wijken_verschoven": int((diff > 0).sum()),
                    }
                )
    return pd.DataFrame(rows)
