"""Benchmark of a province run: all 12 gemeenten of Drenthe from raw tiles to ``regio.gpkg``.

Run from the repository root with the project's virtual environment::

    /path/to/venv/bin/python benchmarks/bench_regio.py [--skip-full] [--skip-one-worker] [--skip-accessibility]

Prints one JSON document and writes it to ``benchmarks/results/regio.json`` (git-ignored). See
``benchmarks/README.md`` for what every figure means.

Sections
--------
``runs``           ``woonzorg-geo regio`` as a subprocess, each with a cold tile cache: tables only
                   (``--geen-kaarten --geen-rasters``) on 2 and on 1 worker, and everything (maps and
                   rasters) on 2 workers; wall time and the peak memory of the whole process tree
``accessibility``  ``compute_accessibility`` alone (all addresses × all categories, profile standaard)
                   per gemeente, in one process, after the graph is built
``model``          a cost model fitted on the 2-worker tables run (seconds per 1,000 addresses and per
                   1,000 network nodes, per step; tile decoding per 1,000 tiles), checked against the
                   1- and 2-worker runs, and its projection for the 342 gemeenten of the Netherlands
"""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from scipy.optimize import nnls

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "regio.json"
#: Steps of a gemeente task (keys of ``tijden_s`` in regio.json), grouped for the model.
STEPS = {
    "laden": ("cbs", "osm", "voorzieningen"),
    "netwerk": ("netwerk",),
    "bereikbaarheid": ("bereikbaarheid_standaard", "bereikbaarheid_senior"),
    "aggregatie_overlays": ("aggregatie", "overlays"),
    "schrijven": ("schrijven",),
    "kaarten": ("kaarten",),
}


# ----------------------------------------------------------------------------- helpers


