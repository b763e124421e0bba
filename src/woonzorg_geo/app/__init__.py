"""The planner's workbench: ``woonzorg-geo app``, a local web application over a stored analysis.

:func:`load_state` reads the analysis of ``woonzorg-geo analyse`` once; :func:`create_app` makes
the Starlette application (the page and its JSON API, see :mod:`.server`); :func:`serve` runs it
with uvicorn on 127.0.0.1. Everything the page loads comes from this machine: Leaflet from the
installed ``django-js-lib-leaflet``, the background drawn from the stored areas and roads.
"""

from woonzorg_geo.app.api import AppInputError
from woonzorg_geo.app.server import create_app, serve
from woonzorg_geo.app.settings import AppSettings, load_app_settings
from woonzorg_geo.app.state import AppState, load_state

__all__ = ["AppInputError", "AppSettings", "AppState", "create_app", "load_app_settings", "load_state", "serve"]
