"""Work done outside the request: queued on Redis (RQ), or run after the response.

`defer(func, *args)` schedules `func(*args)` (a module-level function taking
plain values) to run in an app context:

* with REDIS_URL set, it is enqueued on the `postwell` RQ queue, with
  retries (MAIL_RETRY_INTERVALS), and run by `flask worker`;
* without Redis, or while Redis is down (the circuit breaker of
  `project.common.redis` is open or the enqueue fails), it runs in this
  process after the response has been sent (`call_on_close`); outside a
  request (CLI) it runs at once. There a failed job is retried at once, as
  many times as the queue would retry it (no waiting: it would hold a web
  worker), then logged and dropped; never turned into an error response.

Jobs must not trust that they run only once (RQ retries them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import redis as redis_py
from flask import Flask, current_app, g, has_request_context
from flask.cli import with_appcontext
from rq import Queue, Retry, SimpleWorker

from project.common.redis import RedisUnavailable, get_redis

QUEUE = "postwell"
PENDING = "postwell_pending_jobs"
log = logging.getLogger(__name__)


def run_job(func: Callable[..., Any], *args: Any) -> None:
    """Run one deferred job in this process, retrying at once, logging instead of raising."""
    attempts = 1 + len(current_app.config["MAIL_RETRY_INTERVALS"])
    for attempt in range(1, attempts + 1):
        try:
            func(*args)
            return
        except Exception:
            log.exception(
                "deferred job %s failed (attempt %d of %d)", func.__qualname__, attempt, attempts
            )


def defer(func: Callable[..., Any], *args: Any) -> None:
    redis = get_redis()
    if redis is not None:
        intervals = current_app.config["MAIL_RETRY_INTERVALS"]
        retry = Retry(max=len(intervals), interval=intervals) if intervals else None
        try:
            redis.run(
                lambda client: Queue(QUEUE, connection=client).enqueue(
                    func, *args, retry=retry, result_ttl=0
                )
            )
            return
        except RedisUnavailable:
            log.warning("Redis is unavailable: running %s in this process", func.__qualname__)
    if has_request_context():
        g.setdefault(PENDING, []).append((func, args))
    else:
        run_job(func, *args)


def run_after_response(response):
    """An after_request hook: the jobs this request deferred run once it is sent."""
    jobs = g.pop(PENDING, None)
    if jobs:
        app = current_app._get_current_object()

        def run_pending() -> None:
            with app.app_context():
                for func, args in jobs:
                    run_job(func, *args)

        response.call_on_close(run_pending)
    return response


def worker(app: Flask, *, burst: bool = False) -> bool:
    """Process the queue in this process (SimpleWorker: no fork, one app context)."""
    connection = redis_py.Redis.from_url(app.config["REDIS_URL"])
    with app.app_context():
        return SimpleWorker([Queue(QUEUE, connection=connection)], connection=connection).work(
            burst=burst, with_scheduler=True
        )


def init_app(app: Flask) -> None:
    import click

    app.after_request(run_after_response)

    @app.cli.command("worker")
    @click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
    @with_appcontext
    def worker_command(burst: bool) -> None:
        """Send queued mail (needs REDIS_URL)."""
        if not current_app.config["REDIS_URL"]:
            raise click.ClickException("REDIS_URL is not set: mail is sent by the web process.")
        worker(current_app._get_current_object(), burst=burst)
