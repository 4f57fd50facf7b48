"""HXL hashtag rows: which parley column each hashtag fills (table in ``hxl.toml``)."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files

__all__ = ["column_for_hashtag", "hashtag_table", "is_hashtag_row"]

Key = tuple[str, frozenset[str]]


def _key(hashtag: str) -> Key:
    parts = hashtag.strip().lower().replace(" ", "").split("+")
    return parts[0], frozenset(p for p in parts[1:] if p)


@cache
def hashtag_table() -> dict[str, str]:
    """Column name -> hashtag, as documented."""
    data = tomllib.loads((files("parley.adapters.formats") / "hxl.toml").read_text("utf-8"))
    return dict(data["columns"])


@cache
def _by_key() -> dict[Key, str]:
    return {_key(tag): column for column, tag in hashtag_table().items()}


def column_for_hashtag(hashtag: str) -> str | None:
    """The column a hashtag fills, or ``None`` if parley does not know it."""
    return _by_key().get(_key(hashtag))


def is_hashtag_row(cells: list[str]) -> bool:
    """True if every non-empty cell is a hashtag and at least one is."""
    filled = [c.strip() for c in cells if c.strip()]
    return bool(filled) and all(c.startswith("#") and len(c) > 1 for c in filled)
