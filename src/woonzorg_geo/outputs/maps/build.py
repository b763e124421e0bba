"""The standard map set from an analyse output folder: the gemeente and every wijk."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import pandas as pd

from woonzorg_geo.areas.summary import RunSummary, gemeente_figures
from woonzorg_geo.core import provenance
from woonzorg_geo.core.config import MapSettings
from woonzorg_geo.core.errors import DataFileError, MissingDataError
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.core.io import Owner, derived_owner, read_manifest, staged_dir
from woonzorg_geo.core.palette import BUURT_OUTLINE, LOCAL_ROADS, MAIN_ROADS, Classes, distance_classes

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    import folium

from woonzorg_geo.areas.overlays.scaling import SCALING_NOTES
from woonzorg_geo.core.vocabulary import REPORT_NORM, Vocabulary, default_vocabulary
from woonzorg_geo.outputs.maps.assets import resolve_offline
from woonzorg_geo.outputs.maps.base import (
    _check_crs,
    _metric,
    add_exclusive,
    add_layer_control,
    add_panel,
    built_up_bounds,
    last_layer,
    new_map,
    panel_html,
)
from woonzorg_geo.outputs.maps.captions import Caption, share_caption, walk_caption
from woonzorg_geo.outputs.maps.draagkracht import write_missing_page
from woonzorg_geo.outputs.maps.layers import (
    add_area_outlines,
    add_choropleth,
    add_context,
    add_homes,
    add_service_areas,
    add_surface,
    add_voorzieningen,
    save_map,
)
from woonzorg_geo.outputs.maps.style import RD, nl_number
from woonzorg_geo.outputs.maps.themes import DEFAULT_BALANCE, overlay_map

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# The standard map set from an analyse output folder
# --------------------------------------------------------------------------------------------

#: Of the essentials (``kerncategorieen``), those whose walking time colours the homes on a wijk map
#: (three layers keep a wijk map under 1 MB); the others still appear in the panel.
HOME_THEMES: tuple[str, ...] = ("huisarts", "supermarkt", "ov")
#: Voorzieningen layers that are on when a map opens.
SHOW_VZ = ("huisarts", "supermarkt", "apotheek", "treinstation")


def _home_label(vocab: Vocabulary, cat: str) -> str:
    return f"Woningen: looptijd naar {vocab.noun(cat)}"


@dataclass
class MapData:
    """What the maps are made from: the layers of one ``analyse`` output folder, one profile."""

    out_dir: Path
    profile: str
    suffix: str
    adressen: gpd.GeoDataFrame
    buurten: gpd.GeoDataFrame
    wijken: gpd.GeoDataFrame
    voorzieningen: gpd.GeoDataFrame
    servicegebieden: gpd.GeoDataFrame
    netwerk: gpd.GeoDataFrame
    summary: RunSummary
    vocab: Vocabulary
    manifest: dict[str, Any] = field(default_factory=dict)
    kaarten: MapSettings = field(default_factory=MapSettings)

    @property
    def attribution(self) -> str:
        """The maps' attribution: licences, sources and the data's dates (from ``manifest.json``)."""
        return provenance.attribution(self.manifest)

    @property
    def sources(self) -> str:
        """The data's sources and dates as one line for a panel (``''`` when the output has no manifest)."""
        return provenance.sources_line(self.manifest)

    def view(self, frame: gpd.GeoDataFrame | None = None) -> tuple[float, float, float, float] | gpd.GeoDataFrame:
        """Where a map opens: the built-up extent of the gemeente's addresses, trimmed of outliers by
        ``[kaarten] bebouwd_kwantiel``; for one area (``frame``, e.g. a wijk) the extent of all its
        addresses (a wijk's edge neighbourhoods are part of it); the area itself where it has no
        addresses."""
        pts = self.adressen
        quantile = self.kaarten.bebouwd_kwantiel
        if frame is not None and "code" in frame.columns:
            pts = pts[pts["wijkcode"].isin(frame["code"])]
            quantile = 0.0
        if len(pts) == 0:
            return frame if frame is not None else self.wijken
        return built_up_bounds(pts, quantile=quantile, pad_m=100.0)

    def tif(self, cat: str) -> Path:
        """The surface GeoTIFF of a category for this profile."""
        return self.out_dir / f"bereikbaarheid_{cat}_{self.profile}.tif"

    def col(self, name: str) -> str:
        """A column name with the profile suffix."""
        return f"{name}{self.suffix}"

    def walk_caption(self, category: str, *, measure: str = "Looptijd te voet van de woning") -> Caption:
        """The legend of the walking time or distance to ``category``: destination, profile, data and dates."""
        return walk_caption(
            self.vocab,
            category,
            profile=self.profile,
            manifest=self.manifest,
            voorzieningen=self.voorzieningen,
            measure=measure,
        )

    def share_caption(self) -> Caption:
        """The legend of the areas' share of homes within the norm of the report's combination."""
        vocab = self.vocab
        return share_caption(
            vocab,
            REPORT_NORM,
            title=f"Buurten: % woningen met {vocab.noun(REPORT_NORM)} ≤ {vocab.norm_text}",
            profile=self.profile,
            manifest=self.manifest,
            voorzieningen=self.voorzieningen,
        )

    @property
    def home_categories(self) -> list[str]:
        """The categories whose walking time colours the homes (see :data:`HOME_THEMES`)."""
        have = {*self.vocab.categories, *self.vocab.composites}
        return [c for c in HOME_THEMES if c in have]


