"""Raw OSM readers: a hand-made XML file, the real Amsterdam PBF, and Overpass via a stand-in."""

from __future__ import annotations

import math
import re
import socket
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import osmnx as ox
import pytest
import shapely
from pyproj import Transformer
from standins import OverpassStandIn

from woonzorg_geo.core.config import OnlineSettings
from woonzorg_geo.core.errors import DataFileError, MissingDataError, SourceUnavailableError
from woonzorg_geo.sources import osm_raw
from woonzorg_geo.sources.osm import OSMData
from woonzorg_geo.sources.osm_raw import highway_to_omt, read_osm_file, read_overpass

PBF = Path("osm_valhalla_amsterdam_fixture") / "amsterdam.osm.pbf"  # under ../shared/geodata/raw
TO_RD = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)


@pytest.fixture(autouse=True)
def _local_only(monkeypatch: pytest.MonkeyPatch, local_network: None) -> None:
    monkeypatch.delenv(osm_raw.ENV_OVERPASS_URL, raising=False)


# ----------------------------------------------------------------------------- highway_to_omt


@pytest.mark.parametrize(
    ("highway", "expected"),
    [
        ("motorway", ("motorway", None)),
        ("motorway_link", ("motorway", None)),
        ("trunk", ("trunk", None)),
        ("primary_link", ("primary", None)),
        ("secondary", ("secondary", None)),
        ("tertiary_link", ("tertiary", None)),
        ("residential", ("minor", "residential")),
        ("unclassified", ("minor", "unclassified")),
        ("living_street", ("minor", "living_street")),
        ("road", ("minor", "road")),
        ("service", ("service", None)),
        ("track", ("track", None)),
        ("footway", ("path", "footway")),
        ("path", ("path", "path")),
        ("cycleway", ("path", "cycleway")),
        ("bridleway", ("path", "bridleway")),
        ("steps", ("path", "steps")),
        ("corridor", ("path", "corridor")),
        ("pedestrian", ("pedestrian", None)),
        ("elevator", ("elevator", None)),
        ("platform", ("platform", None)),
        ("construction", (None, None)),
        ("bus_stop", (None, None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_highway_to_omt(highway, expected):
    assert highway_to_omt(highway) == expected


def test_poi_rules_from_package_categories():
    rules = osm_raw.poi_tag_rules()
    assert list(rules)[:3] == ["highway", "public_transport", "amenity"]
    assert rules["highway"] == frozenset({"bus_stop"})
    assert rules["railway"] == frozenset({"station", "halt"})
    assert rules["amenity"] is None and rules["shop"] is None and rules["social_facility"] is None


# ----------------------------------------------------------------------------- hand-made fixture

NODES: dict[int, tuple[float, float, dict[str, str]]] = {
    1: (6.5600, 52.9900, {}),
    2: (6.5610, 52.9900, {}),
    3: (6.5620, 52.9900, {}),
    4: (6.5600, 52.9910, {}),
    5: (6.5610, 52.9910, {"highway": "crossing"}),
    6: (6.5620, 52.9910, {}),
    7: (6.5630, 52.9900, {}),
    8: (6.5640, 52.9900, {}),
    9: (6.5640, 52.9906, {}),
    10: (6.5630, 52.9906, {}),
    11: (
        6.5605,
        52.9905,
        {
            "shop": "supermarket",
            "name": "Buurtsuper",
            "addr:housenumber": "12",
            "addr:street": "Brink",
            "addr:postcode": "9401HS",
        },
    ),
    12: (6.5615, 52.9905, {"highway": "bus_stop", "public_transport": "platform", "name": "Brink"}),
    13: (6.5625, 52.9915, {"railway": "station", "name": "Assen"}),
    14: (6.5626, 52.9916, {"railway": "level_crossing"}),
    15: (6.5601, 52.9911, {"addr:housenumber": "3a", "addr:street": "Kerkstraat"}),
    16: (6.5650, 52.9900, {}),
    17: (6.5660, 52.9900, {}),
    18: (6.5660, 52.9908, {}),
    19: (6.5650, 52.9908, {}),
    20: (6.5612, 52.9912, {"amenity": "doctors", "healthcare": "doctor", "name": "Huisarts"}),
}
WAYS: dict[int, tuple[list[int], dict[str, str]]] = {
    101: (
        [1, 2, 3],
        {"highway": "residential", "name": "Kerkstraat", "oneway": "yes", "bridge": "yes"},
    ),
    102: ([4, 5, 6], {"highway": "footway"}),
    103: ([1, 4], {"highway": "cycleway"}),
    104: ([2, 5], {"highway": "steps"}),
    105: ([3, 6], {"highway": "service", "service": "driveway"}),
    106: ([1, 5], {"highway": "construction"}),
    107: (
        [7, 8, 9, 10, 7],
        {
            "building": "yes",
            "amenity": "pharmacy",
            "name": "Apotheek Brink",
            "addr:housenumber": "5",
            "addr:street": "Brink",
        },
    ),
    108: ([16, 17, 18], {}),
    109: ([18, 19, 16], {}),
    110: ([2, 6], {"highway": "tertiary_link", "oneway": "-1", "tunnel": "yes"}),
}
RELATIONS: dict[int, tuple[list[int], dict[str, str]]] = {
    201: ([108, 109], {"type": "multipolygon", "amenity": "hospital", "name": "Ziekenhuis"}),
}


def _rd(lon: float, lat: float) -> shapely.Point:
    return shapely.Point(TO_RD.transform(lon, lat))


def _write_osm_xml(path: Path) -> Path:
    def tags(t: dict[str, str]) -> str:
        return "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in t.items())

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<osm version="0.6" generator="woonzorg-test">',
    ]
    for nid, (lon, lat, t) in NODES.items():
        parts.append(f'<node id="{nid}" version="1" lat="{lat}" lon="{lon}">{tags(t)}</node>')
    for wid, (refs, t) in WAYS.items():
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        parts.append(f'<way id="{wid}" version="1">{nds}{tags(t)}</way>')
    for rid, (members, t) in RELATIONS.items():
        mem = "".join(f'<member type="way" ref="{m}" role="outer"/>' for m in members)
        parts.append(f'<relation id="{rid}" version="1">{mem}{tags(t)}</relation>')
    parts.append("</osm>")
    path.write_text("\n".join(parts), encoding="utf-8")
    return path


def _overpass_elements() -> list[dict]:
    out: list[dict] = []
    for nid, (lon, lat, t) in NODES.items():
        out.append({"type": "node", "id": nid, "lat": lat, "lon": lon, **({"tags": t} if t else {})})
    for wid, (refs, t) in WAYS.items():
        out.append({"type": "way", "id": wid, "nodes": refs, **({"tags": t} if t else {})})
    for rid, (members, t) in RELATIONS.items():
        out.append(
            {
                "type": "relation",
                "id": rid,
                "tags": t,
                "members": [{"type": "way", "ref": m, "role": "outer"} for m in members],
            }
        )
    return out


EXPECTED_LINES = [
    # osm_id, class, subclass, name, brunnel, oneway, service, highway
    (101, "minor", "residential", "Kerkstraat", "bridge", 1, None, "residential"),
    (102, "path", "footway", None, None, 0, None, "footway"),
    (103, "path", "cycleway", None, None, 0, None, "cycleway"),
    (104, "path", "steps", None, None, 0, None, "steps"),
    (105, "service", None, None, None, 0, "driveway", "service"),
    (106, None, None, None, None, 0, None, "construction"),
    (110, "tertiary", None, None, "tunnel", -1, None, "tertiary_link"),
]
EXPECTED_POIS = [
    # osm_type, osm_id, class, subclass, name
    ("node", 11, "shop", "supermarket", "Buurtsuper"),
    ("node", 12, "highway", "bus_stop", "Brink"),
    ("node", 13, "railway", "station", "Assen"),
    ("node", 20, "amenity", "doctors", "Huisarts"),
    ("relation", 201, "amenity", "hospital", "Ziekenhuis"),
    ("way", 107, "amenity", "pharmacy", "Apotheek Brink"),
]
EXPECTED_ADDRESSES = [
    ("node", 11, "12", "Brink", "9401HS"),
    ("node", 15, "3a", "Kerkstraat", None),
    ("way", 107, "5", "Brink", None),
]


def _none(value):
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _check_fixture_result(data: OSMData) -> None:
    assert isinstance(data, OSMData)
    assert data.schema == "osm"
    for frame in (data.lines, data.pois, data.addresses):
        assert isinstance(frame, gpd.GeoDataFrame)
        assert frame.crs == "EPSG:28992"

    lines = data.lines.sort_values("osm_id")
    got_lines = [
        (
            r.osm_id,
            _none(r["class"]),
            _none(r.subclass),
            _none(r["name"]),
            _none(r.brunnel),
            r.oneway,
            _none(r.service),
            r.highway,
        )
        for _, r in lines.iterrows()
    ]
    assert got_lines == EXPECTED_LINES
    assert (lines.geometry.geom_type == "LineString").all()
    kerkstraat = lines.set_index("osm_id").geometry[101]
    expected = shapely.LineString([_rd(*NODES[n][:2]).coords[0] for n in (1, 2, 3)])
    assert kerkstraat.equals_exact(expected, tolerance=0.001)
    assert data.lines["oneway"].dtype == "int64"

    pois = data.pois.sort_values(["osm_type", "osm_id"])
    got_pois = [(r.osm_type, r.osm_id, r["class"], r.subclass, _none(r["name"])) for _, r in pois.iterrows()]
    assert got_pois == EXPECTED_POIS
    by_id = pois.set_index("osm_id")
    assert by_id.loc[20, "healthcare"] == "doctor"  # one column per rule key keeps the raw values
    assert by_id.loc[12, "public_transport"] == "platform"
    assert _none(by_id.loc[11, "amenity"]) is None
    assert (pois.geometry.geom_type == "Point").all()
    pharmacy_centre = _rd(6.5635, 52.9903)
    assert by_id.geometry[107].distance(pharmacy_centre) < 1.0
    hospital_centre = _rd(6.5655, 52.9904)
    assert by_id.geometry[201].distance(hospital_centre) < 1.0
    assert by_id.geometry[11].distance(_rd(6.5605, 52.9905)) < 0.001

    addresses = data.addresses.sort_values(["osm_type", "osm_id"])
    got_addresses = [
        (r.osm_type, r.osm_id, r.housenumber, _none(r.street), _none(r.postcode)) for _, r in addresses.iterrows()
    ]
    assert got_addresses == EXPECTED_ADDRESSES
    assert (addresses.geometry.geom_type == "Point").all()


def test_read_osm_xml_fixture(tmp_path):
    data = read_osm_file(_write_osm_xml(tmp_path / "mini.osm"))
    _check_fixture_result(data)
    assert "mini.osm" in data.source


def test_read_osm_xml_bbox(tmp_path):
    # only the western column (lon < 6.5603): cycleway 103, residential 101, construction 106,
    # footway 102 (starts at node 4) and the address node 15 touch it
    data = read_osm_file(_write_osm_xml(tmp_path / "mini.osm"), bbox_lonlat=(6.5595, 52.9895, 6.5603, 52.9915))
    assert sorted(data.lines["osm_id"]) == [101, 102, 103, 106]
    assert list(data.pois["osm_id"]) == []
    assert list(data.addresses["osm_id"]) == [15]


def test_missing_file(tmp_path):
    with pytest.raises(MissingDataError, match="nergens.osm.pbf"):
        read_osm_file(tmp_path / "nergens.osm.pbf")


@pytest.mark.parametrize("name", ["kapot.osm.pbf", "kapot.osm", "kapot.txt"])
def test_unreadable_file(tmp_path, name):
    path = tmp_path / name
    path.write_text("<osm><node id='1'", encoding="utf-8")
    with pytest.raises(DataFileError, match=re.escape(name)) as info:
        read_osm_file(path)
    assert info.value.path == str(path)


# ----------------------------------------------------------------------------- real PBF


@pytest.mark.realdata
def test_real_amsterdam_pbf(raw_dir):
    data = read_osm_file(raw_dir / PBF)
    # counts from the fixture's SOURCE.md (osmium count)
    counts = data.lines["highway"].value_counts().to_dict()
    assert counts == {
        "footway": 17,
        "cycleway": 12,
        "unclassified": 10,
        "tertiary": 6,
        "trunk": 6,
        "pedestrian": 2,
        "service": 1,
    }
    assert len(data.lines) == 54
    assert data.lines["osm_id"].is_unique
    classes = data.lines.groupby(["class", "subclass"], dropna=False).size().to_dict()
    assert classes[("path", "footway")] == 17
    assert classes[("path", "cycleway")] == 12
    assert classes[("minor", "unclassified")] == 10
    # POIs: amenity=recycling 2; no shops/doctors/bus stops
    assert sorted(data.pois["subclass"]) == ["recycling", "recycling"]
    assert set(data.pois["class"]) == {"amenity"}
    assert len(data.addresses) > 0 and data.addresses["housenumber"].notna().all()
    # bbox from SOURCE.md: lon 4.9169–4.9451, lat 52.3384–52.3551
    assert data.lines.crs == "EPSG:28992"
    lon0, lat0, lon1, lat1 = data.lines.to_crs("EPSG:4326").total_bounds
    assert 4.9169 - 0.01 <= lon0 < lon1 <= 4.9451 + 0.01
    assert 52.3384 - 0.01 <= lat0 < lat1 <= 52.3551 + 0.01

    west = read_osm_file(raw_dir / PBF, bbox_lonlat=(4.90, 52.33, 4.93, 52.36))
    assert 0 < len(west.lines) < len(data.lines)
    assert (west.lines.to_crs("EPSG:4326").bounds["minx"] <= 4.93).all()


# ----------------------------------------------------------------------------- Overpass (stand-in)

AREA = shapely.box(6.5590, 52.9890, 6.5670, 52.9920)


@pytest.fixture
def overpass():
    with OverpassStandIn(_overpass_elements()) as server:
        yield server


def test_read_overpass_matches_file_reader(overpass, tmp_path):
    before = {
        name: getattr(ox.settings, name)
        for name in (
            "overpass_url",
            "use_cache",
            "overpass_rate_limit",
            "requests_timeout",
            "requests_kwargs",
            "doh_url_template",
        )
    }
    getaddrinfo = socket.getaddrinfo

    data = read_overpass(AREA, overpass_url=f"{overpass.url}/api/interpreter", online=OnlineSettings(timeout_s=20))

    _check_fixture_result(data)
    assert overpass.url in data.source
    (req,) = overpass.requests_to("/api/interpreter")  # one query for lines, POIs and addresses
    assert req.method == "POST"
    query = req.param("data")
    assert query.startswith("[out:json][timeout:20]")
    for part in (
        "['highway']",
        "['addr:housenumber']",
        "['amenity']",
        "['shop']",
        "['railway'='station']",
        "['healthcare']",
        "['social_facility']",
    ):
        assert part in query
    assert overpass.requests_to("/api/status") == []  # rate-limit pause switched off
    after = {name: getattr(ox.settings, name) for name in before}
    assert after == before
    assert socket.getaddrinfo is getaddrinfo

    from_file = read_osm_file(_write_osm_xml(tmp_path / "mini.osm"))
    for name in ("lines", "pois", "addresses"):
        a = getattr(data, name).sort_values(["osm_type", "osm_id"]).reset_index(drop=True)
        b = getattr(from_file, name).sort_values(["osm_type", "osm_id"]).reset_index(drop=True)
        assert list(a.columns) == list(b.columns)
        assert a.geometry.geom_equals_exact(b.geometry, tolerance=0.01).all()


def test_read_overpass_url_from_environment(overpass, monkeypatch):
    monkeypatch.setenv(osm_raw.ENV_OVERPASS_URL, f"{overpass.url}/api")
    data = read_overpass(
        gpd.GeoSeries([AREA], crs="EPSG:4326").to_crs("EPSG:28992"), online=OnlineSettings(timeout_s=20)
    )
    assert len(data.lines) == 7
    assert len(overpass.requests_to("/api/interpreter")) == 1


def test_read_overpass_http_500(overpass):
    overpass.fail_status = 500
    with pytest.raises(SourceUnavailableError, match="Overpass") as info:
        read_overpass(AREA, overpass_url=f"{overpass.url}/api", online=OnlineSettings(wachttijd_s=0.01))
    assert overpass.url in str(info.value) and "HTTP 500" in str(info.value)
    assert len(overpass.requests_to("/api/interpreter")) == 3  # pogingen = 3 by default
    assert ox.settings.overpass_url != f"{overpass.url}/api"


def test_read_overpass_timeout(overpass):
    overpass.delay_s = 3.0
    with pytest.raises(SourceUnavailableError, match="geen antwoord binnen 1 s"):
        read_overpass(AREA, overpass_url=f"{overpass.url}/api", online=OnlineSettings(timeout_s=1))


def test_read_overpass_empty_area():
    with OverpassStandIn([]) as server, pytest.raises(DataFileError, match="geen OSM-objecten"):
        read_overpass(AREA, overpass_url=f"{server.url}/api", online=OnlineSettings(timeout_s=20))


def test_read_overpass_rejects_projected_polygon():
    with pytest.raises(ValueError, match="EPSG:4326"):
        read_overpass(shapely.box(233000, 557000, 234000, 558000), overpass_url="http://127.0.0.1:9/api")
