"""Pagination and filtering shared by every list route.

A list takes ``limit`` (1 to 500, default 50) and ``offset``, and answers a page: the
items, the total matching the filters, and the offset of the next page (None at the end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

__all__ = ["Page", "PageParams", "Paging", "page_of"]

MAX_LIMIT = 500
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_offset: int | None


@dataclass(frozen=True, slots=True)
class PageParams:
    """Where a page starts and how long it is."""

    limit: int
    offset: int


async def _paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="items to skip")] = 0,
) -> PageParams:
    return PageParams(limit, offset)


Paging = Annotated[PageParams, Depends(_paging)]


def page_of(items: Sequence[T], paging: PageParams, total: int | None = None) -> Page[T]:
    """The page of ``items``: a slice of the whole list, or (with ``total``) the page
    itself as read from the database."""
    if total is None:
        total = len(items)
        items = items[paging.offset : paging.offset + paging.limit]
    end = paging.offset + len(items)
    return Page[T](
        items=list(items),
        total=total,
        limit=paging.limit,
        offset=paging.offset,
        next_offset=end if end < total else None,
    )
