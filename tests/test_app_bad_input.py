"""Bad input to the workbench: a Dutch 400 (never a crash), no file outside the app's folder, the app stays up."""

from __future__ import annotations

import json
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("starlette")
httpx = pytest.importorskip("httpx")

from app_browser import RunningApp


@pytest.fixture(scope="module")
def app_state(assen_output, raw_dir):
    from woonzorg_geo.app import load_state
    from woonzorg_geo.core.settings_loader import load_settings

    return load_state(assen_output, load_settings(), raw_dir=raw_dir)


@pytest.fixture(scope="module")
def server(app_state):
    from woonzorg_geo.app import create_app

    running = RunningApp(create_app(app_state))
    yield running
    running.close()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


SITE = {"lon": "6.5480", "lat": "52.9930", "type": "beschermd_wonen", "omvang": "10"}

#: (path, query, words the Dutch message must hold)
GETS = [
    ("/api/indicator", {"naam": "pizzeria"}, ["indicator", "Kies uit"]),
    ("/api/indicator", {}, ["indicator", "ontbreekt"]),
    ("/api/indicator", {"naam": "supermarkt", "norm": "1250"}, ["buiten de schuif"]),
    ("/api/indicator", {"naam": "supermarkt", "norm": "350"}, ["buiten de schuif"]),
    ("/api/indicator", {"naam": "supermarkt", "norm": "825"}, ["stappen van 50"]),
    ("/api/indicator", {"naam": "supermarkt", "norm": "acht"}, ["geen getal"]),
    ("/api/indicator", {"naam": "supermarkt", "norm": "inf"}, ["geen eindig getal"]),
    ("/api/indicator", {"naam": "supermarkt", "profiel": "hardloper"}, ["profiel", "onbekend"]),
    ("/api/toets", {**SITE, "lon": "5.0", "lat": "52.0"}, ["buiten de gemeente"]),
    ("/api/toets", {**SITE, "type": "hotel"}, ["type", "onbekend"]),
    ("/api/toets", {**SITE, "omvang": "100000"}, ["niet aannemelijk"]),
    ("/api/toets", {**SITE, "omvang": "0"}, ["omvang"]),
    ("/api/toets", {**SITE, "omvang": "tien"}, ["geen geheel getal"]),
    ("/api/toets", {"type": "beschermd_wonen", "omvang": "10"}, ["precies één locatie"]),
    ("/api/toets", {**SITE, "adres": "Kerkplein 1, Assen"}, ["precies één locatie"]),
    ("/api/toets", {**SITE, "lat": "95"}, ["buiten het bereik"]),
    ("/api/toets", {**SITE, "lon": "nan"}, ["geen eindig getal"]),
    ("/api/toets", {"adres": "x" * 300, "type": "beschermd_wonen", "omvang": "10"}, ["tekens lang"]),
    ("/api/voorzieningen", {"zoek": "a" * 500}, ["ten hoogste"]),
    ("/api/adressen", {"zoek": "Stationsstraat " * 40}, ["ten hoogste"]),
    ("/api/toets.html", {**SITE, "type": "hotel"}, ["type", "onbekend"]),
    ("/api/toets.html", {**SITE, "lon": "5.0", "lat": "52.0"}, ["buiten de gemeente"]),
    ("/api/voorzieningen", {"zoek": "Poiesz", "categorie": "bakker"}, ["categorie", "onbekend"]),
]


@pytest.mark.parametrize(("path", "query", "words"), GETS, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(GETS)])
def test_a_bad_query_is_a_dutch_400(client, path, query, words):
    r = client.get(path, params=query)
    assert r.status_code == 400, r.text
    message = r.json()["fout"]
    for word in words:
        assert word in message, message


#: (raw body, words of the message)
POSTS = [
    (b"{", ["geen geldige JSON"]),
    (b"", ["leeg verzoek"]),
    (b"\xff\xfe", ["geen geldige JSON"]),
    (b"[1, 2]", ["JSON-object"]),
    (b"{}", ["minstens één"]),
    (json.dumps({"weg": ["vz99999"]}).encode(), ["geen voorziening", "vz99999"]),
    (json.dumps({"weg": "vz00001"}).encode(), ["geen lijst"]),
    (json.dumps({"nieuw": [{"categorie": "bakker", "lon": 6.55, "lat": 52.99}]}).encode(), ["bakker", "kies uit"]),
    (json.dumps({"nieuw": [{"categorie": "supermarkt", "lon": 5.0, "lat": 52.0}]}).encode(), ["buiten de gemeente"]),
    (json.dumps({"nieuw": [{"categorie": "supermarkt"}]}).encode(), ["ontbreekt", "nieuw[0].lon"]),
    (json.dumps({"nieuw": [{"categorie": "supermarkt", "lon": "oost", "lat": 52.99}]}).encode(), ["geen getal"]),
    (json.dumps({"verwijder": ["vz00001"]}).encode(), ["onbekend veld", "verwijder"]),
    (json.dumps({"weg": ["vz00001"], "profiel": "hardloper"}).encode(), ["profiel"]),
    (json.dumps({"wijzigingen": []}).encode(), ["wijzigingen"]),
    (json.dumps({"wijzigingen": [{"soort": "sloop", "id": "vz00001"}]}).encode(), ["soort"]),
    (json.dumps({"wijzigingen": [{"soort": "weg", "id": "vz00001"}], "versie": 7}).encode(), ["versie"]),
    (json.dumps({"weg": [f"vz{i:05d}" for i in range(300)]}).encode(), ["ten hoogste"]),
    (b"[" * 150000 + b"]" * 150000, ["groter dan"]),
    (b'{"weg": ["' + b"x" * 300_000 + b'"]}', ["groter dan"]),
]


