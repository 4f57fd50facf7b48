"""The overview's handover history reads each public-log entry once per process."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from parley.domain.access import Principal, Role
from parley.entrypoints.web.pages import overview
from parley.services.public_log import LogEntries

MEDIATOR = Principal("mediator", Role.MEDIATOR)


def _entry(kind: str, side: str, second: int, exchange: str = "x") -> bytes:
    data = {"exchange": exchange, "tranche": 1, "side": side, "weight": 1}
    time = f"2025-05-23T09:00:{second:02d}Z"
    return json.dumps({"type": kind, "data": data, "time": time}).encode()


class _Log:
    """A public log that grows, and remembers where each read began."""

    def __init__(self, url: str) -> None:
        self.entries: list[bytes] = []
        self.reads: list[int] = []
        self.backend = SimpleNamespace(engine=SimpleNamespace(url=url), unit=lambda **_: None)

    def read(self, _uow: Any, _viewer: Any, *, after: int, limit: int) -> LogEntries:
        self.reads.append(after)
        run = tuple(self.entries[after : after + limit])
        return LogEntries(first_seq=after + 1, entries=run, size=len(self.entries))


@pytest.fixture
def log(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> _Log:
    grown = _Log(f"sqlite:///{request.node.name}.db")
    monkeypatch.setattr(overview.ledger, "log_entries", grown.read)
    return grown


def test_a_later_page_reads_only_the_entries_added_since(log: _Log) -> None:
    log.entries += [_entry("PersonHandedOver", "UA", 1), _entry("ManifestSealed", "UA", 2)]
    first = overview._histories(log.backend, MEDIATOR, "x", ("UA", "RU"))
    assert [s.what for s in first[1].steps] == ["handed_over"]

    log.entries += [_entry("PersonReceived", "UA", 3), _entry("PersonHandedOver", "RU", 4, "y")]
    log.reads.clear()
    later = overview._histories(log.backend, MEDIATOR, "x", ("UA", "RU"))
    assert log.reads[0] == 2  # not from the start again
    assert [(s.what, s.side) for s in later[1].steps] == [
        ("handed_over", "UA"),
        ("received", "UA"),
    ]
    assert later[1].steps[-1].received == {"UA": 1, "RU": 0}
    assert [s.what for s in first[1].steps] == ["handed_over"]  # an answer is not changed


def test_a_log_shorter_than_what_was_read_is_read_again_from_the_start(log: _Log) -> None:
    log.entries += [_entry("PersonHandedOver", "UA", 1), _entry("PersonHandedOver", "RU", 2)]
    overview._histories(log.backend, MEDIATOR, "x", ("UA", "RU"))
    log.entries[:] = [_entry("PersonHandedOver", "RU", 5)]  # a restored, shorter database
    again = overview._histories(log.backend, MEDIATOR, "x", ("UA", "RU"))
    assert [(s.side, s.handed) for s in again[1].steps] == [("RU", {"UA": 0, "RU": 1})]


def test_a_long_handover_is_drawn_with_a_bounded_number_of_points_first_and_last_kept() -> None:
    steps = [
        overview._Step(overview.datetime(2025, 5, 23, tzinfo=overview.UTC), "received", "UA",
                       {"UA": 0}, {"UA": i})
        for i in range(5000)
    ]  # fmt: skip
    drawn = overview._spread(steps, overview._MOST_POINTS)
    assert len(drawn) == overview._MOST_POINTS
    assert drawn[0] is steps[0]
    assert drawn[-1] is steps[-1]
    assert overview._spread(steps[:10], 24) == steps[:10]
