"""PDOK clients against local stand-ins in the real PDOK formats (no internet needed)."""

from __future__ import annotations

import json
import math
import socket

import numpy as np
import pandas as pd
import pytest
import requests
import shapely
from pyproj import Transformer
from standins import RD_URI, LocatieserverStandIn, PdokFeaturesStandIn

from woonzorg_geo.core.config import OnlineSettings
from woonzorg_geo.core.errors import DataFileError, SourceUnavailableError
from woonzorg_geo.sources import cbs, pdok

#: Three attempts, hardly any wait between them.
FAST = OnlineSettings(pogingen=3, wachttijd_s=0.01)
TO_WGS84 = Transformer.from_crs("EPSG:28992", "OGC:CRS84", always_xy=True)


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch, local_network: None) -> None:
    """No PDOK URL comes from the environment (and no proxy, see ``local_network``)."""
    monkeypatch.delenv(pdok.ENV_CBS_URL, raising=False)
    monkeypatch.delenv(pdok.ENV_LOCATIESERVER_URL, raising=False)


# ----------------------------------------------------------------------------- synthetic CBS data


def _square_rd(x0: float, y0: float, size: float = 400.0) -> shapely.Polygon:
    return shapely.box(x0, y0, x0 + size, y0 + size)


def _feature(fid: int, poly_rd: shapely.Polygon, props: dict) -> dict:
    ring = [list(TO_WGS84.transform(x, y)) for x, y in poly_rd.exterior.coords]
    return {
        "id": fid,
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": props,
    }


#: Five buurten in GM0106 (two wijken) and one in another gemeente, as RD polygons.
BUURTEN_RD = {
    "BU01060001": _square_rd(233000, 557000),
    "BU01060002": _square_rd(233400, 557000),
    "BU01060003": _square_rd(233800, 557000),
    "BU01060101": _square_rd(233000, 557400),
    "BU01060102": _square_rd(233400, 557400),
    "BU99990001": _square_rd(240000, 560000),
}


def _buurt_props(code: str, i: int) -> dict:
    gm = "GM" + code[2:6]
    props = {
        "buurtcode": code,
        "buurtnaam": f"Buurt {i}",
        "wijkcode": "WK" + code[2:8],
        "gemeentecode": gm,
        "gemeentenaam": "Assen" if gm == "GM0106" else "Elders",
        "water": "NEE",
        "aantalInwoners": 100 * (i + 1),
        "percentagePersonen65JaarEnOuder": 20 + i,
        "afstandTotHuisartsenpraktijk": 0.5 + i / 10,
        "jaar": 2024,
    }
    if code == "BU01060002":
        props["aantalInwoners"] = -99999999  # CBS: geheim
    if code == "BU01060003":
        props["percentagePersonen65JaarEnOuder"] = -99999997  # CBS: geheim (afgerond)
    if code == "BU01060101":
        props["afstandTotHuisartsenpraktijk"] = "."  # placeholder text for "no value"
    return props


def _collections() -> dict[str, list[dict]]:
    buurten = [_feature(i + 1, poly, _buurt_props(code, i)) for i, (code, poly) in enumerate(BUURTEN_RD.items())]
    wijken = [
        _feature(
            1,
            _square_rd(233000, 557000, 1200),
            {
                "wijkcode": "WK010600",
                "wijknaam": "Centrum",
                "gemeentecode": "GM0106",
                "aantalInwoners": 900,
            },
        ),
        _feature(
            2,
            _square_rd(233000, 557400, 800),
            {
                "wijkcode": "WK010601",
                "wijknaam": "Noord",
                "gemeentecode": "GM0106",
                "aantalInwoners": -99999999,
            },
        ),
    ]
    gemeenten = [
        _feature(
            1,
            _square_rd(233000, 557000, 1200),
            {"gemeentecode": "GM0106", "gemeentenaam": "Assen", "aantalInwoners": 69000},
        )
    ]
    return {"buurten": buurten, "wijken": wijken, "gemeenten": gemeenten}


@pytest.fixture
def cbs_server():
    with PdokFeaturesStandIn(_collections()) as server:
        yield server


def _base(server) -> str:
    return f"{server.url}/cbs/wijken-en-buurten-2024/ogc/v1"


# ----------------------------------------------------------------------------- fetch_cbs_areas