def read_summary(path: Path, *, out_dir: Path) -> RunSummary:
    """The ``samenvatting.json`` of an ``analyse`` output folder, checked for what the maps and figures use.

    Raises
    ------
    MissingDataError
        When it is absent.
    DataFileError
        When it is not UTF-8 JSON, not an object, or its ``profielen``, ``gemeente`` or ``norm_m``
        have the wrong form; each names the file, the field and the fix (run ``analyse`` again).
    """
    fix = f"draai `woonzorg-geo analyse --out {out_dir}` opnieuw; samenvatting.json wordt dan opnieuw geschreven"
    if not path.is_file():
        raise MissingDataError(path, fix, problem="bestand ontbreekt")
    try:
        summary = json.loads(path.read_text("utf-8"))
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"geen UTF-8 (byte {exc.start})", fix=fix) from exc
    except json.JSONDecodeError as exc:
        raise DataFileError(path, f"geen geldige JSON ({exc})", fix=fix) from exc
    if not isinstance(summary, dict):
        raise DataFileError(path, f"verwacht een JSON-object {{...}}, maar het is een {_json_kind(summary)}", fix=fix)
    profielen = summary.get("profielen")
    if not isinstance(profielen, dict) or not profielen or not all(isinstance(v, dict) for v in profielen.values()):
        raise DataFileError(
            path, "de doorgerekende profielen ontbreken of hebben een verkeerde vorm", field="profielen", fix=fix
        )
    if "gemeente" in summary and not isinstance(summary["gemeente"], dict):
        raise DataFileError(path, "verwacht een object met code en naam", field="gemeente", fix=fix)
    norm = summary.get("norm_m")
    if norm is not None and (isinstance(norm, bool) or not isinstance(norm, (int, float)) or not 0 < norm <= 5000):
        raise DataFileError(path, f"geen loopnorm in meters: {norm!r}", field="norm_m", fix=fix)
    return cast("RunSummary", summary)  # checked above for the parts the maps and figures read


