from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from woonzorg_geo.pipeline import write_outputs

pytestmark = pytest.mark.realdata

CATS = ["ov_halte", "treinstation", "supermarkt", "huisarts", "apotheek", "tandarts", "ziekenhuis", "school",
        "ontmoetingsplek", "ov"]


def test_analyse_writes_every_output(assen_output, assen_inputs):
    out = assen_output
    layers = set(gpd.list_layers(out / "woonzorg.gpkg")["name"])
    assert {"adressen", "buurten", "wijken", "voorzieningen", "netwerk", "servicegebieden"} <= layers
    adr = gpd.read_file(out / "woonzorg.gpkg", layer="adressen")
    inside = assen_inputs.osm.addresses.within(assen_inputs.gemeente.union_all()).sum()
    assert len(adr) == inside  # every address in the gemeente
    for cat in CATS:
        assert f"afstand_{cat}_m" in adr and f"afstand_{cat}_m_senior" in adr
        assert adr[f"afstand_{cat}_m"].notna().mean() > 0.99
    assert adr.crs.to_epsg() == 28992
    assert adr["buurtcode"].notna().all() and adr["wijkcode"].notna().all()
    for name in ("standaard", "senior"):
        assert (out / f"bereikbaarheid_supermarkt_{name}.tif").exists()
    wijken = pd.read_csv(out / "wijken.csv", index_col="code")
    assert len(wijken) == 10 and wijken["n_adressen"].sum() == len(adr)
    assert wijken["inwoners_cbs"].sum() == pytest.approx(69700, abs=25)
    buurten = pd.read_csv(out / "buurten.csv", index_col="code")
    assert len(buurten) == 109
    summary = json.loads((out / "samenvatting.json").read_text(encoding="utf-8"))
    share = summary["profielen"]["standaard"]["gemeente"]["pct_ov_en_supermarkt_800m"]
    assert 30 < share < 95
    sa = gpd.read_file(out / "woonzorg.gpkg", layer="servicegebieden")
    assert set(sa["categorie"]) >= {"supermarkt", "huisarts", "ov"}
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging left


def test_report_findings_are_recognisable(assen_analysis):
    """The report: Assen-West and Pittelo residents go further for care than the rest."""
    w = assen_analysis.wijken.set_index("naam")
    far = w.loc[["Assen-West", "Pittelo"], "med_afstand_huisarts_m"]
    town = w.drop(index=["Assen-West", "Pittelo", "Buitengebied"])["med_afstand_huisarts_m"]
    assert far.min() > town.max()


def test_senior_is_slower_in_minutes(assen_analysis):
    adr = assen_analysis.adressen
    ok = adr["tijd_huisarts_min"].notna() & adr["tijd_huisarts_min_senior"].notna()
    assert (adr.loc[ok, "tijd_huisarts_min_senior"] > adr.loc[ok, "tijd_huisarts_min"]).mean() > 0.99


def test_failed_write_keeps_previous_output(assen_analysis, tmp_path, monkeypatch):
    out = tmp_path / "output"
    out.mkdir()
    (out / "woonzorg.gpkg").write_text("vorige run")
    import woonzorg_geo.pipeline as pipeline

    def boom(*args, **kwargs):
        raise OSError("schijf vol")

    monkeypatch.setattr(pipeline, "write_geotiff", boom)
    with pytest.raises(OSError, match="schijf vol"):
        write_outputs(assen_analysis, out)
    assert [p.name for p in out.iterdir()] == ["woonzorg.gpkg"]
    assert (out / "woonzorg.gpkg").read_text() == "vorige run"


def test_unreachable_addresses_have_reasons(assen_analysis):
    adr = assen_analysis.adressen
    missing = adr["afstand_huisarts_m"].isna()
    assert (adr.loc[missing, "reden_huisarts"].notna()).all()
    assert not np.isinf(adr["afstand_huisarts_m"].dropna()).any()
