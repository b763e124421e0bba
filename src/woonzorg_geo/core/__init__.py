"""Stage 0, shared by every stage: settings, errors, vocabulary, formatting, files.

- :mod:`.config`: the settings (frozen dataclasses loaded from TOML, every threshold with its source);
- :mod:`.vocabulary`: column names, Dutch labels, the norm and the categories of a run;
- :mod:`.formatting`: the one place numbers become Dutch text (``1.234,5``, ``45 %``);
- :mod:`.palette`, :mod:`.escaping`, :mod:`.provenance`: colours, safe text in HTML/JS, source lines;
- :mod:`.validate`: checks where data enters (CRS, columns, plausible values);
- :mod:`.io`: atomic writes, staged output folders and their owner, the output lock;
- :mod:`.errors`: the package's errors (subclasses of builtins that name file, field and fix).

Nothing here imports from a later stage.
"""
