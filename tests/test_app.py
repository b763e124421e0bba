"""The workbench's JSON API on the real Assen store: the same figures as the command line and the CSVs."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")


@pytest.fixture(scope="module")
def app_state(assen_output, raw_dir):
    from woonzorg_geo.app import load_state
    from woonzorg_geo.core.settings_loader import load_settings

    return load_state(assen_output, load_settings(), raw_dir=raw_dir)


@pytest.fixture(scope="module")
def client(app_state):
    from starlette.testclient import TestClient

    from woonzorg_geo.app import create_app

    with TestClient(create_app(app_state)) as c:
        yield c


def _plain(value):
    """JSON values with NaN as None, to compare what the CLI wrote with what the API answers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _hillenga(client) -> str:
    hits = client.get("/api/voorzieningen", params={"zoek": "Hillenga"}).json()["resultaten"]
    ids = [h["id"] for h in hits if h["categorie"] == "supermarkt"]
    assert len(ids) == 1, hits
    return ids[0]


def test_meta_offers_the_runs_norm_profiles_and_types(client, app_state):
    m = client.get("/api/meta").json()
    assert m["gemeente"]["naam"] == "Assen"
    assert m["norm"]["standaard"] == app_state.analysis.vocab.norm_m
    assert m["norm"]["min"] <= m["norm"]["standaard"] <= m["norm"]["max"]
    assert [p["naam"] for p in m["profielen"]] == list(app_state.analysis.access)
    assert {t["naam"] for t in m["typen"]} == set(app_state.toets_settings.types)


@pytest.mark.parametrize("level", ["wijken", "buurten"])
def test_indicator_at_the_runs_norm_equals_the_csv(client, app_state, assen_output, level):
    a = app_state.analysis
    norm = int(a.vocab.norm_m)
    csv = pd.read_csv(assen_output / f"{level}.csv", dtype={"code": str}).set_index("code")
    names = [*a.vocab.categories, *a.vocab.composites, *a.vocab.combinations]
    compared = 0
    for profile in a.access:
        sfx = a.vocab.suffix(profile)
        for name in names:
            col = f"pct_{name}_{norm}m{sfx}"
            if col not in csv:
                continue
            got = client.get("/api/indicator", params={"naam": name, "norm": norm, "profiel": profile}).json()
            table = pd.DataFrame(got[level]).set_index("code")
            assert (table["n_woningen"] == csv["n_woningen"].reindex(table.index)).all()
            np.testing.assert_allclose(
                table["pct"].astype(float), csv[col].reindex(table.index).astype(float), rtol=0, atol=1e-9
            )
            compared += 1
    assert compared >= 2 * 6  # per profile the core categories and both combinations


def test_indicator_shares_grow_with_the_norm(client, app_state):
    norms = client.get("/api/meta").json()["norm"]
    low, high = norms["min"], norms["max"]
    a = client.get("/api/indicator", params={"naam": "ov_en_supermarkt", "norm": low}).json()
    b = client.get("/api/indicator", params={"naam": "ov_en_supermarkt", "norm": high}).json()
    pa = pd.DataFrame(a["buurten"]).set_index("code")["pct"].astype(float)
    pb = pd.DataFrame(b["buurten"]).set_index("code")["pct"].astype(float)
    ok = pa.notna() & pb.notna()
    assert (pb[ok] >= pa[ok]).all()
    assert (pb[ok] > pa[ok]).any()
    assert b["gemeente_pct"] > a["gemeente_pct"]
    assert a["legenda"] and a["bronnen"]["voorzieningen"]


