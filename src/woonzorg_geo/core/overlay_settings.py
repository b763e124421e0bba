"""Settings of the overlays (``[overlays]``): the indicators of draaglast and draagkracht and how they are scaled."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from woonzorg_geo.core.errors import SettingsError
from woonzorg_geo.core.toml_files import build_settings


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


def build_overlays(table: dict[str, Any], where: str) -> OverlaySettings:
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
