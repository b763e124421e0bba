"""Stage 5: everything a planner opens, written from computed results (nothing is computed here).

- :mod:`.maps`: the Folium maps (wijk accessibility, overlays, candidate sites, watals, toetsen);
- :mod:`.figures`: print figures (matplotlib);
- :mod:`.workbook`: ``overzicht.xlsx`` and the Dutch-Excel CSVs;
- :mod:`.report`, :mod:`.toets_report`, :mod:`.toets_svg`, :mod:`.toets_lijst`: HTML pages from
  the templates in ``templates/`` (autoescaped), the toets map as SVG;
- :mod:`.whatif`: the files of a ``watals`` run;
- :mod:`.qgisproject`: the QGIS project and styles, with :mod:`.qgis_qml` (QML documents),
  :mod:`.qgis_styles` (the woonzorg layers' styles) and :mod:`.qgis_gpkg` (the GeoPackage's ``layer_styles``);
- :mod:`.writing`, :mod:`.manifest`: GeoPackage writing, the manifest of a run.
"""
