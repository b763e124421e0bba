"""The command ``watals``: what if voorzieningen open or close."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

from woonzorg_geo.cli.options import analysis_settings, check_uit, chosen_profiles, command_owner, store_options
from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.files import check_output_dir
from woonzorg_geo.core.io import check_owner

log = logging.getLogger("woonzorg_geo")


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
    from woonzorg_geo.outputs.whatif import write_whatif
    from woonzorg_geo.run.reuse import stored_or_fresh
    from woonzorg_geo.run.whatif_input import changes_from_texts, check_computed
    from woonzorg_geo.whatif.engine import summary_text, what_if
    from woonzorg_geo.whatif.scenario import load_scenario, scenario_changes

    scenario_file = getattr(args, "scenario", None)
    if scenario_file and (args.nieuw or args.weg):
        raise WoonzorgError(
            "--scenario en --nieuw/--weg samen: zet alle wijzigingen in het scenario, of gebruik alleen --nieuw/--weg"
        )
    if not args.nieuw and not args.weg and not scenario_file:
        raise WoonzorgError(
            'geef minstens één verandering op: --nieuw "supermarkt@6.5480,52.9930", '
            '--weg "<naam of id van een voorziening>" of --scenario BESTAND.json'
        )
    check_uit(args)
    _check_changes(args.nieuw or [], args.weg or [])  # their form, before any data is read
    scenario = load_scenario(scenario_file) if scenario_file else None
    out = Path(args.out) if args.out else Path(args.uit) / "watals"
    check_output_dir(out, option="--out")
    settings = analysis_settings(args)
    owner = command_owner("watals", settings)
    check_owner(out, owner, option="--out", other={"--uit": args.uit})
    profiles = chosen_profiles(settings, args.profiel)
    a = stored_or_fresh(
        args.uit, settings, **store_options(args), profiles=profiles, addresses=["buurtcode", "wijkcode", "woning"]
    )
    if scenario is not None:
        changes = scenario_changes(scenario, a)
    else:
        changes, scenario = changes_from_texts(
            a, opened=args.nieuw or [], closed=args.weg or [], name=_changes_text(args)
        )
    check_computed(a, changes)
    w = what_if(a, changes, profiles=profiles)
    w.samenvatting["scenario"] = scenario.to_dict()
    files = write_whatif(
        w, a, out, maps=not args.geen_kaart, offline=True if args.offline else None, owner=owner, csv_nl=args.csv_nl
    )
    print(summary_text(w, vocab=a.vocab))
    print(f"{len(files)} bestanden geschreven in {out}:")
    for f in files:
        print(f"  {f}")
    return 0
