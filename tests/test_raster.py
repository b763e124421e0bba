from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.network.accessibility import compute_accessibility
from woonzorg_geo.network.graph import build_network, profile_graph
from woonzorg_geo.network.raster import Grid, compute_surfaces, service_areas, write_geotiff

RD = "EPSG:28992"
S = load_settings()


def test_grid_is_aligned_and_covers():
    g = Grid.covering((10.0, 20.0, 260.0, 130.0), 25.0)
    assert (g.x0, g.y1, g.width, g.height) == (0.0, 150.0, 11, 6)
    c = g.centres()
    assert c[0].tolist() == [12.5, 137.5] and len(c) == 66


@pytest.fixture()
def acc():
    lines = gpd.GeoDataFrame(
        {"class": ["minor"], "subclass": [None], "name": [None]}, geometry=[LineString([(0, 50), (1000, 50)])], crs=RD
    )
    net = build_network(lines, settings=S.netwerk)
    vz = gpd.GeoDataFrame(
        {"categorie": ["supermarkt"]}, geometry=[Point(0, 50)], crs=RD, index=pd.Index(["v0"], name="vz_id")
    )
    origins = gpd.GeoDataFrame(geometry=[Point(500, 50)], crs=RD)
    return compute_accessibility(profile_graph(net, S.profile("standaard")), origins, vz, categories=["supermarkt"])


def test_surface_values_and_empty_cells(acc, tmp_path):
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 300)], crs=RD)
    surf = compute_surfaces(acc, area, cell_m=25.0, max_snap_m=100.0)
    d = surf.distance["supermarkt"]
    assert d.shape == (12, 40)
    # bottom rows lie 12.5–37.5 m from the line; a cell centre at x=512.5 y=37.5 is 512.5 + 12.5 away
    row = surf.grid.height - 2  # centre y = 37.5
    assert d[row, 20] == pytest.approx(512.5 + 12.5)
    assert np.isnan(d[0, :]).all()  # y = 287.5: > 100 m from the path
    assert (surf.nearest["supermarkt"][np.isfinite(d)] == 0).all()
    path = write_geotiff(tmp_path / "s.tif", d, surf.grid, description="test")
    import rasterio

    with rasterio.open(path) as src:
        assert src.crs.to_epsg() == 28992 and src.res == (25.0, 25.0)
        back = src.read(1)
        assert np.allclose(back[np.isfinite(back)], d[np.isfinite(d)])
        assert np.isnan(src.nodata)


def test_service_area_is_the_800m_walk(acc):
    area = gpd.GeoDataFrame(geometry=[box(0, 0, 1000, 300)], crs=RD)
    surf = compute_surfaces(acc, area, cell_m=25.0, max_snap_m=100.0)
    sa = service_areas(surf, acc, radius_m=800.0)
    assert sa["vz_id"].tolist() == ["v0"]
    xmin, _ymin, xmax, _ymax = sa.total_bounds
    assert xmin == 0 and 725 <= xmax <= 800  # walking, snap legs included, stops before 800 m
    assert sa["oppervlak_ha"].iloc[0] > 0
