"""Settings of the toetsingskader check: thresholds, classes, types and items, from TOML."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import SettingsError, ToetsError
from woonzorg_geo.core.toml_files import build_settings, read_layered_toml
from woonzorg_geo.toets.values import is_present

log = logging.getLogger(__name__)
DEFAULT_TOETS = "toetsingskader.toml"
#: Verdicts, from good to bad; ``onbekend`` when the data cannot say.
VERDICTS = ("groen", "oranje", "rood", "onbekend")
#: Order used to combine verdicts: a part is as bad as its worst criterion; an unknown
#: criterion keeps a part from being green.
SEVERITY = {"groen": 0, "onbekend": 1, "oranje": 2, "rood": 3}
VERDICT_TEXT = {
    "groen": "geen bezwaren uit de gegevens",
    "oranje": "aandachtspunten",
    "rood": "zwaarwegende bezwaren",
    "onbekend": "onvoldoende gegevens",
}
SIGNAL_LABELS = {
    "overlast_onveiligheid": "overlast/onveiligheid",
    "lage_veerkracht": "lage veerkracht",
    "concentratie_kwetsbaar": "concentratie kwetsbare inwoners",
    "toename_kwetsbaar": "toename kwetsbare inwoners",
    "focus": "focusbuurt",
    "eenzaamheid": "eenzaamheid",
    "moeite_rondkomen": "moeite met rondkomen",
    "afname_kwetsbaar": "afname kwetsbare inwoners",
}
PRECISION_TEXT = {
    "adres": "adres (huisnummer gevonden)",
    "straat": "straat (huisnummer niet gevonden: punt op de straat, tientallen tot honderden meters onnauwkeurig)",
    "pc4": "postcodegebied (middelpunt van de PC4)",
    "niet_gevonden": "niet gevonden",
    "punt": "punt (opgegeven coördinaten)",
}
#: Precisions at which a verdict holds for the site asked about: below these the toets warns.
PRECISE = ("adres", "punt")
PARTS = (
    (
        1,
        "regio",
        "Regio (spreiding)",
        "Waarom Assen en niet elders; hoe verhoudt het initiatief zich tot bestaande initiatieven?",
    ),
    (
        2,
        "gemeente",
        "Gemeente (draagkracht)",
        "Doelgroep, schaal en beoogde locatie: kan de buurt en de wijk het dragen?",
    ),
    (3, "wijk", "Wijk (draagvlak)", "Is er draagvlak in de buurt, of moet dat worden opgebouwd?"),
    (4, "initiatief", "Zorginitiatief (kwaliteit)", "Kwaliteit van zorg, beleid, inrichting en financiën."),
)
REQUIRED_THRESHOLDS = (
    "zelfde_type_500m",
    "zelfde_type_1000m",
    "elk_type_500m",
    "elk_type_1000m",
    "per_1000_buurt",
    "per_1000_wijk",
    "draaglast_wijk",
    "draagkracht_wijk",
    "signalen_buurt",
    "ontmoetingsplekken",
)
#: Thresholds that moved: where they live now.
MOVED_THRESHOLDS = {
    "omvang_aandeel_buurt": "de schaalregel staat nu per type, onder [types.<type>.schaal]",
    "ontmoetingsplekken_800m": "heet nu [drempels.ontmoetingsplekken] (de afstand is de norm van de instellingen)",
}
#: What a scale rule measures: the initiative's size as a share of the buurt's inhabitants, or
#: the size itself.
SCALE_MEASURES = {
    "aandeel_buurt": "bewoners van het initiatief als aandeel van de inwoners van de buurt",
    "omvang": "omvang van het initiatief",
}
REQUIRED_CLASSES = ("balans", "focus", "veerkracht")

Geocode = Callable[[str, str | None], Mapping[str, object]]


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    """One threshold: where a value turns oranje and rood, with its source.

    ``richting`` is ``hoger_slechter`` (value ≥ threshold is that colour) or ``lager_slechter``
    (value ≤ threshold). ``rood`` NaN: the threshold never gives rood.
    """

    naam: str
    oranje: float
    rood: float = math.nan
    richting: str = "hoger_slechter"
    eenheid: str = ""
    bron: str = ""
    reden: str = ""
    straal_m: float = 0.0

    def __post_init__(self) -> None:
        for name in ("oranje", "rood", "straal_m"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SettingsError(f"drempels.{self.naam}.{name}: verwacht een getal, kreeg {value!r}")
            object.__setattr__(self, name, float(value))

    def verdict(self, value: float | None) -> str:
        """The verdict of ``value``: groen, oranje, rood, or onbekend when it is missing."""
        if value is None or not np.isfinite(value):
            return "onbekend"
        worse: Callable[[float, float], bool] = (
            (lambda v, t: v >= t) if self.richting == "hoger_slechter" else (lambda v, t: v <= t)
        )
        if np.isfinite(self.rood) and worse(value, self.rood):
            return "rood"
        if worse(value, self.oranje):
            return "oranje"
        return "groen"

    def text(self) -> str:
        """The threshold in Dutch: ``'oranje ≥ 1, rood ≥ 2 initiatieven'``."""
        op = "≥" if self.richting == "hoger_slechter" else "≤"
        unit = "" if not self.eenheid else (self.eenheid if self.eenheid == "%" else f" {self.eenheid}")
        parts = [f"oranje {op} {fmt.compact(self.oranje, 2)}{unit}"]
        parts.append(f"rood {op} {fmt.compact(self.rood, 2)}{unit}" if np.isfinite(self.rood) else "nooit rood")
        return "; ".join(parts)


@dataclass(frozen=True)
class ClassVerdicts:
    """Verdicts of the classes of an overlay (balans, focus, veerkracht), with their source."""

    naam: str
    oordelen: dict[str, str] = field(default_factory=dict)
    bron: str = ""
    reden: str = ""

    def verdict(self, klasse: object) -> str:
        """The verdict of ``klasse``; onbekend for a missing or unlisted class."""
        return self.oordelen.get(str(klasse), "onbekend") if is_present(klasse) else "onbekend"

    def text(self) -> str:
        """The mapping in Dutch: ``'rood: sterk onder druk; oranje: onder druk; …'``."""
        by: dict[str, list[str]] = {}
        for klasse, verdict in self.oordelen.items():
            by.setdefault(verdict, []).append(klasse)
        return "; ".join(f"{v}: {', '.join(by[v])}" for v in ("rood", "oranje", "groen") if v in by)


@dataclass(frozen=True)
class ScaleRule(Threshold):
    """The scale rule of one type: a threshold on ``maat`` (a key of :data:`SCALE_MEASURES`)."""

    maat: str = "aandeel_buurt"


@dataclass(frozen=True)
class CareType:
    """A type of care initiative (the value of ``--type``).

    ``schaal`` is the type's scale rule, or None when the type has none (``schaal_toelichting``
    then says why). ``max_omvang`` is the largest size accepted as plausible input.
    """

    key: str
    label: str
    omschrijving: str = ""
    wmo_kolom: str = ""
    omvang_eenheid: str = "bewoners"
    max_omvang: int = 0
    max_omvang_reden: str = ""
    schaal: ScaleRule | None = None
    schaal_toelichting: str = ""
    #: residents per unit of ``omvang`` (1 for bewoners and plaatsen; per home for woningen) and its source
    bewoners_per_eenheid: float = 1.0
    bewoners_per_eenheid_bron: str = ""

    def check_size(self, omvang: object, *, option: str = "omvang") -> int:
        """``omvang`` as an int when it is a plausible size for this type.

        Raises
        ------
        ToetsError
            When it is not a whole number, below 1 or above ``max_omvang``.
        """
        if isinstance(omvang, bool) or not isinstance(omvang, (int, np.integer)) or omvang < 1:
            raise ToetsError(
                f"{option} moet een geheel aantal {self.omvang_eenheid} van minstens 1 zijn, kreeg {omvang!r}. "
                f"Oplossing: geef het aantal {self.omvang_eenheid}, bijv. 12"
            )
        if self.max_omvang and omvang > self.max_omvang:
            raise ToetsError(
                f"{option} {fmt.compact(omvang, 2)} is niet aannemelijk voor {self.label.lower()}: het maximum is "
                f"{fmt.compact(self.max_omvang, 2)} {self.omvang_eenheid} ({self.max_omvang_reden}). Oplossing: controleer het "
                f"getal; is het echt zo groot, verhoog dan types.{self.key}.max_omvang in een eigen "
                "toetsingskader (--toetsingskader BESTAND)."
            )
        return int(omvang)


@dataclass(frozen=True)
class QualityItem:
    """Something the framework asks for that data cannot answer."""

    deel: int
    onderwerp: str
    vraag: str


@dataclass(frozen=True)
class FrameworkSettings:
    """Name and source of the framework."""

    naam: str = ""
    bron: str = ""
    disclaimer: str = ""


@dataclass(frozen=True)
class LocationSettings:
    """How the site is located and which walking profile is used.

    ``profiel`` empty: the profile of the run's settings for older residents
    (``locaties.profiel``). ``plaats_marge_m``: an address whose place names a village, wijk or
    buurt of the gemeente must be found within this distance of it.
    """

    precisies: tuple[str, ...] = ("adres", "straat")
    profiel: str = ""
    plaats_marge_m: float = 1500.0
    plaats_klassen: tuple[str, ...] = ()
    #: a misspelt street name (rapidfuzz WRatio, 0–100): used when its best match scores at least
    #: ``straat_gelijk_min`` and leads the next by ``straat_voorsprong``; suggested from ``straat_suggestie_min``
    straat_gelijk_min: float = 90.0
    straat_voorsprong: float = 5.0
    straat_suggestie_min: float = 70.0


@dataclass(frozen=True)
class RegisterSettings:
    """The planner's register of existing care initiatives."""

    kolom_naam: str = "naam"
    kolom_adres: str = "adres"
    kolom_postcode: str = "postcode"
    kolom_type: str = "type"
    precisies: tuple[str, ...] = ("adres", "straat")
    samenvoegen_m: float = 50.0
    osm_type: str = ""
    osm_categorie: str = ""


