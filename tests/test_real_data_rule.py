"""The rule for the real-data tests: skip where the data is absent, fail in CI (tests/conftest.py).

Each case runs pytest in a child process on a copy of conftest.py and one test that asks for the
real data, with CI and WOONZORG_DATA set as the case says.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CONFTEST = Path(__file__).with_name("conftest.py")
PROBE = "def test_probe(raw_dir):\n    assert raw_dir.is_dir()\n"


def _start(tmp: Path, name: str, *, ci: str | None, data: Path | None) -> subprocess.Popen:
    folder = tmp / name
    folder.mkdir()
    shutil.copy(CONFTEST, folder / "conftest.py")
    (folder / "test_probe.py").write_text(PROBE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "WOONZORG_DATA")}
    if ci is not None:
        env["CI"] = ci
    if data is not None:
        env["WOONZORG_DATA"] = str(data)
    # the rule is conftest.py's own: no installed plugin is loaded (each took a second of CPU to start)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(folder)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(exit code, output) per case; the child processes run side by side."""
    tmp = tmp_path_factory.mktemp("regel")
    empty = tmp / "leeg"
    empty.mkdir()
    cases = {
        "ci_empty": {"ci": "true", "data": empty},
        "local_empty": {"ci": None, "data": empty},
        "ci_false": {"ci": "false", "data": empty},
        "ci_missing_folder": {"ci": "TRUE", "data": tmp / "bestaat_niet"},
        "local_missing_folder": {"ci": None, "data": tmp / "bestaat_niet"},
    }
    procs = {name: _start(tmp, name, **kw) for name, kw in cases.items()}
    return {name: (p.wait(timeout=120), p.stdout.read()) for name, p in procs.items()}


@pytest.mark.parametrize("case", ["ci_empty", "ci_missing_folder"])
def test_ci_fails_without_the_data(runs, case):
    # catches: CI passing green while every real-data test was skipped
    code, out = runs[case]
    assert code == 1, out
    assert "1 error" in out and "skipped" not in out, out
    assert "WOONZORG_DATA" in out and "the real-data tests must run here" in out, out


def test_empty_folder_is_absent_and_named(runs):
    # catches: an empty or wrong WOONZORG_DATA counted as data (then every test errors on a file)
    _code, out = runs["ci_empty"]
    assert "lacks" in out and "osm_tiles" in out, out


@pytest.mark.parametrize("case", ["local_empty", "ci_false", "local_missing_folder"])
def test_locally_the_tests_skip_with_the_reason(runs, case):
    # catches: a machine without the data failing, or skipping without saying why
    code, out = runs[case]
    assert code == 0, out
    assert "1 skipped" in out and "real data:" in out, out


def test_a_wrong_folder_is_not_replaced_by_another(runs):
    # catches: WOONZORG_DATA pointing nowhere silently falling back to ../shared (the old rule)
    _code, out = runs["local_missing_folder"]
    assert "bestaat_niet is not a folder" in out, out
