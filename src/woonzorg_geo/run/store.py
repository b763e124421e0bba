"""The analysis kept for later questions: ``toets``, ``watals``, ``locaties`` reuse it instead of recomputing.

``analyse`` writes, beside its outputs, the folder ``opslag/`` with what the later commands need:
the walking network and, per profile, the routing graph (the voorzieningen inserted as nodes),
the per-node distance to the nearest voorziening of every category and where every address lies
on the network (numpy ``.npz``, with each network edge's line class and name); the voorzieningen,
areas and addresses, and everything else the run read: every OSM line, point of interest and address
point with all their columns, the OSM layers it read, the bus stops, stations and GP list (and any
further field of :class:`~woonzorg_geo.sources.datasets.Inputs`), the overlay report (GeoParquet); and
``opslag.json`` with the fingerprints it was made from (program version, settings, and the size
and modification time of every input file), the SHA-256 and size of every stored file and the
schema of every table. :func:`load_analysis` rebuilds an
:class:`~woonzorg_geo.areas.analysis.Analysis` from it in a fraction of a second when the
fingerprints match, and says why not when they do not. The rebuilt analysis is the run's: ``locaties``,
``toets`` and ``watals`` give the same answer from it as from a fresh one. What the run did not read
(the candidate search's OSM layers ``building``, ``landuse``, …) is read from the same tiles when asked
(``osm_layers``), after their fingerprint is checked; what a caller chooses not to load (the addresses)
is named in :attr:`.areas.analysis.Analysis.missing`, and :meth:`.areas.analysis.Analysis.require` refuses it.

A store is an input: it is never changed when read. Before anything is read, every file's size
and SHA-256 are compared with ``opslag.json``; what is read is then checked against the schema
(each ``.npz`` names its own profile and holds every category of the run's vocabulary with the
array shapes of the network; each table has its recorded columns, index and rows). Any
difference raises :class:`StoreDamaged` ("opslag beschadigd: <bestand>: <wat>"), a
:class:`StoreMismatch`: the commands then compute the analysis again instead of answering from a
damaged store. No exception of numpy, zipfile or pyarrow leaves :func:`load_analysis`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.files import json_default
from woonzorg_geo.core.settings_loader import settings_fingerprint

if TYPE_CHECKING:
    import geopandas as gpd

    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.config import Settings

log = logging.getLogger(__name__)

#: Name of the store folder inside an output folder.
STORE_DIR = "opslag"
#: Version of the store layout; a store of another version is rebuilt. 2: SHA-256 and size of every
#: file, the tables' schema, and the profile's name inside each ``.npz``. 3: everything the run read (all OSM
#: lines, points of interest, addresses with every column, the OSM layers it read, bus stops, stations,
#: the GP list, the network's line class and name, the overlay report): nothing of the analysis is lost.
FORMAT = 3
_INDEX = "opslag.json"


class StoreMismatch(WoonzorgError, ValueError):
    """The store cannot be used (absent, of another version, settings or data); the message says why."""


class StoreDamaged(StoreMismatch):
    """A file of the store is missing, changed since ``analyse`` or not of the expected form.

    The message is ``opslag beschadigd: <file>: <what>``; ``file`` and ``what`` are kept as attributes.
    """

    def __init__(self, file: str | Path, what: str) -> None:
        self.file = str(file)
        self.what = what
        super().__init__(f"opslag beschadigd: {self.file}: {what}")


def _stat(path: Path) -> str:
    """Size and modification time of a file, or of every file in a folder."""
    if path.is_dir():
        n = size = newest = 0
        for root, _, files in os.walk(path):
            for f in files:
                st = os.stat(os.path.join(root, f))
                n, size, newest = n + 1, size + st.st_size, max(newest, st.st_mtime_ns)
        return f"map:{n}:{size}:{newest}"
    if path.exists():
        st = path.stat()
        return f"bestand:{st.st_size}:{st.st_mtime_ns}"
    return "ontbreekt"


def data_fingerprint(paths: dict[str, Path]) -> dict[str, str]:
    """Per input dataset: its path with size and modification time (a changed file changes it)."""
    return {key: f"{Path(p).resolve()}|{_stat(Path(p))}" for key, p in sorted(paths.items())}


def _program() -> str:
    from woonzorg_geo import __version__

    return f"woonzorg_geo {__version__}"


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _geo_parquet(frame: gpd.GeoDataFrame, path: Path) -> dict[str, Any]:
    """Write a (Geo)DataFrame as (Geo)Parquet; object columns of mixed types become text.

    Returns
    -------
    dict
        The table's schema as :func:`load_analysis` checks it: ``geo`` (GeoParquet), ``crs``,
        ``index`` (its name), ``kolommen`` (in order, the geometry included) and ``rijen``.
    """
    out = frame.copy()
    for col in out.columns:
        if col == getattr(out, "_geometry_column_name", None) or out[col].dtype != object:
            continue
        kinds = {type(v) for v in out[col].dropna()}
        if len(kinds) > 1 or kinds & {list, dict, tuple, set}:
            out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    out.to_parquet(path)
    geo = getattr(out, "_geometry_column_name", None) is not None
    crs = getattr(out, "crs", None) if geo else None
    return {
        "geo": geo,
        "crs": crs.to_string() if crs is not None else None,
        "index": out.index.name,
        "kolommen": [str(c) for c in out.columns],
        "rijen": len(out),
    }


def _digest(path: Path) -> str:
    """SHA-256 of a file, hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


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
        **_coded("line_class", net.line_class),  # type: ignore[arg-type]
        **_coded("line_name", net.line_name),  # type: ignore[arg-type]
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
    frames: dict[str, Any] = {
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
    places = _osm_places(inputs)
    if places is not None:
        frames["plaatsen"] = places
    fields: dict[str, Any] = {}
    for key, value in _input_fields(inputs).items():
        if isinstance(value, pd.DataFrame):
            frames[_FIELD_TABLES.get(key, f"invoer_{key}")] = value  # a record's part: invoer_<field>__<part>
        else:
            fields[key] = value
    report: dict[str, Any] = {}
    for key, value in a.overlay_report.items():
        if isinstance(value, pd.DataFrame):
            frames[f"overlay_{key}"] = value
        else:
            report[key] = value
    tables = {key: _geo_parquet(frame, folder / f"{key}.parquet") for key, frame in frames.items()}
    # exactly the files written here (not whatever else the folder holds)
    stored = sorted(
        folder / n for n in ["netwerk.npz", *(f"profiel_{p}.npz" for p in a.access), *(f"{t}.parquet" for t in tables)]
    )
    index = {
        "formaat": FORMAT,
        "programma": _program(),
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
        "bestanden": {p.name: {"sha256": _digest(p), "bytes": p.stat().st_size} for p in stored},
    }
    # the index checks itself: a changed letter in it (a column name, a figure of the summary) is damage too
    canonical = json.loads(json.dumps(index, ensure_ascii=False, default=json_default))
    canonical["controle"] = index_digest(canonical)
    (folder / _INDEX).write_text(json.dumps(canonical, indent=1, ensure_ascii=False), encoding="utf-8")
    return sorted(folder.iterdir())


def index_digest(index: dict[str, Any]) -> str:
    """SHA-256 of ``opslag.json``'s content (without its own ``controle``), independent of layout and key order."""
    rest = {k: v for k, v in index.items() if k != "controle"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


#: The tables of the optional :class:`~woonzorg_geo.sources.datasets.Inputs` fields that are frames (``None``: not
#: stored); a field not named here is stored as ``invoer_<veld>``.
_FIELD_TABLES = {"gtfs_stops": "ov_haltes", "stations": "treinstations", "huisartsen": "huisartsen"}
#: Fields of :class:`~woonzorg_geo.sources.datasets.Inputs` stored on their own (not by :func:`_input_fields`).
_OWN_FIELDS = ("gemeente", "buurten", "wijken", "kerncijfers", "osm", "voorzieningen", "paths", "osm_places")


def _input_fields(inputs: Any) -> dict[str, Any]:
    """The further fields of the run's inputs (bus stops, stations, GP list, timings, …), generic over new ones.

    Frames are stored as tables, ``None`` and what JSON keeps as it is in ``opslag.json``; a field of
    another kind cannot be stored and is named in :attr:`.areas.analysis.Analysis.missing` when loaded.
    """
    import dataclasses

    out: dict[str, Any] = {}
    for f in dataclasses.fields(inputs):
        if f.name in _OWN_FIELDS:
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
                out[f.name] = _UNSTORED
            continue
        try:
            kept = json.loads(json.dumps(value, ensure_ascii=False, default=json_default))
        except (TypeError, ValueError):
            kept = _UNSTORED
        out[f.name] = kept if kept == value else _UNSTORED
    return out


def _parts(tables: dict[str, Any], name: str) -> dict[str, str]:
    """The tables of the frames of a stored record field ``name``: part → table."""
    prefix = f"invoer_{name}__"
    return {t[len(prefix) :]: t for t in tables if t.startswith(prefix)}


def _record(stored: dict[str, Any], frames: dict[str, Any]) -> Any:
    """A record field (see :func:`_input_fields`) rebuilt from its JSON, WKB and tables."""
    import importlib

    import shapely

    module, _, qualname = str(stored["_klasse"]).partition(":")
    if not module.startswith("woonzorg_geo."):
        raise StoreDamaged(_INDEX, f"klasse {stored['_klasse']} hoort niet bij woonzorg_geo")
    try:
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        values = {
            k: shapely.from_wkb(bytes.fromhex(v["_wkb"])) if isinstance(v, dict) and "_wkb" in v else v
            for k, v in stored.items()
            if k != "_klasse"
        }
        return cls(**values, **frames)
    except Exception as exc:  # noqa: BLE001 - the reading boundary: a record of another form is damage
        raise StoreDamaged(_INDEX, f"veld {qualname} niet te herstellen ({type(exc).__name__}: {exc})") from None


#: Marks an Inputs field that JSON cannot keep as it is (named as missing on load).
_UNSTORED = {"niet_opgeslagen": True}


def _coded(key: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """An object array of text or ``None`` as codes into its distinct values (``-1``: ``None``), for ``.npz``."""
    mask = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in values], dtype=bool)
    uniq, codes = np.unique(np.array([str(v) for v in values[~mask]], dtype=str), return_inverse=True)
    full = np.full(len(values), -1, dtype=np.int32)
    full[~mask] = codes
    return {f"{key}_codes": full, f"{key}_values": uniq.astype(str) if len(uniq) else np.zeros(0, dtype="U1")}


def _decoded(z: dict[str, np.ndarray], key: str, n: int) -> np.ndarray:
    """The object array :func:`_coded` stored (``None`` where the code is -1)."""
    codes, values = z[f"{key}_codes"], z[f"{key}_values"].astype(object)
    out = np.full(n, None, dtype=object)
    out[codes >= 0] = values[codes[codes >= 0]]
    return out


def _osm_places(inputs: Any) -> gpd.GeoDataFrame | None:
    """The named OSM places of the tiles (every class), for the toets' place check."""
    places = getattr(inputs, "osm_places", None)
    if places is not None:
        return places
    tiles = (getattr(inputs, "paths", {}) or {}).get("osm_tiles")
    if tiles is None or not Path(tiles).exists():
        return None
    from woonzorg_geo.sources.osm import read_osm_places

    return read_osm_places(Path(tiles), ())


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


#: What the later commands read from each table, beyond the schema recorded in ``opslag.json``:
#: the index name and the columns (the geometry included) every store of this format has.
_TABLE_NEEDS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "voorzieningen": (None, ("categorie", "naam", "geometry")),
    "gemeente": ("code", ("naam", "geometry")),
    "invoer_buurten": ("code", ("naam", "wijkcode", "geometry")),
    "invoer_wijken": ("code", ("naam", "geometry")),
    "buurten": ("code", ("naam", "wijkcode", "geometry")),
    "wijken": ("code", ("naam", "geometry")),
    "adressen": (None, ("buurtcode", "wijkcode", "geometry")),
    "osm_adressen": (None, ("geometry",)),
    "osm_lijnen": (None, ("geometry",)),
    "osm_pois": (None, ("geometry",)),
    "plaatsen": (None, ("geometry",)),
    "kerncijfers": ("code", ()),
}
#: Tables a store may lack (the run had no kerncijfers, no OSM places).
_OPTIONAL_TABLES = ("kerncijfers", "plaatsen")
#: Tables of what a run may or may not have: the OSM layers it read, the frames among the inputs' further
#: fields (bus stops, stations, GP list, …) and of the overlay report.
_OPTIONAL_PREFIXES = ("osm_laag_", "invoer_", "overlay_", *_FIELD_TABLES.values())
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def read_index(out_dir: str | Path) -> dict[str, Any]:
    """``opslag.json`` of an output folder.

    Raises
    ------
    StoreMismatch
        When there is no store.
    StoreDamaged
        When ``opslag.json`` is missing beside the other stored files, unreadable or not a JSON object.
    """
    folder = Path(out_dir) / STORE_DIR
    path = folder / _INDEX
    if not path.exists():
        if folder.is_dir() and any(p.suffix in (".npz", ".parquet") for p in folder.iterdir()):
            raise StoreDamaged(path, "ontbreekt, terwijl de andere bestanden van de opslag er wel zijn")
        raise StoreMismatch(f"geen opgeslagen analyse in {Path(out_dir)} (draai eerst 'woonzorg-geo analyse')")
    try:
        index = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise StoreDamaged(path, f"onleesbaar ({exc})") from None
    if not isinstance(index, dict):
        raise StoreDamaged(path, f"geen JSON-object maar {type(index).__name__}")
    return index


