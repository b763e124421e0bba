"""Shared fixtures: the real data in ../shared (skipped where absent, failing in CI) and small inputs."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

try:
    import fcntl
except ImportError:  # not on Windows: there each xdist worker makes the shared folders itself
    fcntl = None  # type: ignore[assignment]

REPO = Path(__file__).resolve().parents[1]

#: The expensive groups of tests, longest first (``xdist_group`` marks in their files). With
#: ``pytest -n 2`` (``--dist loadgroup --no-loadscope-reorder``, see pyproject.toml) the tests of a
#: group run on one worker, so the real run they share is made once, and the groups here are handed
#: out before all other tests, so that no worker is still busy with a long group while the other has
#: nothing left to do. A test without a group of its own that uses a module-scoped fixture is grouped
#: with its file, so that the fixture is built once too. A group must hold every test that uses its
#: module-scoped fixtures, or the fixture is built again for the tests outside it.
SLOW_GROUPS = (
    "kill",
    "chain_norm600",
    "chain_senior",
    "driver",
    "regio_dask",
    "analyse_emmen",
    "analyse_westerveld",
    "locaties_assen",
    "xss_assen",
)


def in_ci() -> bool:
    """True when the environment variable CI says so (``true``, ``1`` or ``yes``, any case)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def find_real_data() -> tuple[Path | None, str]:
    """The real raw data folder, or None and why it is not usable.

    The folder is ``WOONZORG_DATA`` when that is set (and then only that: a wrong value is not
    covered up by another folder), else the first ``shared/geodata/raw`` above the repository.
    It counts as present when every file the default settings name under ``[data]`` is in it.
    """
    env = os.environ.get("WOONZORG_DATA")
    if env:
        folder: Path | None = Path(env).expanduser()
        where = f"WOONZORG_DATA={env}"
    else:
        folder = next(
            (
                p / "shared" / "geodata" / "raw"
                for p in [REPO, *REPO.parents]
                if (p / "shared" / "geodata" / "raw").is_dir()
            ),
            None,
        )
        where = "../shared/geodata/raw"
        if folder is None:
            return None, f"real data: no {where} above {REPO} and WOONZORG_DATA is not set"
    if not folder.is_dir():
        return None, f"real data: {where} is not a folder"
    from woonzorg_geo.core.settings_loader import load_settings
    from woonzorg_geo.sources.datasets import resolve_paths

    missing = [
        f"{key} ({path})" for key, path in resolve_paths(load_settings(), raw_dir=folder).items() if not path.exists()
    ]
    if missing:
        return None, f"real data: {where} lacks {', '.join(missing)}"
    return folder, ""


