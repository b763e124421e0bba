"""Checks of loaded settings: every value that reaches a headline figure makes sense, or is refused."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import TYPE_CHECKING

from woonzorg_geo.core.errors import SettingsError

if TYPE_CHECKING:
    from woonzorg_geo.core.config import Settings

#: What delimits the gemeente (see ``[data] gemeente_vorm`` in the settings).
GEMEENTE_VORMEN = ("gemeentegrens", "buurten")


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


def check_indicator_profiles(settings: Settings, where: str) -> None:
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
