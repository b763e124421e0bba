"""The check as a Dutch HTML page and as JSON."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.files import atomic_path
from woonzorg_geo.outputs.pages import CSS, render
from woonzorg_geo.outputs.toets_svg import KAART_CSS, site_map_figure
from woonzorg_geo.toets.model import Part, ToetsResult, counted
from woonzorg_geo.toets.records import WhatIfRow
from woonzorg_geo.toets.residents import estimate_residents
from woonzorg_geo.toets.settings import VERDICT_TEXT
from woonzorg_geo.toets.values import as_text

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
TOETS_CSS = (
    CSS
    + "".join(
        f".v-{v}{{color:{fg};background:{bg};font-weight:bold;padding:.1em .5em;border-radius:.3em;"
        f"white-space:nowrap}}td.v-{v}{{text-align:center}}"
        for v, (fg, bg) in VERDICT_STYLE.items()
    )
    + """
.box{border:2px solid #999;border-radius:.5em;padding:.6em 1em;margin:1em 0;background:#fafafa}
.box h2{border:none;margin-top:.2em}.big{font-size:1.3em}ul.meld li{margin:.2em 0}
td.telt-niet{opacity:.55;font-style:italic}
body{max-width:76em}.kop{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.2fr);gap:1.5em;align-items:start}
.kop .box{margin-top:.6em}.kop h2.kaartkop{margin-top:.2em}.kop figure.toetskaart{margin-top:.3em}
@media (max-width:62em){.kop{grid-template-columns:minmax(0,1fr)}}
"""
    + KAART_CSS
)


def _when(iso: str) -> str:
    """``'2024-05-01T12:00:00+02:00'`` as ``'1-5-2024 12:00'``."""
    try:
        t = datetime.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{t.day}-{t.month}-{t.year} {t:%H:%M}"


def _area(naam: object, code: object) -> str:
    naam, code = as_text(naam), as_text(code)
    if not naam and not code:
        return "onbekend"
    return f"{naam or 'naam onbekend'} ({code})" if code else naam


def _size(r: ToetsResult) -> str:
    """``'24 woningen ≈ 34 bewoners (1,4 per woning; bron: …)'``, or ``'12 bewoners'``."""
    est = estimate_residents(r.zorgtype, r.omvang)
    if not est.bron:
        return f"{r.omvang} {r.zorgtype.omvang_eenheid}"
    return f"{est.tekst.lstrip('+')}; zie de bronnen onderaan"


def _why(d: Part) -> str:
    """Why a part has its verdict, in one line of the summary."""
    bad = [c.naam for c in counted(d.criteria) if c.oordeel in ("rood", "oranje")]
    if bad:
        return "aandacht: " + "; ".join(bad)
    if d.nummer == 4:
        return "aan te leveren door de initiatiefnemer"
    if d.oordeel == "onbekend":
        unknown = [c for c in counted(d.criteria) if c.oordeel == "onbekend"]
        reasons = list(dict.fromkeys(c.toelichting for c in unknown))
        if len(unknown) > 1 and len(reasons) == 1 and reasons[0]:
            return f"{len(unknown)} criteria onbekend: {reasons[0]}"
        return "gegevens ontbreken voor: " + "; ".join(c.naam for c in unknown)
    return "geen aandachtspunten"


def _what_if(row: WhatIfRow) -> tuple[WhatIfRow, str, str]:
    """A what-if row with its values now and with the initiative as Dutch numbers."""
    digits = 0 if row["eenheid"] in ("personen", "aantal") else (1 if row["eenheid"] == "%" else 2)
    unit = " %" if row["eenheid"] == "%" else ""
    return row, fmt.number(row["nu"], digits, unit=unit), fmt.number(row["na"], digits, unit=unit)


def toets_html(result: ToetsResult) -> str:
    """The result as a self-contained Dutch HTML page (no scripts, no external links).

    Rendered from the package template ``templates/toets.html`` (see :mod:`woonzorg_geo.outputs.pages`),
    with the map of the site as inline SVG (:func:`.toets_svg.site_map_figure`) when the result has
    one. Writes nothing: a web server can return the text as it is (the JSON is
    :func:`toets_json`).
    """
    r = result
    loc = r.locatie
    afst = loc.get("geocode_afstand_m")
    facts = [
        ("type", f"{r.zorgtype.label} ({r.zorgtype.key}): {r.zorgtype.omschrijving}"),
        ("omvang", _size(r)),
        ("invoer", loc.get("invoer")),
        (
            "gevonden locatie",
            f"{loc['label']} — nauwkeurigheid: {loc.get('precisie_tekst')}"
            + (f", {fmt.metres(afst)} van de straat" if afst is not None else ""),
        ),
        (
            "coördinaten",
            (
                f"RD x {fmt.number(loc['x_rd'], 0)}, y {fmt.number(loc['y_rd'], 0)}; WGS84 lengtegraad "
                f"{fmt.number(loc['lon'], 5)}, breedtegraad {fmt.number(loc['lat'], 5)}"
            ),
        ),
        ("buurt", _area(loc.get("buurtnaam"), loc.get("buurtcode"))),
        ("wijk", _area(loc.get("wijknaam"), loc.get("wijkcode"))),
        ("gemeente", loc.get("gemeente")),
    ]
    profile: Mapping[str, Any] = r.bereikbaarheid[0] if r.bereikbaarheid else {}
    return render(
        "toets.html",
        title=f"Toets zorginitiatief: {r.zorgtype.label}, {loc['label']}",
        css=TOETS_CSS,
        r=r,
        made=_when(r.gemaakt_op),
        facts=facts,
        verdict_text=VERDICT_TEXT,
        summary=[(d, _why(d)) for d in r.delen],
        profile=profile,
        profile_label=str(profile.get("profiel_label", "")).capitalize(),
        what_if=[_what_if(w) for w in r.wat_als],
        number=fmt.number,
        compact=fmt.compact,
        metres=fmt.metres,
        minutes=fmt.minutes,
        kaart=site_map_figure(r.kaart) if r.kaart is not None else "",  # escaped by templates/toets_svg.html
    )


def toets_json(result: ToetsResult) -> str:
    """The result as JSON text (:meth:`.ToetsResult.to_dict`, with the map as GeoJSON under ``kaart``)."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"


def write_toets(result: ToetsResult, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``toets_<slug>.html`` and ``toets_<slug>.json`` into ``out_dir`` (atomically each).

    Returns
    -------
    tuple of Path
        The HTML and the JSON file.
    """
    out = Path(out_dir)
    page, data = out / f"toets_{result.slug}.html", out / f"toets_{result.slug}.json"
    html_text = toets_html(result)
    json_text = toets_json(result)
    # both or neither: a failed write (a full disk) leaves the previous pair as it was
    with atomic_path(page) as tmp_page:
        tmp_page.write_text(html_text, encoding="utf-8")
        with atomic_path(data) as tmp_data:
            tmp_data.write_text(json_text, encoding="utf-8")
    log.info("toets geschreven: %s, %s", page, data)
    return page, data
