"""DELETE /api/v1/users/{id}: accounts go with their posts and sessions."""

from __future__ import annotations

from project.auth.models import AuthSession, RefreshToken
from project.posts.models import Post
from tests.users.helpers import assert_problem, assert_unauthorized, count, stored_user

ME = "/api/v1/users/me"


def url(user) -> str:
    return f"/api/v1/users/{user.id}"


def test_delete_self_removes_account_posts_and_sessions(
    client, api, session, alice, bob, post_factory
):
    post_factory.create_batch(2, author=alice)
    post_factory(author=alice, status="draft")
    bobs_post = post_factory(author=bob)
    tokens = api.login("alice")
    api.login("alice")  # a second session

    response = client.delete(url(alice), headers=api.bearer(tokens["access_token"]))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert stored_user(session, alice.id) is None
    assert count(session, Post, Post.author_id == alice.id) == 0
    assert count(session, AuthSession, AuthSession.user_id == alice.id) == 0
    assert count(session, RefreshToken) == 0
    # Other people's data stays.
    assert stored_user(session, bob.id) is not None
    assert count(session, Post, Post.id == bobs_post.id) == 1


def test_deleted_users_tokens_are_401(client, api, alice):
    tokens = api.login("alice")

    client.delete(url(alice), headers=api.bearer(tokens["access_token"]))

    assert_unauthorized(client.get(ME, headers=api.bearer(tokens["access_token"])))
    assert_unauthorized(
        client.post("/api/v1/auth/refresh", headers=api.bearer(tokens["refresh_token"]))
    )
    assert_problem(client.get(url(alice)), 404)
    login = client.post("/api/v1/auth/login", json={"login": "alice", "password": "password123"})
    assert_unauthorized(login)


def test_deleted_username_and_email_can_be_registered_again(client, api, alice):
    client.delete(url(alice), headers=api.bearer(api.token_for(alice)))

    response = client.post(
        "/api/v1/users",
        json={"username": "alice", "email": "alice@example.com", "password": "password123"},
    )

    assert response.status_code == 201


def test_delete_other_user_is_403(client, api, session, alice, bob, post_factory):
    post = post_factory(author=bob)

    response = client.delete(url(bob), headers=api.bearer(api.token_for(alice)))

    assert_problem(response, 403, "You can only change your own account.")
    assert stored_user(session, bob.id) is not None
    assert count(session, Post, Post.id == post.id) == 1


def test_admin_can_delete_other_user(client, api, session, admin, bob, post_factory):
    post_factory(author=bob)
    bob_tokens = api.login("bob")
    admin_token = api.token_for(admin)

    response = client.delete(url(bob), headers=api.bearer(admin_token))

    assert response.status_code == 204
    assert stored_user(session, bob.id) is None
    assert count(session, Post, Post.author_id == bob.id) == 0
    assert_unauthorized(client.get(ME, headers=api.bearer(bob_tokens["access_token"])))
    # The admin's own session is unaffected.
    assert client.get(ME, headers=api.bearer(admin_token)).status_code == 200


def test_delete_needs_a_token(client, session, alice):
    assert_unauthorized(client.delete(url(alice)))
    assert stored_user(session, alice.id) is not None


def test_delete_unknown_user_is_404(client, api, admin):
    response = client.delete(
        f"/api/v1/users/{admin.id + 1000}", headers=api.bearer(api.token_for(admin))
    )

    assert_problem(response, 404)


def test_delete_twice_is_401_then(client, api, alice):
    token = api.token_for(alice)
    assert client.delete(url(alice), headers=api.bearer(token)).status_code == 204

    # The token died with the account.
    assert_unauthorized(client.delete(url(alice), headers=api.bearer(token)))
