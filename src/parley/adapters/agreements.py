"""Reading an agreement file (YAML) into the domain model, or saying all that is wrong.

Values come from ``yaml.safe_load`` (no Python objects, no tags); line numbers come from
the node tree that PyYAML's ``SafeLoader`` composes from the same text. Every problem is
collected and reported as ``FILE line N, key K: what is wrong (what was expected)``, and
any problem means nothing is loaded. ``docs/agreements.md`` documents every key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parley.adapters.yaml_reader import KeyPath, YamlReader, open_yaml, read_text
from parley.domain.agreements import (
    Agreement,
    Consent,
    Formula,
    FormulaKind,
    NoActiveService,
    Order,
    TariffClass,
    Track,
    TrancheRules,
    Verifier,
    check_law,
)
from parley.domain.parties import Party
from parley.errors import AgreementRejected, InvalidValue

__all__ = ["CheckedAgreement", "load_agreement", "read_agreement"]

_TOP = ("parties", "age_on", "tracks", "tranches")
_TOP_OPTIONAL = (
    "agreement",
    "must_include",
    "unilateral",
    "exclude",
    "minimum_per_side",
    "maximum_per_side",
    "consent",
    "reserve_share",
    "no_active_service",
)


@dataclass(frozen=True, slots=True)
class CheckedAgreement:
    """A loaded agreement and its law warnings, each one line as a person reads it."""

    agreement: Agreement
    warnings: tuple[str, ...]


def _party(reader: YamlReader, value: Any, path: KeyPath) -> str | None:
    """A party code, accepted exactly as :class:`~parley.domain.parties.Party` accepts one."""
    if not isinstance(value, str):  # YAML reads NO as a boolean, 12 as a number
        reader.fail(path, f"{value!r} is not a party code (expected text: quote it, e.g. 'NO')")
        return None
    try:
        return Party(value, value).code
    except InvalidValue as e:
        reader.fail(path, e.message)
        return None


def _parties(reader: YamlReader, value: Any) -> tuple[str, str] | None:
    codes = reader.listed(value, ("parties",), lambda v, p: _party(reader, v, p))
    if codes is None:
        return None
    if len(codes) != 2 or codes[0] == codes[1]:
        reader.fail(("parties",), "must name two different parties (expected e.g. [UA, RU])")
        return None
    return codes[0], codes[1]


def _ratio(
    reader: YamlReader, value: Any, path: KeyPath, parties: tuple[str, str] | None
) -> tuple[tuple[str, int], ...] | None:
    if not isinstance(value, dict) or parties is None or set(value) != set(parties):
        expected = f"{{{parties[0]}: 1, {parties[1]}: 1}}" if parties else "one number per party"
        reader.fail(path, f"is not a ratio between the two parties (expected e.g. {expected})")
        return None
    terms = [(code, reader.integer(value[code], (*path, code), 1)) for code in parties]
    if any(n is None for _, n in terms):
        return None
    return tuple((code, n) for code, n in terms if n is not None)


def _tariff_class(reader: YamlReader, value: Any, path: KeyPath) -> TariffClass | None:
    raw = reader.mapping(value, path, ("name", "points", "selector"))
    if raw is None:
        return None
    points = reader.integer(raw.get("points"), (*path, "points"), 1)
    selector = reader.selector(raw.get("selector"), (*path, "selector"))
    if points is None or selector is None or "name" not in raw:
        return None
    return TariffClass(str(raw["name"]), points, selector)


def _formula(
    reader: YamlReader, value: Any, path: KeyPath, parties: tuple[str, str] | None
) -> Formula | None:
    if isinstance(value, str):
        value = {"kind": value}
    raw = reader.mapping(value, path, ("kind",), ("order", "ratio", "classes", "default_points"))
    if raw is None or "kind" not in raw:
        return None
    kind = reader.choice(raw["kind"], (*path, "kind"), FormulaKind)
    order = (
        None if raw.get("order") is None else reader.choice(raw["order"], (*path, "order"), Order)
    )
    ratio: tuple[tuple[str, int], ...] | None = ()
    classes: list[Any] | None = []
    if kind is FormulaKind.RATIO:
        ratio = _ratio(reader, raw.get("ratio"), (*path, "ratio"), parties)
    if kind is FormulaKind.TARIFF:
        classes = reader.listed(
            raw.get("classes"), (*path, "classes"), lambda v, p: _tariff_class(reader, v, p)
        )
        if classes == []:
            reader.fail((*path, "classes"), "is empty (a tariff needs at least one rank class)")
            classes = None
    for key, needs in (("ratio", FormulaKind.RATIO), ("classes", FormulaKind.TARIFF)):
        if key in raw and kind is not None and kind is not needs:
            reader.fail((*path, key), f"applies only to the {needs.value} formula (remove it)")
    default = reader.integer(raw.get("default_points", 1), (*path, "default_points"), 1)
    if kind is None or ratio is None or classes is None or default is None:
        return None
    if order is None and raw.get("order") is not None:
        return None
    try:
        return Formula(kind, order, ratio, tuple(classes), default)
    except InvalidValue as e:
        reader.fail(path, e.message)
        return None


def _track(
    reader: YamlReader, value: Any, path: KeyPath, parties: tuple[str, str] | None
) -> Track | None:
    optional = ("minimum_per_side", "maximum_per_side")
    raw = reader.mapping(value, path, ("name", "selector", "formula"), optional)
    if raw is None:
        return None
    selector = reader.selector(raw.get("selector"), (*path, "selector"))
    formula = _formula(reader, raw.get("formula"), (*path, "formula"), parties)
    bounds = _bounds(reader, raw, path)
    if selector is None or formula is None or bounds is None or "name" not in raw:
        return None
    return Track(str(raw["name"]), selector, formula, *bounds)


def _bounds(
    reader: YamlReader, raw: dict[str, Any], path: KeyPath
) -> tuple[int | None, int | None] | None:
    """``minimum_per_side`` and ``maximum_per_side`` of ``raw``, the first not above the second."""
    low = raw.get("minimum_per_side")
    high = raw.get("maximum_per_side")
    if low is not None and reader.integer(low, (*path, "minimum_per_side")) is None:
        return None
    if high is not None and reader.integer(high, (*path, "maximum_per_side"), 1) is None:
        return None
    if low is not None and high is not None and low > high:
        reader.fail(
            (*path, "minimum_per_side"),
            f"{low} is above maximum_per_side {high} (expected at most {high})",
        )
        return None
    return low, high


def _consent(reader: YamlReader, value: Any) -> Consent | None:
    path: KeyPath = ("consent",)
    if value is None:
        return Consent()
    raw = reader.mapping(value, path, (), ("will_to_return", "confirmed_by", "within_days"))
    if raw is None:
        return None
    if raw.get("will_to_return", "required") != "required":
        reader.fail(
            (*path, "will_to_return"),
            "cannot be waived: GC III Art. 109(3), no repatriation against a person's "
            "will (expected required)",
        )
        return None
    by = reader.choice(
        raw.get("confirmed_by", "neutral_verifier"), (*path, "confirmed_by"), Verifier
    )
    days = reader.integer(raw.get("within_days", 7), (*path, "within_days"), 1)
    return None if by is None or days is None else Consent(by, days)


def _tranche_count(reader: YamlReader, raw: dict[str, Any], dates: list[Any] | None) -> int | None:
    """The number of tranches: ``count``, or the number of ``dates``, or both if equal."""
    path: KeyPath = ("tranches", "count")
    if "count" not in raw:
        if not dates:
            reader.fail(path[:1], "says neither count nor dates (expected one of them)")
        return len(dates) if dates else None
    count = reader.integer(raw["count"], path, 1)
    if dates and count is not None and count != len(dates):
        reader.fail(path, f"is {count} but {len(dates)} dates are given (expected equal)")
        return None
    return count


def _tranches(reader: YamlReader, value: Any, track_names: set[str]) -> TrancheRules | None:
    path: KeyPath = ("tranches",)
    keys = ("count", "dates", "capacity_per_side", "separate", "max_lead")
    raw = reader.mapping(value, path, (), keys)
    if raw is None:
        return None
    dates = reader.listed(raw.get("dates"), (*path, "dates"), reader.a_date)
    if dates and dates != sorted(set(dates)):
        reader.fail((*path, "dates"), "are not in order (expected each date after the one before)")
    count = _tranche_count(reader, raw, dates)
    separate = reader.listed(
        raw.get("separate"),
        (*path, "separate"),
        lambda v, p: _known_track(reader, v, p, track_names),
    )
    capacity = raw.get("capacity_per_side")
    if capacity is not None:
        capacity = reader.integer(capacity, (*path, "capacity_per_side"), 1)
    lead = reader.integer(raw.get("max_lead", 1), (*path, "max_lead"))
    if count is None or dates is None or separate is None or lead is None:
        return None
    return TrancheRules(count, tuple(dates), capacity, tuple(separate), lead)


def _known_track(reader: YamlReader, value: Any, path: KeyPath, names: set[str]) -> str | None:
    if value in names:
        return str(value)
    reader.fail(path, f"{value!r} is not a track (expected one of: {', '.join(sorted(names))})")
    return None


def _reserve(reader: YamlReader, value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value < 1:
        return float(value)
    reader.fail(("reserve_share",), f"{value!r} is not a share (expected 0 to under 1, e.g. 0.1)")
    return None


def _track_names(reader: YamlReader, value: Any) -> set[str]:
    """The names the tracks give, a repeated one reported; read from the text, so that a
    track with another problem still counts as named."""
    given: list[Any] = value if isinstance(value, list) else []
    names = [str(t["name"]) for t in given if isinstance(t, dict) and "name" in t]
    for repeated in sorted({n for n in names if names.count(n) > 1}):
        reader.fail(("tracks",), f"name {repeated!r} is used twice (expected each name once)")
    return set(names)


def _agreement(reader: YamlReader, data: Any) -> Agreement | None:
    raw = reader.mapping(data, (), _TOP, _TOP_OPTIONAL)
    if raw is None:
        return None
    parties = _parties(reader, raw.get("parties"))
    age_on = reader.a_date(raw.get("age_on"), ("age_on",))
    tracks = reader.listed(
        raw.get("tracks"), ("tracks",), lambda v, p: _track(reader, v, p, parties)
    )
    if tracks == []:
        reader.fail(("tracks",), "is empty (expected at least one track)")
    tranches = _tranches(reader, raw.get("tranches"), _track_names(reader, raw.get("tracks")))
    must = reader.listed(raw.get("must_include"), ("must_include",), reader.selector)
    unilateral = reader.listed(raw.get("unilateral"), ("unilateral",), reader.selector)
    exclude = reader.listed(raw.get("exclude"), ("exclude",), reader.selector)
    bounds = _bounds(reader, raw, ())
    consent = _consent(reader, raw.get("consent"))
    reserve = _reserve(reader, raw.get("reserve_share", 0.0))
    service = reader.choice(
        raw.get("no_active_service", NoActiveService.SERIOUSLY_ILL.value),
        ("no_active_service",),
        NoActiveService,
    )
    if reader.problems or parties is None or age_on is None or tracks is None:
        return None
    if tranches is None or bounds is None or consent is None or reserve is None:
        return None
    if must is None or unilateral is None or exclude is None or service is None:
        return None
    name = str(raw.get("agreement", ""))
    low, high = bounds
    return Agreement(
        name,
        parties,
        age_on,
        tuple(tracks),
        tranches,
        tuple(must),
        tuple(unilateral),
        low,
        high,
        consent,
        reserve,
        tuple(exclude),
        service,
    )


def read_agreement(text: str, source: str) -> CheckedAgreement:
    """Read an agreement from YAML ``text``; ``source`` names the file in messages.

    Raises:
        AgreementRejected: the text is not YAML, or any key is missing, unknown, repeated
            or wrong; every problem is listed, one line each.
    """
    data, reader = open_yaml(text, source, AgreementRejected)
    agreement = _agreement(reader, data)
    if agreement is None:
        raise AgreementRejected(source, reader.lines())
    warnings = [
        reader.locate(w.path, f"warning: {w.message} ({w.article})")[1]
        for w in check_law(agreement)
    ]
    return CheckedAgreement(agreement, tuple(warnings))


def load_agreement(path: Path) -> CheckedAgreement:
    """Read the agreement file at ``path``.

    Raises:
        AgreementRejected: the file cannot be read, or has problems (all listed).
    """
    text = read_text(path, AgreementRejected)
    return read_agreement(text, path.name)
