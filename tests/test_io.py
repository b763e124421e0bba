from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from woonzorg_geo.core.io import staged_dir, write_gpkg, write_text


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "uit.txt"
    write_text(target, "oud")

    class Boom(Exception):
        pass

    from woonzorg_geo.core.io import atomic_path

    with pytest.raises(Boom), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise Boom
    assert target.read_text(encoding="utf-8") == "oud"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["uit.txt"]


def test_gpkg_failure_leaves_no_file(tmp_path):
    good = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:28992")
    target = tmp_path / "x.gpkg"
    with pytest.raises(Exception):  # noqa: B017 - any writer error
        write_gpkg(target, {"goed": good, "fout": "geen frame"})  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []
    write_gpkg(target, {"goed": good})
    assert gpd.read_file(target, layer="goed").crs.to_epsg() == 28992


def test_staged_dir_publishes_only_on_success(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (out / "eigen.txt").write_text("van de gebruiker")
    with staged_dir(out) as d:
        (d / "a.txt").write_text("1")
        (d / "sub").mkdir()
        (d / "sub" / "c.txt").write_text("3")
    with pytest.raises(RuntimeError), staged_dir(out) as d:
        (d / "a.txt").write_text("nieuw")
        (d / "b.txt").write_text("2")
        raise RuntimeError("stuk")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "eigen.txt", "manifest.json", "sub"]
    assert (out / "a.txt").read_text() == "1"  # the failed run did not overwrite it
    assert (out / "sub" / "c.txt").read_text() == "3"


def test_replace_set_removes_the_previous_runs_files_only(tmp_path):
    import json

    from woonzorg_geo.core.io import Owner

    owner = Owner("analyse", "GM0106", "Assen")
    out = tmp_path / "output"
    out.mkdir()
    (out / "eigen.txt").write_text("van de gebruiker")
    with staged_dir(out, owner=owner, replace_set=True, manifest={"profiel": "beide"}) as d:
        (d / "standaard.tif").write_text("s")
        (d / "senior.tif").write_text("o")
    with staged_dir(out, owner=owner, replace_set=True, manifest={"profiel": "senior"}) as d:
        (d / "senior.tif").write_text("nieuw")
    assert sorted(p.name for p in out.iterdir()) == ["eigen.txt", "manifest.json", "senior.tif"]
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["profiel"] == "senior" and set(doc["bestanden"]) == {"senior.tif"}
    assert doc["bestanden"]["senior.tif"]["bytes"] == 5
    assert doc["eigenaar"] == {"opdracht": "analyse", "gemeente": "GM0106", "naam": "Assen"}
    # an added file (not replace_set) joins the manifest and keeps the rest
    with staged_dir(out, owner=owner, manifest={"locaties": True}) as d:
        (d / "extra.csv").write_text("x")
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(doc["bestanden"]) == {"senior.tif", "extra.csv"} and doc["profiel"] == "senior"


def test_replace_set_without_an_owner_removes_nothing(tmp_path):
    out = tmp_path / "output"
    with staged_dir(out, replace_set=True) as d:
        (d / "a.tif").write_text("a")
    with staged_dir(out, replace_set=True) as d:
        (d / "b.tif").write_text("b")
    assert sorted(p.name for p in out.iterdir()) == ["a.tif", "b.tif", "manifest.json"]


def test_stale_staging_of_a_dead_process_is_removed(tmp_path):
    import os
    import subprocess
    import sys

    out = tmp_path / "output"
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    pid = int(dead.stdout)
    (out / f".staging-{pid}-abc").mkdir(parents=True)
    (out / f".staging-{pid}-abc" / "groot.gpkg").write_text("x" * 1000)
    alive = out / f".staging-{os.getppid()}-def"  # a live process (our parent): left alone
    alive.mkdir()
    with staged_dir(out) as d:
        (d / "a.txt").write_text("1")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([alive.name, "a.txt", "manifest.json"])


def test_a_second_run_into_the_same_folder_stops(tmp_path):
    import os
    import subprocess
    import sys

    from woonzorg_geo.core.errors import OutputLockedError
    from woonzorg_geo.core.io import LOCK_NAME, output_lock

    out = tmp_path / "output"
    out.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        (out / LOCK_NAME).write_text(str(holder.pid))
        with pytest.raises(OutputLockedError, match=str(holder.pid)), staged_dir(out):
            pass
    finally:
        holder.kill()
        holder.wait()
    # the holder is gone: its lock is stale and taken over; the lock is released afterwards
    with staged_dir(out) as d:
        (d / "a.txt").write_text("1")
        assert (out / LOCK_NAME).read_text() == str(os.getpid())
        with output_lock(out):  # re-entrant in one process
            pass
        assert (out / LOCK_NAME).exists()
    assert not (out / LOCK_NAME).exists()
