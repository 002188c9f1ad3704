"""SQL statements per request: one request per scenario, in-process, counted at the engine.

After the load, the app is built once more in this process with `create_app()`
for each Postwell server of the run, with the very environment that server got
(production config, the bench database, the same Redis and secrets, so the
scenarios' bearer token is valid; `CACHE_ENABLED` on or off, so a scenario of
the cached server is counted on a cache hit, which it finds in the same Redis).
Each scenario's request (same method, path, headers and body as under load)
is sent once through Flask's test client to warm its code path up (and, on
the cached server, to fill the entry it is then counted on), then once
more (a write: the next one) while a `before_cursor_execute` listener on the app's engines (its
engine and the read engine of read-only requests) records
every statement. Transaction control (BEGIN, COMMIT, ROLLBACK, SAVEPOINT) is
not counted; psycopg sends BEGIN and COMMIT itself, outside the listener's
view, as does the pool's pre-ping on checkout.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from unittest import mock

from flask import Flask
from sqlalchemy import Engine, event

from bench import log
from bench.load import Result
from bench.scenarios import CEILING, Scenario
from project import create_app
from project.common.database import engines_of
from project.extensions import db

TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


@dataclass
class SqlCount:
    """The statements one request of a scenario sent, and the request's answer."""

    status: int
    statements: list[str]
    error: str = ""
    ok: bool = True


@contextmanager
def recording(engine: Engine) -> Iterator[list[str]]:
    """Collect the statements `engine` and its read engine (which serves the
    read-only requests, `project.common.database`) send while the context is open."""
    statements: list[str] = []
    engines = engines_of(engine)

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(TRANSACTION_CONTROL):
            statements.append(" ".join(statement.split()))

    for each in engines:
        event.listen(each, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for each in engines:
            event.remove(each, "before_cursor_execute", record)


def in_process_app(app_env: dict[str, str]) -> Flask:
    """The app as gunicorn's workers build it, from the same environment."""
    # WARNING: the app's access log would otherwise print a line per request here.
    with mock.patch.dict(os.environ, {**app_env, "LOG_LEVEL": "WARNING"}):
        return create_app()


def count_one(app: Flask, engine: Engine, scenario: Scenario) -> SqlCount:
    """Warm the scenario's request up, then count the statements of one more."""
    client = app.test_client()
    index = scenario.warmup + scenario.requests  # past every index the load used
    # A read is counted on the very request it warmed (a cache hit when cached);
    # a write on the next one (the same like twice would change nothing).
    first_method = scenario.make(index)[0]
    attempts = (index, index) if first_method in ("GET", "HEAD") else (index, index + 1)
    for attempt in attempts:
        method, path, body, headers = scenario.make(attempt)
        with recording(engine) as statements:
            response = client.open(path, method=method, data=body, headers=headers)
    ok = scenario.expected(response.status_code)
    error = "" if ok else response.get_data(as_text=True)[:800]
    return SqlCount(response.status_code, statements, error, ok)


class SqlCounter:
    """One in-process app per Postwell server (built when first needed), to count with.

    `app_envs` maps a server name to its environment; the bare Flask ceiling
    (not in it) sends no SQL. Reads are counted right after the read rounds,
    before any write changes what they answer (a 304's ETag, a cached page).
    """

    def __init__(self, app_envs: dict[str, dict[str, str]]):
        self.app_envs = app_envs
        self.apps: dict[str, tuple[Flask, Engine]] = {}

    def app(self, server: str) -> tuple[Flask, Engine]:
        if server not in self.apps:
            app = in_process_app(self.app_envs[server])
            with app.app_context():
                self.apps[server] = app, db.engine
        return self.apps[server]

    def count(self, scenarios: list[Scenario]) -> dict[str, SqlCount]:
        """SQL statements of one request per scenario, each in its server's app."""
        counts = {
            scenario.name: count_one(*self.app(scenario.server), scenario)
            for scenario in scenarios
            if scenario.name != CEILING and scenario.server in self.app_envs
        }
        log("sql: " + ", ".join(f"{name} {len(c.statements)}" for name, c in counts.items()))
        return counts

    def close(self) -> None:
        for _app, engine in self.apps.values():
            engine.dispose()


def attach(results: list[Result], counts: dict[str, SqlCount]) -> None:
    """Put each scenario's count on its result; an unexpected answer here is an error too."""
    for result in results:
        count = counts.get(result.name)
        if count is None:
            continue
        result.sql_statements = len(count.statements)
        result.sql = count.statements
        if not count.ok:
            key = f"sql-count {count.status}"
            result.errors += 1
            result.statuses[key] = result.statuses.get(key, 0) + 1
            result.error_examples.setdefault(key, count.error)
