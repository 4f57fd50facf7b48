"""What the bench scripts share: how they read a process's memory, how they name their
synthetic people, and how they write their figures into bench/RESULTS.md.

Each script owns one block between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->``.
A block may hold several ``### `` sections, one per set of sizes: recording one replaces
the section with the same title and keeps the others, smallest sizes first.
"""

from __future__ import annotations

import re
import resource
from pathlib import Path

RESULTS = Path(__file__).with_name("RESULTS.md")


def memory_kib(field: str = "VmHWM") -> int:
    """This process's VmHWM (peak) or VmRSS (now) in KiB.

    VmHWM, not ru_maxrss: on Linux ru_maxrss carries the parent's peak across fork and exec.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def letters(number: int) -> str:
    """A name part for ``number`` (names hold letters only): 0 -> A, 27 -> Bb."""
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text = chr(ord("A") + digit) + text
        if not number:
            return text.capitalize()


def _size_order(part: str) -> int:
    """Sections in order of the first number in their title."""
    digits = re.match(r"### ([\d,]+)", part)
    return int(digits.group(1).replace(",", "")) if digits else 0


def put_block(name: str, block: str) -> None:
    """Replace block ``name`` (markers included in ``block``) or add it at the end."""
    text = RESULTS.read_text("utf-8") if RESULTS.exists() else "# Benchmark results\n"
    found = re.search(rf"<!-- {name}:start -->.*?<!-- {name}:end -->", text, re.S)
    if found:
        text = text[: found.start()] + block + text[found.end() :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.write_text(text, "utf-8")
    print(f"recorded in {RESULTS}")


def put_section(name: str, heading: str, intro: str, title: str, section: str) -> None:
    """Put ``section`` (starting ``### {title}``) into block ``name``, keeping the others."""
    text = RESULTS.read_text("utf-8") if RESULTS.exists() else ""
    found = re.search(rf"<!-- {name}:start -->\n(.*?)<!-- {name}:end -->", text, re.S)
    parts = re.split(r"(?m)^(?=### )", found.group(1)) if found else []
    kept = [p for p in parts[1:] if not p.startswith(f"### {title}\n")]
    body = "".join(sorted([*kept, section], key=_size_order))
    put_block(name, f"<!-- {name}:start -->\n{heading}\n\n{intro}\n\n{body}<!-- {name}:end -->")
