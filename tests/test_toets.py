"""Tests of the toetsingskader check (woonzorg_geo.toets) on a small synthetic gemeente and on Assen.

The place checks of the address are in test_toets_locate.py.
"""

from __future__ import annotations

import dataclasses
import html
import json
import math
import re

import pytest
from pyproj import Transformer
from shapely.geometry import Point
from toets_world import FAR, NEAR_1, NEAR_2, RD, SITE_A, X0, Y0, ToetsWorld, make_world, register_csv

from woonzorg_geo.core.errors import GeocodeError, SettingsError, WoonzorgError
from woonzorg_geo.outputs.toets_report import write_toets
from woonzorg_geo.toets import ToetsError, load_toets_settings, read_register, run_toets
from woonzorg_geo.toets.model import per_1000, per_1000_after, share_after, split_address, wmo_per_1000_after, worst
from woonzorg_geo.toets.settings import VERDICTS, Threshold


@pytest.fixture(scope="module")
def world() -> ToetsWorld:
    """An Analysis-like object with the attributes run_toets uses."""
    return make_world()


def _crit(result, code: str):
    for d in result.delen:
        for c in d.criteria:
            if c.code == code:
                return c
    raise KeyError(code)


# ------------------------------------------------------------------------------------------
# Settings
# ------------------------------------------------------------------------------------------


def test_default_settings_have_types_sources_and_quality_items():
    s = load_toets_settings()
    assert set(s.types) == {"beschermd_wonen", "geclusterd_wonen", "ouderenzorg", "ggz", "vg", "jeugd"}
    assert all(t.label and t.label != t.key for t in s.types.values())
    for name, d in s.drempels.items():
        # the framework has no numeric norms: every threshold says it is a woonzorg_geo setting
        assert "woonzorg_geo" in d.bron and "geen gemeentelijke norm" in d.bron, name
        assert d.reden, name
    assert "Woonzorgvisie Assen" in s.bereikbaarheid.norm_bron
    assert not hasattr(s.bereikbaarheid, "norm_m")  # the norm is the run's, not a second copy
    assert {k.deel for k in s.kwaliteit} >= {4} and len([k for k in s.kwaliteit if k.deel == 4]) >= 4
    for key, t in s.types.items():
        # every type has a plausible maximum with its reason, and a scale rule with its source or says why none
        assert t.max_omvang >= 12 and t.max_omvang_reden, key
        if t.schaal is None:
            assert "geen schaalregel" in t.schaal_toelichting, key
        else:
            assert t.schaal.bron and t.schaal.reden, key
    # geclusterd wonen: the definition (at least 12 homes) is its only scale rule, never red
    g = s.types["geclusterd_wonen"].schaal
    assert g.maat == "omvang" and [g.verdict(v) for v in (11, 12, 24, 200)] == ["oranje", "groen", "groen", "groen"]
    assert "12" in g.bron
    b = s.types["beschermd_wonen"].schaal
    assert b.maat == "aandeel_buurt" and b.verdict(3.0) == "oranje" and b.verdict(5.0) == "rood"


