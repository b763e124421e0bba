"""The command-line program ``woonzorg-geo``: its parser (Dutch help texts), ``main`` and the console script.

The commands themselves are in one module per group of commands (see :mod:`woonzorg_geo.cli`).
"""

from __future__ import annotations

import argparse
import errno
import logging
import sys
from collections.abc import Sequence

from woonzorg_geo import __version__
from woonzorg_geo.cli.analysis import cmd_analyse, cmd_regio
from woonzorg_geo.cli.argparse_nl import DutchParser
from woonzorg_geo.cli.inventory import cmd_data, cmd_voorzieningen
from woonzorg_geo.cli.maps import cmd_figuren, cmd_kaarten
from woonzorg_geo.cli.sites import cmd_locaties
from woonzorg_geo.cli.toets import cmd_toets
from woonzorg_geo.cli.whatif import cmd_watals
from woonzorg_geo.cli.workbench import cmd_app
from woonzorg_geo.core.errors import WoonzorgError, write_failure

log = logging.getLogger("woonzorg_geo")


def _setup_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else (logging.DEBUG if verbose > 1 else logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    root = logging.getLogger("woonzorg_geo")
    root.handlers[:] = [handler]
    root.setLevel(level)


def _add_gemeente_of_uit(p: argparse.ArgumentParser) -> None:
    """``--gemeente`` of a command that reads an analysis: it must be that analysis's gemeente."""
    p.add_argument(
        "--gemeente",
        help="naam of code van de gemeente (standaard: die van de analyse in --uit); moet de gemeente van "
        "die analyse zijn, anders weigert het commando",
    )


def _add_voorzieningen_option(p: argparse.ArgumentParser) -> None:
    """``--voorzieningen FILE`` (adds) and ``--voorzieningen-vervang FILE`` (replaces), both repeatable."""
    p.add_argument(
        "--voorzieningen",
        action="append",
        metavar="BESTAND",
        help="eigen lijst met voorzieningen (CSV of GeoPackage met naam, categorie en adres of lon/lat) die "
        "wordt toegevoegd aan de categorie; mag vaker (zie examples/voorzieningen_voorbeeld.csv)",
    )
    p.add_argument(
        "--voorzieningen-vervang",
        action="append",
        metavar="BESTAND",
        help="eigen lijst die de categorieën die erin staan vervangt (de voorzieningen van die categorieën uit "
        "andere bronnen vervallen); mag vaker. Een kolom 'modus' (toevoegen/vervangen) gaat per rij voor",
    )


def _add_csv_nl_option(p: argparse.ArgumentParser) -> None:
    """``--csv-nl``: each CSV also as ``<naam>_nl.csv`` for a Dutch Excel (see :mod:`woonzorg_geo.outputs.workbook`)."""
    p.add_argument(
        "--csv-nl",
        action="store_true",
        help="naast elke CSV ook <naam>_nl.csv voor Nederlandse Excel: ';' als scheidingsteken, decimale komma, "
        "UTF-8 met BOM (de gewone CSV blijft zoals hij is, voor programma's)",
    )


def _whole_number(text: str) -> int:
    """An ``--omvang``: a whole number (its range is checked against the type's settings)."""
    try:
        return int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is geen geheel getal. Oplossing: geef een aantal van 1 of meer, bijv. --omvang 12"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = DutchParser(
        prog="woonzorg-geo",
        description=(
            "Bereikbaarheid te voet, draagkracht en locaties voor wonen en zorg, per buurt en wijk. "
            "Zonder opties: gemeente Assen uit de offline gegevens."
        ),
    )
    parser.add_argument("--version", action="version", version=f"woonzorg-geo {__version__}")
    parser.add_argument("--instellingen", metavar="TOML", help="instellingenbestand (standaard: ingebouwd)")
    parser.add_argument("--data", metavar="MAP", help="map met de ruwe gegevens (standaard: ../shared/geodata/raw)")
    parser.add_argument("-v", "--uitgebreid", dest="verbose", action="count", default=1, help="meer meldingen")
    parser.add_argument("--stil", action="store_true", help="alleen waarschuwingen en fouten")
    parser.add_argument(
        "--debug", action="store_true", help="bij een onverwachte fout de volledige technische foutmelding tonen"
    )
    sub = parser.add_subparsers(dest="commando", metavar="COMMANDO")

    p = sub.add_parser("data", help="overzicht van de gegevensbronnen (bron, datum, licentie, aantallen)")
    p.set_defaults(func=cmd_data)

    p = sub.add_parser("voorzieningen", help="voorzieningen per categorie naar een GeoPackage schrijven")
    p.add_argument("--out", required=True, metavar="BESTAND.gpkg", help="uitvoerbestand (GeoPackage)")
    p.add_argument("--categorieen", metavar="TOML", help="eigen indeling in categorieën (voorzieningen.toml)")
    p.add_argument("--online", action="store_true", help="laden van PDOK en OpenStreetMap (internet nodig)")
    _add_voorzieningen_option(p)
    p.set_defaults(func=cmd_voorzieningen)

    p = sub.add_parser(
        "analyse",
        help="de hele keten: netwerk, bereikbaarheid per adres, per buurt en wijk, kaarten en samenvatting",
    )
    p.add_argument(
        "--gemeente",
        help="naam of code van de gemeente, bijv. Emmen of GM0114 (standaard: uit de "
        "instellingen, Assen); de 12 gemeenten van Drenthe werken zonder instellingenbestand",
    )
    p.add_argument(
        "--profiel",
        default="beide",
        metavar="PROFIEL",
        help="looptempo: de naam van een profiel uit [profielen] van de instellingen (meerdere: "
        "met komma's, het eerste is het hoofdprofiel), of 'beide'/'alle' voor alle profielen "
        "(standaard)",
    )
    p.add_argument("--out", default="output", metavar="MAP", help="uitvoermap (standaard: output/)")
    p.add_argument("--online", action="store_true", help="laden van PDOK en OpenStreetMap (internet nodig)")
    p.add_argument("--geen-rasters", action="store_true", help="geen GeoTIFF-bereikbaarheidskaarten schrijven")
    p.add_argument("--kaarten", default="maps", metavar="MAP", help="map voor de kaarten (standaard: maps/)")
    p.add_argument(
        "--offline",
        action="store_true",
        help="kaarten zonder internet: geen achtergrondkaart (standaard: automatisch bepaald)",
    )
    p.add_argument("--geen-kaarten", action="store_true", help="geen kaarten schrijven")
    p.add_argument(
        "--indicatoren",
        action="append",
        metavar="BESTAND",
        help="extra indicatorentabel (CSV of GeoPackage met kolom 'code' = CBS-code); mag vaker",
    )
    _add_voorzieningen_option(p)
    _add_csv_nl_option(p)
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser(
        "regio",
        help="veel gemeenten in één keer (Dask): per gemeente de hele keten, plus tabellen en een kaart van de regio",
        description=(
            "Draait 'analyse' voor elke gemeente van een provincie of lijst, elk als taak op een Dask-cluster "
            "(standaard lokaal; --scheduler voor een bestaand cluster). Schrijft OUT/regio.gpkg (lagen gemeenten "
            "en wijken), OUT/regio.csv, OUT/maps/<provincie>_bereikbaarheid.html en per gemeente een eigen map. "
            "Een gemeente die mislukt wordt met de reden gemeld; de andere lopen door (exitcode 3). Elke wachttijd "
            "is begrensd ([regio] in de instellingen): een adres waar geen Dask-scheduler antwoordt wordt na "
            "verbinden_s geweigerd (exitcode 2); een gemeente waarvan de worker verloren gaat start hoogstens "
            "herstarts keer opnieuw, en een cluster zonder workers (zonder_workers_s) of zonder voortgang "
            "(stilstand_s) beëindigt de run: de gemeenten die niet klaar kwamen worden genoemd (exitcode 3). "
            "Komt geen enkele gemeente klaar, dan blijven de regiobestanden van een eerdere run staan."
        ),
    )
    which = p.add_mutually_exclusive_group()
    which.add_argument(
        "--provincie",
        help="alle gemeenten van deze provincie uit de catalogus (standaard: Drenthe, "
        "de provincie van de ingestelde gemeente)",
    )
    which.add_argument(
        "--gemeenten",
        metavar="LIJST",
        help="gemeenten, gescheiden door komma's: codes of namen, bijv. GM0106,GM0114 of Assen,Emmen",
    )
    p.add_argument("--out", default="output_regio", metavar="MAP", help="uitvoermap (standaard: output_regio/)")
    p.add_argument(
        "--scheduler",
        metavar="tcp://HOST:PORT",
        help="adres van een bestaande Dask-scheduler, bijv. tcp://127.0.0.1:8786 (standaard: een lokaal cluster "
        "op deze machine)",
    )
    p.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="aantal processen van het lokale cluster (standaard: [regio] workers, 0 = één per kern)",
    )
    p.add_argument(
        "--profiel", choices=["standaard", "senior", "beide"], default="beide", help="looptempo (standaard: beide)"
    )
    p.add_argument(
        "--geen-rasters",
        action="store_true",
        help="geen loopafstandsvlakken: geen GeoTIFFs en geen laag servicegebieden (sneller)",
    )
    p.add_argument("--geen-kaarten", action="store_true", help="geen kaarten schrijven")
    p.add_argument("--offline", action="store_true", help="kaarten zonder achtergrondkaart")
    p.add_argument(
        "--tegelcache",
        metavar="MAP",
        help="map voor de gedecodeerde vector tiles, te hergebruiken door volgende runs (standaard: de tegelcache van de gebruiker, ~/.cache/woonzorg_geo/tegels, of WOONZORG_TEGELCACHE)",
    )
    p.add_argument(
        "--catalogus",
        metavar="TOML",
        help="eigen catalogus van gemeenten en hun bestanden (standaard: ingebouwd, de 12 gemeenten van Drenthe)",
    )
    _add_voorzieningen_option(p)
    _add_csv_nl_option(p)
    p.set_defaults(func=cmd_regio)

    p = sub.add_parser("kaarten", help="de kaarten opnieuw maken uit een bestaande uitvoermap van 'analyse'")
    p.add_argument("--uit", default="output", metavar="MAP", help="uitvoermap van analyse (standaard: output/)")
    p.add_argument("--kaarten", default="maps", metavar="MAP", help="map voor de kaarten (standaard: maps/)")
    p.add_argument(
        "--profiel",
        default=None,
        metavar="PROFIEL",
        help="welk looptempo de kaarten tonen: een profiel uit de instellingen dat in de uitvoer "
        "is doorgerekend (standaard: het hoofdprofiel van de analyse)",
    )
    p.add_argument("--offline", action="store_true", help="geen achtergrondkaart (standaard: automatisch)")
    _add_gemeente_of_uit(p)
    p.set_defaults(func=cmd_kaarten)

    p = sub.add_parser(
        "figuren",
        help="drukklare figuren (kaarten en grafieken, 300 dpi) uit een uitvoermap van "
        "'analyse', voor de woonzorgvisie",
    )
    p.add_argument("--uit", default="output", metavar="MAP", help="uitvoermap van analyse (standaard: output/)")
    p.add_argument(
        "--figuren", default=None, metavar="MAP", help="map voor de figuren (standaard: figuren/ in de uitvoermap)"
    )
    p.add_argument("--formaat", default="png", choices=("png", "pdf", "svg"), help="bestandsformaat (standaard: png)")
    p.add_argument(
        "--profiel",
        default=None,
        metavar="PROFIEL",
        help="welk looptempo de figuren tonen (standaard: het hoofdprofiel van de analyse)",
    )
    _add_gemeente_of_uit(p)
    p.set_defaults(func=cmd_figuren)

    p = sub.add_parser("locaties", help="zoekgebieden voor geclusterd wonen rangschikken, met toelichting")
    p.add_argument("--top", type=int, default=20, help="aantal zoekgebieden (standaard 20)")
    p.add_argument("--out", default="output", metavar="MAP", help="uitvoermap (standaard: output/)")
    p.add_argument(
        "--kavels", metavar="BESTAND.gpkg", help="eigen kavels/percelen als kandidaten in plaats van het raster"
    )
    p.add_argument("--kaarten", default="maps", metavar="MAP", help="map voor de kaart (standaard: maps/)")
    p.add_argument("--offline", action="store_true", help="kaart zonder internet (geen achtergrondkaart, geen CDN)")
    p.add_argument(
        "--uit",
        default="output",
        metavar="MAP",
        help="uitvoermap van analyse: de opgeslagen analyse wordt hergebruikt als ze past (standaard: output/)",
    )
    p.add_argument("--online", action="store_true", help="gegevens laden van PDOK en OpenStreetMap")
    _add_gemeente_of_uit(p)
    _add_voorzieningen_option(p)
    p.set_defaults(func=cmd_locaties)

    p = sub.add_parser(
        "toets", help="een zorginitiatief (of een lijst) toetsen aan het toetsingskader (vier delen, met bewijs)"
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument("--adres", help='adres, bijv. "Stationsstraat 44, Assen"')
    where.add_argument("--punt", metavar="LON,LAT", help="locatie in WGS84, bijv. 6.5627,52.9930")
    where.add_argument(
        "--lijst",
        metavar="CSV",
        help="veel initiatieven tegelijk: CSV met een kopregel en de kolommen adres (of lon en lat), "
        "type, omvang en naam (';', ',' of tab; decimaalkomma mag bij ';'); elke rij wordt getoetst of "
        "met de reden geweigerd, 'regel' is het rijnummer zoals een spreadsheet telt (kopregel = 1). "
        "Schrijft OUT/toetsen/: toetsen.csv, toetsen.html (overzicht), toetsen_kaart.html en, bij een "
        "korte lijst, per rij een rapport",
    )
    p.add_argument(
        "--type",
        metavar="TYPE",
        help="beschermd_wonen, geclusterd_wonen, ouderenzorg, ggz, vg of jeugd; bij --lijst: het type "
        "voor de rijen die de kolom type leeg laten (of voor alle rijen als die kolom ontbreekt)",
    )
    p.add_argument(
        "--omvang",
        type=_whole_number,
        metavar="N",
        help="omvang: aantal bewoners, plaatsen of woningen (per type, zie toetsingskader.toml); bij "
        "--lijst: de omvang voor de rijen die de kolom omvang leeg laten (of ontbreekt)",
    )
    reports = p.add_mutually_exclusive_group()
    reports.add_argument(
        "--rapporten",
        action="store_true",
        default=None,
        help="bij --lijst: ook per rij een volledig rapport (HTML en JSON) schrijven, hoe lang de lijst ook is "
        "(standaard alleen tot [lijst] rapporten_max_rijen = 50 rijen uit toetsingskader.toml)",
    )
    reports.add_argument(
        "--geen-rapporten",
        dest="rapporten",
        action="store_false",
        help="bij --lijst: alleen het overzicht en de kaart, geen rapport per rij",
    )
    p.add_argument("--register", metavar="CSV", help="register van bestaande zorginitiatieven (adressen)")
    p.add_argument("--toetsingskader", metavar="TOML", help="eigen drempels (standaard: ingebouwd)")
    p.add_argument(
        "--uit",
        default="output",
        metavar="MAP",
        help="uitvoermap van analyse: de opgeslagen analyse wordt hergebruikt als ze past (standaard: output/)",
    )
    p.add_argument("--out", default="output", metavar="MAP", help="uitvoermap (standaard: output/)")
    p.add_argument("--offline", action="store_true", help="kaart zonder achtergrondkaart (bij --lijst)")
    p.add_argument("--online", action="store_true", help="gegevens laden van PDOK en OpenStreetMap")
    _add_gemeente_of_uit(p)
    _add_voorzieningen_option(p)
    _add_csv_nl_option(p)
    p.set_defaults(func=cmd_toets)

    p = sub.add_parser(
        "watals",
        help="wat als een voorziening opent, verhuist of sluit: het effect per adres, buurt "
        "en wijk (binnen een seconde na analyse)",
    )
    p.add_argument(
        "--nieuw",
        action="append",
        metavar="CAT@PLEK",
        help='nieuwe voorziening: "supermarkt@6.5480,52.9930" (LON,LAT) of "huisarts@Pronkridder 18, '
        'Assen"; mag vaker (een verhuizing: --weg plus --nieuw)',
    )
    p.add_argument(
        "--weg",
        action="append",
        metavar="NAAM|ID",
        help="voorziening die sluit: haar naam of id (zie de laag voorzieningen); mag vaker",
    )
    p.add_argument(
        "--scenario",
        metavar="BESTAND",
        help="scenario-bestand (JSON) met de wijzigingen (nieuw, weg, verplaats), zoals de app het bewaart; "
        "in plaats van --nieuw/--weg (zie README)",
    )
    p.add_argument(
        "--profiel",
        default="beide",
        metavar="PROFIEL",
        help="looptempo: een profiel uit de instellingen, of 'beide'/'alle' (standaard)",
    )
    p.add_argument("--uit", default="output", metavar="MAP", help="uitvoermap van analyse (standaard: output/)")
    p.add_argument("--out", default=None, metavar="MAP", help="map voor het resultaat (standaard: UIT/watals)")
    p.add_argument("--geen-kaart", action="store_true", help="geen kaart schrijven (sneller)")
    p.add_argument("--offline", action="store_true", help="kaart zonder achtergrondkaart")
    _add_gemeente_of_uit(p)
    _add_voorzieningen_option(p)
    _add_csv_nl_option(p)
    p.set_defaults(func=cmd_watals)

    p = sub.add_parser("app", help="de werkbank in de browser: kaart, toets met een klik en wat-als, lokaal en offline")
    p.add_argument("--uit", default="output", metavar="MAP", help="uitvoermap van analyse (standaard: output/)")
    p.add_argument("--poort", type=int, default=None, metavar="POORT", help="poort (standaard: 8765, zie [app])")
    p.add_argument("--geen-browser", action="store_true", help="de browser niet zelf openen")
    p.add_argument(
        "--host",
        nargs="?",
        const="0.0.0.0",
        default="127.0.0.1",
        metavar="ADRES",
        help="ook bereikbaar maken in het netwerk (standaard alleen op deze computer, 127.0.0.1); let op: geen inlog",
    )
    _add_gemeente_of_uit(p)
    p.set_defaults(func=cmd_app)
    return parser


def _os_error_text(exc: OSError) -> str:
    """A Dutch one-line message for an operating-system error that no command turned into its own."""
    where = f" {exc.filename}" if exc.filename else ""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        return (
            f"schijf vol bij het schrijven van{where or ' de uitvoer'}. Oplossing: maak ruimte vrij op de schijf "
            "(of kies een map op een andere schijf) en draai het commando opnieuw"
        )
    if code == errno.EROFS:
        return f"kan{where} niet schrijven: alleen-lezen schijf. Oplossing: kies een map waarin u kunt schrijven"
    if code in (errno.EACCES, errno.EPERM):
        return f"geen toegang tot{where}. Oplossing: controleer de rechten, of kies een ander bestand of een andere map"
    if isinstance(exc, IsADirectoryError):
        return f"{exc.filename}: dit is een map, geen bestand. Oplossing: geef het pad van een bestand op"
    if isinstance(exc, NotADirectoryError):
        return f"{exc.filename}: dit is een bestand, geen map. Oplossing: geef het pad van een map op"
    if isinstance(exc, FileNotFoundError):
        return f"{exc.filename or exc}: bestand of map bestaat niet. Oplossing: controleer het pad"
    return (
        f"kan{where} niet lezen of schrijven ({exc.strerror or exc}). Oplossing: controleer het pad, "
        "de rechten en de vrije schijfruimte"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    _setup_logging(3 if args.debug else args.verbose, args.stil)
    try:
        return int(args.func(args))
    except WoonzorgError as exc:
        print(f"Fout: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Afgebroken.", file=sys.stderr)
        return 130
    except OSError as exc:
        if args.debug:
            raise
        print(f"Fout: {_os_error_text(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:
        if args.debug:
            raise
        if write_failure(exc, disk_only=True) is not None:  # GDAL/SQLite: "database or disk is full"
            print(
                f"Fout: schijf vol bij het schrijven van de uitvoer van 'woonzorg-geo {args.commando}' ({exc}). "
                "Oplossing: maak ruimte vrij op de schijf (of kies een uitvoermap op een andere schijf) en draai "
                "het commando opnieuw",
                file=sys.stderr,
            )
            return 2
        print(
            f"Onverwachte fout in 'woonzorg-geo {args.commando}': {type(exc).__name__}: {exc}. Meld dit bij de "
            "beheerders van woonzorg_geo, met de uitvoer van hetzelfde commando met --debug erbij.",
            file=sys.stderr,
        )
        return 1


def run() -> None:  # pragma: no cover - the console script; tests call main()
    """The console script: :func:`main`, then leave at once.

    Everything is written and flushed when :func:`main` returns (outputs are moved in place
    atomically, logging is shut down here), so the interpreter's teardown of hundreds of MB of
    arrays and modules is skipped: it adds a tenth of a second to every ``toets``.
    """
    import os

    # Arrow's own memory pool keeps what the store's tables were read with; the system's returns it
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    code = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
