"""What the response-cache and schema tests share: a small world, and every cached route."""

from __future__ import annotations

import pytest

from tests.common.helpers import API, cached_urls


@pytest.fixture
def world(alice, bob, admin, auth, client, post_factory):
    """Published posts by alice (one liked and commented by bob, tagged), a draft, a follow."""
    posts = [
        client.post(
            f"{API}/posts",
            json={"title": f"Post {n}", "body": "Body", "tags": ["cache", f"t{n}"]},
            headers=auth(alice),
        ).json
        for n in range(3)
    ]
    draft = client.post(
        f"{API}/posts",
        json={"title": "Draft", "body": "Secret", "status": "draft"},
        headers=auth(alice),
    ).json
    liked = posts[0]["id"]
    assert client.put(f"{API}/posts/{liked}/like", headers=auth(bob)).status_code == 204
    assert (
        client.post(
            f"{API}/posts/{liked}/comments", json={"body": "Nice"}, headers=auth(bob)
        ).status_code
        == 201
    )
    assert client.put(f"{API}/users/{alice.id}/follow", headers=auth(bob)).status_code == 204
    return {"posts": posts, "draft": draft, "liked": liked}


@pytest.fixture
def urls(world, alice, bob) -> list[str]:
    return cached_urls(world, alice, bob)
