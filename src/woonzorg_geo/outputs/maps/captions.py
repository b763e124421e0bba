"""What a map's legend says: what is measured, for whom, to where, and from which data.

A legend title names the measure and its destination (``Looptijd te voet van de woning naar de
dichtstbijzijnde huisarts``); its subtitle the walking profile and the data with their dates
(``looptempo standaard (4,8 km/u); wegen OSM aug. 2021; huisarts: ZorgKaart mrt. 2026, OSM aug. 2021``). The category's label comes from
the vocabulary, the profile's label (with its speed) from ``[profielen]`` of the settings, the
network's date from the run's ``manifest.json`` and the destinations' sources and dates from the
``bron``/``bron_datum`` columns of the ``voorzieningen`` layer: nothing here is a literal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from woonzorg_geo.core import provenance
from woonzorg_geo.core.vocabulary import COMBINATIONS, Vocabulary
from woonzorg_geo.outputs.maps.style import SOURCE_SHORT

#: Last words of a destination noun that take the article ``het`` (``het dichtstbijzijnde station``).
_HET_ENDINGS = ("huis", "station", "centrum", "gebouw", "punt")


@dataclass(frozen=True)
class Caption:
    """A legend's title (what, to where) and subtitle (for whom, from which data)."""

    title: str
    subtitle: str = ""

    @property
    def text(self) -> str:
        """Title and subtitle as one line (``'…huisarts, looptempo …; wegen OSM …'``)."""
        return f"{self.title}, {self.subtitle}" if self.subtitle else self.title


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value)


def destination(vocab: Vocabulary, category: str) -> str:
    """``'de dichtstbijzijnde huisarts'``, ``'het dichtstbijzijnde treinstation'``."""
    noun = vocab.noun(category)
    last = noun.split()[-1].lower() if noun.split() else ""
    article = "het" if last.endswith(_HET_ENDINGS) else "de"
    return f"{article} dichtstbijzijnde {noun}"


def parts(vocab: Vocabulary, name: str) -> tuple[str, ...]:
    """The voorzieningen categories behind a category, composite (``ov``) or combination."""
    if name in COMBINATIONS:
        return tuple(c for p in COMBINATIONS[name] for c in parts(vocab, p))
    if name in vocab.composites:
        return tuple(c for p in vocab.composites[name] for c in parts(vocab, p))
    return (name,)


def network_source(manifest: Mapping[str, Any]) -> str:
    """``'wegen OSM aug. 2021'`` from the run's manifest (``''`` when it names no OSM data)."""
    for s in provenance.sources(manifest):
        if s.key in ("osm_tiles", "osm"):
            return f"wegen {SOURCE_SHORT['osm']}{f' {s.date}' if s.date else ''}"
    return ""


def destination_sources(voorzieningen: pd.DataFrame | None, categories: Iterable[str]) -> str:
    """The sources of the voorzieningen of ``categories`` with their dates, most points first:
    ``'ZorgKaart mrt. 2026, OSM aug. 2021'``."""
    if voorzieningen is None or "bron" not in voorzieningen.columns or not len(voorzieningen):
        return ""
    cats = set(categories)
    sub = voorzieningen[voorzieningen["categorie"].isin(cats)] if "categorie" in voorzieningen else voorzieningen
    dates = sub["bron_datum"] if "bron_datum" in sub.columns else pd.Series(None, index=sub.index, dtype=object)
    count: dict[str, int] = {}
    when: dict[str, str] = {}
    for bron, datum in zip(sub["bron"], dates):
        if _missing(bron):
            continue
        names = [p.strip() for p in str(bron).split(";") if p.strip()]
        ds = [] if _missing(datum) else [d.strip() for d in str(datum).split(";")]
        for i, key in enumerate(names):
            count[key] = count.get(key, 0) + 1
            if len(ds) == len(names) and ds[i]:
                when.setdefault(key, ds[i])
    ordered = sorted(count, key=lambda k: -count[k])
    return ", ".join(f"{SOURCE_SHORT.get(k.lower(), k)}{f' {when[k]}' if k in when else ''}" for k in ordered)


def data_line(
    vocab: Vocabulary,
    categories: Sequence[str],
    *,
    manifest: Mapping[str, Any],
    voorzieningen: pd.DataFrame | None,
) -> str:
    """``'wegen OSM aug. 2021; huisarts: ZorgKaart mrt. 2026, OSM aug. 2021'``: the network and each
    destination's sources."""
    out = [network_source(manifest)]
    for cat in categories:
        src = destination_sources(voorzieningen, parts(vocab, cat))
        if src:
            out.append(f"{vocab.noun(cat)}: {src}")
    return "; ".join(x for x in out if x)


def walk_caption(
    vocab: Vocabulary,
    category: str,
    *,
    profile: str | None,
    manifest: Mapping[str, Any],
    voorzieningen: pd.DataFrame | None,
    measure: str = "Looptijd te voet van de woning",
) -> Caption:
    """The legend of a walking time or distance to the nearest voorziening of ``category``.

    ``measure`` is the start of the title (``'Loopafstand te voet'`` for a surface).
    """
    sub = [f"looptempo {vocab.profile_label(profile)}"]
    data = data_line(vocab, [category], manifest=manifest, voorzieningen=voorzieningen)
    if data:
        sub.append(data)
    return Caption(f"{measure} naar {destination(vocab, category)}", "; ".join(sub))


def share_caption(
    vocab: Vocabulary,
    combination: str,
    *,
    title: str,
    profile: str | None,
    manifest: Mapping[str, Any],
    voorzieningen: pd.DataFrame | None,
) -> Caption:
    """The legend of a share within the norm (a choropleth): ``title`` with the profile and data."""
    cats = COMBINATIONS.get(combination, (combination,))
    sub = [f"te voet, looptempo {vocab.profile_label(profile)}"]
    data = data_line(vocab, list(cats), manifest=manifest, voorzieningen=voorzieningen)
    if data:
        sub.append(data)
    return Caption(title, "; ".join(sub))


def voorzieningen_caption(voorzieningen: pd.DataFrame | None, categories: Iterable[str] | None = None) -> Caption:
    """The legend of the voorzieningen symbols: their sources and dates."""
    cats = (
        list(categories)
        if categories is not None
        else ([] if voorzieningen is None else voorzieningen["categorie"].dropna().unique().tolist())
    )
    src = destination_sources(voorzieningen, cats)
    return Caption("Voorzieningen", f"bron: {src}" if src else "")