def test_buurten_follow_every_next_link(cbs_server):
    gdf = pdok.fetch_cbs_areas("buurt", gemeentecode="GM0106", base_url=_base(cbs_server), page_size=2)

    items = cbs_server.requests_to("/collections/buurten/items")
    assert len(items) == 3  # 5 buurten, 2 per page
    first = items[0]
    assert first.param("gemeentecode") == "GM0106"
    assert first.param("limit") == "2"
    assert first.param("crs") == RD_URI
    assert first.param("cursor") is None
    assert all(r.param("cursor") for r in items[1:])
    assert all(r.param("gemeentecode") == "GM0106" for r in items)

    assert gdf.index.name == "code"
    assert sorted(gdf.index) == [
        "BU01060001",
        "BU01060002",
        "BU01060003",
        "BU01060101",
        "BU01060102",
    ]
    assert list(gdf.columns[:3]) == ["naam", "gemeentecode", "wijkcode"]
    assert "buurtcode" not in gdf.columns and "buurtnaam" not in gdf.columns
    assert gdf.loc["BU01060101", "naam"] == "Buurt 3"
    assert gdf.loc["BU01060101", "wijkcode"] == "WK010601"
    assert (gdf["gemeentecode"] == "GM0106").all()
    assert gdf.crs == "EPSG:28992"
    for code, poly in BUURTEN_RD.items():
        if code in gdf.index:
            assert gdf.loc[code, "geometry"].equals_exact(poly, tolerance=0.01)


def test_cbs_missing_values_become_nan(cbs_server):
    gdf = pdok.fetch_cbs_areas("buurten", gemeentecode="0106", base_url=_base(cbs_server))

    assert len(cbs_server.requests_to("/items")) == 1  # 5 < default page size
    inwoners = gdf["aantalInwoners"]
    assert pd.api.types.is_float_dtype(inwoners)
    assert math.isnan(inwoners["BU01060002"])
    assert inwoners["BU01060001"] == 100 and inwoners["BU01060102"] == 500
    assert (inwoners.dropna() > 0).all()
    assert math.isnan(gdf.loc["BU01060003", "percentagePersonen65JaarEnOuder"])
    assert gdf.loc["BU01060001", "percentagePersonen65JaarEnOuder"] == 20
    afstand = gdf["afstandTotHuisartsenpraktijk"]
    assert pd.api.types.is_float_dtype(afstand)
    assert math.isnan(afstand["BU01060101"])
    assert afstand["BU01060002"] == pytest.approx(0.6)
    assert (gdf["water"] == "NEE").all()
    numeric = gdf.select_dtypes("number")
    assert not (numeric <= cbs.CBS_MISSING_THRESHOLD).any().any()


def test_wijken_level(cbs_server):
    gdf = pdok.fetch_cbs_areas("wijk", gemeentecode=106, base_url=_base(cbs_server))

    assert cbs_server.requests_to("/collections/wijken/items")
    assert list(gdf.index) == ["WK010600", "WK010601"]
    assert gdf.loc["WK010601", "naam"] == "Noord"
    assert "wijkcode" not in gdf.columns and "wijknaam" not in gdf.columns
    assert np.isnan(gdf.loc["WK010601", "aantalInwoners"])
    assert gdf.loc["WK010600", "aantalInwoners"] == 900


def test_gemeente_level(cbs_server):
    gdf = pdok.fetch_cbs_areas("gemeente", gemeentecode="GM0106", base_url=_base(cbs_server))
    assert cbs_server.requests[0].path.endswith("/collections/gemeenten/items")
    assert list(gdf.index) == ["GM0106"]
    assert gdf.loc["GM0106", "naam"] == "Assen"
    assert gdf.loc["GM0106", "gemeentecode"] == "GM0106"
    assert gdf.loc["GM0106", "aantalInwoners"] == 69000


def test_server_without_crs_support_is_reprojected():
    with PdokFeaturesStandIn(_collections(), honour_crs=False) as server:
        gdf = pdok.fetch_cbs_areas("buurt", gemeentecode="GM0106", base_url=_base(server))
    assert gdf.crs == "EPSG:28992"
    assert gdf.loc["BU01060001", "geometry"].equals_exact(BUURTEN_RD["BU01060001"], tolerance=0.01)


def test_cbs_url_from_environment_with_year(cbs_server, monkeypatch):
    monkeypatch.setenv(pdok.ENV_CBS_URL, f"{cbs_server.url}/cbs/wijken-en-buurten-{{year}}/ogc/v1")
    gdf = pdok.fetch_cbs_areas("buurt", gemeentecode="GM0106", year=2023)
    assert len(gdf) == 5
    assert cbs_server.requests[0].path == "/cbs/wijken-en-buurten-2023/ogc/v1/collections/buurten/items"


