"""QGIS styles inside ``woonzorg.gpkg`` and a QGIS project beside it (``woonzorg.qgz``).

The styles are QML documents, generated here as XML text from the one palette
(:mod:`woonzorg_geo.core.palette`), so a layer looks in QGIS as it does on the Folium maps and in the
print figures. They are stored in the GeoPackage's ``layer_styles`` table, the convention QGIS
uses for styles kept in a data source (columns ``f_table_catalog`` … ``update_time``; one style per
layer is ``useAsDefault``), so a GIS colleague who drags a layer of ``woonzorg.gpkg`` into QGIS sees
it styled. ``woonzorg.qgz`` (a zip holding ``woonzorg.qgs``) opens every layer at once, in a sensible
order with Dutch names, on the built-up area, with paths relative to the project
(``./woonzorg.gpkg|layername=…``) so the folder can be moved.

Styled layers: ``adressen`` (walking time to the huisarts), ``buurten`` (share with OV and a
supermarket within the norm; also focus and veerkracht), ``wijken`` (the same share; also balans),
``voorzieningen`` (by category), ``netwerk`` (roads by class), ``servicegebieden`` (walking areas
by category), ``kandidaatlocaties`` and ``kandidaatcellen`` (score). No QGIS is needed to write them.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from woonzorg_geo.core import provenance
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.escaping import xml_text
from woonzorg_geo.core.palette import (
    AREA_EDGE,
    AREA_OPACITY,
    FEW_ADDRESSES_OPACITY,
    FOCUS_CLASSES,
    FOCUS_ORDER,
    MAIN_ROADS,
    PATH_COLOUR,
    PCT_CLASSES,
    POINT_EDGE,
    RANK_COLOUR,
    ROAD_STYLE,
    SCORE_CLASSES,
    TIME_CLASSES,
    VEERKRACHT_CLASSES,
    VEERKRACHT_ORDER,
    WIJK_OUTLINE,
    Classes,
    balance_classes,
    few_addresses_label,
    rgb,
)
from woonzorg_geo.core.vocabulary import REPORT_NORM, Vocabulary

log = logging.getLogger(__name__)

RD_EPSG = 28992
#: The QGIS version the documents are written for (Debian 12's QGIS; read by every QGIS 3).
QGIS_VERSION = "3.22.16-Białowieża"
PROJECT_NAME = "woonzorg.qgz"
#: Millimetres per screen pixel (the Leaflet widths are in pixels; QGIS symbols in mm).
MM_PER_PX = 0.26

# --------------------------------------------------------------------------------------------
# Symbols, rules, styles
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Symbol:
    """One QGIS symbol: a fill (polygons), marker (points) or line."""

    kind: str  # "fill", "marker" or "line"
    colour: str
    opacity: float = 1.0
    outline: str = AREA_EDGE
    width_mm: float = 0.26
    size_mm: float = 2.0
    dashed: bool = False
    filled: bool = True


@dataclass(frozen=True)
class Rule:
    """A rule of a rule-based renderer: the legend label, the filter expression and the symbol."""

    label: str
    filter: str
    symbol: Symbol


@dataclass(frozen=True)
class Style:
    """A named style of one layer: rules, optional labels, and whether it is the layer's default."""

    layer: str
    name: str
    title: str  # the Dutch layer name in the project
    rules: tuple[Rule, ...]
    label_field: str | None = None
    label_size: float = 9.0
    default: bool = True
    visible: bool = True
    subset: str = ""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def qml(self) -> str:
        """The style as a QML document."""
        return qml_document(self)


def _q(name: str) -> str:
    """A field name quoted for a QGIS expression."""
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _num(x: float) -> str:
    return repr(float(x))


