"""The main job: sources → network → accessibility → aggregation → outputs, for one gemeente."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import formatting as fmt
from . import lijsten
from .accessibility import Accessibility, compute_accessibility, to_frame
from .aggregation import aggregate, assign_areas, cbs_weighted, overall
from .areas import address_lines, area_report, gap_owners, mark_vlakken, select_addresses
from .config import Settings, find_raw_dir, named_raw_dirs
from .datasets import Inputs, load_offline
from .errors import DataFileError, MissingDataError
from .io import Owner, json_default, staged_dir, write_csv
from .network import ProfileGraph, WalkNetwork, build_network, profile_graph
from .raster import Surfaces, compute_surfaces, service_areas, summarise_surface, write_geotiff
from .sources.woningen import mark_homes, reconcile_wijken, wijk_causes
from .unknown import find_unknown, mark_unknown, mark_unknown_summary
from .vocabulary import Z_SCORE_EXPLANATION, Vocabulary, default_vocabulary
from .writing import run_parallel, write_gpkg_layers

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
    summary: dict[str, Any] = field(default_factory=dict)
    overlay_report: dict[str, Any] = field(default_factory=dict)
    vocabulary: Vocabulary | None = None
    #: hash of the settings the analysis was asked with (see :func:`.store.settings_fingerprint`)
    fingerprint: str = ""
    #: what this analysis lacks, part → why (an analysis loaded from the store in part, see
    #: :func:`.store.load_analysis`); empty for a whole one. Checked by :meth:`require`.
    missing: dict[str, str] = field(default_factory=dict)

    def require(self, *parts: str, purpose: str) -> None:
        """Refuse (:class:`.store.AnalysisIncomplete`) when any of ``parts`` is in :attr:`missing`."""
        lacking = {p: why for p, why in self.missing.items() if p in parts}
        if lacking:
            from .store import AnalysisIncomplete

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

    def surface_summary(self) -> dict[str, dict[str, Any]]:
        """Per profile and category: the share of the surface within the norm and its percentiles."""
        norm = self.settings.bereikbaarheid.norm_m
        return {
            name: {cat: summarise_surface(arr, norm_m=norm) for cat, arr in surf.distance.items()}
            for name, surf in self.surfaces.items()
        }

    def suffix(self, profile: str) -> str:
        """Column suffix of a profile (see :meth:`.vocabulary.Vocabulary.suffix`)."""
        return self.vocab.suffix(profile)


def load_inputs(
    settings: Settings,
    *,
    raw_dir: Path | None = None,
    online: bool | None = None,
    progress: bool = False,
    extra_osm_layers: tuple[str, ...] = (),
    tile_cache: Path | None = None,
) -> Inputs:
    """The inputs of a run: from the raw data folder, or online (PDOK, OSM).

    ``tile_cache`` is a folder of decoded vector tiles shared with other runs (offline only, see
    :func:`.datasets.load_offline`).

    ``online=None`` goes online only when no raw data folder is named (no ``raw_dir``, i.e.
    ``--data``; no ``data.raw_dir``; no ``WOONZORG_DATA``) and none is found
    (``shared/geodata/raw`` above the working folder or the package), with a warning. A folder that
    is named is used as it is: when it does not exist or lacks files, the error names each missing
    file and suggests ``--online``; it never switches to online by itself.
    """
    if online is None:
        online = False
        if raw_dir is None and not named_raw_dirs(settings):
            try:
                raw_dir = find_raw_dir(settings)
            except MissingDataError:
                log.warning(
                    "geen map met ruwe gegevens gevonden (geen --data, geen WOONZORG_DATA, geen "
                    "../shared/geodata/raw): alles wordt van internet geladen (PDOK en OpenStreetMap)"
                )
                online = True
    if online:
        from .online import load_online

        return load_online(settings, raw_dir=raw_dir, progress=progress)
    return load_offline(
        settings, raw_dir=raw_dir, progress=progress, extra_osm_layers=extra_osm_layers, tile_cache=tile_cache
    )


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
        norm and profile suffix filled in, see :meth:`.vocabulary.Vocabulary.resolve_overlays`).
    """
    from .store import settings_fingerprint

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
        log.info("bereikbaarheid %s: %.2f s", name, timings[f"bereikbaarheid_{name}"])

    t0 = time.perf_counter()
    owners = gap_owners(origins, inputs.buurten, inputs.outlines, settings=settings.plausibiliteit)
    areas, area_stats = assign_areas(origins, inputs.buurten, inputs.wijken, owners=owners)
    outside = area_stats["naar_dichtstbij"]  # those given to a sliver buurt at their gap are not lost
    if outside > settings.plausibiliteit.max_aandeel_buiten_buurt * len(origins):
        raise DataFileError(
            inputs.paths.get("buurten", "<buurten>"),
            f"{outside} van de {len(origins)} adressen in de gemeente liggen in geen enkele buurt "
            f"(toegestaan: {settings.plausibiliteit.max_aandeel_buiten_buurt:.0%})",
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
    buurten = mark_vlakken(buurten, settings=settings.plausibiliteit)
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
        volledigheid=getattr(inputs, "volledigheid", None),
        min_aandeel=settings.plausibiliteit.min_aandeel_volledig,
        nouns={c: vocab.noun(c) for c in (*vocab.categories, *vocab.composites)},
        composites=vocab.composites,
        keep=vocab.key_categories,
    )
    buurten, wijken = (mark_unknown(f, unknown, composites=vocab.composites) for f in (buurten, wijken))
    wijken["woningen_oorzaak"] = wijk_causes(wijken, band=settings.woningen.band_per_cbs, adressen=adressen)
    timings["aggregatie"] = time.perf_counter() - t0

    # The overlays use the indicators this gemeente has (its report's tables where present, the
    # computed accessibility with the norm and profile suffixes of this run filled in, --indicatoren)
    # and name those that are missing.
    from .overlays import build_overlays

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
        _summary(analysis, area_stats, timings), unknown, composites=vocab.composites
    )
    analysis.summary["buurtvlakken"] = area_report(
        buurten,
        settings=settings.plausibiliteit,
        gemeente=settings.gemeente.naam,
        extra_addresses=via_outlines,
        stats=area_stats,
    )
    return analysis


