"""Where an output's data came from and how old it is, as Dutch text for maps, figures and QGIS.

An ``analyse`` output records in its ``manifest.json`` which datasets it was made from, with the
source and date of each (from :data:`woonzorg_geo.sources.datasets.CATALOGUE`). This module turns that
into the lines a planner reads: the attribution of a Leaflet map
(``© OpenStreetMap contributors (aug. 2021) | Bron: CBS / PDOK (2024) | bushaltes OVapi (jul. 2015) …``),
the source line under a figure and the abstract of the QGIS project
(``Gegevens: OpenStreetMap (aug. 2021), bushaltes OVapi GTFS (jul. 2015), …``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from woonzorg_geo.core.records import Manifest

#: Base attribution of every map (the licences ask for it), also where no dates are known.
ATTRIBUTION = "© OpenStreetMap contributors | Bron: CBS / PDOK"

_MONTHS = ("jan.", "feb.", "mrt.", "apr.", "mei", "jun.", "jul.", "aug.", "sep.", "okt.", "nov.", "dec.")

#: How each dataset of the catalogue is named in a source line, in reading order.
#: (key, group label, short attribution or ``None`` when covered by the base attribution)
_DATASETS: tuple[tuple[str, str, str | None], ...] = (
    ("osm_tiles", "OpenStreetMap", None),
    ("osm", "OpenStreetMap", None),
    ("gtfs_stops", "bushaltes OVapi GTFS", "bushaltes OVapi"),
    ("treinstations", "treinstations DOVA CHB", "treinstations DOVA"),
    ("huisartsen", "huisartsen ZorgKaart Nederland", "huisartsen ZorgKaart"),
    ("buurten", "CBS buurten en wijken", None),
    ("wijken", "CBS buurten en wijken", None),
    ("kerncijfers", "CBS kerncijfers", None),
    ("gemeentegrens", "gemeentegrens PDOK", None),
)
#: Datasets that only help geocoding: not named in a source line.
_HELPERS = ("pc4",)


@dataclass(frozen=True)
class DataSource:
    """One dataset of an output: its catalogue key, how a source line names it, and its date."""

    key: str
    label: str
    date: str  # as Dutch text: 'aug. 2021', '2024', 'ca. 2016', or '' when unknown


def date_text(value: Any) -> str:
    """A catalogue date as Dutch text: ``'2021-08'`` → ``'aug. 2021'``; ``'2024'`` stays; else as given."""
    text = "" if value is None else str(value).strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-\d{2})?", text)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{_MONTHS[int(m.group(2)) - 1]} {m.group(1)}"
    return text


def made_text(manifest: Mapping[str, Any]) -> str:
    """The day the output was made (``'28-11-2026'``), or ``''`` when the manifest does not say."""
    made = manifest.get("gemaakt")
    if not made:
        return ""
    try:
        return datetime.fromisoformat(str(made)).strftime("%d-%m-%Y")
    except ValueError:
        return ""


def sources(manifest: Mapping[str, Any]) -> list[DataSource]:
    """The datasets an output was made from, in reading order, each with its date.

    Reads ``manifest["gegevens"]`` (``{key: {"bron": ..., "datum": ...}}``). An output loaded
    online has no catalogue entries; its one source is dated by the day the output was made.
    """
    data = manifest.get("gegevens")
    if not isinstance(data, Mapping):
        return []
    if "bron" in data and not isinstance(data.get("bron"), Mapping):  # an online run: one text
        return [DataSource("online", str(data["bron"]), made_text(manifest))]
    known = {key for key, _, _ in _DATASETS}
    out = [
        DataSource(key, label, date_text(data[key].get("datum")))
        for key, label, _ in _DATASETS
        if isinstance(data.get(key), Mapping)
    ]
    for key, entry in data.items():
        if key not in known and key not in _HELPERS and isinstance(entry, Mapping):
            out.append(DataSource(key, str(entry.get("bron") or key), date_text(entry.get("datum"))))
    return out


def _grouped(items: list[DataSource]) -> list[str]:
    """``label (date)`` per label, dates of the same label joined: ``CBS buurten en wijken (2024)``."""
    dates: dict[str, list[str]] = {}
    for s in items:
        bucket = dates.setdefault(s.label, [])
        if s.date and s.date not in bucket:
            bucket.append(s.date)
    return [f"{label} ({', '.join(d)})" if d else label for label, d in dates.items()]


def sources_line(manifest: Mapping[str, Any], *, prefix: str = "Gegevens: ") -> str:
    """One Dutch line naming every dataset with its date (``''`` when the manifest names none)."""
    parts = _grouped(sources(manifest))
    return f"{prefix}{', '.join(parts)}" if parts else ""


def attribution(manifest: Mapping[str, Any]) -> str:
    """The attribution of a map: the licences' base text with the data's dates and the other sources."""
    items = sources(manifest)
    if not items:
        return ATTRIBUTION
    by_key = {s.key: s for s in items}
    osm = next((by_key[k].date for k in ("osm_tiles", "osm") if k in by_key and by_key[k].date), "")
    cbs = next((by_key[k].date for k in ("buurten", "kerncijfers", "wijken") if k in by_key and by_key[k].date), "")
    parts = [
        f"© OpenStreetMap contributors{f' ({osm})' if osm else ''}",
        f"Bron: CBS / PDOK{f' ({cbs})' if cbs else ''}",
    ]
    for key, _, short in _DATASETS:
        if short and key in by_key:
            date = by_key[key].date
            parts.append(f"{short}{f' ({date})' if date else ''}")
    if "online" in by_key:
        online = by_key["online"]
        parts.append(f"{online.label} ({online.date})" if online.date else online.label)
    return " | ".join(parts)


def read(out_dir: str | Path) -> Manifest:
    """The manifest of an output folder (empty when there is none)."""
    from woonzorg_geo.core.io import read_manifest

    return read_manifest(Path(out_dir))
