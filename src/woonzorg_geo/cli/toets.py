"""The command ``toets``: one care initiative, or a list of them, against the toetsingskader."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from woonzorg_geo.cli.options import analysis_settings, check_uit, command_owner, require_input_file, store_options
from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.files import check_output_dir
from woonzorg_geo.core.io import check_owner

log = logging.getLogger("woonzorg_geo")


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
    from woonzorg_geo.run.reuse import stored_or_fresh
    from woonzorg_geo.toets import load_toets_settings, run_toets
    from woonzorg_geo.toets.locate import locate_site, offline_geocoder
    from woonzorg_geo.toets.places import municipality_places
    from woonzorg_geo.toets.settings import Geocode

    list_file = getattr(args, "lijst", None)
    if args.adres is not None and not args.adres.strip():
        raise WoonzorgError('--adres is leeg. Oplossing: geef een adres als --adres "Stationsstraat 44, Assen"')
    if list_file is None and bool(args.adres) == bool(args.punt):
        raise WoonzorgError(
            'geef precies één locatie op: --adres "Straat 1, Plaats" of --punt LON,LAT '
            "(of een lijst met --lijst BESTAND.csv)"
        )
    if list_file is None and (args.type is None or args.omvang is None):
        raise WoonzorgError("geef het type (--type) en de omvang (--omvang) van het initiatief op")
    reports_option = getattr(args, "rapporten", None)
    if list_file is None and reports_option is not None:
        raise WoonzorgError("--rapporten en --geen-rapporten horen bij --lijst; één toets schrijft altijd zijn rapport")
    if args.adres and len(args.adres) > 200:
        raise WoonzorgError(f'--adres is {len(args.adres)} tekens lang; geef een adres als "Straat 1, Plaats"')
    check_uit(args)
    check_output_dir(args.out, option="--out")
    point = _parse_point(args.punt) if args.punt else None
    toets_settings = load_toets_settings(args.toetsingskader)
    if list_file is None:
        try:
            care_type = toets_settings.care_type(args.type)  # fails fast on an unknown type
        except WoonzorgError as exc:
            raise type(exc)(f"--type: {exc}") from None
        size = care_type.check_size(args.omvang, option="--omvang")  # and on an implausible size
    else:
        require_input_file(list_file, option="--lijst", what="lijst met initiatieven (CSV)")
        initiatives = _read_list(args, list_file, toets_settings)  # before the analysis: a bad file fails at once
    if args.register:
        from woonzorg_geo.sources.tables import read_csv_checked

        require_input_file(args.register, option="--register", what="register van zorginitiatieven (CSV)")
        reg = toets_settings.register  # its encoding and columns, before the analysis is loaded
        read_csv_checked(args.register, what="register van zorginitiatieven", columns=[reg.kolom_adres, reg.kolom_type])
    settings = analysis_settings(args)
    owner = command_owner("toets" if list_file is None else "toetsen", settings)
    if list_file is None:  # the report is added to the analysis (--out is --uit by default), or a folder of its own
        check_owner(args.out, owner, option="--out")
    else:  # the list goes into OUT/toetsen, a folder of its own
        check_owner(Path(args.out) / "toetsen", owner, option="--out", suggestion=Path(args.out) / "lijsten")
    profile = toets_settings.locatie.profiel or settings.locaties.profiel
    result = stored_or_fresh(
        args.uit,
        settings,
        **store_options(args),
        profiles=[profile] if profile in settings.profielen else None,
        addresses=False,
    )
    geocoder: Geocode
    if args.online:
        from woonzorg_geo.sources.geocode import locatieserver_geocoder

        geocoder = locatieserver_geocoder()
    else:
        geocoder = offline_geocoder(result.inputs)
    places = municipality_places(result.inputs, osm_classes=toets_settings.locatie.plaats_klassen)
    register = Path(args.register) if args.register else None
    if list_file is not None:
        from woonzorg_geo.outputs.toets_lijst import write_toets_list
        from woonzorg_geo.toets.batch import summary_lines, wants_reports

        out = Path(args.out) / "toetsen"
        reports = wants_reports(initiatives, toets_settings, reports_option)
        outcome, files = write_toets_list(
            result,
            initiatives,
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
            else f" (geen rapport per rij: {initiatives.n_initiatives} rijen, meer dan "
            f"lijst.rapporten_max_rijen = {toets_settings.lijst.rapporten_max_rijen}; vraag ze met --rapporten)"
            if reports_option is None
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
        omvang=size,
        register=register,
        settings=toets_settings,
        geocoder=geocoder,
        places=places,
    )
    html_path, json_path = write_toets(toets, args.out)
    print(f"Toets {care_type.label}, {size} {care_type.omvang_eenheid}, {args.adres or args.punt}:")
    site = toets.locatie
    print(f"  locatie: {site.get('label')} — nauwkeurigheid: {site.get('precisie_tekst')}")
    for part in toets.delen:
        print(f"  deel {part.nummer} {part.titel}: {part.oordeel}")
    print(f"  totaal: {toets.oordeel}")
    if site.get("waarschuwing"):
        print(f"  {site['waarschuwing']}")
    print(f"Geschreven: {html_path}\n            {json_path}")
    return 0


def _read_list(args: argparse.Namespace, list_file: str, toets_settings: Any) -> Any:
    """The list of ``toets --lijst``, read and checked row by row, with ``--type``/``--omvang`` as defaults."""
    from woonzorg_geo.core.errors import ToetsError
    from woonzorg_geo.toets.list_file import read_initiatives

    type_default = None
    if args.type is not None:
        try:
            care_type = toets_settings.care_type(args.type)
        except ToetsError as exc:
            raise WoonzorgError(f"--type: {exc}. Oplossing: geef bij --type een van deze typen") from None
        type_default = care_type.key
        if args.omvang is not None:
            try:
                care_type.check_size(args.omvang, option="--omvang")
            except ToetsError as exc:
                raise WoonzorgError(
                    f"{exc} Oplossing: geef een kleinere --omvang, of vul de kolom omvang per rij in"
                ) from None
    if args.omvang is not None and args.omvang < 1:
        raise WoonzorgError(
            f"--omvang moet een geheel getal van minstens 1 zijn, kreeg {args.omvang}. Oplossing: geef --omvang 1 "
            "of meer, of laat --omvang weg en vul de kolom omvang per rij in"
        )
    return read_initiatives(list_file, settings=toets_settings, type_default=type_default, omvang_default=args.omvang)
