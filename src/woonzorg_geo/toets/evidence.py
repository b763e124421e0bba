"""The sources a toets names: the framework, its thresholds, the datasets, the geocoding."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from woonzorg_geo.toets.records import SiteInfo
from woonzorg_geo.toets.settings import CareType, ToetsSettings

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

#: How the site was located, in Dutch.
GEOCODE_METHODS = {
    "osm_straat_huisnummer": "offline: OpenStreetMap-straat en huisnummer",
    "osm_straat": "offline: OpenStreetMap-straat (zonder huisnummer)",
    "pc4_middelpunt": "offline: middelpunt van het postcodegebied",
    "pdok_locatieserver": "PDOK Locatieserver",
    "punt": "opgegeven punt (--punt)",
}


def toets_sources(
    analysis: Analysis,
    s: ToetsSettings,
    register: Path | None,
    rapport: str,
    loc: SiteInfo,
    *,
    zorgtype: CareType | None = None,
) -> list[dict[str, str]]:
    """The sources of a toets (framework, thresholds, datasets, report, residents per unit, register,
    geocoding, map)."""
    from woonzorg_geo.sources.datasets import CATALOGUE

    out = [
        {"naam": s.kader.naam, "bron": s.kader.bron, "toelichting": s.kader.disclaimer},
        {
            "naam": "Drempels van deze toets",
            "bron": f"toetsingskader-instellingen: {s.source}",
            "toelichting": "elke drempel staat in de tabellen met zijn bron",
        },
    ]
    paths = analysis.inputs.paths
    for key, meta in CATALOGUE.items():
        if key in paths:
            out.append(
                {
                    "naam": meta["omschrijving"],
                    "bron": f"{meta['bron']} ({meta['datum']})",
                    "toelichting": f"licentie: {meta['licentie']}",
                }
            )
    if not paths:
        out.append(
            {
                "naam": "OpenStreetMap",
                "bron": str(analysis.inputs.osm.source),
                "toelichting": "© OpenStreetMap contributors (ODbL)",
            }
        )
    out.append(
        {
            "naam": "Wijkcijfers, buurtsignalen, Wmo-cijfers",
            "bron": rapport,
            "toelichting": "Aedes veerkracht- en focuskaart 2022, Gezondheidsmonitor 2022, Wmo-registratie "
            "2024, CBS 2024 (via het rapport)",
        }
    )
    if zorgtype is not None and zorgtype.bewoners_per_eenheid_bron:
        one = zorgtype.omvang_eenheid.removesuffix("en")
        out.append(
            {
                "naam": f"Bewoners per {one} ({zorgtype.label.lower()})",
                "bron": zorgtype.bewoners_per_eenheid_bron,
                "toelichting": f"types.{zorgtype.key}.bewoners_per_eenheid in het toetsingskader",
            }
        )
    out.append(
        {
            "naam": "Register van zorginitiatieven",
            "bron": str(register) if register is not None else "niet opgegeven",
            "toelichting": "aangeleverd door de gebruiker"
            if register is not None
            else "lever een register aan voor deel 1",
        }
    )
    method = str(loc.get("geocode_methode") or "")
    out.append(
        {
            "naam": "Geocodering",
            "bron": GEOCODE_METHODS.get(method, method or "onbekend"),
            "toelichting": str(loc.get("precisie_tekst")),
        }
    )
    out.append(
        {
            "naam": "Kaartgegevens",
            "bron": "© OpenStreetMap contributors (ODbL); CBS/PDOK (CC BY 4.0)",
            "toelichting": "",
        }
    )
    return out
