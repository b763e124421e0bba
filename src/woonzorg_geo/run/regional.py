"""The regional tables of ``regio``: what one gemeente's task returns, and its rows for the region.

:func:`regional_rows` turns one gemeente's :class:`~woonzorg_geo.areas.analysis.Analysis` into its
row of the gemeenten table (``regio.csv``, layer ``gemeenten`` of ``regio.gpkg``) and the rows of
its wijken; :class:`GemeenteResult` is what its task hands back (a :class:`RegionalRow`, which
``regio.json`` lists under ``gemeenten``, with those two tables); :class:`RegioResult` holds the
whole run before it is written (see :mod:`woonzorg_geo.run.regio_output`).
"""

# no ``from __future__ import annotations``: the TypedDicts keep real annotations, so that
# ``__required_keys__`` knows which keys are ``NotRequired``
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo import RD_NEW
from woonzorg_geo.areas.aggregation import aggregate, cbs_weighted
from woonzorg_geo.areas.unknown import mark_unknown

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

#: Figures of a gemeente or wijk taken into the regional tables (per profile suffix).
FIGURE_RE = re.compile(r"^(pct_.+|med_afstand_.+|gem_afstand_.+|n_onbereikbaar.*)$")


class RegionalRow(TypedDict):
    """One gemeente of a regio run, as ``regio.json`` lists it (and ``regio.csv`` starts its row).

    ``status`` is ``ok`` or ``fout`` (with the ``reden``); ``map`` the gemeente's folder, relative to
    the output folder. The figures of a task that ran: ``adressen``, ``knopen``, ``segmenten``,
    ``tijden_s`` (per step), ``tijd_s`` and ``cpu_s`` (the task's wall and processor time), the
    ``worker`` and its ``piek_geheugen_mb`` (peak resident memory during the task);
    ``niet_afgerond`` for a task that ended without its result (worker lost, a bound reached).
    """

    code: str
    naam: str
    status: str
    reden: str
    map: str
    worker: NotRequired[str]
    adressen: NotRequired[int]
    knopen: NotRequired[int]
    segmenten: NotRequired[int]
    tijden_s: NotRequired[dict[str, float]]
    waarschuwingen: NotRequired[list[str]]
    tijd_s: NotRequired[float]
    cpu_s: NotRequired[float]
    piek_geheugen_mb: NotRequired[float]
    niet_afgerond: NotRequired[bool]


class GemeenteResult(RegionalRow):
    """What a gemeente's task returns: its :class:`RegionalRow` and, when it ran, its regional rows.

    ``gemeente`` and ``wijken`` are the tables of :func:`regional_rows`; ``_worker_weg`` (only on a
    task that ended without its result) says that no worker still runs it, so what it left in its
    folder may be removed.
    """

    gemeente: NotRequired[gpd.GeoDataFrame]
    wijken: NotRequired[gpd.GeoDataFrame]
    _worker_weg: NotRequired[bool]


class TilesInfo(TypedDict, total=False):
    """The decoding of the run's tiles (``tiles`` in ``regio.json``)."""

    nodig: int
    gedecodeerd: int
    uit_cache: int
    leeg: int
    tijd_s: float
    taaktijd_s: float
    cpu_s: float
    cache: str


class ClusterInfo(TypedDict, total=False):
    """The cluster the run used (``cluster`` in ``regio.json``): the scheduler's address or ``lokaal``."""

    scheduler: str
    workers: int


def regional_row(result: GemeenteResult) -> RegionalRow:
    """``result`` without its tables: what ``regio.json`` and ``regio.csv`` say of the gemeente."""
    row = result.copy()
    row.pop("gemeente", None)
    row.pop("wijken", None)
    return row


@dataclass
class RegioResult:
    """Everything a regio run produced, before it is written."""

    name: str
    gemeenten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    tasks: list[RegionalRow]
    tiles: TilesInfo = field(default_factory=lambda: TilesInfo())
    timings: dict[str, float] = field(default_factory=dict)
    cluster: ClusterInfo = field(default_factory=lambda: ClusterInfo())
    #: the regional files written (see ``write`` of :func:`.run.regio.run_regio`)
    files: list[Path] = field(default_factory=list)

    @property
    def failures(self) -> dict[str, str]:
        """``{code: reason}`` of every gemeente that failed."""
        return {t["code"]: t["reden"] for t in self.tasks if t["status"] != "ok"}


def _cbs_figures(kern: pd.DataFrame) -> tuple[pd.Series | None, pd.Series | None]:
    inh = kern["AantalInwoners_5"] if "AantalInwoners_5" in kern else kern.get("aantalInwoners")
    dw = kern["Woningvoorraad_35"] if "Woningvoorraad_35" in kern else kern.get("woningvoorraad")
    return inh, dw


def with_columns(frame: gpd.GeoDataFrame, values: dict[str, Any]) -> gpd.GeoDataFrame:
    """``frame`` with ``values`` as columns, as one assignment each would give (existing columns
    replaced in place, new ones appended in order), but added at once: no fragmented frame.

    ``frame`` itself is not changed.
    """
    out = frame.copy()
    for key in [k for k in values if k in out.columns]:
        out[key] = values[key]
    new = {k: v for k, v in values.items() if k not in out.columns}
    if not new:
        return out
    added = pd.DataFrame(new, index=out.index)
    return gpd.GeoDataFrame(pd.concat([out, added], axis=1), geometry=out.geometry.name, crs=out.crs)