def test_user_settings_merge_and_refuse_unknown_keys(tmp_path):
    good = tmp_path / "kader.toml"
    good.write_text("[drempels.zelfde_type_500m]\noranje = 2\nrood = 4\n", encoding="utf-8")
    s = load_toets_settings(good)
    d = s.drempels["zelfde_type_500m"]
    assert (d.oranje, d.rood, d.straal_m) == (2.0, 4.0, 500.0)  # merged with the default entry
    assert s.source == str(good)
    bad = tmp_path / "fout.toml"
    bad.write_text("[drempels.zelfde_type_500m]\noranj = 2\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="oranj"):
        load_toets_settings(bad)
    wrong = tmp_path / "omgekeerd.toml"
    wrong.write_text("[drempels.zelfde_type_500m]\noranje = 3\nrood = 1\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="verkeerde"):
        load_toets_settings(wrong)
    # the scale rule is per type: a sub-table merges with the default, an empty one needs a reason
    scale = tmp_path / "schaal.toml"
    scale.write_text("[types.beschermd_wonen.schaal]\noranje = 3\n", encoding="utf-8")
    rule = load_toets_settings(scale).types["beschermd_wonen"].schaal
    assert (rule.oranje, rule.rood, rule.maat) == (3.0, 5.0, "aandeel_buurt") and "woonzorg_geo" in rule.bron
    none = tmp_path / "geen.toml"
    none.write_text("[types.ggz]\nschaal = {}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="schaal_toelichting"):
        load_toets_settings(none)
    none.write_text('[types.ggz]\nschaal = {}\nschaal_toelichting = "geen schaalregel: proef"\n', encoding="utf-8")
    assert load_toets_settings(none).types["ggz"].schaal is None
    old = tmp_path / "oud.toml"
    old.write_text('[drempels.omvang_aandeel_buurt]\noranje = 2\nbron = "x"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"types\.<type>\.schaal"):
        load_toets_settings(old)
    bad_max = tmp_path / "max.toml"
    bad_max.write_text("[types.jeugd]\nmax_omvang = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="max_omvang"):
        load_toets_settings(bad_max)


def test_threshold_verdicts_at_the_boundaries():
    up = Threshold(naam="x", oranje=1.0, rood=2.0, bron="b")
    assert [up.verdict(v) for v in (0.0, 0.99, 1.0, 1.99, 2.0, 7.0)] == [
        "groen",
        "groen",
        "oranje",
        "oranje",
        "rood",
        "rood",
    ]
    assert up.verdict(None) == "onbekend" and up.verdict(float("nan")) == "onbekend"
    down = Threshold(naam="y", oranje=-0.5, rood=-1.0, richting="lager_slechter", bron="b")
    assert [down.verdict(v) for v in (0.0, -0.5, -0.9, -1.0)] == ["groen", "oranje", "oranje", "rood"]
    never_red = Threshold(naam="z", oranje=0.0, richting="lager_slechter", bron="b")
    assert never_red.verdict(0.0) == "oranje" and never_red.verdict(-5.0) == "oranje"
    assert "nooit rood" in never_red.text()
    assert worst(["groen", "onbekend"]) == "onbekend"
    assert worst(["groen", "onbekend", "oranje"]) == "oranje"
    assert worst(["rood", "oranje"]) == "rood" and worst(["groen"]) == "groen" and worst([]) == "onbekend"


def test_split_adres():
    assert split_address("Stationsstraat 44, Assen") == ("Stationsstraat 44", None, "Assen")
    assert split_address("Stationsstraat 44, 9401 KX Assen") == ("Stationsstraat 44", "9401 KX", "Assen")
    assert split_address("Brink 1") == ("Brink 1", None, None)


# ------------------------------------------------------------------------------------------
# What-if arithmetic
# ------------------------------------------------------------------------------------------


def test_what_if_helpers_known_answers():
    assert per_1000(3, 2000) == pytest.approx(1.5)
    assert math.isnan(per_1000(3, None)) and math.isnan(per_1000(3, 0))
    assert per_1000_after(0, 1000, 10) == pytest.approx(1000 / 1010)
    assert per_1000_after(2, 990, 10) == pytest.approx(3.0)
    # 50% of 100 residents, +100 residents who all meet the norm -> 75%
    assert share_after(50.0, 100, 100, True) == pytest.approx(75.0)
    assert share_after(50.0, 100, 100, False) == pytest.approx(25.0)
    assert math.isnan(share_after(50.0, 100, 10, None))
    # 2 per 1,000 of 1,000 = 2 clients; +12 -> 14 / 1,012
    assert wmo_per_1000_after(2.0, 1000, 12) == pytest.approx(14 / 1012 * 1000)


def test_what_if_rows_of_a_run(world, tmp_path):
    res = run_toets(
        world,
        adres="Zuidstraat 5, Testgem",
        zorgtype="beschermd_wonen",
        omvang=10,
        register=register_csv(tmp_path, [FAR]),
    )
    rows = {(w["gebied"], w["indicator"]): w for w in res.wat_als}
    # buurt inhabitants: 2,000 (wijk) x 500/1,000 addresses = 1,000
    inw = rows[("buurt", "inwoners")]
    assert (inw["nu"], inw["na"]) == (1000.0, 1010.0)
    per = rows[("buurt", "zorginitiatieven per 1.000 inwoners")]
    assert per["nu"] == 0.0 and per["na"] == pytest.approx(1000 / 1010, abs=1e-3)
    share = next(w for (g, i), w in rows.items() if g == "buurt" and i.startswith("inwoners met OV"))
    assert share["nu"] == 50.0 and share["na"] == pytest.approx((50 * 1000 + 100 * 10) / 1010, abs=1e-3)
    wmo = rows[("wijk", "Wmo beschermd wonen per 1.000 inwoners")]
    assert wmo["nu"] == 2.0 and wmo["na"] == pytest.approx(1000 * (4 + 10) / 2010, abs=1e-3)
    # other types have no Wmo row
    res2 = run_toets(world, adres="Zuidstraat 5", zorgtype="ouderenzorg", omvang=10)
    assert not any("Wmo" in w["indicator"] for w in res2.wat_als)


# ------------------------------------------------------------------------------------------
# Verdict paths
# ------------------------------------------------------------------------------------------


def test_green_site(world, tmp_path):
    res = run_toets(
        world,
        adres="Zuidstraat 5, Testgem",
        zorgtype="beschermd_wonen",
        omvang=10,
        register=register_csv(tmp_path, [FAR]),
    )
    assert [d.oordeel for d in res.delen] == ["groen", "groen", "groen", "onbekend"]
    assert res.oordeel == "groen"
    assert res.locatie["buurtcode"] == "BU99990101" and res.locatie["geocode_precisie"] == "adres"
    assert _crit(res, "schaal").waarde == pytest.approx(1.0)  # 10 of ~1,000
    assert _crit(res, "per_1000_buurt").waarde == 0.0
    # accessibility at the site, by hand: snap 10 + 70 along the street + 20 snap = 100 m
    acc = {a["categorie"]: a for a in res.bereikbaarheid}
    assert acc["supermarkt"]["afstand_m"] == pytest.approx(100.0, abs=0.5)
    assert acc["supermarkt"]["minuten"] == pytest.approx(100 / 0.76 / 60, abs=0.05)
    assert acc["supermarkt"]["dichtstbij"] == "Testsuper"
    assert acc["ov"]["dichtstbij"] == "Halte Zuid" and acc["ov"]["oordeel"] == "groen"
    assert acc["ontmoetingsplek"]["afstand_m"] == pytest.approx(10 + 50 + 200, abs=0.5)
    assert _crit(res, "ontmoetingsplekken").waarde == 1.0
    assert "Buurthuis Zuid" in _crit(res, "ontmoetingsplekken").waarde_tekst


def test_orange_one_same_type_nearby(world, tmp_path):
    res = run_toets(
        world,
        adres="Zuidstraat 5",
        zorgtype="beschermd_wonen",
        omvang=10,
        register=register_csv(tmp_path, [FAR, NEAR_1]),
    )
    c = _crit(res, "zelfde_type_500m")
    assert c.waarde == 1.0 and c.oordeel == "oranje" and "Dichtbij Zorg" in c.waarde_tekst
    assert _crit(res, "elk_type_500m").oordeel == "groen"
    assert res.part(1).oordeel == "oranje" and res.oordeel == "oranje"
    assert [i["naam"] for i in res.initiatieven] == ["Dichtbij Zorg"]  # within 1,000 m


def test_red_two_same_type_nearby_and_red_buurt(world, tmp_path):
    res = run_toets(
        world,
        adres="Zuidstraat 5",
        zorgtype="beschermd_wonen",
        omvang=10,
        register=register_csv(tmp_path, [FAR, NEAR_1, NEAR_2]),
    )
    assert _crit(res, "zelfde_type_500m").oordeel == "rood"
    assert res.part("regio").oordeel == "rood" and res.oordeel == "rood"
    # site B lies in Roodbuurt/Roodwijk: focus hoog, veerkracht laag, sterk onder druk
    res_b = run_toets(world, adres="Noordstraat 115", zorgtype="ouderenzorg", omvang=60)
    assert res_b.locatie["buurtcode"] == "BU99990201"
    p2 = {c.code: c.oordeel for c in res_b.part(2).criteria}
    assert p2["balans_wijk"] == "rood" and p2["focus_buurt"] == "rood" and p2["veerkracht_buurt"] == "rood"
    assert p2["draaglast_wijk"] == "rood" and p2["draagkracht_wijk"] == "rood"
    # ouderenzorg has no scale rule: no scale criterion, the share is told in the part's text
    assert "schaal" not in p2 and "geen schaalregel" in res_b.part(2).toelichting
    assert "60 plaatsen ≈ 6,0% van ca. 1.000 inwoners" in res_b.part(2).toelichting
    # beschermd wonen of the same size there: 60 of 1,000 x 400/400 = 1,000 inhabitants: 6% -> rood
    res_bw = run_toets(world, adres="Noordstraat 115", zorgtype="beschermd_wonen", omvang=60)
    assert _crit(res_bw, "schaal").waarde == pytest.approx(6.0) and _crit(res_bw, "schaal").oordeel == "rood"
    # supermarket and OV are far from site B: the report's norm is not met -> oranje
    assert p2["bereikbaarheid_norm"] == "oranje"
    assert res_b.part(3).oordeel == "rood"  # two signals
    assert _crit(res_b, "ontmoetingsplekken").oordeel == "oranje"
    assert res_b.oordeel == "rood"


def test_no_register_is_unknown_and_asks_for_one(world):
    res = run_toets(world, adres="Noordstraat 115", zorgtype="ouderenzorg", omvang=20)
    p1 = res.part(1)
    assert p1.oordeel == "onbekend"
    assert all(c.oordeel == "onbekend" for c in p1.criteria)
    assert "register" in p1.toelichting.lower() and "--register" in p1.toelichting
    # still reports what OSM holds: the nursing home 82 m away, counted as ouderenzorg
    assert _crit(res, "zelfde_type_500m").waarde == 1.0
    assert res.initiatieven[0]["naam"] == "Verpleeghuis Noord" and res.initiatieven[0]["bron"] == "osm"
    # part 4 is always 'aan te leveren'
    assert res.part(4).oordeel == "onbekend" and all(c.waarde_tekst == "aan te leveren" for c in res.part(4).criteria)
    # green elsewhere but part 1 unknown -> overall unknown
    res_a = run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=10)
    assert res_a.part(2).oordeel == "groen" and res_a.part(3).oordeel == "groen"
    assert res_a.oordeel == "onbekend"


def test_register_geocoding_lists_unplaceable_rows_and_merges_osm(world, tmp_path):
    path = register_csv(
        tmp_path,
        [
            FAR,
            ("Spookhuis", "Nergensweg 1", "", "ggz"),
            ("Zonder adres", "", "", "vg"),
            ("Noordhuis", "Noordstraat 116", "", "ouderenzorg"),  # 28 m from the OSM nursing home
            ("Raar", "Zuidstraat 9", "", "kinderboerderij"),
        ],
    )
    from woonzorg_geo.toets.locate import offline_geocoder

    placed, missing, messages = read_register(path, settings=load_toets_settings(), geocode=offline_geocoder(world))
    assert sorted(placed["naam"]) == ["Noordhuis", "Raar", "Verre Zorg"]
    assert {m["naam"]: m["reden"] for m in missing} == {
        "Spookhuis": "adres niet gevonden",
        "Zonder adres": "geen adres ingevuld",
    }
    assert [m["regel"] for m in missing] == [3, 4]  # line numbers in the file (header = 1)
    assert any("kinderboerderij" in m for m in messages)
    assert placed.loc[placed["naam"] == "Raar", "type"].iloc[0] == ""
    res = run_toets(world, adres="Noordstraat 115", zorgtype="ouderenzorg", omvang=20, register=path)
    assert [m["naam"] for m in res.niet_geplaatst] == ["Spookhuis", "Zonder adres"]
    near = {i["naam"]: i for i in res.initiatieven}
    assert near["Noordhuis"]["bron"] == "register;osm" and "Verpleeghuis Noord" not in near
    assert _crit(res, "zelfde_type_500m").waarde == 1.0  # merged, not counted twice
    assert any("niet worden geplaatst" in m for m in res.meldingen)


def test_point_input_and_street_precision(world):
    to_ll = Transformer.from_crs(RD, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(*SITE_A)
    res = run_toets(world, punt=(lon, lat), zorgtype="geclusterd_wonen", omvang=12)
    assert res.locatie["geocode_precisie"] == "punt" and res.locatie["buurtcode"] == "BU99990101"
    assert res.locatie["x_rd"] == pytest.approx(SITE_A[0], abs=0.01)
    assert res.slug.startswith("punt-")
    st = run_toets(world, adres="Zuidstraat 999", zorgtype="geclusterd_wonen", omvang=12)
    assert st.locatie["geocode_precisie"] == "straat"
    assert any("niet op adresniveau" in m for m in st.meldingen)


def test_scale_rule_is_per_type(world):
    # Groenbuurt: ~1,000 inhabitants (2,000 of the wijk x 500/1,000 addresses); 30 is 3% of it
    gw = run_toets(world, adres="Zuidstraat 5", zorgtype="geclusterd_wonen", omvang=30)
    c = _crit(gw, "schaal")
    assert c.waarde == 30.0 and c.oordeel == "groen" and "30 woningen" in c.waarde_tekst and "12" in c.bron
    assert gw.part(2).oordeel == "groen"  # not oranje on scale alone
    bw = run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=30)
    assert _crit(bw, "schaal").waarde == pytest.approx(3.0) and _crit(bw, "schaal").oordeel == "oranje"
    assert bw.part(2).oordeel == "oranje"
    small = run_toets(world, adres="Zuidstraat 5", zorgtype="geclusterd_wonen", omvang=11)
    assert _crit(small, "schaal").oordeel == "oranje"  # smaller than the definition
    assert "12 woningen" not in small.samenvatting and "11 woningen" in small.samenvatting


def test_implausible_omvang_is_refused(world):
    s = load_toets_settings()
    big = s.types["beschermd_wonen"].max_omvang
    with pytest.raises(ToetsError, match="niet aannemelijk") as exc:
        run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=1_000_000_000)
    assert "1.000.000.000" in str(exc.value) and "types.beschermd_wonen.max_omvang" in str(exc.value)
    with pytest.raises(ToetsError, match="niet aannemelijk"):
        run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=big + 1)
    assert run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=big).omvang == big


def test_register_without_placed_rows_stays_unknown(world, tmp_path):
    path = register_csv(
        tmp_path, [("Spookhuis", "Nergensweg 1", "", "beschermd_wonen"), ("Zonder adres", "", "", "ggz")]
    )
    res = run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=10, register=path)
    p1 = res.part(1)
    assert p1.oordeel == "onbekend" and all(c.oordeel == "onbekend" for c in p1.criteria)
    assert "geen van de 2 rijen kon worden geplaatst" in p1.toelichting
    assert all("geen enkele rij" in c.toelichting for c in p1.criteria)
    assert res.oordeel == "onbekend"  # parts 2 and 3 are green here; part 1 keeps the whole unknown
    header_only = tmp_path / "leeg.csv"
    header_only.write_text("naam;adres;postcode;type\n", encoding="utf-8")
    res2 = run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=10, register=header_only)
    assert res2.part(1).oordeel == "onbekend" and "geen rijen" in res2.part(1).toelichting


