"""The folium maps: each add_* function on small synthetic frames, write_maps on a synthetic output
folder, and every written map opened in a real headless Chromium (offline, no JavaScript errors,
Leaflet drawn, Dutch layer names, a screenshot that is not blank)."""

from __future__ import annotations

import json
import math
import re
import time
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from chromium import Chromium, running_chromium
from shapely.geometry import LineString, Point

from woonzorg_geo import RD_NEW
from woonzorg_geo.core.errors import DataFileError, MissingDataError, NoCrsError
from woonzorg_geo.core.palette import rgb
from woonzorg_geo.core.vocabulary import default_vocabulary
from woonzorg_geo.network.raster import Grid, write_geotiff
from woonzorg_geo.outputs import maps
from woonzorg_geo.outputs.maps import assets
from woonzorg_geo.outputs.maps.captions import destination
from woonzorg_geo.outputs.maps.data import HOME_THEMES

REPO = Path(__file__).resolve().parents[1]
ARTEFACTS = REPO / "tests" / "artefacts"
RD = RD_NEW

# A small patch of Assen in RD New: lon ≈ 6.55, lat ≈ 52.99.
X0, Y0 = 232_000.0, 556_000.0
CDN = re.compile(r"""<(?:script|link)\b[^>]*(?:src|href)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)
CATS = ("ov", "supermarkt", "huisarts", "apotheek")
VOCAB = default_vocabulary()
#: The categories whose walking time colours the homes of a synthetic wijk map (all present there).
HOME_CATS = tuple(c for c in HOME_THEMES if c in CATS)


@pytest.fixture(autouse=True)
def _no_env_offline(monkeypatch):
    """Tests choose offline explicitly; the environment must not decide for them."""
    monkeypatch.delenv(maps.OFFLINE_ENV, raising=False)


# ------------------------------------------------------------------------------------------------
# Synthetic data
# ------------------------------------------------------------------------------------------------


def _wijken() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "code": ["WK000001", "WK000099"],
            "naam": ["Centrum", "Buitengebied"],
            "n_adressen": [36, 4],
            "inwoners_cbs": [900.0, 50.0],
            "woningen_cbs": [400.0, 20.0],
            "pct_ov_en_supermarkt_800m": [75.0, 0.0],
            "pct_drie_a_800m": [60.0, 0.0],
            "pct_huisarts_800m": [80.0, 0.0],
            "pct_supermarkt_800m": [90.0, 25.0],
            "pct_apotheek_800m": [70.0, 0.0],
            "pct_ov_800m": [100.0, 50.0],
            "med_afstand_huisarts_m": [450.0, 1900.0],
            "pct_ov_en_supermarkt_800m_senior": [72.0, 0.0],
            "pct_drie_a_800m_senior": [58.0, 0.0],
            "med_afstand_huisarts_m_senior": [455.0, 1910.0],
        },
        geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000), shapely.box(X0 + 1000, Y0, X0 + 2000, Y0 + 1000)],
        crs=RD,
    )


def _buurten() -> gpd.GeoDataFrame:
    boxes = [shapely.box(X0 + i * 500, Y0, X0 + (i + 1) * 500, Y0 + 1000) for i in range(4)]
    return gpd.GeoDataFrame(
        {
            "code": ["BU00000101", "BU00000102", "BU00009901", "BU00009902"],
            "naam": ["Binnenstad", "Stationsbuurt", "Noordbroek", "Zuidveld"],
            "wijkcode": ["WK000001", "WK000001", "WK000099", "WK000099"],
            "n_adressen": [20, 16, 4, 0],
            "pct_ov_en_supermarkt_800m": [10.0, 55.0, 95.0, np.nan],
            "pct_drie_a_800m": [5.0, 50.0, 90.0, np.nan],
            "med_afstand_huisarts_m": [300.0, 600.0, 1500.0, np.nan],
            "pct_ov_en_supermarkt_800m_senior": [8.0, 50.0, 90.0, np.nan],
        },
        geometry=boxes,
        crs=RD,
    )


HUISARTS = (X0 + 400, Y0 + 500)


def _adressen() -> gpd.GeoDataFrame:
    pts = [(X0 + 80 + 150 * i, Y0 + 80 + 150 * j) for i in range(6) for j in range(6)]
    pts += [(X0 + 1200, Y0 + 200), (X0 + 1500, Y0 + 500), (X0 + 1800, Y0 + 800), (X0 + 1900, Y0 + 100)]
    xy = np.array(pts)
    d = np.hypot(xy[:, 0] - HUISARTS[0], xy[:, 1] - HUISARTS[1]) * 1.3
    t = d / 80.0
    t[-1] = np.nan  # no route
    frame = gpd.GeoDataFrame(
        {
            "wijkcode": ["WK000001"] * 36 + ["WK000099"] * 4,
            "buurtcode": [
                "BU00000101" if x < X0 + 500 else "BU00000102" if x < X0 + 1000 else "BU00009901" for x in xy[:, 0]
            ],
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=RD,
    )
    for cat, factor in (("huisarts", 1.0), ("supermarkt", 0.6), ("ov", 0.3)):
        for sfx, slow in (("", 1.0), ("_senior", 1.75)):
            frame[f"tijd_{cat}_min{sfx}"] = t * factor * slow
            frame[f"afstand_{cat}_m{sfx}"] = d * factor
    return frame


def _voorzieningen() -> gpd.GeoDataFrame:
    rows = [
        ("huisarts", "Huisarts", "Huisartsenpraktijk De Linde", "huisartsenlijst", HUISARTS),
        ("huisarts", "Huisarts", "Gezondheidscentrum <Oost> & Co", "osm;huisartsenlijst", (X0 + 1600, Y0 + 300)),
        ("supermarkt", "Supermarkt", "Albert Heijn Centrum", "osm", (X0 + 700, Y0 + 600)),
        ("apotheek", "Apotheek", None, "osm", (X0 + 450, Y0 + 520)),
        ("ov_halte", "OV-halte", "Busstation Assen", "gtfs", (X0 + 800, Y0 + 200)),
        ("treinstation", "Treinstation", "Assen", "chb", (X0 + 900, Y0 + 150)),
    ]
    return gpd.GeoDataFrame(
        {
            "vz_id": [f"vz{i:05d}" for i in range(len(rows))],
            "categorie": [r[0] for r in rows],
            "label": [r[1] for r in rows],
            "naam": [r[2] for r in rows],
            "bron": [r[3] for r in rows],
        },
        geometry=[Point(r[4]) for r in rows],
        crs=RD,
    )


def _netwerk() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "klasse": ["primary", "secondary", "minor", "path"],
            "naam": ["Rijksweg", "Stationsstraat", "Kerkstraat", "Voetpad"],
        },
        geometry=[
            LineString([(X0 - 200, Y0 + 450), (X0 + 2200, Y0 + 470)]),
            LineString([(X0 + 900, Y0 - 100), (X0 + 950, Y0 + 1100)]),
            LineString([(X0 + 123.4, Y0 + 321.1), (X0 + 380, Y0 + 330)]),
            LineString([(X0 + 1400, Y0 + 100), (X0 + 1450, Y0 + 900)]),
        ],
        crs=RD,
    )


def _servicegebieden(vz: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    rows = []
    for prof, r in (("standaard", 300.0), ("senior", 200.0)):
        for _, v in vz.iterrows():
            cats = [v["categorie"]] + (["ov"] if v["categorie"] in ("ov_halte", "treinstation") else [])
            for cat in cats:
                rows.append(
                    {
                        "categorie": cat,
                        "vz_id": v["vz_id"],
                        "profiel": prof,
                        "straal_m": 800.0,
                        "oppervlak_ha": 1.0,
                        "geometry": v.geometry.buffer(r),
                    }
                )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=RD)


GRID = Grid(x0=X0, y1=Y0 + 1000, cell=25.0, width=80, height=40)


def _surface(cat: str) -> np.ndarray:
    c = GRID.centres()
    src = {"huisarts": HUISARTS, "supermarkt": (X0 + 700, Y0 + 600)}.get(cat, (X0 + 850, Y0 + 200))
    d = (np.hypot(c[:, 0] - src[0], c[:, 1] - src[1]) * 1.3).astype(np.float32)
    d[d > 2000] = np.nan
    return d.reshape(GRID.height, GRID.width)


def make_output(folder: Path) -> Path:
    """A tiny output folder with the same files, layers and columns as ``woonzorg-geo analyse --out``."""
    folder.mkdir(parents=True, exist_ok=True)
    gpkg = folder / "woonzorg.gpkg"
    vz = _voorzieningen()
    layers = {
        "adressen": _adressen(),
        "buurten": _buurten(),
        "wijken": _wijken(),
        "voorzieningen": vz,
        "netwerk": _netwerk(),
        "servicegebieden": _servicegebieden(vz),
    }
    for name, frame in layers.items():
        frame.to_file(gpkg, layer=name, driver="GPKG")
    for cat in CATS:
        for prof in ("standaard", "senior"):
            write_geotiff(
                folder / f"bereikbaarheid_{cat}_{prof}.tif",
                _surface(cat),
                GRID,
                description=f"loopafstand tot {cat} (m), profiel {prof}",
            )
    gem = {
        "n_adressen": 40.0,
        "pct_ov_en_supermarkt_800m": 67.5,
        "pct_drie_a_800m": 54.0,
        "pct_huisarts_800m": 72.0,
        "med_afstand_huisarts_m": 520.0,
    }
    summary = {
        "gemeente": {"code": "GM9999", "naam": "Proefdorp"},
        "profielen": {"standaard": {"gemeente": gem}, "senior": {"gemeente": {**gem, "n_adressen": 40}}},
    }
    (folder / "samenvatting.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def synthetic_out(tmp_path_factory) -> Path:
    return make_output(tmp_path_factory.mktemp("uitvoer"))


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------


def _map(**kw):
    return maps.new_map(_wijken(), offline=kw.pop("offline", True), **kw)


def _html(m) -> str:
    """The rendered page (with layer control) with JSON's \\uXXXX escapes decoded, so Dutch text can
    be searched for."""
    maps.add_layer_control(m)
    return _decode(maps.render(m))


def _decode(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda g: chr(int(g.group(1), 16)), text)


def _read(path: Path) -> str:
    return _decode(path.read_text(encoding="utf-8"))


def _geojson(html: str) -> list[dict]:
    """The GeoJSON documents embedded in the page."""
    return [json.loads(doc) for doc in re.findall(r"_add\((\{.*?\})\);\n", html, flags=re.DOTALL)]


def _coords(html: str) -> np.ndarray:
    """Every (lon, lat) position in the embedded GeoJSON."""
    out: list[list[float]] = []

    def walk(c) -> None:
        if isinstance(c, list) and c and isinstance(c[0], (int, float)):
            out.append(c[:2])
        elif isinstance(c, list):
            for x in c:
                walk(x)

    for doc in _geojson(html):
        for feat in doc["features"]:
            walk(feat["geometry"]["coordinates"])
    return np.array(out, dtype=float).reshape(-1, 2)


def _assert_assen_coords(html: str) -> None:
    xy = _coords(html)
    assert len(xy), "no coordinates in the HTML"
    lon, lat = xy[:, 0], xy[:, 1]
    assert ((lon > 6.4) & (lon < 6.7)).all(), (lon.min(), lon.max())
    assert ((lat > 52.9) & (lat < 53.1)).all(), (lat.min(), lat.max())


# ------------------------------------------------------------------------------------------------
# Unit tests: classes, formatting, the empty map
# ------------------------------------------------------------------------------------------------


def test_classes_index_labels_and_missing():
    c = maps.TIME_CLASSES
    assert c.labels == ("0–5 min", "5–10 min", "10–15 min", "15–20 min", "meer dan 20 min")
    assert c.missing_label == "onbereikbaar"
    assert list(c.index([0, 5, 5.01, 12, 20, 21, np.nan, math.inf])) == [0, 0, 1, 2, 3, 4, -1, 4]
    assert maps.PCT_CLASSES.labels[0] == "0–20%" and maps.PCT_CLASSES.labels[-1] == "80–100%"
    assert maps.DISTANCE_CLASSES.labels[1] == "400–800 m"
    with pytest.raises(ValueError):
        maps.Classes((0, 1, 2), ("#000",), ("a", "b"))


def test_dutch_formatting_and_slug():
    assert maps.format_field("n_adressen", 37375) == "37.375"  # numbers via woonzorg_geo.core.formatting
    assert maps.format_field("n_adressen", float("nan")) == "onbekend"  # the one missing text
    assert maps.format_field("pct_drie_a_800m_senior", 48.46) == "48,5%"
    assert maps.format_field("med_afstand_huisarts_m", 680.9) == "681 m"
    assert maps.field_label("pct_ov_en_supermarkt_800m_senior").endswith("(senior)")
    assert maps.slug("Assen-Oost") == "assen-oost"
    assert maps.slug("Súdwest Fryslân") == "sudwest-fryslan"


def test_offline_map_inlines_leaflet_and_has_no_cdn():
    html = _html(_map(offline=True))
    assert not CDN.search(html), CDN.search(html)
    assert "cdn.jsdelivr" not in html and "code.jquery.com" not in html and "bootstrapcdn" not in html
    assert "L.map(" in html and "Leaflet" in html  # leaflet.js inlined
    assert ".leaflet-control-layers" in html  # leaflet.css inlined
    assert "tile.openstreetmap.org" not in html and "service.pdok.nl" not in html
    assert maps.ATTRIBUTION in html
    assert "images/layers.png" not in html  # CSS images are data URIs


def test_online_map_adds_osm_and_pdok_tiles_but_no_cdn():
    html = _html(_map(offline=False))
    assert maps.OSM_TILES in html
    assert "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png" in html
    assert "Achtergrond: OpenStreetMap" in html and "BRT-Achtergrondkaart" in html
    assert not CDN.search(html)


def test_env_forces_offline(monkeypatch):
    monkeypatch.setenv(maps.OFFLINE_ENV, "1")
    assert maps.resolve_offline(False) is True
    assert maps.is_offline() is True
    assert "tile.openstreetmap.org" not in _html(_map(offline=False))


def test_offline_detection_by_socket(monkeypatch):
    class Conn:
        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

    calls = []

    def ok(addr, timeout):
        calls.append((addr, timeout))
        return Conn()

    def fail(addr, timeout):
        raise OSError("geen netwerk")

    monkeypatch.setattr(assets.socket, "create_connection", ok)
    assert maps.resolve_offline(None) is False
    assert calls[0][0] == ("tile.openstreetmap.org", 443) and calls[0][1] <= 1.0
    monkeypatch.setattr(assets.socket, "create_connection", fail)
    assert maps.resolve_offline(None) is True
    assert maps.resolve_offline(False) is False


def test_new_map_bounds_from_rd_are_around_assen():
    html = _html(_map())
    m = re.search(r"fitBounds\(\s*\[\[([\d.]+), ([\d.]+)\], \[([\d.]+), ([\d.]+)\]\]", html)
    assert m, "no fitBounds"
    south, west, north, east = map(float, m.groups())
    assert 52.9 < south < north < 53.1 and 6.4 < west < east < 6.7


# ------------------------------------------------------------------------------------------------
# Unit tests: one per add_* function
# ------------------------------------------------------------------------------------------------


def test_add_choropleth_classes_legend_popups_and_crs():
    m = _map()
    assert (
        maps.add_choropleth(m, _buurten(), column="pct_ov_en_supermarkt_800m", label="Buurten: OV én supermarkt") is m
    )
    html = _html(m)
    assert "Buurten: OV én supermarkt" in html
    for label in maps.PCT_CLASSES.labels + ("onbekend",):
        assert label in html
    # classes → colours: 10 % red, 55 % yellow-green, 95 % green, NaN grey
    for colour in ("#d73027", "#fee08b", "#1a9850", "#9e9e9e"):
        assert colour in html
    for text in (
        "Binnenstad",
        "BU00000101",
        "10,0%",
        "55,0%",
        "OV-halte én supermarkt ≤ 800 m",
        "Mediane loopafstand huisarts",
    ):
        assert text in html
    _assert_assen_coords(html)
    text = json.dumps(_geojson(html))
    decimals = {len(a) for a in re.findall(r"\d\.(\d+)", text)}
    assert decimals and max(decimals) <= 6


def test_add_choropleth_accepts_wgs84_input():
    html = _html(maps.add_choropleth(_map(), _buurten().to_crs(4326), column="pct_drie_a_800m", label="X"))
    _assert_assen_coords(html)


def test_add_voorzieningen_symbols_popups_and_escaping():
    m = maps.add_voorzieningen(_map(), _voorzieningen(), show=["huisarts"])
    html = _html(m)
    for name in (
        "Voorzieningen: Huisarts (2)",
        "Voorzieningen: Supermarkt (1)",
        "Voorzieningen: Apotheek (1)",
        "Voorzieningen: OV-halte (1)",
        "Voorzieningen: Treinstation (1)",
    ):
        assert name in html
    for text in (
        "Huisartsenpraktijk De Linde",
        "Albert Heijn Centrum",
        "(naam onbekend)",
        "huisartsenlijst (ZorgKaart Nederland)",
        "OpenStreetMap + huisartsenlijst",
        "OVapi GTFS",
        "DOVA Centraal Haltebestand",
        '"Naam"',
        '"Bron"',
    ):
        assert text in html, text
    assert "&lt;Oost&gt; &amp; Co" in html and "<Oost>" not in html
    colours = {maps.category(c).colour for c in ("huisarts", "supermarkt", "apotheek", "ov_halte", "treinstation")}
    letters = {maps.category(c).letter for c in ("huisarts", "supermarkt", "apotheek", "ov_halte", "treinstation")}
    assert len(colours) == 5 and len(letters) == 5
    for c in colours:
        assert c in html
    assert "fa-" not in html and "AwesomeMarkers" not in html  # no Font Awesome
    assert "Voorzieningen" in html  # legend
    _assert_assen_coords(html)


def test_add_service_areas_one_layer_per_category():
    areas = _servicegebieden(_voorzieningen())
    html = _html(
        maps.add_service_areas(
            _map(), areas[areas["profiel"] == "standaard"], categories=["huisarts", "supermarkt", "ov"]
        )
    )
    for name in ("Loopgebied 800 m: Huisarts", "Loopgebied 800 m: Supermarkt", "Loopgebied 800 m: OV-halte of station"):
        assert name in html
    assert "Loopgebied 800 m: Apotheek" not in html
    assert "Binnen 800 m lopen van een huisarts" in html
    _assert_assen_coords(html)


def test_surface_image_is_placed_exactly(tmp_path):
    """One filled cell: its pixel in the warped image lands on the cell's own lat/lon."""
    from pyproj import Transformer

    arr = np.full((GRID.height, GRID.width), np.nan, np.float32)
    row, col = 17, 53
    arr[row, col] = 700.0
    arr[0, 0] = 100.0  # a second cell so that the image keeps some extent
    tif = write_geotiff(tmp_path / "s.tif", arr, GRID, description="test")
    img = maps.surface_image(tif)
    (south, west), (north, east) = img.bounds
    h, w = img.rgba.shape[:2]
    # the filled pixel: class 400–800 m, colour index 1
    expected = np.array(rgb(maps.DISTANCE_CLASSES.colours[1]))
    r, c = np.argwhere((img.rgba[:, :, :3] == expected).all(axis=2) & (img.rgba[:, :, 3] == 255))[0]
    to_merc = Transformer.from_crs(4326, 3857, always_xy=True)
    (x_w, x_e), (y_s, y_n) = to_merc.transform([west, east], [south, north])
    x = x_w + (c + 0.5) * (x_e - x_w) / w
    y = y_n - (r + 0.5) * (y_n - y_s) / h
    lon, lat = Transformer.from_crs(3857, 4326, always_xy=True).transform(x, y)
    cx, cy = GRID.x0 + (col + 0.5) * GRID.cell, GRID.y1 - (row + 0.5) * GRID.cell
    tlon, tlat = Transformer.from_crs(RD, 4326, always_xy=True).transform(cx, cy)
    px, py = Transformer.from_crs(4326, RD, always_xy=True).transform(lon, lat)
    assert math.hypot(px - cx, py - cy) < GRID.cell, (lon, lat, tlon, tlat)
    # empty cells are transparent
    assert (img.rgba[:, :, 3] == 0).sum() > 0


def test_a_surface_in_memory_gives_the_image_of_its_geotiff(tmp_path):
    """analyse draws its maps from the surfaces in memory (SurfaceBand), kaarten from the GeoTIFFs."""
    rng = np.random.default_rng(7)
    arr = rng.uniform(0, 2500, (GRID.height, GRID.width)).astype(np.float32)
    arr[rng.random(arr.shape) < 0.3] = np.nan
    arr[:, :5] = np.nan  # an empty edge, cropped
    before = arr.copy()
    tif = write_geotiff(tmp_path / "s.tif", arr, GRID, description="test")
    from_file = maps.surface_image(tif)
    in_memory = maps.surface_image(maps.SurfaceBand(arr, GRID))
    np.testing.assert_array_equal(in_memory.rgba, from_file.rgba)
    assert in_memory.bounds == from_file.bounds
    assert in_memory.transform == from_file.transform
    np.testing.assert_array_equal(arr, before)  # the run's surface is left as it was
    assert (in_memory.rgba[:, :, 3] == 0).any() and (in_memory.rgba[:, :, 3] == 255).any()


def test_add_surface_overlay_with_legend(synthetic_out):
    m = maps.add_surface(
        _map(),
        synthetic_out / "bereikbaarheid_huisarts_standaard.tif",
        label="Loopafstand (vlak): Huisarts",
        legend_title="Loopafstand tot huisarts",
    )
    html = _html(m)
    assert "Loopafstand (vlak): Huisarts" in html and "Loopafstand tot huisarts" in html
    assert "L.imageOverlay(" in html and "data:image/png;base64," in html
    for label in maps.DISTANCE_CLASSES.labels:
        assert label in html
    b = re.search(
        r"L\.imageOverlay\(\s*\"data:image/png;base64,[^\"]+\",\s*\[\[([\d.]+), ([\d.]+)\], "
        r"\[([\d.]+), ([\d.]+)\]\]",
        html,
    )
    assert b, "image bounds not found"
    south, west, north, east = map(float, b.groups())
    assert 52.9 < south < north < 53.1 and 6.4 < west < east < 6.7
    with pytest.raises(MissingDataError):
        maps.add_surface(_map(), synthetic_out / "bestaat_niet.tif", label="x")


def _png_pixels(png: bytes) -> np.ndarray:
    """The RGBA pixels of a PNG (RGBA, or indexed with its palette and transparency)."""
    import rasterio
    from rasterio.io import MemoryFile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with MemoryFile(png) as mem, mem.open() as ds:
            bands = ds.read()
            if ds.count == 1:  # indexed: the palette holds each colour with its alpha
                table = ds.colormap(1)
                lut = np.array([table.get(i, (0, 0, 0, 0)) for i in range(256)], dtype=np.uint8)
                return lut[bands[0]]
    return np.moveaxis(bands, 0, -1)


def test_surface_png_holds_the_classified_pixels(synthetic_out):
    """The overlay's PNG (indexed, a palette with transparency) decodes to the surface's RGBA pixels."""
    import base64

    from woonzorg_geo.outputs.maps.surfaces import png_bytes

    tif = synthetic_out / "bereikbaarheid_huisarts_standaard.tif"
    img = maps.surface_image(tif)
    html = _html(maps.add_surface(_map(), tif, label="Loopafstand (vlak): Huisarts"))
    data = re.search(r'L\.imageOverlay\(\s*"data:image/png;base64,([^"]+)"', html)
    assert data, "no image in the overlay"
    png = base64.b64decode(data.group(1))
    assert png[25] == 3, "a classified surface is written as an indexed PNG"
    pixels = _png_pixels(png)
    assert pixels.shape == img.rgba.shape and np.array_equal(pixels, img.rgba)
    assert (img.rgba[..., 3] == 0).any() and (img.rgba[..., 3] == 255).any()  # transparent cells and classes
    noise = np.random.default_rng(1).integers(0, 256, size=(20, 30, 4), dtype=np.uint8)  # > 256 colours: RGBA
    assert np.array_equal(_png_pixels(png_bytes(noise)), noise)


def test_shared_drawing_draws_each_area_once_with_the_same_result():
    """Within a map set an area is reprojected once; what is drawn is the same as without sharing."""
    from woonzorg_geo.outputs.maps.geometry import drawn_geometries, shared_drawing, to_wgs84

    buurten = _buurten()
    alone = to_wgs84(buurten, "buurten", simplify_m=2.0)
    with shared_drawing():
        first = drawn_geometries(buurten, "buurten", simplify_m=2.0)
        again = drawn_geometries(buurten.iloc[::-1], "buurten", simplify_m=2.0)[::-1]  # another frame, same areas
        shared = to_wgs84(buurten, "buurten", simplify_m=2.0)
        other = drawn_geometries(buurten, "buurten", simplify_m=5.0)  # another simplification: drawn anew
        homes = _adressen()
        assert drawn_geometries(homes, "adressen")[0] is not drawn_geometries(homes, "adressen")[0]  # points: not kept
    assert all(a is b for a, b in zip(first, again))
    assert all(a is not b for a, b in zip(first, other))
    assert list(shared.columns) == list(alone.columns) and shared.crs == alone.crs
    assert all(a.equals_exact(b, 0) for a, b in zip(alone.geometry, shared.geometry))
    assert all(a.equals_exact(b, 0) for a, b in zip(alone.geometry, first))
    assert alone.geometry.iloc[0].wkt != buurten.to_crs("EPSG:4326").geometry.iloc[0].wkt  # rounded and simplified


def test_geojson_geometry_is_shapely_mapping():
    from woonzorg_geo.outputs.maps.geometry import geojson_geometry

    shapes = [
        Point(6.5, 53.0),
        LineString([(6.5, 53.0), (6.51, 53.01)]),
        LineString([(0, 0, 1), (1, 1, 2)]),
        shapely.Polygon([(0, 0), (4, 0), (4, 4)], [[(1, 0.5), (2, 0.5), (2, 1)]]),
        shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(2, 2, 3, 3)]),
        shapely.MultiLineString([[(0, 0), (1, 1)], [(2, 2), (3, 3), (4, 2)]]),
        shapely.MultiPoint([(1, 2), (3, 4)]),
        shapely.GeometryCollection([Point(1, 1)]),
        shapely.Polygon(),
        *_buurten().to_crs("EPSG:4326").geometry,
    ]
    for shape in shapes:
        assert json.dumps(geojson_geometry(shape)) == json.dumps(shapely.geometry.mapping(shape)), shape.wkt


