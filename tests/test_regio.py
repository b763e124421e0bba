"""Many gemeenten in one run (`woonzorg-geo regio`) and `analyse --gemeente` for any gemeente of Drenthe."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest

from woonzorg_geo import RD_NEW
from woonzorg_geo.cli.main import main
from woonzorg_geo.core.config import RegioSettings
from woonzorg_geo.core.errors import SourceUnavailableError
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.run.cluster import connect
from woonzorg_geo.run.regio import TaskOptions, gemeente_task
from woonzorg_geo.run.regio_ratios import flag_ratios, z_text
from woonzorg_geo.run.regional import ClusterInfo, RegionalRow, TilesInfo, regional_row

distributed = pytest.importorskip("distributed")


# ----------------------------------------------------------------------------- the ratio check


def test_a_gemeente_far_from_the_others_is_flagged():
    ratio = pd.Series([1.13, 1.15, 1.16, 1.17, 1.18, 1.21, 1.24, 0.71], index=[f"GM{i:04d}" for i in range(8)])
    out = flag_ratios(ratio, RegioSettings())
    assert out["ratio_afwijkend"].tolist() == [False] * 7 + [True]
    assert out.loc["GM0007", "ratio_z"] < -3.5
    assert out.loc["GM0007", "ratio_toelichting"].startswith("AFWIJKEND: 0,710 adressen per woning")
    # compared with the others only: the outlier does not widen its own yardstick
    assert out.loc["GM0007", "ratio_mediaan_anderen"] == pytest.approx(1.17)


def test_a_uniform_set_does_not_flag_a_few_percent():
    """Very alike gemeenten have a tiny spread: the absolute floor keeps 3 % from being 'far'."""
    ratio = pd.Series([1.170, 1.171, 1.172, 1.170, 1.171, 1.172, 1.20], index=list("abcdefg"))
    out = flag_ratios(ratio, RegioSettings(ratio_min_afwijking=0.05))
    assert not out["ratio_afwijkend"].any()
    assert out.loc["g", "ratio_z"] > 3.5  # far in sd, but only 0.03 in absolute terms
    flagged = flag_ratios(ratio, RegioSettings(ratio_min_afwijking=0.02))
    assert flagged.loc["g", "ratio_afwijkend"]


def test_too_few_gemeenten_or_no_dwellings_give_no_verdict():
    out = flag_ratios(pd.Series([1.1, 1.2, 2.5], index=list("abc")), RegioSettings())
    assert out["ratio_afwijkend"].isna().all()
    assert "te weinig andere gemeenten" in out.loc["c", "ratio_toelichting"]
    out = flag_ratios(pd.Series([1.1, 1.2, 1.15, 1.18, 1.16, 1.17, np.nan], index=list("abcdefg")), RegioSettings())
    assert pd.isna(out.loc["g", "ratio_afwijkend"]) and "geen CBS-woningvoorraad" in out.loc["g", "ratio_toelichting"]


def test_the_explanation_keeps_its_ascii_sign_and_decimal_comma():
    """``ratio_toelichting`` reads as regio.csv always wrote it: ASCII sign, decimal comma (core.formatting digits)."""
    assert [z_text(z) for z in (1.54, -0.04, 0.0, -3.26, math.inf)] == ["+1,5", "-0,0", "+0,0", "-3,3", "+inf"]
    ratio = pd.Series([1.13, 1.15, 1.16, 1.17, 1.18, 1.21, 1.24, 0.71], index=[f"GM{i:04d}" for i in range(8)])
    out = flag_ratios(ratio, RegioSettings()).loc["GM0007"]
    med, z = out["ratio_mediaan_anderen"], out["ratio_z"]
    # the text as it was built before core.formatting did the digits: a whole sentence with '.' → ','
    before = (
        f"AFWIJKEND: {0.71:.3f} adressen per woning tegen {med:.3f} bij de andere gemeenten ({z:+.1f} sd)"
        "; controleer de adrespunten en de buurten van deze gemeente"
    ).replace(".", ",")
    assert out["ratio_toelichting"] == before and "(-" in before


def test_a_regional_row_is_the_task_result_without_its_tables():
    frame = gpd.GeoDataFrame({"naam": ["x"]}, geometry=gpd.points_from_xy([0], [0]), crs=RD_NEW)
    result = {"code": "GM1", "naam": "x", "status": "ok", "reden": "", "map": "x", "gemeente": frame, "wijken": frame}
    result["adressen"] = 3
    row = regional_row(result)
    assert list(row) == ["code", "naam", "status", "reden", "map", "adressen"]  # the order of regio.json kept
    assert "gemeente" in result  # the task's result itself is left as it was


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["analyse", "--gemeente", "Zwolle"], r"'Zwolle' staat niet in de catalogus.*Emmen \(GM0114\)"),
        (["regio", "--gemeenten", "Assen,GM0106"], "twee keer"),
        (["regio", "--provincie", "Friesland"], "provincie 'Friesland'"),
        (["regio", "--gemeenten", "Assen,Atlantis"], "'Atlantis' staat niet in de catalogus"),
        (["regio", "--workers", "0"], "--workers moet minstens 1"),
    ],
)
def test_bad_gemeente_choices_exit_2_before_any_work(tmp_path, capsys, argv, message):
    import re

    out = tmp_path / "uit"
    code = main(["--stil", *argv, "--out", str(out)])
    assert code == 2
    assert re.search(message, capsys.readouterr().err)
    assert not out.exists()


def test_an_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(SourceUnavailableError, match=r"--scheduler tcp://127.0.0.1:9.*geen Dask-scheduler"):
        connect("tcp://127.0.0.1:9", timeout="1s")


@pytest.mark.realdata
def test_a_failing_gemeente_task_reports_its_reason(raw_dir, tmp_path):
    import dataclasses

    s = load_settings()
    broken = dataclasses.replace(s, data=dataclasses.replace(s.data, buurten="bestaat_niet/buurten.geojson"))
    res = gemeente_task(broken, TaskOptions(raw_dir=str(raw_dir), out_dir=str(tmp_path), maps=False, rasters=False))
    assert res["status"] == "fout" and res["code"] == "GM0106"
    assert "bestaat_niet/buurten.geojson" in res["reden"] and "ontbreken" in res["reden"]
    assert not (tmp_path / "assen").exists()


# ----------------------------------------------------------------------------- on a Dask cluster


@pytest.fixture(scope="module")
def dask_scheduler():
    """A dask.distributed scheduler with one worker process on 127.0.0.1, started by the test."""
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0, dashboard_address=None
    )
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="module")
def tile_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("tegelcache")


@pytest.fixture(scope="module")
def regio_out(raw_dir, dask_scheduler, tile_cache, tmp_path_factory):
    out = tmp_path_factory.mktemp("regio") / "uit"
    code = main(
        [
            "--stil",
            "--data",
            str(raw_dir),
            "regio",
            "--gemeenten",
            "Assen,Westerveld",
            "--out",
            str(out),
            "--scheduler",
            dask_scheduler.scheduler_address,
            "--geen-rasters",
            "--offline",
            "--tegelcache",
            str(tile_cache),
        ]
    )
    assert code == 0
    return out


#: The tests on the Dask cluster of this module share it (and the run of regio_out): see SLOW_GROUPS in conftest.py
ON_THE_CLUSTER = pytest.mark.xdist_group("regio_dask")


@pytest.mark.realdata
@ON_THE_CLUSTER
def test_regio_runs_on_the_given_scheduler_and_writes_the_regional_outputs(regio_out, dask_scheduler):
    address = dask_scheduler.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    # the tasks ran on that cluster: its scheduler saw one task per gemeente and the tile chunks
    prefixes = set(dask_scheduler.scheduler.task_prefixes)
    assert "gemeente" in prefixes and "fill_cache_task" in prefixes
    doc = json.loads((regio_out / "regio.json").read_text(encoding="utf-8"))
    assert doc["cluster"] == {"scheduler": address, "workers": 1}
    assert [g["status"] for g in doc["gemeenten"]] == ["ok", "ok"]
    for g in doc["gemeenten"]:  # each as its schema says: the required keys, no key it does not name
        assert RegionalRow.__required_keys__ <= set(g) <= set(RegionalRow.__annotations__)
        assert {"adressen", "knopen", "tijd_s", "piek_geheugen_mb"} <= set(g)  # a task that ran says so
    assert set(doc["tiles"]) <= set(TilesInfo.__annotations__) and set(doc["cluster"]) <= set(
        ClusterInfo.__annotations__
    )
    assert (
        doc["tiles"]["nodig"] > 100
        and doc["tiles"]["gedecodeerd"] + doc["tiles"]["uit_cache"] + doc["tiles"]["leeg"] == doc["tiles"]["nodig"]
    )

    assert set(pyogrio.list_layers(regio_out / "regio.gpkg")[:, 0]) == {"gemeenten", "wijken"}
    gem = gpd.read_file(regio_out / "regio.gpkg", layer="gemeenten").set_index("code")
    wijken = gpd.read_file(regio_out / "regio.gpkg", layer="wijken").set_index("code")
    assert list(gem.index) == ["GM0106", "GM1701"] and gem.crs.to_epsg() == 28992
    assert len(wijken) == 10 + 18 and set(wijken["gemeentecode"]) == {"GM0106", "GM1701"}
    for col in (
        "n_adressen",
        "inwoners_cbs",
        "pct_ov_en_supermarkt_800m",
        "pct_drie_a_800m",
        "med_afstand_huisarts_m",
        "pct_ov_en_supermarkt_800m_senior",
        "med_afstand_huisarts_m_senior",
    ):
        assert col in gem and col in wijken
    # the wijken add up to their gemeente
    assert wijken.groupby("gemeentecode")["n_adressen"].sum().to_dict() == gem["n_adressen"].to_dict()
    # the check against the official count: address points per CBS dwelling
    assert gem.loc["GM0106", "woningen_cbs"] == 33215
    assert 1.1 < gem.loc["GM0106", "adressen_per_woning"] < 1.15
    table = pd.read_csv(regio_out / "regio.csv", index_col="code")
    assert table["status"].tolist() == ["ok", "ok"] and "adressen_per_woning" in table
    # Westerveld has no pharmacy in OSM nor in the IGJ register, but dispensing GPs (Diever, Vledder):
    # CBS counts those as apotheek, so its drie A's are above 0 % (issue 19 §3)
    assert "apotheek" not in str(table.loc["GM1701", "zonder_voorzieningen"])
    assert table.loc["GM1701", "pct_drie_a_800m"] > 0.0
    # the completeness of OSM per gemeente: Assen has 9 IGJ pharmacies, OSM 2021 lacks some of them
    assert table.loc["GM0106", "volledigheid_apotheek_lijst"] >= 9
    assert 0 < table.loc["GM0106", "volledigheid_apotheek_aandeel_osm"] < 1
    assert table.loc["GM1701", "volledigheid_apotheek_lijst"] == 0
    assert pd.isna(table.loc["GM1701", "volledigheid_apotheek_aandeel_osm"])
    assert table.loc["GM0106", "volledigheid_supermarkt_lijst"] == 6
    assert pd.isna(table.loc["GM0106", "onbekend"]) and table.loc["GM0106", "pct_drie_a_800m"] > 0
    # per gemeente a folder with its own outputs and maps; the province map links them
    for folder in ("assen", "westerveld"):
        assert (regio_out / folder / "woonzorg.gpkg").is_file() and (regio_out / folder / "wijken.csv").is_file()
        assert (regio_out / folder / "maps" / f"{folder}_bereikbaarheid.html").is_file()
        assert not list((regio_out / folder).glob("*.tif"))  # --geen-rasters
    html = (regio_out / "maps" / "drenthe_bereikbaarheid.html").read_text(encoding="utf-8")
    for folder in ("assen", "westerveld"):
        link = f"../{folder}/maps/{folder}_bereikbaarheid.html"
        assert link in html and (regio_out / "maps" / link).resolve().is_file()


@pytest.mark.realdata
@ON_THE_CLUSTER
def test_assens_figures_from_regio_equal_those_of_analyse(regio_out, assen_output):
    """`analyse` (Assen is the default; `--gemeente Assen` resolves to the same settings, see
    test_catalogue) and `regio` give Assen the same figures: the tile cache changes nothing."""
    mine = pd.read_csv(regio_out / "assen" / "wijken.csv", index_col="code")
    theirs = pd.read_csv(assen_output / "wijken.csv", index_col="code")
    pd.testing.assert_frame_equal(mine, theirs)
    buurten = pd.read_csv(regio_out / "assen" / "buurten.csv", index_col="code")
    pd.testing.assert_frame_equal(buurten, pd.read_csv(assen_output / "buurten.csv", index_col="code"))
    # and the regional layer carries the same figures
    wijken = gpd.read_file(regio_out / "regio.gpkg", layer="wijken").set_index("code")
    cols = [c for c in wijken.columns if c.startswith(("pct_", "med_afstand_")) or c == "n_adressen"]
    pd.testing.assert_frame_equal(wijken.loc[theirs.index, cols], theirs[cols], check_dtype=False)
    summary = json.loads((assen_output / "samenvatting.json").read_text(encoding="utf-8"))
    gem = gpd.read_file(regio_out / "regio.gpkg", layer="gemeenten").set_index("code").loc["GM0106"]
    for profile, sfx in (("standaard", ""), ("senior", "_senior")):
        overall = summary["profielen"][profile]["gemeente"]
        for key in ("pct_ov_en_supermarkt_800m", "pct_drie_a_800m", "med_afstand_huisarts_m"):
            assert gem[f"{key}{sfx}"] == pytest.approx(overall[key], rel=1e-12)
        assert gem["n_adressen"] == overall["n_adressen"]


@pytest.mark.realdata
@ON_THE_CLUSTER
def test_one_failing_gemeente_is_reported_and_the_others_finish(raw_dir, dask_scheduler, tile_cache, tmp_path, capsys):
    from woonzorg_geo.sources.catalogue import load_catalogue

    westerveld = load_catalogue().find("Westerveld")
    cat = tmp_path / "catalogus.toml"
    cat.write_text(
        f'[gemeenten.GM1701]\nnaam = "Westerveld"\ngemeentegrens = "{westerveld.gemeentegrens}"\n'
        f'buurten = "{westerveld.buurten}"\nwijken = "{westerveld.wijken}"\ngemeente_vorm = "buurten"\n'
        '[gemeenten.GM9998]\nnaam = "Nergenshuizen"\ngemeentegrens = "nergens/grens.geojson"\n'
        'buurten = "nergens/buurten.geojson"\nwijken = "nergens/wijken.geojson"\n',
        encoding="utf-8",
    )
    out = tmp_path / "uit"
    code = main(
        [
            "--data",
            str(raw_dir),
            "regio",
            "--gemeenten",
            "GM9998,Westerveld",
            "--catalogus",
            str(cat),
            "--out",
            str(out),
            "--scheduler",
            dask_scheduler.scheduler_address,
            "--geen-rasters",
            "--geen-kaarten",
            "--tegelcache",
            str(tile_cache),
        ]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert "Gemeenten:" not in err  # no progress bar into a pipe or log (woonzorg_geo.core.progress)
    assert "Nergenshuizen (GM9998) mislukt" in err and "nergens/grens.geojson" in err
    table = pd.read_csv(out / "regio.csv", index_col="code")
    assert table.loc["GM9998", "status"] == "fout" and "nergens/grens.geojson" in table.loc["GM9998", "reden"]
    assert table.loc["GM1701", "status"] == "ok" and table.loc["GM1701", "n_adressen"] > 10000
    assert gpd.read_file(out / "regio.gpkg", layer="gemeenten")["code"].tolist() == ["GM1701"]
    assert (out / "westerveld" / "woonzorg.gpkg").is_file() and not (out / "nergenshuizen").exists()


# ----------------------------------------------------------------------------- analyse --gemeente


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("naam", "code", "n_wijken"),
    [
        # each on a worker of its own where it can (see SLOW_GROUPS in conftest.py)
        pytest.param("Emmen", "GM0114", 27, marks=pytest.mark.xdist_group("analyse_emmen")),
        pytest.param("Westerveld", "GM1701", 18, marks=pytest.mark.xdist_group("analyse_westerveld")),
    ],
)
def test_analyse_any_gemeente_end_to_end_without_settings_file(raw_dir, tmp_path, request, naam, code, n_wijken):
    """Emmen (the largest) and Westerveld (rural) run offline like Assen: same outputs, what is missing named."""
    from woonzorg_geo.core.formatting import slug

    if naam == "Emmen":  # the same run as a user starts it, shared with test_woningen (conftest.py)
        root = request.getfixturevalue("emmen_output")
    else:
        root = tmp_path
        args = ["--stil", "--data", str(raw_dir), "analyse", "--gemeente", naam, "--out", str(root / "output")]
        assert main([*args, "--kaarten", str(root / "maps"), "--offline"]) == 0
    out, maps = root / "output", root / "maps"
    layers = set(pyogrio.list_layers(out / "woonzorg.gpkg")[:, 0])
    assert layers >= {"adressen", "buurten", "wijken", "voorzieningen", "netwerk", "servicegebieden"}
    wijken = pd.read_csv(out / "wijken.csv", index_col="code")
    assert len(wijken) == n_wijken and wijken.index.str.startswith(f"WK{code[2:]}").all()
    assert len(list((out / "wijkprofielen").glob("*.html"))) == n_wijken
    assert (out / "bereikbaarheid_supermarkt_standaard.tif").is_file()
    assert (maps / f"{slug(naam)}_bereikbaarheid.html").is_file()
    assert len(list(maps.glob("wijk_*.html"))) == n_wijken
    s = json.loads((out / "samenvatting.json").read_text(encoding="utf-8"))
    assert s["gemeente"] == {"code": code, "naam": naam, "begrensd_door": "buurten"}
    # every address in one of its own buurten; the count plausible against CBS dwellings (1.13-1.24)
    woningen = {"GM0114": 50563, "GM1701": 8806}[code]
    assert 1.1 < s["adressen"] / woningen < 1.3
    # (Westerveld: 5 address points lie within its gemeente and wijk polygons but in no buurtvlak; each
    # goes to the nearest buurt, see woonzorg_geo.sources.outlines)
    assert s["adressen_buiten_buurt_toegekend"] <= 0.001 * s["adressen"]
    assert s["buurtvlakken"]["zonder_geometrie"] == [] and s["buurtvlakken"]["te_klein"] == []
    # the GP practices of the gemeente's kernen, not only of the place with its name
    assert s["huisartsenlijst"]["in_gemeente"] >= 5
    # no report of its own: the overlays say so instead of inventing focus or veerkracht
    o = s["overlays"]
    assert o["bronnen_ontbrekend"] and "moeite met rondkomen (%)" in o["indicatoren_ontbrekend"]["draaglast"]
    assert set(o["focus_buurten"]) == {"onbekend"}
    buurten = pd.read_csv(out / "buurten.csv", index_col="code")
    assert (buurten["focus_redenen"].str.contains("geen buurtsignalen")).all()


# ----------------------------------------------------------------------------- before and after the tasks


@pytest.mark.realdata
def test_the_tiles_listed_first_are_those_each_gemeente_reads_and_the_largest_comes_first(raw_dir):
    """needed_tiles reads only the gemeente's outline, yet lists exactly the tiles of load_areas's
    gemeente (a gemeentegrens and a union of buurten); the sizes follow the CBS dwellings."""
    from woonzorg_geo.run.regio_tiles import needed_tiles
    from woonzorg_geo.sources.catalogue import load_catalogue, resolve_gemeente
    from woonzorg_geo.sources.datasets import load_areas, resolve_paths, tile_bbox
    from woonzorg_geo.sources.osm_tiles import list_tiles

    s, catalogue = load_settings(), load_catalogue()
    gemeenten = [resolve_gemeente(s, naam, catalogue=catalogue) for naam in ("Westerveld", "Assen", "Emmen")]
    assert {g.data.gemeente_vorm for g in gemeenten} == {"gemeentegrens", "buurten"}
    needed, size = needed_tiles(gemeenten, raw_dir=raw_dir)
    expected = set()
    for g in gemeenten:
        paths = resolve_paths(g, raw_dir=raw_dir)
        gemeente, _, _ = load_areas(g, paths=paths)
        expected |= {(t.x, t.y) for t, _ in list_tiles(paths["osm_tiles"], bbox_lonlat=tile_bbox(gemeente, g))}
    assert {(x, y) for _, x, y in needed} == expected and len(needed) == len(expected)
    assert size["GM0114"] > size["GM0106"] > size["GM1701"] > 0  # Emmen, Assen, Westerveld


def _regio_result():
    from shapely.geometry import Point

    from woonzorg_geo.run.regional import RegioResult

    gemeenten = gpd.GeoDataFrame(
        {
            "naam": ["Assen"],
            "n_adressen": [37375],
            "adressen_per_woning": [1.125],
            "pct_drie_a_800m": [50.08],
            "ratio_z": [np.nan],
            "ratio_afwijkend": pd.array([pd.NA], dtype="boolean"),
        },
        index=pd.Index(["GM0106"], name="code"),
        geometry=[Point(232000, 557000).buffer(10)],
        crs=RD_NEW,
    )
    wijken = gpd.GeoDataFrame(
        {"naam": ["Centrum"], "gemeentecode": ["GM0106"], "gemeente": ["Assen"], "pct_drie_a_800m": [85.6]},
        index=pd.Index(["WK010600"], name="code"),
        geometry=[Point(232000, 557000).buffer(5)],
        crs=RD_NEW,
    )
    tasks = [{"code": "GM0106", "naam": "Assen", "status": "ok", "map": "assen"}]
    return RegioResult("Drenthe", gemeenten, wijken, tasks)


def _frozen(folder):
    """Every file's bytes; of the workbook and the GeoPackage their content (both carry the time they were made)."""
    import openpyxl

    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            if p.suffix == ".xlsx":
                wb = openpyxl.load_workbook(p)
                out[p.name] = [[c.value for c in row] for ws in wb for row in ws.iter_rows()]
            elif p.suffix == ".gpkg":
                out[p.name] = {
                    layer: pyogrio.read_dataframe(p, layer=layer).to_json() for layer in pyogrio.list_layers(p)[:, 0]
                }
            else:
                out[p.name] = p.read_bytes()
    return out


