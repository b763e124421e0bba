"""A user's own lists of voorzieningen (``--voorzieningen`` / ``--voorzieningen-vervang``).

Fixture tests of the reader and of :func:`apply_own_lists` (a fake geocoder, a square gemeente), and
one real-data run: ``analyse`` of Assen with the example list, then a ``toets`` next to its
ontmoetingsplek, which must name it and answer from the stored analysis (same lists).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from woonzorg_geo.areas.summary import record_own_lists
from woonzorg_geo.cli.main import main
from woonzorg_geo.sources.own_lists import (
    RECORD_KEY,
    apply_own_lists,
    lists_record,
    read_own_list,
    read_own_lists,
    read_record,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE = EXAMPLES / "voorzieningen_voorbeeld.csv"
AREA = shapely.box(230000, 550000, 240000, 560000)  # a 10 km square "gemeente" in RD


def _geocoder(address: str, postcode: str | None) -> dict[str, object]:
    """Finds 'Markt 1' only, at the square's centre."""
    if address.strip().lower() == "markt 1":
        return {"geometry": shapely.Point(235000, 555000), "geocode_precisie": "adres"}
    return {"geometry": shapely.Point(235100, 555100), "geocode_precisie": "pc4"}


def _vz() -> gpd.GeoDataFrame:
    vz = gpd.GeoDataFrame(
        {
            "categorie": ["tandarts", "tandarts", "apotheek"],
            "label": ["Tandarts", "Tandarts", "Apotheek"],
            "naam": ["T1", "T2", "A1"],
            "bron": ["osm", "osm", "osm"],
            "precisie": "punt",
        },
        geometry=[shapely.Point(231000, 551000), shapely.Point(232000, 552000), shapely.Point(233000, 553000)],
        crs="EPSG:28992",
    )
    vz.index = pd.Index(["vz00000", "vz00001", "vz00002"], name="vz_id")
    return vz


def _apply(vz: gpd.GeoDataFrame, *lists, **kw) -> gpd.GeoDataFrame:
    return apply_own_lists(
        vz,
        list(lists),
        geocoder=_geocoder,
        area=AREA,
        margin_m=100.0,
        gemeente="Proefstad",
        labels={"tandarts": "Tandarts", "apotheek": "Apotheek"},
        **kw,
    )


def test_example_file_reads(tmp_path):
    ol = read_own_list(EXAMPLE, mode="toevoegen")
    assert set(ol.rows["categorie"]) >= {"ontmoetingsplek", "fysio"}
    assert (ol.rows["adres"] != "").any() and (ol.rows["lon"] != "").any()  # both kinds of row
    assert list(ol.rows["regel"])[:2] == [2, 3]


def test_add_keeps_standard_and_sets_bron(tmp_path):
    f = tmp_path / "eigen.csv"
    f.write_text(
        "\ufeffnaam;categorie;adres;lon;lat;label\n"
        "Buurthuis;ontmoetingsplek;Markt 1;;;\n"
        "Fysio Oost;fysio;;6,56;52,99;Fysiotherapie\n",
        encoding="utf-8",
    )
    os.utime(f, (1767225600, 1767225600))  # 2026-01-01
    ol = read_own_list(f, mode="toevoegen")
    # lon/lat 6.56, 52.99 lies near Assen: give a gemeente around it
    out = apply_own_lists(
        _vz(),
        [ol],
        geocoder=_geocoder,
        area=shapely.box(230000, 550000, 240000, 560000),
        margin_m=0.0,
        gemeente="Proefstad",
        labels={},
    )
    assert len(out) == 5 and out.index.is_unique
    own = out.loc[out["bron"] == "eigen.csv"].set_index("naam")
    assert own.at["Buurthuis", "categorie"] == "ontmoetingsplek"
    assert own.at["Buurthuis", "label"] == "Ontmoetingsplek"  # unknown here: the name with a capital
    assert own.at["Buurthuis", "precisie"] == "adres"
    assert own.at["Fysio Oost", "label"] == "Fysiotherapie"
    assert own.at["Fysio Oost", "precisie"] == "punt"
    assert set(own["bron_datum"]) == {"2026-01-01"}
    assert own.loc["Buurthuis"].geometry.equals(shapely.Point(235000, 555000))


