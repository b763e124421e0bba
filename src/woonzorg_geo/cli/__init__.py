"""Stage 8: the command line ``woonzorg-geo`` (Dutch messages and help).

- :mod:`.main`: the entry point, logging and errors → exit codes;
- :mod:`.commands`: one function per subcommand;
- :mod:`.argparse_nl`: argparse in Dutch.
"""
