"""GET /api/v1/users/{id}/followers and /following: most recent follow first, keyset pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.follows.helpers import followers_url, following_url
from tests.kit import SECRET_KEYS, assert_problem, field_errors, item_ids, walk
from tests.posts.helpers import BASE_TIME


def test_followers_are_most_recent_follow_first_not_newest_user(
    client, make_follows, alice, user_factory
):
    # Users created in order a, b, c follow alice in the order c, a, b.
    a, b, c = user_factory.create_batch(3)
    make_follows([(c, alice), (a, alice), (b, alice)])

    response = client.get(followers_url(alice))

    assert response.status_code == 200
    assert [item["id"] for item in response.json["items"]] == [b.id, a.id, c.id]
    assert response.json["next_cursor"] is None
    for item in response.json["items"]:
        assert not SECRET_KEYS & item.keys()
        assert {"username", "follower_count", "following_count", "avatar_url"} <= item.keys()
        assert item["following_count"] == 1


def test_following_are_most_recent_follow_first(client, make_follows, alice, user_factory):
    a, b, c = user_factory.create_batch(3)
    make_follows([(alice, b), (alice, c), (alice, a), (b, alice)])

    response = client.get(following_url(alice))

    assert [item["id"] for item in response.json["items"]] == [a.id, c.id, b.id]
    assert [item["follower_count"] for item in response.json["items"]] == [1, 1, 1]


def test_lists_page_on_the_follows_keys_through_ties(client, make_follows, alice, user_factory):
    """Ten follows at one instant: the follow id breaks the tie, pages never repeat or skip."""
    users = user_factory.create_batch(10)
    follows = make_follows([(user, alice) for user in users], step=timedelta(0))

    responses = walk(client, followers_url(alice) + "?limit=3")

    assert len(responses) == 4
    by_follow = sorted(follows, key=lambda f: (f.created_at, f.id), reverse=True)
    assert item_ids(responses) == [f.follower_id for f in by_follow]


def test_list_walk_in_both_directions(client, make_follows, alice, bob, user_factory):
    others = user_factory.create_batch(7)
    make_follows(
        [(other, alice) for other in others] + [(alice, other) for other in others[:5]],
        start=BASE_TIME,
    )

    followers = item_ids(walk(client, followers_url(alice) + "?limit=2"))
    following = item_ids(walk(client, following_url(alice) + "?limit=2"))

    assert followers == [other.id for other in reversed(others)]
    assert following == [other.id for other in reversed(others[:5])]
    assert item_ids(walk(client, followers_url(bob))) == []


def test_items_say_whether_the_viewer_follows_them(
    client, auth, make_follows, alice, bob, user_factory
):
    carol = user_factory()
    make_follows([(bob, alice), (carol, alice), (alice, carol)])

    mine = client.get(followers_url(alice), headers=auth(alice)).json["items"]
    assert {item["id"]: item["is_followed"] for item in mine} == {bob.id: False, carol.id: True}
    # Bob sees himself in the list: never "followed" by himself.
    bobs = client.get(followers_url(alice), headers=auth(bob)).json["items"]
    assert {item["id"]: item["is_followed"] for item in bobs} == {bob.id: False, carol.id: False}
    assert all("is_followed" not in item for item in client.get(followers_url(alice)).json["items"])


@pytest.mark.parametrize("url", [followers_url, following_url])
def test_unknown_user_is_404(client, alice, url):
    response = client.get(url(alice).replace(f"/{alice.id}/", f"/{alice.id + 1000}/"))

    assert_problem(response, 404, f"No user with id {alice.id + 1000}.")


@pytest.mark.parametrize("url", [followers_url, following_url])
def test_a_forged_cursor_is_422(client, alice, url):
    response = client.get(url(alice), query_string={"cursor": "bm9wZQ"})

    assert field_errors(response, "query") == {"cursor": ["Not a valid cursor."]}


@pytest.mark.usefixtures("uncached")
@pytest.mark.parametrize("count", [3, 40])
@pytest.mark.parametrize("url", [followers_url, following_url])
def test_a_page_costs_the_same_whatever_its_size(
    client, auth, capture_sql, make_follows, alice, bob, user_factory, url, count
):
    others = user_factory.create_batch(count)
    if url is followers_url:
        make_follows([(other, alice) for other in others] + [(bob, others[0])])
    else:
        make_follows([(alice, other) for other in others] + [(bob, others[0])])
    headers = auth(bob)

    with capture_sql() as anonymous:
        response = client.get(url(alice), query_string={"limit": 100})
    assert len(response.json["items"]) == count
    with capture_sql() as viewed:
        response = client.get(url(alice), headers=headers, query_string={"limit": 100})
    assert sum(item["is_followed"] for item in response.json["items"]) == 1

    # The user (404 if missing), then the page with its users joined in.
    assert len(anonymous) == 2, anonymous
    assert "JOIN users" in anonymous[1].sql
    # Plus the token's lookups and one is_followed query, whatever the count.
    assert len(viewed) <= 2 + 2 + 1, viewed
    assert sum("FROM follows" in statement.sql for statement in viewed) == 2
