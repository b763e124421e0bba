"""The commands of ``woonzorg-geo``: one function per subcommand, from parsed arguments to files.

:mod:`woonzorg_geo.cli.main` builds the parser and runs these; each ``cmd_<name>`` takes the parsed
arguments and returns the exit code. Heavy modules are imported inside the command that needs
them, so ``woonzorg-geo toets`` does not pay for what ``analyse`` or ``regio`` use.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.files import check_output_dir, check_output_file
from woonzorg_geo.core.formatting import number, percent
from woonzorg_geo.core.io import Owner, check_owner
from woonzorg_geo.core.progress import show_progress

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.config import Settings
    from woonzorg_geo.sites import SiteResult

log = logging.getLogger("woonzorg_geo")


def _settings(args: argparse.Namespace) -> Settings:
    from woonzorg_geo.core.settings_loader import load_settings

    if args.instellingen is not None and not str(args.instellingen).strip():
        raise WoonzorgError(
            "--instellingen is leeg. Oplossing: geef het pad van een TOML-bestand, of laat --instellingen weg "
            "voor de ingebouwde instellingen"
        )
    return load_settings(args.instellingen)


def _check_uit(args: argparse.Namespace) -> None:
    """Refuse an ``--uit`` that is empty or a file, before any work (a missing folder is the command's to say)."""
    if not str(args.uit).strip():
        raise WoonzorgError(
            "--uit is leeg. Oplossing: geef de uitvoermap van 'woonzorg-geo analyse', bijv. --uit output"
        )
    path = Path(args.uit)
    if path.exists() and not path.is_dir():
        raise WoonzorgError(
            f"--uit {path}: dit is een bestand, geen map. Oplossing: geef de uitvoermap van 'woonzorg-geo analyse' "
            "(de map met woonzorg.gpkg), niet een bestand daaruit"
        )


def _gemeente_settings(args: argparse.Namespace) -> Settings:
    """The settings for ``--gemeente``: the settings' own gemeente, else one of the offline catalogue."""
    from woonzorg_geo.sources.catalogue import resolve_gemeente

    return resolve_gemeente(_settings(args), getattr(args, "gemeente", None))


def _analysis_settings(args: argparse.Namespace) -> Settings:
    """The settings for a command that reads the analysis in ``--uit``: that analysis's gemeente.

    The gemeente comes from the analysis's ``manifest.json``; ``--gemeente``, when given, must be
    the same, else the command is refused before any work. Without an analysis in ``--uit`` it is
    ``--gemeente``, else the settings' own.

    Raises
    ------
    SettingsError
        When ``--gemeente`` is another gemeente than the analysis's, or the analysis's gemeente is
        neither the settings' own nor in the catalogue.
    """
    from woonzorg_geo.core.errors import SettingsError
    from woonzorg_geo.core.io import MANIFEST_NAME, folder_owner, read_manifest
    from woonzorg_geo.sources.catalogue import resolve_gemeente

    settings = _settings(args)
    asked = getattr(args, "gemeente", None)
    read = folder_owner(args.uit)
    if read is None or read.opdracht != "analyse" or not (read.gemeente or read.naam):
        return resolve_gemeente(settings, asked)
    if asked and asked.strip():
        chosen = resolve_gemeente(settings, asked)
        g = chosen.gemeente
        if not Owner("analyse", g.code, g.naam).same_gemeente(read):
            raise SettingsError(
                f"--gemeente {asked}: de analyse in --uit {args.uit} is van {read.place()}, niet van {g.naam} "
                f"({g.code}). Oplossing: wijs met --uit naar een analyse van {g.naam} (te maken met 'woonzorg-geo "
                f"analyse --gemeente {g.code} --out <map>'), of laat --gemeente weg"
            )
        return chosen
    try:
        return resolve_gemeente(settings, read.gemeente or read.naam)
    except SettingsError:
        made_with = read_manifest(args.uit).get("instellingen", "")
        raise SettingsError(
            f"--uit {args.uit}: de analyse is van {read.place()} (zie {Path(args.uit) / MANIFEST_NAME}), een gemeente "
            "die deze instellingen niet kennen. Oplossing: geef dezelfde --instellingen als bij die analyse"
            + (f" ({made_with})" if made_with else "")
        ) from None


def _owner(opdracht: str, settings: Settings) -> Owner:
    """Who what ``opdracht`` writes belongs to: that command, for the settings' gemeente."""
    return Owner(opdracht, settings.gemeente.code, settings.gemeente.naam)


#: Subfolders of an analysis output that are part of it (written by ``analyse`` itself).
ANALYSIS_PARTS = ("opslag", "wijkprofielen")


def _refuse_inside_analysis(path: str | Path, out: str | Path, *, option: str) -> None:
    """Refuse ``path`` inside one of the folders the analysis in ``out`` writes itself (``opslag/``)."""
    from woonzorg_geo.core.errors import OutputPathError

    here, root = Path(path).resolve(), Path(out).resolve()
    if root in here.parents and here.relative_to(root).parts[0] in ANALYSIS_PARTS:
        part = here.relative_to(root).parts[0]
        raise OutputPathError(
            f"{option} {path} ligt in {Path(out) / part}, een deel van de analyse in --out {out}; daarin wordt "
            f"niets anders geschreven. Oplossing: kies een eigen map, bijv. {option} {Path(out) / 'kaarten'}"
        )


def _raw_dir(args: argparse.Namespace) -> Path | None:
    if args.data is None:
        return None
    path = Path(args.data)
    if not str(args.data).strip():
        raise WoonzorgError("--data is leeg. Oplossing: geef de map met de ruwe gegevens, of laat --data weg")
    if path.exists() and not path.is_dir():
        raise WoonzorgError(
            f"--data {path}: dit is een bestand, geen map. Oplossing: geef de map met de ruwe gegevens (waarin "
            "de mappen van de datasets staan), niet een bestand daaruit"
        )
    return path


#: ``--profiel`` values that mean every profile in the settings.
ALL_PROFILES = ("beide", "alle")


def _profiles(settings: Settings, value: str | None) -> list[str] | None:
    """The profiles ``--profiel`` asks for: ``None`` for all (``beide``/``alle``), else the named ones
    (comma-separated; each must be a profile of the settings, else a Dutch error naming the choices)."""
    if value is None or value.strip().lower() in ALL_PROFILES:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise WoonzorgError(
            f"--profiel {value!r} noemt geen profiel. Oplossing: geef een profiel uit de instellingen, bijv. "
            f"--profiel {next(iter(settings.profielen))}, of 'beide'"
        )
    for name in names:
        settings.profile(name, option="--profiel")  # SettingsError naming the known profiles
    return list(dict.fromkeys(names)) or None


def _own_lists(args: argparse.Namespace) -> list[Any]:
    """The lists of ``--voorzieningen`` and ``--voorzieningen-vervang``, read and checked (before any data)."""
    from woonzorg_geo.sources.eigen import read_own_lists

    return read_own_lists(getattr(args, "voorzieningen", None), getattr(args, "voorzieningen_vervang", None))


def _lists_text(record: list[dict[str, str]] | None) -> str:
    if record is None:
        return "een beschadigde lijst van eigen voorzieningen"
    if not record:
        return "geen eigen lijsten"
    return ", ".join(f"{r['bestand']} ({r['sha256'][:8]})" for r in record)


def _stored_or_fresh(
    args: argparse.Namespace,
    settings: Settings,
    *,
    profiles: Sequence[str] | None = None,
    addresses: bool | Sequence[str] = True,
    extra_osm_layers: tuple[str, ...] = (),
) -> Analysis:
    """The analysis for toets/watals/locaties: the one ``analyse`` kept in ``--uit`` when it was made
    with these settings and data, else computed again here (in memory; the message says why).

    A damaged store (a file missing, changed or of the wrong form) is never answered from: the
    warning "opslag beschadigd: <bestand>: <wat>; wordt opnieuw berekend" names the file, and the
    store is left as it is."""
    from woonzorg_geo.areas.analysis import analyse
    from woonzorg_geo.core.errors import MissingDataError
    from woonzorg_geo.run.store import StoreDamaged, StoreMismatch, load_analysis
    from woonzorg_geo.sources.datasets import resolve_paths
    from woonzorg_geo.sources.eigen import lists_record, read_record, with_own_lists
    from woonzorg_geo.sources.inputs import load_inputs

    lists = _own_lists(args)
    recorded = read_record(args.uit)
    same_lists = recorded == lists_record(lists)
    if not same_lists:
        log.warning(
            "de opgeslagen analyse in %s is gemaakt met %s, nu gegeven: %s (--voorzieningen); de analyse wordt nu "
            "opnieuw berekend (draai 'woonzorg-geo analyse --out %s' met dezelfde lijsten om de opslag bij te werken)",
            args.uit,
            _lists_text(recorded),
            _lists_text(lists_record(lists)),
            args.uit,
        )
    if not getattr(args, "online", False) and same_lists:
        try:
            paths = resolve_paths(settings, raw_dir=_raw_dir(args))
        except MissingDataError:
            paths = None
        try:
            a = load_analysis(
                args.uit,
                settings,
                paths=paths,
                profiles=profiles,
                addresses=addresses,
                osm_layers=extra_osm_layers,
                progress=show_progress(quiet=args.stil),
            )
        except StoreDamaged as exc:
            # never answered from a damaged store; the store is an input and stays as it is
            log.warning(
                "%s; wordt opnieuw berekend (draai 'woonzorg-geo analyse --out %s' om de opslag te herstellen)",
                exc,
                args.uit,
            )
        except StoreMismatch as exc:
            log.warning(
                "de opgeslagen analyse in %s wordt niet gebruikt: %s; de analyse wordt nu opnieuw berekend "
                "(draai 'woonzorg-geo analyse --out %s' om de opslag bij te werken)",
                args.uit,
                exc,
                args.uit,
            )
        else:
            if paths is None:
                log.warning(
                    "geen ruwe gegevens gevonden om de opgeslagen analyse in %s mee te vergelijken; ze wordt "
                    "ongecontroleerd gebruikt",
                    args.uit,
                )
            log.info("opgeslagen analyse uit %s gebruikt", args.uit)
            return a
    inputs = load_inputs(
        settings,
        raw_dir=_raw_dir(args),
        online=True if getattr(args, "online", False) else None,
        progress=show_progress(quiet=args.stil),
        extra_osm_layers=extra_osm_layers,
    )
    inputs = with_own_lists(inputs, lists, settings)
    all_profiles = list(settings.profielen)
    wanted = [p for p in all_profiles if profiles is None or p in profiles]
    return analyse(settings, inputs=inputs, profiles=[*dict.fromkeys([all_profiles[0], *wanted])])


def cmd_data(args: argparse.Namespace) -> int:
    """Print the data inventory: first whether every file is there, then what each one holds."""
    from woonzorg_geo.core.errors import MissingDataError
    from woonzorg_geo.core.raw_data import find_raw_dir
    from woonzorg_geo.sources.datasets import load_offline
    from woonzorg_geo.sources.inventory import (
        file_status,
        format_file_status,
        format_inventory,
        inventory,
        missing_needed,
    )

    settings = _settings(args)
    raw_dir = _raw_dir(args) or find_raw_dir(settings)
    if not raw_dir.is_dir():
        raise MissingDataError(
            raw_dir, "geef met --data een bestaande map met ruwe gegevens", problem="map met ruwe gegevens bestaat niet"
        )
    status = file_status(settings, raw_dir=raw_dir)
    missing = missing_needed(status)
    if len(missing):
        print(format_file_status(status, gemeente=settings.gemeente.naam, raw_dir=raw_dir))
        raise MissingDataError(
            raw_dir,
            problem=f"{len(missing)} nodige dataset(s) ontbreken ({', '.join(missing.index)}); zie het overzicht "
            "hierboven",
            fix="zet de bestanden op de genoemde plaats, wijs met --data naar de map met de ruwe gegevens, of "
            "laad van internet met 'woonzorg-geo analyse --online'",
        )
    inputs = load_offline(settings, raw_dir=raw_dir, progress=show_progress(quiet=args.stil))
    print(format_inventory(inventory(inputs, margin_m=settings.netwerk.margin_m), gemeente=settings.gemeente.naam))
    from woonzorg_geo.sources.lijsten import completeness_records

    for rec in completeness_records(inputs.volledigheid):
        print(f"Volledigheid {rec['categorie']}: {rec['tekst']}")
    return 0


def cmd_voorzieningen(args: argparse.Namespace) -> int:
    """Write the voorzieningen layer."""
    from woonzorg_geo.core.files import write_gpkg
    from woonzorg_geo.core.io import check_file_owner
    from woonzorg_geo.sources.datasets import load_offline
    from woonzorg_geo.sources.voorzieningen import count_inside

    out = check_file_owner(check_output_file(args.out, option="--out", suffix=".gpkg"), option="--out")
    settings = _settings(args)
    if args.categorieen:  # read and checked before the data
        from woonzorg_geo.core.settings_loader import load_category_rules
        from woonzorg_geo.sources.voorzieningen import parse_rules

        parse_rules(load_category_rules(args.categorieen), source=str(args.categorieen))
    lists = _own_lists(args)  # read and checked before the data
    if args.online:
        from woonzorg_geo.sources.online import load_online

        inputs = load_online(
            settings, raw_dir=_raw_dir(args), categories_path=args.categorieen, progress=show_progress(quiet=args.stil)
        )
    else:
        inputs = load_offline(
            settings, raw_dir=_raw_dir(args), categories_path=args.categorieen, progress=show_progress(quiet=args.stil)
        )
    from woonzorg_geo.sources.eigen import with_own_lists

    inputs = with_own_lists(inputs, lists, settings)
    write_gpkg(out, {"voorzieningen": inputs.voorzieningen})
    counts = count_inside(inputs.voorzieningen, inputs.gemeente)
    print(f"{len(inputs.voorzieningen)} voorzieningen geschreven naar {out} (laag 'voorzieningen')")
    print(f"Binnen gemeente {settings.gemeente.naam}:")
    for cat, n in counts.items():
        print(f"  {cat}: {n}")
    if inputs.huisartsen is not None:
        from woonzorg_geo.sources.geocode import match_rate

        rate = match_rate(inputs.huisartsen)
        print(
            f"Huisartsen op adres gegeocodeerd: {percent(100 * rate, 0)} "
            f"({int((inputs.huisartsen['geocode_precisie'] == 'adres').sum())} van {len(inputs.huisartsen)})"
        )
    return 0


def cmd_analyse(args: argparse.Namespace) -> int:
    """Run the whole chain and write the outputs."""
    import time

    from woonzorg_geo.run.driver import run_gemeente
    from woonzorg_geo.run.pipeline import summary_text

    check_output_dir(args.out, option="--out")
    if not args.geen_kaarten:
        check_output_dir(args.kaarten, option="--kaarten")
    settings = _gemeente_settings(args)
    g = settings.gemeente
    # each folder belongs to one command and one gemeente: refused before any work when it is not ours
    check_owner(args.out, Owner("analyse", g.code, g.naam), option="--out")
    maps_owner = Owner("kaarten", g.code, g.naam)
    if not args.geen_kaarten:
        check_owner(args.kaarten, maps_owner, option="--kaarten", other={"--out": args.out})
        _refuse_inside_analysis(args.kaarten, args.out, option="--kaarten")
    profiles = _profiles(settings, args.profiel)  # fails fast on an unknown profile
    from woonzorg_geo.areas.overlays import read_indicator_table

    extra = [(str(p), read_indicator_table(p)) for p in args.indicatoren or []]  # read before the data
    lists = _own_lists(args)  # the user's own voorzieningen, read before the data too
    t0 = time.perf_counter()
    # the same driver as each gemeente of `regio`: the same outputs and maps for the same settings
    run = run_gemeente(
        settings,
        args.out,
        maps_dir=None if args.geen_kaarten else args.kaarten,
        maps_owner=maps_owner,
        offline=True if args.offline else None,
        raw_dir=_raw_dir(args),
        online=True if args.online else None,
        profiles=profiles,
        extra_tables=extra,
        own_lists=lists,
        rasters=not args.geen_rasters,
        progress=show_progress(quiet=args.stil),
        csv_nl=args.csv_nl,
    )
    result, files = run.analysis, [*run.files, *run.map_files]
    print(summary_text(result.summary, wijken=result.wijken.drop(columns="geometry"), vocabulary=result.vocab))
    print(f"{len(files)} bestanden geschreven in {args.out} ({number(time.perf_counter() - t0, 1)} s):")
    for f in files:
        print(f"  {f}")
    return 0


def cmd_regio(args: argparse.Namespace) -> int:
    """Run many gemeenten at once on Dask and write the regional tables and map."""
    from woonzorg_geo.core.lock import output_lock
    from woonzorg_geo.core.raw_data import find_raw_dir
    from woonzorg_geo.run.regio import check_scheduler_address, regio_text, run_regio, verify_scheduler, write_regio
    from woonzorg_geo.sources.catalogue import load_catalogue, resolve_gemeente

    out = check_output_dir(args.out, option="--out")
    if args.tegelcache:
        check_output_dir(args.tegelcache, option="--tegelcache")
    if args.workers is not None and args.workers < 1:
        raise WoonzorgError(
            f"--workers moet minstens 1 zijn, kreeg {args.workers}. Oplossing: geef het aantal processen, bijv. "
            "--workers 2, of laat de optie weg"
        )
    scheduler = check_scheduler_address(args.scheduler) if args.scheduler is not None else None
    if scheduler and args.workers is not None:
        raise WoonzorgError(
            "--workers geldt voor het lokale cluster; met --scheduler bepaalt dat cluster zijn workers. "
            "Oplossing: laat --workers of --scheduler weg"
        )
    if args.provincie is not None and not args.provincie.strip():
        raise WoonzorgError(
            "--provincie is leeg. Oplossing: noem een provincie, bijv. --provincie Drenthe, of laat --provincie "
            "weg voor de provincie van de ingestelde gemeente"
        )
    settings = _settings(args)
    catalogue = load_catalogue(args.catalogus) if args.catalogus else load_catalogue()
    if args.gemeenten is not None:  # also "" or ",": never silently the whole province
        names = [n.strip() for n in args.gemeenten.split(",") if n.strip()]
        if not names:
            raise WoonzorgError(
                f"--gemeenten {args.gemeenten!r} noemt geen gemeente. Oplossing: noem gemeenten gescheiden door "
                "komma's, bijv. --gemeenten GM0106,GM0114 of --gemeenten Assen,Emmen, of laat --gemeenten weg "
                "voor de hele provincie"
            )
        chosen = [resolve_gemeente(settings, n, catalogue=catalogue) for n in names]
        entries = [catalogue.get(s.gemeente.code) for s in chosen]
        provs = {e.provincie for e in entries if e is not None}
        naam = provs.pop() if len(provs) == 1 else "regio"
    else:
        own = catalogue.get(settings.gemeente.code)
        prov = args.provincie or (own.provincie if own else "")
        if not prov:
            raise WoonzorgError("geef --provincie NAAM of --gemeenten GM0106,GM0114,... op")
        chosen = [resolve_gemeente(settings, e.code, catalogue=catalogue) for e in catalogue.provincie(prov)]
        naam = next(
            iter(
                catalogue.provincies[k][0]
                for k in catalogue.provincies
                if catalogue.provincies[k][0].lower() == prov.lower()
            ),
            prov,
        )
    codes = [s.gemeente.code for s in chosen]
    if len(set(codes)) < len(codes):
        raise WoonzorgError(f"--gemeenten noemt een gemeente twee keer: {', '.join(codes)}")
    from woonzorg_geo.core.formatting import slug

    # the region's folder is regio's; each gemeente's folder in it is that gemeente's analysis
    check_owner(out, Owner("regio", None, naam), option="--out")
    for s in chosen:
        g = s.gemeente
        folder = out / slug(g.naam)
        check_owner(folder, Owner("analyse", g.code, g.naam), option="--out", suggestion=out / "regio")
        if not args.geen_kaarten:
            check_owner(folder / "maps", Owner("kaarten", g.code, g.naam), option="--out", suggestion=out / "regio")
    raw = _raw_dir(args) or find_raw_dir(settings)
    lists = _own_lists(args)  # read and checked before any gemeente runs
    profiles = None if args.profiel in (None, "beide") else [args.profiel]
    offline = True if args.offline else None
    if scheduler:  # a Dask scheduler answers there, within [regio] verbinden_s: before anything is written
        verify_scheduler(scheduler, timeout=settings.regio.verbinden_s)
    with output_lock(out):
        result = run_regio(
            chosen,
            naam=naam,
            raw_dir=raw,
            out_dir=out,
            scheduler=scheduler,
            workers=args.workers or settings.regio.workers,
            tile_cache=Path(args.tegelcache) if args.tegelcache else None,
            profiles=profiles,
            maps=not args.geen_kaarten,
            rasters=not args.geen_rasters,
            offline=offline,
            progress=show_progress(quiet=args.stil),
            settings=settings.regio,
            own_lists=lists,
        )
        # all or nothing: when no gemeente finished, the regional files of an earlier run stay
        ok = any(t["status"] == "ok" for t in result.tasks)
        files = (
            write_regio(
                result,
                out,
                norm_m=settings.bereikbaarheid.norm_m,
                maps=not args.geen_kaarten,
                offline=offline,
                csv_nl=args.csv_nl,
            )
            if ok
            else []
        )
    print(regio_text(result, norm_m=settings.bereikbaarheid.norm_m))
    if files:
        print(f"{len(files)} regiobestanden geschreven in {out}; per gemeente een eigen map:")
    for f in files:
        print(f"  {f}")
    for t in result.tasks:
        if t["status"] == "ok":
            print(f"  {out / t['map']}/")
    if result.failures:
        failed = [t for t in result.tasks if t["status"] != "ok"]
        unfinished = [f"{t['naam']} ({t['code']})" for t in failed if t.get("niet_afgerond")]
        print(
            f"{len(failed)} van de {len(result.tasks)} gemeenten mislukt: "
            + ", ".join(f"{t['naam']} ({t['code']})" for t in failed)
            + (f"; niet afgerond: {', '.join(unfinished)}" if unfinished else "")
            + (
                " (zie regio.csv, kolom 'reden')."
                if files
                else f". Geen regiobestanden geschreven: geen gemeente kwam klaar; wat er in {out} stond, is gebleven."
            ),
            file=sys.stderr,
        )
        return 3
    return 0


def cmd_locaties(args: argparse.Namespace) -> int:
    """Rank search areas for geclusterd wonen."""
    from woonzorg_geo.core.files import atomic_path
    from woonzorg_geo.core.validate import check_polygons_in_area, read_polygons
    from woonzorg_geo.outputs.report import read_facts
    from woonzorg_geo.run.pipeline import write_site_outputs
    from woonzorg_geo.run.site_toets import check_reference, reference_judge
    from woonzorg_geo.sites import find_sites, site_osm_layers
    from woonzorg_geo.toets import load_toets_settings

    _check_uit(args)
    check_output_dir(args.out, option="--out")
    check_output_dir(args.kaarten, option="--kaarten")
    settings = _analysis_settings(args)
    owner = _owner("locaties", settings)
    check_owner(args.out, owner, option="--out")
    map_owner = Owner("locatiekaart", owner.gemeente, owner.naam)
    check_owner(args.kaarten, map_owner, option="--kaarten", other={"--uit": args.uit, "--out": args.out})
    if args.top < 1:
        raise WoonzorgError(
            f"--top moet minstens 1 zijn, kreeg {args.top}. Oplossing: geef het aantal zoekgebieden, bijv. --top 20"
        )
    parcels = read_polygons(args.kavels, what="kavels/percelen", option="--kavels") if args.kavels else None
    toets_settings = load_toets_settings(None)
    if parcels is None and settings.locaties.toets_regel != "uit":
        check_reference(settings.locaties, toets_settings)  # before the analysis: a bad type fails at once
    # every profile of the stored analysis (its main one names the tables' columns); find_sites
    # says so when locaties.profiel is not among them
    result = _stored_or_fresh(args, settings, extra_osm_layers=site_osm_layers(settings.locaties))
    if parcels is not None:
        check_polygons_in_area(
            parcels,
            result.inputs.gemeente,
            path=args.kavels,
            what="kavels/percelen",
            option="--kavels",
            naam=settings.gemeente.naam,
        )
    facts = read_facts(settings.overlays.feiten) if settings.overlays.feiten else None
    # sites do not import toets: the toets of the reference initiative is built here and handed to the ranking
    judge = (
        reference_judge(result, settings.locaties, toets_settings=toets_settings)
        if parcels is None and settings.locaties.toets_regel != "uit"
        else None
    )
    sites = find_sites(result, settings=settings.locaties, parcels=parcels, facts=facts, top=args.top, judge=judge)
    if sites.zoekgebieden.empty:
        raise WoonzorgError("geen kandidaatlocaties gevonden: controleer de instellingen [locaties]")
    # everything is computed before anything is written: the map first, in memory; then the site
    # files and the map in one step (the map is moved into place only once the site files are)
    page = _site_map_page(sites, result, args)
    with (
        _no_new_folders_on_failure(Path(args.kaarten), Path(args.out)),
        atomic_path(Path(args.kaarten) / "kandidaatlocaties.html") as staged_map,
    ):
        staged_map.write_text(page, encoding="utf-8")
        files = write_site_outputs(
            sites, args.out, gemeente=settings.gemeente.naam, settings=settings, vocabulary=result.vocab, owner=owner
        )
    maps = [Path(args.kaarten) / "kandidaatlocaties.html"]
    log.info("kaart geschreven: %s (%.2f MB)", maps[0], len(page.encode("utf-8")) / 1e6)
    print(
        f"Zoekgebieden voor geclusterd wonen in {settings.gemeente.naam} "
        f"(profiel {result.vocab.profile_label(settings.locaties.profiel)}, top {args.top}):"
    )
    for _, row in sites.zoekgebieden.iterrows():
        print(f"  {row['toelichting']}")
    for line in sites.summary_lines():
        print(line)
    print(f"{len(sites.cells)} kandidaten beoordeeld; geschreven:")
    for f in [*files, *maps]:
        print(f"  {f}")
    return 0


def _site_map_page(sites: SiteResult, result: Analysis, args: argparse.Namespace) -> str:
    """The candidate-site map as HTML, built in memory (nothing is written yet)."""
    from woonzorg_geo.outputs.maps import MAX_MAP_BYTES, render
    from woonzorg_geo.outputs.maps.themes import analysis_site_map

    page = render(analysis_site_map(sites, result, offline=True if args.offline else None))
    size = len(page.encode("utf-8"))
    if size > MAX_MAP_BYTES:
        log.warning("kaart kandidaatlocaties.html is %.1f MB (meer dan %.0f MB)", size / 1e6, MAX_MAP_BYTES / 1e6)
    return page


@contextlib.contextmanager
def _no_new_folders_on_failure(*folders: Path) -> Iterator[None]:
    """When the block fails, remove the ``folders`` (and their parents) it created, if they are empty."""
    made = [p for f in folders for p in [f, *f.parents] if not p.exists()]
    try:
        yield
    except BaseException:
        for folder in sorted(set(made), key=lambda p: len(p.parts), reverse=True):  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
        raise


def cmd_kaarten(args: argparse.Namespace) -> int:
    """Rebuild the maps from an existing output folder."""
    from woonzorg_geo.run.driver import write_gemeente_maps

    _check_uit(args)
    check_output_dir(args.kaarten, option="--kaarten")
    settings = _analysis_settings(args)
    owner = _owner("kaarten", settings)
    check_owner(args.kaarten, owner, option="--kaarten", other={"--uit": args.uit})
    if args.profiel:
        settings.profile(args.profiel, option="--profiel")  # else a Dutch error naming the profiles
    # drawn as analyse and regio draw them, with the settings of the analysis
    paths = write_gemeente_maps(
        settings, args.uit, args.kaarten, profile=args.profiel, offline=True if args.offline else None, owner=owner
    )
    print(f"{len(paths)} kaarten geschreven in {args.kaarten}:")
    for p in paths:
        print(f"  {p} ({number(p.stat().st_size / 1e6, 2)} MB)")
    return 0


def cmd_figuren(args: argparse.Namespace) -> int:
    """Write the print figures from an existing output folder."""
    from woonzorg_geo.outputs.figures import write_figures

    _check_uit(args)
    settings = _analysis_settings(args)
    if args.profiel:
        settings.profile(args.profiel, option="--profiel")  # else a Dutch error naming the profiles
    fig_dir = Path(args.figuren) if args.figuren else Path(args.uit) / "figuren"
    check_output_dir(fig_dir, option="--figuren")
    owner = _owner("figuren", settings)
    check_owner(fig_dir, owner, option="--figuren", other={"--uit": args.uit})
    paths = write_figures(args.uit, fig_dir, settings=settings, format=args.formaat, profile=args.profiel, owner=owner)
    print(f"{len(paths)} figuren ({args.formaat}, 300 dpi) geschreven in {fig_dir}:")
    for p in paths:
        print(f"  {p.name}")
    return 0


def _require_input_file(path: str, *, option: str, what: str) -> Path:
    """``path`` when it is an existing file; a missing path or a folder is refused naming ``option``."""
    p = Path(path)
    if not str(path).strip():
        raise WoonzorgError(f"{option} is leeg. Oplossing: geef het pad van de {what}")
    if p.is_dir():
        raise WoonzorgError(f"{option} {path}: dit is een map, geen bestand. Oplossing: geef het pad van de {what}")
    if not p.exists():
        raise WoonzorgError(f"{option} {path}: bestand bestaat niet. Oplossing: geef het pad van de {what}")
    return p


def _parse_point(text: str) -> tuple[float, float]:
    fix = "Oplossing: geef lengte- en breedtegraad in WGS84 als LON,LAT met een punt als decimaalteken, bijv. "
    try:
        lon_s, lat_s = text.split(",")
        lon, lat = float(lon_s), float(lat_s)
    except ValueError:
        raise WoonzorgError(f"--punt {text!r} is geen LON,LAT. {fix}--punt 6.5627,52.9930") from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # NaN fails too
        raise WoonzorgError(
            f"--punt {text!r}: buiten het bereik van lengte (-180 … 180) en breedte (-90 … 90). {fix}--punt "
            "6.5627,52.9930 (lengte eerst)"
        )
    return lon, lat


def cmd_toets(args: argparse.Namespace) -> int:
    """Check a proposed care initiative (or a list of them) against the toetsingskader."""
    from woonzorg_geo.outputs.toets_report import write_toets
    from woonzorg_geo.toets import load_toets_settings, run_toets
    from woonzorg_geo.toets.locate import locate_site, offline_geocoder
    from woonzorg_geo.toets.places import gemeente_places
    from woonzorg_geo.toets.settings import Geocode

    lijst = getattr(args, "lijst", None)
    if args.adres is not None and not args.adres.strip():
        raise WoonzorgError('--adres is leeg. Oplossing: geef een adres als --adres "Stationsstraat 44, Assen"')
    if lijst is None and bool(args.adres) == bool(args.punt):
        raise WoonzorgError(
            'geef precies één locatie op: --adres "Straat 1, Plaats" of --punt LON,LAT '
            "(of een lijst met --lijst BESTAND.csv)"
        )
    if lijst is None and (args.type is None or args.omvang is None):
        raise WoonzorgError("geef het type (--type) en de omvang (--omvang) van het initiatief op")
    rapporten = getattr(args, "rapporten", None)
    if lijst is None and rapporten is not None:
        raise WoonzorgError("--rapporten en --geen-rapporten horen bij --lijst; één toets schrijft altijd zijn rapport")
    if args.adres and len(args.adres) > 200:
        raise WoonzorgError(f'--adres is {len(args.adres)} tekens lang; geef een adres als "Straat 1, Plaats"')
    _check_uit(args)
    check_output_dir(args.out, option="--out")
    point = _parse_point(args.punt) if args.punt else None
    toets_settings = load_toets_settings(args.toetsingskader)
    if lijst is None:
        try:
            zorgtype = toets_settings.zorgtype(args.type)  # fails fast on an unknown type
        except WoonzorgError as exc:
            raise type(exc)(f"--type: {exc}") from None
        omvang = zorgtype.check_omvang(args.omvang, option="--omvang")  # and on an implausible size
    else:
        _require_input_file(lijst, option="--lijst", what="lijst met initiatieven (CSV)")
        invoer = _read_lijst(args, lijst, toets_settings)  # before the analysis: a bad file fails at once
    if args.register:
        from woonzorg_geo.sources.tables import read_csv_checked

        _require_input_file(args.register, option="--register", what="register van zorginitiatieven (CSV)")
        reg = toets_settings.register  # its encoding and columns, before the analysis is loaded
        read_csv_checked(args.register, what="register van zorginitiatieven", columns=[reg.kolom_adres, reg.kolom_type])
    settings = _analysis_settings(args)
    owner = _owner("toets" if lijst is None else "toetsen", settings)
    if lijst is None:  # the report is added to the analysis (--out is --uit by default), or a folder of its own
        check_owner(args.out, owner, option="--out")
    else:  # the list goes into OUT/toetsen, a folder of its own
        check_owner(Path(args.out) / "toetsen", owner, option="--out", suggestion=Path(args.out) / "lijsten")
    profile = toets_settings.locatie.profiel or settings.locaties.profiel
    result = _stored_or_fresh(
        args, settings, profiles=[profile] if profile in settings.profielen else None, addresses=False
    )
    geocoder: Geocode
    if args.online:
        from woonzorg_geo.sources.geocode import locatieserver_geocoder

        geocoder = locatieserver_geocoder()
    else:
        geocoder = offline_geocoder(result.inputs)
    places = gemeente_places(result.inputs, osm_classes=toets_settings.locatie.plaats_klassen)
    register = Path(args.register) if args.register else None
    if lijst is not None:
        from woonzorg_geo.outputs.toets_lijst import toets_lijst
        from woonzorg_geo.toets.batch import summary_lines, wants_reports

        out = Path(args.out) / "toetsen"
        reports = wants_reports(invoer, toets_settings, rapporten)
        outcome, files = toets_lijst(
            result,
            invoer,
            out,
            register=register,
            settings=toets_settings,
            geocoder=geocoder,
            places=places,
            rapporten=reports,
            offline=True if args.offline else None,
            owner=owner,
            csv_nl=args.csv_nl,
        )
        print("\n".join(summary_lines(outcome)))
        why = (
            ""
            if reports
            else f" (geen rapport per rij: {invoer.aantal} rijen, meer dan "
            f"lijst.rapporten_max_rijen = {toets_settings.lijst.rapporten_max_rijen}; vraag ze met --rapporten)"
            if rapporten is None
            else " (geen rapport per rij: --geen-rapporten)"
        )
        print(
            f"{len(files)} bestanden geschreven in {out}, met het overzicht {out / 'toetsen.html'}, de tabel "
            f"{out / 'toetsen.csv'} en de kaart {out / 'toetsen_kaart.html'}{why}"
        )
        return 0
    locate_site(result.inputs, adres=args.adres, punt=point, geocode=geocoder, settings=toets_settings, places=places)
    toets = run_toets(
        result,
        adres=args.adres,
        punt=point,
        zorgtype=args.type,
        omvang=omvang,
        register=register,
        settings=toets_settings,
        geocoder=geocoder,
        places=places,
    )
    html_path, json_path = write_toets(toets, args.out)
    print(f"Toets {zorgtype.label}, {omvang} {zorgtype.omvang_eenheid}, {args.adres or args.punt}:")
    loc = toets.locatie
    print(f"  locatie: {loc.get('label')} — nauwkeurigheid: {loc.get('precisie_tekst')}")
    for deel in toets.delen:
        print(f"  deel {deel.nummer} {deel.titel}: {deel.oordeel}")
    print(f"  totaal: {toets.oordeel}")
    if loc.get("waarschuwing"):
        print(f"  {loc['waarschuwing']}")
    print(f"Geschreven: {html_path}\n            {json_path}")
    return 0


def _read_lijst(args: argparse.Namespace, lijst: str, toets_settings: Any) -> Any:
    """The list of ``toets --lijst``, read and checked row by row, with ``--type``/``--omvang`` as defaults."""
    from woonzorg_geo.core.errors import ToetsError
    from woonzorg_geo.toets.batch import read_initiatives

    type_default = None
    if args.type is not None:
        try:
            zt = toets_settings.zorgtype(args.type)
        except ToetsError as exc:
            raise WoonzorgError(f"--type: {exc}. Oplossing: geef bij --type een van deze typen") from None
        type_default = zt.key
        if args.omvang is not None:
            try:
                zt.check_omvang(args.omvang, option="--omvang")
            except ToetsError as exc:
                raise WoonzorgError(
                    f"{exc} Oplossing: geef een kleinere --omvang, of vul de kolom omvang per rij in"
                ) from None
    if args.omvang is not None and args.omvang < 1:
        raise WoonzorgError(
            f"--omvang moet een geheel getal van minstens 1 zijn, kreeg {args.omvang}. Oplossing: geef --omvang 1 "
            "of meer, of laat --omvang weg en vul de kolom omvang per rij in"
        )
    return read_initiatives(lijst, settings=toets_settings, type_default=type_default, omvang_default=args.omvang)


def _check_changes(nieuw: Sequence[str], weg: Sequence[str]) -> None:
    """Refuse ``--nieuw`` without CATEGORIE@PLEK and an empty ``--weg``, before the analysis is loaded."""
    example = (
        'Oplossing: schrijf CATEGORIE@LON,LAT of CATEGORIE@"Straat 1, Plaats", bijv. --nieuw supermarkt@6.5480,52.9930'
    )
    for text in nieuw:
        cat, sep, where = text.partition("@")
        if not sep or not cat.strip() or not where.strip():
            raise WoonzorgError(f"--nieuw {text!r}: categorie of plek ontbreekt. {example}")
        parts = where.split(",")
        try:
            lon, lat = (float(v) for v in parts)
        except ValueError:
            continue  # an address: geocoded once the analysis is loaded
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):  # NaN fails too
            raise WoonzorgError(
                f"--nieuw {text!r}: {where.strip()} ligt buiten het bereik van lengte (-180 … 180) en breedte "
                "(-90 … 90). Oplossing: geef LON,LAT in WGS84, lengte eerst, bijv. supermarkt@6.5480,52.9930"
            )
    for text in weg:
        if not text.strip():
            raise WoonzorgError(
                "--weg is leeg. Oplossing: geef de naam of het id van een voorziening (zie de laag voorzieningen), "
                'bijv. --weg "vz00012"'
            )


