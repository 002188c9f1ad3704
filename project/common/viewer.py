"""Who is looking: fields that depend on the viewer, made explicit.

A schema is a pure function of what it dumps. Fields whose value depends on
who asks (a user's `email` for themself or an admin; a post's `liked`; a
user's `is_followed`) are not looked up by the schema: the route passes the
viewer to `view(items, viewer)`, which asks the providers that plugins
registered for that model (`provide(app, User, provider)`) for each item's
extra fields, computed once per page (a provider takes the whole list, so it
costs at most one query). The items travel to the schema as `Viewed`
wrappers, and the schema declares such fields with `viewer_field(...)`, which
reads them from the extras only. Dumped without a viewer, an item never shows
them: that body is the same for everyone.

Two kinds of provider:

* per viewer (the default): `provider(ids, viewer)`, called only for an
  authenticated viewer, from the items' ids alone. That is what lets the
  response cache (`project.common.response_cache`) keep one body for
  everyone and lay each viewer's fields over it (`viewer_fields`) without
  loading the items again. It keeps those fields per viewer too, until
  `invalidation.viewer_key(viewer id)` changes: a plugin whose provider's
  answer for a viewer changes with a write (a like, a follow) must say so.
* `shared=True`: the same for every viewer (a post's `tags`),
  `provider(items)`; part of the body everyone gets, and cached with it.

A per-viewer provider may also say what it gives an item that the request
itself created (`provide(..., new={"liked": False})`): `view(item, viewer,
new=True)` shows that without a query, since nobody can have liked a post
that did not exist a moment ago.

`view` records, per request, which per-viewer fields it added to which model
(`viewed_fields`), so the cache can take them out again before storing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import Any, Generic, TypeVar

import marshmallow as ma
from flask import Flask, current_app, has_request_context, request
from werkzeug.local import LocalProxy

from project.common.pagination import Page

T = TypeVar("T")
PROVIDERS_KEY = "postwell_viewer_fields"
SHARED_PROVIDERS_KEY = "postwell_shared_fields"
# Where `view` notes what it added for the viewer (per request, like `@versioned`).
VIEWED_KEY = "postwell.viewed_fields"

# (item ids, viewer) -> one mapping of the viewer's fields per item, in order.
Provider = Callable[[Sequence[int], Any], Sequence[Mapping[str, Any]]]
# (items) -> one mapping of extra fields per item, the same for every viewer.
SharedProvider = Callable[[Sequence[Any]], Sequence[Mapping[str, Any]]]


@dataclass(frozen=True)
class ViewedFields:
    """What `view` showed: the items' model, the viewer's field names it added, and
    whether the body is a page (its items under `items`) or one item."""

    model: str
    names: frozenset[str]
    page: bool


class Viewed(Generic[T]):
    """An item as one viewer sees it: its own attributes, plus `extras`."""

    __slots__ = ("item", "extras")

    def __init__(self, item: T, extras: Mapping[str, Any]) -> None:
        self.item = item
        self.extras = extras

    def __getattr__(self, name: str) -> Any:
        return getattr(self.item, name)


@dataclass(frozen=True)
class PerViewer:
    """A per-viewer provider, and what it gives an item created by this very
    request, if that is known without asking (no one has liked a new post)."""

    provider: Provider
    new: Mapping[str, Any] | None


def provide(
    app: Flask,
    model: type,
    provider: Provider | SharedProvider,
    *,
    shared: bool = False,
    new: Mapping[str, Any] | None = None,
) -> None:
    """Register `provider` for extra fields of `model` items (see the module docstring);
    `new`: a per-viewer provider's fields for an item just created (see `view`)."""
    if shared:
        registered: Any = provider
        key = SHARED_PROVIDERS_KEY
    else:
        registered, key = PerViewer(provider, new), PROVIDERS_KEY
    app.extensions.setdefault(key, {}).setdefault(model.__name__, []).append(registered)


