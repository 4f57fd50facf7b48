"""Blocking: which request-holding pairs are worth scoring at all.

Scoring every pair of 50,000 requests and 200,000 holdings is ten billion comparisons;
blocking keeps the pairs that share at least one key. The keys come from different
fields, so that one field written wrong (a mistyped surname, a missing or wrong date, a
given name outside the dictionary) does not lose a true pair:

- ``n``: a family-name skeleton and a given-name initial; a request also asks with its
  names the other way round (as ``parley.matching.forms.name_keys``);
- ``c``: a family-name skeleton with its vowels dropped and a given-name skeleton, so
  that the vowels Ukrainian and Russian spell differently (Chornyi and Черный, Bilous
  and Белоус, Palii and Палей) do not part a pair when a Latin name was read back into
  the wrong root;
- ``fp`` and ``fm``: letters 1-3 or 2-4 of a family-name skeleton and a given-name
  skeleton, asked by a request that has neither a full date nor a patronymic with its
  year (which the ``gd`` and ``gpy`` keys would cover), so that a mistyped surname is
  still found;
- ``fy``: a family-name skeleton and the year of birth;
- ``gd``: a given-name skeleton and the full date of birth;
- ``gpy``: the given name and patronymic in one language's form (as skeletons) and the
  year of birth;
- ``s`` and ``d``: the service number and the document number.

A key that more than ``MAX_BLOCK`` holdings share (a very common name with no date) is
dropped for that request and counted, never silently truncated.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from parley.matching.features import Features, prepare
from parley.matching.forms import NameForms
from parley.matching.results import Record
from parley.matching.skeleton import skeleton

__all__ = [
    "LOOSE",
    "MAX_BLOCK",
    "Blocking",
    "block",
    "blocked_pairs",
    "blocking_keys",
    "duplicate_keys",
]

MAX_BLOCK = 2_000
LOOSE = ("fp:", "fm:")


@dataclass(frozen=True, slots=True)
class Blocking:
    """The pairs blocking kept.

    Attributes:
        pairs: for each request index, the indices of the holdings to score with it.
        count: the number of pairs in all.
        oversized_keys: keys skipped because too many holdings share them.
        loose: for each request index, the holdings that only a loose key (``LOOSE``)
            reached: scored, but not learnt from, since most are different people who
            share a given name and a few letters of a surname.
    """

    pairs: list[list[int]]
    count: int
    oversized_keys: int
    loose: list[frozenset[int]]


_VOWELS = str.maketrans("", "", "aeiouy")


def _spelling_keys(family: NameForms, given: NameForms) -> Iterator[tuple[str, str]]:
    """Keys that survive a surname spelt with other vowels (``c``) or mistyped (``fp``, ``fm``).

    Yields ``(kind, key)``: ``strict`` or ``loose`` (see ``LOOSE``).
    """
    surnames = family.skeletons
    pieces = {
        ("strict", "c"): {stem.translate(_VOWELS) for stem in surnames},
        ("loose", "fp"): {stem[:3] for stem in surnames},
        ("loose", "fm"): {stem[1:4] for stem in surnames},
    }
    for (kind, prefix), found in pieces.items():
        for piece in found:
            for name in given.skeletons:
                yield kind, f"{prefix}:{piece}|{name}"


@functools.lru_cache(maxsize=1 << 16)
def _initials(given: NameForms) -> frozenset[str]:
    return frozenset(form[0] for form in given.skeletons)


@functools.lru_cache(maxsize=1 << 17)
def _name_part_keys(
    family: NameForms, given: NameForms, asking: bool
) -> tuple[frozenset[str], frozenset[str]]:
    """The strict and the loose keys a family and given name give, whatever the dates."""
    orders = [(family, given), (given, family)] if asking else [(family, given)]
    found: dict[str, set[str]] = {"strict": set(), "loose": set()}
    for surname, name in orders:
        initials = _initials(name)
        found["strict"].update(
            f"n:{stem}|{initial}" for stem in surname.skeletons for initial in initials
        )
        for kind, key in _spelling_keys(surname, name):
            found[kind].add(key)
    return frozenset(found["strict"]), frozenset(found["loose"])


def _patronymic_keys(given: NameForms, patronymic: NameForms, year: int) -> Iterator[str]:
    """``gpy`` keys: the given name and patronymic in one language's form, and the year.

    Each language's forms are folded to skeletons; a Ukrainian request and a Russian
    holding of one person share at least one of the two when the names are in the
    dictionary (other keys cover names that are not).
    """
    yield f"gpy:{skeleton(given.ru)}|{skeleton(patronymic.ru)}|{year}"
    yield f"gpy:{skeleton(given.uk)}|{skeleton(patronymic.uk)}|{year}"


def _year_keys(prefix: str, stems: frozenset[str], year: int) -> Iterator[str]:
    for stem in stems:
        yield f"{prefix}:{stem}|{year}"


def blocking_keys(person: Features, *, asking: bool = False) -> set[str]:
    """Every blocking key of a prepared record (see the module docstring).

    Args:
        person: the prepared record.
        asking: the record looks others up (a request) rather than being looked up; it
            then also asks with its names the other way round, in case the two were
            written in each other's column. (Indexing both ways would put every holding
            named Oleksandr whose surname starts with P in one block.)
    """
    forms = person.forms
    strict, spelling = _name_part_keys(forms.family, forms.given, asking)
    keys = set(strict)
    birth = person.birth
    covered = birth is not None and (birth.day is not None or forms.patronymic is not None)
    if not covered or not asking:  # a full date or a patronymic gives gd or gpy keys
        keys.update(spelling)
    if birth is not None:
        keys.update(_year_keys("fy", forms.family.skeletons, birth.year))
        if asking:
            keys.update(_year_keys("fy", forms.given.skeletons, birth.year))
        if birth.day is not None:
            full = birth.isoformat()
            keys.update(f"gd:{stem}|{full}" for stem in forms.given.skeletons)
        if forms.patronymic is not None:
            keys.update(_patronymic_keys(forms.given, forms.patronymic, birth.year))
    if person.service_number:
        keys.add(f"s:{person.service_number}")
    if person.document_number:
        keys.add(f"d:{person.document_number}")
    return keys


def duplicate_keys(person: Features, *, asking: bool = False) -> set[str]:
    """The keys two requests for one person share: whole name, or an identity number.

    Duplicates are merged only when both names agree at least by skeleton (see
    ``parley.matching.duplicates``), so a family-name and a given-name skeleton together
    are a key that loses none, and far sharper than the keys of ``blocking_keys``.
    """
    forms = person.forms
    orders = [(forms.family, forms.given)]
    if asking:  # the names may stand in each other's column
        orders.append((forms.given, forms.family))
    keys = {
        f"fg:{family}|{given}"
        for surname, name in orders
        for family in surname.skeletons
        for given in name.skeletons
    }
    if person.service_number:
        keys.add(f"s:{person.service_number}")
    if person.document_number:
        keys.add(f"d:{person.document_number}")
    return keys


def _keys_of(person: Features, *, asking: bool, same_list: bool) -> set[str]:
    if same_list:
        return duplicate_keys(person, asking=asking)
    return blocking_keys(person, asking=asking)


def _index(holdings: Sequence[Features], same_list: bool) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for position, holding in enumerate(holdings):
        for key in _keys_of(holding, asking=False, same_list=same_list):
            index[key].append(position)
    return index


def block(
    requests: Sequence[Features],
    holdings: Sequence[Features],
    *,
    same_list: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> Blocking:
    """The holdings to score with each request.

    Args:
        requests: prepared requests.
        holdings: prepared holdings.
        same_list: the two are one list (looking for duplicates): the keys are those of
            ``duplicate_keys``, a record is not paired with itself, and each pair is kept
            once, from its earlier record.
        on_progress: called with requests done and requests in all.

    Returns:
        The kept pairs by request.
    """
    index = _index(holdings, same_list)
    pairs: list[list[int]] = []
    loose: list[frozenset[int]] = []
    count = oversized = 0
    for position, request in enumerate(requests):
        found: set[int] = set()
        reached_loosely: set[int] = set()
        for key in _keys_of(request, asking=True, same_list=same_list):
            members = index.get(key)
            if not members:
                continue
            if len(members) > MAX_BLOCK:
                oversized += 1
                continue
            (reached_loosely if key.startswith(LOOSE) else found).update(members)
        if same_list:
            found.discard(position)
        only_loosely = frozenset(reached_loosely - found)
        pairs.append(sorted(found | only_loosely))
        loose.append(only_loosely)
        count += len(found) + len(only_loosely)
        if on_progress is not None and position % 1000 == 999:
            on_progress(position + 1, len(requests))
    if same_list:
        pairs = _each_pair_once(pairs)
        count = sum(map(len, pairs))
    return Blocking(pairs=pairs, count=count, oversized_keys=oversized, loose=loose)


def _each_pair_once(pairs: list[list[int]]) -> list[list[int]]:
    """Within one list, keep each pair once, under its earlier record."""
    once: list[set[int]] = [set() for _ in pairs]
    for position, others in enumerate(pairs):
        for other in others:
            first, second = min(position, other), max(position, other)
            once[first].add(second)
    return [sorted(found) for found in once]


def blocked_pairs(requests: Sequence[Record], holdings: Sequence[Record]) -> set[tuple[str, str]]:
    """The ``(request_id, holding_id)`` pairs blocking keeps: what ``reconcile`` scores.

    For measuring blocking's recall against an answer key.
    """
    asked = [prepare(record) for record in requests]
    held = [prepare(record) for record in holdings]
    kept = block(asked, held).pairs
    return {
        (requests[r].record_id, holdings[h].record_id)
        for r, chosen in enumerate(kept)
        for h in chosen
    }
