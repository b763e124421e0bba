"""Reading the overlay tables: the report's figures and signals, a planner's indicator tables."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pandas as pd

from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.validate import require_file
from woonzorg_geo.sources.cbs import cbs_missing_to_nan
from woonzorg_geo.sources.tables import decimal_comma_to_float, read_csv_checked

log = logging.getLogger(__name__)

WMO_COLUMNS = (
    "wmo_ambulant_per_1000",
    "wmo_huishoudelijke_hulp_per_1000",
    "wmo_wrv_per_1000",
    "wmo_beschermd_wonen_per_1000",
)
#: Wmo care and support (without WRV, the home adaptations the report counts as a strength).
WMO_CARE_COLUMNS = ("wmo_ambulant_per_1000", "wmo_huishoudelijke_hulp_per_1000", "wmo_beschermd_wonen_per_1000")
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
PACKAGE_DATA_DIR = Path(__file__).resolve().parents[2] / "data"


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


#: The report tables read so far: (kind, file, modification time, size) → the table. The wijkprofielen
#: ask for them once per wijk; a changed file has another key and is read again.
_READ: dict[tuple[str, str, int, int], pd.DataFrame] = {}
_READ_MAX = 16


def _cached(kind: str, path: Path, read: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    """``read(path)``, once per version of the file; the caller gets a copy of its own."""
    try:
        st = path.stat()
    except OSError:
        return read(path)  # the reader names the missing file
    key = (kind, str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _READ:
        if len(_READ) >= _READ_MAX:
            _READ.pop(next(iter(_READ)))
        _READ[key] = read(path)
    return _READ[key].copy()


def read_wijkcijfers(path: str | Path) -> pd.DataFrame:
    """The report's figures per wijk (CSV keyed on ``wijkcode``), with Wmo sums added.

    ``wmo_totaal_per_1000`` sums the four Wmo columns, ``wmo_zorg_per_1000`` the three without WRV
    (woonvoorzieningen: the report lists Noorderpark's home adaptations as a strength, so WRV is not
    load; see the settings).
    """
    return _cached("wijkcijfers", resolve_data_path(path), _read_wijkcijfers)


def _read_wijkcijfers(path: Path) -> pd.DataFrame:
    frame = read_csv_checked(path, what="wijkcijfers", columns=["wijkcode"])
    frame = frame.set_index("wijkcode")
    text = [c for c in ("wijknaam", "bouwjaar_gros") if c in frame]
    frame = pd.concat([frame[text], cbs_missing_to_nan(frame.drop(columns=text))], axis=1)
    if all(c in frame for c in WMO_COLUMNS):
        frame["wmo_totaal_per_1000"] = frame[list(WMO_COLUMNS)].sum(axis=1, min_count=len(WMO_COLUMNS))
        frame["wmo_zorg_per_1000"] = frame[list(WMO_CARE_COLUMNS)].sum(axis=1, min_count=len(WMO_CARE_COLUMNS))
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


def read_wijk_facts(path: str | Path) -> pd.DataFrame:
    """The report's single figures per wijk (``niveau == "wijk"``) as one column per ``indicator``.

    E.g. ``pct_65plus`` for the three wijken the report gives it for (Centrum, Noorderpark, Lariks):
    an indicator column like those of the wijkcijfers (vergrijzing in the draaglast). Other wijken
    have no value (missing, never zero).
    """
    return _cached("feiten", resolve_data_path(path), _read_wijk_facts)


def _read_wijk_facts(path: Path) -> pd.DataFrame:
    frame = read_csv_checked(path, what="feiten", columns=["niveau", "code", "indicator", "waarde"])
    wijk = frame.loc[frame["niveau"].astype(str).str.strip() == "wijk"]
    values = pd.to_numeric(wijk["waarde"], errors="coerce")
    table = (
        pd.DataFrame({"code": wijk["code"].astype(str).str.strip(), "indicator": wijk["indicator"], "waarde": values})
        .drop_duplicates(["code", "indicator"], keep="first")
        .pivot(index="code", columns="indicator", values="waarde")
    )
    table.columns.name = None
    table.index.name = "wijkcode"
    return table.astype(float)