def expected_files(index: dict[str, Any]) -> list[str]:
    """The files a store with this (checked) index holds: the network, one ``.npz`` per profile, the tables."""
    return [
        "netwerk.npz",
        *(f"profiel_{p}.npz" for p in index["profielen"]),
        *(f"{t}.parquet" for t in index["tabellen"]),
    ]


def _check_index(index: dict[str, Any], path: Path, settings: Settings) -> None:
    """The structure of ``opslag.json`` (format :data:`FORMAT`): every entry the reading relies on.

    Raises
    ------
    StoreDamaged
        Naming the entry that is missing or of the wrong form.
    """

    def bad(what: str) -> StoreDamaged:
        return StoreDamaged(path, what)

    for key, kind in (
        ("instellingen", str),
        ("profielen", list),
        ("tabellen", dict),
        ("bestanden", dict),
        ("samenvatting", dict),
        ("paden", dict),
        ("gegevens", dict),
        ("osm_lagen", list),
        ("invoer_velden", dict),
        ("overlay_rapport", dict),
    ):
        if key not in index:
            raise bad(f"de sleutel '{key}' ontbreekt")
        if not isinstance(index[key], kind):
            raise bad(f"'{key}' is {type(index[key]).__name__}, verwacht {kind.__name__}")
    if not isinstance(index.get("naden_gedicht", 0), int):
        raise bad("'naden_gedicht' is geen geheel getal")
    profiles = index["profielen"]
    if not profiles or not all(isinstance(p, str) and p in settings.profielen for p in profiles):
        raise bad(f"'profielen' {profiles!r} zijn niet de profielen van de instellingen")
    if len(set(profiles)) < len(profiles):
        raise bad(f"'profielen' noemt een profiel twee keer: {profiles!r}")
    if not all(isinstance(p, str) for p in index["paden"].values()):
        raise bad("'paden' bevat iets anders dan paden")
    tables = index["tabellen"]
    unknown = sorted(t for t in set(tables) - set(_TABLE_NEEDS) if not str(t).startswith(_OPTIONAL_PREFIXES))
    if unknown:
        raise bad(f"onbekende tabel(len) {', '.join(map(str, unknown))}")
    absent = [t for t in _TABLE_NEEDS if t not in tables and t not in _OPTIONAL_TABLES]
    if absent:
        raise bad(f"tabel(len) {', '.join(absent)} ontbreken in 'tabellen'")
    for key, spec in tables.items():
        ok = (
            isinstance(spec, dict)
            and isinstance(spec.get("geo"), bool)
            and isinstance(spec.get("kolommen"), list)
            and all(isinstance(c, str) for c in spec["kolommen"])
            and isinstance(spec.get("rijen"), int)
            and spec["rijen"] >= 0
            and (spec.get("index") is None or isinstance(spec.get("index"), str))
            and (spec.get("crs") is None or isinstance(spec.get("crs"), str))
        )
        if not ok:
            raise bad(f"het schema van tabel '{key}' is onvolledig")
        index_name, needed = _TABLE_NEEDS.get(key, (spec.get("index"), ()))
        missing = [c for c in needed if c not in spec["kolommen"]]
        if missing or (index_name is not None and spec.get("index") != index_name):
            what = f"kolom(men) {', '.join(missing)}" if missing else f"index '{index_name}'"
            raise bad(f"tabel '{key}' mist {what}")
    files = index["bestanden"]
    want = expected_files(index)
    if set(files) != set(want):
        lacking, extra = sorted(set(want) - set(files)), sorted(set(files) - set(want))
        raise bad(
            "'bestanden' klopt niet met de profielen en tabellen"
            + (f"; zonder controlegetal: {', '.join(lacking)}" if lacking else "")
            + (f"; onbekend: {', '.join(map(str, extra))}" if extra else "")
        )
    for name in want:
        entry = files[name]
        if not (
            _SAFE_NAME.match(name)
            and isinstance(entry, dict)
            and isinstance(entry.get("sha256"), str)
            and _HEX64.match(entry["sha256"])
            and isinstance(entry.get("bytes"), int)
            and not isinstance(entry.get("bytes"), bool)
            and entry["bytes"] >= 0
        ):
            raise bad(f"geen geldige SHA-256 en grootte voor {name}")


