"""run_toets: the check of a proposed care initiative, from its steps; its summary and sources."""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from woonzorg_geo import RD_NEW
from woonzorg_geo.areas.aggregation import assign_areas
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.network.accessibility import PointAccess
from woonzorg_geo.network.paths import distances_from
from woonzorg_geo.toets.access import RunNorm, access_rows, norm_met, run_norm, site_access
from woonzorg_geo.toets.evidence import toets_sources
from woonzorg_geo.toets.existing import ExistingInitiatives
from woonzorg_geo.toets.locate import initiatives_frame, locate_site, offline_geocoder, read_register
from woonzorg_geo.toets.model import Part, ToetsResult, counted, worst
from woonzorg_geo.toets.parts import inhabitants, part_initiative, part_municipality, part_neighbourhood, part_region
from woonzorg_geo.toets.places import Places, municipality_places
from woonzorg_geo.toets.records import AccessRow, NearbyInitiative, SiteInfo, UnplacedRow, WhatIfRow
from woonzorg_geo.toets.settings import VERDICT_TEXT, CareType, Geocode, ToetsSettings, load_toets_settings
from woonzorg_geo.toets.site_map import site_map
from woonzorg_geo.toets.values import as_text
from woonzorg_geo.toets.whatif import what_if_rows

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Main entry
# --------------------------------------------------------------------------------------------


def run_toets(
    analysis: Analysis,
    *,
    adres: str | None = None,
    punt: tuple[float, float] | None = None,
    zorgtype: str,
    omvang: int,
    register: Path | None = None,
    settings: ToetsSettings | None = None,
    geocoder: Geocode | None = None,
    places: Places | None = None,
) -> ToetsResult:
    """Check a proposed care initiative against the toetsingskader.

    Parameters
    ----------
    analysis
        The run's :class:`.areas.analysis.Analysis`: its settings and vocabulary (norm, profiles,
        categories), inputs (gemeente, voorzieningen, kerncijfers, OSM, paths), walking graphs and
        accessibility, and buurten/wijken with overlays.
    adres
        ``'Straat huisnummer, Plaats'`` (optionally with a postcode after the comma). The place
        must lie in the gemeente.
    punt
        ``(lon, lat)`` in WGS84, instead of an address.
    zorgtype
        Type of the initiative, a key of ``[types]`` in the settings (``beschermd_wonen``, …).
    omvang
        Size in the type's unit (bewoners, plaatsen, woningen): 1 up to the type's ``max_omvang``.
    register
        CSV of existing care initiatives (``naam``, ``adres``, ``postcode``, ``type``). Without it,
        or when none of its rows can be placed, part 1 is ``onbekend`` and says why.
    settings
        Toets settings; default :func:`load_toets_settings`.
    geocoder
        ``(address, postcode) -> dict`` (as :meth:`.OfflineGeocoder.geocode_one` or
        :func:`.locatieserver_geocoder`); default: the offline geocoder of the analysis.
    places
        The places of the gemeente (default: :func:`.municipality_places` of the analysis' inputs).

    Returns
    -------
    ToetsResult

    Raises
    ------
    ToetsError
        Unknown type, an implausible omvang, no or two locations, a location or place outside
        the gemeente.
    GeocodeError
        The address was not found precisely enough.
    SettingsError
        The toets settings name a profile or category the run's settings do not have.
    DataFileError, MissingDataError
        The register cannot be read.
    """
    s = settings or load_toets_settings()
    zt = s.care_type(zorgtype)
    zt.check_size(omvang)
    ctx = prepare_toets(analysis, register=register, settings=s, geocoder=geocoder, places=places)
    return check_site(ctx, adres=adres, punt=punt, zorgtype=zorgtype, omvang=omvang)


@dataclass
class ToetsContext:
    """What every toets on one analysis shares: the settings, the run's norm, the places, the register.

    Made by :func:`prepare_toets`; :func:`check_site` checks one site with it. A list of
    initiatives (``toets --lijst``) prepares once and checks every row, so the register is read
    and geocoded once, not once per row; the result of each row is that of :func:`run_toets`.
    """

    analysis: Analysis
    settings: ToetsSettings
    run: RunNorm
    run_notes: tuple[str, ...]
    get_coder: Callable[[], Geocode]
    places: Places
    register: Path | None
    rapport: str
    #: ``(left, right) -> (to_left, to_right)``: network distance from the two end nodes of the
    #: site's edge to every voorziening's node, up to the norm (None: :func:`.network.accessibility.bounded_distances`)
    search: Callable[[int, int], tuple[np.ndarray, np.ndarray]] | None = None
    #: draw the map of each site (:mod:`.site_map`); a list without reports needs none
    kaart: bool = True
    _register_base: _RegisterBase | None = None
    #: the buurt and wijk rows looked up so far, by ("buurt"/"wijk", code)
    area_rows: dict[tuple[str, Any], pd.Series | None] = field(default_factory=dict)

    def register_base(self) -> _RegisterBase:
        """The register and OSM's care locations, read and placed on first use."""
        if self._register_base is None:
            self._register_base = _initiatives_base(
                self.analysis, self.settings, self.places, self.register, self.get_coder
            )
        return self._register_base


