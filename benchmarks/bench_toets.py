"""Benchmark: one toets and one watals after ``analyse``, against recomputing everything.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/bench_toets.py [--repeats 5]

Runs ``woonzorg-geo analyse`` once into a temporary folder (the store ``opslag/``), then times
each command as a user starts it (a new process: wall-clock time including Python's start-up and
imports, and its peak resident memory), ``--repeats`` times after one warm-up:

* ``toets_opslag``: ``toets --uit OUT`` (reuses the stored analysis);
* ``toets_volledig``: ``toets --uit LEEG`` (no store: loads the data and recomputes, as before);
* ``watals_opslag``: ``watals`` with one new supermarket, without the map (``--geen-kaart``);
* ``watals_opslag_kaart``: the same with the map;
* ``watals_volledig``: the same change with no store (recomputes the analysis first).

It also times the steps inside one process (after the imports): loading the store, the toets
itself, and ``what_if`` against :func:`compute_accessibility` with the changed voorzieningen for
every address (the full recomputation it replaces). Prints one JSON document and writes it to
``benchmarks/results/toets.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXE = [sys.executable, "-m", "woonzorg_geo.cli.main"]
ADDRESS = "Stationsstraat 44, Assen"
CHANGE = "supermarkt@6.5480,52.9930"


def _run(args: list[str]) -> tuple[float, float]:
    """Wall time (s) and peak RSS (MB) of one command in a new process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([*EXE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024.0


def _series(args: list[str], repeats: int) -> dict[str, Any]:
    _run(args)  # warm-up (file cache)
    runs = [_run(args) for _ in range(repeats)]
    walls = [w for w, _ in runs]
    return {
        "commando": "woonzorg-geo " + " ".join(args),
        "median_s": round(statistics.median(walls), 3),
        "min_s": round(min(walls), 3),
        "max_s": round(max(walls), 3),
        "piek_geheugen_mb": round(max(m for _, m in runs), 1),
        "herhalingen": repeats,
    }


def _in_process(out: Path, repeats: int) -> dict[str, Any]:
    import geopandas as gpd
    import pandas as pd

    from woonzorg_geo.core.settings_loader import load_settings
    from woonzorg_geo.network.accessibility import compute_accessibility
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.sources.datasets import resolve_paths
    from woonzorg_geo.toets import run_toets
    from woonzorg_geo.whatif.engine import Changes, parse_new, what_if

    s = load_settings()
    res: dict[str, list[float]] = {
        "opslag_laden_s": [],
        "toets_s": [],
        "watals_what_if_s": [],
        "volledige_herberekening_s": [],
    }
    for _ in range(repeats):
        t0 = time.perf_counter()
        a = load_analysis(out, s, paths=resolve_paths(s), profiles=[s.locaties.profiel], addresses=False)
        res["opslag_laden_s"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        run_toets(a, adres=ADDRESS, zorgtype="geclusterd_wonen", omvang=12)
        res["toets_s"].append(time.perf_counter() - t0)
    a = load_analysis(out, s, paths=None)
    ch = Changes(nieuw=(parse_new(CHANGE, categories=list(a.vocab.categories), geocode=None),))
    vz = a.inputs.voorzieningen
    n = ch.nieuw[0]
    vz2 = pd.concat(
        [
            vz,
            gpd.GeoDataFrame(
                {"categorie": [n.categorie]},
                geometry=gpd.points_from_xy([n.x], [n.y]),
                crs=vz.crs,
                index=pd.Index([n.id]),
            ),
        ]
    )
    acc = s.bereikbaarheid
    for _ in range(repeats):
        t0 = time.perf_counter()
        what_if(a, ch)
        res["watals_what_if_s"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for pg in a.graphs.values():
            compute_accessibility(
                pg,
                a.adressen,
                vz2,
                categories=acc.categories,
                radii_m=acc.count_radii_m,
                max_snap_m=acc.max_snap_m,
                composites=a.vocab.composites,
            )
        res["volledige_herberekening_s"].append(time.perf_counter() - t0)
    return {
        k: {"median_s": round(statistics.median(v), 4), "min_s": round(min(v), 4), "max_s": round(max(v), 4)}
        for k, v in res.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "toets.json"))
    args = parser.parse_args()
    doc: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_start": os.getloadavg(),
            "datum": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    }
    with tempfile.TemporaryDirectory() as tmp:
        out, empty, t = Path(tmp) / "output", Path(tmp) / "leeg", Path(tmp) / "t"
        t0 = time.perf_counter()
        subprocess.run(
            [*EXE, "--stil", "analyse", "--out", str(out), "--geen-kaarten"], check=True, stdout=subprocess.DEVNULL
        )
        doc["analyse_s"] = round(time.perf_counter() - t0, 2)
        toets = ["--stil", "toets", "--out", str(t), "--adres", ADDRESS, "--type", "geclusterd_wonen", "--omvang", "12"]
        watals = ["--stil", "watals", "--out", str(t / "wa"), "--nieuw", CHANGE, "--offline"]
        doc["commando"] = {
            "toets_opslag": _series([*toets, "--uit", str(out)], args.repeats),
            "toets_volledig": _series([*toets, "--uit", str(empty)], max(1, args.repeats // 2)),
            "watals_opslag": _series([*watals, "--uit", str(out), "--geen-kaart"], args.repeats),
            "watals_opslag_kaart": _series([*watals, "--uit", str(out)], args.repeats),
            "watals_volledig": _series([*watals, "--uit", str(empty), "--geen-kaart"], max(1, args.repeats // 2)),
        }
        doc["python_start_en_imports_s"] = _series_imports(args.repeats)
        doc["in_proces"] = _in_process(out, args.repeats)
    doc["machine"]["load_end"] = os.getloadavg()
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n", encoding="utf-8")


def _series_imports(repeats: int) -> dict[str, Any]:
    """What starting Python and importing the toets code costs by itself (the floor of a command)."""
    code = "import woonzorg_geo.toets, woonzorg_geo.run.store, woonzorg_geo.whatif.engine, pyarrow.parquet"
    walls = []
    for _ in range(repeats + 1):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        walls.append(time.perf_counter() - t0)
    return {"median_s": round(statistics.median(walls[1:]), 3)}


if __name__ == "__main__":
    main()
