"""Dutch number formatting for everything a planner reads: decimal comma, thousands dot, one missing text.

Every report, map, summary and CLI message formats numbers with these helpers, so a value reads
the same everywhere: ``37.375`` addresses, ``64,8%``, ``681 m``, ``+1,03``, and ``onbekend``
where there is no value (never ``nan``, ``None`` or an empty cell).

Examples
--------
>>> number(37375)
'37.375'
>>> number(1604.53, 1, unit=" km")
'1.604,5 km'
>>> percent(64.78)
'64,8%'
>>> metres(680.9)
'681 m'
>>> signed(-0.5417)
'−0,54'
>>> number(float("nan"))
'onbekend'
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any

#: The one text for a missing value, in every output.
MISSING = "onbekend"
#: The minus sign used in Dutch text (U+2212, not a hyphen).
MINUS = "\u2212"

__all__ = [
    "MINUS",
    "MISSING",
    "compact",
    "is_missing",
    "metres",
    "minutes",
    "number",
    "parse_number",
    "percent",
    "quantity",
    "signed",
    "slug",
    "text",
]


def _float(value: Any) -> float | None:
    """A finite float, or None for missing, non-numeric or infinite values."""
    if value is None or isinstance(value, (str, bytes)):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def is_missing(value: Any) -> bool:
    """True for None, NaN, pandas NA/NaT, infinities and empty strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or value.strip().lower() in ("nan", "none", "<na>")
    try:
        import pandas as pd

        if pd.isna(value):
            return True
    except (TypeError, ValueError):
        return False
    if isinstance(value, (int, float)) or hasattr(value, "__float__"):
        try:
            return not math.isfinite(float(value))
        except (TypeError, ValueError, OverflowError):
            return False
    return False


def number(value: Any, decimals: int = 0, *, unit: str = "", missing: str = MISSING, sign: bool = False) -> str:
    """A number in Dutch notation: thousands dot, decimal comma, minus sign ``−``.

    Parameters
    ----------
    value
        Anything ``float()`` accepts; missing, non-numeric and infinite values give ``missing``.
    decimals
        Digits after the comma (rounded half to even, as Python's formatting does).
    unit
        Appended as given (include a space where one belongs: ``" m"``, but ``"%"``).
    missing
        The text for a missing value (default :data:`MISSING`).
    sign
        Also show ``+`` before positive values (for z-scores and changes).
    """
    x = _float(value)
    if x is None:
        return missing
    text = f"{abs(x):,.{decimals}f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    zero = all(ch in "0,." for ch in text)
    if x < 0 and not zero:
        text = MINUS + text
    elif sign and not zero:
        text = "+" + text
    return f"{text}{unit}"


def compact(value: Any, max_decimals: int = 3, *, unit: str = "", missing: str = MISSING) -> str:
    """A number with only the decimals it needs (at most ``max_decimals``), in Dutch notation.

    For settings and limits quoted back to a planner (``1,5 s``, ``30 s``, ``0,05 s``), where a
    fixed number of decimals would add zeros the planner never typed.

    Examples
    --------
    >>> compact(30.0, unit=" s")
    '30 s'
    >>> compact(0.05)
    '0,05'
    >>> compact(12000.5)
    '12.000,5'
    >>> compact(2 / 3)
    '0,667'
    >>> compact(None)
    'onbekend'
    >>> compact(0.10000000001, 2)
    '0,1'
    """
    text = number(value, max_decimals, missing=missing)
    if _float(value) is None:
        return text
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text}{unit}"


def parse_number(value: Any) -> float:
    """Read a number a person typed, with a decimal comma or a decimal point.

    The one reader of numbers from text (CSV cells, lists kept in a spreadsheet): surrounding
    spaces are ignored and a comma counts as the decimal sign. Thousands separators are not
    accepted (``1.234,5`` is refused): in a coordinate or a share they are a typing error.

    Raises
    ------
    ValueError
        When the text is not a number.

    Examples
    --------
    >>> parse_number(" 6,5627 ")
    6.5627
    >>> parse_number("52.99")
    52.99
    >>> parse_number(3)
    3.0
    >>> parse_number("1.234,5")
    Traceback (most recent call last):
    ...
    ValueError: could not convert string to float: '1.234.5'
    """
    return float(str(value).strip().replace(",", "."))


def percent(value: Any, decimals: int = 1, *, missing: str = MISSING) -> str:
    """A percentage: ``64,8%``."""
    return number(value, decimals, unit="%", missing=missing)


def metres(value: Any, decimals: int = 0, *, missing: str = MISSING) -> str:
    """A distance in metres: ``1.437 m``."""
    return number(value, decimals, unit=" m", missing=missing)


def minutes(value: Any, decimals: int = 1, *, missing: str = MISSING) -> str:
    """A walking time in minutes: ``17,5 min``."""
    return number(value, decimals, unit=" min", missing=missing)


def signed(value: Any, decimals: int = 2, *, missing: str = MISSING) -> str:
    """A value with its sign (z-scores): ``+1,03``, ``−0,54``, ``0,00``."""
    return number(value, decimals, sign=True, missing=missing)


def lonlat(lon: Any, lat: Any, decimals: int = 5) -> str:
    """A WGS84 point for a label: both coordinates in Dutch notation, separated by ``'; '``.

    >>> lonlat(6.548, 52.993)
    '6,54800; 52,99300'
    """
    return f"{number(lon, decimals)}; {number(lat, decimals)}"


def text(value: Any, *, missing: str = MISSING) -> str:
    """Any value as text for a reader: numbers in Dutch notation (integers without decimals),
    strings as they are, missing values as ``missing``."""
    if is_missing(value):
        return missing
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "ja" if value else "nee"
    x = _float(value)
    if x is None:
        return str(value)
    return number(x, 0 if x.is_integer() else 1)


def slug(text: str) -> str:
    """File-name-safe lower-case slug of at most 80 characters: ``'Assen-Oost'`` → ``'assen-oost'``."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")[:80].strip("-") or "onbekend"


def quantity(value: Any, decimals: int = 0, *, unit: str = "", missing: str = MISSING) -> str:
    """A value as a reader sees it in a table: text as it is, a number in Dutch notation followed by
    ``unit`` (after a space, except ``%``), a missing value as ``missing``.

    For columns that may hold text or numbers (the wijkprofielen' rows).

    >>> quantity(37375)
    '37.375'
    >>> quantity(23.46, 1, unit="%")
    '23,5%'
    >>> quantity(5.25, 1, unit="per 1.000")
    '5,2 per 1.000'
    >>> quantity("hoog")
    'hoog'
    >>> quantity(float("nan"))
    'onbekend'
    """
    if isinstance(value, str):
        return value if value.strip() else missing
    if is_missing(value):
        return missing
    return number(value, decimals, unit=unit if unit in ("", "%") else f" {unit}", missing=missing)
