"""A deterministic, wholly synthetic exchange scenario between Ukraine and Russia.

Each party holds the other's nationals and asks for its own. The generator writes both
sides' records the way their officials and families would: a Russian register writes a
Ukrainian soldier in Russian Cyrillic with Russian name forms (Александр Николаевич
Лысенко), his family writes him in Ukrainian (Олександр Миколайович Лисенко) or in the
Latin of his passport (Oleksandr Lysenko), with partial and mistyped birth dates. The
answer key (``Scenario.truth``) says which request is which holding, so that matching can
be measured. Nobody in it exists.
"""

from __future__ import annotations

import calendar
import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from parley.synthetic.catalogue import (
    below,
    catalogue,
    cumulative,
    document_number,
    pick,
    service_number,
)
from parley.synthetic.names import Spelling, name_book

__all__ = [
    "CATEGORIES",
    "HEALTH",
    "HOLDING_COLUMNS",
    "PARTIES",
    "PRIORITIES",
    "REQUEST_COLUMNS",
    "SERIOUSLY_ILL_BASES",
    "SOURCES",
    "WAR_START",
    "Scenario",
    "generate_scenario",
]

T = TypeVar("T")

PARTIES = ("UA", "RU")
HOLDING_COLUMNS = (
    "record_id", "family_name", "given_name", "patronymic", "name_lang", "sex", "birth_date",
    "birth_place", "nationality", "mother_maiden_name", "category", "rank", "service_number",
    "unit", "document_number", "captured_on", "capture_place", "detention_place", "health",
    "seriously_ill", "seriously_ill_basis",
)  # fmt: skip
REQUEST_COLUMNS = (
    "record_id", "family_name", "given_name", "patronymic", "name_lang", "sex", "birth_date",
    "birth_place", "nationality", "mother_maiden_name", "category", "rank", "service_number",
    "unit", "document_number", "captured_on", "capture_place", "priority", "source",
)  # fmt: skip
CIVILIAN_CATEGORIES = ("civilian_internee", "civilian_detainee", "convicted", "proceedings_pending")
CATEGORIES = ("pow", *CIVILIAN_CATEGORIES)
HEALTH = (
    "good", "not_wounded", "recovered", "convalescent", "sick", "slightly_wounded",
    "seriously_wounded",
)  # fmt: skip
SERIOUSLY_ILL_BASES = (
    "art110_direct_1", "art110_direct_2", "art110_direct_3", "mmc_decision", "manifest",
)  # fmt: skip
PRIORITIES = ("urgent", "high", "normal", "low")
SOURCES = ("family", "official_register", "neutral_agency")
WAR_START = datetime.date(2022, 2, 24)

# Target shares; each is the probability of one draw, so realised shares vary a little.
MILITARY_SHARE = 0.90
WOMEN_SHARE = {True: 0.07, False: 0.35}  # keyed by "is military"
UNDER_25_SHARE = 0.15
SERIOUSLY_ILL_SHARE = 0.04
HELD_SHARE = 0.80  # of a party's requests, those the other party really holds
LATIN_SHARE = 0.40  # of requests, written in Latin letters
SWAPPED_SHARE = 0.01  # of requests, given and family name in each other's column
DOTTED_SHARE = 1 / 3  # of full dates, written DD.MM.YYYY

# Cumulative weights, in the order of the tuples above.
_HEALTH_CUM = cumulative((34, 30, 12, 6, 6, 10, 2))
_CIVILIAN_CUM = cumulative((30, 40, 15, 15))
_BASIS_CUM = cumulative((30, 25, 15, 20, 10))
_SOURCE_CUM = cumulative((50, 40, 10))
_SERIOUS_HEALTH = ("seriously_wounded", "sick", "convalescent")
_SERIOUS_HEALTH_CUM = cumulative((70, 25, 5))
_PRIORITY_CUM = {
    "seriously_ill": cumulative((60, 40, 0, 0)),
    "woman_or_young": cumulative((10, 50, 40, 0)),
    "other": cumulative((5, 20, 60, 15)),
}
_SERVICE_NUMBER_KNOWN = {"family": 0.3, "official_register": 0.7, "neutral_agency": 0.5}
_NAME_LANGUAGE = {"UA": "uk", "RU": "ru"}


