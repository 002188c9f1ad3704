"""Hostile request bodies: JSON Python cannot parse safely, and streamed bodies over the limit.

Deeply nested arrays (RecursionError) and integers of more than 4,300 digits
(ValueError) are 400 problems on every route that reads JSON, anonymous or
not; a chunked body over MAX_CONTENT_LENGTH is a 413 like one whose
Content-Length is over it.
"""

from __future__ import annotations

import http.client
import io
import json
import threading

import pytest
from werkzeug.serving import make_server

from project.common.blueprint import (
    INVALID_JSON,
    TOO_DEEP,
    TOO_LONG_NUMBER,
    load_json,
)
from tests.kit import LOGIN, PASSWORD, assert_problem, user_count, user_url

DEEP = "[" * 1000 + "]" * 1000  # 2 KB
DEEPER = "[" * 100_000 + "]" * 100_000
LONG_NUMBER = '{"login": ' + "9" * 5000 + ', "password": "x"}'

HOSTILE = [
    pytest.param(DEEP, TOO_DEEP, id="deep-arrays"),
    pytest.param(DEEPER, TOO_DEEP, id="deeper-arrays"),
    pytest.param('{"username": ' + DEEP + "}", TOO_DEEP, id="deep-field"),
    pytest.param(LONG_NUMBER, TOO_LONG_NUMBER, id="long-number"),
    pytest.param("-" + "1" * 4301, TOO_LONG_NUMBER, id="long-negative"),
    pytest.param(b"\xff\xfe\x00{", INVALID_JSON, id="bad-bytes"),
    pytest.param('{"login": ', INVALID_JSON, id="truncated"),
]


def post_json(client, path: str, body, headers=None):
    return client.post(path, data=body, content_type="application/json", headers=headers)


@pytest.mark.parametrize(("body", "detail"), HOSTILE)
@pytest.mark.parametrize("path", ["/api/v1/users", LOGIN])
def test_anonymous_hostile_json_is_a_400(client, session, path, body, detail):
    response = post_json(client, path, body)

    assert_problem(response, 400, detail)
    assert user_count(session) == 0


@pytest.mark.parametrize(("body", "detail"), HOSTILE)
def test_authenticated_hostile_json_is_a_400(client, auth, session, alice, body, detail):
    """PATCH also reads the body before validation (to pick its rate limits)."""
    patched = client.patch(
        user_url(alice), data=body, content_type="application/json", headers=auth(alice)
    )
    created = post_json(client, "/api/v1/posts", body, headers=auth(alice))

    assert_problem(patched, 400, detail)
    assert_problem(created, 400, detail)


def test_flask_get_json_fails_as_a_400_too(app):
    """`request.get_json` goes through the app's JSON provider, which uses `load_json`."""
    with app.test_request_context(
        "/", method="POST", data=DEEP, content_type="application/json"
    ) as context:
        assert context.request.get_json(silent=True) is None
    with pytest.raises(json.JSONDecodeError, match="nested too deeply"):
        app.json.loads(DEEP)


def test_load_json_still_reads_ordinary_json():
    nested = "[" * 50 + "1" + "]" * 50
    assert load_json('{"n": ' + "9" * 4300 + "}")["n"] == int("9" * 4300)
    assert load_json(nested) == json.loads(nested)
    assert load_json(b'{"a": "\\u00e9"}') == {"a": "é"}


# --- streamed bodies ------------------------------------------------------------

LIMIT = 2048


@pytest.fixture
def small_limit(build_app):
    return build_app(MAX_CONTENT_LENGTH=LIMIT)


def login_body(size: int) -> bytes:
    """A JSON login body of exactly `size` bytes."""
    frame = b'{"login": "", "password": "wrong-password"}'
    return frame.replace(b'""', b'"' + b"a" * (size - len(frame)) + b'"')


def post_chunked(client, body: bytes):
    """What gunicorn and Werkzeug's server hand over for Transfer-Encoding: chunked:
    the dechunked stream, no Content-Length, `wsgi.input_terminated`."""
    return client.post(
        LOGIN,
        input_stream=io.BytesIO(body),
        headers={"Transfer-Encoding": "chunked", "Content-Type": "application/json"},
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.committing  # a second app; these requests write nothing
@pytest.mark.parametrize("over", [1, 10, LIMIT])
def test_chunked_body_over_the_limit_is_a_413(small_limit, over):
    client = small_limit.test_client()

    assert_problem(post_chunked(client, login_body(LIMIT + over)), 413)
    # The same body with a Content-Length is the same answer.
    sized = client.post(LOGIN, data=login_body(LIMIT + over), content_type="application/json")
    assert_problem(sized, 413)


@pytest.mark.committing
@pytest.mark.parametrize("size", [LIMIT - 1, LIMIT])
def test_chunked_body_within_the_limit_is_read(small_limit, size):
    response = post_chunked(small_limit.test_client(), login_body(size))

    assert response.status_code == 422, response.json  # read whole: login is too long
    assert "login" in response.json["errors"]["json"]


@pytest.mark.committing
def test_chunked_body_over_the_limit_over_real_http(small_limit):
    """Werkzeug's own server dechunks; the answer is still a 413 problem."""
    server = make_server("127.0.0.1", 0, small_limit, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
    try:
        body = login_body(LIMIT * 2)
        connection.request(
            "POST",
            LOGIN,
            body=iter([body[:1000], body[1000:]]),
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        payload = json.loads(response.read())
        assert response.status == 413
        assert response.getheader("Content-Type") == "application/problem+json"
        assert payload["status"] == 413
        assert payload["detail"] == "The request body is too large."

        connection.close()
        connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
        ok = json.dumps({"login": "nobody", "password": PASSWORD}).encode()
        connection.request(
            "POST",
            LOGIN,
            body=iter([ok]),
            headers={"Content-Type": "application/json"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        response.read()
        assert response.status == 401  # read and parsed: unknown user
    finally:
        connection.close()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
