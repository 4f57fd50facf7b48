"""Reconciliation against labelled cross-script data: parley and Splink side by side (issue 3).

The data comes from ``parley.synthetic.matching`` with a fixed seed: Ukrainian-form
requests in Cyrillic and in Latin (KMU 2010 mostly, some Russian schemes), Russian-form
holdings, typos, missing, partial and wrong birth dates, missing patronymics, swapped
names, brothers and namesakes held beside the person asked for, about 30% of requests for
someone not held, a few people asked for twice. A fifth of the given names the generator
draws from (and the patronymics formed from them) are withheld from parley's dictionary
for the run (``parley.matching.holdout``), so the equivalence step is not scored on its
own data.

Each engine runs in its own process on the same data, so that its wall time and peak
memory (VmHWM, the whole process: Python, the input records and the engine) are its own.
Splink (DuckDB) gets the names folded to ASCII (ICAO 9303 for Cyrillic, which covers the
Ukrainian letters too) and a standard configuration: name and date-of-birth comparisons,
term frequencies on exact name agreement, u by random sampling, m by EM on two blocking
rules, match at 0.95, one to one.

    .venv/bin/python bench/matching.py            # 5,000 requests x 20,000 holdings
    .venv/bin/python bench/matching.py --small    # 500 x 2,000, a quick check
    .venv/bin/python bench/matching.py --large    # 50,000 x 200,000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from parley.synthetic.matching import MatchingData, generate_matching_data, held_out_given_names
from recording import memory_kib, put_section

HERE = Path(__file__).resolve().parent
SIZES = {"small": (500, 2_000), "default": (5_000, 20_000), "large": (50_000, 200_000)}
SEED = 2025
MATCH, REVIEW = 0.95, 0.30  # Splink's thresholds, the same as parley's defaults
ENGINES = ("parley", "splink")
INTRO = """\
Labelled synthetic data (`parley.synthetic.matching`, fixed seed): Ukrainian-form requests
in Cyrillic and in Latin (KMU 2010 mostly, some ICAO 9303 / GOST R 52535.1 / MVD 310 /
BGN/PCGN), Russian-form holdings, typos, missing, partial and wrong birth dates, missing
patronymics, swapped names, brothers and namesakes held beside the person asked for,
about 30% of requests for someone not held, 2% second requests for one person. A fifth of
the generator's given names (and their patronymics) are withheld from parley's dictionary
for the run. Each engine runs in its own process; peak memory is that process's VmHWM
(Python, the input records and the engine). Splink: DuckDB, names folded to ASCII (ICAO
9303), NameComparison on the three names (term frequencies on exact agreement),
DateOfBirthComparison, exact sex, birth place and service number, u by random sampling
(1e7 pairs), m by EM on two blocking rules, match at 0.95, one to one.\
"""

# A decision per request: (outcome, holding id or None).
Predicted = dict[str, tuple[str, str | None]]


def evaluate(
    data: MatchingData, predicted: Predicted, reached: set[str], withheld: set[str]
) -> dict[str, Any]:
    """Precision, recall and F1 of ``match``, review share, blocking recall, errors by kind.

    Args:
        data: the labelled data.
        predicted: the decision for every request.
        reached: the requests whose true holding blocking kept (see the callers).
        withheld: the requests that bear a name withheld from parley's dictionary.
    """
    tp = fp = fn = review = 0
    by_tag: dict[str, Counter[str]] = {}
    for record in data.requests:
        rid = record.record_id
        outcome, holding = predicted.get(rid, ("no_match", None))
        true = data.truth.get(rid)
        errors = Counter({"n": 1})
        review += outcome == "review"
        errors["review"] += outcome == "review"
        if outcome == "match" and holding == true:
            tp += 1
        elif outcome == "match":
            fp += 1
            errors["fp"] += 1
        if true is not None and not (outcome == "match" and holding == true):
            fn += 1
            errors["fn_" + ("wrong" if outcome == "match" else outcome)] += 1
        tags = data.kinds[rid].split("+")
        # Written in one script, for someone held or not, with nothing else done to it.
        tags += ["plain"] if len(tags) == 2 else []
        for tag in [*tags, *(["withheld_name"] if rid in withheld else [])]:
            by_tag.setdefault(tag, Counter()).update(errors)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / len(data.truth) if data.truth else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "tp": tp, "fp": fp, "fn": fn,
        "review_share": review / len(data.requests),
        "blocking_recall": len(reached & data.truth.keys()) / len(data.truth),
        "by_tag": {tag: dict(c) for tag, c in by_tag.items()},
    }  # fmt: skip


def _same_person_pairs(data: MatchingData) -> set[frozenset[str]]:
    """Every pair of requests for one person (a person asked for three times gives three)."""
    groups: dict[str, set[str]] = {}
    for first, second in data.duplicates:
        groups.setdefault(first, {first}).add(second)
    return {frozenset((a, b)) for g in groups.values() for a in g for b in g if a < b}


def duplicate_scores(data: MatchingData, found: Iterable[Iterable[str]]) -> dict[str, Any]:
    """How many true same-person pairs the merged groups hold, and how many they hold wrongly."""
    truth = _same_person_pairs(data)
    pairs = {
        frozenset((a, b)) for group in found for a in group for b in group if a < b
    }  # fmt: skip
    return {"true_pairs": len(truth), "found": len(pairs & truth), "wrong": len(pairs - truth)}


def run_parley(data: MatchingData, withheld: frozenset[str]) -> dict[str, Any]:
    """Reconcile with parley's engine, the held-out names withheld; decisions and figures."""
    from parley.matching.blocking import blocked_pairs
    from parley.matching.holdout import withheld_given_names
    from parley.matching.reconcile import reconcile

    with withheld_given_names(withheld):
        started = time.perf_counter()
        try:
            result = reconcile(data.requests, data.holdings)
        except NotImplementedError:
            return {"error": "parley.matching.reconcile() is not implemented yet"}
        seconds = time.perf_counter() - started
        kept = blocked_pairs(data.requests, data.holdings)  # not timed: measured apart
    predicted: Predicted = {}
    for d in result.decisions:
        predicted[d.request_id] = (d.outcome.value, d.holding_id)
    for group in result.duplicates:  # a merged request shares its group's decision
        for rid in group.merged:
            predicted[rid] = predicted[group.kept]
    reached = {rid for rid, hid in data.truth.items() if (rid, hid) in kept}
    groups = [(g.kept, *g.merged) for g in result.duplicates]
    return {
        "seconds": seconds,
        "predicted": predicted,
        "reached": reached,
        "candidate_pairs": result.candidate_pairs,
        "duplicates": duplicate_scores(data, groups),
    }


