"""The typed records of the package's JSON files shared across stages: ``manifest.json`` of every output
folder, and the parts of ``samenvatting.json`` that :mod:`.sources` writes (the buurtvlakken report, the
own lists).

TypedDicts, so the keys stay the files' own (Dutch) and the files stay as they were; the store's
index (``opslag.json``) has its records in :mod:`woonzorg_geo.run.store_format`.
"""

from __future__ import annotations

from typing import NotRequired, TypedDict

__all__ = [
    "AreaReport",
    "AreaRow",
    "CompletenessRecord",
    "DataEntry",
    "FileEntry",
    "GemeenteEntry",
    "Manifest",
    "OwnListRecord",
    "OwnerEntry",
]


class FileEntry(TypedDict):
    """One file of ``manifest.json``'s ``bestanden``: its size, SHA-256 and the command that wrote it."""

    bytes: int
    sha256: str
    opdracht: NotRequired[str]


class OwnerEntry(TypedDict):
    """The manifest's ``eigenaar``: the command that owns the folder and the gemeente it is about."""

    opdracht: str
    gemeente: str | None
    naam: str | None


class GemeenteEntry(TypedDict):
    """The gemeente of an analysis' manifest."""

    code: str
    naam: str


class DataEntry(TypedDict, total=False):
    """One dataset of an analysis' manifest (``gegevens``): its path, source and date."""

    pad: str
    bron: str
    datum: str
    #: how the run used it, where that is not the obvious (the gemeentegrens beside the buurten)
    gebruik: str


class Manifest(TypedDict, total=False):
    """``manifest.json`` of an output folder; the keys are the file's (Dutch), each command writes its part.

    An analysis writes ``programma`` … ``gegevens`` (:func:`.outputs.manifest.run_manifest`); maps and
    figures ``bron`` (the analysis folder) and ``gemeente`` (a name), figures also ``formaat`` and
    ``dpi``; a region ``programma``, ``regio`` and ``gemeenten``. :func:`staged_dir` adds ``bestanden``
    and ``eigenaar``.
    """

    programma: str
    gemaakt: str
    gemeente: GemeenteEntry | str
    instellingen: str
    profielen: list[str]
    norm_m: float
    #: per dataset its entry; an online run: ``{"bron": <the service>}``
    gegevens: dict[str, DataEntry] | dict[str, str]
    bron: str
    formaat: str
    dpi: int
    regio: str
    gemeenten: list[str]
    bestanden: dict[str, FileEntry]
    eigenaar: OwnerEntry


class AreaRow(TypedDict):
    """One buurt of the buurtvlakken report (:func:`.sources.outlines.area_report`)."""

    code: str
    naam: str
    vlak_m2: int
    adressen: int
    adressen_buiten_buurtvlak: int
    #: only in ``te_klein``: the vlak is a sliver (else: too many addresses for its size)
    snipper: NotRequired[bool]


class AreaReport(TypedDict):
    """``samenvatting.json``'s ``buurtvlakken``: addresses outside every buurtvlak and the defective vlakken."""

    adressen_buiten_buurtvlak: int
    naar_snipper: int
    naar_dichtstbij: int
    adressen_via_gemeente_en_wijkgrens: int
    zonder_geometrie: list[AreaRow]
    te_klein: list[AreaRow]
    toegekend: list[AreaRow]
    meldingen: NotRequired[list[str]]


class OwnListRecord(TypedDict):
    """One own list of voorzieningen as an output records it (``eigen_voorzieningen``): file name and SHA-256."""

    bestand: str
    sha256: str


class CompletenessRecord(TypedDict):
    """``samenvatting.json``'s ``volledigheid``: per category how much of an independent list OSM holds."""

    categorie: str
    lijst: str
    n_lijst: int
    n_osm_gevonden: int
    n_osm: int
    #: ``n_osm_gevonden / n_lijst`` rounded to 3 decimals; None without list rows
    aandeel_osm: float | None
    tekst: str
