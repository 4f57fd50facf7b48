"""``python -m parley``: the same as the ``parley`` command."""

from parley.entrypoints.cli import main

main()
