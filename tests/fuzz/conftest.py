"""Counting the examples each fuzz target ran, printed at the end of the session."""

from __future__ import annotations

from collections import Counter

import pytest

EXECUTIONS: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if EXECUTIONS:
        terminalreporter.write_line(
            "fuzz executions: " + ", ".join(f"{k} {v}" for k, v in sorted(EXECUTIONS.items()))
        )
