"""The load client: single requests, and bounded concurrent load from stdlib threads.

`http.client` with one connection per thread; every request is bounded in
time, every non-2xx answer or connection failure is counted (never retried)
with one example body per status.
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from bench import HOST, BenchError

REQUEST_TIMEOUT = 30.0

# method, path, body, headers
Request = tuple[str, str, bytes | None, dict[str, str]]


def exchange(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> tuple[int, http.client.HTTPMessage, bytes]:
    """One request on its own (new) connection: (status, headers, body).

    The headers are looked up case-insensitively (`headers.get("etag")`).
    """
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def call(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = REQUEST_TIMEOUT,
) -> tuple[int, bytes]:
    """One request on its own (new) connection: (status, body)."""
    status, _headers, payload = exchange(port, method, path, body, headers, timeout)
    return status, payload


def call_json(port: int, method: str, path: str, payload=None, headers=None) -> dict:
    """One JSON request that must answer 2xx; its decoded body."""
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


@dataclass
class Samples:
    """What one load phase saw; merged from every client thread."""

    latencies_ms: list[float] = field(default_factory=list)
    server_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    error_examples: dict[str, str] = field(default_factory=dict)
    # Answers of an unexpected status, and connection failures.
    errors: int = 0
    seconds: float = 0.0
    timed_out: bool = False

    def merge(self, other: Samples) -> None:
        self.latencies_ms += other.latencies_ms
        self.server_ms += other.server_ms
        self.statuses.update(other.statuses)
        self.errors += other.errors
        for key, value in other.error_examples.items():
            self.error_examples.setdefault(key, value)
        self.timed_out |= other.timed_out

    def failed(self, key: str, example: str) -> None:
        self.statuses[key] += 1
        self.errors += 1
        self.error_examples.setdefault(key, example)


def is_2xx(status: int) -> bool:
    return 200 <= status < 300


class _Worker:
    """One client thread: claims request indexes until none are left or time is up."""

    def __init__(
        self,
        port: int,
        make: Callable[[int], Request],
        claim,
        deadline: float,
        expected: Callable[[int], bool] = is_2xx,
    ):
        self.port, self.make, self.claim, self.deadline = port, make, claim, deadline
        self.expected = expected
        self.samples = Samples()
        self.conn = self._connect()

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)

    def run(self) -> None:
        try:
            while (index := self.claim()) is not None:
                if time.perf_counter() >= self.deadline:
                    self.samples.timed_out = True
                    return
                self.send(*self.make(index))
        finally:
            self.conn.close()

    def send(self, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> None:
        sent = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            # Counted as an error, never retried: a reset is a finding.
            self.samples.failed(type(exc).__name__, f"{method} {path}: {exc!r}")
            self.conn.close()
            self.conn = self._connect()
            return
        self.record(response, payload, (time.perf_counter() - sent) * 1000, f"{method} {path}")

    def record(self, response, payload: bytes, elapsed_ms: float, what: str) -> None:
        self.samples.latencies_ms.append(elapsed_ms)
        process_time = response.getheader("X-Process-Time")
        if process_time:
            self.samples.server_ms.append(float(process_time) * 1000)
        if self.expected(response.status):
            self.samples.statuses[str(response.status)] += 1
        else:
            body = payload[:800].decode(errors="replace")
            self.samples.failed(str(response.status), f"{what}: {body}")


def drive(
    port: int,
    make: Callable[[int], Request],
    count: int,
    concurrency: int,
    limit: float,
    start: int = 0,
    expected: Callable[[int], bool] = is_2xx,
) -> Samples:
    """Send `count` requests from `concurrency` threads, or stop after `limit` seconds.

    Request i is `make(start + i)`, so every request of a run differs. An
    answer whose status is not `expected` (default: 2xx) is an error.
    """
    lock = threading.Lock()
    indexes = iter(range(start, start + count))

    def claim() -> int | None:
        with lock:
            return next(indexes, None)

    started = time.perf_counter()
    workers = [
        _Worker(port, make, claim, started + limit, expected)
        for _ in range(min(concurrency, count))
    ]
    threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = Samples(seconds=time.perf_counter() - started)
    for worker in workers:
        total.merge(worker.samples)
    return total


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(math.ceil(pct / 100 * len(sorted_values)), 1)
    return sorted_values[rank - 1]
