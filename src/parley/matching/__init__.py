"""Matching: deciding whether two records written by different parties are one person.

Each party writes names in its own language and romanisation, so matching first brings
every spelling to comparable forms (``parley.matching.transliteration``).
"""
