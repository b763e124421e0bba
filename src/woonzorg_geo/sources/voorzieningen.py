"""Voorzieningen (amenities) by category, from OSM POIs, GTFS stops, CHB stations and address lists."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo import RD_NEW
from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.toml_files import build_settings
from woonzorg_geo.core.validate import ensure_crs
from woonzorg_geo.sources.osm import OSMData

log = logging.getLogger(__name__)

COLUMNS = ["categorie", "label", "naam", "bron", "precisie", "geometry"]
#: Which source's point represents a merged voorziening (first present wins).
SOURCE_PRIORITY = ("osm", "chb", "gtfs", "huisartsenlijst", "igj", "register")
#: Readable name of each ``bron`` flag (column ``bron_label``).
SOURCE_LABELS = {
    "osm": "OpenStreetMap",
    "chb": "CHB (treinstations)",
    "gtfs": "GTFS (bushaltes)",
    "huisartsenlijst": "huisartsenlijst",
    "igj": "IGJ-apothekersregister",
    "register": "register",
}
#: Words that say nothing about which pharmacy or shop a name means (name matching in merges).
_GENERIC_WORDS = frozenset(
    {
        "apotheek",
        "apotheker",
        "b",
        "v",
        "bv",
        "benu",
        "service",
        "mediq",
        "alphega",
        "kring",
        "de",
        "het",
        "en",
        "huisartsenpraktijk",
        "praktijk",
        "apotheekhoudende",
        "apotheekhoudend",
        "met",
        "van",
        "locatie",
        "nl",
    }
)


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
    igj: bool = False
    apotheekhoudend: bool = False
    merge_m: float = 25.0
    merge_naam_m: float = 0.0
    namen: tuple[str, ...] = ()
    naam_uitsluiten: tuple[str, ...] = ()


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
        if rule.naam_uitsluiten and "name" in pois:
            hit &= ~name_contains(pois["name"], rule.naam_uitsluiten)
        cat = cat.mask(cat.isna() & hit, rule.name)
    return cat


def source_text(bron: object, datum: object = None) -> str:
    """Readable sources of one voorziening with their dates: ``'osm;igj'`` and ``'aug. 2021;jan. 2026'``
    give ``'OpenStreetMap (aug. 2021) + IGJ-apothekersregister (jan. 2026)'``."""
    if not isinstance(bron, str) or not bron.strip():
        return "onbekend"
    names = [SOURCE_LABELS.get(b.strip(), b.strip()) for b in bron.split(";") if b.strip()]
    when = datum.split(";") if isinstance(datum, str) else []
    if len(when) == len(names):
        names = [f"{n} ({d.strip()})" if d.strip() else n for n, d in zip(names, when, strict=True)]
    return " + ".join(names)


def name_contains(names: pd.Series, parts: tuple[str, ...]) -> pd.Series:
    """Whether each name contains one of ``parts`` (case-insensitive, literal substrings)."""
    low = names.fillna("").astype(str).str.lower()
    hit = pd.Series(False, index=names.index)
    for part in parts:
        hit |= low.str.contains(part.strip().lower(), regex=False)
    return hit


def name_tokens(name: object) -> set[str]:
    """The distinguishing words of a name (lower case, generic words like 'apotheek' left out)."""
    if not isinstance(name, str):
        return set()
    words = re.split(r"[^0-9a-zà-ÿ]+", name.lower())
    return {w for w in words if len(w) > 2 and w not in _GENERIC_WORDS}


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
    the same source are never merged: three GP practices in one building stay three. A rule's
    ``merge_naam_m`` (larger than ``merge_m``) also joins points up to that distance apart whose
    names share a distinguishing word (:func:`name_tokens`): a geocoded register address and the
    mapped pharmacy lie tens of metres apart. ``bron_datum`` is joined like ``bron``.
    """
    out: list[dict[str, Any]] = []  # rows, values as pandas gives them
    if "bron_datum" not in points:
        points = points.assign(bron_datum="")
    prio = {b: i for i, b in enumerate(SOURCE_PRIORITY)}
    for cat, group in points.groupby("categorie", sort=False):
        merge_m = rules[str(cat)].merge_m if cat in rules else 0.0
        naam_m = rules[str(cat)].merge_naam_m if cat in rules else 0.0
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
                if target < 0 and earlier and naam_m > merge_m:
                    # farther apart (a geocoded address against a mapped point) but one name
                    mine = name_tokens(row["naam"])
                    d = np.hypot(xy[:, 0] - row.geometry.x, xy[:, 1] - row.geometry.y)
                    for j in np.argsort(d):
                        if d[j] > naam_m:
                            break
                        free = j not in taken and bron not in str(kept[j]["bron"]).split(";")
                        if free and mine & name_tokens(kept[j]["naam"]):
                            target = int(j)
                            break
                if target >= 0:
                    taken.add(target)
                    k = kept[target]
                    k["bron"] = f"{k['bron']};{bron}"
                    k["bron_datum"] = f"{k['bron_datum']};{row['bron_datum']}"
                    # the first name found: a point without one (None or NaN) takes the next source's
                    if not _has_name(k["naam"]) and _has_name(row["naam"]):
                        k["naam"] = row["naam"]
                else:
                    kept.append({c: row[c] for c in (*COLUMNS, "bron_datum")})
        out.extend(kept)
    merged = pd.DataFrame(out, columns=[*COLUMNS, "bron_datum"])
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
    apotheken: gpd.GeoDataFrame | None = None,
    apotheekhoudend: gpd.GeoDataFrame | None = None,
    bron_datum: dict[str, str] | None = None,
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
    apotheken, apotheekhoudend
        The geocoded IGJ register (``bron`` ``igj``) and the dispensing GPs of the GP list (``bron``
        ``huisartsenlijst``), for the categories whose rule sets ``igj`` / ``apotheekhoudend``.
    bron_datum
        The date of each source (``bron`` flag to a Dutch date), column ``bron_datum``.
    area
        Keep voorzieningen within ``area_buffer_m`` of this area: people near the border use
        amenities just outside it.

    Returns
    -------
    GeoDataFrame
        EPSG:28992 with ``categorie``, ``label``, ``naam``, ``bron`` (``;``-separated when several
        sources were merged), ``precisie``, ``bron_datum`` (``;``-separated like ``bron``),
        ``bron_label`` (readable) and point geometry; index ``vz_id``.
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
        ("igj", apotheken, "igj", None),
        ("apotheekhoudend", apotheekhoudend, "huisartsenlijst", None),
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
        return gpd.GeoDataFrame(columns=[*COLUMNS, "bron_datum", "bron_label"], geometry="geometry", crs=RD_NEW)
    allpts = pd.concat(parts, ignore_index=True)
    allpts = gpd.GeoDataFrame(allpts, geometry="geometry", crs=RD_NEW)
    if area is not None:
        shape = ensure_crs(area, name="area").union_all().buffer(area_buffer_m)
        allpts = allpts.loc[allpts.intersects(shape)]
    allpts["bron_datum"] = allpts["bron"].map(lambda b: (bron_datum or {}).get(str(b), ""))
    merged = name_by_address(merge_duplicates(allpts, rules), osm)
    merged["bron_label"] = merged["bron"].map(lambda b: "; ".join(SOURCE_LABELS.get(x, x) for x in str(b).split(";")))
    merged.index = pd.Index([f"vz{i:05d}" for i in range(len(merged))], name="vz_id")
    log.info("voorzieningen: %s", merged["categorie"].value_counts().to_dict())
    return merged


