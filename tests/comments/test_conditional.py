"""Conditional requests on comments: a versioned ETag, If-Match on PATCH and DELETE."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.comments.models import Comment
from tests.kit import assert_problem, rows

URL = "/api/v1/comments"


@pytest.fixture
def comment(make_comments, post_factory, alice):
    return make_comments(post_factory(author=alice), 1, authors=[alice])[0]


def stored(session, comment_id: int) -> list[dict]:
    return rows(session, sa.select(Comment.body, Comment.version).where(Comment.id == comment_id))


def test_a_comment_has_a_versioned_etag_and_answers_304(client, comment):
    response = client.get(f"{URL}/{comment.id}")
    assert response.get_etag() == (response.get_etag()[0], False)
    assert response.get_etag()[0].startswith("1-")
    again = client.get(f"{URL}/{comment.id}", headers={"If-None-Match": response.headers["ETag"]})
    assert (again.status_code, again.data) == (304, b"")


def test_patch_with_a_stale_etag_is_a_412(client, session, auth, alice, comment):
    stale = client.get(f"{URL}/{comment.id}").headers["ETag"]
    first = client.patch(f"{URL}/{comment.id}", json={"body": "one"}, headers=auth(alice))
    assert first.status_code == 200 and first.get_etag()[0].startswith("2-")
    response = client.patch(
        f"{URL}/{comment.id}", json={"body": "two"}, headers={**auth(alice), "If-Match": stale}
    )
    assert_problem(response, 412)
    assert stored(session, comment.id) == [{"body": "one", "version": 2}]
    current = client.patch(
        f"{URL}/{comment.id}",
        json={"body": "three"},
        headers={**auth(alice), "If-Match": first.headers["ETag"]},
    )
    assert current.status_code == 200
    assert stored(session, comment.id) == [{"body": "three", "version": 3}]


def test_delete_with_a_stale_etag_is_a_412_and_keeps_the_comment(
    client, session, auth, alice, comment
):
    stale = client.get(f"{URL}/{comment.id}").headers["ETag"]
    assert (
        client.patch(f"{URL}/{comment.id}", json={"body": "one"}, headers=auth(alice)).status_code
        == 200
    )
    response = client.delete(f"{URL}/{comment.id}", headers={**auth(alice), "If-Match": stale})
    assert_problem(response, 412)
    assert stored(session, comment.id) == [{"body": "one", "version": 2}]
    current = client.get(f"{URL}/{comment.id}").headers["ETag"]
    deleted = client.delete(f"{URL}/{comment.id}", headers={**auth(alice), "If-Match": current})
    assert deleted.status_code == 204
    assert stored(session, comment.id) == []


def test_delete_refuses_an_edit_made_while_it_waited(
    client, session, auth, alice, comment, monkeypatch
):
    """The DELETE names the version: an edit committed after the check wins (412)."""
    from project.comments import services
    from project.extensions import db

    etag = client.get(f"{URL}/{comment.id}").headers["ETag"]
    lock_post = services.visible_post

    def edit_meanwhile(*args, **kwargs):
        post = lock_post(*args, **kwargs)
        db.session.execute(
            sa.update(Comment).where(Comment.id == comment.id).values(version=Comment.version + 1)
        )
        return post

    monkeypatch.setattr(services, "visible_post", edit_meanwhile)
    response = client.delete(f"{URL}/{comment.id}", headers={**auth(alice), "If-Match": etag})
    assert_problem(response, 412)
    assert len(stored(session, comment.id)) == 1
