"""Local stand-ins for the online services, answering in the services' real formats.

Each stand-in is a :class:`http.server.ThreadingHTTPServer` on ``127.0.0.1`` (a free port) in a
daemon thread, usable as a context manager. It records every request it sees
(:attr:`StandInServer.requests`) and can be told to fail: :attr:`~StandInServer.fail_status`
answers every request with that HTTP status, :attr:`~StandInServer.delay_s` sleeps before answering
(for client time-outs), :attr:`~StandInServer.override` answers a fixed ``(status, headers, body)``,
and :attr:`~StandInServer.script` holds answers given once each, in order, before any other (e.g.
two HTTP 503 and then the normal answer).

Formats, as checked against the real services' documentation and source:

* PDOK OGC API Features (gokoala, e.g. ``api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1``):
  ``/collections/{id}/items`` → GeoJSON ``FeatureCollection`` with ``links`` (self, alternate,
  ``next``/``prev`` as complete URLs with query parameters sorted and an opaque ``cursor``),
  ``numberReturned``, ``timeStamp``; no ``numberMatched``. Property filters are query parameters;
  unknown parameters give 400. ``crs=`` (OGC URI) chooses the output CRS, echoed in the
  ``Content-Crs: <uri>`` header; default CRS84.
* PDOK Locatieserver v3.1 ``/free`` (Solr): ``{"response": {"numFound", "start", "maxScore",
  "numFoundExact", "docs": [...]}}``; ``fl`` selects fields, ``fq=type:...`` filters, ``rows``
  limits; unknown parameters give 400.
* Overpass API: ``POST /api/interpreter`` with form field ``data`` (what OSMnx 2.x sends) →
  ``{"version": 0.6, "generator", "osm3s": {"timestamp_osm_base", "copyright"}, "elements"}``;
  ``GET /api/status`` → the plain-text status whose fifth line OSMnx parses
  (``"2 slots available now."``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlencode, urlsplit

from pyproj import Transformer

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Recorded:
    """One request as the stand-in saw it."""

    method: str
    path: str
    query: dict[str, list[str]]
    form: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        """First value of a query (or form) parameter."""
        values = self.query.get(name) or self.form.get(name)
        return values[0] if values else None


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Answer:
    return (
        status,
        {"Content-Type": "application/json", **(headers or {})},
        json.dumps(body).encode(),
    )


class StandInServer:
    """Base stand-in: subclasses implement :meth:`answer`."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.fail_status: int | None = None
        self.delay_s: float = 0.0
        self.override: Answer | None = None
        self.script: list[Answer] = []
        self._closing = threading.Event()
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- to implement
    def answer(self, req: Recorded, host: str) -> Answer:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- life cycle
    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._httpd is not None, "stand-in is not running"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def start(self) -> Self:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self, method: str) -> None:
                parts = urlsplit(self.path)
                form: dict[str, list[str]] = {}
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    raw = self.rfile.read(length).decode("utf-8")
                    if "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
                        form = parse_qs(raw, keep_blank_values=True)
                req = Recorded(
                    method=method,
                    path=parts.path,
                    query=parse_qs(parts.query, keep_blank_values=True),
                    form=form,
                    headers=dict(self.headers.items()),
                )
                with standin._lock:
                    standin.requests.append(req)
                if standin.delay_s and standin._closing.wait(standin.delay_s):
                    return
                with standin._lock:
                    scripted = standin.script.pop(0) if standin.script else None
                if scripted is not None:
                    status, headers, body = scripted
                elif standin.fail_status is not None:
                    status, headers, body = (
                        standin.fail_status,
                        {"Content-Type": "text/html"},
                        b"<html><body><h1>Internal Server Error</h1></body></html>",
                    )
                elif standin.override is not None:
                    status, headers, body = standin.override
                else:
                    status, headers, body = standin.answer(req, self.headers.get("Host", ""))
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # client gave up (time-out test)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # broken pipes after client time-outs are expected

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def requests_to(self, path_suffix: str) -> list[Recorded]:
        """Recorded requests whose path ends with ``path_suffix``."""
        return [r for r in self.requests if r.path.endswith(path_suffix)]


# --------------------------------------------------------------------------- PDOK OGC API Features


