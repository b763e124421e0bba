"""The answers of the workbench's JSON API, as plain functions on an :class:`.AppState`.

Each function checks its input (an :class:`AppInputError` with a Dutch message when it does not
fit) and calls the library's public functions: the indicator is :func:`woonzorg_geo.aggregate` on
the stored per-home distances, the toets is :func:`woonzorg_geo.toets.check.check_site` on the
context prepared once (the result of :func:`woonzorg_geo.run_toets`), the what-if is
:func:`woonzorg_geo.what_if`. :mod:`.server` turns them into HTTP.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo import WGS84
from woonzorg_geo.app.responses import AddressAnswer, CompareAnswer, IndicatorAnswer, Row, SearchAnswer, WhatIfAnswer
from woonzorg_geo.app.state import AppState
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import WoonzorgError


class AppInputError(WoonzorgError, ValueError):
    """A request the app cannot answer as asked: the message says what was expected (HTTP 400)."""


# --------------------------------------------------------------------------------------------
# Checking the input
# --------------------------------------------------------------------------------------------


def number(value: object, *, name: str, example: str) -> float:
    """``value`` (text from a query or a JSON number) as a finite float."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise AppInputError(f"{name} ontbreekt. Geef een getal, bijv. {name}={example}")
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise AppInputError(f"{name}={str(value)[:40]!r} is geen getal. Geef bijv. {name}={example}") from None
    if not math.isfinite(out):
        raise AppInputError(f"{name}={str(value)[:40]!r} is geen eindig getal. Geef bijv. {name}={example}")
    return out


def choice(value: str | None, options: list[str], *, name: str, default: str | None = None) -> str:
    """``value`` when it is one of ``options`` (``default`` when absent)."""
    if value is None or not value.strip():
        if default is not None:
            return default
        raise AppInputError(f"{name} ontbreekt. Kies uit: {', '.join(options)}")
    if value not in options:
        raise AppInputError(f"{name} {value[:60]!r} is onbekend. Kies uit: {', '.join(options)}")
    return value


def _norm(state: AppState, value: str | None) -> float:
    s = state.app_settings
    if value is None or not value.strip():
        return state.norm_m
    norm = number(value, name="norm", example=str(int(state.norm_m)))
    if not s.norm_min_m <= norm <= s.norm_max_m or not any(abs(norm - n) < 1e-6 for n in s.norms()):
        raise AppInputError(
            f"norm={value[:20]} m valt buiten de schuif: kies {fmt.number(s.norm_min_m)} … "
            f"{fmt.metres(s.norm_max_m)} in stappen van {fmt.metres(s.norm_stap_m)}"
        )
    return norm


def _lonlat(lon: object, lat: object) -> tuple[float, float]:
    x = number(lon, name="lon", example="6.5480")
    y = number(lat, name="lat", example="52.9930")
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise AppInputError(f"lon={x}, lat={y} ligt buiten het bereik van lengte (-180 … 180) en breedte (-90 … 90)")
    return x, y


# --------------------------------------------------------------------------------------------
# GET /api/indicator
# --------------------------------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[Row]:
    out = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    return [{str(k): v for k, v in row.items()} for row in out]


