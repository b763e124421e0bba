from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.site_settings import Criterion, ExclusionClass
from woonzorg_geo.sites import (
    built_up_cells,
    business_park_buurten,
    candidate_cells,
    care_note,
    curve_score,
    dissolve_overlaps,
    exclusion_counts,
    exclusion_reasons,
    explain,
    land_shares,
    polygon_parts,
    rank_search_areas,
    site_osm_layers,
    site_sensitivity,
    stability,
    weighted_total,
)

RD = "EPSG:28992"
S = load_settings()


def test_curve_is_piecewise_linear_and_flat_beyond_the_ends():
    c = Criterion("ov", punten=((400.0, 1.0), (800.0, 0.6), (1200.0, 0.0)))
    got = curve_score(np.array([0, 400, 600, 800, 1000, 5000, np.nan]), c)
    assert got[:6].tolist() == pytest.approx([1.0, 1.0, 0.8, 0.6, 0.3, 0.0])
    assert np.isnan(got[6])


def test_weighted_total_leaves_missing_out():
    scores = pd.DataFrame({"a": [1.0, 0.0, np.nan], "b": [0.0, 0.0, 0.5]})
    total, missing = weighted_total(scores, {"a": 3.0, "b": 1.0})
    assert total.tolist() == pytest.approx([0.75, 0.0, 0.5])
    assert missing.tolist() == ["", "", "a"]


def test_bad_curves_are_refused(tmp_path):
    for text, match in [
        ("[locaties.criteria.ov]\npunten = [[800.0, 0.6], [400.0, 1.0]]\n", "oplopende"),
        ("[locaties.criteria.ov]\npunten = [[400.0, 1.5], [800.0, 0.0]]\n", "tussen 0 en 1"),
        ('[locaties.criteria.ov]\npunten = "ver"\n', "waarde, score"),
        ("[locaties]\nzoekgebied_max_cellen = 0\n", "zoekgebied_max_cellen"),
    ]:
        f = tmp_path / "s.toml"
        f.write_text(text, encoding="utf-8")
        with pytest.raises(SettingsError, match=match):
            load_settings(f)


def test_weights_from_settings_file(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[locaties.criteria.ruimte]\ngewicht = 5.0\n", encoding="utf-8")
    s = load_settings(f)
    crit = {c.name: c for c in s.locaties.criteria}
    assert crit["ruimte"].gewicht == 5.0 and crit["ov"].gewicht == 2.0  # the rest kept


def _town():
    """A 1 × 1 km gemeente with homes in the west half (x < 500) and cells of 100 m."""
    gemeente = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=RD)
    rng = np.random.default_rng(1)
    xy = rng.uniform([0, 0], [500, 1000], size=(800, 2))
    addresses = gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs=RD)
    return gemeente, addresses


def _reason_at(cells, x, y):
    hit = cells.loc[cells.geometry.contains(Point(x, y))]
    assert len(hit) == 1, (x, y)
    return hit["uitgesloten"].iloc[0]


def test_candidate_cells_excluded_by_land_share_and_counted_per_class():
    gemeente, addresses = _town()
    lu = gpd.GeoDataFrame(
        {"class": ["industrial", "residential", "cemetery"]},
        geometry=[box(0, 0, 200, 200), box(0, 200, 500, 1000), box(300, 0, 400, 100)],
        crs=RD,
    )
    # cell (0-100, 300-400): 60% wood -> out; cell (100-200, 300-400): 40% wood -> stays;
    # cell (0-100, 500-600): 30% park + 30% grass -> out together, counted under grass (the larger),
    # cell (100-200, 500-600): 60% park, which is also class grass: counted as park (listed first)
    lc = gpd.GeoDataFrame(
        {
            "class": ["wood", "wood", "grass", "grass", "grass"],
            "subclass": ["forest", "forest", "park", "grass", "park"],
        },
        geometry=[
            box(0, 300, 60, 400),
            box(100, 300, 140, 400),
            box(0, 500, 30, 600),
            box(30, 500, 60, 600),
            box(100, 500, 160, 600),
        ],
        crs=RD,
    )
    water = gpd.GeoDataFrame({"class": ["lake"]}, geometry=[box(300, 800, 500, 1000)], crs=RD)
    cells = candidate_cells(
        gemeente, addresses, settings=S.locaties, layers={"landuse": lu, "landcover": lc, "water": water}
    )
    cx = cells.geometry.centroid
    assert (cx.x < 700).all()  # no cells far from homes
    assert np.allclose(cells.area, 1e4)
    assert cells["adressen_cel"].sum() <= 800 and cells["adressen_cel"].max() > 0
    labels = {c.name: c.label for c in S.locaties.uitsluiten}
    assert _reason_at(cells, 50, 50) == labels["bedrijven"]
    assert _reason_at(cells, 350, 50) == labels["begraafplaats"]
    assert _reason_at(cells, 450, 950) == labels["water"]
    assert _reason_at(cells, 50, 350) == labels["bos"]
    assert _reason_at(cells, 150, 350) == ""
    assert _reason_at(cells, 50, 550) == labels["gras"]
    assert _reason_at(cells, 150, 550) == labels["park"]
    counts = exclusion_counts(cells)
    assert counts[labels["bedrijven"]] == 4 and counts[labels["water"]] == 4
    assert counts[labels["bos"]] == counts[labels["park"]] == counts[labels["gras"]] == 1
    assert counts.sum() == (cells["uitgesloten"] != "").sum()


