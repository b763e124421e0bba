"""Writing the store: the analysis as ``.npz`` arrays, GeoParquet tables and the index ``opslag.json``.

:func:`save_store` is called by the pipeline inside the staging folder of the outputs; the format
(file names, index keys, encodings) is :mod:`.store_format`'s, the reading :mod:`.store`'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from woonzorg_geo.core.files import json_default
from woonzorg_geo.run.store_format import (
    FIELD_TABLES,
    FORMAT,
    INDEX_NAME,
    OWN_FIELDS,
    UNSTORED,
    StoreIndex,
    TableSpec,
    coded,
    data_fingerprint,
    file_digest,
    index_digest,
    program_name,
)

if TYPE_CHECKING:
    import geopandas as gpd

    from woonzorg_geo.areas.analysis import Analysis


def write_table(frame: gpd.GeoDataFrame, path: Path) -> TableSpec:
    """Write a (Geo)DataFrame as (Geo)Parquet; object columns of mixed types become text.

    Returns
    -------
    dict
        The table's schema as :func:`.store.load_analysis` checks it: ``geo`` (GeoParquet), ``crs``,
        ``index`` (its name), ``kolommen`` (in order, the geometry included) and ``rijen``.
    """
    geometry = getattr(frame, "_geometry_column_name", None)
    mixed = [col for col in frame.columns if col != geometry and frame[col].dtype == object and _mixed(frame[col])]
    out = frame
    if mixed:
        out = frame.copy(deep=False)  # copy-on-write: the columns replaced below are new, the frame stays as it was
        for col in mixed:
            out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    out.to_parquet(path)
    geo = getattr(out, "_geometry_column_name", None) is not None
    crs = getattr(out, "crs", None) if geo else None
    return {
        "geo": geo,
        "crs": crs.to_string() if crs is not None else None,
        "index": cast("str | None", out.index.name),  # "code" or None in every table of the store
        "kolommen": [str(c) for c in out.columns],
        "rijen": len(out),
    }


def _mixed(column: pd.Series) -> bool:
    """Whether an object column holds values of several types, or lists, dicts, tuples or sets (stored as text)."""
    if pd.api.types.infer_dtype(column, skipna=True) in ("string", "empty"):
        return False  # only text (or nothing): as it is, without a look at each value
    kinds = {type(v) for v in column.dropna()}
    return len(kinds) > 1 or bool(kinds & {list, dict, tuple, set})


def save_store(a: Analysis, folder: str | Path) -> list[Path]:
    """Write the store of an analysis into ``folder`` (inside the staging folder of the outputs).

    Parameters
    ----------
    a
        The analysis (:func:`.areas.analysis.analyse`).
    folder
        The store folder (``<out>/opslag``); created.

    Returns
    -------
    list of Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    net = a.network
    first = a.graphs[next(iter(a.graphs))]
    np.savez(
        folder / "netwerk.npz",
        inhoud=np.array("netwerk"),
        xy=net.xy,
        u=net.u,
        v=net.v,
        length=net.length,
        steps=net.steps,
        snap_mask=first.snap_mask,
        **coded("line_class", net.line_class),  # type: ignore[arg-type]
        **coded("line_name", net.line_name),  # type: ignore[arg-type]
    )
    for name, acc in a.access.items():
        pg = a.graphs[name]
        r = acc.routing
        split_edges = np.fromiter(r.splits.keys(), dtype=np.int64, count=len(r.splits))
        split_len = np.array([len(r.splits[int(e)][0]) for e in split_edges], dtype=np.int64)
        arrays: dict[str, np.ndarray] = {
            "profiel": np.array(name),  # checked against the file name on load
            "edge_mask": pg.edge_mask,
            "island_label": pg.islands.label,
            "island_id": pg.islands.sizes.index.to_numpy(),
            "island_knopen": pg.islands.sizes["knopen"].to_numpy(),
            "island_lengte": pg.islands.sizes["lengte_m"].to_numpy(),
            "m_data": r.matrix.data,
            "m_indices": r.matrix.indices,
            "m_indptr": r.matrix.indptr,
            "n_nodes": np.array(r.n_nodes),
            "dest_node": r.dest_node,
            "dest_xy": r.dest_xy,
            "dsnap_edge": r.dest_snap.edge,
            "dsnap_t": r.dest_snap.t,
            "dsnap_dist": r.dest_snap.dist,
            "dsnap_xy": r.dest_snap.xy,
            "split_edge": split_edges,
            "split_len": split_len,
            "split_t": np.concatenate([r.splits[int(e)][0] for e in split_edges]) if len(split_edges) else np.zeros(0),
            "split_chain": (
                np.concatenate([r.splits[int(e)][1] for e in split_edges])
                if len(split_edges)
                else np.zeros(0, np.int64)
            ),
            "osnap_edge": acc.origin_snap.edge,
            "osnap_t": acc.origin_snap.t,
            "osnap_dist": acc.origin_snap.dist,
            "osnap_xy": acc.origin_snap.xy,
            "origin_far": acc.origin_far,
            "origin_blocked": acc.origin_blocked,
            "dest_ids": acc.dest_ids.astype(str),
            "dest_cat": acc.dest_cat.astype(str),
        }
        pos = {d: i for i, d in enumerate(acc.dest_ids)}
        for cat, res in acc.categories.items():
            arrays[f"c|{cat}|node_dist"] = res.node_dist
            arrays[f"c|{cat}|node_source"] = res.node_source
            arrays[f"c|{cat}|origin_dist"] = res.origin_dist
            arrays[f"c|{cat}|origin_nearest"] = np.array(
                [-1 if d is None else pos[d] for d in res.origin_nearest], dtype=np.int64
            )
            for radius, counts in res.counts.items():
                arrays[f"c|{cat}|n|{radius!r}"] = counts
        np.savez(folder / f"profiel_{name}.npz", **arrays)  # type: ignore[arg-type]
    inputs = a.inputs
    frames: dict[str, pd.DataFrame] = {
        "voorzieningen": inputs.voorzieningen,
        "gemeente": inputs.gemeente,
        "invoer_buurten": inputs.buurten,
        "invoer_wijken": inputs.wijken,
        "buurten": a.buurten,
        "wijken": a.wijken,
        "adressen": a.adressen,
        # the OSM of the run, every row and column: the geocoder, the candidate search and the maps read it
        "osm_adressen": inputs.osm.addresses,
        "osm_lijnen": inputs.osm.lines,
        "osm_pois": inputs.osm.pois,
        **{f"osm_laag_{name}": layer for name, layer in sorted(inputs.osm.extra.items())},
    }
    if len(inputs.kerncijfers.columns):
        frames["kerncijfers"] = inputs.kerncijfers
    places = osm_places_of(inputs)
    if places is not None:
        frames["plaatsen"] = places
    fields: dict[str, Any] = {}
    for key, value in input_fields(inputs).items():
        if isinstance(value, pd.DataFrame):
            frames[FIELD_TABLES.get(key, f"invoer_{key}")] = value  # a record's part: invoer_<field>__<part>
        else:
            fields[key] = value
    report: dict[str, Any] = {}
    for key, value in a.overlay_report.items():
        if isinstance(value, pd.DataFrame):
            frames[f"overlay_{key}"] = value
        else:
            report[key] = value
    tables = {key: write_table(frame, folder / f"{key}.parquet") for key, frame in frames.items()}
    # exactly the files written here (not whatever else the folder holds)
    stored = sorted(
        folder / n for n in ["netwerk.npz", *(f"profiel_{p}.npz" for p in a.access), *(f"{t}.parquet" for t in tables)]
    )
    index: StoreIndex = {
        "formaat": FORMAT,
        "programma": program_name(),
        "instellingen": a.fingerprint,
        "gegevens": data_fingerprint(inputs.paths),
        "paden": {k: str(p) for k, p in inputs.paths.items()},
        "bron": inputs.osm.source,
        "gemeente": a.settings.gemeente.code,
        "profielen": list(a.access),
        "naden_gedicht": net.seams_joined,
        "samenvatting": a.summary,
        "tabellen": dict(sorted(tables.items())),
        "osm_lagen": sorted(inputs.osm.extra),
        "osm_schema": inputs.osm.schema,
        "invoer_velden": fields,
        "overlay_rapport": report,
        # every stored file, checked before anything is read (see load_analysis)
        "bestanden": {p.name: {"sha256": file_digest(p), "bytes": p.stat().st_size} for p in stored},
    }
    # the index checks itself: a changed letter in it (a column name, a figure of the summary) is damage too
    canonical = json.loads(json.dumps(index, ensure_ascii=False, default=json_default))
    canonical["controle"] = index_digest(canonical)
    (folder / INDEX_NAME).write_text(json.dumps(canonical, indent=1, ensure_ascii=False), encoding="utf-8")
    return sorted(folder.iterdir())