def fold(text: str) -> str | None:
    """A name or place in lower-case ASCII letters: Cyrillic through ICAO 9303; None if empty."""
    from parley.matching.romanisation import romanise

    latin = unicodedata.normalize("NFKD", romanise(text, "icao9303"))
    letters = "".join(ch for ch in latin.lower() if "a" <= ch <= "z")
    return letters or None


def splink_row(record: Any) -> dict[str, Any]:
    """A record as Splink reads it: folded names, an ISO date only where the day is known."""
    birth = record.birth_date
    return {
        "record_id": record.record_id,
        "family_name": fold(record.family_name),
        "given_name": fold(record.given_name),
        "patronymic": fold(record.patronymic),
        "birth_date": birth.isoformat() if birth is not None and birth.day else None,
        "birth_year": str(birth.year) if birth is not None else None,
        "sex": record.sex or None,
        "birth_place": fold(record.birth_place),
        "service_number": re.sub(r"[\s-]", "", record.service_number) or None,
    }


def splink_settings() -> Any:
    """A standard link-only model: names, date of birth, sex, place, service number."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        comparisons=[
            cl.NameComparison("family_name"),  # term frequencies on the exact level
            cl.NameComparison("given_name"),
            cl.NameComparison("patronymic"),
            cl.DateOfBirthComparison(
                "birth_date", input_is_string=True, datetime_format="%Y-%m-%d"
            ),
            cl.ExactMatch("sex"),
            cl.ExactMatch("birth_place"),
            cl.ExactMatch("service_number"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("family_name", "given_name"),
            block_on("family_name", "birth_year"),
            block_on("given_name", "birth_year"),
            block_on("birth_date"),
            # Ukrainian and Russian forms part after the first letter (Lisenko, Lysenko).
            block_on("substr(family_name, 1, 1)", "substr(given_name, 1, 1)", "birth_year"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def _train(linker: Any) -> None:
    """u by random sampling, the prior by a deterministic rule, m by EM on two blocks."""
    from splink import block_on

    # Folded Ukrainian and Russian forms agree exactly for about three surnames in four,
    # and about four requests in five give the full date: the rule finds some 60% of pairs.
    linker.training.estimate_probability_two_random_records_match(
        [block_on("family_name", "birth_date")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=SEED)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_name", "given_name")
    )
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("birth_date"))


_PAIRS_SQL = """
    select
        case when source_dataset_l = 'requests' then record_id_l else record_id_r end as request_id,
        case when source_dataset_l = 'requests' then record_id_r else record_id_l end as holding_id,
        match_probability as p
    from {table}
