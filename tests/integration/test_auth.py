"""Users, API tokens, web sessions and the access log, on SQLite and PostgreSQL.

A token or a session is random, shown once and stored only as its SHA-256; a password
only as its Argon2id hash. Every way of failing to sign in gets the same answer. A
disabled user's tokens and sessions stop at once. The access log names objects by
record id and answers its filters newest first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley.adapters.access import SqlAccessUnitOfWork, SqlTokenRepository
from parley.adapters.orm import ApiTokenRow, UserRow
from parley.domain.access import Principal, Role
from parley.domain.parties import Party
from parley.errors import Conflict, InvalidValue, NotAuthenticated, NotFound
from parley.services.auth import (
    TOKEN_MEMORY,
    AccessEntry,
    add_user,
    authenticate_token,
    disable_user,
    list_tokens,
    list_users,
    login,
    logout,
    new_token,
    query_access,
    record_access,
    remembered_token,
    revoke_token,
    session_principal,
    set_password,
)
from tests.conftest import NOW, snapshot

Access = Callable[[], SqlAccessUnitOfWork]
PASSWORD = "correct horse battery staple"
BAD_TOKEN = "the token is not valid: unknown, expired or revoked"
BAD_LOGIN = "wrong user name or password"
DAY = timedelta(days=1)


@pytest.fixture
def access(engine: Engine, parties: tuple[Party, Party]) -> Access:
    """Make a fresh unit of work that reaches the access tables; UA and RU registered."""
    return lambda: SqlAccessUnitOfWork(engine)


@pytest.fixture
def ua_office(access: Access) -> Principal:
    """A party member of UA with a password."""
    add_user(access(), "ua-office", Role.PARTY, "UA", password=PASSWORD, actor="admin", now=NOW)
    return Principal("ua-office", Role.PARTY, "UA")


def _token(access: Access, user: str = "ua-office", valid_for: timedelta = 30 * DAY) -> str:
    made = new_token(access(), user, label="upload", valid_for=valid_for, actor="admin", now=NOW)
    return made.token


def _cells(engine: Engine) -> str:
    """Every value of every row of every table, as one text to search."""
    return repr(snapshot(engine))


# --- users ------------------------------------------------------------------------------


def test_users_are_added_with_their_role_and_party_and_listed_by_name(access: Access) -> None:
    add_user(access(), "ru-office", "party", "RU", actor="admin", now=NOW)
    mediator = add_user(access(), "mediator", Role.MEDIATOR, None, actor="admin", now=NOW)

    assert mediator.principal == Principal("mediator", Role.MEDIATOR)
    users = list_users(access())
    assert [(u.name, u.role, u.party, u.disabled) for u in users] == [
        ("mediator", Role.MEDIATOR, None, False),
        ("ru-office", Role.PARTY, "RU", False),
    ]
    assert users[0].created_at == NOW


def test_a_party_member_needs_a_registered_party_and_nobody_else_may_have_one(
    access: Access,
) -> None:
    with pytest.raises(NotFound, match=r"unknown party 'XA' \(known parties: RU, UA\)"):
        add_user(access(), "xa-office", Role.PARTY, "XA", actor="admin", now=NOW)
    with pytest.raises(InvalidValue, match="has the party role but no party"):
        add_user(access(), "nobody", Role.PARTY, None, actor="admin", now=NOW)
    with pytest.raises(InvalidValue, match="belongs to no party"):
        add_user(access(), "observer", Role.OBSERVER, "UA", actor="admin", now=NOW)
    with pytest.raises(InvalidValue, match="'boss' is not a role"):
        add_user(access(), "boss", "boss", None, actor="admin", now=NOW)
    assert list_users(access()) == []


def test_the_database_itself_refuses_a_party_member_without_a_party(engine: Engine) -> None:
    with Session(engine) as session:
        session.add(UserRow(name="stray", role="party", party_code=None, created_at=NOW))
        with pytest.raises(IntegrityError, match=r"ck_users_party_member|CHECK constraint"):
            session.flush()


def test_a_second_user_of_the_same_name_is_a_conflict(access: Access, ua_office: Principal) -> None:
    with pytest.raises(Conflict, match="user ua-office: a user of that name exists already"):
        add_user(access(), "ua-office", Role.OBSERVER, None, actor="admin", now=NOW)


def test_a_short_password_is_refused_without_being_quoted(access: Access) -> None:
    with pytest.raises(InvalidValue, match="at least 12 characters") as refused:
        add_user(access(), "mediator", Role.MEDIATOR, None, password="hunter2", actor="a", now=NOW)
    assert "hunter2" not in str(refused.value)
    assert list_users(access()) == []


def test_a_password_is_stored_only_as_an_argon2id_hash(
    access: Access, engine: Engine, ua_office: Principal
) -> None:
    with engine.connect() as conn:
        stored = conn.scalar(select(UserRow.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in _cells(engine)


def test_a_new_password_replaces_the_old_one(access: Access, ua_office: Principal) -> None:
    set_password(access(), "ua-office", "a much better passphrase", actor="admin", now=NOW)

    with pytest.raises(NotAuthenticated, match=BAD_LOGIN):
        login(access(), "ua-office", PASSWORD, now=NOW)
    assert login(access(), "ua-office", "a much better passphrase", now=NOW).principal == ua_office
    with pytest.raises(NotFound, match="unknown user 'nobody'"):
        set_password(access(), "nobody", "a much better passphrase", actor="admin", now=NOW)


def test_a_new_password_signs_out_whoever_signed_in_with_the_old_one(
    access: Access, ua_office: Principal
) -> None:
    opened = login(access(), "ua-office", PASSWORD, now=NOW)

    set_password(access(), "ua-office", "a much better passphrase", actor="admin", now=NOW)

    with pytest.raises(NotAuthenticated):
        session_principal(access(), opened.token, now=NOW)


# --- API tokens -------------------------------------------------------------------------


def test_a_token_is_shown_once_and_stored_only_as_its_sha256(
    access: Access, engine: Engine, ua_office: Principal
) -> None:
    made = new_token(
        access(), "ua-office", label="UA upload", valid_for=30 * DAY, actor="admin", now=NOW
    )

    assert made.token.startswith("parley_")
    assert made.token not in repr(made)
    assert made.expires_at == NOW + 30 * DAY
    assert made.token not in _cells(engine)
    with engine.connect() as conn:
        stored = conn.scalar(select(ApiTokenRow.token_sha256))
    assert stored == hashlib.sha256(made.token.encode()).hexdigest()
    [listed] = list_tokens(access(), "ua-office")
    assert (listed.id, listed.user, listed.label, listed.revoked_at) == (
        made.id,
        "ua-office",
        "UA upload",
        None,
    )
    assert made.token not in repr(listed)
    assert stored not in repr(listed)


def test_a_token_acts_as_its_user(access: Access, ua_office: Principal) -> None:
    token = _token(access)
    assert authenticate_token(access(), token, now=NOW) == ua_office


def test_authenticating_a_token_is_one_select(
    access: Access, engine: Engine, ua_office: Principal
) -> None:
    token = _token(access)
    selects: list[str] = []

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            selects.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        authenticate_token(SqlAccessUnitOfWork(engine, read_only=True), token, now=NOW)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(selects) == 1
    assert "api_tokens" in selects[0]
    assert "users" in selects[0]


def test_a_token_is_refused_from_the_moment_it_expires(
    access: Access, ua_office: Principal
) -> None:
    token = _token(access, valid_for=timedelta(hours=1))

    assert authenticate_token(access(), token, now=NOW + timedelta(minutes=59)) == ua_office
    for later in (NOW + timedelta(hours=1), NOW + 2 * DAY):
        with pytest.raises(NotAuthenticated, match=BAD_TOKEN):
            authenticate_token(access(), token, now=later)


def test_a_revoked_token_is_refused_and_revoking_it_again_changes_nothing(
    access: Access, ua_office: Principal
) -> None:
    token = _token(access)
    [info] = list_tokens(access())

    revoked = revoke_token(access(), info.id, actor="admin", now=NOW + DAY)
    again = revoke_token(access(), info.id, actor="admin", now=NOW + 2 * DAY)

    assert revoked.revoked_at == again.revoked_at == NOW + DAY
    assert list_tokens(access())[0].state(NOW + DAY) == "revoked"
    with pytest.raises(NotAuthenticated, match=BAD_TOKEN):
        authenticate_token(access(), token, now=NOW + DAY)
    with pytest.raises(NotFound, match="no token has id 999"):
        revoke_token(access(), 999, actor="admin", now=NOW)


# --- tokens this process remembers ------------------------------------------------------


def _revoked_elsewhere(access: Access, token_id: int) -> None:
    """Revoke a token as another process would: in the database, unseen by this one."""
    with access() as u:
        u.tokens.revoke(token_id, NOW)
        u.commit()


def test_a_token_revoked_by_another_process_is_honoured_for_at_most_a_second(
    access: Access, ua_office: Principal
) -> None:
    token = _token(access)
    [info] = list_tokens(access())
    assert authenticate_token(access(), token, now=NOW) == ua_office

    _revoked_elsewhere(access, info.id)

    almost = NOW + TOKEN_MEMORY - timedelta(milliseconds=1)
    assert authenticate_token(access(), token, now=almost) == ua_office
    with pytest.raises(NotAuthenticated, match=BAD_TOKEN):
        authenticate_token(access(), token, now=NOW + TOKEN_MEMORY)


def test_a_token_revoked_or_its_user_disabled_here_is_refused_at_once(
    access: Access, ua_office: Principal
) -> None:
    revoked, disabled = _token(access), _token(access)
    first = list_tokens(access())[0]
    for token in (revoked, disabled):
        assert authenticate_token(access(), token, now=NOW) == ua_office

    revoke_token(access(), first.id, actor="admin", now=NOW)
    with pytest.raises(NotAuthenticated, match=BAD_TOKEN):
        authenticate_token(access(), revoked, now=NOW)
    assert authenticate_token(access(), disabled, now=NOW) == ua_office
    disable_user(access(), "ua-office", actor="admin", now=NOW)
    with pytest.raises(NotAuthenticated, match=BAD_TOKEN):
        authenticate_token(access(), disabled, now=NOW)


def test_a_remembered_token_is_refused_from_the_moment_it_expires(
    access: Access, ua_office: Principal
) -> None:
    token = _token(access, valid_for=timedelta(hours=1))
    expiry = NOW + timedelta(hours=1)

    assert authenticate_token(access(), token, now=expiry - TOKEN_MEMORY / 2) == ua_office
    assert remembered_token(token, now=expiry - TOKEN_MEMORY / 4) == ua_office
    assert remembered_token(token, now=expiry) is None
    with pytest.raises(NotAuthenticated, match=BAD_TOKEN):
        authenticate_token(access(), token, now=expiry)


def test_a_token_read_before_a_revocation_and_found_after_it_is_not_remembered(
    access: Access, engine: Engine, ua_office: Principal, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _token(access)
    [info] = list_tokens(access())
    reading = SqlTokenRepository.principal

    def read_then_revoked(
        self: SqlTokenRepository, token_sha256: str, now: datetime
    ) -> tuple[Principal, datetime] | None:
        found = reading(self, token_sha256, now)
        monkeypatch.setattr(SqlTokenRepository, "principal", reading)
        revoke_token(access(), info.id, actor="admin", now=NOW)  # lands during the lookup
        return found

    monkeypatch.setattr(SqlTokenRepository, "principal", read_then_revoked)
    assert authenticate_token(SqlAccessUnitOfWork(engine, read_only=True), token, now=NOW) == (
        ua_office
    )
    assert remembered_token(token, now=NOW) is None
    with pytest.raises(NotAuthenticated, match=BAD_TOKEN):
        authenticate_token(access(), token, now=NOW)


@pytest.mark.parametrize(
    "token",
    ["", "parley_", "not a token", "parley_" + "A" * 43, "parley_" + "A" * 44, "Bearer x"],
)
def test_an_unknown_or_malformed_token_gets_the_same_answer(
    access: Access, ua_office: Principal, token: str
) -> None:
    with pytest.raises(NotAuthenticated) as refused:
        authenticate_token(access(), token, now=NOW)
    assert str(refused.value) == BAD_TOKEN


@pytest.mark.parametrize("valid_for", [timedelta(minutes=59), timedelta(days=366), -DAY])
def test_a_token_lives_between_an_hour_and_a_year(
    access: Access, ua_office: Principal, valid_for: timedelta
) -> None:
    with pytest.raises(InvalidValue, match="1 hour to 365 days"):
        _token(access, valid_for=valid_for)
    assert list_tokens(access()) == []


def test_a_token_needs_a_known_user_and_a_label(access: Access, ua_office: Principal) -> None:
    with pytest.raises(NotFound, match="unknown user 'nobody'"):
        _token(access, user="nobody")
    with pytest.raises(NotFound, match="unknown user 'nobody'"):
        list_tokens(access(), "nobody")
    for label in ("", "   ", "x" * 101, "line\nbreak"):
        with pytest.raises(InvalidValue, match="label"):
            new_token(access(), "ua-office", label=label, valid_for=DAY, actor="a", now=NOW)


# --- disabled users ---------------------------------------------------------------------


def test_disabling_a_user_revokes_their_tokens_and_ends_their_sessions(
    access: Access, ua_office: Principal
) -> None:
    token = _token(access)
    session = login(access(), "ua-office", PASSWORD, now=NOW)

    user = disable_user(access(), "ua-office", actor="admin", now=NOW + DAY)

    assert user.disabled_at == NOW + DAY
    assert [u.disabled for u in list_users(access())] == [True]
    assert [t.revoked_at for t in list_tokens(access())] == [NOW + DAY]
    with pytest.raises(NotAuthenticated, match=BAD_TOKEN):
        authenticate_token(access(), token, now=NOW + DAY)
    with pytest.raises(NotAuthenticated, match="the session is not valid"):
        session_principal(access(), session.token, now=NOW + DAY)
    with pytest.raises(NotAuthenticated, match=BAD_LOGIN):
        login(access(), "ua-office", PASSWORD, now=NOW + DAY)
    with pytest.raises(InvalidValue, match="ua-office is disabled"):
        _token(access)
    assert disable_user(access(), "ua-office", actor="admin", now=NOW + 2 * DAY).disabled_at == (
        NOW + DAY
    )


# --- web sessions -----------------------------------------------------------------------


def test_the_right_password_opens_a_session_with_its_own_csrf_token(
    access: Access, engine: Engine, ua_office: Principal
) -> None:
    first = login(access(), "ua-office", PASSWORD, now=NOW)
    second = login(access(), "ua-office", PASSWORD, now=NOW, valid_for=timedelta(hours=1))

    assert first.principal == ua_office
    assert first.expires_at == NOW + timedelta(hours=12)
    assert second.expires_at == NOW + timedelta(hours=1)
    assert session_principal(access(), first.token, now=NOW) == (ua_office, first.csrf_token)
    assert session_principal(access(), second.token, now=NOW) == (ua_office, second.csrf_token)
    assert len({first.token, second.token, first.csrf_token, second.csrf_token}) == 4
    assert first.token not in repr(first)
    assert first.token not in _cells(engine)


def test_every_failed_login_gets_the_same_answer(access: Access, ua_office: Principal) -> None:
    add_user(access(), "tokens-only", Role.OBSERVER, None, actor="admin", now=NOW)
    attempts = [
        ("ua-office", "wrong password, long enough"),
        ("nobody", PASSWORD),
        ("Not A Login!", PASSWORD),
        ("tokens-only", PASSWORD),
        ("ua-office", ""),
        ("ua-office", "x" * 5000),
    ]
    for name, password in attempts:
        with pytest.raises(NotAuthenticated) as refused:
            login(access(), name, password, now=NOW)
        assert str(refused.value) == BAD_LOGIN


def test_a_session_ends_on_logout_and_when_it_expires(access: Access, ua_office: Principal) -> None:
    ended = login(access(), "ua-office", PASSWORD, now=NOW)
    expiring = login(access(), "ua-office", PASSWORD, now=NOW, valid_for=timedelta(hours=1))

    logout(access(), ended.token, now=NOW)
    logout(access(), ended.token, now=NOW)  # twice: nothing more to end
    logout(access(), "not a session", now=NOW)

    with pytest.raises(NotAuthenticated, match="the session is not valid"):
        session_principal(access(), ended.token, now=NOW)
    assert session_principal(access(), expiring.token, now=NOW + timedelta(minutes=59))
    with pytest.raises(NotAuthenticated, match="the session is not valid"):
        session_principal(access(), expiring.token, now=NOW + timedelta(hours=1))
    with pytest.raises(NotAuthenticated, match="the session is not valid"):
        session_principal(access(), "parley_" + "A" * 43, now=NOW)


# --- the access log ---------------------------------------------------------------------


def _entry(
    minutes: int,
    user: str | None = "ua-office",
    kind: str | None = "tranche",
    object_id: str | None = "exchange-2025/1",
    status: int = 200,
) -> AccessEntry:
    return AccessEntry(
        at=NOW + timedelta(minutes=minutes),
        user=user,
        role=None if user is None else "party",
        party=None if user is None else "UA",
        client="192.0.2.10",
        method="GET",
        route="/tranches/{exchange}/{number}",
        object_kind=kind,
        object_id=object_id,
        action="read",
        status=status,
    )


def test_the_access_log_answers_its_filters_newest_first(access: Access) -> None:
    entries = [
        _entry(1),
        _entry(2, user="mediator", object_id="exchange-2025/2"),
        _entry(3, user=None, kind=None, object_id=None, status=401),
        _entry(4, kind="holding", object_id="RU-H-000017"),
        _entry(5),
    ]
    record_access(access(), entries)
    record_access(access(), [])

    def minutes(found: list[AccessEntry]) -> list[int]:
        return [int((e.at - NOW) / timedelta(minutes=1)) for e in found]

    assert query_access(access()) == entries[::-1]
    assert minutes(query_access(access(), user="ua-office")) == [5, 4, 1]
    assert minutes(query_access(access(), object_kind="tranche")) == [5, 2, 1]
    assert minutes(query_access(access(), object_kind="tranche", object_id="exchange-2025/1")) == [
        5,
        1,
    ]
    assert minutes(query_access(access(), object_id="RU-H-000017")) == [4]
    since, until = NOW + timedelta(minutes=2), NOW + timedelta(minutes=4)
    assert minutes(query_access(access(), since=since, until=until)) == [3, 2]
    assert minutes(query_access(access(), limit=2)) == [5, 4]
    assert minutes(query_access(access(), limit=2, offset=2)) == [3, 2]
    assert query_access(access(), user="nobody") == []


def test_an_entry_longer_than_its_columns_is_cut_to_fit(access: Access) -> None:
    long = AccessEntry(
        at=NOW,
        user="u" * 300,
        role="party",
        party="UA",
        client="2001:db8::" + "f" * 100,
        method="PROPFIND-X",
        route="/" + "r" * 300,
        object_kind="k" * 50,
        object_id="i" * 300,
        action="write",
        status=500,
    )
    record_access(access(), [long])
    [stored] = query_access(access())
    assert (len(stored.client), len(stored.method), len(stored.route)) == (64, 8, 200)
    assert (len(stored.object_kind or ""), len(stored.object_id or "")) == (32, 200)


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
def test_the_access_log_is_read_a_page_of_1_to_1000_at_a_time(
    access: Access, limit: int, offset: int
) -> None:
    with pytest.raises(InvalidValue):
        query_access(access(), limit=limit, offset=offset)


def test_user_and_token_changes_are_logged_by_record_id_in_their_transaction(
    access: Access, ua_office: Principal
) -> None:
    made = new_token(access(), "ua-office", label="upload", valid_for=DAY, actor="admin", now=NOW)
    revoke_token(access(), made.id, actor="root", now=NOW + DAY)
    disable_user(access(), "ua-office", actor="root", now=NOW + 2 * DAY)

    logged = [
        (e.user, e.method, e.route, e.object_kind, e.object_id, e.action)
        for e in query_access(access())
    ]
    [user] = list_users(access())
    assert logged == [
        ("root", "ADMIN", "users disable", "user", str(user.id), "write"),
        ("root", "ADMIN", "tokens revoke", "token", str(made.id), "write"),
        ("admin", "ADMIN", "tokens new", "token", str(made.id), "write"),
        ("admin", "ADMIN", "users add", "user", str(user.id), "write"),
    ]
    assert all("ua-office" not in (e.object_id or "") for e in query_access(access()))
