"""Labelled cross-script data for measuring reconciliation (issue 3).

Ukraine asks for its people in Ukrainian forms (Олександр Миколайович Лисенко), in
Cyrillic or in Latin: mostly the KMU 2010 passport spelling (Oleksandr Lysenko), some in
a Russian scheme (ICAO 9303 of the Ukrainian form; ICAO 9303, GOST R 52535.1, MVD 310 or
BGN/PCGN of the Russian form). Russia holds them in Russian forms (Александр Николаевич
Лысенко). Requests carry typos, missing, partial and wrong birth dates (day and month
swapped, a mistyped digit, the year off by one), missing patronymics and family and given
names in each other's place; about 30% ask for someone not held. Distractors make it hard
on purpose: brothers held together (one surname and patronymic, another given name and
birth date) and namesakes (a common name, the same birth year). A few people are asked for
twice, by two sources.

Each request's ``kinds`` entry names what was done to it, as ``+``-joined tags, so that a
benchmark can count errors by kind. Everything is made up; nobody in it exists.
"""

from __future__ import annotations

import calendar
import datetime
import functools
import itertools
import random
from dataclasses import dataclass, replace
from typing import NamedTuple

from parley.domain.dates import PartialDate
from parley.matching.results import Record
from parley.matching.romanisation import romanise
from parley.synthetic.catalogue import below, catalogue, pick, service_number
from parley.synthetic.names import Spelling, name_book, surname_pool

__all__ = [
    "LATIN_SCHEMES",
    "MatchingData",
    "generate_matching_data",
    "held_out_given_names",
]

HELD_SHARE = 0.70  # of the people requested, those really held
DUPLICATE_SHARE = 0.02  # of requests, a second request for someone already asked for
SIBLING_SHARE = 0.06  # of people requested, those with a brother in the holdings
NAMESAKE_SHARE = 0.06  # of people requested, those with a namesake in the holdings
WOMEN_SHARE = 0.07
LATIN_SHARE = 0.35  # of requests, written in Latin letters
SHOUTED_SHARE = 0.25  # of Latin requests, in capitals as a passport prints them
# Latin schemes as (scheme, which Cyrillic form it renders) and their weights.
LATIN_SCHEMES = (
    ("kmu2010", "uk"), ("icao9303", "uk"), ("icao9303", "ru"), ("gost52535", "ru"),
    ("mvd310", "ru"), ("bgn_pcgn", "ru"),
)  # fmt: skip
_LATIN_CUM = tuple(itertools.accumulate((80, 5, 6, 3, 3, 3)))
# Common names for namesakes: this many of the most frequent surnames and given names.
_COMMON = 15
# Surnames are ranked listed first, then composed (``_surname_pool``); this skew keeps the
# commonest at about 0.3% of people, as Мельник is in Ukraine.
_SURNAME_SKEW = 0.3
_REFERENCE = datetime.date(2025, 6, 1)
_ALPHABETS = {
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "en": "abcdefghijklmnopqrstuvwxyz",
}


class MatchingData(NamedTuple):
    """Requests, holdings and the answer key.

    Attributes:
        requests: Ukrainian-form requests, in Cyrillic or Latin.
        holdings: Russian-form holdings, in Russian Cyrillic.
        truth: request id -> the id of the holding that is the same person; requests for
            someone not held are absent.
        kinds: request id -> ``+``-joined tags: how it is written (``cyrillic``,
            ``latin_kmu2010``, ``latin_icao9303_ru`` ...), ``held`` or ``not_held``,
            ``sibling`` or ``namesake`` when such a distractor is held, ``duplicate`` for a
            second request, then each change made to the request (``typo_family``,
            ``swapped_names``, ``no_patronymic``, ``year_only``, ``date_swapped``, ...) and,
            prefixed ``h_``, each made to its true holding.
        duplicates: ``(first request id, second request id)`` for each person asked for
            twice.
    """

    requests: list[Record]
    holdings: list[Record]
    truth: dict[str, str]
    kinds: dict[str, str]
    duplicates: list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class _Person:
    """One made-up Ukrainian national, every name in every spelling."""

    sex: str
    family: Spelling
    given: Spelling
    patronymic: Spelling
    birth: datetime.date
    birth_place: Spelling
    service_number: str


@dataclass(slots=True)
class _Subject:
    """A person requested: whether held, the distractor held beside them, their holding."""

    person: _Person
    held: bool
    distractor: str = ""  # "sibling", "namesake" or ""
    holding_id: str = ""
    holding_tags: tuple[str, ...] = ()


