"""Internal errors become clear messages: exit 2, the file or option named, the fix, earlier output untouched.

Issue 18, part 6. Each case is something a careless user does (a settings file saved as Latin-1, a
CSV given as ``--kavels``, a ``samenvatting.json`` edited into a list, a full disk) that used to end
as "Onverwachte fout" (exit 1), a traceback or a silent wrong answer. The cases that can be refused
before any data is read run with the loaders replaced by a function that fails the test, which
proves they are refused first and keeps them fast. Write failures are simulated (a writer raising
``ENOSPC``, ``EROFS`` or GDAL's "database or disk is full"), on the real path through
``staged_dir``/``atomic_path``; one of them during a real ``analyse``.
"""

from __future__ import annotations

import errno
import json
import pathlib
import sqlite3
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from badinput import assert_refused, linked_copy, snapshot
from shapely.geometry import Point, box

from woonzorg_geo.cli.main import main

# --- helpers ------------------------------------------------------------------------------------

LOADERS = (
    "woonzorg_geo.sources.inputs.load_inputs",
    "woonzorg_geo.sources.datasets.load_offline",
    "woonzorg_geo.sources.online.load_online",
    "woonzorg_geo.run.store.load_analysis",
    "woonzorg_geo.run.reuse.stored_or_fresh",
    "woonzorg_geo.run.regio.run_regio",
)


def _no_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every loader fails the test: the case must be refused before any data is read."""

    def no_work(*a: object, **k: object) -> None:
        raise AssertionError("data was loaded before the bad input was refused")

    for target in LOADERS:
        monkeypatch.setattr(target, no_work)


def _tree(folder: Path) -> list[str]:
    """Every path below ``folder``, folders included (a refusal creates not even an empty folder)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _earlier(t: Path) -> None:
    """An earlier run's output: an analysis folder and a maps folder (not real; only compared)."""
    out = t / "uitvoer"
    out.mkdir()
    (out / "woonzorg.gpkg").write_bytes(b"vorige GeoPackage")
    (out / "samenvatting.json").write_text('{"profielen": {"standaard": {}}}', encoding="utf-8")
    (out / "manifest.json").write_text(
        '{"eigenaar": {"opdracht": "analyse", "gemeente": "GM0106", "naam": "Assen"}, "bestanden": {}}',
        encoding="utf-8",
    )
    maps = t / "kaarten"
    maps.mkdir()
    (maps / "oud.html").write_text("vorige kaart", encoding="utf-8")
    (t / "raw").mkdir()


def _write(t: Path, name: str, data: bytes | str) -> str:
    path = t / name
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return str(path)


def _toml(t: Path, data: bytes | str) -> list[str]:
    return ["--instellingen", _write(t, "instellingen.toml", data)]


def _gpkg(t: Path, name: str, frame: gpd.GeoDataFrame) -> str:
    frame.to_file(t / name, driver="GPKG")
    return str(t / name)


RD = "EPSG:28992"
ASSEN = box(232000, 555000, 236000, 559000)  # RD: the centre of Assen


def _kavels(t: Path, arg: str) -> list[str]:
    return [
        "locaties",
        "--kavels",
        arg,
        "--uit",
        str(t / "uitvoer"),
        "--out",
        str(t / "lo"),
        "--kaarten",
        str(t / "lk"),
    ]


def _toets(t: Path, *extra: str, type_: str = "ggz", omvang: str = "10") -> list[str]:
    args = ["toets", "--uit", str(t / "uitvoer"), "--out", str(t / "to"), *extra]
    if "--type" not in extra:
        args += ["--type", type_]
    if "--omvang" not in extra:
        args += ["--omvang", omvang]
    if not {"--adres", "--punt", "--lijst"} & set(extra):
        args += ["--punt", "6.5627,52.9930"]
    return args


def _kavels_no_crs(t: Path) -> str:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # geopandas warns that the file gets no CRS: that is the case
        return _gpkg(t, "zonder_crs.gpkg", gpd.GeoDataFrame({"n": [1]}, geometry=[ASSEN]))


# --- refused before any data is read --------------------------------------------------------------

