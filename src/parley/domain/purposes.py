"""Why parley holds a record: the closed set of purposes a person record may serve.

DOMAIN.md §4 (ICRC Handbook on Data Protection in Humanitarian Action): tag each
record with its purpose and block reuse for another one, above all for intelligence or
prosecution, which are no purpose here at all. A record's purpose is fixed when it is
first imported; a read or an export that declares another purpose is refused.
"""

from __future__ import annotations

from enum import StrEnum

from parley.errors import InvalidValue

__all__ = ["EXCHANGE_PURPOSE", "Purpose", "parse_purpose"]


class Purpose(StrEnum):
    """The purposes a person record may be held for.

    - ``repatriation``: the exchange itself (GC III Art. 109-118, GC IV Art. 132-135):
      holdings and requests listed, matched, planned and handed over;
    - ``family_tracing``: restoring family links, telling a family where their person
      is (GC IV Art. 136-140, the Central Tracing Agency model);
    - ``detention_monitoring``: the neutral agency's visits and the conditions of
      detention (GC III Art. 126), not a handover.
    """

    REPATRIATION = "repatriation"
    FAMILY_TRACING = "family_tracing"
    DETENTION_MONITORING = "detention_monitoring"


# The purpose an exchange serves: every record imported without a stated purpose, and
# every record stored before purposes were recorded, holds it.
EXCHANGE_PURPOSE = Purpose.REPATRIATION


def parse_purpose(text: str) -> Purpose:
    """The purpose ``text`` names.

    Raises:
        InvalidValue: ``text`` is no purpose parley serves (intelligence or prosecution
            never is: DOMAIN.md §4).
    """
    try:
        return Purpose(text.strip())
    except ValueError as e:
        expected = ", ".join(p.value for p in Purpose)
        raise InvalidValue(
            "purpose", f"{text!r} is not a purpose parley serves (expected {expected})"
        ) from e
