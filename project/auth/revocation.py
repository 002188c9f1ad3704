"""Is a token's session still live? Asked on every authenticated request.

The database is the record: a session is live when its `auth_sessions` row
exists, is not revoked and has not expired. A logout, a password change or a
detected refresh-token reuse always commits `revoked_at` first.

With REDIS_URL set, Redis caches *live* sessions, never revocations:
`postwell:live-session:{sid}`, with a TTL of at most SESSION_CACHE_TTL and
never beyond the session's expiry. A hit answers without the database; a
miss, or any Redis failure (see `project.common.redis`), asks the database and
writes a live answer back. So Redis losing its data costs database lookups,
never a revoked session coming back.

A login caches its new session at once (`started`). After a revocation is
committed, its live key is deleted (`revoked`). When that delete cannot reach
Redis, this process remembers the earliest such revocation; until its next
successful Redis call has deleted the live keys of every session revoked
since then (one query on the `revoked_at` index), it does not trust Redis's
hits. Another process may trust a stale key until its TTL ends:
SESSION_CACHE_TTL is the backstop across processes.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable
from contextlib import suppress
from datetime import datetime
from typing import Protocol

from flask import current_app
from sqlalchemy import select

from project.auth.models import AuthSession
from project.common.models import utcnow
from project.common.redis import GuardedRedis, RedisUnavailable, get_redis
from project.extensions import db

KEY_PREFIX = "postwell:live-session:"
PENDING_KEY = "postwell_pending_revocations"
DELETE_BATCH = 500


def live_key(session_id: str) -> str:
    return KEY_PREFIX + session_id


def live_until(session_id: str) -> datetime | None:
    """The session's expiry when the database says it is live, else None."""
    expires_at = db.session.scalar(
        select(AuthSession.expires_at).where(
            AuthSession.id == session_id, AuthSession.revoked_at.is_(None)
        )
    )
    # No row: the session was deleted with its user, or never existed.
    return expires_at if expires_at is not None and expires_at > utcnow() else None


class RevocationStore(Protocol):
    def is_revoked(self, session_id: str) -> bool: ...

    def started(self, session: AuthSession) -> None:
        """`session` was created and committed: it is live."""

    def revoked(self, sessions: Iterable[AuthSession]) -> None:
        """`sessions` were revoked and committed: stop vouching for them."""


class DatabaseRevocationStore:
    def is_revoked(self, session_id: str) -> bool:
        return live_until(session_id) is None

    def started(self, session: AuthSession) -> None:
        """Nothing to do: the committed row is the answer."""

    def revoked(self, sessions: Iterable[AuthSession]) -> None:
        """Nothing to do: the committed rows are the answer."""


class PendingRevocations:
    """Revocations whose live keys this process could not delete from Redis."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.since: datetime | None = None
        self._generation = 0

    def note(self, revoked_at: datetime) -> None:
        with self._lock:
            self.since = revoked_at if self.since is None else min(self.since, revoked_at)
            self._generation += 1

    def flush(self, redis: GuardedRedis) -> bool:
        """Delete the live keys of every session revoked since the first failure.

        True when nothing is pending any more (Redis may be trusted again).
        """
        with self._lock:
            since, generation = self.since, self._generation
        if since is None:
            return True

        def delete_live_keys(client) -> None:
            session_ids = db.session.scalars(
                select(AuthSession.id).where(AuthSession.revoked_at >= since)
            ).all()
            for start in range(0, len(session_ids), DELETE_BATCH):
                batch = session_ids[start : start + DELETE_BATCH]
                client.delete(*(live_key(session_id) for session_id in batch))

        try:
            # The query runs only when Redis may be called: not while it is down.
            redis.run(delete_live_keys)
        except RedisUnavailable:
            return False
        with self._lock:
            if self._generation == generation:  # no failure was noted meanwhile
                self.since = None
            return self.since is None


class CachedRevocationStore:
    """The database behind a Redis cache of live sessions."""

    def __init__(self, redis: GuardedRedis, *, ttl: int, pending: PendingRevocations) -> None:
        self.redis = redis
        self.ttl = ttl
        self.pending = pending

    def is_revoked(self, session_id: str) -> bool:
        if self.ttl > 0 and self.pending.flush(self.redis):
            try:
                if self.redis.run(lambda client: client.exists(live_key(session_id))):
                    return False
            except RedisUnavailable:
                pass
        expires_at = live_until(session_id)
        if expires_at is None:
            return True
        self.remember_live(session_id, expires_at)
        return False

    def remember_live(self, session_id: str, expires_at: datetime) -> None:
        ttl = min(self.ttl, math.ceil((expires_at - utcnow()).total_seconds()))
        if ttl <= 0:
            return
        with suppress(RedisUnavailable):
            self.redis.run(lambda client: client.set(live_key(session_id), "1", ex=ttl))

    def started(self, session: AuthSession) -> None:
        """A new login: its first request needs no database lookup."""
        if self.ttl > 0:
            self.remember_live(session.id, session.expires_at)

    def revoked(self, sessions: Iterable[AuthSession]) -> None:
        sessions = list(sessions)
        if not sessions:
            return
        keys = [live_key(session.id) for session in sessions]
        try:
            self.redis.run(lambda client: client.delete(*keys))
        except RedisUnavailable:
            self.pending.note(min(session.revoked_at or utcnow() for session in sessions))


def pending_revocations() -> PendingRevocations:
    return current_app.extensions.setdefault(PENDING_KEY, PendingRevocations())


def store() -> RevocationStore:
    redis = get_redis()
    if redis is None:
        return DatabaseRevocationStore()
    return CachedRevocationStore(
        redis, ttl=current_app.config["SESSION_CACHE_TTL"], pending=pending_revocations()
    )
