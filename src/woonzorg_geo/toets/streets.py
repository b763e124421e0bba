"""Typo-tolerant street names for the toets's address: suggestions and a marked fuzzy match.

The offline geocoder matches street names exactly (after normalising case, accents and
punctuation). A misspelt street ("Kloostervene 12") is compared with rapidfuzz (``WRatio``) to the
street names of the address data: the OSM street lines and the ``addr:street`` of the address points
inside the gemeente. :func:`street_match` says whether one name is clearly meant (then the toets
uses it and says so) and which names to suggest ("Bedoelde u ...?"); :func:`suggest_streets`
gives suggestions for a partial input (the app's address box).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from rapidfuzz import fuzz, process

from woonzorg_geo.sources.geocode import normalise_street, parse_address

#: street names per (lines, addresses) object ids and the shape's WKB; the objects are kept so the ids stay theirs
_CACHE: dict[tuple[int, int, bytes], tuple[Any, Any, tuple[str, ...]]] = {}


def street_names(inputs: Any, shape: shapely.Geometry) -> tuple[str, ...]:
    """The distinct street names of the address data inside ``shape`` (OSM lines and address points).

    ``inputs`` is a run's inputs or an analysis (its ``osm.lines`` with ``name`` and
    ``osm.addresses`` with ``street`` where known). Computed once per input.
    """
    inputs = getattr(inputs, "inputs", inputs)
    lines, addr = inputs.osm.lines, inputs.osm.addresses
    key = (id(lines), id(addr), b"" if shape is None else shapely.to_wkb(shape))
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is lines and hit[1] is addr:
        return hit[2]
    names: dict[str, str] = {}
    for frame, col in ((lines, "name"), (addr, "street")):
        if col not in frame or not len(frame):
            continue
        named = frame.loc[frame[col].notna()]
        if not len(named):
            continue
        inside = named.geometry.intersects(shape).to_numpy() if shape is not None else np.ones(len(named), bool)
        for name in named[col].to_numpy(dtype=object)[inside]:
            text = str(name).strip()
            if text:
                names.setdefault(normalise_street(text), text)
    out = tuple(sorted(names.values()))
    if len(_CACHE) > 8:
        _CACHE.clear()
    _CACHE[key] = (lines, addr, out)
    return out


def suggest_streets(
    text: str, names: Sequence[str], *, limit: int = 5, min_score: float = 70.0
) -> list[tuple[str, float]]:
    """The street names most like ``text`` (best first), each with its rapidfuzz ``WRatio`` score (0–100)."""
    query = normalise_street(text)
    if not query:
        return []
    hits = process.extract(
        query, list(names), scorer=fuzz.WRatio, processor=normalise_street, limit=limit, score_cutoff=min_score
    )
    return [(str(name), float(score)) for name, score, _ in hits]


@dataclass(frozen=True)
class StreetMatch:
    """What a street of an address matched: exactly, one name clearly (fuzzy), or only suggestions."""

    gezocht: str  # the street as given
    exact: bool
    straat: str | None  # the name to use (None: no clear match)
    score: float | None
    suggesties: tuple[tuple[str, float], ...]

    @property
    def fuzzy(self) -> bool:
        """Whether a different name than the one given is used."""
        return not self.exact and self.straat is not None


def street_match(
    adres_straat: str, names: Sequence[str], *, accept: float, lead: float, suggest: float
) -> StreetMatch | None:
    """Match the street of ``'Straat 12'`` to ``names``; None when the text has no street and number.

    The best match is used when it scores at least ``accept`` and leads the next distinct name by
    ``lead``; the names scoring at least ``suggest`` are the suggestions.
    """
    parsed = parse_address(adres_straat)
    if parsed is None:
        return None
    given = parsed.street
    known = {normalise_street(n) for n in names}
    if normalise_street(given) in known:
        return StreetMatch(given, True, given, 100.0, ())
    hits = suggest_streets(given, names, limit=5, min_score=suggest)
    use = None
    score = None
    if hits and hits[0][1] >= accept and (len(hits) == 1 or hits[0][1] - hits[1][1] >= lead):
        use, score = hits[0]
    return StreetMatch(given, False, use, score, tuple(hits))


def with_street(adres_straat: str, straat: str) -> str:
    """``'Kloostervene 12a'`` with its street replaced: ``'Kloosterveen 12a'``."""
    parsed = parse_address(adres_straat)
    if parsed is None:
        return adres_straat
    return f"{straat} {parsed.number}{parsed.suffix}"
