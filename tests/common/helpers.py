"""Shared by the response-cache and schema tests."""

from __future__ import annotations

API = "/api/v1"


def cached_urls(world, alice, bob) -> list[str]:
    post = world["liked"]
    return [
        f"{API}/posts",
        f"{API}/posts?tag=cache",
        f"{API}/posts?author=alice&limit=2",
        f"{API}/posts?q=Post",
        f"{API}/posts/{post}",
        f"{API}/users",
        f"{API}/users?sort=-post_count",
        f"{API}/users/{alice.id}",
        f"{API}/users/{bob.id}",
        f"{API}/users/{alice.id}/posts",
        f"{API}/posts/{post}/comments",
        f"{API}/posts/{post}/likes",
        f"{API}/users/{bob.id}/likes",
        f"{API}/users/{alice.id}/followers",
        f"{API}/users/{bob.id}/following",
        f"{API}/tags",
    ]
