"""The lock on an output folder: one run writes into a folder at a time, on any host.

A run holds ``.woonzorg.lock`` in the output folder while it writes (:func:`output_lock`). The lock
is a :class:`filelock.FileLock`: an operating-system lock on that file, which the system releases
when the holding process ends however it ends, and which works for every host that shares the
folder (``regio`` on a remote Dask scheduler writing into a shared file system). No process id is
ever checked: a PID means nothing on another host, so a lock is never broken because its PID is not
running here.

Beside it, ``.woonzorg.lock.info`` (JSON) says who holds the lock: host, process id and since when
(UTC). A run that finds the folder locked names them in its refusal. The info of a process that was
killed stays behind, but without the lock it holds nothing: the next run takes the lock and writes
its own. The run removes both files when it is done, while it still holds the lock; a lock counts
only on the file that is at the lock's path (:func:`_acquire`), so two runs never hold two files of
the same name.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import filelock

from woonzorg_geo.core.errors import OutputLockedError

log = logging.getLogger(__name__)

#: The lock file in an output folder.
LOCK_NAME = ".woonzorg.lock"
#: Its companion: who holds the lock (JSON with ``host``, ``pid``, ``sinds``).
LOCK_INFO_NAME = ".woonzorg.lock.info"

#: Locks this process holds, by (process id, folder), with how deep they are nested (re-entrant).
_held: dict[tuple[int, str], int] = {}
_held_guard = threading.Lock()


@dataclass(frozen=True)
class LockHolder:
    """Who holds an output folder's lock, as its info file says.

    Parameters
    ----------
    host
        The host name of the holding process (:func:`socket.gethostname`).
    pid
        Its process id on that host.
    since
        When it took the lock (ISO 8601, UTC).
    """

    host: str
    pid: int
    since: str

    @classmethod
    def me(cls) -> LockHolder:
        """This process, now."""
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        return cls(host=socket.gethostname(), pid=os.getpid(), since=now.isoformat())

    def describe(self) -> str:
        """Dutch text for a message: ``host-a (PID 4711) sinds 2026-12-06 02:05:03 UTC``."""
        when = self.since
        with contextlib.suppress(ValueError):
            when = dt.datetime.fromisoformat(self.since).astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        return f"{self.host} (PID {self.pid}) sinds {when}"


def read_holder(target: str | Path) -> LockHolder | None:
    """The holder named in ``target``'s lock info, or None when there is none or it is unreadable.

    The info says who took the lock last; whether the lock is still held only the lock itself
    knows (a killed run leaves its info behind).
    """
    try:
        doc = json.loads((Path(target) / LOCK_INFO_NAME).read_text(encoding="utf-8"))
        return LockHolder(host=str(doc["host"]), pid=int(doc["pid"]), since=str(doc["sinds"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _write_holder(target: Path, holder: LockHolder) -> None:
    info = target / LOCK_INFO_NAME
    tmp = info.with_name(f"{info.name}.{holder.pid}.tmp")
    tmp.write_text(json.dumps({"host": holder.host, "pid": holder.pid, "sinds": holder.since}), encoding="utf-8")
    os.replace(tmp, info)


def _refusal(target: Path) -> OutputLockedError:
    holder = read_holder(target)
    who = holder.describe() if holder else "een ander proces"
    return OutputLockedError(
        f"{target}: deze map is in gebruik door {who}: er schrijft al een andere run in. Oplossing: wacht "
        "tot die klaar is, of kies een andere map met --out"
    )


def _acquire(target: Path, lock_path: Path) -> filelock.FileLock:
    """Take the lock on the file that is at ``lock_path`` now, or refuse at once.

    A run removes the lock file when it is done. A run that opened the file just before may then
    lock the removed file, which locks nothing: so the lock counts only when the file it holds is
    still the one at ``lock_path`` (same device and inode); else it is let go and taken again.
    """
    held: dict[str, tuple[int, int]] = {}

    def remember(fd: int) -> None:
        st = os.fstat(fd)
        held["file"] = (st.st_dev, st.st_ino)

    for _ in range(20):
        lock = filelock.FileLock(lock_path, timeout=0, thread_local=False, on_acquired=remember)
        try:
            lock.acquire()
        except filelock.Timeout:
            raise _refusal(target) from None
        try:
            st = os.stat(lock_path)
            if held.get("file") == (st.st_dev, st.st_ino):
                return lock
        except FileNotFoundError:
            pass
        lock.release()
    raise _refusal(target)  # pragma: no cover - the file changed hands twenty times in a row


@contextlib.contextmanager
def output_lock(target: str | Path) -> Iterator[Path]:
    """Hold ``target/.woonzorg.lock`` while a run writes into ``target``.

    A second run into the same folder, from this host or another, stops at once with a message
    naming the host and process that hold it. A lock whose process has ended is free again (the
    operating system released it). Re-entrant within one process.

    Raises
    ------
    OutputLockedError
        When another process holds the lock.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    lock_path = target / LOCK_NAME
    key = (os.getpid(), str(lock_path.resolve()))
    with _held_guard:
        nested = key in _held
        if nested:
            _held[key] += 1
    if nested:
        try:
            yield lock_path
        finally:
            with _held_guard:
                _held[key] -= 1
        return
    lock = _acquire(target, lock_path)
    with _held_guard:
        _held[key] = 1
    try:
        stale = read_holder(target)
        if stale is not None:
            log.debug("vergrendeling van %s overgenomen (die run is gestopt)", stale.describe())
        _write_holder(target, LockHolder.me())
        yield lock_path
    finally:
        with _held_guard:
            del _held[key]
        with contextlib.suppress(FileNotFoundError):
            (target / LOCK_INFO_NAME).unlink()
        with contextlib.suppress(FileNotFoundError):
            lock_path.unlink()  # while still held: a run that opened this file finds it gone (see _acquire)
        lock.release()


def remove_released_lock(target: str | Path) -> bool:
    """Remove the lock files a killed run left in ``target``, when no process holds the lock now.

    A run that is killed cannot remove its lock file and its info; the lock itself is free (the
    system released it). This takes the lock for a moment and removes both, so the folder is as the
    killed run found it. A lock held by a running process, on any host, is left alone.

    Returns
    -------
    bool
        True when left-over lock files were removed.
    """
    target = Path(target)
    lock_path = target / LOCK_NAME
    if not lock_path.exists() or (os.getpid(), str(lock_path.resolve())) in _held:
        return False
    try:
        lock = _acquire(target, lock_path)
    except OutputLockedError:
        return False
    try:
        holder = read_holder(target)
        with contextlib.suppress(FileNotFoundError):
            (target / LOCK_INFO_NAME).unlink()
        with contextlib.suppress(FileNotFoundError):
            lock_path.unlink()
    finally:
        lock.release()
    log.info(
        "vergrendeling van een gestopte run (%s) opgeruimd in %s",
        holder.describe() if holder else "onbekend proces",
        target,
    )
    return True