def test_unknown_gemeente_is_a_data_error(cbs_server):
    with pytest.raises(DataFileError, match="GM0000") as info:
        pdok.fetch_cbs_areas("buurt", gemeentecode="GM0000", base_url=_base(cbs_server))
    assert info.value.field == "gemeentecode"
    assert "controleer de gemeentecode" in str(info.value)


def test_http_500_is_source_unavailable(cbs_server):
    cbs_server.fail_status = 500
    with pytest.raises(SourceUnavailableError, match="HTTP 500") as info:
        pdok.fetch_cbs_areas("buurt", gemeentecode="GM0106", base_url=_base(cbs_server), online=FAST)
    assert cbs_server.url in str(info.value) and "na 3 pogingen" in str(info.value)
    assert len(cbs_server.requests) == 3
    assert isinstance(info.value, ConnectionError)


def test_timeout_is_source_unavailable(cbs_server):
    cbs_server.delay_s = 3.0
    with pytest.raises(SourceUnavailableError, match="geen antwoord binnen 0,3 s") as info:
        pdok.fetch_cbs_areas(
            "buurt", gemeentecode="GM0106", base_url=_base(cbs_server), online=OnlineSettings(timeout_s=0.3)
        )
    assert cbs_server.url in str(info.value)
    assert len(cbs_server.requests) == 1  # a service that does not answer is not asked again


def test_refused_connection_is_source_unavailable():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/ogc/v1"
    with pytest.raises(SourceUnavailableError, match=f"127.0.0.1:{port}"):
        pdok.fetch_cbs_areas("buurt", gemeentecode="GM0106", base_url=url, online=OnlineSettings(timeout_s=2))


def test_non_geojson_answer_is_a_data_error(cbs_server):
    cbs_server.override = (200, {"Content-Type": "application/json"}, b'{"title": "landing page"}')
    with pytest.raises(DataFileError, match="FeatureCollection"):
        pdok.fetch_cbs_areas("buurt", gemeentecode="GM0106", base_url=_base(cbs_server))


def test_next_link_loop_is_detected(cbs_server):
    loop = {
        "type": "FeatureCollection",
        "numberReturned": 1,
        "features": [_feature(1, BUURTEN_RD["BU01060001"], _buurt_props("BU01060001", 0))],
        "links": [{"rel": "next", "href": f"{_base(cbs_server)}/collections/buurten/items?cursor=x"}],
    }
    cbs_server.override = (200, {"Content-Type": "application/geo+json"}, json.dumps(loop).encode())
    with pytest.raises(DataFileError, match="paginering"):
        pdok.fetch_cbs_areas("buurt", gemeentecode="GM0106", base_url=_base(cbs_server))
    assert len(cbs_server.requests) == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="niveau"):
        pdok.fetch_cbs_areas("provincie", gemeentecode="GM0106")
    with pytest.raises(ValueError, match="gemeentecode"):
        pdok.fetch_cbs_areas("buurt", gemeentecode="Assen")
    assert pdok.normalise_gemeentecode("gm106") == "GM0106"
    assert pdok.normalise_gemeentecode(1680) == "GM1680"


def test_default_urls():
    assert pdok._cbs_base_url(None, 2024) == "https://api.pdok.nl/cbs/wijken-en-buurten-2024/ogc/v1"
    assert pdok._locatieserver_base_url(None) == "https://api.pdok.nl/bzk/locatieserver/search/v3_1"


# ----------------------------------------------------------------------------- Locatieserver


DOCS = [
    {
        "id": "adr-1",
        "type": "adres",
        "weergavenaam": "Brink 1, 9401HS Assen",
        "score": 9.5,
        "centroide_rd": "POINT(233521.3 557025.8)",
        "centroide_ll": "POINT(6.56211 52.99273)",
        "straatnaam": "Brink",
        "huisnummer": 1,
        "postcode": "9401HS",
        "woonplaatsnaam": "Assen",
        "gemeentecode": "0106",
        "bron": "BAG",
    },
    {
        "id": "adr-2",
        "type": "adres",
        "weergavenaam": "Brink 10, 9401HS Assen",
        "score": 7.0,
        "centroide_rd": "POINT(233560.0 557010.0)",
        "centroide_ll": "POINT(6.56268 52.99259)",
        "straatnaam": "Brink",
        "huisnummer": 10,
        "postcode": "9401HS",
        "woonplaatsnaam": "Assen",
    },
    {
        "id": "pcd-1",
        "type": "postcode",
        "weergavenaam": "Kerkplein, 9401HR Assen",
        "score": 5.0,
        "centroide_rd": "POINT(233600.5 557100.25)",
        "centroide_ll": "POINT(6.56326 52.99336)",
        "postcode": "9401HR",
        "woonplaatsnaam": "Assen",
    },
]


