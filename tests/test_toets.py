"""Tests of the toetsingskader check (woonzorg_geo.toets) on a small synthetic gemeente and on Assen."""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from woonzorg_geo.config import load_settings
from woonzorg_geo.errors import GeocodeError, SettingsError, WoonzorgError
from woonzorg_geo.network import build_network, profile_graph
from woonzorg_geo.sources.osm import OSMData
from woonzorg_geo.toets import (
    ToetsError,
    load_toets_settings,
    read_register,
    run_toets,
    write_toets,
)
from woonzorg_geo.toets.model import (
    aandeel_na,
    per_1000,
    per_1000_na,
    split_adres,
    wmo_per_1000_na,
    worst,
)
from woonzorg_geo.toets.settings import VERDICTS, Drempel

RD = "EPSG:28992"
S = load_settings()
X0, Y0 = 230000.0, 555000.0
GRID = [100.0 + 200.0 * k for k in range(10)]  # grid lines every 200 m, offset 100 m
# site A: Zuidstraat 5 in Groenbuurt (x 230450, y 555510); site B: Noordstraat 115 in Roodbuurt
SITE_A = (X0 + 450.0, Y0 + 510.0)


# ------------------------------------------------------------------------------------------
# A small synthetic gemeente: 2 x 2 km, two wijken, three buurten, a street grid
# ------------------------------------------------------------------------------------------


def _lines() -> gpd.GeoDataFrame:
    names_h = {500.0: "Zuidstraat", 1500.0: "Noordstraat"}
    rows = []
    for g in GRID:  # every line has a vertex at every crossing (the network is noded on vertices)
        rows.append({"name": names_h.get(g), "geometry": LineString([(X0 + x, Y0 + g) for x in GRID])})
        rows.append({"name": None, "geometry": LineString([(X0 + g, Y0 + y) for y in GRID])})
    # a street outside the gemeente (its own island)
    rows.append({"name": "Buitenweg", "geometry": LineString([(X0 + 3000, Y0 + 100), (X0 + 3000, Y0 + 1900)])})
    gdf = gpd.GeoDataFrame(rows, crs=RD)
    gdf["class"] = "minor"
    gdf["subclass"] = None
    return gdf


def _addresses() -> gpd.GeoDataFrame:
    rows = []
    for i in range(1, 21):
        x = X0 + 100.0 * i - 50.0
        rows.append({"housenumber": str(i), "geometry": Point(x, Y0 + 510.0)})  # Zuidstraat i
        rows.append({"housenumber": str(100 + i), "geometry": Point(x, Y0 + 1510.0)})  # Noordstraat 100+i
    rows.append({"housenumber": "500", "geometry": Point(X0 + 3010.0, Y0 + 1000.0)})  # Buitenweg 500
    gdf = gpd.GeoDataFrame(rows, crs=RD)
    gdf["street"] = None
    gdf["postcode"] = None
    return gdf


def _voorzieningen() -> gpd.GeoDataFrame:
    rows = [
        ("vz1", "supermarkt", "Supermarkt", "Testsuper", "osm", (520, 520)),
        ("vz2", "ov_halte", "OV-halte", "Halte Zuid", "gtfs", (600, 490)),
        ("vz3", "huisarts", "Huisarts", "Praktijk Zuid", "osm", (400, 520)),
        ("vz4", "apotheek", "Apotheek", "Apotheek Zuid", "osm", (700, 520)),
        ("vz5", "ontmoetingsplek", "Ontmoetingsplek", "Buurthuis Zuid", "osm", (500, 700)),
        ("vz6", "woonzorg", "Woonzorglocatie", "Verpleeghuis Noord", "osm", (1530, 1490)),
    ]
    return gpd.GeoDataFrame(
        {"categorie": [r[1] for r in rows], "label": [r[2] for r in rows], "naam": [r[3] for r in rows],
         "bron": [r[4] for r in rows], "precisie": "punt"},
        geometry=[Point(X0 + r[5][0], Y0 + r[5][1]) for r in rows], crs=RD,
        index=pd.Index([r[0] for r in rows], name="vz_id"),
    )


