"""A headless Chromium driven over the DevTools protocol: the one driver every browser test uses.

:func:`require_chromium` is how a browser fixture asks for it: where Chromium or websocket-client is
missing the test skips with the reason, but in CI (the environment variable ``CI``, see
:func:`conftest.in_ci`) it fails instead, as the QGIS tests do, so a CI run cannot pass by skipping
every browser test.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import in_ci

CHROMIUM = Path("/usr/bin/chromium")
#: How to get what the browser tests need (the CI's system packages and the dev extra).
INSTALL = "run .ci/system-deps: apt-get install chromium"


def missing_chromium(exe: Path = CHROMIUM) -> str:
    """Why the browser tests cannot run here ("" when they can): no Chromium, or no websocket-client."""
    if not exe.exists():
        return f"{exe} is not installed ({INSTALL})"
    try:
        import websocket  # noqa: F401
    except ImportError:
        return "websocket-client (dev extra) is needed to drive Chromium"
    return ""


def require_chromium(what: str, exe: Path = CHROMIUM) -> None:
    """Skip (locally) or fail (in CI) the calling test when Chromium cannot be driven here.

    ``what`` names the tests in the message ("the map tests in a real browser").
    """
    why = missing_chromium(exe)
    if not why:
        return
    if in_ci():
        pytest.fail(f"{why}; {what} must run in CI (CI={os.environ.get('CI')})", pytrace=False)
    pytest.skip(f"{why}; {what} skipped (they fail instead where CI is set)")


@contextlib.contextmanager
def running_chromium(what: str, *, width: int = 1280, height: int = 860) -> Iterator[Chromium]:
    """A Chromium for a fixture (see :func:`require_chromium` for ``what``), closed after use."""
    require_chromium(what)
    browser = Chromium(width=width, height=height)
    try:
        yield browser
    finally:
        browser.close()


class Chromium:
    """A headless Chromium driven over the DevTools protocol (one page, flattened session)."""

    FLAGS = (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        "--mute-audio",
        "--remote-debugging-port=0",
    )

    def __init__(self, exe: Path = CHROMIUM, *, width: int = 1280, height: int = 860) -> None:
        import websocket

        self.profile = tempfile.TemporaryDirectory(prefix="wz-chromium-", ignore_cleanup_errors=True)
        self.proc = subprocess.Popen(
            [
                str(exe),
                *self.FLAGS,
                f"--window-size={width},{height}",
                f"--user-data-dir={self.profile.name}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        self.events: list[dict[str, Any]] = []
        self._id = 0
        try:
            url = self._devtools_url(timeout=30)
            self.ws = websocket.create_connection(url, timeout=60, suppress_origin=True)
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                self.call(f"{domain}.enable", page=True)
            self.viewport(width, height)
        except BaseException:
            self.close()
            raise

    def _devtools_url(self, *, timeout: float) -> str:
        found: dict[str, str] = {}
        lines: list[str] = []

        def read() -> None:
            assert self.proc.stderr is not None
            for line in self.proc.stderr:
                lines.append(line)
                m = re.search(r"DevTools listening on (ws://\S+)", line)
                if m:
                    found.setdefault("url", m.group(1))

        threading.Thread(target=read, daemon=True).start()
        t0 = time.monotonic()
        while "url" not in found:
            if self.proc.poll() is not None or time.monotonic() - t0 > timeout:
                raise RuntimeError("Chromium started no DevTools endpoint:\n" + "".join(lines[-20:]))
            time.sleep(0.05)
        return found["url"]

    def call(self, method: str, *, page: bool = False, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result; events arriving meanwhile are kept."""
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if page:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def _wait_event(self, method: str, *, timeout: float = 20) -> None:
        if any(e.get("method") == method for e in self.events):
            return
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            event = json.loads(self.ws.recv())
            self.events.append(event)
            if event.get("method") == method:
                return
        raise TimeoutError(method)

    def open(self, target: Path | str, *, wait_load: bool = True) -> None:
        """Open a file (a :class:`~pathlib.Path`) or a URL; with ``wait_load`` until its load event."""
        self.events.clear()
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        self.call("Page.navigate", page=True, url=url)
        if wait_load:
            self._wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises awaited)."""
        r = self.call("Runtime.evaluate", page=True, expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"])
        return r["result"].get("value")

    def wait_for(self, expression: str, *, timeout: float = 60) -> Any:
        """Poll ``expression`` until it is truthy; its value."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            with contextlib.suppress(RuntimeError):
                value = self.evaluate(expression)
                if value:
                    return value
            time.sleep(0.1)
        raise TimeoutError(expression)

    def click(self, x: float, y: float) -> None:
        """A left click at page coordinates."""
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", page=True, type=kind, x=x, y=y, button="left", clickCount=1)

    def errors(self) -> list[str]:
        """The page's JavaScript exceptions and console/log errors since it was opened."""
        out = []
        for e in self.events:
            method, p = e.get("method"), e.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append(d.get("exception", {}).get("description") or d.get("text", "?"))
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append(p["entry"].get("text", "?"))
        return out

    def requests(self) -> list[str]:
        """The URLs the page requested since it was opened."""
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]

    def viewport(self, width: int, height: int) -> None:
        """Resize the page (as a browser window of that size)."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            page=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def screenshot(self, path: Path) -> bytes:
        """A PNG of the page, written to ``path``; its bytes."""
        data = base64.b64decode(
            self.call("Page.captureScreenshot", page=True, format="png", optimizeForSpeed=True)["data"]
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return data

    def close(self) -> None:
        """Close the connection and end Chromium with the helpers it started."""
        ws = getattr(self, "ws", None)
        if ws is not None:
            with contextlib.suppress(Exception):
                ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        # the helpers Chromium started itself are in the session (process group) it leads
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        self.profile.cleanup()
