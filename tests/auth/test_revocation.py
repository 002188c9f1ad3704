"""The session check behind every authenticated request: the database, cached in Redis.

The database decides; Redis only caches *live* sessions. The cached store's
tests run against a redis-server of their own (`redis_server`), so they can
stop and pause it.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis

from project.auth.models import AuthSession
from project.auth.revocation import (
    KEY_PREFIX,
    CachedRevocationStore,
    DatabaseRevocationStore,
    PendingRevocations,
    store,
)
from project.common.models import utcnow
from project.common.redis import CircuitBreaker, GuardedRedis, RedisUnavailable
from project.config import redis_client_options


@pytest.fixture
def auth_session(session, alice):
    """A session row for alice: live unless told otherwise."""

    def make(**fields) -> AuthSession:
        now = utcnow()
        fields.setdefault("expires_at", now + timedelta(days=1))
        row = AuthSession(id=str(uuid.uuid4()), user_id=alice.id, created_at=now, **fields)
        session.add(row)
        session.commit()
        return row

    return make


def test_store_follows_the_configuration(app):
    with app.app_context():
        chosen = store()

    expected = CachedRevocationStore if app.config["REDIS_URL"] else DatabaseRevocationStore
    assert type(chosen) is expected


@pytest.mark.committing  # a second app, outside the rollback (it touches no rows)
def test_store_is_the_database_without_redis(build_app):
    instance = build_app(REDIS_URL=None)

    with instance.app_context():
        assert isinstance(store(), DatabaseRevocationStore)


class TestDatabaseStore:
    def test_live_session_is_not_revoked(self, app, auth_session):
        live = auth_session()

        with app.app_context():
            assert DatabaseRevocationStore().is_revoked(live.id) is False

    def test_revoked_session_is_revoked(self, app, auth_session):
        revoked = auth_session(revoked_at=utcnow())

        with app.app_context():
            assert DatabaseRevocationStore().is_revoked(revoked.id) is True

    def test_expired_session_is_revoked(self, app, auth_session):
        expired = auth_session(expires_at=utcnow() - timedelta(seconds=1))

        with app.app_context():
            assert DatabaseRevocationStore().is_revoked(expired.id) is True

    def test_unknown_session_counts_as_revoked(self, app, session):
        with app.app_context():
            assert DatabaseRevocationStore().is_revoked(str(uuid.uuid4())) is True
            assert DatabaseRevocationStore().is_revoked("") is True


class TestCachedStore:
    @pytest.fixture
    def clock(self):
        """The breaker's clock, moved by hand: `clock.now += 5`."""

        class Clock:
            now = 1000.0

        return Clock()

    @pytest.fixture
    def guard(self, app, redis_server, clock):
        """A guarded client on the test's own Redis; its breaker retries after 5 s."""
        client = redis.Redis.from_url(redis_server.url, **redis_client_options(app.config))
        guard = GuardedRedis(client, CircuitBreaker(retry_interval=5, clock=lambda: clock.now))
        yield guard
        guard.close()

    @pytest.fixture
    def pending(self):
        return PendingRevocations()

    @pytest.fixture
    def cached(self, app, guard, pending):
        """`cached(ttl=60)`: the store, used inside the app's context."""
        with app.app_context():
            yield lambda ttl=60: CachedRevocationStore(guard, ttl=ttl, pending=pending)

    @pytest.fixture
    def stored(self, redis_server):
        client = redis_server.client()
        yield client
        client.close()

    def test_live_session_is_cached_for_at_most_the_ttl(self, cached, auth_session, stored):
        live = auth_session()

        assert cached(ttl=60).is_revoked(live.id) is False

        assert 0 < stored.ttl(KEY_PREFIX + live.id) <= 60

    def test_cache_never_outlives_the_session(self, cached, auth_session, stored):
        ending = auth_session(expires_at=utcnow() + timedelta(seconds=10))

        assert cached(ttl=60).is_revoked(ending.id) is False

        assert 0 < stored.ttl(KEY_PREFIX + ending.id) <= 10

    def test_a_hit_answers_without_the_database(self, cached, auth_session, capture_sql):
        live = auth_session()
        store_ = cached()
        store_.is_revoked(live.id)

        with capture_sql() as statements:
            assert store_.is_revoked(live.id) is False

        assert statements == []

    @pytest.mark.parametrize(
        "fields",
        [{"revoked_at": utcnow()}, {"expires_at": utcnow() - timedelta(seconds=1)}],
        ids=["revoked", "expired"],
    )
    def test_ended_session_is_revoked_and_not_cached(self, cached, auth_session, stored, fields):
        ended = auth_session(**fields)

        assert cached().is_revoked(ended.id) is True

        assert stored.exists(KEY_PREFIX + ended.id) == 0

    def test_session_that_never_existed_is_revoked(self, cached, stored):
        sid = str(uuid.uuid4())

        assert cached().is_revoked(sid) is True

        assert stored.exists(KEY_PREFIX + sid) == 0

    def test_a_miss_asks_the_database(self, cached, auth_session, stored):
        """Redis losing its data costs a lookup, never a revoked session coming back."""
        revoked = auth_session(revoked_at=utcnow())
        live = auth_session()
        store_ = cached()
        store_.is_revoked(live.id)
        stored.flushall()

        assert store_.is_revoked(revoked.id) is True
        assert store_.is_revoked(live.id) is False

    def test_started_caches_the_new_session(self, cached, auth_session, stored, capture_sql):
        new = auth_session(expires_at=utcnow() + timedelta(seconds=30))
        store_ = cached(ttl=60)

        store_.started(new)

        assert 0 < stored.ttl(KEY_PREFIX + new.id) <= 30
        with capture_sql() as statements:
            assert store_.is_revoked(new.id) is False
        assert statements == []

    def test_a_zero_ttl_turns_the_cache_off(self, cached, auth_session, stored):
        row = auth_session()
        store_ = cached(ttl=0)

        store_.started(row)
        assert store_.is_revoked(row.id) is False

        assert stored.dbsize() == 0

    def test_revoked_deletes_the_live_key(self, cached, auth_session, session, stored):
        row = auth_session()
        store_ = cached()
        store_.is_revoked(row.id)
        assert stored.exists(KEY_PREFIX + row.id) == 1
        row.revoked_at = utcnow()
        session.commit()

        store_.revoked([row])

        assert stored.exists(KEY_PREFIX + row.id) == 0
        assert store_.is_revoked(row.id) is True

    def test_redis_down_falls_back_to_the_database(self, cached, auth_session, redis_server):
        live, revoked = auth_session(), auth_session(revoked_at=utcnow())
        redis_server.stop()

        assert cached().is_revoked(live.id) is False
        assert cached().is_revoked(revoked.id) is True

    def test_live_key_missed_during_an_outage_is_deleted_when_redis_returns(
        self, cached, pending, guard, clock, auth_session, session, redis_server, stored
    ):
        """Redis hangs with a live key; the session is revoked; Redis comes back with it."""
        row = auth_session()
        store_ = cached()
        store_.is_revoked(row.id)
        redis_server.pause()
        assert store_.is_revoked(row.id) is False  # times out: the breaker opens
        row.revoked_at = utcnow()
        session.commit()

        store_.revoked([row])  # Redis counted as down: the delete is remembered

        assert pending.since == row.revoked_at
        assert store_.is_revoked(row.id) is True  # from the database
        redis_server.resume()
        assert stored.exists(KEY_PREFIX + row.id) == 1  # the stale key is there
        assert store_.is_revoked(row.id) is True  # the breaker is still open
        clock.now += 5

        assert store_.is_revoked(row.id) is True

        assert stored.exists(KEY_PREFIX + row.id) == 0
        assert pending.since is None
        assert guard.breaker.is_open is False

    def test_only_sessions_revoked_since_the_failure_are_swept(
        self, cached, clock, auth_session, session, redis_server, stored
    ):
        earlier = auth_session(revoked_at=utcnow() - timedelta(hours=1))
        row, other = auth_session(), auth_session()
        store_ = cached()
        for live in (row, other):
            store_.is_revoked(live.id)
        stored.set(KEY_PREFIX + earlier.id, "1")  # a stale key from long before
        redis_server.stop()
        store_.is_revoked(row.id)  # refused: the breaker opens
        row.revoked_at = utcnow()
        session.commit()
        store_.revoked([row])
        redis_server.start()  # empty: put back what a paused Redis would still hold
        for live in (row, other, earlier):
            stored.set(KEY_PREFIX + live.id, "1")
        clock.now += 5

        store_.is_revoked(other.id)

        assert stored.exists(KEY_PREFIX + row.id) == 0
        assert stored.exists(KEY_PREFIX + other.id) == 1
        assert stored.exists(KEY_PREFIX + earlier.id) == 1