def test_unplaced_rows_make_a_verdict_unknown_only_where_they_could_change_it(world, tmp_path):
    path = register_csv(tmp_path, [FAR, ("Spookhuis", "Nergensweg 1", "", "beschermd_wonen")])
    res = run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=10, register=path)
    # 0 placed within 500 m; with the unplaced row it could be 1 (oranje): unknown, and says so
    c = _crit(res, "zelfde_type_500m")
    assert c.waarde == 0.0 and c.oordeel == "onbekend" and "oranje" in c.toelichting
    assert "hooguit 1" in c.waarde_tekst
    # within 1 km of every type: 0 or 1, both below 4 -> green either way
    assert _crit(res, "elk_type_1000m").oordeel == "groen"
    # buurt per 1,000: even if the row lies in this buurt, 1 per 1,000 against the gemeente's 3 per
    # 3,000 (Verre Zorg, the OSM nursing home and this row) is 1.0x, below 1.5: green either way
    assert _crit(res, "per_1000_buurt").oordeel == "groen"
    assert res.part(1).oordeel == "onbekend"
    # the same unplaced row is of another type: the same-type count is certain
    other = register_csv(tmp_path, [FAR, ("Spookhuis", "Nergensweg 1", "", "jeugd")], name="r2.csv")
    res2 = run_toets(world, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=10, register=other)
    assert _crit(res2, "zelfde_type_500m").oordeel == "groen"