@dataclass(frozen=True, slots=True)
class Scenario:
    """Both parties' holdings and requests, and the answer key linking them.

    Attributes:
        holdings: holding party code -> rows (``HOLDING_COLUMNS``, all strings).
        requests: requesting party code -> rows (``REQUEST_COLUMNS``, all strings).
        truth: one ``(requesting party, request record_id, holding record_id)`` per
            request; the holding id is ``""`` when the person is not held.
    """

    holdings: dict[str, list[dict[str, str]]]
    requests: dict[str, list[dict[str, str]]]
    truth: list[tuple[str, str, str]]


@dataclass(frozen=True, slots=True)
class _Person:
    """One made-up person, with every spelling any record of them may use."""

    nationality: str
    sex: str
    category: str
    surname: Spelling
    given: Spelling
    patronymic: Spelling
    mother_maiden: Spelling
    birth: datetime.date
    birth_place: Spelling
    rank: Spelling | None
    unit: Spelling | None
    service_number: str
    document_number: str
    captured_on: datetime.date
    capture_place: Spelling
    health: str
    seriously_ill_basis: str


def generate_scenario(
    *,
    seed: int,
    on: datetime.date,
    holdings_per_side: int = 6000,
    requests_per_side: int = 2000,
) -> Scenario:
    """Make up a scenario: who each party holds, whom each asks for, and the true links.

    RU holds ``holdings_per_side`` Ukrainians written in Russian; UA holds as many
    Russians written in Ukrainian. Each party then requests ``requests_per_side`` of its
    own nationals, about 80% of whom the other party really holds. The same arguments
    always give the same scenario, byte for byte.

    Args:
        seed: selects the scenario; a different seed gives a different one.
        on: the date the scenario describes: ages are taken on it and captures precede it.
        holdings_per_side: how many people each party holds.
        requests_per_side: how many requests each party makes.

    Raises:
        ValueError: a negative size, or ``on`` not after the start of the war.
    """
    if holdings_per_side < 0 or requests_per_side < 0:
        raise ValueError("holdings_per_side and requests_per_side must not be negative")
    if on <= WAR_START:
        raise ValueError(f"on must be after {WAR_START.isoformat()}, the start of the war")
    holdings: dict[str, list[dict[str, str]]] = {}
    held: dict[str, list[_Person]] = {}
    for holder in ("RU", "UA"):
        held[holder], holdings[holder] = _holdings(seed, holder, holdings_per_side, on)
    requests: dict[str, list[dict[str, str]]] = {}
    truth: list[tuple[str, str, str]] = []
    for requester in PARTIES:
        rng = random.Random(f"parley.synthetic:{seed}:{requester}:requests")
        holder = _other(requester)
        rows, links = _requests(rng, requester, held[holder], requests_per_side, on)
        requests[requester] = rows
        truth.extend(links)
    return Scenario(holdings=holdings, requests=requests, truth=truth)


def _holdings(
    seed: int, holder: str, count: int, on: datetime.date
) -> tuple[list[_Person], list[dict[str, str]]]:
    """The people ``holder`` holds (the other party's nationals) and its records of them."""
    rng = random.Random(f"parley.synthetic:{seed}:{holder}:holdings")
    people = [_draw_person(rng, _other(holder), on) for _ in range(count)]
    rows = [
        _holding_row(rng, person, f"{holder}-H-{number:06d}", holder)
        for number, person in enumerate(people, start=1)
    ]
    return people, rows


def _other(party: str) -> str:
    """The party across the table from ``party``."""
    return "UA" if party == "RU" else "RU"


# ---------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------


