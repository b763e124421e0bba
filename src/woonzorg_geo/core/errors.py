"""Package errors; each subclasses a builtin so callers can catch either."""

from __future__ import annotations

import errno
from pathlib import Path


class WoonzorgError(Exception):
    """Base class of every error this package raises on purpose."""


class DataFileError(WoonzorgError, ValueError):
    """A data file is unusable: names the file, the field and the fix."""

    def __init__(self, path: str | Path, problem: str, *, field: str | None = None, fix: str | None = None) -> None:
        self.path = str(path)
        self.field = field
        self.problem = problem
        self.fix = fix
        parts = [f"{self.path}: {problem}"]
        if field:
            parts.append(f"(veld: {field})")
        if fix:
            parts.append(f"Oplossing: {fix}")
        super().__init__(" ".join(parts))


class MissingDataError(WoonzorgError, FileNotFoundError):
    """A required input file or folder does not exist."""

    def __init__(self, path: str | Path, fix: str, *, problem: str = "bestand of map bestaat niet") -> None:
        self.path = str(path)
        self.fix = fix
        self.problem = problem
        super().__init__(f"{self.path}: {problem}. Oplossing: {fix}")


class NoCrsError(WoonzorgError, ValueError):
    """A spatial layer has no coordinate reference system."""


class AreaMismatchError(WoonzorgError, ValueError):
    """Buurten and wijken of different indelingen: a buurt's wijk is not among the wijken."""


class SettingsError(WoonzorgError, ValueError):
    """The TOML settings contain an unknown key or a bad value."""


class SourceUnavailableError(WoonzorgError, ConnectionError):
    """An online source could not be reached or answered with an error."""


class GeocodeError(WoonzorgError, LookupError):
    """An address could not be geocoded."""


class ToetsError(WoonzorgError, ValueError):
    """Bad input for the toets: unknown type, omvang below 1, a site outside the gemeente."""


class OutputLockedError(WoonzorgError, RuntimeError):
    """Another run is writing into the same output folder."""


class OutputPathError(WoonzorgError, ValueError):
    """An output path that cannot be used: empty, a file, or not writable."""


#: errno values that mean an output cannot be written: what happened, and the fix.
_WRITE_FAILURES: dict[int, tuple[str, str]] = {
    errno.ENOSPC: (
        "schijf vol",
        "maak ruimte vrij op de schijf (of kies een map op een andere schijf) en draai het commando opnieuw",
    ),
    errno.EDQUOT: (
        "schijfquotum vol",
        "maak ruimte vrij binnen uw quotum (of kies een map op een andere schijf) en draai het commando opnieuw",
    ),
    errno.EROFS: (
        "alleen-lezen schijf",
        "kies een map op een schijf waarop u kunt schrijven en draai het commando opnieuw",
    ),
    errno.EACCES: (
        "geen schrijfrechten",
        "kies een map waar u schrijfrechten hebt (of vraag die aan) en draai het commando opnieuw",
    ),
    errno.EPERM: (
        "geen schrijfrechten",
        "kies een map waar u schrijfrechten hebt (of vraag die aan) en draai het commando opnieuw",
    ),
}

#: Texts of GDAL, SQLite and the C library for the same failures, for errors that carry no errno
#: (pyogrio's ``FeatureError ... database or disk is full``, rasterio's ``No space left on device``).
_WRITE_FAILURE_TEXTS: tuple[tuple[str, int], ...] = (
    ("disk is full", errno.ENOSPC),
    ("no space left on device", errno.ENOSPC),
    ("disk quota exceeded", errno.EDQUOT),
    ("read-only file system", errno.EROFS),
    ("readonly database", errno.EROFS),
    ("attempt to write a readonly", errno.EROFS),
    ("permission denied", errno.EACCES),
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def write_failure(exc: BaseException, *, disk_only: bool = False) -> int | None:
    """The errno of a failed write behind ``exc`` (its cause and context included), or ``None``.

    A full disk or quota (``ENOSPC``, ``EDQUOT``), a read-only file system (``EROFS``) and a
    missing permission (``EACCES``, ``EPERM``) count, by their errno or, for GDAL and SQLite
    errors that have none, by their text. With ``disk_only`` only a full disk or quota counts
    (a missing permission may be on an input that was being read).
    """
    for e in _chain(exc):
        if isinstance(e, OutputWriteError):
            return e.errno
        code = e.errno if isinstance(e, OSError) else None
        if code is None:
            text = str(e).lower()
            code = next((c for needle, c in _WRITE_FAILURE_TEXTS if needle in text), None)
        if code in _WRITE_FAILURES and (not disk_only or code in (errno.ENOSPC, errno.EDQUOT)):
            return code
    return None


class OutputWriteError(WoonzorgError, OSError):
    """An output could not be written (disk full, quota, read-only, no permission); nothing was changed.

    Parameters
    ----------
    code
        The errno: ``ENOSPC``, ``EDQUOT``, ``EROFS``, ``EACCES`` or ``EPERM``.
    path
        The file being written.
    unchanged
        What is as it was before the command: the output folder, or the file itself.
    detail
        What was seen, when the writer's error did not say (free space, the original error).
    """

    def __init__(self, code: int, path: str | Path, *, unchanged: str | Path, detail: str = "") -> None:
        what, fix = _WRITE_FAILURES.get(code, ("schrijffout", "controleer de schijf en draai het commando opnieuw"))
        self.path = str(path)
        self.unchanged = str(unchanged)
        kept = (
            f"{self.path} is niet veranderd"
            if self.unchanged == self.path
            else f"er is niets veranderd in {self.unchanged}"
        )
        why = f" ({detail})" if detail else ""
        message = f"{what}{why} bij het schrijven van {self.path}; {kept}. Oplossing: {fix}"
        super().__init__(message)
        self.errno = code
        self.filename = self.path

    def __str__(self) -> str:
        return str(self.args[0])


class AnalysisIncomplete(WoonzorgError, ValueError):
    """An analysis loaded in part (see :attr:`.areas.analysis.Analysis.missing`) asked for what it lacks."""

    def __init__(self, lacking: dict[str, str], *, purpose: str) -> None:
        self.lacking = dict(lacking)
        parts = "; ".join(f"{p}: {why}" for p, why in lacking.items())
        super().__init__(
            f"de analyse is maar voor een deel gelezen en mist wat {purpose} nodig heeft ({parts}). Oplossing: "
            "lees de opgeslagen analyse helemaal (load_analysis zonder addresses=False of een kolomlijst), of "
            "bereken haar opnieuw met 'woonzorg-geo analyse'"
        )