def test_norm_profile_and_categories_come_from_the_run_settings(world):
    # the run's norm: at 90 m the supermarket (100 m) is out of reach
    rs = world.settings
    short = dataclasses.replace(
        world, settings=dataclasses.replace(rs, bereikbaarheid=dataclasses.replace(rs.bereikbaarheid, norm_m=90.0))
    )
    res = run_toets(short, adres="Zuidstraat 5", zorgtype="beschermd_wonen", omvang=10)
    acc = {a["categorie"]: a for a in res.bereikbaarheid}
    assert acc["supermarkt"]["binnen_norm"] is False and acc["supermarkt"]["norm_m"] == 90.0
    norm = _crit(res, "bereikbaarheid_norm")
    assert norm.oordeel == "oranje" and "binnen 90 m" in norm.naam and "800" not in norm.naam
    # the profile is the run's profile for older residents, with its label and speed from the settings
    senior = rs.profielen[rs.locaties.profiel]
    assert acc["supermarkt"]["profiel"] == senior.name and acc["supermarkt"]["snelheid_m_s"] == senior.speed_m_s
    assert senior.label in norm.naam
    # the category labels are the voorzieningen' own
    assert acc["supermarkt"]["label"] == "Supermarkt" and acc["ov"]["label"] == "OV-halte of treinstation"
    # a profile or category the run does not know is a settings error
    s = load_toets_settings()
    with pytest.raises(SettingsError, match="wandelen"):
        run_toets(
            world,
            adres="Zuidstraat 5",
            zorgtype="ggz",
            omvang=5,
            settings=dataclasses.replace(s, locatie=dataclasses.replace(s.locatie, profiel="wandelen")),
        )
    with pytest.raises(SettingsError, match="bioscoop"):
        run_toets(
            world,
            adres="Zuidstraat 5",
            zorgtype="ggz",
            omvang=5,
            settings=dataclasses.replace(
                s, bereikbaarheid=dataclasses.replace(s.bereikbaarheid, categorieen=("ov", "supermarkt", "bioscoop"))
            ),
        )


