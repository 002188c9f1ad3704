"""The report: ratios within the run, the console table, the errors, the JSON file.

Absolute numbers move a lot on a small shared machine; the ratios between
scenarios measured in the same run are what is compared between runs.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

from bench import REPO, fmt, log, ratio
from bench.consistency import StaleReport
from bench.load import Result
from bench.scenarios import BASELINE, CACHED_PREFIX, CEILING
from bench.server import log_tail
from bench.stampede import StampedeReport


def summarise(
    results: list[Result], round_p50: dict[str, list[float | None]]
) -> dict[str, float | None]:
    """Fill in each result's ratios; the run-wide ratios (deep/first, baseline drift)."""
    by_name = {result.name: result for result in results}
    base, ceiling = by_name[BASELINE], by_name[CEILING]
    for result in results:
        result.p50_vs_baseline = ratio(result.p50_ms, base.p50_ms)
        result.server_p50_vs_baseline = ratio(result.server_p50_ms, base.server_p50_ms)
        result.throughput_vs_ceiling = ratio(result.throughput_rps, ceiling.throughput_rps)
    first, deep = by_name["posts/first"], by_name["posts/deep"]
    baseline_rounds = round_p50[BASELINE]
    return {
        "deep_vs_first_p50": ratio(deep.p50_ms, first.p50_ms),
        "deep_vs_first_server_p50": ratio(deep.server_p50_ms, first.server_p50_ms),
        "baseline_drift_p50": ratio(baseline_rounds[-1], baseline_rounds[0]),
        # Each cached scenario's req/s over its uncached twin's (same request).
        "cached_vs_uncached_rps": {
            name: ratio(result.throughput_rps, by_name[twin].throughput_rps)
            for name, result in by_name.items()
            if name.startswith(CACHED_PREFIX)
            and (twin := name.removeprefix(CACHED_PREFIX)) in by_name
        },
    }


COLUMNS = (
    f"{'scenario':<24} {'reqs':>5} {'errs':>4} {'req/s':>7} {'p50':>7} {'p95':>7} "
    f"{'p99':>7} {'srv p50':>7} {'p50/base':>8} {'srv/base':>8} {'rps/bare':>8} {'sql':>4}"
)


def table_row(r: Result) -> str:
    return (
        f"{r.name:<24} {r.requests:>5} {r.errors:>4} {r.throughput_rps:>7.1f} "
        f"{fmt(r.p50_ms):>7} {fmt(r.p95_ms):>7} {fmt(r.p99_ms):>7} "
        f"{fmt(r.server_p50_ms, 2):>7} {fmt(r.p50_vs_baseline, 2):>8} "
        f"{fmt(r.server_p50_vs_baseline, 2):>8} {fmt(r.throughput_vs_ceiling, 2):>8} "
        f"{fmt(r.sql_statements, 0):>4}"
    )


def print_table(results: list[Result], ratios: dict[str, float | None]) -> None:
    log()
    log("latency in ms; srv = the app's own X-Process-Time; base = GET /health/live;")
    log("rps/bare = req/s as a fraction of bare-flask's (Flask + gunicorn alone);")
    log("sql = SQL statements one request sends (bench/sqlcount.py);")
    log(f"{CACHED_PREFIX}* on the server with CACHE_ENABLED=true, the others with false")
    log(COLUMNS)
    log("-" * len(COLUMNS))
    for result in results:
        log(table_row(result))
    log()
    log(
        f"deep page / first page p50: {fmt(ratios['deep_vs_first_p50'], 2)} "
        f"(server-side {fmt(ratios['deep_vs_first_server_p50'], 2)}; ~1 means keyset works)"
    )
    log(
        f"baseline drift (last / first round p50): {fmt(ratios['baseline_drift_p50'], 2)} "
        "(far from 1 means the machine was noisy: trust ratios less)"
    )
    speedups = ratios["cached_vs_uncached_rps"]
    log(
        "cached / uncached req/s, same request: "
        + ", ".join(
            f"{name.removeprefix(CACHED_PREFIX)} {fmt(v, 2)}" for name, v in speedups.items()
        )
    )
    slow = [r for r in results if r.stopped_by_time_limit]
    if slow:
        log(f"stopped by the time limit: {', '.join(r.name for r in slow)}")


def print_stale(stale: StaleReport) -> None:
    log()
    verdict = "PASS" if stale.passed else "FAIL"
    log(
        f"stale reads (write, then read on a new connection; cached server, "
        f"{stale.workers} workers): {stale.stale} of {stale.reads} reads after "
        f"{stale.checks} writes -- {verdict} (target 0)"
    )
    log(
        "  by kind: "
        + ", ".join(f"{k} {c.stale}/{c.reads}" for k, c in stale.by_kind.items())
        + f"; cache outcomes: {describe_totals(stale.cache)}"
        + (f" ({stale.cache_note})" if stale.cache_note else "")
    )
    for example in stale.examples:
        log(f"  STALE {example}")
    if stale.errors:
        log(f"  {stale.errors} checks failed (not counted as stale):")
        for example in stale.error_examples:
            log(f"    {example}")


def describe_totals(totals: dict[str, float] | None) -> str:
    if totals is None:
        return "n/a"
    return ", ".join(f"{outcome} {value:.0f}" for outcome, value in totals.items())


def print_stampede(stampede: StampedeReport) -> None:
    log()
    log(
        f"stampede ({stampede.readers} readers on the cached first page; "
        f"stampede phase: a new post every {stampede.interval_ms:.0f} ms):"
    )
    for phase in (stampede.hit, stampede.stampede):
        log(
            f"  {phase.name:<9} {phase.requests:>6} reads {phase.errors:>3} errs "
            f"{phase.throughput_rps:>7.1f} req/s  p50 {fmt(phase.p50_ms):>6}  "
            f"p99 {fmt(phase.p99_ms):>6}  writes {phase.writes:>3}  "
            f"cache: {describe_totals(phase.cache)}"
        )
    log(
        f"  rebuilds (miss) per invalidation: {fmt(stampede.rebuilds_per_invalidation, 2)} "
        f"(ideal ~1); waited: {fmt(stampede.waited, 0)}; stampede / hit: "
        f"p50 {fmt(stampede.p50_vs_hit, 2)}, p99 {fmt(stampede.p99_vs_hit, 2)}"
        + (f"  ({stampede.cache_note})" if stampede.cache_note else "")
    )


def print_errors(results: list[Result], server_logs: list[Path]) -> int:
    """Show every answer of an unexpected status; the number of errors."""
    failed = [r for r in results if r.errors]
    if not failed:
        log("errors: none (every answer had its expected status)")
        return 0
    log("ERRORS: unexpected statuses or connection failures")
    for r in failed:
        log(f"  {r.name} ({r.label}): {r.errors} errors; statuses {r.statuses}")
        for status, example in r.error_examples.items():
            log(f"    {status}: {example}")
    for server_log in server_logs:
        log(f"server log tail ({server_log.relative_to(REPO)}):")
        log(log_tail(server_log))
    return sum(r.errors for r in failed)


def git_revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()

    try:
        rev = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except OSError:
        return "unknown"
    return f"{rev}{'-dirty' if dirty else ''}" if rev else "unknown"


def machine() -> dict:
    return {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n")
    log(f"results: {path}")
