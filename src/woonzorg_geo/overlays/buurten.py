"""Focus and veerkracht per buurt, from the buurt's own signals."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from .. import formatting as fmt
from ..config import OverlaySettings
from .tables import NEGATIVE_SIGNALS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuurtClasses:
    """Focus and veerkracht per buurt."""

    frame: pd.DataFrame  # focus, veerkracht, focus_redenen, veerkracht_redenen, signalen


def buurt_classes(
    buurten: pd.DataFrame, signals: pd.DataFrame | None, wijk: pd.DataFrame, settings: OverlaySettings
) -> pd.DataFrame:
    """Focus (hoog/midden/laag) and veerkracht (laag/midden/hoog) per buurt, with the reasons.

    Rules (documented in the README):

    - focus hoog: the report marks the buurt as focus, or overlast/onveiligheid coincides with a
      concentration or growth of vulnerable residents or low veerkracht (Aedes focuskaart logic);
    - focus midden: one of those signals or moeite met rondkomen alone, or the wijk's draaglast is
      at least ``focus_draaglast_z``;
    - veerkracht laag: signal lage veerkracht, or growth of vulnerable residents together with
      overlast/onveiligheid (the buurt's own signals: the veerkrachtkaart is a buurt map);
    - veerkracht hoog: fewer vulnerable residents (afname) or a wijk balans above the middle class,
      and no negative signal of its own;
    - otherwise midden.

    Without signals for this gemeente (``signals`` is ``None``) both are ``onbekend``: the absence
    of a signal source is not the absence of signals.
    """
    if signals is None:
        reason = "geen buurtsignalen voor deze gemeente (geen rapport met signalen per buurt)"
        return pd.DataFrame(
            {
                "focus": "onbekend",
                "veerkracht": "onbekend",
                "focus_redenen": reason,
                "veerkracht_redenen": reason,
                "signalen": "",
                "signalen_toelichting": "",
            },
            index=buurten.index,
        )
    sig = signals.groupby("buurtcode")["signaal"].apply(set)
    explain = signals.groupby("buurtcode")["toelichting"].apply(lambda s: "; ".join(dict.fromkeys(s)))
    low_label = settings.balans_labels[0]
    high_labels = set(settings.balans_labels[len(settings.balans_labels) // 2 + 1 :])
    rows = {}
    for code, b in buurten.iterrows():
        s = sig.get(code, set())
        wk = b.get("wijkcode")
        w = wijk.loc[wk] if wk in wijk.index else None
        focus_r: list[str] = []
        veer_r: list[str] = []
        vuln = s & {"concentratie_kwetsbaar", "toename_kwetsbaar", "lage_veerkracht"}
        if "focus" in s:
            focus = "hoog"
            focus_r.append("in het rapport aangewezen als focusbuurt")
        elif "overlast_onveiligheid" in s and vuln:
            focus = "hoog"
            focus_r.append("overlast/onveiligheid samen met " + ", ".join(sorted(vuln)).replace("_", " "))
        elif s & {"overlast_onveiligheid", "concentratie_kwetsbaar", "toename_kwetsbaar", "moeite_rondkomen"}:
            focus = "midden"
            focus_r.append("signaal: " + ", ".join(sorted(s & set(NEGATIVE_SIGNALS))).replace("_", " "))
        elif w is not None and pd.notna(w["draaglast"]) and w["draaglast"] >= settings.focus_draaglast_z:
            focus = "midden"
            focus_r.append(
                f"draaglast van de wijk {fmt.signed(w['draaglast'])} "
                f"(z-score; grens {fmt.signed(settings.focus_draaglast_z)})"
            )
        else:
            focus = "laag"
            focus_r.append("geen signalen en geen hoge draaglast in de wijk")
        negative = s & set(NEGATIVE_SIGNALS)
        if "lage_veerkracht" in s:
            veer = "laag"
            veer_r.append("lage veerkracht volgens de Aedes-veerkrachtkaart")
        elif {"toename_kwetsbaar", "overlast_onveiligheid"} <= s:
            veer = "laag"
            veer_r.append("toename kwetsbare inwoners samen met overlast/onveiligheid")
        elif not negative and ("afname_kwetsbaar" in s or (w is not None and w["balans_klasse"] in high_labels)):
            veer = "hoog"
            # without afname_kwetsbaar, the branch was taken on the wijk's balance (w is set)
            veer_r.append(
                "afname kwetsbare inwoners"
                if "afname_kwetsbaar" in s or w is None
                else f"balans van de wijk: {w['balans_klasse']}"
            )
        else:
            veer = "midden"
            if negative:
                veer_r.append("signalen: " + ", ".join(sorted(negative)).replace("_", " "))
            elif w is not None and w["balans_klasse"] == low_label:
                veer_r.append(f"geen eigen signalen, maar de balans van de wijk is '{low_label}'")
            else:
                veer_r.append("geen bijzondere signalen")
        rows[code] = {
            "focus": focus,
            "veerkracht": veer,
            "focus_redenen": "; ".join(focus_r),
            "veerkracht_redenen": "; ".join(veer_r),
            "signalen": ", ".join(sorted(s)),
            "signalen_toelichting": explain.get(code, ""),
        }
    unknown = sorted(set(sig.index) - set(buurten.index))
    if unknown:
        log.warning("buurtsignalen: %d buurtcode(s) horen bij geen buurt: %s", len(unknown), ", ".join(unknown))
    return pd.DataFrame.from_dict(rows, orient="index")
