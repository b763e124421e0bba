"""The chain computed in memory: network → accessibility → aggregation → overlays, one :class:`Analysis`.

Nothing here writes a file: :mod:`woonzorg_geo.run.pipeline` writes an analysis, and
:mod:`woonzorg_geo.run.store` keeps it for the commands that reuse it.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo.areas.aggregation import aggregate, assign_areas, cbs_weighted, overall
from woonzorg_geo.areas.summary import (
    GpListSummary,
    HomesSummary,
    OverlaySummary,
    Percentiles,
    ProfileSummary,
    RunSummary,
)
from woonzorg_geo.areas.unknown import find_unknown, mark_unknown, mark_unknown_summary
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.network.accessibility import Accessibility, compute_accessibility, to_frame
from woonzorg_geo.network.graph import ProfileGraph, WalkNetwork, build_network, profile_graph
from woonzorg_geo.network.raster import Surfaces, compute_surfaces, service_areas, summarise_surface
from woonzorg_geo.sources import independent_lists
from woonzorg_geo.sources.datasets import Inputs
from woonzorg_geo.sources.homes import mark_homes, reconcile_wijken, wijk_causes
from woonzorg_geo.sources.outlines import area_report, gap_owners, mark_buurt_outlines, select_addresses

log = logging.getLogger(__name__)


@dataclass
class Analysis:
    """Everything one run computed (in memory), before it is written."""

    settings: Settings
    inputs: Inputs
    network: WalkNetwork
    graphs: dict[str, ProfileGraph]
    access: dict[str, Accessibility]
    adressen: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    #: the run summary (``samenvatting.json``), filled by :func:`analyse` once the tables are made
    summary: RunSummary = field(default_factory=lambda: cast("RunSummary", {}))
    overlay_report: dict[str, Any] = field(default_factory=dict)
    vocabulary: Vocabulary | None = None
    #: hash of the settings the analysis was asked with (see :func:`.core.settings_loader.settings_fingerprint`)
    fingerprint: str = ""
    #: what this analysis lacks, part → why (an analysis loaded from the store in part, see
    #: :func:`.run.store.load_analysis`); empty for a whole one. Checked by :meth:`require`.
    missing: dict[str, str] = field(default_factory=dict)

    def require(self, *parts: str, purpose: str) -> None:
        """Refuse (:class:`.core.errors.AnalysisIncomplete`) when any of ``parts`` is in :attr:`missing`."""
        lacking = {p: why for p, why in self.missing.items() if p in parts}
        if lacking:
            from woonzorg_geo.core.errors import AnalysisIncomplete

            raise AnalysisIncomplete(lacking, purpose=purpose)

    @property
    def vocab(self) -> Vocabulary:
        """The run's vocabulary: column names, labels, the norm and the profile suffixes."""
        if self.vocabulary is None:
            self.vocabulary = Vocabulary.from_settings(self.settings, profiles=list(self.access))
        return self.vocabulary

    @property
    def main_profile(self) -> str:
        """The profile whose columns carry no suffix (the first one computed)."""
        return self.vocab.main_profile

    @cached_property
    def surfaces(self) -> dict[str, Surfaces]:
        """Walking-distance surfaces per profile (computed on first use: toets and locaties skip them)."""
        r = self.settings.raster
        return {
            name: compute_surfaces(acc, self.inputs.gemeente, cell_m=r.cell_m, max_snap_m=r.max_snap_m)
            for name, acc in self.access.items()
        }

    @cached_property
    def service_areas(self) -> gpd.GeoDataFrame:
        """Per voorziening, the cells within the norm for which it is the nearest (all profiles)."""
        norm = self.settings.bereikbaarheid.norm_m
        parts = [service_areas(self.surfaces[name], acc, radius_m=norm) for name, acc in self.access.items()]
        return pd.concat(parts, ignore_index=True) if parts else gpd.GeoDataFrame()

    def surface_summary(self) -> dict[str, dict[str, dict[str, float]]]:
        """Per profile and category: the share of the surface within the norm and its percentiles."""
        norm = self.settings.bereikbaarheid.norm_m
        return {
            name: {cat: summarise_surface(arr, norm_m=norm) for cat, arr in surf.distance.items()}
            for name, surf in self.surfaces.items()
        }

    def voorzieningen_layer(self) -> gpd.GeoDataFrame:
        """The voorzieningen with ``snap_m``, their distance to the main profile's network (a copy)."""
        vz = self.inputs.voorzieningen.copy()
        main = self.access[self.main_profile]
        snap = pd.Series(main.routing.dest_snap.dist, index=main.dest_ids)
        vz["snap_m"] = snap.reindex(vz.index)
        return vz

    def network_layer(self) -> gpd.GeoDataFrame:
        """The network's segments with ``bruikbaar_<profile>`` per profile and the main profile's ``eiland``."""
        edges = self.network.edges_gdf()
        for name, pg in self.graphs.items():
            edges[f"bruikbaar_{name}"] = pg.edge_mask
        edges["eiland"] = self.graphs[self.main_profile].islands.label[self.network.u]
        return edges

    def suffix(self, profile: str) -> str:
        """Column suffix of a profile (see :meth:`.core.vocabulary.Vocabulary.suffix`)."""
        return self.vocab.suffix(profile)


