"""The package's layout is its flow: stages as folders, each importing only from the stages before it.

``core → sources → network → areas → (sites | toets | whatif) → outputs → run → app → cli``: this
test reads every module's imports (module level, inside functions and under ``TYPE_CHECKING``
alike, since a type-only import still couples two modules) and fails on

- an import from a later stage, or from a sibling stage (sites, toets and whatif do not know
  each other: what combines them lives in ``run``);
- an import cycle between modules (a strongly connected component of more than one module);
- a relative import (every import names its stage);
- a module that imports a private name (``_x``) from another module;
- a module of :data:`MAX_LINES` lines or more (the house has no god-modules).

Each check is shown to be able to fail on a small made-up package (``test_checks_can_fail``).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

import woonzorg_geo

PACKAGE = Path(woonzorg_geo.__file__).resolve().parent

#: Stage order. The root package (``woonzorg_geo``: version, CRS constants, the lazy public API)
#: and ``data`` (settings files) belong to no stage.
STAGES = {
    "core": 0,
    "sources": 1,
    "network": 2,
    "areas": 3,
    "sites": 4,
    "toets": 4,
    "whatif": 4,
    "outputs": 5,
    "run": 6,
    "app": 7,
    "cli": 8,
    "__main__": 9,
}


def read_modules(root: Path, name: str = "woonzorg_geo") -> dict[str, Path]:
    """Dotted module name → file, for every module under ``root`` (a package folder)."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imports(modules: dict[str, Path], name: str = "woonzorg_geo") -> dict[str, list[tuple[str, str, int]]]:
    """Per module, ``(target module, imported name or '', line)`` of each import of the package."""
    found: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
    for mod, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    found[mod].append(("<relative>", "", node.lineno))
                    continue
                if not node.module or not (node.module == name or node.module.startswith(name + ".")):
                    continue
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    if sub in modules:
                        found[mod].append((sub, "", node.lineno))
                    else:
                        found[mod].append((node.module, alias.name, node.lineno))
            elif isinstance(node, ast.Import):
                found[mod] += [(a.name, "", node.lineno) for a in node.names if a.name.startswith(name + ".")]
    return found


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in STAGES else None


def stage_violations(found: dict[str, list[tuple[str, str, int]]]) -> list[str]:
    bad = []
    for mod, targets in found.items():
        own = stage_of(mod)
        for target, _, line in targets:
            theirs = stage_of(target)
            if own is None or theirs is None or own == theirs:
                continue
            if STAGES[theirs] >= STAGES[own]:
                bad.append(f"{mod}:{line} imports {target} ({theirs} is not before {own})")
    return bad


def private_imports(found: dict[str, list[tuple[str, str, int]]]) -> list[str]:
    return [
        f"{mod}:{line} imports {name} from {target}"
        for mod, targets in found.items()
        for target, name, line in targets
        if name.startswith("_") and not name.startswith("__") and target != mod
    ]


def relative_imports(found: dict[str, list[tuple[str, str, int]]]) -> list[str]:
    return [f"{mod}:{line}" for mod, targets in found.items() for target, _, line in targets if target == "<relative>"]


def cycles(found: dict[str, list[tuple[str, str, int]]], modules: dict[str, Path]) -> list[list[str]]:
    """The import cycles: strongly connected components (Tarjan) of more than one module.

    Importing ``a.b.c`` also imports the packages ``a.b`` (their ``__init__``), except from inside them.
    """
    edges: dict[str, set[str]] = defaultdict(set)
    for mod, targets in found.items():
        for target, _, _ in targets:
            parts = target.split(".")
            for i in range(2, len(parts) + 1):
                t = ".".join(parts[:i])
                if t in modules and t != mod and not mod.startswith(t + "."):
                    edges[mod].add(t)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(modules):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def package() -> tuple[dict[str, Path], dict[str, list[tuple[str, str, int]]]]:
    modules = read_modules(PACKAGE)
    return modules, imports(modules)


def test_top_level_shows_the_stages() -> None:
    """Only the stages (and the root's own files, the settings data) at the top of the package."""
    entries = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    assert entries == {*[s for s in STAGES if s != "__main__"], "__init__.py", "__main__.py", "data", "py.typed"}


def test_each_stage_imports_only_from_earlier_stages(package) -> None:
    found = package[1]
    assert stage_violations(found) == []


def test_no_import_cycle(package) -> None:
    modules, found = package
    assert cycles(found, modules) == []


def test_no_relative_import(package) -> None:
    assert relative_imports(package[1]) == []


def test_checks_can_fail(tmp_path: Path) -> None:
    """The checks find a backward import, a cycle, a relative and a private cross-import."""
    pkg = tmp_path / "woonzorg_geo"
    (pkg / "core").mkdir(parents=True)
    (pkg / "run").mkdir()
    for init in (pkg, pkg / "core", pkg / "run"):
        (init / "__init__.py").write_text("")
    (pkg / "core" / "a.py").write_text("from woonzorg_geo.run.b import _helper\n")
    (pkg / "run" / "b.py").write_text("from woonzorg_geo.core import a\nfrom . import c\n\n\ndef _helper(): ...\n")
    modules = read_modules(pkg)
    found = imports(modules)
    assert stage_violations(found) == ["woonzorg_geo.core.a:1 imports woonzorg_geo.run.b (run is not before core)"]
    assert cycles(found, modules) == [["woonzorg_geo.core.a", "woonzorg_geo.run.b"]]
    assert relative_imports(found) == ["woonzorg_geo.run.b:2"]
    assert private_imports(found) == ["woonzorg_geo.core.a:1 imports _helper from woonzorg_geo.run.b"]


#: The largest module the house allows (issue 22: "the largest module is below 600 lines").
MAX_LINES = 600


def test_no_private_name_crosses_a_module(package) -> None:
    assert private_imports(package[1]) == []


def test_no_module_reaches_the_size_limit(package) -> None:
    modules, _ = package
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules.items()}
    assert {m: n for m, n in sizes.items() if n >= MAX_LINES} == {}


def readme_layout() -> dict[str, set[str]]:
    """The README's Layout block: per top-level folder, the words its entry names."""
    text = (PACKAGE.parents[1] / "README.md").read_text(encoding="utf-8")
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    entries: dict[str, set[str]] = {}
    current = None
    for line in block.splitlines():
        if line and not line[0].isspace():
            current, _, line = line.partition("/")
            entries[current] = set()
        if current is not None:
            entries[current] |= set(re.findall(r"[a-z_]+", line))
    return entries


def test_readme_layout_names_every_stage_and_module() -> None:
    """The README's Layout section lists every stage folder and, in its entry, every module of it."""
    entries = readme_layout()
    missing = {}
    for stage in (s for s in STAGES if s != "__main__"):
        folder = PACKAGE / stage
        names = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
        names |= {p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
        lacking = sorted(names - entries.get(stage, set()))
        if stage not in entries or lacking:
            missing[stage] = lacking
    assert missing == {}
