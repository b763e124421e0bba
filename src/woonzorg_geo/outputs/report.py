"""Wijkprofielen: one readable Dutch HTML page per wijk, every figure with its source and year."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.areas.overlays.build import CBS_ONLINE
from woonzorg_geo.areas.overlays.scaling import SCALING_NOTES
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.core.overlay_settings import OverlaySettings
from woonzorg_geo.core.palette import AREA_EDGE, FOCUS_COLOURS, MISSING_COLOUR, WIJK_OUTLINE
from woonzorg_geo.core.vocabulary import Z_SCORE_EXPLANATION, Vocabulary
from woonzorg_geo.outputs.pages import map_piece, render

log = logging.getLogger(__name__)

SRC_CBS = "CBS Kerncijfers wijken en buurten 2024"
SRC_OSM = "woonzorg_geo op OSM 2021 (© OpenStreetMap contributors), GTFS 2015, huisartsenlijst 2026"


def svg_map(
    wijk_geom: shapely.Geometry,
    buurten: gpd.GeoDataFrame,
    vz: gpd.GeoDataFrame,
    *,
    vocabulary: Vocabulary,
    width: int = 420,
) -> str:
    """A small offline SVG map: buurten coloured by focus, the computed voorzieningen as dots.

    Rendered (every text escaped) from the ``wijk_svg`` macro of ``templates/map_pieces.html``.
    """
    x0, y0, x1, y1 = wijk_geom.bounds
    pad = 0.04 * max(x1 - x0, y1 - y0, 1.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    scale = width / (x1 - x0)
    height = round((y1 - y0) * scale)

    def path(geom: shapely.Geometry) -> str:
        parts = []
        for poly in shapely.get_parts(geom):
            for ring in [poly.exterior, *poly.interiors]:
                c = np.asarray(ring.coords)
                px = (c[:, 0] - x0) * scale
                py = (y1 - c[:, 1]) * scale
                parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + "Z")
        return "".join(parts)

    areas = [
        {
            "d": path(b.geometry.simplify(5.0)),
            "colour": FOCUS_COLOURS.get(str(b.get("focus")), MISSING_COLOUR),
            "title": f"{fmt.quantity(b.get('naam'))}: focus {fmt.quantity(b.get('focus'))}",
        }
        for _, b in buurten.iterrows()
    ]
    shown = set(vocabulary.categories)
    dots = []
    for _, v in vz.cx[x0:x1, y0:y1].iterrows():  # only those in the drawing (as the check below)
        if v["categorie"] not in shown:
            continue
        px, py = (v.geometry.x - x0) * scale, (y1 - v.geometry.y) * scale
        if 0 <= px <= width and 0 <= py <= height:
            label = v.get("label")
            label = vocabulary.label(v["categorie"]) if fmt.is_missing(label) else str(label)
            naam = v.get("naam")
            title = label if fmt.is_missing(naam) else f"{label}: {naam}"
            # voorzieningen just outside the wijk are drawn for context, faded and said to be outside
            inside = wijk_geom.covers(v.geometry)
            if not inside:
                title += " (buiten de wijk)"
            colour = vocabulary.colour(v["categorie"])
            dots.append({"cx": f"{px:.1f}", "cy": f"{py:.1f}", "colour": colour, "faded": not inside, "title": title})
    return map_piece(
        "wijk_svg",
        width=width,
        height=height,
        areas=areas,
        outline=path(wijk_geom.simplify(5.0)),
        dots=dots,
        edge=AREA_EDGE,
        outline_colour=WIJK_OUTLINE,
    )


FACT_LABELS = {
    "pct_65plus": "65-plussers",
    "pct_45_65": "45- tot 65-jarigen",
    "aantal_65plus": "aantal 65-plussers",
    "pct_energiearmoede_2022": "huishoudens in energiearmoede (2022)",
    "pct_eenzaam": "voelt zich eenzaam",
    "huishoudens_mobiliteitsbeperking_nu": "huishoudens met een mobiliteitsbeperking, nu",
    "huishoudens_mobiliteitsbeperking_over_10_jaar": "huishoudens met een mobiliteitsbeperking, over 10 jaar",
}


def wijkprofiel_html(
    code: str,
    wijk: pd.Series,
    buurten: gpd.GeoDataFrame,
    vz: gpd.GeoDataFrame,
    settings: Settings,
    *,
    facts: pd.DataFrame | None = None,
    vocabulary: Vocabulary | None = None,
) -> str:
    """The wijkprofiel of one wijk as a self-contained HTML page (no scripts, no external files).

    Parameters
    ----------
    code, wijk
        The wijk's CBS code and its row of the analysed wijk table.
    buurten, vz
        The wijk's buurten (with focus/veerkracht) and all voorzieningen.
    settings
        The run's settings (``Analysis.settings``: overlay indicators resolved for the run).
    facts
        The report's single figures (see :func:`read_facts`).
    vocabulary
        The run's vocabulary (column names, labels, norm, profiles); default: from ``settings``.
    """
    vocab = vocabulary or Vocabulary.from_settings(settings)
    s = settings.overlays
    rapport = s.bron_rapport or "rapport van de gemeente"
    naam = str(wijk.get("naam", code))
    geom = wijk.geometry
    inside = vz.loc[vz.within(geom)] if len(vz) else vz
    fact: dict[str, tuple[Any, Any, Any]] = {}
    if facts is not None and len(facts):
        sub = facts.loc[facts["code"] == code]
        fact = {str(r.indicator): (r.waarde, r.eenheid, r.toelichting) for r in sub.itertuples()}
    people = [
        ("inwoners", fmt.quantity(wijk.get("inwoners_cbs")), SRC_CBS),
        ("woningen", fmt.quantity(wijk.get("woningen_cbs")), SRC_CBS),
        ("adressen (OSM-adrespunten)", fmt.quantity(wijk.get("n_adressen")), "OSM 2021 (BAG-import)"),
        ("woningen (adrespunten met woonfunctie)", fmt.quantity(wijk.get("n_woningen")), "OSM 2021 (BAG-import)"),
        (
            "woningen per CBS-woning",
            fmt.quantity(wijk.get("woningen_per_cbs"), 2)
            + (f" — waarschijnlijk {wijk.get('woningen_oorzaak')}" if wijk.get("woningen_oorzaak") else ""),
            "OSM 2021 / CBS 2024",
        ),
        (
            "eenpersoonshuishoudens",
            fmt.quantity(wijk.get("pct_eenpersoonshuishoudens"), unit="%"),
            f"{rapport} (CBS 2024)",
        ),
        ("koopwoningen", fmt.quantity(wijk.get("pct_koopwoningen"), unit="%"), f"{rapport} (CBS 2024)"),
        ("bouwjaar (gros)", fmt.quantity(wijk.get("bouwjaar_gros")), f"{rapport} (CBS 2024)"),
        (
            "moeite met rondkomen",
            fmt.quantity(wijk.get("pct_moeite_rondkomen"), unit="%"),
            f"{rapport} (Gezondheidsmonitor 2022)",
        ),
        (
            "ervaren gezondheid goed",
            fmt.quantity(wijk.get("pct_ervaren_gezondheid_goed"), unit="%"),
            f"{rapport} (Gezondheidsmonitor 2022)",
        ),
    ]
    for key, (val, unit, note) in fact.items():
        label = FACT_LABELS.get(key, key.replace("_", " "))
        if isinstance(note, str) and note:
            label += f" ({note})"
        people.append(
            (
                label,
                fmt.quantity(pd.to_numeric(val, errors="coerce"), 1, unit="" if unit == "personen" else str(unit)),
                rapport,
            )
        )
    access = []
    shares = [*vocab.combinations, *vocab.key_categories]
    rows_spec = [(_capital(vocab.share_label(c)), vocab.pct(c)) for c in shares]
    rows_spec += [(vocab.field_label(f"med_afstand_{c}_m"), f"med_afstand_{c}_m") for c in vocab.key_categories]
    for label, col in rows_spec:
        values = [vocab.format(col, wijk.get(vocab.column(col, p))) for p in vocab.profiles]
        access.append((label, " / ".join(values), SRC_OSM))
    counts = inside["categorie"].value_counts() if len(inside) else pd.Series(dtype=int)
    vz_rows = []
    for cat, n in counts.items():
        names = inside.loc[inside["categorie"] == cat, "naam"].dropna().astype(str)
        listed = ", ".join(sorted(set(names))[:8]) + (" …" if names.nunique() > 8 else "")
        unnamed = int(inside.loc[inside["categorie"] == cat, "naam"].isna().sum())
        if unnamed:
            listed += ("; " if listed else "") + f"{fmt.number(unnamed)} zonder naam"
        bron = ", ".join(sorted(set(";".join(inside.loc[inside["categorie"] == cat, "bron"].dropna()).split(";"))))
        vz_rows.append((vocab.label(str(cat)), fmt.number(n), f"{listed} — bron: {bron or fmt.MISSING}"))
    klasse = map_piece("klasse", fmt.quantity(wijk.get("balans_klasse")))
    counts = {
        kind: f"{fmt.quantity(wijk.get(f'{kind}_n_indicatoren'))} van {fmt.number(len(getattr(s, kind)))} indicatoren"
        for kind in ("draaglast", "draagkracht")
    }
    balance = [
        ("draaglast (z-score)", vocab.format("draaglast", wijk.get("draaglast")), f"{counts['draaglast']}; zie onder"),
        (
            "draagkracht (z-score)",
            vocab.format("draagkracht", wijk.get("draagkracht")),
            f"{counts['draagkracht']}; zie onder",
        ),
        ("balans = draagkracht − draaglast", vocab.format("balans", wijk.get("balans")), "woonzorg_geo"),
        (
            "klasse",
            klasse,
            (
                f"instellingen: balans_grenzen; 'onbekend' bij minder dan {fmt.percent(100 * s.min_dekking, 0)} "
                "van de indicatoren (min_dekking)"
            ),
        ),
    ]
    from_report = report_columns(s)
    ind_rows = []
    for kind, inds in (("draaglast", s.draaglast), ("draagkracht", s.draagkracht)):
        for ind in inds:
            direction = "hoger = meer" if ind.richting > 0 else "hoger = minder"
            label = f"{kind}: {ind.label or ind.kolom} (gewicht {fmt.text(ind.gewicht)}, {direction})"
            value = wijk.get(ind.kolom)
            where = s.herkomst_rapport if ind.kolom in from_report else (ind.bron or "woonzorg_geo")
            if ind.cbs_kolom and not fmt.is_missing(wijk.get(ind.cbs_kolom)):
                where = CBS_ONLINE
            if fmt.is_missing(value):
                where = f"geen waarde voor deze wijk ({where})"
            basis = f"{where}; {ind.bron}" if ind.kolom in from_report and ind.bron else where
            if ind.rapport:
                basis += f". Rol: {ind.rapport}"
            if ind.referentie is not None:
                basis += f". Gemeten tegen {fmt.number(ind.referentie, 1)} ({ind.referentie_bron})"
            ind_rows.append((label, fmt.quantity(value, 1), basis))
    for ind in s.uitgeschakeld:
        ind_rows.append((f"uitgeschakeld: {ind.label or ind.kolom}", fmt.quantity(wijk.get(ind.kolom), 1), ind.reden))
    missing_here = [(kind, str(wijk.get(f"{kind}_ontbrekend") or "")) for kind in ("draaglast", "draagkracht")]
    missing_here = [(k, t) for k, t in missing_here if t and not fmt.is_missing(t)]
    if missing_here:
        missing_text = (
            "Geen waarde voor deze wijk (weegt niet mee): " + "; ".join(f"{k}: {t}" for k, t in missing_here) + "."
        )
    else:
        missing_text = "Elke indicator heeft een waarde voor deze wijk."
    not_modelled = [(k, getattr(s, f"niet_gemodelleerd_{k}")) for k in ("draaglast", "draagkracht")]
    not_modelled = [(k, items) for k, items in not_modelled if items]
    if not_modelled:
        missing_text += (
            " Factoren van het rapport die het model niet meeneemt, omdat cijfers per wijk "
            "ontbreken: " + "; ".join(f"{k}: {'; '.join(items)}" for k, items in not_modelled) + "."
        )
    herkomst = _origin_text(s, from_report)
    context = ""
    if len(buurten) and "wijk_context" in buurten:
        context = str(buurten["wijk_context"].dropna().iloc[0]) if buurten["wijk_context"].notna().any() else ""
    buurt_rows = [
        {
            "code": bcode,
            **{
                key: fmt.quantity(b.get(key))
                for key in ("naam", "focus", "focus_redenen", "veerkracht", "veerkracht_redenen")
            },
        }
        for bcode, b in buurten.sort_values("naam").iterrows()
    ]
    shown = vocab.ordered(c for c in vocab.categories if (vz["categorie"] == c).any()) if len(vz) else []
    return render(
        "wijkprofiel.html",
        title=f"Wijkprofiel {naam}",
        code=code,
        gemeente=settings.gemeente.naam,
        norm_text=vocab.norm_text,
        profiles=vocab.profiles,
        profiles_text=" / ".join(vocab.profile_label(p) for p in vocab.profiles),
        svg=svg_map(geom, buurten, vz, vocabulary=vocab),  # rendered (escaped) from templates/map_pieces.html
        focus_colours=FOCUS_COLOURS,
        shown=[(vocab.colour(c), vocab.noun(c)) for c in shown],
        people=people,
        access=access,
        vz_rows=vz_rows,
        z_explanation=f"{Z_SCORE_EXPLANATION} {SCALING_NOTES.get(s.schaling, '')}".strip(),
        balance=balance,
        toelichting=fmt.quantity(wijk.get("overlay_toelichting")),
        missing_text=missing_text,
        indicators=ind_rows,
        buurten=buurt_rows,
        rapport=rapport,
        herkomst=herkomst,
        wijk_context=context,
    )


def report_columns(settings: OverlaySettings) -> set[str]:
    """The indicator columns the report's tables (``wijkcijfers`` and the wijk rows of ``feiten``) supply."""
    from woonzorg_geo.areas.overlays import read_wijk_facts, read_wijkcijfers

    cols: set[str] = set()
    try:
        if settings.wijkcijfers:
            cols |= set(read_wijkcijfers(settings.wijkcijfers).columns)
        if settings.feiten:
            cols |= set(read_wijk_facts(settings.feiten).columns)
    except (OSError, ValueError) as exc:  # DataFileError is a ValueError; the analysis read them already
        log.debug("rapporttabellen niet leesbaar voor de herkomst: %s", exc)
    return cols


