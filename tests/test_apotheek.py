"""Apotheek from every source (IGJ register, OSM, dispensing GPs), drogisterijen never, sources and dates
on every voorziening, and the completeness of OSM against the independent lists (issue 19 §3)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, box

from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.settings_loader import load_category_rules, load_settings
from woonzorg_geo.sources import independent_lists
from woonzorg_geo.sources.osm import OSMData
from woonzorg_geo.sources.voorzieningen import build_voorzieningen, categorise_pois, parse_rules

RD = "EPSG:28992"
RULES = parse_rules(load_category_rules())
DATES = {"osm": "aug. 2021", "igj": "jan. 2026", "huisartsenlijst": "mrt. 2026"}


def _osm(pois: gpd.GeoDataFrame) -> OSMData:
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=RD)
    return OSMData(lines=empty, pois=pois, addresses=empty, source="test", schema="openmaptiles")


def _pois(rows: list[tuple[str, str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"class": [r[0] for r in rows], "subclass": [r[0] for r in rows], "name": [r[1] for r in rows]},
        geometry=[Point(r[2], r[3]) for r in rows],
        crs=RD,
    )


def _list(rows: list[tuple[str, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"naam": [r[0] for r in rows], "geocode_precisie": "adres"},
        geometry=[Point(r[1], r[2]) for r in rows],
        crs=RD,
    )


def test_duplicate_pharmacy_in_two_sources_is_merged_once_with_both_sources():
    # the mapped pharmacy and its geocoded register address lie 120 m apart (more than merge_m) but share a name
    pois = _pois([("pharmacy", "BENU Apotheek Noorderpark", 1000, 1000)])
    register = _list([("Benu Apotheek Noorderpark B.V.", 1120, 1000), ("Apotheek Stationsstraat", 1130, 1000)])
    vz = build_voorzieningen(_osm(pois), rules=RULES, apotheken=register, bron_datum=DATES)
    apo = vz.loc[vz["categorie"] == "apotheek"].sort_values("naam")
    assert len(apo) == 2  # Noorderpark once, Stationsstraat (another name) on its own
    merged = apo.loc[apo["naam"] == "BENU Apotheek Noorderpark"].iloc[0]
    assert merged["bron"] == "osm;igj"
    assert merged["bron_datum"] == "aug. 2021;jan. 2026"
    assert merged["bron_label"] == "OpenStreetMap; IGJ-apothekersregister"
    assert merged.geometry.equals(Point(1000, 1000))  # the OSM point represents it
    other = apo.loc[apo["naam"] == "Apotheek Stationsstraat"].iloc[0]
    assert other["bron"] == "igj" and other["bron_datum"] == "jan. 2026"


def test_same_name_far_apart_is_not_merged():
    pois = _pois([("pharmacy", "Apotheek Jansen", 0, 0)])
    register = _list([("Apotheek Jansen", 5000, 0)])
    vz = build_voorzieningen(_osm(pois), rules=RULES, apotheken=register, bron_datum=DATES)
    assert (vz["categorie"] == "apotheek").sum() == 2


@pytest.mark.parametrize(
    "name", ["D.I.O. Drog./Parf. Maat", "Mulder Drogisterij Parfumerie K", "Kruidvat", "Etos", "DA Drogisterij"]
)
def test_drogisterij_tagged_pharmacy_is_no_apotheek(name):
    pois = _pois([("pharmacy", name, 0, 0), ("pharmacy", "Apotheek Rolde", 10, 0)])
    cat = categorise_pois(pois, RULES, schema="openmaptiles")
    assert pd.isna(cat.iloc[0])
    assert cat.iloc[1] == "apotheek"


def test_dispensing_gps_by_name_and_switch():
    settings = load_settings()
    gps = _list(
        [
            ("Apotheekhoudende Huisartsenpraktijk Diever", 0, 0),
            ("Huisartsenpraktijk Schoonoord met apotheek", 100, 0),
            ("Huisartsenpraktijk Havelte", 200, 0),
        ]
    )
    picked = independent_lists.dispensing_gps(gps, settings)
    assert picked is not None and picked["naam"].tolist() == gps["naam"].tolist()[:2]
    vz = build_voorzieningen(_osm(_pois([])), rules=RULES, huisartsen=gps, apotheekhoudend=picked, bron_datum=DATES)
    apo = vz.loc[vz["categorie"] == "apotheek"]
    assert len(apo) == 2 and set(apo["bron"]) == {"huisartsenlijst"} and set(apo["bron_datum"]) == {"mrt. 2026"}
    off = dataclasses.replace(settings, data=dataclasses.replace(settings.data, apotheekhoudende_huisartsen=False))
    assert independent_lists.dispensing_gps(gps, off) is None


def test_completeness_counts_list_rows_osm_has():
    pois = _pois(
        [
            ("pharmacy", "Apotheek Themmen", 0, 0),
            ("supermarket", "Albert Heijn", 500, 0),
            ("supermarket", "Jumbo", 900, 0),
        ]
    )
    register = _list([("Apotheek Themmen", 10, 0), ("Apotheek Stationsstraat", 300, 300), ("Apotheek Elders", 1e6, 0)])
    vz = build_voorzieningen(_osm(pois), rules=RULES, apotheken=register, bron_datum=DATES)
    gemeente = gpd.GeoDataFrame(geometry=[box(-1000, -1000, 2000, 2000)], crs=RD)
    stores = gpd.GeoDataFrame(
        {"brand": ["Albert Heijn", "ALDI Nord"], "naam": ["AH X", "ALDI Y"]},
        geometry=[Point(520, 0), Point(1500, 1500)],
        crs=RD,
    )
    table = independent_lists.completeness(vz, gemeente=gemeente, chain_stores=stores).set_index("categorie")
    assert table.loc["apotheek", "n_lijst"] == 2  # the one far outside does not count
    assert table.loc["apotheek", "n_osm_gevonden"] == 1
    assert table.loc["apotheek", "aandeel_osm"] == pytest.approx(0.5)
    assert table.loc["apotheek", "tekst"] == "OpenStreetMap heeft 1 van de 2 apotheken uit het IGJ-register"
    assert table.loc["supermarkt", "n_lijst"] == 2 and table.loc["supermarkt", "n_osm_gevonden"] == 1
    assert table.loc["supermarkt", "n_osm"] == 1  # Jumbo is not one of the chains
    assert pd.isna(table.loc["huisarts", "aandeel_osm"])  # no GP list given


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ('"KvKnr";"Officiëlenaam";"Adresbezoek";"Postcode";"Plaats";"Typerelatie"\n', ["geen rijen", "apotheken"]),
        (
            '"KvKnr";"Officiëlenaam";"Adresbezoek";"Postcode";"Plaats";"Typerelatie"\n'
            + '1;"Apotheek A";"Straat 1 ";"ASSEN";"9401 AB";"Apotheker"\n' * 5,
            ["ongeldige postcode", "Postcode", "lijst_max_aandeel_leeg"],
        ),
        ('"KvKnr";"Naam";"Adres"\n1;"A";"B"\n', ["Officiëlenaam"]),
    ],
    ids=["empty", "columns-shifted", "not-the-register"],
)
def test_damaged_register_is_refused(tmp_path: Path, text: str, needles: list[str]):
    path = tmp_path / "register.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        independent_lists.read_register(path, load_settings())
    msg = str(err.value)
    assert "register.csv" in msg
    for needle in needles:
        assert needle in msg


def test_dutch_date():
    assert independent_lists.dutch_date("2021-08") == "aug. 2021"
    assert independent_lists.dutch_date("ca. 2016") == "ca. 2016"


@pytest.mark.realdata
def test_assen_has_the_nine_igj_pharmacies(assen_inputs):
    vz = assen_inputs.voorzieningen
    inside = vz.loc[(vz["categorie"] == "apotheek") & vz.within(assen_inputs.gemeente.union_all())]
    igj = inside["bron"].str.split(";").map(lambda b: "igj" in b)
    assert igj.sum() >= 9
    assert (inside["bron_datum"].str.len() > 0).all()
    table = assen_inputs.volledigheid.set_index("categorie")
    assert table.loc["apotheek", "n_lijst"] >= 9
    assert 0 < table.loc["apotheek", "aandeel_osm"] < 1  # OSM 2021 lacks Stationsstraat and the hospital


@pytest.mark.realdata
def test_no_drogisterij_is_an_apotheek_anywhere_in_drenthe(raw_dir):
    from woonzorg_geo.sources.osm_tiles import read_tiles

    pois = read_tiles(raw_dir / "osm_openmaptiles_drenthe_2021_provincie" / "tiles", layers=("poi",))["poi"]
    cat = categorise_pois(pois, RULES, schema="openmaptiles")
    apo = pois.loc[cat == "apotheek", "name"].fillna("").str.lower()
    assert len(apo) >= 35  # the OSM pharmacies are still there
    assert not apo.str.contains("drog").any(), apo[apo.str.contains("drog")].tolist()
    assert not apo.str.startswith("d.i.o").any()
    named_dio = pois["name"].fillna("").str.startswith("D.I.O")
    assert named_dio.sum() >= 2 and cat[named_dio].ne("apotheek").all()


@pytest.mark.realdata
def test_westerveld_gets_its_dispensing_gps_as_apotheek(raw_dir):
    from woonzorg_geo.sources import catalogue
    from woonzorg_geo.sources.datasets import load_offline

    settings = catalogue.resolve_gemeente(load_settings(), "Westerveld")
    inputs = load_offline(settings, raw_dir=raw_dir)
    vz = inputs.voorzieningen
    apo = vz.loc[(vz["categorie"] == "apotheek") & vz.within(inputs.gemeente.union_all())]
    # the IGJ register has no pharmacy in Westerveld, OSM 2021 none either: Diever and Vledder dispense
    assert {"Apotheekhoudende Huisartsenpraktijk Diever", "Apotheekhoudende Huisartsenpraktijk Vledder"} <= set(
        apo["naam"]
    )
    assert set(apo["bron"]) == {"huisartsenlijst"} and set(apo["bron_datum"]) == {"mrt. 2026"}
    table = inputs.volledigheid.set_index("categorie")
    assert table.loc["apotheek", "n_lijst"] == 0 and pd.isna(table.loc["apotheek", "aandeel_osm"])
