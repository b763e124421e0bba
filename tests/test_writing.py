"""Writers side by side (outputs.writing.run_beside): both groups written, an error stops the other, warnings stay the task's."""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path

import pytest

from woonzorg_geo.outputs.writing import run_beside
from woonzorg_geo.run.cluster import captured_warnings


def _writer(path: Path, *, wait: float = 0.0):
    def write() -> None:
        time.sleep(wait)
        path.write_text(str(os.getpid()), encoding="utf-8")

    return write


def test_both_groups_are_written_the_one_beside_in_a_child_where_it_can(tmp_path):
    alone = threading.active_count() == 1
    run_beside([_writer(tmp_path / "a.csv"), _writer(tmp_path / "b.xlsx")], [_writer(tmp_path / "c.gpkg")])
    pids = {name: int((tmp_path / name).read_text()) for name in ("a.csv", "b.xlsx", "c.gpkg")}
    assert pids["c.gpkg"] == os.getpid()
    assert pids["a.csv"] == pids["b.xlsx"]  # one child for the group, one after the other
    if alone:  # forked: on the other core
        assert pids["a.csv"] != os.getpid()
    else:  # threads run in this test process: the group ran here
        assert pids["a.csv"] == os.getpid()


def test_an_error_here_stops_the_writers_beside_before_it_is_raised(tmp_path):
    def fails() -> None:
        raise OSError("schijf vol")

    with pytest.raises(OSError, match="schijf vol"):
        run_beside([_writer(tmp_path / "laat.csv", wait=1.0)], [fails])
    time.sleep(1.5)
    # nothing is still writing into the staging folder when it is removed
    assert not (tmp_path / "laat.csv").exists()


def test_an_error_beside_is_raised_as_its_own(tmp_path):
    def fails() -> None:
        raise ValueError("kolom ontbreekt")

    with pytest.raises(ValueError, match="kolom ontbreekt"):
        run_beside([fails], [_writer(tmp_path / "c.gpkg")])
    assert (tmp_path / "c.gpkg").exists()


def test_in_a_regio_task_the_writers_warning_is_reported_with_its_task():
    """A Dask worker runs threads: no child is forked there, so the task's log handler sees its writers."""
    log = logging.getLogger("woonzorg_geo.test_writing")
    stop = threading.Event()
    worker_thread = threading.Thread(target=stop.wait, daemon=True)  # as a Dask worker's other threads
    worker_thread.start()
    try:
        with captured_warnings() as lines:
            run_beside([lambda: log.warning("stijl ontbreekt")], [lambda: None])
        assert lines == ["stijl ontbreekt"]
        # a warning of an unrelated thread is not the task's
        with captured_warnings() as lines:
            other = threading.Thread(target=lambda: log.warning("iets anders"))
            other.start()
            other.join()
        assert lines == []
    finally:
        stop.set()
        worker_thread.join()