def _areas() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    buurten = gpd.GeoDataFrame(
        {
            "naam": ["Groenbuurt", "Middenbuurt", "Roodbuurt"],
            "wijkcode": ["WK999901", "WK999901", "WK999902"],
            "n_adressen": [500, 500, 400],
            "inwoners_cbs": [np.nan, np.nan, np.nan],
            "focus": ["laag", "midden", "hoog"],
            "veerkracht": ["hoog", "midden", "laag"],
            "focus_redenen": ["geen signalen", "signaal: toename kwetsbaar", "overlast samen met lage veerkracht"],
            "veerkracht_redenen": ["afname", "geen bijzondere signalen", "lage veerkracht"],
            "signalen": ["", "toename_kwetsbaar", "lage_veerkracht, overlast_onveiligheid"],
            "signalen_toelichting": ["", "toename kwetsbare inwoners", "lage veerkracht; overlast"],
            "pct_ov_en_supermarkt_800m_senior": [50.0, 80.0, 20.0],
        },
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000), box(X0, Y0 + 1000, X0 + 1000, Y0 + 2000),
                  box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
        crs=RD, index=pd.Index(["BU99990101", "BU99990102", "BU99990201"], name="code"),
    )
    wijken = gpd.GeoDataFrame(
        {
            "naam": ["Groenwijk", "Roodwijk"],
            "n_adressen": [1000, 400],
            "inwoners_cbs": [2000.0, 1000.0],
            "draaglast": [0.0, 1.2],
            "draagkracht": [0.0, -1.1],
            "balans": [0.0, -2.3],
            "balans_klasse": ["in evenwicht", "sterk onder druk"],
            "overlay_toelichting": ["", "draaglast vooral door onveiligheid"],
            "wmo_beschermd_wonen_per_1000": [2.0, 3.0],
            "pct_ov_en_supermarkt_800m_senior": [60.0, 20.0],
        },
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
        crs=RD, index=pd.Index(["WK999901", "WK999902"], name="code"),
    )
    return buurten, wijken


@pytest.fixture(scope="module")
def world() -> SimpleNamespace:
    """An Analysis-like object with the attributes run_toets uses."""
    lines = _lines()
    net = build_network(lines, settings=S.netwerk)
    graphs = {name: profile_graph(net, S.profile(name)) for name in ("standaard", "senior")}
    buurten, wijken = _areas()
    gemeente = gpd.GeoDataFrame({"naam": ["Testgem"]}, geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000)], crs=RD,
                                index=pd.Index(["GM9999"], name="code"))
    osm = OSMData(lines=lines, pois=gpd.GeoDataFrame(columns=["class", "subclass", "name", "geometry"],
                                                     geometry="geometry", crs=RD),
                  addresses=_addresses(), source="synthetisch")
    inputs = SimpleNamespace(
        gemeente=gemeente, buurten=buurten, wijken=wijken, osm=osm, voorzieningen=_voorzieningen(),
        kerncijfers=pd.DataFrame({"AantalInwoners_5": [3000.0]}, index=pd.Index(["GM9999"], name="code")),
        paths={},
    )
    return SimpleNamespace(settings=S, inputs=inputs, graphs=graphs, buurten=buurten, wijken=wijken)


def _register(tmp_path: Path, rows: list[tuple[str, str, str, str]], name: str = "register.csv") -> Path:
    path = tmp_path / name
    lines = ["naam;adres;postcode;type"] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FAR = ("Verre Zorg", "Noordstraat 118", "", "beschermd_wonen")  # Roodbuurt, 1.6 km from site A
NEAR_1 = ("Dichtbij Zorg", "Zuidstraat 7", "", "Beschermd wonen")  # 200 m from site A, label as type
NEAR_2 = ("Tweede Zorg", "Zuidstraat 3", "", "beschermd_wonen")  # 200 m from site A


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
    assert "Woonzorgvisie Assen" in s.bereikbaarheid.norm_bron and s.bereikbaarheid.norm_m == 800.0
    assert {k.deel for k in s.kwaliteit} >= {4} and len([k for k in s.kwaliteit if k.deel == 4]) >= 4


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


