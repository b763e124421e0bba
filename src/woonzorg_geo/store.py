"""The analysis kept for later questions: ``toets``, ``watals``, ``locaties`` reuse it instead of recomputing.

``analyse`` writes, beside its outputs, the folder ``opslag/`` with what the later commands need:
the walking network and, per profile, the routing graph (the voorzieningen inserted as nodes),
the per-node distance to the nearest voorziening of every category and where every address lies
on the network (numpy ``.npz``); the voorzieningen, areas and addresses (GeoParquet); and
``opslag.json`` with the fingerprints it was made from (program version, settings, and the size
and modification time of every input file). :func:`load_analysis` rebuilds an
:class:`~woonzorg_geo.pipeline.Analysis` from it in a fraction of a second when the
fingerprints match, and says why not when they do not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import WoonzorgError
from .io import json_default

if TYPE_CHECKING:
    import geopandas as gpd

    from .config import Settings
    from .pipeline import Analysis

log = logging.getLogger(__name__)

#: Name of the store folder inside an output folder.
STORE_DIR = "opslag"
#: Version of the store layout; a store of another version is rebuilt.
FORMAT = 1
_INDEX = "opslag.json"


class StoreMismatch(WoonzorgError, ValueError):
    """The store cannot be used (absent, of another version, settings or data); the message says why."""


def settings_fingerprint(settings: Settings) -> str:
    """A hash of every setting (the frozen dataclasses' repr), as given to :func:`.pipeline.analyse`."""
    return hashlib.sha256(repr(settings).encode("utf-8")).hexdigest()[:16]


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
    from . import __version__

    return f"woonzorg_geo {__version__}"


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------


def _geo_parquet(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write a (Geo)DataFrame as (Geo)Parquet; object columns of mixed types become text."""
    out = frame.copy()
    for col in out.columns:
        if col == getattr(out, "_geometry_column_name", None) or out[col].dtype != object:
            continue
        kinds = {type(v) for v in out[col].dropna()}
        if len(kinds) > 1 or kinds & {list, dict, tuple, set}:
            out[col] = out[col].map(lambda v: None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    out.to_parquet(path)


def save_store(a: Analysis, folder: str | Path) -> list[Path]:
    """Write the store of an analysis into ``folder`` (inside the staging folder of the outputs).

    Parameters
    ----------
    a
        The analysis (:func:`.pipeline.analyse`).
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
        xy=net.xy,
        u=net.u,
        v=net.v,
        length=net.length,
        steps=net.steps,
        snap_mask=first.snap_mask,
    )
    for name, acc in a.access.items():
        pg = a.graphs[name]
        r = acc.routing
        split_edges = np.fromiter(r.splits.keys(), dtype=np.int64, count=len(r.splits))
        split_len = np.array([len(r.splits[int(e)][0]) for e in split_edges], dtype=np.int64)
        arrays: dict[str, np.ndarray] = {
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
        "osm_adressen": inputs.osm.addresses[
            [c for c in ("housenumber", "street", "postcode", "geometry") if c in inputs.osm.addresses]
        ],
        # named streets, for the offline geocoder
        "osm_straten": inputs.osm.lines.loc[inputs.osm.lines["name"].notna(), ["name", "geometry"]]
        if "name" in inputs.osm.lines
        else inputs.osm.lines[["geometry"]].assign(name=None).iloc[:0],
    }
    if len(inputs.kerncijfers.columns):
        frames["kerncijfers"] = inputs.kerncijfers
    places = _osm_places(inputs)
    if places is not None:
        frames["plaatsen"] = places
    for key, frame in frames.items():
        _geo_parquet(frame, folder / f"{key}.parquet")
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
        "tabellen": sorted(frames),
    }
    (folder / _INDEX).write_text(
        json.dumps(index, indent=1, ensure_ascii=False, default=json_default), encoding="utf-8"
    )
    return sorted(folder.iterdir())