def _json_kind(value: object) -> str:
    kinds = {list: "lijst", str: "tekst", int: "getal", float: "getal", bool: "true/false", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def load_map_data(
    out_dir: str | Path,
    *,
    profile_suffix: str = "",
    profile: str | None = None,
    vocabulary: Vocabulary | None = None,
    map_settings: MapSettings | None = None,
) -> MapData:
    """Read what the maps need from an ``analyse`` output folder.

    Parameters
    ----------
    out_dir
        The folder ``analyse`` wrote.
    profile
        The walking profile to show (default: the run's main profile). Its columns are found by
        the run's suffix rule (the main profile has none), read from ``samenvatting.json``.
    profile_suffix
        Older form of ``profile``: ``"_senior"`` means profile ``senior``.
    vocabulary
        Labels and categories (default: the package settings'); the norm and profiles are taken
        from the output's ``samenvatting.json`` where it records them.
    map_settings
        ``[kaarten]`` of the settings: the lighter tone below ``min_adressen`` and the built-up
        extent the maps open on (default: the package's).

    Raises
    ------
    MissingDataError
        When ``woonzorg.gpkg`` is absent.
    DataFileError
        When a layer or column is missing or the profile is not in the output (names the file
        and the field).
    """
    import pyogrio

    out_dir = Path(out_dir)
    gpkg = out_dir / "woonzorg.gpkg"
    if not gpkg.is_file():
        raise MissingDataError(gpkg, f"draai eerst `woonzorg-geo analyse --out {out_dir}`")
    if profile_suffix and not re.fullmatch(r"_[a-z0-9]+", profile_suffix):
        raise ValueError(f"profile_suffix moet leeg zijn of zoals '_senior', kreeg {profile_suffix!r}")
    sj = out_dir / "samenvatting.json"
    summary = read_summary(sj, out_dir=out_dir)
    profiles = list(summary.get("profielen", {}))
    vocab = (vocabulary or default_vocabulary()).with_run(profiles=profiles or None, norm_m=summary.get("norm_m"))
    if profile is None and profile_suffix:
        profile = profile_suffix[1:]
    profile = profile or vocab.main_profile
    if profiles and profile not in profiles:
        raise DataFileError(
            sj,
            f"profiel {profile!r} is in deze uitvoer niet doorgerekend",
            field="profielen",
            fix=f"kies een van: {', '.join(profiles)}, of draai `woonzorg-geo analyse --profiel {profile}`",
        )
    sfx = vocab.suffix(profile)
    fix = "draai `woonzorg-geo analyse` opnieuw om de GeoPackage volledig te schrijven"
    try:
        layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    except Exception as exc:  # GDAL raises several types for a damaged file
        raise DataFileError(gpkg, f"de GeoPackage is onleesbaar of afgebroken ({exc})", fix=fix) from exc

    def read(layer: str, required: Sequence[str], columns: list[str] | None = None, **kw: Any) -> gpd.GeoDataFrame:
        if layer not in layers:
            raise DataFileError(gpkg, f"laag {layer!r} ontbreekt", field=layer, fix=fix)
        try:
            have = set(pyogrio.read_info(gpkg, layer=layer)["fields"])
            missing = [c for c in required if c not in have]
            if missing:
                raise DataFileError(gpkg, f"laag {layer!r}: kolom ontbreekt", field=", ".join(missing), fix=fix)
            frame = gpd.read_file(gpkg, layer=layer, columns=columns, **kw)
        except DataFileError:
            raise
        except Exception as exc:  # a truncated or damaged file
            raise DataFileError(gpkg, f"laag {layer!r} is onleesbaar ({exc})", field=layer, fix=fix) from exc
        _check_crs(frame, f"{gpkg}:{layer}")
        return frame

    pct = vocab.column(vocab.pct(REPORT_NORM), profile)
    have = {*vocab.categories, *vocab.composites}
    home_cols = ["wijkcode", "buurtcode", *(vocab.column(f"tijd_{c}_min", profile) for c in HOME_THEMES if c in have)]
    adressen = read("adressen", home_cols, columns=home_cols)
    buurten = read("buurten", ["code", "naam", "wijkcode", pct])
    wijken = read("wijken", ["code", "naam", pct])
    vz = read("voorzieningen", ["categorie"])
    if "servicegebieden" in layers:
        sg = read("servicegebieden", ["categorie"])
        if "profiel" in sg.columns:
            sg = sg[sg["profiel"] == profile]
    else:
        log.warning("%s: geen laag servicegebieden; de kaart krijgt geen loopgebieden", gpkg)
        sg = gpd.GeoDataFrame({"categorie": []}, geometry=[], crs=RD)
    if "netwerk" in layers:
        classes = ", ".join(f"'{c}'" for c in (*MAIN_ROADS, *LOCAL_ROADS))
        netwerk = read("netwerk", ["klasse"], columns=["klasse"], where=f"klasse IN ({classes})")
    else:
        log.warning("%s: geen laag netwerk; de kaart krijgt geen wegen", gpkg)
        netwerk = gpd.GeoDataFrame({"klasse": []}, geometry=[], crs=RD)
    if "wijkcode" in buurten.columns:  # the buurt's wijk, for tooltips
        buurten["wijk"] = buurten["wijkcode"].map(dict(zip(wijken["code"], wijken["naam"])))
    return MapData(
        out_dir,
        profile,
        sfx,
        adressen,
        buurten,
        wijken,
        vz,
        sg,
        netwerk,
        summary,
        vocab,
        manifest=read_manifest(out_dir),
        kaarten=map_settings or MapSettings(),
    )


def _summary_figures(data: MapData) -> dict[str, float | None]:
    return gemeente_figures(data.summary, data.profile)


def gemeente_map(
    data: MapData,
    *,
    gemeente: str,
    offline: bool | None = None,
    categories: Sequence[str] | None = None,
    wijk_links: Sequence[tuple[str, str]] = (),
) -> folium.Map:
    """The map of the whole gemeente: buurten choropleth, wijken, voorzieningen, walking areas, surfaces.

    Parameters
    ----------
    data
        See :func:`load_map_data`.
    gemeente
        Name of the gemeente (title, panel).
    offline
        See :func:`new_map`.
    categories
        Categories that get a walking-area layer and a surface layer (default: the essentials,
        ``kerncategorieen``; voorzieningen: all).
    wijk_links
        (name, file) pairs linked from the panel.

    Returns
    -------
    folium.Map
        Without layer control, so more layers can follow; call :func:`add_layer_control` last.
    """
    vocab = data.vocab
    categories = vocab.key_categories if categories is None else categories
    m = new_map(
        data.view(),
        offline=offline,
        title=f"Gemeente {gemeente} — bereikbaarheid te voet",
        attribution=data.attribution,
    )
    offline = m.woonzorg_offline  # type: ignore[attr-defined]
    share = data.share_caption()
    add_choropleth(
        m,
        data.buurten,
        column=data.col(vocab.pct(REPORT_NORM)),
        label=share.title,
        vocabulary=vocab,
        min_count=data.kaarten.min_adressen,
        legend_subtitle=share.subtitle,
    )
    add_context(m, data.netwerk, road_classes=MAIN_ROADS, show=offline)
    areas = [c for c in categories if (data.servicegebieden["categorie"] == c).any()]
    add_service_areas(
        m,
        data.servicegebieden,
        categories=areas,
        legend_subtitles={c: data.walk_caption(c).subtitle for c in areas},
    )
    surfaces = []
    for cat in categories:
        tif = data.tif(cat)
        if not tif.is_file():
            log.info("geen oppervlak voor %s: %s ontbreekt", cat, tif)
            continue
        cap = data.walk_caption(cat, measure="Loopafstand te voet")
        add_surface(
            m,
            tif,
            label=f"Loopafstand (vlak): {vocab.label(cat)}",
            legend_title=cap.title,
            legend_subtitle=cap.subtitle,
            classes=distance_classes(vocab.norm_m),
        )
        surfaces.append(last_layer(m))
    if len(surfaces) > 1:
        add_exclusive(m, surfaces)
    add_area_outlines(m, data.wijken, name="Wijkgrenzen en namen")
    if "woningen_oorzaak" in data.wijken:
        # wijken whose homes do not reconcile with CBS (issue 19 §2): the cause is in their popup and panel
        odd = data.wijken[data.wijken["woningen_oorzaak"].fillna("").astype(str) != ""]
        if len(odd):
            add_area_outlines(
                m,
                odd,
                name="Wijken: woningen wijken af van CBS",
                colour="#c0392b",
                weight=3.0,
                dash="6 4",
                labels=False,
            )
    add_voorzieningen(m, data.voorzieningen, show=SHOW_VZ)
    fig = _summary_figures(data)
    if not fig and len(data.adressen):
        fig = {"n_adressen": len(data.adressen)}
    rows = [("Adressen", nl_number(fig.get("n_adressen", len(data.adressen))))]
    for key in _panel_keys(vocab):
        if key in fig:
            rows.append((vocab.field_label(key), vocab.format(key, fig[key])))
    add_panel(
        m,
        panel_html(
            f"Gemeente {gemeente}",
            rows,
            note=f"Bereikbaarheid te voet over het OSM-netwerk, profiel {vocab.profile_label(data.profile)}; "
            "percentages van de woningen (adrespunten met woonfunctie). Klik op een buurt of voorziening voor details; lagen aan/uit "
            "via het lagenicoon rechtsboven; klik op een titel om in of uit te klappen.",
            links=wijk_links,
            sources=data.sources,
        ),
    )
    return m


def wijk_map(
    data: MapData, code: str, *, gemeente: str, offline: bool | None = None, back_link: str | None = None
) -> folium.Map:
    """The map of one wijk: homes by walking time (huisarts / supermarkt / OV), voorzieningen, key figures.

    Parameters
    ----------
    data
        See :func:`load_map_data`.
    code
        The wijk's ``code`` in the ``wijken`` layer.
    gemeente
        Name of the gemeente (title, panel).
    offline
        See :func:`new_map`.
    back_link
        File name of the gemeente map, linked from the panel.

    Returns
    -------
    folium.Map
        Without layer control, so more layers can follow; call :func:`add_layer_control` last.
    """
    vocab = data.vocab
    wijken = data.wijken
    wijk = wijken[wijken["code"] == code]
    if wijk.empty:
        raise DataFileError(
            data.out_dir / "woonzorg.gpkg",
            f"wijk {code!r} bestaat niet",
            field="code",
            fix="kies een code uit de laag wijken",
        )
    row = wijk.iloc[0]
    naam = str(row["naam"])
    m = new_map(
        data.view(wijk),
        offline=offline,
        title=f"Wijk {naam} ({gemeente}) — bereikbaarheid te voet",
        attribution=data.attribution,
    )
    offline = m.woonzorg_offline  # type: ignore[attr-defined]
    metric_wijk = _metric(wijk, "wijk")
    around = metric_wijk.buffer(300)
    buurten = data.buurten[data.buurten["wijkcode"] == code]
    if len(buurten):
        share = data.share_caption()
        add_choropleth(
            m,
            buurten,
            column=data.col(vocab.pct(REPORT_NORM)),
            show=False,
            label=share.title,
            vocabulary=vocab,
            min_count=data.kaarten.min_adressen,
            legend_subtitle=share.subtitle,
        )
    add_context(m, data.netwerk, road_classes=(*LOCAL_ROADS, *MAIN_ROADS), within=around, show=offline)
    if len(buurten):
        add_area_outlines(
            m, buurten, name="Buurtgrenzen", colour=BUURT_OUTLINE, weight=1.2, dash="4 4", small=True, label_rank=0
        )
    # the other wijken are named for orientation (after the buurten); this wijk's name is the panel's title
    add_area_outlines(
        m,
        wijken,
        name="Wijkgrenzen en namen",
        weight=2.5,
        label_rank=1,
        label_filter=(wijken["code"] != code).to_numpy(),
    )
    homes = data.adressen[data.adressen["wijkcode"] == code]
    home_layers = []
    for i, cat in enumerate(data.home_categories):
        # each layer brings its own legend, naming its destination: the legend follows the layer shown
        cap = data.walk_caption(cat)
        add_homes(
            m,
            homes,
            column=data.col(f"tijd_{cat}_min"),
            label=_home_label(vocab, cat),
            show=i == 0,
            legend=True,
            legend_title=cap.title,
            legend_subtitle=cap.subtitle,
        )
        home_layers.append(last_layer(m))
    add_exclusive(m, home_layers)
    vz = data.voorzieningen
    if len(vz):
        near = _metric(vz, "voorzieningen")
        vz = vz[near.intersects(metric_wijk.buffer(1500).union_all()).to_numpy()]
    add_voorzieningen(m, vz, show=SHOW_VZ)
    add_panel(
        m,
        panel_html(
            f"Wijk {naam}",
            _wijk_rows(data, row),
            header=("", "wijk", "gemeente"),
            note=f"{code} · gemeente {gemeente} · profiel {vocab.profile_label(data.profile)}. Percentages van de "
            "woningen in de wijk; looptijden over het OSM-netwerk.",
            links=[("← kaart van de gemeente", back_link)] if back_link else (),
            sources=data.sources,
        ),
    )
    return m


def _panel_keys(vocab: Vocabulary) -> list[str]:
    """The figures of the panels: shares within the norm, then median distances of the essentials."""
    return [
        *(vocab.pct(c) for c in vocab.combinations),
        *(vocab.pct(c) for c in vocab.key_categories),
        *(f"med_afstand_{c}_m" for c in vocab.key_categories),
    ]


def _wijk_rows(data: MapData, row: pd.Series) -> list[tuple[str, str, str]]:
    vocab = data.vocab
    gem = _summary_figures(data)
    rows: list[tuple[str, str, str]] = []
    for key in ("n_adressen", "n_woningen", "inwoners_cbs", "woningen_cbs", "woningen_per_cbs"):
        if key in row.index:
            g = gem.get(key) if key in ("n_adressen", "n_woningen") else None
            rows.append(
                (vocab.field_label(key), vocab.format(key, row[key]), vocab.format(key, g) if g is not None else "")
            )
    cause = row.get("woningen_oorzaak")
    if isinstance(cause, str) and cause:
        rows.append(("Let op: woningen wijken af van CBS", f"waarschijnlijk {cause}", ""))
    for key in (*_panel_keys(vocab), "n_onbereikbaar"):
        col = data.col(key)
        if col in row.index:
            g = gem.get(key)
            rows.append(
                (vocab.field_label(key), vocab.format(key, row[col]), vocab.format(key, g) if g is not None else "")
            )
    return rows


def write_maps(
    out_dir: str | Path,
    maps_dir: str | Path,
    *,
    gemeente: str,
    offline: bool | None = None,
    profile_suffix: str = "",
    balance: Classes = DEFAULT_BALANCE,
    profile: str | None = None,
    vocabulary: Vocabulary | None = None,
    map_settings: MapSettings | None = None,
    owner: Owner | None = None,
) -> list[Path]:
    """Write the interactive maps of an ``analyse`` output folder.

    Parameters
    ----------
    out_dir
        Folder written by ``woonzorg-geo analyse --out`` (``woonzorg.gpkg``, GeoTIFFs,
        ``samenvatting.json``).
    maps_dir
        Where the HTML files go (created if needed).
    gemeente
        Name of the gemeente (titles, file name).
    offline
        ``True``: no background tiles, ``False``: OSM and PDOK tiles, ``None``: detect.
        ``WOONZORG_OFFLINE=1`` always means offline. Leaflet is inlined either way (no CDN).
    profile_suffix
        Older form of ``profile``: ``"_senior"`` for profile ``senior``.

    balance
        Classes of the balans, from the run's settings (``balance_classes(o.balans_grenzen,
        o.balans_labels)``); default :data:`~woonzorg_geo.outputs.maps.themes.DEFAULT_BALANCE`, the
        package settings' classes. Used for the overlay map, ``<gemeente>_draagkracht.html``,
        written when the output has the overlay columns.
    profile
        The walking profile to show (default: the run's main profile); see :func:`load_map_data`.
    vocabulary
        The vocabulary of the settings (labels, categories); the norm and profiles come from the output.
    map_settings
        ``[kaarten]`` of the settings (lighter tone, built-up extent); default: the package's.
    owner
        Who ``maps_dir`` belongs to: ``kaarten`` for the gemeente of ``out_dir``'s analysis unless
        given; another command's folder is refused (see :func:`woonzorg_geo.core.io.check_owner`).

    Returns
    -------
    list[Path]
        ``<gemeente>_bereikbaarheid.html`` first, then ``wijk_<naam>.html`` per wijk, then the
        overlay map.
    """
    maps_dir = Path(maps_dir)
    offline = resolve_offline(offline)
    data = load_map_data(
        out_dir, profile_suffix=profile_suffix, profile=profile, vocabulary=vocabulary, map_settings=map_settings
    )
    gem_file = f"{slug(gemeente)}_bereikbaarheid.html"
    wijk_files: dict[str, str] = {}
    used: set[str] = set()
    for code, naam in zip(data.wijken["code"], data.wijken["naam"]):
        name = f"wijk_{slug(naam)}.html"
        if name in used:
            name = f"wijk_{slug(naam)}-{slug(code)}.html"
        used.add(name)
        wijk_files[str(code)] = name
    links = [(str(n), wijk_files[str(c)]) for c, n in zip(data.wijken["code"], data.wijken["naam"])]
    # the maps are replaced as a set: written into a staging folder, moved in together, and the
    # previous run's maps that this run does not write again are removed (see io.staged_dir)
    with staged_dir(
        maps_dir,
        owner=owner or derived_owner("kaarten", out_dir, naam=gemeente),
        replace_set=True,
        manifest={"bron": str(out_dir), "gemeente": gemeente},
    ) as tmp:
        m = gemeente_map(data, gemeente=gemeente, offline=offline, wijk_links=links)
        add_layer_control(m)
        names = [save_map(m, tmp / gem_file).name]
        for code, name in wijk_files.items():
            m = wijk_map(data, code, gemeente=gemeente, offline=offline, back_link=gem_file)
            add_layer_control(m)
            names.append(save_map(m, tmp / name).name)
        ov = data.summary.get("overlays") or {}
        if "balans" in data.wijken.columns and "focus" in data.buurten.columns and not ov.get("zonder_balans"):
            m = overlay_map(
                data.wijken,
                data.buurten,
                gemeente=gemeente,
                balance=balance,
                netwerk=data.netwerk,
                offline=offline,
                vocabulary=data.vocab,
                bounds=data.view(),
                attribution=data.attribution,
                sources=data.sources,
                min_count=data.kaarten.min_adressen,
                provenance=str(ov.get("herkomst_kort") or ov.get("herkomst_tekst", "")),
                scaling_note=SCALING_NOTES.get(str(ov.get("schaling", "")), ""),
            )
            names.append(save_map(m, tmp / f"{slug(gemeente)}_draagkracht.html").name)
        elif ov.get("zonder_balans"):  # no indicators: what to bring instead of an all-grey map (issue 24 §6)
            page = write_missing_page(
                tmp / f"{slug(gemeente)}_draagkracht.html",
                data.wijken,
                ov,
                gemeente=gemeente,
                balance_labels=balance.labels,
                min_dekking=float(ov.get("min_dekking", 0.75)),
                gevoeligheid=float(ov.get("gevoeligheid_factor", 0.2)),
            )
            names.append(page.name)
    paths = [maps_dir / n for n in names]
    log.info("%d kaarten geschreven in %s", len(paths), maps_dir)
    return paths
