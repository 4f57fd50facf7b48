"""Spell Ukrainian and Russian names in Latin letters and in each other's Cyrillic.

The two parties write the same person differently. Ukraine romanises under Cabinet
resolution 55 of 2010 (Григорій -> Hryhorii), Russia under ICAO Doc 9303 (Григорий ->
Grigorii). Each writes the other's citizens in its own Cyrillic, with its own given-name
forms (Олександр / Александр), patronymics (Миколайович / Николаевич) and spelling
(Лисенко / Лысенко). Matching needs every one of these forms to see that two records are
one person; the synthetic generator needs them to write records the way officials do.

This module gathers the converters in one place. They live by concept in
``parley.matching.romanisation`` (Latin schemes), ``parley.matching.equivalents`` (given
names and patronymics) and ``parley.matching.respelling`` (surnames); the forms matching
compares are built by ``parley.matching.forms``.
"""

from __future__ import annotations

from parley.matching.equivalents import (
    given_name_pairs,
    patronymic_from,
    ru_to_uk_given,
    ru_to_uk_patronymic,
    uk_to_ru_given,
    uk_to_ru_patronymic,
)
from parley.matching.respelling import respell_ru_as_uk, respell_uk_as_ru
from parley.matching.romanisation import (
    to_latin_bgn_pcgn,
    to_latin_gost52535,
    to_latin_icao,
    to_latin_iso9b,
    to_latin_kmu2010,
    to_latin_mvd310,
    to_latin_mvd782,
)

__all__ = [
    "given_name_pairs",
    "patronymic_from",
    "respell_ru_as_uk",
    "respell_uk_as_ru",
    "ru_to_uk_given",
    "ru_to_uk_patronymic",
    "to_latin_bgn_pcgn",
    "to_latin_gost52535",
    "to_latin_icao",
    "to_latin_iso9b",
    "to_latin_kmu2010",
    "to_latin_mvd310",
    "to_latin_mvd782",
    "uk_to_ru_given",
    "uk_to_ru_patronymic",
]
