"""watals --scenario: the scenario file's format, its Dutch errors, and the same figures as the options."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from toets_world import X0, Y0, make_world

from woonzorg_geo.whatif.engine import Changes, parse_closure, parse_new
from woonzorg_geo.whatif.scenario import (
    Scenario,
    ScenarioChange,
    ScenarioError,
    load_scenario,
    scenario_changes,
    scenario_from_changes,
    scenario_from_request,
)

GOOD = {
    "naam": "test",
    "wijzigingen": [
        {"soort": "weg", "id": "vz1", "naam": "Testsuper"},
        {"soort": "nieuw", "categorie": "Supermarkt", "lon": 6.55, "lat": 52.99, "naam": "Nieuwe super"},
        {"soort": "verplaats", "id": "vz3", "lon": 6.56, "lat": 52.98},
    ],
}


@pytest.fixture(scope="module")
def world():
    return make_world()


def _write(tmp_path, doc, name="sc.json"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc), encoding="utf-8")
    return path


def test_a_good_file_is_read_in_order_and_written_back_the_same(tmp_path):
    sc = load_scenario(_write(tmp_path, GOOD))
    assert sc.naam == "test" and [w.soort for w in sc.wijzigingen] == ["weg", "nieuw", "verplaats"]
    assert sc.wijzigingen[1].categorie == "supermarkt"  # categories in lower case, as --nieuw takes them
    assert sc.bron == str(tmp_path / "sc.json")
    again = load_scenario(json.loads(sc.to_json()))
    assert again.wijzigingen == sc.wijzigingen and again.naam == sc.naam
    # a dict (the app's import) and a file without a name: the file's stem names it
    assert load_scenario({"wijzigingen": GOOD["wijzigingen"]}, name="upload").bron == "upload"
    assert load_scenario(_write(tmp_path, {"wijzigingen": GOOD["wijzigingen"]}, "sluiting.json")).naam == "sluiting"


@pytest.mark.parametrize(
    ("doc", "field", "words"),
    [
        ("{niet json", None, "geen geldige JSON"),
        ([1, 2], None, "JSON-object"),
        ({"naam": "x"}, "wijzigingen", "ontbreekt"),
        ({"wijzigingen": []}, "wijzigingen", "minstens één"),
        ({"wijzigingen": [{"soort": "sluit", "id": "vz1"}]}, "wijzigingen[0].soort", "kies uit: nieuw, weg, verplaats"),
        ({"wijzigingen": [{"id": "vz1"}]}, "wijzigingen[0].soort", "ontbreekt"),
        ({"wijzigingen": [{"soort": "weg"}]}, "wijzigingen[0].id", "ontbreekt"),
        (
            {"wijzigingen": [{"soort": "nieuw", "categorie": "supermarkt", "lat": 52.9}]},
            "wijzigingen[0].lon",
            "ontbreekt",
        ),
        (
            {"wijzigingen": [{"soort": "nieuw", "categorie": "supermarkt", "lon": "6,5", "lat": 52.9}]},
            "wijzigingen[0].lon",
            "geen getal",
        ),
        (
            {"wijzigingen": [{"soort": "nieuw", "categorie": "supermarkt", "lon": 233000, "lat": 52.9}]},
            "wijzigingen[0].lon",
            "geen RD-meters",
        ),
        (
            {"wijzigingen": [{"soort": "weg", "id": "vz1", "categorei": "x"}]},
            "wijzigingen[0].categorei",
            "onbekend veld",
        ),
        (
            {
                "wijzigingen": [
                    {"soort": "weg", "id": "vz1"},
                    {"soort": "verplaats", "id": "vz1", "lon": 6.5, "lat": 52.9},
                ]
            },
            "wijzigingen[1].id",
            "ook in wijzigingen[0]",
        ),
        ({"wijzigingen": GOOD["wijzigingen"], "versie": 2}, "versie", "niet gelezen"),
        ({"wijzigingen": GOOD["wijzigingen"], "extra": 1}, "extra", "onbekend veld"),
    ],
)
def test_a_bad_file_names_the_file_the_field_and_the_fix(tmp_path, doc, field, words):
    path = _write(tmp_path, doc if isinstance(doc, str) else json.dumps(doc))
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    text = str(info.value)
    assert str(path) in text and words in text and "Oplossing:" in text
    if field:
        assert info.value.field == field, text


def test_missing_and_huge_files_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match="bestaat niet"):
        load_scenario(tmp_path / "nergens.json")
    big = tmp_path / "groot.json"
    big.write_text(" " * 1_100_000 + json.dumps(GOOD), encoding="utf-8")
    with pytest.raises(ScenarioError, match="groter dan"):
        load_scenario(big)


def test_the_apps_short_form_gives_the_same_scenario():
    short = {
        "weg": ["vz1"],
        "verplaats": [{"id": "vz3", "lon": 6.56, "lat": 52.98}],
        "nieuw": [{"categorie": "supermarkt", "lon": 6.55, "lat": 52.99}],
    }
    sc = scenario_from_request(short)
    assert [(w.soort, w.id, w.categorie) for w in sc.wijzigingen] == [
        ("weg", "vz1", None),
        ("verplaats", "vz3", None),
        ("nieuw", None, "supermarkt"),
    ]
    assert scenario_from_request(GOOD).wijzigingen == load_scenario(GOOD).wijzigingen  # the file format too

    def fails(body, field, words):
        with pytest.raises(ScenarioError) as info:
            scenario_from_request(body, name="POST /api/watals")
        assert info.value.field == field and words in str(info.value), str(info.value)
        assert "POST /api/watals" in str(info.value)

    fails({"nieuw": [{"categorie": "supermarkt", "lon": 6.5}]}, "nieuw[0].lat", "ontbreekt")
    fails({"weg": "vz1"}, "weg", "geen lijst")
    fails({"weg": [12]}, "weg[0]", "geen object")
    fails({"weg": ["vz1"], "verplaats": [{"id": "vz1", "lon": 6.5, "lat": 52.9}]}, "verplaats[0].id", "ook in weg[0]")
    fails({}, "weg/nieuw/verplaats", "geen wijziging")
    fails({"sluit": ["vz1"]}, "sluit", "onbekend veld")
    fails({"weg": [{"soort": "weg", "id": "vz1"}]}, "weg[0].soort", "overbodig")


def test_the_scenario_gives_the_changes_of_the_options(world):
    cats = list(world.vocab.categories)
    vz = world.inputs.voorzieningen
    sc = load_scenario(GOOD)
    got = scenario_changes(sc, world)
    flags = Changes(
        nieuw=(parse_new("supermarkt@6.55,52.99", categories=cats, geocode=None, number=1),),
        weg=tuple(parse_closure("Testsuper", vz)),
    )
    assert got.weg == ("vz1", "vz3")  # a move closes the old place
    assert [n.categorie for n in got.nieuw] == ["supermarkt", "huisarts"]  # and opens with its category
    assert (got.nieuw[0].x, got.nieuw[0].y) == (flags.nieuw[0].x, flags.nieuw[0].y)
    assert got.nieuw[0].id == flags.nieuw[0].id == "nieuw_1" and got.nieuw[1].id == "nieuw_2"
    assert "Nieuwe super" in got.nieuw[0].label and "verplaatst" in got.nieuw[1].label
    # and back: the options as a scenario give the same changes
    back = scenario_changes(scenario_from_changes(flags, world), world)
    assert back.weg == flags.weg
    assert back.nieuw[0].x == pytest.approx(flags.nieuw[0].x, abs=1e-3)


def test_the_scenario_is_checked_against_the_analysis(world):
    def fails(changes, field, words):
        with pytest.raises(ScenarioError) as info:
            scenario_changes(Scenario("t", tuple(changes), bron="t.json"), world)
        assert info.value.field == field and words in str(info.value) and "t.json" in str(info.value), str(info.value)

    fails([ScenarioChange("weg", id="vz99")], "wijzigingen[0].id", "geen voorziening 'vz99'")
    fails([ScenarioChange("weg", id="vz1", naam="Andere super")], "wijzigingen[0].naam", "heet 'Testsuper'")
    fails([ScenarioChange("nieuw", categorie="bioscoop", lon=6.5, lat=52.9)], "wijzigingen[0].categorie", "kies uit")
    # a place far from the synthetic gemeente (it lies at x 230 km, y 555 km)
    fails(
        [ScenarioChange("nieuw", categorie="supermarkt", lon=4.9, lat=52.37)],
        "wijzigingen[0].lon/lat",
        "buiten de gemeente",
    )
    with pytest.raises(ScenarioError, match="gemeente"):
        scenario_changes(Scenario("t", (ScenarioChange("weg", id="vz1"),), gemeente="GM0001"), world)
    # a name is found by the typo-tolerant search when an id is wrong
    with pytest.raises(ScenarioError, match="bedoelt u: Testsuper"):
        scenario_changes(Scenario("t", (ScenarioChange("weg", id="vz100", naam="Testsupr"),)), world)
    assert X0 < 300_000 and Y0 > 500_000


# --------------------------------------------------------------------------------------------
# Real data (Assen): the same figures as --weg/--nieuw
# --------------------------------------------------------------------------------------------


@pytest.mark.realdata
def test_watals_scenario_equals_the_options_on_assen(assen_output, tmp_path, capsys):
    import geopandas as gpd

    from woonzorg_geo.cli.main import main

    vz = gpd.read_parquet(assen_output / "opslag" / "voorzieningen.parquet")
    hillenga = str(vz.index[vz["naam"] == "Albert Heijn Hillenga"][0])
    base = ["--stil", "watals", "--uit", str(assen_output), "--geen-kaart"]
    flags = tmp_path / "flags"
    assert main([*base, "--out", str(flags), "--weg", hillenga, "--nieuw", "huisarts@6.5600,52.9900"]) == 0
    doc = {
        "naam": "Hillenga dicht, huisarts erbij",
        "wijzigingen": [
            {"soort": "weg", "id": hillenga, "naam": "Albert Heijn Hillenga"},
            {"soort": "nieuw", "categorie": "huisarts", "lon": 6.56, "lat": 52.99},
        ],
    }
    path = _write(tmp_path, doc)
    scen = tmp_path / "scen"
    assert main([*base, "--out", str(scen), "--scenario", str(path)]) == 0
    for name in ("watals_wijken.csv", "watals_buurten.csv", "watals_adressen.csv"):
        a = pd.read_csv(flags / name)
        b = pd.read_csv(scen / name)
        pd.testing.assert_frame_equal(a, b, check_exact=True, obj=name)
    # the options' run writes its scenario file; read again, it gives the same figures once more
    again = tmp_path / "again"
    assert main([*base, "--out", str(again), "--scenario", str(flags / "watals_scenario.json")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(flags / "watals_wijken.csv"), pd.read_csv(again / "watals_wijken.csv"))
    saved = json.loads((scen / "watals.json").read_text(encoding="utf-8"))
    assert saved["scenario"]["naam"] == doc["naam"]
    # options and a scenario together are refused; a bad file is a Dutch error naming it, exit code 2
    capsys.readouterr()
    assert main([*base, "--out", str(tmp_path / "x"), "--scenario", str(path), "--weg", hillenga]) == 2
    bad = _write(tmp_path, {"wijzigingen": [{"soort": "weg", "id": "vz99999"}]}, "fout.json")
    assert main([*base, "--out", str(tmp_path / "y"), "--scenario", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "fout.json" in err and "wijzigingen[0].id" in err and "Oplossing" in err
    assert not (tmp_path / "y" / "watals.json").exists()