def test_a_looser_share_keeps_more_cells_and_a_class_can_be_switched_off(tmp_path):
    gemeente, addresses = _town()
    lc = gpd.GeoDataFrame({"class": ["wood"], "subclass": ["forest"]}, geometry=[box(0, 300, 60, 400)], crs=RD)
    strict = candidate_cells(gemeente, addresses, settings=S.locaties, layers={"landcover": lc})
    assert _reason_at(strict, 50, 350) == "bos"
    loose = candidate_cells(
        gemeente, addresses, settings=replace(S.locaties, uitsluiten_aandeel=0.7), layers={"landcover": lc}
    )
    assert _reason_at(loose, 50, 350) == ""
    f = tmp_path / "s.toml"
    f.write_text("[locaties.uitsluiten.bos]\nlandcover = []\n", encoding="utf-8")
    off = load_settings(f).locaties
    assert "bos" not in {c.name for c in off.uitsluiten} and "park" in {c.name for c in off.uitsluiten}
    assert _reason_at(candidate_cells(gemeente, addresses, settings=off, layers={"landcover": lc}), 50, 350) == ""


def test_missing_layer_excludes_nothing_and_says_so(caplog):
    gemeente, addresses = _town()
    with caplog.at_level("WARNING", logger="woonzorg_geo.sites"):
        cells = candidate_cells(gemeente, addresses, settings=S.locaties, layers={})
    assert (cells["uitgesloten"] == "").all()
    assert "'landcover' ontbreekt" in caplog.text and "ruimte onbekend" in caplog.text
    assert cells["ruimte_pct"].isna().all()


def test_business_park_buurten_by_name_or_landuse_share():
    buurten = gpd.GeoDataFrame(
        {"naam": ["Bedrijventerrein Noord", "Havenkade", "Woonwijk", "Industrieterrein Oost"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100), box(300, 0, 400, 100)],
        index=pd.Index(["BU1", "BU2", "BU3", "BU4"], name="code"),
        crs=RD,
    )
    landuse = gpd.GeoDataFrame(
        {"class": ["industrial", "commercial", "industrial", "residential"]},
        geometry=[box(100, 0, 160, 100), box(160, 0, 170, 100), box(200, 0, 240, 100), box(240, 0, 300, 100)],
        crs=RD,
    )
    why = business_park_buurten(buurten, landuse, settings=S.locaties)
    assert why["BU1"] == why["BU4"] == "naam"
    assert why["BU2"] == "70% bedrijventerrein"  # industrial 60% + commercial 10%
    assert why["BU3"] == ""  # 40% industrial: below bedrijventerrein_aandeel
    looser = business_park_buurten(buurten, landuse, settings=replace(S.locaties, bedrijventerrein_aandeel=0.4))
    assert looser["BU3"] == "40% bedrijventerrein"
    # cells whose centre lies in such a buurt go, whatever the land under them
    gemeente = gpd.GeoDataFrame(geometry=[box(0, 0, 400, 100)], crs=RD)
    homes = gpd.GeoDataFrame(geometry=[Point(x, 50) for x in range(5, 400, 10)], crs=RD)
    cells = candidate_cells(gemeente, homes, settings=S.locaties, layers={"landuse": landuse}, buurten=buurten)
    assert cells["uitgesloten"].tolist() == ["bedrijventerrein (buurt)"] * 2 + [""] + ["bedrijventerrein (buurt)"]
    assert cells["uitgesloten_buurt"].iloc[1] == "Havenkade (70% bedrijventerrein)"


def test_shopping_core_buurten_by_shops_per_hectare():
    # two buurten of 1 ha: 3 shops (and 5 car parks) in the first, 1 shop in the second
    buurten = gpd.GeoDataFrame(
        {"naam": ["Kern", "Wijk"]},
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)],
        index=pd.Index(["BU1", "BU2"], name="code"),
        crs=RD,
    )
    pois = gpd.GeoDataFrame(
        {"class": ["shop", "clothing_store", "bakery", "shop"] + ["parking"] * 5},
        geometry=[Point(10, 10), Point(20, 20), Point(30, 30), Point(150, 50)] + [Point(150, 10 + i) for i in range(5)],
        crs=RD,
    )
    s = replace(S.locaties, winkelkern_winkels_per_ha=2.0)
    from woonzorg_geo.sites import shopping_core_buurten

    why = shopping_core_buurten(buurten, pois, settings=s)
    assert why.tolist() == ["3,0 winkels/ha", ""]
    assert (shopping_core_buurten(buurten, pois, settings=replace(s, winkelkern_winkels_per_ha=0.0)) == "").all()
    gemeente = gpd.GeoDataFrame(geometry=[box(0, 0, 200, 100)], crs=RD)
    homes = gpd.GeoDataFrame(geometry=[Point(x, 50) for x in range(5, 200, 10)], crs=RD)
    cells = candidate_cells(gemeente, homes, settings=s, buurten=buurten, pois=pois)
    assert cells["uitgesloten"].tolist() == ["winkelkern (buurt)", ""]
    assert cells["uitgesloten_buurt"].tolist() == ["Kern (3,0 winkels/ha)", ""]