def test_add_area_outlines_with_labels():
    html = _html(maps.add_area_outlines(_map(), _wijken()))
    assert "Wijkgrenzen en namen" in html
    assert 'class=\\"wz-label\\"><span>Centrum' in html or 'class="wz-label"><span>Centrum' in html
    assert "Buitengebied" in html
    assert '"fill": false' in html
    _assert_assen_coords(html)


def test_add_homes_walking_time_classes():
    homes = _adressen()
    m = maps.add_homes(_map(), homes, column="tijd_huisarts_min", label="Woningen: looptijd naar huisarts")
    html = _html(m)
    assert "Woningen: looptijd naar huisarts" in html
    assert "MultiPoint" in html
    idx = maps.TIME_CLASSES.index(homes["tijd_huisarts_min"])
    for k in np.unique(idx):
        n = int((idx == k).sum())
        assert f"{maps.TIME_CLASSES.label(int(k))} ({n} woningen)" in html
    assert "onbereikbaar (1 woningen)" in html
    assert maps.TIME_CLASSES.missing_colour in html
    _assert_assen_coords(html)


def test_add_context_draws_main_roads_only():
    html = _html(maps.add_context(_map(), _netwerk()))
    assert "Wegen (OpenStreetMap)" in html
    xy = _coords(html)
    assert len(xy) >= 4
    # the minor road's first vertex (X0+123.4, Y0+321.1) is not drawn with the default classes
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(RD, 4326, always_xy=True).transform(X0 + 123.4, Y0 + 321.1)
    assert not (np.abs(xy - [round(lon, 6), round(lat, 6)]).max(axis=1) < 2e-6).any()
    html2 = _html(maps.add_context(_map(), _netwerk(), road_classes=("minor",)))
    xy2 = _coords(html2)
    assert (np.abs(xy2 - [round(lon, 6), round(lat, 6)]).max(axis=1) < 2e-6).any()
    within = gpd.GeoSeries([shapely.box(X0 + 1300, Y0, X0 + 1600, Y0 + 1000)], crs=RD)
    html3 = _html(maps.add_context(_map(), _netwerk(), road_classes=("minor", "path"), within=within))
    assert len(_coords(html3)) == 2  # only the footpath