def _planner_text(page: str) -> str:
    """The visible text of an HTML page."""
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", body)


def test_no_nan_and_decimal_commas_for_the_planner(world, tmp_path):
    # a buurt without name, reasons or signals explanation, a wijk without overlay text
    buurten = world.buurten.copy()
    buurten.loc["BU99990101", ["naam", "focus_redenen", "veerkracht_redenen", "signalen_toelichting"]] = float("nan")
    wijken = world.wijken.copy()
    wijken.loc["WK999901", "overlay_toelichting"] = float("nan")
    holes = dataclasses.replace(world, buurten=buurten, wijken=wijken)
    to_ll = Transformer.from_crs(RD, "EPSG:4326", always_xy=True)
    res = run_toets(holes, punt=to_ll.transform(*SITE_A), zorgtype="beschermd_wonen", omvang=10)
    page, data = write_toets(res, tmp_path)
    text = _planner_text(page.read_text(encoding="utf-8"))
    assert not re.search(r"\b(nan|NaN|None|inf)\b", text)
    # no decimal point (a Dutch thousands separator has exactly three digits after it)
    assert not re.findall(r"\d\.(?:\d{1,2}|\d{4,})\b", text.replace("CC BY 4.0", ""))
    assert re.search(r"buurt\s+naam onbekend \(BU99990101\)", text)
    assert re.search(r"WGS84 lengtegraad \d+,\d{5}, breedtegraad \d+,\d{5}", text)
    doc = json.loads(data.read_text(encoding="utf-8"), parse_constant=lambda c: pytest.fail(f"JSON bevat {c}"))
    assert doc["locatie"]["buurtnaam"] is None
    assert not re.search(r"\b(nan|none|inf)\b", json.dumps(doc, ensure_ascii=False), flags=re.IGNORECASE)