def class_rules(
    column: str,
    classes: Classes,
    kind: str,
    *,
    missing: bool = True,
    symbol: dict[str, Any] | None = None,
    values: Sequence[Any] | None = None,
) -> list[Rule]:
    """One rule per class of ``classes`` on ``column`` (the same limits as :meth:`Classes.index`:
    ``lower < v <= upper``), plus one for missing values.

    With ``values`` the classes are categories: class ``i`` is ``column = values[i]``.
    """
    symbol = symbol or {}
    col = _q(column)
    rules = []
    for i, (colour, label) in enumerate(zip(classes.colours, classes.labels)):
        if values is not None:
            flt = f"{col} = {_lit(values[i])}"
        else:
            lo, hi = classes.bounds(i)
            parts = [f"{col} IS NOT NULL"]
            if lo is not None:
                parts.append(f"{col} > {_num(lo)}")
            if hi is not None:
                parts.append(f"{col} <= {_num(hi)}")
            flt = " AND ".join(parts)
        rules.append(Rule(label, flt, Symbol(kind, colour, **symbol)))
    if missing:
        if values is not None:
            known = ", ".join(_lit(v) for v in values)
            flt = f"{col} IS NULL OR {col} NOT IN ({known})"
        else:
            flt = f"{col} IS NULL"
        rules.append(Rule(classes.missing_label, flt, Symbol(kind, classes.missing_colour, **symbol)))
    return rules


def few_rule(min_count: int, *, column: str = "n_adressen") -> Rule:
    """The lighter tone of areas with few addresses: a white veil over their class colour, so that the
    colour keeps :data:`~woonzorg_geo.core.palette.FEW_ADDRESSES_OPACITY` of its strength (as on the maps)."""
    veil = 1 - FEW_ADDRESSES_OPACITY / AREA_OPACITY
    return Rule(
        few_addresses_label(min_count),
        f"{_q(column)} < {int(min_count)}",
        Symbol("fill", "#ffffff", opacity=veil, outline="#ffffff", width_mm=0.0),
    )


# --------------------------------------------------------------------------------------------
# QML
# --------------------------------------------------------------------------------------------


def _rgba(colour: str, opacity: float = 1.0) -> str:
    r, g, b = rgb(colour)
    return f"{r},{g},{b},{round(255 * max(0.0, min(1.0, opacity)))}"


def _props(props: dict[str, str]) -> str:
    """Symbol layer properties in both forms QGIS reads (``<Option>`` map and the older ``<prop>``)."""
    opts = "".join(f'<Option type="QString" name="{k}" value="{xml_text(v)}"/>' for k, v in props.items())
    old = "".join(f'<prop k="{k}" v="{xml_text(v)}"/>' for k, v in props.items())
    return f'<Option type="Map">{opts}</Option>{old}'


_DDP = (
    '<data_defined_properties><Option type="Map"><Option type="QString" name="name" value=""/>'
    '<Option name="properties"/><Option type="QString" name="type" value="collection"/></Option>'
    "</data_defined_properties>"
)


def symbol_xml(sym: Symbol, name: str) -> str:
    """A ``<symbol>`` element."""
    if sym.kind == "fill":
        cls = "SimpleFill"
        props = {
            "color": _rgba(sym.colour, sym.opacity),
            "style": "solid" if sym.filled else "no",
            "outline_color": _rgba(sym.outline),
            "outline_style": "dash" if sym.dashed else ("no" if sym.width_mm <= 0 else "solid"),
            "outline_width": f"{sym.width_mm:g}",
            "outline_width_unit": "MM",
            "joinstyle": "bevel",
        }
    elif sym.kind == "marker":
        cls = "SimpleMarker"
        props = {
            "name": "circle",
            "color": _rgba(sym.colour, sym.opacity),
            "outline_color": _rgba(sym.outline),
            "outline_style": "no" if sym.width_mm <= 0 else "solid",
            "outline_width": f"{sym.width_mm:g}",
            "outline_width_unit": "MM",
            "size": f"{sym.size_mm:g}",
            "size_unit": "MM",
            "scale_method": "diameter",
        }
    elif sym.kind == "line":
        cls = "SimpleLine"
        props = {
            "line_color": _rgba(sym.colour, sym.opacity),
            "line_width": f"{sym.width_mm:g}",
            "line_width_unit": "MM",
            "line_style": "dash" if sym.dashed else "solid",
            "capstyle": "round",
            "joinstyle": "round",
        }
    else:
        raise ValueError(f"onbekende symboolsoort {sym.kind!r}")
    return (
        f'<symbol type="{sym.kind}" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">{_DDP}'
        f'<layer class="{cls}" enabled="1" locked="0" pass="0">{_props(props)}{_DDP}</layer></symbol>'
    )


