"""The whole chain (analyse, kaarten, locaties, toets, watals) on the real data with changed settings.

Twice: with ``[bereikbaarheid] norm_m = 600`` and with ``analyse --profiel senior``. Each run must
exit 0, log no warning about a missing column or indicator, and every column name and label must
follow the settings: 600 m (never 800 m), resp. senior as the main profile (unsuffixed columns).
About a minute per run; locaties, toets and watals reuse the analysis kept by analyse (``--uit``).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyogrio
import pytest

from woonzorg_geo.cli.main import main
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.vocabulary import Vocabulary

pytestmark = pytest.mark.realdata
#: Each chain's tests on one worker (the chain runs once), the two chains side by side: see SLOW_GROUPS in conftest.py
NORM600 = pytest.mark.xdist_group("chain_norm600")
SENIOR = pytest.mark.xdist_group("chain_senior")

ADDRESS = "Stationsstraat 44, Assen"
#: Log messages that mean a column or an indicator was not there.
MISSING = re.compile(r"ontbreekt|ontbrekend|zonder kolom|niet doorgerekend|kolom", re.IGNORECASE)
TEXT_SUFFIXES = (".html", ".txt", ".json", ".csv")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class Step:
    code: int
    out: str
    err: str
    warnings: list[str] = field(default_factory=list)


@dataclass
class Chain:
    root: Path
    settings_file: Path | None
    vocab: Vocabulary
    steps: dict[str, Step]

    def texts(self, *parts: str) -> dict[Path, str]:
        """Every text output under the given sub-folders of the run."""
        files = [p for part in parts for p in sorted((self.root / part).rglob("*")) if p.suffix in TEXT_SUFFIXES]
        return {p: p.read_text(encoding="utf-8") for p in files}


def _run(args: list[str]) -> Step:
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        root.removeHandler(handler)
    return Step(code, out.getvalue(), err.getvalue(), [r.getMessage() for r in handler.records])


def _chain(root: Path, raw_dir: Path, *, settings_text: str | None, profile: str | None) -> Chain:
    settings_file = None
    glob = ["--stil", "--data", str(raw_dir)]
    if settings_text:
        settings_file = root / "instellingen.toml"
        settings_file.write_text(settings_text, encoding="utf-8")
        glob += ["--instellingen", str(settings_file)]
    settings = load_settings(settings_file)
    profiles = [profile] if profile else None
    vocab = Vocabulary.from_settings(settings, profiles=profiles)
    other = next((p for p in vocab.profiles if p != vocab.main_profile), vocab.main_profile)
    steps = {
        "analyse": _run(
            [
                *glob,
                "analyse",
                "--out",
                str(root / "uitvoer"),
                "--kaarten",
                str(root / "kaarten"),
                "--offline",
                "--geen-rasters",
                *(["--profiel", profile] if profile else []),
            ]
        ),
    }
    steps["kaarten"] = _run(
        [
            *glob,
            "kaarten",
            "--uit",
            str(root / "uitvoer"),
            "--kaarten",
            str(root / "kaarten_profiel"),
            "--offline",
            "--profiel",
            other,
        ]
    )
    # the later commands reuse the analysis kept in uitvoer/opslag (made with these settings)
    uit = ["--uit", str(root / "uitvoer")]
    steps["locaties"] = _run(
        [
            *glob,
            "locaties",
            "--top",
            "5",
            "--out",
            str(root / "locaties"),
            "--kaarten",
            str(root / "locaties_kaart"),
            "--offline",
            *uit,
        ]
    )
    steps["toets"] = _run(
        [
            *glob,
            "toets",
            "--adres",
            ADDRESS,
            "--type",
            "geclusterd_wonen",
            "--omvang",
            "12",
            "--out",
            str(root / "toets"),
            *uit,
        ]
    )
    steps["watals"] = _run(
        [*glob, "watals", "--nieuw", "supermarkt@6.5480,52.9930", "--out", str(root / "watals"), "--offline", *uit]
    )
    return Chain(root, settings_file, vocab, steps)


@pytest.fixture(scope="module")
def norm600(raw_dir, module_tmp) -> Chain:
    text = "[bereikbaarheid]\nnorm_m = 600.0\ncount_radii_m = [400.0, 600.0]\n"
    return _chain(module_tmp("norm600"), raw_dir, settings_text=text, profile=None)


@pytest.fixture(scope="module")
def senior(raw_dir, module_tmp) -> Chain:
    return _chain(module_tmp("senior"), raw_dir, settings_text=None, profile="senior")


#: "800 m" as a label (not a map feature's popup field "fN", which is data). Anchored on the number
#: itself: a leading ``.{0,60}`` for the context made the search try every position of each
#: (megabyte-sized) map page, about a minute for the pages of one chain.
EIGHT_HUNDRED_M = re.compile(r'(?<!"f\d": ")(?<!"f\d\d": ")\b800(?:\s|&nbsp;|\\u00a0)?m\b')


def _eight_hundred_m(text: str) -> list[str]:
    """Each "800 m" label in ``text``, with up to 60 characters before and 20 after on its line."""
    found = []
    for m in EIGHT_HUNDRED_M.finditer(text):
        start = text.rfind("\n", max(m.start() - 60, 0), m.start()) + 1 or max(m.start() - 60, 0)
        end = text.find("\n", m.end(), m.end() + 20)
        found.append(text[start : end if end >= 0 else m.end() + 20])
    return found


def _columns(chain: Chain, layer: str) -> list[str]:
    return list(pyogrio.read_info(chain.root / "uitvoer" / "woonzorg.gpkg", layer=layer)["fields"])


def _assert_ran(step: Step, name: str) -> None:
    assert step.code == 0, f"{name}: exit {step.code}: {step.err[-2000:]}"
    missing = [w for w in step.warnings if MISSING.search(w)]
    assert not missing, f"{name}: warnings about missing columns: {missing}"


# ------------------------------------------------------------------------------------------------
# norm_m = 600
# ------------------------------------------------------------------------------------------------


@NORM600
@pytest.mark.parametrize("name", ["analyse", "kaarten", "locaties", "watals"])
def test_norm600_runs_without_missing_columns(norm600, name):
    _assert_ran(norm600.steps[name], name)


@NORM600
def test_norm600_columns_follow_the_norm(norm600):
    v = norm600.vocab
    assert v.norm == 600
    for layer in ("adressen", "buurten", "wijken"):
        cols = _columns(norm600, layer)
        assert not [c for c in cols if "800m" in c], layer
    wijken = _columns(norm600, "wijken")
    senior = next(p for p in v.profiles if p != v.main_profile)
    for name in ("ov_en_supermarkt", "drie_a", *v.key_categories):
        assert v.pct(name) in wijken and v.column(v.pct(name), senior) in wijken
    assert "n_huisarts_600m" in _columns(norm600, "adressen")
    summary = json.loads((norm600.root / "uitvoer" / "samenvatting.json").read_text("utf-8"))
    assert summary["norm_m"] == 600 and summary["overlays"]["ontbrekende_indicatoren"] == []


@NORM600
def test_norm600_every_label_says_600(norm600):
    texts = norm600.texts("uitvoer", "kaarten", "kaarten_profiel", "locaties", "locaties_kaart")
    assert len([p for p in texts if p.suffix == ".html"]) >= 10 + 12 + 12 + 1
    # a label or text that still says 800 m; a measured value that happens to round to 800 m (a map
    # feature's popup field "fN") is data, not a label
    bad = {p.name: found for p, t in texts.items() if (found := _eight_hundred_m(t))}
    assert not bad, bad
    for p in (
        norm600.root / "uitvoer" / "samenvatting.txt",
        norm600.root / "kaarten" / "assen_bereikbaarheid.html",
        norm600.root / "uitvoer" / "wijkprofielen" / "wijkprofiel_centrum.html",
        norm600.root / "kaarten_profiel" / "wijk_lariks.html",
    ):
        assert "600 m" in texts[p], p.name
    assert "600 m" in norm600.steps["analyse"].out and "800 m" not in norm600.steps["analyse"].out
    # the wijkprofiel shows the accessibility indicators of the draagkracht with a value, not "onbekend"
    page = texts[norm600.root / "uitvoer" / "wijkprofielen" / "wijkprofiel_lariks.html"]
    assert "Elke indicator heeft een waarde voor deze wijk" in page


@NORM600
def test_norm600_toets_follows_the_norm(norm600):
    _assert_ran(norm600.steps["toets"], "toets")
    texts = norm600.texts("toets")
    # the report's own norm may be cited as the source ("800 m in het rapport"), never used as the norm
    assert texts and not [p for p, t in texts.items() if re.search(r"\b800\s?m\b(?! in het rapport)", t)]
    assert any("600 m" in t for t in texts.values())


@NORM600
def test_norm600_watals_follows_the_norm(norm600):
    step = norm600.steps["watals"]
    assert "binnen 600 m" in step.out and not re.search(r"\b800\s?m", step.out)
    texts = norm600.texts("watals")
    assert {p.name for p in texts} >= {"watals_buurten.csv", "watals_wijken.csv", "watals.json", "watals_kaart.html"}
    header = texts[norm600.root / "watals" / "watals_wijken.csv"].splitlines()[0]
    assert "pct_supermarkt_600m_voor" in header and "800m" not in header
    assert not [p.name for p, t in texts.items() if re.search(r"\b800\s?m\b", t)]
    # the store was used (no analysis again): nothing logged about it
    assert not [w for w in step.warnings if "opgeslagen analyse" in w]


# ------------------------------------------------------------------------------------------------
# --profiel senior
# ------------------------------------------------------------------------------------------------


@SENIOR
@pytest.mark.parametrize("name", ["analyse", "kaarten", "locaties", "toets", "watals"])
def test_senior_runs_without_missing_columns(senior, name):
    _assert_ran(senior.steps[name], name)


@SENIOR
def test_senior_columns_are_the_main_ones(senior):
    v = senior.vocab
    assert v.main_profile == "senior" and v.profiles == ("senior",)
    others = [p for p in load_settings().profielen if p != "senior"]
    for layer in ("adressen", "buurten", "wijken"):
        cols = _columns(senior, layer)
        assert not [c for c in cols if any(c.endswith(f"_{p}") for p in (*others, "senior"))], layer
    wijken = _columns(senior, "wijken")
    assert v.pct("drie_a") in wijken and v.pct("ov_en_supermarkt") in wijken
    summary = json.loads((senior.root / "uitvoer" / "samenvatting.json").read_text("utf-8"))
    assert list(summary["profielen"]) == ["senior"] and summary["hoofdprofiel"] == "senior"
    assert summary["overlays"]["ontbrekende_indicatoren"] == []
    import geopandas as gpd

    w = gpd.read_file(senior.root / "uitvoer" / "woonzorg.gpkg", layer="wijken")
    settings = load_settings()
    walk = [v.resolve_indicator(i) for i in settings.overlays.draagkracht if i.profiel]
    assert walk and all(i.kolom in wijken for i in walk)  # the senior indicators are there ...
    for text in w["draagkracht_ontbrekend"].fillna(""):  # ... with a value in every wijk
        assert not [i.label for i in walk if i.label in text], text
    # 'onbekend' only where the coverage rule says so (Buitengebied: too few of the report's indicators)
    assert w["balans_klasse"].notna().all()
    unknown = w["balans_klasse"].eq("onbekend")
    assert unknown.sum() <= 1 and w.loc[unknown, "overlay_toelichting"].str.contains("te weinig gegevens").all()


@SENIOR
def test_senior_every_label_says_senior(senior):
    label = senior.vocab.profile_label("senior")
    texts = senior.texts("uitvoer", "kaarten", "kaarten_profiel")
    others = [p for p in load_settings().profielen if p != "senior"]
    for p, t in texts.items():
        for o in others:
            assert f"profiel {o}" not in t.lower() and f"({o})" not in t, (p.name, o)
    for p in (
        senior.root / "kaarten" / "assen_bereikbaarheid.html",
        senior.root / "kaarten" / "wijk_centrum.html",
        senior.root / "kaarten_profiel" / "assen_bereikbaarheid.html",
    ):
        assert f"profiel {label}" in texts[p], p.name
    assert f"Profiel {label}" in texts[senior.root / "uitvoer" / "samenvatting.txt"]
    page = texts[senior.root / "uitvoer" / "wijkprofielen" / "wijkprofiel_centrum.html"]
    assert "Bereikbaarheid te voet (senior)" in page and label in page
    assert "Elke indicator heeft een waarde voor deze wijk" in page
    toets = senior.texts("toets")
    assert toets and all("senior" in t for p, t in toets.items() if p.suffix == ".html")
