"""Place names in and around the gemeente, to check the place ("Plaats") of an address."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from woonzorg_geo import RD_NEW
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.sources.geocode import normalise_street
from woonzorg_geo.sources.osm import read_osm_places

log = logging.getLogger(__name__)


def place_key(name: object) -> str:
    """Comparison key of a place name: lower case, accents and punctuation removed."""
    return normalise_street(str(name))


@dataclass(frozen=True)
class Place:
    """A named place inside the gemeente and where it lies (EPSG:28992)."""

    naam: str
    soort: str
    geometry: shapely.Geometry


@dataclass(frozen=True)
class Places:
    """The gemeente and the places that lie in it, plus named places around it.

    ``inside`` maps :func:`place_key` of a name to every place of that name in the gemeente;
    ``around`` holds OSM places outside the gemeente (to name where an outside point lies).
    """

    gemeente: str
    gemeentecode: str
    shape: shapely.Geometry
    inside: dict[str, tuple[Place, ...]] = field(default_factory=dict)
    around: gpd.GeoDataFrame | None = None

    def names(self) -> list[str]:
        """The place names of the gemeente, the gemeente itself first, then villages and the rest."""
        order = {"gemeente": 0, "plaats (OSM)": 1, "wijk": 2, "buurt": 3, "buurt (OSM)": 4}
        firsts: dict[str, tuple[int, str]] = {}
        for places in self.inside.values():
            p = min(places, key=lambda q: order.get(q.soort, 9))
            firsts[p.naam] = (order.get(p.soort, 9), p.naam)
        return [n for _, n in sorted(firsts.values())]

    def is_municipality(self, name: str) -> bool:
        """True when ``name`` is the gemeente's own name."""
        return place_key(name) == place_key(self.gemeente)

    def area_of(self, point: shapely.Point) -> str:
        """``'buurt Overcingel, wijk Centrum'``: the CBS areas of the gemeente that hold ``point``."""
        found: dict[str, str] = {}
        for places in self.inside.values():
            for p in places:
                if p.soort in ("buurt", "wijk") and p.soort not in found and p.geometry.covers(point):
                    found[p.soort] = p.naam
        return ", ".join(f"{k} {found[k]}" for k in ("buurt", "wijk") if k in found)

    def knows(self, name: str) -> bool:
        """True when a place called ``name`` lies in the gemeente (or is the gemeente)."""
        return place_key(name) in self.inside

    def distance_to(self, name: str, point: shapely.Point) -> float | None:
        """Distance (m) from ``point`` to the nearest place called ``name`` in the gemeente; None if unknown."""
        places = self.inside.get(place_key(name))
        if not places:
            return None
        return float(min(shapely.distance(p.geometry, point) for p in places))

    def nearby(self, point: shapely.Point) -> str:
        """``'1,2 km van Rolde'``: the nearest named OSM place outside the gemeente, or ``''``."""
        if self.around is None or self.around.empty:
            return ""
        d = self.around.distance(point)
        i = d.idxmin()
        return f"{fmt.number(float(d[i]) / 1000.0, 1)} km van {self.around.at[i, 'name']}"


def _split_names(name: object) -> list[str]:
    """``'Anreep/Schieven'`` -> both names; ``'Vreebergen/Amelterhout'`` likewise."""
    return [p.strip() for p in re.split(r"\s*/\s*", str(name)) if p.strip()]


def municipality_places(inputs: Any, *, osm_classes: Sequence[str] = ()) -> Places:
    """The places of the gemeente of ``inputs``: its name, wijken, buurten and OSM places.

    Parameters
    ----------
    inputs
        The inputs of a run (``gemeente``, ``wijken``, ``buurten``, optional ``paths['osm_tiles']``).
    osm_classes
        OpenMapTiles place classes that count as places (empty: every class).
    """
    gem = inputs.gemeente if inputs.gemeente.crs == RD_NEW else inputs.gemeente.to_crs(RD_NEW)
    naam = str(gem["naam"].iloc[0]) if "naam" in gem and len(gem) else "de gemeente"
    code = str(gem.index[0]) if len(gem) else ""
    shape = gem.union_all()
    inside: dict[str, list[Place]] = {}

    def add(name: object, soort: str, geom: shapely.Geometry) -> None:
        if name is None or (isinstance(name, float) and np.isnan(name)) or geom is None or geom.is_empty:
            return
        for part in _split_names(name):
            inside.setdefault(place_key(part), []).append(Place(part, soort, geom))

    add(naam, "gemeente", shape)
    for soort, frame in (("wijk", getattr(inputs, "wijken", None)), ("buurt", getattr(inputs, "buurten", None))):
        if isinstance(frame, gpd.GeoDataFrame) and "naam" in frame and len(frame):
            f = frame if frame.crs == RD_NEW else frame.to_crs(RD_NEW)
            for name, geom in zip(f["naam"], f.geometry, strict=True):
                add(name, soort, geom)
    around = None
    paths = getattr(inputs, "paths", {}) or {}
    tiles = paths.get("osm_tiles")
    osm = getattr(inputs, "osm_places", None)
    if osm is not None and osm_classes:
        osm = osm.loc[osm["class"].isin(list(osm_classes))]
    if osm is None and tiles is not None and Path(tiles).exists():
        osm = read_osm_places(Path(tiles), osm_classes)
    if osm is not None:
        within = osm.within(shape)
        kern = {"city", "town", "village", "hamlet", "locality", "isolated_dwelling"}
        for name, cls, geom in zip(
            osm.loc[within, "name"], osm.loc[within, "class"], osm.loc[within].geometry, strict=True
        ):
            add(name, "plaats (OSM)" if cls in kern else "buurt (OSM)", geom)
        around = osm.loc[~within].reset_index(drop=True)
    log.debug("plaatsen in %s: %d namen", naam, len(inside))
    return Places(
        gemeente=naam, gemeentecode=code, shape=shape, inside={k: tuple(v) for k, v in inside.items()}, around=around
    )
