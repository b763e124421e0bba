"""Results of the check (criteria, parts, the whole) and small number helpers."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from woonzorg_geo.toets.records import AccessRow, NearbyInitiative, SiteInfo, ToetsInput, UnplacedRow, WhatIfRow
from woonzorg_geo.toets.residents import estimate_residents
from woonzorg_geo.toets.settings import SEVERITY, CareType, FrameworkSettings
from woonzorg_geo.toets.site_map import SiteMap, site_map_geojson
from woonzorg_geo.toets.values import as_float, is_present

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedCriterion:
    """One checked criterion: value, threshold, source and verdict.

    The field names are the JSON keys of ``criteria`` in ``toets.json`` (written verbatim), hence Dutch.
    """

    code: str
    naam: str
    waarde: float | str | None
    waarde_tekst: str
    drempel: str
    bron: str
    oordeel: str
    toelichting: str = ""
    #: False for a criterion whose signal another criterion of the part already carries (draaglast
    #: and draagkracht are the two sides of the balans): shown, but not in the part's verdict
    telt_mee: bool = True


@dataclass(frozen=True)
class Part:
    """One of the four parts of the framework with its criteria and verdict.

    The field names are the JSON keys of ``delen`` in ``toets.json`` (written verbatim), hence Dutch.
    """

    nummer: int
    code: str
    titel: str
    vraag: str
    criteria: tuple[CheckedCriterion, ...]
    oordeel: str
    toelichting: str = ""


@dataclass(frozen=True)
class ToetsResult:
    """The outcome of :func:`run_toets`; :meth:`to_dict` gives the JSON content.

    The field names are (with ``initiatieven`` → ``initiatieven_in_de_buurt`` and ``niet_geplaatst``
    → ``register_niet_geplaatst``) the keys of ``toets.json``, hence Dutch.
    """

    slug: str
    invoer: ToetsInput
    locatie: SiteInfo
    zorgtype: CareType
    omvang: int
    delen: tuple[Part, ...]
    oordeel: str
    samenvatting: str
    bereikbaarheid: tuple[AccessRow, ...]
    wat_als: tuple[WhatIfRow, ...]
    initiatieven: tuple[NearbyInitiative, ...]
    niet_geplaatst: tuple[UnplacedRow, ...]
    bronnen: tuple[dict[str, str], ...]
    meldingen: tuple[str, ...]
    kader: FrameworkSettings
    instellingen: str
    gemaakt_op: str
    #: the map of the site (EPSG:28992; :func:`.site_map.site_map`), None when not drawn
    kaart: SiteMap | None = None

    def part(self, key: int | str) -> Part:
        """A part by number (1–4) or code (``regio``, ``gemeente``, ``wijk``, ``initiatief``)."""
        for d in self.delen:
            if key in (d.nummer, d.code):
                return d
        raise KeyError(key)

    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-ready types (NaN becomes None)."""
        out = {
            "toets": "toetsingskader zorginitiatieven",
            "kader": dataclasses.asdict(self.kader),
            "instellingen": self.instellingen,
            "gemaakt_op": self.gemaakt_op,
            "invoer": self.invoer,
            "zorgtype": dataclasses.asdict(self.zorgtype),
            "omvang": self.omvang,
            # residents the initiative adds (omvang × residents per unit of the type), with the source
            "bewoners": dataclasses.asdict(estimate_residents(self.zorgtype, self.omvang)),
            "locatie": self.locatie,
            "oordeel": self.oordeel,
            "samenvatting": self.samenvatting,
            "delen": [
                {
                    **{k: v for k, v in dataclasses.asdict(d).items() if k != "criteria"},
                    "criteria": [dataclasses.asdict(c) for c in d.criteria],
                }
                for d in self.delen
            ],
            "bereikbaarheid": list(self.bereikbaarheid),
            "wat_als": list(self.wat_als),
            "initiatieven_in_de_buurt": list(self.initiatieven),
            "register_niet_geplaatst": list(self.niet_geplaatst),
            "bronnen": list(self.bronnen),
            "meldingen": list(self.meldingen),
            # the map as GeoJSON (EPSG:4326): site, area of the norm walk, routes, voorzieningen
            "kaart": None if self.kaart is None else site_map_geojson(self.kaart),
        }
        plain: dict[str, Any] = _plain(out)
        return plain


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj) if np.isfinite(obj) else None
    if isinstance(obj, Path):
        return str(obj)
    if obj is None or isinstance(obj, str):
        return obj
    if is_present(obj) is False:
        return None
    return str(obj)