def test_shopping_areas_and_rail_lines_exclude_cells():
    gemeente, addresses = _town()
    n = S.locaties.winkelgebied_min_winkels
    shops = gpd.GeoDataFrame(
        {"class": ["clothing_store"] * n + ["shop"] * (n - 1) + ["parking"] * 5},
        geometry=[Point(50 + i, 650) for i in range(n)]
        + [Point(450 + i, 150) for i in range(n - 1)]
        + [Point(450 + i, 450) for i in range(5)],
        crs=RD,
    )
    rail = gpd.GeoDataFrame(
        {"class": ["rail", "minor"]},
        geometry=[LineString([(250, 0), (250, 1000)]), LineString([(0, 850), (500, 850)])],
        crs=RD,
    )
    cells = candidate_cells(gemeente, addresses, settings=S.locaties, pois=shops, lines=rail)
    assert _reason_at(cells, 50, 650) == "winkelgebied"
    assert _reason_at(cells, 450, 150) == ""  # one shop short
    assert cells.loc[cells.geometry.contains(Point(450, 150)), "winkels_nabij"].iloc[0] == n - 1
    assert _reason_at(cells, 250 - 1, 550) == "spoor" and _reason_at(cells, 250 + 1, 550) == "spoor"
    assert _reason_at(cells, 50, 850) == ""  # a street is no reason
    # raw OSM frames mark shops by a `shop` tag
    raw = gpd.GeoDataFrame({"shop": ["bakery"] * n}, geometry=[Point(50 + i, 650) for i in range(n)], crs=RD)
    assert _reason_at(candidate_cells(gemeente, addresses, settings=S.locaties, pois=raw), 50, 650) == "winkelgebied"


def test_room_is_residential_land_without_buildings_and_green():
    cell = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(200, 0, 300, 100)], crs=RD)
    landuse = gpd.GeoDataFrame(
        {"class": ["residential", "school"]}, geometry=[box(0, 0, 200, 100), box(200, 0, 300, 100)], crs=RD
    )
    # cell 0: 10% building, 30% park (a 5% pavilion on it); a building part on top of an outline
    # counts once. cell 1: empty residential land. cell 2: an empty school ground (not residential)
    building = gpd.GeoDataFrame(geometry=[box(0, 0, 50, 20), box(10, 0, 30, 20), box(70, 0, 80, 50)], crs=RD)
    landcover = gpd.GeoDataFrame({"class": ["grass"], "subclass": ["park"]}, geometry=[box(70, 0, 100, 100)], crs=RD)
    shares = land_shares(cell, {"landuse": landuse, "building": building, "landcover": landcover}, settings=S.locaties)
    assert shares["woonterrein_pct"].tolist() == pytest.approx([100, 100, 0])
    assert shares["bebouwing_pct"].iloc[0] == pytest.approx(15.0)  # 1000 + 500 m2
    assert np.isnan(shares["bebouwing_pct"].iloc[2])
    # 100 - 10 (building) - 30 (park) + 0 (the pavilion is in both) ... minus the pavilion once: 100-10-30 = 60
    assert shares["ruimte_pct"].tolist() == pytest.approx([60.0, 100.0, 0.0])
    assert shares["aandeel_park"].tolist() == pytest.approx([0.3, 0.0, 0.0])
    crit = {c.name: c for c in S.locaties.criteria}["ruimte"]
    # empty school ground scores nothing on room, a fully free residential cell scores full
    assert curve_score(shares["ruimte_pct"].to_numpy(), crit).tolist() == pytest.approx(
        [np.interp(60.0, *zip(*crit.punten)), 1.0, 0.0]
    )


def test_tile_polygons_are_repaired_and_overlaps_dissolved():
    bow = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])  # self-intersecting: two triangles
    parts = polygon_parts(np.array([bow, Point(0, 0)], dtype=object))
    assert len(parts) == 2 and sum(p.area for p in parts) == pytest.approx(50.0)
    # every single polygon in the order of the input, a multi-part geometry's parts in theirs
    mixed = [
        shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)]),
        None,
        box(5, 0, 6, 1),
        bow,
        shapely.GeometryCollection([box(7, 0, 8, 1), shapely.LineString([(0, 0), (1, 1)])]),
        box(9, 0, 10, 1),
    ]
    parts = polygon_parts(np.array(mixed, dtype=object))
    assert [p.bounds[0] for p in parts] == [0, 2, 5, 0, 5, 7, 9]  # the bow: its left, then its right triangle
    assert all(p.geom_type == "Polygon" and p.is_valid for p in parts)
    merged = dissolve_overlaps(np.array([box(0, 0, 10, 10), box(5, 0, 15, 10), box(15, 0, 20, 10)], dtype=object))
    assert len(merged) == 2 and sum(p.area for p in merged) == pytest.approx(200.0)  # touching ones stay apart


