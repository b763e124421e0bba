"""watals: what if voorzieningen open or close; equal to a full recomputation, on a fixture and on Assen."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from toets_world import X0, Y0, make_world

from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.network.accessibility import compute_accessibility
from woonzorg_geo.whatif.engine import Changes, NewVoorziening, WhatIfError, apply_changes, parse_closure, parse_new


def _recompute(a, changes: Changes, profile: str) -> dict[str, np.ndarray]:
    """Every category's distance per address, from scratch, with the changed voorzieningen."""
    vz = a.inputs.voorzieningen
    new = gpd.GeoDataFrame(
        {"categorie": [n.categorie for n in changes.nieuw], "naam": [n.label for n in changes.nieuw]},
        geometry=gpd.points_from_xy([n.x for n in changes.nieuw], [n.y for n in changes.nieuw]),
        crs=vz.crs,
        index=pd.Index([n.id for n in changes.nieuw], name=vz.index.name),
    )
    vz2 = pd.concat([vz.drop(index=list(changes.weg)), new])
    acc = a.settings.bereikbaarheid
    origins = getattr(a, "adressen", None)
    origins = a.inputs.osm.addresses if origins is None else origins
    full = compute_accessibility(
        a.graphs[profile],
        origins,
        vz2,
        categories=acc.categories,
        radii_m=(),
        max_snap_m=acc.max_snap_m,
        composites=a.vocab.composites,
    )
    return {cat: res.origin_dist for cat, res in full.categories.items()}


def _assert_equal(a, changes: Changes) -> int:
    """apply_changes equals the full recomputation for every address, category and profile."""
    per = apply_changes(a, changes)
    checked = 0
    for name, pc in per.items():
        ref = _recompute(a, changes, name)
        for cat, want in ref.items():
            got = pc.after.get(cat, a.access[name].categories[cat].origin_dist)
            np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=f"{name} {cat}: reachability")
            np.testing.assert_allclose(
                got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=1e-6, err_msg=f"{name} {cat}"
            )
            checked += int((~np.isnan(want)).sum())
    return checked


@pytest.fixture(scope="module")
def world():
    return make_world()  # its vocab follows its settings, as an Analysis' does


def test_a_new_voorziening_on_the_same_stretch_is_reached_along_the_edge(world):
    # Zuidstraat 5 (x 450, 10 m north of the street) and a new supermarket 5 m east, 5 m south of
    # the street: the way along the edge is 10 + 5 + 5 m, not round the nearest crossing
    new = NewVoorziening("supermarkt", X0 + 455.0, Y0 + 495.0, "nieuw", id="nieuw_1")
    per = apply_changes(world, Changes(nieuw=(new,)))
    addr = world.inputs.osm.addresses
    i = int(np.flatnonzero((addr["housenumber"] == "5").to_numpy())[0])
    for pc in per.values():
        assert pc.after["supermarkt"][i] == pytest.approx(20.0)
        assert pc.before["supermarkt"][i] > 20.0
        assert pc.nearest_after["supermarkt"][i] == "nieuw_1"
    assert _assert_equal(world, Changes(nieuw=(new,))) > 0


def test_random_openings_and_closures_equal_a_full_recomputation(world):
    rng = np.random.default_rng(7)
    cats = ["supermarkt", "huisarts", "ov_halte", "apotheek"]
    vz = world.inputs.voorzieningen
    for trial in range(6):
        nieuw = tuple(
            NewVoorziening(
                str(rng.choice(cats)),
                X0 + float(rng.uniform(50, 1950)),
                Y0 + float(rng.uniform(50, 1950)),
                f"n{k}",
                id=f"nieuw_{trial}_{k}",
            )
            for k in range(int(rng.integers(0, 4)))
        )
        candidates = vz.index[vz["categorie"].isin(cats)]
        weg = tuple(rng.choice(candidates, size=int(rng.integers(0, 3)), replace=False))
        assert _assert_equal(world, Changes(nieuw=nieuw, weg=weg)) > 0


