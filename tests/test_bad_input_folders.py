"""Output folders with one owner: no command writes into another command's or gemeente's folder.

Every output folder belongs to the command and the gemeente that wrote it (``eigenaar`` in its
``manifest.json``). Pointed at someone else's folder, at a part of one (``opslag/``), or at its own
input folder, a command refuses before any work with exit 2, naming the owner and suggesting a
subfolder, and every earlier folder stays byte for byte as it was. Before the fix,
``kaarten --uit X --kaarten X`` deleted the whole analysis with exit 0.

The refusals run on a copy of the session's Assen analysis and on small folders with a crafted
manifest (a folder's owner need not have run for real); data loading is replaced by a function
that fails, so a refusal after any work would show. The positive cases run ``watals`` for real
(about a second) and :func:`woonzorg_geo.core.io.staged_dir` directly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from badinput import assert_refused, linked_copy, snapshot

from woonzorg_geo.cli.main import main
from woonzorg_geo.core.errors import OutputPathError
from woonzorg_geo.core.io import Owner, check_owner, staged_dir

pytestmark = pytest.mark.realdata

ASSEN = {"opdracht": "analyse", "gemeente": "GM0106", "naam": "Assen"}


def _fake(folder: Path, doc: dict | None, files: dict[str, str], *, writer: str | None = None) -> Path:
    """A small output folder: ``files`` (name -> text) and a manifest ``doc`` listing them (none: no manifest)."""
    folder.mkdir(parents=True, exist_ok=True)
    listed = {}
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        entry = {"bytes": path.stat().st_size, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}
        listed[name] = {**entry, **({"opdracht": writer} if writer else {})}
    if doc is not None:
        (folder / "manifest.json").write_text(json.dumps({**doc, "bestanden": listed}), encoding="utf-8")
    return folder


def _owned(folder: Path, opdracht: str, code: str | None, naam: str | None, files: dict[str, str]) -> Path:
    """A folder of ``opdracht`` for a gemeente, as this version writes it."""
    owner = {"opdracht": opdracht, "gemeente": code, "naam": naam}
    return _fake(folder, {"eigenaar": owner}, files, writer=opdracht)


def _maps(t: Path, name: str = "maps", code: str = "GM0106", naam: str = "Assen") -> Path:
    return _owned(t / name, "kaarten", code, naam, {f"{naam.lower()}_bereikbaarheid.html": "<html>kaart</html>"})


def _figuren(t: Path, name: str = "fig", code: str = "GM0106", naam: str = "Assen") -> Path:
    return _owned(t / name, "figuren", code, naam, {"balans.png": "png"})


def _watals(t: Path, name: str = "wat", code: str = "GM0106", naam: str = "Assen") -> Path:
    return _owned(t / name, "watals", code, naam, {"watals.json": "{}", "watals_wijken.csv": "code\n"})


def _regio(t: Path, name: str = "regio") -> Path:
    owner = {"opdracht": "regio", "gemeente": None, "naam": "Drenthe"}
    return _fake(
        t / name,
        {"eigenaar": owner, "regio": "Drenthe", "gemeenten": ["GM0106"]},
        {"regio.csv": "code\n", "maps/drenthe_bereikbaarheid.html": "<html/>"},
        writer="regio",
    )


def _analysis_of(t: Path, name: str, code: str, naam: str) -> Path:
    """A small stand-in for an analysis folder of another gemeente."""
    return _owned(t / name, "analyse", code, naam, {"samenvatting.json": "{}", "opslag/opslag.json": "{}"})


def _lijst(t: Path) -> Path:
    path = t / "lijst.csv"
    path.write_text("adres,type,omvang,naam\nStationsstraat 44 Assen,ggz,8,Een\n", encoding="utf-8")
    return path


# Each case: (setup(tmp, A) -> arguments, texts the message must name). A is a copy of the session's
# Assen analysis (owner analyse, GM0106) in tmp/A.
Case = tuple[Callable[[Path, Path], list[str]], list[str]]

CASES: dict[str, Case] = {
    # the reproductions of issue 18: the command's own input folder
    "kaarten_into_its_input": (
        lambda t, a: ["kaarten", "--uit", str(a), "--kaarten", str(a)],
        ["--kaarten", "--uit", "Oplossing", "A/kaarten"],
    ),
    "analyse_kaarten_equal_to_out": (
        lambda t, a: ["analyse", "--out", str(a), "--kaarten", str(a)],
        ["--kaarten", "dezelfde map als --out", "A/kaarten"],
    ),
    "watals_out_equal_to_uit": (
        lambda t, a: ["watals", "--uit", str(a), "--out", str(a), "--weg", "Albert Heijn"],
        ["--out", "--uit", "A/watals"],
    ),
    "figuren_into_its_input": (
        lambda t, a: ["figuren", "--uit", str(a), "--figuren", str(a)],
        ["--figuren", "--uit", "A/figuren"],
    ),
    "locaties_kaarten_equal_to_uit": (
        lambda t, a: ["locaties", "--uit", str(a), "--out", str(a), "--kaarten", str(a)],
        ["--kaarten", "dezelfde map als --uit", "Oplossing"],
    ),
    # another command's folder
    "regio_into_an_analysis": (
        lambda t, a: ["regio", "--gemeenten", "Tynaarlo", "--out", str(a)],
        ["--out", "'analyse' voor Assen (GM0106)", "'regio'", "A/regio"],
    ),
    "analyse_into_a_maps_folder": (
        lambda t, a: ["analyse", "--out", str(_maps(t)), "--geen-kaarten"],
        ["--out", "'kaarten' voor Assen (GM0106)", "maps/analyse"],
    ),
    "analyse_into_a_regio_folder": (
        lambda t, a: ["analyse", "--out", str(_regio(t)), "--geen-kaarten"],
        ["--out", "'regio' voor Drenthe", "regio/analyse"],
    ),
    "analyse_into_a_watals_folder": (
        lambda t, a: ["analyse", "--out", str(_watals(t)), "--geen-kaarten"],
        ["--out", "'watals' voor Assen (GM0106)", "wat/analyse"],
    ),
    "analyse_kaarten_into_an_analysis": (
        lambda t, a: ["analyse", "--out", str(t / "nieuw"), "--kaarten", str(a)],
        ["--kaarten", "'analyse' voor Assen (GM0106)", "A/kaarten"],
    ),
    "figuren_into_a_maps_folder": (
        lambda t, a: ["figuren", "--uit", str(a), "--figuren", str(_maps(t))],
        ["--figuren", "'kaarten' voor Assen (GM0106)", "maps/figuren"],
    ),
    "kaarten_into_a_figuren_folder": (
        lambda t, a: ["kaarten", "--uit", str(a), "--kaarten", str(_figuren(t))],
        ["--kaarten", "'figuren' voor Assen (GM0106)", "fig/kaarten"],
    ),
    "kaarten_into_a_watals_folder": (
        lambda t, a: ["kaarten", "--uit", str(a), "--kaarten", str(_watals(t))],
        ["--kaarten", "'watals'", "wat/kaarten"],
    ),
    "watals_into_a_maps_folder": (
        lambda t, a: ["watals", "--uit", str(a), "--out", str(_maps(t)), "--weg", "Albert Heijn"],
        ["--out", "'kaarten' voor Assen (GM0106)", "maps/watals"],
    ),
    "watals_default_folder_holds_figures": (
        lambda t, a: ["watals", "--uit", str(a), "--weg", "Albert Heijn"] if _figuren(a, "watals") else [],
        ["--out", "'figuren'", "A/watals/watals"],
    ),
    "figuren_default_folder_holds_maps": (
        lambda t, a: ["figuren", "--uit", str(a)] if _maps(a, "figuren") else [],
        ["--figuren", "'kaarten'", "A/figuren/figuren"],
    ),
    "toets_lijst_into_an_analysis": (
        lambda t, a: (
            ["toets", "--lijst", str(_lijst(t)), "--uit", str(a), "--out", str(t / "P")]
            if _analysis_of(t / "P", "toetsen", "GM0106", "Assen")
            else []
        ),
        ["--out", "P/toetsen", "'analyse' voor Assen (GM0106)", "P/lijsten"],
    ),
    "toets_lijst_into_a_watals_folder": (
        lambda t, a: (
            ["toets", "--lijst", str(_lijst(t)), "--uit", str(a), "--out", str(a)] if _watals(a, "toetsen") else []
        ),
        ["--out", "'watals'", "A/lijsten"],
    ),
    "toets_into_a_maps_folder": (
        lambda t, a: (
            ["toets", "--punt", "6.5627,52.9930", "--type", "ggz", "--omvang", "8", "--uit", str(a)]
            + ["--out", str(_maps(t))]
        ),
        ["--out", "'kaarten' voor Assen (GM0106)", "'toets'", "maps/toets"],
    ),
    "locaties_into_a_watals_folder": (
        lambda t, a: ["locaties", "--uit", str(a), "--out", str(_watals(t)), "--kaarten", str(t / "k")],
        ["--out", "'watals'", "'locaties'", "wat/locaties"],
    ),
    "locaties_map_into_an_analysis": (
        lambda t, a: [
            "locaties",
            "--uit",
            str(a),
            "--out",
            str(a),
            "--kaarten",
            str(_analysis_of(t, "B", "GM0106", "Assen")),
        ],
        ["--kaarten", "'analyse' voor Assen (GM0106)", "'locatiekaart'"],
    ),
    # a part of another output
    "kaarten_into_the_store": (
        lambda t, a: ["kaarten", "--uit", str(a), "--kaarten", str(a / "opslag")],
        ["--kaarten", "A/opslag", "hoort bij de uitvoer van 'analyse' voor Assen (GM0106)", "A/kaarten"],
    ),
    "watals_into_the_wijkprofielen": (
        lambda t, a: ["watals", "--uit", str(a), "--out", str(a / "wijkprofielen" / "nieuw"), "--weg", "Albert Heijn"],
        ["--out", "hoort bij de uitvoer van 'analyse' voor Assen (GM0106)", "A/watals"],
    ),
    "analyse_kaarten_into_its_store": (
        lambda t, a: ["analyse", "--out", str(t / "nieuw"), "--kaarten", str(t / "nieuw" / "opslag")],
        ["--kaarten", "nieuw/opslag", "een deel van de analyse", "nieuw/kaarten"],
    ),
    "kaarten_into_a_regio_maps": (
        lambda t, a: ["kaarten", "--uit", str(a), "--kaarten", str(_regio(t) / "maps")],
        ["--kaarten", "hoort bij de uitvoer van 'regio' voor Drenthe", "regio/kaarten"],
    ),
    "voorzieningen_over_the_analysis_gpkg": (
        lambda t, a: ["voorzieningen", "--out", str(a / "woonzorg.gpkg")],
        ["--out", "woonzorg.gpkg", "'analyse' voor Assen (GM0106)", "woonzorg_eigen.gpkg"],
    ),
    # another gemeente's folder
    "analyse_meppel_into_assen": (
        lambda t, a: ["analyse", "--gemeente", "Meppel", "--out", str(a), "--geen-kaarten"],
        ["--out", "'analyse' voor Assen (GM0106)", "niet van Meppel (GM0119)", "A_meppel"],
    ),
    "analyse_meppel_maps_into_assen_maps": (
        lambda t, a: ["analyse", "--gemeente", "Meppel", "--out", str(t / "meppel"), "--kaarten", str(_maps(t))],
        ["--kaarten", "'kaarten' voor Assen (GM0106)", "niet van Meppel (GM0119)", "maps_meppel"],
    ),
    "kaarten_assen_into_emmen_maps": (
        lambda t, a: ["kaarten", "--uit", str(a), "--kaarten", str(_maps(t, "emmen", "GM0114", "Emmen"))],
        ["--kaarten", "'kaarten' voor Emmen (GM0114)", "niet van Assen (GM0106)", "emmen_assen"],
    ),
    "figuren_assen_into_meppel_figures": (
        lambda t, a: ["figuren", "--uit", str(a), "--figuren", str(_figuren(t, "fm", "GM0119", "Meppel"))],
        ["--figuren", "'figuren' voor Meppel (GM0119)", "niet van Assen (GM0106)", "fm_assen"],
    ),
    "watals_assen_into_emmen_watals": (
        lambda t, a: ["watals", "--uit", str(a), "--out", str(_watals(t, "we", "GM0114", "Emmen")), "--weg", "x"],
        ["--out", "'watals' voor Emmen (GM0114)", "niet van Assen (GM0106)", "we_assen"],
    ),
    "toets_assen_into_meppel_analysis": (
        lambda t, a: (
            ["toets", "--punt", "6.5627,52.9930", "--type", "ggz", "--omvang", "8", "--uit", str(a)]
            + ["--out", str(_analysis_of(t, "M", "GM0119", "Meppel"))]
        ),
        ["--out", "'analyse' voor Meppel (GM0119)", "niet van Assen (GM0106)", "M_assen"],
    ),
    "locaties_assen_into_emmen_analysis": (
        lambda t, a: (
            ["locaties", "--uit", str(a), "--out", str(_analysis_of(t, "E", "GM0114", "Emmen"))]
            + ["--kaarten", str(t / "k")]
        ),
        ["--out", "'analyse' voor Emmen (GM0114)", "niet van Assen (GM0106)", "E_assen"],
    ),
    "regio_gemeente_folder_of_another_gemeente": (
        lambda t, a: (
            ["regio", "--gemeenten", "Assen", "--out", str(t / "R")]
            if _analysis_of(t / "R", "assen", "GM0119", "Meppel")
            else []
        ),
        ["--out", "R/assen", "'analyse' voor Meppel (GM0119)", "niet van Assen (GM0106)"],
    ),
    # folders whose owner cannot be told, or whose manifest is not the package's
    "kaarten_into_an_older_analysis": (
        lambda t, a: (
            ["kaarten", "--uit", str(a), "--kaarten"]
            + [
                str(
                    _fake(
                        t / "oud",
                        {
                            "programma": "woonzorg_geo 0.1.0",
                            "gemeente": {"code": "GM0106", "naam": "Assen"},
                            "profielen": ["standaard"],
                        },
                        {"buurten.csv": "code\n"},
                    )
                )
            ]
        ),
        ["--kaarten", "'analyse' voor Assen (GM0106)", "oud/kaarten"],
    ),
    "figuren_into_older_maps": (
        lambda t, a: (
            ["figuren", "--uit", str(a), "--figuren"]
            + [
                str(
                    _fake(t / "oudk", {"bron": "output", "gemeente": "Assen"}, {"assen_bereikbaarheid.html": "<html/>"})
                )
            ]
        ),
        ["--figuren", "'kaarten' voor Assen", "oudk/figuren"],
    ),
    "kaarten_into_an_unknown_older_output": (
        lambda t, a: ["kaarten", "--uit", str(a), "--kaarten", str(_fake(t / "onb", {}, {"iets.csv": "x\n"}))],
        ["--kaarten", "niet is vast te stellen", "onb/kaarten"],
    ),
    "kaarten_over_a_users_manifest": (
        lambda t, a: [
            "kaarten",
            "--uit",
            str(a),
            "--kaarten",
            str(_fake(t / "eigen", None, {"manifest.json": '{"mijn": 1}'})),
        ],
        ["--kaarten", "manifest.json", "niet van woonzorg-geo", "eigen/kaarten"],
    ),
    "watals_over_a_damaged_manifest": (
        lambda t, a: (
            ["watals", "--uit", str(a), "--out", str(_fake(t / "kapot", None, {"manifest.json": '{"bestanden": {'}))]
            + ["--weg", "x"]
        ),
        ["--out", "manifest.json", "onleesbaar", "kapot/watals"],
    ),
}


@pytest.fixture()
def analysis(assen_output, tmp_path) -> Path:
    """A copy of the session's Assen analysis in ``tmp/A`` (its manifest names its owner)."""
    a = tmp_path / "A"
    return linked_copy(assen_output, a)


