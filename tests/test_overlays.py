from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from woonzorg_geo.areas.overlays import (
    balance_label,
    buurt_classes,
    composite_index,
    join_indicators,
    read_signals,
    sensitivity,
    wijk_indices,
    zscores,
)
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.overlay_settings import OverlayIndicator
from woonzorg_geo.core.settings_loader import load_settings

S = load_settings().overlays


def test_zscores_population_sd_and_missing():
    z = zscores(pd.Series([1.0, 2.0, 3.0, np.nan]))
    assert z.tolist()[:3] == pytest.approx([-1.2247449, 0.0, 1.2247449])
    assert np.isnan(z.iloc[3])


def test_composite_index_known_answer_and_direction():
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, 10.0, 40.0]}, index=["W1", "W2", "W3"])
    inds = [OverlayIndicator("a", gewicht=1.0), OverlayIndicator("b", richting=-1, gewicht=3.0)]
    res = composite_index(table, inds, min_weight_share=0.5)
    za = np.array([-1.2247449, 0.0, 1.2247449])
    zb = -np.array([-0.7071068, -0.7071068, 1.4142136])
    assert res.value.tolist() == pytest.approx(((za + 3 * zb) / 4).tolist())


def test_missing_values_are_left_out_not_zero():
    table = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [10.0, np.nan, 40.0]}, index=["W1", "W2", "W3"])
    inds = [OverlayIndicator("a", gewicht=1.0, label="A"), OverlayIndicator("b", gewicht=3.0, label="B")]
    strict = composite_index(table, inds, min_weight_share=0.5)
    assert np.isnan(strict.value["W2"])  # only 1/4 of the weight has data
    assert strict.used_weight_share["W2"] == pytest.approx(0.25)
    assert strict.missing["W2"] == "B" and strict.missing["W1"] == ""
    lenient = composite_index(table, inds, min_weight_share=0.2)
    assert lenient.value["W2"] == pytest.approx(0.0)  # z of a for W2, renormalised
    # W1: z(b) among the two values present is -1 → (1*-1.2247 + 3*-1)/4
    assert lenient.value["W1"] == pytest.approx((-1.2247449 - 3.0) / 4)


def test_renormalised_not_zero_filled():
    # W1 lacks b (weight 3): renormalised its index is z(a) = +1.2247; a bug that fills the
    # missing z with 0 gives a quarter of that, one that drops the row gives NaN
    table = pd.DataFrame({"a": [3.0, 1.0, 2.0], "b": [np.nan, 10.0, 40.0]}, index=["W1", "W2", "W3"])
    res = composite_index(table, [OverlayIndicator("a"), OverlayIndicator("b", gewicht=3.0)], min_weight_share=0.25)
    assert res.value["W1"] == pytest.approx(1.2247449)
    # W2: z(a) = -1.2247, z(b) among the two present = -1 → (-1.2247 - 3) / 4
    assert res.value["W2"] == pytest.approx((-1.2247449 - 3.0) / 4)
    assert res.used_weight_share.tolist() == pytest.approx([0.25, 1.0, 1.0])


def test_min_weight_share_is_inclusive():
    # catches '>' for '≥', and a share taken over the indicators instead of their weights
    table = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": [1.0, np.nan, 5.0], "c": [2.0, np.nan, 1.0]}, index=["W1", "W2", "W3"]
    )
    # W2 has data for 2 of the 4 weight units, but for only 1 of the 3 indicators
    inds = [OverlayIndicator("a", gewicht=2.0), OverlayIndicator("b"), OverlayIndicator("c")]
    assert np.isfinite(composite_index(table, inds, min_weight_share=0.5).value["W2"])
    assert np.isnan(composite_index(table, inds, min_weight_share=0.51).value["W2"])
    assert np.isfinite(composite_index(table, inds, min_weight_share=0.51).value["W1"])
    nothing = composite_index(table.assign(a=np.nan), inds, min_weight_share=0.0)
    assert np.isnan(nothing.value["W2"])  # no data at all is never an index of 0


