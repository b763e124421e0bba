"""Stage 3: from addresses to buurten and wijken, and the overlays on them.

- :mod:`.aggregation`: every address in exactly one buurt and wijk, shares within the norm;
- :mod:`.unknown`: where a figure cannot be known (``onbekend``) and why;
- :mod:`.overlays`: draaglast, draagkracht, balans, focus and veerkracht per wijk and buurt;
- :mod:`.analysis`: the whole chain in memory (:func:`~.analysis.analyse` → :class:`~.analysis.Analysis`),
  which every later stage reads; nothing here writes a file.
"""
