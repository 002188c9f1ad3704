"""PATCH and DELETE /api/v1/posts/{id}: authors and admins only."""

from __future__ import annotations

import pytest

from tests.kit import assert_field_errors, assert_problem, stored_post, stored_post_count
from tests.posts.helpers import BASE_TIME, parse_time

URL = "/api/v1/posts"


@pytest.fixture
def publish(client, auth):
    """Write a post through the API (so post_count is kept) and return its body."""

    def write(user, *, status: str = "published", title: str = "Original") -> dict:
        response = client.post(
            URL,
            json={"title": title, "body": "Original body", "status": status},
            headers=auth(user),
        )
        assert response.status_code == 201, response.json
        return response.json

    return write


@pytest.fixture
def old_post(make_posts, alice):
    """A published post by alice, written (and last edited) at BASE_TIME."""
    return make_posts(1, authors=[alice])[0]


# --- PATCH ------------------------------------------------------------------


def test_author_edits_a_post(client, session, alice, auth, old_post):
    response = client.patch(
        f"{URL}/{old_post.id}", json={"title": "Edited", "body": "New body"}, headers=auth(alice)
    )
    assert response.status_code == 200
    post = response.json
    assert (post["id"], post["title"], post["body"]) == (old_post.id, "Edited", "New body")
    assert post["author"] == {"id": alice.id, "username": "alice"}
    assert parse_time(post["created_at"]) == BASE_TIME
    assert parse_time(post["updated_at"]) > BASE_TIME

    stored = stored_post(session, old_post.id)
    assert (stored.title, stored.body) == ("Edited", "New body")
    assert stored.created_at == BASE_TIME
    assert stored.updated_at == parse_time(post["updated_at"])
    assert client.get(f"{URL}/{old_post.id}", headers=auth(alice)).json == post


def test_patch_changes_only_the_fields_given(client, session, alice, auth, old_post):
    response = client.patch(f"{URL}/{old_post.id}", json={"body": "Only"}, headers=auth(alice))
    assert response.status_code == 200
    assert (response.json["title"], response.json["body"]) == (old_post.title, "Only")
    assert stored_post(session, old_post.id).title == old_post.title


def test_empty_patch_changes_nothing(client, session, alice, auth, old_post):
    response = client.patch(f"{URL}/{old_post.id}", json={}, headers=auth(alice))
    assert response.status_code == 200
    assert (response.json["title"], response.json["body"]) == (old_post.title, old_post.body)
    stored = stored_post(session, old_post.id)
    assert (stored.title, stored.body, stored.status) == (
        old_post.title,
        old_post.body,
        "published",
    )


def test_patch_updated_at_advances_on_each_edit(client, alice, auth, publish):
    post = publish(alice)
    first = client.patch(f"{URL}/{post['id']}", json={"title": "One"}, headers=auth(alice))
    second = client.patch(f"{URL}/{post['id']}", json={"title": "Two"}, headers=auth(alice))
    stamps = [parse_time(body["updated_at"]) for body in (post, first.json, second.json)]
    assert stamps[0] < stamps[1] < stamps[2]
    assert second.json["created_at"] == post["created_at"]


def test_another_user_cannot_edit(client, session, bob, auth, old_post):
    response = client.patch(f"{URL}/{old_post.id}", json={"title": "Mine now"}, headers=auth(bob))
    assert_problem(response, 403)
    assert stored_post(session, old_post.id).title == old_post.title


def test_admin_edits_anyones_post(client, session, alice, admin, auth, old_post):
    response = client.patch(
        f"{URL}/{old_post.id}", json={"title": "Moderated"}, headers=auth(admin)
    )
    assert response.status_code == 200
    assert response.json["title"] == "Moderated"
    assert response.json["author"] == {"id": alice.id, "username": "alice"}
    stored = stored_post(session, old_post.id)
    assert (stored.title, stored.author_id) == ("Moderated", alice.id)


def test_patch_needs_a_token(client, session, old_post):
    response = client.patch(f"{URL}/{old_post.id}", json={"title": "Anon"})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert stored_post(session, old_post.id).title == old_post.title
    # Authentication comes before validation.
    assert_problem(client.patch(f"{URL}/{old_post.id}", json={"title": ""}), 401)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"title": None}, "title"),
        ({"title": 5}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"body": ""}, "body"),
        ({"body": "b" * 50_001}, "body"),
        ({"body": ["b"]}, "body"),
        ({"status": "archived"}, "status"),
        ({"status": None}, "status"),
        ({"author_id": 2}, "author_id"),
        ({"created_at": "2020-01-01T00:00:00+00:00"}, "created_at"),
    ],
)
def test_invalid_patch_is_422(client, session, alice, auth, old_post, payload, field):
    response = client.patch(f"{URL}/{old_post.id}", json=payload, headers=auth(alice))
    assert_field_errors(response, "json", field)
    stored = stored_post(session, old_post.id)
    assert (stored.title, stored.body, stored.author_id) == (
        old_post.title,
        old_post.body,
        alice.id,
    )


def test_patch_boundary_lengths_are_accepted(client, alice, auth, old_post):
    payload = {"title": "t" * 200, "body": "b" * 50_000}
    response = client.patch(f"{URL}/{old_post.id}", json=payload, headers=auth(alice))
    assert response.status_code == 200
    assert (response.json["title"], response.json["body"]) == (payload["title"], payload["body"])


