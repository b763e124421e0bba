"""overzicht.xlsx and --csv-nl on small tables: titles, units, formats, layout, onbekend, equal to the CSVs."""

from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import Point
from workbook_check import assert_layout, assert_nl_csv_equals, assert_sheet_equals_csv

from woonzorg_geo.core.files import write_csv
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.outputs.workbook import (
    COLUMNS_SHEET,
    WORKBOOK_NAME,
    build_workbook,
    column_spec,
    csv_sheet,
    make_sheet,
    nl_name,
    write_exports,
)
from woonzorg_geo.outputs.workbook.sheets import (
    lijst_sheets,
    regio_sheets,
    settings_sheet,
    sources_sheet,
    voorzieningen_sheet,
    whatif_sheets,
)


def _opened(wb):
    """The workbook as a reader sees it: saved (in memory) and opened again."""
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.fixture(scope="module")
def vocab(settings) -> Vocabulary:
    return Vocabulary.from_settings(settings)


def _wijken(vocab: Vocabulary) -> pd.DataFrame:
    """A small wijk table with the columns of analyse's wijken.csv (named after the run's norm)."""
    other = vocab.profiles[1]
    share = vocab.pct("ov_en_supermarkt")
    return pd.DataFrame(
        {
            "naam": ["Centrum", "Noord", "=Zuid"],
            "jrstatcode": ["2024WK01", "2024WK02", "2024WK03"],
            "n_adressen": [5066, 12, 0],
            "inwoners_cbs": [7165.0, np.nan, 10.0],
            share: [88.72878010264509, np.nan, 0.0],
            vocab.column(share, other): [80.5, 1.25, np.nan],
            "med_afstand_huisarts_m": [574.695066, 1437.2, np.nan],
            "draaglast": [1.025978, -0.5417, np.nan],
            "woningen_per_cbs": [1.129787, 0.95, np.nan],
            "balans_klasse": ["sterk onder druk", None, "in evenwicht"],
        },
        index=pd.Index(["WK010600", "WK010601", "WK010602"], name="code"),
    )


def test_titles_name_the_unit_and_follow_the_norm_and_profile_of_the_run(settings):
    acc = dataclasses.replace(settings.bereikbaarheid, norm_m=600.0)
    vocab = Vocabulary.from_settings(dataclasses.replace(settings, bereikbaarheid=acc))
    other = vocab.profiles[1]
    share = column_spec(vocab.pct("ov_en_supermarkt"), vocab=vocab)
    assert share.title == f"Aandeel woningen met {vocab.noun('ov_en_supermarkt')} binnen 600 m (%)"
    assert share.kind.number_format == "0.0"
    senior = column_spec(vocab.column(vocab.pct("drie_a"), other), vocab=vocab)
    assert "600 m" in senior.title and f"profiel {other}" in senior.title and senior.title.endswith("(%)")
    every = column_spec(vocab.pct("ov") + "_alle_adressen", vocab=vocab)
    assert every.title.startswith("Aandeel adrespunten met") and "800" not in every.title
    metres = column_spec("med_afstand_huisarts_m", vocab=vocab)
    assert metres.title == f"Mediane loopafstand tot {vocab.noun('huisarts')} (m)"
    assert metres.kind.number_format == "#,##0"
    assert column_spec("draaglast", vocab=vocab).title == "Draaglast (z-score)"  # the unit once
    diff = column_spec(vocab.pct("supermarkt") + "_verschil", vocab=vocab)
    assert diff.title.endswith("verschil (procentpunt)") and diff.kind.number_format.startswith("+")
    assert column_spec("pct_koopwoningen", vocab=vocab).title == "Koopwoningen (%)"
    text = column_spec("naam", pd.Series(["a"]), vocab=vocab)
    assert text.kind.number_format is None and not text.is_number
    assert column_spec("adres_id", pd.Series([12006]), vocab=vocab).kind.number_format == "0"  # no "12.006"


