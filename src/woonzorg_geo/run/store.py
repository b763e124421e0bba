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
difference raises :class:`~.store_format.StoreDamaged` ("opslag beschadigd: <bestand>: <wat>"), a
:class:`~.store_format.StoreMismatch`: the commands then compute the analysis again instead of answering from a
damaged store. No exception of numpy, zipfile or pyarrow leaves :func:`load_analysis`.

This module reads the store; :mod:`.store_format` holds its names, version, index and fingerprints,
:mod:`.store_save` writes it and :mod:`.store_check` checks its files while they are read.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from woonzorg_geo import RD_NEW
from woonzorg_geo.run.store_check import (
    StoredArrays,
    check_network,
    check_profile,
    count_keys,
    read_npz,
    read_table,
    verify_files,
)
from woonzorg_geo.run.store_format import (
    FIELD_TABLES,
    INDEX_NAME,
    OWN_FIELDS,
    STORE_DIR,
    UNSTORED,
    StoreDamaged,
    StoreMismatch,
    check_store,
    data_fingerprint,
    decoded,
    record_parts,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.config import Settings

log = logging.getLogger(__name__)


def rebuild_record(stored: dict[str, Any], frames: dict[str, Any]) -> Any:
    """A record field (see :func:`.store_save.input_fields`) rebuilt from its JSON, WKB and tables."""
    import importlib

    import shapely

    module, _, qualname = str(stored["_klasse"]).partition(":")
    if not module.startswith("woonzorg_geo."):
        raise StoreDamaged(INDEX_NAME, f"klasse {stored['_klasse']} hoort niet bij woonzorg_geo")
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
        raise StoreDamaged(INDEX_NAME, f"veld {qualname} niet te herstellen ({type(exc).__name__}: {exc})") from None


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
    (:func:`.store_check.verify_files`), then read and checked against the schema: the store is used only when
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
        (a :class:`~.store_format.StoreMismatch`) When a stored file is missing, changed since ``analyse`` or not
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
    tables = index["tabellen"]
    keys = [k for k in tables if k != "adressen"]
    # the tables are read side by side (Arrow and the WKB decoding release the GIL) while the arrays load
    pool = ThreadPoolExecutor(max_workers=4)
    try:
        pending = {key: pool.submit(read_table, folder, key, tables[key], None) for key in keys if key in tables}
        if addresses is not False:
            cols = None if addresses is True else list(addresses)
            pending["adressen"] = pool.submit(read_table, folder, "adressen", tables["adressen"], cols)

        def table(key: str) -> Any:
            return pending[key].result() if key in pending else None

        net_path = folder / "netwerk.npz"
        n_names, n = read_npz(net_path, lambda k: True)
        nodes, edges = check_network(StoredArrays(net_path, n_names, n))
        net = WalkNetwork(
            xy=n["xy"],
            u=n["u"],
            v=n["v"],
            length=n["length"],
            steps=n["steps"],
            line_class=decoded(n, "line_class", edges),
            line_name=decoded(n, "line_name", edges),
            seams_joined=int(index.get("naden_gedicht", 0)),
        )
        snap_mask = n["snap_mask"]
        graphs: dict[str, ProfileGraph] = {}
        access: dict[str, Accessibility] = {}
        for name in names:
            path = folder / f"profiel_{name}.npz"
            # without the addresses, the per-address arrays stay on disk (a toets needs the nodes only)
            z_names, z = read_npz(
                path,
                lambda k: bool(addresses) or not (k.startswith(("osnap_", "origin_")) or "|origin_" in k or "|n|" in k),
            )
            check_profile(
                StoredArrays(path, z_names, z),
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
            if f.name in OWN_FIELDS:
                continue
            key = FIELD_TABLES.get(f.name, f"invoer_{f.name}")
            value = index["invoer_velden"].get(f.name, UNSTORED)
            if key in tables:
                further[f.name] = table(key)
            elif isinstance(value, dict) and "_klasse" in value:
                further[f.name] = rebuild_record(value, {k: table(t) for k, t in record_parts(tables, f.name).items()})
            elif value != UNSTORED:
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
        adressen = table("adressen") if addresses is not False else gpd.GeoDataFrame(geometry=[], crs=RD_NEW)
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
    empty = gpd.GeoDataFrame(geometry=[], crs=RD_NEW)
    clipped = clip(
        OSMData(lines=empty, pois=empty, addresses=empty, source="", extra=read),
        a.inputs.gemeente,
        buffer_m=s.netwerk.margin_m,
    ).extra
    osm = dataclasses.replace(a.inputs.osm, extra={**a.inputs.osm.extra, **clipped})
    return dataclasses.replace(a, inputs=dataclasses.replace(a.inputs, osm=osm))
