"""The toets on the real data says how precisely it placed the site, and reads addresses without a comma."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.realdata


@pytest.mark.parametrize(
    ("adres", "precisie", "warns"),
    [
        ("Baggelhuizen 1, Assen", "straat", True),  # no house number 1 on that street in OSM 2021
        ("stationsstraat 44 assen", "adres", False),  # no comma, lower case
        ("Stationsstraat 44, Assen", "adres", False),
    ],
)
def test_console_report_and_json_carry_the_precision(assen_output, tmp_path, capsys, adres, precisie, warns):
    from woonzorg_geo.cli.main import main

    out = tmp_path / "t"
    code = main(
        ["--stil", "toets", "--uit", str(assen_output), "--adres", adres, "--type", "geclusterd_wonen"]
        + ["--omvang", "24", "--out", str(out)]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    assert "nauwkeurigheid: " + precisie in text
    assert ("Let op: de locatie is niet op adresniveau gevonden" in text) is warns
    (json_path,) = out.glob("toets_*.json")
    loc = json.loads(json_path.read_text(encoding="utf-8"))["locatie"]
    assert loc["geocode_precisie"] == precisie
    assert bool(loc["waarschuwing"]) is warns
