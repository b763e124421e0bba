"""QGIS styles in woonzorg.gpkg and the project woonzorg.qgz.

Without QGIS: the layer_styles table (one default per layer, QML that parses, the palette's colours,
filters that select exactly the features :meth:`Classes.index` puts in each class, checked by
running them in SQLite on the GeoPackage) and the project file (relative sources, Dutch names,
order). With QGIS (Debian's ``qgis`` and ``python3-qgis``, run with the system Python and
``QT_QPA_PLATFORM=offscreen``): the project of a real ``analyse`` run opens, every layer is valid and
uses its stored style, each table opened on its own gets its default style from the GeoPackage, and
the project renders to a PNG that is not blank.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
from conftest import in_ci
from test_maps import make_output

from woonzorg_geo.core import palette
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.outputs.qgisproject import write_qgis

REPO = Path(__file__).resolve().parents[1]
ARTEFACTS = REPO / "tests" / "artefacts"
SYSTEM_PYTHON = "/usr/bin/python3"


def _styles(gpkg: Path) -> list[dict]:
    with sqlite3.connect(gpkg) as con:
        con.row_factory = sqlite3.Row
        return [dict(r) for r in con.execute("SELECT * FROM layer_styles ORDER BY id")]


def _rules(qml: str) -> list[tuple[str, str, str]]:
    """(label, filter, fill/marker colour) per rule of a QML document."""
    root = ET.fromstring(qml.split("\n", 1)[1])
    symbols = {}
    for sym in root.iter("symbol"):
        props = {p.get("k"): p.get("v") for p in sym.iter("prop")}
        symbols[sym.get("name")] = props.get("color") or props.get("line_color")
    return [
        (r.get("label"), r.get("filter"), symbols[r.get("symbol")])
        for r in root.iter("rule")
        if r.get("symbol") is not None
    ]


def _rgba(colour: str) -> str:
    return ",".join(str(v) for v in palette.rgb(colour))


@pytest.fixture(scope="module")
def synthetic_gpkg(tmp_path_factory) -> Path:
    out = make_output(tmp_path_factory.mktemp("qgis"))
    s = load_settings()
    n, project = write_qgis(out / "woonzorg.gpkg", settings=s, vocabulary=Vocabulary.from_settings(s))
    assert n > 0 and project == out / "woonzorg.qgz"
    return out / "woonzorg.gpkg"


def test_layer_styles_table_has_one_default_per_layer(synthetic_gpkg):
    rows = _styles(synthetic_gpkg)
    layers = {r["f_table_name"] for r in rows}
    assert layers == {"adressen", "buurten", "wijken", "voorzieningen", "netwerk", "servicegebieden"}
    for layer in layers:
        defaults = [r for r in rows if r["f_table_name"] == layer and r["useAsDefault"]]
        assert len(defaults) == 1, (layer, defaults)
    for r in rows:
        assert r["f_table_catalog"] == "" and r["f_table_schema"] == "" and r["f_geometry_column"] == "geom"
        ET.fromstring(r["styleQML"].split("\n", 1)[1])  # well-formed XML
        assert 'type="RuleRenderer"' in r["styleQML"]
    with sqlite3.connect(synthetic_gpkg) as con:  # registered, so GDAL and QGIS see the table
        assert con.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'").fetchone() == (
            "attributes",
        )
    # written again (e.g. after `locaties`): replaced, not doubled
    s = load_settings()
    write_qgis(synthetic_gpkg, settings=s, vocabulary=Vocabulary.from_settings(s))
    assert len(_styles(synthetic_gpkg)) == len(rows)


def test_style_filters_select_the_classes_of_the_maps(synthetic_gpkg):
    """Each rule's filter, run as SQL on the GeoPackage, selects exactly the features of its class, in
    the palette's colour (the same classes as the Folium maps and the figures)."""
    rows = {(r["f_table_name"], r["styleName"]): r for r in _styles(synthetic_gpkg)}
    buurten = gpd.read_file(synthetic_gpkg, layer="buurten")
    rules = _rules(rows[("buurten", "bereikbaarheid")]["styleQML"])
    classes = palette.PCT_CLASSES
    idx = classes.index(buurten["pct_ov_en_supermarkt_800m"])
    with sqlite3.connect(synthetic_gpkg) as con:
        for k, (label, flt, colour) in enumerate(rules[: len(classes.colours) + 1]):
            i = k if k < len(classes.colours) else -1
            assert label == classes.label(i)
            assert colour.rsplit(",", 1)[0] == _rgba(classes.colour(i))
            got = sorted(r[0] for r in con.execute(f"SELECT code FROM buurten WHERE {flt}"))
            assert got == sorted(buurten.loc[idx == i, "code"]), (label, flt)
        few_label, few_filter, _ = rules[-1]
        assert few_label == palette.few_addresses_label(50)
        got = sorted(r[0] for r in con.execute(f"SELECT code FROM buurten WHERE {few_filter}"))
        assert got == sorted(buurten.loc[buurten["n_adressen"] < 50, "code"]) and got
        # homes by walking time to the huisarts
        adr = gpd.read_file(synthetic_gpkg, layer="adressen")
        tidx = palette.TIME_CLASSES.index(adr["tijd_huisarts_min"])
        for k, (label, flt, colour) in enumerate(_rules(rows[("adressen", "looptijd")]["styleQML"])):
            i = k if k < len(palette.TIME_CLASSES.colours) else -1
            assert colour.rsplit(",", 1)[0] == _rgba(palette.TIME_CLASSES.colour(i))
            n = con.execute(f"SELECT COUNT(*) FROM adressen WHERE {flt}").fetchone()[0]
            assert n == int((tidx == i).sum()), (label, flt)
        # voorzieningen: one colour per category, the vocabulary's
        vocab = Vocabulary.from_settings(load_settings())
        for label, flt, colour in _rules(rows[("voorzieningen", "voorzieningen per categorie")]["styleQML"]):
            cat = re.search(r"'(.+)'", flt).group(1)
            assert colour.rsplit(",", 1)[0] == _rgba(vocab.colour(cat)) and label == vocab.label(cat)


