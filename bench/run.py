"""Postwell benchmark: seed PostgreSQL, serve with gunicorn, load it, report ratios.

What it measures
    1. `flask seed` wall time for N users and M posts on a fresh PostgreSQL
       database (the promise: 1,000 users and 100,000 posts well under a minute).
    2. Latency (p50/p95/p99), throughput and errors of the hot endpoints behind
       gunicorn with the production config, driven from 127.0.0.1 by a small
       concurrent client (stdlib `http.client` + threads):
       the liveness probe, the post feed (first page, a page ~500 pages deep,
       100-item pages), a post by id, one author's posts, `/users/me` with a
       bearer token, and writing posts.

Why ratios
    The reference machine has two shared, noisy cores and the client runs on
    them too, so absolute req/s and milliseconds move a lot between runs. Every
    scenario is therefore compared with a baseline measured in the same run:
    `GET /health/live` (routing, middleware, serialisation and the access log,
    but no database), as `p50 / baseline p50`. The deep-page scenario is
    compared with the first page (`deep p50 / first p50`): keyset pagination
    should make that ratio ~1, whereas OFFSET would make it grow with depth.
    Server-side time (the app's `X-Process-Time` header) is reported next to
    the client-side latency; it excludes queueing and the client's own CPU use
    and is the steadier of the two. Scenarios run round-robin in several
    rounds (each with a share of the requests), so a machine that slows down
    mid-run slows every scenario alike; the baseline's last-round p50 over its
    first-round p50 shows how much the machine drifted.

The database is ANALYZEd after seeding (autovacuum would do it later, or
never when it is off): without statistics PostgreSQL sorts the whole feed
instead of walking the keyset index, and the numbers would depend on timing.

Every request is bounded (a count per scenario and a time limit per scenario);
the server is always stopped, and the database dropped unless --keep-db.
Any non-2xx answer is an error: it is counted, its status and body are shown,
and the run exits with status 1.

    python bench/run.py --quick          # ~45 s in all, 10,000 posts
    python bench/run.py                  # ~3 min in all, 1,000 users, 100,000 posts
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO / "bench" / "results"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postwell_bench"
REDIS_URL = "redis://127.0.0.1:6379/11"
HOST = "127.0.0.1"
SEED_PASSWORD = "postwell-seed"
# The promise: this many users and posts seeded in under this many seconds.
PROMISE_USERS, PROMISE_POSTS, PROMISE_SECONDS = 1_000, 100_000, 60.0
PAGE = 20
REQUEST_TIMEOUT = 30.0
BASELINE = "health/live"

# method, path, body, headers
Request = tuple[str, str, bytes | None, dict[str, str]]


class BenchError(RuntimeError):
    """The benchmark cannot go on (setup failed, server died, ...)."""


def log(message: str = "") -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class Profile:
    users: int
    posts: int
    requests: int
    writes: int
    deep_pages: int
    rounds: int
    time_limit: float


DEFAULT_PROFILE = Profile(
    users=1_000,
    posts=100_000,
    requests=2_000,
    writes=500,
    deep_pages=500,
    rounds=5,
    time_limit=20.0,
)
QUICK_PROFILE = Profile(
    users=200, posts=10_000, requests=300, writes=100, deep_pages=200, rounds=3, time_limit=10.0
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small data set, fewer requests")
    parser.add_argument("--users", type=int, help="users to seed (default 1000; quick 200)")
    parser.add_argument("--posts", type=int, help="posts to seed (default 100000; quick 10000)")
    parser.add_argument(
        "--requests", type=int, help="measured requests per read scenario (default 2000; quick 300)"
    )
    parser.add_argument(
        "--writes", type=int, help="measured POST /api/v1/posts requests (default 500; quick 100)"
    )
    parser.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument(
        "--deep-pages",
        type=int,
        help="pages to follow for the deep cursor (default 500; quick 200)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="round-robin passes over the scenarios, each with 1/rounds of the requests "
        "(default 5; quick 3)",
    )
    parser.add_argument(
        "--time-limit",
        type=float,
        help="seconds per scenario, all rounds together, before it stops early "
        "(default 20; quick 10)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"PostgreSQL database to (re)create (default {DEFAULT_DATABASE_URL})",
    )
    parser.add_argument(
        "--keep-db", action="store_true", help="do not drop the database at the end"
    )
    parser.add_argument(
        "--skip-seed", action="store_true", help="reuse the existing bench database as it is"
    )
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="skip ANALYZE after seeding (measures a database without planner statistics)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=RESULTS_DIR / "latest.json",
        help="where to write the JSON results (default bench/results/latest.json)",
    )
    args = parser.parse_args(argv)
    profile = QUICK_PROFILE if args.quick else DEFAULT_PROFILE
    for name, value in asdict(profile).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    for name in ("requests", "writes", "concurrency", "workers", "deep_pages", "rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


# --------------------------------------------------------------------------- database


def libpq_url(url: str) -> str:
    """`postgres://` / `postgresql+psycopg://` -> the plain `postgresql://` libpq reads."""
    parts = urlsplit(url)
    if parts.scheme.split("+")[0] not in {"postgres", "postgresql"}:
        raise BenchError(f"the benchmark needs a PostgreSQL DATABASE_URL, got {url!r}")
    return urlunsplit(parts._replace(scheme="postgresql"))


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise BenchError(f"DATABASE_URL names no database: {url!r}")
    return name


def maintenance_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def recreate_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def analyze_database(url: str) -> tuple[float, str]:
    """ANALYZE the fresh tables: seconds taken, and the server's autovacuum setting.

    A bulk-loaded table has no planner statistics until autovacuum's next pass
    (up to a minute later, never when autovacuum is off); until then PostgreSQL
    guesses a few dozen rows and sorts the whole feed instead of walking the
    keyset index. Measuring that transient would make results depend on timing.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
        started = time.perf_counter()
        conn.execute("ANALYZE")
        return time.perf_counter() - started, autovacuum


