"""Stage 6: running the chain for one gemeente or many, and keeping its results.

- :mod:`.pipeline`: write one analysis (all outputs, all or nothing) and its text summary;
- :mod:`.driver`: one gemeente from inputs to outputs, as ``analyse`` and ``regio`` run it;
- :mod:`.regio`: many gemeenten on Dask, and the regional tables;
- :mod:`.store`: the stored analysis that ``toets``, ``watals``, ``locaties`` and the app reuse (read it);
  :mod:`.store_format` (its names, version, index), :mod:`.store_save` (write it), :mod:`.store_check` (check it);
- :mod:`.reuse`: the analysis a later command answers from, stored or computed again;
- :mod:`.whatif_input`: the changes of ``watals`` from the command line's texts;
- :mod:`.site_outputs`: the files and map of ``locaties``, written together;
- :mod:`.site_toets`: candidate sites checked against the toetsingskader;
- :mod:`.steps`: the chain's steps as plain functions for a notebook.
"""
