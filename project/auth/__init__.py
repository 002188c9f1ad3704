"""Auth plugin: tokens at /api/v1/auth, revocation checked on every request.

Hooks it installs in the app (see `init_app`):
* the revocation check every authenticated request runs
  (`project.common.auth.TokenHooks.is_revoked`): without this plugin an app
  that loads users from tokens refuses to start; a live session also gets
  its `last_used_at` touched there (at most once a minute);
* a receiver of `project.users.services.password_changed` that ends every
  session of the user;
* a receiver of `project.users.services.email_set` (registration, email
  change) that mails a verification token;
* a receiver of `project.users.services.user_deleting` that has the store
  forget the user's live sessions once the deletion is committed (their rows
  go by ON DELETE CASCADE): a read-only request, which loads the token's
  user only on use, must not be vouched for by a stale live key.
"""

from flask import Flask

from project.auth import services
from project.auth.revocation import store
from project.auth.routes import blp
from project.common.auth import token_hooks
from project.users.services import email_set, password_changed, user_deleting

__all__ = ["blp", "init_app"]


def is_revoked(jwt_payload: dict) -> bool:
    session_id = jwt_payload.get("sid")
    if not session_id or store().is_revoked(session_id):
        return True
    services.touch_session(session_id)
    return False


def end_sessions_after_password_change(user, **extra) -> None:
    services.revoke_all_sessions(user)


def send_verification_mail(user, **extra) -> None:
    services.send_verification(user)


def forget_sessions_of_deleted_user(user, **extra) -> None:
    services.forget_sessions_after_commit(user)


def init_app(app: Flask) -> None:
    token_hooks(app).is_revoked = is_revoked
    password_changed.connect(end_sessions_after_password_change)
    user_deleting.connect(forget_sessions_of_deleted_user)
    email_set.connect(send_verification_mail)
