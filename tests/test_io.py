from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from woonzorg_geo.io import atomic_dir, write_gpkg, write_text


def test_failed_write_keeps_previous_file(tmp_path):
    target = tmp_path / "uit.txt"
    write_text(target, "oud")

    class Boom(Exception):
        pass

    from woonzorg_geo.io import atomic_path

    with pytest.raises(Boom), atomic_path(target) as tmp:
        tmp.write_text("half", encoding="utf-8")
        raise Boom
    assert target.read_text(encoding="utf-8") == "oud"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["uit.txt"]


def test_gpkg_failure_leaves_no_file(tmp_path):
    good = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs="EPSG:28992")
    target = tmp_path / "x.gpkg"
    with pytest.raises(Exception):  # noqa: B017 - any writer error
        write_gpkg(target, {"goed": good, "fout": "geen frame"})  # type: ignore[dict-item]
    assert list(tmp_path.iterdir()) == []
    write_gpkg(target, {"goed": good})
    assert gpd.read_file(target, layer="goed").crs.to_epsg() == 28992


def test_atomic_dir_replaces_only_on_success(tmp_path):
    out = tmp_path / "output"
    with atomic_dir(out) as d:
        (d / "a.txt").write_text("1")
    with pytest.raises(RuntimeError), atomic_dir(out) as d:
        (d / "b.txt").write_text("2")
        raise RuntimeError("stuk")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["output"]
