"""A damaged or missing IGJ register or AH/ALDI list is refused with exit 2, naming the file, the field and
the fix, before the analysis is done; earlier output stays byte for byte as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from badinput import assert_refused, snapshot

from woonzorg_geo.cli.main import main

pytestmark = pytest.mark.realdata

HEADER = '"KvKnr";"Officiëlenaam";"Adresbezoek";"Postcode";"Plaats";"Typerelatie"\n'
REF = Path("/work/ref/assen_output")

CASES = {
    # name: (dataset key, file content (None: the file is absent), texts the message must hold)
    "register_alleen_kopregel": ("apotheken", HEADER, ["geen rijen", "data.apotheken", 'apotheken = ""']),
    "register_kolommen_verschoven": (
        "apotheken",
        HEADER + '1;"Apotheek A";"Straat 1 ";"ASSEN";"9401 AB";"Apotheker"\n' * 6,
        ["ongeldige postcode", "Postcode", "lijst_max_aandeel_leeg", "verschoven"],
    ),
    "register_lege_adressen": (
        "apotheken",
        HEADER + '1;"Apotheek A";"";"9401 AB";"ASSEN";"Apotheker"\n' * 6,
        ["leeg adres", "Adresbezoek", "Oplossing"],
    ),
    "register_ander_bestand": ("apotheken", '"naam";"adres"\n"A";"B"\n', ["Officiëlenaam", "apothekersregister"]),
    "register_ontbreekt": ("apotheken", None, ["apotheken (", "ontbreken"]),
    "ketens_alleen_kopregel": (
        "supermarkten_ketens",
        "ref,@spider,addr:full,addr:city,addr:postcode,name,brand,geometry_lon,geometry_lat\n",
        ["geen rijen", "data.supermarkten_ketens", 'supermarkten_ketens = ""'],
    ),
}


@pytest.fixture()
def earlier(tmp_path: Path) -> Path:
    """An earlier output folder (two files of the reference run), which a refused run must leave alone."""
    out = tmp_path / "eerder"
    out.mkdir()
    for name in ("samenvatting.json", "samenvatting.txt"):
        if (REF / name).exists():
            shutil.copy2(REF / name, out / name)
        else:
            (out / name).write_text("eerder\n", encoding="utf-8")
    return out


@pytest.mark.parametrize("case", sorted(CASES))
def test_damaged_list_is_refused(case, raw_dir, tmp_path, earlier, capsys):
    key, content, needles = CASES[case]
    path = tmp_path / "lijst" / "bestand.csv"
    path.parent.mkdir()
    if content is not None:
        path.write_text(content, encoding="utf-8")
    toml = tmp_path / "instellingen.toml"
    toml.write_text(f'[data]\n{key} = "{path.as_posix()}"\n', encoding="utf-8")
    before = snapshot(earlier, path.parent)
    code = main(
        ["--stil", "--instellingen", str(toml), "--data", str(raw_dir), "analyse", "--offline", "--geen-rasters"]
        + ["--out", str(earlier), "--kaarten", str(tmp_path / "kaarten")]
    )
    err = capsys.readouterr().err
    assert_refused(code, err, needles=[str(path), *needles], before=before, after=snapshot(earlier, path.parent))
    assert not (tmp_path / "kaarten").exists()
