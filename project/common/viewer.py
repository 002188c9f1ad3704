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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any, Generic, TypeVar

import marshmallow as ma
from flask import Flask, current_app

from project.common.pagination import Page

T = TypeVar("T")
PROVIDERS_KEY = "postwell_viewer_fields"

# (items, viewer or None) -> one mapping of extra fields per item, in order.
Provider = Callable[[Sequence[Any], Any | None], Sequence[Mapping[str, Any]]]


class Viewed(Generic[T]):
    """An item as one viewer sees it: its own attributes, plus `extras`."""

    __slots__ = ("item", "extras")

    def __init__(self, item: T, extras: Mapping[str, Any]) -> None:
        self.item = item
        self.extras = extras

    def __getattr__(self, name: str) -> Any:
        return getattr(self.item, name)


def provide(app: Flask, model: type, provider: Provider) -> None:
    """Register `provider` for the viewer-dependent fields of `model` items."""
    app.extensions.setdefault(PROVIDERS_KEY, {}).setdefault(model, []).append(provider)


def view_items(model: type, items: Sequence[T], viewer: Any | None) -> list[Viewed[T]]:
    extras: list[dict[str, Any]] = [{} for _ in items]
    for provider in current_app.extensions.get(PROVIDERS_KEY, {}).get(model, ()):
        for merged, fields in zip(extras, provider(items, viewer), strict=True):
            merged.update(fields)
    return [Viewed(item, fields) for item, fields in zip(items, extras, strict=True)]


def view(subject: T | Page[T], viewer: Any | None) -> Viewed[T] | Page[Viewed[T]]:
    """`subject` (one item, or a page of them) as `viewer` (None: anonymous) sees it."""
    if isinstance(subject, Page):
        if not subject.items:
            return subject
        model = subject.items[0].__class__
        return replace(subject, items=view_items(model, subject.items, viewer))
    # `__class__`, not type(): a proxy (flask-jwt-extended's `current_user`) names what it wraps.
    return view_items(subject.__class__, [subject], viewer)[0]


class _FromViewer:
    """Mixin for a field read from `Viewed.extras` only (missing elsewhere)."""

    def get_value(self, obj: Any, attr: str, accessor=None, default=ma.missing) -> Any:
        if not isinstance(obj, Viewed):
            return ma.missing
        return obj.extras.get(attr, ma.missing)


@cache
def _viewer_class(field_class: type[ma.fields.Field]) -> type[ma.fields.Field]:
    return type(f"Viewer{field_class.__name__}", (_FromViewer, field_class), {})


def viewer_field(field_class: type[ma.fields.Field], **kwargs: Any) -> ma.fields.Field:
    """A dump-only field whose value depends on the viewer (see the module docstring)."""
    return _viewer_class(field_class)(dump_only=True, **kwargs)
