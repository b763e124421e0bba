"""``toets --lijst``: every row checked or refused with its reason; a bad file refused as a whole.

A row that cannot be checked (an omvang of ``inf``, ``nan``, ``-1``, ``0``, ``1e9``, ``12,5`` or
``twaalf``, an unknown type, no location, a row with more fields than the header, broken quotes, an
address not found, a point outside the gemeente) is listed in ``toetsen.csv`` with its ``regel``, the
field and the reason with the fix, and the other rows are checked: exit 0. A file that cannot be
used at all (empty, only a header, no location column, Excel or binary, damaged UTF-8, a quote that
is never closed, ...) is refused before any work: exit 2 with the file, the field and the fix named.
Every case checks that the analysis in ``--uit`` (a copy of the session's) and earlier output are
byte for byte unchanged. ``regel`` is the row number a spreadsheet shows (the header is regel 1).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from badinput import assert_refused, linked_copy, snapshot

from woonzorg_geo.cli.main import main

pytestmark = pytest.mark.realdata

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HEADER = "naam;adres;lon;lat;type;omvang\n"


@pytest.fixture(scope="module")
def uit(assen_output, module_tmp) -> Path:
    """A copy of the session's analysis: the --uit of every case (never recomputed, never changed)."""
    dst = module_tmp("lijst_uit") / "output"
    return linked_copy(assen_output, dst)


@pytest.fixture(scope="module")
def earlier(uit, raw_dir, module_tmp) -> Path:
    """An output folder holding an earlier lijst (the example list), which a refused run must leave alone."""
    out = module_tmp("lijst_eerder")
    code = main(_args(raw_dir, uit, out, "--lijst", str(EXAMPLES / "initiatieven.csv")))
    assert code == 0
    assert (out / "toetsen" / "toetsen.csv").exists()
    return out


def _args(raw_dir: Path, uit: Path, out: Path, *rest: str) -> list[str]:
    return ["--stil", "--data", str(raw_dir), "toets", "--uit", str(uit), "--out", str(out), "--offline", *rest]


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# --- the file itself unusable: exit 2 before any work -------------------------------------------------

FILES: dict[str, tuple[str | bytes, list[str], list[str]]] = {
    # name: (content, extra options, needles besides the file name)
    "leeg": ("", [], ["is leeg", "kopregel"]),
    "alleen_witruimte": ("  \n\n", [], ["is leeg"]),
    "alleen_kopregel": (HEADER, [], ["geen initiatieven", "alleen een kopregel", "Oplossing"]),
    "geen_locatiekolom": ("naam;straat;type;omvang\nA;Brink 1;ggz;5\n", [], ["geen locatie", "adres of lon, lat"]),
    "lon_zonder_lat": ("naam;lon;type;omvang\nA;6,56;ggz;5\n", [], ["geen locatie", "veld: lat"]),
    "geen_kolom_type": ("naam;adres;omvang\nA;Brink 1, Assen;5\n", [], ["veld: type", "--type"]),
    "geen_kolom_omvang": ("naam;adres;type\nA;Brink 1, Assen;ggz\n", [], ["veld: omvang", "--omvang"]),
    "kolom_twee_keer": ("naam;adres;type;Type;omvang\nA;Brink 1, Assen;ggz;vg;5\n", [], ["twee keer", "veld: type"]),
    "verkeerd_scheidingsteken": (
        "naam|adres|type|omvang\nA|Brink 1, Assen|ggz|5\n",
        [],
        ["scheidingsteken lijkt verkeerd", "naam|adres|type|omvang"],
    ),
    "excel_werkmap": (b"PK\x03\x04" + bytes(range(256)) * 8, [], ["Excel-werkmap", "CSV UTF-8"]),
    "oud_excel": (b"\xd0\xcf\x11\xe0" + bytes(range(256)) * 8, [], ["oud Excel-bestand", "CSV UTF-8"]),
    "binair_met_nulbytes": (bytes(range(256)) * 8, [], ["geen tekstbestand", "nul-bytes", "CSV UTF-8"]),
    "utf8_beschadigd": (
        "naam;adres;type;omvang\nCafé;Brink 1, Assen;ggz;5\n".encode() + b"B\xe9;Brink 2, Assen;ggz;5\n",
        [],
        ["geen geldige UTF-8", "regel 3", "CSV UTF-8"],
    ),
    "aanhalingsteken_niet_gesloten": (
        'naam,adres,type,omvang\n"Hofje,Brink 1,ggz,5\nB,Brink 2,ggz,5\n',
        [],
        ["niet gesloten", "regel 2", "Oplossing"],
    ),
    "onbekend_standaardtype": (
        "naam;adres;omvang\nA;Brink 1, Assen;5\n",
        ["--type", "kinderopvang"],
        ["--type", "kinderopvang", "kies uit"],
    ),
    "standaardomvang_te_groot": (
        "naam;adres;omvang\nA;Brink 1, Assen;5\n",
        ["--type", "jeugd", "--omvang", "500"],
        ["--omvang", "500", "maximum"],
    ),
    "standaardomvang_nul": ("naam;adres;type\nA;Brink 1, Assen;ggz\n", ["--omvang", "0"], ["--omvang", "minstens 1"]),
}


