"""Manifests: the list of people one side releases in one tranche, as both sides sign it.

A plan's tranche becomes one manifest per releasing side: the people in the order they
are to cross, with the fields the receiving side needs to identify them (GC III
Art. 17's surname, first names, rank, date of birth and service number, in the script
they were written in), and the reserves who may replace them. A manifest is versioned:
version 1 comes from the plan, and every change after that (a substitution, a
withdrawal, a difference carried to the next tranche) is a new version with the reason
for it. A version is **sealed** when both parties and the mediator have signed its
SHA-256 (``parley.ledger.signatures``); nobody on an unsealed version may cross.

The document is plain data; the services write it as RFC 8785 canonical JSON and hash
those bytes, so that every signer signs exactly the same thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from parley.errors import InvalidValue

__all__ = [
    "MANIFEST_FORMAT",
    "MEDIATOR",
    "Manifest",
    "ManifestDiff",
    "ManifestPerson",
    "diff_manifests",
    "manifest_from_document",
    "required_signers",
]

MANIFEST_FORMAT = "parley-manifest"
MEDIATOR = "MEDIATOR"

# The identity fields the receiving side needs, in the order a printed manifest shows them.
IDENTITY_FIELDS = (
    "family_name",
    "given_name",
    "patronymic",
    "name_lang",
    "sex",
    "birth_date",
    "rank",
    "service_number",
)


@dataclass(frozen=True, slots=True)
class ManifestPerson:
    """One person on a manifest: who, in which track, worth how much, and how to know them.

    ``reserve_rank`` is None for a person listed to cross and 1, 2, ... for a reserve.
    """

    record_id: str
    track: str
    points: int = 1
    family_name: str = ""
    given_name: str = ""
    patronymic: str | None = None
    name_lang: str = "und"
    sex: str = "U"
    birth_date: str | None = None
    rank: str | None = None
    service_number: str | None = None
    reserve_rank: int | None = None

    def line(self) -> dict[str, Any]:
        """The person as the document writes them (reserve rank excluded: its list says)."""
        out: dict[str, Any] = {"record_id": self.record_id, "track": self.track}
        out["points"] = self.points
        for name in IDENTITY_FIELDS:
            out[name] = getattr(self, name)
        return out

    @classmethod
    def from_line(cls, line: Mapping[str, Any], reserve_rank: int | None = None) -> ManifestPerson:
        """The person a document line describes.

        Raises:
            InvalidValue: a required field is missing or of the wrong type.
        """
        try:
            values = {name: line[name] for name in ("record_id", "track", "points")}
            values.update({name: line.get(name) for name in IDENTITY_FIELDS})
            if not isinstance(values["points"], int) or values["points"] < 1:
                raise InvalidValue("points", f"{values['points']!r} is not a positive whole number")
            return cls(
                record_id=str(values["record_id"]),
                track=str(values["track"]),
                points=values["points"],
                family_name=str(values["family_name"] or ""),
                given_name=str(values["given_name"] or ""),
                patronymic=values["patronymic"],
                name_lang=str(values["name_lang"] or "und"),
                sex=str(values["sex"] or "U"),
                birth_date=values["birth_date"],
                rank=values["rank"],
                service_number=values["service_number"],
                reserve_rank=reserve_rank,
            )
        except KeyError as missing:
            raise InvalidValue("manifest", f"a line lacks {missing.args[0]!r}") from None


@dataclass(frozen=True, slots=True)
class Manifest:
    """One version of the manifest of people ``side`` releases to ``receiver`` in a tranche.

    ``previous_sha256`` chains a version to the one it amends; ``reason`` says why it
    was made (``plan`` for version 1).
    """

    exchange: str
    tranche: int
    side: str
    receiver: str
    version: int
    date: str | None
    people: tuple[ManifestPerson, ...]
    reserves: tuple[ManifestPerson, ...] = ()
    reason: str = "plan"
    previous_sha256: str | None = None
    plan_id: int | None = None

    def __post_init__(self) -> None:
        if self.version < 1:
            raise InvalidValue("version", f"{self.version} must be 1 or more")
        if (self.version == 1) != (self.previous_sha256 is None):
            raise InvalidValue(
                "previous_sha256", "is required by, and only by, a version after the first"
            )
        seen: set[str] = set()
        for person in self.people + self.reserves:
            if person.record_id in seen:
                raise InvalidValue(
                    "manifest",
                    f"record {person.record_id} appears twice in tranche {self.tranche} "
                    f"of {self.side}",
                )
            seen.add(person.record_id)

    @property
    def subject(self) -> str:
        """``manifest of UA, tranche 2, version 3`` for messages."""
        return f"manifest of {self.side}, tranche {self.tranche}, version {self.version}"

    def document(self) -> dict[str, Any]:
        """The manifest as the JSON document every signer signs (canonicalised by the caller)."""
        return {
            "format": MANIFEST_FORMAT,
            "v": 1,
            "exchange": self.exchange,
            "plan_id": self.plan_id,
            "tranche": self.tranche,
            "date": self.date,
            "side": self.side,
            "receiver": self.receiver,
            "version": self.version,
            "previous_sha256": self.previous_sha256,
            "reason": self.reason,
            "people": [p.line() for p in self.people],
            # Not "rank": that key is the person's military rank (GC III Art. 17).
            "reserves": [p.line() | {"reserve_rank": p.reserve_rank} for p in self.reserves],
            "counts": self.counts(),
        }

    def counts(self) -> dict[str, dict[str, int]]:
        """Per track: how many people and how many points the manifest lists."""
        out: dict[str, dict[str, int]] = {}
        for person in self.people:
            track = out.setdefault(person.track, {"people": 0, "points": 0})
            track["people"] += 1
            track["points"] += person.points
        return out

    def person(self, record_id: str) -> ManifestPerson | None:
        """The listed person (not a reserve) with ``record_id``, if any."""
        return next((p for p in self.people if p.record_id == record_id), None)

    def reserve(self, record_id: str) -> ManifestPerson | None:
        """The reserve with ``record_id``, if any."""
        return next((p for p in self.reserves if p.record_id == record_id), None)

    def amend(
        self,
        *,
        previous_sha256: str,
        reason: str,
        remove: Iterable[str] = (),
        add: Sequence[str] = (),
    ) -> Manifest:
        """The next version: ``remove`` listed people, move reserves ``add`` onto the list.

        A substitute takes the place of the person it replaces when the two are given
        in step (``remove[i]`` by ``add[i]``), else goes to the end.

        Raises:
            InvalidValue: a record to remove is not listed, or one to add is not a reserve.
        """
        removing = list(remove)
        twice = sorted({r for r in removing if removing.count(r) > 1})
        if twice:
            raise InvalidValue("amendment", f"record {twice[0]} is named twice to remove")
        for record_id in removing:
            if self.person(record_id) is None:
                raise InvalidValue("amendment", f"record {record_id} is not on the {self.subject}")
        adding = []
        for record_id in add:
            reserve = self.reserve(record_id)
            if reserve is None:
                raise InvalidValue(
                    "amendment", f"record {record_id} is not a reserve of the {self.subject}"
                )
            adding.append(dataclasses.replace(reserve, reserve_rank=None))
        replaced = dict(zip(removing, adding, strict=False))
        people: list[ManifestPerson] = []
        for person in self.people:
            if person.record_id in replaced:
                people.append(replaced[person.record_id])
            elif person.record_id not in removing:
                people.append(person)
        people += adding[len(replaced) :]
        added = {p.record_id for p in adding}
        reserves = [r for r in self.reserves if r.record_id not in added]
        reserves = [dataclasses.replace(r, reserve_rank=i) for i, r in enumerate(reserves, 1)]
        return dataclasses.replace(
            self,
            version=self.version + 1,
            previous_sha256=previous_sha256,
            reason=reason,
            people=tuple(people),
            reserves=tuple(reserves),
        )


def manifest_from_document(document: Mapping[str, Any]) -> Manifest:
    """The manifest a document (as :meth:`Manifest.document` writes it) describes.

    Raises:
        InvalidValue: the document is not a parley manifest, a field is missing or
            malformed (the message names it, and the line for a person), or the
            manifest it describes breaks a rule of :class:`Manifest`.
    """
    if document.get("format") != MANIFEST_FORMAT:
        raise InvalidValue(
            "format", f"expected {MANIFEST_FORMAT!r}, found {document.get('format')!r}"
        )
    try:
        return Manifest(
            exchange=str(document["exchange"]),
            tranche=int(document["tranche"]),
            side=str(document["side"]),
            receiver=str(document["receiver"]),
            version=int(document["version"]),
            date=document["date"],
            people=_people(document["people"], "people"),
            reserves=_people(document["reserves"], "reserves"),
            reason=str(document["reason"]),
            previous_sha256=document["previous_sha256"],
            plan_id=document.get("plan_id"),
        )
    except InvalidValue:
        raise
    except KeyError as missing:
        raise InvalidValue("manifest", f"the document lacks {missing.args[0]!r}") from None
    except (TypeError, ValueError) as error:
        raise InvalidValue("manifest", f"the document is malformed ({error})") from None


def _people(lines: Any, key: str) -> tuple[ManifestPerson, ...]:
    """The people of a document's ``people`` or ``reserves`` list, each error naming its line."""
    if not isinstance(lines, list):
        raise InvalidValue(key, f"expected a list of people, found {type(lines).__name__}")
    out = []
    for number, line in enumerate(lines, start=1):
        where = f"{key} line {number}"
        if not isinstance(line, Mapping):
            raise InvalidValue(where, f"expected an object, found {type(line).__name__}")
        try:
            rank = int(line["reserve_rank"]) if key == "reserves" else None
            out.append(ManifestPerson.from_line(line, rank))
        except InvalidValue as error:
            text = error.message if error.field == "manifest" else str(error)
            raise InvalidValue(where, text) from None
        except KeyError as missing:
            raise InvalidValue(where, f"lacks {missing.args[0]!r}") from None
        except (TypeError, ValueError) as error:
            raise InvalidValue(where, f"reserve_rank is not a whole number ({error})") from None
    return tuple(out)


