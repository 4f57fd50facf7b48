"""Crash safety: a real ``parley serve`` killed with SIGKILL while clients write to it.

The harness prepares a database (SQLite file or a PostgreSQL schema) with an open
tranche of ``people`` prisoners of war a side and a token per office, starts
``python -m parley serve`` on it, and runs clients against it over loopback:

- the neutral verifier, and each party's office, recording the whole handover through
  ``POST /exchanges/{ex}/tranches/1/handover``, each step with its ``Idempotency-Key``;
- each party's office importing small holdings files (``POST /parties/{p}/imports/holdings``),
  each file of new record ids, one after the other.

A client whose request gets no answer (the server died under it) waits for the server
to come back and sends the same request again, with the same key (a handover step) or
the same file (an import). Meanwhile the killer lets the server run for a random moment,
kills it with SIGKILL, and, with the server down, checks the database
(:func:`check_database`): every acknowledged step and import is there exactly once,
nothing attempted is half there, the log verifies and its replay agrees with the tables.
Then it starts the server again, and again, ``kills`` times; at the end the clients
finish their work and the last check, and ``parley verify --database`` and
``parley verify --replay`` as commands, must pass too.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, text

__all__ = [
    "CrashFigures",
    "CrashRun",
    "Prepared",
    "check_database",
    "prepare",
    "run_crashes",
]

AGREEMENT = """\
agreement: crash {n} for {n}
parties: [UA, RU]
age_on: 2025-05-16
tracks:
  - {{name: military, selector: category == pow, formula: parity}}
minimum_per_side: {n}
tranches: {{count: 1, capacity_per_side: {n}, max_lead: 1}}
"""
ROLES = {
    "ua-office": ("party", "UA"),
    "ru-office": ("party", "RU"),
    "verifier": ("neutral_verifier", None),
    "mediator": ("mediator", None),
}
IMPORT_ROWS = 25
_EVENT_OF = {
    "verify": "PersonVerificationRecorded",
    "hand_over": "PersonHandedOver",
    "receive": "PersonReceived",
}


def _letters(number: int) -> str:
    """A name part for ``number`` (names hold letters only): 0 -> A, 27 -> Bb."""
    word = ""
    while True:
        number, digit = divmod(number, 26)
        word = chr(ord("A") + digit) + word
        if not number:
            return word.capitalize()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A database ready for the handover: its URL, the exchange, and a token per user."""

    url: str
    exchange: str
    people: int
    tokens: dict[str, str]


