"""The check as a Dutch HTML page and as JSON."""

from __future__ import annotations

import datetime
import html
import json
import logging
from pathlib import Path

from ..io import write_text
from ..pages import CSS
from .model import ToetsResult
from .numbers import _nl, _text
from .settings import VERDICT_TEXT

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------

VERDICT_STYLE = {
    "groen": ("#1a7f37", "#dcf5e3"),
    "oranje": ("#b35900", "#ffe8cc"),
    "rood": ("#b31d1d", "#fadcdc"),
    "onbekend": ("#555555", "#eeeeee"),
}
TOETS_CSS = CSS + "".join(
    f".v-{v}{{color:{fg};background:{bg};font-weight:bold;padding:.1em .5em;border-radius:.3em;"
    f"white-space:nowrap}}td.v-{v}{{text-align:center}}"
    for v, (fg, bg) in VERDICT_STYLE.items()
) + """
.box{border:2px solid #999;border-radius:.5em;padding:.6em 1em;margin:1em 0;background:#fafafa}
.box h2{border:none;margin-top:.2em}.big{font-size:1.3em}ul.meld li{margin:.2em 0}
"""


def _badge(verdict: str) -> str:
    return f"<span class='v-{verdict}'>{html.escape(verdict)}</span>"


def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _when(iso: str) -> str:
    """``'2024-05-01T12:00:00+02:00'`` as ``'1-5-2024 12:00'``."""
    try:
        t = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{t.day}-{t.month}-{t.year} {t:%H:%M}"


def _area(naam: object, code: object) -> str:
    naam, code = _text(naam), _text(code)
    if not naam and not code:
        return "onbekend"
    return f"{naam or 'naam onbekend'} ({code})" if code else naam


