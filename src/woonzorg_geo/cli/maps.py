"""The commands ``kaarten`` and ``figuren``: the maps and the print figures of an existing analysis."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from woonzorg_geo.cli.options import analysis_settings, check_uit, command_owner
from woonzorg_geo.core.files import check_output_dir
from woonzorg_geo.core.formatting import number
from woonzorg_geo.core.io import check_owner

log = logging.getLogger("woonzorg_geo")


def cmd_kaarten(args: argparse.Namespace) -> int:
    """Rebuild the maps from an existing output folder."""
    from woonzorg_geo.run.driver import write_gemeente_maps

    check_uit(args)
    check_output_dir(args.kaarten, option="--kaarten")
    settings = analysis_settings(args)
    owner = command_owner("kaarten", settings)
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

    check_uit(args)
    settings = analysis_settings(args)
    if args.profiel:
        settings.profile(args.profiel, option="--profiel")  # else a Dutch error naming the profiles
    fig_dir = Path(args.figuren) if args.figuren else Path(args.uit) / "figuren"
    check_output_dir(fig_dir, option="--figuren")
    owner = command_owner("figuren", settings)
    check_owner(fig_dir, owner, option="--figuren", other={"--uit": args.uit})
    paths = write_figures(args.uit, fig_dir, settings=settings, format=args.formaat, profile=args.profiel, owner=owner)
    print(f"{len(paths)} figuren ({args.formaat}, 300 dpi) geschreven in {fig_dir}:")
    for p in paths:
        print(f"  {p.name}")
    return 0
