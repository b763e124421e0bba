"""The browser tests skip where Chromium is missing, but fail in CI (as the QGIS and real-data tests do)."""

from __future__ import annotations

from pathlib import Path

import pytest
from chromium import missing_chromium, require_chromium

ABSENT = Path("/nonexistent/chromium")


@pytest.mark.parametrize("ci", ["", "false", "0"])
def test_missing_chromium_skips_outside_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="is not installed"):
        require_chromium("the probe", ABSENT)


@pytest.mark.parametrize("ci", ["true", "1", "YES"])
def test_missing_chromium_fails_in_ci(monkeypatch, ci):
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="must run in CI"):
        require_chromium("the probe", ABSENT)


def test_the_reason_names_the_missing_browser():
    assert str(ABSENT) in missing_chromium(ABSENT)