@pytest.mark.parametrize("case", sorted(FILES))
def test_an_unusable_list_is_refused_before_any_work(case, uit, earlier, raw_dir, tmp_path, capsys):
    content, extra, needles = FILES[case]
    lijst = _write(tmp_path / f"{case}.csv", content)
    before = snapshot(uit, earlier)
    capsys.readouterr()
    code = main(_args(raw_dir, uit, earlier, "--lijst", str(lijst), *extra))
    err = capsys.readouterr().err
    file_named = [] if "standaard" in case else [str(lijst)]  # an option's value is refused by its name
    assert_refused(code, err, needles=[*file_named, "Oplossing", *needles], before=before, after=snapshot(uit, earlier))


def test_a_folder_or_a_missing_file_as_list_is_refused(uit, earlier, raw_dir, tmp_path, capsys):
    before = snapshot(uit, earlier)
    for lijst, needle in ((tmp_path, "is een map"), (tmp_path / "bestaat_niet.csv", "bestaat niet")):
        capsys.readouterr()
        code = main(_args(raw_dir, uit, earlier, "--lijst", str(lijst)))
        err = capsys.readouterr().err
        assert_refused(
            code, err, needles=[str(lijst), needle, "Oplossing"], before=before, after=snapshot(uit, earlier)
        )


@pytest.mark.parametrize("value", ["inf", "nan", "12,5", "twaalf"])
def test_a_default_omvang_that_is_no_whole_number_is_refused(value, uit, earlier, raw_dir, tmp_path, capsys):
    lijst = _write(tmp_path / "l.csv", "naam;adres;type\nA;Brink 1, Assen;ggz\n")
    before = snapshot(uit, earlier)
    with pytest.raises(SystemExit) as exit_info:
        main(_args(raw_dir, uit, earlier, "--lijst", str(lijst), "--omvang", value))
    err = capsys.readouterr().err
    assert_refused(
        int(exit_info.value.code or 0),
        err,
        needles=["--omvang", repr(value), "geen geheel getal", "bijv. --omvang 12"],
        before=before,
        after=snapshot(uit, earlier),
    )


def test_rapporten_without_a_list_is_refused(uit, earlier, raw_dir, capsys):
    before = snapshot(uit, earlier)
    code = main(
        _args(raw_dir, uit, earlier, "--adres", "Brink 1, Assen", "--type", "ggz", "--omvang", "5", "--rapporten")
    )
    err = capsys.readouterr().err
    assert_refused(code, err, needles=["--rapporten", "--lijst"], before=before, after=snapshot(uit, earlier))


# --- bad rows: each refused with regel, field and reason; the others checked; exit 0 ----------------

