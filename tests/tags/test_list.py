"""GET /api/v1/tags (most used first) and GET /api/v1/posts?tag= (the posts of one tag)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.tags.models import Tag
from tests.kit import assert_field_errors, item_ids, walk
from tests.tags.helpers import POSTS, TAGS


@pytest.fixture
def tagged(client, auth):
    def create(user, tags, status="published", title="T"):
        response = client.post(
            POSTS,
            json={"title": title, "body": "B", "status": status, "tags": tags},
            headers=auth(user),
        )
        assert response.status_code == 201, response.json
        return response.json

    return create


def test_most_used_first_without_unused_tags(client, alice, auth, tagged):
    for _ in range(3):
        tagged(alice, ["python"])
    tagged(alice, ["flask", "python"])
    tagged(alice, ["flask"])
    tagged(alice, ["only-draft"], status="draft")
    unused = tagged(alice, ["unused"])
    client.delete(f"{POSTS}/{unused['id']}", headers=auth(alice))
    response = client.get(TAGS)

    assert response.status_code == 200
    items = response.json["items"]
    assert items[:2] == [{"name": "python", "post_count": 4}, {"name": "flask", "post_count": 2}]
    assert len(items) == 2  # neither the draft's tag nor the deleted post's
    assert response.json["next_cursor"] is None


def test_limit_and_cursor_walk_every_tag_once(client, alice, tagged):
    for number in range(7):
        tagged(alice, [f"tag-{number}"] + ["common"] * (number % 2))

    pages = walk(client, f"{TAGS}?limit=3")

    names = [item["name"] for page in pages for item in page.json["items"]]
    assert len(pages) == 3
    assert names[0] == "common"
    assert sorted(names) == sorted(["common"] + [f"tag-{number}" for number in range(7)])


@pytest.mark.parametrize("limit", ["0", "101", "x"])
def test_limit_out_of_range_is_422(client, limit):
    assert_field_errors(client.get(f"{TAGS}?limit={limit}"), "query", "limit")


def test_listing_reads_the_counter_not_the_posts(client, alice, tagged, capture_sql):
    tagged(alice, ["python"])
    with capture_sql() as statements:
        response = client.get(f"{TAGS}?limit=100")
    assert response.json["items"] == [{"name": "python", "post_count": 1}]
    assert len(statements) == 1, statements
    assert "post_tags" not in statements[0].sql and "posts" not in statements[0].sql


def test_tags_list_is_one_statement_at_any_size(client, session, capture_sql):
    session.execute(
        sa.insert(Tag),
        [{"name": f"tag-{number}", "post_count": number + 1} for number in range(100)],
    )
    session.commit()
    with capture_sql() as statements:
        response = client.get(f"{TAGS}?limit=100")
    assert len(response.json["items"]) == 100
    assert response.json["items"][0] == {"name": "tag-99", "post_count": 100}
    assert len(statements) == 1


def test_posts_filtered_by_tag_newest_first(client, alice, bob, tagged):
    first = tagged(alice, ["python"])
    tagged(alice, ["rust"])
    second = tagged(bob, ["python", "rust"])
    tagged(alice, ["python"], status="draft")

    response = client.get(f"{POSTS}?tag=python")

    assert response.status_code == 200
    assert item_ids([response]) == [second["id"], first["id"]]
    assert all("python" in item["tags"] for item in response.json["items"])


def test_tag_filter_is_case_insensitive_input(client, alice, tagged):
    post = tagged(alice, ["python"])
    assert item_ids([client.get(f"{POSTS}?tag=%20Python")]) == [post["id"]]


def test_tag_and_author_combine(client, alice, bob, tagged):
    mine = tagged(alice, ["python"])
    tagged(bob, ["python"])
    tagged(alice, ["rust"])

    response = client.get(f"{POSTS}?tag=python&author=alice")

    assert item_ids([response]) == [mine["id"]]


def test_unknown_tag_is_an_empty_list(client, alice, tagged):
    tagged(alice, ["python"])
    response = client.get(f"{POSTS}?tag=nothing")
    assert response.status_code == 200
    assert response.json == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("tag", ["no%20way", "a.b", "x" * 31, "a%00b", ""])
def test_invalid_tag_filter_is_422(client, tag):
    assert_field_errors(client.get(f"{POSTS}?tag={tag}"), "query", "tag")


def test_tag_pages_follow_the_keyset(client, alice, tagged):
    posts = [tagged(alice, ["python"], title=f"p{number}") for number in range(5)]
    tagged(alice, ["rust"])

    pages = walk(client, f"{POSTS}?tag=python&limit=2")

    assert item_ids(pages) == [post["id"] for post in reversed(posts)]


@pytest.mark.parametrize("count", [3, 60])
def test_a_page_of_tagged_posts_costs_two_statements(client, alice, tagged, capture_sql, count):
    for number in range(count):
        tagged(alice, ["python", f"t{number}", "z-last"])
    with capture_sql() as statements:
        response = client.get(f"{POSTS}?tag=python&limit=100")
    assert len(response.json["items"]) == count
    assert all(
        item["tags"][0] == "python" and item["tags"][-1] == "z-last"
        for item in response.json["items"]
    )
    # The tag's id, then the page: the filter and every item's tags in one SELECT.
    assert len(statements) == 2, statements
    assert "tags.name" in statements[0].sql


def test_the_tag_id_is_written_into_the_page_sql(client, session, alice, tagged, capture_sql):
    """Each tag gets its own SQL text, so PostgreSQL plans it for its own number of
    posts; a parameter would get one generic plan for rare and common tags alike."""
    python_post = tagged(alice, ["python"])
    tagged(alice, ["rust"])
    with capture_sql() as statements:
        assert item_ids([client.get(f"{POSTS}?tag=python")]) == [python_post["id"]]
        client.get(f"{POSTS}?tag=rust")
    python_page, rust_page = statements[1], statements[3]
    assert python_page.sql != rust_page.sql
    ids = dict(session.execute(sa.select(Tag.name, Tag.id)).all())
    session.commit()
    for name, page in (("python", python_page), ("rust", rust_page)):
        assert f"post_tags.tag_id = {ids[name]})" in page.sql
