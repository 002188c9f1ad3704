"""PUT and DELETE /api/v1/users/{id}/follow: idempotent follows, counters, is_followed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from project.common.exceptions import NotFound
from project.follows import services
from project.follows.models import Follow
from project.users.models import User
from tests.follows.helpers import counter_drift, follow_url, stored_counts
from tests.kit import (
    assert_problem,
    assert_unauthorized,
    count,
    field_errors,
    stored_user,
    user_url,
)

SELF = "You cannot follow yourself."


def follows(session, follower, followee) -> int:
    return count(
        session, Follow, Follow.follower_id == follower.id, Follow.followee_id == followee.id
    )


def test_follow_stores_one_follow_and_counts_it(client, auth, session, alice, bob):
    response = client.put(follow_url(bob), headers=auth(alice))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert follows(session, alice, bob) == 1
    assert follows(session, bob, alice) == 0
    assert stored_counts(session, bob) == (1, 0)
    assert stored_counts(session, alice) == (0, 1)


def test_following_twice_is_still_one_follow(client, auth, session, alice, bob):
    for _ in range(3):
        assert client.put(follow_url(bob), headers=auth(alice)).status_code == 204

    assert follows(session, alice, bob) == 1
    assert stored_counts(session, bob) == (1, 0)
    assert stored_counts(session, alice) == (0, 1)


def test_unfollow_removes_the_follow_and_uncounts_it(client, auth, follow, session, alice, bob):
    follow(alice, bob)
    follow(bob, alice)

    response = client.delete(follow_url(bob), headers=auth(alice))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert follows(session, alice, bob) == 0
    # The other direction stays.
    assert follows(session, bob, alice) == 1
    assert stored_counts(session, bob) == (0, 1)
    assert stored_counts(session, alice) == (1, 0)


def test_unfollowing_twice_or_never_is_204_and_changes_nothing(
    client, auth, follow, session, alice, bob, user_factory
):
    carol = user_factory()
    follow(carol, bob)
    follow(alice, bob)

    for _ in range(2):
        assert client.delete(follow_url(bob), headers=auth(alice)).status_code == 204
    # Never followed: still 204, and no counter goes below what is stored.
    assert client.delete(follow_url(alice), headers=auth(bob)).status_code == 204

    assert stored_counts(session, bob) == (1, 0)
    assert stored_counts(session, alice) == (0, 0)
    assert stored_counts(session, carol) == (0, 1)
    assert counter_drift(session) == []


@pytest.mark.parametrize("method", ["put", "delete"])
def test_following_yourself_is_422(client, auth, session, alice, method):
    response = getattr(client, method)(follow_url(alice), headers=auth(alice))

    body = assert_problem(response, 422)
    assert body["errors"] == {"path": {"user_id": [SELF]}}
    assert field_errors(response, "path") == {"user_id": [SELF]}
    assert count(session, Follow) == 0
    assert stored_counts(session, alice) == (0, 0)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_unknown_user_is_404(client, auth, session, alice, method):
    response = getattr(client, method)(
        f"/api/v1/users/{alice.id + 1000}/follow", headers=auth(alice)
    )

    assert_problem(response, 404, f"No user with id {alice.id + 1000}.")
    assert stored_counts(session, alice) == (0, 0)


@pytest.mark.parametrize("method", ["put", "delete"])
def test_follow_needs_a_token(client, session, alice, bob, method):
    assert_unauthorized(getattr(client, method)(follow_url(bob)))
    assert count(session, Follow) == 0


def test_being_followed_is_not_a_profile_edit(client, auth, session, alice, bob):
    before = stored_user(session, bob.id)["updated_at"]

    client.put(follow_url(bob), headers=auth(alice))
    client.delete(follow_url(bob), headers=auth(alice))

    assert stored_user(session, bob.id)["updated_at"] == before


def test_counters_cannot_go_negative(session, alice):
    with pytest.raises(IntegrityError):
        session.execute(sa.update(User).where(User.id == alice.id).values(follower_count=-1))
    session.rollback()
    with pytest.raises(IntegrityError):
        session.execute(sa.update(User).where(User.id == alice.id).values(following_count=-1))
    session.rollback()


def test_a_follow_of_yourself_cannot_be_stored(session, alice):
    session.add(Follow(follower_id=alice.id, followee_id=alice.id))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_a_user_deleted_meanwhile_is_404_with_nothing_written(app, session, alice):
    """The foreign key is the last guard when the followee vanished after the lookup."""
    gone = User(id=alice.id + 1000, username="gone")
    with app.app_context(), pytest.raises(NotFound, match=f"No user with id {gone.id}."):
        services.follow(follower=alice, followee=gone)
    assert count(session, Follow) == 0
    assert stored_counts(session, alice) == (0, 0)


# --- what users look like now -------------------------------------------------


def test_user_shows_counts_to_everyone_and_is_followed_to_the_authenticated(
    client, auth, follow, alice, bob
):
    follow(alice, bob)

    anonymous = client.get(user_url(bob)).json
    assert anonymous["follower_count"] == 1
    assert anonymous["following_count"] == 0
    assert "is_followed" not in anonymous

    assert client.get(user_url(bob), headers=auth(alice)).json["is_followed"] is True
    assert client.get(user_url(alice), headers=auth(bob)).json["is_followed"] is False
    me = client.get("/api/v1/users/me", headers=auth(alice)).json
    assert me["is_followed"] is False
    assert me["following_count"] == 1


def test_users_list_marks_whom_the_viewer_follows(client, auth, follow, alice, bob, user_factory):
    carol, dave = user_factory(), user_factory()
    follow(alice, bob)
    follow(alice, dave)
    follow(carol, alice)

    items = client.get("/api/v1/users", headers=auth(alice)).json["items"]

    assert {item["id"]: item["is_followed"] for item in items} == {
        alice.id: False,
        bob.id: True,
        carol.id: False,
        dave.id: True,
    }
    anonymous = client.get("/api/v1/users").json["items"]
    assert all("is_followed" not in item for item in anonymous)


def test_is_followed_costs_one_query_per_page(
    client, auth, capture_sql, make_follows, alice, user_factory
):
    others = user_factory.create_batch(30)
    make_follows([(alice, other) for other in others[::2]])
    headers = auth(alice)

    def statements(limit: int) -> int:
        with capture_sql() as captured:
            response = client.get("/api/v1/users", headers=headers, query_string={"limit": limit})
        assert response.status_code == 200
        return len(captured)

    # Newest first: neither page holds alice, whose row (read for her private
    # fields' rule) a page holding her would already have loaded.
    assert statements(2) == statements(30)
    with capture_sql() as captured:
        client.get("/api/v1/users", headers=headers, query_string={"limit": 31})
    assert sum("FROM follows" in statement.sql for statement in captured) == 1
