"""The map of a toets, drawn: an inline SVG (no scripts, no tiles, offline) with a Dutch legend.

:func:`site_map_figure` turns a :class:`.site_map.SiteMap` into an HTML ``<figure>``: the SVG map
(the network as background, buurt outlines and names, the area of the norm walk, one route per
category in the category's colour, the voorzieningen, the site, a scale bar in metres and a north
arrow) and its legend (what is drawn, for whom, the norm, the data with their dates).

The markup is in ``templates/toets_svg.html`` (rendered with autoescaping, issue 22 §5); this module
does the geometry (projection, path data, coordinates, colours) and passes texts from the data as
plain text, escaped once by the template.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from markupsafe import Markup

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.palette import CATEGORY_SYMBOLS, OTHER_ROAD, PATH_COLOUR, UNKNOWN_COLOUR
from woonzorg_geo.outputs.pages import environment
from woonzorg_geo.toets.site_map import SiteMap

#: The template whose macros draw the map and its legend (autoescaped: callers pass plain text).
TEMPLATE = "toets_svg.html"
#: Picture size in SVG units (it scales to the page width).
WIDTH = 840.0
#: Colour of the area of the norm walk and of the network within it.
REACH_COLOUR = "#3182bd"
SITE_COLOUR = "#111111"
#: Lines are simplified to this many SVG units (less than a pixel at the drawn size).
SIMPLIFY_PX = 0.5
#: Distance between routes that share a street, in SVG units.
ROUTE_SPACING_PX = 3.0


def _colour(cat: str) -> str:
    return CATEGORY_SYMBOLS.get(cat, (UNKNOWN_COLOUR, "?"))[0]


def _letter(cat: str) -> str:
    return CATEGORY_SYMBOLS.get(cat, (UNKNOWN_COLOUR, "?"))[1]


class _Proj:
    """RD metres to SVG units (y down)."""

    def __init__(self, frame: tuple[float, float, float, float], width: float) -> None:
        self.xmin, self.ymin, xmax, self.ymax = frame
        self.scale = width / (xmax - self.xmin)
        self.width = width
        self.height = (self.ymax - self.ymin) * self.scale

    def xy(self, coords: np.ndarray) -> np.ndarray:
        c = np.asarray(coords, dtype=float).reshape(-1, 2)
        return np.column_stack([(c[:, 0] - self.xmin) * self.scale, (self.ymax - c[:, 1]) * self.scale])

    def path(self, geom: shapely.Geometry) -> str:
        """SVG path data of (multi)lines and polygons (all coordinates formatted at once)."""
        parts = shapely.get_parts(geom)
        rings = []
        closed = []
        for g in parts:
            if g.geom_type == "Polygon":
                for ring in (g.exterior, *g.interiors):
                    rings.append(ring)
                    closed.append(True)
            else:
                rings.append(g)
                closed.append(False)
        if not rings:
            return ""
        coords, index = shapely.get_coordinates(np.array(rings, dtype=object), return_index=True)
        pts = self.xy(coords)
        text = [f"{x:.1f},{y:.1f}" for x, y in pts.tolist()]
        starts = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        bounds = [*starts.tolist(), len(text)]
        out = []
        for k in range(len(starts)):
            lo, hi = bounds[k], bounds[k + 1]
            if hi - lo < 2:
                continue
            out.append("M" + " ".join(text[lo:hi]) + ("Z" if closed[int(index[lo])] else ""))
        return " ".join(out)

    def point(self, p: shapely.Point) -> tuple[float, float]:
        x, y = self.xy(np.array([[p.x, p.y]]))[0]
        return float(x), float(y)


def _scale_bar_m(width_m: float) -> float:
    """A round length for the scale bar, about a fifth of the map's width."""
    target = width_m / 5
    base = 10 ** math.floor(math.log10(target))
    for step in (5, 2.5, 2, 1):
        if step * base <= target:
            return float(step * base)
    return float(base)


