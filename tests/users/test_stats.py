"""Author statistics: GET /api/v1/users?sort=-post_count&created_after=...&created_before=..."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.kit import assert_field_errors, item_ids, walk

URL = "/api/v1/users"
START = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def authors(user_factory):
    """Five users, one a day from START, with post counts 3, 0, 7, 3, 1."""
    counts = [3, 0, 7, 3, 1]
    return [
        user_factory(
            username=f"author_{number}",
            post_count=count,
            created_at=START + timedelta(days=number),
        )
        for number, count in enumerate(counts)
    ]


def test_most_published_posts_first_ties_newest_first(client, authors):
    response = client.get(URL, query_string={"sort": "-post_count"})

    assert response.status_code == 200
    a = authors
    assert item_ids([response]) == [a[2].id, a[3].id, a[0].id, a[4].id, a[1].id]
    assert [item["post_count"] for item in response.json["items"]] == [7, 3, 3, 1, 0]


def test_default_sort_is_newest_first(client, authors):
    response = client.get(URL)
    assert item_ids([response]) == [user.id for user in reversed(authors)]


def test_created_after_is_inclusive_and_before_exclusive(client, authors):
    response = client.get(
        URL,
        query_string={
            "sort": "-post_count",
            "created_after": "2024-01-02T00:00:00Z",
            "created_before": "2024-01-04T00:00:00Z",
        },
    )
    assert item_ids([response]) == [authors[2].id, authors[1].id]


def test_offsets_are_converted_to_utc(client, authors):
    # 2024-01-03T01:00+02:00 is 2024-01-02T23:00Z: authors 2, 3, 4 are at or after it.
    response = client.get(URL, query_string={"created_after": "2024-01-03T01:00:00+02:00"})
    assert item_ids([response]) == [authors[4].id, authors[3].id, authors[2].id]


def test_cursor_pages_keep_the_post_count_order(client, authors):
    pages = walk(client, f"{URL}?sort=-post_count&limit=2&created_after=2024-01-01T00:00:00Z")
    a = authors
    assert len(pages) == 3
    assert item_ids(pages) == [a[2].id, a[3].id, a[0].id, a[4].id, a[1].id]


def test_a_cursor_of_the_other_sort_is_422(client, authors):
    newest = client.get(URL, query_string={"limit": 1}).json["next_cursor"]
    response = client.get(URL, query_string={"sort": "-post_count", "cursor": newest})
    assert_field_errors(response, "query", "cursor")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "post_count"}, "sort"),
        ({"sort": "-username"}, "sort"),
        ({"created_after": "2024-01-01T00:00:00"}, "created_after"),
        ({"created_after": "yesterday"}, "created_after"),
        ({"created_before": "0001-01-01T00:00:00+14:00"}, "created_before"),
        ({"created_before": "2024-13-01T00:00:00Z"}, "created_before"),
    ],
)
def test_invalid_parameters_are_422(client, params, field):
    assert_field_errors(client.get(URL, query_string=params), "query", field)


@pytest.mark.parametrize("sort", ["-post_count", "-created_at"])
def test_a_page_of_100_users_is_one_statement(client, user_factory, capture_sql, sort):
    user_factory.create_batch(100, created_at=START + timedelta(days=1))
    with capture_sql() as statements:
        response = client.get(
            URL, query_string={"sort": sort, "limit": 100, "created_after": START.isoformat()}
        )
    assert len(response.json["items"]) == 100
    assert len(statements) == 1, statements
    sql = statements[0].sql
    order = (
        "users.post_count DESC, users.id DESC"
        if sort == "-post_count"
        else "users.created_at DESC, users.id DESC"
    )
    assert order in sql
    assert "COUNT(" not in sql.upper()
