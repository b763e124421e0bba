"""Hostile names through every command that takes user text: nothing runs, nothing is lost (issue 18, item 2).

A set of hostile texts (script in a JavaScript template literal, an ``<img onerror>``, ``</script>``, a lone
backtick, an attribute break, formulas for a spreadsheet, quotes, a newline) is fed through

- ``toets --lijst`` (the ``naam`` and ``adres`` columns) with ``--register`` (the register's names), on a
  copy of the Assen analysis;
- ``watals --weg NAAM`` with voorzieningen, wijken and buurten carrying those names (the analysis
  loaded from the store, then renamed: as if the data files held them);
- ``kaarten`` on a small output folder whose wijken, buurten, voorzieningen and gemeente carry them,
  with a settings file whose gemeente and category labels do;
- ``figuren`` on the same folder (a name with ``$`` is not mathematics).

Every HTML output is opened in headless Chromium (one browser for the module): every tooltip and popup
is rendered and opened, every layer switched on; the page's title must be its own (no payload set
it), no global flag set, no JavaScript error, every marker on the map, and the hostile text shown as
typed. Every CSV cell that begins with a formula character is neutralised. Each (hostile text, output)
pair is one case. In CI the test fails (does not skip) when Chromium is missing.
"""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pytest
from badinput import assert_refused, linked_copy, snapshot
from chromium import Chromium, running_chromium
from test_maps import make_output

from woonzorg_geo.cli.main import main
from woonzorg_geo.core.escaping import CSV_TRIGGERS

realdata = pytest.mark.realdata

#: The hostile texts. The "script" ones must neither run nor break a page; the "formula" ones must not
#: reach a spreadsheet as a formula.
NAMES = {
    "template_literal": "${document.title=String.fromCharCode(88,83,83)}",
    "img_onerror": "<img src=x onerror=\"document.title='XSS'\">",
    "script_end": "</script><script>document.title='XSS'</script>",
    "backtick": "`",
    "substitution": "${'x'}",
    "attribute_break": '"><svg onload="window.__xss=\'svg\'">',
    "backslash_backtick": "\\\\`+(window.__xss='backslash')+`",
    "quotes": "Zorg 't \"Hofje\" & Co's",
    "newline": "Hofje aan de Vaart\nblok <b>B</b>",
    "formula_hyperlink": '=HYPERLINK("http://x")',
    "formula_plus": "+1+1",
    "formula_minus": "-2+3",
    "formula_at": "@SUM(A1)",
    "formula_tab": "\t=1+1",
    "formula_cr": "\r=2+2",
}
SCRIPT = [k for k in NAMES if not k.startswith("formula_")]
FORMULA = [k for k in NAMES if k.startswith("formula_")]


def _norm(text: str) -> str:
    """Whitespace as a browser's text shows it (tooltips keep newlines, popups turn them into spaces)."""
    return " ".join(str(text).split())


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _accepted(run: dict) -> None:
    """The command took the hostile text as data: exit 0, its summary (``needle``) printed, no traceback,
    and the folder it read byte for byte as before."""
    assert run["code"] == 0, f"exit {run['code']}: {run['err']}"
    assert run["needle"] in run["stdout"], (run["needle"], run["stdout"])
    assert "Traceback" not in run["err"] and "Onverwachte fout" not in run["err"], run["err"]
    changed = sorted(
        k for k in run["before"].keys() | run["after"].keys() if run["before"].get(k) != run["after"].get(k)
    )
    assert not changed, f"the folder the command read changed: {changed[:5]}"


# ------------------------------------------------------------------------------------------------
# The browser and what it sees of a page
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    with running_chromium("the hostile-names test") as b:
        yield b


