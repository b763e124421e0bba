"""Build a workbook from tables (pure), save it atomically, and write the Dutch-Excel CSV variants."""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.vocabulary import Vocabulary
from woonzorg_geo.outputs.workbook.columns import TECHNICAL, TEXT, ColumnSpec, column_spec

log = logging.getLogger(__name__)

#: The workbook every run writes beside its CSVs.
WORKBOOK_NAME = "overzicht.xlsx"
#: The suffix of a CSV's Dutch-Excel variant (``wijken.csv`` → ``wijken_nl.csv``).
NL_SUFFIX = "_nl"
#: The sheet that explains every column of the other sheets (title, CSV column, file, unit).
COLUMNS_SHEET = "kolommen"
#: The widest a column gets (in characters); longer text wraps in the cell.
MAX_WIDTH = 60
#: The narrowest header width before its title wraps.
MIN_HEADER_WIDTH = 14

#: The most data rows a sheet holds (Excel: 1.048.576 rows, the header included).
MAX_ROWS = 1_048_575
#: The lines a long title may take in the header row before its column widens.
HEADER_LINES = 4

_HEADER_FILL = "DDE5EE"
_UNKNOWN_COLOUR = "808080"


@dataclass(frozen=True)
class Sheet:
    """One sheet: a table, the columns shown (title and format each) and the CSV it mirrors.

    ``frame`` holds every column of the machine table (as in its CSV, index as a column);
    ``columns`` are those shown, in order. ``csv`` names the CSV the sheet mirrors (empty: none).
    """

    name: str
    frame: pd.DataFrame
    columns: tuple[ColumnSpec, ...]
    csv: str = ""


def make_sheet(
    name: str,
    frame: pd.DataFrame,
    *,
    vocab: Vocabulary,
    labels: Mapping[str, str] | None = None,
    csv: str = "",
    first: Sequence[str] = ("code", "naam"),
) -> Sheet:
    """A sheet of ``frame`` with titles and formats from the column registry.

    Parameters
    ----------
    name
        The sheet's name (at most 31 characters).
    frame
        The table, one column per field (a named index is not shown: reset it first).
    vocab
        The run's vocabulary (see :func:`.columns.column_spec`).
    labels
        Extra titles by column (they win over the registry's).
    csv
        The CSV file this table is written to, if any.
    first
        Columns shown first when present; the others follow in the frame's order. Technical
        identifiers (:data:`.columns.TECHNICAL`) are left out.
    """
    keys = [c for c in first if c in frame.columns]
    keys += [c for c in frame.columns if c not in keys and str(c) not in TECHNICAL]
    specs = tuple(column_spec(str(c), frame[c], vocab=vocab, labels=labels) for c in keys)
    return Sheet(name[:31], frame, specs, csv)


def read_csv_table(path: str | Path) -> pd.DataFrame:
    """A CSV written by the package, as written: only an empty cell is missing (a name ``NA`` stays)."""
    return pd.read_csv(path, encoding="utf-8", keep_default_na=False, na_values=[""])


def csv_sheet(
    folder: Path,
    csv: str,
    *,
    name: str,
    vocab: Vocabulary,
    labels: Mapping[str, str] | None = None,
    first: Sequence[str] = ("code", "naam"),
) -> Sheet | None:
    """The sheet of a CSV just written in ``folder`` (``None`` when the command did not write it).

    Read back from the file, so the workbook shows exactly what the CSV holds.
    """
    path = Path(folder) / csv
    if not path.is_file():
        return None
    return make_sheet(name, read_csv_table(path), vocab=vocab, labels=labels, csv=csv, first=first)


def _cell_value(value: Any, spec: ColumnSpec) -> tuple[Any, bool]:
    """The value a cell gets, and whether it is the missing text ``onbekend``."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return (fmt.MISSING, True) if spec.is_number else (None, False)
    if isinstance(value, float) and math.isinf(value):
        return fmt.MISSING, True
    if isinstance(value, (list, tuple, set)):
        return ", ".join(map(str, value)), False
    if isinstance(value, (dict, Path)):
        return str(value), False
    return value, False


def _decimals(spec: ColumnSpec) -> int:
    """The decimals a column's number format shows (``General``: up to four)."""
    form = spec.kind.number_format or ""
    if form == "General":
        return 4
    first = form.split(";")[0]
    return len(first.split(".")[1]) if "." in first else 0


def _column_width(values: pd.Series, spec: ColumnSpec) -> int:
    """About how many characters the widest cell of a column shows (vectorised: large tables stay fast)."""
    if values.empty:
        return 0
    if spec.is_number and pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = pd.to_numeric(values, errors="coerce").astype(float)
        finite = numbers[np.isfinite(numbers)]
        shown = len(fmt.MISSING) if len(finite) < len(numbers) else 0
        if len(finite):
            widest = float(finite.abs().max())
            shown = max(shown, len(fmt.number(widest, _decimals(spec))) + 1)
        return shown
    text = values.dropna().astype(str)
    if text.empty:
        return 0
    return int(text.map(lambda t: max((len(line) for line in t.splitlines()), default=0)).max())


