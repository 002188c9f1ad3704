"""PostgreSQL connections that cannot hang: timeouts on connect, on statements, on answers.

`engine_options` (used by `project.config`) adds to the engine options, on
PostgreSQL only:

* `connect_timeout`: psycopg gives up on a server that does not accept;
* `statement_timeout` (sent as a connection option): the server cancels a
  runaway statement (psycopg raises `QueryCanceled`);
* TCP keepalives and `tcp_user_timeout`: the kernel notices a peer gone silent;
* `pool_timeout`: a request waits that long for a pooled connection, not 30 s;
* an answer deadline (`ANSWER_DEADLINE_ARG`, consumed by `connect` below): a
  connection whose server stops answering altogether (packets dropped, a
  proxy that blackholes) is closed after the deadline, so the pool invalidates
  it and the request fails instead of waiting forever; `statement_timeout`
  covers a server that answers, this covers one that does not;
* instead of SQLAlchemy's pre-ping (a `SELECT 1` round trip on every
  checkout), `drop_hung_up` below: an idle connection on which the server
  has spoken (the termination notice and close of a restart, a terminated
  backend, a proxy closing it) is readable, which one zero-timeout `poll`
  sees; the pool then drops every connection as old as it and connects
  afresh, as after a failed ping. A server gone silent is what the ping could
  not catch quickly either: the answer deadline covers it.

SQLite ignores all of it. `project.errors` turns the resulting errors into 503s.

`RequestSession` (the class of `db.session`) runs the statements of a
read-only request (GET, HEAD, OPTIONS) on PostgreSQL in autocommit mode.
Under PostgreSQL's READ COMMITTED every statement takes its own snapshot
anyway, so a read sees exactly what it saw inside a transaction; what goes is
the `BEGIN` before the first statement and the `ROLLBACK` when the connection
returns to the pool: two of a read's four round trips. Those requests use a
second engine on the same database (`add_read_engine`), whose connections
are in autocommit from the start and are not reset when they come back; a
request checks one out once and holds it to its end, for its Core reads and
its session alike (`request_read_connection`): an
autocommit view of the one engine switched every connection into autocommit
on checkout and out of it on check-in, and rolled it back, about a tenth of
the CPU of reading one row. Writing requests keep the app's engine and one
transaction each. A read-only request's rare writes (a session's
`last_used_at`) are single statements.
"""

from __future__ import annotations

import math
import select
import weakref
from typing import Any

import psycopg
from flask import g, has_app_context, has_request_context, request
from flask_sqlalchemy.session import Session
from psycopg.errors import _WaitTimeout  # psycopg 3.3: what Connection.wait(timeout=) raises
from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import Pool

# A key of `connect_args` that psycopg never sees: `connect` takes it out.
ANSWER_DEADLINE_ARG = "postwell_answer_deadline"


def engine_options(
    uri: str,
    base: dict[str, Any],
    *,
    connect_timeout: float,
    statement_timeout: float,
    pool_timeout: float,
) -> dict[str, Any]:
    """`base` with the timeouts above added when `uri` is PostgreSQL; explicit keys win."""
    options = dict(base)
    if not uri.startswith("postgresql"):
        return options
    options.setdefault("pool_pre_ping", False)  # `drop_hung_up` instead
    options.setdefault("pool_timeout", pool_timeout)
    connect_args = dict(options.get("connect_args") or {})
    # libpq counts whole seconds (and at least 2).
    connect_args.setdefault("connect_timeout", max(2, math.ceil(connect_timeout)))
    if statement_timeout > 0:
        connect_args.setdefault("options", f"-c statement_timeout={int(statement_timeout * 1000)}")
    connect_args.setdefault("keepalives", 1)
    connect_args.setdefault("keepalives_idle", 10)
    connect_args.setdefault("keepalives_interval", 5)
    connect_args.setdefault("keepalives_count", 3)
    deadline = (statement_timeout or 30) + connect_timeout
    connect_args.setdefault("tcp_user_timeout", int(deadline * 1000))
    connect_args.setdefault(ANSWER_DEADLINE_ARG, deadline)
    options["connect_args"] = connect_args
    return options


