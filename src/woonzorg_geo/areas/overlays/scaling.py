"""Scaling the overlay indicators before they are averaged into draaglast and draagkracht.

Three scalings (``[overlays] schaling`` picks one, ``schaling_alternatieven`` are the others the
sensitivity analysis compares it with):

``z``
    Plain z-scores across the wijken of the gemeente: ``(x − mean) / sd``. Every indicator gets the
    same spread, however small its real differences are: with ten wijken, mantelzorg 13–16 %
    (the report's wijkonderzoek) becomes z −1,4 … +2,1, so a 3-point difference reads as a strong
    signal. Kept as an alternative, it was the method before issue 25.
``z_vloer`` (the default)
    As ``z``, but the spread used is at least the indicator's ``vloer``: the smallest difference
    that counts as a real difference in that indicator's unit, stated per indicator in the settings
    with its reason. An indicator whose wijken differ by less than its floor keeps small scores;
    one whose wijken differ by more is scaled exactly as by ``z``. The floors of the package's
    settings follow one rule per kind of figure:

    - survey percentages (Gezondheidsmonitor 2022, the municipal wijkonderzoek): 5 percentage
      points, about the 95 % margin of a wijk percentage from a few hundred respondents
      (1,96·√(p(1−p)/n): ±3,5 points at p = 15 %, n = 400; ±4,9 at p = 50 %);
    - report marks (1–10): half a mark;
    - register figures (CBS, Wmo registration) and the shares computed here: a difference a planner
      would act on, stated in the indicator's ``reden``.

    An indicator may also carry a ``referentie``: a fixed centre (e.g. the national share of 65+)
    instead of the mean of the wijken that have a value. That is for figures the report gives for a
    few wijken only (65+ for Centrum, Noorderpark and Lariks, the three oldest): the mean of those
    three would make the third-oldest wijk look young.
``rang``
    Ranks (ties averaged), then z-scores of the ranks: only the order counts, no distance at all.
    A check on the other two: a class that changes only under ``rang`` rests on the size of the
    differences, not their order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from woonzorg_geo.core.overlay_settings import SCALINGS, OverlayIndicator

__all__ = ["SCALINGS", "SCALING_NOTES", "floored_z", "rank_scores", "scale_indicator", "zscores"]

#: What each scaling means for a reader, beside the z-score explanation (maps, wijkprofielen).
SCALING_NOTES = {
    "z": "",
    "z_vloer": (
        "Per indicator is de spreiding minstens het verschil dat ertoe doet (de vloer, bijv. 5 procentpunt bij "
        "enquêtecijfers, een half punt bij rapportcijfers): kleine verschillen tussen wijken tellen klein."
    ),
    "rang": "Per indicator telt alleen de volgorde van de wijken, niet de grootte van de verschillen.",
}


def zscores(values: pd.Series) -> pd.Series:
    """Standardise within the gemeente (mean 0, population standard deviation 1); NaN stays NaN."""
    v = values.astype(float)
    sd = v.std(ddof=0)
    if not np.isfinite(sd) or sd == 0:
        return pd.Series(np.where(v.notna(), 0.0, np.nan), index=v.index)
    return (v - v.mean()) / sd


def floored_z(values: pd.Series, *, floor: float, centre: float | None = None) -> pd.Series:
    """``(x − centre) / max(sd, floor)``: z-scores whose spread is at least ``floor``.

    ``centre`` is the mean of the values present unless given. With ``floor`` 0 and no centre this
    is :func:`zscores`. A single value (sd 0) with a floor is scored against the centre; without a
    floor it scores 0, as in :func:`zscores`.
    """
    v = values.astype(float)
    sd = v.std(ddof=0)
    sd = 0.0 if not np.isfinite(sd) else float(sd)
    spread = max(sd, floor)
    mid = float(v.mean()) if centre is None else float(centre)
    if spread == 0 or not np.isfinite(mid):
        return pd.Series(np.where(v.notna(), 0.0, np.nan), index=v.index)
    return (v - mid) / spread


def rank_scores(values: pd.Series) -> pd.Series:
    """z-scores of the ranks (ties averaged): the order of the wijken, none of the distances."""
    return zscores(values.astype(float).rank(method="average"))


def scale_indicator(values: pd.Series, indicator: OverlayIndicator, method: str) -> pd.Series:
    """Scale one indicator's values by ``method`` (one of :data:`SCALINGS`); the direction is not applied."""
    if method == "z":
        return zscores(values)
    if method == "z_vloer":
        return floored_z(values, floor=indicator.vloer, centre=indicator.referentie)
    if method == "rang":
        return rank_scores(values)
    raise ValueError(f"onbekende schaling {method!r}; kies uit {', '.join(SCALINGS)}")
