"""Dutch ``--help`` throughout (issue 24 §7): ``woonzorg-geo --help`` and every subcommand's ``--help``
contain none of argparse's own English strings, nor do its error messages."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import pytest

from woonzorg_geo.cli.argparse_nl import HELP_TEXT, OPTIONALS_TITLE, USAGE_PREFIX
from woonzorg_geo.cli.main import build_parser, main


def _english_fragments() -> list[str]:
    """Every message argparse passes through gettext (and its --version help), cut at its
    placeholders into the English fragments a Dutch text would never contain."""
    source = Path(argparse.__file__).read_text(encoding="utf-8")
    messages = re.findall(r"""_\(\s*['"]([^'"]+)['"]\s*\)""", source)
    messages += re.findall(r"""ngettext\(\s*['"]([^'"]+)['"]""", source)
    messages.append("show program's version number and exit")
    fragments = set()
    for msg in messages:
        for part in re.split(r"%\(\w+\)[sr]|%[sr]", msg):
            part = part.strip(" :.()\n")
            if len(part) >= 6 or " " in part:
                fragments.add(part)
    # argparse's English words that must be gone even where they are a single short word
    fragments |= {"usage:", "options:", "error:"}
    return sorted(fragments)


ENGLISH = _english_fragments()


def _english_in(text: str) -> list[str]:
    """The English fragments in ``text``, as whole words (``argument`` is not in ``argumenten``)."""
    return [f for f in ENGLISH if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", text)]


def test_the_check_knows_argparse_english():
    assert {"positional arguments", "show this help message and exit", "usage:", "options:"} <= set(ENGLISH)
    assert "invalid choice" in ENGLISH and "the following arguments are required" in ENGLISH
    plain = argparse.ArgumentParser(prog="x").format_help()
    assert _english_in(plain)  # the check finds argparse's own help English


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert len(subs) == 1
    return dict(subs[0].choices)


def test_console_help_is_dutch():
    """``woonzorg-geo --help`` as a user runs it (the module's entry point, in a fresh process)."""
    done = subprocess.run(
        [sys.executable, "-m", "woonzorg_geo", "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(USAGE_PREFIX)
    assert f"{OPTIONALS_TITLE}:" in done.stdout and HELP_TEXT in done.stdout
    assert _english_in(done.stdout) == []


@pytest.mark.parametrize("command", sorted(_subcommands()))
def test_every_subcommand_help_is_dutch(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{USAGE_PREFIX}woonzorg-geo {command}")
    assert HELP_TEXT in out
    assert _english_in(out) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["--onbekend"],
        ["kaarten", "--profiel"],
        ["figuren", "--formaat", "gif"],
        ["toets", "--adres", "Brink 1, Assen", "--punt", "6.5,53.0"],
        ["voorzieningen"],
        ["locaties", "--top", "veel"],
        ["regio", "--workers", "2,5"],
        ["analyse", "--o", "x"],  # --out, --online or --offline
    ],
)
def test_errors_are_dutch_with_the_fix(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(USAGE_PREFIX) and "Fout: woonzorg-geo" in err and "Oplossing:" in err
    assert _english_in(err) == []
