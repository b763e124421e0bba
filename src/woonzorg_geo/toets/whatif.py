"""The what-if of the check: the areas' figures now and after the initiative opens."""

from __future__ import annotations

import pandas as pd

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.toets.access import RunNorm, norm_text
from woonzorg_geo.toets.model import per_1000, per_1000_after, share_after, wmo_per_1000_after
from woonzorg_geo.toets.records import AreaLevel, Inhabitants, RegionCounts, WhatIfRow, area_inhabitants
from woonzorg_geo.toets.residents import estimate_residents
from woonzorg_geo.toets.settings import CareType, ToetsSettings
from woonzorg_geo.toets.values import as_float, as_text


def what_if_rows(
    s: ToetsSettings,
    zt: CareType,
    omvang: int,
    buurt: pd.Series | None,
    wijk: pd.Series | None,
    inw: Inhabitants,
    counts: RegionCounts,
    register: str,
    norm_ok: bool | None,
    rapport: str,
    run: RunNorm,
) -> list[WhatIfRow]:
    """The what-if rows: the buurt's and wijk's figures now and with the initiative's residents added.

    Parameters
    ----------
    s, zt, omvang
        The toets settings, the initiative's type and size.
    buurt, wijk
        The site's buurt and wijk rows (None when the site lies in none).
    inw
        Inhabitants as :func:`.parts.inhabitants` gives them.
    counts
        The counts of part 1 (:func:`.parts.part_region`).
    register
        ``geen``, ``onbruikbaar`` or ``ok`` (a note says when the counts are a lower bound).
    norm_ok
        Whether the site meets the walking norm (None: unknown).
    rapport
        The name of the municipal report (for the sources).
    run
        The run's norm and profile.

    Returns
    -------
    list of WhatIfRow
        One row per area and indicator: ``niveau``, ``naam``, ``indicator``, ``nu``, ``na``, ``eenheid``, …
    """
    rows: list[WhatIfRow] = []
    if register != "ok":
        reg_note = " (alleen OpenStreetMap: onvolledig, lever een register aan)"
    elif counts["niet_geplaatst"]:
        reg_note = f" (ondergrens: {counts['niet_geplaatst']} register-rij(en) niet geplaatst)"
    else:
        reg_note = ""
    est = estimate_residents(zt, omvang, wijk)
    people = est.tekst + (f" (bron: {est.bron})" if est.bron else "")
    added = est.aantal  # residents the initiative adds (omvang × residents per unit)
    norm_cats = s.bereikbaarheid.norm_categorieen
    col = f"pct_{'_en_'.join(norm_cats)}_{int(run.norm_m)}m{run.suffix}"
    levels: tuple[tuple[AreaLevel, pd.Series | None], ...] = (("buurt", buurt), ("wijk", wijk))
    for level, area in levels:
        if area is None:
            continue
        naam = as_text(area.get("naam"), "onbekend")
        inh, inh_source = area_inhabitants(inw, level)
        n = counts[level]["n"]
        n_same = counts[level]["n_zelfde_type"]
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": "inwoners",
                "eenheid": "personen",
                "nu": inh,
                "na": None if inh is None else inh + added,
                "toelichting": f"{people}; {inh_source or 'inwoners onbekend'}",
            }
        )
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": "zorginitiatieven (alle typen)",
                "eenheid": "aantal",
                "nu": n,
                "na": n + 1,
                "toelichting": "+1 initiatief" + reg_note,
            }
        )
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": "zorginitiatieven per 1.000 inwoners",
                "eenheid": "per 1.000",
                "nu": per_1000(n, inh),
                "na": per_1000_after(n, inh, added),
                "toelichting": "(aantal + 1) / (inwoners + bewoners) × 1.000" + reg_note,
            }
        )
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": f"initiatieven van het type {zt.label.lower()} per 1.000 inwoners",
                "eenheid": "per 1.000",
                "nu": per_1000(n_same, inh),
                "na": per_1000_after(n_same, inh, added),
                "toelichting": "(aantal + 1) / (inwoners + bewoners) × 1.000" + reg_note,
            }
        )
        pct = as_float(area.get(col)) if col in area else None
        if pct is None:
            why = f"aandeel voor de {level} onbekend (kolom {col} ontbreekt of is leeg)"
        elif norm_ok is None:
            why = "bereikbaarheid van de locatie onbekend"
        else:
            why = (
                "aandeel van de adressen, toegepast op de inwoners; de nieuwe bewoners krijgen de "
                f"bereikbaarheid van de locatie ({'voldoet' if norm_ok else 'voldoet niet'})"
            )
        rows.append(
            {
                "gebied": level,
                "naam": naam,
                "indicator": f"inwoners met {norm_text(run, s)} ({run.profile_label})",
                "eenheid": "%",
                "nu": pct,
                "na": share_after(pct, inh, added, norm_ok),
                "toelichting": why,
            }
        )
    if zt.wmo_kolom and wijk is not None:
        r = as_float(wijk.get(zt.wmo_kolom))
        rows.append(
            {
                "gebied": "wijk",
                "naam": as_text(wijk.get("naam"), "onbekend"),
                "indicator": f"Wmo {zt.label.lower()} per 1.000 inwoners",
                "eenheid": "per 1.000",
                "nu": r,
                "na": wmo_per_1000_after(r, inw["wijk"], added),
                "toelichting": (
                    f"{rapport} (Wmo-registratie 2024); aanname: alle {fmt.number(added, 0)} bewoners krijgen deze "
                    "voorziening en wonen in de wijk: (cliënten + bewoners) / (inwoners + bewoners) × 1.000"
                ),
            }
        )
    for row in rows:
        now, after = as_float(row["nu"]), as_float(row["na"])
        row["nu"] = None if now is None else round(now, 3)
        row["na"] = None if after is None else round(after, 3)
    return rows
