"""HTTP plumbing of the online sources: a session with bounded retries, and Dutch failure messages.

Every online call waits at most ``OnlineSettings.timeout_s`` for an answer. An answer HTTP 429 or
500/502/503/504 is asked again, ``pogingen`` attempts in all, after ``wachttijd_s``, 2 ×
``wachttijd_s``, … seconds or the server's ``Retry-After``; a ``Retry-After`` longer than
``max_wachttijd_s`` is reported instead of waited for. A service that does not answer (time-out,
refused connection, unknown host) is not asked again: waiting ``pogingen`` times ``timeout_s`` for
a service that is down is what a planner should not have to do.

The retries are urllib3's :class:`~urllib3.util.retry.Retry` mounted on a
:class:`requests.Session` (:func:`open_session`). OSMnx makes its own requests; for those
:func:`bounded_retry_hook` gives a requests response hook that does the same retries and raises
:class:`~woonzorg_geo.core.errors.SourceUnavailableError` for every failed answer, so OSMnx never sees
a 429/504 (on which OSMnx 2.1 waits 55 s and asks again, without limit).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

import requests
from requests.adapters import HTTPAdapter
from requests.hooks import default_hooks
from urllib3.exceptions import MaxRetryError, ResponseError
from urllib3.util.retry import RequestHistory, Retry

if TYPE_CHECKING:
    from types import TracebackType

    from urllib3.connectionpool import ConnectionPool
    from urllib3.response import BaseHTTPResponse

from woonzorg_geo import __version__
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import OnlineSettings
from woonzorg_geo.core.errors import SourceUnavailableError

log = logging.getLogger(__name__)

#: HTTP statuses that are asked again: too many requests, and the server-side disturbances.
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
#: Dutch names of the HTTP statuses a planner may meet.
STATUS_DUTCH = {
    400: "ongeldig verzoek",
    401: "geen toegang",
    403: "geen toegang",
    404: "niet gevonden",
    429: "te veel verzoeken",
    500: "interne fout bij de dienst",
    502: "fout bij een tussenliggende server",
    503: "dienst tijdelijk niet beschikbaar",
    504: "tussenliggende server kreeg geen antwoord op tijd",
}
USER_AGENT = f"woonzorg_geo/{__version__}"
OFFLINE_FIX = "of werk offline met --data MAP (de map met de ruwe gegevens)"


@dataclass(frozen=True)
class Service:
    """An online service as the messages name it.

    Parameters
    ----------
    name
        Dutch name, e.g. ``"PDOK CBS Wijken en Buurten 2024"``.
    url_variable
        The environment variable that sets its address (named when the address looks wrong).
    status_page
        Where the service reports disturbances, if it has such a page.
    """

    name: str
    url_variable: str
    status_page: str = ""


class _Retry(Retry):
    """urllib3's Retry with a first wait of ``backoff_factor`` and a bounded ``Retry-After``.

    urllib3 does not wait before the first retry and sleeps whatever ``Retry-After`` asks; here the
    waits are ``backoff_factor × 2^(k-1)`` before retry k, and a ``Retry-After`` longer than
    ``backoff_max`` ends the retries (the answer goes back to the caller, which reports it).
    """

    def get_backoff_time(self) -> float:
        failed = len(self.history)
        if failed == 0:
            return 0.0
        return float(min(self.backoff_max, self.backoff_factor * 2 ** (failed - 1)))

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if response is not None and self.respect_retry_after_header:
            wait = _retry_after(response.headers.get("Retry-After"))
            if wait is not None and wait > self.backoff_max:
                # _pool is None outside a connection pool; urllib3's own Retry.increment passes it
                # the same way and ignores the same stub mismatch
                raise MaxRetryError(
                    _pool,  # type: ignore[arg-type]
                    url or "",
                    ResponseError(f"Retry-After {wait:.0f} s"),
                )
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def sleep_for_retry(self, response: Any) -> bool:
        wait = _retry_after(response.headers.get("Retry-After"))  # an unreadable header: the backoff
        if wait:
            time.sleep(wait)
            return True
        return False


def _retry_after(value: str | None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (number or HTTP date); None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def open_session(online: OnlineSettings, *, failed_before: int = 0) -> requests.Session:
    """A session that asks again on 429/5xx answers, ``online.pogingen`` attempts in all.

    Time-outs and connection errors are not retried; a request's time-out is the caller's
    (``timeout=online.timeout_s``). After the last attempt the failed answer is returned as is;
    :func:`attempts_made` tells how many attempts it took. ``failed_before`` counts attempts made
    elsewhere (by OSMnx) that already failed: they use up attempts and lengthen the next wait.
    """
    history = tuple(RequestHistory("", None, None, None, None) for _ in range(failed_before))
    retry = _Retry(
        total=None,
        connect=0,
        read=False,  # a read time-out surfaces as requests.ReadTimeout, not retried
        other=0,
        history=history,
        status=max(online.pogingen - 1 - failed_before, 0),
        status_forcelist=RETRY_STATUS,
        allowed_methods=frozenset({"GET", "POST"}),  # Overpass queries are POSTed; both are read-only here
        backoff_factor=online.wachttijd_s,
        backoff_max=online.max_wachttijd_s,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    session = requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def attempts_made(response: requests.Response) -> int:
    """How many times the request behind ``response`` was sent (1 without retries)."""
    retries = getattr(response.raw, "retries", None)
    history = getattr(retries, "history", None)
    return len(history) + 1 if history is not None else 1


def _short_url(url: str) -> str:
    return url.split("?", 1)[0]


def _connection_reason(error: BaseException) -> str:
    text = str(error)
    if isinstance(error, requests.exceptions.ProxyError):
        return "de proxy weigert of is onbereikbaar"
    if isinstance(error, requests.exceptions.SSLError):
        return "beveiligde verbinding mislukt"
    if any(
        s in text
        for s in (
            "NameResolution",
            "Name or service not known",
            "nodename nor servname",
            "getaddrinfo failed",
            "Temporary failure in name resolution",
        )
    ):
        return "servernaam niet gevonden"
    if "Connection refused" in text or "ConnectionRefused" in text:
        return "verbinding geweigerd"
    if "Connection reset" in text or "RemoteDisconnected" in text or "Connection aborted" in text:
        return "verbinding verbroken"
    return "geen verbinding"


def failure_message(
    service: Service,
    url: str,
    online: OnlineSettings,
    *,
    error: BaseException | None = None,
    response: requests.Response | None = None,
) -> str:
    """One Dutch line: which service at which address, what happened, and what a planner can do."""
    where = f"{service.name} ({_short_url(url)})"
    later = "probeer het later opnieuw" + (f" (storingen: {service.status_page})" if service.status_page else "")
    if isinstance(error, requests.Timeout):
        what = "maakte geen verbinding" if isinstance(error, requests.ConnectTimeout) else "gaf geen antwoord"
        return (
            f"{where} {what} binnen {fmt.compact(online.timeout_s)} s. Oplossing: controleer de "
            f"internetverbinding en {later}; {OFFLINE_FIX}; een trage dienst krijgt meer tijd met "
            "timeout_s in [online] van de instellingen"
        )
    if error is not None:
        return (
            f"{where} is niet bereikbaar ({_connection_reason(error)}). Oplossing: controleer de "
            f"internetverbinding (en de proxy-instellingen) en {later}; {OFFLINE_FIX}"
        )
    if response is None:  # pragma: no cover - a programming error
        raise ValueError("failure_message needs an error or a response")
    status = response.status_code
    label = f"HTTP {status} ({STATUS_DUTCH.get(status, response.reason or 'fout')})"
    if status in RETRY_STATUS:
        wait = _retry_after(response.headers.get("Retry-After"))
        if wait is not None and wait > online.max_wachttijd_s:
            return (
                f"{where} antwoordde {label} en vraagt {fmt.compact(round(wait))} s te wachten, langer dan "
                f"max_wachttijd_s ({fmt.compact(online.max_wachttijd_s)} s) in [online] van de instellingen. "
                f"Oplossing: probeer het na die tijd opnieuw; {OFFLINE_FIX}"
            )
        n = attempts_made(response)
        tries = "1 poging" if n == 1 else f"{n} pogingen"
        return (
            f"{where} antwoordde {label}, na {tries}. Oplossing: de dienst is gestoord of overbelast: "
            f"{later}; {OFFLINE_FIX}"
        )
    body = " ".join(response.text[:160].split())
    return (
        f"{where} antwoordde {label}: {body!r}. Oplossing: controleer het adres van de dienst "
        f"({service.url_variable}) en de gemeentecode in de instellingen; {OFFLINE_FIX}"
    )


def get(
    session: requests.Session,
    url: str,
    *,
    params: Any = None,
    online: OnlineSettings,
    service: Service,
) -> requests.Response:
    """GET ``url`` within the time-out; every failure becomes a :class:`SourceUnavailableError`."""
    try:
        response = session.get(url, params=params, timeout=online.timeout_s)
    except requests.RequestException as exc:
        raise SourceUnavailableError(failure_message(service, url, online, error=exc)) from exc
    if not response.ok:
        raise SourceUnavailableError(failure_message(service, response.url or url, online, response=response))
    return response


def bounded_retry_hook(online: OnlineSettings, service: Service) -> Callable[..., requests.Response | None]:
    """A requests response hook for requests made by others (OSMnx): bounded retries, then an error.

    An OK answer passes untouched. A 429/5xx answer is sent again through :func:`open_session`
    (after the first wait), up to ``online.pogingen`` attempts in all. Any answer that is still not
    OK raises :class:`SourceUnavailableError` with the Dutch message, so the caller never gets it.
    """

    def hook(response: requests.Response, **kwargs: Any) -> requests.Response | None:
        if response.ok:
            return None
        final = response
        if response.status_code in RETRY_STATUS and online.pogingen > 1:
            wait = _retry_after(response.headers.get("Retry-After"))
            if wait is None:
                wait = online.wachttijd_s
            if wait <= online.max_wachttijd_s:
                log.info(
                    "%s antwoordde HTTP %d: over %s s opnieuw", service.name, response.status_code, fmt.compact(wait)
                )
                time.sleep(wait)
                request = response.request.copy()
                request.hooks = default_hooks()  # this hook must not run on its own retries
                send_kwargs = {k: v for k, v in kwargs.items() if k in ("timeout", "verify", "proxies", "cert")}
                send_kwargs.setdefault("timeout", online.timeout_s)
                with open_session(online, failed_before=1) as session:
                    try:
                        final = session.send(request, **send_kwargs)
                    except requests.RequestException as exc:
                        raise SourceUnavailableError(
                            failure_message(service, str(request.url), online, error=exc)
                        ) from exc
                    final.content  # noqa: B018 - read the body before the session closes
                if final.ok:
                    return final
        raise SourceUnavailableError(failure_message(service, str(final.url or response.url), online, response=final))

    return hook
