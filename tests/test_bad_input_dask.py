"""`regio` on Dask: bad choices refused before any work, and every wait bounded (issue 18, part 3).

A port where something other than a Dask scheduler listens is refused within ``[regio]
verbinden_s``; a worker killed with its nanny mid-run ends the run within ``[regio]
zonder_workers_s`` (or at once, when the scheduler gives the task up: ``KilledWorker``), exit 3,
naming the gemeenten that did not finish, with no lock or staging folder left and the earlier
regional output byte for byte as it was.
"""

from __future__ import annotations

import http.server
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from badinput import assert_refused, snapshot

from woonzorg_geo.cli.main import main
from woonzorg_geo.core.config import RegioSettings

distributed = pytest.importorskip("distributed")

SRC = Path(__file__).resolve().parents[1] / "src"
#: the bound of every connection in these tests ([regio] verbinden_s), small to keep them fast
CONNECT_S = 1.0
#: the scheduler's HTTP server (health, metrics) on a free port, not on 8787 that another cluster may hold
QUIET = {"dashboard_address": "127.0.0.1:0"}


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}


def _settings_file(folder: Path, **regio: object) -> Path:
    path = folder / "instellingen.toml"
    path.write_text("[regio]\n" + "".join(f"{k} = {v!r}\n" for k, v in regio.items()), encoding="utf-8")
    return path


def _earlier_regio_output(out: Path) -> dict[str, str]:
    """``out`` holding an earlier run's regional files for Assen and Meppel (written by the package); its snapshot."""
    import geopandas as gpd

    from woonzorg_geo import RD_NEW
    from woonzorg_geo.run.regio_output import write_regio
    from woonzorg_geo.run.regional import RegioResult

    tasks = [
        {"code": code, "naam": naam, "status": "fout", "reden": "eerdere run", "map": naam.lower()}
        for code, naam in (("GM0106", "Assen"), ("GM0119", "Meppel"))
    ]
    empty = gpd.GeoDataFrame({"naam": []}, geometry=[], crs=RD_NEW)
    write_regio(RegioResult(name="Drenthe", gemeenten=empty, wijken=empty, tasks=tasks), out, norm_m=800, maps=False)
    assert (out / "regio.csv").is_file() and (out / "manifest.json").is_file()
    return snapshot(out)


