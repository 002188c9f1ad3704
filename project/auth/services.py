"""Token lifecycle: login, rotation with reuse detection, logout; a user's sessions.

Raises domain errors; what it needs from the request (user agent, client
address) is passed in by the route.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import event, or_, select, update

from project.auth import account
from project.auth.models import (
    PASSWORD_RESET,
    VERIFY_EMAIL,
    AccountToken,
    AuthSession,
    RefreshToken,
)
from project.auth.revocation import store
from project.auth.tokens import (
    TokenPair,
    mint_pair,
    read_claims,
    refresh_lifetime,
    reuse_interval,
)
from project.common.exceptions import InvalidCredentials, InvalidInput, NotFound
from project.common.jobs import defer
from project.common.metrics import REFRESH_TOKEN_REUSE
from project.common.models import utcnow
from project.common.pagination import Page, PageRequest, paginate
from project.common.security import hash_password
from project.extensions import db
from project.users.models import User
from project.users.services import authenticate, password_still_verifies

INVALID_CREDENTIALS = "Invalid username/email or password."
SESSION_NOT_FOUND = "No such session."
# `last_used_at` is written at most this often per session.
TOUCH_INTERVAL = timedelta(seconds=60)


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
        last_used_at=now,
    )
    db.session.add(session)
    pair = issue_tokens(user, session)
    db.session.flush()
    if not password_still_verifies(user, password):  # changed while we verified it
        db.session.rollback()
        raise InvalidCredentials(INVALID_CREDENTIALS)
    db.session.commit()
    store().started(session)
    recent_touches.mark(session.id, now)
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


def forget_sessions_after_commit(user: User) -> None:
    """The user is being deleted, their sessions with them (ON DELETE CASCADE):
    once that is committed, the store stops vouching for the live ones."""
    sessions = db.session.scalars(
        select(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    ).all()
    if sessions:
        event.listen(db.session(), "after_commit", lambda _: store().revoked(sessions), once=True)


class RecentTouches:
    """When this process last wrote (or saw written) a session's `last_used_at`.

    Spares the database a statement on every request: within TOUCH_INTERVAL
    of the last touch this process knows of, nothing is sent. Across
    processes, the conditional UPDATE in `touch_session` keeps the writes to
    one a minute. Bounded: forgotten wholesale past MAX_ENTRIES, which costs
    at most one no-op UPDATE per session.
    """

    MAX_ENTRIES = 10_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._touched: dict[str, datetime] = {}

    def due(self, session_id: str, now: datetime) -> bool:
        with self._lock:
            last = self._touched.get(session_id)
        return last is None or now - last >= TOUCH_INTERVAL

    def mark(self, session_id: str, at: datetime) -> None:
        with self._lock:
            if len(self._touched) >= self.MAX_ENTRIES:
                self._touched.clear()
            self._touched[session_id] = at


recent_touches = RecentTouches()


def touch_session(session_id: str) -> None:
    """Record that a token of a live session was used: at most once a minute.

    Called where every authenticated request checks its token's session
    (`project.auth.is_revoked`), after the session was found live.
    """
    now = utcnow()
    if not recent_touches.due(session_id, now):
        return
    db.session.execute(
        update(AuthSession)
        .where(
            AuthSession.id == session_id,
            or_(
                AuthSession.last_used_at.is_(None), AuthSession.last_used_at < now - TOUCH_INTERVAL
            ),
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    recent_touches.mark(session_id, now)


@dataclass(frozen=True)
class SessionInfo:
    """One of the caller's sessions, as listed; `current` when it is the token's own."""

    id: str
    created_at: datetime
    last_used_at: datetime | None
    user_agent: str | None
    client_address: str | None
    current: bool


def live_sessions_of(user: User):
    return select(AuthSession).where(
        AuthSession.user_id == user.id,
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > utcnow(),
    )


def list_sessions(*, user: User, current_session_id: str | None, page: PageRequest) -> Page:
    """`user`'s live sessions, newest first; the one `current_session_id` names is marked."""
    sessions = paginate(db.session, live_sessions_of(user), page)
    return Page(
        [
            SessionInfo(
                id=session.id,
                created_at=session.created_at,
                last_used_at=session.last_used_at,
                user_agent=session.user_agent,
                client_address=session.ip_address,
                current=session.id == current_session_id,
            )
            for session in sessions.items
        ],
        sessions.next_cursor,
    )


def end_session(*, user: User, session_id: str) -> None:
    """End one of `user`'s live sessions; another user's, or an ended one, is not found."""
    session = db.session.scalar(live_sessions_of(user).where(AuthSession.id == session_id))
    if session is None:
        raise NotFound(SESSION_NOT_FOUND)
    end_sessions([session])


INVALID_TOKEN = "This token is invalid, expired or already used."


def spend_token(token: str, purpose: str) -> AccountToken:
    """Mark a live token of `purpose` used, once; any other is the same InvalidInput."""
    now = utcnow()
    spent = db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.token_hash == account.token_hash(token),
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .returning(AccountToken.id)
        .execution_options(synchronize_session=False)
    ).scalar()
    if spent is None:
        db.session.rollback()
        raise InvalidInput("token", INVALID_TOKEN)
    return db.session.get(AccountToken, spent)


def request_password_reset(*, email: str) -> None:
    """Mail a reset token if `email` is registered: decided outside the request.

    The request does the same work either way (no account enumeration).
    """
    defer(account.password_reset_job, email)


def confirm_password_reset(*, token: str, password: str) -> None:
    """Set the password of the token's user and end all their sessions."""
    spent = spend_token(token, PASSWORD_RESET)
    user = db.session.get(User, spent.user_id)
    user.password_hash = hash_password(password)
    db.session.commit()
    revoke_all_sessions(user)


def verify_email(*, token: str) -> None:
    """Mark the address the token was mailed to as verified, if it is still the user's."""
    spent = spend_token(token, VERIFY_EMAIL)
    user = db.session.get(User, spent.user_id)
    if user.email != spent.email:
        db.session.rollback()
        raise InvalidInput("token", INVALID_TOKEN)
    user.email_verified = True
    db.session.commit()


def send_verification(user: User) -> None:
    """Mail `user` a token for their current address (after a commit)."""
    defer(account.verification_job, user.id)