@dataclass(frozen=True)
class AccessCheckSettings:
    """The accessibility at the site. The distance norm is the run's ``bereikbaarheid.norm_m``."""

    norm_bron: str = ""
    norm_categorieen: tuple[str, ...] = ()
    oordeel_buiten_norm: str = "oranje"
    categorieen: tuple[str, ...] = ()


@dataclass(frozen=True)
class SupportSettings:
    """Part 3: which buurt signals call for early support-building; meeting places nearby."""

    signalen: tuple[str, ...] = ()
    signalen_bron: str = ""
    ontmoetingsplek_categorie: str = ""
    ontmoetingsplek_bron: str = ""


@dataclass(frozen=True)
class ListSettings:
    """``toets --lijst``: up to how many rows a full report per row is written by default."""

    rapporten_max_rijen: int = 50


@dataclass(frozen=True)
class SiteMapSettings:
    """The map of the report: margin around what is drawn, width/height, concave-hull ratio."""

    marge_m: float = 150.0
    verhouding: float = 1.4
    concave_ratio: float = 0.3


@dataclass(frozen=True)
class ToetsSettings:
    """All settings of the toets (see ``data/toetsingskader.toml``)."""

    kader: FrameworkSettings = field(default_factory=FrameworkSettings)
    locatie: LocationSettings = field(default_factory=LocationSettings)
    register: RegisterSettings = field(default_factory=RegisterSettings)
    bereikbaarheid: AccessCheckSettings = field(default_factory=AccessCheckSettings)
    draagvlak: SupportSettings = field(default_factory=SupportSettings)
    lijst: ListSettings = field(default_factory=ListSettings)
    kaart: SiteMapSettings = field(default_factory=SiteMapSettings)
    types: dict[str, CareType] = field(default_factory=dict)
    drempels: dict[str, Threshold] = field(default_factory=dict)
    klassen: dict[str, ClassVerdicts] = field(default_factory=dict)
    kwaliteit: tuple[QualityItem, ...] = ()
    source: str = "<standaard>"

    def care_type(self, key: str) -> CareType:
        """The type called ``key``.

        Raises
        ------
        ToetsError
            For an unknown type, naming the known ones.
        """
        try:
            return self.types[key]
        except (KeyError, TypeError):
            known = ", ".join(f"{k} ({t.label})" for k, t in self.types.items())
            raise ToetsError(f"onbekend type zorginitiatief {key!r}. Oplossing: kies uit: {known}") from None