# Tick every layer of the layer control, render the content of every tooltip and popup (for a
# GeoJSON layer: of each feature) into the page, open those of the markers on the map, and wait for
# images to fail: an <img onerror> or <svg onload> that survived escaping runs now.
_PROBE = r"""(async () => {
  const values = Object.keys(window).map(k => { try { return window[k]; } catch (e) { return null; } });
  const map = values.find(v => window.L && v instanceof L.Map);
  const out = {tooltips: [], popups: [], layers: [], icons: [], paths: 0, voorzieningen: 0, maps: map ? 1 : 0};
  if (map) {
    // as a user would: tick every layer in the layer control (counted before an exclusive group
    // switches the others off again, which it does after a timeout)
    document.querySelectorAll('.leaflet-control-layers-overlays input').forEach(i => { if (!i.checked) { i.click(); } });
    const sink = document.createElement('div');
    sink.style.display = 'none';
    document.body.appendChild(sink);
    const show = (content, layer, into) => {
      const c = typeof content === 'function' ? content(layer) : content;
      if (c === null || c === undefined) { return; }
      const d = document.createElement('div');
      if (typeof c === 'string') { d.innerHTML = c; } else { d.appendChild(c.cloneNode(true)); }
      sink.appendChild(d);
      into.push(d.textContent);
    };
    for (const l of values.filter(v => v instanceof L.Layer)) {
      const t = l.getTooltip ? l.getTooltip() : null, p = l.getPopup ? l.getPopup() : null;
      for (const [x, into] of [[t, out.tooltips], [p, out.popups]]) {
        if (!x) { continue; }
        if (l instanceof L.GeoJSON) { l.eachLayer(c => show(x._content, c, into)); } else { show(x._content, l, into); }
      }
      if (map.hasLayer(l) && !(l instanceof L.FeatureGroup)) {
        if (t) { l.openTooltip(); }
        if (p) { l.openPopup(); }
      }
    }
    out.layers = Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
      .map(e => e.textContent.trim());
    // the symbols (marker pane) and the area names (their own pane, above the symbols)
    out.icons = Array.from(document.querySelectorAll('.leaflet-pane .leaflet-marker-icon'))
      .map(e => e.textContent.trim());
    out.paths = document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length;
    // markers drawn on a canvas (no DOM element each): the circle markers the map holds
    map.eachLayer(l => { if (l instanceof L.CircleMarker && l._renderer instanceof L.Canvas) { out.paths += 1; } });
    out.voorzieningen = document.querySelectorAll('.leaflet-marker-pane .wz-vz-icon').length;
  }
  await new Promise(r => setTimeout(r, 300));
  out.title = document.title;
  out.flag = window.__xss === undefined ? null : String(window.__xss);
  out.text = document.body ? document.body.textContent : '';
  // the initiative's cell holds its name and, below it, its place: read as two (name, place)
  out.cells = Array.from(document.querySelectorAll('#toetsen tbody tr')).map(tr => Array.from(tr.cells).flatMap(c =>
    c.classList.contains('ini') ? [c.querySelector('.naam').textContent, (c.querySelector('.plek') || {textContent: ''}).textContent]
                                : [c.textContent]));
  return out;
})()"""


def _own_title(path: Path) -> str:
    """The title the page was written with (what ``document.title`` must still be)."""
    m = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return _norm(html.unescape(m.group(1))) if m else ""


def _look(b: Chromium, paths: list[Path]) -> dict[str, dict]:
    """Open each page and probe it; by file name."""
    seen = {}
    for path in paths:
        b.open(path)
        info = b.evaluate(_PROBE)
        info["errors"] = b.errors()
        info["own_title"] = _own_title(path)
        seen[path.name] = info
    return seen


def _assert_nothing_ran(name: str, info: dict) -> None:
    assert _norm(info["title"]) == info["own_title"], f"{name}: a script changed the title to {info['title']!r}"
    assert info["flag"] is None, f"{name}: a script set window.__xss = {info['flag']!r}"
    assert not info["errors"], f"{name}: JavaScript/console errors {info['errors']}"


def _strings(doc: object) -> list[str]:
    """Every string in a JSON document."""
    if isinstance(doc, str):
        return [doc]
    if isinstance(doc, dict):
        return [t for v in doc.values() for t in _strings(v)]
    if isinstance(doc, list):
        return [t for v in doc for t in _strings(v)]
    return []


