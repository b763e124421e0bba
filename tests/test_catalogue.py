"""The offline gemeente catalogue: finding a gemeente by name or code, and its settings."""

from __future__ import annotations

import pytest

from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.sources.catalogue import code_of, load_catalogue, normalise_name, resolve_gemeente, settings_for

DRENTHE = {
    "GM0106": "Assen",
    "GM0109": "Coevorden",
    "GM0114": "Emmen",
    "GM0118": "Hoogeveen",
    "GM0119": "Meppel",
    "GM1680": "Aa en Hunze",
    "GM1681": "Borger-Odoorn",
    "GM1690": "De Wolden",
    "GM1699": "Noordenveld",
    "GM1701": "Westerveld",
    "GM1730": "Tynaarlo",
    "GM1731": "Midden-Drenthe",
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_the_twelve_gemeenten_of_drenthe(catalogue):
    assert {c: e.naam for c, e in catalogue.entries.items()} == DRENTHE
    assert [e.code for e in catalogue.province("drenthe")] == list(DRENTHE)
    # only Assen has its own report tables and a full-precision boundary
    assert [c for c, e in catalogue.entries.items() if e.overlay_files] == ["GM0106"]
    assert [c for c, e in catalogue.entries.items() if e.gemeente_vorm == "gemeentegrens"] == ["GM0106"]


@pytest.mark.parametrize("text", ["Emmen", "emmen", " EMMEN ", "GM0114", "gm0114", "0114", "114"])
def test_found_by_name_or_code(catalogue, text):
    assert catalogue.find(text).code == "GM0114"


@pytest.mark.parametrize("text", ["Borger-Odoorn", "borger odoorn", "Borger - Odoorn", "BORGER_ODOORN"])
def test_names_with_hyphens_and_spaces(catalogue, text):
    assert catalogue.find(text).naam == "Borger-Odoorn"


def test_unknown_gemeente_lists_the_known_ones(catalogue):
    with pytest.raises(SettingsError, match=r"'Zwolle'.*Emmen \(GM0114\).*--instellingen"):
        catalogue.find("Zwolle")
    with pytest.raises(SettingsError, match="provincie 'Friesland'"):
        catalogue.province("Friesland")
    assert code_of("Emmen") is None and code_of("GM12345") is None
    assert normalise_name("Aa  en-Hunze") == "aa en hunze"


def test_another_gemeente_keeps_every_other_setting_and_drops_assens_report(catalogue):
    base = load_settings()
    s = settings_for(base, catalogue.find("Emmen"))
    assert (s.gemeente.code, s.gemeente.naam) == ("GM0114", "Emmen")
    assert s.data.buurten.endswith("buurten_drenthe_2024_partial.geojson")
    assert s.data.gemeentegrens.endswith("gemeenten_drenthe_2024.geojson")
    assert s.data.gemeente_vorm == "buurten"
    # Assen's report is not read as Emmen's
    assert (s.overlays.wijkcijfers, s.overlays.buurtsignalen, s.overlays.feiten) == ("", "", "")
    # the rest is the user's: network, norms, profiles, the province-wide sources
    assert s.bereikbaarheid == base.bereikbaarheid and s.profielen == base.profielen and s.netwerk == base.netwerk
    assert s.data.osm_tiles == base.data.osm_tiles and s.data.gtfs_stops == base.data.gtfs_stops
    assert "catalogus GM0114" in s.source


def test_assen_from_the_catalogue_is_the_default_run(catalogue):
    """So `analyse --gemeente Assen`, `analyse` and Assen in `regio` all read the same files."""
    base = load_settings()
    s = settings_for(base, catalogue.find("Assen"))
    assert s.data == base.data
    assert s.overlays == base.overlays
    assert resolve_gemeente(base, "Assen") is base and resolve_gemeente(base, "GM0106") is base
    assert resolve_gemeente(base, None) is base


def test_own_settings_file_for_a_gemeente_outside_the_catalogue(tmp_path):
    """A user's settings for Zwolle keep working with --gemeente Zwolle (no catalogue needed)."""
    toml = tmp_path / "zwolle.toml"
    toml.write_text('[gemeente]\ncode = "GM0193"\nnaam = "Zwolle"\n', encoding="utf-8")
    own = load_settings(toml)
    assert resolve_gemeente(own, "zwolle") is own
    other = resolve_gemeente(own, "Emmen")
    assert other.gemeente.code == "GM0114" and other.source.startswith(str(toml))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[gemeenten.GM0001]\nnaam = "X"\ngemeentegrens = "a"\nbuurten = "b"\nwijken = "c"\nkleur = "rood"\n',
            r"onbekende sleutel\(s\) \['kleur'\]",
        ),
        (
            '[gemeenten.GM0001]\nnaam = "X"\ngemeentegrens = "a"\nbuurten = "b"\n',
            r"ontbrekende sleutel\(s\) \['wijken'\]",
        ),
        (
            '[gemeenten.GM0001]\nnaam = "X"\ngemeentegrens = "a"\nbuurten = "b"\nwijken = "c"\ngemeente_vorm = "wijken"\n',
            "gemeente_vorm: 'wijken'",
        ),
        ('[gemeenten.Emmen]\nnaam = "X"\ngemeentegrens = "a"\nbuurten = "b"\nwijken = "c"\n', "geen gemeentecode"),
        (
            (
                '[gemeenten.GM0001]\nnaam = "X"\ngemeentegrens = "a"\nbuurten = "b"\nwijken = "c"\n'
                '[provincies.p]\nnaam = "P"\ngemeenten = ["GM0002"]\n'
            ),
            r"onbekende gemeente\(n\) \['GM0002'\]",
        ),
    ],
)
def test_bad_catalogue_is_refused(tmp_path, text, message):
    path = tmp_path / "cat.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_catalogue(path)


def test_gemeente_vorm_is_a_checked_setting(tmp_path):
    toml = tmp_path / "s.toml"
    toml.write_text('[data]\ngemeente_vorm = "provincie"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="data.gemeente_vorm"):
        load_settings(toml)


def test_slivers_between_buurten_are_filled_enclaves_kept():
    """Borger-Odoorn's 3-decimal buurten leave a 0.75 m² gap: no address may fall out of every gemeente."""
    import shapely

    from woonzorg_geo.sources.datasets import _fill_slivers

    outer = shapely.box(0, 0, 1000, 1000)
    sliver = shapely.box(100, 100, 101, 100.75)  # 0.75 m²
    enclave = shapely.box(500, 500, 600, 600)  # 1 ha
    shape = outer.difference(sliver).difference(enclave)
    filled = _fill_slivers(shape, max_m2=100.0)
    assert len(filled.interiors) == 1
    assert filled.area == pytest.approx(outer.area - enclave.area)
    assert _fill_slivers(outer, max_m2=100.0) is outer