def _origin_text(s: OverlaySettings, from_report: set[str]) -> str:
    """Which indicators come from the report's tables and which from elsewhere, in one Dutch paragraph."""
    inds = [*s.draaglast, *s.draagkracht]
    own = [i.label or i.kolom for i in inds if i.kolom in from_report]
    other = [f"{i.label or i.kolom} ({i.bron or 'woonzorg_geo'})" for i in inds if i.kolom not in from_report]
    parts = []
    if own:
        parts.append(
            f"{fmt.number(len(own))} van de {fmt.number(len(inds))} indicatoren komen {s.herkomst_rapport}: "
            f"{', '.join(own)}. De volgorde van de wijken herhaalt daarmee grotendeels het rapport; "
            "het is geen onafhankelijke bevinding."
        )
    if other:
        parts.append("Andere bronnen: " + "; ".join(other) + ".")
    return " ".join(parts)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def write_wijkprofielen(
    folder: Path,
    wijken: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    vz: gpd.GeoDataFrame,
    settings: Settings,
    *,
    facts: pd.DataFrame | None = None,
    vocabulary: Vocabulary | None = None,
) -> list[Path]:
    """Write ``wijkprofiel_<slug>.html`` for every wijk into ``folder`` (see :func:`wijkprofiel_html`)."""
    vocabulary = vocabulary or Vocabulary.from_settings(settings)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    wk = buurten["wijkcode"] if "wijkcode" in buurten else pd.Series(index=buurten.index, dtype=object)
    for code, w in wijken.iterrows():
        page = wijkprofiel_html(str(code), w, buurten.loc[wk == code], vz, settings, facts=facts, vocabulary=vocabulary)
        path = folder / f"wijkprofiel_{slug(str(w.get('naam', code)))}.html"
        path.write_text(page, encoding="utf-8")
        paths.append(path)
    return paths


def read_facts(path: str | Path) -> pd.DataFrame:
    """The report's other single figures (niveau, code, naam, indicator, waarde, eenheid, toelichting)."""
    from woonzorg_geo.areas.overlays import resolve_data_path
    from woonzorg_geo.sources.tables import read_csv_checked

    return read_csv_checked(
        resolve_data_path(path), what="feiten", columns=["niveau", "code", "indicator", "waarde", "eenheid"]
    )
