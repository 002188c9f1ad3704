"""`/metrics` in the Prometheus text format, for operators only.

Served only when `METRICS_TOKEN` is set, and then only to a request bearing
exactly that token (anyone else gets a 404 problem, as if it did not exist).
prometheus-flask-exporter records every request's count and latency by route
template (`url_rule`, never the raw path) and status; Postwell adds requests
in flight, database connections in use, rate-limit rejections and refresh-token
reuse detections (`project.common.metrics`). Under gunicorn with several
workers, `gunicorn.conf.py` sets `PROMETHEUS_MULTIPROC_DIR`, and a scrape
aggregates every worker (prometheus_client's multiprocess mode).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from functools import wraps

from flask import Flask, request
from prometheus_client import CollectorRegistry
from prometheus_flask_exporter import PrometheusMetrics
from sqlalchemy import event

from project.common import metrics as postwell_metrics
from project.common.database import engines_of
from project.errors import problem
from project.extensions import db

METRICS_PATH = "/metrics"


def require_token(token: str) -> Callable:
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(*args, **kwargs):
            presented = request.headers.get("Authorization", "")
            if not hmac.compare_digest(presented.encode(), f"Bearer {token}".encode()):
                return problem(404)
            return view(*args, **kwargs)

        return guarded

    return decorator


def count_requests_in_flight(app: Flask) -> None:
    @app.before_request
    def entering() -> None:
        postwell_metrics.IN_FLIGHT.inc()

    @app.teardown_request
    def leaving(error: BaseException | None) -> None:
        postwell_metrics.IN_FLIGHT.dec()


def count_pool_use(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    for pooled in engines_of(engine):
        event.listen(pooled, "checkout", lambda *a: postwell_metrics.DB_POOL_CHECKED_OUT.inc())
        event.listen(pooled, "checkin", lambda *a: postwell_metrics.DB_POOL_CHECKED_OUT.dec())


def init_app(app: Flask) -> None:
    token = app.config["METRICS_TOKEN"]
    if not token:
        return
    # One registry per app: on the default one, a second app in the same
    # process (tests) would silently record nothing.
    registry = CollectorRegistry(auto_describe=True)
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        for metric in postwell_metrics.ALL:
            registry.register(metric)
    exporter = PrometheusMetrics(
        app,
        path=None,
        registry=registry,
        group_by="url_rule",
        defaults_prefix="postwell",
        excluded_paths=[f"^{METRICS_PATH}$"],
        metrics_decorator=require_token(token),
    )
    exporter.register_endpoint(METRICS_PATH, app)
    count_requests_in_flight(app)
    count_pool_use(app)
