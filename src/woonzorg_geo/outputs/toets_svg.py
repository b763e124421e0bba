"""The map of a toets, drawn: an inline SVG (no scripts, no tiles, offline) with a Dutch legend.

:func:`site_map_figure` turns a :class:`.kaart.SiteMap` into an HTML ``<figure>``: the SVG map
(the network as background, buurt outlines and names, the area of the norm walk, one route per
category in the category's colour, the voorzieningen, the site, a scale bar in metres and a north
arrow) and its legend (what is drawn, for whom, the norm, the data with their dates).
"""

from __future__ import annotations

import html
import math

import numpy as np
import shapely

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.palette import CATEGORY_SYMBOLS, OTHER_ROAD, PATH_COLOUR, UNKNOWN_COLOUR
from woonzorg_geo.toets.kaart import SiteMap

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


def site_map_svg(kaart: SiteMap, *, width: float = WIDTH) -> str:
    """The map as an SVG element (inline, scalable, with a title and description for screen readers)."""
    p = _Proj(kaart.frame, width)
    h = p.height
    e = html.escape
    out = [
        (
            f"<svg class='toetskaart' viewBox='0 0 {width:.0f} {h:.0f}' role='img' "
            "aria-labelledby='kaart-titel kaart-omschrijving'>"
        ),
        "<title id='kaart-titel'>Kaart van de locatie, het loopgebied binnen de norm en de looproutes</title>",
        (
            f"<desc id='kaart-omschrijving'>{len(kaart.routes)} looproutes naar de dichtstbijzijnde voorziening per "
            f"categorie; loopgebied: looppaden binnen {e(fmt.number(kaart.norm_m))} m.</desc>"
        ),
        f"<rect width='{width:.0f}' height='{h:.0f}' fill='#fbfbf8'/>",
    ]
    tol = SIMPLIFY_PX / p.scale  # merged into longer lines and simplified below what the eye sees
    for geom, colour, w in ((kaart.wegen, PATH_COLOUR, 1), (kaart.hoofdwegen, OTHER_ROAD, 2.5)):
        if not geom.is_empty:
            drawn = shapely.simplify(shapely.line_merge(geom), tol, preserve_topology=False)
            out.append(f"<path d='{p.path(drawn)}' stroke='{colour}' stroke-width='{w}' fill='none'/>")
    for _, geom in kaart.buurten:
        out.append(
            f"<path d='{p.path(geom.boundary)}' stroke='#888' stroke-width='1' stroke-dasharray='5 4' fill='none'/>"
        )
    if kaart.gebied is not None and not kaart.gebied.is_empty and kaart.gebied.geom_type in ("Polygon", "MultiPolygon"):
        out.append(
            f"<path class='loopgebied' d='{p.path(kaart.gebied)}' fill='{REACH_COLOUR}' fill-opacity='0.10' "
            f"stroke='{REACH_COLOUR}' stroke-opacity='0.5' stroke-width='1'/>"
        )
    if not kaart.bereik.is_empty:
        out.append(
            f"<path class='binnen-norm' d='{p.path(shapely.simplify(shapely.line_merge(kaart.bereik), tol, preserve_topology=False))}' stroke='{REACH_COLOUR}' stroke-opacity='0.55' "
            "stroke-width='2.5' fill='none' stroke-linecap='round'/>"
        )
    # buurt names on top of the background, where their label point lies in the frame
    for name, geom in kaart.buurten:
        if not name:
            continue
        lp = shapely.intersection(geom, shapely.box(*kaart.frame)).representative_point()
        if lp.is_empty:
            continue
        x, y = p.point(lp)
        out.append(
            f"<text x='{x:.1f}' y='{y:.1f}' font-size='13' fill='#555' text-anchor='middle' font-style='italic' "
            f"paint-order='stroke' stroke='#fbfbf8' stroke-width='3'>{e(name)}</text>"
        )
    for vid, cat, naam, pt in kaart.overige:
        x, y = p.point(pt)
        out.append(
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3.5' fill='{_colour(cat)}' fill-opacity='0.55' stroke='#fff' "
            f"stroke-width='0.8'><title>{e(naam or vid)}</title></circle>"
        )
    # routes side by side where they share streets: each shifted by a few pixels, the longest drawn first
    n = len(kaart.routes)
    order = sorted(range(n), key=lambda i: -kaart.routes[i].afstand_m)
    for i in order:
        r = kaart.routes[i]
        dash = "" if r.binnen_norm else " stroke-dasharray='9 6'"
        shift = (i - (n - 1) / 2) * ROUTE_SPACING_PX / p.scale
        line = r.line
        if shift and line.length > 0:
            moved = shapely.offset_curve(line, shift, join_style="mitre", mitre_limit=2.0)
            line = moved if moved.geom_type == "LineString" and not moved.is_empty else line
        d = p.path(line)
        out.append(f"<path d='{d}' stroke='#fff' stroke-width='7' fill='none' stroke-linejoin='round'/>")
        out.append(
            f"<path class='route' data-categorie='{e(r.categorie)}' d='{d}' stroke='{_colour(r.categorie)}' "
            f"stroke-width='4' fill='none' stroke-linejoin='round' stroke-linecap='round'{dash}>"
            f"<title>{e(r.label)}: {e(r.naam)}, {e(fmt.metres(r.afstand_m))}</title></path>"
        )
    for r in kaart.routes:
        x, y = p.point(r.bestemming)
        out.append(
            f"<g class='voorziening'><circle cx='{x:.1f}' cy='{y:.1f}' r='10' fill='{_colour(r.categorie)}' "
            f"stroke='#fff' stroke-width='2'/><text x='{x:.1f}' y='{y + 4:.1f}' font-size='11' font-weight='bold' "
            f"fill='#fff' text-anchor='middle'>{e(_letter(r.categorie))}</text>"
            f"<title>{e(r.label)}: {e(r.naam)}, {e(fmt.metres(r.afstand_m))}</title></g>"
        )
    sx, sy = p.point(kaart.site)
    for r in kaart.routes:  # the walking distance beside each voorziening, above every line
        x, y = p.point(r.bestemming)
        # right of the marker; left of it when the site (and its label) lies there
        left = sx > x and abs(sx - x) < 90 and abs(sy - y) < 30
        tx, anchor = (x - 13, "end") if left else (x + 13, "start")
        out.append(
            f"<text class='afstand' x='{tx:.1f}' y='{y + 4:.1f}' text-anchor='{anchor}' font-size='12' "
            "font-weight='bold' "
            f"fill='{_colour(r.categorie)}' paint-order='stroke' stroke='#fff' stroke-width='3.5'>"
            f"{e(fmt.metres(r.afstand_m))}</text>"
        )
    star = " ".join(
        f"{sx + (12 if k % 2 == 0 else 5) * math.sin(k * math.pi / 5):.1f},"
        f"{sy - (12 if k % 2 == 0 else 5) * math.cos(k * math.pi / 5):.1f}"
        for k in range(10)
    )
    out.append(
        f"<polygon class='locatie' points='{star}' fill='{SITE_COLOUR}' stroke='#fff' stroke-width='2'>"
        "<title>beoogde locatie</title></polygon>"
        f"<text x='{sx + 14:.1f}' y='{sy - 8:.1f}' font-size='13' font-weight='bold' paint-order='stroke' "
        "stroke='#fff' stroke-width='3.5'>locatie</text>"
    )
    # scale bar (metres) and north arrow
    bar_m = _scale_bar_m(kaart.frame[2] - kaart.frame[0])
    bar = bar_m * p.scale
    x0, y0 = 16.0, h - 18.0
    out.append(
        f"<g class='schaalbalk'><rect x='{x0 - 6:.0f}' y='{y0 - 22:.0f}' width='{bar + 70:.0f}' height='32' "
        "fill='#fff' rx='3'/>"
        f"<path d='M{x0:.1f},{y0 - 6:.1f} V{y0:.1f} H{x0 + bar:.1f} V{y0 - 6:.1f}' stroke='#222' stroke-width='2' "
        f"fill='none'/><text x='{x0:.1f}' y='{y0 - 9:.1f}' font-size='12'>0</text>"
        f"<text x='{x0 + bar:.1f}' y='{y0 - 9:.1f}' font-size='12' text-anchor='middle'>"
        f"{e(fmt.metres(bar_m))}</text></g>"
    )
    nx, ny = width - 26.0, 40.0
    out.append(
        f"<g class='noordpijl'><path d='M{nx},{ny - 26} L{nx + 8},{ny} L{nx},{ny - 6} L{nx - 8},{ny} Z' fill='#222'/>"
        f"<text x='{nx}' y='{ny + 15}' font-size='13' font-weight='bold' text-anchor='middle'>N</text></g>"
    )
    out.append("</svg>")
    return "".join(out)


