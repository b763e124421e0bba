"""Settings: frozen dataclasses loaded from TOML, validated where they enter."""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import MissingDataError, SettingsError

DEFAULT_SETTINGS = "instellingen.toml"
DEFAULT_CATEGORIES = "voorzieningen.toml"


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


@dataclass(frozen=True)
class NetworkSettings:
    """How the walking network is built."""

    walk_classes: tuple[str, ...] = ()
    seam_tolerance_m: float = 1.0
    node_precision_m: float = 0.01


@dataclass(frozen=True)
class Profile:
    """A walking profile: speed and what it avoids."""

    name: str
    label: str
    speed_m_s: float
    avoid_steps: bool = False


@dataclass(frozen=True)
class AccessibilitySettings:
    """Norms for the accessibility step."""

    norm_m: float = 800.0
    count_radii_m: tuple[float, ...] = (400.0, 800.0)
    max_snap_m: float = 500.0
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class RasterSettings:
    """Accessibility surfaces."""

    cell_m: float = 25.0
    max_snap_m: float = 150.0


@dataclass(frozen=True)
class Indicator:
    """One indicator of an overlay index, with its direction, weight and source."""

    kolom: str
    label: str = ""
    richting: int = 1
    gewicht: float = 1.0
    bron: str = ""
    reden: str = ""


@dataclass(frozen=True)
class OverlaySettings:
    """Draaglast/draagkracht indices and the focus/veerkracht classes."""

    wijkcijfers: str = ""
    buurtsignalen: str = ""
    feiten: str = ""
    bron_rapport: str = ""
    min_gewicht_aandeel: float = 0.5
    balans_grenzen: tuple[float, ...] = (-1.0, -0.33, 0.33, 1.0)
    balans_labels: tuple[str, ...] = ()
    focus_draaglast_z: float = 0.5
    gevoeligheid: float = 0.2
    draaglast: tuple[Indicator, ...] = ()
    draagkracht: tuple[Indicator, ...] = ()


def _build_overlays(table: dict[str, Any], where: str) -> OverlaySettings:
    flat = {k: v for k, v in table.items() if k not in ("draaglast", "draagkracht")}
    base = build_settings(OverlaySettings, flat, where)
    indicators = {}
    for kind in ("draaglast", "draagkracht"):
        items = []
        for i, item in enumerate(table.get(kind, [])):
            ind = build_settings(Indicator, item, f"{where}.{kind}[{i}]")
            if ind.richting not in (1, -1):
                raise SettingsError(f"{where}.{kind}[{i}].richting moet 1 of -1 zijn, kreeg {ind.richting}")
            if ind.gewicht < 0:
                raise SettingsError(f"{where}.{kind}[{i}].gewicht mag niet negatief zijn")
            items.append(ind)
        indicators[kind] = tuple(items)
    if len(base.balans_labels) != len(base.balans_grenzen) + 1:
        raise SettingsError(f"{where}: balans_labels moet één label meer hebben dan balans_grenzen")
    if list(base.balans_grenzen) != sorted(base.balans_grenzen):
        raise SettingsError(f"{where}: balans_grenzen moeten oplopen")
    return dataclasses.replace(base, **indicators)


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
        if len(pts_t) < 2 or any(b1 <= a1 for (a1, _), (b1, _) in zip(pts_t, pts_t[1:])):
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
    for key in ("uitsluiten_aandeel", "bedrijventerrein_aandeel"):
        if not 0 < getattr(base, key) <= 1:
            raise SettingsError(f"{where}.{key} moet groter dan 0 en hoogstens 1 zijn, kreeg {getattr(base, key)}")
    if not 0 < base.gevoeligheid < 1:
        raise SettingsError(f"{where}.gevoeligheid moet tussen 0 en 1 liggen (0,2 = ±20%), "
                            f"kreeg {base.gevoeligheid}")
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
        raise SettingsError(f"{where}.bedrijventerrein_naam: geen geldige reguliere expressie ({exc}); "
                            "bijvoorbeeld \"bedrijventerrein|industrieterrein\"") from None
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
    source: str = "<standaard>"

    def profile(self, name: str) -> Profile:
        """Return the walking profile called ``name``."""
        try:
            return self.profielen[name]
        except KeyError:
            known = ", ".join(sorted(self.profielen))
            raise SettingsError(
                f"onbekend profiel {name!r}; kies uit: {known} (instellingen: {self.source})"
            ) from None


