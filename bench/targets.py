"""The issue's targets (issue 8, "The read path at speed"): each one checked in the run.

A throughput target is a scenario's req/s as a fraction of the bare-Flask
ceiling measured in the same run (`rps/bare`); an SQL target is the number of
statements one request of the scenario sends (`bench.sqlcount`). The stale
reads (`bench.consistency`) are a target too: none.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bench import fmt, log
from bench.consistency import StaleReport
from bench.load import Result

PASS, FAIL, ERROR, NOT_MEASURED = "PASS", "FAIL", "ERROR", "n/a"


@dataclass(frozen=True)
class Target:
    what: str
    scenario: str
    # "rps/bare": at least `value`; "sql": at most `value` statements.
    measure: str
    value: float


TARGETS = (
    Target("cached anonymous post by id", "cached/posts/by-id", "rps/bare", 0.5),
    Target("cached anonymous first page", "cached/posts/first", "rps/bare", 0.5),
    Target("If-None-Match -> 304, first page", "cached/posts/first-304", "rps/bare", 0.6),
    Target("bearer first page, cache hit", "cached/posts/first-auth", "rps/bare", 0.3),
    Target("anonymous cache hit: no SQL", "cached/posts/first", "sql", 0),
    Target("anonymous cache hit: no SQL", "cached/posts/by-id", "sql", 0),
    Target("304 on a cache hit: no SQL", "cached/posts/first-304", "sql", 0),
    Target("uncached first page of 20", "posts/first", "rps/bare", 0.25),
    Target("uncached first page: one SELECT", "posts/first", "sql", 1),
    Target("uncached post by id", "posts/by-id", "rps/bare", 0.4),
    Target("uncached user by id", "users/by-id", "rps/bare", 0.4),
    Target("bearer /users/me", "users/me", "rps/bare", 0.35),
    Target("create post", "posts/create", "rps/bare", 0.15),
)


@dataclass
class Verdict:
    what: str
    scenario: str
    measure: str
    target: str
    measured: float | None
    status: str


def judge(target: Target, result: Result | None) -> Verdict:
    if target.measure == "sql":
        measured = None if result is None else result.sql_statements
        wanted, met = f"<= {target.value:.0f}", measured is not None and measured <= target.value
    else:
        measured = None if result is None else result.throughput_vs_ceiling
        wanted, met = f">= {target.value:.2f}", measured is not None and measured >= target.value
    if result is None or measured is None:
        status = NOT_MEASURED
    elif result.errors:
        status = ERROR
    else:
        status = PASS if met else FAIL
    return Verdict(target.what, target.scenario, target.measure, wanted, measured, status)


def stale_verdict(stale: StaleReport | None) -> Verdict:
    """Stale reads: none, and some reads checked (failed checks are an error)."""
    if stale is None or not stale.reads:
        return Verdict("stale reads after a write", "stale-reads", "stale", "= 0", None, ERROR)
    status = ERROR if stale.errors else PASS if stale.stale == 0 else FAIL
    return Verdict("stale reads after a write", "stale-reads", "stale", "= 0", stale.stale, status)


def evaluate(results: list[Result], stale: StaleReport | None) -> list[Verdict]:
    by_name = {result.name: result for result in results}
    verdicts = [judge(target, by_name.get(target.scenario)) for target in TARGETS]
    return [*verdicts, stale_verdict(stale)]


def print_targets(verdicts: list[Verdict]) -> None:
    log()
    log("targets (issue 8): rps/bare = req/s over bare-flask's in this run; sql = statements")
    header = f"{'target':<34} {'scenario':<24} {'measure':<8} {'target':>7} {'measured':>8}  result"
    log(header)
    log("-" * len(header))
    for v in verdicts:
        digits = 2 if v.measure == "rps/bare" else 0
        log(
            f"{v.what:<34} {v.scenario:<24} {v.measure:<8} {v.target:>7} "
            f"{fmt(v.measured, digits):>8}  {v.status}"
        )
    met = sum(v.status == PASS for v in verdicts)
    log(f"targets met: {met} of {len(verdicts)}")


def as_json(verdicts: list[Verdict]) -> list[dict]:
    return [asdict(v) for v in verdicts]
