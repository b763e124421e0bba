"""The workbench as a Starlette application, and :func:`serve` that runs it with uvicorn.

Routes: the page (``/``), its files (``/static/…``, only from the package's own ``static``
folder), Leaflet from the installed ``django-js-lib-leaflet`` (``/vendor/leaflet.js`` and
``.css``), the background layers as GeoJSON (``/api/lagen/<naam>``) and the JSON API of
:mod:`.run.steps`. Every refused request is answered with HTTP 400 and ``{"fout": "<Dutch message>"}``;
an unexpected error with 500 and the same form; the server stays up after either.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
import webbrowser
from collections.abc import Awaitable, Callable
from functools import partial
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from woonzorg_geo.app import api
from woonzorg_geo.app.state import AppState, as_json, meta
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import WoonzorgError

log = logging.getLogger(__name__)

#: The package folder the page's own files come from (and nothing outside it).
STATIC = resources.files("woonzorg_geo.app").joinpath("static")


def _json(value: Any, status: int = 200) -> Response:
    return Response(as_json(value), status_code=status, media_type="application/json; charset=utf-8")


def _error(message: str, status: int = 400) -> Response:
    return _json({"fout": message}, status)


async def _read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (:class:`api.AppInputError`) beyond ``limit`` bytes without reading it all."""
    declared = request.headers.get("content-length")
    too_big = f"het verzoek is groter dan {fmt.number(limit)} bytes; een scenario past daar ruim in"
    if declared is not None:
        if not declared.strip().isdigit():
            raise api.AppInputError("ongeldige Content-Length")
        if int(declared) > limit:
            raise api.AppInputError(too_big)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise api.AppInputError(too_big)
        chunks.append(chunk)
    return b"".join(chunks)


async def _json_body(request: Request, limit: int) -> Any:
    raw = await _read_body(request, limit)
    if not raw.strip():
        raise api.AppInputError("leeg verzoek: stuur een JSON-object")
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise api.AppInputError("het verzoek is geen geldige JSON (te diep genest)") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise api.AppInputError(f"het verzoek is geen geldige JSON ({str(exc)[:80]})") from None


