"""Street, house number and postcode of a point, for people: the homes and voorzieningen of ``watals``.

A planner tells homes and shops apart by their address, not by an id. The offline data has no
address register: OpenStreetMap's vector tiles give a house number per address point and a name
per street, but neither street nor postcode at the point. An address is therefore put together:

* the house number of the address point (a home), or of the nearest address point within
  ``adres_huisnummer_m`` (a voorziening: a shop's point lies in its building, as its number does);
* the street the point carries where the source has it (raw OSM, BAG), else the name of the
  nearest named street within ``adres_straat_m``;
* the postcode where the source has it; offline it is known for the voorzieningen of the
  registers (huisartsen, apotheken: their own address and postcode, which wins).

Where nothing is found the address is ``''``: no guess beyond these distances. The distances are
settings (``[zoeken]``, see :class:`woonzorg_geo.core.config.SearchSettings`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

    from woonzorg_geo.core.config import SearchSettings, Settings
    from woonzorg_geo.sources.osm import OSMData

log = logging.getLogger(__name__)

#: Named OSM lines that are no street a building is addressed on (OpenMapTiles ``class``).
NOT_STREETS = ("path", "platform", "raceway", "abandoned", "rail", "transit", "ferry", "rest_area", "services")
#: The columns :func:`point_addresses` gives.
COLUMNS = ("straat", "huisnummer", "postcode", "adres")
#: A register's point counts as the voorziening's when they lie this close (the same geocoded point).
SAME_POINT_M = 1.0


def address_text(straat: object, huisnummer: object, postcode: object) -> str:
    """``'Hillenga 3, 9405 AA'``, ``'Hillenga 3'``, ``'Hillenga'`` or ``''`` (parts that are missing left out)."""
    parts = [_clean(straat), _clean(huisnummer)]
    head = " ".join(p for p in parts if p) if parts[0] else ""
    pc = _clean(postcode)
    return ", ".join(p for p in (head, pc) if p)


def _clean(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    text = str(value).strip()
    return "" if text.lower() in ("nan", "none", "<na>") else text


def _strings(frame: pd.DataFrame, column: str, index: pd.Index) -> pd.Series:
    if column not in frame:
        return pd.Series("", index=index, dtype=object)
    return frame[column].reindex(index).map(_clean).astype(object)


def nearest_street(points: Any, lines: gpd.GeoDataFrame, *, max_m: float) -> np.ndarray:
    """The name of the nearest named street within ``max_m`` of each point (``''`` where none is).

    Uses the spatial index of ``lines`` (GeoPandas keeps it with the frame, so a second call does
    not build it again: the app and ``watals`` ask for a few points at a time).
    """
    import shapely

    geoms = np.asarray(points, dtype=object)
    out = np.full(len(geoms), "", dtype=object)
    if len(geoms) == 0 or "name" not in lines or len(lines) == 0:
        return out
    src, dst = lines.sindex.query(geoms, predicate="dwithin", distance=max_m)
    names = lines["name"].to_numpy()[dst]
    ok = pd.notna(names)
    if "class" in lines:
        ok &= ~np.isin(lines["class"].to_numpy()[dst], NOT_STREETS)
    src, dst, names = src[ok], dst[ok], names[ok]
    if len(src) == 0:
        return out
    dist = shapely.distance(geoms[src], lines.geometry.to_numpy()[dst])
    order = np.lexsort((dist, src))  # per point, the nearest first
    first = np.unique(src[order], return_index=True)[1]
    out[src[order][first]] = [str(n) for n in names[order][first]]
    return out


def point_addresses(
    points: gpd.GeoSeries,
    osm: OSMData,
    *,
    settings: SearchSettings,
    homes: bool = False,
    own: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The address of each point (EPSG:28992): :data:`COLUMNS`, indexed as ``points``.

    Parameters
    ----------
    points
        The points, any index.
    homes
        The points are address points, indexed as ``osm.addresses`` (their own number, street and
        postcode are used); else the nearest address point's number within ``adres_huisnummer_m``.
    osm
        The run's OSM data: ``addresses`` (``housenumber``; ``street``, ``postcode`` where known)
        and the named ``lines``.
    settings
        ``[zoeken]``: ``adres_straat_m``, ``adres_huisnummer_m``.
    own
        Columns ``straat``/``huisnummer``/``postcode`` (a register's address), indexed as
        ``points``: where its ``straat`` is not empty it replaces the found address (its postcode
        only where it has one).
    """

    addr = osm.addresses
    idx = points.index
    out = pd.DataFrame(index=idx)
    own_point = idx.isin(addr.index) if homes and len(addr) else np.zeros(len(idx), dtype=bool)
    source = pd.Series(np.nan, index=idx, dtype=object)  # the address point each point takes its number from
    source[own_point] = idx[own_point]
    far = ~own_point
    if far.any() and len(addr):  # the frame's own spatial index: built once, kept with it
        src, dst = addr.sindex.nearest(
            points.to_numpy()[far], return_all=False, max_distance=settings.adres_huisnummer_m
        )
        hit = pd.Series(addr.index[dst], index=idx[far][src])
        source.loc[hit.index[~hit.index.duplicated()]] = hit[~hit.index.duplicated()].to_numpy()
    known = source.notna()
    keys = pd.Index(source[known])
    number = pd.Series("", index=idx, dtype=object)
    street = pd.Series("", index=idx, dtype=object)
    postcode = pd.Series("", index=idx, dtype=object)
    number[known] = _strings(addr, "housenumber", keys).to_numpy()
    street[known] = _strings(addr, "street", keys).to_numpy()
    postcode[known] = _strings(addr, "postcode", keys).to_numpy()
    # no street on the point: the nearest named street, from the address point where there is one
    need = (street == "").to_numpy()
    if need.any():
        where = points.to_numpy().copy()
        at_addr = known.to_numpy() & need
        if at_addr.any():
            where[at_addr] = addr.geometry.loc[pd.Index(source[at_addr])].to_numpy()
        street[need] = nearest_street(where[need], osm.lines, max_m=settings.adres_straat_m)
    # a number without a street is no address
    number[street == ""] = ""
    out["straat"], out["huisnummer"], out["postcode"] = street, number, postcode
    if own is not None and "straat" in own:
        mine = own.reindex(idx)
        use = pd.Series((mine["straat"].map(_clean) != "").to_numpy(), index=idx)
        for col in ("straat", "huisnummer", "postcode"):
            theirs = mine[col].map(_clean) if col in mine else pd.Series("", index=idx, dtype=object)
            take = use & (theirs != "") if col == "postcode" else use
            out[col] = theirs.where(take, out[col])
    out["adres"] = [address_text(*row) for row in out[["straat", "huisnummer", "postcode"]].itertuples(index=False)]
    return out


