"""/api/tags (tags.hurl): the tags of published articles, most used first."""

from __future__ import annotations

from tests.realworld.helpers import TAGS, article_url


def test_tags(client, alice, bob, write, conduit):
    assert client.get(TAGS).json == {"tags": []}
    write(alice, "One", tags=["h_1", "t_1"])
    write(bob, "Two", tags=["t_1"])

    response = client.get(TAGS)

    assert response.status_code == 200
    assert response.json == {"tags": ["t_1", "h_1"]}


def test_tags_of_deleted_articles_go(client, alice, write, conduit):
    slug = write(alice, "Gone", tags=["gone"])["slug"]
    client.delete(article_url(slug), headers=conduit(alice))
    assert client.get(TAGS).json == {"tags": []}