def generate_matching_data(seed: int, requests: int, holdings: int) -> MatchingData:
    """Make up labelled requests and holdings; the same arguments give the same data.

    Args:
        seed: selects the data.
        requests: how many requests, duplicates included.
        holdings: how many holdings; at least the people requested who are held and
            the distractors (about 0.8 x ``requests``).

    Raises:
        ValueError: a negative size, or too few holdings for the requests.
    """
    if requests < 0 or holdings < 0:
        raise ValueError("requests and holdings must not be negative")
    rng = random.Random(f"parley.synthetic.matching:{seed}")
    subjects = _subjects(rng, requests - round(requests * DUPLICATE_SHARE))
    held = [s for s in subjects if s.held]
    people = [s.person for s in held] + [_distractor(rng, s) for s in subjects if s.distractor]
    if len(people) > holdings:
        raise ValueError(f"{holdings} holdings cannot hold the {len(people)} people needed")
    rows, ids, tags = _holdings(rng, people, holdings)
    for subject, holding_id, holding_tags in zip(held, ids, tags, strict=False):
        subject.holding_id, subject.holding_tags = holding_id, holding_tags
    order = [
        *range(len(subjects)),
        *(below(rng, len(subjects)) for _ in range(requests - len(subjects))),
    ]
    rng.shuffle(order)
    return _requests(rng, subjects, order, rows)


def held_out_given_names(seed: int, share: float = 0.2) -> frozenset[str]:
    """Ukrainian forms of about ``share`` of the given names the generator draws from.

    A benchmark withholds them from the matcher's dictionary
    (``parley.matching.holdout``) so that the equivalence step is not scored on the very
    pairs the data was made from.

    Raises:
        ValueError: ``share`` is not in [0, 1].
    """
    if not 0 <= share <= 1:
        raise ValueError(f"share must be in [0, 1], not {share}")
    book = name_book("UA")
    names = sorted({s.native for s in (*book.male_given, *book.female_given)})
    rng = random.Random(f"parley.synthetic.matching:{seed}:held-out")
    return frozenset(rng.sample(names, round(len(names) * share)))


@functools.cache
def _surname_cum() -> tuple[float, ...]:
    """Cumulative surname weights over the pool (see ``_SURNAME_SKEW``)."""
    count = len(surname_pool())
    return tuple(itertools.accumulate(r**-_SURNAME_SKEW for r in range(1, count + 1)))


def _birth(rng: random.Random) -> datetime.date:
    """A birth date giving an age of 18 to 60, most in the thirties."""
    year = _REFERENCE.year - int(rng.triangular(18, 61, 32))
    return datetime.date(year, 1, 1) + datetime.timedelta(days=below(rng, 365))


def _person(rng: random.Random, *, sex: str = "", common: bool = False) -> _Person:
    """A made-up person of ``sex`` (drawn when empty); ``common``: one of the commonest names."""
    book = name_book("UA")
    sex = sex or ("F" if rng.random() < WOMEN_SHARE else "M")
    names, cum = (
        (book.female_given, book.female_cum) if sex == "F" else (book.male_given, book.male_cum)
    )
    if common:
        surname = book.surnames[below(rng, _COMMON)]
        given = names[below(rng, _COMMON)]
    else:
        surname = pick(rng, surname_pool(), _surname_cum())
        given = pick(rng, names, cum)
    places = catalogue().birth_places["UA"]
    return _Person(
        sex=sex,
        family=surname.for_sex(sex),
        given=given,
        patronymic=_patronymic(rng, sex),
        birth=_birth(rng),
        birth_place=places[below(rng, len(places))],
        service_number=service_number(rng, "UA"),
    )


def _patronymic(rng: random.Random, sex: str) -> Spelling:
    """A patronymic for a child of ``sex``, the father's name drawn by frequency."""
    book = name_book("UA")
    sons, daughters = pick(rng, book.patronymics, book.male_cum)
    return daughters if sex == "F" else sons


def _subjects(rng: random.Random, count: int) -> list[_Subject]:
    """The people requested: about 70% held, some with a brother or a namesake held."""
    subjects: list[_Subject] = []
    for _ in range(count):
        roll = rng.random()
        distractor = (
            "sibling" if roll < SIBLING_SHARE
            else "namesake" if roll < SIBLING_SHARE + NAMESAKE_SHARE
            else ""
        )  # fmt: skip
        # Brothers and namesakes are men; namesakes bear one of the commonest names.
        person = (
            _person(rng, sex="M", common=distractor == "namesake") if distractor else _person(rng)
        )
        subjects.append(_Subject(person, rng.random() < HELD_SHARE, distractor))
    return subjects