def analyse(
    settings: Settings,
    *,
    inputs: Inputs,
    profiles: Sequence[str] | None = None,
    extra_tables: Sequence[tuple[str, pd.DataFrame]] = (),
) -> Analysis:
    """Compute the accessibility of every address in the gemeente, per profile, and aggregate it.

    Parameters
    ----------
    settings
        Run settings.
    inputs
        Loaded inputs (see :func:`load_inputs`).
    profiles
        Profile names; the first is the main profile (unsuffixed columns). Default: all profiles in
        the settings, in their order.
    extra_tables
        Further indicator tables for the overlays, as ``(name, table indexed by CBS code)``.

    Returns
    -------
    Analysis
        Its ``settings`` are ``settings`` with the overlay indicators resolved for this run (the
        norm and profile suffix filled in, see :meth:`.core.vocabulary.Vocabulary.resolve_overlays`).
    """
    from woonzorg_geo.core.settings_loader import settings_fingerprint

    timings: dict[str, float] = dict(inputs.timings)
    fingerprint = settings_fingerprint(settings)
    profiles = list(profiles or settings.profielen)
    vocab = Vocabulary.from_settings(settings, profiles=profiles)  # raises on an unknown profile
    acc_s = settings.bereikbaarheid
    present = set(inputs.voorzieningen["categorie"])
    absent = [c for c in acc_s.categories if c not in present]
    if absent:
        drie_a = [c for c in ("supermarkt", "apotheek", "huisarts") if c in absent]
        log.warning(
            "geen enkele voorziening in de gegevens (in of bij de gemeente) van: %s; afstanden daarheen ontbreken%s",
            ", ".join(absent),
            f"; het aandeel met de drie A's binnen de norm is onbekend (geen {', '.join(drie_a)})" if drie_a else "",
        )
    t0 = time.perf_counter()
    net = build_network(inputs.osm.lines, settings=settings.netwerk)
    timings["netwerk"] = time.perf_counter() - t0

    shape = inputs.gemeente.union_all()
    addresses = inputs.osm.addresses
    origins, via_outlines = select_addresses(
        addresses, shape, inputs.buurten, inputs.outlines, settings=settings.plausibiliteit
    )
    log.info("%d adressen in de gemeente", len(origins))
    if origins.empty:
        raise DataFileError(
            inputs.paths.get("gemeentegrens", "<gemeentegrens>"),
            f"geen enkel adrespunt ligt binnen de gemeentegrens ({len(addresses)} in de omgeving)",
            field="geometry",
            fix="controleer of de gemeentegrens bij deze gemeente hoort en het CRS klopt",
        )
    graphs: dict[str, ProfileGraph] = {}
    access: dict[str, Accessibility] = {}
    frames = []
    for name in profiles:
        profile = settings.profile(name)
        t0 = time.perf_counter()
        pg = profile_graph(net, profile)
        acc = compute_accessibility(
            pg,
            origins,
            inputs.voorzieningen,
            categories=acc_s.categories,
            radii_m=acc_s.count_radii_m,
            max_snap_m=acc_s.max_snap_m,
            composites=vocab.composites,
        )
        graphs[name], access[name] = pg, acc
        frames.append(
            to_frame(acc, origins, speed_m_s=profile.speed_m_s, norm_m=vocab.norm_m, suffix=vocab.suffix(name))
        )
        timings[f"bereikbaarheid_{name}"] = time.perf_counter() - t0
        log.info("bereikbaarheid %s: %s", name, fmt.number(timings[f"bereikbaarheid_{name}"], 2, unit=" s"))

    t0 = time.perf_counter()
    owners = gap_owners(origins, inputs.buurten, inputs.outlines, settings=settings.plausibiliteit)
    areas, area_stats = assign_areas(origins, inputs.buurten, inputs.wijken, owners=owners)
    outside = area_stats["naar_dichtstbij"]  # those given to a sliver buurt at their gap are not lost
    if outside > settings.plausibiliteit.max_aandeel_buiten_buurt * len(origins):
        raise DataFileError(
            inputs.paths.get("buurten", "<buurten>"),
            f"{outside} van de {len(origins)} adressen in de gemeente liggen in geen enkele buurt "
            f"(toegestaan: {fmt.percent(100 * settings.plausibiliteit.max_aandeel_buiten_buurt, 0)})",
            field="geometry",
            fix="controleer of de buurten bij deze gemeente horen en op de goede plek liggen (CRS, verschuiving)",
        )
    # homes, not address points (issue 19 §2): BAG's `woning` where the addresses carry it, else the tile rules
    homes = mark_homes(
        origins, landuse=inputs.osm.extra.get("landuse"), pois=inputs.osm.pois, settings=settings.woningen
    )
    keep = [c for c in ("housenumber", "street", "postcode") if c in origins and origins[c].notna().any()]
    keep += ["woning", "woning_reden"]
    origins = homes
    adressen = gpd.GeoDataFrame(
        pd.concat([origins[keep].rename(columns={"housenumber": "huisnummer"}), areas, *frames], axis=1),
        geometry=origins.geometry,
        crs=origins.crs,
    )
    del frames  # adressen holds their columns
    suffixes = [vocab.suffix(p) for p in profiles]
    kern = inputs.kerncijfers
    inh = kern["AantalInwoners_5"] if "AantalInwoners_5" in kern else kern.get("aantalInwoners")
    dw = kern["Woningvoorraad_35"] if "Woningvoorraad_35" in kern else kern.get("woningvoorraad")
    buurten = aggregate(
        adressen,
        inputs.buurten,
        key="buurtcode",
        norm_m=vocab.norm_m,
        suffixes=suffixes,
        categories=vocab.key_categories,
        inhabitants=inh,
        dwellings=dw,
    )
    buurten = mark_buurt_outlines(buurten, settings=settings.plausibiliteit)
    wijken = aggregate(
        adressen,
        inputs.wijken,
        key="wijkcode",
        norm_m=vocab.norm_m,
        suffixes=suffixes,
        categories=vocab.key_categories,
        inhabitants=inh,
        dwellings=dw,
    )
    # Unknown is not zero: shares of an absent or incomplete category become NaN ("onbekend").
    unknown = find_unknown(
        inputs.voorzieningen,
        vocab.categories,
        margin_m=settings.netwerk.margin_m,
        completeness=getattr(inputs, "volledigheid", None),
        min_aandeel=settings.plausibiliteit.min_aandeel_volledig,
        nouns={c: vocab.noun(c) for c in (*vocab.categories, *vocab.composites)},
        composites=vocab.composites,
        keep=vocab.key_categories,
    )
    buurten, wijken = (mark_unknown(f, unknown, composites=vocab.composites) for f in (buurten, wijken))
    wijken["woningen_oorzaak"] = wijk_causes(wijken, band=settings.woningen.band_per_cbs, addresses=adressen)
    timings["aggregatie"] = time.perf_counter() - t0

    # The overlays use the indicators this gemeente has (its report's tables where present, the
    # computed accessibility with the norm and profile suffixes of this run filled in, --indicatoren)
    # and name those that are missing.
    from woonzorg_geo.areas.overlays import build_overlays

    settings = dataclasses.replace(settings, overlays=vocab.resolve_overlays(settings.overlays))

    t0 = time.perf_counter()
    wijken, buurten, overlay_report = build_overlays(wijken, buurten, settings.overlays, extra_tables=extra_tables)
    timings["overlays"] = time.perf_counter() - t0
    analysis = Analysis(
        settings,
        inputs,
        net,
        graphs,
        access,
        adressen,
        buurten,
        wijken,
        overlay_report=overlay_report,
        vocabulary=vocab,
        fingerprint=fingerprint,
    )
    analysis.summary = mark_unknown_summary(
        run_summary(analysis, area_stats, timings), unknown, composites=vocab.composites
    )
    analysis.summary["buurtvlakken"] = area_report(
        buurten,
        settings=settings.plausibiliteit,
        gemeente=settings.gemeente.naam,
        extra_addresses=via_outlines,
        stats=area_stats,
    )
    return analysis


