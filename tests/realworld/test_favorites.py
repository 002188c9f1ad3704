"""/api/articles/{slug}/favorite (favorites.hurl): favourites are likes."""

from __future__ import annotations

import pytest

from project.likes.models import Like
from tests.kit import count
from tests.realworld.helpers import ARTICLES, article_url, assert_article, assert_errors


def test_favorite_and_unfavorite(client, session, alice, bob, write, conduit):
    slug = write(alice, "Favorite Article")["slug"]
    url = article_url(slug) + "/favorite"

    response = client.post(url, headers=conduit(bob))

    assert response.status_code == 200
    article = response.json["article"]
    assert_article(article)
    assert (article["favorited"], article["favoritesCount"]) == (True, 1)
    assert client.get(article_url(slug), headers=conduit(bob)).json["article"]["favorited"]
    assert not client.get(article_url(slug), headers=conduit(alice)).json["article"]["favorited"]
    assert not client.get(article_url(slug)).json["article"]["favorited"]
    listed = client.get(f"{ARTICLES}?favorited=bob", headers=conduit(bob)).json
    assert listed["articlesCount"] == 1 and listed["articles"][0]["favoritesCount"] == 1
    # Favouriting twice counts once.
    assert client.post(url, headers=conduit(bob)).json["article"]["favoritesCount"] == 1
    assert count(session, Like) == 1

    response = client.delete(url, headers=conduit(bob))

    assert response.status_code == 200
    assert (response.json["article"]["favorited"], response.json["article"]["favoritesCount"]) == (
        False,
        0,
    )
    assert (
        client.get(article_url(slug), headers=conduit(bob)).json["article"]["favoritesCount"] == 0
    )
    assert count(session, Like) == 0
    assert client.get(f"{ARTICLES}?favorited=bob").json == {"articles": [], "articlesCount": 0}


def test_favourites_do_not_change_updated_at(client, alice, bob, write, conduit):
    article = write(alice, "Untouched")
    liked = client.post(article_url(article["slug"]) + "/favorite", headers=conduit(bob)).json
    assert liked["article"]["updatedAt"] == article["updatedAt"]


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_unknown_slug_is_404(client, alice, conduit, method):
    response = client.open(
        article_url("unknown-slug-1") + "/favorite", method=method, headers=conduit(alice)
    )
    assert_errors(response, 404, {"article": ["not found"]})


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_without_a_token_is_401(client, method):
    response = client.open(article_url("some-slug") + "/favorite", method=method)
    assert_errors(response, 401, {"token": ["is missing"]})
