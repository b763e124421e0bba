"""Bad settings for the buurtvlak rules of issue 19 §1 (``[plausibiliteit]``): refused before any
data is read, with exit 2, the key named with its range, and the earlier output untouched."""

from __future__ import annotations

import pytest
from badinput import assert_refused, snapshot

from woonzorg_geo.cli.main import main

CASES = {
    "afstand_negatief": ("buurt_max_afstand_m = -1", "plausibiliteit.buurt_max_afstand_m", "bijv. 700"),
    "afstand_te_groot": ("buurt_max_afstand_m = 50000", "plausibiliteit.buurt_max_afstand_m", "bijv. 700"),
    "snipper_negatief": ("snipper_max_m2 = -5", "plausibiliteit.snipper_max_m2", "bijv. 1000"),
    "raakt_te_groot": ("snipper_raakt_m = 5000", "plausibiliteit.snipper_raakt_m", "bijv. 50"),
    "dichtheid_negatief": ("buurt_max_adressen_per_ha = -300", "plausibiliteit.buurt_max_adressen_per_ha", "bijv. 300"),
    "afstand_tekst": ('buurt_max_afstand_m = "ver"', "buurt_max_afstand_m", "Oplossing: schrijf een eindig getal"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_buurtvlak_setting_is_refused(case, tmp_path, capsys):
    line, needle, fix = CASES[case]
    toml = tmp_path / "instellingen.toml"
    toml.write_text(f"[plausibiliteit]\n{line}\n", encoding="utf-8")
    out = tmp_path / "output"
    out.mkdir()
    (out / "samenvatting.txt").write_text("een eerdere run\n", encoding="utf-8")
    before = snapshot(out, tmp_path / "data")
    code = main(["--stil", "--data", str(tmp_path / "data"), "--instellingen", str(toml), "analyse", "--out", str(out)])
    err = capsys.readouterr().err
    assert_refused(
        code,
        err,
        needles=[str(toml.name), needle, "Oplossing", fix],
        before=before,
        after=snapshot(out, tmp_path / "data"),
    )