def drop_database(url: str) -> None:
    name = database_name(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


@dataclass
class DataSet:
    users: int
    posts: int
    published: int
    published_post_ids: list[int]
    authors_with_posts: list[int]


def inspect_data(url: str) -> DataSet:
    with psycopg.connect(url) as conn:
        users = conn.execute("SELECT count(*) FROM users").fetchone()[0]
        posts = conn.execute("SELECT count(*) FROM posts").fetchone()[0]
        post_ids = [
            row[0] for row in conn.execute("SELECT id FROM posts WHERE status = 'published'")
        ]
        authors = [row[0] for row in conn.execute("SELECT id FROM users WHERE post_count > 0")]
    return DataSet(users, posts, len(post_ids), post_ids, authors)


def flask_command(args: list[str], env: dict[str, str], timeout: float) -> tuple[float, str]:
    """Run `flask --app wsgi ARGS` in the repository; its wall time and output."""
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise BenchError(
            f"flask {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stdout}{proc.stderr}"
        )
    return elapsed, proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""


def base_env(database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CONTROL_SOCKET", None)  # gunicorn.conf.py: no control socket unless set
    env["DATABASE_URL"] = database_url
    return env


@dataclass
class SeedReport:
    migrate_seconds: float
    seed_seconds: float | None
    users_requested: int | None
    posts_requested: int | None
    posts_per_second: float | None
    promise: str
    output: str = ""


def prepare_database(args: argparse.Namespace) -> SeedReport:
    env = base_env(args.database_url)
    if not args.skip_seed:
        log(f"database: recreating {database_name(args.database_url)}")
        recreate_database(libpq_url(args.database_url))
    migrate_seconds, _ = flask_command(["db", "upgrade"], env, timeout=300)
    log(f"database: migrations applied in {migrate_seconds:.1f} s")
    if args.skip_seed:
        return SeedReport(migrate_seconds, None, None, None, None, "not measured (--skip-seed)")

    log(f"seed: {args.users} users, {args.posts} posts ...")
    seed_args = ["seed", "--users", str(args.users), "--posts", str(args.posts), "--seed", "1"]
    seconds, output = flask_command(seed_args, env, timeout=1800)
    rate = args.posts / seconds if seconds else None
    if (args.users, args.posts) == (PROMISE_USERS, PROMISE_POSTS):
        verdict = "MET" if seconds < PROMISE_SECONDS else "NOT MET"
        promise = f"{verdict}: {seconds:.1f} s for the promised size (< {PROMISE_SECONDS:.0f} s)"
    else:
        promise = (
            f"not checked: the promise is about {PROMISE_USERS:,} users and "
            f"{PROMISE_POSTS:,} posts (the default size)"
        )
    log(f"seed: {seconds:.1f} s ({rate:,.0f} posts/s) -- {promise}")
    return SeedReport(migrate_seconds, seconds, args.users, args.posts, rate, promise, output)


def flush_bench_redis() -> None:
    """Revocations and cache entries of an earlier run must not leak into this one."""
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    finally:
        client.close()


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> tuple[int, bytes]:
    """One request on its own connection: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def call_json(port: int, method: str, path: str, payload=None, headers=None) -> dict:
    body = json.dumps(payload).encode() if payload is not None else None
    all_headers = {"Accept": "application/json", **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    status, raw = call(port, method, path, body, all_headers)
    if not 200 <= status < 300:
        raise BenchError(
            f"{method} {path} answered {status}: {raw[:1000].decode(errors='replace')}"
        )
    return json.loads(raw)


def log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@contextlib.contextmanager
def gunicorn(database_url: str, workers: int, log_path: Path) -> Iterator[int]:
    """Serve the app with gunicorn.conf.py on a free local port; always stop it."""
    port = free_port()
    env = base_env(database_url)
    env.update(
        HOST=HOST,
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        REDIS_URL=REDIS_URL,
        APP_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        JWT_SECRET_KEY=secrets.token_hex(32),
        RATE_LIMITS_ENABLED="false",
        # No worker recycling mid-scenario (a restart shows up as a latency spike).
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_GRACEFUL_TIMEOUT="5",
    )
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the master and its workers
        )
        try:
            wait_ready(proc, port, log_path)
            log(f"server: gunicorn pid {proc.pid}, {workers} workers, http://{HOST}:{port}")
            yield port
        finally:
            stop_process_group(proc)
            log(f"server: stopped (log: {log_path.relative_to(REPO)})")


def wait_ready(proc: subprocess.Popen, port: int, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"gunicorn exited ({proc.returncode}):\n{log_tail(log_path)}")
        try:
            status, body = call(port, "GET", "/health/ready", timeout=2)
            if status == 200:
                return
            last = f"{status} {body[:300].decode(errors='replace')}"
        except OSError as exc:
            last = repr(exc)
        time.sleep(0.2)
    raise BenchError(f"/health/ready not ready in {timeout:.0f} s ({last}):\n{log_tail(log_path)}")


def stop_process_group(proc: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        if proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(wait)


# --------------------------------------------------------------------------- load


@dataclass
class Scenario:
    name: str
    label: str
    make: Callable[[int], Request]
    requests: int
    warmup: int


@dataclass
class Samples:
    """What one load phase saw; merged from every client thread."""

    latencies_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    error_examples: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    timed_out: bool = False

    def merge(self, other: Samples) -> None:
        self.latencies_ms += other.latencies_ms
        self.server_ms += other.server_ms
        self.statuses.update(other.statuses)
        for key, value in other.error_examples.items():
            self.error_examples.setdefault(key, value)


def drive(
    port: int, scenario: Scenario, count: int, concurrency: int, limit: float, start: int = 0
) -> Samples:
    """Send `count` requests from `concurrency` threads, or stop after `limit` seconds.

    Request i is `scenario.make(start + i)`, so every request of a run differs.
    """
    lock = threading.Lock()
    next_index = iter(range(start, start + count))
    started = time.perf_counter()
    deadline = started + limit
    per_thread = [Samples() for _ in range(min(concurrency, count))]

    def claim() -> int | None:
        with lock:
            return next(next_index, None)

    def worker(samples: Samples) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        try:
            while (index := claim()) is not None:
                if time.perf_counter() >= deadline:
                    samples.timed_out = True
                    return
                method, path, body, headers = scenario.make(index)
                sent = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    # Counted as an error, never retried: a reset is a finding.
                    key = type(exc).__name__
                    samples.statuses[key] += 1
                    samples.error_examples.setdefault(key, f"{method} {path}: {exc!r}")
                    conn.close()
                    conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
                    continue
                samples.latencies_ms.append((time.perf_counter() - sent) * 1000)
                samples.statuses[str(response.status)] += 1
                process_time = response.getheader("X-Process-Time")
                if process_time:
                    samples.server_ms.append(float(process_time) * 1000)
                if not 200 <= response.status < 300:
                    samples.error_examples.setdefault(
                        str(response.status),
                        f"{method} {path}: {payload[:800].decode(errors='replace')}",
                    )
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Samples(seconds=time.perf_counter() - started)
    for samples in per_thread:
        total.merge(samples)
        total.timed_out |= samples.timed_out
    return total


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(math.ceil(pct / 100 * len(sorted_values)), 1)
    return sorted_values[rank - 1]


@dataclass
class Result:
    name: str
    label: str
    requests: int
    errors: int
    statuses: dict[str, int]
    error_examples: dict[str, str]
    warmup_requests: int
    seconds: float
    stopped_by_time_limit: bool
    throughput_rps: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    server_p50_ms: float | None
    p50_vs_baseline: float | None = None
    server_p50_vs_baseline: float | None = None


def run_rounds(
    port: int, scenarios: list[Scenario], rounds: int, concurrency: int, limit: float
) -> tuple[list[Result], dict[str, list[float | None]]]:
    """Warm every scenario up, then run them all round-robin, `rounds` times.

    Each round sends every scenario its share of requests, so a machine that
    slows down (or speeds up) during the run affects all scenarios alike and
    the ratios between them stay meaningful. `limit` bounds each scenario's
    total time, split evenly between the rounds.
    """
    warm = {s.name: drive(port, s, s.warmup, concurrency, limit / rounds) for s in scenarios}
    measured = {s.name: Samples() for s in scenarios}
    round_p50: dict[str, list[float | None]] = {s.name: [] for s in scenarios}
    for number in range(rounds):
        round_started = time.perf_counter()
        for scenario in scenarios:
            first = scenario.requests * number // rounds
            count = scenario.requests * (number + 1) // rounds - first
            samples = drive(
                port, scenario, count, concurrency, limit / rounds, start=scenario.warmup + first
            )
            measured[scenario.name].merge(samples)
            measured[scenario.name].seconds += samples.seconds
            measured[scenario.name].timed_out |= samples.timed_out
            round_p50[scenario.name].append(percentile(sorted(samples.latencies_ms), 50))
        log(
            f"  round {number + 1}/{rounds}: {time.perf_counter() - round_started:5.1f} s, "
            + ", ".join(f"{name} {fmt(p50[-1])}" for name, p50 in round_p50.items())
        )
    results = [result_of(s, warm[s.name], measured[s.name]) for s in scenarios]
    return results, round_p50


def result_of(scenario: Scenario, warmup: Samples, measured: Samples) -> Result:
    statuses = warmup.statuses + measured.statuses
    latencies = sorted(measured.latencies_ms)
    server = sorted(measured.server_ms)
    done = sum(measured.statuses.values())
    return Result(
        name=scenario.name,
        label=scenario.label,
        requests=done,
        errors=sum(n for status, n in statuses.items() if not status.startswith("2")),
        statuses=dict(sorted(statuses.items())),
        error_examples={**measured.error_examples, **warmup.error_examples},
        warmup_requests=sum(warmup.statuses.values()),
        seconds=round(measured.seconds, 3),
        stopped_by_time_limit=measured.timed_out,
        throughput_rps=round(done / measured.seconds, 1) if measured.seconds else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        server_p50_ms=percentile(server, 50),
    )


# --------------------------------------------------------------------------- scenarios


@dataclass
class Fixture:
    """What the scenarios need, found through the API (and the ids from the database)."""

    deep_cursor: str
    deep_page: int
    token: str
    username: str
    post_ids: list[int]
    author_ids: list[int]


def posts_path(limit: int, cursor: str | None = None) -> str:
    query = {"limit": limit, **({"cursor": cursor} if cursor else {})}
    return f"/api/v1/posts?{urlencode(query)}"


def find_deep_cursor(port: int, pages: int) -> tuple[str, int]:
    """Follow `next_cursor` up to `pages` pages; the cursor of the deepest full page."""
    cursor: str | None = None
    depth = 0
    while depth < pages:
        page = call_json(port, "GET", posts_path(PAGE, cursor))
        if len(page["items"]) < PAGE or not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
        depth += 1
    if cursor is None:
        raise BenchError("the feed has fewer than two pages; seed more posts")
    if depth < pages:
        log(f"  note: the feed ends after {depth} full pages (asked for {pages})")
    deep = call_json(port, "GET", posts_path(PAGE, cursor))
    if len(deep["items"]) != PAGE:
        raise BenchError(f"deep page holds {len(deep['items'])} posts, expected {PAGE}")
    return cursor, depth + 1


def build_fixture(port: int, data: DataSet, deep_pages: int) -> Fixture:
    if not data.published_post_ids or not data.authors_with_posts:
        raise BenchError("no published posts to read; seed the database first")
    started = time.perf_counter()
    cursor, page_number = find_deep_cursor(port, deep_pages)
    log(
        f"  deep cursor: page {page_number} (posts {(page_number - 1) * PAGE + 1}-"
        f"{page_number * PAGE}) found in {time.perf_counter() - started:.1f} s"
    )
    users = call_json(port, "GET", "/api/v1/users?limit=1")
    if not users["items"]:
        raise BenchError("no users to log in as; seed the database first")
    username = users["items"][0]["username"]
    started = time.perf_counter()
    tokens = call_json(
        port, "POST", "/api/v1/auth/login", {"login": username, "password": SEED_PASSWORD}
    )
    log(f"  logged in as {username} in {(time.perf_counter() - started) * 1000:.0f} ms")
    check = call_json(port, "GET", posts_path(100))
    if len(check["items"]) != 100:
        raise BenchError(f"limit=100 returned {len(check['items'])} posts")
    return Fixture(
        deep_cursor=cursor,
        deep_page=page_number,
        token=tokens["access_token"],
        username=username,
        post_ids=data.published_post_ids,
        author_ids=data.authors_with_posts,
    )


def build_scenarios(
    fixture: Fixture, requests: int, writes: int, concurrency: int
) -> tuple[list[Scenario], list[Scenario]]:
    """The read scenarios (run interleaved) and the write scenario (run after them).

    Writes go last: published bench posts would otherwise take over the first
    page mid-run, and the first page would no longer look like the deep one.
    """
    json_headers = {"Accept": "application/json"}
    auth = {**json_headers, "Authorization": f"Bearer {fixture.token}"}
    post_ids = fixture.post_ids
    author_ids = fixture.author_ids
    warmup = min(max(concurrency * 5, 20), requests)

    def get(path: str, headers: dict[str, str] = json_headers) -> Callable[[int], Request]:
        return lambda _index: ("GET", path, None, headers)

    def post_by_id(index: int) -> Request:
        post_id = post_ids[random.Random(index).randrange(len(post_ids))]
        return "GET", f"/api/v1/posts/{post_id}", None, json_headers

    def user_posts(index: int) -> Request:
        user_id = author_ids[random.Random(index).randrange(len(author_ids))]
        return "GET", f"/api/v1/users/{user_id}/posts?limit={PAGE}", None, json_headers

    def write(index: int) -> Request:
        body = {
            "title": f"Benchmark post {index}",
            "body": f"Written by bench/run.py, request {index}. " * 12,
        }
        headers = {**auth, "Content-Type": "application/json"}
        return "POST", "/api/v1/posts", json.dumps(body).encode(), headers

    deep = posts_path(PAGE, fixture.deep_cursor)
    reads = [
        Scenario(BASELINE, "GET /health/live", get("/health/live"), requests, warmup),
        Scenario(
            "posts/first", "GET /api/v1/posts?limit=20", get(posts_path(PAGE)), requests, warmup
        ),
        Scenario(
            "posts/deep",
            f"GET /api/v1/posts?limit=20&cursor=<page {fixture.deep_page}>",
            get(deep),
            requests,
            warmup,
        ),
        Scenario(
            "posts/limit100", "GET /api/v1/posts?limit=100", get(posts_path(100)), requests, warmup
        ),
        Scenario("posts/by-id", "GET /api/v1/posts/{random id}", post_by_id, requests, warmup),
        Scenario(
            "users/posts", "GET /api/v1/users/{random id}/posts", user_posts, requests, warmup
        ),
        Scenario(
            "users/me",
            "GET /api/v1/users/me (bearer)",
            get("/api/v1/users/me", auth),
            requests,
            warmup,
        ),
    ]
    create = Scenario(
        "posts/create", "POST /api/v1/posts (bearer)", write, writes, min(warmup, writes)
    )
    return reads, [create]


# --------------------------------------------------------------------------- report


def ratio(value: float | None, base: float | None) -> float | None:
    if value is None or not base:
        return None
    return round(value / base, 2)


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def summarise(
    results: list[Result], round_p50: dict[str, list[float | None]]
) -> dict[str, float | None]:
    by_name = {result.name: result for result in results}
    base = by_name[BASELINE]
    for result in results:
        result.p50_vs_baseline = ratio(result.p50_ms, base.p50_ms)
        result.server_p50_vs_baseline = ratio(result.server_p50_ms, base.server_p50_ms)
    first, deep = by_name["posts/first"], by_name["posts/deep"]
    baseline_rounds = round_p50[BASELINE]
    return {
        "deep_vs_first_p50": ratio(deep.p50_ms, first.p50_ms),
        "deep_vs_first_server_p50": ratio(deep.server_p50_ms, first.server_p50_ms),
        "baseline_drift_p50": ratio(baseline_rounds[-1], baseline_rounds[0]),
    }


def print_table(results: list[Result], ratios: dict[str, float | None]) -> None:
    header = (
        f"{'scenario':<20} {'reqs':>5} {'errs':>4} {'req/s':>7} {'p50':>7} {'p95':>7} "
        f"{'p99':>7} {'srv p50':>7} {'p50/base':>8} {'srv/base':>8}"
    )
    log()
    log("latency in ms; srv = the app's own X-Process-Time; base = GET /health/live")
    log(header)
    log("-" * len(header))
    for r in results:
        log(
            f"{r.name:<20} {r.requests:>5} {r.errors:>4} {r.throughput_rps:>7.1f} "
            f"{fmt(r.p50_ms):>7} {fmt(r.p95_ms):>7} {fmt(r.p99_ms):>7} "
            f"{fmt(r.server_p50_ms, 2):>7} {fmt(r.p50_vs_baseline, 2):>8} "
            f"{fmt(r.server_p50_vs_baseline, 2):>8}"
        )
    log()
    log(
        f"deep page / first page p50: {fmt(ratios['deep_vs_first_p50'], 2)} "
        f"(server-side {fmt(ratios['deep_vs_first_server_p50'], 2)}; ~1 means keyset works)"
    )
    log(
        f"baseline drift (last / first round p50): {fmt(ratios['baseline_drift_p50'], 2)} "
        "(far from 1 means the machine was noisy: trust ratios less)"
    )
    slow = [r for r in results if r.stopped_by_time_limit]
    if slow:
        log(f"stopped by the time limit: {', '.join(r.name for r in slow)}")


def print_errors(results: list[Result], server_log: Path) -> int:
    failed = [r for r in results if r.errors]
    if not failed:
        log("errors: none (every answer was 2xx)")
        return 0
    log("ERRORS: non-2xx answers or connection failures")
    for r in failed:
        log(f"  {r.name} ({r.label}): {r.errors} errors; statuses {r.statuses}")
        for status, example in r.error_examples.items():
            log(f"    {status}: {example}")
    log(f"server log tail ({server_log.relative_to(REPO)}):")
    log(log_tail(server_log))
    return sum(r.errors for r in failed)


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return f"{rev}{'-dirty' if dirty else ''}" if rev else "unknown"


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
    log(f"results: {path}")


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database_url = args.database_url
    pg_url = libpq_url(database_url)  # refuses anything but PostgreSQL
    name = database_name(database_url)
    if not args.skip_seed and "bench" not in name:
        raise BenchError(
            f"refusing to drop and recreate {name!r}: the database name must contain 'bench'"
        )
    started_at = datetime.now(UTC)
    started = time.perf_counter()
    created = not args.skip_seed
    server_log = RESULTS_DIR / "gunicorn.log"
    try:
        seed = prepare_database(args)
        if args.no_analyze:
            log("database: not analyzed (--no-analyze)")
        else:
            seconds, autovacuum = analyze_database(pg_url)
            log(f"database: ANALYZE in {seconds:.1f} s (server autovacuum: {autovacuum})")
        data = inspect_data(pg_url)
        log(f"data: {data.users} users, {data.posts} posts ({data.published} published)")
        flush_bench_redis()
        with gunicorn(database_url, args.workers, server_log) as port:
            log("setup:")
            fixture = build_fixture(port, data, args.deep_pages)
            reads, writes = build_scenarios(fixture, args.requests, args.writes, args.concurrency)
            log(
                f"load: concurrency {args.concurrency}, {args.rounds} rounds, "
                f"time limit {args.time_limit:.0f} s per scenario; p50 ms per round:"
            )
            results, round_p50 = run_rounds(
                port, reads, args.rounds, args.concurrency, args.time_limit
            )
            log("writes (after the reads):")
            write_results, write_p50 = run_rounds(
                port, writes, args.rounds, args.concurrency, args.time_limit
            )
            results += write_results
            round_p50.update(write_p50)
    finally:
        if created and not args.keep_db:
            try:
                drop_database(pg_url)
                log(f"database: dropped {name} (--keep-db keeps it)")
            except psycopg.Error as exc:  # do not hide the error that got us here
                log(f"database: could not drop {name}: {exc}")

    ratios = summarise(results, round_p50)
    print_table(results, ratios)
    log(f"seed: {seed.promise}")
    errors = print_errors(results, server_log)
    write_json(
        args.output,
        {
            "started_at": started_at.isoformat(),
            "total_seconds": round(time.perf_counter() - started, 1),
            "git": git_revision(),
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "load_average": [round(x, 2) for x in os.getloadavg()],
            },
            "options": {
                key: str(value) if isinstance(value, Path) else value
                for key, value in vars(args).items()
                if key != "database_url"
            },
            "database": name,
            "seed": asdict(seed),
            "data": {"users": data.users, "posts": data.posts, "published": data.published},
            "deep_page": fixture.deep_page,
            "ratios": ratios,
            "scenarios": [asdict(result) for result in results],
            "round_p50_ms": round_p50,
            "errors": errors,
        },
    )
    log(f"total: {time.perf_counter() - started:.0f} s")
    return 1 if errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        sys.exit(f"bench: {error}")
    except KeyboardInterrupt:
        sys.exit("bench: interrupted")
