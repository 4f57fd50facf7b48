"""A real ``parley serve`` killed with SIGKILL, again and again, mid-import and mid-handover.

Issue 9, item 1: at least 50 kills per database per run (``PARLEY_CRASH_KILLS``, default
50); after each, every event acknowledged to a client is there exactly once, nothing
unacknowledged is half there, the log verifies and its replay agrees with the tables.
``bench/crash.py`` runs the same harness with more kills and records the figures.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.crash.harness import CrashRun, run_crashes

KILLS = int(os.environ.get("PARLEY_CRASH_KILLS", "50"))


@pytest.mark.slow
def test_a_killed_server_loses_no_acknowledged_event_and_leaves_nothing_half_done(
    database_url: str, tmp_path: Path
) -> None:
    kind = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    seed = int(os.environ.get("PARLEY_CRASH_SEED", random.randrange(1 << 30)))
    run = CrashRun(kind, database_url, tmp_path, kills=KILLS, people=60, seed=seed)

    figures = run_crashes(run)

    said = f"seed {seed} (PARLEY_CRASH_SEED={seed} repeats it): {figures.problems[:10]}"
    assert figures.problems == [], said
    assert (figures.lost, figures.duplicated, figures.half_present) == (0, 0, 0), said
    assert figures.verify_ok, said
    assert figures.kills == KILLS
    assert figures.kills_during_handover > 0, "every kill came after the handover was done"
    assert figures.unanswered > 0, "no request ever died with the server"
    assert figures.acknowledged > 6 * run.people  # the whole handover and some imports