def test_replace_drops_other_sources_of_that_category_only(tmp_path):
    f = tmp_path / "tandartsen.csv"
    f.write_text("naam,categorie,adres,datum\nTandarts Markt,tandarts,Markt 1,2026-02-01\n", encoding="utf-8")
    out = _apply(_vz(), read_own_list(f, mode="vervangen"))
    assert sorted(out.loc[out["categorie"] == "tandarts", "naam"]) == ["Tandarts Markt"]
    assert list(out.loc[out["categorie"] == "apotheek", "naam"]) == ["A1"]
    assert out.loc[out["naam"] == "Tandarts Markt", "bron_datum"].item() == "2026-02-01"


def test_modus_column_overrides_the_option(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text("naam;categorie;adres;modus\nTandarts Markt;tandarts;Markt 1;vervangen\n", encoding="utf-8")
    (ol,) = read_own_lists([str(f)], None)  # named with --voorzieningen (toevoegen), the row says vervangen
    assert (ol.rows["modus"] == "vervangen").all()
    out = _apply(_vz(), ol)
    assert (out["categorie"] == "tandarts").sum() == 1


def test_outside_rows_skipped_for_regio(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("naam;categorie;lon;lat\nVer weg;fysio;5,0;52,0\nBuurthuis;fysio;6,56;52,99\n", encoding="utf-8")
    out = _apply(_vz(), read_own_list(f, mode="toevoegen"), outside="overslaan")
    assert list(out.loc[out["bron"] == "r.csv", "naam"]) == ["Buurthuis"]


def test_record_roundtrip_and_order(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("naam;categorie;adres\nX;fysio;Markt 1\n", encoding="utf-8")
    b.write_text("naam;categorie;adres\nY;fysio;Markt 1\n", encoding="utf-8")
    assert read_record(tmp_path) == []  # an analysis without a record was made without lists
    lists = read_own_lists([str(a), str(b)], None)
    summary: dict = {"adressen": 1}
    record_own_lists(summary, lists_record(lists))
    (tmp_path / "samenvatting.json").write_text(json.dumps(summary), encoding="utf-8")
    assert summary[RECORD_KEY][0]["sha256"]
    assert read_record(tmp_path) == lists_record(read_own_lists([str(b), str(a)], None))
    b.write_text("naam;categorie;adres\nY;fysio;Markt 2\n", encoding="utf-8")  # changed list: other hash
    assert read_record(tmp_path) != lists_record(read_own_lists([str(a), str(b)], None))
    (tmp_path / "samenvatting.json").write_text("{kapot", encoding="utf-8")
    assert read_record(tmp_path) is None


@pytest.mark.realdata
def test_assen_analyse_and_toets_see_the_ontmoetingsplek(raw_dir, tmp_path, capsys):
    out = tmp_path / "output"
    base = ["--stil", "--data", str(raw_dir)]
    lists = ["--voorzieningen", str(EXAMPLE)]
    code = main([*base, "analyse", "--out", str(out), "--geen-kaarten", "--geen-rasters", *lists])
    assert code == 0, capsys.readouterr().err
    vz = gpd.read_file(out / "woonzorg.gpkg", layer="voorzieningen")
    own = vz.loc[vz["bron"] == EXAMPLE.name]
    plek = own.loc[own["categorie"] == "ontmoetingsplek"]
    assert list(plek["naam"]) == ["Huiskamer Stationsstraat (voorbeeld)"]
    assert plek["precisie"].item() == "adres"
    assert "fysio" in set(own["categorie"])  # a category the package does not know appears too
    assert read_record(out) == lists_record(read_own_lists([str(EXAMPLE)], None))
    capsys.readouterr()

    t_out = tmp_path / "toets"
    code = main(
        [
            *base,
            "toets",
            "--uit",
            str(out),
            "--out",
            str(t_out),
            "--offline",
            "--adres",
            "Stationsstraat 40, Assen",
            "--type",
            "geclusterd_wonen",
            "--omvang",
            "12",
            *lists,
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "opnieuw berekend" not in err  # same lists: the stored analysis answers
    (report,) = t_out.glob("toets_*.json")
    doc = json.loads(report.read_text(encoding="utf-8"))
    (row,) = [r for r in doc["bereikbaarheid"] if r["categorie"] == "ontmoetingsplek"]
    assert row["dichtstbij"] == "Huiskamer Stationsstraat (voorbeeld)"
    assert row["afstand_m"] < 200  # Stationsstraat 40 to 44


def test_regio_hands_the_lists_to_every_gemeente(tmp_path, monkeypatch, capsys):
    """``regio --voorzieningen``: the lists, read before any gemeente runs, go to the tasks' options."""
    from woonzorg_geo.run import regio

    seen: dict[str, object] = {}

    class Stop(Exception):
        pass

    def fake_run_regio(gemeenten, **kw):
        seen.update(kw)
        raise Stop

    monkeypatch.setattr(regio, "run_regio", fake_run_regio)
    with pytest.raises(Stop):
        main(
            [
                "--stil",
                "--data",
                str(tmp_path),
                "--debug",
                "regio",
                "--gemeenten",
                "Assen",
                "--out",
                str(tmp_path / "r"),
                "--voorzieningen",
                str(EXAMPLE),
            ]
        )
    (ol,) = seen["own_lists"]
    assert ol.path == EXAMPLE and ol.sha256 == read_own_list(EXAMPLE, mode="toevoegen").sha256


def test_other_lists_than_the_stored_analysis_recompute_and_say_so(tmp_path, monkeypatch, capsys):
    """An analysis made with a list is not answered from without it: the warning names both sets."""
    from woonzorg_geo.sources import inputs as sources_inputs

    uit = tmp_path / "output"
    uit.mkdir()
    summary: dict = {}
    record_own_lists(summary, lists_record(read_own_lists([str(EXAMPLE)], None)))
    (uit / "samenvatting.json").write_text(json.dumps(summary), encoding="utf-8")

    class Stop(Exception):
        pass

    def fake_load_inputs(*a, **kw):
        raise Stop

    monkeypatch.setattr(sources_inputs, "load_inputs", fake_load_inputs)
    with pytest.raises(Stop):
        main(
            [
                "--data",
                str(tmp_path),
                "--debug",
                "toets",
                "--uit",
                str(uit),
                "--out",
                str(tmp_path / "t"),
                "--punt",
                "6.56,52.99",
                "--type",
                "geclusterd_wonen",
                "--omvang",
                "12",
                "--offline",
            ]
        )
    err = capsys.readouterr().err
    assert "voorzieningen_voorbeeld.csv" in err and "geen eigen lijsten" in err and "opnieuw berekend" in err


def test_geopackage_list_uses_its_geometry(tmp_path):
    f = tmp_path / "plekken.gpkg"
    gpd.GeoDataFrame(
        {"naam": ["Odensehuis"], "categorie": ["Ontmoetingsplek"], "modus": ["vervangen"]},
        geometry=[shapely.Point(6.56, 52.99)],
        crs="EPSG:4326",
    ).to_file(f, layer="plekken")
    ol = read_own_list(f, mode="toevoegen")
    out = _apply(_vz(), ol)
    row = out.loc[out["bron"] == "plekken.gpkg"]
    assert list(row["categorie"]) == ["ontmoetingsplek"] and list(row["precisie"]) == ["punt"]
    x, y = row.geometry.iloc[0].x, row.geometry.iloc[0].y
    assert 230000 < x < 240000 and 550000 < y < 560000  # reprojected to RD