def test_add_panel_and_legend_escape_text():
    m = _map()
    maps.add_panel(
        m, maps.panel_html("Wijk <Centrum>", [("Adressen", "5.080")], note="a & b", links=[("terug", "assen.html")])
    )
    maps.add_legend(m, "Looptijd", maps.TIME_CLASSES, symbol="circle")
    html = _html(m)
    assert "Wijk \\u0026lt;Centrum\\u0026gt;" in html or "Wijk &lt;Centrum&gt;" in html
    assert "5.080" in html and "assen.html" in html
    assert "meer dan 20 min" in html and "onbereikbaar" in html


def test_layer_control_and_exclusive_layers():
    m = _map()
    maps.add_homes(m, _adressen(), column="tijd_huisarts_min", label="A")
    a = maps.last_layer(m)
    maps.add_homes(m, _adressen(), column="tijd_ov_min", label="B", show=False)
    b = maps.last_layer(m)
    maps.add_exclusive(m, [a, b])
    maps.add_layer_control(m)
    html = _html(m)
    assert "L.control.layers(" in html
    assert f"var group = [{a.get_name()}, {b.get_name()}]" in html


def test_errors_name_crs_and_columns():
    no_crs = _buurten().set_crs(None, allow_override=True)
    with pytest.raises(NoCrsError):
        maps.add_choropleth(_map(), no_crs, column="pct_drie_a_800m", label="x")
    with pytest.raises(DataFileError) as err:
        maps.add_choropleth(_map(), _buurten(), column="bestaat_niet", label="x")
    assert err.value.field == "bestaat_niet"