# The rows of one list (';'-separated): regel -> (row text, field, words of the reason). Regel 2 is a
# good row; regel 3 holds a quoted line break, so from there the file's lines run one ahead.
ROWS: dict[int, tuple[str, str, list[str]]] = {
    2: ("Goed;Brink 1, Assen;;;geclusterd_wonen;12", "", []),
    3: ('"Hofje met een\nregelovergang";Kloosterstraat 12, Assen;;;beschermd_wonen;8', "", []),
    4: ("Oneindig;Brink 1, Assen;;;ggz;inf", "omvang", ["'inf'", "geen eindig getal", "Oplossing"]),
    5: ("Geen getal;Brink 1, Assen;;;ggz;nan", "omvang", ["'nan'", "geen eindig getal", "Oplossing"]),
    6: ("Negatief;Brink 1, Assen;;;ggz;-1", "omvang", ["'-1'", "kleiner dan 1", "Oplossing"]),
    7: ("Nul;Brink 1, Assen;;;ggz;0", "omvang", ["'0'", "kleiner dan 1", "Oplossing"]),
    8: ("Miljard;Brink 1, Assen;;;ggz;1e9", "omvang", ["niet aannemelijk", "maximum is 100", "max_omvang"]),
    9: ("Decimaal;Brink 1, Assen;;;ggz;12,5", "omvang", ["'12,5'", "geen geheel getal", "Oplossing"]),
    10: ("Woord;Brink 1, Assen;;;ggz;twaalf", "omvang", ["'twaalf'", "geen getal", "Oplossing"]),
    11: ("Duizendtal;Brink 1, Assen;;;ggz;1.000", "omvang", ["'1.000'", "dubbelzinnig", "Oplossing"]),
    12: ("Onbekend type;Brink 1, Assen;;;kinderopvang;5", "type", ["'kinderopvang'", "kies uit", "ouderenzorg"]),
    13: ("Geen locatie;;;;ggz;5", "adres", ["geen locatie", "Oplossing"]),
    14: ("Lon oneindig;;inf;52,99;ggz;5", "lon", ["'inf'", "geen eindig getal", "WGS84"]),
    15: ("Lat ontbreekt;;6,56;;ggz;5", "lat", ["lat ontbreekt", "Oplossing"]),
    16: ("Buiten WGS84;;200;52,99;ggz;5", "lon", ["'200'", "buiten het bereik", "Oplossing"]),
    17: (
        "Scheidingsteken in adres;Brink 1; Assen;;;ggz;5",
        "(hele rij)",
        ["7 velden", "kopregel 6", "aanhalingstekens"],
    ),
    18: ('"Ka"pot;Brink 1, Assen;;;ggz;5', "(hele rij)", ["aanhalingstekens", "kloppen niet", "Oplossing"]),
    19: ("Te kort;Brink 1, Assen;;;ggz", "omvang", ["omvang ontbreekt", "5 velden", "kopregel 6"]),
    20: ("Niet gevonden;Nergensstraat 99, Assen;;;ggz;5", "adres", ["niet gevonden", "--punt"]),
    21: ("Buiten de gemeente;;6,9000;52,7800;ggz;5", "lon, lat", ["buiten de gemeente", "Assen"]),
    22: ("Twee fouten;Brink 1, Assen;;;onzin;-3", "type, omvang", ["'onzin'", "'-3'"]),
    23: ("", "", []),  # an empty row: counted as a spreadsheet counts it, not listed
    24: ("Punt;;6,5627;52,9930;ouderenzorg;30", "", []),
}


@pytest.fixture(scope="module")
def bad_rows(uit, raw_dir, module_tmp):
    """One list with every bad row and some good ones, run once: (exit code, stdout, toetsen.csv, snapshots)."""
    root = module_tmp("lijst_rijen")
    lijst = _write(root / "rijen.csv", HEADER + "\n".join(ROWS[k][0] for k in sorted(ROWS)) + "\n")
    before = snapshot(uit)
    code = main(_args(raw_dir, uit, root / "out", "--lijst", str(lijst)))
    table = pd.read_csv(root / "out" / "toetsen" / "toetsen.csv", dtype=str, keep_default_na=False)
    return code, table, before, snapshot(uit), root / "out" / "toetsen"


