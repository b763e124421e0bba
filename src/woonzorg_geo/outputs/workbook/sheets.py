"""The sheets of each command's ``overzicht.xlsx``: analyse, regio, toets --lijst and watals.

Each function takes the command's staging folder (its CSVs already written there, read back so
the workbook shows what the CSVs hold) and what the command has in memory besides.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from woonzorg_geo import WGS84
from woonzorg_geo.outputs.workbook.book import Sheet, csv_sheet, make_sheet, read_csv_table
from woonzorg_geo.outputs.workbook.columns import indicator_labels

if TYPE_CHECKING:
    import geopandas as gpd

    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.vocabulary import Vocabulary
    from woonzorg_geo.whatif.engine import WhatIfResult

#: Titles of the sources sheet.
SOURCE_LABELS = {
    "sleutel": "Gegevens (sleutel)",
    "omschrijving": "Gegevens",
    "bron": "Bron",
    "datum": "Datum",
    "licentie": "Licentie",
    "gebruik": "Gebruik",
    "pad": "Bestand",
}
#: Titles of the sensitivity sheet (``gevoeligheid.csv``: the wijken's rank changes per weight variant).
SENSITIVITY_LABELS = {
    "index": "Index",
    "indicator": "Indicator (kolom)",
    "factor": "Gewicht maal",
    "max_rangverschuiving": "Grootste rangverschuiving (plaatsen)",
    "wijken_verschoven": "Wijken die van plaats veranderen",
}
#: Titles of the settings sheet.
SETTING_LABELS = {"sectie": "Sectie", "instelling": "Instelling", "waarde": "Waarde"}


def _plain(value: Any) -> Any:
    """A settings value for one cell: numbers stay numbers, lists become text."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, (int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)) and all(not isinstance(v, (dict, list, tuple)) for v in value):
        return ", ".join(str(v) for v in value)
    return str(value)


