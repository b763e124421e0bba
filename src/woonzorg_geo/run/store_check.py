"""Checking the store's files before and while they are read: sizes and SHA-256, table schemas, array shapes.

Every failure is a :class:`~woonzorg_geo.run.store_format.StoreDamaged` naming the file and what is
wrong; no exception of numpy, zipfile or pyarrow leaves these functions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from woonzorg_geo.run.store_format import StoreDamaged, StoreIndex, TableSpec, expected_files, file_digest


def verify_files(folder: Path, index: StoreIndex) -> None:
    """Compare every stored file with its size and SHA-256 in ``opslag.json``, before anything is read.

    The sizes first (a deleted, emptied or truncated file is named at once), then the hashes, two
    files at a time (hashing releases the GIL; ~70 MB take well under a tenth of a second).

    Raises
    ------
    StoreDamaged
        Naming the first file (in the order of :func:`.store_format.expected_files`) that differs.
    """
    from concurrent.futures import ThreadPoolExecutor

    files = index["bestanden"]
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
            return file_digest(folder / name)
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


def read_table(folder: Path, key: str, spec: TableSpec, columns: Sequence[str] | None) -> Any:
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


def read_npz(path: Path, keep: Callable[[str], bool]) -> tuple[list[str], dict[str, np.ndarray]]:
    """The member names of a stored ``.npz`` and the arrays ``keep`` selects (no pickles)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            names = list(npz.files)
            return names, {k: npz[k] for k in names if keep(k)}
    except Exception as exc:  # noqa: BLE001 - the reading boundary: zipfile/numpy errors are damage
        raise StoreDamaged(path, f"onleesbaar ({type(exc).__name__}: {exc})") from None


class StoredArrays:
    """Shape and type checks of the arrays of one stored ``.npz``; failures raise :class:`.store_format.StoreDamaged`."""

    def __init__(self, path: Path, names: Sequence[str], z: dict[str, np.ndarray]) -> None:
        self.path, self.names, self.z = path, set(names), z

    def need(self, *keys: str) -> None:
        """Every one of ``keys`` is a member of the file."""
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
        """The text scalar ``key`` is ``expected`` (the file names its own content)."""
        value = self.get(key, (), "U")
        if str(value) != expected:
            raise StoreDamaged(self.path, f"bevat '{value}', verwacht '{expected}' (verwisseld met een ander bestand?)")


_INT, _FLOAT, _BOOL = "iu", "f", "b"


def check_network(a: StoredArrays) -> tuple[int, int]:
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


def check_profile(
    a: StoredArrays,
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