def _group(item: pytest.Item) -> str:
    """The item's ``xdist_group``: its own mark, else its file where it uses a module-scoped fixture.

    A test without either is a group of its own (its node id): it can run on any worker.
    """
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    info = getattr(item, "_fixtureinfo", None)  # pytest's own record of the item's fixtures
    defs = [d for ds in info.name2fixturedefs.values() for d in ds] if info is not None else None
    if defs is not None and not any(d.scope in ("module", "class", "package") for d in defs):
        return item.nodeid
    name = item.nodeid.split("::", 1)[0]
    item.add_marker(pytest.mark.xdist_group(name))
    return name


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group every test (its file unless marked) and order the groups, each group's tests together.

    First the slow groups (longest first), then the groups with a test on the real data, then the
    rest, each part in the order of the collection: the many small groups at the end fill up
    whichever worker finishes first. ``tryfirst``: pytest-xdist reads the ``xdist_group`` marks in
    its own hook of this name.
    """
    rank: dict[str, int] = {}
    first: dict[str, int] = {}
    groups = [_group(item) for item in items]
    slow = {name: i for i, name in enumerate(SLOW_GROUPS)}
    for i, (item, group) in enumerate(zip(items, groups, strict=True)):
        first.setdefault(group, i)
        real = "raw_dir" in getattr(item, "fixturenames", ())
        here = slow.get(group, len(slow) + (0 if real else 1))
        rank[group] = min(rank.get(group, here), here)
    order = sorted(range(len(items)), key=lambda i: (rank[groups[i]], first[groups[i]], i))
    items[:] = [items[i] for i in order]


#: The folders :func:`made_once` made or found, with their :func:`_signature` when made.
_SHARED: dict[Path, dict[str, list[int]]] = {}


def _signature(folder: Path) -> dict[str, list[int]]:
    """Each file below ``folder``: inode, size and modification time (ns); any write into a file changes it."""
    return {
        p.relative_to(folder).as_posix(): [st.st_ino, st.st_size, st.st_mtime_ns]
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.is_symlink()
        for st in [p.stat()]
    }


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder ``make`` fills once for the whole test run, shared by the xdist workers.

    Under ``pytest -n N`` the first worker to ask makes it, in the run's temporary folder beside the
    workers' own (``getbasetemp().parent``), holding a lock; a worker asking meanwhile waits for it
    and then uses the same folder. Without xdist (or without ``fcntl``) each session makes its own.
    Tests must not change what is in it (copy it first, e.g. ``badinput.linked_copy``), as with any
    session fixture: after each test, :func:`_shared_folders_unchanged` checks that they did not.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ or fcntl is None:
        folder = tmp_path_factory.mktemp(name)
        make(folder)
        _SHARED[folder] = _signature(folder)
        return folder
    run_dir = tmp_path_factory.getbasetemp().parent
    folder, done = run_dir / f"gedeeld-{name}", run_dir / f"gedeeld-{name}.klaar"
    with (run_dir / f"gedeeld-{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a worker that failed left
            folder.mkdir()
            make(folder)
            done.write_text(json.dumps(_signature(folder)), encoding="utf-8")
    _SHARED[folder] = json.loads(done.read_text(encoding="utf-8"))
    return folder


@pytest.fixture(autouse=True)
def _shared_folders_unchanged() -> Iterator[None]:
    """After each test: the folders shared by all tests (:func:`made_once`) are as they were made.

    A test that changed a file of one in place (directly, or through a hard link of
    ``badinput.linked_copy`` it did not :func:`badinput.unshare`) fails here, instead of the tests
    after it that read the changed file. Only file metadata is read (a few dozen ``stat`` calls).
    """
    yield
    for folder, made in _SHARED.items():
        now = _signature(folder)
        if now != made:
            _SHARED[folder] = now  # reported once
            changed = sorted(k for k in made.keys() | now.keys() if made.get(k) != now.get(k))
            pytest.fail(f"the shared folder {folder} was changed (during this test or before it): {changed[:10]}")


@pytest.fixture(scope="module")
def module_tmp(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Path]]:
    """``tmp_path_factory.mktemp`` for a module's shared runs, whose folders go when its tests are done.

    A module-scoped fixture's folder (a whole ``analyse`` with its maps: 100-300 MB) is otherwise kept
    to the end of the session, beside every other module's. It is kept if a test failed meanwhile.
    """
    made: list[Path] = []
    failed = request.session.testsfailed

    def mktemp(name: str) -> Path:
        made.append(tmp_path_factory.mktemp(name))
        return made[-1]

    yield mktemp
    if request.session.testsfailed == failed:
        for folder in made:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def raw_dir() -> Path:
    """The real raw data folder.

    Where it is absent, the tests that need it skip with the reason; in CI (``CI=true``) they fail
    instead, so a CI run without the data cannot pass by skipping them.
    """
    folder, why = find_real_data()
    if folder is None:
        if in_ci():
            pytest.fail(
                f"{why} (CI={os.environ['CI']}: the real-data tests must run here; "
                "set WOONZORG_DATA to the raw data folder)",
                pytrace=False,
            )
        pytest.skip(why)
    return folder


@pytest.fixture(scope="session")
def settings():
    from woonzorg_geo.core.settings_loader import load_settings

    return load_settings()


@pytest.fixture(scope="session")
def assen_inputs(raw_dir, settings):
    """All offline inputs for Assen, loaded once per session (~5 s)."""
    from woonzorg_geo.sources.datasets import load_offline

    return load_offline(settings, raw_dir=raw_dir)


@pytest.fixture(scope="session")
def assen_analysis(assen_inputs, settings):
    """The accessibility analysis of Assen (both profiles), in memory."""
    from woonzorg_geo.areas.analysis import analyse

    return analyse(settings, inputs=assen_inputs)


@pytest.fixture(scope="session")
def assen_output(raw_dir, tmp_path_factory):
    """A full `woonzorg-geo analyse` run on the real data, as a user starts it (maps beside it).

    Made once for all xdist workers (see :func:`made_once`): read it, or copy it to change it.
    """
    from woonzorg_geo.cli.main import main

    def run(root: Path) -> None:
        args = ["--stil", "--data", str(raw_dir), "analyse", "--out", str(root / "output")]
        assert main([*args, "--kaarten", str(root / "maps"), "--offline"]) == 0

    return made_once(tmp_path_factory, "analyse", run) / "output"


@pytest.fixture(scope="session")
def locaties_output(raw_dir, tmp_path_factory):
    """A `woonzorg-geo locaties --top 20` run on the real data (Assen), as a user starts it: its folder
    with ``output`` and ``maps``. The tests that read it are in the xdist group ``locaties_assen``."""
    from woonzorg_geo.cli.main import main

    root = tmp_path_factory.mktemp("locaties")
    code = main(
        [
            "--stil",
            "--data",
            str(raw_dir),
            "locaties",
            "--top",
            "20",
            "--out",
            str(root / "output"),
            "--kaarten",
            str(root / "maps"),
            "--offline",
        ]
    )
    assert code == 0
    return root


@pytest.fixture(scope="session")
def emmen_output(raw_dir, tmp_path_factory):
    """`woonzorg-geo analyse --gemeente Emmen` (the largest gemeente) on the real data, with its maps: the
    folder with ``output`` and ``maps``. The tests that read it are in the xdist group ``analyse_emmen``."""
    from woonzorg_geo.cli.main import main

    root = tmp_path_factory.mktemp("emmen")
    args = ["--stil", "--data", str(raw_dir), "analyse", "--gemeente", "Emmen", "--out", str(root / "output")]
    assert main([*args, "--kaarten", str(root / "maps"), "--offline"]) == 0
    return root


@pytest.fixture()
def local_network(monkeypatch):
    """Requests to the stand-in servers on 127.0.0.1 never go through a proxy."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
