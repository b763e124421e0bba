"""The toets of a reference initiative as the judgement of the site ranking (issue 20 §4).

Sites come before toets in the flow (sources → … → overlays → sites / toets → maps) and
:mod:`woonzorg_geo.sites` does not import :mod:`woonzorg_geo.toets`. This module is the layer where
both meet (as the command ``locaties`` does): it builds, from the same
:func:`~woonzorg_geo.toets.check.prepare_toets` / :func:`~woonzorg_geo.toets.check.check_site`
that ``toets --punt`` runs, a function ``(x, y) -> {part: verdict}`` that
:func:`~woonzorg_geo.sites.find_sites` calls for the zoekgebieden it needs (the top plus its
replacements, not every candidate cell).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pyproj

from woonzorg_geo import RD_NEW, WGS84
from woonzorg_geo.core import formatting as fmt
from woonzorg_geo.core.errors import GeocodeError, SettingsError, ToetsError
from woonzorg_geo.core.site_settings import SiteSettings

if TYPE_CHECKING:
    from woonzorg_geo.areas.analysis import Analysis
    from woonzorg_geo.sites.ranking import Judge
    from woonzorg_geo.toets.settings import ToetsSettings

log = logging.getLogger(__name__)


def check_reference(settings: SiteSettings, toets_settings: ToetsSettings) -> tuple[str, int]:
    """The reference initiative's type key and omvang, checked against the toetsingskader.

    Raises
    ------
    SettingsError
        The type is not in the toetsingskader, or its omvang is implausible for it.
    """
    try:
        zt = toets_settings.care_type(settings.referentie_type)
        omvang = zt.check_size(settings.referentie_omvang)
    except ToetsError as exc:
        text = str(exc).rstrip(".")
        fix = (
            ""
            if "Oplossing" in text
            else ". Oplossing: kies een type uit [types] van het toetsingskader en een omvang die daarbij past, bijv. "
            'referentie_type = "geclusterd_wonen", referentie_omvang = 24'
        )
        raise SettingsError(f"[locaties] referentie_type/referentie_omvang: {text}{fix}") from None
    return zt.key, omvang


def reference_judge(
    analysis: Analysis,
    settings: SiteSettings,
    *,
    toets_settings: ToetsSettings | None = None,
    register: Path | None = None,
) -> Judge:
    """The toets of ``settings.referentie_type`` with ``settings.referentie_omvang`` at a point (EPSG:28992).

    Parameters
    ----------
    analysis
        The run's analysis (as for ``toets``).
    settings
        The ``[locaties]`` settings.
    toets_settings
        The toetsingskader (default: the package's).
    register
        A register of existing care initiatives (part 1), as ``toets --register``.

    Returns
    -------
    Judge
        ``(x, y) -> {part number: verdict}``; ``{}`` (no verdict) where the toets refuses the point
        (outside the gemeente), which is logged.

    Raises
    ------
    SettingsError
        The reference type is not in the toetsingskader, or its omvang is implausible.
    """
    from woonzorg_geo.toets import load_toets_settings
    from woonzorg_geo.toets.check import check_site, prepare_toets

    ts = toets_settings or load_toets_settings()
    key, omvang = check_reference(settings, ts)
    ctx = prepare_toets(analysis, register=register, settings=ts, many=True)
    to_wgs = pyproj.Transformer.from_crs(RD_NEW, WGS84, always_xy=True)

    def judge(x: float, y: float) -> dict[int, str]:
        lon, lat = to_wgs.transform(x, y)
        try:
            res = check_site(ctx, punt=(lon, lat), zorgtype=key, omvang=omvang)
        except (ToetsError, GeocodeError) as exc:
            log.warning("toets bij zoekgebied (%s; %s) niet mogelijk: %s", fmt.number(lon, 5), fmt.number(lat, 5), exc)
            return {}
        return {d.nummer: d.oordeel for d in res.delen}

    return judge