def _osm_places(inputs: Any) -> gpd.GeoDataFrame | None:
    """The named OSM places of the tiles (every class), for the toets' place check."""
    places = getattr(inputs, "osm_places", None)
    if places is not None:
        return places
    tiles = (getattr(inputs, "paths", {}) or {}).get("osm_tiles")
    if tiles is None or not Path(tiles).exists():
        return None
    from .sources.osm import read_osm_places

    return read_osm_places(Path(tiles), ())


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def read_index(out_dir: str | Path) -> dict[str, Any]:
    """``opslag.json`` of an output folder; :class:`StoreMismatch` when there is none."""
    path = Path(out_dir) / STORE_DIR / _INDEX
    if not path.exists():
        raise StoreMismatch(f"geen opgeslagen analyse in {Path(out_dir)} (draai eerst 'woonzorg-geo analyse')")
    try:
        index: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreMismatch(f"{path} is onleesbaar ({exc})") from None
    return index


def check_store(
    out_dir: str | Path, settings: Settings, *, paths: dict[str, Path] | None, profiles: Sequence[str] = ()
) -> dict[str, Any]:
    """The store's index when it matches ``settings``, the data ``paths`` and holds ``profiles``.

    Raises
    ------
    StoreMismatch
        Naming what differs (program version, settings, a data file, a profile).
    """
    index = read_index(out_dir)
    if index.get("formaat") != FORMAT or index.get("programma") != _program():
        raise StoreMismatch(
            f"gemaakt door {index.get('programma')} (opslagformaat {index.get('formaat')}), dit is {_program()}"
        )
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