def run_summary(a: Analysis, area_stats: dict[str, int], timings: dict[str, float]) -> RunSummary:
    """The summary of analysis ``a`` (without ``onbekend`` and ``buurtvlakken``, added by :func:`.analyse`).

    Parameters
    ----------
    a
        The analysis (its tables, network, graphs and accessibility).
    area_stats
        The counts of :func:`.areas.aggregation.assign_areas`.
    timings
        Seconds per step so far.
    """
    s = a.settings
    vocab = a.vocab
    prof: dict[str, ProfileSummary] = {}
    for name, acc in a.access.items():
        pg = a.graphs[name]
        sizes = pg.islands.sizes
        prof[name] = {
            "label": vocab.profile_label(name),
            "kolomsuffix": vocab.suffix(name),
            "snelheid_m_s": s.profile(name).speed_m_s,
            "eilanden": int(pg.islands.n),
            "grootste_deel_pct_lengte": float(100 * sizes["lengte_m"].iloc[0] / sizes["lengte_m"].sum()),
            "kleinere_eilanden": [
                # pandas-stubs type itertuples() fields as any scalar (None included); both are numeric
                {"knopen": int(r.knopen), "lengte_m": round(float(r.lengte_m), 1)}  # type: ignore[arg-type]
                for r in sizes.iloc[1:11].itertuples()
            ],
            "adressen_snap_m": percentiles(acc.origin_snap.dist),
            "adressen_te_ver": int(acc.origin_far.sum()),
            "voorzieningen_snap_m": percentiles(acc.routing.dest_snap.dist),
            "voorzieningen_onbereikbaar": unreachable_destinations(acc),
            "adressen_alleen_via_trappen": int(acc.origin_blocked.sum()),
            "gemeente": {
                **overall(a.adressen, norm_m=vocab.norm_m, suffix=vocab.suffix(name), categories=vocab.key_categories),
                **cbs_weighted(a.wijken, suffix=vocab.suffix(name)),
            },
        }
    present = set(a.inputs.voorzieningen["categorie"])
    return {
        "overlays": overlay_summary(a),
        "gemeente": {"code": s.gemeente.code, "naam": s.gemeente.naam, "begrensd_door": s.data.gemeente_vorm},
        "instellingen": s.source,
        "norm_m": vocab.norm,
        "hoofdprofiel": vocab.main_profile,
        "bronnen": a.inputs.osm.source,
        "netwerk": {
            "knopen": a.network.n_nodes,
            "segmenten": a.network.n_edges,
            "lengte_km": round(float(a.network.length.sum() / 1000), 1),
            "naden_gedicht": a.network.seams_joined,
            "trappen_segmenten": int(a.network.steps.sum()),
        },
        "adressen": len(a.adressen),
        "adressen_buiten_buurt_toegekend": area_stats["buiten_buurt"],
        "woningen": homes_summary(a),
        "voorzieningen": a.inputs.voorzieningen["categorie"].value_counts().to_dict(),
        "categorieen_zonder_voorzieningen": [c for c in s.bereikbaarheid.categories if c not in present],
        "huisartsenlijst": gp_summary(a.inputs.huisartsen),
        "volledigheid": independent_lists.completeness_records(a.inputs.volledigheid),
        "profielen": prof,
        "tijden_s": {k: round(v, 3) for k, v in timings.items()},
    }


