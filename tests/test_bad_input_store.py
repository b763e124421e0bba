"""A damaged analysis store (``output/opslag``) is never answered from: it is named and computed again.

Each case copies the store of the session's ``analyse`` run (``assen_output/opslag``) into its
own folder, damages one file the way a disk, a copy or a careless hand does (truncated to half,
one flipped bit, deleted, emptied, replaced by another stored file of the same kind, an array or a
key left out, ``opslag.json`` not JSON, a list or incomplete) and asserts:

* :func:`~woonzorg_geo.run.store.load_analysis` raises :class:`~woonzorg_geo.run.store.StoreDamaged`
  ("opslag beschadigd: <file>: <what>"), naming the damaged file and what is wrong with it; never
  an error of numpy, zipfile or pyarrow, and never an analysis built from the damaged file;
* the store folder is byte for byte as it was (it is an input);
* for a handful of cases, the commands as a user starts them (``toets --punt``, ``watals --nieuw``,
  ``locaties``): exit 0, the warning "opslag beschadigd: <file>…; wordt opnieuw berekend" on
  standard error (also with ``--stil``), and the same answer as from the intact store;
* ``locaties`` leaves no partial output when writing fails.

Some cases rewrite ``opslag.json`` to match the damaged files ("re-signed": sizes, SHA-256 and the
index's own check recomputed), so that not the hashes but the schema check must find the damage.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from badinput import linked_copy, snapshot, unshare

from woonzorg_geo.cli.main import main

pytestmark = pytest.mark.realdata

POINT = "6.5627,52.9930"
#: The name of the damaged file, or the names of which either may be named (a swap damages two).
Names = str | tuple[str, ...]
CHANGE = "supermarkt@6.5480,52.9930"


# --------------------------------------------------------------------------------------------
# Damage
# --------------------------------------------------------------------------------------------


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(path: Path) -> None:
    """One bit in the middle of the file."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _flip_in_index(path: Path) -> None:
    """One bit of a hash in the middle of ``opslag.json``: still valid JSON, so only its own check can tell.

    (A bit flipped at a fixed offset may hit a quote or a brace, which the JSON parser already
    refuses; where that lands depends on the length of the paths the index holds.)
    """
    data = bytearray(path.read_bytes())
    at = data.index(b'"sha256": "', len(data) // 2) + len(b'"sha256": "') + 12
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def _swap(a: Path, b: Path) -> None:
    da, db = unshare(a).read_bytes(), unshare(b).read_bytes()
    a.write_bytes(db)
    b.write_bytes(da)


def _rewrite_npz(path: Path, change: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]) -> None:
    with np.load(path) as npz:
        arrays = {k: npz[k] for k in npz.files}
    np.savez(unshare(path), **change(arrays))


def _without_category(cat: str) -> Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    return lambda z: {k: v for k, v in z.items() if not k.startswith(f"c|{cat}|")}


def _index(store: Path) -> dict[str, Any]:
    return json.loads((store / "opslag.json").read_text(encoding="utf-8"))


def _write_index(store: Path, index: Any, *, sign: bool) -> None:
    """Write ``opslag.json``; ``sign``: with the index's own check recomputed (as analyse does)."""
    from woonzorg_geo.run.store_format import index_digest

    if sign:
        index["controle"] = index_digest(index)
    unshare(store / "opslag.json").write_text(json.dumps(index, indent=1, ensure_ascii=False), encoding="utf-8")