_SIMPLE_TABLES = {
    "kader": FrameworkSettings,
    "locatie": LocationSettings,
    "register": RegisterSettings,
    "bereikbaarheid": AccessCheckSettings,
    "draagvlak": SupportSettings,
    "lijst": ListSettings,
    "kaart": SiteMapSettings,
}
_KEYED_TABLES = ("types", "drempels", "klassen")


def load_toets_settings(path: str | Path | None = None) -> ToetsSettings:
    """Load the toets settings from a TOML file, or the package defaults.

    Parameters
    ----------
    path
        A TOML file. Tables it leaves out keep the defaults; entries of ``[types.*]``,
        ``[drempels.*]`` and ``[klassen.*]`` are merged per entry; ``[[kwaliteit]]`` replaces the
        default list.

    Returns
    -------
    ToetsSettings
        Frozen settings.

    Raises
    ------
    SettingsError
        On an unknown key, a bad value or a missing required threshold.
    """
    table, user, where = read_layered_toml(DEFAULT_TOETS, path)
    if user:
        for key, value in user.items():
            if key == "kwaliteit":
                table[key] = value
            elif key in _KEYED_TABLES:
                for name, vals in value.items():
                    table[key][name] = _merge_entry(table[key].get(name, {}), vals)
            else:
                table[key] = {**table[key], **value}
    kw: dict[str, Any] = {
        key: build_settings(cls, table.get(key, {}), f"{where}:{key}") for key, cls in _SIMPLE_TABLES.items()
    }
    kw["types"] = {k: _build_type(k, v, f"{where}:types.{k}") for k, v in table["types"].items()}
    kw["drempels"] = {
        k: build_settings(Threshold, {"naam": k, **v}, f"{where}:drempels.{k}") for k, v in table["drempels"].items()
    }
    kw["klassen"] = {
        k: ClassVerdicts(naam=k, **_checked_keys(v, ("oordelen", "bron", "reden"), f"{where}:klassen.{k}"))
        for k, v in table["klassen"].items()
    }
    kw["kwaliteit"] = tuple(
        build_settings(QualityItem, item, f"{where}:kwaliteit[{i}]") for i, item in enumerate(table["kwaliteit"])
    )
    settings = ToetsSettings(**kw, source=where)
    _validate(settings, where)
    return settings


