"""User rules: registration, lookup, profile changes, who may see and change what.

Raises domain errors (`project.common.exceptions`); knows nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar

from blinker import Namespace
from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from project.common import invalidation
from project.common.exceptions import Conflict, Forbidden, NotFound
from project.common.models import ensure_version
from project.common.pagination import Page, PageRequest, paginate
from project.common.security import hash_password, needs_rehash, verify_password
from project.extensions import db
from project.users import reads
from project.users.identity import identity_key
from project.users.models import User
from project.users.reads import ShownUser

# A user as loaded: a `User`, or a `ShownUser` (`project.users.reads`).
U = TypeVar("U", User, ShownUser)

signals = Namespace()
# Sent after a password change is committed; the auth plugin ends sessions.
password_changed = signals.signal("password-changed")
# Sent before a user is deleted, in the same transaction: plugins whose counters
# count this user's rows (follows, likes, comments, tags) fix them here, since
# ON DELETE CASCADE removes rows without touching counters.
user_deleting = signals.signal("user-deleting")
# Sent after a new user, or a changed email, is committed; the auth plugin
# mails a verification token to the address.
email_set = signals.signal("email-set")

CONFLICT_DETAILS = {
    "username": "This username is already taken.",
    "email": "This email is already registered.",
}


def cache_keys(user: User, change: str) -> tuple[str, ...]:
    """The cached answers a written user changes: the profile and every list of users.

    A username shows in every post and comment of its user, and a deleted
    user's rows go by ON DELETE CASCADE, unseen: both change everything.
    """
    if change == "deleted" or inspect(user).attrs.username.history.has_changes():
        return (invalidation.EVERYTHING,)
    # Their row holds what they see of themselves (email, is_admin).
    return (f"user:{user.id}", "users", invalidation.viewer_key(user.id))


PRIVATE_FIELDS = (User.email, User.is_admin, User.email_verified)


def private_fields(user_ids: Sequence[int], viewer: User) -> list[dict[str, Any]]:
    """`email`, `is_admin`, `email_verified` for the user themself and for admins
    (a viewer provider): from the viewer's own row, or one query for an admin."""
    if viewer.is_admin:
        rows = db.session.execute(
            select(User.id, *PRIVATE_FIELDS).where(User.id.in_(user_ids))
        ).all()
        private = {row.id: row._asdict() for row in rows}
        for fields in private.values():
            del fields["id"]
    else:
        private = {
            viewer.id: {column.key: getattr(viewer, column.key) for column in PRIVATE_FIELDS}
        }
    return [private.get(user_id, {}) for user_id in user_ids]


# Built once, the id bound per call: its cache key is kept on the statement
# (see `project.posts.services.post_by_id`).
USER_BY_ID = select(User).where(User.id == bindparam("user_id"))


def find_user(user_id: int) -> User | None:
    """The user with this id, or None: `Session.get` for less Python per call.

    A user the session already holds is returned without a query, as `get` would.
    """
    if inspect(User).identity_key_from_primary_key((user_id,)) in db.session.identity_map:
        return db.session.get(User, user_id)
    return db.session.scalar(USER_BY_ID, {"user_id": user_id})


def get_user(user_id: int) -> User:
    return ensure_found(find_user(user_id), user_id)


def shown_user(user_id: int) -> ShownUser | None:
    return reads.shown_user(user_id)


def get_shown_user(user_id: int) -> ShownUser:
    """`get_user` for a read that only shows the user (`project.users.reads`)."""
    return ensure_found(shown_user(user_id), user_id)


def ensure_found(user: U | None, user_id: int) -> U:
    if user is None:
        raise NotFound(f"No user with id {user_id}.")
    return user


def find_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_key == identity_key(username)))


def find_by_login(login: str) -> User | None:
    """A user by username or email, compared by `identity_key` (case-insensitively)."""
    column = User.email_key if "@" in login else User.username_key
    return db.session.scalar(select(User).where(column == identity_key(login)))


def authenticate(login: str, password: str) -> User | None:
    """The user these credentials belong to, or None; constant work either way."""
    user = find_by_login(login)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if needs_rehash(user.password_hash):
        rehash_password(user, password)
    return user


def password_still_verifies(user: User, password: str) -> bool:
    """Whether `password`, verified a moment ago, is still the user's: call it in
    the transaction that acts on the login, after its writes.

    The users row is locked for share until that transaction ends: a password
    change (or reset) commits either before this read, which then sees its new
    hash, or after the caller's commit, and then ends the sessions the caller
    made. A hash another login re-made for the same password verifies again.
    """
    stored = db.session.scalar(
        select(User.password_hash).where(User.id == user.id).with_for_update(read=True)
    )
    if stored is None:  # the user was deleted meanwhile
        return False
    return stored == user.password_hash or verify_password(stored, password)