def viewer_fields(
    model: str, ids: Sequence[int], viewer: Any | None, *, new: bool = False
) -> list[dict[str, Any]]:
    """Each item's fields for `viewer` (none when anonymous): one query per provider at most."""
    extras: list[dict[str, Any]] = [{} for _ in ids]
    if viewer is None or not ids:
        return extras
    for registered in current_app.extensions.get(PROVIDERS_KEY, {}).get(model, ()):
        if new and registered.new is not None:
            provided: Sequence[Mapping[str, Any]] = [registered.new] * len(ids)
        else:
            provided = registered.provider(ids, viewer)
        for merged, fields in zip(extras, provided, strict=True):
            merged.update(fields)
    return extras


def view_items(
    model: type, items: Sequence[T], viewer: Any | None, *, page: bool = False, new: bool = False
) -> list[Viewed[T]]:
    # A read model (a plain class standing for a mapped one, e.g. the posts
    # plugin's `ShownPost`) names the model it shows in `viewed_as`.
    name = getattr(model, "viewed_as", model).__name__
    extras: list[dict[str, Any]] = [{} for _ in items]
    for provider in current_app.extensions.get(SHARED_PROVIDERS_KEY, {}).get(name, ()):
        for merged, fields in zip(extras, provider(items), strict=True):
            merged.update(fields)
    personal = viewer_fields(name, [item.id for item in items], viewer, new=new)
    if has_request_context():
        added = frozenset(field for fields in personal for field in fields)
        request.environ[VIEWED_KEY] = ViewedFields(name, added, page)
    for merged, fields in zip(extras, personal, strict=True):
        merged.update(fields)
    return [Viewed(item, fields) for item, fields in zip(items, extras, strict=True)]


def viewed_fields() -> ViewedFields | None:
    """What `view` showed in this request (None if it was not called)."""
    return request.environ.get(VIEWED_KEY)


def view(
    subject: T | Page[T], viewer: Any | None, *, new: bool = False
) -> Viewed[T] | Page[Viewed[T]]:
    """`subject` (one item, or a page of them) as `viewer` (None: anonymous) sees it.

    `new`: the item was created by this request; providers registered with
    `new=` fields give those without a query.
    """
    subject, viewer = resolved(subject), resolved(viewer)
    if isinstance(subject, Page):
        if not subject.items:
            return subject
        model = subject.items[0].__class__
        return replace(subject, items=view_items(model, subject.items, viewer, page=True))
    # `__class__`, not type(): a proxy (flask-jwt-extended's `current_user`) names what it wraps.
    return view_items(subject.__class__, [subject], viewer, new=new)[0]


def resolved(value: Any) -> Any:
    """flask-jwt-extended's `current_user` proxy, looked through once: each
    provider's `viewer.id` would otherwise find the user through it again
    (the token's claims, the app context). A `TokenUser` (itself a proxy, see
    `project.common.auth`) stays as it is: its row is read only if needed."""
    return value._get_current_object() if type(value) is LocalProxy else value


class _FromViewer:
    """Mixin for a field read from `Viewed.extras` only (missing elsewhere)."""

    def get_value(self, obj: Any, attr: str, accessor=None, default=ma.missing) -> Any:
        if not isinstance(obj, Viewed):
            return ma.missing
        return obj.extras.get(attr, ma.missing)


@cache
def _viewer_class(field_class: type[ma.fields.Field]) -> type[ma.fields.Field]:
    return type(f"Viewer{field_class.__name__}", (_FromViewer, field_class), {})


def viewer_field_class(field: ma.fields.Field) -> type[ma.fields.Field] | None:
    """The marshmallow field class a viewer field is (None: not a viewer field)."""
    return type(field).__bases__[1] if isinstance(field, _FromViewer) else None


def viewer_field(field_class: type[ma.fields.Field], **kwargs: Any) -> ma.fields.Field:
    """A dump-only field whose value depends on the viewer (see the module docstring)."""
    return _viewer_class(field_class)(dump_only=True, **kwargs)