def _has_name(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


#: How far from an unnamed voorziening its address is looked for: the nearest address point (house
#: number) within this distance, and the named street nearest to that point within it too. An
#: entrance lies on the building's street side; 40 m covers a practice set back behind a car park
#: without reaching the next block (Dutch urban blocks are about 60–100 m deep).
ADDRESS_NAME_M = 40.0


def name_by_address(vz: gpd.GeoDataFrame, osm: OSMData, *, max_m: float = ADDRESS_NAME_M) -> gpd.GeoDataFrame:
    """``vz`` with a name for every voorziening: one without a name in any source is named by its
    address from OSM, ``'Huisarts, Kloosterstraat 12'`` (``'Huisarts, bij Kloosterstraat'`` without
    a house number nearby), or ``'Huisarts (naam en adres onbekend)'`` when no named street is near.

    The house number is that of the nearest OSM address point within ``max_m``; the street the
    nearest named OSM line to that point (or to the voorziening) within ``max_m``. ``vz`` is not changed.
    """
    if vz.empty or "naam" not in vz.columns:
        return vz
    missing = ~vz["naam"].map(_has_name).to_numpy(dtype=bool)
    if not missing.any():
        return vz
    out = vz.copy()
    out["naam"] = out["naam"].astype(object)
    lines = getattr(osm, "lines", None)
    addresses = getattr(osm, "addresses", None)
    streets = None
    if lines is not None and len(lines) and "name" in lines.columns:
        named = lines.loc[lines["name"].map(_has_name)]
        streets = ensure_crs(named, name="osm.lines").to_crs(RD_NEW)[["name", "geometry"]] if len(named) else None
    numbers = None
    if addresses is not None and len(addresses) and "housenumber" in addresses.columns:
        numbers = ensure_crs(addresses, name="osm.addresses").to_crs(RD_NEW)[["housenumber", "geometry"]]
    for idx in np.flatnonzero(missing):
        point = out.geometry.iloc[idx]
        label = str(out["label"].iloc[idx]) if "label" in out.columns else str(out["categorie"].iloc[idx])
        number, at = "", point
        if numbers is not None:
            near = numbers.sindex.query(point, predicate="dwithin", distance=max_m)
            if len(near):
                cand = numbers.iloc[near]
                best = cand.distance(point).to_numpy().argmin()
                number, at = str(cand["housenumber"].iloc[best]).strip(), cand.geometry.iloc[best]
        street = ""
        if streets is not None:
            near = streets.sindex.query(at, predicate="dwithin", distance=max_m)
            if len(near):
                cand = streets.iloc[near]
                street = str(cand["name"].iloc[cand.distance(at).to_numpy().argmin()]).strip()
        if street and number:
            text = f"{label}, {street} {number}"
        elif street:
            text = f"{label}, bij {street}"
        else:
            text = f"{label} (naam en adres onbekend)"
        out.iloc[idx, out.columns.get_loc("naam")] = text
    log.info("voorzieningen zonder naam: %d, genoemd naar hun adres in OSM", int(missing.sum()))
    return out


def count_inside(vz: gpd.GeoDataFrame, area: gpd.GeoDataFrame) -> pd.Series:
    """Number of voorzieningen per category inside ``area``."""
    shape = ensure_crs(area, name="area").union_all()
    inside = vz.loc[vz.within(shape)]
    counts: pd.Series = inside["categorie"].value_counts().sort_index()
    return counts