def _other_day(rng: random.Random, day: datetime.date, year: int) -> datetime.date:
    """A day of ``year`` other than ``day``."""
    while True:
        other = datetime.date(year, 1, 1) + datetime.timedelta(days=below(rng, 365))
        if other != day:
            return other


def _distractor(rng: random.Random, subject: _Subject) -> _Person:
    """A brother (same surname and patronymic) or namesake (same name and birth year)."""
    person = subject.person
    if subject.distractor == "sibling":
        book = name_book("UA")
        given = person.given
        while given == person.given:
            given = pick(rng, book.male_given, book.male_cum)
        year = person.birth.year + rng.choice((-1, 1)) * (1 + below(rng, 10))
        birth = _other_day(rng, person.birth, year)
        return replace(person, given=given, birth=birth, service_number=service_number(rng, "UA"))
    # Half the namesakes share the patronymic too (drawn again, it may still agree).
    patronymic = person.patronymic if rng.random() < 0.5 else _patronymic(rng, person.sex)
    return replace(
        person,
        patronymic=patronymic,
        birth=_other_day(rng, person.birth, person.birth.year),
        birth_place=_person(rng).birth_place,
        service_number=service_number(rng, "UA"),
    )


def _holdings(
    rng: random.Random, people: list[_Person], count: int
) -> tuple[list[Record], list[str], list[tuple[str, ...]]]:
    """Holdings of ``people`` and of people nobody asked for, ``count`` in all, in id order.

    Returns:
        The records, and the id and the changes made of each of ``people`` in turn.
    """
    everyone = people + [_person(rng) for _ in range(count - len(people))]
    numbers = list(range(1, count + 1))
    rng.shuffle(numbers)  # ids say nothing of who was requested
    rows: dict[int, Record] = {}
    ids: list[str] = []
    tags: list[tuple[str, ...]] = []
    for person, number in zip(everyone, numbers, strict=True):
        record_id = f"H-{number:06d}"
        rows[number], changes = _holding(rng, person, record_id)
        ids.append(record_id)
        tags.append(changes)
    return [rows[n] for n in range(1, count + 1)], ids[: len(people)], tags[: len(people)]


def _holding(rng: random.Random, person: _Person, record_id: str) -> tuple[Record, tuple[str, ...]]:
    """The holding party's record of ``person``, and the changes made to it."""
    tags: list[str] = []
    names = [person.family.foreign, person.given.foreign, person.patronymic.foreign]
    if rng.random() < 0.5:  # Russian registers often write е for ё
        names = [name.replace("ё", "е") for name in names]
    if rng.random() < 0.02:
        names[0] = _typo(rng, names[0], "ru")
        tags.append("h_typo")
    if rng.random() < 0.03:
        names[2] = ""
        tags.append("h_no_patronymic")
    birth: PartialDate | None = PartialDate(person.birth.year, person.birth.month, person.birth.day)
    roll = rng.random()
    if roll < 0.02:
        birth = PartialDate(person.birth.year)
        tags.append("h_year_only")
    elif roll < 0.03:
        birth = None
        tags.append("h_no_date")
    record = Record(
        record_id=record_id,
        family_name=names[0],
        given_name=names[1],
        patronymic=names[2],
        name_lang="ru",
        sex=person.sex,
        birth_date=birth,
        birth_place=person.birth_place.foreign if rng.random() < 0.7 else "",
        service_number=person.service_number if rng.random() < 0.5 else "",
    )
    return record, tuple(tags)


def _requests(
    rng: random.Random, subjects: list[_Subject], order: list[int], holdings: list[Record]
) -> MatchingData:
    """Write a request for each subject index in ``order``; one met again is a duplicate."""
    records: list[Record] = []
    truth: dict[str, str] = {}
    kinds: dict[str, str] = {}
    duplicates: list[tuple[str, str]] = []
    first: dict[int, str] = {}
    for number, index in enumerate(order, start=1):
        subject, record_id = subjects[index], f"R-{number:06d}"
        record, tags = _request(rng, subject.person, record_id)
        relation = ["held" if subject.held else "not_held"]
        relation += [subject.distractor] if subject.distractor else []
        if index in first:
            duplicates.append((first[index], record_id))
            relation.append("duplicate")
        first.setdefault(index, record_id)
        if subject.held:
            truth[record_id] = subject.holding_id
        records.append(record)
        tags[1:1] = relation
        kinds[record_id] = "+".join(t for t in (*tags, *subject.holding_tags) if t)
    return MatchingData(records, holdings, truth, kinds, duplicates)


