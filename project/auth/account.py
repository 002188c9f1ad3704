"""Account mail: single-use tokens for password reset and email verification.

The jobs here run outside the request (`project.common.jobs.defer`: an RQ
worker, or this process after the response), so the request that asked for
a password reset does the same work whether or not the address is
registered. A job that cannot send its mail raises, and is retried.

Tokens are 256 random bits, sent in the mail and stored only as SHA-256.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from project.auth.models import PASSWORD_RESET, VERIFY_EMAIL, AccountToken
from project.common.mail import send_mail
from project.common.models import utcnow
from project.extensions import db
from project.users.identity import identity_key
from project.users.models import User

TTL_SETTINGS = {
    PASSWORD_RESET: "PASSWORD_RESET_TOKEN_TTL",
    VERIFY_EMAIL: "EMAIL_VERIFICATION_TOKEN_TTL",
}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(user: User, purpose: str) -> str:
    """A fresh token for `user`; their older unspent ones of `purpose` are spent."""
    now = utcnow()
    db.session.execute(
        update(AccountToken)
        .where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    token = secrets.token_urlsafe(32)
    ttl = timedelta(seconds=current_app.config[TTL_SETTINGS[purpose]])
    db.session.add(
        AccountToken(
            token_hash=token_hash(token),
            purpose=purpose,
            user_id=user.id,
            email=user.email,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    db.session.commit()
    return token


def password_reset_job(email: str) -> None:
    """Mail a reset token to `email` if it is a user's; otherwise do nothing."""
    user = db.session.scalar(select(User).where(User.email_key == identity_key(email)))
    if user is None:
        return
    token = new_token(user, PASSWORD_RESET)
    minutes = current_app.config["PASSWORD_RESET_TOKEN_TTL"] // 60
    send_mail(
        kind=PASSWORD_RESET,
        to=user.email,
        subject="Reset your Postwell password",
        body=(
            f"Hello {user.username},\n\n"
            "Someone (hopefully you) asked to reset your Postwell password.\n"
            "POST this token with your new password to /api/v1/auth/password-reset/confirm\n"
            f"within {minutes} minutes:\n\n"
            f"Token: {token}\n\n"
            "If it was not you, ignore this mail: your password stays as it is.\n"
        ),
    )


def verification_job(user_id: int) -> None:
    """Mail a verification token to the user's current address, unless verified."""
    user = db.session.get(User, user_id)
    if user is None or user.email_verified:
        return
    token = new_token(user, VERIFY_EMAIL)
    send_mail(
        kind=VERIFY_EMAIL,
        to=user.email,
        subject="Confirm your Postwell email address",
        body=(
            f"Hello {user.username},\n\n"
            "POST this token to /api/v1/auth/verify-email to confirm this address:\n\n"
            f"Token: {token}\n"
        ),
    )
