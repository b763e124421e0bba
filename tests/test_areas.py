"""No home is lost (issue 19 §1): hand-made areas with a sliver buurt, an empty buurt and a buurt
without geometry; the rules of :mod:`woonzorg_geo.sources.outlines` and :func:`.areas.aggregation.assign_areas`."""

from __future__ import annotations

import dataclasses
import json
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from woonzorg_geo.areas.aggregation import aggregate, assign_areas
from woonzorg_geo.core.config import PlausibilitySettings
from woonzorg_geo.core.formatting import number
from woonzorg_geo.sources import cbs
from woonzorg_geo.sources.outlines import (
    Outlines,
    address_lines,
    area_report,
    gap_owners,
    mark_buurt_outlines,
    select_addresses,
    slivers,
)

RD = "EPSG:28992"
PL = PlausibilitySettings()

# The gemeente: 300 x 100 m, wijk W1 (x 0-150) and W2 (x 150-300). Buurten: A fills W1, B covers
# x 150-250 of W2, and S (W2) collapsed to a 25 m² sliver at the corner of the gap x 250-300 where it
# was. E (W1) has no geometry; L (W1) is a real buurt without addresses (an empty buurt).
CODES = ["BU09990100", "BU09990200", "BU09990201", "BU09990101", "BU09990102"]


@pytest.fixture()
def areas():
    buurten = gpd.GeoDataFrame(
        {"naam": ["A", "B", "S", "E", "L"], "wijkcode": ["WK099901", "WK099902", "WK099902", "WK099901", "WK099901"]},
        index=pd.Index(CODES, name="code"),
        geometry=[box(0, 0, 150, 90), box(150, 0, 250, 100), box(250, 0, 255, 5), Polygon(), box(0, 90, 150, 100)],
        crs=RD,
    )
    wijken = gpd.GeoDataFrame(
        {"naam": ["W1", "W2"]},
        index=pd.Index(["WK099901", "WK099902"], name="code"),
        geometry=[box(0, 0, 150, 100), box(150, 0, 300, 100)],
        crs=RD,
    )
    outlines = Outlines(gemeentegrens=box(0, 0, 300, 100), wijken=wijken, other_buurten=box(290, 90, 400, 200))
    return buurten, wijken, outlines


def _points(*xy: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=[Point(x, y) for x, y in xy], crs=RD, index=pd.RangeIndex(len(xy)) + 100)


def test_select_takes_the_gap_where_gemeente_and_wijk_agree(areas):
    buurten, _, outlines = areas
    shape = buurten.union_all()
    pts = _points((50, 50), (270, 50), (280, 20), (295, 95), (400, 50), (150, 50))
    chosen, extra = select_addresses(pts, shape, buurten, outlines, settings=PL)
    # (295, 95) lies in another gemeente's buurt, (400, 50) outside every outline
    assert list(chosen.index) == [100, 101, 102, 105]
    assert extra == 2
    # without the other outlines only the buurten count: the gap's homes would be lost
    alone, none = select_addresses(pts, shape, buurten, None, settings=PL)
    assert list(alone.index) == [100, 105] and none == 0


def test_select_needs_both_outlines_and_the_distance_limit(areas):
    buurten, wijken, outlines = areas
    shape = buurten.union_all()
    pts = _points((270, 50))
    # the gemeente polygon alone (the wijk polygons end at x 250) does not take the point
    narrow = dataclasses.replace(outlines, wijken=wijken.assign(geometry=[box(0, 0, 150, 100), box(150, 0, 250, 100)]))
    assert len(select_addresses(pts, shape, buurten, narrow, settings=PL)[0]) == 0
    # 20 m from buurt B: beyond a limit of 10 m it is not the gemeente's
    strict = dataclasses.replace(PL, buurt_max_afstand_m=10.0)
    assert len(select_addresses(pts, shape, buurten, outlines, settings=strict)[0]) == 0
    assert len(select_addresses(pts, shape, buurten, outlines, settings=PL)[0]) == 1


