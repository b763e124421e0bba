"""Offline detection and the Leaflet assets inlined into every map (no CDN)."""

from __future__ import annotations

import base64
import functools
import logging
import os
import re
import socket
import threading
from importlib import resources

from woonzorg_geo.core.errors import MissingDataError
from woonzorg_geo.core.palette import BACKGROUND
from woonzorg_geo.outputs.maps.style import OFFLINE_ENV

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Offline detection and the inlined Leaflet assets
# --------------------------------------------------------------------------------------------


def is_offline(*, host: str = "tile.openstreetmap.org", port: int = 443, timeout: float = 1.0) -> bool:
    """Whether the map tiles are out of reach.

    ``WOONZORG_OFFLINE=1`` always means offline. Otherwise a TCP connection to ``host:port`` is
    tried for about ``timeout`` seconds (name lookup included).
    """
    if os.environ.get(OFFLINE_ENV, "").strip() == "1":
        return True
    reached = threading.Event()

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                reached.set()
        except OSError:
            pass

    thread = threading.Thread(target=probe, name="woonzorg-tile-probe", daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    offline = not reached.is_set()
    log.info("kaarten: %s", "offline (geen achtergrondkaart)" if offline else "online (met achtergrondkaart)")
    return offline


def resolve_offline(offline: bool | None) -> bool:
    """``offline`` as given, detected when ``None``; ``WOONZORG_OFFLINE=1`` overrides both."""
    if os.environ.get(OFFLINE_ENV, "").strip() == "1":
        return True
    if offline is None:
        return is_offline()
    return bool(offline)


@functools.lru_cache(maxsize=1)
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS, from the ``django-js-lib-leaflet`` package (PyPI).

    The CSS's images (layer-control icon, default markers) are inlined as data URIs so that the
    map works from a single HTML file without network access.
    """
    try:
        base = resources.files("js_lib_leaflet").joinpath("static", "js_lib_leaflet")
        js = base.joinpath("leaflet.js").read_text("utf-8")
        css = base.joinpath("leaflet.css").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise MissingDataError(
            "js_lib_leaflet/static/js_lib_leaflet/leaflet.js",
            "installeer het pakket django-js-lib-leaflet (pip install django-js-lib-leaflet)",
        ) from exc

    def inline(match: re.Match[str]) -> str:
        name = match.group(1)
        data = base.joinpath("images", name).read_bytes()
        return f'url("data:image/png;base64,{base64.b64encode(data).decode("ascii")}")'

    css = re.sub(r"""url\(\s*["']?images/([\w.-]+\.png)["']?\s*\)""", inline, css)
    js = re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    return js.replace("</script", "<\\/script"), css


# Folium's Popup and "keep in front" templates call jQuery's $(html)[0] and $(document).ready();
# this stand-in covers exactly those two calls so that no jQuery is needed.
_JQUERY_STANDIN = """
if (typeof window.$ === "undefined") {
  window.$ = function (arg) {
    if (typeof arg === "string") {
      var t = document.createElement("template");
      t.innerHTML = arg.trim();
      return Array.prototype.slice.call(t.content.childNodes);
    }
    return {ready: function (fn) {
      if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
    }};
  };
}
"""

_MAP_CSS = """
.wz-vz{width:22px;height:22px;border-radius:50%;color:#fff;font:bold 11px/18px Arial,"DejaVu Sans",sans-serif;
 text-align:center;border:2px solid #fff;box-shadow:0 0 3px rgba(0,0,0,.7);box-sizing:border-box;}
.wz-vz.wz-long{font-size:9px;}
.wz-legend,.wz-panel{background:rgba(255,255,255,.93);padding:5px 8px;border-radius:5px;
 box-shadow:0 1px 5px rgba(0,0,0,.4);font:12px/1.35 Arial,"DejaVu Sans",sans-serif;color:#222;max-width:240px;}
.wz-panel{max-width:280px;max-height:calc(100vh - 150px);overflow-y:auto;}
.wz-legend{max-height:calc(50vh - 40px);overflow-y:auto;}
.wz-legend-title{font-weight:bold;margin-bottom:3px;}
.wz-legend{max-width:270px;}
.wz-legend-sub{font-weight:normal;font-size:11px;color:#444;}
.wz-legend-row{white-space:nowrap;overflow:hidden;text-overflow:ellipsis;}
.wz-fold{cursor:pointer;user-select:none;}
.wz-fold::after{content:" \\25BE";color:#777;font-weight:normal;}
.wz-folded > .wz-fold{margin:0;}
.wz-folded > .wz-fold::after{content:" \\25B8";}
.wz-folded > :not(.wz-fold){display:none;}
.wz-swatch{display:inline-block;width:16px;height:12px;margin-right:6px;vertical-align:-1px;
 border:1px solid rgba(0,0,0,.35);}
.wz-swatch.wz-round{border-radius:50%;width:12px;}
.wz-legend .wz-vz{display:inline-block;width:18px;height:18px;font-size:9px;line-height:14px;
 margin-right:6px;vertical-align:middle;box-shadow:0 0 2px rgba(0,0,0,.6);}
.wz-panel h3{margin:0 0 4px;font-size:14px;}
.wz-panel p{margin:3px 0;}
.wz-panel table{border-collapse:collapse;margin:2px 0;}
.wz-panel th{text-align:left;font-weight:normal;color:#555;padding:0 6px 0 0;}
.wz-panel td{text-align:right;padding:0 0 0 8px;white-space:nowrap;}
.wz-panel thead th{font-weight:bold;color:#222;text-align:right;}
.wz-panel .wz-note{color:#555;font-size:11px;line-height:1.3;}
.wz-panel .wz-bron{color:#555;font-size:10px;line-height:1.25;}
.wz-label{font:bold 13px Arial,"DejaVu Sans",sans-serif;color:#1a1a1a;white-space:nowrap;text-align:center;
 text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 4px #fff;pointer-events:none;}
.wz-label span{display:inline-block;}
.wz-label.wz-small{font-size:11px;font-weight:normal;color:#333;}
.wz-label-hidden .wz-label span{opacity:0;pointer-events:auto;}
.wz-label-hidden .wz-label span:hover{opacity:1;}
.leaflet-container{background:__BACKGROUND__;}
.leaflet-control-layers{font:12px/1.35 Arial,"DejaVu Sans",sans-serif;}
.leaflet-control-layers label{font-size:12px;margin:1px 0;}
.leaflet-control-layers-expanded{padding:4px 8px 4px 6px;max-height:calc(100vh - 60px);overflow-y:auto;}
.leaflet-control-attribution{font-size:10px;max-width:calc(100vw - 20px);white-space:normal;}
"""


def asset_html() -> str:
    """The ``<style>`` and ``<script>`` elements every map page inlines: Leaflet, the maps' own style
    sheet and the stand-in for jQuery (no CDN, so the maps work offline)."""
    js, css = leaflet_assets()
    return (
        f"<style>{css}</style>\n<style>{_MAP_CSS.replace('__BACKGROUND__', BACKGROUND)}</style>\n"
        f"<script>{js}</script>\n<script>{_JQUERY_STANDIN}</script>"
    )
