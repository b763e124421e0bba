"""Overlays per wijk and buurt: draaglast, draagkracht, balans, focus and veerkracht, with reasons."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import formatting as fmt
from .config import Indicator, OverlaySettings
from .errors import DataFileError
from .sources.cbs import cbs_missing_to_nan
from .sources.tables import decimal_comma_to_float, read_csv_checked
from .validate import require_file

log = logging.getLogger(__name__)

WMO_COLUMNS = (
    "wmo_ambulant_per_1000",
    "wmo_huishoudelijke_hulp_per_1000",
    "wmo_wrv_per_1000",
    "wmo_beschermd_wonen_per_1000",
)
NEGATIVE_SIGNALS = (
    "concentratie_kwetsbaar",
    "toename_kwetsbaar",
    "lage_veerkracht",
    "overlast_onveiligheid",
    "moeite_rondkomen",
    "eenzaamheid",
    "focus",
)
KNOWN_SIGNALS = (*NEGATIVE_SIGNALS, "afname_kwetsbaar")


#: The package's data folder: the report tables of the default settings are shipped there
#: (``rapporten/``), so an installed package finds them without a checkout.
PACKAGE_DATA_DIR = Path(__file__).resolve().parent / "data"


def resolve_data_path(path: str | Path) -> Path:
    """A table named in the settings: a relative path from the working folder, else from the package's data folder.

    A path found in neither place is returned as given, so the error that follows names it as the
    settings do.
    """
    p = Path(path).expanduser()
    if p.is_absolute() or p.exists():
        return p
    shipped = PACKAGE_DATA_DIR / p
    return shipped if shipped.exists() else p


def read_wijkcijfers(path: str | Path) -> pd.DataFrame:
    """The report's figures per wijk (CSV keyed on ``wijkcode``), with ``wmo_totaal_per_1000`` added."""
    path = resolve_data_path(path)
    frame = read_csv_checked(path, what="wijkcijfers", columns=["wijkcode"])
    frame = frame.set_index("wijkcode")
    text = [c for c in ("wijknaam", "bouwjaar_gros") if c in frame]
    frame = pd.concat([frame[text], cbs_missing_to_nan(frame.drop(columns=text))], axis=1)
    if all(c in frame for c in WMO_COLUMNS):
        frame["wmo_totaal_per_1000"] = frame[list(WMO_COLUMNS)].sum(axis=1, min_count=len(WMO_COLUMNS))
    return frame


def read_signals(path: str | Path) -> pd.DataFrame:
    """The report's buurt signals (one row per buurt and signal)."""
    path = resolve_data_path(path)
    frame = read_csv_checked(path, what="buurtsignalen", columns=["buurtcode", "signaal"])
    unknown = sorted(set(frame["signaal"]) - set(KNOWN_SIGNALS))
    if unknown:
        raise DataFileError(
            path, f"onbekende signalen {unknown}", field="signaal", fix=f"gebruik een van: {', '.join(KNOWN_SIGNALS)}"
        )
    return frame