def _summary(a: Analysis, area_stats: dict[str, int], timings: dict[str, float]) -> dict[str, Any]:
    s = a.settings
    vocab = a.vocab
    prof: dict[str, Any] = {}
    for name, acc in a.access.items():
        pg = a.graphs[name]
        snap = acc.origin_snap.dist
        dsnap = acc.routing.dest_snap.dist
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
            "adressen_snap_m": _percentiles(snap),
            "adressen_te_ver": int(acc.origin_far.sum()),
            "voorzieningen_snap_m": _percentiles(dsnap),
            "voorzieningen_onbereikbaar": _unreachable_destinations(acc),
            "adressen_alleen_via_trappen": int(acc.origin_blocked.sum()),
            "gemeente": {
                **overall(a.adressen, norm_m=vocab.norm_m, suffix=vocab.suffix(name), categories=vocab.key_categories),
                **cbs_weighted(a.wijken, suffix=vocab.suffix(name)),
            },
        }
    overlay: dict[str, Any] = {}
    if a.overlay_report:
        sens_all = a.overlay_report["gevoeligheid"]
        # the weight variants (the alternative scalings are reported apart: their class changes)
        sens = sens_all.loc[sens_all["index"] != "schaling"] if "index" in sens_all else sens_all
        scalings = sens_all.loc[sens_all["index"] == "schaling"] if "index" in sens_all else sens_all.iloc[:0]
        overlay = {
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
    return {
        "overlays": overlay,
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
        "woningen": _homes_summary(a),
        "voorzieningen": a.inputs.voorzieningen["categorie"].value_counts().to_dict(),
        "categorieen_zonder_voorzieningen": [
            c for c in s.bereikbaarheid.categories if c not in set(a.inputs.voorzieningen["categorie"])
        ],
        "huisartsenlijst": _gp_summary(a.inputs.huisartsen),
        "volledigheid": lijsten.completeness_records(a.inputs.volledigheid),
        "profielen": prof,
        "tijden_s": {k: round(v, 3) for k, v in timings.items()},
    }


def _homes_text(h: dict[str, Any] | None) -> list[str]:
    """The summary lines on homes against address points and CBS (empty without that part)."""
    if not h:
        return []
    num = fmt.number
    reasons = ", ".join(f"{k} {num(v)}" for k, v in h.get("geen_woning_redenen", {}).items())
    lines = [
        f"Woningen: {num(h['n_woningen'])} van de {num(h['n_adressen'])} adrespunten"
        + (f" (geen woning: {reasons})" if reasons else "")
        + (
            f"; CBS-woningvoorraad {num(h['woningen_cbs'])}, {num(h['woningen_per_cbs'], 2)} woning per CBS-woning."
            if h.get("woningen_cbs")
            else "."
        )
    ]
    flagged = h.get("wijken_buiten_band") or []
    if flagged:
        lo, hi = h["band_per_cbs"]
        lines.append(f"Wijken met woningen per CBS-woning buiten {num(lo, 2)}–{num(hi, 2)}:")
        for w in flagged:
            ratio = w["woningen_per_cbs"]
            lines.append(
                f"  {w['naam'] or w['wijkcode']} ({w['wijkcode']}): {num(w['n_woningen'])} woningen, "
                f"CBS {num(w['woningen_cbs'])}, verhouding {num(ratio, 2) if ratio is not None else 'onbekend'}"
                f" — waarschijnlijk {w['oorzaak']}"
            )
    lines.append("")
    return lines


def _homes_summary(a: Analysis) -> dict[str, Any]:
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


def _gp_summary(gps: gpd.GeoDataFrame | None) -> dict[str, Any]:
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


def _unreachable_destinations(acc: Accessibility) -> dict[str, int]:
    """Per category, the voorzieningen this profile cannot reach (too far from a path, or on steps)."""
    out: dict[str, int] = {}
    for cat in np.unique(acc.dest_cat):
        res = acc.categories[str(cat)]
        idx = np.flatnonzero(acc.dest_cat == cat)
        n = int((~np.isfinite(res.node_dist[acc.routing.dest_node[idx]])).sum())
        if n:
            out[str(cat)] = n
    return out


def _percentiles(values: np.ndarray) -> dict[str, float]:
    if not len(values):
        return {}
    q = np.percentile(values, [50, 90, 99, 100])
    return {
        "mediaan": round(float(q[0]), 1),
        "p90": round(float(q[1]), 1),
        "p99": round(float(q[2]), 1),
        "max": round(float(q[3]), 1),
    }


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, indent: str = "  ") -> list[str]:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(cells)]
        return (indent + "  ".join(parts)).rstrip()

    return [line(header), *(line(r) for r in rows)]