def _draw_person(rng: random.Random, nationality: str, on: datetime.date) -> _Person:
    """Make up one person of ``nationality``: identity, service and custody."""
    military = rng.random() < MILITARY_SHARE
    category = "pow" if military else pick(rng, CIVILIAN_CATEGORIES, _CIVILIAN_CUM)
    sex = "F" if rng.random() < WOMEN_SHARE[military] else "M"
    birth = _draw_birth(rng, on, military)
    book, places = name_book(nationality), catalogue()
    given_names, given_cum = (
        (book.female_given, book.female_cum) if sex == "F" else (book.male_given, book.male_cum)
    )
    patronymic = pick(rng, book.patronymics, book.male_cum)[0 if sex == "M" else 1]
    health, basis = _draw_health(rng)
    return _Person(
        nationality=nationality,
        sex=sex,
        category=category,
        surname=pick(rng, book.surnames, book.surnames_cum).for_sex(sex),
        given=pick(rng, given_names, given_cum),
        patronymic=patronymic,
        mother_maiden=pick(rng, book.surnames, book.surnames_cum).female,
        birth=birth,
        birth_place=_one_of(rng, places.birth_places[nationality]),
        rank=pick(rng, places.ranks[nationality], places.rank_cum) if military else None,
        unit=_draw_unit(rng, nationality) if military else None,
        service_number=service_number(rng, nationality) if military else "",
        document_number=document_number(rng, nationality),
        captured_on=_draw_capture(rng, birth, on),
        capture_place=_one_of(rng, places.capture_places[nationality]),
        health=health,
        seriously_ill_basis=basis,
    )


def _draw_unit(rng: random.Random, nationality: str) -> Spelling:
    """A unit of ``nationality``'s forces with a made-up number."""
    places = catalogue()
    return pick(rng, places.units[nationality], places.unit_cum[nationality]).draw(rng, nationality)


def _one_of(rng: random.Random, items: Sequence[T]) -> T:
    """One of ``items``, each equally likely."""
    return items[below(rng, len(items))]


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _random_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    """A day from ``first`` to ``last`` inclusive, each equally likely."""
    return first + datetime.timedelta(days=below(rng, max(0, (last - first).days) + 1))


def _draw_birth(rng: random.Random, on: datetime.date, military: bool) -> datetime.date:
    """A birth date giving an age of 18 to 65 on ``on``, about 15% under 25."""
    if rng.random() < UNDER_25_SHARE:
        age = 18 + below(rng, 7)
    else:
        age = min(65, int(rng.triangular(25, 66, 34 if military else 45)))
    latest = _years_before(on, age)
    earliest = _years_before(on, age + 1) + datetime.timedelta(days=1)
    return _random_day(rng, earliest, latest)


def _draw_capture(rng: random.Random, birth: datetime.date, on: datetime.date) -> datetime.date:
    """A capture date from the start of the war (or the 18th birthday) to the day before ``on``."""
    last = on - datetime.timedelta(days=1)
    first = min(max(WAR_START, _years_before(birth, -18)), last)
    return _random_day(rng, first, last)


def _draw_health(rng: random.Random) -> tuple[str, str]:
    """Health on the capture-card scale, and the seriously-ill basis ("" if not)."""
    if rng.random() < SERIOUSLY_ILL_SHARE:
        health = pick(rng, _SERIOUS_HEALTH, _SERIOUS_HEALTH_CUM)
        return health, pick(rng, SERIOUSLY_ILL_BASES, _BASIS_CUM)
    return pick(rng, HEALTH, _HEALTH_CUM), ""


# ---------------------------------------------------------------------------------------
# Dates as people write them
# ---------------------------------------------------------------------------------------


def _full_date(rng: random.Random, day: datetime.date) -> str:
    """ISO, or DD.MM.YYYY for about a third, as officials often write."""
    if rng.random() < DOTTED_SHARE:
        return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
    return day.isoformat()


def _holding_birth_date(rng: random.Random, birth: datetime.date) -> str:
    """The birth date as a detaining party records it: nearly always in full."""
    roll = rng.random()
    if roll < 0.02:
        return f"{birth.year:04d}"
    if roll < 0.03:
        return f"{birth.year:04d}-{birth.month:02d}"
    return _full_date(rng, birth)


def _request_birth_date(rng: random.Random, birth: datetime.date) -> str:
    """The birth date as a family or register gives it: 80% exact, some partial, 5% wrong."""
    roll = rng.random()
    if roll < 0.80:
        return _full_date(rng, birth)
    if roll < 0.90:
        return f"{birth.year:04d}"
    if roll < 0.95:
        return f"{birth.year:04d}-{birth.month:02d}"
    return _full_date(rng, _wrong_date(rng, birth))