def load_analysis(
    out_dir: str | Path,
    settings: Settings,
    *,
    paths: dict[str, Path] | None,
    profiles: Sequence[str] | None = None,
    addresses: bool | Sequence[str] = True,
) -> Analysis:
    """Rebuild the analysis of ``analyse`` from the store in ``out_dir``.

    Parameters
    ----------
    out_dir
        The output folder of ``analyse`` (holding ``opslag/``).
    settings
        The settings of this command; they must be those of the analysis.
    paths
        The input files of this command (see :func:`.datasets.resolve_paths`); ``None`` when the
        raw data are not at hand (the store is then used unchecked against the data).
    profiles
        The profiles to load (default: all of the store); each must be in the store.
    addresses
        Load the per-address table (``Analysis.adressen``) and the per-address arrays of the
        accessibility; ``False`` leaves them empty (the toets needs only the per-node distances);
        a list of column names reads only those columns of the table (and the geometry).

    Raises
    ------
    StoreMismatch
        When the store is absent or was made from other settings, data or profiles.
    """
    import dataclasses

    import geopandas as gpd
    import pandas as pd
    from scipy.sparse import csr_matrix

    from .accessibility import Accessibility, CategoryResult, RoutingGraph, Snap
    from .datasets import Inputs
    from .network import Islands, ProfileGraph, WalkNetwork
    from .pipeline import Analysis
    from .sources.osm import OSMData
    from .vocabulary import Vocabulary

    folder = Path(out_dir) / STORE_DIR
    index = check_store(out_dir, settings, paths=paths, profiles=profiles or ())
    names = list(profiles or index["profielen"])
    # the stored order: the first profile of the run is the main one
    names = [p for p in index["profielen"] if p in names]

    def frame(key: str, columns: Sequence[str] | None = None) -> Any:
        path = folder / f"{key}.parquet"
        if not path.exists():
            return None
        try:
            return gpd.read_parquet(path, columns=None if columns is None else [*columns, "geometry"])
        except ValueError:  # no geometry column
            return pd.read_parquet(path, columns=None if columns is None else list(columns))

    # the tables are read side by side (Arrow and the WKB decoding release the GIL) while the arrays load
    from concurrent.futures import ThreadPoolExecutor

    keys = [
        "kerncijfers",
        "gemeente",
        "invoer_buurten",
        "invoer_wijken",
        "osm_straten",
        "osm_adressen",
        "voorzieningen",
        "plaatsen",
        "buurten",
        "wijken",
    ]
    pool = ThreadPoolExecutor(max_workers=4)
    pending = {key: pool.submit(frame, key) for key in keys}
    if addresses is not False:
        pending["adressen"] = pool.submit(frame, "adressen", None if addresses is True else list(addresses))
    pool.shutdown(wait=False)

    def table(key: str) -> Any:
        return pending[key].result()

    n = np.load(folder / "netwerk.npz")
    m = len(n["u"])
    net = WalkNetwork(
        xy=n["xy"],
        u=n["u"],
        v=n["v"],
        length=n["length"],
        steps=n["steps"],
        line_class=np.full(m, None, dtype=object),
        line_name=np.full(m, None, dtype=object),
        seams_joined=int(index.get("naden_gedicht", 0)),
    )
    snap_mask = n["snap_mask"]
    graphs: dict[str, ProfileGraph] = {}
    access: dict[str, Accessibility] = {}
    for name in names:
        with np.load(folder / f"profiel_{name}.npz") as npz:
            # without the addresses, the per-address arrays stay on disk (a toets needs the nodes only)
            z = {
                k: npz[k]
                for k in npz.files
                if addresses or not (k.startswith(("osnap_", "origin_")) or "|origin_" in k or "|n|" in k)
            }
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
        for key in list(z):
            if key.startswith("c|") and key.endswith("|node_dist"):
                cat = key.split("|")[1]
                near = z.get(f"c|{cat}|origin_nearest", np.zeros(0, np.int64))
                ids = np.full(len(near), None, dtype=object)
                ids[near >= 0] = dest_ids[near[near >= 0]]
                counts = {float(k.split("|")[3]): z[k] for k in z if k.startswith(f"c|{cat}|n|")}
                cats[cat] = CategoryResult(
                    z[key], z[f"c|{cat}|node_source"], z.get(f"c|{cat}|origin_dist", none), ids, counts
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
    empty = gpd.GeoDataFrame(geometry=[], crs="EPSG:28992")
    stored_paths = {k: Path(p) for k, p in index.get("paden", {}).items()}
    kern = table("kerncijfers")
    inputs = Inputs(
        gemeente=table("gemeente"),
        buurten=table("invoer_buurten"),
        wijken=table("invoer_wijken"),
        kerncijfers=kern if kern is not None else pd.DataFrame(),
        osm=OSMData(
            lines=table("osm_straten"), pois=empty, addresses=table("osm_adressen"), source=str(index.get("bron", ""))
        ),
        gtfs_stops=None,
        stations=None,
        huisartsen=None,
        voorzieningen=table("voorzieningen"),
        paths=stored_paths,
        osm_places=table("plaatsen"),
    )
    adressen = table("adressen") if addresses is not False else gpd.GeoDataFrame(geometry=[], crs="EPSG:28992")
    # the run's vocabulary (main profile = the run's first), also when only some profiles are loaded:
    # the column suffixes of the tables depend on it
    vocab = Vocabulary.from_settings(settings, profiles=index["profielen"])
    run_settings = dataclasses.replace(settings, overlays=vocab.resolve_overlays(settings.overlays))
    a = Analysis(
        run_settings,
        inputs,
        net,
        graphs,
        access,
        adressen,
        table("buurten"),
        table("wijken"),
        summary=index.get("samenvatting", {}),
        vocabulary=vocab,
        fingerprint=str(index["instellingen"]),
    )
    log.info("opgeslagen analyse gelezen uit %s (%s)", folder, ", ".join(names))
    return a


def with_osm_layers(a: Analysis, layers: Sequence[str], *, progress: bool = False) -> Analysis:
    """The analysis with the OSM of its tiles read again, with further layers (``building``, …), for ``locaties``.

    The store keeps what the toets and watals need, not the lines, points of interest and polygons
    of the candidate search; those are read from the run's tiles (the same files, checked by the
    fingerprints) and clipped as :func:`.datasets.load_offline` does. The network and the
    accessibility are the stored ones.
    """
    import dataclasses

    from .datasets import tile_bbox
    from .errors import MissingDataError
    from .sources.osm import clip, from_tiles

    tiles = a.inputs.paths.get("osm_tiles")
    if tiles is None or not Path(tiles).exists():
        raise MissingDataError(
            tiles or "<osm_tiles>",
            "draai 'woonzorg-geo locaties' met de ruwe gegevens bij de hand",
            problem="de vector tiles van de analyse zijn niet te vinden",
        )
    s = a.settings
    osm = from_tiles(tiles, bbox_lonlat=tile_bbox(a.inputs.gemeente, s), extra_layers=tuple(layers), progress=progress)
    osm = clip(osm, a.inputs.gemeente, buffer_m=s.netwerk.margin_m)
    return dataclasses.replace(a, inputs=dataclasses.replace(a.inputs, osm=osm))
