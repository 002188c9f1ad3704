"""Keyset pagination of the post listings, seen through the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from project.posts.models import POSTS_NEWEST_FIRST
from tests.kit import assert_field_errors, item_ids, next_link, walk
from tests.posts.helpers import BASE_TIME, newest_first, raw_cursor

URL = "/api/v1/posts"


# --- limit ------------------------------------------------------------------


def test_default_page_size_is_20(client, make_posts):
    posts = make_posts(25)
    first = client.get(URL)
    assert len(first.json["items"]) == 20
    assert first.json["next_cursor"] is not None
    second = client.get(URL, query_string={"cursor": first.json["next_cursor"]})
    assert len(second.json["items"]) == 5
    assert second.json["next_cursor"] is None
    assert item_ids([first, second]) == newest_first(posts)


def test_limit_100_is_the_maximum(client, make_posts):
    posts = make_posts(101)
    first = client.get(URL, query_string={"limit": 100})
    assert first.status_code == 200
    assert len(first.json["items"]) == 100
    second = client.get(URL, query_string={"limit": 100, "cursor": first.json["next_cursor"]})
    assert item_ids([first, second]) == newest_first(posts)
    assert second.json["next_cursor"] is None


@pytest.mark.parametrize(
    "limit", ["101", "0", "-1", "abc", "1.5", "", "1e2", "99999999999999999999"]
)
def test_invalid_limit_is_422(client, make_posts, limit):
    make_posts(3)
    assert_field_errors(client.get(URL, query_string={"limit": limit}), "query", "limit")


def test_limit_1_pages_one_post_at_a_time(client, make_posts):
    posts = make_posts(4)
    responses = walk(client, f"{URL}?limit=1")
    assert [len(response.json["items"]) for response in responses] == [1, 1, 1, 1]
    assert item_ids(responses) == newest_first(posts)


# --- next_cursor and Link -----------------------------------------------------


def test_exactly_limit_rows_is_one_page_without_cursor(client, make_posts):
    posts = make_posts(5)
    response = client.get(URL, query_string={"limit": 5})
    assert item_ids([response]) == newest_first(posts)
    assert response.json["next_cursor"] is None
    assert "Link" not in response.headers


def test_link_header_points_at_the_next_page(client, make_posts):
    posts = make_posts(5)
    first = client.get(URL, query_string={"limit": 2})
    link = next_link(first)
    assert link is not None
    parts = urlsplit(link)
    assert parts.path == URL
    assert parse_qs(parts.query) == {"limit": ["2"], "cursor": [first.json["next_cursor"]]}

    # Following the Link is the same as passing next_cursor by hand.
    followed = client.get(link)
    by_hand = client.get(URL, query_string={"limit": 2, "cursor": first.json["next_cursor"]})
    assert followed.json == by_hand.json
    assert item_ids([first, followed]) == newest_first(posts)[:4]

    last = client.get(next_link(followed))
    assert item_ids([last]) == newest_first(posts)[4:]
    assert last.json["next_cursor"] is None
    assert "Link" not in last.headers


def test_the_last_page_has_no_cursor_and_no_link(client, make_posts):
    make_posts(3)
    response = client.get(URL, query_string={"limit": 10})
    assert response.json["next_cursor"] is None
    assert "Link" not in response.headers


def test_link_keeps_the_filters(client, make_posts, alice, bob, auth):
    mine = make_posts(5, authors=[alice], prefix="a")
    make_posts(5, authors=[bob], prefix="b")
    responses = walk(client, f"{URL}?author=alice&limit=2")
    assert [len(response.json["items"]) for response in responses] == [2, 2, 1]
    assert item_ids(responses) == newest_first(mine)
    for response in responses[:-1]:
        query = parse_qs(urlsplit(next_link(response)).query)
        assert query["author"] == ["alice"]
        assert query["limit"] == ["2"]
        assert len(query["cursor"]) == 1


def test_draft_listing_pages_with_its_token(client, make_posts, alice, bob, auth):
    drafts = make_posts(5, authors=[alice], status="draft", prefix="d")
    make_posts(3, authors=[bob], status="draft", prefix="bd")
    responses = walk(client, f"{URL}?status=draft&limit=2", headers=auth(alice))
    assert item_ids(responses) == newest_first(drafts)
    # The Link carries the filter, not the credentials.
    link = next_link(responses[0])
    assert parse_qs(urlsplit(link).query)["status"] == ["draft"]
    assert client.get(link).status_code == 401


def test_user_posts_paginate_the_same_way(client, make_posts, alice, bob):
    mine = make_posts(7, authors=[alice], prefix="a")
    make_posts(7, authors=[bob], prefix="b")
    responses = walk(client, f"/api/v1/users/{alice.id}/posts?limit=3")
    assert [len(response.json["items"]) for response in responses] == [3, 3, 1]
    assert item_ids(responses) == newest_first(mine)
    assert urlsplit(next_link(responses[0])).path == f"/api/v1/users/{alice.id}/posts"


def test_a_cursor_in_another_time_zone_means_the_same_instant(client, make_posts):
    posts = make_posts(6)
    first = client.get(URL, query_string={"limit": 2})
    created_at, post_id = POSTS_NEWEST_FIRST.parse(first.json["next_cursor"])
    shifted = raw_cursor(
        [created_at.astimezone(timezone(timedelta(hours=5, minutes=30))).isoformat(), post_id]
    )
    by_utc = client.get(URL, query_string={"limit": 2, "cursor": first.json["next_cursor"]})
    by_ist = client.get(URL, query_string={"limit": 2, "cursor": shifted})
    assert by_ist.json["items"] == by_utc.json["items"]
    assert item_ids([by_ist]) == newest_first(posts)[2:4]


def test_a_cursor_past_every_row_gives_an_empty_last_page(client, make_posts):
    make_posts(3)
    cursor = raw_cursor([(BASE_TIME - timedelta(days=1)).isoformat(), 1])
    response = client.get(URL, query_string={"cursor": cursor})
    assert response.json == {"items": [], "next_cursor": None}
    assert "Link" not in response.headers


# --- malformed cursors ------------------------------------------------------

MALFORMED_CURSORS = {
    "random text": "this is not a cursor",
    "not base64": "!!!!",
    "empty": "",
    "one char": "a",
    "non-ascii": "é",
    "too long": "A" * 201,
    "base64 of plain text": raw_cursor("hello")[:-1] + "x",
    "base64 of non-json bytes": "__79_w",
    "json object": raw_cursor({"created_at": "2024-01-01T00:00:00+00:00", "id": 1}),
    "json string": raw_cursor("ab"),
    "json null": raw_cursor(None),
    "json number": raw_cursor(12),
    "json empty list": raw_cursor([]),
    "json one element": raw_cursor(["2024-01-01T00:00:00+00:00"]),
    "json three elements": raw_cursor(["2024-01-01T00:00:00+00:00", 1, 2]),
    "not a date": raw_cursor(["not-a-date", 1]),
    "date is a number": raw_cursor([1704067200, 1]),
    "date is null": raw_cursor([None, 1]),
    "naive datetime": raw_cursor(["2024-01-01T00:00:00", 1]),
    "negative id": raw_cursor(["2024-01-01T00:00:00+00:00", -1]),
    "zero id": raw_cursor(["2024-01-01T00:00:00+00:00", 0]),
    "id beyond int32": raw_cursor(["2024-01-01T00:00:00+00:00", 2**31]),
    "huge id": raw_cursor(["2024-01-01T00:00:00+00:00", 10**30]),
    "string id": raw_cursor(["2024-01-01T00:00:00+00:00", "1"]),
    "float id": raw_cursor(["2024-01-01T00:00:00+00:00", 1.0]),
    "bool id": raw_cursor(["2024-01-01T00:00:00+00:00", True]),
    "null id": raw_cursor(["2024-01-01T00:00:00+00:00", None]),
    "year 1 east of UTC": raw_cursor(["0001-01-01T00:00:00+14:00", 1]),
    "year 9999 west of UTC": raw_cursor(["9999-12-31T23:59:59-14:00", 1]),
}


@pytest.mark.parametrize("cursor", list(MALFORMED_CURSORS.values()), ids=list(MALFORMED_CURSORS))
@pytest.mark.parametrize("path", [URL, "/api/v1/users/{user_id}/posts"])
def test_malformed_cursor_is_422_not_500(client, make_posts, alice, path, cursor):
    make_posts(3, authors=[alice])
    response = client.get(path.format(user_id=alice.id), query_string={"cursor": cursor})
    assert_field_errors(response, "query", "cursor")


def test_extreme_but_valid_cursors_are_accepted(client, make_posts):
    posts = make_posts(3)
    future = raw_cursor(["9999-12-31T23:59:59.999999+00:00", 2**31 - 1])
    past = raw_cursor(["0001-01-01T00:00:00+00:00", 1])
    assert item_ids([client.get(URL, query_string={"cursor": future})]) == newest_first(posts)
    assert client.get(URL, query_string={"cursor": past}).json["items"] == []


# --- walking every row --------------------------------------------------------


@pytest.mark.slow
def test_walking_250_posts_returns_each_exactly_once_in_order(
    client, session, make_posts, user_factory
):
    authors = user_factory.create_batch(7)
    # Groups of three share a timestamp, so the id tie-break is exercised on every page.
    posts = make_posts(250, authors=authors)
    for number, post in enumerate(posts):
        post.created_at = BASE_TIME + timedelta(seconds=number // 3)
    session.commit()

    responses = walk(client, f"{URL}?limit=37")
    assert [len(response.json["items"]) for response in responses] == [37] * 6 + [28]
    walked = item_ids(responses)
    assert len(walked) == len(set(walked)) == 250
    assert walked == newest_first(posts)
    stamps = [
        (datetime.fromisoformat(item["created_at"]), item["id"])
        for response in responses
        for item in response.json["items"]
    ]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.slow
def test_walking_stays_correct_while_posts_are_written(client, make_posts, alice, auth):
    originals = make_posts(120, step=timedelta(minutes=1))
    expected = newest_first(originals)
    seen: list[int] = []
    url = f"{URL}?limit=25"
    new_ids: list[int] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen.extend(item["id"] for item in response.json["items"])
        url = next_link(response)
        # Others keep writing between page fetches: through the API (now),
        # and rows stamped between the originals' newest and the present.
        for number in range(3):
            created = client.post(
                URL, json={"title": f"new {number}", "body": "b"}, headers=auth(alice)
            )
            assert created.status_code == 201
            new_ids.append(created.json["id"])
        new_ids.extend(
            post.id
            for post in make_posts(
                2, start=datetime.now(UTC) - timedelta(seconds=5), prefix=f"late {len(seen)}"
            )
        )

    assert len(seen) == len(set(seen)), "a post appeared twice"
    # The first page was fetched before any new post existed; every later
    # page continues strictly below the cursor, so only originals appear.
    assert seen == expected
    assert not set(seen) & set(new_ids)

    # A fresh walk sees everything, the new posts on top.
    everything = item_ids(walk(client, f"{URL}?limit=100"))
    assert len(everything) == len(set(everything)) == 120 + len(new_ids)
    assert everything[-120:] == expected


def test_backdated_posts_written_mid_walk_appear_once_and_originals_stay_intact(client, make_posts):
    originals = make_posts(40, step=timedelta(minutes=10))
    seen: list[int] = []
    backdated: list = []
    url = f"{URL}?limit=6"
    while url:
        response = client.get(url)
        seen.extend(item["id"] for item in response.json["items"])
        url = next_link(response)
        # One post older than everything (still ahead of the walk), and one
        # newer than everything (already behind it).
        backdated += make_posts(1, start=BASE_TIME - timedelta(days=len(seen)), prefix="old")
        make_posts(1, start=BASE_TIME + timedelta(days=365 + len(seen)), prefix="new")

    assert len(seen) == len(set(seen)), "a post appeared twice"
    original_ids = {post.id for post in originals}
    assert [post_id for post_id in seen if post_id in original_ids] == newest_first(originals)
    # Rows written below the cursor before the walk reached them are read once, in order.
    extra = [post_id for post_id in seen if post_id not in original_ids]
    assert extra == [post_id for post_id in newest_first(backdated) if post_id in extra]
    assert extra, "the walk should have reached some backdated posts"


def test_deleting_the_cursor_row_between_pages_loses_nothing(
    client, session, make_posts, alice, auth
):
    posts = make_posts(9, authors=[alice])
    expected = newest_first(posts)
    first = client.get(URL, query_string={"limit": 3})
    assert item_ids([first]) == expected[:3]
    # The row the cursor was made from goes away.
    assert client.delete(f"{URL}/{expected[2]}", headers=auth(alice)).status_code == 204
    rest = walk(client, next_link(first))
    assert item_ids(rest) == expected[3:]


def test_posts_sharing_one_timestamp_are_paged_without_loss(client, make_posts):
    posts = make_posts(30, step=timedelta(0))
    responses = walk(client, f"{URL}?limit=7")
    assert [len(response.json["items"]) for response in responses] == [7, 7, 7, 7, 2]
    walked = item_ids(responses)
    assert walked == sorted((post.id for post in posts), reverse=True)
    assert len({item["created_at"] for r in responses for item in r.json["items"]}) == 1


def test_ties_at_page_boundaries_with_microsecond_timestamps(client, make_posts):
    start = datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)
    posts = make_posts(6, start=start, step=timedelta(0)) + make_posts(
        6, start=start + timedelta(microseconds=1), step=timedelta(0)
    )
    responses = walk(client, f"{URL}?limit=4")
    assert item_ids(responses) == newest_first(posts)


# --- the page query itself ----------------------------------------------------


def page_query_limit_and_offset(statement: str, parameters) -> tuple[int, int | None]:
    """The LIMIT (and OFFSET, if any) of one page query, per dialect.

    The limit is written into the SQL (see `Keyset.page`); an OFFSET is a
    parameter where the dialect writes one: SQLAlchemy's SQLite dialect always
    ends with "OFFSET ?" (0 when there is none)."""
    limit = int(re.search(r"LIMIT (\d+)", statement)[1])
    if isinstance(parameters, dict):  # psycopg: named parameters
        offset = re.search(r"OFFSET %\((\w+)\)s", statement)
        return limit, offset and parameters[offset[1]]
    assert statement.endswith(f"LIMIT {limit} OFFSET ?"), statement
    return limit, parameters[-1]


@pytest.mark.parametrize("depth", [0, 1, 5])
def test_page_query_uses_no_offset_and_no_count(client, make_posts, capture_sql, depth):
    make_posts(30)
    url = f"{URL}?limit=3"
    for _ in range(depth):
        url = next_link(client.get(url))
    with capture_sql() as selects:
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.json["items"]) == 3
    # One SELECT: the page (each post's tags in its own row) and its authors.
    assert len(selects) == 1
    assert "POSTS.TAG_NAMES" in selects[0].sql.upper()
    assert "POST_TAGS" not in selects[0].sql.upper()
    statement, parameters = selects[0]
    upper = statement.upper()
    assert "COUNT(" not in upper
    assert "FROM POSTS" in upper
    assert "ORDER BY POSTS.CREATED_AT DESC, POSTS.ID DESC" in upper
    if depth:
        # The cursor is a row-value comparison on (created_at, id).
        assert "(POSTS.CREATED_AT, POSTS.ID) <" in upper
    limit, offset = page_query_limit_and_offset(statement, parameters)
    # limit + 1 rows say whether a next page exists; the depth never becomes an offset.
    assert limit == 4
    assert offset in (None, 0)