def _csv_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def _assert_no_formula(path: Path) -> int:
    """Every cell of ``path`` that begins with a formula character is a plain number; returns how many
    cells were neutralised (begin with ``'`` and then a formula character)."""
    neutralised = 0
    for r, row in enumerate(_csv_cells(path)):
        for c, cell in enumerate(row):
            if cell.startswith(CSV_TRIGGERS):
                assert _NUMBER.fullmatch(cell), f"{path.name} row {r} column {c}: formula {cell!r}"
            neutralised += cell.startswith("'") and cell[1:].startswith(CSV_TRIGGERS)
    return neutralised


# ------------------------------------------------------------------------------------------------
# toets --lijst with --register, on a copy of the Assen analysis
# ------------------------------------------------------------------------------------------------

#: Initiatives at distinct points in the centre of Assen, one per hostile name (all within 1 km of
#: the register's addresses, so part 1 of every toets names the register's initiatives).
_POINTS = [(6.556 + 0.0015 * (k % 5), 52.989 + 0.002 * (k // 5)) for k in range(len(NAMES))]
#: Rows whose address is hostile: not found, listed with the reason in the overview and the CSV.
BAD_ADDRESSES = {
    "adres_img": "<img src=x onerror=\"document.title='XSS'\">, Assen",
    "adres_formula": '=HYPERLINK("http://x"), Assen',
}
#: The register: hostile names at real addresses in the centre.
REGISTER = {
    "template_literal": "Brink 1, Assen",
    "img_onerror": "Kloosterstraat 12, Assen",
    "script_end": "Weiersstraat 2, Assen",
    "backslash_backtick": "Brink 1, Assen",
    "formula_hyperlink": "Kloosterstraat 12, Assen",
}


@pytest.fixture(scope="module")
def assen_copy(assen_output, module_tmp) -> Path:
    """A copy of the session's Assen analysis, which the commands read (and must leave as it was)."""
    uit = module_tmp("vijandig") / "output"
    linked_copy(assen_output, uit, symlinks=True)
    return uit


@pytest.fixture(scope="module")
def lijst(assen_copy, raw_dir, module_tmp) -> dict:
    root = module_tmp("lijst")
    lijst_csv, register_csv = root / "initiatieven.csv", root / "register.csv"
    with lijst_csv.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_ALL)  # a lone CR quoted too
        w.writerow(["naam", "adres", "lon", "lat", "type", "omvang"])
        for (key, text), (lon, lat) in zip(NAMES.items(), _POINTS, strict=True):
            w.writerow([text, "", f"{lon:.4f}", f"{lat:.4f}", "geclusterd_wonen", 12])
        for key, adres in BAD_ADDRESSES.items():
            w.writerow([key, adres, "", "", "geclusterd_wonen", 12])
    with register_csv.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_ALL)
        w.writerow(["naam", "adres", "postcode", "type"])
        for key, adres in REGISTER.items():
            w.writerow([NAMES[key], adres, "", "geclusterd_wonen"])
    before = snapshot(assen_copy)
    out = root / "uit"
    code, stdout, err = _run(
        [
            "--stil",
            "--data",
            str(raw_dir),
            "toets",
            "--uit",
            str(assen_copy),
            "--lijst",
            str(lijst_csv),
            "--register",
            str(register_csv),
            "--out",
            str(out),
            "--offline",
        ]
    )
    return {
        "code": code,
        "stdout": stdout,
        "err": err,
        "needle": f"{len(NAMES)} initiatieven getoetst, {len(BAD_ADDRESSES)} niet",
        "dir": out / "toetsen",
        "before": before,
        "after": snapshot(assen_copy),
    }


@pytest.fixture(scope="module")
def lijst_pages(lijst, browser) -> dict[str, dict]:
    _accepted(lijst)
    return _look(browser, sorted(lijst["dir"].glob("*.html")))


@realdata
def test_lijst_run_accepts_every_hostile_name(lijst, lijst_pages):
    """The command itself: exit 0, every hostile name checked, the bad addresses listed with their reason,
    the analysis it read untouched, and every page it wrote free of running script and errors."""
    _accepted(lijst)
    assert {"toetsen.html", "toetsen_kaart.html"} <= set(lijst_pages)
    assert len([n for n in lijst_pages if n.startswith("toets_")]) == len(NAMES)
    for name, info in lijst_pages.items():
        _assert_nothing_ran(name, info)


@realdata
def test_lijst_map_has_every_marker(lijst, lijst_pages):
    _accepted(lijst)
    info = lijst_pages["toetsen_kaart.html"]
    _assert_nothing_ran("toetsen_kaart.html", info)
    assert info["maps"] == 1
    assert info["paths"] == len(NAMES), f"{info['paths']} markers drawn for {len(NAMES)} initiatives"
    assert len(info["tooltips"]) == len(info["popups"]) == len(NAMES)


@realdata
@pytest.mark.parametrize("key", SCRIPT)
def test_lijst_name_on_the_map(lijst, lijst_pages, key):
    """The name is shown as typed in its marker's tooltip and popup (escaped, not dropped)."""
    _accepted(lijst)
    info = lijst_pages["toetsen_kaart.html"]
    _assert_nothing_ran("toetsen_kaart.html", info)
    name = _norm(NAMES[key])
    assert any(name in _norm(t) for t in info["tooltips"]), (name, info["tooltips"])
    assert any(name in _norm(p) for p in info["popups"]), (name, info["popups"])


@realdata
@pytest.mark.parametrize("key", SCRIPT)
def test_lijst_name_in_the_overview(lijst, lijst_pages, key):
    _accepted(lijst)
    info = lijst_pages["toetsen.html"]
    _assert_nothing_ran("toetsen.html", info)
    assert _norm(NAMES[key]) in [_norm(row[1]) for row in info["cells"]]


@realdata
@pytest.mark.parametrize("key", list(BAD_ADDRESSES))
def test_lijst_hostile_address_listed_with_reason(lijst, lijst_pages, key):
    """A hostile address is not found: its row is in the overview (as text) and in the CSV (not a formula)."""
    _accepted(lijst)
    info = lijst_pages["toetsen.html"]
    _assert_nothing_ran("toetsen.html", info)
    row = next(r for r in info["cells"] if _norm(r[1]) == key)
    assert _norm(row[2]) == _norm(BAD_ADDRESSES[key]) and row[-1].strip(), row
    cells = _csv_cells(lijst["dir"] / "toetsen.csv")
    header = cells[0]
    csv_row = next(r for r in cells[1:] if r[header.index("naam")] == key)
    invoer = csv_row[header.index("invoer")]
    assert invoer.lstrip("'") == BAD_ADDRESSES[key] and not invoer.startswith(CSV_TRIGGERS), invoer
    assert csv_row[header.index("oordeel")] == "niet getoetst"


@realdata
@pytest.mark.parametrize("key", list(NAMES))
def test_lijst_csv_cell(lijst, key):
    """``toetsen.csv``: a name that begins with a formula character gets a ``'``; the others are as typed."""
    _accepted(lijst)
    cells = _csv_cells(lijst["dir"] / "toetsen.csv")
    naam = cells[0].index("naam")
    text = NAMES[key]
    # the list folds a line break inside a name into a space (one line per initiative)
    found = [r[naam] for r in cells[1:] if " ".join(r[naam].lstrip("'").split()) == " ".join(text.split())]
    assert len(found) == 1, (text, [r[naam] for r in cells[1:]])
    if text.strip().startswith(CSV_TRIGGERS) or text.startswith(CSV_TRIGGERS):
        assert found[0].startswith("'") and not found[0].startswith(CSV_TRIGGERS), found[0]
    else:
        assert " ".join(found[0].split()) == " ".join(text.split())


@realdata
def test_lijst_csv_has_no_formula_and_numbers_stay_numbers(lijst):
    _accepted(lijst)
    path = lijst["dir"] / "toetsen.csv"
    assert _assert_no_formula(path) >= len(FORMULA) + 1  # the names and the formula address
    cells = _csv_cells(path)
    header = cells[0]
    lon = [r[header.index("lon")] for r in cells[1:] if r[header.index("lon")]]
    assert len(lon) == len(NAMES) and all(_NUMBER.fullmatch(v) for v in lon)


@realdata
@pytest.mark.parametrize("key", list(REGISTER))
def test_register_name_in_the_reports(lijst, lijst_pages, key):
    """The register's names reach part 1 of the reports, shown as typed, with no script run."""
    _accepted(lijst)
    reports = {n: i for n, i in lijst_pages.items() if n.startswith("toets_")}
    for name, info in reports.items():
        _assert_nothing_ran(name, info)
    text = _norm(NAMES[key])
    assert any(text in _norm(i["text"]) for i in reports.values()), text
    strings = [t for p in lijst["dir"].glob("toets_*.json") for t in _strings(json.loads(p.read_text("utf-8")))]
    assert any(NAMES[key] in t for t in strings)  # the evidence holds the name as given


# ------------------------------------------------------------------------------------------------
# watals --weg with hostile names of voorzieningen, wijken and buurten
# ------------------------------------------------------------------------------------------------

WEG = ["template_literal", "img_onerror", "script_end", "backtick", "attribute_break", "backslash_backtick"]


@pytest.fixture(scope="module")
def watals(assen_copy, raw_dir, module_tmp) -> dict:
    """``watals --weg <hostile name>`` ×6 on the Assen analysis whose huisartsen, wijken and buurten were
    renamed after loading (as if the data files held the names)."""
    from woonzorg_geo.run import store

    original = store.load_analysis

    def hostile(*args, **kwargs):
        a = original(*args, **kwargs)
        vz = a.inputs.voorzieningen
        gps = list(vz.index[vz["categorie"] == "huisarts"])[: len(WEG)]
        for i, key in zip(gps, WEG, strict=True):
            vz.at[i, "naam"] = NAMES[key]
        a.wijken["naam"] = [NAMES[SCRIPT[k % len(SCRIPT)]] for k in range(len(a.wijken))]
        a.buurten["naam"] = [NAMES[FORMULA[k % len(FORMULA)]] for k in range(len(a.buurten))]
        return a

    before = snapshot(assen_copy)
    out = module_tmp("watals") / "uit"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(store, "load_analysis", hostile)
        code, stdout, err = _run(
            [
                "--stil",
                "--data",
                str(raw_dir),
                "watals",
                "--uit",
                str(assen_copy),
                *[f"--weg={NAMES[k]}" for k in WEG],
                "--out",
                str(out),
                "--offline",
            ]
        )
    return {
        "code": code,
        "stdout": stdout,
        "err": err,
        "needle": "bestanden geschreven in",
        "dir": out,
        "before": before,
        "after": snapshot(assen_copy),
    }


@pytest.fixture(scope="module")
def watals_page(watals, browser) -> dict:
    _accepted(watals)
    return _look(browser, [watals["dir"] / "watals_kaart.html"])["watals_kaart.html"]


@realdata
def test_watals_map_has_every_closed_voorziening(watals, watals_page):
    _accepted(watals)
    _assert_nothing_ran("watals_kaart.html", watals_page)
    assert watals_page["icons"].count("✕") == len(WEG), watals_page["icons"]
    # the wijk labels (hostile names) are all there too
    assert sum(icon in {_norm(NAMES[k]) for k in SCRIPT} for icon in map(_norm, watals_page["icons"])) >= 1


@realdata
@pytest.mark.parametrize("key", WEG)
def test_watals_closed_voorziening_named_as_typed(watals, watals_page, key):
    _accepted(watals)
    _assert_nothing_ran("watals_kaart.html", watals_page)
    name = _norm(NAMES[key])
    assert any(_norm(t).startswith(f"weg: {name} (") for t in watals_page["tooltips"]), (name, watals_page["tooltips"])


@realdata
@pytest.mark.parametrize("table", ["watals_buurten.csv", "watals_wijken.csv", "watals_adressen.csv"])
def test_watals_csv_has_no_formula(watals, table):
    _accepted(watals)
    neutralised = _assert_no_formula(watals["dir"] / table)
    if table == "watals_buurten.csv":  # every buurt carries a formula name
        assert neutralised >= len(FORMULA)


@realdata
@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--nieuw", "huisarts@<img src=x onerror=\"document.title='XSS'\">, Assen"),
        ("--weg", "${document.title=String.fromCharCode(88,83,83)}"),
    ],
    ids=["nieuw_adres", "weg_naam"],
)
def test_watals_hostile_text_that_names_nothing_is_refused(assen_copy, raw_dir, tmp_path, option, value):
    """A hostile address or name that matches nothing: refused (exit 2, the option named), nothing written."""
    out = tmp_path / "uit"
    before = snapshot(assen_copy)
    code, _, err = _run(
        ["--stil", "--data", str(raw_dir), "watals", "--uit", str(assen_copy), f"{option}={value}", "--out", str(out)]
    )
    needle = "niet gevonden" if option == "--nieuw" else "geen voorziening"
    assert_refused(code, err, needles=[option, needle], before=before, after=snapshot(assen_copy))
    assert not out.exists() or not any(out.iterdir())


