"""The public API of ``import woonzorg_geo as wzg``: every name resolves, is documented and listed once.

Each public name must be the object its defining module documents (a function or class), whatever
was imported before: a submodule of the same name as a public function used to take its place on
the package once anything imported it (``wzg.analyse`` then ``wzg.aggregate(...)`` raised "'module'
object is not callable"). The order matters, so the checks run in fresh interpreters.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
import types

import pytest

import woonzorg_geo as wzg

CONSTANTS = ("RD_NEW", "WGS84", "__version__")

#: Run in a fresh interpreter: the steps named in argv (``access NAME``, ``walk``), then a report of what
#: every public name is at that moment. ``walk`` imports every submodule of the package.
_PROBE = r"""
import importlib, json, pkgutil, sys, types
import woonzorg_geo as wzg

def state():
    objs = {name: getattr(wzg, name) for name in wzg._API}  # what a user gets, before the check imports
    out = {}
    for name, module in wzg._API.items():
        obj = objs[name]
        home = getattr(importlib.import_module(f"woonzorg_geo.{module}"), name)
        out[name] = {
            "is_home": obj is home,
            "module_object": isinstance(obj, types.ModuleType),
            "callable": callable(obj),
            "qualname": f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', '?')}",
        }
    return out

report = {"heavy_at_import": sorted(m for m in ("geopandas", "pandas", "numpy", "scipy") if m in sys.modules)}
args = sys.argv[1:]
steps = []
while args:
    step = args.pop(0)
    if step == "access":
        name = args.pop(0)
        getattr(wzg, name)
        steps.append(f"access {name}")
    elif step == "walk":
        names = [m.name for m in pkgutil.walk_packages(wzg.__path__, "woonzorg_geo.")]
        for name in names:
            importlib.import_module(name)
        report["walked"] = names
        steps.append("walk")
    elif step == "check":
        report[" ; ".join(steps) or "fresh"] = state()
print(json.dumps(report))
"""


def _probe(*steps: str) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
    r = subprocess.run(
        [sys.executable, "-c", _PROBE, *steps],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def _assert_all_home(state: dict, when: str) -> None:
    wrong = {n: s for n, s in state.items() if not (s["is_home"] and s["callable"] and not s["module_object"])}
    assert not wrong, f"{when}: public names that are not their documented function/class: {wrong}"


def test_every_public_name_resolves_and_is_documented():
    names = [n for n in wzg.__all__ if n not in CONSTANTS]
    assert len(names) == len(set(names))
    assert set(names) == set(wzg._API), "__all__ and the lazy table disagree"
    for name in names:
        obj = getattr(wzg, name)
        assert (obj.__doc__ or "").strip(), f"{name} has no docstring"
        assert callable(obj) and not isinstance(obj, types.ModuleType), name
        home = importlib.import_module(f"woonzorg_geo.{wzg._API[name]}")
        assert obj is getattr(home, name), f"wzg.{name} is not {home.__name__}.{name}"
        assert obj.__module__.startswith("woonzorg_geo."), (name, obj.__module__)
    assert wzg.RD_NEW == "EPSG:28992" and wzg.WGS84 == "EPSG:4326"


def test_no_public_name_is_also_a_submodule():
    """A submodule named like a public function shadows it on the package once imported."""
    submodules = {m.name for m in pkgutil.iter_modules(wzg.__path__)}
    assert submodules & {"core", "run", "outputs"}, submodules  # the listing itself works
    assert not submodules & set(wzg._API), sorted(submodules & set(wzg._API))


@pytest.mark.parametrize(
    "steps",
    [
        ("check", "walk", "check"),  # fresh, then after importing every submodule
        ("access", "analyse", "check"),  # the report: wzg.analyse, then wzg.aggregate(...)
        ("access", "aggregate", "access", "analyse", "walk", "check"),  # a public name first, then the rest
    ],
    ids=["fresh-then-walk", "after-analyse", "name-first-then-walk"],
)
def test_public_names_stay_the_functions_whatever_was_imported(steps):
    report = _probe(*steps)
    assert report["heavy_at_import"] == [], "import woonzorg_geo loads the heavy libraries"
    checked = [k for k in report if k not in ("heavy_at_import", "walked")]
    assert len(checked) == steps.count("check")
    for when in checked:
        assert set(report[when]) == set(wzg._API)
        _assert_all_home(report[when], when)
    if "walk" in steps:
        walked = set(report["walked"])
        # every module of the package was imported, the subpackages' modules included
        assert {"woonzorg_geo.areas.aggregation", "woonzorg_geo.run.pipeline", "woonzorg_geo.cli.main"} <= walked, (
            walked
        )
        assert any(n.startswith("woonzorg_geo.toets.") for n in walked), walked
        assert any(n.startswith("woonzorg_geo.outputs.maps.") for n in walked), walked
    assert report[checked[-1]]["aggregate"]["qualname"] == "woonzorg_geo.areas.aggregation.aggregate"
