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

from .config import Settings

log = logging.getLogger(__name__)

SRC_CBS = "CBS Kerncijfers wijken en buurten 2024"
SRC_OSM = "woonzorg_geo op OSM 2021 (© OpenStreetMap contributors), GTFS 2015, huisartsenlijst 2026"
FOCUS_COLOURS = {"hoog": "#d7301f", "midden": "#fc8d59", "laag": "#fef0d9"}
CATEGORY_COLOURS = {
    "supermarkt": "#1b9e77", "huisarts": "#d95f02", "apotheek": "#7570b3", "ov_halte": "#2c7fb8",
    "treinstation": "#08306b", "ontmoetingsplek": "#e7298a",
}


def slug(text: str) -> str:
    """File-name-safe lower-case slug: ``'Assen-Oost'`` → ``'assen-oost'``."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-") or "onbekend"


def _fmt(value: object, unit: str = "", digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)) or pd.isna(value):  # type: ignore[arg-type]
        return "<i>onbekend</i>"
    if isinstance(value, (int, float, np.integer, np.floating)):
        text = f"{float(value):,.{digits}f}".replace(",", "·").replace(".", ",").replace("·", ".")
        return f"{text}{(' ' + unit) if unit else ''}"
    return html.escape(str(value))


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
    width: int = 420,
) -> str:
    """A small offline SVG map: buurten coloured by focus, the main voorzieningen as dots."""
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
        colour = FOCUS_COLOURS.get(str(b.get("focus")), "#eeeeee")
        g = b.geometry.simplify(5.0)
        els.append(f'<path d="{path(g)}" fill="{colour}" stroke="#555" stroke-width="0.8">'
                   f'<title>{html.escape(str(b.get("naam")))}: focus {html.escape(str(b.get("focus")))}</title></path>')
    els.append(f'<path d="{path(wijk_geom.simplify(5.0))}" fill="none" stroke="#000" stroke-width="2"/>')
    for _, v in vz.cx[x0:x1, y0:y1].iterrows():  # only those in the drawing (as the check below)
        colour = CATEGORY_COLOURS.get(v["categorie"])
        if colour is None:
            continue
        px, py = (v.geometry.x - x0) * scale, (y1 - v.geometry.y) * scale
        if 0 <= px <= width and 0 <= py <= height:
            els.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" fill="{colour}" stroke="#fff">'
                       f'<title>{html.escape(str(v["label"]))}: {html.escape(str(v["naam"] or ""))}</title></circle>')
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


def wijkprofiel_html(
    code: str,
    wijk: pd.Series,
    buurten: gpd.GeoDataFrame,
    vz: gpd.GeoDataFrame,
    settings: Settings,
    *,
    facts: pd.DataFrame | None = None,
    suffix_senior: str = "_senior",
) -> str:
    """The wijkprofiel of one wijk as a self-contained HTML page (no scripts, no external files)."""
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
    for label, col, unit, dig in (
        ("OV en supermarkt binnen 800 m", "pct_ov_en_supermarkt_800m", "%", 1),
        ("supermarkt, apotheek en huisarts binnen 800 m", "pct_drie_a_800m", "%", 1),
        ("OV-halte of station binnen 800 m", "pct_ov_800m", "%", 1),
        ("supermarkt binnen 800 m", "pct_supermarkt_800m", "%", 1),
        ("mediane afstand huisarts", "med_afstand_huisarts_m", "m", 0),
        ("mediane afstand apotheek", "med_afstand_apotheek_m", "m", 0),
        ("mediane afstand supermarkt", "med_afstand_supermarkt_m", "m", 0),
        ("mediane afstand OV", "med_afstand_ov_m", "m", 0),
    ):
        std = _fmt(wijk.get(col), unit, dig)
        sen = _fmt(wijk.get(f"{col}{suffix_senior}"), unit, dig)
        access.append((label, f"{std} / {sen}", SRC_OSM))
    counts = inside["categorie"].value_counts() if len(inside) else pd.Series(dtype=int)
    vz_rows = []
    for cat, n in counts.items():
        names = inside.loc[inside["categorie"] == cat, "naam"].dropna().astype(str)
        listed = ", ".join(sorted(set(names))[:8]) + (" …" if names.nunique() > 8 else "")
        vz_rows.append((str(inside.loc[inside["categorie"] == cat, "label"].iloc[0]), f"{n}",
                        f"{listed} — bron: " + ", ".join(sorted(set(";".join(inside.loc[inside['categorie'] == cat,
                                                                                    'bron']).split(";"))))))
    balance = [
        ("draaglast (z-score binnen de gemeente)", _fmt(wijk.get("draaglast"), "", 2), f"{rapport}; zie indicatoren"),
        ("draagkracht (z-score binnen de gemeente)", _fmt(wijk.get("draagkracht"), "", 2),
         f"{rapport}; woonzorg_geo"),
        ("balans = draagkracht − draaglast", _fmt(wijk.get("balans"), "", 2), "woonzorg_geo"),
        ("klasse", f"<span class='klasse'>{_fmt(wijk.get('balans_klasse'))}</span>", "instellingen: balans_grenzen"),
    ]
    ind_rows = []
    for kind, inds in (("draaglast", s.draaglast), ("draagkracht", s.draagkracht)):
        for ind in inds:
            ind_rows.append((f"{kind}: {ind.label or ind.kolom} (gewicht {ind.gewicht:g}, "
                             f"{'hoger = meer' if ind.richting > 0 else 'hoger = minder'})",
                             _fmt(wijk.get(ind.kolom), "", 1), ind.bron))
    b_rows = []
    wb = buurten.sort_values("naam")
    for bcode, b in wb.iterrows():
        b_rows.append(
            f"<tr><td>{html.escape(str(b['naam']))}<br><span class='note'>{bcode}</span></td>"
            f"<td>{_fmt(b.get('focus'))}</td><td>{html.escape(str(b.get('focus_redenen', '')))}</td>"
            f"<td>{_fmt(b.get('veerkracht'))}</td><td>{html.escape(str(b.get('veerkracht_redenen', '')))}</td></tr>"
        )
    legend = "".join(f"<span style='background:{c}'></span>focus {k}" for k, c in FOCUS_COLOURS.items())
    legend += "".join(f"<span style='background:{c};border-radius:50%'></span>{k.replace('_', '-')}"
                      for k, c in CATEGORY_COLOURS.items())
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Wijkprofiel {html.escape(naam)}</title>
<style>{CSS}</style></head><body>
<h1>Wijkprofiel {html.escape(naam)}</h1>
<p class="note">{code}, gemeente {html.escape(settings.gemeente.naam)} — kernpunten voor de woonzorgvisie.
Bereikbaarheid: standaard tempo / seniortempo (0,76 m/s, zonder trappen), over het looppadennetwerk.</p>
<h2>Kaart</h2>
{svg_map(geom, buurten, vz)}
<p class="legend note">{legend}</p>
<h2>Inwoners en huishoudens</h2>
{_table(people)}
<h2>Bereikbaarheid te voet (standaard / senior)</h2>
{_table(access)}
<h2>Voorzieningen in de wijk</h2>
{_table(vz_rows, ("categorie", "aantal", "namen en bron")) if vz_rows else "<p>Geen voorzieningen binnen de wijkgrens.</p>"}
<h2>Draagkracht en draaglast</h2>
{_table(balance)}
<p>{html.escape(str(wijk.get("overlay_toelichting", "")))}</p>
<details><summary>Indicatoren, gewichten en bronnen</summary>{_table(ind_rows, ("indicator", "waarde", "bron"))}
<p class="note">Ontbrekend voor draaglast: {html.escape(str(wijk.get("draaglast_ontbrekend") or "niets"))};
voor draagkracht: {html.escape(str(wijk.get("draagkracht_ontbrekend") or "niets"))}.</p></details>
<h2>Focus en veerkracht per buurt</h2>
<table><tr><th>buurt</th><th>focus</th><th>waarom</th><th>veerkracht</th><th>waarom</th></tr>
{"".join(b_rows)}</table>
<p class="note">Signalen: {rapport} (Aedes veerkracht- en focuskaart 2022). Gebieden: CBS/PDOK (CC BY 4.0).
Kaartgegevens © OpenStreetMap contributors (ODbL).</p>
</body></html>
"""


def write_wijkprofielen(
    folder: Path,
    wijken: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    vz: gpd.GeoDataFrame,
    settings: Settings,
    *,
    facts: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``wijkprofiel_<slug>.html`` for every wijk into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    wk = buurten["wijkcode"] if "wijkcode" in buurten else pd.Series(index=buurten.index, dtype=object)
    for code, w in wijken.iterrows():
        page = wijkprofiel_html(str(code), w, buurten.loc[wk == code], vz, settings, facts=facts)
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

