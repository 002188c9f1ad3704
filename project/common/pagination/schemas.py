"""The pagination query string and the page envelope, as marshmallow schemas."""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

import marshmallow as ma

from project.common.pagination.cursor import CURSOR_PATTERN, MAX_CURSOR_LENGTH
from project.common.pagination.keyset import Keyset, PageRequest

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
INVALID_CURSOR = "Not a valid cursor."


class PaginationQuerySchema(ma.Schema):
    """`?limit=&cursor=`, loaded as `data["page"]`, a `PageRequest`.

    Subclasses set `keyset` (the collection's order), or override
    `keyset_for` when a query parameter chooses the order (e.g. `?sort=`).
    """

    keyset: ClassVar[Keyset]

    limit = ma.fields.Integer(
        load_default=DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=MAX_LIMIT),
        metadata={"description": f"Page size, 1 to {MAX_LIMIT}."},
    )
    # No `load_default=None`: the spec would offer `null`, which a query string cannot carry.
    cursor = ma.fields.String(
        metadata={
            "description": "`next_cursor` from the previous page.",
            "minLength": 1,
            "maxLength": MAX_CURSOR_LENGTH,
            "pattern": CURSOR_PATTERN,
        },
    )

    def keyset_for(self, data: dict[str, Any]) -> Keyset:
        return self.keyset

    @ma.post_load
    def page_request(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        keyset = self.keyset_for(data)
        token = data.pop("cursor", None)
        try:
            after = keyset.parse(token) if token is not None else None
        except ValueError as exc:
            raise ma.ValidationError(INVALID_CURSOR, field_name="cursor") from exc
        data["page"] = PageRequest(keyset=keyset, after=after, limit=data.pop("limit"))
        return data


@cache
def page_schema(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The `{items, next_cursor}` envelope of one resource, named `<Item>Page`.

    Cached: one class per item schema, so the spec names each envelope once.
    """
    name = item_schema.__name__.removesuffix("Schema") + "Page"
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
