"""One line a reviewer can read: why two records are, or are not, one person.

"given name equivalent Олександр≈Александр; family name exact after transliteration
Лисенко=Лысенко; born 1999-03-07 vs 1999-07-03: day and month swapped; patronymic missing
on one side". Names are quoted as each party wrote them, so the reviewer sees what was
compared, not the folded forms.
"""

from __future__ import annotations

from parley.matching.comparisons import (
    DATE_DIFFERENT,
    DATE_EXACT,
    FIELDS,
    MISSING,
    NAME_DIFFERENT,
    NAME_EQUIVALENT,
    NAME_EXACT,
    NAME_SKELETON,
)
from parley.matching.features import Features

__all__ = ["explain"]

_NAME_LABELS = {
    "given_name": "given name",
    "family_name": "family name",
    "patronymic": "patronymic",
}
_NAME_SIGNS = {NAME_EQUIVALENT: "≈", NAME_SKELETON: "~"}
_PLAIN_LABELS = {
    "sex": "sex",
    "birth_place": "birth place",
    "unit": "unit",
    "service_number": "service number",
    "document_number": "document number",
}


def _written(person: Features, field: str, swapped: bool) -> str:
    record = person.record
    if swapped and field in ("given_name", "family_name"):
        field = "family_name" if field == "given_name" else "given_name"
    return str(getattr(record, field)).strip()


def _name(field: str, level: int, a: str, b: str) -> str:
    label = _NAME_LABELS[field]
    if level == MISSING:
        return f"{label} missing on one side"
    if level == NAME_EXACT:
        if a.casefold() == b.casefold():
            return f"{label} exact"
        return f"{label} exact after transliteration {a}={b}"
    if level == NAME_DIFFERENT:
        return f"{label} different: {a} vs {b}"
    sign = _NAME_SIGNS.get(level, "~")
    return f"{label} {FIELDS[[f.name for f in FIELDS].index(field)].levels[level]} {a}{sign}{b}"


def _date(level: int, a: Features, b: Features) -> str:
    if level == MISSING:
        return "birth date missing on one side"
    if level == DATE_EXACT:
        return f"born {a.birth} on both"
    text = f"born {a.birth} vs {b.birth}"
    return f"{text}: different" if level == DATE_DIFFERENT else f"{text}: {FIELDS[3].levels[level]}"


def _plain(field: str, level: int) -> str | None:
    if level == MISSING:
        return None
    label = _PLAIN_LABELS[field]
    index = [f.name for f in FIELDS].index(field)
    return f"{label} {FIELDS[index].levels[level]}"


def explain(request: Features, holding: Features, levels: tuple[int, ...], swapped: bool) -> str:
    """Describe a compared pair in one line, field by field, names as written.

    Fields neither record gives are left out; a patronymic or date given by only one side
    is said to be missing on one side.
    """
    parts = ["given and family name in swapped columns"] if swapped else []
    for index, field in enumerate(FIELDS):
        level = levels[index]
        if field.name in _NAME_LABELS:
            a, b = _written(request, field.name, swapped), _written(holding, field.name, False)
            if level == MISSING and not (a or b):
                continue
            parts.append(_name(field.name, level, a, b))
        elif field.name == "birth_date":
            if level != MISSING or request.birth or holding.birth:
                parts.append(_date(level, request, holding))
        else:
            text = _plain(field.name, level)
            if text:
                parts.append(text)
    return "; ".join(parts)
