"""Holdings: people a party holds, with custody, health and the person states.

Categories follow GC III (prisoners of war) and GC IV (civilian internees), plus the
two situations exchanges keep meeting: people convicted, and people under proceedings
(who go only with the Detaining Power's consent, GC III Art. 115).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from parley.domain.events import HoldingStatusChanged
from parley.domain.people import Identity, check_capture_after_birth, check_record_id
from parley.domain.states import check_transition
from parley.errors import InvalidValue

__all__ = [
    "HOLDING_TRANSITIONS",
    "Health",
    "Holding",
    "HoldingCategory",
    "HoldingStatus",
    "SeriousIllnessBasis",
    "change_holding_status",
]


class HoldingCategory(StrEnum):
    """Why a person is held."""

    POW = "pow"
    CIVILIAN_INTERNEE = "civilian_internee"
    CIVILIAN_DETAINEE = "civilian_detainee"
    CONVICTED = "convicted"
    PROCEEDINGS_PENDING = "proceedings_pending"

    @property
    def is_civilian(self) -> bool:
        """Civilians are handed over on their own track in most agreements."""
        return self in (HoldingCategory.CIVILIAN_INTERNEE, HoldingCategory.CIVILIAN_DETAINEE)


class Health(StrEnum):
    """The capture card's health scale (GC III Art. 70, Annex IV B)."""

    GOOD = "good"
    NOT_WOUNDED = "not_wounded"
    RECOVERED = "recovered"
    CONVALESCENT = "convalescent"
    SICK = "sick"
    SLIGHTLY_WOUNDED = "slightly_wounded"
    SERIOUSLY_WOUNDED = "seriously_wounded"


class SeriousIllnessBasis(StrEnum):
    """Why a person counts as seriously ill or wounded (GC III Arts 110 and 112).

    The three Art. 110(1) categories for direct repatriation, a Mixed Medical
    Commission decision (Annex II), or a manifest case that needs no commission.
    """

    ART110_DIRECT_1 = "art110_direct_1"
    ART110_DIRECT_2 = "art110_direct_2"
    ART110_DIRECT_3 = "art110_direct_3"
    MMC_DECISION = "mmc_decision"
    MANIFEST = "manifest"


class HoldingStatus(StrEnum):
    """Where a held person stands, along DOMAIN.md section 6's person states."""

    DETAINED = "detained"
    ELIGIBLE = "eligible"
    LISTED = "listed"
    ACCEPTED = "accepted"
    IN_TRANCHE = "in_tranche"
    WILL_CONFIRMED = "will_confirmed"
    IDENTITY_CONFIRMED = "identity_confirmed"
    HANDED_OVER = "handed_over"
    RECEIVED = "received"
    FAMILY_NOTIFIED = "family_notified"
    DECLINED_REPATRIATION = "declined_repatriation"
    HELD_FOR_PROCEEDINGS = "held_for_proceedings"
    WITHDRAWN = "withdrawn"
    SUBSTITUTED = "substituted"
    DECEASED = "deceased"


_S = HoldingStatus
_LEAVE = frozenset({_S.WITHDRAWN, _S.DECEASED})
HOLDING_TRANSITIONS: dict[HoldingStatus, frozenset[HoldingStatus]] = {
    _S.DETAINED: frozenset(
        {_S.ELIGIBLE, _S.HELD_FOR_PROCEEDINGS, _S.DECLINED_REPATRIATION, _S.DECEASED}
    ),
    _S.ELIGIBLE: frozenset(
        {_S.LISTED, _S.DETAINED, _S.HELD_FOR_PROCEEDINGS, _S.DECLINED_REPATRIATION, _S.DECEASED}
    ),
    _S.LISTED: _LEAVE | {_S.ACCEPTED, _S.ELIGIBLE},
    _S.ACCEPTED: _LEAVE | {_S.IN_TRANCHE, _S.ELIGIBLE},
    _S.IN_TRANCHE: _LEAVE | {_S.WILL_CONFIRMED, _S.DECLINED_REPATRIATION, _S.SUBSTITUTED},
    _S.WILL_CONFIRMED: _LEAVE | {_S.IDENTITY_CONFIRMED, _S.DECLINED_REPATRIATION},
    _S.IDENTITY_CONFIRMED: _LEAVE | {_S.HANDED_OVER, _S.DECLINED_REPATRIATION},
    _S.HANDED_OVER: frozenset({_S.RECEIVED}),
    _S.RECEIVED: frozenset({_S.FAMILY_NOTIFIED}),
    _S.FAMILY_NOTIFIED: frozenset(),
    # GC III Art. 109(3): a refusal is respected, but a person may later ask to go home.
    _S.DECLINED_REPATRIATION: frozenset({_S.DETAINED, _S.DECEASED}),
    _S.HELD_FOR_PROCEEDINGS: frozenset({_S.DETAINED, _S.DECEASED}),
    _S.WITHDRAWN: frozenset({_S.DETAINED, _S.ELIGIBLE, _S.DECEASED}),
    _S.SUBSTITUTED: frozenset({_S.DETAINED, _S.ELIGIBLE, _S.DECEASED}),
    _S.DECEASED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class Holding:
    """A person held by ``party``, as that party's registry records them.

    Raises:
        InvalidValue: a seriously-ill flag without its basis (or a basis without the
            flag), or a capture date after the record's own dates make sense.
    """

    party: str
    record_id: str
    identity: Identity
    category: HoldingCategory
    captured_on: date | None = None
    capture_place: str | None = None
    detention_place: str | None = None
    health: Health | None = None
    seriously_ill: bool = False
    seriously_ill_basis: SeriousIllnessBasis | None = None
    status: HoldingStatus = HoldingStatus.DETAINED

    def __post_init__(self) -> None:
        check_record_id(self.record_id)
        if self.seriously_ill and self.seriously_ill_basis is None:
            raise InvalidValue(
                "seriously_ill_basis",
                "is required when seriously_ill is yes (expected one of "
                + ", ".join(b.value for b in SeriousIllnessBasis)
                + ")",
            )
        if not self.seriously_ill and self.seriously_ill_basis is not None:
            raise InvalidValue("seriously_ill_basis", "is given but seriously_ill is not yes")
        check_capture_after_birth(self.identity, self.captured_on)

    @property
    def subject(self) -> str:
        """How messages and logs name this record: party and record id, no name."""
        return f"holding {self.party}/{self.record_id}"


def change_holding_status(
    holding: Holding, to: HoldingStatus, *, at: datetime, actor: str
) -> tuple[Holding, HoldingStatusChanged]:
    """Move a holding to ``to`` if the person-state table allows it.

    Returns:
        The moved holding and the event that records the move.

    Raises:
        TransitionNotAllowed: e.g. ``handed_over -> detained``: a person handed over
            cannot be put back in custody by a status change.
    """
    check_transition(HOLDING_TRANSITIONS, holding.status, to, subject=holding.subject)
    event = HoldingStatusChanged(
        occurred_at=at,
        actor=actor,
        party=holding.party,
        record_id=holding.record_id,
        from_status=holding.status.value,
        to_status=to.value,
    )
    return dataclasses.replace(holding, status=to), event
