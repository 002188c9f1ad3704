"""Likes: PUT/DELETE /api/v1/posts/{id}/like, the two lists, `liked`, posts.like_count."""

from __future__ import annotations

from datetime import timedelta

import pytest

from project.likes.models import Like
from tests.kit import (
    assert_problem,
    assert_unauthorized,
    count,
    item_ids,
    stored_post,
    user_url,
    walk,
)
from tests.posts.helpers import BASE_TIME


def like_url(post) -> str:
    return f"/api/v1/posts/{post.id}/like"


def post_url(post) -> str:
    return f"/api/v1/posts/{post.id}"


@pytest.fixture
def post(post_factory, alice):
    return post_factory(author=alice)


@pytest.fixture
def draft(post_factory, alice):
    return post_factory(author=alice, status="draft")


def likes_of(session, post) -> tuple[int, int]:
    """(stored like_count, likes rows) of `post`."""
    return stored_post(session, post.id).like_count, count(session, Like, Like.post_id == post.id)


# --- PUT / DELETE /posts/{id}/like ---------------------------------------------


def test_like_and_unlike_are_idempotent(client, session, auth, post, bob):
    for _ in range(2):
        response = client.put(like_url(post), headers=auth(bob))
        assert response.status_code == 204
        assert response.get_data() == b""
        assert likes_of(session, post) == (1, 1)
    assert count(session, Like, Like.user_id == bob.id, Like.post_id == post.id) == 1

    for _ in range(2):
        assert client.delete(like_url(post), headers=auth(bob)).status_code == 204
        assert likes_of(session, post) == (0, 0)
    # A like is not an edit of the post.
    assert stored_post(session, post.id).updated_at == post.updated_at


def test_likes_of_several_users_add_up(client, session, auth, post, alice, bob, admin):
    for user in (alice, bob, admin):
        assert client.put(like_url(post), headers=auth(user)).status_code == 204
    assert client.delete(like_url(post), headers=auth(bob)).status_code == 204
    assert likes_of(session, post) == (2, 2)
    assert client.get(post_url(post)).json["like_count"] == 2


def test_liking_needs_a_token(client, session, post):
    assert_unauthorized(client.put(like_url(post)))
    assert_unauthorized(client.delete(like_url(post)))
    assert likes_of(session, post) == (0, 0)


def test_liking_a_missing_post_is_404(client, auth, bob):
    assert_problem(client.put("/api/v1/posts/999999/like", headers=auth(bob)), 404)
    assert_problem(client.delete("/api/v1/posts/999999/like", headers=auth(bob)), 404)


def test_someone_elses_draft_cannot_be_liked(client, session, auth, draft, alice, bob, admin):
    for user in (bob, admin):
        assert_problem(
            client.put(like_url(draft), headers=auth(user)), 404, f"No post with id {draft.id}."
        )
        assert_problem(client.delete(like_url(draft), headers=auth(user)), 404)
    assert likes_of(session, draft) == (0, 0)
    assert client.put(like_url(draft), headers=auth(alice)).status_code == 204
    assert likes_of(session, draft) == (1, 1)


# --- `liked` -------------------------------------------------------------------


def test_liked_is_shown_to_authenticated_viewers_only(client, auth, post, alice, bob):
    client.put(like_url(post), headers=auth(bob))

    assert client.get(post_url(post), headers=auth(bob)).json["liked"] is True
    assert client.get(post_url(post), headers=auth(alice)).json["liked"] is False
    anonymous = client.get(post_url(post)).json
    assert "liked" not in anonymous
    assert anonymous["like_count"] == 1


def test_liked_in_a_feed_costs_one_query_for_the_page(
    client, capture_sql, auth, post_factory, alice, bob
):
    posts = post_factory.create_batch(30, author=alice)
    liked = {post.id for post in posts[::3]}
    for post_id in liked:
        client.put(f"/api/v1/posts/{post_id}/like", headers=auth(bob))
    headers = auth(bob)

    with capture_sql() as statements:
        response = client.get("/api/v1/posts", query_string={"limit": 100}, headers=headers)

    assert {item["id"] for item in response.json["items"] if item["liked"]} == liked
    assert {item["liked"] for item in response.json["items"]} == {True, False}
    assert len([s for s in statements if "FROM likes" in s.sql]) == 1, statements


def test_anonymous_feed_asks_nothing_about_likes(client, capture_sql, post):
    with capture_sql() as statements:
        response = client.get("/api/v1/posts")
    assert "liked" not in response.json["items"][0]
    assert not [s for s in statements if "likes" in s.sql], statements


# --- GET /posts/{id}/likes -----------------------------------------------------


def test_likers_are_listed_most_recent_first(client, auth, post, user_factory, add_like, alice):
    users = user_factory.create_batch(5)
    # The last three liked at the same moment: the user id breaks the tie.
    for number, user in enumerate(users):
        add_like(user, post, BASE_TIME + timedelta(seconds=min(number, 2)))
    expected = [u.id for u in sorted(users[2:], key=lambda u: u.id, reverse=True)] + [
        users[1].id,
        users[0].id,
    ]

    responses = walk(client, f"/api/v1/posts/{post.id}/likes?limit=2")

    assert item_ids(responses) == expected
    first = responses[0].json["items"][0]
    assert first["username"] == users[4].username
    assert "email" not in first
    # A liker seen by themself is their full profile, as on /users/{id}.
    mine = client.get(f"/api/v1/posts/{post.id}/likes", headers=auth(users[4])).json["items"][0]
    assert mine["email"] == users[4].email


