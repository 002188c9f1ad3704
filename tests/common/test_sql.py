"""insert_ignore: INSERT ... ON CONFLICT DO NOTHING, and how many rows it inserted."""

from __future__ import annotations

import pytest

from project.common.models import utcnow
from project.common.sql import insert_ignore
from project.extensions import db
from project.likes.models import Like
from tests.kit import count

pytestmark = pytest.mark.usefixtures("app")


def test_insert_ignore_inserts_once_then_ignores_the_duplicate(session, post_factory, alice):
    post = post_factory()
    values = {"user_id": alice.id, "post_id": post.id, "created_at": utcnow()}

    assert insert_ignore(Like, values) == 1
    assert insert_ignore(Like, values) == 0
    db.session.commit()

    assert count(session, Like) == 1
