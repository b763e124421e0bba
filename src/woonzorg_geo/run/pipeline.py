"""Write one analysis: GeoPackage, CSVs, rasters, workbook, summary and store, all or nothing; the site outputs."""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from woonzorg_geo import WGS84
from woonzorg_geo.areas.analysis import Analysis
from woonzorg_geo.areas.summary import HomesSummary, RunSummary
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.files import json_default, write_csv
from woonzorg_geo.core.io import Owner, staged_dir
from woonzorg_geo.core.records import Manifest
from woonzorg_geo.core.vocabulary import Z_SCORE_EXPLANATION, Vocabulary, default_vocabulary
from woonzorg_geo.network.raster import write_geotiff
from woonzorg_geo.outputs.manifest import run_manifest
from woonzorg_geo.outputs.writing import run_beside, write_gpkg_layers
from woonzorg_geo.sources import independent_lists
from woonzorg_geo.sources.outlines import address_lines

if TYPE_CHECKING:
    from woonzorg_geo.sites.search import SiteResult

log = logging.getLogger(__name__)


def _homes_text(h: HomesSummary | None) -> list[str]:
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


def _text_table(header: Sequence[str], rows: Sequence[Sequence[str]], *, indent: str = "  ") -> list[str]:
    """A plain-text table: the first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        parts = [str(c).ljust(widths[0]) if i == 0 else str(c).rjust(widths[i]) for i, c in enumerate(cells)]
        return (indent + "  ".join(parts)).rstrip()

    return [line(header), *(line(r) for r in rows)]


def summary_text(
    summary: RunSummary, *, wijken: pd.DataFrame | None = None, vocabulary: Vocabulary | None = None
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
        *filter(None, [independent_lists.completeness_text(summary.get("volledigheid", []))]),
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
            ov = summary.get("overlays", {})
            factor = ov.get("gevoeligheid_factor")
            change = f"±{fmt.percent(100 * factor, 0)}" if factor is not None else "omhoog en omlaag"
            if ov.get("gevoeligheid_varianten"):  # only where there is something to vary (issue 24 §6)
                lines.append(
                    f"Gevoeligheid (elk gewicht {change}): grootste rangverschuiving "
                    f"{fmt.text(ov.get('gevoeligheid_max_rangverschuiving'))} plaats(en); "
                    f"{fmt.text(ov.get('gevoeligheid_varianten_met_verschuiving'))} van "
                    f"{fmt.text(ov.get('gevoeligheid_varianten'))} varianten veranderen de volgorde."
                )
                for name, changed in ov.get("schaling_klassewijzigingen", {}).items():
                    lines.append(
                        f"Schaling '{name}' in plaats van '{ov.get('schaling')}': {fmt.number(changed)} wijk(en) in een "
                        "andere klasse (zie gevoeligheid.csv)."
                    )
            if ov.get("herkomst_tekst"):
                lines.append(f"Herkomst van de indicatoren: {ov['herkomst_tekst']}")
            if ov.get("ontbrekende_indicatoren"):
                lines.append(
                    "Let op: indicatoren zonder gegevens in deze run (tellen als ontbrekend): "
                    + ", ".join(ov["ontbrekende_indicatoren"])
                    + "."
                )
            lines.append("")
    lines.append("Tijden (s): " + ", ".join(f"{k} {num(v, 1)}" for k, v in summary["tijden_s"].items()))
    lines.append("Bronnen: © OpenStreetMap contributors (ODbL); CBS / PDOK (CC BY 4.0).")
    return "\n".join(lines) + "\n"


def output_summary(a: Analysis, *, surfaces: bool) -> RunSummary:
    """The run's ``samenvatting.json`` before the writing time is added: the analysis's summary, with the
    surfaces' figures per profile when the run computes them (a copy; ``a`` is left as it is)."""
    summary = copy.deepcopy(a.summary)
    if surfaces:
        for name, surf_summary in a.surface_summary().items():
            summary["profielen"][name]["oppervlak"] = surf_summary
    return summary


