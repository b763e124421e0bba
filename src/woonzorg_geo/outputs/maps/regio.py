"""The map of a region (a province): gemeenten and wijken by the share with OV and supermarket ≤ the norm."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import geopandas as gpd

from woonzorg_geo.core.vocabulary import REPORT_NORM, Vocabulary, default_vocabulary
from woonzorg_geo.outputs.maps.base import add_layer_control, add_panel, new_map, panel_html
from woonzorg_geo.outputs.maps.layers import add_area_outlines, add_choropleth
from woonzorg_geo.outputs.maps.style import format_field

if TYPE_CHECKING:
    import folium


def regio_map(
    gemeenten: gpd.GeoDataFrame,
    wijken: gpd.GeoDataFrame,
    *,
    naam: str,
    norm_m: float,
    links: Mapping[str, str] = {},
    offline: bool | None = None,
    vocabulary: Vocabulary | None = None,
) -> folium.Map:
    """The regional map: wijken and gemeenten coloured by ``column``, each gemeente's own map linked.

    Parameters
    ----------
    gemeenten, wijken
        The regional tables (``regio.gpkg``), indexed by CBS code, with ``naam`` and ``column``.
    naam
        Name of the region (title).
    norm_m
        The norm (the settings' ``bereikbaarheid.norm_m``): the map shows, for the main profile,
        the share of addresses with an OV stop and a supermarket within it.
    links
        ``{gemeentecode: relative path of the gemeente's own map}``, listed in the panel.
    offline
        See :func:`.base.new_map`.
    vocabulary
        The run's vocabulary (labels, the main profile and its label); default the package settings'.
    """
    vocab = (vocabulary or default_vocabulary()).with_run(norm_m=norm_m)
    column = vocab.pct(REPORT_NORM)
    pace = f"te voet, looptempo {vocab.profile_label()}"
    g = gemeenten.reset_index()
    w = wijken.reset_index()
    m = new_map(g, offline=offline, title=f"{naam} — bereikbaarheid te voet per gemeente en wijk")
    m.options["zoom_start"] = 9
    fields = [
        "naam",
        "code",
        "gemeente",
        "n_adressen",
        "inwoners_cbs",
        column,
        *(vocab.pct(c) for c in ("drie_a", "huisarts", "supermarkt", "ov")),
        "med_afstand_huisarts_m",
    ]
    what = f"% woningen met {vocab.noun(REPORT_NORM)} ≤ {vocab.norm_text}"
    add_choropleth(m, w, column=column, label=f"Wijken: {what}", fields=fields, simplify_m=20.0, legend_subtitle=pace)
    add_choropleth(
        m,
        g,
        column=column,
        label=f"Gemeenten: {what}",
        fields=[f for f in fields if f != "gemeente"] + ["adressen_per_woning", "ratio_toelichting"],
        show=False,
        legend=False,
        simplify_m=50.0,
    )
    add_area_outlines(m, g, name="Gemeentegrenzen en namen", simplify_m=50.0)
    rows = [(str(r["naam"]), format_field(column, r[column])) for _, r in g.sort_values(column).iterrows()]
    add_panel(
        m,
        panel_html(
            f"{naam}: {vocab.noun(REPORT_NORM)} ≤ {vocab.norm_text}",
            rows,
            header=("gemeente", "aandeel adressen"),
            note=f"Aandeel van alle adressen per gemeente, {pace}, over het OSM-netwerk. Klik op een "
            "wijk voor details; de links openen de kaart van elke gemeente.",
            links=[(str(r["naam"]), links[str(r["code"])]) for _, r in g.iterrows() if str(r["code"]) in links],
        ),
    )
    add_layer_control(m)
    return m
