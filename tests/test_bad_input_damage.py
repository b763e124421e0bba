"""Damaged inputs are detected, never answered as if they were data (issue 18, "Damage detected").

Each case damages one input of the real data (a copy of the raw data folder as links, with the
damaged dataset copied for real), runs the command as a user would and asserts: exit code 2, a
message naming the file (or option) and the fix, no traceback, and every earlier output folder
byte for byte as it was. The checks fire right after the damaged input is loaded, before the
network is built, so each case costs about a second (a damaged list that must be geocoded first:
a few seconds).
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from collections.abc import Callable
from pathlib import Path

import pytest
from badinput import assert_refused, linked_copy, mirror, own_copy, snapshot

from woonzorg_geo.cli.main import main

pytestmark = pytest.mark.realdata

#: The centre of Assen (the Wilhelmina Ziekenhuis and 643 address points): made empty, the shares rose.
CENTRE = (8490, 5338)
#: A tile wholly inside the gemeente in the north (Loon), and one across its western border.
NORTH = (8491, 5333)
BORDER = (8487, 5337)


def _tiles_with(root: Path, settings, xy: tuple[int, int], damage: Callable[[bytes], bytes]) -> str:
    """The tile set as links, with the tile ``xy`` replaced by ``damage`` of its bytes (tiles_copy/)."""
    src = (root / settings.data.osm_tiles / "14").resolve()
    tiles = root / "tiles_copy" / "14"
    for p in src.glob("*/*.pbf"):
        (tiles / p.parent.name).mkdir(parents=True, exist_ok=True)
        if (int(p.parent.name), int(p.stem)) == xy:
            (tiles / p.parent.name / p.name).write_bytes(damage(p.read_bytes()))
        else:
            (tiles / p.parent.name / p.name).symlink_to(p)
    return f"14/{xy[0]}/{xy[1]}.pbf"


def _garbage(b: bytes) -> bytes:
    return random.Random(18).randbytes(len(b))


def _gzip_truncated(b: bytes) -> bytes:
    packed = gzip.compress(b)
    return packed[: len(packed) // 2]


TILE_CASES: dict[str, tuple[tuple[int, int], Callable[[bytes], bytes], str]] = {
    # name: (tile, damage, what the message says)
    "tile_leeg_in_het_centrum": (CENTRE, lambda b: b"", "leeg (0 bytes)"),
    "tile_leeg_in_het_noorden": (NORTH, lambda b: b"", "leeg (0 bytes)"),
    "tile_leeg_op_de_grens": (BORDER, lambda b: b"", "leeg (0 bytes)"),
    "tile_rommel": (CENTRE, _garbage, "beschadigd"),
    "tile_afgekapt": (CENTRE, lambda b: b[: len(b) // 2], "afgekapt"),
    "tile_een_byte_te_kort": (NORTH, lambda b: b[:-1], "afgekapt"),
    "tile_tekst": (CENTRE, lambda b: b"<html>404 Not Found</html>", "beschadigd"),
    "tile_gzip_afgekapt": (CENTRE, _gzip_truncated, "gzip"),
}


def _run(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


def _analyse(root: Path, tmp_path: Path, extra_toml: str = "", out: Path | None = None) -> list[str]:
    args = ["--stil", "--data", str(root)]
    if extra_toml:
        (tmp_path / "s.toml").write_text(extra_toml, encoding="utf-8")
        args += ["--instellingen", str(tmp_path / "s.toml")]
    out = out or tmp_path / "output"
    return [*args, "analyse", "--out", str(out), "--geen-kaarten", "--geen-rasters"]


@pytest.mark.parametrize("case", sorted(TILE_CASES))
def test_a_damaged_or_empty_tile_inside_the_gemeente_stops_the_run(case, raw_dir, settings, tmp_path, capsys):
    xy, damage, problem = TILE_CASES[case]
    root = mirror(raw_dir, tmp_path / "raw")
    named = _tiles_with(root, settings, xy, damage)
    args = _analyse(root, tmp_path, '[data]\nosm_tiles = "tiles_copy"\n')
    before = snapshot(root / "tiles_copy")
    code, err = _run(args, capsys)
    needles = [named, problem, "Oplossing", "SOURCE.md"]
    assert_refused(code, err, needles=needles, before=before, after=snapshot(root / "tiles_copy"))
    assert not (tmp_path / "output").exists()


def test_the_empty_tiles_of_the_tile_set_lie_outside_every_gemeente_of_drenthe(raw_dir, settings):
    """The six 0-byte tiles (SOURCE.md) touch only margins: no gemeente of Drenthe is refused for them."""
    from woonzorg_geo import RD_NEW
    from woonzorg_geo.sources.catalogue import load_catalogue, settings_for
    from woonzorg_geo.sources.datasets import load_areas
    from woonzorg_geo.sources.tile_checks import check_coverage, tiles_touching

    tiles = raw_dir / settings.data.osm_tiles
    empty = {(int(p.parent.name), int(p.stem)) for p in (tiles / "14").glob("*/*.pbf") if p.stat().st_size == 0}
    assert len(empty) == 6
    cat = load_catalogue()
    in_a_margin = set()
    for code in cat.provinces["drenthe"][1]:
        s = settings_for(settings, cat.entries[code])
        gemeente, _, _ = load_areas(s, raw_dir=raw_dir)
        shape = gemeente.union_all()
        check_coverage(tiles, shape, crs=RD_NEW, margin_m=s.netwerk.margin_m, tolerance_m=s.plausibiliteit.tegel_rand_m)
        in_a_margin |= tiles_touching(shape.buffer(s.netwerk.margin_m), crs=RD_NEW) & empty
    assert in_a_margin  # the check above did meet empty tiles, in the margins of border gemeenten


def test_every_real_tile_passes_the_byte_check_and_a_gzipped_one_too(raw_dir, settings, tmp_path):
    from woonzorg_geo.sources.tile_checks import check_tile_bytes

    tiles = [p for p in (raw_dir / settings.data.osm_tiles / "14").glob("*/*.pbf") if p.stat().st_size]
    assert len(tiles) == 1358
    for p in tiles:
        check_tile_bytes(p)
    packed = tmp_path / "t.pbf"
    packed.write_bytes(gzip.compress(tiles[0].read_bytes()))
    check_tile_bytes(packed)


# --- the GP list -------------------------------------------------------------------------------


def _edit_gp_list(root: Path, settings, edit: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> str:
    path = own_copy(root, settings.data.huisartsen)
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    rows = edit(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    return path.name


def _blank(share: float, *cols: str) -> Callable[[list[dict[str, str]]], list[dict[str, str]]]:
    def edit(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for i, r in enumerate(rows):
            if i % 10 < round(share * 10):
                for c in cols:
                    r[c] = ""
        return rows

    return edit


def _garble_postcodes(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    for r in rows:
        r["postcode"] = r["postcode"][::-1]  # "9401 AB" -> "BA 1049"
    return rows


def _swap_columns(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    for r in rows:
        r["adres"], r["postcode"] = r["postcode"], r["adres"]
    return rows


def _no_house_numbers(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    for r in rows:
        r["adres"] = "Onbekend"
    return rows


def _other_region(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    return [r for r in rows if r["stad"] in ("Groningen", "Haren", "Hoogezand", "Veendam", "Drachten")]


GP_CASES: dict[str, tuple[Callable[[list[dict[str, str]]], list[dict[str, str]]], list[str]]] = {
    # name: (damage, texts the message must hold besides the file name)
    "huisartsen_alle_adressen_leeg": (_blank(1.0, "adres", "postcode"), ["246 van de 246", "veld: adres"]),
    "huisartsen_80_procent_adressen_leeg": (_blank(0.8, "adres", "postcode"), ["veld: adres", "lijst_max_aandeel"]),
    "huisartsen_alle_postcodes_leeg": (_blank(1.0, "postcode"), ["veld: postcode", "'9401 AB'"]),
    "huisartsen_postcodes_verminkt": (_garble_postcodes, ["veld: postcode", "ongeldige postcode"]),
    "huisartsen_kolommen_verwisseld": (_swap_columns, ["veld: postcode"]),
    "huisartsen_alleen_kopregel": (lambda rows: [], ["geen rijen", 'huisartsen = ""']),
    # found nowhere to the street: the 18 Assen practices are not placed (geocoded first, ~4 s)
    "huisartsen_adressen_zonder_huisnummer": (_no_house_numbers, ["maar 0", "lijst_min_aandeel_geplaatst"]),
    # a list of another region: 0 GPs in Assen where OSM alone maps 4 doctors
    "huisartsen_lijst_van_een_andere_regio": (_other_region, ["OpenStreetMap alleen al 4", "lijst_min_deel_van_osm"]),
}


@pytest.mark.parametrize("case", sorted(GP_CASES))
def test_a_damaged_gp_list_stops_the_run(case, raw_dir, settings, tmp_path, capsys):
    damage, needles = GP_CASES[case]
    root = mirror(raw_dir, tmp_path / "raw")
    named = _edit_gp_list(root, settings, damage)
    args = _analyse(root, tmp_path)
    before = snapshot(root / settings.data.huisartsen)
    code, err = _run(args, capsys)
    needles = [named, "Oplossing", *needles]
    assert_refused(code, err, needles=needles, before=before, after=snapshot(root / settings.data.huisartsen))
    assert not (tmp_path / "output").exists()


# --- the kerncijfers -----------------------------------------------------------------------------


def _edit_kern(root: Path, settings, code: str, field: str, value: object) -> str:
    path = own_copy(root, settings.data.kerncijfers)
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc[code][field] = value
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path.name


KERN_FIELDS = (
    "AantalInwoners_5",
    "Mannen_6",
    "Vrouwen_7",
    "Bevolkingsdichtheid_34",
    "Woningvoorraad_35",
    "OppervlakteTotaal_122",
    "OppervlakteLand_123",
    "OppervlakteWater_124",
)
KERN_CASES: dict[str, tuple[str, str, object, str]] = {
    # name: (row, field, value, what the message says)
    **{f"kerncijfers_tekst_in_{f}": ("WK010600", f, "7165 stuks", "'7165 stuks' is geen getal") for f in KERN_FIELDS},
    "kerncijfers_tekst_in_de_gemeente": ("GM0106", "AantalInwoners_5", "69.701 inwoners", "geen getal"),
    "kerncijfers_decimale_komma": ("WK010601", "Woningvoorraad_35", "3261,0", "punt als decimaalteken"),
    "kerncijfers_waar_in_plaats_van_getal": ("WK010602", "AantalInwoners_5", True, "True is geen getal"),
    "kerncijfers_negatieve_woningen": ("WK010603", "Woningvoorraad_35", -5016, "negatief"),
    "kerncijfers_negatieve_inwoners": ("GM0106", "AantalInwoners_5", -69701, "negatief"),
}


@pytest.mark.parametrize("case", sorted(KERN_CASES))
def test_kerncijfers_that_are_no_numbers_stop_the_run(case, raw_dir, settings, tmp_path, capsys):
    row, field, value, problem = KERN_CASES[case]
    root = mirror(raw_dir, tmp_path / "raw")
    named = _edit_kern(root, settings, row, field, value)
    args = _analyse(root, tmp_path)
    before = snapshot(root / settings.data.kerncijfers)
    code, err = _run(args, capsys)
    needles = [named, f"rij {row}", f"veld: {field}", problem, "Oplossing"]
    assert_refused(code, err, needles=needles, before=before, after=snapshot(root / settings.data.kerncijfers))
    assert not (tmp_path / "output").exists()


def test_kerncijfers_csv_with_text_names_the_row_and_field(raw_dir, tmp_path, capsys):
    src = raw_dir / "cbs_kerncijfers_2024_wikigen" / "assen_GM0106_wijken_kerncijfers_2024.csv"
    path = tmp_path / "kern.csv"
    path.write_text(src.read_text(encoding="utf-8").replace("WK010604,3625,", "WK010604,3625 inw.,"), encoding="utf-8")
    (tmp_path / "s.toml").write_text(f'[data]\nkerncijfers = "{path}"\n', encoding="utf-8")
    args = ["--stil", "--data", str(raw_dir), "--instellingen", str(tmp_path / "s.toml")]
    before = snapshot(tmp_path)  # the damaged table and the settings: inputs are never modified
    code, err = _run([*args, "analyse", "--out", str(tmp_path / "o"), "--geen-kaarten"], capsys)
    needles = ["kern.csv", "rij WK010604", "veld: AantalInwoners_5", "'3625 inw.'", "Oplossing"]
    assert_refused(code, err, needles=needles, before=before, after=snapshot(tmp_path))


def test_kerncijfers_that_cbs_suppresses_are_allowed(tmp_path):
    """CBS leaves a value empty (null) or writes -99999999 where it is secret: no error, NaN."""
    from woonzorg_geo.sources.cbs import read_kerncijfers

    path = tmp_path / "k.json"
    rows = {
        "GM0106": {"AantalInwoners_5": 69701, "Woningvoorraad_35": None},
        "WK010600": {"AantalInwoners_5": -99999999},
    }
    path.write_text(json.dumps(rows), encoding="utf-8")
    kern = read_kerncijfers(path)
    assert kern.loc["GM0106", "AantalInwoners_5"] == 69701
    assert kern[["Woningvoorraad_35"]].isna().all().all() and kern["AantalInwoners_5"].isna().sum() == 1


# --- a collapse against the previous run in the same folder ----------------------------------


def _thin_gtfs(root: Path, settings) -> str:
    """Keep one stop in four of every operator (the file is whole, the stops lie where they did)."""
    folder = own_copy(root, settings.data.gtfs_stops)
    for path in sorted(folder.glob("*.txt")):
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            fields = list(reader.fieldnames or [])
            rows = list(reader)
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=fields)
            w.writeheader()
            w.writerows(rows[::4])
    return folder.name


def _few_assen_gps(root: Path, settings) -> str:
    """Only 3 of the 18 Assen practices remain: each still geocodes, and 3 is no collapse against the 4 OSM
    doctors (huisartsen 20 -> 8: 4 OSM, 3 of the list, 1 from the list in the margin)."""
    rows_kept: list[int] = []

    def edit(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        out = []
        for r in rows:
            if r["stad"] != "Assen" or len(rows_kept) < 3:
                out.append(r)
                rows_kept.extend([1] if r["stad"] == "Assen" else [])
        return out

    return _edit_gp_list(root, settings, edit)


PREVIOUS_CASES: dict[str, tuple[Callable[[Path, object], str], str]] = {
    "vorige_run_ov_haltes_ingestort": (_thin_gtfs, "categorie ov_halte"),
    "vorige_run_huisartsen_ingestort": (_few_assen_gps, "categorie huisarts"),
}


@pytest.mark.parametrize("case", sorted(PREVIOUS_CASES))
def test_a_category_that_collapses_against_the_previous_run_stops_it(
    case, raw_dir, settings, assen_output, tmp_path, capsys
):
    damage, needle = PREVIOUS_CASES[case]
    out = tmp_path / "vorige"
    linked_copy(assen_output, out)
    root = mirror(raw_dir, tmp_path / "raw")
    named = damage(root, settings)
    args = _analyse(root, tmp_path, out=out)
    before = snapshot(out)
    code, err = _run(args, capsys)
    needles = [named, needle, "samenvatting.json", "max_daling_vorige_run", "Oplossing", "--out"]
    assert_refused(code, err, needles=needles, before=before, after=snapshot(out))


def test_the_real_data_passes_against_its_own_previous_run(assen_inputs, assen_output, settings):
    from woonzorg_geo.sources.datasets import check_against_previous_run

    summary = json.loads((assen_output / "samenvatting.json").read_text(encoding="utf-8"))
    assert summary["voorzieningen"]["huisarts"] >= settings.plausibiliteit.min_aantal_vorige_run
    check_against_previous_run(assen_output, assen_inputs, settings)


# --- watals and toets: a location outside the gemeente ----------------------------------------

OUTSIDE: dict[str, tuple[str, list[str]]] = {
    # name: (location, texts the message must hold)
    "adres_in_emmen": ("Stationsstraat 1, Emmen", ["'Emmen'", "ligt niet in de gemeente Assen"]),
    "adres_in_meppel": ("Hoofdstraat 1, Meppel", ["buiten de gemeente Assen"]),
    "adres_in_groningen": ("Grote Markt 1, Groningen", ["'Groningen'", "niet in de gemeente Assen"]),
    "punt_in_meppel": ("6.1930,52.6960", ["buiten de gemeente Assen"]),
    "punt_in_utrecht": ("5.1214,52.0907", ["buiten de gemeente Assen"]),
    "punt_lon_lat_verwisseld": ("52.9925,6.5708", ["verwisseld"]),
}


@pytest.mark.parametrize("case", sorted(OUTSIDE))
def test_watals_refuses_a_new_voorziening_outside_the_gemeente(case, raw_dir, assen_output, tmp_path, capsys):
    where, needles = OUTSIDE[case]
    text = f"huisarts@{where}"
    before = snapshot(assen_output)
    args = ["--stil", "--data", str(raw_dir), "watals", "--uit", str(assen_output), "--out", str(tmp_path / "w")]
    code, err = _run([*args, "--geen-kaart", "--nieuw", text], capsys)
    needles = [f"--nieuw {text!r}", "CATEGORIE@LON,LAT", *needles]
    assert_refused(code, err, needles=needles, before=before, after=snapshot(assen_output))
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize("case", sorted(OUTSIDE))
def test_toets_refuses_the_same_locations(case, raw_dir, assen_output, tmp_path, capsys):
    where, needles = OUTSIDE[case]
    option = ["--punt", where] if where[0].isdigit() else ["--adres", where]
    before = snapshot(assen_output)
    args = ["--stil", "--data", str(raw_dir), "toets", "--uit", str(assen_output), "--out", str(tmp_path / "t")]
    code, err = _run([*args, *option, "--type", "geclusterd_wonen", "--omvang", "12"], capsys)
    assert_refused(code, err, needles=["--punt LON,LAT", *needles], before=before, after=snapshot(assen_output))
    assert not (tmp_path / "t").exists()


def test_watals_still_places_a_point_just_across_the_border(assen_analysis):
    """Within the network's margin a new voorziening may lie outside the gemeente (people cross it)."""
    import shapely
    from pyproj import Transformer

    from woonzorg_geo.whatif.engine import parse_new

    area = assen_analysis.inputs.gemeente.union_all()
    margin = assen_analysis.settings.netwerk.margin_m
    east = shapely.get_coordinates(area)[shapely.get_coordinates(area)[:, 0].argmax()]
    inside_margin = shapely.Point(east[0] + margin / 2, east[1])  # outside, within half the margin
    assert 0 < area.distance(inside_margin) <= margin
    lon, lat = Transformer.from_crs("EPSG:28992", "EPSG:4326", always_xy=True).transform(
        inside_margin.x, inside_margin.y
    )
    new = parse_new(
        f"supermarkt@{lon:.6f},{lat:.6f}", categories=["supermarkt"], geocode=None, area=area, margin_m=margin
    )
    assert abs(new.x - inside_margin.x) < 1 and abs(new.y - inside_margin.y) < 1