def test_threshold_verdicts_at_the_boundaries():
    up = Drempel(naam="x", oranje=1.0, rood=2.0, bron="b")
    assert [up.oordeel(v) for v in (0.0, 0.99, 1.0, 1.99, 2.0, 7.0)] == \
        ["groen", "groen", "oranje", "oranje", "rood", "rood"]
    assert up.oordeel(None) == "onbekend" and up.oordeel(float("nan")) == "onbekend"
    down = Drempel(naam="y", oranje=-0.5, rood=-1.0, richting="lager_slechter", bron="b")
    assert [down.oordeel(v) for v in (0.0, -0.5, -0.9, -1.0)] == ["groen", "oranje", "oranje", "rood"]
    never_red = Drempel(naam="z", oranje=0.0, richting="lager_slechter", bron="b")
    assert never_red.oordeel(0.0) == "oranje" and never_red.oordeel(-5.0) == "oranje"
    assert "nooit rood" in never_red.tekst()
    assert worst(["groen", "onbekend"]) == "onbekend"
    assert worst(["groen", "onbekend", "oranje"]) == "oranje"
    assert worst(["rood", "oranje"]) == "rood" and worst(["groen"]) == "groen" and worst([]) == "onbekend"


def test_split_adres():
    assert split_adres("Stationsstraat 44, Assen") == ("Stationsstraat 44", None, "Assen")
    assert split_adres("Stationsstraat 44, 9401 KX Assen") == ("Stationsstraat 44", "9401 KX", "Assen")
    assert split_adres("Brink 1") == ("Brink 1", None, None)


# ------------------------------------------------------------------------------------------
# What-if arithmetic
# ------------------------------------------------------------------------------------------


def test_what_if_helpers_known_answers():
    assert per_1000(3, 2000) == pytest.approx(1.5)
    assert math.isnan(per_1000(3, None)) and math.isnan(per_1000(3, 0))
    assert per_1000_na(0, 1000, 10) == pytest.approx(1000 / 1010)
    assert per_1000_na(2, 990, 10) == pytest.approx(3.0)
    # 50% of 100 residents, +100 residents who all meet the norm -> 75%
    assert aandeel_na(50.0, 100, 100, True) == pytest.approx(75.0)
    assert aandeel_na(50.0, 100, 100, False) == pytest.approx(25.0)
    assert math.isnan(aandeel_na(50.0, 100, 10, None))
    # 2 per 1,000 of 1,000 = 2 clients; +12 -> 14 / 1,012
    assert wmo_per_1000_na(2.0, 1000, 12) == pytest.approx(14 / 1012 * 1000)


def test_what_if_rows_of_a_run(world, tmp_path):
    res = run_toets(world, adres="Zuidstraat 5, Testgem", type="beschermd_wonen", omvang=10,
                    register=_register(tmp_path, [FAR]))
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
    res2 = run_toets(world, adres="Zuidstraat 5", type="ouderenzorg", omvang=10)
    assert not any("Wmo" in w["indicator"] for w in res2.wat_als)


# ------------------------------------------------------------------------------------------
# Verdict paths
# ------------------------------------------------------------------------------------------


def test_green_site(world, tmp_path):
    res = run_toets(world, adres="Zuidstraat 5, Testgem", type="beschermd_wonen", omvang=10,
                    register=_register(tmp_path, [FAR]))
    assert [d.oordeel for d in res.delen] == ["groen", "groen", "groen", "onbekend"]
    assert res.oordeel == "groen"
    assert res.locatie["buurtcode"] == "BU99990101" and res.locatie["geocode_precisie"] == "adres"
    assert _crit(res, "omvang_aandeel_buurt").waarde == pytest.approx(1.0)  # 10 of ~1,000
    assert _crit(res, "per_1000_buurt").waarde == 0.0
    # accessibility at the site, by hand: snap 10 + 70 along the street + 20 snap = 100 m
    acc = {a["categorie"]: a for a in res.bereikbaarheid}
    assert acc["supermarkt"]["afstand_m"] == pytest.approx(100.0, abs=0.5)
    assert acc["supermarkt"]["minuten"] == pytest.approx(100 / 0.76 / 60, abs=0.05)
    assert acc["supermarkt"]["dichtstbij"] == "Testsuper"
    assert acc["ov"]["dichtstbij"] == "Halte Zuid" and acc["ov"]["oordeel"] == "groen"
    assert acc["ontmoetingsplek"]["afstand_m"] == pytest.approx(10 + 50 + 200, abs=0.5)
    assert _crit(res, "ontmoetingsplekken_800m").waarde == 1.0
    assert "Buurthuis Zuid" in _crit(res, "ontmoetingsplekken_800m").waarde_tekst