def renderer_xml(rules: Sequence[Rule]) -> str:
    """A rule-based ``<renderer-v2>`` element."""
    rule_els, sym_els = [], []
    for i, rule in enumerate(rules):
        rule_els.append(
            f'<rule key="{{{uuid.uuid5(uuid.NAMESPACE_URL, rule.label + rule.filter)}}}" '
            f'symbol="{i}" label="{xml_text(rule.label)}" filter="{xml_text(rule.filter)}"/>'
        )
        sym_els.append(symbol_xml(rule.symbol, str(i)))
    return (
        '<renderer-v2 type="RuleRenderer" forceraster="0" symbollevels="0" enableorderby="0" '
        'referencescale="-1"><rules key="{00000000-0000-0000-0000-000000000000}">'
        + "".join(rule_els)
        + "</rules><symbols>"
        + "".join(sym_els)
        + "</symbols></renderer-v2>"
    )


def labeling_xml(field_name: str, *, size: float = 9.0, bold: bool = True) -> str:
    """Labels from ``field_name`` with a white halo; QGIS places them so that none overlap."""
    weight = 75 if bold else 50
    return (
        '<labeling type="simple"><settings calloutType="simple">'
        f'<text-style fieldName="{xml_text(field_name)}" isExpression="0" fontFamily="DejaVu Sans" '
        f'fontSize="{size:g}" fontSizeUnit="Point" fontWeight="{weight}" fontItalic="0" '
        f'namedStyle="{"Bold" if bold else "Book"}" textColor="26,26,26,255" textOpacity="1" '
        'multilineHeight="1" allowHtml="0" capitalization="0">'
        "<families/>"
        '<text-buffer bufferDraw="1" bufferSize="1" bufferSizeUnits="MM" bufferColor="255,255,255,255" '
        'bufferOpacity="0.9" bufferNoFill="1" bufferJoinStyle="128" bufferBlendMode="0"/>'
        '<text-mask maskEnabled="0"/><background shapeDraw="0"/><shadow shadowDraw="0"/>'
        '<dd_properties><Option type="Map"><Option type="QString" name="name" value=""/>'
        '<Option name="properties"/><Option type="QString" name="type" value="collection"/></Option></dd_properties>'
        "<substitutions/></text-style>"
        '<text-format wrapChar="" autoWrapLength="0" multilineAlign="3" plussign="0" reverseDirectionSymbol="0" '
        'addDirectionSymbol="0" formatNumbers="0" decimals="3" leftDirectionSymbol="&lt;" rightDirectionSymbol="&gt;" '
        'placeDirectionSymbol="0" useMaxLineLengthForAutoWrap="1"/>'
        '<placement placement="1" placementFlags="10" centroidWhole="0" centroidInside="1" fitInPolygonOnly="0" '
        'offsetType="0" quadOffset="4" xOffset="0" yOffset="0" offsetUnits="MM" priority="5" dist="0" '
        'distUnits="MM" repeatDistance="0" overrunDistance="0" lineAnchorPercent="0.5" lineAnchorType="0" '
        'layerType="PolygonGeometry" maxCurvedCharAngleIn="25" maxCurvedCharAngleOut="-25" rotationAngle="0" '
        'preserveRotation="1" overlapHandling="PreventOverlap" allowDegraded="0"/>'
        '<rendering obstacle="1" obstacleFactor="1" obstacleType="1" displayAll="0" upsidedownLabels="0" '
        'limitNumLabels="0" maxNumLabels="2000" minFeatureSize="0" labelPerPart="0" mergeLines="0" '
        'scaleVisibility="0" scaleMin="0" scaleMax="0" fontLimitPixelSize="0" fontMinPixelSize="3" '
        'fontMaxPixelSize="10000" drawLabels="1" zIndex="0" unplacedVisibility="0"/>'
        '<dd_properties><Option type="Map"><Option type="QString" name="name" value=""/>'
        '<Option name="properties"/><Option type="QString" name="type" value="collection"/></Option></dd_properties>'
        '<callout type="simple"><Option type="Map"><Option type="QString" name="name" value="simple"/>'
        '<Option name="properties"/><Option type="QString" name="type" value="collection"/>'
        '<Option type="bool" name="enabled" value="false"/></Option></callout>'
        "</settings></labeling>"
    )


