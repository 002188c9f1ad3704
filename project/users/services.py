"""User rules: registration, lookup, profile changes, permissions."""

from __future__ import annotations

from typing import Any

from blinker import Namespace
from flask_smorest import abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from project.common.auth import viewer
from project.common.pagination import Cursor, Page, paginate
from project.common.security import hash_password, needs_rehash, verify_password
from project.extensions import db
from project.users.models import User

signals = Namespace()
# Sent after a password change is committed; the auth plugin ends sessions.
password_changed = signals.signal("password-changed")


def can_see_private_fields(user: User) -> bool:
    current = viewer()
    return current is not None and (current.id == user.id or current.is_admin)


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404, message=f"No user with id {user_id}.")
    return user


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def find_by_login(login: str) -> User | None:
    """A user by username or email, case-insensitively."""
    column = User.email if "@" in login else User.username
    return db.session.scalar(select(User).where(func.lower(column) == login.lower()))


def authenticate(login: str, password: str) -> User | None:
    """The user these credentials belong to, or None; constant work either way."""
    user = find_by_login(login)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_users(*, q: str | None, cursor: Cursor | None, limit: int) -> Page[User]:
    stmt = select(User)
    if q:
        pattern = escape_like(q.lower()) + "%"
        stmt = stmt.where(func.lower(User.username).like(pattern, escape="\\"))
    return paginate(
        db.session, stmt, created_at=User.created_at, id_=User.id, cursor=cursor, limit=limit
    )


def _taken(column, value: str, exclude_id: int | None) -> bool:
    stmt = select(User.id).where(func.lower(column) == value.lower())
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def find_conflict(*, username: str | None, email: str | None, exclude_id: int | None) -> str | None:
    """Say which unique field is taken; the unique indexes are the real guard."""
    if username is not None and _taken(User.username, username, exclude_id):
        return "This username is already taken."
    if email is not None and _taken(User.email, email, exclude_id):
        return "This email is already registered."
    return None


def commit_unique(*, username: str | None, email: str | None, exclude_id: int | None) -> None:
    """Commit, turning a lost unique-index race into a 409 with nothing written."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        detail = find_conflict(username=username, email=email, exclude_id=exclude_id)
        abort(409, message=detail or "This user conflicts with an existing one.")


def create_user(*, data: dict[str, Any], is_admin: bool = False) -> User:
    detail = find_conflict(username=data["username"], email=data["email"], exclude_id=None)
    if detail:
        abort(409, message=detail)
    user = User(
        username=data["username"],
        email=data["email"],
        display_name=data.get("display_name"),
        bio=data.get("bio"),
        password_hash=hash_password(data["password"]),
        is_admin=is_admin,
    )
    db.session.add(user)
    commit_unique(username=user.username, email=user.email, exclude_id=None)
    return user


def ensure_can_manage(*, user: User, actor: User) -> None:
    if actor.id != user.id and not actor.is_admin:
        abort(403, message="You can only change your own account.")


def update_user(*, user: User, actor: User, data: dict[str, Any]) -> User:
    ensure_can_manage(user=user, actor=actor)
    if "is_admin" in data and not actor.is_admin:
        abort(403, message="Only admins can grant or revoke admin rights.")
    password = data.get("password")
    if password is not None and actor.id == user.id:
        # 403 like a wrong one: the request is well-formed (the schema cannot
        # say "required when changing your own password"), the proof is missing.
        if "current_password" not in data:
            abort(403, message="Changing your password needs current_password.")
        if not verify_password(user.password_hash, data["current_password"]):
            abort(403, message="The current password is wrong.")
    if "email" in data:
        detail = find_conflict(username=None, email=data["email"], exclude_id=user.id)
        if detail:
            abort(409, message=detail)
    for field in ("email", "display_name", "bio", "is_admin"):
        if field in data:
            setattr(user, field, data[field])
    if password is not None:
        user.password_hash = hash_password(password)
    commit_unique(username=None, email=data.get("email"), exclude_id=user.id)
    if password is not None:
        password_changed.send(user)
    return user


def delete_user(*, user: User, actor: User) -> None:
    """Delete a user; their posts and sessions go with them (ON DELETE CASCADE)."""
    ensure_can_manage(user=user, actor=actor)
    db.session.delete(user)
    db.session.commit()
