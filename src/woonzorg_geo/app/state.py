"""What the workbench holds while it runs: the stored analysis, loaded once, and what is drawn from it.

:func:`load_state` reads the analysis that ``woonzorg-geo analyse`` kept in ``UIT/opslag`` (see
:func:`woonzorg_geo.run.store.load_analysis`), prepares the toets once (its places, geocoder and the
OSM care locations) and turns the areas, roads and voorzieningen into GeoJSON for the map. Every
request then works on this one :class:`AppState` without copying the analysis; the computations
that keep caches inside the analysis (toets, what-if) take :attr:`AppState.lock` one at a time.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from woonzorg_geo import WGS84
from woonzorg_geo.app.responses import Meta
from woonzorg_geo.app.settings import AppSettings, load_app_settings
from woonzorg_geo.app.suggest import AddressIndex
from woonzorg_geo.core.errors import WoonzorgError

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.core.config import Settings
    from woonzorg_geo.toets.check import ToetsContext
    from woonzorg_geo.toets.settings import ToetsSettings

log = logging.getLogger(__name__)

#: Simplification of the drawn outlines and roads (m, EPSG:28992): below a pixel at zoom 15.
_SIMPLIFY_M = 2.0


@dataclass
class AppState:
    """The stored analysis and everything the app derived from it once, at start."""

    analysis: Analysis
    app_settings: AppSettings
    toets_settings: ToetsSettings
    toets_context: ToetsContext
    uit: Path
    #: name → GeoJSON text (EPSG:4326) of the background layers: gemeente, wijken, buurten, wegen
    layers: dict[str, str]
    #: the voorzieningen as the map and the search show them: id, naam, categorie, label, adres, lon, lat
    voorzieningen: pd.DataFrame
    #: the voorzieningen of the analysis with the ``adres`` of :attr:`voorzieningen`, for the search
    search_frame: gpd.GeoDataFrame
    #: the OSM address points with a street, for the suggestions as the planner types
    addresses: AddressIndex
    #: one toets or what-if at a time: they fill caches inside the analysis
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def norm_m(self) -> float:
        """The run's norm: where the slider starts."""
        return float(self.analysis.vocab.norm_m)


def _geojson(frame: gpd.GeoDataFrame, columns: list[str]) -> str:
    """``frame`` simplified in RD and as GeoJSON in WGS84 with only ``columns`` as properties."""
    cols = [c for c in columns if c in frame.columns]
    out = gpd.GeoDataFrame(
        frame[cols].reset_index(),
        geometry=frame.geometry.simplify(_SIMPLIFY_M, preserve_topology=True).to_numpy(),
        crs=frame.crs,
    ).to_crs(WGS84)
    out = out.loc[~(out.geometry.is_empty | out.geometry.isna())]
    return str(out.to_json(na="null", drop_id=True))


def _text(value: object) -> str:
    """``value`` as text; empty for None and NaN."""
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _source_text(label: object, when: object) -> str:
    """``'OpenStreetMap (aug. 2021); GTFS (bushaltes) (jul. 2015)'`` from the ``;``-joined labels and dates."""
    labels = [t.strip() for t in _text(label).split(";") if t.strip()]
    dates = [t.strip() for t in _text(when).split(";")]
    dates += [""] * (len(labels) - len(dates))
    return "; ".join(f"{lab} ({d})" if d else lab for lab, d in zip(labels, dates, strict=False))


def voorzieningen_table(a: Analysis) -> pd.DataFrame:
    """The voorzieningen of the analysis with id, naam, categorie, label, adres, bron, lon and lat.

    The address is that of :func:`woonzorg_geo.sources.addresses.with_addresses` (as ``watals`` lists them).
    """
    from woonzorg_geo.sources.addresses import with_addresses

    vz = with_addresses(a.inputs.voorzieningen, a.inputs, settings=a.settings)
    ll = vz.geometry.to_crs(WGS84)
    names = vz["naam"].fillna("").astype(str) if "naam" in vz else pd.Series("", index=vz.index)
    frame = pd.DataFrame(
        {
            "id": vz.index.astype(str),
            "naam": names.to_numpy(),
            "categorie": vz["categorie"].astype(str).to_numpy(),
            "label": [a.vocab.label(str(c)) for c in vz["categorie"]],
            "adres": vz["adres"].fillna("").astype(str).to_numpy(),
            "bron": (
                [_source_text(lab, when) for lab, when in zip(vz["bron_label"], vz["bron_datum"], strict=True)]
                if {"bron_label", "bron_datum"} <= set(vz.columns)
                else np.full(len(vz), "", dtype=object)
            ),
            "lon": np.round(ll.x.to_numpy(), 6),
            "lat": np.round(ll.y.to_numpy(), 6),
        },
        index=vz.index,
    )
    # a voorziening without a name is shown by its label and address, never as an empty line
    empty = frame["naam"].str.strip() == ""
    frame.loc[empty, "naam"] = frame.loc[empty, "label"]
    return frame


