"""`tags.post_count`: published posts per tag, kept in the transaction of every post write."""

from __future__ import annotations

import pytest

from tests.kit import user_url
from tests.tags.helpers import POSTS, assert_counts_true, tag_counts


@pytest.fixture
def write(client, auth):
    """`write(user, tags, status=...)` -> the created post's body."""

    def create(user, tags, status="published"):
        response = client.post(
            POSTS,
            json={"title": "T", "body": "B", "status": status, "tags": tags},
            headers=auth(user),
        )
        assert response.status_code == 201, response.json
        return response.json

    return create


@pytest.fixture
def patch(client, auth):
    def update(user, post, **fields):
        response = client.patch(f"{POSTS}/{post['id']}", json=fields, headers=auth(user))
        assert response.status_code == 200, response.json
        return response.json

    return update


def test_published_posts_count_and_drafts_do_not(session, alice, bob, write):
    write(alice, ["python", "flask"])
    write(bob, ["python"])
    write(alice, ["python", "draft-only"], status="draft")

    assert assert_counts_true(session) == {"python": 2, "flask": 1, "draft-only": 0}


def test_a_new_published_posts_tags_are_created_and_counted_in_one_statement(
    session, alice, bob, write, capture_sql
):
    write(bob, ["python"])

    with capture_sql() as statements:
        write(alice, ["rust", "python", "Python"])

    on_tags = [s.sql for s in statements if " tags " in f" {s.sql} " and "post_tags" not in s.sql]
    assert len(on_tags) == 1 and "ON CONFLICT" in on_tags[0], on_tags
    assert assert_counts_true(session) == {"python": 2, "rust": 1}


def test_replacing_tags_moves_the_counts(session, alice, write, patch):
    post = write(alice, ["python", "flask"])

    patch(alice, post, tags=["python", "rust"])

    assert assert_counts_true(session) == {"python": 1, "flask": 0, "rust": 1}


def test_editing_a_drafts_tags_counts_nothing(session, alice, write, patch):
    post = write(alice, ["python"], status="draft")

    patch(alice, post, tags=["rust"])

    assert assert_counts_true(session) == {"python": 0, "rust": 0}


def test_publishing_and_unpublishing_move_every_tag(session, alice, write, patch):
    post = write(alice, ["python", "flask"], status="draft")

    patch(alice, post, status="published")
    assert assert_counts_true(session) == {"python": 1, "flask": 1}

    patch(alice, post, status="draft")
    assert assert_counts_true(session) == {"python": 0, "flask": 0}


def test_publishing_with_new_tags_in_one_request(session, alice, write, patch):
    post = write(alice, ["python", "flask"], status="draft")

    patch(alice, post, status="published", tags=["python", "rust"])

    assert assert_counts_true(session) == {"python": 1, "flask": 0, "rust": 1}


def test_unpublishing_with_new_tags_in_one_request(session, alice, write, patch):
    post = write(alice, ["python", "flask"])

    patch(alice, post, status="draft", tags=["python", "rust"])

    assert assert_counts_true(session) == {"python": 0, "flask": 0, "rust": 0}


def test_an_edit_that_changes_nothing_counts_nothing(session, alice, write, patch):
    post = write(alice, ["python"])

    patch(alice, post, tags=["python"], status="published", title="Again")

    assert assert_counts_true(session) == {"python": 1}


def test_deleting_a_published_post_decrements(client, session, alice, write, auth):
    post = write(alice, ["python"])
    write(alice, ["python"])

    assert client.delete(f"{POSTS}/{post['id']}", headers=auth(alice)).status_code == 204

    assert assert_counts_true(session) == {"python": 1}


def test_deleting_a_draft_leaves_the_counts(client, session, alice, write, auth):
    write(alice, ["python"])
    draft = write(alice, ["python"], status="draft")

    assert client.delete(f"{POSTS}/{draft['id']}", headers=auth(alice)).status_code == 204

    assert assert_counts_true(session) == {"python": 1}


def test_deleting_a_user_takes_their_published_posts_off_the_counts(
    client, session, alice, bob, write, auth
):
    for _ in range(3):
        write(alice, ["python", "flask"])
    write(alice, ["python"], status="draft")
    write(bob, ["python"])

    assert client.delete(user_url(alice), headers=auth(alice)).status_code == 204

    assert assert_counts_true(session) == {"python": 1, "flask": 0}


def test_user_deletion_costs_the_same_for_many_posts(
    client, session, alice, bob, write, auth, capture_sql
):
    """Set-based: no statement per post or per tag."""
    costs = {}
    for user, count in ((alice, 1), (bob, 8)):
        for number in range(count):
            write(user, [f"t{number}", "common"])
        headers = auth(user)
        with capture_sql() as statements:
            assert client.delete(user_url(user), headers=headers).status_code == 204
        costs[count] = len(statements)
    assert costs[1] == costs[8], costs
    assert tag_counts(session)["common"] == 0
