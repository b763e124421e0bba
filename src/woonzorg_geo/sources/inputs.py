"""The inputs of a run: offline from the raw data folder, or online from PDOK and OSM."""

from __future__ import annotations

import logging
from pathlib import Path

from woonzorg_geo.core.config import Settings
from woonzorg_geo.core.errors import MissingDataError
from woonzorg_geo.core.raw_data import find_raw_dir, named_raw_dirs
from woonzorg_geo.sources.datasets import Inputs, load_offline

log = logging.getLogger(__name__)


def load_inputs(
    settings: Settings,
    *,
    raw_dir: Path | None = None,
    online: bool | None = None,
    progress: bool = False,
    extra_osm_layers: tuple[str, ...] = (),
    tile_cache: Path | None = None,
) -> Inputs:
    """The inputs of a run: from the raw data folder, or online (PDOK, OSM).

    ``tile_cache`` is a folder of decoded vector tiles shared with other runs (offline only, see
    :func:`.sources.datasets.load_offline`).

    ``online=None`` goes online only when no raw data folder is named (no ``raw_dir``, i.e.
    ``--data``; no ``data.raw_dir``; no ``WOONZORG_DATA``) and none is found
    (``shared/geodata/raw`` above the working folder or the package), with a warning. A folder that
    is named is used as it is: when it does not exist or lacks files, the error names each missing
    file and suggests ``--online``; it never switches to online by itself.
    """
    if online is None:
        online = False
        if raw_dir is None and not named_raw_dirs(settings):
            try:
                raw_dir = find_raw_dir(settings)
            except MissingDataError:
                log.warning(
                    "geen map met ruwe gegevens gevonden (geen --data, geen WOONZORG_DATA, geen "
                    "../shared/geodata/raw): alles wordt van internet geladen (PDOK en OpenStreetMap)"
                )
                online = True
    if online:
        from woonzorg_geo.sources.online import load_online

        return load_online(settings, raw_dir=raw_dir, progress=progress)
    return load_offline(
        settings, raw_dir=raw_dir, progress=progress, extra_osm_layers=extra_osm_layers, tile_cache=tile_cache
    )
