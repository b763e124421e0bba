"""The four parts of the check, the site's accessibility, the what-if, and run_toets."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from .. import RD_NEW
from ..accessibility import PointAccess, access_at, via_nearer_end
from ..aggregate import assign_areas
from ..errors import SettingsError
from ..pages import slug
from ..vocabulary import Vocabulary
from .locate import _initiatives, locate_site, offline_geocoder, read_register
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
from .numbers import _nl, _num, _text
from .places import Places, gemeente_places
from .settings import (
    PARTS,
    SCALE_MEASURES,
    SIGNAL_LABELS,
    VERDICT_TEXT,
    Drempel,
    Geocode,
    ToetsSettings,
    ZorgType,
    load_toets_settings,
)

log = logging.getLogger(__name__)
#: How the site was located, in Dutch.
GEOCODE_METHODS = {
    "osm_straat_huisnummer": "offline: OpenStreetMap-straat en huisnummer",
    "osm_straat": "offline: OpenStreetMap-straat (zonder huisnummer)",
    "pc4_middelpunt": "offline: middelpunt van het postcodegebied",
    "pdok_locatieserver": "PDOK Locatieserver",
    "punt": "opgegeven punt (--punt)",
}
# --------------------------------------------------------------------------------------------
# Accessibility of the site
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """What the check takes from the run's settings: the norm, the profile, the categories."""

    norm_m: float
    max_snap_m: float
    profile: str
    profile_label: str
    speed_m_s: float
    suffix: str
    labels: dict[str, str]
    composites: Mapping[str, tuple[str, ...]]


def _run_settings(analysis: Any, s: ToetsSettings) -> tuple[_Run, list[str]]:
    """The norm and profile of the run (``bereikbaarheid``, ``profielen``, ``locaties.profiel``).

    Raises
    ------
    SettingsError
        When the toets names a profile or a category the run's settings do not have.
    """
    rs = analysis.settings
    wanted = s.locatie.profiel or rs.locaties.profiel
    if wanted not in rs.profielen:
        raise SettingsError(
            f"toetsingskader {s.source}: locatie.profiel {wanted!r} is geen profiel van de "
            f"instellingen ({rs.source}); kies uit: {', '.join(rs.profielen)}"
        )
    vocab = getattr(analysis, "vocab", None) or Vocabulary.from_settings(rs, profiles=list(analysis.graphs))
    composites = dict(vocab.composites)
    run_cats = set(rs.bereikbaarheid.categories)
    known = run_cats | {c for c, parts in composites.items() if set(parts) <= run_cats}
    needed = (*s.bereikbaarheid.categorieen, s.draagvlak.ontmoetingsplek_categorie)
    bad = [c for c in needed if c not in known]
    if bad:
        raise SettingsError(
            f"toetsingskader {s.source}: categorie(ën) {bad} zijn geen categorieën van de run "
            f"(bereikbaarheid.categories in {rs.source}: {', '.join(sorted(known))})"
        )
    notes: list[str] = []
    graphs = analysis.graphs
    profile = wanted
    if wanted not in graphs:
        profile = next(iter(graphs))
        notes.append(
            f"Profiel '{rs.profielen[wanted].label}' ontbreekt in de analyse; de bereikbaarheid is "
            f"berekend met '{rs.profielen[profile].label if profile in rs.profielen else profile}'."
        )
    prof = graphs[profile].profile
    labels = {c: _category_label(c, analysis.inputs.voorzieningen, composites) for c in needed}
    return _Run(
        norm_m=float(vocab.norm_m),
        max_snap_m=float(rs.bereikbaarheid.max_snap_m),
        profile=profile,
        profile_label=f"profiel {getattr(prof, 'label', '') or profile}",
        speed_m_s=float(prof.speed_m_s),
        suffix=vocab.suffix(profile),
        labels=labels,
        composites=composites,
    ), notes


def _category_label(cat: str, vz: gpd.GeoDataFrame, composites: Mapping[str, tuple[str, ...]]) -> str:
    """Dutch label of a category (or of a composite such as ``ov``), from the voorzieningen."""
    from ..config import load_category_rules

    rules: dict[str, Any] | None = None
    labels: list[str] = []
    for part in composites.get(cat, (cat,)):
        lab = vz.loc[vz["categorie"] == part, "label"] if "label" in vz and len(vz) else pd.Series(dtype=object)
        text = _text(lab.iloc[0]) if len(lab) else ""
        if not text:
            rules = rules if rules is not None else load_category_rules().get("categorie", {})
            text = _text(rules.get(part, {}).get("label")) or part.replace("_", " ")
        labels.append(text if not labels else text[:1].lower() + text[1:])
    return " of ".join(labels)


