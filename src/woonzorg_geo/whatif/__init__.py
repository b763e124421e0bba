"""Stage 4: what-if scenarios (``watals``): voorzieningen opened, closed or moved, recomputed in memory.

- :mod:`.changes`: parsing and resolving the changes (by id, name or place);
- :mod:`.engine`: the recomputation on the stored network, per address, buurt and wijk;
- :mod:`.scenario`: several changes from a JSON file.

Writing the result (CSV, workbook, map) is :mod:`woonzorg_geo.outputs.whatif`.
"""