def regional_rows(a: "Analysis") -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The gemeente's row and its wijken's rows for the regional tables.

    Parameters
    ----------
    a
        An :class:`.areas.analysis.Analysis`.

    Returns
    -------
    GeoDataFrame, GeoDataFrame
        One row (index: gemeentecode) and one row per wijk (index: wijkcode, with
        ``gemeentecode``, ``gemeente``), each with ``naam``, ``n_adressen``, ``inwoners_cbs``,
        ``woningen_cbs`` and every share and distance per profile; in :data:`woonzorg_geo.RD_NEW`.
    """
    s = a.settings
    code = s.gemeente.code
    suffixes = [a.suffix(p) for p in a.access]
    inh, dw = _cbs_figures(a.inputs.kerncijfers)
    adr = a.adressen.assign(gemeentecode=code)
    area = a.inputs.gemeente[["naam", a.inputs.gemeente.geometry.name]]
    g = aggregate(
        adr, area, key="gemeentecode", norm_m=s.bereikbaarheid.norm_m, suffixes=suffixes, inhabitants=inh, dwellings=dw
    )
    # the columns are gathered and added at once (one per insert fragments the frame: pandas warns)
    first: dict[str, Any] = {}
    if "woningen_cbs" not in g:
        first["woningen_cbs"] = np.nan
    first["adressen_per_woning"] = g["n_adressen"] / (
        first["woningen_cbs"] if "woningen_cbs" in first else g["woningen_cbs"]
    )
    # the headline per woning weighted to the CBS dwellings of each wijk (issue 19 §2)
    for sfx in suffixes:
        for key, value in cbs_weighted(a.wijken, suffix=sfx).items():
            first[f"{key}{sfx}"] = value
    first["wijken_buiten_band"] = ", ".join(
        f"{w['naam'] or w['wijkcode']} ({w['oorzaak']})"
        for w in a.summary.get("woningen", {}).get("wijken_buiten_band", [])
    )
    gp = a.summary.get("huisartsenlijst", {})
    first["huisartsen"] = gp.get("in_gemeente", np.nan)
    first["pct_huisartsen_op_adres"] = gp.get("pct_op_adres", np.nan)
    first["begrensd_door"] = s.data.gemeente_vorm
    first["zonder_voorzieningen"] = ", ".join(a.summary.get("categorieen_zonder_voorzieningen", []))
    g = mark_unknown(with_columns(g, first), a.summary.get("onbekend", {}), composites=a.vocab.composites)
    then: dict[str, Any] = {
        "onbekend": "; ".join(f"{k}: {v}" for k, v in a.summary.get("onbekend", {}).items()),
        "buurten": len(a.buurten),
        "wijken": len(a.wijken),
    }
    vol = []  # completeness of OSM per category against its independent list (issue 19 §3)
    for rec in a.summary.get("volledigheid", []):
        cat = rec["categorie"]
        values: tuple[tuple[str, float | None], ...] = (
            ("lijst", rec.get("n_lijst")),
            ("osm_gevonden", rec.get("n_osm_gevonden")),
            ("aandeel_osm", rec.get("aandeel_osm")),
        )
        for col, figure in values:
            then[f"volledigheid_{cat}_{col}"] = np.nan if figure is None else figure
            vol.append(f"volledigheid_{cat}_{col}")
    g = with_columns(g, then)
    head = [
        "naam",
        "n_adressen",
        "n_woningen",
        "inwoners_cbs",
        "woningen_cbs",
        "adressen_per_woning",
        "woningen_per_cbs",
        "wijken_buiten_band",
        "huisartsen",
        "pct_huisartsen_op_adres",
        "buurten",
        "wijken",
        "begrensd_door",
        "zonder_voorzieningen",
        "onbekend",
        *vol,
    ]
    figures = [c for c in g.columns if FIGURE_RE.match(c) and c not in head]
    g = g[
        [c for c in head if c in g] + figures + [g.geometry.name]
    ].copy()  # one block per dtype: no fragmented frame downstream
    g.index.name = "code"
    w = a.wijken.copy()
    w["gemeentecode"] = code
    w["gemeente"] = s.gemeente.naam
    for col in ("inwoners_cbs", "woningen_cbs"):
        if col not in w:
            w[col] = np.nan
    wfig = [c for c in w.columns if FIGURE_RE.match(c)]
    homes = [c for c in ("n_woningen", "woningen_per_cbs", "woningen_oorzaak") if c in w]
    w = w[
        [
            "naam",
            "gemeentecode",
            "gemeente",
            "n_adressen",
            *homes,
            "inwoners_cbs",
            "woningen_cbs",
            *wfig,
            w.geometry.name,
        ]
    ]
    w.index.name = "code"
    return gpd.GeoDataFrame(g, crs=area.crs).to_crs(RD_NEW), gpd.GeoDataFrame(w, crs=a.wijken.crs).to_crs(RD_NEW)