class PdokFeaturesStandIn(StandInServer):
    """PDOK OGC API Features (gokoala) serving in-memory collections.

    Parameters
    ----------
    collections
        ``{collection id: [GeoJSON Feature dicts with lon/lat (CRS84) geometries]}``.
    honour_crs
        False: ignore ``crs=`` and send no ``Content-Crs`` (a server without OGC API part 2).
    """

    GENERIC_PARAMS = frozenset({"f", "limit", "cursor", "crs", "bbox", "bbox-crs"})
    DEFAULT_LIMIT = 10
    MAX_LIMIT = 1000

    def __init__(self, collections: dict[str, list[dict[str, Any]]], *, honour_crs: bool = True) -> None:
        super().__init__()
        self.collections = collections
        self.honour_crs = honour_crs
        self._to_rd = Transformer.from_crs("OGC:CRS84", "EPSG:28992", always_xy=True)

    @staticmethod
    def _problem(status: int, detail: str) -> Answer:
        return _json(
            status,
            {
                "type": "about:blank",
                "title": "Bad Request" if status == 400 else "Not Found",
                "status": status,
                "detail": detail,
            },
            {"Content-Type": "application/problem+json"},
        )

    def _reproject(self, coords: Any) -> Any:
        if isinstance(coords[0], (int, float)):
            x, y = self._to_rd.transform(coords[0], coords[1])
            return [x, y]
        return [self._reproject(c) for c in coords]

    def answer(self, req: Recorded, host: str) -> Answer:
        m = re.search(r"/collections/([^/]+)/items$", req.path)
        if req.method != "GET" or not m:
            return self._problem(404, f"no such endpoint {req.path}")
        name = m[1]
        if name not in self.collections:
            return self._problem(404, f"collection {name} does not exist")
        features = self.collections[name]
        properties = set().union(*(f["properties"] for f in features)) if features else set()
        params = {k: v[0] for k, v in req.query.items()}
        unknown = set(params) - self.GENERIC_PARAMS - properties
        if unknown:
            return self._problem(400, f"unknown query parameter(s): {sorted(unknown)}")
        if params.get("f", "json") != "json":
            return self._problem(400, "only f=json is served by this stand-in")
        try:
            limit = min(int(params.get("limit", self.DEFAULT_LIMIT)), self.MAX_LIMIT)
        except ValueError:
            return self._problem(400, "limit must be an integer")
        crs = params.get("crs", CRS84_URI) if self.honour_crs else CRS84_URI
        if crs not in (CRS84_URI, RD_URI):
            return self._problem(400, f"unsupported crs {crs}")

        filters = {k: v for k, v in params.items() if k in properties}
        selected = [f for f in features if all(str(f["properties"].get(k)) == v for k, v in filters.items())]
        fingerprint = hashlib.sha1(json.dumps(sorted(filters.items())).encode()).digest()[:4]
        fp_text = base64.urlsafe_b64encode(fingerprint).decode().rstrip("=")
        offset = 0
        if "cursor" in params:
            token, _, fp = params["cursor"].partition("|")
            if fp != fp_text:
                return self._problem(400, "cursor does not belong to this query")
            offset = int.from_bytes(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)), "big")
        page = selected[offset : offset + limit]

        def href(**change: Any) -> str:
            query = {k: v for k, v in params.items() if k != "cursor"}
            query.update({k: v for k, v in change.items() if v is not None})
            return f"http://{host}{req.path}?{urlencode(sorted(query.items()))}"

        def cursor(at: int) -> str:
            token = base64.urlsafe_b64encode(at.to_bytes(4, "big")).decode().rstrip("=")
            return f"{token}|{fp_text}"

        links = [
            {
                "rel": "self",
                "title": "This document as GeoJSON",
                "type": "application/geo+json",
                "href": href(f="json", cursor=params.get("cursor")),
            },
            {
                "rel": "alternate",
                "title": "This document as HTML",
                "type": "text/html",
                "href": href(f="html", cursor=params.get("cursor")),
            },
        ]
        if offset + limit < len(selected):
            links.append(
                {
                    "rel": "next",
                    "title": "Next page",
                    "type": "application/geo+json",
                    "href": href(f="json", cursor=cursor(offset + limit)),
                }
            )
        if offset > 0:
            links.append(
                {
                    "rel": "prev",
                    "title": "Previous page",
                    "type": "application/geo+json",
                    "href": href(f="json", cursor=cursor(max(offset - limit, 0))),
                }
            )
        out_features = []
        for feat in page:
            geom = feat["geometry"]
            if crs == RD_URI:
                geom = {"type": geom["type"], "coordinates": self._reproject(geom["coordinates"])}
            out_features.append(
                {
                    "id": feat.get("id"),
                    "type": "Feature",
                    "geometry": geom,
                    "properties": feat["properties"],
                }
            )
        body = {
            "links": links,
            "numberReturned": len(out_features),
            "timeStamp": "2024-05-01T12:00:00Z",
            "type": "FeatureCollection",
            "features": out_features,
        }
        headers = {"Content-Type": "application/geo+json"}
        if self.honour_crs:
            headers["Content-Crs"] = f"<{crs}>"
        return _json(200, body, headers)


