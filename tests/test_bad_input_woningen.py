"""``[woningen]`` settings that cannot work are refused before any work, naming the key and the fix."""

from __future__ import annotations

import pytest
from badinput import assert_refused, snapshot

from woonzorg_geo.cli.main import main

CASES = {
    "band_omgekeerd": ("band_per_cbs = [1.25, 0.85]", ["woningen.band_per_cbs", "Oplossing", "[0.85, 1.25]"]),
    "band_zonder_1": ("band_per_cbs = [1.1, 1.3]", ["woningen.band_per_cbs", "ondergrens onder 1"]),
    "band_een_getal": ("band_per_cbs = 1.0", ["woningen.band_per_cbs", "verwacht een lijst"]),
    "camping_straal_negatief": ("camping_straal_m = -5", ["woningen.camping_straal_m", "0 zet de regel uit"]),
    "poi_afstand_tekst": ('poi_afstand_m = "3"', ["woningen.poi_afstand_m", "verwacht getal"]),
    "onbekende_sleutel": ("bandbreedte = [0.85, 1.25]", ["woningen", "onbekende sleutel", "band_per_cbs"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_woningen_settings_are_refused(case, tmp_path, capsys):
    line, needles = CASES[case]
    cfg = tmp_path / "s.toml"
    cfg.write_text(f"[woningen]\n{line}\n", encoding="utf-8")
    earlier = tmp_path / "output"
    earlier.mkdir()
    (earlier / "samenvatting.json").write_text("{}", encoding="utf-8")
    before = snapshot(earlier, cfg.parent)
    code = main(["--stil", "--instellingen", str(cfg), "analyse", "--out", str(earlier), "--geen-kaarten"])
    err = capsys.readouterr().err
    assert_refused(code, err, needles=[str(cfg.name), *needles], before=before, after=snapshot(earlier, cfg.parent))