def indicator(state: AppState, *, naam: str | None, norm: str | None, profiel: str | None) -> IndicatorAnswer:
    """Per wijk and buurt the share of homes within ``norm`` of the indicator ``naam``, for ``profiel``.

    Recomputed from the stored per-home distances with :func:`woonzorg_geo.aggregate` (a category
    or composite: its distance; a combination: every part within the norm), so at the run's norm
    it equals ``wijken.csv`` and ``buurten.csv``.
    """
    from woonzorg_geo.areas.aggregation import aggregate
    from woonzorg_geo.core.palette import PCT_CLASSES
    from woonzorg_geo.core.vocabulary import norm_column

    a = state.analysis
    v = a.vocab
    combos = v.combinations
    options = [*v.categories, *v.composites, *combos]
    name = choice(naam, options, name="indicator", default=None)
    prof = choice(profiel, list(a.access), name="profiel", default=a.main_profile)
    norm_m = _norm(state, norm)
    sfx = v.suffix(prof)
    adressen = a.adressen
    keep = ["buurtcode", "wijkcode", *(["woning"] if "woning" in adressen else [])]
    if name in combos:
        parts = combos[name]
        within = np.logical_and.reduce(
            [adressen[f"afstand_{p}_m{sfx}"].fillna(np.inf).to_numpy() <= norm_m for p in parts]
        )
        frame = adressen[keep].assign(**{f"{norm_column(name, norm_m)}{sfx}": within})
        cats: list[str] = []
    else:
        col = f"afstand_{name}_m{sfx}"
        frame = adressen[[*keep, col]]
        cats = [name]
    pct = f"pct_{norm_column(name, norm_m)}{sfx}"
    classes = PCT_CLASSES
    levels: dict[str, list[Row]] = {}
    for level, areas, key in (("wijken", a.wijken, "wijkcode"), ("buurten", a.buurten, "buurtcode")):
        table = aggregate(frame, areas[["naam", "geometry"]], key=key, norm_m=norm_m, suffixes=(sfx,), categories=cats)
        out = pd.DataFrame(
            {
                "code": table.index.astype(str),
                "naam": table["naam"].to_numpy(),
                "n_woningen": table["n_woningen"].to_numpy(),
                "pct": table[pct].astype(float).to_numpy(),
            }
        )
        out["pct_tekst"] = [fmt.percent(p) for p in out["pct"]]
        out["kleur"] = [classes.colour(int(i)) for i in classes.index(out["pct"])]
        if level == "buurten":
            out.insert(2, "wijkcode", a.buurten["wijkcode"].astype(str).to_numpy())
        levels[level] = _records(out)
    vz = state.voorzieningen
    parts_of = combos.get(name, v.composites.get(name, (name,)))
    members = {p for part in parts_of for p in v.composites.get(part, (part,))}
    sources = sorted({part for b in vz.loc[vz["categorie"].isin(members), "bron"] for part in b.split("; ") if part})
    homes = adressen["woning"].fillna(False).astype(bool) if "woning" in adressen else pd.Series(True, adressen.index)
    total_within = (
        frame[f"{norm_column(name, norm_m)}{sfx}"]
        if name in combos
        else frame[f"afstand_{name}_m{sfx}"].fillna(np.inf) <= norm_m
    )
    return {
        "naam": name,
        "label": v.label(name),
        "naamwoord": v.noun(name),
        "profiel": prof,
        "profiel_label": v.profile_label(prof),
        "norm_m": norm_m,
        "gemeente_pct": float(100 * total_within[homes].mean()) if homes.any() else None,
        "legenda": [{"kleur": c, "label": lab} for c, lab in classes.items()],
        "bronnen": {"voorzieningen": sources, "netwerk": str(a.inputs.osm.source)},
        "wijken": levels["wijken"],
        "buurten": levels["buurten"],
    }


# --------------------------------------------------------------------------------------------
# GET /api/toets
# --------------------------------------------------------------------------------------------


def toets_result(
    state: AppState,
    *,
    lon: str | None,
    lat: str | None,
    adres: str | None,
    zorgtype: str | None,
    omvang: str | None,
) -> Any:
    """The :class:`.ToetsResult` of a site: :func:`.toets.check.check_site` on the context prepared once.

    That is :func:`woonzorg_geo.run_toets` with the same arguments (as ``woonzorg-geo toets``),
    without preparing the places, the geocoder and the OSM care locations again for every click.
    """
    from woonzorg_geo.toets.check import check_site

    ts = state.toets_settings
    kind = choice(zorgtype, list(ts.types), name="type")
    size_text = (omvang or "").strip()
    if not size_text.isdigit():
        raise AppInputError(f"omvang={size_text[:20]!r} is geen geheel getal. Geef bijv. omvang=10")
    size = ts.care_type(kind).check_size(int(size_text))
    has_point = bool((lon or "").strip() or (lat or "").strip())
    if has_point == bool((adres or "").strip()):
        raise AppInputError("geef precies één locatie: lon= en lat=, of adres=")
    if adres is not None and len(adres) > 200:
        raise AppInputError(f"adres is {len(adres)} tekens lang; geef een adres als 'Straat 1, Plaats'")
    point = _lonlat(lon, lat) if has_point else None
    with state.lock:
        return check_site(
            state.toets_context,
            adres=adres.strip() if adres and not has_point else None,
            punt=point,
            zorgtype=kind,
            omvang=size,
        )