def required_signers(manifest: Manifest) -> frozenset[str]:
    """Who must sign a version before it is sealed: both parties and the mediator."""
    return frozenset({manifest.side, manifest.receiver, MEDIATOR})


@dataclass(frozen=True, slots=True)
class ManifestDiff:
    """What changed between two versions: people removed, added, and reserves used."""

    old_version: int
    new_version: int
    removed: tuple[ManifestPerson, ...]
    added: tuple[ManifestPerson, ...]
    reason: str

    def lines(self) -> list[str]:
        """The diff as text, one person a line, ``-`` removed and ``+`` added."""
        out = [f"version {self.old_version} -> {self.new_version}: {self.reason}"]
        out += [f"- {p.record_id} ({p.track}, {p.points} pt)" for p in self.removed]
        out += [f"+ {p.record_id} ({p.track}, {p.points} pt)" for p in self.added]
        return out


def diff_manifests(old: Manifest, new: Manifest) -> ManifestDiff:
    """The people ``new`` lists that ``old`` did not, and the reverse.

    Raises:
        InvalidValue: the two are not versions of the same side's manifest of one tranche.
    """
    if (old.exchange, old.tranche, old.side) != (new.exchange, new.tranche, new.side):
        raise InvalidValue("diff", "the two manifests are not versions of one manifest")
    before = {p.record_id: p for p in old.people}
    after = {p.record_id: p for p in new.people}
    return ManifestDiff(
        old_version=old.version,
        new_version=new.version,
        removed=tuple(p for r, p in before.items() if r not in after),
        added=tuple(p for r, p in after.items() if r not in before),
        reason=new.reason,
    )