def test_site_layers_follow_the_settings():
    assert site_osm_layers(S.locaties) == ("building", "landcover", "landuse", "water")
    extra = replace(S.locaties, uitsluiten=(*S.locaties.uitsluiten, ExclusionClass("natuur", park=("nature_reserve",))))
    assert "park" in site_osm_layers(extra)


def test_exclusion_settings_are_validated(tmp_path):
    for text, match in [
        ("[locaties]\nuitsluiten_aandeel = 0.0\n", "uitsluiten_aandeel"),
        ('[locaties]\nbedrijventerrein_naam = "bedrijven(terrein"\n', "reguliere expressie"),
        ('[locaties.uitsluiten.bos]\nlandcovr = ["wood"]\n', "onbekende sleutel"),
        ('[locaties.uitsluiten.bos]\nlandcover = "wood"\n', "verwacht een lijst"),
        ("[locaties.uitsluiten.bos]\nlandcover = [1]\n", "verwacht tekst, kreeg 1"),
        ("[locaties]\ngevoeligheid = 1.5\n", "gevoeligheid"),
        ("[locaties]\ngevoeligheid_top = 0\n", "gevoeligheid_top"),
    ]:
        f = tmp_path / "s.toml"
        f.write_text(text, encoding="utf-8")
        with pytest.raises(SettingsError, match=match):
            load_settings(f)
    f = tmp_path / "s.toml"
    f.write_text('[locaties.uitsluiten.bos]\nlandcover = ["wood", "scrub"]\n', encoding="utf-8")
    bos = {c.name: c for c in load_settings(f).locaties.uitsluiten}["bos"]
    assert bos.landcover == ("wood", "scrub") and bos.label == "bos"  # the label kept from the defaults


def test_care_note_names_what_the_data_lacks():
    vz = pd.DataFrame({"categorie": ["ziekenhuis", "supermarkt"]})
    assert care_note(vz, ("ziekenhuis", "woonzorg")) == "alleen ziekenhuis in de gegevens, geen woonzorg"
    assert care_note(vz, ("ziekenhuis",)) is None
    assert care_note(vz, ("woonzorg",)) == "geen woonzorg in de gegevens"


def test_explanation_does_not_call_an_incomplete_criterion_the_weakest_point():
    crits = (
        Criterion("ov", label="OV", punten=((400.0, 1.0), (1200.0, 0.0))),
        Criterion("zorg", label="zorg", punten=((1000.0, 1.0), (3000.0, 0.0)), gewicht=0.5),
    )
    row = pd.Series(
        {
            "score": 0.8,
            "buurt": "A",
            "wijk": "W",
            "waarde_ov": 300.0,
            "score_ov": 1.0,
            "waarde_zorg": 4500.0,
            "score_zorg": 0.0,
            "ontbrekend": "",
        }
    )
    plain = explain(row, crits, rank=1, speed=0.76)
    assert "zwakste punt: zorg 4.500 m" in plain
    noted = explain(row, crits, rank=1, speed=0.76, notes={"zorg": "alleen ziekenhuis in de gegevens"})
    assert "zwakste punt" not in noted
    assert "zorg: 4.500 m (99 min), alleen ziekenhuis in de gegevens" in noted


def _scored_cells():
    # a 4 × 1 row of cells at x = 0..400 and one lone cell far away
    boxes = [
        box(0, 0, 100, 100),
        box(100, 0, 200, 100),
        box(200, 0, 300, 100),
        box(300, 0, 400, 100),
        box(900, 900, 1000, 1000),
    ]
    return gpd.GeoDataFrame(
        {
            "score": [0.90, 0.88, 0.60, 0.85, 0.95],
            "buurt": ["A", "A", "A", "A", "B"],
            "wijk": "W",
            "buurtcode": "BU01060000",
            "wijkcode": "WK010600",
            "focus": "laag",
            "veerkracht": "hoog",
            "ontbrekend": "",
            "waarde_ov": [100.0, 200.0, 900.0, 250.0, 300.0],
            "score_ov": [1.0, 1.0, 0.4, 1.0, 1.0],
        },
        geometry=boxes,
        crs=RD,
    )


def test_regions_grow_from_the_best_cell_within_delta():
    s = replace(
        S.locaties,
        zoekgebied_delta=0.05,
        zoekgebied_max_cellen=9,
        criteria=(Criterion("ov", label="OV", punten=((400.0, 1.0), (1200.0, 0.0))),),
    )
    zg = rank_search_areas(_scored_cells(), settings=s, speed_m_s=0.76)
    # lone 0.95 cell first; then 0.90 + its neighbour 0.88 (0.60 is > 0.05 below); the 0.60 cell is
    # blocked (it touches the second area) and the 0.85 cell is its own area
    assert zg["rang"].tolist() == [1, 2, 3]
    assert zg["n_cellen"].tolist() == [1, 2, 1]
    assert zg["score"].tolist() == pytest.approx([0.95, 0.90, 0.85])
    assert zg.geometry.iloc[1].area == pytest.approx(2e4, rel=1e-6)
    assert zg["toelichting"].iloc[0].startswith("Rang 1 (score 0,95, B in W)")
    assert "OV 300 m (7 min)" in zg["toelichting"].iloc[0]
    capped = rank_search_areas(_scored_cells(), settings=replace(s, zoekgebied_max_cellen=1), speed_m_s=0.76)
    assert capped["n_cellen"].max() == 1
    wide = rank_search_areas(_scored_cells(), settings=replace(s, zoekgebied_delta=0.5), speed_m_s=0.76)
    assert wide["n_cellen"].tolist() == [1, 4]
    assert len(rank_search_areas(_scored_cells(), settings=s, speed_m_s=0.76, top=2)) == 2


