"""The PDOK BAG WFS loader against a stand-in on 127.0.0.1 answering in the WFS's GeoJSON format."""

from __future__ import annotations

import pytest
from standins import BagWfsStandIn, bag_feature

from woonzorg_geo.core.config import OnlineSettings
from woonzorg_geo.core.errors import DataFileError, SourceUnavailableError
from woonzorg_geo.sources.bag import bag_is_home, fetch_bag_addresses

FAST = OnlineSettings(timeout_s=1.0, pogingen=1, wachttijd_s=0.05, max_wachttijd_s=5.0)
X0, Y0 = 233000.0, 557000.0
BOUNDS = (X0, Y0, X0 + 1000, Y0 + 1000)


@pytest.fixture(autouse=True)
def _local_only(local_network):
    pass


def _features(n: int) -> list[dict]:
    feats = [bag_feature(f"0106010000{k:06d}", X0 + 10 + k, Y0 + 20 + k, huisnummer=k + 1) for k in range(n)]
    feats.append(bag_feature("0106010000999999", X0 + 5000, Y0 + 5000))  # outside the bbox
    return feats


def test_pages_until_a_short_page(tmp_path):
    with BagWfsStandIn(_features(25)) as wfs:
        adr = fetch_bag_addresses(BOUNDS, base_url=f"{wfs.url}/lv/bag/wfs/v2_0", online=FAST, page_size=10)
        starts = [int(r.param("startIndex")) for r in wfs.requests]
        first = wfs.requests[0]
    assert starts == [0, 10, 20]
    assert len(adr) == 25 and adr.crs.to_epsg() == 28992
    assert "0106010000999999" not in adr.index
    assert first.param("typeNames") == "bag:verblijfsobject"
    assert first.param("outputFormat") == "application/json"
    assert first.param("srsName") == "EPSG:28992"
    assert first.param("bbox").endswith("urn:ogc:def:crs:EPSG::28992")
    assert adr["woning"].all()
    assert adr.loc["0106010000000004", "housenumber"] == "5"
    assert adr.loc["0106010000000004"].geometry.x == pytest.approx(X0 + 14)


def test_exact_multiple_of_page_size_ends_on_empty_page():
    with BagWfsStandIn(_features(20)) as wfs:
        adr = fetch_bag_addresses(BOUNDS, base_url=wfs.url, online=FAST, page_size=10)
        assert len(wfs.requests) == 3
    assert len(adr) == 20


def test_woning_and_reason_per_gebruiksdoel_and_status():
    feats = [
        bag_feature("1", X0 + 1, Y0 + 1, gebruiksdoel="woonfunctie,winkelfunctie", huisletter="a", toevoeging="2"),
        bag_feature("2", X0 + 2, Y0 + 2, gebruiksdoel="industriefunctie"),
        bag_feature("3", X0 + 3, Y0 + 3, status="Verblijfsobject buiten gebruik"),
        bag_feature("4", X0 + 4, Y0 + 4, status="Verblijfsobject in gebruik (niet ingemeten)"),
    ]
    with BagWfsStandIn(feats) as wfs:
        adr = fetch_bag_addresses(BOUNDS, base_url=wfs.url, online=FAST)
    assert adr["woning"].tolist() == [True, False, False, True]
    assert adr.loc["1", "housenumber"] == "1a-2"
    assert adr.loc["1", "gebruiksdoel"] == "woonfunctie,winkelfunctie"
    assert adr.loc["2", "woning_reden"] == "BAG-gebruiksdoel zonder woonfunctie (industriefunctie)"
    assert adr.loc["3", "woning_reden"] == "BAG-status: Verblijfsobject buiten gebruik"
    assert adr.loc[["1", "4"], "woning_reden"].isna().all()


def test_bag_woning_accepts_a_list_of_uses():
    assert bag_is_home(["Woonfunctie", "kantoorfunctie"], "Verblijfsobject in gebruik") == (True, None)
    assert bag_is_home(None, "Verblijfsobject in gebruik") == (False, "BAG-gebruiksdoel zonder woonfunctie (geen)")


@pytest.mark.parametrize(
    ("answer", "error", "needle"),
    [
        ((500, {"Content-Type": "text/html"}, b"<h1>Internal Server Error</h1>"), SourceUnavailableError, "HTTP 500"),
        (
            (200, {"Content-Type": "application/json"}, b'{"type": "FeatureCollection", "features": [{"ty'),
            DataFileError,
            "geen geldige JSON",
        ),
        ((200, {"Content-Type": "application/json"}, b""), DataFileError, "geen geldige JSON"),
        ((200, {"Content-Type": "text/xml"}, b"<ows:ExceptionReport/>"), DataFileError, "geen geldige JSON"),
        (
            (200, {"Content-Type": "application/json"}, b'{"type": "Feature"}'),
            DataFileError,
            "geen GeoJSON FeatureCollection",
        ),
        (
            (200, {"Content-Type": "application/json"}, b'{"type": "FeatureCollection", "features": []}'),
            DataFileError,
            "geen enkel verblijfsobject",
        ),
    ],
    ids=["http500", "afgebroken", "leeg", "xml", "geen-collectie", "geen-objecten"],
)
def test_bad_answers_are_clear_errors(answer, error, needle):
    with BagWfsStandIn([]) as wfs:
        wfs.override = answer
        with pytest.raises(error) as info:
            fetch_bag_addresses(BOUNDS, base_url=wfs.url, online=FAST)
    text = str(info.value)
    assert needle in text and "PDOK BAG WFS" in text
    assert "WOONZORG_PDOK_BAG_URL" in text or "Oplossing" in text


def test_feature_without_point_or_status_is_refused():
    bad = bag_feature("1", X0 + 1, Y0 + 1)
    bad["geometry"] = None
    with BagWfsStandIn([bag_feature("2", X0 + 2, Y0 + 2), bad]) as wfs:
        wfs.override = None
        with pytest.raises(DataFileError, match="geen puntgeometrie"):
            fetch_bag_addresses(BOUNDS, base_url=wfs.url, online=FAST)
    no_status = bag_feature("3", X0 + 3, Y0 + 3)
    del no_status["properties"]["status"]
    with BagWfsStandIn([no_status]) as wfs, pytest.raises(DataFileError, match="status ontbreekt"):
        fetch_bag_addresses(BOUNDS, base_url=wfs.url, online=FAST)


def test_wgs84_answer_is_refused():
    with BagWfsStandIn([bag_feature("1", 6.56, 53.0)]) as wfs, pytest.raises(DataFileError, match="EPSG:28992"):
        fetch_bag_addresses((0, 0, 100, 100), base_url=wfs.url, online=FAST)
