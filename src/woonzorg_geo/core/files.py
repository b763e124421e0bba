"""Writing one output file atomically: a failed write never leaves a half-written file.

:func:`atomic_path` writes beside the target and moves into place only on success; a write that
fails for want of space or permission becomes an :class:`~woonzorg_geo.core.errors.OutputWriteError`
naming the file (:func:`raise_write_error`). The writers of text, CSV and GeoPackage files use it,
and :func:`json_default` encodes numpy numbers for :mod:`json`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from woonzorg_geo.core.errors import OutputPathError, OutputWriteError, WoonzorgError, write_failure

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
    except BaseException as exc:
        try:  # named while the half-written file still takes its space, then removed
            raise_write_error(exc, path=target, unchanged=target, inside=target.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp_path.unlink()
        raise


def raise_write_error(exc: BaseException, *, path: Path, unchanged: Path, inside: Path) -> None:
    """Raise :class:`OutputWriteError` (naming ``path`` and ``unchanged``) when ``exc`` is a failed
    write (disk full, quota, read-only, no permission); else return, so the caller re-raises ``exc``.

    A missing permission counts only for a file in ``inside`` (the folder being written) or for an
    error that names no file: one on an input that was being read is not a write failure.
    """
    if isinstance(exc, OutputWriteError) and Path(exc.path).parent == path.parent:
        return  # named already, by an inner atomic_path of the same folder
    if isinstance(exc, WoonzorgError) and not isinstance(exc, OutputWriteError):
        return  # the package's own message already says what is wrong
    code = write_failure(exc)
    detail = ""
    if code is None and isinstance(exc, Exception):
        # GDAL does not always say why: "Failed to commit transaction" on a full disk
        free = free_bytes(inside)
        if free is not None and free < LOW_SPACE_BYTES:
            code = errno.ENOSPC
            detail = f"nog {free // 1024} kB vrij; {type(exc).__name__}: {exc}"
    named = getattr(exc, "filename", None)
    if (
        code in (errno.EACCES, errno.EPERM)
        and isinstance(named, (str, Path))
        and named
        and Path(inside).resolve() not in [Path(named).resolve(), *Path(named).resolve().parents]
    ):
        return
    if code is not None:
        cause = exc.__cause__ if isinstance(exc, OutputWriteError) and exc.__cause__ is not None else exc
        raise OutputWriteError(code, path, unchanged=unchanged, detail=detail) from cause


#: Free space below which a writer's error without a reason counts as a full disk: SQLite writes
#: pages of 4 kB and GDAL's GeoTIFF writer blocks of at most a few MB, so a write that failed with
#: less than this left is taken to have failed for want of space.
LOW_SPACE_BYTES = 8 * 2**20


def free_bytes(folder: Path) -> int | None:
    """The bytes free for this user on the file system of ``folder`` (its nearest existing parent)."""
    folder = Path(folder)
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs on Windows
        return None
    return st.f_bavail * st.f_frsize


def write_text(target: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def write_csv(target: str | Path, frame: pd.DataFrame, **kwargs: Any) -> Path:
    """Write a DataFrame as CSV atomically (UTF-8, comma-separated); ``kwargs`` go to ``to_csv``.

    Text cells that a spreadsheet would read as a formula (beginning with ``=``, ``+``, ``-``, ``@``,
    tab or CR) get a ``'`` in front (:func:`woonzorg_geo.core.escaping.csv_frame`); numbers stay numbers.
    """
    from woonzorg_geo.core.escaping import csv_frame

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
