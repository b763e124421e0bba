"""locaties and toets share their judgement (issue 20 §4): shopping centres, schools and care
locations are excluded with counts; the toets of a reference initiative decides by a rule."""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.site_settings import Criterion
from woonzorg_geo.sites import candidate_cells, exclusion_counts, place_exclusions, rank_search_areas
from woonzorg_geo.sites.ranking import judge_regions

RD = "EPSG:28992"
S = load_settings()
L = S.locaties


def _town():
    """A 1 x 1 km gemeente with homes everywhere in the west half, cells of 100 m."""
    gemeente = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 1000)], crs=RD)
    rng = np.random.default_rng(2)
    xy = rng.uniform([0, 0], [500, 1000], size=(800, 2))
    return gemeente, gpd.GeoDataFrame(geometry=[Point(p) for p in xy], crs=RD)


def _reason_at(cells, x, y):
    hit = cells.loc[cells.geometry.contains(Point(x, y))]
    assert len(hit) == 1, (x, y)
    return hit["uitgesloten"].iloc[0]


def _voorzieningen(rows):
    cat, pts = zip(*rows, strict=True)
    return gpd.GeoDataFrame({"categorie": list(cat)}, geometry=[Point(p) for p in pts], crs=RD)


def test_shopping_centre_needs_enough_shops_and_a_supermarket():
    n = L.winkelcentrum_min_winkels
    assert n < L.winkelgebied_min_winkels  # else the shopping-area rule would take these cells first
    # cell (0-100, 0-100): n shops with a supermarket among them -> winkelcentrum
    # cell (0-100, 300-400): n shops, no supermarket -> stays
    # cell (0-100, 600-700): n - 1 shops with a supermarket -> stays (one short)
    pois = gpd.GeoDataFrame(
        {"class": ["grocery"] + ["clothing_store"] * (n - 1) + ["shop"] * n + ["grocery"] + ["bakery"] * (n - 2)},
        geometry=[Point(50 + i, 50) for i in range(n)]
        + [Point(50 + i, 350) for i in range(n)]
        + [Point(50 + i, 650) for i in range(n - 1)],
        crs=RD,
    )
    vz = _voorzieningen([("supermarkt", (50, 50)), ("supermarkt", (50, 650)), ("huisarts", (50, 350))])
    gemeente, homes = _town()
    cells = candidate_cells(gemeente, homes, settings=L, pois=pois, voorzieningen=vz)
    assert _reason_at(cells, 50, 50) == "winkelcentrum"
    assert _reason_at(cells, 50, 350) == ""
    assert _reason_at(cells, 50, 650) == ""
    # the next cell's centre (150, 50) is 100 m from the shops: within the radius, so also excluded
    assert _reason_at(cells, 150, 50) == "winkelcentrum"
    assert _reason_at(cells, 250, 50) == ""
    assert exclusion_counts(cells)["winkelcentrum"] == int((cells["uitgesloten"] == "winkelcentrum").sum()) >= 2


def test_schools_from_voorzieningen_or_pois_exclude_cells_within_the_radius():
    r = L.school_straal_m
    vz = _voorzieningen([("school", (50, 50)), ("ziekenhuis", (50, 550))])
    pois = gpd.GeoDataFrame(
        {"class": ["college", "cafe"], "subclass": ["kindergarten", "cafe"]},
        geometry=[Point(450, 950), Point(450, 550)],
        crs=RD,
    )
    centres = np.array([[50, 50], [50 + r - 1, 50], [50 + r + 1, 50], [450, 950], [450, 550], [50, 550]], dtype=float)
    got = place_exclusions(centres, settings=L, pois=pois, voorzieningen=vz)
    assert got["reden"].tolist() == ["school", "school", "", "school", "", ""]
    assert got["scholen_nabij"].tolist() == [1, 1, 0, 1, 0, 0]
    # a class switched off in the settings excludes nothing
    off = replace(L, school_categorieen=(), school_poi_subklassen=())
    assert (place_exclusions(centres, settings=off, pois=pois, voorzieningen=vz)["reden"] == "").all()


def test_existing_care_locations_exclude_their_cell_and_are_counted():
    gemeente, homes = _town()
    vz = _voorzieningen([("woonzorg", (250, 450)), ("huisarts", (250, 750))])
    cells = candidate_cells(gemeente, homes, settings=L, voorzieningen=vz)
    assert _reason_at(cells, 250, 450) == "zorglocatie"
    assert _reason_at(cells, 250, 750) == ""
    assert _reason_at(cells, 350, 450) == ""  # 100 m away: beyond zorglocatie_straal_m
    assert exclusion_counts(cells).get("zorglocatie") == 1
    # a category a --voorzieningen list brings in counts when the settings name it
    vz2 = _voorzieningen([("eigen_zorg", (250, 750))])
    wide = replace(L, zorglocatie_categorieen=("woonzorg", "eigen_zorg"))
    assert _reason_at(candidate_cells(gemeente, homes, settings=wide, voorzieningen=vz2), 250, 750) == "zorglocatie"


