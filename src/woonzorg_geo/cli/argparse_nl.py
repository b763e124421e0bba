"""Argparse in Dutch: the help's own words ("gebruik:", "opties", "toon deze hulp en stop") and its
error messages, each with the fix.

Argparse's own strings are English and passed through :func:`gettext.gettext` of the global domain
when the module is imported, so they cannot be translated per parser by a catalogue without
changing the whole process's translation. Instead :class:`DutchParser` sets them where argparse
reads them: the usage prefix (:class:`DutchHelpFormatter`), the titles of the two argument groups,
the ``-h/--help`` and ``--version`` help texts, and the error messages (translated by pattern in
:meth:`DutchParser.error`). Every subcommand's parser is a :class:`DutchParser` too, as
``add_subparsers`` makes its parsers of the parent's class.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

#: Argparse's group titles in Dutch.
POSITIONALS_TITLE = "positionele argumenten"
OPTIONALS_TITLE = "opties"
USAGE_PREFIX = "gebruik: "
HELP_TEXT = "toon deze hulp en stop"
VERSION_TEXT = "toon het versienummer en stop"

#: argparse's English messages and their Dutch text with the fix (Python 3.11's wording).
PARSER_MESSAGES: tuple[tuple[str, str], ...] = (
    (
        r"argument (?P<opt>\S+): invalid choice: (?P<value>.+) \(choose from (?P<choices>.+)\)",
        "{opt} {value} is geen geldige keuze. Oplossing: kies uit {choices}",
    ),
    (
        r"argument (?P<opt>\S+): invalid int value: (?P<value>.+)",
        "{opt} {value} is geen geheel getal. Oplossing: geef een geheel getal, bijv. {opt} 10",
    ),
    (
        r"argument (?P<opt>\S+): invalid float value: (?P<value>.+)",
        "{opt} {value} is geen getal. Oplossing: geef een getal met een punt als decimaalteken",
    ),
    (
        r"argument (?P<opt>\S+): invalid (?P<type>\S+) value: (?P<value>.+)",
        "{opt} {value} is geen geldige waarde. Oplossing: zie '--help' voor wat {opt} verwacht",
    ),
    (
        r"argument (?P<opt>\S+): expected one argument",
        "{opt} heeft een waarde nodig. Oplossing: zet de waarde direct achter {opt}",
    ),
    (
        r"argument (?P<opt>\S+): expected at most one argument",
        "{opt} neemt hoogstens één waarde. Oplossing: geef één waarde of geen",
    ),
    (
        r"argument (?P<opt>\S+): expected at least one argument",
        "{opt} heeft minstens één waarde nodig. Oplossing: zet de waarde(n) direct achter {opt}",
    ),
    (
        r"argument (?P<opt>\S+): expected (?P<n>\d+) arguments?",
        "{opt} heeft {n} waarden nodig. Oplossing: zet ze direct achter {opt}",
    ),
    (
        r"argument (?P<opt>\S+): not allowed with argument (?P<other>\S+)",
        "{opt} en {other} gaan niet samen. Oplossing: kies er één",
    ),
    (
        r"argument (?P<opt>\S+): ignored explicit argument (?P<value>.+)",
        "{opt} neemt geen waarde, maar kreeg {value}. Oplossing: laat de waarde weg",
    ),
    (
        r"the following arguments are required: (?P<opts>.+)",
        "verplicht en niet opgegeven: {opts}. Oplossing: geef {opts} op",
    ),
    (
        r"one of the arguments (?P<opts>.+) is required",
        "een van {opts} is verplicht. Oplossing: geef er één op",
    ),
    (
        r"unrecognized arguments: (?P<args>.+)",
        "onbekende optie(s) of waarde(n): {args}. Oplossing: controleer de spelling; zie de lijst met --help",
    ),
    (
        r"ambiguous option: (?P<opt>\S+) could match (?P<matches>.+)",
        "{opt} kan meer opties zijn: {matches}. Oplossing: schrijf de optie voluit",
    ),
    (
        r"unexpected option string: (?P<opt>.+)",
        "onverwachte optie {opt}. Oplossing: zie de lijst met --help",
    ),
    (  # a type function's own Dutch message, which names the fix itself (e.g. --omvang)
        r"argument (?P<opt>\S+): (?P<msg>.+ Oplossing: .+)",
        "{opt} {msg}",
    ),
)


def dutch_message(message: str, prog: str) -> str:
    """Argparse's English error ``message`` in Dutch, with the fix; an unknown one gets a pointer to ``--help``."""
    for pattern, template in PARSER_MESSAGES:
        found = re.fullmatch(pattern, message)
        if found:
            return template.format(**found.groupdict())
    return f"{message}. Oplossing: zie de opties met '{prog} --help'"


class DutchHelpFormatter(argparse.HelpFormatter):
    """A help formatter whose usage line starts with ``gebruik:``."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, USAGE_PREFIX if prefix is None else prefix)


class DutchParser(argparse.ArgumentParser):
    """An argument parser whose help and errors are Dutch (errors with the fix, exit code 2 as argparse's)."""

    def __init__(self, *, add_help: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", DutchHelpFormatter)
        super().__init__(add_help=False, **kwargs)
        self._positionals.title = POSITIONALS_TITLE
        self._optionals.title = OPTIONALS_TITLE
        if add_help:
            prefix = "-" if "-" in self.prefix_chars else self.prefix_chars[0]
            self.add_argument(
                prefix + "h", prefix * 2 + "help", action="help", default=argparse.SUPPRESS, help=HELP_TEXT
            )

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        """As argparse's; a ``version`` action gets its Dutch help text."""
        if kwargs.get("action") == "version":
            kwargs.setdefault("help", VERSION_TEXT)
        return super().add_argument(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print the usage and the Dutch message with its fix to stderr; exit with code 2."""
        self.print_usage(sys.stderr)
        self.exit(2, f"Fout: {self.prog}: {dutch_message(message, self.prog)}\n")
