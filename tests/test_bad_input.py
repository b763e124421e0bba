"""Damaged data that still parses must stop the run with a clear message, never give a plausible wrong answer.

Each case copies the real data folder as links, damages one input, runs the command as a user
would and asserts: exit code 2, a one-line Dutch message naming the file (or option) and the fix,
no traceback, and no output written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from badinput import linked_copy, mirror, own_copy

from woonzorg_geo.cli.main import main

pytestmark = pytest.mark.realdata


def _swap_gtfs_lat_lon(root: Path, settings) -> str:
    """Every operator's stops with latitude and longitude swapped (236 OV stops became 2)."""
    import csv

    folder = own_copy(root, settings.data.gtfs_stops)
    for path in sorted(folder.glob("*.txt")):
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        for r in rows:
            r["stop_lat"], r["stop_lon"] = r["stop_lon"], r["stop_lat"]
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    return folder.name


def _shift_buurten(root: Path, settings, dx: float = 17000) -> str:
    path = own_copy(root, settings.data.buurten)
    doc = json.loads(path.read_text(encoding="utf-8"))

    def shift(c):
        return [c[0] + dx, c[1]] if isinstance(c[0], (int, float)) else [shift(x) for x in c]

    for feat in doc["features"]:
        feat["geometry"]["coordinates"] = shift(feat["geometry"]["coordinates"])
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path.name


def _shift_gemeentegrens(root: Path, settings) -> str:
    path = own_copy(root, settings.data.gemeentegrens)
    doc = json.loads(path.read_text(encoding="utf-8"))

    def shift(c):
        return [c[0] + 3.0, c[1]] if isinstance(c[0], (int, float)) else [shift(x) for x in c]

    geoms = [f["geometry"] for f in doc["features"]] if "features" in doc else [doc.get("geometry", doc)]
    for g in geoms:
        g["coordinates"] = shift(g["coordinates"])
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path.name


def _delete_centre_tile(root: Path, settings) -> str:
    from woonzorg_geo.sources.osm_tiles import lonlat_to_tile

    x, y = lonlat_to_tile(6.5630, 52.9960, 14)
    tiles = root / "tiles_copy" / "14"
    src = (root / settings.data.osm_tiles / "14").resolve()
    for p in src.glob("*/*.pbf"):
        if (p.parent.name, p.stem) != (str(x), str(y)):
            (tiles / p.parent.name).mkdir(parents=True, exist_ok=True)
            (tiles / p.parent.name / p.name).symlink_to(p)
    return f"14/{x}/{y}.pbf"


def _strip_crs(root: Path, settings) -> str:
    """The RD buurten with their CRS member removed: GeoJSON then means WGS84, with RD numbers."""
    path = own_copy(root, settings.data.buurten)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("crs", None)
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path.name


DAMAGE: dict[str, tuple[Callable[[Path, object], str], str]] = {
    # name: (damage, extra settings TOML)
    "gtfs_lat_lon_verwisseld": (_swap_gtfs_lat_lon, ""),
    "buurten_17_km_verschoven": (_shift_buurten, ""),
    # overlaps the gemeente still for most of it, but puts thousands of homes in no buurt
    "buurten_1_km_verschoven": (lambda root, s: _shift_buurten(root, s, dx=1000), ""),
    "gemeentegrens_verschoven": (_shift_gemeentegrens, ""),
    "buurten_rd_zonder_crs": (_strip_crs, ""),
    "tile_in_het_centrum_weg": (_delete_centre_tile, '[data]\nosm_tiles = "tiles_copy"\n'),
}