def prepare(url: str, folder: Path, people: int) -> Prepared:
    """Migrate ``url``'s database and open a tranche of ``people`` a side on it.

    Parties UA and RU, ``people`` prisoners of war held by each, "N for N" planned by
    the real planner, adopted, both manifests signed by the three keys, the tranche
    open; a user and a token for each office, the neutral verifier and the mediator.
    """
    from parley import bootstrap
    from parley.adapters import db
    from parley.adapters.agreements import read_agreement
    from parley.adapters.formats import open_table
    from parley.adapters.uow import SqlUnitOfWork
    from parley.domain.access import Role
    from parley.domain.parties import Party
    from parley.ledger.keys import SigningKey
    from parley.ledger.signatures import sign_file
    from parley.services.auth import add_user, new_token
    from parley.services.exchange import open_tranche
    from parley.services.importing import import_records
    from parley.services.keys import register_key
    from parley.services.manifests import adopt_plan, export_manifest, sign_manifest
    from parley.services.parties import register_party
    from parley.services.planning import plan_from_database

    now = datetime.now(UTC)
    engine = db.create_db_engine(url)
    try:
        db.upgrade(engine)

        def uow() -> SqlUnitOfWork:
            return SqlUnitOfWork(engine)

        for code in ("UA", "RU"):
            register_party(uow(), Party(code, f"Party {code}", "und"), actor="crash", now=now)
            csv = folder / f"{code}-listed.csv"
            lines = ["record_id,family_name,given_name,category,birth_date"]
            lines += [
                f"{code}-{i},Family {_letters(i)},Given,pow,1990-01-01" for i in range(people)
            ]
            csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
            table = open_table(csv)
            try:
                import_records(uow(), kind="holdings", party=code, table=table, actor=code, now=now)
            finally:
                table.close()
        source = AGREEMENT.format(n=people)
        agreement = read_agreement(source, "crash.yaml").agreement
        plan_from_database(uow(), agreement, actor="mediator", now=now)
        keys = {
            n: SigningKey.from_seed(n, hashlib.sha256(n.encode()).digest())
            for n in ("UA", "RU", "MEDIATOR")
        }
        for key in keys.values():
            register_key(uow(), key.verifier, actor="mediator", now=now)
        adopt_plan(uow(), agreement, source, actor="mediator", now=now)
        for side in ("UA", "RU"):
            stored = export_manifest(uow(), agreement.name, 1, side)
            for signer, key in keys.items():
                signature = sign_file(hashlib.sha256(stored.document).digest(), key).to_text()
                sign_manifest(uow(), agreement.name, 1, side, signature, actor=signer, now=now)
        open_tranche(uow(), agreement.name, 1, today=now.date(), actor="mediator", now=now)
        tokens = {}
        for name, (role, party) in ROLES.items():
            access = bootstrap.access_unit_of_work(engine)
            add_user(access, name, Role(role), party, actor="crash", now=now)
            made = new_token(
                bootstrap.access_unit_of_work(engine), name, label="crash",
                valid_for=timedelta(days=1), actor="crash", now=now,
            )  # fmt: skip
            tokens[name] = made.token
    finally:
        engine.dispose()
    return Prepared(url, agreement.name, people, tokens)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``parley serve`` on one port and database, started again after each kill.

    ``warm``: each server is forked from a zygote that has done the imports
    (``tests/crash/zygote.py``), which starts it in a fraction of the time;
    otherwise each is ``python -m parley serve`` from nothing.
    """

    def __init__(self, url: str, folder: Path, *, warm: bool = True) -> None:
        self.port = _free_port()
        self.env = dict(
            os.environ, PARLEY_DATABASE_URL=url, PARLEY_RATE_WRITES="1000000",
            PYTHONDONTWRITEBYTECODE="1",
        )  # fmt: skip
        self.log = folder / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.pid: int | None = None
        self.starts: list[float] = []
        self.zygote: subprocess.Popen[str] | None = None
        if warm:
            self.zygote = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("zygote.py"))],
                env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            assert self.zygote.stdout is not None
            if self.zygote.stdout.readline().strip() != "ready":
                raise RuntimeError("the zygote did not start")

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait for ``/health`` to answer.

        Raises:
            RuntimeError: it exited, or did not answer within ``timeout`` (its output
                is in the message: a server that cannot start again after a kill is a
                defect, e.g. a stale lock).
        """
        began = time.perf_counter()
        if self.zygote is not None:
            self.pid = int(self._ask(f"start {self.port} {self.log}"))
        else:
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "parley", "serve", "--port", str(self.port)],
                    env=self.env, stdout=log, stderr=subprocess.STDOUT,
                )  # fmt: skip
            self.pid = self.process.pid
        deadline = time.monotonic() + timeout
        while True:
            if self._exited():
                raise RuntimeError(f"parley serve exited at its start: {self._tail()}")
            if self._healthy():
                self.starts.append(time.perf_counter() - began)
                return
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"parley serve did not answer within {timeout:.0f} s")
            time.sleep(0.02)

    def _healthy(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            conn.request("GET", "/health")
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def _tail(self) -> str:
        return self.log.read_text("utf-8", "replace")[-2000:]

    def _ask(self, command: str) -> str:
        assert self.zygote is not None
        assert self.zygote.stdin is not None
        assert self.zygote.stdout is not None
        self.zygote.stdin.write(command + "\n")
        self.zygote.stdin.flush()
        return self.zygote.stdout.readline().strip()

    def _exited(self) -> bool:
        if self.process is not None:
            return self.process.poll() is not None
        if self.pid is None:
            return True
        try:  # the zygote's child: alive (or a zombie not reaped yet)?
            state = Path(f"/proc/{self.pid}/stat").read_text().split(") ")[1][0]
        except OSError:
            return True
        return state == "Z"

    def _signal(self, signum: int) -> None:
        """Send ``signum`` to the server and reap it."""
        if self.pid is None:
            return
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signum)
            self.process.wait(timeout=30)
        else:
            os.kill(self.pid, signum)
            self._ask(f"wait {self.pid}")
        self.process, self.pid = None, None

    def kill(self) -> None:
        """SIGKILL: no shutdown handler runs, nothing is flushed."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """Stop the server gracefully, and the zygote (at the end of a run)."""
        self._signal(signal.SIGTERM)
        if self.zygote is not None:
            assert self.zygote.stdin is not None
            self.zygote.stdin.close()
            self.zygote.wait(timeout=30)
            self.zygote = None


@dataclass(frozen=True, slots=True)
class Step:
    """One handover step a client sends: who, for whom, what, and its idempotency key."""

    who: str
    side: str
    record_id: str
    action: str

    @property
    def key(self) -> str:
        return f"{self.who}:{self.side}:{self.record_id}:{self.action}"

    @property
    def stored_key(self) -> str:
        """The key as stored: kept apart per user (``services.secured.crossing``)."""
        return f"{self.who}/{self.key}"


@dataclass(frozen=True, slots=True)
class Upload:
    """One holdings file a party's office imports: ``rows`` new record ids ``prefix-j``."""

    party: str
    number: int
    body: bytes

    @property
    def prefix(self) -> str:
        return f"{self.party}-I{self.number}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _upload(party: str, number: int) -> Upload:
    lines = ["record_id,family_name,given_name,category,birth_date"]
    lines += [
        f"{party}-I{number}-{j},Family {_letters(number * IMPORT_ROWS + j)},Imported,pow,1991-02-03"
        for j in range(IMPORT_ROWS)
    ]
    return Upload(party, number, ("\n".join(lines) + "\n").encode())