def test_the_regional_files_made_elsewhere_are_those_made_here(tmp_path):
    """write_regio with ``elsewhere`` (a cluster's idle worker; here a thread) writes the same files,
    and a job that fails there is done here again."""
    from concurrent.futures import ThreadPoolExecutor

    from woonzorg_geo.run.regio_output import write_regio

    result = _regio_result()
    here = write_regio(result, tmp_path / "hier", norm_m=800, maps=False, csv_nl=True)
    started = []
    with ThreadPoolExecutor(max_workers=1) as pool:

        def elsewhere(fn, /, **kwargs):
            started.append(fn.__name__)
            return pool.submit(fn, **kwargs).result

        there = write_regio(result, tmp_path / "daar", norm_m=800, maps=False, csv_nl=True, elsewhere=elsewhere)

    def lost(fn, /, **kwargs):
        def wait():
            raise RuntimeError("worker verloren")

        return wait

    again = write_regio(result, tmp_path / "opnieuw", norm_m=800, maps=False, csv_nl=True, elsewhere=lost)
    assert started == ["write_regio_workbook"]
    names = [p.relative_to(tmp_path / "hier") for p in here]
    assert "overzicht.xlsx" in {n.name for n in names}
    assert [p.relative_to(tmp_path / "daar") for p in there] == names
    assert [p.relative_to(tmp_path / "opnieuw") for p in again] == names
    assert _frozen(tmp_path / "daar") == _frozen(tmp_path / "hier") == _frozen(tmp_path / "opnieuw")
