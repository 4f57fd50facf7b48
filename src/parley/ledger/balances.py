"""Reciprocity from the log alone: every closed tranche's balance, recomputed from its entries.

An observer holding the public log recounts, per exchange, tranche, track and side, the
weight handed over (``PersonHandedOver``) and received (``PersonReceived``) and the
differences carried between tranches (``DifferenceCarried``). When a tranche closes
(``TrancheStateChanged`` to ``closed``) its entry states each track's formula kind, the
weights, what each side owed and had received: the audit checks that the statement
matches the recount and that every balanced track *is* balanced, i.e. that each side's
received weight, less what it owed, is equal. Nobody may be received without having
been handed over, nor received twice.

Standard library only, like the rest of the verification core.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from parley.errors import VerificationFailed

__all__ = ["BalanceAudit", "TrackCount"]

_UNBALANCED = "all_for_all"


@dataclass(slots=True)
class TrackCount:
    """One track of one tranche, as recounted from the log."""

    sent: dict[str, int] = field(default_factory=dict)
    received: dict[str, int] = field(default_factory=dict)
    owed: dict[str, int] = field(default_factory=dict)


Key = tuple[str, int, str]  # exchange, tranche, track


class BalanceAudit:
    """Call it with each entry, in order; it raises at the first tranche that does not add up.

    ``counts`` holds the recount; ``closed`` the (exchange, tranche) pairs checked.
    """

    def __init__(self) -> None:
        self.counts: dict[Key, TrackCount] = defaultdict(TrackCount)
        self.closed: list[tuple[str, int]] = []
        self._handed: dict[tuple[str, str], int] = {}  # (exchange, person) -> tranche
        self._received: set[str] = set()

    def __call__(self, entry: dict[str, Any]) -> None:
        kind, data = entry.get("type"), entry.get("data")
        if not isinstance(data, dict):
            return
        try:
            if kind == "PersonHandedOver":
                self._hand_over(data)
            elif kind == "PersonReceived":
                self._receive(data)
            elif kind == "DifferenceCarried":
                self._carry(data)
            elif kind == "TrancheStateChanged" and data.get("to_state") == "closed":
                self._close(data)
        except (KeyError, TypeError, ValueError) as e:
            raise VerificationFailed(f"a {kind} entry lacks or garbles {e}") from e

    def _count(self, data: dict[str, Any]) -> TrackCount:
        return self.counts[str(data["exchange"]), int(data["tranche"]), str(data["track"])]

    def _hand_over(self, data: dict[str, Any]) -> None:
        person = (str(data["exchange"]), str(data["record_id"]))
        if person in self._handed:
            raise VerificationFailed(
                f"person {person[1][:16]}... is handed over a second time in {person[0]!r} "
                f"(first in tranche {self._handed[person]})"
            )
        self._handed[person] = int(data["tranche"])
        count = self._count(data)
        side = str(data["side"])
        count.sent[side] = count.sent.get(side, 0) + int(data["weight"])

    def _receive(self, data: dict[str, Any]) -> None:
        person = str(data["record_id"])
        if (str(data["exchange"]), person) not in self._handed:
            raise VerificationFailed(
                f"person {person[:16]}... is received but was never handed over"
            )
        if person in self._received:
            raise VerificationFailed(f"person {person[:16]}... is received a second time")
        self._received.add(person)
        count = self._count(data)
        side = str(data["side"])
        count.received[side] = count.received.get(side, 0) + int(data["weight"])

    def _carry(self, data: dict[str, Any]) -> None:
        exchange, track, side, value = (
            str(data["exchange"]), str(data["track"]), str(data["side"]), int(data["value"])
        )  # fmt: skip
        here = self.counts[exchange, int(data["tranche"]), track]
        there = self.counts[exchange, int(data["to_tranche"]), track]
        here.owed[side] = here.owed.get(side, 0) - value
        there.owed[side] = there.owed.get(side, 0) + value

    def _close(self, data: dict[str, Any]) -> None:
        exchange, tranche = str(data["exchange"]), int(data["tranche"])
        stated = data.get("balances")
        if not isinstance(stated, dict):
            raise VerificationFailed(
                f"tranche {tranche} of {exchange!r} closes without its balances"
            )
        counted = {k[2] for k in self.counts if k[:2] == (exchange, tranche)}
        for track in sorted(counted - set(stated)):
            count = self.counts[exchange, tranche, track]
            if any(count.sent.values()) or any(count.owed.values()):
                raise VerificationFailed(
                    f"tranche {tranche} of {exchange!r} closes without stating track {track}, "
                    "in which people crossed"
                )
        for track, claim in sorted(stated.items()):
            self._check_track(exchange, tranche, str(track), claim)
        self.closed.append((exchange, tranche))

    def _check_track(self, exchange: str, tranche: int, track: str, claim: Any) -> None:
        where = f"tranche {tranche} of {exchange!r}, track {track}"
        if not isinstance(claim, dict):
            raise VerificationFailed(f"{where}: the closing balance is not an object")
        count = self.counts[exchange, tranche, track]
        for name in ("sent", "received", "owed"):
            stated = {str(k): int(v) for k, v in dict(claim.get(name, {})).items()}
            mine = getattr(count, name)
            for side in sorted(set(stated) | set(mine)):
                if stated.get(side, 0) != mine.get(side, 0):
                    raise VerificationFailed(
                        f"{where}: the closing entry says {side} {name} {stated.get(side, 0)}, "
                        f"the entries add up to {mine.get(side, 0)}"
                    )
        for side, sent in count.sent.items():
            if sent != count.received.get(side, 0):
                raise VerificationFailed(
                    f"{where} closed with {side} having handed over {sent} but "
                    f"{count.received.get(side, 0)} received"
                )
        if claim.get("kind") == _UNBALANCED:
            return
        sides = sorted(set(claim.get("weights", {})) | set(count.received) | set(count.owed))
        net = {s: count.received.get(s, 0) - count.owed.get(s, 0) for s in sides}
        if len(set(net.values())) > 1:
            shown = ", ".join(f"{s} {v}" for s, v in net.items())
            raise VerificationFailed(f"{where} closed unbalanced: received less owed is {shown}")
