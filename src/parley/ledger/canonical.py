"""RFC 8785 JSON Canonicalization Scheme (JCS): one byte string for one JSON value.

A log entry is hashed and signed as these bytes, so two honest implementations must
produce the same bytes for the same value. JCS gets there with three rules:

* object members are sorted by their names as arrays of UTF-16 code units (3.2.3);
* strings are written as ECMAScript ``JSON.stringify`` writes them: only ``"``, ``\\``
  and the control characters are escaped, non-ASCII text is written as UTF-8 (3.2.2.2);
* numbers are IEEE 754 doubles written as ECMAScript ``Number.prototype.toString``
  writes them (3.2.2.3), which needs the shortest digits that read back to the same
  double; Python's ``repr(float)`` gives exactly those digits.

Values outside what JCS can represent faithfully are refused rather than bent: NaN and
the infinities, integers that a double cannot hold exactly (beyond 2**53 in magnitude),
strings with lone surrogates (not Unicode, so not I-JSON, RFC 7493 2.1), keys that are
not strings, and any type that is not None, bool, int, float, str, list, tuple or dict.
"""

from __future__ import annotations

import json
import math
import re

from parley.errors import InvalidValue

__all__ = ["MAX_EXACT_INTEGER", "canonical"]

MAX_EXACT_INTEGER = 2**53
"""Larger integers are not all doubles: 2**53 + 1 would be written as 2**53."""

# RFC 8785 3.2.2.2: the two-character escapes of JSON.stringify; every other control
# character is written \u00XX with lowercase hex; nothing else is escaped.
_ESCAPES = {i: f"\\u{i:04x}" for i in range(0x20)} | {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_ORDINARY = re.compile("[^\ud800-\udfff\ue000-\U0010ffff]*")  # below the surrogates


def canonical(value: object, *, name: str = "value") -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON value.

    Args:
        value: None, bool, int, float, str, list (or tuple) and dict with str keys,
            nested to any depth.
        name: what to call ``value`` in an error, e.g. ``entry``; errors name the
            path below it, e.g. ``entry.counts[2]``.

    Raises:
        InvalidValue: a value JCS cannot represent exactly; the field is its path.
    """
    if _plain(value):
        # Without floats, big integers and characters from U+E000 up (where UTF-16 order
        # and code point order part ways), Python's sorted, unspaced JSON is exactly
        # RFC 8785: same escapes (short forms, else lowercase \u00xx), same key order.
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return text.encode("utf-8")
    parts: list[str] = []
    _write(value, name, parts)
    return "".join(parts).encode("utf-8")


def _plain(value: object) -> bool:
    """Whether ``value`` is JSON whose ``json.dumps`` form is already canonical."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -MAX_EXACT_INTEGER <= value <= MAX_EXACT_INTEGER
    if isinstance(value, str):
        return _ORDINARY.fullmatch(value) is not None
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if isinstance(value, dict):
        return all(
            isinstance(k, str) and _ORDINARY.fullmatch(k) is not None and _plain(v)
            for k, v in value.items()
        )
    return False


def _write(value: object, path: str, parts: list[str]) -> None:
    # bool before int: True is an int in Python but a literal in JSON.
    if value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(_integer(value, path))
    elif isinstance(value, float):
        parts.append(_number(value, path))
    elif isinstance(value, str):
        parts.append(_string(value, path))
    elif isinstance(value, list | tuple):
        parts.append("[")
        for i, item in enumerate(value):
            if i:
                parts.append(",")
            _write(item, f"{path}[{i}]", parts)
        parts.append("]")
    elif isinstance(value, dict):
        _write_object(value, path, parts)
    else:
        raise InvalidValue(
            path,
            f"{type(value).__name__} is not a JSON value "
            "(expected None, bool, int, float, str, list or dict)",
        )


def _write_object(value: dict[object, object], path: str, parts: list[str]) -> None:
    keys: list[str] = []
    for key in value:
        if not isinstance(key, str):
            raise InvalidValue(
                path, f"key {key!r} is {type(key).__name__}; canonical JSON keys must be str"
            )
        keys.append(key)
    # RFC 8785 3.2.3: sort by UTF-16 code units. Big-endian UTF-16 bytes compare in the
    # same order as the code units; "surrogatepass" lets a lone surrogate reach _string,
    # which refuses it with its path.
    keys.sort(key=lambda k: k.encode("utf-16-be", "surrogatepass"))
    parts.append("{")
    for i, key in enumerate(keys):
        child = f"{path}.{key}" if key.isidentifier() else f"{path}[{_string(key, path)}]"
        if i:
            parts.append(",")
        parts.append(_string(key, child))
        parts.append(":")
        _write(value[key], child, parts)
    parts.append("}")


def _string(text: str, path: str) -> str:
    if not text.isascii() and (bad := _LONE_SURROGATE.search(text)):
        raise InvalidValue(
            path,
            f"lone surrogate U+{ord(bad.group()):04X} at position {bad.start()} is not "
            "Unicode, so it is not allowed in canonical JSON",
        )
    return '"' + text.translate(_ESCAPES) + '"'


def _integer(value: int, path: str) -> str:
    if abs(value) > MAX_EXACT_INTEGER:
        raise InvalidValue(
            path,
            f"integer {value} is beyond ±2**53 and cannot be held exactly in canonical "
            "JSON (write it as a string)",
        )
    # Every integer up to 2**53 is a double that Number.prototype.toString writes in
    # plain decimal, as int.__repr__ does (an IntEnum's str() would not).
    return int.__repr__(value)


def _number(value: float, path: str) -> str:
    """ECMAScript Number::toString(x) (ECMA-262 6.1.6.1.20), as RFC 8785 3.2.2.3 asks."""
    if math.isnan(value):
        raise InvalidValue(path, "NaN is not allowed in canonical JSON")
    if math.isinf(value):
        raise InvalidValue(
            path, f"{'-' if value < 0 else ''}Infinity is not allowed in canonical JSON"
        )
    if value == 0:
        return "0"  # step 2: +0 and -0 both
    if value < 0:
        return "-" + _number(-value, path)  # step 3
    # Step 5: the shortest digits s (k of them) and n such that s x 10**(n-k) is the
    # value; repr gives the shortest round-trip digits, e.g. '1e-07', '4.5', '1e+21'.
    mantissa, _, exponent = float.__repr__(value).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    scale = int(exponent or 0) - len(fraction)
    stripped = digits.rstrip("0")
    scale += len(digits) - len(stripped)
    digits, k = stripped, len(stripped)
    n = k + scale
    if k <= n <= 21:  # step 6: an integer, padded with zeros
        return digits + "0" * (n - k)
    if 0 < n <= 21:  # step 7: a decimal point inside the digits
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:  # step 8: a small fraction, 0.000ddd
        return "0." + "0" * -n + digits
    sign = "+" if n - 1 >= 0 else "-"  # steps 9 and 10: exponent form
    head = digits[0] if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(n - 1)}"