def test_parse_nieuw_and_weg_say_what_is_wrong(world):
    cats = list(world.vocab.categories)
    n = parse_new("supermarkt@6.5480,52.9930", categories=cats, geocode=None)
    assert n.categorie == "supermarkt" and 150_000 < n.x < 300_000 and 500_000 < n.y < 600_000
    with pytest.raises(WhatIfError, match="kies uit"):
        parse_new("bioscoop@6.5,52.9", categories=cats, geocode=None)
    with pytest.raises(WhatIfError, match="CATEGORIE@"):
        parse_new("supermarkt 6.5,52.9", categories=cats, geocode=None)
    with pytest.raises(WhatIfError, match="niet gevonden"):
        parse_new(
            "huisarts@Nergensstraat 1, Testgem",
            categories=cats,
            geocode=lambda a, p: {"geometry": None, "geocode_precisie": "niet_gevonden"},
        )
    vz = world.inputs.voorzieningen
    assert parse_closure("vz1", vz) == ["vz1"]
    assert parse_closure("testsuper", vz) == ["vz1"]
    with pytest.raises(WhatIfError, match=r"bedoelt u:\n  Testsuper \(supermarkt, vz1\)"):
        parse_closure("super", vz)


# --------------------------------------------------------------------------------------------
# Real data (Assen)
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def stored(assen_output, settings, raw_dir):
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.sources.datasets import resolve_paths

    return load_analysis(assen_output, settings, paths=resolve_paths(settings, raw_dir=raw_dir))


@pytest.mark.realdata
def test_watals_equals_a_full_recomputation_for_every_address(stored):
    from woonzorg_geo.toets.locate import offline_geocoder

    cats = list(stored.vocab.categories)
    coder = offline_geocoder(stored.inputs)
    nieuw = (
        parse_new("supermarkt@6.5480,52.9930", categories=cats, geocode=coder, number=1),
        parse_new("huisarts@Pronkridder 18, Assen", categories=cats, geocode=coder, number=2),
        parse_new("ov_halte@6.5600,52.9900", categories=cats, geocode=coder, number=3),
    )
    vz = stored.inputs.voorzieningen
    weg = tuple(vz.index[(vz["categorie"] == "supermarkt")][:3]) + tuple(vz.index[vz["categorie"] == "apotheek"][:1])
    checked = _assert_equal(stored, Changes(nieuw=nieuw, weg=weg))
    assert checked > 2 * 10 * 37_000 * 0.9  # both profiles, every category, nearly every address


@pytest.mark.realdata
def test_closing_the_only_supermarket_within_the_norm_lowers_the_buurt_share(stored):
    from woonzorg_geo.whatif.engine import what_if

    a = stored
    main = a.vocab.main_profile
    acc = a.access[main]
    norm = a.vocab.norm_m
    counts = acc.categories["supermarkt"].counts[norm]
    nearest = pd.Series(acc.categories["supermarkt"].origin_nearest, index=a.adressen.index)
    only = pd.Series(counts == 1, index=a.adressen.index)
    # the buurt with most homes that have exactly one supermarket within the norm, and that supermarket
    buurt = a.adressen.loc[only, "buurtcode"].value_counts().index[0]
    sel = only & (a.adressen["buurtcode"] == buurt)
    shop = nearest[sel].value_counts().index[0]
    w = what_if(a, Changes(weg=(shop,)), profiles=[main])
    col = f"pct_{a.vocab.within('supermarkt')}"
    row = w.buurten.loc[buurt]
    assert row[f"{col}_na"] < row[f"{col}_voor"]
    assert row[f"{col}_voor"] == pytest.approx(a.buurten.at[buurt, col], abs=0.01)
    assert row["verliezen_supermarkt"] >= int((sel & (nearest == shop)).sum()) > 0
    s = w.samenvatting["profielen"][main]["categorieen"]["supermarkt"]
    assert s["adressen_verliezen_toegang"] > 0 and s["adressen_winnen_toegang"] == 0
    # the combination with OV follows
    combo = w.samenvatting["profielen"][main]["categorieen"]["ov_en_supermarkt"]
    assert combo["pct_na"] <= combo["pct_voor"]


