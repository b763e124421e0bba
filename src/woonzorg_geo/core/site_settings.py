"""Settings of the site search (``[locaties]``): criteria, exclusion classes and their weights."""

from __future__ import annotations

import dataclasses
import itertools
import re
from dataclasses import dataclass
from typing import Any

from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.toml_files import build_settings


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


def build_sites(table: dict[str, Any], where: str) -> SiteSettings:
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