def rehash_password(user: User, password: str) -> None:
    """Store `password` hashed with today's parameters, if the stored hash is still
    the one just verified.

    A compare-and-set on the hash, not an ORM flush: two logins of the same
    user at once must both succeed (the flush's version check would fail the
    second one with a 412), and a password changed meanwhile must stay
    changed. The row's version is kept: no one can see the hash, so the
    user's ETag has nothing new to show.
    """
    old, new = user.password_hash, hash_password(password)
    stored = db.session.execute(
        update(User)
        .where(User.id == user.id, User.password_hash == old)
        # `updated_at` too is kept: the user as shown has not changed.
        .values(password_hash=new, updated_at=User.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if stored.rowcount:
        set_committed_value(user, "password_hash", new)


def escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_users(
    *,
    q: str | None,
    page: PageRequest,
    created_after: datetime | None = None,
    created_before: datetime | None = None,
) -> Page[User]:
    """Users in the page's order (newest, or most published posts), in [after, before)."""
    stmt = select(User)
    if created_after is not None:
        stmt = stmt.where(User.created_at >= created_after)
    if created_before is not None:
        stmt = stmt.where(User.created_at < created_before)
    if q:
        pattern = escape_like(identity_key(q)) + "%"
        stmt = stmt.where(User.username_key.like(pattern, escape="\\"))
    return paginate(db.session, stmt, page)


def _taken(column, value: str, exclude_id: int | None) -> bool:
    stmt = select(User.id).where(column == identity_key(value))
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt.limit(1)) is not None


def taken_field(*, username: str | None, email: str | None, exclude_id: int | None) -> str | None:
    """Which unique field (`username`, `email`) another user has; the indexes are the real guard."""
    if username is not None and _taken(User.username_key, username, exclude_id):
        return "username"
    if email is not None and _taken(User.email_key, email, exclude_id):
        return "email"
    return None


def ensure_unique(*, username: str | None, email: str | None, exclude_id: int | None) -> None:
    field = taken_field(username=username, email=email, exclude_id=exclude_id)
    if field is not None:
        raise Conflict(CONFLICT_DETAILS[field])


def commit_unique(*, username: str | None, email: str | None, exclude_id: int | None) -> None:
    """Commit, turning a lost unique-index race into a Conflict with nothing written."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        field = taken_field(username=username, email=email, exclude_id=exclude_id)
        raise Conflict(
            CONFLICT_DETAILS[field] if field else "This user conflicts with an existing one."
        ) from None


def create_user(*, data: dict[str, Any], is_admin: bool = False) -> User:
    ensure_unique(username=data["username"], email=data["email"], exclude_id=None)
    user = User(
        username=data["username"],
        email=data["email"],
        display_name=data.get("display_name"),
        bio=data.get("bio"),
        avatar_url=data.get("avatar_url"),
        password_hash=hash_password(data["password"]),
        is_admin=is_admin,
    )
    db.session.add(user)
    commit_unique(username=user.username, email=user.email, exclude_id=None)
    email_set.send(user)
    return user


def ensure_can_manage(*, user: User, actor: User) -> None:
    if actor.id != user.id and not actor.is_admin:
        raise Forbidden("You can only change your own account.")


def check_password_change(
    *, user: User, actor: User, data: dict[str, Any], proof_required: bool = True
) -> None:
    """Changing your own password needs the current one (403 without it or when wrong).

    403, not 422: the request is well-formed (the schema cannot say "required
    when changing your own password"); the proof is missing. `proof_required`
    False is the RealWorld API's rule (`project.realworld`): the token alone.
    """
    if data.get("password") is None or actor.id != user.id or not proof_required:
        return
    if "current_password" not in data:
        raise Forbidden("Changing your password needs current_password.")
    if not verify_password(user.password_hash, data["current_password"]):
        raise Forbidden("The current password is wrong.")


def update_user(
    *,
    user: User,
    actor: User,
    data: dict[str, Any],
    password_proof_required: bool = True,
    expected_version: Collection[int] | None = None,
) -> User:
    """Change the fields in `data` (`username` only through the RealWorld API so far).

    `expected_version`: the versions the client read (If-Match). Not locked:
    the version column makes a write based on a row that changed meanwhile
    match nothing (StaleDataError, 412).
    """
    ensure_can_manage(user=user, actor=actor)
    ensure_version(user.version, expected_version, "user")
    if "is_admin" in data and not actor.is_admin:
        raise Forbidden("Only admins can grant or revoke admin rights.")
    check_password_change(user=user, actor=actor, data=data, proof_required=password_proof_required)
    email_changed = "email" in data and data["email"] != user.email
    if "username" in data or email_changed:
        ensure_unique(
            username=data.get("username"),
            email=data["email"] if email_changed else None,
            exclude_id=user.id,
        )
    if email_changed:
        user.email_verified = False
    for field in ("username", "email", "display_name", "bio", "avatar_url", "is_admin"):
        if field in data:
            setattr(user, field, data[field])
    password = data.get("password")
    if password is not None:
        user.password_hash = hash_password(password)
    commit_unique(username=data.get("username"), email=data.get("email"), exclude_id=user.id)
    if password is not None:
        password_changed.send(user)
    if email_changed:
        email_set.send(user)
    return user


def delete_user(
    *, user: User, actor: User, expected_version: Collection[int] | None = None
) -> None:
    """Delete a user; their posts and sessions go with them (ON DELETE CASCADE)."""
    ensure_can_manage(user=user, actor=actor)
    ensure_version(user.version, expected_version, "user")
    user_deleting.send(user)
    db.session.delete(user)
    db.session.commit()
