"""/api/articles/{slug}/comments (comments.hurl)."""

from __future__ import annotations

import pytest

from project.comments.models import Comment
from tests.kit import count, stored_post
from tests.realworld.helpers import TIMESTAMP, article_url, assert_errors


@pytest.fixture
def article(alice, write):
    return write(alice, "Comment Article")


def comments_url(article) -> str:
    return article_url(article["slug"]) + "/comments"


def comment(client, article, user, conduit, body="Test comment body"):
    response = client.post(
        comments_url(article), json={"comment": {"body": body}}, headers=conduit(user)
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.json["comment"]


def test_create_list_delete(client, session, article, alice, bob, conduit):
    created = comment(client, article, bob, conduit)

    assert set(created) == {"id", "createdAt", "updatedAt", "body", "author"}
    assert isinstance(created["id"], int) and created["body"] == "Test comment body"
    assert TIMESTAMP.match(created["createdAt"]) and TIMESTAMP.match(created["updatedAt"])
    assert created["author"] == {
        "username": "bob",
        "bio": bob.bio,
        "image": None,
        "following": False,
    }
    for headers in ({}, conduit(alice)):
        listed = client.get(comments_url(article), headers=headers)
        assert listed.status_code == 200
        assert listed.json == {"comments": [created]}

    response = client.delete(f"{comments_url(article)}/{created['id']}", headers=conduit(bob))

    assert response.status_code == 204
    assert client.get(comments_url(article)).json == {"comments": []}
    assert count(session, Comment) == 0


def test_following_shows_in_comment_authors(client, article, alice, bob, conduit):
    comment(client, article, bob, conduit)
    client.post("/api/profiles/bob/follow", headers=conduit(alice))
    listed = client.get(comments_url(article), headers=conduit(alice)).json["comments"]
    assert listed[0]["author"]["following"] is True


def test_selective_deletion_and_order(client, session, article, alice, conduit):
    first = comment(client, article, alice, conduit, "First comment")
    comment(client, article, alice, conduit, "Second comment")
    assert [c["body"] for c in client.get(comments_url(article)).json["comments"]] == [
        "First comment",
        "Second comment",
    ]

    client.delete(f"{comments_url(article)}/{first['id']}", headers=conduit(alice))

    assert [c["body"] for c in client.get(comments_url(article)).json["comments"]] == [
        "Second comment"
    ]
    post_id = session.get(Comment, comment(client, article, alice, conduit)["id"]).post_id
    assert stored_post(session, post_id).comment_count == 2


def test_the_article_author_may_delete_any_comment_others_may_not(
    client, session, article, alice, bob, user_factory, conduit
):
    carol = user_factory(username="carol")
    created = comment(client, article, bob, conduit)
    url = f"{comments_url(article)}/{created['id']}"

    assert_errors(client.delete(url, headers=conduit(carol)), 403, {"comment": ["forbidden"]})
    assert count(session, Comment) == 1
    assert client.delete(url, headers=conduit(alice)).status_code == 204


@pytest.mark.parametrize("comment_id", ["999999", "0", "-1", "abc", "99999999999"])
def test_unknown_comment_is_404(client, article, alice, conduit, comment_id):
    response = client.delete(f"{comments_url(article)}/{comment_id}", headers=conduit(alice))
    assert_errors(response, 404, {"comment": ["not found"]})


def test_comment_of_another_article_is_404(client, session, article, alice, write, conduit):
    other = write(alice, "Other")
    created = comment(client, other, alice, conduit)
    response = client.delete(f"{comments_url(article)}/{created['id']}", headers=conduit(alice))
    assert_errors(response, 404, {"comment": ["not found"]})
    assert count(session, Comment) == 1


def test_unknown_article_is_404(client, alice, conduit):
    url = article_url("unknown-slug-1") + "/comments"
    assert_errors(client.get(url), 404, {"article": ["not found"]})
    response = client.post(url, json={"comment": {"body": "x"}}, headers=conduit(alice))
    assert_errors(response, 404, {"article": ["not found"]})


def test_blank_comment_is_422(client, session, article, alice, conduit):
    for body in ({"comment": {"body": ""}}, {"comment": {}}):
        response = client.post(comments_url(article), json=body, headers=conduit(alice))
        assert_errors(response, 422, {"body": ["can't be blank"]})
    assert count(session, Comment) == 0


def test_without_a_token_is_401(client, article):
    post = client.post(comments_url(article), json={"comment": {"body": "x"}})
    assert_errors(post, 401, {"token": ["is missing"]})
    assert_errors(client.delete(f"{comments_url(article)}/1"), 401, {"token": ["is missing"]})