def _script(rng: random.Random) -> tuple[str, str]:
    """How a request is written: ``("cyrillic", "uk")`` or a Latin scheme and its form."""
    if rng.random() >= LATIN_SHARE:
        return "cyrillic", "uk"
    return pick(rng, LATIN_SCHEMES, _LATIN_CUM)


def _written(spelling: Spelling, script: tuple[str, str]) -> str:
    """``spelling`` as a request written in ``script`` has it."""
    scheme, form = script
    if scheme == "cyrillic":
        return spelling.native
    if scheme == "kmu2010":
        return spelling.latin
    return romanise(spelling.native if form == "uk" else spelling.foreign, scheme)


def _names(
    rng: random.Random, person: _Person, script: tuple[str, str]
) -> tuple[list[str], list[str]]:
    """Family name, given name and patronymic as a request writes them, and the changes."""
    latin = script[0] != "cyrillic"
    names = [_written(s, script) for s in (person.family, person.given, person.patronymic)]
    tags = []
    for i, part, share in ((0, "family", 0.05), (1, "given", 0.02)):
        if rng.random() < share:
            names[i] = _typo(rng, names[i], "en" if latin else "uk")
            tags.append(f"typo_{part}")
    if rng.random() >= (0.2 if latin else 0.9):  # passports print no patronymic
        names[2] = ""
        tags.append("no_patronymic")
    if rng.random() < 0.02:
        names[:2] = names[1], names[0]
        tags.append("swapped_names")
    if latin and rng.random() < SHOUTED_SHARE:
        names = [name.upper() for name in names]
    return names, tags


def _request(rng: random.Random, person: _Person, record_id: str) -> tuple[Record, list[str]]:
    """One request for ``person``, and the tags of how it was written and changed."""
    script = _script(rng)
    scheme, form = script
    tag = "cyrillic" if scheme == "cyrillic" else "_".join(("latin", scheme, form))
    (family, given, patronymic), tags = _names(rng, person, script)
    birth, date_tag = _request_date(rng, person.birth)
    record = Record(
        record_id=record_id,
        family_name=family,
        given_name=given,
        patronymic=patronymic,
        name_lang="uk" if scheme == "cyrillic" else "en",
        sex=person.sex if rng.random() < 0.9 else "",
        birth_date=birth,
        birth_place=_written(person.birth_place, script) if rng.random() < 0.6 else "",
        service_number=person.service_number if rng.random() < 0.2 else "",
        source=("family", "official_register", "neutral_agency")[below(rng, 3)],
    )
    return record, [tag.removesuffix("_uk") if scheme == "kmu2010" else tag, *tags, date_tag]


def _request_date(rng: random.Random, day: datetime.date) -> tuple[PartialDate | None, str]:
    """The birth date as a request gives it, and a tag for what went wrong ("" if exact)."""
    roll = rng.random()
    if roll < 0.72:
        return PartialDate(day.year, day.month, day.day), ""
    if roll < 0.77:
        return None, "no_date"
    if roll < 0.85:
        return PartialDate(day.year), "year_only"
    if roll < 0.89:
        return PartialDate(day.year, day.month), "year_month"
    if roll < 0.93 and day.day <= 12 and day.day != day.month:
        return PartialDate(day.year, day.day, day.month), "date_swapped"
    if roll < 0.96:  # and the swaps that cannot be (the 13th or later)
        last = calendar.monthrange(day.year, day.month)[1]
        typos = [d for d in range(1, last + 1) if _one_digit_apart(d, day.day)]
        return PartialDate(day.year, day.month, rng.choice(typos)), "date_typo"
    year = day.year + rng.choice((-1, 1))
    return PartialDate(year, day.month, min(day.day, 28 if day.month == 2 else day.day)), "year_off"


def _one_digit_apart(a: int, b: int) -> bool:
    """Whether two days of the month, written with two digits, differ in exactly one."""
    return sum(x != y for x, y in zip(f"{a:02d}", f"{b:02d}", strict=True)) == 1


def _typo(rng: random.Random, text: str, alphabet: str) -> str:
    """``text`` with one slip: a letter dropped, doubled, swapped with the next, or wrong."""
    if len(text) < 3:
        return text
    i = below(rng, len(text) - 1)
    slip = below(rng, 4)
    if slip == 0:
        return text[:i] + text[i + 1 :]
    if slip == 1:
        return text[:i] + text[i] + text[i:]
    if slip == 2:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    letters = _ALPHABETS[alphabet]
    letter = letters[below(rng, len(letters))]
    return text[:i] + (letter.upper() if text[i].isupper() else letter) + text[i + 1 :]
