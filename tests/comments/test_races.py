"""Concurrent comments (PostgreSQL): each counted once, deletes once, no 500 or deadlock."""

from __future__ import annotations

import pytest

from project.comments.models import Comment
from project.posts.models import Post
from tests.kit import assert_problem

pytestmark = pytest.mark.committing


@pytest.fixture
def comments(counted_and_rows):
    """`comments(post_id)`: (stored comment_count, comments rows)."""
    return lambda post_id: counted_and_rows(post_id, Post.comment_count, Comment)


def comment(client, post_id: int, member):
    return client.post(
        f"/api/v1/posts/{post_id}/comments", json={"body": "me too"}, headers=member.headers
    )


def test_twenty_comments_at_once_are_all_counted(
    race, crowd, post_of, comments, assert_counters_exact
):
    author, *others = crowd(11)
    post_id = post_of(author)

    responses = race([lambda c, m=m: comment(c, post_id, m) for m in others * 2])

    assert [r.status_code for r in responses] == [201] * 20
    assert comments(post_id) == (20, 20)
    assert_counters_exact()


def test_concurrent_deletes_of_a_comment_delete_once(
    race, racing_app, crowd, post_of, comments, assert_counters_exact
):
    author, commenter = crowd(2)
    post_id = post_of(author)
    client = racing_app.test_client()
    for trial in range(5):
        kept = comment(client, post_id, commenter)
        doomed = comment(client, post_id, commenter).json["id"]
        url = f"/api/v1/comments/{doomed}"

        # The comment's author and the post's author, five times each.
        responses = race(
            [lambda c, m=m, u=url: c.delete(u, headers=m.headers) for m in [author, commenter] * 5]
        )

        assert sorted(r.status_code for r in responses) == [204] + [404] * 9
        assert_problem(next(r for r in responses if r.status_code == 404), 404)
        assert kept.status_code == 201
        assert comments(post_id) == (trial + 1, trial + 1)
    assert_counters_exact()


def test_comment_writes_racing_the_posts_deletion_do_not_deadlock(
    race, racing_app, crowd, post_of, assert_counters_exact
):
    author, commenter = crowd(2)
    client = racing_app.test_client()
    for _ in range(3):
        post_id = post_of(author)
        ids = [comment(client, post_id, commenter).json["id"] for _ in range(4)]

        responses = race(
            [lambda c, p=post_id: c.delete(f"/api/v1/posts/{p}", headers=author.headers)]
            + [
                lambda c, i=i: c.delete(f"/api/v1/comments/{i}", headers=commenter.headers)
                for i in ids[:2]
            ]
            + [
                lambda c, i=i: c.patch(
                    f"/api/v1/comments/{i}", json={"body": "edited"}, headers=commenter.headers
                )
                for i in ids[2:]
            ]
            + [lambda c, p=post_id: comment(c, p, commenter)] * 2
        )

        assert responses[0].status_code == 204
        assert {r.status_code for r in responses[1:3]} <= {204, 404}
        assert {r.status_code for r in responses[3:5]} <= {200, 404}
        assert {r.status_code for r in responses[5:]} <= {201, 404}
    assert_counters_exact()
