"""Benchmark: latency of the workbench's four endpoints with 1 and 8 clients, and the server's memory.

Run from the repository root with the project's virtual environment::

    .venv/bin/python benchmarks/bench_app.py [--uit OUT] [--requests 40]

Without ``--uit`` it runs ``woonzorg-geo analyse`` once into a temporary folder. It then starts
``woonzorg-geo app --uit OUT --geen-browser`` as a user does (its own process, on a free port) and
sends, per endpoint and per number of clients (1 and 8, each client a thread with its own HTTP
connection), ``--requests`` requests per client after one warm-up request per endpoint:

* ``indicator``: ``GET /api/indicator`` with an indicator, norm and profile drawn at random;
* ``toets``: ``GET /api/toets`` at a point inside a random buurt, random type and omvang;
* ``watals``: ``POST /api/watals`` closing a random supermarket or opening one in a random buurt;
* ``voorzieningen``: ``GET /api/voorzieningen?zoek=`` with a name with one letter dropped.

Latency is wall time per request as the client sees it (p50, p95, max, in seconds); the server's
memory is its resident set after start, at the end, and its peak (``VmHWM``), from ``/proc``.
Prints a table and one JSON document, written to ``benchmarks/results/app.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
EXE = [sys.executable, "-m", "woonzorg_geo.cli.main"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _memory_mb(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024.0, 1)
    return out


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))
    return ordered[k]


class Requests:
    """Random requests of each endpoint, from what the app itself answers (meta, buurten, voorzieningen)."""

    def __init__(self, client: httpx.Client, seed: int) -> None:
        from shapely.geometry import shape

        self.rng = random.Random(seed)
        self.meta = client.get("/api/meta").json()
        buurten = client.get("/api/lagen/buurten").json()["features"]
        self.points = [
            (p.x, p.y)
            for p in (shape(f["geometry"]).representative_point() for f in buurten if f["properties"]["n_woningen"])
        ]
        vz = client.get("/api/voorzieningen").json()["resultaten"]
        self.supermarkets = [v["id"] for v in vz if v["categorie"] == "supermarkt"]
        self.names = sorted({v["naam"] for v in vz if len(v["naam"]) > 5})
        m = self.meta["norm"]
        n = round((m["max"] - m["min"]) / m["stap"])
        self.norms = [m["min"] + k * m["stap"] for k in range(n + 1)]

    def indicator(self, c: httpx.Client) -> httpx.Response:
        params = {
            "naam": self.rng.choice(self.meta["indicatoren"])["naam"],
            "norm": self.rng.choice(self.norms),
            "profiel": self.rng.choice(self.meta["profielen"])["naam"],
        }
        return c.get("/api/indicator", params=params)

    def toets(self, c: httpx.Client) -> httpx.Response:
        lon, lat = self.rng.choice(self.points)
        kind = self.rng.choice(self.meta["typen"])
        size = self.rng.randint(1, min(30, kind["max_omvang"]))
        return c.get("/api/toets", params={"lon": lon, "lat": lat, "type": kind["naam"], "omvang": size})

    def watals(self, c: httpx.Client) -> httpx.Response:
        if self.rng.random() < 0.5:
            return c.post("/api/watals", json={"weg": [self.rng.choice(self.supermarkets)]})
        lon, lat = self.rng.choice(self.points)
        return c.post("/api/watals", json={"nieuw": [{"categorie": "supermarkt", "lon": lon, "lat": lat}]})

    def voorzieningen(self, c: httpx.Client) -> httpx.Response:
        name = self.rng.choice(self.names)
        k = self.rng.randrange(1, len(name) - 1)
        return c.get("/api/voorzieningen", params={"zoek": name[:k] + name[k + 1 :]})


ENDPOINTS = ("indicator", "toets", "watals", "voorzieningen")


def _measure(url: str, endpoint: str, clients: int, per_client: int) -> dict[str, Any]:
    times: list[float] = []
    codes: dict[int, int] = {}
    lock = threading.Lock()

    def work(seed: int) -> None:
        with httpx.Client(base_url=url, timeout=120) as c:
            req = Requests(c, seed)
            call = getattr(req, endpoint)
            call(c)  # warm-up: the connection and the server's first answer
            for _ in range(per_client):
                t0 = time.perf_counter()
                r = call(c)
                dt_s = time.perf_counter() - t0
                with lock:
                    times.append(dt_s)
                    codes[r.status_code] = codes.get(r.status_code, 0) + 1

    threads = [threading.Thread(target=work, args=(1000 * clients + k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {
        "clients": clients,
        "verzoeken": len(times),
        "p50_s": round(statistics.median(times), 4),
        "p95_s": round(_percentile(times, 0.95), 4),
        "max_s": round(max(times), 4),
        "verzoeken_per_s": round(len(times) / wall, 1),
        "statuscodes": {str(k): v for k, v in sorted(codes.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uit", help="output folder of an analyse (default: run one into a temporary folder)")
    parser.add_argument("--requests", type=int, default=40, help="requests per client per endpoint (default 40)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "app.json"))
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory(prefix="wz-bench-app-") as tmp:
        uit = args.uit
        if uit is None:
            uit = str(Path(tmp) / "uit")
            subprocess.run(
                [*EXE, "--stil", "analyse", "--out", uit, "--kaarten", str(Path(tmp) / "kaarten"), "--offline"],
                check=True,
                env=env,
                stdout=subprocess.DEVNULL,
            )
        port = _free_port()
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*EXE, "--stil", "app", "--uit", uit, "--poort", str(port), "--geen-browser"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            while True:
                try:
                    httpx.get(url + "/api/meta", timeout=2)
                    break
                except httpx.TransportError:
                    if proc.poll() is not None or time.perf_counter() - t0 > 300:
                        raise SystemExit(f"the app did not start: {proc.stderr.read().decode() if proc.stderr else ''}")
                    time.sleep(0.2)
            start_s = time.perf_counter() - t0
            memory_start = _memory_mb(proc.pid)
            load_start = os.getloadavg()
            results: dict[str, list[dict[str, Any]]] = {}
            for endpoint in ENDPOINTS:
                results[endpoint] = [_measure(url, endpoint, n, args.requests) for n in (1, 8)]
            memory_end = _memory_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(30)
    doc = {
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "load_start": [round(x, 2) for x in load_start],
            "load_end": [round(x, 2) for x in os.getloadavg()],
            "datum": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
        "start_s": round(start_s, 2),
        "geheugen_mb": {"na_start": memory_start.get("VmRSS"), "einde": memory_end.get("VmRSS")},
        "geheugen_piek_mb": memory_end.get("VmHWM"),
        "endpoints": results,
    }
    print(f"{'endpoint':<15}{'clients':>8}{'n':>6}{'p50 s':>9}{'p95 s':>9}{'max s':>9}{'req/s':>8}")
    for endpoint, rows in results.items():
        for row in rows:
            print(
                f"{endpoint:<15}{row['clients']:>8}{row['verzoeken']:>6}{row['p50_s']:>9.3f}{row['p95_s']:>9.3f}"
                f"{row['max_s']:>9.3f}{row['verzoeken_per_s']:>8.1f}  {row['statuscodes']}"
            )
    print(
        f"server: started in {doc['start_s']} s, RSS {doc['geheugen_mb']['na_start']} MB after start, "
        f"{doc['geheugen_mb']['einde']} MB at the end, peak {doc['geheugen_piek_mb']} MB"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
