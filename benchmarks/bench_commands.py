"""Benchmark of every command as a user starts it: wall time and peak memory, cold and warm tile cache.

Run from the repository root with the project's virtual environment::

    /path/to/venv/bin/python benchmarks/bench_commands.py [--repeat 5] [--only analyse,locaties] [--repeat-regio 3]

Each command runs as a new process (``python -m woonzorg_geo.cli.main --stil ...``), ``--repeat`` times,
and the median is reported: wall time and CPU time (user + system, of the process and its children). Peak memory is the peak of the summed resident memory of the process and
all its descendants (Dask workers included), sampled every 0.05 s (see ``bench_regio.TreeMemory``).

Cold and warm refer to the decoded-tile cache (``WOONZORG_TEGELCACHE``, see
``woonzorg_geo.sources.tile_cache``): a cold run gets a new, empty cache folder, so every tile it
reads is decoded; a warm run gets a folder that a run of the same command filled before. Commands
that read the analysis store and no tiles (``toets``, ``watals``, ``figuren``) are timed warm only.

Writes a markdown table ready for the README to ``benchmarks/results/commands.md`` and every run to
``benchmarks/results/commands.json`` (both git-ignored), and prints the table, with the machine's CPU
count and load (``os.getloadavg()``) before and after: on a shared machine the load inflates every time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench_regio import TreeMemory

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "commands.md"
#: issue 21's targets (warm tile cache, median of 5, a quiet 2-core machine), by scenario
TARGETS = {
    "analyse_alles": "≤ 9 s",
    "analyse_tabellen": "≤ 6 s, cold ≤ 8 s, ≤ 450 MB",
    "locaties": "≤ 5 s",
    "figuren": "≤ 12 s",
    "regio_tabellen": "≤ 40 s",
    "regio_alles": "≤ 90 s",
}
EXE = [sys.executable, "-m", "woonzorg_geo.cli.main", "--stil"]
ADDRESS = "Stationsstraat 44, Assen"
CHANGE = "supermarkt@6.5480,52.9930"


@dataclass
class Scenario:
    """One command line; ``prepare(rep_dir)`` returns the arguments for one repetition."""

    name: str
    label: str
    prepare: Callable[[Path], list[str]]
    cold: bool = True
    repeats: int | None = None
    runs: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict)
    loads: dict[str, list[float]] = field(default_factory=dict)
    worker_peaks: list[dict[str, float]] = field(default_factory=list)


def worker_peaks(regio_json: Path) -> dict[str, float]:
    """Per gemeente of a regio run, the peak memory (MB) of its task on its worker (``piek_geheugen_mb``)."""
    doc = json.loads(regio_json.read_text(encoding="utf-8"))
    return {t["naam"]: float(t.get("piek_geheugen_mb") or 0) for t in doc.get("gemeenten", [])}


def run_once(args: list[str], *, cache: Path) -> tuple[float, float, float]:
    """Wall time (s), peak tree memory (MB) and CPU time (s, user + system) of one command.

    The CPU time is that of the process and every descendant it waited for (``RUSAGE_CHILDREN``):
    unlike the wall time, it hardly grows when other work shares the machine.
    """
    env = {**os.environ, "WOONZORG_TEGELCACHE": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen([*EXE, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    mem = TreeMemory(proc.pid, interval=0.05)
    _, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    mem.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"woonzorg-geo {' '.join(args)} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, mem.peak_mb, cpu


def scenarios(work: Path, *, regio_args: list[str]) -> list[Scenario]:
    """The commands, each preparing a folder of its own per repetition (the analysis they start from copied)."""
    base = work / "analyse"  # one analysis with its rasters (figuren reads them), made once

    def copy_base(rep: Path) -> Path:
        target = rep / "uit"
        shutil.copytree(base, target)
        return target

    def locaties(rep: Path) -> list[str]:
        uit = copy_base(rep)
        return ["locaties", "--uit", str(uit), "--out", str(uit), "--kaarten", str(rep / "kaarten"), "--offline"]

    return [
        Scenario(
            "analyse_alles",
            "`analyse` (Assen, all outputs)",
            lambda rep: ["analyse", "--out", str(rep / "uit"), "--kaarten", str(rep / "kaarten"), "--offline"],
        ),
        Scenario(
            "analyse_tabellen",
            "`analyse --geen-kaarten --geen-rasters`",
            lambda rep: ["analyse", "--geen-kaarten", "--geen-rasters", "--out", str(rep / "uit")],
        ),
        Scenario("locaties", "`locaties` after `analyse`", locaties),
        Scenario(
            "figuren",
            "`figuren` after `analyse`",
            lambda rep: ["figuren", "--uit", str(copy_base(rep)), "--figuren", str(rep / "figuren")],
            cold=False,
        ),
        Scenario(
            "toets",
            "`toets` (store)",
            lambda rep: [
                *("toets", "--uit", str(base), "--out", str(rep / "t"), "--adres", ADDRESS),
                *("--type", "geclusterd_wonen", "--omvang", "12"),
            ],
            cold=False,
        ),
        Scenario(
            "watals",
            "`watals --nieuw … --geen-kaart` (store)",
            lambda rep: ["watals", "--uit", str(base), "--out", str(rep / "w"), "--nieuw", CHANGE, "--geen-kaart"],
            cold=False,
        ),
        Scenario(
            "regio_tabellen",
            "`regio " + " ".join([*regio_args, "--geen-kaarten", "--geen-rasters"]) + "`",
            lambda rep: ["regio", *regio_args, "--geen-kaarten", "--geen-rasters", "--out", str(rep / "regio")],
        ),
        Scenario(
            "regio_alles",
            "`regio " + " ".join(regio_args) + "` (all outputs)",
            lambda rep: ["regio", *regio_args, "--out", str(rep / "regio"), "--offline"],
        ),
    ]


def choose(all_scenarios: list[Scenario], only: str) -> list[Scenario]:
    """The scenarios ``only`` names (comma-separated; a name or its first part: ``analyse`` is both analyses)."""
    wanted = [n.strip() for n in only.split(",") if n.strip()]
    if not wanted:
        return all_scenarios
    names = {s.name for s in all_scenarios}
    unknown = [w for w in wanted if w not in names and not any(n.split("_")[0] == w for n in names)]
    if unknown:
        raise SystemExit(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(sorted(names))}")
    return [s for s in all_scenarios if s.name in wanted or s.name.split("_")[0] in wanted]


def median_cell(runs: list[tuple[float, float, float]]) -> tuple[str, str, str]:
    if not runs:
        return "–", "–", "–"
    walls = [w for w, _, _ in runs]
    spread = f" ({min(walls):.1f}–{max(walls):.1f})" if len(walls) > 1 else ""
    return (
        f"{statistics.median(walls):.1f} s{spread}",
        f"{statistics.median(c for _, _, c in runs):.1f} s",
        f"{statistics.median(m for _, m, _ in runs):.0f} MB",
    )


def table(chosen: list[Scenario], meta: dict[str, str]) -> str:
    lines = [
        (
            f"Measured {meta['date']} on {meta['machine']}; load average {meta['load_before']} before, "
            f"{meta['load_after']} after (1, 5, 15 min; {meta['cpus']} CPUs); median (min–max) of the runs, "
            f"n = {meta['n']}."
        ),
        "",
        "| command | warm cache: wall | CPU | peak memory | cold cache: wall | CPU | peak memory | target (warm) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for s in chosen:
        warm = median_cell(s.runs.get("warm", []))
        cold = median_cell(s.runs.get("cold", [])) if s.cold else ("(no tiles read)", "", "")
        lines.append(f"| {s.label} | {' | '.join(warm)} | {' | '.join(cold)} | {TARGETS.get(s.name, '')} |")
    for s in chosen:
        if s.worker_peaks:
            peaks = s.worker_peaks[-1]
            top = sorted(peaks.items(), key=lambda kv: -kv[1])[:3]
            lines.append(
                "\nPeak memory per regio worker task (last run): largest "
                + ", ".join(f"{naam} {mb:.0f} MB" for naam, mb in top)
                + f"; median {statistics.median(peaks.values()):.0f} MB over {len(peaks)} gemeenten."
            )
    return "\n".join(lines) + "\n"


def as_json(chosen: list[Scenario], meta: dict[str, str]) -> dict[str, object]:
    """Every run of every scenario (wall s, CPU s, peak MB, 1-minute load before it) and their medians."""
    scenarios_doc: dict[str, object] = {}
    for s in chosen:
        states = {}
        for state, runs in s.runs.items():
            states[state] = {
                "runs": [
                    {"wall_s": round(w, 3), "cpu_s": round(c, 3), "peak_mb": round(m, 1), "load_1min": load}
                    for (w, m, c), load in zip(runs, s.loads.get(state, []), strict=False)
                ],
                "median": {
                    "wall_s": round(statistics.median(w for w, _, _ in runs), 3),
                    "cpu_s": round(statistics.median(c for _, _, c in runs), 3),
                    "peak_mb": round(statistics.median(m for _, m, _ in runs), 1),
                },
            }
        entry: dict[str, object] = {"label": s.label, "target_warm": TARGETS.get(s.name), **states}
        if s.worker_peaks:
            entry["worker_peak_mb"] = s.worker_peaks
        scenarios_doc[s.name] = entry
    return {"meta": meta, "scenarios": scenarios_doc}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--repeat", "--n", dest="repeat", type=int, default=5, help="runs per command and cache state (default 5)"
    )
    parser.add_argument(
        "--repeat-regio",
        "--n-regio",
        dest="repeat_regio",
        type=int,
        default=None,
        help="runs of regio (default: --repeat)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated scenarios, or their first part (analyse, regio); default: all of "
        "analyse_alles, analyse_tabellen, locaties, figuren, toets, watals, regio_tabellen, regio_alles",
    )
    parser.add_argument("--skip-cold", action="store_true", help="only warm-cache runs")
    parser.add_argument(
        "--regio",
        default="--provincie Drenthe --workers 2",
        help="arguments of both regio runs; the tables-only one adds --geen-kaarten --geen-rasters "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS, help="markdown file; the JSON beside it (default: %(default)s)"
    )
    args = parser.parse_args()
    if args.repeat < 1 or (args.repeat_regio is not None and args.repeat_regio < 1):
        parser.error("--repeat and --repeat-regio must be at least 1")

    work = Path(tempfile.mkdtemp(prefix="bench_commands_"))
    try:
        chosen = choose(scenarios(work, regio_args=args.regio.split()), args.only)
        for s in chosen:
            s.repeats = args.repeat_regio if (s.name.startswith("regio") and args.repeat_regio) else args.repeat
        load_before = os.getloadavg()
        warm_cache = work / "tegelcache_warm"
        # the analysis the other commands start from (this fills the warm cache with the analysis' tiles)
        subprocess.run(
            [*EXE, "analyse", "--geen-kaarten", "--out", str(work / "analyse")],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "WOONZORG_TEGELCACHE": str(warm_cache)},
        )
        for s in chosen:
            states = ["warm"] if (args.skip_cold or not s.cold) else ["cold", "warm"]
            for state in states:
                if state == "warm":  # one unmeasured run fills the cache with what this command reads
                    rep = Path(tempfile.mkdtemp(prefix=f"{s.name}_fill_", dir=work))
                    run_once(s.prepare(rep), cache=warm_cache)
                    shutil.rmtree(rep, ignore_errors=True)
                for i in range(s.repeats or args.repeat):
                    rep = Path(tempfile.mkdtemp(prefix=f"{s.name}_{state}_{i}_", dir=work))
                    cache = warm_cache if state == "warm" else rep / "tegelcache_koud"
                    load = os.getloadavg()[0]
                    wall, peak, cpu = run_once(s.prepare(rep), cache=cache)
                    s.runs.setdefault(state, []).append((wall, peak, cpu))
                    s.loads.setdefault(state, []).append(round(load, 2))
                    print(
                        f"{s.name} {state} {i + 1}: {wall:.2f} s, CPU {cpu:.2f} s, {peak:.0f} MB (load {load:.2f})",
                        file=sys.stderr,
                    )
                    if s.name.startswith("regio"):  # the peak memory of each gemeente task, as its worker measured it
                        s.worker_peaks.append(worker_peaks(rep / "regio" / "regio.json"))
                    shutil.rmtree(rep, ignore_errors=True)
        meta = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}",
            "cpus": str(os.cpu_count()),
            "load_before": " ".join(f"{x:.2f}" for x in load_before),
            "load_after": " ".join(f"{x:.2f}" for x in os.getloadavg()),
            "n": str(args.repeat) + (f" (regio {args.repeat_regio})" if args.repeat_regio else ""),
        }
        text = table(chosen, meta)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        args.out.with_suffix(".json").write_text(
            json.dumps(as_json(chosen, meta), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        print(text)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
