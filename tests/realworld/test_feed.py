"""/api/articles/feed (feed.hurl): the articles of the users you follow."""

from __future__ import annotations

from tests.realworld.helpers import FEED, assert_article, assert_errors, profile_url


def test_feed(client, alice, bob, write, conduit):
    assert client.get(FEED, headers=conduit(alice)).json == {"articles": [], "articlesCount": 0}
    client.post(profile_url("bob") + "/follow", headers=conduit(alice))
    first = write(bob, "Feed Article 1")
    second = write(bob, "Feed Article 2")
    write(alice, "My own")  # RealWorld's feed is other people's articles

    body = client.get(FEED, headers=conduit(alice)).json

    assert body["articlesCount"] == 2
    assert [article["slug"] for article in body["articles"]] == [second["slug"], first["slug"]]
    for article in body["articles"]:
        assert_article(article, with_body=False)
        assert article["author"]["following"] is True

    one = client.get(f"{FEED}?limit=1", headers=conduit(alice)).json
    assert ([a["slug"] for a in one["articles"]], one["articlesCount"]) == ([second["slug"]], 2)
    two = client.get(f"{FEED}?limit=1&offset=1", headers=conduit(alice)).json
    assert ([a["slug"] for a in two["articles"]], two["articlesCount"]) == ([first["slug"]], 2)

    client.delete(profile_url("bob") + "/follow", headers=conduit(alice))
    assert client.get(FEED, headers=conduit(alice)).json["articlesCount"] == 0


def test_feed_leaves_out_drafts(client, alice, bob, auth, conduit):
    client.post(profile_url("bob") + "/follow", headers=conduit(alice))
    client.post(
        "/api/v1/posts", json={"title": "d", "body": "b", "status": "draft"}, headers=auth(bob)
    )
    assert client.get(FEED, headers=conduit(alice)).json["articlesCount"] == 0


def test_feed_without_a_token_is_401(client):
    assert_errors(client.get(FEED), 401, {"token": ["is missing"]})


def test_feed_bad_limit_is_422(client, alice, conduit):
    assert set(assert_errors(client.get(f"{FEED}?limit=0", headers=conduit(alice)), 422)) == {
        "limit"
    }
