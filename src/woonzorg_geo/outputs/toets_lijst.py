"""Write a toets --lijst: the CSV and workbook, the overview page and map, one report per initiative.

The map itself is drawn with the other Folium maps, in :mod:`woonzorg_geo.outputs.maps.toets_list`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from woonzorg_geo.toets.batch import ListOutcome, check_list
from woonzorg_geo.toets.list_file import Initiative, InitiativeList
from woonzorg_geo.toets.model import ToetsResult
from woonzorg_geo.toets.places import Places
from woonzorg_geo.toets.settings import VERDICT_TEXT, Geocode, ToetsSettings

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.io import Owner

log = logging.getLogger(__name__)


def write_toets_list(
    analysis: Analysis,
    invoer: InitiativeList,
    out_dir: str | Path,
    *,
    register: Path | None = None,
    settings: ToetsSettings,
    geocoder: Geocode | None = None,
    places: Places | None = None,
    rapporten: bool = False,
    offline: bool | None = None,
    owner: Owner | None = None,
    csv_nl: bool = False,
) -> tuple[ListOutcome, list[Path]]:
    """Check the list and write it into ``out_dir`` at once (a staging folder, moved in place when complete).

    Writes ``toetsen.csv``, ``toetsen.html`` (the overview), ``toetsen_kaart.html`` and, with
    ``rapporten``, ``toets_regelNNN_<adres>.html`` and ``.json`` per checked row, written as the
    rows are checked, and ``overzicht.xlsx`` (with ``csv_nl`` also ``toetsen_nl.csv``, see
    :mod:`woonzorg_geo.outputs.workbook`). A failure leaves the previous lijst in ``out_dir`` as it was. ``out_dir``
    belongs to ``toetsen`` for the analysis's gemeente (``owner``, by default from its settings);
    another command's folder is refused (see :func:`woonzorg_geo.core.io.check_owner`).

    Returns
    -------
    ListOutcome, list of Path
        The outcome and the files written.
    """
    import json

    from woonzorg_geo.core.io import Owner, staged_dir
    from woonzorg_geo.outputs.toets_report import toets_html

    out_dir = Path(out_dir)
    g = analysis.settings.gemeente
    with staged_dir(out_dir, owner=owner or Owner("toetsen", g.code, g.naam), replace_set=True) as tmp:

        def report(ini: Initiative, res: ToetsResult) -> str:
            stem = f"toets_regel{ini.regel:03d}_{res.slug}"
            (tmp / f"{stem}.html").write_text(toets_html(res), encoding="utf-8")
            (tmp / f"{stem}.json").write_text(
                json.dumps(res.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            return f"{stem}.html"

        lijst = check_list(
            analysis,
            invoer,
            register=register,
            settings=settings,
            geocoder=geocoder,
            places=places,
            on_result=report if rapporten else None,
        )
        write_overview(lijst, tmp, analysis, offline=offline)
        from woonzorg_geo.outputs.workbook import write_exports
        from woonzorg_geo.outputs.workbook.sheets import toets_list_sheets

        write_exports(tmp, toets_list_sheets(tmp, analysis, meldingen=lijst.meldingen), csv_nl=csv_nl)
        files = sorted(p.relative_to(tmp) for p in tmp.iterdir() if p.is_file())
    return lijst, [out_dir / f for f in files]


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def write_overview(lijst: ListOutcome, folder: Path, analysis: Analysis, *, offline: bool | None = None) -> list[Path]:
    """Write ``toetsen.csv``, ``toetsen.html`` and ``toetsen_kaart.html`` into ``folder`` (a staging folder)."""
    from woonzorg_geo.core.files import write_csv, write_text
    from woonzorg_geo.outputs.maps.layers import render
    from woonzorg_geo.outputs.maps.toets_list import list_map

    titel = f"Toetsen van {len(lijst.getoetst) + len(lijst.niet_getoetst)} zorginitiatieven ({Path(lijst.bron).name})"
    table = lijst.table()
    paths = [
        write_csv(folder / "toetsen.csv", table, index=False, encoding="utf-8"),
        write_text(folder / "toetsen.html", list_page(lijst, titel=titel, table=table)),
        write_text(folder / "toetsen_kaart.html", render(list_map(lijst, analysis, offline=offline))),
    ]
    return paths


def list_page(lijst: ListOutcome, *, titel: str, table: pd.DataFrame | None = None) -> str:
    """The overview page: per initiative the four parts and the verdict, sortable by every column."""
    from woonzorg_geo.outputs.pages import render
    from woonzorg_geo.outputs.toets_report import TOETS_CSS

    table = lijst.table() if table is None else table
    counts = table["oordeel"].value_counts()
    rows = table.astype(object).where(table.notna(), None).to_dict("records")
    return render(
        "toetsen.html",
        title=titel,
        bron=lijst.bron,
        css=TOETS_CSS,
        rows=rows,
        telling=[
            (v, int(counts.get(v, 0)), VERDICT_TEXT.get(v, ""))
            for v in ("groen", "oranje", "rood", "onbekend", "niet getoetst")
        ],
        n_niet=len(lijst.niet_getoetst),
        meldingen=list(lijst.meldingen),
        rapporten=lijst.rapporten,
    )
