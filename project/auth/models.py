"""Login sessions and the refresh tokens issued within them.

A session is one login on one device. Every token carries its session id
(`sid`), so revoking a session kills its access and refresh tokens at once.
Refresh tokens are single-use: each is recorded, spent on rotation, and a
spent one presented again revokes its whole session (reuse detection), unless
it comes back within JWT_REFRESH_REUSE_INTERVAL (two tabs refreshing at once).
This is what "list my sessions" and "log out everywhere" build on.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from project.common.models import UTCDateTime, utcnow
from project.common.pagination import Keyset
from project.extensions import db


class AuthSession(db.Model):
    __tablename__ = "auth_sessions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Indexed: after a Redis outage, the sessions revoked since a given time
    # are looked up to delete their cached live keys (project.auth.revocation).
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    user_agent: Mapped[str | None] = mapped_column(String(255))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # Written at most once a minute per session, when a token of the session
    # is checked (`project.auth.services.touch_session`); None before 0007.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # A user's sessions, newest first (GET /auth/sessions).
    __table_args__ = (
        Index("ix_auth_sessions_user_id_created_at_id", "user_id", "created_at", "id"),
    )


SESSIONS_NEWEST_FIRST = Keyset(AuthSession.created_at, AuthSession.id)


class RefreshToken(db.Model):
    __tablename__ = "refresh_tokens"

    jti: Mapped[str] = mapped_column(String(36), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="CASCADE"), index=True
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The jti this token was spent for: presented again within
    # JWT_REFRESH_REUSE_INTERVAL, the same successor is re-issued.
    replaced_by: Mapped[str | None] = mapped_column(String(36))


PASSWORD_RESET = "password_reset"
VERIFY_EMAIL = "verify_email"


class AccountToken(db.Model):
    """A single-use token mailed to a user: a password reset or an email verification.

    Only the SHA-256 of the token is stored. A newer token of the same purpose
    spends the user's older ones; `email` is the address a verification
    token vouches for (an email change in between makes it worthless).
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_account_tokens_user_id_purpose", "user_id", "purpose"),)