def summary_text(
    summary: dict[str, Any], *, wijken: pd.DataFrame | None = None, vocabulary: Vocabulary | None = None
) -> str:
    """The run summary as readable Dutch text (decimal comma, labels from the run's vocabulary).

    Parameters
    ----------
    summary
        ``Analysis.summary`` (or ``samenvatting.json``).
    wijken
        The wijk table; adds the figures per wijk and, where present, draaglast/draagkracht/balans.
    vocabulary
        The run's vocabulary; default: the package's, with the norm and profiles of ``summary``.
    """
    profiles = list(summary.get("profielen", {}))
    vocab = vocabulary or default_vocabulary()
    vocab = vocab.with_run(profiles=profiles or None, norm_m=summary.get("norm_m"))
    g = summary["gemeente"]
    n = summary["netwerk"]
    num = fmt.number
    lines = [
        f"Bereikbaarheid te voet — gemeente {g['naam']} ({g['code']})",
        "",
        (
            f"Netwerk: {num(n['knopen'])} knopen, {num(n['segmenten'])} segmenten, {num(n['lengte_km'], 1)} km; "
            f"{num(n['naden_gedicht'])} tegelnaden gedicht; {num(n['trappen_segmenten'])} segmenten met trappen."
        ),
        *address_lines(summary, num=num),
        "Voorzieningen: " + ", ".join(f"{vocab.noun(k)} {num(v)}" for k, v in summary["voorzieningen"].items()),
        *filter(None, [lijsten.completeness_text(summary.get("volledigheid", []))]),
        f"Loopnorm: {vocab.norm_text}.",
        *(
            f"Onbekend: {vocab.noun(cat)} en elke combinatie ermee ({reason})."
            for cat, reason in summary.get("onbekend", {}).items()
        ),
        "",
    ]
    lines += _homes_text(summary.get("woningen"))
    combos = [vocab.pct(c) for c in vocab.combinations]
    for name, p in summary["profielen"].items():
        o = p["gemeente"]
        snap = p["adressen_snap_m"]
        lines += [
            f"Profiel {vocab.profile_label(name)}:",
            (
                f"  eilanden in het netwerk: {num(p['eilanden'])}; het grootste deel bevat "
                f"{fmt.percent(p['grootste_deel_pct_lengte'])} van de lengte"
            ),
            (
                f"  afstand adres → netwerk: mediaan {fmt.metres(snap.get('mediaan'), 1)}, "
                f"p99 {fmt.metres(snap.get('p99'), 1)}; te ver (onbereikbaar): {num(p['adressen_te_ver'])}"
            ),
        ]
        if p.get("adressen_alleen_via_trappen"):
            lines.append(
                f"  {num(p['adressen_alleen_via_trappen'])} adressen liggen aan een pad dat dit profiel alleen via "
                "trappen bereikt: voor dit profiel onbereikbaar (kijk in OpenStreetMap of er een helling of lift "
                "ontbreekt)"
            )
        if p.get("voorzieningen_onbereikbaar"):
            lines.append(
                "  voorzieningen die dit profiel niet bereikt: "
                + ", ".join(f"{vocab.label(k)} {num(v)}" for k, v in p["voorzieningen_onbereikbaar"].items())
            )
        for col in combos:
            extra = ""
            if f"{col}_alle_adressen" in o:
                extra = f" (alle adrespunten {fmt.percent(o.get(f'{col}_alle_adressen'))}"
                if f"{col}_cbs_gewogen" in o:
                    extra += f"; naar CBS-woningen per wijk gewogen {fmt.percent(o.get(f'{col}_cbs_gewogen'))}"
                extra += ")"
            unit = "woningen" if "n_woningen" in o else "adressen"
            lines.append(f"  {vocab.field_label(col)}: {fmt.percent(o.get(col))} van de {unit}{extra}")
        for cat in vocab.key_categories:
            key = f"med_afstand_{cat}_m"
            if key in o:
                lines.append(f"  {vocab.field_label(key)}: {fmt.metres(o.get(key))}")
        lines.append("")
    if wijken is not None:
        cols = [
            c
            for c in ("n_adressen", "n_woningen", "woningen_per_cbs", *combos, "med_afstand_huisarts_m")
            if c in wijken
        ]
        rows = [[str(w.get("naam", code)), *(vocab.format(c, w[c]) for c in cols)] for code, w in wijken.iterrows()]
        lines.append(f"Per wijk (profiel {vocab.main_profile}):")
        lines += _text_table(["wijk", *(vocab.field_label(c) for c in cols)], rows)
        lines.append("")
        if "balans" in wijken and summary.get("overlays", {}).get("zonder_balans"):
            # no indicators per wijk: no table of 'onbekend' and no sensitivity, but where to look (issue 24 §6)
            lines.append(
                "Draagkracht en draaglast: deze gemeente heeft (nog) geen indicatoren per wijk. Wat er nodig is "
                "(--indicatoren, met een voorbeeld) staat op de draagkrachtpagina bij de kaarten."
            )
            lines.append("")
        elif "balans" in wijken:
            lines.append("Draaglast, draagkracht en balans per wijk:")
            zcols = ["draaglast", "draagkracht", "balans"]
            rows = [
                [str(w.get("naam", code)), *(vocab.format(c, w[c]) for c in zcols), fmt.text(w.get("balans_klasse"))]
                for code, w in wijken.iterrows()
            ]
            lines += _text_table(["wijk", *zcols, "klasse"], rows)
            lines.append(Z_SCORE_EXPLANATION)
            o = summary.get("overlays", {})
            factor = o.get("gevoeligheid_factor")
            change = f"±{fmt.percent(100 * factor, 0)}" if factor is not None else "omhoog en omlaag"
            if o.get("gevoeligheid_varianten"):  # only where there is something to vary (issue 24 §6)
                lines.append(
                    f"Gevoeligheid (elk gewicht {change}): grootste rangverschuiving "
                    f"{fmt.text(o.get('gevoeligheid_max_rangverschuiving'))} plaats(en); "
                    f"{fmt.text(o.get('gevoeligheid_varianten_met_verschuiving'))} van "
                    f"{fmt.text(o.get('gevoeligheid_varianten'))} varianten veranderen de volgorde."
                )
                for name, n in o.get("schaling_klassewijzigingen", {}).items():
                    lines.append(
                        f"Schaling '{name}' in plaats van '{o.get('schaling')}': {fmt.number(n)} wijk(en) in een "
                        "andere klasse (zie gevoeligheid.csv)."
                    )
            if o.get("herkomst_tekst"):
                lines.append(f"Herkomst van de indicatoren: {o['herkomst_tekst']}")
            if o.get("ontbrekende_indicatoren"):
                lines.append(
                    "Let op: indicatoren zonder gegevens in deze run (tellen als ontbrekend): "
                    + ", ".join(o["ontbrekende_indicatoren"])
                    + "."
                )
            lines.append("")
    lines.append("Tijden (s): " + ", ".join(f"{k} {num(v, 1)}" for k, v in summary["tijden_s"].items()))
    lines.append("Bronnen: © OpenStreetMap contributors (ODbL); CBS / PDOK (CC BY 4.0).")
    return "\n".join(lines) + "\n"


