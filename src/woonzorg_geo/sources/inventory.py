"""The data inventory: per dataset its source, date, licence, CRS, feature count and what lies inside."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from woonzorg_geo import WEB_MERCATOR
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.config import Settings
from woonzorg_geo.sources.datasets import CATALOGUE, OPTIONAL_FILES, REQUIRED_DATASETS, Inputs, resolve_paths
from woonzorg_geo.sources.voorzieningen import count_inside

log = logging.getLogger(__name__)


#: Status texts of a dataset's file.
PRESENT, MISSING, NOT_SET = "aanwezig", "ontbreekt", "niet ingesteld"


def file_status(settings: Settings, *, raw_dir: Path) -> pd.DataFrame:
    """Whether the file of every catalogued dataset is there, without reading any of them.

    Returns
    -------
    pandas.DataFrame
        Indexed by dataset, with ``omschrijving``, ``pad`` (None when the settings name no file),
        ``status`` (``aanwezig``, ``ontbreekt`` or ``niet ingesteld``) and ``nodig``: True when a run
        stops without it (a required dataset, or any named file except the optional PC4
        centroids).
    """
    paths = resolve_paths(settings, raw_dir=raw_dir)
    rows = []
    for key, meta in CATALOGUE.items():
        path = paths.get(key)
        status = NOT_SET if path is None else (PRESENT if path.exists() else MISSING)
        needed = key in REQUIRED_DATASETS or (path is not None and key not in OPTIONAL_FILES)
        rows.append(
            {"dataset": key, "omschrijving": meta["omschrijving"], "pad": path, "status": status, "nodig": needed}
        )
    return pd.DataFrame(rows).set_index("dataset")


def _status_text(row: pd.Series) -> str:
    if row["status"] == PRESENT:
        return PRESENT
    note = "" if row["nodig"] else " (optioneel)"
    if row["status"] == NOT_SET:
        return f"{NOT_SET}{note}"
    return f"{MISSING}{note}: {row['pad']}"


def missing_needed(status: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`file_status` without which a run stops."""
    return status.loc[status["nodig"] & (status["status"] != PRESENT)]


def format_file_status(status: pd.DataFrame, *, gemeente: str, raw_dir: Path) -> str:
    """Every dataset with its status, as readable Dutch text (one line each)."""
    n_missing = int((status["status"] != PRESENT).sum())
    lines = [
        (f"Gegevens voor gemeente {gemeente} in {raw_dir}: {len(status) - n_missing} van de {len(status)} aanwezig"),
        "",
    ]
    lines += [f"{row['omschrijving']} ({key}): {_status_text(row)}" for key, row in status.iterrows()]
    return "\n".join(lines)


def _file_crs_and_count(path: Path) -> tuple[str, int | None]:
    if path.is_dir():
        tiles = len(list(path.rglob("*.pbf")))
        if tiles:
            return f"{WEB_MERCATOR} (tiles)", tiles
        return "WGS84 (lat/lon)", len(list(path.glob("*.txt")))
    if path.suffix.lower() in (".geojson", ".gpkg", ".shp"):
        import pyogrio  # here: GDAL costs 40 MB the other commands do not need

        try:
            info = pyogrio.read_info(path)
            return str(info["crs"] or "geen"), int(info["features"])
        except Exception:  # noqa: BLE001 - the inventory reports, it does not fail
            return "onleesbaar", None
    return "WGS84 (lat/lon)", None


def _gp_text(gp: pd.DataFrame, shape: Any, *, margin_m: float | None) -> str:
    """The GP practices in the gemeente, and those of the list just outside it, in one line.

    The list is loaded with the practices within ``[netwerk] margin_m`` of the gemeente: a home by
    the border may have its nearest huisarts across it. The completeness line and the summary count
    the practices inside the border; this line says where the difference goes.
    """
    within = gp.geometry.within(shape).to_numpy()
    n_in, n_out = int(within.sum()), int((~within).sum())
    n_adres = int((gp.loc[within, "geocode_precisie"] == "adres").sum()) if "geocode_precisie" in gp else 0
    text = f"{n_in} praktijken, {n_adres} op adres gegeocodeerd"
    if n_out:
        where = f"binnen {fmt.metres(margin_m)} van de grens" if margin_m else "net buiten de grens"
        text += (
            f"; de lijst heeft er {n_in + n_out}: {n_out} {'ligt' if n_out == 1 else 'liggen'} buiten de gemeente, "
            f"{where}, en {'telt' if n_out == 1 else 'tellen'} mee als dichtstbijzijnde huisarts van woningen aan de rand"
        )
    return text


