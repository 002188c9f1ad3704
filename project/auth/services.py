"""Token lifecycle: login, rotation with reuse detection, logout."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, request
from flask_jwt_extended import create_access_token, create_refresh_token, decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from flask_smorest import abort
from jwt.exceptions import PyJWTError
from sqlalchemy import select, update

from project.auth.models import AuthSession, RefreshToken
from project.auth.revocation import store
from project.common.models import utcnow
from project.extensions import db
from project.users import services as users
from project.users.models import User

INVALID_CREDENTIALS = "Invalid username/email or password."


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "Bearer"


def unauthorized(detail: str):
    abort(401, message=detail, headers={"WWW-Authenticate": "Bearer"})


def issue_tokens(user: User, session: AuthSession) -> TokenPair:
    """Mint an access + refresh pair in `session`; the caller commits."""
    config = current_app.config
    jti = str(uuid.uuid4())
    now = utcnow()
    db.session.add(
        RefreshToken(
            jti=jti,
            session_id=session.id,
            issued_at=now,
            expires_at=now + config["JWT_REFRESH_TOKEN_EXPIRES"],
        )
    )
    claims = {"sid": session.id}
    identity = str(user.id)
    return TokenPair(
        access_token=create_access_token(identity=identity, additional_claims=claims),
        refresh_token=create_refresh_token(
            identity=identity, additional_claims={**claims, "jti": jti}
        ),
        expires_in=int(config["JWT_ACCESS_TOKEN_EXPIRES"].total_seconds()),
    )


def login(*, login: str, password: str) -> TokenPair:
    user = users.authenticate(login, password)
    if user is None:
        unauthorized(INVALID_CREDENTIALS)
    now = utcnow()
    session = AuthSession(
        id=str(uuid.uuid4()),
        user_id=user.id,
        created_at=now,
        expires_at=now + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"],
        user_agent=(request.user_agent.string or None) and request.user_agent.string[:255],
        ip_address=request.remote_addr,
    )
    db.session.add(session)
    pair = issue_tokens(user, session)
    db.session.commit()
    return pair


def revoke_session(session: AuthSession, *, at: datetime | None = None) -> None:
    """Mark the session revoked (the caller commits) and tell the store."""
    if session.revoked_at is None:
        session.revoked_at = at or utcnow()
    store().revoke(session.id, session.expires_at)


def rotate(*, user: User, claims: dict) -> TokenPair:
    """Spend a refresh token for a new pair; a second use revokes the session."""
    now = utcnow()
    spent = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.jti == claims["jti"],
            RefreshToken.session_id == claims.get("sid", ""),
            RefreshToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    session = session_of(claims)
    if session is None or session.revoked_at is not None:
        db.session.rollback()
        unauthorized("This session has been revoked; log in again.")
    if spent.rowcount != 1:
        # Reuse of a spent token: it leaked, or a client raced itself. Either
        # way nobody can tell the thief from the owner, so end the session.
        revoke_session(session, at=now)
        db.session.commit()
        unauthorized("This refresh token was already used; the session is revoked.")
    session.last_refreshed_at = now
    pair = issue_tokens(user, session)
    db.session.commit()
    return pair


def session_of(claims: dict) -> AuthSession | None:
    return db.session.get(AuthSession, claims.get("sid") or "")


def reject_refresh_token(reason: str):
    abort(422, message=f"refresh_token: {reason}", errors={"json": {"refresh_token": [reason]}})


def logout(*, user: User, claims: dict, refresh_token: str | None) -> None:
    """End the presented token's session, and the refresh token's if another."""
    sessions = [session_of(claims)]
    if refresh_token:
        try:
            other = decode_token(refresh_token)
        except (PyJWTError, JWTExtendedException):
            reject_refresh_token("Not a valid token.")
        if other.get("type") != "refresh" or other.get("sub") != str(user.id):
            reject_refresh_token("Not one of your refresh tokens.")
        sessions.append(session_of(other))
    for session in sessions:
        if session is not None:
            revoke_session(session)
    db.session.commit()


def revoke_all_sessions(user: User) -> int:
    """Log a user out everywhere (e.g. after a password change)."""
    sessions = db.session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    ).all()
    now = utcnow()
    for session in sessions:
        revoke_session(session, at=now)
    db.session.commit()
    return len(sessions)