"""


def run_splink(data: MatchingData) -> dict[str, Any]:
    """Link with Splink on DuckDB; decisions one to one, match at 0.95, review from 0.30."""
    import logging

    from splink import DuckDBAPI, Linker

    started = time.perf_counter()
    db_api = DuckDBAPI()
    requests = db_api.register(
        [splink_row(r) for r in data.requests], dataset_display_name="requests"
    )
    holdings = db_api.register(
        [splink_row(h) for h in data.holdings], dataset_display_name="holdings"
    )
    linker = Linker([requests, holdings], splink_settings(), log_level=logging.ERROR)
    _train(linker)
    table = linker.inference.predict().physical_name
    con = db_api.duckdb_con
    pairs = con.execute(
        f"select * from ({_PAIRS_SQL.format(table=table)}) where p >= {REVIEW} "
        "order by p desc, request_id, holding_id"
    ).fetchall()
    predicted = one_to_one(pairs, data)
    seconds = time.perf_counter() - started
    con.execute("create temp table truth (request_id varchar, holding_id varchar)")
    con.executemany("insert into truth values (?, ?)", list(data.truth.items()))
    reached = con.execute(
        f"select distinct b.request_id from ({_PAIRS_SQL.format(table=table)}) b "
        "join truth t using (request_id, holding_id)"
    ).fetchall()
    blocked = con.execute(f"select count(*) from {table}").fetchone()
    return {
        "seconds": seconds,
        "predicted": predicted,
        "reached": {row[0] for row in reached},
        "candidate_pairs": blocked[0] if blocked else 0,
    }


def one_to_one(pairs: list[tuple[str, str, float]], data: MatchingData) -> Predicted:
    """Greedy one-to-one over pairs best first: match at 0.95; a request left over whose
    best pair reached 0.30 goes to review, with that pair."""
    predicted: Predicted = {r.record_id: ("no_match", None) for r in data.requests}
    taken: set[str] = set()
    for request_id, holding_id, p in pairs:  # sorted by probability, highest first
        outcome, _ = predicted[request_id]
        if outcome == "match":
            continue
        if p >= MATCH and holding_id not in taken:
            predicted[request_id] = ("match", holding_id)
            taken.add(holding_id)
        elif outcome == "no_match":
            predicted[request_id] = ("review", holding_id)
    return predicted


def child(engine: str, requests: int, holdings: int, holdout: float) -> None:
    """Generate the data, run ``engine`` on it, print one line of JSON with the figures."""
    data = generate_matching_data(SEED, requests, holdings)
    withheld = held_out_given_names(SEED, holdout)
    rss_before = memory_kib("VmRSS")
    run = run_parley(data, withheld) if engine == "parley" else run_splink(data)
    peak = memory_kib("VmHWM")
    if "error" in run:
        print(json.dumps({"engine": engine, "error": run["error"]}))
        return
    spellings = _withheld_spellings(withheld)
    bearing = {
        r.record_id for r in data.requests if {r.given_name.lower(), r.patronymic.lower()} & spellings
    }  # fmt: skip
    figures = evaluate(data, run.pop("predicted"), run.pop("reached"), bearing)
    print(json.dumps({
        "engine": engine, **run, **figures, "peak_mib": peak / 1024,
        "rss_before_mib": rss_before / 1024, "withheld": sorted(withheld),
        "withheld_touched": len(bearing),
    }))  # fmt: skip


def _withheld_spellings(withheld: frozenset[str]) -> set[str]:
    """The withheld names and their patronymics, in Ukrainian Cyrillic and KMU 2010 Latin
    (the forms the generator writes most), lower case."""
    from parley.synthetic.names import name_book

    book = name_book("UA")
    forms = [s for s in (*book.male_given, *book.female_given) if s.native in withheld]
    for father, (son, daughter) in zip(book.male_given, book.patronymics, strict=True):
        if father.native in withheld:
            forms += [son, daughter]
    return {text.lower() for form in forms for text in (form.native, form.latin)}


def _run_child(engine: str, requests: int, holdings: int, holdout: float) -> dict[str, Any]:
    """Run ``engine`` in a fresh process and read its figures."""
    command = [sys.executable, __file__, "--child", engine, str(requests), str(holdings)]
    done = subprocess.run(
        [*command, "--holdout", str(holdout)], capture_output=True, text=True, check=False
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        return {"engine": engine, "error": f"exit {done.returncode}:\n{tail}"}
    return dict(json.loads(lines[-1]))


def _cell(run: dict[str, Any], key: str) -> str:
    """One figure of one engine, formatted for the table."""
    if "error" in run:
        return "-"
    value = run.get(key)
    if value is None:
        return "-"
    if key in ("precision", "recall", "f1", "review_share", "blocking_recall"):
        return f"{value:.4f}" if key != "review_share" else f"{value:.2%}"
    if key == "seconds":
        return f"{value:.2f} s"
    if key in ("peak_mib", "rss_before_mib"):
        return f"{value:,.0f} MiB"
    return f"{value:,}" if isinstance(value, int) else str(value)


ROWS = (
    ("precision of match", "precision"),
    ("recall of match", "recall"),
    ("F1 of match", "f1"),
    ("true / false matches", "tp_fp"),
    ("requests in review", "review_share"),
    ("blocking recall", "blocking_recall"),
    ("pairs scored", "candidate_pairs"),
    ("wall time", "seconds"),
    ("peak memory (process)", "peak_mib"),
    ("resident before the engine ran (input)", "rss_before_mib"),
)


def summary_table(runs: dict[str, dict[str, Any]]) -> list[str]:
    """The side-by-side table, as Markdown lines."""
    for run in runs.values():
        if "error" not in run:
            run["tp_fp"] = f"{run['tp']:,} / {run['fp']:,}"
    lines = ["| | " + " | ".join(runs) + " |", "|---" * (len(runs) + 1) + "|"]
    for label, key in ROWS:
        lines.append(f"| {label} | " + " | ".join(_cell(r, key) for r in runs.values()) + " |")
    return lines


def kinds_table(runs: dict[str, dict[str, Any]]) -> list[str]:
    """Errors by kind of request: false matches, and true pairs missed (to review, to no match,
    to a wrong holding), per engine."""
    ok = {name: run for name, run in runs.items() if "error" not in run}
    if not ok:
        return []
    first = next(iter(ok.values()))["by_tag"]
    header = "| kind | requests | " + " | ".join(
        f"{name}: false match / missed (review, none, wrong)" for name in ok
    )
    lines = [header + " |", "|---|---:" + "|---" * len(ok) + "|"]
    for tag in sorted(first, key=lambda t: -first[t]["n"]):
        cells = []
        for run in ok.values():
            c = run["by_tag"].get(tag, {})
            missed = (c.get("fn_review", 0), c.get("fn_no_match", 0), c.get("fn_wrong", 0))
            cells.append(f"{c.get('fp', 0)} / {sum(missed)} ({', '.join(map(str, missed))})")
        lines.append(f"| {tag} | {first[tag]['n']:,} | " + " | ".join(cells) + " |")
    return lines


def notes(runs: dict[str, dict[str, Any]], size: str) -> list[str]:
    """What the figures mean, what was withheld, how the targets stand."""
    out = []
    parley = runs.get("parley", {})
    if "withheld" in parley:
        out.append(
            f"Withheld from parley's dictionary: {len(parley['withheld'])} given names "
            f"({', '.join(parley['withheld'])}) and their patronymics; "
            f"{parley['withheld_touched']:,} requests bear one as given name or patronymic "
            "(in Cyrillic or KMU 2010 Latin; other Latin schemes not counted)."
        )
    if "duplicates" in parley:
        d = parley["duplicates"]
        out.append(
            f"Duplicate requests: {d['found']} of {d['true_pairs']} same-person pairs merged by "
            f"parley, {d['wrong']} pairs merged wrongly. Splink (link only) does not merge them: "
            "the second request of a pair competes for the same holding."
        )
    out.append(
        "Blocking recall: the share of true pairs among the pairs each engine's blocking "
        "kept for scoring (parley: `parley.matching.blocking.blocked_pairs`, outside the "
        "timed run)."
    )
    out.append(
        "Splink's review: a request left without a match whose best pair scored from "
        f"{REVIEW} to below {MATCH}."
    )
    if "error" not in parley and parley:
        out.append(_targets(parley, runs.get("splink", {}), size))
    return out


def _targets(parley: dict[str, Any], splink: dict[str, Any], size: str) -> str:
    """The issue's targets, each with whether parley met it here."""
    checks = [
        ("F1 >= 0.98", parley["f1"] >= 0.98),
        ("review <= 5%", parley["review_share"] <= 0.05),
    ]
    if "f1" in splink:
        checks.append(("F1 ahead of Splink", parley["f1"] > splink["f1"]))
    if size == "default":
        checks.append(("under 5 s", parley["seconds"] < 5))
    if size == "large":
        checks.append(("under 60 s", parley["seconds"] < 60))
        checks.append(("under 4 GB", parley["peak_mib"] < 4096))
    return (
        "Targets for parley: "
        + "; ".join(f"{label}: {'met' if met else 'NOT met'}" for label, met in checks)
        + "."
    )