# ------------------------------------------------------------------------------------------
# Bad inputs
# ------------------------------------------------------------------------------------------


def test_bad_inputs_raise_clear_errors(world):
    to_ll = Transformer.from_crs(RD, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(X0 + 5000, Y0 + 5000)
    with pytest.raises(ToetsError, match="buiten de gemeente Testgem"):
        run_toets(world, punt=(lon, lat), zorgtype="ggz", omvang=5)
    with pytest.raises(ToetsError, match="buiten de gemeente"):
        run_toets(world, adres="Buitenweg 500", zorgtype="ggz", omvang=5)
    lon_a, lat_a = to_ll.transform(*SITE_A)
    with pytest.raises(ToetsError, match="verwisseld"):
        run_toets(world, punt=(lat_a, lon_a), zorgtype="ggz", omvang=5)
    with pytest.raises(GeocodeError, match="niet gevonden") as exc:
        run_toets(world, adres="Onbekendelaan 3, Testgem", zorgtype="ggz", omvang=5)
    assert isinstance(exc.value, LookupError) and isinstance(exc.value, WoonzorgError)
    with pytest.raises(ToetsError, match="onbekend type") as exc2:
        run_toets(world, adres="Zuidstraat 5", zorgtype="hotel", omvang=5)
    assert "beschermd_wonen" in str(exc2.value) and isinstance(exc2.value, ValueError)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ToetsError, match="omvang"):
            run_toets(world, adres="Zuidstraat 5", zorgtype="ggz", omvang=bad)
    with pytest.raises(ToetsError, match="óf een adres"):
        run_toets(world, adres="Zuidstraat 5", punt=(lon_a, lat_a), zorgtype="ggz", omvang=5)
    with pytest.raises(ToetsError, match="óf een adres"):
        run_toets(world, zorgtype="ggz", omvang=5)


# ------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------


def test_write_toets_html_and_json(world, tmp_path):
    res = run_toets(
        world,
        adres="Zuidstraat 5, Testgem",
        zorgtype="beschermd_wonen",
        omvang=10,
        register=register_csv(tmp_path, [FAR, NEAR_1, ("Spookhuis", "Nergensweg 1", "", "ggz")]),
    )
    page, data = write_toets(res, tmp_path / "uit")
    assert page.name == "toets_zuidstraat-5-testgem.html" and data.name == "toets_zuidstraat-5-testgem.json"
    text = page.read_text(encoding="utf-8")
    assert "<script" not in text and "http" not in text
    assert 'lang="nl"' in text and "Samenvatting" in text and "Wat als" in text and "Bronnen" in text
    for n in (1, 2, 3, 4):
        assert f"Deel {n}:" in text
    assert "class='v-oranje'" in text and "Spookhuis" in text and "Testsuper" in text
    doc = json.loads(data.read_text(encoding="utf-8"))
    assert doc["oordeel"] == res.oordeel == "oranje"
    assert [d["nummer"] for d in doc["delen"]] == [1, 2, 3, 4]
    assert all(c["oordeel"] in VERDICTS for d in doc["delen"] for c in d["criteria"])
    assert doc["register_niet_geplaatst"][0]["naam"] == "Spookhuis"
    assert {"categorie", "afstand_m", "minuten", "dichtstbij"} <= set(doc["bereikbaarheid"][0])
    assert doc["wat_als"] and doc["bronnen"]


# ------------------------------------------------------------------------------------------
# Real data: Assen
# ------------------------------------------------------------------------------------------


def _own_text(page: str, analysis) -> str:
    """The page's text without the overlay explanations the toets quotes from the analysis."""
    text = _planner_text(page)
    for frame, cols in (
        (analysis.wijken, ("overlay_toelichting",)),
        (analysis.buurten, ("focus_redenen", "veerkracht_redenen", "signalen_toelichting")),
    ):
        for col in cols:
            if col in frame:
                for quoted in frame[col].dropna().astype(str):
                    if quoted:
                        text = text.replace(html.escape(quoted, quote=False), "").replace(quoted, "")
    return text


