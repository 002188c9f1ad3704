"""Deleting a user takes their follows (both ways) and fixes everyone's counters."""

from __future__ import annotations

from project.follows.models import Follow
from tests.follows.helpers import counter_drift, stored_counts
from tests.kit import count, user_url


def test_deleting_a_user_fixes_the_counters_of_both_sides(
    client, auth, make_follows, session, alice, bob, user_factory
):
    carol, dave = user_factory.create_batch(2)
    make_follows(
        [(alice, bob), (alice, carol), (dave, alice), (bob, alice), (bob, carol), (dave, bob)]
    )
    assert stored_counts(session, bob) == (2, 2)

    response = client.delete(user_url(alice), headers=auth(alice))

    assert response.status_code == 204
    assert (
        count(session, Follow, (Follow.follower_id == alice.id) | (Follow.followee_id == alice.id))
        == 0
    )
    assert count(session, Follow) == 2
    # bob: lost a follower (alice) and a followee (alice).
    assert stored_counts(session, bob) == (1, 1)
    assert stored_counts(session, carol) == (1, 0)
    assert stored_counts(session, dave) == (0, 1)
    assert counter_drift(session) == []


def test_an_admin_deleting_someone_they_follow_is_counted_too(
    client, auth, make_follows, session, admin, alice
):
    make_follows([(admin, alice), (alice, admin)])

    assert client.delete(user_url(alice), headers=auth(admin)).status_code == 204

    assert stored_counts(session, admin) == (0, 0)
    assert client.get("/api/v1/users/me", headers=auth(admin)).json["following_count"] == 0


def test_the_fix_is_set_based(client, auth, capture_sql, make_follows, user_factory):
    """Deleting a user with 40 follows each way costs the same statements as with 2."""
    few, many = user_factory.create_batch(2)
    others = user_factory.create_batch(40)
    make_follows(
        [(few, other) for other in others[:2]]
        + [(other, few) for other in others[:2]]
        + [(many, other) for other in others]
        + [(other, many) for other in others]
    )

    def cost(user) -> list:
        headers = auth(user)
        with capture_sql() as statements:
            assert client.delete(user_url(user), headers=headers).status_code == 204
        return [statement.sql for statement in statements]

    small, large = cost(few), cost(many)

    assert len(small) == len(large), (small, large)
    assert sum(sql.startswith("UPDATE users") for sql in large) == 2
