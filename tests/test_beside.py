"""A job forked beside the run (woonzorg_geo.core.beside): the child's result, or the same job run here.

Each case runs in a new Python process: a pytest worker may run threads left by earlier tests (an
app server, a Dask client), and with threads running :class:`Beside` does not fork, by design.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from woonzorg_geo.core.beside import Beside

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork bestaat alleen op POSIX-systemen")

PRELUDE = """
import logging, os, signal, sys, time
from pathlib import Path
from woonzorg_geo.core.beside import Beside
logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="LOG %(message)s")
parent = os.getpid()
"""


def _run(code: str) -> str:
    """Run ``code`` after :data:`PRELUDE` in a new single-threaded Python; its standard output."""
    done = subprocess.run(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code)], check=False, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_job_runs_in_a_child_and_its_result_comes_back():
    out = _run("""
        job = Beside.start(lambda: ["kaart.html", os.getpid()], name="test")
        forked = job.forked
        names = job.result()
        print("forked", forked, names[0], names[1] != parent)
    """)
    assert "forked True kaart.html True" in out  # made in another process


def test_a_failing_child_is_redone_here_and_raises_the_jobs_own_error():
    out = _run("""
        def job():
            if os.getpid() != parent:
                raise MemoryError("in het kind")
            return os.getpid()
        started = Beside.start(job, name="test")
        print("forked", started.forked)
        print("here", started.result() == parent)
        def always():
            raise ValueError("de eigen fout van de taak")
        try:
            Beside.start(always, name="test").result()
        except ValueError as exc:
            print("raised", exc)
    """)
    assert "forked True" in out and "here True" in out
    assert "MemoryError: in het kind" in out  # logged: the child failed, the job was redone here
    assert "raised de eigen fout van de taak" in out


def test_a_child_killed_without_a_word_is_redone_here():
    out = _run("""
        def job():
            if os.getpid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            return os.getpid()
        print("here", Beside.start(job, name="test").result() == parent)
    """)
    assert "here True" in out and "stopte zonder resultaat" in out


def test_cancel_stops_the_child(tmp_path):
    mark = tmp_path / "klaar"
    out = _run(f"""
        def slow():
            time.sleep(3)
            Path({str(mark)!r}).write_text("te laat")
        job = Beside.start(slow, name="test")
        forked = job.forked
        t0 = time.monotonic()
        job.cancel()
        print("forked", forked, "cancelled in", round(time.monotonic() - t0, 1))
        time.sleep(3.5)
    """)
    assert "forked True cancelled in 0.0" in out or "forked True cancelled in 0.1" in out, out
    assert not mark.exists()


def test_the_child_dies_with_its_parent(tmp_path):
    mark = tmp_path / "klaar"
    pid_file = tmp_path / "kind"
    _run(f"""
        def slow():
            Path({str(pid_file)!r}).write_text(str(os.getpid()))
            time.sleep(3)
            Path({str(mark)!r}).write_text("te laat")
        job = Beside.start(slow, name="test")
        while not Path({str(pid_file)!r}).exists():
            time.sleep(0.01)
        os._exit(0)  # the parent ends (as if killed) while the child works
    """)
    child = int(pid_file.read_text())
    time.sleep(3.5)
    assert not mark.exists()
    status = Path(f"/proc/{child}/status")
    assert not status.exists() or "zombie" in status.read_text().lower()


def test_with_threads_running_the_job_runs_here():
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        job = Beside.start(os.getpid, name="test")
        assert not job.forked
        assert job.result() == os.getpid()
    finally:
        stop.set()
        other.join()
