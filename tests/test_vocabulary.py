"""The vocabulary (names, labels, norm, profile suffixes) and the Dutch formatter, on small inputs."""

from __future__ import annotations

import logging
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from woonzorg_geo.areas.aggregation import aggregate, overall
from woonzorg_geo.areas.overlays import wijk_indices
from woonzorg_geo.cli.main import main
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.overlay_settings import OverlayIndicator
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.vocabulary import Z_SCORE_EXPLANATION, Vocabulary
from woonzorg_geo.outputs.report import wijkprofiel_html
from woonzorg_geo.run.pipeline import summary_text

S = load_settings()


def _settings_file(tmp_path, text: str):
    path = tmp_path / "instellingen.toml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


# ------------------------------------------------------------------------------------------------
# Formatting
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: fmt.number(37375), "37.375"),
        (lambda: fmt.number(1604.53, 1, unit=" km"), "1.604,5 km"),
        (lambda: fmt.number(-1234.56, 1), "−1.234,6"),
        (lambda: fmt.number(-0.001, 2), "0,00"),  # no "−0,00"
        (lambda: fmt.percent(64.78), "64,8%"),
        (lambda: fmt.metres(1436.5), "1.436 m"),  # half to even, as Python rounds
        (lambda: fmt.minutes(17.54), "17,5 min"),
        (lambda: fmt.signed(1.034), "+1,03"),
        (lambda: fmt.signed(-0.5417), "−0,54"),
        (lambda: fmt.text(np.float64(3.0)), "3"),
        (lambda: fmt.text(0.5), "0,5"),
        (lambda: fmt.text(True), "ja"),
    ],
)
def test_dutch_numbers(call, expected):
    assert call() == expected


@pytest.mark.parametrize("value", [None, float("nan"), np.nan, pd.NA, np.inf, "", "nan"])
def test_one_text_for_a_missing_value(value):
    assert fmt.text(value) == fmt.MISSING == "onbekend"
    assert fmt.is_missing(value)
    if not isinstance(value, str):
        assert fmt.number(value, 1) == fmt.percent(value) == fmt.metres(value) == "onbekend"


# ------------------------------------------------------------------------------------------------
# Vocabulary: names follow the norm and the profiles of the run
# ------------------------------------------------------------------------------------------------


def test_default_names_and_suffix_rule():
    v = Vocabulary.from_settings(S)
    main_profile, other = list(S.profielen)[:2]
    assert v.main_profile == main_profile and v.suffix(main_profile) == "" and v.suffix(other) == f"_{other}"
    assert v.pct("drie_a") == f"pct_drie_a_{int(S.bereikbaarheid.norm_m)}m"
    assert v.column(v.pct("ov"), other) == f"pct_ov_{v.norm}m_{other}"
    assert v.composites == {c.name: c.delen for c in S.bereikbaarheid.samengesteld}
    assert v.composites["ov"] == ("ov_halte", "treinstation")
    assert v.split_profile(f"tijd_huisarts_min_{other}") == ("tijd_huisarts_min", other)
    assert v.split_profile("tijd_huisarts_min") == ("tijd_huisarts_min", None)
    # the other profile alone: its columns are the main ones (no suffix)
    alone = Vocabulary.from_settings(S, profiles=[other])
    assert alone.main_profile == other and alone.suffix(other) == ""


def test_norm_600_renames_columns_and_labels(tmp_path):
    s = _settings_file(tmp_path, "[bereikbaarheid]\nnorm_m = 600\n")
    v = Vocabulary.from_settings(s)
    assert v.norm_text == "600 m" and v.pct("ov_en_supermarkt") == "pct_ov_en_supermarkt_600m"
    label = v.field_label(v.column("pct_ov_en_supermarkt_600m", "senior"))
    assert label == "OV-halte én supermarkt ≤ 600 m (senior)"
    assert v.field_label("med_afstand_ov_m") == "Mediane loopafstand OV-halte of station"
    assert "800" not in v.share_label("drie_a")
    assert v.format("pct_drie_a_600m_senior", 48.46) == "48,5%"
    assert v.format("balans", -1.346) == "−1,35"
    assert v.format("med_afstand_huisarts_m", np.nan) == "onbekend"


