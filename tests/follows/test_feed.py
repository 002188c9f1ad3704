"""GET /api/v1/feed: published posts by whom you follow and by you, newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.follows.helpers import FEED
from tests.kit import assert_unauthorized, field_errors, item_ids, walk
from tests.posts.helpers import BASE_TIME, newest_first


def test_feed_has_followees_and_own_published_posts_only(
    client, auth, make_follows, make_posts, alice, bob, user_factory
):
    carol, stranger, follower = user_factory.create_batch(3)
    make_follows([(alice, bob), (alice, carol), (follower, alice)])
    mine = make_posts(2, authors=[alice], prefix="mine")
    theirs = make_posts(4, authors=[bob, carol], start=BASE_TIME + timedelta(minutes=1))
    make_posts(2, authors=[bob], status="draft", prefix="draft")
    make_posts(2, authors=[stranger, follower], prefix="not followed")

    response = client.get(FEED, headers=auth(alice))

    assert response.status_code == 200
    assert item_ids([response]) == newest_first(mine + theirs)
    assert response.json["next_cursor"] is None
    item = response.json["items"][0]
    assert item["author"]["id"] in {bob.id, carol.id}
    assert {"title", "body", "status", "created_at"} <= item.keys()


def test_feed_of_someone_following_nobody_is_their_own_posts(client, auth, make_posts, alice, bob):
    mine = make_posts(3, authors=[alice])
    make_posts(3, authors=[bob])

    assert item_ids([client.get(FEED, headers=auth(alice))]) == newest_first(mine)
    assert client.get(FEED, headers=auth(bob)).json["items"] != []


def test_feed_follows_follows_and_unfollows(client, auth, follow, make_posts, alice, bob):
    bobs = make_posts(2, authors=[bob])
    assert client.get(FEED, headers=auth(alice)).json["items"] == []

    follow(alice, bob)
    assert item_ids([client.get(FEED, headers=auth(alice))]) == newest_first(bobs)

    client.delete(f"/api/v1/users/{bob.id}/follow", headers=auth(alice))
    assert client.get(FEED, headers=auth(alice)).json["items"] == []


def test_feed_pages_newest_first_through_ties(
    client, auth, make_follows, make_posts, alice, user_factory
):
    authors = user_factory.create_batch(3)
    make_follows([(alice, author) for author in authors])
    # Two bursts of posts sharing one timestamp each: the id breaks the ties.
    posts = make_posts(9, authors=authors, step=timedelta(0))
    posts += make_posts(
        8, authors=[*authors, alice], start=BASE_TIME + timedelta(hours=1), step=timedelta(0)
    )

    responses = walk(client, FEED + "?limit=4", auth(alice))

    assert len(responses) == 5
    assert item_ids(responses) == newest_first(posts)


def test_one_prolific_author_can_fill_every_page(
    client, auth, make_follows, make_posts, alice, bob, user_factory
):
    """Each author contributes up to a page of candidates per request: a page may
    come entirely from one of them, and older authors' posts follow in order."""
    quiet = user_factory()
    make_follows([(alice, bob), (alice, quiet)])
    old = make_posts(3, authors=[quiet], prefix="old")
    recent = make_posts(25, authors=[bob], start=BASE_TIME + timedelta(days=1))

    responses = walk(client, FEED + "?limit=10", auth(alice))

    assert [len(response.json["items"]) for response in responses] == [10, 10, 8]
    assert item_ids(responses) == newest_first(recent) + newest_first(old)


def test_feed_needs_a_token(client):
    assert_unauthorized(client.get(FEED))


def test_forged_cursor_is_422(client, auth, alice):
    response = client.get(FEED, headers=auth(alice), query_string={"cursor": "bm9wZQ"})

    assert field_errors(response, "query") == {"cursor": ["Not a valid cursor."]}


@pytest.mark.parametrize("followees", [2, 30])
def test_a_feed_page_is_one_query_whatever_the_size_or_depth(
    client, auth, capture_sql, make_follows, make_posts, alice, user_factory, is_postgres, followees
):
    authors = user_factory.create_batch(followees)
    make_follows([(alice, author) for author in authors])
    make_posts(90, authors=authors)
    headers = auth(alice)
    client.get(FEED, headers=headers)  # the token's lookups, once

    costs = {}
    for limit in (1, 10, 100):
        with capture_sql() as statements:
            response = client.get(FEED, headers=headers, query_string={"limit": limit})
        assert len(response.json["items"]) == min(limit, 90)
        costs[limit] = statements
    deep = walk(client, FEED + "?limit=10", headers)[-1].request.url
    with capture_sql() as statements:
        client.get(deep, headers=headers)
    costs["deep"] = statements

    # The token's lookups, one query for the posts with their authors (and their
    # tags, in each post's row), filtered by follows, and one for the viewer's
    # `liked` (project.likes).
    assert len({len(statements) for statements in costs.values()}) == 1, costs
    for statements in costs.values():
        feed = [s.sql for s in statements if "FROM posts" in s.sql]
        assert len(feed) == 1
        assert "JOIN users" in feed[0] and "FROM follows" in feed[0]
        # PostgreSQL reads each followee's newest posts from the author index.
        assert ("JOIN LATERAL" in feed[0]) == is_postgres
        assert len([s for s in statements if "FROM likes" in s.sql]) == 1
        assert not [s for s in statements if "post_tags" in s.sql]
        assert len(statements) <= 4
