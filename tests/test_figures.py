"""The print figures (woonzorg-geo figuren): size, resolution, not blank, the palette's colours,
every expected figure for Assen, PDF and SVG output, and errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from test_maps import make_output

from woonzorg_geo.cli.main import main
from woonzorg_geo.core import palette
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.outputs import figures

REPO = Path(__file__).resolve().parents[1]
ARTEFACTS = REPO / "tests" / "artefacts"
WIDTH_PX = round(figures.WIDTH_CM / 2.54 * figures.DPI)


def _image(path: Path) -> tuple[np.ndarray, tuple[float, float]]:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")), im.info.get("dpi", (0, 0))


def _check_png(path: Path) -> np.ndarray:
    rgb, dpi = _image(path)
    assert dpi == pytest.approx((figures.DPI, figures.DPI), abs=0.5), (path.name, dpi)
    h, w, _ = rgb.shape
    assert abs(w - WIDTH_PX) <= 2, (path.name, w)  # 16 cm at 300 dpi: an A4 text column
    assert 400 < h < 2400, (path.name, h)
    flat = rgb.reshape(-1, 3)
    colours = len(np.unique(flat[::7] @ np.array([65536, 256, 1])))
    nonwhite = (flat.min(axis=1) < 245).mean()
    assert colours > 40 and nonwhite > 0.05, (path.name, colours, nonwhite)  # not blank
    return rgb


def _has_colour(rgb: np.ndarray, colour: str, *, alpha: float, over: str = "#ffffff", tol: int = 4) -> bool:
    """Whether some pixel shows ``colour`` drawn with ``alpha`` over ``over``."""
    c, b = np.array(palette.rgb(colour), float), np.array(palette.rgb(over), float)
    want = np.round(alpha * c + (1 - alpha) * b)
    return bool((np.abs(rgb.astype(int) - want).max(axis=2) <= tol).any())


@pytest.fixture(scope="module")
def synthetic_out(tmp_path_factory) -> Path:
    return make_output(tmp_path_factory.mktemp("uitvoer"))


def test_figures_of_a_synthetic_output(synthetic_out, tmp_path):
    paths = figures.write_figures(synthetic_out, tmp_path / "fig", settings=load_settings())
    names = [p.name for p in paths]
    assert names[0] == "gemeente_ov-en-supermarkt_800m.png"
    assert "wijk_centrum_looptijd.png" in names and "wijk_buitengebied_looptijd.png" in names
    assert "indicator_pct_ov_en_supermarkt_800m.png" in names
    assert not any(n.startswith(("balans", "focus", "zoekgebieden")) for n in names)  # no overlay columns here
    for p in paths:
        _check_png(p)
    # the share map uses the palette's classes, drawn as on the Leaflet maps
    rgb, _ = _image(paths[0])
    # (every synthetic buurt has fewer than 50 addresses: the lighter tone; the legend in the full tone)
    for colour in (palette.PCT_CLASSES.colours[0], palette.PCT_CLASSES.colours[4]):
        assert _has_colour(rgb, colour, alpha=palette.FEW_ADDRESSES_OPACITY, over="#fbfbf8"), colour
        assert _has_colour(rgb, colour, alpha=palette.AREA_OPACITY), colour
    # the manifest of the figure set names where they came from
    assert (tmp_path / "fig" / "manifest.json").is_file()


@pytest.mark.parametrize("fmt", ["pdf", "svg"])
def test_vector_formats(synthetic_out, tmp_path, fmt):
    paths = figures.write_figures(synthetic_out, tmp_path / fmt, settings=load_settings(), format=fmt)
    assert paths and all(p.suffix == f".{fmt}" for p in paths)
    head = paths[0].read_bytes()[:4000]
    if fmt == "pdf":
        assert head.startswith(b"%PDF")
        box = re.search(rb"/MediaBox \[ *0 0 ([\d.]+) ([\d.]+) *\]", paths[0].read_bytes())
        assert box and abs(float(box.group(1)) - figures.WIDTH_CM / 2.54 * 72) < 1
    else:
        text = head.decode("utf-8", "replace")
        assert "<svg" in text and re.search(r'width="45[34](\.\d+)?pt"', text), text[:600]


def test_unknown_format_and_missing_output(tmp_path, capsys):
    assert main(["figuren", "--uit", str(tmp_path / "bestaat_niet"), "--figuren", str(tmp_path / "f")]) == 2
    assert "woonzorg.gpkg" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["figuren", "--formaat", "gif"])
    from woonzorg_geo.core.errors import WoonzorgError

    with pytest.raises(WoonzorgError):
        figures.write_figures(tmp_path, settings=load_settings(), format="gif")
    assert not (tmp_path / "f").exists() or not any((tmp_path / "f").glob("*.png"))


@pytest.mark.realdata
def test_figuren_for_assen(assen_output, tmp_path, capsys):
    """`woonzorg-geo figuren` on the real Assen run: every figure, at 300 dpi, not blank, in the palette."""
    fig_dir = ARTEFACTS / "figuren_assen"
    assert main(["--stil", "figuren", "--uit", str(assen_output), "--figuren", str(fig_dir)]) == 0
    printed = capsys.readouterr().out
    files = sorted(p.name for p in fig_dir.glob("*.png"))
    assert f"{len(files)} figuren (png, 300 dpi)" in printed
    wijken = [n for n in files if n.startswith("wijk_") and n.endswith("_looptijd.png")]
    assert len(wijken) == 10
    for name in (
        "gemeente_ov-en-supermarkt_800m.png",
        "draagkracht_draaglast.png",
        "balans.png",
        "focus_veerkracht.png",
        "indicator_pct_ov_en_supermarkt_800m.png",
        "indicator_draaglast.png",
        "indicator_pct_moeite_rondkomen.png",
    ):
        assert name in files, name
    charts = [n for n in files if n.startswith("indicator_")]
    assert len(charts) >= 15, charts
    for name in files:
        _check_png(fig_dir / name)
    gem, _ = _image(fig_dir / "gemeente_ov-en-supermarkt_800m.png")
    for colour in palette.PCT_CLASSES.colours:  # every class of the share is drawn, in the maps' tone
        assert _has_colour(gem, colour, alpha=palette.AREA_OPACITY, over="#fbfbf8"), colour
    wijk, _ = _image(fig_dir / "wijk_centrum_looptijd.png")
    for colour in palette.TIME_CLASSES.colours[:2]:  # homes by walking time (Centrum: mostly within 10 min)
        assert _has_colour(wijk, colour, alpha=1.0), colour
    ov, _ = _image(fig_dir / "draagkracht_draaglast.png")
    assert _has_colour(ov, palette.LOAD_CLASSES.colours[-1], alpha=palette.AREA_OPACITY, over="#fbfbf8")