def _merge_entry(default: dict[str, Any], user: dict[str, Any]) -> dict[str, Any]:
    """Merge one ``[types.x]``/``[drempels.x]`` entry; a non-empty sub-table merges too, an empty one replaces."""
    out = dict(default)
    for key, value in user.items():
        if isinstance(value, dict) and value and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _build_type(key: str, table: dict[str, Any], where: str) -> CareType:
    vals = dict(table)
    rule = vals.pop("schaal", None)
    zt = build_settings(CareType, {"key": key, **vals}, where)
    if rule is None:
        return zt
    if not isinstance(rule, dict):
        raise SettingsError(f"{where}.schaal: verwacht een tabel [types.{key}.schaal], kreeg {rule!r}")
    if not rule:  # an empty table: this type has no scale rule
        return zt
    return dataclasses.replace(
        zt, schaal=build_settings(ScaleRule, {"naam": f"{key}.schaal", **rule}, f"{where}.schaal")
    )


def _checked_keys(table: dict[str, Any], allowed: Sequence[str], where: str) -> dict[str, Any]:
    unknown = set(table) - set(allowed)
    if unknown:
        raise SettingsError(f"{where}: onbekende sleutel(s) {sorted(unknown)}; toegestaan: {sorted(allowed)}")
    return dict(table)


def _check_threshold(d: Threshold, where: str) -> None:
    if d.richting not in ("hoger_slechter", "lager_slechter"):
        raise SettingsError(f"{where}.richting moet 'hoger_slechter' of 'lager_slechter' zijn, kreeg {d.richting!r}")
    if np.isfinite(d.rood):
        ok = d.rood >= d.oranje if d.richting == "hoger_slechter" else d.rood <= d.oranje
        if not ok:
            raise SettingsError(
                f"{where}: rood ({fmt.compact(d.rood, 2)}) ligt aan de verkeerde kant van oranje "
                f"({fmt.compact(d.oranje, 2)}) voor richting {d.richting}"
            )
    if not d.bron:
        raise SettingsError(f"{where}: bron ontbreekt (elke drempel noemt zijn bron)")