def _style_body(style: Style) -> str:
    body = renderer_xml(style.rules)
    if style.label_field:
        body += labeling_xml(style.label_field, size=style.label_size)
    return body + "<blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity>"


def qml_document(style: Style) -> str:
    """The QML document of a style (symbology and labels)."""
    labels = "1" if style.label_field else "0"
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis version="{QGIS_VERSION}" styleCategories="Symbology|Labeling" labelsEnabled="{labels}">'
        f"{_style_body(style)}</qgis>\n"
    )


# --------------------------------------------------------------------------------------------
# The styles of the woonzorg layers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LayerInfo:
    """What the styles need to know of a layer in the GeoPackage."""

    name: str
    geometry_type: str
    geometry_column: str
    fields: tuple[str, ...]
    categories: tuple[str, ...] = ()  # distinct values of ``categorie`` (voorzieningen, servicegebieden)


def read_layers(gpkg: str | Path) -> dict[str, LayerInfo]:
    """The layers of a GeoPackage with their geometry, fields and categories."""
    import pyogrio

    out = {}
    for name, geom in pyogrio.list_layers(gpkg):
        if geom is None or name == "layer_styles":
            continue
        info = pyogrio.read_info(gpkg, layer=name)
        fields = tuple(str(f) for f in info["fields"])
        cats: tuple[str, ...] = ()
        if "categorie" in fields:
            with sqlite3.connect(str(gpkg)) as con:
                cats = tuple(
                    str(r[0])
                    for r in con.execute(f'SELECT DISTINCT categorie FROM "{name}" WHERE categorie IS NOT NULL')
                )
        out[str(name)] = LayerInfo(str(name), str(geom), str(info.get("geometry_name") or "geom"), fields, cats)
    return out


#: The order of the layers in the project, top to bottom (drawn last to first).
LAYER_ORDER = (
    "voorzieningen",
    "kandidaatlocaties",
    "kandidaatcellen",
    "adressen",
    "wijken",
    "buurten",
    "servicegebieden",
    "netwerk",
)


