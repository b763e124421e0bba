from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point

from woonzorg_geo.io import staged_dir, write_gpkg, write_text


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


def test_staged_dir_publishes_only_on_success(tmp_path):
    out = tmp_path / "output"
    out.mkdir()
    (out / "eigen.txt").write_text("van de gebruiker")
    with staged_dir(out) as d:
        (d / "a.txt").write_text("1")
        (d / "sub").mkdir()
        (d / "sub" / "c.txt").write_text("3")
    with pytest.raises(RuntimeError), staged_dir(out) as d:
        (d / "a.txt").write_text("nieuw")
        (d / "b.txt").write_text("2")
        raise RuntimeError("stuk")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "eigen.txt", "sub"]
    assert (out / "a.txt").read_text() == "1"  # the failed run did not overwrite it
    assert (out / "sub" / "c.txt").read_text() == "3"
