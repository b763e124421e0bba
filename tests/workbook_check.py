"""Checks shared by the workbook tests: a sheet against its CSV, cell by cell, and the sheet's layout."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest


def read_machine_csv(path: Path) -> pd.DataFrame:
    """A CSV as a machine reads it (pandas' defaults, only an empty cell missing)."""
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def column_keys(wb: Any, sheet: str) -> dict[str, str]:
    """Title → CSV column of ``sheet``, from the workbook's ``kolommen`` sheet."""
    rows = list(wb["kolommen"].iter_rows(min_row=2, values_only=True))
    return {titel: kolom for blad, titel, kolom, *_ in rows if blad == sheet}


def number_columns(wb: Any, sheet: str) -> set[str]:
    """The titles of ``sheet`` that the ``kolommen`` sheet marks as numbers."""
    rows = list(wb["kolommen"].iter_rows(min_row=2, values_only=True))
    return {r[1] for r in rows if r[0] == sheet and r[5] == "ja"}


def assert_layout(ws: Any) -> None:
    """Header frozen, autofilter over the whole table, every column wide enough for a word of its title."""
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    last = ws.auto_filter.ref.split(":")[1]
    assert last.rstrip("0123456789") == ws.cell(row=1, column=ws.max_column).column_letter
    for cell in ws[1]:
        assert cell.font.bold
        width = ws.column_dimensions[cell.column_letter].width
        assert width >= max(len(w) for w in str(cell.value).split()), cell.value


def assert_sheet_equals_csv(wb: Any, sheet: str, csv: Path, *, rel: float = 1e-12) -> int:
    """Every cell of ``sheet`` equals its CSV's value: numbers as numbers (within ``rel``), a missing
    number as ``onbekend``, text as text. Returns the number of cells compared."""
    ws = wb[sheet]
    keys = column_keys(wb, sheet)
    numbers = number_columns(wb, sheet)
    table = read_machine_csv(csv)
    header = [c.value for c in ws[1]]
    assert ws.max_row - 1 == len(table), f"{sheet}: {ws.max_row - 1} rows, {csv.name} {len(table)}"
    compared = 0
    for j, title in enumerate(header, start=1):
        key = keys[title]
        values = table[key].tolist()
        numeric = pd.api.types.is_numeric_dtype(table[key]) and not pd.api.types.is_bool_dtype(table[key])
        for i, expected in enumerate(values, start=2):
            cell = ws.cell(row=i, column=j)
            got = cell.value
            if isinstance(expected, float) and math.isnan(expected):
                assert got == ("onbekend" if title in numbers else None), (sheet, title, i, got)
            elif numeric:
                assert title in numbers, (sheet, title)
                assert isinstance(got, (int, float)) and not isinstance(got, bool), (sheet, title, i, got)
                assert got == pytest.approx(expected, rel=rel, abs=1e-9), (sheet, title, i)
                assert cell.number_format != "@"
            else:
                assert got == expected, (sheet, title, i)
            compared += 1
    return compared


def assert_nl_csv_equals(machine: Path, nl: Path) -> None:
    """The Dutch-Excel variant holds the machine CSV's columns and values (``;``, decimal comma, BOM)."""
    raw = nl.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    first = raw[3:].split(b"\n", 1)[0].decode("utf-8")
    assert ";" in first and first.split(";") == machine.read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    a = read_machine_csv(machine)
    b = pd.read_csv(nl, sep=";", decimal=",", encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)
