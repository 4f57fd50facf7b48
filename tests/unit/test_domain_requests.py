"""Requests: a party asking back its own people, and how a request moves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from parley.domain.people import Identity
from parley.domain.requests import (
    REQUEST_TRANSITIONS,
    Priority,
    Request,
    RequestSource,
    RequestStatus,
    change_request_status,
)
from parley.errors import InvalidValue, TransitionNotAllowed

R = RequestStatus
AT = datetime(2025, 5, 16, 9, 0, tzinfo=UTC)


def a_request(status: RequestStatus = R.REQUESTED) -> Request:
    return Request("UA", "UA-R-7", Identity("Шевчук", "Іван"), RequestSource.FAMILY, status=status)


def test_a_new_request_is_requested_at_normal_priority() -> None:
    request = a_request()
    assert request.status is R.REQUESTED
    assert request.priority is Priority.NORMAL
    assert request.subject == "request UA/UA-R-7"


def test_a_request_needs_a_valid_record_id() -> None:
    with pytest.raises(InvalidValue) as refused:
        Request("UA", "", Identity("Шевчук", "Іван"), RequestSource.FAMILY)
    assert refused.value.field == "record_id"


def test_every_request_state_has_a_row_in_the_state_table() -> None:
    assert set(REQUEST_TRANSITIONS) == set(RequestStatus)


def test_a_person_received_is_never_requested_again() -> None:
    assert R.REQUESTED not in REQUEST_TRANSITIONS[R.RECEIVED]
    with pytest.raises(TransitionNotAllowed) as refused:
        change_request_status(a_request(R.RECEIVED), R.REQUESTED, at=AT, actor="desk")
    message = str(refused.value)
    assert message.startswith("request UA/UA-R-7 cannot move from received to requested")
    assert message.endswith("it may move to: family_notified")


def test_a_request_is_verified_received_and_the_family_notified() -> None:
    request = a_request()
    steps = [R.VERIFIED_IN_CUSTODY, R.RECEIVED, R.FAMILY_NOTIFIED]
    for to in steps:
        before = request.status
        request, event = change_request_status(request, to, at=AT, actor="desk")
        assert request.status is to
        assert event.payload() == {
            "party": "UA",
            "record_id": "UA-R-7",
            "from_status": before.value,
            "to_status": to.value,
        }


def test_a_not_found_answer_may_later_be_verified() -> None:
    request, _ = change_request_status(
        a_request(R.NOT_FOUND), R.VERIFIED_IN_CUSTODY, at=AT, actor="x"
    )
    assert request.status is R.VERIFIED_IN_CUSTODY


def test_family_notified_is_final() -> None:
    assert REQUEST_TRANSITIONS[R.FAMILY_NOTIFIED] == frozenset()


@example(choices=[2, 1, 0, 0])  # requested -> verified -> received -> family_notified
@given(st.lists(st.integers(min_value=0, max_value=1_000), max_size=40))
def test_any_walk_never_goes_back_once_the_person_is_received(choices: list[int]) -> None:
    request = a_request()
    path = [request.status]
    for choice in choices:
        options = sorted(REQUEST_TRANSITIONS[request.status])
        if not options:
            break
        request, _ = change_request_status(
            request, options[choice % len(options)], at=AT, actor="desk"
        )
        path.append(request.status)
    if R.RECEIVED in path:
        assert set(path[path.index(R.RECEIVED) :]) <= {R.RECEIVED, R.FAMILY_NOTIFIED}


def test_priorities_rank_from_most_to_least_urgent() -> None:
    assert [p.rank for p in Priority] == [0, 1, 2, 3]
    shuffled = [Priority.LOW, Priority.URGENT, Priority.NORMAL, Priority.HIGH]
    assert sorted(shuffled, key=lambda p: p.rank) == [
        Priority.URGENT,
        Priority.HIGH,
        Priority.NORMAL,
        Priority.LOW,
    ]
