"""The measured phase: warm every scenario up, run them round-robin, summarise each.

Each round sends every scenario its share of the requests, so a machine that
slows down (or speeds up) during the run affects all scenarios alike and the
ratios between them stay meaningful.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from bench import fmt, log
from bench.client import Samples, drive, percentile
from bench.scenarios import Scenario


@dataclass
class Result:
    name: str
    label: str
    server: str
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
    throughput_vs_ceiling: float | None = None
    # One request's SQL statements (bench.sqlcount); None where not counted.
    sql_statements: int | None = None
    sql: list[str] = field(default_factory=list)


def run_round(
    scenarios: list[Scenario], number: int, rounds: int, concurrency: int, limit: float
) -> dict[str, Samples]:
    """Round `number`: every scenario's next 1/rounds of its requests."""
    samples = {}
    for scenario in scenarios:
        first = scenario.requests * number // rounds
        count = scenario.requests * (number + 1) // rounds - first
        samples[scenario.name] = drive(
            scenario.port,
            scenario.make,
            count,
            concurrency,
            limit / rounds,
            start=scenario.warmup + first,
            expected=scenario.expected,
        )
    return samples


def run_rounds(
    scenarios: list[Scenario], rounds: int, concurrency: int, limit: float
) -> tuple[list[Result], dict[str, list[float | None]]]:
    """Warm every scenario up, then run them all round-robin, `rounds` times.

    `limit` bounds each scenario's total time, split evenly between the rounds.
    Returns a result per scenario and each scenario's p50 per round.
    """
    warm = {
        s.name: drive(s.port, s.make, s.warmup, concurrency, limit / rounds, expected=s.expected)
        for s in scenarios
    }
    measured = {s.name: Samples() for s in scenarios}
    round_p50: dict[str, list[float | None]] = {s.name: [] for s in scenarios}
    for number in range(rounds):
        round_started = time.perf_counter()
        for name, samples in run_round(scenarios, number, rounds, concurrency, limit).items():
            measured[name].merge(samples)
            measured[name].seconds += samples.seconds
            round_p50[name].append(percentile(sorted(samples.latencies_ms), 50))
        log(
            f"  round {number + 1}/{rounds}: {time.perf_counter() - round_started:5.1f} s, "
            + ", ".join(f"{name} {fmt(p50[-1])}" for name, p50 in round_p50.items())
        )
    results = [result_of(s, warm[s.name], measured[s.name]) for s in scenarios]
    return results, round_p50


def result_of(scenario: Scenario, warmup: Samples, measured: Samples) -> Result:
    statuses = warmup.statuses + measured.statuses
    latencies = sorted(measured.latencies_ms)
    done = sum(measured.statuses.values())
    return Result(
        name=scenario.name,
        label=scenario.label,
        server=scenario.server,
        requests=done,
        errors=warmup.errors + measured.errors,
        statuses=dict(sorted(statuses.items())),
        error_examples={**measured.error_examples, **warmup.error_examples},
        warmup_requests=sum(warmup.statuses.values()),
        seconds=round(measured.seconds, 3),
        stopped_by_time_limit=measured.timed_out,
        throughput_rps=round(done / measured.seconds, 1) if measured.seconds else 0.0,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        server_p50_ms=percentile(sorted(measured.server_ms), 50),
    )
