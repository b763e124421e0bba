"""The overlays of one gemeente: join the tables, compute the indices and classes, report what is missing."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence

import geopandas as gpd
import pandas as pd

from woonzorg_geo.areas.overlays.buurten import buurt_classes
from woonzorg_geo.areas.overlays.index import absent_indicators, wijk_indices
from woonzorg_geo.areas.overlays.sensitivity import sensitivity
from woonzorg_geo.areas.overlays.tables import join_indicators, read_signals, read_wijk_facts, read_wijkcijfers
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.overlay_settings import OverlaySettings

log = logging.getLogger(__name__)


def build_overlays(
    wijken: gpd.GeoDataFrame,
    buurten: gpd.GeoDataFrame,
    settings: OverlaySettings,
    *,
    extra_tables: Sequence[tuple[str, pd.DataFrame]] = (),
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, object]]:
    """Add the overlay columns to the wijken and buurten (copies) and return a report.

    Parameters
    ----------
    wijken, buurten
        Areas with the accessibility figures of the analysis (index: CBS code).
    settings
        Overlay settings (indicators, weights, class limits).
    extra_tables
        Further indicator tables a planner supplies, as ``(source name, table by CBS code)``;
        wijk codes join onto wijken, buurt codes onto buurten.
    """
    koppeling: dict[str, dict[str, list[str]]] = {}
    report: dict[str, object] = {"koppeling": koppeling}
    absent: list[str] = []
    from_report: set[str] = set()  # columns taken from the report's tables
    from_planner: dict[str, str] = {}  # column → the planner's table it came from
    w = wijken
    if settings.wijkcijfers:
        figures = read_wijkcijfers(settings.wijkcijfers)
        if figures.index.isin(wijken.index).any():
            w, rep = join_indicators(wijken, figures, source=str(settings.wijkcijfers), level="wijk")
            koppeling[str(settings.wijkcijfers)] = rep
            from_report |= set(figures.columns) - set(wijken.columns)
        else:
            log.warning(
                "%s: geen enkele wijk van deze gemeente; deze wijkcijfers worden niet gebruikt", settings.wijkcijfers
            )
            absent.append(f"wijkcijfers ({settings.wijkcijfers} hoort bij een andere gemeente)")
    else:
        absent.append("wijkcijfers uit een rapport van de gemeente")
    if settings.feiten:
        facts = read_wijk_facts(settings.feiten)
        facts = facts[[c for c in facts.columns if c not in w.columns]]
        if len(facts.columns) and facts.index.isin(wijken.index).any():
            # the report's single figures cover a few wijken: the others are missing, not reported one by one
            w = w.join(facts)
            from_report |= set(facts.columns)
    w, from_cbs = cbs_values(w, settings)
    from_report -= from_cbs
    b = buurten
    for name, table in extra_tables:
        if table.index.astype(str).str.startswith("WK").any():
            w, rep = join_indicators(w, table, source=name, level="wijk")
        else:
            b, rep = join_indicators(b, table, source=name, level="buurt")
        koppeling[name] = rep
        from_planner.update({str(c): name for c in table.columns})
    absent_inds = absent_indicators(w, settings)
    report["ontbrekende_indicatoren"] = [i.kolom for i in absent_inds]
    idx = wijk_indices(w, settings)
    w = w.join(idx)
    signals = read_signals(settings.buurtsignalen) if settings.buurtsignalen else None
    if signals is not None and not signals["buurtcode"].isin(buurten.index).any():
        log.warning(
            "%s: geen enkele buurt van deze gemeente; deze buurtsignalen worden niet gebruikt", settings.buurtsignalen
        )
        absent.append(f"buurtsignalen ({settings.buurtsignalen} hoort bij een andere gemeente)")
        signals = None
    elif signals is None:
        absent.append("buurtsignalen uit een rapport van de gemeente")
    classes = buurt_classes(b, signals, w, settings)
    b = b.join(classes)
    wk = b["wijkcode"] if "wijkcode" in b else pd.Series([c[:8].replace("BU", "WK") for c in b.index], index=b.index)
    for col in ("draaglast", "draagkracht", "balans", "balans_klasse"):
        b[f"wijk_{col}"] = wk.map(idx[col])
    focus_buurten = classes.loc[classes["focus"] == "hoog"].index
    w["focus_buurten"] = [", ".join(b.loc[(wk == code) & b.index.isin(focus_buurten), "naam"]) for code in w.index]
    w["lage_veerkracht_buurten"] = [
        ", ".join(b.loc[(wk == code) & (b["veerkracht"] == "laag"), "naam"]) for code in w.index
    ]
    report["gevoeligheid"] = sensitivity(w, settings)
    report["bronnen_ontbrekend"] = absent
    not_found: dict[str, list[str]] = {
        kind: [
            ind.label or ind.kolom for ind in getattr(settings, kind) if ind.kolom not in w or w[ind.kolom].isna().all()
        ]
        for kind in ("draaglast", "draagkracht")
    }
    report["indicatoren_ontbrekend"] = not_found
    report["zonder_balans"] = not bool(w["balans"].notna().any())
    report["herkomst"] = provenance(w, settings, from_report=from_report, from_planner=from_planner, from_cbs=from_cbs)
    report["herkomst_tekst"] = provenance_text(report["herkomst"], settings)  # type: ignore[arg-type]
    report["herkomst_kort"] = provenance_short(report["herkomst"], settings)  # type: ignore[arg-type]
    missing = "; ".join(f"{k}: {', '.join(v)}" for k, v in not_found.items() if v)
    if absent or missing:
        log.warning(
            "overlays%s; ontbrekende indicatoren (tellen als ontbrekend, de balans rust op de overige): %s",
            f" zonder {' en '.join(absent)}" if absent else "",
            missing or "geen",
        )
    return (
        gpd.GeoDataFrame(w, geometry="geometry", crs=wijken.crs),
        gpd.GeoDataFrame(b, geometry="geometry", crs=buurten.crs),
        report,
    )


#: How the provenance names an indicator filled from CBS online (:func:`cbs_values`).
CBS_ONLINE = "CBS Kerncijfers wijken en buurten 2024 (PDOK, online)"


def cbs_values(wijken: pd.DataFrame, settings: OverlaySettings) -> tuple[pd.DataFrame, set[str]]:
    """Fill each indicator that names a ``cbs_kolom`` from that CBS column where the wijken carry it.

    CBS's value comes first (one source for every wijk); a wijk CBS leaves empty keeps the report's
    value. Returns the (copied) wijken and the indicator columns so filled.
    """
    out = wijken
    filled: set[str] = set()
    for ind in (*settings.draaglast, *settings.draagkracht):
        if not ind.cbs_kolom or ind.cbs_kolom not in wijken:
            continue
        cbs = pd.to_numeric(wijken[ind.cbs_kolom], errors="coerce")
        if not cbs.notna().any():
            continue
        if out is wijken:
            out = wijken.copy()
        own = out[ind.kolom] if ind.kolom in out else pd.Series(float("nan"), index=out.index)
        out[ind.kolom] = cbs.combine_first(pd.to_numeric(own, errors="coerce"))
        filled.add(ind.kolom)
        log.info("%s: %d wijken uit CBS online (%s)", ind.kolom, int(cbs.notna().sum()), ind.cbs_kolom)
    return out, filled


def provenance(
    wijken: pd.DataFrame,
    settings: OverlaySettings,
    *,
    from_report: set[str],
    from_planner: dict[str, str],
    from_cbs: Collection[str] = (),
) -> list[dict[str, str]]:
    """Where each indicator's figures come from: the report's tables, a planner's table or ``bron``.

    One record per indicator of draaglast and draagkracht: ``index``, ``kolom``, ``label`` and
    ``herkomst``, the latter ``settings.herkomst_rapport`` ("volgens de tabellen van het rapport
    (2024)") for a column read from the report's tables, so that an ordering that largely restates
    the report is not mistaken for an independent finding (issue 25).
    """
    out = []
    for kind in ("draaglast", "draagkracht"):
        for ind in getattr(settings, kind):
            if ind.kolom in from_planner:
                where = f"eigen tabel {from_planner[ind.kolom]}"
            elif ind.kolom in from_cbs:
                where = CBS_ONLINE
            elif ind.kolom in from_report:
                where = settings.herkomst_rapport
            elif ind.kolom in wijken and wijken[ind.kolom].notna().any():
                where = ind.bron or "berekend door woonzorg_geo"
            else:
                where = "geen gegevens"
            out.append({"index": kind, "kolom": ind.kolom, "label": ind.label or ind.kolom, "herkomst": where})
    return out


def provenance_text(records: list[dict[str, str]], settings: OverlaySettings) -> str:
    """One Dutch sentence per origin, e.g. ``Volgens de tabellen van het rapport (2024): …. Bron …: ….``"""
    groups: dict[str, list[str]] = {}
    for r in records:
        groups.setdefault(r["herkomst"], []).append(r["label"])
    first = groups.pop(settings.herkomst_rapport, [])
    last = groups.pop("geen gegevens", [])
    parts = (
        [f"{settings.herkomst_rapport[:1].upper()}{settings.herkomst_rapport[1:]}: {', '.join(first)}."]
        if first
        else []
    )
    parts += [f"{'; '.join(labels)}: {where}." for where, labels in groups.items()]
    if last:
        parts.append(f"Zonder gegevens: {', '.join(last)}.")
    return " ".join(parts)


def provenance_short(records: list[dict[str, str]], settings: OverlaySettings) -> str:
    """A short Dutch line for a map panel: how many indicators come from where.

    E.g. ``12 van 14 indicatoren volgens de tabellen van het rapport (2024), 2 uit andere bronnen
    (…); de volgorde van de wijken herhaalt daarmee grotendeels het rapport.``
    """
    n = len(records)
    if not n:
        return ""
    own = [r for r in records if r["herkomst"] == settings.herkomst_rapport]
    none = [r for r in records if r["herkomst"] == "geen gegevens"]
    other = [r for r in records if r not in own and r not in none]
    parts = []
    if own:
        parts.append(f"{fmt.number(len(own))} van {fmt.number(n)} indicatoren {settings.herkomst_rapport}")
    if other:
        sources = sorted({r["herkomst"] for r in other})
        parts.append(f"{fmt.number(len(other))} uit andere bronnen ({'; '.join(sources)})")
    if none:
        parts.append(f"{fmt.number(len(none))} zonder gegevens")
    text = ", ".join(parts)
    if len(own) > n / 2:
        text += "; de volgorde van de wijken herhaalt daarmee grotendeels het rapport"
    return text + "."
