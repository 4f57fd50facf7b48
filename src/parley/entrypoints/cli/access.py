"""``parley users`` and ``parley tokens``: who may use the API, and their tokens.

An administrator adds users (each with one role, a party member with their party),
sets their passwords and disables them; ``parley tokens new`` makes an API token and
prints it once, alone on standard output, so that a script can take it
(``TOKEN=$(parley tokens new ua-office --label upload)``). parley keeps only its hash:
a token lost is revoked and replaced, never shown again. A password is read from
standard input (or asked for without echo at a terminal), never from an argument,
which other users of the machine could see.
"""

from __future__ import annotations

import getpass
import sys
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table as RichTable
from rich.text import Text

from parley import bootstrap
from parley.entrypoints.cli.context import settings
from parley.entrypoints.cli.output import err, out
from parley.errors import InvalidValue
from parley.services.auth import (
    add_user,
    disable_user,
    list_tokens,
    list_users,
    new_token,
    revoke_token,
    set_password,
)
from parley.services.ports import AccessUnitOfWork

__all__ = ["tokens_app", "users_app"]

users_app = typer.Typer(help="Who may use the API: users, roles, passwords.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens: made, listed, revoked.", no_args_is_help=True)

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from standard input (asked for without echo at a "
        "terminal); at least 12 characters.",
    ),
]


def _say(text: str) -> None:
    out.print(text, markup=False, soft_wrap=True)


def _when(at: datetime | None) -> str:
    return "" if at is None else f"{at:%Y-%m-%d %H:%M} UTC"


def _password() -> str:
    """The password typed at the terminal, or the first line of standard input.

    Raises:
        InvalidValue: nothing was given.
    """
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise InvalidValue("password", "none was given on standard input")
    return password


def _unit(*, read_only: bool = False) -> AccessUnitOfWork:
    return bootstrap.access_unit_of_work(bootstrap.connect(settings()), read_only=read_only)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="A login name, e.g. ua-office (a-z, 0-9, . _ -).")],
    role: Annotated[
        str,
        typer.Option(
            "--role", help="party, mediator, neutral_verifier, observer or admin (users only)."
        ),
    ],
    party: Annotated[
        str | None, typer.Option("--party", help="The party of a party member, e.g. UA.")
    ] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Add a user. Without --password-stdin they sign in with API tokens only."""
    password = _password() if password_stdin else None
    user = add_user(
        _unit(),
        name,
        role,
        party.upper() if party else None,
        password=password,
        actor=settings().actor,
        now=datetime.now(UTC),
    )
    of = f" of {user.party}" if user.party else ""
    signs_in = "with a password or API tokens" if password else "with API tokens only"
    _say(f"user {user.name} added: {user.role.value}{of}, signs in {signs_in}")


@users_app.command("list")
def users_list() -> None:
    """List the users: role, party, when added, and whether disabled."""
    users = list_users(_unit(read_only=True))
    if not users:
        _say("no user yet: parley users add NAME --role mediator --password-stdin")
        return
    table = RichTable("name", "role", "party", "added", "disabled")
    for user in users:
        table.add_row(
            Text(user.name),
            user.role.value,
            user.party or "",
            _when(user.created_at),
            _when(user.disabled_at),
        )
    out.print(table)


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="The user's login name.")]) -> None:
    """Disable a user: their tokens are revoked and their web sessions end at once."""
    user = disable_user(_unit(), name, actor=settings().actor, now=datetime.now(UTC))
    _say(f"user {user.name} disabled since {_when(user.disabled_at)}; tokens revoked")


@users_app.command("password")
def users_password(
    name: Annotated[str, typer.Argument(help="The user's login name.")],
    password_stdin: PasswordStdin = False,
) -> None:
    """Set a user's password, read from standard input (--password-stdin)."""
    if not password_stdin:
        raise InvalidValue(
            "password",
            "give --password-stdin and the password on standard input, never as an argument",
        )
    set_password(_unit(), name, _password(), actor=settings().actor, now=datetime.now(UTC))
    _say(f"password of {name} set")


@tokens_app.command("new")
def tokens_new(
    user: Annotated[str, typer.Argument(help="Whose token: a user's login name.")],
    label: Annotated[
        str, typer.Option("--label", help="What the token is for, e.g. 'UA upload script'.")
    ],
    days: Annotated[int, typer.Option("--days", help="Days it stays valid (1 to 365).")] = 90,
) -> None:
    """Make an API token. It is printed once, alone on standard output; parley keeps
    only its hash and can never show it again."""
    if not 1 <= days <= 365:
        raise InvalidValue("--days", f"a token is valid for 1 to 365 days (got {days})")
    made = new_token(
        _unit(),
        user,
        label=label,
        valid_for=timedelta(days=days),
        actor=settings().actor,
        now=datetime.now(UTC),
    )
    out.print(made.token, markup=False, highlight=False, soft_wrap=True)
    err.print(
        f"token {made.id} for {made.user}, valid until {_when(made.expires_at)}. "
        "Copy it now: it will not be shown again.",
        markup=False,
        soft_wrap=True,
    )


@tokens_app.command("list")
def tokens_list(
    user: Annotated[str | None, typer.Argument(help="Only this user's tokens.")] = None,
) -> None:
    """List API tokens (never their text): id, user, label, expiry and state."""
    now = datetime.now(UTC)
    tokens = list_tokens(_unit(read_only=True), user)
    if not tokens:
        _say("no token yet: parley tokens new USER --label WHAT-FOR")
        return
    table = RichTable("id", "user", "label", "created", "expires", "state")
    for token in tokens:
        table.add_row(
            str(token.id),
            Text(token.user),
            Text(token.label),
            _when(token.created_at),
            _when(token.expires_at),
            token.state(now) + (f" {_when(token.revoked_at)}" if token.revoked_at else ""),
        )
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The token's id (tokens list).")],
) -> None:
    """Revoke an API token: it is refused from now on."""
    token = revoke_token(_unit(), token_id, actor=settings().actor, now=datetime.now(UTC))
    since = _when(token.revoked_at)
    _say(f"token {token.id} of {token.user} ({token.label}) revoked since {since}")
