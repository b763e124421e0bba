"""QGIS styles as QML: symbols, rule-based renderers and labels, written as XML text (no QGIS needed).

A :class:`Style` is the rules of one layer; :meth:`Style.qml` is the document QGIS reads from a
``.qml`` file or from a GeoPackage's ``layer_styles`` table, and :func:`style_body` its part that the
project (:mod:`.qgisproject`) embeds per layer. The colours come from :mod:`woonzorg_geo.core.palette`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from woonzorg_geo.core.escaping import xml_text
from woonzorg_geo.core.palette import AREA_EDGE, AREA_OPACITY, FEW_ADDRESSES_OPACITY, Classes, few_addresses_label, rgb

#: The QGIS version the documents are written for (Debian 12's QGIS; read by every QGIS 3).
QGIS_VERSION = "3.22.16-Białowieża"
#: Millimetres per screen pixel (the Leaflet widths are in pixels; QGIS symbols in mm).
MM_PER_PX = 0.26


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


def expression_field(name: str) -> str:
    """A field name quoted for a QGIS expression."""
    return '"' + name.replace('"', '""') + '"'


def expression_literal(value: str) -> str:
    """A text quoted as a literal of a QGIS expression."""
    return "'" + str(value).replace("'", "''") + "'"


def expression_number(x: float) -> str:
    """A number as a literal of a QGIS expression."""
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
    col = expression_field(column)
    rules = []
    for i, (colour, label) in enumerate(zip(classes.colours, classes.labels)):
        if values is not None:
            flt = f"{col} = {expression_literal(values[i])}"
        else:
            lo, hi = classes.bounds(i)
            parts = [f"{col} IS NOT NULL"]
            if lo is not None:
                parts.append(f"{col} > {expression_number(lo)}")
            if hi is not None:
                parts.append(f"{col} <= {expression_number(hi)}")
            flt = " AND ".join(parts)
        rules.append(Rule(label, flt, Symbol(kind, colour, **symbol)))
    if missing:
        if values is not None:
            known = ", ".join(expression_literal(v) for v in values)
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
        f"{expression_field(column)} < {int(min_count)}",
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


def style_body(style: Style) -> str:
    """The renderer, labels and blending of a style: the body of its QML and of its layer in a project."""
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
        f"{style_body(style)}</qgis>\n"
    )