def test_sliver_takes_its_gap_before_the_nearest_buurt(areas):
    buurten, wijken, outlines = areas
    assert list(slivers(buurten, settings=PL)) == ["BU09990201"]
    # (270, 50) and (295, 60) are nearer to B (20 m, 45 m) than to the sliver S, yet S's gap holds them
    pts = _points((50, 50), (270, 50), (295, 60), (152, 50))
    owners = gap_owners(pts, buurten, outlines, settings=PL)
    assert owners.tolist() == [None, "BU09990201", "BU09990201", None]
    frame, stats = assign_areas(pts, buurten, wijken, owners=owners)
    assert frame["buurtcode"].tolist() == ["BU09990100", "BU09990201", "BU09990201", "BU09990200"]
    assert frame["wijkcode"].tolist() == ["WK099901", "WK099902", "WK099902", "WK099902"]
    assert frame["buiten_buurt"].tolist() == [False, True, True, False]
    assert stats == {"buiten_buurt": 2, "naar_snipper": 2, "naar_dichtstbij": 0}
    # without the owners, the nearest buurt (B) takes them, as before
    plain, pstats = assign_areas(pts, buurten, wijken)
    assert plain["buurtcode"].tolist()[1:3] == ["BU09990200", "BU09990200"]
    assert pstats["naar_dichtstbij"] == 2


def test_a_sliver_away_from_the_gap_takes_nothing(areas):
    buurten, wijken, outlines = areas
    # the sliver moved 100 m from the gap (into buurt A's corner): the gap goes to the nearest buurt
    moved = buurten.copy()
    moved.loc["BU09990201", "geometry"] = box(100, 0, 105, 5)
    owners = gap_owners(_points((270, 50)), moved, outlines, settings=PL)
    assert owners.isna().all()
    # a point of the gap outside the sliver's own wijk polygon is not its either
    other_wijk = dataclasses.replace(
        outlines, wijken=wijken.assign(geometry=[box(0, 0, 275, 100), box(275, 0, 300, 100)])
    )
    assert gap_owners(_points((270, 50), (290, 50)), buurten, other_wijk, settings=PL).tolist() == [
        None,
        "BU09990201",
    ]


def test_buurt_without_geometry_and_empty_buurt_stay_rows(areas):
    buurten, wijken, outlines = areas
    pts = _points((50, 50), (60, 50), (270, 50), (200, 50))
    owners = gap_owners(pts, buurten, outlines, settings=PL)
    frame, _ = assign_areas(pts, buurten, wijken, owners=owners)
    adr = frame.assign(afstand_ov_m=[100.0, 900.0, 300.0, 50.0], afstand_supermarkt_m=[100.0, 100.0, 2000.0, 50.0])
    out = aggregate(adr, buurten, key="buurtcode", norm_m=800)
    assert list(out.index) == CODES  # every buurt is a row, also E (no geometry) and L (no addresses)
    assert out.loc["BU09990101", "n_adressen"] == 0 and np.isnan(out.loc["BU09990101", "pct_ov_800m"])
    assert out.loc["BU09990102", "n_adressen"] == 0 and np.isnan(out.loc["BU09990102", "pct_ov_800m"])
    assert out.loc["BU09990100", "pct_ov_800m"] == pytest.approx(50.0)
    assert out["n_buiten_buurtvlak"].tolist() == [0, 0, 1, 0, 0]
    marked = mark_buurt_outlines(out, settings=PL)["buurtvlak"].tolist()
    assert marked == ["", "", "snipper van 25 m² in de bron", "geen geometrie in de bron", ""]
    report = area_report(out, settings=PL, gemeente="Proefdorp", extra_addresses=1, stats={"naar_snipper": 1})
    assert [r["naam"] for r in report["zonder_geometrie"]] == ["E"]
    assert [(r["naam"], r["snipper"], r["vlak_m2"]) for r in report["te_klein"]] == [("S", True, 25)]
    assert report["adressen_buiten_buurtvlak"] == 1
    assert report["meldingen"] == [
        "1 adressen in geen buurtvlak; toegekend aan S (Proefdorp): het buurtvlak in de bron is een snipper van 25 m²",
        (
            "1 buurt(en) van Proefdorp zonder geometrie in de bron: E (BU09990101); ze staan in buurten.csv met hun "
            "cijfers als onbekend (leeg)"
        ),
    ]
    summary = {"adressen": 4, "gemeente": {"naam": "Proefdorp"}, "buurtvlakken": report}
    text = "\n".join(address_lines(summary, num=number))
    assert "1 in geen buurtvlak" in text and "snipper van 25 m²" in text and "E (BU09990101)" in text
    json.dumps(report)  # goes into samenvatting.json as it is