@pytest.fixture
def ls_server():
    with LocatieserverStandIn(DOCS) as server:
        yield server


def _ls_base(server) -> str:
    return f"{server.url}/bzk/locatieserver/search/v3_1"


def test_geocode_returns_rd_coordinates(ls_server):
    hit = pdok.geocode_locatieserver("Brink 1 Assen", base_url=_ls_base(ls_server))

    assert hit is not None
    assert (hit["x"], hit["y"]) == (233521.3, 557025.8)
    assert (hit["lon"], hit["lat"]) == (6.56211, 52.99273)
    assert hit["label"] == "Brink 1, 9401HS Assen"
    assert hit["type"] == "adres" and hit["precision"] == "adres"
    assert hit["method"] == "pdok_locatieserver"
    assert hit["score"] == 9.5
    assert hit["postcode"] == "9401HS" and hit["huisnummer"] == 1
    (req,) = ls_server.requests
    assert req.path == "/bzk/locatieserver/search/v3_1/free"
    assert req.param("q") == "Brink 1 Assen"
    assert req.param("fq") == "type:adres"
    assert req.param("rows") == "1"
    assert "centroide_rd" in req.param("fl").split(",")


def test_geocode_not_found_is_none(ls_server):
    assert pdok.geocode_locatieserver("Nergensstraat 99 Nergenshuizen", base_url=_ls_base(ls_server)) is None
    # a postcode object exists, but only addresses are asked by default
    assert pdok.geocode_locatieserver("Kerkplein 9401HR", base_url=_ls_base(ls_server)) is None
    assert len(ls_server.requests) == 2


def test_geocode_postcode_precision(ls_server):
    hit = pdok.geocode_locatieserver("Kerkplein 9401HR", base_url=_ls_base(ls_server), types=("adres", "postcode"))
    assert hit is not None
    assert hit["precision"] == "postcode"
    assert (hit["x"], hit["y"]) == (233600.5, 557100.25)
    assert ls_server.requests[0].param("fq") == "type:(adres OR postcode)"


def test_geocode_min_score(ls_server):
    base = _ls_base(ls_server)
    assert pdok.geocode_locatieserver("Brink 10", base_url=base, min_score=8.0) is None
    assert pdok.geocode_locatieserver("Brink 10", base_url=base, min_score=6.0)["label"] == "Brink 10, 9401HS Assen"


def test_geocode_url_from_environment(ls_server, monkeypatch):
    monkeypatch.setenv(pdok.ENV_LOCATIESERVER_URL, _ls_base(ls_server) + "/free")
    hit = pdok.geocode_locatieserver("Brink 1")
    assert hit is not None and hit["x"] == 233521.3
    assert ls_server.requests[0].path.endswith("/v3_1/free")


def test_geocode_http_500(ls_server):
    ls_server.fail_status = 500
    with pytest.raises(SourceUnavailableError, match="HTTP 500") as info:
        pdok.geocode_locatieserver("Brink 1", base_url=_ls_base(ls_server), online=FAST)
    assert ls_server.url in str(info.value)


def test_geocode_bad_payload(ls_server):
    ls_server.override = (200, {"Content-Type": "application/json"}, b'{"docs": []}')
    with pytest.raises(DataFileError, match="response.docs"):
        pdok.geocode_locatieserver("Brink 1", base_url=_ls_base(ls_server))


def test_geocode_with_session(ls_server):
    with requests.Session() as session:
        session.trust_env = False
        hit = pdok.geocode_locatieserver("Brink 10", base_url=_ls_base(ls_server), session=session)
    assert hit["y"] == 557010.0


def test_geocode_empty_query():
    with pytest.raises(ValueError, match="lege zoekvraag"):
        pdok.geocode_locatieserver("  ")


def test_geocode_bad_point(ls_server):
    body = {"response": {"numFound": 1, "docs": [{"type": "adres", "centroide_rd": "POINT(1)"}]}}
    ls_server.override = (200, {"Content-Type": "application/json"}, json.dumps(body).encode())
    with pytest.raises(DataFileError, match="centroide_rd"):
        pdok.geocode_locatieserver("Brink 1", base_url=_ls_base(ls_server))
