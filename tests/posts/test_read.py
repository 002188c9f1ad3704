"""Reading posts: the feed, filters, a user's posts, and one post."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.kit import assert_field_errors, assert_problem
from tests.posts.helpers import BASE_TIME, newest_first

URL = "/api/v1/posts"


@pytest.fixture
def feed(make_posts, alice, bob):
    """Published and draft posts by alice and bob, interleaved in time."""
    published = make_posts(6, authors=[alice, bob], prefix="pub")
    drafts = make_posts(
        4, authors=[alice, bob], status="draft", start=BASE_TIME + timedelta(hours=1), prefix="d"
    )
    return {"published": published, "drafts": drafts}


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.json["items"]]


# --- the feed ---------------------------------------------------------------


def test_feed_lists_published_posts_only_newest_first(client, feed):
    response = client.get(URL)
    assert response.mimetype == "application/json"
    assert ids(response) == newest_first(feed["published"])
    assert response.json["next_cursor"] is None
    assert all(item["status"] == "published" for item in response.json["items"])


def test_feed_items_carry_their_author(client, feed, alice, bob):
    by_id = {item["id"]: item for item in client.get(URL).json["items"]}
    for post in feed["published"]:
        expected = alice if post.author_id == alice.id else bob
        assert by_id[post.id]["author"] == {"id": expected.id, "username": expected.username}


def test_empty_feed(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json == {"items": [], "next_cursor": None}
    assert "Link" not in response.headers


def test_posts_with_the_same_created_at_are_ordered_by_id_descending(client, make_posts):
    posts = make_posts(5, step=timedelta(0))
    assert ids(client.get(URL)) == sorted((post.id for post in posts), reverse=True)


def test_trailing_slash_answers_directly_without_redirect(client, feed, alice):
    plain = client.get(URL)
    slashed = client.get(URL + "/")
    assert slashed.status_code == 200
    assert "Location" not in slashed.headers
    assert slashed.json == plain.json

    user_posts = client.get(f"/api/v1/users/{alice.id}/posts/")
    assert user_posts.status_code == 200
    assert "Location" not in user_posts.headers


def test_invalid_token_on_the_public_feed_is_401(client, feed):
    response = client.get(URL, headers={"Authorization": "Bearer not-a-jwt"})
    assert_problem(response, 401)


# --- ?author= ---------------------------------------------------------------


def alice_published(feed, alice) -> list[int]:
    return newest_first(post for post in feed["published"] if post.author_id == alice.id)


def test_author_filter_by_id(client, feed, alice):
    response = client.get(URL, query_string={"author": alice.id})
    assert ids(response) == alice_published(feed, alice)
    assert {item["author"]["id"] for item in response.json["items"]} == {alice.id}


@pytest.mark.parametrize("name", ["alice", "ALICE", "AlIcE"])
def test_author_filter_by_username_is_case_insensitive(client, feed, alice, name):
    assert ids(client.get(URL, query_string={"author": name})) == alice_published(feed, alice)


def test_author_filter_for_an_author_without_posts_is_empty(client, feed, user_factory):
    quiet = user_factory(username="quiet")
    assert ids(client.get(URL, query_string={"author": "quiet"})) == []
    assert ids(client.get(URL, query_string={"author": quiet.id})) == []


@pytest.mark.parametrize(
    "author",
    [
        "nobody",
        "999999",
        "2147483647",  # the largest id: looked up, not found
        "2147483648",  # beyond any id: treated as a username
        "99999999999999999999",
        "0",
        "²",  # str.isdigit() is true, int() refuses it
        "١٢",  # Arabic-Indic digits
    ],
)
def test_unknown_author_is_404(client, feed, author):
    response = client.get(URL, query_string={"author": author})
    assert_problem(response, 404)


@pytest.mark.parametrize("author", ["", "a" * 21, "ali\x00ce"])
def test_invalid_author_is_422(client, feed, author):
    response = client.get(URL, query_string={"author": author})
    assert_field_errors(response, "query", "author")


# --- drafts -----------------------------------------------------------------


def test_listing_drafts_needs_a_token(client, feed):
    response = client.get(URL, query_string={"status": "draft"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_listing_drafts_shows_only_your_own(client, feed, alice, bob, auth):
    mine = newest_first(post for post in feed["drafts"] if post.author_id == alice.id)
    response = client.get(URL, query_string={"status": "draft"}, headers=auth(alice))
    assert ids(response) == mine
    assert {item["status"] for item in response.json["items"]} == {"draft"}

    response = client.get(
        URL, query_string={"status": "draft", "author": "alice"}, headers=auth(alice)
    )
    assert ids(response) == mine


def test_listing_someone_elses_drafts_is_403(client, feed, alice, bob, auth):
    for author in ("bob", str(bob.id)):
        response = client.get(
            URL, query_string={"status": "draft", "author": author}, headers=auth(alice)
        )
        assert_problem(response, 403)


def test_admins_list_only_their_own_drafts_too(client, feed, admin, bob, auth):
    response = client.get(URL, query_string={"status": "draft"}, headers=auth(admin))
    assert ids(response) == []
    response = client.get(
        URL, query_string={"status": "draft", "author": "bob"}, headers=auth(admin)
    )
    assert_problem(response, 403)


def test_listing_drafts_of_an_unknown_author_is_404(client, feed, alice, auth):
    response = client.get(
        URL, query_string={"status": "draft", "author": "nobody"}, headers=auth(alice)
    )
    assert_problem(response, 404)


def test_published_listing_with_a_token_is_the_public_feed(client, feed, alice, auth):
    assert ids(client.get(URL, headers=auth(alice))) == newest_first(feed["published"])


@pytest.mark.parametrize("status", ["", "Draft", "deleted", "draft,published"])
def test_invalid_status_is_422(client, feed, status):
    assert_field_errors(client.get(URL, query_string={"status": status}), "query", "status")


# --- /users/{id}/posts ------------------------------------------------------


def test_user_posts_lists_that_users_published_posts(client, feed, alice, bob):
    response = client.get(f"/api/v1/users/{alice.id}/posts")
    assert ids(response) == alice_published(feed, alice)
    assert response.json["next_cursor"] is None
    bob_posts = newest_first(post for post in feed["published"] if post.author_id == bob.id)
    assert ids(client.get(f"/api/v1/users/{bob.id}/posts")) == bob_posts


def test_user_posts_drafts_for_their_author(client, feed, alice, auth):
    mine = newest_first(post for post in feed["drafts"] if post.author_id == alice.id)
    response = client.get(
        f"/api/v1/users/{alice.id}/posts", query_string={"status": "draft"}, headers=auth(alice)
    )
    assert ids(response) == mine


def test_user_posts_drafts_need_a_token(client, feed, alice):
    response = client.get(f"/api/v1/users/{alice.id}/posts", query_string={"status": "draft"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("viewer", ["bob", "admin"])
def test_user_posts_drafts_of_someone_else_is_403(client, feed, alice, bob, admin, auth, viewer):
    headers = auth({"bob": bob, "admin": admin}[viewer])
    response = client.get(
        f"/api/v1/users/{alice.id}/posts", query_string={"status": "draft"}, headers=headers
    )
    assert_problem(response, 403)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users/999999/posts",
        "/api/v1/users/2147483647/posts",
        "/api/v1/users/99999999999999999999/posts",
        "/api/v1/users/0/posts",
        "/api/v1/users/-1/posts",
        "/api/v1/users/alice/posts",
    ],
)
def test_user_posts_of_an_unknown_user_is_404(client, feed, path):
    assert_problem(client.get(path), 404)


# --- one post ---------------------------------------------------------------


def test_show_a_published_post(client, feed, bob):
    post = next(post for post in feed["published"] if post.author_id == bob.id)
    response = client.get(f"{URL}/{post.id}")
    assert response.status_code == 200
    assert response.json["id"] == post.id
    assert response.json["title"] == post.title
    assert response.json["body"] == post.body
    assert response.json["author"] == {"id": bob.id, "username": "bob"}
    assert response.json["created_at"] == post.created_at.isoformat()


def test_a_draft_is_shown_to_its_author(client, feed, alice, auth):
    draft = next(post for post in feed["drafts"] if post.author_id == alice.id)
    response = client.get(f"{URL}/{draft.id}", headers=auth(alice))
    assert response.status_code == 200
    assert response.json["status"] == "draft"


@pytest.mark.parametrize("viewer", ["anonymous", "bob", "admin"])
def test_a_draft_is_404_to_everyone_else(client, feed, alice, bob, admin, auth, viewer):
    draft = next(post for post in feed["drafts"] if post.author_id == alice.id)
    headers = {"anonymous": {}, "bob": auth(bob), "admin": auth(admin)}[viewer]
    response = client.get(f"{URL}/{draft.id}", headers=headers)
    body = assert_problem(response, 404)
    # Indistinguishable from a post that does not exist.
    assert body["detail"] == f"No post with id {draft.id}."


def test_a_missing_post_is_404(client, feed):
    missing = max(post.id for post in feed["published"] + feed["drafts"]) + 1000
    body = assert_problem(client.get(f"{URL}/{missing}"), 404)
    assert body["detail"] == f"No post with id {missing}."


@pytest.mark.parametrize(
    "path",
    [
        f"{URL}/0",
        f"{URL}/-1",
        f"{URL}/2147483647",
        f"{URL}/2147483648",
        f"{URL}/99999999999999999999",
        f"{URL}/abc",
        f"{URL}/1.5",
    ],
)
def test_impossible_post_ids_are_404_not_500(client, feed, path):
    assert_problem(client.get(path), 404)
