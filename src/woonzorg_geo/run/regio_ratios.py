"""The plausibility of ``regio``'s address points: each gemeente's ratio to the CBS dwellings against the others'.

A gemeente whose address points per CBS dwelling (``adressen_per_woning``) lie far from those of
the other gemeenten of the run is flagged in ``regio.csv`` (``ratio_afwijkend``), with a Dutch
explanation (``ratio_toelichting``) that names both ratios and the distance in robust standard
deviations.
"""

from __future__ import annotations

import math
from typing import TypedDict

import numpy as np
import pandas as pd

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import RegioSettings


class RatioCheck(TypedDict, total=False):
    """The check of one gemeente (see :func:`flag_ratios`)."""

    ratio_mediaan_anderen: float
    ratio_z: float
    #: True/False, or ``pd.NA`` when there is too little to compare
    ratio_afwijkend: bool | object
    ratio_toelichting: str


def z_text(z: float) -> str:
    """A distance in standard deviations as ``regio.csv`` has always written it: ``+1,5``, ``-0,3``, ``+inf``.

    The digits come from :func:`woonzorg_geo.core.formatting.number` (decimal comma), but the sign is
    always shown and is the ASCII one (``-``, also before ``0,0`` of a small negative z), not the
    formatter's ``−``, so the explanations stay the same character for character.

    Examples
    --------
    >>> z_text(1.54), z_text(-0.04), z_text(0.0), z_text(-math.inf)
    ('+1,5', '-0,0', '+0,0', '-inf')
    """
    sign = "-" if math.copysign(1.0, z) < 0 else "+"
    if not math.isfinite(z):
        return f"{sign}{abs(z)}"
    return sign + fmt.number(abs(z), 1)


def flag_ratios(ratio: pd.Series, settings: RegioSettings) -> pd.DataFrame:
    """Flag gemeenten whose address points per CBS dwelling are far from the other gemeenten's.

    Each gemeente is compared with the median of the *others* (so an outlier does not shift its
    own yardstick), in robust standard deviations (1.4826 × the median absolute deviation of
    the others): flagged when more than ``settings.ratio_max_z`` away and at least
    ``settings.ratio_min_afwijking`` in absolute terms.

    Returns
    -------
    DataFrame
        Indexed like ``ratio``: ``ratio_mediaan_anderen``, ``ratio_z``, ``ratio_afwijkend``
        (True/False, missing when there is too little to compare) and ``ratio_toelichting``
        (Dutch text).
    """
    rows: dict[object, RatioCheck] = {}
    for code, value in ratio.items():
        others = ratio.drop(index=code).dropna()
        row: RatioCheck = {"ratio_mediaan_anderen": np.nan, "ratio_z": np.nan, "ratio_afwijkend": pd.NA}
        if not np.isfinite(value):
            row["ratio_toelichting"] = "geen CBS-woningvoorraad: niet te vergelijken"
        elif len(others) < settings.ratio_min_gemeenten:
            row["ratio_toelichting"] = (
                f"te weinig andere gemeenten om mee te vergelijken ({len(others)}, "
                f"minstens {settings.ratio_min_gemeenten})"
            )
        else:
            med = float(others.median())
            sd = 1.4826 * float((others - med).abs().median())
            dev = float(value) - med
            z = dev / sd if sd > 0 else (math.copysign(math.inf, dev) if dev else 0.0)
            flagged = abs(z) > settings.ratio_max_z and abs(dev) >= settings.ratio_min_afwijking
            row.update({"ratio_mediaan_anderen": med, "ratio_z": z, "ratio_afwijkend": bool(flagged)})
            txt = (
                f"{fmt.number(value, 3)} adressen per woning tegen {fmt.number(med, 3)} bij de andere gemeenten "
                f"({z_text(z)} sd)"
            )
            row["ratio_toelichting"] = (
                "AFWIJKEND: " + txt + "; controleer de adrespunten en de buurten van deze gemeente" if flagged else txt
            )
        rows[code] = row
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["ratio_afwijkend"] = out["ratio_afwijkend"].astype("boolean")
    return out.reindex(ratio.index)
