"""Load and soak: a real ``parley serve`` on SQLite under a steady mixed load for minutes.

Issue 9, item 4. Both parties' offices and the neutral verifier record the handover at
once through ``POST /exchanges/{ex}/tranches/1/handover`` (each step with its
``Idempotency-Key``), while readers poll what people watch during a crossing: the web
overview of the exchange (``GET /app/exchanges/{ex}``) and its live balance fragment
(``GET /app/exchanges/{ex}/tranches/1/balance``), signed in with a web session through
the sign-in form, and the API's tranche status and crossing list.

The load is paced, not flat out: each client sends on a fixed schedule (``--write-rate``
handover steps a second across the three roles, ``--read-rate`` reads a second across
the readers), so that a run of any length is the same load from its first minute to its
last and a change in memory or latency means the server changed, not the load. A step
refused as too early (409: not verified yet, not handed over yet, or the balance) is
sent again after 10 ms with the same key, counted, not timed. The exchange is made large
enough for the run: ``--write-rate x seconds / 6`` people a side (each person takes
three steps on each of two sides... six steps per pair), plus a quarter, so the
handover never ends during the run. Should it end anyway (a faster server than
planned for), the writers keep writing: they send their acknowledged steps again with
the same keys, replays the server must answer as the first time without recording
them twice; these are counted as their own kind.

Set-up, untimed: ``bench/api.py``'s database (``bench/handover.py``: an open tranche of
the planned, adopted, signed exchange), its users and tokens, and web users with
passwords for the mediator and each office. ``parley serve`` runs as its own process;
this process is the load (asyncio, keep-alive HTTP/1.1 over loopback).

Figures: per kind of request, how many, the rate, the median, p99 and max latency
(from sending to the whole answer, on a connection that was free: the schedule waits
for a slow answer, so time queued in this client is not counted); errors (any answer
other than 2xx, except the 409 too-early retries, and any broken connection); the
server's resident memory (VmRSS of its process and its children, sampled every second).
Memory must not grow: after a warm-up (a fifth of the run, at most a minute), the
median of the first window (the same length) is compared with the median of the last;
growth over ``GROWTH_LIMIT`` of the first (and at least ``GROWTH_FLOOR_MIB``, below
which allocator noise and SQLite's page cache filling dominate) fails. At the end every
acknowledged step must be in the tranche's crossing list, read through the API.

    .venv/bin/python bench/soak.py --minutes 1           # a quick run
    .venv/bin/python bench/soak.py --minutes 10 --record # make soak: writes RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from api import Connection, _free_port, _quote, _setup, _start_server
from recording import put_block

GROWTH_LIMIT = 0.10  # of the first window's median RSS
GROWTH_FLOOR_MIB = 8.0
WEB_USERS = {"ua-viewer": ("party", "UA"), "ru-viewer": ("party", "RU")}
WEB_USERS["mediator-viewer"] = ("mediator", None)
PASSWORD = "soak-password-not-secret"  # synthetic data on loopback only
ROLES = ("verifier", "ua-office", "ru-office")
READ_KINDS = ("overview page", "balance fragment", "tranche status", "crossing list")
WRITE_KIND, REPLAY_KIND = "handover step", "handover replay"
# What a reader polls, in turn: the balance fragment most (the page swaps it in every
# two seconds) and the API's reads between. The whole overview page is another client's,
# opened every ``Load.overview_every`` seconds: it costs the server far more than the
# rest (it draws the charts of every step) and grows with the exchange.
READ_MIX = ("balance fragment", "tranche status", "balance fragment", "crossing list")


@dataclass(frozen=True, slots=True)
class Load:
    """What to run: how long, how hard, and how large an exchange."""

    seconds: float
    write_rate: float = 20.0
    read_rate: float = 40.0
    overview_every: float = 2.0
    writers: int = 2  # connections per role
    readers: int = 4
    people: int = 0  # a side; 0: enough for the run

    def people_needed(self) -> int:
        return self.people or math.ceil(self.write_rate * self.seconds / 6 * 1.25) + 50


@dataclass
class Figures:
    """What a run measured."""

    seconds: float = 0.0
    people: int = 0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    early: int = 0
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds in, KiB)
    acknowledged: set[tuple[str, str, str]] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)

    def kind(self, name: str) -> dict[str, float]:
        ordered = sorted(self.latencies.get(name, []))
        if not ordered:
            return {"requests": 0, "rate": 0.0, "median_ms": 0.0, "p99_ms": 0.0, "max_ms": 0.0}
        return {
            "requests": len(ordered),
            "rate": len(ordered) / self.seconds,
            "median_ms": statistics.median(ordered) * 1000,
            "p99_ms": ordered[max(0, math.ceil(len(ordered) * 0.99) - 1)] * 1000,
            "max_ms": ordered[-1] * 1000,
        }

    def memory(self) -> dict[str, float]:
        """The median RSS (MiB) of the first and last window after warm-up, and growth."""
        window = min(60.0, self.seconds / 5)
        first = [k for t, k in self.rss if window <= t < 2 * window]
        last = [k for t, k in self.rss if t >= self.seconds - window]
        if not first or not last:
            return {"first_mib": 0.0, "last_mib": 0.0, "growth_mib": 0.0, "limit_mib": 0.0}
        a, b = statistics.median(first) / 1024, statistics.median(last) / 1024
        return {
            "window_s": window,
            "first_mib": a,
            "last_mib": b,
            "growth_mib": b - a,
            "limit_mib": max(GROWTH_FLOOR_MIB, GROWTH_LIMIT * a),
            "peak_mib": max(k for _, k in self.rss) / 1024,
        }

    def problems(self) -> list[str]:
        """What failed: errors, lost steps, memory growth; empty when the soak held."""
        found = [f"{n} x {what}" for what, n in sorted(self.errors.items())]
        found += [f"acknowledged but not recorded: {m}" for m in self.missing[:20]]
        mem = self.memory()
        if not mem["first_mib"]:
            found.append("too few memory samples to compare")
        elif mem["growth_mib"] > mem["limit_mib"]:
            found.append(
                f"memory grew {mem['growth_mib']:.1f} MiB (limit {mem['limit_mib']:.1f} MiB)"
            )
        return found


class WebConnection(Connection):
    """A keep-alive connection that carries a web session's cookie instead of a token."""

    def __init__(self, conn: Connection, cookie: str) -> None:
        super().__init__(conn.reader, conn.writer)
        self.cookie = cookie

    async def get(self, path: str) -> tuple[int, bytes]:
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: parley_session={self.cookie}"
            "\r\nContent-Length: 0\r\n\r\n".encode()
        )
        status_line = await self.reader.readline()
        length, chunked = 0, False
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "transfer-encoding" and "chunked" in value:
                chunked = True
        if not chunked:
            return int(status_line.split()[1]), await self.reader.readexactly(length)
        body = b""
        while size := int((await self.reader.readline()).split(b";")[0], 16):
            body += await self.reader.readexactly(size + 2)
        await self.reader.readline()
        return int(status_line.split()[1]), body


