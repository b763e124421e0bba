"""Layers: each add_* function adds one layer to a folium.Map and returns the map."""

from __future__ import annotations

import base64
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core.errors import DataFileError, MissingDataError
from woonzorg_geo.core.files import write_text

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    import folium

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.palette import (
    AREA_EDGE,
    AREA_OPACITY,
    FEW_ADDRESSES_OPACITY,
    MAIN_ROADS,
    OTHER_ROAD,
    PCT_CLASSES,
    POINT_EDGE,
    TIME_CLASSES,
    WIJK_OUTLINE,
    Classes,
    few_addresses_label,
    rgb,
)
from woonzorg_geo.core.vocabulary import Vocabulary, default_vocabulary
from woonzorg_geo.outputs.maps.base import (
    LABEL_PANE,
    _bron_text,
    _check_crs,
    _esc,
    _feature_collection,
    _metric,
    _need,
    _remember,
    _to_wgs84,
    add_legend,
)
from woonzorg_geo.outputs.maps.captions import destination, voorzieningen_caption
from woonzorg_geo.outputs.maps.style import (
    _ROAD_STYLE,
    DECIMALS,
    DISTANCE_CLASSES,
    MAX_MAP_BYTES,
    RD,
    WEB_MERCATOR,
    WGS84,
    _ordered,
    category,
    nl_number,
)

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------


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
    _need(areas, [column], "add_choropleth: gebieden")
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
    frame = _to_wgs84(areas, "add_choropleth: gebieden", simplify_m=simplify_m)
    idx = classes.index(frame[column])
    counts = (
        pd.to_numeric(frame[count_column], errors="coerce")
        if count_column in frame.columns
        else pd.Series(np.nan, index=frame.index)
    )
    few = (counts < min_count).to_numpy() & (idx >= 0) if min_count > 0 else np.zeros(len(frame), bool)
    keys = [f"f{i}" for i in range(len(fields))]
    props = []
    for (_, row), k, n, weak in zip(frame.iterrows(), idx, counts, few):
        # folium's GeoJsonPopup and GeoJsonTooltip put the values into innerHTML: escaped here
        p: dict[str, Any] = {key: _esc(vocab.format(col, row[col])) for key, col in zip(keys, fields)}
        p["_c"] = int(k)
        p["_few"] = bool(weak)
        p["_tip"] = _esc(_tooltip(row, name_column, n, weak))
        props.append(p)
    data = _feature_collection(frame.geometry.values, props)
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
        name=_esc(label),  # Leaflet's layer control shows layer names as HTML
        style_function=style,
        show=show,
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
        popup=folium.GeoJsonPopup(fields=keys, aliases=[_esc(vocab.field_label(f)) for f in fields], labels=True),
        tooltip=folium.GeoJsonTooltip(fields=["_tip"], labels=False),
    )
    layer.add_to(m)
    _remember(m, layer)
    if legend:
        items: list[tuple[str, str]] = list(classes.items())
        if few.any():
            r, g, b = rgb(classes.colours[0])
            items.append((f"rgba({r},{g},{b},{FEW_ADDRESSES_OPACITY})", few_addresses_label(min_count)))
        add_legend(m, legend_title or label, items, layers=[layer], subtitle=legend_subtitle)
    return m