@pytest.mark.realdata
def test_watals_command_writes_tables_summary_and_map(assen_output, tmp_path, capsys):
    from woonzorg_geo.cli.main import main

    out = tmp_path / "wa"
    code = main(
        [
            "--stil",
            "watals",
            "--uit",
            str(assen_output),
            "--out",
            str(out),
            "--offline",
            "--nieuw",
            "supermarkt@6.5480,52.9930",
            "--nieuw",
            "huisarts@Pronkridder 18, Assen",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    assert {"watals_buurten.csv", "watals_wijken.csv", "watals_adressen.csv", "watals.json", "watals_kaart.html"} <= {
        p.name for p in out.iterdir()
    }
    wijken = pd.read_csv(out / "watals_wijken.csv", index_col="code")
    assert set(wijken["profiel"]) == {"standaard", "senior"}
    assert (wijken["pct_supermarkt_800m_verschil"] >= 0).all() and (wijken["pct_supermarkt_800m_verschil"] > 0).any()
    doc = json.loads((out / "watals.json").read_text(encoding="utf-8"))
    assert [n["categorie"] for n in doc["wijzigingen"]["nieuw"]] == ["supermarkt", "huisarts"]
    assert "Supermarkt binnen 800 m" in text and "winnen" in text
    page = (out / "watals_kaart.html").read_text(encoding="utf-8")
    assert "woning wint toegang" in page and "nieuw: supermarkt" in page
    # a name that matches nothing: a Dutch error with suggestions, nothing written
    code = main(["--stil", "watals", "--uit", str(assen_output), "--out", str(tmp_path / "x"), "--weg", "Jumb"])
    assert code == 2
    err = capsys.readouterr().err
    assert "bedoelt u:" in err and "\n  Jumbo (supermarkt, vz" in err
    assert not (tmp_path / "x" / "watals.json").exists()
    # a voorziening of a category the run does not compute (kinderopvang) cannot be closed
    vz = gpd.read_parquet(assen_output / "opslag" / "voorzieningen.parquet")
    child = vz.index[~vz["categorie"].isin(load_settings().bereikbaarheid.categories)]
    assert len(child)
    code = main(["--stil", "watals", "--uit", str(assen_output), "--out", str(tmp_path / "y"), "--weg", str(child[0])])
    assert code == 2 and "niet wordt berekend" in capsys.readouterr().err


@pytest.mark.realdata
def test_the_baseline_of_watals_is_the_summarys_figure_rounded_once(assen_output, tmp_path, capsys):
    """One rounding: watals' "before" is the analysis's own figure, unrounded in JSON and printed alike."""
    from woonzorg_geo.cli.main import main
    from woonzorg_geo.core import formatting as fmt

    out = tmp_path / "wa"
    code = main(
        [
            "watals",
            "--uit",
            str(assen_output),
            "--out",
            str(out),
            "--geen-kaart",
            "--nieuw",
            "supermarkt@6.5480,52.9930",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    summary = json.loads((assen_output / "samenvatting.json").read_text(encoding="utf-8"))
    doc = json.loads((out / "watals.json").read_text(encoding="utf-8"))
    sections = text.split("Profiel ")[1:]
    assert len(sections) == len(doc["profielen"])
    compared = 0
    for section, (name, prof) in zip(sections, doc["profielen"].items(), strict=True):
        gemeente = summary["profielen"][name]["gemeente"]
        for cat, fig in prof["categorieen"].items():
            key = next(k for k in gemeente if k.startswith(f"pct_{cat}_") and k.endswith("m"))
            assert fig["pct_voor"] == pytest.approx(gemeente[key], rel=0, abs=1e-9), (name, cat)
            line = next(ln for ln in section.splitlines() if ln.strip().startswith(f"{fig['label']} binnen "))
            assert f": {fmt.percent(gemeente[key])} → " in line, (line, gemeente[key])
            compared += 1
    assert compared >= 6  # supermarkt and its two combinations, for both profiles
