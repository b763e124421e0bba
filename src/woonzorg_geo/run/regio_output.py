"""The writing of ``regio``: ``regio.gpkg``, ``regio.csv``, ``regio.json``, the region's map and its text summary.

:func:`write_regio` writes a :class:`~woonzorg_geo.run.regional.RegioResult` all or nothing
(:func:`woonzorg_geo.core.io.staged_dir`); :func:`regio_table` is the table of ``regio.csv`` and
:func:`regio_text` the summary printed at the end of the run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.run.regional import RegionalRow, RegioResult

log = logging.getLogger(__name__)

#: Starts ``fn(**kwargs)`` somewhere else (a Dask worker) and hands back the wait for its result.
Elsewhere = Callable[..., Callable[[], Any]]


def regio_table(result: RegioResult) -> pd.DataFrame:
    """``regio.csv``: one row per gemeente asked for, failed ones with their reason."""
    status = pd.DataFrame(
        [
            {
                "code": t["code"],
                "naam": t["naam"],
                "status": t["status"],
                "reden": t.get("reden", ""),
                "map": t.get("map", ""),
            }
            for t in result.tasks
        ]
    ).set_index("code")
    figures = result.gemeenten.drop(columns=[result.gemeenten.geometry.name, "naam"], errors="ignore")
    return status.join(figures)


def write_regio_workbook(
    folder: Path, *, wijken: pd.DataFrame, tasks: list[RegionalRow], out_dir: Path, norm_m: float, csv_nl: bool
) -> list[Path]:
    """``overzicht.xlsx`` of a region into ``folder`` (the staging folder, where ``regio.csv`` is already):
    the sheets of :func:`.outputs.workbook.sheets.regio_sheets` (with ``csv_nl`` also ``regio_nl.csv``)."""
    from woonzorg_geo.outputs.workbook import write_exports
    from woonzorg_geo.outputs.workbook.sheets import regio_sheets

    sheets = regio_sheets(folder, wijken=wijken, tasks=tasks, out_dir=out_dir, norm_m=norm_m)
    return write_exports(folder, sheets, csv_nl=csv_nl)


def write_regio_map(
    path: Path,
    gemeenten: gpd.GeoDataFrame,
    wijken: gpd.GeoDataFrame,
    *,
    naam: str,
    norm_m: float,
    links: dict[str, str],
    offline: bool | None,
) -> Path:
    """The region's map (:func:`.outputs.maps.regio.regio_map`) saved at ``path``."""
    from woonzorg_geo.outputs.maps.layers import save_map
    from woonzorg_geo.outputs.maps.regio import regio_map

    m = regio_map(gemeenten, wijken, naam=naam, norm_m=norm_m, links=links, offline=offline)
    save_map(m, path)
    return path


