"""End to end: ``<script>`` and ``<img onerror>`` in every user-supplied text reach the HTML outputs escaped.

The user-supplied texts are the names in an own voorzieningen file (``--voorzieningen``), the names in a
toets list (``toets --lijst``), the names in a register (``--register``) and the name of a scenario
(``watals --scenario``) with the names of its changes. Each carries a tag of its own (``xss-…``), so a
test can tell that the name reached an output (escaped) rather than that it was dropped.

Every HTML, JavaScript and SVG file the commands write is read as text: none holds the raw markup
(``<script>alert`` / ``<img src=x onerror``), only escaped forms. That a browser shows the escaped
text as typed and runs none of it is tested in tests/test_bad_input_hostile.py.

The list, its reports, the register and the scenario run on the small synthetic gemeente
(tests/toets_world.py) through the same functions the commands call; the own voorzieningen file goes
once through ``woonzorg-geo analyse --voorzieningen`` on the real data (maps and wijkprofielen).
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
from pathlib import Path

import geopandas as gpd
import pytest
from pyproj import Transformer
from toets_world import RD, X0, Y0, ToetsWorld, make_world, register_csv

from woonzorg_geo import WGS84

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
#: What must never stand in an HTML/JS output: the markup as typed, also where only a JavaScript or JSON
#: string escape (``\u003c``, ``\x3c``) hides its ``<``: a script decodes that back to markup.
LT = r"(?:<|\\u003c|\\x3c)"
RAW = re.compile(rf"{LT}\s*script(?:>|\\u003e|\\x3e)\s*alert|{LT}\s*img\s+src=x\s+onerror", re.IGNORECASE)
#: The files a browser reads.
PAGES = ("*.html", "*.htm", "*.js", "*.svg")

#: Hostile names, by the field they stand in (the tag after the markup tells the field).
NAMES = {
    "eigen_script": f"{SCRIPT} xss-eigen-s",
    "eigen_img": f"{IMG} xss-eigen-i",
    "lijst_script": f"{SCRIPT} xss-lijst-s",
    "lijst_img": f"{IMG} xss-lijst-i",
    "register_script": f"{SCRIPT} xss-register-s",
    "register_img": f"{IMG} xss-register-i",
    "scenario": f"{SCRIPT} xss-scenario {IMG}",
    "nieuw": f"{IMG} xss-nieuw",
}

_TO_WGS = Transformer.from_crs(RD, WGS84, always_xy=True)


def pages(*folders: Path) -> dict[str, str]:
    """Every HTML/JS/SVG file below ``folders``: its text by path."""
    return {str(p): p.read_text(encoding="utf-8") for f in folders for g in PAGES for p in sorted(f.rglob(g))}


def assert_no_raw_markup(texts: dict[str, str]) -> None:
    """No page holds the hostile markup as typed."""
    assert texts, "no HTML/JS output found"
    raw = {path: sorted({t.group(0) for t in RAW.finditer(text)}) for path, text in texts.items() if RAW.search(text)}
    assert not raw, f"raw markup in {raw}"


def escaped_forms(name: str) -> tuple[str, ...]:
    """How ``name`` may stand in a page: HTML-escaped, also inside a JavaScript/JSON string (``&`` as
    ``\\u0026``). The name JSON-escaped alone is not escaped: a script reads it back as markup."""
    once = html.escape(name, quote=False)
    return once, html.escape(name), once.replace("&", "\\u0026"), html.escape(name).replace("&", "\\u0026")


def assert_shown_escaped(key: str, texts: dict[str, str]) -> None:
    """The name of ``key`` is in at least one of ``texts``, escaped (the tag proves it got there)."""
    name = NAMES[key]
    tag = re.findall(r"xss-\S+", name)[0]
    holding = {p: t for p, t in texts.items() if tag in t}
    assert holding, f"{key}: {tag} in none of {sorted(texts)}"
    for path, text in holding.items():
        assert any(form in text for form in escaped_forms(name)), f"{key}: {path} holds {tag} but not escaped"


# ------------------------------------------------------------------------------------------------
# The synthetic gemeente: toets --lijst with --register and reports, watals --scenario
# ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class World(ToetsWorld):
    """The toets world with the address table what-if needs (buurt, wijk and home per address)."""

    adressen: gpd.GeoDataFrame | None = None


def _world() -> World:
    """The synthetic gemeente whose supermarket and GP carry the own file's hostile names."""
    base = make_world()
    vz = base.inputs.voorzieningen
    vz.loc["vz1", "naam"] = NAMES["eigen_script"]  # supermarkt
    vz.loc["vz3", "naam"] = NAMES["eigen_img"]  # huisarts
    addr = base.inputs.osm.addresses
    joined = gpd.sjoin(addr[["geometry"]], base.buurten[["wijkcode", "geometry"]], how="left", predicate="within")
    joined = joined[~joined.index.duplicated()]
    adressen = addr.assign(buurtcode=joined["code"], wijkcode=joined["wijkcode"], woning=True)
    fields = {f.name: getattr(base, f.name) for f in dataclasses.fields(ToetsWorld)}
    return World(**fields, adressen=adressen)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = _TO_WGS.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