def overlay_summary(a: Analysis) -> OverlaySummary:
    """The overlays' part of the summary: coupling, sensitivity, focus and origin (empty without overlays)."""
    if not a.overlay_report:
        return {}
    s = a.settings
    sens_all = a.overlay_report["gevoeligheid"]
    # the weight variants (the alternative scalings are reported apart: their class changes)
    sens = sens_all.loc[sens_all["index"] != "schaling"] if "index" in sens_all else sens_all
    scalings = sens_all.loc[sens_all["index"] == "schaling"] if "index" in sens_all else sens_all.iloc[:0]
    return {
        "koppeling": a.overlay_report["koppeling"],
        "ontbrekende_indicatoren": a.overlay_report.get("ontbrekende_indicatoren", []),
        "gevoeligheid_factor": s.overlays.gevoeligheid,
        "gevoeligheid_max_rangverschuiving": int(sens["max_rangverschuiving"].max()) if len(sens) else 0,
        "gevoeligheid_varianten_met_verschuiving": int((sens["wijken_verschoven"] > 0).sum()),
        "gevoeligheid_varianten": len(sens),
        "focus_buurten": a.buurten["focus"].value_counts().to_dict() if "focus" in a.buurten else {},
        "veerkracht_buurten": a.buurten["veerkracht"].value_counts().to_dict() if "veerkracht" in a.buurten else {},
        "bronnen_ontbrekend": a.overlay_report.get("bronnen_ontbrekend", []),
        "indicatoren_ontbrekend": a.overlay_report.get("indicatoren_ontbrekend", {}),
        "schaling": s.overlays.schaling,
        "schaling_klassewijzigingen": {
            str(r["indicator"]): int(r["klassen_veranderd"]) for _, r in scalings.iterrows()
        },
        "zonder_balans": bool(a.overlay_report.get("zonder_balans", False)),
        "herkomst_tekst": a.overlay_report.get("herkomst_tekst", ""),
        "herkomst": a.overlay_report.get("herkomst", []),
        "herkomst_kort": a.overlay_report.get("herkomst_kort", ""),
        "min_dekking": s.overlays.min_dekking,
        "uitgeschakeld": [i.label or i.kolom for i in s.overlays.uitgeschakeld],
    }