def write_outputs(
    a: Analysis,
    out_dir: str | Path,
    *,
    rasters: bool = True,
    surfaces: bool = True,
    store: bool = True,
    csv_nl: bool = False,
) -> list[Path]:
    """Write the GeoPackage, CSVs, GeoTIFFs and the summary; all or nothing.

    Everything is written into a staging folder first and moved into ``out_dir`` only when
    every file is complete, so a failure leaves the previous output as it was.

    ``rasters=False`` leaves out the GeoTIFFs; ``surfaces=False`` also skips computing the
    distance surfaces, and so the ``servicegebieden`` layer made from them (their cost grows with
    the gemeente's area, not its addresses: the province run leaves them out when asked).
    ``store=False`` leaves out ``opslag/``, the analysis kept for ``toets``, ``watals`` and
    ``locaties`` (see :mod:`woonzorg_geo.store`). ``overzicht.xlsx`` goes beside the CSVs, and with
    ``csv_nl`` their Dutch-Excel variants ``*_nl.csv`` (see :mod:`woonzorg_geo.workbook`).
    """
    a.require(*a.missing, purpose="het schrijven van de uitvoer")  # every part, before anything is written
    s = a.settings
    out_dir = Path(out_dir)
    t0 = time.perf_counter()
    manifest = _manifest(a)
    owner = Owner("analyse", s.gemeente.code, s.gemeente.naam)
    with staged_dir(out_dir, owner=owner, replace_set=True, manifest=manifest) as tmp:
        layers: dict[str, gpd.GeoDataFrame] = {}
        layers["adressen"] = a.adressen
        layers["buurten"] = a.buurten
        layers["wijken"] = a.wijken
        vz = a.inputs.voorzieningen.copy()
        main = a.access[a.main_profile]
        snap = pd.Series(main.routing.dest_snap.dist, index=main.dest_ids)
        vz["snap_m"] = snap.reindex(vz.index)
        layers["voorzieningen"] = vz
        edges = a.network.edges_gdf()
        for name, pg in a.graphs.items():
            edges[f"bruikbaar_{name}"] = pg.edge_mask
        edges["eiland"] = a.graphs[a.main_profile].islands.label[a.network.u]
        layers["netwerk"] = edges
        summary = copy.deepcopy(a.summary)
        a.vocab  # noqa: B018 - made once here, before any writer thread reads it
        jobs: list[Callable[[], Any]] = []  # independent files (see woonzorg_geo.writing.run_parallel)
        if surfaces:
            if rasters:
                jobs.append(lambda: _write_rasters(a, tmp))
            layers["servicegebieden"] = a.service_areas
            for name, surf_summary in a.surface_summary().items():
                summary["profielen"][name]["oppervlak"] = surf_summary

        def gpkg() -> None:
            from .qgisproject import write_qgis

            write_gpkg_layers(tmp / "woonzorg.gpkg", layers)
            # QGIS styles in the GeoPackage (layer_styles) and the project woonzorg.qgz beside it
            write_qgis(tmp / "woonzorg.gpkg", settings=s, vocabulary=a.vocab, manifest=manifest)

        def tables() -> None:
            if a.overlay_report:
                from .report import read_facts, write_wijkprofielen

                facts = read_facts(s.overlays.feiten) if s.overlays.feiten else None
                write_wijkprofielen(
                    tmp / "wijkprofielen",
                    a.wijken,
                    a.buurten,
                    a.inputs.voorzieningen,
                    s,
                    facts=facts,
                    vocabulary=a.vocab,
                )
                write_csv(tmp / "gevoeligheid.csv", a.overlay_report["gevoeligheid"], index=False, encoding="utf-8")
            write_csv(tmp / "buurten.csv", a.buurten.drop(columns="geometry"), encoding="utf-8")
            write_csv(tmp / "wijken.csv", a.wijken.drop(columns="geometry"), encoding="utf-8")
            from .workbook import analyse_sheets, write_exports

            # overzicht.xlsx (and the Dutch CSVs) from the CSVs just written
            write_exports(tmp, analyse_sheets(tmp, a, manifest=manifest, voorzieningen=vz), csv_nl=csv_nl)

        jobs += [gpkg, tables]
        if store:
            from .store import STORE_DIR, save_store

            # what toets, watals and locaties reuse (see woonzorg_geo.store): the same frames
            jobs.append(lambda: save_store(a, tmp / STORE_DIR))
        run_parallel(jobs)
        summary["tijden_s"]["schrijven"] = round(time.perf_counter() - t0, 3)
        (tmp / "samenvatting.json").write_text(
            json.dumps(summary, indent=2, ensure_ascii=False, default=json_default), encoding="utf-8"
        )
        (tmp / "samenvatting.txt").write_text(
            summary_text(summary, wijken=a.wijken.drop(columns="geometry"), vocabulary=a.vocab),
            encoding="utf-8",
        )
        files = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    return [out_dir / f for f in files]


