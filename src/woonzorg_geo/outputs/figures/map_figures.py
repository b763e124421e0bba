"""The print maps: the gemeente, each wijk, draaglast and draagkracht, balans, focus and veerkracht, zoekgebieden."""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from woonzorg_geo.areas.summary import gemeente_figures
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.palette import (
    BUURT_OUTLINE,
    CAPACITY_CLASSES,
    FOCUS_CLASSES,
    FOCUS_ORDER,
    LOAD_CLASSES,
    PCT_CLASSES,
    RANK_COLOUR,
    SCORE_CLASSES,
    TIME_CLASSES,
    VEERKRACHT_CLASSES,
    VEERKRACHT_ORDER,
    Classes,
    few_addresses_label,
)
from woonzorg_geo.core.vocabulary import REPORT_NORM

if TYPE_CHECKING:
    from matplotlib.figure import Figure


from woonzorg_geo import RD_NEW
from woonzorg_geo.outputs.figures.cartography import (
    category_legend_items,
    draw_areas,
    draw_labels,
    draw_legend,
    draw_outline,
    draw_roads,
    draw_symbols,
    extent_mask,
    few_mask,
    fill_areas,
    in_extent,
    map_axes,
    map_source_line,
    north_arrow,
    scale_bar,
)
from woonzorg_geo.outputs.figures.common import (
    FONT,
    WIDTH_CM,
    WIJK_ROADS,
    FigureContext,
    draw_source,
    draw_title,
    new_figure,
    view_extent,
)


def gemeente_figure(ctx: FigureContext) -> Figure:
    """The buurten by share of homes with OV and a supermarket within the norm, on the built-up area."""
    data, vocab = ctx.data, ctx.vocab
    col = data.col(vocab.pct(REPORT_NORM))
    extent = ctx.extent
    fig = new_figure(15.5)
    draw_title(
        fig,
        f"Gemeente {ctx.gemeente}: {vocab.share_label(REPORT_NORM)}",
        f"Aandeel van de woningen per buurt, te voet over het OSM-netwerk, profiel {vocab.profile_label(data.profile)}",
    )
    ax = map_axes(fig, (0.02, 0.09, 0.66, 0.79), extent)
    few = few_mask(data.buurten, data.map_settings.min_adressen)
    draw_areas(ax, ctx.buurt_lines, data.buurten[col], PCT_CLASSES, few=few)
    draw_roads(ax, ctx.roads)
    draw_outline(ax, ctx.wijk_lines)
    shown = [c for c in ("supermarkt", "treinstation") if (data.voorzieningen["categorie"] == c).any()]
    draw_symbols(ax, in_extent(data.voorzieningen, extent), shown, vocab, size=10, letters=False)
    draw_labels(ax, data.wijken)
    scale_bar(ax)
    north_arrow(ax)
    gem = gemeente_figures(data.summary, data.profile)
    items = PCT_CLASSES.items()
    draw_legend(
        fig,
        f"% woningen met {vocab.share_label(REPORT_NORM)}",
        items,
        anchor=(0.70, 0.88),
        wrap=26,
        few=(PCT_CLASSES.colours[0], few_addresses_label(data.map_settings.min_adressen)) if few.any() else None,
    )
    draw_legend(fig, "Voorzieningen", category_legend_items(vocab, shown), anchor=(0.70, 0.46), marker="circle")
    lines = []
    if gem.get("n_adressen") is not None:
        lines.append(f"Adressen: {fmt.number(gem['n_adressen'])}")
    key = vocab.pct(REPORT_NORM)
    if key in gem:
        lines.append(f"Gemeente: {fmt.percent(gem[key])}")
    fig.text(0.70, 0.30, "\n".join(lines), fontsize=6.5, va="top", family=FONT)
    q = fmt.percent(100 * data.map_settings.bebouwd_kwantiel, 0)
    draw_source(
        fig,
        map_source_line(
            ctx, f"Het kader toont het bebouwde gebied (de adressen zonder de buitenste {q} aan elke kant)"
        ),
    )
    return fig


