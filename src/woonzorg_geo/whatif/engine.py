"""What if a voorziening opens, moves or closes: the effect on every address, buurt and wijk.

The analysis already holds, per profile and category, every network node's distance to the
nearest voorziening and which one it is. A change touches only part of that:

* a new voorziening lowers the distance only where it is nearer than the present nearest one: a
  Dijkstra search from its place on the network that stops wherever it is not better (bounded by
  the old distances);
* a closed voorziening raises the distance only of the nodes it was the nearest for: those are
  cleared and filled again from their neighbours outside that area (a Dijkstra search bounded to it).

A move is a closure plus an opening. The addresses take their new distance from the nodes at the
ends of their edge, as in the full computation (see :func:`.network.accessibility.via_nearer_end`), plus
the direct way along the edge to a new voorziening on the same stretch. The result is the same as
recomputing everything with the changed voorzieningen (tested on the real data).
"""

from __future__ import annotations

import heapq
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import numpy as np
import pandas as pd

from woonzorg_geo import WGS84
from woonzorg_geo.whatif.changes import Changes, NewVoorziening, WhatIfError, check_place, parse_closure, parse_new

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.network.accessibility import Accessibility

log = logging.getLogger(__name__)

__all__ = [
    "Changes",
    "NewVoorziening",
    "ProfileChange",
    "WhatIfError",
    "WhatIfResult",
    "address_table",
    "apply_changes",
    "check_place",
    "parse_closure",
    "parse_new",
    "summary_text",
    "what_if",
]

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
    from woonzorg_geo.network.accessibility import access_at, from_nodes, nearer_of

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
            pc.before[comp] = acc.categories[comp].origin_dist
            pc.after[comp], pc.nearest_after[comp] = nearer_of(
                [pc.after.get(p, acc.categories[p].origin_dist) for p in parts],
                [pc.nearest_after.get(p, acc.categories[p].origin_nearest) for p in parts],
            )
        out[name] = pc
    return out


# --------------------------------------------------------------------------------------------
# Aggregation and output
# --------------------------------------------------------------------------------------------


class CategoryEffect(TypedDict):
    """One category of a profile in the summary: the share of homes within the norm before and after."""

    label: str
    pct_voor: float
    pct_na: float
    adressen_winnen_toegang: int
    adressen_verliezen_toegang: int
    verschil_procentpunt: NotRequired[float]
    adressen_andere_afstand: NotRequired[int]  # not for a combination of categories


class ProfileEffect(TypedDict):
    """One profile in the summary."""

    label: str
    knopen_doorzocht: int
    onbereikbare_nieuwe: list[str]
    categorieen: dict[str, CategoryEffect]


class OpenedRecord(TypedDict):
    """A voorziening that opens, as the summary lists it."""

    id: str
    categorie: str
    omschrijving: str
    x_rd: float
    y_rd: float


class ClosedRecord(TypedDict):
    """A voorziening that closes, as the summary lists it."""

    id: str
    categorie: str
    naam: str
    adres: str
    lon: float
    lat: float


class ChangesRecord(TypedDict):
    """``wijzigingen``: what opens (``nieuw``) and what closes (``weg``)."""

    nieuw: list[OpenedRecord]
    weg: list[ClosedRecord]


class WhatIfSummary(TypedDict):
    """``samenvatting`` of a what-if, written as ``watals.json``; its keys are that file's (Dutch) keys."""

    norm_m: float
    profielen: dict[str, ProfileEffect]
    wijzigingen: ChangesRecord
    rekentijd_s: float
    scenario: NotRequired[dict[str, Any]]  # the changes as a scenario file (:meth:`.scenario.Scenario.to_dict`)


@dataclass
class WhatIfResult:
    """The effect of the changes: per address, per buurt and wijk, and a summary."""

    changes: Changes
    per_profile: dict[str, ProfileChange]
    adressen: pd.DataFrame  # the addresses whose distance changes
    buurten: pd.DataFrame
    wijken: pd.DataFrame
    samenvatting: WhatIfSummary


def _within(d: np.ndarray, norm: float) -> np.ndarray:
    return np.asarray(np.nan_to_num(d, nan=np.inf) <= norm, dtype=bool)


