"""The changes of ``watals``: voorzieningen that open (``--nieuw``) and close (``--weg``), read and checked.

:func:`parse_new` reads ``CATEGORIE@LON,LAT`` or ``CATEGORIE@"Straat 1, Plaats"``,
:func:`check_place` refuses a place beyond the network's margin around the gemeente, and
:func:`parse_closure` finds a voorziening by id or name, asking back with the candidates (name,
category, id, address) when a name is shared or misspelt (:mod:`woonzorg_geo.sources.name_search`). Scenario
files (:mod:`woonzorg_geo.whatif.scenario`) give the same :class:`Changes`. :mod:`woonzorg_geo.whatif.engine`
re-exports every name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import WoonzorgError

if TYPE_CHECKING:
    import geopandas as gpd

    from woonzorg_geo.core.config import SearchSettings

_LONLAT = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


class WhatIfError(WoonzorgError, ValueError):
    """A change that cannot be applied: an unknown category, voorziening or location."""


@dataclass(frozen=True)
class NewVoorziening:
    """A voorziening that opens: its category, place (EPSG:28992) and how it was given."""

    categorie: str
    x: float
    y: float
    label: str
    id: str = ""


@dataclass(frozen=True)
class Changes:
    """The voorzieningen that open and those that close."""

    nieuw: tuple[NewVoorziening, ...] = ()
    weg: tuple[Any, ...] = ()  # ids of voorzieningen (index of the voorzieningen frame)


def parse_new(
    text: str,
    *,
    categories: Sequence[str],
    geocode: Callable[[str, str | None], Mapping[str, Any]] | None,
    number: int = 1,
    area: Any = None,
    margin_m: float = 0.0,
    gemeente: str = "de gemeente",
) -> NewVoorziening:
    """``'supermarkt@6.5480,52.9930'`` or ``'huisarts@Pronkridder 18, Assen'`` as a new voorziening.

    ``geocode`` places an address; it may refuse one (a place outside the gemeente, see
    :func:`.toets.locate.locate_site`) by raising a :class:`.WoonzorgError`, which is reported for
    this ``--nieuw``. With ``area`` (the gemeente, EPSG:28992), a location further than
    ``margin_m`` from it is refused: the network reaches that far across the border, and a
    voorziening beyond it is of another gemeente (or the coordinates are wrong).

    Raises
    ------
    WhatIfError
        Without ``@``, for a category the run does not compute, an address that is not found to
        the house number or street or lies outside the gemeente, coordinates out of range or
        outside the gemeente and its margin.
    """
    from pyproj import Transformer

    cat, sep, where = text.partition("@")
    cat, where = cat.strip().lower(), where.strip()
    if not sep or not cat or not where:
        raise WhatIfError(
            f'--nieuw {text!r}: schrijf CATEGORIE@LON,LAT of CATEGORIE@"Straat 1, Plaats", '
            "bijv. supermarkt@6.5480,52.9930"
        )
    if cat not in categories:
        raise WhatIfError(f"--nieuw {text!r}: categorie {cat!r} wordt niet berekend; kies uit: {', '.join(categories)}")
    m = _LONLAT.match(where)
    to_rd = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
    if m:
        lon, lat = float(m.group(1)), float(m.group(2))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise WhatIfError(f"--nieuw {text!r}: {lon}, {lat} ligt buiten het bereik van lengte/breedte (WGS84)")
        x, y = to_rd.transform(lon, lat)
        label = f"{cat} op {fmt.lonlat(lon, lat)}"
    else:
        if geocode is None:
            raise WhatIfError(f"--nieuw {text!r}: geen adreszoeker beschikbaar; geef LON,LAT")
        try:
            hit = geocode(where, None)
        except WoonzorgError as exc:
            raise WhatIfError(f"--nieuw {text!r}: {exc}") from None
        geom = hit.get("geometry")
        if geom is None or hit.get("geocode_precisie") not in ("adres", "straat"):
            raise WhatIfError(
                f"--nieuw {text!r}: adres {where!r} niet gevonden; controleer de schrijfwijze "
                '("Straat huisnummer, Plaats") of geef LON,LAT'
            )
        x, y = float(geom.x), float(geom.y)
        label = f"{cat} op {hit.get('geocode_label') or where}"
        if hit.get("geocode_precisie") == "straat":
            label += " (huisnummer niet gevonden: punt op de straat)"
    if area is not None:
        check_place(
            x,
            y,
            area=area,
            margin_m=margin_m,
            gemeente=gemeente,
            what=f"--nieuw {text!r}",
            lonlat=(lon, lat) if m else None,
            fix='geef een adres in de gemeente ("Straat huisnummer, Plaats") of een punt in of bij de gemeente '
            "als CATEGORIE@LON,LAT",
        )
    return NewVoorziening(categorie=cat, x=float(x), y=float(y), label=label, id=f"nieuw_{number}")


def check_place(
    x: float,
    y: float,
    *,
    area: Any,
    margin_m: float,
    gemeente: str,
    what: str,
    fix: str,
    lonlat: tuple[float, float] | None = None,
) -> None:
    """Refuse a new voorziening at ``x, y`` (EPSG:28992) further than ``margin_m`` from ``area``.

    The network reaches that far across the border; a voorziening beyond it is of another
    gemeente (or the coordinates are wrong: with ``lonlat`` given, swapped ones are recognised).

    Raises
    ------
    WhatIfError
        Naming ``what``, the distance, the margin and ``fix``.
    """
    import shapely
    from pyproj import Transformer

    dist = float(shapely.distance(area, shapely.Point(x, y)))
    if dist <= margin_m:
        return
    hint = ""
    if lonlat is not None and -90 <= lonlat[0] <= 90:
        to_rd = Transformer.from_crs(WGS84, RD_NEW, always_xy=True)
        sx, sy = to_rd.transform(lonlat[1], lonlat[0])
        if float(shapely.distance(area, shapely.Point(sx, sy))) <= margin_m:
            hint = " Lengte- en breedtegraad lijken verwisseld: geef eerst de lengtegraad (LON), dan de breedtegraad."
    km = fmt.number(dist / 1000.0, 1)
    raise WhatIfError(
        f"{what}: de plek ligt {km} km buiten de gemeente {gemeente}; een nieuwe voorziening mag "
        f"hoogstens {fmt.compact(margin_m / 1000.0)} km over de grens liggen (de rand van het netwerk, "
        f"netwerk.margin_m).{hint} Oplossing: {fix}"
    )


def parse_closure(text: str, voorzieningen: gpd.GeoDataFrame, *, settings: SearchSettings | None = None) -> list[Any]:
    """The voorziening(en) ``text`` names: an id (``vz00012``) or a name (any case).

    A name shared by voorzieningen at one place (within 50 m: the same shop from two sources) closes
    them all. Anything else is asked back with the candidates, each with name, category, id and
    address (an ``adres`` column, see :func:`woonzorg_geo.sources.addresses.with_addresses`), found by the
    typo-tolerant search of :func:`woonzorg_geo.sources.name_search.find_voorzieningen` (``settings``: its
    ``[zoeken]``).

    Raises
    ------
    WhatIfError
        When nothing matches exactly (with the similar names: "Poeisz" suggests the Poiesz shops),
        or a name matches voorzieningen at more than one place (listing them, to choose one by id).
    """
    from woonzorg_geo.sources.name_search import describe, find_voorzieningen

    key = text.strip()
    if key in voorzieningen.index:
        return [key]
    names = voorzieningen["naam"].fillna("").astype(str).str.strip().str.lower() if "naam" in voorzieningen else None
    hits = voorzieningen.index[names == key.lower()] if names is not None else voorzieningen.index[:0]
    if len(hits) > 1:
        pts = voorzieningen.loc[hits].geometry
        if float(pts.distance(pts.iloc[0]).max()) > 50.0:
            found = find_voorzieningen(voorzieningen.loc[hits], key, limit=len(hits), min_score=0.0, settings=settings)
            raise WhatIfError(
                f"--weg {text!r}: {len(hits)} voorzieningen heten zo, op verschillende plekken; kies er één met "
                "het id:\n" + "\n".join(f"  {describe(r)}" for _, r in found.iterrows()) + "\n"
                f"Oplossing: --weg {found['id'].iloc[0]} (of een ander id uit de lijst)"
            )
    if len(hits):
        return list(hits)
    near = find_voorzieningen(voorzieningen, key, settings=settings)
    if len(near):
        raise WhatIfError(
            f"--weg {text!r}: geen voorziening met deze naam of dit id; bedoelt u:\n"
            + "\n".join(f"  {describe(r)}" for _, r in near.iterrows())
            + f"\nOplossing: geef de naam precies of het id, bijv. --weg {near['id'].iloc[0]}"
        )
    raise WhatIfError(
        f"--weg {text!r}: geen voorziening met deze naam of dit id, en geen die erop lijkt. Oplossing: zoek de naam "
        "of het id op in de laag voorzieningen (kaart of woonzorg.gpkg)"
    )
