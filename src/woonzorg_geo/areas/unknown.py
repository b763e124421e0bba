"""Unknown is not zero: shares of a category the data cannot know become ``onbekend`` (NaN).

A share ``pct_<cat>_<norm>m`` of 0 % says "the data knows there is no <cat> within the norm". That
is only true when the data holds the category's locations. Two cases where it does not:

* **absent**: not one voorziening of the category lies in the gemeente or within the network's margin
  around it (``[netwerk] margin_m``): the source does not cover the category here, so every distance
  is missing and every share would print 0 %;
* **incomplete**: the completeness check (``Inputs.volledigheid``: per category the independent list,
  its number of entries ``n_lijst`` and the share of them OpenStreetMap has, ``aandeel_osm``) finds
  fewer than ``[plausibiliteit] min_aandeel_volledig`` of the list in the data, and the data used
  holds fewer voorzieningen of that category than the list (so the list was not merged in).

For such a category every share column (``pct_<cat>_<norm>m`` with any profile suffix or variant
such as ``_alle_adressen``), every combination containing it (``pct_drie_a_<norm>m`` …), and its
mean and median distance are set to NaN, which the CSV writes as an empty cell, the maps colour grey
with the label "onbekend", and the text prints as "onbekend". The reasons go into the summary under
``"onbekend"``. This runs after the aggregation, as a separate step (:func:`mark_unknown`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from woonzorg_geo.areas.summary import RunSummary
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.vocabulary import COMBINATIONS

log = logging.getLogger(__name__)

__all__ = ["find_unknown", "mark_unknown", "mark_unknown_summary", "unknown_columns", "unknown_names"]

#: ``pct_<name>_<norm>m<rest>``: the name is everything before the first ``_<digits>m``.
_PCT_RE = re.compile(r"^pct_(?P<name>.+?)_(?P<norm>\d+)m(?P<rest>(?:_.*)?)$")
#: ``gem_afstand_<cat>_m<suffix>`` / ``med_afstand_<cat>_m<suffix>``.
_DIST_RE = re.compile(r"^(?:gem|med)_afstand_(?P<name>.+?)_m(?P<rest>(?:_.*)?)$")


def _number(value: Any) -> float:
    """``value`` as a float; NaN when it is missing or not a number."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def find_unknown(
    voorzieningen: pd.DataFrame,
    categories: Iterable[str],
    *,
    margin_m: float,
    completeness: pd.DataFrame | None = None,
    min_aandeel: float = 0.5,
    nouns: Mapping[str, str] | None = None,
    composites: Mapping[str, tuple[str, ...]] | None = None,
    keep: Iterable[str] | None = None,
) -> dict[str, str]:
    """The categories whose shares are unknown, each with its reason in Dutch.

    Parameters
    ----------
    voorzieningen
        The run's voorzieningen (column ``categorie``), in the gemeente and its margin.
    categories
        The categories the run computes.
    margin_m
        The margin around the gemeente the voorzieningen were taken from (for the reason).
    completeness
        The completeness table (columns ``categorie``, ``lijst``, ``n_lijst``, ``n_osm_gevonden``,
        ``aandeel_osm``), or None when there is none; rows or columns it lacks are ignored.
    min_aandeel
        A category whose ``aandeel_osm`` lies below this is incomplete, unless the data holds at
        least as many of it as the list (the list was merged in).
    nouns
        Dutch nouns of the categories for the reasons (default: the category names).
    composites
        The run's composites (``ov`` = ``ov_halte`` + ``treinstation``): one is unknown when all its
        parts are, with their reasons.
    keep
        Report only these categories and composites (the run's key categories, whose shares are in
        the output); default: every unknown category.

    Returns
    -------
    dict
        ``{category: reason}``, in the order of ``categories``.
    """
    nouns = nouns or {}
    present = voorzieningen["categorie"].value_counts() if "categorie" in voorzieningen else pd.Series(dtype=int)
    out: dict[str, str] = {}
    km = fmt.number(margin_m / 1000, 1 if margin_m % 1000 else 0)
    for cat in categories:
        if int(present.get(cat, 0)) == 0:
            out[cat] = f"geen enkele {nouns.get(cat, cat)} in of binnen {km} km van de gemeente in de gegevens"
    wanted = list(categories)
    need = {"categorie", "aandeel_osm"}
    rows: list[dict[Any, Any]] = []
    if isinstance(completeness, pd.DataFrame):
        if need <= set(completeness.columns):
            rows = completeness.to_dict("records")
        else:
            log.warning("volledigheidstabel zonder kolommen %s: niet gebruikt", ", ".join(sorted(need)))
    for row in rows:
        cat = str(row.get("categorie"))
        share = _number(row.get("aandeel_osm"))
        if cat not in wanted or cat in out or pd.isna(share) or share >= min_aandeel:
            continue
        n_list = _number(row.get("n_lijst"))
        have = int(present.get(cat, 0))
        if pd.notna(n_list) and have >= int(n_list):
            continue  # the data holds at least the list's number: the list was merged in
        found = _number(row.get("n_osm_gevonden"))
        lijst = fmt.text(row.get("lijst"), missing="de onafhankelijke lijst")
        counts = (
            f"{fmt.number(found)} van de {fmt.number(n_list)}"
            if pd.notna(found) and pd.notna(n_list)
            else fmt.percent(100 * share)
        )
        out[cat] = (
            f"onvolledig: de gegevens hebben {counts} {nouns.get(cat, cat)}(s) uit {lijst} "
            f"(minder dan {fmt.percent(100 * min_aandeel, 0)})"
        )
    out = {c: out[c] for c in wanted if c in out}
    for comp, parts in (composites or {}).items():
        if parts and all(p in out for p in parts):
            out[comp] = "; ".join(f"{nouns.get(p, p)}: {out[p]}" for p in parts)
    if keep is not None:
        out = {c: out[c] for c in keep if c in out}
    return out