def prepare_toets(
    analysis: Analysis,
    *,
    register: Path | None = None,
    settings: ToetsSettings | None = None,
    geocoder: Geocode | None = None,
    places: Places | None = None,
    many: bool = False,
    kaart: bool | None = None,
) -> ToetsContext:
    """Prepare checks on ``analysis`` (parameters as :func:`run_toets`).

    With ``many`` (a list of initiatives), the register is read at once and the searches use
    :func:`scipy.sparse.csgraph.dijkstra` (worth its import for more than a few sites). ``kaart``:
    compute each site's map (default: for a single site, not with ``many``).

    Raises
    ------
    SettingsError
        The toets settings name a profile or category the run's settings do not have.
    DataFileError, MissingDataError
        With ``many``: the register cannot be read.
    """
    s = settings or load_toets_settings()
    run, notes = run_norm(analysis, s)
    pl = places or municipality_places(analysis.inputs, osm_classes=s.locatie.plaats_klassen)
    ctx = ToetsContext(
        analysis=analysis,
        settings=s,
        run=run,
        run_notes=tuple(notes),
        get_coder=_geocoder_on_demand(analysis, geocoder),
        places=pl,
        register=register,
        rapport=analysis.settings.overlays.bron_rapport or "rapport van de gemeente",
        kaart=not many if kaart is None else kaart,
    )
    if many:
        ctx.register_base()
        ctx.search = _dijkstra_search(analysis, run)
    return ctx


def check_site(
    ctx: ToetsContext,
    *,
    adres: str | None = None,
    punt: tuple[float, float] | None = None,
    zorgtype: str,
    omvang: int,
) -> ToetsResult:
    """Check one site with a prepared context; the result of :func:`run_toets` with the same arguments.

    Raises
    ------
    ToetsError, GeocodeError
        As :func:`run_toets`.
    """
    analysis, s, run, register, rapport = ctx.analysis, ctx.settings, ctx.run, ctx.register, ctx.rapport
    zt = s.care_type(zorgtype)
    omvang = zt.check_size(omvang)
    meldingen = list(ctx.run_notes)
    site = _place_site(analysis, s, ctx.places, adres, punt, ctx.get_coder, meldingen, ctx.area_rows)
    ini = _existing_initiatives(ctx.register_base(), s, site.point, meldingen)
    acc = _accessibility(analysis, s, run, site.point, meldingen, search=ctx.search)
    delen, wat_als = _four_parts(analysis, s, zt, omvang, site, ini, acc, run, rapport)
    overall = worst([p.oordeel for p in delen[:3]])
    k = s.kaart
    kaart = (
        site_map(
            analysis,
            point=site.point,
            pa=acc.point,
            profile=run.profile,
            norm_m=run.norm_m,
            profile_label=run.profile_label,
            rows=acc.rows,
            margin_m=k.marge_m,
            aspect=k.verhouding,
            concave_ratio=k.concave_ratio,
        )
        if ctx.kaart
        else None
    )
    label = site.loc["invoer"] if adres is not None else f"punt {fmt.lonlat(site.loc['lon'], site.loc['lat'])}"
    result = ToetsResult(
        slug=slug(label),
        invoer={
            "adres": adres,
            "punt": None if punt is None else [float(punt[0]), float(punt[1])],
            "type": zt.key,
            "omvang": omvang,
            "register": None if register is None else str(register),
        },
        locatie=site.loc,
        zorgtype=zt,
        omvang=omvang,
        delen=delen,
        oordeel=overall,
        samenvatting=_summary(overall, delen, zt, omvang, site.loc),
        bereikbaarheid=_access_table(acc.rows, run),
        wat_als=tuple(wat_als),
        initiatieven=tuple(_nearby(ini.arrays, site.point, s)),
        niet_geplaatst=tuple(ini.niet_geplaatst),
        bronnen=tuple(toets_sources(analysis, s, register, rapport, site.loc, zorgtype=zt)),
        meldingen=tuple(meldingen),
        kader=s.kader,
        instellingen=s.source,
        gemaakt_op=_dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        kaart=kaart,
    )
    log.info("toets %s (%s, %d %s): %s", label, zt.key, omvang, zt.omvang_eenheid, overall)
    return result


