"""What if a voorziening opens, moves or closes: the effect on every address, buurt and wijk.

The analysis already holds, per profile and category, every network node's distance to the
nearest voorziening and which one it is. A change touches only part of that:

* a new voorziening lowers the distance only where it is nearer than the present nearest one: a
  Dijkstra search from its place on the network that stops wherever it is not better (bounded by
  the old distances);
* a closed voorziening raises the distance only of the nodes it was the nearest for: those are
  cleared and filled again from their neighbours outside that area (a Dijkstra search bounded to it).

A move is a closure plus an opening. The addresses take their new distance from the nodes at the
ends of their edge, as in the full computation (see :func:`.accessibility.via_nearer_end`), plus
the direct way along the edge to a new voorziening on the same stretch. The result is the same as
recomputing everything with the changed voorzieningen (tested on the real data).
"""

from __future__ import annotations

import heapq
import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import WoonzorgError

if TYPE_CHECKING:
    import geopandas as gpd

    from .accessibility import Accessibility
    from .io import Owner
    from .pipeline import Analysis

log = logging.getLogger(__name__)

_LONLAT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class WatAlsError(WoonzorgError, ValueError):
    """A change that cannot be applied: an unknown category, voorziening or location."""


@dataclass(frozen=True)
class NewVoorziening:
    """A voorziening that opens: its category, place (EPSG:28992) and how it was given."""

    categorie: str
    x: float
    y: float
    label: str
    id: str = ""


@dataclass(frozen=True)
class Changes:
    """The voorzieningen that open and those that close."""

    nieuw: tuple[NewVoorziening, ...] = ()
    weg: tuple[Any, ...] = ()  # ids of voorzieningen (index of the voorzieningen frame)


def parse_nieuw(
    text: str,
    *,
    categories: Sequence[str],
    geocode: Callable[[str, str | None], Mapping[str, Any]] | None,
    number: int = 1,
    area: Any = None,
    margin_m: float = 0.0,
    gemeente: str = "de gemeente",
) -> NewVoorziening:
    """``'supermarkt@6.5480,52.9930'`` or ``'huisarts@Pronkridder 18, Assen'`` as a new voorziening.

    ``geocode`` places an address; it may refuse one (a place outside the gemeente, see
    :func:`.toets.locate.locate_site`) by raising a :class:`.WoonzorgError`, which is reported for
    this ``--nieuw``. With ``area`` (the gemeente, EPSG:28992), a location further than
    ``margin_m`` from it is refused: the network reaches that far across the border, and a
    voorziening beyond it is of another gemeente (or the coordinates are wrong).

    Raises
    ------
    WatAlsError
        Without ``@``, for a category the run does not compute, an address that is not found to
        the house number or street or lies outside the gemeente, coordinates out of range or
        outside the gemeente and its margin.
    """
    from pyproj import Transformer

    cat, sep, where = text.partition("@")
    cat, where = cat.strip().lower(), where.strip()
    if not sep or not cat or not where:
        raise WatAlsError(
            f'--nieuw {text!r}: schrijf CATEGORIE@LON,LAT of CATEGORIE@"Straat 1, Plaats", '
            "bijv. supermarkt@6.5480,52.9930"
        )
    if cat not in categories:
        raise WatAlsError(f"--nieuw {text!r}: categorie {cat!r} wordt niet berekend; kies uit: {', '.join(categories)}")
    m = _LONLAT.match(where)
    to_rd = Transformer.from_crs("EPSG:4326", "EPSG:28992", always_xy=True)
    if m:
        lon, lat = float(m.group(1)), float(m.group(2))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise WatAlsError(f"--nieuw {text!r}: {lon}, {lat} ligt buiten het bereik van lengte/breedte (WGS84)")
        x, y = to_rd.transform(lon, lat)
        label = f"{cat} op {lon:.5f}, {lat:.5f}"
    else:
        if geocode is None:
            raise WatAlsError(f"--nieuw {text!r}: geen adreszoeker beschikbaar; geef LON,LAT")
        try:
            hit = geocode(where, None)
        except WoonzorgError as exc:
            raise WatAlsError(f"--nieuw {text!r}: {exc}") from None
        geom = hit.get("geometry")
        if geom is None or hit.get("geocode_precisie") not in ("adres", "straat"):
            raise WatAlsError(
                f"--nieuw {text!r}: adres {where!r} niet gevonden; controleer de schrijfwijze "
                '("Straat huisnummer, Plaats") of geef LON,LAT'
            )
        x, y = float(geom.x), float(geom.y)
        label = f"{cat} op {hit.get('geocode_label') or where}"
        if hit.get("geocode_precisie") == "straat":
            label += " (huisnummer niet gevonden: punt op de straat)"
    if area is not None:
        import shapely

        dist = float(shapely.distance(area, shapely.Point(x, y)))
        if not dist <= margin_m:
            hint = ""
            if m and -90 <= lon <= 90:
                sx, sy = to_rd.transform(lat, lon)
                if float(shapely.distance(area, shapely.Point(sx, sy))) <= margin_m:
                    hint = " Lengte- en breedtegraad lijken verwisseld: geef eerst de lengtegraad (LON), dan de breedtegraad."
            km = f"{dist / 1000.0:.1f}".replace(".", ",")
            raise WatAlsError(
                f"--nieuw {text!r}: de plek ligt {km} km buiten de gemeente {gemeente}; een nieuwe voorziening mag "
                f"hoogstens {margin_m / 1000.0:g} km over de grens liggen (de rand van het netwerk, "
                f'netwerk.margin_m).{hint} Oplossing: geef een adres in de gemeente ("Straat huisnummer, Plaats") '
                "of een punt in of bij de gemeente als CATEGORIE@LON,LAT"
            )
    return NewVoorziening(categorie=cat, x=float(x), y=float(y), label=label, id=f"nieuw_{number}")