@pytest.fixture()
def no_work(monkeypatch):
    """Every way to data or to writing fails the test: a refusal must come before any of them."""

    def fail(*a, **k):
        raise AssertionError("work began before the output folder was checked")

    for name in [
        "woonzorg_geo.sources.inputs.load_inputs",
        "woonzorg_geo.sources.datasets.load_offline",
        "woonzorg_geo.run.store.load_analysis",
        "woonzorg_geo.outputs.maps.build.load_map_data",
        "woonzorg_geo.outputs.maps.write_maps",
        "woonzorg_geo.outputs.figures.write_figures",
        "woonzorg_geo.run.regio.run_regio",
        "woonzorg_geo.sources.voorzieningen.count_inside",
    ]:
        monkeypatch.setattr(name, fail)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_folder_of_another_owner_is_refused_before_any_work(case, analysis, tmp_path, no_work, capsys):
    make, needles = CASES[case]
    args = make(tmp_path, analysis)
    before = snapshot(tmp_path)
    code = main(["--stil", *args])
    err = capsys.readouterr().err
    after = snapshot(tmp_path)
    assert_refused(code, err, needles=[*needles, "Oplossing"], before=before, after=after, one_line=True)
    # nothing new either: no folder created, no lock or staging left
    assert not any(p.name.startswith((".staging-", ".woonzorg.lock")) for p in tmp_path.rglob("*"))