def test_orange_one_same_type_nearby(world, tmp_path):
    res = run_toets(world, adres="Zuidstraat 5", type="beschermd_wonen", omvang=10,
                    register=_register(tmp_path, [FAR, NEAR_1]))
    c = _crit(res, "zelfde_type_500m")
    assert c.waarde == 1.0 and c.oordeel == "oranje" and "Dichtbij Zorg" in c.waarde_tekst
    assert _crit(res, "elk_type_500m").oordeel == "groen"
    assert res.deel(1).oordeel == "oranje" and res.oordeel == "oranje"
    assert [i["naam"] for i in res.initiatieven] == ["Dichtbij Zorg"]  # within 1,000 m


def test_red_two_same_type_nearby_and_red_buurt(world, tmp_path):
    res = run_toets(world, adres="Zuidstraat 5", type="beschermd_wonen", omvang=10,
                    register=_register(tmp_path, [FAR, NEAR_1, NEAR_2]))
    assert _crit(res, "zelfde_type_500m").oordeel == "rood"
    assert res.deel("regio").oordeel == "rood" and res.oordeel == "rood"
    # site B lies in Roodbuurt/Roodwijk: focus hoog, veerkracht laag, sterk onder druk
    res_b = run_toets(world, adres="Noordstraat 115", type="ouderenzorg", omvang=60)
    assert res_b.locatie["buurtcode"] == "BU99990201"
    p2 = {c.code: c.oordeel for c in res_b.deel(2).criteria}
    assert p2["balans_wijk"] == "rood" and p2["focus_buurt"] == "rood" and p2["veerkracht_buurt"] == "rood"
    assert p2["draaglast_wijk"] == "rood" and p2["draagkracht_wijk"] == "rood"
    # 60 of 1,000 x 400/400 = 1,000 inhabitants: 6% -> rood
    assert _crit(res_b, "omvang_aandeel_buurt").oordeel == "rood"
    # supermarket and OV are far from site B: the report's norm is not met -> oranje
    assert p2["ov_en_supermarkt_norm"] == "oranje"
    assert res_b.deel(3).oordeel == "rood"  # two signals
    assert _crit(res_b, "ontmoetingsplekken_800m").oordeel == "oranje"
    assert res_b.oordeel == "rood"


def test_no_register_is_unknown_and_asks_for_one(world):
    res = run_toets(world, adres="Noordstraat 115", type="ouderenzorg", omvang=20)
    p1 = res.deel(1)
    assert p1.oordeel == "onbekend"
    assert all(c.oordeel == "onbekend" for c in p1.criteria)
    assert "register" in p1.toelichting.lower() and "--register" in p1.toelichting
    # still reports what OSM holds: the nursing home 82 m away, counted as ouderenzorg
    assert _crit(res, "zelfde_type_500m").waarde == 1.0
    assert res.initiatieven[0]["naam"] == "Verpleeghuis Noord" and res.initiatieven[0]["bron"] == "osm"
    # part 4 is always 'aan te leveren'
    assert res.deel(4).oordeel == "onbekend" and all(c.waarde_tekst == "aan te leveren" for c in res.deel(4).criteria)
    # green elsewhere but part 1 unknown -> overall unknown
    res_a = run_toets(world, adres="Zuidstraat 5", type="beschermd_wonen", omvang=10)
    assert res_a.deel(2).oordeel == "groen" and res_a.deel(3).oordeel == "groen"
    assert res_a.oordeel == "onbekend"