@pytest.fixture(scope="module")
def world() -> World:
    return _world()


@pytest.fixture(scope="module")
def lijst_dir(world, module_tmp) -> Path:
    """``toets --lijst … --register … --rapporten`` on the synthetic gemeente: its output folder."""
    from woonzorg_geo.outputs.toets_lijst import write_toets_list
    from woonzorg_geo.toets import load_toets_settings
    from woonzorg_geo.toets.list_file import read_initiatives

    root = module_tmp("xss_lijst")
    a, b = _lonlat(450, 510), _lonlat(1450, 1510)  # Zuidstraat 5 and Noordstraat 115
    lijst = root / "initiatieven.csv"
    lijst.write_text(
        "naam;adres;lon;lat;type;omvang\n"
        f"{NAMES['lijst_script']};;{a[0]:.6f};{a[1]:.6f};beschermd_wonen;8\n"
        f"{NAMES['lijst_img']};;{b[0]:.6f};{b[1]:.6f};beschermd_wonen;8\n",
        encoding="utf-8",
    )
    register = register_csv(
        root,
        [
            (NAMES["register_script"], "Zuidstraat 7", "", "beschermd_wonen"),  # 200 m from the first
            (NAMES["register_img"], "Zuidstraat 3", "", "beschermd_wonen"),
        ],
    )
    settings = load_toets_settings()
    invoer = read_initiatives(lijst, settings=settings)
    out = root / "toetsen"
    done, _ = write_toets_list(world, invoer, out, register=register, settings=settings, rapporten=True, offline=True)
    assert len(done.getoetst) == 2, done.niet_getoetst
    return out


@pytest.fixture(scope="module")
def watals_dir(world, module_tmp) -> Path:
    """``watals --scenario`` on the synthetic gemeente, as the command runs it: its output folder."""
    from woonzorg_geo.outputs.whatif import write_whatif
    from woonzorg_geo.whatif.engine import what_if
    from woonzorg_geo.whatif.scenario import load_scenario, scenario_changes

    root = module_tmp("xss_watals")
    lon, lat = _lonlat(1450, 1510)
    path = root / "scenario.json"
    doc = {
        "naam": NAMES["scenario"],
        "versie": 1,
        "wijzigingen": [
            {"soort": "weg", "id": "vz1", "naam": NAMES["eigen_script"]},
            {"soort": "nieuw", "categorie": "huisarts", "lon": lon, "lat": lat, "naam": NAMES["nieuw"]},
        ],
    }
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    scenario = load_scenario(path)
    w = what_if(world, scenario_changes(scenario, world))
    w.samenvatting["scenario"] = scenario.to_dict()
    out = root / "watals"
    write_whatif(w, world, out, offline=True)
    return out


def test_lijst_pages_hold_no_raw_markup(lijst_dir):
    texts = pages(lijst_dir)
    assert {"toetsen.html", "toetsen_kaart.html"} <= {Path(p).name for p in texts}
    assert len([p for p in texts if Path(p).name.startswith("toets_regel")]) == 2  # a report per row
    assert_no_raw_markup(texts)


@pytest.mark.parametrize("key", ["lijst_script", "lijst_img"])
@pytest.mark.parametrize("page", ["toetsen.html", "toetsen_kaart.html"])
def test_list_names_shown_escaped_in_overview_and_map(lijst_dir, key, page):
    assert_shown_escaped(key, {page: (lijst_dir / page).read_text(encoding="utf-8")})


@pytest.mark.parametrize("key", ["register_script", "register_img", "eigen_script", "eigen_img"])
def test_reports_show_names_escaped(lijst_dir, key):
    """The reports (with their SVG map) name the register's initiatives nearby and the
    nearest voorzieningen: all escaped."""
    reports = {p: t for p, t in pages(lijst_dir).items() if Path(p).name.startswith("toets_regel")}
    assert_shown_escaped(key, reports)


def test_watals_map_holds_no_raw_markup(watals_dir):
    texts = pages(watals_dir)
    assert [Path(p).name for p in texts] == ["watals_kaart.html"]
    assert_no_raw_markup(texts)


@pytest.mark.parametrize("key", ["eigen_script", "nieuw"])
def test_watals_map_names_the_changes_escaped(watals_dir, key):
    assert_shown_escaped(key, pages(watals_dir))


def test_scenario_name_kept_as_given_in_the_scenario_file(watals_dir):
    """Data files keep the name as typed (JSON is no page); the page never shows it raw (above)."""
    doc = json.loads((watals_dir / "watals_scenario.json").read_text(encoding="utf-8"))
    assert doc["naam"] == NAMES["scenario"]


def test_wijkprofielen_show_voorziening_names_escaped(world, tmp_path):
    """The wijkprofiel lists the voorzieningen in the wijk by name (and titles their symbols)."""
    from woonzorg_geo.outputs.report import write_wijkprofielen

    paths = write_wijkprofielen(tmp_path, world.wijken, world.buurten, world.inputs.voorzieningen, world.settings)
    assert len(paths) == len(world.wijken)
    texts = pages(tmp_path)
    assert_no_raw_markup(texts)
    assert_shown_escaped("eigen_script", texts)
    assert_shown_escaped("eigen_img", texts)