def write_outputs(
    a: Analysis,
    out_dir: str | Path,
    *,
    rasters: bool = True,
    surfaces: bool = True,
    store: bool = True,
    csv_nl: bool = False,
    manifest: Manifest | None = None,
    summary: RunSummary | None = None,
) -> list[Path]:
    """Write the GeoPackage, CSVs, GeoTIFFs and the summary; all or nothing.

    Everything is written into a staging folder first and moved into ``out_dir`` only when
    every file is complete, so a failure leaves the previous output as it was.

    ``rasters=False`` leaves out the GeoTIFFs; ``surfaces=False`` also skips computing the
    distance surfaces, and so the ``servicegebieden`` layer made from them (their cost grows with
    the gemeente's area, not its addresses: the province run leaves them out when asked).
    ``store=False`` leaves out ``opslag/``, the analysis kept for ``toets``, ``watals`` and
    ``locaties`` (see :mod:`woonzorg_geo.run.store`). ``overzicht.xlsx`` goes beside the CSVs, and with
    ``csv_nl`` their Dutch-Excel variants ``*_nl.csv`` (see :mod:`woonzorg_geo.outputs.workbook`).
    ``manifest`` is the run's (:func:`.outputs.manifest.run_manifest`, made here unless given: a run
    that draws its maps beside the writing gives both the same one); ``summary`` likewise is the
    run's :func:`output_summary` (made here unless given; not changed here).
    """
    a.require(*a.missing, purpose="het schrijven van de uitvoer")  # every part, before anything is written
    s = a.settings
    out_dir = Path(out_dir)
    t0 = time.perf_counter()
    if manifest is None:
        manifest = run_manifest(a)
    owner = Owner("analyse", s.gemeente.code, s.gemeente.naam)
    with staged_dir(out_dir, owner=owner, replace_set=True, manifest=manifest) as tmp:
        vz = a.voorzieningen_layer()
        layers: dict[str, gpd.GeoDataFrame] = {
            "adressen": a.adressen,
            "buurten": a.buurten,
            "wijken": a.wijken,
            "voorzieningen": vz,
            "netwerk": a.network_layer(),
        }
        summary = copy.deepcopy(summary) if summary is not None else output_summary(a, surfaces=surfaces)
        a.vocab  # noqa: B018 - made once here, before any writer thread reads it
        # independent files: these on the second core, in a forked child (outputs.writing.run_beside) ...
        beside: list[Callable[[], object]] = []
        if surfaces:
            layers["servicegebieden"] = a.service_areas  # computed here, before the child starts
            if rasters:
                beside.append(lambda: _write_rasters(a, tmp))

        def gpkg() -> None:
            from woonzorg_geo.outputs.qgisproject import write_qgis

            write_gpkg_layers(tmp / "woonzorg.gpkg", layers)
            # QGIS styles in the GeoPackage (layer_styles) and the project woonzorg.qgz beside it
            write_qgis(tmp / "woonzorg.gpkg", settings=s, vocabulary=a.vocab, manifest=manifest)

        def tables() -> None:
            if a.overlay_report:
                from woonzorg_geo.outputs.report import read_facts, write_wijkprofielen

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
            from woonzorg_geo.outputs.workbook import write_exports
            from woonzorg_geo.outputs.workbook.sheets import analyse_sheets

            # overzicht.xlsx (and the Dutch CSVs) from the CSVs just written
            write_exports(tmp, analyse_sheets(tmp, a, manifest=manifest, voorzieningen=vz), csv_nl=csv_nl)

        beside.append(tables)
        here: list[Callable[[], object]] = [gpkg]  # ... and these in this process
        if store:
            from woonzorg_geo.run.store_format import STORE_DIR
            from woonzorg_geo.run.store_save import save_store

            # what toets, watals and locaties reuse (see woonzorg_geo.run.store): the same frames
            here.append(lambda: save_store(a, tmp / STORE_DIR))
        run_beside(beside, here)
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


def write_site_outputs(
    result: SiteResult,
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
    with them (see :mod:`woonzorg_geo.outputs.qgisproject`).

    ``owner`` is ``locaties`` for the settings' gemeente unless given: it adds its files to an
    analysis of that gemeente, or to a folder of its own (see :func:`woonzorg_geo.core.io.check_owner`).
    """
    import shutil

    out_dir = Path(out_dir)
    if owner is None:
        owner = Owner("locaties", settings.gemeente.code if settings else None, gemeente)
    with staged_dir(out_dir, owner=owner) as tmp:
        gpkg = tmp / "woonzorg.gpkg"
        if (out_dir / "woonzorg.gpkg").exists():
            shutil.copy2(out_dir / "woonzorg.gpkg", gpkg)
        result.search_areas.to_file(gpkg, layer="kandidaatlocaties", driver="GPKG")
        result.cells.to_file(gpkg, layer="kandidaatcellen", driver="GPKG")
        if settings is not None and vocabulary is not None:
            from woonzorg_geo.core.io import read_manifest
            from woonzorg_geo.outputs.qgisproject import write_qgis

            write_qgis(gpkg, settings=settings, vocabulary=vocabulary, manifest=read_manifest(out_dir))
        zg = result.search_areas
        table = zg.drop(columns="geometry").copy()
        centre = zg.geometry.representative_point().to_crs(WGS84)
        table["lon"], table["lat"] = centre.x.round(6), centre.y.round(6)
        write_csv(tmp / "kandidaatlocaties.csv", table, encoding="utf-8")
        write_csv(tmp / "kandidaatlocaties_gevoeligheid.csv", result.sensitivity, index=False, encoding="utf-8")
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