def check_store(
    out_dir: str | Path, settings: Settings, *, paths: dict[str, Path] | None, profiles: Sequence[str] = ()
) -> dict[str, Any]:
    """The store's index when it matches ``settings``, the data ``paths`` and holds ``profiles``.

    Checks ``opslag.json`` only (its form and fingerprints); :func:`load_analysis` also checks the files.

    Raises
    ------
    StoreMismatch
        Naming what differs (program version, settings, a data file, a profile).
    StoreDamaged
        When ``opslag.json`` is unreadable or incomplete.
    """
    index = read_index(out_dir)
    path = Path(out_dir) / STORE_DIR / _INDEX
    if "formaat" not in index or "programma" not in index:
        raise StoreDamaged(path, "de sleutels 'formaat' en 'programma' ontbreken")
    stored = index.get("formaat")
    if isinstance(stored, int) and not isinstance(stored, bool) and stored < FORMAT:
        raise StoreMismatch(
            f"opslag van een oudere versie (opslagformaat {stored}, dit programma schrijft {FORMAT}); "
            "ze mist wat locaties, toets en watals nodig hebben"
        )
    if stored != FORMAT or index.get("programma") != _program():
        raise StoreMismatch(
            f"gemaakt door {index.get('programma')} (opslagformaat {index.get('formaat')}), dit is {_program()}"
        )
    if index.get("controle") != index_digest(index):
        raise StoreDamaged(
            path, "het controlegetal klopt niet met de inhoud (het bestand is veranderd sinds de analyse)"
        )
    _check_index(index, path, settings)
    if index.get("instellingen") != settings_fingerprint(settings):
        raise StoreMismatch("gemaakt met andere instellingen (of een andere gemeente)")
    if paths is not None:
        now = data_fingerprint(paths)
        then = index.get("gegevens", {})
        changed = sorted(k for k in set(now) | set(then) if now.get(k) != then.get(k))
        if changed:
            raise StoreMismatch(f"de gegevens zijn veranderd sinds de analyse: {', '.join(changed)}")
    missing = [p for p in profiles if p not in index.get("profielen", [])]
    if missing:
        raise StoreMismatch(
            f"profiel(en) {', '.join(missing)} niet doorgerekend (wel: {', '.join(index.get('profielen', []))})"
        )
    return index