# --------------------------------------------------------------------------- PDOK Locatieserver


class LocatieserverStandIn(StandInServer):
    """PDOK Locatieserver v3.1 ``/free`` over a fixed list of Solr documents.

    A document matches when every word of ``q`` occurs in its ``weergavenaam``, ``postcode``
    or ``woonplaatsnaam``; matches are sorted by their ``score``.
    """

    ALLOWED = frozenset({"q", "fq", "rows", "start", "fl", "sort", "df", "bq", "lat", "lon", "wt", "indent"})

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        super().__init__()
        self.docs = docs

    @staticmethod
    def _words(text: str) -> list[str]:
        return re.findall(r"[0-9a-z]+", text.lower())

    def answer(self, req: Recorded, host: str) -> Answer:
        if not req.path.endswith("/search/v3_1/free"):
            return _json(404, {"message": f"not found: {req.path}"})
        params = {k: v[0] for k, v in req.query.items()}
        unknown = set(params) - self.ALLOWED
        if unknown:
            return _json(400, {"message": f"unknown query parameter(s): {sorted(unknown)}"})
        words = self._words(params.get("q", ""))
        types: set[str] | None = None
        fq = params.get("fq", "")
        m = re.fullmatch(r"type:\(?([a-z_ ]+(?: OR [a-z_]+)*)\)?", fq.strip()) if fq else None
        if m:
            types = {t.strip() for t in m[1].split(" OR ")}

        def haystack(doc: dict[str, Any]) -> list[str]:
            text = " ".join(str(doc.get(k, "")) for k in ("weergavenaam", "postcode", "woonplaatsnaam"))
            return self._words(text)

        hits = [
            d
            for d in self.docs
            if words and all(w in haystack(d) for w in words) and (types is None or d["type"] in types)
        ]
        hits.sort(key=lambda d: -d["score"])
        rows = int(params.get("rows", 10))
        fl = params.get("fl")
        fields = None if fl in (None, "*") else {f.strip() for f in fl.split(",")}
        docs = [{k: v for k, v in d.items() if fields is None or k in fields} for d in hits[:rows]]
        body = {
            "response": {
                "numFound": len(hits),
                "start": 0,
                "maxScore": hits[0]["score"] if hits else 0.0,
                "numFoundExact": True,
                "docs": docs,
            }
        }
        return _json(200, body)


# --------------------------------------------------------------------------- Overpass