def build_workbook(sheets: Sequence[Sheet], *, explain: bool = True) -> Any:
    """An :class:`openpyxl.Workbook` with one sheet per table (pure: nothing is written).

    Every sheet has a bold header row of Dutch titles with their unit, frozen, with an
    autofilter; numbers are stored as numbers with the format of their kind (``0.0`` for
    percentages, ``#,##0`` for metres: a Dutch Excel shows the decimal comma itself); a missing
    number reads ``onbekend`` (grey, italic), never 0. Column widths follow the widest value.

    A sheet holds at most :data:`MAX_ROWS` rows (Excel's limit); a longer table is cut there, with a
    warning (its CSV has every row).

    Parameters
    ----------
    sheets
        The tables (see :func:`make_sheet`).
    explain
        Add the sheet :data:`COLUMNS_SHEET` listing, per sheet, each title, its CSV column,
        the CSV file and the unit.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "woonzorg-geo"
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor=_HEADER_FILL)
    header_align = Alignment(wrap_text=True, vertical="top")
    unknown_font = Font(italic=True, color=_UNKNOWN_COLOUR)
    unknown_align = Alignment(horizontal="right")
    wrap_align = Alignment(wrap_text=True, vertical="top")
    all_sheets = list(sheets)
    if explain:
        all_sheets.append(_columns_sheet(sheets))
    for sheet in all_sheets:
        if len(sheet.frame) > MAX_ROWS:
            log.warning(
                "%s: %d rijen, meer dan Excel toont; het blad %s heeft de eerste %d (de CSV heeft ze alle)",
                WORKBOOK_NAME,
                len(sheet.frame),
                sheet.name,
                MAX_ROWS,
            )
            sheet = dataclasses.replace(sheet, frame=sheet.frame.iloc[:MAX_ROWS])
        ws = wb.create_sheet(sheet.name)
        specs = sheet.columns
        wrap = [False] * len(specs)
        header_lines = 1
        for j, spec in enumerate(specs):
            widest = _column_width(sheet.frame[spec.key], spec)
            longest_word = max((len(w) for w in spec.title.split()), default=0)
            header = min(len(spec.title), max(MIN_HEADER_WIDTH, math.ceil(len(spec.title) / HEADER_LINES)))
            width = min(MAX_WIDTH, max(widest, longest_word, header) + 2)
            ws.column_dimensions[get_column_letter(j + 1)].width = width
            header_lines = max(header_lines, math.ceil(len(spec.title) / max(width - 2, 1)))
            wrap[j] = widest > MAX_WIDTH
        ws.row_dimensions[1].height = 15 * header_lines
        ws.freeze_panes = "A2"
        if specs:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(specs))}{max(len(sheet.frame), 1) + 1}"
        for j, spec in enumerate(specs, start=1):
            cell = ws.cell(row=1, column=j, value=spec.title)
            cell.data_type = "s"
            cell.font, cell.fill, cell.alignment = header_font, header_fill, header_align
        for j, spec in enumerate(specs, start=1):
            form = spec.kind.number_format
            for i, raw in enumerate(sheet.frame[spec.key].tolist(), start=2):
                value, unknown = _cell_value(raw, spec)
                if value is None:
                    continue
                cell = ws.cell(row=i, column=j, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text that begins with "=" is text, never a formula
                if unknown:
                    cell.font, cell.alignment = unknown_font, unknown_align
                elif form and isinstance(value, (int, float)) and not isinstance(value, bool):
                    cell.number_format = form
                if wrap[j - 1]:
                    cell.alignment = wrap_align
    return wb


def _columns_sheet(sheets: Sequence[Sheet]) -> Sheet:
    """The explanation sheet: per sheet and column its title, CSV column, CSV file and unit."""
    rows = [
        {
            "blad": s.name,
            "titel": c.title,
            "kolom": c.key,
            "bestand": s.csv,
            "eenheid": c.kind.unit,
            "getal": "ja" if c.is_number else "nee",
        }
        for s in sheets
        for c in s.columns
    ]
    frame = pd.DataFrame(rows, columns=["blad", "titel", "kolom", "bestand", "eenheid", "getal"])
    titles = {
        "blad": "Blad",
        "titel": "Kolomtitel",
        "kolom": "Kolom in de CSV",
        "bestand": "CSV-bestand",
        "eenheid": "Eenheid",
        "getal": "Getal",
    }
    specs = tuple(ColumnSpec(k, t, TEXT) for k, t in titles.items())
    return Sheet(COLUMNS_SHEET, frame, specs)


def write_workbook(path: str | Path, sheets: Sequence[Sheet]) -> Path:
    """Build the workbook of ``sheets`` and save it at ``path`` atomically."""
    from woonzorg_geo.core.files import atomic_path

    wb = build_workbook(sheets)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return Path(path)


def nl_name(csv: str) -> str:
    """The Dutch-Excel variant's name of a CSV: ``wijken.csv`` → ``wijken_nl.csv``."""
    p = Path(csv)
    return str(p.with_name(f"{p.stem}{NL_SUFFIX}{p.suffix}"))


def write_csv_nl(path: str | Path, frame: pd.DataFrame) -> Path:
    """Write ``frame`` for a Dutch Excel: ``;`` between fields, decimal comma, UTF-8 with BOM.

    Every column and value is the machine CSV's (read it back with ``sep=';', decimal=','``,
    ``encoding='utf-8-sig'``); numbers keep their full precision.
    """
    from woonzorg_geo.core.files import write_csv

    return write_csv(path, frame, index=False, sep=";", decimal=",", encoding="utf-8-sig")


def write_exports(
    folder: str | Path, sheets: Sequence[Sheet | None], *, csv_nl: bool = False, name: str = WORKBOOK_NAME
) -> list[Path]:
    """Write the workbook (``overzicht.xlsx``) into ``folder`` and, with ``csv_nl``, the CSVs' Dutch variants.

    ``folder`` is a command's staging folder (see :func:`woonzorg_geo.core.io.staged_dir`): the files
    are listed in its manifest with the others. ``None`` entries of ``sheets`` (a CSV the run did
    not write) are skipped.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    present = [s for s in sheets if s is not None]
    paths = [write_workbook(folder / name, present)]
    if csv_nl:
        paths += [write_csv_nl(folder / nl_name(s.csv), s.frame) for s in present if s.csv]
    log.info("overzicht geschreven: %s (%d bladen)", paths[0], len(present))
    return paths
