"""Routes of the API: users and their API tokens (the admin), and the access log.

Users and tokens are the admin's alone: nobody else lists them, and a party never sees
another party's tokens. A new token's text is in the answer that makes it and nowhere
else, ever again: only its SHA-256 is stored, and listings never show either. The access
log (who read or changed what, when, from where, by route and record id, never a name)
is read by the mediator and the admin.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, cast

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel, Field

from parley.domain.access import Role
from parley.entrypoints.api.deps import CurrentPrincipal, Now, Unit
from parley.entrypoints.api.pagination import Page, Paging, page_of
from parley.services.ports import AccessEntry, TokenInfo, User
from parley.services.secured import admin

__all__ = ["router"]

router = APIRouter()

TokenState = Literal["active", "expired", "revoked"]
_USER_PATTERN = r"^[a-z0-9][a-z0-9._-]{1,62}$"
_PARTY_PATTERN = r"^[A-Z][A-Z0-9]{1,7}$"

UserName = Annotated[
    str, Path(pattern=_USER_PATTERN, description="The user's login name.", examples=["ua-office"])
]


class UserIn(BaseModel):
    """A user to add; without a password the user signs in with API tokens only."""

    name: str = Field(pattern=_USER_PATTERN, examples=["ua-office"])
    role: Role = Field(examples=["party"])
    party: str | None = Field(
        default=None,
        pattern=_PARTY_PATTERN,
        description="The party of a party member; null for every other role.",
        examples=["UA"],
    )
    password: str | None = Field(
        default=None,
        min_length=1,
        max_length=1024,
        description="At least 12 characters; stored only as its Argon2id hash.",
        examples=["correct horse battery staple"],
    )


class UserOut(BaseModel):
    """A user, never their password or its hash."""

    id: int = Field(examples=[3])
    name: str = Field(examples=["ua-office"])
    role: Role = Field(examples=["party"])
    party: str | None = Field(examples=["UA"])
    created_at: datetime = Field(examples=["2025-05-16T09:00:00Z"])
    disabled_at: datetime | None = Field(examples=[None])


class TokenIn(BaseModel):
    """A token to make: what it is for, and for how long."""

    label: str = Field(min_length=1, max_length=100, examples=["UA upload script"])
    days: int = Field(ge=1, le=365, description="Days it stays valid.", examples=[30])


class NewTokenOut(BaseModel):
    """A token just made: copy it now, it is never shown again."""

    id: int = Field(examples=[12])
    user: str = Field(examples=["ua-office"])
    label: str = Field(examples=["UA upload script"])
    token: str = Field(
        description="The token's text: shown here once, stored only as its hash.",
        examples=["parley_3kq...Zx"],
    )
    expires_at: datetime = Field(examples=["2025-06-15T09:00:00Z"])


class TokenOut(BaseModel):
    """A token as anyone may see it: never its text, never its hash."""

    id: int = Field(examples=[12])
    user: str = Field(examples=["ua-office"])
    label: str = Field(examples=["UA upload script"])
    created_at: datetime = Field(examples=["2025-05-16T09:00:00Z"])
    expires_at: datetime = Field(examples=["2025-06-15T09:00:00Z"])
    revoked_at: datetime | None = Field(examples=[None])
    state: TokenState = Field(examples=["active"])


class AccessEntryOut(BaseModel):
    """One access: who, from where, what (route and record id, never a name), the answer."""

    at: datetime = Field(examples=["2025-05-23T09:02:11Z"])
    user: str | None = Field(description="Null for an anonymous request.", examples=["ua-office"])
    role: str | None = Field(examples=["party"])
    party: str | None = Field(examples=["UA"])
    client: str = Field(description="The client's address.", examples=["203.0.113.7"])
    method: str = Field(description="The HTTP method, or ADMIN.", examples=["GET"])
    route: str = Field(
        description="The route template, not the path.",
        examples=["/parties/{party}/holdings/{record_id}"],
    )
    object_kind: str | None = Field(examples=["holdings"])
    object_id: str | None = Field(description="Record ids only.", examples=["UA/UA-1"])
    action: Literal["read", "write"] = Field(examples=["read"])
    status: int = Field(examples=[200])


def _user(user: User) -> UserOut:
    return UserOut(
        id=user.id,
        name=user.name,
        role=user.role,
        party=user.party,
        created_at=user.created_at,
        disabled_at=user.disabled_at,
    )


def _token(token: TokenInfo, now: datetime) -> TokenOut:
    state = cast(TokenState, token.state(now))
    return TokenOut(
        id=token.id,
        user=token.user,
        label=token.label,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        state=state,
    )


def _entry(entry: AccessEntry) -> AccessEntryOut:
    return AccessEntryOut(
        at=entry.at,
        user=entry.user,
        role=entry.role,
        party=entry.party,
        client=entry.client,
        method=entry.method,
        route=entry.route,
        object_kind=entry.object_kind,
        object_id=entry.object_id,
        action=entry.action,
        status=entry.status,
    )


# --- users ------------------------------------------------------------------------------


@router.get("/users", tags=["users"], summary="List the users")
def list_users(
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    role: Annotated[Role | None, Query(description="Only users of this role.")] = None,
    party: Annotated[
        str | None, Query(pattern=_PARTY_PATTERN, description="Only members of this party.")
    ] = None,
) -> Page[UserOut]:
    """Every user by name, disabled ones too (the admin)."""
    found = [
        u
        for u in admin.list_users(uow, principal)
        if (role is None or u.role is role) and (party is None or u.party == party)
    ]
    return page_of([_user(u) for u in found], paging)


@router.post("/users", status_code=status.HTTP_201_CREATED, tags=["users"], summary="Add a user")
def add_user(body: UserIn, principal: CurrentPrincipal, uow: Unit, now: Now) -> UserOut:
    """Add a user with a role and, for a party member, a party (the admin). Without a
    password the user signs in with API tokens only."""
    made = admin.add_user(
        uow, principal, body.name, body.role, body.party, password=body.password, now=now
    )
    return _user(made)


@router.post("/users/{name}/disable", tags=["users"], summary="Disable a user")
def disable_user(name: UserName, principal: CurrentPrincipal, uow: Unit, now: Now) -> UserOut:
    """Disable a user: every token of theirs is revoked and every session ended at once
    (the admin). The user stays, so the access log still says who did what."""
    return _user(admin.disable_user(uow, principal, name, now=now))


# --- tokens -----------------------------------------------------------------------------


@router.post(
    "/users/{name}/tokens",
    status_code=status.HTTP_201_CREATED,
    tags=["tokens"],
    summary="Make an API token",
)
def new_token(
    name: UserName,
    body: TokenIn,
    principal: CurrentPrincipal,
    uow: Unit,
    now: Now,
    response: Response,
) -> NewTokenOut:
    """Make an API token for a user (the admin). Its text is in this answer only: it is
    stored as a hash, and no listing ever shows it."""
    made = admin.new_token(
        uow, principal, name, label=body.label, valid_for=timedelta(days=body.days), now=now
    )
    response.headers["Cache-Control"] = "no-store"
    return NewTokenOut(
        id=made.id, user=made.user, label=made.label, token=made.token, expires_at=made.expires_at
    )


@router.get("/tokens", tags=["tokens"], summary="List the API tokens")
def list_tokens(
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    now: Now,
    user: Annotated[
        str | None, Query(pattern=_USER_PATTERN, description="Only this user's tokens.")
    ] = None,
    state: Annotated[TokenState | None, Query(description="Only tokens in this state.")] = None,
) -> Page[TokenOut]:
    """The tokens, oldest first, revoked and expired ones too (the admin): who, what for,
    until when; never a token's text or hash."""
    found = [_token(t, now) for t in admin.list_tokens(uow, principal, user)]
    return page_of([t for t in found if state is None or t.state == state], paging)


