"""Matching: deciding whether two records written by different parties are one person.

Each party writes names in its own language and romanisation, so matching first brings
every spelling to comparable forms: ``parley.matching.forms`` derives them for a person
(``derive_forms``, ``name_keys``) from the converters in ``romanisation`` (Latin
schemes), ``equivalents`` (given names and patronymics), ``respelling`` (surnames),
``back_transliteration`` (Latin back to Cyrillic), ``normalisation`` and ``skeleton``.
``parley.matching.transliteration`` gathers the converters under one name.
"""