def parse_weg(text: str, voorzieningen: gpd.GeoDataFrame) -> list[Any]:
    """The voorziening(en) ``text`` names: an id (``vz00012``) or a name (case-insensitive, exact).

    Raises
    ------
    WatAlsError
        When nothing matches, or a name matches voorzieningen of more than one place (listing them
        with their ids, to choose one).
    """
    key = text.strip()
    if key in voorzieningen.index:
        return [key]
    names = voorzieningen["naam"].fillna("").astype(str).str.strip().str.lower() if "naam" in voorzieningen else None
    if names is None:
        raise WatAlsError(f"--weg {text!r}: geen voorziening met dit id")
    hits = voorzieningen.index[names == key.lower()]
    if len(hits) == 0:
        near = voorzieningen.index[names.str.contains(re.escape(key.lower()), regex=True)]
        hint = (
            (
                "; bedoelt u: "
                + ", ".join(
                    f"{voorzieningen.at[i, 'naam']} ({i}, {voorzieningen.at[i, 'categorie']})" for i in near[:8]
                )
            )
            if len(near)
            else ""
        )
        raise WatAlsError(f"--weg {text!r}: geen voorziening met deze naam of dit id{hint}")
    if len(hits) > 1:
        pts = voorzieningen.loc[hits].geometry
        if float(pts.distance(pts.iloc[0]).max()) > 50.0:
            raise WatAlsError(
                f"--weg {text!r}: {len(hits)} voorzieningen heten zo; kies met het id: "
                + ", ".join(f"{i} ({voorzieningen.at[i, 'categorie']})" for i in hits)
            )
    return list(hits)


# --------------------------------------------------------------------------------------------
# The bounded searches
# --------------------------------------------------------------------------------------------


def _improve(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    dist: np.ndarray,
    source: np.ndarray,
    seeds: Sequence[tuple[float, int, int]],
    *,
    allowed: np.ndarray | None = None,
) -> int:
    """Dijkstra from ``seeds`` ``(distance, node, source)`` that only goes where it improves ``dist``.

    Updates ``dist`` and ``source`` in place; a node is settled only when its distance drops, so
    the search stays inside the area the change can reach. ``allowed`` limits it further (the
    area a closure cleared). Returns the number of nodes settled.
    """
    heap = [s for s in seeds if s[0] < dist[s[1]]]
    for d, node, src in heap:
        dist[node], source[node] = d, src
    heapq.heapify(heap)
    settled = 0
    while heap:
        d, node, src = heapq.heappop(heap)
        if d > dist[node]:
            continue
        settled += 1
        lo, hi = indptr[node], indptr[node + 1]
        for j, w in zip(indices[lo:hi].tolist(), weights[lo:hi].tolist(), strict=True):
            nd = d + w
            if nd < dist[j] and (allowed is None or allowed[j]):
                dist[j], source[j] = nd, src
                heapq.heappush(heap, (nd, j, src))
    return settled


