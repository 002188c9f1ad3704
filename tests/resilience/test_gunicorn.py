"""The app as deployed: gunicorn with gunicorn.conf.py, production config, SQLite.

Slow clients, graceful shutdown, rate limits without Redis, and what a client
sees for request heads that are too large. Servers come from the `gunicorn`
fixture (tests/fixtures/gunicorn.py): free ports, always stopped.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time

import pytest

from project.config import DEFAULT_PLUGINS
from project.errors import PROBLEM_JSON
from tests.fixtures.gunicorn import serve
from tests.kit import LOGIN, assert_problem

HOST = "127.0.0.1"


@pytest.fixture(scope="module")
def default_server(tmp_path_factory):
    """One server with the default settings (no REDIS_URL, no WEB_CONCURRENCY)."""
    with serve(tmp_path_factory.mktemp("gunicorn"), RATELIMIT_AUTH="3 per minute") as server:
        yield server


def problem_of(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict:
    assert status == expected, body[:300]
    assert headers["content-type"] == PROBLEM_JSON
    problem = json.loads(body)
    assert problem["status"] == expected
    assert problem["request_id"] == headers["x-request-id"]
    return problem


def test_slow_clients_do_not_starve_liveness(gunicorn):
    # One worker process: with sync workers one slow client would block it;
    # gthread's 4 threads leave one free while three clients dawdle.
    server = gunicorn(WEB_CONCURRENCY="1")
    trickling: list[socket.socket] = []
    stop = threading.Event()

    def trickle() -> None:
        for _ in range(40):  # at most 40 x 0.25 s
            for sock in trickling:
                sock.sendall(b"X-Slow: 1\r\n")
            if stop.wait(0.25):
                return

    try:
        for _ in range(3):
            sock = socket.create_connection((HOST, server.port), timeout=5)
            sock.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
            trickling.append(sock)
        feeder = threading.Thread(target=trickle, daemon=True)
        feeder.start()
        time.sleep(0.5)  # every slow connection is being read by now

        for _ in range(3):
            started = time.monotonic()
            status, _, body = server.request("GET", "/health/live", timeout=5)
            assert status == 200, body
            assert time.monotonic() - started < 2
    finally:
        stop.set()
        for sock in trickling:
            sock.close()


def test_request_in_flight_completes_on_sigterm(gunicorn):
    server = gunicorn(
        PLUGINS=",".join([*DEFAULT_PLUGINS, "tests.resilience.slow_plugin"]),
        GUNICORN_GRACEFUL_TIMEOUT="10",
    )
    answers: list = []

    def slow_request() -> None:
        try:
            answers.append(server.request("GET", "/api/v1/slow", timeout=10))
        except OSError as exc:  # recorded, so the assertion below says what happened
            answers.append(exc)

    client = threading.Thread(target=slow_request)
    client.start()
    time.sleep(0.4)  # the request is being served
    server.proc.send_signal(signal.SIGTERM)
    client.join(timeout=15)

    assert len(answers) == 1 and not isinstance(answers[0], Exception), answers
    status, _, body = answers[0]
    assert status == 200
    assert json.loads(body) == {"slept": 1.0}
    assert server.proc.wait(timeout=15) == 0


def test_auth_rate_limit_holds_across_requests_without_redis(default_server):
    server = default_server
    credentials = json.dumps({"login": "nobody", "password": "wrong-password"})
    headers = {"Content-Type": "application/json"}

    statuses = [
        server.request("POST", LOGIN, body=credentials, headers=headers)[0] for _ in range(3)
    ]
    status, response_headers, body = server.request(
        "POST", LOGIN, body=credentials, headers=headers
    )

    assert statuses == [401, 401, 401]
    problem_of(status, response_headers, body, 429)
    assert "without REDIS_URL" not in server.log()


def test_several_workers_without_redis_warn_at_start(gunicorn):
    server = gunicorn(WEB_CONCURRENCY="2")

    log = server.log()
    assert "WEB_CONCURRENCY=2 without REDIS_URL" in log
    assert "rate limits are enforced up to 2 times" in log
    assert "the response cache is off" in log


def test_oversized_request_heads_are_problems(default_server):
    server = default_server

    long_uri = "/api/v1/posts?q=" + "a" * 8100
    problem = problem_of(*server.request("GET", long_uri), 414)
    assert problem["detail"] == "The request URI is too long."

    big_field = {"X-Big": "b" * 9000}
    problem = problem_of(*server.request("GET", "/api/v1/posts", headers=big_field), 431)
    assert problem["detail"] == "The request's header fields are too large or too many."

    many_fields = {f"X-Field-{n}": "v" for n in range(120)}
    problem_of(*server.request("GET", "/api/v1/posts", headers=many_fields), 431)

    # Within the limits, the same requests are served (a long search is the app's 422).
    assert server.request("GET", "/health/live?pad=" + "a" * 7000)[0] == 200
    problem_of(*server.request("GET", "/api/v1/posts?q=" + "a" * 5000), 422)


def test_beyond_gunicorns_own_limits_the_server_answers(default_server):
    # Documented: past twice the app's limits, gunicorn refuses the request itself.
    server = default_server

    status, headers, _ = server.request("GET", "/api/v1/posts?q=" + "a" * 9000)

    assert status == 414
    assert headers["content-type"].startswith("text/html")


def test_request_head_limits_in_process(client):
    # The same checks without gunicorn (the Flask test client, any WSGI server).
    response = client.get("/api/v1/posts?q=" + "a" * 8100)
    assert_problem(response, 414, "The request URI is too long.")
    response = client.get("/api/v1/posts", headers={f"X-F-{n}": "v" for n in range(101)})
    assert_problem(response, 431)
