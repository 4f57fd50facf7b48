"""Matching: deciding whether two records written by different parties are one person.

Each party writes names in its own language and romanisation, so matching first brings
every spelling to comparable forms: ``parley.matching.forms`` derives them for a person
(``derive_forms``, ``name_keys``) from the converters in ``romanisation`` (Latin
schemes), ``equivalents`` (given names and patronymics), ``respelling`` (surnames),
``back_transliteration`` (Latin back to Cyrillic), ``normalisation`` and ``skeleton``.
``parley.matching.transliteration`` gathers the converters under one name.

``reconcile`` then matches one party's requests with the other's holdings: it blocks
(``blocking``), compares field by field (``comparisons``), scores with a Fellegi-Sunter
model fitted without labels (``scoring``), merges duplicate requests (``duplicates``),
assigns one to one (``assignment``) and explains every pair (``explanations``). What it
takes and gives is in ``results``.
"""

from parley.matching.reconcile import reconcile
from parley.matching.results import (
    Candidate,
    Decision,
    DuplicateGroup,
    MatchConfig,
    Outcome,
    Reconciliation,
    Record,
)

__all__ = [
    "Candidate",
    "Decision",
    "DuplicateGroup",
    "MatchConfig",
    "Outcome",
    "Reconciliation",
    "Record",
    "reconcile",
]
