"""Synthetic data: made-up exchange scenarios for tests, demonstrations and benchmarks.

Everything here is invented. Names are drawn from lists of common surname forms and
given names and combined at random; no record describes a real person.
"""

from parley.synthetic.scenario import (
    CATEGORIES,
    HEALTH,
    HOLDING_COLUMNS,
    PARTIES,
    PRIORITIES,
    REQUEST_COLUMNS,
    SERIOUSLY_ILL_BASES,
    SOURCES,
    Scenario,
    generate_scenario,
)

__all__ = [
    "CATEGORIES",
    "HEALTH",
    "HOLDING_COLUMNS",
    "PARTIES",
    "PRIORITIES",
    "REQUEST_COLUMNS",
    "SERIOUSLY_ILL_BASES",
    "SOURCES",
    "Scenario",
    "generate_scenario",
]