# ------------------------------------------------------------------------------------------------
# write_maps on the synthetic output folder
# ------------------------------------------------------------------------------------------------


def test_write_maps_writes_gemeente_and_wijk_maps(synthetic_out, tmp_path):
    paths = maps.write_maps(synthetic_out, tmp_path / "maps", gemeente="Proefdorp", offline=True)
    assert [p.name for p in paths] == ["proefdorp_bereikbaarheid.html", "wijk_centrum.html", "wijk_buitengebied.html"]
    assert not [p for p in (tmp_path / "maps").iterdir() if p.name.startswith(".")]  # no temp files left
    gem = _read(paths[0])
    for text in (
        "Buurten: % woningen met OV-halte én supermarkt ≤ 800 m",
        "Wijkgrenzen en namen",
        "Voorzieningen: Huisarts",
        "Loopgebied 800 m: Huisarts",
        "Loopgebied 800 m: OV-halte of station",
        f"Binnen {VOCAB.norm_text} lopen naar {destination(VOCAB, 'huisarts')}",  # its legend, while it is on
        f"Loopafstand te voet naar {destination(VOCAB, 'supermarkt')}",
        "Loopafstand (vlak): Huisarts",
        "Loopafstand (vlak): Supermarkt",
        "Loopafstand (vlak): Apotheek",
        "Loopafstand (vlak): OV-halte of station",
        "Gemeente Proefdorp",
        "67,5%",
        "wijk_centrum.html",
        maps.ATTRIBUTION,
    ):
        assert text in gem, text
    wijk = _read(paths[1])
    for text in (
        "Woningen: looptijd naar huisarts",
        "Woningen: looptijd naar supermarkt",
        "Woningen: looptijd naar OV-halte of station",
        "Wijk Centrum",
        *(f"Looptijd te voet van de woning naar {destination(VOCAB, c)}" for c in HOME_CATS),
        f"looptempo {VOCAB.profile_label()}",
        "Voorzieningen: Huisarts",
        "proefdorp_bereikbaarheid.html",
        "75,0%",
        "Buurtgrenzen",
    ):
        assert text in wijk, text
    for p in paths:
        text = _read(p)
        assert p.stat().st_size < maps.MAX_MAP_BYTES
        assert not CDN.search(text), (p, CDN.search(text))
        _assert_assen_coords(text)


