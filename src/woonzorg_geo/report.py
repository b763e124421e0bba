"""Wijkprofielen: one readable Dutch HTML page per wijk, every figure with its source and year."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from . import formatting as fmt
from .config import Settings
from .palette import AREA_EDGE, FOCUS_COLOURS, MISSING_COLOUR, WIJK_OUTLINE
from .vocabulary import Z_SCORE_EXPLANATION, Vocabulary

log = logging.getLogger(__name__)

SRC_CBS = "CBS Kerncijfers wijken en buurten 2024"
SRC_OSM = "woonzorg_geo op OSM 2021 (© OpenStreetMap contributors), GTFS 2015, huisartsenlijst 2026"


def slug(text: str) -> str:
    """File-name-safe lower-case slug of at most 80 characters: ``'Assen-Oost'`` → ``'assen-oost'``."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")[:80].strip("-") or "onbekend"


def _fmt(value: object, unit: str = "", digits: int = 0) -> str:
    """A value as escaped HTML text: numbers in Dutch notation, missing as :data:`.formatting.MISSING`."""
    if isinstance(value, str):
        return html.escape(value) if value.strip() else fmt.MISSING
    if fmt.is_missing(value):
        return fmt.MISSING
    sep = "" if unit in ("", "%") else " "
    return html.escape(fmt.number(value, digits, unit=f"{sep}{unit}"))


def _table(rows: list[tuple[str, str, str]], head: tuple[str, str, str] = ("", "waarde", "bron")) -> str:
    out = ["<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>"]
    for a, b, c in rows:
        out.append(f"<tr><td>{html.escape(a)}</td><td class='num'>{b}</td><td class='src'>{html.escape(c)}</td></tr>")
    out.append("</table>")
    return "\n".join(out)


def svg_map(
    wijk_geom: shapely.Geometry,
    buurten: gpd.GeoDataFrame,
    vz: gpd.GeoDataFrame,
    *,
    vocabulary: Vocabulary,
    width: int = 420,
) -> str:
    """A small offline SVG map: buurten coloured by focus, the computed voorzieningen as dots."""
    x0, y0, x1, y1 = wijk_geom.bounds
    pad = 0.04 * max(x1 - x0, y1 - y0, 1.0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    scale = width / (x1 - x0)
    height = int(round((y1 - y0) * scale))

    def path(geom: shapely.Geometry) -> str:
        parts = []
        for poly in shapely.get_parts(geom):
            for ring in [poly.exterior, *poly.interiors]:
                c = np.asarray(ring.coords)
                px = (c[:, 0] - x0) * scale
                py = (y1 - c[:, 1]) * scale
                parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + "Z")
        return "".join(parts)

    els = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="kaart van de wijk">']
    for _, b in buurten.iterrows():
        colour = FOCUS_COLOURS.get(str(b.get("focus")), MISSING_COLOUR)
        g = b.geometry.simplify(5.0)
        els.append(f'<path d="{path(g)}" fill="{colour}" stroke="{AREA_EDGE}" stroke-width="0.8">'
                   f'<title>{_fmt(b.get("naam"))}: focus {_fmt(b.get("focus"))}</title></path>')
    els.append(f'<path d="{path(wijk_geom.simplify(5.0))}" fill="none" stroke="{WIJK_OUTLINE}" stroke-width="2"/>')
    shown = set(vocabulary.categories)
    for _, v in vz.cx[x0:x1, y0:y1].iterrows():  # only those in the drawing (as the check below)
        if v["categorie"] not in shown:
            continue
        colour = vocabulary.colour(v["categorie"])
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
            faded = "" if inside else ' fill-opacity="0.45"'
            els.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}" stroke="#fff"{faded}>'
                       f'<title>{html.escape(title)}</title></circle>')
    els.append("</svg>")
    return "".join(els)


FACT_LABELS = {
    "pct_65plus": "65-plussers",
    "pct_45_65": "45- tot 65-jarigen",
    "aantal_65plus": "aantal 65-plussers",
    "pct_energiearmoede_2022": "huishoudens in energiearmoede (2022)",
    "pct_eenzaam": "voelt zich eenzaam",
    "huishoudens_mobiliteitsbeperking_nu": "huishoudens met een mobiliteitsbeperking, nu",
    "huishoudens_mobiliteitsbeperking_over_10_jaar": "huishoudens met een mobiliteitsbeperking, over 10 jaar",
}

