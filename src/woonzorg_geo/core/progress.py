"""Whether the commands show progress bars: the one place that decides.

Progress bars (tqdm) are for a person watching a terminal. Written into a log file or a pipe they
are hundreds of carriage-return lines, so they are shown only when standard error is a terminal,
and never with ``--stil``. The commands pass the answer down as ``progress=`` to the functions that
draw the bars.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


def show_progress(*, quiet: bool = False, stream: TextIO | None = None) -> bool:
    """Whether to draw progress bars: not when ``quiet``, and only when ``stream`` (default
    standard error, where tqdm writes) is a terminal."""
    out = sys.stderr if stream is None else stream
    isatty = getattr(out, "isatty", None)
    try:
        return not quiet and bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def progress_bar(iterable: Iterable[T] | None = None, *, show: bool, **options: Any) -> Any:
    """A tqdm bar (``show=False``: a disabled one) that starts no monitor thread.

    tqdm's monitor thread only adjusts ``miniters`` of bars that stall. Without it the process
    stays single-threaded, so ``analyse`` may fork its map drawing beside the writing (see
    :mod:`woonzorg_geo.core.beside`: forking a process that runs threads is not safe).
    """
    from tqdm import tqdm

    class Bar(tqdm):  # type: ignore[misc]  # tqdm has no type hints
        monitor_interval = 0

    return Bar(iterable, disable=not show, **options)