def test_default_balance_is_the_package_settings():
    from woonzorg_geo.core.palette import balance_classes
    from woonzorg_geo.core.settings_loader import load_settings
    from woonzorg_geo.outputs.maps.themes import DEFAULT_BALANCE

    o = load_settings().overlays
    assert DEFAULT_BALANCE == balance_classes(o.balans_grenzen, o.balans_labels)


def test_write_maps_other_profile(synthetic_out, tmp_path):
    paths = maps.write_maps(synthetic_out, tmp_path, gemeente="Proefdorp", offline=True, profile_suffix="_senior")
    wijk = _read(paths[1])
    assert "profiel senior" in wijk and "72,0%" in wijk  # pct_ov_en_supermarkt_800m_senior of Centrum


def test_write_maps_names_missing_file_and_field(tmp_path, synthetic_out):
    with pytest.raises(MissingDataError):
        maps.write_maps(tmp_path / "leeg", tmp_path / "maps", gemeente="X", offline=True)
    broken = tmp_path / "kapot"
    broken.mkdir()
    w = _wijken().drop(columns="pct_ov_en_supermarkt_800m")
    for name, frame in {
        "adressen": _adressen(),
        "buurten": _buurten(),
        "wijken": w,
        "voorzieningen": _voorzieningen(),
    }.items():
        frame.to_file(broken / "woonzorg.gpkg", layer=name, driver="GPKG")
    (broken / "samenvatting.json").write_text(json.dumps({"profielen": {"standaard": {}}}), encoding="utf-8")
    with pytest.raises(DataFileError) as err:
        maps.write_maps(broken, tmp_path / "maps", gemeente="X", offline=True)
    assert err.value.field == "pct_ov_en_supermarkt_800m" and "woonzorg.gpkg" in err.value.path
    assert err.value.fix


# ------------------------------------------------------------------------------------------------
# Real browser: headless Chromium over the DevTools protocol
# ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser():
    with running_chromium("the map tests in a real browser") as b:
        yield b


_DOM_PROBE = """(() => ({
  containers: document.querySelectorAll('.leaflet-container').length,
  panes: document.querySelectorAll('.leaflet-pane').length,
  paths: document.querySelectorAll('.leaflet-overlay-pane path').length,
  canvases: Array.from(document.querySelectorAll('.leaflet-overlay-pane canvas'))
                 .filter(c => c.width > 0 && c.height > 0).length,
  markers: document.querySelectorAll('.leaflet-marker-pane .leaflet-marker-icon').length,
  layers: Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
               .map(l => l.textContent.trim()),
  legends: Array.from(document.querySelectorAll('.wz-legend-title')).map(e => e.textContent),
  panel: (document.querySelector('.wz-panel') || {}).textContent || '',
  attribution: (document.querySelector('.leaflet-control-attribution') || {}).textContent || '',
}))()"""


def _distinct_colours(png: bytes) -> int:
    import rasterio
    from rasterio.io import MemoryFile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        with MemoryFile(png) as mem, mem.open() as ds:
            rgb = ds.read()[:3].reshape(3, -1).astype(np.uint32)
    return len(np.unique((rgb[0] << 16) | (rgb[1] << 8) | rgb[2]))


