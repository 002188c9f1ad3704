"""Every error is application/problem+json (RFC 9457), whoever raised it."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from project.extensions import db
from tests.kit import PASSWORD, assert_problem


def test_malformed_json_body_is_a_400_problem(client):
    response = client.post(
        "/api/v1/users", data='{"username": "alice",', content_type="application/json"
    )

    body = assert_problem(response, 400, path="/api/v1/users")
    assert body["title"] == "Bad Request"
    assert "not valid JSON" in body["detail"]
    assert "errors" not in body


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        "/api/v1/nope",
        "/api/v1/users/not-a-number",
        "/api/v1/users/0",
        # Beyond the PostgreSQL INTEGER range: no route matches, no overflow.
        "/api/v1/users/99999999999",
        "/api/v1/posts/2147483648",
    ],
)
def test_unknown_route_is_a_404_problem(client, path):
    body = assert_problem(client.get(path), 404, path=path)
    assert body["title"] == "Not Found"


def test_missing_resource_is_a_404_problem(client):
    body = assert_problem(
        client.get("/api/v1/users/2147483647"), 404, path="/api/v1/users/2147483647"
    )
    assert body["title"] == "Not Found"


def test_wrong_method_is_a_405_problem_that_keeps_allow(client):
    response = client.delete("/api/v1/posts")

    body = assert_problem(response, 405, path="/api/v1/posts")
    assert body["title"] == "Method Not Allowed"
    allowed = {method.strip() for method in response.headers["Allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert "DELETE" not in allowed


def test_body_over_max_content_length_is_a_413_problem(build_app):
    app = build_app(MAX_CONTENT_LENGTH=1024)
    payload = {
        "username": "bigbody",
        "email": "big@example.com",
        "password": PASSWORD,
        "bio": "x" * 2048,
    }

    response = app.test_client().post("/api/v1/users", json=payload)

    body = assert_problem(response, 413, path="/api/v1/users")
    assert body["title"] == "Request Entity Too Large"
    assert "too large" in body["detail"]


def test_invalid_field_is_a_422_problem_naming_the_field(client):
    response = client.post(
        "/api/v1/users",
        json={"username": "valid_name", "email": "not-an-email", "password": PASSWORD},
    )

    body = assert_problem(response, 422, path="/api/v1/users")
    assert body["title"] == "Unprocessable Entity"
    assert set(body["errors"]) == {"json"}
    assert set(body["errors"]["json"]) == {"email"}
    assert "json.email" in body["detail"]
    assert "username" not in body["detail"]


def test_invalid_query_argument_is_a_422_problem_naming_it(client):
    response = client.get("/api/v1/posts?limit=0")

    body = assert_problem(response, 422, path="/api/v1/posts")
    assert set(body["errors"]) == {"query"}
    assert "limit" in body["errors"]["query"]
    assert "query.limit" in body["detail"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic dXNlcjpwYXNz"}],
    ids=["missing", "malformed", "wrong-scheme"],
)
def test_bad_or_missing_token_is_a_401_problem_with_bearer_challenge(client, headers):
    response = client.get("/api/v1/users/me", headers=headers)

    body = assert_problem(response, 401, path="/api/v1/users/me")
    assert body["title"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_missing_token_detail_says_what_to_send(client):
    body = assert_problem(client.get("/api/v1/users/me"), 401)
    assert "Authorization: Bearer" in body["detail"]


SECRET_MESSAGE = "s3cr3t-internal-state password_hash=argon2id"


@pytest.fixture
def crashing_app(build_app):
    """An app with routes that fail the way bugs do, outside of TESTING's propagation."""
    app = build_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError(SECRET_MESSAGE)

    @app.route("/boom-sql")
    def boom_sql():
        db.session.execute(text("SELECT secret_column FROM no_such_table_xyz"))
        return "unreachable"

    return app


@pytest.mark.parametrize("path", ["/boom", "/boom-sql"])
def test_unhandled_exception_is_a_500_problem_without_internals(crashing_app, caplog, path):
    with caplog.at_level(logging.ERROR):
        response = crashing_app.test_client().get(path)

    body = assert_problem(response, 500, path=path)
    assert body["title"] == "Internal Server Error"
    assert body["detail"] == "An unexpected error occurred. It has been logged."
    raw = response.get_data(as_text=True)
    for leak in (
        "Traceback",
        "RuntimeError",
        "s3cr3t",
        "password_hash",
        "SELECT",
        "no_such_table_xyz",
        "secret_column",
        "sqlalchemy",
        "OperationalError",
        "ProgrammingError",
        'File "',
    ):
        assert leak not in raw, leak

    # ... but the operator gets the whole story in the log.
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert path in errors[0].getMessage()
    logged = caplog.text
    if path == "/boom":
        assert SECRET_MESSAGE in logged
    else:
        assert "no_such_table_xyz" in logged


def test_a_deadlock_is_a_409_to_retry_not_an_outage(build_app, postgres_url, caplog):
    """PostgreSQL aborting a transaction to break a deadlock (an OperationalError) is
    no outage: a 409 saying to retry, no 503, no warning."""
    import threading
    import time

    import psycopg
    from sqlalchemy.engine import make_url

    from project.errors import CONCURRENT_CONFLICT

    app = build_app(PROPAGATE_EXCEPTIONS=False)
    other_holds_2 = threading.Event()
    we_hold_1 = threading.Event()

    def other_transaction():
        url = make_url(postgres_url).set(drivername="postgresql")
        with psycopg.connect(url.render_as_string(hide_password=False)) as connection:
            connection.execute("SELECT pg_advisory_xact_lock(2)")
            other_holds_2.set()
            we_hold_1.wait(10)
            connection.execute("SELECT pg_advisory_xact_lock(1)")  # waits for the request
            connection.rollback()

    @app.route("/deadlock", methods=["POST"])
    def deadlock():
        # This side checks for deadlocks first (the other waits 1 s), so it is the victim.
        db.session.execute(text("SET LOCAL deadlock_timeout = '50ms'"))
        db.session.execute(text("SELECT pg_advisory_xact_lock(1)"))
        we_hold_1.set()
        waiting = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        deadline = time.monotonic() + 10
        while not db.session.execute(waiting).scalar() and time.monotonic() < deadline:
            time.sleep(0.01)
        db.session.execute(text("SELECT pg_advisory_xact_lock(2)"))
        return "unreachable"

    other = threading.Thread(target=other_transaction)
    other.start()
    assert other_holds_2.wait(10)
    with caplog.at_level(logging.INFO, logger="project.errors"):
        response = app.test_client().post("/deadlock")
    other.join(10)

    assert_problem(response, 409, CONCURRENT_CONFLICT, path="/deadlock")
    assert "Retry-After" not in response.headers
    assert "deadlock detected" in caplog.text
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
