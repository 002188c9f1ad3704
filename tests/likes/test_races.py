"""Concurrent likes (PostgreSQL): every like counted once, no 500, exact counters."""

from __future__ import annotations

import pytest

from project.likes.models import Like
from project.posts.models import Post

pytestmark = pytest.mark.committing


@pytest.fixture
def likes(counted_and_rows):
    """`likes(post_id)`: (stored like_count, likes rows)."""
    return lambda post_id: counted_and_rows(post_id, Post.like_count, Like)


def test_twenty_users_liking_at_once_make_twenty_likes(
    race, crowd, post_of, likes, assert_counters_exact
):
    author, *fans = crowd(21)
    post_id = post_of(author)

    responses = race(
        [lambda c, m=fan: c.put(f"/api/v1/posts/{post_id}/like", headers=m.headers) for fan in fans]
    )

    assert [r.status_code for r in responses] == [204] * 20
    assert likes(post_id) == (20, 20)
    assert_counters_exact()


def test_one_user_liking_ten_times_at_once_likes_once(
    race, crowd, post_of, likes, assert_counters_exact
):
    author, fan = crowd(2)
    post_id = post_of(author)
    url = f"/api/v1/posts/{post_id}/like"

    liked = race([lambda c: c.put(url, headers=fan.headers)] * 10)
    assert [r.status_code for r in liked] == [204] * 10
    assert likes(post_id) == (1, 1)

    unliked = race([lambda c: c.delete(url, headers=fan.headers)] * 10)
    assert [r.status_code for r in unliked] == [204] * 10
    assert likes(post_id) == (0, 0)
    assert_counters_exact()


def test_likes_racing_the_posts_deletion_are_204_or_404(
    race, crowd, post_of, assert_counters_exact
):
    author, *fans = crowd(9)
    post_id = post_of(author)

    responses = race(
        [lambda c: c.delete(f"/api/v1/posts/{post_id}", headers=author.headers)]
        + [
            lambda c, m=fan: c.put(f"/api/v1/posts/{post_id}/like", headers=m.headers)
            for fan in fans
        ]
    )

    assert responses[0].status_code == 204
    assert {r.status_code for r in responses[1:]} <= {204, 404}, [
        r.get_data(as_text=True) for r in responses
    ]
    assert_counters_exact()
