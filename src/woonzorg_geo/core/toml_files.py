"""Reading the TOML files of the settings, and building frozen dataclasses from their tables.

Every way a file or a value can be wrong is a Dutch :class:`~woonzorg_geo.core.errors.SettingsError`
(or :class:`~woonzorg_geo.core.errors.MissingDataError`) naming the file, the key and the fix.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
import typing
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from woonzorg_geo.core.errors import MissingDataError, SettingsError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_D = TypeVar("_D", bound="DataclassInstance")


_TYPE_NAMES = {str: "tekst", float: "getal", int: "geheel getal", bool: "true/false"}
_TYPE_FIXES = {
    str: 'zet de tekst tussen aanhalingstekens, bijv. "senior"',
    float: "schrijf een eindig getal zonder aanhalingstekens en met een punt als decimaalteken, bijv. 800 of 0.76",
    int: "schrijf een geheel getal zonder aanhalingstekens, bijv. 4",
    bool: "schrijf true of false, zonder aanhalingstekens",
}


def _coerce(value: Any, hint: Any, where: str) -> Any:
    """Check ``value`` against a type hint (str, float, int, bool, tuple[X, ...], nested tuples)."""
    origin = typing.get_origin(hint)
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(value, (list, tuple)):
            raise SettingsError(
                f"{where}: verwacht een lijst, kreeg {value!r}. Oplossing: schrijf een lijst tussen rechte haken, "
                'bijv. [400, 800] of ["a", "b"]'
            )
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise SettingsError(
                f"{where}: verwacht {len(args)} elementen, kreeg {value!r}. Oplossing: geef precies {len(args)} "
                "waarden tussen rechte haken"
            )
        return tuple(_coerce(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args, strict=True)))
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif hint in (str, bool):
        if isinstance(value, hint):
            return value
    else:
        return value
    raise SettingsError(
        f"{where}: verwacht {_TYPE_NAMES.get(hint, str(hint))}, kreeg {value!r}. Oplossing: {_TYPE_FIXES.get(hint, '')}"
    )


def build_settings(cls: type[_D], table: dict[str, Any], where: str) -> _D:
    """Build a frozen dataclass from a TOML table, refusing unknown keys and values of the wrong type."""
    names = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    unknown = set(table) - set(names)
    if unknown:
        raise SettingsError(
            f"{where}: onbekende sleutel(s) {sorted(unknown)}. Oplossing: controleer de spelling; toegestaan: "
            f"{sorted(names)}"
        )
    kwargs = {key: _coerce(value, hints[key], f"{where}.{key}") for key, value in table.items()}
    return cls(**kwargs)


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file as a table; every way it can be unreadable is a Dutch error naming the file and the fix."""
    if path.is_dir():
        raise SettingsError(
            f"{path}: dit is een map, geen TOML-bestand. Oplossing: geef het pad van het bestand zelf op, "
            "bijv. mijn_map/instellingen.toml"
        )
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise MissingDataError(path, "geef een bestaand TOML-bestand op") from None
    except PermissionError:
        raise SettingsError(
            f"{path}: geen leesrechten. Oplossing: pas de rechten aan of kopieer het bestand naar een eigen map"
        ) from None
    except UnicodeDecodeError as exc:
        line = bytes(exc.object[: exc.start]).count(b"\n") + 1
        raise SettingsError(
            f"{path}: geen geldige UTF-8 (byte {exc.object[exc.start]:#04x} op regel {line}). Oplossing: sla het "
            "bestand op als UTF-8 (in Kladblok: Opslaan als > Codering: UTF-8)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(
            f"{path}: geen geldige TOML ({exc}). Oplossing: verbeter die regel; een instelling schrijft u als "
            "sleutel = waarde onder een kopregel [tabel], tekst tussen aanhalingstekens"
        ) from exc


def read_layered_toml(default_name: str, path: str | Path | None) -> tuple[dict[str, Any], dict[str, Any], str]:
    """The package's default TOML (``woonzorg_geo/data/<default_name>``) and a user's file on top of it.

    Returns the default table, the user's table (empty without ``path``) and where the settings
    come from, for messages. Tables the defaults do not have are refused; merging is the caller's.
    """
    table = tomllib.loads(resources.files("woonzorg_geo.data").joinpath(default_name).read_text("utf-8"))
    if path is None:
        return table, {}, "<standaard>"
    where = str(path)
    user = read_toml(Path(path))
    unknown = set(user) - set(table)
    if unknown:
        raise SettingsError(
            f"{where}: onbekende tabel(len) {sorted(unknown)}. Oplossing: controleer de spelling; bekend zijn "
            f"{', '.join(f'[{k}]' for k in table)}"
        )
    return table, user, where


def require_table(value: object, where: str) -> None:
    """Refuse a TOML value that should be a table (``[name]``), naming where it is."""
    if not isinstance(value, dict):
        name = where.rsplit(":", 1)[-1]
        raise SettingsError(
            f"{where}: verwacht een tabel [{name}], kreeg {value!r}. Oplossing: zet de sleutels onder een kopregel "
            f"[{name}]"
        )
