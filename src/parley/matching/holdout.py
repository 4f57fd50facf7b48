"""Withholding part of the name dictionary, so that a benchmark measures what it claims.

Synthetic data draws its given names and patronymics from the same equivalents table
(``data/given_names.toml``) that matching uses to pair Олександр with Александр. Scored
on such data, the dictionary step would be scoring its own test data. A benchmark
therefore withholds a share of the pairs from the matcher for the length of a run, and
the records that bear those names must be matched the way a name the table lacks would
be in the field: by rule and by skeleton.

Matching caches what it derives from names (forms, languages, comparisons). Those caches
may hold forms derived from the full table, so every cache in ``parley.matching`` is
cleared on entry and again on exit; the next run derives its forms afresh.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from parley.matching.equivalents import withhold_given_names

__all__ = ["clear_matching_caches", "withheld_given_names"]

_PACKAGE = "parley.matching"


@contextmanager
def withheld_given_names(uk_names: Iterable[str]) -> Iterator[frozenset[str]]:
    """Run the body with these given names missing from matching's dictionary.

    The patronymics formed from them go too (Олександрович with Олександр). Not
    thread-safe: the table is one per process. The synthetic generators read the same
    table, so make the data before entering.

    Args:
        uk_names: Ukrainian given names as ``data/given_names.toml`` writes them
            (``Олександр``); a name not in the table is ignored.

    Yields:
        The names withheld.
    """
    names = frozenset(uk_names)
    previous = withhold_given_names(names)
    clear_matching_caches()
    try:
        yield names
    finally:
        withhold_given_names(previous)
        clear_matching_caches()


def clear_matching_caches() -> int:
    """Clear every ``functools`` cache of a module-level function in ``parley.matching``.

    All of them, not a chosen few: a cache added later to any step that reads names would
    otherwise keep answers from the full table.

    Returns:
        How many caches were cleared.
    """
    cleared = 0
    for name, module in list(sys.modules.items()):
        if module is None or not (name == _PACKAGE or name.startswith(_PACKAGE + ".")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()
                cleared += 1
    return cleared
