from __future__ import annotations

import json

import pytest

from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.sources.gtfs import read_chb_stations, read_gtfs_stops

STOPS = """stop_id,stop_code,stop_name,stop_lat,stop_lon,location_type,parent_station,wheelchair_boarding
area1,,"Assen, Station",52.9914,6.5703,1,,0
s1,1,"Assen, Station (Perron A)",52.99137,6.57016,0,area1,1
s2,2,"Assen, Station (Perron B)",52.99136,6.57027,0,area1,0
s3,3,"Assen, Kloosterbrug",52.995,6.56,0,,0
"""


def test_boarding_points_grouped_by_parent(tmp_path):
    p = tmp_path / "stops.txt"
    p.write_text(STOPS, encoding="utf-8")
    g = read_gtfs_stops(p)
    assert list(g.index) == ["s1", "s2", "s3"]  # the station row itself is not a boarding point
    assert g.loc["s1", "halte_groep"] == g.loc["s2", "halte_groep"] == "area1"
    assert g.loc["s1", "halte_groep_naam"] == "Assen, Station"
    assert g.loc["s3", "halte_groep"] == "s3"
    assert g.crs.to_epsg() == 28992
    assert 230_000 < g.geometry.x.iloc[0] < 240_000


def test_wrong_separator_is_explained(tmp_path):
    p = tmp_path / "stops.txt"
    p.write_text(STOPS.replace(",", "|"), encoding="utf-8")
    with pytest.raises(DataFileError, match="scheidingsteken") as exc:
        read_gtfs_stops(p)
    assert "stop_id" in exc.value.field


def test_semicolon_separator_is_accepted(tmp_path):
    p = tmp_path / "stops.txt"
    p.write_text(STOPS.replace(",", ";").replace('"Assen; ', '"Assen, '), encoding="utf-8")
    assert len(read_gtfs_stops(p)) == 3


def test_wrong_encoding_is_explained(tmp_path):
    p = tmp_path / "stops.txt"
    p.write_bytes(STOPS.replace("Kloosterbrug", "Kloosterbrüg").encode("latin-1"))
    with pytest.raises(DataFileError, match="UTF-8"):
        read_gtfs_stops(p)


def test_bad_coordinates(tmp_path):
    p = tmp_path / "stops.txt"
    p.write_text(STOPS.replace("52.995,6.56", "52,995,6.56"), encoding="utf-8")
    with pytest.raises(DataFileError):
        read_gtfs_stops(p)


def test_chb_station(tmp_path):
    p = tmp_path / "st.json"
    p.write_text(
        json.dumps(
            [
                {
                    "stopplacecode": "NL:S:x",
                    "publicname": "X",
                    "centroid_wgs84": [6.57, 52.99],
                    "accessibility": {"stepfreeaccess": "true"},
                }
            ]
        )
    )
    s = read_chb_stations(p)
    assert s.loc["NL:S:x", "traploos"] == "true"
    p.write_text(json.dumps([{"publicname": "X"}]))
    with pytest.raises(DataFileError, match="centroid_wgs84"):
        read_chb_stations(p)


@pytest.mark.realdata
def test_real_qbuzz_stops_in_assen(raw_dir, assen_inputs):
    stops = read_gtfs_stops(raw_dir / "gtfs_stops_ovapi_2015_aiolos")
    inside = stops.loc[stops.within(assen_inputs.gemeente.union_all())]
    assert len(inside) >= 150
    assert inside["naam"].str.startswith("Assen,").mean() > 0.8
