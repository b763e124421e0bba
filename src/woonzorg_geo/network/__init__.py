"""Stage 2: the walking network and the accessibility kernel.

- :mod:`.graph`: the OSM walking network, noded and split per profile (standard, senior);
- :mod:`.accessibility`: network distances from every address to the nearest voorziening per
  category, counts within radii, composites (scipy.sparse.csgraph, vectorised);
- :mod:`.raster`: walking-distance surfaces and service areas on a grid.

Imports only from :mod:`woonzorg_geo.core` and :mod:`woonzorg_geo.sources`.
"""
