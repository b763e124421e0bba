"""The map of ``watals``: what changes, where, and what remains, readable without the CSV.

The page is titled with the change ("Wat als: Albert Heijn Hillenga (vz00320) sluit"); a panel
lists, per category the change touches, the share of homes within the norm per wijk before and
after and the difference (the wijken that change, the gemeente, and the buurten that change most);
the homes that gain or lose access are drawn green and red, the changed voorzieningen marked ＋ and
✕, the voorzieningen of the category that remain with their name, address and id in a popup, and
the streets from OpenStreetMap underneath (the base map when there are no background tiles).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.outputs.pages import map_piece

if TYPE_CHECKING:
    import folium

    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.whatif.engine import WhatIfResult

#: Buurten listed in the panel per category: those whose share changes most.
PANEL_BUURTEN = 5
#: Around what changed, the map shows this much more (metres), and draws the streets this far.
MARGIN_M = 400.0
#: The map also shows the voorzieningen that most of the homes losing access now walk to (this many).
FOCUS_INSTEAD = 2
#: A change smaller than this (percentage points) counts as no change in the panel.
NO_CHANGE_PP = 0.005


def change_title(w: WhatIfResult) -> str:
    """``'Wat als: Albert Heijn Hillenga (vz00320) sluit'``; several changes are named by their number."""
    parts = [
        f"{item.get('naam') or '(naamloos)'} ({item['id']}) sluit" for item in w.samenvatting["wijzigingen"]["weg"]
    ]
    parts += [f"{n.label} opent" for n in w.changes.nieuw]
    if len(parts) <= 2:
        return "Wat als: " + " en ".join(parts)
    name = (w.samenvatting.get("scenario") or {}).get("naam")
    return f"Wat als: {len(parts)} wijzigingen" + (f" ({name})" if name else "")


def _access_classes() -> Any:
    """The two classes of a home on the map: it loses or gains access within the norm."""
    from woonzorg_geo.core.palette import GREEN_TO_RED, Classes

    return Classes(
        (-0.5, 0.5, 1.5), (GREEN_TO_RED[-1], GREEN_TO_RED[0]), ("woning verliest toegang", "woning wint toegang")
    )


def _badge(symbol: str, colour: str) -> Any:
    """A round white badge with a coloured symbol, visible on top of the coloured homes."""
    import folium

    return folium.DivIcon(html=map_piece("badge", symbol, colour), icon_size=(30, 30), icon_anchor=(15, 15))


def _rows(table: pd.DataFrame, col: str, *, limit: int | None = None) -> tuple[list[list[str]], int]:
    """Panel rows (name, before, after, difference) of the areas whose share changes, largest change first."""
    from woonzorg_geo.core import formatting as fmt

    diff = table[f"{col}_verschil"]
    changed = table.loc[diff.abs() >= NO_CHANGE_PP]
    changed = changed.loc[changed[f"{col}_verschil"].abs().sort_values(ascending=False, kind="stable").index]
    if limit is not None:
        changed = changed.head(limit)
    rows = [
        [
            str(r["naam"]) if isinstance(r["naam"], str) and r["naam"] else str(code),
            fmt.percent(r[f"{col}_voor"]),
            fmt.percent(r[f"{col}_na"]),
            fmt.signed(r[f"{col}_verschil"], 1),
        ]
        for code, r in changed.iterrows()
    ]
    return rows, len(table) - len(changed)


def _homes_moved(w: WhatIfResult, a: Analysis, profile: str, cat: str) -> tuple[int, int]:
    """The woningen (as the shares count them) that lose and gain access, for one profile and category."""
    rows = w.adressen.loc[(w.adressen["profiel"] == profile) & (w.adressen["categorie"] == cat), "toegang"]
    if "woning" in a.adressen:
        homes = a.adressen["woning"].reindex(rows.index).fillna(False).to_numpy(dtype=bool)
        rows = rows.loc[homes]
    return int((rows == "verliest").sum()), int((rows == "wint").sum())


def panel_html(w: WhatIfResult, a: Analysis, *, profile: str | None = None) -> str:
    """The panel: per touched category (main profile), the wijken before/after/difference and the top buurten."""
    from woonzorg_geo.core import formatting as fmt

    vocab = a.vocab
    name = profile or vocab.main_profile
    if name not in w.samenvatting["profielen"]:
        name = next(iter(w.samenvatting["profielen"]))
    prof = w.samenvatting["profielen"][name]
    header = ["voor", "na", "verschil"]
    base = [c for c in prof["categorieen"] if c in vocab.categories] or list(prof["categorieen"])
    wijken = w.wijken.loc[w.wijken["profiel"] == name]
    buurten = w.buurten.loc[w.buurten["profiel"] == name]
    sections = []
    for cat in base:
        s = prof["categorieen"][cat]
        col = f"pct_{vocab.within(cat)}"
        if f"{col}_voor" not in wijken:
            continue
        wijk_rows, same = _rows(wijken, col)
        buurt_rows, _ = _rows(buurten, col, limit=PANEL_BUURTEN)
        lose, gain = _homes_moved(w, a, name, cat)
        sections.append(
            {
                "label": vocab.label(cat),
                "wijk_header": ["Wijk", *header],
                "wijk_rows": wijk_rows,
                "total": [
                    f"Gemeente {a.settings.gemeente.naam}",
                    fmt.percent(s["pct_voor"]),
                    fmt.percent(s["pct_na"]),
                    fmt.signed(s["verschil_procentpunt"], 1),
                ],
                "same": same,
                "buurt_header": [f"Buurten (grootste {len(buurt_rows)})", *header],
                "buurt_rows": buurt_rows,
                "lose": fmt.number(lose),
                "gain": fmt.number(gain),
                "lose_addresses": fmt.number(s["adressen_verliezen_toegang"]),
                "gain_addresses": fmt.number(s["adressen_winnen_toegang"]),
            }
        )
    others = [  # the other profiles: the gemeente's figure
        {
            "profile": p["label"],
            "noun": vocab.noun(cat),
            "before": fmt.percent(p["categorieen"][cat]["pct_voor"]),
            "after": fmt.percent(p["categorieen"][cat]["pct_na"]),
            "change": fmt.signed(p["categorieen"][cat]["verschil_procentpunt"], 1),
        }
        for other, p in w.samenvatting["profielen"].items()
        if other != name
        for cat in base
        if cat in p["categorieen"]
    ]
    return map_piece(
        "watals_panel",
        title=change_title(w),
        norm=vocab.norm_text,
        profile=prof["label"],
        sections=sections,
        others=others,
        combos=", ".join(vocab.label(c) for c in prof["categorieen"] if c not in base),
        unreachable=list(prof["onbereikbare_nieuwe"]),
    )


def _remaining(m: folium.Map, w: WhatIfResult, a: Analysis) -> list[tuple[str, str, str]]:
    """The voorzieningen of the touched categories that remain, one layer per category, with popups."""
    import folium
    import geopandas as gpd

    from woonzorg_geo.core.escaping import html_in_js
    from woonzorg_geo.sources.addresses import with_addresses

    vocab = a.vocab
    vz = a.inputs.voorzieningen
    cats = vocab.ordered({n.categorie for n in w.changes.nieuw} | {str(vz.at[i, "categorie"]) for i in w.changes.weg})
    items = []
    for cat in cats:
        keep = vz.loc[(vz["categorie"] == cat) & ~vz.index.isin(list(w.changes.weg))]
        if keep.empty:
            continue
        keep = with_addresses(keep, a.inputs, settings=a.settings)
        ll = gpd.GeoSeries(keep.geometry, crs=vz.crs).to_crs(WGS84)
        sym = vocab.style(cat)
        group = folium.FeatureGroup(name=html_in_js(f"{sym.label}: blijven open ({len(keep)})"), show=True)
        for (i, row), p in zip(keep.iterrows(), ll, strict=True):
            naam = str(row["naam"]) if isinstance(row.get("naam"), str) and row["naam"].strip() else "(naamloos)"
            icon = folium.DivIcon(
                html=map_piece("vz_symbol", sym.colour, sym.letter),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
                class_name="wz-vz-icon",
            )
            folium.Marker(
                [p.y, p.x],
                icon=icon,
                tooltip=html_in_js(naam),
                popup=folium.Popup(
                    map_piece(
                        "popup_table",
                        [("Naam", naam), ("Soort", sym.label), ("Adres", row["adres"] or "onbekend"), ("Id", str(i))],
                    ),
                    max_width=320,
                ),
            ).add_to(group)
        group.add_to(m)
        items.append((sym.colour, f"{sym.label} (blijft open)", sym.letter))
    return items


def whatif_map(w: WhatIfResult, a: Analysis, *, offline: bool | None = None) -> Any:
    """Folium map of the change: title, panel with the per-wijk figures, the homes that gain (green)
    and lose (red) access within the norm per profile and category (one layer each, the first
    shown), the changed voorzieningen (new: ＋, closed: ✕), those that remain, and the streets."""
    import folium
    import geopandas as gpd
    import shapely
    from branca.element import Element

    from woonzorg_geo.core.escaping import html_in_js
    from woonzorg_geo.core.palette import GAIN_COLOUR, LOCAL_ROADS, LOSS_COLOUR, MAIN_ROADS
    from woonzorg_geo.outputs.maps.base import add_legend, add_panel, new_map
    from woonzorg_geo.outputs.maps.layers import add_area_outlines, add_context
    from woonzorg_geo.outputs.maps.points import add_homes
    from woonzorg_geo.sources.addresses import point_addresses, register_addresses

    vocab = a.vocab
    classes = _access_classes()
    # open on what changed: the homes that gain or lose access and the changed voorzieningen
    moved_idx = w.adressen.index[w.adressen["toegang"] != "blijft"].unique()
    vz = a.inputs.voorzieningen
    # and on the voorzieningen most of the homes that lose access go to now (where they walk instead)
    losing = w.adressen.loc[w.adressen["toegang"] == "verliest", "dichtstbij_na"]
    instead = [i for i in losing.value_counts().index[:FOCUS_INSTEAD] if i in vz.index]
    points = [
        *a.adressen.geometry.loc[moved_idx],
        *gpd.points_from_xy([n.x for n in w.changes.nieuw], [n.y for n in w.changes.nieuw]),
        *vz.geometry.loc[list(w.changes.weg)],
        *vz.geometry.loc[instead],
    ]
    focus: Any = a.inputs.gemeente
    box = tuple(a.inputs.gemeente.total_bounds)
    if points:  # their box with a margin (a buffer of a thousand points costs seconds)
        x0, y0, x1, y1 = gpd.GeoSeries(points, crs=a.adressen.crs).total_bounds
        box = (x0 - MARGIN_M, y0 - MARGIN_M, x1 + MARGIN_M, y1 + MARGIN_M)
        focus = box
    title = change_title(w)
    m = new_map(focus, offline=offline, title=title)
    m.get_root().header.add_child(  # type: ignore[attr-defined]
        Element(map_piece("watals_style")),
        name="woonzorg_watals_style",
    )
    offline_now = bool(getattr(m, "woonzorg_offline", True))
    lines = a.inputs.osm.lines
    if "class" in lines and len(lines):
        netwerk = gpd.GeoDataFrame(
            {"klasse": lines["class"].to_numpy()}, geometry=lines.geometry.to_numpy(), crs=lines.crs
        )
        around = gpd.GeoSeries([shapely.box(*box)], crs=a.adressen.crs)
        add_context(
            m,
            netwerk,
            road_classes=(*LOCAL_ROADS, *MAIN_ROADS),
            within=around,
            name="Straten (OpenStreetMap)",
            show=offline_now,
        )
    add_area_outlines(m, a.wijken)
    geom = a.adressen.geometry
    layers: list[str] = []
    for (name, cat), rows in w.adressen.groupby(["profiel", "categorie"], sort=False):
        moved = rows.loc[rows["toegang"] != "blijft"]
        if moved.empty:
            continue
        homes = gpd.GeoDataFrame(
            {"toegang": (moved["toegang"] == "wint").astype(int).to_numpy()},
            geometry=geom.loc[moved.index].to_numpy(),
            crs=a.adressen.crs,
        )
        add_homes(
            m,
            homes,
            column="toegang",
            classes=classes,
            show=not layers,
            label=f"{vocab.label(str(cat))} binnen {vocab.norm_text} — {vocab.profile_label(str(name))}",
        )
        layers.append(str(cat))
    remaining = _remaining(m, w, a)
    marks = folium.FeatureGroup(name="Veranderde voorzieningen").add_to(m)
    to_ll = gpd.GeoSeries(
        gpd.points_from_xy([n.x for n in w.changes.nieuw], [n.y for n in w.changes.nieuw]), crs=RD_NEW
    ).to_crs(WGS84)
    for n, p in zip(w.changes.nieuw, to_ll, strict=True):
        folium.Marker(
            [p.y, p.x],
            tooltip=html_in_js(f"nieuw: {n.label}"),
            popup=folium.Popup(
                map_piece("popup_table", [("Nieuw", n.label), ("Soort", vocab.label(n.categorie))]), max_width=320
            ),
            icon=_badge("+", GAIN_COLOUR),
            z_index_offset=1000,
        ).add_to(marks)
    gone = vz.loc[list(w.changes.weg)]
    if len(gone):
        addr = point_addresses(
            gone.geometry, a.inputs.osm, settings=a.settings.zoeken, own=register_addresses(gone, a.inputs, a.settings)
        )
        gone_ll = gone.geometry.to_crs(WGS84)
        for i in gone.index:
            p = gone_ll.loc[i]
            naam = str(gone.at[i, "naam"]) if isinstance(gone.at[i, "naam"], str) else "(naamloos)"
            adres = str(addr.at[i, "adres"]) or "adres onbekend"
            folium.Marker(
                [p.y, p.x],
                tooltip=html_in_js(f"weg: {naam} ({i}), {adres}"),
                popup=folium.Popup(
                    map_piece(
                        "popup_table",
                        [
                            ("Sluit", naam),
                            ("Soort", vocab.label(str(gone.at[i, "categorie"]))),
                            ("Adres", adres),
                            ("Id", str(i)),
                        ],
                    ),
                    max_width=320,
                ),
                icon=_badge("✕", LOSS_COLOUR),
                z_index_offset=1000,
            ).add_to(marks)
    add_legend(m, f"Woningen: toegang binnen {vocab.norm_text} lopen", classes.items(missing=False), symbol="circle")
    changed = [(GAIN_COLOUR, "nieuwe voorziening", "+")] if w.changes.nieuw else []
    changed += [(LOSS_COLOUR, "voorziening sluit", "✕")] if w.changes.weg else []
    add_legend(m, "Voorzieningen", [*changed, *remaining], symbol="letter")
    add_panel(m, panel_html(w, a), position="topleft")
    if not layers:
        add_panel(m, map_piece("no_change_panel"))
    folium.LayerControl(collapsed=True).add_to(m)
    return m
