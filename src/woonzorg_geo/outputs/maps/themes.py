"""Overlay and candidate-site maps: draaglast/draagkracht/balans, focus/veerkracht, zoekgebieden."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from woonzorg_geo import WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.palette import (
    CAPACITY_CLASSES,
    FOCUS_CLASSES,
    FOCUS_ORDER,
    LOAD_CLASSES,
    MAIN_ROADS,
    RANK_COLOUR,
    SCORE_CLASSES,
    VEERKRACHT_CLASSES,
    VEERKRACHT_ORDER,
    Classes,
    balance_classes,
)
from woonzorg_geo.core.provenance import ATTRIBUTION
from woonzorg_geo.core.vocabulary import Z_SCORE_EXPLANATION, Vocabulary
from woonzorg_geo.outputs.maps.base import add_layer_control, add_panel, new_map, panel_html
from woonzorg_geo.outputs.maps.layers import add_area_outlines, add_choropleth, add_context, save_map
from woonzorg_geo.outputs.maps.points import add_voorzieningen
from woonzorg_geo.outputs.maps.style import DECIMALS
from woonzorg_geo.outputs.pages import map_piece

if TYPE_CHECKING:
    import folium

log = logging.getLogger(__name__)

#: The balans classes of the package's settings (``[overlays] balans_grenzen`` and ``balans_labels``
#: in ``data/instellingen.toml``; a test keeps them equal): the default of :func:`write_maps`.
DEFAULT_BALANCE: Classes = balance_classes(
    (-1.0, -0.33, 0.33, 1.0),
    ("sterk onder druk", "onder druk", "in evenwicht", "veerkrachtig", "sterk veerkrachtig"),
)


# the classes of the overlay and site maps: from the one palette (woonzorg_geo.core.palette)
def add_overlay_layers(
    m: folium.Map,
    wijken: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    *,
    balance: Classes,
    vocabulary: Vocabulary | None = None,
    min_count: int = 0,
) -> folium.Map:
    """Add balans, draaglast and draagkracht per wijk and focus and veerkracht per buurt.

    Buurten with fewer than ``min_count`` addresses are drawn in a lighter tone (see
    :func:`~woonzorg_geo.outputs.maps.add_choropleth`).
    """
    kw: dict[str, Any] = {"vocabulary": vocabulary}
    wfields = [
        "naam",
        "code",
        "balans_klasse",
        "balans",
        "draaglast",
        "draagkracht",
        "indicatoren_dekking",
        "overlay_toelichting",
        "focus_buurten",
    ]
    wfields = [f for f in wfields if f in wijken.columns or f in ("naam", "code")]
    add_choropleth(
        m,
        wijken,
        column="balans",
        label="Wijken: balans draagkracht − draaglast",
        classes=balance,
        fields=wfields,
        **kw,
    )
    add_choropleth(
        m,
        wijken,
        column="draaglast",
        label="Wijken: draaglast (z-score)",
        classes=LOAD_CLASSES,
        fields=wfields,
        show=False,
        **kw,
    )
    add_choropleth(
        m,
        wijken,
        column="draagkracht",
        label="Wijken: draagkracht (z-score)",
        classes=CAPACITY_CLASSES,
        fields=wfields,
        show=False,
        **kw,
    )
    b = buurten.copy()
    b["focus_klasse"] = b["focus"].map(FOCUS_ORDER)
    b["veerkracht_klasse"] = b["veerkracht"].map(VEERKRACHT_ORDER)
    bfields = ["naam", "code", "focus", "focus_redenen", "wijk_context", "veerkracht", "veerkracht_redenen", "signalen"]
    bfields = [f for f in bfields if f in b.columns or f in ("naam", "code")]
    add_choropleth(
        m,
        b,
        column="focus_klasse",
        label="Buurten: focus",
        classes=FOCUS_CLASSES,
        fields=bfields,
        show=False,
        min_count=min_count,
        **kw,
    )
    add_choropleth(
        m,
        b,
        column="veerkracht_klasse",
        label="Buurten: veerkracht",
        classes=VEERKRACHT_CLASSES,
        fields=bfields,
        show=False,
        min_count=min_count,
        **kw,
    )
    return m


def overlay_map(
    wijken: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    *,
    gemeente: str,
    balance: Classes,
    network: gpd.GeoDataFrame | None = None,
    offline: bool | None = None,
    source_note: str = "",
    vocabulary: Vocabulary | None = None,
    bounds: Any = None,
    attribution: str = ATTRIBUTION,
    sources: str = "",
    min_count: int = 0,
    provenance: str = "",
    scaling_note: str = "",
) -> folium.Map:
    """The overlay map of the gemeente: balans, draaglast, draagkracht, focus and veerkracht.

    ``bounds``: where the map opens (default: the wijken's extent; see
    :meth:`~woonzorg_geo.outputs.maps.MapData.view`); ``attribution`` and ``sources``: the data's sources
    and dates (map corner and panel); ``min_count``: buurten with fewer addresses get a lighter tone;
    ``provenance``: where the indicators come from (the analysis' ``herkomst_tekst``: "volgens de
    tabellen van het rapport (2024)" for the report's), shown in the panel; ``scaling_note``: what
    the run's scaling means (:data:`woonzorg_geo.areas.overlays.scaling.SCALING_NOTES`).
    """
    m = new_map(
        wijken if bounds is None else bounds,
        offline=offline,
        title=f"Gemeente {gemeente} — draagkracht en draaglast",
        attribution=attribution,
    )
    add_overlay_layers(m, wijken, buurten, balance=balance, vocabulary=vocabulary, min_count=min_count)
    if network is not None and len(network):
        # new_map records on the Map whether it is offline; folium.Map does not declare that attribute
        add_context(m, network, road_classes=MAIN_ROADS, show=m.woonzorg_offline)  # type: ignore[attr-defined]
    add_area_outlines(m, wijken, name="Wijkgrenzen en namen")
    rows = []
    for _, w in wijken.sort_values("balans", na_position="last").iterrows():
        rows.append((fmt.text(w["naam"]), fmt.text(w.get("balans_klasse"))))
    add_panel(
        m,
        panel_html(
            f"Draagkracht en draaglast — {gemeente}",
            rows,
            note=f"{Z_SCORE_EXPLANATION} {scaling_note + ' ' if scaling_note else ''}Focus en veerkracht per buurt uit de eigen signalen van de buurt "
            "(rapport); de last van de wijk staat ernaast als context. Klik voor de redenen en het aantal "
            "indicatoren achter elke waarde; 'onbekend': te weinig indicatoren. "
            + (f"Herkomst: {provenance} " if provenance else "")
            + source_note,
            sources=sources or None,
        ),
    )
    add_layer_control(m)
    return m


def add_rank_labels(
    m: folium.Map, zoekgebieden: gpd.GeoDataFrame, *, name: str = "Rangnummers zoekgebieden"
) -> folium.Map:
    """Add the rank of every zoekgebied as a numbered label, with its explanation as popup."""
    import folium

    from woonzorg_geo.core.escaping import html_in_js, html_text

    pts = zoekgebieden.geometry.representative_point().to_crs(WGS84)
    group = folium.FeatureGroup(name=html_text(name), show=True)
    for (_, row), pt in zip(zoekgebieden.iterrows(), pts, strict=True):
        icon = folium.DivIcon(
            html=map_piece("rank_symbol", int(row["rang"]), RANK_COLOUR),
            icon_size=(22, 22),
            icon_anchor=(11, 11),
        )
        folium.Marker(
            [round(pt.y, DECIMALS), round(pt.x, DECIMALS)],
            icon=icon,
            popup=folium.Popup(html_in_js(row.get("toelichting", "")), max_width=360),  # a JS template literal
            tooltip=f"Zoekgebied {int(row['rang'])}",
        ).add_to(group)
    group.add_to(m)
    return m


def site_map(
    zoekgebieden: gpd.GeoDataFrame,
    cells: gpd.GeoDataFrame,
    *,
    wijken: gpd.GeoDataFrame,
    voorzieningen: gpd.GeoDataFrame,
    gemeente: str,
    network: gpd.GeoDataFrame | None = None,
    offline: bool | None = None,
    profile_label: str = "",
    bounds: Any = None,
    attribution: str = ATTRIBUTION,
    sources: str = "",
) -> folium.Map:
    """The candidate-site map: ranked zoekgebieden with their explanation, scored cells, voorzieningen.

    ``profile_label`` names the walking profile the distances were measured on (panel note);
    ``bounds`` where the map opens (default: the wijken); ``attribution`` and ``sources`` the data's
    sources and dates.
    """
    m = new_map(
        wijken if bounds is None else bounds,
        offline=offline,
        title=f"Gemeente {gemeente} — zoekgebieden geclusterd wonen",
        attribution=attribution,
    )
    scored = cells.loc[cells["score"].notna()].copy()
    scored["code"] = [f"cel {i}" for i in scored.index]
    scored["naam"] = scored.get("buurt", pd.Series("", index=scored.index)).fillna("")
    add_choropleth(
        m,
        scored,
        column="score",
        label="Kandidaatcellen: score (0–1)",
        classes=SCORE_CLASSES,
        fields=["naam", "code", "score", "wijk"],
        show=False,
        opacity=0.5,
        simplify_m=0.0,
    )
    zg = zoekgebieden.copy()
    zg["naam"] = [f"{int(r)}. {fmt.text(b, missing='')}" for r, b in zip(zg["rang"], zg["buurt"])]
    zg["code"] = zg.index.astype(str)
    add_choropleth(
        m,
        zg,
        column="score",
        label="Zoekgebieden geclusterd wonen (rang en score)",
        classes=SCORE_CLASSES,
        fields=["naam", "score", "n_cellen", "wijk", "toelichting"],
        opacity=0.8,
        simplify_m=0.0,
    )
    add_rank_labels(m, zoekgebieden)
    if network is not None and len(network):
        # new_map records on the Map whether it is offline; folium.Map does not declare that attribute
        add_context(m, network, road_classes=MAIN_ROADS, show=m.woonzorg_offline)  # type: ignore[attr-defined]
    add_area_outlines(m, wijken, name="Wijkgrenzen en namen")
    add_voorzieningen(m, voorzieningen, show=("supermarkt", "huisarts", "apotheek", "ontmoetingsplek"))
    rows = [
        (
            f"{int(r['rang'])}. {fmt.text(r.get('buurt'), missing='')} ({fmt.text(r.get('wijk'))})",
            fmt.number(r["score"], 2),
        )
        for _, r in zoekgebieden.head(10).iterrows()
    ]
    walk = f"profiel {profile_label}" if profile_label else "het profiel van [locaties]"
    add_panel(
        m,
        panel_html(
            f"Zoekgebieden geclusterd wonen — {gemeente}",
            rows,
            note=f"Score 0–1 uit bereikbaarheid te voet ({walk}), balans en focus/veerkracht, vraag en ruimte. "
            "Een zoekgebied is een goed gelegen stuk bebouwd gebied, geen vrije kavel; eigen kavels rangschikt "
            "'locaties --kavels'. Klik op een zoekgebied voor de toelichting"
            + (" en de toets per deel." if "toets_deel2" in zoekgebieden else "."),
            sources=sources or None,
        ),
    )
    add_layer_control(m)
    return m


def write_site_map(sites: Any, analysis: Any, maps_dir: Path, *, offline: bool | None = None) -> Path:
    """Write ``maps_dir/kandidaatlocaties.html`` for a :class:`woonzorg_geo.sites.SiteResult`."""
    return save_map(analysis_site_map(sites, analysis, offline=offline), Path(maps_dir) / "kandidaatlocaties.html")


def analysis_site_map(sites: Any, analysis: Any, *, offline: bool | None = None) -> folium.Map:
    """The candidate-site map of a :class:`woonzorg_geo.sites.SiteResult`, built in memory (nothing written)."""
    from woonzorg_geo.core import provenance
    from woonzorg_geo.outputs.manifest import run_manifest
    from woonzorg_geo.outputs.maps.geometry import built_up_bounds

    net = analysis.network.edges_gdf()
    manifest = run_manifest(analysis)
    m = site_map(
        sites.search_areas,
        sites.cells,
        wijken=analysis.wijken.reset_index(),
        voorzieningen=analysis.inputs.voorzieningen,
        gemeente=analysis.settings.gemeente.naam,
        network=net.loc[net["klasse"].isin(MAIN_ROADS)],
        offline=offline,
        profile_label=analysis.vocab.profile_label(analysis.settings.locaties.profiel),
        bounds=built_up_bounds(analysis.adressen, quantile=analysis.settings.kaarten.bebouwd_kwantiel),
        attribution=provenance.attribution(manifest),
        sources=provenance.sources_line(manifest),
    )
    return m
