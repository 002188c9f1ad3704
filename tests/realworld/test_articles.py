"""/api/articles and /api/articles/{slug}: create, read, list, update, delete (articles.hurl)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.posts.models import Post
from project.realworld.models import ArticleSlug
from tests.kit import count, rows, stored_post
from tests.realworld.helpers import (
    ARTICLES,
    article_url,
    assert_article,
    assert_errors,
)


def test_create_answers_the_article(client, session, alice, conduit):
    response = client.post(
        ARTICLES,
        json={
            "article": {
                "title": "Test Article 1",
                "description": "Test description",
                "body": "Test body content",
                "tagList": ["t_1", "d_1"],
            }
        },
        headers=conduit(alice),
    )

    assert response.status_code == 201
    article = response.json["article"]
    assert_article(article)
    assert article["title"] == "Test Article 1"
    assert article["description"] == "Test description"
    assert article["body"] == "Test body content"
    assert article["tagList"] == ["d_1", "t_1"]
    assert (article["favorited"], article["favoritesCount"]) == (False, 0)
    assert article["author"] == {
        "username": "alice",
        "bio": alice.bio,
        "image": None,
        "following": False,
    }
    post = session.scalar(sa.select(Post).where(Post.title == "Test Article 1"))
    assert (post.summary, post.status, post.author_id) == (
        "Test description",
        "published",
        alice.id,
    )
    assert rows(session, sa.select(ArticleSlug.slug).where(ArticleSlug.post_id == post.id)) == [
        {"slug": article["slug"]}
    ]


def test_get_by_slug_anonymously(client, alice, write):
    created = write(alice, "Get Me", tags=["x"])

    response = client.get(article_url(created["slug"]))

    assert response.status_code == 200
    assert response.json["article"] == created


def test_slug_is_kebab_title_and_unique_for_equal_titles(client, alice, bob, write):
    first = write(alice, "How to Train Your Dragon!")
    second = write(bob, "How to Train Your Dragon!")

    assert first["slug"].startswith("how-to-train-your-dragon-")
    assert first["slug"] != second["slug"]
    for article in (first, second):
        assert (
            client.get(article_url(article["slug"])).json["article"]["author"]["username"]
            == (article["author"]["username"])
        )


@pytest.mark.parametrize(
    ("title", "prefix"), [("日本語", "article-"), ("Café au lait", "cafe-au-lait-")]
)
def test_slug_of_a_title_without_ascii_words(alice, write, title, prefix):
    assert write(alice, title)["slug"].startswith(prefix)


def test_list_newest_first_without_bodies_and_with_a_total(client, alice, bob, write):
    slugs = [write(alice, f"A{n}")["slug"] for n in range(2)] + [write(bob, "B")["slug"]]

    response = client.get(ARTICLES)

    assert response.status_code == 200
    assert response.json["articlesCount"] == 3
    assert [article["slug"] for article in response.json["articles"]] == slugs[::-1]
    for article in response.json["articles"]:
        assert_article(article, with_body=False)


def test_list_filters(client, alice, bob, write, conduit):
    mine = write(alice, "Mine", tags=["d_7", "rust"])
    theirs = write(bob, "Theirs", tags=["rust"])
    client.post(article_url(theirs["slug"]) + "/favorite", headers=conduit(alice))

    def slugs(query):
        body = client.get(f"{ARTICLES}?{query}").json
        assert body["articlesCount"] == len(body["articles"])
        return [article["slug"] for article in body["articles"]]

    assert slugs("author=alice") == [mine["slug"]]
    assert slugs("author=ALICE") == [mine["slug"]]
    assert slugs("tag=d_7") == [mine["slug"]]
    assert slugs("tag=rust") == [theirs["slug"], mine["slug"]]
    assert slugs("tag=RUST") == [theirs["slug"], mine["slug"]]
    assert slugs("favorited=alice") == [theirs["slug"]]
    assert slugs("favorited=bob") == []
    assert slugs("tag=rust&author=bob") == [theirs["slug"]]
    for unknown in ("author=nobody", "tag=nothing", "favorited=nobody", "tag=c%2B%2B"):
        assert client.get(f"{ARTICLES}?{unknown}").json == {"articles": [], "articlesCount": 0}


def test_limit_and_offset_with_the_total(client, alice, write):
    slugs = [write(alice, f"Pagination {n}")["slug"] for n in range(3)]

    def page(query):
        body = client.get(f"{ARTICLES}?author=alice&{query}").json
        return [article["slug"] for article in body["articles"]], body["articlesCount"]

    assert page("limit=1") == ([slugs[2]], 3)
    assert page("limit=1&offset=1") == ([slugs[1]], 3)
    assert page("limit=2&offset=2") == ([slugs[0]], 3)
    assert page("offset=3") == ([], 3)
    assert page("offset=99") == ([], 3)


def test_default_limit_is_20(client, alice, post_factory):
    for number in range(21):
        post_factory(author=alice, title=f"p{number}")
    body = client.get(ARTICLES).json
    assert (len(body["articles"]), body["articlesCount"]) == (20, 21)


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=x", "offset=-1", "offset=y"])
def test_bad_limit_or_offset_is_422(client, query):
    errors = assert_errors(client.get(f"{ARTICLES}?{query}"), 422)
    assert set(errors) == {query.split("=")[0]}


def test_drafts_are_not_articles(client, session, alice, auth, conduit):
    draft = client.post(
        "/api/v1/posts",
        json={"title": "Draft", "body": "b", "status": "draft"},
        headers=auth(alice),
    ).json
    assert client.get(ARTICLES, headers=conduit(alice)).json["articlesCount"] == 0
    slug = rows(session, sa.select(ArticleSlug.slug).where(ArticleSlug.post_id == draft["id"]))
    assert_errors(
        client.get(article_url(slug[0]["slug"]), headers=conduit(alice)),
        404,
        {"article": ["not found"]},
    )


def test_update_changes_only_what_is_sent_and_keeps_the_slug(
    client, session, alice, write, conduit
):
    created = write(alice, "Original", tags=["a", "b"])

    response = client.put(
        article_url(created["slug"]),
        json={"article": {"body": "Updated body content"}},
        headers=conduit(alice),
    )

    assert response.status_code == 200
    updated = response.json["article"]
    assert updated["body"] == "Updated body content"
    for key in ("slug", "title", "description", "tagList", "createdAt"):
        assert updated[key] == created[key]
    assert updated["updatedAt"] != created["updatedAt"]
    assert client.get(article_url(created["slug"])).json["article"] == updated


def test_title_change_keeps_the_slug(client, alice, write, conduit):
    created = write(alice, "Old title")
    response = client.put(
        article_url(created["slug"]),
        json={"article": {"title": "New title", "description": "New description"}},
        headers=conduit(alice),
    )
    assert response.json["article"]["slug"] == created["slug"]
    assert (response.json["article"]["title"], response.json["article"]["description"]) == (
        "New title",
        "New description",
    )


@pytest.mark.parametrize(
    ("sent", "expected"),
    [({}, ["a", "b"]), ({"tagList": []}, []), ({"tagList": ["C", "a"]}, ["a", "c"])],
)
def test_update_tag_list(client, alice, write, conduit, sent, expected):
    created = write(alice, "Tagged", tags=["a", "b"])
    response = client.put(
        article_url(created["slug"]),
        json={"article": {"body": "x", **sent}},
        headers=conduit(alice),
    )
    assert response.json["article"]["tagList"] == expected
    listed = client.get(f"{ARTICLES}?author=alice").json["articles"][0]
    assert listed["tagList"] == expected


def test_null_tag_list_is_422(client, alice, write, conduit):
    created = write(alice, "Tagged", tags=["a"])
    response = client.put(
        article_url(created["slug"]), json={"article": {"tagList": None}}, headers=conduit(alice)
    )
    assert set(assert_errors(response, 422)) == {"tagList"}
    assert client.get(article_url(created["slug"])).json["article"]["tagList"] == ["a"]


def test_delete_then_404(client, session, alice, write, conduit):
    created = write(alice, "Doomed")

    response = client.delete(article_url(created["slug"]), headers=conduit(alice))

    assert response.status_code == 204
    assert response.get_data() == b""
    assert_errors(client.get(article_url(created["slug"])), 404, {"article": ["not found"]})
    assert count(session, ArticleSlug) == 0
    assert count(session, Post) == 0


def test_someone_elses_article_is_403(client, session, alice, bob, write, conduit):
    created = write(alice, "Alice's")
    put = client.put(
        article_url(created["slug"]), json={"article": {"body": "mine now"}}, headers=conduit(bob)
    )
    assert_errors(put, 403, {"article": ["forbidden"]})
    assert_errors(
        client.delete(article_url(created["slug"]), headers=conduit(bob)),
        403,
        {"article": ["forbidden"]},
    )
    post = session.scalar(sa.select(Post).where(Post.title == "Alice's"))
    assert stored_post(session, post.id).body == "Believe."


def test_an_admin_may_edit_any_article(client, alice, admin, write, conduit):
    created = write(alice, "Moderated")
    response = client.put(
        article_url(created["slug"]),
        json={"article": {"body": "[removed]"}},
        headers=conduit(admin),
    )
    assert response.json["article"]["body"] == "[removed]"


@pytest.mark.parametrize("field", ["title", "description", "body"])
def test_create_blank_field_is_422(client, session, alice, conduit, field):
    article = {"title": "Err", "description": "test", "body": "test"}
    article[field] = ""
    response = client.post(ARTICLES, json={"article": article}, headers=conduit(alice))
    assert_errors(response, 422, {field: ["can't be blank"]})
    assert count(session, Post) == 0


@pytest.mark.parametrize("field", ["title", "description", "body"])
def test_update_blank_field_is_422(client, alice, write, conduit, field):
    created = write(alice, "Kept")
    response = client.put(
        article_url(created["slug"]), json={"article": {field: ""}}, headers=conduit(alice)
    )
    assert_errors(response, 422, {field: ["can't be blank"]})


@pytest.mark.parametrize(
    "article",
    [
        {"title": "t" * 201, "description": "d", "body": "b"},
        {"title": "t", "description": "d" * 301, "body": "b"},
        {"title": "t", "description": "d", "body": "b", "tagList": ["c++"]},
        {"title": "t", "description": "d", "body": "b", "tagList": [f"t{n}" for n in range(11)]},
        {"title": "a\x00b", "description": "d", "body": "b"},
    ],
)
def test_create_keeps_postwell_rules_as_422(client, session, alice, conduit, article):
    assert_errors(client.post(ARTICLES, json={"article": article}, headers=conduit(alice)), 422)
    assert count(session, Post) == 0


@pytest.mark.parametrize(
    ("method", "url"),
    [("POST", ARTICLES), ("PUT", article_url("some-slug")), ("DELETE", article_url("some-slug"))],
)
def test_writing_without_a_token_is_401(client, method, url):
    body = {"article": {"title": "No Auth Article", "description": "test", "body": "test"}}
    assert_errors(client.open(url, method=method, json=body), 401, {"token": ["is missing"]})


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_unknown_slug_is_404(client, alice, conduit, method):
    response = client.open(
        article_url("unknown-slug-1"),
        method=method,
        json={"article": {"body": "test"}},
        headers=conduit(alice),
    )
    assert_errors(response, 404, {"article": ["not found"]})


def test_malformed_json_and_other_media_types_answer_in_realworld_shape(client, alice, conduit):
    malformed = client.post(
        ARTICLES, data=b'{"article": ', content_type="application/json", headers=conduit(alice)
    )
    assert set(assert_errors(malformed, 400)) == {"request"}
    text = client.post(ARTICLES, data=b"{}", content_type="text/plain", headers=conduit(alice))
    assert set(assert_errors(text, 415)) == {"request"}
    missing = client.post(ARTICLES, headers=conduit(alice))
    assert assert_errors(missing, 422) == {"body": ["A JSON request body is required."]}


def test_extra_properties_are_ignored(client, alice, write, conduit):
    created = write(alice, "Extra")
    response = client.put(
        article_url(created["slug"]),
        json={"article": {**created, "body": "changed"}},
        headers=conduit(alice),
    )
    assert response.status_code == 200
    assert response.json["article"]["body"] == "changed"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
def test_the_feed_is_not_an_article(client, alice, conduit, method):
    response = client.open("/api/articles/feed", method=method, headers=conduit(alice), json={})
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "OPTIONS"}