def homes_summary(a: Analysis) -> HomesSummary:
    """Homes against address points and CBS dwellings, and the wijken outside the band (issue 19 §2)."""
    s = a.settings
    ad = a.adressen
    n_homes = int(ad["woning"].sum()) if "woning" in ad else len(ad)
    kern = a.inputs.kerncijfers
    cbs_total: float | None = None
    if "Woningvoorraad_35" in kern and s.gemeente.code in kern.index:
        val = pd.to_numeric(pd.Series([kern.loc[s.gemeente.code, "Woningvoorraad_35"]]), errors="coerce").iloc[0]
        cbs_total = float(val) if pd.notna(val) else None
    reasons = ad.loc[~ad["woning"], "woning_reden"].value_counts().to_dict() if "woning" in ad else {}
    names = a.wijken.get("naam", None)
    return {
        "n_adressen": len(ad),
        "n_woningen": n_homes,
        "geen_woning_redenen": {str(k): int(v) for k, v in reasons.items()},
        "woningen_cbs": cbs_total,
        "woningen_per_cbs": round(n_homes / cbs_total, 3) if cbs_total else None,
        "band_per_cbs": list(s.woningen.band_per_cbs),
        "wijken_buiten_band": reconcile_wijken(a.wijken, band=s.woningen.band_per_cbs, names=names),
    }


def gp_summary(gps: gpd.GeoDataFrame | None) -> GpListSummary:
    """The GP list near the gemeente: practices inside it and how precisely they were placed."""
    if gps is None:
        return {}
    inside = gps.loc[gps["in_gemeente"].astype(bool)] if "in_gemeente" in gps else gps
    prec = inside["geocode_precisie"].value_counts().to_dict() if "geocode_precisie" in inside else {}
    n = len(inside)
    return {
        "in_gemeente": n,
        "in_rand": int(len(gps) - n),
        "precisie_in_gemeente": {str(k): int(v) for k, v in prec.items()},
        "pct_op_adres": round(100 * prec.get("adres", 0) / n, 1) if n else None,
    }


def unreachable_destinations(acc: Accessibility) -> dict[str, int]:
    """Per category, the voorzieningen this profile cannot reach (too far from a path, or on steps)."""
    out: dict[str, int] = {}
    for cat in np.unique(acc.dest_cat):
        res = acc.categories[str(cat)]
        idx = np.flatnonzero(acc.dest_cat == cat)
        n = int((~np.isfinite(res.node_dist[acc.routing.dest_node[idx]])).sum())
        if n:
            out[str(cat)] = n
    return out


def percentiles(values: np.ndarray) -> Percentiles:
    """Median, p90, p99 and maximum of ``values`` (one decimal); empty for no values."""
    if not len(values):
        return {}
    q = np.percentile(values, [50, 90, 99, 100])
    return {
        "mediaan": round(float(q[0]), 1),
        "p90": round(float(q[1]), 1),
        "p99": round(float(q[2]), 1),
        "max": round(float(q[3]), 1),
    }