def test_register_geocoding_lists_unplaceable_rows_and_merges_osm(world, tmp_path):
    path = _register(tmp_path, [
        FAR,
        ("Spookhuis", "Nergensweg 1", "", "ggz"),
        ("Zonder adres", "", "", "vg"),
        ("Noordhuis", "Noordstraat 116", "", "ouderenzorg"),  # 28 m from the OSM nursing home
        ("Raar", "Zuidstraat 9", "", "kinderboerderij"),
    ])
    from woonzorg_geo.toets.locate import offline_geocoder

    placed, missing, messages = read_register(path, settings=load_toets_settings(),
                                              geocode=offline_geocoder(world))
    assert sorted(placed["naam"]) == ["Noordhuis", "Raar", "Verre Zorg"]
    assert {m["naam"]: m["reden"] for m in missing} == {"Spookhuis": "adres niet gevonden",
                                                         "Zonder adres": "geen adres ingevuld"}
    assert [m["regel"] for m in missing] == [3, 4]  # line numbers in the file (header = 1)
    assert any("kinderboerderij" in m for m in messages)
    assert placed.loc[placed["naam"] == "Raar", "type"].iloc[0] == ""
    res = run_toets(world, adres="Noordstraat 115", type="ouderenzorg", omvang=20, register=path)
    assert [m["naam"] for m in res.niet_geplaatst] == ["Spookhuis", "Zonder adres"]
    near = {i["naam"]: i for i in res.initiatieven}
    assert near["Noordhuis"]["bron"] == "register;osm" and "Verpleeghuis Noord" not in near
    assert _crit(res, "zelfde_type_500m").waarde == 1.0  # merged, not counted twice
    assert any("niet worden geplaatst" in m for m in res.meldingen)