def test_toets_equals_the_clis_json(client, raw_dir, assen_output, tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    site = {"lon": "6.5480", "lat": "52.9930", "type": "beschermd_wonen", "omvang": "10"}
    args = ["--stil", "--data", str(raw_dir), "toets", "--uit", str(assen_output), "--out", str(tmp_path)]
    args += ["--punt", f"{site['lon']},{site['lat']}", "--type", site["type"], "--omvang", site["omvang"]]
    assert main(args) == 0
    capsys.readouterr()
    (written,) = tmp_path.glob("toets_*.json")
    cli = _plain(json.loads(written.read_text(encoding="utf-8")))
    r = client.get("/api/toets", params=site)
    assert r.status_code == 200, r.text
    api = r.json()
    for d in (cli, api):
        d.pop("gemaakt_op")
    assert api == cli
    # the map the page draws (the toets's own): the site, the routes and the nearest voorzieningen
    kaart = api["kaart"]
    kinds = [f["properties"]["soort"] for f in kaart["features"]]
    assert kinds[0] == "locatie" and "route" in kinds and "voorziening" in kinds
    reached = {
        f["properties"]["categorie"]: f["properties"]["afstand_m"]
        for f in kaart["features"]
        if f["properties"]["soort"] == "voorziening"
    }
    assert reached
    for item in cli["bereikbaarheid"]:
        if item["categorie"] in reached:
            assert reached[item["categorie"]] == item["afstand_m"]


def test_watals_equals_what_if_and_the_cli(client, app_state, raw_dir, assen_output, tmp_path, capsys):
    from woonzorg_geo import Changes, what_if
    from woonzorg_geo.cli.main import main

    vid = _hillenga(client)
    r = client.post("/api/watals", json={"weg": [vid]})
    assert r.status_code == 200, r.text
    got = r.json()
    w = what_if(app_state.analysis, Changes(weg=(vid,)))
    api_wijken = pd.DataFrame(got["wijken"]).set_index(["code", "profiel"])
    lib_wijken = w.wijken.reset_index().rename(columns={"index": "code"})
    lib_wijken = lib_wijken.rename(columns={lib_wijken.columns[0]: "code"}).set_index(["code", "profiel"])
    pd.testing.assert_frame_equal(api_wijken[lib_wijken.columns], lib_wijken, check_dtype=False)
    # the command line writes the same table
    out = tmp_path / "w"
    args = ["--stil", "--data", str(raw_dir), "watals", "--uit", str(assen_output), "--out", str(out)]
    assert main([*args, "--weg", vid, "--geen-kaart"]) == 0
    capsys.readouterr()
    cli = pd.read_csv(out / "watals_buurten.csv", dtype={"code": str}).set_index(["code", "profiel"])
    api_buurten = pd.DataFrame(got["buurten"]).set_index(["code", "profiel"])
    for col in [c for c in cli.columns if c.startswith("pct_")]:
        np.testing.assert_allclose(api_buurten[col].astype(float), cli[col].reindex(api_buurten.index), atol=0.005)
    # closing Albert Heijn Hillenga takes De Landen/De Akkers from nearly all to nearly none (issue 23)
    combo = f"pct_ov_en_supermarkt_{int(app_state.analysis.vocab.norm_m)}m"
    landen = api_buurten.loc[api_buurten["naam"] == "De Landen/De Akkers"]
    buurten_csv = pd.read_csv(assen_output / "buurten.csv")
    before = float(buurten_csv.loc[buurten_csv["naam"] == "De Landen/De Akkers", combo].iloc[0])
    main_row = landen.xs(app_state.analysis.main_profile, level="profiel").iloc[0]
    assert main_row[f"{combo}_voor"] == pytest.approx(before, abs=0.005)
    assert main_row[f"{combo}_na"] < 5
    assert main_row[f"{combo}_voor"] > 95
    # the homes that lose access, with their place
    lost = [h for h in got["woningen"] if h["toegang"] == "verliest"]
    assert lost and all(6.3 < h["lon"] < 6.8 and 52.8 < h["lat"] < 53.2 for h in lost)
    n_lost = got["samenvatting"]["profielen"]["standaard"]["categorieen"]["supermarkt"]["adressen_verliezen_toegang"]
    assert 0 < sum(h["categorie"] == "supermarkt" and h["profiel"] == "standaard" for h in lost) <= n_lost


def test_a_new_voorziening_gains_access(client, app_state):
    vz = app_state.voorzieningen
    far = app_state.analysis.adressen["afstand_supermarkt_m"].idxmax()
    pt = app_state.analysis.adressen.geometry.to_crs("EPSG:4326").loc[far]
    body = {"nieuw": [{"categorie": "supermarkt", "lon": pt.x, "lat": pt.y}], "profiel": "standaard"}
    got = client.post("/api/watals", json=body).json()
    c = got["samenvatting"]["profielen"]["standaard"]["categorieen"]["supermarkt"]
    assert c["adressen_winnen_toegang"] > 0 and c["adressen_verliezen_toegang"] == 0
    assert {h["toegang"] for h in got["woningen"]} == {"wint"}
    assert len(vz) == len(app_state.analysis.inputs.voorzieningen)  # nothing was added to the analysis


def test_voorzieningen_search_answers_id_name_category_address_and_place(client):
    every = client.get("/api/voorzieningen").json()["resultaten"]
    assert all(h["naam"] for h in every)  # a voorziening without a name shows its label
    for typed, meant in (("albert heijn", "albert heijn"), ("Albert Hein", "albert heijn"), ("Poeisz", "poiesz")):
        hits = client.get("/api/voorzieningen", params={"zoek": typed}).json()["resultaten"]
        assert 0 < len(hits) < len(every)
        assert meant in hits[0]["naam"].lower(), (typed, hits[:3])
        for h in hits:
            assert set(h) >= {"id", "naam", "categorie", "adres", "lon", "lat"}
    only = client.get("/api/voorzieningen", params={"zoek": "Poiesz", "categorie": "apotheek"}).json()["resultaten"]
    assert all(h["categorie"] == "apotheek" for h in only)


def test_a_scenario_exported_by_the_app_gives_the_figures_of_watals_scenario(
    client, app_state, raw_dir, assen_output, tmp_path, capsys
):
    from woonzorg_geo.cli.main import main

    vid = _hillenga(client)
    body = {"naam": "Hillenga dicht", "weg": [vid], "nieuw": [{"categorie": "huisarts", "lon": 6.56, "lat": 52.99}]}
    r = client.post("/api/scenario", json=body)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["naam"] == "Hillenga dicht" and doc["gemeente"] == app_state.analysis.settings.gemeente.code
    assert [w["soort"] for w in doc["wijzigingen"]] == ["weg", "nieuw"]
    # imported again: the same file
    assert client.post("/api/scenario", json=doc).json() == doc
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "w"
    args = ["--stil", "--data", str(raw_dir), "watals", "--uit", str(assen_output), "--out", str(out)]
    assert main([*args, "--scenario", str(path), "--geen-kaart"]) == 0
    capsys.readouterr()
    cli = pd.read_csv(out / "watals_wijken.csv", dtype={"code": str}).set_index(["code", "profiel"])
    for answer in (client.post("/api/watals", json=doc).json(), client.post("/api/watals", json=body).json()):
        got = pd.DataFrame(answer["wijken"]).set_index(["code", "profiel"])
        cols = [c for c in cli.columns if c.startswith("pct_")]
        assert cols
        for col in cols:
            np.testing.assert_allclose(got[col].astype(float), cli[col].reindex(got.index), atol=0.005)


def test_the_page_and_its_files_are_served_from_the_machine(client):
    page = client.get("/")
    assert page.status_code == 200 and "/vendor/leaflet.js" in page.text
    assert "http" not in page.text.replace("http-equiv", "")  # no CDN
    js = client.get("/vendor/leaflet.js")
    assert js.status_code == 200 and "Leaflet" in js.text[:300]
    assert client.get("/vendor/leaflet.css").status_code == 200
    for name in ("app.js", "app.css"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and "http://" not in r.text and "https://" not in r.text
    for layer in ("gemeente", "wijken", "buurten", "wegen"):
        g = client.get(f"/api/lagen/{layer}").json()
        assert g["type"] == "FeatureCollection" and g["features"]


def test_the_app_subcommand_is_in_the_cli():
    from woonzorg_geo.cli.main import build_parser

    args = build_parser().parse_args(["app", "--uit", "x", "--poort", "9000", "--geen-browser", "--host"])
    assert (args.poort, args.geen_browser, args.host) == (9000, True, "0.0.0.0")
    args = build_parser().parse_args(["app"])
    assert args.host == "127.0.0.1" and args.poort is None


def test_only_a_loopback_host_is_local():
    from woonzorg_geo.app.server import is_local

    assert is_local("127.0.0.1") and is_local("localhost") and is_local("::1")
    assert not is_local("0.0.0.0") and not is_local("192.168.1.10")


def test_the_store_is_read_only(assen_output, client):
    before = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in Path(assen_output).rglob("*") if p.is_file()}
    client.get("/api/indicator", params={"naam": "supermarkt", "norm": 650})
    client.post("/api/watals", json={"weg": [_hillenga(client)]})
    after = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in Path(assen_output).rglob("*") if p.is_file()}
    assert after == before


