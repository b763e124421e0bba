"""No home is lost: the gemeente's addresses from every outline at hand, and defective buurtvlakken.

The generalised CBS buurten are the gemeente by definition, but one of them can be defective in
the source: Meppel's BU01190401 Scheepsbuurt collapsed to a 257 m² sliver in the generalisation
(``cbs_cartomap_2024_drenthe/SOURCE.md``), so ~680 address points of that buurt lie in no buurt
and, with the gemeente drawn as the union of its buurten, in no gemeente either. This module

- selects the gemeente's addresses with every outline it has (:func:`select_addresses`): its
  buurten (the gemeente shape of the run), and where the gemeente polygon *and* one of its own
  wijk polygons agree that a point is in the gemeente, that point too, unless it lies in a buurt
  of another gemeente or further than ``[plausibiliteit] buurt_max_afstand_m`` from every buurt;
- hands such a point to the buurt whose vlak is a sliver lying at its gap (:func:`gap_owners`),
  before :func:`.areas.aggregation.assign_areas` gives the rest to the nearest buurt;
- names the buurten whose vlak is missing, a sliver or implausibly small for its addresses
  (:func:`area_report`), for the summary.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import PlausibilitySettings, Settings
from woonzorg_geo.core.records import AreaReport, AreaRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outlines:
    """The outlines of the gemeente besides its buurten (EPSG:28992).

    The store keeps this record field by field under ``invoer_velden`` of ``opslag.json``, so the
    field name ``gemeentegrens`` (the ``[data]`` key) is part of that file and stays.

    Attributes
    ----------
    gemeentegrens
        The gemeente polygon of the gemeentegrens file (also when the run's gemeente is the union
        of its buurten), or None.
    wijken
        The gemeente's wijk polygons as the wijk file draws them (not redrawn from the buurten),
        index ``code``.
    other_buurten
        The union of the buurten of other gemeenten in the same buurten file (an address inside
        one of them belongs there), or None.
    """

    gemeentegrens: shapely.Geometry | None
    wijken: gpd.GeoDataFrame = field(repr=False)
    other_buurten: shapely.Geometry | None = field(default=None, repr=False)


def load_outlines(settings: Settings, paths: dict[str, Path], *, raw_dir: Path | None = None) -> Outlines:
    """Read the gemeente's own polygon, its wijk polygons and the other gemeenten's buurten.

    Only for a gemeente drawn as the union of its buurten (``data.gemeente_vorm = "buurten"``);
    with ``"gemeentegrens"`` the gemeentegrens itself is the outline and nothing is read. The other
    gemeenten's buurten come from the run's buurten file and from the buurten files of the
    package's catalogue of gemeenten that lie in ``raw_dir`` (Drenthe's buurten are in three files:
    De Wolden's homes must not be taken from Westerveld's buurten of another file).
    """
    from woonzorg_geo.sources import cbs

    code = settings.gemeente.code
    if settings.data.gemeente_vorm != "buurten":
        return Outlines(gemeentegrens=None, wijken=gpd.GeoDataFrame(geometry=[], crs=RD_NEW))
    grens = cbs.read_boundary(paths["gemeentegrens"], code=code).to_crs(RD_NEW).union_all()
    wijken = cbs.read_areas(paths["wijken"], level="wijk", gemeentecode=code, warn=False).to_crs(RD_NEW)
    others = []
    for path in _buurten_files(paths["buurten"], raw_dir=raw_dir):
        everyone = cbs.read_areas(path, level="buurt", warn=False).to_crs(RD_NEW)
        others.append(_located(everyone.loc[everyone["gemeentecode"] != code]))
    other = pd.concat(others) if others else gpd.GeoDataFrame(geometry=[], crs=RD_NEW)
    return Outlines(
        gemeentegrens=grens,
        wijken=_located(wijken),
        other_buurten=other.union_all() if len(other) else None,
    )


def _buurten_files(own: Path, *, raw_dir: Path | None) -> list[Path]:
    """The run's buurten file and the catalogue's other buurten files that exist under ``raw_dir``."""
    from woonzorg_geo.core.errors import WoonzorgError
    from woonzorg_geo.sources.catalogue import load_catalogue

    files = [Path(own)]
    if raw_dir is None:
        return files
    try:
        catalogue = load_catalogue()
    except WoonzorgError:  # no catalogue: only the run's own file
        return files
    for entry in catalogue.entries.values():
        path = Path(entry.buurten)
        path = path if path.is_absolute() else Path(raw_dir) / path
        if path.is_file() and all(path.resolve() != f.resolve() for f in files):
            files.append(path)
    return files


def _located(buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The buurten that have a geometry."""
    geoms = buurten.geometry.to_numpy()
    return buurten.loc[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]


