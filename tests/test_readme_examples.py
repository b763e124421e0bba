"""The README's examples are exact (issue 24 §7): every `woonzorg-geo` command line in its code
blocks parses with the program's own parser and names files that exist, and what it says about
the example list of `toets --lijst` holds for the file."""

from __future__ import annotations

import csv
import re
import shlex
from pathlib import Path

import pytest

from woonzorg_geo.cli.main import build_parser

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _command_lines() -> list[str]:
    """Every line of a fenced code block that runs woonzorg-geo (continuation lines joined)."""
    out = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.DOTALL):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            m = re.search(r"(?:^|[\s/])woonzorg-geo\s+(.*)$", line)
            if m:
                out.append(m.group(1))
    return out


COMMANDS = _command_lines()


def test_the_readme_has_command_examples():
    assert len(COMMANDS) >= 4, COMMANDS


@pytest.mark.parametrize("line", COMMANDS)
def test_every_example_command_parses(line):
    args = build_parser().parse_args(shlex.split(line))
    assert getattr(args, "func", None) is not None
    for name in ("voorzieningen", "lijst", "register"):
        for value in getattr(args, name, None) or []:
            if isinstance(value, str) and value.startswith("examples/"):
                assert (REPO / value).is_file(), value


def test_example_list_as_the_readme_describes_it():
    m = re.search(
        r"\[`examples/(?P<file>[\w.]+)`\]\(examples/[\w.]+\) \((?P<rows>\d+) rows; regel (?P<bad>\d+) has an "
        r"address\s+that\s+does not exist, regel (?P<out>\d+) a point outside the gemeente\)",
        README,
    )
    assert m, "the README's sentence on the example list changed: update this test"
    with (REPO / "examples" / m["file"]).open(encoding="utf-8", newline="") as fh:
        records = list(csv.reader(fh, delimiter=";"))
    header, rows = records[0], [r for r in records[1:] if any(c.strip() for c in r)]
    assert "adres" in header and "lon" in header  # the first record is the header, not a row
    assert int(m["rows"]) == len(rows)  # rows without the header
    by_regel = {i: dict(zip(header, r)) for i, r in enumerate(records[1:], start=2)}  # the header is regel 1
    assert by_regel[int(m["bad"])]["adres"].strip()  # an address (that does not exist)
    assert not by_regel[int(m["out"])]["adres"].strip() and by_regel[int(m["out"])]["lon"].strip()  # a point
    assert max(by_regel) == int(m["rows"]) + 1