def test_likers_of_someone_elses_draft_are_404(client, auth, draft, alice, bob):
    client.put(like_url(draft), headers=auth(alice))
    assert_problem(client.get(f"/api/v1/posts/{draft.id}/likes", headers=auth(bob)), 404)
    assert_problem(client.get(f"/api/v1/posts/{draft.id}/likes"), 404)
    mine = client.get(f"/api/v1/posts/{draft.id}/likes", headers=auth(alice))
    assert item_ids([mine]) == [alice.id]


def test_likers_of_a_missing_post_are_404(client):
    assert_problem(client.get("/api/v1/posts/999999/likes"), 404)


@pytest.mark.parametrize("size", [3, 60])
def test_a_page_of_likers_is_two_statements(
    client, capture_sql, post, user_factory, add_like, size
):
    for user in user_factory.create_batch(size):
        add_like(user, post, BASE_TIME)
    with capture_sql() as statements:
        response = client.get(f"/api/v1/posts/{post.id}/likes", query_string={"limit": 100})
    assert len(response.json["items"]) == size
    # The post (404 for a draft), then the page with the users joined in.
    assert len(statements) == 2, statements


# --- GET /users/{id}/likes -----------------------------------------------------


def test_a_users_liked_posts_most_recently_liked_first(
    client, auth, post_factory, alice, bob, add_like
):
    posts = post_factory.create_batch(5, author=alice)
    hidden = post_factory(author=bob, status="draft")
    order = [2, 0, 4, 1, 3]  # like posts in this order
    for second, index in enumerate(order):
        add_like(bob, posts[index], BASE_TIME + timedelta(seconds=second))
    add_like(bob, hidden, BASE_TIME + timedelta(seconds=10))

    responses = walk(client, f"/api/v1/users/{bob.id}/likes?limit=2", auth(bob))

    # Published posts only, even for the user's own drafts.
    assert item_ids(responses) == [posts[index].id for index in reversed(order)]
    items = [item for r in responses for item in r.json["items"]]
    assert {item["liked"] for item in items} == {True}
    assert items[0]["author"] == {"id": alice.id, "username": "alice"}
    assert items[0]["like_count"] == 1
    # Seen by someone else: their own `liked`, false here.
    other = client.get(f"/api/v1/users/{bob.id}/likes", headers=auth(alice)).json["items"]
    assert {item["liked"] for item in other} == {False}


def test_liked_posts_of_a_missing_user_are_404(client):
    assert_problem(client.get("/api/v1/users/999999/likes"), 404, "No user with id 999999.")


@pytest.mark.parametrize("size", [3, 60])
def test_a_page_of_liked_posts_is_constant(
    client, capture_sql, auth, post_factory, user_factory, bob, add_like, size
):
    for post in post_factory.create_batch(size, author=user_factory()):
        add_like(bob, post, BASE_TIME)
    headers = auth(bob)
    with capture_sql() as anonymous:
        response = client.get(f"/api/v1/users/{bob.id}/likes", query_string={"limit": 100})
    assert len(response.json["items"]) == size
    # The user (404 if missing), the page with posts (their tags in their rows)
    # and authors joined in.
    assert len(anonymous) == 2, anonymous
    with capture_sql() as authenticated:
        client.get(f"/api/v1/users/{bob.id}/likes", query_string={"limit": 100}, headers=headers)
    # Plus the token's lookups and one `liked` query; no query per post.
    assert len(authenticated) <= 2 + 2 + 1, authenticated


# --- what other deletions do to likes ------------------------------------------


def test_deleting_a_post_deletes_its_likes(client, session, auth, alice, bob):
    post_id = client.post(
        "/api/v1/posts", json={"title": "t", "body": "b"}, headers=auth(alice)
    ).json["id"]
    client.put(f"/api/v1/posts/{post_id}/like", headers=auth(bob))

    assert client.delete(f"/api/v1/posts/{post_id}", headers=auth(alice)).status_code == 204

    assert count(session, Like) == 0


def test_deleting_a_user_takes_their_likes_off_other_posts_counts(
    client, session, auth, post_factory, alice, bob, admin
):
    alices, other = post_factory(author=alice), post_factory(author=alice)
    bobs = post_factory(author=bob)
    for user, post in [(bob, alices), (admin, alices), (bob, other), (bob, bobs), (alice, bobs)]:
        assert client.put(like_url(post), headers=auth(user)).status_code == 204

    assert client.delete(user_url(bob), headers=auth(bob)).status_code == 204

    assert likes_of(session, alices) == (1, 1)
    assert likes_of(session, other) == (0, 0)
    assert count(session, Like) == 1


def test_a_like_by_an_account_deleted_meanwhile_is_a_409_and_writes_nothing(
    client, session, auth, bob, post, monkeypatch
):
    """The account went between the token's check and the like's insert (its own
    deletion, in another request): the database refuses the row, the client gets
    a problem, not a 500."""
    import sqlalchemy as sa

    from project.errors import REFERENCE_GONE
    from project.extensions import db
    from project.likes import services as like_services
    from project.users.models import User

    headers = auth(bob)
    real_visible_post = like_services.visible_post

    def visible_post_then_account_deleted(post_id, viewer, **kwargs):
        found = real_visible_post(post_id, viewer, **kwargs)
        db.session.execute(sa.delete(User.__table__).where(User.__table__.c.id == bob.id))
        return found

    monkeypatch.setattr(like_services, "visible_post", visible_post_then_account_deleted)

    response = client.put(like_url(post), headers=headers)

    assert_problem(response, 409, REFERENCE_GONE)
    assert likes_of(session, post) == (0, 0)