def test_a_vlak_too_small_for_its_addresses_is_named(areas):
    buurten, _, _ = areas
    table = buurten.assign(n_adressen=[100, 100, 0, 0, 0], n_buiten_buurtvlak=0)
    report = area_report(table, settings=PL, gemeente="Proefdorp")
    assert [r["naam"] for r in report["te_klein"]] == ["S"]  # B: 100 in 1 ha is plausible
    # B (1 ha) with 400 addresses is 400 per ha, more than the 300 allowed: named, not as a sliver
    crowded = table.assign(n_adressen=[100, 400, 0, 0, 0])
    named = {r["naam"]: r for r in area_report(crowded, settings=PL, gemeente="Proefdorp")["te_klein"]}
    assert named["B"]["snipper"] is False and named["B"]["adressen"] == 400
    assert "te klein voor zijn adressen" in " ".join(area_report(crowded, settings=PL, gemeente="P")["meldingen"])


def test_read_areas_warns_only_the_owning_gemeente(tmp_path, caplog):
    feats = [
        {"type": "Feature", "properties": {"statcode": code, "statnaam": name}, "geometry": geom}
        for code, name, geom in [
            ("BU09990100", "Eigen", shapely.geometry.mapping(box(0, 0, 100, 100))),
            ("BU09990200", "Leeg", None),
            ("BU08880100", "Buren", shapely.geometry.mapping(box(100, 0, 200, 100))),
        ]
    ]
    path = tmp_path / "buurten.geojson"
    doc = {"type": "FeatureCollection", "crs": {"type": "name", "properties": {"name": "EPSG:28992"}}}
    path.write_text(json.dumps({**doc, "features": feats}), encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        other = cbs.read_areas(path, level="buurt", gemeentecode="GM0888")
    assert list(other.index) == ["BU08880100"]
    assert "zonder geometrie" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        own = cbs.read_areas(path, level="buurt", gemeentecode="GM0999")
    assert list(own.index) == ["BU09990100", "BU09990200"]  # kept, with an empty geometry
    assert own.geometry.is_empty.tolist() == [False, True]
    assert "gemeente GM0999: 1 buurt(en) zonder geometrie" in caplog.text and "Leeg (BU09990200)" in caplog.text


# --- the real data: Meppel's Scheepsbuurt, Borger-Odoorn's buurten without geometry


@pytest.fixture(scope="module")
def meppel(raw_dir, settings):
    """Meppel's inputs and analysis (one run, ~10 s)."""
    from woonzorg_geo.areas.analysis import analyse
    from woonzorg_geo.sources.catalogue import resolve_gemeente
    from woonzorg_geo.sources.datasets import load_offline

    s = resolve_gemeente(settings, "Meppel")
    inputs = load_offline(s, raw_dir=raw_dir)
    return inputs, analyse(s, inputs=inputs)


@pytest.mark.realdata
def test_meppel_scheepsbuurt_is_part_of_meppel_and_of_its_buurt(meppel, raw_dir):
    inputs, a = meppel
    adr = a.adressen
    scheeps = adr.loc[adr["buurtcode"] == "BU01190401"]
    # the source's vlak of 257 m² holds no address; its ~680-790 address points lie in no buurtvlak
    assert 600 <= len(scheeps) <= 800
    assert scheeps["buiten_buurt"].all() and (scheeps["wijkcode"] == "WK011904").all()
    sliver = inputs.buurten.geometry["BU01190401"]
    assert sliver.area < 1000 and scheeps.distance(sliver).max() < 700
    # Meppel's count is within 1 % of the OSM address points inside its CBS gemeente polygon,
    # counted here from the file itself
    grens = gpd.read_file(raw_dir / "cbs_cartomap_2024_drenthe" / "gemeenten_drenthe_2024.geojson").to_crs(RD)
    polygon = grens.loc[grens["statcode"] == "GM0119"].geometry.union_all()
    points = inputs.osm.addresses
    in_polygon = int(points.within(polygon).sum())
    assert in_polygon > 18_000
    assert abs(len(adr) - in_polygon) <= 0.01 * in_polygon, (len(adr), in_polygon)
    # Berggierslanden (WK011904) had 479 address points against 1 197 CBS woningen
    berg = a.wijken.loc["WK011904"]
    assert berg["n_adressen"] > 0.85 * berg["woningen_cbs"]
    assert a.buurten.loc["BU01190401", "n_buiten_buurtvlak"] == len(scheeps)
    # the API's address selection is the analysis's
    from woonzorg_geo.run.steps import addresses_in

    assert addresses_in(inputs, settings=a.settings).index.equals(adr.index)


@pytest.mark.realdata
def test_meppel_summary_names_the_sliver(meppel):
    from woonzorg_geo.run.pipeline import summary_text

    _, a = meppel
    report = a.summary["buurtvlakken"]
    assert report["adressen_buiten_buurtvlak"] == a.adressen["buiten_buurt"].sum() > 600
    notes = " ".join(report["meldingen"])
    assert "toegekend aan Scheepsbuurt (Meppel): het buurtvlak in de bron is een snipper van 257 m²" in notes
    text = summary_text(a.summary)
    assert "Scheepsbuurt" in text and "0 buiten de" not in text


@pytest.mark.realdata
def test_borger_odoorn_keeps_its_buurten_without_geometry_and_only_it_warns(raw_dir, settings, caplog):
    from woonzorg_geo.sources.catalogue import resolve_gemeente
    from woonzorg_geo.sources.datasets import load_areas

    with caplog.at_level(logging.WARNING):
        load_areas(resolve_gemeente(settings, "Emmen"), raw_dir=raw_dir)  # same buurten file
    assert "zonder geometrie" not in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        _, buurten, wijken = load_areas(resolve_gemeente(settings, "Borger-Odoorn"), raw_dir=raw_dir)
    assert "gemeente GM1681: 3 buurt(en) zonder geometrie" in caplog.text
    for name in ("Noordesch", "Buinerveen", "Odoornerveen"):
        assert name in caplog.text
    empty = buurten.index[buurten.geometry.is_empty]
    assert sorted(empty) == ["BU16818205", "BU16818601", "BU16819901"]
    assert len(buurten) == 58
    # their rows survive the aggregation, with unknown shares
    pts = gpd.GeoDataFrame(geometry=buurten.loc[~buurten.geometry.is_empty].representative_point(), crs=RD)
    frame, _ = assign_areas(pts, buurten, wijken)
    out = aggregate(frame.assign(afstand_ov_m=100.0), buurten, key="buurtcode", norm_m=800)
    assert set(empty) <= set(out.index) and out.loc[empty, "pct_ov_800m"].isna().all()


@pytest.mark.realdata
def test_other_gemeenten_buurten_come_from_every_buurten_file(raw_dir, settings):
    """De Wolden's buurten are in the 3-decimal file, Westerveld's and Meppel's in the 1 m file: a home
    in a Westerveld buurt is never De Wolden's, whichever file holds it."""
    from woonzorg_geo.sources.catalogue import resolve_gemeente
    from woonzorg_geo.sources.datasets import resolve_paths
    from woonzorg_geo.sources.outlines import load_outlines

    s = resolve_gemeente(settings, "De Wolden")
    outlines = load_outlines(s, resolve_paths(s, raw_dir=raw_dir), raw_dir=raw_dir)
    rest = gpd.read_file(raw_dir / "cbs_cartomap_2024_drenthe" / "buurten_drenthe_2024_rest_rd.geojson").to_crs(RD)
    westerveld = rest.loc[rest["statcode"].str.startswith("BU1701") & ~rest.geometry.is_empty]
    assert len(westerveld) > 40
    assert shapely.within(westerveld.representative_point().to_numpy(), outlines.other_buurten).all()
    # but not De Wolden's own
    own = gpd.read_file(raw_dir / "cbs_cartomap_2024_drenthe" / "buurten_drenthe_2024_partial.geojson").to_crs(RD)
    own = own.loc[own["statcode"].str.startswith("BU1690")]
    assert not shapely.within(own.representative_point().to_numpy(), outlines.other_buurten).any()
