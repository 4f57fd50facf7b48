"""Log entries are RFC 8785 canonical JSON: one value, one byte string, everywhere."""

from __future__ import annotations

import json
import math
import struct
from enum import IntEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.errors import InvalidValue
from parley.ledger.canonical import canonical


def _double(hex_bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(hex_bits))[0]
    return value


def test_the_rfc_sample_canonicalises_to_the_rfc_output() -> None:
    # RFC 8785 3.2.2 (input, as JSON text) and 3.2.3 (output).
    sample = r"""{
      "numbers": [333333333.33333329, 1E30, 4.50,
                  2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"""
    expected = (
        '{"literals":[null,true,false],'
        '"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonical(json.loads(sample)) == expected.encode("utf-8")


def test_the_rfc_sample_is_these_utf8_bytes() -> None:
    # RFC 8785 3.2.4: the euro sign is written as UTF-8, not escaped.
    output = canonical(json.loads(r'{"string": "\u20ac$\u000F"}'))
    assert output == b'{"string":"\xe2\x82\xac$\\u000f"}'


def test_keys_sort_by_utf16_code_units_as_in_the_rfc_example() -> None:
    # RFC 8785 3.2.3: the emoji (surrogates D83D DE00) sorts before U+FB33 although its
    # code point U+1F600 is larger.
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    )
    assert canonical(value) == expected.encode("utf-8")


def test_an_astral_key_sorts_before_a_high_bmp_key_unlike_code_point_order() -> None:
    # U+10000 is D800 DC00 in UTF-16, below E000 and FFFF.
    value = {"\uffff": 0, "\U00010000": 0, "\ue000": 0, "a": 0}
    expected = '{"a":0,"\U00010000":0,"\ue000":0,"\uffff":0}'
    assert canonical(value) == expected.encode("utf-8")


# RFC 8785 Appendix B: IEEE 754 bit patterns and their canonical text.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B)
def test_numbers_are_written_as_the_rfc_appendix_b_table_says(bits: str, text: str) -> None:
    assert canonical(_double(bits)) == text.encode()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (1.5e-6, "0.0000015"),
        (-0.0, "0"),
        (4.5, "4.5"),
        (0.1 + 0.2, "0.30000000000000004"),
        (1.0, "1"),
        (-1.5e-10, "-1.5e-10"),
        (123456789012.5, "123456789012.5"),
        (1.25e25, "1.25e+25"),
        (0, "0"),
        (-7, "-7"),
        (2**53, "9007199254740992"),
        (-(2**53), "-9007199254740992"),
    ],
)
def test_numbers_follow_ecmascript_number_to_string(value: float, text: str) -> None:
    assert canonical(value) == text.encode()


def test_strings_escape_only_quote_backslash_and_control_characters() -> None:
    text = '\b\t\n\f\r"\\/\x00\x01\x1f\x7f é€\U0001f600'
    expected = '"\\b\\t\\n\\f\\r\\"\\\\/\\u0000\\u0001\\u001f\x7f é€\U0001f600"'
    assert canonical(text) == expected.encode("utf-8")


def test_literals_arrays_and_nesting_have_no_whitespace() -> None:
    value = {"b": [None, True, False, [], {}], "a": {"z": 1, "y": (2, "x")}}
    assert canonical(value) == b'{"a":{"y":[2,"x"],"z":1},"b":[null,true,false,[],{}]}'


def test_an_int_enum_is_written_as_its_number() -> None:
    class Side(IntEnum):
        UA = 1

    assert canonical({"side": Side.UA}) == b'{"side":1}'


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"counts": [1, 2, math.nan]}, "entry.counts[2]: NaN is not allowed in canonical JSON"),
        ({"x": math.inf}, "entry.x: Infinity is not allowed in canonical JSON"),
        ([-math.inf], "entry[0]: -Infinity is not allowed in canonical JSON"),
        (
            {"n": 2**53 + 1},
            "entry.n: integer 9007199254740993 is beyond ±2**53 and cannot be held exactly"
            " in canonical JSON (write it as a string)",
        ),
        (
            {"n": [-(2**53) - 1]},
            "entry.n[0]: integer -9007199254740993 is beyond ±2**53",
        ),
        ({1: "one"}, "entry: key 1 is int; canonical JSON keys must be str"),
        ({"when": {1.5}}, "entry.when: set is not a JSON value"),
        ({"raw": b"\x00"}, "entry.raw: bytes is not a JSON value"),
        ({"a b": {"c": math.nan}}, 'entry["a b"].c: NaN is not allowed'),
        ({"name": "ab\ud800"}, "entry.name: lone surrogate U+D800 at position 2 is not Unicode"),
        ({"\udc00": 1}, "entry: lone surrogate U+DC00 at position 0"),
    ],
)
def test_a_value_canonical_json_cannot_hold_is_refused_naming_its_path(
    value: object, message: str
) -> None:
    with pytest.raises(InvalidValue) as refused:
        canonical(value, name="entry")
    assert str(refused.value).startswith(message)


def test_a_refused_value_is_named_value_when_no_name_is_given() -> None:
    with pytest.raises(InvalidValue, match=r"^value\[1\]: NaN"):
        canonical([0, math.nan])


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


@given(json_values)
def test_canonical_output_parses_back_to_an_equal_value(value: object) -> None:
    # A JSON number is a double (RFC 8785 3.2.2.3): 4.342352631228693e16 is written
    # 43423526312286930, which only reads back right as a double.
    assert json.loads(canonical(value), parse_int=float) == value


@given(json_values)
def test_canonicalising_canonical_output_changes_nothing(value: object) -> None:
    once = canonical(value)
    assert canonical(json.loads(once, parse_int=float)) == once


@given(st.dictionaries(st.text(max_size=4), st.integers(0, 9), max_size=8))
def test_key_order_of_the_input_does_not_matter(value: dict[str, int]) -> None:
    reversed_order = dict(reversed(list(value.items())))
    assert canonical(reversed_order) == canonical(value)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_double_reads_back_as_the_same_double(value: float) -> None:
    assert float(canonical(value)) == value
