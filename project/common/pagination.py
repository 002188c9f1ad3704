"""Keyset (cursor) pagination on (created_at, id), newest first.

No OFFSET and no COUNT: a page costs one indexed range scan of `limit + 1`
rows, whatever its depth, and rows inserted while a client pages through do
not shift later pages (they sort before the cursor).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlencode

import marshmallow as ma
from flask import request
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
MAX_CURSOR_LENGTH = 200
# Cursors are unpadded URL-safe base64; b64decode would silently skip other characters.
CURSOR_PATTERN = r"^[A-Za-z0-9_-]+$"


@dataclass(frozen=True)
class Cursor:
    created_at: datetime
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.created_at.isoformat(), self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """Parse a client-supplied cursor; ValueError on anything malformed."""
        if not token or len(token) > MAX_CURSOR_LENGTH:
            raise ValueError("cursor has an invalid length")
        if re.fullmatch(CURSOR_PATTERN, token) is None:
            raise ValueError("cursor is not one this API issued")
        try:
            padded = token + "=" * (-len(token) % 4)
            created_raw, row_id = json.loads(base64.urlsafe_b64decode(padded))
            created_at = datetime.fromisoformat(created_raw)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError("cursor is not one this API issued") from exc
        if (
            created_at.tzinfo is None
            or not isinstance(row_id, int)
            or isinstance(row_id, bool)
            or not 0 < row_id < 2**31
        ):
            raise ValueError("cursor is not one this API issued")
        try:
            created_at = created_at.astimezone(UTC)
        except OverflowError as exc:  # e.g. year 1 at +14:00 falls before year 1 in UTC
            raise ValueError("cursor is not one this API issued") from exc
        return cls(created_at, row_id)


class CursorField(ma.fields.String):
    """An opaque cursor in a query string, loaded as a `Cursor`."""

    default_error_messages = {"invalid_cursor": "Not a valid cursor."}

    def _deserialize(self, value, attr, data, **kwargs):
        token = super()._deserialize(value, attr, data, **kwargs)
        try:
            return Cursor.decode(token)
        except ValueError as exc:
            raise self.make_error("invalid_cursor") from exc


class PaginationQuerySchema(ma.Schema):
    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Page size, 1 to {MAX_LIMIT}."},
    )
    # No `load_default=None`: the spec would offer `null`, which a query string cannot carry.
    cursor = CursorField(
        metadata={
            "description": "`next_cursor` from the previous page.",
            "minLength": 1,
            "maxLength": MAX_CURSOR_LENGTH,
            "pattern": CURSOR_PATTERN,
        },
    )

    @ma.post_load
    def first_page_without_cursor(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data.setdefault("cursor", None)
        return data


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """Build the `{items, next_cursor}` envelope schema for one resource."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "next_cursor": ma.fields.String(
                allow_none=True,
                required=True,
                metadata={"description": "Pass as `cursor` for the next page; null on the last."},
            ),
        },
        name=name,
    )


@dataclass
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def paginate(
    session: Session,
    stmt: Select,
    *,
    created_at: InstrumentedAttribute,
    id_: InstrumentedAttribute,
    cursor: Cursor | None,
    limit: int,
) -> Page[Any]:
    """Run `stmt` for one page, newest first, and say where the next one starts."""
    if cursor is not None:
        stmt = stmt.where(tuple_(created_at, id_) < (cursor.created_at, cursor.id))
    stmt = stmt.order_by(created_at.desc(), id_.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    last = rows[-1]
    return Page(rows, Cursor(getattr(last, created_at.key), getattr(last, id_.key)).encode())


def next_link_header(page: Page) -> dict[str, str]:
    """A `Link: <...>; rel="next"` header pointing at the next page, if any."""
    if page.next_cursor is None:
        return {}
    args = request.args.to_dict(flat=False)
    args["cursor"] = [page.next_cursor]
    url = f"{request.base_url}?{urlencode(args, doseq=True)}"
    return {"Link": f'<{url}>; rel="next"'}


# For `@blp.response(..., headers=LINK_HEADER)` on every collection.
LINK_HEADER = {
    "Link": {
        "description": 'RFC 8288 link to the next page (`rel="next"`), when there is one.',
        "schema": {"type": "string"},
    }
}