def _close(acc: Accessibility, dist: np.ndarray, source: np.ndarray, removed: np.ndarray) -> int:
    """Clear the nodes whose nearest voorziening closes and fill them from their neighbours."""
    m = acc.routing.matrix
    area = np.isin(source, removed)
    if not area.any():
        return 0
    dist[area], source[area] = np.inf, -1
    nodes = np.flatnonzero(area)
    starts, ends = m.indptr[nodes], m.indptr[nodes + 1]
    counts = ends - starts
    owner = np.repeat(nodes, counts)
    pos = (
        np.concatenate([np.arange(s, e) for s, e in zip(starts, ends, strict=True)]) if len(nodes) else np.zeros(0, int)
    )
    nb = m.indices[pos]
    ok = ~area[nb] & np.isfinite(dist[nb])
    seeds = [
        (float(dist[j] + w), int(i), int(source[j])) for i, j, w in zip(owner[ok], nb[ok], m.data[pos][ok], strict=True)
    ]
    return _improve(m.indptr, m.indices, m.data, dist, source, seeds, allowed=area)


@dataclass
class ProfileChange:
    """Before and after, on one profile, for the categories the changes touch."""

    profile: str
    before: dict[str, np.ndarray]  # per category (and composite): distance per address
    after: dict[str, np.ndarray]
    nearest_after: dict[str, np.ndarray]
    nodes_searched: int = 0
    unreachable_new: list[str] = field(default_factory=list)


def apply_changes(a: Analysis, changes: Changes, *, profiles: Sequence[str] | None = None) -> dict[str, ProfileChange]:
    """The distances of every address before and after ``changes``, per profile.

    Only the categories the changes touch (and the composites made of them) are recomputed, each
    by a search bounded to the nodes whose distance can change.
    """
    from .accessibility import access_at, from_nodes

    vz = a.inputs.voorzieningen
    vocab = a.vocab
    max_snap = a.settings.bereikbaarheid.max_snap_m
    touched = {n.categorie for n in changes.nieuw} | {str(vz.at[i, "categorie"]) for i in changes.weg}
    out: dict[str, ProfileChange] = {}
    for name in profiles or list(a.access):
        acc = a.access[name]
        r = acc.routing
        n_old = len(acc.dest_ids)
        dest_ids = np.concatenate([acc.dest_ids, np.array([n.id for n in changes.nieuw], dtype=object)])
        place = r.place(acc.origin_snap)
        pc = ProfileChange(profile=name, before={}, after={}, nearest_after={})
        new_pts = np.array([[n.x, n.y] for n in changes.nieuw]).reshape(-1, 2)
        new_place = access_at(acc, new_pts, max_snap_m=max_snap) if len(new_pts) else None
        for cat in sorted(touched):
            if cat not in acc.categories:
                continue
            res = acc.categories[cat]
            dist, source = res.node_dist.copy(), res.node_source.copy()
            gone = np.flatnonzero(np.isin(acc.dest_ids, list(changes.weg)) & (acc.dest_cat == cat))
            if len(gone):
                pc.nodes_searched += _close(acc, dist, source, gone)
            direct: list[tuple[int, float]] = []
            for k, n in enumerate(changes.nieuw):
                if n.categorie != cat or new_place is None:
                    continue
                if new_place.far[k]:
                    pc.unreachable_new.append(n.label)
                    continue
                src = n_old + k
                snap = float(new_place.snap.dist[k])
                seeds = [
                    (snap + float(new_place.d_left[k]), int(new_place.left[k]), src),
                    (snap + float(new_place.d_right[k]), int(new_place.right[k]), src),
                ]
                seeds = [s for s in seeds if np.isfinite(s[0])]
                if not seeds:
                    pc.unreachable_new.append(n.label)
                    continue
                pc.nodes_searched += _improve(r.matrix.indptr, r.matrix.indices, r.matrix.data, dist, source, seeds)
                direct.append((k, snap))
            od, ids = from_nodes(acc.origin_snap.dist, place, acc.origin_far, dist, source, dest_ids)
            # an address on the same stretch of edge as a new voorziening may reach it along the edge
            for k, snap in direct:
                assert new_place is not None  # direct is only filled when there are new voorzieningen
                same = (
                    (acc.origin_snap.edge == new_place.snap.edge[k])
                    & (place[0] == new_place.left[k])
                    & (place[1] == new_place.right[k])
                    & ~acc.origin_far
                )
                if same.any():
                    length = r.pg.net.length[acc.origin_snap.edge[same]]
                    along = np.abs(acc.origin_snap.t[same] - new_place.snap.t[k]) * length
                    d = acc.origin_snap.dist[same] + along + snap
                    better = d < np.nan_to_num(od[same], nan=np.inf)
                    idx = np.flatnonzero(same)[better]
                    od[idx] = d[better]
                    ids[idx] = dest_ids[n_old + k]
            pc.before[cat], pc.after[cat], pc.nearest_after[cat] = res.origin_dist, od, ids
        for comp, parts in vocab.composites.items():
            if comp not in acc.categories or not (set(parts) & set(pc.after)):
                continue
            stack = np.vstack([pc.after.get(p, acc.categories[p].origin_dist) for p in parts])
            near = np.vstack([pc.nearest_after.get(p, acc.categories[p].origin_nearest) for p in parts])
            filled = np.where(np.isnan(stack), np.inf, stack)
            best = np.argmin(filled, axis=0)
            cols = np.arange(stack.shape[1])
            pc.before[comp] = acc.categories[comp].origin_dist
            pc.after[comp] = stack[best, cols]
            pc.nearest_after[comp] = near[best, cols]
        out[name] = pc
    return out


