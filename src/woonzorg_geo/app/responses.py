"""The JSON the workbench's API answers with, one :class:`~typing.TypedDict` per answer.

The page (``app/static``) reads these keys; naming them here keeps :mod:`woonzorg_geo.app.api`,
:func:`woonzorg_geo.app.state.meta` and the page on one schema. A table's rows (wijken, buurten,
voorzieningen, homes) are :data:`Row`: one JSON object per row, its keys the table's columns.
"""

from collections.abc import Mapping
from typing import TypedDict

#: One row of a table as a JSON object: column → value (None where the table has no value).
Row = dict[str, object]


class Named(TypedDict):
    """Something the page offers to choose: its key and its Dutch label."""

    naam: str
    label: str


class Category(Named):
    """A category of voorzieningen with its map colour."""

    kleur: str


class CareType(TypedDict):
    """A type of care home the toets knows (``[toets.typen]``)."""

    naam: str
    label: str
    eenheid: str
    max_omvang: int


class NormRange(TypedDict):
    """The walking norm the page starts with and the range of its slider (m)."""

    standaard: float
    min: float
    max: float
    stap: float


class GemeenteRef(TypedDict):
    """The gemeente of the stored analysis."""

    code: str
    naam: str


class Meta(TypedDict):
    """``GET /api/meta``: what the page needs to build its controls."""

    gemeente: GemeenteRef
    #: ``[[south, west], [north, east]]`` of the gemeente and of its built-up part
    grenzen: list[list[float]]
    bebouwd: list[list[float]]
    indicatoren: list[Named]
    indicator_standaard: str
    profielen: list[Named]
    profiel_standaard: str
    norm: NormRange
    categorieen: list[Category]
    kleuren: dict[str, str]
    typen: list[CareType]
    netwerk_bron: str
    max_wijzigingen: int


class LegendItem(TypedDict):
    """One class of the map's legend."""

    kleur: str
    label: str


class IndicatorSources(TypedDict):
    """Where an indicator's voorzieningen and network come from."""

    voorzieningen: list[str]
    netwerk: str


class IndicatorAnswer(TypedDict):
    """``GET /api/indicator``: one indicator per wijk and buurt, at a norm and for a profile."""

    naam: str
    label: str
    naamwoord: str
    profiel: str
    profiel_label: str
    norm_m: float
    gemeente_pct: float | None
    legenda: list[LegendItem]
    bronnen: IndicatorSources
    wijken: list[Row]
    buurten: list[Row]


class AddressSuggestion(TypedDict):
    """One address suggested as the planner types."""

    adres: str
    lon: float
    lat: float


class AddressAnswer(TypedDict):
    """``GET /api/adressen``: the suggestions for what was typed."""

    zoek: str
    resultaten: list[AddressSuggestion]


class SearchAnswer(TypedDict):
    """``GET /api/voorzieningen``: the voorzieningen found (every one without a search text)."""

    zoek: str
    resultaten: list[Row]


class WhatIfAnswer(TypedDict):
    """``POST /api/watals``: per wijk and buurt before and after, and the homes whose access changes."""

    #: the what-if's own summary (see :class:`woonzorg_geo.whatif.engine.WhatIfResult`)
    samenvatting: Mapping[str, object]
    wijken: list[Row]
    buurten: list[Row]
    woningen: list[Row]
    woningen_afgekapt: bool
    n_woningen_toegang_veranderd: int


class CompareAnswer(TypedDict):
    """``POST /api/vergelijk``: two scenarios side by side per wijk, for one indicator."""

    indicator: str
    label: str
    profiel: str
    norm_m: float
    wijken: list[Row]
