"""Online services that fail, and raw data folders that lack files: clear refusals, never a hang.

Every refusal runs the command as a planner would and asserts: exit code 2, one Dutch line naming
the service and its address (or the folder, file or option) and the fix, no traceback and no
Python name in it, no output written and earlier output untouched. The services are the local
stand-ins of ``standins.py`` on 127.0.0.1; settings with a 1 s time-out and short waits keep every
case within seconds.
"""

from __future__ import annotations

import inspect
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from standins import BagWfsStandIn, LocatieserverStandIn, OverpassStandIn, PdokFeaturesStandIn
from test_online import _bag_features, _collections, _elements

from woonzorg_geo.cli.main import main
from woonzorg_geo.core import config, raw_data, settings_loader
from woonzorg_geo.core.config import OnlineSettings
from woonzorg_geo.core.errors import SourceUnavailableError
from woonzorg_geo.run import pipeline
from woonzorg_geo.sources import address_lists, datasets, http_client, inventory, online, osm_raw, pdok
from woonzorg_geo.sources import bag as bag_wfs

#: [online] for the tests: a 1 s time-out, three attempts, short waits, Retry-After up to 5 s.
FAST_TOML = "[online]\ntimeout_s = 1.0\npogingen = 3\nwachttijd_s = 0.05\nmax_wachttijd_s = 5.0\n"
FAST = OnlineSettings(timeout_s=1.0, pogingen=3, wachttijd_s=0.05, max_wachttijd_s=5.0)

#: Names of the package's functions and classes: none may show up in a message for a planner.
PYTHON_NAMES = sorted(
    {
        name
        for module in (
            config,
            datasets,
            address_lists,
            inventory,
            online,
            pipeline,
            pdok,
            bag_wfs,
            osm_raw,
            http_client,
        )
        for name, obj in vars(module).items()
        if (inspect.isfunction(obj) or inspect.isclass(obj))
        and ("_" in name.strip("_") or name[0].isupper())
        and len(name) > 4
    }
)


@pytest.fixture(autouse=True)
def _osmnx_never_waits_on_its_own(monkeypatch):
    """OSMnx 2.1 waits 55 s after a 429/504 and asks again without end: fail at once if it tries."""
    import osmnx._overpass as overpass_module

    class Clock:
        def __getattr__(self, name: str):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds: float) -> None:
            if seconds > 0:
                raise AssertionError(f"OSMnx wants to wait {seconds} s by itself: its retries are not bounded")

    monkeypatch.setattr(overpass_module, "time", Clock())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _assert_refused(code: int, err: str, needles: list[str]) -> None:
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Fout: "), err
    assert "Oplossing:" in err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    assert "Traceback" not in err
    assert not re.search(r"\b\w+(Error|Exception|Timeout)\b", err), err
    named = [n for n in PYTHON_NAMES if re.search(rf"\b{re.escape(n)}\b", err)]
    assert not named, f"Python names {named} in {err!r}"


def _snapshot(*folders: Path) -> dict[str, bytes | None]:
    """Every file below ``folders`` with its content (a missing folder as None)."""
    snap: dict[str, bytes | None] = {}
    for folder in folders:
        if not folder.exists():
            snap[str(folder)] = None
            continue
        for p in sorted(folder.rglob("*")):
            snap[str(p)] = p.read_bytes() if p.is_file() else b"<map>"
    return snap


@pytest.fixture()
def earlier_output(tmp_path: Path) -> tuple[Path, Path]:
    """An output folder with a previous run's file in it, and a maps folder that does not exist yet."""
    out, maps = tmp_path / "output", tmp_path / "maps"
    out.mkdir()
    (out / "samenvatting.txt").write_text("vorige run: 37.375 adressen\n", encoding="utf-8")
    return out, maps


@pytest.fixture()
def fast_settings(tmp_path: Path) -> Path:
    path = tmp_path / "snel.toml"
    path.write_text(FAST_TOML, encoding="utf-8")
    return path