CSS = """
body{font-family:system-ui,Segoe UI,Arial,sans-serif;margin:2em auto;max-width:60em;color:#222;line-height:1.4}
h1{margin-bottom:0}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0;width:100%}td,th{border-bottom:1px solid #e4e4e4;padding:.25em .5em;
text-align:left;vertical-align:top}td.num{text-align:right;white-space:nowrap}td.src{color:#666;font-size:.85em}
.legend span{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;vertical-align:middle;border:1px solid #999}
.klasse{font-weight:bold;padding:.1em .4em;border-radius:.3em;background:#eee}.note{color:#555;font-size:.9em}
"""


def _listing(items: list[str]) -> str:
    return "; ".join(html.escape(i) for i in items)


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
    fact = {}
    if facts is not None and len(facts):
        sub = facts.loc[facts["code"] == code]
        fact = {r.indicator: (r.waarde, r.eenheid, r.toelichting) for r in sub.itertuples()}
    people = [
        ("inwoners", _fmt(wijk.get("inwoners_cbs")), SRC_CBS),
        ("woningen", _fmt(wijk.get("woningen_cbs")), SRC_CBS),
        ("adressen (OSM-adrespunten)", _fmt(wijk.get("n_adressen")), "OSM 2021 (BAG-import)"),
        ("eenpersoonshuishoudens", _fmt(wijk.get("pct_eenpersoonshuishoudens"), "%"), f"{rapport} (CBS 2024)"),
        ("koopwoningen", _fmt(wijk.get("pct_koopwoningen"), "%"), f"{rapport} (CBS 2024)"),
        ("bouwjaar (gros)", _fmt(wijk.get("bouwjaar_gros")), f"{rapport} (CBS 2024)"),
        ("moeite met rondkomen", _fmt(wijk.get("pct_moeite_rondkomen"), "%"), f"{rapport} (Gezondheidsmonitor 2022)"),
        ("ervaren gezondheid goed", _fmt(wijk.get("pct_ervaren_gezondheid_goed"), "%"),
         f"{rapport} (Gezondheidsmonitor 2022)"),
    ]
    for key, (val, unit, note) in fact.items():
        people.append((FACT_LABELS.get(key, key.replace("_", " ")) + (f" ({note})" if isinstance(note, str) and note else ""),
                       _fmt(pd.to_numeric(val, errors="coerce"), unit if unit != "personen" else "", 1), rapport))
    access = []
    shares = [*vocab.combinations, *vocab.key_categories]
    rows_spec = [(_capital(vocab.share_label(c)), vocab.pct(c)) for c in shares]
    rows_spec += [(vocab.field_label(f"med_afstand_{c}_m"), f"med_afstand_{c}_m") for c in vocab.key_categories]
    for label, col in rows_spec:
        values = [vocab.format(col, wijk.get(vocab.column(col, p))) for p in vocab.profiles]
        access.append((label, html.escape(" / ".join(values)), SRC_OSM))
    profiles_text = " / ".join(vocab.profile_label(p) for p in vocab.profiles)
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
    balance = [
        ("draaglast (z-score)", html.escape(vocab.format("draaglast", wijk.get("draaglast"))),
         f"{rapport}; zie indicatoren"),
        ("draagkracht (z-score)", html.escape(vocab.format("draagkracht", wijk.get("draagkracht"))),
         f"{rapport}; woonzorg_geo"),
        ("balans = draagkracht − draaglast", html.escape(vocab.format("balans", wijk.get("balans"))), "woonzorg_geo"),
        ("klasse", f"<span class='klasse'>{_fmt(wijk.get('balans_klasse'))}</span>", "instellingen: balans_grenzen"),
    ]
    ind_rows = []
    for kind, inds in (("draaglast", s.draaglast), ("draagkracht", s.draagkracht)):
        for ind in inds:
            ind_rows.append((f"{kind}: {ind.label or ind.kolom} (gewicht {fmt.text(ind.gewicht)}, "
                             f"{'hoger = meer' if ind.richting > 0 else 'hoger = minder'})",
                             _fmt(wijk.get(ind.kolom), "", 1), ind.bron))
    missing_here = [(kind, str(wijk.get(f"{kind}_ontbrekend") or "")) for kind in ("draaglast", "draagkracht")]
    missing_here = [(k, t) for k, t in missing_here if t and not fmt.is_missing(t)]
    if missing_here:
        missing_text = ("Geen waarde voor deze wijk (weegt niet mee): "
                        + "; ".join(f"{k}: {html.escape(t)}" for k, t in missing_here) + ".")
    else:
        missing_text = "Elke indicator heeft een waarde voor deze wijk."
    not_modelled = [(k, getattr(s, f"niet_gemodelleerd_{k}")) for k in ("draaglast", "draagkracht")]
    not_modelled = [(k, items) for k, items in not_modelled if items]
    if not_modelled:
        missing_text += (" Factoren van het rapport die het model niet meeneemt, omdat cijfers per wijk "
                         "ontbreken: " + "; ".join(f"{k}: {_listing(list(items))}" for k, items in not_modelled)
                         + ".")
    b_rows = []
    wb = buurten.sort_values("naam")
    for bcode, b in wb.iterrows():
        b_rows.append(
            f"<tr><td>{_fmt(b.get('naam'))}<br><span class='note'>{bcode}</span></td>"
            f"<td>{_fmt(b.get('focus'))}</td><td>{_fmt(b.get('focus_redenen'))}</td>"
            f"<td>{_fmt(b.get('veerkracht'))}</td><td>{_fmt(b.get('veerkracht_redenen'))}</td></tr>"
        )
    legend = "".join(f"<span style='background:{c}'></span>focus {k}" for k, c in FOCUS_COLOURS.items())
    shown = vocab.ordered(c for c in vocab.categories if (vz["categorie"] == c).any()) if len(vz) else []
    legend += "".join(f"<span style='background:{vocab.colour(c)};border-radius:50%'></span>"
                      f"{html.escape(vocab.noun(c))}" for c in shown)
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Wijkprofiel {html.escape(naam)}</title>
<style>{CSS}</style></head><body>
<h1>Wijkprofiel {html.escape(naam)}</h1>
<p class="note">{code}, gemeente {html.escape(settings.gemeente.naam)} — kernpunten voor de woonzorgvisie.
Bereikbaarheid te voet over het looppadennetwerk, loopnorm {html.escape(vocab.norm_text)}; per profiel:
{html.escape(profiles_text)}.</p>
<h2>Kaart</h2>
{svg_map(geom, buurten, vz, vocabulary=vocab)}
<p class="legend note">{legend}</p>
<h2>Inwoners en huishoudens</h2>
{_table(people)}
<h2>Bereikbaarheid te voet ({html.escape(" / ".join(vocab.profiles))})</h2>
{_table(access)}
<h2>Voorzieningen in de wijk</h2>
{_table(vz_rows, ("categorie", "aantal", "namen en bron")) if vz_rows else "<p>Geen voorzieningen binnen de wijkgrens.</p>"}
<h2>Draagkracht en draaglast</h2>
<p class="note">{html.escape(Z_SCORE_EXPLANATION)}</p>
{_table(balance)}
<p>{_fmt(wijk.get("overlay_toelichting"))}</p>
<p class="note">{missing_text}</p>
<details><summary>Indicatoren, gewichten en bronnen</summary>{_table(ind_rows, ("indicator", "waarde", "bron"))}
</details>
<h2>Focus en veerkracht per buurt</h2>
<table><tr><th>buurt</th><th>focus</th><th>waarom</th><th>veerkracht</th><th>waarom</th></tr>
{"".join(b_rows)}</table>
<p class="note">Signalen: {rapport} (Aedes veerkracht- en focuskaart 2022). Gebieden: CBS/PDOK (CC BY 4.0).
Kaartgegevens © OpenStreetMap contributors (ODbL).</p>
</body></html>
"""


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
        page = wijkprofiel_html(str(code), w, buurten.loc[wk == code], vz, settings, facts=facts,
                                vocabulary=vocabulary)
        path = folder / f"wijkprofiel_{slug(str(w.get('naam', code)))}.html"
        path.write_text(page, encoding="utf-8")
        paths.append(path)
    return paths


def read_facts(path: str | Path) -> pd.DataFrame:
    """The report's other single figures (niveau, code, naam, indicator, waarde, eenheid, toelichting)."""
    from .overlays import resolve_project_path
    from .sources.tables import read_csv_checked

    return read_csv_checked(resolve_project_path(path), what="feiten",
                            columns=["niveau", "code", "indicator", "waarde", "eenheid"])