def test_address_suggestions_tolerate_typos_and_lead_to_the_same_toets(client):
    hits = client.get("/api/adressen", params={"zoek": "Stationstraat 4"}).json()["resultaten"]
    assert hits and all(h["adres"].startswith("Stationsstraat 4") for h in hits)
    assert client.get("/api/adressen", params={"zoek": "qqqqqqq"}).json()["resultaten"] == []
    chosen = next(h for h in hits if h["adres"].startswith("Stationsstraat 44,"))
    site = {"type": "ggz", "omvang": "5"}
    by_address = client.get("/api/toets", params={**site, "adres": chosen["adres"]}).json()
    assert by_address["locatie"]["geocode_precisie"] != "punt"
    assert abs(by_address["locatie"]["lon"] - chosen["lon"]) < 0.001
    assert abs(by_address["locatie"]["lat"] - chosen["lat"]) < 0.001


def test_the_toets_report_as_html_is_that_of_the_cli(client, app_state):
    from woonzorg_geo.app.api import toets_result
    from woonzorg_geo.outputs.toets_report import toets_html

    site = {"lon": "6.5480", "lat": "52.9930", "zorgtype": "beschermd_wonen", "omvang": "10"}
    r = client.get("/api/toets.html", params={**site, "type": site["zorgtype"]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    expected = toets_html(toets_result(app_state, adres=None, **site))
    strip = re.compile(r"\d{4}-\d\d-\d\dT[\d:+.]+|\d{1,2} \w+ \d{4},? \d\d:\d\d")  # the moment it was made
    assert strip.sub("", r.text) == strip.sub("", expected)


def test_a_move_is_a_closure_and_an_opening(client, app_state):
    vid = _hillenga(client)
    lon, lat = 6.5600, 52.9900
    moved = client.post(
        "/api/watals", json={"wijzigingen": [{"soort": "verplaats", "id": vid, "lon": lon, "lat": lat}]}
    ).json()
    both = client.post(
        "/api/watals", json={"weg": [vid], "nieuw": [{"categorie": "supermarkt", "lon": lon, "lat": lat}]}
    ).json()
    a = pd.DataFrame(moved["wijken"]).set_index(["code", "profiel"]).filter(like="pct_")
    b = pd.DataFrame(both["wijken"]).set_index(["code", "profiel"]).filter(like="pct_")
    pd.testing.assert_frame_equal(a, b[a.columns])


def test_indicator_at_another_norm_equals_an_analyse_with_that_norm(client, app_state, assen_inputs, settings):
    """The slider's figures are those of ``analyse`` run with that ``norm_m`` (issue 23)."""
    import dataclasses

    from woonzorg_geo.areas.analysis import analyse

    norms = client.get("/api/meta").json()["norm"]
    norm = norms["standaard"] - 4 * norms["stap"]  # 600 m with the package's settings
    other = dataclasses.replace(settings, bereikbaarheid=dataclasses.replace(settings.bereikbaarheid, norm_m=norm))
    a = analyse(other, inputs=assen_inputs)
    compared = 0
    for profile in a.access:
        sfx = a.vocab.suffix(profile)
        for name in ("supermarkt", "ov", "ov_en_supermarkt", "drie_a"):
            col = f"pct_{name}_{int(norm)}m{sfx}"
            got = client.get("/api/indicator", params={"naam": name, "norm": norm, "profiel": profile}).json()
            for level, frame in (("wijken", a.wijken), ("buurten", a.buurten)):
                table = pd.DataFrame(got[level]).set_index("code")
                np.testing.assert_allclose(
                    table["pct"].astype(float), frame[col].reindex(table.index).astype(float), rtol=0, atol=1e-9
                )
                compared += 1
    assert compared == 2 * 4 * 2


def test_two_scenarios_side_by_side(client, app_state):
    """Today, A and B per wijk: each side the figure of its own what-if, B − A their difference."""
    vid = _hillenga(client)
    a = {"weg": [vid]}
    b = {"weg": [vid], "nieuw": [{"categorie": "supermarkt", "lon": 6.5560, "lat": 53.0200}]}
    body = {"a": a, "b": b, "indicator": "supermarkt", "profiel": "standaard"}
    got = client.post("/api/vergelijk", json=body).json()
    table = pd.DataFrame(got["wijken"]).set_index("code")
    alone = {}
    for side, changes in (("a", a), ("b", b)):
        w = pd.DataFrame(client.post("/api/watals", json={**changes, "profiel": "standaard"}).json()["wijken"])
        alone[side] = w.set_index("code")[f"pct_supermarkt_{int(app_state.analysis.vocab.norm_m)}m_na"]
    np.testing.assert_allclose(table["a"], alone["a"].reindex(table.index), atol=1e-9)
    np.testing.assert_allclose(table["b"], alone["b"].reindex(table.index), atol=1e-9)
    np.testing.assert_allclose(table["verschil"], (table["b"] - table["a"]).round(2), atol=1e-9)
    assert (table["verschil"] > 0).any()  # the new supermarket wins back part of what A lost
    today = client.post("/api/vergelijk", json={**body, "a": None}).json()
    t = pd.DataFrame(today["wijken"]).set_index("code")
    np.testing.assert_allclose(t["a"], t["vandaag"], atol=1e-9)


def test_exports_of_a_what_if_csv_and_the_summary_with_its_map(client):
    import io

    vid = _hillenga(client)
    r = client.post("/api/watals/export", params={"vorm": "wijken"}, json={"weg": [vid]})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    csv = pd.read_csv(io.StringIO(r.text), dtype={"code": str}).set_index(["code", "profiel"])
    api = pd.DataFrame(client.post("/api/watals", json={"weg": [vid]}).json()["wijken"]).set_index(["code", "profiel"])
    cols = [c for c in csv.columns if c.startswith("pct_")]
    assert cols
    np.testing.assert_allclose(csv[cols].to_numpy(float), api[cols].reindex(csv.index).to_numpy(float), atol=1e-9)
    page = client.post("/api/watals/export", params={"vorm": "html"}, json={"weg": [vid]})
    assert page.status_code == 200 and "Hillenga" in page.text and "leaflet" in page.text.lower()
    assert "tile.openstreetmap.org" not in page.text  # offline: no tiles