@pytest.fixture()
def services(tmp_path, monkeypatch, local_network):
    """PDOK CBS, Overpass and Locatieserver stand-ins; a raw folder with only a one-line GP list."""
    raw = tmp_path / "alleen_huisartsen"
    gp = raw / settings_loader.load_settings().data.huisartsen
    gp.parent.mkdir(parents=True)
    gp.write_text("naam,adres,postcode,stad\nHuisarts Test,Dwarsstraat 1,9401 AA,Assen\n", encoding="utf-8")
    monkeypatch.setenv("WOONZORG_DATA", str(raw))
    docs = [
        {
            "id": "a1",
            "type": "adres",
            "weergavenaam": "Dwarsstraat 1, 9401AA Assen",
            "score": 9.0,
            "postcode": "9401AA",
            "woonplaatsnaam": "Assen",
            "centroide_rd": "POINT(233040 557110)",
            "centroide_ll": "POINT(6.5 53.0)",
        }
    ]
    with (
        PdokFeaturesStandIn(_collections()) as cbs,
        OverpassStandIn(_elements()) as ovp,
        LocatieserverStandIn(docs) as ls,
        BagWfsStandIn(_bag_features()) as bag,
    ):
        monkeypatch.setenv(bag_wfs.ENV_BAG_URL, f"{bag.url}/lv/bag/wfs/v2_0")
        monkeypatch.setenv(pdok.ENV_CBS_URL, f"{cbs.url}/cbs/wijken-en-buurten-{{year}}/ogc/v1")
        monkeypatch.setenv(osm_raw.ENV_OVERPASS_URL, f"{ovp.url}/api")
        monkeypatch.setenv(pdok.ENV_LOCATIESERVER_URL, f"{ls.url}/search/v3_1")
        yield {"cbs": cbs, "overpass": ovp, "locatieserver": ls, "bag": bag}


# --- online services that fail: one clear line after at most a few seconds ----------------------


def _never_answers(name: str) -> Callable:
    def setup(s, monkeypatch):
        s[name].delay_s = 30.0

    return setup


def _always(name: str, status: int, headers: dict[str, str] | None = None) -> Callable:
    def setup(s, monkeypatch):
        s[name].override = (status, {"Content-Type": "text/html", **(headers or {})}, b"<html>storing</html>")

    return setup


def _cbs_url(url: Callable[[dict], str]) -> Callable:
    def setup(s, monkeypatch):
        monkeypatch.setenv(pdok.ENV_CBS_URL, url(s))

    return setup


PORT = _free_port()

