"""Who is acting: the roles of DESIGN.md ("Who uses it") and the principal of a request.

A principal is a user with one role; a party member also belongs to one party, and
nobody else does. What each role may do is the services' policy
(``parley.services.access``); this module only says who someone is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from parley.errors import InvalidValue

__all__ = ["USER_NAME", "Principal", "Role"]

# A user name is a login, not a person's name: letters, digits and . _ - only.
USER_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")


class Role(StrEnum):
    """What a user is to the exchange."""

    PARTY = "party"  # a side's exchange office: its own data, its own signatures
    MEDIATOR = "mediator"  # the neutral host: runs the exchange, sees both sides
    NEUTRAL_VERIFIER = "neutral_verifier"  # interviews people at the crossing
    OBSERVER = "observer"  # aggregate reports, checkpoints and proofs only
    ADMIN = "admin"  # users and tokens; no personal data


@dataclass(frozen=True, slots=True)
class Principal:
    """The user a request acts for.

    Raises:
        InvalidValue: a party member without a party, anyone else with one, or a user
            name that is not a login (lowercase letters, digits, ``.``, ``_``, ``-``).
    """

    user: str
    role: Role
    party: str | None = None

    def __post_init__(self) -> None:
        if not USER_NAME.match(self.user):
            raise InvalidValue(
                "user",
                f"{self.user!r} is not a user name (2-63 lowercase letters, digits, '.', "
                "'_' or '-', starting with a letter or digit)",
            )
        if self.role is Role.PARTY and self.party is None:
            raise InvalidValue("party", f"user {self.user} has the party role but no party")
        if self.role is not Role.PARTY and self.party is not None:
            raise InvalidValue(
                "party", f"user {self.user} is a {self.role.value}, who belongs to no party"
            )

    @property
    def acting_as(self) -> str:
        """How the handover names who records a step: the party code, or the role."""
        return self.party if self.party is not None else self.role.value

    def is_party(self, code: str) -> bool:
        """Whether this principal is a member of party ``code``."""
        return self.role is Role.PARTY and self.party == code
