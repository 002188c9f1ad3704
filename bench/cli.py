"""`python -m bench`: the options, and the order of a run (see bench/README.md).

python -m bench --quick     # under a minute, 200 users, 10,000 posts
python -m bench             # 1-4 min in all, 1,000 users, 100,000 posts
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bench import RESULTS_DIR, BenchError, log
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
from bench.report import git_revision, machine, print_errors, print_table, summarise, write_json
from bench.scenarios import Fixture, build_fixture, build_scenarios
from bench.server import BARE_APP, POSTWELL_APP, ServerSpec, app_environment, gunicorn
from bench.sqlcount import attach, count_statements

POSTWELL = ServerSpec("postwell", POSTWELL_APP, "/health/ready", RESULTS_DIR / "gunicorn.log")
BARE = ServerSpec("bare-flask", BARE_APP, "/", RESULTS_DIR / "bare-flask.log")


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
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help=f"PostgreSQL database to (re)create (default {DEFAULT_DATABASE_URL})",
    )
    add("--keep-db", action="store_true", help="do not drop the database at the end")
    add("--skip-seed", action="store_true", help="reuse the existing bench database as it is")
    add("--no-analyze", action="store_true", help="skip ANALYZE after seeding")
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
    for name in ("requests", "writes", "concurrency", "workers", "deep_pages", "rounds"):
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


def prepare(args: argparse.Namespace) -> tuple[SeedReport, DataSet]:
    """Database set-up: recreate, migrate, seed, ANALYZE; what is in it."""
    seed = prepare_database(args.database_url, args.users, args.posts, args.skip_seed)
    if args.no_analyze:
        log("database: not analyzed (--no-analyze)")
    else:
        seconds, autovacuum = analyze_database(args.database_url)
        log(f"database: ANALYZE in {seconds:.1f} s (server autovacuum: {autovacuum})")
    data = inspect_data(args.database_url)
    log(f"data: {data.users} users, {data.posts} posts ({data.published} published)")
    flush_bench_redis()
    return seed, data


def load(
    args: argparse.Namespace, ports: tuple[int, int], app_env: dict[str, str], data: DataSet
) -> tuple[Fixture, list, dict]:
    """Set up through the API, run the reads in rounds, the writes, then count SQL."""
    port, bare_port = ports
    log("setup:")
    fixture = build_fixture(port, data, args.deep_pages)
    reads, writes = build_scenarios(
        port, bare_port, fixture, args.requests, args.writes, args.concurrency
    )
    log(
        f"load: concurrency {args.concurrency}, {args.rounds} rounds, "
        f"time limit {args.time_limit:.0f} s per scenario; p50 ms per round:"
    )
    results, round_p50 = run_rounds(reads, args.rounds, args.concurrency, args.time_limit)
    log("writes (after the reads):")
    write_results, write_p50 = run_rounds(writes, args.rounds, args.concurrency, args.time_limit)
    results += write_results
    attach(results, count_statements(app_env, reads + writes))
    return fixture, results, {**round_p50, **write_p50}


def measure(args: argparse.Namespace) -> Measurement:
    seed, data = prepare(args)
    app_env = app_environment(args.database_url)
    with (
        gunicorn(POSTWELL, app_env, args.workers) as port,
        gunicorn(BARE, app_env, args.workers) as bare_port,
    ):
        fixture, results, round_p50 = load(args, (port, bare_port), app_env, data)
    return Measurement(seed, data, fixture, results, round_p50)


def clean_up(args: argparse.Namespace, name: str) -> None:
    """Drop the database this run created, unless --keep-db or --skip-seed."""
    if args.skip_seed or args.keep_db:
        return
    try:
        drop_database(args.database_url)
        log(f"database: dropped {name} (--keep-db keeps it)")
    except SQLAlchemyError as exc:  # do not hide the error that got us here
        log(f"database: could not drop {name}: {exc}")


def json_payload(args: argparse.Namespace, run: Measurement, ratios: dict, errors: int) -> dict:
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
        "scenarios": [asdict(result) for result in run.results],
        "round_p50_ms": run.round_p50,
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
    print_table(run.results, ratios)
    log(f"seed: {run.seed.promise}")
    errors = print_errors(run.results, [POSTWELL.log_path, BARE.log_path])
    total = round(time.perf_counter() - started, 1)
    payload = {"started_at": started_at.isoformat(), "total_seconds": total}
    write_json(args.output, {**payload, **json_payload(args, run, ratios, errors)})
    log(f"total: {total:.0f} s")
    return 1 if errors else 0


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