def verify_files(folder: Path, index: dict[str, Any]) -> None:
    """Compare every stored file with its size and SHA-256 in ``opslag.json``, before anything is read.

    The sizes first (a deleted, emptied or truncated file is named at once), then the hashes, two
    files at a time (hashing releases the GIL; ~70 MB take well under a tenth of a second).

    Raises
    ------
    StoreDamaged
        Naming the first file (in the order of :func:`expected_files`) that differs.
    """
    from concurrent.futures import ThreadPoolExecutor

    files: dict[str, dict[str, Any]] = index["bestanden"]
    names = expected_files(index)
    for name in names:
        path = folder / name
        try:
            size = path.stat().st_size if path.is_file() else None
        except OSError as exc:
            raise StoreDamaged(path, f"onleesbaar ({exc.strerror or exc})") from None
        if size is None:
            raise StoreDamaged(path, "ontbreekt")
        if size != files[name]["bytes"]:
            raise StoreDamaged(path, f"{size} bytes, verwacht {files[name]['bytes']} (afgekapt of vervangen)")

    def digest(name: str) -> str | None:
        try:
            return _digest(folder / name)
        except OSError:
            return None

    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = dict(zip(names, pool.map(digest, names), strict=True))
    for name in names:
        if digests[name] is None:
            raise StoreDamaged(folder / name, "onleesbaar")
        if digests[name] != files[name]["sha256"]:
            raise StoreDamaged(
                folder / name, "de SHA-256 klopt niet met opslag.json (het bestand is veranderd sinds de analyse)"
            )