def _map_values(kaart: SiteMap, width: float) -> dict[str, Any]:
    """What the template draws: the picture's size, path data, coordinates, colours and plain texts."""
    p = _Proj(kaart.frame, width)
    h = p.height
    tol = SIMPLIFY_PX / p.scale  # merged into longer lines and simplified below what the eye sees
    wegen = [
        (p.path(shapely.simplify(shapely.line_merge(geom), tol, preserve_topology=False)), colour, w)
        for geom, colour, w in ((kaart.wegen, PATH_COLOUR, 1), (kaart.hoofdwegen, OTHER_ROAD, 2.5))
        if not geom.is_empty
    ]
    gebied = None
    if kaart.gebied is not None and not kaart.gebied.is_empty and kaart.gebied.geom_type in ("Polygon", "MultiPolygon"):
        gebied = p.path(kaart.gebied)
    bereik = None
    if not kaart.bereik.is_empty:
        bereik = p.path(shapely.simplify(shapely.line_merge(kaart.bereik), tol, preserve_topology=False))
    # buurt names on top of the background, where their label point lies in the frame
    buurtnamen = []
    for name, geom in kaart.buurten:
        if not name:
            continue
        lp = shapely.intersection(geom, shapely.box(*kaart.frame)).representative_point()
        if lp.is_empty:
            continue
        x, y = p.point(lp)
        buurtnamen.append((x, y, name))
    overige = [(*p.point(pt), _colour(cat), naam or vid) for vid, cat, naam, pt in kaart.overige]
    # routes side by side where they share streets: each shifted by a few pixels, the longest drawn first
    n = len(kaart.routes)
    order = sorted(range(n), key=lambda i: -kaart.routes[i].afstand_m)
    routes = []
    for i in order:
        r = kaart.routes[i]
        shift = (i - (n - 1) / 2) * ROUTE_SPACING_PX / p.scale
        line = r.line
        if shift and line.length > 0:
            moved = shapely.offset_curve(line, shift, join_style="mitre", mitre_limit=2.0)
            line = moved if moved.geom_type == "LineString" and not moved.is_empty else line
        routes.append(
            {
                "d": p.path(line),
                "categorie": r.categorie,
                "colour": _colour(r.categorie),
                "binnen_norm": r.binnen_norm,
                "label": r.label,
                "naam": r.naam,
                "afstand": fmt.metres(r.afstand_m),
            }
        )
    voorzieningen = []
    for r in kaart.routes:
        x, y = p.point(r.bestemming)
        voorzieningen.append(
            {
                "x": x,
                "y": y,
                "colour": _colour(r.categorie),
                "letter": _letter(r.categorie),
                "label": r.label,
                "naam": r.naam,
                "afstand": fmt.metres(r.afstand_m),
            }
        )
    sx, sy = p.point(kaart.site)
    afstanden = []
    for r in kaart.routes:  # the walking distance beside each voorziening, above every line
        x, y = p.point(r.bestemming)
        # right of the marker; left of it when the site (and its label) lies there
        left = sx > x and abs(sx - x) < 90 and abs(sy - y) < 30
        tx, anchor = (x - 13, "end") if left else (x + 13, "start")
        afstanden.append(
            {"x": tx, "y": y + 4, "anchor": anchor, "colour": _colour(r.categorie), "text": fmt.metres(r.afstand_m)}
        )
    star = " ".join(
        f"{sx + (12 if k % 2 == 0 else 5) * math.sin(k * math.pi / 5):.1f},"
        f"{sy - (12 if k % 2 == 0 else 5) * math.cos(k * math.pi / 5):.1f}"
        for k in range(10)
    )
    # scale bar (metres) and north arrow
    bar_m = _scale_bar_m(kaart.frame[2] - kaart.frame[0])
    bar = bar_m * p.scale
    x0, y0 = 16.0, h - 18.0
    nx, ny = width - 26.0, 40.0
    return {
        "width": width,
        "height": h,
        "n_routes": len(kaart.routes),
        "norm": fmt.number(kaart.norm_m),
        "wegen": wegen,
        "grenzen": [p.path(geom.boundary) for _, geom in kaart.buurten],
        "gebied": gebied,
        "bereik": bereik,
        "reach_colour": REACH_COLOUR,
        "buurtnamen": buurtnamen,
        "overige": overige,
        "routes": routes,
        "voorzieningen": voorzieningen,
        "afstanden": afstanden,
        "star": star,
        "site_colour": SITE_COLOUR,
        "sx": sx,
        "sy": sy,
        "bar": bar,
        "bar_x": x0,
        "bar_y": y0,
        "bar_d": f"M{x0:.1f},{y0 - 6:.1f} V{y0:.1f} H{x0 + bar:.1f} V{y0 - 6:.1f}",
        "bar_text": fmt.metres(bar_m),
        "nx": nx,
        "ny": ny,
        "north_d": f"M{nx},{ny - 26} L{nx + 8},{ny} L{nx},{ny - 6} L{nx - 8},{ny} Z",
    }


def _legend_values(kaart: SiteMap) -> dict[str, Any]:
    """What the legend lists: colours and plain texts (escaped by the template)."""
    return {
        "site_colour": SITE_COLOUR,
        "reach_colour": REACH_COLOUR,
        "other_road": OTHER_ROAD,
        "path_colour": PATH_COLOUR,
        "norm": fmt.number(kaart.norm_m),
        "profiel_label": kaart.profiel_label,
        "bronnen": kaart.bronnen,
        "routes": [
            {
                "colour": _colour(r.categorie),
                "letter": _letter(r.categorie),
                "binnen_norm": r.binnen_norm,
                "label": r.label,
                "naam": r.naam,
                "afstand": fmt.metres(r.afstand_m),
            }
            for r in kaart.routes
        ],
    }


def _macro(name: str) -> Any:
    return getattr(environment().get_template(TEMPLATE).module, name)


def site_map_svg(kaart: SiteMap, *, width: float = WIDTH) -> Markup:
    """The map as an SVG element (inline, scalable, with a title and description for screen readers)."""
    return Markup(_macro("site_map")(_map_values(kaart, width)))


def site_map_figure(kaart: SiteMap) -> Markup:
    """The map with its legend as an HTML ``<figure>`` (self-contained, for the report and the app)."""
    return Markup(_macro("figure")(_map_values(kaart, WIDTH), _legend_values(kaart)))


#: Style of the figure, added to the report's CSS.
KAART_CSS = """
figure.toetskaart{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0;align-items:flex-start}
figure.toetskaart svg.toetskaart{flex:1 1 520px;max-width:840px;height:auto;border:1px solid #ccc;border-radius:.3em}
.kaartlegenda{flex:1 1 260px;font-size:.88em}.kaartlegenda ul{list-style:none;padding:0;margin:.3em 0}
.kaartlegenda li{margin:.35em 0}.kaartlegenda li svg{vertical-align:middle;margin-right:.2em}
.legendakop{font-weight:bold;margin:.2em 0}.grens{color:#888;letter-spacing:-.1em}
"""