def test_overlay_indicators_follow_norm_and_profile(tmp_path, caplog):
    s = _settings_file(tmp_path, "[bereikbaarheid]\nnorm_m = 600\n")
    both = Vocabulary.from_settings(s).resolve_overlays(s.overlays)
    cols = [i.kolom for i in both.draagkracht]
    assert "pct_drie_a_600m_senior" in cols and "pct_ov_en_supermarkt_600m_senior" in cols
    assert not any("{" in i.kolom or "{" in i.label or "800" in i.label for i in both.draagkracht)
    senior = Vocabulary.from_settings(s, profiles=["senior"]).resolve_overlays(s.overlays)
    assert "pct_drie_a_600m" in [i.kolom for i in senior.draagkracht]
    # resolving twice changes nothing (the Analysis carries resolved settings)
    v = Vocabulary.from_settings(s)
    assert v.resolve_overlays(both) == both
    # the profile was not computed: the main profile's column, said in the label and the log
    with caplog.at_level(logging.WARNING, logger="woonzorg_geo"):
        std = Vocabulary.from_settings(s, profiles=["standaard"]).resolve_overlays(s.overlays)
    ind = next(i for i in std.draagkracht if i.kolom == "pct_drie_a_600m")
    assert "senior niet doorgerekend" in ind.label and "senior" in caplog.text


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[bereikbaarheid]\nnorm_m = 612.5\n", "geheel aantal meters"),
        ('[bereikbaarheid.samengesteld.zorg]\ndelen = ["ziekenhuis", "woonzorg"]\n', "woonzorg"),
        ('[bereikbaarheid]\nkerncategorieen = ["bakker"]\n', "bakker"),
        ('[[overlays.draagkracht]]\nkolom = "pct_drie_a_{afstand}m"\n', "{afstand}"),
        ('[[overlays.draagkracht]]\nkolom = "pct_drie_a_{norm}m"\nprofiel = "rollator"\n', "rollator"),
    ],
)
def test_bad_vocabulary_settings_are_refused(tmp_path, toml, needle):
    with pytest.raises(SettingsError, match=needle.replace("{", r"\{").replace("}", r"\}")):
        _settings_file(tmp_path, toml)