def create_app(state: AppState) -> Starlette:
    """The Starlette application over ``state`` (see the module's docstring for the routes)."""
    from woonzorg_geo.outputs.maps.assets import leaflet_assets

    js, css = leaflet_assets()
    limit = state.app_settings.max_body_bytes

    async def index(request: Request) -> Response:
        return FileResponse(str(STATIC.joinpath("index.html")), media_type="text/html; charset=utf-8")

    async def leaflet_js(request: Request) -> Response:
        return Response(js, media_type="application/javascript; charset=utf-8")

    async def leaflet_css(request: Request) -> Response:
        return Response(css, media_type="text/css; charset=utf-8")

    async def get_meta(request: Request) -> Response:
        return _json(meta(state))

    async def layer(request: Request) -> Response:
        name = request.path_params["naam"]
        if name not in state.layers:
            return _error(f"onbekende laag {name[:40]!r}; kies uit: {', '.join(state.layers)}", 404)
        return Response(state.layers[name], media_type="application/geo+json; charset=utf-8")

    async def get_indicator(request: Request) -> Response:
        q = request.query_params
        out = await run_in_threadpool(
            api.indicator, state, naam=q.get("naam"), norm=q.get("norm"), profiel=q.get("profiel")
        )
        return _json(out)

    def site(request: Request) -> dict[str, str | None]:
        q = request.query_params
        keys = {"lon": "lon", "lat": "lat", "adres": "adres", "zorgtype": "type", "omvang": "omvang"}
        return {k: q.get(v) for k, v in keys.items()}

    async def get_toets(request: Request) -> Response:
        return _json(await run_in_threadpool(partial(api.toets, state, **site(request))))

    async def get_toets_html(request: Request) -> Response:
        page = await run_in_threadpool(partial(api.toets_page, state, **site(request)))
        return Response(page, media_type="text/html; charset=utf-8")

    async def get_addresses(request: Request) -> Response:
        return _json(await run_in_threadpool(api.address_suggestions, state, zoek=request.query_params.get("zoek")))

    async def post_whatif(request: Request) -> Response:
        body = await _json_body(request, limit)
        return _json(await run_in_threadpool(api.run_what_if, state, body))

    async def post_scenario(request: Request) -> Response:
        body = await _json_body(request, limit)
        return _json(await run_in_threadpool(api.scenario, state, body))

    async def post_export(request: Request) -> Response:
        body = await _json_body(request, limit)
        text, media = await run_in_threadpool(
            partial(api.what_if_export, state, body, vorm=request.query_params.get("vorm"))
        )
        return Response(text, media_type=media)

    async def post_compare(request: Request) -> Response:
        body = await _json_body(request, limit)
        return _json(await run_in_threadpool(api.compare, state, body))

    async def get_voorzieningen(request: Request) -> Response:
        q = request.query_params
        return _json(api.voorzieningen(state, zoek=q.get("zoek"), categorie=q.get("categorie")))

    async def refused(request: Request, exc: Exception) -> Response:
        return _error(str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        code = getattr(exc, "status_code", 500)
        text = {404: "niet gevonden", 405: "deze methode is hier niet toegestaan"}.get(code, "ongeldig verzoek")
        return _error(f"{text}: {request.url.path[:80]}", code)

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("app: onverwachte fout bij %s", request.url.path)
        return _error(f"onverwachte fout ({type(exc).__name__}); de app draait door. Meld dit bij de beheerders", 500)

    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        WoonzorgError: refused,
        HTTPException: http_error,
        Exception: unexpected,
    }
    routes = [
        Route("/", index),
        Route("/vendor/leaflet.js", leaflet_js),
        Route("/vendor/leaflet.css", leaflet_css),
        Route("/api/meta", get_meta),
        Route("/api/lagen/{naam}", layer),
        Route("/api/indicator", get_indicator),
        Route("/api/toets", get_toets),
        Route("/api/toets.html", get_toets_html),
        Route("/api/adressen", get_addresses),
        Route("/api/watals", post_whatif, methods=["POST"]),
        Route("/api/scenario", post_scenario, methods=["POST"]),
        Route("/api/vergelijk", post_compare, methods=["POST"]),
        Route("/api/watals/export", post_export, methods=["POST"]),
        Route("/api/voorzieningen", get_voorzieningen),
        Mount("/static", app=StaticFiles(directory=str(STATIC)), name="static"),
    ]
    return Starlette(routes=routes, exception_handlers=handlers)


def is_local(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (a loopback address or ``localhost``)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_port(host: str, port: int) -> None:
    """Refuse (:class:`WoonzorgError`) a port another program listens on, before anything is loaded."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise WoonzorgError(
                f"--poort {port}: kan niet luisteren op {host}:{port} ({exc.strerror or exc}); draait de app al? "
                f"Oplossing: open {app_url(host, port)} als de app al draait, of kies een andere poort, "
                f"bijv. --poort {port + 1 if port < 65535 else 8765}"
            ) from None


def app_url(host: str, port: int) -> str:
    """The address to open in the browser on this machine for an app listening on ``host:port``."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://{shown}:{port}/"


def serve(state: AppState, *, host: str = "127.0.0.1", port: int | None = None, browser: bool = True) -> None:
    """Run the workbench with uvicorn until Ctrl+C; open the page in the browser unless ``browser`` is False."""
    import uvicorn

    port = state.app_settings.poort if port is None else port
    url = app_url(host, port)
    if not is_local(host):
        log.warning(
            "Let op: de app luistert op %s en is zo bereikbaar voor iedereen in het netwerk, zonder inlog. "
            "Gebruik --host alleen op een vertrouwd netwerk; zonder --host is de app alleen op deze computer te zien",
            host,
        )
    app = create_app(state)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    if browser:

        def open_when_ready() -> None:
            while not server.started and not server.should_exit:
                threading.Event().wait(0.1)
            if server.started:
                webbrowser.open(url)

        threading.Thread(target=open_when_ready, name="woonzorg-app-browser", daemon=True).start()
    log.info("woonzorg-geo app: %s (stoppen met Ctrl+C)", url)
    server.run()
