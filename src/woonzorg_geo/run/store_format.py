"""The store's format: its names, its version, ``opslag.json`` (the index) and the fingerprints it is checked by.

``analyse`` keeps its analysis in ``<out>/opslag`` (see :mod:`woonzorg_geo.run.store`). The index
``opslag.json`` records the format (:data:`FORMAT`), the program, the settings' and the data's
fingerprints, the schema of every table and the SHA-256 and size of every stored file;
:func:`check_store` compares it with this run before anything else is read. Also here: the
encodings the writer (:mod:`.store_save`) and the reader (:mod:`.store`) share, so that a
store written before reads the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict, cast

import numpy as np

from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.settings_loader import settings_fingerprint

if TYPE_CHECKING:
    from woonzorg_geo.areas.summary import RunSummary
    from woonzorg_geo.core.config import Settings

#: Name of the store folder inside an output folder.
STORE_DIR = "opslag"
#: Version of the store layout; a store of another version is rebuilt. 2: SHA-256 and size of every
#: file, the tables' schema, and the profile's name inside each ``.npz``. 3: everything the run read (all OSM
#: lines, points of interest, addresses with every column, the OSM layers it read, bus stops, stations,
#: the GP list, the network's line class and name, the overlay report): nothing of the analysis is lost.
FORMAT = 3
#: Name of the index file inside the store folder.
INDEX_NAME = "opslag.json"


class TableSpec(TypedDict):
    """One table of ``opslag.json``'s ``tabellen``: GeoParquet or not, CRS, index name, columns, rows."""

    geo: bool
    crs: str | None
    index: str | None
    kolommen: list[str]
    rijen: int


class StoredFile(TypedDict):
    """One file of ``opslag.json``'s ``bestanden``: its SHA-256 and size."""

    sha256: str
    bytes: int


class StoreIndex(TypedDict):
    """``opslag.json``: the keys are the file's own (Dutch), in the order they are written.

    ``invoer_velden`` (the further fields of :class:`.sources.datasets.Inputs`, generic over new
    ones) and ``overlay_rapport`` (the overlay report's parts that are not tables) hold JSON of any
    form and stay untyped.
    """

    formaat: int
    programma: str
    instellingen: str
    #: per dataset its fingerprint (path, kind, size, time)
    gegevens: dict[str, str]
    paden: dict[str, str]
    bron: str
    gemeente: str
    profielen: list[str]
    naden_gedicht: int
    samenvatting: RunSummary
    tabellen: dict[str, TableSpec]
    osm_lagen: list[str]
    osm_schema: str
    invoer_velden: dict[str, Any]
    overlay_rapport: dict[str, Any]
    bestanden: dict[str, StoredFile]
    #: :func:`index_digest` of the rest; added last
    controle: NotRequired[str]


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


def program_name() -> str:
    from woonzorg_geo import __version__

    return f"woonzorg_geo {__version__}"


def file_digest(path: Path) -> str:
    """SHA-256 of a file, hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def index_digest(index: StoreIndex | dict[str, Any]) -> str:
    """SHA-256 of ``opslag.json``'s content (without its own ``controle``), independent of layout and key order."""
    rest = {k: v for k, v in index.items() if k != "controle"}
    return hashlib.sha256(json.dumps(rest, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


#: The tables of the optional :class:`~woonzorg_geo.sources.datasets.Inputs` fields that are frames (``None``: not
#: stored); a field not named here is stored as ``invoer_<veld>``.
FIELD_TABLES = {"gtfs_stops": "ov_haltes", "stations": "treinstations", "huisartsen": "huisartsen"}
#: Fields of :class:`~woonzorg_geo.sources.datasets.Inputs` stored on their own (not by :func:`.store_save.input_fields`).
OWN_FIELDS = ("gemeente", "buurten", "wijken", "kerncijfers", "osm", "voorzieningen", "paths", "osm_places")


#: Marks an Inputs field that JSON cannot keep as it is (named as missing on load).
UNSTORED = {"niet_opgeslagen": True}


def record_parts(tables: dict[str, TableSpec], name: str) -> dict[str, str]:
    """The tables of the frames of a stored record field ``name``: part → table."""
    prefix = f"invoer_{name}__"
    return {t[len(prefix) :]: t for t in tables if t.startswith(prefix)}


def coded(key: str, values: np.ndarray) -> dict[str, np.ndarray]:
    """An object array of text or ``None`` as codes into its distinct values (``-1``: ``None``), for ``.npz``."""
    mask = np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in values], dtype=bool)
    uniq, codes = np.unique(np.array([str(v) for v in values[~mask]], dtype=str), return_inverse=True)
    full = np.full(len(values), -1, dtype=np.int32)
    full[~mask] = codes
    return {f"{key}_codes": full, f"{key}_values": uniq.astype(str) if len(uniq) else np.zeros(0, dtype="U1")}


def decoded(z: dict[str, np.ndarray], key: str, n: int) -> np.ndarray:
    """The object array :func:`coded` stored (``None`` where the code is -1)."""
    codes, values = z[f"{key}_codes"], z[f"{key}_values"].astype(object)
    out = np.full(n, None, dtype=object)
    out[codes >= 0] = values[codes[codes >= 0]]
    return out


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
_OPTIONAL_PREFIXES = ("osm_laag_", "invoer_", "overlay_", *FIELD_TABLES.values())
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def read_index(out_dir: str | Path) -> StoreIndex:
    """``opslag.json`` of an output folder.

    Raises
    ------
    StoreMismatch
        When there is no store.
    StoreDamaged
        When ``opslag.json`` is missing beside the other stored files, unreadable or not a JSON object.
    """
    folder = Path(out_dir) / STORE_DIR
    path = folder / INDEX_NAME
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
    return cast("StoreIndex", index)  # its form is checked by check_store (_check_index)


def expected_files(index: StoreIndex) -> list[str]:
    """The files a store with this (checked) index holds: the network, one ``.npz`` per profile, the tables."""
    return [
        "netwerk.npz",
        *(f"profiel_{p}.npz" for p in index["profielen"]),
        *(f"{t}.parquet" for t in index["tabellen"]),
    ]


def _check_index(index: StoreIndex, path: Path, settings: Settings) -> None:
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
        value = cast("dict[str, Any]", index)[key]  # JSON as read: its form is what is checked here
        if not isinstance(value, kind):
            raise bad(f"'{key}' is {type(value).__name__}, verwacht {kind.__name__}")
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
) -> StoreIndex:
    """The store's index when it matches ``settings``, the data ``paths`` and holds ``profiles``.

    Checks ``opslag.json`` only (its form and fingerprints); :func:`.store.load_analysis` also checks the files.

    Raises
    ------
    StoreMismatch
        Naming what differs (program version, settings, a data file, a profile).
    StoreDamaged
        When ``opslag.json`` is unreadable or incomplete.
    """
    index = read_index(out_dir)
    path = Path(out_dir) / STORE_DIR / INDEX_NAME
    if "formaat" not in index or "programma" not in index:
        raise StoreDamaged(path, "de sleutels 'formaat' en 'programma' ontbreken")
    stored = index.get("formaat")
    if isinstance(stored, int) and not isinstance(stored, bool) and stored < FORMAT:
        raise StoreMismatch(
            f"opslag van een oudere versie (opslagformaat {stored}, dit programma schrijft {FORMAT}); "
            "ze mist wat locaties, toets en watals nodig hebben"
        )
    if stored != FORMAT or index.get("programma") != program_name():
        raise StoreMismatch(
            f"gemaakt door {index.get('programma')} (opslagformaat {index.get('formaat')}), dit is {program_name()}"
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
