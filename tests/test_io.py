from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from woonzorg_geo.core.files import write_gpkg, write_text
from woonzorg_geo.core.io import staged_dir


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "uit.txt"
    write_text(target, "oud")

    class Boom(Exception):
        pass

    from woonzorg_geo.core.files import atomic_path

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


def _hold_lock(folder):
    """Another process that holds ``folder``'s output lock until it is killed (started and ready)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    import woonzorg_geo

    code = (
        "import sys, time\n"
        "from woonzorg_geo.core.lock import output_lock\n"
        "with output_lock(sys.argv[1]):\n"
        "    print('vast', flush=True)\n"
        "    time.sleep(60)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(woonzorg_geo.__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "vast"
    return proc


def test_a_second_run_into_the_same_folder_stops(tmp_path):
    import json
    import os
    import socket

    from woonzorg_geo.core.errors import OutputLockedError
    from woonzorg_geo.core.lock import LOCK_INFO_NAME, LOCK_NAME, output_lock

    out = tmp_path / "output"
    out.mkdir()
    holder = _hold_lock(out)
    try:
        with pytest.raises(OutputLockedError) as info, staged_dir(out):
            pass
        assert f"in gebruik door {socket.gethostname()} (PID {holder.pid}) sinds " in str(info.value)
        assert not list(out.glob(".staging-*"))  # refused before any staging
    finally:
        holder.kill()
        holder.wait()
    # the holder was killed: its files stay, its lock does not; taken over and released afterwards
    assert (out / LOCK_NAME).exists() and json.loads((out / LOCK_INFO_NAME).read_text())["pid"] == holder.pid
    with staged_dir(out) as d:
        (d / "a.txt").write_text("1")
        assert json.loads((out / LOCK_INFO_NAME).read_text())["pid"] == os.getpid()
        with output_lock(out):  # re-entrant in one process
            pass
        assert (out / LOCK_NAME).exists()
    assert not (out / LOCK_NAME).exists() and not (out / LOCK_INFO_NAME).exists()
    assert (out / "a.txt").read_text() == "1"


def test_a_lock_held_on_another_host_is_not_broken_by_a_pid_check(tmp_path):
    """The info names a process of another host, whose PID does not run here: the lock still holds."""
    import json
    import subprocess
    import sys

    from woonzorg_geo.core.errors import OutputLockedError
    from woonzorg_geo.core.lock import LOCK_INFO_NAME, remove_released_lock

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    pid = int(dead.stdout)  # ended: on this host, no such process runs
    out = tmp_path / "output"
    out.mkdir()
    holder = _hold_lock(out)
    try:
        info = {"host": "rekenserver-7", "pid": pid, "sinds": "2026-12-06T01:02:03+00:00"}
        (out / LOCK_INFO_NAME).write_text(json.dumps(info))
        expected = rf"rekenserver-7 \(PID {pid}\) sinds 2026-12-06 01:02:03 UTC"
        with pytest.raises(OutputLockedError, match=expected), staged_dir(out):
            pass
        assert not remove_released_lock(out)  # a held lock is not cleaned up either
        assert json.loads((out / LOCK_INFO_NAME).read_text()) == info
    finally:
        holder.kill()
        holder.wait()
    assert remove_released_lock(out)  # now that it is released: the left-over files go
    assert sorted(p.name for p in out.iterdir()) == []


def test_a_lock_file_of_an_older_version_with_a_dead_pid_is_taken_over(tmp_path):
    import subprocess
    import sys

    from woonzorg_geo.core.lock import LOCK_NAME

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    out = tmp_path / "output"
    out.mkdir()
    (out / LOCK_NAME).write_text(dead.stdout.strip())
    with staged_dir(out) as d:
        (d / "a.txt").write_text("1")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "manifest.json"]