def _site_access(analysis: Any, point: shapely.Point, run: _Run) -> tuple[PointAccess, pd.Series]:
    """Accessibility of one point, and the network distance to every voorziening within the norm.

    Reuses the run's per-node distances (:func:`.accessibility.access_at`); only the voorzieningen
    within the norm take a search, bounded by the norm.
    """
    acc = analysis.access[run.profile]
    pa = access_at(acc, np.array([[point.x, point.y]]), max_snap_m=run.max_snap_m)
    if pa.far[0] or len(acc.dest_ids) == 0:
        return pa, pd.Series(dtype=float)
    d = dijkstra(acc.routing.matrix, directed=False, indices=[int(pa.left[0]), int(pa.right[0])], limit=run.norm_m)
    nodes = acc.routing.dest_node
    dist, _ = via_nearer_end(pa.snap.dist[0], pa.d_left[0], pa.d_right[0], d[0, nodes], d[1, nodes])
    within = pd.Series(dist, index=acc.dest_ids)
    return pa, within[within <= run.norm_m].sort_values()


def _access_rows(
    analysis: Any, pa: PointAccess, within: pd.Series, run: _Run, settings: ToetsSettings
) -> list[dict[str, Any]]:
    vz = analysis.inputs.voorzieningen
    rows = []
    for cat in settings.bereikbaarheid.categorieen:
        parts = run.composites.get(cat, (cat,))
        dist = _num(pa.distance[cat][0]) if cat in pa.distance else None
        nearest = pa.nearest[cat][0] if cat in pa.nearest else None
        name = None
        if nearest is not None and nearest in vz.index:
            name = _text(vz.at[nearest, "naam"]) or f"({_text(vz.at[nearest, 'label']) or cat}, naamloos)"
        near_ids = [i for i in within.index if within[i] <= run.norm_m and vz.at[i, "categorie"] in parts]
        if dist is None:
            verdict = "onbekend"
            reason = (
                "locatie ligt te ver van het looppadennetwerk"
                if pa.far[0]
                else "geen voorziening van deze categorie bereikbaar"
            )
        else:
            verdict = "groen" if dist <= run.norm_m else settings.bereikbaarheid.oordeel_buiten_norm
            reason = ""
        rows.append(
            {
                "categorie": cat,
                "label": run.labels[cat],
                "afstand_m": None if dist is None else round(dist, 1),
                "minuten": None if dist is None else round(dist / run.speed_m_s / 60.0, 1),
                "dichtstbij": name,
                "aantal_binnen_norm": len(near_ids),
                "binnen_norm": None if dist is None else bool(dist <= run.norm_m),
                "oordeel": verdict,
                "toelichting": reason,
            }
        )
    return rows


# --------------------------------------------------------------------------------------------
# The four parts
# --------------------------------------------------------------------------------------------


def _crit_threshold(
    code: str,
    naam: str,
    value: float | None,
    waarde_tekst: str,
    d: Drempel,
    *,
    toelichting: str = "",
    verdict: str | None = None,
) -> Criterium:
    return Criterium(
        code=code,
        naam=naam,
        waarde=value,
        waarde_tekst=waarde_tekst,
        drempel=d.tekst(),
        bron=f"{d.bron} — {d.reden}" if d.reden else d.bron,
        oordeel=verdict or d.oordeel(value),
        toelichting=toelichting,
    )


def _part(nummer: int, criteria: list[Criterium], toelichting: str = "") -> Deel:
    _, code, titel, vraag = PARTS[nummer - 1]
    return Deel(
        nummer=nummer,
        code=code,
        titel=titel,
        vraag=vraag,
        criteria=tuple(criteria),
        oordeel=worst([c.oordeel for c in criteria]),
        toelichting=toelichting,
    )


