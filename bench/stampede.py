"""Stampede: many readers on the cached first page while a writer keeps invalidating it.

Two phases of the same length on the cached server (METRICS_TOKEN set), each
between two `/metrics` scrapes:

1. `hit`: `readers` threads read the anonymous first page of /api/v1/posts
   and nothing writes, so (after the first) every read is a cache hit.
2. `stampede`: the same readers, while one writer creates a post every
   `interval` seconds, each making the cached page stale.

Without protection every reader that misses rebuilds the page at once; with
it one worker rebuilds and the others wait for (or are served) its result.
Reported: the rebuilds (`miss`) per invalidation (ideally about 1), how many
requests `waited`, and the stampede phase's p50/p99 latency over the hit
phase's. The cache counts are n/a until the response cache exists.
"""

from __future__ import annotations

import threading
import time
from dataclasses import asdict, dataclass, field

from bench import log, ratio
from bench.cachestats import CacheCounts, delta, describe, scrape
from bench.client import Samples, call, drive, percentile
from bench.scenarios import JSON_HEADERS, get, posts_path, write_post
from project.common.pagination import DEFAULT_LIMIT

# More requests than any phase can send: phases end by time.
UNBOUNDED = 10_000_000


@dataclass
class Phase:
    name: str
    seconds: float
    requests: int
    errors: int
    throughput_rps: float
    p50_ms: float | None
    p99_ms: float | None
    writes: int = 0
    write_errors: int = 0
    # The response cache's counts over the phase (None: n/a), all endpoints and per endpoint.
    cache: dict[str, float] | None = None
    cache_by_endpoint: dict[str, dict[str, float]] | None = None
    error_examples: dict[str, str] = field(default_factory=dict)


@dataclass
class StampedeReport:
    readers: int
    interval_ms: float
    hit: Phase
    stampede: Phase
    # miss / writes in the stampede phase, and its waited count (None: n/a).
    rebuilds_per_invalidation: float | None
    waited: float | None
    p50_vs_hit: float | None
    p99_vs_hit: float | None
    cache_note: str = ""

    def as_json(self) -> dict:
        return asdict(self)


class Writer(threading.Thread):
    """Creates a post every `interval` seconds until `seconds` have passed."""

    def __init__(self, port: int, token: str, interval: float, seconds: float):
        super().__init__(daemon=True)
        self.port, self.interval, self.seconds = port, interval, seconds
        self.make = write_post(token, "stampede")
        self.writes = self.errors = 0
        self.error_example = ""

    def run(self) -> None:
        started = time.perf_counter()
        number = 0
        while time.perf_counter() < started + self.seconds:
            method, path, body, headers = self.make(number)
            try:
                status, raw = call(self.port, method, path, body, headers)
            except OSError as exc:
                status, raw = 0, repr(exc).encode()
            if 200 <= status < 300:
                self.writes += 1
            else:
                self.errors += 1
                self.error_example = self.error_example or f"{status} {raw[:300]!r}"
            number += 1
            time.sleep(max(0.0, started + number * self.interval - time.perf_counter()))


def phase_of(
    name: str, samples: Samples, counts: CacheCounts | None, writer: Writer | None = None
) -> Phase:
    latencies = sorted(samples.latencies_ms)
    done = sum(samples.statuses.values())
    examples = dict(samples.error_examples)
    if writer and writer.error_example:
        examples["writer"] = writer.error_example
    return Phase(
        name=name,
        seconds=round(samples.seconds, 2),
        requests=done,
        errors=samples.errors,
        throughput_rps=round(done / samples.seconds, 1) if samples.seconds else 0.0,
        p50_ms=percentile(latencies, 50),
        p99_ms=percentile(latencies, 99),
        writes=writer.writes if writer else 0,
        write_errors=writer.errors if writer else 0,
        cache=counts.totals() if counts else None,
        cache_by_endpoint=counts.by_endpoint if counts else None,
        error_examples=examples,
    )


def run_stampede(
    port: int,
    token: str,
    metrics_token: str | None,
    readers: int,
    interval: float,
    seconds: float,
) -> StampedeReport:
    """The hit phase, then the stampede phase, each `seconds` long."""
    first = get(posts_path(DEFAULT_LIMIT), JSON_HEADERS)
    drive(port, first, readers, readers, seconds)  # the page into the cache
    phases = []
    note = ""
    for name in ("hit", "stampede"):
        before, note = scrape(port, metrics_token)
        writer = Writer(port, token, interval, seconds) if name == "stampede" else None
        if writer:
            writer.start()
        samples = drive(port, first, UNBOUNDED, readers, seconds)
        if writer:
            writer.join()
        after, note = scrape(port, metrics_token)
        phases.append(phase_of(name, samples, delta(before, after), writer))
    hit, stampede = phases
    misses = stampede.cache["miss"] if stampede.cache else None
    report = StampedeReport(
        readers=readers,
        interval_ms=round(interval * 1000, 1),
        hit=hit,
        stampede=stampede,
        rebuilds_per_invalidation=ratio(misses, stampede.writes),
        waited=stampede.cache["waited"] if stampede.cache else None,
        p50_vs_hit=ratio(stampede.p50_ms, hit.p50_ms),
        p99_vs_hit=ratio(stampede.p99_ms, hit.p99_ms),
        cache_note=note,
    )
    for phase in phases:
        counts = CacheCounts(phase.cache_by_endpoint or {}) if phase.cache else None
        log(
            f"  {phase.name}: {phase.requests} reads ({phase.errors} errors), "
            f"{phase.throughput_rps:.0f} req/s, p50 {phase.p50_ms or 0:.1f} ms, "
            f"p99 {phase.p99_ms or 0:.1f} ms, {phase.writes} writes; cache: {describe(counts)}"
        )
    return report
