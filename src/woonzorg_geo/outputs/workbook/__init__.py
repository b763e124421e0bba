"""Exports for people: one ``overzicht.xlsx`` per run beside the CSVs, and Dutch-Excel CSVs on request.

The CSVs of every command stay as they are, for machines (``,`` between fields, ``.`` as the
decimal point, UTF-8 without BOM, full precision). Beside them each run writes ``overzicht.xlsx``
for people: one sheet per table, Dutch column titles with their unit
(``Aandeel woningen met OV-halte én supermarkt binnen 800 m (%)``), numbers stored as numbers with
a number format (a Dutch Excel shows the decimal comma itself), ``onbekend`` where a value is
missing, a frozen header row, an autofilter and widths that fit; a sheet ``kolommen`` names each
title's CSV column. With ``--csv-nl`` every CSV also gets a variant ``<naam>_nl.csv`` for a Dutch
Excel: ``;`` between fields, decimal comma, UTF-8 with BOM.

- :mod:`.columns`: the column registry (Dutch title, unit and number format per column);
- :mod:`.book`: building a workbook from tables (pure) and writing it atomically;
- the sheets of ``analyse``, ``regio``, ``toets --lijst`` and ``watals`` are put together in :mod:`woonzorg_geo.outputs.workbook.sheets`.

Typical use, inside a command's staging folder (see :func:`woonzorg_geo.core.io.staged_dir`)::

    write_exports(tmp, analyse_sheets(tmp, a, manifest=manifest, voorzieningen=vz), csv_nl=csv_nl)
"""

from __future__ import annotations

from woonzorg_geo.outputs.workbook.book import (
    COLUMNS_SHEET,
    NL_SUFFIX,
    WORKBOOK_NAME,
    Sheet,
    build_workbook,
    csv_sheet,
    make_sheet,
    nl_name,
    write_csv_nl,
    write_exports,
    write_workbook,
)
from woonzorg_geo.outputs.workbook.columns import ColumnSpec, Kind, column_spec, indicator_labels

__all__ = [
    "COLUMNS_SHEET",
    "NL_SUFFIX",
    "WORKBOOK_NAME",
    "ColumnSpec",
    "Kind",
    "Sheet",
    "build_workbook",
    "column_spec",
    "csv_sheet",
    "indicator_labels",
    "make_sheet",
    "nl_name",
    "write_csv_nl",
    "write_exports",
    "write_workbook",
]
