"""Settings of the planner's workbench (``[app]`` in instellingen.toml), each with its reason there."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.settings_loader import DEFAULT_SETTINGS
from woonzorg_geo.core.toml_files import build_settings, read_layered_toml


@dataclass(frozen=True)
class AppSettings:
    """The port, the norm slider, the request limits and the background roads of ``woonzorg-geo app``."""

    poort: int = 8765
    norm_min_m: float = 400.0
    norm_max_m: float = 1200.0
    norm_stap_m: float = 50.0
    max_body_bytes: int = 262144
    max_wijzigingen: int = 200
    max_zoekresultaten: int = 25
    max_zoek_tekens: int = 100
    max_woningen: int = 20000
    wegklassen: tuple[str, ...] = ()

    def norms(self) -> list[float]:
        """Every norm the slider offers, from ``norm_min_m`` to ``norm_max_m`` by ``norm_stap_m``."""
        n = round((self.norm_max_m - self.norm_min_m) / self.norm_stap_m)
        return [self.norm_min_m + k * self.norm_stap_m for k in range(n + 1)]


def load_app_settings(path: str | Path | None = None) -> AppSettings:
    """The ``[app]`` table of the package's settings, with that of ``path`` (an own settings file) on top.

    Raises
    ------
    SettingsError
        An unknown key, a value of the wrong type, or a slider whose range or step does not fit.
    """
    table, user, where = read_layered_toml(DEFAULT_SETTINGS, path)
    merged = {**table.get("app", {}), **user.get("app", {})}
    s = build_settings(AppSettings, merged, f"{where}:app")
    if not (0 < s.norm_min_m < s.norm_max_m and s.norm_stap_m > 0):
        raise SettingsError(
            f"{where}:app: de normschuif loopt van {s.norm_min_m} tot {s.norm_max_m} m in stappen van "
            f"{s.norm_stap_m} m. Oplossing: kies 0 < norm_min_m < norm_max_m en norm_stap_m > 0"
        )
    steps = (s.norm_max_m - s.norm_min_m) / s.norm_stap_m
    if abs(steps - round(steps)) > 1e-9:
        raise SettingsError(
            f"{where}:app: {s.norm_max_m} − {s.norm_min_m} m is geen veelvoud van norm_stap_m = {s.norm_stap_m}. "
            "Oplossing: kies een stap die het bereik precies verdeelt, bijv. 50"
        )
    if not 0 < s.poort < 65536:
        raise SettingsError(f"{where}:app.poort: {s.poort} is geen poortnummer. Oplossing: kies 1 … 65535, bijv. 8765")
    return s
