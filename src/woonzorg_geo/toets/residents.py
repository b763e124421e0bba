"""How many residents an initiative adds: its ``omvang`` in residents, with the source of the estimate.

An initiative counted in bewoners or plaatsen adds that many residents. One counted in woningen
(geclusterd wonen) adds ``omvang × bewoners_per_eenheid`` residents: the type's setting, with its
source (CBS household size of older households, see ``data/toetsingskader.toml``). Where the run
has the wijk's CBS inhabitants and dwellings, their ratio is named beside it for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.toets.settings import CareType


def _count(value: object) -> float | None:
    """A positive finite number, or None."""
    if fmt.is_missing(value) or isinstance(value, (str, bool)):
        return None
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if x > 0 else None


@dataclass(frozen=True)
class Residents:
    """The residents an initiative adds.

    The field names are the JSON keys of ``bewoners`` in ``toets.json`` (written verbatim), hence Dutch.
    """

    aantal: float  # estimated residents
    per_eenheid: float  # residents per unit of omvang
    tekst: str  # '+24 woningen ≈ 34 bewoners (1,4 per woning)'
    bron: str  # where the figure per unit comes from ('' when omvang already counts residents)


def estimate_residents(zt: CareType, omvang: int, wijk: pd.Series | None = None) -> Residents:
    """The residents ``omvang`` units of type ``zt`` add (see the module text).

    Parameters
    ----------
    zt
        The type, with ``omvang_eenheid`` and ``bewoners_per_eenheid`` (+ its source).
    omvang
        The size in the type's unit.
    wijk
        The wijk's row (``naam``, ``inwoners_cbs``, ``woningen_cbs``), for the comparison.
    """
    per = float(zt.bewoners_per_eenheid)
    if zt.omvang_eenheid == "bewoners" or (per == 1.0 and not zt.bewoners_per_eenheid_bron):
        unit = "" if zt.omvang_eenheid == "bewoners" else f" {zt.omvang_eenheid}, gerekend als {omvang} bewoners"
        return Residents(float(omvang), 1.0, f"+{omvang}{unit or ' bewoners'}", "")
    n = omvang * per
    one = zt.omvang_eenheid.removesuffix("en")
    text = f"+{omvang} {zt.omvang_eenheid} ≈ {fmt.number(n, 0)} bewoners ({fmt.number(per, 1)} per {one})"
    compare = ""
    if wijk is not None:
        inh, homes = _count(wijk.get("inwoners_cbs")), _count(wijk.get("woningen_cbs"))
        if inh and homes:
            compare = (
                f"; ter vergelijking: gemiddeld {fmt.number(inh / homes, 1)} inwoners per woning in de wijk "
                f"{fmt.text(wijk.get('naam'), missing='onbekend')} (CBS Kerncijfers wijken en buurten 2024, "
                "alle huishoudens)"
            )
    return Residents(n, per, text, zt.bewoners_per_eenheid_bron + compare)
