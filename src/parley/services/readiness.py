"""Whether a server may start: no default secret in use outside the demo.

``parley demo`` makes a user for each role with a password printed on the console for
anyone to read (``DEMO_PASSWORDS``). Such a password is no secret: ``parley serve``
refuses to start while any active user still has one, unless told it serves the demo.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from parley.domain.access import Role
from parley.services.ports import AccessUnitOfWork

__all__ = ["DEMO_PASSWORDS", "default_secrets"]

# The demo's password of each role's user, printed by ``parley demo``.
DEMO_PASSWORDS: dict[Role, str] = {role: f"demo-{role.value}-password" for role in Role}

_HASHER = PasswordHasher()


def default_secrets(uow: AccessUnitOfWork) -> list[str]:
    """What default secrets are in use: one sentence each, naming the user."""
    found = []
    with uow:
        for user in uow.users.all():
            if user.disabled:
                continue
            stored = uow.users.credentials(user.name)
            password_hash = stored[1] if stored else None
            if password_hash is None:
                continue
            # One check a user, against its role's demo password: Argon2 is slow on purpose.
            try:
                _HASHER.verify(password_hash, DEMO_PASSWORDS[user.role])
            except (VerificationError, InvalidHashError):
                continue
            found.append(
                f"user {user.name} still has the demo password "
                f"(parley users password {user.name} --password-stdin)"
            )
    return found