def _write_rasters(a: Analysis, folder: Path) -> None:
    """The GeoTIFFs of the distance surfaces, per category and profile."""
    for name, surf in a.surfaces.items():
        for cat, arr in surf.distance.items():
            write_geotiff(
                folder / f"bereikbaarheid_{cat}_{name}.tif",
                arr,
                surf.grid,
                description=f"loopafstand tot {cat} (m), profiel {name}",
            )


def _manifest(a: Analysis) -> dict[str, Any]:
    """What a run's output was made from: program, gemeente, settings, profiles and data versions."""
    from datetime import UTC, datetime

    from . import __version__
    from .datasets import CATALOGUE

    s = a.settings
    data = {
        key: {"pad": str(path), **{k: CATALOGUE[key][k] for k in ("bron", "datum") if key in CATALOGUE}}
        for key, path in a.inputs.paths.items()
    }
    if s.data.gemeente_vorm == "buurten" and "gemeentegrens" in data:
        # a coarse boundary from the CBS files, only compared with the buurten (see load_areas)
        data["gemeentegrens"].update(
            bron=CATALOGUE["buurten"]["bron"],
            datum=CATALOGUE["buurten"]["datum"],
            gebruik="alleen ter controle: de gemeente is de vereniging van haar buurten",
        )
    return {
        "programma": f"woonzorg_geo {__version__}",
        "gemaakt": datetime.now(UTC).isoformat(timespec="seconds"),
        "gemeente": {"code": s.gemeente.code, "naam": s.gemeente.naam},
        "instellingen": s.source,
        "profielen": list(a.access),
        "norm_m": s.bereikbaarheid.norm_m,
        "gegevens": data or {"bron": a.inputs.osm.source},
    }