@pytest.mark.parametrize("regel", [k for k in sorted(ROWS) if ROWS[k][1]])
def test_a_bad_row_is_listed_with_its_reason_and_the_rest_checked(regel, bad_rows):
    code, table, before, after, _ = bad_rows
    assert code == 0
    assert before == after
    row = table.loc[table["regel"] == str(regel)]
    assert len(row) == 1, table[["regel", "naam"]]
    row = row.iloc[0]
    _, veld, words = ROWS[regel]
    assert row["oordeel"] == "niet getoetst"
    assert row["veld"] == veld
    for w in words:
        assert w in row["reden"], row["reden"]
    # the line of the file: one ahead of the spreadsheet row after the quoted line break of regel 3
    assert row["regel_bestand"] == str(regel + 1)


def test_good_rows_are_checked_and_regel_counts_records_not_lines(bad_rows):
    _, table, *_ = bad_rows
    good = table.loc[table["oordeel"] != "niet getoetst"]
    assert list(good["regel"]) == ["2", "3", "24"]
    assert list(good["regel_bestand"]) == ["2", "3", "25"]
    assert set(good["oordeel"]) <= {"groen", "oranje", "rood", "onbekend"}
    assert good["naam"].iloc[1] == "Hofje met een regelovergang"
    assert "23" not in set(table["regel"])  # the empty row is not listed
    assert len(table) == len(ROWS) - 1


def test_a_short_list_gets_a_report_per_checked_row(bad_rows):
    *_, out = bad_rows
    reports = sorted(p.name for p in out.glob("toets_regel*.html"))
    assert [r.split("_")[1] for r in reports] == ["regel002", "regel003", "regel024"]
    assert (out / "toetsen.html").exists() and (out / "toetsen_kaart.html").exists()


# --- encodings, separators and defaults: read sensibly, said so ----------------------------------------

ONE_ROW = "naam;adres;type;omvang\nCafé Brinkhof;Brink 1, Assen;geclusterd_wonen;12\n"
ENCODED: dict[str, tuple[bytes, str]] = {
    # name: (file bytes, note the run gives, '' for none)
    "utf8_met_bom": (("\ufeff" + ONE_ROW).encode("utf-8"), ""),
    "windows_1252": (ONE_ROW.encode("cp1252"), "Windows-1252"),
    "utf16_met_bom": (ONE_ROW.encode("utf-16"), "UTF-16"),
    "excel_sep_regel": (("sep=;\n" + ONE_ROW).encode("utf-8"), ""),
    "komma_en_aanhalingstekens": (
        'naam,adres,type,omvang\n"Café Brinkhof","Brink 1, Assen",geclusterd_wonen,12\n'.encode(),
        "",
    ),
}


@pytest.mark.parametrize("case", sorted(ENCODED))
def test_an_encoding_or_separator_is_read_as_meant(case, uit, raw_dir, tmp_path, capsys):
    content, note = ENCODED[case]
    lijst = _write(tmp_path / f"{case}.csv", content)
    before = snapshot(uit)
    code = main(_args(raw_dir, uit, tmp_path / "out", "--lijst", str(lijst)))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert snapshot(uit) == before
    table = pd.read_csv(tmp_path / "out" / "toetsen" / "toetsen.csv", dtype=str, keep_default_na=False)
    assert list(table["naam"]) == ["Café Brinkhof"]
    assert table["oordeel"].iloc[0] in {"groen", "oranje", "rood", "onbekend"}
    assert table["regel"].iloc[0] == "2"
    if note:
        assert note in captured.err and str(lijst) in captured.err
        assert note in (tmp_path / "out" / "toetsen" / "toetsen.html").read_text(encoding="utf-8")
    else:
        assert "WARNING" not in captured.err, captured.err