def build_settings(cls: type, table: dict[str, Any], where: str) -> Any:
    """Build a frozen dataclass from a TOML table, refusing unknown keys."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    table = dict(table)
    unknown = set(table) - set(names)
    if unknown:
        raise SettingsError(
            f"{where}: onbekende sleutel(s) {sorted(unknown)}; toegestaan: {sorted(names)}"
        )
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        default = names[key].default
        if isinstance(value, list):
            value = tuple(value)
        if isinstance(default, float) and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if isinstance(default, tuple) and value and isinstance(value[0], int) and not isinstance(value[0], bool):
            value = tuple(float(v) for v in value) if all(isinstance(v, (int, float)) for v in value) else value
        if default is not dataclasses.MISSING and not isinstance(value, type(default)):
            raise SettingsError(
                f"{where}.{key}: verwacht {type(default).__name__}, kreeg {value!r}"
            )
        kwargs[key] = value
    return cls(**kwargs)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise MissingDataError(path, "geef een bestaand TOML-bestand op") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: geen geldige TOML ({exc}); controleer de regel") from exc


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
    default_text = resources.files("woonzorg_geo.data").joinpath(DEFAULT_SETTINGS).read_text("utf-8")
    table = tomllib.loads(default_text)
    where = "<standaard>"
    if path is not None:
        where = str(path)
        user = read_toml(Path(path))
        unknown = set(user) - set(table)
        if unknown:
            raise SettingsError(f"{where}: onbekende tabel(len) {sorted(unknown)}")
        for key, value in user.items():
            if key == "profielen":
                for name, vals in value.items():
                    table[key][name] = {**table[key].get(name, {}), **vals}
            elif key == "locaties":
                merged = {**table[key], **value}
                for sub in ("criteria", "uitsluiten"):  # per criterion / class, key by key
                    if isinstance(value.get(sub), dict):
                        base_sub = dict(table[key].get(sub, {}))
                        for name, vals in value[sub].items():
                            old = base_sub.get(name, {})
                            base_sub[name] = {**old, **vals} if isinstance(vals, dict) else vals
                        merged[sub] = base_sub
                table[key] = merged
            else:
                table[key] = {**table[key], **value}
    profiles = {
        name: build_settings(Profile, {"name": name, **vals}, f"{where}:profielen.{name}")
        for name, vals in table["profielen"].items()
    }
    for prof in profiles.values():
        if prof.speed_m_s <= 0:
            raise SettingsError(f"{where}:profielen.{prof.name}.speed_m_s moet > 0 zijn")
    settings = Settings(
        gemeente=build_settings(Gemeente, table["gemeente"], f"{where}:gemeente"),
        data=build_settings(DataSettings, table["data"], f"{where}:data"),
        netwerk=build_settings(NetworkSettings, table["netwerk"], f"{where}:netwerk"),
        profielen=profiles,
        bereikbaarheid=build_settings(AccessibilitySettings, table["bereikbaarheid"], f"{where}:bereikbaarheid"),
        raster=build_settings(RasterSettings, table["raster"], f"{where}:raster"),
        overlays=_build_overlays(table["overlays"], f"{where}:overlays"),
        locaties=_build_sites(table["locaties"], f"{where}:locaties"),
        source=where,
    )
    return settings


def find_raw_dir(settings: Settings | None = None, *, start: Path | None = None) -> Path:
    """Locate the raw data folder.

    Order: ``settings.data.raw_dir``, the ``WOONZORG_DATA`` environment variable, then the first
    ``shared/geodata/raw`` found in the working folder, the package folder or their parents.

    Raises
    ------
    MissingDataError
        When no folder is found.
    """
    candidates: list[Path] = []
    if settings is not None and settings.data.raw_dir:
        candidates.append(Path(settings.data.raw_dir).expanduser())
    env = os.environ.get("WOONZORG_DATA")
    if env:
        candidates.append(Path(env).expanduser())
    if candidates:
        for cand in candidates:
            if cand.is_dir():
                return cand.resolve()
        raise MissingDataError(candidates[0], "zet WOONZORG_DATA of data.raw_dir op de map met ruwe data")
    bases = [start or Path.cwd(), Path(__file__).resolve()]
    for base in bases:
        for parent in [base, *base.parents]:
            cand = parent / "shared" / "geodata" / "raw"
            if cand.is_dir():
                return cand.resolve()
    raise MissingDataError(
        "../shared/geodata/raw",
        "zet WOONZORG_DATA op de map met ruwe data, of gebruik --online om van PDOK/OSM te laden",
    )


def load_category_rules(path: str | Path | None = None) -> dict[str, Any]:
    """Read the TOML that maps source tags to voorzieningen categories."""
    if path is None:
        text = resources.files("woonzorg_geo.data").joinpath(DEFAULT_CATEGORIES).read_text("utf-8")
        return tomllib.loads(text)
    return read_toml(Path(path))