def toets_html(result: ToetsResult) -> str:
    """The result as a self-contained Dutch HTML page (no scripts, no external links)."""
    r = result
    loc = r.locatie
    title = f"Toets zorginitiatief: {r.zorgtype.label}, {loc['label']}"
    out = [
        (f"<!DOCTYPE html>\n<html lang=\"nl\"><head><meta charset=\"utf-8\"><title>{_esc(title)}</title>"
         f"<style>{TOETS_CSS}</style></head><body>"),
        f"<h1>{_esc(title)}</h1>",
        (f"<p class='note'>{_esc(r.kader.naam)} — {_esc(r.kader.bron)}. Gemaakt op {_esc(_when(r.gemaakt_op))} "
         "met woonzorg_geo.</p>"),
    ]
    afst = loc.get("geocode_afstand_m")
    rows = [
        ("type", f"{r.zorgtype.label} ({r.zorgtype.key}): {r.zorgtype.omschrijving}"),
        ("omvang", f"{r.omvang} {r.zorgtype.omvang_eenheid}"),
        ("invoer", loc.get("invoer")),
        ("gevonden locatie", f"{loc['label']} — nauwkeurigheid: {loc.get('precisie_tekst')}"
                             + (f", {_nl(afst, 0)} m van de straat" if afst is not None else "")),
        ("coördinaten", f"RD x {_nl(loc['x_rd'], 0)}, y {_nl(loc['y_rd'], 0)}; WGS84 lengtegraad "
                        f"{_nl(loc['lon'], 5)}, breedtegraad {_nl(loc['lat'], 5)}"),
        ("buurt", _area(loc.get("buurtnaam"), loc.get("buurtcode"))),
        ("wijk", _area(loc.get("wijknaam"), loc.get("wijkcode"))),
        ("gemeente", loc.get("gemeente")),
    ]
    out.append("<table>" + "".join(f"<tr><th>{_esc(a)}</th><td>{_esc(b)}</td></tr>" for a, b in rows) + "</table>")
    # summary box
    out.append(f"<div class='box'><h2>Samenvatting: <span class='big'>{_badge(r.oordeel)}</span> "
               f"{_esc(VERDICT_TEXT[r.oordeel])}</h2>")
    out.append("<table><tr><th>deel</th><th>oordeel</th><th>waarom</th></tr>")
    for d in r.delen:
        bad = [c.naam for c in d.criteria if c.oordeel in ("rood", "oranje")]
        why = ("aandacht: " + "; ".join(bad)) if bad else (
            "aan te leveren door de initiatiefnemer" if d.nummer == 4 else
            ("gegevens ontbreken voor: " + "; ".join(c.naam for c in d.criteria if c.oordeel == "onbekend"))
            if d.oordeel == "onbekend" else "geen aandachtspunten")
        out.append(f"<tr><td>Deel {d.nummer}: {_esc(d.titel)}</td><td class='v-{d.oordeel}'>{_esc(d.oordeel)}</td>"
                   f"<td>{_esc(why)}</td></tr>")
    out.append("</table>")
    out.append("<p class='note'>Het totaaloordeel is het zwaarste oordeel van deel 1–3 (rood &gt; oranje &gt; "
               "onbekend &gt; groen). Deel 4 levert de initiatiefnemer aan. "
               f"{_esc(r.kader.disclaimer)}</p>")
    if r.meldingen:
        out.append("<ul class='meld'>" + "".join(f"<li>{_esc(m)}</li>" for m in r.meldingen) + "</ul>")
    out.append("</div>")
    # parts
    for d in r.delen:
        out.append(f"<h2>Deel {d.nummer}: {_esc(d.titel)} {_badge(d.oordeel)}</h2>")
        out.append(f"<p><i>{_esc(d.vraag)}</i></p>")
        if d.toelichting:
            out.append(f"<p>{_esc(d.toelichting)}</p>")
        if d.nummer == 4:
            out.append("<table><tr><th>onderdeel</th><th>wat aanleveren</th><th>status</th></tr>")
            for c in d.criteria:
                out.append(f"<tr><td>{_esc(c.naam)}</td><td>{_esc(c.toelichting)}</td>"
                           f"<td class='v-{c.oordeel}'>aan te leveren</td></tr>")
            out.append("</table>")
            continue
        out.append("<table><tr><th>criterium</th><th>waarde</th><th>drempel</th><th>bron</th><th>oordeel</th></tr>")
        for c in d.criteria:
            note = f"<br><span class='note'>{_esc(c.toelichting)}</span>" if c.toelichting else ""
            out.append(f"<tr><td>{_esc(c.naam)}{note}</td><td>{_esc(c.waarde_tekst)}</td><td>{_esc(c.drempel)}</td>"
                       f"<td class='src'>{_esc(c.bron)}</td><td class='v-{c.oordeel}'>{_esc(c.oordeel)}</td></tr>")
        out.append("</table>")
        if d.nummer == 1:
            if r.initiatieven:
                out.append("<h3>Bestaande initiatieven binnen de grootste straal van deel 1</h3><table><tr>"
                           "<th>naam</th><th>adres</th><th>type</th><th>bron</th><th>afstand</th></tr>")
                for i in r.initiatieven:
                    out.append(f"<tr><td>{_esc(i['naam'])}</td><td>{_esc(i['adres'])}</td>"
                               f"<td>{_esc(i['type_label'])}</td><td>{_esc(i['bron'])}</td>"
                               f"<td class='num'>{_nl(i['afstand_m'], 0, 'm')}</td></tr>")
                out.append("</table>")
            else:
                out.append("<p>Geen bekende initiatieven binnen de grootste straal van deel 1.</p>")
            if r.niet_geplaatst:
                out.append("<h3>Register: niet geplaatste rijen (tellen niet mee)</h3><table><tr><th>regel</th>"
                           "<th>naam</th><th>adres</th><th>type</th><th>reden</th></tr>")
                for i in r.niet_geplaatst:
                    out.append(f"<tr><td>{i['regel']}</td><td>{_esc(i['naam'])}</td><td>{_esc(i['adres'])}</td>"
                               f"<td>{_esc(i['type_invoer'])}</td><td>{_esc(i['reden'])}</td></tr>")
                out.append("</table>")
    # accessibility
    prof = r.bereikbaarheid[0] if r.bereikbaarheid else {}
    out.append(f"<h2>Bereikbaarheid van de locatie te voet</h2><p class='note'>"
               f"{_esc(str(prof.get('profiel_label', '')).capitalize())}, {_nl(prof.get('snelheid_m_s'), 2)} m/s; "
               f"norm {_nl(prof.get('norm_m'))} m, over het looppadennetwerk; zie de bronnen onderaan.</p>")
    out.append("<table><tr><th>voorziening</th><th>afstand</th><th>looptijd</th><th>dichtstbij</th>"
               "<th>aantal binnen norm</th><th>oordeel</th></tr>")
    for a in r.bereikbaarheid:
        out.append(f"<tr><td>{_esc(a['label'])}</td><td class='num'>{_nl(a['afstand_m'], 0, 'm')}</td>"
                   f"<td class='num'>{_nl(a['minuten'], 1, 'min')}</td><td>{_esc(a['dichtstbij'] or a['toelichting'])}"
                   f"</td><td class='num'>{a['aantal_binnen_norm']}</td>"
                   f"<td class='v-{a['oordeel']}'>{_esc(a['oordeel'])}</td></tr>")
    out.append("</table>")
    # what-if
    out.append(f"<h2>Wat als het initiatief er komt?</h2><p class='note'>Cijfers van de buurt en de wijk nu en "
               f"met het initiatief ({r.omvang} {_esc(r.zorgtype.omvang_eenheid)} erbij).</p>")
    out.append("<table><tr><th>gebied</th><th>indicator</th><th>nu</th><th>met initiatief</th>"
               "<th>toelichting</th></tr>")
    for w in r.wat_als:
        digits = 0 if w["eenheid"] in ("personen", "aantal") else (1 if w["eenheid"] == "%" else 2)
        unit = "%" if w["eenheid"] == "%" else ""
        out.append(f"<tr><td>{_esc(w['gebied'])} {_esc(w['naam'])}</td><td>{_esc(w['indicator'])}</td>"
                   f"<td class='num'>{_nl(w['nu'], digits, unit)}</td><td class='num'>{_nl(w['na'], digits, unit)}</td>"
                   f"<td class='src'>{_esc(w['toelichting'])}</td></tr>")
    out.append("</table>")
    # sources
    out.append("<h2>Bronnen</h2><ul>")
    for b in r.bronnen:
        extra = f" — {_esc(b['toelichting'])}" if b.get("toelichting") else ""
        out.append(f"<li><b>{_esc(b['naam'])}</b>: {_esc(b['bron'])}{extra}</li>")
    out.append("</ul>")
    out.append(f"<p class='note'>Instellingen van de toets: {_esc(r.instellingen)}.</p></body></html>\n")
    return "\n".join(out)


def write_toets(result: ToetsResult, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``toets_<slug>.html`` and ``toets_<slug>.json`` into ``out_dir`` (atomically each).

    Returns
    -------
    tuple of Path
        The HTML and the JSON file.
    """
    out = Path(out_dir)
    page = write_text(out / f"toets_{result.slug}.html", toets_html(result))
    data = write_text(out / f"toets_{result.slug}.json",
                      json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    log.info("toets geschreven: %s, %s", page, data)
    return page, data

