"""Shared fixtures: the real data in ../shared (skipped where absent) and small synthetic inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _find_raw() -> Path | None:
    env = os.environ.get("WOONZORG_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    for parent in [REPO, *REPO.parents]:
        cand = parent / "shared" / "geodata" / "raw"
        if cand.is_dir():
            return cand
    return None


RAW = _find_raw()
SKIP_REAL = "real data: ../shared/geodata/raw (or WOONZORG_DATA) is not present on this machine"


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The real raw data folder; tests that need it skip with a reason where it is absent."""
    if RAW is None:
        pytest.skip(SKIP_REAL)
    return RAW


@pytest.fixture(scope="session")
def settings():
    from woonzorg_geo.config import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def assen_inputs(raw_dir, settings):
    """All offline inputs for Assen, loaded once per session (~5 s)."""
    from woonzorg_geo.datasets import load_offline

    return load_offline(settings, raw_dir=raw_dir)


@pytest.fixture(scope="session")
def assen_analysis(assen_inputs, settings):
    """The accessibility analysis of Assen (both profiles), in memory."""
    from woonzorg_geo.pipeline import analyse

    return analyse(settings, inputs=assen_inputs)


@pytest.fixture(scope="session")
def assen_output(raw_dir, tmp_path_factory):
    """A full `woonzorg-geo analyse` run on the real data, as a user starts it (maps beside it)."""
    from woonzorg_geo.cli import main

    root = tmp_path_factory.mktemp("analyse")
    out = root / "output"
    code = main(["--stil", "--data", str(raw_dir), "analyse", "--out", str(out), "--kaarten", str(root / "maps"),
                 "--offline"])
    assert code == 0
    return out


@pytest.fixture()
def local_network(monkeypatch):
    """Requests to the stand-in servers on 127.0.0.1 never go through a proxy."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