def check_in_browser(b: Chromium, path: Path, *, expect_layers: list[str], shot: Path) -> dict:
    """Open a map offline and check it is drawn without errors; returns the DOM probe."""
    b.open(path)
    info: dict = {}
    t0 = time.monotonic()
    while time.monotonic() - t0 < 10:
        info = b.evaluate(_DOM_PROBE)
        if info["containers"] and info["paths"] and info["layers"]:
            break
        time.sleep(0.1)
    errors = b.errors()
    assert not errors, f"{path.name}: JavaScript/console errors: {errors}"
    outside = [u for u in b.requests() if not u.startswith(("file:", "data:", "about:"))]
    assert not outside, f"{path.name}: requests outside the file: {outside}"
    assert info["containers"] == 1 and info["panes"] >= 5, info
    assert info["paths"] > 0, f"{path.name}: nothing drawn in the overlay pane"
    for name in expect_layers:
        assert any(label.startswith(name) for label in info["layers"]), (name, info["layers"])
    assert "© OpenStreetMap contributors" in info["attribution"] and "CBS / PDOK" in info["attribution"]
    png = b.screenshot(shot)
    assert _distinct_colours(png) > 16, f"{shot.name}: screenshot is (nearly) blank"
    return info


GEMEENTE_LAYERS = [
    "Buurten: % woningen met OV-halte én supermarkt ≤ 800 m",
    "Wijkgrenzen en namen",
    "Voorzieningen: Huisarts",
    "Voorzieningen: Supermarkt",
    "Loopgebied 800 m: Huisarts",
    "Loopafstand (vlak): Huisarts",
    "Loopafstand (vlak): Supermarkt",
    "Loopafstand (vlak): Apotheek",
    "Loopafstand (vlak): OV-halte of station",
]
WIJK_LAYERS = [
    "Woningen: looptijd naar huisarts",
    "Woningen: looptijd naar supermarkt",
    "Woningen: looptijd naar OV-halte of station",
    "Wijkgrenzen en namen",
    "Voorzieningen: Huisarts",
]


def test_browser_synthetic_maps(browser, synthetic_out, tmp_path):
    paths = maps.write_maps(synthetic_out, tmp_path / "maps", gemeente="Proefdorp", offline=True)
    for p in paths:
        gemeente = p.name.endswith("_bereikbaarheid.html")
        info = check_in_browser(
            browser,
            p,
            expect_layers=GEMEENTE_LAYERS if gemeente else WIJK_LAYERS,
            shot=ARTEFACTS / f"synthetisch_{p.stem}.png",
        )
        if gemeente:
            share = [
                t for t in info["legends"] if t.startswith("Buurten: % woningen met OV-halte én supermarkt ≤ 800 m")
            ]
            assert len(share) == 1 and f"looptempo {VOCAB.profile_label()}" in share[0], info["legends"]
            assert "Gemeente Proefdorp" in info["panel"]
        else:
            # one legend per home layer; only the one of the layer shown is on the map, naming its destination
            assert [t.split(",")[0] for t in info["legends"] if t.startswith("Looptijd")] == [
                f"Looptijd te voet van de woning naar {destination(VOCAB, HOME_CATS[0])}"
            ]
            assert "Wijk " in info["panel"] and "gemeente" in info["panel"]
            assert info["canvases"] >= 1  # the homes
    # switching on one home layer switches the other off (exclusive group), and the layer control works
    browser.open(paths[1])
    state = browser.evaluate("""(() => {
      const box = n => Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))
        .find(l => l.textContent.trim().startsWith(n)).querySelector('input');
      box('Woningen: looptijd naar supermarkt').click();
      return new Promise(done => setTimeout(() => done(
        [box('Woningen: looptijd naar huisarts').checked, box('Woningen: looptijd naar supermarkt').checked]), 50));
    })()""")
    assert state == [False, True]
    # the legend follows the layer shown: now the supermarket's, not the huisarts'
    time.sleep(0.1)
    shown = browser.evaluate(
        "Array.from(document.querySelectorAll('.wz-legend-title')).map(e => e.textContent)"
        ".filter(t => t.startsWith('Looptijd'))"
    )
    assert [t.split(",")[0] for t in shown] == [
        f"Looptijd te voet van de woning naar {destination(VOCAB, 'supermarkt')}"
    ]
    assert not browser.errors()


@pytest.fixture(scope="module")
def real_output(assen_output) -> Path:
    """The real `woonzorg-geo analyse` run for Assen (tests/conftest.py), with its maps beside it."""
    return assen_output


OVERLAY_LAYERS = [
    "Wijken: balans draagkracht − draaglast",
    "Wijken: draaglast (z-score)",
    "Wijken: draagkracht (z-score)",
    "Buurten: focus",
    "Buurten: veerkracht",
]


def test_browser_real_assen_maps(browser, real_output):
    """The maps `woonzorg-geo analyse` wrote for Assen: one per wijk, the gemeente and the overlays."""
    maps_dir = real_output.parent / "maps"
    wijken = gpd.read_file(real_output / "woonzorg.gpkg", layer="wijken")
    paths = sorted(maps_dir.glob("*.html"))
    names = {p.name for p in paths}
    assert "assen_bereikbaarheid.html" in names and "assen_draagkracht.html" in names
    assert len([n for n in names if n.startswith("wijk_")]) == len(wijken) == 10
    assert "wijk_buitengebied.html" in names
    sizes = {p.name: p.stat().st_size for p in paths}
    (ARTEFACTS / "kaartgroottes_assen.json").parent.mkdir(parents=True, exist_ok=True)
    (ARTEFACTS / "kaartgroottes_assen.json").write_text(json.dumps(sizes, indent=1), encoding="utf-8")
    assert max(sizes.values()) < maps.MAX_MAP_BYTES, sizes
    for p in paths:
        if p.name == "assen_draagkracht.html":
            info = check_in_browser(browser, p, expect_layers=OVERLAY_LAYERS, shot=ARTEFACTS / f"assen_{p.stem}.png")
            assert "sterk onder druk" in info["legends"] or "sterk onder druk" in info["panel"]
            continue
        gemeente = p.name == "assen_bereikbaarheid.html"
        info = check_in_browser(
            browser,
            p,
            expect_layers=GEMEENTE_LAYERS if gemeente else WIJK_LAYERS,
            shot=ARTEFACTS / f"assen_{p.stem}.png",
        )
        assert info["markers"] > 0
        if not gemeente:
            assert info["canvases"] >= 1  # the homes
        if gemeente:
            assert "Gemeente Assen" in info["panel"]
            assert info["paths"] > 100  # buurten, wijken, roads


# What a planner sees on a 1280 × 800 laptop screen: which share of the window is map (not a control),
# which labels are shown and where they are, and where the map opened.
_LAPTOP_PROBE = """(() => {
  const W = window.innerWidth, H = window.innerHeight, step = 8;
  let covered = 0, total = 0;
  for (let x = step / 2; x < W; x += step) {
    for (let y = step / 2; y < H; y += step) {
      total += 1;
      const el = document.elementFromPoint(x, y);
      if (!el || el.closest('.leaflet-control') || !el.closest('.leaflet-container')) { covered += 1; }
    }
  }
  const labels = Array.from(document.querySelectorAll('.wz-label span'))
    .filter(s => !s.closest('.wz-label-hidden'))
    .map(s => { const r = s.getBoundingClientRect();
                return {text: s.textContent, l: r.left, r: r.right, t: r.top, b: r.bottom}; })
    .filter(r => r.r > 0 && r.l < W && r.b > 0 && r.t < H && r.r > r.l);
  const hidden = Array.from(document.querySelectorAll('.wz-label-hidden .wz-label span')).map(s => s.textContent);
  const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map);
  const b = window[key].getBounds();
  return {W, H, free: 1 - covered / total, labels, hidden,
          expanded: document.querySelectorAll('.leaflet-control-layers-expanded').length,
          collapsed: document.querySelectorAll('.leaflet-control-layers:not(.leaflet-control-layers-expanded)').length,
          bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
          attribution: (document.querySelector('.leaflet-control-attribution') || {}).textContent || '',
          panel: (document.querySelector('.wz-panel') || {}).textContent || ''};
})()"""


