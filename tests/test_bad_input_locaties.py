"""Bad input for locaties' shared judgement with toets (issue 20 §4): a rule or a reference
initiative the settings cannot mean is refused with exit 2, before any work, output untouched."""

from __future__ import annotations

import pytest
from badinput import assert_refused, snapshot

CASES = {
    "unknown_rule": ('[locaties]\ntoets_regel = "weg"\n', ["toets_regel", "Oplossing"]),
    "zero_omvang": ("[locaties]\nreferentie_omvang = 0\n", ["referentie_omvang", "minstens 1"]),
    "unknown_type": ('[locaties]\nreferentie_type = "kasteel"\n', ["referentie_type", "kasteel", "Oplossing"]),
    "implausible_omvang": (
        "[locaties]\nreferentie_omvang = 100000\n",
        ["referentie_omvang", "niet aannemelijk", "Oplossing"],
    ),
}


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    """An earlier folder with a file in it (the settings are refused before --uit is read)."""
    root = tmp_path_factory.mktemp("bad_locaties")
    (root / "uit").mkdir()
    (root / "uit" / "notitie.txt").write_text("eerder werk\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_rule_or_reference_is_refused_before_any_work(case, earlier, tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    text, needles = CASES[case]
    toml = tmp_path / "instellingen.toml"
    toml.write_text(text, encoding="utf-8")
    out, maps = earlier / "out", earlier / "maps"
    before = snapshot(earlier)
    capsys.readouterr()
    code = main(
        ["--stil", "--instellingen", str(toml), "locaties", "--uit", str(earlier / "uit"), "--out", str(out)]
        + ["--kaarten", str(maps), "--offline"]
    )
    err = capsys.readouterr().err
    assert_refused(code, err, needles=needles, before=before, after=snapshot(earlier))
    assert not out.exists() and not maps.exists()
    assert err.count("Oplossing") == 1, err