@dataclass
class Clients:
    """What the clients sent and what was acknowledged to them (a 2xx answer received)."""

    port: int
    prepared: Prepared
    up: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    attempted_steps: set[Step] = field(default_factory=set)
    acked_steps: set[Step] = field(default_factory=set)
    attempted_uploads: list[Upload] = field(default_factory=list)
    acked_uploads: dict[str, int] = field(default_factory=dict)  # prefix -> import id
    unanswered: int = 0  # requests that got no answer (the server died) and were sent again
    replayed: int = 0  # steps answered from their idempotency key's stored result
    errors: list[str] = field(default_factory=list)

    def _send(
        self, method: str, path: str, who: str, body: bytes, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """Send until answered: no answer (the server died) waits for it and sends again."""
        headers = {"Authorization": f"Bearer {self.prepared.tokens[who]}", **headers}
        while True:
            self.up.wait()
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.unanswered += 1
                time.sleep(0.005)
            finally:
                conn.close()

    def step(self, step: Step) -> None:
        """Record one step until it is acknowledged (409/503: too early or busy, again)."""
        exchange = urllib.parse.quote(self.prepared.exchange, safe="")
        path = f"/exchanges/{exchange}/tranches/1/handover"
        body = json.dumps(
            {"side": step.side, "record_id": step.record_id, "action": step.action}
        ).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": step.key}
        with self.lock:
            self.attempted_steps.add(step)
        while True:
            status, payload = self._send("POST", path, step.who, body, headers)
            if status == 200:
                with self.lock:
                    self.acked_steps.add(step)
                    self.replayed += bool(json.loads(payload).get("replayed"))
                return
            if status in (409, 503):
                time.sleep(0.002)
                continue
            raise RuntimeError(f"{step.key} answered {status}: {payload[:300]!r}")

    def upload(self, upload: Upload) -> None:
        """Import one file until it is acknowledged."""
        path = f"/parties/{upload.party}/imports/holdings"
        headers = {
            "Content-Type": "text/csv",
            "Content-Disposition": f'attachment; filename="{upload.prefix}.csv"',
        }
        with self.lock:
            self.attempted_uploads.append(upload)
        while True:
            status, payload = self._send(
                "POST", path, f"{upload.party.lower()}-office", upload.body, headers
            )
            if status == 201:
                with self.lock:
                    self.acked_uploads[upload.prefix] = int(json.loads(payload)["import_id"])
                return
            if status in (409, 503):
                time.sleep(0.002)
                continue
            raise RuntimeError(f"import {upload.prefix} answered {status}: {payload[:300]!r}")

    def handover_work(self) -> list[Callable[[], None]]:
        """The verifier's and the two offices' whole handover, one callable each."""
        people = self.prepared.people

        def verifier() -> None:
            for i in range(people):
                for side in ("UA", "RU"):
                    self.step(Step("verifier", side, f"{side}-{i}", "verify"))

        def office(side: str) -> Callable[[], None]:
            other = "RU" if side == "UA" else "UA"
            who = f"{side.lower()}-office"

            def run() -> None:
                for i in range(people):
                    self.step(Step(who, side, f"{side}-{i}", "hand_over"))
                    self.step(Step(who, other, f"{other}-{i}", "receive"))

            return run

        return [verifier, office("UA"), office("RU")]

    def import_work(self, party: str) -> Callable[[], None]:
        """A party's office importing new files until told to stop."""

        def run() -> None:
            number = 0
            while not self.stop.is_set():
                self.upload(_upload(party, number))
                number += 1

        return run

    def thread(self, work: Callable[[], None]) -> threading.Thread:
        def guarded() -> None:
            try:
                work()
            except BaseException as e:  # reported by the run
                with self.lock:
                    self.errors.append(f"{type(e).__name__}: {e}")

        return threading.Thread(target=guarded, daemon=True)


@dataclass
class Check:
    """What one check of the database found (all zero: nothing lost, doubled or half there)."""

    acknowledged: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    half_present: list[str] = field(default_factory=list)
    entries: int = 0

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.half_present)