def _started(elsewhere: Elsewhere | None, fn: Callable[..., Any], /, **kwargs: Any) -> Callable[[], Any]:
    """``fn(**kwargs)`` started by ``elsewhere``, or (without it, or when it cannot start) a call of it here."""
    if elsewhere is not None:
        try:
            return elsewhere(fn, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the cluster cannot take it: written here instead
            log.info("%s niet op het cluster (%s); hier geschreven", fn.__name__, exc)
    return lambda: fn(**kwargs)


def _finished(job: Callable[[], Any], fn: Callable[..., Any], /, **kwargs: Any) -> None:
    """Wait for ``job`` (started by :func:`_started`); when it failed elsewhere, call ``fn(**kwargs)`` here."""
    try:
        job()
    except Exception as exc:  # noqa: BLE001 - a lost worker, a bound reached, a full disk: here again (raises here)
        log.info("%s op het cluster mislukt (%s); hier geschreven", fn.__name__, exc)
        fn(**kwargs)


def write_regio(
    result: RegioResult,
    out_dir: Path,
    *,
    norm_m: float,
    maps: bool = True,
    offline: bool | None = None,
    csv_nl: bool = False,
    elsewhere: Elsewhere | None = None,
) -> list[Path]:
    """Write ``regio.gpkg`` (layers ``gemeenten``, ``wijken``), ``regio.csv``, ``regio.json``, the map and
    ``overzicht.xlsx`` (with ``csv_nl`` also ``regio_nl.csv``, see :mod:`woonzorg_geo.outputs.workbook`).

    All or nothing, like every output of the package (see :func:`.core.io.staged_dir`); the
    gemeenten's own folders are written by their tasks. ``elsewhere`` starts a function on the
    run's cluster (:meth:`.run.regio.ClusterJobs.start`): the workbook and the map are then made
    there, on the idle workers, while this process writes the rest (a job that fails there is done
    here again, so its error, if any, is raised here).
    """
    import json

    from woonzorg_geo import __version__
    from woonzorg_geo.core.files import json_default_or_text, write_csv
    from woonzorg_geo.core.io import Owner, staged_dir
    from woonzorg_geo.core.records import Manifest

    manifest: Manifest = {
        "programma": f"woonzorg_geo {__version__}",
        "regio": result.name,
        "gemeenten": [t["code"] for t in result.tasks],
    }
    owner = Owner("regio", None, result.name)
    with staged_dir(out_dir, owner=owner, replace_set=True, manifest=manifest) as tmp:
        # regio.csv first: the workbook's first sheet is read from it
        write_csv(tmp / "regio.csv", regio_table(result), encoding="utf-8")
        book: dict[str, Any] = {
            "folder": tmp,
            "wijken": pd.DataFrame(result.wijken.drop(columns="geometry", errors="ignore")),
            "tasks": result.tasks,
            "out_dir": out_dir,
            "norm_m": norm_m,
            "csv_nl": csv_nl,
        }
        jobs: list[tuple[Callable[..., Any], dict[str, Any], Callable[[], Any]]] = [
            (write_regio_workbook, book, _started(elsewhere, write_regio_workbook, **book))
        ]
        if maps and len(result.gemeenten):
            links = {
                t["code"]: f"../{t['map']}/maps/{slug(t['naam'])}_bereikbaarheid.html"
                for t in result.tasks
                if t["status"] == "ok"
            }
            kart: dict[str, Any] = {
                "path": tmp / "maps" / f"{slug(result.name)}_bereikbaarheid.html",
                "gemeenten": result.gemeenten,
                "wijken": result.wijken,
                "naam": result.name,
                "norm_m": norm_m,
                "links": links,
                "offline": offline,
            }
            jobs.append((write_regio_map, kart, _started(elsewhere, write_regio_map, **kart)))
        if len(result.gemeenten):
            gem = result.gemeenten.copy()
            gem["ratio_afwijkend"] = gem["ratio_afwijkend"].astype(object)
            gem.to_file(tmp / "regio.gpkg", layer="gemeenten", driver="GPKG")
            result.wijken.to_file(tmp / "regio.gpkg", layer="wijken", driver="GPKG")
        doc = {
            "regio": result.name,
            "cluster": result.cluster,
            "tiles": result.tiles,
            "tijden_s": result.timings,
            "gemeenten": result.tasks,
            "mislukt": result.failures,
        }
        (tmp / "regio.json").write_text(
            json.dumps(doc, indent=2, ensure_ascii=False, default=json_default_or_text), encoding="utf-8"
        )
        for fn, kwargs, job in jobs:
            _finished(job, fn, **kwargs)
        files = sorted(p.relative_to(tmp) for p in tmp.rglob("*") if p.is_file())
    return [out_dir / f for f in files]


def regio_text(result: RegioResult, *, norm_m: float, suffix: str = "") -> str:
    """The regional summary as Dutch text: one line per gemeente, failures with their reason."""
    n = int(norm_m)
    lines = [f"Bereikbaarheid te voet — {result.name} ({len(result.tasks)} gemeenten)", ""]
    head = (
        f"{'gemeente':<16} {'adressen':>9} {'per woning':>10} {'woningen':>9} {'per CBS':>8} {'OV+super':>9} "
        f"{'alle adr.':>9} {'CBS-gew.':>9} {'drie A':>7} {'huisarts':>9}   (aandelen per woning: ≤ {n} m; "
        "alle adr.: over alle adrespunten; CBS-gew.: gewogen naar CBS-woningen per wijk; huisarts: mediane loopafstand)"
    )
    lines += [head, "-" * len(head)]
    g = result.gemeenten
    for t in result.tasks:
        if t["status"] != "ok":
            lines.append(f"{t['naam']:<16} MISLUKT: {t['reden']}")
            continue
        r = g.loc[t["code"]]
        v = r.get("ratio_afwijkend", pd.NA)
        flag = " (!)" if pd.notna(v) and bool(v) else ""
        ov = f"pct_ov_en_supermarkt_{n}m"
        lines.append(
            f"{t['naam']:<16} {fmt.number(r['n_adressen']):>9} {fmt.number(r['adressen_per_woning'], 3):>10}"
            f"{flag} {fmt.number(r.get('n_woningen')):>9} {fmt.number(r.get('woningen_per_cbs'), 3):>8} "
            f"{fmt.number(r[f'{ov}{suffix}'], 1, unit='%'):>9} "
            f"{fmt.number(r.get(f'{ov}_alle_adressen{suffix}'), 1, unit='%'):>9} "
            f"{fmt.number(r.get(f'{ov}_cbs_gewogen{suffix}'), 1, unit='%'):>9} "
            f"{fmt.number(r[f'pct_drie_a_{n}m{suffix}'], 1, unit='%'):>7} "
            f"{fmt.number(r[f'med_afstand_huisarts_m{suffix}'], 0, unit=' m'):>9}"
        )
    flagged = g.index[g["ratio_afwijkend"].fillna(False).astype(bool)] if "ratio_afwijkend" in g else []
    if "zonder_voorzieningen" in g:
        for code, text in g["zonder_voorzieningen"].items():
            if text:
                drie_a = [c for c in ("supermarkt", "apotheek", "huisarts") if c in text.split(", ")]
                lines.append(
                    f"Let op: {g.loc[code, 'naam']} heeft in de gegevens geen {text} in of bij de gemeente; "
                    "afstanden daarheen ontbreken"
                    + (", en het aandeel met de drie A's is daardoor 0 %" if drie_a else "")
                    + "."
                )
    if "wijken_buiten_band" in g:
        for code, text in g["wijken_buiten_band"].items():
            if isinstance(text, str) and text:
                lines.append(f"Wijken van {g.loc[code, 'naam']} met woningen per CBS-woning buiten de band: {text}.")
    lines += [
        "",
        "Adrespunten per CBS-woning (woningvoorraad 2024): "
        + (
            "geen gemeente wijkt af."
            if not len(flagged)
            else "afwijkend: " + "; ".join(g.loc[c, "ratio_toelichting"] for c in flagged)
        ),
    ]
    lines.append(
        f"Tiles: {result.tiles.get('nodig', 0)} nodig, {result.tiles.get('gedecodeerd', 0)} gedecodeerd, "
        f"{result.tiles.get('uit_cache', 0)} uit de cache. Tijden (s): "
        + ", ".join(f"{k} {fmt.number(v, 1)}" for k, v in result.timings.items())
    )
    lines.append("Bronnen: © OpenStreetMap contributors (ODbL); CBS / PDOK (CC BY 4.0).")
    return "\n".join(lines) + "\n"
