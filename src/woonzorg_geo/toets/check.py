"""The four parts of the check, the site's accessibility, the what-if, and run_toets."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from .. import RD_NEW
from ..accessibility import Accessibility, compute_accessibility
from ..aggregate import assign_areas
from ..report import slug
from .locate import _initiatives, _locate, offline_geocoder, read_register
from .model import (
    Criterium,
    Deel,
    ToetsResult,
    aandeel_na,
    per_1000,
    per_1000_na,
    wmo_per_1000_na,
    worst,
)
from .numbers import _nl, _num, _present
from .settings import (
    CATEGORY_LABELS,
    CATEGORY_PARTS,
    PARTS,
    SIGNAL_LABELS,
    VERDICT_TEXT,
    Drempel,
    Geocode,
    ToetsError,
    ToetsSettings,
    ZorgType,
    load_toets_settings,
)

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Accessibility of the site
# --------------------------------------------------------------------------------------------


def _profile(analysis: Any, wanted: str) -> tuple[str, list[str]]:
    graphs = analysis.graphs
    if wanted in graphs:
        return wanted, []
    main = next(iter(graphs))
    return main, [f"profiel '{wanted}' ontbreekt in de analyse; bereikbaarheid berekend met '{main}'"]


def _suffix(analysis: Any, profile: str) -> str:
    main = next(iter(analysis.graphs))
    return "" if profile == main else f"_{profile}"


def _site_access(
    analysis: Any, point: shapely.Point, profile: str, settings: ToetsSettings
) -> tuple[Accessibility, pd.Series, float]:
    """Accessibility of one point, and the network distance to every voorziening within reach."""
    pg = analysis.graphs[profile]
    wanted: list[str] = []
    for cat in (*settings.bereikbaarheid.categorieen, "ontmoetingsplek"):
        for part in CATEGORY_PARTS.get(cat, (cat,)):
            if part not in wanted:
                wanted.append(part)
    radii = sorted({settings.bereikbaarheid.norm_m, settings.draagvlak.ontmoetingsplek_straal_m})
    origin = gpd.GeoDataFrame(geometry=[point], crs=RD_NEW, index=pd.Index(["locatie"]))
    max_snap = float(getattr(analysis.settings.bereikbaarheid, "max_snap_m", 500.0))
    acc = compute_accessibility(pg, origin, analysis.inputs.voorzieningen, categories=wanted,
                                radii_m=radii, max_snap_m=max_snap)
    limit = max(radii)
    if acc.origin_far[0] or len(acc.dest_ids) == 0:
        return acc, pd.Series(dtype=float), limit
    left, right, d_left, d_right = acc.routing.place(acc.origin_snap)
    d = dijkstra(acc.routing.matrix, directed=False, indices=[int(left[0]), int(right[0])], limit=limit)
    nodes = acc.routing.dest_node
    dist = acc.origin_snap.dist[0] + np.minimum(d_left[0] + d[0, nodes], d_right[0] + d[1, nodes])
    within = pd.Series(dist, index=acc.dest_ids)
    return acc, within[within <= limit].sort_values(), limit


def _access_rows(
    analysis: Any, acc: Accessibility, within: pd.Series, speed: float, settings: ToetsSettings
) -> list[dict[str, Any]]:
    vz = analysis.inputs.voorzieningen
    b = settings.bereikbaarheid
    rows = []
    for cat in b.categorieen:
        res = acc.categories.get(cat)
        parts = CATEGORY_PARTS.get(cat, (cat,))
        dist = _num(res.origin_dist[0]) if res is not None else None
        nearest = res.origin_nearest[0] if res is not None else None
        name = None
        if nearest is not None and nearest in vz.index:
            raw = vz.at[nearest, "naam"]
            name = raw if _present(raw) and str(raw) else f"({vz.at[nearest, 'label']}, naamloos)"
        near_ids = [i for i in within.index if within[i] <= b.norm_m and vz.at[i, "categorie"] in parts]
        if dist is None:
            verdict = "onbekend"
            reason = ("locatie ligt te ver van het looppadennetwerk" if acc.origin_far[0]
                      else "geen voorziening van deze categorie bereikbaar")
        else:
            verdict = "groen" if dist <= b.norm_m else b.oordeel_buiten_norm
            reason = ""
        rows.append({
            "categorie": cat,
            "label": CATEGORY_LABELS.get(cat, cat),
            "afstand_m": None if dist is None else round(dist, 1),
            "minuten": None if dist is None else round(dist / speed / 60.0, 1),
            "dichtstbij": None if name is None else str(name),
            "aantal_binnen_norm": len(near_ids),
            "binnen_norm": None if dist is None else bool(dist <= b.norm_m),
            "oordeel": verdict,
            "toelichting": reason,
        })
    return rows


# --------------------------------------------------------------------------------------------
# The four parts
# --------------------------------------------------------------------------------------------


def _crit_threshold(code: str, naam: str, value: float | None, waarde_tekst: str, d: Drempel,
                    *, toelichting: str = "", verdict: str | None = None) -> Criterium:
    return Criterium(code=code, naam=naam, waarde=value, waarde_tekst=waarde_tekst, drempel=d.tekst(),
                     bron=f"{d.bron} — {d.reden}" if d.reden else d.bron,
                     oordeel=verdict or d.oordeel(value), toelichting=toelichting)


def _part(nummer: int, criteria: list[Criterium], toelichting: str = "") -> Deel:
    _, code, titel, vraag = PARTS[nummer - 1]
    return Deel(nummer=nummer, code=code, titel=titel, vraag=vraag, criteria=tuple(criteria),
                oordeel=worst([c.oordeel for c in criteria]), toelichting=toelichting)


def _inhabitants(analysis: Any, buurt: pd.Series | None, wijk: pd.Series | None,
                 rapport: str) -> dict[str, Any]:
    """Inhabitants of the wijk (CBS) and of the buurt (CBS or estimated from address shares)."""
    out: dict[str, Any] = {"wijk": None, "wijk_bron": "", "buurt": None, "buurt_bron": "", "gemeente": None}
    if wijk is not None:
        for col, src in (("inwoners_cbs", "CBS Kerncijfers wijken en buurten 2024"),
                         ("inwoners", f"{rapport} (CBS 2024)")):
            if col in wijk and _num(wijk.get(col)):
                out["wijk"], out["wijk_bron"] = float(wijk[col]), src
                break
    if buurt is not None:
        if _num(buurt.get("inwoners_cbs")):
            out["buurt"], out["buurt_bron"] = float(buurt["inwoners_cbs"]), "CBS Kerncijfers wijken en buurten"
        elif out["wijk"] and wijk is not None and _num(wijk.get("n_adressen")) and _num(buurt.get("n_adressen")):
            share = float(buurt["n_adressen"]) / float(wijk["n_adressen"])
            out["buurt"] = out["wijk"] * share
            out["buurt_bron"] = (f"schatting: inwoners van de wijk ({out['wijk_bron']}) × aandeel van de buurt in de "
                                 f"adressen van de wijk ({_nl(100 * share, 1)}%, OSM-adrespunten 2021); "
                                 "de offline gegevens hebben geen inwoners per buurt")
    kern = getattr(analysis.inputs, "kerncijfers", None)
    code = analysis.inputs.gemeente.index[0] if len(analysis.inputs.gemeente) else None
    if isinstance(kern, pd.DataFrame) and code in kern.index:
        for col in ("AantalInwoners_5", "aantalInwoners"):
            if col in kern and _num(kern.at[code, col]):
                out["gemeente"] = float(kern.at[code, col])
                break
    if out["gemeente"] is None and "inwoners_cbs" in analysis.wijken:
        total = analysis.wijken["inwoners_cbs"].sum(min_count=1)
        out["gemeente"] = _num(total)
    return out


def _part_regio(
    s: ToetsSettings, zt: ZorgType, point: shapely.Point, init: gpd.GeoDataFrame, has_register: bool,
    inw: dict[str, Any], buurtcode: str | None, wijkcode: str | None, init_areas: pd.DataFrame,
) -> tuple[Deel, dict[str, Any]]:
    dist = init.distance(point) if len(init) else pd.Series(dtype=float)
    same = (init["type"] == zt.key).to_numpy() if len(init) else np.zeros(0, bool)
    n_osm = int((init["bron"] == "osm").sum()) if len(init) else 0
    request = ("Geen register van bestaande zorginitiatieven opgegeven: lever een register aan "
               f"(CSV met de kolommen {s.register.kolom_naam}, {s.register.kolom_adres}, "
               f"{s.register.kolom_postcode}, {s.register.kolom_type}; --register BESTAND). "
               "OpenStreetMap kent alleen een deel van de woonzorglocaties (verpleeg- en verzorgingshuizen) "
               "en geen beschermd wonen, ggz-, vg- of jeugdvoorzieningen.")
    src_counts = ("register van de gemeente/initiatiefnemer en OpenStreetMap (woonzorglocaties); "
                  "hemelsbrede afstand tot de locatie") if has_register else \
        "alleen OpenStreetMap (woonzorglocaties, onvolledig); hemelsbrede afstand tot de locatie"
    crits: list[Criterium] = []
    counts: dict[str, Any] = {}
    for code, same_type in (("zelfde_type_500m", True), ("zelfde_type_1000m", True),
                            ("elk_type_500m", False), ("elk_type_1000m", False)):
        d = s.drempels[code]
        sel = (dist.to_numpy() <= d.straal_m) & (same if same_type else True)
        n = int(sel.sum())
        counts[code] = n
        names = ", ".join(f"{r.naam} ({_nl(dd, 0)} m)" for r, dd in zip(init.loc[sel].itertuples(), dist[sel],
                                                                          strict=True))
        what = f"van het type {zt.label.lower()}" if same_type else "van elk type"
        crit = _crit_threshold(
            code, f"zorginitiatieven {what} binnen {_nl(d.straal_m)} m", float(n),
            f"{n}" + (f": {names}" if names else ""), d,
            verdict=None if has_register else "onbekend",
            toelichting="" if has_register else "geen register: alleen OpenStreetMap geteld (onvolledig)",
        )
        crits.append(dataclasses.replace(crit, bron=f"{src_counts}; drempel: {crit.bron}"))
    in_gem = init_areas.dropna(subset=["buurtcode"]) if len(init_areas) else init_areas
    g_n = len(in_gem)
    g_rate = per_1000(g_n, inw["gemeente"])
    for level, code_area, key, inw_key in (("buurt", buurtcode, "buurtcode", "buurt"),
                                           ("wijk", wijkcode, "wijkcode", "wijk")):
        d = s.drempels[f"per_1000_{level}"]
        n_area = int((in_gem[key] == code_area).sum()) if len(in_gem) else 0
        n_same = int(((in_gem[key] == code_area) & (in_gem["type"] == zt.key)).sum()) if len(in_gem) else 0
        rate = per_1000(n_area, inw[inw_key])
        if not np.isfinite(rate) or not np.isfinite(g_rate):
            ratio = float("nan")
        elif g_rate == 0:
            ratio = 0.0 if n_area == 0 else float("inf")
        else:
            ratio = rate / g_rate
        counts[f"{level}_n"], counts[f"{level}_n_zelfde_type"], counts[f"{level}_per_1000"] = n_area, n_same, rate
        ratio_text = "onbekend" if np.isnan(ratio) else ("oneindig" if np.isinf(ratio) else _nl(ratio, 2))
        text = (f"{n_area} initiatieven ({n_same} van dit type) = {_nl(rate, 2)} per 1.000 inwoners; "
                f"gemeente {_nl(g_rate, 2)} per 1.000 ({g_n} initiatieven); {ratio_text}× de gemeente")
        src = f"{src_counts.split(';')[0]}; inwoners {level}: {inw[f'{inw_key}_bron'] or 'onbekend'}"
        verdict = None if has_register else "onbekend"
        if np.isinf(ratio):
            verdict = verdict or "rood"
        crit = _crit_threshold(f"per_1000_{level}", f"zorginitiatieven per 1.000 inwoners van de {level}, "
                               "ten opzichte van de gemeente", None if np.isinf(ratio) else _num(ratio), text, d,
                               verdict=verdict,
                               toelichting="" if has_register else "geen register: alleen OpenStreetMap (onvolledig)")
        crits.append(dataclasses.replace(crit, bron=f"{src}; drempel: {crit.bron}"))
    counts["gemeente_n"], counts["gemeente_per_1000"] = g_n, g_rate
    if has_register:
        note = "Bestaande initiatieven uit het register en OpenStreetMap."
    else:
        note = f"{request} OpenStreetMap bevat {n_osm} woonzorglocatie(s) in het kaartgebied."
    return _part(1, crits, note), counts


def _part_gemeente(
    analysis: Any, s: ToetsSettings, buurt: pd.Series | None, wijk: pd.Series | None, omvang: int,
    inw: dict[str, Any], ov_super: bool | None, rapport: str, profile_label: str,
) -> Deel:
    crits: list[Criterium] = []
    has_overlays = wijk is not None and "balans_klasse" in wijk
    no_data = "geen draagkracht/draaglast in de analyse (overlays.wijkcijfers niet ingesteld)"
    wnaam = str(wijk.get("naam")) if wijk is not None else "?"
    bnaam = str(buurt.get("naam")) if buurt is not None else "?"
    k = s.klassen["balans"]
    klasse = wijk.get("balans_klasse") if has_overlays else None
    balans = _num(wijk.get("balans")) if has_overlays else None
    crits.append(Criterium(
        "balans_wijk", f"balans draagkracht − draaglast van de wijk {wnaam} (geldt ook voor de buurt)",
        None if not _present(klasse) else str(klasse),
        f"{klasse} (balans {_nl(balans, 2)} sd)" if _present(klasse) else "onbekend",
        k.tekst(), f"{rapport}; woonzorg_geo overlays; oordeel: {k.bron} — {k.reden}",
        k.oordeel(klasse),
        str(wijk.get("overlay_toelichting", "")) if has_overlays else no_data,
    ))
    for code, col, label in (("draaglast_wijk", "draaglast", "draaglast"),
                             ("draagkracht_wijk", "draagkracht", "draagkracht")):
        v = _num(wijk.get(col)) if wijk is not None and col in wijk else None
        crits.append(_crit_threshold(
            code, f"{label} van de wijk {wnaam} (z-score binnen de gemeente)", v, _nl(v, 2, "sd"),
            s.drempels[code],
            toelichting="" if v is not None else ("geen waarde voor deze wijk" if has_overlays else no_data),
        ))
        crits[-1] = dataclasses.replace(crits[-1], bron=f"{rapport}; woonzorg_geo overlays; drempel: {crits[-1].bron}")
    for code, col, label in (("focus", "focus", "focus"), ("veerkracht", "veerkracht", "veerkracht")):
        kk = s.klassen[code]
        v = buurt.get(col) if buurt is not None and col in buurt else None
        crits.append(Criterium(
            f"{code}_buurt", f"{label} van de buurt {bnaam}", str(v) if _present(v) else None,
            str(v) if _present(v) else "onbekend", kk.tekst(),
            f"{rapport} (Aedes {label}kaart 2022), regels van woonzorg_geo; oordeel: {kk.bron} — {kk.reden}",
            kk.oordeel(v), str(buurt.get(f"{col}_redenen", "")) if _present(v) and buurt is not None else no_data,
        ))
    d = s.drempels["omvang_aandeel_buurt"]
    n_addr = _num(buurt.get("n_adressen")) if buurt is not None else None
    inhab = inw["buurt"]
    share = 100.0 * omvang / inhab if inhab else float("nan")
    text = (f"{omvang} bewoners = {_nl(share, 1)}% van ca. {_nl(inhab, 0)} inwoners "
            f"({_nl(n_addr, 0)} adressen) van de buurt {bnaam}")
    crits.append(_crit_threshold(
        "omvang_aandeel_buurt", "schaal: bewoners van het initiatief als aandeel van de inwoners van de buurt",
        _num(share), text, d, toelichting="" if inhab else "inwoners van de buurt onbekend",
    ))
    crits[-1] = dataclasses.replace(crits[-1], bron=f"inwoners: {inw['buurt_bron'] or 'onbekend'}; drempel: "
                                                    f"{crits[-1].bron}")
    b = s.bereikbaarheid
    verdict = "onbekend" if ov_super is None else ("groen" if ov_super else b.oordeel_buiten_norm)
    crits.append(Criterium(
        "ov_en_supermarkt_norm", f"beoogde locatie: OV en supermarkt binnen {_nl(b.norm_m)} m ({profile_label})",
        None if ov_super is None else ("ja" if ov_super else "nee"),
        "onbekend" if ov_super is None else ("ja" if ov_super else "nee"),
        f"beide binnen {_nl(b.norm_m)} m lopen; anders {b.oordeel_buiten_norm}",
        f"{b.norm_bron}; oordeel buiten de norm: instelling woonzorg_geo", verdict,
        "zie de tabel bereikbaarheid van de locatie",
    ))
    note = ("De buurt heeft geen eigen draaglast- en draagkrachtcijfers: het rapport geeft ze per wijk; "
            "focus en veerkracht zijn wel per buurt.")
    return _part(2, crits, note)


def _part_wijk(
    s: ToetsSettings, buurt: pd.Series | None, within: pd.Series, vz: gpd.GeoDataFrame, far: bool,
    profile_label: str,
) -> Deel:
    crits: list[Criterium] = []
    d = s.drempels["signalen_buurt"]
    bnaam = str(buurt.get("naam")) if buurt is not None else "?"
    if buurt is None or "signalen" not in buurt:
        crits.append(_crit_threshold("signalen_buurt", f"signalen in de buurt {bnaam}", None, "onbekend", d,
                                     toelichting="geen buurtsignalen in de analyse (overlays.buurtsignalen)"))
    else:
        raw = str(buurt.get("signalen") or "")
        present = [x.strip() for x in raw.split(",") if x.strip()]
        hits = [x for x in present if x in s.draagvlak.signalen]
        text = ", ".join(SIGNAL_LABELS.get(x, x.replace("_", " ")) for x in hits) or "geen"
        expl = str(buurt.get("signalen_toelichting") or "")
        advice = ("Organiseer draagvlak vroeg: informeer en betrek omwonenden vóór de aanvraag, "
                  "met een vast aanspreekpunt en afspraken over overlast." if hits else
                  "Geen signalen die om extra aandacht vragen; informeer omwonenden zoals gebruikelijk.")
        crit = _crit_threshold("signalen_buurt", f"signalen in de buurt {bnaam} die om vroeg draagvlak vragen",
                               float(len(hits)), f"{len(hits)}: {text}", d,
                               toelichting=advice + (f" Rapport: {expl}." if expl and hits else ""))
        crits.append(dataclasses.replace(crit, bron=f"{s.draagvlak.signalen_bron}; drempel: {crit.bron}"))
    d = s.drempels["ontmoetingsplekken_800m"]
    r = s.draagvlak.ontmoetingsplek_straal_m
    ids = [i for i in within.index if within[i] <= r and vz.at[i, "categorie"] == "ontmoetingsplek"]
    names = ", ".join(f"{vz.at[i, 'naam'] if _present(vz.at[i, 'naam']) else '(naamloos)'} ({_nl(within[i], 0)} m)"
                      for i in ids)
    value = None if far else float(len(ids))
    crit = _crit_threshold(
        "ontmoetingsplekken_800m", f"ontmoetingsplekken binnen {_nl(r)} m lopen ({profile_label})", value,
        "onbekend" if far else f"{len(ids)}" + (f": {names}" if names else ""), d,
        toelichting=("locatie ligt te ver van het looppadennetwerk" if far else
                     "Een ontmoetingsplek in de buurt is een plek om kennis te maken en draagvlak te bouwen. "
                     "Let op: OpenStreetMap 2021 kent maar een deel van de ontmoetingsplekken die het rapport "
                     "noemt (wijkcentra, huiskamers)."),
    )
    crits.append(dataclasses.replace(crit, bron=f"{s.draagvlak.ontmoetingsplek_bron}; OSM 2021; drempel: "
                                                f"{crit.bron}"))
    return _part(3, crits, "Draagvlak zelf is niet uit gegevens af te lezen; zie ook deel 4 (plan voor draagvlak).")


def _part_initiatief(s: ToetsSettings) -> Deel:
    crits = [
        Criterium(code=f"aan_te_leveren_{i + 1}", naam=f"{item.onderwerp} (deel {item.deel})", waarde=None,
                  waarde_tekst="aan te leveren", drempel="—", bron=s.kader.bron, oordeel="onbekend",
                  toelichting=item.vraag)
        for i, item in enumerate(s.kwaliteit)
    ]
    return _part(4, crits, "Deze onderdelen zijn niet met gegevens te beantwoorden: de initiatiefnemer "
                           "levert ze aan, de gemeente beoordeelt ze.")


# --------------------------------------------------------------------------------------------
# What-if
# --------------------------------------------------------------------------------------------


def _what_if(
    zt: ZorgType, omvang: int, buurt: pd.Series | None, wijk: pd.Series | None, inw: dict[str, Any],
    counts: dict[str, Any], has_register: bool, ov_super: bool | None, suffix: str, norm: int, rapport: str,
    profile_label: str,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    reg_note = "" if has_register else " (alleen OpenStreetMap: onvolledig, lever een register aan)"
    for level, area in (("buurt", buurt), ("wijk", wijk)):
        if area is None:
            continue
        naam = str(area.get("naam"))
        inh = inw[level]
        n = counts.get(f"{level}_n", 0)
        n_same = counts.get(f"{level}_n_zelfde_type", 0)
        rows.append({"gebied": level, "naam": naam, "indicator": "inwoners", "eenheid": "personen",
                     "nu": inh, "na": None if inh is None else inh + omvang,
                     "toelichting": f"+{omvang} bewoners; {inw[f'{level}_bron']}"})
        rows.append({"gebied": level, "naam": naam, "indicator": "zorginitiatieven (alle typen)",
                     "eenheid": "aantal", "nu": n, "na": n + 1, "toelichting": "+1 initiatief" + reg_note})
        rows.append({"gebied": level, "naam": naam, "indicator": "zorginitiatieven per 1.000 inwoners",
                     "eenheid": "per 1.000", "nu": per_1000(n, inh), "na": per_1000_na(n, inh, omvang),
                     "toelichting": "(aantal + 1) / (inwoners + omvang) × 1.000" + reg_note})
        rows.append({"gebied": level, "naam": naam,
                     "indicator": f"initiatieven van het type {zt.label.lower()} per 1.000 inwoners",
                     "eenheid": "per 1.000", "nu": per_1000(n_same, inh), "na": per_1000_na(n_same, inh, omvang),
                     "toelichting": "(aantal + 1) / (inwoners + omvang) × 1.000" + reg_note})
        col = f"pct_ov_en_supermarkt_{norm}m{suffix}"
        pct = _num(area.get(col))
        rows.append({
            "gebied": level, "naam": naam,
            "indicator": f"inwoners met OV en supermarkt binnen {norm} m ({profile_label})", "eenheid": "%",
            "nu": pct, "na": aandeel_na(pct, inh, omvang, ov_super),
            "toelichting": ("aandeel van de adressen, toegepast op de inwoners; de nieuwe bewoners krijgen de "
                            f"bereikbaarheid van de locatie ({'voldoet' if ov_super else 'voldoet niet'})"
                            if ov_super is not None else "bereikbaarheid van de locatie onbekend"),
        })
    if zt.wmo_kolom and wijk is not None:
        r = _num(wijk.get(zt.wmo_kolom))
        rows.append({
            "gebied": "wijk", "naam": str(wijk.get("naam")), "indicator": f"Wmo {zt.label.lower()} per 1.000 inwoners",
            "eenheid": "per 1.000", "nu": r, "na": wmo_per_1000_na(r, inw["wijk"], omvang),
            "toelichting": (f"{rapport} (Wmo-registratie 2024); aanname: alle {omvang} bewoners krijgen deze "
                            "voorziening en wonen in de wijk: (cliënten + omvang) / (inwoners + omvang) × 1.000"),
        })
    for row in rows:
        for key in ("nu", "na"):
            v = _num(row[key])
            row[key] = None if v is None else round(v, 3)
    return rows


# --------------------------------------------------------------------------------------------
# Main entry
# --------------------------------------------------------------------------------------------


def run_toets(
    analysis: Any,
    *,
    adres: str | None = None,
    punt: tuple[float, float] | None = None,
    type: str,
    omvang: int,
    register: Path | None = None,
    settings: ToetsSettings | None = None,
    geocoder: Geocode | None = None,
) -> ToetsResult:
    """Check a proposed care initiative against the toetsingskader.

    Parameters
    ----------
    analysis
        A :class:`.pipeline.Analysis` (or an object with the same attributes): its inputs
        (gemeente, voorzieningen, OSM, paths), walking graphs and buurten/wijken with overlays.
    adres
        ``'Straat huisnummer, Plaats'`` (optionally with a postcode after the comma).
    punt
        ``(lon, lat)`` in WGS84, instead of an address.
    type
        Type of the initiative, a key of ``[types]`` in the settings (``beschermd_wonen``, …).
    omvang
        Number of residents (places), at least 1.
    register
        CSV of existing care initiatives (``naam``, ``adres``, ``postcode``, ``type``). Without it
        part 1 is ``onbekend`` and asks for one.
    settings
        Toets settings; default :func:`load_toets_settings`.
    geocoder
        ``(address, postcode) -> dict`` (as :meth:`.OfflineGeocoder.geocode_one` or
        :func:`.locatieserver_geocoder`); default: the offline geocoder of the analysis.

    Returns
    -------
    ToetsResult

    Raises
    ------
    ToetsError
        Unknown type, omvang below 1, no or two locations, a location outside the gemeente.
    GeocodeError
        The address was not found precisely enough.
    DataFileError, MissingDataError
        The register cannot be read.
    """
    s = settings or load_toets_settings()
    zt = s.zorgtype(type)
    if isinstance(omvang, bool) or not isinstance(omvang, (int, np.integer)) or omvang < 1:
        raise ToetsError(f"omvang moet een geheel aantal bewoners van minstens 1 zijn, kreeg {omvang!r}")
    omvang = int(omvang)
    coder: list[Geocode] = [geocoder] if geocoder is not None else []

    def get_coder() -> Geocode:
        if not coder:
            coder.append(offline_geocoder(analysis))
        return coder[0]

    point, loc = _locate(analysis, adres=adres, punt=punt, geocode=get_coder, precisies=s.locatie.precisies)
    meldingen: list[str] = []
    if loc.get("geocode_precisie") == "straat":
        meldingen.append(f"Huisnummer niet gevonden: de locatie is een punt op de straat ({loc['label']}).")
    if loc.get("opmerking_plaats"):
        meldingen.append(str(loc["opmerking_plaats"]).capitalize() + ".")
    site = gpd.GeoDataFrame(geometry=[point], crs=RD_NEW)
    areas, _ = assign_areas(site, analysis.buurten, analysis.wijken)
    buurtcode = areas["buurtcode"].iloc[0]
    wijkcode = areas["wijkcode"].iloc[0]
    buurt = analysis.buurten.loc[buurtcode] if buurtcode in analysis.buurten.index else None
    wijk = analysis.wijken.loc[wijkcode] if wijkcode in analysis.wijken.index else None
    loc.update({"buurtcode": buurtcode, "buurtnaam": None if buurt is None else str(buurt.get("naam")),
                "wijkcode": wijkcode, "wijknaam": None if wijk is None else str(wijk.get("naam"))})
    rapport = getattr(getattr(analysis.settings, "overlays", None), "bron_rapport", "") or "rapport van de gemeente"

    # register + OSM
    reg = None
    niet_geplaatst: list[dict[str, Any]] = []
    if register is not None:
        reg, niet_geplaatst, msgs = read_register(register, settings=s, geocode=get_coder())
        meldingen.extend(msgs)
        close = reg.loc[reg.distance(point) < s.register.samenvoegen_m] if len(reg) else reg
        for r in close.itertuples():
            meldingen.append(f"Register regel {r.regel} ({r.naam}) ligt op de locatie zelf "
                             f"(< {_nl(s.register.samenvoegen_m)} m): is dit het initiatief zelf? "
                             "Het telt mee als bestaand initiatief.")
        if niet_geplaatst:
            meldingen.append(f"{len(niet_geplaatst)} register-rij(en) konden niet worden geplaatst en tellen niet "
                             "mee; zie de lijst in deel 1.")
    init = _initiatives(analysis, reg, s)
    shape = analysis.inputs.gemeente.to_crs(RD_NEW).union_all()
    inside = init.loc[init.within(shape)] if len(init) else init
    if len(inside):
        ia, _ = assign_areas(inside, analysis.buurten, analysis.wijken)
        init_areas = pd.concat([inside.drop(columns="geometry"), ia[["buurtcode", "wijkcode"]]], axis=1)
    else:
        init_areas = pd.DataFrame(columns=["type", "buurtcode", "wijkcode"])

    # accessibility at the site
    profile, msgs = _profile(analysis, s.locatie.profiel)
    meldingen.extend(msgs)
    prof = analysis.graphs[profile].profile
    profile_label = f"profiel {getattr(prof, 'label', '') or profile}"
    acc, within, _ = _site_access(analysis, point, profile, s)
    access_rows = _access_rows(analysis, acc, within, prof.speed_m_s, s)
    by_cat = {r["categorie"]: r for r in access_rows}
    if "ov" in by_cat and "supermarkt" in by_cat and None not in (by_cat["ov"]["binnen_norm"],
                                                                   by_cat["supermarkt"]["binnen_norm"]):
        ov_super: bool | None = bool(by_cat["ov"]["binnen_norm"] and by_cat["supermarkt"]["binnen_norm"])
    else:
        ov_super = None
    if acc.origin_far[0]:
        meldingen.append("De locatie ligt meer dan "
                         f"{_nl(analysis.settings.bereikbaarheid.max_snap_m)} m van het looppadennetwerk: "
                         "bereikbaarheid onbekend.")

    inw = _inhabitants(analysis, buurt, wijk, rapport)
    has_register = register is not None
    p1, counts = _part_regio(s, zt, point, init, has_register, inw, buurtcode, wijkcode, init_areas)
    p2 = _part_gemeente(analysis, s, buurt, wijk, omvang, inw, ov_super, rapport, profile_label)
    p3 = _part_wijk(s, buurt, within, analysis.inputs.voorzieningen, bool(acc.origin_far[0]), profile_label)
    p4 = _part_initiatief(s)
    delen = (p1, p2, p3, p4)
    overall = worst([p.oordeel for p in delen[:3]])
    norm = int(s.bereikbaarheid.norm_m)
    wat_als = _what_if(zt, omvang, buurt, wijk, inw, counts, has_register, ov_super,
                       _suffix(analysis, profile), norm, rapport, profile_label)

    dist_all = init.distance(point) if len(init) else pd.Series(dtype=float)
    max_r = max(d.straal_m for d in s.drempels.values())
    nearby = [
        {"naam": r.naam, "adres": r.adres, "type": r.type, "type_label": r.type_label, "bron": r.bron,
         "afstand_m": round(float(dd), 1)}
        for r, dd in zip(init.itertuples(), dist_all, strict=True) if dd <= max_r
    ]
    nearby.sort(key=lambda x: x["afstand_m"])
    text = _summary(overall, delen, zt, omvang, loc)
    label = loc["invoer"] if adres is not None else f"punt {loc['lon']:.5f} {loc['lat']:.5f}"
    result = ToetsResult(
        slug=slug(label),
        invoer={"adres": adres, "punt": None if punt is None else [float(punt[0]), float(punt[1])],
                "type": zt.key, "omvang": omvang, "register": None if register is None else str(register)},
        locatie=loc, zorgtype=zt, omvang=omvang, delen=delen, oordeel=overall, samenvatting=text,
        bereikbaarheid=tuple({**r, "profiel": profile, "snelheid_m_s": prof.speed_m_s} for r in access_rows),
        wat_als=tuple(wat_als), initiatieven=tuple(nearby), niet_geplaatst=tuple(niet_geplaatst),
        bronnen=tuple(_sources(analysis, s, register, rapport, loc)), meldingen=tuple(meldingen),
        kader=s.kader, instellingen=s.source,
        gemaakt_op=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    log.info("toets %s (%s, %d bewoners): %s", label, zt.key, omvang, overall)
    return result


def _summary(overall: str, delen: Sequence[Deel], zt: ZorgType, omvang: int, loc: dict[str, Any]) -> str:
    where = f"{loc['label']} (buurt {loc.get('buurtnaam')}, wijk {loc.get('wijknaam')})"
    lines = [f"{zt.label} voor {omvang} bewoners op {where}: {overall} — {VERDICT_TEXT[overall]}."]
    for d in delen[:3]:
        bad = [c.naam for c in d.criteria if c.oordeel in ("rood", "oranje")]
        unknown = [c for c in d.criteria if c.oordeel == "onbekend"]
        detail = ""
        if bad:
            detail = " Aandacht: " + "; ".join(bad) + "."
        elif unknown:
            detail = f" {len(unknown)} {'criterium' if len(unknown) == 1 else 'criteria'} onbekend."
        lines.append(f"Deel {d.nummer} {d.titel.lower()}: {d.oordeel}.{detail}")
    lines.append(f"Deel 4 {delen[3].titel.lower()}: {len(delen[3].criteria)} onderdelen aan te leveren door de "
                 "initiatiefnemer.")
    return "\n".join(lines)


def _sources(analysis: Any, s: ToetsSettings, register: Path | None, rapport: str,
             loc: dict[str, Any]) -> list[dict[str, str]]:
    from ..datasets import CATALOGUE

    out = [{"naam": s.kader.naam, "bron": s.kader.bron, "toelichting": s.kader.disclaimer},
           {"naam": "Drempels van deze toets", "bron": f"toetsingskader-instellingen: {s.source}",
            "toelichting": "elke drempel staat in de tabellen met zijn bron"}]
    paths = getattr(analysis.inputs, "paths", {}) or {}
    for key, meta in CATALOGUE.items():
        if key in paths:
            out.append({"naam": meta["omschrijving"], "bron": f"{meta['bron']} ({meta['datum']})",
                        "toelichting": f"licentie: {meta['licentie']}"})
    if not paths:
        out.append({"naam": "OpenStreetMap", "bron": str(getattr(analysis.inputs.osm, "source", "OSM")),
                    "toelichting": "© OpenStreetMap contributors (ODbL)"})
    out.append({"naam": "Wijkcijfers, buurtsignalen, Wmo-cijfers", "bron": rapport,
                "toelichting": "Aedes veerkracht- en focuskaart 2022, Gezondheidsmonitor 2022, Wmo-registratie "
                               "2024, CBS 2024 (via het rapport)"})
    out.append({"naam": "Register van zorginitiatieven",
                "bron": str(register) if register is not None else "niet opgegeven",
                "toelichting": "aangeleverd door de gebruiker" if register is not None else
                "lever een register aan voor deel 1"})
    out.append({"naam": "Geocodering", "bron": str(loc.get("geocode_methode")),
                "toelichting": str(loc.get("precisie_tekst"))})
    out.append({"naam": "Kaartgegevens", "bron": "© OpenStreetMap contributors (ODbL); CBS/PDOK (CC BY 4.0)",
                "toelichting": ""})
    return out