#: name: (arguments, given the test folder; texts the message must contain)
EARLY: dict[str, tuple[Callable[[Path], list[str]], list[str]]] = {
    # settings (--instellingen): was UnicodeDecodeError, exit 1
    "instellingen_latin1": (
        lambda t: [*_toml(t, b"[bereikbaarheid]\nnorm_m = 800\n# caf\xe9\n"), "data"],
        ["instellingen.toml", "UTF-8", "regel 3"],
    ),
    "instellingen_geen_toml": (
        lambda t: [*_toml(t, "dit is geen toml = =\n"), "data"],
        ["instellingen.toml", "geen geldige TOML", "regel"],
    ),
    "instellingen_norm_als_tekst": (
        lambda t: [*_toml(t, '[bereikbaarheid]\nnorm_m = "achthonderd"\n'), "data"],
        ["instellingen.toml", "bereikbaarheid.norm_m", "verwacht getal", "800"],
    ),
    "instellingen_norm_negatief": (
        lambda t: [*_toml(t, "[bereikbaarheid]\nnorm_m = -5\n"), "data"],
        ["instellingen.toml", "norm_m", "groter dan 0", "norm_m = 800"],
    ),
    "instellingen_norm_nul": (
        lambda t: [*_toml(t, "[bereikbaarheid]\nnorm_m = 0\n"), "data"],
        ["instellingen.toml", "norm_m", "groter dan 0"],
    ),
    "instellingen_sleutel_verkeerd_gespeld": (
        lambda t: [*_toml(t, "[bereikbaarheid]\nnorm_meter = 800\n"), "data"],
        ["instellingen.toml", "norm_meter", "spelling", "norm_m"],
    ),
    "instellingen_tabel_is_een_waarde": (
        lambda t: [*_toml(t, "bereikbaarheid = 800\n"), "data"],
        ["instellingen.toml", "bereikbaarheid", "[bereikbaarheid]"],
    ),
    # was: accepted, then the whole analysis was loaded before locaties failed on it
    "instellingen_onbekend_locatieprofiel": (
        lambda t: [*_toml(t, '[locaties]\nprofiel = "hardloper"\n'), "data"],
        ["instellingen.toml", "locaties.profiel", "hardloper", "standaard"],
    ),
    # was: "kan ... niet lezen of schrijven (Is a directory)"
    "instellingen_is_een_map": (
        lambda t: ["--instellingen", str(t / "raw"), "data"],
        [str(Path("raw")), "is een map", "TOML-bestand"],
    ),
    "instellingen_leeg": (lambda t: ["--instellingen", "", "data"], ["--instellingen is leeg"]),
    # was: "map met ruwe gegevens bestaat niet" for a file that exists
    "data_is_een_bestand": (
        lambda t: [
            "--data",
            _write(t, "adressen.csv", "a\n1\n"),
            "analyse",
            "--out",
            str(t / "ao"),
            "--kaarten",
            str(t / "ak"),
        ],
        ["--data", "adressen.csv", "is een bestand, geen map"],
    ),
    # the other TOML inputs: was UnicodeDecodeError, exit 1
    "toetsingskader_latin1": (
        lambda t: _toets(t, "--toetsingskader", _write(t, "kader.toml", b"# g\xe9\n")),
        ["kader.toml", "UTF-8"],
    ),
    "categorieen_latin1": (
        lambda t: ["voorzieningen", "--out", str(t / "v.gpkg"), "--categorieen", _write(t, "cat.toml", b"# \xe9\n")],
        ["cat.toml", "UTF-8"],
    ),
    "categorieen_is_een_map": (
        lambda t: ["voorzieningen", "--out", str(t / "v.gpkg"), "--categorieen", str(t / "raw")],
        ["raw", "is een map"],
    ),
    "catalogus_latin1": (
        lambda t: ["regio", "--out", str(t / "ro"), "--catalogus", _write(t, "catalogus.toml", b"# \xe9\n")],
        ["catalogus.toml", "UTF-8"],
    ),
    # profiles, formats, counts
    "analyse_profiel_onbekend": (
        lambda t: ["analyse", "--out", str(t / "ao"), "--kaarten", str(t / "ak"), "--profiel", "hardloper"],
        ["--profiel", "hardloper", "standaard"],
    ),
    "analyse_profiel_alleen_komma": (
        lambda t: ["analyse", "--out", str(t / "ao"), "--kaarten", str(t / "ak"), "--profiel", ","],
        ["--profiel", "noemt geen profiel"],
    ),
    "kaarten_profiel_onbekend": (
        lambda t: ["kaarten", "--uit", str(t / "uitvoer"), "--kaarten", str(t / "kaarten"), "--profiel", "x"],
        ["--profiel", "'x'", "senior"],
    ),
    "watals_profiel_onbekend": (
        lambda t: ["watals", "--uit", str(t / "uitvoer"), "--nieuw", "supermarkt@6.55,52.99", "--profiel", "rollator"],
        ["--profiel", "rollator", "standaard"],
    ),
    "locaties_top_0": (lambda t: [*_kavels(t, "x")[:1], "--top", "0", *_kavels(t, "x")[3:]], ["--top", "0"]),
    "locaties_top_negatief": (lambda t: [*_kavels(t, "x")[:1], "--top", "-1", *_kavels(t, "x")[3:]], ["--top", "-1"]),
    "regio_workers_0": (lambda t: ["regio", "--out", str(t / "ro"), "--workers", "0"], ["--workers", "0"]),
    "watals_nieuw_zonder_plek": (
        lambda t: ["watals", "--uit", str(t / "uitvoer"), "--nieuw", "supermarkt"],
        ["--nieuw", "'supermarkt'", "CATEGORIE@LON,LAT"],
    ),
    "watals_nieuw_nan": (
        lambda t: ["watals", "--uit", str(t / "uitvoer"), "--nieuw", "supermarkt@nan,nan"],
        ["--nieuw", "nan,nan", "buiten het bereik"],
    ),
    "watals_weg_leeg": (
        lambda t: ["watals", "--uit", str(t / "uitvoer"), "--weg", " "],
        ["--weg is leeg"],
    ),
    "watals_uit_is_een_bestand": (
        lambda t: ["watals", "--uit", _write(t, "x.json", "[]"), "--nieuw", "supermarkt@6.55,52.99"],
        ["--uit", "x.json", "is een bestand"],
    ),
    "toets_uit_is_een_bestand": (
        lambda t: ["toets", "--uit", _write(t, "x.json", "[]"), "--type", "ggz", "--omvang", "3", "--punt", "6.5,53"],
        ["--uit", "x.json", "is een bestand"],
    ),
    # toets: place, size, type
    "punt_een_getal": (lambda t: _toets(t, "--punt", "6.5"), ["--punt", "'6.5'", "LON,LAT"]),
    "punt_tekst": (lambda t: _toets(t, "--punt", "abc"), ["--punt", "'abc'", "6.5627,52.9930"]),
    "punt_buiten_bereik": (lambda t: _toets(t, "--punt", "200,100"), ["--punt", "200,100", "buiten het bereik"]),
    "punt_nan": (lambda t: _toets(t, "--punt", "nan,nan"), ["--punt", "nan,nan", "buiten het bereik"]),
    "omvang_0": (lambda t: _toets(t, omvang="0"), ["--omvang", "minstens 1", "kreeg 0"]),
    "omvang_negatief": (lambda t: _toets(t, omvang="-3"), ["--omvang", "kreeg -3"]),
    "omvang_enorm": (lambda t: _toets(t, omvang="1000000000"), ["--omvang", "1.000.000.000", "max_omvang"]),
    "adres_leeg": (lambda t: _toets(t, "--adres", ""), ["--adres is leeg"]),
    "adres_spaties": (lambda t: _toets(t, "--adres", "   "), ["--adres is leeg"]),
    "type_onbekend": (lambda t: _toets(t, type_="kinderopvang"), ["--type", "kinderopvang", "beschermd_wonen"]),
    # toets: register and list
    "register_is_een_map": (lambda t: _toets(t, "--register", str(t / "raw")), ["--register", "is een map"]),
    "register_kolommen_ontbreken": (
        lambda t: _toets(t, "--register", _write(t, "register.csv", "naam,plaats\nA,Assen\n")),
        ["register.csv", "adres, type", "naam, plaats"],
    ),
    "register_binair": (
        lambda t: _toets(t, "--register", _write(t, "register.csv", bytes(range(256)) * 4)),
        ["register.csv", "geen UTF-8", "CSV UTF-8"],
    ),
    "lijst_is_een_map": (
        lambda t: ["toets", "--uit", str(t / "uitvoer"), "--out", str(t / "to"), "--lijst", str(t / "raw")],
        ["--lijst", "is een map"],
    ),
    # analyse --indicatoren: was DataSourceError (exit 1), and only after the data was loaded
    "indicatoren_is_een_map": (
        lambda t: ["analyse", "--out", str(t / "ao"), "--kaarten", str(t / "ak"), "--indicatoren", str(t / "raw")],
        ["raw", "is een map", "indicatorentabel"],
    ),
    "indicatoren_gpkg_onleesbaar": (
        lambda t: [
            "analyse",
            "--out",
            str(t / "ao"),
            "--kaarten",
            str(t / "ak"),
            "--indicatoren",
            _write(t, "ind.gpkg", "geen GeoPackage"),
        ],
        ["ind.gpkg", "kan de indicatorentabel niet lezen"],
    ),
    # locaties --kavels: a CSV was "'DataFrame' object has no attribute 'crs'" (exit 1)
    "kavels_csv": (
        lambda t: _kavels(t, _write(t, "kavels.csv", "x,y\n233000,557000\n")),
        ["kavels.csv", "--kavels", "geen geometrie", "GeoPackage"],
    ),
    "kavels_binair": (
        lambda t: _kavels(t, _write(t, "kavels.csv", bytes(range(256)) * 4)),
        ["kavels.csv", "--kavels"],
    ),
    # points: was exit 0 with NaN areas and "invalid value encountered in divide"
    "kavels_punten": (
        lambda t: _kavels(
            t, _gpkg(t, "punten.gpkg", gpd.GeoDataFrame({"n": [1]}, geometry=[Point(233000, 557000)], crs=RD))
        ),
        ["punten.gpkg", "--kavels", "vlakken", "Point"],
    ),
    "kavels_zonder_crs": (lambda t: _kavels(t, _kavels_no_crs(t)), ["zonder_crs.gpkg", "CRS", "EPSG:28992"]),
    "kavels_leeg": (
        lambda t: _kavels(t, _gpkg(t, "leeg.gpkg", gpd.GeoDataFrame({"n": []}, geometry=[], crs=RD))),
        ["leeg.gpkg", "leeg"],
    ),
    "kavels_is_een_map": (lambda t: _kavels(t, str(t / "raw")), ["raw", "--kavels wijst naar een map"]),
    "kavels_bestaat_niet": (lambda t: _kavels(t, str(t / "nergens.gpkg")), ["nergens.gpkg", "bestaat niet"]),
}


