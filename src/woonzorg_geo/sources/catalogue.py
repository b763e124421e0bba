"""The offline gemeente catalogue: which raw files hold a gemeente's areas, chosen by name or CBS code.

The catalogue (``data/gemeenten.toml``) names, per gemeente, its boundary, buurten and wijken
files and what delimits it, plus optional extras of its own report (only Assen has them). With
it, ``woonzorg-geo analyse --gemeente Emmen`` needs no settings file: :func:`resolve_gemeente`
turns the settings of one gemeente into those of another, keeping every other setting.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from woonzorg_geo.core.config import Gemeente, Settings
from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.settings_checks import GEMEENTE_VORMEN
from woonzorg_geo.core.toml_files import read_toml

DEFAULT_CATALOGUE = "gemeenten.toml"
_CODE_RE = re.compile(r"^(?:gm)?\s*(\d{1,4})$", re.IGNORECASE)
_OVERLAY_KEYS = ("wijkcijfers", "buurtsignalen", "feiten", "bron_rapport")


@dataclass(frozen=True)
class CatalogueEntry:
    """The offline files of one gemeente (paths relative to the raw data folder)."""

    code: str
    naam: str
    provincie: str
    gemeentegrens: str
    buurten: str
    wijken: str
    gemeente_vorm: str = "gemeentegrens"
    precisie: str = ""
    overlays: tuple[tuple[str, str], ...] = ()

    @property
    def overlay_files(self) -> dict[str, str]:
        """The gemeente's own report tables (empty for a gemeente without them)."""
        return dict(self.overlays)


@dataclass(frozen=True)
class Catalogue:
    """Every gemeente of the catalogue, by code, and the provinces as lists of codes."""

    entries: dict[str, CatalogueEntry]
    provinces: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    source: str = DEFAULT_CATALOGUE

    def names(self) -> str:
        """``Assen (GM0106), Coevorden (GM0109), …`` for messages."""
        return ", ".join(f"{e.naam} ({e.code})" for e in self.entries.values())

    def find(self, text: str) -> CatalogueEntry:
        """The gemeente called ``text``: a name (case, hyphens and spaces do not matter) or a code.

        Raises
        ------
        SettingsError
            Naming every gemeente the catalogue knows.
        """
        entry = self.get(text)
        if entry is None:
            raise SettingsError(
                f"gemeente {text!r} staat niet in de catalogus van offline gegevens ({self.source}). "
                f"Bekend: {self.names()}. Oplossing: kies een van deze, of geef voor een andere gemeente een "
                "instellingenbestand met --instellingen (of gebruik --online)"
            )
        return entry

    def get(self, text: str) -> CatalogueEntry | None:
        """Like :meth:`find`, but ``None`` for an unknown gemeente."""
        code = code_of(text)
        if code is not None:
            return self.entries.get(code)
        key = normalise_name(text)
        for entry in self.entries.values():
            if normalise_name(entry.naam) == key:
                return entry
        return None

    def province(self, name: str) -> list[CatalogueEntry]:
        """The gemeenten of a province, by its name (``Drenthe``)."""
        key = normalise_name(name)
        for naam, codes in self.provinces.values():
            if normalise_name(naam) == key:
                return [self.entries[c] for c in codes]
        known = ", ".join(naam for naam, _ in self.provinces.values())
        raise SettingsError(
            f"provincie {name!r} staat niet in de catalogus ({self.source}); bekend: {known or 'geen'}. "
            "Oplossing: noem de gemeenten met --gemeenten GM0106,GM0114,..."
        )


def normalise_name(text: str) -> str:
    """Name key: lower case, accents dropped, hyphens and runs of spaces as one space."""
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[\s\-_]+", " ", plain.lower()).strip()


def code_of(text: str) -> str | None:
    """``GM0114`` for ``GM0114``, ``gm114`` or ``0114``; ``None`` when ``text`` is no code."""
    m = _CODE_RE.match(str(text).strip())
    return f"GM{int(m[1]):04d}" if m else None