def test_direction_flips_the_sign():
    # catches richting ignored or applied twice
    table = pd.DataFrame({"a": [1.0, 4.0, 2.0, 9.0], "b": [3.0, 1.0, 2.0, 2.0]}, index=list("PQRS"))
    up = composite_index(table, [OverlayIndicator("a"), OverlayIndicator("b", gewicht=2.0)], min_weight_share=0.5)
    down = composite_index(
        table,
        [OverlayIndicator("a", richting=-1), OverlayIndicator("b", richting=-1, gewicht=2.0)],
        min_weight_share=0.5,
    )
    assert down.value.tolist() == pytest.approx((-up.value).tolist())
    half = composite_index(
        table, [OverlayIndicator("a", richting=-1), OverlayIndicator("b", gewicht=2.0)], min_weight_share=0.5
    )
    za, zb = zscores(table["a"]), zscores(table["b"])
    assert half.value.tolist() == pytest.approx(((-za + 2 * zb) / 3).tolist())


def test_constant_indicator_scores_zero():
    # catches a division by a zero standard deviation (inf/NaN would poison every index)
    assert zscores(pd.Series([5.0, 5.0, np.nan])).tolist()[:2] == [0.0, 0.0]


def test_balance_labels():
    lab = balance_label(pd.Series([-2.0, -0.5, 0.0, 0.5, 1.5, np.nan]), S)
    assert lab.tolist() == [
        "sterk onder druk",
        "onder druk",
        "in evenwicht",
        "veerkrachtig",
        "sterk veerkrachtig",
        "onbekend",
    ]


def _wijken():
    return pd.DataFrame(
        {
            "last": [10.0, 20.0, 30.0, 40.0],
            "kracht": [5.0, 5.0, 6.0, 9.0],
            "extra": [1.0, 2.0, 3.0, 4.0],
        },
        index=["WK010600", "WK010601", "WK010602", "WK010603"],
    )


def _settings(**kw):
    base = replace(
        S,
        draaglast=(OverlayIndicator("last", label="last"),),
        draagkracht=(OverlayIndicator("kracht", label="kracht"),),
    )
    return replace(base, **kw)


def test_wijk_indices_and_settings_change_the_result():
    s = _settings()
    out = wijk_indices(_wijken(), s)
    assert (out["balans"] == out["draagkracht"] - out["draaglast"]).all()
    assert out["balans"].idxmin() == "WK010602"
    assert "last (+0,4)" in out.loc["WK010602", "overlay_toelichting"]
    other = wijk_indices(_wijken(), _settings(draaglast=(OverlayIndicator("last", richting=-1),)))
    assert not np.allclose(other["balans"], out["balans"])
    stricter = wijk_indices(_wijken(), _settings(balans_grenzen=(-0.1, 0.0, 0.1, 0.2)))
    assert (stricter["balans_klasse"] != out["balans_klasse"]).any()


def test_join_reports_mismatched_codes(caplog):
    areas = pd.DataFrame({"naam": ["a", "b"]}, index=["WK010600", "WK010601"])
    table = pd.DataFrame({"score": [1.0, 2.0]}, index=["WK010600", "WK010699x"])
    with caplog.at_level(logging.WARNING):
        out, rep = join_indicators(areas, table, source="aedes.csv", level="wijk")
    assert rep == {"niet_in_gebieden": ["WK010699x"], "zonder_gegevens": ["WK010601"]}
    assert "WK010699x" in caplog.text and "aedes.csv" in caplog.text
    assert np.isnan(out.loc["WK010601", "score"]) and out.loc["WK010600", "score"] == 1.0
    assert len(out) == 2


