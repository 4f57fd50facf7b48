"""Exporting a party's holdings or requests as rows of text in the import schema.

An export re-imports unchanged: the columns are the import columns, dates are ISO.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import fields

from parley.domain.holdings import Holding
from parley.domain.purposes import Purpose
from parley.domain.requests import Request
from parley.services.parties import require_party
from parley.services.ports import UnitOfWork, records_of
from parley.services.purposes import check_purpose
from parley.services.schema import format_cell, schema_for

__all__ = ["export_columns", "export_records"]


def export_columns(kind: str) -> list[str]:
    """The columns an export of ``kind`` has, in order."""
    return list(schema_for(kind).columns)


def _cells(record: Holding | Request, columns: list[str]) -> dict[str, str]:
    values = {f.name: getattr(record.identity, f.name) for f in fields(record.identity)}
    values.update({f.name: getattr(record, f.name) for f in fields(record) if f.name != "identity"})
    return {c: format_cell(values.get(c)) for c in columns}


def export_records(
    uow: UnitOfWork,
    *,
    kind: str,
    party: str,
    on_progress: Callable[[int, int], None] | None = None,
    purpose: Purpose | None = None,
) -> Iterator[dict[str, str]]:
    """Every record of ``party`` of ``kind``, ordered by record id, as export cells.

    The party is checked at once, before anything is written; the rows are then read
    as they are consumed, so use the result inside the unit of work's ``with`` block.
    ``on_progress(done, total)`` is called every thousand rows and at the end. An export
    that declares a ``purpose`` is refused, before anything is written, if one record is
    held for another (``services.purposes``).

    Raises:
        NotFound: ``party`` is not a party of the exchange.
        PurposeRefused: a record of ``party`` is held for another purpose than ``purpose``.
    """
    require_party(uow, party)
    check_purpose(uow, kind=kind, party=party, purpose=purpose)
    columns = export_columns(kind)
    repository = records_of(uow, kind)
    rows = (_cells(record, columns) for record in repository.iter_party(party))
    if on_progress is None:
        return rows
    return _reporting(rows, repository.count(party), on_progress)


def _reporting(
    rows: Iterator[dict[str, str]], total: int, on_progress: Callable[[int, int], None]
) -> Iterator[dict[str, str]]:
    done = 0
    for row in rows:
        yield row
        done += 1
        if done % 1000 == 0:
            on_progress(done, total)
    on_progress(done, total)