def _read_table(folder: Path, key: str, spec: dict[str, Any], columns: Sequence[str] | None) -> Any:
    """One stored table, checked against its recorded schema (``spec``); ``columns``: only those (and the geometry)."""
    import geopandas as gpd
    import pandas as pd

    path = folder / f"{key}.parquet"
    wanted = None if columns is None else list(dict.fromkeys([*columns, "geometry"] if spec["geo"] else columns))
    absent = [c for c in wanted or () if c not in spec["kolommen"]]
    if absent:
        raise StoreDamaged(path, f"kolom(men) {', '.join(absent)} ontbreken in het schema")
    try:
        frame = gpd.read_parquet(path, columns=wanted) if spec["geo"] else pd.read_parquet(path, columns=wanted)
    except Exception as exc:  # noqa: BLE001 - the reading boundary: any Arrow/GeoPandas error is damage
        raise StoreDamaged(path, f"onleesbaar ({type(exc).__name__}: {exc})") from None
    got = [str(c) for c in frame.columns]
    if (got if wanted is None else set(got)) != (spec["kolommen"] if wanted is None else set(wanted)):
        raise StoreDamaged(path, f"kolommen {got[:8]}{'…' if len(got) > 8 else ''} zijn niet die van tabel '{key}'")
    if frame.index.name != spec.get("index"):
        raise StoreDamaged(path, f"index '{frame.index.name}', verwacht '{spec.get('index')}'")
    if len(frame) != spec["rijen"]:
        raise StoreDamaged(path, f"{len(frame)} rijen, verwacht {spec['rijen']}")
    if spec["geo"]:
        crs = frame.crs.to_string() if getattr(frame, "crs", None) is not None else None
        if crs != spec.get("crs"):
            raise StoreDamaged(path, f"coördinatenstelsel {crs}, verwacht {spec.get('crs')}")
    return frame


