"""Read the packaged data tables of ``parley/matching/data/*.toml`` and check their shapes.

Every table names its source at the top. The readers here only parse and check types; what
a table means is up to the module that loads it.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

__all__ = ["pairs", "read_table", "string_list", "string_map"]


def read_table(name: str) -> dict[str, Any]:
    """Parse ``data/<name>`` from the ``parley.matching`` package.

    Args:
        name: the file name, e.g. ``"kmu2010.toml"``.

    Returns:
        The parsed TOML document.
    """
    folder = resources.files("parley.matching").joinpath("data")
    return tomllib.loads(folder.joinpath(name).read_text(encoding="utf-8"))


def string_map(value: object, where: str) -> dict[str, str]:
    """Check that a TOML table maps strings to strings, and return a copy of it.

    Raises:
        ValueError: it does not; the message names ``where``.
    """
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ValueError(f"{where} must map strings to strings")
    return dict(value)


def string_list(value: object, where: str) -> list[str]:
    """Check that a TOML value is an array of strings, and return a copy of it.

    Raises:
        ValueError: it is not; the message names ``where``.
    """
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where} must be an array of strings")
    return list(value)


def pairs(value: object, where: str) -> tuple[tuple[str, str], ...]:
    """Check that a TOML array holds two-string arrays, and return them as tuples.

    Raises:
        ValueError: an entry is not a pair of strings; the message names ``where``.
    """
    if not isinstance(value, list):
        raise ValueError(f"{where} must be an array of [a, b] pairs")
    found: list[tuple[str, str]] = []
    for item in value:
        is_pair = isinstance(item, list) and len(item) == 2
        if not (is_pair and all(isinstance(part, str) for part in item)):
            raise ValueError(f"{where} has an entry that is not a pair of strings: {item!r}")
        found.append((item[0], item[1]))
    return tuple(found)