def _flatten(prefix: str, value: Any, rows: list[dict[str, Any]]) -> None:
    """Settings as rows ``(sectie, instelling, waarde)``; nested tables and lists of tables unfold."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        for key, sub in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), sub, rows)
        return
    if isinstance(value, (list, tuple)) and any(
        isinstance(v, Mapping) or (dataclasses.is_dataclass(v) and not isinstance(v, type)) for v in value
    ):
        for i, sub in enumerate(value, start=1):
            _flatten(f"{prefix}[{i}]", sub, rows)
        return
    section, _, name = prefix.rpartition(".")
    rows.append({"sectie": section or prefix, "instelling": name or prefix, "waarde": _plain(value)})


def settings_sheet(settings: Any, *, meta: Mapping[str, Any], vocab: Vocabulary, name: str = "instellingen") -> Sheet:
    """The settings used: ``meta`` first (program, when, settings file, profiles, norm), then every setting."""
    rows: list[dict[str, Any]] = [{"sectie": "run", "instelling": k, "waarde": _plain(v)} for k, v in meta.items()]
    _flatten("", settings, rows)
    frame = pd.DataFrame(rows, columns=list(SETTING_LABELS))
    return make_sheet(name, frame, vocab=vocab, labels=SETTING_LABELS, first=())


def sources_sheet(gegevens: Mapping[str, Any], *, vocab: Vocabulary, name: str = "bronnen") -> Sheet:
    """The data sources of a run (``manifest.json``'s ``gegevens``): per dataset source, date and licence."""
    from woonzorg_geo.sources.datasets import CATALOGUE

    rows = []
    for key, entry in gegevens.items():
        entry = entry if isinstance(entry, Mapping) else {"bron": entry}
        known = CATALOGUE.get(key, {})
        rows.append(
            {
                "sleutel": key,
                "omschrijving": known.get("omschrijving", key),
                "bron": entry.get("bron", known.get("bron", "")),
                "datum": entry.get("datum", known.get("datum", "")),
                "licentie": known.get("licentie", ""),
                "gebruik": entry.get("gebruik", ""),
                "pad": entry.get("pad", ""),
            }
        )
    frame = pd.DataFrame(rows, columns=list(SOURCE_LABELS)).astype(str)
    return make_sheet(name, frame, vocab=vocab, labels=SOURCE_LABELS, first=("omschrijving",))


def voorzieningen_sheet(voorzieningen: gpd.GeoDataFrame, *, vocab: Vocabulary) -> Sheet:
    """The voorzieningen with their source, its date, the precision and lon/lat (WGS84)."""
    vz = voorzieningen
    frame = pd.DataFrame(vz.drop(columns=vz.geometry.name))
    if vz.index.name and vz.index.name not in frame.columns:
        frame = frame.reset_index()
    points = vz.geometry.representative_point().to_crs(WGS84)
    frame["lon"], frame["lat"] = points.x.round(6).to_numpy(), points.y.round(6).to_numpy()
    first = ("vz_id", "label", "naam", "bron_label", "bron_datum", "precisie")
    return make_sheet("voorzieningen", frame, vocab=vocab, first=first)


def analyse_sheets(
    folder: Path, a: Analysis, *, manifest: Mapping[str, Any], voorzieningen: gpd.GeoDataFrame
) -> list[Sheet | None]:
    """``analyse``: wijken, buurten (from their CSVs), voorzieningen, gevoeligheid (when the run has the
    overlays), bronnen and instellingen."""
    vocab = a.vocab
    labels = indicator_labels(a.settings)
    meta = {
        "programma": manifest.get("programma", ""),
        "gemaakt": manifest.get("gemaakt", ""),
        "gemeente": f"{a.settings.gemeente.naam} ({a.settings.gemeente.code})",
        "instellingenbestand": manifest.get("instellingen", a.settings.source),
        "profielen": ", ".join(a.access),
        "loopnorm_m": a.settings.bereikbaarheid.norm_m,
    }
    return [
        csv_sheet(folder, "wijken.csv", name="wijken", vocab=vocab, labels=labels),
        csv_sheet(folder, "buurten.csv", name="buurten", vocab=vocab, labels=labels),
        voorzieningen_sheet(voorzieningen, vocab=vocab),
        csv_sheet(folder, "gevoeligheid.csv", name="gevoeligheid", vocab=vocab, labels=SENSITIVITY_LABELS, first=()),
        sources_sheet(manifest.get("gegevens", {}), vocab=vocab),
        settings_sheet(a.settings, meta=meta, vocab=vocab),
    ]


def regio_sheets(
    folder: Path, *, wijken: pd.DataFrame, tasks: Sequence[Mapping[str, Any]], out_dir: Path, norm_m: float
) -> list[Sheet | None]:
    """``regio``: gemeenten (``regio.csv``), wijken (the regional layer) and buurten (each gemeente's CSV).

    ``wijken`` is the regional wijk layer, ``tasks`` the run's rows per gemeente (``status``, ``map``, ``naam``).
    """
    from woonzorg_geo.core.vocabulary import default_vocabulary

    vocab = default_vocabulary().with_run(norm_m=norm_m)
    wijken = pd.DataFrame(wijken.drop(columns="geometry", errors="ignore"))
    wijken = wijken.reset_index() if wijken.index.name else wijken
    parts = []
    for task in tasks:
        path = Path(out_dir) / str(task.get("map", "")) / "buurten.csv"
        if task.get("status") == "ok" and task.get("map") and path.is_file():
            part = read_csv_table(path)
            part.insert(0, "gemeente", task.get("naam", ""))
            parts.append(part)
    buurten = pd.concat(parts, ignore_index=True) if parts else None
    return [
        csv_sheet(folder, "regio.csv", name="gemeenten", vocab=vocab),
        make_sheet("wijken", wijken, vocab=vocab, first=("code", "naam", "gemeente")),
        make_sheet("buurten", buurten, vocab=vocab, first=("code", "naam", "gemeente"))
        if buurten is not None
        else None,
    ]


def toets_list_sheets(
    folder: Path, analysis: Analysis, *, meldingen: list[str] | tuple[str, ...] = ()
) -> list[Sheet | None]:
    """``toets --lijst``: the overview of every initiative (``toetsen.csv``) and the list's messages."""
    vocab = analysis.vocab
    sheets = [csv_sheet(folder, "toetsen.csv", name="toetsen", vocab=vocab, first=("regel", "naam"))]
    if meldingen:
        frame = pd.DataFrame({"melding": [str(m) for m in meldingen]})
        sheets.append(make_sheet("meldingen", frame, vocab=vocab, labels={"melding": "Melding"}))
    return sheets


def whatif_sheets(folder: Path, w: WhatIfResult, a: Analysis) -> list[Sheet | None]:
    """``watals``: per wijk and buurt before/after/difference, the addresses, the gemeente and the changes."""
    vocab = a.vocab
    doc = w.samenvatting
    rows = [
        {
            "profiel": profile,
            "categorie": cat,
            "label": rec.get("label", cat),
            "pct_voor": rec.get("pct_voor"),
            "pct_na": rec.get("pct_na"),
            "verschil_procentpunt": rec.get("verschil_procentpunt"),
            "winnen": rec.get("adressen_winnen_toegang"),
            "verliezen": rec.get("adressen_verliezen_toegang"),
        }
        for profile, p in doc.get("profielen", {}).items()
        for cat, rec in p.get("categorieen", {}).items()
    ]
    norm = vocab.norm_text
    gemeente_labels = {
        "profiel": "Looptempo (profiel)",
        "categorie": "Categorie (sleutel)",
        "label": "Binnen de norm",
        "pct_voor": f"Aandeel woningen binnen {norm}, vóór de wijziging",
        "pct_na": f"Aandeel woningen binnen {norm}, na de wijziging",
        "verschil_procentpunt": "Verschil",
        "winnen": "Woningen die toegang winnen",
        "verliezen": "Woningen die toegang verliezen",
    }
    gemeente = pd.DataFrame(rows, columns=list(gemeente_labels))
    for col in list(gemeente_labels)[3:]:  # numbers, also where a run lacks one
        gemeente[col] = pd.to_numeric(gemeente[col], errors="coerce").astype(float)
    listed: dict[str, Any] = dict(doc.get("wijzigingen", {}))  # the test workbooks may leave a kind out
    changes = [
        {"wijziging": kind, **{k: v for k, v in rec.items() if not isinstance(v, (dict, list))}}
        for kind, recs in listed.items()
        for rec in recs
    ]
    change_labels = {
        "wijziging": "Wijziging",
        "id": "Id",
        "naam": "Naam",
        "omschrijving": "Omschrijving",
        "x_rd": "X (RD, m)",
        "y_rd": "Y (RD, m)",
    }
    return [
        csv_sheet(folder, "watals_wijken.csv", name="wijken", vocab=vocab),
        csv_sheet(folder, "watals_buurten.csv", name="buurten", vocab=vocab),
        make_sheet("gemeente", gemeente, vocab=vocab, labels=gemeente_labels, first=("profiel", "label")),
        make_sheet("wijzigingen", pd.DataFrame(changes), vocab=vocab, labels=change_labels, first=("wijziging",)),
        csv_sheet(folder, "watals_adressen.csv", name="adressen", vocab=vocab),
    ]