OVERPASS_STATUS = (
    "Connected as: 2130706433\n"
    "Current time: 2024-05-01T12:00:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)


class OverpassStandIn(StandInServer):
    """Overpass API answering every query with the same element list (clients filter further)."""

    def __init__(self, elements: list[dict[str, Any]]) -> None:
        super().__init__()
        self.elements = elements

    def answer(self, req: Recorded, host: str) -> Answer:
        if req.path.endswith("/api/status") and req.method == "GET":
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, OVERPASS_STATUS.encode()
        if not req.path.endswith("/api/interpreter"):
            return 404, {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>"
        query = req.param("data") or ""
        if not query.lstrip().startswith("[out:json]"):
            return (
                400,
                {"Content-Type": "text/html"},
                b"<html><body>Error: expected [out:json]</body></html>",
            )
        body = {
            "version": 0.6,
            "generator": "Overpass API 0.7.62.1 084b4234",
            "osm3s": {
                "timestamp_osm_base": "2024-05-01T12:00:00Z",
                "copyright": "The data included in this document is from www.openstreetmap.org. "
                "The data is made available under ODbL.",
            },
            "elements": self.elements,
        }
        return _json(200, body)


# --------------------------------------------------------------------------- PDOK BAG WFS

_WFS_EXCEPTION = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" version="2.0.0" xml:lang="en-US">\n'
    '<ows:Exception exceptionCode="{code}" locator="{locator}">\n'
    "<ows:ExceptionText>{text}</ows:ExceptionText>\n"
    "</ows:Exception>\n</ows:ExceptionReport>\n"
)


def bag_feature(ident: str, x: float, y: float, **props: Any) -> dict[str, Any]:
    """A ``bag:verblijfsobject`` feature as PDOK's BAG WFS v2_0 (MapServer) gives it in GeoJSON.

    Properties (and their types) as the service answers: ``gebruiksdoel`` a comma-separated text,
    ``huisnummer`` a number, empty texts where a letter or addition is absent.
    """
    base: dict[str, Any] = {
        "identificatie": ident,
        "rdf_seealso": f"http://bag.basisregistraties.overheid.nl/bag/id/verblijfsobject/{ident}",
        "oppervlakte": 80,
        "status": "Verblijfsobject in gebruik",
        "gebruiksdoel": "woonfunctie",
        "openbare_ruimte": "Dorpsstraat",
        "huisnummer": 1,
        "huisletter": "",
        "toevoeging": "",
        "postcode": "9401AA",
        "woonplaats": "Assen",
        "bouwjaar": 1975,
        "pandidentificatie": "0106100000000001",
        "pandstatus": "Pand in gebruik",
    }
    base.update(props)
    return {
        "type": "Feature",
        "id": f"verblijfsobject.{ident}",
        "geometry": {"type": "Point", "coordinates": [x, y]},
        "properties": base,
    }


class BagWfsStandIn(StandInServer):
    """PDOK BAG WFS 2.0.0 (``service.pdok.nl/lv/bag/wfs/v2_0``), ``GetFeature`` in GeoJSON.

    Honours ``typeNames`` (only ``bag:verblijfsobject``; another gives a 400 OWS ExceptionReport in
    XML, as MapServer does), ``bbox`` (``minx,miny,maxx,maxy[,crs]`` in RD), ``count`` (at most
    :attr:`max_count`) and ``startIndex``; ``outputFormat=application/json`` gives a GeoJSON
    ``FeatureCollection`` with ``name`` and a ``crs`` member and no ``numberMatched`` (MapServer's
    OGR GeoJSON output), any other output format an XML answer.
    """

    max_count = 1000

    def __init__(self, features: list[dict[str, Any]]) -> None:
        super().__init__()
        self.features = features

    def _exception(self, code: str, locator: str, text: str) -> Answer:
        body = _WFS_EXCEPTION.format(code=code, locator=locator, text=text).encode()
        return 400, {"Content-Type": "text/xml; charset=UTF-8"}, body

    def answer(self, req: Recorded, host: str) -> Answer:
        q = {k.lower(): v[0] for k, v in req.query.items()}
        if q.get("request", "").lower() != "getfeature":
            return self._exception("OperationNotSupported", "request", "only GetFeature here")
        types = q.get("typenames") or q.get("typename")
        if types != "bag:verblijfsobject":
            return self._exception("InvalidParameterValue", "typenames", f"TYPENAME '{types}' doesn't exist")
        if q.get("outputformat", "").lower() not in ("application/json", "json", "geojson"):
            return 200, {"Content-Type": "text/xml; charset=UTF-8"}, b"<wfs:FeatureCollection/>"
        feats = self.features
        if "bbox" in q:
            x0, y0, x1, y1 = (float(v) for v in q["bbox"].split(",")[:4])

            def inside(f: dict[str, Any]) -> bool:
                xy = (f.get("geometry") or {}).get("coordinates")
                return xy is None or (x0 <= xy[0] <= x1 and y0 <= xy[1] <= y1)  # a broken one is served as is

            feats = [f for f in feats if inside(f)]
        count = min(int(q.get("count", self.max_count)), self.max_count)
        start = int(q.get("startindex", 0))
        body = {
            "type": "FeatureCollection",
            "name": "verblijfsobject",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
            "features": feats[start : start + count],
        }
        return (
            200,
            {"Content-Type": "application/json; subtype=geojson; charset=utf-8"},
            json.dumps(body).encode(),
        )