# ------------------------------------------------------------------------------------------------
# kaarten and figuren: hostile names in the data files and in the settings
# ------------------------------------------------------------------------------------------------

#: (layer, what) → hostile text, in a small output folder (tests/test_maps.make_output).
KAART_NAMES = {
    "wijk": ["template_literal", "img_onerror"],
    "buurt": ["script_end", "backtick", "substitution", "attribute_break"],
    "voorziening": ["template_literal", "img_onerror", "script_end", "backslash_backtick", "quotes", "newline"],
}
GEMEENTE = "<img src=x onerror=\"document.title='XSS'\"> & ${window.__xss='gemeente'}"
OV_LABEL = "</script>OV `halte` <img src=x onerror=\"window.__xss='label'\">"


@pytest.fixture(scope="module")
def kaarten(module_tmp) -> dict:
    root = module_tmp("kaarten")
    uit = make_output(root / "uit")
    gpkg = uit / "woonzorg.gpkg"
    layers = {name: gpd.read_file(gpkg, layer=name) for name in gpd.list_layers(gpkg)["name"]}
    for layer, keys in KAART_NAMES.items():
        frame = layers[{"wijk": "wijken", "buurt": "buurten", "voorziening": "voorzieningen"}[layer]]
        assert len(frame) == len(keys)
        frame["naam"] = [NAMES[k] for k in keys]
    gpkg.unlink()
    for name, frame in layers.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
    summary = json.loads((uit / "samenvatting.json").read_text(encoding="utf-8"))
    summary["gemeente"]["naam"] = GEMEENTE
    (uit / "samenvatting.json").write_text(json.dumps(summary), encoding="utf-8")
    toml = root / "instellingen.toml"
    toml.write_text(
        f"[gemeente]\nnaam = {json.dumps(GEMEENTE)}\n\n"
        f"[bereikbaarheid.samengesteld.ov]\nlabel = {json.dumps(OV_LABEL)}\n"
        'delen = ["ov_halte", "treinstation"]\nbron = "test"\n',
        encoding="utf-8",
    )
    before = snapshot(uit)
    maps_dir = root / "kaarten"
    code, stdout, err = _run(
        ["--stil", "--instellingen", str(toml), "kaarten", "--uit", str(uit), "--kaarten", str(maps_dir), "--offline"]
    )
    return {
        "code": code,
        "stdout": stdout,
        "err": err,
        "needle": f"{1 + len(KAART_NAMES['wijk'])} kaarten geschreven",
        "uit": uit,
        "dir": maps_dir,
        "before": before,
        "after": snapshot(uit),
    }