def _wrong_date(rng: random.Random, day: datetime.date) -> datetime.date:
    """A plausible mistake: day and month swapped, the year off by one, or a mistyped digit."""
    mistake = rng.randrange(3)
    if mistake == 0 and day.day <= 12 and day.day != day.month:
        return day.replace(month=day.day, day=day.month)
    if mistake == 2:
        last = calendar.monthrange(day.year, day.month)[1]
        tens = day.day // 10 * 10
        typos = [tens + unit for unit in range(10) if 1 <= tens + unit <= last]
        typos = [d for d in typos if d != day.day]
        if typos:
            return day.replace(day=rng.choice(typos))
    return _years_before(day, rng.choice((-1, 1)))


def _approximate(rng: random.Random, day: datetime.date, on: datetime.date) -> datetime.date:
    """A capture date as a family remembers it: exact, or a few days out."""
    if rng.random() < 0.8:
        return day
    shifted = day + datetime.timedelta(days=rng.choice((-1, 1)) * rng.randint(1, 10))
    return min(max(shifted, WAR_START), on - datetime.timedelta(days=1))


# ---------------------------------------------------------------------------------------
# Rows
# ---------------------------------------------------------------------------------------


def _maybe(rng: random.Random, share: float, value: str) -> str:
    """``value`` with probability ``share``, else ``""`` (a field left blank)."""
    return value if rng.random() < share else ""


def _holding_row(
    rng: random.Random, person: _Person, record_id: str, holder: str
) -> dict[str, str]:
    """The detaining party's record of ``person``, in the detaining party's language."""
    military = person.rank is not None
    detention = _one_of(rng, catalogue().detention[holder]).format(n=1 + below(rng, 12))
    return {
        "record_id": record_id,
        "family_name": person.surname.foreign,
        "given_name": person.given.foreign,
        "patronymic": _maybe(rng, 0.97, person.patronymic.foreign),
        "name_lang": _NAME_LANGUAGE[holder],
        "sex": person.sex,
        "birth_date": _holding_birth_date(rng, person.birth),
        "birth_place": _maybe(rng, 0.70, person.birth_place.foreign),
        "nationality": person.nationality,
        "mother_maiden_name": _maybe(rng, 0.30, person.mother_maiden.foreign),
        "category": person.category,
        "rank": _maybe(rng, 0.95, person.rank.foreign) if person.rank else "",
        "service_number": _maybe(rng, 0.85, person.service_number),
        "unit": _maybe(rng, 0.75, person.unit.foreign) if person.unit else "",
        "document_number": _maybe(rng, 0.20 if military else 0.80, person.document_number),
        "captured_on": _holding_capture(rng, person),
        "capture_place": _maybe(rng, 0.85, person.capture_place.foreign),
        "detention_place": detention,
        "health": person.health,
        "seriously_ill": "yes" if person.seriously_ill_basis else "no",
        "seriously_ill_basis": person.seriously_ill_basis,
    }


def _holding_capture(rng: random.Random, person: _Person) -> str:
    """Capture date on a holding: always for prisoners of war, 80% for civilians."""
    if person.category != "pow" and rng.random() < 0.2:
        return ""
    return person.captured_on.isoformat()


def _requests(
    rng: random.Random,
    requester: str,
    held: list[_Person],
    count: int,
    on: datetime.date,
) -> tuple[list[dict[str, str]], list[tuple[str, str, str]]]:
    """``requester``'s requests for its own people, and their true links to ``held``.

    ``held`` are the other party's holdings of ``requester``'s nationals, in record order.
    """
    holder = _other(requester)
    chosen = rng.sample(range(len(held)), min(round(count * HELD_SHARE), len(held)))
    subjects = [(held[i], f"{holder}-H-{i + 1:06d}") for i in chosen]
    subjects += [(_draw_person(rng, requester, on), "") for _ in range(count - len(subjects))]
    rng.shuffle(subjects)
    rows: list[dict[str, str]] = []
    links: list[tuple[str, str, str]] = []
    for number, (person, holding_id) in enumerate(subjects, start=1):
        record_id = f"{requester}-R-{number:06d}"
        rows.append(_request_row(rng, person, record_id, on))
        links.append((requester, record_id, holding_id))
    return rows, links


