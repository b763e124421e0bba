"""Point layers: the voorzieningen (a symbol per category) and the homes coloured by a value."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.escaping import html_text
from woonzorg_geo.core.palette import POINT_EDGE, TIME_CLASSES, Classes
from woonzorg_geo.outputs.maps.base import add_legend, remember_layer
from woonzorg_geo.outputs.maps.captions import voorzieningen_caption
from woonzorg_geo.outputs.maps.geometry import (
    drawable,
    drawn_geometries,
    feature_collection,
    require_columns,
    to_wgs84,
)
from woonzorg_geo.outputs.maps.style import DECIMALS, category, ordered_categories, source_text
from woonzorg_geo.outputs.pages import map_piece

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    import folium

log = logging.getLogger(__name__)


def add_voorzieningen(
    m: folium.Map,
    vz: gpd.GeoDataFrame,
    *,
    categories: Sequence[str] | None = None,
    show: bool | Iterable[str] = True,
    prefix: str = "Voorzieningen: ",
    legend: bool = True,
) -> folium.Map:
    """Add voorzieningen, one layer per category, each with its own coloured letter symbol.

    Parameters
    ----------
    m
        The map.
    vz
        Points (any CRS) with ``categorie`` and optionally ``naam``, ``label``, ``bron``, ``bron_datum``
        (the popup shows each source with its date).
    categories
        Categories to draw (default: all present, key categories first).
    show
        ``True``/``False`` for all layers, or the categories that are on when the map opens.
    prefix
        Layer names are ``prefix + label`` (e.g. ``Voorzieningen: Huisarts``).
    legend
        Add a symbol legend (shown while one of these layers is on), naming the sources and their
        dates (the ``bron`` and ``bron_datum`` columns).
    """
    import folium

    require_columns(vz, ["categorie"], "add_voorzieningen: voorzieningen")
    frame = to_wgs84(vz, "add_voorzieningen: voorzieningen")
    frame = frame[frame.geometry.geom_type == "Point"]
    cats = ordered_categories(frame["categorie"].dropna().astype(str)) if categories is None else list(categories)
    layers, items = [], []
    rows, geoms = _rows(frame), np.asarray(frame.geometry.values, dtype=object)
    for cat in cats:
        sel = np.flatnonzero((frame["categorie"] == cat).to_numpy(dtype=bool, na_value=False))
        if not len(sel):
            continue
        sym = category(cat)
        props = []
        for row in (rows[i] for i in sel):
            naam = row.get("naam")
            naam = "(naam onbekend)" if naam is None or pd.isna(naam) or not str(naam).strip() else str(naam)
            soort = row.get("label")
            soort = sym.label if soort is None or pd.isna(soort) else str(soort)
            bron = source_text(row.get("bron"), row.get("bron_datum"))
            props.append({"naam": html_text(naam), "soort": html_text(soort), "bron": html_text(bron)})
        data = feature_collection(geoms[sel], props)
        icon = folium.DivIcon(
            html=map_piece("vz_symbol", sym.colour, sym.letter),
            icon_size=(22, 22),
            icon_anchor=(11, 11),
            popup_anchor=(0, -10),
            class_name="wz-vz-icon",
        )
        on = show if isinstance(show, bool) else cat in set(show)
        layer = folium.GeoJson(
            data,
            name=html_text(f"{prefix}{sym.label} ({len(sel)})"),
            show=on,
            marker=folium.Marker(icon=icon, title=sym.label),  # title: set as a property, not HTML
            popup=folium.GeoJsonPopup(fields=["naam", "soort", "bron"], aliases=["Naam", "Soort", "Bron"]),
            tooltip=folium.GeoJsonTooltip(fields=["naam"], labels=False),
        )
        layer.add_to(m)
        remember_layer(m, layer)
        layers.append(layer)
        items.append((sym.colour, sym.label, sym.letter))
    if legend and layers:
        cap = voorzieningen_caption(vz, cats)
        add_legend(m, cap.title, items, layers=layers, symbol="letter", rows_follow_layers=True, subtitle=cap.subtitle)
    return m


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as column → value, the values as ``DataFrame.iterrows`` gives them
    (from ``frame.values``), without a Series per row."""
    columns = list(frame.columns)
    return [dict(zip(columns, values)) for values in frame.values]


def add_homes(
    m: folium.Map,
    adressen: gpd.GeoDataFrame,
    *,
    column: str,
    label: str,
    classes: Classes = TIME_CLASSES,
    show: bool = True,
    radius: float = 3.5,
    legend: bool = False,
    canvas: bool = True,
    legend_title: str | None = None,
    legend_subtitle: str = "",
) -> folium.Map:
    """Add homes (address points) coloured by ``column`` (default: walking time classes, minutes).

    Points of one class are stored as one MultiPoint, so thousands of homes stay small; missing
    values are grey (``onbereikbaar``). ``label`` is the Dutch layer name; hovering a point shows
    its class and the number of homes in it. With ``canvas`` (default) the points are drawn on the
    map's shared canvas, which stays fast with many thousands of points. With ``legend`` the layer
    carries its own legend (``legend_title``, default ``label``, and ``legend_subtitle``), shown
    while the layer is on: layers switched in the layer control each bring their own.
    """
    import folium
    from folium.utilities import JsCode

    require_columns(adressen, [column], "add_homes: adressen")
    drawn = drawn_geometries(adressen, "add_homes: adressen")
    points = drawable(drawn) & (shapely.get_type_id(drawn) == shapely.GeometryType.POINT)
    idx = classes.index(adressen[column].to_numpy()[points])
    xy = np.round(shapely.get_coordinates(drawn[points]), DECIMALS)
    geoms, props = [], []
    for k in [*range(len(classes.colours)), -1]:
        sel = idx == k
        n = int(sel.sum())
        if not n:
            continue
        geoms.append({"type": "MultiPoint", "coordinates": xy[sel].tolist()})
        props.append({"klasse": html_text(f"{label}: {classes.label(k)} ({fmt.number(n)} woningen)"), "_c": k})
    data = feature_collection(geoms, props)

    def style(feature: dict[str, Any]) -> dict[str, Any]:
        return {
            "fill": True,
            "fillColor": classes.colour(feature["properties"]["_c"]),
            "color": POINT_EDGE,
            "weight": 0.5,
            "fillOpacity": 0.9,
            "radius": radius,
        }

    marker = folium.CircleMarker(radius=radius, fill=True)
    if canvas:
        options: dict[str, Any] = marker.options  # folium's type leaves out JsCode values
        options["renderer"] = JsCode(f"{m.get_name()}_canvas")
    layer = folium.GeoJson(
        data,
        name=html_text(label),
        show=show,
        style_function=style,
        marker=marker,
        tooltip=folium.GeoJsonTooltip(fields=["klasse"], labels=False),
    )
    layer.add_to(m)
    if legend:
        add_legend(m, legend_title or label, classes, layers=[layer], symbol="circle", subtitle=legend_subtitle)
    remember_layer(m, layer)
    return m
