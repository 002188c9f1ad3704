"""Which cached answers a write changes: keys, gathered per transaction, published after commit.

A key names a set of answers (`post:7`: that post; `posts`: every list of
posts; `viewer:3`: the fields only user 3 sees in them; `everything`). The
ORM flush gathers the keys of what it writes, from the functions plugins
registered per model (`invalidate_on`); services add the keys of UPDATE
statements the flush does not see (`changed`). After the
commit (never before: a reader must not rebuild from data older than the
write once the key has moved), the keys go to whatever the app registered
(`publish_with`): the response cache gives them new versions
(`project.common.response_cache`). Keys of a transaction that rolled
back are published with the session's next commit, if any: an answer
rebuilt for nothing, never one kept past its change.

Services call `changed`; it knows nothing of HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from project.extensions import db

EVERYTHING = "everything"
EXTENSION_KEY = "postwell_invalidation"
# Session.info: the keys this transaction changed.
CHANGED_KEYS = "postwell.changed_cache_keys"

# (instance, "new" | "dirty" | "deleted") -> the keys whose answers it changes.
KeysOf = Callable[[Any, str], Iterable[str]]
_keys_of: dict[type, KeysOf] = {}


def invalidate_on(model: type, keys_of: KeysOf) -> None:
    """Flushing a new, changed or deleted `model` instance changes `keys_of(instance, change)`.

    A plugin registers its models once; the registry is per process, like the
    mappers and the session events it is used from.
    """
    _keys_of[model] = keys_of


def changed(*keys: str) -> None:
    """This transaction changes what `keys` cover: new versions once it commits.

    For writes the ORM flush does not see (UPDATE statements on counters).
    """
    db.session.info.setdefault(CHANGED_KEYS, set()).update(keys)


def viewer_key(user_id: int) -> str:
    """The key of what `user_id` alone sees in answers everyone else sees
    otherwise: the per-viewer fields (`project.common.viewer`), which the
    response cache keeps per viewer. Whoever changes one of them for a user
    (their like, their follow, their own row) changes this key."""
    return f"viewer:{user_id}"


def changed_everything() -> None:
    """After a change too wide to name (a user deleted, rows written in bulk)."""
    changed(EVERYTHING)


@event.listens_for(Session, "after_flush")
def _collect_changed_keys(session: Session, flush_context: Any) -> None:
    keys: set[str] = set()
    for change, instances in (
        ("new", session.new),
        ("dirty", session.dirty),
        ("deleted", session.deleted),
    ):
        for instance in instances:
            keys_of = _keys_of.get(type(instance))
            if keys_of is None or (change == "dirty" and not session.is_modified(instance)):
                continue
            keys.update(keys_of(instance, change))
    if keys:
        session.info.setdefault(CHANGED_KEYS, set()).update(keys)


@event.listens_for(Session, "after_commit")
def _publish_changed_keys(session: Session) -> None:
    keys = session.info.pop(CHANGED_KEYS, None)
    if keys and has_app_context():
        publish = current_app.extensions.get(EXTENSION_KEY)
        if publish is not None:
            publish(keys)


def publish_with(app: Flask, publish: Callable[[Iterable[str]], None]) -> None:
    """`publish(keys)` runs after each commit that changed `keys` in `app`."""
    app.extensions[EXTENSION_KEY] = publish