def _inhabitants(analysis: Any, buurt: pd.Series | None, wijk: pd.Series | None, rapport: str) -> dict[str, Any]:
    """Inhabitants of the wijk (CBS) and of the buurt (CBS or estimated from address shares)."""
    out: dict[str, Any] = {"wijk": None, "wijk_bron": "", "buurt": None, "buurt_bron": "", "gemeente": None}
    if wijk is not None:
        for col, src in (
            ("inwoners_cbs", "CBS Kerncijfers wijken en buurten 2024"),
            ("inwoners", f"{rapport} (CBS 2024)"),
        ):
            if col in wijk and _num(wijk.get(col)):
                out["wijk"], out["wijk_bron"] = float(wijk[col]), src
                break
    if buurt is not None:
        if _num(buurt.get("inwoners_cbs")):
            out["buurt"], out["buurt_bron"] = float(buurt["inwoners_cbs"]), "CBS Kerncijfers wijken en buurten"
        elif out["wijk"] and wijk is not None and _num(wijk.get("n_adressen")) and _num(buurt.get("n_adressen")):
            share = float(buurt["n_adressen"]) / float(wijk["n_adressen"])
            out["buurt"] = out["wijk"] * share
            out["buurt_bron"] = (
                f"schatting: inwoners van de wijk ({out['wijk_bron']}) × aandeel van de buurt in de "
                f"adressen van de wijk ({_nl(100 * share, 1)}%, OSM-adrespunten 2021); "
                "de offline gegevens hebben geen inwoners per buurt"
            )
    kern = getattr(analysis.inputs, "kerncijfers", None)
    code = analysis.inputs.gemeente.index[0] if len(analysis.inputs.gemeente) else None
    if isinstance(kern, pd.DataFrame) and code in kern.index:
        for col in ("AantalInwoners_5", "aantalInwoners"):
            value = _num(kern.at[code, col]) if col in kern else None
            if value:
                out["gemeente"] = value
                break
    if out["gemeente"] is None and "inwoners_cbs" in analysis.wijken:
        total = analysis.wijken["inwoners_cbs"].sum(min_count=1)
        out["gemeente"] = _num(total)
    return out


def _interval_verdict(d: Drempel, lo: float | None, hi: float | None, missing: int) -> tuple[str, str]:
    """The verdict when a value lies between ``lo`` and ``hi`` (``missing`` register rows not placed).

    The verdict stands when both ends give it; otherwise it is onbekend, with the reason.
    """
    a, b = d.oordeel(lo), d.oordeel(hi)
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


def _part_regio(
    s: ToetsSettings,
    zt: ZorgType,
    point: shapely.Point,
    init: gpd.GeoDataFrame,
    register: str,
    unplaced: Sequence[dict[str, Any]],
    inw: dict[str, Any],
    buurtcode: str | None,
    wijkcode: str | None,
    init_areas: pd.DataFrame,
) -> tuple[Deel, dict[str, Any]]:
    """Part 1. ``register`` is ``geen`` (none given), ``onbruikbaar`` (no row placed) or ``ok``."""
    known = register == "ok"
    dist = init.distance(point) if len(init) else pd.Series(dtype=float)
    same = (init["type"] == zt.key).to_numpy() if len(init) else np.zeros(0, bool)
    n_osm = int((init["bron"] == "osm").sum()) if len(init) else 0
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
    crits: list[Criterium] = []
    counts: dict[str, Any] = {"niet_geplaatst": k_all}
    for code, same_type in (
        ("zelfde_type_500m", True),
        ("zelfde_type_1000m", True),
        ("elk_type_500m", False),
        ("elk_type_1000m", False),
    ):
        d = s.drempels[code]
        sel = (dist.to_numpy() <= d.straal_m) & (same if same_type else True)
        n = int(sel.sum())
        extra = k_same if same_type else k_all
        counts[code] = n
        names = ", ".join(
            f"{_text(r.naam, '(naamloos)')} ({_nl(dd, 0)} m)"
            for r, dd in zip(init.loc[sel].itertuples(), dist[sel], strict=True)
        )
        what = f"van het type {zt.label.lower()}" if same_type else "van elk type"
        value_text = f"{n}" + (f": {names}" if names else "")
        if known and extra:
            value_text += f" (met de {extra} niet geplaatste register-rij(en) hooguit {n + extra})"
        verdict, why = _interval_verdict(d, n, n + extra, extra) if known else ("onbekend", why_unknown)
        crit = _crit_threshold(
            code,
            f"zorginitiatieven {what} binnen {_nl(d.straal_m)} m",
            float(n),
            value_text,
            d,
            verdict=verdict,
            toelichting=why,
        )
        crits.append(dataclasses.replace(crit, bron=f"{src_counts}; drempel: {crit.bron}"))
    in_gem = init_areas.dropna(subset=["buurtcode"]) if len(init_areas) else init_areas
    g_n = len(in_gem)
    g_rate = per_1000(g_n, inw["gemeente"])
    for level, code_area, key, inw_key in (
        ("buurt", buurtcode, "buurtcode", "buurt"),
        ("wijk", wijkcode, "wijkcode", "wijk"),
    ):
        d = s.drempels[f"per_1000_{level}"]
        n_area = int((in_gem[key] == code_area).sum()) if len(in_gem) else 0
        n_same = int(((in_gem[key] == code_area) & (in_gem["type"] == zt.key)).sum()) if len(in_gem) else 0
        rate = per_1000(n_area, inw[inw_key])
        ratio = _ratio(n_area, g_n, inw[inw_key], inw["gemeente"])
        counts[f"{level}_n"], counts[f"{level}_n_zelfde_type"], counts[f"{level}_per_1000"] = n_area, n_same, rate
        ratio_text = "onbekend" if np.isnan(ratio) else ("oneindig" if np.isinf(ratio) else _nl(ratio, 2))
        text = (
            f"{n_area} {'initiatief' if n_area == 1 else 'initiatieven'} ({n_same} van dit type) = "
            f"{_nl(rate, 2)} per 1.000 inwoners; "
            f"gemeente {_nl(g_rate, 2)} per 1.000 ({g_n} {'initiatief' if g_n == 1 else 'initiatieven'}); "
            f"{ratio_text}× de gemeente"
        )
        src = f"{src_counts.split(';')[0]}; inwoners {level}: {inw[f'{inw_key}_bron'] or 'onbekend'}"
        value = None if np.isinf(ratio) else _num(ratio)
        if not known:
            verdict, why = "onbekend", why_unknown
        elif np.isinf(ratio):
            verdict, why = "rood", ""
        else:
            # unplaced rows may lie in this area or elsewhere in the gemeente
            lo = _num(_ratio(n_area, g_n + k_all, inw[inw_key], inw["gemeente"]))
            hi = _num(_ratio(n_area + k_all, g_n + k_all, inw[inw_key], inw["gemeente"]))
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
    counts["gemeente_n"], counts["gemeente_per_1000"] = g_n, g_rate
    return _part(1, crits, note), counts


