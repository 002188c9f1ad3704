"""DELETE /api/v1/users/{id}: accounts go with their posts and sessions."""

from __future__ import annotations

from project.auth.models import AuthSession, RefreshToken
from project.posts.models import Post
from tests.kit import (
    LOGIN,
    ME,
    PASSWORD,
    REFRESH,
    assert_problem,
    assert_unauthorized,
    bearer,
    count,
    stored_user,
    user_url,
)


def test_delete_self_removes_account_posts_and_sessions(
    client, login, session, alice, bob, post_factory
):
    post_factory.create_batch(2, author=alice)
    post_factory(author=alice, status="draft")
    bobs_post = post_factory(author=bob)
    tokens = login("alice")
    login("alice")  # a second session

    response = client.delete(user_url(alice), headers=bearer(tokens["access_token"]))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert stored_user(session, alice.id) is None
    assert count(session, Post, Post.author_id == alice.id) == 0
    assert count(session, AuthSession, AuthSession.user_id == alice.id) == 0
    assert count(session, RefreshToken) == 0
    # Other people's data stays.
    assert stored_user(session, bob.id) is not None
    assert count(session, Post, Post.id == bobs_post.id) == 1


def test_deleted_users_tokens_are_401(client, login, alice):
    tokens = login("alice")

    client.delete(user_url(alice), headers=bearer(tokens["access_token"]))

    assert_unauthorized(client.get(ME, headers=bearer(tokens["access_token"])))
    assert_unauthorized(client.post(REFRESH, headers=bearer(tokens["refresh_token"])))
    assert_problem(client.get(user_url(alice)), 404)
    login = client.post(LOGIN, json={"login": "alice", "password": PASSWORD})
    assert_unauthorized(login)


def test_deleted_username_and_email_can_be_registered_again(client, auth, alice):
    client.delete(user_url(alice), headers=auth(alice))

    response = client.post(
        "/api/v1/users",
        json={"username": "alice", "email": "alice@example.com", "password": PASSWORD},
    )

    assert response.status_code == 201


def test_delete_other_user_is_403(client, auth, session, alice, bob, post_factory):
    post = post_factory(author=bob)

    response = client.delete(user_url(bob), headers=auth(alice))

    assert_problem(response, 403, "You can only change your own account.")
    assert stored_user(session, bob.id) is not None
    assert count(session, Post, Post.id == post.id) == 1


def test_admin_can_delete_other_user(client, login, session, admin, bob, post_factory):
    post_factory(author=bob)
    bob_tokens = login("bob")
    admin_token = login(admin)["access_token"]

    response = client.delete(user_url(bob), headers=bearer(admin_token))

    assert response.status_code == 204
    assert stored_user(session, bob.id) is None
    assert count(session, Post, Post.author_id == bob.id) == 0
    assert_unauthorized(client.get(ME, headers=bearer(bob_tokens["access_token"])))
    # The admin's own session is unaffected.
    assert client.get(ME, headers=bearer(admin_token)).status_code == 200


def test_delete_needs_a_token(client, session, alice):
    assert_unauthorized(client.delete(user_url(alice)))
    assert stored_user(session, alice.id) is not None


def test_delete_unknown_user_is_404(client, auth, admin):
    response = client.delete(f"/api/v1/users/{admin.id + 1000}", headers=auth(admin))

    assert_problem(response, 404)


def test_delete_twice_is_401_then(client, login, alice):
    token = login(alice)["access_token"]
    assert client.delete(user_url(alice), headers=bearer(token)).status_code == 204

    # The token died with the account.
    assert_unauthorized(client.delete(user_url(alice), headers=bearer(token)))
