"""Small number helpers of the check: missing values and Dutch number notation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from woonzorg_geo.core import formatting as fmt


def _present(value: object) -> bool:
    if value is None:
        return False
    try:
        # pd.isna takes any object; pandas-stubs list only pandas, numpy and scalar types
        return not bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return True


def _num(value: object) -> float | None:
    """A finite float, or None."""
    try:
        v = float(value)  # type: ignore[arg-type]  # any object: float() refuses the wrong ones, caught below
    except (TypeError, ValueError):
        return None
    return v if np.isfinite(v) else None


def _nl(value: object, digits: int | None = None, unit: str = "") -> str:
    """A number in Dutch notation (``1.234,5``) by :func:`woonzorg_geo.core.formatting.number`; ``'onbekend'``
    when missing. ``digits=None``: up to two decimals, trailing zeros dropped; ``unit`` after a space."""
    text = fmt.number(value, 2 if digits is None else digits)
    if text == fmt.MISSING:
        return text
    if digits is None and "," in text:
        text = text.rstrip("0").rstrip(",")
    return f"{text} {unit}" if unit else text


def _text(value: object, default: str = "") -> str:
    """``value`` as text; ``default`` when it is missing (None, NaN) or empty — never ``'nan'``."""
    if not _present(value):
        return default
    text = str(value).strip()
    return text if text and text.lower() not in ("nan", "none", "<na>") else default
