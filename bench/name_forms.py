"""Deriving name forms for 100,000 people, as reconciliation will (issue 3, point 1).

People come from the demo's generator: half holdings (Russian or Ukrainian Cyrillic),
half requests (native Cyrillic or Latin under KMU 2010 / ICAO), so names repeat as
they do in real lists and Latin names go through back-transliteration.

    .venv/bin/python bench/name_forms.py          # prints the figure, updates RESULTS.md
"""

from __future__ import annotations

import argparse
import re
import time
from datetime import date
from pathlib import Path

from parley.matching.forms import derive_forms
from parley.synthetic import generate_scenario

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    quarter = args.people // 4
    scenario = generate_scenario(
        seed=3, on=date(2025, 5, 16), holdings_per_side=quarter, requests_per_side=quarter
    )
    people = [*scenario.holdings["RU"], *scenario.holdings["UA"]]
    people += [*scenario.requests["RU"], *scenario.requests["UA"]]
    started = time.perf_counter()
    for p in people:
        derive_forms(p["family_name"], p["given_name"], p["patronymic"] or None, p["name_lang"])
    seconds = time.perf_counter() - started
    line = f"{len(people):,} people: {seconds:.2f} s ({len(people) / seconds:,.0f} a second)"
    print(line)
    if not args.no_record:
        block = (
            "<!-- forms:start -->\n## Name forms (`.venv/bin/python bench/name_forms.py`)\n\n"
            "One process, cold caches; people from the demo generator: half holdings, half "
            f"requests (native Cyrillic or Latin).\n\n{line}\n<!-- forms:end -->"
        )
        text = RESULTS.read_text("utf-8")
        pattern = re.compile(r"<!-- forms:start -->.*<!-- forms:end -->", re.S)
        text = pattern.sub(block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block
        RESULTS.write_text(text + ("" if text.endswith("\n") else "\n"), "utf-8")


if __name__ == "__main__":
    main()