def _sensitivity_cells():
    # four lone cells (each its own zoekgebied) scored on a and b; a fifth one unreachable
    boxes = [box(1000 * i, 0, 1000 * i + 100, 100) for i in range(5)]
    return gpd.GeoDataFrame(
        {
            "score_a": [1.0, 0.0, 0.42, 0.3, 1.0],
            "score_b": [0.0, 0.9, 0.42, 0.3, 1.0],
            "score_c": [0.0, 1.0, 0.0, 0.0, 1.0],
            "toegankelijk": [True, True, True, True, False],
            "buurt": ["A", "B", "C", "D", "E"],
        },
        geometry=boxes,
        crs=RD,
    )


def test_sensitivity_counts_how_many_of_the_top_stay():
    s = replace(
        S.locaties,
        gevoeligheid=0.2,
        gevoeligheid_top=2,
        criteria=(
            Criterion("a", label="A", punten=((0.0, 0.0), (1.0, 1.0)), gewicht=1.0),
            Criterion("b", label="B", punten=((0.0, 0.0), (1.0, 1.0)), gewicht=1.0),
            Criterion("c", label="C", punten=((0.0, 0.0), (1.0, 1.0)), gewicht=0.0),
        ),
    )
    variants, kept = site_sensitivity(_sensitivity_cells(), settings=s)
    # base: A 0.50, B 0.45, C 0.42 (E is unreachable); c has no weight and gets no variants
    assert variants["criterium"].tolist() == ["a"] * 3 + ["b"] * 3
    assert variants["variant"].tolist() == ["gewicht -20%", "gewicht +20%", "weggelaten"] * 2
    assert variants["behouden"].tolist() == [2, 1, 1, 1, 2, 1]
    assert variants["uit_top"].tolist() == ["", "2", "1", "2", "", "2"]
    assert variants["nieuw_in_top"].tolist() == ["", "C", "C", "C", "", "C"]
    assert kept.sum(axis=0).tolist() == [5, 3]  # A stays in 5 of 6 variants, B in 3
    stab = stability(variants, kept, settings=s)
    assert stab["altijd_in_top"] == 0 and stab["minst_behouden"] == 1 and stab["varianten"] == 6
    assert stab["tekst"].startswith(
        "Gevoeligheid van de rangorde (elk gewicht ±20%, elk criterium eenmaal "
        "weggelaten; 6 varianten): 0 van de top 2 blijven in alle 6 varianten"
    )
    assert "gemiddeld blijven er 1,3" in stab["tekst"] and "het minst (1) bij A gewicht +20%" in stab["tekst"]
    # parcels: every candidate is its own group, same answer here
    variants_p, _ = site_sensitivity(_sensitivity_cells(), settings=s, grid=False)
    assert variants_p["behouden"].tolist() == [2, 1, 1, 1, 2, 1]


def test_sensitivity_base_is_the_ranking_itself():
    cells = _scored_cells().assign(score_ov=[1.0, 0.95, 0.4, 0.9, 1.0], toegankelijk=True)
    s = replace(
        S.locaties, gevoeligheid_top=3, criteria=(Criterion("ov", label="OV", punten=((400.0, 1.0), (1200.0, 0.0))),)
    )
    cells["score"] = cells["score_ov"]
    variants, kept = site_sensitivity(cells, settings=s)
    # one criterion: scaling its weight changes nothing, leaving it out leaves no score at all
    assert variants["behouden"].tolist() == [3, 3, 0]
    zg = rank_search_areas(cells, settings=s, speed_m_s=0.76, top=3)
    assert kept.shape == (3, len(zg))


STRUCK = "Havenkanaal|Bedrijventerrein|Koopmanskwartier|Asserbos"  # issue 9: no planner would take these