def _swatch_line(colour: str, *, dash: bool = False, width: float = 4, opacity: float = 1.0) -> str:
    d = " stroke-dasharray='6 4'" if dash else ""
    return (
        f"<svg width='34' height='12' aria-hidden='true'><line x1='1' y1='6' x2='33' y2='6' stroke='{colour}' "
        f"stroke-width='{width}' stroke-opacity='{opacity}'{d}/></svg>"
    )


def site_map_figure(kaart: SiteMap) -> str:
    """The map with its legend as an HTML ``<figure>`` (self-contained, for the report and the app)."""
    e = html.escape
    norm = fmt.number(kaart.norm_m)
    rows = []
    for r in kaart.routes:
        verdict = "binnen de norm" if r.binnen_norm else f"verder dan {norm} m (gestreept)"
        rows.append(
            f"<li>{_swatch_line(_colour(r.categorie), dash=not r.binnen_norm)} "
            f"<b>{e(r.label)}</b> ({e(_letter(r.categorie))}): {e(r.naam)} — {e(fmt.metres(r.afstand_m))} lopen, "
            f"{e(verdict)}</li>"
        )
    if not kaart.routes:
        rows.append(
            "<li>Geen looproutes: de locatie ligt te ver van het looppadennetwerk of er is niets bereikbaar.</li>"
        )
    star = (
        "<svg width='34' height='16' aria-hidden='true'><polygon points='17,1 19,6 24,6 20,9 22,15 17,11 12,15 14,9 "
        f"10,6 15,6' fill='{SITE_COLOUR}'/></svg>"
    )
    legend = (
        "<div class='kaartlegenda'><p class='legendakop'>Legenda</p><ul>"
        f"<li>{star} beoogde locatie</li>"
        f"<li><svg width='34' height='14' aria-hidden='true'><rect x='1' y='1' width='32' height='12' "
        f"fill='{REACH_COLOUR}' fill-opacity='0.15' stroke='{REACH_COLOUR}'/></svg>"
        f"{_swatch_line(REACH_COLOUR, width=2.5, opacity=0.6)} looppaden binnen {e(norm)} m lopen vanaf de locatie "
        f"(de norm), {e(kaart.profiel_label)}, en het gebied dat ze omsluiten</li>"
        + "".join(rows)
        + "<li><svg width='34' height='12' aria-hidden='true'><circle cx='17' cy='6' r='4' fill='#888' "
        "fill-opacity='0.55'/></svg> andere voorzieningen van deze categorieën binnen de norm (kleur als hun route)</li>"
        f"<li>{_swatch_line(OTHER_ROAD, width=2.5)} hoofdweg {_swatch_line(PATH_COLOUR, width=1.5)} "
        "overige wegen en paden; <span class='grens'>- - -</span> buurtgrens</li>"
        "</ul>"
        f"<p class='note'>Route = kortste looproute over het looppadennetwerk naar de dichtstbijzijnde voorziening "
        f"van elke categorie; de lengte is de afstand in de tabel. {e(kaart.bronnen)}; "
        "© OpenStreetMap contributors (ODbL), CBS/PDOK (CC BY 4.0).</p></div>"
    )
    return f"<figure class='toetskaart'>{site_map_svg(kaart)}{legend}</figure>"


#: Style of the figure, added to the report's CSS.
KAART_CSS = """
figure.toetskaart{display:flex;flex-wrap:wrap;gap:1em;margin:1em 0;align-items:flex-start}
figure.toetskaart svg.toetskaart{flex:1 1 520px;max-width:840px;height:auto;border:1px solid #ccc;border-radius:.3em}
.kaartlegenda{flex:1 1 260px;font-size:.88em}.kaartlegenda ul{list-style:none;padding:0;margin:.3em 0}
.kaartlegenda li{margin:.35em 0}.kaartlegenda li svg{vertical-align:middle;margin-right:.2em}
.legendakop{font-weight:bold;margin:.2em 0}.grens{color:#888;letter-spacing:-.1em}
"""