def test_project_file_relative_sources_dutch_names_order(synthetic_gpkg):
    qgz = synthetic_gpkg.with_name("woonzorg.qgz")
    with zipfile.ZipFile(qgz) as zf:
        names = zf.namelist()
        assert names == ["woonzorg.qgs"]
        root = ET.fromstring(zf.read("woonzorg.qgs").decode("utf-8").split("\n", 1)[1])
    tree = [(n.get("name"), n.get("source"), n.get("checked")) for n in root.iter("layer-tree-layer")]
    sources = [s for _, s, _ in tree]
    assert all(s.startswith("./woonzorg.gpkg|layername=") for s in sources), sources
    order = [s.split("layername=")[1].split("|")[0] for s in sources]
    assert order[0] == "voorzieningen" and order[-1] == "netwerk"
    assert order.index("adressen") < order.index("wijken") < order.index("buurten")
    titles = [t for t, _, _ in tree]
    assert "Voorzieningen" in titles and "Wijkgrenzen en namen" in titles
    assert "Buurten: % woningen met OV-halte én supermarkt binnen 800 m" in titles
    assert root.find("properties/Paths/Absolute").text == "false"
    assert root.find("properties/SpatialRefSys/ProjectionsEnabled").text == "1"
    assert root.find("properties/SpatialRefSys/ProjectCrs").text == "EPSG:28992"
    assert root.find("projectCrs/spatialrefsys/authid").text == "EPSG:28992"
    assert len(list(root.iter("maplayer"))) == len(tree)
    for ml in root.iter("maplayer"):
        assert ml.find("renderer-v2").get("type") == "RuleRenderer"
        assert ml.find("srs/spatialrefsys/authid").text == "EPSG:28992"


