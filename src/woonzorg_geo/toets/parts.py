"""The four parts of the check: regio, gemeente, wijk and initiatief, each a :class:`.model.Part`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.toets.access import RunNorm, norm_text, within_categories
from woonzorg_geo.toets.existing import ExistingInitiatives
from woonzorg_geo.toets.model import CheckedCriterion, Part, counted, per_1000, worst
from woonzorg_geo.toets.records import AreaCounts, AreaLevel, Inhabitants, RegionCounts, UnplacedRow, area_inhabitants
from woonzorg_geo.toets.settings import PARTS, SCALE_MEASURES, SIGNAL_LABELS, CareType, Threshold, ToetsSettings
from woonzorg_geo.toets.values import as_float, as_text

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis


def _crit_threshold(
    code: str,
    naam: str,
    value: float | None,
    waarde_tekst: str,
    d: Threshold,
    *,
    toelichting: str = "",
    verdict: str | None = None,
) -> CheckedCriterion:
    return CheckedCriterion(
        code=code,
        naam=naam,
        waarde=value,
        waarde_tekst=waarde_tekst,
        drempel=d.text(),
        bron=f"{d.bron} — {d.reden}" if d.reden else d.bron,
        oordeel=verdict or d.verdict(value),
        toelichting=toelichting,
    )


def _part(nummer: int, criteria: list[CheckedCriterion], toelichting: str = "") -> Part:
    _, code, titel, vraag = PARTS[nummer - 1]
    return Part(
        nummer=nummer,
        code=code,
        titel=titel,
        vraag=vraag,
        criteria=tuple(criteria),
        oordeel=worst([c.oordeel for c in counted(criteria)]),
        toelichting=toelichting,
    )


def inhabitants(analysis: Analysis, buurt: pd.Series | None, wijk: pd.Series | None, rapport: str) -> Inhabitants:
    """Inhabitants of the wijk (CBS), of the buurt (CBS or estimated from address shares) and of the gemeente.

    Parameters
    ----------
    analysis
        The run (its kerncijfers and wijken give the gemeente's inhabitants).
    buurt, wijk
        The site's buurt and wijk rows (None when the site lies in none).
    rapport
        The name of the municipal report the wijk figures come from (for the source texts).

    Returns
    -------
    Inhabitants
        ``wijk``, ``buurt``, ``gemeente`` (floats or None) and ``wijk_bron``, ``buurt_bron`` (sources).
    """
    out: Inhabitants = {"wijk": None, "wijk_bron": "", "buurt": None, "buurt_bron": "", "gemeente": None}
    if wijk is not None:
        for col, src in (
            ("inwoners_cbs", "CBS Kerncijfers wijken en buurten 2024"),
            ("inwoners", f"{rapport} (CBS 2024)"),
        ):
            if col in wijk and as_float(wijk.get(col)):
                out["wijk"], out["wijk_bron"] = float(wijk[col]), src
                break
    if buurt is not None:
        if as_float(buurt.get("inwoners_cbs")):
            out["buurt"], out["buurt_bron"] = float(buurt["inwoners_cbs"]), "CBS Kerncijfers wijken en buurten"
        elif (
            out["wijk"] and wijk is not None and as_float(wijk.get("n_adressen")) and as_float(buurt.get("n_adressen"))
        ):
            share = float(buurt["n_adressen"]) / float(wijk["n_adressen"])
            out["buurt"] = out["wijk"] * share
            out["buurt_bron"] = (
                f"schatting: inwoners van de wijk ({out['wijk_bron']}) × aandeel van de buurt in de "
                f"adressen van de wijk ({fmt.percent(100 * share)}, OSM-adrespunten 2021); "
                "de offline gegevens hebben geen inwoners per buurt"
            )
    kern = analysis.inputs.kerncijfers
    code = analysis.inputs.gemeente.index[0] if len(analysis.inputs.gemeente) else None
    if code in kern.index:
        for col in ("AantalInwoners_5", "aantalInwoners"):
            value = as_float(kern.at[code, col]) if col in kern else None
            if value:
                out["gemeente"] = value
                break
    if out["gemeente"] is None and "inwoners_cbs" in analysis.wijken:
        total = analysis.wijken["inwoners_cbs"].sum(min_count=1)
        out["gemeente"] = as_float(total)
    return out


def _interval_verdict(d: Threshold, lo: float | None, hi: float | None, missing: int) -> tuple[str, str]:
    """The verdict when a value lies between ``lo`` and ``hi`` (``missing`` register rows not placed).

    The verdict stands when both ends give it; otherwise it is onbekend, with the reason.
    """
    a, b = d.verdict(lo), d.verdict(hi)
    if a == b:
        return a, ""
    return "onbekend", (
        f"{missing} register-rij(en) niet geplaatst: met die rijen kan het oordeel {b} zijn in "
        f"plaats van {a}; plaats ze (zie de lijst) voor een oordeel"
    )


def _ratio(n_area: float, n_gem: float, inw_area: float | None, inw_gem: float | None) -> float:
    """Initiatives per 1,000 inhabitants of the area as a multiple of the gemeente's figure."""
    rate, g_rate = per_1000(n_area, inw_area), per_1000(n_gem, inw_gem)
    if not np.isfinite(rate) or not np.isfinite(g_rate):
        return float("nan")
    if g_rate == 0:
        return 0.0 if n_area == 0 else float("inf")
    return rate / g_rate


def part_region(
    s: ToetsSettings,
    zt: CareType,
    point: shapely.Point,
    init: ExistingInitiatives,
    register: str,
    unplaced: Sequence[UnplacedRow],
    inw: Inhabitants,
    buurtcode: str | None,
    wijkcode: str | None,
) -> tuple[Part, RegionCounts]:
    """Part 1, regio (spreiding): existing initiatives near the site and per 1,000 inhabitants.

    Parameters
    ----------
    s, zt
        The toets settings and the initiative's type.
    point
        The site (EPSG:28992).
    init
        The existing initiatives (register and OSM) as arrays, with counts per area.
    register
        ``geen`` (none given), ``onbruikbaar`` (no row placed) or ``ok``.
    unplaced
        The register rows that could not be placed (they widen a verdict to an interval).
    inw
        Inhabitants as :func:`inhabitants` gives them.
    buurtcode, wijkcode
        The site's areas.

    Returns
    -------
    Part, RegionCounts
        The part, and the counts the what-if uses (per area, the gemeente's, the rows not placed).
    """
    known = register == "ok"
    dist_m = init.distance(point)
    same = np.asarray(init.type_text == zt.key, dtype=bool)
    n_osm = int(sum(1 for b in init.bron if b == "osm"))
    k_all = len(unplaced)
    k_same = sum(1 for r in unplaced if r.get("type") == zt.key)
    columns = (
        f"CSV met de kolommen {s.register.kolom_naam}, {s.register.kolom_adres}, "
        f"{s.register.kolom_postcode}, {s.register.kolom_type}; --register BESTAND"
    )
    osm_note = (
        "OpenStreetMap kent alleen een deel van de woonzorglocaties (verpleeg- en verzorgingshuizen) "
        "en geen beschermd wonen, ggz-, vg- of jeugdvoorzieningen."
    )
    if register == "geen":
        why_unknown = "geen register: alleen OpenStreetMap geteld (onvolledig)"
        note = (
            f"Geen register van bestaande zorginitiatieven opgegeven: lever een register aan ({columns}). "
            f"{osm_note} OpenStreetMap bevat {n_osm} woonzorglocatie(s) in het kaartgebied."
        )
    elif register == "onbruikbaar":
        why_unknown = "register opgegeven, maar geen enkele rij kon worden geplaatst: alleen OpenStreetMap geteld"
        rows = (
            f"geen van de {k_all} rijen kon worden geplaatst (zie de lijst hieronder)"
            if k_all
            else "het register bevat geen rijen"
        )
        note = (
            f"Het register is opgegeven, maar {rows}: deel 1 blijft onbekend. Controleer de adressen "
            f"('Straat huisnummer' met plaats of postcode) en de kolommen ({columns}). {osm_note}"
        )
    else:
        why_unknown = ""
        note = "Bestaande initiatieven uit het register en OpenStreetMap."
        if k_all:
            note += (
                f" {k_all} register-rij(en) konden niet worden geplaatst; een oordeel dat door die rijen "
                "kan omslaan, is onbekend."
            )
    src_counts = (
        (
            "register van de gemeente/initiatiefnemer en OpenStreetMap (woonzorglocaties); "
            "hemelsbrede afstand tot de locatie"
        )
        if known
        else "alleen OpenStreetMap (woonzorglocaties, onvolledig); hemelsbrede afstand tot de locatie"
    )
    crits: list[CheckedCriterion] = []
    within_radius: dict[str, int] = {}
    init_names = init.naam
    for code, same_type in (
        ("zelfde_type_500m", True),
        ("zelfde_type_1000m", True),
        ("elk_type_500m", False),
        ("elk_type_1000m", False),
    ):
        d = s.drempels[code]
        sel = (dist_m <= d.straal_m) & (same if same_type else True)
        n = int(sel.sum())
        extra = k_same if same_type else k_all
        within_radius[code] = n
        names = ", ".join(
            f"{as_text(naam, '(naamloos)')} ({fmt.metres(dd)})"
            for naam, dd in zip(init_names[sel], dist_m[sel], strict=True)
        )
        what = f"van het type {zt.label.lower()}" if same_type else "van elk type"
        value_text = f"{n}" + (f": {names}" if names else "")
        if known and extra:
            value_text += f" (met de {extra} niet geplaatste register-rij(en) hooguit {n + extra})"
        verdict, why = _interval_verdict(d, n, n + extra, extra) if known else ("onbekend", why_unknown)
        crit = _crit_threshold(
            code,
            f"zorginitiatieven {what} binnen {fmt.compact(d.straal_m, 2)} m",
            float(n),
            value_text,
            d,
            verdict=verdict,
            toelichting=why,
        )
        crits.append(dataclasses.replace(crit, bron=f"{src_counts}; drempel: {crit.bron}"))
    g_n = init.n_gemeente
    g_rate = per_1000(g_n, inw["gemeente"])
    per_area: dict[AreaLevel, AreaCounts] = {}
    levels: tuple[tuple[AreaLevel, str | None], ...] = (("buurt", buurtcode), ("wijk", wijkcode))
    for level, code_area in levels:
        d = s.drempels[f"per_1000_{level}"]
        n_area = init.in_area(level, code_area)
        n_same = init.in_area(level, code_area, zt.key)
        inw_area, inw_source = area_inhabitants(inw, level)
        rate = per_1000(n_area, inw_area)
        ratio = _ratio(n_area, g_n, inw_area, inw["gemeente"])
        per_area[level] = {"n": n_area, "n_zelfde_type": n_same, "per_1000": rate}
        ratio_text = "onbekend" if np.isnan(ratio) else ("oneindig" if np.isinf(ratio) else fmt.number(ratio, 2))
        text = (
            f"{n_area} {'initiatief' if n_area == 1 else 'initiatieven'} ({n_same} van dit type) = "
            f"{fmt.number(rate, 2)} per 1.000 inwoners; "
            f"gemeente {fmt.number(g_rate, 2)} per 1.000 ({g_n} {'initiatief' if g_n == 1 else 'initiatieven'}); "
            f"{ratio_text}× de gemeente"
        )
        src = f"{src_counts.split(';')[0]}; inwoners {level}: {inw_source or 'onbekend'}"
        value = None if np.isinf(ratio) else as_float(ratio)
        if not known:
            verdict, why = "onbekend", why_unknown
        elif np.isinf(ratio):
            verdict, why = "rood", ""
        else:
            # unplaced rows may lie in this area or elsewhere in the gemeente
            lo = as_float(_ratio(n_area, g_n + k_all, inw_area, inw["gemeente"]))
            hi = as_float(_ratio(n_area + k_all, g_n + k_all, inw_area, inw["gemeente"]))
            verdict, why = _interval_verdict(d, lo, hi, k_all)
            if value is None:
                verdict, why = "onbekend", f"inwoners van de {level} of de gemeente onbekend"
        crit = _crit_threshold(
            f"per_1000_{level}",
            f"zorginitiatieven per 1.000 inwoners van de {level}, ten opzichte van de gemeente",
            value,
            text,
            d,
            verdict=verdict,
            toelichting=why,
        )
        crits.append(dataclasses.replace(crit, bron=f"{src}; drempel: {crit.bron}"))
    counts: RegionCounts = {
        "niet_geplaatst": k_all,
        "binnen_straal": within_radius,
        "buurt": per_area["buurt"],
        "wijk": per_area["wijk"],
        "gemeente_n": g_n,
        "gemeente_per_1000": g_rate,
    }
    return _part(1, crits, note), counts


def part_municipality(
    s: ToetsSettings,
    zt: CareType,
    buurt: pd.Series | None,
    wijk: pd.Series | None,
    omvang: int,
    inw: Inhabitants,
    norm_ok: bool | None,
    rapport: str,
    run: RunNorm,
) -> Part:
    """Part 2, gemeente (draagkracht): balans, draaglast/draagkracht, focus, veerkracht, the type's scale rule, the norm.

    Parameters
    ----------
    s, zt
        The toets settings and the initiative's type.
    buurt, wijk
        The site's buurt and wijk rows (None when the site lies in none).
    omvang
        The initiative's size in the type's unit.
    inw
        Inhabitants as :func:`inhabitants` gives them.
    norm_ok
        Whether the site meets the walking norm (None: unknown).
    rapport
        The name of the municipal report (for the sources).
    run
        The run's norm and profile.

    Returns
    -------
    Part
    """
    crits: list[CheckedCriterion] = []
    has_overlays = wijk is not None and "balans_klasse" in wijk
    no_data = "geen draagkracht/draaglast in de analyse (overlays.wijkcijfers niet ingesteld)"
    wnaam = as_text(wijk.get("naam"), "onbekend") if wijk is not None else "onbekend"
    bnaam = as_text(buurt.get("naam"), "onbekend") if buurt is not None else "onbekend"
    k = s.klassen["balans"]
    klasse = as_text(wijk.get("balans_klasse")) if has_overlays and wijk is not None else ""
    balans = as_float(wijk.get("balans")) if has_overlays and wijk is not None else None
    crits.append(
        CheckedCriterion(
            "balans_wijk",
            f"balans draagkracht − draaglast van de wijk {wnaam} (geldt ook voor de buurt)",
            klasse or None,
            f"{klasse} (balans {fmt.number(balans, 2)} sd)" if klasse else "onbekend",
            k.text(),
            f"{rapport}; woonzorg_geo overlays; oordeel: {k.bron} — {k.reden}",
            k.verdict(klasse or None),
            as_text(wijk.get("overlay_toelichting")) if has_overlays and wijk is not None else no_data,
        )
    )
    for code, col, label in (
        ("draaglast_wijk", "draaglast", "draaglast"),
        ("draagkracht_wijk", "draagkracht", "draagkracht"),
    ):
        v = as_float(wijk.get(col)) if wijk is not None and col in wijk else None
        crit = _crit_threshold(
            code,
            f"{label} van de wijk {wnaam} (z-score binnen de gemeente)",
            v,
            fmt.number(v, 2, unit=" sd"),
            s.drempels[code],
            toelichting="" if v is not None else ("geen waarde voor deze wijk" if has_overlays else no_data),
        )
        crits.append(dataclasses.replace(crit, bron=f"{rapport}; woonzorg_geo overlays; drempel: {crit.bron}"))
    crits = _balans_once(crits)
    for code, col, label in (("focus", "focus", "focus"), ("veerkracht", "veerkracht", "veerkracht")):
        kk = s.klassen[code]
        klasse = as_text(buurt.get(col)) if buurt is not None and col in buurt else ""
        crits.append(
            CheckedCriterion(
                f"{code}_buurt",
                f"{label} van de buurt {bnaam}",
                klasse or None,
                klasse or "onbekend",
                kk.text(),
                f"{rapport} (Aedes {label}kaart 2022), regels van woonzorg_geo; oordeel: {kk.bron} — {kk.reden}",
                kk.verdict(klasse or None),
                as_text(buurt.get(f"{col}_redenen"))
                if klasse and buurt is not None
                else ("geen waarde voor deze buurt" if buurt is not None and col in buurt else no_data),
            )
        )
    notes = [
        (
            "De buurt heeft geen eigen draaglast- en draagkrachtcijfers: het rapport geeft ze per wijk; "
            "focus en veerkracht zijn wel per buurt."
        )
    ]
    n_addr = as_float(buurt.get("n_adressen")) if buurt is not None else None
    inhab = inw["buurt"]
    share = 100.0 * omvang / inhab if inhab else None
    share_text = (
        f"{omvang} {zt.omvang_eenheid} ≈ {fmt.percent(share)} van ca. {fmt.number(inhab, 0)} inwoners "
        f"({fmt.number(n_addr, 0)} adressen) van de buurt {bnaam}"
        if share is not None
        else f"{omvang} {zt.omvang_eenheid}; inwoners van de buurt {bnaam} onbekend"
    )
    rule = zt.schaal
    if rule is None:
        notes.append(f"Schaal: {share_text}. Voor {zt.label.lower()} geldt {zt.schaal_toelichting}.")
    else:
        value = share if rule.maat == "aandeel_buurt" else float(omvang)
        text = (
            share_text
            if rule.maat == "aandeel_buurt"
            else (
                f"{omvang} {zt.omvang_eenheid} (de buurt {bnaam} heeft ca. {fmt.number(inhab, 0)} inwoners, "
                f"{fmt.number(n_addr, 0)} adressen)"
            )
        )
        crit = _crit_threshold(
            "schaal",
            f"schaal ({zt.label.lower()}): {SCALE_MEASURES[rule.maat]}",
            value,
            text,
            rule,
            toelichting="inwoners van de buurt onbekend" if value is None else "",
        )
        src = f"inwoners: {inw['buurt_bron'] or 'onbekend'}; " if rule.maat == "aandeel_buurt" else ""
        crits.append(dataclasses.replace(crit, bron=f"{src}regel voor {zt.label.lower()}: {crit.bron}"))
    b = s.bereikbaarheid
    verdict = "onbekend" if norm_ok is None else ("groen" if norm_ok else b.oordeel_buiten_norm)
    yes_no = "onbekend" if norm_ok is None else ("ja" if norm_ok else "nee")
    crits.append(
        CheckedCriterion(
            "bereikbaarheid_norm",
            f"beoogde locatie: {norm_text(run, s)} lopen ({run.profile_label})",
            None if norm_ok is None else yes_no,
            yes_no,
            f"alle binnen {fmt.compact(run.norm_m, 2)} m lopen (bereikbaarheid.norm_m); anders {b.oordeel_buiten_norm}",
            f"{b.norm_bron}; oordeel buiten de norm: instelling woonzorg_geo",
            verdict,
            "zie de tabel bereikbaarheid van de locatie",
        )
    )
    return _part(2, crits, " ".join(notes))


def _balans_once(crits: list[CheckedCriterion]) -> list[CheckedCriterion]:
    """Count draaglast and draagkracht once: through the balans, when the balans has a verdict.

    The balans is draagkracht − draaglast: a high draaglast makes the balans rood too, and counting
    both would make one signal two reds. With a balans verdict, draaglast and draagkracht stay in
    the table as its explanation but do not count; without one, they count themselves.
    """
    balans = next((c for c in crits if c.code == "balans_wijk"), None)
    if balans is None or balans.oordeel == "onbekend":
        return crits
    note = "onderdeel van de balans hierboven: telt niet apart mee in het oordeel van dit deel"
    return [
        dataclasses.replace(c, telt_mee=False, toelichting="; ".join(x for x in (c.toelichting, note) if x))
        if c.code in ("draaglast_wijk", "draagkracht_wijk")
        else c
        for c in crits
    ]


def part_neighbourhood(
    s: ToetsSettings,
    buurt: pd.Series | None,
    within: pd.Series,
    vz: gpd.GeoDataFrame,
    far: bool,
    run: RunNorm,
) -> Part:
    """Part 3, wijk (draagvlak): buurt signals that call for early support-building, meeting places nearby.

    Parameters
    ----------
    s
        The toets settings.
    buurt
        The site's buurt row (None when the site lies in none).
    within
        Network distance from the site to every voorziening within the norm (by id).
    vz
        The voorzieningen.
    far
        Whether the site lies too far from the walking network (distances unknown).
    run
        The run's norm and profile.

    Returns
    -------
    Part
    """
    crits: list[CheckedCriterion] = []
    d = s.drempels["signalen_buurt"]
    bnaam = as_text(buurt.get("naam"), "onbekend") if buurt is not None else "onbekend"
    if buurt is None or "signalen" not in buurt:
        crits.append(
            _crit_threshold(
                "signalen_buurt",
                f"signalen in de buurt {bnaam}",
                None,
                "onbekend",
                d,
                toelichting="geen buurtsignalen in de analyse (overlays.buurtsignalen)",
            )
        )
    else:
        raw = as_text(buurt.get("signalen"))
        present = [x.strip() for x in raw.split(",") if x.strip()]
        hits = [x for x in present if x in s.draagvlak.signalen]
        text = ", ".join(SIGNAL_LABELS.get(x, x.replace("_", " ")) for x in hits) or "geen"
        expl = as_text(buurt.get("signalen_toelichting"))
        advice = (
            "Organiseer draagvlak vroeg: informeer en betrek omwonenden vóór de aanvraag, "
            "met een vast aanspreekpunt en afspraken over overlast."
            if hits
            else "Geen signalen die om extra aandacht vragen; informeer omwonenden zoals gebruikelijk."
        )
        crit = _crit_threshold(
            "signalen_buurt",
            f"signalen in de buurt {bnaam} die om vroeg draagvlak vragen",
            float(len(hits)),
            f"{len(hits)}: {text}",
            d,
            toelichting=advice + (f" Rapport: {expl}." if expl and hits else ""),
        )
        crits.append(dataclasses.replace(crit, bron=f"{s.draagvlak.signalen_bron}; drempel: {crit.bron}"))
    d = s.drempels["ontmoetingsplekken"]
    cat = s.draagvlak.ontmoetingsplek_categorie
    inside, cats = within_categories(vz, within, run)
    sel = inside & (cats == cat)
    ids = within.index[sel]
    names = ", ".join(
        f"{as_text(vz.at[i, 'naam'], '(naamloos)')} ({fmt.metres(d)})"
        for i, d in zip(ids, within.to_numpy()[sel], strict=True)
    )
    value = None if far else float(len(ids))
    label = run.labels[cat].lower()
    crit = _crit_threshold(
        "ontmoetingsplekken",
        f"{label}: aantal binnen {fmt.compact(run.norm_m, 2)} m lopen ({run.profile_label})",
        value,
        "onbekend" if far else f"{len(ids)}" + (f": {names}" if names else ""),
        d,
        toelichting=(
            "locatie ligt te ver van het looppadennetwerk"
            if far
            else f"Een {label} in de buurt is een plek om kennis te maken en draagvlak te bouwen. "
            "Let op: OpenStreetMap 2021 kent maar een deel van de ontmoetingsplekken die het rapport "
            "noemt (wijkcentra, huiskamers)."
        ),
    )
    crits.append(dataclasses.replace(crit, bron=f"{s.draagvlak.ontmoetingsplek_bron}; OSM 2021; drempel: {crit.bron}"))
    return _part(3, crits, "Draagvlak zelf is niet uit gegevens af te lezen; zie ook deel 4 (plan voor draagvlak).")


def part_initiative(s: ToetsSettings) -> Part:
    """Part 4, initiatief (kwaliteit): what data cannot answer, each item listed as 'aan te leveren'.

    Parameters
    ----------
    s
        The toets settings (``[[kwaliteit]]`` items and the framework's source).

    Returns
    -------
    Part
    """
    crits = [
        CheckedCriterion(
            code=f"aan_te_leveren_{i + 1}",
            naam=f"{item.onderwerp} (deel {item.deel})",
            waarde=None,
            waarde_tekst="aan te leveren",
            drempel="—",
            bron=s.kader.bron,
            oordeel="onbekend",
            toelichting=item.vraag,
        )
        for i, item in enumerate(s.kwaliteit)
    ]
    return _part(
        4,
        crits,
        "Deze onderdelen zijn niet met gegevens te beantwoorden: de initiatiefnemer "
        "levert ze aan, de gemeente beoordeelt ze.",
    )
