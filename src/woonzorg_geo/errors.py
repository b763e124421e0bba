"""Package errors; each subclasses a builtin so callers can catch either."""

from __future__ import annotations

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