def _lone_cells(scores):
    boxes = [box(1000 * i, 0, 1000 * i + 100, 100) for i in range(len(scores))]
    return gpd.GeoDataFrame(
        {
            "score": scores,
            "buurt": [f"B{i}" for i in range(len(scores))],
            "wijk": "W",
            "ontbrekend": "",
            "waarde_ov": 300.0,
            "score_ov": scores,
        },
        geometry=boxes,
        crs=RD,
    )


def test_rood_zoekgebieden_are_left_out_and_counted_per_part_judging_only_what_is_needed():
    cells = _lone_cells([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    verdicts = {
        0: {1: "groen", 2: "rood", 3: "groen", 4: "onbekend"},
        1: {1: "groen", 2: "groen", 3: "oranje", 4: "groen"},
        2: {1: "rood", 2: "rood", 3: "groen", 4: "groen"},
        3: {1: "groen", 2: "groen", 3: "groen", 4: "groen"},
    }
    asked = []

    def judge(x, y):
        k = int(x // 1000)
        asked.append(k)
        return verdicts.get(k, {1: "groen", 2: "groen", 3: "groen", 4: "groen"})

    s = replace(L, criteria=(Criterion("ov", label="OV", punten=((400.0, 1.0), (1200.0, 0.0))),))
    zg = rank_search_areas(cells, settings=s, speed_m_s=0.76, top=2, judge=judge)
    assert zg["buurt"].tolist() == ["B1", "B3"]
    assert asked == [0, 1, 2, 3]  # the top two plus the two replacements, not every cell
    assert zg["toets_deel3"].tolist() == ["oranje", "groen"]
    assert zg.attrs["toets_weggelaten"].to_dict() == {"deel 1": 1, "deel 2": 2, "deel 3": 0, "deel 4": 0}
    assert zg.attrs["toets_weggelaten_namen"] == ["B0 (W)", "B2 (W)"]
    assert "Toets (geclusterd wonen, 24 woningen, bij het beste punt): deel 1 groen" in zg["toelichting"].iloc[0]

    # "lager": the rood ones come after every one without rood, and say why
    asked.clear()
    low = rank_search_areas(cells, settings=replace(s, toets_regel="lager"), speed_m_s=0.76, top=5, judge=judge)
    assert low["buurt"].tolist() == ["B1", "B3", "B4", "B5", "B0"]
    assert "Lager gerangschikt: de toets geeft rood op deel 2." in low["toelichting"].iloc[-1]
    assert "Lager gerangschikt" not in low["toelichting"].iloc[0]

    # "uit": nothing is judged
    asked.clear()
    off = rank_search_areas(cells, settings=replace(s, toets_regel="uit"), speed_m_s=0.76, top=2, judge=judge)
    assert asked == [] and off["buurt"].tolist() == ["B0", "B1"] and "toets_deel1" not in off


def test_judge_regions_without_a_top_judges_every_region():
    regions = [[0], [1], [2]]
    centres = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    kept, verdicts, counts, left = judge_regions(
        regions, centres, judge=lambda x, y: {4: "rood"} if x == 1.0 else {}, rule="uitsluiten", top=None
    )
    assert kept == [[0], [2]] and left == [[1]] and counts["deel 4"] == 1 and verdicts == [{}, {}]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('[locaties]\ntoets_regel = "weg"\n', "toets_regel"),
        ("[locaties]\nreferentie_omvang = 0\n", "referentie_omvang"),
    ],
)
def test_bad_rule_settings_are_refused(tmp_path, text, match):
    f = tmp_path / "s.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError, match=match):
        load_settings(f)


def test_an_unknown_reference_type_is_refused_with_the_fix():
    from woonzorg_geo.run.site_toets import check_reference
    from woonzorg_geo.toets import load_toets_settings

    ts = load_toets_settings()
    assert check_reference(L, ts) == ("geclusterd_wonen", 24)
    with pytest.raises(SettingsError, match=r"referentie_type.*Oplossing"):
        check_reference(replace(L, referentie_type="kasteel"), ts)


# --------------------------------------------------------------------------------------------
# Real data: Assen
# --------------------------------------------------------------------------------------------


#: The tests on the real locaties run share it with test_sites (one run, on one xdist worker)
SHARED_RUN = pytest.mark.xdist_group("locaties_assen")


@pytest.fixture(scope="module")
def locaties_assen(locaties_output):
    """The output of `locaties --top 20` on Assen (conftest.py); its first 10 are those of `--top 10`:
    the zoekgebieden are ranked before the list is cut."""
    return locaties_output / "output"


@pytest.mark.realdata
@SHARED_RUN
def test_no_top10_zoekgebied_of_assen_is_rood_in_the_toets(locaties_assen, assen_analysis):
    """The real toets entry point (run_toets, as `toets --punt`) at each top-10 zoekgebied's point
    gives no rood on any part (the default rule leaves those out), and agrees with the columns."""
    from woonzorg_geo.toets import run_toets
    from woonzorg_geo.toets.check import check_site, prepare_toets

    csv = pd.read_csv(locaties_assen / "kandidaatlocaties.csv")
    assert csv["rang"].tolist() == list(range(1, len(csv) + 1)) and len(csv) >= 10
    csv = csv.loc[csv["rang"] <= 10]
    assert len(csv) == 10 and {"buurt", "wijk", "toets_deel1", "toets_deel4", "punt_lon", "punt_lat"} <= set(csv)
    assert L.toets_regel == "uitsluiten"
    # rank 1 through run_toets itself; the others through the context run_toets prepares (once, not
    # ten times: that is what costs), with check_site, the rest of run_toets
    ctx = prepare_toets(assen_analysis)
    for _, r in csv.iterrows():
        punt = (float(r["punt_lon"]), float(r["punt_lat"]))
        kind = {"zorgtype": L.referentie_type, "omvang": L.referentie_omvang}
        res = run_toets(assen_analysis, punt=punt, **kind) if r["rang"] == 1 else check_site(ctx, punt=punt, **kind)
        got = {d.nummer: d.oordeel for d in res.delen}
        assert "rood" not in got.values(), (r["rang"], r["buurt"], got)
        assert got == {p: r[f"toets_deel{p}"] for p in (1, 2, 3, 4)}, (r["rang"], got)
    note = (locaties_assen / "kandidaatlocaties.txt").read_text(encoding="utf-8")
    assert "weggelaten omdat de toets rood geeft" in note
    assert "geen vrije kavel" in note and "--kavels" in note
    # the zoekgebieden in wijk Centrum were rood on part 2: they are gone from the top
    assert not csv["wijk"].eq("Centrum").any(), csv[["rang", "buurt", "wijk"]]


@pytest.mark.realdata
@SHARED_RUN
def test_no_top10_zoekgebied_of_assen_is_a_shopping_centre_or_by_a_school(locaties_assen, assen_analysis):
    """Checked here from the analysis' own voorzieningen and POIs with plain geopandas."""
    out = locaties_assen
    zg = gpd.read_file(out / "woonzorg.gpkg", layer="kandidaatlocaties")
    zg = zg.loc[zg["rang"] <= 10]
    assert len(zg) == 10
    cells = gpd.read_file(out / "woonzorg.gpkg", layer="kandidaatcellen").set_index("cel_id")
    members = cells.loc[[int(c) for cs in zg["cellen"] for c in str(cs).split()]]
    centres = gpd.GeoDataFrame(geometry=members.geometry.centroid.to_numpy(), crs=cells.crs)
    vz = assen_analysis.inputs.voorzieningen.to_crs(cells.crs)
    pois = assen_analysis.inputs.osm.pois.to_crs(cells.crs)
    schools = pd.concat(
        [
            vz.loc[vz["categorie"].isin(L.school_categorieen), ["geometry"]],
            pois.loc[pois["subclass"].isin(L.school_poi_subklassen), ["geometry"]],
        ]
    )
    assert len(schools) > 20  # Assen has schools, so the check can fail
    near = gpd.sjoin_nearest(centres, gpd.GeoDataFrame(schools, crs=cells.crs), distance_col="d")
    assert (near["d"] > L.school_straal_m).all(), near["d"].min()
    shops = pois.loc[pois["class"].isin(L.winkel_poi_klassen)]
    supers = vz.loc[vz["categorie"].isin(L.winkelcentrum_supermarkt)]
    n_shops = np.array([(shops.distance(p) <= L.winkelcentrum_straal_m).sum() for p in centres.geometry])
    n_super = np.array([(supers.distance(p) <= L.winkelcentrum_straal_m).sum() for p in centres.geometry])
    centre = (n_shops >= L.winkelcentrum_min_winkels) & (n_super > 0)
    assert not centre.any(), members.index[centre].tolist()
    note = (out / "kandidaatlocaties.txt").read_text(encoding="utf-8")
    # the counts per class are stated, also a class that excluded nothing
    assert "Uitgesloten als winkelcentrum, bij een school of op een zorglocatie: winkelcentrum " in note
    assert ", zorglocatie " in note