def _leftovers(folder: Path) -> list[str]:
    """Locks and staging folders anywhere below ``folder``."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.name == ".woonzorg.lock" or p.name.startswith(".staging-")
    )


# ----------------------------------------------------------------------------- refused before any work

REFUSED = {
    'lege --gemeenten ""': (["--gemeenten", ""], ["--gemeenten ''", "noemt geen gemeente", "Oplossing"]),
    "--gemeenten met alleen een komma": (["--gemeenten", ","], ["--gemeenten ','", "noemt geen gemeente"]),
    "--gemeenten met komma en spaties": (["--gemeenten", " , "], ["--gemeenten ' , '", "GM0106,GM0114"]),
    "onbekende gemeente": (["--gemeenten", "Meppel,Atlantis"], ["'Atlantis' staat niet in de catalogus"]),
    'lege --provincie ""': (["--provincie", ""], ["--provincie is leeg", "--provincie Drenthe"]),
    "--workers 0": (["--gemeenten", "Meppel", "--workers", "0"], ["--workers moet minstens 1"]),
    "--workers negatief": (["--gemeenten", "Meppel", "--workers", "-2"], ["--workers moet minstens 1", "-2"]),
    "--workers bij --scheduler": (
        ["--gemeenten", "Meppel", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"],
        ["--workers geldt voor het lokale cluster", "Oplossing: laat --workers of --scheduler weg"],
    ),
    "scheduler zonder host en poort": (
        ["--gemeenten", "Meppel", "--scheduler", "tcp://"],
        ["--scheduler 'tcp://'", "niet van de vorm tcp://HOST:PORT", "tcp://127.0.0.1:8786"],
    ),
    "scheduler met http:// zonder poort": (
        ["--gemeenten", "Meppel", "--scheduler", "http://x"],
        ["--scheduler 'http://x'", "niet van de vorm", "Oplossing"],
    ),
    "scheduler met http://": (
        ["--gemeenten", "Meppel", "--scheduler", "http://x:8786"],
        ["het protocol http:// is geen Dask-verbinding", "tcp://HOST:PORT"],
    ),
    "scheduler-poort te groot": (
        ["--gemeenten", "Meppel", "--scheduler", "tcp://127.0.0.1:70000"],
        ["poort 70000 ligt niet tussen 1 en 65535"],
    ),
    "scheduler-poort 0": (
        ["--gemeenten", "Meppel", "--scheduler", "tcp://127.0.0.1:0"],
        ["poort 0 ligt niet tussen 1 en 65535"],
    ),
    "lege --scheduler": (["--gemeenten", "Meppel", "--scheduler", ""], ["--scheduler '': leeg", "tcp://HOST:PORT"]),
    "scheduler zonder poort": (
        ["--gemeenten", "Meppel", "--scheduler", "127.0.0.1"],
        ["--scheduler '127.0.0.1'", "niet van de vorm tcp://HOST:PORT"],
    ),
}


@pytest.mark.parametrize(("argv", "needles"), list(REFUSED.values()), ids=list(REFUSED))
def test_regio_choices_are_refused_before_any_work(tmp_path, capsys, argv, needles):
    out = tmp_path / "uit"
    before = _earlier_regio_output(out)
    cache = tmp_path / "cache"
    code = main(["--stil", "regio", *argv, "--out", str(out), "--tegelcache", str(cache), "--geen-kaarten"])
    err = capsys.readouterr().err
    assert_refused(code, err, needles=needles, before=before, after=snapshot(out), one_line=True)
    assert not cache.exists() and not _leftovers(out)


BAD_SETTINGS = {
    "verbinden_s 0": ({"verbinden_s": 0.0}, "regio.verbinden_s"),
    "herstarts negatief": ({"herstarts": -1}, "regio.herstarts"),
    "zonder_workers_s negatief": ({"zonder_workers_s": -5.0}, "regio.zonder_workers_s"),
    "stilstand_s 0": ({"stilstand_s": 0.0}, "regio.stilstand_s"),
}


@pytest.mark.parametrize(("regio", "field"), list(BAD_SETTINGS.values()), ids=list(BAD_SETTINGS))
def test_bounds_that_are_no_bounds_are_refused(tmp_path, capsys, regio, field):
    out = tmp_path / "uit"
    before = _earlier_regio_output(out)
    toml = _settings_file(tmp_path, **regio)
    code = main(["--stil", "--instellingen", str(toml), "regio", "--gemeenten", "Meppel", "--out", str(out)])
    err = capsys.readouterr().err
    assert_refused(code, err, needles=[str(toml), field, "Oplossing"], before=before, after=snapshot(out))


# ----------------------------------------------------------------------------- something else at the port


def _tcp_server(handle: Callable[[socket.socket], None]) -> Iterator[str]:
    srv = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def run() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{srv.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        srv.close()


def _silent(conn: socket.socket) -> None:
    """Accepts and says nothing (reads what comes, until the other side goes)."""
    with conn:
        while conn.recv(65536):
            pass


def _closes(conn: socket.socket) -> None:
    conn.close()


def _answers_http(conn: socket.socket) -> None:
    with conn:
        conn.sendall(b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<h1>400</h1>\r\n")


@pytest.fixture()
def web_server() -> Iterator[str]:
    """``python3 -m http.server`` on 127.0.0.1 (it waits for a request line that never comes)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    srv.daemon_threads = True
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"tcp://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.shutdown()
        srv.server_close()


