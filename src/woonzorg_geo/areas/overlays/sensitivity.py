"""How the wijk ranking and classes move when the weights or the scaling change."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from woonzorg_geo.areas.overlays.index import wijk_indices
from woonzorg_geo.core.overlay_settings import OverlaySettings

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
    """Rank shifts and class changes of ``alt`` against ``base`` (both from :func:`wijk_indices`)."""
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
    base = wijk_indices(wijken, settings)
    if not base["balans"].notna().any():
        return pd.DataFrame(columns=list(COLUMNS))
    names = wijken["naam"] if "naam" in wijken else pd.Series(wijken.index, index=wijken.index)
    rows: list[dict[str, object]] = []
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
                alt = wijk_indices(wijken, varied)
                rows.append(
                    {"index": kind, "indicator": ind.kolom, "factor": round(factor, 3), **_compare(base, alt, names)}
                )
    for method in settings.schaling_alternatieven:
        if method == settings.schaling:
            continue
        alt = wijk_indices(wijken, settings, scaling=method)
        rows.append({"index": "schaling", "indicator": method, "factor": np.nan, **_compare(base, alt, names)})
    return pd.DataFrame(rows, columns=list(COLUMNS))
