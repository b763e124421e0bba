"""The typed rows of a toets: what :class:`.model.ToetsResult` holds and ``toets.json`` writes.

Each record is a :class:`typing.TypedDict`: at run time a plain ``dict``, so the JSON output keeps its
keys and their order (the order in which the code that builds a record writes them). The keys are
the Dutch JSON keys of ``toets.json`` and ``toetsen.csv``, hence Dutch. Keys that only some records
have are ``NotRequired``.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

#: The two areas of a site that carry their own figures.
AreaLevel = Literal["buurt", "wijk"]


class ToetsInput(TypedDict):
    """``invoer``: the arguments of the toets as given."""

    adres: str | None
    punt: list[float] | None  # [lon, lat] in WGS84
    type: str
    omvang: int
    register: str | None


class SiteInfo(TypedDict):
    """``locatie``: how the site was found (:func:`.locate.locate_site`) and where it lies."""

    invoer: str
    label: str
    geocode_methode: Any  # the geocoder's method (a string; None when the geocoder gives none)
    geocode_precisie: str
    precisie_tekst: str
    geocode_afstand_m: float | None
    # an address only
    straat_huisnummer: NotRequired[str]
    postcode: NotRequired[str | None]
    plaats: NotRequired[str | None]
    straat_gezocht: NotRequired[str]  # a misspelt street and the one used instead
    straat_gebruikt: NotRequired[str | None]
    straat_gelijkenis: NotRequired[float | None]
    opmerking_plaats: NotRequired[str]
    # added once the point is known
    waarschuwing: NotRequired[str | None]
    x_rd: NotRequired[float]
    y_rd: NotRequired[float]
    lon: NotRequired[float]
    lat: NotRequired[float]
    gemeente: NotRequired[str]
    # added once the areas are known (:func:`.check.check_site`)
    buurtcode: NotRequired[str | None]
    buurtnaam: NotRequired[str | None]
    wijkcode: NotRequired[str | None]
    wijknaam: NotRequired[str | None]


class AccessRow(TypedDict):
    """One category of ``bereikbaarheid``: distance, time, nearest voorziening, count and verdict."""

    categorie: str
    label: str
    afstand_m: float | None
    minuten: float | None
    dichtstbij: str | None
    dichtstbij_id: str | None
    dichtstbij_bron: str | None
    aantal_binnen_norm: int
    binnen_norm: bool | None
    oordeel: str
    toelichting: str
    # added for the result (:func:`.check.check_site`): the profile and the norm
    profiel: NotRequired[str]
    profiel_label: NotRequired[str]
    snelheid_m_s: NotRequired[float]
    norm_m: NotRequired[float]


class WhatIfRow(TypedDict):
    """One row of ``wat_als``: an area's figure now and after the initiative opens."""

    gebied: str
    naam: str
    indicator: str
    eenheid: str
    nu: float | None
    na: float | None
    toelichting: str


class NearbyInitiative(TypedDict):
    """One of ``initiatieven_in_de_buurt``: an existing initiative near the site."""

    naam: str
    adres: str
    type: Any  # the type key (missing for an OSM location of unknown type)
    type_label: Any
    bron: Any  # ``register`` or ``osm``
    afstand_m: float


class RegisterRow(TypedDict):
    """A row of the register of existing initiatives as read (:func:`.locate.read_register`)."""

    regel: int
    naam: str
    adres: str
    type: str
    type_invoer: str
    geocode_precisie: str


class UnplacedRow(RegisterRow):
    """One of ``register_niet_geplaatst``: a register row that could not be placed, and why."""

    reden: str


class RefusedRow(TypedDict):
    """A row of a list (``toets --lijst``) that was not checked: what it said, the field and the reason."""

    regel: int  # the record number as a spreadsheet counts it (header = 1)
    regel_bestand: int  # the line of the file where the record starts
    naam: str
    invoer: str
    type: str
    omvang: int | str  # as given (text when it could not be read)
    veld: str
    reden: str
    type_label: NotRequired[str]  # added once the list is checked (:func:`.batch.check_list`)


class Inhabitants(TypedDict):
    """The inhabitants of the site's areas and the gemeente (:func:`.parts.inhabitants`), with sources."""

    wijk: float | None
    wijk_bron: str
    buurt: float | None
    buurt_bron: str
    gemeente: float | None


class AreaCounts(TypedDict):
    """Existing initiatives in one area of the site."""

    n: int
    n_zelfde_type: int
    per_1000: float


class RegionCounts(TypedDict):
    """The counts of part 1 (:func:`.parts.part_region`) that the what-if uses."""

    niet_geplaatst: int  # register rows not placed
    binnen_straal: dict[str, int]  # per threshold code (``zelfde_type_500m``, …): initiatives within its radius
    buurt: AreaCounts
    wijk: AreaCounts
    gemeente_n: int
    gemeente_per_1000: float


def area_inhabitants(inw: Inhabitants, level: AreaLevel) -> tuple[float | None, str]:
    """The inhabitants of the site's buurt or wijk and their source.

    >>> area_inhabitants({"wijk": 900.0, "wijk_bron": "CBS", "buurt": None, "buurt_bron": "", "gemeente": None}, "wijk")
    (900.0, 'CBS')
    """
    if level == "buurt":
        return inw["buurt"], inw["buurt_bron"]
    return inw["wijk"], inw["wijk_bron"]
