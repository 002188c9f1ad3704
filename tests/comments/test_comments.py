"""Comments: /api/v1/posts/{id}/comments and /api/v1/comments/{id}, and posts.comment_count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from project.comments.models import Comment
from project.comments.services import comments_page
from tests.kit import (
    assert_field_errors,
    assert_problem,
    assert_unauthorized,
    count,
    item_ids,
    stored_post,
    user_url,
    walk,
)
from tests.posts.helpers import BASE_TIME, parse_time

COMMENT_KEYS = {"id", "post_id", "body", "author", "created_at", "updated_at"}


def comments_url(post) -> str:
    return f"/api/v1/posts/{post.id}/comments"


def comment_url(comment_id: int) -> str:
    return f"/api/v1/comments/{comment_id}"


@pytest.fixture
def post(post_factory, alice):
    return post_factory(author=alice)


@pytest.fixture
def draft(post_factory, alice):
    return post_factory(author=alice, status="draft")


@pytest.fixture
def comment_on(client, auth):
    """`comment_on(post, user, body)`: a comment written through the API (its body)."""

    def write(post, user, body: str = "Nice post") -> dict:
        response = client.post(comments_url(post), json={"body": body}, headers=auth(user))
        assert response.status_code == 201, response.json
        return response.json

    return write


# --- POST /posts/{id}/comments -------------------------------------------------


def test_comment_answers_201_with_location_and_counts(client, session, auth, post, bob):
    response = client.post(comments_url(post), json={"body": "First!"}, headers=auth(bob))

    assert response.status_code == 201
    comment = response.json
    assert set(comment) == COMMENT_KEYS
    assert response.headers["Location"] == comment_url(comment["id"])
    assert (comment["post_id"], comment["body"]) == (post.id, "First!")
    assert comment["author"] == {"id": bob.id, "username": "bob"}
    assert parse_time(comment["created_at"]) <= parse_time(comment["updated_at"])
    assert count(session, Comment, Comment.post_id == post.id, Comment.author_id == bob.id) == 1
    assert stored_post(session, post.id).comment_count == 1
    # A comment is not an edit of the post.
    assert stored_post(session, post.id).updated_at == post.updated_at
    assert client.get(response.headers["Location"]).json == comment
    assert client.get(f"/api/v1/posts/{post.id}").json["comment_count"] == 1


def test_commenting_needs_a_token(client, session, post):
    assert_unauthorized(client.post(comments_url(post), json={"body": "Hi"}))
    assert stored_post(session, post.id).comment_count == 0


@pytest.mark.parametrize(
    "body", [{}, {"body": ""}, {"body": "x" * 10_001}, {"body": "a\x00b"}, {"body": 3}]
)
def test_invalid_comment_is_422(client, session, auth, post, bob, body):
    assert_field_errors(
        client.post(comments_url(post), json=body, headers=auth(bob)), "json", "body"
    )
    assert count(session, Comment) == 0
    assert stored_post(session, post.id).comment_count == 0


def test_longest_comment_is_accepted(client, auth, post, bob):
    response = client.post(comments_url(post), json={"body": "x" * 10_000}, headers=auth(bob))
    assert response.status_code == 201


def test_commenting_on_a_missing_post_is_404(client, auth, bob):
    assert_problem(
        client.post("/api/v1/posts/999999/comments", json={"body": "Hi"}, headers=auth(bob)), 404
    )


def test_a_draft_takes_comments_from_its_author_only(client, session, auth, draft, alice, bob):
    assert_problem(
        client.post(comments_url(draft), json={"body": "Hi"}, headers=auth(bob)),
        404,
        f"No post with id {draft.id}.",
    )
    assert stored_post(session, draft.id).comment_count == 0
    mine = client.post(comments_url(draft), json={"body": "Note"}, headers=auth(alice))
    assert mine.status_code == 201
    assert stored_post(session, draft.id).comment_count == 1


# --- GET /posts/{id}/comments --------------------------------------------------


def test_comments_are_listed_oldest_first_across_pages(client, post, alice, bob, make_comments):
    # Two share a timestamp: the id breaks the tie, in the same direction.
    comments = make_comments(post, 5, authors=[alice, bob]) + make_comments(
        post, 2, authors=[bob], start=BASE_TIME + timedelta(seconds=2), step=timedelta(0)
    )
    expected = [c.id for c in sorted(comments, key=lambda c: (c.created_at, c.id))]

    responses = walk(client, f"{comments_url(post)}?limit=2")

    assert [len(r.json["items"]) for r in responses] == [2, 2, 2, 1]
    assert item_ids(responses) == expected
    first = responses[0].json["items"][0]
    assert set(first) == COMMENT_KEYS
    assert first["author"] == {"id": alice.id, "username": "alice"}
    assert first["post_id"] == post.id


def test_a_post_without_comments_lists_none(client, post):
    response = client.get(comments_url(post))
    assert response.json == {"items": [], "next_cursor": None}


def test_listing_a_missing_posts_comments_is_404(client):
    assert_problem(client.get("/api/v1/posts/999999/comments"), 404)


def test_a_drafts_comments_are_its_authors_only(client, auth, draft, alice, bob, admin):
    written = client.post(comments_url(draft), json={"body": "Note"}, headers=auth(alice)).json
    for headers in ({}, auth(bob), auth(admin)):
        assert_problem(client.get(comments_url(draft), headers=headers), 404)
        assert_problem(client.get(comment_url(written["id"]), headers=headers), 404)
    assert item_ids([client.get(comments_url(draft), headers=auth(alice))]) == [written["id"]]
    assert client.get(comment_url(written["id"]), headers=auth(alice)).json == written


@pytest.mark.parametrize("size", [3, 60])
def test_a_page_of_comments_is_two_statements(client, capture_sql, post, make_comments, size):
    make_comments(post, size, authors=[post.author])
    with capture_sql() as statements:
        response = client.get(comments_url(post), query_string={"limit": 100})
    assert len(response.json["items"]) == size
    # The post (404 for a draft), then the page with its authors joined in.
    assert len(statements) == 2, statements


def test_comment_pages_reuse_one_statement_per_shape(
    client, capture_sql, post, post_factory, make_comments, uncached
):
    """Each shape of page (first, after a cursor) runs a statement built once,
    the post's id bound (`comments_page`), for any post."""
    other = post_factory(author=post.author)
    written = make_comments(post, 3, authors=[post.author])
    make_comments(other, 1, authors=[post.author])
    comments_page.cache_clear()

    with capture_sql() as here:
        top = client.get(comments_url(post), query_string={"limit": 2}).json
    cursor = {"limit": 2, "cursor": top["next_cursor"]}
    rest = client.get(comments_url(post), query_string=cursor).json
    with capture_sql() as elsewhere:
        other_page = client.get(comments_url(other), query_string={"limit": 2}).json

    assert [item["id"] for item in top["items"] + rest["items"]] == [c.id for c in written]
    assert len(other_page["items"]) == 1
    assert here[-1].sql == elsewhere[-1].sql  # the post's id is bound, not written in
    assert comments_page.cache_info()[:2] == (1, 2)  # hits, misses


