"""The response cache (project.common.response_cache), as a client sees it.

A hit sends no SQL, a cached body is byte for byte the one the route would
build, viewers never see each other's fields, and no answer outlives a write
that changed it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from flask import Flask

from project.common.response_cache import EXTENSION_KEY, LOCK_PREFIX, entry_key
from project.extensions import cache
from tests.common.helpers import API
from tests.kit import bearer


@pytest.fixture
def response_cache(app: Flask):
    return app.extensions[EXTENSION_KEY]


@pytest.fixture
def uncached_get(client, response_cache) -> Callable:
    """GET as the route builds it, the cache neither read nor written."""

    def get(url: str, headers=None):
        response_cache.enabled = False
        try:
            return client.get(url, headers=headers)
        finally:
            response_cache.enabled = True

    return get


def test_a_hit_sends_no_sql_and_is_the_built_body_byte_for_byte(
    client, urls, capture_sql, uncached_get
):
    for url in urls:
        built = uncached_get(url)
        first = client.get(url)  # miss: built and kept
        with capture_sql() as statements:
            hit = client.get(url)
        assert hit.status_code == 200, (url, hit.json)
        assert list(statements) == [], url
        assert hit.data == first.data == built.data, url
        assert hit.headers["ETag"] == built.headers["ETag"], url
        assert hit.headers.get("Link") == built.headers.get("Link"), url
        assert hit.headers["X-Request-ID"] != first.headers["X-Request-ID"]
        assert "X-Process-Time" in hit.headers


@pytest.mark.parametrize("order", ["alice first", "bob first", "anonymous first", "admin first"])
def test_viewers_get_their_own_fields_over_the_shared_body(
    client, urls, auth, alice, bob, admin, order, uncached_get, capture_sql
):
    viewers = {"alice": auth(alice), "bob": auth(bob), "anonymous": None, "admin": auth(admin)}
    first = order.split()[0]
    ordered = [first] + [name for name in viewers if name != first]
    for url in urls:
        for name in ordered:
            headers = viewers[name]
            with capture_sql() as statements:
                answer = client.get(url, headers=headers)
            assert answer.data == uncached_get(url, headers).data, (url, name)
            if name == "anonymous" and name != first:
                assert list(statements) == [], url


def test_private_fields_and_drafts_never_cross_viewers(client, world, auth, alice, bob):
    me = f"{API}/users/{alice.id}"
    assert client.get(me, headers=auth(alice)).json["email"] == "alice@example.com"
    assert "email" not in client.get(me, headers=auth(bob)).json
    assert "email" not in client.get(me).json

    liked = f"{API}/posts/{world['liked']}"
    assert client.get(liked, headers=auth(bob)).json["liked"] is True
    assert client.get(liked, headers=auth(alice)).json["liked"] is False
    assert "liked" not in client.get(liked).json

    draft = f"{API}/posts/{world['draft']['id']}"
    for _ in range(2):
        assert client.get(draft, headers=auth(alice)).json["title"] == "Draft"
    assert client.get(draft).status_code == 404
    assert client.get(draft, headers=auth(bob)).status_code == 404
    drafts = f"{API}/posts?status=draft"
    assert len(client.get(drafts, headers=auth(alice)).json["items"]) == 1
    assert client.get(drafts, headers=auth(bob)).json["items"] == []
    assert client.get(f"{draft}/comments", headers=auth(alice)).status_code == 200
    assert client.get(f"{draft}/comments").status_code == 404
    assert client.get(f"{draft}/likes", headers=auth(alice)).status_code == 200
    assert client.get(f"{draft}/likes", headers=auth(bob)).status_code == 404


def test_an_authenticated_hit_reuses_the_viewers_own_fields(
    app, client, urls, auth, bob, capture_sql, uncached_get
):
    """A viewer's `liked`, `is_followed` and private fields are kept per viewer:
    their second hit sends no SQL but the token check's (none with Redis, none
    on a route that takes no token)."""
    token_check = 0 if app.config["REDIS_URL"] else 1
    headers = auth(bob)
    for url in urls:
        client.get(url, headers=headers)  # the shared body
        client.get(url, headers=headers)  # bob's own fields
        with capture_sql() as statements:
            hit = client.get(url, headers=headers)
        assert len(statements) <= token_check, (url, statements)
        assert hit.data == uncached_get(url, headers).data, url


def test_a_viewers_kept_fields_follow_their_own_writes(client, world, auth, alice, bob, admin):
    """Kept per viewer, the fields still change with what the viewer does: their
    likes, their follows, their own row (an admin sees every email)."""
    post = f"{API}/posts/{world['posts'][2]['id']}"
    bob_profile = f"{API}/users/{bob.id}"
    for _ in range(2):
        assert client.get(post, headers=auth(alice)).json["liked"] is False
        assert client.get(bob_profile, headers=auth(alice)).json["is_followed"] is False
        assert "email" not in client.get(bob_profile, headers=auth(alice)).json

    assert client.put(f"{post}/like", headers=auth(alice)).status_code == 204
    assert client.get(post, headers=auth(alice)).json["liked"] is True
    assert client.get(post, headers=auth(bob)).json["liked"] is False

    assert client.put(f"{bob_profile}/follow", headers=auth(alice)).status_code == 204
    assert client.get(bob_profile, headers=auth(alice)).json["is_followed"] is True

    promoted = client.patch(f"{API}/users/{alice.id}", json={"is_admin": True}, headers=auth(admin))
    assert promoted.status_code == 200, promoted.json
    assert client.get(bob_profile, headers=auth(alice)).json["email"] == "bob@example.com"
    assert "email" not in client.get(bob_profile).json


def test_a_current_etag_is_a_304_without_sql_on_a_hit(client, world, capture_sql):
    url = f"{API}/posts"
    etag = client.get(url).headers["ETag"]
    with capture_sql() as statements:
        response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert list(statements) == []


def writes(world, alice, bob, admin, auth):
    """Each write a client can make that changes what cached routes answer."""
    post, liked, draft = world["posts"][1]["id"], world["liked"], world["draft"]["id"]
    return {
        "create post": ("POST", f"{API}/posts", {"title": "New", "body": "B"}, alice),
        "edit post": ("PATCH", f"{API}/posts/{post}", {"title": "Edited"}, alice),
        "retag post": ("PATCH", f"{API}/posts/{post}", {"tags": ["other"]}, alice),
        "unpublish": ("PATCH", f"{API}/posts/{liked}", {"status": "draft"}, alice),
        "publish": ("PATCH", f"{API}/posts/{draft}", {"status": "published"}, alice),
        "delete post": ("DELETE", f"{API}/posts/{liked}", None, alice),
        "like": ("PUT", f"{API}/posts/{post}/like", None, bob),
        "unlike": ("DELETE", f"{API}/posts/{liked}/like", None, bob),
        "comment": ("POST", f"{API}/posts/{post}/comments", {"body": "Hi"}, bob),
        "follow": ("PUT", f"{API}/users/{bob.id}/follow", None, alice),
        "unfollow": ("DELETE", f"{API}/users/{alice.id}/follow", None, bob),
        "edit profile": ("PATCH", f"{API}/users/{alice.id}", {"bio": "New bio"}, alice),
        "rename (RealWorld)": ("PUT", "/api/user", {"user": {"username": "alicia"}}, alice),
        "delete user": ("DELETE", f"{API}/users/{bob.id}", None, admin),
    }


WRITES = [
    "create post",
    "edit post",
    "retag post",
    "unpublish",
    "publish",
    "delete post",
    "like",
    "unlike",
    "comment",
    "follow",
    "unfollow",
    "edit profile",
    "rename (RealWorld)",
    "delete user",
]


def comparable(response) -> tuple[int, bytes | dict]:
    """Status and body; a problem's `request_id` differs from request to request."""
    if response.status_code == 200:
        return 200, response.data
    body = dict(response.json)
    body.pop("request_id", None)
    return response.status_code, body


