"""Keyset (cursor) pagination, one concern per module.

* `cursor`  - the opaque token format (base64url JSON list of scalars);
* `keyset`  - which columns order a collection, and the page query itself;
* `schemas` - the `?limit=&cursor=` query schema and the `{items, next_cursor}` envelope;
* `links`   - the `Link: <...>; rel="next"` header.

A paginated route is declared with `Blueprint.page_response(ItemSchema)`
(`project.common.blueprint`), takes its `page` request from a query schema
derived from `PaginationQuerySchema`, and returns the `Page` that `paginate`
builds: no OFFSET and no COUNT, one indexed range scan of `limit + 1` rows.
"""

from project.common.pagination.keyset import (
    Keyset,
    Page,
    PageRequest,
    page_of,
    page_parameters,
    paginate,
    paginate_bound,
)
from project.common.pagination.links import LINK_HEADER, next_link_header
from project.common.pagination.schemas import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    PaginationQuerySchema,
    page_schema,
)

__all__ = [
    "DEFAULT_LIMIT",
    "LINK_HEADER",
    "MAX_LIMIT",
    "Keyset",
    "Page",
    "PageRequest",
    "PaginationQuerySchema",
    "next_link_header",
    "page_of",
    "page_parameters",
    "page_schema",
    "paginate",
    "paginate_bound",
]