def inventory(inputs: Inputs, *, margin_m: float | None = None) -> pd.DataFrame:
    """One row per dataset: description, source, date, licence, path, CRS, count, inside the gemeente.

    ``margin_m`` is ``[netwerk] margin_m``, the margin within which voorzieningen outside the gemeente
    are loaded (named where a list's count inside the gemeente differs from its rows).
    """
    shape = inputs.gemeente.union_all()
    inside: dict[str, str] = {
        "gemeentegrens": fmt.number(shape.area / 1e4, unit=" ha"),
        "buurten": f"{len(inputs.buurten)} buurten",
        "wijken": f"{len(inputs.wijken)} wijken",
        "kerncijfers": (
            f"{inputs.kerncijfers.index.isin(inputs.wijken.index).sum()} wijken, "
            f"{inputs.kerncijfers.index.isin(inputs.buurten.index).sum()} buurten"
        ),
    }
    osm = inputs.osm
    inside["osm_tiles"] = (
        f"{int(osm.lines.intersects(shape).sum())} lijnen, "
        f"{int(osm.addresses.within(shape).sum())} adrespunten, {int(osm.pois.within(shape).sum())} POI's"
    )
    if inputs.gtfs_stops is not None:
        stops = inputs.gtfs_stops.loc[inputs.gtfs_stops.within(shape)]
        inside["gtfs_stops"] = f"{len(stops)} haltes in {stops['halte_groep'].nunique()} groepen"
    if inputs.stations is not None:
        st = inputs.stations.loc[inputs.stations.within(shape)]
        inside["treinstations"] = f"{len(st)}: {', '.join(st['naam'])}"
    if inputs.huisartsen is not None:
        inside["huisartsen"] = _gp_text(inputs.huisartsen, shape, margin_m=margin_m)
    if inputs.apotheken is not None:
        ap = inputs.apotheken.loc[inputs.apotheken.within(shape)]
        n_adres = int((ap["geocode_precisie"] == "adres").sum())
        inside["apotheken"] = f"{len(ap)} apotheken, {n_adres} op adres gegeocodeerd"
    if inputs.supermarkten_ketens is not None:
        inside["supermarkten_ketens"] = f"{len(inputs.supermarkten_ketens)} AH- en ALDI-winkels"
    rows = []
    for key, meta in CATALOGUE.items():
        path = inputs.paths.get(key)
        if path is None:
            continue
        present = path.exists()
        crs, count = _file_crs_and_count(path) if present else ("", None)
        rows.append(
            {
                "dataset": key,
                **meta,
                "status": PRESENT if present else MISSING,
                "pad": str(path),
                "crs": crs,
                "aantal": count,
                "in_gemeente": inside.get(key, ""),
            }
        )
    frame = pd.DataFrame(rows).set_index("dataset")
    counts = count_inside(inputs.voorzieningen, inputs.gemeente)
    frame.attrs["voorzieningen"] = counts.to_dict()
    return frame


def format_inventory(frame: pd.DataFrame, *, gemeente: str) -> str:
    """The inventory as readable Dutch text."""
    lines = [f"Gegevens voor gemeente {gemeente}", ""]
    for key, row in frame.iterrows():
        lines.append(f"{row['omschrijving']} ({key})")
        lines.append(f"  bron: {row['bron']}, {row['datum']}; licentie: {row['licentie']}")
        count = "" if pd.isna(row["aantal"]) else f"; {int(row['aantal'])} objecten/bestanden"
        lines.append(f"  bestand: {row['pad']}")
        lines.append(f"  status: {row['status']}")
        if row["status"] == PRESENT:
            lines.append(f"  CRS: {row['crs']}{count}")
        if row["in_gemeente"]:
            lines.append(f"  in de gemeente: {row['in_gemeente']}")
        lines.append("")
    vz = frame.attrs.get("voorzieningen", {})
    if vz:
        lines.append("Voorzieningen binnen de gemeentegrens:")
        lines.extend(f"  {k}: {v}" for k, v in vz.items())
    return "\n".join(lines)