def toets(state: AppState, **site: str | None) -> dict[str, Any]:
    """The toets of a site, exactly as ``woonzorg-geo toets`` writes it in its JSON.

    ``site`` as :func:`toets_result`. The page draws the JSON's own ``kaart`` (GeoJSON, EPSG:4326:
    the site, the area within the norm walk and per category the walking route to the nearest
    voorziening, :mod:`woonzorg_geo.toets.site_map`), so the app and the report show the same routes.
    """
    out: dict[str, Any] = toets_result(state, **site).to_dict()
    return out


def toets_page(state: AppState, **site: str | None) -> str:
    """The toets of a site as the HTML report ``woonzorg-geo toets`` writes (:func:`woonzorg_geo.outputs.toets_report.toets_html`)."""
    from woonzorg_geo.outputs.toets_report import toets_html

    return str(toets_html(toets_result(state, **site)))


def address_suggestions(state: AppState, *, zoek: str | None) -> AddressAnswer:
    """Address suggestions for what was typed (see :mod:`.suggest`)."""
    s = state.app_settings
    text = (zoek or "").strip()
    if len(text) > s.max_zoek_tekens:
        raise AppInputError(f"zoektekst van {len(text)} tekens; geef er ten hoogste {s.max_zoek_tekens}")
    return {"zoek": text, "resultaten": state.addresses.suggest(text, limit=s.max_zoekresultaten) if text else []}


# --------------------------------------------------------------------------------------------
# POST /api/watals
# --------------------------------------------------------------------------------------------


def changes_from(state: AppState, body: object) -> Any:
    """The :class:`woonzorg_geo.Changes` of a request body.

    Either the short form ``{"nieuw": [{"categorie", "lon", "lat"}], "weg": ["vz00318"],
    "verplaats": [{"id", "lon", "lat"}]}`` or a scenario file's content (``{"naam", "wijzigingen":
    [...]}``), read and checked as ``watals --scenario FILE`` reads a file
    (:func:`woonzorg_geo.whatif.scenario.scenario_from_request` and
    :func:`~woonzorg_geo.whatif.scenario.scenario_changes`); ``profiel`` beside them is checked here.
    """
    return scenario_of(state, body)[1]


def _check_size(state: AppState, n: int) -> None:
    most = state.app_settings.max_wijzigingen
    if n > most:
        raise AppInputError(f"{n} veranderingen; de app rekent met ten hoogste {most}")


def scenario_of(state: AppState, body: object) -> tuple[Any, Any]:
    """A request body (either form of :func:`changes_from`), checked against the analysis: the scenario and its changes.

    The same functions as ``watals --scenario FILE``; their Dutch errors name the field and the fix.
    """
    from woonzorg_geo.whatif.scenario import scenario_changes, scenario_from_request

    a = state.analysis
    if not isinstance(body, Mapping):
        raise AppInputError('verwacht een JSON-object als {"nieuw": [{"categorie", "lon", "lat"}], "weg": ["vz00318"]}')
    profiel = body.get("profiel")
    if profiel not in (None, "", "alle"):
        choice(str(profiel), list(a.access), name="profiel")
    doc = {k: v for k, v in body.items() if k != "profiel"}
    changes = doc.get("wijzigingen")
    n = (
        len(changes)
        if isinstance(changes, list)
        else sum(len(doc[k]) for k in ("nieuw", "weg", "verplaats") if isinstance(doc.get(k), list))
    )
    _check_size(state, n)
    sc = scenario_from_request(doc, name="verzoek")
    return sc, scenario_changes(sc, a)


def scenario(state: AppState, body: object) -> dict[str, Any]:
    """The scenario file of a request body (either form of :func:`changes_from`), as ``watals --scenario`` reads it.

    An import: a file's content comes back checked and complete (``gemeente``, ``versie``, the
    names of the closed voorzieningen); an export: ``{"nieuw", "weg", "naam"}`` becomes that file.
    """
    from woonzorg_geo.whatif.scenario import scenario_from_changes

    if isinstance(body, Mapping) and "wijzigingen" in body:
        return dict(scenario_of(state, body)[0].to_dict())
    changes = changes_from(state, body)
    naam = body.get("naam") if isinstance(body, Mapping) else None
    text = str(naam).strip()[:200] if isinstance(naam, str) and naam.strip() else "scenario uit de werkbank"
    return dict(scenario_from_changes(changes, state.analysis, naam=text).to_dict())