@pytest.mark.parametrize("name", WRITES)
def test_no_cached_answer_outlives_a_write(
    client, world, urls, alice, bob, admin, auth, login, uncached_get, name
):
    every_write = writes(world, alice, bob, admin, auth)
    assert sorted(every_write) == sorted(WRITES)
    method, url, body, who = every_write[name]
    viewers = [None, auth(alice), auth(bob)]
    for cached_url in urls:
        for headers in viewers:
            client.get(cached_url, headers=headers)  # warm every entry
    headers = auth(who)
    if url.startswith("/api/user"):
        headers = {"Authorization": "Token " + login(who)["access_token"]}
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code < 300, response.json

    # Everyone's answers, the writer's own fields included (bob's token dies with him).
    checked = viewers[:2] if name == "delete user" else viewers
    for cached_url in urls:
        for headers in checked:
            fresh = uncached_get(cached_url, headers)
            answer = client.get(cached_url, headers=headers)
            assert comparable(answer) == comparable(fresh), (name, cached_url)


def test_concurrent_misses_build_once_and_the_others_wait(app, response_cache, monkeypatch):
    """A stampede: one build, the other requests served what it built."""
    builds: list[int] = []
    started = threading.Event()
    # Waiters must outlast the build however slowly threads start on a loaded machine.
    monkeypatch.setattr(response_cache, "rebuild_wait", 30.0)

    def slow_view():
        builds.append(1)
        started.wait(5)  # every request has started: they find the lock taken
        return app.response_class(b'{"items":[]}\n', mimetype="application/json")

    answers: list[bytes] = []

    def request_page():
        with app.test_request_context(f"{API}/tags"):
            answers.append(response_cache.serve(slow_view, ("posts",)).get_data())

    threads = [threading.Thread(target=request_page) for _ in range(6)]
    for thread in threads:
        thread.start()
    started.set()
    for thread in threads:
        thread.join()
    assert builds == [1]
    assert answers == [b'{"items":[]}\n'] * 6