@pytest.mark.parametrize("case", sorted(EARLY))
def test_refused_before_any_data_is_read(case, tmp_path, capsys, monkeypatch):
    _no_data(monkeypatch)
    monkeypatch.chdir(tmp_path)
    _earlier(tmp_path)
    make, needles = EARLY[case]
    args = make(tmp_path)
    before, paths = snapshot(tmp_path), _tree(tmp_path)
    code = main(["--stil", "--data", str(tmp_path / "raw"), *args])
    err = capsys.readouterr().err
    assert_refused(code, err, needles=[*needles, "Oplossing"], before=before, after=snapshot(tmp_path), one_line=True)
    assert "Onverwachte fout" not in err
    assert _tree(tmp_path) == paths  # not even an empty folder was made


# --- the parser's own errors: Dutch, with the fix, exit 2 -------------------------------------------

PARSER = {
    "formaat_onbekend": (["figuren", "--formaat", "jpg"], ["--formaat 'jpg' is geen geldige keuze", "'png'"]),
    "top_geen_getal": (["locaties", "--top", "abc"], ["--top 'abc' is geen geheel getal"]),
    "omvang_nan": (["toets", "--omvang", "nan"], ["--omvang 'nan' is geen geheel getal"]),
    "omvang_komma": (["toets", "--omvang", "2.5"], ["--omvang '2.5' is geen geheel getal"]),
    "adres_en_punt": (["toets", "--adres", "x", "--punt", "6.5,53"], ["--punt en --adres gaan niet samen"]),
    "out_zonder_waarde": (["analyse", "--out"], ["--out heeft een waarde nodig"]),
    "onbekende_optie": (["analyse", "--uitvoer", "x"], ["onbekende optie(s)", "--uitvoer"]),
}