def test_buurt_classes_rules_and_reasons():
    buurten = pd.DataFrame(
        {"naam": list("ABCDE"), "wijkcode": ["WK010600"] * 4 + ["WK010601"]},
        index=[f"BU0106000{i}" for i in range(4)] + ["BU01060100"],
    )
    signals = pd.DataFrame(
        {
            "buurtcode": ["BU01060000", "BU01060000", "BU01060001", "BU01060002", "BU01060003"],
            "signaal": [
                "overlast_onveiligheid",
                "concentratie_kwetsbaar",
                "moeite_rondkomen",
                "lage_veerkracht",
                "afname_kwetsbaar",
            ],
            "toelichting": ["x", "y", "z", "v", "w"],
        }
    )
    wijk = pd.DataFrame(
        {"draaglast": [0.8, -1.0], "balans_klasse": ["onder druk", "sterk veerkrachtig"]},
        index=["WK010600", "WK010601"],
    )
    out = buurt_classes(buurten, signals, wijk, S)
    assert out.loc["BU01060000", "focus"] == "hoog"
    assert "overlast/onveiligheid samen met concentratie kwetsbaar" in out.loc["BU01060000", "focus_redenen"]
    assert out.loc["BU01060001", "focus"] == "midden"
    assert out.loc["BU01060002", "veerkracht"] == "laag"
    assert out.loc["BU01060002", "focus"] == "midden"  # its own signal lage veerkracht
    assert out.loc["BU01060003", "veerkracht"] == "hoog"
    # issue 25: the wijk's draaglast (0.8 ≥ 0.5) no longer lifts a quiet buurt's focus; it is context
    assert out.loc["BU01060003", "focus"] == "laag"
    assert "draaglast +0,80" in out.loc["BU01060003", "wijk_context"]
    assert out.loc["BU01060100", "focus"] == "laag" and out.loc["BU01060100", "veerkracht"] == "hoog"
    assert out.loc["BU01060000", "signalen"] == "concentratie_kwetsbaar, overlast_onveiligheid"


def test_sensitivity_detects_rank_changes():
    # W2 leads W1 by a hair (0.1306 vs 0.1277); W1 owes its score to a, W2 to b: 20 % more
    # weight on a, or 20 % less on b, swaps them
    wijken = pd.DataFrame(
        {"nul": [1.0, 1.0, 1.0], "a": [3.0, 0.0, 1.0], "b": [0.0, 2.9, 1.0]}, index=["W1", "W2", "W3"]
    )
    s = replace(
        S,
        draaglast=(OverlayIndicator("nul"),),
        draagkracht=(OverlayIndicator("a"), OverlayIndicator("b")),
        schaling_alternatieven=(),
    )
    rep = sensitivity(wijken, s).set_index(["indicator", "factor"])
    assert len(rep) == 2 * 3
    assert rep.loc[("a", 1.2), "max_rangverschuiving"] == 1 and rep.loc[("a", 1.2), "wijken_verschoven"] == 2
    assert rep.loc[("b", 0.8), "max_rangverschuiving"] == 1
    assert rep.loc[("a", 0.8), "max_rangverschuiving"] == 0
    assert rep.loc[("nul", 0.8), "max_rangverschuiving"] == 0
    stable = pd.DataFrame({"last": [1.0, 5.0, 9.0], "kracht": [9.0, 5.0, 1.0]}, index=["W1", "W2", "W3"])
    s2 = replace(
        S, draaglast=(OverlayIndicator("last"),), draagkracht=(OverlayIndicator("kracht"),), schaling_alternatieven=()
    )
    assert sensitivity(stable, s2)["max_rangverschuiving"].max() == 0


