"""A what-if scenario as a file: the changes of ``watals --scenario FILE`` and of the app's workbench.

The format (JSON, UTF-8) is one object::

    {
      "naam": "Albert Heijn Hillenga dicht, nieuwe supermarkt in Kloosterveen",
      "versie": 1,
      "gemeente": "GM0106",
      "wijzigingen": [
        {"soort": "weg", "id": "vz00320", "naam": "Albert Heijn Hillenga"},
        {"soort": "nieuw", "categorie": "supermarkt", "lon": 6.5480, "lat": 52.9930, "naam": "Supermarkt Kloosterveen"},
        {"soort": "verplaats", "id": "vz00027", "lon": 6.5600, "lat": 52.9900}
      ]
    }

* ``naam`` (text, optional: the file's name): what the scenario is called in the outputs;
* ``versie`` (optional, 1): the format's version, for files written by later versions;
* ``gemeente`` (optional): the CBS code of the gemeente the ids belong to; a scenario of another
  gemeente is refused instead of closing the wrong voorzieningen;
* ``omschrijving`` (optional text): free text, kept;
* ``wijzigingen`` (a list of at least one change), in order:

  - ``{"soort": "nieuw", "categorie": C, "lon": X, "lat": Y, "naam": N}``: a voorziening of
    category ``C`` (a computed category, e.g. ``supermarkt``) opens at ``lon``/``lat`` (WGS84,
    degrees); ``naam`` is optional;
  - ``{"soort": "weg", "id": I, "naam": N}``: the voorziening with id ``I`` (the ``voorzieningen``
    layer of the analysis, e.g. ``vz00320``) closes; ``naam`` is optional and, when given, must be
    that voorziening's name in the analysis (a check that the id still means the same place: ids
    are numbered per analysis);
  - ``{"soort": "verplaats", "id": I, "lon": X, "lat": Y, "naam": N}``: the voorziening moves: it
    closes at its place and opens, with its category, at ``lon``/``lat``.

A scenario gives the same figures as the equivalent options: every ``weg`` is ``--weg I``, every
``nieuw`` is ``--nieuw C@X,Y``, a ``verplaats`` is both. Errors are Dutch and name the file, the
field (``wijzigingen[2].lon``) and the fix. :func:`load_scenario` checks the form,
:func:`scenario_changes` checks it against an analysis and gives the :class:`.whatif.engine.Changes`,
:func:`run_scenario` runs it; :func:`scenario_from_changes` and :meth:`Scenario.to_dict` write one;
:func:`scenario_from_request` also reads the app's short form (``{"nieuw": [...], "weg": [...]}``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.whatif.engine import Changes, NewVoorziening, WhatIfError

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.whatif.engine import WhatIfResult

#: The format's version written by :meth:`Scenario.to_dict`.
VERSION = 1
#: The kinds of change and the fields each takes (required, optional).
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nieuw": (("categorie", "lon", "lat"), ("naam",)),
    "weg": (("id",), ("naam",)),
    "verplaats": (("id", "lon", "lat"), ("naam",)),
}
_TOP = ("naam", "versie", "gemeente", "omschrijving", "wijzigingen")
_EXAMPLE = '{"naam": "...", "wijzigingen": [{"soort": "weg", "id": "vz00320"}]}'
#: Files larger than this are refused (a scenario has a few dozen changes, not megabytes).
MAX_BYTES = 1_000_000


class ScenarioError(DataFileError, WhatIfError):
    """A scenario that cannot be read or applied: names the file, the field and the fix."""


@dataclass(frozen=True)
class ScenarioChange:
    """One change: ``soort`` ``nieuw``, ``weg`` or ``verplaats`` and the fields that kind takes.

    The field names are the keys of a change in the scenario file (read and written verbatim), hence Dutch.
    """

    soort: str
    id: str | None = None
    categorie: str | None = None
    lon: float | None = None
    lat: float | None = None
    naam: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The change as in the file (fields that are not set left out)."""
        req, opt = KINDS[self.soort]
        out: dict[str, Any] = {"soort": self.soort}
        for key in (*req, *opt):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class Scenario:
    """A named list of changes, as read by :func:`load_scenario`."""

    naam: str
    wijzigingen: tuple[ScenarioChange, ...]
    gemeente: str | None = None
    omschrijving: str | None = None
    bron: str = "<scenario>"  # the file it came from, for messages
    versie: int = VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The scenario in the file format (see the module's docstring)."""
        out: dict[str, Any] = {"naam": self.naam, "versie": VERSION}
        if self.gemeente:
            out["gemeente"] = self.gemeente
        if self.omschrijving:
            out["omschrijving"] = self.omschrijving
        out["wijzigingen"] = [w.to_dict() for w in self.wijzigingen]
        return out

    def to_json(self) -> str:
        """:meth:`to_dict` as indented JSON text."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _fail(source: str, where: str, problem: str, fix: str) -> ScenarioError:
    return ScenarioError(source, problem, field=where, fix=fix)


def _text_field(source: str, item: Mapping[str, Any], key: str, where: str, *, required: bool) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise _fail(source, f"{where}.{key}", "ontbreekt", f'voeg "{key}" toe (tekst), bijv. {_example(key)}')
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(source, f"{where}.{key}", f"{value!r} is geen tekst", f"schrijf een tekst, bijv. {_example(key)}")
    return value.strip()


def _example(key: str) -> str:
    return {
        "id": '"id": "vz00320"',
        "categorie": '"categorie": "supermarkt"',
        "naam": '"naam": "Albert Heijn Hillenga"',
        "lon": '"lon": 6.548',
        "lat": '"lat": 52.993',
    }.get(key, f'"{key}": "..."')


def _coordinate(source: str, item: Mapping[str, Any], key: str, where: str) -> float:
    value = item.get(key)
    what = "lengtegraad (oost, WGS84)" if key == "lon" else "breedtegraad (noord, WGS84)"
    if value is None:
        raise _fail(source, f"{where}.{key}", "ontbreekt", f"geef de {what} als getal, bijv. {_example(key)}")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(
            source,
            f"{where}.{key}",
            f"{value!r} is geen getal",
            f"schrijf de {what} als getal zonder aanhalingstekens, met een punt als decimaalteken, bijv. {_example(key)}",
        )
    limit = 180.0 if key == "lon" else 90.0
    if not math.isfinite(float(value)) or abs(float(value)) > limit:
        raise _fail(
            source,
            f"{where}.{key}",
            f"{value!r} ligt buiten het bereik van de {what} (−{limit:g} tot {limit:g})",
            f"geef graden WGS84 (geen RD-meters), bijv. {_example(key)}",
        )
    return float(value)


def _change(source: str, item: Any, where: str) -> ScenarioChange:
    if not isinstance(item, Mapping):
        raise _fail(source, where, f"{item!r} is geen object", f"schrijf elke wijziging als object, bijv. {_EXAMPLE}")
    soort = item.get("soort")
    if soort not in KINDS:
        raise _fail(
            source,
            f"{where}.soort",
            "ontbreekt" if soort is None else f"onbekende soort {soort!r}",
            f"kies uit: {', '.join(KINDS)}",
        )
    req, opt = KINDS[str(soort)]
    unknown = sorted(set(item) - {"soort", *req, *opt})
    if unknown:
        raise _fail(
            source,
            f"{where}.{unknown[0]}",
            f"onbekend veld bij soort {soort!r}",
            f"een wijziging {soort!r} kent de velden: soort, {', '.join((*req, *opt))}",
        )
    values: dict[str, Any] = {"soort": soort}
    for key in (*req, *opt):
        if key in ("lon", "lat"):
            values[key] = _coordinate(source, item, key, where)
        else:
            values[key] = _text_field(source, item, key, where, required=key in req)
    if values.get("categorie"):
        values["categorie"] = values["categorie"].lower()
    return ScenarioChange(**values)


def _unique_ids(where: str, items: Sequence[ScenarioChange], paths: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    for w, path in zip(items, paths, strict=True):
        if w.id is None:
            continue
        if w.id in seen:
            raise _fail(
                where,
                f"{path}.id",
                f"{w.id} staat ook in {seen[w.id]}",
                "noem elke bestaande voorziening hoogstens één keer (weg of verplaats)",
            )
        seen[w.id] = path


def load_scenario(source: str | Path | Mapping[str, Any], *, name: str | None = None) -> Scenario:
    """Read and check a scenario: a JSON file, or its content as a dict (the app's import).

    Parameters
    ----------
    source
        A path to a JSON file, or the parsed object.
    name
        What messages call a dict (default ``<scenario>``); a file is called by its path.

    Returns
    -------
    Scenario
        The changes in order. Only the form is checked here; :func:`scenario_changes` checks them
        against an analysis (ids, categories, places).

    Raises
    ------
    ScenarioError
        A file that is missing, too large, not JSON or not of the format, naming the file, the
        field and the fix.
    """
    if isinstance(source, Mapping):
        where = name or "<scenario>"
        doc: Any = source
        default_name = "scenario"
    else:
        path = Path(source)
        where = str(path)
        if not path.is_file():
            raise ScenarioError(where, "bestand bestaat niet", fix="geef het pad van een scenario-bestand (JSON)")
        if path.stat().st_size > MAX_BYTES:
            raise ScenarioError(
                where,
                f"bestand is groter dan {MAX_BYTES // 1_000_000} MB",
                fix="een scenario is een kleine JSON met de wijzigingen; kies het juiste bestand",
            )
        try:
            doc = json.loads(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            raise ScenarioError(where, "geen tekst in UTF-8", fix="sla het bestand op als UTF-8 (JSON)") from None
        except json.JSONDecodeError as exc:
            raise ScenarioError(
                where,
                f"geen geldige JSON (regel {exc.lineno}, kolom {exc.colno}: {exc.msg})",
                fix=f"controleer aanhalingstekens, komma's en haakjes; de vorm is {_EXAMPLE}",
            ) from None
        default_name = path.stem
    if not isinstance(doc, Mapping):
        raise ScenarioError(where, "verwacht een JSON-object", fix=f"de vorm is {_EXAMPLE}")
    unknown = sorted(set(doc) - set(_TOP))
    if unknown:
        raise _fail(where, unknown[0], "onbekend veld", f"een scenario kent de velden: {', '.join(_TOP)}")
    versie = doc.get("versie", VERSION)
    if versie != VERSION:
        raise _fail(where, "versie", f"versie {versie!r} wordt niet gelezen", f"deze versie leest versie {VERSION}")
    changes = doc.get("wijzigingen")
    if not isinstance(changes, list) or not changes:
        raise _fail(
            where,
            "wijzigingen",
            "ontbreekt" if changes is None else "geen lijst met minstens één wijziging",
            f"geef een lijst met wijzigingen (nieuw, weg, verplaats), bijv. {_EXAMPLE}",
        )
    items = tuple(_change(where, item, f"wijzigingen[{k}]") for k, item in enumerate(changes))
    _unique_ids(where, items, [f"wijzigingen[{k}]" for k in range(len(items))])
    return Scenario(
        naam=_text_field(where, doc, "naam", "scenario", required=False) or default_name,
        wijzigingen=items,
        gemeente=_text_field(where, doc, "gemeente", "scenario", required=False),
        omschrijving=_text_field(where, doc, "omschrijving", "scenario", required=False),
        bron=where,
    )


def scenario_from_request(body: Any, *, name: str = "verzoek") -> Scenario:
    """A scenario from a request body: the file format, or the short form of the app's API.

    The short form lists the changes by kind::

        {"nieuw": [{"categorie": "supermarkt", "lon": 6.548, "lat": 52.993}],
         "weg": ["vz00320"],
         "verplaats": [{"id": "vz00027", "lon": 6.56, "lat": 52.99}],
         "naam": "optional"}

    (``weg`` items may also be ``{"id": ..., "naam": ...}``). Its changes come in the order
    weg, verplaats, nieuw; errors name the field as given (``nieuw[0].lon``) and ``name`` as the
    source.

    Raises
    ------
    ScenarioError
        As :func:`load_scenario`.
    """
    if isinstance(body, Mapping) and "wijzigingen" in body:
        return load_scenario(body, name=name)
    if not isinstance(body, Mapping):
        raise ScenarioError(name, "verwacht een JSON-object", fix='bijv. {"weg": ["vz00320"]}')
    short = ("weg", "verplaats", "nieuw")
    unknown = sorted(set(body) - {*short, "naam", "gemeente", "omschrijving"})
    if unknown:
        raise _fail(name, unknown[0], "onbekend veld", f"gebruik {', '.join(short)} (lijsten) of wijzigingen")
    items: list[ScenarioChange] = []
    paths: list[str] = []
    for kind in short:
        given = body.get(kind, [])
        if not isinstance(given, list):
            raise _fail(name, kind, f"{given!r} is geen lijst", f'schrijf een lijst, bijv. "{kind}": [...]')
        for k, item in enumerate(given):
            path = f"{kind}[{k}]"
            if kind == "weg" and isinstance(item, str):
                item = {"id": item}
            if isinstance(item, Mapping) and "soort" in item:
                raise _fail(
                    name, f"{path}.soort", "overbodig in de korte vorm", f"laat soort weg: de lijst {kind} zegt het"
                )
            record = {"soort": kind, **item} if isinstance(item, Mapping) else item
            items.append(_change(name, record, path))
            paths.append(path)
    if not items:
        raise _fail(
            name, "weg/nieuw/verplaats", "geen wijziging", 'geef minstens één wijziging, bijv. {"weg": ["vz00320"]}'
        )
    _unique_ids(name, items, paths)
    return Scenario(
        naam=_text_field(name, body, "naam", "verzoek", required=False) or "scenario",
        wijzigingen=tuple(items),
        gemeente=_text_field(name, body, "gemeente", "verzoek", required=False),
        omschrijving=_text_field(name, body, "omschrijving", "verzoek", required=False),
        bron=name,
    )


def scenario_changes(scenario: Scenario, a: Analysis) -> Changes:
    """The scenario as :class:`.whatif.engine.Changes` for the analysis ``a``, checked against it.

    A ``nieuw`` and the new place of a ``verplaats`` become :class:`.whatif.engine.NewVoorziening`
    (numbered ``nieuw_1``, ``nieuw_2`` … in the scenario's order, as ``--nieuw`` numbers them); a
    ``weg`` and the old place of a ``verplaats`` close the id.

    Raises
    ------
    ScenarioError
        Another gemeente; an unknown id (with the names that come closest); a ``naam`` that is not
        the id's; a category the analysis does not compute; a place outside the gemeente and the
        network's margin.
    """
    from pyproj import Transformer

    from woonzorg_geo.sources.name_search import describe, find_voorzieningen
    from woonzorg_geo.whatif.engine import check_place

    src = scenario.bron
    g = a.settings.gemeente
    if scenario.gemeente and scenario.gemeente.upper() != str(g.code).upper():
        raise _fail(
            src,
            "gemeente",
            f"het scenario is van {scenario.gemeente}, de analyse van {g.naam} ({g.code})",
            "gebruik de analyse van die gemeente (--uit), of laat het veld weg als de ids kloppen",
        )
    vz = a.inputs.voorzieningen
    cats = list(a.vocab.categories)
    area = a.inputs.gemeente.union_all()
    to_rd = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
    nieuw: list[NewVoorziening] = []
    weg: list[Any] = []
    for k, w in enumerate(scenario.wijzigingen):
        where = f"wijzigingen[{k}]"
        categorie = w.categorie
        if w.id is not None:
            if w.id not in vz.index:
                near = find_voorzieningen(vz, w.naam or w.id, limit=5)
                hint = ("; bedoelt u: " + "; ".join(describe(r) for _, r in near.iterrows())) if len(near) else ""
                raise _fail(
                    src,
                    f"{where}.id",
                    f"geen voorziening {w.id!r} in de analyse van {g.naam}{hint}",
                    "neem het id uit de laag voorzieningen van deze analyse (of zoek op naam met watals --weg)",
                )
            actual = str(vz.at[w.id, "naam"]) if "naam" in vz and vz.at[w.id, "naam"] is not None else ""
            if w.naam and w.soort == "weg" and actual.strip().lower() != w.naam.strip().lower():
                raise _fail(
                    src,
                    f"{where}.naam",
                    f"{w.id} heet {actual or '(naamloos)'!r} in deze analyse, niet {w.naam!r}",
                    "controleer het id (ids worden per analyse genummerd) of laat naam weg",
                )
            categorie = str(vz.at[w.id, "categorie"])
            weg.append(w.id)
        if categorie is not None and categorie not in cats:
            raise _fail(
                src,
                f"{where}.{'categorie' if w.id is None else 'id'}",
                f"categorie {categorie!r} wordt niet berekend",
                f"kies uit: {', '.join(cats)}",
            )
        if w.lon is None or w.lat is None:
            continue
        assert categorie is not None  # nieuw requires it, verplaats takes the id's
        x, y = to_rd.transform(w.lon, w.lat)
        try:
            check_place(
                float(x),
                float(y),
                area=area,
                margin_m=a.settings.netwerk.margin_m,
                gemeente=g.naam,
                what=f"{where} ({w.lon}, {w.lat})",
                lonlat=(w.lon, w.lat),
                fix="geef lon/lat van een plek in of bij de gemeente",
            )
        except WhatIfError as exc:
            raise ScenarioError(src, str(exc), field=f"{where}.lon/lat") from None
        if w.soort == "verplaats":
            old = _name(vz, w.id) or w.id
            label = f"{w.naam or old} verplaatst naar {fmt.lonlat(w.lon, w.lat)}"
        else:
            label = f"{w.naam or categorie} op {fmt.lonlat(w.lon, w.lat)}"
        nieuw.append(NewVoorziening(categorie, float(x), float(y), label, id=f"nieuw_{len(nieuw) + 1}"))
    return Changes(nieuw=tuple(nieuw), weg=tuple(dict.fromkeys(weg)))


def _name(vz: Any, i: Any) -> str:
    value = vz.at[i, "naam"] if "naam" in vz else None
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def run_scenario(
    a: Analysis, scenario: Scenario | str | Path | Mapping[str, Any], *, profiles: Sequence[str] | None = None
) -> WhatIfResult:
    """Load (when needed), check and run a scenario on the analysis ``a``: :func:`.whatif.engine.what_if`.

    The result's ``samenvatting`` carries the scenario under ``scenario`` (as in the file).
    """
    from woonzorg_geo.whatif.engine import what_if

    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    w = what_if(a, scenario_changes(sc, a), profiles=profiles)
    w.samenvatting["scenario"] = sc.to_dict()
    return w


def scenario_from_changes(changes: Changes, a: Analysis, *, naam: str = "scenario") -> Scenario:
    """The scenario file of ``changes`` (as ``--weg``/``--nieuw`` give them): closures, then openings.

    Running it on ``a`` gives the same figures as ``changes`` (the places go through WGS84 and
    back: equal to well under a millimetre).
    """
    from pyproj import Transformer

    vz = a.inputs.voorzieningen
    to_ll = Transformer.from_crs(RD_NEW, WGS84, always_xy=True)
    items = [ScenarioChange("weg", id=str(i), naam=_name(vz, i) or None) for i in changes.weg]
    for n in changes.nieuw:
        lon, lat = to_ll.transform(n.x, n.y)
        items.append(ScenarioChange("nieuw", categorie=n.categorie, lon=round(float(lon), 8), lat=round(float(lat), 8)))
    g = a.settings.gemeente
    return Scenario(naam=naam, wijzigingen=tuple(items), gemeente=str(g.code) if g.code else None)
