"""Write a toets --lijst: the CSV and workbook, the overview page and map, one report per initiative."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from woonzorg_geo import WGS84
from woonzorg_geo.core.escaping import html_attribute, html_in_js
from woonzorg_geo.toets.batch import ListOutcome, Outcome, check_list
from woonzorg_geo.toets.list_file import Initiative, InitiativeList
from woonzorg_geo.toets.model import ToetsResult
from woonzorg_geo.toets.places import Places
from woonzorg_geo.toets.settings import VERDICT_TEXT, Geocode, ToetsSettings

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.io import Owner

log = logging.getLogger(__name__)


def write_toets_list(
    analysis: Analysis,
    invoer: InitiativeList,
    out_dir: str | Path,
    *,
    register: Path | None = None,
    settings: ToetsSettings,
    geocoder: Geocode | None = None,
    places: Places | None = None,
    rapporten: bool = False,
    offline: bool | None = None,
    owner: Owner | None = None,
    csv_nl: bool = False,
) -> tuple[ListOutcome, list[Path]]:
    """Check the list and write it into ``out_dir`` at once (a staging folder, moved in place when complete).

    Writes ``toetsen.csv``, ``toetsen.html`` (the overview), ``toetsen_kaart.html`` and, with
    ``rapporten``, ``toets_regelNNN_<adres>.html`` and ``.json`` per checked row, written as the
    rows are checked, and ``overzicht.xlsx`` (with ``csv_nl`` also ``toetsen_nl.csv``, see
    :mod:`woonzorg_geo.outputs.workbook`). A failure leaves the previous lijst in ``out_dir`` as it was. ``out_dir``
    belongs to ``toetsen`` for the analysis's gemeente (``owner``, by default from its settings);
    another command's folder is refused (see :func:`woonzorg_geo.core.io.check_owner`).

    Returns
    -------
    ListOutcome, list of Path
        The outcome and the files written.
    """
    import json

    from woonzorg_geo.core.io import Owner, staged_dir
    from woonzorg_geo.outputs.toets_report import toets_html

    out_dir = Path(out_dir)
    g = analysis.settings.gemeente
    with staged_dir(out_dir, owner=owner or Owner("toetsen", g.code, g.naam), replace_set=True) as tmp:

        def report(ini: Initiative, res: ToetsResult) -> str:
            stem = f"toets_regel{ini.regel:03d}_{res.slug}"
            (tmp / f"{stem}.html").write_text(toets_html(res), encoding="utf-8")
            (tmp / f"{stem}.json").write_text(
                json.dumps(res.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            return f"{stem}.html"

        lijst = check_list(
            analysis,
            invoer,
            register=register,
            settings=settings,
            geocoder=geocoder,
            places=places,
            on_result=report if rapporten else None,
        )
        write_overview(lijst, tmp, analysis, offline=offline)
        from woonzorg_geo.outputs.workbook import write_exports
        from woonzorg_geo.outputs.workbook.sheets import toets_list_sheets

        write_exports(tmp, toets_list_sheets(tmp, analysis, meldingen=lijst.meldingen), csv_nl=csv_nl)
        files = sorted(p.relative_to(tmp) for p in tmp.iterdir() if p.is_file())
    return lijst, [out_dir / f for f in files]


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_overview(lijst: ListOutcome, folder: Path, analysis: Analysis, *, offline: bool | None = None) -> list[Path]:
    """Write ``toetsen.csv``, ``toetsen.html`` and ``toetsen_kaart.html`` into ``folder`` (a staging folder)."""
    from woonzorg_geo.core.files import write_csv, write_text
    from woonzorg_geo.outputs.maps.layers import render

    titel = f"Toetsen van {len(lijst.getoetst) + len(lijst.niet_getoetst)} zorginitiatieven ({Path(lijst.bron).name})"
    table = lijst.table()
    paths = [
        write_csv(folder / "toetsen.csv", table, index=False, encoding="utf-8"),
        write_text(folder / "toetsen.html", list_page(lijst, titel=titel, table=table)),
        write_text(folder / "toetsen_kaart.html", render(list_map(lijst, analysis, offline=offline))),
    ]
    return paths


def list_page(lijst: ListOutcome, *, titel: str, table: pd.DataFrame | None = None) -> str:
    """The overview page: per initiative the four parts and the verdict, sortable by every column."""
    from woonzorg_geo.outputs.pages import render
    from woonzorg_geo.outputs.toets_report import TOETS_CSS

    table = lijst.table() if table is None else table
    counts = table["oordeel"].value_counts()
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    return render(
        "toetsen.html",
        title=titel,
        bron=lijst.bron,
        css=TOETS_CSS,
        rows=rows,
        telling=[
            (v, int(counts.get(v, 0)), VERDICT_TEXT.get(v, ""))
            for v in ("groen", "oranje", "rood", "onbekend", "niet getoetst")
        ],
        n_niet=len(lijst.niet_getoetst),
        meldingen=list(lijst.meldingen),
        rapporten=lijst.rapporten,
    )


#: The popup's fields: property key and Dutch label.
_POPUP_FIELDS = (
    ("n", "Naam"),
    ("r", "Regel"),
    ("i", "Initiatief"),
    ("l", "Adres gevonden als"),
    ("g", "Buurt, wijk"),
    ("o", "Oordeel"),
    ("d", "Deel 1 / 2 / 3"),
)


def _marker_properties(u: Outcome) -> dict[str, Any]:
    """A checked row's text on the map: every value that comes from the list passes here, escaped.

    Folium's GeoJson popup and tooltip put property values into the page as HTML, so each is
    escaped here by :func:`woonzorg_geo.core.escaping.html_in_js`; the data itself is embedded as
    JSON by folium (``tojson``, which escapes ``<``, ``>``, ``&`` and quotes), so no value can end
    the script.
    """
    ini = u.ini
    area = ", ".join(x for x in (u.buurt, u.wijk) if x) or "onbekend"
    props: dict[str, Any] = {  # "r" first: the features' identifier (unique), so they need no "id"
        "r": ini.regel,
        "n": html_in_js(ini.naam),
        "i": html_in_js(f"{u.type_label}, {ini.omvang} {u.eenheid}"),
        "l": html_in_js(u.locatie) if ini.adres else "",  # a point's place is the dot itself
        "g": html_in_js(area),
        "o": html_in_js(u.oordeel),
        "d": html_in_js(" / ".join(u.delen[:3])),  # part 4 is never judged from data (aan te leveren)
    }
    if u.rapport:
        props["a"] = f'<a href="{html_attribute(u.rapport)}" target="_blank">rapport openen</a>'
    return props


def list_map(lijst: ListOutcome, analysis: Analysis, *, offline: bool | None = None) -> Any:
    """A Folium map with every checked initiative as a dot in the colour of its verdict.

    One GeoJson layer per verdict (so each can be switched off), drawn on the map's canvas; a
    dot's tooltip names the row, its popup gives the type and size, where an address was found,
    the buurt and wijk, the verdict and that of parts 1–3 and, when written, a link to the report.
    """
    import folium
    import geopandas as gpd
    from folium.utilities import JsCode

    from woonzorg_geo.outputs.maps.base import add_legend, new_map
    from woonzorg_geo.outputs.maps.layers import add_area_outlines
    from woonzorg_geo.outputs.toets_report import VERDICT_STYLE

    placed = [(u, float(u.lon), float(u.lat)) for u in lijst.getoetst if u.lon is not None and u.lat is not None]
    # open on the initiatives (with a margin), else on the gemeente
    bounds: Any = analysis.inputs.gemeente
    if placed:
        pts = gpd.GeoSeries(gpd.points_from_xy([p[1] for p in placed], [p[2] for p in placed]), crs=WGS84).to_crs(
            analysis.wijken.crs
        )
        x0, y0, x1, y1 = pts.total_bounds
        bounds = (x0 - 500.0, y0 - 500.0, x1 + 500.0, y1 + 500.0)
    m = new_map(bounds, offline=offline, title="Getoetste zorginitiatieven")
    add_area_outlines(m, analysis.wijken)
    fields = [*_POPUP_FIELDS, *((("a", "Rapport"),) if lijst.rapporten else ())]
    layers = []
    for verdict, (colour, _) in VERDICT_STYLE.items():
        rows = [p for p in placed if p[0].oordeel == verdict]
        if not rows:
            continue
        data = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": _marker_properties(u),
                    "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
                }
                for u, lon, lat in rows
            ],
        }
        style = {"fillColor": colour, "color": "#333333", "weight": 1.0, "fillOpacity": 0.9, "radius": 6}
        marker = folium.CircleMarker(radius=6, fill=True)
        options: dict[str, Any] = marker.options  # folium's type leaves out JsCode values
        options["renderer"] = JsCode(f"{m.get_name()}_canvas")
        layer = folium.GeoJson(
            data,
            name=f"{verdict}: {VERDICT_TEXT[verdict]} ({len(rows)})",
            style_function=lambda f, s=style: s,
            marker=marker,
            tooltip=folium.GeoJsonTooltip(fields=["r", "n", "o"], aliases=["regel", "naam", "oordeel"]),
            popup=folium.GeoJsonPopup(fields=[k for k, _ in fields], aliases=[v for _, v in fields]),
        )
        layer.add_to(m)
        layers.append(layer)
    add_legend(
        m,
        "Oordeel van de toets",
        [(VERDICT_STYLE[v][0], f"{v}: {VERDICT_TEXT[v]}") for v in VERDICT_STYLE],
        symbol="circle",
    )
    folium.LayerControl(collapsed=True).add_to(m)
    return m