def input_fields(inputs: Any) -> dict[str, Any]:
    """The further fields of the run's inputs (bus stops, stations, GP list, timings, …), generic over new ones.

    Frames are stored as tables, ``None`` and what JSON keeps as it is in ``opslag.json``; a field of
    another kind cannot be stored and is named in :attr:`.areas.analysis.Analysis.missing` when loaded.
    """
    import dataclasses

    out: dict[str, Any] = {}
    for f in dataclasses.fields(inputs):
        if f.name in OWN_FIELDS:
            continue
        value = getattr(inputs, f.name)
        if value is None or isinstance(value, pd.DataFrame):
            out[f.name] = value
            continue
        if (
            dataclasses.is_dataclass(value)
            and not isinstance(value, type)
            and type(value).__module__.startswith("woonzorg_geo.")
        ):
            # a record of frames and geometries (the gemeente's outlines, …): its frames as tables
            # ``invoer_<field>__<part>``, its geometries as WKB, the rest as JSON
            out[f.name] = {"_klasse": f"{type(value).__module__}:{type(value).__qualname__}"}
            for part in dataclasses.fields(value):
                v = getattr(value, part.name)
                if isinstance(v, pd.DataFrame):
                    out[f"{f.name}__{part.name}"] = v
                elif v is not None and hasattr(v, "wkb_hex") and hasattr(v, "geom_type"):
                    out[f.name][part.name] = {"_wkb": v.wkb_hex}
                else:
                    out[f.name][part.name] = v
            try:
                json.dumps(out[f.name])
            except (TypeError, ValueError):
                out[f.name] = UNSTORED
            continue
        try:
            kept = json.loads(json.dumps(value, ensure_ascii=False, default=json_default))
        except (TypeError, ValueError):
            kept = UNSTORED
        out[f.name] = kept if kept == value else UNSTORED
    return out


def osm_places_of(inputs: Any) -> gpd.GeoDataFrame | None:
    """The named OSM places of the tiles (every class), for the toets' place check."""
    places = getattr(inputs, "osm_places", None)
    if places is not None:
        return places
    tiles = (getattr(inputs, "paths", {}) or {}).get("osm_tiles")
    if tiles is None or not Path(tiles).exists():
        return None
    from woonzorg_geo.sources.osm import read_osm_places

    return read_osm_places(Path(tiles), ())
