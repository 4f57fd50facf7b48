"""Hand-made records for the matching tests: one person, and a crowd of others."""

from __future__ import annotations

from typing import Any

from parley.domain.dates import PartialDate
from parley.matching.results import Record

FAMILIES = ["Иванов", "Петров", "Сидоров", "Кузнецов", "Смирнов", "Попов", "Соколов", "Волков"]
GIVENS = ["Иван", "Петр", "Сергей", "Николай", "Дмитрий", "Андрей", "Михаил", "Владимир"]


def person(
    record_id: str,
    family: str,
    given: str,
    patronymic: str = "",
    born: str = "",
    **fields: Any,
) -> Record:
    """A man (unless ``sex`` says otherwise) with these names and date, other fields as given."""
    fields.setdefault("sex", "M")
    return Record(
        record_id=record_id,
        family_name=family,
        given_name=given,
        patronymic=patronymic,
        birth_date=PartialDate.parse(born) if born else None,
        **fields,
    )


def crowd(size: int) -> list[Record]:
    """Holdings of other people, so that the model has chance pairs to learn from."""
    return [
        person(
            f"RU-C-{i:04d}",
            FAMILIES[i % len(FAMILIES)] + ("ский" if i % 3 == 0 else ""),
            GIVENS[(i // 8) % len(GIVENS)],
            born=f"{1960 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        )
        for i in range(size)
    ]
