"""An agreement: the formula the talks produced, as data the planner and the checks read.

"1,000 for 1,000; all seriously ill and all under 25 from each side; at least 1,000 a
side; civilians separately; three tranches" becomes two parties, a date ages are
computed on, tracks (who, and by which formula: parity, all-for-all, ratio or a rank
tariff), mandatory and unilateral categories, totals, the consent rule, tranche rules,
a reserve share and whom active service is forbidden to once home.
``docs/agreements.md`` documents the file that holds one.

On load an agreement is checked against the law (:func:`check_law`): GC III
Art. 109(1) sends the seriously wounded and sick home "regardless of number or rank",
so a balanced formula must not make them wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from parley.domain.selectors import Selector, Value, evaluate
from parley.errors import InvalidValue

__all__ = [
    "NO_ACTIVE_SERVICE",
    "Agreement",
    "Consent",
    "Formula",
    "FormulaKind",
    "LawWarning",
    "NoActiveService",
    "Order",
    "TariffClass",
    "Track",
    "TrancheRules",
    "Verifier",
    "check_law",
    "flags_on_return",
]

Path = tuple[str | int, ...]


class FormulaKind(StrEnum):
    """How a track balances (DOMAIN.md section 6, formula types)."""

    PARITY = "parity"  # N for N
    ALL_FOR_ALL = "all_for_all"  # every eligible person in the track, no balance
    RATIO = "ratio"  # a released by one side per b by the other
    TARIFF = "tariff"  # equal points, each person worth their rank class (Dix-Hill)


class Order(StrEnum):
    """Who goes first within a track when not everyone can."""

    FIRST_CAPTURED_FIRST = "first_captured_first"  # Hamilton's 1778 draft cartel
    PRIORITY = "priority"  # the other side's request priority, then humanitarian


class Verifier(StrEnum):
    """Who records each person's will to be repatriated."""

    NEUTRAL_VERIFIER = "neutral_verifier"
    MEDIATOR = "mediator"


class NoActiveService(StrEnum):
    """Whom the receiving side may not employ on active military service once home.

    GC III Art. 117 binds those repatriated as seriously wounded or sick (Arts 109-110);
    military manuals read it as not binding on negotiated exchanges, so for the others
    the agreement decides (DOMAIN.md section 6).
    """

    SERIOUSLY_ILL = "seriously_ill"  # Art. 117 alone: those repatriated under Arts 109-110
    EVERYONE = "everyone"  # the agreement extends it to everyone it repatriates


# The flag a received person carries home when active service is forbidden to them.
NO_ACTIVE_SERVICE = "no_active_service"


@dataclass(frozen=True, slots=True)
class TariffClass:
    """A rank class of a tariff: who is in it and what one of them is worth.

    Raises:
        InvalidValue: points are not a positive whole number.
    """

    name: str
    points: int
    selector: Selector

    def __post_init__(self) -> None:
        if self.points < 1:
            raise InvalidValue("points", f"{self.points} is not positive (expected 1 or more)")


@dataclass(frozen=True, slots=True)
class Formula:
    """A track's formula; ``ratio`` and ``tariff`` are set only for their kinds.

    ``ratio`` maps each party code to how many it releases per unit of exchange
    (``{"AA": 1, "BB": 5}``: five released by BB for each one released by AA). A tariff's
    classes are tried in order and the first whose selector is true prices the person;
    anyone else is worth ``default_points``.

    Raises:
        InvalidValue: a ratio or tariff missing for its kind, or given for another kind.
    """

    kind: FormulaKind
    order: Order | None = None
    ratio: tuple[tuple[str, int], ...] = ()
    tariff: tuple[TariffClass, ...] = ()
    default_points: int = 1

    def __post_init__(self) -> None:
        if (self.kind is FormulaKind.RATIO) != bool(self.ratio):
            raise InvalidValue("ratio", "is required by, and only by, the ratio formula")
        if (self.kind is FormulaKind.TARIFF) != bool(self.tariff):
            raise InvalidValue("tariff", "is required by, and only by, the tariff formula")
        if any(n < 1 for _, n in self.ratio) or self.default_points < 1:
            raise InvalidValue("formula", "ratio terms and points must be positive")

    @property
    def balanced(self) -> bool:
        """Whether releases wait on the other side's (all but all-for-all)."""
        return self.kind is not FormulaKind.ALL_FOR_ALL

    def describe(self) -> str:
        """One line for a summary: ``parity``, ``ratio AA 1 : BB 5``, ``tariff (3 classes)``."""
        text = self.kind.value
        if self.ratio:
            text += " " + " : ".join(f"{code} {n}" for code, n in self.ratio)
        if self.tariff:
            classes = ", ".join(f"{c.name} {c.points}" for c in self.tariff)
            text += f" ({classes}; others {self.default_points})"
        if self.order is not None:
            text += f", {self.order.value.replace('_', ' ')}"
        return text