def _dijkstra_search(analysis: Analysis, run: RunNorm) -> Callable[[int, int], tuple[np.ndarray, np.ndarray]]:
    """The search of :func:`.access.site_access` by :func:`.network.paths.distances_from` (the same distances, in C)."""
    routing = analysis.access[run.profile].routing
    matrix, nodes, limit = routing.matrix, routing.dest_node, run.norm_m
    if "sample_tree" not in routing.pg.__dict__:
        routing.pg.sample_tree  # noqa: B018  # built once: every site's snap then takes the tree

    def search(left: int, right: int) -> tuple[np.ndarray, np.ndarray]:
        d = distances_from(matrix, [left, right], limit=limit)
        return d[0, nodes], d[1, nodes]

    return search


# --------------------------------------------------------------------------------------------
# The steps of run_toets
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    """The site: its point (EPSG:28992), what locating it found, its buurt and wijk."""

    point: shapely.Point
    loc: SiteInfo
    buurtcode: Any  # the code, or a missing value when no buurt holds the point
    wijkcode: Any
    buurt: pd.Series | None
    wijk: pd.Series | None


@dataclass(frozen=True)
class _Initiatives:
    """The existing initiatives: the register's rows and OSM's care locations."""

    frame: gpd.GeoDataFrame  # every initiative, with ``type``, ``type_label``, ``bron``
    status: str  # the register: ``geen`` (none given), ``onbruikbaar`` (no row placed) or ``ok``
    niet_geplaatst: list[UnplacedRow]  # register rows that could not be placed
    areas: pd.DataFrame  # those within the gemeente, with ``buurtcode`` and ``wijkcode``
    arrays: ExistingInitiatives  # the same as arrays and counts per area


@dataclass(frozen=True)
class _Access:
    """The accessibility of the site."""

    point: PointAccess
    within: pd.Series  # network distance to every voorziening within the norm
    rows: list[AccessRow]  # one per category of the toets
    norm_ok: bool | None  # every category of the norm within it; None when one is unknown


def _geocoder_on_demand(analysis: Analysis, geocoder: Geocode | None) -> Callable[[], Geocode]:
    """``geocoder``, or the analysis' offline geocoder, made on first use (a point needs none)."""
    coder: list[Geocode] = [geocoder] if geocoder is not None else []

    def get_coder() -> Geocode:
        if not coder:
            coder.append(offline_geocoder(analysis))
        return coder[0]

    return get_coder


def _place_site(
    analysis: Analysis,
    s: ToetsSettings,
    pl: Places,
    adres: str | None,
    punt: tuple[float, float] | None,
    get_coder: Callable[[], Geocode],
    meldingen: list[str],
    area_rows: dict[tuple[str, Any], pd.Series | None] | None = None,
) -> _Site:
    """Locate the site (:func:`.locate.locate_site`) and find its buurt and wijk; notes go to ``meldingen``.

    ``area_rows`` keeps the buurt and wijk rows already looked up (a list of sites shares them).
    """
    if adres is not None and punt is None:
        point, loc = locate_site(analysis.inputs, adres=adres, punt=None, geocode=get_coder(), settings=s, places=pl)
    else:
        point, loc = locate_site(
            analysis.inputs, adres=adres, punt=punt, geocode=lambda a, p: {}, settings=s, places=pl
        )
    if loc.get("waarschuwing"):
        meldingen.append(str(loc["waarschuwing"]))
    if loc.get("opmerking_plaats"):
        meldingen.append(str(loc["opmerking_plaats"]).capitalize() + ".")
    buurtcode, wijkcode = _area_codes(analysis, point)
    rows = {} if area_rows is None else area_rows
    if ("buurt", buurtcode) not in rows:
        rows["buurt", buurtcode] = analysis.buurten.loc[buurtcode] if buurtcode in analysis.buurten.index else None
    if ("wijk", wijkcode) not in rows:
        rows["wijk", wijkcode] = analysis.wijken.loc[wijkcode] if wijkcode in analysis.wijken.index else None
    buurt, wijk = rows["buurt", buurtcode], rows["wijk", wijkcode]
    loc.update(
        {
            "buurtcode": as_text(buurtcode) or None,
            "buurtnaam": None if buurt is None else as_text(buurt.get("naam")) or None,
            "wijkcode": as_text(wijkcode) or None,
            "wijknaam": None if wijk is None else as_text(wijk.get("naam")) or None,
        }
    )
    return _Site(point=point, loc=loc, buurtcode=buurtcode, wijkcode=wijkcode, buurt=buurt, wijk=wijk)


