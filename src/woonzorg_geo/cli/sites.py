"""The command ``locaties``: search areas (or the user's parcels) ranked for geclusterd wonen."""

from __future__ import annotations

import argparse
import logging

from woonzorg_geo.cli.options import analysis_settings, check_uit, command_owner, store_options
from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.files import check_output_dir
from woonzorg_geo.core.io import Owner, check_owner

log = logging.getLogger("woonzorg_geo")


def cmd_locaties(args: argparse.Namespace) -> int:
    """Rank search areas for geclusterd wonen."""
    from woonzorg_geo.core.validate import check_polygons_in_area, read_polygons
    from woonzorg_geo.outputs.report import read_facts
    from woonzorg_geo.run.reuse import stored_or_fresh
    from woonzorg_geo.run.site_outputs import write_site_results
    from woonzorg_geo.run.site_toets import check_reference, reference_judge
    from woonzorg_geo.sites import find_sites, site_osm_layers
    from woonzorg_geo.toets import load_toets_settings

    check_uit(args)
    check_output_dir(args.out, option="--out")
    check_output_dir(args.kaarten, option="--kaarten")
    settings = analysis_settings(args)
    owner = command_owner("locaties", settings)
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
    # says so when locaties.profiel is not among them. Of the addresses only the points (the grid
    # and the map's extent): their columns and per-address distances stay on disk
    result = stored_or_fresh(
        args.uit,
        settings,
        **store_options(args),
        addresses=[],
        extra_osm_layers=site_osm_layers(settings.locaties),
    )
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
    if sites.search_areas.empty:
        raise WoonzorgError("geen kandidaatlocaties gevonden: controleer de instellingen [locaties]")
    # everything is computed before anything is written; the map and the site files in one step
    files, maps = write_site_results(
        sites, result, args.out, args.kaarten, settings=settings, owner=owner, offline=True if args.offline else None
    )
    print(
        f"Zoekgebieden voor geclusterd wonen in {settings.gemeente.naam} "
        f"(profiel {result.vocab.profile_label(settings.locaties.profiel)}, top {args.top}):"
    )
    for _, row in sites.search_areas.iterrows():
        print(f"  {row['toelichting']}")
    for line in sites.summary_lines():
        print(line)
    print(f"{len(sites.cells)} kandidaten beoordeeld; geschreven:")
    for f in [*files, *maps]:
        print(f"  {f}")
    return 0