@pytest.mark.realdata
@pytest.mark.xdist_group("locaties_assen")  # with test_sites_toets, on the same run (conftest.py)
def test_locaties_for_assen(locaties_output, raw_dir):
    out = locaties_output / "output"
    zg = gpd.read_file(out / "woonzorg.gpkg", layer="kandidaatlocaties")
    assert len(zg) == 20 and zg["rang"].tolist() == list(range(1, 21))
    assert zg["score"].is_monotonic_decreasing
    assert zg["toelichting"].str.startswith("Rang ").all()
    csv = pd.read_csv(out / "kandidaatlocaties.csv")
    assert len(csv) == 20 and {"lon", "lat", "toelichting", "buurt"} <= set(csv.columns)
    assert csv["lon"].between(6.4, 6.7).all() and csv["lat"].between(52.9, 53.1).all()

    # no zoekgebied has a cell whose centre lies in a business park, the Havenkanaal, the shopping core
    # or the Asserbos (buurten looked up here, independently of the run)
    from woonzorg_geo.core.settings_loader import load_settings
    from woonzorg_geo.sources.cbs import read_areas

    data = load_settings().data
    buurten = read_areas(raw_dir / data.buurten, level="buurt", gemeentecode="GM0106")
    assert buurten["naam"].str.contains(STRUCK).sum() >= 8  # the names exist, so the check below can fail
    cells = gpd.read_file(out / "woonzorg.gpkg", layer="kandidaatcellen").set_index("cel_id")
    members = cells.loc[[int(c) for cs in zg["cellen"] for c in str(cs).split()]]
    centres = gpd.GeoDataFrame(geometry=members.geometry.centroid, crs=cells.crs)
    hit = gpd.sjoin(centres, buurten[["naam", "geometry"]], predicate="within")
    assert len(hit) >= 0.95 * len(members)
    assert not hit["naam"].str.contains(STRUCK).any(), hit["naam"].value_counts()

    # nor on a park or a wood: OSM landcover read here from the tiles, overlaid with plain geopandas
    from woonzorg_geo.sources.osm_tiles import read_tiles

    lc = read_tiles(raw_dir / data.osm_tiles, layers=["landcover"], bbox_lonlat=tuple(zg.to_crs(4326).total_bounds))[
        "landcover"
    ]
    green = lc.loc[(lc["class"] == "wood") | lc["subclass"].isin(["park", "village_green", "garden"])]
    green = gpd.GeoDataFrame(geometry=polygon_parts(green.geometry.to_numpy()), crs=lc.crs)
    pieces = gpd.overlay(zg[["rang", "geometry"]], green, how="intersection", keep_geom_type=True)
    # overlapping landcover polygons count twice: the share can only come out too high
    on_green = pieces.area.groupby(pieces["rang"]).sum().reindex(zg["rang"]).fillna(0.0) / zg.set_index("rang").area
    assert (on_green < 0.2).all(), on_green.round(2).tolist()
    assert on_green.max() > 0  # the overlay sees green at all
    # every cell of every zoekgebied is at most half excluded land, and has walkable access
    assert (members["aandeel_uitgesloten"] < S.locaties.uitsluiten_aandeel).all()
    assert members["toegankelijk"].all()

    # room: land that is not residential gives none; the best cells are residential
    assert (cells.loc[cells["woonterrein_pct"] == 0, "score_ruimte"] == 0).all()
    assert (cells["woonterrein_pct"] == 0).sum() > 50
    best = cells.loc[zg["beste_cel"]]
    assert best["woonterrein_pct"].median() > 80

    # care: OSM 2021 holds no woonzorg location, so the explanations say so and never call the
    # hospital distance the weakest point
    assert zg["toelichting"].str.contains("alleen ziekenhuis in de gegevens, geen woonzorg").all()
    assert not zg["toelichting"].str.contains("zwakste punt: loopafstand tot ziekenhuis").any()

    # sensitivity: 11 criteria with a weight x 3 variants, in a CSV beside the list and stated in the note
    sens = pd.read_csv(out / "kandidaatlocaties_gevoeligheid.csv")
    weighted = [c for c in S.locaties.criteria if c.gewicht > 0]
    assert len(sens) == 3 * len(weighted)
    assert set(sens["variant"]) == {"gewicht -20%", "gewicht +20%", "weggelaten"}
    assert sens["behouden"].between(0, 10).all() and (sens["top"] == 10).all()
    assert sens["behouden"].min() < 10  # some variant moves the top (else the analysis shows nothing)
    note = (out / "kandidaatlocaties.txt").read_text(encoding="utf-8")
    always = int((zg["in_top_varianten"] == len(sens)).sum())
    assert f"{always} van de top 10 blijven in alle {len(sens)} varianten in de top 10" in note
    assert "Uitgesloten bebouwde cellen: " in note and "bedrijventerrein (buurt) " in note and "bos " in note
    assert zg["in_top_varianten"].iloc[:10].between(0, len(sens)).all()
    assert zg["in_top_varianten"].iloc[10:].isna().all()


@pytest.mark.realdata
def test_parcels_on_excluded_land_are_scored_but_flagged(assen_analysis):
    """A planner's parcel on a business park stays in the list, with a warning; without the land layers
    (this analysis loaded none) room is unknown and left out of the total, not scored as zero."""
    from woonzorg_geo.sites import find_sites

    buurten = assen_analysis.inputs.buurten
    park = buurten.loc[buurten["naam"].str.startswith("Bedrijventerrein")].iloc[0]
    home = buurten.loc[buurten["naam"] == "Oude Molenbuurt"].iloc[0]
    pts = [park.geometry.representative_point(), home.geometry.representative_point()]
    parcels = gpd.GeoDataFrame(
        {"naam": ["werf", "tuin"]}, geometry=[p.buffer(40, cap_style="square") for p in pts], crs=RD
    )
    # the home parcel in Oude Molenbuurt lies within school_straal_m of a school (OSM 2021), which
    # the grid would exclude too (tested in test_sites_toets): that rule is off here
    quiet = replace(S.locaties, school_categorieen=(), school_poi_subklassen=())
    res = find_sites(assen_analysis, settings=quiet, parcels=parcels, top=None)
    zg = res.search_areas.set_index("naam")
    assert len(zg) == 2 and res.parcels
    assert f"Let op: bedrijventerrein (buurt): {park['naam']} (naam)" in zg.loc["werf", "toelichting"]
    assert "Let op" not in zg.loc["tuin", "toelichting"]
    assert zg["waarde_ruimte"].isna().all() and zg["ontbrekend"].str.contains("ruimte").all()
    assert res.excluded.to_dict() == {"bedrijventerrein (buurt)": 1}
    assert res.summary_lines()[0].startswith("Kavels op grond die het raster zou uitsluiten (wel beoordeeld): 1")


