"""Every command that reads an analysis works for that analysis's gemeente (issue 20, item 1).

``locaties``, ``toets``, ``watals``, ``kaarten`` and ``figuren`` take the gemeente from the
manifest of the analysis in ``--uit``; ``--gemeente`` on them must be the same, or they refuse
before any work; and none writes one gemeente's results into another's folder. Before, ``locaties``
pointed at a Meppel output recomputed Assen and wrote "kandidaatlocaties voor Assen" into it.

The analyses of Meppel and Emmen here are small stand-ins (a manifest naming the gemeente): the
commands are stopped where their work would begin, and what they would have done it with is
recorded. One test runs Meppel for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from badinput import assert_refused, linked_copy, snapshot

from woonzorg_geo.cli.main import main
from woonzorg_geo.core.errors import WoonzorgError

pytestmark = pytest.mark.realdata

PUNT = ["--punt", "6.5627,52.9930", "--type", "ggz", "--omvang", "8"]


def _analysis(folder: Path, code: str, naam: str) -> Path:
    """A stand-in for the analysis of a gemeente: its manifest (nothing in it is read before the refusal)."""
    folder.mkdir(parents=True)
    doc = {"eigenaar": {"opdracht": "analyse", "gemeente": code, "naam": naam}, "bestanden": {}}
    (folder / "manifest.json").write_text(json.dumps(doc), encoding="utf-8")
    return folder


@pytest.fixture()
def world(assen_output, tmp_path) -> dict[str, Path]:
    """A copy of the Assen analysis (``A``) and its maps (``maps``), and stand-ins for Meppel and Emmen."""
    linked_copy(assen_output, tmp_path / "A")
    linked_copy(assen_output.parent / "maps", tmp_path / "maps")
    return {
        "A": tmp_path / "A",
        "maps": tmp_path / "maps",
        "M": _analysis(tmp_path / "M", "GM0119", "Meppel"),
        "E": _analysis(tmp_path / "E", "GM0114", "Emmen"),
    }


class Stop(WoonzorgError):
    """Raised where the work would begin: the command got this far."""


@pytest.fixture()
def recorded(monkeypatch) -> list[tuple[str, str, str]]:
    """Every way into the work records (what, gemeente code, gemeente name) and stops the command."""
    seen: list[tuple[str, str, str]] = []

    def stored_or_fresh(args, settings, **kw):
        seen.append(("analyse", settings.gemeente.code, settings.gemeente.naam))
        raise Stop("gestopt")

    def write_maps(out_dir, maps_dir, *, gemeente, owner=None, **kw):
        seen.append(("kaarten", owner.gemeente if owner else "", gemeente))
        raise Stop("gestopt")

    def write_figures(out_dir, fig_dir=None, *, settings, owner=None, **kw):
        seen.append(("figuren", owner.gemeente if owner else "", settings.gemeente.naam))
        raise Stop("gestopt")

    def fail(*a, **k):
        raise AssertionError("data was loaded before the gemeente was checked")

    monkeypatch.setattr("woonzorg_geo.run.reuse.stored_or_fresh", stored_or_fresh)
    monkeypatch.setattr("woonzorg_geo.outputs.maps.write_maps", write_maps)
    monkeypatch.setattr("woonzorg_geo.outputs.figures.write_figures", write_figures)
    monkeypatch.setattr("woonzorg_geo.sources.inputs.load_inputs", fail)
    monkeypatch.setattr("woonzorg_geo.sources.datasets.load_offline", fail)
    return seen


# (arguments from the folders, texts the message must name)
REFUSED: dict[str, tuple] = {
    "locaties_meppel_on_assen": (
        lambda w: ["locaties", "--gemeente", "Meppel", "--uit", str(w["A"]), "--out", str(w["A"])],
        ["--gemeente Meppel", "Assen (GM0106)", "niet van Meppel (GM0119)", "laat --gemeente weg"],
    ),
    "toets_emmen_on_assen": (
        lambda w: ["toets", "--gemeente", "Emmen", "--uit", str(w["A"]), *PUNT],
        ["--gemeente Emmen", "Assen (GM0106)", "niet van Emmen (GM0114)", "analyse --gemeente GM0114"],
    ),
    "watals_emmen_code_on_assen": (
        lambda w: ["watals", "--gemeente", "GM0114", "--uit", str(w["A"]), "--weg", "x"],
        ["--gemeente GM0114", "Assen (GM0106)", "niet van Emmen (GM0114)"],
    ),
    "kaarten_meppel_on_assen": (
        lambda w: ["kaarten", "--gemeente", "Meppel", "--uit", str(w["A"]), "--kaarten", str(w["A"].parent / "k")],
        ["--gemeente Meppel", "Assen (GM0106)", "niet van Meppel (GM0119)"],
    ),
    "figuren_emmen_on_assen": (
        lambda w: ["figuren", "--gemeente", "Emmen", "--uit", str(w["A"])],
        ["--gemeente Emmen", "Assen (GM0106)", "niet van Emmen (GM0114)"],
    ),
    "kaarten_assen_on_meppel": (
        lambda w: ["kaarten", "--gemeente", "Assen", "--uit", str(w["M"]), "--kaarten", str(w["M"].parent / "k")],
        ["--gemeente Assen", "Meppel (GM0119)", "niet van Assen (GM0106)"],
    ),
    "kaarten_of_meppel_into_assens_maps": (
        lambda w: ["kaarten", "--uit", str(w["M"]), "--kaarten", str(w["maps"])],
        ["--kaarten", "'kaarten' voor Assen (GM0106)", "niet van Meppel (GM0119)", "maps_meppel"],
    ),
    "locaties_of_emmen_into_assens_analysis": (
        lambda w: ["locaties", "--uit", str(w["E"]), "--out", str(w["A"]), "--kaarten", str(w["A"].parent / "k")],
        ["--out", "'analyse' voor Assen (GM0106)", "niet van Emmen (GM0114)", "A_emmen"],
    ),
    "toets_of_meppel_into_assens_analysis": (
        lambda w: ["toets", "--uit", str(w["M"]), "--out", str(w["A"]), *PUNT],
        ["--out", "'analyse' voor Assen (GM0106)", "niet van Meppel (GM0119)", "A_meppel"],
    ),
    "watals_of_emmen_into_assens_watals": (
        lambda w: (
            ["watals", "--uit", str(w["E"]), "--out", str(w["A"] / "watals"), "--weg", "x"]
            if main(["--stil", "watals", "--uit", str(w["A"]), "--weg", "Albert Heijn", "--geen-kaart"]) == 0
            else []
        ),
        ["--out", "'watals' voor Assen (GM0106)", "niet van Emmen (GM0114)", "watals_emmen"],
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_another_gemeente_is_refused_before_any_work(case, world, tmp_path, capsys, monkeypatch):
    make, needles = REFUSED[case]
    args = make(world)  # may run a real watals first, before the stand-ins
    capsys.readouterr()

    def fail(*a, **k):
        raise AssertionError("work began before the gemeente was checked")

    for name in ["woonzorg_geo.run.reuse.stored_or_fresh", "woonzorg_geo.outputs.maps.write_maps"]:
        monkeypatch.setattr(name, fail)
    monkeypatch.setattr("woonzorg_geo.outputs.figures.write_figures", fail)
    before = snapshot(tmp_path)
    code = main(["--stil", *args])
    err = capsys.readouterr().err
    assert_refused(code, err, needles=[*needles, "Oplossing"], before=before, after=snapshot(tmp_path), one_line=True)


ACCEPTED = {
    "locaties_on_meppel": (lambda w: ["locaties", "--uit", str(w["M"]), "--out", str(w["M"])], "M", "analyse"),
    "locaties_meppel_by_name": (
        lambda w: ["locaties", "--gemeente", "meppel", "--uit", str(w["M"]), "--out", str(w["M"])],
        "M",
        "analyse",
    ),
    "toets_on_emmen": (lambda w: ["toets", "--uit", str(w["E"]), "--out", str(w["E"]), *PUNT], "E", "analyse"),
    "watals_on_emmen": (lambda w: ["watals", "--uit", str(w["E"]), "--weg", "x"], "E", "analyse"),
    "kaarten_on_meppel": (lambda w: ["kaarten", "--uit", str(w["M"]), "--kaarten", str(w["M"] / "k")], "M", "kaarten"),
    "figuren_on_emmen": (lambda w: ["figuren", "--gemeente", "GM0114", "--uit", str(w["E"])], "E", "figuren"),
}
GEMEENTE = {"M": ("GM0119", "Meppel"), "E": ("GM0114", "Emmen")}


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_the_command_works_for_the_gemeente_of_its_analysis(case, world, recorded, capsys, tmp_path, monkeypatch):
    make, which, what = ACCEPTED[case]
    # locaties draws into ./maps by default: not into the checkout's maps/ (a planner's Assen maps may be there)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    code = main(["--stil", *make(world)])
    err = capsys.readouterr().err
    assert code == 2 and "gestopt" in err, err  # stopped where the work begins, by the stand-in
    assert recorded == [(what, *GEMEENTE[which])]


def test_locaties_on_a_meppel_analysis_ranks_meppel(raw_dir, tmp_path, capsys):
    """The acceptance of issue 20: Meppel's analysis, then ``locaties`` on it without --gemeente."""
    out = tmp_path / "meppel"
    base = ["--stil", "--data", str(raw_dir)]
    args = ["analyse", "--gemeente", "Meppel", "--out", str(out), "--geen-kaarten", "--geen-rasters"]
    assert main([*base, *args]) == 0, capsys.readouterr().err
    capsys.readouterr()
    code = main(
        [*base, "locaties", "--uit", str(out), "--out", str(out), "--kaarten", str(tmp_path / "k"), "--offline"]
    )
    printed = capsys.readouterr()
    assert code == 0, printed.err
    assert "in Meppel" in printed.out and "Assen" not in printed.out
    note = (out / "kandidaatlocaties.txt").read_text(encoding="utf-8")
    assert note.startswith("Zoekgebieden voor geclusterd wonen in Meppel")
    doc = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert doc["eigenaar"]["gemeente"] == "GM0119"
    assert doc["bestanden"]["kandidaatlocaties.txt"]["opdracht"] == "locaties"
