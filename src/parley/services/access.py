"""Who may do what: the one table of permissions, checked by every secured service.

DESIGN.md ("Who uses it") in data. Each capability names the roles that have it and
whether a party member has it only for its own party's objects (``OWN``) or for the
objects of an exchange it is a party to (``EXCHANGE``). The API's routes call the
services of ``parley.services.secured``, which check here before they read or write:
a route that forgot its check would still find the service refusing.

What a role never gets, whatever the route:

- a party never reads the other party's holdings, requests or review queue, never
  acts in the other party's name, and never sees a refusal (GC III Art. 109(3):
  the neutral verifier keeps it; a party sees "withdrawn by neutral verification");
- an observer sees aggregates, checkpoints and proofs, never a person;
- an admin manages users and tokens and sees no personal data;
- the neutral verifier records identity and will at the crossing, and reads only the
  manifests it checks people against.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from parley.domain.access import Principal, Role
from parley.errors import NotPermitted

__all__ = ["POLICY", "Capability", "Scope", "authorize", "may"]


class Scope(StrEnum):
    """How far a party member's capability reaches (other roles are never scoped)."""

    ANY = "any"  # every object of the kind
    OWN = "own"  # objects of the member's own party only
    EXCHANGE = "exchange"  # objects of an exchange the member's party is a party to


class Capability(StrEnum):
    """Everything a request may do, one name per kind of object and verb."""

    PARTIES_READ = "parties.read"
    PARTIES_WRITE = "parties.write"
    HOLDINGS_READ = "holdings.read"
    REQUESTS_READ = "requests.read"
    PEOPLE_EXPORT = "people.export"
    IMPORTS_WRITE = "imports.write"
    IMPORTS_READ = "imports.read"
    RECONCILE = "reconcile"
    REVIEWS_READ = "reviews.read"
    REVIEWS_DECIDE = "reviews.decide"
    AGREEMENTS_CHECK = "agreements.check"
    PLANS_READ = "plans.read"
    PLANS_WRITE = "plans.write"
    EXCHANGES_READ = "exchanges.read"
    MANIFESTS_READ = "manifests.read"
    MANIFESTS_ISSUE = "manifests.issue"
    MANIFESTS_SIGN = "manifests.sign"
    TRANCHES_READ = "tranches.read"
    TRANCHES_CHANGE = "tranches.change"
    HANDOVER_RECORD = "handover.record"
    CROSSINGS_READ = "crossings.read"
    FIXES_READ = "fixes.read"
    AMENDMENTS_WRITE = "amendments.write"
    ROUNDS_READ = "rounds.read"
    ROUNDS_WRITE = "rounds.write"
    LOG_READ = "log.read"
    CHECKPOINTS_SIGN = "checkpoints.sign"
    CHECKPOINTS_WITNESS = "checkpoints.witness"
    RECEIPTS_ISSUE = "receipts.issue"
    REPORTS_READ = "reports.read"
    KEYS_READ = "keys.read"
    ACCESS_LOG_READ = "access_log.read"
    USERS_MANAGE = "users.manage"


@dataclass(frozen=True, slots=True)
class Rule:
    """The roles holding a capability, and how far a party member's reaches."""

    roles: frozenset[Role]
    party_scope: Scope = Scope.ANY


def _rule(*roles: Role, scope: Scope = Scope.ANY) -> Rule:
    return Rule(frozenset(roles), scope)


_P, _M, _V, _O, _A = (Role.PARTY, Role.MEDIATOR, Role.NEUTRAL_VERIFIER, Role.OBSERVER, Role.ADMIN)