def test_an_expired_entry_is_served_while_another_worker_rebuilds_it(
    client, world, response_cache, capture_sql, app
):
    url = f"{API}/posts"
    first = client.get(url)
    response_cache.timeout = 0  # every entry is past its timeout
    try:
        with app.test_request_context(url):
            lock = LOCK_PREFIX + entry_key()
        assert cache.add(lock, 1)  # another worker is rebuilding it
        with capture_sql() as statements:
            served = client.get(url)
        assert list(statements) == [] and served.data == first.data
        cache.delete(lock)
        with capture_sql() as statements:
            rebuilt = client.get(url)  # this worker rebuilds
        assert list(statements) and rebuilt.data == first.data
    finally:
        response_cache.timeout = app.config["CACHE_DEFAULT_TIMEOUT"]


@pytest.mark.committing  # an app of its own; it writes no rows
def test_cache_enabled_false_builds_every_answer(build_app, capture_sql):
    app = build_app(CACHE_ENABLED=False)
    client = app.test_client()
    with app.app_context():
        for _ in range(2):
            with capture_sql() as statements:
                assert client.get(f"{API}/tags").status_code == 200
            assert list(statements)


@pytest.mark.committing  # an app of its own; it writes no rows
def test_outcomes_are_counted_in_metrics(build_app):
    token = "metrics-token-for-the-cache-test"
    app = build_app(METRICS_TOKEN=token)
    client = app.test_client()

    def outcomes() -> dict[str, float]:
        text = client.get("/metrics", headers=bearer(token)).get_data(as_text=True)
        prefix = 'postwell_response_cache_total{endpoint="tags.Tags",outcome="'
        counted = {}
        for line in text.splitlines():
            if line.startswith(prefix):
                outcome, _, value = line[len(prefix) :].partition('"} ')
                counted[outcome] = float(value)
        return counted

    before = outcomes()
    with app.app_context():
        cache.clear()
    for _ in range(3):
        assert client.get(f"{API}/tags?limit=7").status_code == 200
    after = outcomes()
    assert after["miss"] - before.get("miss", 0) == 1
    assert after["hit"] - before.get("hit", 0) == 2


def test_flask_cache_invalidate_makes_every_answer_miss(app, client, world, capture_sql):
    url = f"{API}/posts"
    client.get(url)
    result = app.test_cli_runner().invoke(args=["cache", "invalidate"])
    assert result.exit_code == 0, result.output
    assert result.output == "Every cached answer invalidated.\n"
    with capture_sql() as statements:
        assert client.get(url).status_code == 200
    assert list(statements)


def test_each_host_and_query_is_its_own_entry(client, world):
    """The kept `Link` header names the host and the query as asked."""
    url = f"{API}/posts?limit=1"
    for host in ("a.example", "b.example", "a.example"):
        response = client.get(url, base_url=f"http://{host}")
        assert response.status_code == 200
        assert response.headers["Link"].startswith(f"<http://{host}{API}/posts?"), host
    one_then_two = [
        client.get(f"{API}/posts?limit={limit}&tag=cache").headers["Link"] for limit in (1, 2)
    ]
    assert "limit=1" in one_then_two[0] and "limit=2" in one_then_two[1]
    reordered = client.get(f"{API}/posts?tag=cache&limit=1").headers["Link"]
    assert reordered.index("tag=") < reordered.index("limit=")
