"""Atomic writing of outputs: a failed run never leaves a half-written file."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

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


def write_csv(target: str | Path, frame: pd.DataFrame, **kwargs: object) -> Path:
    """Write a DataFrame as CSV atomically (UTF-8, comma-separated)."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, **kwargs)  # type: ignore[arg-type]
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


@contextlib.contextmanager
def staged_dir(target: str | Path) -> Iterator[Path]:
    """Yield a staging folder; on success its files move into ``target``, replacing same names.

    Files are only moved after the block has finished without error, so a failed run leaves
    the previous output in ``target`` as it was. Other files in ``target`` are left alone.
    """
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=target))
    try:
        yield tmp
        for path in sorted(tmp.rglob("*")):
            if path.is_file():
                dest = target / path.relative_to(tmp)
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
