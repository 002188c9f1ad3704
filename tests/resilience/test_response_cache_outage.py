"""The response cache on a Redis that stops, hangs and comes back, and shared by two instances.

Redis down: answers are built (uncached), never a 500, never stale. A write
whose invalidation could not reach Redis is made good when Redis answers
again: the whole cache moves to a new version before anything is served
from it.
"""

from __future__ import annotations

import time

import pytest

from project.common.invalidation import EVERYTHING
from project.common.response_cache import VERSION_PREFIX
from tests.kit import bearer

pytestmark = pytest.mark.committing

POSTS = "/api/v1/posts"


def write_post(s, token: str) -> int:
    response = s.client.post(POSTS, json={"title": "Before", "body": "B"}, headers=bearer(token))
    assert response.status_code == 201, response.json
    return response.json["id"]


def title(s, post_id: int) -> str:
    response = s.client.get(f"{POSTS}/{post_id}")
    assert response.status_code == 200, response.json
    return response.json["title"]


def rename(s, token: str, post_id: int, new_title: str) -> None:
    response = s.client.patch(
        f"{POSTS}/{post_id}", json={"title": new_title}, headers=bearer(token)
    )
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("mode", ["stopped", "hung"])
def test_reads_are_built_while_redis_is_down_and_never_stale(service, redis_server, mode):
    s = service(REDIS_RETRY_INTERVAL=30)
    token = s.login()["access_token"]
    post_id = write_post(s, token)
    assert title(s, post_id) == "Before"  # kept in Redis
    {"stopped": redis_server.stop, "hung": redis_server.pause}[mode]()
    try:
        assert title(s, post_id) == "Before"
        rename(s, token, post_id, "During")
        assert title(s, post_id) == "During"
        assert s.client.get(POSTS).json["items"][0]["title"] == "During"
    finally:
        if mode == "hung":
            redis_server.resume()


def test_an_invalidation_lost_in_an_outage_is_made_good_when_redis_returns(
    service, redis_server, stored
):
    """Redis hangs holding the entry, the post changes meanwhile, Redis resumes with its data."""
    s = service(REDIS_RETRY_INTERVAL=0.3)
    token = s.login()["access_token"]
    post_id = write_post(s, token)
    assert title(s, post_id) == "Before"
    everything = stored.get("postwell:cache:" + VERSION_PREFIX + EVERYTHING)
    redis_server.pause()
    try:
        rename(s, token, post_id, "After")  # its new version cannot be written
    finally:
        redis_server.resume()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        assert title(s, post_id) == "After"  # built, or kept again after the move
        time.sleep(0.1)
        if stored.get("postwell:cache:" + VERSION_PREFIX + EVERYTHING) != everything:
            break
    assert stored.get("postwell:cache:" + VERSION_PREFIX + EVERYTHING) != everything
    assert title(s, post_id) == "After"


def test_instances_sharing_redis_share_answers_and_see_each_others_writes(
    service, build_app, redis_server, capture_sql
):
    a = service()
    b = build_app(REDIS_URL=redis_server.url)
    token = a.login()["access_token"]
    post_id = write_post(a, token)
    url = f"{POSTS}/{post_id}"

    assert title(a, post_id) == "Before"  # built by a, kept in Redis
    with b.app_context(), capture_sql() as statements:
        assert b.test_client().get(url).json["title"] == "Before"
    assert list(statements) == []  # b served a's answer

    for n in range(5):
        rename(a, token, post_id, f"Edit {n}")
        with b.app_context():
            assert b.test_client().get(url).json["title"] == f"Edit {n}"
            assert b.test_client().get(POSTS).json["items"][0]["title"] == f"Edit {n}"