POLICY: dict[Capability, Rule] = {
    Capability.PARTIES_READ: _rule(_P, _M, _V, _O, _A),
    Capability.PARTIES_WRITE: _rule(_M),
    Capability.HOLDINGS_READ: _rule(_P, _M, scope=Scope.OWN),
    Capability.REQUESTS_READ: _rule(_P, _M, scope=Scope.OWN),
    # Everything held about one person, findings included: the mediator only (GC IV
    # Art. 137: what is withheld from the parties is never withheld from the Agency).
    Capability.PEOPLE_EXPORT: _rule(_M),
    Capability.IMPORTS_WRITE: _rule(_P, _M, scope=Scope.OWN),
    Capability.IMPORTS_READ: _rule(_P, _M, scope=Scope.OWN),
    Capability.RECONCILE: _rule(_M),
    # A party reviews the proposals that name its holdings (it knows whom it holds).
    Capability.REVIEWS_READ: _rule(_P, _M, scope=Scope.OWN),
    Capability.REVIEWS_DECIDE: _rule(_P, _M, scope=Scope.OWN),
    Capability.AGREEMENTS_CHECK: _rule(_P, _M),
    Capability.PLANS_READ: _rule(_M),
    Capability.PLANS_WRITE: _rule(_M),
    Capability.EXCHANGES_READ: _rule(_P, _M, _V, _O),
    # Both parties identify the people of both manifests: one releases, one receives.
    Capability.MANIFESTS_READ: _rule(_P, _M, _V, scope=Scope.EXCHANGE),
    Capability.MANIFESTS_ISSUE: _rule(_M),
    Capability.MANIFESTS_SIGN: _rule(_P, _M, scope=Scope.EXCHANGE),
    Capability.TRANCHES_READ: _rule(_P, _M, _V, _O, scope=Scope.EXCHANGE),
    Capability.TRANCHES_CHANGE: _rule(_M),
    Capability.HANDOVER_RECORD: _rule(_P, _M, _V, scope=Scope.EXCHANGE),
    # The crossing console's list: who is on the manifests, and how far each has come.
    Capability.CROSSINGS_READ: _rule(_P, _M, _V, scope=Scope.EXCHANGE),
    # The fixes a friction offers: the parties sign the amendment a fix becomes.
    Capability.FIXES_READ: _rule(_P, _M, scope=Scope.EXCHANGE),
    Capability.AMENDMENTS_WRITE: _rule(_M),
    Capability.ROUNDS_READ: _rule(_P, _M, _V, _O),
    Capability.ROUNDS_WRITE: _rule(_M),
    Capability.LOG_READ: _rule(_P, _M, _V, _O, _A),
    Capability.CHECKPOINTS_SIGN: _rule(_M),
    Capability.CHECKPOINTS_WITNESS: _rule(_P, scope=Scope.OWN),
    Capability.RECEIPTS_ISSUE: _rule(_M),
    Capability.REPORTS_READ: _rule(_P, _M, _V, _O, scope=Scope.EXCHANGE),
    Capability.KEYS_READ: _rule(_P, _M, _V, _O, _A),
    Capability.ACCESS_LOG_READ: _rule(_M, _A),
    Capability.USERS_MANAGE: _rule(_A),
}


def may(
    principal: Principal,
    capability: Capability,
    *,
    party: str | None = None,
    parties: tuple[str, ...] = (),
) -> bool:
    """Whether ``principal`` has ``capability`` on an object.

    Args:
        principal: who is acting.
        capability: what they want to do.
        party: the party the object belongs to (``OWN`` scope).
        parties: the parties of the exchange the object belongs to (``EXCHANGE`` scope).
    """
    rule = POLICY[capability]
    if principal.role not in rule.roles:
        return False
    if principal.role is not Role.PARTY:
        return True
    match rule.party_scope:
        case Scope.OWN:
            return party is not None and principal.is_party(party)
        case Scope.EXCHANGE:
            return principal.party in parties
        case _:
            return True


def authorize(
    principal: Principal,
    capability: Capability,
    *,
    party: str | None = None,
    parties: tuple[str, ...] = (),
) -> None:
    """Refuse unless ``principal`` has ``capability`` on the object.

    Raises:
        NotPermitted: naming the user, the capability and, where it applies, the party
            whose object it is; never anything about a person.
    """
    if may(principal, capability, party=party, parties=parties):
        return
    who = f"user {principal.user} ({principal.role.value}"
    who += f" of {principal.party})" if principal.party else ")"
    whose = f" on {party}'s records" if party else ""
    if parties and not party:
        whose = f" in an exchange between {' and '.join(parties)}"
    noun, _, verb = capability.value.partition(".")
    what = f"{verb} {noun.replace('_', ' ')}" if verb else noun  # "tranches.read": read tranches
    raise NotPermitted(f"{who} may not {what}{whose}")
