"""Issue 25: the report's focus buurten, the coverage rule, a scaling that respects real differences,
indicator roles from the report (switchable), vergrijzing in the load, where the figures come from."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from woonzorg_geo.areas.overlays import (
    composite_index,
    floored_z,
    rank_scores,
    read_signals,
    read_wijk_facts,
    sensitivity,
    wijk_indices,
    zscores,
)
from woonzorg_geo.areas.overlays.build import provenance, provenance_short, provenance_text
from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.overlay_settings import OverlayIndicator
from woonzorg_geo.core.settings_loader import load_settings

S = load_settings().overlays

#: The buurten the report names as focus on its wijk pages (issue 25), by CBS 2024 code.
SEVEN = {
    "BU01060105": "Luchiesland Noord",
    "BU01060103": "Luchiesland Zuid",
    "BU01060203": "Zwarte Water",
    "BU01060205": "Componistenbuurt Oost",
    "BU01060305": "Vredeveld Noord",
    "BU01060307": "Vredeveld Zuid",
    "BU01060504": "Baggelhuizen Noord",
}


# --- scaling ---------------------------------------------------------------------------------


def test_floor_keeps_small_differences_small():
    # mantelzorg per wijk in the report: 13–16 %; plain z blows the 3 points up
    mantelzorg = pd.Series([13, 13, 14, 14, 14, 15, 15, 14, 14, 16], dtype=float)
    plain = zscores(mantelzorg)
    floored = floored_z(mantelzorg, floor=5.0)
    assert plain.max() > 2.0 and plain.min() < -1.0
    assert floored.abs().max() < 0.5
    assert floored.tolist() == pytest.approx(((mantelzorg - mantelzorg.mean()) / 5.0).tolist())


def test_floor_leaves_real_spreads_alone_and_centres_on_the_reference():
    wide = pd.Series([10.0, 30.0, 50.0, np.nan])
    assert floored_z(wide, floor=5.0).tolist()[:3] == pytest.approx(zscores(wide).tolist()[:3])
    assert np.isnan(floored_z(wide, floor=5.0).iloc[3])
    # 65+ known for three wijken only: measured against the national share, not their own mean
    old = pd.Series([33.0, 28.0, 26.0, np.nan])
    z = floored_z(old, floor=5.0, centre=20.0)
    assert z.tolist()[:3] == pytest.approx([13 / 5, 8 / 5, 6 / 5])
    assert (z.dropna() > 0).all()  # the third-oldest wijk is not 'young'
    assert zscores(old).iloc[2] < 0  # as plain z would make it


def test_rank_scores_ignore_distances():
    a = rank_scores(pd.Series([1.0, 2.0, 100.0]))
    b = rank_scores(pd.Series([1.0, 2.0, 3.0]))
    assert a.tolist() == pytest.approx(b.tolist())


def test_scaling_setting_reaches_the_index():
    table = pd.DataFrame({"a": [13.0, 14.0, 16.0]}, index=["W1", "W2", "W3"])
    ind = (OverlayIndicator("a", vloer=5.0),)
    z = composite_index(table, ind, min_weight_share=0.5, scaling="z").value
    zv = composite_index(table, ind, min_weight_share=0.5, scaling="z_vloer").value
    assert z.abs().max() > 1.0 and zv.abs().max() < 0.5


# --- coverage --------------------------------------------------------------------------------


def test_coverage_rule_counts_indicators():
    table = pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": [1.0, np.nan, 2.0], "c": [3.0, np.nan, 1.0], "d": [1.0, 5.0, np.nan]},
        index=["W1", "W2", "W3"],
    )
    inds = [OverlayIndicator(k) for k in "abcd"]
    res = composite_index(table, inds, min_weight_share=0.0, min_coverage=0.75)
    assert res.n_present.tolist() == [4, 2, 3] and res.n_total == 4
    assert np.isfinite(res.value["W1"]) and np.isfinite(res.value["W3"])  # 3 of 4 is enough
    assert np.isnan(res.value["W2"])  # 2 of 4 is not


def test_wijk_without_coverage_is_onbekend_with_its_count():
    table = pd.DataFrame(
        {"l1": [1.0, 2.0, 3.0], "l2": [2.0, 1.0, np.nan], "k1": [5.0, 6.0, 7.0], "k2": [1.0, 3.0, 2.0]},
        index=["W1", "W2", "W3"],
    )
    s = replace(
        S,
        draaglast=(OverlayIndicator("l1"), OverlayIndicator("l2")),
        draagkracht=(OverlayIndicator("k1"), OverlayIndicator("k2")),
        min_gewicht_aandeel=0.0,
    )
    out = wijk_indices(table, s)
    assert out.loc["W3", "balans_klasse"] == "onbekend" and np.isnan(out.loc["W3", "balans"])
    assert out.loc["W3", "draaglast_n_indicatoren"] == 1 and out.loc["W3", "draagkracht_n_indicatoren"] == 2
    assert out.loc["W3", "indicatoren_dekking"] == "draaglast 1 van 2, draagkracht 2 van 2 indicatoren"
    assert "1 van 2" in out.loc["W3", "overlay_toelichting"]
    assert out.loc["W1", "balans_klasse"] != "onbekend"
    lenient = wijk_indices(table, replace(s, min_dekking=0.5))
    assert lenient.loc["W3", "balans_klasse"] != "onbekend"


# --- settings: roles, switches ---------------------------------------------------------------


def test_roles_from_the_report_in_the_settings():
    load = {i.kolom: i for i in S.draaglast}
    cap = {i.kolom: i for i in S.draagkracht}
    assert "pct_65plus" in load and load["pct_65plus"].referentie is not None and load["pct_65plus"].referentie_bron
    assert "wmo_wrv_per_1000" in cap and "wmo_wrv_per_1000" not in load and "wmo_totaal_per_1000" not in load
    assert "pct_eenpersoonshuishoudens" not in load
    assert "pct_eenpersoonshuishoudens" in {i.kolom for i in S.uitgeschakeld}
    for ind in (*S.draaglast, *S.draagkracht):
        assert ind.rapport and ind.reden and ind.vloer > 0, ind.kolom


def test_switch_and_scaling_are_checked(tmp_path):
    from woonzorg_geo.core.settings_loader import load_settings as load

    p = tmp_path / "instellingen.toml"
    p.write_text('[overlays]\nschaling = "minmax"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="minmax"):
        load(p)
    p.write_text(
        '[[overlays.draaglast]]\nkolom = "pct_65plus"\n\n[[overlays.draaglast]]\nkolom = "x"\naan = false\n',
        encoding="utf-8",
    )
    s = load(p).overlays
    assert [i.kolom for i in s.draaglast] == ["pct_65plus"] and [i.kolom for i in s.uitgeschakeld] == ["x"]


def test_wijk_facts_give_vergrijzing_for_three_wijken():
    facts = read_wijk_facts(S.feiten)
    v = facts["pct_65plus"].dropna()
    assert v.to_dict() == {"WK010600": 33.0, "WK010601": 26.0, "WK010602": 28.0}


# --- sensitivity -----------------------------------------------------------------------------


def test_sensitivity_reports_class_changes_per_scaling():
    # a: 3 points apart (within a floor of 5), b: large spread. Under plain z, a weighs as much as b
    wijken = pd.DataFrame(
        {"naam": ["P", "Q", "R", "T"], "a": [13.0, 16.0, 14.0, 15.0], "b": [10.0, 12.0, 60.0, 40.0]},
        index=["W1", "W2", "W3", "W4"],
    )
    s = replace(
        S,
        draaglast=(OverlayIndicator("a", vloer=5.0),),
        draagkracht=(OverlayIndicator("b", vloer=5.0),),
        schaling="z_vloer",
        schaling_alternatieven=("z", "rang"),
    )
    rep = sensitivity(wijken, s)
    rows = rep.loc[rep["index"] == "schaling"].set_index("indicator")
    assert list(rows.index) == ["z", "rang"]
    base = wijk_indices(wijken, s)["balans_klasse"]
    plain = wijk_indices(wijken, s, scaling="z")["balans_klasse"]
    assert rows.loc["z", "klassen_veranderd"] == int((base != plain).sum()) > 0
    first = wijken.loc[(base != plain).idxmax(), "naam"]
    assert first in rows.loc["z", "klassewijzigingen"] and "→" in rows.loc["z", "klassewijzigingen"]


def test_sensitivity_is_empty_where_nothing_varies():
    wijken = pd.DataFrame({"naam": ["P", "Q"]}, index=["W1", "W2"])
    rep = sensitivity(wijken, S)
    assert rep.empty and "klassen_veranderd" in rep.columns


# --- provenance ------------------------------------------------------------------------------


def test_provenance_names_the_report_tables():
    wijken = pd.DataFrame({"pct_mantelzorg": [1.0], "pct_drie_a_800m_senior": [50.0]}, index=["W1"])
    s = replace(
        S,
        draaglast=(OverlayIndicator("pct_65plus", label="65+"),),
        draagkracht=(
            OverlayIndicator("pct_mantelzorg", label="mantelzorg"),
            OverlayIndicator("pct_drie_a_800m_senior", label="drie A's", bron="woonzorg_geo, OSM 2021"),
            OverlayIndicator("eigen", label="eigen cijfer"),
        ),
    )
    rec = provenance(wijken, s, from_report={"pct_mantelzorg", "pct_65plus"}, from_planner={"eigen": "mijn.csv"})
    where = {r["kolom"]: r["herkomst"] for r in rec}
    assert where["pct_mantelzorg"] == where["pct_65plus"] == "volgens de tabellen van het rapport (2024)"
    assert where["pct_drie_a_800m_senior"] == "woonzorg_geo, OSM 2021"
    assert where["eigen"] == "eigen tabel mijn.csv"
    text = provenance_text(rec, s)
    assert text.startswith("Volgens de tabellen van het rapport (2024): 65+, mantelzorg.")
    assert "drie A's: woonzorg_geo, OSM 2021." in text
    short = provenance_short(rec, s)
    assert short.startswith("2 van 4 indicatoren volgens de tabellen van het rapport (2024), 2 uit andere bronnen")
    assert "herhaalt" not in short  # half, not most: the ordering does not just restate the report
    most = provenance_short(
        [*rec, {"index": "draaglast", "kolom": "x", "label": "x", "herkomst": s.herkomst_rapport}], s
    )
    assert "herhaalt daarmee grotendeels het rapport" in most


# --- the real data ---------------------------------------------------------------------------


def test_the_seven_are_in_the_shipped_signals():
    sig = read_signals(S.buurtsignalen)
    focus = set(sig.loc[sig["signaal"] == "focus", "buurtcode"])
    assert focus == set(SEVEN)
    for code in SEVEN:
        text = " ".join(sig.loc[(sig["buurtcode"] == code) & (sig["signaal"] == "focus"), "toelichting"])
        assert "rapport" in text and "wijkpagina" in text, code


@pytest.mark.realdata
def test_report_focus_buurten_are_focus_and_quiet_centrum_buurten_are_not(assen_analysis):
    b = assen_analysis.buurten
    for code, naam in SEVEN.items():
        assert b.loc[code, "naam"] == naam
        assert b.loc[code, "focus"] == "hoog", naam
        reason = b.loc[code, "focus_redenen"]
        assert "in het rapport genoemd als focusbuurt" in reason
        # either the Aedes signals carry 'hoog' themselves, or the page says what they lack
        assert any(t in reason for t in ("overlast/onveiligheid samen met", "ontbreekt", "geen Aedes-signalen")), naam
    for naam in ("Asserbos", "Zuiderpark"):
        row = b.loc[b["naam"] == naam].iloc[0]
        assert row["focus"] == "laag", naam
        assert row["wijkcode"] == "WK010600"
        # the wijk's load is shown beside it, not in it
        assert "Centrum" in row["wijk_context"] and "draaglast" in row["wijk_context"]


@pytest.mark.realdata
def test_buitengebied_has_no_class_on_half_the_data(assen_analysis):
    w = assen_analysis.wijken
    s = assen_analysis.settings.overlays
    bg = w.loc["WK010699"]
    n_load, n_cap = int(bg["draaglast_n_indicatoren"]), int(bg["draagkracht_n_indicatoren"])
    enough = n_load >= s.min_dekking * len(s.draaglast) and n_cap >= s.min_dekking * len(s.draagkracht)
    assert bg["balans_klasse"] == ("onbekend" if not enough else bg["balans_klasse"])
    assert not enough  # with the report's tables: 3 of 5 and 5 of 9
    assert f"{n_load} van {len(s.draaglast)}" in bg["indicatoren_dekking"]


@pytest.mark.realdata
def test_wijk_ordering_stays_the_reports(assen_analysis):
    w = assen_analysis.wijken.dropna(subset=["balans"]).sort_values("balans")
    assert w["naam"].iloc[0] == "Lariks"
    assert w["naam"].iloc[-1] in ("Kloosterveen", "Buitengebied")
    assert list(w["naam"].iloc[:3]) == ["Lariks", "Centrum", "Noorderpark"]
    # vergrijzing reaches the load of the three oldest wijken
    assert w.loc[["WK010600", "WK010601", "WK010602"], "pct_65plus"].notna().all()