@pytest.mark.parametrize("case", sorted(PARSER))
def test_parser_errors_are_dutch_with_the_fix(case, tmp_path, capsys, monkeypatch):
    _no_data(monkeypatch)
    monkeypatch.chdir(tmp_path)
    args, needles = PARSER[case]
    with pytest.raises(SystemExit) as exc:
        main(args)
    err = capsys.readouterr().err
    assert_refused(int(exc.value.code or 0), err, needles=["Fout:", *needles, "Oplossing"])
    assert "error:" not in err and "invalid" not in err
    assert list(tmp_path.iterdir()) == []


# --- samenvatting.json and woonzorg.gpkg of the folder kaarten and figuren read --------------------


def _summary_folder(t: Path, text: str | None) -> Path:
    out = t / "uitvoer"
    out.mkdir()
    (out / "woonzorg.gpkg").write_bytes(b"niet gelezen: samenvatting.json wordt eerst gecontroleerd")
    if text is not None:
        (out / "samenvatting.json").write_text(text, encoding="utf-8")
    return out


SUMMARY = {
    # was AttributeError: 'list' object has no attribute 'get' (exit 1)
    "lijst": ("[1, 2]", "een lijst"),
    "getal": ("42", "een getal"),
    # was: exit 0, maps and figures without the run's norm and headline figures
    "ontbreekt": (None, "bestand ontbreekt"),
    "leeg_object": ("{}", "profielen"),
    "profielen_lijst": ('{"profielen": ["standaard"]}', "profielen"),
    "norm_tekst": ('{"profielen": {"standaard": {}}, "norm_m": "800"}', "norm_m"),
    "leeg": ("", "geen geldige JSON"),
}


