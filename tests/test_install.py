"""The package works installed, not only from a checkout.

What a wheel ships is decided by ``pyproject.toml``: every file the default settings and the
catalogue name must lie in the package and match its package-data globs; every third-party module
the package imports must be a declared dependency; ``python -m woonzorg_geo`` is the command line.
(.ci/smoke-install builds the wheel, installs it in a fresh venv and runs ``analyse`` from an empty
folder; these are the quick checks of the same promises.)
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata as md
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import woonzorg_geo
from woonzorg_geo.areas.overlays import PACKAGE_DATA_DIR, read_wijkcijfers, resolve_data_path
from woonzorg_geo.core.errors import MissingDataError
from woonzorg_geo.core.settings_loader import load_settings
from woonzorg_geo.outputs.report import read_facts
from woonzorg_geo.sources.catalogue import load_catalogue

REPO = Path(__file__).resolve().parents[1]
PACKAGE = Path(woonzorg_geo.__file__).resolve().parent
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))


def _shipped(path: Path) -> bool:
    """Whether ``path`` (a file of the package) matches the package-data globs of pyproject.toml."""
    rel = path.relative_to(PACKAGE).as_posix()
    if rel.endswith(".py"):
        return True
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["woonzorg_geo"]
    return any(fnmatch.fnmatchcase(rel, g) and rel.count("/") == g.count("/") for g in globs)


def _default_tables() -> dict[str, str]:
    """Every report table the default settings and the catalogue name: ``{where: path}``."""
    s = load_settings()
    named = {f"instellingen.overlays.{k}": getattr(s.overlays, k) for k in ("wijkcijfers", "buurtsignalen", "feiten")}
    for code, entry in load_catalogue().entries.items():
        for key, value in entry.overlay_files.items():
            if key != "bron_rapport":
                named[f"gemeenten.{code}.overlays.{key}"] = value
    return named


def test_the_default_tables_are_package_data(tmp_path, monkeypatch):
    named = _default_tables()
    assert len(named) >= 6, named  # the settings' three and Assen's three in the catalogue
    monkeypatch.chdir(tmp_path)  # an unrelated working folder, as for an installed package
    for where, value in named.items():
        assert not Path(value).is_absolute(), (where, value)
        found = resolve_data_path(value)
        assert found.is_file(), f"{where} = {value!r} is not found from an unrelated folder"
        assert found.resolve().is_relative_to(PACKAGE / "data"), (where, found)
        assert _shipped(found.resolve()), f"{where}: {found} is not matched by [tool.setuptools.package-data]"
    # and they read: the tables the overlays and the wijkprofielen use
    s = load_settings()
    assert len(read_wijkcijfers(s.overlays.wijkcijfers)) >= 10
    assert len(read_facts(s.overlays.feiten)) > 0


def test_every_data_file_of_the_package_is_shipped():
    files = [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert any(p.suffix == ".csv" for p in files) and any(p.suffix == ".html" for p in files)
    missing = [str(p.relative_to(PACKAGE)) for p in files if not _shipped(p)]
    assert not missing, f"files in the package that a wheel would leave out: {missing}"


def test_no_copy_of_the_report_tables_outside_the_package():
    """One copy: the tables live in the package only (the checkout's geodata/ is gone)."""
    shipped = {p.name for p in (PACKAGE_DATA_DIR / "rapporten").glob("*.csv")}
    assert shipped, "no report tables in the package"
    elsewhere = []
    for folder, dirs, files in os.walk(REPO):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("build", "node_modules")]
        here = Path(folder)
        elsewhere += [here / f for f in files if f in shipped and not here.resolve().is_relative_to(PACKAGE)]
    assert not elsewhere, elsewhere
    assert not (REPO / "geodata").exists()


def test_a_relative_path_is_read_from_the_working_folder_first(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rel = "rapporten/assen_wijkprofielen.csv"
    assert resolve_data_path(rel) == PACKAGE_DATA_DIR / rel
    own = tmp_path / rel
    own.parent.mkdir()
    own.write_text("wijkcode,pct_eenpersoonshuishoudens\nWK010600,50\n", encoding="utf-8")
    assert resolve_data_path(rel) == Path(rel)  # the planner's own file wins
    assert list(read_wijkcijfers(rel).index) == ["WK010600"]
    absolute = tmp_path / "elders.csv"
    assert resolve_data_path(absolute) == absolute  # as given, even when absent


def test_a_table_found_nowhere_is_named_as_the_settings_name_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MissingDataError, match=r"rapporten/bestaat_niet\.csv") as err:
        read_wijkcijfers("rapporten/bestaat_niet.csv")
    assert "Oplossing" in str(err.value)


def _imports(src: Path) -> set[str]:
    mods: set[str] = set()
    for f in src.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                mods |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods.add(node.module.split(".")[0])
    return mods - set(sys.stdlib_module_names) - {"woonzorg_geo", "_typeshed"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_names(reqs: list[str]) -> set[str]:
    """The distributions ``reqs`` name; ``dask[distributed]`` names dask and its extra distributed."""
    names = set()
    for r in reqs:
        m = re.match(r"([A-Za-z0-9_.-]+)(?:\[([^\]]*)\])?", r)
        assert m, r
        names.add(_norm(m.group(1)))
        if m.group(1) == "dask" and m.group(2):
            names |= {_norm(e) for e in m.group(2).split(",")}
    return names


def test_every_imported_library_is_a_declared_dependency():
    """What the package imports directly is declared (not left to arrive with another library)."""
    declared = _requirement_names(PYPROJECT["project"]["dependencies"])
    dev = _requirement_names(PYPROJECT["project"]["optional-dependencies"]["dev"])
    dists = md.packages_distributions()
    imported = _imports(PACKAGE)
    assert {"geopandas", "branca", "affine", "markupsafe"} <= imported  # the scan sees the imports
    undeclared = {m: dists.get(m) for m in imported if not {_norm(d) for d in dists.get(m, [m])} & declared}
    assert not undeclared, f"imported by the package but not in [project].dependencies: {undeclared}"
    # a runtime dependency the package does not import belongs in dev (or is used without import)
    used_without_import = {"pyarrow", "django-js-lib-leaflet", "dask"}  # GeoParquet, Leaflet files, distributed
    imported_dists = {_norm(d) for m in imported for d in dists.get(m, [m])}
    unused = declared - imported_dists - used_without_import
    assert not unused, f"declared but never imported by the package (test-only? move to dev): {unused}"
    assert "networkx" not in declared and "networkx" in dev


def test_build_system_can_build_the_declared_licence():
    """``license = "MIT"`` (an SPDX expression, PEP 639) needs setuptools 77 or newer."""
    assert isinstance(PYPROJECT["project"]["license"], str)
    (req,) = [r for r in PYPROJECT["build-system"]["requires"] if r.startswith("setuptools")]
    m = re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", req)
    assert m and int(m.group(1)) >= 77, req


def _python_m(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE.parent), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "woonzorg_geo", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
        env=env,
    )


def test_python_m_woonzorg_geo_is_the_command_line(tmp_path):
    r = _python_m("--version", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == f"woonzorg-geo {woonzorg_geo.__version__}"
    # its exit codes are the command line's: a WoonzorgError is exit 2 with the one-line message
    r = _python_m("--instellingen", str(tmp_path / "geen.toml"), "data", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "geen.toml" in r.stderr and "Oplossing" in r.stderr, r.stderr


def test_the_version_is_declared_once():
    assert PYPROJECT["project"]["dynamic"] == ["version"] and "version" not in PYPROJECT["project"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "woonzorg_geo.__version__"}