class TreeMemory:
    """Peak of the summed memory of a process and all its descendants (sampled).

    ``peak_mb`` sums each process's proportional set size (PSS: a page shared by n processes
    counts 1/n in each), so a child forked beside its parent (``analyse`` draws its maps in one,
    see ``woonzorg_geo.core.beside``) adds only the pages it changes, not a second copy of the
    parent's. ``peak_rss_mb`` sums the resident sizes (a shared page counted in every process).
    Reading a process's PSS makes the kernel walk its page tables while the process waits for
    its memory lock: sampled as often as the RSS (every 0.05 s) it slowed a province run from
    36 s to 43 s, so the PSS is read every ``pss_every`` seconds (0.5) and the RSS every
    ``interval``. Without PSS (not Linux) both are the RSS sum.
    """

    def __init__(self, pid: int, interval: float = 0.1, pss_every: float = 0.5) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.pss_every = max(1, round(pss_every / interval))
        self.peak_mb = 0.0
        self.peak_rss_mb = 0.0
        self.peak_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @staticmethod
    def _pss(p: psutil.Process) -> int:
        """The PSS of ``p`` in bytes from ``/proc/<pid>/smaps_rollup`` (one line; psutil parses all of smaps)."""
        try:
            with open(f"/proc/{p.pid}/smaps_rollup", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
        return int(p.memory_info().rss)

    def _run(self) -> None:
        tick = 0
        while not self._stop.is_set():
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            with_pss = tick % self.pss_every == 0
            total = rss = 0
            for p in procs:
                try:
                    rss += p.memory_info().rss
                    if with_pss:
                        total += self._pss(p)
                except psutil.NoSuchProcess:
                    continue
            self.peak_rss_mb = max(self.peak_rss_mb, rss / 2**20)
            if with_pss and total / 2**20 > self.peak_mb:
                self.peak_mb, self.peak_processes = total / 2**20, len(procs)
            tick += 1
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def machine() -> dict[str, Any]:
    return {
        "cpus": os.cpu_count(),
        "cpu": platform.processor() or platform.machine(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "loadavg_start": list(os.getloadavg()),
        "python": platform.python_version(),
        "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def run_regio(name: str, *, workers: int, tables_only: bool, keep: bool = False) -> dict[str, Any]:
    """One `woonzorg-geo regio` run with a cold tile cache; wall time, peak memory, regio.json."""
    tmp = Path(tempfile.mkdtemp(prefix=f"bench_regio_{name}_"))
    out = tmp / "uit"
    cmd = [
        sys.executable,
        "-m",
        "woonzorg_geo.cli.main",
        "--stil",
        "regio",
        "--provincie",
        "Drenthe",
        "--out",
        str(out),
        "--workers",
        str(workers),
        "--offline",
    ]
    if tables_only:
        cmd += ["--geen-kaarten", "--geen-rasters"]
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    # a new, empty tile cache: every tile is decoded (the default cache is the user's, shared with other runs)
    env = {**os.environ, "WOONZORG_TEGELCACHE": str(tmp / "tegelcache")}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    mem = TreeMemory(proc.pid)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    mem.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"regio {name} exited {proc.returncode}:\n{stderr[-3000:]}")
    doc = json.loads((out / "regio.json").read_text(encoding="utf-8"))
    result = {
        "command": " ".join(cmd[1:]),
        "workers": workers,
        "wall_s": round(wall, 2),
        "peak_memory_mb": round(mem.peak_mb, 1),
        "processes_at_peak": mem.peak_processes,
        "loadavg_before": list(load0),
        "loadavg_after": list(os.getloadavg()),
        "regio_json": doc,
        "table": stdout,
    }
    if keep:  # the tile cache is used by the accessibility section, then removed
        result["cache"] = str(tmp / "tegelcache")
        result["tmp"] = str(tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


# ----------------------------------------------------------------------------- accessibility alone


def accessibility_alone(cache: Path, repeats: int = 2) -> dict[str, Any]:
    """compute_accessibility for every address × every category, per gemeente, after the graph is built."""
    from woonzorg_geo.core.raw_data import find_raw_dir
    from woonzorg_geo.core.settings_loader import load_settings
    from woonzorg_geo.network.accessibility import compute_accessibility
    from woonzorg_geo.network.graph import build_network, profile_graph
    from woonzorg_geo.sources.catalogue import load_catalogue, resolve_gemeente
    from woonzorg_geo.sources.datasets import load_offline

    base = load_settings()
    raw = find_raw_dir(base)
    rows = {}
    for entry in load_catalogue().province("Drenthe"):
        s = resolve_gemeente(base, entry.code)
        inputs = load_offline(s, raw_dir=raw, tile_cache=cache)
        net = build_network(inputs.osm.lines, settings=s.netwerk)
        pg = profile_graph(net, s.profile("standaard"))
        pg.sample_tree  # noqa: B018 - built once, as in a run, before timing
        shape = inputs.gemeente.union_all()
        origins = inputs.osm.addresses.loc[inputs.osm.addresses.within(shape)]
        a = s.bereikbaarheid
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            compute_accessibility(
                pg,
                origins,
                inputs.voorzieningen,
                categories=a.categories,
                radii_m=a.count_radii_m,
                max_snap_m=a.max_snap_m,
            )
            times.append(time.perf_counter() - t0)
        rows[entry.naam] = {"adressen": len(origins), "knopen": int(net.n_nodes), "min_s": round(min(times), 3)}
    total = sum(r["min_s"] for r in rows.values())
    return {
        "per_gemeente": rows,
        "adressen": sum(r["adressen"] for r in rows.values()),
        "categorieen": len(base.bereikbaarheid.categories) + 1,  # + the composite 'ov'
        "totaal_serieel_s": round(total, 3),
        "totaal_op_2_workers_s": round(lpt_makespan([r["min_s"] for r in rows.values()], 2), 3),
    }


# ----------------------------------------------------------------------------- the cost model


def lpt_makespan(times: list[float], workers: int) -> float:
    """Finish time of tasks handed out largest first to the first free worker (as the run does)."""
    load = [0.0] * max(1, workers)
    heapq.heapify(load)
    for t in sorted(times, reverse=True):
        heapq.heappush(load, heapq.heappop(load) + t)
    return max(load)


def step_times(task: dict[str, Any]) -> dict[str, float]:
    """Processor seconds per step of a task: its wall time per step × the task's processor/wall ratio.

    On a shared machine a task waits for a core now and then; its wall times grow, its processor
    time does not. The ratio takes the waiting out of every step alike.
    """
    t = task["tijden_s"]
    out = {step: sum(t.get(k, 0.0) for k in keys) for step, keys in STEPS.items()}
    out["overig"] = max(0.0, task["tijd_s"] - sum(out.values()))
    ratio = min(1.0, task["cpu_s"] / task["tijd_s"]) if task.get("tijd_s") else 1.0
    return {k: v * ratio for k, v in out.items()}


def fit_model(run: dict[str, Any]) -> dict[str, Any]:
    """Per step: processor seconds = a·(addresses/1000) + b·(nodes/1000) + c, by non-negative least squares.

    The prediction of a run on N workers assumes a free processor core per worker.
    """
    tasks = [t for t in run["regio_json"]["gemeenten"] if t["status"] == "ok"]
    A = np.array([t["adressen"] / 1000 for t in tasks])
    N = np.array([t["knopen"] / 1000 for t in tasks])
    X = np.column_stack([A, N, np.ones_like(A)])
    steps = {}
    per_task = [step_times(t) for t in tasks]
    for step in [*STEPS, "overig"]:
        y = np.array([p[step] for p in per_task])
        if not y.any():
            continue
        coef, _ = nnls(X, y)
        pred = X @ coef
        steps[step] = {
            "s_per_1000_adressen": round(float(coef[0]), 4),
            "s_per_1000_knopen": round(float(coef[1]), 4),
            "s_per_gemeente": round(float(coef[2]), 4),
            "r2": round(float(1 - ((y - pred) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-12)), 3),
            "totaal_gemeten_s": round(float(y.sum()), 2),
        }
    tiles = run["regio_json"]["tiles"]
    mem = np.array([t["piek_geheugen_mb"] for t in tasks])
    mcoef, _ = nnls(X, mem)
    timings = run["regio_json"]["tijden_s"]
    fixed = run["wall_s"] - timings["tiles_decoderen"] - timings["gemeenten"]
    return {
        "stappen": steps,
        "tiles": {
            "s_per_1000_tiles": round(1000 * tiles["cpu_s"] / max(tiles["gedecodeerd"], 1), 2),
            "gedecodeerd": tiles["gedecodeerd"],
        },
        "cpu_s_taken": round(sum(t["cpu_s"] for t in tasks), 1),
        "wand_s_taken": round(sum(t["tijd_s"] for t in tasks), 1),
        "vast_per_run_s": round(fixed, 2),
        "geheugen_worker_mb": {
            "per_1000_adressen": round(float(mcoef[0]), 2),
            "per_1000_knopen": round(float(mcoef[1]), 2),
            "basis": round(float(mcoef[2]), 1),
        },
    }


def task_seconds(model: dict[str, Any], adressen: float, knopen: float) -> float:
    return sum(
        s["s_per_1000_adressen"] * adressen / 1000 + s["s_per_1000_knopen"] * knopen / 1000 + s["s_per_gemeente"]
        for s in model["stappen"].values()
    )


def predict_run(
    model: dict[str, Any], tasks: list[tuple[float, float]], n_tiles: int, workers: int, share: float = 1.0
) -> float:
    """Wall time of a run on ``workers`` workers that each get ``share`` of a processor core."""
    decode = model["tiles"]["s_per_1000_tiles"] * n_tiles / 1000
    return (
        model["vast_per_run_s"]
        + decode / (workers * share)
        + lpt_makespan([task_seconds(model, a, n) / share for a, n in tasks], workers)
    )


def netherlands(model: dict[str, Any], run: dict[str, Any], workers_list: list[int]) -> dict[str, Any]:
    """Projection for every gemeente of the Netherlands from the CBS kerncijfers 2024."""
    from woonzorg_geo.core.raw_data import find_raw_dir
    from woonzorg_geo.core.settings_loader import load_settings

    raw = find_raw_dir(load_settings())
    kern = json.loads((raw / "cbs_kerncijfers_2024_wikigen" / "stripped_filtered_data_2024.json").read_text("utf-8"))
    gm = {k: v for k, v in kern.items() if k.startswith("GM")}
    tasks = [t for t in run["regio_json"]["gemeenten"] if t["status"] == "ok"]
    code = {t["code"]: t for t in tasks}
    # addresses per CBS dwelling and network nodes from addresses and land area, fitted on Drenthe
    ratio = float(np.median([code[c]["adressen"] / gm[c]["Woningvoorraad_35"] for c in code]))
    X = np.array([[code[c]["adressen"] / 1000, gm[c]["OppervlakteLand_123"] / 1000] for c in code])
    y = np.array([code[c]["knopen"] / 1000 for c in code])
    kcoef, _ = nnls(X, y)
    drenthe_area = sum(gm[c]["OppervlakteTotaal_122"] for c in code)
    nl_area = sum(v["OppervlakteTotaal_122"] for v in gm.values() if v.get("OppervlakteTotaal_122"))
    n_tiles = int(run["regio_json"]["tiles"]["nodig"] * nl_area / drenthe_area)
    nl = []
    for c, v in gm.items():
        dw = v.get("Woningvoorraad_35") or 0
        land = v.get("OppervlakteLand_123") or 0
        a = dw * ratio
        nl.append((c, a, 1000 * (kcoef[0] * a / 1000 + kcoef[1] * land / 1000)))
    big = max(nl, key=lambda r: r[1])
    mem = model["geheugen_worker_mb"]
    out = {
        "gemeenten": len(nl),
        "adressen": int(sum(r[1] for r in nl)),
        "knopen": int(sum(r[2] for r in nl)),
        "tiles": n_tiles,
        "aanname_adressen_per_woning": round(ratio, 3),
        "aanname_knopen": {"per_adres": round(float(kcoef[0]), 3), "per_ha_land": round(float(kcoef[1]), 3)},
        "grootste_gemeente": {
            "code": big[0],
            "adressen": int(big[1]),
            "knopen": int(big[2]),
            "taak_s": round(task_seconds(model, big[1], big[2]), 1),
            "geheugen_worker_mb": round(
                mem["basis"] + mem["per_1000_adressen"] * big[1] / 1000 + mem["per_1000_knopen"] * big[2] / 1000, 0
            ),
        },
        "cpu_s_totaal": round(
            sum(task_seconds(model, a, n) for _, a, n in nl) + model["tiles"]["s_per_1000_tiles"] * n_tiles / 1000, 0
        ),
    }
    out["wall_s_per_workers"] = {
        str(w): round(predict_run(model, [(a, n) for _, a, n in nl], n_tiles, w), 0) for w in workers_list
    }
    return out


# ----------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-full", action="store_true", help="leave out the run with maps and rasters")
    ap.add_argument("--skip-one-worker", action="store_true", help="leave out the 1-worker run (model check)")
    ap.add_argument("--skip-accessibility", action="store_true", help="leave out the accessibility section")
    ap.add_argument("--out", type=Path, default=RESULTS, help="JSON path (default benchmarks/results/regio.json)")
    ap.add_argument(
        "--model-from", type=Path, metavar="JSON", help="no runs: refit the model on the runs of an earlier result file"
    )
    args = ap.parse_args()

    if args.model_from:
        doc = json.loads(args.model_from.read_text(encoding="utf-8"))
        tables2 = doc["runs"]["tabellen_2_workers"]
    else:
        doc = {"machine": machine(), "runs": {}}
        tables2 = run_regio("tabellen_2w", workers=2, tables_only=True, keep=True)
        doc["runs"]["tabellen_2_workers"] = tables2
        if not args.skip_one_worker:
            doc["runs"]["tabellen_1_worker"] = run_regio("tabellen_1w", workers=1, tables_only=True)
        if not args.skip_full:
            doc["runs"]["alles_2_workers"] = run_regio("alles_2w", workers=2, tables_only=False)
        if not args.skip_accessibility:
            doc["accessibility"] = accessibility_alone(Path(tables2["cache"]))

    model = fit_model(tables2)
    tasks = [(t["adressen"], t["knopen"]) for t in tables2["regio_json"]["gemeenten"] if t["status"] == "ok"]
    n_tiles = tables2["regio_json"]["tiles"]["nodig"]
    check = {}
    for key, run in doc["runs"].items():
        if key.startswith("tabellen"):
            w = run["workers"]
            busy = run["regio_json"]["gemeenten"]
            # processor time of the tasks ÷ their wall time: < 1 where a worker waited for a core
            share = sum(t["cpu_s"] for t in busy) / sum(t["tijd_s"] for t in busy)
            check[key] = {
                "gemeten_s": run["wall_s"],
                "voorspeld_s": round(predict_run(model, tasks, n_tiles, w), 1),
                "cpu_per_wand_taken": round(share, 3),
                "voorspeld_met_dat_aandeel_s": round(predict_run(model, tasks, n_tiles, w, share=share), 1),
                "loadavg_voor_na": [round(run["loadavg_before"][0], 2), round(run["loadavg_after"][0], 2)],
            }
    model["controle"] = check
    model["nederland"] = netherlands(model, tables2, [1, 2, 4, 8, 16, 32, 64])
    doc["model"] = model
    gem = tables2["regio_json"]["gemeenten"]
    doc["goals"] = {
        "tables_le_90s_2_workers": tables2["wall_s"] <= 90,
        "peak_memory_le_4GB": tables2["peak_memory_mb"] <= 4096,
        "all_12_ok": all(t["status"] == "ok" for t in gem) and len(gem) == 12,
        "accessibility_le_5s_serial": doc.get("accessibility", {}).get("totaal_serieel_s", 1e9) <= 5,
        "accessibility_le_5s_2_workers": doc.get("accessibility", {}).get("totaal_op_2_workers_s", 1e9) <= 5,
    }
    if not args.model_from:
        doc["machine"]["loadavg_end"] = list(os.getloadavg())
        shutil.rmtree(tables2.pop("tmp"), ignore_errors=True)
        tables2.pop("cache", None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