def test_the_workbook_has_dutch_titles_number_formats_onbekend_and_a_frozen_filtered_header(vocab):
    frame = _wijken(vocab).reset_index()
    sheet = make_sheet("wijken", frame, vocab=vocab, csv="wijken.csv")
    assert "jrstatcode" not in [c.key for c in sheet.columns]  # technical: CSV only
    wb = _opened(build_workbook([sheet]))
    assert wb.sheetnames == ["wijken", COLUMNS_SHEET]
    ws = wb["wijken"]
    assert_layout(ws)
    titles = [c.value for c in ws[1]]
    share_title = f"Aandeel woningen met {vocab.noun('ov_en_supermarkt')} binnen {vocab.norm_text} (%)"
    assert titles[:2] == ["Code", "Naam"] and share_title in titles
    col = titles.index(share_title) + 1
    cell = ws.cell(row=2, column=col)
    assert cell.value == pytest.approx(88.72878010264509) and cell.data_type == "n" and cell.number_format == "0.0"
    unknown = ws.cell(row=3, column=col)
    assert unknown.value == "onbekend" and unknown.font.italic  # never 0
    zero = ws.cell(row=4, column=col)
    assert zero.value == 0 and zero.number_format == "0.0"  # a real 0 stays 0
    z = ws.cell(row=2, column=titles.index("Draaglast (z-score)") + 1)
    assert z.number_format == "+0.00;-0.00;0.00"
    naam = ws.cell(row=4, column=2)
    assert naam.value == "=Zuid" and naam.data_type == "s"  # text, never a formula
    klasse = ws.cell(row=3, column=titles.index("Balans") + 1)
    assert klasse.value is None  # missing text: an empty cell, not "onbekend" in a text column
    share_width = ws.column_dimensions[cell.column_letter].width
    assert 10 <= share_width <= 60
    keys = {r[1]: r[2] for r in wb[COLUMNS_SHEET].iter_rows(min_row=2, values_only=True)}
    assert keys[share_title] == vocab.pct("ov_en_supermarkt") and keys["Naam"] == "naam"


def test_a_sheet_read_from_its_csv_equals_it_cell_by_cell_and_csv_nl_reads_back_the_same(tmp_path, vocab):
    write_csv(tmp_path / "wijken.csv", _wijken(vocab), encoding="utf-8")
    sheets = [
        csv_sheet(tmp_path, "wijken.csv", name="wijken", vocab=vocab),
        csv_sheet(tmp_path, "x.csv", name="x", vocab=vocab),
    ]
    assert sheets[1] is None  # a CSV the run did not write: no sheet
    files = write_exports(tmp_path, sheets, csv_nl=True)
    assert [f.name for f in files] == [WORKBOOK_NAME, nl_name("wijken.csv")] == [WORKBOOK_NAME, "wijken_nl.csv"]
    wb = openpyxl.load_workbook(tmp_path / WORKBOOK_NAME)
    assert wb.sheetnames == ["wijken", COLUMNS_SHEET]
    assert assert_sheet_equals_csv(wb, "wijken", tmp_path / "wijken.csv") == 3 * (len(_wijken(vocab).columns))
    assert_nl_csv_equals(tmp_path / "wijken.csv", tmp_path / "wijken_nl.csv")
    nl = (tmp_path / "wijken_nl.csv").read_text(encoding="utf-8-sig")
    assert "88,72878010264509" in nl and "'=Zuid" in nl  # decimal comma; a formula stays escaped
    # without the flag: only the workbook
    (tmp_path / "b").mkdir()
    write_csv(tmp_path / "b" / "wijken.csv", _wijken(vocab), encoding="utf-8")
    out = write_exports(tmp_path / "b", [csv_sheet(tmp_path / "b", "wijken.csv", name="wijken", vocab=vocab)])
    assert [f.name for f in out] == [WORKBOOK_NAME] and not (tmp_path / "b" / "wijken_nl.csv").exists()


