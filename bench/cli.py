"""`python -m bench`: the options, and the order of a run (see bench/README.md).

python -m bench --quick     # about a minute, 200 users, 10,000 posts
python -m bench             # a few minutes, 1,000 users, 100,000 posts
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bench import RESULTS_DIR, BenchError, log
from bench.consistency import StaleReport, check_stale_reads
from bench.database import (
    DEFAULT_DATABASE_URL,
    DataSet,
    SeedReport,
    analyze_database,
    database_name,
    drop_database,
    flush_bench_redis,
    inspect_data,
    prepare_database,
)
from bench.load import Result, run_rounds
from bench.report import (
    git_revision,
    machine,
    print_errors,
    print_stale,
    print_stampede,
    print_table,
    summarise,
    write_json,
)
from bench.scenarios import (
    CACHED,
    UNCACHED,
    Fixture,
    Ports,
    build_fixture,
    build_scenarios,
    log_in,
)
from bench.server import (
    BARE_APP,
    POSTWELL_APP,
    ServerSpec,
    app_environment,
    gunicorn,
    with_cache,
)
from bench.sqlcount import SqlCounter, attach
from bench.stampede import StampedeReport, run_stampede
from bench.targets import ERROR, FAIL, NOT_MEASURED, Verdict, evaluate, print_targets
from bench.targets import as_json as targets_json

# Two Postwell servers on one database and one Redis, the response cache off
# and on, and the ceiling; then a cached server with /metrics for the
# stale-read and stampede phases (metrics cost CPU per request, so the
# throughput servers run without them, as the baseline did).
UNCACHED_SERVER = ServerSpec(
    "postwell (CACHE_ENABLED=false)", POSTWELL_APP, "/health/ready", RESULTS_DIR / "gunicorn.log"
)
CACHED_SERVER = ServerSpec(
    "postwell (CACHE_ENABLED=true)",
    POSTWELL_APP,
    "/health/ready",
    RESULTS_DIR / "gunicorn-cached.log",
)
CHECK_SERVER = ServerSpec(
    "postwell (CACHE_ENABLED=true, METRICS_TOKEN)",
    POSTWELL_APP,
    "/health/ready",
    RESULTS_DIR / "gunicorn-check.log",
)
BARE = ServerSpec("bare-flask", BARE_APP, "/", RESULTS_DIR / "bare-flask.log")
SERVER_LOGS = [s.log_path for s in (UNCACHED_SERVER, CACHED_SERVER, CHECK_SERVER, BARE)]


@dataclass(frozen=True)
class Profile:
    users: int
    posts: int
    requests: int
    writes: int
    deep_pages: int
    rounds: int
    time_limit: float
    stale_checks: int
    stampede_seconds: float


DEFAULT_PROFILE = Profile(
    users=1_000,
    posts=100_000,
    requests=2_000,
    writes=500,
    deep_pages=500,
    rounds=5,
    time_limit=20.0,
    stale_checks=200,
    stampede_seconds=6.0,
)
QUICK_PROFILE = Profile(
    users=200,
    posts=10_000,
    requests=300,
    writes=100,
    deep_pages=200,
    rounds=3,
    time_limit=10.0,
    stale_checks=100,
    stampede_seconds=3.0,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Postwell benchmark: seed PostgreSQL, serve with gunicorn, load it, "
        "report ratios.",
    )
    add = parser.add_argument
    add("--quick", action="store_true", help="small data set, fewer requests")
    add("--users", type=int, help="users to seed (default 1000; quick 200)")
    add("--posts", type=int, help="posts to seed (default 100000; quick 10000)")
    add(
        "--requests", type=int, help="measured requests per read scenario (default 2000; quick 300)"
    )
    add("--writes", type=int, help="measured POST /api/v1/posts requests (default 500; quick 100)")
    add("--concurrency", type=int, default=4, help="client threads (default 4)")
    add("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    add(
        "--deep-pages",
        type=int,
        help="pages to follow for the deep cursor (default 500; quick 200)",
    )
    add("--rounds", type=int, help="round-robin passes over the scenarios (default 5; quick 3)")
    add("--time-limit", type=float, help="seconds per scenario, all rounds (default 20; quick 10)")
    add(
        "--stale-checks",
        type=int,
        help="write-then-read checks of the stale-read phase (default 200; quick 100)",
    )
    add("--stampede-readers", type=int, default=16, help="stampede reader threads (default 16)")
    add(
        "--stampede-interval",
        type=float,
        default=0.15,
        help="seconds between the stampede writer's posts (default 0.15)",
    )
    add(
        "--stampede-seconds",
        type=float,
        help="length of each stampede phase, in seconds (default 6; quick 3)",
    )
    add(
        "--require-targets",
        action="store_true",
        help="exit 1 when a target of issue 8 is missed, too",
    )
    add(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"PostgreSQL database to (re)create (default {DEFAULT_DATABASE_URL})",
    )
    add("--keep-db", action="store_true", help="do not drop the database at the end")
    add("--skip-seed", action="store_true", help="reuse the existing bench database as it is")
    add("--no-analyze", action="store_true", help="skip VACUUM ANALYZE after seeding")
    add(
        "--output",
        type=Path,
        default=RESULTS_DIR / "latest.json",
        help="where to write the JSON results (default bench/results/latest.json)",
    )
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = build_parser()
    args = parser.parse_args(argv)
    profile = QUICK_PROFILE if args.quick else DEFAULT_PROFILE
    for name, value in asdict(profile).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    counts = ("requests", "writes", "concurrency", "workers", "deep_pages", "rounds")
    for name in (*counts, "stale_checks", "stampede_readers"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    return args


@dataclass
class Measurement:
    """Everything a run measured, for the report."""

    seed: SeedReport
    data: DataSet
    fixture: Fixture
    results: list[Result]
    round_p50: dict[str, list[float | None]]
    stale: StaleReport
    stampede: StampedeReport


def prepare(args: argparse.Namespace) -> tuple[SeedReport, DataSet]:
    """Database set-up: recreate, migrate, seed, VACUUM ANALYZE; what is in it."""
    seed = prepare_database(args.database_url, args.users, args.posts, args.skip_seed)
    if args.no_analyze:
        log("database: not vacuumed or analyzed (--no-analyze)")
    else:
        seconds, autovacuum = analyze_database(args.database_url)
        log(f"database: VACUUM ANALYZE in {seconds:.1f} s (server autovacuum: {autovacuum})")
    data = inspect_data(args.database_url)
    log(f"data: {data.users} users, {data.posts} posts ({data.published} published)")
    flush_bench_redis()
    return seed, data


def load(
    args: argparse.Namespace, ports: Ports, envs: dict[str, dict[str, str]], data: DataSet
) -> tuple[Fixture, list, dict]:
    """Set up through the API, run the reads in rounds, the writes, then count SQL."""
    log("setup:")
    fixture = build_fixture(ports, data, args.deep_pages)
    reads, writes = build_scenarios(ports, fixture, args.requests, args.writes, args.concurrency)
    log(
        f"load: concurrency {args.concurrency}, {args.rounds} rounds, "
        f"time limit {args.time_limit:.0f} s per scenario; p50 ms per round:"
    )
    counter = SqlCounter(envs)
    try:
        results, round_p50 = run_rounds(reads, args.rounds, args.concurrency, args.time_limit)
        attach(results, counter.count(reads))
        log("writes (after the reads):")
        write_results, write_p50 = run_rounds(
            writes, args.rounds, args.concurrency, args.time_limit
        )
        attach(write_results, counter.count(writes))
    finally:
        counter.close()
    return fixture, results + write_results, {**round_p50, **write_p50}


def check(
    args: argparse.Namespace, app_env: dict[str, str], fixture: Fixture, data: DataSet
) -> tuple[StaleReport, StampedeReport]:
    """The stale reads and the stampede, on a cached server that serves /metrics."""
    metrics_token = secrets.token_hex(16)
    if args.workers < 2:
        log("note: one worker: the stale-read check cannot cross workers (use --workers 2+)")
    with tempfile.TemporaryDirectory(prefix="postwell-bench-metrics-") as metrics_dir:
        env = with_cache(
            app_env, True, METRICS_TOKEN=metrics_token, PROMETHEUS_MULTIPROC_DIR=metrics_dir
        )
        with gunicorn(CHECK_SERVER, env, args.workers) as port:
            _, token = log_in(port, fixture.username)
            stale = check_stale_reads(
                port,
                token,
                metrics_token,
                data.published_post_ids,
                data.authors_with_posts,
                args.stale_checks,
                args.workers,
            )
            log(f"stampede: {args.stampede_readers} readers, {args.stampede_seconds:.0f} s a phase")
            stampede = run_stampede(
                port,
                token,
                metrics_token,
                args.stampede_readers,
                args.stampede_interval,
                args.stampede_seconds,
            )
    return stale, stampede


def measure(args: argparse.Namespace) -> Measurement:
    seed, data = prepare(args)
    app_env = app_environment(args.database_url)
    envs = {UNCACHED: with_cache(app_env, False), CACHED: with_cache(app_env, True)}
    with (
        gunicorn(BARE, app_env, args.workers) as bare_port,
        gunicorn(UNCACHED_SERVER, envs[UNCACHED], args.workers) as uncached_port,
        gunicorn(CACHED_SERVER, envs[CACHED], args.workers) as cached_port,
    ):
        ports = Ports(bare=bare_port, uncached=uncached_port, cached=cached_port)
        fixture, results, round_p50 = load(args, ports, envs, data)
    stale, stampede = check(args, app_env, fixture, data)
    return Measurement(seed, data, fixture, results, round_p50, stale, stampede)


def clean_up(args: argparse.Namespace, name: str) -> None:
    """Drop the database this run created, unless --keep-db or --skip-seed."""
    if args.skip_seed or args.keep_db:
        return
    try:
        drop_database(args.database_url)
        log(f"database: dropped {name} (--keep-db keeps it)")
    except SQLAlchemyError as exc:  # do not hide the error that got us here
        log(f"database: could not drop {name}: {exc}")


def json_payload(
    args: argparse.Namespace, run: Measurement, ratios: dict, verdicts: list[Verdict], errors: int
) -> dict:
    options = {
        key: str(value) if isinstance(value, Path) else value
        for key, value in vars(args).items()
        if key != "database_url"
    }
    return {
        "git": git_revision(),
        "machine": machine(),
        "options": options,
        "database": database_name(args.database_url),
        "seed": asdict(run.seed),
        "data": {"users": run.data.users, "posts": run.data.posts, "published": run.data.published},
        "deep_page": run.fixture.deep_page,
        "ratios": ratios,
        "targets": targets_json(verdicts),
        "scenarios": [asdict(result) for result in run.results],
        "round_p50_ms": run.round_p50,
        "stale_reads": run.stale.as_json(),
        "stampede": run.stampede.as_json(),
        "errors": errors,
    }


def main(args: argparse.Namespace) -> int:
    name = database_name(args.database_url)  # refuses anything but PostgreSQL
    if not args.skip_seed and "bench" not in name:
        raise BenchError(
            f"refusing to drop and recreate {name!r}: the database name must contain 'bench'"
        )
    started_at, started = datetime.now(UTC), time.perf_counter()
    try:
        run = measure(args)
    finally:
        clean_up(args, name)
    ratios = summarise(run.results, run.round_p50)
    verdicts = evaluate(run.results, run.stale)
    print_table(run.results, ratios)
    log(f"seed: {run.seed.promise}")
    print_stale(run.stale)
    print_stampede(run.stampede)
    print_targets(verdicts)
    errors = print_errors(run.results, SERVER_LOGS) + stampede_errors(run.stampede)
    total = round(time.perf_counter() - started, 1)
    payload = {"started_at": started_at.isoformat(), "total_seconds": total}
    write_json(args.output, {**payload, **json_payload(args, run, ratios, verdicts, errors)})
    log(f"total: {total:.0f} s")
    return exit_status(args, run.stale, verdicts, errors)


def stampede_errors(stampede: StampedeReport) -> int:
    """Failed reads or writes of the stampede phases (shown, and counted as errors)."""
    errors = 0
    for phase in (stampede.hit, stampede.stampede):
        errors += phase.errors + phase.write_errors
        for status, example in phase.error_examples.items():
            log(f"  stampede {phase.name} {status}: {example}")
    return errors


def exit_status(
    args: argparse.Namespace, stale: StaleReport, verdicts: list[Verdict], errors: int
) -> int:
    """1 on any error or stale read; with --require-targets on a missed target too."""
    failed = []
    if errors:
        failed.append(f"{errors} errors")
    if stale.stale:
        failed.append(f"{stale.stale} STALE READS (a write was not visible to the next read)")
    elif not stale.passed:
        failed.append("the stale-read check could not run in full")
    missed = [v for v in verdicts if v.status in (FAIL, ERROR, NOT_MEASURED)]
    if args.require_targets and missed:
        failed.append(f"{len(missed)} targets missed (--require-targets)")
    if failed:
        log(f"RUN FAILED: {'; '.join(failed)}")
        return 1
    return 0


def run(argv: list[str] | None = None) -> int:
    """The entry point: exit status 1 on any non-2xx answer or failed set-up."""
    try:
        return main(parse_args(argv))
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 1