# --------------------------------------------------------------------------------------------
# Aggregation and output
# --------------------------------------------------------------------------------------------


@dataclass
class WatAls:
    """The effect of the changes: per address, per buurt and wijk, and a summary."""

    changes: Changes
    per_profile: dict[str, ProfileChange]
    adressen: pd.DataFrame  # the addresses whose distance changes
    buurten: pd.DataFrame
    wijken: pd.DataFrame
    samenvatting: dict[str, Any]


def _within(d: np.ndarray, norm: float) -> np.ndarray:
    return np.asarray(np.nan_to_num(d, nan=np.inf) <= norm, dtype=bool)


def what_if(a: Analysis, changes: Changes, *, profiles: Sequence[str] | None = None) -> WatAls:
    """Apply ``changes`` and aggregate the effect per buurt and wijk, per profile.

    Parameters
    ----------
    a
        The analysis (from :func:`.pipeline.analyse` or :func:`.store.load_analysis`, with the
        addresses' ``buurtcode`` and ``wijkcode``).
    changes
        New and closed voorzieningen.
    profiles
        Default: every profile of the analysis.
    """
    from .vocabulary import COMBINATIONS

    t0 = time.perf_counter()
    vocab = a.vocab
    norm = vocab.norm_m
    per = apply_changes(a, changes, profiles=profiles)
    areas = a.adressen[["buurtcode", "wijkcode"]]
    # the shares are per woning, as the analysis's own (see :func:`.aggregation.aggregate`); every
    # address point is a woning when the addresses carry no ``woning`` column
    homes = (
        a.adressen["woning"].fillna(False).to_numpy(dtype=bool)
        if "woning" in a.adressen
        else np.ones(len(a.adressen), dtype=bool)
    )
    addr_rows: list[pd.DataFrame] = []
    level_rows: dict[str, list[pd.DataFrame]] = {"buurtcode": [], "wijkcode": []}
    summary: dict[str, Any] = {"norm_m": norm, "profielen": {}}
    for name, pc in per.items():
        acc = a.access[name]
        cols: dict[str, np.ndarray] = {}
        prof_sum: dict[str, Any] = {}
        cats = list(pc.after)
        for cat in cats:
            b, n = pc.before[cat], pc.after[cat]
            cols[f"{cat}|voor"], cols[f"{cat}|na"] = _within(b, norm), _within(n, norm)
            cols[f"{cat}|d_voor"], cols[f"{cat}|d_na"] = b, n
        for combo, parts in COMBINATIONS.items():
            if not (set(parts) & set(pc.after)) or not all(p in acc.categories for p in parts):
                continue
            for when, src in (("voor", pc.before), ("na", pc.after)):
                cols[f"{combo}|{when}"] = np.logical_and.reduce(
                    [_within(src.get(p, acc.categories[p].origin_dist), norm) for p in parts]
                )
            cats.append(combo)
        frame = pd.DataFrame(cols, index=a.adressen.index)
        for cat in cats:
            gain = frame[f"{cat}|na"] & ~frame[f"{cat}|voor"]
            lose = ~frame[f"{cat}|na"] & frame[f"{cat}|voor"]
            prof_sum[cat] = {
                "label": vocab.label(cat),
                # unrounded, as the analysis's summary stores them: rounded once, for display
                "pct_voor": 100 * float(frame[f"{cat}|voor"][homes].mean()),
                "pct_na": 100 * float(frame[f"{cat}|na"][homes].mean()),
                "adressen_winnen_toegang": int(gain.sum()),
                "adressen_verliezen_toegang": int(lose.sum()),
            }
            prof_sum[cat]["verschil_procentpunt"] = prof_sum[cat]["pct_na"] - prof_sum[cat]["pct_voor"]
            if f"{cat}|d_voor" in frame:
                dv, dn = frame[f"{cat}|d_voor"], frame[f"{cat}|d_na"]
                changed = ~np.isclose(dv.fillna(-1), dn.fillna(-1), rtol=0, atol=1e-6)
                prof_sum[cat]["adressen_andere_afstand"] = int(changed.sum())
                if changed.any():
                    rows = pd.DataFrame(
                        {
                            "profiel": name,
                            "categorie": cat,
                            "buurtcode": areas["buurtcode"][changed],
                            "wijkcode": areas["wijkcode"][changed],
                            "afstand_voor_m": dv[changed].round(1),
                            "afstand_na_m": dn[changed].round(1),
                            "verschil_m": (dn - dv)[changed].round(1),
                            "dichtstbij_na": pc.nearest_after[cat][changed],
                            "toegang": np.select([gain[changed], lose[changed]], ["wint", "verliest"], "blijft"),
                        }
                    )
                    addr_rows.append(rows)
        for key, tables in level_rows.items():
            g = frame.groupby(areas[key])
            gh = frame[homes].groupby(areas[key][homes])  # the shares: per woning
            agg = {}
            for cat in cats:
                agg[f"pct_{vocab.within(cat)}_voor"] = 100 * gh[f"{cat}|voor"].mean()
                agg[f"pct_{vocab.within(cat)}_na"] = 100 * gh[f"{cat}|na"].mean()
                agg[f"pct_{vocab.within(cat)}_verschil"] = (
                    agg[f"pct_{vocab.within(cat)}_na"] - agg[f"pct_{vocab.within(cat)}_voor"]
                )
                agg[f"winnen_{cat}"] = (
                    g[f"{cat}|na"].sum() - (frame[f"{cat}|na"] & frame[f"{cat}|voor"]).groupby(areas[key]).sum()
                )
                agg[f"verliezen_{cat}"] = (
                    g[f"{cat}|voor"].sum() - (frame[f"{cat}|na"] & frame[f"{cat}|voor"]).groupby(areas[key]).sum()
                )
                if f"{cat}|d_voor" in frame:
                    agg[f"med_afstand_{cat}_m_voor"] = g[f"{cat}|d_voor"].median()
                    agg[f"med_afstand_{cat}_m_na"] = g[f"{cat}|d_na"].median()
            table = pd.DataFrame(agg).round(2)
            table.insert(0, "n_woningen", gh.size().reindex(table.index).fillna(0).astype(int))
            table.insert(0, "n_adressen", g.size())
            table.insert(0, "profiel", name)
            tables.append(table)
        summary["profielen"][name] = {
            "label": vocab.profile_label(name),
            "knopen_doorzocht": pc.nodes_searched,
            "onbereikbare_nieuwe": pc.unreachable_new,
            "categorieen": prof_sum,
        }
    buurten = _with_names(pd.concat(level_rows["buurtcode"]), a.buurten)
    wijken = _with_names(pd.concat(level_rows["wijkcode"]), a.wijken)
    addr = (
        pd.concat(addr_rows)
        if addr_rows
        else pd.DataFrame(
            columns=[
                "profiel",
                "categorie",
                "buurtcode",
                "wijkcode",
                "afstand_voor_m",
                "afstand_na_m",
                "verschil_m",
                "dichtstbij_na",
                "toegang",
            ]
        )
    )
    vz = a.inputs.voorzieningen
    summary["wijzigingen"] = {
        "nieuw": [
            {
                "id": n.id,
                "categorie": n.categorie,
                "omschrijving": n.label,
                "x_rd": round(n.x, 1),
                "y_rd": round(n.y, 1),
            }
            for n in changes.nieuw
        ],
        "weg": [
            {"id": str(i), "categorie": str(vz.at[i, "categorie"]), "naam": _text(vz.at[i, "naam"])}
            for i in changes.weg
        ],
    }
    summary["rekentijd_s"] = round(time.perf_counter() - t0, 3)
    return WatAls(changes, per, addr, buurten, wijken, summary)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _with_names(table: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    table.index.name = "code"
    names = areas["naam"] if "naam" in areas else pd.Series(dtype=object)
    table.insert(0, "naam", names.reindex(table.index).to_numpy())
    return table


def summary_text(w: WatAls, *, vocab: Any) -> str:
    """The effect in Dutch, per profile and category, for the console."""
    from . import formatting as fmt

    lines = ["Wat als:"]
    for n in w.changes.nieuw:
        lines.append(f"  nieuw: {n.label}")
    for item in w.samenvatting["wijzigingen"]["weg"]:
        lines.append(f"  weg: {item['naam'] or '(naamloos)'} ({item['categorie']}, {item['id']})")
    for p in w.samenvatting["profielen"].values():
        lines.append(f"Profiel {p['label']}:")
        for label in p["onbereikbare_nieuwe"]:
            lines.append(f"  let op: {label} ligt te ver van het looppadennetwerk voor dit profiel en telt niet mee")
        for s in p["categorieen"].values():
            lines.append(
                f"  {s['label']} binnen {vocab.norm_text}: {fmt.percent(s['pct_voor'])} → {fmt.percent(s['pct_na'])} "
                f"({fmt.signed(s['verschil_procentpunt'], 1)} procentpunt); {fmt.number(s['adressen_winnen_toegang'])} "
                f"adressen winnen, {fmt.number(s['adressen_verliezen_toegang'])} verliezen toegang"
                + (
                    f"; {fmt.number(s['adressen_andere_afstand'])} met een andere afstand"
                    if "adressen_andere_afstand" in s
                    else ""
                )
            )
    return "\n".join(lines)


#: The two classes of a home on the what-if map: it loses or gains access within the norm.
def _access_classes() -> Any:
    from .palette import GREEN_TO_RED, Classes

    return Classes(
        (-0.5, 0.5, 1.5), (GREEN_TO_RED[-1], GREEN_TO_RED[0]), ("woning verliest toegang", "woning wint toegang")
    )


def _badge(symbol: str, colour: str) -> Any:
    """A round white badge with a coloured symbol, visible on top of the coloured homes."""
    import folium

    style = (
        f"width:24px;height:24px;border-radius:50%;background:#fff;border:3px solid {colour};color:{colour};"
        "font:bold 17px/24px sans-serif;text-align:center;box-shadow:0 0 3px #000"
    )
    return folium.DivIcon(html=f"<div style='{style}'>{symbol}</div>", icon_size=(30, 30), icon_anchor=(15, 15))


def watals_map(w: WatAls, a: Analysis, *, offline: bool | None = None) -> Any:
    """Folium map: the homes that gain (green) and lose (red) access within the norm, per profile and
    category (one layer each, the first shown), and the changed voorzieningen (new: a plus, closed: a cross)."""
    import folium
    import geopandas as gpd

    from .escaping import html_in_js
    from .maps.base import add_legend, new_map
    from .maps.layers import add_area_outlines, add_homes
    from .palette import GAIN_COLOUR, LOSS_COLOUR

    vocab = a.vocab
    classes = _access_classes()
    # open on what changed: the homes that gain or lose access and the changed voorzieningen
    moved_idx = w.adressen.index[w.adressen["toegang"] != "blijft"].unique()
    vz = a.inputs.voorzieningen
    points = [
        *a.adressen.geometry.loc[moved_idx],
        *gpd.points_from_xy([n.x for n in w.changes.nieuw], [n.y for n in w.changes.nieuw]),
        *vz.geometry.loc[list(w.changes.weg)],
    ]
    focus: Any = a.inputs.gemeente
    if points:  # their box with a margin (a buffer of a thousand points costs seconds)
        x0, y0, x1, y1 = gpd.GeoSeries(points, crs=a.adressen.crs).total_bounds
        focus = (x0 - 400.0, y0 - 400.0, x1 + 400.0, y1 + 400.0)
    m = new_map(focus, offline=offline, title="Wat als: effect van een veranderde voorziening")
    add_area_outlines(m, a.wijken)
    geom = a.adressen.geometry
    layers: list[str] = []
    for (name, cat), rows in w.adressen.groupby(["profiel", "categorie"], sort=False):
        moved = rows.loc[rows["toegang"] != "blijft"]
        if moved.empty:
            continue
        homes = gpd.GeoDataFrame(
            {"toegang": (moved["toegang"] == "wint").astype(int).to_numpy()},
            geometry=geom.loc[moved.index].to_numpy(),
            crs=a.adressen.crs,
        )
        add_homes(
            m,
            homes,
            column="toegang",
            classes=classes,
            show=not layers,
            label=f"{vocab.label(str(cat))} binnen {vocab.norm_text} — {vocab.profile_label(str(name))}",
        )
        layers.append(str(cat))
    marks = folium.FeatureGroup(name="Veranderde voorzieningen").add_to(m)
    to_ll = gpd.GeoSeries(
        gpd.points_from_xy([n.x for n in w.changes.nieuw], [n.y for n in w.changes.nieuw]), crs="EPSG:28992"
    ).to_crs("EPSG:4326")
    for n, p in zip(w.changes.nieuw, to_ll, strict=True):
        folium.Marker(
            [p.y, p.x],
            tooltip=html_in_js(f"nieuw: {n.label}"),
            icon=_badge("+", GAIN_COLOUR),
        ).add_to(marks)
    for i in w.changes.weg:
        p = gpd.GeoSeries([vz.geometry.at[i]], crs=vz.crs).to_crs("EPSG:4326").iloc[0]
        folium.Marker(
            [p.y, p.x],
            tooltip=html_in_js(f"weg: {_text(vz.at[i, 'naam']) or '(naamloos)'} ({vz.at[i, 'categorie']})"),
            icon=_badge("✕", LOSS_COLOUR),
        ).add_to(marks)
    add_legend(
        m,
        f"Toegang binnen {vocab.norm_text}",
        [*classes.items(missing=False), (GAIN_COLOUR, "+ nieuwe voorziening"), (LOSS_COLOUR, "✕ voorziening weg")],
        symbol="circle",
    )
    if not layers:
        from .maps.base import add_panel

        add_panel(m, "<b>Geen woning wint of verliest toegang</b> binnen de norm door deze verandering.")
    folium.LayerControl(collapsed=False).add_to(m)
    return m


def write_watals(
    w: WatAls,
    a: Analysis,
    out_dir: str | Path,
    *,
    maps: bool = True,
    offline: bool | None = None,
    owner: Owner | None = None,
    csv_nl: bool = False,
) -> list[Path]:
    """Write ``watals_buurten.csv``, ``watals_wijken.csv``, ``watals_adressen.csv``, ``watals.json``,
    ``watals_kaart.html`` and ``overzicht.xlsx`` into ``out_dir``, all or nothing (with ``csv_nl`` also
    the CSVs' Dutch-Excel variants ``*_nl.csv``, see :mod:`woonzorg_geo.workbook`).

    ``out_dir`` belongs to ``watals`` for the analysis's gemeente (``owner``, by default from
    ``a.settings``): the previous watals there is replaced, any other folder is refused (see
    :func:`woonzorg_geo.io.check_owner`)."""
    import json

    from .io import Owner, staged_dir, write_csv

    out_dir = Path(out_dir)
    g = a.settings.gemeente
    with staged_dir(out_dir, owner=owner or Owner("watals", g.code, g.naam), replace_set=True) as tmp:
        write_csv(tmp / "watals_buurten.csv", w.buurten, encoding="utf-8")
        write_csv(tmp / "watals_wijken.csv", w.wijken, encoding="utf-8")
        write_csv(tmp / "watals_adressen.csv", w.adressen.rename_axis("adres_id"), encoding="utf-8")
        (tmp / "watals.json").write_text(
            json.dumps(w.samenvatting, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        from .workbook import watals_sheets, write_exports

        write_exports(tmp, watals_sheets(tmp, w, a), csv_nl=csv_nl)
        if maps:
            from .maps.layers import render

            (tmp / "watals_kaart.html").write_text(render(watals_map(w, a, offline=offline)), encoding="utf-8")
        files = sorted(p.relative_to(tmp) for p in tmp.iterdir() if p.is_file())
    return [out_dir / f for f in files]