def test_the_grid_takes_the_analysis_addresses_a_sliver_buurts_homes_too():
    """Issue 21: the grid branch selects addresses as the analysis does (no home lost at a sliver buurt)."""
    from types import SimpleNamespace

    from woonzorg_geo.core.config import PlausibilitySettings
    from woonzorg_geo.sites import built_up_cells, site_addresses
    from woonzorg_geo.sources.outlines import Outlines

    # buurten A and B cover x 0-250; the sliver S (5 x 5 m) stands for the gap x 250-300 that the
    # gemeente's and its wijk W2's outlines both hold (Meppel's Scheepsbuurt in small)
    buurten = gpd.GeoDataFrame(
        {"naam": ["A", "B", "S"], "wijkcode": ["WK099901", "WK099902", "WK099902"]},
        index=pd.Index(["BU09990100", "BU09990200", "BU09990201"], name="code"),
        geometry=[box(0, 0, 150, 100), box(150, 0, 250, 100), box(250, 0, 255, 5)],
        crs=RD,
    )
    wijken = gpd.GeoDataFrame(
        {"naam": ["W1", "W2"]},
        index=pd.Index(["WK099901", "WK099902"], name="code"),
        geometry=[box(0, 0, 150, 100), box(150, 0, 300, 100)],
        crs=RD,
    )
    outlines = Outlines(gemeentegrens=box(0, 0, 300, 100), wijken=wijken, other_buurten=box(290, 90, 400, 200))
    gemeente = gpd.GeoDataFrame(geometry=[buurten.union_all()], crs=RD)
    xy = [(50, 50), (270, 50), (280, 20), (295, 95), (400, 50), (200, 50)]
    points = gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=RD, index=pd.RangeIndex(6) + 100)
    analysis = SimpleNamespace(
        inputs=SimpleNamespace(
            osm=SimpleNamespace(addresses=points), gemeente=gemeente, buurten=buurten, outlines=outlines
        ),
        settings=SimpleNamespace(plausibiliteit=PlausibilitySettings()),
        adressen=gpd.GeoDataFrame(geometry=[], crs=RD),  # the address table not loaded: selected again
    )
    chosen = site_addresses(analysis)  # type: ignore[arg-type]
    # the gap's two homes count; the one in another gemeente's buurt and the one outside do not
    assert list(chosen.index) == [100, 101, 102, 105]
    # with the analysis' table loaded, its points are the selection (here a different one, to tell)
    analysis.adressen = points.iloc[[0, 1]]
    assert list(site_addresses(analysis).index) == [100, 101]  # type: ignore[arg-type]
    assert list(points.index[points.within(gemeente.union_all())]) == [100, 105]  # what the grid took before
    settings = replace(S.locaties, cel_m=50.0, bebouwd_straal_m=500.0, bebouwd_min_adressen=1)
    cells = built_up_cells(gemeente, chosen, settings=settings)
    assert (cells["adressen_nabij"] == 4).all()


def test_land_shares_count_overlapping_classes_once_and_cut_buildings_at_every_edge():
    cells = gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=RD)
    landuse = gpd.GeoDataFrame({"class": ["residential"]}, geometry=[box(0, 0, 150, 100)], crs=RD)
    # grass x 0-60 and wood x 40-100 overlap on x 40-60: each 60 %, together the whole cell 0
    landcover = gpd.GeoDataFrame(
        {"class": ["grass", "wood"], "subclass": ["grass", "forest"]},
        geometry=[box(0, 0, 60, 100), box(40, 0, 100, 100)],
        crs=RD,
    )
    # one building across the cells' edge (100 m² in each), one wholly inside cell 1's residential
    # land, one across the residential edge at x 150 (100 of its 200 m² on residential land)
    building = gpd.GeoDataFrame(geometry=[box(90, 0, 110, 10), box(120, 20, 130, 30), box(140, 0, 160, 10)], crs=RD)
    shares = land_shares(cells, {"landuse": landuse, "landcover": landcover, "building": building}, settings=S.locaties)
    assert shares["aandeel_gras"].tolist() == pytest.approx([0.6, 0.0])
    assert shares["aandeel_bos"].tolist() == pytest.approx([0.6, 0.0])
    assert shares["aandeel_uitgesloten"].tolist() == pytest.approx([1.0, 0.0])
    assert shares["woonterrein_pct"].tolist() == pytest.approx([100.0, 50.0])
    assert shares["bebouwing_pct"].tolist() == pytest.approx([1.0, 6.0])  # 100 of 10,000; 300 of 5,000 m²
    # cell 0 is all excluded land (its building stands on the wood); cell 1: 5,000 - 300 m² free
    assert shares["ruimte_pct"].tolist() == pytest.approx([0.0, 47.0])


