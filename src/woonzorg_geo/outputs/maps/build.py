"""The standard map set from an analyse output folder: the gemeente and every wijk."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from woonzorg_geo.areas.summary import gemeente_figures
from woonzorg_geo.core.config import MapSettings
from woonzorg_geo.core.errors import DataFileError
from woonzorg_geo.core.formatting import slug
from woonzorg_geo.core.io import Owner, derived_owner, staged_dir
from woonzorg_geo.core.palette import BUURT_OUTLINE, LOCAL_ROADS, MAIN_ROADS, Classes, distance_classes

if TYPE_CHECKING:  # folium is imported inside the functions: it is heavy and optional
    import folium

from woonzorg_geo.areas.overlays.scaling import SCALING_NOTES
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.vocabulary import REPORT_NORM, Vocabulary
from woonzorg_geo.outputs.maps.assets import resolve_offline
from woonzorg_geo.outputs.maps.balance import write_missing_page
from woonzorg_geo.outputs.maps.base import add_exclusive, add_layer_control, add_panel, last_layer, new_map, panel_html
from woonzorg_geo.outputs.maps.data import MapData, load_map_data
from woonzorg_geo.outputs.maps.geometry import shared_drawing, to_metric
from woonzorg_geo.outputs.maps.layers import add_area_outlines, add_choropleth, add_context, save_map
from woonzorg_geo.outputs.maps.points import add_homes, add_voorzieningen
from woonzorg_geo.outputs.maps.surfaces import add_service_areas, add_surface
from woonzorg_geo.outputs.maps.themes import DEFAULT_BALANCE, overlay_map

log = logging.getLogger(__name__)
# --------------------------------------------------------------------------------------------
# The standard map set from an analyse output folder
# --------------------------------------------------------------------------------------------

#: Voorzieningen layers that are on when a map opens.
SHOW_VZ = ("huisarts", "supermarkt", "apotheek", "treinstation")


def _home_label(vocab: Vocabulary, cat: str) -> str:
    return f"Woningen: looptijd naar {vocab.noun(cat)}"


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
        min_count=data.map_settings.min_adressen,
        legend_subtitle=share.subtitle,
    )
    add_context(m, data.network, road_classes=MAIN_ROADS, show=offline)
    areas = [c for c in categories if (data.service_areas["categorie"] == c).any()]
    add_service_areas(
        m,
        data.service_areas,
        categories=areas,
        legend_subtitles={c: data.walk_caption(c).subtitle for c in areas},
    )
    surfaces = []
    for cat in categories:
        source = data.surface(cat)
        if source is None:
            log.info("geen oppervlak voor %s: %s ontbreekt", cat, data.tif(cat))
            continue
        cap = data.walk_caption(cat, measure="Loopafstand te voet")
        add_surface(
            m,
            source,
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
    if not fig and len(data.addresses):
        fig = {"n_adressen": len(data.addresses)}
    rows = [("Adressen", fmt.number(fig.get("n_adressen", len(data.addresses))))]
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
    metric_wijk = to_metric(wijk, "wijk")
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
            min_count=data.map_settings.min_adressen,
            legend_subtitle=share.subtitle,
        )
    add_context(m, data.network, road_classes=(*LOCAL_ROADS, *MAIN_ROADS), within=around, show=offline)
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
    homes = data.addresses[data.addresses["wijkcode"] == code]
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
        near = to_metric(vz, "voorzieningen")
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
    data = load_map_data(
        out_dir, profile_suffix=profile_suffix, profile=profile, vocabulary=vocabulary, map_settings=map_settings
    )
    with map_folder(maps_dir, out_dir=out_dir, gemeente=gemeente, owner=owner) as tmp:
        names = render_maps(data, tmp, gemeente=gemeente, offline=offline, balance=balance)
    paths = [maps_dir / n for n in names]
    log.info("%d kaarten geschreven in %s", len(paths), maps_dir)
    return paths


def map_folder(
    maps_dir: str | Path, *, out_dir: str | Path, gemeente: str, owner: Owner | None = None
) -> AbstractContextManager[Path]:
    """The staging folder of a set of maps: moved into ``maps_dir`` as a whole when the block succeeds.

    The maps are replaced as a set: the previous run's maps that this run does not write again
    are removed (see :func:`woonzorg_geo.core.io.staged_dir`). ``owner`` is ``kaarten`` for the
    gemeente of ``out_dir``'s analysis unless given; another command's folder is refused here,
    before anything is drawn.
    """
    return staged_dir(
        maps_dir,
        owner=owner or derived_owner("kaarten", out_dir, naam=gemeente),
        replace_set=True,
        manifest={"bron": str(out_dir), "gemeente": gemeente},
    )


def render_maps(
    data: MapData,
    folder: Path,
    *,
    gemeente: str,
    offline: bool | None = None,
    balance: Classes = DEFAULT_BALANCE,
) -> list[str]:
    """Draw the set of maps of ``data`` into ``folder`` (see :func:`write_maps`); return the file names.

    ``<gemeente>_bereikbaarheid.html`` first, then ``wijk_<naam>.html`` per wijk, then the overlay
    map (or the page that says what it lacks).
    """
    offline = resolve_offline(offline)
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
    # each geometry is reprojected for drawing once for the whole set (see shared_drawing)
    with shared_drawing():
        m = gemeente_map(data, gemeente=gemeente, offline=offline, wijk_links=links)
        add_layer_control(m)
        names = [save_map(m, folder / gem_file).name]
        for code, name in wijk_files.items():
            m = wijk_map(data, code, gemeente=gemeente, offline=offline, back_link=gem_file)
            add_layer_control(m)
            names.append(save_map(m, folder / name).name)
        ov = data.summary.get("overlays") or {}
        if "balans" in data.wijken.columns and "focus" in data.buurten.columns and not ov.get("zonder_balans"):
            m = overlay_map(
                data.wijken,
                data.buurten,
                gemeente=gemeente,
                balance=balance,
                network=data.network,
                offline=offline,
                vocabulary=data.vocab,
                bounds=data.view(),
                attribution=data.attribution,
                sources=data.sources,
                min_count=data.map_settings.min_adressen,
                provenance=str(ov.get("herkomst_kort") or ov.get("herkomst_tekst", "")),
                scaling_note=SCALING_NOTES.get(str(ov.get("schaling", "")), ""),
            )
            names.append(save_map(m, folder / f"{slug(gemeente)}_draagkracht.html").name)
        elif ov.get("zonder_balans"):  # no indicators: what to bring instead of an all-grey map (issue 24 §6)
            page = write_missing_page(
                folder / f"{slug(gemeente)}_draagkracht.html",
                data.wijken,
                ov,
                gemeente=gemeente,
                balance_labels=balance.labels,
                min_dekking=float(ov.get("min_dekking", 0.75)),
                gevoeligheid=float(ov.get("gevoeligheid_factor", 0.2)),
            )
            names.append(page.name)
    return names
