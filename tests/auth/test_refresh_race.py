"""Twenty concurrent refreshes with one token: one successor, nobody logged out.

Real concurrency needs real row locks, so this runs on PostgreSQL (the
DATABASE_URL run); SQLite serialises writers and is covered by the sequential
tests in test_refresh.py. The app commits for real and the user is deleted
afterwards.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from project.auth.models import AuthSession, RefreshToken
from project.extensions import db
from tests.auth.helpers import claims, forget_users, me, refresh
from tests.kit import register

pytestmark = pytest.mark.committing

RACERS = 20


@pytest.fixture
def racing_app(build_app, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (row locks under real concurrency): the DATABASE_URL run")
    # Enough connections for every racer at once, as gunicorn's threads would have.
    instance = build_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": RACERS, "pool_pre_ping": True})
    username = "race_" + uuid.uuid4().hex[:12]
    register(instance.test_client(), username)
    try:
        yield instance, username
    finally:
        forget_users(instance, username)


def test_concurrent_refreshes_share_one_successor(racing_app, login):
    instance, username = racing_app
    tokens = login(username, via=instance.test_client())
    start = threading.Barrier(RACERS, timeout=30)

    def race(_):
        client = instance.test_client()
        start.wait()
        return refresh(client, tokens["refresh_token"])

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        responses = list(pool.map(race, range(RACERS), timeout=60))

    assert [r.status_code for r in responses] == [200] * RACERS, [
        r.get_json() for r in responses if r.status_code != 200
    ]
    jtis = {claims(instance, r.json["refresh_token"])["jti"] for r in responses}
    assert len(jtis) == 1
    [successor] = jtis
    # Stored: the session is live; the spent token points at the one successor.
    sid = claims(instance, tokens["refresh_token"])["sid"]
    with instance.app_context():
        assert (
            db.session.scalar(sa.select(AuthSession.revoked_at).where(AuthSession.id == sid))
            is None
        )
        stored = db.session.execute(
            sa.select(RefreshToken.jti, RefreshToken.used_at, RefreshToken.replaced_by).where(
                RefreshToken.session_id == sid
            )
        ).all()
    by_jti = {row.jti: row for row in stored}
    spent = claims(instance, tokens["refresh_token"])["jti"]
    assert set(by_jti) == {spent, successor}
    assert by_jti[spent].replaced_by == successor
    assert by_jti[successor].used_at is None
    # Every racer's tokens work.
    client = instance.test_client()
    assert all(me(client, r.json["access_token"]).status_code == 200 for r in responses)
    assert refresh(client, responses[-1].json["refresh_token"]).status_code == 200
