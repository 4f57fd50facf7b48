"""The registry of public keys, on SQLite and PostgreSQL.

A party's or the mediator's key is registered once; the same key again changes nothing,
another one is refused unless replacing it is asked for; every registration and every
replacement is an entry of the public log, which names the key and never a person.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, select

from parley.adapters.orm import EventRow
from parley.adapters.uow import SqlUnitOfWork
from parley.errors import InvalidValue, NotFound
from parley.ledger.keys import SigningKey
from parley.services.keys import list_keys, register_key, registered_key
from parley.services.log_check import verify_database
from tests.conftest import NOW

Uow = Callable[[], SqlUnitOfWork]
pytestmark = pytest.mark.usefixtures("parties")  # UA and RU; entries 1 and 2

MEDIATOR = SigningKey.from_seed("MEDIATOR", bytes(range(32))).verifier
UA = SigningKey.from_seed("UA", bytes(range(1, 33))).verifier
UA_NEW = SigningKey.from_seed("UA", bytes(range(7, 39))).verifier


def _key_entries(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        entries = [
            json.loads(e) for e in conn.scalars(select(EventRow.entry).order_by(EventRow.seq))
        ]
    return [e for e in entries if e["type"] == "KeyRegistered"]


def test_a_registered_key_is_listed_looked_up_and_logged(uow: Uow, engine: Engine) -> None:
    register_key(uow(), UA, actor="mediator", now=NOW)
    register_key(uow(), MEDIATOR, actor="mediator", now=NOW)

    assert [(k.name, k.key, k.registered_at) for k in list_keys(uow())] == [
        ("MEDIATOR", MEDIATOR, NOW),
        ("UA", UA, NOW),
    ]
    assert registered_key(uow(), "UA") == UA
    assert registered_key(uow(), "RU") is None
    [ua, mediator] = _key_entries(engine)
    assert ua["seq"] == 3
    assert ua["actor"] == "mediator"
    assert ua["data"] == {
        "key_name": "UA",
        "key_id": UA.key_id.hex(),
        "key": UA.to_text(),
        "replaces": None,
    }
    assert mediator["data"]["key_name"] == "MEDIATOR"
    assert verify_database(uow()).entries == 4


def test_registering_the_same_key_again_changes_nothing(uow: Uow, engine: Engine) -> None:
    first = register_key(uow(), UA, actor="mediator", now=NOW)
    again = register_key(uow(), UA, actor="mediator", now=NOW.replace(hour=11))

    assert first.changed
    assert not again.changed
    assert again.key == first.key
    assert len(_key_entries(engine)) == 1


def test_another_key_for_a_registered_name_is_refused_unless_replacing_is_asked(
    uow: Uow, engine: Engine
) -> None:
    register_key(uow(), UA, actor="mediator", now=NOW)
    with pytest.raises(InvalidValue, match=r"another key is registered .*--replace"):
        register_key(uow(), UA_NEW, actor="mediator", now=NOW)
    assert registered_key(uow(), "UA") == UA

    later = NOW.replace(hour=11)
    done = register_key(uow(), UA_NEW, replace=True, actor="mediator", now=later)

    assert (done.replaced, done.changed) == (UA, True)
    assert registered_key(uow(), "UA") == UA_NEW
    assert [k.registered_at for k in list_keys(uow())] == [later]
    assert [e["data"]["replaces"] for e in _key_entries(engine)] == [None, UA.key_id.hex()]  # type: ignore[index]


def test_a_key_must_be_named_after_a_registered_party_or_the_mediator(uow: Uow) -> None:
    stranger = SigningKey.from_seed("XX", bytes(range(3, 35))).verifier
    with pytest.raises(NotFound, match=r"no party 'XX' is registered.*known: MEDIATOR, RU, UA"):
        register_key(uow(), stranger, actor="mediator", now=NOW)
    assert list_keys(uow()) == []