def counted(criteria: Sequence[CheckedCriterion]) -> list[CheckedCriterion]:
    """The criteria that count in a part's verdict (each underlying signal once)."""
    return [c for c in criteria if c.telt_mee]


def worst(verdicts: Sequence[str]) -> str:
    """Combine verdicts: rood > oranje > onbekend > groen; no verdicts at all is onbekend."""
    if not verdicts:
        return "onbekend"
    return max(verdicts, key=lambda v: SEVERITY[v])


def per_1000(count: float, inwoners: float | None) -> float:
    """``count`` per 1,000 inhabitants (NaN when the inhabitants are unknown or zero)."""
    inw = as_float(inwoners)
    return float("nan") if not inw else 1000.0 * float(count) / inw


def per_1000_after(count: float, inwoners: float | None, omvang: float) -> float:
    """Initiatives per 1,000 inhabitants after one initiative with ``omvang`` residents is added."""
    inw = as_float(inwoners)
    return float("nan") if inw is None else per_1000(float(count) + 1, inw + omvang)


def share_after(pct: float | None, inwoners: float | None, omvang: float, voldoet: bool | None) -> float:
    """The share (percent) of residents meeting a norm after ``omvang`` residents are added.

    The existing residents keep their share ``pct``; the new ones all meet the norm when
    ``voldoet`` (the site meets it) and none do otherwise.
    """
    p, inw = as_float(pct), as_float(inwoners)
    if p is None or inw is None or voldoet is None or inw + omvang <= 0:
        return float("nan")
    return (p * inw + 100.0 * omvang * float(bool(voldoet))) / (inw + omvang)


def wmo_per_1000_after(per1000: float | None, inwoners: float | None, omvang: float) -> float:
    """A Wmo figure per 1,000 inhabitants after ``omvang`` clients who also live there are added."""
    r, inw = as_float(per1000), as_float(inwoners)
    if r is None or inw is None or inw + omvang <= 0:
        return float("nan")
    return 1000.0 * (r * inw / 1000.0 + omvang) / (inw + omvang)


#: 'Straat 12a 9401 KX Plaats' without a comma: the street with its house number, then the rest.
_NO_COMMA = re.compile(r"^(?P<street>.*?\S\s+\d+(?:[A-Za-z]{1,2}\b|[-/][0-9A-Za-z]{1,4}\b)?)(?:\s+(?P<rest>\S.*))?$")


def split_address(text: str) -> tuple[str, str | None, str | None]:
    """Split ``'Stationsstraat 44, 9401 KX Assen'`` into street+number, postcode and plaats.

    The comma is optional: in ``'stationsstraat 44 assen'`` or ``'Stationsstraat 44a 9401 KX Assen'``
    the street ends with the first house number (with its letter or ``-``/``/`` addition) that
    follows a word, so a street that starts with a number (``'2e Industrieweg 5 Assen'``) still parses.
    """
    parts = [p.strip() for p in str(text).split(",")]
    street = parts[0]
    rest = " ".join(p for p in parts[1:] if p).strip()
    if len(parts) == 1:
        m = _NO_COMMA.match(street)
        if m:
            street, rest = m.group("street"), (m.group("rest") or "").strip()
    postcode = None
    m = re.match(r"^(\d{4}\s*[A-Za-z]{2})(?:\s+(.*))?$", rest) or re.match(r"^(\d{4})(?:\s+(.*))?$", rest)
    if m:
        postcode, rest = m.group(1), (m.group(2) or "").strip()
    return street, postcode, (rest or None)
