"""Who may use parley, how they prove it, and the record of what they did.

A user has a login name, one role and, for a party member, one party
(``parley.domain.access``). A program signs in with an API token, a person at a browser
with their password (a web session). Neither secret is ever stored: a password as its
Argon2id hash (RFC 9106), a token or session as the SHA-256 of its text, which is
random and shown once, when made. Every way of failing to sign in gets one and the same
message, so that the answer never tells whether a user, a token or a password exists.

Changes to users and tokens are written to the access log in their own transaction,
as method ``ADMIN``, naming the user or token by record id: whoever reads the log sees
who added, disabled or issued what, and when.

A token found live is remembered by this process for at most ``TOKEN_MEMORY`` (and never
past its expiry), so that a busy client costs one read a second, not one per request.
Revoking a token, disabling a user or setting a password here forgets every token at
once; another process (``parley tokens revoke``, another server worker) may see a
revoked token honoured for up to that long.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from parley.domain.access import Principal, Role
from parley.errors import Conflict, InvalidValue, NotAuthenticated, NotFound
from parley.services.parties import require_party
from parley.services.ports import AccessEntry, AccessUnitOfWork, TokenInfo, User

__all__ = [
    "MIN_PASSWORD",
    "TOKEN_MEMORY",
    "TOKEN_PREFIX",
    "AccessEntry",
    "NewToken",
    "TokenInfo",
    "User",
    "WebSession",
    "add_user",
    "authenticate_token",
    "disable_user",
    "list_tokens",
    "list_users",
    "login",
    "logout",
    "new_token",
    "query_access",
    "record_access",
    "remembered_token",
    "revoke_token",
    "session_principal",
    "set_password",
]

MIN_PASSWORD = 12
"""The fewest characters a password may have (NIST SP 800-63B asks for at least 8)."""
_MAX_PASSWORD = 1024  # Argon2 takes any length; this only bounds the work one request asks
TOKEN_PREFIX = "parley_"  # noqa: S105 (a prefix, not a secret)
"""How every API token starts, so that a secret scanner can recognise a leaked one."""
_RANDOM = r"[A-Za-z0-9_-]{43}"  # secrets.token_urlsafe(32): 256 random bits
_TOKEN = re.compile(rf"{TOKEN_PREFIX}{_RANDOM}")
_SESSION = re.compile(_RANDOM)
_MIN_TOKEN_LIFE = timedelta(hours=1)
_MAX_TOKEN_LIFE = timedelta(days=365)
_MAX_SESSION_LIFE = timedelta(days=30)
_MAX_QUERY = 1000

_BAD_TOKEN = "the token is not valid: unknown, expired or revoked"  # noqa: S105 (a message)
_BAD_SESSION = "the session is not valid: unknown, expired or ended; sign in again"
_BAD_LOGIN = "wrong user name or password"

TOKEN_MEMORY = timedelta(seconds=1)
"""How long a process trusts a token it found live without reading it again."""
_REMEMBERED = 1024  # tokens; a server has a few clients, each with one or two

# Argon2id with the library's defaults: RFC 9106's second recommended option (3 passes,
# 64 MiB, 4 lanes), about 50 ms a hash.
_HASHER = PasswordHasher()


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: its text is here and nowhere else, ever again.

    Attributes:
        id: the token's record id, to list or revoke it by.
        user: whose token it is.
        label: what it is for, as its maker said.
        token: the token's text, ``parley_`` and 43 random characters.
        expires_at: when it stops being accepted.
    """

    id: int
    user: str
    label: str
    token: str = field(repr=False)
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class WebSession:
    """A browser just signed in: the session token (its cookie) is here only.

    Attributes:
        token: the session's secret, for a cookie (HttpOnly, Secure, SameSite).
        csrf_token: the session's anti-forgery token, for every form it posts.
        principal: who signed in.
        expires_at: when the session ends unless its user signs out first.
    """

    token: str = field(repr=False)
    csrf_token: str = field(repr=False)
    principal: Principal
    expires_at: datetime


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _LiveTokens:
    """Tokens this process found live lately: SHA-256 -> (principal, until when).

    ``forget`` (a revocation) starts a new generation: a lookup that began before it
    and ends after it is not remembered, so it cannot bring back a token just revoked.
    """

    def __init__(self, memory: timedelta, size: int) -> None:
        self._memory = memory
        self._size = size
        self._found: dict[str, tuple[Principal, datetime, datetime]] = {}
        self._lock = threading.Lock()
        self.generation = 0

    def get(self, token_sha256: str, now: datetime) -> Principal | None:
        """The principal remembered for a token, if still trusted at ``now``."""
        found = self._found.get(token_sha256)
        if found is None:
            return None
        principal, since, until = found
        # A clock that went back (or a caller's ``now`` in the past) is not trusted.
        return principal if since <= now < until else None

    def remember(
        self,
        token_sha256: str,
        principal: Principal,
        expires_at: datetime,
        *,
        now: datetime,
        generation: int,
    ) -> None:
        """Remember a token read live at ``now`` by a lookup begun at ``generation``."""
        with self._lock:
            if generation != self.generation:
                return
            if len(self._found) >= self._size:
                self._found.clear()  # rarely reached; the next read of each fills it again
            self._found[token_sha256] = (principal, now, min(now + self._memory, expires_at))

    def forget(self) -> None:
        """Forget every token (a token revoked, a user disabled or given a password)."""
        with self._lock:
            self.generation += 1
            self._found.clear()


