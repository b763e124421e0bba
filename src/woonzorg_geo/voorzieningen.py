"""Voorzieningen (amenities) by category, from OSM POIs, GTFS stops, CHB stations and address lists."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import RD_NEW
from .config import build_settings
from .errors import SettingsError
from .sources.osm import OSMData
from .validate import ensure_crs

log = logging.getLogger(__name__)

COLUMNS = ["categorie", "label", "naam", "bron", "precisie", "geometry"]
#: Which source's point represents a merged voorziening (first present wins).
SOURCE_PRIORITY = ("osm", "chb", "gtfs", "huisartsenlijst", "register")


@dataclass(frozen=True)
class CategoryRule:
    """How one category is recognised in each source (from ``voorzieningen.toml``)."""

    name: str
    label: str
    omt_subclass: tuple[str, ...] = ()
    osm_tags: tuple[str, ...] = ()
    gtfs: bool = False
    chb: bool = False
    huisartsenlijst: bool = False
    merge_m: float = 25.0
    namen: tuple[str, ...] = ()


def parse_rules(doc: dict[str, Any], *, source: str = "voorzieningen.toml") -> dict[str, CategoryRule]:
    """Turn the TOML document into :class:`CategoryRule` objects, refusing unknown keys."""
    table = doc.get("categorie")
    if not isinstance(table, dict) or not table:
        raise SettingsError(f"{source}: tabel [categorie.<naam>] ontbreekt")
    rules = {}
    for name, vals in table.items():
        if not isinstance(vals, dict):
            raise SettingsError(f"{source}: categorie.{name}: verwacht een tabel [categorie.{name}]")
        rule = build_settings(CategoryRule, {"label": name, **vals, "name": name}, f"{source}: categorie.{name}")
        for tag in rule.osm_tags:
            if "=" not in tag:
                raise SettingsError(f"{source}: categorie.{name}.osm_tags: {tag!r} moet 'sleutel=waarde' zijn")
        rules[name] = rule
    return rules


def categorise_pois(pois: gpd.GeoDataFrame, rules: dict[str, CategoryRule], *, schema: str) -> pd.Series:
    """The category of each POI (first matching rule), or missing when none matches."""
    cat = pd.Series(pd.NA, index=pois.index, dtype=object)
    for rule in rules.values():
        hit = pd.Series(False, index=pois.index)
        if schema == "openmaptiles" and rule.omt_subclass and "subclass" in pois:
            hit |= pois["subclass"].isin(rule.omt_subclass)
        if schema == "osm":
            for tag in rule.osm_tags:
                key, value = tag.split("=", 1)
                if key in pois:
                    hit |= pois[key].notna() if value == "*" else pois[key] == value
        if rule.namen and "name" in pois:
            wanted = {n.strip().lower() for n in rule.namen}
            hit |= pois["name"].fillna("").astype(str).str.strip().str.lower().isin(wanted)
        cat = cat.mask(cat.isna() & hit, rule.name)
    return cat


def _frame(
    points: gpd.GeoDataFrame,
    *,
    categorie: str,
    label: str,
    naam: pd.Series,
    bron: str,
    precisie: pd.Series | str = "punt",
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "categorie": categorie,
            "label": label,
            "naam": naam.to_numpy(),
            "bron": bron,
            "precisie": precisie if isinstance(precisie, str) else precisie.to_numpy(),
        },
        geometry=points.geometry.to_numpy(),
        crs=RD_NEW,
    )


def merge_duplicates(points: gpd.GeoDataFrame, rules: dict[str, CategoryRule]) -> gpd.GeoDataFrame:
    """Merge points of one category from *different* sources closer than the rule's ``merge_m``.

    Sources are taken in :data:`SOURCE_PRIORITY` order; each point of a later source joins the
    nearest earlier voorziening within ``merge_m`` that no point of its own source has joined yet
    (one-to-one per source pair), else it becomes a voorziening of its own. The point of the
    first source is kept; ``bron`` lists every source and ``naam`` the first name found. Points of
    the same source are never merged: three GP practices in one building stay three.
    """
    out: list[dict[str, Any]] = []  # rows, values as pandas gives them
    prio = {b: i for i, b in enumerate(SOURCE_PRIORITY)}
    for cat, group in points.groupby("categorie", sort=False):
        merge_m = rules[str(cat)].merge_m if cat in rules else 0.0
        kept: list[dict[str, Any]] = []
        order = sorted(group["bron"].unique(), key=lambda b: prio.get(b, 99))
        for bron in order:
            rows = group.loc[group["bron"] == bron]
            taken: set[int] = set()
            earlier = len(kept)  # only voorzieningen of earlier sources can absorb this one
            xy = np.array([[r["geometry"].x, r["geometry"].y] for r in kept]).reshape(-1, 2)
            for _, row in rows.iterrows():
                target = -1
                if earlier and merge_m > 0:
                    d = np.hypot(xy[:, 0] - row.geometry.x, xy[:, 1] - row.geometry.y)
                    for j in np.argsort(d):
                        if d[j] > merge_m:
                            break
                        if j not in taken and bron not in str(kept[j]["bron"]).split(";"):
                            target = int(j)
                            break
                if target >= 0:
                    taken.add(target)
                    k = kept[target]
                    k["bron"] = f"{k['bron']};{bron}"
                    if not k["naam"] and isinstance(row["naam"], str) and row["naam"]:
                        k["naam"] = row["naam"]
                else:
                    kept.append({c: row[c] for c in COLUMNS})
        out.extend(kept)
    merged = pd.DataFrame(out, columns=COLUMNS)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=RD_NEW)


def build_voorzieningen(
    osm: OSMData,
    *,
    rules: dict[str, CategoryRule],
    gtfs_stops: gpd.GeoDataFrame | None = None,
    stations: gpd.GeoDataFrame | None = None,
    huisartsen: gpd.GeoDataFrame | None = None,
    area: gpd.GeoDataFrame | None = None,
    area_buffer_m: float = 1500.0,
) -> gpd.GeoDataFrame:
    """Combine every source into one layer of voorzieningen with a category each.

    Parameters
    ----------
    osm
        OSM data; its POIs are categorised with the rules.
    rules
        Category rules (see :func:`parse_rules`).
    gtfs_stops, stations, huisartsen
        GTFS boarding points, CHB rail stations, a geocoded GP list (rows without geometry are
        left out and logged).
    area
        Keep voorzieningen within ``area_buffer_m`` of this area: people near the border use
        amenities just outside it.

    Returns
    -------
    GeoDataFrame
        EPSG:28992 with ``categorie``, ``label``, ``naam``, ``bron`` (``;``-separated when several
        sources were merged), ``precisie`` and point geometry; index ``vz_id``.
    """
    parts = []
    cat = categorise_pois(osm.pois, rules, schema=osm.schema)
    pois = ensure_crs(osm.pois, name="osm.pois").loc[cat.notna()]
    pois = pois.assign(_cat=cat[cat.notna()])
    pois = pois.loc[pois.geometry.geom_type == "Point"]
    for name, group in pois.groupby("_cat"):
        rule = rules[str(name)]
        if rule.namen:
            # a named place mapped several times (theatre, cinema, car park) counts once
            named = group["name"].fillna("").astype(str).str.strip().str.lower()
            by_name = named.isin({n.strip().lower() for n in rule.namen})
            group = group.loc[~by_name | ~named.duplicated()]
        parts.append(_frame(group, categorie=rule.name, label=rule.label, naam=group["name"], bron="osm"))
    for flag, frame, bron, precisie in (
        ("gtfs", gtfs_stops, "gtfs", "punt"),
        ("chb", stations, "chb", "punt"),
        ("huisartsenlijst", huisartsen, "huisartsenlijst", None),
    ):
        if frame is None:
            continue
        frame = ensure_crs(frame, name=bron)
        placed = frame.loc[frame.geometry.notna() & ~frame.geometry.is_empty]
        if len(placed) < len(frame):
            log.warning("%s: %d rijen zonder locatie overgeslagen", bron, len(frame) - len(placed))
        for rule in rules.values():
            if getattr(rule, flag):
                prec = placed["geocode_precisie"] if precisie is None and "geocode_precisie" in placed else "punt"
                parts.append(
                    _frame(placed, categorie=rule.name, label=rule.label, naam=placed["naam"], bron=bron, precisie=prec)
                )
    if not parts:
        return gpd.GeoDataFrame(columns=COLUMNS, geometry="geometry", crs=RD_NEW)
    allpts = pd.concat(parts, ignore_index=True)
    allpts = gpd.GeoDataFrame(allpts, geometry="geometry", crs=RD_NEW)
    if area is not None:
        shape = ensure_crs(area, name="area").union_all().buffer(area_buffer_m)
        allpts = allpts.loc[allpts.intersects(shape)]
    merged = merge_duplicates(allpts, rules)
    merged.index = pd.Index([f"vz{i:05d}" for i in range(len(merged))], name="vz_id")
    log.info("voorzieningen: %s", merged["categorie"].value_counts().to_dict())
    return merged


def count_inside(vz: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> pd.Series:
    """Number of voorzieningen per category inside ``area``."""
    shape = ensure_crs(area, name="area").union_all()
    inside = vz.loc[vz.within(shape)]
    counts: pd.Series = inside["categorie"].value_counts().sort_index()
    return counts