def _norm_met(access_rows: Sequence[dict[str, Any]], s: ToetsSettings) -> bool | None:
    """Whether every category of the norm lies within the norm; None when one is unknown."""
    by_cat = {r["categorie"]: r["binnen_norm"] for r in access_rows}
    values = [by_cat.get(c) for c in s.bereikbaarheid.norm_categorieen]
    return None if any(v is None for v in values) else all(values)


def _norm_text(run: _Run, s: ToetsSettings) -> str:
    """``'OV-halte of treinstation en supermarkt binnen 800 m'``."""
    labels = [run.labels[c] for c in s.bereikbaarheid.norm_categorieen]
    labels = [labels[0]] + [x[:1].lower() + x[1:] for x in labels[1:]]
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " en " + labels[-1]
    return f"{joined} binnen {_nl(run.norm_m)} m"


def _part_gemeente(
    s: ToetsSettings,
    zt: ZorgType,
    buurt: pd.Series | None,
    wijk: pd.Series | None,
    omvang: int,
    inw: dict[str, Any],
    norm_ok: bool | None,
    rapport: str,
    run: _Run,
) -> Deel:
    crits: list[Criterium] = []
    has_overlays = wijk is not None and "balans_klasse" in wijk
    no_data = "geen draagkracht/draaglast in de analyse (overlays.wijkcijfers niet ingesteld)"
    wnaam = _text(wijk.get("naam"), "onbekend") if wijk is not None else "onbekend"
    bnaam = _text(buurt.get("naam"), "onbekend") if buurt is not None else "onbekend"
    k = s.klassen["balans"]
    klasse = _text(wijk.get("balans_klasse")) if has_overlays and wijk is not None else ""
    balans = _num(wijk.get("balans")) if has_overlays and wijk is not None else None
    crits.append(
        Criterium(
            "balans_wijk",
            f"balans draagkracht − draaglast van de wijk {wnaam} (geldt ook voor de buurt)",
            klasse or None,
            f"{klasse} (balans {_nl(balans, 2)} sd)" if klasse else "onbekend",
            k.tekst(),
            f"{rapport}; woonzorg_geo overlays; oordeel: {k.bron} — {k.reden}",
            k.oordeel(klasse or None),
            _text(wijk.get("overlay_toelichting")) if has_overlays and wijk is not None else no_data,
        )
    )
    for code, col, label in (
        ("draaglast_wijk", "draaglast", "draaglast"),
        ("draagkracht_wijk", "draagkracht", "draagkracht"),
    ):
        v = _num(wijk.get(col)) if wijk is not None and col in wijk else None
        crit = _crit_threshold(
            code,
            f"{label} van de wijk {wnaam} (z-score binnen de gemeente)",
            v,
            _nl(v, 2, "sd"),
            s.drempels[code],
            toelichting="" if v is not None else ("geen waarde voor deze wijk" if has_overlays else no_data),
        )
        crits.append(dataclasses.replace(crit, bron=f"{rapport}; woonzorg_geo overlays; drempel: {crit.bron}"))
    for code, col, label in (("focus", "focus", "focus"), ("veerkracht", "veerkracht", "veerkracht")):
        kk = s.klassen[code]
        klasse = _text(buurt.get(col)) if buurt is not None and col in buurt else ""
        crits.append(
            Criterium(
                f"{code}_buurt",
                f"{label} van de buurt {bnaam}",
                klasse or None,
                klasse or "onbekend",
                kk.tekst(),
                f"{rapport} (Aedes {label}kaart 2022), regels van woonzorg_geo; oordeel: {kk.bron} — {kk.reden}",
                kk.oordeel(klasse or None),
                _text(buurt.get(f"{col}_redenen"))
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
    n_addr = _num(buurt.get("n_adressen")) if buurt is not None else None
    inhab = inw["buurt"]
    share = 100.0 * omvang / inhab if inhab else None
    share_text = (
        f"{omvang} {zt.omvang_eenheid} ≈ {_nl(share, 1)}% van ca. {_nl(inhab, 0)} inwoners "
        f"({_nl(n_addr, 0)} adressen) van de buurt {bnaam}"
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
                f"{omvang} {zt.omvang_eenheid} (de buurt {bnaam} heeft ca. {_nl(inhab, 0)} inwoners, "
                f"{_nl(n_addr, 0)} adressen)"
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
        Criterium(
            "bereikbaarheid_norm",
            f"beoogde locatie: {_norm_text(run, s)} lopen ({run.profile_label})",
            None if norm_ok is None else yes_no,
            yes_no,
            f"alle binnen {_nl(run.norm_m)} m lopen (bereikbaarheid.norm_m); anders {b.oordeel_buiten_norm}",
            f"{b.norm_bron}; oordeel buiten de norm: instelling woonzorg_geo",
            verdict,
            "zie de tabel bereikbaarheid van de locatie",
        )
    )
    return _part(2, crits, " ".join(notes))


def _part_wijk(
    s: ToetsSettings,
    buurt: pd.Series | None,
    within: pd.Series,
    vz: gpd.GeoDataFrame,
    far: bool,
    run: _Run,
) -> Deel:
    crits: list[Criterium] = []
    d = s.drempels["signalen_buurt"]
    bnaam = _text(buurt.get("naam"), "onbekend") if buurt is not None else "onbekend"
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
        raw = _text(buurt.get("signalen"))
        present = [x.strip() for x in raw.split(",") if x.strip()]
        hits = [x for x in present if x in s.draagvlak.signalen]
        text = ", ".join(SIGNAL_LABELS.get(x, x.replace("_", " ")) for x in hits) or "geen"
        expl = _text(buurt.get("signalen_toelichting"))
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
    ids = [i for i in within.index if within[i] <= run.norm_m and vz.at[i, "categorie"] == cat]
    names = ", ".join(f"{_text(vz.at[i, 'naam'], '(naamloos)')} ({_nl(within[i], 0)} m)" for i in ids)
    value = None if far else float(len(ids))
    label = run.labels[cat].lower()
    crit = _crit_threshold(
        "ontmoetingsplekken",
        f"{label}: aantal binnen {_nl(run.norm_m)} m lopen ({run.profile_label})",
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


def _part_initiatief(s: ToetsSettings) -> Deel:
    crits = [
        Criterium(
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


# --------------------------------------------------------------------------------------------
# What-if
# --------------------------------------------------------------------------------------------


def _what_if(
    s: ToetsSettings,
    zt: ZorgType,
    omvang: int,
    buurt: pd.Series | None,
    wijk: pd.Series | None,
    inw: dict[str, Any],
    counts: dict[str, Any],
    register: str,
    norm_ok: bool | None,
    rapport: str,
    run: _Run,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    if register != "ok":
        reg_note = " (alleen OpenStreetMap: onvolledig, lever een register aan)"
    elif counts.get("niet_geplaatst"):
        reg_note = f" (ondergrens: {counts['niet_geplaatst']} register-rij(en) niet geplaatst)"
    else:
        reg_note = ""
    people = (
        f"+{omvang} bewoners"
        if zt.omvang_eenheid == "bewoners"
        else f"+{omvang} {zt.omvang_eenheid}, gerekend als {omvang} bewoners"
    )
    norm_cats = s.bereikbaarheid.norm_categorieen
    col = f"pct_{'_en_'.join(norm_cats)}_{int(run.norm_m)}m{run.suffix}"
    for level, area in (("buurt", buurt), ("wijk", wijk)):
        if area is None:
            continue
        naam = _text(area.get("naam"), "onbekend")
        inh = inw[level]
        n = counts.get(f"{level}_n", 0)
        n_same = counts.get(f"{level}_n_zelfde_type", 0)
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": "inwoners",
                "eenheid": "personen",
                "nu": inh,
                "na": None if inh is None else inh + omvang,
                "toelichting": f"{people}; {inw[f'{level}_bron'] or 'inwoners onbekend'}",
            }
        )
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": "zorginitiatieven (alle typen)",
                "eenheid": "aantal",
                "nu": n,
                "na": n + 1,
                "toelichting": "+1 initiatief" + reg_note,
            }
        )
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": "zorginitiatieven per 1.000 inwoners",
                "eenheid": "per 1.000",
                "nu": per_1000(n, inh),
                "na": per_1000_na(n, inh, omvang),
                "toelichting": "(aantal + 1) / (inwoners + omvang) × 1.000" + reg_note,
            }
        )
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": f"initiatieven van het type {zt.label.lower()} per 1.000 inwoners",
                "eenheid": "per 1.000",
                "nu": per_1000(n_same, inh),
                "na": per_1000_na(n_same, inh, omvang),
                "toelichting": "(aantal + 1) / (inwoners + omvang) × 1.000" + reg_note,
            }
        )
        pct = _num(area.get(col)) if col in area else None
        if pct is None:
            why = f"aandeel voor de {level} onbekend (kolom {col} ontbreekt of is leeg)"
        elif norm_ok is None:
            why = "bereikbaarheid van de locatie onbekend"
        else:
            why = (
                "aandeel van de adressen, toegepast op de inwoners; de nieuwe bewoners krijgen de "
                f"bereikbaarheid van de locatie ({'voldoet' if norm_ok else 'voldoet niet'})"
            )
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": f"inwoners met {_norm_text(run, s)} ({run.profile_label})",
                "eenheid": "%",
                "nu": pct,
                "na": aandeel_na(pct, inh, omvang, norm_ok),
                "toelichting": why,
            }
        )
    if zt.wmo_kolom and wijk is not None:
        r = _num(wijk.get(zt.wmo_kolom))
        rows.append(
            {
                "gebied": "wijk",
                "naam": _text(wijk.get("naam"), "onbekend"),
                "indicator": f"Wmo {zt.label.lower()} per 1.000 inwoners",
                "eenheid": "per 1.000",
                "nu": r,
                "na": wmo_per_1000_na(r, inw["wijk"], omvang),
                "toelichting": (
                    f"{rapport} (Wmo-registratie 2024); aanname: alle {omvang} bewoners krijgen deze "
                    "voorziening en wonen in de wijk: (cliënten + omvang) / (inwoners + omvang) × 1.000"
                ),
            }
        )
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
    places: Places | None = None,
) -> ToetsResult:
    """Check a proposed care initiative against the toetsingskader.

    Parameters
    ----------
    analysis
        A :class:`.pipeline.Analysis` (or an object with the same attributes): its settings
        (norm, profiles), inputs (gemeente, voorzieningen, OSM, paths), walking graphs and
        buurten/wijken with overlays.
    adres
        ``'Straat huisnummer, Plaats'`` (optionally with a postcode after the comma). The place
        must lie in the gemeente.
    punt
        ``(lon, lat)`` in WGS84, instead of an address.
    type
        Type of the initiative, a key of ``[types]`` in the settings (``beschermd_wonen``, …).
    omvang
        Size in the type's unit (bewoners, plaatsen, woningen): 1 up to the type's ``max_omvang``.
    register
        CSV of existing care initiatives (``naam``, ``adres``, ``postcode``, ``type``). Without it,
        or when none of its rows can be placed, part 1 is ``onbekend`` and says why.
    settings
        Toets settings; default :func:`load_toets_settings`.
    geocoder
        ``(address, postcode) -> dict`` (as :meth:`.OfflineGeocoder.geocode_one` or
        :func:`.locatieserver_geocoder`); default: the offline geocoder of the analysis.
    places
        The places of the gemeente (default: :func:`.gemeente_places` of the analysis' inputs).

    Returns
    -------
    ToetsResult

    Raises
    ------
    ToetsError
        Unknown type, an implausible omvang, no or two locations, a location or place outside
        the gemeente.
    GeocodeError
        The address was not found precisely enough.
    SettingsError
        The toets settings name a profile or category the run's settings do not have.
    DataFileError, MissingDataError
        The register cannot be read.
    """
    s = settings or load_toets_settings()
    zt = s.zorgtype(type)
    omvang = zt.check_omvang(omvang)
    run, meldingen = _run_settings(analysis, s)
    coder: list[Geocode] = [geocoder] if geocoder is not None else []

    def get_coder() -> Geocode:
        if not coder:
            coder.append(offline_geocoder(analysis))
        return coder[0]

    pl = places or gemeente_places(analysis.inputs, osm_classes=s.locatie.plaats_klassen)
    if adres is not None and punt is None:
        point, loc = locate_site(analysis.inputs, adres=adres, punt=None, geocode=get_coder(), settings=s, places=pl)
    else:
        point, loc = locate_site(
            analysis.inputs, adres=adres, punt=punt, geocode=lambda a, p: {}, settings=s, places=pl
        )
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
    loc.update(
        {
            "buurtcode": _text(buurtcode) or None,
            "buurtnaam": None if buurt is None else _text(buurt.get("naam")) or None,
            "wijkcode": _text(wijkcode) or None,
            "wijknaam": None if wijk is None else _text(wijk.get("naam")) or None,
        }
    )
    rapport = getattr(getattr(analysis.settings, "overlays", None), "bron_rapport", "") or "rapport van de gemeente"

    # register + OSM
    reg = None
    niet_geplaatst: list[dict[str, Any]] = []
    if register is not None:
        reg, niet_geplaatst, msgs = read_register(register, settings=s, geocode=get_coder(), places=pl)
        meldingen.extend(msgs)
        close = reg.loc[reg.distance(point) < s.register.samenvoegen_m] if len(reg) else reg
        for r in close.itertuples():
            meldingen.append(
                f"Register regel {r.regel} ({r.naam}) ligt op de locatie zelf "
                f"(< {_nl(s.register.samenvoegen_m)} m): is dit het initiatief zelf? "
                "Het telt mee als bestaand initiatief."
            )
        if niet_geplaatst:
            meldingen.append(
                f"{len(niet_geplaatst)} register-rij(en) konden niet worden geplaatst; zie de lijst in deel 1."
            )
    reg_status = "geen" if register is None else ("ok" if reg is not None and len(reg) else "onbruikbaar")
    init = _initiatives(analysis, reg, s)
    shape = pl.shape
    inside = init.loc[init.within(shape)] if len(init) else init
    if len(inside):
        ia, _ = assign_areas(inside, analysis.buurten, analysis.wijken)
        init_areas = pd.concat([inside.drop(columns="geometry"), ia[["buurtcode", "wijkcode"]]], axis=1)
    else:
        init_areas = pd.DataFrame(columns=["type", "buurtcode", "wijkcode"])

    # accessibility at the site
    pa, within = _site_access(analysis, point, run)
    access_rows = _access_rows(analysis, pa, within, run, s)
    norm_ok = _norm_met(access_rows, s)
    if pa.far[0]:
        meldingen.append(
            f"De locatie ligt meer dan {_nl(run.max_snap_m)} m van het looppadennetwerk: bereikbaarheid onbekend."
        )

    inw = _inhabitants(analysis, buurt, wijk, rapport)
    p1, counts = _part_regio(s, zt, point, init, reg_status, niet_geplaatst, inw, buurtcode, wijkcode, init_areas)
    p2 = _part_gemeente(s, zt, buurt, wijk, omvang, inw, norm_ok, rapport, run)
    p3 = _part_wijk(s, buurt, within, analysis.inputs.voorzieningen, bool(pa.far[0]), run)
    p4 = _part_initiatief(s)
    delen = (p1, p2, p3, p4)
    overall = worst([p.oordeel for p in delen[:3]])
    wat_als = _what_if(s, zt, omvang, buurt, wijk, inw, counts, reg_status, norm_ok, rapport, run)

    dist_all = init.distance(point) if len(init) else pd.Series(dtype=float)
    max_r = max(d.straal_m for d in s.drempels.values())
    nearby = [
        {
            "naam": _text(r.naam, "(naamloos)"),
            "adres": _text(r.adres),
            "type": r.type,
            "type_label": r.type_label,
            "bron": r.bron,
            "afstand_m": round(float(dd), 1),
        }
        for r, dd in zip(init.itertuples(), dist_all, strict=True)
        if dd <= max_r
    ]
    nearby.sort(key=lambda x: x["afstand_m"])
    text = _summary(overall, delen, zt, omvang, loc)
    label = loc["invoer"] if adres is not None else f"punt {loc['lon']:.5f} {loc['lat']:.5f}"
    result = ToetsResult(
        slug=slug(label),
        invoer={
            "adres": adres,
            "punt": None if punt is None else [float(punt[0]), float(punt[1])],
            "type": zt.key,
            "omvang": omvang,
            "register": None if register is None else str(register),
        },
        locatie=loc,
        zorgtype=zt,
        omvang=omvang,
        delen=delen,
        oordeel=overall,
        samenvatting=text,
        bereikbaarheid=tuple(
            {
                **r,
                "profiel": run.profile,
                "profiel_label": run.profile_label,
                "snelheid_m_s": run.speed_m_s,
                "norm_m": run.norm_m,
            }
            for r in access_rows
        ),
        wat_als=tuple(wat_als),
        initiatieven=tuple(nearby),
        niet_geplaatst=tuple(niet_geplaatst),
        bronnen=tuple(_sources(analysis, s, register, rapport, loc)),
        meldingen=tuple(meldingen),
        kader=s.kader,
        instellingen=s.source,
        gemaakt_op=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
    )
    log.info("toets %s (%s, %d %s): %s", label, zt.key, omvang, zt.omvang_eenheid, overall)
    return result


