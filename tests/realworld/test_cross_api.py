"""One set of data behind two APIs: what /api writes, /api/v1 reads, and the reverse."""

from __future__ import annotations

import sqlalchemy as sa

from project.config import DEFAULT_PLUGINS
from project.extensions import db
from project.realworld.models import ArticleSlug
from tests.kit import assert_problem, assert_unauthorized, bearer, count, rows
from tests.realworld.helpers import ARTICLES, FEED, USER, article_url, assert_errors, token_auth


def test_an_article_is_a_published_post(client, alice, write, auth):
    article = write(alice, "Through RealWorld", tags=["rw"])

    post = client.get("/api/v1/posts", headers=auth(alice)).json["items"][0]

    assert (post["title"], post["summary"], post["body"], post["status"], post["tags"]) == (
        "Through RealWorld",
        "Ever wonder how?",
        "Believe.",
        "published",
        ["rw"],
    )
    assert post["author"]["username"] == article["author"]["username"]


def test_a_post_is_an_article_with_a_slug_made_in_its_transaction(client, session, alice, auth):
    post = client.post(
        "/api/v1/posts",
        json={"title": "Through v1", "summary": "S", "body": "B", "tags": ["v1"]},
        headers=auth(alice),
    ).json

    assert rows(session, sa.select(ArticleSlug.slug).where(ArticleSlug.post_id == post["id"])) == [
        {"slug": f"through-v1-{post['id']}"}
    ]
    article = client.get(ARTICLES).json["articles"][0]
    assert (article["slug"], article["title"], article["description"], article["tagList"]) == (
        f"through-v1-{post['id']}",
        "Through v1",
        "S",
        ["v1"],
    )


def test_a_post_written_without_the_plugin_gets_its_slug_when_first_shown(
    client, session, alice, post_factory
):
    post = post_factory(author=alice, title="Older than RealWorld")
    assert count(session, ArticleSlug) == 0

    listed = client.get(ARTICLES).json["articles"][0]

    assert listed["slug"] == f"older-than-realworld-{post.id}"
    assert client.get(article_url(listed["slug"])).json["article"]["body"] == post.body
    assert count(session, ArticleSlug) == 1


def test_a_like_is_a_favourite_and_a_favourite_a_like(client, alice, bob, write, auth, conduit):
    article = write(alice, "Liked")
    post_id = client.get("/api/v1/posts").json["items"][0]["id"]

    assert client.put(f"/api/v1/posts/{post_id}/like", headers=auth(bob)).status_code == 204
    seen = client.get(article_url(article["slug"]), headers=conduit(bob)).json["article"]
    assert (seen["favorited"], seen["favoritesCount"]) == (True, 1)

    client.delete(article_url(article["slug"]) + "/favorite", headers=conduit(bob))
    post = client.get(f"/api/v1/posts/{post_id}", headers=auth(bob)).json
    assert (post["liked"], post["like_count"]) == (False, 0)


def test_follows_and_comments_are_shared(client, alice, bob, write, auth, conduit):
    article = write(bob, "Followed")
    assert client.put(f"/api/v1/users/{bob.id}/follow", headers=auth(alice)).status_code == 204
    feed = client.get(FEED, headers=conduit(alice)).json
    assert feed["articles"][0]["author"]["following"] is True

    post_id = client.get("/api/v1/posts").json["items"][0]["id"]
    client.post(f"/api/v1/posts/{post_id}/comments", json={"body": "From v1"}, headers=auth(alice))
    comments = client.get(article_url(article["slug"]) + "/comments").json["comments"]
    assert [c["body"] for c in comments] == ["From v1"]
    client.post(
        article_url(article["slug"]) + "/comments",
        json={"comment": {"body": "From rw"}},
        headers=conduit(alice),
    )
    assert client.get(f"/api/v1/posts/{post_id}").json["comment_count"] == 2


def test_profile_fields_are_the_users(client, alice, auth):
    client.patch(
        f"/api/v1/users/{alice.id}",
        json={"bio": "Hi", "avatar_url": "https://x.io/a.png"},
        headers=auth(alice),
    )
    profile = client.get("/api/profiles/alice").json["profile"]
    assert (profile["bio"], profile["image"]) == ("Hi", "https://x.io/a.png")


def test_the_same_tokens_work_on_both_apis(client, alice, login, conduit):
    v1_token = login(alice)["access_token"]
    assert client.get(USER, headers=token_auth(v1_token)).json["user"]["username"] == "alice"
    rw_token = conduit(alice)["Authorization"].removeprefix("Token ")
    assert client.get("/api/v1/users/me", headers=bearer(rw_token)).status_code == 200


def test_the_token_scheme_and_error_body_stay_on_the_realworld_routes(client, alice, conduit):
    assert_unauthorized(client.get("/api/v1/users/me", headers=conduit(alice)))
    assert_problem(client.get("/api/v1/posts/999"), 404)
    assert_errors(client.get(article_url("nope")), 404, {"article": ["not found"]})


def test_deleting_a_user_deletes_their_articles_and_slugs(client, session, alice, write, auth):
    write(alice, "Soon gone")
    assert client.delete(f"/api/v1/users/{alice.id}", headers=auth(alice)).status_code == 204
    assert client.get(ARTICLES).json == {"articles": [], "articlesCount": 0}
    assert count(session, ArticleSlug) == 0


def test_without_the_plugin_there_is_no_api_and_no_slugs(build_app):
    """An app without the plugin (its own connection, so it commits and cleans up)."""
    plugins = [name for name in DEFAULT_PLUGINS if name != "project.realworld"]
    other_app = build_app(PLUGINS=plugins)
    other = other_app.test_client()

    assert_problem(other.get(ARTICLES), 404)
    user = {"username": "no_rw", "email": "no_rw@example.com", "password": "password123"}
    user_id = other.post("/api/v1/users", json=user).json["id"]
    login = other.post("/api/v1/auth/login", json={"login": "no_rw", "password": "password123"})
    headers = bearer(login.json["access_token"])
    try:
        post = other.post("/api/v1/posts", json={"title": "t", "body": "b"}, headers=headers).json
        with other_app.app_context():
            stored = db.session.scalar(
                sa.select(sa.func.count()).where(ArticleSlug.post_id == post["id"])
            )
        assert stored == 0
    finally:
        assert other.delete(f"/api/v1/users/{user_id}", headers=headers).status_code == 204


def test_underscore_tags_are_one_rule_for_both_apis(client, alice, write):
    write(alice, "Tagged", tags=["d_1"])
    items = client.get("/api/v1/posts?tag=d_1").json["items"]
    assert [item["tags"] for item in items] == [["d_1"]]
