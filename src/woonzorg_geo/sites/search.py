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
from woonzorg_geo.sites.ranking import Judge, rank_search_areas, site_sensitivity, stability
from woonzorg_geo.sites.scoring import care_note, explain, score_candidates

log = logging.getLogger(__name__)


@dataclass
class SiteResult:
    """Scored candidates, the ranked zoekgebieden, what was excluded and how stable the ranking is.

    Attributes
    ----------
    cells
        The scored candidates (cells, or the planner's parcels).
    search_areas
        The ranked zoekgebieden (or parcels) with their explanation.
    excluded
        Excluded built-up cells per reason; for parcels, those that the grid would exclude.
    sensitivity
        One row per variant of the weights (see :func:`site_sensitivity`).
    stability
        The stability figures of the top (see :func:`stability`).
    notes
        Notes on the criteria (e.g. which care locations the data holds).
    parcels
        The candidates are the planner's parcels, not grid cells.
    """

    cells: gpd.GeoDataFrame
    search_areas: gpd.GeoDataFrame
    excluded: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    stability: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    parcels: bool = False
    toets_left_out: pd.Series = field(default_factory=lambda: pd.Series(dtype=int))
    toets_rule: str = ""
    reference: str = ""
    toets_left_out_names: list[str] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        """The exclusions, the stability of the top and the notes as Dutch sentences."""
        lines = []
        if len(self.excluded):
            n = int(self.excluded.sum())
            what = (
                "Kavels op grond die het raster zou uitsluiten (wel beoordeeld)"
                if self.parcels
                else "Uitgesloten bebouwde cellen"
            )
            lines.append(f"{what}: {n} ({format_counts(self.excluded)}).")
        if self.reference:
            n = int(self.toets_left_out.sum()) if len(self.toets_left_out) else 0
            per = ", ".join(f"{k} {v}" for k, v in self.toets_left_out.items() if v) or "geen"
            if self.toets_rule == "lager":
                lines.append(
                    f"Toets van het referentie-initiatief ({self.reference}) per zoekgebied: rood op een deel "
                    f"betekent lager gerangschikt ({per})."
                )
            else:
                names = f": {', '.join(self.toets_left_out_names)}" if self.toets_left_out_names else ""
                lines.append(
                    f"Toets van het referentie-initiatief ({self.reference}) per zoekgebied: weggelaten omdat "
                    f"de toets rood geeft: {n} zoekgebieden (per deel: {per}){names}."
                )
        if not self.parcels:
            lines.append(
                "Een zoekgebied is een goed gelegen stuk bebouwd gebied (een blok van cellen van 1 ha), geen vrije "
                "kavel: of er grond beschikbaar is, zegt deze rangorde niet. Rangschik echte locaties met --kavels."
            )
        if self.stability:
            lines.append(str(self.stability["tekst"]))
        return lines + list(self.notes)


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
        zg = rank_search_areas(cells, settings=settings, speed_m_s=speed, top=top, notes=notes, judge=judge)
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
        search_areas=zg,
        excluded=counts,
        sensitivity=variants,
        stability=stab,
        notes=opmerkingen,
        parcels=not grid,
        toets_left_out=left_out,
        toets_left_out_names=list(zg.attrs.get("toets_weggelaten_namen", [])),
        toets_rule=settings.toets_regel if judge is not None and grid else "",
        reference=(
            f"{settings.referentie_type.replace('_', ' ')}, {settings.referentie_omvang} woningen"
            if judge is not None and grid and settings.toets_regel != "uit"
            else ""
        ),
    )
    return result