_LIVE = _LiveTokens(TOKEN_MEMORY, _REMEMBERED)


@cache
def _dummy_hash() -> str:
    """A hash of a password nobody knows, to verify against when there is no user."""
    return _HASHER.hash(secrets.token_urlsafe(32))


def _verified(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches the hash; without one, the same work all the same."""
    try:
        return _HASHER.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def _check_password(password: str) -> None:
    """Raises InvalidValue for a password too short or too long (never quoting it)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidValue("password", f"must be at least {MIN_PASSWORD} characters long")
    if len(password) > _MAX_PASSWORD:
        raise InvalidValue("password", f"must be at most {_MAX_PASSWORD:,} characters long")


def _role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError as e:
        roles = ", ".join(r.value for r in Role)
        raise InvalidValue("role", f"{role!r} is not a role (one of {roles})") from e


def _require_user(uow: AccessUnitOfWork, name: str) -> User:
    user = uow.users.get(name)
    if user is None:
        raise NotFound(f"unknown user {name!r}; 'parley users list' shows the users there are")
    return user


def _audit(
    uow: AccessUnitOfWork, now: datetime, actor: str, route: str, kind: str, object_id: int
) -> None:
    """Write a user or token change to the access log, in the change's transaction."""
    entry = AccessEntry(
        at=now,
        user=actor,
        role=None,
        party=None,
        client="-",
        method="ADMIN",
        route=route,
        object_kind=kind,
        object_id=str(object_id),
        action="write",
        status=200,
    )
    uow.access_log.add([entry])


# --- users ------------------------------------------------------------------------------


def add_user(
    uow: AccessUnitOfWork,
    name: str,
    role: Role | str,
    party: str | None,
    *,
    password: str | None = None,
    actor: str,
    now: datetime,
) -> User:
    """Add a user who signs in with ``password`` (hashed) or, without one, by tokens only.

    Raises:
        InvalidValue: ``name`` is not a login name; ``role`` is no role; a party member
            without a party or anyone else with one; a password shorter than 12
            characters.
        NotFound: ``party`` is not a registered party.
        Conflict: a user of that name exists.
    """
    principal = Principal(name, _role(role), party)
    if password is not None:
        _check_password(password)
    password_hash = None if password is None else _HASHER.hash(password)
    with uow:
        if principal.party is not None:
            require_party(uow, principal.party)
        if uow.users.get(name) is not None:
            raise Conflict(f"user {name}: a user of that name exists already")
        user = uow.users.add(name, principal.role, principal.party, password_hash, now)
        _audit(uow, now, actor, "users add", "user", user.id)
        uow.commit()
    return user


def set_password(
    uow: AccessUnitOfWork, name: str, password: str, *, actor: str, now: datetime
) -> None:
    """Give user ``name`` a new password, and end their open web sessions: whoever
    signed in with the old one (a password changed because it leaked) is signed out.
    Their API tokens stay; revoke those on their own.

    Raises:
        InvalidValue: the password is shorter than 12 characters.
        NotFound: no such user.
    """
    _check_password(password)
    password_hash = _HASHER.hash(password)
    with uow:
        user = _require_user(uow, name)
        uow.users.set_password_hash(user.id, password_hash)
        uow.web_sessions.end_all(user.id, now)
        _audit(uow, now, actor, "users password", "user", user.id)
        uow.commit()
    _LIVE.forget()


def disable_user(uow: AccessUnitOfWork, name: str, *, actor: str, now: datetime) -> User:
    """Disable user ``name``: revoke every token of theirs and end every session.

    The user stays, so the access log still says who did what. Disabling a disabled
    user changes nothing.

    Raises:
        NotFound: no such user.
    """
    with uow:
        user = _require_user(uow, name)
        if user.disabled:
            return user
        uow.users.disable(user.id, now)
        uow.tokens.revoke_all(user.id, now)
        uow.web_sessions.end_all(user.id, now)
        _audit(uow, now, actor, "users disable", "user", user.id)
        uow.commit()
    _LIVE.forget()
    return dataclasses.replace(user, disabled_at=now)


def list_users(uow: AccessUnitOfWork) -> list[User]:
    """Every user, by name, the disabled ones too."""
    with uow:
        return uow.users.all()


# --- API tokens -------------------------------------------------------------------------


def _check_label(label: str) -> str:
    label = label.strip()
    if not 0 < len(label) <= 100:
        raise InvalidValue("label", "must be 1 to 100 characters, e.g. 'UA upload script'")
    if any(unicodedata.category(c).startswith("C") for c in label):
        raise InvalidValue("label", "must not hold control characters")
    return label


def new_token(
    uow: AccessUnitOfWork,
    user: str,
    *,
    label: str,
    valid_for: timedelta,
    actor: str,
    now: datetime,
) -> NewToken:
    """Make an API token for ``user``, valid for ``valid_for`` from ``now``.

    The token's text is returned here once; only its SHA-256 is stored.

    Raises:
        InvalidValue: ``valid_for`` is under an hour or over 365 days; the label is
            empty, longer than 100 characters or holds control characters; the user is
            disabled.
        NotFound: no such user.
    """
    if not _MIN_TOKEN_LIFE <= valid_for <= _MAX_TOKEN_LIFE:
        raise InvalidValue("valid for", "a token is valid for 1 hour to 365 days")
    label = _check_label(label)
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = now + valid_for
    with uow:
        owner = _require_user(uow, user)
        if owner.disabled:
            raise InvalidValue("user", f"{user} is disabled; a disabled user gets no token")
        token_id = uow.tokens.add(owner.id, _sha256(token), label, now, expires_at)
        _audit(uow, now, actor, "tokens new", "token", token_id)
        uow.commit()
    return NewToken(token_id, owner.name, label, token, expires_at)


def list_tokens(uow: AccessUnitOfWork, user: str | None = None) -> list[TokenInfo]:
    """The tokens of ``user`` (default: everyone's), oldest first, revoked ones too.

    Raises:
        NotFound: no such user.
    """
    with uow:
        owner = None if user is None else _require_user(uow, user)
        return uow.tokens.of_user(None if owner is None else owner.id)


def revoke_token(uow: AccessUnitOfWork, token_id: int, *, actor: str, now: datetime) -> TokenInfo:
    """Revoke token ``token_id`` from ``now`` on; revoking it again changes nothing.

    Raises:
        NotFound: no token has that id.
    """
    with uow:
        token = uow.tokens.get(token_id)
        if token is None:
            raise NotFound(f"no token has id {token_id}; 'parley tokens list' shows them")
        if token.revoked_at is not None:
            return token
        uow.tokens.revoke(token_id, now)
        _audit(uow, now, actor, "tokens revoke", "token", token_id)
        uow.commit()
    _LIVE.forget()
    return TokenInfo(token.id, token.user, token.label, token.created_at, token.expires_at, now)


def authenticate_token(uow: AccessUnitOfWork, token: str, *, now: datetime) -> Principal:
    """The principal an API token acts for; one indexed read (use a read-only unit), or
    none when this process found the token live less than ``TOKEN_MEMORY`` ago.

    Raises:
        NotAuthenticated: the token is unknown, expired or revoked, or its user is
            disabled; the message does not say which.
    """
    if not _TOKEN.fullmatch(token):
        raise NotAuthenticated(_BAD_TOKEN)
    token_sha256 = _sha256(token)
    principal = _LIVE.get(token_sha256, now)
    if principal is not None:
        return principal
    generation = _LIVE.generation
    with uow:
        found = uow.tokens.principal(token_sha256, now)
    if found is None:
        raise NotAuthenticated(_BAD_TOKEN)
    principal, expires_at = found
    _LIVE.remember(token_sha256, principal, expires_at, now=now, generation=generation)
    return principal


def remembered_token(token: str, *, now: datetime) -> Principal | None:
    """The principal of a token this process found live less than ``TOKEN_MEMORY`` ago,
    else None (``authenticate_token`` reads it); reads nothing, so it never waits."""
    return _LIVE.get(_sha256(token), now)


# --- web sessions -----------------------------------------------------------------------


def login(
    uow: AccessUnitOfWork,
    name: str,
    password: str,
    *,
    now: datetime,
    valid_for: timedelta = timedelta(hours=12),
) -> WebSession:
    """Sign ``name`` in with ``password``: a new web session, valid for ``valid_for``.

    An unknown user costs the same Argon2 work as a known one, so the time the answer
    takes does not tell whether the user exists.

    Raises:
        NotAuthenticated: no such user, no password set, the wrong password or a
            disabled user; the message does not say which.
        InvalidValue: ``valid_for`` is not between a minute and 30 days.
    """
    if not timedelta(minutes=1) <= valid_for <= _MAX_SESSION_LIFE:
        raise InvalidValue("valid for", "a web session lasts 1 minute to 30 days")
    # Two short transactions with the slow Argon2 work between them, outside both: a
    # login never holds up a writer (on SQLite, every other writer) for its 50 ms.
    with uow:
        found = uow.users.credentials(name) if len(password) <= _MAX_PASSWORD else None
    user, password_hash = found if found is not None else (None, None)
    # Verify first, whatever was found: skipping the work would show in the time.
    if not _verified(password_hash, password[:_MAX_PASSWORD]):
        raise NotAuthenticated(_BAD_LOGIN)
    if user is None or user.disabled or password_hash is None:
        raise NotAuthenticated(_BAD_LOGIN)
    rehashed = _HASHER.hash(password) if _HASHER.check_needs_rehash(password_hash) else None
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    with uow:
        again = uow.users.credentials(name)
        if again is None or again[0].disabled or again[1] != password_hash:
            raise NotAuthenticated(_BAD_LOGIN)  # disabled, or a new password, meanwhile
        if rehashed is not None:
            uow.users.set_password_hash(user.id, rehashed)
        uow.web_sessions.add(user.id, _sha256(token), csrf_token, now, now + valid_for)
        uow.commit()
    return WebSession(token, csrf_token, user.principal, now + valid_for)


def session_principal(uow: AccessUnitOfWork, token: str, *, now: datetime) -> tuple[Principal, str]:
    """(principal, CSRF token) of a web session; one indexed read (use a read-only unit).

    Raises:
        NotAuthenticated: the session is unknown, expired or ended, or its user is
            disabled; the message does not say which.
    """
    if not _SESSION.fullmatch(token):
        raise NotAuthenticated(_BAD_SESSION)
    with uow:
        found = uow.web_sessions.principal(_sha256(token), now)
    if found is None:
        raise NotAuthenticated(_BAD_SESSION)
    return found


def logout(uow: AccessUnitOfWork, token: str, *, now: datetime) -> None:
    """End the web session ``token``; a session unknown or ended already is let be."""
    if not _SESSION.fullmatch(token):
        return
    with uow:
        if uow.web_sessions.end(_sha256(token), now):
            uow.commit()


# --- the access log ---------------------------------------------------------------------


def record_access(uow: AccessUnitOfWork, entries: Sequence[AccessEntry]) -> None:
    """Append ``entries`` to the access log, all in one transaction.

    Texts longer than their column are cut to fit. An entry names objects by record id
    only: the caller never puts a name or other personal data in ``object_id``.
    """
    if not entries:
        return
    with uow:
        uow.access_log.add(entries)
        uow.commit()


def query_access(
    uow: AccessUnitOfWork,
    *,
    user: str | None = None,
    object_kind: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AccessEntry]:
    """The access log entries that match every filter given, newest first.

    Args:
        user: only this user's entries.
        object_kind: only entries concerning this kind of object (``tranche``).
        object_id: only entries concerning this record id.
        since: only entries at or after this instant.
        until: only entries before this instant.
        limit: at most this many entries (1 to 1,000).
        offset: skip this many of the newest first (paging).

    Raises:
        InvalidValue: ``limit`` is not 1 to 1,000, or ``offset`` is negative.
    """
    if not 0 < limit <= _MAX_QUERY:
        raise InvalidValue("limit", f"must be 1 to {_MAX_QUERY:,} (got {limit})")
    if offset < 0:
        raise InvalidValue("offset", f"must be 0 or more (got {offset})")
    with uow:
        return uow.access_log.query(
            user=user,
            object_kind=object_kind,
            object_id=object_id,
            since=since,
            until=until,
            limit=limit,
            offset=offset,
        )