def _changes_text(args: argparse.Namespace) -> str:
    """The options of a watals run as one line: the name of its scenario file."""
    return " ".join([*(f"--weg {t}" for t in args.weg or []), *(f"--nieuw {t}" for t in args.nieuw or [])])


def cmd_watals(args: argparse.Namespace) -> int:
    """What if voorzieningen open or close: the effect per address, buurt and wijk."""
    from woonzorg_geo.outputs.whatif import write_watals
    from woonzorg_geo.sources.adressen import with_addresses
    from woonzorg_geo.toets.locate import offline_geocoder
    from woonzorg_geo.toets.settings import Geocode
    from woonzorg_geo.whatif.scenario import load_scenario, scenario_changes, scenario_from_changes
    from woonzorg_geo.whatif.watals import Changes, parse_nieuw, parse_weg, summary_text, what_if

    scenario = getattr(args, "scenario", None)
    if scenario and (args.nieuw or args.weg):
        raise WoonzorgError(
            "--scenario en --nieuw/--weg samen: zet alle wijzigingen in het scenario, of gebruik alleen --nieuw/--weg"
        )
    if not args.nieuw and not args.weg and not scenario:
        raise WoonzorgError(
            'geef minstens één verandering op: --nieuw "supermarkt@6.5480,52.9930", '
            '--weg "<naam of id van een voorziening>" of --scenario BESTAND.json'
        )
    _check_uit(args)
    _check_changes(args.nieuw or [], args.weg or [])  # their form, before any data is read
    sc = load_scenario(scenario) if scenario else None
    out = Path(args.out) if args.out else Path(args.uit) / "watals"
    check_output_dir(out, option="--out")
    settings = _analysis_settings(args)
    owner = _owner("watals", settings)
    check_owner(out, owner, option="--out", other={"--uit": args.uit})
    profiles = _profiles(settings, args.profiel)
    a = _stored_or_fresh(args, settings, profiles=profiles, addresses=["buurtcode", "wijkcode", "woning"])
    cats = [*a.vocab.categories]
    coder: list[Geocode] = []
    area = a.inputs.gemeente.union_all()
    margin_m = a.settings.netwerk.margin_m
    naam = a.settings.gemeente.naam

    def geocoder(address: str, postcode: str | None) -> Mapping[str, Any]:
        """An address as the toets places it: refused when its place or its hit is not in the gemeente."""
        from woonzorg_geo.toets import load_toets_settings
        from woonzorg_geo.toets.locate import locate_site
        from woonzorg_geo.toets.places import gemeente_places

        if not coder:  # built only when an address is given
            coder.append(offline_geocoder(a.inputs))
        ts = load_toets_settings()
        point, info = locate_site(
            a.inputs,
            adres=address,
            punt=None,
            geocode=coder[0],
            settings=ts,
            places=gemeente_places(a.inputs, osm_classes=ts.locatie.plaats_klassen),
            scope="een nieuwe voorziening op een adres moet in de gemeente liggen",
            point_option="CATEGORIE@LON,LAT (tot de rand van het netwerk over de grens)",
        )
        return {"geometry": point, "geocode_precisie": info["geocode_precisie"], "geocode_label": info["label"]}

    if sc is not None:
        changes = scenario_changes(sc, a)
    else:
        nieuw = tuple(
            parse_nieuw(t, categories=cats, geocode=geocoder, number=k, area=area, margin_m=margin_m, gemeente=naam)
            for k, t in enumerate(args.nieuw or [], start=1)
        )
        vz = a.inputs.voorzieningen
        ids = all(t.strip() in vz.index for t in args.weg or [])  # addresses only to name candidates
        named = vz if ids else with_addresses(vz, a.inputs, settings=a.settings)
        weg = tuple(dict.fromkeys(i for t in args.weg or [] for i in parse_weg(t, named, settings=a.settings.zoeken)))
        changes = Changes(nieuw=nieuw, weg=weg)
        sc = scenario_from_changes(changes, a, naam=_changes_text(args))
    weg = changes.weg
    vz = a.inputs.voorzieningen
    other = [f"{vz.at[i, 'naam']} ({i}, {vz.at[i, 'categorie']})" for i in weg if vz.at[i, "categorie"] not in cats]
    if other:
        raise WoonzorgError(
            f"--weg: {', '.join(other)} hoort bij een categorie die niet wordt berekend; "
            f"berekende categorieën: {', '.join(cats)}"
        )
    w = what_if(a, changes, profiles=profiles)
    w.samenvatting["scenario"] = sc.to_dict()
    files = write_watals(
        w, a, out, maps=not args.geen_kaart, offline=True if args.offline else None, owner=owner, csv_nl=args.csv_nl
    )
    print(summary_text(w, vocab=a.vocab))
    print(f"{len(files)} bestanden geschreven in {out}:")
    for f in files:
        print(f"  {f}")
    return 0


def cmd_app(args: argparse.Namespace) -> int:
    """The workbench: the stored analysis in ``--uit`` as a local web application (see :mod:`.app`)."""
    from woonzorg_geo.app import load_app_settings, load_state, serve
    from woonzorg_geo.app.server import app_url, check_port

    _check_uit(args)
    if args.poort is not None and not 0 < args.poort < 65536:
        raise WoonzorgError(f"--poort {args.poort} is geen poortnummer. Oplossing: kies 1 … 65535, bijv. --poort 8765")
    port = load_app_settings(args.instellingen).poort if args.poort is None else args.poort
    check_port(args.host, port)  # before the analysis is loaded
    settings = _analysis_settings(args)
    state = load_state(args.uit, settings, raw_dir=_raw_dir(args), settings_path=args.instellingen)
    print(f"Werkbank van {settings.gemeente.naam}: {app_url(args.host, port)} (stoppen met Ctrl+C)", flush=True)
    serve(state, host=args.host, port=port, browser=not args.geen_browser)
    return 0