@pytest.mark.parametrize("command", ["kaarten", "figuren"])
@pytest.mark.parametrize("case", sorted(SUMMARY))
def test_bad_samenvatting_json(case, command, tmp_path, capsys):
    text, needle = SUMMARY[case]
    out = _summary_folder(tmp_path, text)
    target = tmp_path / "doel"
    target.mkdir()
    (target / "oud.html").write_text("vorige", encoding="utf-8")
    before = snapshot(tmp_path)
    option = "--kaarten" if command == "kaarten" else "--figuren"
    code = main(["--stil", command, "--uit", str(out), option, str(target)])
    err = capsys.readouterr().err
    assert_refused(
        code,
        err,
        needles=["samenvatting.json", needle, "Oplossing", "woonzorg-geo analyse"],
        before=before,
        after=snapshot(tmp_path),
        one_line=True,
    )
    assert "Onverwachte fout" not in err


def test_geopackage_without_a_layer(tmp_path, capsys):
    """A GeoPackage that lost its wijken layer is named with the layer and the fix."""
    from test_maps import make_output

    out = make_output(tmp_path / "uitvoer")
    with sqlite3.connect(out / "woonzorg.gpkg") as db:
        db.execute("DROP TABLE wijken")
        db.execute("DELETE FROM gpkg_contents WHERE table_name = 'wijken'")
        db.execute("DELETE FROM gpkg_geometry_columns WHERE table_name = 'wijken'")
    before = snapshot(tmp_path)
    code = main(["--stil", "kaarten", "--uit", str(out), "--kaarten", str(tmp_path / "k"), "--offline"])
    err = capsys.readouterr().err
    assert_refused(
        code, err, needles=["woonzorg.gpkg", "'wijken'", "Oplossing"], before=before, after=snapshot(tmp_path)
    )


# --- writes that fail: disk full, quota, read-only, no permission ---------------------------------


