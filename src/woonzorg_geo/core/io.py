"""Staged output folders and their owners: a run's files appear together, or not at all.

A command writes into a staging folder (:func:`staged_dir`); only when the whole block succeeded
are its files moved into the output folder and listed in ``manifest.json``, with the command and
gemeente that own the folder (:class:`Owner`). While a run writes, the folder is locked
(:func:`woonzorg_geo.core.lock.output_lock`); single files are written atomically by
:mod:`woonzorg_geo.core.files`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from woonzorg_geo.core.errors import OutputPathError, OutputWriteError
from woonzorg_geo.core.files import raise_write_error, write_text
from woonzorg_geo.core.lock import output_lock
from woonzorg_geo.core.records import FileEntry, Manifest, OwnerEntry

log = logging.getLogger(__name__)


def _failed_file(exc: BaseException, staging: Path, target: Path) -> Path:
    """The output file a failed write in ``staging`` was for: the one the error names, else the one
    written last (GDAL's errors name no file), as its path in ``target``."""
    named = exc.path if isinstance(exc, OutputWriteError) else getattr(exc, "filename", None)
    candidates = [Path(named)] if isinstance(named, (str, Path)) and named else []
    with contextlib.suppress(OSError):
        files = [p for p in staging.rglob("*") if p.is_file()]
        candidates += sorted(files, key=lambda p: p.stat().st_mtime_ns, reverse=True)[:1]
    for cand in candidates:
        with contextlib.suppress(ValueError):
            rel = cand.relative_to(staging)
            # an atomic temporary name (".woonzorg.tmp-x1y2.gpkg") stands for its target's name
            parts = rel.parts[:-1]
            name = rel.name
            for extra in ("-journal", "-wal", "-shm"):  # SQLite's files beside a GeoPackage
                name = name.removesuffix(extra)
            if name.startswith(".") and ".tmp-" in name:
                stem = name[1:].split(".tmp-", 1)[0]
                name = stem + Path(name).suffix
            return target.joinpath(*parts, name)
    return target


STAGING_PREFIX = ".staging-"
MANIFEST_NAME = "manifest.json"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_staging(target: Path) -> int:
    """Remove staging folders in ``target`` left by runs whose process is gone; returns how many.

    A staging folder is named ``.staging-<pid>-<random>``; one whose process still runs is left
    alone (it may be another run writing right now).
    """
    removed = 0
    if not target.is_dir():
        return 0
    for path in target.glob(f"{STAGING_PREFIX}*"):
        parts = path.name[len(STAGING_PREFIX) :].split("-", 1)
        pid = int(parts[0]) if parts[0].isdigit() else -1
        if path.is_dir() and not _pid_alive(pid):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    if removed:
        log.info("%d achtergebleven tijdelijke map(pen) van afgebroken runs opgeruimd in %s", removed, target)
    return removed


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(target: str | Path) -> Manifest:
    """The manifest of an output folder (empty when there is none or it is unreadable)."""
    path = Path(target) / MANIFEST_NAME
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return cast(Manifest, doc) if isinstance(doc, dict) else {}


#: The folder's owner in ``manifest.json``, and per file the command that wrote it.
OWNER_KEY = "eigenaar"
WRITER_KEY = "opdracht"

#: Commands that may add files to a folder another command owns, for the same gemeente; they never
#: remove a file there. ``locaties`` adds its layers and tables to the analysis (``--out``) and its
#: map to the maps (``--kaarten``, as ``locatiekaart``), ``toets`` its report to the analysis: their
#: defaults.
GUESTS: dict[str, frozenset[str]] = {
    "locaties": frozenset({"analyse"}),
    "locatiekaart": frozenset({"kaarten"}),
    "toets": frozenset({"analyse"}),
}


@dataclass(frozen=True)
class Owner:
    """Who an output folder belongs to: the command that writes it and the gemeente it is about.

    Recorded in the folder's ``manifest.json`` as ``"eigenaar": {"opdracht": ..., "gemeente": ...,
    "naam": ...}``; see :func:`check_owner` and :func:`staged_dir`.

    Attributes
    ----------
    opdracht
        The command, i.e. the kind of folder: ``analyse``, ``kaarten``, ``figuren``, ``watals``,
        ``toetsen`` (``toets --lijst``), ``regio``; ``locaties``, ``locatiekaart`` and ``toets`` add
        files to another's folder (see :data:`GUESTS`).
    gemeente
        The gemeente's CBS code (``GM0106``); ``None`` for a region or when not known.
    naam
        The gemeente's (or region's) name, for messages.
    """

    opdracht: str
    gemeente: str | None = None
    naam: str | None = None

    def as_dict(self) -> OwnerEntry:
        """The manifest's ``eigenaar`` entry."""
        return {"opdracht": self.opdracht, "gemeente": self.gemeente, "naam": self.naam}

    def place(self) -> str:
        """The gemeente in Dutch for a message: ``'Assen (GM0106)'``, ``'GM0106'``, ``'Drenthe'`` or ``''``."""
        if self.naam and self.gemeente:
            return f"{self.naam} ({self.gemeente})"
        return self.naam or self.gemeente or ""

    def label(self) -> str:
        """The owner in Dutch for a message: ``"'analyse' voor Assen (GM0106)"``."""
        return f"'{self.opdracht}' voor {self.place()}" if self.place() else f"'{self.opdracht}'"

    def same_gemeente(self, other: Owner) -> bool:
        """Whether both are about the same gemeente (by code, else by name; unknown counts as the same)."""
        if self.gemeente and other.gemeente:
            return self.gemeente.casefold() == other.gemeente.casefold()
        if self.naam and other.naam:
            return self.naam.casefold() == other.naam.casefold()
        return True

    def may_write(self, folder_owner: Owner) -> bool:
        """Whether this command may write into a folder of ``folder_owner`` (its own, or as a guest)."""
        own = folder_owner.opdracht == self.opdracht or folder_owner.opdracht in GUESTS.get(self.opdracht, ())
        return own and self.same_gemeente(folder_owner)


def _slug(text: str) -> str:
    import re
    import unicodedata

    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")[:80].strip("-") or "map"


def infer_owner(doc: Mapping[str, Any]) -> Owner | None:
    """The owner a manifest records, or (older manifests without ``eigenaar``) the one its content shows.

    An ``analyse`` manifest names the program, the gemeente and the profiles; a ``regio`` manifest the
    region and its gemeenten; a figure set its format and resolution; a set of maps its source and
    HTML files only; ``watals`` and ``toets --lijst`` their ``watals.json`` and ``toetsen.csv``.
    ``None`` when it shows none of these.
    """
    eig = doc.get(OWNER_KEY)
    if isinstance(eig, Mapping) and eig.get("opdracht"):
        code, naam = eig.get("gemeente"), eig.get("naam")
        return Owner(str(eig["opdracht"]), str(code) if code else None, str(naam) if naam else None)
    files = doc.get("bestanden")
    names = [str(k) for k in files] if isinstance(files, Mapping) else []
    gem = doc.get("gemeente")
    gem_naam = str(gem) if isinstance(gem, str) and gem else None
    if "regio" in doc and "gemeenten" in doc:
        return Owner("regio", None, str(doc["regio"]) or None)
    if isinstance(gem, Mapping) and "profielen" in doc:
        code, naam = gem.get("code"), gem.get("naam")
        return Owner("analyse", str(code) if code else None, str(naam) if naam else None)
    if "formaat" in doc and "dpi" in doc:
        return Owner("figuren", None, gem_naam)
    if "bron" in doc and names and all(n.endswith(".html") for n in names):
        return Owner("kaarten", None, gem_naam)
    if "watals.json" in names:
        return Owner("watals")
    if "toetsen.csv" in names:
        return Owner("toetsen")
    return None


def folder_owner(folder: str | Path) -> Owner | None:
    """The owner of an output folder from its manifest (see :func:`infer_owner`); ``None`` when unknown."""
    doc, _ = _package_manifest(Path(folder))
    return infer_owner(doc) if doc is not None else None


def derived_owner(opdracht: str, source: str | Path, *, naam: str | None = None) -> Owner:
    """The owner for ``opdracht`` writing from the analysis in ``source``: that analysis's gemeente.

    Used by the commands that read an analysis folder (``kaarten``, ``figuren``); ``naam`` is the
    gemeente's name when the folder does not say.
    """
    read = folder_owner(source)
    if read is not None and read.opdracht == "analyse":
        return Owner(opdracht, read.gemeente, read.naam or naam)
    return Owner(opdracht, None, naam)


def _package_manifest(target: Path) -> tuple[Manifest | None, str]:
    """``target/manifest.json`` when it is one of this package's (else ``None``), and why not.

    The reason is ``''`` when there is no manifest at all, else a Dutch phrase: unreadable, or
    not written by woonzorg-geo (no ``bestanden``).
    """
    path = target / MANIFEST_NAME
    try:
        if not path.exists():
            return None, ""
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None, "is onleesbaar"
    if not isinstance(doc, dict) or not isinstance(doc.get("bestanden"), dict):
        return None, "is niet van woonzorg-geo (geen lijst 'bestanden')"
    return cast(Manifest, doc), ""


def _part_of(target: Path) -> tuple[Path, Owner | None] | None:
    """The output folder ``target`` lies inside, as part of its content, with that folder's owner.

    ``target`` is part of an output folder above it when it, or a folder between them, holds files
    that folder's manifest lists (``opslag/`` and ``wijkprofielen/`` of an analysis, ``maps/`` of a
    region). A subfolder that holds none of them (``figuren/``, ``watals/``) is not.
    """
    target = target.resolve()
    chain = [target]
    for parent in target.parents:
        doc, _ = _package_manifest(parent)
        if doc is not None:
            prefixes = {d.relative_to(parent).as_posix() + "/" for d in chain}
            if any(str(k).startswith(p) for k in doc["bestanden"] for p in prefixes):
                return parent, infer_owner(doc)
        chain.append(parent)
    return None


def _refuse_foreign_manifest(target: Path, *, option: str, tip: str | Path) -> Manifest | None:
    """The package manifest of ``target`` (``None`` when there is none); refused when it is not one."""
    doc, why = _package_manifest(target)
    if why:
        raise OutputPathError(
            f"{option} {target}: {target / MANIFEST_NAME} {why}; zonder een geldig manifest kan niet worden "
            "nagegaan welke bestanden van woonzorg-geo zijn, dus wordt er niets geschreven. Oplossing: kies een "
            f"andere map, bijv. {option} {tip}, of verwijder {MANIFEST_NAME} als de map alleen uitvoer van "
            "woonzorg-geo bevat"
        )
    return doc


def check_owner(
    target: str | Path,
    owner: Owner,
    *,
    option: str,
    other: Mapping[str, str | Path | None] | None = None,
    suggestion: str | Path | None = None,
) -> Path:
    """Check, before any work, that ``owner`` may write into the output folder ``target``; returns it.

    A folder belongs to the command and the gemeente that first wrote it (its manifest's
    ``eigenaar``). Allowed: a new or empty folder, a folder without a manifest (the user's own
    files: none of them is ever removed or overwritten, see :func:`staged_dir`), a folder this
    command wrote for this gemeente, and for the guests of :data:`GUESTS` the folder they add files
    to (an analysis, a set of maps) of the same gemeente.

    Refused: another command's or another gemeente's folder; a folder that is part of another
    output (``opslag/`` of an analysis); a manifest that is unreadable or not this package's; an
    older manifest whose command cannot be told; and the command's own other folders (``other``,
    e.g. ``{"--uit": args.uit}``: never write into the folder that is read).

    Parameters
    ----------
    target
        The output folder.
    owner
        The command and gemeente that want to write.
    option
        The option that named ``target`` (``--out``, ``--kaarten``), for the message.
    other
        The command's other folders by option; ``target`` must differ from each.
    suggestion
        The folder the message suggests instead (default: a subfolder of ``target`` named after
        the command; when only the gemeente differs, a folder beside it: ``output_meppel``).

    Raises
    ------
    OutputPathError
        Naming the option, the folder, its owner and the fix.
    """
    target = Path(target)
    here = target.resolve()
    tip = suggestion if suggestion is not None else target / owner.opdracht
    fix = f"Oplossing: kies een eigen map, bijv. {option} {tip}"
    for opt, path in (other or {}).items():
        if path is not None and str(path).strip() and Path(path).resolve() == here:
            raise OutputPathError(
                f"{option} {target} is dezelfde map als {opt} {path}; '{owner.opdracht}' schrijft nooit in de map "
                f"die het leest of die het al voor iets anders gebruikt. {fix}"
            )
    part = _part_of(target)
    if part is not None:
        folder, above = part
        whose = f"de uitvoer van {above.label()}" if above else "een uitvoermap van woonzorg-geo"
        raise OutputPathError(
            f"{option} {target} hoort bij {whose} in {folder}; daarin wordt niets overschreven of verwijderd. "
            f"Oplossing: kies een map buiten {folder}, of een nieuwe submap ervan, bijv. {option} {folder / owner.opdracht}"
        )
    if not target.is_dir():
        return target
    doc = _refuse_foreign_manifest(target, option=option, tip=tip)
    if doc is None:
        return target
    current = infer_owner(doc)
    if current is None:
        raise OutputPathError(
            f"{option} {target}: deze map bevat uitvoer van woonzorg-geo waarvan niet is vast te stellen welke "
            f"opdracht haar schreef (manifest zonder '{OWNER_KEY}'); er wordt niets overschreven of verwijderd. "
            f"{fix}"
        )
    if owner.may_write(current):
        return target
    if current.opdracht == owner.opdracht or current.opdracht in GUESTS.get(owner.opdracht, ()):
        if suggestion is None and owner.naam:  # beside it, not inside another gemeente's folder
            other_tip = target.parent / f"{target.name}_{_slug(owner.naam)}"
            fix = f"Oplossing: kies een eigen map voor {owner.naam}, bijv. {option} {other_tip}"
        raise OutputPathError(
            f"{option} {target}: deze map is de uitvoer van {current.label()}, niet van {owner.place() or 'deze gemeente'}; "
            f"'{owner.opdracht}' schrijft daar niet in. {fix}"
        )
    raise OutputPathError(
        f"{option} {target}: deze map is de uitvoer van {current.label()}; '{owner.opdracht}' schrijft daar niet "
        f"in, zodat er niets van wordt overschreven of verwijderd. {fix}"
    )


def check_file_owner(path: str | Path, *, option: str) -> Path:
    """Check, before any work, that the output file ``path`` is no file of an output folder; returns it.

    A file that a manifest of its folder (or a folder above) lists belongs to that output:
    ``voorzieningen --out output/woonzorg.gpkg`` would replace the analysis's GeoPackage.

    Raises
    ------
    OutputPathError
        Naming the option, the file, the folder's owner and the fix.
    """
    path = Path(path)
    here = path.resolve()
    for parent in here.parents:
        doc, _ = _package_manifest(parent)
        if doc is not None and here.relative_to(parent).as_posix() in doc["bestanden"]:
            above = infer_owner(doc)
            whose = f"de uitvoer van {above.label()}" if above else "een uitvoermap van woonzorg-geo"
            raise OutputPathError(
                f"{option} {path}: dit bestand hoort bij {whose} in {parent} en wordt niet overschreven. "
                f"Oplossing: kies een andere bestandsnaam, bijv. {option} {path.with_name(path.stem + '_eigen' + path.suffix)}"
            )
    return path


def _writer(entry: object) -> str | None:
    """The command a manifest's file entry says wrote it (``None``: not recorded, an older manifest)."""
    if isinstance(entry, Mapping) and entry.get(WRITER_KEY):
        return str(entry[WRITER_KEY])
    return None


@contextlib.contextmanager
def staged_dir(
    target: str | Path,
    *,
    owner: Owner | None = None,
    replace_set: bool = False,
    manifest: Manifest | None = None,
) -> Iterator[Path]:
    """Yield a staging folder; on success its files move into ``target``.

    Files are only moved after the block has finished without error, so a failed run leaves
    the previous output in ``target`` as it was. Staging folders of killed runs are removed
    first, and ``target`` is locked for the duration (see :func:`woonzorg_geo.core.lock.output_lock`).

    Ownership: with ``owner`` the folder is checked first (:func:`check_owner`: another
    command's or gemeente's folder is refused before the block runs) and recorded in the
    manifest (``eigenaar``, and per file the command that wrote it). Before anything is moved,
    every file the run writes is checked: one that exists but that the manifest does not list
    (the user's own, or another output's) is never overwritten, the run is refused naming it.

    Parameters
    ----------
    target
        The output folder.
    owner
        The command and gemeente writing (see :class:`Owner`). Without it nothing is checked and
        nothing is removed.
    replace_set
        ``True``: the staged files replace this owner's previous set: files the previous
        ``manifest.json`` lists as written by this same command, in a folder of this owner, that
        this run does not write are removed when they are unchanged (same SHA-256; a changed one
        stays). Files the manifest does not list (the user's own), files other commands added and
        files of an older manifest that does not say who wrote them are never removed.
        ``False``: the staged files are added to the folder and to its manifest, replacing same names.
    manifest
        Extra entries for the manifest (settings, data versions, command); ignored when a guest
        (``locaties``, ``toets``) adds files to another command's folder.

    Raises
    ------
    OutputPathError
        When ``owner`` may not write into ``target``, or a staged file would overwrite a file that is
        not listed in the manifest.
    """
    target = Path(target)

    def check() -> None:
        if owner is not None:
            check_owner(target, owner, option="map")
        elif target.is_dir():
            _refuse_foreign_manifest(target, option="map", tip=target / "nieuw")

    check()  # before the folder is created (by the lock)
    with output_lock(target):
        check()  # again, now that no other run can write here
        remove_stale_staging(target)
        tmp = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=target))
        try:
            try:
                yield tmp
            except Exception as exc:  # a full disk while writing: named, and the folder is as it was
                raise_write_error(exc, path=_failed_file(exc, tmp, target), unchanged=target, inside=tmp)
                raise
            _publish(tmp, target, owner=owner, replace_set=replace_set, manifest=manifest)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _publish(tmp: Path, target: Path, *, owner: Owner | None, replace_set: bool, manifest: Manifest | None) -> None:
    """Move the staged files of :func:`staged_dir` into ``target`` and write its manifest."""
    staged = sorted(p for p in tmp.rglob("*") if p.is_file())
    writer = owner.opdracht if owner else None
    files: dict[str, FileEntry] = {}
    for p in staged:
        entry = FileEntry(bytes=p.stat().st_size, sha256=_sha256(p))
        if writer:
            entry["opdracht"] = writer
        files[p.relative_to(tmp).as_posix()] = entry
    previous, _ = _package_manifest(target)
    previous = previous or {}
    old_files: dict[str, Any] = dict(previous.get("bestanden", {}))  # as read: checked per entry below
    current = infer_owner(previous) if previous else None
    # never overwrite what the package did not write: every destination must be new or listed
    for rel in files:
        dest = target / rel
        clash = next(
            (target / d for d in reversed(Path(rel).parents) if str(d) != "." and (target / d).is_file()), None
        )
        if clash is None and (dest.is_dir() or (dest.exists() and rel not in old_files)):
            clash = dest
        if clash is not None:
            raise OutputPathError(
                f"{clash}: dit bestand staat al in {target} en is niet door woonzorg-geo geschreven (het manifest noemt "
                "het niet); het wordt niet overschreven en er is niets geschreven. Oplossing: verplaats of hernoem "
                "het bestand, of kies een andere map"
            )
    guest = owner is not None and current is not None and current.opdracht != owner.opdracht
    # the folder's owner stays; its own command records itself (an older manifest may not name the gemeente)
    folder_owner = current if guest or owner is None else owner
    if replace_set and not guest:
        doc = Manifest(**(manifest or {}))
    elif guest:
        doc = Manifest(**previous)
    else:
        doc = Manifest(**previous)
        doc.update(manifest or {})
    kept: dict[str, Any] = {}
    stale: list[Path] = []
    for rel, entry in old_files.items():
        if rel in files:
            continue
        path = target / rel
        if not path.is_file():
            continue  # gone: no longer listed
        mine = (
            replace_set
            and owner is not None
            and current is not None
            and current.opdracht == owner.opdracht
            and current.same_gemeente(owner)
            and _writer(entry) == owner.opdracht
            and target.resolve() in path.resolve().parents
        )
        if mine and isinstance(entry, Mapping) and entry.get("sha256") == _sha256(path):
            stale.append(path)
        elif mine:
            log.warning("%s is veranderd sinds de vorige run; het blijft staan", path)
            kept[rel] = {k: v for k, v in entry.items() if k != WRITER_KEY}
        else:
            kept[rel] = entry
    doc["bestanden"] = {**kept, **files}
    if folder_owner is not None:
        doc["eigenaar"] = folder_owner.as_dict()  # OWNER_KEY
    for path in staged:
        dest = target / path.relative_to(tmp)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, dest)
    for path in stale:
        path.unlink()
        log.info("bestand van de vorige run verwijderd: %s", path)
    _remove_empty_dirs(target, {p.parent for p in stale})
    write_text(target / MANIFEST_NAME, json.dumps(doc, indent=2, ensure_ascii=False, default=str))


def _remove_empty_dirs(target: Path, emptied: set[Path]) -> None:
    """Remove the folders below ``target`` that removing stale files left empty (and theirs above)."""
    root = target.resolve()
    for d in sorted(emptied, key=lambda p: len(p.parts), reverse=True):
        while d.resolve() != root and root in d.resolve().parents and d.is_dir() and not any(d.iterdir()):
            d.rmdir()
            d = d.parent