def _rows(conn: Connection, sql: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in conn.execute(text(sql))]


def _snapshot(engine: Engine) -> Connection:
    """A connection reading one snapshot: on PostgreSQL a killed server's last COMMIT may
    still land while the check reads (its backend outlives it), and a check that saw the
    records before it and the log entry after it would call a whole import half there."""
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ")
    return engine.connect()


def check_database(
    engine: Engine,
    *,
    attempted_steps: set[Step],
    acked_steps: set[Step],
    attempted_uploads: list[Upload],
    acked_uploads: dict[str, int],
) -> Check:
    """Check the database with the server down against what the clients were told.

    Every acknowledged step and import is there exactly once (its log entry, its table
    rows); every step or import attempted is wholly there or wholly absent (a step: its
    log entry, its idempotency key and the person's state together; an import: all its
    records, its register entry and its log entry); the log verifies
    (``verify_database``) and its replay agrees with the tables (``replay_balances``).

    Raises:
        VerificationFailed: the log does not verify, or its replay disagrees.
    """
    found = Check(acknowledged=len(acked_steps) + len(acked_uploads))
    with _snapshot(engine) as conn, conn.begin():
        return _check(conn, found, attempted_steps, acked_steps, attempted_uploads, acked_uploads)


def _check(
    conn: Connection,
    found: Check,
    attempted_steps: set[Step],
    acked_steps: set[Step],
    attempted_uploads: list[Upload],
    acked_uploads: dict[str, int],
) -> Check:
    from parley.adapters.uow import SqlUnitOfWork
    from parley.services.log_check import verify_database
    from parley.services.replay import replay_balances

    engine = conn.engine
    events: Counter[tuple[str, str, str]] = Counter()
    imported: Counter[str] = Counter()  # log entries per file SHA-256
    imported_ids: Counter[int] = Counter()
    for type_, payload in _rows(conn, "SELECT type, payload FROM events"):
        data = json.loads(str(payload))
        if type_ in _EVENT_OF.values():
            events[(str(type_), data["side"], data["record_id"])] += 1
        elif type_ == "HoldingsImported":
            imported[data["file_sha256"]] += 1
            imported_ids[int(data["import_id"])] += 1
    keys = {str(k) for (k,) in _rows(conn, "SELECT key FROM idempotency_keys")}
    crossings = {
        (str(side), str(rid)): (str(state), bool(confirmed) and when is not None)
        for side, rid, state, confirmed, when in _rows(
            conn,
            "SELECT side, record_id, state, identity_confirmed, will_confirmed_at FROM crossings",
        )
    }
    for step in attempted_steps:
        count = events[(_EVENT_OF[step.action], step.side, step.record_id)]
        state, verified = crossings[(step.side, step.record_id)]
        if step in acked_steps and count == 0:
            found.lost.append(step.key)
        if count > 1:
            found.duplicated.append(f"{step.key}: {count} log entries")
        shown = {
            "verify": verified,
            "hand_over": state in ("handed_over", "received"),
            "receive": state == "received",
        }[step.action]
        stored = step.stored_key in keys
        if (count >= 1) != stored or (count >= 1) != shown:
            found.half_present.append(
                f"{step.key}: {count} log entries, key stored {stored}, "
                f"state {state}, verified {verified}"
            )
    records: Counter[str] = Counter(
        str(rid).rsplit("-", 1)[0]
        for (rid,) in _rows(conn, "SELECT record_id FROM holdings WHERE record_id LIKE '%-I%'")
    )
    registered: dict[str, list[tuple[int, int]]] = {}
    for id_, sha, created in _rows(conn, "SELECT id, file_sha256, created FROM imports"):
        registered.setdefault(str(sha), []).append((int(str(id_)), int(str(created))))
    for upload in attempted_uploads:
        there, entries = records[upload.prefix], registered.get(upload.sha256, [])
        acked = acked_uploads.get(upload.prefix)
        if acked is not None and (
            there != IMPORT_ROWS or acked not in {i for i, _ in entries} or not imported_ids[acked]
        ):
            found.lost.append(f"import {upload.prefix} (id {acked}): {there} records there")
        if acked is not None and imported_ids[acked] > 1:
            found.duplicated.append(f"import {upload.prefix}: {imported_ids[acked]} log entries")
        if sum(created for _, created in entries) > IMPORT_ROWS:
            found.duplicated.append(f"import {upload.prefix}: its records created twice")
        if there not in (0, IMPORT_ROWS) or bool(there) != bool(entries):
            found.half_present.append(
                f"import {upload.prefix}: {there} of {IMPORT_ROWS} records, "
                f"{len(entries)} register entries"
            )
        if len(entries) != imported[upload.sha256]:
            found.half_present.append(
                f"import {upload.prefix}: {len(entries)} register entries but "
                f"{imported[upload.sha256]} log entries"
            )
    found.entries = verify_database(SqlUnitOfWork(engine, read_only=True)).entries
    replay_balances(SqlUnitOfWork(engine, read_only=True))
    return found


