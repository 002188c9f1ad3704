"""The RFC 8288 `Link: <...>; rel="next"` header of a page."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import request

from project.common.pagination.keyset import Page

# For the spec of every collection response (see `Blueprint.page_response`).
LINK_HEADER = {
    "Link": {
        "description": 'RFC 8288 link to the next page (`rel="next"`), when there is one.',
        "schema": {"type": "string"},
    }
}


def next_link_header(page: Page) -> dict[str, str]:
    """A `Link` header pointing at the next page, if any: this URL with its cursor replaced."""
    if page.next_cursor is None:
        return {}
    args = request.args.to_dict(flat=False)
    args["cursor"] = [page.next_cursor]
    url = f"{request.base_url}?{urlencode(args, doseq=True)}"
    return {"Link": f'<{url}>; rel="next"'}
