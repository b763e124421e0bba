"""`analyse --online` with a PDOK BAG WFS that answers badly: one clear Dutch refusal, output untouched.

The services are the stand-ins of ``standins.py`` on 127.0.0.1 (see ``test_online.online_env``);
only the BAG WFS misbehaves. Each case asserts exit 2, the service and its URL variable or the fix
in the message, and that the earlier output folder is byte-for-byte unchanged.
"""

from __future__ import annotations

import pytest
from badinput import assert_refused, snapshot
from test_online import online_env  # noqa: F401 - the fixture

from woonzorg_geo.cli.main import main

FAST_TOML = "[online]\ntimeout_s = 2.0\npogingen = 1\nwachttijd_s = 0.05\nmax_wachttijd_s = 5.0\n"
JSON = {"Content-Type": "application/json; subtype=geojson; charset=utf-8"}

CASES = {
    "http500": (
        (500, {"Content-Type": "text/html"}, b"<html><body><h1>Internal Server Error</h1></body></html>"),
        ["PDOK BAG WFS", "HTTP 500", "na 1 poging", "Oplossing:"],
    ),
    "afgebroken-json": (
        (200, JSON, b'{"type": "FeatureCollection", "name": "verblijfsobject", "features": [{"type": "Fea'),
        ["PDOK BAG WFS gaf geen geldige JSON", "WOONZORG_PDOK_BAG_URL", "Oplossing:"],
    ),
    "leeg-antwoord": (
        (200, JSON, b""),
        ["PDOK BAG WFS gaf geen geldige JSON", "WOONZORG_PDOK_BAG_URL", "Oplossing:"],
    ),
    "xml-foutrapport": (
        (
            200,
            {"Content-Type": "text/xml"},
            (
                b'<?xml version="1.0"?><ows:ExceptionReport><ows:Exception exceptionCode="NoApplicableCode"/>'
                b"</ows:ExceptionReport>"
            ),
        ),
        ["PDOK BAG WFS gaf geen geldige JSON", "WOONZORG_PDOK_BAG_URL"],
    ),
    "geen-verblijfsobjecten": (
        (200, JSON, b'{"type": "FeatureCollection", "name": "verblijfsobject", "features": []}'),
        ["geen enkel verblijfsobject", "bbox", "WOONZORG_PDOK_BAG_URL"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_bag_answer_is_refused(case, online_env, tmp_path, capsys):  # noqa: F811
    answer, needles = CASES[case]
    online_env["bag"].override = answer
    settings = tmp_path / "snel.toml"
    settings.write_text(FAST_TOML, encoding="utf-8")
    out = online_env["out"]
    out.mkdir()
    (out / "samenvatting.txt").write_text("vorige run\n", encoding="utf-8")
    before = snapshot(out, tmp_path / "maps")
    code = main(
        [
            "--stil",
            "--instellingen",
            str(settings),
            "analyse",
            "--online",
            "--out",
            str(out),
            "--kaarten",
            str(online_env["maps"]),
        ]
    )
    err = capsys.readouterr().err
    assert_refused(code, err, needles=needles, before=before, after=snapshot(out, tmp_path / "maps"), one_line=True)
    assert online_env["bag"].requests_to("/wfs/v2_0"), "the BAG WFS was not asked"
    assert not online_env["maps"].exists()