def wijk_figure(ctx: FigureContext, code: str) -> Figure:
    """One wijk: its homes by walking time to huisarts, supermarkt and OV (three panels)."""
    data, vocab = ctx.data, ctx.vocab
    wijk = data.wijken[data.wijken["code"] == code]
    if wijk.empty:
        raise WoonzorgError(f"wijk {code!r} bestaat niet in de laag wijken")
    naam = str(wijk.iloc[0]["naam"])
    cats = data.home_categories
    extent = view_extent(data.view(wijk))
    dx, dy = extent[2] - extent[0], extent[3] - extent[1]
    n = max(len(cats), 1)
    panel_w = (WIDTH_CM - 1.0) / n
    panel_h = min(max(panel_w * dy / dx, 4.5), 9.0)
    foot = 3.3  # legends and source line, cm
    height = panel_h + foot + 1.9
    fig = new_figure(height)
    # the title says what and to where (each panel's title names its category), the subtitle and
    # the legend for whom (the pace); the source line gives the data and their dates
    draw_title(
        fig,
        f"Wijk {naam}: looptijd naar de dichtstbijzijnde voorziening",
        f"Te voet van de woning, looptempo {vocab.profile_label(data.profile)}; gemeente {ctx.gemeente}; "
        "elke stip is een adres",
    )
    homes = data.addresses[data.addresses["wijkcode"] == code]
    buurten = (data.buurten["wijkcode"] == code).to_numpy()
    roads = extent_mask(ctx.roads.frame, extent)  # the same roads in every panel
    vz = in_extent(data.voorzieningen, extent, 200)
    norm_min = vocab.norm_m / _speed_m_min(ctx)
    for i, cat in enumerate(cats):
        ax = map_axes(
            fig, ((0.5 + i * panel_w) / WIDTH_CM, foot / height, (panel_w - 0.15) / WIDTH_CM, panel_h / height), extent
        )
        draw_roads(ax, ctx.roads, classes=WIJK_ROADS, rows=roads)
        draw_outline(ax, ctx.buurt_lines, colour=BUURT_OUTLINE, width=0.4, dashed=True, zorder=4, rows=buurten)
        draw_outline(ax, ctx.wijk_lines, width=0.9)
        col = data.col(f"tijd_{cat}_min")
        idx = TIME_CLASSES.index(homes[col])
        for k in [-1, *range(len(TIME_CLASSES.colours) - 1, -1, -1)]:
            sel = idx == k
            if sel.any():
                pts = homes[sel]
                ax.scatter(
                    pts.geometry.x,
                    pts.geometry.y,
                    s=1.1,
                    c=TIME_CLASSES.colour(k),
                    linewidths=0,
                    zorder=8,
                    rasterized=True,
                )
        members = [c for c in (vocab.composites.get(cat) or (cat,))]
        draw_symbols(ax, vz, members, vocab, size=30)
        title = vocab.label(cat)
        if len(homes):
            within = int((pd.to_numeric(homes[col], errors="coerce") <= norm_min).sum())
            title += f": {fmt.percent(100 * within / len(homes), 0)} ≤ {fmt.number(norm_min, 0)} min"
        ax.set_title(title, fontsize=7, fontweight="bold", family=FONT, loc="left", pad=3)
        if i == 0:
            scale_bar(ax)
        if i == n - 1:
            north_arrow(ax)
    draw_legend(
        fig,
        f"Looptijd te voet van de woning, looptempo {vocab.profile_label(data.profile)}",
        TIME_CLASSES.items(),
        loc="upper left",
        anchor=(0.03, (foot - 0.3) / height),
        marker="circle",
        ncol=6,
    )
    sym = [m for c in cats for m in (vocab.composites.get(c) or (c,)) if (vz["categorie"] == m).any()]
    if sym:
        draw_legend(
            fig,
            "Voorzieningen",
            category_legend_items(vocab, dict.fromkeys(sym)),
            loc="upper left",
            anchor=(0.03, (foot - 1.45) / height),
            marker="circle",
            ncol=6,
        )
    draw_source(fig, map_source_line(ctx, f"{code}; buurtgrenzen gestreept; looptijd over het OSM-netwerk"))
    return fig