# --- GET / PATCH / DELETE /comments/{id} ---------------------------------------


def test_missing_comment_is_404(client, auth, alice):
    assert_problem(client.get(comment_url(999999)), 404, "No comment with id 999999.")
    assert_problem(client.patch(comment_url(999999), json={}, headers=auth(alice)), 404)
    assert_problem(client.delete(comment_url(999999), headers=auth(alice)), 404)


def test_author_edits_a_comment(client, session, auth, post, bob, comment_on):
    written = comment_on(post, bob, "Frist")

    response = client.patch(comment_url(written["id"]), json={"body": "First"}, headers=auth(bob))

    assert response.status_code == 200
    assert response.json["body"] == "First"
    assert parse_time(response.json["updated_at"]) > parse_time(written["updated_at"])
    assert response.json["created_at"] == written["created_at"]
    assert session.get(Comment, written["id"], populate_existing=True).body == "First"
    assert stored_post(session, post.id).comment_count == 1


def test_admin_edits_any_comment_and_others_are_403(
    client, session, auth, post, alice, bob, admin, comment_on
):
    written = comment_on(post, bob)
    # Not even the post's author edits someone else's words.
    assert_problem(
        client.patch(comment_url(written["id"]), json={"body": "mine"}, headers=auth(alice)), 403
    )
    assert_unauthorized(client.patch(comment_url(written["id"]), json={"body": "x"}))
    moderated = client.patch(
        comment_url(written["id"]), json={"body": "[removed]"}, headers=auth(admin)
    )
    assert moderated.status_code == 200
    assert moderated.json["author"] == {"id": bob.id, "username": "bob"}
    assert session.get(Comment, written["id"], populate_existing=True).body == "[removed]"


