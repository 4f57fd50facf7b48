"""Places of birth under their Ukrainian, Russian and former names.

Дніпро, Днепр, Dnipro, Dnepropetrovsk and Днепропетровск are one town; records written
decades apart or by relatives of different generations give any of them. ``place_key``
gives every name of a listed place the same key (``data/places.toml``); an unlisted place
is keyed by its skeleton, so that its spellings still coincide.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

from parley.matching.skeleton import skeleton
from parley.matching.tables import read_table, string_list

__all__ = ["place_key"]


@functools.cache
def _known_places() -> Mapping[str, str]:
    """The key of each listed place, by the skeleton of every name it goes by."""
    table = read_table("places.toml").get("places")
    if not isinstance(table, dict):
        raise ValueError("places.toml must have a [places] table")
    keys: dict[str, str] = {}
    for key, names in table.items():
        for name in string_list(names, f"places.toml [places] {key}"):
            keys.setdefault(skeleton(name), key)
    return MappingProxyType(keys)


@functools.lru_cache(maxsize=1 << 14)
def place_key(text: str) -> str:
    """The key of a place of birth: the same for each of its names; empty when blank.

    Args:
        text: as written, in any script; a region after a comma is ignored
            ("Слов'янськ, Донецька обл.").

    Returns:
        ``"dnipro"`` for Днепропетровск, or the skeleton of an unlisted place.
    """
    town = text.split(",", 1)[0]
    folded = skeleton(town)
    return _known_places().get(folded, folded)