def join_indicators(
    areas: pd.DataFrame, table: pd.DataFrame, *, source: str, level: str
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Join an indicator table (indexed by CBS code) onto ``areas``; report codes that do not match.

    Returns the joined copy and ``{"niet_in_gebieden": [...], "zonder_gegevens": [...]}``; both
    lists are logged as warnings, nothing is dropped silently.
    """
    extra = sorted(set(table.index) - set(areas.index))
    missing = sorted(set(areas.index) - set(table.index))
    if extra:
        log.warning(
            "%s: %d code(s) horen bij geen %s (ander CBS-jaar of tikfout?): %s",
            source,
            len(extra),
            level,
            ", ".join(extra[:10]),
        )
    if missing:
        log.warning("%s: geen gegevens voor %d %s(en): %s", source, len(missing), level, ", ".join(missing[:10]))
    cols = [c for c in table.columns if c not in areas.columns]
    return areas.join(table[cols]), {"niet_in_gebieden": extra, "zonder_gegevens": missing}


def read_indicator_table(path: str | Path, *, code_column: str = "code") -> pd.DataFrame:
    """A planner's own indicator table: CSV or GeoPackage keyed on a CBS code column."""
    path = require_file(path, what="indicatorentabel")
    if path.is_dir():
        raise DataFileError(
            path, "dit is een map, geen indicatorentabel", fix="geef het CSV- of GeoPackage-bestand zelf op"
        )
    if path.suffix.lower() == ".gpkg":
        try:
            frame = pd.DataFrame(gpd.read_file(path)).drop(columns="geometry", errors="ignore")
        except Exception as exc:  # GDAL raises several types for a file it cannot read
            raise DataFileError(
                path, f"kan de indicatorentabel niet lezen ({exc})", fix="lever een geldige GeoPackage of een CSV aan"
            ) from exc
    else:
        frame = read_csv_checked(path, what="indicatorentabel", columns=[code_column])
    if code_column not in frame:
        raise DataFileError(
            path,
            "codekolom ontbreekt",
            field=code_column,
            fix=f"geef de kolom met CBS-codes op; gevonden: {', '.join(frame.columns)}",
        )
    frame[code_column] = frame[code_column].astype(str).str.strip()
    if frame[code_column].duplicated().any():
        dup = frame.loc[frame[code_column].duplicated(), code_column].iloc[0]
        raise DataFileError(
            path, f"code {dup} komt meer dan eens voor", field=code_column, fix="geef elke code één rij"
        )
    return cbs_missing_to_nan(decimal_comma_to_float(frame.set_index(code_column)))


@dataclass(frozen=True)
class IndexResult:
    """An index per area with the z-scores it was made of."""

    value: pd.Series  # NaN where too little data
    z: pd.DataFrame  # one column per indicator (direction applied)
    used_weight_share: pd.Series
    missing: pd.Series  # text: which indicators were missing


def zscores(values: pd.Series) -> pd.Series:
    """Standardise within the gemeente (mean 0, population standard deviation 1); NaN stays NaN."""
    v = values.astype(float)
    sd = v.std(ddof=0)
    if not np.isfinite(sd) or sd == 0:
        return pd.Series(np.where(v.notna(), 0.0, np.nan), index=v.index)
    return (v - v.mean()) / sd


def composite_index(table: pd.DataFrame, indicators: Sequence[Indicator], *, min_weight_share: float) -> IndexResult:
    """Weighted mean of standardised indicators; missing values are left out, never zero.

    The weights of the indicators present are renormalised per area; an area where the present
    indicators carry less than ``min_weight_share`` of the total weight gets NaN. An indicator
    whose column is absent counts as missing everywhere (see :func:`absent_indicators`, which
    :func:`build_overlays` reports once).
    """
    z = pd.DataFrame(index=table.index)
    weights = {}
    for ind in indicators:
        if ind.kolom not in table:
            log.debug("indicator %s ontbreekt in de tabel: telt als ontbrekend", ind.kolom)
            z[ind.kolom] = np.nan
        else:
            z[ind.kolom] = ind.richting * zscores(table[ind.kolom])
        weights[ind.kolom] = ind.gewicht
    w = pd.Series(weights, dtype=float)
    present = z.notna()
    wsum = present.mul(w, axis=1).sum(axis=1)
    share = wsum / w.sum() if w.sum() > 0 else wsum * 0
    value = z.fillna(0.0).mul(w, axis=1).sum(axis=1) / wsum.replace(0, np.nan)
    value = value.where(share >= min_weight_share)
    labels = {ind.kolom: ind.label or ind.kolom for ind in indicators}
    missing = present.apply(lambda row: ", ".join(labels[c] for c, ok in row.items() if not ok), axis=1)
    return IndexResult(value=value, z=z, used_weight_share=share, missing=missing)


def balance_label(balans: pd.Series, settings: OverlaySettings) -> pd.Series:
    """The 5-class Dutch label of balans; missing stays 'onbekend'."""
    bins = [-np.inf, *settings.balans_grenzen, np.inf]
    labels = pd.cut(balans, bins=bins, labels=list(settings.balans_labels))
    return labels.astype(object).where(balans.notna(), "onbekend")


def wijk_indices(wijken: pd.DataFrame, settings: OverlaySettings) -> pd.DataFrame:
    """Draaglast, draagkracht, balans and its label per wijk, with the reasons as text."""
    load = composite_index(wijken, settings.draaglast, min_weight_share=settings.min_gewicht_aandeel)
    cap = composite_index(wijken, settings.draagkracht, min_weight_share=settings.min_gewicht_aandeel)
    out = pd.DataFrame(index=wijken.index)
    out["draaglast"] = load.value
    out["draagkracht"] = cap.value
    out["balans"] = out["draagkracht"] - out["draaglast"]
    out["balans_klasse"] = balance_label(out["balans"], settings)
    out["draaglast_ontbrekend"] = load.missing
    out["draagkracht_ontbrekend"] = cap.missing
    out["overlay_toelichting"] = [_index_reason(load, cap, code, settings) for code in wijken.index]
    return out


def _drivers(res: IndexResult, inds: Sequence[Indicator], code: str, *, top: int = 2) -> str:
    """The indicators that pull an index most in the direction of its value, with their z-scores.

    Each indicator's pull is its weighted share of the index (weight × z with the direction
    applied); for a positive index the largest positive pulls are named, for a negative one the
    largest negative pulls (what drags it down). The z-score shown is the indicator's own (before
    the direction), so ``ervaren gezondheid goed (−0,8)`` reads as "below average".
    """
    value = res.value.loc[code]
    row = res.z.loc[code].dropna()
    weights = {i.kolom: i.gewicht for i in inds}
    pull = row * pd.Series(weights).reindex(row.index).fillna(0.0)
    sign = 1.0 if value >= 0 else -1.0
    pull = (pull * sign)[lambda x: x > 0].sort_values(ascending=False).head(top)
    if pull.empty:
        return "geen enkele indicator wijkt duidelijk af"
    info = {i.kolom: (i.label or i.kolom, i.richting) for i in inds}
    return ", ".join(f"{info[k][0]} ({fmt.signed(row[k] * info[k][1], 1)})" for k in pull.index)


def _index_reason(load: IndexResult, cap: IndexResult, code: str, s: OverlaySettings) -> str:
    if np.isnan(load.value.loc[code]) or np.isnan(cap.value.loc[code]):
        return "onvoldoende gegevens voor de balans"
    return (
        f"draaglast {fmt.signed(load.value.loc[code])}, vooral door {_drivers(load, s.draaglast, code)}; "
        f"draagkracht {fmt.signed(cap.value.loc[code])}, vooral door {_drivers(cap, s.draagkracht, code)}"
    )


def absent_indicators(table: pd.DataFrame, settings: OverlaySettings) -> list[Indicator]:
    """The indicators of draaglast and draagkracht whose column is not in ``table``."""
    return [ind for ind in (*settings.draaglast, *settings.draagkracht) if ind.kolom not in table]


@dataclass(frozen=True)
class BuurtClasses:
    """Focus and veerkracht per buurt."""

    frame: pd.DataFrame  # focus, veerkracht, focus_redenen, veerkracht_redenen, signalen


def buurt_classes(
    buurten: pd.DataFrame, signals: pd.DataFrame | None, wijk: pd.DataFrame, settings: OverlaySettings
) -> pd.DataFrame:
    """Focus (hoog/midden/laag) and veerkracht (laag/midden/hoog) per buurt, with the reasons.

    Rules (documented in the README):

    - focus hoog: the report marks the buurt as focus, or overlast/onveiligheid coincides with a
      concentration or growth of vulnerable residents or low veerkracht (Aedes focuskaart logic);
    - focus midden: one of those signals or moeite met rondkomen alone, or the wijk's draaglast is
      at least ``focus_draaglast_z``;
    - veerkracht laag: signal lage veerkracht, or growth of vulnerable residents together with
      overlast/onveiligheid (the buurt's own signals: the veerkrachtkaart is a buurt map);
    - veerkracht hoog: fewer vulnerable residents (afname) or a wijk balans above the middle class,
      and no negative signal of its own;
    - otherwise midden.

    Without signals for this gemeente (``signals`` is ``None``) both are ``onbekend``: the absence
    of a signal source is not the absence of signals.
    """
    if signals is None:
        reason = "geen buurtsignalen voor deze gemeente (geen rapport met signalen per buurt)"
        return pd.DataFrame(
            {
                "focus": "onbekend",
                "veerkracht": "onbekend",
                "focus_redenen": reason,
                "veerkracht_redenen": reason,
                "signalen": "",
                "signalen_toelichting": "",
            },
            index=buurten.index,
        )
    sig = signals.groupby("buurtcode")["signaal"].apply(set)
    explain = signals.groupby("buurtcode")["toelichting"].apply(lambda s: "; ".join(dict.fromkeys(s)))
    low_label = settings.balans_labels[0]
    high_labels = set(settings.balans_labels[len(settings.balans_labels) // 2 + 1 :])
    rows = {}
    for code, b in buurten.iterrows():
        s = sig.get(code, set())
        wk = b.get("wijkcode")
        w = wijk.loc[wk] if wk in wijk.index else None
        focus_r: list[str] = []
        veer_r: list[str] = []
        vuln = s & {"concentratie_kwetsbaar", "toename_kwetsbaar", "lage_veerkracht"}
        if "focus" in s:
            focus = "hoog"
            focus_r.append("in het rapport aangewezen als focusbuurt")
        elif "overlast_onveiligheid" in s and vuln:
            focus = "hoog"
            focus_r.append("overlast/onveiligheid samen met " + ", ".join(sorted(vuln)).replace("_", " "))
        elif s & {"overlast_onveiligheid", "concentratie_kwetsbaar", "toename_kwetsbaar", "moeite_rondkomen"}:
            focus = "midden"
            focus_r.append("signaal: " + ", ".join(sorted(s & set(NEGATIVE_SIGNALS))).replace("_", " "))
        elif w is not None and pd.notna(w["draaglast"]) and w["draaglast"] >= settings.focus_draaglast_z:
            focus = "midden"
            focus_r.append(
                f"draaglast van de wijk {fmt.signed(w['draaglast'])} "
                f"(z-score; grens {fmt.signed(settings.focus_draaglast_z)})"
            )
        else:
            focus = "laag"
            focus_r.append("geen signalen en geen hoge draaglast in de wijk")
        negative = s & set(NEGATIVE_SIGNALS)
        if "lage_veerkracht" in s:
            veer = "laag"
            veer_r.append("lage veerkracht volgens de Aedes-veerkrachtkaart")
        elif {"toename_kwetsbaar", "overlast_onveiligheid"} <= s:
            veer = "laag"
            veer_r.append("toename kwetsbare inwoners samen met overlast/onveiligheid")
        elif not negative and ("afname_kwetsbaar" in s or (w is not None and w["balans_klasse"] in high_labels)):
            veer = "hoog"
            # without afname_kwetsbaar, the branch was taken on the wijk's balance (w is set)
            veer_r.append(
                "afname kwetsbare inwoners"
                if "afname_kwetsbaar" in s or w is None
                else f"balans van de wijk: {w['balans_klasse']}"
            )
        else:
            veer = "midden"
            if negative:
                veer_r.append("signalen: " + ", ".join(sorted(negative)).replace("_", " "))
            elif w is not None and w["balans_klasse"] == low_label:
                veer_r.append(f"geen eigen signalen, maar de balans van de wijk is '{low_label}'")
            else:
                veer_r.append("geen bijzondere signalen")
        rows[code] = {
            "focus": focus,
            "veerkracht": veer,
            "focus_redenen": "; ".join(focus_r),
            "veerkracht_redenen": "; ".join(veer_r),
            "signalen": ", ".join(sorted(s)),
            "signalen_toelichting": explain.get(code, ""),
        }
    unknown = sorted(set(sig.index) - set(buurten.index))
    if unknown:
        log.warning("buurtsignalen: %d buurtcode(s) horen bij geen buurt: %s", len(unknown), ", ".join(unknown))
    return pd.DataFrame.from_dict(rows, orient="index")


def sensitivity(wijken: pd.DataFrame, settings: OverlaySettings) -> pd.DataFrame:
    """How the wijk ranking by balans moves when each weight changes by ±``settings.gevoeligheid``.

    Returns one row per (index, indicator, direction): the largest rank change of any wijk and the
    number of wijken whose rank changed.
    """
    base = wijk_indices(wijken, settings)["balans"].rank(ascending=True, method="min")
    rows = []
    for kind in ("draaglast", "draagkracht"):
        inds = getattr(settings, kind)
        for i, ind in enumerate(inds):
            for factor in (1 - settings.gevoeligheid, 1 + settings.gevoeligheid):
                changed = list(inds)
                changed[i] = replace(ind, gewicht=ind.gewicht * factor)
                varied = (
                    replace(settings, draaglast=tuple(changed))
                    if kind == "draaglast"
                    else replace(settings, draagkracht=tuple(changed))
                )
                alt = wijk_indices(wijken, varied)["balans"]
                rank = alt.rank(ascending=True, method="min")
                diff = (rank - base).abs().dropna()
                rows.append(
                    {
                        "index": kind,
                        "indicator": ind.kolom,
                        "factor": round(factor, 3),
                        "max_rangverschuiving": int(diff.max()) if len(diff) else 0,
                        "wijken_verschoven": int((diff > 0).sum()),
                    }
                )
    return pd.DataFrame(rows)


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
    w = wijken
    if settings.wijkcijfers:
        figures = read_wijkcijfers(settings.wijkcijfers)
        if figures.index.isin(wijken.index).any():
            w, rep = join_indicators(wijken, figures, source=str(settings.wijkcijfers), level="wijk")
            koppeling[str(settings.wijkcijfers)] = rep
        else:
            log.warning(
                "%s: geen enkele wijk van deze gemeente; deze wijkcijfers worden niet gebruikt", settings.wijkcijfers
            )
            absent.append(f"wijkcijfers ({settings.wijkcijfers} hoort bij een andere gemeente)")
    else:
        absent.append("wijkcijfers uit een rapport van de gemeente")
    b = buurten
    for name, table in extra_tables:
        if table.index.astype(str).str.startswith("WK").any():
            w, rep = join_indicators(w, table, source=name, level="wijk")
        else:
            b, rep = join_indicators(b, table, source=name, level="buurt")
        koppeling[name] = rep
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
    classes = buurt_classes(b, signals, idx, settings)
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
