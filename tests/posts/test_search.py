"""GET /api/v1/posts?q=: full-text search over title, summary and body, on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.posts import search as search_module
from project.posts.search import sqlite_match
from tests.kit import assert_field_errors, item_ids, walk

URL = "/api/v1/posts"


@pytest.fixture
def write(client, auth):
    def create(user, title="Untitled", body="Nothing here.", summary="", **fields):
        response = client.post(
            URL,
            json={"title": title, "body": body, "summary": summary, **fields},
            headers=auth(user),
        )
        assert response.status_code == 201, response.json
        return response.json

    return create


def search(client, q, **params):
    response = client.get(URL, query_string={"q": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_matches_title_summary_and_body_newest_first(client, alice, write):
    in_title = write(alice, title="Pagination with keysets")
    in_summary = write(alice, summary="All about pagination")
    in_body = write(alice, body="Deep pagination needs no OFFSET.")
    write(alice, title="Unrelated")

    assert item_ids([search(client, "pagination")]) == [
        in_body["id"],
        in_summary["id"],
        in_title["id"],
    ]


def test_words_are_stemmed_and_every_word_must_match(client, alice, write):
    both = write(alice, title="Running databases")
    write(alice, title="Running shoes")

    assert item_ids([search(client, "run database")]) == [both["id"]]


def test_drafts_are_not_found(client, alice, write):
    write(alice, title="Secret pagination", status="draft")
    assert search(client, "pagination").json["items"] == []


def test_search_combines_with_author_and_tag(client, alice, bob, write):
    match = write(alice, title="Flask tips", tags=["python"])
    write(alice, title="Flask tips", tags=["rust"])
    write(bob, title="Flask tips", tags=["python"])
    write(alice, title="Django tips", tags=["python"])

    response = search(client, "flask", author="alice", tag="python")

    assert item_ids([response]) == [match["id"]]
    assert response.json["items"][0]["tags"] == ["python"]


def test_results_page_with_the_same_cursors(client, alice, write):
    posts = [write(alice, title=f"Search result {number}") for number in range(5)]
    write(alice, title="Other")

    pages = walk(client, f"{URL}?q=result&limit=2")

    assert len(pages) == 3
    assert item_ids(pages) == [post["id"] for post in reversed(posts)]


def test_edits_and_deletes_are_searchable_at_once(client, alice, auth, write):
    post = write(alice, title="Original")
    other = write(alice, title="Kept word")

    client.patch(f"{URL}/{post['id']}", json={"title": "Renamed"}, headers=auth(alice))
    assert search(client, "original").json["items"] == []
    assert item_ids([search(client, "renamed")]) == [post["id"]]

    client.delete(f"{URL}/{other['id']}", headers=auth(alice))
    assert search(client, "kept").json["items"] == []


def test_posts_of_a_deleted_user_are_no_longer_found(client, alice, auth, write):
    write(alice, title="Orphan words")
    assert client.delete(f"/api/v1/users/{alice.id}", headers=auth(alice)).status_code == 204
    assert search(client, "orphan").json["items"] == []


HOSTILE = [
    '"',
    "'",
    '"unclosed phrase',
    "a & b | !c",
    "title:foo",
    "foo*",
    "(((",
    "a) OR (b",
    "OR",
    "AND NOT",
    "NEAR(a b)",
    "<-> <2> <>",
    "-",
    "--comment",
    "'; DROP TABLE posts; --",
    "\\",
    "%_",
    "the and of",
    "   ",
    "😀 emoji",
    "日本語",
    "_",
    "a" * 200,
    "x " * 100,
    "^",
    "{}[]",
]


@pytest.mark.parametrize("q", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_answer_200(client, alice, write, q):
    write(alice, title="An ordinary post about foo and b")
    response = search(client, q)
    assert isinstance(response.json["items"], list)


def test_hostile_words_still_match_what_they_say(client, alice, write):
    post = write(alice, title="Quotes and operators")
    assert item_ids([search(client, "quotes & operators!")]) == [post["id"]]


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"{URL}?q=", "q"),
        (f"{URL}?q=a%00b", "q"),
        (f"{URL}?q=" + "a" * 201, "q"),
        (f"{URL}?q=" + "x" * 5000, "q"),
    ],
    ids=["empty", "nul", "201-chars", "5000-chars"],
)
def test_invalid_queries_are_422(client, url, field):
    assert_field_errors(client.get(url), "query", field)


def test_sqlite_match_quotes_every_word():
    assert sqlite_match('a "b" OR c*') == '"a" "b" "OR" "c"'
    assert sqlite_match("NEAR(x_y)") == '"NEAR" "x" "y"'
    assert sqlite_match("!!! ()") is None


@pytest.mark.parametrize("count", [3, 60])
def test_a_search_page_costs_one_statement_on_sqlite_two_on_postgresql(
    client, alice, write, capture_sql, count, is_postgres
):
    for number in range(count):
        write(alice, title=f"Needle {number}", tags=["python"])
    with capture_sql() as statements:
        response = search(client, "needle", limit=100)
    assert len(response.json["items"]) == count
    # The page: search, authors and the posts' tags in one SELECT; on PostgreSQL
    # after the matches' keys, read through the index (see project.posts.search).
    assert len(statements) == (2 if is_postgres else 1), statements


def test_a_search_nothing_matches_is_one_statement(client, alice, write, capture_sql):
    write(alice, title="Haystack")
    with capture_sql() as statements:
        assert search(client, "needle").json["items"] == []
    assert len(statements) == 1, statements


@pytest.fixture
def candidate_limit(monkeypatch):
    """Sets how many matches `search_page` reads before walking the newest posts instead."""

    def set_limit(limit):
        monkeypatch.setattr(search_module, "CANDIDATE_LIMIT", limit)

    return set_limit


@pytest.mark.parametrize("limit", [1, 4, 7, 500])
def test_pages_are_the_same_among_few_matches_or_many(
    client, alice, bob, write, candidate_limit, limit
):
    """Whether a page is picked among the matches or walked for (more matches after
    the cursor than the limit), every page is the same: newest first, no gaps."""
    expected = []
    for number in range(7):
        author = alice if number % 2 else bob
        expected.append(write(author, title=f"Needle {number}", tags=["python"])["id"])
        write(author, title=f"Straw {number}", tags=["python"])
    write(alice, title="Needle draft", status="draft")
    candidate_limit(limit)

    pages = walk(client, f"{URL}?q=needle&limit=2")
    by_alice = walk(client, f"{URL}?q=needle&limit=2&author=alice&tag=python")

    assert item_ids(pages) == expected[::-1]
    assert [len(page.json["items"]) for page in pages] == [2, 2, 2, 1]
    assert item_ids(by_alice) == expected[1::2][::-1]


def test_a_match_changed_between_its_two_statements_still_gives_a_full_page(
    app, client, alice, write, monkeypatch, is_postgres
):
    if not is_postgres:
        pytest.skip("SQLite searches in one statement")
    posts = [write(alice, title=f"Needle {number}")["id"] for number in range(4)]
    newest = posts[-1]
    real_paginate = search_module.paginate

    def paginate_after_an_edit(session, stmt, page):
        if "IN" in str(stmt) and not getattr(paginate_after_an_edit, "edited", False):
            # Between reading the matches' keys and the page: the newest one stops matching.
            paginate_after_an_edit.edited = True
            session.execute(
                sa.text("UPDATE posts SET title = 'Renamed' WHERE id = :id"), {"id": newest}
            )
        return real_paginate(session, stmt, page)

    monkeypatch.setattr(search_module, "paginate", paginate_after_an_edit)

    response = search(client, "needle", limit=2)

    assert paginate_after_an_edit.edited
    assert item_ids([response]) == [posts[2], posts[1]]
    assert response.json["next_cursor"] is not None


def test_postgresql_search_reads_the_stored_vector_through_its_index(app, is_postgres, session):
    if not is_postgres:
        pytest.skip("the GIN index is PostgreSQL's; SQLite searches its FTS5 table")
    with app.test_request_context():
        from project.posts.models import Post
        from project.posts.search import matches

        stmt = sa.select(Post.id).where(matches("pagination"))
        compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.execute(sa.text(f"EXPLAIN {compiled}")).scalars())
    session.rollback()
    assert "ix_posts_search_vector" in plan, plan
    assert "to_tsvector" not in plan, plan  # the stored vector, not the text parsed again


def test_postgresql_stores_each_posts_vector(client, alice, write, is_postgres, session):
    if not is_postgres:
        pytest.skip("PostgreSQL's stored search vector")
    post = write(alice, title="Stemming", summary="Cats", body="were running")
    vector = session.execute(
        sa.text("SELECT search_vector::text FROM posts WHERE id = :id"), {"id": post["id"]}
    ).scalar_one()
    session.rollback()
    assert vector == "'cat':2 'run':4 'stem':1"
