"""The analysis a later command (``toets``, ``watals``, ``locaties``) answers from: the stored one, or a new one.

The analysis ``analyse`` kept in its output folder (:mod:`woonzorg_geo.run.store`) is used when it
was made with these settings, data and own lists; otherwise it is computed again in memory, and a
warning says why. A damaged store is never answered from, and never changed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.config import Settings
    from woonzorg_geo.core.records import OwnListRecord

log = logging.getLogger("woonzorg_geo")


def _lists_text(record: list[OwnListRecord] | None) -> str:
    """The own lists of a record (file and the start of its SHA-256), for a message."""
    if record is None:
        return "een beschadigde lijst van eigen voorzieningen"
    if not record:
        return "geen eigen lijsten"
    return ", ".join(f"{r['bestand']} ({r['sha256'][:8]})" for r in record)


def stored_or_fresh(
    uit: str | Path,
    settings: Settings,
    *,
    raw_dir: Path | None = None,
    online: bool = False,
    own_lists: Sequence[Any] = (),
    profiles: Sequence[str] | None = None,
    addresses: bool | Sequence[str] = True,
    extra_osm_layers: tuple[str, ...] = (),
    progress: bool = False,
) -> Analysis:
    """The analysis for toets/watals/locaties: the one ``analyse`` kept in ``uit`` when it was made
    with these settings and data, else computed again here (in memory; the message says why).

    A damaged store (a file missing, changed or of the wrong form) is never answered from: the
    warning "opslag beschadigd: <bestand>: <wat>; wordt opnieuw berekend" names the file, and the
    store is left as it is.

    Parameters
    ----------
    uit
        The output folder of ``analyse`` (``--uit``).
    settings
        The settings of the command (those of the analysis).
    raw_dir
        The raw data folder (``--data``), ``None`` for the default.
    online
        Load the data from PDOK and OpenStreetMap (``--online``): the store is not used.
    own_lists
        The own voorzieningen lists of the command (:func:`.sources.own_lists.read_own_lists`); the store is
        used only when it was made with the same lists.
    profiles, addresses, extra_osm_layers
        What to load, see :func:`.store.load_analysis`.
    progress
        Show progress bars.
    """
    from woonzorg_geo.areas.analysis import analyse
    from woonzorg_geo.core.errors import MissingDataError
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.run.store_format import StoreDamaged, StoreMismatch
    from woonzorg_geo.sources.datasets import resolve_paths
    from woonzorg_geo.sources.inputs import load_inputs
    from woonzorg_geo.sources.own_lists import lists_record, read_record, with_own_lists

    lists = list(own_lists)
    recorded = read_record(uit)
    same_lists = recorded == lists_record(lists)
    if not same_lists:
        log.warning(
            "de opgeslagen analyse in %s is gemaakt met %s, nu gegeven: %s (--voorzieningen); de analyse wordt nu "
            "opnieuw berekend (draai 'woonzorg-geo analyse --out %s' met dezelfde lijsten om de opslag bij te werken)",
            uit,
            _lists_text(recorded),
            _lists_text(lists_record(lists)),
            uit,
        )
    if not online and same_lists:
        try:
            paths = resolve_paths(settings, raw_dir=raw_dir)
        except MissingDataError:
            paths = None
        try:
            a = load_analysis(
                uit,
                settings,
                paths=paths,
                profiles=profiles,
                addresses=addresses,
                osm_layers=extra_osm_layers,
                progress=progress,
            )
        except StoreDamaged as exc:
            # never answered from a damaged store; the store is an input and stays as it is
            log.warning(
                "%s; wordt opnieuw berekend (draai 'woonzorg-geo analyse --out %s' om de opslag te herstellen)",
                exc,
                uit,
            )
        except StoreMismatch as exc:
            log.warning(
                "de opgeslagen analyse in %s wordt niet gebruikt: %s; de analyse wordt nu opnieuw berekend "
                "(draai 'woonzorg-geo analyse --out %s' om de opslag bij te werken)",
                uit,
                exc,
                uit,
            )
        else:
            if paths is None:
                log.warning(
                    "geen ruwe gegevens gevonden om de opgeslagen analyse in %s mee te vergelijken; ze wordt "
                    "ongecontroleerd gebruikt",
                    uit,
                )
            log.info("opgeslagen analyse uit %s gebruikt", uit)
            return a
    inputs = load_inputs(
        settings,
        raw_dir=raw_dir,
        online=True if online else None,
        progress=progress,
        extra_osm_layers=extra_osm_layers,
    )
    inputs = with_own_lists(inputs, lists, settings)
    all_profiles = list(settings.profielen)
    wanted = [p for p in all_profiles if profiles is None or p in profiles]
    return analyse(settings, inputs=inputs, profiles=[*dict.fromkeys([all_profiles[0], *wanted])])
