"""overzicht.xlsx of a real Assen run (analyse, watals, toets --lijst): sheets, titles, formats, equal to the CSVs."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from workbook_check import assert_layout, assert_nl_csv_equals, assert_sheet_equals_csv, column_keys

from woonzorg_geo.core.vocabulary import default_vocabulary

pytestmark = pytest.mark.realdata

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_analyse_writes_overzicht_xlsx_equal_to_its_csvs(assen_output):
    path = assen_output / "overzicht.xlsx"
    manifest = json.loads((assen_output / "manifest.json").read_text(encoding="utf-8"))
    assert "overzicht.xlsx" in manifest["bestanden"]  # listed like every other output
    assert not any(name.endswith("_nl.csv") for name in manifest["bestanden"])  # only with --csv-nl
    wb = openpyxl.load_workbook(path)
    sheets = ["wijken", "buurten", "voorzieningen", "gevoeligheid", "bronnen", "instellingen", "kolommen"]
    assert wb.sheetnames == sheets  # gevoeligheid: Assen has the report's indicators
    for ws in wb:
        assert_layout(ws)
    norm = default_vocabulary().with_run(norm_m=manifest["norm_m"])
    headline = f"Aandeel woningen met {norm.noun('ov_en_supermarkt')} binnen {norm.norm_text} (%)"
    assert_sheet_equals_csv(wb, "gevoeligheid", assen_output / "gevoeligheid.csv")
    for sheet, csv in (("wijken", "wijken.csv"), ("buurten", "buurten.csv")):
        titles = [c.value for c in wb[sheet][1]]
        assert headline in titles and titles[:2] == ["Code", "Naam"]
        col = titles.index(headline) + 1
        formats = {c.number_format for c in wb[sheet].iter_cols(min_col=col, max_col=col, min_row=2).__next__()}
        assert formats <= {"0.0", "General"}  # General only on an 'onbekend' text cell
        assert assert_sheet_equals_csv(wb, sheet, assen_output / csv) > 500
    keys = column_keys(wb, "wijken")
    metres = [t for t, k in keys.items() if k.startswith("med_afstand_")]
    assert metres and all(t.endswith("(m)") for t in metres)
    # voorzieningen with their source and its date; the sources with their dates; the settings used
    vz = list(wb["voorzieningen"].iter_rows(values_only=True))
    head = vz[0]
    assert {"Bron", "Datum van de bron", "Lengtegraad (graden, WGS84)"} <= set(head)
    assert len(vz) > 100 and all(r[head.index("Bron")] and r[head.index("Datum van de bron")] for r in vz[1:])
    bronnen = {r[1]: r for r in wb["bronnen"].iter_rows(min_row=2, values_only=True)}
    assert set(bronnen) == set(manifest["gegevens"])
    for key, entry in manifest["gegevens"].items():
        assert bronnen[key][2] == entry["bron"] and bronnen[key][3] == entry["datum"]
    settings = {(r[0], r[1]): r[2] for r in wb["instellingen"].iter_rows(min_row=2, values_only=True)}
    assert settings[("bereikbaarheid", "norm_m")] == manifest["norm_m"]
    assert settings[("run", "profielen")] == ", ".join(manifest["profielen"])


@pytest.fixture(scope="module")
def watals_and_lijst(assen_output, tmp_path_factory):
    """``watals`` and ``toets --lijst`` on the shared Assen run, both with ``--csv-nl``."""
    from woonzorg_geo.cli.main import main

    root = tmp_path_factory.mktemp("workbook")
    wa = root / "watals"
    change = ["--nieuw", "supermarkt@6.5480,52.9930", "--weg", "vz00328"]
    code = main(["--stil", "watals", "--uit", str(assen_output), "--out", str(wa), "--offline", "--csv-nl", *change])
    assert code == 0
    to = root / "toets"
    lijst = [
        "--lijst",
        str(EXAMPLES / "initiatieven.csv"),
        "--register",
        str(EXAMPLES / "register_zorginitiatieven.csv"),
    ]
    code = main(["--stil", "toets", "--uit", str(assen_output), "--out", str(to), "--offline", "--csv-nl", *lijst])
    assert code == 0
    return wa, to / "toetsen"


def test_watals_writes_overzicht_and_dutch_csvs(watals_and_lijst):
    wa, _ = watals_and_lijst
    wb = openpyxl.load_workbook(wa / "overzicht.xlsx")
    assert wb.sheetnames == ["wijken", "buurten", "gemeente", "wijzigingen", "adressen", "kolommen"]
    for sheet, csv in (("wijken", "watals_wijken.csv"), ("buurten", "watals_buurten.csv")):
        assert_layout(wb[sheet])
        titles = [c.value for c in wb[sheet][1]]
        assert any(t.endswith("vóór de wijziging (%)") for t in titles)
        assert any(t.endswith("na de wijziging (%)") for t in titles)
        assert any(t.endswith("verschil (procentpunt)") for t in titles)
        assert_sheet_equals_csv(wb, sheet, wa / csv)
    assert_sheet_equals_csv(wb, "adressen", wa / "watals_adressen.csv")
    manifest = json.loads((wa / "manifest.json").read_text(encoding="utf-8"))
    for csv in ("watals_wijken.csv", "watals_buurten.csv", "watals_adressen.csv"):
        nl = csv.replace(".csv", "_nl.csv")
        assert nl in manifest["bestanden"]
        assert_nl_csv_equals(wa / csv, wa / nl)


def test_toets_lijst_writes_overzicht_and_a_dutch_csv(watals_and_lijst):
    _, to = watals_and_lijst
    wb = openpyxl.load_workbook(to / "overzicht.xlsx")
    assert wb.sheetnames[0] == "toetsen" and wb.sheetnames[-1] == "kolommen"
    assert_layout(wb["toetsen"])
    titles = [c.value for c in wb["toetsen"][1]]
    assert titles[:2] == ["Regel", "Naam"] and "Oordeel" in titles and "Lengtegraad (graden, WGS84)" in titles
    assert_sheet_equals_csv(wb, "toetsen", to / "toetsen.csv")
    assert_nl_csv_equals(to / "toetsen.csv", to / "toetsen_nl.csv")
    assert "toetsen_nl.csv" in json.loads((to / "manifest.json").read_text(encoding="utf-8"))["bestanden"]
