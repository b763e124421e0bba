"""A run killed at any point leaves the previous output as it was; the next run cleans up after it."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from badinput import file_digest, linked_copy

from woonzorg_geo.cli.main import main

pytestmark = [pytest.mark.realdata, pytest.mark.xdist_group("kill")]  # see SLOW_GROUPS in conftest.py


def _checksums(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): file_digest(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.relative_to(folder).parts[0].startswith(".")
    }


def _matches_manifest(folder: Path, sums: dict[str, str]) -> bool:
    doc = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {k: v["sha256"] for k, v in doc["bestanden"].items()}
    return listed == {k: v for k, v in sums.items() if k != "manifest.json"}


def _start(raw_dir: Path, out: Path, maps: Path, *, log: Path | None = None) -> subprocess.Popen:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "woonzorg_geo.cli.main",
            *(["--stil"] if log is None else ["-v"]),  # -v: the debug lines too
            "--data",
            str(raw_dir),
            "analyse",
            "--out",
            str(out),
            "--kaarten",
            str(maps),
            "--offline",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL if log is None else log.open("wb"),
        env=env,
    )


def _wait_for(pred, proc: subprocess.Popen, timeout: float = 120.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if pred():
            return True
        time.sleep(0.05)
    return False


#: What of a Folium page varies between two renderings of the same map: the random element ids.
FOLIUM_ID = re.compile(r"[0-9a-f]{32}")


def _page(path: Path) -> str:
    return FOLIUM_ID.sub("ID", path.read_text(encoding="utf-8"))


def _staging(folder: Path) -> list[Path]:
    return list(folder.glob(".staging-*")) if folder.exists() else []


KILL_POINTS = {
    "tijdens het laden": lambda out, maps: lambda: True,  # at once: while the data loads
    "tijdens het schrijven van de uitvoer": lambda out, maps: lambda: bool(_staging(out)),
    "tijdens het schrijven van de kaarten": lambda out, maps: lambda: bool(_staging(maps)),
}


def test_killed_runs_keep_the_previous_output(assen_output, raw_dir, tmp_path):
    out, maps = tmp_path / "output", tmp_path / "maps"
    # hard links (the runs replace files, never write into one), checked by conftest.py after the test
    linked_copy(assen_output, out)
    linked_copy(assen_output.parent / "maps", maps)
    before_out, before_maps = _checksums(out), _checksums(maps)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["bestanden"]) | {"manifest.json"} == set(before_out)
    killed = []
    for name, point in KILL_POINTS.items():
        proc = _start(raw_dir, out, maps)
        try:
            reached = _wait_for(point(out, maps), proc)
            if name == "tijdens het laden":
                time.sleep(1.5)
            if reached and proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
                killed.append(name)
        finally:
            proc.wait(timeout=120)
        # whatever point it reached, each folder holds one whole set: the previous one byte for
        # byte, or (for the output, once published before the maps step) the new one, exactly as
        # its manifest lists it; never a mix
        for folder, before in ((out, before_out), (maps, before_maps)):
            now = _checksums(folder)
            assert now == before or _matches_manifest(folder, now), (name, folder)
        if name != "tijdens het schrijven van de kaarten":
            assert _checksums(out) == before_out, name
        assert _checksums(maps) == before_maps, name
    print("onderbroken:", killed)
    assert len(killed) >= 2, killed  # at least loading and writing were really interrupted
    # the next run replaces the set and removes what the killed runs left behind
    log = tmp_path / "analyse.log"
    proc = _start(raw_dir, out, maps, log=log)
    assert proc.wait(timeout=300) == 0
    assert not _staging(out) and not _staging(maps)
    assert not (out / ".woonzorg.lock").exists()
    after = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(after["bestanden"]) == set(manifest["bestanden"])
    # that run drew its maps in a child process beside the writing (woonzorg_geo.core.beside), from
    # the analysis in memory: the same pages `kaarten` draws from the folder it wrote
    assert "kaarten: gestart in proces" in log.read_text(encoding="utf-8")
    again = tmp_path / "kaarten"
    assert main(["--stil", "kaarten", "--uit", str(out), "--kaarten", str(again), "--offline"]) == 0
    pages = sorted(p.name for p in maps.glob("*.html"))
    assert len(pages) == 12 and pages == sorted(p.name for p in again.glob("*.html"))
    for name in pages:
        assert _page(again / name) == _page(maps / name), name