@pytest.fixture(scope="module")
def kaart_pages(kaarten, browser) -> dict[str, dict]:
    _accepted(kaarten)
    return _look(browser, sorted(kaarten["dir"].glob("*.html")))


def _gemeente_page(pages: dict[str, dict]) -> dict:
    return next(i for n, i in pages.items() if n.endswith("_bereikbaarheid.html"))


def test_kaarten_every_map_drawn_nothing_ran(kaarten, kaart_pages):
    _accepted(kaarten)
    assert len(kaart_pages) == 1 + len(KAART_NAMES["wijk"])  # the gemeente and one map per wijk
    for name, info in kaart_pages.items():
        _assert_nothing_ran(name, info)
        assert info["maps"] == 1
    # every voorziening is a marker on the gemeente map (all layers switched on)
    assert _gemeente_page(kaart_pages)["voorzieningen"] == len(KAART_NAMES["voorziening"])


@pytest.mark.parametrize(
    ("layer", "key"), [(layer, key) for layer, keys in KAART_NAMES.items() for key in keys], ids=lambda v: str(v)
)
def test_kaarten_name_shown_as_typed(kaarten, kaart_pages, layer, key):
    """A wijk, buurt or voorziening name: in the tooltips (and for wijken the title and label) as typed."""
    _accepted(kaarten)
    name = _norm(NAMES[key])
    page = _gemeente_page(kaart_pages)
    _assert_nothing_ran("gemeente", page)
    texts = [_norm(t) for t in page["tooltips"] + page["popups"]]
    if layer == "voorziening":
        assert name in texts, (name, texts)
    elif layer == "buurt":
        assert any(t.startswith(name + " (wijk ") for t in texts), (name, texts)
    else:
        assert name in [_norm(i) for i in page["icons"]]  # the label on the map
        titles = [_norm(i["title"]) for i in kaart_pages.values()]
        assert any(t.startswith(f"Wijk {name} (") for t in titles), titles


