"""API speed: authenticated reads and handover writes over loopback, from another process.

Targets on this 2-core machine (issue 7), on SQLite: at least 1,000 authenticated reads
a second with a p99 under 50 ms, and at least 300 handover writes a second with a p99
under 100 ms.

Set-up, untimed: the database of ``bench/handover.py`` (1,000 prisoners of war a side,
"1,000 for 1,000" planned, adopted, signed, tranche 1 open), a user and a token for each
office, the neutral verifier, the mediator and an observer, and ``parley serve`` started
as its own process on 127.0.0.1 (``--workers`` of them). This process is the load: a
small asyncio HTTP/1.1 client on keep-alive connections, each sending its next request
when the last is answered, every request with its bearer token.

- **reads**: ``--connections`` clients for ``--seconds``, each cycling through what the
  people at work read: a party its own holding (a read of personal data, recorded in the
  access log), the tranche's status and balance, a page of the crossing console's list,
  the log's size.
  Every answer must be 200.
- **writes**: the whole handover through ``POST .../handover`` with an idempotency key:
  the neutral verifier's check of each person, each office's handovers and receipts;
  ``--writers`` connections per role. A step refused as too early (409: not verified
  yet, not handed over yet, or the balance) is sent again after 1 ms, counted, not timed.

    .venv/bin/python bench/api.py                  # 1,000 a side, 1 server process
    .venv/bin/python bench/api.py --workers 2
    .venv/bin/python bench/api.py --record         # also update RESULTS.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

from recording import put_block

READ_TARGET, READ_P99_MS = 1000, 50
WRITE_TARGET, WRITE_P99_MS = 300, 100
ROLES = {
    "ua-office": ("party", "UA"),
    "ru-office": ("party", "RU"),
    "verifier": ("neutral_verifier", None),
    "mediator": ("mediator", None),
    "observer": ("observer", None),
}


class Connection:
    """One keep-alive HTTP/1.1 connection; one request at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(reader, writer)

    async def send(
        self, method: str, path: str, token: str, body: bytes = b"", extra: str = ""
    ) -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}"
        )
        if body:
            head += "Content-Type: application/json\r\n"
        self.writer.write(head.encode() + b"\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value)
        payload = await self.reader.readexactly(length)
        return int(status_line.split()[1]), payload

    def close(self) -> None:
        self.writer.close()


def _setup(folder: Path, people: int) -> tuple[str, str, dict[str, str]]:
    """The database, its exchange and a token per user."""
    sys.path.insert(0, str(Path(__file__).parent))
    from handover import _setup as handover_setup
    from parley import bootstrap
    from parley.domain.access import Role
    from parley.services.auth import add_user, new_token

    url = f"sqlite:///{folder / 'api.db'}"
    engine, exchange = handover_setup(url, people, folder)
    now = datetime.now(UTC)
    tokens = {}
    for name, (role, party) in ROLES.items():
        add_user(
            bootstrap.access_unit_of_work(engine), name, Role(role), party, actor="bench", now=now
        )  # type: ignore[arg-type]
        made = new_token(
            bootstrap.access_unit_of_work(engine), name, label="bench",
            valid_for=timedelta(days=1), actor="bench", now=now,
        )  # fmt: skip
        tokens[name] = made.token
    engine.dispose()  # type: ignore[attr-defined]
    return url, exchange, tokens


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PARLEY_DATABASE_URL=url, PARLEY_RATE_WRITES="100000")
    parley = Path(sys.executable).with_name("parley")
    server = subprocess.Popen(
        [str(parley), "serve", "--port", str(port), "--workers", str(workers)], env=env
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                time.sleep(0.5 if workers > 1 else 0)  # the other workers start too
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("parley serve did not start within 60 s")


def _quote(exchange: str) -> str:
    return urllib.parse.quote(exchange, safe="")


async def _reads(
    port: int,
    exchange: str,
    tokens: dict[str, str],
    connections: int,
    seconds: float,
    people: int,
) -> dict[str, float]:
    ex = _quote(exchange)
    mix = [
        ("ua-office", "/parties/UA/holdings/UA-{i}"),
        ("mediator", f"/exchanges/{ex}/tranches/1"),
        ("verifier", f"/exchanges/{ex}/tranches/1/people?side=UA&limit=20&offset={{i}}"),
        ("ru-office", "/parties/RU/holdings/RU-{i}"),
        ("verifier", f"/exchanges/{ex}/tranches/1"),
        ("observer", "/log"),
    ]
    latencies: list[float] = []
    failures: dict[int, int] = {}
    stop = time.perf_counter() + seconds

    async def client(n: int) -> None:
        conn = await Connection.open(port)
        i = n
        while time.perf_counter() < stop:
            who, path = mix[i % len(mix)]
            started = time.perf_counter()
            # Every person and page in turn: a record id past --people would be a 404.
            status, _ = await conn.send("GET", path.format(i=i % people), tokens[who])
            latencies.append(time.perf_counter() - started)
            if status != 200:
                failures[status] = failures.get(status, 0) + 1
            i += 1
        conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(connections)))
    elapsed = time.perf_counter() - began
    if failures:
        raise SystemExit(f"reads answered other than 200: {failures}")
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "rate": len(ordered) / elapsed,
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "max_ms": ordered[-1] * 1000,
    }


