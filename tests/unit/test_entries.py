"""A public log entry: canonical, numbered, timed, and naming people only by commitments."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from parley.ledger.canonical import canonical
from parley.ledger.entries import commitment, entry, person_record

SALT = bytes(range(32))
PERSONS = {"kept": ("request", "party"), "merged": ("request", "party")}


def _salts(kind: str, party: str, record_id: str) -> bytes:
    return hashlib.sha256(f"{kind}/{party}/{record_id}".encode()).digest()


def test_an_entry_is_canonical_json_with_its_number_time_actor_and_type() -> None:
    at = datetime(2025, 5, 23, 9, 30, tzinfo=timezone(timedelta(hours=3)))
    data = entry(7, "PartyRegistered", at, "mediator", {"party": "UA"}, {}, _salts)
    assert data == canonical(json.loads(data))
    assert json.loads(data) == {
        "v": 1,
        "seq": 7,
        "type": "PartyRegistered",
        "time": "2025-05-23T06:30:00.000000Z",
        "actor": "mediator",
        "data": {"party": "UA"},
    }


def test_people_become_commitments_one_per_record_and_lists_stay_lists() -> None:
    payload = {"party": "UA", "kept": "UA-1", "merged": ["UA-2", "UA-3"], "run_id": 4}
    data = json.loads(entry(1, "RequestsMerged", datetime.now(UTC), "UA", payload, PERSONS, _salts))
    expected = [
        commitment(_salts("request", "UA", r), person_record("request", "UA", r))
        for r in ("UA-1", "UA-2", "UA-3")
    ]
    assert data["data"] == {"party": "UA", "kept": expected[0], "merged": expected[1:], "run_id": 4}
    assert len(set(expected)) == 3


def test_a_commitment_is_the_sha256_of_the_salt_and_the_canonical_person_record() -> None:
    record = person_record("holding", "RU", "RU-7")
    assert record == b'{"kind":"holding","party":"RU","record_id":"RU-7"}'
    assert commitment(SALT, record) == hashlib.sha256(SALT + record).hexdigest()


def test_a_salt_of_the_wrong_size_and_a_time_without_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes, not 31"):
        commitment(SALT[:31], b"{}")
    with pytest.raises(ValueError, match="time zone"):
        entry(1, "PartyRegistered", datetime(2025, 5, 23), "x", {"party": "UA"}, {}, _salts)
