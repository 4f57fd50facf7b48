"""Send the whole hostile corpus and record what came back in RESULTS.md.

Usage: ``python bench/hostile.py``. It runs ``tests/hostile`` (every case of
``tests/hostile/cases.py`` against an API on a copy of a small running exchange: the
exact status and message each must get, and no table changed; then the regression tests
of the defects the corpus and the fuzzers found), counts the cases per entry point, and
records a block in ``bench/RESULTS.md``.
"""

from __future__ import annotations

import collections
import platform
import re
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from recording import put_block

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from tests.hostile.cases import CASES

    per_entry = collections.Counter(case.entry for case in CASES)
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/hostile"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    print(run.stdout[-3000:], run.stderr[-1000:])
    passed = re.search(r"(\d+) passed", run.stdout)
    failed = re.findall(r"^FAILED (\S+)", run.stdout, re.M)
    rows = "\n".join(f"| {entry} | {n} |" for entry, n in sorted(per_entry.items()))
    block = (
        "<!-- hostile:start -->\n## Hostile inputs (`.venv/bin/python bench/hostile.py`)\n\n"
        f"Measured {date.today().isoformat()} on {platform.machine()}, Python "
        f"{platform.python_version()}, SQLite. Each case is sent through the API as the user "
        "it names; it must get its exact status and message, and every table but the "
        "access log must be unchanged after it.\n\n"
        "| entry point | cases |\n|---|---:|\n"
        f"{rows}\n| **all** | **{sum(per_entry.values())}** |\n\n"
        f"`pytest tests/hostile`: {passed.group(1) if passed else 0} passed (the cases and "
        f"the regression tests), {len(failed)} failed, {wall:.0f} s.\n"
        "<!-- hostile:end -->"
    )
    put_block("hostile", block)
    return 1 if failed or run.returncode else 0


if __name__ == "__main__":
    raise SystemExit(main())