def test_unknown_signal_is_an_error(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("buurtcode,signaal,toelichting\nBU01060000,blij,x\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="blij") as exc:
        read_signals(p)
    assert exc.value.field == "signaal"


def test_shipped_tables_read():
    signals = read_signals(S.buurtsignalen)
    assert len(signals) >= 30
    from woonzorg_geo.areas.overlays import read_wijkcijfers

    w = read_wijkcijfers(S.wijkcijfers)
    assert len(w) == 10
    assert w.loc["WK010600", "wmo_totaal_per_1000"] == 17 + 40 + 49 + 2
    assert np.isnan(w.loc["WK010603", "welzijn_trajecten"])  # empty in the report = missing


def _reference_index(table: pd.DataFrame, indicators, min_share: float, min_coverage: float) -> pd.Series:
    """A second, plain numpy implementation of the weighted mean of floored z-scores (for wiring checks)."""
    cols = []
    for ind in indicators:
        v = table[ind.kolom].to_numpy(dtype=float)
        centre = np.nanmean(v) if ind.referentie is None else ind.referentie
        cols.append(ind.richting * (v - centre) / max(np.nanstd(v), ind.vloer))
    z = np.column_stack(cols)
    w = np.array([ind.gewicht for ind in indicators])
    present = np.isfinite(z)
    wsum = (present * w).sum(axis=1)
    value = np.where(present, z, 0.0) @ w / np.where(wsum > 0, wsum, np.nan)
    ok = (wsum / w.sum() >= min_share) & (present.sum(axis=1) / len(w) >= min_coverage - 1e-9)
    return pd.Series(np.where(ok, value, np.nan), index=table.index)


@pytest.mark.realdata
def test_assen_overlays_are_computed_from_the_joined_figures(assen_analysis):
    # catches: the pipeline computing the indices from another table than the wijken it writes
    # (a wrong join, the buurten, a stale column), or with other weights than the settings
    w, b = assen_analysis.wijken, assen_analysis.buurten
    s = assen_analysis.settings.overlays
    assert s.schaling == "z_vloer"  # the reference below is of that scaling
    # every wijk but those below the coverage rule (Buitengebied) has a balans
    assert w["balans"].notna().sum() >= len(w) - 1
    for kind in ("draaglast", "draagkracht"):
        ref = _reference_index(w, getattr(s, kind), s.min_gewicht_aandeel, s.min_dekking)
        assert np.allclose(w[kind], ref, atol=1e-9, equal_nan=True), kind
    assert np.allclose(w["balans"], w["draagkracht"] - w["draaglast"], equal_nan=True)
    assert set(w["balans_klasse"]) <= {*s.balans_labels, "onbekend"}
    assert b["focus"].isin(["hoog", "midden", "laag"]).all()
    assert b["veerkracht"].isin(["laag", "midden", "hoog"]).all()
    # catches: the report's buurt signals keyed to another CBS year than the buurten (then they
    # would silently drop out and every buurt would look quiet)
    signals = read_signals(s.buurtsignalen)
    assert set(signals["buurtcode"]) <= set(b.index)
    flagged = b.loc[b["signalen"] != ""]
    assert len(flagged) == signals["buurtcode"].nunique()


@pytest.mark.realdata
def test_accessibility_indicators_move_draagkracht(assen_analysis):
    """The draagkracht indicators this package computes (not the report's) reach the index.

    Catches: the accessibility column missing or misnamed in the wijken (composite_index then
    counts it as missing and the index silently ignores it), the wrong profile's share fed in,
    or its direction reversed.
    """
    from woonzorg_geo.areas.overlays import read_wijkcijfers

    s = assen_analysis.settings.overlays
    w = assen_analysis.wijken
    adr = assen_analysis.adressen
    report_cols = set(read_wijkcijfers(s.wijkcijfers).columns)
    ours = [ind for ind in s.draagkracht if ind.kolom not in report_cols]
    assert ours, "no computed accessibility indicator in [overlays.draagkracht]"
    for ind in ours:
        assert w[ind.kolom].notna().all(), ind.kolom
        # the share is the one of the woningen (share of True per wijk, in %)
        flag = ind.kolom.removeprefix("pct_")
        homes = adr.loc[adr["woning"]]
        share = 100 * homes[flag].astype(float).groupby(homes["wijkcode"]).mean()
        assert np.allclose(w[ind.kolom], share.reindex(w.index)), ind.kolom
        base = wijk_indices(w, s)
        for code in base.index[base["balans"].notna()]:  # a wijk below the coverage rule has no index to move
            for delta in (+10.0, -10.0):
                moved = w.copy()
                moved.loc[code, ind.kolom] = np.clip(w.loc[code, ind.kolom] + delta, 0, 100)
                if moved.loc[code, ind.kolom] == w.loc[code, ind.kolom]:
                    continue
                alt = wijk_indices(moved, s)
                step = np.sign(moved.loc[code, ind.kolom] - w.loc[code, ind.kolom]) * ind.richting
                assert np.sign(alt.loc[code, "draagkracht"] - base.loc[code, "draagkracht"]) == step
                assert np.sign(alt.loc[code, "balans"] - base.loc[code, "balans"]) == step
                assert alt["draaglast"].equals(base["draaglast"])  # not a load indicator


@pytest.mark.realdata
def test_wijkprofielen_written(assen_output):
    pages = sorted((assen_output / "wijkprofielen").glob("wijkprofiel_*.html"))
    assert len(pages) == 10
    text = (assen_output / "wijkprofielen" / "wijkprofiel_lariks.html").read_text(encoding="utf-8")
    for needle in (
        "Wijkprofiel Lariks",
        "CBS Kerncijfers wijken en buurten 2024",
        "draaglast",
        "<svg",
        "Focus en veerkracht per buurt",
        "OpenStreetMap",
    ):
        assert needle in text
    assert "<script" not in text and "http" not in text.split("<svg", 1)[0].split("</style>")[1]
    # issue 25 §5: where the figures come from, and how many indicators are behind the values
    assert "volgens de tabellen van het rapport (2024)" in text and "van 5 indicatoren" in text
    bg = (assen_output / "wijkprofielen" / "wijkprofiel_buitengebied.html").read_text(encoding="utf-8")
    assert "onbekend: te weinig gegevens" in bg
    panel = (assen_output.parent / "maps" / "assen_draagkracht.html").read_text(encoding="utf-8")
    assert "volgens de tabellen van het rapport (2024)" in panel and "draaglast 5 van 5, draagkracht 9 van 9" in panel
    sens = pd.read_csv(assen_output / "gevoeligheid.csv")
    alternatives = [m for m in S.schaling_alternatieven if m != S.schaling]
    assert len(sens) == 2 * (len(S.draaglast) + len(S.draagkracht)) + len(alternatives)
    assert sorted(sens.loc[sens["index"] == "schaling", "indicator"]) == sorted(alternatives)


def test_build_overlays_with_planner_table_reports_mismatches(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    from woonzorg_geo.areas.overlays import build_overlays, read_indicator_table, read_wijkcijfers

    codes = list(read_wijkcijfers(S.wijkcijfers).index)
    wijken = gpd.GeoDataFrame(
        {
            "naam": codes,
            "pct_drie_a_800m_senior": np.linspace(10, 90, len(codes)),
            "pct_ov_en_supermarkt_800m_senior": np.linspace(90, 10, len(codes)),
        },
        index=pd.Index(codes, name="code"),
        geometry=[box(i, 0, i + 1, 1) for i in range(len(codes))],
        crs="EPSG:28992",
    )
    buurten = gpd.GeoDataFrame(
        {"naam": ["Baggelhuizen Noord"], "wijkcode": ["WK010605"]},
        index=pd.Index(["BU01060504"], name="code"),
        geometry=[box(5, 0, 6, 1)],
        crs="EPSG:28992",
    )
    p = tmp_path / "aedes.csv"
    # Excel in Dutch: semicolons and a decimal comma
    p.write_text("code;veerkracht_score\nWK010600;0,5\nWK019999;0,7\n", encoding="utf-8")
    table = read_indicator_table(p)
    s = replace(S, draagkracht=(*S.draagkracht, OverlayIndicator("veerkracht_score", label="Aedes")))
    w, b, rep = build_overlays(wijken, buurten, s, extra_tables=[(str(p), table)])
    assert rep["koppeling"][str(p)]["niet_in_gebieden"] == ["WK019999"]
    assert "WK010601" in rep["koppeling"][str(p)]["zonder_gegevens"]
    assert w.loc["WK010600", "veerkracht_score"] == 0.5
    assert "Aedes" in w.loc["WK010601", "draagkracht_ontbrekend"]
    assert b.loc["BU01060504", "focus"] == "hoog" and b.loc["BU01060504", "wijk_balans_klasse"]