class DeadlineConnection(psycopg.Connection):
    """A psycopg connection that closes itself when the server stops answering.

    Every network wait of psycopg's goes through `wait`; past `answer_deadline`
    seconds the connection is closed (its protocol state is unknown) and an
    `OperationalError` raised, which SQLAlchemy sees as a disconnect.
    """

    answer_deadline: float | None = None

    def wait(self, gen, interval: float = 0.1, timeout: float | None = None):
        deadline = self.answer_deadline if timeout is None else timeout
        try:
            return super().wait(gen, interval=interval, timeout=deadline)
        except _WaitTimeout:
            if timeout is not None:  # psycopg's own bounded wait: its business
                raise
            self.pgconn.finish()
            raise psycopg.OperationalError(
                f"no answer from the database server in {deadline:g} s; connection closed"
            ) from None


@event.listens_for(Engine, "do_connect")
def connect(dialect, connection_record, cargs, cparams):
    """Connect through `DeadlineConnection` when the engine options ask for a deadline."""
    deadline = cparams.pop(ANSWER_DEADLINE_ARG, None)
    if deadline is None or dialect.driver != "psycopg":
        return None  # SQLAlchemy connects as usual
    connection = DeadlineConnection.connect(*cargs, **cparams)
    connection.answer_deadline = deadline
    return connection


READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# flask.g (an app context per request): the read connection held (`request_read_connection`).
READ_CONNECTION_KEY = "postwell_read_connection"
# Each app engine's read engine (PostgreSQL only), made by `add_read_engine`.
_read_engines: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def read_only_request() -> bool:
    """Whether this is a request that must not write (GET, HEAD, OPTIONS)."""
    return has_request_context() and request.method in READ_ONLY_METHODS


def add_read_engine(engine: Engine, options: dict[str, Any]) -> Engine | None:
    """The engine of read-only requests beside the app's `engine` (made with
    `options`), on PostgreSQL: the same database and options, its connections
    in autocommit and never reset. Disposed with `engine`."""
    if engine.dialect.name != "postgresql":
        return None
    reader = create_engine(
        engine.url, **{**options, "isolation_level": "AUTOCOMMIT", "pool_reset_on_return": None}
    )
    _read_engines[engine] = reader
    event.listen(engine, "engine_disposed", lambda _engine: reader.dispose())
    return reader


def read_engine(engine: Engine) -> Engine | None:
    return _read_engines.get(engine)


def engines_of(engine: Engine) -> list[Engine]:
    """`engine` and its read engine, if any: what to watch for every statement
    or connection of the app (metrics, SQL counters)."""
    reader = _read_engines.get(engine)
    return [engine] if reader is None else [engine, reader]


def request_read_connection(engine: Engine) -> Connection | None:
    """This read-only request's connection of `engine`'s read engine, checked
    out on first use and held until the request ends (`release_read_connection`);
    None in other requests and without a read engine.

    One connection serves the whole request: the read models'
    (`project.common.reads`) Core statements, and the ORM session's, which is
    bound to it.
    """
    if not read_only_request():
        return None
    held = g.get(READ_CONNECTION_KEY)
    if held is None:
        reader = _read_engines.get(engine)
        if reader is None:
            return None
        held = reader.connect()
        setattr(g, READ_CONNECTION_KEY, held)
    return held


def release_read_connection() -> None:
    """Give the read connection held in this app context back to its pool (after
    the session has ended): at the end of each request, and of each app context
    (code run under a request context pushed by hand, as tests do, ends there)."""
    if has_app_context():
        held = g.pop(READ_CONNECTION_KEY, None)
        if held is not None:
            held.close()


class RequestSession(Session):
    """`db.session`: read-only requests read on PostgreSQL without a transaction."""

    def get_bind(self, *args: Any, **kwargs: Any) -> Engine | Connection:
        bind = super().get_bind(*args, **kwargs)
        # Not a test's connection, joined in its transaction.
        if isinstance(bind, Engine):
            held = request_read_connection(bind)
            if held is not None:
                # A Core read may have begun its (autocommit) transaction: join
                # it, whatever mode the session was configured with (never a
                # SAVEPOINT, which needs a real transaction).
                self.join_transaction_mode = "rollback_only"
                return held
        return bind


def server_hung_up(connection: psycopg.Connection) -> bool:
    """Whether the server spoke on this idle connection, or it is known dead.

    An idle connection has nothing to read (we never LISTEN); a server that
    ends it sends its notice and closes, which makes the socket readable.
    """
    if connection.closed or connection.broken:
        return True
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


@event.listens_for(Pool, "checkout")
def drop_hung_up(dbapi_connection, connection_record, connection_proxy) -> None:
    """Refuse a pooled PostgreSQL connection the server has hung up on (see the module)."""
    if isinstance(dbapi_connection, psycopg.Connection) and server_hung_up(dbapi_connection):
        raise exc.InvalidatePoolError("the database server closed this pooled connection")