def _qgis_python() -> str | None:
    """Why PyQGIS cannot run here, or None when it can."""
    if not Path(SYSTEM_PYTHON).exists():
        return f"{SYSTEM_PYTHON} does not exist"
    r = subprocess.run(
        [SYSTEM_PYTHON, "-c", "import qgis.core"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    if r.returncode:
        return f"{SYSTEM_PYTHON} cannot import qgis ({r.stderr.strip().splitlines()[-1] if r.stderr.strip() else '?'})"
    return None


@pytest.fixture(scope="module")
def qgis_python() -> str:
    why = _qgis_python()
    if why:
        if in_ci():
            pytest.fail(f"QGIS is needed in CI: {why}; .ci/system-deps installs qgis and python3-qgis", pytrace=False)
        pytest.skip(f"QGIS not installed: {why} (apt-get install qgis python3-qgis, see .ci/system-deps)")
    return SYSTEM_PYTHON


def _run_check(python: str, out_dir: Path, png: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    r = subprocess.run(
        [python, str(REPO / "tests" / "qgis_check.py"), str(out_dir), str(png)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert r.returncode == 0, f"qgis_check.py failed ({r.returncode}):\n{r.stdout[-2000:]}\n{r.stderr[-4000:]}"
    return json.loads(r.stdout.strip().splitlines()[-1])


def _check_report(report: dict, gpkg: Path, png: Path) -> None:
    assert report["read"], report["error"]
    # the project CRS as QGIS itself reads it (QGIS drops <projectCrs> without SpatialRefSys/ProjectionsEnabled)
    assert report["crs"] == "EPSG:28992" and report["crs_valid"], (report["crs"], report["crs_valid"])
    stored = {}
    for r in _styles(gpkg):
        stored.setdefault(r["f_table_name"], []).append(
            (bool(r["useAsDefault"]), [x[0] for x in _rules(r["styleQML"])])
        )
    assert report["layers"]
    for layer in report["layers"]:
        assert layer["valid"], layer
        assert layer["features"] > 0, layer
        assert layer["renderer"] == "RuleRenderer", layer  # not QGIS's default single symbol
        assert layer["crs"] == "EPSG:28992"
        table = layer["source"].split("layername=")[1].split("|")[0]
        assert any(rules == layer["rules"] for _, rules in stored[table]), (layer["name"], layer["rules"])
    for table, got in report["gpkg_defaults"].items():
        default = next(rules for is_default, rules in stored[table] if is_default)
        assert got["valid"] and got["loaded"], (table, got)
        assert got["renderer"] == "RuleRenderer" and got["rules"] == default, (table, got)
    img = report["image"]
    assert (img["width"], img["height"]) == (1200, 900)
    assert img["colours"] > 50 and img["nonwhite_share"] > 0.3, img  # not blank
    assert png.stat().st_size > 10_000


@pytest.mark.realdata
def test_qgis_opens_the_assen_project_styled(qgis_python, assen_output):
    """The project `woonzorg-geo analyse` wrote for Assen, opened in real QGIS."""
    assert (assen_output / "woonzorg.qgz").is_file()
    png = ARTEFACTS / "qgis_assen.png"
    png.parent.mkdir(parents=True, exist_ok=True)
    report = _run_check(qgis_python, assen_output, png)
    (ARTEFACTS / "qgis_assen.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    _check_report(report, assen_output / "woonzorg.gpkg", png)
    names = [layer["name"] for layer in report["layers"]]
    for name in (
        "Voorzieningen",
        "Adressen: looptijd naar huisarts",
        "Wijkgrenzen en namen",
        "Wijken: balans draagkracht − draaglast",
        "Buurten: focus",
        "Buurten: veerkracht",
        "Buurten: % woningen met OV-halte én supermarkt binnen 800 m",
    ):
        assert name in names, names
    assert report["title"] == "Woonzorg Assen"
    # it opened on the town: the default view is the built-up extent, not the gemeente's box
    x0, y0, x1, y1 = report["image"]["extent"]
    gx0, gy0, gx1, gy1 = gpd.read_file(assen_output / "woonzorg.gpkg", layer="buurten").total_bounds
    assert (x1 - x0) * (y1 - y0) < 0.6 * (gx1 - gx0) * (gy1 - gy0)


def test_qgis_opens_a_moved_synthetic_project(qgis_python, synthetic_gpkg, tmp_path):
    """The project's paths are relative: the folder works after it is moved."""
    import shutil

    moved = tmp_path / "verplaatst"
    shutil.copytree(synthetic_gpkg.parent, moved)
    png = tmp_path / "render.png"
    report = _run_check(qgis_python, moved, png)
    assert all(str(moved) in layer["source"] for layer in report["layers"])
    _check_report(report, moved / "woonzorg.gpkg", png)
    assert np.isfinite(report["image"]["extent"]).all()
