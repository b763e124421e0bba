from __future__ import annotations

import dataclasses

import pytest

from woonzorg_geo.core.errors import MissingDataError, SettingsError
from woonzorg_geo.core.raw_data import find_raw_dir
from woonzorg_geo.core.settings_loader import load_category_rules, load_settings
from woonzorg_geo.sources.voorzieningen import parse_rules


def test_defaults_have_profiles_and_norm():
    s = load_settings()
    assert s.profile("standaard").speed_m_s == pytest.approx(4.8 / 3.6, rel=1e-3)
    assert s.profile("senior").speed_m_s == 0.76
    assert s.profile("senior").avoid_steps is True
    assert s.bereikbaarheid.norm_m == 800.0
    assert "supermarkt" in s.bereikbaarheid.categories


def test_settings_are_frozen():
    s = load_settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.bereikbaarheid.norm_m = 5.0  # type: ignore[misc]


def test_user_file_overrides_and_keeps_other_defaults(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[bereikbaarheid]\nnorm_m = 600\n[profielen.senior]\nspeed_m_s = 0.64\n", encoding="utf-8")
    s = load_settings(f)
    assert s.bereikbaarheid.norm_m == 600.0
    assert s.profile("senior").speed_m_s == 0.64
    assert s.profile("senior").avoid_steps is True  # default kept
    assert s.gemeente.code == "GM0106"


@pytest.mark.parametrize(
    "text, match",
    [
        ("[bereikbaarheid]\nnorm_meter = 600\n", "onbekende sleutel"),
        ("[onzin]\na = 1\n", "onbekende tabel"),
        ("[bereikbaarheid]\nnorm_m = 'ver'\n", r"norm_m: verwacht getal, kreeg 'ver'"),
        ("[profielen.senior]\nspeed_m_s = 0\n", r"speed_m_s.*geen looptempo"),
        ("[profielen.senior]\nspeed_m_s = 'snel'\n", r"speed_m_s: verwacht getal, kreeg 'snel'"),
        ("[bereikbaarheid\n", "geen geldige TOML"),
        # issue 11: settings that make no sense
        ("[bereikbaarheid]\nnorm_m = -800\n", r"norm_m moet groter dan 0 zijn, kreeg -800"),
        ("[bereikbaarheid]\nmax_snap_m = -5\n", r"max_snap_m: -5.0 ligt niet"),
        ("[bereikbaarheid]\ncount_radii_m = [0, 800]\n", r"count_radii_m.*tussen 0 en 5000"),
        ("[bereikbaarheid]\ncount_radii_m = 800\n", r"count_radii_m: verwacht een lijst"),
        ("[bereikbaarheid]\ncategories = ['supermarkt', 3]\n", r"categories\[1\]: verwacht tekst, kreeg 3"),
        ("[bereikbaarheid]\ncategories = []\n", r"bereikbaarheid.categories"),
        ("[netwerk]\nwalk_classes = 'path'\n", r"walk_classes: verwacht een lijst"),
        ("[raster]\ncell_m = 0\n", r"cell_m: 0.0 ligt niet"),
        ("[profielen]\nsenior = 3\n", r"profielen.senior: verwacht een tabel"),
        ("[plausibiliteit]\nmax_aandeel_ver = 2\n", r"max_aandeel_ver: 2.0 ligt niet tussen 0 en 1"),
        ("[bereikbaarheid]\nnorm_m = true\n", r"norm_m: verwacht getal, kreeg True"),
    ],
)
def test_bad_settings_name_the_problem(tmp_path, text, match):
    f = tmp_path / "s.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=match):
        load_settings(f)


def test_unknown_profile():
    with pytest.raises(SettingsError, match="onbekend profiel 'rollator'"):
        load_settings().profile("rollator")


def test_missing_settings_file(tmp_path):
    with pytest.raises(MissingDataError):
        load_settings(tmp_path / "nee.toml")


def test_raw_dir_from_env(tmp_path, monkeypatch):
    monkeypatch.setenv("WOONZORG_DATA", str(tmp_path))
    assert find_raw_dir() == tmp_path.resolve()
    monkeypatch.setenv("WOONZORG_DATA", str(tmp_path / "weg"))
    with pytest.raises(MissingDataError, match="WOONZORG_DATA"):
        find_raw_dir()


def test_category_rules_parse_and_reject_bad_tags():
    rules = parse_rules(load_category_rules())
    assert rules["supermarkt"].omt_subclass == ("supermarket",)
    assert rules["ov_halte"].gtfs and rules["huisarts"].huisartsenlijst
    with pytest.raises(SettingsError, match="sleutel=waarde"):
        parse_rules({"categorie": {"x": {"osm_tags": ["shop"]}}})
    with pytest.raises(SettingsError, match="onbekende sleutel"):
        parse_rules({"categorie": {"x": {"kleur": "rood"}}})


def test_unknown_category_is_refused_against_the_rules():
    from woonzorg_geo.core.settings_checks import validate_settings

    s = load_settings()
    rules = parse_rules(load_category_rules())
    validate_settings(s, known_categories=rules)  # the defaults are consistent
    bad = dataclasses.replace(
        s, bereikbaarheid=dataclasses.replace(s.bereikbaarheid, categories=("supermarkt", "bakker"))
    )
    with pytest.raises(SettingsError, match=r"onbekende categorie\(ën\) \['bakker'\]"):
        validate_settings(bad, known_categories=rules)


def test_category_rules_with_a_string_where_a_list_belongs():
    with pytest.raises(SettingsError, match=r"categorie.x.omt_subclass: verwacht een lijst"):
        parse_rules({"categorie": {"x": {"omt_subclass": "supermarket"}}})
    with pytest.raises(SettingsError, match=r"categorie.x.merge_m: verwacht getal"):
        parse_rules({"categorie": {"x": {"merge_m": "ver"}}})
