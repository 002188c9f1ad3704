"""The revocation stores behind the per-request token check."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis

from project.auth.models import AuthSession
from project.auth.revocation import (
    KEY_PREFIX,
    DatabaseRevocationStore,
    RedisRevocationStore,
    store,
)
from project.common.models import utcnow


@pytest.fixture
def auth_session(session, alice):
    """A live (not revoked) session row for alice."""

    def make(**fields) -> AuthSession:
        now = utcnow()
        row = AuthSession(
            id=str(uuid.uuid4()),
            user_id=alice.id,
            created_at=now,
            expires_at=now + timedelta(days=1),
            **fields,
        )
        session.add(row)
        session.commit()
        return row

    return make


def test_store_follows_the_configuration(app):
    with app.app_context():
        chosen = store()

    expected = RedisRevocationStore if app.config["REDIS_URL"] else DatabaseRevocationStore
    assert type(chosen) is expected


@pytest.mark.committing  # a second app, outside the rollback (it touches no rows)
def test_store_is_the_database_without_redis(build_app):
    instance = build_app(REDIS_URL=None)

    with instance.app_context():
        assert isinstance(store(), DatabaseRevocationStore)


def test_database_store_live_session_is_not_revoked(app, auth_session):
    live = auth_session()

    with app.app_context():
        assert DatabaseRevocationStore().is_revoked(live.id) is False


def test_database_store_revoked_session_is_revoked(app, auth_session):
    revoked = auth_session(revoked_at=utcnow())

    with app.app_context():
        assert DatabaseRevocationStore().is_revoked(revoked.id) is True


def test_database_store_unknown_session_counts_as_revoked(app, session):
    with app.app_context():
        assert DatabaseRevocationStore().is_revoked(str(uuid.uuid4())) is True
        assert DatabaseRevocationStore().is_revoked("") is True


def test_database_store_revoke_leaves_the_record_to_the_caller(app, auth_session):
    """`revoke` writes nothing: the caller's transaction sets `revoked_at`."""
    live = auth_session()

    with app.app_context():
        database = DatabaseRevocationStore()
        database.revoke(live.id, live.expires_at)
        assert database.is_revoked(live.id) is False


class TestRedisStore:
    @pytest.fixture
    def redis_client(self, redis_url):
        client = redis.Redis.from_url(redis_url)
        yield client
        client.close()

    @pytest.fixture
    def sid(self, redis_client):
        session_id = str(uuid.uuid4())
        yield session_id
        redis_client.delete(KEY_PREFIX + session_id)

    def test_unknown_session_is_not_revoked(self, redis_client, sid):
        assert RedisRevocationStore(redis_client).is_revoked(sid) is False

    def test_revoke_then_is_revoked(self, redis_client, sid):
        redis_store = RedisRevocationStore(redis_client)

        redis_store.revoke(sid, utcnow() + timedelta(minutes=10))

        assert redis_store.is_revoked(sid) is True
        assert redis_client.exists(KEY_PREFIX + sid) == 1
        assert 590 <= redis_client.ttl(KEY_PREFIX + sid) <= 601

    def test_revocation_lives_until_the_session_would_expire(self, redis_client, sid):
        RedisRevocationStore(redis_client).revoke(sid, utcnow() + timedelta(days=30))

        ttl = redis_client.ttl(KEY_PREFIX + sid)
        assert timedelta(days=30) - timedelta(minutes=1) <= timedelta(seconds=ttl)
        assert timedelta(seconds=ttl) <= timedelta(days=30, seconds=1)

    def test_already_expired_session_still_gets_a_positive_ttl(self, redis_client, sid):
        RedisRevocationStore(redis_client).revoke(sid, utcnow() - timedelta(hours=1))

        assert redis_client.exists(KEY_PREFIX + sid) == 1
        assert 0 < redis_client.ttl(KEY_PREFIX + sid) <= 1

    def test_revocations_are_per_session(self, redis_client, sid):
        redis_store = RedisRevocationStore(redis_client)
        redis_store.revoke(sid, utcnow() + timedelta(minutes=1))

        assert redis_store.is_revoked(str(uuid.uuid4())) is False

    def test_app_store_reads_revocations_from_redis(self, build_app, redis_url, redis_client, sid):
        redis_client.set(KEY_PREFIX + sid, "1", ex=60)

        with build_app(REDIS_URL=redis_url).app_context():
            assert store().is_revoked(sid) is True
