"""The site search: candidates scored, ranked and checked for stability, in one :class:`SiteResult`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from woonzorg_geo.core.site_settings import SiteSettings
from woonzorg_geo.core.validate import ensure_crs
from woonzorg_geo.sources.outlines import select_addresses

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

from woonzorg_geo.sites.candidates import candidate_cells, exclusion_counts, exclusion_reasons, format_counts
from woonzorg_geo.sites.ranking import Judge, site_sensitivity, stability, zoekgebieden
from woonzorg_geo.sites.scoring import care_note, explain, score_candidates

log = logging.getLogger(__name__)


@dataclass
class SiteResult:
    """Scored candidates, the ranked zoekgebieden, what was excluded and how stable the ranking is.

    Attributes
    ----------
    cells
        The scored candidates (cells, or the planner's parcels).
    zoekgebieden
        The ranked zoekgebieden (or parcels) with their explanation.
    uitgesloten
        Excluded built-up cells per reason; for parcels, those that the grid would exclude.
    gevoeligheid
        One row per variant of the weights (see :func:`site_sensitivity`).
    stabiliteit
        The stability figures of the top (see :func:`stability`).
    opmerkingen
        Notes on the criteria (e.g. which care locations the data holds).
    kavels
        The candidates are the planner's parcels, not grid cells.
    """

    cells: gpd.GeoDataFrame
    zoekgebieden: gpd.GeoDataFrame
    uitgesloten: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))
    gevoeligheid: pd.DataFrame = field(default_factory=pd.DataFrame)
    stabiliteit: dict[str, object] = field(default_factory=dict)
    opmerkingen: list[str] = field(default_factory=list)
    kavels: bool = False
    toets_weggelaten: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))
    toets_regel: str = ""
    referentie: str = ""
    toets_weggelaten_namen: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        """The exclusions, the stability of the top and the notes as Dutch sentences."""
        lines = []
        if len(self.uitgesloten):
            n = int(self.uitgesloten.sum())
            what = (
                "Kavels op grond die het raster zou uitsluiten (wel beoordeeld)"
                if self.kavels
                else "Uitgesloten bebouwde cellen"
            )
            lines.append(f"{what}: {n} ({format_counts(self.uitgesloten)}).")
        if self.referentie:
            n = int(self.toets_weggelaten.sum()) if len(self.toets_weggelaten) else 0
            per = ", ".join(f"{k} {v}" for k, v in self.toets_weggelaten.items() if v) or "geen"
            if self.toets_regel == "lager":
                lines.append(
                    f"Toets van het referentie-initiatief ({self.referentie}) per zoekgebied: rood op een deel "
                    f"betekent lager gerangschikt ({per})."
                )
            else:
                names = f": {', '.join(self.toets_weggelaten_namen)}" if self.toets_weggelaten_namen else ""
                lines.append(
                    f"Toets van het referentie-initiatief ({self.referentie}) per zoekgebied: weggelaten omdat "
                    f"de toets rood geeft: {n} zoekgebieden (per deel: {per}){names}."
                )
        if not self.kavels:
            lines.append(
                "Een zoekgebied is een goed gelegen stuk bebouwd gebied (een blok van cellen van 1 ha), geen vrije "
                "kavel: of er grond beschikbaar is, zegt deze rangorde niet. Rangschik echte locaties met --kavels."
            )
        if self.stabiliteit:
            lines.append(str(self.stabiliteit["tekst"]))
        return lines + list(self.opmerkingen)


def site_addresses(analysis: Analysis) -> gpd.GeoDataFrame:
    """The address points the grid of candidates is laid over: the analysis' own selection.

    The same rule as the analysis (:func:`woonzorg_geo.sources.outlines.select_addresses`): a home
    outside the gemeente's buurten but inside both its gemeente and wijk outlines (a sliver buurt's
    homes, such as Meppel's Scheepsbuurt) counts, so no home is lost to the built-up area either.
    The analysis' address table holds exactly those points; only when it was not loaded (see
    :func:`woonzorg_geo.run.store.load_analysis`) are they selected again.
    """
    if len(analysis.adressen):
        return analysis.adressen[["geometry"]]
    inputs = analysis.inputs
    chosen, _ = select_addresses(
        inputs.osm.addresses,
        inputs.gemeente.union_all(),
        inputs.buurten,
        inputs.outlines,
        settings=analysis.settings.plausibiliteit,
    )
    return chosen


def find_sites(
    analysis: Analysis,
    *,
    settings: SiteSettings,
    parcels: gpd.GeoDataFrame | None = None,
    facts: pd.DataFrame | None = None,
    top: int | None = 20,
    judge: Judge | None = None,
) -> SiteResult:
    """Score candidates (grid cells over the built-up area, or the planner's parcels) and rank them.

    With ``parcels`` every parcel is its own candidate: nothing is dropped or merged; the room
    criterion is measured on the parcel, and a parcel on land the grid would exclude says so.

    ``judge`` gives the toets verdict per part of the reference initiative at a point (the command
    layer builds it from :func:`woonzorg_geo.toets.check_site`; sites come before toets in the
    flow and do not import it); ``settings.toets_regel`` says what a rood does (see
    :func:`~woonzorg_geo.sites.ranking.judge_regions`). Without it no zoekgebied is checked.
    """
    a = analysis
    inputs = a.inputs
    speed = a.settings.profile(settings.profiel).speed_m_s
    extra = inputs.osm.extra
    care = care_note(inputs.voorzieningen, settings.zorg_categorieen)
    notes = {"zorg": care} if care and any(c.name == "zorg" for c in settings.criteria) else {}
    opmerkingen = []
    if care:
        label = next((c.label for c in settings.criteria if c.name == "zorg"), "zorg")
        opmerkingen.append(
            f"Criterium '{label}': {care}; het wordt meegewogen maar niet als sterk of zwakste punt genoemd."
        )
        log.warning("zorgcriterium: %s", care)
    counts = pd.Series(dtype=int)
    if parcels is not None:
        cand = ensure_crs(parcels, name="kavels").copy()
        axy = shapely.get_coordinates(inputs.osm.addresses.geometry.to_numpy())
        tree = cKDTree(axy)
        rp = shapely.get_coordinates(cand.geometry.representative_point().to_numpy())
        cand["adressen_nabij"] = tree.query_ball_point(rp, r=500.0, return_length=True)
        # the planner chose the parcels: nothing is dropped, but what the grid would exclude is said
        cand = exclusion_reasons(
            cand,
            settings=settings,
            layers=extra,
            buurten=inputs.buurten,
            pois=inputs.osm.pois,
            lines=inputs.osm.lines,
            voorzieningen=inputs.voorzieningen,
        )
        cells = score_candidates(cand, analysis=a, settings=settings, facts=facts)
        ranked = cells.loc[cells["score"].notna()].sort_values("score", ascending=False).copy()
        ranked.insert(0, "rang", np.arange(1, len(ranked) + 1))
        ranked["toelichting"] = [
            explain(r, settings.criteria, rank=int(r["rang"]), speed=speed, notes=notes)
            + (
                f" Let op: {r['uitgesloten']}"
                + (f": {r['uitgesloten_buurt']}" if r["uitgesloten_buurt"] else "")
                + "; in het raster zou deze plek zijn uitgesloten."
                if r["uitgesloten"]
                else ""
            )
            for _, r in ranked.iterrows()
        ]
        counts = exclusion_counts(cells)
        zg = ranked.head(top) if top else ranked
        grid = False
    else:
        inside = site_addresses(a)
        allcells = candidate_cells(
            inputs.gemeente,
            inside,
            settings=settings,
            layers=extra,
            buurten=inputs.buurten,
            pois=inputs.osm.pois,
            lines=inputs.osm.lines,
            voorzieningen=inputs.voorzieningen,
        )
        counts = exclusion_counts(allcells)
        per_class = ", ".join(f"{c} {int(counts.get(c, 0))}" for c in ("winkelcentrum", "school", "zorglocatie"))
        opmerkingen.insert(0, f"Uitgesloten als winkelcentrum, bij een school of op een zorglocatie: {per_class}.")
        vz = inputs.voorzieningen
        n_care = int(vz["categorie"].isin(settings.zorglocatie_categorieen).sum()) if "categorie" in vz else 0
        if settings.zorglocatie_categorieen and not n_care:
            opmerkingen.insert(
                1,
                "Bestaande zorglocaties: geen voorziening van categorie "
                + ", ".join(settings.zorglocatie_categorieen)
                + " in de gegevens (OSM, register of --voorzieningen); op zorglocatie is niets uitgesloten.",
            )
        cand = allcells.loc[allcells["uitgesloten"] == ""].drop(columns=["uitgesloten", "uitgesloten_buurt"])
        cells = score_candidates(cand, analysis=a, settings=settings, facts=facts)
        zg = zoekgebieden(cells, settings=settings, speed_m_s=speed, top=top, notes=notes, judge=judge)
        grid = True
    left_out = zg.attrs.get("toets_weggelaten", pd.Series(dtype=int))
    sens_cells = cells
    gone = [k for m in zg.attrs.get("toets_weggelaten_cellen", []) for k in m]
    if gone:  # the sensitivity is of the ranking that was made: without the left-out zoekgebieden
        sens_cells = cells.copy()
        sens_cells.iloc[gone, sens_cells.columns.get_loc("score")] = np.nan
        sens_cells.iloc[gone, sens_cells.columns.get_loc("toegankelijk")] = False
    variants, kept = site_sensitivity(sens_cells, settings=settings, grid=grid)
    stab = stability(variants, kept, settings=settings)
    if stab:
        n = min(kept.shape[1], len(zg))
        zg = zg.copy()
        zg["in_top_varianten"] = np.r_[kept.sum(axis=0)[:n], np.full(len(zg) - n, np.nan)]
        text = zg["toelichting"].to_numpy(dtype=object)
        for i in range(n):
            text[i] += (
                f" In de top {kept.shape[1]} bij {int(zg['in_top_varianten'].iloc[i])} van de "
                f"{len(variants)} gewichtsvarianten."
            )
        zg["toelichting"] = text
        log.info("%s", stab["tekst"])
    result = SiteResult(
        cells=cells,
        zoekgebieden=zg,
        uitgesloten=counts,
        gevoeligheid=variants,
        stabiliteit=stab,
        opmerkingen=opmerkingen,
        kavels=not grid,
        toets_weggelaten=left_out,
        toets_weggelaten_namen=list(zg.attrs.get("toets_weggelaten_namen", [])),
        toets_regel=settings.toets_regel if judge is not None and grid else "",
        referentie=(
            f"{settings.referentie_type.replace('_', ' ')}, {settings.referentie_omvang} woningen"
            if judge is not None and grid and settings.toets_regel != "uit"
            else ""
        ),
    )
    return result
