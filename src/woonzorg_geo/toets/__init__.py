"""The toetsingskader for care initiatives: check a proposed site in four parts, with its evidence.

A provider wants to open a care initiative (``zorgtype``, ``omvang`` in the type's unit) at an address
in the gemeente (:func:`locate_site` refuses a place outside it). The check follows the four parts
of the municipality's framework (Assen, 2023):

1. regio (spreiding): existing initiatives near the site and per 1,000 inhabitants;
2. gemeente (draagkracht): draaglast, draagkracht, balans, focus and veerkracht, the type's own
   scale rule, and the run's walking-distance norm at the site;
3. wijk (draagvlak): buurt signals that call for early support-building, meeting places nearby;
4. initiatief (kwaliteit): what data cannot answer, listed as 'aan te leveren'.

Every criterion carries its value, threshold, source and a verdict ``groen``, ``oranje``,
``rood`` or ``onbekend``. The framework publishes no numeric thresholds: all of them are settings
(``data/toetsingskader.toml``), each with its source. :func:`run_toets` computes the result,
:func:`woonzorg_geo.outputs.toets_report.toets_html` and ``toets_json`` give it as Dutch HTML (with an inline SVG map of the
site, the area of the norm walk and the walking routes) and as JSON (the map as GeoJSON, EPSG:4326,
under ``kaart``) without writing anything; ``write_toets`` writes both (the outputs stage).
"""

from woonzorg_geo.core.errors import ToetsError
from woonzorg_geo.toets.check import run_toets
from woonzorg_geo.toets.locate import locate_site, read_register
from woonzorg_geo.toets.model import CheckedCriterion, Part, ToetsResult
from woonzorg_geo.toets.places import Places, municipality_places
from woonzorg_geo.toets.settings import ToetsSettings, load_toets_settings

__all__ = [
    "CheckedCriterion",
    "Part",
    "Places",
    "ToetsError",
    "ToetsResult",
    "ToetsSettings",
    "load_toets_settings",
    "locate_site",
    "municipality_places",
    "read_register",
    "run_toets",
]
