"""Benchmark: ``toets --lijst`` with 10.000 initiatives spread over Assen, after ``analyse``.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/bench_lijst.py [--uit OUTPUT] [--rijen 10000] [--rapporten]

Uses the analysis kept in ``--uit`` (default: runs ``woonzorg-geo analyse --geen-kaarten`` into a
temporary folder first). Makes a list of ``--rijen`` initiatives from the store's OSM address points
inside the gemeente (seed 0, without repeats): half as ``"Straat huisnummer, Assen"`` (the street
is the nearest named OSM street, so some are not found or found elsewhere, as in a real list), half
as ``lon``/``lat`` of the point; the six types in turn, an omvang of 1–39. Then times
``woonzorg-geo toets --lijst`` as a user starts it (a new process): wall-clock time, CPU time
(user + system) and peak resident memory (``os.wait4``), and the load average before and after
(other processes on the machine inflate the wall time, not the CPU time). Reports the files written,
their number and size. With ``--rapporten`` it runs a second time with a report per row.

Prints one JSON document and writes it to ``benchmarks/results/lijst.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXE = [sys.executable, "-m", "woonzorg_geo.cli.main"]
TYPES = ("beschermd_wonen", "geclusterd_wonen", "ouderenzorg", "ggz", "vg", "jeugd")
REGISTER = ROOT / "examples" / "register_zorginitiatieven.csv"


def make_list(store: Path, path: Path, n: int, *, seed: int = 0) -> dict[str, int]:
    """Write a list of ``n`` initiatives at OSM address points of the gemeente; returns its make-up."""
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    from pyproj import Transformer

    adr = gpd.read_parquet(store / "osm_adressen.parquet")
    streets = gpd.read_parquet(store / "osm_lijnen.parquet", columns=["name", "geometry"])
    streets = streets[streets["name"].notna()]
    shape = gpd.read_parquet(store / "gemeente.parquet").union_all()
    adr = adr[adr.within(shape) & adr["housenumber"].astype(str).str.fullmatch(r"\d+")]
    rng = np.random.default_rng(seed)
    pick = adr.iloc[rng.choice(len(adr), n, replace=False)]
    names = streets["name"].to_numpy()[streets.sindex.nearest(pick.geometry, return_all=False)[1]]
    lon, lat = Transformer.from_crs(28992, 4326, always_xy=True).transform(
        pick.geometry.x.to_numpy(), pick.geometry.y.to_numpy()
    )
    numbers = pick["housenumber"].astype(str).to_numpy()
    rows = []
    for k in range(n):
        row = {"naam": f"Initiatief {k + 1}", "adres": "", "lon": "", "lat": "", "type": TYPES[k % 6]}
        row["omvang"] = int(rng.integers(1, 40))
        if k % 2 == 0:
            row["adres"] = f"{names[k]} {numbers[k]}, Assen"
        else:
            row["lon"], row["lat"] = f"{lon[k]:.6f}", f"{lat[k]:.6f}"
        rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)
    return {"rijen": n, "adressen": (n + 1) // 2, "punten": n // 2}


def _run(args: list[str]) -> dict[str, Any]:
    """Wall time, CPU time and peak memory of one command in a new process."""
    load = os.getloadavg()
    t0 = time.perf_counter()
    proc = subprocess.Popen([*EXE, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(args)} failed ({code}): {err}")
    return {
        "commando": "woonzorg-geo " + " ".join(args),
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "piek_geheugen_mb": round(usage.ru_maxrss / 1024.0, 1),
        "load_voor": [round(x, 2) for x in load],
        "load_na": [round(x, 2) for x in os.getloadavg()],
        "samenvatting": out.splitlines()[0] if out else "",
    }


def _files(folder: Path) -> dict[str, Any]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    biggest = {p.name: round(p.stat().st_size / 1e6, 2) for p in files if not p.name.startswith("toets_regel")}
    return {
        "aantal_bestanden": len(files),
        "totaal_mb": round(sum(p.stat().st_size for p in files) / 1e6, 2),
        "bestanden_mb": biggest,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--uit", help="uitvoermap van analyse met opslag/ (standaard: eerst analyse in een tijdelijke map)"
    )
    parser.add_argument("--rijen", type=int, default=10_000)
    parser.add_argument("--rapporten", action="store_true", help="ook een run met een rapport per rij")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "lijst.json"))
    args = parser.parse_args()
    doc: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "datum": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        uit = Path(args.uit) if args.uit else root / "output"
        if not args.uit:
            t0 = time.perf_counter()
            subprocess.run(
                [*EXE, "--stil", "analyse", "--out", str(uit), "--geen-kaarten"], check=True, stdout=subprocess.DEVNULL
            )
            doc["analyse_s"] = round(time.perf_counter() - t0, 2)
        lijst = root / f"lijst_{args.rijen}.csv"
        doc["lijst"] = make_list(uit / "opslag", lijst, args.rijen)
        base = ["--stil", "toets", "--uit", str(uit), "--offline", "--lijst", str(lijst), "--register", str(REGISTER)]
        runs = {"zonder_rapporten": [*base, "--out", str(root / "a")]}
        if args.rapporten:
            runs["met_rapporten"] = [*base, "--out", str(root / "b"), "--rapporten"]
        doc["runs"] = {}
        for name, cmd in runs.items():
            res = _run(cmd)
            res.update(_files(Path(cmd[cmd.index("--out") + 1]) / "toetsen"))
            res["per_rij_ms"] = round(1000 * res["wall_s"] / args.rijen, 2)
            doc["runs"][name] = res
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
