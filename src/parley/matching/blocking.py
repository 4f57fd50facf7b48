"""Blocking: which request-holding pairs are worth scoring at all.

Scoring every pair of 50,000 requests and 200,000 holdings is ten billion comparisons;
blocking keeps the pairs that share at least one key. The keys come from different
fields, so that one field written wrong (a mistyped surname, a missing or wrong date, a
given name outside the dictionary) does not lose a true pair:

- ``n``: a family-name skeleton and a given-name initial; a request also asks with its
  names the other way round (``parley.matching.forms.name_keys``);
- ``c``: the same with the family-name skeleton's vowels dropped, so that the vowels
  Ukrainian and Russian spell differently (Chornyi and Черный, Bilous and Белоус, Palii
  and Палей) do not part a pair when a Latin name was read back into the wrong root;
- ``fp`` and ``fe``: the first three or the last four letters of a family-name skeleton
  and a given-name skeleton, asked by a request that has neither a full date nor a
  patronymic with its year (which the ``gd`` and ``gpy`` keys would cover), so that a
  mistyped surname is still found;
- ``fy``: a family-name skeleton and the year of birth;
- ``gd``: a given-name skeleton and the full date of birth;
- ``gpy``: given-name and patronymic skeletons and the year of birth;
- ``s`` and ``d``: the service number and the document number.

A key that more than ``MAX_BLOCK`` holdings share (a very common name with no date) is
dropped for that request and counted, never silently truncated.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from parley.matching.features import Features
from parley.matching.forms import name_keys

__all__ = ["LOOSE", "MAX_BLOCK", "Blocking", "block", "blocking_keys"]

MAX_BLOCK = 2_000
LOOSE = ("fp:", "fe:")


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


def _consonants(key: str) -> str:
    """A name key with the vowels of its skeleton dropped (``cherni|v`` -> ``chrn|v``)."""
    family, _bar, initial = key.partition("|")
    return f"{family.translate(_VOWELS)}|{initial}"


def _year_keys(prefix: str, stems: frozenset[str], year: int) -> Iterator[str]:
    for stem in stems:
        yield f"{prefix}:{stem}|{year}"


def blocking_keys(person: Features, *, asking: bool = False) -> set[str]:
    """Every blocking key of a prepared record (see the module docstring).

    Args:
        person: the prepared record.
        asking: the record looks others up (a request) rather than being looked up; it
            then also asks with its given name as a family name, in case the two were
            written in each other's column. (Indexing both ways would put every holding
            named Oleksandr born in 1990 in one block.)
    """
    forms = person.forms
    named = name_keys(forms, include_swapped=asking)
    keys = {f"n:{key}" for key in named}
    keys.update(f"c:{_consonants(key)}" for key in named)
    birth = person.birth
    covered = birth is not None and (birth.day is not None or forms.patronymic is not None)
    if not covered or not asking:  # a full date or a patronymic gives gd or gpy keys
        keys.update(
            f"{part}:{piece}|{given}"
            for family in forms.family.skeletons
            for part, piece in (("fp", family[:3]), ("fe", family[-4:]))
            for given in forms.given.skeletons
        )
    if birth is not None:
        keys.update(_year_keys("fy", forms.family.skeletons, birth.year))
        if asking:
            keys.update(_year_keys("fy", forms.given.skeletons, birth.year))
        if birth.day is not None:
            full = birth.isoformat()
            keys.update(f"gd:{stem}|{full}" for stem in forms.given.skeletons)
        if forms.patronymic is not None:
            keys.update(
                f"gpy:{given}|{patronymic}|{birth.year}"
                for given in forms.given.skeletons
                for patronymic in forms.patronymic.skeletons
            )
    if person.service_number:
        keys.add(f"s:{person.service_number}")
    if person.document_number:
        keys.add(f"d:{person.document_number}")
    return keys


def _index(holdings: Sequence[Features]) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for position, holding in enumerate(holdings):
        for key in blocking_keys(holding):
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
        same_list: the two are one list (looking for duplicates): a record is not paired
            with itself, and each pair is kept once, from its earlier record.
        on_progress: called with requests done and requests in all.

    Returns:
        The kept pairs by request.
    """
    index = _index(holdings)
    pairs: list[list[int]] = []
    loose: list[frozenset[int]] = []
    count = oversized = 0
    for position, request in enumerate(requests):
        found: set[int] = set()
        reached_loosely: set[int] = set()
        for key in blocking_keys(request, asking=True):
            members = index.get(key)
            if not members:
                continue
            if len(members) > MAX_BLOCK:
                oversized += 1
                continue
            (reached_loosely if key.startswith(LOOSE) else found).update(members)
        if same_list:  # duplicates need a strict key: a loose one is no evidence of one person
            found.discard(position)
            reached_loosely.clear()
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
