"""Focus and veerkracht per buurt, from the buurt's own signals."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd

from woonzorg_geo.areas.overlays.tables import NEGATIVE_SIGNALS
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.overlay_settings import OverlaySettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuurtClasses:
    """Focus and veerkracht per buurt."""

    frame: pd.DataFrame  # focus, veerkracht, focus_redenen, veerkracht_redenen, signalen


#: The Aedes signals that mark vulnerability or nuisance (focuskaart/veerkrachtkaart) in a buurt.
VULNERABLE = frozenset({"concentratie_kwetsbaar", "toename_kwetsbaar", "lage_veerkracht"})
#: One of these alone puts a buurt at focus 'midden'.
MIDDLE_SIGNALS = frozenset({*VULNERABLE, "overlast_onveiligheid", "moeite_rondkomen"})


def _words(signals: set[str]) -> str:
    return ", ".join(sorted(signals)).replace("_", " ")


def signal_focus(signals: set[str]) -> tuple[str, str]:
    """Focus from the Aedes signals alone (the report's ``focus`` naming left out), with the reason.

    ``hoog``: overlast/onveiligheid together with a concentration or growth of vulnerable residents
    or low veerkracht (the logic of the Aedes focuskaart); ``midden``: one such signal, or moeite met
    rondkomen; ``laag``: none.
    """
    vuln = signals & VULNERABLE
    if "overlast_onveiligheid" in signals and vuln:
        return "hoog", "overlast/onveiligheid samen met " + _words(vuln)
    if signals & MIDDLE_SIGNALS:
        return "midden", "signaal: " + _words(signals & MIDDLE_SIGNALS)
    return "laag", "geen signaal van kwetsbaarheid of overlast in de buurt zelf"


def _lacking(signals: set[str]) -> str:
    """Which signal the report's facts lack for a named focus buurt to come out 'hoog' on its own."""
    vuln = signals & VULNERABLE
    if "overlast_onveiligheid" in signals:
        return "een concentratie of toename van kwetsbare inwoners of lage veerkracht"
    if vuln:
        return "overlast/onveiligheid"
    return "overlast/onveiligheid én kwetsbare inwoners"


def wijk_context(wijk: pd.Series | None, settings: OverlaySettings) -> str:
    """The wijk's draaglast and balans as context beside a buurt's own classes (never mixed into them)."""
    if wijk is None:
        return ""
    naam = fmt.text(wijk.get("naam"), missing="") if "naam" in wijk else ""
    head = f"wijk {naam}: " if naam else "wijk: "
    if pd.isna(wijk.get("draaglast")):
        return head + f"balans {fmt.text(wijk.get('balans_klasse'))}"
    text = f"draaglast {fmt.signed(wijk['draaglast'])}, balans '{fmt.text(wijk.get('balans_klasse'))}'"
    if wijk["draaglast"] >= settings.focus_draaglast_z:
        text += " (de wijk draagt veel; dat telt niet mee in de focus van de buurt)"
    return head + text


def buurt_classes(
    buurten: pd.DataFrame, signals: pd.DataFrame | None, wijk: pd.DataFrame, settings: OverlaySettings
) -> pd.DataFrame:
    """Focus (hoog/midden/laag) and veerkracht (laag/midden/hoog) per buurt, with the reasons.

    Rules (documented in the README):

    - focus hoog: the report names the buurt as focus (signal ``focus``, from its wijk pages), or
      overlast/onveiligheid coincides with a concentration or growth of vulnerable residents or low
      veerkracht (Aedes focuskaart logic). For a named focus buurt whose signals alone would not give
      'hoog', the reason says which signal the facts lack;
    - focus midden: one of those signals, or moeite met rondkomen, alone;
    - focus laag: no signal of its own. The wijk's load reaches a buurt only through the buurt's own
      signals: a quiet buurt in a loaded wijk stays 'laag', with the wijk's figures in
      ``wijk_context`` beside it (issue 25: Asserbos and Zuiderpark in Centrum);
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
                "wijk_context": [
                    wijk_context(wijk.loc[wk] if wk in wijk.index else None, settings)
                    for wk in buurten.get("wijkcode", pd.Series(index=buurten.index, dtype=object))
                ],
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
        veer_r: list[str] = []
        own, own_reason = signal_focus(s - {"focus"})
        if "focus" in s:
            focus = "hoog"
            focus_r = ["in het rapport genoemd als focusbuurt"]
            if own == "hoog":
                focus_r.append(own_reason)
            elif s - {"focus"}:
                focus_r.append(
                    f"de Aedes-signalen van het rapport alleen ({_words(s - {'focus'})}) geven '{own}': "
                    f"daarin ontbreekt {_lacking(s)}"
                )
            else:
                focus_r.append(
                    "het rapport geeft voor deze buurt geen Aedes-signalen (overlast/onveiligheid, kwetsbare "
                    "inwoners): de focus rust alleen op de tekst van het rapport"
                )
        else:
            focus, focus_r = own, [own_reason]
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
                veer_r.append("signalen: " + _words(negative))
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
            "wijk_context": wijk_context(w, settings),
        }
    unknown = sorted(set(sig.index) - set(buurten.index))
    if unknown:
        log.warning("buurtsignalen: %d buurtcode(s) horen bij geen buurt: %s", len(unknown), ", ".join(unknown))
    return pd.DataFrame.from_dict(rows, orient="index")
