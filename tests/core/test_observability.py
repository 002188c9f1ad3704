"""Request ids, X-Process-Time, and one access-log line per request."""

from __future__ import annotations

import io
import json
import logging
import re

import pytest

from tests.kit import bearer

GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")


@pytest.fixture
def crashing_client(build_app):
    app = build_app(PROPAGATE_EXCEPTIONS=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    return app.test_client()


def assert_timed_and_identified(response) -> str:
    request_id = response.headers["X-Request-ID"]
    assert request_id
    elapsed = float(response.headers["X-Process-Time"])
    assert elapsed >= 0
    return request_id


def test_ok_response_has_request_id_and_process_time(client):
    response = client.get("/health/live")
    assert response.status_code == 200
    assert GENERATED_ID.match(assert_timed_and_identified(response))


def test_not_found_response_has_request_id_and_process_time(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    request_id = assert_timed_and_identified(response)
    assert response.json["request_id"] == request_id


def test_server_error_has_request_id_and_process_time(crashing_client):
    response = crashing_client.get("/boom", headers={"X-Request-ID": "crash-42"})
    assert response.status_code == 500
    assert assert_timed_and_identified(response) == "crash-42"
    assert response.json["request_id"] == "crash-42"


def test_generated_request_ids_differ_per_request(client):
    ids = {client.get("/health/live").headers["X-Request-ID"] for _ in range(5)}
    assert len(ids) == 5


@pytest.mark.parametrize(
    "request_id",
    [
        "abc123",
        "7f9c2ba4-e88f-4f0b-8b5a-9d2b3c1f0e11",
        "trace:span.1_2-3",
        "x" * 128,
    ],
)
def test_sane_client_request_id_is_echoed(client, request_id):
    response = client.get("/health/live", headers={"X-Request-ID": request_id})
    assert response.headers["X-Request-ID"] == request_id


def test_sane_client_request_id_is_echoed_in_problem_body(client):
    response = client.get("/api/v1/nope", headers={"X-Request-ID": "req-1"})
    assert response.json["request_id"] == "req-1"


@pytest.mark.parametrize(
    "request_id",
    [
        "a b",
        "x" * 129,
        "x" * 260,
        "semi;colon",
        'quote"d',
        "<script>",
        "caf\u00e9",
        "tab\tinside",
    ],
)
def test_insane_client_request_id_is_replaced(client, request_id):
    response = client.get("/health/live", headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    replaced = response.headers["X-Request-ID"]
    assert replaced != request_id
    assert GENERATED_ID.match(replaced)


@pytest.mark.parametrize("request_id", ["abc\n", "abc\r\n", "abc\nX-Injected: 1"])
def test_request_id_with_line_break_is_replaced_not_a_500(client, request_id):
    # The test client refuses such headers, a raw WSGI environ does not.
    response = client.get("/health/live", environ_overrides={"HTTP_X_REQUEST_ID": request_id})
    assert response.status_code == 200
    assert GENERATED_ID.match(response.headers["X-Request-ID"])
    assert "X-Injected" not in response.headers


def only_record(access_log) -> logging.LogRecord:
    assert len(access_log.records) == 1, [r.getMessage() for r in access_log.records]
    return access_log.records[0]


def test_one_access_line_for_a_successful_request(client, access_log):
    response = client.get("/api/v1/posts?limit=5")

    record = only_record(access_log)
    assert record.name == "postwell.access"
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert message.startswith("GET /api/v1/posts?limit=5 200 ")
    assert "user=-" in message
    assert record.method == "GET"
    assert record.path == "/api/v1/posts"
    assert record.status == 200 == response.status_code
    assert record.user_id is None
    assert record.duration_ms >= 0


def test_one_access_line_for_a_not_found(client, access_log):
    client.get("/nope")

    message = only_record(access_log).getMessage()
    assert message.startswith("GET /nope 404 ")


def test_one_access_line_for_a_client_error_with_a_body(client, access_log):
    client.post("/api/v1/users", data="{", content_type="application/json")

    record = only_record(access_log)
    assert record.getMessage().startswith("POST /api/v1/users 400 ")


def test_one_access_line_for_a_server_error(crashing_client, access_log):
    crashing_client.get("/boom")

    record = only_record(access_log)
    assert record.getMessage().startswith("GET /boom 500 ")
    assert record.status == 500


def test_access_line_names_the_authenticated_user(client, login, user_factory, access_log):
    user = user_factory()
    token = login(user)["access_token"]
    access_log.clear()

    response = client.get("/api/v1/users/me", headers=bearer(token))

    assert response.status_code == 200
    record = only_record(access_log)
    message = record.getMessage()
    assert message.startswith("GET /api/v1/users/me 200 ")
    assert message.endswith(f"user={user.id}")
    assert record.user_id == user.id


def test_access_line_on_optional_auth_route_names_the_user(client, login, user_factory, access_log):
    user = user_factory()
    token = login(user)["access_token"]
    access_log.clear()

    client.get("/api/v1/posts", headers=bearer(token))

    assert only_record(access_log).user_id == user.id


def test_json_logs_carry_request_id_and_access_fields(build_app, access_log):
    logger = logging.getLogger("postwell")
    saved_handlers, saved_level = logger.handlers[:], logger.level
    try:
        app = build_app(LOG_JSON=True)
        (handler,) = logger.handlers
        stream = io.StringIO()
        handler.setStream(stream)

        response = app.test_client().get("/health/live", headers={"X-Request-ID": "json-1"})
    finally:
        logger.handlers[:] = saved_handlers
        logger.setLevel(saved_level)

    assert response.status_code == 200
    (line,) = stream.getvalue().splitlines()
    entry = json.loads(line)
    assert entry["request_id"] == "json-1"
    assert entry["name"] == "postwell.access"
    assert entry["level"] == "INFO"
    assert entry["method"] == "GET"
    assert entry["path"] == "/health/live"
    assert entry["status"] == 200
    assert "time" in entry
