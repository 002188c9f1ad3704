"""Where revoked sessions are looked up on every authenticated request.

The database is the record (`auth_sessions.revoked_at`). With REDIS_URL set,
revocations are also written to Redis with a TTL until the session would have
expired, and requests check Redis only: one round trip, shared by every
instance. Nothing lives in process memory.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import redis
from sqlalchemy import select

from project.auth.models import AuthSession
from project.common.models import utcnow
from project.common.redis import get_redis
from project.extensions import db

KEY_PREFIX = "postwell:revoked-session:"


class RevocationStore(Protocol):
    def is_revoked(self, session_id: str) -> bool: ...

    def revoke(self, session_id: str, expires_at: datetime) -> None: ...


class DatabaseRevocationStore:
    def is_revoked(self, session_id: str) -> bool:
        revoked_at = db.session.execute(
            select(AuthSession.revoked_at).where(AuthSession.id == session_id)
        ).first()
        # No row: the session was deleted with its user, or never existed.
        return revoked_at is None or revoked_at[0] is not None

    def revoke(self, session_id: str, expires_at: datetime) -> None:
        """The database row is written by the caller's transaction."""


class RedisRevocationStore:
    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    def is_revoked(self, session_id: str) -> bool:
        return bool(self.client.exists(KEY_PREFIX + session_id))

    def revoke(self, session_id: str, expires_at: datetime) -> None:
        ttl = max(int((expires_at - utcnow()).total_seconds()) + 1, 1)
        self.client.set(KEY_PREFIX + session_id, "1", ex=ttl)


def store() -> RevocationStore:
    client = get_redis()
    return RedisRevocationStore(client) if client is not None else DatabaseRevocationStore()
