"""Loading the settings: the package's defaults, a planner's TOML file on top, then every check."""

from __future__ import annotations

import hashlib
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from woonzorg_geo.core.config import (
    DataSettings,
    Gemeente,
    HomeSettings,
    MapSettings,
    NetworkSettings,
    OnlineSettings,
    PlausibilitySettings,
    Profile,
    RasterSettings,
    RegioSettings,
    SearchSettings,
    Settings,
    build_accessibility,
)
from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.overlay_settings import build_overlays
from woonzorg_geo.core.settings_checks import check_indicator_profiles, validate_settings
from woonzorg_geo.core.site_settings import build_sites
from woonzorg_geo.core.toml_files import build_settings, read_layered_toml, read_toml, require_table

DEFAULT_SETTINGS = "instellingen.toml"
DEFAULT_CATEGORIES = "voorzieningen.toml"


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
            require_table(value, f"{where}:{key}")
            if key == "profielen":
                for name, vals in value.items():
                    require_table(vals, f"{where}:profielen.{name}")
                    table[key][name] = {**table[key].get(name, {}), **vals}
            elif key == "locaties":
                merged = {**table[key], **value}
                for sub in ("criteria", "uitsluiten"):  # per criterion / class, key by key
                    if sub in value:
                        require_table(value[sub], f"{where}:locaties.{sub}")
                        base_sub = dict(table[key].get(sub, {}))
                        for name, vals in value[sub].items():
                            require_table(vals, f"{where}:locaties.{sub}.{name}")
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
        bereikbaarheid=build_accessibility(table["bereikbaarheid"], f"{where}:bereikbaarheid"),
        raster=build_settings(RasterSettings, table["raster"], f"{where}:raster"),
        overlays=build_overlays(table["overlays"], f"{where}:overlays"),
        locaties=build_sites(table["locaties"], f"{where}:locaties"),
        plausibiliteit=build_settings(PlausibilitySettings, table["plausibiliteit"], f"{where}:plausibiliteit"),
        woningen=build_settings(HomeSettings, table.get("woningen", {}), f"{where}:woningen"),
        online=build_settings(OnlineSettings, table["online"], f"{where}:online"),
        regio=build_settings(RegioSettings, table["regio"], f"{where}:regio"),
        kaarten=build_settings(MapSettings, table.get("kaarten", {}), f"{where}:kaarten"),
        zoeken=build_settings(SearchSettings, table.get("zoeken", {}), f"{where}:zoeken"),
        source=where,
    )
    check_indicator_profiles(settings, where)
    validate_settings(settings)
    return settings


def load_category_rules(path: str | Path | None = None) -> dict[str, Any]:
    """Read the TOML that maps source tags to voorzieningen categories."""
    if path is None:
        text = resources.files("woonzorg_geo.data").joinpath(DEFAULT_CATEGORIES).read_text("utf-8")
        return tomllib.loads(text)
    return read_toml(Path(path))


def settings_fingerprint(settings: Settings) -> str:
    """A hash of every setting (the frozen dataclasses' repr), as given to :func:`.areas.analysis.analyse`."""
    return hashlib.sha256(repr(settings).encode("utf-8")).hexdigest()[:16]