def test_kaarten_into_its_input_no_longer_deletes_the_analysis(analysis, tmp_path, capsys):
    """The reproduction of issue 18 without any stand-in: 30 entries stayed 30, exit 2."""
    names = sorted(p.name for p in analysis.iterdir())
    code = main(["--stil", "kaarten", "--uit", str(analysis), "--kaarten", str(analysis), "--offline"])
    assert code == 2, capsys.readouterr().err
    assert sorted(p.name for p in analysis.iterdir()) == names


def test_the_analysis_manifest_names_its_owner(assen_output):
    doc = json.loads((assen_output / "manifest.json").read_text(encoding="utf-8"))
    assert doc["eigenaar"] == ASSEN
    assert {e["opdracht"] for e in doc["bestanden"].values()} == {"analyse"}
    maps = json.loads((assen_output.parent / "maps" / "manifest.json").read_text(encoding="utf-8"))
    assert maps["eigenaar"] == {**ASSEN, "opdracht": "kaarten"}


def test_watals_again_replaces_its_own_files_and_keeps_the_users(analysis, capsys):
    """watals into its own folder: the previous set is replaced, its own stale map removed, the
    user's note and the analysis untouched."""
    out = analysis / "watals"
    args = ["--stil", "watals", "--uit", str(analysis), "--weg", "Albert Heijn", "--offline"]
    assert main(args) == 0, capsys.readouterr().err
    assert (out / "watals_kaart.html").is_file()
    (out / "notitie.txt").write_text("van de planner", encoding="utf-8")
    analysis_before = snapshot(*(p for p in analysis.iterdir() if p.name != "watals"))
    assert main([*args, "--geen-kaart"]) == 0, capsys.readouterr().err
    assert not (out / "watals_kaart.html").exists()  # its own, not written again: removed
    assert (out / "notitie.txt").read_text(encoding="utf-8") == "van de planner"
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["eigenaar"] == {**ASSEN, "opdracht": "watals"}
    assert "watals_kaart.html" not in doc["bestanden"] and "notitie.txt" not in doc["bestanden"]
    assert snapshot(*(p for p in analysis.iterdir() if p.name != "watals")) == analysis_before


