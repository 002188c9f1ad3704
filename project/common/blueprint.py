"""The flask-smorest `Blueprint` plugins build on.

Two additions to flask-smorest's:

* `page_response(ItemSchema)`: a route that returns a `Page` is declared like
  one that returns an item; the `{items, next_cursor}` envelope and the
  `Link` header are documented and sent for it.
* A JSON body means JSON. webargs reads a body only when it is labelled JSON
  and otherwise carries on as if none was sent: `curl -d '{"bio": "x"}'`
  (form-encoded by default) would PATCH nothing and answer 200, and an
  operation whose spec says its body is required would run without one. Here
  a body in any other media type is a 415, and a missing required body a 422,
  before webargs parses anything.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import request
from flask_smorest import abort

from project.common.pagination import LINK_HEADER, next_link_header, page_schema

JSON_BODY_REQUIRED = "A JSON request body is required."


class Blueprint(flask_smorest.Blueprint):
    def page_response(self, item_schema: type[ma.Schema], **kwargs: Any) -> Callable:
        """`response(200, <Item>Page)` for a view returning a `Page`, with its Link header."""
        respond = self.response(200, page_schema(item_schema), headers=LINK_HEADER, **kwargs)

        def decorator(func: Callable) -> Callable:
            @wraps(func)
            def with_link(*args: Any, **view_kwargs: Any) -> Any:
                page = func(*args, **view_kwargs)
                return page, 200, next_link_header(page)

            return respond(with_link)

        return decorator

    def arguments(
        self, schema: Any, *, location: str = "json", required: bool = True, **kwargs: Any
    ) -> Callable:
        parse = super().arguments(schema, location=location, required=required, **kwargs)
        if location != "json":
            return parse

        def decorator(func: Callable) -> Callable:
            parsed = parse(func)

            # `wraps` also carries flask-smorest's `_apidoc` over to the wrapper.
            @wraps(parsed)
            def wrapper(*args: Any, **view_kwargs: Any) -> Any:
                if request.get_data(cache=True):
                    if not request.is_json:
                        abort(415, message="Send the request body as application/json.")
                elif required:
                    abort(
                        422,
                        message=JSON_BODY_REQUIRED,
                        errors={"json": {"_schema": [JSON_BODY_REQUIRED]}},
                    )
                return parsed(*args, **view_kwargs)

            return wrapper

        return decorator
