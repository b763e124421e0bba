"""One job in a forked child process beside the run, on another core.

A 2-core machine runs ``analyse`` on one core: the writing (GeoPackage, CSVs, workbook, store,
GeoTIFFs) and the maps are each a few seconds of Python that holds the GIL, so threads do not
overlap them (see :mod:`woonzorg_geo.outputs.writing`). A child made by ``fork`` starts with the
analysis already in its memory (nothing is pickled or copied) and draws the maps on the other core
(:func:`woonzorg_geo.run.driver.run_gemeente`); with a cold tile cache, children decode part of the
tiles into the cache while the parent decodes the rest (:func:`woonzorg_geo.sources.osm_tiles.read_tiles`).

The child is only a faster way to the same result: when it cannot be started (no ``fork``, or the
process already runs threads, where forking is unsafe) the job runs in the calling process, and
when the child fails in any way its job is run again in the calling process, which then raises
the job's own error (the same as without the child). The child dies with its parent (a killed run
leaves no child writing into a staging folder) and never touches what the parent writes.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

#: ``prctl`` option: the signal a child gets when its parent dies (Linux).
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux); exit if it already has."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent kills the child when it fails itself
        pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's ``malloc_trim``) before a fork.

    The child starts with the parent's pages; what is free in the heap need not be carried into
    it (measured on ``analyse --geen-kaarten --geen-rasters``: about 7 MB off the peak of both, in
    a few milliseconds; a garbage collection first took 0.06–0.09 s and saved nothing more).
    """
    try:
        import ctypes

        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _child(job: Callable[[], object], send: Connection, parent: int) -> None:
    _die_with_parent(parent)
    try:
        result = job()
    except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent, which redoes the job
        send.send(("fout", f"{type(exc).__name__}: {exc}"))
        raise SystemExit(1) from None
    send.send(("klaar", result))


class Beside(Generic[T]):
    """A job started in a forked child (:meth:`start`); :meth:`result` waits for it.

    Use as ``job = Beside.start(fn)``, then the caller's own work, then ``job.result()``; on an
    error in the caller's own work, :meth:`cancel`. The result travels back pickled, so keep it
    small (file names, not frames).
    """

    def __init__(
        self, job: Callable[[], T], process: multiprocessing.process.BaseProcess | None, recv: Connection | None
    ):
        self._job = job
        self._process = process
        self._recv = recv

    @classmethod
    def start(cls, job: Callable[[], T], *, name: str) -> Beside[T]:
        """Start ``job`` in a forked child; in this process (at :meth:`result`) where forking is not safe."""
        if not hasattr(os, "fork") or threading.active_count() > 1:
            log.debug("%s: geen apart proces (fork niet beschikbaar of er lopen threads); hierna in dit proces", name)
            return cls(job, None, None)
        ctx = multiprocessing.get_context("fork")
        recv, send = ctx.Pipe(duplex=False)
        process = ctx.Process(target=_child, args=(job, send, os.getpid()), name=name, daemon=True)
        _release_free_memory()
        # the objects made so far are left out of the child's garbage collections: a collection
        # touches every object it tracks, which would copy the parent's pages into the child
        gc.freeze()
        try:
            process.start()
        finally:
            gc.unfreeze()  # here; the child keeps them frozen
        send.close()
        log.debug("%s: gestart in proces %s", name, process.pid)
        return cls(job, process, recv)

    @property
    def forked(self) -> bool:
        """Whether the job runs in a child process."""
        return self._process is not None

    def result(self) -> T:
        """The job's result: the child's, or, when there is no child or it failed, the job run here."""
        if self._process is None or self._recv is None:
            return self._job()
        try:
            status, value = self._recv.recv()
        except (EOFError, OSError):  # the child died without a word (killed, out of memory)
            status, value = "fout", "het proces stopte zonder resultaat"
        finally:
            self._recv.close()
        self._process.join()
        name, code = self._process.name, self._process.exitcode
        self._process = None
        if status == "klaar" and code == 0:
            return value  # type: ignore[no-any-return]
        log.info("%s in een apart proces mislukt (%s, code %s); opnieuw in dit proces", name, value, code)
        return self._job()

    def cancel(self) -> None:
        """Stop the child (the caller failed: its result is not wanted) and wait for it."""
        if self._process is not None:
            self._process.kill()
            self._process.join()
            self._process = None
        if self._recv is not None:
            self._recv.close()
            self._recv = None
