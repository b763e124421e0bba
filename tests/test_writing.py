"""Writing on threads: every job finishes before an error is raised, and the writers' warnings stay the task's."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from woonzorg_geo.outputs.writing import run_parallel
from woonzorg_geo.run.cluster import captured_warnings


def test_every_job_finishes_before_the_first_error_is_raised():
    done: list[str] = []

    def fails() -> None:
        raise OSError("schijf vol")

    def slow() -> str:
        time.sleep(0.2)
        done.append("slow")
        return "klaar"

    with pytest.raises(OSError, match="schijf vol"):
        run_parallel([fails, slow], threads=2)
    assert done == ["slow"]  # the staging folder is removed only after every writer stopped
    assert run_parallel([lambda: 1, lambda: 2, lambda: 3], threads=2) == [1, 2, 3]
    assert run_parallel([lambda: 1, lambda: 2]) == [1, 2]  # the default: one after the other


def test_a_writer_threads_warning_is_reported_with_its_task():
    log = logging.getLogger("woonzorg_geo.test_writing")
    threads: set[int] = set()

    def warn() -> None:
        threads.add(threading.get_ident())
        log.warning("stijl ontbreekt")

    with captured_warnings() as lines:
        run_parallel([warn, lambda: None], threads=2)
    assert threads and threading.get_ident() not in threads  # it ran on another thread
    assert lines == ["stijl ontbreekt"]
    # a warning of an unrelated thread is not the task's
    with captured_warnings() as lines:
        other = threading.Thread(target=lambda: log.warning("iets anders"))
        other.start()
        other.join()
    assert lines == []