ONLINE_CASES: dict[str, tuple[Callable, list[str], tuple[str, str, int]]] = {
    # name: (break the services, texts the message must hold ({cbs}/{overpass}/... = their URL),
    #        (service, path, how many requests it must have seen))
    "pdok_geeft_geen_antwoord": (
        _never_answers("cbs"),
        [
            "PDOK CBS Wijken en Buurten 2024",
            "{cbs}/cbs/wijken-en-buurten-2024/ogc/v1/collections/gemeenten/items",
            "gaf geen antwoord binnen 1 s",
            "controleer de internetverbinding",
            "--data",
            "timeout_s",
        ],
        ("cbs", "/items", 1),
    ),
    "overpass_geeft_geen_antwoord": (
        _never_answers("overpass"),
        [
            "OpenStreetMap Overpass",
            "{overpass}/api/interpreter",
            "gaf geen antwoord binnen 1 s",
            "controleer de internetverbinding",
            "--data",
        ],
        ("overpass", "/interpreter", 1),
    ),
    "locatieserver_geeft_geen_antwoord": (
        _never_answers("locatieserver"),
        ["PDOK Locatieserver", "{locatieserver}/search/v3_1/free", "gaf geen antwoord binnen 1 s"],
        ("locatieserver", "/free", 1),
    ),
    "pdok_altijd_500": (
        _always("cbs", 500),
        [
            "PDOK CBS Wijken en Buurten 2024",
            "{cbs}/",
            "HTTP 500",
            "na 3 pogingen",
            "probeer het later opnieuw",
            "--data",
        ],
        ("cbs", "/items", 3),
    ),
    "overpass_altijd_500": (
        _always("overpass", 500),
        [
            "OpenStreetMap Overpass",
            "{overpass}/api/interpreter",
            "HTTP 500",
            "na 3 pogingen",
            "probeer het later opnieuw",
        ],
        ("overpass", "/interpreter", 3),
    ),
    "overpass_altijd_504": (  # OSMnx on its own would wait 55 s and ask again, without end
        _always("overpass", 504),
        ["OpenStreetMap Overpass", "HTTP 504", "na 3 pogingen"],
        ("overpass", "/interpreter", 3),
    ),
    "overpass_altijd_429": (  # idem
        _always("overpass", 429),
        ["OpenStreetMap Overpass", "HTTP 429 (te veel verzoeken)", "na 3 pogingen"],
        ("overpass", "/interpreter", 3),
    ),
    "locatieserver_altijd_503": (
        _always("locatieserver", 503),
        ["PDOK Locatieserver", "{locatieserver}/search/v3_1/free", "HTTP 503", "na 3 pogingen"],
        ("locatieserver", "/free", 3),
    ),
    "overpass_429_wil_een_uur_wachten": (
        _always("overpass", 429, {"Retry-After": "3600"}),
        [
            "OpenStreetMap Overpass",
            "HTTP 429",
            "vraagt 3.600 s te wachten",
            "max_wachttijd_s",
            "probeer het na die tijd opnieuw",
        ],
        ("overpass", "/interpreter", 1),
    ),
    "pdok_503_wil_een_uur_wachten": (
        _always("cbs", 503, {"Retry-After": "3600"}),
        ["PDOK CBS Wijken en Buurten 2024", "HTTP 503", "vraagt 3.600 s te wachten"],
        ("cbs", "/items", 1),
    ),
    "pdok_verkeerd_adres": (  # as PDOK answers a path it does not know
        _always("cbs", 404, {"Content-Type": "application/problem+json"}),
        ["PDOK CBS Wijken en Buurten 2024", "{cbs}/", "HTTP 404 (niet gevonden)", "WOONZORG_PDOK_CBS_URL"],
        ("cbs", "/items", 1),  # a 404 is not asked again
    ),
    "pdok_niet_bereikbaar": (
        _cbs_url(lambda s: f"http://127.0.0.1:{PORT}/ogc/v1"),
        [
            "PDOK CBS Wijken en Buurten 2024",
            f"127.0.0.1:{PORT}",
            "niet bereikbaar (verbinding geweigerd)",
            "controleer de internetverbinding",
        ],
        ("cbs", "/items", 0),
    ),
}


@pytest.mark.parametrize("case", sorted(ONLINE_CASES))
def test_failing_online_service_stops_the_run(case, services, fast_settings, earlier_output, monkeypatch, capsys):
    setup, needles, (name, path, n_requests) = ONLINE_CASES[case]
    setup(services, monkeypatch)
    out, maps = earlier_output
    before = _snapshot(out, maps)
    t0 = time.perf_counter()
    code = main(
        [
            "--stil",
            "--instellingen",
            str(fast_settings),
            "analyse",
            "--online",
            "--geen-rasters",
            "--out",
            str(out),
            "--kaarten",
            str(maps),
        ]
    )
    elapsed = time.perf_counter() - t0
    err = capsys.readouterr().err
    urls = {k: v.url for k, v in services.items()}
    _assert_refused(code, err, [n.format(**urls) for n in needles])
    assert len(services[name].requests_to(path)) == n_requests
    assert elapsed < 15, f"{elapsed:.1f} s: the time-out or the retries are not bounded"
    assert _snapshot(out, maps) == before


def test_time_out_comes_from_the_settings(services, tmp_path, monkeypatch, capsys):
    """The default settings wait 60 s; [online] timeout_s = 2 waits 2 s, not 60 and not 1."""
    services["cbs"].delay_s = 30.0
    s = tmp_path / "twee.toml"
    s.write_text("[online]\ntimeout_s = 2\n", encoding="utf-8")
    t0 = time.perf_counter()
    code = main(
        [
            "--stil",
            "--instellingen",
            str(s),
            "analyse",
            "--online",
            "--out",
            str(tmp_path / "o"),
            "--kaarten",
            str(tmp_path / "k"),
        ]
    )
    elapsed = time.perf_counter() - t0
    _assert_refused(code, capsys.readouterr().err, ["gaf geen antwoord binnen 2 s"])
    assert 2.0 <= elapsed < 10
    assert settings_loader.load_settings().online.timeout_s == 60.0