@pytest.mark.parametrize("what", ["gemeente", "categorielabel"])
def test_kaarten_settings_text_shown_as_typed(kaarten, kaart_pages, what):
    """The gemeente name and a category label from the settings file: in the title, panel and layer names."""
    _accepted(kaarten)
    page = _gemeente_page(kaart_pages)
    _assert_nothing_ran("gemeente", page)
    if what == "gemeente":
        assert _norm(page["title"]) == _norm(f"Gemeente {GEMEENTE} — bereikbaarheid te voet")
        assert _norm(f"Gemeente {GEMEENTE}") in _norm(page["text"])
    else:
        assert f"Loopafstand (vlak): {_norm(OV_LABEL)}" in [_norm(n) for n in page["layers"]], page["layers"]


def test_figuren_with_dollar_names(kaarten, tmp_path):
    """A name with ``$`` in a figure is text, not (broken) mathematics: figures written, exit 0."""
    uit = tmp_path / "uit"
    shutil.copytree(kaarten["uit"], uit)
    gpkg = uit / "woonzorg.gpkg"
    layers = {name: gpd.read_file(gpkg, layer=name) for name in gpd.list_layers(gpkg)["name"]}
    layers["wijken"]["naam"] = ["$\\frac$ wijk", "$x$ en $y$"]
    gpkg.unlink()
    for name, frame in layers.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
    before = snapshot(uit)
    code, stdout, err = _run(["--stil", "figuren", "--uit", str(uit), "--figuren", str(tmp_path / "fig")])
    run = {"code": code, "stdout": stdout, "err": err, "before": before, "after": snapshot(uit)}
    _accepted({**run, "needle": "figuren (png, 300 dpi) geschreven"})
    assert len(list((tmp_path / "fig").glob("wijk_*_looptijd.png"))) == 2
