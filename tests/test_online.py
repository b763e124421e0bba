"""The whole chain online: PDOK CBS, Overpass and Locatieserver answered by local stand-ins."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from pyproj import Transformer
from standins import BagWfsStandIn, LocatieserverStandIn, OverpassStandIn, PdokFeaturesStandIn, bag_feature

from woonzorg_geo.cli.main import main

TO_LL = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True)
X0, Y0, STEP, N = 233000.0, 557000.0, 100.0, 11  # an 1 km × 1 km street grid


def _ll(x: float, y: float) -> tuple[float, float]:
    return TO_LL.transform(x, y)


def _poly(x0, y0, x1, y1) -> dict:
    ring = [list(_ll(x, y)) for x, y in [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(fid, geom, props):
    return {"type": "Feature", "id": fid, "geometry": geom, "properties": props}


def _collections() -> dict[str, list[dict]]:
    gm = [
        _feature(
            1,
            _poly(X0, Y0, X0 + 1000, Y0 + 1000),
            {"gemeentecode": "GM0106", "gemeentenaam": "Assen", "aantalInwoners": 3000},
        )
    ]
    wijken = [
        _feature(
            1,
            _poly(X0, Y0, X0 + 500, Y0 + 1000),
            {"wijkcode": "WK010600", "wijknaam": "West", "gemeentecode": "GM0106", "aantalInwoners": 1000},
        ),
        _feature(
            2,
            _poly(X0 + 500, Y0, X0 + 1000, Y0 + 1000),
            {"wijkcode": "WK010601", "wijknaam": "Oost", "gemeentecode": "GM0106", "aantalInwoners": -99999999},
        ),
    ]
    buurten = []
    for i, (wk, x) in enumerate([("00", X0), ("01", X0 + 500)]):
        for j, y in enumerate([Y0, Y0 + 500]):
            code = f"BU0106{wk}0{j}"
            buurten.append(
                _feature(
                    len(buurten) + 1,
                    _poly(x, y, x + 500, y + 500),
                    {
                        "buurtcode": code,
                        "buurtnaam": f"Buurt {i}{j}",
                        "wijkcode": f"WK0106{wk}",
                        "gemeentecode": "GM0106",
                        "aantalInwoners": 500,
                    },
                )
            )
    return {"gemeenten": gm, "wijken": wijken, "buurten": buurten}


def _elements() -> list[dict]:
    els: list[dict] = []
    nid = lambda i, j: 1000 + i * N + j
    for i in range(N):
        for j in range(N):
            lon, lat = _ll(X0 + j * STEP, Y0 + i * STEP)
            els.append({"type": "node", "id": nid(i, j), "lat": lat, "lon": lon})
    for i in range(N):
        els.append(
            {
                "type": "way",
                "id": 10 + i,
                "nodes": [nid(i, j) for j in range(N)],
                "tags": {"highway": "residential", "name": f"Dwarsstraat {i}"},
            }
        )
        els.append(
            {"type": "way", "id": 100 + i, "nodes": [nid(j, i) for j in range(N)], "tags": {"highway": "footway"}}
        )
    pois = [
        (50, 230, 230, {"shop": "supermarket", "name": "Super"}),
        (51, 820, 820, {"amenity": "pharmacy", "name": "Apotheek"}),
        (52, 510, 490, {"highway": "bus_stop", "name": "Halte Midden"}),
        (53, 120, 880, {"amenity": "doctors", "name": "Huisarts Noord"}),
    ]
    addresses = [(60 + k, 40 + 90 * k, 110 + 80 * (k % 10), {"addr:housenumber": str(k + 1)}) for k in range(10)]
    for oid, dx, dy, tags in pois + addresses:
        lon, lat = _ll(X0 + dx, Y0 + dy)
        els.append({"type": "node", "id": oid, "lat": lat, "lon": lon, "tags": tags})
    return els


def _bag_features() -> list[dict]:
    """The 10 OSM address points as BAG homes, a shop, a home not built yet, and one outside the gemeente."""
    feats = [
        bag_feature(f"01060100000000{k:02d}", X0 + 40 + 90 * k, Y0 + 110 + 80 * (k % 10), huisnummer=k + 1)
        for k in range(10)
    ]
    feats.append(bag_feature("0106010000000050", X0 + 235, Y0 + 235, gebruiksdoel="winkelfunctie", huisnummer=50))
    feats.append(bag_feature("0106010000000051", X0 + 600, Y0 + 610, status="Verblijfsobject gevormd", huisnummer=51))
    feats.append(bag_feature("0106010000000052", X0 + 1500, Y0 + 500, huisnummer=52))  # in the margin
    return feats


@pytest.fixture()
def online_env(tmp_path, monkeypatch, local_network):
    empty = tmp_path / "geen_lokale_data"
    empty.mkdir()
    monkeypatch.setenv("WOONZORG_DATA", str(empty))  # no local GTFS/GP list: everything online
    with (
        PdokFeaturesStandIn(_collections()) as cbs,
        OverpassStandIn(_elements()) as ovp,
        LocatieserverStandIn([]) as ls,
        BagWfsStandIn(_bag_features()) as bag,
    ):
        monkeypatch.setenv("WOONZORG_PDOK_BAG_URL", f"{bag.url}/lv/bag/wfs/v2_0")
        monkeypatch.setenv("WOONZORG_PDOK_CBS_URL", f"{cbs.url}/cbs/wijken-en-buurten-{{year}}/ogc/v1")
        monkeypatch.setenv("WOONZORG_OVERPASS_URL", f"{ovp.url}/api")
        monkeypatch.setenv("WOONZORG_PDOK_LOCATIESERVER_URL", f"{ls.url}/search/v3_1")
        yield {"cbs": cbs, "overpass": ovp, "bag": bag, "out": tmp_path / "output", "maps": tmp_path / "maps"}


def test_analyse_online_against_stand_ins(online_env):
    out = online_env["out"]
    code = main(
        ["--stil", "analyse", "--online", "--geen-rasters", "--out", str(out), "--kaarten", str(online_env["maps"])]
    )
    assert code == 0
    assert (online_env["maps"] / "assen_bereikbaarheid.html").exists()
    assert online_env["cbs"].requests_to("/items"), "PDOK was not asked"
    assert online_env["overpass"].requests_to("/interpreter"), "Overpass was not asked"
    assert online_env["bag"].requests_to("/wfs/v2_0"), "the BAG WFS was not asked"
    adr = gpd.read_file(out / "woonzorg.gpkg", layer="adressen")
    assert len(adr) == 12  # the BAG's 12 verblijfsobjecten in the gemeente (the 13th lies in the margin)
    # address 1 at (40, 110): 10 m to the street y=100, 190 + 100 m over the grid to (230, 200),
    # 30 m to the supermarket at (230, 230)
    a1 = adr.loc[adr["huisnummer"] == "1"].iloc[0]
    straight = shapely.Point(40, 110).distance(shapely.Point(230, 230))
    assert a1["afstand_supermarkt_m"] >= straight
    assert a1["afstand_supermarkt_m"] == pytest.approx(10 + 190 + 100 + 30, abs=0.01)
    wijken = gpd.read_file(out / "woonzorg.gpkg", layer="wijken")
    assert sorted(wijken["naam"]) == ["Oost", "West"]
    summary = json.loads((out / "samenvatting.json").read_text(encoding="utf-8"))
    assert summary["voorzieningen"]["supermarkt"] == 1 and summary["voorzieningen"]["ov_halte"] == 1


def test_voorzieningen_online(online_env, tmp_path):
    out = tmp_path / "v.gpkg"
    assert main(["--stil", "voorzieningen", "--online", "--out", str(out)]) == 0
    vz = gpd.read_file(out, layer="voorzieningen")
    assert sorted(vz["categorie"]) == ["apotheek", "huisarts", "ov_halte", "supermarkt"]
    assert set(vz["bron"]) == {"osm"}


def test_online_source_down_is_a_clear_error(online_env, monkeypatch, capsys):
    monkeypatch.setenv("WOONZORG_PDOK_CBS_URL", "http://127.0.0.1:9/ogc")  # nothing listens on port 9
    code = main(
        ["--stil", "analyse", "--online", "--out", str(online_env["out"]), "--kaarten", str(online_env["maps"])]
    )
    assert code == 2
    assert "127.0.0.1:9" in capsys.readouterr().err
    assert not online_env["out"].exists()


def test_online_addresses_are_bag_verblijfsobjecten_with_woning(online_env):
    from woonzorg_geo.core.settings_loader import load_settings
    from woonzorg_geo.sources.online import load_online

    inputs = load_online(load_settings())
    adr = inputs.osm.addresses
    assert len(adr) == 13  # the whole margin: 12 in the gemeente, 1 just outside
    assert adr["woning"].dtype == bool
    assert int(adr["woning"].sum()) == 11
    assert adr.loc["0106010000000050", "woning_reden"] == "BAG-gebruiksdoel zonder woonfunctie (winkelfunctie)"
    assert adr.loc["0106010000000051", "woning_reden"] == "BAG-status: Verblijfsobject gevormd"
    assert adr.loc["0106010000000002", "housenumber"] == "3"
    assert adr["woning_reden"][adr["woning"]].isna().all()
    assert "BAG" in inputs.osm.source
