"""Settings: frozen dataclasses loaded from TOML, validated where they enter."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import os
import re
import tomllib
import typing
from collections.abc import Collection
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from woonzorg_geo.core.errors import MissingDataError, SettingsError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_D = TypeVar("_D", bound="DataclassInstance")

DEFAULT_SETTINGS = "instellingen.toml"
DEFAULT_CATEGORIES = "voorzieningen.toml"
#: What delimits the gemeente (see ``[data] gemeente_vorm`` in the settings).
GEMEENTE_VORMEN = ("gemeentegrens", "buurten")


@dataclass(frozen=True)
class Gemeente:
    """The gemeente to analyse."""

    code: str = "GM0106"
    naam: str = "Assen"


@dataclass(frozen=True)
class DataSettings:
    """Where the raw data lives."""

    raw_dir: str = ""
    gemeentegrens: str = ""
    buurten: str = ""
    wijken: str = ""
    kerncijfers: str = ""
    osm_tiles: str = ""
    gtfs_stops: str = ""
    treinstations: str = ""
    huisartsen: str = ""
    pc4: str = ""
    huisartsen_adres: str = "adres"
    huisartsen_postcode: str = "postcode"
    huisartsen_plaats: str = "stad"
    huisartsen_naam: str = "naam"
    gemeente_vorm: str = "gemeentegrens"
    apotheken: str = ""
    supermarkten_ketens: str = ""
    apotheekhoudende_huisartsen: bool = True
    apotheekhoudend_naam: tuple[str, ...] = ("apotheekhoudend", "met apotheek")
    apotheken_uitsluiten: tuple[str, ...] = ()


@dataclass(frozen=True)
class NetworkSettings:
    """How the walking network is built."""

    walk_classes: tuple[str, ...] = ()
    seam_tolerance_m: float = 1.0
    node_precision_m: float = 0.01
    margin_m: float = 2000.0
    foot_excluded: tuple[str, ...] = ("no",)
    access_excluded: tuple[str, ...] = ("no", "private")
    foot_allowed: tuple[str, ...] = ("yes", "designated", "permissive")


@dataclass(frozen=True)
class Profile:
    """A walking profile: speed and what it avoids."""

    name: str
    label: str
    speed_m_s: float
    avoid_steps: bool = False


@dataclass(frozen=True)
class Composite:
    """A composite category: the nearer of its parts (OV = bus stop or train station)."""

    name: str
    label: str = ""
    delen: tuple[str, ...] = ()
    bron: str = ""


@dataclass(frozen=True)
class AccessibilitySettings:
    """Norms for the accessibility step."""

    norm_m: float = 800.0
    count_radii_m: tuple[float, ...] = (400.0, 800.0)
    max_snap_m: float = 500.0
    categories: tuple[str, ...] = ()
    kerncategorieen: tuple[str, ...] = ()
    samengesteld: tuple[Composite, ...] = ()


def _build_accessibility(table: dict[str, Any], where: str) -> AccessibilitySettings:
    flat = {k: v for k, v in table.items() if k != "samengesteld"}
    base = build_settings(AccessibilitySettings, flat, where)
    if base.norm_m <= 0:
        raise SettingsError(
            f"{where}.norm_m moet groter dan 0 zijn, kreeg {base.norm_m}. Oplossing: geef de loopnorm in meters, "
            "bijv. norm_m = 800"
        )
    if base.norm_m != int(base.norm_m):
        raise SettingsError(
            f"{where}.norm_m moet een geheel aantal meters zijn (kolomnamen als pct_drie_a_800m), kreeg "
            f"{base.norm_m}. Oplossing: rond af op hele meters, bijv. norm_m = 800"
        )
    comps = []
    for name, vals in table.get("samengesteld", {}).items():
        w = f"{where}.samengesteld.{name}"
        comp = build_settings(Composite, {**vals, "name": name}, w)
        unknown = [p for p in comp.delen if p not in base.categories]
        if not comp.delen or unknown:
            raise SettingsError(
                f"{w}.delen: {unknown or 'leeg'}; elk deel moet in "
                f"{where}.categories staan ({', '.join(base.categories)})"
            )
        if name in base.categories:
            raise SettingsError(f"{w}: de naam {name!r} is al een gewone categorie; kies een andere naam")
        comps.append(comp)
    known = {*base.categories, *(c.name for c in comps)}
    unknown_key = [c for c in base.kerncategorieen if c not in known]
    if unknown_key:
        raise SettingsError(f"{where}.kerncategorieen: onbekend {unknown_key}; kies uit {', '.join(sorted(known))}")
    return dataclasses.replace(base, samengesteld=tuple(comps))


@dataclass(frozen=True)
class PlausibilitySettings:
    """Plausibility checks on every input that reaches the headline figures."""

    max_afstand_km: float = 100.0
    max_aandeel_ver: float = 0.5
    max_aandeel_buiten_buurt: float = 0.02
    tegel_rand_m: float = 25.0
    gat_vullen_m2: float = 100.0
    buurt_max_afstand_m: float = 700.0
    snipper_max_m2: float = 1000.0
    snipper_raakt_m: float = 50.0
    buurt_max_adressen_per_ha: float = 300.0
    lijst_max_aandeel_leeg: float = 0.1
    lijst_min_aandeel_geplaatst: float = 0.5
    lijst_min_rijen_plaats: int = 3
    lijst_min_deel_van_osm: float = 0.25
    lijst_min_osm: int = 3
    max_daling_vorige_run: float = 0.5
    min_aantal_vorige_run: int = 5
    min_aandeel_volledig: float = 0.5


@dataclass(frozen=True)
class HomeSettings:
    """Which address points count as a home (woning); see :mod:`.sources.woningen` and ``[woningen]``."""

    landgebruik_geen_woning: tuple[str, ...] = ("industrial", "commercial", "retail", "military")
    camping_klassen: tuple[str, ...] = ("campsite",)
    camping_straal_m: float = 150.0
    poi_klassen_geen_woning: tuple[str, ...] = ()
    poi_afstand_m: float = 3.0
    band_per_cbs: tuple[float, float] = (0.85, 1.25)


@dataclass(frozen=True)
class RegioSettings:
    """Runs of many gemeenten at once (``woonzorg-geo regio``).

    Every wait of a run is bounded: ``verbinden_s`` for reaching a scheduler and hearing that it is
    a Dask scheduler; ``herstarts`` times a gemeente whose worker was lost is started again (the
    local cluster's ``allowed_failures``); ``zonder_workers_s`` for a cluster without any worker;
    ``stilstand_s`` for a run in which no task finishes. Sources and reasoning: ``[regio]`` in
    instellingen.toml.
    """

    ratio_max_z: float = 3.5
    ratio_min_afwijking: float = 0.05
    ratio_min_gemeenten: int = 5
    workers: int = 0
    verbinden_s: float = 15.0
    herstarts: int = 1
    zonder_workers_s: float = 120.0
    stilstand_s: float = 1800.0


@dataclass(frozen=True)
class OnlineSettings:
    """Waiting and retrying for every online service (PDOK CBS, PDOK Locatieserver, Overpass).

    ``timeout_s`` is the longest wait for an answer, per request (and Overpass's own query time
    limit); ``pogingen`` the number of attempts for an answer HTTP 429/500/502/503/504, with waits of
    ``wachttijd_s``, 2 × ``wachttijd_s``, … (or the server's Retry-After) of at most
    ``max_wachttijd_s``; a longer Retry-After is reported instead of waited for. A service that does
    not answer at all is not asked again. Sources and reasoning: ``[online]`` in instellingen.toml.
    """

    timeout_s: float = 60.0
    pogingen: int = 3
    wachttijd_s: float = 1.0
    max_wachttijd_s: float = 60.0


@dataclass(frozen=True)
class MapSettings:
    """How the maps, figures and QGIS styles present the results (``[kaarten]``).

    ``min_adressen``: an area with fewer addresses is drawn in a lighter tone (its share rests on
    few homes); ``bebouwd_kwantiel``: the maps and figures of the gemeente open on the extent of its
    addresses with this share cut off at each side in x and y (outlying farms and hamlets), so the
    town fills the view. Sources and reasoning: ``[kaarten]`` in instellingen.toml.
    """

    min_adressen: int = 50
    bebouwd_kwantiel: float = 0.02


@dataclass(frozen=True)
class SearchSettings:
    """The typo-tolerant search of voorzieningen by name, address or id (:mod:`.sources.zoeken`, ``[zoeken]``).

    ``min_score``: a match scores 0-100 (rapidfuzz's WRatio); below this it is not offered.
    ``max_resultaten``: at most this many matches are listed. ``adres_straat_m`` and
    ``adres_huisnummer_m``: how far a point's street and house number may lie when its address is
    put together (:mod:`.sources.adressen`). Sources and reasoning: ``[zoeken]`` in instellingen.toml.
    """

    min_score: float = 72.0
    max_resultaten: int = 10
    adres_straat_m: float = 75.0
    adres_huisnummer_m: float = 30.0


@dataclass(frozen=True)
class RasterSettings:
    """Accessibility surfaces."""

    cell_m: float = 25.0
    max_snap_m: float = 150.0


@dataclass(frozen=True)
class OverlayIndicator:
    """One indicator of an overlay index, with its direction, weight and source."""

    kolom: str
    label: str = ""
    richting: int = 1
    gewicht: float = 1.0
    bron: str = ""
    reden: str = ""
    #: For a column of the accessibility step: the walking profile it is measured on. The column
    #: gets that profile's suffix in the run (none when it is the main profile); see
    #: :meth:`woonzorg_geo.core.vocabulary.Vocabulary.resolve_indicator`. Empty: a column as named.
    profiel: str = ""
    #: Switch: ``False`` leaves the indicator out of the index (it is listed as switched off, with ``reden``).
    aan: bool = True
    #: What in the municipality's report the role (load or capacity) and weight rest on.
    rapport: str = ""
    #: The smallest spread that counts as a real difference, in the indicator's own unit (scaling
    #: ``z_vloer``: the spread used is at least this); 0: none. Its reasoning belongs in ``reden``.
    vloer: float = 0.0
    #: A fixed centre instead of the gemeente's mean (e.g. a national share), with its source; for
    #: an indicator the report gives for a few wijken only, whose mean would say nothing.
    referentie: float | None = None
    referentie_bron: str = ""
    #: The same figure under its name in CBS's online Wijken en Buurten (PDOK): where the wijken of a
    #: run carry it (``--online``), its values are used before the report's (all wijken, one source).
    cbs_kolom: str = ""


@dataclass(frozen=True)
class OverlaySettings:
    """Draaglast/draagkracht indices and the focus/veerkracht classes."""

    wijkcijfers: str = ""
    buurtsignalen: str = ""
    feiten: str = ""
    bron_rapport: str = ""
    min_gewicht_aandeel: float = 0.5
    min_dekking: float = 0.75
    schaling: str = "z_vloer"
    schaling_alternatieven: tuple[str, ...] = ("z", "rang")
    herkomst_rapport: str = "volgens de tabellen van het rapport (2024)"
    balans_grenzen: tuple[float, ...] = (-1.0, -0.33, 0.33, 1.0)
    balans_labels: tuple[str, ...] = ()
    focus_draaglast_z: float = 0.5
    gevoeligheid: float = 0.2
    niet_gemodelleerd_draaglast: tuple[str, ...] = ()
    niet_gemodelleerd_draagkracht: tuple[str, ...] = ()
    draaglast: tuple[OverlayIndicator, ...] = ()
    draagkracht: tuple[OverlayIndicator, ...] = ()
    #: Indicators of the settings switched off (``aan = false``): listed with their reason, not counted.
    uitgeschakeld: tuple[OverlayIndicator, ...] = ()


#: The scalings of the overlay indicators (see :mod:`woonzorg_geo.areas.overlays.scaling`).
SCALINGS = ("z", "z_vloer", "rang")


def _build_overlays(table: dict[str, Any], where: str) -> OverlaySettings:
    flat = {k: v for k, v in table.items() if k not in ("draaglast", "draagkracht", "uitgeschakeld")}
    base = build_settings(OverlaySettings, flat, where)
    indicators: dict[str, tuple[OverlayIndicator, ...]] = {}
    off: list[OverlayIndicator] = []
    for kind in ("draaglast", "draagkracht"):
        items: list[OverlayIndicator] = []
        for i, item in enumerate(table.get(kind, [])):
            ind = build_settings(OverlayIndicator, item, f"{where}.{kind}[{i}]")
            if ind.richting not in (1, -1):
                raise SettingsError(f"{where}.{kind}[{i}].richting moet 1 of -1 zijn, kreeg {ind.richting}")
            if ind.gewicht < 0:
                raise SettingsError(f"{where}.{kind}[{i}].gewicht mag niet negatief zijn")
            if ind.vloer < 0:
                raise SettingsError(f"{where}.{kind}[{i}].vloer mag niet negatief zijn")
            if ind.referentie is not None and (
                isinstance(ind.referentie, bool)
                or not isinstance(ind.referentie, (int, float))
                or not math.isfinite(ind.referentie)
            ):
                raise SettingsError(f"{where}.{kind}[{i}].referentie moet een getal zijn, kreeg {ind.referentie!r}")
            (items if ind.aan else off).append(ind)
        indicators[kind] = tuple(items)
    for name in (base.schaling, *base.schaling_alternatieven):
        if name not in SCALINGS:
            raise SettingsError(f"{where}: onbekende schaling {name!r}; kies uit {', '.join(SCALINGS)}")
    if not 0 <= base.min_dekking <= 1:
        raise SettingsError(
            f"{where}.min_dekking moet tussen 0 en 1 liggen (0,75 = drie kwart), kreeg {base.min_dekking}"
        )
    if len(base.balans_labels) != len(base.balans_grenzen) + 1:
        raise SettingsError(f"{where}: balans_labels moet één label meer hebben dan balans_grenzen")
    if list(base.balans_grenzen) != sorted(base.balans_grenzen):
        raise SettingsError(f"{where}: balans_grenzen moeten oplopen")
    return dataclasses.replace(
        base, draaglast=indicators["draaglast"], draagkracht=indicators["draagkracht"], uitgeschakeld=tuple(off)
    )


@dataclass(frozen=True)
class Criterion:
    """One scored criterion of the candidate sites: a piecewise-linear curve, a weight, a source."""

    name: str
    label: str = ""
    punten: tuple[tuple[float, float], ...] = ()
    gewicht: float = 1.0
    bron: str = ""
    reden: str = ""


@dataclass(frozen=True)
class ExclusionClass:
    """A kind of land that is no place for geclusterd wonen, as OpenMapTiles classes per layer.

    ``landuse``, ``landcover`` and ``water``/``park`` hold ``class`` values of those layers,
    ``landcover_subklasse`` the ``subclass`` values of ``landcover``; ``lijnen`` holds
    ``transportation`` classes whose lines exclude every cell they cross.
    """

    name: str
    label: str = ""
    landuse: tuple[str, ...] = ()
    landcover: tuple[str, ...] = ()
    landcover_subklasse: tuple[str, ...] = ()
    park: tuple[str, ...] = ()
    water: tuple[str, ...] = ()
    lijnen: tuple[str, ...] = ()
    reden: str = ""

    @property
    def polygon_layers(self) -> dict[str, tuple[str, str, tuple[str, ...]]]:
        """``{key: (layer, column, values)}`` of the polygon rules that are set."""
        rules = {
            "landuse": ("landuse", "class", self.landuse),
            "landcover": ("landcover", "class", self.landcover),
            "landcover_subklasse": ("landcover", "subclass", self.landcover_subklasse),
            "park": ("park", "class", self.park),
            "water": ("water", "class", self.water),
        }
        return {k: v for k, v in rules.items() if v[2]}


@dataclass(frozen=True)
class SiteSettings:
    """Candidate search areas for geclusterd wonen."""

    cel_m: float = 100.0
    bebouwd_min_adressen: int = 3
    bebouwd_straal_m: float = 150.0
    uitsluiten_aandeel: float = 0.5
    uitsluiten: tuple[ExclusionClass, ...] = ()
    bedrijventerrein_naam: str = ""
    bedrijventerrein_landuse: tuple[str, ...] = ()
    bedrijventerrein_aandeel: float = 0.5
    winkel_poi_klassen: tuple[str, ...] = ()
    winkelgebied_straal_m: float = 150.0
    winkelgebied_min_winkels: int = 10
    winkelkern_winkels_per_ha: float = 0.0
    winkelcentrum_straal_m: float = 150.0
    winkelcentrum_min_winkels: int = 4
    winkelcentrum_supermarkt: tuple[str, ...] = ("supermarkt",)
    school_straal_m: float = 150.0
    school_categorieen: tuple[str, ...] = ("school", "kinderopvang")
    school_poi_subklassen: tuple[str, ...] = ("school", "college", "kindergarten")
    zorglocatie_straal_m: float = 50.0
    zorglocatie_categorieen: tuple[str, ...] = ("woonzorg",)
    referentie_type: str = "geclusterd_wonen"
    referentie_omvang: int = 24
    toets_regel: str = "uitsluiten"
    woonterrein_landuse: tuple[str, ...] = ()
    max_snap_m: float = 150.0
    profiel: str = "senior"
    zoekgebied_delta: float = 0.05
    zoekgebied_max_cellen: int = 9
    zorg_categorieen: tuple[str, ...] = ()
    gevoeligheid: float = 0.2
    gevoeligheid_top: int = 10
    criteria: tuple[Criterion, ...] = ()


def _strings(value: tuple[Any, ...], where: str) -> None:
    if any(not isinstance(v, str) or not v for v in value):
        raise SettingsError(f"{where}: verwacht een lijst met namen (tekst), kreeg {list(value)!r}")


def _build_exclusions(table: dict[str, Any], where: str) -> tuple[ExclusionClass, ...]:
    out = []
    for name, vals in table.items():
        w = f"{where}.uitsluiten.{name}"
        if not isinstance(vals, dict):
            raise SettingsError(f"{w}: verwacht een tabel [locaties.uitsluiten.{name}], kreeg {vals!r}")
        cls = build_settings(ExclusionClass, {**vals, "name": name}, w)
        for f in ("landuse", "landcover", "landcover_subklasse", "park", "water", "lijnen"):
            _strings(getattr(cls, f), f"{w}.{f}")
        if not cls.polygon_layers and not cls.lijnen:
            continue  # every list empty: the class is switched off
        out.append(dataclasses.replace(cls, label=cls.label or name))
    return tuple(out)


def _build_sites(table: dict[str, Any], where: str) -> SiteSettings:
    flat = {k: v for k, v in table.items() if k not in ("criteria", "uitsluiten")}
    base = build_settings(SiteSettings, flat, where)
    crits = []
    for name, vals in table.get("criteria", {}).items():
        w = f"{where}.criteria.{name}"
        pts = vals.get("punten", [])
        try:
            pts_t = tuple((float(a), float(b)) for a, b in pts)
        except (TypeError, ValueError):
            raise SettingsError(f"{w}.punten: verwacht [[waarde, score], ...], kreeg {pts!r}") from None
        if len(pts_t) < 2 or any(b1 <= a1 for (a1, _), (b1, _) in itertools.pairwise(pts_t)):
            raise SettingsError(f"{w}.punten: minstens twee punten met oplopende waarden")
        if any(not 0.0 <= sc <= 1.0 for _, sc in pts_t):
            raise SettingsError(f"{w}.punten: scores moeten tussen 0 en 1 liggen")
        crit = build_settings(Criterion, {**vals, "name": name, "punten": ()}, w)
        if crit.gewicht < 0:
            raise SettingsError(f"{w}.gewicht mag niet negatief zijn")
        crits.append(dataclasses.replace(crit, punten=pts_t))
    if not 0 <= base.zoekgebied_delta <= 1:
        raise SettingsError(f"{where}.zoekgebied_delta moet tussen 0 en 1 liggen")
    if base.zoekgebied_max_cellen < 1:
        raise SettingsError(f"{where}.zoekgebied_max_cellen moet minstens 1 zijn")
    if base.toets_regel not in ("uitsluiten", "lager", "uit"):
        raise SettingsError(
            f"{where}.toets_regel moet 'uitsluiten', 'lager' of 'uit' zijn, kreeg {base.toets_regel!r}. "
            'Oplossing: zet toets_regel = "uitsluiten" in [locaties]'
        )
    if base.referentie_omvang < 1:
        raise SettingsError(
            f"{where}.referentie_omvang moet minstens 1 zijn, kreeg {base.referentie_omvang}. "
            "Oplossing: geef het aantal woningen van het referentie-initiatief, bijv. referentie_omvang = 24"
        )
    for key in ("uitsluiten_aandeel", "bedrijventerrein_aandeel"):
        if not 0 < getattr(base, key) <= 1:
            raise SettingsError(f"{where}.{key} moet groter dan 0 en hoogstens 1 zijn, kreeg {getattr(base, key)}")
    if not 0 < base.gevoeligheid < 1:
        raise SettingsError(f"{where}.gevoeligheid moet tussen 0 en 1 liggen (0,2 = ±20%), kreeg {base.gevoeligheid}")
    if base.gevoeligheid_top < 1:
        raise SettingsError(f"{where}.gevoeligheid_top moet minstens 1 zijn")
    if base.winkelkern_winkels_per_ha < 0:
        raise SettingsError(f"{where}.winkelkern_winkels_per_ha mag niet negatief zijn (0 = niet gebruiken)")
    if base.winkelgebied_min_winkels < 1 or base.winkelgebied_straal_m <= 0:
        raise SettingsError(f"{where}: winkelgebied_min_winkels moet minstens 1 en winkelgebied_straal_m > 0 zijn")
    for key in ("bedrijventerrein_landuse", "winkel_poi_klassen", "woonterrein_landuse", "zorg_categorieen"):
        _strings(getattr(base, key), f"{where}.{key}")
    try:
        re.compile(base.bedrijventerrein_naam)
    except re.error as exc:
        raise SettingsError(
            f"{where}.bedrijventerrein_naam: geen geldige reguliere expressie ({exc}); "
            'bijvoorbeeld "bedrijventerrein|industrieterrein"'
        ) from None
    uit = table.get("uitsluiten", {})
    if not isinstance(uit, dict):
        raise SettingsError(f"{where}.uitsluiten: verwacht tabellen [locaties.uitsluiten.<naam>], kreeg {uit!r}")
    return dataclasses.replace(base, criteria=tuple(crits), uitsluiten=_build_exclusions(uit, where))


@dataclass(frozen=True)
class Settings:
    """All settings of one run."""

    gemeente: Gemeente = field(default_factory=Gemeente)
    data: DataSettings = field(default_factory=DataSettings)
    netwerk: NetworkSettings = field(default_factory=NetworkSettings)
    profielen: dict[str, Profile] = field(default_factory=dict)
    bereikbaarheid: AccessibilitySettings = field(default_factory=AccessibilitySettings)
    raster: RasterSettings = field(default_factory=RasterSettings)
    overlays: OverlaySettings = field(default_factory=OverlaySettings)
    locaties: SiteSettings = field(default_factory=SiteSettings)
    plausibiliteit: PlausibilitySettings = field(default_factory=PlausibilitySettings)
    woningen: HomeSettings = field(default_factory=HomeSettings)
    online: OnlineSettings = field(default_factory=OnlineSettings)
    regio: RegioSettings = field(default_factory=RegioSettings)
    kaarten: MapSettings = field(default_factory=MapSettings)
    zoeken: SearchSettings = field(default_factory=SearchSettings)
    source: str = "<standaard>"

    def profile(self, name: str, *, option: str | None = None) -> Profile:
        """Return the walking profile called ``name``; an unknown one is a :class:`SettingsError` naming
        ``option`` (the command-line option or setting it came from), the known profiles and the fix."""
        try:
            return self.profielen[name]
        except KeyError:
            known = ", ".join(sorted(self.profielen))
            opt = f"{option} " if option else ""
            raise SettingsError(
                f"{opt}onbekend profiel {name!r} (instellingen: {self.source}). Oplossing: kies uit: {known}, of "
                "voeg het profiel toe als tabel [profielen.<naam>] in een eigen instellingenbestand (--instellingen)"
            ) from None


_TYPE_NAMES = {str: "tekst", float: "getal", int: "geheel getal", bool: "true/false"}
_TYPE_FIXES = {
    str: 'zet de tekst tussen aanhalingstekens, bijv. "senior"',
    float: "schrijf een eindig getal zonder aanhalingstekens en met een punt als decimaalteken, bijv. 800 of 0.76",
    int: "schrijf een geheel getal zonder aanhalingstekens, bijv. 4",
    bool: "schrijf true of false, zonder aanhalingstekens",
}


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` against a type hint (str, float, int, bool, tuple[X, ...], nested tuples)."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, (list, tuple)):
            raise SettingsError(
                f"{where}: verwacht een lijst, kreeg {value!r}. Oplossing: schrijf een lijst tussen rechte haken, "
                'bijv. [400, 800] of ["a", "b"]'
            )
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise SettingsError(
                f"{where}: verwacht {len(args)} elementen, kreeg {value!r}. Oplossing: geef precies {len(args)} "
                "waarden tussen rechte haken"
            )
        return tuple(_coerce(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True)))
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint in (str, bool):
        if isinstance(value, hint):
            return value
    else:
        return value
    raise SettingsError(
        f"{where}: verwacht {_TYPE_NAMES.get(hint, str(hint))}, kreeg {value!r}. Oplossing: {_TYPE_FIXES.get(hint, '')}"
    )


def build_settings(cls: type[_D], table: dict[str, Any], where: str) -> _D:
    """Build a frozen dataclass from a TOML table, refusing unknown keys and values of the wrong type."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = set(table) - set(names)
    if unknown:
        raise SettingsError(
            f"{where}: onbekende sleutel(s) {sorted(unknown)}. Oplossing: controleer de spelling; toegestaan: "
            f"{sorted(names)}"
        )
    kwargs = {key: _coerce(value, hints[key], f"{where}.{key}") for key, value in table.items()}
    return cls(**kwargs)


def _check(ok: bool, where: str, problem: str, fix: str) -> None:
    if not ok:
        raise SettingsError(f"{where}: {problem}. Oplossing: {fix}")


def validate_settings(settings: Settings, *, known_categories: Collection[str] | None = None) -> None:
    """Refuse settings that make no sense: every value that reaches a headline figure is checked.

    Raises
    ------
    SettingsError
        Naming the setting, the problem and the fix.
    """
    w = settings.source
    acc = settings.bereikbaarheid
    _check(
        0 < acc.norm_m <= 5000,
        f"{w}:bereikbaarheid.norm_m",
        f"{acc.norm_m} ligt niet tussen 0 en 5000 m",
        "geef een loopafstand in meters, bijv. 800",
    )
    _check(
        0 < acc.max_snap_m <= 2000,
        f"{w}:bereikbaarheid.max_snap_m",
        f"{acc.max_snap_m} ligt niet tussen 0 en 2000 m",
        "bijv. 500",
    )
    _check(
        all(0 < r <= 5000 for r in acc.count_radii_m),
        f"{w}:bereikbaarheid.count_radii_m",
        f"{list(acc.count_radii_m)}: elke straal moet tussen 0 en 5000 m liggen",
        "bijv. [400, 800]",
    )
    _check(
        len(acc.categories) > 0 and len(set(acc.categories)) == len(acc.categories),
        f"{w}:bereikbaarheid.categories",
        "leeg of met dubbele namen",
        "noem elke categorie één keer",
    )
    if known_categories is not None:
        unknown = [c for c in acc.categories if c not in known_categories]
        _check(
            not unknown,
            f"{w}:bereikbaarheid.categories",
            f"onbekende categorie(ën) {unknown}",
            f"kies uit {sorted(known_categories)} (voorzieningen.toml)",
        )
    for prof in settings.profielen.values():
        _check(
            0.1 <= prof.speed_m_s <= 3.0,
            f"{w}:profielen.{prof.name}.speed_m_s",
            f"{prof.speed_m_s} m/s is geen looptempo",
            "geef een snelheid tussen 0,1 en 3 m/s, bijv. 0.76",
        )
    _check(len(settings.profielen) > 0, f"{w}:profielen", "geen profielen", "definieer minstens één profiel")
    net = settings.netwerk
    _check(len(net.walk_classes) > 0, f"{w}:netwerk.walk_classes", "leeg", "noem de beloopbare klassen")
    _check(
        0 <= net.seam_tolerance_m <= 10,
        f"{w}:netwerk.seam_tolerance_m",
        f"{net.seam_tolerance_m} ligt niet tussen 0 en 10 m",
        "bijv. 1",
    )
    _check(
        0 < net.node_precision_m <= 1,
        f"{w}:netwerk.node_precision_m",
        f"{net.node_precision_m} ligt niet tussen 0 en 1 m",
        "bijv. 0.01",
    )
    _check(
        0 <= net.margin_m <= 20000,
        f"{w}:netwerk.margin_m",
        f"{net.margin_m} ligt niet tussen 0 en 20000 m",
        "bijv. 2000",
    )
    ras = settings.raster
    _check(1 <= ras.cell_m <= 1000, f"{w}:raster.cell_m", f"{ras.cell_m} ligt niet tussen 1 en 1000 m", "bijv. 25")
    _check(
        0 < ras.max_snap_m <= 2000,
        f"{w}:raster.max_snap_m",
        f"{ras.max_snap_m} ligt niet tussen 0 en 2000 m",
        "bijv. 150",
    )
    _check(
        settings.data.gemeente_vorm in GEMEENTE_VORMEN,
        f"{w}:data.gemeente_vorm",
        f"onbekende waarde {settings.data.gemeente_vorm!r}",
        f"kies uit {', '.join(GEMEENTE_VORMEN)}",
    )
    wo = settings.woningen
    lo, hi = wo.band_per_cbs
    _check(
        0 < lo < 1 < hi,
        f"{w}:woningen.band_per_cbs",
        f"[{lo}, {hi}] is geen band rond 1 woning per CBS-woning",
        "geef een ondergrens onder 1 en een bovengrens boven 1, bijv. [0.85, 1.25]",
    )
    for key in ("camping_straal_m", "poi_afstand_m"):
        val = getattr(wo, key)
        _check(
            0 <= val <= 2000,
            f"{w}:woningen.{key}",
            f"{val} ligt niet tussen 0 en 2000 m",
            "bijv. 150; 0 zet de regel uit",
        )
    pl = settings.plausibiliteit
    _check(0 < pl.max_afstand_km, f"{w}:plausibiliteit.max_afstand_km", "moet > 0 zijn", "bijv. 30")
    _check(
        0 <= pl.gat_vullen_m2 <= 1e6,
        f"{w}:plausibiliteit.gat_vullen_m2",
        f"{pl.gat_vullen_m2} ligt niet tussen 0 en 1.000.000 m²",
        "bijv. 100",
    )
    _check(
        0 <= pl.tegel_rand_m <= 500,
        f"{w}:plausibiliteit.tegel_rand_m",
        f"{pl.tegel_rand_m} ligt niet tussen 0 en 500 m",
        "bijv. 25",
    )
    for key, hi, hint in (
        ("buurt_max_afstand_m", 10_000, "een afstand in meters, bijv. 700"),
        ("snipper_max_m2", 1_000_000, "een oppervlakte in m², bijv. 1000"),
        ("snipper_raakt_m", 1_000, "een afstand in meters, bijv. 50"),
        ("buurt_max_adressen_per_ha", 100_000, "adressen per hectare, bijv. 300"),
    ):
        val = getattr(pl, key)
        _check(0 <= val <= hi, f"{w}:plausibiliteit.{key}", f"{val:g} ligt niet tussen 0 en {hi}", hint)
    for key in (
        "max_aandeel_ver",
        "max_aandeel_buiten_buurt",
        "lijst_max_aandeel_leeg",
        "lijst_min_aandeel_geplaatst",
        "lijst_min_deel_van_osm",
        "max_daling_vorige_run",
        "min_aandeel_volledig",
    ):
        val = getattr(pl, key)
        _check(0 <= val <= 1, f"{w}:plausibiliteit.{key}", f"{val} ligt niet tussen 0 en 1", "een aandeel, bijv. 0.02")
    for key in ("lijst_min_rijen_plaats", "lijst_min_osm", "min_aantal_vorige_run"):
        val = getattr(pl, key)
        _check(1 <= val <= 100_000, f"{w}:plausibiliteit.{key}", f"{val} ligt niet tussen 1 en 100000", "bijv. 3")
    on = settings.online
    _check(
        1 <= on.timeout_s <= 1800,
        f"{w}:online.timeout_s",
        f"{on.timeout_s} ligt niet tussen 1 en 1800 s",
        "de langste wachttijd op een antwoord in seconden, bijv. 60",
    )
    _check(
        1 <= on.pogingen <= 10,
        f"{w}:online.pogingen",
        f"{on.pogingen} ligt niet tussen 1 en 10",
        "het aantal pogingen bij een storing, bijv. 3",
    )
    _check(
        0 <= on.wachttijd_s <= on.max_wachttijd_s,
        f"{w}:online.wachttijd_s",
        f"{on.wachttijd_s} ligt niet tussen 0 en max_wachttijd_s ({on.max_wachttijd_s})",
        "de wachttijd voor de tweede poging in seconden, bijv. 1",
    )
    _check(
        0 <= on.max_wachttijd_s <= 3600,
        f"{w}:online.max_wachttijd_s",
        f"{on.max_wachttijd_s} ligt niet tussen 0 en 3600 s",
        "bijv. 60",
    )
    ka = settings.kaarten
    _check(
        0 <= ka.min_adressen <= 10_000,
        f"{w}:kaarten.min_adressen",
        f"{ka.min_adressen} ligt niet tussen 0 en 10000",
        "het minimum aantal adressen, bijv. 50 (0: uit)",
    )
    _check(
        0 <= ka.bebouwd_kwantiel < 0.5,
        f"{w}:kaarten.bebouwd_kwantiel",
        f"{ka.bebouwd_kwantiel} ligt niet tussen 0 en 0,5",
        "een aandeel per kant, bijv. 0.02 (0: alle adressen)",
    )
    zo = settings.zoeken
    _check(0 <= zo.min_score <= 100, f"{w}:zoeken.min_score", f"{zo.min_score} ligt niet tussen 0 en 100", "bijv. 72")
    _check(zo.max_resultaten >= 1, f"{w}:zoeken.max_resultaten", f"{zo.max_resultaten} is kleiner dan 1", "bijv. 10")
    for key in ("adres_straat_m", "adres_huisnummer_m"):
        value = getattr(zo, key)
        _check(0 <= value <= 1000, f"{w}:zoeken.{key}", f"{value} ligt niet tussen 0 en 1000 m", "bijv. 75")
    _validate_regio(settings)


def _validate_regio(settings: Settings) -> None:
    w, r = settings.source, settings.regio
    _check(r.ratio_max_z > 0, f"{w}:regio.ratio_max_z", f"{r.ratio_max_z} moet > 0 zijn", "bijv. 3.5")
    _check(
        0 <= r.ratio_min_afwijking <= 1,
        f"{w}:regio.ratio_min_afwijking",
        f"{r.ratio_min_afwijking} ligt niet tussen 0 en 1",
        "bijv. 0.05",
    )
    _check(
        r.ratio_min_gemeenten >= 2,
        f"{w}:regio.ratio_min_gemeenten",
        f"{r.ratio_min_gemeenten} is te klein",
        "minstens 2, bijv. 5",
    )
    _check(
        0 <= r.workers <= 1024,
        f"{w}:regio.workers",
        f"{r.workers} ligt niet tussen 0 en 1024",
        "0 (één per processorkern) of een aantal",
    )
    _check(
        0 < r.verbinden_s <= 600,
        f"{w}:regio.verbinden_s",
        f"{r.verbinden_s} ligt niet tussen 0 en 600 s",
        "de langste wachttijd voor het bereiken van een Dask-scheduler, bijv. 15",
    )
    _check(
        0 <= r.herstarts <= 10,
        f"{w}:regio.herstarts",
        f"{r.herstarts} ligt niet tussen 0 en 10",
        "hoe vaak een gemeente opnieuw start als haar worker verloren gaat, bijv. 1",
    )
    _check(
        0 < r.zonder_workers_s <= 86400,
        f"{w}:regio.zonder_workers_s",
        f"{r.zonder_workers_s} ligt niet tussen 0 en 86400 s",
        "hoe lang een cluster zonder workers mag zijn voordat de run stopt, bijv. 120",
    )
    _check(
        0 < r.stilstand_s <= 86400,
        f"{w}:regio.stilstand_s",
        f"{r.stilstand_s} ligt niet tussen 0 en 86400 s",
        "hoe lang geen enkele taak klaar mag komen voordat de run stopt, bijv. 1800",
    )


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a table; every way it can be unreadable is a Dutch error naming the file and the fix."""
    if path.is_dir():
        raise SettingsError(
            f"{path}: dit is een map, geen TOML-bestand. Oplossing: geef het pad van het bestand zelf op, "
            "bijv. mijn_map/instellingen.toml"
        )
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise MissingDataError(path, "geef een bestaand TOML-bestand op") from None
    except PermissionError:
        raise SettingsError(
            f"{path}: geen leesrechten. Oplossing: pas de rechten aan of kopieer het bestand naar een eigen map"
        ) from None
    except UnicodeDecodeError as exc:
        line = bytes(exc.object[: exc.start]).count(b"\n") + 1
        raise SettingsError(
            f"{path}: geen geldige UTF-8 (byte {exc.object[exc.start]:#04x} op regel {line}). Oplossing: sla het "
            "bestand op als UTF-8 (in Kladblok: Opslaan als > Codering: UTF-8)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            f"{path}: geen geldige TOML ({exc}). Oplossing: verbeter die regel; een instelling schrijft u als "
            "sleutel = waarde onder een kopregel [tabel], tekst tussen aanhalingstekens"
        ) from exc


def read_layered_toml(default_name: str, path: str | Path | None) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The package's default TOML (``woonzorg_geo/data/<default_name>``) and a user's file on top of it.

    Returns the default table, the user's table (empty without ``path``) and where the settings
    come from, for messages. Tables the defaults do not have are refused; merging is the caller's.
    """
    table = tomllib.loads(resources.files("woonzorg_geo.data").joinpath(default_name).read_text("utf-8"))
    if path is None:
        return table, {}, "<standaard>"
    where = str(path)
    user = read_toml(Path(path))
    unknown = set(user) - set(table)
    if unknown:
        raise SettingsError(
            f"{where}: onbekende tabel(len) {sorted(unknown)}. Oplossing: controleer de spelling; bekend zijn "
            f"{', '.join(f'[{k}]' for k in table)}"
        )
    return table, user, where


def _require_table(value: object, where: str) -> None:
    if not isinstance(value, dict):
        name = where.rsplit(":", 1)[-1]
        raise SettingsError(
            f"{where}: verwacht een tabel [{name}], kreeg {value!r}. Oplossing: zet de sleutels onder een kopregel "
            f"[{name}]"
        )


def load_settings(path: str | Path | None = None) -> Settings:
    """Load the settings from a TOML file, or the package defaults.

    Parameters
    ----------
    path
        A TOML file. Tables that it leaves out keep the package defaults.

    Returns
    -------
    Settings
        Frozen settings.
    """
    table, user, where = read_layered_toml(DEFAULT_SETTINGS, path)
    if user:
        for key, value in user.items():
            _require_table(value, f"{where}:{key}")
            if key == "profielen":
                for name, vals in value.items():
                    _require_table(vals, f"{where}:profielen.{name}")
                    table[key][name] = {**table[key].get(name, {}), **vals}
            elif key == "locaties":
                merged = {**table[key], **value}
                for sub in ("criteria", "uitsluiten"):  # per criterion / class, key by key
                    if sub in value:
                        _require_table(value[sub], f"{where}:locaties.{sub}")
                        base_sub = dict(table[key].get(sub, {}))
                        for name, vals in value[sub].items():
                            _require_table(vals, f"{where}:locaties.{sub}.{name}")
                            base_sub[name] = {**base_sub.get(name, {}), **vals}
                        merged[sub] = base_sub
                table[key] = merged
            else:
                table[key] = {**table[key], **value}
    profiles = {}
    for name, vals in table["profielen"].items():
        if not isinstance(vals, dict):
            raise SettingsError(f"{where}:profielen.{name}: verwacht een tabel [profielen.{name}]")
        profiles[name] = build_settings(Profile, {"name": name, **vals}, f"{where}:profielen.{name}")
    settings = Settings(
        gemeente=build_settings(Gemeente, table["gemeente"], f"{where}:gemeente"),
        data=build_settings(DataSettings, table["data"], f"{where}:data"),
        netwerk=build_settings(NetworkSettings, table["netwerk"], f"{where}:netwerk"),
        profielen=profiles,
        bereikbaarheid=_build_accessibility(table["bereikbaarheid"], f"{where}:bereikbaarheid"),
        raster=build_settings(RasterSettings, table["raster"], f"{where}:raster"),
        overlays=_build_overlays(table["overlays"], f"{where}:overlays"),
        locaties=_build_sites(table["locaties"], f"{where}:locaties"),
        plausibiliteit=build_settings(PlausibilitySettings, table["plausibiliteit"], f"{where}:plausibiliteit"),
        woningen=build_settings(HomeSettings, table.get("woningen", {}), f"{where}:woningen"),
        online=build_settings(OnlineSettings, table["online"], f"{where}:online"),
        regio=build_settings(RegioSettings, table["regio"], f"{where}:regio"),
        kaarten=build_settings(MapSettings, table.get("kaarten", {}), f"{where}:kaarten"),
        zoeken=build_settings(SearchSettings, table.get("zoeken", {}), f"{where}:zoeken"),
        source=where,
    )
    _check_indicator_profiles(settings, where)
    validate_settings(settings)
    return settings


def _check_indicator_profiles(settings: Settings, where: str) -> None:
    """Every overlay indicator's ``profiel`` and ``locaties.profiel`` name a profile; placeholders are known."""
    if settings.locaties.profiel not in settings.profielen:
        raise SettingsError(
            f"{where}:locaties.profiel: onbekend profiel {settings.locaties.profiel!r}. Oplossing: kies uit "
            f"{', '.join(settings.profielen)}, of voeg het profiel toe als tabel [profielen.<naam>]"
        )
    for kind in ("draaglast", "draagkracht"):
        for i, ind in enumerate(getattr(settings.overlays, kind)):
            w = f"{where}:overlays.{kind}[{i}]"
            if ind.profiel and ind.profiel not in settings.profielen:
                raise SettingsError(
                    f"{w}.profiel: onbekend profiel {ind.profiel!r}; kies uit "
                    f"{', '.join(settings.profielen)} of laat het leeg"
                )
            for name in ("kolom", "label", "reden"):
                bad = [p for p in re.findall(r"\{([^}]*)\}", getattr(ind, name)) if p != "norm"]
                if bad:
                    raise SettingsError(
                        f"{w}.{name}: onbekende plaatshouder {{{bad[0]}}}; alleen {{norm}} "
                        "(de loopnorm in meters) is toegestaan"
                    )


#: Where the search for ``shared/geodata/raw`` starts besides the working folder.
_PACKAGE_DIR = Path(__file__).resolve().parent


def named_raw_dirs(settings: Settings | None = None) -> list[Path]:
    """The raw data folders named explicitly: ``settings.data.raw_dir``, then ``WOONZORG_DATA``."""
    named: list[Path] = []
    if settings is not None and settings.data.raw_dir:
        named.append(Path(settings.data.raw_dir).expanduser())
    env = os.environ.get("WOONZORG_DATA")
    if env:
        named.append(Path(env).expanduser())
    return named


def find_raw_dir(settings: Settings | None = None, *, start: Path | None = None) -> Path:
    """Locate the raw data folder.

    Order: ``settings.data.raw_dir``, the ``WOONZORG_DATA`` environment variable, then the first
    ``shared/geodata/raw`` found in the working folder, the package folder or their parents.

    Raises
    ------
    MissingDataError
        When no folder is found (or a named one does not exist).
    """
    candidates = named_raw_dirs(settings)
    if candidates:
        for cand in candidates:
            if cand.is_dir():
                return cand.resolve()
        raise MissingDataError(
            candidates[0],
            "zet WOONZORG_DATA of data.raw_dir op de map met ruwe gegevens, of laad van internet met --online",
            problem="map met ruwe gegevens bestaat niet",
        )
    bases = [start or Path.cwd(), _PACKAGE_DIR]
    for base in bases:
        for parent in [base, *base.parents]:
            cand = parent / "shared" / "geodata" / "raw"
            if cand.is_dir():
                return cand.resolve()
    raise MissingDataError(
        "../shared/geodata/raw",
        "geef met --data de map met ruwe gegevens (of zet WOONZORG_DATA), of laad van internet met --online",
        problem="geen map met ruwe gegevens gevonden",
    )


def load_category_rules(path: str | Path | None = None) -> dict[str, Any]:
    """Read the TOML that maps source tags to voorzieningen categories."""
    if path is None:
        text = resources.files("woonzorg_geo.data").joinpath(DEFAULT_CATEGORIES).read_text("utf-8")
        return tomllib.loads(text)
    return read_toml(Path(path))


def settings_fingerprint(settings: Settings) -> str:
    """A hash of every setting (the frozen dataclasses' repr), as given to :func:`.areas.analysis.analyse`."""
    return hashlib.sha256(repr(settings).encode("utf-8")).hexdigest()[:16]