def _entry(code: str, table: dict[str, Any], where: str) -> CatalogueEntry:
    if not isinstance(table, dict):
        raise SettingsError(f"{where}: verwacht een tabel [gemeenten.{code}]")
    if code_of(code) != code:
        raise SettingsError(f"{where}: {code!r} is geen gemeentecode (GM + 4 cijfers)")
    known = {f.name for f in dataclasses.fields(CatalogueEntry)} - {"code"}
    unknown = set(table) - known
    if unknown:
        raise SettingsError(f"{where}: onbekende sleutel(s) {sorted(unknown)}; toegestaan: {sorted(known)}")
    missing = [k for k in ("naam", "gemeentegrens", "buurten", "wijken") if not table.get(k)]
    if missing:
        raise SettingsError(f"{where}: ontbrekende sleutel(s) {missing}")
    overlays = table.get("overlays", {})
    if not isinstance(overlays, dict) or set(overlays) - set(_OVERLAY_KEYS):
        raise SettingsError(f"{where}.overlays: verwacht een tabel met {', '.join(_OVERLAY_KEYS)}")
    vorm = table.get("gemeente_vorm", "gemeentegrens")
    if vorm not in GEMEENTE_VORMEN:
        raise SettingsError(f"{where}.gemeente_vorm: {vorm!r}; kies uit {', '.join(GEMEENTE_VORMEN)}")
    return CatalogueEntry(
        code=code,
        naam=str(table["naam"]),
        provincie=str(table.get("provincie", "")),
        gemeentegrens=str(table["gemeentegrens"]),
        buurten=str(table["buurten"]),
        wijken=str(table["wijken"]),
        gemeente_vorm=vorm,
        precisie=str(table.get("precisie", "")),
        overlays=tuple((k, str(overlays[k])) for k in _OVERLAY_KEYS if k in overlays),
    )


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read the gemeente catalogue (default: the package's ``data/gemeenten.toml``)."""
    if path is None:
        text = resources.files("woonzorg_geo.data").joinpath(DEFAULT_CATALOGUE).read_text("utf-8")
        doc, where = tomllib.loads(text), DEFAULT_CATALOGUE
    else:
        doc, where = read_toml(Path(path)), str(path)
    gemeenten = doc.get("gemeenten")
    if not isinstance(gemeenten, dict) or not gemeenten:
        raise SettingsError(f"{where}: tabel [gemeenten.<code>] ontbreekt")
    entries = {code: _entry(code, table, f"{where}: gemeenten.{code}") for code, table in gemeenten.items()}
    provincies = {}
    for key, table in doc.get("provincies", {}).items():
        codes = tuple(table.get("gemeenten", ()))
        unknown = [c for c in codes if c not in entries]
        if unknown:
            raise SettingsError(f"{where}: provincies.{key}: onbekende gemeente(n) {unknown}")
        provincies[key] = (str(table.get("naam", key)), codes)
    return Catalogue(entries=entries, provinces=provincies, source=where)


def settings_for(settings: Settings, entry: CatalogueEntry) -> Settings:
    """``settings`` for the gemeente of ``entry``: its code, name, area files and report extras.

    Every other setting (network, profiles, norms, the province-wide sources) is kept. Report
    extras (wijkcijfers, buurtsignalen, feiten) that the gemeente does not have are switched off,
    so another gemeente's report is never read as this one's.
    """
    data = dataclasses.replace(
        settings.data,
        gemeentegrens=entry.gemeentegrens,
        buurten=entry.buurten,
        wijken=entry.wijken,
        gemeente_vorm=entry.gemeente_vorm,
    )
    extras = {key: entry.overlay_files.get(key, "") for key in _OVERLAY_KEYS}
    return dataclasses.replace(
        settings,
        gemeente=Gemeente(code=entry.code, naam=entry.naam),
        data=data,
        overlays=dataclasses.replace(
            settings.overlays,
            wijkcijfers=extras["wijkcijfers"],
            buurtsignalen=extras["buurtsignalen"],
            feiten=extras["feiten"],
            bron_rapport=extras["bron_rapport"],
        ),
        source=f"{settings.source} + catalogus {entry.code} ({entry.naam})",
    )


def resolve_gemeente(settings: Settings, text: str | None, *, catalogue: Catalogue | None = None) -> Settings:
    """The settings for the gemeente named ``text`` (a name or CBS code).

    The gemeente of ``settings`` itself keeps ``settings`` as they are (so a user's own settings
    file for a gemeente outside the catalogue works as before); another gemeente is taken from
    the catalogue (see :func:`settings_for`).

    Raises
    ------
    SettingsError
        For a gemeente that is neither the settings' own nor in the catalogue.
    """
    if not text or not str(text).strip():
        return settings
    own = settings.gemeente
    if code_of(text) == own.code or normalise_name(text) == normalise_name(own.naam):
        return settings
    cat = catalogue or load_catalogue()
    return settings_for(settings, cat.find(text))