def _speed_m_min(ctx: FigureContext) -> float:
    return ctx.settings.profile(ctx.data.profile).speed_m_s * 60


def overlay_figure(ctx: FigureContext) -> Figure:
    """Draaglast and draagkracht per wijk (two panels)."""
    data = ctx.data
    extent = ctx.extent
    fig = new_figure(11.0)
    draw_title(
        fig,
        f"Gemeente {ctx.gemeente}: draaglast en draagkracht per wijk",
        "z-scores: 0 is het gemiddelde van de wijken, ±1 één standaardafwijking erboven of eronder",
    )
    for i, (column, classes, title) in enumerate(
        (("draaglast", LOAD_CLASSES, "Draaglast"), ("draagkracht", CAPACITY_CLASSES, "Draagkracht"))
    ):
        ax = map_axes(fig, (0.02 + i * 0.49, 0.26, 0.47, 0.60), extent)
        draw_areas(ax, ctx.wijk_lines, data.wijken[column], classes)
        draw_roads(ax, ctx.roads)
        draw_outline(ax, ctx.wijk_lines)
        draw_labels(ax, data.wijken, size=5.5)
        ax.set_title(title, fontsize=8, fontweight="bold", loc="left", family=FONT, pad=3)
        scale_bar(ax)
        north_arrow(ax)
        draw_legend(
            fig,
            f"{title} (z-score)",
            classes.items(),
            loc="upper left",
            anchor=(0.03 + i * 0.49, 0.235),
            ncol=2,
            fontsize=5.8,
        )
    draw_source(fig, map_source_line(ctx, "Indicatoren, gewichten en bronnen: [overlays] van de instellingen"))
    return fig


def balance_figure(ctx: FigureContext, balance: Classes) -> Figure:
    """Balans = draagkracht − draaglast per wijk, in the settings' classes."""
    data = ctx.data
    extent = ctx.extent
    fig = new_figure(14.0)
    draw_title(
        fig,
        f"Gemeente {ctx.gemeente}: balans draagkracht − draaglast per wijk",
        "Negatief: meer last dan draagkracht; klassen uit [overlays] balans_grenzen",
    )
    ax = map_axes(fig, (0.02, 0.09, 0.66, 0.79), extent)
    draw_areas(ax, ctx.wijk_lines, data.wijken["balans"], balance)
    draw_roads(ax, ctx.roads)
    draw_outline(ax, ctx.wijk_lines)
    draw_labels(ax, data.wijken)
    scale_bar(ax)
    north_arrow(ax)
    draw_legend(fig, "Balans", balance.items(), anchor=(0.70, 0.88), wrap=26)
    draw_source(fig, map_source_line(ctx))
    return fig


def focus_figure(ctx: FigureContext) -> Figure:
    """Focus and veerkracht per buurt (two panels)."""
    data = ctx.data
    extent = ctx.extent
    fig = new_figure(11.0)
    draw_title(
        fig,
        f"Gemeente {ctx.gemeente}: focus en veerkracht per buurt",
        "Uit de buurtsignalen van het rapport en de wijkindices; relatief binnen de gemeente",
    )
    few = few_mask(data.buurten, data.map_settings.min_adressen)
    for i, (column, order, classes, title) in enumerate(
        (
            ("focus", FOCUS_ORDER, FOCUS_CLASSES, "Focus"),
            ("veerkracht", VEERKRACHT_ORDER, VEERKRACHT_CLASSES, "Veerkracht"),
        )
    ):
        ax = map_axes(fig, (0.02 + i * 0.49, 0.26, 0.47, 0.60), extent)
        draw_areas(ax, ctx.buurt_lines, data.buurten[column].map(order), classes, few=few)
        draw_roads(ax, ctx.roads)
        draw_outline(ax, ctx.wijk_lines)
        draw_labels(ax, data.wijken, size=5.5)
        ax.set_title(title, fontsize=8, fontweight="bold", loc="left", family=FONT, pad=3)
        scale_bar(ax)
        north_arrow(ax)
        draw_legend(
            fig,
            title,
            classes.items(),
            loc="upper left",
            anchor=(0.03 + i * 0.49, 0.235),
            ncol=2,
            fontsize=5.8,
            few=(classes.colours[-1], few_addresses_label(data.map_settings.min_adressen)) if few.any() else None,
        )
    draw_source(fig, map_source_line(ctx))
    return fig


