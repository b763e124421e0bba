"""Stage 8: the command line ``woonzorg-geo`` (Dutch messages and help).

- :mod:`.main`: the parser, the entry point, logging and errors → exit codes;
- :mod:`.options`: the options the commands share, checked before any data is read;
- :mod:`.inventory`: ``data`` and ``voorzieningen``;
- :mod:`.analysis`: ``analyse`` and ``regio``;
- :mod:`.toets`: ``toets``;
- :mod:`.whatif`: ``watals``;
- :mod:`.sites`: ``locaties``;
- :mod:`.maps`: ``kaarten`` and ``figuren``;
- :mod:`.workbench`: ``app``;
- :mod:`.argparse_nl`: argparse in Dutch.

A command parses its arguments, calls the stages that compute and write, and prints.
"""