def _summary(overall: str, delen: Sequence[Deel], zt: ZorgType, omvang: int, loc: dict[str, Any]) -> str:
    where = f"{loc['label']} (buurt {loc.get('buurtnaam') or 'onbekend'}, wijk {loc.get('wijknaam') or 'onbekend'})"
    lines = [f"{zt.label}, {omvang} {zt.omvang_eenheid}, op {where}: {overall} — {VERDICT_TEXT[overall]}."]
    for d in delen[:3]:
        bad = [c.naam for c in d.criteria if c.oordeel in ("rood", "oranje")]
        unknown = [c for c in d.criteria if c.oordeel == "onbekend"]
        detail = ""
        if bad:
            detail = " Aandacht: " + "; ".join(bad) + "."
        elif unknown:
            detail = f" {len(unknown)} {'criterium' if len(unknown) == 1 else 'criteria'} onbekend."
        lines.append(f"Deel {d.nummer} {d.titel.lower()}: {d.oordeel}.{detail}")
    lines.append(
        f"Deel 4 {delen[3].titel.lower()}: {len(delen[3].criteria)} onderdelen aan te leveren door de initiatiefnemer."
    )
    return "\n".join(lines)


def _sources(
    analysis: Any, s: ToetsSettings, register: Path | None, rapport: str, loc: dict[str, Any]
) -> list[dict[str, str]]:
    from ..datasets import CATALOGUE

    out = [
        {"naam": s.kader.naam, "bron": s.kader.bron, "toelichting": s.kader.disclaimer},
        {
            "naam": "Drempels van deze toets",
            "bron": f"toetsingskader-instellingen: {s.source}",
            "toelichting": "elke drempel staat in de tabellen met zijn bron",
        },
    ]
    paths = getattr(analysis.inputs, "paths", {}) or {}
    for key, meta in CATALOGUE.items():
        if key in paths:
            out.append(
                {
                    "naam": meta["omschrijving"],
                    "bron": f"{meta['bron']} ({meta['datum']})",
                    "toelichting": f"licentie: {meta['licentie']}",
                }
            )
    if not paths:
        out.append(
            {
                "naam": "OpenStreetMap",
                "bron": str(getattr(analysis.inputs.osm, "source", "OSM")),
                "toelichting": "© OpenStreetMap contributors (ODbL)",
            }
        )
    out.append(
        {
            "naam": "Wijkcijfers, buurtsignalen, Wmo-cijfers",
            "bron": rapport,
            "toelichting": "Aedes veerkracht- en focuskaart 2022, Gezondheidsmonitor 2022, Wmo-registratie "
            "2024, CBS 2024 (via het rapport)",
        }
    )
    out.append(
        {
            "naam": "Register van zorginitiatieven",
            "bron": str(register) if register is not None else "niet opgegeven",
            "toelichting": "aangeleverd door de gebruiker"
            if register is not None
            else "lever een register aan voor deel 1",
        }
    )
    method = str(loc.get("geocode_methode") or "")
    out.append(
        {
            "naam": "Geocodering",
            "bron": GEOCODE_METHODS.get(method, method or "onbekend"),
            "toelichting": str(loc.get("precisie_tekst")),
        }
    )
    out.append(
        {
            "naam": "Kaartgegevens",
            "bron": "© OpenStreetMap contributors (ODbL); CBS/PDOK (CC BY 4.0)",
            "toelichting": "",
        }
    )
    return out
