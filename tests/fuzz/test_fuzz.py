"""Any input to a parser either parses or raises parley's own error: never another
exception, never a hang.

The bounded run (``make test``) tries ``PARLEY_FUZZ_EXAMPLES`` inputs per target (300);
``PARLEY_FUZZ_SECONDS=600`` runs each target for that many seconds instead
(``bench/fuzz.py`` does so and records the executions in ``bench/RESULTS.md``).
"""

from __future__ import annotations

import contextlib
import os
import time
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from parley.errors import ParleyError
from tests.fuzz.conftest import EXECUTIONS
from tests.fuzz.targets import SEEDS, TARGETS

SECONDS = float(os.environ.get("PARLEY_FUZZ_SECONDS", 0))
EXAMPLES = int(os.environ.get("PARLEY_FUZZ_EXAMPLES", 300))
DEADLINE = timedelta(seconds=5)  # one input: a parser that takes longer hangs


@st.composite
def _inputs(draw: st.DrawFn, name: str) -> bytes:
    """Raw bytes, or a seed cut, spliced and flipped where the fuzzer chooses."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=512))
    data = bytearray(draw(st.sampled_from(SEEDS[name])))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["insert", "delete", "flip", "repeat"]))
        if action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 16))]
        elif action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "repeat":
            data[at:at] = data[at : at + 8] * draw(st.integers(2, 64))
    return bytes(data)


def _settings() -> settings:
    if SECONDS:
        return settings(
            max_examples=10**9,
            deadline=DEADLINE,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    return settings(max_examples=EXAMPLES, deadline=DEADLINE, database=None,
                    suppress_health_check=list(HealthCheck))  # fmt: skip


class _TimeUp(Exception):
    """The long run's seconds for one target are spent."""


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_a_parser_answers_any_input_with_a_result_or_its_own_error(name: str) -> None:
    target = TARGETS[name]
    stop = time.monotonic() + SECONDS

    @_settings()
    @given(_inputs(name))
    def run(data: bytes) -> None:
        if SECONDS and time.monotonic() > stop:
            raise _TimeUp
        EXECUTIONS[name] += 1
        try:
            target(data)
        except ParleyError as e:
            said = str(e).strip()
        else:
            said = "parsed"
        assert said, "a ParleyError without a message"

    with contextlib.suppress(_TimeUp):
        run()
