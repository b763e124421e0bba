"""Reading values of the check: present or missing, a finite float, clean text, a decimal number.

These helpers read values (from the run's tables, the register, a list of initiatives); they never
format a number for a reader. Numbers shown to people come from :mod:`woonzorg_geo.core.formatting`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from woonzorg_geo.core import formatting as fmt

#: A decimal number written with a point or a comma (ASCII digits only; an exponent allowed).
DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]+)?")


def is_present(value: object) -> bool:
    """Whether ``value`` holds a value: False for None, NaN and pandas' NA/NaT, True otherwise.

    Parameters
    ----------
    value
        Any object; one that :func:`pandas.isna` cannot judge (a list, a dict) counts as present.

    Returns
    -------
    bool
    """
    if value is None:
        return False
    try:
        # pd.isna takes any object; pandas-stubs list only pandas, numpy and scalar types
        return not bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return True


def as_float(value: object) -> float | None:
    """``value`` as a finite float, or None when it is missing, not a number or infinite.

    Parameters
    ----------
    value
        Anything :class:`float` accepts (numbers, numeric strings with a decimal point).

    Returns
    -------
    float or None
    """
    try:
        v = float(value)  # type: ignore[arg-type]  # any object: float() refuses the wrong ones, caught below
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def as_text(value: object, default: str = "") -> str:
    """``value`` as stripped text; ``default`` when it is missing (None, NaN) or empty — never ``'nan'``.

    Parameters
    ----------
    value
        Any value of a table cell.
    default
        The text for a missing or empty value.

    Returns
    -------
    str
    """
    if not is_present(value):
        return default
    text = str(value).strip()
    return text if text and text.lower() not in ("nan", "none", "<na>") else default


def parse_decimal(text: str) -> float:
    """A number written with a decimal point or comma (``'6,5627'``, ``'52.99'``; ASCII digits only).

    Parameters
    ----------
    text
        The number as written; surrounding white space is ignored.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        When ``text`` is not such a number.
    """
    t = text.strip()
    if not DECIMAL.fullmatch(t):
        raise ValueError(t)
    return fmt.parse_number(t)  # the one reader; the pattern above is the stricter check of a list cell