def what_if(a: Analysis, changes: Changes, *, profiles: Sequence[str] | None = None) -> WhatIfResult:
    """Apply ``changes`` and aggregate the effect per buurt and wijk, per profile.

    Parameters
    ----------
    a
        The analysis (from :func:`.areas.analysis.analyse` or :func:`.run.store.load_analysis`, with the
        addresses' ``buurtcode`` and ``wijkcode``).
    changes
        New and closed voorzieningen.
    profiles
        Default: every profile of the analysis.
    """
    from woonzorg_geo.core.vocabulary import COMBINATIONS

    t0 = time.perf_counter()
    vocab = a.vocab
    norm = vocab.norm_m
    per = apply_changes(a, changes, profiles=profiles)
    areas = a.adressen[["buurtcode", "wijkcode"]]
    # the shares are per woning, as the analysis's own (see :func:`.areas.aggregation.aggregate`); every
    # address point is a woning when the addresses carry no ``woning`` column
    homes = (
        a.adressen["woning"].fillna(False).to_numpy(dtype=bool)
        if "woning" in a.adressen
        else np.ones(len(a.adressen), dtype=bool)
    )
    addr_rows: list[pd.DataFrame] = []
    level_rows: dict[str, list[pd.DataFrame]] = {"buurtcode": [], "wijkcode": []}
    profile_effects: dict[str, ProfileEffect] = {}
    for name, pc in per.items():
        acc = a.access[name]
        cols: dict[str, np.ndarray] = {}
        prof_sum: dict[str, CategoryEffect] = {}
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
        profile_effects[name] = {
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
    opened: list[OpenedRecord] = [
        {
            "id": n.id,
            "categorie": n.categorie,
            "omschrijving": n.label,
            "x_rd": round(n.x, 1),
            "y_rd": round(n.y, 1),
        }
        for n in changes.nieuw
    ]
    summary: WhatIfSummary = {
        "norm_m": norm,
        "profielen": profile_effects,
        "wijzigingen": {"nieuw": opened, "weg": _closed(a, changes)},
        "rekentijd_s": round(time.perf_counter() - t0, 3),
    }
    return WhatIfResult(changes, per, addr, buurten, wijken, summary)


def _closed(a: Analysis, changes: Changes) -> list[ClosedRecord]:
    """The closed voorzieningen as the summary lists them: id, category, name, address and place."""
    from woonzorg_geo.sources.addresses import point_addresses, register_addresses

    vz = a.inputs.voorzieningen
    gone = vz.loc[list(changes.weg)]
    if gone.empty:
        return []
    own = register_addresses(gone, a.inputs, a.settings)
    addr = point_addresses(gone.geometry, a.inputs.osm, settings=a.settings.zoeken, own=own)
    ll = gone.geometry.to_crs(WGS84)
    return [
        {
            "id": str(i),
            "categorie": str(vz.at[i, "categorie"]),
            "naam": _text(vz.at[i, "naam"]),
            "adres": str(addr.at[i, "adres"]),
            "lon": round(float(ll.loc[i].x), 6),
            "lat": round(float(ll.loc[i].y), 6),
        }
        for i in changes.weg
    ]


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _with_names(table: pd.DataFrame, areas: pd.DataFrame) -> pd.DataFrame:
    table.index.name = "code"
    names = areas["naam"] if "naam" in areas else pd.Series(dtype=object)
    table.insert(0, "naam", names.reindex(table.index).to_numpy())
    return table


def summary_text(w: WhatIfResult, *, vocab: Any) -> str:
    """The effect in Dutch, per profile and category, for the console."""
    from woonzorg_geo.core import formatting as fmt

    lines = ["Wat als:"]
    for n in w.changes.nieuw:
        lines.append(f"  nieuw: {n.label}")
    for item in w.samenvatting["wijzigingen"]["weg"]:
        where = f", {item['adres']}" if item.get("adres") else ""
        lines.append(f"  weg: {item['naam'] or '(naamloos)'} ({item['categorie']}, {item['id']}){where}")
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


def address_table(w: WhatIfResult, a: Analysis) -> pd.DataFrame:
    """``w.adressen`` with each home's address and place beside its id, as ``watals_adressen.csv``.

    Columns ``adres_id``, ``straat``, ``huisnummer``, ``postcode`` (where the source knows it;
    offline OpenStreetMap has none at the homes), ``adres`` (the three as one text), ``lon``,
    ``lat`` (WGS84), then those of ``w.adressen``. See :mod:`woonzorg_geo.sources.addresses`.
    """
    from woonzorg_geo.sources.addresses import point_addresses

    table = w.adressen.rename_axis("adres_id")
    ids = table.index.unique()
    points = a.adressen.geometry.loc[ids]
    found = point_addresses(points, a.inputs.osm, settings=a.settings.zoeken, homes=True)
    ll = points.to_crs(WGS84)
    place = found.assign(lon=np.round(ll.x.to_numpy(), 6), lat=np.round(ll.y.to_numpy(), 6))
    return place.reindex(table.index).join(table)