def test_a_users_file_with_the_name_of_an_output_is_never_overwritten(analysis, tmp_path, capsys):
    """A folder without a manifest is the user's: the run may add files, but one that exists is refused by name."""
    own = tmp_path / "eigen"
    own.mkdir()
    (own / "watals.json").write_text("mijn eigen bestand", encoding="utf-8")
    (own / "notitie.txt").write_text("x", encoding="utf-8")
    before = snapshot(tmp_path)
    code = main(["--stil", "watals", "--uit", str(analysis), "--out", str(own), "--weg", "Albert Heijn"])
    err = capsys.readouterr().err
    assert_refused(
        code,
        err,
        needles=["watals.json", "niet door woonzorg-geo geschreven", "Oplossing"],
        before=before,
        after=snapshot(tmp_path),
        one_line=True,
    )


# --- staged_dir itself: what it removes, what it keeps -------------------------------------------

ANALYSE = Owner("analyse", "GM0106", "Assen")


def _write(target: Path, owner: Owner | None, files: dict[str, str], *, replace_set: bool = True) -> None:
    with staged_dir(target, owner=owner, replace_set=replace_set) as tmp:
        for name, text in files.items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_text(text, encoding="utf-8")


def test_replace_set_removes_only_its_own_unchanged_files(tmp_path):
    out = tmp_path / "out"
    _write(out, ANALYSE, {"a.csv": "1", "b.csv": "2", "c.csv": "3", "sub/d.csv": "4"})
    _write(out, Owner("locaties", "GM0106", "Assen"), {"k.csv": "locaties"}, replace_set=False)
    (out / "c.csv").write_text("veranderd door de gebruiker", encoding="utf-8")
    (out / "eigen.txt").write_text("van de gebruiker", encoding="utf-8")
    (out / "leeg").mkdir()
    _write(out, ANALYSE, {"a.csv": "nieuw"})
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    # b and sub/d were analyse's and unchanged: removed (sub with them); c was changed: kept;
    # k.csv (locaties), eigen.txt and the empty folder (the user's): kept
    assert names == ["a.csv", "c.csv", "eigen.txt", "k.csv", "leeg", "manifest.json"]
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["eigenaar"] == ASSEN
    assert doc["bestanden"]["k.csv"]["opdracht"] == "locaties"
    assert "opdracht" not in doc["bestanden"]["c.csv"]  # no longer counted as analyse's
    _write(out, ANALYSE, {"a.csv": "weer"})
    assert (out / "c.csv").exists()


