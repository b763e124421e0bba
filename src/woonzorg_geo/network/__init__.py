"""Stage 2: the walking network and the accessibility kernel.

- :mod:`.graph`: the OSM walking network, noded and split per profile (standard, senior);
- :mod:`.paths`: the shortest-path searches (Dijkstra) every stage uses;
- :mod:`.accessibility`: network distances from every address to the nearest voorziening per
  category, counts within radii, composites (vectorised);
- :mod:`.raster`: walking-distance surfaces and service areas on a grid.

Imports only from :mod:`woonzorg_geo.core` and :mod:`woonzorg_geo.sources`.
"""
