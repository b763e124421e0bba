"""Settings: frozen dataclasses loaded from TOML, validated where they enter.

This module holds the settings of each section (``[netwerk]``, ``[bereikbaarheid]``, …) and
:class:`Settings`, all of them; :func:`woonzorg_geo.core.settings_loader.load_settings` reads the
package defaults and a planner's file on top of them. The sections of the overlays and of the site search have modules of their own
(:mod:`~woonzorg_geo.core.overlay_settings`, :mod:`~woonzorg_geo.core.site_settings`); the checks
are in :mod:`~woonzorg_geo.core.settings_checks`, the reading of TOML in
:mod:`~woonzorg_geo.core.toml_files` and the search for the raw data in
:mod:`~woonzorg_geo.core.raw_data`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.overlay_settings import OverlaySettings
from woonzorg_geo.core.site_settings import SiteSettings
from woonzorg_geo.core.toml_files import build_settings


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


def build_accessibility(table: dict[str, Any], where: str) -> AccessibilitySettings:
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
    """Which address points count as a home (woning); see :mod:`.sources.homes` and ``[woningen]``."""

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
    """The typo-tolerant search of voorzieningen by name, address or id (:mod:`.sources.name_search`, ``[zoeken]``).

    ``min_score``: a match scores 0-100 (rapidfuzz's WRatio); below this it is not offered.
    ``max_resultaten``: at most this many matches are listed. ``adres_straat_m`` and
    ``adres_huisnummer_m``: how far a point's street and house number may lie when its address is
    put together (:mod:`.sources.addresses`). Sources and reasoning: ``[zoeken]`` in instellingen.toml.
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