async def _writes(
    port: int, exchange: str, tokens: dict[str, str], people: int, writers: int
) -> dict[str, float]:
    path = f"/exchanges/{_quote(exchange)}/tranches/1/handover"
    latencies: list[float] = []
    early = [0]

    async def send(conn: Connection, who: str, side: str, record: str, action: str) -> None:
        body = json.dumps({"side": side, "record_id": record, "action": action}).encode()
        key = f"Idempotency-Key: {who}:{side}:{record}:{action}\r\n"
        while True:
            started = time.perf_counter()
            status, payload = await conn.send("POST", path, tokens[who], body, key)
            if status == 200:
                latencies.append(time.perf_counter() - started)
                return
            if status in (409, 503):
                early[0] += 1
                await asyncio.sleep(0.001)
                continue
            raise SystemExit(f"{action} of {record} answered {status}: {payload[:300]!r}")

    async def verifier(share: int) -> None:
        conn = await Connection.open(port)
        for i in range(share, people, writers):
            for side in ("UA", "RU"):
                await send(conn, "verifier", side, f"{side}-{i}", "verify")
        conn.close()

    async def office(side: str, share: int) -> None:
        other = "RU" if side == "UA" else "UA"
        who = f"{side.lower()}-office"
        conn = await Connection.open(port)
        for i in range(share, people, writers):
            await send(conn, who, side, f"{side}-{i}", "hand_over")
            await send(conn, who, other, f"{other}-{i}", "receive")
        conn.close()

    began = time.perf_counter()
    tasks = [verifier(s) for s in range(writers)]
    tasks += [office(side, s) for side in ("UA", "RU") for s in range(writers)]
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "seconds": elapsed,
        "rate": len(ordered) / elapsed,
        "median_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
        "max_ms": ordered[-1] * 1000,
        "early": early[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=1000, help="people per side")
    parser.add_argument("--workers", type=int, default=1, help="server processes")
    parser.add_argument("--connections", type=int, default=16, help="reading clients")
    parser.add_argument("--writers", type=int, default=2, help="writing clients per role")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long to read")
    parser.add_argument("--record", action="store_true", help="write the table to RESULTS.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, exchange, tokens = _setup(Path(folder), args.people)
        port = _free_port()
        server = _start_server(url, port, args.workers)
        try:
            reads = asyncio.run(
                _reads(port, exchange, tokens, args.connections, args.seconds, args.people)
            )
            writes = asyncio.run(_writes(port, exchange, tokens, args.people, args.writers))
        finally:
            server.terminate()
            server.wait(timeout=30)
    read_met = reads["rate"] >= READ_TARGET and reads["p99_ms"] < READ_P99_MS
    write_met = writes["rate"] >= WRITE_TARGET and writes["p99_ms"] < WRITE_P99_MS
    rows = [
        f"| authenticated reads | {int(reads['requests']):,} in {args.seconds:.0f} s, "
        f"{args.connections} connections | {reads['rate']:,.0f}/s | median "
        f"{reads['median_ms']:.1f} ms, p99 {reads['p99_ms']:.1f} ms, max {reads['max_ms']:.0f} ms "
        f"| >= {READ_TARGET:,}/s, p99 < {READ_P99_MS} ms | {'met' if read_met else 'NOT met'} |",
        f"| handover writes | {int(writes['requests']):,} ({args.people:,} a side) in "
        f"{writes['seconds']:.2f} s, {args.writers} connections a role; "
        f"{int(writes['early']):,} early steps sent again | {writes['rate']:,.0f}/s | median "
        f"{writes['median_ms']:.1f} ms, p99 {writes['p99_ms']:.1f} ms, max {writes['max_ms']:.0f} ms "
        f"| >= {WRITE_TARGET}/s, p99 < {WRITE_P99_MS} ms | {'met' if write_met else 'NOT met'} |",
    ]
    for row in rows:
        print(row)
    if args.record:
        when = datetime.now(UTC).strftime("%Y-%m-%d")
        block = "\n".join(
            [
                "<!-- api:start -->",
                "## API (`.venv/bin/python bench/api.py`)",
                "",
                f"Measured {when} on {platform.machine()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}, SQLite. `parley serve --workers {args.workers}` in "
                "its own process; the load from this one over loopback, keep-alive HTTP/1.1, "
                "a bearer token on every request. Reads: a party's own holding, a tranche's "
                "status and balance, a page of the crossing console's list, the log's size, "
                "in turn. Writes: the whole "
                "handover of the 1,000-for-1,000 exchange (check, handover, receipt of each "
                "person) with idempotency keys.",
                "",
                "| load | size | rate | latency | target | |",
                "|---|---|---|---|---|---|",
                *rows,
                "<!-- api:end -->",
            ]
        )
        put_block("api", block)


if __name__ == "__main__":
    main()
