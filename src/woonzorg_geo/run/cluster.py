"""The Dask side of ``regio``: the scheduler's address checked, a client connected, every wait bounded.

:func:`connect` gives a client to an existing scheduler (checked first, within a bound, by
:func:`verify_scheduler`) or to a local cluster; :func:`bounded_results` yields the futures of a
run as they end, and ends those still waiting when the cluster has no workers or makes no
progress for too long (:class:`NotFinishedError`); :func:`task_failure` says in Dutch why a task
ended without its result; :class:`ClusterJobs` runs a function on the cluster while this process
goes on (the region's own files, once the gemeenten are done), and :func:`captured_warnings`
collects a task's warnings to report them. The tasks themselves are in :mod:`woonzorg_geo.run.regio`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from typing import Any, TypedDict, TypeVar, cast

from woonzorg_geo.core.config import RegioSettings
from woonzorg_geo.core.errors import SourceUnavailableError, WoonzorgError

log = logging.getLogger(__name__)


SCHEDULER_RE = re.compile(
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+):(?P<port>\d+)$"
)
_SCHEDULER_FIX = (
    "Oplossing: geef het adres van de scheduler als tcp://HOST:PORT, bijv. tcp://127.0.0.1:8786 (dask scheduler "
    "meldt het als 'Scheduler at:'), of laat --scheduler weg voor een lokaal cluster"
)


def check_scheduler_address(address: str) -> str:
    """The scheduler address ``address`` as ``tcp://HOST:PORT`` (``tls://`` kept), or a refusal.

    Only the form is checked (nothing is contacted): a scheme Dask's TCP connections speak
    (``tcp``, ``tls``; none means ``tcp``), a host and a port from 1 to 65535.

    Raises
    ------
    WoonzorgError
        Naming the option, what is wrong and the fix.
    """
    m = SCHEDULER_RE.match(address.strip())
    if m is None:
        problem = "leeg" if not address.strip() else "niet van de vorm tcp://HOST:PORT"
    elif (m["scheme"] or "tcp").lower() not in ("tcp", "tls"):
        problem = f"het protocol {m['scheme']}:// is geen Dask-verbinding (wel tcp:// of tls://)"
    elif not 1 <= int(m["port"]) <= 65535:
        problem = f"poort {m['port']} ligt niet tussen 1 en 65535"
    else:
        return f"{(m['scheme'] or 'tcp').lower()}://{m['host']}:{int(m['port'])}"
    raise WoonzorgError(f"--scheduler {address!r}: {problem}. {_SCHEDULER_FIX}")


class SchedulerIdentity(TypedDict, total=False):
    """What a Dask process says it is (the keys of its ``identity`` answer this package reads).

    ``type`` is ``Scheduler``, ``Worker`` or ``Nanny``; a worker names its ``scheduler``; a
    scheduler its number of workers, ``n_workers``.
    """

    type: str
    id: str
    address: str
    scheduler: str
    n_workers: int


async def _identity(address: str, timeout: float) -> SchedulerIdentity:
    """The identity of whatever Dask process listens at ``address``, all within ``timeout`` (+ 0,5) s."""
    import asyncio

    from distributed.comm.core import connect as dask_connect

    async def ask() -> Any:
        # distributed's connect() retries the TCP connection for ``timeout`` s, but then waits for
        # the handshake without a bound (dask/distributed#8071): the wait_for around all of it bounds
        # that; its half second more lets a closed port end as connect()'s own OSError
        comm = await dask_connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    reply = await asyncio.wait_for(ask(), timeout + 0.5)
    if not isinstance(reply, dict):
        raise TypeError(f"antwoord {type(reply).__name__}")
    return cast("SchedulerIdentity", reply)  # the answer as Dask gives it; only these keys are read


_T = TypeVar("_T")


def _run_async(coro: Coroutine[Any, Any, _T]) -> _T:
    import asyncio

    return asyncio.run(coro)


def verify_scheduler(address: str, *, timeout: float = 15.0) -> SchedulerIdentity:
    """Check within ``timeout`` seconds that a Dask scheduler answers at ``address``.

    The Dask handshake and the scheduler's ``identity`` are asked with a bound, so a port where
    something else listens (a web server, a Dask dashboard) is refused instead of waited on for ever.

    Returns
    -------
    dict
        The scheduler's identity (:class:`SchedulerIdentity`: ``type``, ``address``, ``n_workers``, ...).

    Raises
    ------
    SourceUnavailableError
        Nothing reachable at ``address``, something that is not a Dask scheduler, or a Dask worker.
    """
    from concurrent.futures import ThreadPoolExecutor

    from distributed.comm.core import CommClosedError

    t = f"{timeout:g}"
    where = f"--scheduler {address}"
    not_dask = (
        "Oplossing: geef het adres van de Dask-scheduler zelf (dask scheduler meldt het als 'Scheduler at: "
        "tcp://HOST:PORT', standaard poort 8786), niet dat van het dashboard (8787) of een andere dienst"
    )
    # asyncio.run in a thread of its own: callers may already run an event loop (Jupyter)
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            ident = pool.submit(_run_async, _identity(address, timeout)).result()
        except TimeoutError:  # before OSError, its base class: connected, but no Dask answer
            raise SourceUnavailableError(
                f"{where}: daar luistert iets, maar geen Dask-scheduler: geen antwoord op de Dask-handdruk binnen {t} s "
                f"([regio] verbinden_s). {not_dask}"
            ) from None
        except CommClosedError as exc:
            raise SourceUnavailableError(
                f"{where}: daar luistert iets dat de Dask-verbinding meteen verbreekt ({exc}); geen Dask-scheduler. "
                f"{not_dask}"
            ) from None
        except OSError as exc:
            raise SourceUnavailableError(
                f"{where}: geen Dask-scheduler bereikbaar binnen {t} s ({exc}). Oplossing: start er een (dask "
                "scheduler) en geef het adres als tcp://HOST:PORT, of laat --scheduler weg voor een lokaal cluster"
            ) from None
        except Exception as exc:  # noqa: BLE001 - any garbage in reply to the handshake
            raise SourceUnavailableError(
                f"{where}: het antwoord is geen Dask-handdruk ({type(exc).__name__}); geen Dask-scheduler. {not_dask}"
            ) from None
    kind = ident.get("type")
    if kind in ("Worker", "Nanny"):
        raise SourceUnavailableError(
            f"{where}: dat is een Dask-{kind.lower()}, geen scheduler. Oplossing: geef het adres van de scheduler"
            + (f" ({ident['scheduler']})" if ident.get("scheduler") else "")
        )
    if kind != "Scheduler":
        raise SourceUnavailableError(f"{where}: dat is geen Dask-scheduler (antwoord van type {kind!r}). {not_dask}")
    return ident


def connect(
    scheduler: str | None = None, *, workers: int = 0, timeout: float | str = 15.0, herstarts: int = 1
) -> tuple[Any, Any]:
    """A Dask client: to ``scheduler`` (``tcp://HOST:PORT``), else to a new local cluster.

    An existing scheduler is first checked to be one, within ``timeout`` (see
    :func:`verify_scheduler`). The local cluster has ``workers`` processes (0: one per processor
    core) of one thread each, and its scheduler starts a task whose worker was lost at most
    ``herstarts`` times again (its ``allowed_failures``; then the task fails with
    ``KilledWorker``). Returns ``(client, cluster)``; ``cluster`` is ``None`` for an existing
    scheduler.

    Raises
    ------
    SourceUnavailableError
        When no Dask scheduler answers at ``scheduler`` within ``timeout``.
    """
    from dask.utils import parse_timedelta
    from distributed import Client, LocalCluster

    seconds = float(parse_timedelta(timeout, default="seconds") or 0.0)
    if scheduler:
        address = check_scheduler_address(scheduler)
        ident = verify_scheduler(address, timeout=seconds)
        if not ident.get("n_workers", 1):
            log.warning("de scheduler %s heeft (nog) geen workers; de taken wachten daarop", address)
        try:
            return Client(address, timeout=seconds), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise SourceUnavailableError(
                f"--scheduler {scheduler}: geen Dask-scheduler bereikbaar ({exc}). Oplossing: start er een "
                "(dask scheduler) en geef het adres als tcp://HOST:PORT, of laat --scheduler weg voor een lokaal cluster"
            ) from None
    n = workers or os.cpu_count() or 1
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
        scheduler_kwargs={"allowed_failures": herstarts},
    )
    return Client(cluster), cluster


class _TaskLog(logging.Handler):
    """Collects the package's warnings of the current thread (a task), to report them."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.thread = threading.get_ident()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # the task's own thread (its writers run in it too: a worker runs threads, so
        # writing.run_beside forks no child there)
        if record.thread == self.thread:
            self.lines.append(record.getMessage())


@contextlib.contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """The package's warnings logged in the block by this thread (a task's, to report)."""
    handler = _TaskLog()
    logger = logging.getLogger("woonzorg_geo")
    logger.addHandler(handler)
    try:
        yield handler.lines
    finally:
        logger.removeHandler(handler)


class NotFinishedError(WoonzorgError, TimeoutError):
    """A task of a run that did not finish within the run's bounds (see :func:`bounded_results`).

    ``workers_gone``: the bound reached was a cluster without workers (so no worker still runs it).
    """

    def __init__(self, message: str, *, workers_gone: bool = False) -> None:
        super().__init__(message)
        self.workers_gone = workers_gone


def _n_workers(client: Any) -> int:
    """The number of workers the scheduler has now (0 when it cannot be asked)."""
    try:
        return int(client.scheduler_info(n_workers=0).get("n_workers", 0))
    except (OSError, TimeoutError, RuntimeError):  # the scheduler gone, the client closed
        return 0


def bounded_results(
    client: Any, futures: Sequence[Any], *, settings: RegioSettings, poll_s: float = 1.0
) -> Iterator[tuple[Any, Any, BaseException | None]]:
    """Yield ``(future, result, error)`` for every future as it ends, each wait bounded.

    A future ends with its result (``error`` None), or with the error it raised: a task whose
    worker was lost more often than the scheduler allows (``allowed_failures``, see
    :func:`connect`) ends with distributed's ``KilledWorker``. The wait for the next one is bounded
    twice: when the cluster has had no worker for ``settings.zonder_workers_s`` seconds, or no
    future has ended for ``settings.stilstand_s`` seconds, every future still waiting is
    cancelled and ends with a :class:`NotFinishedError` saying which bound was reached.
    """
    from concurrent.futures import CancelledError

    from distributed import wait

    pending = list(futures)
    last = time.monotonic()
    no_workers_since: float | None = None
    while pending:
        with contextlib.suppress(TimeoutError, CancelledError):
            wait(pending, timeout=poll_s, return_when="FIRST_COMPLETED")
        now = time.monotonic()
        done = [f for f in pending if f.done()]
        if done:
            last, no_workers_since = now, None
            pending = [f for f in pending if not f.done()]
            for fut in done:
                try:
                    yield fut, fut.result(), None
                except Exception as exc:  # noqa: BLE001 - the task's error, KilledWorker or a cancellation
                    yield fut, None, exc
            continue
        reason, gone = None, False
        if _n_workers(client):
            no_workers_since = None
        else:
            no_workers_since = now if no_workers_since is None else no_workers_since
            if now - no_workers_since >= settings.zonder_workers_s:
                gone = True
                reason = (
                    f"niet afgerond: het Dask-cluster heeft al {settings.zonder_workers_s:g} s geen workers "
                    "(gestopt of verloren; [regio] zonder_workers_s). Oplossing: start workers (dask worker "
                    "ADRES-VAN-DE-SCHEDULER) of laat --scheduler weg, en draai opnieuw"
                )
        if reason is None and now - last >= settings.stilstand_s:
            reason = (
                f"niet afgerond: in {settings.stilstand_s:g} s kwam geen enkele taak klaar ([regio] stilstand_s). "
                "Oplossing: kijk op het dashboard van de scheduler of een worker vastloopt, of verhoog "
                "stilstand_s als een gemeente zo lang duurt"
            )
        if reason is not None:
            with contextlib.suppress(OSError, TimeoutError, RuntimeError):
                client.cancel(pending)
            for fut in pending:
                yield fut, None, NotFinishedError(reason, workers_gone=gone)
            return


def task_failure(exc: BaseException, *, herstarts: int | None) -> str:
    """The reason, in Dutch, why a gemeente's task ended without its result."""
    from concurrent.futures import CancelledError

    from distributed import KilledWorker

    if isinstance(exc, NotFinishedError):
        return str(exc)
    if isinstance(exc, KilledWorker):
        return (
            "niet afgerond: de worker ging tijdens de taak verloren (gestopt, of beëindigd bij zijn geheugengrens), "
            + (
                f"ook na {herstarts} herstart(s) ([regio] herstarts)"
                if herstarts is not None
                else "ook na de herstarts die de scheduler toestaat (distributed.scheduler.allowed-failures)"
            )
            + ". Oplossing: geef de workers meer geheugen (dask worker --memory-limit) of draai de gemeente apart "
            "met analyse --gemeente"
        )
    if isinstance(exc, CancelledError):
        return (
            f"niet afgerond: de taak is afgebroken ({exc}); de verbinding met de scheduler is mogelijk verbroken. "
            "Oplossing: draai opnieuw"
        )
    return f"de taak is afgebroken ({failure_reason(exc)})"


def failure_reason(exc: BaseException) -> str:
    """Why ``exc`` stopped a task, in words for the report: a package error as it is, others with their type."""
    if isinstance(exc, WoonzorgError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def job_task(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, list[str]]:
    """``fn(*args, **kwargs)`` on a worker, with the package's warnings it logged (to log them again at home)."""
    with captured_warnings() as warnings:
        out = fn(*args, **kwargs)
    return out, list(warnings)


class ClusterJobs:
    """Runs a function on the run's cluster while this process goes on: :meth:`start` hands back its wait.

    Used for the region's own files once the gemeenten are done (see :func:`.run.regio_output.write_regio`):
    the workers are idle then, and have imported what the writing needs.
    """

    def __init__(self, client: Any, settings: RegioSettings) -> None:
        self._client = client
        self._settings = settings

    def start(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Callable[[], Any]:
        """Submit ``fn(*args, **kwargs)``; the returned function waits for its result (within the run's bounds).

        The wait raises what the job raised, or :class:`.cluster.NotFinishedError`; the package's
        warnings logged by the job are logged here again.
        """
        future = self._client.submit(job_task, fn, args, kwargs, pure=False)

        def wait() -> Any:
            for _, res, exc in bounded_results(self._client, [future], settings=self._settings):
                if exc is not None:
                    raise exc
                out, warnings = res
                for line in warnings:
                    log.warning("%s", line)
                return out
            raise NotFinishedError("de taak kwam niet terug")  # pragma: no cover - bounded_results yields once

        return wait
