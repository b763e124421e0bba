"""Bad own lists of voorzieningen (``--voorzieningen``): refused with exit 2, file, regel, field and fix named.

The cases of a list that cannot be read (missing, missing column, unknown modus, no location, a
coordinate that is no number, only a header) are refused before any data is read, by every command
that takes the option. An address that does not geocode and a point outside the gemeente are found
while placing the rows (real data, the ``voorzieningen`` command). Every case checks that the
earlier output is byte for byte unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from badinput import assert_refused, snapshot

from woonzorg_geo.cli.main import main

HEADER = "naam;categorie;adres;lon;lat;modus\n"

CASES = {
    "ontbreekt": (None, ["bestaat niet", "--voorzieningen", "Oplossing"]),
    "kolom_categorie": ("naam;adres\nX;Markt 1\n", ["lijst.csv", "categorie", "ontbreekt", "Oplossing"]),
    "geen_locatie_kolom": ("naam;categorie\nX;fysio\n", ["lijst.csv", "adres (of lon en lat)", "Oplossing"]),
    "modus": (HEADER + "X;fysio;Markt 1;;;weg\n", ["lijst.csv", "regel 2", "modus", "'weg'", "Oplossing"]),
    "geen_adres": (HEADER + "X;fysio;Markt 1;;;\nY;fysio;;;;\n", ["lijst.csv", "regel 3", "adres", "Oplossing"]),
    "lon_tekst": (HEADER + "X;fysio;;oost;52,99;\n", ["lijst.csv", "regel 2", "lon, lat", "Oplossing"]),
    "lege_categorie": (HEADER + "X;;Markt 1;;;\n", ["lijst.csv", "regel 2", "categorie", "Oplossing"]),
    "alleen_kop": (HEADER, ["lijst.csv", "geen rijen", "Oplossing"]),
    "datum": ("naam;categorie;adres;datum\nX;fysio;Markt 1;gisteren\n", ["regel 2", "datum", "Oplossing"]),
}
COMMANDS = {
    "analyse": ["analyse", "--geen-kaarten"],
    "voorzieningen": ["voorzieningen"],
    "toets": ["toets", "--punt", "6.56,52.99", "--type", "geclusterd_wonen", "--omvang", "12"],
    "watals": ["watals", "--nieuw", "supermarkt@6.5480,52.9930"],
    "locaties": ["locaties"],
    "regio": ["regio", "--gemeenten", "Assen"],
}


def _outdir_args(command: str, tmp_path: Path) -> list[str]:
    earlier = tmp_path / "eerder"
    if command == "voorzieningen":
        return ["--out", str(earlier / "vz.gpkg")]
    if command in ("toets", "watals", "locaties"):
        return ["--uit", str(earlier), "--out", str(earlier / "uit")]
    return ["--out", str(earlier)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_list_refused_before_data(case, tmp_path, capsys):
    content, needles = CASES[case]
    lijst = tmp_path / "lijst.csv"
    if content is not None:
        lijst.write_text(content, encoding="utf-8")
    earlier = tmp_path / "eerder"
    earlier.mkdir()
    (earlier / "vorige.txt").write_text("eerdere uitvoer", encoding="utf-8")
    before = snapshot(earlier, tmp_path)
    code = main(
        [
            "--stil",
            "--data",
            str(tmp_path / "geen_data"),
            "analyse",
            "--out",
            str(earlier / "a"),
            "--geen-kaarten",
            "--voorzieningen",
            str(lijst),
        ]
    )
    assert_refused(code, capsys.readouterr().err, needles=needles, before=before, after=snapshot(earlier, tmp_path))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_a_bad_list(command, tmp_path, capsys):
    lijst = tmp_path / "lijst.csv"
    lijst.write_text(HEADER + "X;fysio;Markt 1;;;weg\n", encoding="utf-8")
    earlier = tmp_path / "eerder"
    earlier.mkdir()
    (earlier / "vorige.txt").write_text("eerdere uitvoer", encoding="utf-8")
    before = snapshot(tmp_path)
    args = ["--stil", "--data", str(tmp_path / "geen_data"), *COMMANDS[command], *_outdir_args(command, tmp_path)]
    code = main([*args, "--voorzieningen-vervang", str(lijst)])
    assert_refused(
        code,
        capsys.readouterr().err,
        needles=["lijst.csv", "regel 2", "modus", "Oplossing"],
        before=before,
        after=snapshot(tmp_path),
    )


PLACED = {
    "niet_gevonden": (
        "naam;categorie;adres\nBuurthuis;ontmoetingsplek;Nergenshuizerweg 999\n",
        ["lijst.csv", "regel 2", "niet gevonden", "adres", "Oplossing"],
    ),
    "buiten_gemeente": (
        "naam;categorie;lon;lat\nBuurthuis;ontmoetingsplek;6,56;52,99\nAmsterdam;fysio;4,90;52,37\n",
        ["lijst.csv", "regel 3", "buiten de gemeente Assen", "lon, lat", "Oplossing"],
    ),
}


@pytest.mark.realdata
@pytest.mark.parametrize("case", sorted(PLACED))
def test_rows_that_cannot_be_placed(case, raw_dir, tmp_path, capsys):
    content, needles = PLACED[case]
    lijst = tmp_path / "lijst.csv"
    lijst.write_text(content, encoding="utf-8")
    earlier = tmp_path / "eerder"
    earlier.mkdir()
    (earlier / "vz.gpkg").write_bytes(b"eerdere uitvoer")
    before = snapshot(earlier)
    code = main(
        [
            "--stil",
            "--data",
            str(raw_dir),
            "voorzieningen",
            "--out",
            str(earlier / "vz.gpkg"),
            "--voorzieningen",
            str(lijst),
        ]
    )
    assert_refused(code, capsys.readouterr().err, needles=needles, before=before, after=snapshot(earlier))
