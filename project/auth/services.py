"""Token lifecycle: login, rotation with reuse detection, logout.

Raises domain errors; what it needs from the request (user agent, client
address) is passed in by the route.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from project.auth.models import AuthSession, RefreshToken
from project.auth.revocation import store
from project.auth.tokens import (
    TokenPair,
    mint_pair,
    read_claims,
    refresh_lifetime,
    reuse_interval,
)
from project.common.exceptions import InvalidCredentials, InvalidInput
from project.common.metrics import REFRESH_TOKEN_REUSE
from project.common.models import utcnow
from project.extensions import db
from project.users.models import User
from project.users.services import authenticate

INVALID_CREDENTIALS = "Invalid username/email or password."


def issue_tokens(user: User, session: AuthSession, *, jti: str | None = None) -> TokenPair:
    """Mint a pair in `session`, recording the refresh token; the caller commits."""
    jti = jti or str(uuid.uuid4())
    now = utcnow()
    expires_at = now + refresh_lifetime()
    db.session.add(
        RefreshToken(jti=jti, session_id=session.id, issued_at=now, expires_at=expires_at)
    )
    # A session lives as long as its newest refresh token.
    session.expires_at = max(session.expires_at, expires_at)
    return mint_pair(user_id=user.id, session_id=session.id, refresh_jti=jti)


def login(
    *, login: str, password: str, user_agent: str | None, client_address: str | None
) -> TokenPair:
    user = authenticate(login, password)
    if user is None:
        raise InvalidCredentials(INVALID_CREDENTIALS)
    now = utcnow()
    session = AuthSession(
        id=str(uuid.uuid4()),
        user_id=user.id,
        created_at=now,
        expires_at=now + refresh_lifetime(),
        user_agent=user_agent[:255] if user_agent else None,
        ip_address=client_address,
    )
    db.session.add(session)
    pair = issue_tokens(user, session)
    db.session.commit()
    store().started(session)
    return pair


def end_sessions(sessions: Iterable[AuthSession | None], *, at: datetime | None = None) -> int:
    """Revoke `sessions`: commit to the database (the record), then tell the store.

    The store only caches live sessions, so a failure to reach it (Redis
    down) never undoes a revocation; see `project.auth.revocation`.
    """
    ending = list({session.id: session for session in sessions if session is not None}.values())
    now = at or utcnow()
    for session in ending:
        if session.revoked_at is None:
            session.revoked_at = now
    db.session.commit()
    store().revoked(ending)
    return len(ending)


def rotate(*, user: User, claims: dict) -> TokenPair:
    """Spend a refresh token for a new pair; a second use revokes the session.

    Unless the second use comes within JWT_REFRESH_REUSE_INTERVAL of the
    first: two tabs (or a retried request) refreshing at once then get the
    same successor instead of being logged out.
    """
    now = utcnow()
    successor = str(uuid.uuid4())
    spent = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.jti == claims["jti"],
            RefreshToken.session_id == claims.get("sid", ""),
            RefreshToken.used_at.is_(None),
        )
        .values(used_at=now, replaced_by=successor)
        .execution_options(synchronize_session=False)
    )
    session = session_of(claims)
    if session is None or session.revoked_at is not None:
        db.session.rollback()
        raise InvalidCredentials("This session has been revoked; log in again.")
    if spent.rowcount == 1:
        session.last_refreshed_at = now
        pair = issue_tokens(user, session, jti=successor)
        db.session.commit()
        return pair
    replay = unspent_successor(claims, now=now)
    if replay is not None:
        db.session.rollback()
        return mint_pair(
            user_id=user.id,
            session_id=replay.session_id,
            refresh_jti=replay.jti,
            refresh_expires_at=replay.expires_at,
        )
    # Reuse of a spent token: it leaked, or a client raced itself long ago.
    # Either way nobody can tell the thief from the owner, so end the session.
    end_sessions([session], at=now)
    REFRESH_TOKEN_REUSE.inc()
    raise InvalidCredentials("This refresh token was already used; the session is revoked.")


def unspent_successor(claims: dict, *, now: datetime) -> RefreshToken | None:
    """The successor of the spent token in `claims`, if it was spent moments ago.

    Only within JWT_REFRESH_REUSE_INTERVAL of the spending, and only while
    that successor is itself unspent.
    """
    interval = reuse_interval()
    if interval <= timedelta(0):
        return None
    spent = db.session.execute(
        select(RefreshToken.used_at, RefreshToken.replaced_by).where(
            RefreshToken.jti == claims["jti"],
            RefreshToken.session_id == claims.get("sid", ""),
        )
    ).first()
    if spent is None or spent.replaced_by is None or now - spent.used_at > interval:
        return None
    successor = db.session.scalar(
        select(RefreshToken).where(
            RefreshToken.jti == spent.replaced_by, RefreshToken.used_at.is_(None)
        )
    )
    return successor


def session_of(claims: dict) -> AuthSession | None:
    return db.session.get(AuthSession, claims.get("sid") or "")


def logout(*, user: User, claims: dict, refresh_token: str | None) -> None:
    """End the presented token's session, and the refresh token's if another."""
    sessions = [session_of(claims)]
    if refresh_token:
        other = read_claims(refresh_token)
        if other is None:
            raise InvalidInput("refresh_token", "Not a valid token.")
        if other.get("type") != "refresh" or other.get("sub") != str(user.id):
            raise InvalidInput("refresh_token", "Not one of your refresh tokens.")
        sessions.append(session_of(other))
    end_sessions(sessions)


def revoke_all_sessions(user: User) -> int:
    """Log a user out everywhere (e.g. after a password change)."""
    sessions = db.session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    ).all()
    return end_sessions(sessions)