def test_type_and_omvang_options_fill_the_empty_cells(uit, raw_dir, tmp_path, capsys):
    lijst = _write(
        tmp_path / "leeg.csv",
        "naam;adres;type;omvang\nA;Brink 1, Assen;;\nB;Brink 1, Assen;ouderenzorg;\nC;Brink 1, Assen;;7\n",
    )
    before = snapshot(uit)
    code = main(_args(raw_dir, uit, tmp_path / "out", "--lijst", str(lijst), "--type", "vg", "--omvang", "9"))
    assert code == 0, capsys.readouterr().err
    assert snapshot(uit) == before
    table = pd.read_csv(tmp_path / "out" / "toetsen" / "toetsen.csv", dtype=str, keep_default_na=False)
    assert list(table["type"]) == ["vg", "ouderenzorg", "vg"]
    assert list(table["omvang"]) == ["9", "9", "7"]


def test_a_long_list_writes_no_report_per_row_unless_asked(uit, raw_dir, tmp_path, capsys):
    kader = _write(tmp_path / "kader.toml", "[lijst]\nrapporten_max_rijen = 2\n")
    lijst = _write(tmp_path / "drie.csv", HEADER + "".join(f"R{k};Brink {k}, Assen;;;ggz;5\n" for k in (1, 2, 3)))
    base = ["--lijst", str(lijst), "--toetsingskader", str(kader)]
    code = main(_args(raw_dir, uit, tmp_path / "kort", *base))
    out = capsys.readouterr().out
    assert code == 0 and "--rapporten" in out
    assert sorted(p.name for p in (tmp_path / "kort" / "toetsen").iterdir()) == [
        "manifest.json",
        "overzicht.xlsx",
        "toetsen.csv",
        "toetsen.html",
        "toetsen_kaart.html",
    ]
    code = main(_args(raw_dir, uit, tmp_path / "lang", *base, "--rapporten"))
    assert code == 0
    assert len(list((tmp_path / "lang" / "toetsen").glob("toets_regel*.json"))) == 3


# --- the batch gives each row the verdict of a single toets ----------------------------------------------


def test_the_list_gives_every_row_the_result_of_a_single_toets(uit, settings, raw_dir, tmp_path, capsys):
    """Rows at register addresses, a street without that number, no place, and points: each row's
    report equals :func:`run_toets` for that row alone (everything but the time it was made)."""
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.toets import run_toets

    register = EXAMPLES / "register_zorginitiatieven.csv"
    rows = [
        ("Lindelaan 5, Assen", None, "beschermd_wonen", 8),  # on a register row: 'ligt op de locatie zelf'
        ("Kloosterstraat 999, Assen", None, "ggz", 6),  # the street, not the number
        ("Rolderstraat 10", None, "jeugd", 4),  # no place given
        (None, (6.5627, 52.9930), "geclusterd_wonen", 12),
        (None, (6.5420, 53.0150), "ouderenzorg", 60),
    ]
    text = HEADER + "".join(
        f"R{k};{a or ''};{'' if p is None else str(p[0]).replace('.', ',')};"
        f"{'' if p is None else str(p[1]).replace('.', ',')};{t};{n}\n"
        for k, (a, p, t, n) in enumerate(rows)
    )
    lijst = _write(tmp_path / "gelijk.csv", text)
    out = tmp_path / "out"
    code = main(_args(raw_dir, uit, out, "--lijst", str(lijst), "--register", str(register), "--rapporten"))
    assert code == 0, capsys.readouterr().err
    stored = load_analysis(uit, settings, paths=None, profiles=[settings.locaties.profiel], addresses=False)
    reports = sorted((out / "toetsen").glob("toets_regel*.json"))
    assert len(reports) == len(rows)
    meldingen = []
    for (adres, punt, kind, size), path in zip(rows, reports, strict=True):
        single = run_toets(stored, adres=adres, punt=punt, zorgtype=kind, omvang=size, register=register).to_dict()
        batch = json.loads(path.read_text(encoding="utf-8"))
        single.pop("gemaakt_op"), batch.pop("gemaakt_op")
        assert json.loads(json.dumps(single, default=str)) == batch
        meldingen += batch["meldingen"]
    assert any("ligt op de locatie zelf" in m for m in meldingen)
    assert any("niet op adresniveau" in m for m in meldingen)
