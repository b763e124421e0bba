"""A profile that may use fewer edges is never shorter: points are placed once, on the whole network."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.network.accessibility import REASON_BLOCKED, compute_accessibility, to_frame
from woonzorg_geo.network.graph import build_network, profile_graph

RD = "EPSG:28992"
S = load_settings()
#: a profile that avoids steps and one that does not, whatever they are called in the settings
STEP_FREE = next(p.name for p in S.profielen.values() if p.avoid_steps)
ALL_EDGES = next(p.name for p in S.profielen.values() if not p.avoid_steps)


def _net(lines: list[LineString], subclasses: list[str | None]) -> object:
    gdf = gpd.GeoDataFrame({"class": "minor", "subclass": subclasses, "name": None}, geometry=lines, crs=RD)
    return build_network(gdf, settings=S.netwerk)


def _pts(xy: list[tuple[float, float]], **cols: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(p) for p in xy], crs=RD)


def _both(net, origins, vz, cats=("supermarkt",), **kw):
    out = {}
    for name in (ALL_EDGES, STEP_FREE):
        acc = compute_accessibility(profile_graph(net, S.profile(name)), origins, vz, categories=list(cats), **kw)
        out[name] = acc
    return out


def test_destination_on_steps_is_not_resnapped_for_the_step_free_profile():
    """The old bug: a shop whose nearest path is steps was joined to another street by a straight leg.

    A street along y=0 from x=0 to 1000; steps from (500,0) up to (500,40) and a path on from there
    to (500, 60) and along y=60 to x=0. The shop lies 2 m beside the steps. A home at (0, 0).
    Standard: 500 along the street + 20 up the steps + 2 = 522. Step-free: the shop is only
    reachable from the steps, so it is unreachable, never 'x m straight to the street'.
    """
    lines = [
        LineString([(0, 0), (500, 0), (1000, 0)]),
        LineString([(500, 0), (500, 40)]),
        LineString([(500, 40), (500, 60), (0, 60)]),
    ]
    net = _net(lines, [None, "steps", None])
    vz = _pts([(502, 20)], categorie=["supermarkt"]).set_index(pd.Index(["winkel"]))
    origins = _pts([(0, 0)])
    acc = _both(net, origins, vz)
    std = acc[ALL_EDGES].categories["supermarkt"].origin_dist[0]
    sen = acc[STEP_FREE].categories["supermarkt"].origin_dist[0]
    assert std == pytest.approx(522.0)
    assert np.isnan(sen)
    # the destination is placed at the same spot for both profiles
    np.testing.assert_allclose(acc[ALL_EDGES].routing.dest_snap.xy, acc[STEP_FREE].routing.dest_snap.xy)


def test_destination_at_the_end_of_steps_is_reached_round_them():
    """A shop that projects onto the top end of the steps is reached over the other path."""
    lines = [
        LineString([(0, 0), (500, 0), (1000, 0)]),
        LineString([(500, 0), (500, 40)]),
        LineString([(500, 40), (500, 60), (0, 60), (0, 0)]),
    ]
    net = _net(lines, [None, "steps", None])
    vz = _pts([(503, 40)], categorie=["supermarkt"])
    acc = _both(net, _pts([(0, 0)]), vz)
    std = acc[ALL_EDGES].categories["supermarkt"].origin_dist[0]
    sen = acc[STEP_FREE].categories["supermarkt"].origin_dist[0]
    leg = 3.0  # the projection is the node (500, 40) at the top of the steps
    assert std == pytest.approx(500 + 40 + leg)
    assert sen == pytest.approx(60 + 500 + 20 + leg)
    assert sen >= std


def test_origin_on_steps_is_unreachable_with_a_reason():
    lines = [LineString([(0, 0), (100, 0)]), LineString([(100, 0), (100, 50)]), LineString([(100, 50), (200, 50)])]
    net = _net(lines, [None, "steps", None])
    vz = _pts([(0, 0)], categorie=["huisarts"])
    origins = _pts([(101, 25)])
    acc = _both(net, origins, vz, cats=("huisarts",))
    assert acc[ALL_EDGES].categories["huisarts"].origin_dist[0] == pytest.approx(1 + 25 + 100)
    frame = to_frame(acc[STEP_FREE], origins, speed_m_s=1.0, norm_m=S.bereikbaarheid.norm_m)
    assert np.isnan(frame.loc[0, "afstand_huisarts_m"])
    assert frame.loc[0, "reden_huisarts"] == REASON_BLOCKED


def test_destination_snap_leg_is_capped():
    net = _net([LineString([(0, 0), (1000, 0)])], [None])
    vz = _pts([(500, 40), (900, 700)], categorie=["ov_halte", "ov_halte"])
    acc = _both(net, _pts([(1000, 0)]), vz, cats=("ov_halte",), max_snap_m=100.0)[ALL_EDGES]
    # the stop 700 m from the street is not joined by a 700 m straight leg
    assert acc.categories["ov_halte"].origin_dist[0] == pytest.approx(500 + 40)
    assert acc.routing.matrix[acc.routing.dest_node[1]].nnz == 0  # no leg at all
    assert acc.categories["ov_halte"].origin_nearest[0] == 0


@pytest.mark.parametrize("seed", range(5))
def test_fewer_edges_never_shorter_on_random_grids(seed):
    """Random grids with random steps: step-free distance >= standard distance for every point."""
    rng = np.random.default_rng(seed)
    n = 8
    lines, subs = [], []
    for i in range(n):
        for j in range(n):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < n and j + dj < n:
                    lines.append(LineString([(i * 100, j * 100), ((i + di) * 100, (j + dj) * 100)]))
                    subs.append("steps" if rng.random() < 0.25 else None)
    net = _net(lines, subs)
    vz = _pts([tuple(p) for p in rng.uniform(0, 700, (4, 2))], categorie=["supermarkt"] * 4)
    origins = _pts([tuple(p) for p in rng.uniform(0, 700, (200, 2))])
    acc = _both(net, origins, vz)
    std = acc[ALL_EDGES].categories["supermarkt"].origin_dist
    sen = acc[STEP_FREE].categories["supermarkt"].origin_dist
    both = np.isfinite(std) & np.isfinite(sen)
    assert both.sum() > 50
    assert (sen[both] >= std[both] - 1e-9).all()
    # nothing the standard profile cannot reach is reachable without steps
    assert not (np.isfinite(sen) & ~np.isfinite(std)).any()


@pytest.mark.realdata
def test_step_free_never_shorter_on_assen(assen_analysis):
    """Every address, every category: distance(step-free) >= distance(standard) - 0.01 m."""
    a = assen_analysis
    adr = a.adressen
    sfx = a.suffix(STEP_FREE)
    base = a.suffix(ALL_EDGES)
    cats = [*a.settings.bereikbaarheid.categories, *a.access[ALL_EDGES].categories]
    checked = 0
    for cat in dict.fromkeys(cats):
        d0, d1 = adr[f"afstand_{cat}_m{base}"], adr[f"afstand_{cat}_m{sfx}"]
        ok = d0.notna() & d1.notna()
        assert ok.mean() > 0.99, cat
        assert (d1[ok] >= d0[ok] - 0.01).all(), (cat, float((d1 - d0)[ok].min()))
        checked += int(ok.sum())
    assert checked > 300_000
    norm = int(a.settings.bereikbaarheid.norm_m)
    share = adr[f"ov_en_supermarkt_{norm}m{base}"].mean()
    share_sf = adr[f"ov_en_supermarkt_{norm}m{sfx}"].mean()
    assert share_sf <= share
