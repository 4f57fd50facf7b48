"""Users, their API tokens, and the access log, as a principal may manage and read them.

Users and tokens are the admin's; nobody else ever sees a token, not even its owner after
it was shown once, and a token's hash never leaves the database. The access log is read
by the mediator and the admin: it names users, routes and record ids, never a person.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from parley.domain.access import Principal, Role
from parley.services import auth
from parley.services.access import Capability, authorize
from parley.services.auth import NewToken
from parley.services.ports import AccessEntry, AccessUnitOfWork, TokenInfo, User

__all__ = [
    "add_user",
    "disable_user",
    "list_tokens",
    "list_users",
    "new_token",
    "query_access",
    "revoke_token",
]


def list_users(uow: AccessUnitOfWork, principal: Principal) -> list[User]:
    """Every user, disabled ones too (the admin).

    Raises:
        NotPermitted: the principal is not the admin.
    """
    authorize(principal, Capability.USERS_MANAGE)
    return auth.list_users(uow)


def add_user(
    uow: AccessUnitOfWork,
    principal: Principal,
    name: str,
    role: Role,
    party: str | None,
    *,
    password: str | None,
    now: datetime,
) -> User:
    """Add a user (the admin).

    Raises:
        NotPermitted: the principal is not the admin.
        InvalidValue: a malformed name, a party for a non-party role (or none for a
            party member), a password too short.
        NotFound: the party is not registered.
        Conflict: the name is taken.
    """
    authorize(principal, Capability.USERS_MANAGE)
    return auth.add_user(uow, name, role, party, password=password, actor=principal.user, now=now)


def disable_user(uow: AccessUnitOfWork, principal: Principal, name: str, *, now: datetime) -> User:
    """Disable a user, revoking their tokens and ending their sessions (the admin).

    Raises:
        NotPermitted: the principal is not the admin.
        NotFound: no such user.
    """
    authorize(principal, Capability.USERS_MANAGE)
    return auth.disable_user(uow, name, actor=principal.user, now=now)


def new_token(
    uow: AccessUnitOfWork,
    principal: Principal,
    user: str,
    *,
    label: str,
    valid_for: timedelta,
    now: datetime,
) -> NewToken:
    """Make an API token for ``user``; its text is in the answer and nowhere else (the
    admin).

    Raises:
        NotPermitted: the principal is not the admin.
        NotFound: no such user.
        InvalidValue: a validity outside 1 hour to 365 days, a bad label, a disabled user.
    """
    authorize(principal, Capability.USERS_MANAGE)
    return auth.new_token(
        uow, user, label=label, valid_for=valid_for, actor=principal.user, now=now
    )


def list_tokens(uow: AccessUnitOfWork, principal: Principal, user: str | None) -> list[TokenInfo]:
    """The tokens of ``user`` (default: everyone's), never their text or hash (the admin).

    Raises:
        NotPermitted: the principal is not the admin.
        NotFound: no such user.
    """
    authorize(principal, Capability.USERS_MANAGE)
    return auth.list_tokens(uow, user)


def revoke_token(
    uow: AccessUnitOfWork, principal: Principal, token_id: int, *, now: datetime
) -> TokenInfo:
    """Revoke a token at once (the admin).

    Raises:
        NotPermitted: the principal is not the admin.
        NotFound: no token has that id.
    """
    authorize(principal, Capability.USERS_MANAGE)
    return auth.revoke_token(uow, token_id, actor=principal.user, now=now)


def query_access(
    uow: AccessUnitOfWork,
    principal: Principal,
    *,
    user: str | None = None,
    object_kind: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AccessEntry]:
    """Access log entries matching every filter given, newest first (mediator, admin).

    Raises:
        NotPermitted: the principal is neither the mediator nor the admin.
        InvalidValue: ``limit`` not 1 to 1,000, or ``offset`` negative.
    """
    authorize(principal, Capability.ACCESS_LOG_READ)
    return auth.query_access(
        uow,
        user=user,
        object_kind=object_kind,
        object_id=object_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )
