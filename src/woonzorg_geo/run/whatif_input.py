"""The changes of a ``watals`` run from the command line's texts, checked against the analysis.

``--nieuw CATEGORIE@PLEK`` places a new voorziening at a point or at an address (placed as the toets
places one, refused when it is not in the gemeente); ``--weg NAAM-OF-ID`` names voorzieningen that
close (by id, or by name with their addresses to tell candidates apart). The scenario of a
``--scenario`` file is resolved by :func:`.whatif.scenario.scenario_changes` instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from woonzorg_geo.core.errors import WoonzorgError

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.whatif.engine import Changes
    from woonzorg_geo.whatif.scenario import Scenario


def address_placer(a: Analysis) -> Any:
    """A geocoder for ``--nieuw CATEGORIE@"Straat 1, Plaats"``: the address as the toets places it.

    The offline geocoder of the analysis's inputs is built on the first call only. The returned
    function takes an address and a postcode and returns ``geometry``, ``geocode_precisie`` and
    ``geocode_label``; an address whose place or hit is not in the gemeente is refused.
    """
    from woonzorg_geo.toets.locate import offline_geocoder
    from woonzorg_geo.toets.settings import Geocode

    coder: list[Geocode] = []

    def geocoder(address: str, postcode: str | None) -> Mapping[str, Any]:
        """An address as the toets places it: refused when its place or its hit is not in the gemeente."""
        from woonzorg_geo.toets import load_toets_settings
        from woonzorg_geo.toets.locate import locate_site
        from woonzorg_geo.toets.places import municipality_places

        if not coder:  # built only when an address is given
            coder.append(offline_geocoder(a.inputs))
        ts = load_toets_settings()
        point, info = locate_site(
            a.inputs,
            adres=address,
            punt=None,
            geocode=coder[0],
            settings=ts,
            places=municipality_places(a.inputs, osm_classes=ts.locatie.plaats_klassen),
            scope="een nieuwe voorziening op een adres moet in de gemeente liggen",
            point_option="CATEGORIE@LON,LAT (tot de rand van het netwerk over de grens)",
        )
        return {"geometry": point, "geocode_precisie": info["geocode_precisie"], "geocode_label": info["label"]}

    return geocoder


def changes_from_texts(
    a: Analysis, *, opened: Sequence[str], closed: Sequence[str], name: str
) -> tuple[Changes, Scenario]:
    """The changes of ``--nieuw`` and ``--weg`` on analysis ``a``, and the scenario that records them.

    Parameters
    ----------
    a
        The analysis the changes apply to.
    opened
        The texts of ``--nieuw`` (``CATEGORIE@LON,LAT`` or ``CATEGORIE@ADRES``).
    closed
        The texts of ``--weg`` (name or id of a voorziening).
    name
        The scenario's name (the options as one line).
    """
    from woonzorg_geo.sources.addresses import with_addresses
    from woonzorg_geo.whatif.engine import Changes, parse_closure, parse_new
    from woonzorg_geo.whatif.scenario import scenario_from_changes

    cats = [*a.vocab.categories]
    area = a.inputs.gemeente.union_all()
    margin_m = a.settings.netwerk.margin_m
    gemeente = a.settings.gemeente.naam
    geocoder = address_placer(a)
    new = tuple(
        parse_new(t, categories=cats, geocode=geocoder, number=k, area=area, margin_m=margin_m, gemeente=gemeente)
        for k, t in enumerate(opened, start=1)
    )
    vz = a.inputs.voorzieningen
    ids = all(t.strip() in vz.index for t in closed)  # addresses only to name candidates
    named = vz if ids else with_addresses(vz, a.inputs, settings=a.settings)
    gone = tuple(dict.fromkeys(i for t in closed for i in parse_closure(t, named, settings=a.settings.zoeken)))
    changes = Changes(nieuw=new, weg=gone)
    return changes, scenario_from_changes(changes, a, naam=name)


def check_computed(a: Analysis, changes: Changes) -> None:
    """Refuse closing a voorziening of a category the analysis does not compute (``--weg``)."""
    cats = [*a.vocab.categories]
    vz = a.inputs.voorzieningen
    other = [
        f"{vz.at[i, 'naam']} ({i}, {vz.at[i, 'categorie']})" for i in changes.weg if vz.at[i, "categorie"] not in cats
    ]
    if other:
        raise WoonzorgError(
            f"--weg: {', '.join(other)} hoort bij een categorie die niet wordt berekend; "
            f"berekende categorieën: {', '.join(cats)}"
        )