def _fail_staged_writes(monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    """``Path.write_text`` into a staging folder or an atomic temporary file writes half, then fails
    with ``code``, as the C library does when the disk fills up mid-file."""
    real = pathlib.Path.write_text

    def write_text(self: Path, data: str, *a: object, **k: object) -> int:
        if ".staging-" in str(self) or ".tmp-" in self.name:
            real(self, data[: len(data) // 2], encoding="utf-8")
            raise OSError(code, errno.errorcode[code])  # like write(2): no file name
        return real(self, data, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(pathlib.Path, "write_text", write_text)


def _maps_target(t: Path) -> Path:
    target = t / "kaarten"
    target.mkdir()
    (target / "oud.html").write_text("vorige kaart", encoding="utf-8")
    return target


WRITE_FAILURES = {
    "schijf_vol": (errno.ENOSPC, ["schijf vol", "maak ruimte vrij"]),
    "quotum_vol": (errno.EDQUOT, ["schijfquotum vol"]),
    "alleen_lezen": (errno.EROFS, ["alleen-lezen schijf", "waarop u kunt schrijven"]),
    "geen_rechten": (errno.EACCES, ["geen schrijfrechten", "schrijfrechten hebt"]),
}


@pytest.mark.parametrize("case", sorted(WRITE_FAILURES))
def test_kaarten_write_failure(case, tmp_path, capsys, monkeypatch):
    from test_maps import make_output

    code_, needles = WRITE_FAILURES[case]
    out = make_output(tmp_path / "uitvoer")
    target = _maps_target(tmp_path)
    before = snapshot(tmp_path)
    _fail_staged_writes(monkeypatch, code_)
    code = main(["--stil", "kaarten", "--uit", str(out), "--kaarten", str(target), "--offline"])
    err = capsys.readouterr().err
    assert_refused(
        code,
        err,
        needles=[*needles, f"{target}{'/'}", ".html", f"er is niets veranderd in {target}", "Oplossing"],
        before=before,
        after=snapshot(tmp_path),
        one_line=True,
    )
    assert "Onverwachte fout" not in err and ".staging-" not in err
    assert sorted(p.name for p in target.iterdir()) == ["oud.html"]  # no staging folder, no lock left


def test_figuren_disk_full(tmp_path, capsys, monkeypatch):
    """matplotlib's savefig on a full disk: the half-written figure is named by its final path."""
    import matplotlib.figure
    from test_maps import make_output

    out = make_output(tmp_path / "uitvoer")
    target = _maps_target(tmp_path)
    before = snapshot(tmp_path)

    def savefig(self: object, fname: object, *a: object, **k: object) -> None:
        Path(str(fname)).write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", savefig)
    code = main(["--stil", "figuren", "--uit", str(out), "--figuren", str(target)])
    err = capsys.readouterr().err
    assert_refused(
        code,
        err,
        needles=["schijf vol", f"{target}/gemeente_", ".png", f"er is niets veranderd in {target}", "Oplossing"],
        before=before,
        after=snapshot(tmp_path),
        one_line=True,
    )
    assert sorted(p.name for p in target.iterdir()) == ["oud.html"]


def test_voorzieningen_geopackage_disk_full(tmp_path, capsys, monkeypatch):
    """GDAL's own words on a full disk (pyogrio FeatureError "database or disk is full"), as reported."""
    import pyogrio.errors

    from woonzorg_geo.sources import datasets

    vz = gpd.GeoDataFrame({"categorie": ["supermarkt"], "naam": ["A"]}, geometry=[Point(233000, 557000)], crs=RD)

    class Inputs:
        voorzieningen = vz

    monkeypatch.setattr(datasets, "load_offline", lambda *a, **k: Inputs())

    def to_file(self: object, path: object, *a: object, **k: object) -> None:
        Path(str(path)).write_bytes(b"SQLite format 3\x00half")
        raise pyogrio.errors.FeatureError(
            "Could not add feature to layer at index 0: sqlite3_exec(CREATE TABLE ...) failed: database or disk is full"
        )

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", to_file)
    target = tmp_path / "voorzieningen.gpkg"
    target.write_bytes(b"vorige GeoPackage")
    before = snapshot(tmp_path)
    code = main(["--stil", "--data", str(tmp_path), "voorzieningen", "--out", str(target)])
    err = capsys.readouterr().err
    assert_refused(
        code,
        err,
        needles=["schijf vol", f"{target} is niet veranderd", "Oplossing"],
        before=before,
        after=snapshot(tmp_path),
        one_line=True,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["voorzieningen.gpkg"]  # no temporary file left


def test_disk_full_outside_a_writer_is_still_named(tmp_path, capsys, monkeypatch):
    """A "disk is full" from anywhere else (GDAL's temporary files while reading) is no "Onverwachte fout"."""
    import pyogrio.errors

    def full(*a: object, **k: object) -> None:
        raise pyogrio.errors.DataSourceError("sqlite3_exec(PRAGMA) failed: database or disk is full")

    monkeypatch.setattr("woonzorg_geo.sources.inputs.load_inputs", full)
    _earlier(tmp_path)
    before = snapshot(tmp_path)
    code = main(
        [
            "--stil",
            "analyse",
            "--out",
            str(tmp_path / "uitvoer"),
            "--kaarten",
            str(tmp_path / "kaarten"),
        ]
    )
    err = capsys.readouterr().err
    assert_refused(code, err, needles=["schijf vol", "analyse", "Oplossing"], before=before, after=snapshot(tmp_path))
    assert "Onverwachte fout" not in err


def test_os_errors_without_a_command_of_their_own(tmp_path, capsys, monkeypatch):
    """An OSError that reaches the command line is told by its kind, with the fix."""
    for exc, needle in [
        (OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.tif")), "schijf vol"),
        (IsADirectoryError(errno.EISDIR, "Is a directory", str(tmp_path)), "dit is een map"),
        (PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "y.csv")), "geen toegang"),
    ]:

        def boom(*a: object, _exc: OSError = exc, **k: object) -> None:
            raise _exc

        monkeypatch.setattr("woonzorg_geo.sources.inputs.load_inputs", boom)
        code = main(["--stil", "analyse", "--out", str(tmp_path / "o"), "--kaarten", str(tmp_path / "k")])
        err = capsys.readouterr().err
        assert_refused(code, err, needles=[needle, str(exc.filename), "Oplossing"], one_line=True)


# --- on the real analysis ------------------------------------------------------------------------


@pytest.fixture()
def own_output(assen_output, tmp_path):
    """A copy of the real Assen output, to point commands at (the session's stays as it is)."""
    out = tmp_path / "uitvoer"
    return linked_copy(assen_output, out)


@pytest.mark.realdata
def test_kavels_far_from_the_gemeente(raw_dir, settings, tmp_path, capsys, monkeypatch):
    """Parcels in another place (lat/lon of Spain): was "geen kandidaatlocaties gevonden" after a
    whole search; now named with the file, where they lie and the fix, before the search. The
    analysis is stood in for by the real gemeentegrens of Assen, all the check reads of it."""
    from types import SimpleNamespace

    from woonzorg_geo.sources.datasets import resolve_paths

    gemeente = gpd.read_file(resolve_paths(settings, raw_dir=raw_dir)["gemeentegrens"])
    analysis = SimpleNamespace(inputs=SimpleNamespace(gemeente=gemeente))
    monkeypatch.setattr("woonzorg_geo.run.reuse.stored_or_fresh", lambda *a, **k: analysis)

    def no_search(*a: object, **k: object) -> None:
        raise AssertionError("the search ran on parcels outside the gemeente")

    monkeypatch.setattr("woonzorg_geo.sites.find_sites", no_search)
    far = _gpkg(
        tmp_path, "ver.gpkg", gpd.GeoDataFrame({"n": [1]}, geometry=[box(4.0, 40.0, 4.01, 40.01)], crs="EPSG:4326")
    )
    _earlier(tmp_path)
    before = snapshot(tmp_path)
    code = main(["--stil", "--data", str(raw_dir), *_kavels(tmp_path, far), "--offline"])
    err = capsys.readouterr().err
    assert_refused(
        code,
        err,
        needles=[
            "ver.gpkg",
            "--kavels",
            "ligt in de gemeente Assen",
            "breedte 40,000",
            "Oplossing",
        ],  # lon/lat in Dutch notation (decimal comma)
        before=before,
        after=snapshot(tmp_path),
        one_line=True,
    )


@pytest.mark.realdata
@pytest.mark.parametrize("command", ["toets", "watals"])
def test_disk_full_on_the_real_analysis(command, own_output, raw_dir, tmp_path, capsys, monkeypatch):
    """toets (two atomic files) and watals (a staged folder) on a full disk: named, nothing changed."""
    target = tmp_path / "resultaat"
    if command == "toets":  # the previous toets of the same place stays as it was, both files
        target.mkdir()
        (target / "toets_punt-6-56270-52-99300.html").write_text("vorige toets", encoding="utf-8")
        (target / "toets_punt-6-56270-52-99300.json").write_text("{}", encoding="utf-8")
    before = snapshot(tmp_path)  # the analysis copy (--uit) included
    _fail_staged_writes(monkeypatch, errno.ENOSPC)
    base = ["--stil", "--data", str(raw_dir)]
    if command == "toets":
        args = [*base, "toets", "--uit", str(own_output), "--out", str(target), "--type", "ggz", "--omvang", "8"]
        args += ["--punt", "6.5627,52.9930"]
        needles = [f"{target}/toets_punt-6-56270-52-99300.", "is niet veranderd"]
    else:
        args = [*base, "watals", "--uit", str(own_output), "--out", str(target), "--nieuw", "supermarkt@6.55,52.99"]
        args += ["--offline"]
        needles = [f"{target}/watals", f"er is niets veranderd in {target}"]
    code = main(args)
    err = capsys.readouterr().err
    assert_refused(
        code, err, needles=["schijf vol", *needles, "Oplossing"], before=before, after=snapshot(tmp_path), one_line=True
    )
    leftovers = [p.name for p in target.iterdir() if p.name.startswith(".")] if target.exists() else []
    assert leftovers == []  # no staging folder, temporary file or lock


@pytest.mark.realdata
def test_analyse_on_a_full_disk_leaves_the_earlier_output(own_output, raw_dir, tmp_path, capsys, monkeypatch):
    """The real ``analyse`` writing into the previous run's folder when the disk fills up.

    Reproduced on a 170 MB tmpfs: GDAL then said only "DataSourceError: Failed to commit
    transaction" (exit 1, "Onverwachte fout"). Here the GeoPackage's third layer fails the same way
    with the free space measured as 192 kB, as it was there.
    """
    import pyogrio.errors

    from woonzorg_geo.core import files

    real = gpd.GeoDataFrame.to_file
    layers: list[str] = []

    def to_file(self: gpd.GeoDataFrame, path: object, *a: object, **k: object) -> None:
        if str(path).endswith("woonzorg.gpkg"):
            layers.append(str(k.get("layer")))
            if len(layers) == 3:
                raise pyogrio.errors.DataSourceError("Failed to commit transaction")
        real(self, path, *a, **k)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", to_file)
    monkeypatch.setattr(files, "free_bytes", lambda folder: 192 * 1024)
    before = snapshot(tmp_path)
    code = main(["--stil", "--data", str(raw_dir), "analyse", "--out", str(own_output), "--geen-kaarten"])
    err = capsys.readouterr().err
    assert_refused(
        code,
        err,
        needles=[
            "schijf vol (nog 192 kB vrij; DataSourceError: Failed to commit transaction)",
            f"{own_output}/woonzorg.gpkg",
            f"er is niets veranderd in {own_output}",
            "Oplossing: maak ruimte vrij",
        ],
        before=before,
        after=snapshot(tmp_path),
        one_line=True,
    )
    assert len(layers) == 3
    assert not [p for p in own_output.iterdir() if p.name.startswith(".")]  # no staging or lock left
    assert json.loads((own_output / "samenvatting.json").read_text("utf-8"))["profielen"]


def test_kavels_in_the_gemeente_pass_the_checks(tmp_path):
    """The checks let good parcels through (in WGS84, reprojected) and refuse the far ones: they can fail."""
    from woonzorg_geo.core.errors import DataFileError
    from woonzorg_geo.core.validate import check_polygons_in_area, read_polygons

    gemeente = gpd.GeoDataFrame({"code": ["GM0106"]}, geometry=[ASSEN], crs=RD)
    near = gpd.GeoDataFrame({"n": [1]}, geometry=[box(6.55, 52.99, 6.552, 52.992)], crs="EPSG:4326")
    path = _gpkg(tmp_path, "goed.gpkg", near)
    parcels = read_polygons(path, what="kavels/percelen", option="--kavels")
    assert parcels.crs == RD and len(parcels) == 1
    check_polygons_in_area(parcels, gemeente, path=path, what="kavels", option="--kavels", naam="Assen")
    moved = parcels.set_geometry(parcels.geometry.translate(50_000, 0))
    with pytest.raises(DataFileError, match="ligt in de gemeente Assen"):
        check_polygons_in_area(moved, gemeente, path=path, what="kavels", option="--kavels", naam="Assen")
    assert pd.api.types.is_integer_dtype(parcels["n"])


def test_only_write_failures_are_renamed(tmp_path):
    """An input that cannot be read, or the package's own error, inside a staged write keeps its message."""
    from woonzorg_geo.core.errors import DataFileError, OutputWriteError
    from woonzorg_geo.core.io import staged_dir

    unreadable = PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "elders" / "invoer.csv"))
    with pytest.raises(PermissionError) as exc, staged_dir(tmp_path / "a"):
        raise unreadable
    assert exc.value is unreadable and not isinstance(exc.value, OutputWriteError)
    own = DataFileError(tmp_path / "x.csv", "permission denied in de tekst", fix="iets")
    with pytest.raises(DataFileError) as exc2, staged_dir(tmp_path / "b"):
        raise own
    assert exc2.value is own
    with pytest.raises(OutputWriteError) as exc3, staged_dir(tmp_path / "c") as tmp:
        (tmp / "deel.csv").write_text("a")
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp / "deel.csv"))
    assert exc3.value.path == str(tmp_path / "c" / "deel.csv") and "geen schrijfrechten" in str(exc3.value)