def _overlapping(labels: list[dict]) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if a["l"] < b["r"] and b["l"] < a["r"] and a["t"] < b["b"] and b["t"] < a["b"]:
                out.append((a["text"], b["text"]))
    return out


def test_browser_laptop_screen_real_assen(browser, real_output):
    """At 1280 × 800: at least 70 % of the window is map, the layer control is folded, no two labels
    overlap, the map opens on the town (not the whole gemeente) and states the data's dates."""
    from woonzorg_geo.core import provenance

    maps_dir = real_output.parent / "maps"
    manifest = provenance.read(real_output)
    dates = {s.date for s in provenance.sources(manifest) if s.date}
    assert {"aug. 2021", "jul. 2015"} <= dates, dates  # OSM and the bus stops, from the catalogue
    adressen = gpd.read_file(real_output / "woonzorg.gpkg", layer="adressen", columns=["wijkcode"]).to_crs(4326)
    gemeente_box = adressen.total_bounds
    wijken = gpd.read_file(real_output / "woonzorg.gpkg", layer="wijken", columns=["code", "naam"])
    oost = wijken.loc[wijken["naam"] == "Assen-Oost", "code"].iloc[0]
    browser.viewport(1280, 800)
    seen: dict[str, dict] = {}
    try:
        for name, homes in (
            ("assen_bereikbaarheid", adressen),
            ("wijk_assen-oost", adressen[adressen["wijkcode"] == oost]),
            ("assen_draagkracht", adressen),
        ):
            browser.open(maps_dir / f"{name}.html")
            time.sleep(0.3)  # the labels are placed and the map refitted beside the panel after load
            info = browser.evaluate(_LAPTOP_PROBE)
            browser.screenshot(ARTEFACTS / f"laptop_1280x800_{name}.png")
            seen[name] = {
                "kaart_vrij": round(info["free"], 3),
                "labels": [x["text"] for x in info["labels"]],
                "verborgen": info["hidden"],
                "beeld": info["bounds"],
            }
            (ARTEFACTS / "laptop_1280x800.json").write_text(
                json.dumps(seen, indent=1, ensure_ascii=False), encoding="utf-8"
            )
            assert not browser.errors(), name
            assert (info["W"], info["H"]) == (1280, 800)
            assert info["free"] >= 0.70, (name, info["free"])
            assert info["expanded"] == 0 and info["collapsed"] == 1, name  # the layer control is folded
            assert len(info["labels"]) >= 3, (name, info["labels"])
            assert not _overlapping(info["labels"]), (name, _overlapping(info["labels"]))
            for text in (
                "© OpenStreetMap contributors (aug. 2021)",
                "CBS / PDOK (2024)",
                "bushaltes OVapi (jul. 2015)",
            ):
                assert text in info["attribution"], (name, info["attribution"])
            assert "Gegevens: OpenStreetMap (aug. 2021)" in info["panel"], name
            west, south, east, north = info["bounds"]
            x, y = homes.geometry.x.to_numpy(), homes.geometry.y.to_numpy()
            inside = ((x > west) & (x < east) & (y > south) & (y < north)).mean()
            assert inside > 0.9, (name, inside)  # the homes are in view ...
            if name != "wijk_assen-oost":  # ... and the view is the town, not the whole gemeente
                gx0, gy0, gx1, gy1 = gemeente_box
                assert (east - west) * (north - south) < 0.6 * (gx1 - gx0) * (gy1 - gy0), (name, info["bounds"])
    finally:
        browser.viewport(1280, 860)


def test_browser_labels_that_would_overlap_move_or_hide(browser, tmp_path):
    """Seven areas with their label on one spot: five are moved a line up or down, the two with the
    fewest addresses are hidden and show when the pointer is on them; none overlap."""
    boxes = gpd.GeoDataFrame(
        {"naam": [f"Label {i}" for i in range(1, 8)], "n_adressen": [70, 60, 50, 40, 30, 20, 10]},
        geometry=[shapely.box(X0 + 500 - i, Y0 + 500, X0 + 520 + i, Y0 + 520) for i in range(7)],
        crs=RD,
    )
    m = maps.new_map(_wijken(), offline=True)
    maps.add_area_outlines(m, boxes, name="Buurten")
    maps.add_layer_control(m)
    path = maps.save_map(m, tmp_path / "labels.html")
    browser.open(path)
    time.sleep(0.2)
    info = browser.evaluate(_LAPTOP_PROBE)
    assert not browser.errors()
    shown = [x["text"] for x in info["labels"]]
    assert sorted(shown) == [f"Label {i}" for i in range(1, 6)], shown
    assert sorted(info["hidden"]) == ["Label 6", "Label 7"]
    assert not _overlapping(info["labels"])
    box = browser.evaluate("""(() => { const s = Array.from(document.querySelectorAll('.wz-label-hidden .wz-label span'))
      .find(e => e.textContent === 'Label 7'); const r = s.getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2]; })()""")
    browser.call("Input.dispatchMouseEvent", page=True, type="mouseMoved", x=box[0], y=box[1])
    opacity = browser.evaluate("""getComputedStyle(Array.from(document.querySelectorAll('.wz-label-hidden .wz-label span'))
      .find(e => e.textContent === 'Label 7')).opacity""")
    assert float(opacity) == 1.0  # shown on hover


# Area names and voorziening symbols on screen: the names shown, the symbols shown, and every pair
# whose boxes overlap; also the scale bar's lines.
_LABELS_AND_SYMBOLS = """(() => {
  const vis = r => r.width > 0 && r.right > 0 && r.left < innerWidth && r.bottom > 0 && r.top < innerHeight;
  const labels = Array.from(document.querySelectorAll('.wz-label span'))
    .filter(s => !s.closest('.wz-label-hidden')).map(s => [s.textContent, s.getBoundingClientRect()])
    .filter(x => vis(x[1]));
  const icons = Array.from(document.querySelectorAll('.leaflet-marker-pane .wz-vz-icon'))
    .map(e => e.getBoundingClientRect()).filter(vis);
  const ov = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const hits = [];
  labels.forEach(([t, r]) => icons.forEach(i => { if (ov(r, i)) { hits.push(t); } }));
  // names are drawn above the symbols: each name's pane stacks higher than the marker pane
  const z = el => +getComputedStyle(el.closest('.leaflet-pane')).zIndex;
  const markerZ = z(document.querySelector('.leaflet-marker-pane'));
  const covered = Array.from(document.querySelectorAll('.wz-label span'))
    .filter(s => z(s) <= markerZ).map(s => s.textContent);
  return {labels: labels.map(x => x[0]), icons: icons.length, hits, covered,
          hidden: Array.from(document.querySelectorAll('.wz-label-hidden .wz-label span')).map(s => s.textContent),
          scale: Array.from(document.querySelectorAll('.leaflet-control-scale-line')).map(e => e.textContent)};
})()"""


def _metric_scale(lines: list[str]) -> bool:
    """One scale line, in metres or kilometres (no feet or miles)."""
    return len(lines) == 1 and re.fullmatch(r"\d+ k?m", lines[0]) is not None