def prepare(folder: Path, people: int) -> tuple[str, str, dict[str, str]]:
    """``bench/api.py``'s database, tokens, and web users with ``PASSWORD``."""
    from parley import bootstrap
    from parley.adapters import db
    from parley.domain.access import Role
    from parley.services.auth import add_user

    url, exchange, tokens = _setup(folder, people)
    engine = db.create_db_engine(url)
    for name, (role, party) in WEB_USERS.items():
        add_user(
            bootstrap.access_unit_of_work(engine), name, Role(role), party,
            password=PASSWORD, actor="bench", now=datetime.now(UTC),
        )  # fmt: skip
    engine.dispose()
    return url, exchange, tokens


def sign_in(port: int, user: str) -> str:
    """The session cookie the sign-in form gives ``user``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    form = urllib.parse.urlencode({"user": user, "password": PASSWORD, "next": "/app"})
    conn.request("POST", "/app/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    for name, value in answer.getheaders():
        if name.lower() == "set-cookie" and value.startswith("parley_session="):
            return value.split(";")[0].partition("=")[2]
    raise SystemExit(f"signing in as {user} answered {answer.status} without a session")


def rss_kib(pid: int) -> int:
    """VmRSS of ``pid`` and its children (``--workers`` over 1 forks them), in KiB."""
    total, seen, todo = 0, set(), [pid]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            status = Path(f"/proc/{p}/status").read_text()
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        total += next(int(ln.split()[1]) for ln in status.splitlines() if ln[:6] == "VmRSS:")
    return total


class _Pace:
    """A fixed schedule of ``rate`` sends a second; a late send does not bunch the next."""

    def __init__(self, rate: float, offset: float) -> None:
        self.interval = 1 / rate
        self.next = time.perf_counter() + offset * self.interval

    async def wait(self) -> None:
        now = time.perf_counter()
        if self.next > now:
            await asyncio.sleep(self.next - now)
        self.next = max(self.next + self.interval, time.perf_counter())


async def _run_load(
    port: int, exchange: str, tokens: dict[str, str], cookies: list[str], load: Load, fig: Figures
) -> None:
    ex = _quote(exchange)
    handover = f"/exchanges/{ex}/tranches/1/handover"
    paths = {
        "overview page": f"/app/exchanges/{ex}",
        "balance fragment": f"/app/exchanges/{ex}/tranches/1/balance",
        "tranche status": f"/exchanges/{ex}/tranches/1",
        "crossing list": f"/exchanges/{ex}/tranches/1/people?side={{side}}&limit=20&offset={{i}}",
    }
    began = time.perf_counter()
    stop = began + load.seconds
    people = fig.people

    def failed(kind: str, status: int | str, payload: bytes = b"") -> None:
        fig.errors[f"{kind}: {status} {payload[:120]!r}" if payload else f"{kind}: {status}"] += 1

    async def step(conn: Connection, who: str, side: str, record: str, action: str) -> bool:
        body = json.dumps({"side": side, "record_id": record, "action": action}).encode()
        key = f"Idempotency-Key: {who}:{side}:{record}:{action}\r\n"
        kind = REPLAY_KIND if (side, record, action) in fig.acknowledged else WRITE_KIND
        while True:
            started = time.perf_counter()
            status, payload = await conn.send("POST", handover, tokens[who], body, key)
            if 200 <= status < 300:
                fig.latencies[kind].append(time.perf_counter() - started)
                fig.acknowledged.add((side, record, action))
                return True
            if status != 409 or time.perf_counter() > stop:
                if status != 409:
                    failed(f"{action} {record}", status, payload)
                return False
            fig.early += 1
            await asyncio.sleep(0.01)

    def steps(who: str, share: int) -> list[tuple[str, str, str]]:
        if who == "verifier":
            return [
                (side, f"{side}-{i}", "verify")
                for i in range(share, people, load.writers)
                for side in ("UA", "RU")
            ]
        side = who[:2].upper()
        other = "RU" if side == "UA" else "UA"
        return [
            item
            for i in range(share, people, load.writers)
            for item in ((side, f"{side}-{i}", "hand_over"), (other, f"{other}-{i}", "receive"))
        ]

    async def writer(who: str, share: int) -> None:
        conn = await Connection.open(port)
        pace = _Pace(load.write_rate / len(ROLES) / load.writers, share / load.writers)
        todo = steps(who, share)
        done: list[tuple[str, str, str]] = []
        n = 0
        try:
            while time.perf_counter() < stop:
                await pace.wait()
                # The handover done before the run is: the same steps again, same keys.
                item = todo[n] if n < len(todo) else done[n % len(done)]
                n += 1
                if await step(conn, who, *item):
                    done.append(item)
        except (OSError, asyncio.IncompleteReadError) as e:
            failed(f"{who} connection", type(e).__name__)
        finally:
            conn.close()

    async def reader(n: int) -> None:
        web = WebConnection(await Connection.open(port), cookies[n % len(cookies)])
        api_token = tokens[("ua-office", "mediator", "verifier")[n % 3]]
        pace = _Pace(load.read_rate / load.readers, n / load.readers)
        i = n
        try:
            while time.perf_counter() < stop:
                await pace.wait()
                kind = READ_MIX[i % len(READ_MIX)]
                side = "UA" if n % 3 == 0 else ("RU", "UA")[i % 2]  # a party reads its own
                path = paths[kind].format(side=side, i=(i * 7) % max(1, people - 20))
                started = time.perf_counter()
                if kind == "balance fragment":
                    status, payload = await web.get(path)
                else:
                    status, payload = await web.send("GET", path, api_token)
                if 200 <= status < 300:
                    fig.latencies[kind].append(time.perf_counter() - started)
                else:
                    failed(kind, status, payload)
                i += 1
        except (OSError, asyncio.IncompleteReadError) as e:
            failed(f"reader {n} connection", type(e).__name__)
        finally:
            web.close()

    async def overview() -> None:
        web = WebConnection(await Connection.open(port), cookies[-1])
        pace = _Pace(1 / load.overview_every, 0.5)
        try:
            while time.perf_counter() < stop:
                await pace.wait()
                started = time.perf_counter()
                status, payload = await web.get(paths["overview page"])
                if 200 <= status < 300:
                    fig.latencies["overview page"].append(time.perf_counter() - started)
                else:
                    failed("overview page", status, payload)
        except (OSError, asyncio.IncompleteReadError) as e:
            failed("overview connection", type(e).__name__)
        finally:
            web.close()

    tasks = [writer(w, s) for w in ROLES for s in range(load.writers)]
    tasks += [reader(n) for n in range(load.readers)]
    tasks.append(overview())
    await asyncio.gather(*tasks)
    fig.seconds = time.perf_counter() - began


def _sample(pid: int, began: float, fig: Figures, done: threading.Event) -> None:
    while not done.wait(1.0):
        fig.rss.append((time.perf_counter() - began, rss_kib(pid)))


def check_steps(port: int, exchange: str, token: str, fig: Figures) -> None:
    """Every acknowledged step is in the crossing list (the API's), else ``fig.missing``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    people: dict[tuple[str, str], dict[str, object]] = {}
    for side in ("UA", "RU"):
        offset = 0
        while True:
            conn.request(
                "GET",
                f"/exchanges/{_quote(exchange)}/tranches/1/people?side={side}"
                f"&limit=100&offset={offset}",
                headers={"Authorization": f"Bearer {token}"},
            )
            answer = conn.getresponse()
            page = json.loads(answer.read())
            if answer.status != 200:
                raise SystemExit(f"the crossing list answered {answer.status}: {page}")
            for p in page["items"]:
                people[(p["side"], p["record_id"])] = p
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                break
    conn.close()
    for side, record, action in sorted(fig.acknowledged):
        p = people.get((side, record))
        state = p["state"] if p else None
        held = {
            "verify": bool(p and p["verified"]),
            "hand_over": state in ("handed_over", "received"),
            "receive": state == "received",
        }[action]
        if not held:
            fig.missing.append(f"{action} {side} {record} (now {state})")


def soak(load: Load, folder: Path) -> Figures:
    """Set up, start ``parley serve``, run ``load`` against it, check, stop it."""
    fig = Figures(people=load.people_needed())
    url, exchange, tokens = prepare(folder, fig.people)
    port = _free_port()
    server = _start_server(url, port, 1)
    done = threading.Event()
    try:
        cookies = [sign_in(port, user) for user in WEB_USERS]
        sampler = threading.Thread(
            target=_sample, args=(server.pid, time.perf_counter(), fig, done), daemon=True
        )
        sampler.start()
        asyncio.run(_run_load(port, exchange, tokens, cookies, load, fig))
        done.set()
        sampler.join()
        check_steps(port, exchange, tokens["mediator"], fig)
    finally:
        done.set()
        server.terminate()
        server.wait(timeout=30)
    return fig


def _rows(fig: Figures) -> list[str]:
    rows = []
    for kind in (WRITE_KIND, REPLAY_KIND, *READ_KINDS):
        k = fig.kind(kind)
        if k["requests"]:
            rows.append(
                f"| {kind} | {int(k['requests']):,} | {k['rate']:,.1f}/s | "
                f"{k['median_ms']:.1f} ms | {k['p99_ms']:.1f} ms | {k['max_ms']:.0f} ms |"
            )
    return rows


def report(fig: Figures, load: Load) -> str:
    """The figures as Markdown: a table per kind, then memory, errors and the verdict."""
    mem = fig.memory()
    problems = fig.problems()
    written = len(fig.acknowledged)
    lines = [
        f"{fig.seconds:.0f} s; {fig.people:,} people a side; offered {load.write_rate:g} "
        f"handover steps/s ({load.writers} connections per role, 3 roles) and "
        f"{load.read_rate:g} reads/s ({load.readers} connections), and the overview page "
        f"every {load.overview_every:g} s.",
        "",
        "| kind | requests | rate | median | p99 | max |",
        "|---|---|---|---|---|---|",
        *_rows(fig),
        "",
        f"- Handover steps acknowledged: {written:,} of {6 * fig.people:,}, all found in the "
        f"crossing list at the end: {'yes' if not fig.missing else f'NO, {len(fig.missing)} missing'}; "
        f"{fig.early:,} too-early 409s sent again.",
        f"- Server memory (VmRSS, {len(fig.rss)} samples, 1 a second): median "
        f"{mem['first_mib']:.1f} MiB in the first {mem.get('window_s', 0):.0f} s after "
        f"warm-up, {mem['last_mib']:.1f} MiB in the last; growth {mem['growth_mib']:+.1f} MiB "
        f"(limit {mem['limit_mib']:.1f} MiB: {GROWTH_LIMIT:.0%} or {GROWTH_FLOOR_MIB:g} MiB); "
        f"peak {mem.get('peak_mib', 0):.1f} MiB.",
        f"- Errors: {sum(fig.errors.values())}"
        + (
            ""
            if not fig.errors
            else " (" + "; ".join(f"{n} x {e}" for e, n in fig.errors.items()) + ")"
        ),
        f"- Verdict: {'held' if not problems else 'NOT held: ' + '; '.join(problems[:5])}.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to load")
    parser.add_argument("--write-rate", type=float, default=20.0, help="handover steps/s")
    parser.add_argument("--read-rate", type=float, default=40.0, help="other reads/s")
    parser.add_argument("--overview-every", type=float, default=2.0, help="seconds")
    parser.add_argument("--record", action="store_true", help="write the figures to RESULTS.md")
    args = parser.parse_args()
    load = Load(
        seconds=args.minutes * 60,
        write_rate=args.write_rate,
        read_rate=args.read_rate,
        overview_every=args.overview_every,
    )
    with tempfile.TemporaryDirectory() as folder:
        fig = soak(load, Path(folder))
    text = report(fig, load)
    print(text)
    if args.record:
        when = datetime.now(UTC).strftime("%Y-%m-%d")
        put_block(
            "soak",
            "\n".join(
                [
                    "<!-- soak:start -->",
                    "## Load and soak (`make soak`: `.venv/bin/python bench/soak.py "
                    f"--minutes {args.minutes:g}`)",
                    "",
                    f"Measured {when} on {platform.machine()}, {os.cpu_count()} cores, Python "
                    f"{platform.python_version()}, SQLite, `parley serve` in its own process, "
                    "the load from this one over loopback at a fixed pace: both offices and "
                    "the neutral verifier recording the handover with idempotency keys, "
                    "readers polling the web overview and its balance fragment (signed in "
                    "through the form) and the API's tranche status and crossing list.",
                    "",
                    text,
                    "<!-- soak:end -->",
                ]
            ),
        )
    if fig.problems():
        raise SystemExit(1)


if __name__ == "__main__":
    main()