def test_invalid_edit_is_422(client, auth, post, bob, comment_on):
    written = comment_on(post, bob)
    assert_field_errors(
        client.patch(comment_url(written["id"]), json={"body": ""}, headers=auth(bob)),
        "json",
        "body",
    )


@pytest.mark.parametrize("deleter", ["bob", "alice", "admin"])
def test_comment_deleted_by_its_author_the_posts_author_or_an_admin(
    client, session, auth, post, bob, comment_on, request, deleter
):
    written = comment_on(post, bob)
    comment_on(post, bob, "another")

    response = client.delete(
        comment_url(written["id"]), headers=auth(request.getfixturevalue(deleter))
    )

    assert response.status_code == 204
    assert response.get_data() == b""
    assert count(session, Comment, Comment.id == written["id"]) == 0
    assert stored_post(session, post.id).comment_count == 1
    assert_problem(client.get(comment_url(written["id"])), 404)
    # Deleting it again: nothing left to delete, nothing counted twice.
    assert_problem(client.delete(comment_url(written["id"]), headers=auth(bob)), 404)
    assert stored_post(session, post.id).comment_count == 1


def test_others_cannot_delete_a_comment(client, session, auth, post, bob, user_factory, comment_on):
    written = comment_on(post, bob)
    assert_problem(client.delete(comment_url(written["id"]), headers=auth(user_factory())), 403)
    assert_unauthorized(client.delete(comment_url(written["id"])))
    assert count(session, Comment) == 1
    assert stored_post(session, post.id).comment_count == 1


# --- what other deletions do to comments ---------------------------------------


def test_deleting_a_post_deletes_its_comments(client, session, auth, alice, bob, comment_on):
    written = client.post(
        "/api/v1/posts", json={"title": "t", "body": "b"}, headers=auth(alice)
    ).json
    post_id = written["id"]
    comment = client.post(
        f"/api/v1/posts/{post_id}/comments", json={"body": "hi"}, headers=auth(bob)
    ).json

    assert client.delete(f"/api/v1/posts/{post_id}", headers=auth(alice)).status_code == 204

    assert count(session, Comment) == 0
    assert_problem(client.get(comment_url(comment["id"])), 404)


def test_deleting_a_user_takes_their_comments_off_other_posts_counts(
    client, session, auth, post_factory, alice, bob, comment_on
):
    alices, other = post_factory(author=alice), post_factory(author=alice)
    bobs = post_factory(author=bob)
    comment_on(alices, bob)
    comment_on(alices, bob)
    comment_on(alices, alice)
    comment_on(other, bob)
    comment_on(bobs, alice)

    assert client.delete(user_url(bob), headers=auth(bob)).status_code == 204

    assert stored_post(session, alices.id).comment_count == 1
    assert stored_post(session, other.id).comment_count == 0
    assert count(session, Comment) == 1
    assert count(session, Comment, Comment.post_id == alices.id) == 1