def _request_row(
    rng: random.Random, person: _Person, record_id: str, on: datetime.date
) -> dict[str, str]:
    """The requesting party's record of its own national, native Cyrillic or Latin."""
    latin = rng.random() < LATIN_SHARE
    shout = latin and rng.random() < 0.25
    source = pick(rng, SOURCES, _SOURCE_CUM)
    military = person.rank is not None

    def written(spelling: Spelling) -> str:
        """The spelling this request uses: native Cyrillic, or passport Latin."""
        text = spelling.latin if latin else spelling.native
        return text.upper() if shout else text

    row = {
        "record_id": record_id,
        "family_name": written(person.surname),
        "given_name": written(person.given),
        "patronymic": _maybe(rng, 0.05 if latin else 0.90, written(person.patronymic)),
        "name_lang": "en" if latin else _NAME_LANGUAGE[person.nationality],
        "sex": person.sex,
        "birth_date": _request_birth_date(rng, person.birth),
        "birth_place": _maybe(rng, 0.60, written(person.birth_place)),
        "nationality": person.nationality,
        "mother_maiden_name": _maybe(rng, 0.40, written(person.mother_maiden)),
        "category": _request_category(rng, person.category),
        "rank": _request_rank(rng, person.rank, latin),
        "service_number": _request_serial(rng, person, source) if military else "",
        "unit": _maybe(rng, 0.55, person.unit.native) if person.unit else "",
        "document_number": _maybe(rng, 0.35, _retyped(rng, person.document_number)),
        "captured_on": _request_capture(rng, person, on),
        "capture_place": _maybe(rng, 0.50, written(person.capture_place)),
        "priority": _priority(rng, person, on),
        "source": source,
    }
    if rng.random() < SWAPPED_SHARE:
        row["family_name"], row["given_name"] = row["given_name"], row["family_name"]
    return row


def _request_rank(rng: random.Random, rank: Spelling | None, latin: bool) -> str:
    """Rank as the requester writes it (70% give it): native title, or English in Latin."""
    if rank is None or rng.random() >= 0.70:
        return ""
    return rank.latin if latin else rank.native


def _request_category(rng: random.Random, category: str) -> str:
    """Families may not know which civilian category applies; 15% name another."""
    if category == "pow" or rng.random() < 0.85:
        return category
    return rng.choice([c for c in CIVILIAN_CATEGORIES if c != category])


def _request_serial(rng: random.Random, person: _Person, source: str) -> str:
    """The service number if the source knows it, sometimes typed without its hyphen."""
    if rng.random() >= _SERVICE_NUMBER_KNOWN[source]:
        return ""
    return _retyped(rng, person.service_number)


def _retyped(rng: random.Random, number: str) -> str:
    """A serial number as someone else types it: 15% with separators dropped or spaced."""
    if not number or rng.random() >= 0.15:
        return number
    if "-" in number or " " in number:
        return number.replace("-", "").replace(" ", "")
    return f"{number[:2]} {number[2:]}" if number[:2].isalpha() else f"{number[:4]} {number[4:]}"


def _request_capture(rng: random.Random, person: _Person, on: datetime.date) -> str:
    """Capture date as the requester knows it: always for prisoners, 60% for civilians."""
    if person.category != "pow" and rng.random() >= 0.6:
        return ""
    return _approximate(rng, person.captured_on, on).isoformat()


def _priority(rng: random.Random, person: _Person, on: datetime.date) -> str:
    """Seriously ill people are urgent; women and under-25s are usually high."""
    if person.seriously_ill_basis:
        group = "seriously_ill"
    elif person.sex == "F" or _years_before(on, 25) < person.birth:
        group = "woman_or_young"
    else:
        group = "other"
    return pick(rng, PRIORITIES, _PRIORITY_CUM[group])