def site_figure(ctx: FigureContext, zoekgebieden: gpd.GeoDataFrame) -> Figure:
    """The zoekgebieden for geclusterd wonen, numbered by rank, coloured by score."""
    import textwrap

    data, vocab = ctx.data, ctx.vocab
    zg = zoekgebieden.to_crs(RD_NEW)
    extent = ctx.extent
    fig = new_figure(15.5)
    draw_title(
        fig,
        f"Gemeente {ctx.gemeente}: zoekgebieden voor geclusterd wonen",
        f"Rang en score (0–1) uit bereikbaarheid te voet (profiel {vocab.profile_label(ctx.settings.locaties.profiel)}), "
        "balans, focus/veerkracht, vraag en ruimte",
    )
    ax = map_axes(fig, (0.02, 0.09, 0.66, 0.79), extent)
    draw_roads(ax, ctx.roads)
    draw_outline(ax, ctx.wijk_lines)
    draw_labels(ax, data.wijken, size=6, weight="normal")
    idx = SCORE_CLASSES.index(zg["score"])
    fill_areas(
        ax,
        zg.geometry.values,
        [SCORE_CLASSES.colour(int(i)) for i in idx],
        edgecolor=RANK_COLOUR,
        linewidth=0.6,
        alpha=0.9,
        zorder=9,
    )
    cats = [
        c
        for c in ("supermarkt", "huisarts", "apotheek", "ontmoetingsplek")
        if (data.voorzieningen["categorie"] == c).any()
    ]
    draw_symbols(ax, in_extent(data.voorzieningen, extent), cats, vocab, size=7, letters=False)
    for _, row in zg.iterrows():
        pt = row.geometry.representative_point()
        ax.text(
            pt.x,
            pt.y,
            str(int(row["rang"])),
            fontsize=5,
            color="white",
            fontweight="bold",
            ha="center",
            va="center",
            zorder=14,
            family=FONT,
            bbox={"boxstyle": "circle,pad=0.2", "fc": RANK_COLOUR, "ec": "white", "lw": 0.5},
        )
    scale_bar(ax)
    north_arrow(ax)
    draw_legend(fig, "Score zoekgebied", SCORE_CLASSES.items(missing=False), anchor=(0.70, 0.88), alpha=0.9)
    draw_legend(fig, "Voorzieningen", category_legend_items(vocab, cats), anchor=(0.70, 0.60), marker="circle")
    top = [
        f"{int(r['rang'])}. {fmt.text(r.get('buurt'), missing='')} ({fmt.text(r.get('wijk'))}): "
        f"{fmt.number(r['score'], 2)}"
        for _, r in zg.sort_values("rang").head(10).iterrows()
    ]
    fig.text(
        0.70,
        0.40,
        "Top 10\n" + "\n".join(textwrap.shorten(t, 44, placeholder="…") for t in top),
        fontsize=5.5,
        va="top",
        family=FONT,
        linespacing=1.35,
    )
    draw_source(fig, map_source_line(ctx, "Toelichting per zoekgebied: kandidaatlocaties.txt"))
    return fig
