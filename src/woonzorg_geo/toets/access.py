"""The site's accessibility: the run's norm and profile, the distances from the site, the norm met."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.network.accessibility import PointAccess, access_at, via_nearer_end
from woonzorg_geo.network.paths import bounded_distances
from woonzorg_geo.sources.voorzieningen import source_text
from woonzorg_geo.toets.records import AccessRow
from woonzorg_geo.toets.settings import ToetsSettings
from woonzorg_geo.toets.values import as_float, as_text

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis


@dataclass(frozen=True)
class RunNorm:
    """What the check takes from the run's settings: the norm, the profile, the categories.

    Attributes
    ----------
    norm_m
        The walking-distance norm (``bereikbaarheid.norm_m``).
    max_snap_m
        The farthest a site may lie from the network.
    profile, profile_label, speed_m_s, suffix
        The walking profile used, its Dutch label, its speed and its column suffix.
    labels
        The Dutch label of every category the toets uses.
    composites
        Composite categories (``ov``) and their parts.
    """

    norm_m: float
    max_snap_m: float
    profile: str
    profile_label: str
    speed_m_s: float
    suffix: str
    labels: dict[str, str]
    composites: Mapping[str, tuple[str, ...]]


def run_norm(analysis: Analysis, s: ToetsSettings) -> tuple[RunNorm, list[str]]:
    """The norm and profile of the run (``bereikbaarheid``, ``profielen``, ``locaties.profiel``).

    Parameters
    ----------
    analysis
        The run.
    s
        The toets settings (``locatie.profiel`` and the categories it needs).

    Returns
    -------
    RunNorm, list of str
        The norm, and notes for the report (a profile the analysis lacks).

    Raises
    ------
    SettingsError
        When the toets names a profile or a category the run's settings do not have.
    """
    rs = analysis.settings
    wanted = s.locatie.profiel or rs.locaties.profiel
    if wanted not in rs.profielen:
        raise SettingsError(
            f"toetsingskader {s.source}: locatie.profiel {wanted!r} is geen profiel van de "
            f"instellingen ({rs.source}); kies uit: {', '.join(rs.profielen)}"
        )
    vocab = analysis.vocab
    composites = dict(vocab.composites)
    run_cats = set(rs.bereikbaarheid.categories)
    known = run_cats | {c for c, parts in composites.items() if set(parts) <= run_cats}
    needed = (*s.bereikbaarheid.categorieen, s.draagvlak.ontmoetingsplek_categorie)
    bad = [c for c in needed if c not in known]
    if bad:
        raise SettingsError(
            f"toetsingskader {s.source}: categorie(ën) {bad} zijn geen categorieën van de run "
            f"(bereikbaarheid.categories in {rs.source}: {', '.join(sorted(known))})"
        )
    notes: list[str] = []
    graphs = analysis.graphs
    profile = wanted
    if wanted not in graphs:
        profile = next(iter(graphs))
        notes.append(
            f"Profiel '{rs.profielen[wanted].label}' ontbreekt in de analyse; de bereikbaarheid is "
            f"berekend met '{rs.profielen[profile].label if profile in rs.profielen else profile}'."
        )
    prof = graphs[profile].profile
    labels = {c: _category_label(c, analysis.inputs.voorzieningen, composites) for c in needed}
    return RunNorm(
        norm_m=float(vocab.norm_m),
        max_snap_m=float(rs.bereikbaarheid.max_snap_m),
        profile=profile,
        profile_label=f"profiel {prof.label or profile}",
        speed_m_s=float(prof.speed_m_s),
        suffix=vocab.suffix(profile),
        labels=labels,
        composites=composites,
    ), notes


def _category_label(cat: str, vz: gpd.GeoDataFrame, composites: Mapping[str, tuple[str, ...]]) -> str:
    """Dutch label of a category (or of a composite such as ``ov``), from the voorzieningen."""
    from woonzorg_geo.core.settings_loader import load_category_rules

    rules: dict[str, Any] | None = None
    labels: list[str] = []
    for part in composites.get(cat, (cat,)):
        lab = vz.loc[vz["categorie"] == part, "label"] if "label" in vz and len(vz) else pd.Series(dtype=object)
        text = as_text(lab.iloc[0]) if len(lab) else ""
        if not text:
            rules = rules if rules is not None else load_category_rules().get("categorie", {})
            text = as_text(rules.get(part, {}).get("label")) or part.replace("_", " ")
        labels.append(text if not labels else text[:1].lower() + text[1:])
    return " of ".join(labels)


def site_access(
    analysis: Analysis,
    point: shapely.Point,
    run: RunNorm,
    *,
    search: Callable[[int, int], tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[PointAccess, pd.Series]:
    """Accessibility of one point, and the network distance to every voorziening within the norm.

    Reuses the run's per-node distances (:func:`.network.accessibility.access_at`); only the voorzieningen
    within the norm take a search, bounded by the norm: :func:`.network.accessibility.bounded_distances`
    from both ends of the site's edge, or ``search(left, right)`` giving the distances from them
    to every voorziening's node (inf beyond the norm), as a list of initiatives does.

    Parameters
    ----------
    analysis
        The run (its accessibility per profile).
    point
        The site (EPSG:28992).
    run
        The run's norm and profile.
    search
        The bounded search of a list of initiatives, or None.

    Returns
    -------
    PointAccess, pandas.Series
        The site's access per category, and the distances within the norm (by voorziening id, nearest first).
    """
    acc = analysis.access[run.profile]
    pa = access_at(acc, np.array([[point.x, point.y]]), max_snap_m=run.max_snap_m)
    if pa.far[0] or len(acc.dest_ids) == 0:
        return pa, pd.Series(dtype=float)
    nodes = acc.routing.dest_node
    if search is not None:
        to_left, to_right = search(int(pa.left[0]), int(pa.right[0]))
    else:
        ends = [bounded_distances(acc.routing.matrix, int(end), limit=run.norm_m) for end in (pa.left[0], pa.right[0])]
        to_left, to_right = (np.array([e.get(int(k), np.inf) for k in nodes]) for e in ends)
    dist, _ = via_nearer_end(pa.snap.dist[0], pa.d_left[0], pa.d_right[0], to_left, to_right)
    keep = np.flatnonzero(dist <= run.norm_m)
    order = keep[dist[keep].argsort(kind="quicksort")]  # as Series.sort_values
    return pa, pd.Series(dist[order], index=acc.dest_ids[order])


def access_rows(
    analysis: Analysis, pa: PointAccess, within: pd.Series, run: RunNorm, settings: ToetsSettings
) -> list[AccessRow]:
    """One row per category of the toets: distance, walking time, nearest voorziening, count and verdict.

    Parameters
    ----------
    analysis
        The run (its voorzieningen).
    pa, within
        The site's access and distances within the norm (:func:`site_access`).
    run
        The run's norm and profile.
    settings
        The toets settings (``bereikbaarheid.categorieen``, the verdict beyond the norm).

    Returns
    -------
    list of AccessRow
        ``categorie``, ``label``, ``afstand_m``, ``minuten``, ``dichtstbij``, ``aantal_binnen_norm``, ``oordeel``, …
    """
    vz = analysis.inputs.voorzieningen
    inside, near_cats = within_categories(vz, within, run)
    rows: list[AccessRow] = []
    for cat in settings.bereikbaarheid.categorieen:
        parts = run.composites.get(cat, (cat,))
        dist = as_float(pa.distance[cat][0]) if cat in pa.distance else None
        nearest = pa.nearest[cat][0] if cat in pa.nearest else None
        name = source = None
        if nearest is not None and nearest in vz.index:
            name = as_text(vz.at[nearest, "naam"]) or f"({as_text(vz.at[nearest, 'label']) or cat}, naamloos)"
            if "bron" in vz:
                source = source_text(
                    vz.at[nearest, "bron"], vz.at[nearest, "bron_datum"] if "bron_datum" in vz else None
                )
        n_near = int((inside & np.isin(near_cats, list(parts))).sum())
        if dist is None:
            verdict = "onbekend"
            reason = (
                "locatie ligt te ver van het looppadennetwerk"
                if pa.far[0]
                else "geen voorziening van deze categorie bereikbaar"
            )
        else:
            verdict = "groen" if dist <= run.norm_m else settings.bereikbaarheid.oordeel_buiten_norm
            reason = ""
        rows.append(
            {
                "categorie": cat,
                "label": run.labels[cat],
                "afstand_m": None if dist is None else round(dist, 1),
                "minuten": None if dist is None else round(dist / run.speed_m_s / 60.0, 1),
                "dichtstbij": name,
                "dichtstbij_id": None if nearest is None else str(nearest),
                "dichtstbij_bron": source,
                "aantal_binnen_norm": n_near,
                "binnen_norm": None if dist is None else bool(dist <= run.norm_m),
                "oordeel": verdict,
                "toelichting": reason,
            }
        )
    return rows


def within_categories(vz: gpd.GeoDataFrame, within: pd.Series, run: RunNorm) -> tuple[np.ndarray, np.ndarray]:
    """For the voorzieningen of ``within`` (in its order): whether each lies within the norm, and its category.

    Parameters
    ----------
    vz
        The voorzieningen (indexed by id).
    within
        Network distances by voorziening id (:func:`site_access`).
    run
        The run's norm.

    Returns
    -------
    numpy.ndarray, numpy.ndarray
        A boolean array and an object array of categories, one entry per row of ``within``.
    """
    ids = within.index
    if not len(ids):
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=object)
    cats = vz["categorie"].to_numpy(dtype=object)[vz.index.get_indexer(ids)]
    return np.asarray(within.to_numpy() <= run.norm_m, dtype=bool), cats


def norm_met(rows: Sequence[AccessRow], s: ToetsSettings) -> bool | None:
    """Whether every category of the norm lies within the norm; None when one is unknown.

    Parameters
    ----------
    rows
        The rows of :func:`access_rows`.
    s
        The toets settings (``bereikbaarheid.norm_categorieen``).

    Returns
    -------
    bool or None
    """
    by_cat = {r["categorie"]: r["binnen_norm"] for r in rows}
    values = [by_cat.get(c) for c in s.bereikbaarheid.norm_categorieen]
    return None if any(v is None for v in values) else all(values)


def norm_text(run: RunNorm, s: ToetsSettings) -> str:
    """The norm in words: ``'OV-halte of treinstation en supermarkt binnen 800 m'``.

    Parameters
    ----------
    run
        The run's norm and category labels.
    s
        The toets settings (``bereikbaarheid.norm_categorieen``).

    Returns
    -------
    str
    """
    labels = [run.labels[c] for c in s.bereikbaarheid.norm_categorieen]
    labels = [labels[0]] + [x[:1].lower() + x[1:] for x in labels[1:]]
    joined = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " en " + labels[-1]
    return f"{joined} binnen {fmt.compact(run.norm_m, 2)} m"
