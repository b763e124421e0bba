"""One driver per gemeente: `regio`'s Assen equals `analyse`'s Assen, with a settings file of one's own.

Issue 20 §2. Both commands run :func:`woonzorg_geo.run.driver.run_gemeente`; this test checks the
result from the outside, on the files a planner gets: the same tables cell by cell and the same
maps (structurally: Folium's random element ids and the run's timings aside), with a settings
file that changes ``[kaarten]`` and the profile labels, so a command that ignored the settings in
its maps (as `regio` did) shows.

Two Assen runs in all (one `analyse`, one `regio` on a local one-worker cluster), shared by the
tests of this module. Both run with their rasters: `--geen-rasters` means "no GeoTIFFs" to
`analyse` but "no distance surfaces at all" to `regio`, so with it the two would rightly differ
(no `servicegebieden` layer and no surface figures in regio's summary).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest

from woonzorg_geo.cli.main import main

pytestmark = [pytest.mark.realdata, pytest.mark.xdist_group("driver")]  # see SLOW_GROUPS in conftest.py
distributed = pytest.importorskip("distributed")

#: Labels of the test's settings file: they must reach every map of both commands.
LABELS = {"standaard": "vlot tempo (eigen label)", "senior": "rustig tempo (eigen label)"}
#: What of a Folium page varies between two renderings of the same map: the random element ids.
FOLIUM_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def own_settings(module_tmp) -> Path:
    """A settings file that changes [kaarten] (lighter tone, map extent) and the profile labels."""
    path = module_tmp("instellingen") / "instellingen.toml"
    path.write_text(
        "[kaarten]\nmin_adressen = 400\nbebouwd_kwantiel = 0.10\n"
        + "".join(f'[profielen.{name}]\nlabel = "{label}"\n' for name, label in LABELS.items()),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def both_runs(raw_dir, own_settings, module_tmp) -> dict[str, Path]:
    """``analyse --gemeente Assen`` and ``regio --gemeenten Assen`` with the same settings file."""
    root = module_tmp("driver")
    common = ["--stil", "--data", str(raw_dir), "--instellingen", str(own_settings)]
    code = main(
        [
            *common,
            "analyse",
            "--gemeente",
            "Assen",
            "--out",
            str(root / "analyse"),
            "--kaarten",
            str(root / "analyse_maps"),
            "--offline",
        ]
    )
    assert code == 0
    code = main(
        [
            *common,
            "regio",
            "--gemeenten",
            "Assen",
            "--out",
            str(root / "regio"),
            "--workers",
            "1",
            "--offline",
            "--tegelcache",
            str(root / "tegelcache"),
        ]
    )
    assert code == 0
    return {
        "analyse": root / "analyse",
        "analyse_maps": root / "analyse_maps",
        "regio": root / "regio" / "assen",
        "regio_maps": root / "regio" / "assen" / "maps",
    }


def _files(folder: Path, *, skip: tuple[str, ...] = ()) -> set[str]:
    return {
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and p.relative_to(folder).parts[0] not in skip
    }


def _summary(folder: Path) -> dict:
    doc = json.loads((folder / "samenvatting.json").read_text(encoding="utf-8"))
    doc.pop("tijden_s")
    return doc


def _page(path: Path) -> str:
    return FOLIUM_ID.sub("ID", path.read_text(encoding="utf-8"))


def test_the_same_files_and_tables(both_runs):
    a, r = both_runs["analyse"], both_runs["regio"]
    # regio keeps the maps of the gemeente inside its folder (maps/), analyse beside it (--kaarten)
    files = _files(a)
    assert files == _files(r, skip=("maps",))
    assert {"buurten.csv", "wijken.csv", "samenvatting.json", "woonzorg.gpkg", "gevoeligheid.csv"} <= files
    assert any(f.endswith(".tif") for f in files)
    for name in ("buurten.csv", "wijken.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(r / name, index_col="code"), pd.read_csv(a / name, index_col="code"))
    pd.testing.assert_frame_equal(pd.read_csv(r / "gevoeligheid.csv"), pd.read_csv(a / "gevoeligheid.csv"))
    layers = sorted(pyogrio.list_layers(a / "woonzorg.gpkg")[:, 0])
    assert layers == sorted(pyogrio.list_layers(r / "woonzorg.gpkg")[:, 0])
    assert "servicegebieden" in layers
    adressen_a = gpd.read_file(a / "woonzorg.gpkg", layer="adressen")
    adressen_r = gpd.read_file(r / "woonzorg.gpkg", layer="adressen")
    assert len(adressen_a) > 30000
    pd.testing.assert_frame_equal(adressen_r, adressen_a)
    summary = _summary(a)
    assert _summary(r) == summary
    assert [p["label"] for p in summary["profielen"].values()] == list(LABELS.values())


def test_the_same_maps_with_the_settings_of_the_run(both_runs):
    a, r = both_runs["analyse_maps"], both_runs["regio_maps"]
    pages = sorted(p.name for p in a.glob("*.html"))
    assert pages == sorted(p.name for p in r.glob("*.html"))
    assert "assen_bereikbaarheid.html" in pages and "assen_draagkracht.html" in pages
    assert sum(p.startswith("wijk_") for p in pages) == 10
    for name in pages:
        mine, theirs = _page(r / name), _page(a / name)
        # the settings file reached the maps of both: its labels are on them
        if name != "assen_draagkracht.html":
            assert LABELS["standaard"] in theirs, name
        assert mine == theirs, name


def test_kaarten_draws_the_same_maps_from_the_analysis(both_runs, own_settings, tmp_path):
    """`kaarten` on the analysis, with the same settings file, draws the maps `analyse` drew (same function)."""
    a = both_runs["analyse_maps"]
    again = tmp_path / "kaarten"
    code = main(
        ["--stil", "--instellingen", str(own_settings), "kaarten", "--uit", str(both_runs["analyse"])]
        + ["--kaarten", str(again), "--offline"]
    )
    assert code == 0
    pages = sorted(p.name for p in a.glob("*.html"))
    assert pages == sorted(p.name for p in again.glob("*.html"))
    for name in pages:
        assert _page(again / name) == _page(a / name), name
