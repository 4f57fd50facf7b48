"""The particulars of made-up records other than names: places, ranks, units, numbers.

Read from ``data/catalogue.toml`` once. Places and ranks are kept in both languages so
that each party can write them in its own; unit and detention-place numbers are drawn at
random, and service and document numbers follow made-up patterns.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TypeVar

from parley.matching.transliteration import to_latin_icao, to_latin_kmu2010
from parley.synthetic.names import NATIONALITIES, NATIVE_LANGUAGE, Spelling, read_data

__all__ = [
    "Catalogue",
    "Template",
    "below",
    "catalogue",
    "cumulative",
    "document_number",
    "pick",
    "service_number",
]

T = TypeVar("T")

# Letters that look and read the same in Ukrainian and Russian, for serial numbers.
_SERIAL_LETTERS = "АВЕКМНОРСТХ"


def below(rng: random.Random, n: int) -> int:
    """A random integer in ``[0, n)``.

    Cheaper than ``rng.randrange`` (which matters at tens of thousands of draws) and as
    deterministic for a given seed; the tiny bias of scaling a float is irrelevant here.
    """
    return int(rng.random() * n)


def cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    """Running totals of ``weights``, the form ``pick`` takes."""
    return tuple(itertools.accumulate(weights))


def pick(rng: random.Random, items: Sequence[T], cum_weights: Sequence[float]) -> T:
    """One of ``items`` drawn with the given cumulative weights.

    The same draw as ``rng.choices(items, cum_weights=cum_weights)[0]``, without the
    overhead of building a list for a single item.
    """
    return items[bisect.bisect(cum_weights, rng.random() * cum_weights[-1], 0, len(items) - 1)]


@dataclass(frozen=True, slots=True)
class Template:
    """A phrase in both languages with a made-up number ``{n}`` from ``[low, high]``."""

    uk: str
    ru: str
    low: int
    high: int

    def draw(self, rng: random.Random, nationality: str) -> Spelling:
        """Fill in a random number; ``nationality`` is whose the unit is (native language)."""
        n = self.low + below(rng, self.high - self.low + 1)
        uk, ru = self.uk.format(n=n), self.ru.format(n=n)
        return _spelling((uk, ru), nationality, "")


@dataclass(frozen=True, slots=True)
class Catalogue:
    """Everything in ``data/catalogue.toml``, spelled for people of each nationality.

    Every mapping is keyed by nationality (``"UA"``, ``"RU"``): the places where such people
    are born, the places where they were captured, their forces' ranks (with the English
    title as the Latin form) and their units.
    """

    birth_places: Mapping[str, tuple[Spelling, ...]]
    capture_places: Mapping[str, tuple[Spelling, ...]]
    ranks: Mapping[str, tuple[Spelling, ...]]
    rank_cum: tuple[float, ...]
    units: Mapping[str, tuple[Template, ...]]
    unit_cum: Mapping[str, tuple[float, ...]]
    detention: Mapping[str, tuple[str, ...]]
    """Detention-place templates keyed by the DETAINING party, in its language."""


def _spelling(pair: tuple[str, str], nationality: str, latin: str) -> Spelling:
    """A (Ukrainian, Russian) pair as a Spelling for a person of ``nationality``."""
    if NATIVE_LANGUAGE[nationality] == "uk":
        return Spelling(pair[0], pair[1], latin)
    return Spelling(pair[1], pair[0], latin)


def _places(value: object, where: str, nationality: str) -> tuple[Spelling, ...]:
    """Checked [uk, ru] place pairs, spelled for people of ``nationality``."""
    if not isinstance(value, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in value
    ):
        raise ValueError(f"catalogue.toml {where} must be an array of [uk, ru] pairs")
    if nationality == "UA":
        return tuple(Spelling(uk, ru, to_latin_kmu2010(uk)) for uk, ru in value)
    return tuple(Spelling(ru, uk, to_latin_icao(ru)) for uk, ru in value)


def _templates(value: object, where: str) -> tuple[tuple[Template, ...], tuple[float, ...]]:
    """Unit templates and their weights from an array of tables."""
    if not isinstance(value, list):
        raise ValueError(f"catalogue.toml {where} must be an array of tables")
    templates, weights = [], []
    for entry in value:
        templates.append(
            Template(str(entry["uk"]), str(entry["ru"]), int(entry["low"]), int(entry["high"]))
        )
        weights.append(float(entry["weight"]))
    return tuple(templates), tuple(weights)


def _ranks(value: object, nationality: str) -> tuple[tuple[Spelling, ...], tuple[float, ...]]:
    """Rank titles spelled for ``nationality``'s forces, and their weights."""
    if not isinstance(value, list):
        raise ValueError("catalogue.toml ranks must be an array of tables")
    ranks = tuple(_spelling((str(r["uk"]), str(r["ru"])), nationality, str(r["en"])) for r in value)
    return ranks, tuple(float(r["weight"]) for r in value)


@functools.cache
def catalogue() -> Catalogue:
    """Read ``data/catalogue.toml`` (once per process)."""
    raw = read_data("catalogue.toml")
    units = {code: _templates(raw.get(f"units_{code}"), f"units_{code}") for code in NATIONALITIES}
    ranks = {code: _ranks(raw.get("ranks"), code) for code in NATIONALITIES}
    detention = raw.get("detention", {})
    return Catalogue(
        birth_places=MappingProxyType(
            {c: _places(raw.get(f"birth_places_{c}"), c, c) for c in NATIONALITIES}
        ),
        capture_places=MappingProxyType(
            {c: _places(raw.get("capture_places"), "capture_places", c) for c in NATIONALITIES}
        ),
        ranks=MappingProxyType({code: pair[0] for code, pair in ranks.items()}),
        rank_cum=cumulative(ranks["UA"][1]),
        units=MappingProxyType({code: pair[0] for code, pair in units.items()}),
        unit_cum=MappingProxyType({code: cumulative(pair[1]) for code, pair in units.items()}),
        detention=MappingProxyType(
            {code: tuple(str(t) for t in detention[code]) for code in NATIONALITIES}
        ),
    )


def _serial_letters(rng: random.Random) -> str:
    """Two letters for a serial number."""
    count = len(_SERIAL_LETTERS)
    return _SERIAL_LETTERS[below(rng, count)] + _SERIAL_LETTERS[below(rng, count)]


def service_number(rng: random.Random, nationality: str) -> str:
    """A made-up military service number in the pattern of ``nationality``'s forces.

    UA: two letters and six digits (ВК123456); RU: two letters, a hyphen and six digits
    (КМ-123456). The patterns are invented for synthetic data.
    """
    letters = _serial_letters(rng)
    digits = f"{below(rng, 1_000_000):06d}"
    return f"{letters}{digits}" if nationality == "UA" else f"{letters}-{digits}"


def document_number(rng: random.Random, nationality: str) -> str:
    """A made-up identity-document number in the pattern of ``nationality``'s passports.

    UA: a nine-digit ID card number or a booklet's two letters and six digits; RU: a
    four-digit series and a six-digit number (4512 345678).
    """
    if nationality == "UA":
        if rng.random() < 0.55:
            return f"{below(rng, 1_000_000_000):09d}"
        letters = _serial_letters(rng)
        return f"{letters}{below(rng, 1_000_000):06d}"
    return f"{1000 + below(rng, 9000):04d} {below(rng, 1_000_000):06d}"
