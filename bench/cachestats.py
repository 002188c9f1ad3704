"""The response cache's own counts, read from the server's `/metrics` (Prometheus text).

The cache counts each cached GET in `postwell_response_cache_total`, labelled
`endpoint` (the Flask endpoint) and `outcome`: `hit` (served from the cache),
`miss` (built and stored: one rebuild), `waited` (another worker was
rebuilding it; this one waited and served its result) and `bypass` (built,
not stored: cache unusable or answer not cacheable). Under gunicorn the scrape
sums every worker (multiprocess mode). A scrape before and one after a phase
give the phase's counts. A server without the counter (no response cache,
or no METRICS_TOKEN) gives None: reported as "n/a", never an error. A
labelled counter only shows once a label set has been counted, so a scrape
without it before a phase counts as zero when the scrape after has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client.parser import text_string_to_metric_families

from bench.client import call

METRIC = "postwell_response_cache"
OUTCOMES = ("hit", "miss", "waited", "bypass")


@dataclass
class CacheCounts:
    """Counts per (endpoint, outcome) at one moment, or the difference of two scrapes."""

    by_endpoint: dict[str, dict[str, float]] = field(default_factory=dict)
    # Whether the page had the counter at all.
    present: bool = True

    def total(self, outcome: str) -> float:
        return sum(counts.get(outcome, 0.0) for counts in self.by_endpoint.values())

    def totals(self) -> dict[str, float]:
        return {outcome: self.total(outcome) for outcome in OUTCOMES}

    def __sub__(self, earlier: CacheCounts) -> CacheCounts:
        delta: dict[str, dict[str, float]] = {}
        for endpoint, counts in self.by_endpoint.items():
            before = earlier.by_endpoint.get(endpoint, {})
            changed = {
                outcome: value - before.get(outcome, 0.0)
                for outcome, value in counts.items()
                if value != before.get(outcome, 0.0)
            }
            if changed:
                delta[endpoint] = changed
        return CacheCounts(delta)


def parse(text: str) -> CacheCounts:
    """The response cache counts in a Prometheus text page (`present` False: none)."""
    found = False
    counts: dict[str, dict[str, float]] = {}
    for family in text_string_to_metric_families(text):
        if family.name != METRIC:
            continue
        found = True
        for sample in family.samples:
            if sample.name != f"{METRIC}_total":
                continue  # e.g. the _created timestamp
            endpoint = sample.labels.get("endpoint", "")
            outcome = sample.labels.get("outcome", "")
            by_outcome = counts.setdefault(endpoint, {})
            by_outcome[outcome] = by_outcome.get(outcome, 0.0) + sample.value
    return CacheCounts(counts, present=found)


def scrape(port: int, token: str | None) -> tuple[CacheCounts | None, str]:
    """The server's cache counts now (None: no scrape), and why not if so."""
    if not token:
        return None, "no METRICS_TOKEN on this server"
    try:
        status, body = call(port, "GET", "/metrics", headers={"Authorization": f"Bearer {token}"})
    except OSError as exc:
        return None, f"/metrics unreachable: {exc!r}"
    if status != 200:
        return None, f"/metrics answered {status}"
    counts = parse(body.decode(errors="replace"))
    return counts, "" if counts.present else f"/metrics has no {METRIC}_total (yet)"


def delta(before: CacheCounts | None, after: CacheCounts | None) -> CacheCounts | None:
    """What happened between two scrapes; None unless both worked and the counter exists."""
    if before is None or after is None or not after.present:
        return None
    return after - before


def describe(counts: CacheCounts | None) -> str:
    """`hit 1200, miss 3, waited 40, bypass 0`, or "n/a"."""
    if counts is None:
        return "n/a"
    return ", ".join(f"{outcome} {value:.0f}" for outcome, value in counts.totals().items())
