"""The draagkracht page of a gemeente: the overlay map, or, without indicators, what to bring.

A gemeente without the report's tables (Meppel and every gemeente of Drenthe but Assen) would get a
map whose wijken are all grey 'onbekend'. Instead it gets a page that lists the missing indicators,
the ``--indicatoren`` format with an example for its own wijken, and what the map will show once
they are there (issue 24 §6).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.outputs.pages import render

log = logging.getLogger(__name__)

__all__ = ["example_table", "missing_page_html", "write_missing_page"]

#: Made-up values per kind of column (start, step per column, step per row), for the example only.
_EXAMPLE_VALUES = {"pct": (14.5, 4.0, -2.5), "cijfer": (7.2, 0.3, -0.4), "wmo": (35.0, 5.0, -7.0)}


def example_table(wijken: pd.DataFrame, columns: Sequence[str], *, rows: int = 2) -> str:
    """A ``--indicatoren`` CSV (semicolons, decimal comma) for the first ``rows`` wijken of ``wijken``.

    The values are made up to show the format (``naam`` says ``(voorbeeld)``); ``wijken`` has
    ``code`` and ``naam`` columns.
    """
    head = ["code", "naam", *columns]
    lines = [";".join(head)]
    for i, (_, w) in enumerate(wijken.head(rows).iterrows()):
        values = []
        for j, col in enumerate(columns):
            start, per_col, per_row = _EXAMPLE_VALUES.get(col.split("_", 1)[0], (1.0, 0.5, 0.5))
            top = 10.0 if col.startswith("cijfer") else 100.0
            values.append(fmt.number(min(start + per_col * (j % 5) + per_row * i, top), 1))
        lines.append(";".join([str(w["code"]), f"{w['naam']} (voorbeeld)", *values]))
    return "\n".join(lines)


def missing_page_html(
    wijken: pd.DataFrame,
    overlays: Mapping[str, Any],
    *,
    gemeente: str,
    balance_labels: Sequence[str],
    min_dekking: float = 0.75,
    gevoeligheid: float = 0.2,
    cbs_year: str = "2024",
) -> str:
    """The page for a gemeente without indicators per wijk.

    Parameters
    ----------
    wijken
        The gemeente's wijken (``code``, ``naam``).
    overlays
        The ``overlays`` part of the analysis' ``samenvatting.json`` (``herkomst``: one record per
        indicator with ``index``, ``kolom``, ``label`` and ``herkomst``).
    gemeente, balance_labels, min_dekking, gevoeligheid, cbs_year
        Name, the balans classes, the coverage rule, the weight variation and the CBS indeling.
    """
    records = list(overlays.get("herkomst", []))
    missing = [r for r in records if r.get("herkomst") == "geen gegevens"]
    present = [r for r in records if r.get("herkomst") != "geen gegevens"]
    rows = [{"index": r["index"], "kolom": r["kolom"], "label": r["label"], "herkomst": "ontbreekt"} for r in missing]
    columns = [r["kolom"] for r in missing]
    return render(
        "draagkracht_ontbreekt.html",
        title=f"Gemeente {gemeente} — draagkracht en draaglast: nog geen indicatoren",
        gemeente=gemeente,
        slug=slug(gemeente),
        n_wijken=fmt.number(len(wijken)),
        n_total=fmt.number(len(records)),
        n_missing=fmt.number(len(missing)),
        coverage=fmt.percent(100 * min_dekking, 0),
        rows=rows,
        example=example_table(wijken, columns),
        cbs_year=cbs_year,
        n_classes=fmt.number(len(balance_labels)),
        classes=", ".join(balance_labels),
        sensitivity=fmt.percent(100 * gevoeligheid, 0),
        present="; ".join(f"{r['label']} ({r['herkomst']})" for r in present),
    )


def write_missing_page(path: Path, wijken: pd.DataFrame, overlays: Mapping[str, Any], **kw: Any) -> Path:
    """Write :func:`missing_page_html` to ``path`` (a staging folder's file; see ``write_maps``)."""
    path.write_text(missing_page_html(wijken, overlays, **kw), encoding="utf-8")
    log.info("%s: geen indicatoren per wijk; pagina met wat er nodig is geschreven", kw.get("gemeente", ""))
    return path
