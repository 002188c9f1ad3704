"""The token's user in a read-only request: its id from the token, its row read on use.

`project.common.auth.TokenUser`: a read that needs only who asks sends no
query for the users row; one that needs more reads it once; a deleted user's
token is refused either way.
"""

from __future__ import annotations

import pytest

from tests.kit import ME, assert_unauthorized, bearer, user_url

POSTS = "/api/v1/posts"

# What the built answer costs, not a cache hit.
pytestmark = pytest.mark.usefixtures("uncached")


def users_row_reads(statements) -> int:
    """How many statements read the viewer's users row (`email`, beyond the id and
    username a page's authors are shown with)."""
    return sum("users.email" in statement.sql for statement in statements)


def test_a_read_that_needs_only_the_viewers_id_does_not_load_their_row(
    client, auth, alice, bob, post_factory, capture_sql
):
    post_factory.create_batch(3, author=bob)
    headers = auth(alice)
    with capture_sql() as statements:
        response = client.get(POSTS, headers=headers)
    assert response.status_code == 200
    assert [item["liked"] for item in response.json["items"]] == [False] * 3
    assert users_row_reads(statements) == 0, statements


def test_a_read_that_needs_the_row_loads_it_once(client, auth, alice, capture_sql):
    headers = auth(alice)
    with capture_sql() as statements:
        response = client.get(ME, headers=headers)
    assert response.status_code == 200
    assert response.json["email"] == "alice@example.com"
    assert users_row_reads(statements) == 1
    assert not any("password_hash" in statement.sql for statement in statements)


@pytest.mark.parametrize("deleted_by", ["themself", "an admin"])
def test_a_deleted_users_other_tokens_are_refused_on_reads_that_need_only_the_id(
    client, login, alice, admin, deleted_by
):
    kept = login(alice)["access_token"]
    assert client.get(POSTS, headers=bearer(kept)).status_code == 200  # live, and remembered
    deleting = login(alice if deleted_by == "themself" else admin)["access_token"]
    assert client.delete(user_url(alice), headers=bearer(deleting)).status_code == 204

    assert_unauthorized(client.get(POSTS, headers=bearer(kept)))
    assert_unauthorized(client.get(ME, headers=bearer(kept)))