def _coloured(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with ``kleur_<name>_na``: the map's colour class of every share after the change."""
    from woonzorg_geo.core.palette import PCT_CLASSES

    extra = {
        f"kleur_{col[4:-3]}_na": [PCT_CLASSES.colour(int(i)) for i in PCT_CLASSES.index(table[col])]
        for col in table.columns
        if col.startswith("pct_") and col.endswith("_na")
    }
    return table.assign(**extra)


def run_what_if(state: AppState, body: object) -> WhatIfAnswer:
    """What if: per wijk and buurt before, after and the difference, and the homes that gain or lose access.

    The figures are those of :func:`woonzorg_geo.what_if` (as ``woonzorg-geo watals``); ``woningen``
    lists the homes whose access changes (``wint``/``verliest``) with lon/lat, at most
    ``[app] max_woningen`` of them (``woningen_afgekapt`` says when more); every share after the
    change comes with its map colour (``kleur_<name>_na``).
    """
    from woonzorg_geo.whatif.engine import what_if

    a = state.analysis
    changes = changes_from(state, body)
    profiel = body.get("profiel") if isinstance(body, Mapping) else None
    profiles = None if profiel in (None, "", "alle") else [choice(str(profiel), list(a.access), name="profiel")]
    with state.lock:
        w = what_if(a, changes, profiles=profiles)
    addr = w.adressen
    moved = addr.loc[addr["toegang"] != "blijft"] if len(addr) else addr
    most = state.app_settings.max_woningen
    if "woning" in a.adressen and len(moved):
        moved = moved.loc[a.adressen["woning"].reindex(moved.index).fillna(False).astype(bool).to_numpy()]
    shown = moved.iloc[:most]
    pts = gpd.GeoSeries(a.adressen.geometry.reindex(shown.index).to_numpy(), crs=a.adressen.crs).to_crs(WGS84)
    homes = pd.DataFrame(
        {
            "profiel": shown["profiel"].to_numpy(),
            "categorie": shown["categorie"].to_numpy(),
            "toegang": shown["toegang"].to_numpy(),
            "afstand_voor_m": shown["afstand_voor_m"].to_numpy(dtype=float),
            "afstand_na_m": shown["afstand_na_m"].to_numpy(dtype=float),
            "wijkcode": shown["wijkcode"].astype(str).to_numpy(),
            "lon": np.round(pts.x.to_numpy(), 6),
            "lat": np.round(pts.y.to_numpy(), 6),
        }
    )
    return {
        "samenvatting": w.samenvatting,
        "wijken": _records(_coloured(w.wijken).rename_axis("code").reset_index()),
        "buurten": _records(_coloured(w.buurten).rename_axis("code").reset_index()),
        "woningen": _records(homes),
        "woningen_afgekapt": len(moved) > most,
        "n_woningen_toegang_veranderd": len(moved),
    }


# --------------------------------------------------------------------------------------------
# GET /api/voorzieningen
# --------------------------------------------------------------------------------------------


def voorzieningen(state: AppState, *, zoek: str | None, categorie: str | None = None) -> SearchAnswer:
    """The voorzieningen that match ``zoek`` on name, address or id, typos allowed (every one without it).

    The search is :func:`woonzorg_geo.sources.name_search.find_voorzieningen` with ``[zoeken]`` of the settings.
    """
    vz = state.voorzieningen
    s = state.app_settings
    if categorie:
        cats = sorted(vz["categorie"].unique())
        vz = vz.loc[vz["categorie"] == choice(categorie, cats, name="categorie")]
    text = (zoek or "").strip()
    if len(text) > s.max_zoek_tekens:
        raise AppInputError(f"zoektekst van {len(text)} tekens; geef er ten hoogste {s.max_zoek_tekens}")
    if not text:
        return {"zoek": "", "resultaten": _records(vz.reset_index(drop=True))}
    from woonzorg_geo.sources.name_search import find_voorzieningen

    found = find_voorzieningen(
        state.search_frame,
        text,
        categorie=categorie or None,
        limit=s.max_zoekresultaten,
        settings=state.analysis.settings.zoeken,
    )
    shown = vz.loc[found["id"]].reset_index(drop=True)  # the names and addresses as the map shows them
    shown["score"] = found["score"].to_numpy()
    shown["gevonden_op"] = found["gevonden_op"].to_numpy()
    return {"zoek": text, "resultaten": _records(shown)}


def what_if_export(state: AppState, body: object, *, vorm: str | None) -> tuple[str, str]:
    """The what-if of ``body`` as a file to download: ``(text, media type)``.

    ``vorm``: ``wijken`` or ``buurten`` (the CSV ``watals`` writes, ``watals_wijken.csv``), or
    ``html``: the one-page summary with its map, as ``watals_kaart.html`` (offline, no tiles).
    """
    from woonzorg_geo.whatif.engine import what_if

    kind = choice(vorm, ["wijken", "buurten", "html"], name="vorm")
    a = state.analysis
    changes = changes_from(state, body)
    with state.lock:
        w = what_if(a, changes)
        if kind == "html":
            from woonzorg_geo.outputs.maps.layers import render
            from woonzorg_geo.outputs.maps.whatif import whatif_map

            return render(whatif_map(w, a, offline=True)), "text/html; charset=utf-8"
    table = w.wijken if kind == "wijken" else w.buurten
    return str(table.to_csv(index_label="code")), "text/csv; charset=utf-8"


# --------------------------------------------------------------------------------------------
# POST /api/vergelijk
# --------------------------------------------------------------------------------------------


def compare(state: AppState, body: object) -> CompareAnswer:
    """Two scenarios side by side per wijk: today, after A, after B and B − A, for one indicator.

    ``body``: ``{"a": <changes or scenario> | null, "b": <changes or scenario> | null,
    "indicator": NAAM, "profiel": P}``; a side that is ``null`` is today. Each side is run with
    :func:`woonzorg_geo.what_if` (as :func:`run_what_if`); the shares are at the run's norm.
    """
    from woonzorg_geo.whatif.engine import what_if

    a = state.analysis
    if not isinstance(body, Mapping):
        raise AppInputError('verwacht een JSON-object als {"a": {...} of null, "b": {...}, "indicator", "profiel"}')
    unknown = sorted(set(body) - {"a", "b", "indicator", "profiel"})
    if unknown:
        raise AppInputError(f"onbekende sleutel(s) {unknown}; bekend zijn a, b, indicator en profiel")
    v = a.vocab
    name = choice(body.get("indicator"), [*v.categories, *v.composites, *v.combinations], name="indicator")
    prof = choice(body.get("profiel"), list(a.access), name="profiel", default=a.main_profile)
    today = indicator(state, naam=name, norm=None, profiel=prof)
    base = pd.DataFrame(today["wijken"]).set_index("code")
    col = f"pct_{v.within(name)}_na"
    sides: dict[str, pd.Series] = {}
    for side in ("a", "b"):
        given = body.get(side)
        if given is None:
            sides[side] = base["pct"].astype(float)
            continue
        changes = changes_from(state, given)
        with state.lock:
            w = what_if(a, changes, profiles=[prof])
        table = w.wijken.loc[w.wijken["profiel"] == prof]
        sides[side] = table[col].astype(float).reindex(base.index) if col in table else base["pct"].astype(float)
    out = pd.DataFrame(
        {
            "code": base.index.astype(str),
            "naam": base["naam"].to_numpy(),
            "n_woningen": base["n_woningen"].to_numpy(),
            "vandaag": base["pct"].astype(float).round(2).to_numpy(),  # rounded as what_if's tables
            "a": sides["a"].round(2).to_numpy(),
            "b": sides["b"].round(2).to_numpy(),
        }
    )
    out["verschil"] = (out["b"] - out["a"]).round(2)
    return {"indicator": name, "label": v.label(name), "profiel": prof, "norm_m": v.norm_m, "wijken": _records(out)}
