"""The commands ``analyse`` (one gemeente, every output) and ``regio`` (many gemeenten on Dask)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from woonzorg_geo.cli.options import (
    chosen_profiles,
    gemeente_settings,
    own_lists,
    raw_data_dir,
    read_settings,
    refuse_inside_analysis,
)
from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.files import check_output_dir
from woonzorg_geo.core.formatting import number
from woonzorg_geo.core.io import Owner, check_owner
from woonzorg_geo.core.progress import show_progress

log = logging.getLogger("woonzorg_geo")


def cmd_analyse(args: argparse.Namespace) -> int:
    """Run the whole chain and write the outputs."""
    import time

    from woonzorg_geo.run.driver import run_gemeente
    from woonzorg_geo.run.pipeline import summary_text

    check_output_dir(args.out, option="--out")
    if not args.geen_kaarten:
        check_output_dir(args.kaarten, option="--kaarten")
    settings = gemeente_settings(args)
    g = settings.gemeente
    # each folder belongs to one command and one gemeente: refused before any work when it is not ours
    check_owner(args.out, Owner("analyse", g.code, g.naam), option="--out")
    maps_owner = Owner("kaarten", g.code, g.naam)
    if not args.geen_kaarten:
        check_owner(args.kaarten, maps_owner, option="--kaarten", other={"--out": args.out})
        refuse_inside_analysis(args.kaarten, args.out, option="--kaarten")
    profiles = chosen_profiles(settings, args.profiel)  # fails fast on an unknown profile
    from woonzorg_geo.areas.overlays import read_indicator_table

    extra = [(str(p), read_indicator_table(p)) for p in args.indicatoren or []]  # read before the data
    lists = own_lists(args)  # the user's own voorzieningen, read before the data too
    t0 = time.perf_counter()
    # the same driver as each gemeente of `regio`: the same outputs and maps for the same settings
    run = run_gemeente(
        settings,
        args.out,
        maps_dir=None if args.geen_kaarten else args.kaarten,
        maps_owner=maps_owner,
        offline=True if args.offline else None,
        raw_dir=raw_data_dir(args),
        online=True if args.online else None,
        profiles=profiles,
        extra_tables=extra,
        own_lists=lists,
        rasters=not args.geen_rasters,
        progress=show_progress(quiet=args.stil),
        csv_nl=args.csv_nl,
        maps_beside=True,  # the maps on the second core while the files are written
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
    from woonzorg_geo.run.cluster import check_scheduler_address, verify_scheduler
    from woonzorg_geo.run.regio import run_regio
    from woonzorg_geo.run.regio_output import Elsewhere, regio_text, write_regio
    from woonzorg_geo.run.regional import RegioResult
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
    settings = read_settings(args)
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
        provinces = {e.provincie for e in entries if e is not None}
        region_name = provinces.pop() if len(provinces) == 1 else "regio"
    else:
        own = catalogue.get(settings.gemeente.code)
        province = args.provincie or (own.provincie if own else "")
        if not province:
            raise WoonzorgError("geef --provincie NAAM of --gemeenten GM0106,GM0114,... op")
        chosen = [resolve_gemeente(settings, e.code, catalogue=catalogue) for e in catalogue.province(province)]
        region_name = next(
            iter(
                catalogue.provinces[k][0]
                for k in catalogue.provinces
                if catalogue.provinces[k][0].lower() == province.lower()
            ),
            province,
        )
    codes = [s.gemeente.code for s in chosen]
    if len(set(codes)) < len(codes):
        raise WoonzorgError(f"--gemeenten noemt een gemeente twee keer: {', '.join(codes)}")
    from woonzorg_geo.core.formatting import slug

    # the region's folder is regio's; each gemeente's folder in it is that gemeente's analysis
    check_owner(out, Owner("regio", None, region_name), option="--out")
    for s in chosen:
        g = s.gemeente
        folder = out / slug(g.naam)
        check_owner(folder, Owner("analyse", g.code, g.naam), option="--out", suggestion=out / "regio")
        if not args.geen_kaarten:
            check_owner(folder / "maps", Owner("kaarten", g.code, g.naam), option="--out", suggestion=out / "regio")
    raw = raw_data_dir(args) or find_raw_dir(settings)
    lists = own_lists(args)  # read and checked before any gemeente runs
    profiles = None if args.profiel in (None, "beide") else [args.profiel]
    offline = True if args.offline else None
    if scheduler:  # a Dask scheduler answers there, within [regio] verbinden_s: before anything is written
        verify_scheduler(scheduler, timeout=settings.regio.verbinden_s)

    def write(result: RegioResult, elsewhere: Elsewhere | None) -> list[Path]:
        # all or nothing: run_regio calls this only when a gemeente finished (else the regional
        # files of an earlier run stay); the cluster's idle workers make the workbook and the map
        return write_regio(
            result,
            out,
            norm_m=settings.bereikbaarheid.norm_m,
            maps=not args.geen_kaarten,
            offline=offline,
            csv_nl=args.csv_nl,
            elsewhere=elsewhere,
        )

    with output_lock(out):
        result = run_regio(
            chosen,
            naam=region_name,
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
            write=write,
        )
        files = result.files
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