def test_browser_names_clear_of_voorzieningen(browser, tmp_path):
    """A voorziening on the very spot of a wijk's name: the name moves off the symbol, is not
    covered by it, and the map's scale bar is metric only."""
    wijken = _wijken()
    spot = wijken.geometry.representative_point()
    vz = gpd.GeoDataFrame(
        {"categorie": ["huisarts"] * len(wijken), "naam": [f"Praktijk {i}" for i in range(len(wijken))]},
        geometry=list(spot),
        crs=RD,
    )
    m = maps.new_map(wijken, offline=True)
    maps.add_area_outlines(m, wijken, name="Wijkgrenzen en namen")
    maps.add_voorzieningen(m, vz)
    maps.add_layer_control(m)
    path = maps.save_map(m, tmp_path / "namen.html")
    browser.open(path)
    time.sleep(0.2)
    info = browser.evaluate(_LABELS_AND_SYMBOLS)
    assert not browser.errors()
    assert sorted(info["labels"]) == sorted(wijken["naam"]) and info["icons"] == len(wijken), info
    assert info["hits"] == [] and info["covered"] == [], info
    assert _metric_scale(info["scale"]), info["scale"]


def test_browser_real_assen_names_clear_of_voorzieningen(browser, real_output):
    """At 1280 × 800, on every map of Assen: no wijk or buurt name shown lies under or against a
    voorziening symbol, none is covered, and the scale bar is metric only."""
    maps_dir = real_output.parent / "maps"
    browser.viewport(1280, 800)
    seen = {}
    try:
        for path in sorted(maps_dir.glob("*.html")):
            browser.open(path)
            time.sleep(0.3)
            info = browser.evaluate(_LABELS_AND_SYMBOLS)
            seen[path.stem] = info
            assert not browser.errors(), path.name
            assert info["labels"], path.name
            assert info["hits"] == [] and info["covered"] == [], (path.name, info["hits"], info["covered"])
            assert _metric_scale(info["scale"]), (path.name, info["scale"])
        assert sum(v["icons"] for v in seen.values()) > 0  # the symbols were there to avoid
    finally:
        browser.viewport(1280, 860)
        (ARTEFACTS / "namen_en_symbolen_1280x800.json").write_text(
            json.dumps(seen, indent=1, ensure_ascii=False), encoding="utf-8"
        )


# The overview table on screen: horizontal scroll, and every text of two or more words whose lines
# hold one word each (a column too narrow); counted per text node, so a cell's deliberate second
# line (the address below a name) is not a wrap.
_TABLE_FIT = """(() => {
  const out = [];
  const walk = document.createTreeWalker(document.querySelector('#toetsen'), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const words = n.textContent.trim().split(/\\s+/).filter(Boolean).length;
    if (words < 2) { continue; }
    const r = document.createRange(); r.selectNodeContents(n);
    const lines = new Set(Array.from(r.getClientRects()).filter(x => x.width > 0).map(x => Math.round(x.top))).size;
    if (lines >= words) { out.push([n.textContent.trim(), words, lines]); }
  }
  return {scroll: document.documentElement.scrollWidth, width: document.documentElement.clientWidth,
          wordPerLine: out, cells: document.querySelectorAll('#toetsen td').length};
})()"""


def test_browser_toetsen_overview_fits_a_laptop(browser, tmp_path):
    """toetsen.html at 1280 × 800: every type of the settings with a long name, two rows refused with a
    long reason; no horizontal scroll, no text one word per line, labels not keys, and sorting by the
    verdict keeps the refused rows (their reason spans five columns) in order."""
    from test_toetsen_page import SETTINGS, synthetic_lijst

    from woonzorg_geo.outputs.toets_lijst import list_page

    lijst = synthetic_lijst()
    path = tmp_path / "toetsen.html"
    path.write_text(list_page(lijst, titel="Toetsen van een lange lijst"), encoding="utf-8")
    browser.viewport(1280, 800)
    try:
        browser.open(path)
        time.sleep(0.2)
        info = browser.evaluate(_TABLE_FIT)
        browser.screenshot(ARTEFACTS / "toetsen_1280x800.png")
        assert not browser.errors()
        assert info["cells"] > 0
        assert info["scroll"] <= info["width"] == 1280, info
        assert info["wordPerLine"] == [], info["wordPerLine"]
        text = browser.evaluate("document.querySelector('#toetsen').innerText")
        for key, zt in SETTINGS.types.items():
            assert zt.label in text and (key == zt.label or key not in text.split()), key
        verdicts = browser.evaluate("""(() => { document.querySelector('#toetsen th[data-col="9"]').click();
          return Array.from(document.querySelectorAll('#toetsen tbody tr'))
            .map(r => r.cells[r.cells.length - 1].textContent.trim()); })()""")
        assert (
            verdicts == sorted(verdicts, key=lambda v: (v != "niet getoetst", v))
            and verdicts.count("niet getoetst") == 2
        )
    finally:
        browser.viewport(1280, 860)


def test_browser_site_map(browser, tmp_path):
    """The candidate-site map on small frames: zoekgebieden, their ranks, cells and voorzieningen."""
    from shapely.geometry import Point, box

    wijken = gpd.GeoDataFrame(
        {"code": ["WK010600"], "naam": ["Proefwijk"]}, geometry=[box(233000, 557000, 234000, 558000)], crs=RD
    )
    cells = gpd.GeoDataFrame(
        {"score": [0.9, 0.8, 0.3, None], "buurt": ["Noord", "Noord", "Zuid", "Zuid"], "wijk": "Proefwijk"},
        geometry=[
            box(233100, 557100, 233200, 557200),
            box(233200, 557100, 233300, 557200),
            box(233500, 557500, 233600, 557600),
            box(233700, 557700, 233800, 557800),
        ],
        crs=RD,
    )
    zg = gpd.GeoDataFrame(
        {
            "rang": [1],
            "score": [0.9],
            "n_cellen": [2],
            "buurt": ["Noord"],
            "wijk": ["Proefwijk"],
            "toelichting": ["Rang 1 (score 0,90, Noord in Proefwijk): sterk door supermarkt 300 m."],
        },
        index=pd.Index(["zg001"], name="zoekgebied"),
        geometry=[box(233100, 557100, 233300, 557200)],
        crs=RD,
    )
    vz = gpd.GeoDataFrame(
        {"categorie": ["supermarkt"], "label": ["Supermarkt"], "naam": ["Super"], "bron": ["osm"]},
        geometry=[Point(233150, 557250)],
        crs=RD,
    )
    m = maps.site_map(zg, cells, wijken=wijken, voorzieningen=vz, gemeente="Proefdorp", offline=True)
    path = maps.save_map(m, tmp_path / "kandidaatlocaties.html")
    info = check_in_browser(
        browser,
        path,
        shot=ARTEFACTS / "synthetisch_kandidaatlocaties.png",
        expect_layers=[
            "Zoekgebieden geclusterd wonen (rang en score)",
            "Kandidaatcellen: score (0–1)",
            "Rangnummers zoekgebieden",
            "Voorzieningen: Supermarkt",
        ],
    )
    assert "Zoekgebieden geclusterd wonen" in info["panel"]
    assert info["markers"] >= 2  # the rank label and the supermarket


def test_artefacts_are_git_ignored():
    assert "tests/artefacts/" in (REPO / ".gitignore").read_text(encoding="utf-8")