@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_damaged_data_stops_the_run(case, raw_dir, settings, tmp_path, capsys):
    damage, extra = DAMAGE[case]
    root = mirror(raw_dir, tmp_path / "raw")
    named = damage(root, settings)
    args = ["--stil", "--data", str(root)]
    if extra:
        (tmp_path / "s.toml").write_text(extra, encoding="utf-8")
        args += ["--instellingen", str(tmp_path / "s.toml")]
    out, maps = tmp_path / "output", tmp_path / "maps"
    code = main([*args, "analyse", "--out", str(out), "--kaarten", str(maps), "--geen-rasters"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert named in err and "Oplossing" in err
    assert "Traceback" not in err
    assert not out.exists() and not maps.exists()


# --- options and paths: refused before any work, with the option named --------------------------


def _file(tmp_path: Path) -> Path:
    f = tmp_path / "een_bestand.txt"
    f.write_text("x")
    return f


PATH_CASES = {
    "out_is_a_file": (lambda t: ["analyse", "--out", str(_file(t))], "--out"),
    "out_is_empty": (lambda t: ["analyse", "--out", ""], "--out is leeg"),
    "out_below_a_file": (lambda t: ["analyse", "--out", str(_file(t) / "sub")], "--out"),
    "out_not_writable": (lambda t: ["analyse", "--out", "/proc/woonzorg_uitvoer"], "kan hier niet schrijven"),
    "kaarten_is_a_file": (lambda t: ["analyse", "--out", str(t / "o"), "--kaarten", str(_file(t))], "--kaarten"),
    "locaties_out_is_a_file": (lambda t: ["locaties", "--out", str(_file(t))], "--out"),
    "kaarten_target_is_a_file": (lambda t: ["kaarten", "--uit", str(t), "--kaarten", str(_file(t))], "--kaarten"),
    "voorzieningen_not_gpkg": (lambda t: ["voorzieningen", "--out", str(t / "v.csv")], ".gpkg"),
    "voorzieningen_out_is_a_dir": (lambda t: ["voorzieningen", "--out", str(t / "d.gpkg")], "is een map"),
}


@pytest.mark.parametrize("case", sorted(PATH_CASES))
def test_bad_output_paths_are_refused_before_any_work(case, raw_dir, tmp_path, capsys, monkeypatch):
    def no_work(*a, **k):
        raise AssertionError("data was loaded before the output path was checked")

    monkeypatch.setattr("woonzorg_geo.sources.inputs.load_inputs", no_work)
    monkeypatch.setattr("woonzorg_geo.sources.datasets.load_offline", no_work)
    (tmp_path / "d.gpkg").mkdir()
    make, needle = PATH_CASES[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["--stil", "--data", str(raw_dir), *make(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "een_bestand.txt") == [
        n for n in before if n != "een_bestand.txt"
    ]


def test_unexpected_error_is_one_line_and_debug_shows_the_traceback(raw_dir, tmp_path, capsys, monkeypatch):
    def boom(*a, **k):
        raise ZeroDivisionError("stuk")

    monkeypatch.setattr("woonzorg_geo.sources.inputs.load_inputs", boom)
    args = ["--stil", "--data", str(raw_dir), "analyse", "--out", str(tmp_path / "o"), "--kaarten", str(tmp_path / "k")]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "Onverwachte fout" in err and "ZeroDivisionError: stuk" in err and "--debug" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    with pytest.raises(ZeroDivisionError):
        main(["--debug", *args])


TOETS_CASES = {
    "toets_out_is_a_file": (lambda t: ["--out", str(_file(t))], "--out"),
    "toets_adres_te_lang": (
        lambda t: ["--out", str(t / "o"), "--adres", "Stationsstraat " * 30 + "44, Assen"],
        "--adres is",
    ),
}


@pytest.mark.parametrize("case", sorted(TOETS_CASES))
def test_bad_toets_options(case, raw_dir, tmp_path, capsys):
    make, needle = TOETS_CASES[case]
    extra = make(tmp_path)
    args = ["--stil", "--data", str(raw_dir), "toets", "--type", "beschermd_wonen", "--omvang", "12", *extra]
    if "--adres" not in extra:
        args += ["--adres", "Stationsstraat 44, Assen"]
    code = main(args)
    err = capsys.readouterr().err
    assert code == 2 and needle in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("cut", [0.5, 0.9])
def test_kaarten_on_a_truncated_geopackage(cut, assen_output, tmp_path, capsys):
    """A GeoPackage cut off (a full disk, a half copy) is named with the fix; the maps stay as they were."""
    out = tmp_path / "output"
    linked_copy(assen_output, out)
    gpkg = out / "woonzorg.gpkg"
    data = gpkg.read_bytes()
    gpkg.unlink()  # a hard link to the session's: cut off as a file of its own
    gpkg.write_bytes(data[: int(len(data) * cut)])
    maps = tmp_path / "maps"
    maps.mkdir()
    (maps / "oud.html").write_text("vorige kaart")
    code = main(["--stil", "kaarten", "--uit", str(out), "--kaarten", str(maps), "--offline"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "woonzorg.gpkg" in err and "analyse" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in maps.iterdir()) == ["oud.html"]
