"""Query-count guards: a page of posts costs the same few statements at any size.

Each request gets its own SQLAlchemy session (the app ends it at
teardown_request), so the counts below are what a production request costs.
"""

from __future__ import annotations

import re

import pytest

from project.posts import reads

# What a request costs when it is built (the response cache is tested on its own).
pytestmark = pytest.mark.usefixtures("uncached")

URL = "/api/v1/posts"
# An authenticated viewer's `liked` (the likes plugin's viewer provider): one query per page.
LIKED = 1
# The tags of every post shown come in its own row: no statement of their own.
TAGS = 0


@pytest.fixture
def auth_statements(app) -> int:
    """SQL an authenticated read adds: the revocation check when the database
    answers it (with Redis it costs no SQL). The token's user row is not read:
    these answers need only the viewer's id (`project.common.auth.TokenUser`)."""
    return 0 if app.config["REDIS_URL"] else 1


@pytest.fixture
def measure(client, capture_sql):
    """`measure(url, headers)` -> (response, statements)."""

    def run(url: str, headers: dict[str, str] | None = None, **kwargs):
        with capture_sql() as statements:
            response = client.get(url, headers=headers, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response, list(statements)

    return run


@pytest.fixture
def posts_by_many_authors(make_posts, user_factory):
    """`make(n)`: n published posts, each by a different author."""

    def make(count: int):
        authors = user_factory.create_batch(count)
        return make_posts(count, authors=authors), authors

    return make


def assert_authors_match(response, posts, authors) -> None:
    author_of = {post.id: post.author_id for post in posts}
    names = {author.id: author.username for author in authors}
    for item in response.json["items"]:
        assert item["author"] == {
            "id": author_of[item["id"]],
            "username": names[author_of[item["id"]]],
        }


@pytest.mark.parametrize("count", [5, 100])
def test_feed_is_one_page_statement_for_any_number_of_authors(
    measure, posts_by_many_authors, count
):
    posts, authors = posts_by_many_authors(count)
    response, statements = measure(URL, query_string={"limit": 100})
    assert len(response.json["items"]) == count
    assert_authors_match(response, posts, authors)
    assert len(statements) == 1 + TAGS, statements
    # The authors come with the posts, in the same statement.
    assert "JOIN users" in statements[0].sql


@pytest.mark.parametrize("count", [5, 100])
def test_authenticated_feed_adds_only_the_token_lookups(
    measure, posts_by_many_authors, user_factory, auth, auth_statements, count
):
    posts, authors = posts_by_many_authors(count)
    reader = user_factory()
    headers = auth(reader)
    response, statements = measure(URL, headers, query_string={"limit": 100})
    assert len(response.json["items"]) == count
    assert_authors_match(response, posts, authors)
    assert len(statements) == 1 + TAGS + auth_statements + LIKED, statements
    assert len(statements) <= 6


def test_feed_cost_does_not_grow_with_the_page(measure, posts_by_many_authors):
    posts_by_many_authors(100)
    costs = {
        limit: len(measure(URL, query_string={"limit": limit})[1]) for limit in (1, 5, 50, 100)
    }
    assert set(costs.values()) == {1 + TAGS}, costs


def test_feed_by_author_name_is_constant(measure, make_posts, alice):
    make_posts(100, authors=[alice])
    response, statements = measure(URL, query_string={"author": "alice", "limit": 100})
    assert len(response.json["items"]) == 100
    # Resolving the author, then the page, then its tags.
    assert len(statements) == 2 + TAGS, statements


@pytest.mark.parametrize("count", [5, 100])
def test_own_drafts_listing_is_constant(measure, make_posts, alice, auth, auth_statements, count):
    make_posts(count, authors=[alice], status="draft")
    response, statements = measure(URL, auth(alice), query_string={"status": "draft", "limit": 100})
    assert len(response.json["items"]) == count
    assert len(statements) == 1 + TAGS + auth_statements + LIKED, statements


@pytest.mark.parametrize("count", [5, 100])
def test_user_posts_is_constant(measure, make_posts, alice, bob, auth, auth_statements, count):
    make_posts(count, authors=[alice])
    url = f"/api/v1/users/{alice.id}/posts"

    response, statements = measure(url, query_string={"limit": 100})
    assert len(response.json["items"]) == count
    assert {item["author"]["username"] for item in response.json["items"]} == {"alice"}
    # The user (404 if missing), then the page, then its tags.
    assert len(statements) == 2 + TAGS, statements

    response, statements = measure(url, auth(bob), query_string={"limit": 100})
    assert len(response.json["items"]) == count
    assert len(statements) == 2 + TAGS + auth_statements + LIKED, statements
    assert len(statements) <= 6


def test_single_post_is_constant(measure, make_posts, alice, bob, auth, auth_statements):
    post = make_posts(1, authors=[alice])[0]
    response, statements = measure(f"{URL}/{post.id}")
    assert response.json["author"] == {"id": alice.id, "username": "alice"}
    assert len(statements) == 1 + TAGS, statements
    assert "JOIN users" in statements[0].sql

    response, statements = measure(f"{URL}/{post.id}", auth(bob))
    assert response.json["author"] == {"id": alice.id, "username": "alice"}
    assert len(statements) == 1 + TAGS + auth_statements + LIKED, statements
    assert len(statements) <= 6


def test_a_repeated_request_costs_the_same(measure, make_posts, alice, auth, auth_statements):
    """Each request starts from an empty session: nothing is served from an
    identity map an earlier request filled."""
    post = make_posts(1, authors=[alice])[0]
    headers = auth(alice)
    costs = [len(measure(f"{URL}/{post.id}", headers)[1]) for _ in range(3)]
    assert costs == [1 + TAGS + auth_statements + LIKED] * 3


def users_columns(sql: str) -> set[str]:
    """The `users` columns a statement selects (the author joined as `users` or `users_1`)."""
    select_list = sql.split(" FROM posts", 1)[0]
    return set(re.findall(r"\busers(?:_1)?\.(\w+)", select_list))


@pytest.mark.parametrize(
    "path",
    ["/api/v1/posts", "/api/v1/posts/{post}", "/api/v1/users/{author}/posts"],
    ids=["list", "item", "user-posts"],
)
def test_posts_read_only_the_authors_id_and_username(measure, make_posts, alice, path):
    """A post shows its author as id and username: the password hash, email
    and the rest of the users row are not read for it."""
    post = make_posts(1, authors=[alice])[0]
    response, statements = measure(path.format(post=post.id, author=alice.id))
    author = (
        response.json["author"]
        if "items" not in response.json
        else response.json["items"][0]["author"]
    )
    assert author == {"id": alice.id, "username": "alice"}
    [page] = [statement.sql for statement in statements if "FROM posts" in statement.sql]
    assert users_columns(page) <= {"id", "username"}
    assert "password_hash" not in page and "email" not in page


def test_hot_reads_reuse_one_statement_per_shape(measure, make_posts, alice):
    """A post by id and each shape of page run a statement built once, with
    the values bound: SQLAlchemy keeps its cache key instead of walking the
    author join again on every request."""
    first, second, third = make_posts(3, authors=[alice])
    reads.by_id.cache_clear()
    reads.page_statement.cache_clear()

    shown = [measure(f"{URL}/{post.id}") for post in (first, second, first)]
    assert [response.json["id"] for response, _ in shown] == [first.id, second.id, first.id]
    [one], [two], _ = (statements for _, statements in shown)
    assert one.sql == two.sql  # the id is a parameter, not part of the SQL
    assert reads.by_id.cache_info()[:2] == (2, 1)  # hits, misses

    top, _ = measure(URL, query_string={"limit": 2})
    rest, _ = measure(URL, query_string={"limit": 2, "cursor": top.json["next_cursor"]})
    again, _ = measure(URL, query_string={"limit": 2})
    assert [item["id"] for item in top.json["items"] + rest.json["items"]] == [
        third.id,
        second.id,
        first.id,
    ]
    assert again.json == top.json
    assert reads.page_statement.cache_info()[:2] == (1, 2)  # first page, after a cursor
