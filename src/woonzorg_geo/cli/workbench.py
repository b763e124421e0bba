"""The command ``app``: the workbench on the stored analysis, as a local web application."""

from __future__ import annotations

import argparse
import logging

from woonzorg_geo.cli.options import analysis_settings, check_uit, raw_data_dir
from woonzorg_geo.core.errors import WoonzorgError

log = logging.getLogger("woonzorg_geo")


def cmd_app(args: argparse.Namespace) -> int:
    """The workbench: the stored analysis in ``--uit`` as a local web application (see :mod:`.app`)."""
    from woonzorg_geo.app import load_app_settings, load_state, serve
    from woonzorg_geo.app.server import app_url, check_port

    check_uit(args)
    if args.poort is not None and not 0 < args.poort < 65536:
        raise WoonzorgError(f"--poort {args.poort} is geen poortnummer. Oplossing: kies 1 … 65535, bijv. --poort 8765")
    port = load_app_settings(args.instellingen).poort if args.poort is None else args.poort
    check_port(args.host, port)  # before the analysis is loaded
    settings = analysis_settings(args)
    state = load_state(args.uit, settings, raw_dir=raw_data_dir(args), settings_path=args.instellingen)
    print(f"Werkbank van {settings.gemeente.naam}: {app_url(args.host, port)} (stoppen met Ctrl+C)", flush=True)
    serve(state, host=args.host, port=port, browser=not args.geen_browser)
    return 0