def register_addresses(voorzieningen: gpd.GeoDataFrame, inputs: Any, settings: Settings) -> pd.DataFrame:
    """The register's own address of the voorzieningen that come from one (huisartsen, IGJ-apotheken).

    A voorziening takes the address of a register row at the same point (within
    :data:`SAME_POINT_M`: the voorziening is that row, geocoded). Columns ``straat`` (with the
    house number, as the register writes it), ``huisnummer`` (``''``) and ``postcode``.
    """
    import shapely

    from woonzorg_geo.sources.independent_lists import IGJ_ADRES, IGJ_POSTCODE

    d = settings.data
    registers = [
        (getattr(inputs, "huisartsen", None), d.huisartsen_adres, d.huisartsen_postcode),
        (getattr(inputs, "apotheken", None), IGJ_ADRES, IGJ_POSTCODE),
    ]
    out = pd.DataFrame({"straat": "", "huisnummer": "", "postcode": ""}, index=voorzieningen.index, dtype=object)
    pts = voorzieningen.geometry.to_numpy()
    for reg, adres_col, pc_col in registers:
        if reg is None or len(reg) == 0 or adres_col not in reg:
            continue
        reg = reg.loc[reg.geometry.notna() & ~reg.geometry.is_empty]
        if reg.empty:
            continue
        tree = shapely.STRtree(reg.geometry.to_numpy())
        src, dst = tree.query_nearest(pts, max_distance=SAME_POINT_M, all_matches=False)
        rows = voorzieningen.index[src]
        free = (out.loc[rows, "straat"] == "").to_numpy()
        out.loc[rows[free], "straat"] = reg[adres_col].iloc[dst[free]].map(_clean).to_numpy()
        if pc_col in reg:
            out.loc[rows[free], "postcode"] = reg[pc_col].iloc[dst[free]].map(_clean).to_numpy()
    return out


def with_addresses(
    voorzieningen: gpd.GeoDataFrame, inputs: Any, *, settings: Settings | None = None
) -> gpd.GeoDataFrame:
    """A copy of ``voorzieningen`` with ``straat``, ``huisnummer``, ``postcode`` and ``adres``.

    ``inputs`` is the run's :class:`.sources.datasets.Inputs` (``a.inputs`` of an analysis): its OSM
    addresses and streets, and the registers. The input frame is not changed. Compute once and
    search many times (:func:`woonzorg_geo.sources.name_search.find_voorzieningen` reads ``adres``).
    """
    from woonzorg_geo.core.settings_loader import load_settings

    s = settings or load_settings()
    own = register_addresses(voorzieningen, inputs, s)
    found = point_addresses(voorzieningen.geometry, inputs.osm, settings=s.zoeken, own=own)
    out = voorzieningen.drop(columns=[c for c in COLUMNS if c in voorzieningen]).copy()
    for col in COLUMNS:
        out[col] = found[col].to_numpy()
    log.info(
        "adressen van voorzieningen: %d van %d met straat, %d met postcode",
        int((out["straat"] != "").sum()),
        len(out),
        int((out["postcode"] != "").sum()),
    )
    return out
