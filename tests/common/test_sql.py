"""`insert_ignore`: INSERT ... ON CONFLICT DO NOTHING, counting what it inserted."""

from __future__ import annotations

from project.common.sql import insert_ignore
from project.extensions import db
from project.users.models import User
from tests.kit import user_count


def test_insert_ignore_counts_a_new_row_then_ignores_a_duplicate(app, session):
    row = {"username": "Ignored", "email": "ignored@example.com", "password_hash": "x"}
    with app.app_context():
        assert insert_ignore(User, row) == 1
        # The unique index is on lower(username): any unique index is a conflict.
        assert (
            insert_ignore(User, {**row, "username": "IGNORED", "email": "other@example.com"}) == 0
        )
        assert insert_ignore(User, row) == 0
        assert insert_ignore(User, {**row, "username": "kept", "email": "kept@example.com"}) == 1
        db.session.commit()

    assert user_count(session) == 2
