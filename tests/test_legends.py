"""What the maps' legends say (issue 24 §2): what is measured, for whom, to where and from which data,
each part from the settings, the run's manifest or the voorzieningen layer, never a literal; and the
metric-only scale bar."""

from __future__ import annotations

import dataclasses
import re

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Point

from woonzorg_geo import RD_NEW
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.vocabulary import COMBINATIONS, REPORT_NORM, Vocabulary, default_vocabulary
from woonzorg_geo.outputs import maps
from woonzorg_geo.outputs.maps.captions import (
    data_line,
    destination,
    destination_sources,
    network_source,
    parts,
    voorzieningen_caption,
    walk_caption,
)
from woonzorg_geo.outputs.maps.style import SOURCE_SHORT

RD = RD_NEW
X0, Y0 = 232_000.0, 556_000.0

MANIFEST = {"gegevens": {"osm_tiles": {"bron": "OSM via tilemaker", "datum": "2021-08"}}}


def _vz() -> gpd.GeoDataFrame:
    rows = [
        ("huisarts", "huisartsenlijst", "mrt. 2026"),
        ("huisarts", "huisartsenlijst", "mrt. 2026"),
        ("huisarts", "osm;huisartsenlijst", "aug. 2021;mrt. 2026"),
        ("supermarkt", "osm", "aug. 2021"),
        ("ov_halte", "gtfs", "jul. 2015"),
        ("treinstation", "chb", "feb. 2026"),
    ]
    return gpd.GeoDataFrame(
        {"categorie": [r[0] for r in rows], "bron": [r[1] for r in rows], "bron_datum": [r[2] for r in rows]},
        geometry=[Point(X0 + 50 * i, Y0) for i in range(len(rows))],
        crs=RD,
    )


def test_destination_names_the_category_with_its_article():
    vocab = default_vocabulary()
    assert destination(vocab, "huisarts") == f"de dichtstbijzijnde {vocab.noun('huisarts')}"
    assert destination(vocab, "treinstation").startswith("het dichtstbijzijnde ")
    assert destination(vocab, "ziekenhuis").startswith("het dichtstbijzijnde ")


def test_parts_of_composites_and_combinations():
    vocab = default_vocabulary()
    assert set(parts(vocab, "ov")) == set(vocab.composites["ov"])
    combo = parts(vocab, REPORT_NORM)
    assert set(vocab.composites["ov"]) <= set(combo) and "supermarkt" in combo
    assert parts(vocab, "huisarts") == ("huisarts",)
    assert set(COMBINATIONS[REPORT_NORM]) - {"ov"} <= set(combo)


def test_sources_of_a_destination_most_points_first_with_dates():
    text = destination_sources(_vz(), ["huisarts"])
    assert text == f"{SOURCE_SHORT['huisartsenlijst']} mrt. 2026, {SOURCE_SHORT['osm']} aug. 2021"
    assert destination_sources(_vz(), ["tandarts"]) == ""
    assert destination_sources(None, ["huisarts"]) == ""
    no_dates = _vz().drop(columns="bron_datum")
    assert destination_sources(no_dates, ["supermarkt"]) == SOURCE_SHORT["osm"]


def test_network_date_comes_from_the_manifest():
    assert network_source(MANIFEST) == f"wegen {SOURCE_SHORT['osm']} aug. 2021"
    other = {"gegevens": {"osm_tiles": {"bron": "x", "datum": "2024-03"}}}
    assert network_source(other).endswith("mrt. 2024")
    assert network_source({}) == ""


def test_walk_caption_profile_from_the_settings_not_a_literal():
    settings = load_settings()
    standaard = settings.profielen["standaard"]
    relabelled = dataclasses.replace(
        settings, profielen={**settings.profielen, "standaard": dataclasses.replace(standaard, label="vlot (5,4 km/u)")}
    )
    vocab = Vocabulary.from_settings(relabelled)
    cap = walk_caption(vocab, "huisarts", profile="standaard", manifest=MANIFEST, voorzieningen=_vz())
    assert cap.title == f"Looptijd te voet van de woning naar {destination(vocab, 'huisarts')}"
    assert "looptempo vlot (5,4 km/u)" in cap.subtitle
    assert "wegen OSM aug. 2021" in cap.subtitle and "ZorgKaart mrt. 2026" in cap.subtitle
    assert cap.text.startswith(cap.title + ", ")
    senior = walk_caption(vocab, "huisarts", profile="senior", manifest={}, voorzieningen=None)
    assert vocab.profile_label("senior") in senior.subtitle and "wegen" not in senior.subtitle


