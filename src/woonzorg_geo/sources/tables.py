"""Reading planner-supplied CSV tables with errors that name the file, the field and the fix."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.validate import require_file

if TYPE_CHECKING:
    from pandas._typing import DtypeArg


def read_csv_checked(
    path: str | Path, *, what: str, columns: Iterable[str] = (), dtype: DtypeArg = str
) -> pd.DataFrame:
    """Read a CSV (UTF-8, separator sniffed from ``,`` and ``;``) and check its columns.

    Raises
    ------
    DataFileError
        On a wrong encoding, an undetectable separator or missing columns.
    """
    path = require_file(path, what=what)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataFileError(
            path,
            f"{what} is geen UTF-8 (byte {exc.start})",
            fix="sla het bestand op als 'CSV UTF-8' (in Excel: Opslaan als > CSV UTF-8)",
        ) from exc
    first = text.splitlines()[0] if text.strip() else ""
    if not first:
        raise DataFileError(path, f"{what} is leeg", fix="lever een CSV met een kopregel aan")
    try:
        sep = csv.Sniffer().sniff(first, delimiters=",;\t").delimiter
    except csv.Error:
        sep = ","
    import io

    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=dtype, keep_default_na=False)
    except pd.errors.ParserError as exc:
        raise DataFileError(
            path,
            f"{what} is geen geldige CSV ({exc})",
            fix=f"elke regel moet evenveel velden hebben, gescheiden door {sep!r}; "
            "gebruik een punt als decimaalteken of zet waarden met een scheidingsteken tussen aanhalingstekens",
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        hint = ""
        if len(frame.columns) == 1 and any(s in frame.columns[0] for s in ";,\t|"):
            hint = " Het scheidingsteken lijkt verkeerd: gebruik ',' of ';'."
        raise DataFileError(
            path,
            f"kolom(men) ontbreken in {what}",
            field=", ".join(missing),
            fix=f"voeg ze toe; gevonden kolommen: {', '.join(frame.columns)}.{hint}",
        )
    return frame


_COMMA_NUMBER = r"^\s*-?\d+(?:,\d+)?\s*$"


def decimal_comma_to_float(frame: pd.DataFrame) -> pd.DataFrame:
    """Text columns written with a Dutch decimal comma (``0,5``) become numbers (a copy).

    A column converts only when every non-empty value is such a number and at least one has a
    comma; other columns are left as they are.
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_numeric_dtype(series):
            continue
        text = series.astype(str)
        present = (series.notna() & (text.str.strip() != "")).to_numpy()
        filled = text[present]
        if len(filled) and filled.str.match(_COMMA_NUMBER).all() and filled.str.contains(",").any():
            values = np.full(len(series), np.nan)
            values[present] = [fmt.parse_number(t) for t in filled]
            out[col] = values
    return out
