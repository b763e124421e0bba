"""The map, its controls (legends, panels, layer control) and geometry helpers."""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core import escaping as esc
from woonzorg_geo.core.errors import DataFileError, NoCrsError

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    import folium

from woonzorg_geo.core.palette import Classes
from woonzorg_geo.core.provenance import ATTRIBUTION
from woonzorg_geo.outputs.maps.assets import _asset_html, resolve_offline
from woonzorg_geo.outputs.maps.style import _SOURCES, DECIMALS, OSM_TILES, PDOK_BRT_TILES, RD, WGS84

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------


def _check_crs(frame: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    if frame.crs is None:
        raise NoCrsError(f"{what}: geen coördinatenstelsel (CRS); zet het met .set_crs('{RD}')")


def _need(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataFileError(
            what,
            "kolom ontbreekt",
            field=", ".join(missing),
            fix="gebruik de uitvoer van `woonzorg-geo analyse` of geef de juiste kolomnaam op",
        )


def _metric(frame: gpd.GeoDataFrame, what: str) -> gpd.GeoDataFrame:
    """The frame in EPSG:28992 (for simplifying and clipping in metres)."""
    _check_crs(frame, what)
    return frame if frame.crs.equals(RD) else frame.to_crs(RD)


def _round(geoms: Any) -> np.ndarray:
    arr = np.asarray(geoms, dtype=object)
    rounded: np.ndarray = shapely.transform(arr, lambda xy: np.round(xy, DECIMALS))
    return rounded


def _to_wgs84(frame: gpd.GeoDataFrame, what: str, *, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """Reprojected to EPSG:4326 (simplified in metres first), coordinates rounded, empties dropped."""
    _check_crs(frame, what)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    if simplify_m > 0 and len(frame):
        frame = _metric(frame, what).copy()
        frame["geometry"] = frame.geometry.simplify(simplify_m, preserve_topology=True)
    out = frame.to_crs(WGS84).copy()
    out["geometry"] = _round(out.geometry.values)
    return out[out.geometry.notna() & ~out.geometry.is_empty]


def _json_value(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if pd.isna(value):
        return None
    return str(value)


def _feature_collection(geoms: Sequence[Any], props: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    feats = []
    for i, (geom, prop) in enumerate(zip(geoms, props)):
        feats.append(
            {
                "type": "Feature",
                "id": i,
                "properties": {k: _json_value(v) for k, v in prop.items()},
                "geometry": geom if isinstance(geom, dict) else shapely.geometry.mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": feats}


def _bounds_wgs84(bounds: Any, crs: str | None) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees from a frame, a geometry or a 4-tuple."""
    if isinstance(bounds, (gpd.GeoDataFrame, gpd.GeoSeries)):
        _check_crs(bounds, "kaartgrenzen")
        b = bounds.to_crs(WGS84).total_bounds
    elif isinstance(bounds, shapely.Geometry):
        b = gpd.GeoSeries([bounds], crs=crs or RD).to_crs(WGS84).total_bounds
    else:
        b = np.asarray(list(bounds), dtype=float)
        if b.shape != (4,):
            raise ValueError(f"kaartgrenzen: verwacht (minx, miny, maxx, maxy), kreeg {bounds!r}")
        if crs and not gpd.GeoSeries([], crs=crs).crs.equals(WGS84):
            box = shapely.box(*b)
            b = gpd.GeoSeries([box], crs=crs).to_crs(WGS84).total_bounds
    w, s, e, n = (float(v) for v in b)
    if not all(math.isfinite(v) for v in (w, s, e, n)):
        raise ValueError("kaartgrenzen: leeg gebied (geen geometrie)")
    return w, s, e, n


def built_up_bounds(
    points: gpd.GeoDataFrame | gpd.GeoSeries, *, quantile: float = 0.02, pad_m: float = 150.0
) -> tuple[float, float, float, float]:
    """The extent of the built-up area in EPSG:28992: the address points with ``quantile`` cut off
    at each side in x and y (outlying farms and hamlets), plus ``pad_m``.

    Parameters
    ----------
    points
        Address points (any CRS).
    quantile
        Share cut off at each side (``[kaarten] bebouwd_kwantiel``); 0 keeps every point.
    pad_m
        Margin around the trimmed extent, in metres.

    Raises
    ------
    ValueError
        When there are no points.
    """
    _check_crs(points, "bebouwd gebied: adressen")
    geoms = gpd.GeoSeries(points.geometry).to_crs(RD)
    geoms = geoms[geoms.notna() & ~geoms.is_empty]
    if geoms.empty:
        raise ValueError("bebouwd gebied: geen adressen")
    xy = shapely.get_coordinates(geoms.centroid.values)
    q = min(max(float(quantile), 0.0), 0.49)
    x0, x1 = np.quantile(xy[:, 0], [q, 1 - q])
    y0, y1 = np.quantile(xy[:, 1], [q, 1 - q])
    return float(x0 - pad_m), float(y0 - pad_m), float(x1 + pad_m), float(y1 + pad_m)


def _esc(value: Any) -> str:
    """Text from data or settings as HTML (see :func:`woonzorg_geo.core.escaping.html_text`)."""
    return esc.html_text(value)


def _bron_text(value: Any, dates: Any = None) -> str:
    """Readable sources of a voorziening (``'osm;igj'``), each with its date where ``dates`` gives it
    (``'aug. 2021;jan. 2026'``, one per source)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "onbekend"
    parts = [p.strip() for p in str(value).split(";") if p.strip()]
    when = [] if dates is None or (isinstance(dates, float) and math.isnan(dates)) else str(dates).split(";")
    names = [_SOURCES.get(p.lower(), p) for p in parts]
    if len(when) == len(names):
        names = [f"{n} ({d.strip()})" if d.strip() else n for n, d in zip(names, when, strict=True)]
    return " + ".join(names) or "onbekend"


# --------------------------------------------------------------------------------------------
# The map and its controls
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _script_class() -> type:
    """A folium element that adds a piece of JavaScript to the map's script (made on first use)."""
    from branca.element import MacroElement
    from jinja2 import Template

    class WoonzorgScript(MacroElement):
        _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

        def __init__(self, code: str) -> None:
            super().__init__()  # type: ignore[no-untyped-call]  # branca's __init__ has no annotations
            self._name = "WoonzorgScript"
            self.code = code

    return WoonzorgScript


def _add_js(m: folium.Map, code: str, *, name: str | None = None) -> None:
    """Add a piece of JavaScript to the map's script, after what is already there."""
    m.add_child(_script_class()(code), name=name)


def last_layer(m: folium.Map) -> Any:
    """The layer that the last ``add_*`` call added (for :func:`add_legend` or :func:`add_exclusive`)."""
    layer = getattr(m, "_woonzorg_last_layer", None)
    if layer is None:
        raise ValueError("last_layer: er is nog geen laag toegevoegd")
    return layer


def _remember(m: folium.Map, layer: Any) -> None:
    m._woonzorg_last_layer = layer  # type: ignore[attr-defined]


def new_map(
    bounds: Any,
    *,
    offline: bool | None = None,
    title: str = "Bereikbaarheid te voet",
    crs: str | None = RD,
    attribution: str = ATTRIBUTION,
) -> folium.Map:
    """An empty Leaflet map fitted to ``bounds``, with Leaflet inlined (no CDN).

    Parameters
    ----------
    bounds
        A GeoDataFrame/GeoSeries (any CRS), a shapely geometry or ``(minx, miny, maxx, maxy)``
        in ``crs``.
    offline
        ``True``: no background tiles. ``False``: OpenStreetMap and PDOK BRT-Achtergrondkaart
        tile layers. ``None``: detect (see :func:`is_offline`). ``WOONZORG_OFFLINE=1`` forces offline.
    title
        The HTML page title.
    crs
        CRS of a geometry or tuple given as ``bounds`` (default EPSG:28992).
    attribution
        The sources and their dates (see :func:`woonzorg_geo.core.provenance.attribution`); default the
        licences' base text.

    Returns
    -------
    folium.Map
        The map. Folium's own CDN scripts and styles (jQuery, Bootstrap, Font Awesome) are removed.
    """
    import folium
    from branca.element import Element, Figure

    offline = resolve_offline(offline)
    west, south, east, north = _bounds_wgs84(bounds, crs)
    m = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=13,
        tiles=None,
        control_scale=False,  # folium's L.control.scale() shows feet and miles too: a metric one below
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    m.default_js = []
    m.default_css = []
    root = m.get_root()
    assert isinstance(root, Figure)  # a new map's root is its page
    root.title = esc.html_text(title)  # branca writes the title into <title> unescaped
    root.header.add_child(Element(_asset_html()), name="woonzorg_assets")
    # fitted at once (no zoom animation), so the first drawn frame is the final one
    box = [[round(south, DECIMALS), round(west, DECIMALS)], [round(north, DECIMALS), round(east, DECIMALS)]]
    # once the controls are in place, fitted again beside the key-figure panel (left), so the panel
    # does not cover the area the map is about (when the panel takes less than 40 % of the width)
    _add_js(
        m,
        f"""{m.get_name()}.fitBounds({json.dumps(box)}, {{padding: [10, 10], animate: false}});
setTimeout(function () {{
  var map = {m.get_name()}, panel = map.getContainer().querySelector(".leaflet-left .wz-panel");
  var w = panel ? panel.offsetWidth : 0;
  if (w && w < 0.4 * map.getSize().x) {{
    map.fitBounds({json.dumps(box)}, {{paddingTopLeft: [w + 16, 10], paddingBottomRight: [10, 10], animate: false}});
  }}
}}, 0);""",
        name="woonzorg_fit_bounds",
    )
    m.woonzorg_offline = offline  # type: ignore[attr-defined]
    if not offline:
        folium.TileLayer(
            OSM_TILES,
            name="Achtergrond: OpenStreetMap",
            attr="Achtergrond: © OpenStreetMap contributors",
            max_zoom=19,
            overlay=False,
            control=True,
        ).add_to(m)
        folium.TileLayer(
            PDOK_BRT_TILES,
            name="Achtergrond: BRT-Achtergrondkaart (PDOK)",
            attr="Achtergrond: BRT-Achtergrondkaart © Kadaster / PDOK",
            max_zoom=19,
            overlay=False,
            control=True,
            show=False,
        ).add_to(m)
    # one shared canvas renderer for layers with many small symbols (see add_homes)
    _add_js(m, f"var {m.get_name()}_canvas = L.canvas({{padding: 0.5}});", name="woonzorg_canvas")
    _add_js(
        m,
        f"{m.get_name()}.attributionControl.addAttribution({esc.js_string(esc.html_text(attribution))});",  # innerHTML
        name="woonzorg_attribution",
    )
    # a metric scale bar only (Dutch planners read metres; Leaflet's default adds feet and miles)
    _add_js(m, f"L.control.scale({{imperial: false}}).addTo({m.get_name()});", name="woonzorg_scale")
    _add_js(m, _DECLUTTER_JS.replace("MAP", m.get_name()).replace("PANE", LABEL_PANE), name="woonzorg_declutter")
    return m


#: The pane of the area names: above the markers (Leaflet's marker pane is at z-index 600, tooltips
#: at 650), so a voorziening symbol never covers a wijk or buurt name.
LABEL_PANE = "wzLabels"

# Area names (place labels) are placed at the current zoom in priority order: map._wzLabels holds
# [rank, weight, marker]; lower rank, then higher weight first. A label is tried at its spot, then a
# line up or down, then beside it; the first place that overlaps no name placed before, no
# voorziening symbol shown (.wz-vz-icon) and no control (legend, panel) is taken. Where every place overlaps a symbol, the one that
# overlaps the fewest is taken (the name is drawn above the symbols, in LABEL_PANE); where every
# place overlaps another name, the label is hidden (it shows when the pointer is on it; the areas'
# tooltips name them too).
_DECLUTTER_JS = """
(function () {
  var map = MAP;
  var pane = map.createPane("PANE");
  pane.style.zIndex = 640;
  pane.style.pointerEvents = "none";
  map._wzLabels = [];
  var pending = false;
  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  function declutter() {
    pending = false;
    var items = map._wzLabels.filter(function (it) { return it[2]._icon && map.hasLayer(it[2]); });
    items.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var placed = [];
    var view = map.getContainer().getBoundingClientRect();
    // the symbols shown, and the controls (legends, panel, layer control): a name is not put under them
    var symbols = Array.from(map.getContainer().querySelectorAll(".leaflet-marker-pane .wz-vz-icon, .leaflet-control"))
      .map(function (el) { return el.getBoundingClientRect(); })
      .filter(function (r) { return r.width > 0 && r.right > view.left && r.left < view.right &&
                                    r.bottom > view.top && r.top < view.bottom; });
    items.forEach(function (it) {
      var el = it[2]._icon, span = el.querySelector(".wz-label span");
      if (!span) { return; }
      el.classList.remove("wz-label-hidden");
      span.style.transform = "";
      var r = span.getBoundingClientRect();
      if (r.right < view.left || r.left > view.right || r.bottom < view.top || r.top > view.bottom) { return; }
      var h = r.height + 3, w = r.width / 2 + 14;
      var shifts = [[0, 0], [0, -h], [0, h], [w, 0], [-w, 0], [0, -2 * h], [0, 2 * h], [w, -h], [-w, -h],
                    [w, h], [-w, h]];
      var best = null, bestHits = Infinity;
      for (var i = 0; i < shifts.length; i++) {
        var dx = shifts[i][0], dy = shifts[i][1];
        var box = {left: r.left + dx - 2, right: r.right + dx + 2, top: r.top + dy - 1, bottom: r.bottom + dy + 1};
        if (placed.some(function (p) { return overlaps(p, box); })) { continue; }
        var hits = symbols.filter(function (s) { return overlaps(s, box); }).length;
        if (hits < bestHits) { best = [dx, dy, box]; bestHits = hits; }
        if (!hits) { break; }
      }
      if (!best) { el.classList.add("wz-label-hidden"); return; }
      if (best[0] || best[1]) { span.style.transform = "translate(" + best[0] + "px," + best[1] + "px)"; }
      placed.push(best[2]);
    });
  }
  map._wzDeclutter = function () {
    if (!pending) { pending = true; setTimeout(declutter, 0); }
  };
  map.on("zoomend moveend overlayadd overlayremove resize", map._wzDeclutter);
})();
"""


def _control_js(
    m: folium.Map,
    html_text: str,
    *,
    position: str,
    css_class: str,
    layers: Sequence[Any] = (),
    rows_follow_layers: bool = False,
) -> str:
    """JavaScript for a Leaflet control showing ``html_text``; shown only while one of ``layers`` is.

    The control's first element (its title) folds the rest away and back on a click. With
    ``rows_follow_layers`` the i-th ``.wz-legend-row`` shows only while the i-th layer is on.
    """
    names = ", ".join(layer.get_name() for layer in layers)
    return f"""
(function () {{
  var map = {m.get_name()};
  var ctl = L.control({{position: {json.dumps(position)}}});
  ctl.onAdd = function () {{
    var div = L.DomUtil.create("div", {json.dumps(css_class)});
    div.innerHTML = {esc.js_string(html_text)};
    var head = div.firstElementChild;
    if (head) {{
      head.classList.add("wz-fold");
      head.title = "klik om in of uit te klappen";
      L.DomEvent.on(head, "click", function () {{ div.classList.toggle("wz-folded"); }});
    }}
    L.DomEvent.disableClickPropagation(div);
    L.DomEvent.disableScrollPropagation(div);
    return div;
  }};
  var layers = [{names}];
  if (!layers.length) {{ ctl.addTo(map); return; }}
  function update() {{
    var on = layers.some(function (l) {{ return map.hasLayer(l); }});
    if ({json.dumps(rows_follow_layers)} && ctl._map) {{
      ctl.getContainer().querySelectorAll(".wz-legend-row").forEach(function (row, i) {{
        row.style.display = layers[i] && !map.hasLayer(layers[i]) ? "none" : "";
      }});
    }}
    if (on && !ctl._map) {{ ctl.addTo(map); update(); return; }}
    if (!on && ctl._map) {{ ctl.remove(); }}
  }}
  map.on("overlayadd overlayremove", update);
  update();
}})();
"""


def legend_html(
    title: str, items: Classes | Sequence[tuple[str, ...]], *, symbol: str = "box", subtitle: str = ""
) -> str:
    """The HTML of a legend: a title (what, to where), an optional subtitle (for whom, from which
    data; part of the title element, so the two read as one sentence) and one row per
    (colour, label[, letter]) item."""
    rows = items.items() if isinstance(items, Classes) else list(items)
    sub = f'<span class="wz-legend-sub">, {_esc(subtitle)}</span>' if subtitle else ""
    out = [f'<div class="wz-legend-title">{_esc(title)}{sub}</div>']
    for item in rows:
        colour, label = item[0], item[1]
        if symbol == "letter" and len(item) > 2:
            long = " wz-long" if len(item[2]) > 1 else ""
            sym = f'<span class="wz-vz{long}" style="background:{_esc(colour)}">{_esc(item[2])}</span>'
        else:
            shape = " wz-round" if symbol == "circle" else ""
            sym = f'<span class="wz-swatch{shape}" style="background:{_esc(colour)}"></span>'
        out.append(f'<div class="wz-legend-row">{sym}{_esc(label)}</div>')
    return "".join(out)


def add_legend(
    m: folium.Map,
    title: str,
    items: Classes | Sequence[tuple[str, ...]],
    *,
    layers: Sequence[Any] = (),
    position: str = "bottomright",
    symbol: str = "box",
    rows_follow_layers: bool = False,
    subtitle: str = "",
) -> folium.Map:
    """Add a legend (its title folds it away and back).

    Parameters
    ----------
    m
        The map.
    title
        Legend title (Dutch).
    items
        :class:`Classes`, or (colour, label) / (colour, label, letter) tuples.
    layers
        When given, the legend is only shown while one of these layers is on the map.
    position
        Leaflet control corner.
    symbol
        ``"box"``, ``"circle"`` or ``"letter"`` (category symbols).
    rows_follow_layers
        Row ``i`` shows only while ``layers[i]`` is on (one row per layer, e.g. voorzieningen).
    subtitle
        For whom and from which data (see :mod:`.captions`), shown after the title in a lighter type.
    """
    text = legend_html(title, items, symbol=symbol, subtitle=subtitle)
    _add_js(
        m,
        _control_js(
            m,
            text,
            position=position,
            css_class="wz-legend leaflet-control",
            layers=layers,
            rows_follow_layers=rows_follow_layers,
        ),
    )
    return m


def panel_html(
    title: str,
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] | None = None,
    note: str | None = None,
    links: Sequence[tuple[str, str]] = (),
    sources: str | None = None,
) -> str:
    """HTML of a key-figures panel: a title, a table of (label, value[, value…]) rows, a note, links
    and the data's sources and dates (see :func:`woonzorg_geo.core.provenance.sources_line`).

    Every text is escaped; link targets must be relative file names.
    """
    out = [f"<h3>{_esc(title)}</h3>", "<table>"]
    if header:
        out.append("<thead><tr>" + "".join(f"<th>{_esc(h)}</th>" for h in header) + "</tr></thead>")
    for row in rows:
        label, *values = row
        out.append(f"<tr><th>{_esc(label)}</th>" + "".join(f"<td>{_esc(v)}</td>" for v in values) + "</tr>")
    out.append("</table>")
    if links:
        out.append("<p>" + " · ".join(f'<a href="{_esc(href)}">{_esc(text)}</a>' for text, href in links) + "</p>")
    if note:
        out.append(f'<p class="wz-note">{_esc(note)}</p>')
    if sources:
        out.append(f'<p class="wz-bron">{_esc(sources)}</p>')
    return "".join(out)


def add_panel(m: folium.Map, html_text: str, *, position: str = "bottomleft") -> folium.Map:
    """Add a panel (e.g. key figures, see :func:`panel_html`) as a Leaflet control; its title folds it.

    ``html_text`` is inserted as HTML: escape any text that comes from data.
    """
    _add_js(m, _control_js(m, html_text, position=position, css_class="wz-panel leaflet-control"))
    return m


def add_exclusive(m: folium.Map, layers: Sequence[Any]) -> folium.Map:
    """Make ``layers`` mutually exclusive: switching one on in the layer control switches the others off."""
    names = ", ".join(layer.get_name() for layer in layers)
    _add_js(
        m,
        f"""
(function () {{
  var map = {m.get_name()};
  var group = [{names}];
  map.on("overlayadd", function (e) {{
    if (group.indexOf(e.layer) < 0) {{ return; }}
    // after the layer control has finished handling the click, so that it redraws its checkboxes
    setTimeout(function () {{
      group.forEach(function (l) {{ if (l !== e.layer && map.hasLayer(l)) {{ map.removeLayer(l); }} }});
    }}, 0);
  }});
}})();
""",
    )
    return m


def add_layer_control(m: folium.Map, *, collapsed: bool = True) -> folium.Map:
    """Add the layer control (top right; folded into its icon until the pointer is on it). Call it
    last, after every layer."""
    import folium

    folium.LayerControl(position="topright", collapsed=collapsed).add_to(m)
    return m