def test_sources_settings_and_voorzieningen_sheets(settings, vocab):
    gegevens = {
        "buurten": {"pad": "/data/buurten.geojson", "bron": "CBS / PDOK", "datum": "2024"},
        "eigen": {"pad": "eigen.csv", "bron": "eigen lijst", "datum": "2026-01", "gebruik": "aangevuld"},
    }
    src = sources_sheet(gegevens, vocab=vocab)
    wb = _opened(build_workbook([src]))
    rows = list(wb["bronnen"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Gegevens", "Gegevens (sleutel)", "Bron", "Datum")
    assert ("eigen lijst", "2026-01") in {(r[2], r[3]) for r in rows[1:]}
    meta = {"loopnorm_m": settings.bereikbaarheid.norm_m}
    sheet = settings_sheet(settings, meta=meta, vocab=vocab)
    values = {(r["sectie"], r["instelling"]): r["waarde"] for r in sheet.frame.to_dict("records")}
    assert values[("run", "loopnorm_m")] == settings.bereikbaarheid.norm_m
    assert values[("bereikbaarheid", "norm_m")] == settings.bereikbaarheid.norm_m  # a number, not text
    assert values[("gemeente", "naam")] == settings.gemeente.naam
    ws = _opened(build_workbook([sheet]))["instellingen"]
    numbers = [c for c in ws["C"][1:] if isinstance(c.value, float)]
    assert numbers and all(c.data_type == "n" for c in numbers)
    vz = gpd.GeoDataFrame(
        {
            "vz_id": ["vz1", "vz2"],
            "categorie": ["huisarts", "supermarkt"],
            "label": ["Huisarts", "Supermarkt"],
            "naam": ["Praktijk", None],
            "bron_label": ["ZorgKaart", "OpenStreetMap"],
            "bron_datum": ["mrt. 2026", "aug. 2021"],
            "snap_m": [3.96, np.nan],
        },
        geometry=[Point(232000, 557000), Point(233000, 558000)],
        crs="EPSG:28992",
    )
    sheet = voorzieningen_sheet(vz, vocab=vocab)
    ws = _opened(build_workbook([sheet]))["voorzieningen"]
    head = [c.value for c in ws[1]]
    assert head[:5] == ["Id", "Categorie", "Naam", "Bron", "Datum van de bron"]
    lon = ws.cell(row=2, column=head.index("Lengtegraad (graden, WGS84)") + 1)
    assert 6 < lon.value < 7 and lon.number_format == "0.000000"
    assert ws.cell(row=3, column=head.index("Afstand tot het looppadennetwerk (m)") + 1).value == "onbekend"


def test_regio_lijst_and_watals_sheets(tmp_path, vocab):
    # regio: regio.csv in the staging folder, a gemeente's buurten.csv in its own folder
    out = tmp_path / "regio"
    stage = out / ".staging"
    (out / "assen").mkdir(parents=True)
    stage.mkdir()
    share = vocab.pct("drie_a")
    table = pd.DataFrame(
        {"naam": ["Assen", "Emmen"], "status": ["ok", "mislukt"], "reden": ["", "geen data"], share: [50.1, np.nan]},
        index=pd.Index(["GM0106", "GM0114"], name="code"),
    )
    write_csv(stage / "regio.csv", table, encoding="utf-8")
    write_csv(out / "assen" / "buurten.csv", _wijken(vocab), encoding="utf-8")
    wijken = gpd.GeoDataFrame(_wijken(vocab).assign(gemeente="Assen"), geometry=[Point(0, 0)] * 3, crs="EPSG:28992")
    result = SimpleNamespace(
        wijken=wijken,
        tasks=[{"code": "GM0106", "naam": "Assen", "status": "ok", "map": "assen"}, {"code": "GM0114", "status": "x"}],
    )
    write_exports(
        stage,
        regio_sheets(stage, wijken=result.wijken, tasks=result.tasks, out_dir=out, norm_m=vocab.norm_m),
        csv_nl=True,
    )
    wb = openpyxl.load_workbook(stage / WORKBOOK_NAME)
    assert wb.sheetnames == ["gemeenten", "wijken", "buurten", COLUMNS_SHEET]
    assert_sheet_equals_csv(wb, "gemeenten", stage / "regio.csv")
    assert [c.value for c in wb["buurten"]["C"][1:]] == ["Assen"] * 3  # the gemeente of each buurt
    assert_nl_csv_equals(stage / "regio.csv", stage / "regio_nl.csv")
    for name in wb.sheetnames:
        assert_layout(wb[name])
    # toets --lijst
    lijst = tmp_path / "lijst"
    lijst.mkdir()
    rows = pd.DataFrame({"regel": [2, 3], "naam": ["Hofje", "Kloosterstraat"], "oordeel": ["rood", "niet getoetst"]})
    rows["lon"], rows["lat"] = [6.561998, np.nan], [52.99394, np.nan]
    write_csv(lijst / "toetsen.csv", rows, index=False, encoding="utf-8")
    analysis = SimpleNamespace(vocab=vocab)
    write_exports(lijst, lijst_sheets(lijst, analysis, meldingen=("regel 3: geen adres",)))
    wb = openpyxl.load_workbook(lijst / WORKBOOK_NAME)
    assert wb.sheetnames == ["toetsen", "meldingen", COLUMNS_SHEET]
    assert [c.value for c in wb["toetsen"][1]][:2] == ["Regel", "Naam"]
    assert_sheet_equals_csv(wb, "toetsen", lijst / "toetsen.csv")
    # watals
    wa = tmp_path / "wa"
    wa.mkdir()
    sup = vocab.pct("supermarkt")
    before_after = pd.DataFrame(
        {"naam": ["Centrum"], "profiel": [vocab.main_profile], f"{sup}_voor": [87.25], f"{sup}_na": [90.6]},
        index=pd.Index(["WK010600"], name="code"),
    )
    before_after[f"{sup}_verschil"] = before_after[f"{sup}_na"] - before_after[f"{sup}_voor"]
    write_csv(wa / "watals_wijken.csv", before_after, encoding="utf-8")
    doc = {
        "profielen": {vocab.main_profile: {"categorieen": {"supermarkt": {"label": "Supermarkt", "pct_voor": 67.2}}}},
        "wijzigingen": {"weg": [{"id": "vz00328", "categorie": "supermarkt", "naam": "Jumbo"}]},
    }
    write_exports(wa, whatif_sheets(wa, SimpleNamespace(samenvatting=doc), analysis))
    wb = openpyxl.load_workbook(wa / WORKBOOK_NAME)
    assert wb.sheetnames == ["wijken", "gemeente", "wijzigingen", COLUMNS_SHEET]  # no buurten/adressen CSV here
    head = [c.value for c in wb["wijken"][1]]
    assert any(t.endswith("vóór de wijziging (%)") for t in head)
    assert any(t.endswith("verschil (procentpunt)") for t in head)
    assert_sheet_equals_csv(wb, "wijken", wa / "watals_wijken.csv")
    gem = wb["gemeente"]
    assert gem.cell(row=2, column=4).value == pytest.approx(67.2) and gem.cell(row=2, column=5).value == "onbekend"
    assert [r[0] for r in wb["wijzigingen"].iter_rows(min_row=2, values_only=True)] == ["weg"]


def test_the_workbook_is_written_atomically(tmp_path, vocab, monkeypatch):
    sheet = make_sheet("wijken", _wijken(vocab).reset_index(), vocab=vocab)
    (tmp_path / WORKBOOK_NAME).write_bytes(b"old")

    def fail(self, filename):
        Path(filename).write_bytes(b"half")
        raise RuntimeError("disk")

    monkeypatch.setattr(openpyxl.Workbook, "save", fail)
    with pytest.raises(RuntimeError):
        write_exports(tmp_path, [sheet])
    assert (tmp_path / WORKBOOK_NAME).read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == [WORKBOOK_NAME]  # no temporary file left


def test_write_regio_adds_overzicht_and_regio_nl_to_its_folder(tmp_path, vocab):
    from woonzorg_geo.run.regio_output import write_regio
    from woonzorg_geo.run.regional import RegioResult

    share = vocab.pct("drie_a")
    gemeenten = gpd.GeoDataFrame(
        {
            "naam": ["Assen"],
            "n_adressen": [37375],
            "adressen_per_woning": [1.125],
            share: [50.08],
            "ratio_z": [np.nan],
            "ratio_afwijkend": pd.array([pd.NA], dtype="boolean"),
        },
        index=pd.Index(["GM0106"], name="code"),
        geometry=[Point(232000, 557000).buffer(10)],
        crs="EPSG:28992",
    )
    wijken = gpd.GeoDataFrame(
        {"naam": ["Centrum"], "gemeentecode": ["GM0106"], "gemeente": ["Assen"], share: [85.6]},
        index=pd.Index(["WK010600"], name="code"),
        geometry=[Point(232000, 557000).buffer(5)],
        crs="EPSG:28992",
    )
    tasks = [{"code": "GM0106", "naam": "Assen", "status": "ok", "map": "assen"}]
    result = RegioResult("Drenthe", gemeenten, wijken, tasks)
    out = tmp_path / "regio"
    files = write_regio(result, out, norm_m=vocab.norm_m, maps=False, csv_nl=True)
    assert {"overzicht.xlsx", "regio_nl.csv", "regio.csv"} <= {f.name for f in files}
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"overzicht.xlsx", "regio_nl.csv"} <= set(manifest["bestanden"])
    wb = openpyxl.load_workbook(out / "overzicht.xlsx")
    assert wb.sheetnames == ["gemeenten", "wijken", COLUMNS_SHEET]  # no gemeente folder with buurten.csv here
    head = [c.value for c in wb["gemeenten"][1]]
    assert f"Aandeel woningen met {vocab.noun('drie_a')} binnen {vocab.norm_text} (%)" in head
    assert "Adrespunten per CBS-woning" in head
    assert_sheet_equals_csv(wb, "gemeenten", out / "regio.csv")
    assert_nl_csv_equals(out / "regio.csv", out / "regio_nl.csv")
    assert [c.value for c in wb["wijken"][2]][:3] == ["WK010600", "Centrum", "Assen"]
    # the next run without the flag removes the Dutch variant it wrote before (unchanged), keeps the workbook
    files = write_regio(result, out, norm_m=vocab.norm_m, maps=False)
    assert "regio_nl.csv" not in {f.name for f in files} and not (out / "regio_nl.csv").exists()
    assert (out / "overzicht.xlsx").is_file()


def test_csv_nl_is_an_option_of_the_four_commands():
    from woonzorg_geo.cli.main import build_parser

    parser = build_parser()
    for argv in (
        ["analyse"],
        ["regio", "--gemeenten", "Assen"],
        ["toets", "--uit", "x", "--lijst", "y"],
        ["watals", "--uit", "x", "--weg", "vz1"],
    ):
        assert parser.parse_args([*argv, "--csv-nl"]).csv_nl is True
        assert parser.parse_args(argv).csv_nl is False


def test_a_table_longer_than_excel_shows_is_cut_with_a_warning(vocab, monkeypatch, caplog):
    from woonzorg_geo.outputs.workbook import book

    monkeypatch.setattr(book, "MAX_ROWS", 2)
    sheet = make_sheet("wijken", _wijken(vocab).reset_index(), vocab=vocab)
    ws = _opened(build_workbook([sheet]))["wijken"]
    assert ws.max_row == 3 and ws.auto_filter.ref.endswith("3")  # header + 2 rows
    assert "de CSV heeft ze alle" in caplog.text
