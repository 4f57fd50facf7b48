"""Settings: the log origin a checkpoint names is one line with no space in it."""

from __future__ import annotations

import pytest

from parley.config import DEFAULT_LOG_ORIGIN, Settings
from parley.errors import ConfigurationError


def test_the_log_origin_defaults_to_a_local_name_and_can_be_set() -> None:
    assert Settings.from_env({}).log_origin == DEFAULT_LOG_ORIGIN == "parley.local/exchange"
    chosen = Settings.from_env({"PARLEY_LOG_ORIGIN": "mediator.example/exchange-2025"})
    assert chosen.log_origin == "mediator.example/exchange-2025"


@pytest.mark.parametrize(
    ("origin", "says"),
    [
        ("", "PARLEY_LOG_ORIGIN: must not be empty"),
        ("mediator.example/exchange 2025", "holds ' '"),
        ("mediator.example/\texchange", "holds '\\t'"),
        ("mediator.example/exchange\n2", "holds '\\n'"),
        ("mediator.example/\x7f", "holds '\\x7f'"),
    ],
    ids=["empty", "space", "tab", "newline", "delete"],
)
def test_a_log_origin_that_would_break_the_checkpoint_line_is_refused(
    origin: str, says: str
) -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"PARLEY_LOG_ORIGIN": origin})
    assert says in str(refused.value)
