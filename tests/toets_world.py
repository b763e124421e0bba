"""A small synthetic gemeente for the toets tests: 2 x 2 km, two wijken, three buurten, a street grid."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point, box

from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.network.accessibility import Accessibility, compute_accessibility
from woonzorg_geo.network.graph import ProfileGraph, build_network, profile_graph
from woonzorg_geo.sources.osm import OSMData

RD = "EPSG:28992"
X0, Y0 = 230000.0, 555000.0
GRID = [100.0 + 200.0 * k for k in range(10)]  # grid lines every 200 m, offset 100 m
# site A: Zuidstraat 5 in Groenbuurt (x 230450, y 555510); site B: Noordstraat 115 in Roodbuurt
SITE_A = (X0 + 450.0, Y0 + 510.0)


def _lines() -> gpd.GeoDataFrame:
    names_h = {500.0: "Zuidstraat", 1500.0: "Noordstraat"}
    rows = []
    for g in GRID:  # every line has a vertex at every crossing (the network is noded on vertices)
        rows.append({"name": names_h.get(g), "geometry": LineString([(X0 + x, Y0 + g) for x in GRID])})
        rows.append({"name": None, "geometry": LineString([(X0 + g, Y0 + y) for y in GRID])})
    # a street outside the gemeente (its own island)
    rows.append({"name": "Buitenweg", "geometry": LineString([(X0 + 3000, Y0 + 100), (X0 + 3000, Y0 + 1900)])})
    gdf = gpd.GeoDataFrame(rows, crs=RD)
    gdf["class"] = "minor"
    gdf["subclass"] = None
    return gdf


def _addresses() -> gpd.GeoDataFrame:
    rows = []
    for i in range(1, 21):
        x = X0 + 100.0 * i - 50.0
        rows.append({"housenumber": str(i), "geometry": Point(x, Y0 + 510.0)})  # Zuidstraat i
        rows.append({"housenumber": str(100 + i), "geometry": Point(x, Y0 + 1510.0)})  # Noordstraat 100+i
    rows.append({"housenumber": "500", "geometry": Point(X0 + 3010.0, Y0 + 1000.0)})  # Buitenweg 500
    gdf = gpd.GeoDataFrame(rows, crs=RD)
    gdf["street"] = None
    gdf["postcode"] = None
    return gdf


def _voorzieningen() -> gpd.GeoDataFrame:
    rows = [
        ("vz1", "supermarkt", "Supermarkt", "Testsuper", "osm", (520, 520)),
        ("vz2", "ov_halte", "OV-halte", "Halte Zuid", "gtfs", (600, 490)),
        ("vz3", "huisarts", "Huisarts", "Praktijk Zuid", "osm", (400, 520)),
        ("vz4", "apotheek", "Apotheek", "Apotheek Zuid", "osm", (700, 520)),
        ("vz5", "ontmoetingsplek", "Ontmoetingsplek", "Buurthuis Zuid", "osm", (500, 700)),
        ("vz6", "woonzorg", "Woonzorglocatie", "Verpleeghuis Noord", "osm", (1530, 1490)),
    ]
    return gpd.GeoDataFrame(
        {
            "categorie": [r[1] for r in rows],
            "label": [r[2] for r in rows],
            "naam": [r[3] for r in rows],
            "bron": [r[4] for r in rows],
            "precisie": "punt",
        },
        geometry=[Point(X0 + r[5][0], Y0 + r[5][1]) for r in rows],
        crs=RD,
        index=pd.Index([r[0] for r in rows], name="vz_id"),
    )


def _areas() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    buurten = gpd.GeoDataFrame(
        {
            "naam": ["Groenbuurt", "Middenbuurt", "Roodbuurt"],
            "wijkcode": ["WK999901", "WK999901", "WK999902"],
            "n_adressen": [500, 500, 400],
            "inwoners_cbs": [np.nan, np.nan, np.nan],
            "focus": ["laag", "midden", "hoog"],
            "veerkracht": ["hoog", "midden", "laag"],
            "focus_redenen": ["geen signalen", "signaal: toename kwetsbaar", "overlast samen met lage veerkracht"],
            "veerkracht_redenen": ["afname", "geen bijzondere signalen", "lage veerkracht"],
            "signalen": ["", "toename_kwetsbaar", "lage_veerkracht, overlast_onveiligheid"],
            "signalen_toelichting": ["", "toename kwetsbare inwoners", "lage veerkracht; overlast"],
            "pct_ov_en_supermarkt_800m_senior": [50.0, 80.0, 20.0],
        },
        geometry=[
            box(X0, Y0, X0 + 1000, Y0 + 1000),
            box(X0, Y0 + 1000, X0 + 1000, Y0 + 2000),
            box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000),
        ],
        crs=RD,
        index=pd.Index(["BU99990101", "BU99990102", "BU99990201"], name="code"),
    )
    wijken = gpd.GeoDataFrame(
        {
            "naam": ["Groenwijk", "Roodwijk"],
            "n_adressen": [1000, 400],
            "inwoners_cbs": [2000.0, 1000.0],
            "draaglast": [0.0, 1.2],
            "draagkracht": [0.0, -1.1],
            "balans": [0.0, -2.3],
            "balans_klasse": ["in evenwicht", "sterk onder druk"],
            "overlay_toelichting": ["", "draaglast vooral door onveiligheid"],
            "wmo_beschermd_wonen_per_1000": [2.0, 3.0],
            "pct_ov_en_supermarkt_800m_senior": [60.0, 20.0],
        },
        geometry=[box(X0, Y0, X0 + 1000, Y0 + 2000), box(X0 + 1000, Y0, X0 + 2000, Y0 + 2000)],
        crs=RD,
        index=pd.Index(["WK999901", "WK999902"], name="code"),
    )
    return buurten, wijken


@dataclass(frozen=True)
class ToetsWorld:
    """An Analysis-like object with the attributes run_toets uses; its vocabulary follows its settings.

    Swap a part with :func:`dataclasses.replace` (``replace(world, settings=...)``): the vocabulary
    (norm, profiles, labels) is computed from the settings the world has, as
    :attr:`.areas.analysis.Analysis.vocab` is.
    """

    settings: Settings
    inputs: Any  # a SimpleNamespace with the attributes of datasets.Inputs the toets reads
    graphs: dict[str, ProfileGraph]
    access: dict[str, Accessibility]
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame

    @property
    def vocab(self) -> Vocabulary:
        """The vocabulary of this world's settings and profiles."""
        return Vocabulary.from_settings(self.settings, profiles=list(self.graphs))


