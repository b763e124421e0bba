"""The commands ``data`` (what the raw data hold) and ``voorzieningen`` (the voorzieningen layer)."""

from __future__ import annotations

import argparse
import logging

from woonzorg_geo.cli.options import own_lists, raw_data_dir, read_settings
from woonzorg_geo.core.files import check_output_file
from woonzorg_geo.core.formatting import percent
from woonzorg_geo.core.progress import show_progress

log = logging.getLogger("woonzorg_geo")


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

    settings = read_settings(args)
    raw_dir = raw_data_dir(args) or find_raw_dir(settings)
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
    from woonzorg_geo.sources.independent_lists import completeness_records

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
    settings = read_settings(args)
    if args.categorieen:  # read and checked before the data
        from woonzorg_geo.core.settings_loader import load_category_rules
        from woonzorg_geo.sources.voorzieningen import parse_rules

        parse_rules(load_category_rules(args.categorieen), source=str(args.categorieen))
    lists = own_lists(args)  # read and checked before the data
    if args.online:
        from woonzorg_geo.sources.online import load_online

        inputs = load_online(
            settings,
            raw_dir=raw_data_dir(args),
            categories_path=args.categorieen,
            progress=show_progress(quiet=args.stil),
        )
    else:
        inputs = load_offline(
            settings,
            raw_dir=raw_data_dir(args),
            categories_path=args.categorieen,
            progress=show_progress(quiet=args.stil),
        )
    from woonzorg_geo.sources.own_lists import with_own_lists

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