@pytest.fixture()
def closed_port() -> str:
    s = socket.create_server(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"tcp://127.0.0.1:{port}"


@pytest.fixture(scope="module")
def in_process_cluster():
    """A scheduler and one worker in this process (threads): cheap, for the worker's address and bounds."""
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
        scheduler_kwargs=QUIET,
    )
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(params=["webserver", "zwijgt", "verbreekt", "antwoordt HTTP", "gesloten poort", "een worker"])
def not_a_scheduler(request, tmp_path) -> Iterator[tuple[str, list[str]]]:
    not_dask = ["geen Dask-scheduler", "Oplossing: geef het adres van de Dask-scheduler zelf", "8786"]
    kind = request.param
    if kind == "webserver":
        yield request.getfixturevalue("web_server"), ["geen antwoord op de Dask-handdruk binnen 1 s", *not_dask]
    elif kind == "zwijgt":
        yield from (
            (a, ["geen antwoord op de Dask-handdruk binnen 1 s", "verbinden_s", *not_dask])
            for a in _tcp_server(_silent)
        )
    elif kind == "verbreekt":
        yield from ((a, ["meteen verbreekt", *not_dask]) for a in _tcp_server(_closes))
    elif kind == "antwoordt HTTP":
        yield from ((a, ["geen Dask-handdruk", *not_dask]) for a in _tcp_server(_answers_http))
    elif kind == "gesloten poort":
        yield request.getfixturevalue("closed_port"), ["geen Dask-scheduler bereikbaar binnen 1 s", "dask scheduler"]
    else:
        cluster = request.getfixturevalue("in_process_cluster")
        worker = next(iter(cluster.scheduler.workers))
        yield worker, ["dat is een Dask-worker, geen scheduler", cluster.scheduler_address]


def test_a_port_that_is_no_dask_scheduler_is_refused_within_the_bound(not_a_scheduler, tmp_path, capsys):
    address, needles = not_a_scheduler
    out = tmp_path / "uit"
    before = _earlier_regio_output(out)
    toml = _settings_file(tmp_path, verbinden_s=CONNECT_S)
    t0 = time.monotonic()
    code = main(
        ["--stil", "--instellingen", str(toml), "regio", "--gemeenten", "Meppel", "--out", str(out)]
        + ["--scheduler", address, "--geen-kaarten"]
    )
    took = time.monotonic() - t0
    err = capsys.readouterr().err
    assert_refused(code, err, needles=[f"--scheduler {address}", *needles], before=before, after=snapshot(out))
    assert took < CONNECT_S + 3.0, f"{took:.1f} s"
    assert not _leftovers(out) and not (out / ".tegelcache").exists()


# ----------------------------------------------------------------------------- the bounds themselves


