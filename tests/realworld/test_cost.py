"""What a RealWorld list costs: a fixed number of queries, and indexed counts."""

from __future__ import annotations

import pytest

from tests.realworld.helpers import ARTICLES, FEED, profile_url


@pytest.mark.parametrize("size", [2, 12])
def test_a_list_costs_the_same_queries_whatever_its_size(
    client, alice, bob, user_factory, write, conduit, capture_sql, size
):
    for number in range(size):
        write(alice if number % 2 else bob, f"A{number}", tags=["x", f"t{number}"])
    client.post(profile_url("bob") + "/follow", headers=conduit(alice))
    headers = conduit(alice)

    with capture_sql() as statements:
        response = client.get(ARTICLES, headers=headers)
    assert len(response.json["articles"]) == size
    # The token's user and session; the count, the page; slugs, tags, likes;
    # whom the viewer follows among the authors.
    assert len([s for s in statements if s.sql.startswith("SELECT")]) <= 8, statements
    with capture_sql() as fewer:  # the two authors still
        client.get(f"{ARTICLES}?limit=2", headers=headers)
    assert len(fewer) == len(statements)


COUNTED = ["", "?author=alice", "?tag=x", "?favorited=bob"]


@pytest.mark.parametrize("query", COUNTED)
def test_postgresql_counts_read_an_index(
    app, is_postgres, session, client, alice, bob, write, conduit, capture_sql, query
):
    if not is_postgres:
        pytest.skip("query plans are PostgreSQL's")
    slug = write(alice, "Counted", tags=["x"])["slug"]
    client.post(f"{ARTICLES}/{slug}/favorite", headers=conduit(bob))
    with capture_sql() as statements:
        assert client.get(f"{ARTICLES}{query}").json["articlesCount"] == 1
    (counting,) = [s for s in statements if s.sql.startswith("SELECT count(*)")]

    connection = session.connection()
    connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
    plan = "\n".join(
        row[0] for row in connection.exec_driver_sql(f"EXPLAIN {counting.sql}", counting.parameters)
    )
    session.rollback()
    assert "Seq Scan on posts" not in plan, plan


def test_feed_costs_the_same_queries_whatever_its_size(
    client, alice, bob, write, conduit, capture_sql
):
    client.post(profile_url("bob") + "/follow", headers=conduit(alice))
    headers = conduit(alice)
    write(bob, "One")
    with capture_sql() as one:
        client.get(FEED, headers=headers)
    for number in range(5):
        write(bob, f"More {number}")
    with capture_sql() as six:
        assert len(client.get(FEED, headers=headers).json["articles"]) == 6
    assert len(six) == len(one)
