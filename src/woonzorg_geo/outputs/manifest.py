"""The manifest of a run's output: what it was made from (program, gemeente, settings, data versions)."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

from woonzorg_geo.areas.analysis import Analysis
from woonzorg_geo.core.records import DataEntry, Manifest


def run_manifest(a: Analysis) -> Manifest:
    """What a run's output was made from: program, gemeente, settings, profiles and data versions."""
    from datetime import UTC, datetime

    from woonzorg_geo import __version__
    from woonzorg_geo.sources.datasets import CATALOGUE

    s = a.settings
    data: dict[str, DataEntry] = {}
    for key, path in a.inputs.paths.items():
        entry = DataEntry(pad=str(path))
        if key in CATALOGUE:
            entry["bron"], entry["datum"] = CATALOGUE[key]["bron"], CATALOGUE[key]["datum"]
        data[key] = entry
    if s.data.gemeente_vorm == "buurten" and "gemeentegrens" in data:
        # a coarse boundary from the CBS files, only compared with the buurten (see load_areas)
        boundary = data["gemeentegrens"]
        boundary["bron"], boundary["datum"] = CATALOGUE["buurten"]["bron"], CATALOGUE["buurten"]["datum"]
        boundary["gebruik"] = "alleen ter controle: de gemeente is de vereniging van haar buurten"
    return Manifest(
        programma=f"woonzorg_geo {__version__}",
        gemaakt=datetime.now(UTC).isoformat(timespec="seconds"),
        gemeente={"code": s.gemeente.code, "naam": s.gemeente.naam},
        instellingen=s.source,
        profielen=list(a.access),
        norm_m=s.bereikbaarheid.norm_m,
        gegevens=data or {"bron": a.inputs.osm.source},
    )
