"""The demo's users: one for each role, with a password and a token printed for all to see.

Their passwords are ``parley.services.readiness.DEMO_PASSWORDS``: the server refuses
to start with them outside ``--demo``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rich.console import Console
from rich.table import Table as RichTable
from sqlalchemy import Engine

from parley import bootstrap
from parley.domain.access import Role
from parley.services.auth import add_user, list_users, new_token
from parley.services.readiness import DEMO_PASSWORDS

__all__ = ["DEMO_USERS", "add_demo_users"]

# user name -> (role, party)
DEMO_USERS: dict[str, tuple[Role, str | None]] = {
    "mediator": (Role.MEDIATOR, None),
    "ua-office": (Role.PARTY, "UA"),
    "ru-office": (Role.PARTY, "RU"),
    "verifier": (Role.NEUTRAL_VERIFIER, None),
    "observer": (Role.OBSERVER, None),
    "admin": (Role.ADMIN, None),
}


def add_demo_users(console: Console, engine: Engine, now: datetime) -> None:
    """Add the demo users (those not there yet), each with a fresh token, and print them."""
    known = {u.name for u in list_users(bootstrap.access_unit_of_work(engine, read_only=True))}
    table = RichTable(title="Demo logins (demo only: anyone reading this can use them)")
    for column in ("user", "role", "party", "password", "API token (Authorization: Bearer ...)"):
        # Folded, never cut short with an ellipsis: on a narrow terminal a password or
        # token that ends in "…" cannot be used.
        table.add_column(column, overflow="fold")
    for name, (role, party) in DEMO_USERS.items():
        password = DEMO_PASSWORDS[role]
        if name not in known:
            add_user(
                bootstrap.access_unit_of_work(engine), name, role, party,
                password=password, actor="demo", now=now,
            )  # fmt: skip
        made = new_token(
            bootstrap.access_unit_of_work(engine), name, label="demo",
            valid_for=timedelta(days=7), actor="demo", now=now,
        )  # fmt: skip
        table.add_row(name, role.value, party or "", password, made.token)
    console.print(table)