class TestPendingRevocations:
    class FailingOnce:
        """A guard whose first call fails, as Redis would."""

        def __init__(self, pending: PendingRevocations, note_during_call=None) -> None:
            self.calls = 0
            self.pending = pending
            self.note_during_call = note_during_call

        def run(self, operation):
            self.calls += 1
            if self.note_during_call is not None:
                self.pending.note(self.note_during_call)
                self.note_during_call = None
                return None
            if self.calls == 1:
                raise RedisUnavailable("down")
            return None

    def test_nothing_pending_needs_no_redis(self, app):
        pending = PendingRevocations()
        guard = self.FailingOnce(pending)

        with app.app_context():
            assert pending.flush(guard) is True

        assert guard.calls == 0

    def test_earliest_failure_is_kept(self):
        pending = PendingRevocations()
        first = utcnow()

        pending.note(first + timedelta(seconds=5))
        pending.note(first)
        pending.note(first + timedelta(seconds=9))

        assert pending.since == first

    def test_a_failed_flush_keeps_it_pending(self, app, session):
        pending = PendingRevocations()
        pending.note(utcnow())
        guard = self.FailingOnce(pending)

        with app.app_context():
            assert pending.flush(guard) is False
            assert pending.since is not None
            assert pending.flush(guard) is True

        assert pending.since is None

    def test_a_failure_noted_during_the_flush_stays_pending(self, app, session):
        pending = PendingRevocations()
        pending.note(utcnow())
        guard = self.FailingOnce(pending, note_during_call=utcnow())

        with app.app_context():
            assert pending.flush(guard) is False

        assert pending.since is not None