def test_an_older_manifest_is_kept_but_nothing_in_it_is_removed(tmp_path):
    out = _fake(
        tmp_path / "oud",
        {"programma": "woonzorg_geo 0.1.0", "gemeente": {"code": "GM0106", "naam": "Assen"}, "profielen": []},
        {"a.csv": "1", "b.csv": "2"},
    )
    _write(out, ANALYSE, {"a.csv": "nieuw"})  # allowed: the older manifest shows an analysis of Assen
    assert (out / "a.csv").read_text(encoding="utf-8") == "nieuw" and (out / "b.csv").exists()
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["eigenaar"] == ASSEN and set(doc["bestanden"]) == {"a.csv", "b.csv"}


def test_staged_dir_refuses_another_owner_without_the_command(tmp_path):
    """The library's writers check too (write_maps, write_figures ... called from Python)."""
    out = tmp_path / "out"
    _write(out, ANALYSE, {"a.csv": "1"})
    before = snapshot(tmp_path)
    with pytest.raises(OutputPathError, match="'analyse' voor Assen"):
        _write(out, Owner("kaarten", "GM0106", "Assen"), {"k.html": "x"})
    with pytest.raises(OutputPathError, match="niet van Meppel"):
        _write(out, Owner("analyse", "GM0119", "Meppel"), {"a.csv": "2"})
    assert snapshot(tmp_path) == before


def test_a_staged_file_over_a_users_file_refuses_and_moves_nothing(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "b.csv").write_text("van de gebruiker", encoding="utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(OutputPathError, match=r"b\.csv: dit bestand staat al"):
        _write(out, ANALYSE, {"a.csv": "1", "b.csv": "2"})
    assert snapshot(tmp_path) == before
    assert sorted(p.name for p in out.iterdir()) == ["b.csv"]


def test_check_owner_allows_new_own_and_guest_folders(tmp_path):
    out = tmp_path / "out"
    assert check_owner(out, ANALYSE, option="--out") == out  # new
    _write(out, ANALYSE, {"a.csv": "1"})
    check_owner(out, ANALYSE, option="--out")  # its own
    check_owner(out, Owner("locaties", "GM0106", "Assen"), option="--out")  # a guest of the same gemeente
    check_owner(out, Owner("toets", "GM0106", "Assen"), option="--out")
    check_owner(out / "kaarten", Owner("kaarten", "GM0106", "Assen"), option="--kaarten")  # a new subfolder
    with pytest.raises(OutputPathError, match="niet van Meppel"):
        check_owner(out, Owner("locaties", "GM0119", "Meppel"), option="--out")