@router.delete("/tokens/{token_id}", tags=["tokens"], summary="Revoke an API token")
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**62, description="The token's id.", examples=[12])],
    principal: CurrentPrincipal,
    uow: Unit,
    now: Now,
) -> TokenOut:
    """Revoke a token from now on (the admin); it is refused at once. Revoking it again
    changes nothing."""
    return _token(admin.revoke_token(uow, principal, token_id, now=now), now)


# --- the access log ---------------------------------------------------------------------


@router.get("/access-log", tags=["access log"], summary="Query the access log")
def access_log(
    principal: CurrentPrincipal,
    uow: Unit,
    paging: Paging,
    user: Annotated[
        str | None, Query(pattern=_USER_PATTERN, description="Only this user's accesses.")
    ] = None,
    object_kind: Annotated[
        str | None,
        Query(max_length=32, description="Only accesses to this kind of object."),
    ] = None,
    object_id: Annotated[
        str | None,
        Query(max_length=200, description="Only accesses to this record id."),
    ] = None,
    since: Annotated[datetime | None, Query(description="At or after this instant.")] = None,
    until: Annotated[datetime | None, Query(description="Before this instant.")] = None,
) -> Page[AccessEntryOut]:
    """Who read or changed what, newest first (the mediator, the admin). Entries name
    users, routes and record ids; never a person's name or other personal data. Its
    ``total`` is not counted: it reaches one past this page when another page follows."""
    # One more than the page tells whether another follows, without counting them all:
    # ``total`` counts the entries up to the first of the next page.
    found = admin.query_access(
        uow, principal, user=user, object_kind=object_kind, object_id=object_id,
        since=_utc(since), until=_utc(until), limit=paging.limit + 1, offset=paging.offset,
    )  # fmt: skip
    items = [_entry(e) for e in found[: paging.limit]]
    return page_of(items, paging, total=paging.offset + len(found))


def _utc(moment: datetime | None) -> datetime | None:
    """An instant given without a time zone is read as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
