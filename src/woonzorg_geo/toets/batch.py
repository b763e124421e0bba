"""Many initiatives at once: ``toets --lijst`` checked row by row, each row's outcome and the list's.

The list is read by :func:`woonzorg_geo.toets.list_file.read_initiatives`; every row is either
checked (:func:`check_list`, the result :func:`woonzorg_geo.toets.check.run_toets` gives for it
alone) or refused with its reason. Writing the overview, the map and the reports is
:mod:`woonzorg_geo.outputs.toets_lijst`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.toets.list_file import Initiative, InitiativeList, read_initiatives, single_spaced
from woonzorg_geo.toets.model import ToetsResult
from woonzorg_geo.toets.places import Places
from woonzorg_geo.toets.records import RefusedRow
from woonzorg_geo.toets.settings import Geocode, ToetsSettings

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """A checked row, as the overview and the map show it (the full result is the report)."""

    ini: Initiative
    type_label: str
    eenheid: str
    buurt: str | None
    wijk: str | None
    delen: tuple[str, str, str, str]
    oordeel: str
    lon: float | None
    lat: float | None
    locatie: str  # where the row was found (the geocoder's label, or the point)
    rapport: str = ""  # the report's file name, when written
    nauwkeurigheid: str = ""  # how precisely the row was placed (adres, straat, punt)

    @classmethod
    def of(cls, ini: Initiative, res: ToetsResult, *, rapport: str = "") -> Outcome:
        """The summary of ``res``, the check of ``ini``."""
        loc = res.locatie
        delen = tuple(d.oordeel for d in res.delen)
        return cls(
            ini=ini,
            type_label=res.zorgtype.label,
            eenheid=res.zorgtype.omvang_eenheid,
            buurt=loc.get("buurtnaam"),
            wijk=loc.get("wijknaam"),
            delen=(delen[0], delen[1], delen[2], delen[3]),
            oordeel=res.oordeel,
            lon=loc.get("lon"),
            lat=loc.get("lat"),
            locatie=str(loc.get("label") or ini.invoer),
            rapport=rapport,
            nauwkeurigheid=str(loc.get("geocode_precisie") or ""),
        )


@dataclass(frozen=True)
class ListOutcome:
    """The outcome of a list: the checked rows and the rows that could not be checked, with the reason."""

    bron: str
    getoetst: tuple[Outcome, ...]
    niet_getoetst: tuple[RefusedRow, ...]
    meldingen: tuple[str, ...] = ()
    rapporten: bool = False

    def table(self) -> pd.DataFrame:
        """One row per initiative of the file, in its order: the four parts and the verdict, or the reason."""
        rows: list[dict[str, Any]] = []
        for u in self.getoetst:
            ini = u.ini
            rows.append(
                {
                    "regel": ini.regel,
                    "regel_bestand": ini.regel_bestand,
                    "naam": ini.naam,
                    "invoer": ini.invoer,
                    "type": ini.type,
                    "type_label": u.type_label,
                    "omvang": ini.omvang,
                    "buurt": u.buurt,
                    "wijk": u.wijk,
                    **{f"deel_{k}": v for k, v in enumerate(u.delen, start=1)},
                    "oordeel": u.oordeel,
                    "nauwkeurigheid": u.nauwkeurigheid,
                    "veld": "",
                    "reden": "",
                    "lon": u.lon,
                    "lat": u.lat,
                    "rapport": u.rapport,
                }
            )
        for r in self.niet_getoetst:
            rows.append(
                {
                    "regel": r["regel"],
                    "regel_bestand": r["regel_bestand"],
                    "naam": r["naam"],
                    "invoer": r["invoer"],
                    "type": r.get("type", ""),
                    "type_label": r.get("type_label") or r.get("type", ""),
                    "omvang": r.get("omvang", ""),
                    "oordeel": "niet getoetst",
                    "veld": r.get("veld", ""),
                    "reden": r["reden"],
                    "rapport": "",
                }
            )
        cols = [
            "regel",
            "regel_bestand",
            "naam",
            "invoer",
            "type",
            "type_label",
            "omvang",
            "buurt",
            "wijk",
            "deel_1",
            "deel_2",
            "deel_3",
            "deel_4",
            "oordeel",
            "nauwkeurigheid",
            "veld",
            "reden",
            "lon",
            "lat",
            "rapport",
        ]
        frame = pd.DataFrame(rows, columns=cols)
        return frame.sort_values("regel", kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------------------------


def check_list(
    analysis: Analysis,
    invoer: InitiativeList | str | Path,
    *,
    register: Path | None = None,
    settings: ToetsSettings,
    geocoder: Geocode | None = None,
    places: Places | None = None,
    on_result: Callable[[Initiative, ToetsResult], str] | None = None,
) -> ListOutcome:
    """Check every initiative of the list; a row that cannot be checked is listed with the reason.

    Parameters
    ----------
    analysis
        The analysis (see :func:`.check.run_toets`).
    invoer
        The list as read by :func:`read_initiatives`, or its path.
    register, settings, geocoder, places
        As for :func:`.check.run_toets`; the register is read and geocoded once for the list.
    on_result
        Called with every checked row and its full result (to write its report); returns the
        report's file name, shown in the overview.

    Returns
    -------
    ListOutcome
        Each checked row gets the result :func:`.check.run_toets` gives for it alone.
    """
    from woonzorg_geo.toets.check import check_site, prepare_toets

    if not isinstance(invoer, InitiativeList):
        invoer = read_initiatives(invoer, settings=settings)
    ctx = prepare_toets(
        analysis,
        register=register,
        settings=settings,
        geocoder=geocoder,
        places=places,
        many=True,
        kaart=on_result is not None,  # a map only in the reports
    )
    done: list[Outcome] = []
    failed = list(invoer.geweigerd)
    every = max(1, len(invoer.rijen) // 10)
    for k, ini in enumerate(invoer.rijen, start=1):
        if k % every == 0:
            log.info("lijst %s: %d van %d rijen getoetst", invoer.bron, k, len(invoer.rijen))
        try:
            res = check_site(ctx, adres=ini.adres, punt=ini.punt, zorgtype=ini.type, omvang=ini.omvang)
        except WoonzorgError as exc:
            failed.append(_refusal_of(ini, "adres" if ini.adres else "lon, lat", str(exc)))
            continue
        except Exception as exc:  # one row's internal error must not end the list
            log.debug("lijst %s regel %d: interne fout", invoer.bron, ini.regel, exc_info=True)
            failed.append(
                _refusal_of(
                    ini,
                    "(hele rij)",
                    f"interne fout bij deze rij ({type(exc).__name__}: {exc}); de andere rijen zijn getoetst. "
                    "Oplossing: meld dit bij de beheerders van woonzorg_geo, met deze rij",
                )
            )
            continue
        rapport = ""
        if on_result is not None:
            rapport = on_result(ini, res)
        done.append(Outcome.of(ini, res, rapport=rapport))
    failed = [{**r, "type_label": type_label(r.get("type"), settings)} for r in failed]
    for r in sorted(failed, key=lambda r: r["regel"]):
        log.warning("lijst %s regel %d (%s) niet getoetst: %s", invoer.bron, r["regel"], r["naam"], r["reden"])
    return ListOutcome(
        bron=invoer.bron,
        getoetst=tuple(done),
        niet_getoetst=tuple(sorted(failed, key=lambda r: r["regel"])),
        meldingen=invoer.meldingen,
        rapporten=on_result is not None,
    )


def type_label(kind: object, settings: ToetsSettings) -> str:
    """The Dutch label of a type as the list gives it (a key or label of ``[types]``); an unknown
    type is shown as given (its row's reason says it is unknown)."""
    from woonzorg_geo.toets.locate import type_key

    text = "" if kind is None else str(kind).strip()
    key = type_key(text, settings.types) if text else None
    return settings.types[key].label if key is not None else text


def _refusal_of(ini: Initiative, veld: str, reden: str) -> RefusedRow:
    return {
        "regel": ini.regel,
        "regel_bestand": ini.regel_bestand,
        "naam": ini.naam,
        "invoer": ini.invoer,
        "type": ini.type,
        "omvang": ini.omvang,
        "veld": veld,
        "reden": reden,
    }


def wants_reports(invoer: InitiativeList, settings: ToetsSettings, rapporten: bool | None) -> bool:
    """Whether a report per row is written: as asked, else for a list of at most ``lijst.rapporten_max_rijen``."""
    if rapporten is not None:
        return rapporten
    return invoer.n_initiatives <= settings.lijst.rapporten_max_rijen


def summary_lines(lijst: ListOutcome, *, max_rows: int = 50) -> Sequence[str]:
    """The outcome in a few Dutch lines for the console: counts, then the rows (the refused ones first)."""
    counts: dict[str, int] = {}
    for u in lijst.getoetst:
        counts[u.oordeel] = counts.get(u.oordeel, 0) + 1
    lines = [
        f"{len(lijst.getoetst)} initiatieven getoetst, {len(lijst.niet_getoetst)} niet"
        + (": " + ", ".join(f"{counts[v]} {v}" for v in ("groen", "oranje", "rood", "onbekend") if v in counts))
    ]
    refused = [
        f"  regel {r['regel']} {single_spaced(str(r['naam']))}: NIET GETOETST ({r.get('veld') or '?'}) — {r['reden']}"
        for r in lijst.niet_getoetst
    ]
    checked = [f"  regel {u.ini.regel} {u.ini.naam}: {u.oordeel} (delen {', '.join(u.delen)})" for u in lijst.getoetst]
    shown = refused[:max_rows] + checked[: max(0, max_rows - len(refused))]
    lines.extend(shown)
    rest = len(refused) + len(checked) - len(shown)
    if rest > 0:
        lines.append(f"  … en {rest} rijen meer: zie toetsen.csv en toetsen.html")
    return lines