def woonzorg_styles(layers: dict[str, LayerInfo], *, settings: Settings, vocabulary: Vocabulary) -> list[Style]:
    """Every style of the layers present, in project order (defaults first per layer).

    The classes are the palette's; the column names follow the run's vocabulary (norm, main profile).
    """
    vocab = vocabulary
    min_count = settings.kaarten.min_adressen
    styles: list[Style] = []
    area = {"opacity": AREA_OPACITY, "outline": AREA_EDGE, "width_mm": 0.2}

    def has(layer: str, *cols: str) -> bool:
        return layer in layers and all(c in layers[layer].fields for c in cols)

    pct = vocab.pct(REPORT_NORM)
    share = f"% woningen met {vocab.share_label(REPORT_NORM)}"

    def share_rules(layer: str) -> list[Rule]:
        rules = class_rules(pct, PCT_CLASSES, "fill", symbol=area)
        if min_count > 0 and has(layer, "n_adressen"):
            rules.append(few_rule(min_count))
        return rules

    if "voorzieningen" in layers:
        cats = vocab.ordered(layers["voorzieningen"].categories)
        rules = [
            Rule(
                f"{vocab.label(c)}",
                f'"categorie" = {_lit(c)}',
                Symbol("marker", vocab.colour(c), outline="#ffffff", width_mm=0.3, size_mm=2.6),
            )
            for c in cats
        ]
        styles.append(
            Style(
                "voorzieningen",
                "voorzieningen per categorie",
                "Voorzieningen",
                tuple(rules),
                description="voorzieningen, één kleur per categorie",
            )
        )
    if has("kandidaatlocaties", "score"):
        styles.append(
            Style(
                "kandidaatlocaties",
                "score",
                "Zoekgebieden geclusterd wonen (score)",
                tuple(
                    class_rules(
                        "score",
                        SCORE_CLASSES,
                        "fill",
                        symbol={"opacity": 0.85, "outline": RANK_COLOUR, "width_mm": 0.4},
                    )
                ),
                label_field="rang" if has("kandidaatlocaties", "rang") else None,
                label_size=8,
                description="zoekgebieden met hun rang, gekleurd naar score",
            )
        )
    if has("kandidaatcellen", "score"):
        styles.append(
            Style(
                "kandidaatcellen",
                "score",
                "Kandidaatcellen: score (0–1)",
                tuple(class_rules("score", SCORE_CLASSES, "fill", symbol={**area, "opacity": 0.5})),
                visible=False,
                description="beoordeelde cellen van 100 m",
            )
        )
    time_col = vocab.column("tijd_huisarts_min")
    if "adressen" in layers:
        have = layers["adressen"].fields
        if time_col not in have:
            time_col = next((f for f in have if f.startswith("tijd_") and f.endswith("_min")), "")
        if time_col:
            cat = time_col[len("tijd_") : -len("_min")]
            styles.append(
                Style(
                    "adressen",
                    "looptijd",
                    f"Adressen: looptijd naar {vocab.noun(cat)}",
                    tuple(
                        class_rules(
                            time_col,
                            TIME_CLASSES,
                            "marker",
                            symbol={"outline": POINT_EDGE, "width_mm": 0.0, "size_mm": 1.1},
                        )
                    ),
                    visible=False,
                    description=f"adressen naar looptijd te voet ({time_col})",
                )
            )
    if has("wijken", pct):
        label = "naam" if has("wijken", "naam") else None
        styles.append(
            Style(
                "wijken",
                "grenzen",
                "Wijkgrenzen en namen",
                (
                    Rule(
                        "wijkgrens", "", Symbol("fill", WIJK_OUTLINE, filled=False, outline=WIJK_OUTLINE, width_mm=0.6)
                    ),
                ),
                label_field=label,
                default=False,
                description="wijkgrenzen met namen",
            )
        )
        if has("wijken", "balans"):
            o = settings.overlays
            styles.append(
                Style(
                    "wijken",
                    "balans",
                    "Wijken: balans draagkracht − draaglast",
                    tuple(
                        class_rules("balans", balance_classes(o.balans_grenzen, o.balans_labels), "fill", symbol=area)
                    ),
                    label_field=label,
                    default=False,
                    visible=False,
                    description="balans = draagkracht − draaglast, klassen uit [overlays]",
                )
            )
        styles.append(
            Style(
                "wijken",
                "bereikbaarheid",
                f"Wijken: {share}",
                tuple(share_rules("wijken")),
                label_field=label,
                visible=False,
                description=share,
            )
        )
    if has("buurten", pct):
        for col, order, classes, title in (
            ("veerkracht", VEERKRACHT_ORDER, VEERKRACHT_CLASSES, "Buurten: veerkracht"),
            ("focus", FOCUS_ORDER, FOCUS_CLASSES, "Buurten: focus"),
        ):
            if has("buurten", col):
                values = sorted(order, key=order.__getitem__)
                rules = class_rules(col, classes, "fill", symbol=area, values=values)
                if min_count > 0 and has("buurten", "n_adressen"):
                    rules.append(few_rule(min_count))
                styles.append(
                    Style(
                        "buurten",
                        col,
                        title,
                        tuple(rules),
                        default=False,
                        visible=False,
                        description=f"{col} per buurt",
                    )
                )
        styles.append(
            Style("buurten", "bereikbaarheid", f"Buurten: {share}", tuple(share_rules("buurten")), description=share)
        )
    if "servicegebieden" in layers:
        cats = [c for c in vocab.ordered(layers["servicegebieden"].categories) if c in vocab.key_categories]
        rules = [
            Rule(
                f"binnen {vocab.norm_text}: {vocab.noun(c)}",
                f'"categorie" = {_lit(c)}',
                Symbol("fill", vocab.colour(c), opacity=0.25, outline=vocab.colour(c), width_mm=0.2),
            )
            for c in cats
        ]
        subset = ""
        if "profiel" in layers["servicegebieden"].fields:
            subset = f'"profiel" = {_lit(vocab.main_profile)}'
        if rules:
            styles.append(
                Style(
                    "servicegebieden",
                    "per categorie",
                    f"Loopgebieden {vocab.norm_text}",
                    tuple(rules),
                    visible=False,
                    subset=subset,
                    description="gebied binnen de norm lopen van een voorziening, per categorie",
                )
            )
    if has("netwerk", "klasse"):
        road_classes = list(ROAD_STYLE)
        rules = [
            Rule(c, f'"klasse" = {_lit(c)}', Symbol("line", ROAD_STYLE[c][0], width_mm=ROAD_STYLE[c][1] * MM_PER_PX))
            for c in sorted(road_classes, key=lambda c: -ROAD_STYLE[c][1])
        ]
        others = ", ".join(_lit(c) for c in road_classes)
        rules.append(
            Rule(
                "paden en overige",
                f'"klasse" IS NULL OR "klasse" NOT IN ({others})',
                Symbol("line", PATH_COLOUR, width_mm=0.15),
            )
        )
        styles.append(
            Style(
                "netwerk",
                "wegen",
                "Looppaden en wegen (OpenStreetMap)",
                tuple(rules),
                description=f"het loopnetwerk; hoofdwegen: {', '.join(MAIN_ROADS)}",
            )
        )
    order = {name: i for i, name in enumerate(LAYER_ORDER)}
    return sorted(styles, key=lambda s: order.get(s.layer, len(order)))