def _check_planner_page(page: str, analysis) -> None:
    text = _planner_text(page)
    assert not re.search(r"\b(nan|NaN|None|inf)\b", text)
    own = _own_text(page, analysis).replace("CC BY 4.0", "").replace("ODbL 1.0", "")
    assert not re.findall(r"\d\.(?:\d{1,2}|\d{4,})\b", own)


@pytest.mark.realdata
def test_stationsstraat_44_assen(assen_analysis, tmp_path):
    a = assen_analysis
    res = run_toets(a, adres="Stationsstraat 44, Assen", zorgtype="beschermd_wonen", omvang=12)
    assert res.locatie["geocode_precisie"] in ("adres", "straat")
    centrum = a.wijken.index[a.wijken["naam"] == "Centrum"]
    assert list(centrum) == [res.locatie["wijkcode"]] and res.locatie["wijknaam"] == "Centrum"
    # the buurt is the one whose polygon holds the site, with its name from the data
    site = Point(res.locatie["x_rd"], res.locatie["y_rd"])
    holding = a.buurten.index[a.buurten.geometry.covers(site)]
    assert list(holding) == [res.locatie["buurtcode"]]
    assert res.locatie["buurtnaam"] == a.buurten.at[res.locatie["buurtcode"], "naam"]
    assert [d.nummer for d in res.delen] == [1, 2, 3, 4]
    assert res.part(1).oordeel == "onbekend"  # no register given
    assert res.oordeel == worst([d.oordeel for d in res.delen[:3]]) and res.oordeel != "groen"
    acc = {a_["categorie"]: a_ for a_ in res.bereikbaarheid}
    assert tuple(acc) == load_toets_settings().bereikbaarheid.categorieen
    for cat in ("ov", "supermarkt", "huisarts", "apotheek"):
        assert 0 < acc[cat]["afstand_m"] < 2000 and acc[cat]["minuten"] > 0 and acc[cat]["dichtstbij"]
        assert acc[cat]["minuten"] == pytest.approx(acc[cat]["afstand_m"] / acc[cat]["snelheid_m_s"] / 60, abs=0.06)
    wmo = next(w for w in res.wat_als if w["indicator"].startswith("Wmo"))
    assert wmo["na"] > wmo["nu"]
    page, data = write_toets(res, tmp_path)
    doc = json.loads(data.read_text(encoding="utf-8"))
    assert len(doc["delen"]) == 4 and doc["bereikbaarheid"][0]["afstand_m"] is not None
    text = page.read_text(encoding="utf-8")
    assert f"{res.locatie['buurtnaam']} ({res.locatie['buurtcode']})" in text
    assert "http" not in text and "<script" not in text
    _check_planner_page(text, a)


@pytest.mark.realdata
def test_geclusterd_wonen_of_24_homes_in_kloosterveen_is_not_oranje_on_scale(assen_analysis, tmp_path):
    a = assen_analysis
    kv = a.wijken.index[a.wijken["naam"] == "Kloosterveen"]
    assert len(kv) == 1
    # the smallest residential buurt of Kloosterveen: where a share-of-buurt rule bites hardest
    bu = a.buurten.loc[(a.buurten["wijkcode"] == kv[0]) & (a.buurten["n_adressen"] >= 50)]
    code = bu["n_adressen"].idxmin()
    homes = a.adressen.loc[a.adressen["buurtcode"] == code]
    to_ll = Transformer.from_crs(RD, "EPSG:4326", always_xy=True)
    punt = to_ll.transform(homes.geometry.iloc[0].x, homes.geometry.iloc[0].y)
    gw = run_toets(a, punt=punt, zorgtype="geclusterd_wonen", omvang=24)
    assert gw.locatie["buurtcode"] == code and gw.locatie["wijknaam"] == "Kloosterveen"
    scale = _crit(gw, "schaal")
    assert scale.waarde == 24.0 and scale.oordeel == "groen"
    if gw.part(2).oordeel == "oranje":  # then for another reason than scale
        assert any(c.oordeel == "oranje" for c in gw.part(2).criteria if c.code != "schaal")
    # the same 24 as beschermd wonen there: the share-of-buurt rule of that type applies
    bw = run_toets(a, punt=punt, zorgtype="beschermd_wonen", omvang=24)
    share = _crit(bw, "schaal")
    assert share.waarde >= 2.5 and share.oordeel in ("oranje", "rood")
    page, _ = write_toets(gw, tmp_path)
    _check_planner_page(page.read_text(encoding="utf-8"), a)


# ----------------------------------------------------------------------------- command line