@dataclass(frozen=True)
class _RegisterBase:
    """The existing initiatives, whatever the site: the register read and placed, plus OSM's."""

    placed: gpd.GeoDataFrame | None  # the register's placed rows (None: no register given)
    messages: tuple[str, ...]  # from reading the register (unknown types)
    initiatives: _Initiatives
    reg_geoms: np.ndarray  # the placed rows' points, line numbers and names
    reg_regel: np.ndarray
    reg_naam: np.ndarray


def _initiatives_base(
    analysis: Analysis, s: ToetsSettings, pl: Places, register: Path | None, get_coder: Callable[[], Geocode]
) -> _RegisterBase:
    """Read the register (if any), merge it with OSM's care locations, place them in the areas."""
    reg = None
    niet_geplaatst: list[UnplacedRow] = []
    msgs: list[str] = []
    if register is not None:
        reg, niet_geplaatst, msgs = read_register(register, settings=s, geocode=get_coder(), places=pl)
    status = "geen" if register is None else ("ok" if reg is not None and len(reg) else "onbruikbaar")
    init = initiatives_frame(analysis, reg, s)
    inside = init.loc[init.within(pl.shape)] if len(init) else init
    if len(inside):
        ia, _ = assign_areas(inside, analysis.buurten, analysis.wijken)
        init_areas = pd.concat([inside.drop(columns="geometry"), ia[["buurtcode", "wijkcode"]]], axis=1)
    else:
        init_areas = pd.DataFrame(columns=["type", "buurtcode", "wijkcode"])
    placed = reg if reg is not None and len(reg) else None
    return _RegisterBase(
        placed=reg,
        messages=tuple(msgs),
        reg_geoms=placed.geometry.to_numpy() if placed is not None else np.zeros(0, dtype=object),
        reg_regel=placed["regel"].to_numpy(dtype=object) if placed is not None else np.zeros(0, dtype=object),
        reg_naam=placed["naam"].to_numpy(dtype=object) if placed is not None else np.zeros(0, dtype=object),
        initiatives=_Initiatives(
            frame=init,
            status=status,
            niet_geplaatst=niet_geplaatst,
            areas=init_areas,
            arrays=ExistingInitiatives.of(init, init_areas),
        ),
    )


def _area_codes(analysis: Analysis, point: shapely.Point) -> tuple[Any, Any]:
    """The buurt and wijk of one point, as :func:`.aggregate.assign_areas` gives them.

    A point inside exactly one buurt whose wijk is known takes it from the buurten's spatial
    index; any other (inside none, or several) goes through :func:`.aggregate.assign_areas` itself.
    """
    buurten = analysis.buurten
    if buurten.crs is not None and len(buurten):
        hits = buurten.sindex.query(point, predicate="within")
        if len(hits) == 1:
            pos = int(hits[0])
            wijkcode = buurten["wijkcode"].iloc[pos]
            if wijkcode in analysis.wijken.index:
                return buurten.index[pos], wijkcode
    areas, _ = assign_areas(gpd.GeoDataFrame(geometry=[point], crs=RD_NEW), buurten, analysis.wijken)
    return areas["buurtcode"].iloc[0], areas["wijkcode"].iloc[0]


def _existing_initiatives(
    base: _RegisterBase, s: ToetsSettings, point: shapely.Point, meldingen: list[str]
) -> _Initiatives:
    """The existing initiatives for a site: notes on register rows at the site itself go to ``meldingen``."""
    reg = base.placed
    if reg is not None:
        meldingen.extend(base.messages)
        near = shapely.distance(base.reg_geoms, point) < s.register.samenvoegen_m if len(reg) else np.zeros(0, bool)
        for k in np.flatnonzero(near):
            meldingen.append(
                f"Register regel {base.reg_regel[k]} ({base.reg_naam[k]}) ligt op de locatie zelf "
                f"(< {fmt.compact(s.register.samenvoegen_m, 2)} m): is dit het initiatief zelf? "
                "Het telt mee als bestaand initiatief."
            )
        if base.initiatives.niet_geplaatst:
            meldingen.append(
                f"{len(base.initiatives.niet_geplaatst)} register-rij(en) konden niet worden geplaatst; "
                "zie de lijst in deel 1."
            )
    return base.initiatives


