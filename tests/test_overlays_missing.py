"""Issue 24 §6: a gemeente without indicators gets a page saying what to bring, not an all-grey map."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from woonzorg_geo.areas.overlays import build_overlays, read_indicator_table
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.outputs.maps.balance import example_table, missing_page_html

S = load_settings().overlays
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "indicatoren_voorbeeld.csv"
MEPPEL = {"WK011900": "Centrum", "WK011901": "Watertoren", "WK011912": "Nijeveen"}


def _areas() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    codes = list(MEPPEL)
    wijken = gpd.GeoDataFrame(
        {"naam": [MEPPEL[c] for c in codes]},
        index=pd.Index(codes, name="code"),
        geometry=[box(i, 0, i + 1, 1) for i in range(len(codes))],
        crs="EPSG:28992",
    )
    buurten = gpd.GeoDataFrame(
        {"naam": ["Centrum-Kern"], "wijkcode": ["WK011900"]},
        index=pd.Index(["BU01190000"], name="code"),
        geometry=[box(0, 0, 1, 1)],
        crs="EPSG:28992",
    )
    return wijken, buurten


def test_gemeente_without_indicators_has_nothing_to_vary():
    wijken, buurten = _areas()
    w, b, rep = build_overlays(wijken, buurten, S)
    assert (b["focus"] == "onbekend").all()  # Assen's signals are not this gemeente's
    assert rep["zonder_balans"] is True
    assert rep["gevoeligheid"].empty  # no "0 van 26 varianten" where nothing varies
    assert (w["balans_klasse"] == "onbekend").all()
    missing = [r for r in rep["herkomst"] if r["herkomst"] == "geen gegevens"]
    assert {r["kolom"] for r in missing} >= {"pct_65plus", "pct_mantelzorg"}
    page = missing_page_html(
        w.reset_index(), {"herkomst": rep["herkomst"]}, gemeente="Meppel", balance_labels=S.balans_labels
    )
    for r in missing:
        assert f"<code>{r['kolom']}</code>" in page
    assert "--indicatoren" in page and "examples/indicatoren_voorbeeld.csv" in page
    assert "WK011900;Centrum (voorbeeld);" in page  # the example uses this gemeente's own wijken
    assert all(label in page for label in S.balans_labels)  # what the map will show
    assert "<script" not in page


def test_shipped_example_is_a_valid_indicator_table_that_gives_a_balans():
    table = read_indicator_table(EXAMPLE)
    kolommen = {i.kolom for i in (*S.draaglast, *S.draagkracht)}
    numbers = [c for c in table.columns if c != "naam"]
    assert numbers and set(numbers) <= kolommen
    assert all(pd.api.types.is_float_dtype(table[c]) for c in numbers)  # decimal commas read as numbers
    assert table["naam"].str.contains("(voorbeeld)", regex=False).all()
    # with the example, the wijken it covers get a class; the others stay 'onbekend' (coverage rule)
    wijken, buurten = _areas()
    w, _, rep = build_overlays(wijken, buurten, S, extra_tables=[(str(EXAMPLE), table)])
    assert rep["zonder_balans"] is False
    covered = w.index.isin(table.index)
    assert w.loc[covered, "balans"].notna().all() and w.loc[~covered, "balans_klasse"].eq("onbekend").all()
    assert any(r["herkomst"] == f"eigen tabel {EXAMPLE}" for r in rep["herkomst"])


def test_example_table_format():
    w = pd.DataFrame({"code": ["WK011900", "WK011901"], "naam": ["Centrum", "Watertoren"]})
    text = example_table(w, ["pct_mantelzorg", "cijfer_zorgaanbod"])
    lines = text.splitlines()
    assert lines[0] == "code;naam;pct_mantelzorg;cijfer_zorgaanbod"
    assert len(lines) == 3 and lines[1].startswith("WK011900;Centrum (voorbeeld);")
    values = [float(v.replace(",", ".")) for line in lines[1:] for v in line.split(";")[2:]]
    assert np.all(np.array(values) > 0) and all("," in v for line in lines[1:] for v in line.split(";")[2:])
