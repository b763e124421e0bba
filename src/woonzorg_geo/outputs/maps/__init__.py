"""Interactive Leaflet maps (folium) for planners.

One small API builds every map: :func:`new_map` makes an empty map (Leaflet inlined, no CDN), and
each ``add_*`` function adds one layer (or control) to it and returns the map, so later steps
(overlays, candidate sites) can add their own layers with the same functions.
:func:`write_maps` writes the standard set from an ``analyse`` output folder: one map of the whole
gemeente and one per wijk.

All metric work (simplifying, clipping) happens in EPSG:28992; geometries are reprojected to
EPSG:4326 only to be drawn, with coordinates rounded to 6 decimals (about 10 cm). Raster
surfaces are warped to EPSG:3857, the projection Leaflet draws in, so an image overlay lines up
exactly with its latitude/longitude bounds.

Everything a planner reads on the maps (layer names, legends, popups, panels) is Dutch. The HTML
of legends, panels, popups, symbols and labels is rendered from the macros of
``outputs/templates/map_pieces.html`` (autoescaped, see :func:`woonzorg_geo.outputs.pages.map_piece`);
text that becomes GeoJSON properties or JavaScript is escaped with :mod:`woonzorg_geo.core.escaping`.

Modules: :mod:`.base` (the map and its controls), :mod:`.geometry` (CRS checks, reprojection,
GeoJSON, extents), :mod:`.layers` (areas, outlines, roads; writing), :mod:`.points` (voorzieningen,
homes), :mod:`.surfaces` (walking areas, GeoTIFF surfaces), :mod:`.data` (what an ``analyse``
folder holds for the maps), :mod:`.build` (the standard map set), :mod:`.themes` (overlays, sites),
:mod:`.engine`, :mod:`.regio`, :mod:`.captions`, :mod:`.style`, :mod:`.assets`, :mod:`.draagkracht`.
"""

from woonzorg_geo.core.formatting import slug
from woonzorg_geo.core.palette import PCT_CLASSES, TIME_CLASSES, Classes, distance_classes
from woonzorg_geo.core.provenance import ATTRIBUTION
from woonzorg_geo.outputs.maps.assets import is_offline, leaflet_assets, resolve_offline
from woonzorg_geo.outputs.maps.base import (
    add_exclusive,
    add_layer_control,
    add_legend,
    add_panel,
    last_layer,
    legend_html,
    new_map,
    panel_html,
)
from woonzorg_geo.outputs.maps.build import gemeente_map, map_folder, render_maps, wijk_map, write_maps
from woonzorg_geo.outputs.maps.data import MapData, load_map_data, map_data_from_analysis
from woonzorg_geo.outputs.maps.geometry import built_up_bounds
from woonzorg_geo.outputs.maps.layers import add_area_outlines, add_choropleth, add_context, render, save_map
from woonzorg_geo.outputs.maps.points import add_homes, add_voorzieningen
from woonzorg_geo.outputs.maps.style import (
    DISTANCE_CLASSES,
    MAX_MAP_BYTES,
    OFFLINE_ENV,
    OSM_TILES,
    Category,
    category,
    field_label,
    format_field,
)
from woonzorg_geo.outputs.maps.surfaces import SurfaceBand, SurfaceImage, add_service_areas, add_surface, surface_image
from woonzorg_geo.outputs.maps.themes import add_overlay_layers, add_rank_labels, overlay_map, site_map, write_site_map

__all__ = [
    "ATTRIBUTION",
    "DISTANCE_CLASSES",
    "MAX_MAP_BYTES",
    "OFFLINE_ENV",
    "OSM_TILES",
    "PCT_CLASSES",
    "TIME_CLASSES",
    "Category",
    "Classes",
    "MapData",
    "SurfaceBand",
    "SurfaceImage",
    "add_area_outlines",
    "add_choropleth",
    "add_context",
    "add_exclusive",
    "add_homes",
    "add_layer_control",
    "add_legend",
    "add_overlay_layers",
    "add_panel",
    "add_rank_labels",
    "add_service_areas",
    "add_surface",
    "add_voorzieningen",
    "built_up_bounds",
    "category",
    "distance_classes",
    "field_label",
    "format_field",
    "gemeente_map",
    "is_offline",
    "last_layer",
    "leaflet_assets",
    "legend_html",
    "load_map_data",
    "map_data_from_analysis",
    "map_folder",
    "new_map",
    "overlay_map",
    "panel_html",
    "render",
    "render_maps",
    "resolve_offline",
    "save_map",
    "site_map",
    "slug",
    "surface_image",
    "wijk_map",
    "write_maps",
    "write_site_map",
]