def _sleep(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def test_a_run_in_which_nothing_finishes_ends_after_stilstand_s(in_process_cluster):
    from woonzorg_geo.run.cluster import NotFinishedError, bounded_results

    with distributed.Client(in_process_cluster) as client:
        futures = [client.submit(_sleep, 0.05, pure=False), client.submit(_sleep, 3.0, pure=False)]
        t0 = time.monotonic()
        got = list(bounded_results(client, futures, settings=RegioSettings(stilstand_s=1.0), poll_s=0.2))
        took = time.monotonic() - t0
    assert [r for _, r, e in got if e is None] == [0.05]
    (_, _, exc), *_ = (g for g in got if g[2] is not None)
    assert isinstance(exc, NotFinishedError) and not exc.workers_gone
    assert "in 1 s kwam geen enkele taak klaar ([regio] stilstand_s)" in str(exc)
    assert 1.0 <= took < 2.5, took  # not the 3 s of the task


def test_a_cluster_without_workers_ends_after_zonder_workers_s():
    from woonzorg_geo.run.cluster import NotFinishedError, bounded_results

    with (
        distributed.LocalCluster(
            n_workers=0, processes=False, dashboard_address=None, scheduler_kwargs=QUIET
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        futures = [client.submit(_sleep, 0.0, pure=False)]
        t0 = time.monotonic()
        got = list(bounded_results(client, futures, settings=RegioSettings(zonder_workers_s=0.5), poll_s=0.1))
        took = time.monotonic() - t0
    [(_, result, exc)] = got
    assert result is None and isinstance(exc, NotFinishedError) and exc.workers_gone
    assert "al 0.5 s geen workers" in str(exc) and "zonder_workers_s" in str(exc)
    assert took < 2.0, took


# ----------------------------------------------------------------------------- a worker killed mid-run


@pytest.fixture(scope="module")
def tile_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tegelcache")


def _wait_for(pred: Callable[[], bool], proc: subprocess.Popen, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if pred():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("allowed_failures", "when", "reason"),
    [
        # Dask's default: the task waits for another worker, which never comes; killed while the
        # gemeente's folder is written, so its staging folder and lock are there to be cleaned up
        (3, "schrijven", "het Dask-cluster heeft al 3 s geen workers"),
        # the scheduler gives a task up when its worker dies (KilledWorker); killed as it starts
        (0, "rekenen", "de worker ging tijdens de taak verloren"),
    ],
    ids=["wacht op een worker", "KilledWorker"],
)
def test_a_worker_killed_with_its_nanny_mid_run_ends_the_run_within_the_bound(
    raw_dir, tile_cache, tmp_path, allowed_failures, when, reason
):
    out = tmp_path / "uit"
    before = _earlier_regio_output(out)
    toml = _settings_file(tmp_path, verbinden_s=5.0, zonder_workers_s=3.0)
    with distributed.LocalCluster(
        n_workers=0,
        processes=True,
        host="127.0.0.1",
        scheduler_port=0,
        dashboard_address=None,
        scheduler_kwargs={**QUIET, "allowed_failures": allowed_failures},
    ) as cluster:
        address = cluster.scheduler_address
        # `dask worker` with its nanny, in a process group of its own: one signal kills both
        worker = subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1", "--no-dashboard"]
            + ["--local-directory", str(tmp_path / "dask")],
            env=_env(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        run = None
        client = distributed.Client(cluster)
        try:
            client.wait_for_workers(1, timeout=60)

            def started() -> bool:
                if when == "schrijven":
                    return bool(list(out.glob("*/.staging-*")))
                return any(str(k).startswith("gemeente-") for keys in client.processing().values() for k in keys)

            run = subprocess.Popen(
                [sys.executable, "-m", "woonzorg_geo.cli.main", "--stil", "--data", str(raw_dir)]
                + ["--instellingen", str(toml), "regio", "--gemeenten", "Assen,Meppel", "--out", str(out)]
                + ["--scheduler", address, "--geen-kaarten", "--geen-rasters", "--profiel", "standaard"]
                + ["--tegelcache", str(tile_cache)],
                env=_env(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert _wait_for(started, run, timeout=180), f"the gemeente task never reached {when}"
            os.killpg(worker.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            _, err = run.communicate(timeout=60)
            took = time.monotonic() - killed_at
        finally:
            client.close()
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=30)
            if run is not None and run.poll() is None:
                run.kill()
                run.wait()
    assert run.returncode == 3, err
    assert took < 3.0 + 10.0, f"{took:.1f} s after the kill"
    assert "Traceback" not in err and "Onverwachte fout" not in err
    assert "2 van de 2 gemeenten mislukt" in err and "niet afgerond: Assen (GM0106), Meppel (GM0119)" in err
    assert "Geen regiobestanden geschreven" in err
    assert reason in err
    # no lock or staging left (the killed worker's included), the earlier output byte for byte
    assert not _leftovers(out), _leftovers(out)
    assert snapshot(out) == before


def test_on_the_local_cluster_a_lost_worker_is_restarted_herstarts_times_then_reported():
    """The local cluster's scheduler gives a task up after ``[regio] herstarts`` lost workers (KilledWorker)."""
    from distributed import KilledWorker

    from woonzorg_geo.run.cluster import bounded_results, connect, task_failure

    client, cluster = connect(None, workers=1, herstarts=0)
    try:
        assert cluster.scheduler.allowed_failures == 0
        fut = client.submit(_sleep, 30.0, pure=False)
        assert _wait_for_processing(client)
        [pid] = client.run(os.getpid).values()
        os.kill(pid, signal.SIGKILL)  # the worker; its nanny (in this process) starts a new one
        t0 = time.monotonic()
        [(done, result, exc)] = list(bounded_results(client, [fut], settings=RegioSettings(), poll_s=0.2))
        took = time.monotonic() - t0
    finally:
        client.close()
        cluster.close()
    assert done is fut and result is None and isinstance(exc, KilledWorker), exc
    assert took < 10.0, took  # not the 30 s of the task
    reason = task_failure(exc, herstarts=0)
    assert "de worker ging tijdens de taak verloren" in reason and "ook na 0 herstart(s) ([regio] herstarts)" in reason


def _wait_for_processing(client, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(client.processing().values()):
            return True
        time.sleep(0.05)
    return False
