"""One palette and one set of class limits (woonzorg_geo.core.palette) for every output: the Folium maps,
the print figures, the QGIS styles and the HTML pages take their colours from it, and no other module
writes one of its colours down again."""

from __future__ import annotations

import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from woonzorg_geo.core import palette
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.vocabulary import Vocabulary

SRC = Path(__file__).resolve().parents[1] / "src" / "woonzorg_geo"
HEX = re.compile(r"#[0-9a-fA-F]{6}\b")


def _palette_colours() -> set[str]:
    out = {c for c, _ in palette.CATEGORY_SYMBOLS.values()}
    for classes in (
        palette.TIME_CLASSES,
        palette.PCT_CLASSES,
        palette.LOAD_CLASSES,
        palette.CAPACITY_CLASSES,
        palette.FOCUS_CLASSES,
        palette.VEERKRACHT_CLASSES,
        palette.SCORE_CLASSES,
        palette.distance_classes(800),
    ):
        out |= set(classes.colours) | {classes.missing_colour}
    out |= {
        palette.UNKNOWN_COLOUR,
        palette.AREA_EDGE,
        palette.WIJK_OUTLINE,
        palette.BUURT_OUTLINE,
        palette.BACKGROUND,
        palette.RANK_COLOUR,
        palette.POINT_EDGE,
        palette.OTHER_ROAD,
        palette.PATH_COLOUR,
    }
    out |= {c for c, _ in palette.ROAD_STYLE.values()}
    # neutral greys (text, outlines) may coincide with typography elsewhere; the colours that carry
    # meaning (categories, classes) may not
    return {c.lower() for c in out if len(set(palette.rgb(c))) > 1}


def test_no_module_writes_a_palette_colour_down_again():
    colours = _palette_colours()
    assert "#2e8b2e" in colours and "#d73027" in colours and len(colours) >= 20
    found = []
    for path in SRC.rglob("*.py"):
        if path.name == "palette.py":
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for hit in HEX.findall(line):
                if hit.lower() in colours:
                    found.append(f"{path.relative_to(SRC)}:{n}: {hit}")
    assert not found, "colours of the palette written down outside palette.py:\n" + "\n".join(found)


def test_one_colour_per_category_everywhere():
    vocab = Vocabulary.from_settings(load_settings())
    for cat, (colour, letter) in palette.CATEGORY_SYMBOLS.items():
        assert vocab.colour(cat) == colour and vocab.style(cat).letter == letter
    from woonzorg_geo.outputs import maps

    assert maps.category("supermarkt").colour == palette.CATEGORY_SYMBOLS["supermarkt"][0]
    assert maps.PCT_CLASSES is palette.PCT_CLASSES and maps.TIME_CLASSES is palette.TIME_CLASSES
    from woonzorg_geo.outputs.maps import themes

    assert themes.FOCUS_CLASSES is palette.FOCUS_CLASSES and themes.SCORE_CLASSES is palette.SCORE_CLASSES


def test_wijkprofiel_map_uses_the_palette():
    from woonzorg_geo.outputs.report import svg_map

    vocab = Vocabulary.from_settings(load_settings())
    buurten = gpd.GeoDataFrame(
        {"naam": ["A", "B", "C"], "focus": ["hoog", "laag", None]},
        geometry=[shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(3)],
        crs=28992,
    )
    vz = gpd.GeoDataFrame(
        {"categorie": ["supermarkt", "huisarts"], "label": [None, None], "naam": ["S", "H"]},
        geometry=[shapely.Point(50, 50), shapely.Point(150, 50)],
        crs=28992,
    )
    svg = svg_map(shapely.box(0, 0, 300, 100), buurten, vz, vocabulary=vocab)
    assert f'fill="{palette.FOCUS_COLOURS["hoog"]}"' in svg and f'fill="{palette.FOCUS_COLOURS["laag"]}"' in svg
    assert f'fill="{palette.MISSING_COLOUR}"' in svg  # missing focus: the maps' missing grey
    for cat in ("supermarkt", "huisarts"):
        assert f'fill="{palette.CATEGORY_SYMBOLS[cat][0]}"' in svg


def test_class_bounds_follow_index():
    """The (lower, upper] bounds the QGIS filters use give the same class as Classes.index."""
    rng = np.random.default_rng(1)
    for classes in (
        palette.TIME_CLASSES,
        palette.PCT_CLASSES,
        palette.LOAD_CLASSES,
        palette.balance_classes((-1.0, -0.33, 0.33, 1.0), ("a", "b", "c", "d", "e")),
    ):
        values = np.concatenate([rng.uniform(-30, 130, 500), [b for b in classes.breaks if math.isfinite(b)]])
        idx = classes.index(values)
        for i in range(len(classes.colours)):
            lo, hi = classes.bounds(i)
            sel = np.ones(len(values), bool)
            if lo is not None:
                sel &= values > lo
            if hi is not None:
                sel &= values <= hi
            assert (sel == (idx == i)).all(), (classes.labels[i], lo, hi)
    with pytest.raises(ValueError):
        palette.rgb("#12345")
