"""woonzorg_geo: walking accessibility and housing-and-care planning for Dutch gemeenten."""

from __future__ import annotations

import logging

__version__ = "0.1.0"
RD_NEW = "EPSG:28992"
WGS84 = "EPSG:4326"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["RD_NEW", "WGS84", "__version__"]