def _resign(store: Path) -> None:
    """``opslag.json`` made to match the files as they are now (sizes, SHA-256, its own check)."""
    index = _index(store)
    for name in index["bestanden"]:
        data = (store / name).read_bytes()
        index["bestanden"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    _write_index(store, index, sign=True)


def _edit_index(change: Callable[[dict[str, Any]], Any], *, sign: bool = True) -> Callable[[Path], str]:
    def damage(store: Path) -> str:
        _write_index(store, change(_index(store)), sign=sign)
        return "opslag.json"

    return damage


def _on(name: str, action: Callable[[Path], None]) -> Callable[[Path], str]:
    def damage(store: Path) -> str:
        action(unshare(store / name))
        return name

    return damage


def _swap_profiles(store: Path) -> tuple[str, ...]:
    """Either file may be named (both are wrong); which one depends on the profiles loaded."""
    _swap(store / "profiel_senior.npz", store / "profiel_standaard.npz")
    return ("profiel_senior.npz", "profiel_standaard.npz")


def _buurten_from_wijken(store: Path) -> str:
    shutil.copyfile(store / "wijken.parquet", unshare(store / "buurten.parquet"))
    return "buurten.parquet"


def _lijnen_from_adressen(store: Path) -> str:
    shutil.copyfile(store / "osm_adressen.parquet", unshare(store / "osm_lijnen.parquet"))
    return "osm_lijnen.parquet"


def _resigned(damage: Callable[[Path], Names]) -> Callable[[Path], Names]:
    def both(store: Path) -> Names:
        name = damage(store)
        _resign(store)
        return name

    return both


def _drop_voorziening(store: Path) -> str:
    import geopandas as gpd

    vz = gpd.read_parquet(store / "voorzieningen.parquet")
    vz.iloc[1:].to_parquet(unshare(store / "voorzieningen.parquet"))
    return "voorzieningen.parquet"


def _short_node_dist(store: Path) -> str:
    def change(z: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        z["c|huisarts|node_dist"] = z["c|huisarts|node_dist"][:-1]
        return z

    _rewrite_npz(store / "profiel_senior.npz", change)
    return "profiel_senior.npz"


def _dangling_index(store: Path) -> str:
    """A routing matrix pointing past the last node (an index that would read out of bounds)."""

    def change(z: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        z["m_indices"] = z["m_indices"].copy()
        z["m_indices"][0] = int(z["n_nodes"]) + 5
        return z

    _rewrite_npz(store / "profiel_senior.npz", change)
    return "profiel_senior.npz"


def _not_utf8(store: Path) -> str:
    unshare(store / "opslag.json").write_bytes(b'{"formaat": 2, "programma": "\xff\xfe"}')
    return "opslag.json"


def _without(key: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda index: {k: v for k, v in index.items() if k != key}


def _drop_file_entry(index: dict[str, Any]) -> dict[str, Any]:
    del index["bestanden"]["wijken.parquet"]
    return index


def _bad_hash(index: dict[str, Any]) -> dict[str, Any]:
    index["bestanden"]["netwerk.npz"]["sha256"] = "niet-hex"
    return index


def _foreign_file(index: dict[str, Any]) -> dict[str, Any]:
    index["bestanden"]["../../buiten.txt"] = {"sha256": "0" * 64, "bytes": 1}
    return index


def _other_profiles(index: dict[str, Any]) -> dict[str, Any]:
    index["profielen"] = ["standaard", "rolstoel"]
    return index


def _summary_changed(index: dict[str, Any]) -> dict[str, Any]:
    index["samenvatting"]["gemeente"] = "Emmen"
    return index


#: (id, damage (returns the damaged file's name), what the message must say)
CASES: list[tuple[str, Callable[[Path], Names], str]] = [
    ("npz-afgekapt", _on("profiel_senior.npz", _truncate), "afgekapt"),
    ("netwerk-afgekapt", _on("netwerk.npz", _truncate), "afgekapt"),
    ("parquet-afgekapt", _on("adressen.parquet", _truncate), "afgekapt"),
    ("npz-bit", _on("profiel_standaard.npz", _flip), "SHA-256"),
    ("parquet-bit-buurten", _on("buurten.parquet", _flip), "SHA-256"),
    ("parquet-bit-voorzieningen", _on("voorzieningen.parquet", _flip), "SHA-256"),
    ("index-bit", _on("opslag.json", _flip_in_index), "controlegetal"),
    ("tabel-weg", _on("wijken.parquet", Path.unlink), "ontbreekt"),
    ("netwerk-weg", _on("netwerk.npz", Path.unlink), "ontbreekt"),
    ("kerncijfers-weg", _on("kerncijfers.parquet", Path.unlink), "ontbreekt"),
    ("index-weg", _on("opslag.json", Path.unlink), "ontbreekt"),
    ("parquet-leeg", _on("gemeente.parquet", lambda p: p.write_bytes(b"")), "0 bytes"),
    ("npz-leeg", _on("profiel_senior.npz", lambda p: p.write_bytes(b"")), "0 bytes"),
    ("index-leeg", _on("opslag.json", lambda p: p.write_bytes(b"")), "onleesbaar"),
    ("profielen-verwisseld", _swap_profiles, "bytes, verwacht"),
    ("buurten-is-wijken", _buurten_from_wijken, "bytes, verwacht"),
    ("straten-is-adressen", _lijnen_from_adressen, "bytes, verwacht"),
    ("categorie-weg", _on("profiel_senior.npz", lambda p: _rewrite_npz(p, _without_category("supermarkt"))), "bytes"),
    ("index-geen-json", _on("opslag.json", lambda p: p.write_text("{niet json", encoding="utf-8")), "onleesbaar"),
    ("index-geen-utf8", _not_utf8, "onleesbaar"),
    ("index-lijst", _on("opslag.json", lambda p: p.write_text("[1, 2]", encoding="utf-8")), "geen JSON-object"),
    ("index-zonder-bestanden-ongetekend", _edit_index(_without("bestanden"), sign=False), "controlegetal"),
    ("index-zonder-bestanden", _edit_index(_without("bestanden")), "'bestanden' ontbreekt"),
    ("index-bestand-niet-genoemd", _edit_index(_drop_file_entry), "zonder controlegetal: wijken.parquet"),
    ("index-hash-geen-hex", _edit_index(_bad_hash), "geen geldige SHA-256"),
    ("index-vreemd-bestand", _edit_index(_foreign_file), "onbekend: ../../buiten.txt"),
    ("index-ander-profiel", _edit_index(_other_profiles), "profielen"),
    ("index-samenvatting-veranderd", _edit_index(_summary_changed, sign=False), "controlegetal"),
    # re-signed: opslag.json matches the damaged files; the schema check finds them
    ("herondertekend-profielen-verwisseld", _resigned(_swap_profiles), "verwisseld met een ander bestand"),
    (
        "herondertekend-categorie-weg",
        _resigned(_on("profiel_senior.npz", lambda p: _rewrite_npz(p, _without_category("supermarkt")))),
        "categorie supermarkt ontbreekt",
    ),
    ("herondertekend-buurten-is-wijken", _resigned(_buurten_from_wijken), "zijn niet die van tabel 'buurten'"),
    ("herondertekend-rij-weg", _resigned(_drop_voorziening), " rijen, verwacht "),
    ("herondertekend-array-te-kort", _resigned(_short_node_dist), "array c|huisarts|node_dist heeft vorm"),
    ("herondertekend-index-buiten-bereik", _resigned(_dangling_index), "m_indices verwijst buiten"),
]


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture()
def damaged_copy(assen_output, tmp_path) -> Callable[[Callable[[Path], Names]], tuple[Path, tuple[str, ...]]]:
    """A copy of the session's store in ``tmp_path/output/opslag``, damaged by the given function;
    returns the output folder and the name(s) of the damaged file (any of them may be named)."""

    def make(damage: Callable[[Path], Names]) -> tuple[Path, tuple[str, ...]]:
        out = tmp_path / "output"
        # hard links; each damage makes the file(s) it changes in place its own first (unshare)
        linked_copy(assen_output / "opslag", out / "opslag")
        names = damage(out / "opslag")
        return out, (names,) if isinstance(names, str) else names

    return make


def _toets_args(raw_dir: Path, uit: Path, out: Path) -> list[str]:
    return [
        "--stil",
        "--data",
        str(raw_dir),
        "toets",
        "--uit",
        str(uit),
        "--out",
        str(out),
        "--punt",
        POINT,
        "--type",
        "geclusterd_wonen",
        "--omvang",
        "12",
    ]


def _watals_args(raw_dir: Path, uit: Path, out: Path) -> list[str]:
    return [
        "--stil",
        "--data",
        str(raw_dir),
        "watals",
        "--uit",
        str(uit),
        "--out",
        str(out),
        "--nieuw",
        CHANGE,
        "--geen-kaart",
        "--offline",
    ]


def _toets_json(folder: Path) -> dict[str, Any]:
    (path,) = folder.glob("toets_*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("gemaakt_op")
    return doc


def _watals_result(folder: Path) -> tuple[dict[str, Any], dict[str, bytes]]:
    doc = json.loads((folder / "watals.json").read_text(encoding="utf-8"))
    doc.pop("rekentijd_s")
    tables = {p.name: p.read_bytes() for p in sorted(folder.glob("watals_*.csv"))}
    return doc, tables


@pytest.fixture(scope="module")
def intact(assen_output, raw_dir, module_tmp) -> dict[str, Any]:
    """The toets and watals answers from the intact store (the reference for the damaged cases)."""
    root = module_tmp("intact")
    assert main(_toets_args(raw_dir, assen_output, root / "toets")) == 0
    assert main(_watals_args(raw_dir, assen_output, root / "watals")) == 0
    return {"toets": _toets_json(root / "toets"), "watals": _watals_result(root / "watals")}


# --------------------------------------------------------------------------------------------
# Every damage: StoreDamaged naming the file and what is wrong, the store untouched
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("addresses", [True, False], ids=["volledig", "toets"])
@pytest.mark.parametrize(("damage", "what"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_damaged_store_is_named_and_not_used(damaged_copy, settings, raw_dir, damage, what, addresses):
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.run.store_format import StoreDamaged
    from woonzorg_geo.sources.datasets import resolve_paths

    out, names = damaged_copy(damage)
    before = snapshot(out)
    # as toets loads it (one profile, no addresses) and as watals/locaties do (everything)
    kw: dict[str, Any] = {"profiles": [settings.locaties.profiel], "addresses": False} if not addresses else {}
    with pytest.raises(StoreDamaged) as err:
        load_analysis(out, settings, paths=resolve_paths(settings, raw_dir=raw_dir), **kw)
    message = str(err.value)
    assert message.startswith("opslag beschadigd: "), message
    assert any(f"opslag beschadigd: {out / 'opslag' / name}: " in message for name in names), message
    assert what in message, message
    if what == " rijen, verwacht ":  # one row dropped: one fewer than the index says
        import re

        have, want = map(int, re.search(r"(\d+) rijen, verwacht (\d+)", message).groups())
        assert have == want - 1, message
    assert Path(err.value.file).name in names
    assert snapshot(out) == before


def test_the_intact_copy_loads(damaged_copy, settings, raw_dir):
    """The copy the cases damage is itself a valid store (so the cases test the damage, not the copy)."""
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.sources.datasets import resolve_paths

    out, _ = damaged_copy(lambda store: "opslag.json")
    before = snapshot(out)
    a = load_analysis(out, settings, paths=resolve_paths(settings, raw_dir=raw_dir))
    assert list(a.access) == list(settings.profielen)
    assert a.buurten["naam"].notna().all() and a.buurten.index.str.startswith("BU").all()
    assert "supermarkt" in a.access["senior"].categories
    assert snapshot(out) == before


def test_an_old_store_is_another_version_not_damage(damaged_copy, settings, raw_dir):
    """A store of format 1 (no hashes) is refused as another version, and recomputed like any mismatch."""
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.run.store_format import StoreDamaged, StoreMismatch
    from woonzorg_geo.sources.datasets import resolve_paths

    def old(store: Path) -> str:
        index = _index(store)
        index["formaat"] = 1
        for key in ("bestanden", "controle"):
            index.pop(key)
        _write_index(store, index, sign=False)
        return "opslag.json"

    out, _ = damaged_copy(old)
    with pytest.raises(StoreMismatch, match="opslagformaat 1") as err:
        load_analysis(out, settings, paths=resolve_paths(settings, raw_dir=raw_dir))
    assert not isinstance(err.value, StoreDamaged)


# --------------------------------------------------------------------------------------------
# The commands: warned, computed again, the same answer, the store untouched
# --------------------------------------------------------------------------------------------

COMMAND_CASES = [
    ("toets", "npz-afgekapt"),  # was: BadZipFile, Onverwachte fout
    ("toets", "profielen-verwisseld"),  # was: a senior distance of 490 m instead of 504 m
    ("watals", "categorie-weg"),  # was: watals reported nothing for supermarkt
    ("watals", "buurten-is-wijken"),  # was: blank buurt names
]


@pytest.mark.parametrize(("command", "case"), COMMAND_CASES, ids=[f"{c}-{k}" for c, k in COMMAND_CASES])
def test_the_command_warns_recomputes_and_gives_the_intact_answer(
    damaged_copy, raw_dir, tmp_path, capsys, intact, command, case
):
    damage = next(c[1] for c in CASES if c[0] == case)
    out, names = damaged_copy(damage)
    before = snapshot(out)
    result = tmp_path / "resultaat"
    args = (_toets_args if command == "toets" else _watals_args)(raw_dir, out, result)
    code = main(args)  # with --stil: the warning must still be shown
    err = capsys.readouterr().err
    assert code == 0, err
    assert any(f"opslag beschadigd: {out / 'opslag' / name}: " in err for name in names), err
    assert "wordt opnieuw berekend" in err, err
    assert "Onverwachte fout" not in err and "Traceback" not in err, err
    if command == "toets":
        assert _toets_json(result) == intact["toets"]
    else:
        assert _watals_result(result) == intact["watals"]
    assert snapshot(out) == before


def _locaties(raw_dir: Path, uit: Path, sites: Path, maps: Path) -> list[str]:
    return [
        "--stil",
        "--data",
        str(raw_dir),
        "locaties",
        "--uit",
        str(uit),
        "--out",
        str(sites),
        "--kaarten",
        str(maps),
        "--offline",
        "--top",
        "5",
    ]


def _user_folder(tmp_path: Path) -> Path:
    """An output folder that already holds the user's own file."""
    sites = tmp_path / "sites"
    sites.mkdir()
    (sites / "eigen.txt").write_text("van de gebruiker", encoding="utf-8")
    return sites


def test_locaties_on_a_store_without_addresses_recomputes_and_writes_everything(
    damaged_copy, raw_dir, tmp_path, capsys
):
    """Was: the site files written, then AttributeError on the map: partial output, exit 1."""
    out, _ = damaged_copy(_on("adressen.parquet", Path.unlink))
    before = snapshot(out)
    sites, maps = tmp_path / "sites", tmp_path / "maps"
    code = main(_locaties(raw_dir, out, sites, maps))
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"opslag beschadigd: {out / 'opslag' / 'adressen.parquet'}: ontbreekt; wordt opnieuw berekend" in err, err
    written = {p.name for p in sites.iterdir()}
    assert {"kandidaatlocaties.csv", "kandidaatlocaties.txt", "woonzorg.gpkg"} <= written
    assert (maps / "kandidaatlocaties.html").stat().st_size > 0
    assert snapshot(out) == before


def test_locaties_builds_the_map_before_writing_anything(assen_output, raw_dir, tmp_path, capsys, monkeypatch):
    """Was: the site files were written, then the map failed: partial output, exit 1. Now the map is
    built first, so a failure there leaves nothing written."""
    from woonzorg_geo.outputs.maps import themes

    def broken_map(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError("'NoneType' object has no attribute 'geometry'")  # as with a store without addresses

    monkeypatch.setattr(themes, "site_map", broken_map)
    sites, maps = _user_folder(tmp_path), tmp_path / "maps"
    before = snapshot(sites, assen_output / "opslag")
    code = main(_locaties(raw_dir, assen_output, sites, maps))
    err = capsys.readouterr().err
    assert code == 1 and "AttributeError" in err, err  # an internal error stays one, but writes nothing
    assert snapshot(sites, assen_output / "opslag") == before
    assert not maps.exists(), list(maps.rglob("*"))


def test_locaties_leaves_no_partial_output_when_writing_fails(assen_output, raw_dir, tmp_path, capsys, monkeypatch):
    """The map is built before anything is written and placed only with the site files: a failure
    while writing the site files leaves the output folder as it was and no map."""
    from woonzorg_geo.core.io import staged_dir
    from woonzorg_geo.run import pipeline

    def fail_half_way(sites, out_dir, **kw):
        # the first site file is staged, then the disk is full
        with staged_dir(out_dir) as tmp:
            (tmp / "kandidaatlocaties.csv").write_text("rang,score\n1,", encoding="utf-8")
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(pipeline, "write_site_outputs", fail_half_way)
    sites, maps = _user_folder(tmp_path), tmp_path / "maps"
    before = snapshot(sites, assen_output / "opslag")
    code = main(_locaties(raw_dir, assen_output, sites, maps))
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.strip().splitlines()[-1].startswith("Fout: ") and "Traceback" not in err, err
    assert snapshot(sites, assen_output / "opslag") == before
    assert not maps.exists(), list(maps.rglob("*"))