def _validate(s: ToetsSettings, where: str) -> None:
    from woonzorg_geo.sources.geocode import PRECISION_ORDER

    missing = [n for n in REQUIRED_THRESHOLDS if n not in s.drempels]
    if missing:
        raise SettingsError(f"{where}: drempel(s) ontbreken: {', '.join(missing)}")
    for name, d in s.drempels.items():
        if name not in REQUIRED_THRESHOLDS:
            hint = MOVED_THRESHOLDS.get(name, f"bekende drempels: {', '.join(REQUIRED_THRESHOLDS)}")
            raise SettingsError(f"{where}: onbekende drempel [drempels.{name}]; {hint}")
        _check_threshold(d, f"{where}:drempels.{name}")
    for name in REQUIRED_CLASSES:
        if name not in s.klassen:
            raise SettingsError(f"{where}: klassen.{name} ontbreekt")
    for name, k in s.klassen.items():
        bad = {c: v for c, v in k.oordelen.items() if v not in VERDICTS[:3]}
        if bad:
            raise SettingsError(f"{where}:klassen.{name}.oordelen: alleen groen/oranje/rood, kreeg {bad}")
    b = s.bereikbaarheid
    if b.oordeel_buiten_norm not in VERDICTS[:3]:
        raise SettingsError(f"{where}:bereikbaarheid.oordeel_buiten_norm moet groen, oranje of rood zijn")
    if not b.categorieen or not b.norm_categorieen:
        raise SettingsError(f"{where}:bereikbaarheid: categorieen en norm_categorieen mogen niet leeg zijn")
    extra = [c for c in b.norm_categorieen if c not in b.categorieen]
    if extra:
        raise SettingsError(
            f"{where}:bereikbaarheid.norm_categorieen {extra} staan niet in "
            f"bereikbaarheid.categorieen {list(b.categorieen)}; voeg ze daar toe"
        )
    for key, value in (
        ("register.osm_categorie", s.register.osm_categorie),
        ("draagvlak.ontmoetingsplek_categorie", s.draagvlak.ontmoetingsplek_categorie),
    ):
        if not value:
            raise SettingsError(f"{where}:{key} ontbreekt (de voorzieningencategorie, bijv. uit voorzieningen.toml)")
    for key, precs in (("locatie", s.locatie.precisies), ("register", s.register.precisies)):
        bad_p = [p for p in precs if p not in PRECISION_ORDER]
        if bad_p or not precs:
            raise SettingsError(f"{where}:{key}.precisies: kies uit {', '.join(PRECISION_ORDER[:3])}")
    if isinstance(s.lijst.rapporten_max_rijen, bool) or s.lijst.rapporten_max_rijen < 0:
        raise SettingsError(f"{where}:lijst.rapporten_max_rijen moet een geheel getal van 0 of meer zijn")
    loc = s.locatie
    if not 0 < loc.straat_suggestie_min <= loc.straat_gelijk_min <= 100 or loc.straat_voorsprong < 0:
        raise SettingsError(
            f"{where}:locatie: 0 < straat_suggestie_min ≤ straat_gelijk_min ≤ 100 en straat_voorsprong ≥ 0"
        )
    ks = s.kaart
    if not (ks.marge_m >= 0 and 0.5 <= ks.verhouding <= 3 and 0 <= ks.concave_ratio <= 1):
        raise SettingsError(f"{where}:kaart: marge_m ≥ 0, verhouding 0,5–3 en concave_ratio 0–1")
    if not s.locatie.plaats_marge_m > 0:
        raise SettingsError(f"{where}:locatie.plaats_marge_m moet groter dan 0 zijn")
    if s.register.osm_type and s.register.osm_type not in s.types:
        raise SettingsError(f"{where}:register.osm_type {s.register.osm_type!r} is geen bekend type")
    if not s.types:
        raise SettingsError(f"{where}: geen types gedefinieerd")
    for key, t in s.types.items():
        w = f"{where}:types.{key}"
        if t.max_omvang < 1 or not t.max_omvang_reden:
            raise SettingsError(
                f"{w}: max_omvang (een geheel getal van minstens 1) en max_omvang_reden zijn "
                "verplicht: de grootste omvang die als invoer aannemelijk is, met de reden"
            )
        if not 0.5 <= t.bewoners_per_eenheid <= 10 or (t.bewoners_per_eenheid != 1 and not t.bewoners_per_eenheid_bron):
            raise SettingsError(
                f"{w}.bewoners_per_eenheid moet tussen 0,5 en 10 liggen en, anders dan 1, een bron hebben "
                f"(bewoners_per_eenheid_bron); kreeg {t.bewoners_per_eenheid!r}"
            )
        if t.schaal is None:
            if not t.schaal_toelichting:
                raise SettingsError(
                    f"{w}: geen schaalregel [types.{key}.schaal]; zeg dan in schaal_toelichting "
                    "waarom dit type geen schaalregel heeft"
                )
            continue
        if t.schaal.maat not in SCALE_MEASURES:
            raise SettingsError(
                f"{w}.schaal.maat moet een van {', '.join(SCALE_MEASURES)} zijn, kreeg {t.schaal.maat!r}"
            )
        _check_threshold(t.schaal, f"{w}.schaal")
    for item in s.kwaliteit:
        if item.deel not in (1, 2, 3, 4):
            raise SettingsError(f"{where}:kwaliteit: deel moet 1 t/m 4 zijn, kreeg {item.deel}")
