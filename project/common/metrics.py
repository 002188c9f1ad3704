"""Postwell's own Prometheus metrics, as plain prometheus_client objects.

Defined once per process, registered in no registry here: `project.metrics`
adds them to each app's registry (or, under gunicorn with several workers,
prometheus_client's multiprocess mode collects them from every worker's
files). Services may count events here: this module imports no Flask.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

IN_FLIGHT = Gauge(
    "postwell_http_requests_in_flight",
    "HTTP requests being served right now.",
    registry=None,
    multiprocess_mode="livesum",
)
DB_POOL_CHECKED_OUT = Gauge(
    "postwell_db_pool_connections_in_use",
    "Database connections checked out of the pool.",
    registry=None,
    multiprocess_mode="livesum",
)
RATE_LIMITED = Counter(
    "postwell_rate_limit_rejections",
    "Requests answered 429 by a rate limit.",
    ["limit"],
    registry=None,
)
REFRESH_TOKEN_REUSE = Counter(
    "postwell_refresh_token_reuse_detections",
    "Spent refresh tokens presented again (their session was revoked).",
    registry=None,
)

MAILS_SENT = Counter(
    "postwell_mails_sent",
    "Mails handed to the mail server.",
    ["kind"],
    registry=None,
)
MAILS_FAILED = Counter(
    "postwell_mails_failed",
    "Attempts to send a mail that failed (each retry counts).",
    ["kind"],
    registry=None,
)

RESPONSE_CACHE = Counter(
    "postwell_response_cache",
    "Cached GET routes by outcome: hit (served from the cache), miss (built and kept),"
    " waited (served another worker's rebuild), bypass (built, not kept: not shareable,"
    " not a 200, or the cache unusable).",
    ["endpoint", "outcome"],
    registry=None,
)

ALL = (
    IN_FLIGHT,
    DB_POOL_CHECKED_OUT,
    RATE_LIMITED,
    REFRESH_TOKEN_REUSE,
    MAILS_SENT,
    MAILS_FAILED,
    RESPONSE_CACHE,
)


def count_rate_limit_breach(limit) -> None:
    """flask-limiter's `on_breach` callback: count, and let it answer 429 as usual."""
    RATE_LIMITED.labels(limit=str(limit.limit)).inc()