def record(section: str, title: str) -> None:
    """Put ``section`` under ``title`` inside the matching block of RESULTS.md.

    Sections for other sizes stay as they were.
    """
    heading = "## Reconciliation (`.venv/bin/python bench/matching.py`)"
    put_section("matching", heading, INTRO, title, f"### {title}\n\n{section}\n\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--small", action="store_true", help="500 x 2,000, not recorded")
    size.add_argument("--large", action="store_true", help="50,000 x 200,000")
    parser.add_argument("--engines", default=",".join(ENGINES), help="parley,splink")
    parser.add_argument("--holdout", type=float, default=0.2, help="share of given names withheld")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]), args.holdout)
        return
    size_name = "small" if args.small else "large" if args.large else "default"
    n_requests, n_holdings = SIZES[size_name]
    print(f"{n_requests:,} requests x {n_holdings:,} holdings, seed {SEED}", flush=True)
    runs = {
        name: _run_engine(name, n_requests, n_holdings, args.holdout)
        for name in args.engines.split(",")
    }
    lines = [*summary_table(runs), "", *kinds_table(runs), "", *notes(runs, size_name)]
    print("\n".join(lines))
    if not args.no_record and not args.small:
        machine = (
            f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
        )
        title = f"{n_requests:,} requests x {n_holdings:,} holdings"
        head = f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine}, seed {SEED}."
        record("\n".join([head, "", *lines]).rstrip(), title)


def _run_engine(name: str, requests: int, holdings: int, holdout: float) -> dict[str, Any]:
    """Run one engine, or say why it cannot run."""
    if name == "splink":
        try:
            import splink  # noqa: F401
        except ImportError:
            message = "Splink is not installed: pip install -e '.[bench]'"
            print(message)
            return {"engine": name, "error": message}
    run = _run_child(name, requests, holdings, holdout)
    if "error" in run:
        print(f"{name}: {run['error']}", flush=True)
    else:
        print(f"{name}: F1 {run['f1']:.4f}, {run['seconds']:.2f} s", flush=True)
    return run


if __name__ == "__main__":
    main()
