"""The Folium map of ``toets --lijst``: every checked initiative as a dot in the colour of its verdict.

Written by :func:`woonzorg_geo.outputs.toets_lijst.write_overview` as ``toetsen_kaart.html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from woonzorg_geo import WGS84
from woonzorg_geo.core.escaping import html_attribute, html_in_js
from woonzorg_geo.toets.batch import ListOutcome, Outcome
from woonzorg_geo.toets.settings import VERDICT_TEXT

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis


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
