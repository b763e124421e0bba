"""The options every command shares: settings, ``--uit``, ``--gemeente``, ``--data``, ``--profiel``, own lists.

Each function reads parsed arguments and checks them before any data is read; a bad value is a
Dutch :class:`~woonzorg_geo.core.errors.WoonzorgError` naming the option and the fix.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from woonzorg_geo.core.errors import WoonzorgError
from woonzorg_geo.core.io import Owner

if TYPE_CHECKING:
    from woonzorg_geo.core.config import Settings


def read_settings(args: argparse.Namespace) -> Settings:
    """The settings of ``--instellingen`` (the built-in ones without it); an empty path is refused."""
    from woonzorg_geo.core.settings_loader import load_settings

    if args.instellingen is not None and not str(args.instellingen).strip():
        raise WoonzorgError(
            "--instellingen is leeg. Oplossing: geef het pad van een TOML-bestand, of laat --instellingen weg "
            "voor de ingebouwde instellingen"
        )
    return load_settings(args.instellingen)


def check_uit(args: argparse.Namespace) -> None:
    """Refuse an ``--uit`` that is empty or a file, before any work (a missing folder is the command's to say)."""
    if not str(args.uit).strip():
        raise WoonzorgError(
            "--uit is leeg. Oplossing: geef de uitvoermap van 'woonzorg-geo analyse', bijv. --uit output"
        )
    path = Path(args.uit)
    if path.exists() and not path.is_dir():
        raise WoonzorgError(
            f"--uit {path}: dit is een bestand, geen map. Oplossing: geef de uitvoermap van 'woonzorg-geo analyse' "
            "(de map met woonzorg.gpkg), niet een bestand daaruit"
        )


def gemeente_settings(args: argparse.Namespace) -> Settings:
    """The settings for ``--gemeente``: the settings' own gemeente, else one of the offline catalogue."""
    from woonzorg_geo.sources.catalogue import resolve_gemeente

    return resolve_gemeente(read_settings(args), getattr(args, "gemeente", None))


def analysis_settings(args: argparse.Namespace) -> Settings:
    """The settings for a command that reads the analysis in ``--uit``: that analysis's gemeente.

    The gemeente comes from the analysis's ``manifest.json``; ``--gemeente``, when given, must be
    the same, else the command is refused before any work. Without an analysis in ``--uit`` it is
    ``--gemeente``, else the settings' own.

    Raises
    ------
    SettingsError
        When ``--gemeente`` is another gemeente than the analysis's, or the analysis's gemeente is
        neither the settings' own nor in the catalogue.
    """
    from woonzorg_geo.core.errors import SettingsError
    from woonzorg_geo.core.io import MANIFEST_NAME, folder_owner, read_manifest
    from woonzorg_geo.sources.catalogue import resolve_gemeente

    settings = read_settings(args)
    asked = getattr(args, "gemeente", None)
    read = folder_owner(args.uit)
    if read is None or read.opdracht != "analyse" or not (read.gemeente or read.naam):
        return resolve_gemeente(settings, asked)
    if asked and asked.strip():
        chosen = resolve_gemeente(settings, asked)
        g = chosen.gemeente
        if not Owner("analyse", g.code, g.naam).same_gemeente(read):
            raise SettingsError(
                f"--gemeente {asked}: de analyse in --uit {args.uit} is van {read.place()}, niet van {g.naam} "
                f"({g.code}). Oplossing: wijs met --uit naar een analyse van {g.naam} (te maken met 'woonzorg-geo "
                f"analyse --gemeente {g.code} --out <map>'), of laat --gemeente weg"
            )
        return chosen
    try:
        return resolve_gemeente(settings, read.gemeente or read.naam)
    except SettingsError:
        made_with = read_manifest(args.uit).get("instellingen", "")
        raise SettingsError(
            f"--uit {args.uit}: de analyse is van {read.place()} (zie {Path(args.uit) / MANIFEST_NAME}), een gemeente "
            "die deze instellingen niet kennen. Oplossing: geef dezelfde --instellingen als bij die analyse"
            + (f" ({made_with})" if made_with else "")
        ) from None


def command_owner(opdracht: str, settings: Settings) -> Owner:
    """Who what ``opdracht`` writes belongs to: that command, for the settings' gemeente."""
    return Owner(opdracht, settings.gemeente.code, settings.gemeente.naam)


#: Subfolders of an analysis output that are part of it (written by ``analyse`` itself).
ANALYSIS_PARTS = ("opslag", "wijkprofielen")


def refuse_inside_analysis(path: str | Path, out: str | Path, *, option: str) -> None:
    """Refuse ``path`` inside one of the folders the analysis in ``out`` writes itself (``opslag/``)."""
    from woonzorg_geo.core.errors import OutputPathError

    here, root = Path(path).resolve(), Path(out).resolve()
    if root in here.parents and here.relative_to(root).parts[0] in ANALYSIS_PARTS:
        part = here.relative_to(root).parts[0]
        raise OutputPathError(
            f"{option} {path} ligt in {Path(out) / part}, een deel van de analyse in --out {out}; daarin wordt "
            f"niets anders geschreven. Oplossing: kies een eigen map, bijv. {option} {Path(out) / 'kaarten'}"
        )


def raw_data_dir(args: argparse.Namespace) -> Path | None:
    """The raw data folder of ``--data`` (``None`` without it); empty or a file is refused."""
    if args.data is None:
        return None
    path = Path(args.data)
    if not str(args.data).strip():
        raise WoonzorgError("--data is leeg. Oplossing: geef de map met de ruwe gegevens, of laat --data weg")
    if path.exists() and not path.is_dir():
        raise WoonzorgError(
            f"--data {path}: dit is een bestand, geen map. Oplossing: geef de map met de ruwe gegevens (waarin "
            "de mappen van de datasets staan), niet een bestand daaruit"
        )
    return path


#: ``--profiel`` values that mean every profile in the settings.
ALL_PROFILES = ("beide", "alle")


def chosen_profiles(settings: Settings, value: str | None) -> list[str] | None:
    """The profiles ``--profiel`` asks for: ``None`` for all (``beide``/``alle``), else the named ones
    (comma-separated; each must be a profile of the settings, else a Dutch error naming the choices)."""
    if value is None or value.strip().lower() in ALL_PROFILES:
        return None
    names = [v.strip() for v in value.split(",") if v.strip()]
    if not names:
        raise WoonzorgError(
            f"--profiel {value!r} noemt geen profiel. Oplossing: geef een profiel uit de instellingen, bijv. "
            f"--profiel {next(iter(settings.profielen))}, of 'beide'"
        )
    for name in names:
        settings.profile(name, option="--profiel")  # SettingsError naming the known profiles
    return list(dict.fromkeys(names)) or None


def own_lists(args: argparse.Namespace) -> list[Any]:
    """The lists of ``--voorzieningen`` and ``--voorzieningen-vervang``, read and checked (before any data)."""
    from woonzorg_geo.sources.own_lists import read_own_lists

    return read_own_lists(getattr(args, "voorzieningen", None), getattr(args, "voorzieningen_vervang", None))


def require_input_file(path: str, *, option: str, what: str) -> Path:
    """``path`` when it is an existing file; a missing path or a folder is refused naming ``option``."""
    p = Path(path)
    if not str(path).strip():
        raise WoonzorgError(f"{option} is leeg. Oplossing: geef het pad van de {what}")
    if p.is_dir():
        raise WoonzorgError(f"{option} {path}: dit is een map, geen bestand. Oplossing: geef het pad van de {what}")
    if not p.exists():
        raise WoonzorgError(f"{option} {path}: bestand bestaat niet. Oplossing: geef het pad van de {what}")
    return p


def store_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of :func:`.run.reuse.stored_or_fresh` a command's arguments give: ``--data``,
    ``--online``, the own lists (read and checked here) and whether to show progress."""
    from woonzorg_geo.core.progress import show_progress

    return {
        "raw_dir": raw_data_dir(args),
        "online": bool(getattr(args, "online", False)),
        "own_lists": own_lists(args),
        "progress": show_progress(quiet=args.stil),
    }