def _tooltip(row: pd.Series, name_column: str, count: Any, few: bool) -> str:
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

    _need(areas, [label_column], "add_area_outlines: gebieden")
    frame = _to_wgs84(areas, "add_area_outlines: gebieden", simplify_m=simplify_m)
    group = folium.FeatureGroup(name=_esc(name), show=show)
    data = _feature_collection(frame.geometry.values, [{"naam": _esc(v)} for v in frame[label_column]])
    style = {"color": colour, "weight": weight, "fill": False, "interactive": False}
    if dash:
        style["dashArray"] = dash
    folium.GeoJson(data, style_function=lambda f, s=style: s, control=False).add_to(group)
    markers = []
    if labels:
        metric = _metric(areas, "add_area_outlines: gebieden")
        if label_filter is not None:
            metric = metric[np.asarray(label_filter, dtype=bool)]
        metric = metric[metric.geometry.notna() & ~metric.geometry.is_empty]
        weight_of = (
            pd.to_numeric(metric[priority_column], errors="coerce").fillna(0).to_numpy()
            if priority_column in metric.columns
            else metric.geometry.area.to_numpy()
        )
        pts = _to_wgs84(
            gpd.GeoDataFrame(
                {label_column: metric[label_column].to_numpy(), "_w": weight_of},
                geometry=metric.geometry.representative_point().to_numpy(),
                crs=RD,
            ),
            "add_area_outlines: labels",
        )
        cls = "wz-label wz-small" if small else "wz-label"
        for geom, text, w in zip(pts.geometry, pts[label_column], pts["_w"]):
            icon = folium.DivIcon(
                html=f'<div class="{cls}"><span>{_esc(text)}</span></div>',
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
        from woonzorg_geo.outputs.maps.base import _add_js

        entries = ", ".join(f"[{int(label_rank)}, {w:.0f}, {mk.get_name()}]" for mk, w in markers)
        _add_js(m, f"{m.get_name()}._wzLabels.push({entries}); {m.get_name()}._wzDeclutter();")
    _remember(m, group)
    return m


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

    _need(vz, ["categorie"], "add_voorzieningen: voorzieningen")
    frame = _to_wgs84(vz, "add_voorzieningen: voorzieningen")
    frame = frame[frame.geometry.geom_type == "Point"]
    cats = _ordered(frame["categorie"].dropna().astype(str)) if categories is None else list(categories)
    layers, items = [], []
    for cat in cats:
        sub = frame[frame["categorie"] == cat]
        if sub.empty:
            continue
        sym = category(cat)
        props = []
        for _, row in sub.iterrows():
            naam = row.get("naam")
            naam = "(naam onbekend)" if naam is None or pd.isna(naam) or not str(naam).strip() else str(naam)
            soort = row.get("label")
            soort = sym.label if soort is None or pd.isna(soort) else str(soort)
            bron = _bron_text(row.get("bron"), row.get("bron_datum"))
            props.append({"naam": _esc(naam), "soort": _esc(soort), "bron": _esc(bron)})
        data = _feature_collection(sub.geometry.values, props)
        long = " wz-long" if len(sym.letter) > 1 else ""
        icon = folium.DivIcon(
            html=f'<div class="wz-vz{long}" style="background:{sym.colour}">{_esc(sym.letter)}</div>',
            icon_size=(22, 22),
            icon_anchor=(11, 11),
            popup_anchor=(0, -10),
            class_name="wz-vz-icon",
        )
        on = show if isinstance(show, bool) else cat in set(show)
        layer = folium.GeoJson(
            data,
            name=_esc(f"{prefix}{sym.label} ({len(sub)})"),
            show=on,
            marker=folium.Marker(icon=icon, title=sym.label),  # title: set as a property, not HTML
            popup=folium.GeoJsonPopup(fields=["naam", "soort", "bron"], aliases=["Naam", "Soort", "Bron"]),
            tooltip=folium.GeoJsonTooltip(fields=["naam"], labels=False),
        )
        layer.add_to(m)
        _remember(m, layer)
        layers.append(layer)
        items.append((sym.colour, sym.label, sym.letter))
    if legend and layers:
        cap = voorzieningen_caption(vz, cats)
        add_legend(m, cap.title, items, layers=layers, symbol="letter", rows_follow_layers=True, subtitle=cap.subtitle)
    return m


def add_service_areas(
    m: folium.Map,
    areas: gpd.GeoDataFrame,
    *,
    categories: Sequence[str] | None = None,
    show: bool | Iterable[str] = False,
    radius_m: float | None = None,
    simplify_m: float = 5.0,
    opacity: float = 0.3,
    legend_subtitles: Mapping[str, str] | None = None,
) -> folium.Map:
    """Add walking areas (within the norm of a voorziening), merged into one layer per category.

    ``areas`` is the ``servicegebieden`` layer (``categorie``, optional ``straal_m``), in any
    CRS; pass one profile's rows. Layer names read ``Loopgebied <straal> m: Huisarts``. With
    ``legend_subtitles`` (category → for whom and from which data, see :mod:`.captions`) each
    layer carries a legend while it is on: ``Binnen 800 m lopen naar de dichtstbijzijnde huisarts``.
    """
    import folium

    _need(areas, ["categorie"], "add_service_areas: servicegebieden")
    metric = _metric(areas, "add_service_areas: servicegebieden")
    if radius_m is None and "straal_m" in metric and metric["straal_m"].notna().any():
        radius_m = float(metric["straal_m"].dropna().iloc[0])
    radius_txt = f"{nl_number(radius_m)} m" if radius_m else "norm"
    cats = _ordered(metric["categorie"].dropna().astype(str)) if categories is None else list(categories)
    for cat in cats:
        sub = metric[metric["categorie"] == cat]
        if sub.empty:
            continue
        sym = category(cat)
        shape = shapely.union_all(shapely.make_valid(sub.geometry.values)).simplify(simplify_m)
        geo = _to_wgs84(gpd.GeoDataFrame(geometry=[shape], crs=RD), "servicegebied")
        if geo.empty:
            continue
        tip = f"Binnen {radius_txt} lopen van een {default_vocabulary().noun(cat)}"
        legend_title = f"Binnen {radius_txt} lopen naar {destination(default_vocabulary(), cat)}"
        data = _feature_collection(geo.geometry.values, [{"tip": _esc(tip)}])
        style = {"color": sym.colour, "weight": 1, "fillColor": sym.colour, "fillOpacity": opacity}
        on = show if isinstance(show, bool) else cat in set(show)
        layer = folium.GeoJson(
            data,
            name=_esc(f"Loopgebied {radius_txt}: {sym.label}"),
            show=on,
            style_function=lambda f, s=style: s,
            tooltip=folium.GeoJsonTooltip(fields=["tip"], labels=False),
        )
        layer.add_to(m)
        _remember(m, layer)
        if legend_subtitles is not None:
            swatch = f"rgba({','.join(str(v) for v in rgb(sym.colour))},{opacity})"
            add_legend(
                m,
                legend_title,
                [(swatch, f"{sym.label}: loopgebied")],
                layers=[layer],
                subtitle=legend_subtitles.get(cat, ""),
            )
    return m


@dataclass
class SurfaceImage:
    """A classified surface warped to Web Mercator: RGBA pixels and their exact lat/lon bounds."""

    rgba: np.ndarray  # (rows, cols, 4) uint8, row 0 = north
    bounds: list[list[float]]  # [[south, west], [north, east]]
    transform: Any  # affine.Affine in EPSG:3857
    values: np.ndarray = field(repr=False)  # the warped distances (NaN = no data)


def surface_image(
    tif_path: str | Path, *, classes: Classes = DISTANCE_CLASSES, max_pixels: int = 4_000_000
) -> SurfaceImage:
    """Read a surface GeoTIFF, warp it to EPSG:3857 (nearest cell) and colour it by ``classes``.

    Leaflet draws in Web Mercator, so an image in EPSG:3857 stretched over the lat/lon of its
    corners lands exactly on its cells. Empty cells (and rows/columns of them at the edges) are
    transparent / cropped.
    """
    import rasterio
    from affine import Affine
    from pyproj import Transformer
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    path = Path(tif_path)
    if not path.is_file():
        raise MissingDataError(path, "draai eerst `woonzorg-geo analyse` (schrijft de bereikbaarheid_*.tif)")
    with rasterio.open(path) as src:
        if src.crs is None:
            raise DataFileError(
                path,
                "GeoTIFF zonder coördinatenstelsel",
                field="crs",
                fix="schrijf het raster opnieuw met een CRS (EPSG:28992)",
            )
        arr = src.read(1).astype(np.float32)
        if src.nodata is not None and not np.isnan(src.nodata):
            arr[arr == src.nodata] = np.nan
        src_crs, src_transform = src.crs, src.transform
        transform, width, height = calculate_default_transform(
            src_crs, WEB_MERCATOR, src.width, src.height, *src.bounds
        )
        if width * height > max_pixels:
            res = abs(transform.a) * math.sqrt(width * height / max_pixels)
            transform, width, height = calculate_default_transform(
                src_crs, WEB_MERCATOR, src.width, src.height, *src.bounds, resolution=res
            )
    dst = np.full((height, width), np.nan, dtype=np.float32)
    reproject(
        arr,
        dst,
        src_transform=src_transform,
        src_crs=src_crs,
        dst_transform=transform,
        dst_crs=WEB_MERCATOR,
        src_nodata=np.nan,
        dst_nodata=np.nan,
        resampling=Resampling.nearest,
    )
    ok = np.isfinite(dst)
    if ok.any():  # crop empty edges
        rows, cols = np.flatnonzero(ok.any(axis=1)), np.flatnonzero(ok.any(axis=0))
        r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        dst = dst[r0:r1, c0:c1]
        transform = transform @ Affine.translation(c0, r0)
    h, w = dst.shape
    idx = classes.index(dst).reshape(h, w)
    palette = np.array([rgb(c) + (255,) for c in classes.colours] + [(0, 0, 0, 0)], dtype=np.uint8)
    rgba = palette[np.where(idx < 0, len(classes.colours), idx)]
    left, top = transform.c, transform.f
    right, bottom = left + w * transform.a, top + h * transform.e
    to_ll = Transformer.from_crs(WEB_MERCATOR, WGS84, always_xy=True)
    west, south = to_ll.transform(left, bottom)
    east, north = to_ll.transform(right, top)
    return SurfaceImage(rgba, [[south, west], [north, east]], transform, dst)


def add_surface(
    m: folium.Map,
    tif_path: str | Path,
    *,
    label: str,
    classes: Classes = DISTANCE_CLASSES,
    legend_title: str | None = None,
    show: bool = False,
    opacity: float = 0.6,
    legend: bool = True,
    legend_subtitle: str = "",
) -> folium.Map:
    """Add an accessibility surface (GeoTIFF, metres) as a coloured image overlay with a legend.

    Parameters
    ----------
    m
        The map.
    tif_path
        A ``bereikbaarheid_<categorie>_<profiel>.tif`` (any CRS; NaN = no data).
    label
        Dutch layer name (e.g. ``Loopafstand (vlak): Huisarts``).
    classes
        Distance classes (default: :data:`.style.DISTANCE_CLASSES`, steps of half the norm).
    legend_title
        Legend title (default: ``label``); the legend shows while the layer is on.
    show
        Whether the layer is on when the map opens.
    legend_subtitle
        For whom and from which data (see :mod:`.captions`).
    """
    import folium
    from branca.utilities import write_png

    img = surface_image(tif_path, classes=classes)
    url = "data:image/png;base64," + base64.b64encode(write_png(img.rgba)).decode("ascii")
    layer = folium.raster_layers.ImageOverlay(
        url,
        bounds=img.bounds,
        name=_esc(label),
        show=show,
        opacity=opacity,
        pixelated=True,
        interactive=False,
    )
    layer.add_to(m)
    _remember(m, layer)
    if legend:
        add_legend(m, legend_title or label, classes.items(missing=False), layers=[layer], subtitle=legend_subtitle)
    return m


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

    _need(adressen, [column], "add_homes: adressen")
    frame = _to_wgs84(adressen[[column, adressen.geometry.name]], "add_homes: adressen")
    frame = frame[frame.geometry.geom_type == "Point"]
    idx = classes.index(frame[column])
    xy = np.round(shapely.get_coordinates(frame.geometry.values), DECIMALS)
    geoms, props = [], []
    for k in [*range(len(classes.colours)), -1]:
        sel = idx == k
        n = int(sel.sum())
        if not n:
            continue
        geoms.append({"type": "MultiPoint", "coordinates": xy[sel].tolist()})
        props.append({"klasse": _esc(f"{label}: {classes.label(k)} ({nl_number(n)} woningen)"), "_c": k})
    data = _feature_collection(geoms, props)

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
        name=_esc(label),
        show=show,
        style_function=style,
        marker=marker,
        tooltip=folium.GeoJsonTooltip(fields=["klasse"], labels=False),
    )
    layer.add_to(m)
    if legend:
        add_legend(m, legend_title or label, classes, layers=[layer], symbol="circle", subtitle=legend_subtitle)
    _remember(m, layer)
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

    _need(netwerk, ["klasse"], "add_context: netwerk")
    lines = _metric(netwerk, "add_context: netwerk")
    lines = lines[lines["klasse"].isin(list(road_classes))]
    if within is not None and len(lines):
        area = gpd.GeoSeries(within.geometry)
        _check_crs(area, "add_context: within")
        shape = area.to_crs(RD).union_all()
        lines = lines.iloc[np.unique(lines.sindex.query(shape, predicate="intersects"))]
    group = folium.FeatureGroup(name=_esc(name), show=show)
    order = sorted(road_classes, key=lambda c: _ROAD_STYLE.get(c, ("", 1.0))[1])
    for cls in order:
        sub = lines[lines["klasse"] == cls]
        if sub.empty:
            continue
        merged = shapely.line_merge(shapely.union_all(sub.geometry.values)).simplify(simplify_m)
        geo = _to_wgs84(gpd.GeoDataFrame(geometry=[merged], crs=RD), "wegen")
        if geo.empty:
            continue
        colour, weight = _ROAD_STYLE.get(cls, (OTHER_ROAD, 1.0))
        style = {"color": colour, "weight": weight, "opacity": 0.9, "interactive": False}
        folium.GeoJson(
            _feature_collection(geo.geometry.values, [{}]), style_function=lambda f, s=style: s, control=False
        ).add_to(group)
    group.add_to(m)
    _remember(m, group)
    return m


def render(m: folium.Map) -> str:
    """The map as a standalone HTML page."""
    return m.get_root().render()


def save_map(m: folium.Map, path: str | Path, *, max_bytes: int = MAX_MAP_BYTES) -> Path:
    """Write the map as HTML atomically; warns when the file is larger than ``max_bytes``."""
    text = render(m)
    size = len(text.encode("utf-8"))
    if size > max_bytes:
        log.warning("kaart %s is %.1f MB (meer dan %.0f MB)", path, size / 1e6, max_bytes / 1e6)
    out = write_text(path, text)
    log.info("kaart geschreven: %s (%.2f MB)", out, size / 1e6)
    return out
