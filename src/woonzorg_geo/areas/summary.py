"""The schema of the run summary (``Analysis.summary``, written as ``samenvatting.json``), and its producer.

The summary is plain JSON: the :class:`~typing.TypedDict` classes below name its keys and the
types of their values once, so the producer (:func:`woonzorg_geo.areas.analysis.analyse`) and every reader (the text
summary and writer in :mod:`woonzorg_geo.run.pipeline`, the regional rows of ``regio``, the maps,
the store) share one schema instead of a convention. They add nothing to the JSON: the same keys,
the same values. Keys that a run adds later, or only sometimes, are ``NotRequired``.
"""

# no ``from __future__ import annotations``: the classes keep real annotations, so that
# ``__required_keys__`` knows which keys are ``NotRequired`` (the tests read the schema)
from typing import Any, NotRequired, TypedDict

from woonzorg_geo.core.records import AreaReport, CompletenessRecord, OwnListRecord


class GemeenteInfo(TypedDict):
    """``gemeente``: which gemeente the run is about and what delimits it (``[data] gemeente_vorm``)."""

    code: str
    naam: str
    begrensd_door: str


class NetworkSummary(TypedDict):
    """``netwerk``: the size of the walking network."""

    knopen: int
    segmenten: int
    lengte_km: float
    naden_gedicht: int
    trappen_segmenten: int


class Percentiles(TypedDict, total=False):
    """Percentiles of snapping distances (m, one decimal); empty when there is nothing to measure."""

    mediaan: float
    p90: float
    p99: float
    max: float


class Island(TypedDict):
    """One of the smaller islands of a profile's network."""

    knopen: int
    lengte_m: float


class ProfileSummary(TypedDict):
    """``profielen[naam]``: one walking profile's network, snapping and headline figures."""

    label: str
    kolomsuffix: str
    snelheid_m_s: float
    eilanden: int
    grootste_deel_pct_lengte: float
    kleinere_eilanden: list[Island]
    adressen_snap_m: Percentiles
    adressen_te_ver: int
    voorzieningen_snap_m: Percentiles
    voorzieningen_onbereikbaar: dict[str, int]
    adressen_alleen_via_trappen: int
    #: the gemeente's shares and distances (column name → value; None where unknown)
    gemeente: dict[str, float | None]
    #: per category, the distance surface within the norm (added when the surfaces are written)
    oppervlak: NotRequired[dict[str, dict[str, float]]]


class HomesSummary(TypedDict):
    """``woningen``: homes against address points and CBS dwellings (issue 19 §2)."""

    n_adressen: int
    n_woningen: int
    geen_woning_redenen: dict[str, int]
    woningen_cbs: float | None
    woningen_per_cbs: float | None
    band_per_cbs: list[float]
    wijken_buiten_band: list[dict[str, object]]


class GpListSummary(TypedDict, total=False):
    """``huisartsenlijst``: the GP list near the gemeente (empty without a list)."""

    in_gemeente: int
    in_rand: int
    precisie_in_gemeente: dict[str, int]
    pct_op_adres: float | None


class OverlaySummary(TypedDict, total=False):
    """``overlays``: draaglast, draagkracht and balans (empty without overlays)."""

    koppeling: Any
    ontbrekende_indicatoren: list[str]
    gevoeligheid_factor: float
    gevoeligheid_max_rangverschuiving: int
    gevoeligheid_varianten_met_verschuiving: int
    gevoeligheid_varianten: int
    focus_buurten: dict[str, int]
    veerkracht_buurten: dict[str, int]
    bronnen_ontbrekend: Any
    indicatoren_ontbrekend: Any
    schaling: str
    schaling_klassewijzigingen: dict[str, int]
    zonder_balans: bool
    herkomst_tekst: str
    herkomst: Any
    herkomst_kort: str
    min_dekking: float
    uitgeschakeld: list[str]


class RunSummary(TypedDict):
    """``samenvatting.json``: what one run of ``analyse`` computed, in brief."""

    overlays: OverlaySummary
    gemeente: GemeenteInfo
    #: where the settings came from
    instellingen: str
    norm_m: int
    hoofdprofiel: str
    #: where the OSM data came from
    bronnen: str
    netwerk: NetworkSummary
    adressen: int
    adressen_buiten_buurt_toegekend: int
    woningen: HomesSummary
    voorzieningen: dict[str, int]
    categorieen_zonder_voorzieningen: list[str]
    huisartsenlijst: GpListSummary
    #: OSM's completeness per category against an independent list (see :func:`.sources.independent_lists.completeness_records`)
    volledigheid: list[CompletenessRecord]
    profielen: dict[str, ProfileSummary]
    tijden_s: dict[str, float]
    #: category → why its shares are unknown (see :func:`.areas.unknown.mark_unknown_summary`)
    onbekend: NotRequired[dict[str, str]]
    #: the buurtvlakken's defects (see :func:`.sources.outlines.area_report`)
    buurtvlakken: NotRequired[AreaReport]
    #: the user's own lists of voorzieningen (see :data:`.sources.own_lists.RECORD_KEY`)
    eigen_voorzieningen: NotRequired[list[OwnListRecord]]


def record_own_lists(summary: RunSummary, records: list[OwnListRecord]) -> None:
    """Note the own lists (:func:`.sources.own_lists.lists_record`) in the summary, key ``eigen_voorzieningen``
    (:data:`.sources.own_lists.RECORD_KEY`): written with the rest of the output, in one step."""
    summary["eigen_voorzieningen"] = records


def gemeente_figures(summary: RunSummary, profile: str) -> dict[str, float | None]:
    """The gemeente's shares and distances for ``profile`` (a copy; empty when the summary lacks them)."""
    prof = summary.get("profielen", {}).get(profile)
    return dict(prof["gemeente"]) if prof and "gemeente" in prof else {}
