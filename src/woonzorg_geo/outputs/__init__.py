"""Stage 5: everything a planner opens, written from computed results (nothing is computed here).

- :mod:`.maps`: the Folium maps (wijk accessibility, overlays, candidate sites, watals, toetsen);
- :mod:`.figures`: print figures (matplotlib);
- :mod:`.workbook`: ``overzicht.xlsx`` and the Dutch-Excel CSVs;
- :mod:`.report`, :mod:`.toets_report`, :mod:`.toets_svg`, :mod:`.toets_lijst`: HTML pages from
  the templates in ``templates/`` (autoescaped), the toets map as SVG;
- :mod:`.whatif`: the files of a ``watals`` run;
- :mod:`.qgisproject`, :mod:`.writing`, :mod:`.manifest`: the QGIS project, GeoPackage writing, the
  manifest of a run.
"""
