"""Writing what ``locaties`` found: the candidate-site map beside the site layers, tables and note, together.

Everything is computed before anything is written: the map is built in memory first; then the
site files (:func:`.pipeline.write_site_outputs`) and the map are moved into place in one step, the map
only once the site files are. A failure leaves no new empty folder behind.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from woonzorg_geo.core import formatting as fmt

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.config import Settings
    from woonzorg_geo.core.io import Owner
    from woonzorg_geo.sites import SiteResult

log = logging.getLogger("woonzorg_geo")

#: File name of the candidate-site map.
SITE_MAP = "kandidaatlocaties.html"


def site_map_page(sites: SiteResult, result: Analysis, *, offline: bool | None) -> str:
    """The candidate-site map as HTML, built in memory (nothing is written yet)."""
    from woonzorg_geo.outputs.maps import MAX_MAP_BYTES, render
    from woonzorg_geo.outputs.maps.themes import analysis_site_map

    page = render(analysis_site_map(sites, result, offline=offline))
    size = len(page.encode("utf-8"))
    if size > MAX_MAP_BYTES:
        log.warning(
            "kaart kandidaatlocaties.html is %s (meer dan %s)",
            fmt.number(size / 1e6, 1, unit=" MB"),
            fmt.number(MAX_MAP_BYTES / 1e6, unit=" MB"),
        )
    return page


@contextlib.contextmanager
def no_new_folders_on_failure(*folders: Path) -> Iterator[None]:
    """When the block fails, remove the ``folders`` (and their parents) it created, if they are empty."""
    made = [p for f in folders for p in [f, *f.parents] if not p.exists()]
    try:
        yield
    except BaseException:
        for folder in sorted(set(made), key=lambda p: len(p.parts), reverse=True):  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
        raise


def write_site_results(
    sites: SiteResult,
    result: Analysis,
    out_dir: str | Path,
    maps_dir: str | Path,
    *,
    settings: Settings,
    owner: Owner,
    offline: bool | None,
) -> tuple[list[Path], list[Path]]:
    """Write the site files into ``out_dir`` and the map into ``maps_dir``; all or nothing.

    Returns
    -------
    tuple of list of Path
        The site files and the map.
    """
    from woonzorg_geo.core.files import atomic_path
    from woonzorg_geo.run.pipeline import write_site_outputs

    page = site_map_page(sites, result, offline=offline)
    map_path = Path(maps_dir) / SITE_MAP
    with no_new_folders_on_failure(Path(maps_dir), Path(out_dir)), atomic_path(map_path) as staged_map:
        staged_map.write_text(page, encoding="utf-8")
        files = write_site_outputs(
            sites, out_dir, gemeente=settings.gemeente.naam, settings=settings, vocabulary=result.vocab, owner=owner
        )
    log.info("kaart geschreven: %s (%s)", map_path, fmt.number(len(page.encode("utf-8")) / 1e6, 2, unit=" MB"))
    return files, [map_path]