def load_state(
    uit: str | Path,
    settings: Settings,
    *,
    raw_dir: str | Path | None = None,
    settings_path: str | Path | None = None,
) -> AppState:
    """Load the stored analysis in ``uit`` and prepare everything the app draws and asks.

    Parameters
    ----------
    uit
        The output folder of ``woonzorg-geo analyse`` (with ``opslag/``).
    settings
        The settings of that analysis.
    raw_dir
        The raw data folder, to check the store against the data it was made from; ``None``: the
        store is used as it is when the data are not at hand.
    settings_path
        An own settings file with an ``[app]`` table (default: the package's settings).

    Raises
    ------
    WoonzorgError
        No store in ``uit``, or one made with other settings or data, or damaged (the message says
        to run ``analyse`` again).
    """
    from woonzorg_geo.core.errors import MissingDataError
    from woonzorg_geo.run.store import load_analysis
    from woonzorg_geo.run.store_format import StoreMismatch
    from woonzorg_geo.sources.datasets import resolve_paths
    from woonzorg_geo.toets import load_toets_settings, municipality_places
    from woonzorg_geo.toets.check import prepare_toets
    from woonzorg_geo.toets.locate import offline_geocoder

    app_settings = load_app_settings(settings_path)
    paths: dict[str, Path] | None
    try:
        paths = resolve_paths(settings, raw_dir=Path(raw_dir) if raw_dir else None)
        paths = paths if all(p.exists() for p in paths.values()) else None
    except MissingDataError:
        paths = None
    try:
        a = load_analysis(uit, settings, paths=paths)
    except StoreMismatch as exc:
        raise WoonzorgError(
            f"--uit {uit}: de opgeslagen analyse is niet te gebruiken: {exc}. Oplossing: draai eerst "
            f"'woonzorg-geo analyse --out {uit}' en start de app daarna opnieuw"
        ) from None
    ts = load_toets_settings()
    places = municipality_places(a.inputs, osm_classes=ts.locatie.plaats_klassen)
    ctx = prepare_toets(a, settings=ts, geocoder=offline_geocoder(a.inputs), places=places)
    ctx.register_base()  # the OSM care locations, placed once instead of at the first click
    lines = a.inputs.osm.lines
    roads = lines.loc[lines["class"].isin(app_settings.wegklassen)] if "class" in lines else lines.iloc[0:0]
    layers = {
        "gemeente": _geojson(a.inputs.gemeente, ["naam"]),
        "wijken": _geojson(a.wijken.rename_axis("code"), ["naam", "n_woningen"]),
        "buurten": _geojson(a.buurten.rename_axis("code"), ["naam", "wijkcode", "n_woningen"]),
        "wegen": _geojson(roads, ["class", "name"]),
    }
    vz = voorzieningen_table(a)
    log.info("app: analyse van %s gelezen uit %s", a.settings.gemeente.naam, uit)
    return AppState(
        analysis=a,
        app_settings=app_settings,
        toets_settings=ts,
        toets_context=ctx,
        uit=Path(uit),
        layers=layers,
        voorzieningen=vz,
        search_frame=a.inputs.voorzieningen.assign(adres=vz["adres"]),
        addresses=AddressIndex.build(a.inputs.osm, place=a.settings.gemeente.naam),
    )


def meta(state: AppState) -> Meta:
    """What the page needs to build its controls: gemeente, indicators, profiles, norms, types, categories."""
    from woonzorg_geo.core.vocabulary import REPORT_NORM

    a, s = state.analysis, state.app_settings
    v = a.vocab
    indicators = [*v.categories, *v.composites, *v.combinations]
    bounds = a.inputs.gemeente.to_crs(WGS84).total_bounds
    homes = a.adressen.geometry
    q = a.settings.kaarten.bebouwd_kwantiel
    if len(homes):  # the town, as the package's own maps open (``[kaarten] bebouwd_kwantiel``)
        ll = homes.to_crs(WGS84)
        xs, ys = ll.x.to_numpy(), ll.y.to_numpy()
        town = [float(np.quantile(xs, q)), float(np.quantile(ys, q)), float(np.quantile(xs, 1 - q))]
        town.append(float(np.quantile(ys, 1 - q)))
    else:
        town = [float(b) for b in bounds]
    return {
        "gemeente": {"code": a.settings.gemeente.code, "naam": a.settings.gemeente.naam},
        "grenzen": [[float(bounds[1]), float(bounds[0])], [float(bounds[3]), float(bounds[2])]],
        "bebouwd": [[town[1], town[0]], [town[3], town[2]]],
        "indicatoren": [{"naam": i, "label": v.label(i)} for i in indicators],
        "indicator_standaard": REPORT_NORM if REPORT_NORM in indicators else indicators[0],
        "profielen": [{"naam": p, "label": v.profile_label(p)} for p in a.access],
        "profiel_standaard": a.main_profile,
        "norm": {
            "standaard": state.norm_m,
            "min": s.norm_min_m,
            "max": s.norm_max_m,
            "stap": s.norm_stap_m,
        },
        "categorieen": [{"naam": c, "label": v.label(c), "kleur": v.colour(c)} for c in v.categories],
        "kleuren": {str(c): v.colour(str(c)) for c in state.voorzieningen["categorie"].unique()},
        "typen": [
            {"naam": k, "label": t.label, "eenheid": t.omvang_eenheid, "max_omvang": t.max_omvang}
            for k, t in state.toets_settings.types.items()
        ],
        "netwerk_bron": str(a.inputs.osm.source),
        "max_wijzigingen": s.max_wijzigingen,
    }


def as_json(value: Any) -> str:
    """``value`` as JSON text: NaN and infinity become null, numpy numbers plain numbers."""

    def clean(o: Any) -> Any:
        if isinstance(o, dict):
            return {str(k): clean(v) for k, v in o.items()}
        if isinstance(o, list | tuple):
            return [clean(v) for v in o]
        if isinstance(o, np.generic):
            o = o.item()
        if isinstance(o, float) and not np.isfinite(o):
            return None
        if isinstance(o, np.ndarray):
            return clean(o.tolist())
        return o

    return json.dumps(clean(value), ensure_ascii=False, allow_nan=False, default=str)