def unknown_names(
    unknown: Iterable[str],
    *,
    composites: Mapping[str, tuple[str, ...]] | None = None,
    combinations: Mapping[str, tuple[str, ...]] | None = None,
) -> set[str]:
    """Every category, composite and combination whose shares are unknown.

    A composite (``ov`` = nearer of ``ov_halte`` and ``treinstation``) is unknown when all its
    parts are; a combination (``drie_a``) when any of its members is.
    """
    names = set(unknown)
    for comp, parts in (composites or {}).items():
        if parts and set(parts) <= names:
            names.add(comp)
    for combo, members in (combinations if combinations is not None else COMBINATIONS).items():
        if names & set(members):
            names.add(combo)
    return names


def unknown_columns(columns: Iterable[str], names: set[str]) -> list[str]:
    """The share and distance columns among ``columns`` that belong to one of ``names``."""
    out = []
    for col in columns:
        m = _PCT_RE.match(str(col)) or _DIST_RE.match(str(col))
        if m and m["name"] in names:
            out.append(col)
    return out


def mark_unknown(
    frame: pd.DataFrame,
    unknown: Mapping[str, str],
    *,
    composites: Mapping[str, tuple[str, ...]] | None = None,
    combinations: Mapping[str, tuple[str, ...]] | None = None,
) -> pd.DataFrame:
    """A copy of ``frame`` (buurten, wijken, gemeenten) with the shares of unknown categories NaN.

    Parameters
    ----------
    frame
        Aggregated figures (``pct_<cat>_<norm>m…``, ``gem_afstand_<cat>_m…``).
    unknown
        ``{category: reason}`` from :func:`find_unknown`.
    composites, combinations
        The run's composites and combinations (see :func:`unknown_names`).
    """
    if not unknown:
        return frame
    names = unknown_names(unknown, composites=composites, combinations=combinations)
    cols = unknown_columns(frame.columns, names)
    out = frame.copy()
    for col in cols:
        out[col] = np.nan
    return out


def mark_unknown_summary(
    summary: RunSummary,
    unknown: Mapping[str, str],
    *,
    composites: Mapping[str, tuple[str, ...]] | None = None,
    combinations: Mapping[str, tuple[str, ...]] | None = None,
) -> RunSummary:
    """Set the gemeente's unknown shares in ``summary["profielen"][*]["gemeente"]`` to None (JSON null)
    and record the reasons under ``summary["onbekend"]``; returns ``summary`` (changed in place)."""
    summary["onbekend"] = dict(unknown)
    if not unknown:
        return summary
    names = unknown_names(unknown, composites=composites, combinations=combinations)
    for prof in summary.get("profielen", {}).values():
        overall = prof.get("gemeente")
        if isinstance(overall, dict):
            for key in unknown_columns(list(overall), names):
                overall[key] = None
    return summary
