"""Concurrent writes to one post (PostgreSQL): each is serialised by the row lock.

Before the lock, two DELETEs of one post both answered 204 in 9 trials of 10
and took the author's post_count to -9; eight PATCHes to draft took it to -4;
a PATCH racing a DELETE was a 500 (StaleDataError). Now the loser of a race
gets the 404 a sequential client would, and every counter stays exact.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from project.extensions import db
from project.users.models import User
from tests.kit import assert_problem

pytestmark = pytest.mark.committing

URL = "/api/v1/posts"


@pytest.fixture
def author(crowd):
    return crowd(1)[0]


@pytest.fixture
def write(racing_app, author):
    """`write(n)`: n published posts by `author`, through the API; their ids."""

    def posts(count: int) -> list[int]:
        client = racing_app.test_client()
        ids = []
        for number in range(count):
            response = client.post(
                URL, json={"title": f"race {number}", "body": "b"}, headers=author.headers
            )
            assert response.status_code == 201, response.json
            ids.append(response.json["id"])
        return ids

    return posts


@pytest.fixture
def post_count(racing_app, author):
    def stored() -> int:
        with racing_app.app_context():
            value = db.session.scalar(sa.select(User.post_count).where(User.id == author.id))
            db.session.commit()
            return value

    return stored


def test_two_concurrent_deletes_delete_once(race, author, write, post_count, assert_counters_exact):
    post_ids = write(10)
    for post_id in post_ids:
        responses = race([lambda c, p=post_id: c.delete(f"{URL}/{p}", headers=author.headers)] * 2)

        assert sorted(r.status_code for r in responses) == [204, 404]
        assert_problem(next(r for r in responses if r.status_code == 404), 404)
    assert post_count() == 0
    assert_counters_exact()


def test_concurrent_patches_to_draft_unpublish_once(
    race, author, write, post_count, assert_counters_exact
):
    post_ids = write(3)
    for post_id in post_ids:
        responses = race(
            [
                lambda c, p=post_id: c.patch(
                    f"{URL}/{p}", json={"status": "draft"}, headers=author.headers
                )
            ]
            * 8
        )
        assert [r.status_code for r in responses] == [200] * 8
        assert {r.json["status"] for r in responses} == {"draft"}
    assert post_count() == 0
    assert_counters_exact()


def test_a_patch_racing_a_delete_is_applied_first_or_404(
    race, author, write, post_count, assert_counters_exact
):
    for post_id in write(10):
        patched, deleted = race(
            [
                lambda c, p=post_id: c.patch(
                    f"{URL}/{p}", json={"status": "draft"}, headers=author.headers
                ),
                lambda c, p=post_id: c.delete(f"{URL}/{p}", headers=author.headers),
            ]
        )
        assert deleted.status_code == 204, deleted.get_data(as_text=True)
        assert patched.status_code in (200, 404), patched.get_data(as_text=True)
        if patched.status_code == 404:
            assert_problem(patched, 404)
    assert post_count() == 0
    assert_counters_exact()