def make_world(settings=None) -> ToetsWorld:
    """An Analysis-like object with the attributes run_toets uses (``settings``: the run's settings)."""
    S = settings or load_settings()
    lines = _lines()
    net = build_network(lines, settings=S.netwerk)
    graphs = {name: profile_graph(net, prof) for name, prof in S.profielen.items()}
    buurten, wijken = _areas()
    gemeente = gpd.GeoDataFrame(
        {"naam": ["Testgem"]},
        geometry=[box(X0, Y0, X0 + 2000, Y0 + 2000)],
        crs=RD,
        index=pd.Index(["GM9999"], name="code"),
    )
    osm = OSMData(
        lines=lines,
        pois=gpd.GeoDataFrame(columns=["class", "subclass", "name", "geometry"], geometry="geometry", crs=RD),
        addresses=_addresses(),
        source="synthetisch",
    )
    inputs = SimpleNamespace(
        gemeente=gemeente,
        buurten=buurten,
        wijken=wijken,
        osm=osm,
        voorzieningen=_voorzieningen(),
        kerncijfers=pd.DataFrame({"AantalInwoners_5": [3000.0]}, index=pd.Index(["GM9999"], name="code")),
        paths={},
    )
    vocab = Vocabulary.from_settings(S, profiles=list(graphs))
    acc = S.bereikbaarheid
    access = {
        name: compute_accessibility(
            pg,
            osm.addresses,
            inputs.voorzieningen,
            categories=acc.categories,
            radii_m=acc.count_radii_m,
            max_snap_m=acc.max_snap_m,
            composites=vocab.composites,
        )
        for name, pg in graphs.items()
    }
    return ToetsWorld(settings=S, inputs=inputs, graphs=graphs, access=access, buurten=buurten, wijken=wijken)


def register_csv(tmp_path: Path, rows: list[tuple[str, str, str, str]], name: str = "register.csv") -> Path:
    """A register CSV (naam;adres;postcode;type) with these rows."""
    path = tmp_path / name
    lines = ["naam;adres;postcode;type"] + [";".join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FAR = ("Verre Zorg", "Noordstraat 118", "", "beschermd_wonen")  # Roodbuurt, 1.6 km from site A
NEAR_1 = ("Dichtbij Zorg", "Zuidstraat 7", "", "Beschermd wonen")  # 200 m from site A, label as type
NEAR_2 = ("Tweede Zorg", "Zuidstraat 3", "", "beschermd_wonen")  # 200 m from site A
