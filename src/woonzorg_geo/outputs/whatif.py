"""Write a what-if (``watals``): the CSVs, workbook, text and map of a change, all or nothing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.io import Owner

from woonzorg_geo.outputs.maps.whatif import whatif_map
from woonzorg_geo.whatif.engine import WhatIfResult, address_table

log = logging.getLogger(__name__)


def write_whatif(
    w: WhatIfResult,
    a: Analysis,
    out_dir: str | Path,
    *,
    maps: bool = True,
    offline: bool | None = None,
    owner: Owner | None = None,
    csv_nl: bool = False,
) -> list[Path]:
    """Write ``watals_buurten.csv``, ``watals_wijken.csv``, ``watals_adressen.csv``, ``watals.json``,
    ``watals_kaart.html`` and ``overzicht.xlsx`` into ``out_dir``, all or nothing (with ``csv_nl`` also
    the CSVs' Dutch-Excel variants ``*_nl.csv``, see :mod:`woonzorg_geo.outputs.workbook`).

    ``out_dir`` belongs to ``watals`` for the analysis's gemeente (``owner``, by default from
    ``a.settings``): the previous watals there is replaced, any other folder is refused (see
    :func:`woonzorg_geo.core.io.check_owner`)."""
    import json

    from woonzorg_geo.core.files import write_csv
    from woonzorg_geo.core.io import Owner, staged_dir

    out_dir = Path(out_dir)
    g = a.settings.gemeente
    with staged_dir(out_dir, owner=owner or Owner("watals", g.code, g.naam), replace_set=True) as tmp:
        write_csv(tmp / "watals_buurten.csv", w.buurten, encoding="utf-8")
        write_csv(tmp / "watals_wijken.csv", w.wijken, encoding="utf-8")
        write_csv(tmp / "watals_adressen.csv", address_table(w, a), encoding="utf-8")
        (tmp / "watals.json").write_text(
            json.dumps(w.samenvatting, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
        if "scenario" in w.samenvatting:  # the changes as a scenario file: watals --scenario, the app
            (tmp / "watals_scenario.json").write_text(
                json.dumps(w.samenvatting["scenario"], indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        from woonzorg_geo.outputs.workbook import write_exports
        from woonzorg_geo.outputs.workbook.sheets import whatif_sheets

        write_exports(tmp, whatif_sheets(tmp, w, a), csv_nl=csv_nl)
        if maps:
            from woonzorg_geo.outputs.maps.layers import render

            (tmp / "watals_kaart.html").write_text(render(whatif_map(w, a, offline=offline)), encoding="utf-8")
        files = sorted(p.relative_to(tmp) for p in tmp.iterdir() if p.is_file())
    return [out_dir / f for f in files]