def write_site_outputs(
    result: Any,
    out_dir: str | Path,
    *,
    gemeente: str,
    settings: Settings | None = None,
    vocabulary: Vocabulary | None = None,
    owner: Owner | None = None,
) -> list[Path]:
    """Add the candidate layers to ``woonzorg.gpkg`` and write the CSVs and the note; all or nothing.

    Writes ``kandidaatlocaties.csv`` (the ranked zoekgebieden), ``kandidaatlocaties_gevoeligheid.csv``
    (one row per weight variant, see :func:`woonzorg_geo.sites.site_sensitivity`) and
    ``kandidaatlocaties.txt`` (the explanations, the exclusions per class and the stability of the top).

    An existing ``woonzorg.gpkg`` is copied into the staging folder first, so its other layers
    stay; the copy replaces it only when every layer has been written. With ``settings`` and
    ``vocabulary`` the QGIS styles of the new layers are stored and ``woonzorg.qgz`` is rewritten
    with them (see :mod:`woonzorg_geo.qgisproject`).

    ``owner`` is ``locaties`` for the settings' gemeente unless given: it adds its files to an
    analysis of that gemeente, or to a folder of its own (see :func:`woonzorg_geo.io.check_owner`).
    """
    import shutil

    out_dir = Path(out_dir)
    if owner is None:
        owner = Owner("locaties", settings.gemeente.code if settings else None, gemeente)
    with staged_dir(out_dir, owner=owner) as tmp:
        gpkg = tmp / "woonzorg.gpkg"
        if (out_dir / "woonzorg.gpkg").exists():
            shutil.copy2(out_dir / "woonzorg.gpkg", gpkg)
        result.zoekgebieden.to_file(gpkg, layer="kandidaatlocaties", driver="GPKG")
        result.cells.to_file(gpkg, layer="kandidaatcellen", driver="GPKG")
        if settings is not None and vocabulary is not None:
            from .io import read_manifest
            from .qgisproject import write_qgis

            write_qgis(gpkg, settings=settings, vocabulary=vocabulary, manifest=read_manifest(out_dir))
        zg = result.zoekgebieden
        table = zg.drop(columns="geometry").copy()
        centre = zg.geometry.representative_point().to_crs("EPSG:4326")
        table["lon"], table["lat"] = centre.x.round(6), centre.y.round(6)
        write_csv(tmp / "kandidaatlocaties.csv", table, encoding="utf-8")
        write_csv(tmp / "kandidaatlocaties_gevoeligheid.csv", result.gevoeligheid, index=False, encoding="utf-8")
        note = [
            f"Zoekgebieden voor geclusterd wonen in {gemeente}",
            "",
            *zg["toelichting"].astype(str),
            "",
            *result.summary_lines(),
        ]
        (tmp / "kandidaatlocaties.txt").write_text("\n".join(note) + "\n", encoding="utf-8")
        files = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    log.info("kandidaatlocaties voor %s geschreven; %s", gemeente, " ".join(result.summary_lines()))
    return [out_dir / f for f in files]
