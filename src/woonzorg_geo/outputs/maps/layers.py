"""Area layers: each add_* function adds one layer to a folium.Map and returns the map.

Areas coloured by a value (:func:`add_choropleth`), area outlines with their names
(:func:`add_area_outlines`) and the roads as context (:func:`add_context`); writing a map
(:func:`render`, :func:`save_map`). Points are in :mod:`.points`, surfaces in :mod:`.surfaces`.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.escaping import html_text
from woonzorg_geo.core.files import write_text
from woonzorg_geo.core.palette import (
    AREA_EDGE,
    AREA_OPACITY,
    FEW_ADDRESSES_OPACITY,
    MAIN_ROADS,
    OTHER_ROAD,
    PCT_CLASSES,
    ROAD_STYLE,
    WIJK_OUTLINE,
    Classes,
    few_addresses_label,
    rgb,
)
from woonzorg_geo.core.vocabulary import Vocabulary, default_vocabulary
from woonzorg_geo.outputs.maps.base import LABEL_PANE, RenderedText, add_js, add_legend, remember_layer
from woonzorg_geo.outputs.maps.geometry import (
    check_crs,
    drawable,
    drawn_geometries,
    feature_collection,
    require_columns,
    shared_value,
    to_metric,
    to_wgs84,
)
from woonzorg_geo.outputs.maps.style import MAX_MAP_BYTES
from woonzorg_geo.outputs.pages import map_piece

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    import folium

log = logging.getLogger(__name__)


def add_choropleth(
    m: folium.Map,
    areas: gpd.GeoDataFrame,
    *,
    column: str,
    label: str,
    classes: Classes = PCT_CLASSES,
    fields: Sequence[str] | None = None,
    name_column: str = "naam",
    show: bool = True,
    legend: bool = True,
    opacity: float = AREA_OPACITY,
    simplify_m: float = 2.0,
    vocabulary: Vocabulary | None = None,
    min_count: int = 0,
    count_column: str = "n_adressen",
    legend_title: str | None = None,
    legend_subtitle: str = "",
) -> folium.Map:
    """Add areas coloured by ``column`` in ``classes``, with a popup per area and a legend.

    The tooltip names the area (and its wijk, when ``areas`` has a ``wijk`` column) and its number
    of addresses. Areas with fewer than ``min_count`` addresses (``[kaarten] min_adressen``) are
    drawn in a lighter tone, so large areas with few homes do not dominate the map.

    Parameters
    ----------
    m
        The map.
    areas
        Polygons (any CRS) with ``column`` and ``name_column``.
    column
        The value to colour by.
    label
        Dutch layer name, also the legend title.
    classes
        Class breaks, colours and labels.
    fields
        Columns shown in the popup (default: name, code, addresses, ``column`` and the shares
        within the norm and median distances of the essentials present, for ``column``'s profile).
        Labels and values come from the vocabulary.
    show
        Whether the layer is on when the map opens.
    legend
        Add a legend (shown while the layer is on).
    vocabulary
        The run's vocabulary (norm, profiles, labels); default: the package settings'.
    min_count
        Areas with fewer addresses (``count_column``) get the lighter tone; 0: none.
    count_column
        The number of addresses per area.
    legend_title, legend_subtitle
        The legend's title (default ``label``) and subtitle: for whom and from which data
        (see :mod:`.captions`).
    """
    import folium

    vocab = vocabulary or default_vocabulary()
    require_columns(areas, [column], "add_choropleth: gebieden")
    if fields is None:
        _, profile = vocab.split_profile(column)
        extra = [
            *(vocab.pct(c) for c in vocab.combinations),
            *(vocab.pct(c) for c in vocab.key_categories),
            *(f"med_afstand_{c}_m" for c in vocab.key_categories),
        ]
        # homes against CBS, with the likely cause where a wijk lies outside the band (issue 19 §2)
        homes = ["n_woningen", "woningen_per_cbs", "woningen_oorzaak"]
        fields = [name_column, "code", "n_adressen", *homes, column, *(vocab.column(c, profile) for c in extra)]
    fields = list(dict.fromkeys(f for f in fields if f in areas.columns))
    frame = to_wgs84(areas, "add_choropleth: gebieden", simplify_m=simplify_m)
    idx = classes.index(frame[column])
    counts = (
        pd.to_numeric(frame[count_column], errors="coerce")
        if count_column in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    few = (counts < min_count).to_numpy() & (idx >= 0) if min_count > 0 else np.zeros(len(frame), bool)
    keys = [f"f{i}" for i in range(len(fields))]
    props = []
    columns = list(frame.columns)
    # the rows as DataFrame.iterrows gives them (from frame.values), without a Series per row
    for values, k, n, weak in zip(frame.values, idx, counts, few):
        row = dict(zip(columns, values))
        # folium's GeoJsonPopup and GeoJsonTooltip put the values into innerHTML: escaped here
        p: dict[str, Any] = {key: html_text(vocab.format(col, row[col])) for key, col in zip(keys, fields)}
        p["_c"] = int(k)
        p["_few"] = bool(weak)
        p["_tip"] = html_text(_tooltip(row, name_column, n, weak))
        props.append(p)
    data = feature_collection(frame.geometry.values, props)
    colours = {int(k): classes.colour(int(k)) for k in np.unique(idx)}

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        weak = feature["properties"].get("_few")
        return {
            "fillColor": colours.get(feature["properties"]["_c"], classes.missing_colour),
            "color": AREA_EDGE,
            "weight": 1,
            "fillOpacity": FEW_ADDRESSES_OPACITY if weak else opacity,
        }

    layer = folium.GeoJson(
        data,
        name=html_text(label),  # Leaflet's layer control shows layer names as HTML
        style_function=style,
        show=show,
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        popup=folium.GeoJsonPopup(fields=keys, aliases=[html_text(vocab.field_label(f)) for f in fields], labels=True),
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
    )
    layer.add_to(m)
    remember_layer(m, layer)
    if legend:
        items: list[tuple[str, str]] = list(classes.items())
        if few.any():
            r, g, b = rgb(classes.colours[0])
            items.append((f"rgba({r},{g},{b},{FEW_ADDRESSES_OPACITY})", few_addresses_label(min_count)))
        add_legend(m, legend_title or label, items, layers=[layer], subtitle=legend_subtitle)
    return m


def _tooltip(row: Mapping[str, Any], name_column: str, count: Any, few: bool) -> str:
    """``'Buurt (wijk X) · 123 adressen'``; a lighter-toned area says why."""
    text = fmt.text(row.get(name_column))
    wijk = row.get("wijk")
    if isinstance(wijk, str) and wijk.strip() and wijk != text:
        text += f" (wijk {wijk})"
    if not fmt.is_missing(count):
        text += f" · {fmt.number(count)} adres{'' if int(count) == 1 else 'sen'}"
    if few:
        text += " — weinig adressen: lichte tint"
    return text


def add_area_outlines(
    m: folium.Map,
    areas: gpd.GeoDataFrame,
    *,
    name: str = "Wijkgrenzen en namen",
    label_column: str = "naam",
    labels: bool = True,
    colour: str = WIJK_OUTLINE,
    weight: float = 2.0,
    dash: str | None = None,
    small: bool = False,
    show: bool = True,
    simplify_m: float = 2.0,
    label_rank: int = 0,
    priority_column: str = "n_adressen",
    label_filter: Any = None,
) -> folium.Map:
    """Add area outlines (no fill, so clicks reach the layers below) with their names as labels.

    Labels that would overlap at the current zoom are moved by a line or hidden (a hidden label
    shows when the pointer is on it); they are placed in order of ``label_rank`` (lower first,
    across every outline layer of the map), then of ``priority_column`` (more addresses first).
    ``label_filter``: a boolean mask over ``areas`` of the areas that get a label (default all).
    """
    import folium

    require_columns(areas, [label_column], "add_area_outlines: gebieden")
    frame = to_wgs84(areas, "add_area_outlines: gebieden", simplify_m=simplify_m)
    group = folium.FeatureGroup(name=html_text(name), show=show)
    data = feature_collection(frame.geometry.values, [{"naam": html_text(v)} for v in frame[label_column]])
    style = {"color": colour, "weight": weight, "fill": False, "interactive": False}
    if dash:
        style["dashArray"] = dash
    folium.GeoJson(data, style_function=lambda f, s=style: s, control=False).add_to(group)
    markers = []
    if labels:
        metric = to_metric(areas, "add_area_outlines: gebieden")
        if label_filter is not None:
            metric = metric[np.asarray(label_filter, dtype=bool)]
        metric = metric[metric.geometry.notna() & ~metric.geometry.is_empty]
        weight_of = (
            pd.to_numeric(metric[priority_column], errors="coerce").fillna(0).to_numpy()
            if priority_column in metric.columns
            else metric.geometry.area.to_numpy()
        )
        pts = to_wgs84(
            gpd.GeoDataFrame(
                {label_column: metric[label_column].to_numpy(), "_w": weight_of},
                geometry=metric.geometry.representative_point().to_numpy(),
                crs=RD_NEW,
            ),
            "add_area_outlines: labels",
        )
        for geom, text, w in zip(pts.geometry, pts[label_column], pts["_w"]):
            icon = folium.DivIcon(
                html=map_piece("area_label", text, small=small),
                icon_size=(160, 18),
                icon_anchor=(80, 9),
                class_name="wz-label-icon",
            )
            # in the label pane, above the voorzieningen symbols (see base.LABEL_PANE)
            marker = folium.Marker([geom.y, geom.x], icon=icon, interactive=False, keyboard=False, pane=LABEL_PANE)
            marker.add_to(group)
            markers.append((marker, float(w)))
    group.add_to(m)
    if markers:
        entries = ", ".join(f"[{int(label_rank)}, {w:.0f}, {mk.get_name()}]" for mk, w in markers)
        add_js(m, f"{m.get_name()}._wzLabels.push({entries}); {m.get_name()}._wzDeclutter();")
    remember_layer(m, group)
    return m


def add_context(
    m: folium.Map,
    netwerk: gpd.GeoDataFrame,
    *,
    road_classes: Sequence[str] = MAIN_ROADS,
    within: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    name: str = "Wegen (OpenStreetMap)",
    show: bool = True,
    simplify_m: float = 3.0,
) -> folium.Map:
    """Add roads from the OSM network as context (the base map when offline).

    Parameters
    ----------
    netwerk
        The ``netwerk`` layer (lines with ``klasse``), any CRS.
    road_classes
        Classes to draw (default: main roads); drawn thin to thick.
    within
        Only roads that intersect these areas.
    """
    import folium

    require_columns(netwerk, ["klasse"], "add_context: netwerk")
    lines = to_metric(netwerk, "add_context: netwerk")
    rows = np.flatnonzero(lines["klasse"].isin(list(road_classes)).to_numpy())
    if within is not None and len(rows):
        area = gpd.GeoSeries(within.geometry)
        check_crs(area, "add_context: within")
        shape = area.to_crs(RD_NEW).union_all()
        # the whole network's spatial index: geopandas keeps it with the frame, for the next map
        rows = np.intersect1d(rows, lines.sindex.query(shape, predicate="intersects"))
    klasse = lines["klasse"].to_numpy()[rows]
    geoms = np.asarray(lines.geometry.values, dtype=object)[rows]
    group = folium.FeatureGroup(name=html_text(name), show=show)
    order = sorted(road_classes, key=lambda c: ROAD_STYLE.get(c, ("", 1.0))[1])
    for cls in order:
        sub = geoms[klasse == cls]
        if not len(sub):
            continue

        def merged(sub: np.ndarray = sub) -> Any:
            line = shapely.line_merge(shapely.union_all(sub)).simplify(simplify_m)
            return drawn_geometries(gpd.GeoSeries([line], crs=RD_NEW), "wegen")[0]

        # the gemeente's and the overlay map's roads are the same: merged once (within a map set)
        geom = merged() if within is not None else shared_value(("wegen", cls, simplify_m), lines, merged)
        if not drawable(np.array([geom]))[0]:
            continue
        colour, weight = ROAD_STYLE.get(cls, (OTHER_ROAD, 1.0))
        style = {"color": colour, "weight": weight, "opacity": 0.9, "interactive": False}
        folium.GeoJson(feature_collection([geom], [{}]), style_function=lambda f, s=style: s, control=False).add_to(
            group
        )
    group.add_to(m)
    remember_layer(m, group)
    return m


@functools.lru_cache(maxsize=64)
def _folium_template(source: str) -> Any:
    """A folium template compiled once per source (folium makes the same one anew at every render)."""
    from folium.template import Template

    return Template(source)


_RENDER_LOCK = threading.Lock()


def render(m: folium.Map) -> str:
    """The map as a standalone HTML page.

    While a folium element renders, branca wraps each piece of its output (a layer's script with
    its GeoJSON, a marker, a popup) in a new ``Element``, which compiles that text as a Jinja2
    template, and folium's GeoJSON popups and tooltips compile the same style template anew each
    time: a quarter of the time of writing a map went there. Here the pieces are kept as text (the
    output is the same for any text without Jinja2 syntax; text with it, e.g. a hostile name
    ``{{ 7*7 }}`` in the data, is shown as it is instead of being run as a template) and folium's
    template is compiled once. The swap of branca's and folium's ``Template`` (and of branca's
    ``_camelify``, for element names) lasts only this call, under a lock.
    """
    import branca.element
    import folium.features

    swaps = [
        (branca.element, "Template", RenderedText),
        (folium.features, "Template", _folium_template),
        # an element's name is asked for thousands of times (each reference in a template): its
        # camel-cased class name, a pure function of the class name, made once per name
        (branca.element, "_camelify", functools.lru_cache(maxsize=128)(getattr(branca.element, "_camelify"))),  # noqa: B009
    ]
    with _RENDER_LOCK:
        saved = [(module, name, getattr(module, name)) for module, name, _ in swaps]
        for module, name, value in swaps:  # setattr: the libraries type these names otherwise
            setattr(module, name, value)
        try:
            return str(m.get_root().render())
        finally:
            for module, name, value in saved:
                setattr(module, name, value)


def save_map(m: folium.Map, path: str | Path, *, max_bytes: int = MAX_MAP_BYTES) -> Path:
    """Write the map as HTML atomically; warns when the file is larger than ``max_bytes``."""
    text = render(m)
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        log.warning(
            "kaart %s is %s (meer dan %s)",
            path,
            fmt.number(size / 1e6, 1, unit=" MB"),
            fmt.number(max_bytes / 1e6, unit=" MB"),
        )
    out = write_text(path, text)
    log.info("kaart geschreven: %s (%s)", out, fmt.number(size / 1e6, 2, unit=" MB"))
    return out
