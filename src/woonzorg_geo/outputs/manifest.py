"""The manifest of a run's output: what it was made from (program, gemeente, settings, data versions)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

from woonzorg_geo.areas.analysis import Analysis


def run_manifest(a: Analysis) -> dict[str, Any]:
    """What a run's output was made from: program, gemeente, settings, profiles and data versions."""
    from datetime import UTC, datetime

    from woonzorg_geo import __version__
    from woonzorg_geo.sources.datasets import CATALOGUE

    s = a.settings
    data = {
        key: {"pad": str(path), **{k: CATALOGUE[key][k] for k in ("bron", "datum") if key in CATALOGUE}}
        for key, path in a.inputs.paths.items()
    }
    if s.data.gemeente_vorm == "buurten" and "gemeentegrens" in data:
        # a coarse boundary from the CBS files, only compared with the buurten (see load_areas)
        data["gemeentegrens"].update(
            bron=CATALOGUE["buurten"]["bron"],
            datum=CATALOGUE["buurten"]["datum"],
            gebruik="alleen ter controle: de gemeente is de vereniging van haar buurten",
        )
    return {
        "programma": f"woonzorg_geo {__version__}",
        "gemaakt": datetime.now(UTC).isoformat(timespec="seconds"),
        "gemeente": {"code": s.gemeente.code, "naam": s.gemeente.naam},
        "instellingen": s.source,
        "profielen": list(a.access),
        "norm_m": s.bereikbaarheid.norm_m,
        "gegevens": data or {"bron": a.inputs.osm.source},
    }