def test_profile_defined_in_toml_is_a_choice(tmp_path, capsys):
    s = _settings_file(
        tmp_path, '[profielen.rollator]\nlabel = "rollator (0,6 m/s)"\nspeed_m_s = 0.6\navoid_steps = true\n'
    )
    v = Vocabulary.from_settings(s, profiles=["rollator", "senior"])
    assert v.suffix("senior") == "_senior" and v.profile_label("rollator") == "rollator (0,6 m/s)"
    # the command line refuses an unknown profile before loading any data, naming the choices
    code = main(
        [
            "--instellingen",
            str(tmp_path / "instellingen.toml"),
            "analyse",
            "--profiel",
            "fiets",
            "--out",
            str(tmp_path / "uit"),
            "--geen-kaarten",
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "fiets" in err and "rollator" in err and "senior" in err
    assert not (tmp_path / "uit").exists()


# ------------------------------------------------------------------------------------------------
# Outputs use the vocabulary
# ------------------------------------------------------------------------------------------------


def _adressen(norm: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "buurtcode": ["B", "B", "B", "C"],
            "afstand_ov_m": [100.0, 700.0, np.nan, 50.0],
            "afstand_supermarkt_m": [550.0, 650.0, 100.0, 50.0],
            f"ov_en_supermarkt_{norm}m": [True, False, False, True],
        }
    )


def test_aggregate_names_follow_the_norm():
    areas = gpd.GeoDataFrame(
        {"naam": ["b", "c"]},
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        index=pd.Index(["B", "C"], name="code"),
        crs="EPSG:28992",
    )
    out = aggregate(_adressen(600), areas, key="buurtcode", norm_m=600)
    assert out.loc["B", "pct_ov_600m"] == pytest.approx(100 / 3)  # 700 m is beyond 600 m
    assert out.loc["B", "pct_supermarkt_600m"] == pytest.approx(200 / 3)
    assert out.loc["B", "pct_ov_en_supermarkt_600m"] == pytest.approx(100 / 3)
    assert not [c for c in out.columns if "800" in c]
    only = aggregate(_adressen(600), areas, key="buurtcode", norm_m=600, categories=["ov"])
    assert "pct_ov_600m" in only and "pct_supermarkt_600m" not in only
    assert overall(_adressen(600), norm_m=600)["pct_ov_en_supermarkt_600m"] == 50.0


def _summary(norm: int) -> dict:
    prof = {
        "label": "x",
        "snelheid_m_s": 1.3333,
        "eilanden": 3,
        "grootste_deel_pct_lengte": 99.25,
        "adressen_snap_m": {"mediaan": 12.5, "p99": 42.2},
        "adressen_te_ver": 0,
        "gemeente": {
            f"pct_ov_en_supermarkt_{norm}m": 64.78,
            f"pct_drie_a_{norm}m": 48.4,
            "med_afstand_huisarts_m": 680.9,
        },
    }
    return {
        "gemeente": {"naam": "Proefdorp", "code": "GM9999"},
        "norm_m": norm,
        "netwerk": {
            "knopen": 67615,
            "segmenten": 75315,
            "lengte_km": 1604.5,
            "naden_gedicht": 1,
            "trappen_segmenten": 136,
        },
        "adressen": 37375,
        "adressen_buiten_buurt_toegekend": 23,
        "voorzieningen": {"ov_halte": 236},
        "profielen": {"standaard": prof, "senior": prof},
        "overlays": {
            "gevoeligheid_factor": 0.25,
            "gevoeligheid_max_rangverschuiving": 1,
            "gevoeligheid_varianten_met_verschuiving": 3,
            "gevoeligheid_varianten": 26,
        },
        "tijden_s": {"netwerk": 1.234},
    }


def test_summary_text_is_dutch_and_follows_the_norm():
    wijken = pd.DataFrame(
        {
            "naam": ["Centrum"],
            "n_adressen": [5080],
            "pct_ov_en_supermarkt_600m": [87.34],
            "draaglast": [1.03],
            "draagkracht": [-0.32],
            "balans": [-1.35],
            "balans_klasse": ["sterk onder druk"],
        },
        index=["WK1"],
    )
    text = summary_text(_summary(600), wijken=wijken)
    for needle in (
        "67.615 knopen",
        "1.604,5 km",
        "64,8%",
        "99,2%",
        "681 m",
        "600 m",
        "87,3%",
        "5.080",
        "−1,35",
        "±25%",
        "OV-halte 236",
        Z_SCORE_EXPLANATION,
    ):
        assert needle in text, needle
    assert "800" not in text and "nan" not in text.lower()
    assert text.count("z-scores: ze vergelijken") == 1


def test_drivers_name_what_pulls_a_negative_index_down():
    wijken = pd.DataFrame(
        {
            "last": [1.0, 2.0, 3.0, 4.0],
            "a": [10.0, 20.0, 30.0, 40.0],
            "b": [40.0, 30.0, 20.0, 10.0],
            "c": [1.0, 1.0, 1.0, 9.0],
        },
        index=["W0", "W1", "W2", "W3"],
    )
    s = replace(
        S.overlays,
        draaglast=(OverlayIndicator("last", label="last"),),
        draagkracht=(
            OverlayIndicator("a", label="kracht A"),
            OverlayIndicator("b", label="kracht B", gewicht=0.2),
            OverlayIndicator("c", label="kracht C"),
        ),
    )
    out = wijk_indices(wijken, s)
    w0 = out.loc["W0", "overlay_toelichting"]  # A lowest, C below average: draagkracht negative
    assert out.loc["W0", "draagkracht"] < 0
    kracht = w0.split("draagkracht", 1)[1]
    assert "kracht A (−1,3)" in kracht and "kracht C (−0,6)" in kracht and "kracht B" not in kracht
    w3 = out.loc["W3", "overlay_toelichting"].split("draagkracht", 1)[1]
    assert out.loc["W3", "draagkracht"] > 0 and "kracht C (+1,7)" in w3 and "kracht B" not in w3


def test_wijkprofiel_has_no_nan_and_names_what_is_not_modelled():
    settings = replace(S, overlays=Vocabulary.from_settings(S).resolve_overlays(S.overlays))
    vocab = Vocabulary.from_settings(S)
    geom = box(0, 0, 1000, 1000)
    wijk = pd.Series(
        {
            "naam": "Proefwijk",
            "geometry": geom,
            "n_adressen": 1234,
            "draaglast": 0.5,
            "draagkracht": -0.25,
            "balans": -0.75,
            "balans_klasse": "onder druk",
            "overlay_toelichting": "draaglast +0,50",
            "draaglast_ontbrekend": "",
            "draagkracht_ontbrekend": "rapportcijfer zorgaanbod",
            vocab.pct("drie_a"): 48.46,
            vocab.column(vocab.pct("drie_a"), "senior"): np.nan,
        }
    )
    buurten = gpd.GeoDataFrame(
        {
            "naam": ["Noord"],
            "focus": ["laag"],
            "focus_redenen": [np.nan],
            "veerkracht": ["midden"],
            "veerkracht_redenen": ["geen bijzondere signalen"],
        },
        geometry=[geom],
        index=["BU1"],
        crs="EPSG:28992",
    )
    vz = gpd.GeoDataFrame(
        {
            "categorie": ["huisarts", "supermarkt"],
            "label": ["Huisarts", "Supermarkt"],
            "naam": [np.nan, "Jumbo"],
            "bron": ["huisartsenlijst", "osm"],
        },
        geometry=[Point(100, 100), Point(200, 200)],
        crs="EPSG:28992",
    )
    page = wijkprofiel_html("WK1", wijk, buurten, vz, settings, vocabulary=vocab)
    assert "nan" not in page.lower().replace("nanny", "")
    assert "<title>Huisarts</title>" in page and "Supermarkt: Jumbo" in page
    assert "48,5% / onbekend" in page
    assert "Ontbrekend" not in page and "niets" not in page
    assert "vergrijzing" in page and "verouderde woningvoorraad" in page
    assert "rapportcijfer zorgaanbod" in page.split("Geen waarde voor deze wijk", 1)[1]
    assert page.count("z-scores: ze vergelijken") == 1
    assert f"loopnorm {vocab.norm_text}" in page
