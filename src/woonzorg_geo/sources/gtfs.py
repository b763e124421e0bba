"""Public transport stops: GTFS ``stops.txt`` and the CHB rail station list."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.validate import require_file
from woonzorg_geo.sources.tables import read_csv_checked

log = logging.getLogger(__name__)

GTFS_COLUMNS = ("stop_id", "stop_name", "stop_lat", "stop_lon")


def read_gtfs_stops(paths: str | Path | list[str | Path]) -> gpd.GeoDataFrame:
    """Read GTFS stops: boarding points (``location_type`` 0 or empty) with their station group.

    Parameters
    ----------
    paths
        One or more ``stops.txt`` files, or a folder whose ``*.txt`` files are stops files.

    Returns
    -------
    GeoDataFrame
        EPSG:28992, index ``stop_id``; columns ``naam``, ``halte_groep`` (the parent station, or the
        stop itself when it has none), ``halte_groep_naam``, ``rolstoel`` (GTFS
        ``wheelchair_boarding``), ``bestand``.
    """
    if isinstance(paths, (str, Path)):
        p = Path(paths)
        files = sorted(p.glob("*.txt")) if p.is_dir() else [p]
    else:
        files = [Path(p) for p in paths]
    if not files:
        raise DataFileError(str(paths), "geen GTFS stops-bestanden gevonden", fix="geef stops.txt op")
    frames = []
    for path in files:
        df = read_csv_checked(path, what="GTFS stops.txt", columns=GTFS_COLUMNS)
        for col in ("location_type", "parent_station", "wheelchair_boarding"):
            if col not in df:
                df[col] = ""
        lat = pd.to_numeric(df["stop_lat"], errors="coerce")
        lon = pd.to_numeric(df["stop_lon"], errors="coerce")
        bad = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
        if bad.any():
            raise DataFileError(
                path,
                f"{int(bad.sum())} haltes zonder geldige coördinaten (bijv. stop_id {df.loc[bad, 'stop_id'].iloc[0]})",
                field="stop_lat/stop_lon",
                fix="coördinaten in graden WGS84 met een punt als decimaalteken",
            )
        df = df.assign(stop_lat=lat, stop_lon=lon, bestand=path.name)
        frames.append(df)
    stops = pd.concat(frames, ignore_index=True).drop_duplicates("stop_id")
    loc = stops["location_type"].replace("", "0")
    stations = stops.loc[loc == "1"].set_index("stop_id")["stop_name"]
    boarding = stops.loc[loc == "0"].copy()
    parent = boarding["parent_station"].where(boarding["parent_station"] != "", boarding["stop_id"])
    boarding["halte_groep"] = parent
    boarding["halte_groep_naam"] = parent.map(stations).fillna(boarding["stop_name"])
    gdf = gpd.GeoDataFrame(
        {
            "naam": boarding["stop_name"].to_numpy(),
            "halte_groep": boarding["halte_groep"].to_numpy(),
            "halte_groep_naam": boarding["halte_groep_naam"].to_numpy(),
            "rolstoel": boarding["wheelchair_boarding"].to_numpy(),
            "bestand": boarding["bestand"].to_numpy(),
        },
        index=pd.Index(boarding["stop_id"].to_numpy(), name="stop_id"),
        geometry=gpd.points_from_xy(boarding["stop_lon"], boarding["stop_lat"]),
        crs=WGS84,
    ).to_crs(RD_NEW)
    log.info("%d GTFS-haltes in %d groepen gelezen", len(gdf), gdf["halte_groep"].nunique())
    return gdf


def read_chb_stations(path: str | Path) -> gpd.GeoDataFrame:
    """Read rail stations from a CHB (DOVA halteviewer) JSON list.

    Returns
    -------
    GeoDataFrame
        EPSG:28992, index ``stopplacecode``; columns ``naam``, ``plaats``, ``traploos``
        (stepfreeaccess).
    """
    path = require_file(path, what="CHB-stationslijst (JSON)")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataFileError(path, f"geen geldige JSON ({exc})", fix="lever de CHB-lijst als JSON aan") from exc
    if not isinstance(doc, list):
        raise DataFileError(path, "verwacht een JSON-lijst van stations")
    rows = []
    for i, item in enumerate(doc):
        try:
            lon, lat = item["centroid_wgs84"]
            rows.append(
                {
                    "stopplacecode": item["stopplacecode"],
                    "naam": item.get("publicname") or item["stopplacecode"],
                    "plaats": item.get("town"),
                    "traploos": (item.get("accessibility") or {}).get("stepfreeaccess"),
                    "lon": float(lon),
                    "lat": float(lat),
                }
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DataFileError(
                path, f"station {i} mist een veld ({exc})", field="centroid_wgs84/stopplacecode"
            ) from exc
    if not rows:
        raise DataFileError(path, "de stationslijst is leeg")
    df = pd.DataFrame(rows)
    return gpd.GeoDataFrame(
        df.drop(columns=["lon", "lat"]).set_index("stopplacecode"),
        geometry=gpd.points_from_xy(df["lon"], df["lat"]),
        crs=WGS84,
    ).to_crs(RD_NEW)
