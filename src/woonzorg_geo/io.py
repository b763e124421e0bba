"""Atomic writing of outputs: a failed run never leaves a half-written file."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import OutputLockedError, OutputPathError

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

log = logging.getLogger(__name__)


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only on success.

    Parameters
    ----------
    target
        The final file path. Its folder is created if needed.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.tmp-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    tmp_path.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_text(target: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_csv(target: str | Path, frame: pd.DataFrame, **kwargs: Any) -> Path:
    """Write a DataFrame as CSV atomically (UTF-8, comma-separated); ``kwargs`` go to ``to_csv``.

    Text cells that a spreadsheet would read as a formula (beginning with ``=``, ``+``, ``-``, ``@``,
    tab or CR) get a ``'`` in front (:func:`woonzorg_geo.escaping.csv_frame`); numbers stay numbers.
    """
    from .escaping import csv_frame

    with atomic_path(target) as tmp:
        csv_frame(frame).to_csv(tmp, **kwargs)
    return Path(target)


def write_gpkg(target: str | Path, layers: dict[str, gpd.GeoDataFrame]) -> Path:
    """Write several layers into one GeoPackage atomically.

    The whole package is built in a temporary file and replaces ``target`` only when every
    layer has been written, so a failure leaves the previous file intact.
    """
    with atomic_path(target) as tmp:
        for name, frame in layers.items():
            frame.to_file(tmp, layer=name, driver="GPKG")
    return Path(target)


def check_output_dir(path: str | Path, *, option: str) -> Path:
    """Check, before any work, that ``path`` can be an output folder; returns it.

    Refused: an empty name (it would write into the working folder), an existing file, a path
    below a file, and a folder that cannot be created or written to (tried for real, so it also
    holds for read-only file systems).

    Raises
    ------
    OutputPathError
        Naming the option, the path and the fix.
    """
    if not str(path).strip():
        raise OutputPathError(f"{option} is leeg. Oplossing: geef een map op, bijv. {option} output")
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputPathError(f"{option} {path}: dit is een bestand, geen map. Oplossing: kies een (nieuwe) map")
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputPathError(f"{option} {path}: {existing} is een bestand, geen map. Oplossing: kies een andere map")
    try:  # nothing is created yet: the probe goes into the nearest folder that exists
        fd, probe = tempfile.mkstemp(prefix=".schrijftest-", dir=existing)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise OutputPathError(
            f"{option} {path}: kan hier niet schrijven ({exc.strerror or exc}). Oplossing: kies een map waar u "
            "schrijfrechten hebt"
        ) from None
    return path


def check_output_file(path: str | Path, *, option: str, suffix: str) -> Path:
    """Check, before any work, that ``path`` can be written as a file with ``suffix``; returns it."""
    if not str(path).strip():
        raise OutputPathError(f"{option} is leeg. Oplossing: geef een bestandsnaam op, bijv. uit{suffix}")
    path = Path(path)
    if path.suffix.lower() != suffix:
        raise OutputPathError(f"{option} {path}: het uitvoerbestand moet op {suffix} eindigen")
    if path.is_dir():
        raise OutputPathError(f"{option} {path}: dit is een map, geen bestand. Oplossing: geef een bestandsnaam op")
    check_output_dir(path.parent if str(path.parent) else ".", option=option)
    return path


STAGING_PREFIX = ".staging-"
LOCK_NAME = ".woonzorg.lock"
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


@contextlib.contextmanager
def output_lock(target: str | Path) -> Iterator[Path]:
    """Hold ``target/.woonzorg.lock`` while a run writes into ``target``.

    A second run into the same folder stops at once with a message naming the process that holds
    it; a lock whose process is gone is taken over. Re-entrant within one process.

    Raises
    ------
    OutputLockedError
        When another live process holds the lock.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    lock = target / LOCK_NAME
    mine = str(os.getpid())
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = lock.read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                continue
            if holder == mine:
                yield lock  # re-entrant: the outer block releases it
                return
            if holder.isdigit() and _pid_alive(int(holder)):
                raise OutputLockedError(
                    f"{target}: er schrijft al een andere run in deze map (proces {holder}). Oplossing: wacht "
                    "tot die klaar is, of kies een andere map met --out"
                ) from None
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()  # stale: its process is gone
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(mine)
        break
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(target: str | Path) -> dict[str, Any]:
    """The manifest of an output folder (empty when there is none or it is unreadable)."""
    path = Path(target) / MANIFEST_NAME
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return doc if isinstance(doc, dict) else {}


@contextlib.contextmanager
def staged_dir(
    target: str | Path, *, replace_set: bool = False, manifest: dict[str, Any] | None = None
) -> Iterator[Path]:
    """Yield a staging folder; on success its files move into ``target``.

    Files are only moved after the block has finished without error, so a failed run leaves
    the previous output in ``target`` as it was. Staging folders of killed runs are removed
    first, and ``target`` is locked for the duration (see :func:`output_lock`).

    Parameters
    ----------
    target
        The output folder.
    replace_set
        ``True``: the staged files replace the previous run's set: files listed in the previous
        ``manifest.json`` that this run does not write are removed, and a new manifest (every
        file, its size and SHA-256, plus ``manifest``) is written. Files the manifest does not
        list (the user's own) are never touched. ``False``: the staged files are added to the
        folder and to its manifest, replacing same names.
    manifest
        Extra entries for the manifest (settings, data versions, command).
    """
    target = Path(target)
    with output_lock(target):
        remove_stale_staging(target)
        tmp = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=target))
        try:
            yield tmp
            staged = sorted(p for p in tmp.rglob("*") if p.is_file())
            files = {p.relative_to(tmp).as_posix(): {"bytes": p.stat().st_size, "sha256": _sha256(p)} for p in staged}
            previous = read_manifest(target)
            old_files = dict(previous.get("bestanden", {})) if isinstance(previous.get("bestanden"), dict) else {}
            doc = {**({} if replace_set else previous), **(manifest or {})}
            doc["bestanden"] = files if replace_set else {**old_files, **files}
            for path in staged:
                dest = target / path.relative_to(tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, dest)
            if replace_set:
                for rel in sorted(set(old_files) - set(files)):
                    stale = target / rel
                    if stale.is_file() and target.resolve() in stale.resolve().parents:
                        stale.unlink()
                        log.info("bestand van de vorige run verwijderd: %s", stale)
                _remove_empty_dirs(target)
            write_text(target / MANIFEST_NAME, json.dumps(doc, indent=2, ensure_ascii=False, default=str))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _remove_empty_dirs(target: Path) -> None:
    for d in sorted((p for p in target.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not d.name.startswith(".") and not any(d.iterdir()):
            d.rmdir()


def json_default(obj: object) -> object:
    """``json.dumps(..., default=json_default)``: numpy integers and floats as JSON numbers, NaN as null.

    Raises
    ------
    TypeError
        For anything else, as :mod:`json` does.
    """
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if np.isnan(obj) else float(obj)
    raise TypeError(type(obj).__name__)


def json_default_or_text(obj: object) -> object:
    """As :func:`json_default`, but anything else becomes its text (for summaries that may hold paths)."""
    try:
        return json_default(obj)
    except TypeError:
        return str(obj)