def test_a_bad_comparison_is_a_dutch_400(client):
    cases = [
        ({"a": None, "b": None, "indicator": "pizzeria"}, "indicator"),
        ({"a": None, "b": {"weg": ["vz99999"]}, "indicator": "supermarkt"}, "geen voorziening"),
        ({"a": None, "c": {}, "indicator": "supermarkt"}, "onbekende sleutel"),
        ({"a": None, "b": None, "indicator": "supermarkt", "profiel": "hardloper"}, "profiel"),
    ]
    for body, word in cases:
        r = client.post("/api/vergelijk", json=body)
        assert r.status_code == 400 and word in r.json()["fout"], r.text
    for raw, word in ((b"{", "geen geldige JSON"), (b"[]", "JSON-object"), (b"x" * 300_000, "groter dan")):
        r = client.post("/api/vergelijk", content=raw)
        assert r.status_code == 400 and word in r.json()["fout"], r.text


@pytest.mark.parametrize(("body", "words"), POSTS, ids=[f"post-{i}" for i in range(len(POSTS))])
@pytest.mark.parametrize("path", ["/api/watals", "/api/scenario"])
def test_a_bad_body_is_a_dutch_400(client, path, body, words):
    r = client.post(path, content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    message = r.json()["fout"]
    for word in words:
        assert word.lower() in message.lower(), message


def test_a_deep_json_is_refused_not_a_crash(client):
    body = b"[" * 5000 + b"]" * 5000  # under the size limit, deeper than the parser goes
    r = client.post("/api/watals", content=body)
    assert r.status_code == 400 and "fout" in r.json()


def _raw_get(server, target: str) -> tuple[int, bytes]:
    """A GET of ``target`` exactly as written (no client normalises the ``..``)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1]


TRAVERSALS = [
    "/static/../state.py",
    "/static/../../woonzorg_geo/config.py",
    "/static/%2e%2e/state.py",
    "/static/%2e%2e%2fstate.py",
    "/static/..%2f..%2fdata%2finstellingen.toml",
    "/static/....//state.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/..\\state.py",
    "/static/%00app.js",
    "/../../../../etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_static_files_only_from_the_apps_own_folder(server, target):
    status, body = _raw_get(server, target)
    assert status in (400, 404), (target, status)
    assert b"root:" not in body and b"import " not in body and b"[gemeente]" not in body
    ok, page = _raw_get(server, "/static/app.js")
    assert ok == 200 and b"Woonzorg-werkbank" in page


def test_an_unknown_route_or_method_answers_in_dutch(client):
    assert client.get("/api/bestaat-niet").json()["fout"].startswith("niet gevonden")
    r = client.get("/api/watals")
    assert r.status_code == 405 and "niet toegestaan" in r.json()["fout"]
    r = client.get("/api/lagen/kadaster")
    assert r.status_code == 404 and "onbekende laag" in r.json()["fout"]


def test_eight_clients_at_once_with_bad_and_good_requests(server, app_state, assen_output):
    before = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in Path(assen_output).rglob("*") if p.is_file()}
    vid = app_state.voorzieningen.index[app_state.voorzieningen["categorie"] == "supermarkt"][0]

    def session(k: int) -> list[int]:
        codes = []
        with httpx.Client(base_url=server.url, timeout=120) as c:
            for j in range(3):
                norm = 400 + 50 * ((k + j) % 17)
                codes.append(c.get("/api/indicator", params={"naam": "drie_a", "norm": norm}).status_code)
                codes.append(c.get("/api/toets", params={**SITE, "omvang": str(5 + k)}).status_code)
                codes.append(c.post("/api/watals", json={"weg": [vid]}).status_code)
                codes.append(c.post("/api/watals", content=b"{kapot").status_code)
                codes.append(c.get("/api/toets", params={**SITE, "type": "hotel"}).status_code)
                codes.append(c.get("/api/voorzieningen", params={"zoek": "Poeisz"}).status_code)
        return codes

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(session, range(8)))
    for codes in results:
        assert codes == [200, 200, 200, 400, 400, 200] * 3
    # still up, and the same answer as before the storm
    with httpx.Client(base_url=server.url, timeout=60) as c:
        assert c.get("/api/meta").status_code == 200
    after = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in Path(assen_output).rglob("*") if p.is_file()}
    assert after == before  # read only: the store and the output folder are untouched


def test_the_app_refuses_a_folder_without_a_store(tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    code = main(["--stil", "app", "--uit", str(tmp_path), "--geen-browser"])
    err = capsys.readouterr().err
    assert code == 2 and "woonzorg-geo analyse" in err


def test_the_app_refuses_a_port_that_is_no_port(tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    code = main(["--stil", "app", "--uit", str(tmp_path), "--poort", "70000", "--geen-browser"])
    assert code == 2 and "--poort 70000" in capsys.readouterr().err


def test_the_app_refuses_a_port_in_use(tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        code = main(["--stil", "app", "--uit", str(tmp_path), "--poort", str(port), "--geen-browser"])
    err = capsys.readouterr().err
    assert code == 2 and f"--poort {port}" in err and "andere poort" in err