# --------------------------------------------------------------------------------------------
# Writing: the layer_styles table and the project
# --------------------------------------------------------------------------------------------

_CREATE = """CREATE TABLE IF NOT EXISTS layer_styles (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  f_table_catalog TEXT(256),
  f_table_schema TEXT(256),
  f_table_name TEXT(256),
  f_geometry_column TEXT(256),
  styleName TEXT(30),
  styleQML TEXT,
  styleSLD TEXT,
  useAsDefault BOOLEAN,
  description TEXT,
  owner TEXT(30),
  ui TEXT(30),
  update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)"""


def write_layer_styles(gpkg: str | Path, styles: Sequence[Style], layers: dict[str, LayerInfo]) -> int:
    """Store ``styles`` in the GeoPackage's ``layer_styles`` table (replacing earlier rows of the same
    layers), registered in ``gpkg_contents`` so that GDAL and QGIS find it. Returns the number of rows."""
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    con = sqlite3.connect(str(gpkg))
    try:
        with con:
            con.execute(_CREATE)
            con.execute(
                "INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                "'QGIS-stijlen (woonzorg_geo)', ?)",
                (now,),
            )
            names = sorted({s.layer for s in styles})
            con.executemany("DELETE FROM layer_styles WHERE f_table_name = ?", [(n,) for n in names])
            rows = [
                (
                    "",
                    "",
                    s.layer,
                    layers[s.layer].geometry_column,
                    s.name,
                    s.qml(),
                    "",
                    1 if s.default else 0,
                    s.description,
                    "woonzorg_geo",
                    "",
                    now,
                )
                for s in styles
            ]
            con.executemany(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
                "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, "
                "ui, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
    finally:
        con.close()
    return len(styles)


def _srs_xml() -> str:
    import warnings

    from pyproj import CRS

    crs = CRS.from_epsg(RD_EPSG)
    with warnings.catch_warnings():  # PROJ warns that a PROJ string loses detail: QGIS reads the WKT
        warnings.simplefilter("ignore", UserWarning)
        proj4 = crs.to_proj4()
    return (
        '<spatialrefsys nativeFormat="Wkt">'
        f"<wkt>{xml_text(crs.to_wkt())}</wkt><proj4>{xml_text(proj4)}</proj4>"
        f"<srsid>2517</srsid><srid>{RD_EPSG}</srid><authid>EPSG:{RD_EPSG}</authid>"
        f"<description>{xml_text(crs.name)}</description><projectionacronym>sterea</projectionacronym>"
        "<ellipsoidacronym>EPSG:7004</ellipsoidacronym><geographicflag>false</geographicflag>"
        "</spatialrefsys>"
    )


_QGIS_GEOMETRY = {
    "Point": "Point",
    "MultiPoint": "Point",
    "LineString": "Line",
    "MultiLineString": "Line",
    "Polygon": "Polygon",
    "MultiPolygon": "Polygon",
}


def project_xml(
    styles: Sequence[Style],
    layers: dict[str, LayerInfo],
    *,
    gpkg_name: str,
    title: str,
    abstract: str,
    extent: tuple[float, float, float, float] | None,
) -> str:
    """The ``.qgs`` document: every style as a layer (Dutch name, stored symbology), top to bottom."""
    srs = _srs_xml()
    tree, maplayers = [], []
    for i, s in enumerate(styles):
        info = layers[s.layer]
        lid = f"{s.layer}_{i:02d}_{uuid.uuid5(uuid.NAMESPACE_URL, s.layer + s.name).hex[:12]}"
        source = f"./{gpkg_name}|layername={s.layer}"
        if s.subset:
            source += f"|subset={s.subset}"
        esc = xml_text(source)
        checked = "Qt::Checked" if s.visible else "Qt::Unchecked"
        tree.append(
            f'<layer-tree-layer id="{lid}" name="{xml_text(s.title)}" source="{esc}" providerKey="ogr" '
            f'checked="{checked}" expanded="{1 if s.visible else 0}"><customproperties/></layer-tree-layer>'
        )
        geom = _QGIS_GEOMETRY.get(info.geometry_type, "Polygon")
        labels = "1" if s.label_field else "0"
        maplayers.append(
            f'<maplayer type="vector" geometry="{geom}" labelsEnabled="{labels}" autoRefreshEnabled="0" '
            'refreshOnNotifyEnabled="0" readOnly="0" hasScaleBasedVisibilityFlag="0" minScale="100000000" '
            'maxScale="0" simplifyDrawingHints="1" simplifyAlgorithm="0" simplifyDrawingTol="1" simplifyLocal="1" '
            'simplifyMaxScale="1" styleCategories="AllStyleCategories">'
            f"<id>{lid}</id><datasource>{esc}</datasource><layername>{xml_text(s.title)}</layername>"
            f"<srs>{srs}</srs>"
            f'<abstract>{xml_text(s.description)}</abstract><provider encoding="UTF-8">ogr</provider>'
            f"{_style_body(s)}</maplayer>"
        )
    ext = ""
    if extent is not None:
        x0, y0, x1, y1 = extent
        ext = (
            f'<mapcanvas name="theMapCanvas" annotationsVisible="1"><units>meters</units>'
            f"<extent><xmin>{x0}</xmin><ymin>{y0}</ymin><xmax>{x1}</xmax><ymax>{y1}</ymax></extent>"
            f"<rotation>0</rotation><destinationsrs>{srs}</destinationsrs><rendermaptile>0</rendermaptile>"
            "</mapcanvas>"
            f'<ProjectViewSettings UseProjectScales="0" rotation="0"><Scales/>'
            f'<DefaultViewExtent xmin="{x0}" ymin="{y0}" xmax="{x1}" ymax="{y1}">{srs}</DefaultViewExtent>'
            "</ProjectViewSettings>"
        )
    return (
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        f'<qgis projectname="{xml_text(title)}" version="{QGIS_VERSION}">'
        f'<homePath path=""/><title>{xml_text(title)}</title>'
        '<autotransaction active="0"/><evaluateDefaultValues active="0"/><trust active="0"/>'
        f"<projectCrs>{srs}</projectCrs>"
        f"<layer-tree-group><customproperties/>{''.join(tree)}</layer-tree-group>"
        f"{ext}"
        f"<projectlayers>{''.join(maplayers)}</projectlayers>"
        # SpatialRefSys/ProjectionsEnabled: without it QGIS (3.22 at least) ignores <projectCrs> when it
        # reads the project and opens it with no CRS at all; ProjectCrs is what it falls back on
        '<properties><SpatialRefSys><ProjectionsEnabled type="int">1</ProjectionsEnabled>'
        f'<ProjectCrs type="QString">EPSG:{RD_EPSG}</ProjectCrs></SpatialRefSys>'
        '<Paths><Absolute type="bool">false</Absolute></Paths>'
        # lengths and areas measured on RD New's ellipsoid (Bessel 1841), as QGIS sets for a new RD project
        '<Measure><Ellipsoid type="QString">EPSG:7004</Ellipsoid></Measure>'
        '<Measurement><DistanceUnits type="QString">meters</DistanceUnits>'
        '<AreaUnits type="QString">m2</AreaUnits></Measurement></properties>'
        f"<projectMetadata><identifier></identifier><parentidentifier></parentidentifier><language>nl</language>"
        f"<type>dataset</type><title>{xml_text(title)}</title><abstract>{xml_text(abstract)}</abstract>"
        "<links/><author>woonzorg_geo</author></projectMetadata>"
        "</qgis>\n"
    )


def write_qgis(
    gpkg: str | Path,
    *,
    settings: Settings,
    vocabulary: Vocabulary,
    manifest: dict[str, Any] | None = None,
    project: str | Path | None = None,
) -> tuple[int, Path]:
    """Store the styles in ``gpkg`` and write the QGIS project beside it.

    Parameters
    ----------
    gpkg
        The ``woonzorg.gpkg`` of an output (being) written.
    settings, vocabulary
        The run's settings (``[kaarten]``, balans classes) and vocabulary (column names).
    manifest
        The output's manifest (sources and dates, for the project's abstract).
    project
        The ``.qgz`` to write (default ``woonzorg.qgz`` beside ``gpkg``).

    Returns
    -------
    (int, Path)
        The number of styles stored and the project file.
    """
    from woonzorg_geo.outputs.maps.geometry import built_up_bounds

    gpkg = Path(gpkg)
    layers = read_layers(gpkg)
    styles = woonzorg_styles(layers, settings=settings, vocabulary=vocabulary)
    defaults = [s for s in styles if s.default]
    n = write_layer_styles(gpkg, [*defaults, *[s for s in styles if not s.default]], layers)
    extent = None
    if "adressen" in layers:
        import geopandas as gpd

        pts = gpd.read_file(gpkg, layer="adressen", columns=[])
        if len(pts):
            extent = built_up_bounds(pts, quantile=settings.kaarten.bebouwd_kwantiel)
    manifest = manifest or {}
    gemeente = settings.gemeente.naam
    abstract = " ".join(
        p
        for p in (
            f"Wonen en zorg in gemeente {gemeente}: bereikbaarheid te voet, draagkracht en draaglast, zoekgebieden.",
            provenance.sources_line(manifest) + "." if provenance.sources_line(manifest) else "",
            "© OpenStreetMap contributors (ODbL); CBS / PDOK (CC BY 4.0).",
        )
        if p
    )
    xml = project_xml(
        styles, layers, gpkg_name=gpkg.name, title=f"Woonzorg {gemeente}", abstract=abstract, extent=extent
    )
    target = Path(project) if project is not None else gpkg.with_name(PROJECT_NAME)
    tmp = target.with_name(f".{target.name}.tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{target.stem}.qgs", xml)
    tmp.replace(target)
    log.info("%d QGIS-stijlen in %s; project %s", n, gpkg.name, target.name)
    return n, target
