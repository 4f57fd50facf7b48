"""Eligibility: who one party can put on a list under an agreement, and why not.

Each of the releasing party's holdings gets exactly one answer: the track it would be
released in, or the first reason it cannot be listed (the order of :class:`Reason`).
Selectors decide in three values and an unknown never selects, so a person whose record
cannot settle a clause is left out of the track, or out of the mandatory set, and the
clause is named in ``undecided`` for people to settle (enter the date of birth), never
guessed. Ages are computed on the agreement's ``age_on``: born 2001 is under 25 on
2025-05-16 whatever the day, born 1999 is not, born 2000 is unknown until the day is
known.

Who was already exchanged, who is on another open manifest and whose will to return was
refused come from the manifests and the verifier's records, so they are passed in as
sets of record ids. Nothing here names a person: entries carry record ids only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from enum import StrEnum

from parley.domain.agreements import Agreement
from parley.domain.holdings import Holding, HoldingStatus
from parley.domain.selectors import Selector, Value, evaluate, holding_values
from parley.errors import InvalidValue

__all__ = [
    "RELEASABLE_STATUSES",
    "Eligibility",
    "Pool",
    "Reason",
    "assess",
    "eligible_pool",
]


class Reason(StrEnum):
    """Why a holding cannot be listed; when several apply, the first one here is given."""

    NOT_HELD = "not_held"  # another party holds the record
    DECEASED = "deceased"
    ALREADY_EXCHANGED = "already_exchanged"  # handed over, received, or on a closed manifest
    WILL_REFUSED = "will_refused"  # GC III Art. 109(3): no repatriation against the will
    HELD_FOR_PROCEEDINGS = "held_for_proceedings"  # GC III Art. 115: detaining power decides
    ON_OPEN_MANIFEST = "on_open_manifest"  # no one on two active manifests
    EXCLUDED = "excluded"  # an ``exclude`` clause of the agreement is certainly true
    NO_TRACK = "no_track"  # no track's selector is certainly true


_S = HoldingStatus
# Statuses that can be released: the main path up to the handover (a person already
# listed on *this* manifest stays in the pool, so that a re-plan can keep them; other
# manifests are excluded through ``on_open_manifest``), and those taken off a manifest
# (withdrawn, substituted), whom the person-state table lets back to eligible.
RELEASABLE_STATUSES: frozenset[HoldingStatus] = frozenset(
    {
        _S.DETAINED,
        _S.ELIGIBLE,
        _S.LISTED,
        _S.ACCEPTED,
        _S.IN_TRANCHE,
        _S.WILL_CONFIRMED,
        _S.IDENTITY_CONFIRMED,
        _S.WITHDRAWN,
        _S.SUBSTITUTED,
    }
)
_STATUS_REASONS: Mapping[HoldingStatus, Reason] = {
    _S.DECEASED: Reason.DECEASED,
    _S.HANDED_OVER: Reason.ALREADY_EXCHANGED,
    _S.RECEIVED: Reason.ALREADY_EXCHANGED,
    _S.FAMILY_NOTIFIED: Reason.ALREADY_EXCHANGED,
    # A refusal recorded in the person's status is as binding as the verifier's record;
    # the ICRC interview practice under Art. 118 hears it before each handover.
    _S.DECLINED_REPATRIATION: Reason.WILL_REFUSED,
    _S.HELD_FOR_PROCEEDINGS: Reason.HELD_FOR_PROCEEDINGS,
}


@dataclass(frozen=True, slots=True)
class Eligibility:
    """The answer for one holding: a track or a reason, never both, never neither.

    ``mandatory`` and ``unilateral`` say whether some ``must_include`` or ``unilateral``
    clause is certainly true for the record (whether or not it is eligible, so that a
    mandatory person who cannot go is visible). ``undecided`` names every clause that is
    unknown for it, e.g. ``must_include: age < 25`` or ``track military: not civilian``.
    """

    record_id: str
    track: str | None
    reason: Reason | None
    mandatory: bool = False
    unilateral: bool = False
    undecided: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if (self.track is None) == (self.reason is None):
            raise InvalidValue("eligibility", "needs exactly one of a track and a reason")

    @property
    def eligible(self) -> bool:
        """Whether the record can be listed."""
        return self.track is not None


@dataclass(frozen=True, slots=True)
class Pool:
    """One party's holdings sorted under an agreement, with the counts a summary shows.

    ``per_track`` lists every track of the agreement in its order, and ``per_reason``
    every :class:`Reason` in its order, zeros included.
    """

    party: str
    entries: tuple[Eligibility, ...]
    per_track: tuple[tuple[str, int], ...]
    per_reason: tuple[tuple[Reason, int], ...]

    @property
    def eligible(self) -> tuple[Eligibility, ...]:
        """The entries that can be listed, in the order the holdings came."""
        return tuple(entry for entry in self.entries if entry.eligible)

    def count(self, key: str | Reason) -> int:
        """How many are eligible in the track ``key``, or refused for the reason ``key``.

        Raises:
            KeyError: the agreement has no such track.
        """
        if isinstance(key, Reason):
            return dict(self.per_reason)[key]
        return dict(self.per_track)[key]


def _clauses(label: str, clauses: Iterable[Selector]) -> tuple[tuple[str, Selector], ...]:
    return tuple((f"{label}: {clause.text}", clause) for clause in clauses)


def _any_true(
    clauses: tuple[tuple[str, Selector], ...], values: Mapping[str, Value], undecided: list[str]
) -> bool:
    """Whether some clause is certainly true; each unknown one is added to ``undecided``."""
    found = False
    for label, clause in clauses:
        result = evaluate(clause.tree, values)
        if result is None:
            undecided.append(label)
        found = found or result is True
    return found


def _first_track(
    agreement: Agreement, values: Mapping[str, Value], undecided: list[str]
) -> str | None:
    """The first track whose selector is certainly true; unknown ones before it are noted."""
    for track in agreement.tracks:
        result = evaluate(track.selector.tree, values)
        if result is True:
            return track.name
        if result is None:
            undecided.append(f"track {track.name}: {track.selector.text}")
    return None


def _blocked(
    holding: Holding,
    party: str,
    exchanged: Set[str],
    on_open_manifest: Set[str],
    refused: Set[str],
) -> Reason | None:
    """The first reason, in :class:`Reason` order, that does not depend on the clauses."""
    if holding.party != party:
        return Reason.NOT_HELD
    candidates = [_STATUS_REASONS.get(holding.status)]
    if holding.record_id in exchanged:
        candidates.append(Reason.ALREADY_EXCHANGED)
    if holding.record_id in refused:
        candidates.append(Reason.WILL_REFUSED)
    if holding.record_id in on_open_manifest:
        candidates.append(Reason.ON_OPEN_MANIFEST)
    order = list(Reason)
    found = [reason for reason in candidates if reason is not None]
    return min(found, key=order.index) if found else None


def assess(
    agreement: Agreement,
    party: str,
    holding: Holding,
    *,
    exchanged: Set[str] = frozenset(),
    on_open_manifest: Set[str] = frozenset(),
    refused: Set[str] = frozenset(),
) -> Eligibility:
    """Decide whether ``party`` can list ``holding`` under ``agreement``, and where.

    Args:
        agreement: the formula; its ``age_on`` is the day ages are computed on, and an
            ``exclude`` clause certainly true for the record excludes it (an unknown one
            is named in ``undecided`` and excludes no one).
        party: the releasing party's code.
        holding: the record to decide.
        exchanged: record ids already exchanged (on a closed manifest).
        on_open_manifest: record ids on another open manifest.
        refused: record ids whose will to return was refused when recorded
            (GC III Art. 109(3): no one is repatriated against their will).
    """
    values = holding_values(holding, agreement.age_on)
    undecided: list[str] = []
    mandatory = _any_true(_clauses("must_include", agreement.must_include), values, undecided)
    unilateral = _any_true(_clauses("unilateral", agreement.unilateral), values, undecided)
    reason = _blocked(holding, party, exchanged, on_open_manifest, refused)
    track: str | None = None
    if reason is None and _any_true(_clauses("exclude", agreement.exclude), values, undecided):
        reason = Reason.EXCLUDED
    if reason is None:
        track = _first_track(agreement, values, undecided)
        reason = None if track is not None else Reason.NO_TRACK
    return Eligibility(holding.record_id, track, reason, mandatory, unilateral, tuple(undecided))


def eligible_pool(
    agreement: Agreement,
    party: str,
    holdings: Iterable[Holding],
    *,
    exchanged: Set[str] = frozenset(),
    on_open_manifest: Set[str] = frozenset(),
    refused: Set[str] = frozenset(),
) -> Pool:
    """Sort ``party``'s holdings under ``agreement``: see :func:`assess` for each one.

    Raises:
        InvalidValue: ``party`` is not a party of the agreement, or a record id of the
            party appears twice (no person may be counted twice).
    """
    if party not in agreement.parties:
        raise InvalidValue(
            "party",
            f"{party!r} is not a party of {agreement.name!r} "
            f"(expected {' or '.join(agreement.parties)})",
        )
    seen: set[str] = set()
    entries: list[Eligibility] = []
    for holding in holdings:
        if holding.party == party:
            if holding.record_id in seen:
                raise InvalidValue(
                    "record_id", f"holding {party}/{holding.record_id} appears twice"
                )
            seen.add(holding.record_id)
        entries.append(
            assess(
                agreement,
                party,
                holding,
                exchanged=exchanged,
                on_open_manifest=on_open_manifest,
                refused=refused,
            )
        )
    tracks = Counter(entry.track for entry in entries if entry.track is not None)
    reasons = Counter(entry.reason for entry in entries if entry.reason is not None)
    return Pool(
        party,
        tuple(entries),
        tuple((track.name, tracks[track.name]) for track in agreement.tracks),
        tuple((reason, reasons[reason]) for reason in Reason),
    )
