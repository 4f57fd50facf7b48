"""Mapping between the domain's person records and table rows.

A record's *content* is every field a party's file can set (not its status or
bookkeeping): comparing it tells a re-import that changes nothing from one that changes
a field, and its JSON is what the change history keeps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields
from datetime import date
from enum import StrEnum
from operator import attrgetter
from typing import Any, cast

from parley.domain.dates import PartialDate
from parley.domain.holdings import Holding
from parley.domain.requests import Request
from parley.services.readers import record_of
from parley.services.schema import HOLDINGS, REQUESTS

__all__ = [
    "HOLDING_CONTENT",
    "HOLDING_VALUES",
    "NEW_STATUS",
    "REQUEST_CONTENT",
    "REQUEST_VALUES",
    "holding_from_row",
    "request_from_row",
]

# The content of a record is every column of its import file but the key: the file's
# schema is the one list of them.
HOLDING_CONTENT = tuple(c for c in HOLDINGS.columns if c != "record_id")
REQUEST_CONTENT = tuple(c for c in REQUESTS.columns if c != "record_id")


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, (date, PartialDate)):
        return value.isoformat()
    return str(value)


def content_json(row: Any, fields: tuple[str, ...]) -> str:
    """The content fields of a stored row as JSON, for the change history."""
    data = {f: _plain(getattr(row, f)) for f in fields}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _getter(columns: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    get: Callable[[Any], tuple[Any, ...]] = attrgetter(*columns)
    return get


# A stored row's values, in its file schema's column order (``record_id`` first).
HOLDING_VALUES = _getter(HOLDINGS.columns)
REQUEST_VALUES = _getter(REQUESTS.columns)


def _new_status(record_type: type[Holding] | type[Request]) -> str:
    default = next(f.default for f in fields(record_type) if f.name == "status")
    return str(cast(StrEnum, default).value)


# The status a record has when an import first stores it: the domain's default.
NEW_STATUS = {"holdings": _new_status(Holding), "requests": _new_status(Request)}


def holding_from_row(row: Any) -> Holding:
    """Rebuild a holding from a stored row."""
    return cast(Holding, record_of("holdings", row.party_code, HOLDING_VALUES(row), row.status))


def request_from_row(row: Any) -> Request:
    """Rebuild a request from a stored row."""
    return cast(Request, record_of("requests", row.party_code, REQUEST_VALUES(row), row.status))