def test_data_line_names_each_destination():
    vocab = default_vocabulary()
    line = data_line(vocab, ["ov", "supermarkt"], manifest=MANIFEST, voorzieningen=_vz())
    assert line.startswith("wegen OSM aug. 2021; ")
    assert f"{vocab.noun('ov')}: " in line and "OVapi jul. 2015" in line and "DOVA feb. 2026" in line
    assert f"{vocab.noun('supermarkt')}: OSM aug. 2021" in line


def test_voorzieningen_legend_names_sources():
    cap = voorzieningen_caption(_vz(), ["huisarts"])
    assert cap.title == "Voorzieningen" and cap.subtitle == "bron: ZorgKaart mrt. 2026, OSM aug. 2021"


def test_legend_html_subtitle_is_escaped_and_part_of_the_title():
    html = maps.legend_html("Looptijd", [("#000000", "0–5 min")], subtitle="<b>x</b> & y")
    assert (
        '<div class="wz-legend-title">Looptijd<span class="wz-legend-sub">, &lt;b&gt;x&lt;/b&gt; &amp; y</span>' in html
    )


def test_scale_bar_is_metric_only():
    wijk = gpd.GeoDataFrame({"naam": ["A"]}, geometry=[shapely.box(X0, Y0, X0 + 500, Y0 + 500)], crs=RD)
    html = maps.render(maps.new_map(wijk, offline=True))
    assert "L.control.scale({imperial: false})" in html
    assert "L.control.scale()" not in html  # folium's own, with feet and miles


@pytest.mark.parametrize("cat", ["huisarts", "supermarkt"])
def test_homes_layer_brings_its_own_legend(cat):
    vocab = default_vocabulary()
    homes = gpd.GeoDataFrame({"t": [3.0, 12.0]}, geometry=[Point(X0, Y0), Point(X0 + 900, Y0)], crs=RD)
    cap = walk_caption(vocab, cat, profile=None, manifest=MANIFEST, voorzieningen=_vz())
    m = maps.new_map(homes, offline=True)
    maps.add_homes(
        m, homes, column="t", label="Woningen", legend=True, legend_title=cap.title, legend_subtitle=cap.subtitle
    )
    html = maps.render(m)
    assert cap.title in html and vocab.profile_label() in html


def test_regio_map_names_the_pace_from_the_settings():
    from woonzorg_geo.outputs.maps.regio import regio_map

    settings = load_settings()
    standaard = settings.profielen["standaard"]
    relabelled = dataclasses.replace(
        settings, profielen={**settings.profielen, "standaard": dataclasses.replace(standaard, label="vlot (5,4 km/u)")}
    )
    vocab = Vocabulary.from_settings(relabelled)
    col = vocab.pct(REPORT_NORM)
    box = shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)
    gemeenten = gpd.GeoDataFrame({"naam": ["Proef"], col: [55.0]}, index=["GM9999"], geometry=[box], crs=RD)
    gemeenten.index.name = "code"
    wijken = gpd.GeoDataFrame(
        {"naam": ["Kern"], "gemeente": ["Proef"], col: [60.0]}, index=["WK999901"], geometry=[box], crs=RD
    )
    wijken.index.name = "code"
    html = maps.render(
        regio_map(gemeenten, wijken, naam="Proefland", norm_m=vocab.norm_m, offline=True, vocabulary=vocab)
    )
    assert "looptempo vlot (5,4 km/u)" in html and "standaardtempo" not in html
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), html)  # JSON escapes in the page
    assert f"Wijken: % woningen met {vocab.noun(REPORT_NORM)} ≤ {vocab.norm_text}" in text