def _coordinates(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The x and y of points; NaN for a missing or empty one."""
    x = np.full(len(points), np.nan)
    y = np.full(len(points), np.nan)
    ok = ~(shapely.is_missing(points) | shapely.is_empty(points))
    x[ok], y[ok] = shapely.get_x(points[ok]), shapely.get_y(points[ok])
    return x, y


def _inside(polygon: shapely.Geometry, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which points ``(x, y)`` lie within ``polygon`` (its interior: as ``shapely.within``), via a prepared copy."""
    if polygon is None or len(x) == 0:
        return np.zeros(len(x), dtype=bool)
    prepared = shapely.from_wkb(shapely.to_wkb(polygon))  # a copy: the caller's geometry stays unprepared
    shapely.prepare(prepared)
    return np.asarray(shapely.contains_xy(prepared, x, y), dtype=bool)


def select_addresses(
    addresses: gpd.GeoDataFrame,
    shape: shapely.Geometry,
    buurten: gpd.GeoDataFrame,
    outlines: Outlines | None,
    *,
    settings: PlausibilitySettings,
) -> tuple[gpd.GeoDataFrame, int]:
    """The addresses of the gemeente: inside ``shape``, or inside its other outlines.

    An address outside ``shape`` (the run's gemeente: its gemeentegrens, or the union of its
    buurten) is still the gemeente's when the gemeente polygon and one of its own wijk polygons
    both hold it (two outlines, generalised separately, agree), it lies in no buurt of another
    gemeente, and it is at most ``settings.buurt_max_afstand_m`` from a buurt of the gemeente.
    Requiring both coarse outlines keeps out the neighbours' homes that one of them alone takes
    in at a generalised border.

    Returns
    -------
    GeoDataFrame, int
        The selected addresses (in the order of ``addresses``) and how many of them came from the
        other outlines.
    """
    pts = addresses.geometry.to_numpy()
    # a point is within a polygon when the polygon contains its coordinates (a missing point has
    # NaN coordinates: in none); on the coordinate arrays with the polygon prepared, many times faster
    x, y = _coordinates(pts)
    core = _inside(shape, x, y)
    extra = np.zeros(len(pts), dtype=bool)
    if outlines is not None and outlines.gemeentegrens is not None and len(outlines.wijken):
        outline = shapely.intersection(outlines.gemeentegrens, outlines.wijken.union_all())
        cand = ~core & _inside(outline, x, y)
        if outlines.other_buurten is not None and cand.any():
            cand[cand] = ~_inside(outlines.other_buurten, x[cand], y[cand])
        located = _located(buurten)
        if cand.any() and len(located):
            dist = shapely.distance(pts[cand], located.union_all())
            cand[cand] = dist <= settings.buurt_max_afstand_m
        extra = cand
    if extra.any():
        log.info(
            "%d adressen liggen buiten de buurten maar binnen de gemeente- én wijkgrens: ze horen bij de gemeente",
            int(extra.sum()),
        )
    return addresses.loc[core | extra], int(extra.sum())


def slivers(buurten: gpd.GeoDataFrame, *, settings: PlausibilitySettings) -> pd.Index:
    """The buurten whose vlak is a sliver: a geometry smaller than ``settings.snipper_max_m2``."""
    located = _located(buurten)
    small: pd.Index = located.index[(located.geometry.area < settings.snipper_max_m2).to_numpy()]
    return small


def gap_owners(
    points: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    outlines: Outlines | None,
    *,
    settings: PlausibilitySettings,
) -> pd.Series:
    """The sliver buurt that owns each point lying in no buurt, where one does.

    The rule: the gemeente's outline (gemeente polygon and wijk polygons, or the buurten when
    there are no others) minus its buurten falls apart into gaps. A point in a gap belongs to a
    sliver buurt (see :func:`slivers`) when the sliver lies within ``settings.snipper_raakt_m``
    of that gap and the point lies in the sliver's own wijk polygon as the wijk file draws it: the
    buurt collapsed in the generalisation, its wijk did not, and the gap is where it was. With
    several such slivers, the nearest. A point with no owner goes to the nearest buurt (see
    :func:`.areas.aggregation.assign_areas`).

    Returns
    -------
    Series
        Index like ``points``; the buurt code, or None.
    """
    owner = pd.Series([None] * len(points), index=points.index, dtype=object)
    small = slivers(buurten, settings=settings)
    if not len(small) or outlines is None or outlines.gemeentegrens is None or not len(points):
        return owner
    located = _located(buurten)
    pts = points.geometry.to_numpy()
    inside = np.zeros(len(pts), dtype=bool)
    for geom in located.geometry:
        inside |= shapely.within(pts, geom)
    outline = shapely.union(outlines.gemeentegrens, outlines.wijken.union_all())
    gaps = shapely.get_parts(shapely.difference(outline, located.union_all()))
    best = np.full(len(pts), np.inf)
    for code in small:
        sliver = located.geometry[code]
        wijk = located.loc[code, "wijkcode"] if "wijkcode" in located else None
        if wijk not in outlines.wijken.index:
            continue
        near = [g for g in gaps if shapely.distance(g, sliver) <= settings.snipper_raakt_m]
        if not near:
            continue
        area = shapely.intersection(shapely.union_all(near), outlines.wijken.geometry[wijk])
        take = ~inside & shapely.within(pts, area)
        dist = shapely.distance(pts, sliver)
        take &= dist < best
        best[take] = dist[take]
        owner.iloc[np.flatnonzero(take)] = code
    return owner


def mark_buurt_outlines(buurten: gpd.GeoDataFrame, *, settings: PlausibilitySettings) -> gpd.GeoDataFrame:
    """The aggregated buurten with a column ``buurtvlak``: what is wrong with a buurt's vlak, or empty.

    ``"geen geometrie in de bron"`` (its ``n_adressen`` counts only what could be assigned to it:
    none; its shares are unknown), ``"snipper van N m² in de bron"`` or ``"te klein voor zijn
    adressen (N m²)"`` (see :func:`area_report`). A planner reading ``buurten.csv`` sees why a buurt
    has no figures or figures from addresses outside its vlak.
    """
    geoms = buurten.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    area = np.where(empty, 0.0, shapely.area(geoms))
    n = buurten["n_adressen"].fillna(0).to_numpy() if "n_adressen" in buurten else np.zeros(len(buurten))
    sliver = ~empty & (area < settings.snipper_max_m2)
    dense = ~empty & ~sliver & (n > 0) & (n > settings.buurt_max_adressen_per_ha * area / 1e4)
    note = np.full(len(buurten), "", dtype=object)
    note[empty] = "geen geometrie in de bron"
    for i in np.flatnonzero(sliver):
        note[i] = f"snipper van {fmt.number(area[i], unit=' m²')} in de bron"
    for i in np.flatnonzero(dense):
        note[i] = f"te klein voor zijn adressen ({fmt.number(area[i], unit=' m²')})"
    out = buurten.copy()
    out["buurtvlak"] = note
    return out


def area_report(
    buurten: pd.DataFrame,
    *,
    settings: PlausibilitySettings,
    gemeente: str,
    extra_addresses: int = 0,
    stats: dict[str, int] | None = None,
) -> AreaReport:
    """What the summary says about the buurtvlakken of a run.

    ``buurten`` is the aggregated buurt table (with ``geometry``, ``naam``, ``n_adressen`` and
    ``n_buiten_buurtvlak``). Lists the buurten without geometry, the slivers and those whose vlak is
    implausibly small for their addresses (more than ``settings.buurt_max_adressen_per_ha``), each
    with the addresses assigned to it from outside every buurtvlak; ``stats`` are the counts of
    :func:`.areas.aggregation.assign_areas`, ``extra_addresses`` those of :func:`select_addresses`.
    """
    stats = stats or {}
    geoms = gpd.GeoSeries(buurten.geometry, crs=RD_NEW)
    empty = pd.Series(shapely.is_missing(geoms.to_numpy()) | shapely.is_empty(geoms.to_numpy()), index=geoms.index)
    area = geoms.area.where(~empty, 0.0)
    n = buurten.get("n_adressen", pd.Series(0, index=buurten.index)).fillna(0)
    outside = buurten.get("n_buiten_buurtvlak", pd.Series(0, index=buurten.index)).fillna(0)
    sliver = ~empty & (area < settings.snipper_max_m2)
    dense = ~empty & (n > settings.buurt_max_adressen_per_ha * area / 1e4) & (n > 0)

    def row(code: Any) -> AreaRow:
        return {
            "code": str(code),
            "naam": str(buurten.at[code, "naam"]),
            "vlak_m2": round(float(area[code])),
            "adressen": int(n[code]),
            "adressen_buiten_buurtvlak": int(outside[code]),
        }

    report: AreaReport = {
        "adressen_buiten_buurtvlak": int(outside.sum()),
        "naar_snipper": int(stats.get("naar_snipper", 0)),
        "naar_dichtstbij": int(stats.get("naar_dichtstbij", 0)),
        "adressen_via_gemeente_en_wijkgrens": int(extra_addresses),
        "zonder_geometrie": [row(c) for c in buurten.index[empty]],
        "te_klein": [{**row(c), "snipper": bool(sliver[c])} for c in buurten.index[(sliver | dense) & ~empty]],
        "toegekend": [row(c) for c in buurten.index[outside > 0]],
    }
    report["meldingen"] = _notes(report, gemeente=gemeente)
    return report


def address_lines(summary: Mapping[str, Any], *, num: Any) -> list[str]:
    """The summary text's lines on the addresses and the buurtvlakken (see :func:`area_report`).

    ``summary`` is ``Analysis.summary`` (or ``samenvatting.json``); one written before this report
    existed gives the older single line.
    """
    total = summary["adressen"]
    outside = summary.get("adressen_buiten_buurt_toegekend", 0)
    report = summary.get("buurtvlakken")
    if not report:
        old = (
            f"Adressen: {num(total)} (waarvan {num(outside)} buiten de gegeneraliseerde buurtgrenzen, toegekend aan "
            "de dichtstbijzijnde buurt)."
        )
        return [old]
    n_out = report["adressen_buiten_buurtvlak"]
    text = f"{num(n_out)} in geen buurtvlak"
    if n_out:
        text += (
            f": {num(report['naar_snipper'])} toegekend aan de snipperbuurt bij hun gat, "
            f"{num(report['naar_dichtstbij'])} aan de dichtstbijzijnde buurt"
        )
    parts = [text]
    if report["adressen_via_gemeente_en_wijkgrens"]:
        parts.append(
            f"{num(report['adressen_via_gemeente_en_wijkgrens'])} daarvan liggen buiten de buurten maar binnen de "
            "gemeente- én wijkgrens"
        )
    lines = [f"Adressen: {num(total)} (waarvan {'; '.join(parts)})."]
    return lines + [f"  {note}" for note in report.get("meldingen", [])]


def _notes(report: AreaReport, *, gemeente: str) -> list[str]:
    """Dutch sentences naming each defective buurtvlak of ``report`` (see :func:`area_report`)."""
    from woonzorg_geo.core.formatting import number as num

    lines = []
    for r in report["te_klein"]:
        what = "een snipper" if r["snipper"] else "te klein voor zijn adressen"
        if r["adressen_buiten_buurtvlak"]:
            lines.append(
                f"{num(r['adressen_buiten_buurtvlak'])} adressen in geen buurtvlak; toegekend aan {r['naam']} "
                f"({gemeente}): het buurtvlak in de bron is {what} van {num(r['vlak_m2'])} m²"
            )
        else:
            lines.append(
                f"Buurt {r['naam']} ({gemeente}): het buurtvlak in de bron is {what} van {num(r['vlak_m2'])} m² "
                f"({num(r['adressen'])} adressen)"
            )
    missing = report["zonder_geometrie"]
    if missing:
        names = ", ".join(f"{r['naam']} ({r['code']})" for r in missing)
        lines.append(
            f"{len(missing)} buurt(en) van {gemeente} zonder geometrie in de bron: {names}; ze staan in buurten.csv "
            "met hun cijfers als onbekend (leeg)"
        )
    return lines
