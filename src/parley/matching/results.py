"""What reconciliation takes in and gives back.

``reconcile`` (``parley.matching.reconcile``) reads two lists of ``Record`` (one party's
requests, the other party's holdings) and returns a ``Reconciliation``: one ``Decision``
per request, the duplicate requests it merged, and figures about the run. Everything
here is a plain value, so services can store it and the CLI can print it without
knowing how the scores were reached.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

from parley.domain.dates import PartialDate

__all__ = [
    "Candidate",
    "Decision",
    "DuplicateGroup",
    "MatchConfig",
    "Outcome",
    "Reconciliation",
    "Record",
]


@dataclass(frozen=True, slots=True)
class Record:
    """One person as a party wrote them: a holding or a request.

    Attributes:
        record_id: the party's own id for the record.
        family_name: as written, in any script.
        given_name: as written; two given names may share the field.
        patronymic: as written; empty when the record has none.
        name_lang: ``uk``, ``ru``, ``en`` (Latin) or ``und`` (not said).
        sex: ``M``, ``F`` or empty.
        birth_date: full, year-month or year only; None when unknown.
        birth_place: as written; empty when unknown.
        unit: the military unit as written; empty when unknown.
        service_number: empty when unknown.
        document_number: passport or identity document number; empty when unknown.
        source: for a request, who asked (``family``, ``official_register``, ...).
    """

    record_id: str
    family_name: str
    given_name: str
    patronymic: str = ""
    name_lang: str = "und"
    sex: str = ""
    birth_date: PartialDate | None = None
    birth_place: str = ""
    unit: str = ""
    service_number: str = ""
    document_number: str = ""
    source: str = ""


class Outcome(StrEnum):
    """What reconciliation proposes for a request."""

    MATCH = "match"  # one holding, sure enough to propose to the holding side
    REVIEW = "review"  # a person must look: doubtful, or two holdings fit alike
    NO_MATCH = "no_match"  # no holding comes close


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Thresholds and limits of a reconciliation run.

    Attributes:
        match_threshold: the probability at or above which the best pair is a match.
        review_threshold: the probability at or above which a pair goes to review.
        ambiguity_ratio: a match needs its runner-up (another holding for the same
            request, or another request for the same holding) to be at most this share
            of its own odds; otherwise both go to review (brothers, namesakes).
        max_candidates: the most holdings kept per request after scoring.
        em_iterations: the most rounds of expectation-maximisation.
        seed: for the random pairs that estimate how often fields agree by chance.
    """

    match_threshold: float = 0.70
    review_threshold: float = 0.30
    ambiguity_ratio: float = 0.05
    max_candidates: int = 5
    em_iterations: int = 25
    seed: int = 20221

    def __post_init__(self) -> None:
        if not 0 < self.review_threshold <= self.match_threshold < 1:
            raise ValueError(
                "thresholds must satisfy 0 < review_threshold <= match_threshold < 1, "
                f"not review {self.review_threshold} and match {self.match_threshold}"
            )
        if not 0 <= self.ambiguity_ratio < 1:
            raise ValueError(f"ambiguity_ratio must be in [0, 1), not {self.ambiguity_ratio}")
        if self.max_candidates < 1:
            raise ValueError(f"max_candidates must be at least 1, not {self.max_candidates}")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A holding scored against a request.

    Attributes:
        holding_id: the holding's record id.
        probability: the calibrated probability that both records are one person.
        explanation: one line a reviewer can read, field by field.
    """

    holding_id: str
    probability: float
    explanation: str


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one request.

    Attributes:
        request_id: the request's record id.
        outcome: match, review or no_match.
        holding_id: the proposed holding (match or review); None for no_match.
        probability: of the proposed holding, or of the best one seen for no_match
            (0.0 when blocking found none).
        explanation: of the proposed pair; for no_match, why nothing qualified.
        alternatives: other holdings in the review range, best first.
    """

    request_id: str
    outcome: Outcome
    holding_id: str | None
    probability: float
    explanation: str
    alternatives: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Requests for one person that reconciliation merged.

    Attributes:
        kept: the request id that stands for the group (the first in the list).
        merged: the other request ids, in list order.
        sources: every source of the group's requests, each once, in list order.
        probability: the lowest probability among the pairs that joined the group.
    """

    kept: str
    merged: tuple[str, ...]
    sources: tuple[str, ...]
    probability: float


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """The result of reconciling one party's requests with the other's holdings.

    Attributes:
        decisions: one per request that stands after merging duplicates, in list order.
        duplicates: the merged groups.
        candidate_pairs: how many request-holding pairs blocking kept for scoring.
        parameters: the fitted model, field by field, for the record of the run.
    """

    decisions: tuple[Decision, ...]
    duplicates: tuple[DuplicateGroup, ...] = ()
    candidate_pairs: int = 0
    parameters: dict[str, object] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """How many requests ended in each outcome, every outcome present."""
        found = Counter(decision.outcome for decision in self.decisions)
        return {outcome.value: found[outcome] for outcome in Outcome}
