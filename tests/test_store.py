"""The analysis kept in output/opslag: rebuilt exactly, refused when settings or data changed."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.realdata
def test_the_store_rebuilds_the_analysis_exactly(assen_output, assen_analysis, settings, raw_dir):
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.sources.datasets import resolve_paths

    a = load_analysis(assen_output, settings, paths=resolve_paths(settings, raw_dir=raw_dir))
    b = assen_analysis
    assert list(a.access) == list(b.access)
    for name, acc in b.access.items():
        got = a.access[name]
        np.testing.assert_array_equal(got.dest_ids, acc.dest_ids)
        assert (got.routing.matrix != acc.routing.matrix).nnz == 0
        for cat, res in acc.categories.items():
            r = got.categories[cat]
            np.testing.assert_array_equal(r.node_dist, res.node_dist)
            np.testing.assert_array_equal(r.node_source, res.node_source)
            np.testing.assert_array_equal(r.origin_dist, res.origin_dist)
            assert list(r.origin_nearest) == list(res.origin_nearest)
            assert all(np.array_equal(r.counts[k], res.counts[k]) for k in res.counts)
    pd.testing.assert_frame_equal(
        a.adressen.drop(columns="geometry"), b.adressen.drop(columns="geometry"), check_dtype=False
    )
    for key in ("buurten", "wijken"):
        pd.testing.assert_frame_equal(
            getattr(a, key).drop(columns="geometry"), getattr(b, key).drop(columns="geometry"), check_dtype=False
        )
    assert a.vocab.profiles == b.vocab.profiles and a.vocab.norm_m == b.vocab.norm_m


@pytest.mark.realdata
def test_a_toets_on_the_store_equals_one_on_a_fresh_analysis(assen_output, assen_analysis, settings):
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.toets import run_toets

    stored = load_analysis(assen_output, settings, paths=None, profiles=[settings.locaties.profiel], addresses=False)
    kw = {
        "adres": "Stationsstraat 44, Assen",
        "zorgtype": "geclusterd_wonen",
        "omvang": 12,
        "register": EXAMPLES / "register_zorginitiatieven.csv",
    }
    fresh = run_toets(assen_analysis, **kw).to_dict()
    again = run_toets(stored, **kw).to_dict()
    fresh.pop("gemaakt_op"), again.pop("gemaakt_op")
    assert again == fresh
    assert fresh["bereikbaarheid"][0]["afstand_m"] is not None


@pytest.mark.realdata
def test_the_store_is_refused_when_settings_data_or_profiles_differ(assen_output, settings, raw_dir, tmp_path):
    from woonzorg_geo.run.store_format import StoreMismatch, check_store
    from woonzorg_geo.sources.datasets import resolve_paths

    paths = resolve_paths(settings, raw_dir=raw_dir)
    assert check_store(assen_output, settings, paths=paths)["profielen"] == list(settings.profielen)
    other = dataclasses.replace(settings, bereikbaarheid=dataclasses.replace(settings.bereikbaarheid, norm_m=700.0))
    with pytest.raises(StoreMismatch, match="andere instellingen"):
        check_store(assen_output, other, paths=paths)
    # a data file that changed since the analysis (a copy, touched later)
    copy = tmp_path / paths["kerncijfers"].name
    shutil.copy2(paths["kerncijfers"], copy)
    copy.write_bytes(copy.read_bytes() + b" ")
    with pytest.raises(StoreMismatch, match="kerncijfers"):
        check_store(assen_output, settings, paths={**paths, "kerncijfers": copy})
    with pytest.raises(StoreMismatch, match="niet doorgerekend"):
        check_store(assen_output, settings, paths=paths, profiles=("rolstoel",))
    with pytest.raises(StoreMismatch, match="draai eerst"):
        check_store(tmp_path, settings, paths=paths)


@pytest.mark.realdata
def test_toets_without_a_store_computes_again_and_says_so(raw_dir, tmp_path, capsys, caplog):
    from woonzorg_geo.cli.main import main

    code = main(
        [
            "--data",
            str(raw_dir),
            "toets",
            "--uit",
            str(tmp_path / "leeg"),
            "--out",
            str(tmp_path / "t"),
            "--adres",
            "Stationsstraat 44, Assen",
            "--type",
            "geclusterd_wonen",
            "--omvang",
            "12",
        ]
    )
    assert code == 0
    assert "wordt niet gebruikt" in caplog.text and "opnieuw berekend" in caplog.text
    assert "totaal:" in capsys.readouterr().out


@pytest.mark.realdata
def test_toets_lijst_checks_every_row_and_names_the_unplaceable(assen_output, tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    code = main(
        [
            "--stil",
            "toets",
            "--uit",
            str(assen_output),
            "--out",
            str(tmp_path),
            "--offline",
            "--lijst",
            str(EXAMPLES / "initiatieven.csv"),
            "--register",
            str(EXAMPLES / "register_zorginitiatieven.csv"),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    out = tmp_path / "toetsen"
    table = pd.read_csv(out / "toetsen.csv")
    assert len(table) == 12
    bad = table.loc[table["oordeel"] == "niet getoetst"]
    assert list(bad["regel"]) == [12, 13]
    assert "niet gevonden" in bad["reden"].iloc[0] and "buiten de gemeente" in bad["reden"].iloc[1]
    good = table.loc[table["oordeel"] != "niet getoetst"]
    assert set(good["oordeel"]) <= {"groen", "oranje", "rood", "onbekend"}
    for report in good["rapport"]:
        assert (out / report).exists() and (out / report.replace(".html", ".json")).exists()
    page = (out / "toetsen.html").read_text(encoding="utf-8")
    assert "Nergensstraat 99" in page and "niet getoetst" in page and 'th class="sort"' in page
    assert "oordeel" in (out / "toetsen_kaart.html").read_text(encoding="utf-8")
    assert "regel 12" in text and "regel 13" in text and "NIET GETOETST" in text
