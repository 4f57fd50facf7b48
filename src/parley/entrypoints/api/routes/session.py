"""Routes of the API: signing in and out of a web session, and who the caller is.

A person at a browser signs in with their user name and password (``POST /session``):
the answer sets the ``parley_session`` cookie (HttpOnly, SameSite=Strict, Secure over
https) and gives the session's CSRF token, which every change made with that session
must carry in the ``X-CSRF-Token`` header. Programs use API tokens instead and never
need a session. Logins are rate limited per client address and user name, before the
password is even checked; every way of failing answers the same 401.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from parley.domain.access import Principal, Role
from parley.entrypoints.api.deps import SESSION_COOKIE, BackendDep, CurrentPrincipal, Now
from parley.services import auth

__all__ = ["router"]

router = APIRouter(tags=["session"])


class LoginIn(BaseModel):
    """A user name and password."""

    user: str = Field(min_length=1, max_length=100, examples=["ua-office"])
    password: str = Field(min_length=1, max_length=1024, examples=["correct horse battery staple"])


class MeOut(BaseModel):
    """Who the caller is."""

    user: str = Field(examples=["ua-office"])
    role: Role = Field(examples=["party"])
    party: str | None = Field(description="The party of a party member.", examples=["UA"])


class SessionOut(MeOut):
    """A web session just opened; its secret is in the cookie, never in the body."""

    csrf_token: str = Field(
        description="Send it as X-CSRF-Token with every change made with this session.",
        examples=["q1w2e3r4t5y6..."],
    )
    expires_at: datetime = Field(examples=["2025-05-16T21:00:00Z"])


def _me(principal: Principal) -> MeOut:
    return MeOut(user=principal.user, role=principal.role, party=principal.party)


@router.post("/session", summary="Sign in (a web session)")
def sign_in(
    body: LoginIn, request: Request, response: Response, backend: BackendDep, now: Now
) -> SessionOut:
    """Sign in with a user name and password: sets the ``parley_session`` cookie and
    answers the CSRF token. A wrong user name or password answers 401, the same for
    both; too many tries from one address for one user name answer 429."""
    client = request.client.host if request.client else "unknown"
    backend.limiter.check("login", f"{client}:{body.user}")
    made = auth.login(backend.unit(), body.user, body.password, now=now)
    request.state.principal = made.principal  # the access log names who signed in
    response.set_cookie(
        SESSION_COOKIE,
        made.token,
        expires=made.expires_at,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    response.headers["Cache-Control"] = "no-store"
    principal = made.principal
    return SessionOut(
        user=principal.user,
        role=principal.role,
        party=principal.party,
        csrf_token=made.csrf_token,
        expires_at=made.expires_at,
    )


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
def sign_out(
    principal: CurrentPrincipal,
    request: Request,
    response: Response,
    backend: BackendDep,
    now: Now,
) -> None:
    """End the web session of the cookie and remove the cookie. With a session this is
    a change, so it needs the session's ``X-CSRF-Token``; with an API token it ends
    nothing (revoke a token with ``DELETE /tokens/{token_id}``)."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.logout(backend.unit(), token, now=now)
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )


@router.get("/me", summary="Who am I")
def who_am_i(principal: CurrentPrincipal) -> MeOut:
    """The user the request acts for: name, role and, for a party member, the party."""
    return _me(principal)