def test_malformed_json_patch_is_400(client, alice, auth, old_post):
    response = client.patch(
        f"{URL}/{old_post.id}", data="{", content_type="application/json", headers=auth(alice)
    )
    assert_problem(response, 400)


def test_patch_a_missing_post_is_404(client, alice, auth, old_post):
    assert_problem(client.patch(f"{URL}/{old_post.id + 1000}", json={}, headers=auth(alice)), 404)
    assert_problem(client.patch(f"{URL}/99999999999999999999", json={}, headers=auth(alice)), 404)


@pytest.mark.parametrize("viewer", ["bob", "admin"])
def test_someone_elses_draft_is_404_for_patch_and_delete(
    client, session, alice, bob, admin, auth, publish, viewer
):
    draft = publish(alice, status="draft")
    headers = auth({"bob": bob, "admin": admin}[viewer])
    assert_problem(client.patch(f"{URL}/{draft['id']}", json={"title": "x"}, headers=headers), 404)
    assert_problem(client.delete(f"{URL}/{draft['id']}", headers=headers), 404)
    assert stored_post(session, draft["id"]).title == draft["title"]


# --- post_count through PATCH ----------------------------------------------


def test_unpublishing_decrements_and_republishing_increments_post_count(
    client, session, alice, auth, publish
):
    post = publish(alice)
    publish(alice)
    assert stored_post_count(session, alice) == 2

    response = client.patch(f"{URL}/{post['id']}", json={"status": "draft"}, headers=auth(alice))
    assert response.status_code == 200
    assert response.json["status"] == "draft"
    assert stored_post_count(session, alice) == 1
    assert client.get(f"/api/v1/users/{alice.id}").json["post_count"] == 1
    # Now a draft: gone from the public views.
    assert_problem(client.get(f"{URL}/{post['id']}"), 404)
    assert post["id"] not in [item["id"] for item in client.get(URL).json["items"]]

    response = client.patch(
        f"{URL}/{post['id']}", json={"status": "published"}, headers=auth(alice)
    )
    assert response.json["status"] == "published"
    assert stored_post_count(session, alice) == 2
    assert client.get(f"{URL}/{post['id']}").status_code == 200


def test_patch_that_keeps_the_status_keeps_post_count(client, session, alice, auth, publish):
    published, draft = publish(alice), publish(alice, status="draft")
    for post in (published, draft):
        response = client.patch(
            f"{URL}/{post['id']}",
            json={"status": post["status"], "title": "Same status"},
            headers=auth(alice),
        )
        assert response.status_code == 200
    assert stored_post_count(session, alice) == 1


def test_admin_unpublishing_changes_the_authors_post_count(
    client, session, alice, admin, auth, publish
):
    post = publish(alice)
    response = client.patch(f"{URL}/{post['id']}", json={"status": "draft"}, headers=auth(admin))
    assert response.status_code == 200
    assert stored_post_count(session, alice) == 0
    assert stored_post_count(session, admin) == 0


def test_forbidden_patch_leaves_post_count(client, session, alice, bob, auth, publish):
    post = publish(alice)
    response = client.patch(f"{URL}/{post['id']}", json={"status": "draft"}, headers=auth(bob))
    assert_problem(response, 403)
    assert stored_post_count(session, alice) == 1
    assert stored_post(session, post["id"]).status == "published"


# --- DELETE -----------------------------------------------------------------


def test_author_deletes_a_post(client, session, alice, auth, publish):
    post = publish(alice)
    response = client.delete(f"{URL}/{post['id']}", headers=auth(alice))
    assert response.status_code == 204
    assert response.get_data() == b""
    assert stored_post(session, post["id"]) is None
    assert stored_post_count(session, alice) == 0
    assert_problem(client.get(f"{URL}/{post['id']}"), 404)
    assert_problem(client.get(f"{URL}/{post['id']}", headers=auth(alice)), 404)
    assert client.get(URL).json["items"] == []
    # Deleting it again: it is gone.
    assert_problem(client.delete(f"{URL}/{post['id']}", headers=auth(alice)), 404)
    assert stored_post_count(session, alice) == 0


def test_deleting_a_draft_keeps_post_count(client, session, alice, auth, publish):
    publish(alice)
    draft = publish(alice, status="draft")
    assert client.delete(f"{URL}/{draft['id']}", headers=auth(alice)).status_code == 204
    assert stored_post(session, draft["id"]) is None
    assert stored_post_count(session, alice) == 1


def test_another_user_cannot_delete(client, session, alice, bob, auth, publish):
    post = publish(alice)
    assert_problem(client.delete(f"{URL}/{post['id']}", headers=auth(bob)), 403)
    assert stored_post(session, post["id"]) is not None
    assert stored_post_count(session, alice) == 1


def test_admin_deletes_anyones_post(client, session, alice, admin, auth, publish):
    post = publish(alice)
    assert client.delete(f"{URL}/{post['id']}", headers=auth(admin)).status_code == 204
    assert stored_post(session, post["id"]) is None
    assert stored_post_count(session, alice) == 0
    assert_problem(client.get(f"{URL}/{post['id']}"), 404)


def test_delete_needs_a_token(client, session, alice, publish):
    post = publish(alice)
    response = client.delete(f"{URL}/{post['id']}")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert stored_post(session, post["id"]) is not None


@pytest.mark.parametrize("post_id", ["0", "2147483648", "99999999999999999999", "abc"])
def test_delete_impossible_ids_is_404(client, alice, auth, post_id):
    assert_problem(client.delete(f"{URL}/{post_id}", headers=auth(alice)), 404)