def test_the_grid_measures_only_what_it_uses_and_exactly_what_every_share_gives():
    gemeente, addresses = _town()
    landuse = gpd.GeoDataFrame(
        {"class": ["industrial", "residential"]},
        geometry=[box(0, 0, 500, 200), box(0, 200, 500, 1000)],
        crs=RD,
    )
    # wood over half of a row of cells (excluded), a park over a quarter of others (kept)
    landcover = gpd.GeoDataFrame(
        {"class": ["wood", "grass"], "subclass": ["forest", "park"]},
        geometry=[box(0, 300, 500, 360), box(0, 500, 500, 525)],
        crs=RD,
    )
    building = gpd.GeoDataFrame(
        geometry=[box(x, y, x + 12, y + 9) for x in range(3, 500, 37) for y in range(205, 1000, 41)], crs=RD
    )
    buurten = gpd.GeoDataFrame(
        {"naam": ["Bedrijventerrein Zuid", "Woonwijk"]},
        geometry=[box(0, 0, 1000, 200), box(0, 200, 1000, 1000)],
        index=pd.Index(["BU1", "BU2"], name="code"),
        crs=RD,
    )
    layers = {"landuse": landuse, "landcover": landcover, "building": building}
    cells = candidate_cells(gemeente, addresses, settings=S.locaties, layers=layers, buurten=buurten)
    full = exclusion_reasons(
        built_up_cells(gemeente, addresses, settings=S.locaties), settings=S.locaties, layers=layers, buurten=buurten
    )
    assert cells["uitgesloten"].tolist() == full["uitgesloten"].tolist()
    by_buurt = (cells["uitgesloten"] == "bedrijventerrein (buurt)").to_numpy()
    kept = (cells["uitgesloten"] == "").to_numpy()
    assert by_buurt.sum() >= 5 and kept.sum() >= 10 and (~by_buurt & ~kept).sum() >= 5  # every kind is there
    shares = [c for c in full.columns if c.startswith("aandeel_")]
    room = ["woonterrein_pct", "bebouwing_pct", "ruimte_pct"]
    # measured: the very same figures (not merely close); unmeasured: NaN
    assert cells.loc[~by_buurt, shares].equals(full.loc[~by_buurt, shares])
    assert cells.loc[kept, room].equals(full.loc[kept, room])
    # the buildings made on a thread of their own meanwhile: the same room as land_shares makes in line
    direct = land_shares(built_up_cells(gemeente, addresses, settings=S.locaties), layers, settings=S.locaties)
    assert cells.loc[kept, room].equals(direct.loc[kept, room])
    assert full.loc[kept, "bebouwing_pct"].gt(0).sum() >= 10 and full.loc[~by_buurt, "aandeel_bos"].gt(0).any()
    assert cells.loc[by_buurt, shares].isna().all().all() and cells.loc[~kept, room].isna().all().all()
    assert full.loc[by_buurt, "aandeel_uitgesloten"].notna().all()
    other = [c for c in full.columns if c not in shares and c not in room and c != "geometry"]
    assert cells[other].equals(full[other])


def test_land_shares_on_threads_are_those_of_one_thread_bit_for_bit(monkeypatch):
    from woonzorg_geo.sites import land

    rng = np.random.default_rng(7)
    cells = gpd.GeoDataFrame(
        geometry=[box(x, y, x + 100, y + 100) for x in range(0, 1000, 100) for y in (0, 100)], crs=RD
    )
    landuse = gpd.GeoDataFrame({"class": ["residential"]}, geometry=[box(0, 0, 1000, 150)], crs=RD)
    # irregular green across cell edges, overlapping buildings (two parts of one) here and there
    green = [
        shapely.Point(xy).buffer(r) for xy, r in zip(rng.uniform(0, 1000, (30, 2)) * [1, 0.2], rng.uniform(5, 60, 30))
    ]
    landcover = gpd.GeoDataFrame({"class": ["grass"] * 30, "subclass": ["park"] * 30}, geometry=green, crs=RD)
    xy = rng.uniform([0, 0], [1000, 200], (300, 2))
    building = gpd.GeoDataFrame(geometry=[box(x, y, x + 9, y + 7) for x, y in xy], crs=RD)
    layers = {"landuse": landuse, "landcover": landcover, "building": building}
    monkeypatch.setattr(land, "MIN_SLICE", 3)
    monkeypatch.setattr(land, "THREADS", 1)
    one = land_shares(cells, layers, settings=S.locaties)
    monkeypatch.setattr(land, "THREADS", 3)
    calls = []
    original = land.in_slices

    def spy(measure, n, **kw):
        calls.append(n)
        return original(measure, n, **kw)

    monkeypatch.setattr(land, "in_slices", spy)
    three = land_shares(cells, layers, settings=S.locaties)
    assert calls == [20, 20]  # class shares and room, each in slices
    assert three.equals(one)  # the very same figures, NaN where NaN
    assert one["aandeel_park"].gt(0).sum() >= 5 and one["bebouwing_pct"].gt(0).sum() >= 10