@dataclass
class CrashFigures:
    """What a run on one database showed."""

    database: str
    kills: int
    kills_during_handover: int
    acknowledged: int  # distinct events acknowledged to the clients, checked at the end
    checks: int  # checks of the database, one after each kill and one at the end
    checked: int  # acknowledged events checked, summed over the checks
    lost: int
    duplicated: int
    half_present: int
    unanswered: int  # requests that got no answer and were sent again after the restart
    replayed: int  # of those, steps answered from their key's stored result
    entries: int
    verify_ok: bool
    seconds: float
    start_seconds: list[float]
    problems: list[str]


@dataclass
class CrashRun:
    """How to run: the database, the kills, the pace."""

    kind: str
    url: str
    folder: Path
    kills: int = 50
    people: int = 60
    seed: int = 0
    warm: bool = True
    most_between_kills: float = 0.5  # seconds the server lives, at most, between kills


def _command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parley", *args], env=env, capture_output=True, text=True,
        timeout=300, check=False,
    )  # fmt: skip


def run_crashes(run: CrashRun) -> CrashFigures:
    """Prepare, serve, write from the clients, kill and check ``run.kills`` times, finish.

    Raises:
        RuntimeError: the server did not start again after a kill, or a client got an
            answer it should never get.
    """
    from parley.adapters import db

    began = time.perf_counter()
    prepared = prepare(run.url, run.folder, run.people)
    server = Server(run.url, run.folder, warm=run.warm)
    clients = Clients(server.port, prepared)
    engine = db.create_db_engine(run.url)
    rng = random.Random(run.seed)
    problems: list[str] = []
    totals = Counter[str]()
    checks = 0

    def check() -> Check:
        nonlocal checks
        with clients.lock:
            snapshot = {
                "attempted_steps": set(clients.attempted_steps),
                "acked_steps": set(clients.acked_steps),
                "attempted_uploads": list(clients.attempted_uploads),
                "acked_uploads": dict(clients.acked_uploads),
            }
        found = check_database(engine, **snapshot)  # type: ignore[arg-type]
        checks += 1
        totals["checked"] += found.acknowledged
        totals["lost"] += len(found.lost)
        totals["duplicated"] += len(found.duplicated)
        totals["half"] += len(found.half_present)
        problems.extend(found.lost + found.duplicated + found.half_present)
        return found

    handover = [clients.thread(w) for w in clients.handover_work()]
    imports = [clients.thread(clients.import_work(p)) for p in ("UA", "RU")]
    try:
        server.start()
        clients.up.set()
        for t in handover + imports:
            t.start()
        for _ in range(run.kills):
            time.sleep(rng.uniform(0.0, run.most_between_kills))
            clients.up.clear()
            totals["during_handover"] += any(t.is_alive() for t in handover)
            server.kill()
            check()
            server.start()
            clients.up.set()
        for t in handover:
            t.join(timeout=300)
        clients.stop.set()
        for t in imports:
            t.join(timeout=120)
        server.stop()
        final = check()
    finally:
        clients.stop.set()
        clients.up.set()
        server.stop()
        engine.dispose()
    every = {
        Step(w, s, f"{s}-{i}", a)
        for i in range(prepared.people)
        for w, s, a in [
            ("verifier", "UA", "verify"), ("verifier", "RU", "verify"),
            ("ua-office", "UA", "hand_over"), ("ru-office", "RU", "hand_over"),
            ("ru-office", "UA", "receive"), ("ua-office", "RU", "receive"),
        ]
    }  # fmt: skip
    if clients.acked_steps != every:
        problems.append(f"{len(every - clients.acked_steps)} handover steps never acknowledged")
    problems.extend(clients.errors)
    verified = _command(server.env, "verify", "--database")
    replayed = _command(server.env, "verify", "--replay")
    for done in (verified, replayed):
        if done.returncode != 0:
            problems.append(f"parley {' '.join(done.args[3:])}: {done.stderr.strip()}")
    return CrashFigures(
        database=run.kind,
        kills=run.kills,
        kills_during_handover=totals["during_handover"],
        acknowledged=final.acknowledged,
        checks=checks,
        checked=totals["checked"],
        lost=totals["lost"],
        duplicated=totals["duplicated"],
        half_present=totals["half"],
        unanswered=clients.unanswered,
        replayed=clients.replayed,
        entries=final.entries,
        verify_ok=verified.returncode == 0 and replayed.returncode == 0,
        seconds=time.perf_counter() - began,
        start_seconds=server.starts,
        problems=problems,
    )


def postgres_schema(base_url: str) -> Generator[str, None, None]:
    """A fresh schema in ``base_url``'s database for one run, dropped after it."""
    import uuid

    from sqlalchemy import create_engine

    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    schema = f"parley_crash_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base_url else "?"
    try:
        yield f"{base_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
