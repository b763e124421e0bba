"""``python -m woonzorg_geo``: the command line ``woonzorg-geo`` (same options, same exit codes)."""

from woonzorg_geo.cli.main import run

if __name__ == "__main__":  # pragma: no cover - run as a process by tests/test_cli.py
    run()