def test_point_input_and_street_precision(world):
    to_ll = Transformer.from_crs(RD, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(*SITE_A)
    res = run_toets(world, punt=(lon, lat), type="geclusterd_wonen", omvang=12)
    assert res.locatie["geocode_precisie"] == "punt" and res.locatie["buurtcode"] == "BU99990101"
    assert res.locatie["x_rd"] == pytest.approx(SITE_A[0], abs=0.01)
    assert res.slug.startswith("punt-")
    st = run_toets(world, adres="Zuidstraat 999", type="geclusterd_wonen", omvang=12)
    assert st.locatie["geocode_precisie"] == "straat"
    assert any("Huisnummer niet gevonden" in m for m in st.meldingen)


# ------------------------------------------------------------------------------------------
# Bad inputs
# ------------------------------------------------------------------------------------------


def test_bad_inputs_raise_clear_errors(world):
    to_ll = Transformer.from_crs(RD, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(X0 + 5000, Y0 + 5000)
    with pytest.raises(ToetsError, match="buiten de gemeente Testgem"):
        run_toets(world, punt=(lon, lat), type="ggz", omvang=5)
    with pytest.raises(ToetsError, match="buiten de gemeente"):
        run_toets(world, adres="Buitenweg 500", type="ggz", omvang=5)
    lon_a, lat_a = to_ll.transform(*SITE_A)
    with pytest.raises(ToetsError, match="verwisseld"):
        run_toets(world, punt=(lat_a, lon_a), type="ggz", omvang=5)
    with pytest.raises(GeocodeError, match="niet gevonden") as exc:
        run_toets(world, adres="Onbekendelaan 3, Testgem", type="ggz", omvang=5)
    assert isinstance(exc.value, LookupError) and isinstance(exc.value, WoonzorgError)
    with pytest.raises(ToetsError, match="onbekend type") as exc2:
        run_toets(world, adres="Zuidstraat 5", type="hotel", omvang=5)
    assert "beschermd_wonen" in str(exc2.value) and isinstance(exc2.value, ValueError)
    for bad in (0, -3, 2.5, True):
        with pytest.raises(ToetsError, match="omvang"):
            run_toets(world, adres="Zuidstraat 5", type="ggz", omvang=bad)
    with pytest.raises(ToetsError, match="óf een adres"):
        run_toets(world, adres="Zuidstraat 5", punt=(lon_a, lat_a), type="ggz", omvang=5)
    with pytest.raises(ToetsError, match="óf een adres"):
        run_toets(world, type="ggz", omvang=5)


# ------------------------------------------------------------------------------------------
# Output
# ------------------------------------------------------------------------------------------


def test_write_toets_html_and_json(world, tmp_path):
    res = run_toets(world, adres="Zuidstraat 5, Testgem", type="beschermd_wonen", omvang=10,
                    register=_register(tmp_path, [FAR, NEAR_1, ("Spookhuis", "Nergensweg 1", "", "ggz")]))
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


@pytest.mark.realdata
def test_stationsstraat_44_assen(assen_analysis, tmp_path):
    res = run_toets(assen_analysis, adres="Stationsstraat 44, Assen", type="beschermd_wonen", omvang=12)
    assert res.locatie["geocode_precisie"] in ("adres", "straat")
    assert res.locatie["wijkcode"] == "WK010600"  # Centrum
    assert [d.nummer for d in res.delen] == [1, 2, 3, 4]
    assert res.deel(1).oordeel == "onbekend"  # no register given
    assert res.oordeel in VERDICTS
    acc = {a["categorie"]: a for a in res.bereikbaarheid}
    assert set(acc) == {"ov", "supermarkt", "huisarts", "apotheek", "ontmoetingsplek"}
    for cat in ("ov", "supermarkt", "huisarts", "apotheek"):
        assert 0 < acc[cat]["afstand_m"] < 2000 and acc[cat]["minuten"] > 0 and acc[cat]["dichtstbij"]
    wmo = next(w for w in res.wat_als if w["indicator"].startswith("Wmo"))
    assert wmo["na"] > wmo["nu"]
    page, data = write_toets(res, tmp_path)
    assert page.exists() and data.exists()
    doc = json.loads(data.read_text(encoding="utf-8"))
    assert len(doc["delen"]) == 4 and doc["bereikbaarheid"][0]["afstand_m"] is not None
    text = page.read_text(encoding="utf-8")
    assert "Overcingel" in text or res.locatie["buurtnaam"] in text
    assert "http" not in text and "<script" not in text


# ----------------------------------------------------------------------------- command line


def test_cli_rejects_bad_input_before_any_work(capsys, tmp_path):
    from woonzorg_geo.cli import main

    out = tmp_path / "uit"
    assert main(["toets", "--adres", "Stationsstraat 44, Assen", "--type", "bejaardenhuis", "--omvang", "3",
                 "--out", str(out)]) == 2
    assert "onbekend type zorginitiatief 'bejaardenhuis'" in capsys.readouterr().err
    assert main(["toets", "--punt", "6,5;53", "--type", "ggz", "--omvang", "3", "--out", str(out)]) == 2
    assert "LON,LAT" in capsys.readouterr().err
    assert main(["toets", "--type", "ggz", "--omvang", "3", "--out", str(out)]) == 2
    assert "precies één locatie" in capsys.readouterr().err
    assert main(["toets", "--punt", "6.56,52.99", "--type", "ggz", "--omvang", "0", "--out", str(out)]) == 2
    assert "--omvang" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.realdata
def test_cli_stationsstraat(raw_dir, tmp_path, capsys):
    from woonzorg_geo.cli import main

    out = tmp_path / "output"
    assert main(["--stil", "--data", str(raw_dir), "toets", "--adres", "Stationsstraat 44, Assen",
                 "--type", "beschermd_wonen", "--omvang", "12", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    for n in (1, 2, 3, 4):
        assert f"deel {n} " in text
    assert (out / "toets_stationsstraat-44-assen.html").exists()
    assert (out / "toets_stationsstraat-44-assen.json").exists()
    assert main(["--stil", "--data", str(raw_dir), "toets", "--adres", "Nergensstraat 3, Assen",
                 "--type", "ggz", "--omvang", "3", "--out", str(out)]) == 2
    assert "niet gevonden" in capsys.readouterr().err
