"""Where the raw data folder is: named in the settings or ``WOONZORG_DATA``, else found nearby."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from woonzorg_geo.core.errors import MissingDataError

if TYPE_CHECKING:
    from woonzorg_geo.core.config import Settings


#: Where the search for ``shared/geodata/raw`` starts besides the working folder.
PACKAGE_DIR = Path(__file__).resolve().parent


def named_raw_dirs(settings: Settings | None = None) -> list[Path]:
    """The raw data folders named explicitly: ``settings.data.raw_dir``, then ``WOONZORG_DATA``."""
    named: list[Path] = []
    if settings is not None and settings.data.raw_dir:
        named.append(Path(settings.data.raw_dir).expanduser())
    env = os.environ.get("WOONZORG_DATA")
    if env:
        named.append(Path(env).expanduser())
    return named


def find_raw_dir(settings: Settings | None = None, *, start: Path | None = None) -> Path:
    """Locate the raw data folder.

    Order: ``settings.data.raw_dir``, the ``WOONZORG_DATA`` environment variable, then the first
    ``shared/geodata/raw`` found in the working folder, the package folder or their parents.

    Raises
    ------
    MissingDataError
        When no folder is found (or a named one does not exist).
    """
    candidates = named_raw_dirs(settings)
    if candidates:
        for cand in candidates:
            if cand.is_dir():
                return cand.resolve()
        raise MissingDataError(
            candidates[0],
            "zet WOONZORG_DATA of data.raw_dir op de map met ruwe gegevens, of laad van internet met --online",
            problem="map met ruwe gegevens bestaat niet",
        )
    bases = [start or Path.cwd(), PACKAGE_DIR]
    for base in bases:
        for parent in [base, *base.parents]:
            cand = parent / "shared" / "geodata" / "raw"
            if cand.is_dir():
                return cand.resolve()
    raise MissingDataError(
        "../shared/geodata/raw",
        "geef met --data de map met ruwe gegevens (of zet WOONZORG_DATA), of laad van internet met --online",
        problem="geen map met ruwe gegevens gevonden",
    )