def test_cli_rejects_bad_input_before_any_work(capsys, tmp_path):
    from woonzorg_geo.cli.main import main

    out = tmp_path / "uit"
    assert (
        main(
            [
                "toets",
                "--adres",
                "Stationsstraat 44, Assen",
                "--type",
                "bejaardenhuis",
                "--omvang",
                "3",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "onbekend type zorginitiatief 'bejaardenhuis'" in capsys.readouterr().err
    assert main(["toets", "--punt", "6,5;53", "--type", "ggz", "--omvang", "3", "--out", str(out)]) == 2
    assert "LON,LAT" in capsys.readouterr().err
    assert main(["toets", "--type", "ggz", "--omvang", "3", "--out", str(out)]) == 2
    assert "precies één locatie" in capsys.readouterr().err
    assert main(["toets", "--punt", "6.56,52.99", "--type", "ggz", "--omvang", "0", "--out", str(out)]) == 2
    assert "--omvang" in capsys.readouterr().err
    assert (
        main(
            ["toets", "--punt", "6.56,52.99", "--type", "beschermd_wonen", "--omvang", "1000000000", "--out", str(out)]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert "--omvang 1.000.000.000 is niet aannemelijk voor beschermd wonen" in err and "max_omvang" in err
    assert not out.exists()


@pytest.mark.realdata
def test_cli_stationsstraat(raw_dir, tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    out = tmp_path / "output"
    assert (
        main(
            [
                "--stil",
                "--data",
                str(raw_dir),
                "toets",
                "--adres",
                "Stationsstraat 44, Assen",
                "--type",
                "beschermd_wonen",
                "--omvang",
                "12",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    for n in (1, 2, 3, 4):
        assert f"deel {n} " in text
    assert (out / "toets_stationsstraat-44-assen.html").exists()
    assert (out / "toets_stationsstraat-44-assen.json").exists()
    assert (
        main(
            [
                "--stil",
                "--data",
                str(raw_dir),
                "toets",
                "--adres",
                "Nergensstraat 3, Assen",
                "--type",
                "ggz",
                "--omvang",
                "3",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    assert "niet gevonden" in capsys.readouterr().err


@pytest.mark.realdata
def test_cli_address_in_another_place_fails_without_output(raw_dir, tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    out = tmp_path / "output"
    assert (
        main(
            [
                "--stil",
                "--data",
                str(raw_dir),
                "toets",
                "--adres",
                "Stationsstraat 44, Groningen",
                "--type",
                "beschermd_wonen",
                "--omvang",
                "12",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    cap = capsys.readouterr()
    assert cap.out == "" and not out.exists()
    assert "plaats 'Groningen'" in cap.err and "niet in de gemeente Assen" in cap.err
    assert "gevonden als Stationsstraat 44 (buurt " in cap.err  # where the offline geocoder found the street
    assert (
        main(
            [
                "--stil",
                "--data",
                str(raw_dir),
                "toets",
                "--adres",
                "Stationsstraat 44, Rhee",
                "--type",
                "beschermd_wonen",
                "--omvang",
                "12",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    cap = capsys.readouterr()
    assert cap.out == "" and not out.exists() and "km van Rhee" in cap.err


def test_split_adres_without_a_comma():
    assert split_address("stationsstraat 44 assen") == ("stationsstraat 44", None, "assen")
    assert split_address("Stationsstraat 44a 9401 KX Assen") == ("Stationsstraat 44a", "9401 KX", "Assen")
    assert split_address("Stationsstraat 44-2 Assen") == ("Stationsstraat 44-2", None, "Assen")
    assert split_address("2e Industrieweg 5 Assen") == ("2e Industrieweg 5", None, "Assen")
    assert split_address("Brink 1 9401HS") == ("Brink 1", "9401HS", None)
    assert split_address("Zuidstraat 5 Testgem") == split_address("Zuidstraat 5, Testgem")


def test_the_verdict_says_how_precisely_the_site_was_placed(world, tmp_path):
    """Below address precision the result warns (meldingen, JSON, report); at an address or point it does not."""
    exact = run_toets(world, adres="Zuidstraat 5 Testgem", zorgtype="ouderenzorg", omvang=10)
    assert exact.locatie["geocode_precisie"] == "adres" and exact.locatie["waarschuwing"] is None
    assert not any("adresniveau" in m for m in exact.meldingen)
    street = run_toets(world, adres="Zuidstraat 9999, Testgem", zorgtype="ouderenzorg", omvang=10)
    assert street.locatie["geocode_precisie"] == "straat"
    warning = street.locatie["waarschuwing"]
    assert warning and "niet op adresniveau" in warning and "--punt" in warning
    assert warning in street.meldingen
    html_path, json_path = write_toets(street, tmp_path / "straat")
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc["locatie"]["geocode_precisie"] == "straat" and doc["locatie"]["waarschuwing"] == warning
    assert "niet op adresniveau" in html_path.read_text(encoding="utf-8")
    point = run_toets(world, punt=(exact.locatie["lon"], exact.locatie["lat"]), zorgtype="ouderenzorg", omvang=10)
    assert point.locatie["geocode_precisie"] == "punt" and point.locatie["waarschuwing"] is None
