"""Users, their API tokens and web sessions, and the access log, in tables ``users``,
``api_tokens``, ``web_sessions`` and ``access_log``.

A token or session is looked up by the SHA-256 of its text, through the unique index
on that column, in one statement that joins its user: authenticating a request costs
one indexed read. Only hashes are stored; the texts are shown once, when made.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parley.adapters.orm import AccessLogRow, ApiTokenRow, UserRow, WebSessionRow
from parley.adapters.uow import SqlUnitOfWork
from parley.domain.access import Principal, Role
from parley.errors import Conflict
from parley.services.ports import AccessAction, AccessEntry, TokenInfo, User

__all__ = [
    "SqlAccessLog",
    "SqlAccessUnitOfWork",
    "SqlTokenRepository",
    "SqlUserRepository",
    "SqlWebSessionRepository",
]

_USERS = cast(Table, UserRow.__table__)
_TOKENS = cast(Table, ApiTokenRow.__table__)
_SESSIONS = cast(Table, WebSessionRow.__table__)
_ACCESS = cast(Table, AccessLogRow.__table__)
# Built once: every API request runs one of these two, and building a statement anew
# costs about as much as running it.
_TOKEN_PRINCIPAL = (
    select(_USERS.c.name, _USERS.c.role, _USERS.c.party_code, _TOKENS.c.expires_at)
    .select_from(_TOKENS.join(_USERS, _USERS.c.id == _TOKENS.c.user_id))
    .where(
        _TOKENS.c.token_sha256 == bindparam("b_sha256"),
        _TOKENS.c.revoked_at.is_(None),
        _TOKENS.c.expires_at > bindparam("b_now"),
        _USERS.c.disabled_at.is_(None),
    )
)
_SESSION_PRINCIPAL = (
    select(_USERS.c.name, _USERS.c.role, _USERS.c.party_code, _SESSIONS.c.csrf_token)
    .select_from(_SESSIONS.join(_USERS, _USERS.c.id == _SESSIONS.c.user_id))
    .where(
        _SESSIONS.c.session_sha256 == bindparam("b_sha256"),
        _SESSIONS.c.ended_at.is_(None),
        _SESSIONS.c.expires_at > bindparam("b_now"),
        _USERS.c.disabled_at.is_(None),
    )
)
_TOKEN_INFO = select(
    _TOKENS.c.id,
    _USERS.c.name,
    _TOKENS.c.label,
    _TOKENS.c.created_at,
    _TOKENS.c.expires_at,
    _TOKENS.c.revoked_at,
).select_from(_TOKENS.join(_USERS, _USERS.c.id == _TOKENS.c.user_id))


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        party=row.party_code,
        created_at=row.created_at,
        disabled_at=row.disabled_at,
    )


def _principal(row: Any) -> Principal:
    return Principal(row.name, Role(row.role), row.party_code)


def _token(row: Any) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        user=row.name,
        label=row.label,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class SqlUserRepository:
    """Users, in table ``users`` (``parley.services.ports.UserRepository``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _row(self, name: str) -> UserRow | None:
        return self._session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()

    def get(self, name: str) -> User | None:
        row = self._row(name)
        return None if row is None else _user(row)

    def credentials(self, name: str) -> tuple[User, str | None] | None:
        row = self._row(name)
        return None if row is None else (_user(row), row.password_hash)

    def add(
        self,
        name: str,
        role: Role,
        party: str | None,
        password_hash: str | None,
        at: datetime,
    ) -> User:
        """Store a new user.

        Raises:
            Conflict: a user of that name exists (another transaction added it first).
        """
        row = UserRow(
            name=name, role=role.value, party_code=party, password_hash=password_hash, created_at=at
        )
        self._session.add(row)
        try:
            self._session.flush()
        except IntegrityError as e:
            # SQLite says "UNIQUE constraint failed: users.name", PostgreSQL names the
            # constraint; any other integrity error is a bug of the caller's.
            if "users.name" not in str(e.orig) and "uq_users_name" not in str(e.orig):
                raise
            raise Conflict(f"user {name}: a user of that name exists already") from e
        return _user(row)

    def all(self) -> list[User]:
        return [_user(r) for r in self._session.scalars(select(UserRow).order_by(UserRow.name))]

    # Through the loaded row, not an UPDATE: a later read in the same unit then sees it.
    def set_password_hash(self, user_id: int, password_hash: str | None) -> None:
        row = self._session.get_one(UserRow, user_id)
        row.password_hash = password_hash
        self._session.flush()

    def disable(self, user_id: int, at: datetime) -> None:
        row = self._session.get_one(UserRow, user_id)
        row.disabled_at = at
        self._session.flush()


class SqlTokenRepository:
    """API tokens, in table ``api_tokens`` (``parley.services.ports.TokenRepository``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self, user_id: int, token_sha256: str, label: str, at: datetime, expires_at: datetime
    ) -> int:
        row = ApiTokenRow(
            user_id=user_id,
            token_sha256=token_sha256,
            label=label,
            created_at=at,
            expires_at=expires_at,
        )
        self._session.add(row)
        self._session.flush()
        return row.id

    def get(self, token_id: int) -> TokenInfo | None:
        row = self._session.execute(_TOKEN_INFO.where(_TOKENS.c.id == token_id)).one_or_none()
        return None if row is None else _token(row)

    def of_user(self, user_id: int | None) -> list[TokenInfo]:
        query = _TOKEN_INFO.order_by(_TOKENS.c.created_at, _TOKENS.c.id)
        if user_id is not None:
            query = query.where(_TOKENS.c.user_id == user_id)
        return [_token(row) for row in self._session.execute(query)]

    def revoke(self, token_id: int, at: datetime) -> None:
        self._session.execute(
            update(_TOKENS)
            .where(_TOKENS.c.id == token_id, _TOKENS.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def revoke_all(self, user_id: int, at: datetime) -> int:
        done = self._session.connection().execute(
            update(_TOKENS)
            .where(_TOKENS.c.user_id == user_id, _TOKENS.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )
        return done.rowcount

    def principal(self, token_sha256: str, now: datetime) -> tuple[Principal, datetime] | None:
        row = self._session.execute(
            _TOKEN_PRINCIPAL, {"b_sha256": token_sha256, "b_now": now}
        ).one_or_none()
        return None if row is None else (_principal(row), row.expires_at)


class SqlWebSessionRepository:
    """Web sessions, in table ``web_sessions`` (``ports.WebSessionRepository``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(
        self, user_id: int, session_sha256: str, csrf_token: str, at: datetime, expires_at: datetime
    ) -> None:
        self._session.execute(
            insert(_SESSIONS).values(
                user_id=user_id,
                session_sha256=session_sha256,
                csrf_token=csrf_token,
                created_at=at,
                expires_at=expires_at,
            )
        )

    def principal(self, session_sha256: str, now: datetime) -> tuple[Principal, str] | None:
        row = self._session.execute(
            _SESSION_PRINCIPAL, {"b_sha256": session_sha256, "b_now": now}
        ).one_or_none()
        return None if row is None else (_principal(row), row.csrf_token)

    def end(self, session_sha256: str, at: datetime) -> bool:
        done = self._session.connection().execute(
            update(_SESSIONS)
            .where(_SESSIONS.c.session_sha256 == session_sha256, _SESSIONS.c.ended_at.is_(None))
            .values(ended_at=at)
        )
        return done.rowcount > 0

    def end_all(self, user_id: int, at: datetime) -> int:
        done = self._session.connection().execute(
            update(_SESSIONS)
            .where(_SESSIONS.c.user_id == user_id, _SESSIONS.c.ended_at.is_(None))
            .values(ended_at=at)
        )
        return done.rowcount


def _clip(value: str | None, length: int) -> str | None:
    return None if value is None else value[:length]


class SqlAccessLog:
    """The access log, in table ``access_log`` (``parley.services.ports.AccessLog``)."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, entries: Sequence[AccessEntry]) -> None:
        """Append ``entries``, each text cut to its column's width (PostgreSQL would
        refuse a longer one, and a log line is not worth losing a request over)."""
        if not entries:
            return
        self._session.execute(
            insert(_ACCESS),
            [
                {
                    "at": e.at,
                    "user_name": _clip(e.user, 100),
                    "role": _clip(e.role, 24),
                    "party": _clip(e.party, 8),
                    "client": e.client[:64],
                    "method": e.method[:8],
                    "route": e.route[:200],
                    "object_kind": _clip(e.object_kind, 32),
                    "object_id": _clip(e.object_id, 200),
                    "action": e.action,
                    "status": e.status,
                }
                for e in entries
            ],
        )

    def query(
        self,
        *,
        user: str | None,
        object_kind: str | None,
        object_id: str | None,
        since: datetime | None,
        until: datetime | None,
        limit: int,
        offset: int,
    ) -> list[AccessEntry]:
        query = select(_ACCESS)
        if user is not None:
            query = query.where(_ACCESS.c.user_name == user)
        if object_kind is not None:
            query = query.where(_ACCESS.c.object_kind == object_kind)
        if object_id is not None:
            query = query.where(_ACCESS.c.object_id == object_id)
        if since is not None:
            query = query.where(_ACCESS.c.at >= since)
        if until is not None:
            query = query.where(_ACCESS.c.at < until)
        query = query.order_by(_ACCESS.c.at.desc(), _ACCESS.c.id.desc()).limit(limit).offset(offset)
        return [
            AccessEntry(
                at=row.at,
                user=row.user_name,
                role=row.role,
                party=row.party,
                client=row.client,
                method=row.method,
                route=row.route,
                object_kind=row.object_kind,
                object_id=row.object_id,
                action=cast(AccessAction, row.action),
                status=row.status,
            )
            for row in self._session.execute(query)
        ]


class SqlAccessUnitOfWork(SqlUnitOfWork):
    """The unit of work, with the users, tokens, web sessions and access log as well.

    Each repository is made on first use, like the others: a unit that never reaches
    them (a handover) never pays for the ORM session they work through.
    """

    @property
    def users(self) -> SqlUserRepository:
        """The users who may sign in."""
        return self._repository("users", SqlUserRepository)

    @property
    def tokens(self) -> SqlTokenRepository:
        """API tokens, stored only as their hash."""
        return self._repository("tokens", SqlTokenRepository)

    @property
    def web_sessions(self) -> SqlWebSessionRepository:
        """Web sessions, stored only as their hash."""
        return self._repository("web_sessions", SqlWebSessionRepository)

    @property
    def access_log(self) -> SqlAccessLog:
        """Who read or changed what."""
        return self._repository("access_log", SqlAccessLog)
