"""The map, its controls (legends, panels, layer control) and geometry helpers."""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from woonzorg_geo.core import escaping as esc

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    import folium

from woonzorg_geo import RD_NEW
from woonzorg_geo.core.palette import Classes
from woonzorg_geo.core.provenance import ATTRIBUTION
from woonzorg_geo.outputs.maps.assets import asset_html, resolve_offline
from woonzorg_geo.outputs.maps.geometry import bounds_wgs84
from woonzorg_geo.outputs.maps.style import DECIMALS, OSM_TILES, PDOK_BRT_TILES
from woonzorg_geo.outputs.pages import map_piece

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Geometry helpers
# --------------------------------------------------------------------------------------------


# --------------------------------------------------------------------------------------------
# The map and its controls
# --------------------------------------------------------------------------------------------


class RenderedText:
    """The template of a branca ``Element`` made from text that is already rendered (see :func:`.layers.render`).

    It gives the text back as Jinja2 would render a template of plain text (newlines as ``\\n``,
    one trailing newline dropped), without compiling it and without a second pass over it.
    """

    __slots__ = ("text",)

    def __init__(self, source: str) -> None:
        lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        if lines[-1] == "":
            del lines[-1]
        self.text = "\n".join(lines)

    def render(self, *args: object, **kwargs: object) -> str:
        return self.text


def text_element(text: str) -> Any:
    """A branca ``Element`` that puts ``text`` (HTML) into the page as it is, without compiling it as a template."""
    from branca.element import Element

    element = Element()
    setattr(element, "_template", RenderedText(text))  # noqa: B010  # branca keeps the template in _template
    return element


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


def add_js(m: folium.Map, code: str, *, name: str | None = None) -> None:
    """Add a piece of JavaScript to the map's script, after what is already there."""
    m.add_child(_script_class()(code), name=name)


def last_layer(m: folium.Map) -> Any:
    """The layer that the last ``add_*`` call added (for :func:`add_legend` or :func:`add_exclusive`)."""
    layer = getattr(m, "_woonzorg_last_layer", None)
    if layer is None:
        raise ValueError("last_layer: er is nog geen laag toegevoegd")
    return layer


def remember_layer(m: folium.Map, layer: Any) -> None:
    """Note ``layer`` as the map's last layer (see :func:`last_layer`); every ``add_*`` function calls it."""
    m._woonzorg_last_layer = layer  # type: ignore[attr-defined]


def new_map(
    bounds: Any,
    *,
    offline: bool | None = None,
    title: str = "Bereikbaarheid te voet",
    crs: str | None = RD_NEW,
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
    from branca.element import Figure

    offline = resolve_offline(offline)
    west, south, east, north = bounds_wgs84(bounds, crs)
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
    root.header.add_child(text_element(asset_html()), name="woonzorg_assets")
    # fitted at once (no zoom animation), so the first drawn frame is the final one
    box = [[round(south, DECIMALS), round(west, DECIMALS)], [round(north, DECIMALS), round(east, DECIMALS)]]
    # once the controls are in place, fitted again beside the key-figure panel (left), so the panel
    # does not cover the area the map is about (when the panel takes less than 40 % of the width)
    add_js(
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
    add_js(m, f"var {m.get_name()}_canvas = L.canvas({{padding: 0.5}});", name="woonzorg_canvas")
    add_js(
        m,
        f"{m.get_name()}.attributionControl.addAttribution({esc.js_string(esc.html_text(attribution))});",  # innerHTML
        name="woonzorg_attribution",
    )
    # a metric scale bar only (Dutch planners read metres; Leaflet's default adds feet and miles)
    add_js(m, f"L.control.scale({{imperial: false}}).addTo({m.get_name()});", name="woonzorg_scale")
    add_js(m, _DECLUTTER_JS.replace("MAP", m.get_name()).replace("PANE", LABEL_PANE), name="woonzorg_declutter")
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
    (colour, label[, letter]) item (the ``legend`` macro of ``templates/map_pieces.html``; every
    text escaped)."""
    rows = items.items() if isinstance(items, Classes) else list(items)
    return map_piece("legend", title, rows, symbol=symbol, subtitle=subtitle)


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
    add_js(
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

    Rendered from the ``panel`` macro of ``templates/map_pieces.html``: every text is escaped;
    link targets must be relative file names.
    """
    return map_piece("panel", title, rows, header=header or (), note=note or "", links=links, sources=sources or "")


def add_panel(m: folium.Map, html_text: str, *, position: str = "bottomleft") -> folium.Map:
    """Add a panel (e.g. key figures, see :func:`panel_html`) as a Leaflet control; its title folds it.

    ``html_text`` is inserted as HTML: escape any text that comes from data.
    """
    add_js(m, _control_js(m, html_text, position=position, css_class="wz-panel leaflet-control"))
    return m


def add_exclusive(m: folium.Map, layers: Sequence[Any]) -> folium.Map:
    """Make ``layers`` mutually exclusive: switching one on in the layer control switches the others off."""
    names = ", ".join(layer.get_name() for layer in layers)
    add_js(
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