@dataclass(frozen=True, slots=True)
class Track:
    """A group of people exchanged by one formula (military, civilians, ...)."""

    name: str
    selector: Selector
    formula: Formula
    minimum_per_side: int | None = None
    maximum_per_side: int | None = None


@dataclass(frozen=True, slots=True)
class Consent:
    """How each person's will to return is recorded before handover.

    The will itself is always required (GC III Art. 109(3)); the agreement says only who
    records it and how fresh it must be.
    """

    confirmed_by: Verifier = Verifier.NEUTRAL_VERIFIER
    within_days: int = 7


@dataclass(frozen=True, slots=True)
class TrancheRules:
    """How the exchange is cut into handovers.

    ``count`` handovers, or one per date in ``dates`` (then ``count`` is their number).
    ``capacity_per_side`` caps each side's releases per handover; tracks named in
    ``separate`` travel in handovers of their own; ``max_lead`` is the most people (or
    points) one side may be ahead while a handover runs.
    """

    count: int
    dates: tuple[date, ...] = ()
    capacity_per_side: int | None = None
    separate: tuple[str, ...] = ()
    max_lead: int = 1


@dataclass(frozen=True, slots=True)
class Agreement:
    """The whole formula of one exchange between ``parties``.

    ``must_include`` and ``unilateral`` name people who go; ``exclude`` names people who
    cannot be listed at all (a clause certainly true for a record excludes it; an
    unknown one excludes no one). ``no_active_service`` says whom active service is
    forbidden to once home (:func:`flags_on_return`).
    """

    name: str
    parties: tuple[str, str]
    age_on: date
    tracks: tuple[Track, ...]
    tranches: TrancheRules
    must_include: tuple[Selector, ...] = ()
    unilateral: tuple[Selector, ...] = ()
    minimum_per_side: int | None = None
    maximum_per_side: int | None = None
    consent: Consent = Consent()
    reserve_share: float = 0.0
    exclude: tuple[Selector, ...] = ()
    no_active_service: NoActiveService = NoActiveService.SERIOUSLY_ILL

    def track(self, name: str) -> Track:
        """The track called ``name``.

        Raises:
            KeyError: there is none.
        """
        for track in self.tracks:
            if track.name == name:
                return track
        raise KeyError(name)


def flags_on_return(agreement: Agreement, seriously_ill: bool) -> tuple[str, ...]:
    """The flags that follow a person home when ``agreement`` repatriates them.

    GC III Art. 117: no one repatriated as seriously wounded or sick (Arts 109-110) may be
    employed on active military service, whatever the agreement says; an agreement with
    ``no_active_service: everyone`` forbids it to everyone it repatriates.
    """
    if seriously_ill or agreement.no_active_service is NoActiveService.EVERYONE:
        return (NO_ACTIVE_SERVICE,)
    return ()


@dataclass(frozen=True, slots=True)
class LawWarning:
    """A clause the law speaks against, with the article, at a key path."""

    path: Path
    article: str
    message: str


# The person the law check imagines: seriously ill or wounded (the holding's flag, set on
# an Art. 110 criterion, a Mixed Medical Commission decision or a manifest case), nothing
# else known. If a balanced track may hold them and no clause is sure to send them
# regardless of balance, the formula would make them wait.
_ART_109_PROBE: dict[str, Value] = {"seriously_ill": True}


def check_law(agreement: Agreement) -> list[LawWarning]:
    """Warn about clauses that the Geneva Conventions speak against.

    GC III Art. 109(1): the seriously wounded and sick go home "regardless of number or
    rank"; the 1960 ICRC Commentary reads this as excluding man-for-man bargaining. A
    balanced track (parity, ratio, tariff) that may hold such a person, when neither
    ``must_include`` nor ``unilateral`` is sure to cover them, gets a warning.
    """
    warnings: list[LawWarning] = []
    exempt = any(
        evaluate(clause.tree, _ART_109_PROBE) is True
        for clause in agreement.must_include + agreement.unilateral
    )
    for index, track in enumerate(agreement.tracks, start=1):
        kind = track.formula.kind.value
        if exempt or not track.formula.balanced:
            continue
        if evaluate(track.selector.tree, _ART_109_PROBE) is not False:
            warnings.append(
                LawWarning(
                    ("tracks", index, "formula"),
                    "GC III Art. 109(1)",
                    f"track {track.name} uses {kind} and may hold seriously ill or wounded "
                    f"people, who must be repatriated regardless of number or rank, not "
                    f"wait on {kind} (add seriously_ill to must_include or unilateral)",
                )
            )
    return warnings