# --- retries that succeed ----------------------------------------------------------------------


def _status(code: int, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return code, {"Content-Type": "text/html", **(headers or {})}, b"<html>even niet</html>"


def test_retries_carry_the_run_through_short_disturbances(services, fast_settings, tmp_path, capsys):
    """PDOK answers 503 twice, Overpass 429 with Retry-After: 1, the Locatieserver 502 once: the run succeeds."""
    services["cbs"].script = [_status(503), _status(503)]
    services["overpass"].script = [_status(429, {"Retry-After": "1"})]
    services["locatieserver"].script = [_status(502)]
    out = tmp_path / "output"
    t0 = time.perf_counter()
    code = main(
        [
            "--stil",
            "--instellingen",
            str(fast_settings),
            "analyse",
            "--online",
            "--geen-rasters",
            "--out",
            str(out),
            "--kaarten",
            str(tmp_path / "maps"),
        ]
    )
    elapsed = time.perf_counter() - t0
    assert code == 0, capsys.readouterr().err
    assert (out / "woonzorg.gpkg").exists()
    # gemeenten (1 + 2 retries), wijken, buurten
    assert len(services["cbs"].requests_to("/items")) == 5
    assert len(services["overpass"].requests_to("/interpreter")) == 2
    assert len(services["locatieserver"].requests_to("/free")) == 2
    assert elapsed >= 1.0  # the Retry-After was respected


def test_pdok_retry_waits_grow(local_network):
    """Waits of wachttijd_s, then twice that, before the 2nd and 3rd attempt."""
    with PdokFeaturesStandIn(_collections()) as cbs:
        cbs.script = [_status(503), _status(500)]
        t0 = time.perf_counter()
        got = pdok.fetch_cbs_areas(
            "gemeente",
            gemeentecode="GM0106",
            base_url=f"{cbs.url}/ogc/v1",
            online=OnlineSettings(timeout_s=5, pogingen=3, wachttijd_s=0.4),
        )
        elapsed = time.perf_counter() - t0
    assert list(got.index) == ["GM0106"]
    assert len(cbs.requests) == 3
    assert 1.2 <= elapsed < 5  # 0.4 + 0.8 s


def test_unreadable_retry_after_falls_back_to_the_backoff(local_network):
    with PdokFeaturesStandIn(_collections()) as cbs:
        cbs.script = [_status(503, {"Retry-After": "morgen"})]
        got = pdok.fetch_cbs_areas("wijk", gemeentecode="GM0106", base_url=f"{cbs.url}/ogc/v1", online=FAST)
    assert sorted(got["naam"]) == ["Oost", "West"]
    assert len(cbs.requests) == 2


def test_overpass_429_with_retry_after(local_network):
    with OverpassStandIn(_elements()) as ovp:
        ovp.script = [_status(429, {"Retry-After": "1"}), _status(503)]
        t0 = time.perf_counter()
        data = osm_raw.read_overpass(_area(), overpass_url=f"{ovp.url}/api", online=FAST)
        elapsed = time.perf_counter() - t0
    assert len(data.addresses) == 10
    assert len(ovp.requests_to("/interpreter")) == 3
    assert elapsed >= 1.0


def test_one_attempt_means_no_retry(local_network):
    with OverpassStandIn(_elements()) as ovp:
        ovp.script = [_status(503)]
        with pytest.raises(SourceUnavailableError, match="HTTP 503 .*na 1 poging\\."):
            osm_raw.read_overpass(
                _area(), overpass_url=f"{ovp.url}/api", online=OnlineSettings(timeout_s=5, pogingen=1)
            )
        assert len(ovp.requests_to("/interpreter")) == 1


def test_overpass_settings_are_restored_after_a_failure(local_network):
    import osmnx as ox

    names = (
        "overpass_url",
        "use_cache",
        "overpass_rate_limit",
        "requests_timeout",
        "requests_kwargs",
        "doh_url_template",
    )
    before = {n: getattr(ox.settings, n) for n in names}
    with OverpassStandIn(_elements()) as ovp:
        ovp.fail_status = 500
        with pytest.raises(SourceUnavailableError):
            osm_raw.read_overpass(_area(), overpass_url=f"{ovp.url}/api", online=FAST)
    assert {n: getattr(ox.settings, n) for n in names} == before


def _area():
    import geopandas as gpd
    import shapely

    return gpd.GeoSeries([shapely.box(233000, 557000, 234000, 558000)], crs="EPSG:28992")


# --- settings -------------------------------------------------------------------------------

BAD_ONLINE = {
    "timeout_nul": ("timeout_s = 0", "online.timeout_s"),
    "timeout_tekst": ('timeout_s = "60"', "online.timeout_s"),
    "pogingen_nul": ("pogingen = 0", "online.pogingen"),
    "pogingen_komma": ("pogingen = 2.5", "online.pogingen"),
    "wachttijd_negatief": ("wachttijd_s = -1", "online.wachttijd_s"),
    "wachttijd_boven_max": ("wachttijd_s = 90\nmax_wachttijd_s = 60", "online.wachttijd_s"),
    "onbekende_sleutel": ("time_out = 60", "time_out"),
}


@pytest.mark.parametrize("case", sorted(BAD_ONLINE))
def test_bad_online_settings_are_refused(case, tmp_path, capsys):
    text, needle = BAD_ONLINE[case]
    s = tmp_path / "s.toml"
    s.write_text(f"[online]\n{text}\n", encoding="utf-8")
    out = tmp_path / "o"
    code = main(["--instellingen", str(s), "analyse", "--online", "--out", str(out), "--kaarten", str(tmp_path / "k")])
    err = capsys.readouterr().err
    assert code == 2 and needle in err and str(s) in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


# --- the raw data folder: named folders are used as they are; online only when there is none ---


def _mirror(raw: Path, dst: Path, *, without: str | None = None) -> Path:
    """The raw data folder as symbolic links, one per top-level folder, optionally one left out."""
    dst.mkdir()
    for p in raw.iterdir():
        if p.name != without:
            (dst / p.name).symlink_to(p)
    return dst


def _top(settings, key: str) -> str:
    return getattr(settings.data, key).split("/")[0]


FOLDER_CASES: dict[str, tuple[Callable, list[str], list[str]]] = {
    # name: (make the folder and return the CLI arguments, texts in the message, dataset keys it must name)
    "lege_map": (
        lambda raw, t, s, mp: ["--data", str(_empty_folder(t / "leeg"))],
        ["nodige gegevensbestand(en) ontbreken", "--online", "--data"],
        [
            "gemeentegrens",
            "buurten",
            "wijken",
            "kerncijfers",
            "osm_tiles",
            "gtfs_stops",
            "treinstations",
            "huisartsen",
            "apotheken",
            "supermarkten_ketens",
        ],
    ),
    "bushaltes_weg": (
        lambda raw, t, s, mp: ["--data", str(_mirror(raw, t / "raw", without=_top(s, "gtfs_stops")))],
        ["1 nodige gegevensbestand(en) ontbreken", "gtfs_stops (gtfs_stops_ovapi_2015_aiolos)", "--online"],
        ["gtfs_stops"],
    ),
    "data_map_bestaat_niet": (
        lambda raw, t, s, mp: ["--data", str(t / "bestaat_niet")],
        ["bestaat_niet", "bestaat niet", "--data", "--online"],
        [],
    ),
    "woonzorg_data_bestaat_niet": (
        lambda raw, t, s, mp: mp.setenv("WOONZORG_DATA", str(t / "weg")) or [],
        ["weg: map met ruwe gegevens bestaat niet", "WOONZORG_DATA", "--online"],
        [],
    ),
}


def _empty_folder(folder: Path) -> Path:
    folder.mkdir()
    return folder


@pytest.mark.realdata
@pytest.mark.parametrize("case", sorted(FOLDER_CASES))
def test_named_data_folder_without_files_is_an_error_not_online(
    case, raw_dir, settings, services, tmp_path, earlier_output, monkeypatch, capsys
):
    make, needles, keys = FOLDER_CASES[case]
    args = make(raw_dir, tmp_path, settings, monkeypatch)
    out, maps = earlier_output
    before = _snapshot(out, maps)
    code = main(["--stil", *args, "analyse", "--out", str(out), "--kaarten", str(maps)])
    err = capsys.readouterr().err
    _assert_refused(code, err, needles)
    for key in keys:
        assert re.search(rf"\b{key} \(", err), f"{key} not named in {err!r}"
    others = set(datasets.CATALOGUE) - set(keys) - {"pc4"}
    for key in others:
        assert not re.search(rf"\b{key} \(", err), f"{key} named but present: {err!r}"
    assert all(not s.requests for s in services.values()), "went online although a data folder was named"
    assert _snapshot(out, maps) == before


def test_without_any_data_folder_analyse_goes_online(services, fast_settings, tmp_path, monkeypatch, capsys):
    """No --data, no WOONZORG_DATA, no ../shared/geodata/raw anywhere: analyse loads from the services."""
    monkeypatch.delenv("WOONZORG_DATA")
    # a working and a package folder with no shared/geodata/raw above them: not under /tmp, where
    # a clone's ../shared may lie (git clone . /tmp/x beside /tmp/shared)
    shm = Path("/dev/shm")
    work = Path(tempfile.mkdtemp(prefix="werkmap-", dir=shm)) if shm.is_dir() else tmp_path / "werkmap"
    work.mkdir(exist_ok=True)
    monkeypatch.setattr(raw_data, "PACKAGE_DIR", work / "pakket")
    monkeypatch.chdir(work)
    with pytest.raises(Exception, match="geen map met ruwe gegevens gevonden"):
        raw_data.find_raw_dir(settings_loader.load_settings())  # the search really finds nothing here
    code = main(
        [
            "--stil",
            "--instellingen",
            str(fast_settings),
            "analyse",
            "--geen-rasters",
            "--out",
            str(tmp_path / "o"),
            "--kaarten",
            str(tmp_path / "k"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "geen map met ruwe gegevens gevonden" in err and "van internet" in err
    assert services["cbs"].requests_to("/items") and services["overpass"].requests_to("/interpreter")
    assert (tmp_path / "o" / "woonzorg.gpkg").exists()
    monkeypatch.chdir(tmp_path)
    shutil.rmtree(work, ignore_errors=True)


# --- the data command: an inventory of everything, not a stop at the first missing file --------


def test_data_on_an_empty_folder_lists_every_dataset(tmp_path, settings, capsys):
    empty = tmp_path / "leeg"
    empty.mkdir()
    code = main(["--data", str(empty), "data"])
    captured = capsys.readouterr()
    _assert_refused(code, captured.err, [str(empty), "10 nodige dataset(s) ontbreken", "--online", "--data"])
    lines = captured.out.splitlines()
    assert f"in {empty}: 0 van de 11 aanwezig" in lines[0]
    for key, meta in datasets.CATALOGUE.items():
        path = empty / getattr(settings.data, key)
        optional = " (optioneel)" if key == "pc4" else ""
        assert f"{meta['omschrijving']} ({key}): ontbreekt{optional}: {path}" in lines, key
    assert not any("aanwezig" in line for line in lines[1:])


@pytest.mark.realdata
def test_data_with_one_dataset_removed(raw_dir, settings, tmp_path, capsys):
    root = _mirror(raw_dir, tmp_path / "raw", without=_top(settings, "treinstations"))
    code = main(["--data", str(root), "data"])
    captured = capsys.readouterr()
    _assert_refused(code, captured.err, ["1 nodige dataset(s) ontbreken (treinstations)"])
    lines = captured.out.splitlines()
    assert "10 van de 11 aanwezig" in lines[0]
    statuses = {line.split(" (")[-1].split(")")[0]: line.rsplit("): ", 1)[1] for line in lines[2:]}
    assert statuses.pop("treinstations") == f"ontbreekt: {root / settings.data.treinstations}"
    assert set(statuses.values()) == {"aanwezig"} and len(statuses) == 10


@pytest.mark.realdata
def test_data_without_the_optional_pc4_is_complete(raw_dir, settings, tmp_path, capsys):
    root = _mirror(raw_dir, tmp_path / "raw", without=_top(settings, "pc4"))
    assert main(["--stil", "--data", str(root), "data"]) == 0
    text = capsys.readouterr().out
    assert text.count("status: aanwezig") == 10 and text.count("status: ontbreekt") == 1
    assert "109 buurten" in text