def test_maps_show_own_voorziening_names_escaped(tmp_path):
    """``kaarten`` on a small output folder whose voorzieningen carry the names of an own file, read as
    ``--voorzieningen`` reads it."""
    from test_maps import make_output

    from woonzorg_geo.outputs import maps
    from woonzorg_geo.sources.own_lists import read_own_list

    eigen = tmp_path / "eigen.csv"
    eigen.write_text(
        f"naam;categorie;adres;lon;lat\n{NAMES['eigen_script']};huisarts;;6,55;52,99\n"
        f"{NAMES['eigen_img']};supermarkt;;6,55;52,99\n",
        encoding="utf-8",
    )
    names = list(read_own_list(eigen, mode="toevoegen").rows["naam"])
    assert names == [NAMES["eigen_script"], NAMES["eigen_img"]]  # read as typed
    uit = make_output(tmp_path / "uit")
    gpkg = uit / "woonzorg.gpkg"
    layers = {name: gpd.read_file(gpkg, layer=name) for name in gpd.list_layers(gpkg)["name"]}
    vz = layers["voorzieningen"]
    for name, cat in zip(names, ["huisarts", "supermarkt"], strict=True):
        vz.loc[vz.index[vz["categorie"] == cat][0], "naam"] = name
    gpkg.unlink()
    for name, frame in layers.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
    maps.write_maps(uit, tmp_path / "maps", gemeente="Proefdorp", offline=True)
    texts = pages(tmp_path / "maps")
    assert_no_raw_markup(texts)
    assert_shown_escaped("eigen_script", texts)
    assert_shown_escaped("eigen_img", texts)


def test_the_check_finds_raw_markup(tmp_path):
    """The checks above can fail: raw markup is found, a dropped name is missed, plain text is no escape."""
    (tmp_path / "a.html").write_text(f"<p>{NAMES['lijst_img']}</p>", encoding="utf-8")
    (tmp_path / "b.js").write_text(f'var n = "{NAMES["lijst_script"].upper()}";', encoding="utf-8")
    with pytest.raises(AssertionError, match=r"a\.html.*b\.js"):
        assert_no_raw_markup(pages(tmp_path))
    # JSON in a script (folium's tojson) that escapes only for the script: a tooltip turns it into markup
    hidden = json.dumps(NAMES["lijst_script"]).replace("<", "\\u003c").replace(">", "\\u003e")
    with pytest.raises(AssertionError, match=r"c\.js"):
        assert_no_raw_markup({"c.js": f"var props = {{'n': {hidden}}};"})
    (tmp_path / "a.html").write_text("<p>weg</p>", encoding="utf-8")
    with pytest.raises(AssertionError, match="in none of"):
        assert_shown_escaped("lijst_img", {"a.html": "<p>weg</p>"})
    with pytest.raises(AssertionError, match="not escaped"):
        assert_shown_escaped("lijst_img", {"a.html": "<p>img src=x xss-lijst-i</p>"})


# ------------------------------------------------------------------------------------------------
# The own voorzieningen file through analyse on the real data (maps and wijkprofielen)
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eigen_run(raw_dir, module_tmp) -> Path:
    """``woonzorg-geo analyse --voorzieningen <hostile file> --kaarten`` on Assen: the run's folder."""
    from woonzorg_geo.cli.main import main

    root = module_tmp("xss_eigen")
    eigen = root / "eigen.csv"
    eigen.write_text(
        "naam;categorie;adres;lon;lat;label;datum\n"
        f"{NAMES['eigen_script']};ontmoetingsplek;;6,5580;52,9950;;2026-03-01\n"  # the centre of Assen
        f"{NAMES['eigen_img']};huisarts;;6,5530;53,0060;;\n",
        encoding="utf-8",
    )
    args = ["--stil", "--data", str(raw_dir), "analyse", "--out", str(root / "output"), "--kaarten", str(root / "maps")]
    # --geen-rasters: the test reads the pages only (the maps keep their service areas without GeoTIFFs)
    assert main([*args, "--voorzieningen", str(eigen), "--offline", "--geen-rasters"]) == 0
    return root


@pytest.mark.realdata
@pytest.mark.xdist_group("xss_assen")
def test_analyse_with_own_voorzieningen_writes_no_raw_markup(eigen_run):
    texts = pages(eigen_run / "output", eigen_run / "maps")
    assert any("wijkprofiel_" in p for p in texts) and any(p.endswith("_bereikbaarheid.html") for p in texts)
    assert_no_raw_markup(texts)
    assert_shown_escaped("eigen_script", {p: t for p, t in texts.items() if p.endswith("_bereikbaarheid.html")})
    assert_shown_escaped("eigen_img", {p: t for p, t in texts.items() if "wijkprofiel_" in p})
