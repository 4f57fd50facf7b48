"""Run every fuzz target for N seconds and record the executions in RESULTS.md.

Usage: ``python bench/fuzz.py [SECONDS]`` (default 60 per target). It runs
``tests/fuzz`` with ``PARLEY_FUZZ_SECONDS``, prints the executions per target and any
failure, and records a block in ``bench/RESULTS.md``.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

from recording import put_block

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    env = {**os.environ, "PARLEY_FUZZ_SECONDS": str(seconds)}
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/fuzz"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.monotonic() - started
    print(run.stdout[-4000:], run.stderr[-2000:])
    found = re.search(r"fuzz executions: (.*)", run.stdout)
    pairs = [p.rsplit(" ", 1) for p in found.group(1).split(", ")] if found else []
    counts = {name: int(n) for name, n in pairs}
    failed = re.findall(r"^FAILED (\S+)", run.stdout, re.M)
    rows = "\n".join(
        f"| {name} | {n:,} | {n / seconds:,.0f} |" for name, n in sorted(counts.items())
    )
    block = (
        "<!-- fuzz:start -->\n## Fuzzing\n\n"
        f"`python bench/fuzz.py {seconds:g}`: each target {seconds:g} s, {wall:,.0f} s in all; "
        f"{sum(counts.values()):,} executions, failures: {', '.join(failed) or 'none'}.\n\n"
        "| target | executions | per second |\n|---|---:|---:|\n" + rows + "\n<!-- fuzz:end -->"
    )
    print(block)
    put_block("fuzz", block)
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