def _read_npz(path: Path, keep: Callable[[str], bool]) -> tuple[list[str], dict[str, np.ndarray]]:
    """The member names of a stored ``.npz`` and the arrays ``keep`` selects (no pickles)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            names = list(npz.files)
            return names, {k: npz[k] for k in names if keep(k)}
    except Exception as exc:  # noqa: BLE001 - the reading boundary: zipfile/numpy errors are damage
        raise StoreDamaged(path, f"onleesbaar ({type(exc).__name__}: {exc})") from None


class _Arrays:
    """Shape and type checks of the arrays of one stored ``.npz``; failures raise :class:`StoreDamaged`."""

    def __init__(self, path: Path, names: Sequence[str], z: dict[str, np.ndarray]) -> None:
        self.path, self.names, self.z = path, set(names), z

    def need(self, *keys: str) -> None:
        absent = [k for k in keys if k not in self.names]
        if absent:
            raise StoreDamaged(self.path, f"array(s) {', '.join(absent)} ontbreken")

    def get(self, key: str, shape: tuple[int | None, ...], kinds: str) -> np.ndarray:
        """The array ``key`` of ``shape`` (``None``: any length) and a dtype kind among ``kinds``."""
        self.need(key)
        arr = self.z[key]
        fits = arr.ndim == len(shape) and all(w is None or w == n for w, n in zip(shape, arr.shape, strict=True))
        if not fits or arr.dtype.kind not in kinds:
            want = "×".join("n" if w is None else str(w) for w in shape) or "scalair"
            raise StoreDamaged(
                self.path, f"array {key} heeft vorm {arr.shape} ({arr.dtype}), verwacht {want} ({kinds})"
            )
        return arr

    def within(self, key: str, arr: np.ndarray, low: int, high: int) -> None:
        """Every value of an index array in ``[low, high)``."""
        if len(arr) and (int(arr.min()) < low or int(arr.max()) >= high):
            raise StoreDamaged(self.path, f"array {key} verwijst buiten [{low}, {high})")

    def name(self, key: str, expected: str) -> None:
        value = self.get(key, (), "U")
        if str(value) != expected:
            raise StoreDamaged(self.path, f"bevat '{value}', verwacht '{expected}' (verwisseld met een ander bestand?)")


_INT, _FLOAT, _BOOL = "iu", "f", "b"


def _check_network(a: _Arrays) -> tuple[int, int]:
    """``netwerk.npz``: its own name and the shapes; returns (nodes, edges)."""
    a.name("inhoud", "netwerk")
    xy = a.get("xy", (None, 2), _FLOAT)
    u = a.get("u", (None,), _INT)
    n, m = len(xy), len(u)
    v = a.get("v", (m,), _INT)
    a.get("length", (m,), _FLOAT)
    a.get("steps", (m,), _BOOL)
    a.get("snap_mask", (m,), _BOOL)
    a.within("u", u, 0, n)
    a.within("v", v, 0, n)
    return n, m


def _check_profile(
    a: _Arrays,
    name: str,
    *,
    nodes: int,
    edges: int,
    categories: Sequence[str],
    radii: Sequence[float],
    addresses: int,
    per_address: bool,
) -> None:
    """``profiel_<name>.npz``: its own profile name, every category of the run and the shapes of the network.

    ``per_address``: the per-address arrays were read too (else only their presence is checked).
    """
    a.name("profiel", name)
    a.get("edge_mask", (edges,), _BOOL)
    a.get("island_label", (nodes,), _INT)
    isl = a.get("island_id", (None,), _INT)
    a.get("island_knopen", (len(isl),), _INT)
    a.get("island_lengte", (len(isl),), _FLOAT + _INT)
    n_nodes = int(a.get("n_nodes", (), _INT))
    if n_nodes < nodes:
        raise StoreDamaged(a.path, f"n_nodes {n_nodes} is kleiner dan de {nodes} knopen van het netwerk")
    indptr = a.get("m_indptr", (n_nodes + 1,), _INT)
    nnz = int(indptr[-1]) if len(indptr) else 0
    if indptr[0] != 0 or np.any(np.diff(indptr) < 0):
        raise StoreDamaged(a.path, "array m_indptr is niet oplopend vanaf 0")
    a.get("m_data", (nnz,), _FLOAT)
    a.within("m_indices", a.get("m_indices", (nnz,), _INT), 0, n_nodes)
    ids = a.get("dest_ids", (None,), "U")
    d = len(ids)
    a.get("dest_cat", (d,), "U")
    a.within("dest_node", a.get("dest_node", (d,), _INT), 0, n_nodes)
    a.get("dest_xy", (d, 2), _FLOAT)
    a.within("dsnap_edge", a.get("dsnap_edge", (d,), _INT), 0, max(edges, 1))
    a.get("dsnap_t", (d,), _FLOAT)
    a.get("dsnap_dist", (d,), _FLOAT)
    a.get("dsnap_xy", (d, 2), _FLOAT)
    split_edge = a.get("split_edge", (None,), _INT)
    a.within("split_edge", split_edge, 0, edges)
    split_len = a.get("split_len", (len(split_edge),), _INT)
    if np.any(split_len < 0):
        raise StoreDamaged(a.path, "array split_len heeft negatieve lengtes")
    total = int(split_len.sum())
    a.get("split_t", (total,), _FLOAT)
    a.within("split_chain", a.get("split_chain", (total,), _INT), 0, n_nodes)
    stored = {k.split("|")[1] for k in a.names if k.startswith("c|") and k.count("|") >= 2}
    extra = sorted(stored - set(categories))
    if extra:
        raise StoreDamaged(a.path, f"categorie(ën) {', '.join(extra)} horen niet bij deze analyse")
    want_radii = {float(r) for r in radii}
    for cat in categories:
        keys = [f"c|{cat}|node_dist", f"c|{cat}|node_source", f"c|{cat}|origin_dist", f"c|{cat}|origin_nearest"]
        counts = count_keys(a.names, cat, path=a.path)
        if not set(keys) <= a.names or set(counts) != want_radii:
            raise StoreDamaged(a.path, f"categorie {cat} ontbreekt (of een deel van haar arrays)")
        a.get(keys[0], (n_nodes,), _FLOAT)
        a.within(keys[1], a.get(keys[1], (n_nodes,), _INT), -1, d)
        if per_address:
            a.get(keys[2], (addresses,), _FLOAT)
            a.within(keys[3], a.get(keys[3], (addresses,), _INT), -1, d)
            for key in counts.values():
                a.get(key, (addresses,), _INT)
    a.need("osnap_edge", "osnap_t", "osnap_dist", "osnap_xy", "origin_far", "origin_blocked")
    if per_address:
        a.get("osnap_edge", (addresses,), _INT)
        for key in ("osnap_t", "osnap_dist"):
            a.get(key, (addresses,), _FLOAT)
        a.get("osnap_xy", (addresses, 2), _FLOAT)
        a.get("origin_far", (addresses,), _BOOL)
        a.get("origin_blocked", (addresses,), _BOOL)


def count_keys(names: Iterable[str], cat: str, *, path: Path) -> dict[float, str]:
    """The count arrays of one category in a profile ``.npz``: radius (m) → member name ``c|<cat>|n|<radius>``."""
    prefix = f"c|{cat}|n|"
    out: dict[float, str] = {}
    for key in names:
        if key.startswith(prefix):
            try:
                out[float(key[len(prefix) :])] = key
            except ValueError:
                raise StoreDamaged(path, f"array {key}: geen straal") from None
    return out


def load_analysis(
    out_dir: str | Path,
    settings: Settings,
    *,
    paths: dict[str, Path] | None,
    profiles: Sequence[str] | None = None,
    addresses: bool | Sequence[str] = True,
    osm_layers: Sequence[str] = (),
    progress: bool = False,
) -> Analysis:
    """Rebuild the analysis of ``analyse`` from the store in ``out_dir``.

    Every stored file is first compared with its size and SHA-256 in ``opslag.json``
    (:func:`verify_files`), then read and checked against the schema: the store is used only when
    it is exactly what ``analyse`` wrote. The store is never changed.

    Parameters
    ----------
    out_dir
        The output folder of ``analyse`` (holding ``opslag/``).
    settings
        The settings of this command; they must be those of the analysis.
    paths
        The input files of this command (see :func:`.sources.datasets.resolve_paths`); ``None`` when the
        raw data are not at hand (the store is then used unchecked against the data).
    profiles
        The profiles to load (default: all of the store); each must be in the store.
    addresses
        Load the per-address table (``Analysis.adressen``) and the per-address arrays of the
        accessibility; ``False`` leaves them empty (the toets needs only the per-node distances);
        a list of column names reads only those columns of the table (and the geometry). What is
        left out is named in :attr:`.areas.analysis.Analysis.missing`.
    osm_layers
        Further OSM tile layers (``building``, ``landuse``, …, see :func:`.sites.site_osm_layers`) the
        run did not read: read from the run's tiles, which must be the ones the store was made from
        (their fingerprint), as :func:`.sources.datasets.load_offline` reads them.
    progress
        Show the progress of reading ``osm_layers``.

    Raises
    ------
    StoreMismatch
        When the store is absent or was made from other settings, data or profiles.
    StoreDamaged
        (a :class:`StoreMismatch`) When a stored file is missing, changed since ``analyse`` or not
        of the expected form; no error of numpy, zipfile or pyarrow is raised instead.
    """
    import dataclasses
    from concurrent.futures import ThreadPoolExecutor

    import geopandas as gpd
    import pandas as pd
    from scipy.sparse import csr_matrix

    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.vocabulary import Vocabulary
    from woonzorg_geo.network.accessibility import Accessibility, CategoryResult, RoutingGraph, Snap
    from woonzorg_geo.network.graph import Islands, ProfileGraph, WalkNetwork
    from woonzorg_geo.sources.datasets import Inputs
    from woonzorg_geo.sources.osm import OSMData

    folder = Path(out_dir) / STORE_DIR
    index = check_store(out_dir, settings, paths=paths, profiles=profiles or ())
    names = list(profiles or index["profielen"])
    # the stored order: the first profile of the run is the main one
    names = [p for p in index["profielen"] if p in names]
    verify_files(folder, index)  # every file, before anything is read
    # the run's vocabulary (main profile = the run's first), also when only some profiles are loaded:
    # the column suffixes of the tables depend on it
    vocab = Vocabulary.from_settings(settings, profiles=index["profielen"])
    categories = [
        *vocab.categories,
        *(c for c, parts in vocab.composites.items() if all(p in vocab.categories for p in parts)),
    ]
    radii = [float(r) for r in settings.bereikbaarheid.count_radii_m]
    tables: dict[str, Any] = index["tabellen"]
    keys = [k for k in tables if k != "adressen"]
    # the tables are read side by side (Arrow and the WKB decoding release the GIL) while the arrays load
    pool = ThreadPoolExecutor(max_workers=4)
    try:
        pending = {key: pool.submit(_read_table, folder, key, tables[key], None) for key in keys if key in tables}
        if addresses is not False:
            cols = None if addresses is True else list(addresses)
            pending["adressen"] = pool.submit(_read_table, folder, "adressen", tables["adressen"], cols)

        def table(key: str) -> Any:
            return pending[key].result() if key in pending else None

        net_path = folder / "netwerk.npz"
        n_names, n = _read_npz(net_path, lambda k: True)
        nodes, edges = _check_network(_Arrays(net_path, n_names, n))
        net = WalkNetwork(
            xy=n["xy"],
            u=n["u"],
            v=n["v"],
            length=n["length"],
            steps=n["steps"],
            line_class=_decoded(n, "line_class", edges),
            line_name=_decoded(n, "line_name", edges),
            seams_joined=int(index.get("naden_gedicht", 0)),
        )
        snap_mask = n["snap_mask"]
        graphs: dict[str, ProfileGraph] = {}
        access: dict[str, Accessibility] = {}
        for name in names:
            path = folder / f"profiel_{name}.npz"
            # without the addresses, the per-address arrays stay on disk (a toets needs the nodes only)
            z_names, z = _read_npz(
                path,
                lambda k: bool(addresses) or not (k.startswith(("osnap_", "origin_")) or "|origin_" in k or "|n|" in k),
            )
            _check_profile(
                _Arrays(path, z_names, z),
                name,
                nodes=nodes,
                edges=edges,
                categories=categories,
                radii=radii,
                addresses=int(tables["adressen"]["rijen"]),
                per_address=bool(addresses),
            )
            sizes = pd.DataFrame(
                {"knopen": z["island_knopen"], "lengte_m": z["island_lengte"]},
                index=pd.Index(z["island_id"], name="eiland"),
            )
            islands = Islands(label=z["island_label"], sizes=sizes, largest=int(sizes.index[0]) if len(sizes) else -1)
            pg = ProfileGraph(
                net=net, profile=settings.profile(name), edge_mask=z["edge_mask"], islands=islands, snap_mask=snap_mask
            )
            n_nodes = int(z["n_nodes"])
            splits: dict[int, tuple[np.ndarray, np.ndarray]] = {}
            ends = np.cumsum(z["split_len"])
            for e, end, k in zip(z["split_edge"], ends, z["split_len"], strict=True):
                splits[int(e)] = (z["split_t"][end - k : end], z["split_chain"][end - k : end])
            routing = RoutingGraph(
                pg=pg,
                matrix=csr_matrix((z["m_data"], z["m_indices"], z["m_indptr"]), shape=(n_nodes, n_nodes)),
                n_nodes=n_nodes,
                dest_node=z["dest_node"],
                dest_xy=z["dest_xy"],
                dest_snap=Snap(z["dsnap_edge"], z["dsnap_t"], z["dsnap_dist"], z["dsnap_xy"]),
                splits=splits,
            )
            dest_ids = z["dest_ids"].astype(object)
            cats: dict[str, CategoryResult] = {}
            none = np.zeros(0)
            for cat in categories:
                near = z.get(f"c|{cat}|origin_nearest", np.zeros(0, np.int64))
                ids = np.full(len(near), None, dtype=object)
                ids[near >= 0] = dest_ids[near[near >= 0]]
                counts = {r: z[k] for r, k in count_keys(z, cat, path=path).items()}
                cats[cat] = CategoryResult(
                    z[f"c|{cat}|node_dist"], z[f"c|{cat}|node_source"], z.get(f"c|{cat}|origin_dist", none), ids, counts
                )
            graphs[name] = pg
            access[name] = Accessibility(
                profile=name,
                routing=routing,
                origin_snap=Snap(
                    z.get("osnap_edge", np.zeros(0, np.int64)),
                    z.get("osnap_t", none),
                    z.get("osnap_dist", none),
                    z.get("osnap_xy", np.zeros((0, 2))),
                ),
                origin_far=z.get("origin_far", np.zeros(0, bool)),
                origin_blocked=z.get("origin_blocked", np.zeros(0, bool)),
                categories=cats,
                dest_ids=dest_ids,
                dest_cat=z["dest_cat"].astype(object),
            )
        stored_paths = {k: Path(p) for k, p in index["paden"].items()}
        kern = table("kerncijfers")
        missing: dict[str, str] = {}
        further: dict[str, Any] = {}
        for f in dataclasses.fields(Inputs):
            if f.name in _OWN_FIELDS:
                continue
            key = _FIELD_TABLES.get(f.name, f"invoer_{f.name}")
            value = index["invoer_velden"].get(f.name, _UNSTORED)
            if key in tables:
                further[f.name] = table(key)
            elif isinstance(value, dict) and "_klasse" in value:
                further[f.name] = _record(value, {k: table(t) for k, t in _parts(tables, f.name).items()})
            elif value != _UNSTORED:
                further[f.name] = value
            else:
                missing[f"inputs.{f.name}"] = "niet in de opslag"
        inputs = Inputs(
            gemeente=table("gemeente"),
            buurten=table("invoer_buurten"),
            wijken=table("invoer_wijken"),
            kerncijfers=kern if kern is not None else pd.DataFrame(),
            osm=OSMData(
                lines=table("osm_lijnen"),
                pois=table("osm_pois"),
                addresses=table("osm_adressen"),
                source=str(index.get("bron", "")),
                schema=str(index.get("osm_schema", "openmaptiles")),
                extra={str(name): table(f"osm_laag_{name}") for name in index["osm_lagen"]},
            ),
            voorzieningen=table("voorzieningen"),
            paths=stored_paths,
            osm_places=table("plaatsen"),
            **further,
        )
        report = {
            **index["overlay_rapport"],
            **{k[len("overlay_") :]: table(k) for k in tables if k.startswith("overlay_")},
        }
        adressen = table("adressen") if addresses is not False else gpd.GeoDataFrame(geometry=[], crs="EPSG:28992")
        buurten, wijken = table("buurten"), table("wijken")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    run_settings = dataclasses.replace(settings, overlays=vocab.resolve_overlays(settings.overlays))
    a = Analysis(
        run_settings,
        inputs,
        net,
        graphs,
        access,
        adressen,
        buurten,
        wijken,
        summary=index["samenvatting"],
        overlay_report=report,
        vocabulary=vocab,
        fingerprint=str(index["instellingen"]),
    )
    if addresses is False:
        missing["adressen"] = "niet gelezen (load_analysis met addresses=False)"
    elif addresses is not True:
        missing["adressen"] = f"alleen de kolommen {', '.join(addresses)} gelezen"
    a.missing = missing
    absent = [layer for layer in dict.fromkeys(osm_layers) if layer not in a.inputs.osm.extra]
    if absent:
        tiles = a.inputs.paths.get("osm_tiles")
        if paths is None and tiles is not None:  # the tiles not compared yet (check_store compares every file)
            now = data_fingerprint({"osm_tiles": tiles})["osm_tiles"]
            if now != index["gegevens"].get("osm_tiles"):
                raise StoreMismatch(f"de vector tiles {tiles} zijn veranderd sinds de analyse (of ontbreken)")
        a = _with_tile_layers(a, absent, progress=progress)
    log.info("opgeslagen analyse gelezen uit %s (%s)", folder, ", ".join(names))
    return a


def with_osm_layers(a: Analysis, layers: Sequence[str], *, progress: bool = False) -> Analysis:
    """The analysis with further OSM layers of its tiles (``building``, …), for ``locaties``.

    Only the layers the analysis lacks are read, from the run's tiles, and clipped as
    :func:`.sources.datasets.load_offline` does; the rest (network, accessibility, OSM lines, points of
    interest, addresses) is the analysis' own. Prefer ``load_analysis(..., osm_layers=...)``, which
    also checks that the tiles are those of the store.
    """
    absent = [layer for layer in dict.fromkeys(layers) if layer not in a.inputs.osm.extra]
    return _with_tile_layers(a, absent, progress=progress) if absent else a


def _with_tile_layers(a: Analysis, layers: Sequence[str], *, progress: bool) -> Analysis:
    """``a`` with the OSM tile ``layers`` read from its tiles and clipped to the gemeente plus the margin."""
    import dataclasses

    import geopandas as gpd

    from woonzorg_geo.core.errors import MissingDataError
    from woonzorg_geo.sources.datasets import tile_bbox
    from woonzorg_geo.sources.osm import OSMData, clip
    from woonzorg_geo.sources.osm_tiles import read_tiles

    tiles = a.inputs.paths.get("osm_tiles")
    if tiles is None or not Path(tiles).exists():
        raise MissingDataError(
            tiles or "<osm_tiles>",
            "draai 'woonzorg-geo locaties' met de ruwe gegevens bij de hand (--data), of 'woonzorg-geo analyse' "
            "opnieuw",
            problem=f"de vector tiles van de analyse zijn niet te vinden; de OSM-lagen {', '.join(layers)} "
            "staan niet in de opslag",
        )
    s = a.settings
    read = read_tiles(tiles, layers=tuple(layers), bbox_lonlat=tile_bbox(a.inputs.gemeente, s), progress=progress)
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:28992")
    clipped = clip(
        OSMData(lines=empty, pois=empty, addresses=empty, source="", extra=read),
        a.inputs.gemeente,
        buffer_m=s.netwerk.margin_m,
    ).extra
    osm = dataclasses.replace(a.inputs.osm, extra={**a.inputs.osm.extra, **clipped})
    return dataclasses.replace(a, inputs=dataclasses.replace(a.inputs, osm=osm))