def _accessibility(
    analysis: Analysis,
    s: ToetsSettings,
    run: RunNorm,
    point: shapely.Point,
    meldingen: list[str],
    *,
    search: Callable[[int, int], tuple[np.ndarray, np.ndarray]] | None = None,
) -> _Access:
    """The accessibility of the site per category of the toets, and whether it meets the norm."""
    pa, within = site_access(analysis, point, run, search=search)
    rows = access_rows(analysis, pa, within, run, s)
    norm_ok = norm_met(rows, s)
    if pa.far[0]:
        meldingen.append(
            f"De locatie ligt meer dan {fmt.compact(run.max_snap_m, 2)} m van het looppadennetwerk: bereikbaarheid onbekend."
        )
    return _Access(point=pa, within=within, rows=rows, norm_ok=norm_ok)


def _four_parts(
    analysis: Analysis,
    s: ToetsSettings,
    zt: CareType,
    omvang: int,
    site: _Site,
    ini: _Initiatives,
    acc: _Access,
    run: RunNorm,
    rapport: str,
) -> tuple[tuple[Part, Part, Part, Part], list[WhatIfRow]]:
    """The four parts of the check, and the what-if of the areas."""
    inw = inhabitants(analysis, site.buurt, site.wijk, rapport)
    p1, counts = part_region(
        s, zt, site.point, ini.arrays, ini.status, ini.niet_geplaatst, inw, site.buurtcode, site.wijkcode
    )
    p2 = part_municipality(s, zt, site.buurt, site.wijk, omvang, inw, acc.norm_ok, rapport, run)
    p3 = part_neighbourhood(s, site.buurt, acc.within, analysis.inputs.voorzieningen, bool(acc.point.far[0]), run)
    p4 = part_initiative(s)
    wat_als = what_if_rows(s, zt, omvang, site.buurt, site.wijk, inw, counts, ini.status, acc.norm_ok, rapport, run)
    return (p1, p2, p3, p4), wat_als


def _access_table(rows: Sequence[AccessRow], run: RunNorm) -> tuple[AccessRow, ...]:
    """The accessibility rows with the profile, its speed and the norm."""
    return tuple(
        {
            **r,
            "profiel": run.profile,
            "profiel_label": run.profile_label,
            "snelheid_m_s": run.speed_m_s,
            "norm_m": run.norm_m,
        }
        for r in rows
    )


def _nearby(init: ExistingInitiatives, point: shapely.Point, s: ToetsSettings) -> list[NearbyInitiative]:
    """The initiatives within the largest radius of the thresholds, nearest first."""
    dist_all = init.distance(point)
    max_r = max(d.straal_m for d in s.drempels.values())
    nearby: list[NearbyInitiative] = [
        {
            "naam": as_text(init.naam[k], "(naamloos)"),
            "adres": as_text(init.adres[k]),
            "type": init.type[k],
            "type_label": init.type_label[k],
            "bron": init.bron[k],
            "afstand_m": round(float(dist_all[k]), 1),
        }
        for k in np.flatnonzero(dist_all <= max_r)
    ]
    nearby.sort(key=lambda x: x["afstand_m"])
    return nearby


def _summary(overall: str, delen: Sequence[Part], zt: CareType, omvang: int, loc: SiteInfo) -> str:
    where = f"{loc['label']} (buurt {loc.get('buurtnaam') or 'onbekend'}, wijk {loc.get('wijknaam') or 'onbekend'})"
    lines = [f"{zt.label}, {omvang} {zt.omvang_eenheid}, op {where}: {overall} — {VERDICT_TEXT[overall]}."]
    for d in delen[:3]:
        bad = [c.naam for c in counted(d.criteria) if c.oordeel in ("rood", "oranje")]
        unknown = [c for c in counted(d.criteria) if c.oordeel == "onbekend"]
        detail = ""
        if bad:
            detail = " Aandacht: " + "; ".join(bad) + "."
        elif unknown:
            detail = f" {len(unknown)} {'criterium' if len(unknown) == 1 else 'criteria'} onbekend."
        lines.append(f"Deel {d.nummer} {d.titel.lower()}: {d.oordeel}.{detail}")
    lines.append(
        f"Deel 4 {delen[3].titel.lower()}: {len(delen[3].criteria)} onderdelen aan te leveren door de initiatiefnemer."
    )
    return "\n".join(lines)
